/* GStreamer anomaly detection plugin
 * test-extract.c - anomalyextract: formats, passthrough, feature values,
 * motion channel and resets, model override, properties.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>

#include "gstanomalymeta.h"
#include "gstanomalymodel.h"

#define VW 64
#define VH 48

static const gchar *formats[] = {
  "I420", "NV12", "GRAY8", "RGB", "BGR", "RGBx", "BGRx", "xRGB", "xBGR",
  "RGBA", "BGRA", "ARGB", "ABGR"
};

static GstHarness *
make_harness (const gchar * props, const gchar * format, gint w, gint h)
{
  gchar *desc = g_strdup_printf ("anomalyextract %s", props ? props : "");
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=25/1", format, w, h);
  GstHarness *hh = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (hh, caps);
  g_free (caps);
  g_free (desc);
  return hh;
}

/* A new 40 ms buffer of format at w x h, filled with 128 and mapped for
 * writing into frame (the caller unmaps it). */
static GstBuffer *
begin_frame (const gchar * format, gint w, gint h, GstVideoInfo * info,
    GstVideoFrame * frame)
{
  GstBuffer *buf;

  gst_video_info_set_format (info, gst_video_format_from_string (format), w,
      h);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  gst_buffer_memset (buf, 0, 128, GST_VIDEO_INFO_SIZE (info));
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = 40 * GST_MSECOND;
  fail_unless (gst_video_frame_map (frame, info, buf, GST_MAP_WRITE));
  return buf;
}

/* A frame whose every pixel has the given R, G, B (RGB formats) or luma
 * value y with neutral chroma (YUV/GRAY formats). */
static GstBuffer *
make_frame (const gchar * format, gint w, gint h, guint8 r, guint8 g,
    guint8 b, guint8 y)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf = begin_frame (format, w, h, &info, &frame);

  for (gint row = 0; row < h; row++) {
    guint8 *p = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        row * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

    for (gint x = 0; x < w; x++) {
      if (GST_VIDEO_INFO_IS_RGB (&info)) {
        gint ps = GST_VIDEO_INFO_COMP_PSTRIDE (&info, 0);

        p[x * ps + GST_VIDEO_INFO_COMP_POFFSET (&info, 0)] = r;
        p[x * ps + GST_VIDEO_INFO_COMP_POFFSET (&info, 1)] = g;
        p[x * ps + GST_VIDEO_INFO_COMP_POFFSET (&info, 2)] = b;
        if (GST_VIDEO_INFO_HAS_ALPHA (&info))
          p[x * ps + GST_VIDEO_INFO_COMP_POFFSET (&info, 3)] = 255;
      } else {
        p[x] = y;
      }
    }
  }
  gst_video_frame_unmap (&frame);
  return buf;
}

/* The output buffer of an anomalyextract with props fed one frame of
 * format (as make_frame: r, g, b or luma y) at VW x VH; its meta is
 * checked to exist. */
static GstBuffer *
extract_one (const gchar * props, const gchar * format, guint8 r, guint8 g,
    guint8 b, guint8 y)
{
  GstHarness *h = make_harness (props, format, VW, VH);
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, make_frame (format, VW, VH, r,
              g, b, y)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (gst_buffer_get_anomaly_meta (out) != NULL);
  gst_harness_teardown (h);
  return out;
}

static gboolean
all_near (const gfloat * v, gint n, gfloat want, gfloat tol)
{
  for (gint i = 0; i < n; i++)
    if (fabsf (v[i] - want) > tol)
      return FALSE;
  return TRUE;
}

GST_START_TEST (test_formats_passthrough)
{
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstHarness *h = make_harness ("width=32 height=24 color=false",
        formats[i], VW, VH);
    GstBuffer *in = make_frame (formats[i], VW, VH, 200, 100, 50, 90);
    GstBuffer *out;
    GstMapInfo a, b;
    GstAnomalyMeta *meta;
    gboolean rgb = GST_VIDEO_FORMAT_INFO_IS_RGB (gst_video_format_get_info
        (gst_video_format_from_string (formats[i])));
    gfloat want;

    gst_buffer_ref (in);        /* keep the original to compare */
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_copy_deep (in)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out != NULL, "%s: no buffer", formats[i]);

    /* pixels unchanged */
    fail_unless (gst_buffer_map (in, &a, GST_MAP_READ));
    fail_unless (gst_buffer_map (out, &b, GST_MAP_READ));
    fail_unless_equals_int (a.size, b.size);
    fail_unless (memcmp (a.data, b.data, a.size) == 0, "%s: pixels changed",
        formats[i]);
    gst_buffer_unmap (in, &a);
    gst_buffer_unmap (out, &b);

    meta = gst_buffer_get_anomaly_meta (out);
    fail_unless (meta != NULL, "%s: no meta", formats[i]);
    fail_unless_equals_int (meta->width, 32);
    fail_unless_equals_int (meta->height, 24);
    fail_unless_equals_int (meta->n_features, 1);
    fail_unless (meta->features != NULL);
    /* gray features: BT.601 luma of the RGB value, or the Y plane */
    want = rgb ? (0.299f * 200 + 0.587f * 100 + 0.114f * 50) / 255.0f :
        90 / 255.0f;
    fail_unless (all_near (meta->features, 32 * 24, want, 2e-3f),
        "%s: feature %f, expected %f", formats[i], meta->features[0], want);

    gst_buffer_unref (in);
    gst_buffer_unref (in);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* An input that someone else also holds (a decoder keeps its reference
 * frames) is not writable: the output is a copy sharing the memory, and the
 * input keeps exactly the other holder's reference. */
GST_START_TEST (test_shared_input)
{
  GstHarness *h = make_harness ("width=32 height=24", "I420", VW, VH);
  GstBuffer *in = make_frame ("I420", VW, VH, 0, 0, 0, 90);
  GstBuffer *out;

  gst_buffer_ref (in);          /* the other holder */
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != in);
  fail_unless_equals_int (GST_MINI_OBJECT_REFCOUNT_VALUE (in), 1);
  fail_unless (gst_buffer_get_anomaly_meta (in) == NULL);
  fail_unless (gst_buffer_get_anomaly_meta (out) != NULL);
  fail_unless (gst_buffer_peek_memory (out, 0) ==
      gst_buffer_peek_memory (in, 0));
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_color_values)
{
  static const gchar *rgbf[] = { "RGB", "BGRx", "xBGR", "ARGB" };

  for (guint i = 0; i < G_N_ELEMENTS (rgbf); i++) {
    GstHarness *h = make_harness ("width=16 height=16 color=true", rgbf[i],
        40, 30);
    GstBuffer *out;
    GstAnomalyMeta *meta;
    const gint n = 16 * 16;

    fail_unless_equals_int (gst_harness_push (h, make_frame (rgbf[i], 40, 30,
                255, 51, 0, 0)), GST_FLOW_OK);
    out = gst_harness_pull (h);
    meta = gst_buffer_get_anomaly_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->n_features, 3);
    fail_unless (all_near (meta->features, n, 1.0f, 1e-4f), "%s R", rgbf[i]);
    fail_unless (all_near (meta->features + n, n, 0.2f, 1e-4f), "%s G",
        rgbf[i]);
    fail_unless (all_near (meta->features + 2 * n, n, 0.0f, 1e-4f), "%s B",
        rgbf[i]);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* An RGB model fed I420 or NV12 reads the chroma planes too: a frame of
 * Y 120, U 90, V 170 gives BT.601 RGB (about 0.61, 0.37, 0.22), not three
 * copies of the luma. */
static GstBuffer *
make_yuv_frame (const gchar * format, gint w, gint h, guint8 y, guint8 u,
    guint8 v)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf = begin_frame (format, w, h, &info, &frame);

  for (gint c = 0; c < 3; c++) {
    guint8 val = c == 0 ? y : c == 1 ? u : v;
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c);

    for (gint row = 0; row < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); row++) {
      guint8 *p = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&frame, c) +
          row * GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);

      for (gint x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++)
        p[x * ps] = val;
    }
  }
  gst_video_frame_unmap (&frame);
  return buf;
}

GST_START_TEST (test_color_yuv)
{
  static const gchar *yuvf[] = { "I420", "NV12" };
  const gfloat l = 1.164f * (120 - 16), cb = 90 - 128, cr = 170 - 128;
  const gfloat want[3] = { (l + 1.596f * cr) / 255.0f,
    (l - 0.392f * cb - 0.813f * cr) / 255.0f, (l + 2.017f * cb) / 255.0f
  };

  for (guint i = 0; i < G_N_ELEMENTS (yuvf); i++) {
    GstHarness *h = make_harness ("width=16 height=16 color=true", yuvf[i],
        40, 30);
    GstBuffer *out;
    GstAnomalyMeta *meta;
    const gint n = 16 * 16;

    fail_unless_equals_int (gst_harness_push (h, make_yuv_frame (yuvf[i], 40,
                30, 120, 90, 170)), GST_FLOW_OK);
    out = gst_harness_pull (h);
    meta = gst_buffer_get_anomaly_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->n_features, 3);
    for (gint c = 0; c < 3; c++)
      fail_unless (all_near (meta->features + c * n, n, want[c], 1e-3f),
          "%s channel %d: %f, expected %f", yuvf[i], c,
          meta->features[c * n], want[c]);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_motion_and_resets)
{
  GstHarness *h = make_harness ("width=16 height=16 color=false "
      "motion-inputs=true", "GRAY8", VW, VH);
  const gint n = 16 * 16;
  guint8 levels[] = { 100, 150, 150, 120, 200 };
  gfloat want[] = { 0, 50, 0, 30, 0 };
  GstBuffer *out;
  GstAnomalyMeta *meta;

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++) {
    GstBuffer *in = make_frame ("GRAY8", VW, VH, 0, 0, 0, levels[i]);

    GST_BUFFER_PTS (in) = i * 40 * GST_MSECOND;
    if (i == 4)                 /* a DISCONT restarts the motion channel */
      GST_BUFFER_FLAG_SET (in, GST_BUFFER_FLAG_DISCONT);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    meta = gst_buffer_get_anomaly_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->n_features, 2);
    fail_unless_equals_uint64 (meta->frame, i);
    fail_unless (all_near (meta->features, n, levels[i] / 255.0f, 1e-4f));
    fail_unless (all_near (meta->features + n, n, want[i] / 255.0f, 1e-4f),
        "frame %u: motion %f, expected %f", i, meta->features[n],
        want[i] / 255.0f);
    gst_buffer_unref (out);
  }

  /* a flush restarts the frame counter and the motion channel */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_harness_push_event (h, gst_event_new_segment (&(GstSegment) {
        .format = GST_FORMAT_TIME,.rate = 1.0,.applied_rate = 1.0,
        .stop = GST_CLOCK_TIME_NONE,.duration = GST_CLOCK_TIME_NONE}));
  fail_unless_equals_int (gst_harness_push (h, make_frame ("GRAY8", VW, VH, 0,
              0, 0, 10)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_anomaly_meta (out);
  fail_unless_equals_uint64 (meta->frame, 0);
  fail_unless (all_near (meta->features + n, n, 0.0f, 1e-6f));
  gst_buffer_unref (out);

  /* a caps change too */
  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=32,"
      "height=32,framerate=25/1");
  fail_unless_equals_int (gst_harness_push (h, make_frame ("GRAY8", 32, 32, 0,
              0, 0, 250)), GST_FLOW_OK);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_anomaly_meta (out);
  fail_unless (all_near (meta->features, n, 250 / 255.0f, 1e-4f));
  fail_unless (all_near (meta->features + n, n, 0.0f, 1e-6f));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Pushes a GRAY8 frame of luma y at pts (ms) through h, with make_frame's
 * duration or none; returns whether the output is DISCONT and its motion
 * channel's first value. */
static gboolean
push_at_with (GstHarness * h, guint64 pts_ms, guint8 y, gfloat * motion,
    gboolean duration)
{
  GstBuffer *in = make_frame ("GRAY8", VW, VH, 0, 0, 0, y), *out;
  GstAnomalyMeta *meta;
  gboolean discont;

  GST_BUFFER_PTS (in) = pts_ms * GST_MSECOND;
  if (!duration)
    GST_BUFFER_DURATION (in) = GST_CLOCK_TIME_NONE;
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_anomaly_meta (out);
  fail_unless (meta != NULL && meta->n_features == 2);
  *motion = meta->features[16 * 16];
  discont = GST_BUFFER_IS_DISCONT (out);
  gst_buffer_unref (out);
  return discont;
}

static gboolean
push_at (GstHarness * h, guint64 pts_ms, guint8 y, gfloat * motion)
{
  return push_at_with (h, pts_ms, y, motion, TRUE);
}

/* max-gap: a timestamp more than 1.5 frame durations (40 ms at 25/1) after
 * the previous one, or before it, marks the buffer DISCONT and restarts the
 * motion channel; 0 checks nothing; a variable rate (0/1) takes the
 * buffers' duration, and without one the timestamps' steps. */
GST_START_TEST (test_lost_frames)
{
  const gchar *props = "width=16 height=16 color=false motion-inputs=true";
  GstElement *e = gst_element_factory_make ("anomalyextract", NULL);
  GstHarness *h = make_harness (props, "GRAY8", VW, VH);
  gdouble gap;
  gfloat mo;

  g_object_get (e, "max-gap", &gap, NULL);
  fail_unless_equals_float (gap, 1.5);
  gst_object_unref (e);
  fail_if (push_at (h, 0, 100, &mo));
  fail_if (push_at (h, 40, 150, &mo));           /* on time */
  fail_unless (mo > 0.1f);
  fail_if (push_at (h, 99, 100, &mo));           /* late, within 1.5 */
  fail_unless (mo > 0.1f);
  fail_unless (push_at (h, 200, 150, &mo));      /* two frames lost */
  fail_unless_equals_float (mo, 0.0f);
  fail_if (push_at (h, 240, 100, &mo));
  fail_unless (mo > 0.1f);
  fail_unless (push_at (h, 120, 150, &mo));      /* backwards */
  fail_unless_equals_float (mo, 0.0f);
  gst_harness_teardown (h);

  /* 0: never */
  h = make_harness ("width=16 height=16 color=false motion-inputs=true "
      "max-gap=0", "GRAY8", VW, VH);
  fail_if (push_at (h, 0, 100, &mo));
  fail_if (push_at (h, 400, 150, &mo));
  fail_unless (mo > 0.1f);
  gst_harness_teardown (h);

  /* variable frame rate: the buffers' 40 ms */
  h = gst_harness_new_parse ("anomalyextract width=16 height=16 "
      "color=false motion-inputs=true max-gap=2");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=64,"
      "height=48,framerate=0/1");
  fail_if (push_at (h, 0, 100, &mo));
  fail_if (push_at (h, 80, 150, &mo));           /* 2 durations: kept */
  fail_unless (push_at (h, 200, 100, &mo));      /* 3 */
  gst_harness_teardown (h);

  /* neither caps nor buffers give a duration (MJPEG over HTTP): the
   * median of the latest 8 steps between timestamps, once there are 3,
   * which follows a camera that halves its rate within a few frames */
  h = gst_harness_new_parse ("anomalyextract width=16 height=16 "
      "color=false motion-inputs=true");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=64,"
      "height=48,framerate=0/1");
  fail_if (push_at_with (h, 0, 100, &mo, FALSE));
  fail_if (push_at_with (h, 100, 150, &mo, FALSE));
  fail_if (push_at_with (h, 200, 100, &mo, FALSE));
  fail_if (push_at_with (h, 300, 150, &mo, FALSE));
  fail_unless (push_at_with (h, 500, 100, &mo, FALSE));  /* one lost */
  fail_unless_equals_float (mo, 0.0f);
  fail_if (push_at_with (h, 600, 150, &mo, FALSE));
  fail_unless (push_at_with (h, 800, 100, &mo, FALSE));  /* 5 fps now */
  fail_unless (push_at_with (h, 1000, 150, &mo, FALSE));
  fail_unless (push_at_with (h, 1200, 100, &mo, FALSE));
  fail_if (push_at_with (h, 1400, 150, &mo, FALSE));
  fail_unless (mo > 0.1f);
  fail_if (push_at_with (h, 1600, 100, &mo, FALSE));
  fail_unless (push_at_with (h, 100, 150, &mo, FALSE));  /* backwards */
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_model_overrides)
{
  gchar *dir = g_dir_make_tmp ("anomaly-extract-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "m.model", NULL);
  gchar *props;
  ad_config cfg;
  ad_model *m = NULL;
  ad_error err = { {0} };
  GstBuffer *out;
  GstAnomalyMeta *meta;

  ad_config_default (&cfg);
  cfg.width = 24;
  cfg.height = 16;
  cfg.color = 1;
  cfg.motion_inputs = 1;
  cfg.widths[0] = cfg.widths[1] = cfg.widths[2] = cfg.widths[3] = 4;
  fail_unless_equals_int (ad_model_new (&cfg, &m, &err), AD_OK);
  fail_unless_equals_int (ad_model_save (m, path, &err), AD_OK);
  ad_model_free (m);

  props = g_strdup_printf ("width=64 height=64 model=%s", path);
  out = extract_one (props, "I420", 0, 0, 0, 60);
  meta = gst_buffer_get_anomaly_meta (out);
  fail_unless_equals_int (meta->width, 24);
  fail_unless_equals_int (meta->height, 16);
  fail_unless_equals_int (meta->n_features, 4);      /* RGB + motion */
  /* neutral chroma: the same gray in the three channels, luma 60 taken
   * from limited to full range */
  fail_unless (all_near (meta->features, 3 * 24 * 16, 1.164f * (60 - 16) /
          255.0f, 1e-3f), "feature %f", meta->features[0]);
  gst_buffer_unref (out);
  g_free (props);

  /* a model path that does not exist: the properties apply */
  out = extract_one ("width=32 height=16 model=/nonexistent/x.model",
      "GRAY8", 0, 0, 0, 60);
  meta = gst_buffer_get_anomaly_meta (out);
  fail_unless_equals_int (meta->width, 32);
  fail_unless_equals_int (meta->height, 16);
  /* color by default, but a gray camera gives gray features */
  fail_unless_equals_int (meta->n_features, 1);
  gst_buffer_unref (out);
  out = extract_one ("width=32 height=16", "RGBx", 60, 60, 60, 0);
  meta = gst_buffer_get_anomaly_meta (out);
  fail_unless_equals_int (meta->n_features, 3);      /* the same from RGB */
  gst_buffer_unref (out);

  /* an RGB model fed GRAY8 gets its three channels: the luma in each */
  props = g_strdup_printf ("color=false model=%s", path);
  out = extract_one (props, "GRAY8", 0, 0, 0, 51);
  meta = gst_buffer_get_anomaly_meta (out);
  fail_unless_equals_int (meta->n_features, 4);      /* RGB + motion */
  fail_unless (all_near (meta->features, 3 * 24 * 16, 0.2f, 1e-3f),
      "feature %f", meta->features[0]);
  gst_buffer_unref (out);
  g_free (props);

  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("anomalyextract", NULL);
  GObjectClass *klass;
  GParamSpecInt *pi;
  GParamSpec *ps;
  gint w;
  gchar *model;

  fail_unless (e != NULL);
  klass = G_OBJECT_GET_CLASS (e);
  pi = G_PARAM_SPEC_INT (g_object_class_find_property (klass, "width"));
  fail_unless_equals_int (pi->minimum, 16);
  fail_unless_equals_int (pi->maximum, 1024);
  fail_unless_equals_int (pi->default_value, 160);
  pi = G_PARAM_SPEC_INT (g_object_class_find_property (klass, "height"));
  fail_unless_equals_int (pi->minimum, 16);
  fail_unless_equals_int (pi->maximum, 1024);
  fail_unless_equals_int (pi->default_value, 120);
  ps = g_object_class_find_property (klass, "color");
  fail_unless (G_PARAM_SPEC_BOOLEAN (ps)->default_value);
  ps = g_object_class_find_property (klass, "motion-inputs");
  fail_unless (!G_PARAM_SPEC_BOOLEAN (ps)->default_value);
  ps = g_object_class_find_property (klass, "model");
  fail_unless (G_PARAM_SPEC_STRING (ps)->default_value == NULL);
  fail_unless (strlen (g_param_spec_get_blurb (ps)) > 10);

  g_object_get (e, "width", &w, "model", &model, NULL);
  fail_unless_equals_int (w, 160);
  fail_unless (model == NULL);
  /* not a multiple of 8: rounded down */
  g_object_set (e, "width", 37, "height", 63, NULL);
  g_object_get (e, "width", &w, NULL);
  fail_unless_equals_int (w, 32);
  g_object_get (e, "height", &w, NULL);
  fail_unless_equals_int (w, 56);
  g_object_set (e, "model", "a.model", NULL);
  g_object_get (e, "model", &model, NULL);
  fail_unless_equals_string (model, "a.model");
  g_free (model);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
anomalyextract_suite (void)
{
  Suite *s = suite_create ("anomalyextract");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_formats_passthrough);
  tcase_add_test (tc, test_shared_input);
  tcase_add_test (tc, test_color_values);
  tcase_add_test (tc, test_color_yuv);
  tcase_add_test (tc, test_motion_and_resets);
  tcase_add_test (tc, test_model_overrides);
  tcase_add_test (tc, test_lost_frames);
  tcase_add_test (tc, test_properties);
  return s;
}

GST_CHECK_MAIN (anomalyextract);
