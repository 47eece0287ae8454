/* GStreamer anomaly detection plugin
 * test-overlay.c - anomalyoverlay: passthrough, heatmap blend, outlines,
 * map mode, formats, speed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstanomalymeta.h"

#define MW 32
#define MH 24
#define VW 64
#define VH 48

static const gchar *formats[] = {
  "RGB", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB",
  "ABGR", "I420", "NV12", "GRAY8"
};

static GstHarness *
make_harness (const gchar * format, gint w, gint h, const gchar * props)
{
  gchar *desc = g_strdup_printf ("anomalyoverlay %s", props ? props : "");
  GstHarness *hh = gst_harness_new_parse (desc);
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=25/1", format, w, h);

  gst_harness_set_src_caps_str (hh, caps);
  g_free (caps);
  g_free (desc);
  return hh;
}

static GstBuffer *
make_frame (const gchar * format, gint w, gint h, guint8 fill)
{
  GstVideoInfo info;
  GstBuffer *buf;

  gst_video_info_set_format (&info, gst_video_format_from_string (format), w,
      h);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (buf, 0, fill, GST_VIDEO_INFO_SIZE (&info));
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = 40 * GST_MSECOND;
  return buf;
}

/* A scored meta: the map is `value` inside the model-pixel block
 * [bx,bx+bw) x [by,by+bh) and 0 elsewhere. */
static GstAnomalyMeta *
add_scored_meta (GstBuffer * buf, gint bx, gint by, gint bw, gint bh,
    gfloat value)
{
  GstAnomalyMeta *meta = gst_buffer_add_anomaly_meta (buf, MW, MH);
  gfloat *map = g_new0 (gfloat, MW * MH);

  for (gint y = by; y < by + bh; y++)
    for (gint x = bx; x < bx + bw; x++)
      map[y * MW + x] = value;
  gst_anomaly_meta_take_map (meta, map);
  meta->scored = TRUE;
  meta->score = value;
  meta->threshold = 1.0f;
  meta->anomalous = value >= 1.0f;
  return meta;
}

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("anomalyoverlay", NULL);
  GParamSpec *ps;
  gdouble alpha;
  gfloat ms;
  gboolean outline, show;
  gint mode, cmap;

  fail_unless (e != NULL);
  g_object_get (e, "alpha", &alpha, "min-score", &ms, "outline", &outline,
      "show-score", &show, "mode", &mode, "colormap", &cmap, NULL);
  fail_unless_equals_float (alpha, 0.5);
  fail_unless_equals_float (ms, 0.5f);
  fail_unless (outline);
  fail_unless (show);
  fail_unless_equals_int (mode, 0);
  fail_unless_equals_int (cmap, 0);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "alpha");
  fail_unless (ps->flags & GST_PARAM_MUTABLE_PLAYING);
  fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (ps)->maximum, 1.0);
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "colormap");
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class,
          "inferno") != NULL);
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class,
          "turbo") != NULL);
  fail_unless (g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (ps)->enum_class,
          "gray") != NULL);
  gst_util_set_object_arg (G_OBJECT (e), "mode", "map");
  g_object_get (e, "mode", &mode, NULL);
  fail_unless_equals_int (mode, 1);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_passthrough_without_meta)
{
  GstHarness *h = make_harness ("RGBx", VW, VH, NULL);
  GstBuffer *in = make_frame ("RGBx", VW, VH, 0), *out;
  GstMapInfo mi;

  fail_unless (gst_buffer_map (in, &mi, GST_MAP_WRITE));
  for (gsize i = 0; i < mi.size; i++)
    mi.data[i] = (guint8) (i * 7 + 3);
  gst_buffer_unmap (in, &mi);
  out = gst_harness_push_and_pull (h, gst_buffer_copy_deep (in));
  fail_unless (out != NULL);
  fail_unless (gst_buffer_get_size (out) == gst_buffer_get_size (in));
  fail_unless (gst_buffer_map (in, &mi, GST_MAP_READ));
  fail_unless (gst_buffer_memcmp (out, 0, mi.data, mi.size) == 0);
  gst_buffer_unmap (in, &mi);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_blend_only_where_high)
{
  GstHarness *h = make_harness ("RGBx", VW, VH,
      "show-score=false outline=false alpha=1.0");
  GstBuffer *in = make_frame ("RGBx", VW, VH, 128), *out;
  GstMapInfo mi;
  gint changed_inside = 0, changed_outside = 0;

  /* map high in model block x 16..23, y 8..15 = video x 32..47, y 16..31 */
  add_scored_meta (in, 16, 8, 8, 8, 2.0f);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_get_anomaly_meta (out) != NULL);
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  for (gint y = 0; y < VH; y++)
    for (gint x = 0; x < VW; x++) {
      const guint8 *p = mi.data + y * VW * 4 + x * 4;
      gboolean changed = p[0] != 128 || p[1] != 128 || p[2] != 128;
      gboolean inside = x >= 34 && x < 46 && y >= 18 && y < 30;
      gboolean far = x < 28 || x >= 52 || y < 12 || y >= 36;

      if (inside)
        changed_inside += changed;
      else if (far)
        changed_outside += changed;
    }
  /* alpha 1 and value 2.0: the top of the jet scale, dark red */
  {
    const guint8 *p = mi.data + 24 * VW * 4 + 40 * 4;

    fail_unless (p[0] > 100 && p[1] < 30 && p[2] < 30, "%d %d %d", p[0],
        p[1], p[2]);
  }
  gst_buffer_unmap (out, &mi);
  fail_unless_equals_int (changed_inside, 12 * 12);
  fail_unless_equals_int (changed_outside, 0);
  gst_buffer_unref (out);

  /* a map below min-score draws nothing */
  in = make_frame ("RGBx", VW, VH, 128);
  add_scored_meta (in, 0, 0, MW, MH, 0.4f);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  for (gsize i = 0; i < mi.size; i++)
    if (i % 4 != 3)
      fail_unless_equals_int (mi.data[i], 128);
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);

  /* alpha=0 while playing: nothing drawn */
  {
    GstElement *ov = gst_harness_find_element (h, "anomalyoverlay");

    g_object_set (ov, "alpha", 0.0, NULL);
    gst_object_unref (ov);
  }
  in = make_frame ("RGBx", VW, VH, 128);
  add_scored_meta (in, 0, 0, MW, MH, 3.0f);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  for (gsize i = 0; i < mi.size; i++)
    if (i % 4 != 3)
      fail_unless_equals_int (mi.data[i], 128);
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);

  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_outline)
{
  GstHarness *h = make_harness ("BGRx", VW, VH, "show-score=false");
  GstBuffer *in = make_frame ("BGRx", VW, VH, 128), *out;
  GstAnomalyMeta *meta;
  GstAnomalyRegion r = { 0.5f, 0.25f, 0.25f, 0.25f, 3.0f };
  GstMapInfo mi;

  meta = add_scored_meta (in, 0, 0, 0, 0, 0.0f);
  meta->regions = g_array_new (FALSE, FALSE, sizeof (GstAnomalyRegion));
  g_array_append_val (meta->regions, r);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  /* rectangle x 32..47, y 12..23: BGRx, red is byte 2 */
#define PX(x, y) (mi.data + (y) * VW * 4 + (x) * 4)
  for (gint x = 32; x < 48; x++) {
    fail_unless (PX (x, 12)[2] == 255 && PX (x, 12)[1] == 0 &&
        PX (x, 12)[0] == 0, "top edge at %d", x);
    fail_unless (PX (x, 13)[2] == 255 && PX (x, 23)[2] == 255);
  }
  for (gint y = 12; y < 24; y++) {
    fail_unless (PX (32, y)[2] == 255 && PX (33, y)[2] == 255 &&
        PX (47, y)[2] == 255 && PX (46, y)[0] == 0, "sides at %d", y);
  }
  /* inside and outside untouched */
  fail_unless (PX (40, 18)[0] == 128 && PX (40, 18)[2] == 128);
  fail_unless (PX (31, 18)[2] == 128 && PX (48, 18)[2] == 128);
  fail_unless (PX (40, 11)[2] == 128 && PX (40, 24)[2] == 128);
#undef PX
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_score_text)
{
  GstHarness *h = make_harness ("RGBx", 320, 240, "outline=false");
  GstBuffer *in = make_frame ("RGBx", 320, 240, 128), *out;
  GstMapInfo mi;
  gint changed_corner = 0, changed_far = 0;

  add_scored_meta (in, 0, 0, 0, 0, 0.0f)->score = 1.23f;
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  for (gint y = 0; y < 240; y++)
    for (gint x = 0; x < 320; x++) {
      const guint8 *p = mi.data + y * 320 * 4 + x * 4;
      gboolean changed = p[0] != 128 || p[1] != 128 || p[2] != 128;

      if (x < 60 && y < 20)
        changed_corner += changed;
      else if (x > 200 || y > 60)
        changed_far += changed;
    }
  gst_buffer_unmap (out, &mi);
  fail_unless (changed_corner > 100, "text drew %d px", changed_corner);
  fail_unless_equals_int (changed_far, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The right end of what the score text drew (RGBx 320x240, gray 128
 * frame), for a frame scored 1.23, anomalous or not, with parts. */
static gint
text_right_end (gboolean anomalous, const gfloat * parts)
{
  GstHarness *h = make_harness ("RGBx", 320, 240, "outline=false");
  GstBuffer *in = make_frame ("RGBx", 320, 240, 128), *out;
  GstAnomalyMeta *meta = add_scored_meta (in, 0, 0, 0, 0, 0.0f);
  GstMapInfo mi;
  gint right = -1;

  meta->score = 1.23f;
  meta->anomalous = anomalous;
  if (parts)
    memcpy (meta->parts, parts, sizeof meta->parts);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  for (gint y = 0; y < 40; y++)
    for (gint x = 0; x < 320; x++) {
      const guint8 *p = mi.data + y * 320 * 4 + x * 4;

      if (p[0] != 128 || p[1] != 128 || p[2] != 128)
        right = MAX (right, x);
    }
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return right;
}

/* While anomalous, the text names the largest part: "(feature)" makes it
 * longer; parts all 0, or a frame not anomalous, add nothing. */
GST_START_TEST (test_score_text_why)
{
  gfloat none[GST_ANOMALY_META_N_PARTS] = { 0 };
  gfloat feature[GST_ANOMALY_META_N_PARTS] = { 0.1f, 0.1f, 0.2f, 0.0f,
    0.0f, 0.9f
  };
  gint plain = text_right_end (TRUE, none);
  gint why = text_right_end (TRUE, feature);

  fail_unless (plain > 60, "text ends at %d", plain);
  fail_unless (why > plain + 30, "with the part %d, without %d", why, plain);
  fail_unless_equals_int (text_right_end (FALSE, feature),
      text_right_end (FALSE, NULL));
}

GST_END_TEST;

GST_START_TEST (test_map_mode)
{
  GstHarness *h = make_harness ("I420", VW, VH, "mode=map");
  GstBuffer *in = make_frame ("I420", VW, VH, 50), *out;
  GstCaps *caps;
  GstVideoInfo info;
  GstMapInfo mi;
  GstAnomalyMeta *meta;

  meta = add_scored_meta (in, 16, 8, 8, 8, 1.0f);
  meta->map[0] = 5.0f;          /* saturates */
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info),
      GST_VIDEO_FORMAT_GRAY16_LE);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), VW);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), VH);
  gst_caps_unref (caps);
  fail_unless (gst_buffer_get_anomaly_meta (out) != NULL);
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  fail_unless (mi.size >= VW * VH * 2);
#define V16(x, y) GST_READ_UINT16_LE (mi.data + (y) * VW * 2 + (x) * 2)
  fail_unless_equals_int (V16 (40, 24), 16384);
  fail_unless_equals_int (V16 (34, 18), 16384);
  fail_unless_equals_int (V16 (10, 40), 0);
  fail_unless_equals_int (V16 (0, 0), 65535);
#undef V16
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);

  /* no meta: an all-zero map */
  out = gst_harness_push_and_pull (h, make_frame ("I420", VW, VH, 50));
  fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
  for (gsize i = 0; i < (gsize) VW * VH * 2; i++)
    fail_unless_equals_int (mi.data[i], 0);
  gst_buffer_unmap (out, &mi);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_all_formats)
{
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstHarness *h = make_harness (formats[f], VW, VH, "alpha=1.0");
    GstBuffer *in = make_frame (formats[f], VW, VH, 100), *out;
    GstAnomalyRegion r = { 0.1f, 0.6f, 0.2f, 0.2f, 2.0f };
    GstAnomalyMeta *meta;
    GstVideoInfo info;
    GstVideoFrame frame;
    GstCaps *caps;
    const guint8 *p;

    meta = add_scored_meta (in, 16, 8, 8, 8, 2.0f);
    meta->regions = g_array_new (FALSE, FALSE, sizeof (GstAnomalyRegion));
    g_array_append_val (meta->regions, r);
    out = gst_harness_push_and_pull (h, in);
    fail_unless (out != NULL, "no output for %s", formats[f]);
    caps = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_video_info_from_caps (&info, caps));
    gst_caps_unref (caps);
    fail_unless_equals_string (gst_video_format_to_string
        (GST_VIDEO_INFO_FORMAT (&info)), formats[f]);
    fail_unless (gst_video_frame_map (&frame, &info, out, GST_MAP_READ));
    if (GST_VIDEO_INFO_IS_YUV (&info) || GST_VIDEO_INFO_IS_GRAY (&info)) {
      /* luma of the heatmap centre and of the (red) outline changed */
      p = GST_VIDEO_FRAME_COMP_DATA (&frame, 0);
      fail_unless (p[24 * GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0) + 40] != 100,
          "%s heatmap", formats[f]);
      fail_unless_equals_int (p[30 * GST_VIDEO_FRAME_COMP_STRIDE (&frame,
                  0) + 6], 82);
      fail_unless_equals_int (p[40 * GST_VIDEO_FRAME_COMP_STRIDE (&frame,
                  0) + 40], 100);
    } else {
      gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0);
      gint st = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      gint ro = GST_VIDEO_FRAME_COMP_POFFSET (&frame, 0);
      gint go = GST_VIDEO_FRAME_COMP_POFFSET (&frame, 1);

      p = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
      /* heatmap centre: dark red at the top of jet */
      fail_unless (p[24 * st + 40 * ps + ro] > 100 &&
          p[24 * st + 40 * ps + go] < 30, "%s heatmap", formats[f]);
      /* outline: x 6..18, y 28..37 */
      fail_unless_equals_int (p[30 * st + 6 * ps + ro], 255);
      fail_unless_equals_int (p[30 * st + 6 * ps + go], 0);
      /* far away: untouched */
      fail_unless_equals_int (p[40 * st + 40 * ps + ro], 100);
    }
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_speed)
{
  const gchar *fmts[] = { "BGRx", "I420" };

  for (guint f = 0; f < G_N_ELEMENTS (fmts); f++) {
    GstHarness *h = make_harness (fmts[f], 768, 576, NULL);
    gint64 t0, t1;
    const gint n = 40;
    gdouble ms;

    /* the worst case: the whole map above min-score */
    t0 = 0;
    for (gint i = 0; i < n + 2; i++) {
      GstBuffer *in = make_frame (fmts[f], 768, 576, 90);

      add_scored_meta (in, 0, 0, MW, MH, 0.5f + (gfloat) i / n);
      if (i == 2)
        t0 = g_get_monotonic_time ();
      gst_buffer_unref (gst_harness_push_and_pull (h, in));
    }
    t1 = g_get_monotonic_time ();
    ms = (t1 - t0) / 1000.0 / n;
    GST_INFO ("%s 768x576 overlay: %.2f ms per frame (incl. buffer setup)",
        fmts[f], ms);
    g_print ("anomalyoverlay %s 768x576: %.2f ms per frame\n", fmts[f], ms);
    fail_unless (ms < 40.0, "%.2f ms per frame", ms);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

static Suite *
anomalyoverlay_suite (void)
{
  Suite *s = suite_create ("anomalyoverlay");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_passthrough_without_meta);
  tcase_add_test (tc, test_blend_only_where_high);
  tcase_add_test (tc, test_outline);
  tcase_add_test (tc, test_score_text);
  tcase_add_test (tc, test_score_text_why);
  tcase_add_test (tc, test_map_mode);
  tcase_add_test (tc, test_all_formats);
  tcase_add_test (tc, test_speed);
  return s;
}

GST_CHECK_MAIN (anomalyoverlay);
