/* GStreamer anomaly detection plugin
 * gstanomalyextract.c - turns video frames into the model's feature frames.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-anomalyextract
 * @title: anomalyextract
 *
 * Computes the feature frame of every video frame and attaches it to the
 * buffer as a #GstAnomalyMeta: the frame is area-averaged down to
 * #GstAnomalyExtract:width x #GstAnomalyExtract:height, as gray (luma) or
 * RGB values in [0,1] (#GstAnomalyExtract:color), followed, with
 * #GstAnomalyExtract:motion-inputs, by a channel holding the absolute
 * difference to the previous frame.  The video itself passes through
 * unchanged.  GRAY8 gives luma alone, and one gray feature channel
 * unless a model file asks for RGB.  For I420 and NV12 a gray model
 * reads the luma plane; an RGB model also the chroma planes, converted to
 * RGB (BT.601).
 *
 * When #GstAnomalyExtract:model names an existing model file, the feature
 * settings are read from it and override the four properties above, so the
 * features always match the model that anomalyrecon will use.
 *
 * The meta's frame counter counts buffers from the start of the stream (or
 * the last flush).  The motion channel restarts (zero) after a caps change,
 * a flush or a DISCONT buffer.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc ! anomalyextract width=64 height=48 ! \
 *   fakesink
 * ]| Attach 64x48 RGB features to every frame.
 * |[
 * gst-launch-1.0 filesrc location=normal.avi ! decodebin ! videoconvert ! \
 *   anomalyextract model=scene.model ! anomalyrecon model=scene.model \
 *   mode=train train-seconds=300 ! fakesink
 * ]| Extract features as the model expects them and train it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

#include "gstanomalyelements.h"
#include "gstanomalymeta.h"
#include "ad.h"

#define GST_CAT_DEFAULT gst_anomaly_debug

#define GST_TYPE_ANOMALY_EXTRACT (gst_anomaly_extract_get_type ())
G_DECLARE_FINAL_TYPE (GstAnomalyExtract, gst_anomaly_extract, GST,
    ANOMALY_EXTRACT, GstVideoFilter);

enum
{
  PROP_0,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_COLOR,
  PROP_MOTION_INPUTS,
  PROP_MODEL,
  PROP_MAX_GAP
};

#define DEFAULT_WIDTH 160
#define DEFAULT_HEIGHT 120
#define MIN_SIZE 16
#define MAX_SIZE 1024
#define DEFAULT_COLOR TRUE
#define DEFAULT_MOTION_INPUTS FALSE
#define DEFAULT_MAX_GAP GST_ANOMALY_GAP_FRAMES
#define MAX_MAX_GAP 1000.0

/* Steps between timestamps the median needs before it stands for the
 * frame duration (max-gap without caps or buffer durations). */
#define PTS_STEPS_MIN 3

struct _GstAnomalyExtract
{
  GstVideoFilter parent;

  /* properties (GST_OBJECT_LOCK) */
  gint width, height;
  gboolean color, motion_inputs;
  gchar *model;
  gdouble max_gap;

  /* streaming state */
  ad_config cfg;                /* feature settings in force */
  gboolean want_color;          /* RGB features asked for (property or
                                 * model file) */
  gboolean color_fixed;         /* ... by a model file: even from gray */
  ad_extractor *extractor;
  ad_image layout;              /* data and row_stride set per frame */
  gint n_features;
  guint64 frame;
  GstClockTime frame_dur;       /* from the caps' frame rate, or NONE */
  AnomalySteps steps;           /* the previous buffer's timestamp and the
                                 * latest steps between them */
};

#define VIDEO_FORMATS "{ I420, NV12, GRAY8, RGB, BGR, RGBx, BGRx, xRGB, " \
  "xBGR, RGBA, BGRA, ARGB, ABGR }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

static void gst_anomaly_extract_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_anomaly_extract_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static void gst_anomaly_extract_finalize (GObject * object);
static gboolean gst_anomaly_extract_start (GstBaseTransform * trans);
static gboolean gst_anomaly_extract_stop (GstBaseTransform * trans);
static gboolean gst_anomaly_extract_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static GstFlowReturn gst_anomaly_extract_prepare_output_buffer (GstBaseTransform
    * trans, GstBuffer * input, GstBuffer ** outbuf);
static gboolean gst_anomaly_extract_set_info (GstVideoFilter * filter,
    GstCaps * incaps, GstVideoInfo * in_info, GstCaps * outcaps,
    GstVideoInfo * out_info);
static GstFlowReturn gst_anomaly_extract_transform_frame_ip (GstVideoFilter *
    filter, GstVideoFrame * frame);

G_DEFINE_TYPE (GstAnomalyExtract, gst_anomaly_extract, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (anomalyextract, "anomalyextract",
    GST_RANK_NONE, GST_TYPE_ANOMALY_EXTRACT, anomaly_element_init (plugin));

static void
gst_anomaly_extract_class_init (GstAnomalyExtractClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *vfilter_class = GST_VIDEO_FILTER_CLASS (klass);

  gobject_class->set_property = gst_anomaly_extract_set_property;
  gobject_class->get_property = gst_anomaly_extract_get_property;
  gobject_class->finalize = gst_anomaly_extract_finalize;

  /**
   * GstAnomalyExtract:width
   *
   * Width of the feature frames (model resolution), a multiple of 8; other
   * values are rounded down to one.  Overridden by #GstAnomalyExtract:model.
   */
  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_int ("width", "Width",
          "Feature width in pixels (model resolution, multiple of 8)",
          MIN_SIZE, MAX_SIZE, DEFAULT_WIDTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalyExtract:height
   *
   * Height of the feature frames, a multiple of 8 (rounded down).
   * Overridden by #GstAnomalyExtract:model.
   */
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_int ("height", "Height",
          "Feature height in pixels (model resolution, multiple of 8)",
          MIN_SIZE, MAX_SIZE, DEFAULT_HEIGHT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalyExtract:color
   *
   * TRUE: three RGB feature channels; FALSE: one gray (luma) channel.
   * Colour lets the heatmap tell a shadow from an object (the core's
   * map_shadow).  A gray camera (GRAY8 input) gets one gray channel
   * either way: three equal ones would add nothing.  Overridden by
   * #GstAnomalyExtract:model (an RGB model fed GRAY8 gets the luma in its
   * three channels).
   */
  g_object_class_install_property (gobject_class, PROP_COLOR,
      g_param_spec_boolean ("color", "Color",
          "RGB features (TRUE: the heatmap can tell shadows from objects; "
          "GRAY8 input gets gray ones all the same) or gray features "
          "(FALSE)", DEFAULT_COLOR,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalyExtract:motion-inputs
   *
   * Append a channel with the absolute difference to the previous frame.
   * Overridden by #GstAnomalyExtract:model.
   */
  g_object_class_install_property (gobject_class, PROP_MOTION_INPUTS,
      g_param_spec_boolean ("motion-inputs", "Motion inputs",
          "Append |frame - previous frame| as an extra feature channel",
          DEFAULT_MOTION_INPUTS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalyExtract:model
   *
   * Model file whose feature settings (width, height, color, motion-inputs)
   * override the properties, when the file exists.
   */
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model file to take the feature settings from (if it exists)",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstAnomalyExtract:max-gap
   *
   * A buffer whose timestamp comes more than this many frame durations
   * after the previous buffer's (frames lost on the network or dropped on
   * the way), or before it, is marked DISCONT: the motion channel here and
   * the temporal state of anomalyrecon and anomalyscore downstream restart,
   * instead of reading the jump as sudden fast motion everywhere.  The
   * frame duration comes from the caps' frame rate, or from the buffer's
   * duration with a variable rate (0/1), or else from the median of the
   * latest 8 steps between timestamps (after at least 3).  Raise it for
   * a source whose timestamps are arrival times that jitter; 0 turns the
   * check off.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_GAP,
      g_param_spec_double ("max-gap", "Max gap",
          "Frame durations between two buffers' timestamps beyond which "
          "frames were lost: the buffer is marked DISCONT, so motion and "
          "temporal state restart instead of reading the jump as fast "
          "motion (0 = never)", 0.0, MAX_MAX_GAP, DEFAULT_MAX_GAP,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Anomaly feature extractor", "Filter/Analyzer/Video",
      "Attaches downscaled gray or RGB feature frames for anomaly detection",
      "gst-anomaly developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_anomaly_extract_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_anomaly_extract_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_anomaly_extract_sink_event);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_anomaly_extract_prepare_output_buffer);
  vfilter_class->set_info = GST_DEBUG_FUNCPTR (gst_anomaly_extract_set_info);
  vfilter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_anomaly_extract_transform_frame_ip);
}

static void
gst_anomaly_extract_init (GstAnomalyExtract * self)
{
  self->width = DEFAULT_WIDTH;
  self->height = DEFAULT_HEIGHT;
  self->color = DEFAULT_COLOR;
  self->motion_inputs = DEFAULT_MOTION_INPUTS;
  self->model = NULL;
  self->max_gap = DEFAULT_MAX_GAP;
  self->frame_dur = GST_CLOCK_TIME_NONE;
  anomaly_steps_init (&self->steps);
  /* the video is never modified: only a meta is added */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_anomaly_extract_finalize (GObject * object)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (object);

  g_free (self->model);
  if (self->extractor)
    ad_extractor_free (self->extractor);
  G_OBJECT_CLASS (gst_anomaly_extract_parent_class)->finalize (object);
}

static void
gst_anomaly_extract_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      self->width = g_value_get_int (value) & ~7;
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_int (value) & ~7;
      break;
    case PROP_COLOR:
      self->color = g_value_get_boolean (value);
      break;
    case PROP_MOTION_INPUTS:
      self->motion_inputs = g_value_get_boolean (value);
      break;
    case PROP_MODEL:
      g_free (self->model);
      self->model = g_value_dup_string (value);
      break;
    case PROP_MAX_GAP:
      self->max_gap = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_anomaly_extract_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;
    case PROP_COLOR:
      g_value_set_boolean (value, self->color);
      break;
    case PROP_MOTION_INPUTS:
      g_value_set_boolean (value, self->motion_inputs);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_MAX_GAP:
      g_value_set_double (value, self->max_gap);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Fills self->cfg from the properties or the model file. */
static gboolean
gst_anomaly_extract_configure (GstAnomalyExtract * self)
{
  gchar *model;
  ad_config peek;
  ad_error err;

  ad_config_default (&self->cfg);
  GST_OBJECT_LOCK (self);
  self->cfg.width = self->width;
  self->cfg.height = self->height;
  self->cfg.color = self->color ? 1 : 0;
  self->cfg.motion_inputs = self->motion_inputs ? 1 : 0;
  model = g_strdup (self->model);
  GST_OBJECT_UNLOCK (self);
  self->color_fixed = FALSE;

  if (model && g_file_test (model, G_FILE_TEST_IS_REGULAR)) {
    memset (&err, 0, sizeof (err));
    if (ad_model_peek_config (model, &peek, &err) == AD_OK) {
      GST_INFO_OBJECT (self, "features from model '%s': %dx%d %s%s", model,
          peek.width, peek.height, peek.color ? "RGB" : "gray",
          peek.motion_inputs ? " + motion" : "");
      self->cfg.width = peek.width;
      self->cfg.height = peek.height;
      self->cfg.color = peek.color;
      self->cfg.motion_inputs = peek.motion_inputs;
      self->color_fixed = TRUE;
    } else {
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
          ("Cannot read the feature settings from model file '%s'; using "
              "the element's width, height, color and motion-inputs.", model),
          ("%s", err.msg));
    }
  }
  g_free (model);
  self->want_color = self->cfg.color != 0;
  return TRUE;
}

static gboolean
gst_anomaly_extract_start (GstBaseTransform * trans)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (trans);

  GST_DEBUG_OBJECT (self, "start");
  self->frame = 0;
  anomaly_steps_init (&self->steps);
  return gst_anomaly_extract_configure (self);
}

static gboolean
gst_anomaly_extract_stop (GstBaseTransform * trans)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (trans);

  GST_DEBUG_OBJECT (self, "stop");
  if (self->extractor) {
    ad_extractor_free (self->extractor);
    self->extractor = NULL;
  }
  return TRUE;
}

static gboolean
gst_anomaly_extract_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
    GST_OBJECT_LOCK (self);
    if (self->extractor)
      ad_extractor_reset (self->extractor);
    self->frame = 0;
    anomaly_steps_init (&self->steps);
    GST_OBJECT_UNLOCK (self);
  }
  return GST_BASE_TRANSFORM_CLASS (gst_anomaly_extract_parent_class)->sink_event
      (trans, event);
}

/* Passthrough: make the buffer (not its memory) writable for the meta.
 * The base class keeps its reference to input and drops it when the output
 * is another buffer, so a shared input is copied (the copy shares the
 * memory) instead of passed to gst_buffer_make_writable(), which would
 * drop that reference a second time. */
static GstFlowReturn
gst_anomaly_extract_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * input, GstBuffer ** outbuf)
{
  *outbuf = gst_buffer_is_writable (input) ? input : gst_buffer_copy (input);
  return *outbuf ? GST_FLOW_OK : GST_FLOW_ERROR;
}

static gboolean
gst_anomaly_extract_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (filter);
  ad_image *l = &self->layout;
  ad_error err;
  ad_status st;

  /* a gray camera (GRAY8) gives gray features unless a model file asks
   * for RGB: three equal channels would tell the model nothing more and
   * cost it speed and three times the training memory */
  self->cfg.color = self->want_color && (self->color_fixed ||
      !GST_VIDEO_INFO_IS_GRAY (in_info));
  memset (l, 0, sizeof (*l));
  l->width = GST_VIDEO_INFO_WIDTH (in_info);
  l->height = GST_VIDEO_INFO_HEIGHT (in_info);
  /* the pixel layout is chosen once here; the frame path has no switch */
  if (GST_VIDEO_INFO_IS_RGB (in_info)) {
    l->n_channels = 3;
    l->pixel_stride = GST_VIDEO_INFO_COMP_PSTRIDE (in_info, 0);
    for (int c = 0; c < 3; c++)
      l->ch_offset[c] = GST_VIDEO_INFO_COMP_POFFSET (in_info, c);
  } else {
    /* GRAY8, I420, NV12: the luma plane; I420 and NV12 also give an RGB
     * model their chroma (the pointers are set per frame) */
    l->n_channels = 1;
    l->pixel_stride = GST_VIDEO_INFO_COMP_PSTRIDE (in_info, 0);
    l->ch_offset[0] = GST_VIDEO_INFO_COMP_POFFSET (in_info, 0);
    if (GST_VIDEO_INFO_IS_YUV (in_info) && self->cfg.color) {
      l->chroma_width = GST_VIDEO_INFO_COMP_WIDTH (in_info, 1);
      l->chroma_height = GST_VIDEO_INFO_COMP_HEIGHT (in_info, 1);
      l->chroma_pixel_stride = GST_VIDEO_INFO_COMP_PSTRIDE (in_info, 1);
    }
  }

  if (self->extractor) {
    ad_extractor_free (self->extractor);
    self->extractor = NULL;
  }
  memset (&err, 0, sizeof (err));
  st = ad_extractor_new (&self->cfg, &self->extractor, &err);
  if (st != AD_OK)
    goto extractor_failed;
  self->n_features = ad_config_in_channels (&self->cfg);
  self->frame_dur = GST_VIDEO_INFO_FPS_N (in_info) > 0 ?
      gst_util_uint64_scale_int (GST_SECOND, GST_VIDEO_INFO_FPS_D (in_info),
      GST_VIDEO_INFO_FPS_N (in_info)) : GST_CLOCK_TIME_NONE;
  anomaly_steps_init (&self->steps);
  GST_DEBUG_OBJECT (self, "%s %dx%d -> features %dx%dx%d",
      gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info)), l->width,
      l->height, self->n_features, self->cfg.height, self->cfg.width);
  return TRUE;

  /* ERRORS */
extractor_failed:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid feature settings %dx%d: %s. Use a width and height of "
            "16..1024, multiples of 8.", self->cfg.width, self->cfg.height,
            err.msg), ("ad_extractor_new: %s", ad_status_name (st)));
    return FALSE;
  }
}

/* The frame duration: the caps', else buf's, else the median of the
 * latest steps between timestamps (NONE when none is known). */
static GstClockTime
frame_duration (GstAnomalyExtract * self, GstBuffer * buf)
{
  if (GST_CLOCK_TIME_IS_VALID (self->frame_dur))
    return self->frame_dur;
  if (GST_CLOCK_TIME_IS_VALID (GST_BUFFER_DURATION (buf)))
    return GST_BUFFER_DURATION (buf);
  return anomaly_steps_median (&self->steps, PTS_STEPS_MIN);
}

/* Records buf's timestamp as the latest; TRUE when it is more than
 * max-gap frame durations after the previous buffer's, or before it
 * (GST_OBJECT_LOCK held).  Every step forward joins the ring of steps,
 * so the median follows a camera that changes its rate. */
static gboolean
lost_frames (GstAnomalyExtract * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), last = self->steps.last;
  GstClockTime dur = frame_duration (self, buf);

  anomaly_steps_add (&self->steps, pts);
  if (!GST_CLOCK_TIME_IS_VALID (pts) || !GST_CLOCK_TIME_IS_VALID (last))
    return FALSE;
  if (self->max_gap <= 0.0 || !GST_CLOCK_TIME_IS_VALID (dur) || dur == 0)
    return FALSE;
  if (pts >= last && (gdouble) (pts - last) <= self->max_gap * (gdouble) dur)
    return FALSE;
  GST_DEBUG_OBJECT (self, "timestamp %" GST_TIME_FORMAT " after %"
      GST_TIME_FORMAT " (frame %" GST_TIME_FORMAT "): frames lost, DISCONT",
      GST_TIME_ARGS (pts), GST_TIME_ARGS (last), GST_TIME_ARGS (dur));
  return TRUE;
}

static GstFlowReturn
gst_anomaly_extract_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstAnomalyExtract *self = GST_ANOMALY_EXTRACT (filter);
  GstAnomalyMeta *meta;
  ad_image img;
  ad_error err;
  ad_status st;
  gfloat *feat;
  gsize count;

  if (G_UNLIKELY (self->extractor == NULL))
    goto not_negotiated;

  GST_OBJECT_LOCK (self);
  if (lost_frames (self, frame->buffer))
    GST_BUFFER_FLAG_SET (frame->buffer, GST_BUFFER_FLAG_DISCONT);
  if (GST_BUFFER_IS_DISCONT (frame->buffer) && self->frame > 0) {
    GST_DEBUG_OBJECT (self, "discont: motion state reset");
    ad_extractor_reset (self->extractor);
  }
  GST_OBJECT_UNLOCK (self);

  img = self->layout;
  img.data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  img.row_stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  if (img.chroma_width > 0) {
    /* U and V: their own planes (I420) or one shared plane (NV12) */
    img.u = GST_VIDEO_FRAME_COMP_DATA (frame, 1);
    img.v = GST_VIDEO_FRAME_COMP_DATA (frame, 2);
    img.chroma_row_stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 1);
  }

  count = (gsize) self->n_features * self->cfg.width * self->cfg.height;
  feat = g_new (gfloat, count);
  memset (&err, 0, sizeof (err));
  st = ad_extractor_process (self->extractor, &img, feat, &err);
  if (st != AD_OK) {
    g_free (feat);
    goto process_failed;
  }

  meta = gst_buffer_get_anomaly_meta (frame->buffer);
  if (meta == NULL)
    meta = gst_buffer_add_anomaly_meta (frame->buffer, self->cfg.width,
        self->cfg.height);
  meta->width = self->cfg.width;
  meta->height = self->cfg.height;
  meta->frame = self->frame++;
  gst_anomaly_meta_take_features (meta, self->n_features, feat);
  return GST_FLOW_OK;

  /* ERRORS */
not_negotiated:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("no caps negotiated before the first buffer"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
process_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Feature extraction failed: %s", err.msg),
        ("ad_extractor_process: %s", ad_status_name (st)));
    return GST_FLOW_ERROR;
  }
}
