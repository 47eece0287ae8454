/* GStreamer anomaly detection plugin
 * test-roundtrip.c - the plugin end to end: train on a generated normal
 * clip, detect the anomalies of a test clip against its ground truth, the
 * JSON-lines log, two pipelines sharing one model, renegotiation and a
 * flushing seek mid-stream, learning on the fly from a live source and no
 * false alarm on the normal video that follows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include "gstanomalymeta.h"
#include "gstanomalymodel.h"
#include "ad-scene.h"
#include "test-util.h"

/* Model: 32x24 gray features of 160x120 video, small widths.  The scoring
 * settings are pinned (at the core's defaults of this writing) so that the
 * bounds below do not move with the defaults. */
#define MODEL_SIZE "width=32 height=24"
#define MODEL_CONFIG "widths=8,8,16,16,clip_len=2,seed=1,blur_sigma=2," \
  "topk_frac=0.01,hist_floor=1,score_source=2,motion_cell=8," \
  "motion_sub_mean=0,fuse=2,fuse_weight=0.5,pixel_std=0," \
  "calib_quantile=0.999,calib_margin=1.1"
#define DECISION "threshold=1.0 sensitivity=1.0 smoothing=0.5 " \
  "hysteresis=0.8 min-frames=3"
#define VIDEO "video/x-raw,width=160,height=120,framerate=25/1"
#define FRAME_NS (40 * GST_MSECOND)

/* Seed 2 of the surveillance scene: its test clip shows a bag left on a
 * path in frames 36-105 and a car driving along it in frames 188-263
 * (ground truth from the source), normal walkers before, between and
 * after. */
#define SEED 2
#define TEST_FRAMES 280

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = test_tmpdir_new ("anomaly-roundtrip-XXXXXX");
}

static void
teardown (void)
{
  test_tmpdir_remove (&tmpdir);
}

static GstElement *
parse (const gchar * desc)
{
  GError *error = NULL;
  GstElement *p = gst_parse_launch (desc, &error);

  fail_unless (p != NULL && error == NULL, "%s: %s", desc,
      error ? error->message : "");
  return p;
}

/* Trains a model on the first `frames` frames of the seed's train clip;
 * returns the element messages. */
static GPtrArray *
train_model (const gchar * path, gint frames, gint epochs)
{
  gchar *desc = g_strdup_printf ("anomalyscenesrc scene=surveillance "
      "clip=train seed=%d num-buffers=%d ! " VIDEO " ! videoconvert ! "
      "anomalydetect mode=train model=\"%s\" epochs=%d " MODEL_SIZE
      " config=\"" MODEL_CONFIG "\" ! fakesink", SEED, frames, path, epochs);
  GstElement *p = parse (desc);
  GPtrArray *msgs = test_run_to_eos (p, 300.0);

  gst_object_unref (p);
  g_free (desc);
  return msgs;
}

/* What one frame was and what came out for it. */
typedef struct
{
  gboolean truth;               /* the source labelled it anomalous */
  gboolean seen;                /* left anomalydetect */
  gboolean scored, anomalous;
  gfloat score;
} FrameRec;

static FrameRec *
rec_at (GArray * rec, guint64 i)
{
  fail_unless (i < 100000);
  if (i >= rec->len)
    g_array_set_size (rec, i + 1);
  return &g_array_index (rec, FrameRec, i);
}

/* On the source's pad: the ground truth of frame OFFSET. */
static GstPadProbeReturn
truth_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GQuark truth = g_quark_from_static_string ("anomaly-truth");
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  FrameRec *r = rec_at (data, GST_BUFFER_OFFSET (buf));

  while ((roi = (GstVideoRegionOfInterestMeta *)
          gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    r->truth |= roi->roi_type == truth;
  return GST_PAD_PROBE_OK;
}

/* After anomalydetect: the meta's verdict on its frame. */
static GstPadProbeReturn
score_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstAnomalyMeta *meta =
      gst_buffer_get_anomaly_meta (GST_PAD_PROBE_INFO_BUFFER (info));
  FrameRec *r;

  fail_unless (meta != NULL, "a buffer without meta left anomalydetect");
  r = rec_at (data, meta->frame);
  r->seen = TRUE;
  r->scored = meta->scored;
  r->anomalous = meta->anomalous;
  r->score = meta->score;
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement * pipeline, const gchar * element, const gchar * pad,
    GstPadProbeCallback cb, GArray * rec)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), element);
  GstPad *p = gst_element_get_static_pad (e, pad);

  gst_pad_add_probe (p, GST_PAD_PROBE_TYPE_BUFFER, cb, rec, NULL);
  gst_object_unref (p);
  gst_object_unref (e);
}

/* The detection pipeline over the first `frames` frames of the seed's test
 * clip, recording every frame into rec (a GArray of FrameRec). */
static GstElement *
detect_pipeline (const gchar * model, gint frames, const gchar * log,
    GArray * rec)
{
  gchar *log_prop = log ? g_strdup_printf ("log=\"%s\"", log) : g_strdup ("");
  gchar *desc = g_strdup_printf ("anomalyscenesrc name=src "
      "scene=surveillance clip=test seed=%d num-buffers=%d ! " VIDEO " ! "
      "videoconvert ! anomalydetect name=det model=\"%s\" %s " DECISION
      " ! fakesink", SEED, frames, model, log_prop);
  GstElement *p = parse (desc);

  add_probe (p, "src", "src", truth_probe, rec);
  add_probe (p, "det", "src", score_probe, rec);
  g_free (desc);
  g_free (log_prop);
  return p;
}

static GArray *
rec_new (void)
{
  return g_array_new (FALSE, TRUE, sizeof (FrameRec));
}

/* ------------------------------------------------------------------------ */
/* Train, then detect                                                       */

/* Checks the JSON-lines log against what the probe recorded; returns the
 * number of event lines. */
static guint
check_log (const gchar * path, GArray * rec)
{
  gchar *text = NULL, **lines;
  JsonParser *parser = json_parser_new ();
  guint frame_lines = 0, events = 0, scored = 0;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    JsonObject *o;
    FrameRec *r;
    gint64 frame;

    if (lines[i][0] == '\0')
      continue;
    fail_unless (json_parser_load_from_data (parser, lines[i], -1, NULL),
        "log line %u is not JSON: %s", i, lines[i]);
    o = json_node_get_object (json_parser_get_root (parser));
    fail_unless (o != NULL);
    fail_unless (json_object_has_member (o, "frame"));
    fail_unless (json_object_has_member (o, "pts"));
    fail_unless (json_object_has_member (o, "regions"));
    fail_unless (JSON_NODE_HOLDS_ARRAY (json_object_get_member (o,
                "regions")));
    frame = json_object_get_int_member (o, "frame");
    fail_unless_equals_int64 (json_object_get_int_member (o, "pts") %
        FRAME_NS, 0);
    if (json_object_has_member (o, "event")) {
      events++;
      continue;
    }
    /* a frame line: one per scored frame, in order, as on the buffer */
    frame_lines++;
    fail_unless (frame >= 0 && (guint) frame < rec->len);
    r = &g_array_index (rec, FrameRec, frame);
    fail_unless (r->scored, "log line for unscored frame %d", (gint) frame);
    fail_unless_equals_int64 (json_object_get_int_member (o, "pts"),
        frame * FRAME_NS);
    fail_unless (fabs (json_object_get_double_member (o, "score") -
            r->score) <= 1e-5 * MAX (1.0, fabs (r->score)));
    fail_unless_equals_int (json_object_get_boolean_member (o, "anomalous"),
        r->anomalous);
    fail_unless_equals_float (json_object_get_double_member (o,
            "threshold"), 1.0);
  }
  for (guint i = 0; i < rec->len; i++)
    scored += g_array_index (rec, FrameRec, i).scored;
  fail_unless_equals_int (frame_lines, scored);
  g_strfreev (lines);
  g_free (text);
  g_object_unref (parser);
  return events;
}

GST_START_TEST (test_train_then_detect)
{
  gchar *model = g_build_filename (tmpdir, "scene.model", NULL);
  gchar *log = g_build_filename (tmpdir, "scores.jsonl", NULL);
  GArray *rec = rec_new ();
  GPtrArray *msgs;
  GstElement *p;
  GstStructure *done = NULL;
  GDir *dir;
  ad_config cfg;
  ad_error err = { {0} };
  gdouble sum_a = 0, sum_n = 0;
  gfloat max_a = 0, max_n = 0;
  guint n_a = 0, n_n = 0, high_n = 0, decided_a = 0, starts, ends;

  /* train: one model file, written atomically (nothing else left) */
  msgs = train_model (model, 600, 5);
  fail_unless_equals_int (test_count_named (msgs, "anomaly-train-done"), 1);
  for (guint i = 0; i < msgs->len; i++)
    if (gst_structure_has_name (g_ptr_array_index (msgs, i),
            "anomaly-train-done"))
      done = g_ptr_array_index (msgs, i);
  fail_unless_equals_string (gst_structure_get_string (done, "path"), model);
  g_ptr_array_unref (msgs);
  dir = g_dir_open (tmpdir, 0, NULL);
  fail_unless_equals_string (g_dir_read_name (dir), "scene.model");
  fail_unless (g_dir_read_name (dir) == NULL, "more than the model written");
  g_dir_close (dir);
  fail_unless_equals_int (ad_model_peek_config (model, &cfg, &err), AD_OK);
  fail_unless_equals_int (cfg.width, 32);
  fail_unless_equals_int (cfg.height, 24);
  fail_unless_equals_int (cfg.widths[3], 16);

  /* detect on the test clip */
  p = detect_pipeline (model, TEST_FRAMES, log, rec);
  msgs = test_run_to_eos (p, 300.0);
  gst_object_unref (p);

  fail_unless_equals_int (rec->len, TEST_FRAMES);
  for (guint i = 0; i < rec->len; i++) {
    FrameRec *r = &g_array_index (rec, FrameRec, i);

    fail_unless (r->seen, "frame %u lost", i);
    /* the model predicts from the previous frame: the first has no score */
    fail_unless_equals_int (r->scored, i > 0);
    if (!r->scored)
      continue;
    fail_unless (isfinite (r->score) && r->score >= 0.0f);
    if (r->truth) {
      n_a++;
      sum_a += r->score;
      max_a = MAX (max_a, r->score);
      decided_a += r->anomalous;
    } else {
      n_n++;
      sum_n += r->score;
      max_n = MAX (max_n, r->score);
      high_n += r->score >= 1.0f;
    }
  }
  g_print ("roundtrip: %u anomalous frames mean %.3f max %.3f (%u decided); "
      "%u normal frames mean %.3f max %.3f, %u at or above 1.0\n", n_a,
      sum_a / MAX (n_a, 1), max_a, decided_a, n_n, sum_n / MAX (n_n, 1),
      max_n, high_n);

  /* the clip is what the seed promises */
  fail_unless (n_a >= 50 && n_n >= 80, "%u anomalous, %u normal", n_a, n_n);
  /* measured (seed 2, 600 training frames, 5 epochs, the test clips of
   * 2026-12-07 with the feature novelty): anomalous mean 0.58 max 1.26,
   * normal mean 0.30 max 0.55, no normal frame >= 1.0 (the car alone, in
   * the clips before: anomalous mean 1.00-1.57) */
  fail_unless (sum_a / n_a > 1.5 * (sum_n / n_n),
      "anomalous frames do not stand out");
  fail_unless (max_a > 1.0f, "no anomalous frame reaches the threshold");
  fail_unless (high_n <= n_n / 10, "%u normal frames over the threshold",
      high_n);
  fail_unless (decided_a > 0, "no anomaly was ever declared anomalous");

  /* messages: one "anomaly" per scored frame, events paired */
  fail_unless_equals_int (test_count_named (msgs, "anomaly"), n_a + n_n);
  starts = test_count_named (msgs, "anomaly-start");
  ends = test_count_named (msgs, "anomaly-end");
  fail_unless (starts >= 1);
  fail_unless_equals_int (starts, ends);
  g_ptr_array_unref (msgs);

  /* the log: one line per scored frame and one per event */
  fail_unless_equals_int (check_log (log, rec), starts + ends);

  g_array_unref (rec);
  g_free (log);
  g_free (model);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Two pipelines, one model                                                 */

static gpointer
run_thread (gpointer pipeline)
{
  return test_run_to_eos (pipeline, 300.0);
}

static void
check_same_scores (GArray * a, GArray * b)
{
  fail_unless_equals_int (a->len, b->len);
  for (guint i = 0; i < a->len; i++) {
    FrameRec *x = &g_array_index (a, FrameRec, i);
    FrameRec *y = &g_array_index (b, FrameRec, i);

    fail_unless (x->seen && y->seen);
    fail_unless_equals_int (x->scored, y->scored);
    fail_unless_equals_int (x->anomalous, y->anomalous);
    fail_unless (fabsf (x->score - y->score) <= 1e-5f * MAX (1.0f,
            x->score), "frame %u: %f vs %f", i, x->score, y->score);
  }
}

GST_START_TEST (test_parallel_shared_model)
{
  gchar *model = g_build_filename (tmpdir, "shared.model", NULL);
  GArray *ref = rec_new (), *rec[2] = { rec_new (), rec_new () };
  GstElement *p[2];
  GThread *t[2];
  guint live0 = gst_anomaly_model_live_count ();
  gint frames = 60;

  g_ptr_array_unref (train_model (model, 200, 2));

  /* reference: the same clip alone */
  p[0] = detect_pipeline (model, frames, NULL, ref);
  g_ptr_array_unref (test_run_to_eos (p[0], 300.0));
  gst_object_unref (p[0]);
  fail_unless_equals_int (ref->len, frames);

  /* both prerolled: the model is loaded once */
  for (gint i = 0; i < 2; i++) {
    p[i] = detect_pipeline (model, frames, NULL, rec[i]);
    fail_if (gst_element_set_state (p[i], GST_STATE_PAUSED) ==
        GST_STATE_CHANGE_FAILURE);
  }
  for (gint i = 0; i < 2; i++)
    fail_unless_equals_int (gst_element_get_state (p[i], NULL, NULL,
            60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 1);

  /* both played to the end at once, each from its own thread */
  for (gint i = 0; i < 2; i++)
    t[i] = g_thread_new ("pipeline", run_thread, p[i]);
  for (gint i = 0; i < 2; i++) {
    GPtrArray *msgs = g_thread_join (t[i]);

    fail_unless_equals_int (test_count_named (msgs, "anomaly"), frames - 1);
    g_ptr_array_unref (msgs);
    gst_object_unref (p[i]);
    check_same_scores (ref, rec[i]);
    g_array_unref (rec[i]);
  }
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
  g_array_unref (ref);
  g_free (model);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Renegotiation and seeking                                                */

static GstSample *
pull (GstElement * sink)
{
  GstSample *s = NULL;

  g_signal_emit_by_name (sink, "try-pull-sample", 30 * GST_SECOND, &s);
  fail_unless (s != NULL, "no sample within 30 s");
  return s;
}

static gint
sample_width (GstSample * s)
{
  GstVideoInfo info;

  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (s)));
  return GST_VIDEO_INFO_WIDTH (&info);
}

/* Pulls n frames of the given width and checks that all but the first
 * `warmup` are scored; returns the meta frame counter of the first. */
static guint64
pull_scored (GstElement * sink, gint n, gint warmup, gint width)
{
  guint64 first_frame = 0;

  for (gint i = 0; i < n; i++) {
    GstSample *s = pull (sink);
    GstAnomalyMeta *meta =
        gst_buffer_get_anomaly_meta (gst_sample_get_buffer (s));

    fail_unless (meta != NULL);
    fail_unless_equals_int (sample_width (s), width);
    if (i == 0)
      first_frame = meta->frame;
    if (i >= warmup) {
      fail_unless (meta->scored, "frame %d not scored", i);
      fail_unless (isfinite (meta->score));
    }
    gst_sample_unref (s);
  }
  return first_frame;
}

GST_START_TEST (test_renegotiate_and_seek)
{
  gchar *model = test_make_model_file (tmpdir, "reneg.model", 32, 24);
  gchar *desc = g_strdup_printf ("videotestsrc pattern=ball ! capsfilter "
      "name=cf caps=video/x-raw,format=I420,width=160,height=120,"
      "framerate=25/1 ! anomalydetect model=\"%s\" ! appsink name=sink "
      "sync=false max-buffers=2", model);
  GstElement *p = parse (desc), *cf, *sink;
  GstBus *bus = gst_element_get_bus (p);
  GstCaps *caps;
  GstSample *s;
  gint i;

  cf = gst_bin_get_by_name (GST_BIN (p), "cf");
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  fail_if (gst_element_set_state (p, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (pull_scored (sink, 5, 1, 160), 0);

  /* new size mid-stream */
  caps = gst_caps_from_string ("video/x-raw,format=I420,width=96,height=72,"
      "framerate=25/1");
  g_object_set (cf, "caps", caps, NULL);
  gst_caps_unref (caps);
  for (i = 0; i < 20; i++) {
    s = pull (sink);
    if (sample_width (s) == 96) {
      gst_sample_unref (s);
      break;
    }
    gst_sample_unref (s);
  }
  fail_unless (i < 20, "the new size never arrived");
  pull_scored (sink, 5, 1, 96);

  /* flushing seek back to the start: the stream restarts at frame 0 */
  fail_unless (gst_element_seek_simple (p, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, 0));
  for (i = 0; i < 10; i++) {
    s = pull (sink);
    if (GST_BUFFER_PTS (gst_sample_get_buffer (s)) == 0) {
      fail_unless_equals_uint64 (gst_buffer_get_anomaly_meta
          (gst_sample_get_buffer (s))->frame, 0);
      gst_sample_unref (s);
      break;
    }
    gst_sample_unref (s);
  }
  fail_unless (i < 10, "no frame from the seek target");
  fail_unless_equals_int (pull_scored (sink, 5, 0, 96), 1);

  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (cf);
  gst_object_unref (sink);
  gst_object_unref (p);
  test_drop_bus (bus);
  g_free (desc);
  g_free (model);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Learning from a live source                                              */

/* Waits for the element message `name`, failing on errors or after
 * timeout_s; returns it. */
static GstMessage *
wait_for (GstBus * bus, const gchar * name, gdouble timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * 1e6);

  for (;;) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *m;

    fail_unless (left > 0, "no %s message within %.0f s", name, timeout_s);
    m = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    if (!m)
      continue;
    fail_unless (GST_MESSAGE_TYPE (m) != GST_MESSAGE_ERROR,
        "error while waiting for %s", name);
    if (gst_message_has_name (m, name))
      return m;
    gst_message_unref (m);
  }
}

GST_START_TEST (test_live_learn)
{
  gchar *model = g_build_filename (tmpdir, "live.model", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball ! "
      "video/x-raw,format=I420,width=160,height=120,framerate=50/1 ! "
      "anomalydetect learn-frames=40 model=\"%s\" epochs=2 " MODEL_SIZE
      " config=\"" TEST_TINY_CONFIG "\" ! fakesink sync=true", model);
  GstElement *p = parse (desc);
  GstBus *bus = gst_element_get_bus (p);
  guint live0 = gst_anomaly_model_live_count ();
  GstMessage *m;
  GstState state;
  ad_config cfg;
  ad_error err = { {0} };
  guint frames = 0;
  guint64 frame, last = 0;

  fail_if (gst_element_set_state (p, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  m = wait_for (bus, "anomaly-learned", 120.0);
  fail_unless (gst_structure_get_uint (gst_message_get_structure (m),
          "frames", &frames));
  fail_unless_equals_int (frames, 40);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (m), "path"), model);
  gst_message_unref (m);

  /* still playing, the model saved, and frames scored from now on */
  fail_if (gst_element_get_state (p, &state, NULL, 0) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (state, GST_STATE_PLAYING);
  fail_unless_equals_int (ad_model_peek_config (model, &cfg, &err), AD_OK);
  fail_unless_equals_int (cfg.width, 32);
  fail_unless_equals_int (cfg.height, 24);
  for (gint i = 0; i < 10; i++) {
    m = wait_for (bus, "anomaly", 30.0);
    fail_unless (gst_structure_get_uint64 (gst_message_get_structure (m),
            "frame", &frame));
    fail_unless (frame >= 40 && frame > last, "frame %" G_GUINT64_FORMAT,
        frame);
    last = frame;
    gst_message_unref (m);
  }

  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
  gst_object_unref (p);
  test_drop_bus (bus);
  g_free (desc);
  g_free (model);
}

GST_END_TEST;

/* Pushes frames [first, first + n) of a surveillance clip of seed SEED
 * through h as 160x120 RGB buffers, 25 fps from `pts0` on, the first one
 * DISCONT when `discont`; adds the frames that came out scored to
 * *n_scored and those that came out anomalous to *n_anomalous (either may
 * be NULL). */
static void
push_scene (GstHarness * h, ad_scene_clip clip, gint64 first, gint n,
    guint64 pts0, gboolean discont, guint * n_scored, guint * n_anomalous)
{
  ad_scene *scene = NULL;
  gsize size = 160 * 120 * 3;

  fail_unless (ad_scene_new (AD_SCENE_SURVEILLANCE, clip, 160, 120, 0, SEED,
          &scene, NULL) == AD_OK);
  for (gint i = 0; i < n; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL), *out;
    GstAnomalyMeta *meta;
    GstMapInfo map;

    fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
    fail_unless (ad_scene_render (scene, first + i, map.data, NULL, NULL,
            NULL) == AD_OK);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = pts0 + i * FRAME_NS;
    GST_BUFFER_DURATION (buf) = FRAME_NS;
    if (discont && i == 0)
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    out = gst_harness_push_and_pull (h, buf);
    fail_unless (out != NULL);
    meta = gst_buffer_get_anomaly_meta (out);
    fail_unless (meta != NULL);
    if (n_scored)
      *n_scored += meta->scored;
    if (n_anomalous)
      *n_anomalous += meta->anomalous;
    gst_buffer_unref (out);
  }
  ad_scene_free (scene);
}

/* learn-frames: once the learned model takes over, the normal video that
 * follows raises no event (it used to start one right after the switch:
 * the calibration saw only frames interleaved with the training ones, so
 * any normal motion the model had not met counted as anomalous), while
 * the anomalies of the test clip still do. */
#define LEARN 150
/* the model at the video's size: at 32x24 (4x3 motion cells) the false
 * alarms did not show */
#define LEARN_SIZE "width=160 height=120"
GST_START_TEST (test_learn_then_normal)
{
  GstHarness *h = gst_harness_new_parse ("anomalydetect learn-frames="
      G_STRINGIFY (LEARN) " epochs=2 post-messages=false " LEARN_SIZE
      " config=\"" MODEL_CONFIG "\" " DECISION);
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  guint scored = 0, anomalous = 0, starts;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=160,"
      "height=120,framerate=25/1");

  /* learn from the first frames of the normal clip ... */
  push_scene (h, AD_CLIP_TRAIN, 0, LEARN, 0, FALSE, &scored, NULL);
  fail_unless_equals_int (scored, 0);
  m = NULL;
  while (!m) {
    m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    fail_unless (m != NULL, "no anomaly-learned within 60 s");
    fail_unless (GST_MESSAGE_TYPE (m) != GST_MESSAGE_ERROR, "learning error");
    if (!gst_message_has_name (m, "anomaly-learned"))
      gst_clear_message (&m);
  }
  gst_message_unref (m);

  /* ... then detect on the normal frames that follow: no event */
  push_scene (h, AD_CLIP_TRAIN, LEARN, 150, LEARN * FRAME_NS, FALSE,
      &scored, &anomalous);
  starts = test_count_messages (bus, "anomaly-start", NULL);
  fail_unless (scored >= 145, "only %u frames scored", scored);
  fail_unless_equals_int (starts, 0);
  fail_unless_equals_int (anomalous, 0);

  /* the anomalies of the test clip (a left bag, then a car) are still
   * found */
  push_scene (h, AD_CLIP_TEST, 0, TEST_FRAMES, 300 * FRAME_NS, TRUE,
      NULL, &anomalous);
  starts = test_count_messages (bus, "anomaly-start", NULL);
  fail_unless (starts >= 1, "the anomalies raised no event");
  fail_unless (anomalous >= 20, "only %u anomalous frames", anomalous);

  gst_harness_teardown (h);
  test_drop_bus (bus);
}

GST_END_TEST;

static Suite *
roundtrip_suite (void)
{
  Suite *s = suite_create ("roundtrip");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_train_then_detect);
  tcase_add_test (tc, test_parallel_shared_model);
  tcase_add_test (tc, test_renegotiate_and_seek);
  tcase_add_test (tc, test_live_learn);
  tcase_add_test (tc, test_learn_then_normal);
  return s;
}

GST_CHECK_MAIN (roundtrip);
