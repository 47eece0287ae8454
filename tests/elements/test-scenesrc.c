/* GStreamer anomaly detection plugin
 * test-scenesrc.c - anomalyscenesrc: caps, frame count and EOS, timestamps,
 * determinism against the core, ground-truth metas, events added to a
 * training clip (and refused by the industrial scene).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <string.h>

#include "ad-scene.h"

/* Pulls events until EOS; fails if a buffer is still pending. */
static void
expect_eos (GstHarness * h)
{
  GstEvent *ev;
  gboolean eos = FALSE;

  while (!eos && (ev = gst_harness_pull_event (h)) != NULL) {
    eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless (eos, "no EOS");
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
}

static GstHarness *
scene_harness (const gchar * props, const gchar * sink_caps)
{
  gchar *desc = g_strdup_printf ("anomalyscenesrc %s", props);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  if (sink_caps)
    gst_harness_set_sink_caps_str (h, sink_caps);
  gst_harness_play (h);
  return h;
}

GST_START_TEST (test_default_caps)
{
  GstHarness *h = scene_harness ("num-buffers=2", NULL);
  GstBuffer *buf = gst_harness_pull (h);
  GstCaps *caps;
  GstVideoInfo info;

  fail_unless (buf != NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), GST_VIDEO_FORMAT_RGB);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 160);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 120);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 25);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_D (&info), 1);
  fail_unless_equals_uint64 (gst_buffer_get_size (buf),
      GST_VIDEO_INFO_SIZE (&info));
  gst_caps_unref (caps);
  gst_buffer_unref (buf);
  gst_buffer_unref (gst_harness_pull (h));
  expect_eos (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The clip's length decides EOS; offsets and timestamps follow the frames. */
GST_START_TEST (test_count_and_timestamps)
{
  GstHarness *h = scene_harness ("scene=industrial clip=holdout",
      "video/x-raw,format=RGB,width=64,height=48,framerate=10/1");

  for (guint64 i = 0; i < 50; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    fail_unless (buf != NULL, "buffer %" G_GUINT64_FORMAT " missing", i);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), i * GST_SECOND / 10);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), GST_SECOND / 10);
    gst_buffer_unref (buf);
  }
  expect_eos (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* frame-step=3: a camera at 25/3 frames a second filming the same scene:
 * buffer i is the scene's frame 3i, the clip ends after ceil(50/3). */
/* Pulls n 64x48 RGB buffers from h: buffer i is the core scene's frame
 * i x step, with offset i, and the caps' framerate 25/fps_d. */
static void
expect_core_frames (GstHarness * h, ad_scene * scene, guint64 n,
    guint64 step, gint fps_d)
{
  guint8 rgb[64 * 48 * 3];
  GstVideoInfo info;
  GstCaps *caps;

  for (guint64 i = 0; i < n; i++) {
    GstBuffer *buf = gst_harness_pull (h);
    fail_unless (buf != NULL, "buffer %" G_GUINT64_FORMAT " missing", i);
    fail_unless (ad_scene_render (scene, (gint64) (i * step), rgb, NULL,
            NULL, NULL) == AD_OK);
    fail_unless (gst_buffer_memcmp (buf, 0, rgb, sizeof rgb) == 0,
        "buffer %" G_GUINT64_FORMAT " is not scene frame %" G_GUINT64_FORMAT,
        i, i * step);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
    gst_buffer_unref (buf);
  }
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (caps && gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 25);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_D (&info), fps_d);
  gst_caps_unref (caps);
}

GST_START_TEST (test_frame_step)
{
  GstHarness *h = scene_harness ("scene=industrial clip=holdout frame-step=3",
      "video/x-raw,format=RGB,width=64,height=48");
  ad_scene *scene = NULL;

  fail_unless (ad_scene_new (AD_SCENE_INDUSTRIAL, AD_CLIP_HOLDOUT, 64, 48, 0,
          1, &scene, NULL) == AD_OK);
  expect_core_frames (h, scene, 17, 3, 3);
  expect_eos (h);
  ad_scene_free (scene);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* pace=2: the buffers are the core's clip at pace 2, twice as long, at
 * the framerate of pace 1. */
GST_START_TEST (test_pace)
{
  GstHarness *h = scene_harness ("scene=surveillance clip=test pace=2",
      "video/x-raw,format=RGB,width=64,height=48");
  GstElement *src = gst_harness_find_element (h, "anomalyscenesrc");
  ad_scene *scene = NULL;
  guint pace = 0;

  g_object_get (src, "pace", &pace, NULL);
  gst_object_unref (src);
  fail_unless_equals_int (pace, 2);
  fail_unless (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, 64, 48, 0,
          1, &scene, NULL) == AD_OK);
  fail_unless (ad_scene_set_pace (scene, 2, NULL) == AD_OK);
  fail_unless_equals_int64 (ad_scene_n_frames (scene), 2100);
  expect_core_frames (h, scene, 30, 1, 1);
  ad_scene_free (scene);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_num_buffers)
{
  GstHarness *h = scene_harness ("scene=surveillance clip=test num-buffers=5",
      "video/x-raw,width=48,height=32");

  for (gint i = 0; i < 5; i++)
    gst_buffer_unref (gst_harness_pull (h));
  expect_eos (h);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *src = gst_element_factory_make ("anomalyscenesrc", NULL);
  gchar *s;
  guint seed, events = 99;
  gboolean live;

  fail_unless (src != NULL);
  gst_util_set_object_arg (G_OBJECT (src), "scene", "sparse");
  gst_util_set_object_arg (G_OBJECT (src), "clip", "nuisance");
  g_object_get (src, "add-events", &events, NULL);
  fail_unless_equals_int (events, 0);
  g_object_set (src, "seed", 42, "is-live", TRUE, "add-events", 5, NULL);
  g_object_get (src, "seed", &seed, "is-live", &live, "add-events", &events,
      NULL);
  fail_unless_equals_int (seed, 42);
  fail_unless_equals_int (events, 5);
  fail_unless (live);
  {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, g_object_class_find_property (G_OBJECT_GET_CLASS (src),
            "clip")->value_type);
    g_object_get_property (G_OBJECT (src), "clip", &v);
    s = gst_value_serialize (&v);
    fail_unless_equals_string (s, "nuisance");
    g_free (s);
    g_value_unset (&v);
  }
  gst_util_set_object_arg (G_OBJECT (src), "scene", "crowded");
  {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, g_object_class_find_property (G_OBJECT_GET_CLASS (src),
            "scene")->value_type);
    g_object_get_property (G_OBJECT (src), "scene", &v);
    fail_unless_equals_int (g_value_get_enum (&v), AD_SCENE_CROWDED);
    g_value_unset (&v);
  }
  gst_object_unref (src);
}

GST_END_TEST;

/* Buffers equal the core's rendering; a second run gives the same bytes. */
GST_START_TEST (test_determinism)
{
  const gint w = 72, h = 56, n = 12;
  GstHarness *h1 = scene_harness ("scene=surveillance clip=nuisance seed=9",
      "video/x-raw,width=72,height=56");
  GstHarness *h2 = scene_harness ("scene=surveillance clip=nuisance seed=9",
      "video/x-raw,width=72,height=56");
  ad_scene *scene = NULL;
  guint8 *rgb = g_malloc ((gsize) w * h * 3);

  fail_unless (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_NUISANCE, w, h,
          0, 9, &scene, NULL) == AD_OK);
  for (gint i = 0; i < n; i++) {
    GstBuffer *a = gst_harness_pull (h1), *b = gst_harness_pull (h2);
    GstMapInfo ma, mb;
    fail_unless (ad_scene_render (scene, i, rgb, NULL, NULL, NULL) == AD_OK);
    fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
    fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
    fail_unless_equals_uint64 (ma.size, mb.size);
    fail_unless (memcmp (ma.data, mb.data, ma.size) == 0, "frame %d", i);
    /* rows of 72 RGB pixels are 216 bytes: no padding, compare directly */
    fail_unless_equals_uint64 (ma.size, (guint64) w * h * 3);
    fail_unless (memcmp (ma.data, rgb, ma.size) == 0, "frame %d vs core", i);
    gst_buffer_unmap (a, &ma);
    gst_buffer_unmap (b, &mb);
    gst_buffer_unref (a);
    gst_buffer_unref (b);
  }
  g_free (rgb);
  ad_scene_free (scene);
  gst_harness_teardown (h1);
  gst_harness_teardown (h2);
}

GST_END_TEST;

/* Truth ROIs on the buffer. */
static gint
count_truth (GstBuffer * buf)
{
  gpointer state = NULL;
  gint n = 0;

  while (gst_buffer_iterate_meta_filtered (buf, &state,
          GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    n++;
  return n;
}

/* add-events=3 on a training clip: the buffers are the core's clip with
 * its three events, each anomalous frame with its truth ROI; without it
 * the training clip has none. */
GST_START_TEST (test_add_events)
{
  const gint w = 64, h = 48;
  ad_scene *scene = NULL;
  guint8 *rgb = g_malloc ((gsize) w * h * 3);
  gint with[2] = { 0, 0 }, core_anom = 0;

  fail_unless (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, w, h, 0,
          3, &scene, NULL) == AD_OK);
  fail_unless (ad_scene_add_events (scene, 3, NULL) == AD_OK);
  for (gint run = 0; run < 2; run++) {
    GstHarness *hs = scene_harness (run ? "scene=surveillance clip=train "
        "seed=3 add-events=3" : "scene=surveillance clip=train seed=3",
        "video/x-raw,width=64,height=48");

    for (gint64 i = 0; i < ad_scene_n_frames (scene); i++) {
      GstBuffer *buf = gst_harness_pull (hs);
      ad_anomaly_kind kind;
      GstMapInfo map;

      fail_unless (buf != NULL);
      with[run] += count_truth (buf) > 0;
      if (run) {
        fail_unless (ad_scene_render (scene, i, rgb, NULL, &kind, NULL) ==
            AD_OK);
        core_anom += kind != AD_ANOM_NONE;
        fail_unless_equals_int (count_truth (buf), kind != AD_ANOM_NONE);
        fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
        fail_unless (memcmp (map.data, rgb, map.size) == 0, "frame %"
            G_GINT64_FORMAT " vs core", i);
        gst_buffer_unmap (buf, &map);
      }
      gst_buffer_unref (buf);
    }
    expect_eos (hs);
    gst_harness_teardown (hs);
  }
  fail_unless_equals_int (with[0], 0);
  fail_unless (with[1] >= 3 * 30 && with[1] == core_anom, "%d anomalous "
      "frames, %d in the core", with[1], core_anom);
  g_free (rgb);
  ad_scene_free (scene);
}

GST_END_TEST;

/* The next buffer of each of two harnesses, mapped for reading. */
static void
pull_pair (GstHarness ** hs, GstBuffer ** buf, GstMapInfo * map)
{
  for (gint k = 0; k < 2; k++) {
    buf[k] = gst_harness_pull (hs[k]);
    fail_unless (buf[k] != NULL);
    fail_unless (gst_buffer_map (buf[k], &map[k], GST_MAP_READ));
  }
}

static void
release_pair (GstBuffer ** buf, GstMapInfo * map)
{
  for (gint k = 0; k < 2; k++) {
    gst_buffer_unmap (buf[k], &map[k]);
    gst_buffer_unref (buf[k]);
  }
}

/* prop=0.5 on a nuisance clip of the scene: the buffers are the core's
 * clip with add (0.5), and darker than without it over a tenth of the
 * values; with never_brighter, nowhere brighter. */
typedef ad_status (*ShadeFunc) (ad_scene * s, float depth, ad_error * err);

static void
check_shade (const gchar * scene_name, ad_scene_kind kind,
    const gchar * prop, ShadeFunc add, gboolean never_brighter)
{
  const gint w = 64, h = 48;
  ad_scene *scene = NULL;
  guint8 *rgb = g_malloc ((gsize) w * h * 3);
  GstHarness *hs[2];
  gint64 darker = 0;
  gchar *plain = g_strdup_printf ("scene=%s clip=nuisance seed=2",
      scene_name);
  gchar *shaded = g_strdup_printf ("%s %s=0.5", plain, prop);

  fail_unless (ad_scene_new (kind, AD_CLIP_NUISANCE, w, h, 0, 2, &scene,
          NULL) == AD_OK);
  fail_unless (add (scene, 0.5f, NULL) == AD_OK);
  hs[0] = scene_harness (plain, "video/x-raw,width=64,height=48");
  hs[1] = scene_harness (shaded, "video/x-raw,width=64,height=48");
  for (gint64 i = 0; i < 40; i++) {
    GstBuffer *buf[2];
    GstMapInfo map[2];

    fail_unless (ad_scene_render (scene, i, rgb, NULL, NULL, NULL) == AD_OK);
    pull_pair (hs, buf, map);
    fail_unless (memcmp (map[1].data, rgb, map[1].size) == 0, "%s: frame %"
        G_GINT64_FORMAT " vs core", prop, i);
    for (gsize p = 0; p < map[0].size; p++) {
      fail_unless (!never_brighter || map[1].data[p] <= map[0].data[p] + 12,
          "%s: frame %" G_GINT64_FORMAT " brighter", prop, i);
      darker += map[1].data[p] + 40 < map[0].data[p];
    }
    release_pair (buf, map);
  }
  fail_unless (darker > 40 * w * h / 10, "%s: %" G_GINT64_FORMAT " darker "
      "values", prop, darker);
  gst_harness_teardown (hs[0]);
  gst_harness_teardown (hs[1]);
  g_free (plain);
  g_free (shaded);
  g_free (rgb);
  ad_scene_free (scene);
}

/* clouds=0.5: the core's clip with its cloud shadows, never brighter. */
GST_START_TEST (test_clouds)
{
  check_shade ("surveillance", AD_SCENE_SURVEILLANCE, "clouds",
      ad_scene_add_clouds, TRUE);
}

GST_END_TEST;

/* leaves=0.5: the core's clip with the trees' dappled shade (where the
 * trees' still shadows were, it may be brighter: they are not drawn). */
GST_START_TEST (test_leaves)
{
  check_shade ("windy", AD_SCENE_WINDY, "leaves", ad_scene_add_leaves, FALSE);
}

GST_END_TEST;

/* stops=1: the core's clip with every walker stopping midway, which
 * differs from the clip without (people are somewhere else later). */
GST_START_TEST (test_stops)
{
  const gint w = 64, h = 48, n = 120;
  ad_scene *scene = NULL;
  guint8 *rgb = g_malloc ((gsize) w * h * 3);
  GstHarness *hs[2];
  GstElement *src;
  gint differ = 0;
  gdouble stops = 0.0;

  fail_unless (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, w, h, 0,
          3, &scene, NULL) == AD_OK);
  fail_unless (ad_scene_add_stops (scene, 1.0f, NULL) == AD_OK);
  hs[0] = scene_harness ("scene=surveillance clip=train seed=3",
      "video/x-raw,width=64,height=48");
  hs[1] = scene_harness ("scene=surveillance clip=train seed=3 stops=1",
      "video/x-raw,width=64,height=48");
  src = gst_harness_find_element (hs[1], "anomalyscenesrc");
  g_object_get (src, "stops", &stops, NULL);
  gst_object_unref (src);
  fail_unless (stops == 1.0);
  for (gint64 i = 0; i < n; i++) {
    GstBuffer *buf[2];
    GstMapInfo map[2];

    fail_unless (ad_scene_render (scene, i, rgb, NULL, NULL, NULL) == AD_OK);
    pull_pair (hs, buf, map);
    fail_unless (memcmp (map[1].data, rgb, map[1].size) == 0, "frame %"
        G_GINT64_FORMAT " vs core", i);
    differ += memcmp (map[0].data, map[1].data, map[0].size) != 0;
    release_pair (buf, map);
  }
  fail_unless (differ > n / 4, "%d of %d frames differ from stops=0",
      differ, n);
  gst_harness_teardown (hs[0]);
  gst_harness_teardown (hs[1]);
  g_free (rgb);
  ad_scene_free (scene);
}

GST_END_TEST;

/* The industrial scene has no events to add, no sky to cast cloud
 * shadows, no trees to cast a dappled shade, no people to stop and no
 * time for a pace: an
 * error with the reason. */
GST_START_TEST (test_add_events_industrial)
{
  static const gchar *const what[5] = { "add-events=2", "clouds=0.3",
    "leaves=0.3", "stops=0.3", "pace=2" };

  for (gint k = 0; k < 5; k++) {
    gchar *line = g_strdup_printf ("anomalyscenesrc scene=industrial %s "
        "num-buffers=1 ! fakesink", what[k]);
    GstElement *p = gst_parse_launch (line, NULL);
    GstBus *bus;
    GstMessage *msg;
    GError *error = NULL;
    gchar *dbg = NULL;

    fail_unless (p != NULL);
    bus = gst_element_get_bus (p);
    gst_element_set_state (p, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
        "%s: no error", what[k]);
    gst_message_parse_error (msg, &error, &dbg);
    fail_unless (strstr (dbg, "industrial") != NULL, "%s: debug '%s'",
        what[k], dbg);
    g_error_free (error);
    g_free (dbg);
    gst_message_unref (msg);
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (p);
    g_free (line);
  }
}

GST_END_TEST;

/* Every anomalous frame carries exactly one truth ROI with the mask's
 * bounding box and kind; normal frames carry none. */
GST_START_TEST (test_truth_meta)
{
  const gint w = 80, h = 60;
  GstHarness *hs = scene_harness ("scene=surveillance clip=test seed=4",
      "video/x-raw,width=80,height=60");
  ad_scene *scene = NULL;
  guint8 *rgb = g_malloc ((gsize) w * h * 3), *mask = g_malloc (w * h);
  gint n_anom = 0, kinds_seen = 0;

  fail_unless (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, w, h, 0, 4,
          &scene, NULL) == AD_OK);
  for (gint64 i = 0; i < ad_scene_n_frames (scene); i++) {
    GstBuffer *buf = gst_harness_pull (hs);
    ad_anomaly_kind kind;
    gpointer state = NULL;
    GstMeta *meta;
    gint n_roi = 0;

    fail_unless (buf != NULL);
    fail_unless (ad_scene_render (scene, i, rgb, mask, &kind, NULL) == AD_OK);
    while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
                GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
      GstStructure *p;
      gint x0 = w, y0 = h, x1 = -1, y1 = -1;

      n_roi++;
      fail_unless_equals_string (g_quark_to_string (roi->roi_type),
          "anomaly-truth");
      p = gst_video_region_of_interest_meta_get_param (roi, "anomaly-truth");
      fail_unless (p != NULL);
      fail_unless_equals_string (gst_structure_get_string (p, "kind"),
          ad_anomaly_name (kind));
      for (gint y = 0; y < h; y++)
        for (gint x = 0; x < w; x++)
          if (mask[y * w + x]) {
            x0 = MIN (x0, x);
            y0 = MIN (y0, y);
            x1 = MAX (x1, x);
            y1 = MAX (y1, y);
          }
      fail_unless_equals_int (roi->x, x0);
      fail_unless_equals_int (roi->y, y0);
      fail_unless_equals_int (roi->w, x1 - x0 + 1);
      fail_unless_equals_int (roi->h, y1 - y0 + 1);
    }
    fail_unless_equals_int (n_roi, kind != AD_ANOM_NONE ? 1 : 0);
    if (kind != AD_ANOM_NONE) {
      n_anom++;
      kinds_seen |= 1 << kind;
    }
    gst_buffer_unref (buf);
  }
  expect_eos (hs);
  /* the seven surveillance kinds, in 20-55 % of the frames */
  fail_unless_equals_int (kinds_seen, 0xfe);
  fail_unless (n_anom >= 210 && n_anom <= 580, "%d anomalous frames", n_anom);
  g_free (rgb);
  g_free (mask);
  ad_scene_free (scene);
  gst_harness_teardown (hs);
}

GST_END_TEST;

static Suite *
scenesrc_suite (void)
{
  Suite *s = suite_create ("anomalyscenesrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_default_caps);
  tcase_add_test (tc, test_count_and_timestamps);
  tcase_add_test (tc, test_num_buffers);
  tcase_add_test (tc, test_frame_step);
  tcase_add_test (tc, test_pace);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_determinism);
  tcase_add_test (tc, test_truth_meta);
  tcase_add_test (tc, test_add_events);
  tcase_add_test (tc, test_clouds);
  tcase_add_test (tc, test_leaves);
  tcase_add_test (tc, test_stops);
  tcase_add_test (tc, test_add_events_industrial);
  return s;
}

GST_CHECK_MAIN (scenesrc);
