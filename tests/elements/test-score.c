/* GStreamer anomaly detection plugin
 * test-score.c - anomalyscore: scores, maps, regions, decision timing,
 * events, log, errors and properties.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "gstanomalymeta.h"
#include "gstanomalymodel.h"
#include "test-util.h"

#define MW 32
#define MH 24
#define VW 64
#define VH 48
#define FRAME_NS (40 * GST_MSECOND)

/* error block (model pixels) of "anomalous" frames */
#define BX 20
#define BY 4
#define BW 8
#define BH 8

/* The test model: recon, learned score only, a fixed calibration, as if
 * learned from footage at train_fps (0: unknown). */
static ad_model *
make_ad_model_color (gfloat train_fps, gint color)
{
  ad_config cfg;
  ad_calib cal;
  ad_model *m = NULL;
  ad_error err = { {0} };

  ad_config_default (&cfg);
  cfg.width = MW;
  cfg.height = MH;
  cfg.widths[0] = 4;
  cfg.widths[1] = 8;
  cfg.widths[2] = 8;
  cfg.widths[3] = 8;
  cfg.color = color;
  cfg.motion_inputs = 0;
  cfg.task = AD_TASK_RECON;
  cfg.diff_head = 0;
  cfg.mem_place = AD_MEM_NONE;
  cfg.score_source = AD_SCORE_FRAME;
  cfg.fuse = AD_FUSE_LEARNED;
  cfg.hist_floor = 0;
  cfg.blur_sigma = 0.0f;
  cfg.topk_frac = 0.01f;
  cfg.pixel_std = 0;
  cfg.score_window = 1;         /* frame-exact timing checks below */
  cfg.train_fps = train_fps;
  fail_unless_equals_int (ad_model_new (&cfg, &m, &err), AD_OK);

  memset (&cal, 0, sizeof (cal));
  cal.valid = 1;
  cal.n_frames = 100;
  for (int i = 0; i < AD_CALIB_NQ; i++) {
    cal.learned_q[i] = cal.fused_q[i] = 0.01f * (i + 1);
    cal.motion_q[i] = 0.01f * (i + 1);
    cal.pixel_q[i] = 0.01f * (i + 1);
  }
  cal.learned_scale = 1.0f;
  cal.motion_scale = 1.0f;
  cal.threshold = 0.1f;
  cal.pixel_threshold = 0.1f;
  ad_model_set_calib (m, &cal);
  return m;
}

static ad_model *
make_ad_model (gfloat train_fps)
{
  return make_ad_model_color (train_fps, 0);
}

static GstAnomalyModel *
make_model (void)
{
  return gst_anomaly_model_new_take (make_ad_model (25.0f));
}

/* The duration buffer_with_features() gives (NONE: none, as a source
 * whose caps have no frame rate gives). */
static GstClockTime buffer_duration = FRAME_NS;

/* A GRAY8 buffer of frame with an anomaly meta that takes feat [MH, MW]. */
static GstBuffer *
buffer_with_features (guint64 frame, gfloat * feat, GstAnomalyMeta ** meta)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, VW * VH, NULL);

  gst_buffer_memset (buf, 0, 100, VW * VH);
  GST_BUFFER_PTS (buf) = frame * FRAME_NS;
  GST_BUFFER_DURATION (buf) = buffer_duration;
  *meta = gst_buffer_add_anomaly_meta (buf, MW, MH);
  (*meta)->frame = frame;
  gst_anomaly_meta_take_features (*meta, 1, feat);
  return buf;
}

/* A buffer with features 0.05 everywhere and a reconstruction equal to
 * them, except (anomalous) a block of BWxBH model pixels where it is 0.95. */
static GstBuffer *
make_buffer (GstAnomalyModel * model, guint64 frame, gboolean anomalous,
    gboolean with_recon)
{
  GstAnomalyMeta *meta;
  gfloat *feat = g_new (gfloat, MW * MH);
  GstBuffer *buf;

  for (int i = 0; i < MW * MH; i++)
    feat[i] = 0.05f;
  buf = buffer_with_features (frame, feat, &meta);
  if (with_recon) {
    gfloat *rec = g_memdup2 (meta->features, sizeof (gfloat) * MW * MH);

    if (anomalous)
      for (int y = BY; y < BY + BH; y++)
        for (int x = BX; x < BX + BW; x++)
          rec[y * MW + x] = 0.95f;
    gst_anomaly_meta_take_recon (meta, 1, rec, model);
  }
  return buf;
}

static GstHarness *
make_harness (GstElement * e, GstBus * bus)
{
  GstHarness *h;

  if (bus)
    gst_element_set_bus (e, bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=64,"
      "height=48,framerate=25/1");
  return h;
}

static GstAnomalyMeta *
push_pull (GstHarness * h, GstBuffer * in, GstBuffer ** out)
{
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  *out = gst_harness_pull (h);
  fail_unless (*out != NULL);
  return gst_buffer_get_anomaly_meta (*out);
}

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GObjectClass *klass;
  GParamSpecFloat *pf;
  GParamSpecUInt *pu;
  gfloat thr, sens, smooth, hyst, minreg;
  guint minf;
  gboolean post;
  gchar *log, *sid;

  fail_unless (e != NULL);
  g_object_get (e, "threshold", &thr, "sensitivity", &sens, "smoothing",
      &smooth, "hysteresis", &hyst, "min-frames", &minf, "min-region",
      &minreg, "post-messages", &post, "log", &log, "stream-id", &sid, NULL);
  fail_unless_equals_float (thr, 1.0f);
  fail_unless_equals_float (sens, 1.0f);
  fail_unless_equals_float (smooth, 0.5f);
  fail_unless_equals_float (hyst, 0.8f);
  fail_unless_equals_int (minf, 3);
  fail_unless_equals_float (minreg, 0.0005f);
  fail_unless (post);
  fail_unless (log == NULL);
  fail_unless (sid == NULL);

  klass = G_OBJECT_GET_CLASS (e);
  pf = G_PARAM_SPEC_FLOAT (g_object_class_find_property (klass, "threshold"));
  fail_unless_equals_float (pf->minimum, 0.01f);
  fail_unless_equals_float (pf->maximum, 100.0f);
  fail_unless (pf->parent_instance.flags & GST_PARAM_MUTABLE_PLAYING);
  pf = G_PARAM_SPEC_FLOAT (g_object_class_find_property (klass, "sensitivity"));
  fail_unless_equals_float (pf->minimum, 0.1f);
  fail_unless_equals_float (pf->maximum, 10.0f);
  fail_unless (pf->parent_instance.flags & GST_PARAM_MUTABLE_PLAYING);
  pf = G_PARAM_SPEC_FLOAT (g_object_class_find_property (klass, "smoothing"));
  fail_unless_equals_float (pf->minimum, 0.0f);
  fail_unless_equals_float (pf->maximum, 0.99f);
  pf = G_PARAM_SPEC_FLOAT (g_object_class_find_property (klass, "hysteresis"));
  fail_unless_equals_float (pf->maximum, 1.0f);
  pu = G_PARAM_SPEC_UINT (g_object_class_find_property (klass, "min-frames"));
  fail_unless (pu->minimum >= 1);

  g_object_set (e, "threshold", 2.5f, "stream-id", "cam1", NULL);
  g_object_get (e, "threshold", &thr, NULL);
  fail_unless_equals_float (thr, 2.5f);
  g_free (sid);
  g_object_get (e, "stream-id", &sid, NULL);
  fail_unless_equals_string (sid, "cam1");
  g_free (sid);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_passthrough_without_recon)
{
  GstAnomalyModel *model = make_model ();
  GstBus *bus = gst_bus_new ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h = make_harness (e, bus);
  GstBuffer *in, *out;
  GstAnomalyMeta *meta;

  /* no meta at all */
  in = gst_buffer_new_allocate (NULL, VW * VH, NULL);
  gst_buffer_memset (in, 0, 7, VW * VH);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  fail_unless (gst_buffer_get_anomaly_meta (out) == NULL);
  {
    GstMapInfo mi;

    fail_unless (gst_buffer_map (out, &mi, GST_MAP_READ));
    for (gsize k = 0; k < mi.size; k++)
      fail_unless_equals_int (mi.data[k], 7);
    gst_buffer_unmap (out, &mi);
  }
  gst_buffer_unref (out);

  /* features but no reconstruction (learning) */
  meta = push_pull (h, make_buffer (model, 0, TRUE, FALSE), &out);
  fail_unless (meta != NULL);
  fail_if (meta->scored);
  fail_if (meta->anomalous);
  fail_unless (meta->map == NULL);
  gst_buffer_unref (out);
  fail_unless (test_pop_named (bus, "anomaly") == NULL);

  gst_harness_teardown (h);
  gst_object_unref (e);
  gst_object_unref (bus);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_zero_error)
{
  GstAnomalyModel *model = make_model ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h = make_harness (e, NULL);

  for (int i = 0; i < 5; i++) {
    GstBuffer *out;
    GstAnomalyMeta *meta = push_pull (h, make_buffer (model, i, FALSE, TRUE),
        &out);
    gfloat mx = 0.0f;

    fail_unless (meta->scored);
    fail_unless (meta->score < 0.05f, "score %f", meta->score);
    fail_if (meta->anomalous);
    fail_unless_equals_float (meta->threshold, 1.0f);
    fail_unless (meta->map != NULL);
    for (int p = 0; p < MW * MH; p++)
      mx = MAX (mx, meta->map[p]);
    fail_unless (mx < 0.05f, "map max %f", mx);
    fail_unless (meta->regions == NULL || meta->regions->len == 0);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  gst_object_unref (e);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_local_error)
{
  GstAnomalyModel *model = make_model ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h = make_harness (e, NULL);
  GstBuffer *out;
  GstAnomalyMeta *meta;
  const GstAnomalyRegion *r;
  gfloat tol = 2.0f / MW;

  g_object_set (e, "min-frames", 1, "smoothing", 0.0f, NULL);
  meta = push_pull (h, make_buffer (model, 0, TRUE, TRUE), &out);
  fail_unless (meta->scored);
  fail_unless (meta->score > 1.0f, "score %f", meta->score);
  fail_unless (meta->raw_score > 0.0f);
  fail_unless (meta->anomalous);
  /* the map is high inside the block, low far from it */
  fail_unless (meta->map[(BY + BH / 2) * MW + BX + BW / 2] > 1.0f);
  fail_unless (meta->map[(MH - 2) * MW + 2] < 0.05f);
  fail_unless (meta->regions != NULL);
  fail_unless_equals_int (meta->regions->len, 1);
  r = &g_array_index (meta->regions, GstAnomalyRegion, 0);
  fail_unless (fabsf (r->x - (gfloat) BX / MW) <= tol, "x %f", r->x);
  fail_unless (fabsf (r->y - (gfloat) BY / MH) <= 2.0f / MH, "y %f", r->y);
  fail_unless (fabsf (r->w - (gfloat) BW / MW) <= 2 * tol, "w %f", r->w);
  fail_unless (fabsf (r->h - (gfloat) BH / MH) <= 4.0f / MH, "h %f", r->h);
  fail_unless (r->peak > 1.0f);
  gst_buffer_unref (out);

  /* sensitivity scales the score */
  {
    gfloat s1;

    meta = push_pull (h, make_buffer (model, 1, TRUE, TRUE), &out);
    s1 = meta->score;
    gst_buffer_unref (out);
    g_object_set (e, "sensitivity", 0.5f, NULL);
    meta = push_pull (h, make_buffer (model, 2, TRUE, TRUE), &out);
    fail_unless (fabsf (meta->score - 0.5f * s1) < 0.01f * s1 + 1e-4f,
        "%f vs %f", meta->score, s1);
    gst_buffer_unref (out);
  }

  /* a region's peak is the highest map x sensitivity inside it (the map
   * itself is stored without sensitivity), at least the threshold */
  g_object_set (e, "sensitivity", 2.0f, NULL);
  meta = push_pull (h, make_buffer (model, 3, TRUE, TRUE), &out);
  fail_unless (meta->regions != NULL && meta->regions->len >= 1);
  r = &g_array_index (meta->regions, GstAnomalyRegion, 0);
  {
    gint x0 = (gint) roundf (r->x * MW), y0 = (gint) roundf (r->y * MH);
    gint x1 = x0 + (gint) roundf (r->w * MW), y1 = y0 + (gint) roundf (r->h
        * MH);
    gfloat mx = 0.0f;

    for (gint y = y0; y < y1; y++)
      for (gint x = x0; x < x1; x++)
        mx = MAX (mx, meta->map[y * MW + x]);
    fail_unless (fabsf (r->peak - 2.0f * mx) <= 1e-5f * r->peak,
        "peak %f, map max %f", r->peak, mx);
    fail_unless (r->peak >= meta->threshold);
  }
  gst_buffer_unref (out);

  gst_harness_teardown (h);
  gst_object_unref (e);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

/* pattern: n_normal normal, n_anom anomalous, n_after normal frames;
 * returns the frames of the start and end events (-1 when absent). */
static void
run_pattern (GstElement * e, GstBus * bus, GstAnomalyModel * model,
    gint n_normal, gint n_anom, gint n_after, gint64 * start, gint64 * end,
    gfloat * score_anom)
{
  GstHarness *h = make_harness (e, bus);
  gint n = n_normal + n_anom + n_after;
  GstMessage *msg;

  *start = *end = -1;
  for (gint i = 0; i < n; i++) {
    gboolean anom = i >= n_normal && i < n_normal + n_anom;
    GstBuffer *out;

    push_pull (h, make_buffer (model, i, anom, TRUE), &out);
    gst_buffer_unref (out);
  }
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    guint64 f;

    fail_unless (gst_structure_get_uint64 (s, "frame", &f));
    if (gst_structure_has_name (s, "anomaly-start")) {
      fail_unless (*start < 0);
      *start = f;
    } else if (gst_structure_has_name (s, "anomaly-end")) {
      fail_unless (*end < 0);
      *end = f;
    } else if (gst_structure_has_name (s, "anomaly") &&
        (gint) f == n_normal && score_anom) {
      fail_unless (test_get_float (s, "score", score_anom));
    }
    gst_message_unref (msg);
  }
  gst_harness_teardown (h);
}

GST_START_TEST (test_timing_min_frames)
{
  GstAnomalyModel *model = make_model ();
  GstBus *bus = gst_bus_new ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  gint64 start, end;

  /* no smoothing: starts on the 3rd anomalous frame, ends on the first
   * normal one */
  g_object_set (e, "smoothing", 0.0f, "min-frames", 3, NULL);
  run_pattern (e, bus, model, 5, 10, 5, &start, &end, NULL);
  fail_unless_equals_int64 (start, 5 + 2);
  fail_unless_equals_int64 (end, 15);

  /* too short a burst does not start an event */
  run_pattern (e, bus, model, 5, 2, 5, &start, &end, NULL);
  fail_unless_equals_int64 (start, -1);
  fail_unless_equals_int64 (end, -1);

  gst_object_unref (e);
  gst_object_unref (bus);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_timing_smoothing)
{
  GstAnomalyModel *model = make_model ();
  GstBus *bus = gst_bus_new ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  gint64 start, end, exp_start = 5, exp_end = 15;
  gfloat s = 0.0f, ema = 0.0f;

  g_object_set (e, "smoothing", 0.5f, "min-frames", 2, "hysteresis", 0.8f,
      NULL);
  run_pattern (e, bus, model, 5, 10, 10, &start, &end, &s);
  fail_unless (s > 2.0f, "anomalous score %f", s);
  /* expected from the EMA of a step of height s */
  {
    gint above = 0;

    for (gint i = 5; i < 15; i++) {
      ema = 0.5f * ema + 0.5f * s;
      if (ema >= 1.0f && ++above == 2) {
        exp_start = i;
        break;
      }
    }
    ema = s * (1.0f - powf (0.5f, 10));
    for (gint i = 15; i < 25; i++) {
      ema = 0.5f * ema;
      if (ema < 0.8f) {
        exp_end = i;
        break;
      }
    }
  }
  fail_unless_equals_int64 (start, exp_start);
  fail_unless_equals_int64 (end, exp_end);
  fail_unless (end > 15);

  gst_object_unref (e);
  gst_object_unref (bus);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_events_and_threshold_change)
{
  GstAnomalyModel *model = make_model ();
  GstBus *bus = gst_bus_new ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h;
  GstMessage *msg;
  const GstStructure *s;
  const GValue *regions;
  gfloat score = 0.0f, peak;
  guint64 dur, nf, f;
  gboolean anomalous;
  gint i;

  g_object_set (e, "smoothing", 0.0f, "min-frames", 1, "hysteresis", 0.8f,
      "stream-id", "cam7", NULL);
  h = make_harness (e, bus);

  for (i = 0; i < 4; i++) {
    GstBuffer *out;

    push_pull (h, make_buffer (model, i, TRUE, TRUE), &out);
    gst_buffer_unref (out);
  }
  msg = test_pop_named (bus, "anomaly");
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless (test_get_float (s, "score", &score));
  fail_unless (gst_structure_get_boolean (s, "anomalous", &anomalous));
  fail_unless (anomalous);
  fail_unless (gst_structure_has_field_typed (s, "raw-score", G_TYPE_FLOAT));
  fail_unless (gst_structure_has_field_typed (s, "threshold", G_TYPE_FLOAT));
  fail_unless (gst_structure_has_field_typed (s, "n-regions", G_TYPE_UINT));
  fail_unless (gst_structure_has_field_typed (s, "running-time",
          G_TYPE_UINT64));
  fail_unless (gst_structure_has_field_typed (s, "stream-time", G_TYPE_UINT64));
  fail_unless (gst_structure_has_field_typed (s, "duration", G_TYPE_UINT64));
  gst_message_unref (msg);
  msg = test_pop_named (bus, "anomaly-start");
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless_equals_string (gst_structure_get_string (s, "stream-id"), "cam7");
  gst_structure_get_uint64 (s, "frame", &f);
  fail_unless_equals_uint64 (f, 0);
  gst_message_unref (msg);
  while ((msg = gst_bus_pop (bus)))
    gst_message_unref (msg);

  /* threshold just above the score: hysteresis keeps the event going */
  g_object_set (e, "threshold", score / 0.9f, NULL);
  for (; i < 6; i++) {
    GstBuffer *out;
    GstAnomalyMeta *meta = push_pull (h, make_buffer (model, i, TRUE, TRUE),
        &out);

    fail_unless (meta->anomalous);
    fail_unless_equals_float (meta->threshold, score / 0.9f);
    gst_buffer_unref (out);
  }
  fail_unless (test_pop_named (bus, "anomaly-end") == NULL);

  /* far above: the event ends on the next frame */
  g_object_set (e, "threshold", score * 2.0f, NULL);
  {
    GstBuffer *out;
    GstAnomalyMeta *meta = push_pull (h, make_buffer (model, i, TRUE, TRUE),
        &out);

    fail_if (meta->anomalous);
    gst_buffer_unref (out);
  }
  msg = test_pop_named (bus, "anomaly-end");
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless (gst_structure_get_uint64 (s, "frame", &f));
  fail_unless_equals_uint64 (f, 6);
  fail_unless (gst_structure_get_uint64 (s, "duration", &dur));
  fail_unless_equals_uint64 (dur, 6 * FRAME_NS);
  fail_unless (gst_structure_get_uint64 (s, "n-frames", &nf));
  fail_unless_equals_uint64 (nf, 6);
  fail_unless (test_get_float (s, "peak", &peak));
  fail_unless (fabsf (peak - score) < 0.01f * score);
  regions = gst_structure_get_value (s, "regions");
  fail_unless (regions != NULL && GST_VALUE_HOLDS_ARRAY (regions));
  fail_unless_equals_int (gst_value_array_get_size (regions), 1);
  {
    const GstStructure *r =
        gst_value_get_structure (gst_value_array_get_value (regions, 0));
    gfloat x;

    fail_unless (gst_structure_has_name (r, "region"));
    fail_unless (test_get_float (r, "x", &x));
    fail_unless (fabsf (x - (gfloat) BX / MW) <= 2.0f / MW);
    fail_unless (gst_structure_has_field_typed (r, "peak", G_TYPE_FLOAT));
  }
  fail_unless_equals_string (gst_structure_get_string (s, "stream-id"), "cam7");
  gst_message_unref (msg);

  /* post-messages=false: no per-frame messages */
  while ((msg = gst_bus_pop (bus)))
    gst_message_unref (msg);
  g_object_set (e, "post-messages", FALSE, NULL);
  {
    GstBuffer *out;

    push_pull (h, make_buffer (model, ++i, FALSE, TRUE), &out);
    gst_buffer_unref (out);
  }
  fail_unless (test_pop_named (bus, "anomaly") == NULL);

  gst_harness_teardown (h);
  gst_object_unref (e);
  gst_object_unref (bus);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_eos_closes_event)
{
  GstAnomalyModel *model = make_model ();
  GstBus *bus = gst_bus_new ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h;
  GstMessage *msg;
  guint64 dur;

  g_object_set (e, "smoothing", 0.0f, "min-frames", 1, NULL);
  h = make_harness (e, bus);
  for (gint i = 0; i < 3; i++) {
    GstBuffer *out;

    push_pull (h, make_buffer (model, i, TRUE, TRUE), &out);
    gst_buffer_unref (out);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  msg = test_pop_named (bus, "anomaly-end");
  fail_unless (msg != NULL);
  fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
          "duration", &dur));
  fail_unless_equals_uint64 (dur, 3 * FRAME_NS);
  gst_message_unref (msg);
  gst_harness_teardown (h);
  gst_object_unref (e);
  gst_object_unref (bus);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_flush_closes_event)
{
  GstAnomalyModel *model = make_model ();
  GstBus *bus = gst_bus_new ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h;
  GstMessage *msg;
  GstBuffer *out;
  GstAnomalyMeta *meta;

  g_object_set (e, "smoothing", 0.9f, "min-frames", 1, NULL);
  h = make_harness (e, bus);
  for (gint i = 0; i < 2; i++) {
    push_pull (h, make_buffer (model, i, TRUE, TRUE), &out);
    gst_buffer_unref (out);
  }
  fail_unless ((msg = test_pop_named (bus, "anomaly-start")) != NULL);
  gst_message_unref (msg);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless ((msg = test_pop_named (bus, "anomaly-end")) != NULL);
  gst_message_unref (msg);
  {
    GstSegment seg;

    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  }
  /* the smoothing state is gone: a normal frame right after is normal */
  meta = push_pull (h, make_buffer (model, 2, FALSE, TRUE), &out);
  fail_if (meta->anomalous);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  gst_object_unref (e);
  gst_object_unref (bus);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_log)
{
  GstAnomalyModel *model = make_model ();
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h;
  gchar *dir = g_dir_make_tmp ("anomalyscore-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "log.jsonl", NULL);
  gchar *contents = NULL, **lines;
  gint n_frames = 0, n_start = 0, n_end = 0, n_lines = 0;
  gdouble max_part_anom = 0.0;
  gfloat meta_parts[8][GST_ANOMALY_META_N_PARTS];

  g_object_set (e, "log", path, "smoothing", 0.0f, "min-frames", 1,
      "stream-id", "door", NULL);
  h = make_harness (e, NULL);
  for (gint i = 0; i < 8; i++) {
    GstBuffer *out;
    GstAnomalyMeta *meta;

    push_pull (h, make_buffer (model, i, i >= 2 && i < 5, TRUE), &out);
    meta = gst_buffer_get_anomaly_meta (out);
    fail_unless (meta != NULL && meta->scored);
    memcpy (meta_parts[i], meta->parts, sizeof meta_parts[i]);
    gst_buffer_unref (out);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));

  lines = g_strsplit (contents, "\n", -1);
  for (gint i = 0; lines[i]; i++) {
    JsonParser *p;
    JsonObject *o;

    if (!*lines[i])
      continue;
    n_lines++;
    p = json_parser_new ();
    fail_unless (json_parser_load_from_data (p, lines[i], -1, NULL),
        "bad line %s", lines[i]);
    o = json_node_get_object (json_parser_get_root (p));
    fail_unless (o != NULL);
    fail_unless_equals_string (json_object_get_string_member (o, "stream"),
        "door");
    fail_unless (json_object_has_member (o, "frame"));
    fail_unless (json_object_has_member (o, "pts"));
    fail_unless (json_object_has_member (o, "regions"));
    if (json_object_has_member (o, "event")) {
      const gchar *ev = json_object_get_string_member (o, "event");

      fail_unless (json_object_has_member (o, "peak"));
      fail_unless (json_object_has_member (o, "duration"));
      if (g_str_equal (ev, "anomaly-start")) {
        n_start++;
        fail_unless_equals_int (json_object_get_int_member (o, "frame"), 2);
      } else {
        fail_unless_equals_string (ev, "anomaly-end");
        n_end++;
        fail_unless_equals_int (json_object_get_int_member (o, "frame"), 5);
        fail_unless_equals_int64 (json_object_get_int_member (o,
                "duration"), 3 * FRAME_NS);
        fail_unless_equals_int (json_array_get_length
            (json_object_get_array_member (o, "regions")), 1);
      }
    } else {
      gint64 f = json_object_get_int_member (o, "frame");
      gboolean anom = json_object_get_boolean_member (o, "anomalous");
      JsonObject *parts;
      gdouble sum, score;

      fail_unless_equals_int (f, n_frames);
      fail_unless_equals_int64 (json_object_get_int_member (o, "pts"),
          f * FRAME_NS);
      fail_unless (json_object_has_member (o, "score"));
      fail_unless (json_object_has_member (o, "raw"));
      fail_unless (json_object_has_member (o, "threshold"));
      fail_unless (anom == (f >= 2 && f < 5), "frame %d", (gint) f);
      /* why it scores: the parts' terms, which add up to about the score */
      parts = json_object_get_object_member (o, "parts");
      fail_unless (parts != NULL);
      sum = 0.0;
      for (gint k = 0; k < AD_SCORE_PARTS; k++) {
        gdouble v = json_object_get_double_member (parts,
            ad_score_part_names[k]);

        /* the meta carries the same terms, in the same order */
        fail_unless_equals_float ((gfloat) v, meta_parts[f][k]);
        sum += v;
      }
      score = json_object_get_double_member (o, "score");
      fail_unless (fabs (sum - score) <= 0.5 * score + 1e-3,
          "frame %d: parts %g, score %g", (gint) f, sum, score);
      if (anom)
        max_part_anom = MAX (max_part_anom, sum);
      n_frames++;
    }
    g_object_unref (p);
  }
  fail_unless_equals_int (n_frames, 8);
  fail_unless (max_part_anom >= 1.0, "anomalous frames' parts %g",
      max_part_anom);
  fail_unless_equals_int (n_start, 1);
  fail_unless_equals_int (n_end, 1);
  fail_unless_equals_int (n_lines, 10);

  g_strfreev (lines);
  g_free (contents);
  gst_harness_teardown (h);
  gst_object_unref (e);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

/* An anomalyscore with string property prop = value must fail to start
 * with an error of domain and code whose message holds want1 and want2. */
static void
check_start_fails (const gchar * prop, const gchar * value, GQuark domain,
    gint code, const gchar * want1, const gchar * want2)
{
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_element_set_bus (e, bus);
  g_object_set (e, prop, value, NULL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, domain, code), "%s", err->message);
  fail_unless (strstr (err->message, want1) && strstr (err->message, want2),
      "%s", err->message);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  gst_object_unref (bus);
}

GST_START_TEST (test_log_unwritable)
{
  check_start_fails ("log", "/nonexistent-dir/sub/log.jsonl",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
      "/nonexistent-dir/sub/log.jsonl", "");
}

GST_END_TEST;

/* ignore-regions: a region over the anomalous block leaves it out (score
 * 0, no region, the map 0 there); a region elsewhere changes nothing; a
 * malformed value fails the start with the reason. */
GST_START_TEST (test_ignore_regions)
{
  GstAnomalyModel *model = make_model ();
  gfloat score[3];
  /* x, y, w, h of the block in fractions, with a pixel of margin */
  gchar *over = g_strdup_printf ("%g,%g,%g,%g", (BX - 1.0) / MW,
      (BY - 1.0) / MH, (BW + 2.0) / MW, (BH + 2.0) / MH);
  const gchar *vals[3] = { NULL, over, "0,0.6,0.4,0.4" };

  for (gint k = 0; k < 3; k++) {
    GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
    GstHarness *h;
    GstBuffer *out;
    GstAnomalyMeta *meta;
    gchar *got = NULL;

    g_object_set (e, "min-frames", 1, "smoothing", 0.0f, "ignore-regions",
        vals[k], NULL);
    g_object_get (e, "ignore-regions", &got, NULL);
    fail_unless_equals_string (got, vals[k]);
    g_free (got);
    h = make_harness (e, NULL);
    meta = push_pull (h, make_buffer (model, 0, TRUE, TRUE), &out);
    score[k] = meta->score;
    if (k == 1) {
      fail_unless (!meta->anomalous && (!meta->regions ||
              meta->regions->len == 0));
      fail_unless (meta->map[(BY + BH / 2) * MW + BX + BW / 2] == 0.0f);
    }
    gst_buffer_unref (out);
    gst_harness_teardown (h);
    gst_object_unref (e);
  }
  fail_unless (score[0] > 1.0f && score[1] == 0.0f &&
      fabsf (score[2] - score[0]) <= 1e-5f * score[0], "scores %f %f %f",
      score[0], score[1], score[2]);
  g_free (over);
  gst_anomaly_model_unref (model);

  check_start_fails ("ignore-regions", "0,0,1.5,0.1", GST_LIBRARY_ERROR,
      GST_LIBRARY_ERROR_SETTINGS, "0,0,1.5,0.1", "inside the picture");
}

GST_END_TEST;

/* A model whose only non-zero part is the stationary change.  Gray
 * (color 0): the learned background is the features' 0.05, and a still
 * block of 0.9 differs.  Colour (color 1): channel c's background is
 * 0.1 (3 - c), as colour_buffer's colour frames. */
static GstAnomalyModel *
make_static_model_color (gfloat train_fps, gint color)
{
  ad_model *m = make_ad_model_color (train_fps, color);
  ad_config c = *ad_model_config (m);
  ad_error err = { {0} };
  int ch = color ? 3 : 1;
  gfloat *flat = g_new (gfloat, 8 * ch * MW * MH);     /* [8][ch][MH][MW] */

  for (int i = 0; i < 8 * ch * MW * MH; i++)
    flat[i] = color ? 0.1f * (3 - (i / (MW * MH)) % 3) : 0.05f;
  fail_unless_equals_int (ad_model_learn_motion (m, flat, 8, NULL, &err),
      AD_OK);
  g_free (flat);
  c.fuse = AD_FUSE_SUM;
  c.fuse_weight = 1.0f;         /* the learned part (zero here), no motion */
  c.flow_weight = 0.0f;
  c.static_weight = 1.0f;
  fail_unless_equals_int (ad_model_set_scoring (m, &c, &err), AD_OK);
  return gst_anomaly_model_new_take (m);
}

static GstAnomalyModel *
make_static_model (gfloat train_fps)
{
  return make_static_model_color (train_fps, 0);
}

/* Features 0.05 with a still 0.9 block (BX, BY, BW, BH), reconstruction
 * equal to them. */
static GstBuffer *
make_still_buffer (GstAnomalyModel * model, guint64 frame)
{
  GstAnomalyMeta *meta;
  gfloat *feat = g_new (gfloat, MW * MH);
  GstBuffer *buf;

  for (int i = 0; i < MW * MH; i++)
    feat[i] = 0.05f;
  for (int y = BY; y < BY + BH; y++)
    for (int x = BX; x < BX + BW; x++)
      feat[y * MW + x] = 0.9f;
  buf = buffer_with_features (frame, feat, &meta);
  gst_anomaly_meta_take_recon (meta, 1, g_memdup2 (feat,
          sizeof (gfloat) * MW * MH), model);
  return buf;
}

/* The score of frame 59 of a still block with static-absorb = absorb. */
static gfloat
still_score (GstAnomalyModel * model, gint absorb)
{
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *msg;
  gfloat last = -1.0f;

  g_object_set (e, "smoothing", 0.0f, "static-absorb", absorb, NULL);
  h = make_harness (e, bus);
  for (guint64 i = 0; i < 60; i++) {
    GstBuffer *out;

    push_pull (h, make_still_buffer (model, i), &out);
    gst_buffer_unref (out);
  }
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);
    guint64 f;

    if (gst_structure_has_name (st, "anomaly") &&
        gst_structure_get_uint64 (st, "frame", &f) && f == 59)
      fail_unless (test_get_float (st, "score", &last));
    gst_message_unref (msg);
  }
  gst_harness_teardown (h);
  gst_object_unref (bus);
  return last;
}

/* static-absorb: a still change that lasted that many frames joins the
 * stream's background and stops scoring; -1 keeps the model's setting
 * (here 0, never), as does an explicit 0. */
GST_START_TEST (test_static_absorb)
{
  GstAnomalyModel *model = make_static_model (25.0f);
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  gint v;
  gfloat kept, absorbed, never;

  g_object_get (e, "static-absorb", &v, NULL);
  fail_unless_equals_int (v, -1);
  gst_object_unref (e);
  kept = still_score (model, -1);
  never = still_score (model, 0);
  absorbed = still_score (model, 20);
  fail_unless (kept > 1.0f, "still block, the model's setting: %f", kept);
  fail_unless_equals_float (never, kept);
  fail_unless (absorbed >= 0.0f && absorbed < 0.1f * kept,
      "absorbed after 20 frames: %f (kept %f)", absorbed, kept);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

/* Pushes n still frames from frame *i on; returns the last one's score. */
static gfloat
push_still (GstHarness * h, GstAnomalyModel * model, guint64 * i, gint n)
{
  GstAnomalyMeta *meta;
  GstBuffer *out;
  gfloat last = -1.0f;

  for (gint k = 0; k < n; k++) {
    meta = push_pull (h, make_still_buffer (model, (*i)++), &out);
    fail_unless (meta->scored);
    last = meta->score;
    gst_buffer_unref (out);
  }
  return last;
}

/* Pushes frame i as a DISCONT buffer with features but no reconstruction
 * (anomalyrecon restarts too, so the buffer after a discontinuity usually
 * has none); returns its score, or -1 when it passed through unscored. */
static gfloat
push_discont (GstHarness * h, GstAnomalyModel * model, guint64 i)
{
  GstBuffer *in = make_still_buffer (model, i), *out;
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (in);
  gfloat score;

  gst_anomaly_meta_take_recon (meta, 0, NULL, NULL);
  GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DISCONT);
  meta = push_pull (h, in, &out);
  score = meta->scored ? meta->score : -1.0f;
  gst_buffer_unref (out);
  return score;
}

/* A DISCONT that follows on in time (a new clip) restarts the scorer:
 * its frame, without an estimate, passes through unscored, and on the
 * next one the still block's stationary change, built up over 40 frames,
 * starts again from zero.  One after lost frames (4 frame durations
 * later) restarts only the motion: its frame is scored without the
 * learned part (the stationary change carries on), and so is the
 * next.  The frame duration comes from the buffers, else the caps, else
 * (caps without a rate and buffers without durations) the rate the model
 * learned at; without any the lost frames restart everything. */
static void
check_discont (const gchar * caps, GstClockTime duration, gfloat train_fps,
    gboolean rate_known)
{
  GstAnomalyModel *model = make_static_model (train_fps);
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstHarness *h;
  gfloat built, after;
  guint64 i = 0;

  buffer_duration = duration;
  g_object_set (e, "smoothing", 0.0f, "post-messages", FALSE, NULL);
  h = make_harness (e, NULL);
  gst_harness_set_src_caps_str (h, caps);
  built = push_still (h, model, &i, 40);
  fail_unless (built > 1.0f, "built up: %f", built);

  fail_unless_equals_float (push_discont (h, model, i++), -1.0f);
  after = push_still (h, model, &i, 1);
  fail_unless (after < 0.1f * built, "after a new clip %f, before %f",
      after, built);

  built = push_still (h, model, &i, 40);
  i += 3;                       /* three frames lost */
  after = push_discont (h, model, i++);
  if (!rate_known) {
    fail_unless_equals_float (after, -1.0f);    /* a new clip, unscored */
    after = push_still (h, model, &i, 1);
    fail_unless (after < 0.1f * built, "no rate known: %f, before %f",
        after, built);
  } else {
    fail_unless (after > 0.8f * built, "frame after lost frames %f, before "
        "%f (%s)", after, built, caps);
    after = push_still (h, model, &i, 1);
    fail_unless (after > 0.8f * built, "after lost frames %f, before %f",
        after, built);
  }

  gst_harness_teardown (h);
  gst_object_unref (e);
  gst_anomaly_model_unref (model);
  buffer_duration = FRAME_NS;
}

/* A colour model whose camera turns gray (night infrared) and back: an
 * "anomaly-camera-mode" message each way, on the third frame of the new
 * mode (AD_MODE_FRAMES), whatever post-messages says. */
static GstBuffer *
colour_buffer (GstAnomalyModel * model, guint64 frame, gboolean gray)
{
  GstAnomalyMeta *meta;
  gfloat *feat = g_new (gfloat, 3 * MW * MH);
  GstBuffer *buf;

  for (int c = 0; c < 3; c++)
    for (int i = 0; i < MW * MH; i++)
      feat[c * MW * MH + i] = gray ? 0.2f : 0.1f * (3 - c);
  buf = buffer_with_features (frame, g_new0 (gfloat, MW * MH), &meta);
  gst_anomaly_meta_take_features (meta, 3, feat);
  gst_anomaly_meta_take_recon (meta, 3, g_memdup2 (feat,
          sizeof (gfloat) * 3 * MW * MH), model);
  return buf;
}

GST_START_TEST (test_camera_mode)
{
  GstAnomalyModel *model = make_static_model_color (25.0f, 1);
  GstElement *e = gst_element_factory_make ("anomalyscore", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *msg;
  guint64 frame[2] = { 0, 0 };
  gfloat relearn[2] = { -1.0f, -1.0f };
  gint n = 0;

  g_object_set (e, "post-messages", FALSE, NULL);
  h = make_harness (e, bus);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=64,"
      "height=48,framerate=25/1");
  for (guint64 i = 0; i < 12; i++) {
    GstBuffer *out;
    GstAnomalyMeta *meta = push_pull (h, colour_buffer (model, i, i >= 2
            && i < 6),
        &out);

    fail_unless (meta->scored, "frame %" G_GUINT64_FORMAT, i);
    gst_buffer_unref (out);
  }
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);

    if (gst_structure_has_name (st, "anomaly-camera-mode")) {
      const gchar *mode = gst_structure_get_string (st, "mode");

      fail_unless (n < 2);
      fail_unless_equals_string (mode, n == 0 ? "gray" : "colour");
      fail_unless (gst_structure_get_uint64 (st, "frame", &frame[n]));
      fail_unless (test_get_float (st, "relearn-seconds", &relearn[n]));
      n++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (n, 2);
  fail_unless_equals_uint64 (frame[0], 4);
  fail_unless_equals_uint64 (frame[1], 8);
  fail_unless_equals_float (relearn[0], 2.0f);
  fail_unless_equals_float (relearn[1], 0.0f);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  gst_anomaly_model_unref (model);
}

GST_END_TEST;

GST_START_TEST (test_discont_without_recon)
{
  const gchar *caps = "video/x-raw,format=GRAY8,width=64,height=48,"
      "framerate=%s";
  gchar *c25 = g_strdup_printf (caps, "25/1");
  gchar *c0 = g_strdup_printf (caps, "0/1");

  check_discont (c25, FRAME_NS, 25.0f, TRUE);
  check_discont (c25, GST_CLOCK_TIME_NONE, 0.0f, TRUE);
  check_discont (c0, FRAME_NS, 0.0f, TRUE);
  check_discont (c0, GST_CLOCK_TIME_NONE, 25.0f, TRUE);
  check_discont (c0, GST_CLOCK_TIME_NONE, 0.0f, FALSE);
  g_free (c25);
  g_free (c0);
}

GST_END_TEST;

static Suite *
anomalyscore_suite (void)
{
  Suite *s = suite_create ("anomalyscore");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_static_absorb);
  tcase_add_test (tc, test_camera_mode);
  tcase_add_test (tc, test_discont_without_recon);
  tcase_add_test (tc, test_passthrough_without_recon);
  tcase_add_test (tc, test_zero_error);
  tcase_add_test (tc, test_local_error);
  tcase_add_test (tc, test_timing_min_frames);
  tcase_add_test (tc, test_timing_smoothing);
  tcase_add_test (tc, test_events_and_threshold_change);
  tcase_add_test (tc, test_eos_closes_event);
  tcase_add_test (tc, test_flush_closes_event);
  tcase_add_test (tc, test_log);
  tcase_add_test (tc, test_log_unwritable);
  tcase_add_test (tc, test_ignore_regions);
  return s;
}

GST_CHECK_MAIN (anomalyscore);
