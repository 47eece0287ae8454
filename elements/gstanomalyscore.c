/* GStreamer anomaly detection plugin
 * gstanomalyscore.c - turns features and reconstruction into calibrated
 * scores, maps, regions and anomaly events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-anomalyscore
 * @title: anomalyscore
 *
 * Scores every frame that carries a #GstAnomalyMeta with features (from
 * anomalyextract) and a reconstruction (from anomalyrecon).  It fills the
 * meta's score, raw score, threshold, per-pixel map and anomalous regions,
 * decides whether the frame is anomalous and raises events.  Frames without
 * a meta or without a reconstruction (while the model is still learning)
 * pass through untouched and are never anomalous.
 *
 * The frame score is the core scorer's normalised score (1.0 = the
 * calibrated threshold) multiplied by #GstAnomalyScore:sensitivity.  The
 * decision uses an exponential moving average of it
 * (#GstAnomalyScore:smoothing): an event starts once the smoothed score has
 * been at or above #GstAnomalyScore:threshold for
 * #GstAnomalyScore:min-frames consecutive frames, and ends when it drops
 * below threshold x #GstAnomalyScore:hysteresis.  Regions are the
 * 8-connected components of map x sensitivity >= threshold at model
 * resolution whose area is at least #GstAnomalyScore:min-region of the
 * frame; at most 16, largest first, in fractional coordinates.
 *
 * ## Element messages
 *
 * When #GstAnomalyScore:post-messages is TRUE, one "anomaly" element message
 * per scored frame:
 *
 * * "timestamp" (guint64): buffer timestamp (PTS) in ns
 * * "stream-time" (guint64): stream time of the buffer
 * * "running-time" (guint64): running time of the buffer
 * * "duration" (guint64): buffer duration
 * * "frame" (guint64): frame counter from the meta
 * * "score" (gfloat): normalised score x sensitivity (1.0 = calibrated
 *   threshold)
 * * "raw-score" (gfloat): fused raw score before normalisation
 * * "threshold" (gfloat): the threshold in force
 * * "anomalous" (gboolean): the smoothed, hysteresis-filtered decision
 * * "n-regions" (guint): anomalous regions in this frame
 * * "learned", "motion", "pattern", "still", "wander", "feature" (gfloat):
 *   each part's term in "score" (why a frame scores high: the prediction
 *   error, plain motion, novel motion patterns, a stationary change such
 *   as a left object, wandering, something unlike what the training
 *   footage showed in that place), with this frame's learned, motion and
 *   feature values where "score" takes their median over a few frames;
 *   they add up to about "score"
 *
 * Always (whatever post-messages says), at the start of an event an
 * "anomaly-start" message:
 *
 * * "timestamp" (guint64): PTS of the frame that started the event
 * * "frame" (guint64): its frame counter
 * * "score" (gfloat): its score
 * * "stream-id" (gchararray): #GstAnomalyScore:stream-id, or the element
 *   name (inside anomalydetect, the bin's name)
 *
 * and at its end (or at EOS, or on a flush, while an event is open) an
 * "anomaly-end" message:
 *
 * * "timestamp" (guint64): PTS of the frame that ended the event
 * * "frame" (guint64): its frame counter
 * * "duration" (guint64): event duration in ns
 * * "peak" (gfloat): highest frame score ("score" of the "anomaly"
 *   messages: unsmoothed, with sensitivity) over the event's frames
 * * "n-frames" (guint64): frames of the event
 * * "stream-id" (gchararray): the stream id
 * * "regions" (GstValueArray of GstStructure "region"): the regions of the
 *   peak frame, each with "x", "y", "w", "h" (fractions of the frame) and
 *   "peak" (gfloat)
 *
 * ## JSON-lines log
 *
 * With #GstAnomalyScore:log set, one JSON object per scored frame
 * `{"frame":N,"pts":ns|null,"score":f,"raw":f,"anomalous":b,
 * "threshold":f,"parts":{"learned","motion","pattern","still","wander",
 * "feature"},
 * "regions":[{"x","y","w","h","peak"}],"stream":id}` ("parts" as in the
 * "anomaly" message) and one
 * per event `{"event":"anomaly-start"|"anomaly-end","frame":N,"pts":ns|null,
 * "peak":f,"duration":ns,"regions":[...],"stream":id}`, one per line.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=test.avi ! decodebin ! videoconvert ! \
 *   anomalyextract model=scene.model ! anomalyrecon model=scene.model ! \
 *   anomalyscore log=scores.jsonl threshold=1.2 ! fakesink
 * ]| Score a recording against a trained model and log every frame.
 * |[
 * gst-launch-1.0 -m v4l2src ! videoconvert ! anomalyextract model=cam.model ! \
 *   anomalyrecon model=cam.model ! anomalyscore post-messages=false ! \
 *   fakesink
 * ]| Print only the anomaly-start and anomaly-end messages of a camera.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>
#include <json-glib/json-glib.h>

#include "gstanomalyelements.h"
#include "gstanomalymeta.h"
#include "gstanomalymodel.h"

#define GST_CAT_DEFAULT gst_anomaly_debug

#define GST_TYPE_ANOMALY_SCORE (gst_anomaly_score_get_type ())
G_DECLARE_FINAL_TYPE (GstAnomalyScore, gst_anomaly_score, GST,
    ANOMALY_SCORE, GstBaseTransform);

enum
{
  PROP_0,
  PROP_THRESHOLD,
  PROP_SENSITIVITY,
  PROP_SMOOTHING,
  PROP_HYSTERESIS,
  PROP_MIN_FRAMES,
  PROP_MIN_REGION,
  PROP_POST_MESSAGES,
  PROP_LOG,
  PROP_STREAM_ID,
  PROP_STATIC_ABSORB,
  PROP_IGNORE_REGIONS
};

#define DEFAULT_THRESHOLD 1.0f
#define DEFAULT_SENSITIVITY 1.0f
#define DEFAULT_SMOOTHING 0.5f
#define DEFAULT_HYSTERESIS 0.8f
#define DEFAULT_MIN_FRAMES 3
#define DEFAULT_MIN_REGION 0.0005f
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_STATIC_ABSORB -1

#define MAX_REGIONS 16

struct _GstAnomalyScore
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  gfloat threshold;
  gfloat sensitivity;
  gfloat smoothing;
  gfloat hysteresis;
  guint min_frames;
  gfloat min_region;
  gboolean post_messages;
  gchar *log_path;
  gchar *stream_id;
  gint static_absorb;           /* -1: the model's */
  gchar *ignore;                /* NULL: the model's regions */

  /* streaming state */
  gboolean have_ignore;         /* ignore parsed at start() into: */
  gfloat ignore_rects[4 * AD_REGIONS_MAX];
  gint n_ignore;
  GstAnomalyModel *model;
  ad_scorer *scorer;
  gint pending;                 /* a DISCONT came: PENDING_GAP or
                                 * PENDING_RESET before the next scored
                                 * frame */
  GstClockTime seen_pts;        /* of the latest buffer, scored or not */
  GstClockTime caps_dur;        /* frame duration from the caps, or NONE */
  gint absorb_applied;          /* static_absorb the scorer has (-1: none) */
  gint *labels;                 /* [H*W] component labels */
  gint *stack;                  /* [H*W] flood-fill stack */
  gint n_alloc;
  FILE *log;
  JsonGenerator *gen;

  gboolean have_ema;
  gfloat ema;
  guint above;
  gboolean in_event;
  GstClockTime ev_start_pts;
  guint64 ev_frames;
  gfloat ev_peak;
  GArray *ev_regions;           /* regions of the peak frame */
  GstClockTime last_pts, last_dur;
  guint64 last_frame;
};

G_DEFINE_TYPE (GstAnomalyScore, gst_anomaly_score, GST_TYPE_BASE_TRANSFORM);

/* What a DISCONT asks of the scorer (note_discont); the larger wins. */
enum
{
  PENDING_NONE,
  PENDING_GAP,
  PENDING_RESET
};
/* Longest run of lost frames after which the evidence built up stays */
#define GAP_MAX_FRAMES 50
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (anomalyscore, "anomalyscore",
    GST_RANK_NONE, GST_TYPE_ANOMALY_SCORE, anomaly_element_init (plugin));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

static void gst_anomaly_score_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_anomaly_score_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_anomaly_score_finalize (GObject * object);
static gboolean gst_anomaly_score_start (GstBaseTransform * trans);
static gboolean gst_anomaly_score_stop (GstBaseTransform * trans);
static gboolean gst_anomaly_score_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps);
static gboolean gst_anomaly_score_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static GstFlowReturn gst_anomaly_score_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);

static void
gst_anomaly_score_class_init (GstAnomalyScoreClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_anomaly_score_set_property;
  gobject_class->get_property = gst_anomaly_score_get_property;
  gobject_class->finalize = gst_anomaly_score_finalize;

  /**
   * GstAnomalyScore:threshold
   *
   * Decision threshold on the (smoothed) normalised score; 1.0 is the
   * threshold found at calibration.  Also the per-pixel threshold of the
   * regions.
   */
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_float ("threshold", "Threshold",
          "Score at or above which a frame counts as anomalous "
          "(1.0 = calibrated threshold)", 0.01f, 100.0f, DEFAULT_THRESHOLD,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:sensitivity
   *
   * Factor applied to the normalised score and map before any decision:
   * above 1 more detections, below 1 fewer.
   */
  g_object_class_install_property (gobject_class, PROP_SENSITIVITY,
      g_param_spec_float ("sensitivity", "Sensitivity",
          "Multiplies the normalised score and map before the decision",
          0.1f, 10.0f, DEFAULT_SENSITIVITY,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:smoothing
   *
   * Exponential moving average factor: smoothed = smoothing x previous +
   * (1 - smoothing) x score.  0 disables smoothing.
   */
  g_object_class_install_property (gobject_class, PROP_SMOOTHING,
      g_param_spec_float ("smoothing", "Smoothing",
          "Weight of the previous smoothed score in the moving average "
          "(0 = no smoothing)", 0.0f, 0.99f, DEFAULT_SMOOTHING,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:hysteresis
   *
   * An event ends when the smoothed score drops below threshold x
   * hysteresis.
   */
  g_object_class_install_property (gobject_class, PROP_HYSTERESIS,
      g_param_spec_float ("hysteresis", "Hysteresis",
          "An event ends when the smoothed score drops below threshold "
          "times this factor", 0.0f, 1.0f, DEFAULT_HYSTERESIS,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:min-frames
   *
   * Consecutive frames with the smoothed score at or above the threshold
   * needed to start an event.
   */
  g_object_class_install_property (gobject_class, PROP_MIN_FRAMES,
      g_param_spec_uint ("min-frames", "Minimum frames",
          "Consecutive frames above the threshold needed to start an event",
          1, 10000, DEFAULT_MIN_FRAMES,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:min-region
   *
   * Smallest region reported, as a fraction of the frame area.
   */
  g_object_class_install_property (gobject_class, PROP_MIN_REGION,
      g_param_spec_float ("min-region", "Minimum region",
          "Smallest anomalous region reported, as a fraction of the frame "
          "area", 0.0f, 1.0f, DEFAULT_MIN_REGION,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:post-messages
   *
   * Post an "anomaly" element message for every scored frame.  Event
   * messages are posted regardless.
   */
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an \"anomaly\" element message for every scored frame",
          DEFAULT_POST_MESSAGES,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:log
   *
   * Path of a JSON-lines log of every scored frame and every event;
   * created (truncated) when the element starts.
   */
  g_object_class_install_property (gobject_class, PROP_LOG,
      g_param_spec_string ("log", "Log file",
          "Path of a JSON-lines log of scores and events (NULL = no log)",
          NULL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:stream-id
   *
   * Name of the stream in events and in the log; NULL uses the element
   * name, or inside anomalydetect the name of the bin.
   */
  g_object_class_install_property (gobject_class, PROP_STREAM_ID,
      g_param_spec_string ("stream-id", "Stream id",
          "Name of the stream in events and log lines (NULL = element name; "
          "inside anomalydetect, the bin's name)",
          NULL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyScore:static-absorb
   *
   * Frames a pixel must stay different from the learned background while
   * lying still before it joins this stream's background, ending its
   * stationary change (a car parked for good stops being an anomaly).
   * -1 keeps the model's setting (`static_absorb` of its config), 0 never
   * absorbs.  A discontinuity restores the learned background.
   */
  g_object_class_install_property (gobject_class, PROP_STATIC_ABSORB,
      g_param_spec_int ("static-absorb", "Static absorb",
          "Frames a still change must last before it joins this stream's "
          "background, ending its stationary change (-1 = the model's "
          "setting, 0 = never)", -1, 10000000, DEFAULT_STATIC_ABSORB,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));

  /**
   * GstAnomalyScore:ignore-regions
   *
   * Regions of the picture this stream leaves out of the frame score, the
   * events and the heatmap, replacing those the model was trained with:
   * "x,y,w,h;x,y,w,h" as fractions of the picture (an on-screen clock at
   * the top left: "0,0,0.25,0.08").  NULL keeps the model's (set with
   * anomalyrecon's ignore-regions when training, which also calibrates
   * without them), "" leaves nothing out.  The threshold stays the
   * model's, so leaving a region out only now can lower scores, never
   * raise them.
   */
  g_object_class_install_property (gobject_class, PROP_IGNORE_REGIONS,
      g_param_spec_string ("ignore-regions", "Ignore regions",
          GST_ANOMALY_IGNORE_REGIONS_BLURB, NULL,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Anomaly scorer", "Filter/Analyzer/Video",
      "Scores frames and pixels from features and reconstruction, finds "
      "anomalous regions and raises anomaly events", "gst-anomaly developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_anomaly_score_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_anomaly_score_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_anomaly_score_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_anomaly_score_sink_event);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_anomaly_score_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
}

static void
gst_anomaly_score_init (GstAnomalyScore * self)
{
  self->threshold = DEFAULT_THRESHOLD;
  self->sensitivity = DEFAULT_SENSITIVITY;
  self->smoothing = DEFAULT_SMOOTHING;
  self->hysteresis = DEFAULT_HYSTERESIS;
  self->min_frames = DEFAULT_MIN_FRAMES;
  self->min_region = DEFAULT_MIN_REGION;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->static_absorb = DEFAULT_STATIC_ABSORB;
  self->absorb_applied = -1;
  self->ev_regions = g_array_new (FALSE, FALSE, sizeof (GstAnomalyRegion));
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_anomaly_score_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      self->threshold = g_value_get_float (value);
      break;
    case PROP_SENSITIVITY:
      self->sensitivity = g_value_get_float (value);
      break;
    case PROP_SMOOTHING:
      self->smoothing = g_value_get_float (value);
      break;
    case PROP_HYSTERESIS:
      self->hysteresis = g_value_get_float (value);
      break;
    case PROP_MIN_FRAMES:
      self->min_frames = g_value_get_uint (value);
      break;
    case PROP_MIN_REGION:
      self->min_region = g_value_get_float (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_LOG:
      g_free (self->log_path);
      self->log_path = g_value_dup_string (value);
      break;
    case PROP_STREAM_ID:
      g_free (self->stream_id);
      self->stream_id = g_value_dup_string (value);
      break;
    case PROP_IGNORE_REGIONS:
      g_free (self->ignore);
      self->ignore = g_value_dup_string (value);
      break;
    case PROP_STATIC_ABSORB:
      self->static_absorb = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_anomaly_score_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_THRESHOLD:
      g_value_set_float (value, self->threshold);
      break;
    case PROP_SENSITIVITY:
      g_value_set_float (value, self->sensitivity);
      break;
    case PROP_SMOOTHING:
      g_value_set_float (value, self->smoothing);
      break;
    case PROP_HYSTERESIS:
      g_value_set_float (value, self->hysteresis);
      break;
    case PROP_MIN_FRAMES:
      g_value_set_uint (value, self->min_frames);
      break;
    case PROP_MIN_REGION:
      g_value_set_float (value, self->min_region);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_LOG:
      g_value_set_string (value, self->log_path);
      break;
    case PROP_STREAM_ID:
      g_value_set_string (value, self->stream_id);
      break;
    case PROP_IGNORE_REGIONS:
      g_value_set_string (value, self->ignore);
      break;
    case PROP_STATIC_ABSORB:
      g_value_set_int (value, self->static_absorb);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_anomaly_score_finalize (GObject * object)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (object);

  g_free (self->log_path);
  g_free (self->stream_id);
  g_free (self->ignore);
  g_array_unref (self->ev_regions);

  G_OBJECT_CLASS (gst_anomaly_score_parent_class)->finalize (object);
}

/* ------------------------------------------------------------------------ */
/* State                                                                    */

static void
reset_decision (GstAnomalyScore * self)
{
  self->have_ema = FALSE;
  self->ema = 0.0f;
  self->above = 0;
  self->in_event = FALSE;
  self->ev_start_pts = GST_CLOCK_TIME_NONE;
  self->ev_frames = 0;
  self->ev_peak = 0.0f;
  g_array_set_size (self->ev_regions, 0);
}

static void
release_model (GstAnomalyScore * self)
{
  if (self->scorer)
    ad_scorer_free (self->scorer);
  self->scorer = NULL;
  self->pending = PENDING_NONE;
  self->absorb_applied = -1;
  if (self->model)
    gst_anomaly_model_unref (self->model);
  self->model = NULL;
}

/* The stream-id property; unset, the element's name, or inside an
 * anomalydetect (where the scorer is always called "score") the bin's. */
static gchar *
dup_stream_id (GstAnomalyScore * self)
{
  GstObject *parent;
  gchar *id;

  GST_OBJECT_LOCK (self);
  if (self->stream_id) {
    id = g_strdup (self->stream_id);
    GST_OBJECT_UNLOCK (self);
    return id;
  }
  GST_OBJECT_UNLOCK (self);

  parent = gst_object_get_parent (GST_OBJECT (self));
  if (parent && G_TYPE_CHECK_INSTANCE_TYPE (parent, GST_TYPE_ANOMALY_DETECT))
    id = gst_object_get_name (parent);
  else
    id = gst_object_get_name (GST_OBJECT (self));
  if (parent)
    gst_object_unref (parent);
  return id;
}

static gboolean
gst_anomaly_score_start (GstBaseTransform * trans)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (trans);
  gchar *path, *ignore;
  ad_error err = { {0} };

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->log_path);
  ignore = g_strdup (self->ignore);
  GST_OBJECT_UNLOCK (self);

  self->have_ignore = ignore != NULL;
  if (ignore && ad_regions_parse (ignore, self->ignore_rects, AD_REGIONS_MAX,
          &self->n_ignore, &err) != AD_OK) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid ignore-regions \"%s\": %s.", ignore, err.msg), (NULL));
    g_free (ignore);
    g_free (path);
    return FALSE;
  }
  g_free (ignore);

  reset_decision (self);
  self->last_pts = self->last_dur = GST_CLOCK_TIME_NONE;
  self->seen_pts = GST_CLOCK_TIME_NONE;
  self->caps_dur = GST_CLOCK_TIME_NONE;
  self->pending = PENDING_NONE;
  self->last_frame = 0;

  if (path && *path) {
    self->log = fopen (path, "w");
    if (!self->log) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Could not open the anomaly log \"%s\" for writing: %s.", path,
              g_strerror (errno)), ("fopen failed"));
      g_free (path);
      return FALSE;
    }
    self->gen = json_generator_new ();
  }
  g_free (path);
  return TRUE;
}

static gboolean
gst_anomaly_score_stop (GstBaseTransform * trans)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (trans);

  release_model (self);
  g_clear_pointer (&self->labels, g_free);
  g_clear_pointer (&self->stack, g_free);
  self->n_alloc = 0;
  if (self->log) {
    if (fclose (self->log) != 0)
      GST_WARNING_OBJECT (self, "closing the log failed: %s",
          g_strerror (errno));
    self->log = NULL;
  }
  g_clear_object (&self->gen);
  reset_decision (self);
  return TRUE;
}

static gboolean
gst_anomaly_score_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (trans);
  gint fn, fd;

  GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT ": reset", incaps);
  if (self->scorer)
    ad_scorer_reset (self->scorer);
  self->pending = PENDING_NONE;
  self->seen_pts = GST_CLOCK_TIME_NONE;
  self->caps_dur = anomaly_caps_framerate (incaps, &fn, &fd) ?
      gst_util_uint64_scale_int (GST_SECOND, fd, fn) : GST_CLOCK_TIME_NONE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Regions: 8-connected components of map x sens >= thr                     */

static gint
compare_area (gconstpointer a, gconstpointer b)
{
  const gint *x = a, *y = b;

  return (y[1] > x[1]) - (y[1] < x[1]);
}

static GArray *
find_regions (GstAnomalyScore * self, const gfloat * map, gint w, gint h,
    gfloat sens, gfloat thr, gfloat min_region)
{
  /* per component: label, area, x0, y0, x1, y1, peak (as bits) */
  enum
  { C_LABEL, C_AREA, C_X0, C_Y0, C_X1, C_Y1, C_N };
  GArray *out = g_array_new (FALSE, FALSE, sizeof (GstAnomalyRegion));
  GArray *comps = g_array_new (FALSE, FALSE, sizeof (gint) * C_N);
  GArray *peaks = g_array_new (FALSE, FALSE, sizeof (gfloat));
  gint n = w * h, n_comp = 0;
  gint min_area = MAX (1, (gint) (min_region * n + 0.999f));

  if (self->n_alloc < n) {
    g_free (self->labels);
    g_free (self->stack);
    self->labels = g_new (gint, n);
    self->stack = g_new (gint, n);
    self->n_alloc = n;
  }
  memset (self->labels, 0, sizeof (gint) * n);

  for (gint start = 0; start < n; start++) {
    gint c[C_N], sp = 0;
    gfloat peak = 0.0f;

    if (self->labels[start] || map[start] * sens < thr)
      continue;
    n_comp++;
    c[C_LABEL] = n_comp;
    c[C_AREA] = 0;
    c[C_X0] = c[C_X1] = start % w;
    c[C_Y0] = c[C_Y1] = start / w;
    self->labels[start] = n_comp;
    self->stack[sp++] = start;
    while (sp > 0) {
      gint p = self->stack[--sp], px = p % w, py = p / w;

      c[C_AREA]++;
      c[C_X0] = MIN (c[C_X0], px);
      c[C_X1] = MAX (c[C_X1], px);
      c[C_Y0] = MIN (c[C_Y0], py);
      c[C_Y1] = MAX (c[C_Y1], py);
      peak = MAX (peak, map[p] * sens);
      for (gint dy = -1; dy <= 1; dy++) {
        gint ny = py + dy;

        if (ny < 0 || ny >= h)
          continue;
        for (gint dx = -1; dx <= 1; dx++) {
          gint nx = px + dx, q = ny * w + nx;

          if (nx < 0 || nx >= w || self->labels[q] || map[q] * sens < thr)
            continue;
          self->labels[q] = n_comp;
          self->stack[sp++] = q;
        }
      }
    }
    if (c[C_AREA] >= min_area) {
      c[C_LABEL] = peaks->len;
      g_array_append_val (peaks, peak);
      g_array_append_vals (comps, c, 1);
    }
  }

  g_array_sort (comps, compare_area);
  for (guint i = 0; i < comps->len && i < MAX_REGIONS; i++) {
    const gint *c = (const gint *) (comps->data + i * sizeof (gint) * C_N);
    GstAnomalyRegion r;

    r.x = (gfloat) c[C_X0] / w;
    r.y = (gfloat) c[C_Y0] / h;
    r.w = (gfloat) (c[C_X1] - c[C_X0] + 1) / w;
    r.h = (gfloat) (c[C_Y1] - c[C_Y0] + 1) / h;
    r.peak = g_array_index (peaks, gfloat, c[C_LABEL]);
    g_array_append_val (out, r);
  }
  g_array_unref (comps);
  g_array_unref (peaks);
  return out;
}

/* ------------------------------------------------------------------------ */
/* Output: messages and log                                                 */

static void
add_json_time (JsonBuilder * b, const gchar * name, GstClockTime t)
{
  json_builder_set_member_name (b, name);
  if (GST_CLOCK_TIME_IS_VALID (t))
    json_builder_add_int_value (b, (gint64) t);
  else
    json_builder_add_null_value (b);
}

static void
add_json_regions (JsonBuilder * b, const GArray * regions)
{
  json_builder_set_member_name (b, "regions");
  json_builder_begin_array (b);
  for (guint i = 0; regions && i < regions->len; i++) {
    const GstAnomalyRegion *r = &g_array_index (regions, GstAnomalyRegion, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "x");
    json_builder_add_double_value (b, r->x);
    json_builder_set_member_name (b, "y");
    json_builder_add_double_value (b, r->y);
    json_builder_set_member_name (b, "w");
    json_builder_add_double_value (b, r->w);
    json_builder_set_member_name (b, "h");
    json_builder_add_double_value (b, r->h);
    json_builder_set_member_name (b, "peak");
    json_builder_add_double_value (b, r->peak);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

/* Ends the object opened by the caller, writes it as one line. */
static void
log_finish (GstAnomalyScore * self, JsonBuilder * b, const gchar * stream)
{
  JsonNode *root;
  gchar *line;

  json_builder_set_member_name (b, "stream");
  json_builder_add_string_value (b, stream);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (self->gen, root);
  line = json_generator_to_data (self->gen, NULL);
  if (fputs (line, self->log) < 0 || fputc ('\n', self->log) == EOF)
    GST_WARNING_OBJECT (self, "writing the log failed: %s", g_strerror (errno));
  g_free (line);
  json_node_unref (root);
  g_object_unref (b);
}

static GValue *
regions_to_value (const GArray * regions, GValue * arr)
{
  g_value_init (arr, GST_TYPE_ARRAY);
  for (guint i = 0; i < regions->len; i++) {
    const GstAnomalyRegion *r = &g_array_index (regions, GstAnomalyRegion, i);
    GValue v = G_VALUE_INIT;

    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, gst_structure_new ("region",
            "x", G_TYPE_FLOAT, r->x, "y", G_TYPE_FLOAT, r->y,
            "w", G_TYPE_FLOAT, r->w, "h", G_TYPE_FLOAT, r->h,
            "peak", G_TYPE_FLOAT, r->peak, NULL));
    gst_value_array_append_and_take_value (arr, &v);
  }
  return arr;
}

static void
emit_start (GstAnomalyScore * self, GstClockTime pts, guint64 frame,
    gfloat score)
{
  gchar *stream = dup_stream_id (self);
  GstStructure *s;

  GST_INFO_OBJECT (self, "anomaly-start at frame %" G_GUINT64_FORMAT
      ", score %.3f", frame, score);
  s = gst_structure_new ("anomaly-start",
      "timestamp", G_TYPE_UINT64, (guint64) pts,
      "frame", G_TYPE_UINT64, frame,
      "score", G_TYPE_FLOAT, score, "stream-id", G_TYPE_STRING, stream, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));

  if (self->log) {
    JsonBuilder *b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "event");
    json_builder_add_string_value (b, "anomaly-start");
    json_builder_set_member_name (b, "frame");
    json_builder_add_int_value (b, (gint64) frame);
    add_json_time (b, "pts", pts);
    json_builder_set_member_name (b, "peak");
    json_builder_add_double_value (b, score);
    json_builder_set_member_name (b, "duration");
    json_builder_add_int_value (b, 0);
    add_json_regions (b, self->ev_regions);
    log_finish (self, b, stream);
  }
  g_free (stream);
}

/* end_time: time the event ends (PTS of the ending frame, or end of the
 * last frame at EOS). */
static void
emit_end (GstAnomalyScore * self, GstClockTime end_time, guint64 frame)
{
  gchar *stream = dup_stream_id (self);
  guint64 duration = 0;
  GstStructure *s;
  GValue arr = G_VALUE_INIT;

  if (GST_CLOCK_TIME_IS_VALID (end_time) &&
      GST_CLOCK_TIME_IS_VALID (self->ev_start_pts) &&
      end_time > self->ev_start_pts)
    duration = end_time - self->ev_start_pts;

  GST_INFO_OBJECT (self, "anomaly-end at frame %" G_GUINT64_FORMAT
      ", %" G_GUINT64_FORMAT " frames, peak %.3f", frame, self->ev_frames,
      self->ev_peak);
  s = gst_structure_new ("anomaly-end",
      "timestamp", G_TYPE_UINT64, (guint64) end_time,
      "frame", G_TYPE_UINT64, frame,
      "duration", G_TYPE_UINT64, duration,
      "peak", G_TYPE_FLOAT, self->ev_peak,
      "n-frames", G_TYPE_UINT64, self->ev_frames,
      "stream-id", G_TYPE_STRING, stream, NULL);
  gst_structure_take_value (s, "regions",
      regions_to_value (self->ev_regions, &arr));
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));

  if (self->log) {
    JsonBuilder *b = json_builder_new ();

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "event");
    json_builder_add_string_value (b, "anomaly-end");
    json_builder_set_member_name (b, "frame");
    json_builder_add_int_value (b, (gint64) frame);
    add_json_time (b, "pts", end_time);
    json_builder_set_member_name (b, "peak");
    json_builder_add_double_value (b, self->ev_peak);
    json_builder_set_member_name (b, "duration");
    json_builder_add_int_value (b, (gint64) duration);
    add_json_regions (b, self->ev_regions);
    log_finish (self, b, stream);
  }
  g_free (stream);

  self->in_event = FALSE;
  self->above = 0;
  self->ev_frames = 0;
  self->ev_peak = 0.0f;
  g_array_set_size (self->ev_regions, 0);
}

static void
close_open_event (GstAnomalyScore * self)
{
  GstClockTime end = self->last_pts;

  if (!self->in_event)
    return;
  if (GST_CLOCK_TIME_IS_VALID (end) && GST_CLOCK_TIME_IS_VALID (self->last_dur))
    end += self->last_dur;
  emit_end (self, end, self->last_frame);
}

/* A colour model's stream turned gray (night infrared: its background is
 * learned again over the model's bg_relearn seconds) or came back to
 * colour: always posted, as events are; switched as ad_score.switched. */
static void
post_camera_mode (GstAnomalyScore * self, GstBuffer * buf, guint64 frame,
    gint switched)
{
  const ad_config *cfg = ad_model_config (gst_anomaly_model_get (self->model));
  gboolean gray = switched > 0;
  GstStructure *s;

  GST_INFO_OBJECT (self, "the stream turned %s at frame %" G_GUINT64_FORMAT
      "%s", gray ? "gray" : "colour", frame, gray && cfg->bg_relearn > 0.0f ?
      ": the background is learned again" : "");
  s = gst_structure_new ("anomaly-camera-mode",
      "timestamp", G_TYPE_UINT64, (guint64) GST_BUFFER_PTS (buf),
      "frame", G_TYPE_UINT64, frame,
      "mode", G_TYPE_STRING, gray ? "gray" : "colour",
      "relearn-seconds", G_TYPE_FLOAT, gray ? cfg->bg_relearn : 0.0f, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
post_frame (GstAnomalyScore * self, GstBuffer * buf, GstAnomalyMeta * meta)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstStructure *s;

  s = gst_structure_new ("anomaly",
      "timestamp", G_TYPE_UINT64, (guint64) pts,
      "stream-time", G_TYPE_UINT64, (guint64) gst_segment_to_stream_time (seg,
          GST_FORMAT_TIME, pts),
      "running-time", G_TYPE_UINT64,
      (guint64) gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts),
      "duration", G_TYPE_UINT64, (guint64) GST_BUFFER_DURATION (buf),
      "frame", G_TYPE_UINT64, meta->frame,
      "score", G_TYPE_FLOAT, meta->score,
      "raw-score", G_TYPE_FLOAT, meta->raw_score,
      "threshold", G_TYPE_FLOAT, meta->threshold,
      "anomalous", G_TYPE_BOOLEAN, meta->anomalous,
      "n-regions", G_TYPE_UINT, meta->regions ? meta->regions->len : 0, NULL);
  for (int i = 0; i < AD_SCORE_PARTS; i++)
    gst_structure_set (s, ad_score_part_names[i], G_TYPE_FLOAT,
        meta->parts[i], NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
log_frame (GstAnomalyScore * self, GstBuffer * buf, GstAnomalyMeta * meta)
{
  JsonBuilder *b = json_builder_new ();
  gchar *stream = dup_stream_id (self);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "frame");
  json_builder_add_int_value (b, (gint64) meta->frame);
  add_json_time (b, "pts", GST_BUFFER_PTS (buf));
  json_builder_set_member_name (b, "score");
  json_builder_add_double_value (b, meta->score);
  json_builder_set_member_name (b, "raw");
  json_builder_add_double_value (b, meta->raw_score);
  json_builder_set_member_name (b, "anomalous");
  json_builder_add_boolean_value (b, meta->anomalous);
  json_builder_set_member_name (b, "threshold");
  json_builder_add_double_value (b, meta->threshold);
  anomaly_json_add_parts (b, meta->parts);
  add_json_regions (b, meta->regions);
  log_finish (self, b, stream);
  g_free (stream);
}

/* ------------------------------------------------------------------------ */
/* Processing                                                               */

static gboolean
gst_anomaly_score_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      close_open_event (self);
      reset_decision (self);
      if (self->scorer)
        ad_scorer_reset (self->scorer);
      self->pending = PENDING_NONE;
      self->seen_pts = GST_CLOCK_TIME_NONE;
      break;
    case GST_EVENT_EOS:
      close_open_event (self);
      if (self->log && fflush (self->log) != 0)
        GST_WARNING_OBJECT (self, "flushing the log failed: %s",
            g_strerror (errno));
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_anomaly_score_parent_class)->sink_event
      (trans, event);
}

/* Makes sure the scorer belongs to the meta's model (the current one
 * when the meta has none: a frame without an estimate after lost
 * frames). */
static gboolean
ensure_scorer (GstAnomalyScore * self, GstAnomalyMeta * meta)
{
  GstAnomalyModel *model = meta->model ? meta->model : self->model;
  const ad_config *cfg;
  ad_error err = { {0} };
  ad_status st;

  if (model != self->model) {
    release_model (self);
    self->model = gst_anomaly_model_ref (model);
    st = ad_scorer_new (gst_anomaly_model_get (model), &self->scorer, &err);
    if (st != AD_OK) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("Could not create the anomaly scorer: %s.", err.msg),
          ("ad_scorer_new: %s", ad_status_name (st)));
      release_model (self);
      return FALSE;
    }
    if (self->have_ignore && ad_scorer_set_ignore (self->scorer,
            self->ignore_rects, self->n_ignore, &err) != AD_OK) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          ("Could not set ignore-regions: %s.", err.msg), (NULL));
      release_model (self);
      return FALSE;
    }
    GST_DEBUG_OBJECT (self, "new scorer for model %p", model);
  }
  cfg = ad_model_config (gst_anomaly_model_get (model));
  if (meta->width != cfg->width || meta->height != cfg->height ||
      meta->n_features != ad_config_in_channels (cfg) ||
      (meta->recon && meta->n_recon !=
          ad_model_recon_channels (gst_anomaly_model_get (model)))) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The anomaly meta does not match the model: %dx%d with %d feature "
            "and %d reconstruction channels, the model expects %dx%d with "
            "%d and %d.", meta->width, meta->height, meta->n_features,
            meta->n_recon, cfg->width, cfg->height,
            ad_config_in_channels (cfg),
            ad_model_recon_channels (gst_anomaly_model_get (model))), (NULL));
    return FALSE;
  }
  return TRUE;
}

/* buf's duration, or the caps' frame duration, or (caps without a rate,
 * as MJPEG over HTTP and many RTSP cameras give) the frame duration of the
 * footage the model learned from; NONE when none is known. */
static GstClockTime
frame_duration (GstAnomalyScore * self, GstBuffer * buf)
{
  gfloat fps;

  if (GST_CLOCK_TIME_IS_VALID (GST_BUFFER_DURATION (buf)))
    return GST_BUFFER_DURATION (buf);
  if (GST_CLOCK_TIME_IS_VALID (self->caps_dur) || !self->model)
    return self->caps_dur;
  fps = ad_model_config (gst_anomaly_model_get (self->model))->train_fps;
  return fps > 0.0f ? (GstClockTime) (GST_SECOND / fps) : GST_CLOCK_TIME_NONE;
}

/* A DISCONT on buf: frames lost in a live stream (its timestamp more than
 * GST_ANOMALY_GAP_FRAMES and at most GAP_MAX_FRAMES frame durations after
 * the previous buffer's) only restart the motion, or let it go on across
 * a single lost frame (ad_scorer_gap: what built up over time, a left
 * object's stationary change, stays); anything else (a new clip that
 * follows on in time, a jump back, a long outage, no timestamps)
 * restarts the scorer. */
static void
note_discont (GstAnomalyScore * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), seen = self->seen_pts;
  GstClockTime dur = frame_duration (self, buf);
  gint kind = PENDING_RESET;

  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (seen) &&
      GST_CLOCK_TIME_IS_VALID (dur) && dur > 0 && pts > seen &&
      (gdouble) (pts - seen) > GST_ANOMALY_GAP_FRAMES * (gdouble) dur &&
      pts - seen <= GAP_MAX_FRAMES * dur)
    kind = PENDING_GAP;
  GST_DEBUG_OBJECT (self, "DISCONT at %" GST_TIME_FORMAT " after %"
      GST_TIME_FORMAT ": %s", GST_TIME_ARGS (pts), GST_TIME_ARGS (seen),
      kind == PENDING_GAP ? "frames lost" : "reset");
  self->pending = MAX (self->pending, kind);
}

/* Frames lost between the latest scored buffer and buf, from their
 * timestamps and the frame duration (0 when they cannot tell). */
static gint
lost_frames (GstAnomalyScore * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), last = self->last_pts;
  GstClockTime dur = frame_duration (self, buf);

  if (!GST_CLOCK_TIME_IS_VALID (pts) || !GST_CLOCK_TIME_IS_VALID (last) ||
      !GST_CLOCK_TIME_IS_VALID (dur) || dur == 0 || pts <= last ||
      pts - last > GAP_MAX_FRAMES * dur)
    return 0;
  return MAX ((gint) ((gdouble) (pts - last) / (gdouble) dur + 0.5) - 1, 0);
}

static GstFlowReturn
gst_anomaly_score_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstAnomalyScore *self = GST_ANOMALY_SCORE (trans);
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (buf);
  gfloat thr, sens, smooth, hyst, min_region, s;
  guint min_frames;
  gint absorb;
  gboolean post, started = FALSE;
  ad_error err = { {0} };
  ad_score sc;
  ad_status st;
  gfloat *map;
  GArray *regions;

  /* remembered: the DISCONT buffer itself usually carries no prediction
   * (anomalyrecon restarts too), and the scorer must not read the next
   * frame's motion against the frame before the gap */
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
    note_discont (self, buf);
  self->seen_pts = GST_BUFFER_PTS (buf);
  /* a frame without an estimate is scored only right after lost frames
   * (anomalyrecon restarts its prediction there): the scorer still has
   * the evidence built up before them (the stationary change, the motion
   * parts' running means) and scores without the learned part; a
   * stream's first frame, or a new clip's, has nothing yet */
  if (!meta || !meta->features || (!(meta->recon && meta->model) &&
          !(self->scorer && self->pending == PENDING_GAP))) {
    GST_LOG_OBJECT (self, "no features or reconstruction: passthrough");
    return GST_FLOW_OK;
  }
  if (!ensure_scorer (self, meta))
    return GST_FLOW_ERROR;

  GST_OBJECT_LOCK (self);
  thr = self->threshold;
  sens = self->sensitivity;
  smooth = self->smoothing;
  hyst = self->hysteresis;
  min_frames = self->min_frames;
  min_region = self->min_region;
  post = self->post_messages;
  absorb = self->static_absorb;
  GST_OBJECT_UNLOCK (self);

  /* the stream's own static_absorb, set here in the streaming thread */
  if (absorb != self->absorb_applied) {
    gint frames = absorb >= 0 ? absorb :
        ad_model_config (gst_anomaly_model_get (self->model))->static_absorb;

    st = ad_scorer_set_static_absorb (self->scorer, frames, &err);
    if (st != AD_OK) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          ("Could not set static-absorb: %s.", err.msg),
          ("ad_scorer_set_static_absorb: %s", ad_status_name (st)));
      return GST_FLOW_ERROR;
    }
    self->absorb_applied = absorb;
  }

  if (self->pending == PENDING_GAP)
    ad_scorer_gap (self->scorer, lost_frames (self, buf));
  else if (self->pending == PENDING_RESET)
    ad_scorer_reset (self->scorer);
  self->pending = PENDING_NONE;

  map = g_new (gfloat, (gsize) meta->width * meta->height);
  st = ad_scorer_process (self->scorer, meta->features, meta->recon, map, &sc,
      &err);
  if (st != AD_OK) {
    g_free (map);
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Scoring the frame failed: %s.", err.msg),
        ("ad_scorer_process: %s", ad_status_name (st)));
    return GST_FLOW_ERROR;
  }

  if (sc.switched)
    post_camera_mode (self, buf, meta->frame, sc.switched);
  s = sc.score * sens;
  regions = find_regions (self, map, meta->width, meta->height, sens, thr,
      min_region);

  /* decision: EMA, min-frames, hysteresis */
  if (!self->have_ema) {
    self->ema = s;
    self->have_ema = TRUE;
  } else {
    self->ema = smooth * self->ema + (1.0f - smooth) * s;
  }
  if (self->in_event && self->ema < thr * hyst) {
    emit_end (self, GST_BUFFER_PTS (buf), meta->frame);
  } else if (!self->in_event) {
    self->above = self->ema >= thr ? self->above + 1 : 0;
    if (self->above >= min_frames) {
      self->in_event = TRUE;
      started = TRUE;
      self->ev_start_pts = GST_BUFFER_PTS (buf);
      self->ev_frames = 0;
      self->ev_peak = -G_MAXFLOAT;
    }
  }
  if (self->in_event) {
    self->ev_frames++;
    if (s > self->ev_peak) {
      self->ev_peak = s;
      g_array_set_size (self->ev_regions, 0);
      g_array_append_vals (self->ev_regions, regions->data, regions->len);
    }
  }

  meta->scored = TRUE;
  meta->score = s;
  meta->raw_score = sc.fused_raw;
  meta->threshold = thr;
  meta->anomalous = self->in_event;
  gst_anomaly_meta_take_map (meta, map);
  if (meta->regions)
    g_array_unref (meta->regions);
  meta->regions = regions;

  self->last_pts = GST_BUFFER_PTS (buf);
  self->last_dur = GST_BUFFER_DURATION (buf);
  self->last_frame = meta->frame;

  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": score %.3f smoothed "
      "%.3f raw %.4f regions %u%s", meta->frame, s, self->ema, sc.fused_raw,
      regions->len, meta->anomalous ? " ANOMALOUS" : "");

  for (int i = 0; i < AD_SCORE_PARTS; i++)
    meta->parts[i] = sc.part[i] * sens;
  if (post)
    post_frame (self, buf, meta);
  if (self->log)
    log_frame (self, buf, meta);
  if (started)
    emit_start (self, GST_BUFFER_PTS (buf), meta->frame, s);

  return GST_FLOW_OK;
}
