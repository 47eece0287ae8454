/* GStreamer anomaly detection plugin
 * gstanomalyrecon.c - runs the model: reconstruction/prediction of every
 * frame in detect mode, training in train mode, learning on the fly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-anomalyrecon
 * @title: anomalyrecon
 *
 * Reads the features that anomalyextract attached to each buffer
 * (#GstAnomalyMeta) and, in detect mode, adds the model's estimate of the
 * frame (its reconstruction, or its prediction from the previous frames)
 * together with a reference to the model, for anomalyscore.  The video
 * passes through unchanged.  A missing, unreadable or mismatched model is
 * an error when the element starts or on the first frame.
 *
 * In train mode the element gathers training clips from the stream (a
 * bounded reservoir of #GstAnomalyRecon:max-clips clips), and at EOS
 * trains a new model (#GstAnomalyRecon:epochs passes, or
 * #GstAnomalyRecon:train-seconds of wall-clock time), calibrates it on
 * held-back clips (the latest of the footage, not trained on), saves it atomically to #GstAnomalyRecon:model and then
 * forwards the EOS.  Buffers pass without reconstruction meanwhile.  The
 * feature settings of the new model come from the meta; every other
 * setting from the core's defaults and #GstAnomalyRecon:config.
 *
 * With #GstAnomalyRecon:learn-frames N > 0 in detect mode and no model file
 * yet, the first N frames are used to train a model in the background
 * while the video keeps flowing without reconstruction; then the element
 * switches to the new model (saving it when #GstAnomalyRecon:model is set).
 *
 * The temporal state is reset on flush, on DISCONT buffers and on caps
 * changes.
 *
 * ## Element messages
 *
 * "anomaly-train-progress", during training (at most once a second):
 *
 * * "epoch" (gint): current epoch (from 1)
 * * "epochs" (gint): epochs planned, 0 when training to a time budget
 * * "step" (gint64): optimisation steps done
 * * "steps" (gint64): steps planned (an estimate under a time budget)
 * * "loss" (gfloat): running mean of the total loss
 * * "elapsed" (gdouble): seconds since training started
 * * "eta" (gdouble): estimated seconds left
 * * "frames-per-second" (gdouble): training throughput in frames
 *
 * "anomaly-train-done", in train mode after the model was saved:
 *
 * * "path" (gchararray): the model file
 * * "seconds" (gdouble): training time
 * * "clips" (gint64): training clips used
 * * "loss" (gfloat): final running loss
 * * "holdout-activity" (gdouble): moving pixels in the held-back end of the
 *   footage against the rest (-1: nothing to compare); below 0.25 a
 *   warning says the threshold may be too low
 * * "object-height" (gdouble): how tall the things that move in the
 *   footage stand, in model pixels (0: nothing moved)
 * * "object-speed" (gdouble): how fast they move, model pixels a frame
 *   (0: nothing moved)
 * * "near" (gboolean): the scale rule took the near preset for it
 * * "scale-settings" (gchararray): the settings the scale rule changed
 *   then (the near preset's; from 21 px to under 25 its heatmap's
 *   alone, "near" FALSE), and the speed rule's finer motion patterns for
 *   things that move under 0.6 px a frame ("flow_bins=65") or wider range
 *   for those over 0.85 ("flow_range=..."), "key=value,..." (empty when
 *   they changed none)
 * * "far" (gboolean): they stand under 10 model pixels tall, too small
 *   for the detector; a warning names the model size to train again with
 *
 * "anomaly-learned", when a learn-frames model takes over:
 *
 * * "frames" (guint): frames it was trained on
 * * "seconds" (gdouble): training time
 * * "path" (gchararray): where it was saved, or NULL
 * * "object-height", "object-speed", "near", "scale-settings", "far": as
 *   in "anomaly-train-done"
 *
 * Training also prints a progress line on stderr.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=normal.avi ! decodebin ! videoconvert ! \
 *   anomalyextract ! anomalyrecon mode=train model=scene.model \
 *   train-seconds=600 ! fakesink
 * ]| Train a model on normal footage and save it at the end of the file.
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! anomalyextract model=cam.model ! \
 *   anomalyrecon model=cam.model learn-frames=3000 ! anomalyscore ! \
 *   anomalyoverlay ! videoconvert ! autovideosink
 * ]| Learn the camera's normal view from its first 3000 frames unless
 * cam.model exists, then show anomalies.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

#include "gstanomalyelements.h"
#include "gstanomalymeta.h"
#include "gstanomalymodel.h"
#include "ad-internal.h"

#define GST_CAT_DEFAULT gst_anomaly_debug


/* Training footage whose caps give no frame rate (framerate=0/1: MJPEG
 * over HTTP, many RTSP cameras): the first frames are held, features
 * copied, until this many show the rate in their timestamps, which the
 * frame-rate rules need before the model is made. */
#define RATE_PROBE_FRAMES 8

typedef struct
{
  gfloat *feat;                 /* [n, h, w] */
  gint w, h, n;
  gboolean reset;               /* a new stretch of footage starts here */
} HeldFrame;

/**
 * GstAnomalyReconMode:
 * @GST_ANOMALY_RECON_MODE_DETECT: run the model on every frame
 * @GST_ANOMALY_RECON_MODE_TRAIN: gather clips, train and save at EOS
 */
typedef enum
{
  GST_ANOMALY_RECON_MODE_DETECT = 0,
  GST_ANOMALY_RECON_MODE_TRAIN = 1
} GstAnomalyReconMode;

#define GST_TYPE_ANOMALY_RECON_MODE (gst_anomaly_recon_mode_get_type ())
static GType gst_anomaly_recon_mode_get_type (void);

#define GST_TYPE_ANOMALY_RECON (gst_anomaly_recon_get_type ())
G_DECLARE_FINAL_TYPE (GstAnomalyRecon, gst_anomaly_recon, GST,
    ANOMALY_RECON, GstBaseTransform);

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_MODE,
  PROP_EPOCHS,
  PROP_TRAIN_SECONDS,
  PROP_LEARN_FRAMES,
  PROP_MAX_CLIPS,
  PROP_CONFIG,
  PROP_IGNORE_REGIONS
};

#define DEFAULT_MODE GST_ANOMALY_RECON_MODE_DETECT
#define DEFAULT_EPOCHS 0
#define MAX_EPOCHS 10000
#define DEFAULT_TRAIN_SECONDS 120.0
#define MAX_TRAIN_SECONDS 86400.0
#define DEFAULT_LEARN_FRAMES 0
#define DEFAULT_MAX_CLIPS 2000
#define MIN_MAX_CLIPS 4
#define MAX_MAX_CLIPS 1000000

struct _GstAnomalyRecon
{
  GstBaseTransform parent;

  /* properties (GST_OBJECT_LOCK) */
  gchar *model_path;
  GstAnomalyReconMode mode;
  guint epochs;
  gdouble train_seconds;
  guint learn_frames;
  guint max_clips;
  gchar *config;
  gchar *ignore;

  /* copies of the properties made at start() */
  GstAnomalyReconMode run_mode;
  gchar *run_path;
  ad_config base_cfg;           /* defaults + config overrides */
  gfloat ignore_rects[4 * AD_REGIONS_MAX];      /* ignore, parsed */
  gint n_ignore;
  ad_train_opts opts;

  /* model in force; swapped by the learning thread (lock) */
  GMutex lock;
  GstAnomalyModel *model;

  /* streaming thread only */
  ad_stream *stream;
  GstAnomalyModel *stream_model;        /* model self->stream was made for */
  gboolean checked;             /* features checked against stream_model */
  gboolean reset_pending;
  gdouble fps;                  /* the input's frame rate (0: unknown) */
  AnomalySteps steps;           /* the timestamps' steps, for the rate when
                                 * the caps give none */
  gboolean rate_checked;        /* against stream_model's train_fps */
  guint rate_named;             /* 1 << AD_RATE_*: config names it */

  /* training (train mode) or collecting (learn-frames) */
  ad_model *train_model;
  ad_trainer *trainer;
  HeldFrame held[RATE_PROBE_FRAMES];    /* before the trainer: caps without
                                         * a rate, measured from the PTS */
  guint n_held;
  gint feat_w, feat_h, feat_n;
  guint collected;
  guint segments;           /* stretches of training footage (DISCONT) */
  gboolean collecting;
  GThread *thread;
  gint cancel;                  /* atomic */
  gfloat last_loss;
  gdouble last_print;
};

static void gst_anomaly_recon_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_anomaly_recon_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_anomaly_recon_finalize (GObject * object);
static GstStateChangeReturn gst_anomaly_recon_change_state (GstElement *
    element, GstStateChange transition);
static gboolean gst_anomaly_recon_start (GstBaseTransform * trans);
static gboolean gst_anomaly_recon_stop (GstBaseTransform * trans);
static gboolean gst_anomaly_recon_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps);
static gboolean gst_anomaly_recon_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static GstFlowReturn gst_anomaly_recon_prepare_output_buffer (GstBaseTransform
    * trans, GstBuffer * input, GstBuffer ** outbuf);
static GstFlowReturn gst_anomaly_recon_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf);

G_DEFINE_TYPE (GstAnomalyRecon, gst_anomaly_recon, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (anomalyrecon, "anomalyrecon",
    GST_RANK_NONE, GST_TYPE_ANOMALY_RECON, anomaly_element_init (plugin));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

static GType
gst_anomaly_recon_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_ANOMALY_RECON_MODE_DETECT, "Run the model on every frame",
        "detect"},
    {GST_ANOMALY_RECON_MODE_TRAIN, "Gather clips, train and save the model "
          "at EOS", "train"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnomalyReconMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
gst_anomaly_recon_class_init (GstAnomalyReconClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_anomaly_recon_set_property;
  gobject_class->get_property = gst_anomaly_recon_get_property;
  gobject_class->finalize = gst_anomaly_recon_finalize;

  /**
   * GstAnomalyRecon:model
   *
   * Model file: read in detect mode, written in train mode (and by
   * learn-frames).
   */
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model file (read in detect mode, written in train mode)", NULL,
          flags));
  /**
   * GstAnomalyRecon:mode
   *
   * Detect with an existing model, or train a new one.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Detect with an existing model or train a new one",
          GST_TYPE_ANOMALY_RECON_MODE, DEFAULT_MODE, flags));
  /**
   * GstAnomalyRecon:epochs
   *
   * Training passes over the stored clips; 0 trains for
   * #GstAnomalyRecon:train-seconds instead.
   */
  g_object_class_install_property (gobject_class, PROP_EPOCHS,
      g_param_spec_uint ("epochs", "Epochs",
          "Training passes over the clips (0 = use train-seconds)", 0,
          MAX_EPOCHS, DEFAULT_EPOCHS, flags));
  /**
   * GstAnomalyRecon:train-seconds
   *
   * Wall-clock training budget, used when #GstAnomalyRecon:epochs is 0.
   */
  g_object_class_install_property (gobject_class, PROP_TRAIN_SECONDS,
      g_param_spec_double ("train-seconds", "Train seconds",
          "Wall-clock training budget in seconds (when epochs is 0)", 0.0,
          MAX_TRAIN_SECONDS, DEFAULT_TRAIN_SECONDS, flags));
  /**
   * GstAnomalyRecon:learn-frames
   *
   * In detect mode without a model file: train a model in the background on
   * this many first frames, then detect with it.  0 disables learning.
   */
  g_object_class_install_property (gobject_class, PROP_LEARN_FRAMES,
      g_param_spec_uint ("learn-frames", "Learn frames",
          "Learn a model from the first N frames when the model file does "
          "not exist (0 = off)", 0, G_MAXINT, DEFAULT_LEARN_FRAMES, flags));
  /**
   * GstAnomalyRecon:max-clips
   *
   * Capacity of the reservoir of training clips (memory bound).
   */
  g_object_class_install_property (gobject_class, PROP_MAX_CLIPS,
      g_param_spec_uint ("max-clips", "Max clips",
          "Training clips kept in memory (reservoir sample of the stream)",
          MIN_MAX_CLIPS, MAX_MAX_CLIPS, DEFAULT_MAX_CLIPS, flags));
  /**
   * GstAnomalyRecon:config
   *
   * Settings of a new model as "key=value,key=value" over the core's
   * defaults, e.g. "task=1,mem_place=2,widths=8,16,32,32".  The feature
   * settings (width, height, color, motion_inputs) always come from the
   * features.
   */
  g_object_class_install_property (gobject_class, PROP_CONFIG,
      g_param_spec_string ("config", "Config",
          "Model settings for training, \"key=value,...\" (e.g. "
          "\"task=1,mem_place=2\"); \"preset=stills\" sets up still-image "
          "inspection, \"preset=near\" a camera close to the scene (people "
          "25 px tall or more at model resolution, moving 1.2 px a frame "
          "or more; training picks it when the footage shows them so, "
          "unless flow_scale, motion_cell or flow_bins is named), later "
          "items override it", NULL, flags));

  /**
   * GstAnomalyRecon:ignore-regions
   *
   * Regions of the picture a model trained here leaves out of every score
   * and of the heatmap, calibration included: "x,y,w,h;x,y,w,h" as
   * fractions of the picture, e.g. "0,0,0.25,0.08" for an on-screen clock
   * at the top left (its digits change for ever, and whatever time it
   * showed while training never comes back).  Saved in the model; a
   * loaded model keeps its own (anomalyscore's ignore-regions replaces
   * them for a stream without retraining).
   */
  g_object_class_install_property (gobject_class, PROP_IGNORE_REGIONS,
      g_param_spec_string ("ignore-regions", "Ignore regions",
          GST_ANOMALY_IGNORE_REGIONS_BLURB, NULL, flags));

  gst_element_class_set_static_metadata (element_class,
      "Anomaly reconstruction", "Filter/Analyzer/Video",
      "Runs or trains the anomaly model on the features of each frame",
      "gst-anomaly developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_anomaly_recon_change_state);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_anomaly_recon_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_anomaly_recon_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_anomaly_recon_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_anomaly_recon_sink_event);
  trans_class->prepare_output_buffer =
      GST_DEBUG_FUNCPTR (gst_anomaly_recon_prepare_output_buffer);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_anomaly_recon_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_ANOMALY_RECON_MODE, 0);
}

static void
gst_anomaly_recon_init (GstAnomalyRecon * self)
{
  self->mode = DEFAULT_MODE;
  self->epochs = DEFAULT_EPOCHS;
  self->train_seconds = DEFAULT_TRAIN_SECONDS;
  self->learn_frames = DEFAULT_LEARN_FRAMES;
  self->max_clips = DEFAULT_MAX_CLIPS;
  g_mutex_init (&self->lock);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_anomaly_recon_finalize (GObject * object)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (object);

  g_free (self->model_path);
  g_free (self->config);
  g_free (self->ignore);
  g_free (self->run_path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_anomaly_recon_parent_class)->finalize (object);
}

static void
gst_anomaly_recon_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_EPOCHS:
      self->epochs = g_value_get_uint (value);
      break;
    case PROP_TRAIN_SECONDS:
      self->train_seconds = g_value_get_double (value);
      break;
    case PROP_LEARN_FRAMES:
      self->learn_frames = g_value_get_uint (value);
      break;
    case PROP_MAX_CLIPS:
      self->max_clips = g_value_get_uint (value);
      break;
    case PROP_IGNORE_REGIONS:
      g_free (self->ignore);
      self->ignore = g_value_dup_string (value);
      break;
    case PROP_CONFIG:
      g_free (self->config);
      self->config = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_anomaly_recon_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_EPOCHS:
      g_value_set_uint (value, self->epochs);
      break;
    case PROP_TRAIN_SECONDS:
      g_value_set_double (value, self->train_seconds);
      break;
    case PROP_LEARN_FRAMES:
      g_value_set_uint (value, self->learn_frames);
      break;
    case PROP_MAX_CLIPS:
      g_value_set_uint (value, self->max_clips);
      break;
    case PROP_IGNORE_REGIONS:
      g_value_set_string (value, self->ignore);
      break;
    case PROP_CONFIG:
      g_value_set_string (value, self->config);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* config="key=value,..."                                                   */

/* Parses str over cfg (ad_config_parse: key=value items, array fields,
 * presets). */
static gboolean
parse_config (const gchar * str, ad_config * cfg, gchar ** error)
{
  ad_error err = { {0} };

  if (ad_config_parse (cfg, str, &err) == AD_OK)
    return TRUE;
  *error = g_strdup (err.msg);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Training                                                                 */

static void
format_time (gchar * out, gsize n, gdouble s)
{
  gint t = (gint) (s + 0.5);

  if (!isfinite (s) || s < 0)
    g_snprintf (out, n, "?");
  else if (t >= 3600)
    g_snprintf (out, n, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  else
    g_snprintf (out, n, "%d:%02d", t / 60, t % 60);
}

static int
train_progress (void *user, const ad_progress * p)
{
  GstAnomalyRecon *self = user;
  GstStructure *s;
  gchar eta[32];

  self->last_loss = p->loss;
  s = gst_structure_new ("anomaly-train-progress",
      "epoch", G_TYPE_INT, p->epoch, "epochs", G_TYPE_INT, p->epochs,
      "step", G_TYPE_INT64, (gint64) p->step,
      "steps", G_TYPE_INT64, (gint64) p->steps,
      "loss", G_TYPE_FLOAT, p->loss,
      "elapsed", G_TYPE_DOUBLE, p->elapsed_s,
      "eta", G_TYPE_DOUBLE, p->eta_s,
      "frames-per-second", G_TYPE_DOUBLE, p->frames_per_s, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));

  format_time (eta, sizeof (eta), p->eta_s);
  if (p->epochs > 0)
    g_printerr ("\r[anomaly] epoch %d/%d loss %.4f %.1f fps ETA %s   ",
        MIN (p->epoch, p->epochs), p->epochs, p->loss, p->frames_per_s, eta);
  else
    g_printerr ("\r[anomaly] epoch %d step %" G_GINT64_FORMAT "/%"
        G_GINT64_FORMAT " loss %.4f %.1f fps ETA %s   ", p->epoch,
        (gint64) p->step, (gint64) p->steps, p->loss, p->frames_per_s, eta);
  return g_atomic_int_get (&self->cancel);
}

/* Builds the model to train from base_cfg and the features' layout
 * (n channels of w x h). */
static gboolean
trainer_create (GstAnomalyRecon * self, gint w, gint h, gint n)
{
  ad_config cfg = self->base_cfg;
  ad_error err;
  ad_status st;
  gchar applied[256];

  cfg.width = w;
  cfg.height = h;
  /* the frame-rate rules, for the settings config does not name */
  ad_config_apply_rate (&cfg, self->fps, self->rate_named, applied,
      sizeof (applied));
  if (applied[0])
    GST_INFO_OBJECT (self, "%.1f frames a second: %s", self->fps, applied);
  cfg.color = (n >= 3) ? 1 : 0;
  cfg.motion_inputs = (n == 2 || n == 4) ? 1 : 0;
  memset (&err, 0, sizeof (err));
  if (ad_config_in_channels (&cfg) != n) {
    g_snprintf (err.msg, sizeof (err.msg), "%d feature channels is not a "
        "valid layout (1 gray, 2 gray+motion, 3 RGB, 4 RGB+motion)", n);
    goto failed;
  }
  st = ad_model_new (&cfg, &self->train_model, &err);
  if (st == AD_OK && self->n_ignore > 0)
    st = ad_model_set_ignore (self->train_model, self->ignore_rects,
        self->n_ignore, &err);
  if (st != AD_OK)
    goto failed;
  self->opts.progress = train_progress;
  self->opts.user = self;
  self->opts.named = self->rate_named;
  st = ad_trainer_new (self->train_model, &self->opts, &self->trainer, &err);
  if (st != AD_OK)
    goto failed;
  self->feat_w = w;
  self->feat_h = h;
  self->feat_n = n;
  GST_INFO_OBJECT (self, "training a %dx%dx%d model (%zu parameters)", n,
      cfg.height, cfg.width, ad_model_n_params (self->train_model));
  return TRUE;

failed:
  GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
      ("Cannot set up training: %s. Check the config property and the "
          "features of anomalyextract.", err.msg), (NULL));
  if (self->train_model)
    ad_model_free (self->train_model);
  self->train_model = NULL;
  return FALSE;
}

static void
held_clear (GstAnomalyRecon * self)
{
  for (guint i = 0; i < self->n_held; i++)
    g_free (self->held[i].feat);
  self->n_held = 0;
}

static void
trainer_clear (GstAnomalyRecon * self)
{
  held_clear (self);
  if (self->trainer)
    ad_trainer_free (self->trainer);
  if (self->train_model)
    ad_model_free (self->train_model);
  self->trainer = NULL;
  self->train_model = NULL;
}

/* After training: a warning when the held-back footage, which sets the
 * threshold, is much quieter than the rest.  Returns the ratio of
 * their activity (-1 when there is nothing to compare). */
static gdouble
check_holdout (GstAnomalyRecon * self)
{
  gdouble r = ad_trainer_holdout_activity (self->trainer);

  GST_INFO_OBJECT (self, "held-back footage activity %.3f of the rest", r);
  if (r >= 0.0 && r < AD_QUIET_HOLDOUT)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The training footage held back to set the threshold shows "
            "little movement (%.0f%% of the rest): the threshold may come "
            "out too low and ordinary activity raise alarms. Train on "
            "footage that shows ordinary activity throughout, its end "
            "included.", 100.0 * r),
        ("holdout activity ratio %.3f", r));
  return r;
}

/* After training: flow_recur (two seconds of frames by default) is left
 * out when the footage is too short for it (the trainer's footage rule);
 * a warning when config named it, a log line otherwise. */
static void
check_recur (GstAnomalyRecon * self)
{
  gint recur = ad_trainer_recur_dropped (self->trainer);
  gint64 frames = ad_trainer_motion_frames (self->trainer);
  gint64 want = (gint64) AD_RECUR_FOOTAGE * recur;

  if (recur <= 0)
    return;
  if (self->rate_named & (1u << AD_RATE_RECUR))
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("flow_recur=%d was not used: it counts a motion as normal only "
            "when the training footage shows it twice %d frames apart, "
            "and the motion patterns were learned from %" G_GINT64_FORMAT
            " frames, fewer than the %" G_GINT64_FORMAT " it needs (with "
            "so little footage much ordinary motion is seen once). The "
            "model counts a motion seen once as normal. Train on more "
            "footage for it.", recur, recur, frames, want),
        ("flow_recur %d, %" G_GINT64_FORMAT " frames", recur, frames));
  else
    GST_INFO_OBJECT (self, "flow_recur off: %" G_GINT64_FORMAT " frames of "
        "footage, %" G_GINT64_FORMAT " wanted for flow_recur=%d", frames,
        want, recur);
}

/* After training: how tall the things that move stood in the footage,
 * whether the scale rule took the near preset for it (*near, with the
 * settings it changed in *settings, to g_free) and whether they are too
 * small for the detector (*far, with a warning that names the model size
 * to take), in a log line; returns the height in model pixels (-1 when
 * not measured). */
static gdouble
check_scale (GstAnomalyRecon * self, gboolean * near, gchar ** settings,
    gboolean * far, gdouble * speed)
{
  gint64 blobs = 0;
  gint applied = 0, slow = 0, size[2] = { 0, 0 };
  const gchar *why = "";
  gdouble height = ad_trainer_object_height (self->trainer, &blobs,
      &applied);
  const ad_config *c = ad_model_config (self->train_model);

  *speed = ad_trainer_object_speed (self->trainer, &slow);

  *near = applied == AD_SCALE_NEAR;
  *settings = g_strdup (ad_trainer_scale_settings (self->trainer));
  *far = ad_config_scale_far (c, height, blobs, size);
  if (*near)
    why = (slow & AD_SPEED_RANGE) ? ": a camera close to the scene, a wider "
        "motion-pattern range, " : ": a camera close to the scene, ";
  else if (applied && (slow & AD_SPEED_BINS))
    why = ": tall in the picture, the near preset's heatmap, and slow "
        "motion, finer motion patterns, ";
  else if (applied && (slow & AD_SPEED_RANGE))
    why = ": tall in the picture, the near preset's heatmap, and fast "
        "motion, a wider motion-pattern range, ";
  else if (applied)
    why = ": tall in the picture, the near preset's heatmap, ";
  else if (slow & AD_SPEED_BINS)
    why = ": slow motion, finer motion patterns, ";
  else if (slow)
    why = ": fast motion, a wider motion-pattern range, ";
  GST_INFO_OBJECT (self, "moving things stand %.0f px tall at %d model "
      "rows (%" G_GINT64_FORMAT " blobs) and move %.2f px a frame%s%s",
      height, c->height, blobs, *speed, why, *settings);
  if (*far)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("The things that move in the training footage stand only %.0f px "
            "tall in the %dx%d model, too small for the detector to see "
            "well (it sees people 13 px tall or more best). Train again "
            "with a model of %dx%d (anomalydetect or anomalyextract "
            "width=%d height=%d), which costs %.1f times the time a frame, "
            "or crop the picture to where things happen (videocrop).",
            height, c->width, c->height, size[0], size[1], size[0],
            size[1], (double) size[0] * size[1] / (c->width * c->height)),
        ("object height %.1f px from %" G_GINT64_FORMAT " blobs", height,
            blobs));
  return height;
}

static GstFlowReturn release_held (GstAnomalyRecon * self);

/* Train mode, at EOS. */
static gboolean
train_at_eos (GstAnomalyRecon * self)
{
  ad_error err;
  ad_status st;
  gint64 clips;
  gdouble t0, secs, activity, height, speed;
  gboolean near = FALSE, far = FALSE;
  gchar *settings = NULL;

  if (!self->trainer && self->n_held > 0 && release_held (self) !=
      GST_FLOW_OK)
    return FALSE;
  if (!self->trainer) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("No features to train on reached the end of the stream. Put "
            "anomalyextract before anomalyrecon and feed some video."),
        (NULL));
    return FALSE;
  }
  clips = ad_trainer_n_clips (self->trainer);
  memset (&err, 0, sizeof (err));
  t0 = g_get_monotonic_time () / 1e6;
  st = ad_trainer_run (self->trainer, &err);
  secs = g_get_monotonic_time () / 1e6 - t0;
  g_printerr ("\n");
  if (st == AD_ERR_CANCELLED) {
    GST_INFO_OBJECT (self, "training cancelled");
    return FALSE;
  }
  if (st != AD_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Training failed: %s", err.msg), ("%s", ad_status_name (st)));
    return FALSE;
  }
  st = ad_model_save (self->train_model, self->run_path, &err);
  if (st != AD_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Cannot save the trained model to '%s': %s. Check the path and "
            "its permissions.", self->run_path, err.msg), (NULL));
    return FALSE;
  }
  GST_INFO_OBJECT (self, "saved model '%s' after %.1f s", self->run_path,
      secs);
  activity = check_holdout (self);
  check_recur (self);
  height = check_scale (self, &near, &settings, &far, &speed);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("anomaly-train-done",
              "path", G_TYPE_STRING, self->run_path,
              "seconds", G_TYPE_DOUBLE, secs,
              "clips", G_TYPE_INT64, clips,
              "loss", G_TYPE_FLOAT, self->last_loss,
              "holdout-activity", G_TYPE_DOUBLE, activity,
              "object-height", G_TYPE_DOUBLE, height,
              "object-speed", G_TYPE_DOUBLE, speed,
              "near", G_TYPE_BOOLEAN, near,
              "scale-settings", G_TYPE_STRING, settings,
              "far", G_TYPE_BOOLEAN, far, NULL)));
  g_free (settings);
  return TRUE;
}

/* learn-frames: the background training thread. */
static gpointer
learn_thread (gpointer data)
{
  GstAnomalyRecon *self = data;
  ad_error err;
  ad_status st;
  gdouble t0, secs, height, speed;
  gboolean near = FALSE, far = FALSE;
  gchar *settings = NULL;
  GstAnomalyModel *model, *old;

  memset (&err, 0, sizeof (err));
  t0 = g_get_monotonic_time () / 1e6;
  st = ad_trainer_run (self->trainer, &err);
  secs = g_get_monotonic_time () / 1e6 - t0;
  g_printerr ("\n");
  if (st == AD_ERR_CANCELLED || g_atomic_int_get (&self->cancel))
    return NULL;
  if (st != AD_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Learning a model from the first %u frames failed: %s",
            self->collected, err.msg), ("%s", ad_status_name (st)));
    return NULL;
  }
  if (self->run_path) {
    st = ad_model_save (self->train_model, self->run_path, &err);
    if (st != AD_OK)
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
          ("Cannot save the learned model to '%s': %s. Detection goes on "
              "with it, but it will be learned again next time.",
              self->run_path, err.msg), (NULL));
  }
  check_holdout (self);
  check_recur (self);
  height = check_scale (self, &near, &settings, &far, &speed);
  ad_trainer_free (self->trainer);
  self->trainer = NULL;
  model = gst_anomaly_model_new_take (self->train_model);
  self->train_model = NULL;

  g_mutex_lock (&self->lock);
  old = self->model;
  self->model = model;
  g_mutex_unlock (&self->lock);
  if (old)
    gst_anomaly_model_unref (old);

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("anomaly-learned",
              "frames", G_TYPE_UINT, self->collected,
              "seconds", G_TYPE_DOUBLE, secs,
              "path", G_TYPE_STRING, self->run_path,
              "object-height", G_TYPE_DOUBLE, height,
              "object-speed", G_TYPE_DOUBLE, speed,
              "near", G_TYPE_BOOLEAN, near,
              "scale-settings", G_TYPE_STRING, settings,
              "far", G_TYPE_BOOLEAN, far, NULL)));
  g_free (settings);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */

static gboolean
load_model (GstAnomalyRecon * self)
{
  GError *error = NULL;
  GstAnomalyModel *model;

  model = gst_anomaly_model_load (self->run_path, &error);
  if (model) {
    g_mutex_lock (&self->lock);
    self->model = model;
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  if (error->code == AD_ERR_IO &&
      !g_file_test (self->run_path, G_FILE_TEST_EXISTS)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("Model file '%s' does not exist. Train one first with mode=train "
            "(or set learn-frames to learn one from this stream).",
            self->run_path), ("%s", error->message));
  } else if (error->code == AD_ERR_IO) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Cannot read model file '%s': %s. Check its permissions.",
            self->run_path, error->message), (NULL));
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Model file '%s' is not a usable model: %s. Train it again with "
            "mode=train.", self->run_path, error->message),
        ("%s", ad_status_name ((ad_status) error->code)));
  }
  g_error_free (error);
  return FALSE;
}

static gboolean
gst_anomaly_recon_start (GstBaseTransform * trans)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (trans);
  gchar *config, *ignore, *msg = NULL;
  guint learn;
  ad_error err = { {0} };

  GST_OBJECT_LOCK (self);
  self->run_mode = self->mode;
  g_free (self->run_path);
  self->run_path = g_strdup (self->model_path);
  config = g_strdup (self->config);
  ignore = g_strdup (self->ignore);
  learn = self->learn_frames;
  ad_train_opts_default (&self->opts);
  self->opts.epochs = (gint32) self->epochs;
  self->opts.seconds = self->epochs > 0 ? 0.0 : self->train_seconds;
  self->opts.max_clips = (gint32) self->max_clips;
  GST_OBJECT_UNLOCK (self);

  self->n_ignore = 0;
  if (ignore && ad_regions_parse (ignore, self->ignore_rects,
          AD_REGIONS_MAX, &self->n_ignore, &err) != AD_OK) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid ignore-regions \"%s\": %s.", ignore, err.msg), (NULL));
    g_free (ignore);
    g_free (config);
    return FALSE;
  }
  g_free (ignore);
  g_atomic_int_set (&self->cancel, 0);
  self->collected = 0;
  self->collecting = FALSE;
  self->checked = FALSE;
  self->reset_pending = TRUE;
  self->last_loss = 0.0f;
  anomaly_steps_init (&self->steps);

  ad_config_default (&self->base_cfg);
  if (config && (!parse_config (config, &self->base_cfg, &msg) ||
          ad_config_rate_named (config, &self->rate_named, &err) != AD_OK)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid config \"%s\": %s. Use key=value pairs separated by "
            "commas, with the names of the core's settings (e.g. "
            "\"task=1,mem_place=2\").", config, msg ? msg : err.msg),
        (NULL));
    g_free (msg);
    g_free (config);
    return FALSE;
  }
  if (!config)
    self->rate_named = 0;
  g_free (config);

  if (self->run_mode == GST_ANOMALY_RECON_MODE_TRAIN) {
    if (!self->run_path)
      goto no_train_path;
    return TRUE;
  }
  if (learn > 0 && (!self->run_path ||
          !g_file_test (self->run_path, G_FILE_TEST_EXISTS))) {
    GST_INFO_OBJECT (self, "learning a model from the first %u frames",
        learn);
    self->collecting = TRUE;
    return TRUE;
  }
  if (!self->run_path)
    goto no_model_path;
  return load_model (self);

  /* ERRORS */
no_train_path:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No model file set for training. Set model=<path> to say where the "
            "trained model is saved."), (NULL));
    return FALSE;
  }
no_model_path:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No model file set. Set model=<path> to a trained model; train one "
            "first with mode=train, or set learn-frames."), (NULL));
    return FALSE;
  }
}

static GstStateChangeReturn
gst_anomaly_recon_change_state (GstElement * element,
    GstStateChange transition)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (element);

  /* let training at EOS or in the background stop before the pads are
   * deactivated (which waits for the streaming thread) */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    g_atomic_int_set (&self->cancel, 1);
  return GST_ELEMENT_CLASS (gst_anomaly_recon_parent_class)->change_state
      (element, transition);
}

static gboolean
gst_anomaly_recon_stop (GstBaseTransform * trans)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (trans);
  GstAnomalyModel *model;

  g_atomic_int_set (&self->cancel, 1);
  if (self->thread) {
    g_thread_join (self->thread);
    self->thread = NULL;
  }
  trainer_clear (self);
  if (self->stream)
    ad_stream_free (self->stream);
  self->stream = NULL;
  if (self->stream_model)
    gst_anomaly_model_unref (self->stream_model);
  self->stream_model = NULL;
  g_mutex_lock (&self->lock);
  model = self->model;
  self->model = NULL;
  g_mutex_unlock (&self->lock);
  if (model)
    gst_anomaly_model_unref (model);
  self->collecting = FALSE;
  return TRUE;
}

static gboolean
gst_anomaly_recon_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (trans);
  gint n = 0, d = 1;

  self->reset_pending = TRUE;
  self->checked = FALSE;
  self->rate_checked = FALSE;   /* the rate again */
  self->steps.last = GST_CLOCK_TIME_NONE;
  self->fps = anomaly_caps_framerate (incaps, &n, &d) ? (gdouble) n / d :
      0.0;
  return TRUE;
}

static gboolean
gst_anomaly_recon_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      self->reset_pending = TRUE;
      self->steps.last = GST_CLOCK_TIME_NONE;
      break;
    case GST_EVENT_EOS:
      if (self->run_mode == GST_ANOMALY_RECON_MODE_TRAIN &&
          !train_at_eos (self)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_anomaly_recon_parent_class)->sink_event
      (trans, event);
}

static GstFlowReturn
gst_anomaly_recon_prepare_output_buffer (GstBaseTransform * trans,
    GstBuffer * input, GstBuffer ** outbuf)
{
  /* passthrough video: only the buffer (for its meta) is made writable;
   * the base class owns input (see gstanomalyextract.c), so no
   * gst_buffer_make_writable() here */
  *outbuf = gst_buffer_is_writable (input) ? input : gst_buffer_copy (input);
  return *outbuf ? GST_FLOW_OK : GST_FLOW_ERROR;
}

/* ------------------------------------------------------------------------ */
/* Streaming                                                                */

/* The frame rate the timestamps give once they show min_n steps (0:
 * not yet, or none). */
static gdouble
steps_rate (GstAnomalyRecon * self, guint min_n)
{
  GstClockTime d = anomaly_steps_median (&self->steps, min_n);

  return GST_CLOCK_TIME_IS_VALID (d) && d > 0 ?
      (gdouble) GST_SECOND / d : 0.0;
}

/* Adds one frame's features (n channels of w x h) to the trainer. */
static GstFlowReturn
add_frame (GstAnomalyRecon * self, const gfloat * feat, gint w, gint h,
    gint n, gboolean reset)
{
  ad_error err;
  ad_status st;

  if (w != self->feat_w || h != self->feat_h || n != self->feat_n) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The features changed during training from %dx%dx%d to %dx%dx%d. "
            "Keep anomalyextract's settings fixed.", self->feat_n,
            self->feat_h, self->feat_w, n, h, w), (NULL));
    return GST_FLOW_ERROR;
  }
  if (self->collected == 0 || reset) {
    self->segments = self->collected == 0 ? 1 : self->segments + 1;
    if (self->segments > 1)
      GST_INFO_OBJECT (self, "training footage: segment %u starts at frame "
          "%u", self->segments, self->collected);
  }
  memset (&err, 0, sizeof (err));
  st = ad_trainer_add_frame (self->trainer, feat, reset ? 1 : 0, &err);
  if (st != AD_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot store training frame: %s", err.msg), (NULL));
    return GST_FLOW_ERROR;
  }
  self->collected++;
  return GST_FLOW_OK;
}

/* Makes the trainer for the held frames' layout, with the rate their
 * timestamps give when the caps gave none, and adds them to it. */
static GstFlowReturn
release_held (GstAnomalyRecon * self)
{
  GstFlowReturn ret = GST_FLOW_OK;
  const HeldFrame *f = &self->held[0];

  if (self->fps <= 0.0) {
    self->fps = steps_rate (self, 1);
    if (self->fps > 0.0)
      GST_INFO_OBJECT (self, "the caps give no frame rate; the first %u "
          "frames' timestamps give %.2f a second", self->n_held, self->fps);
  }
  if (!trainer_create (self, f->w, f->h, f->n))
    ret = GST_FLOW_ERROR;
  for (guint i = 0; i < self->n_held && ret == GST_FLOW_OK; i++)
    ret = add_frame (self, self->held[i].feat, self->held[i].w,
        self->held[i].h, self->held[i].n, i == 0 || self->held[i].reset);
  held_clear (self);
  return ret;
}

/* Training footage: the frame goes to the trainer, made on the first
 * frame (or held, while the rate is measured). */
static GstFlowReturn
collect_frame (GstAnomalyRecon * self, GstAnomalyMeta * meta,
    GstClockTime pts)
{
  gboolean reset = self->reset_pending;
  gsize size = (gsize) meta->n_features * meta->width * meta->height;
  HeldFrame *f;

  self->reset_pending = FALSE;
  if (self->trainer)
    return add_frame (self, meta->features, meta->width, meta->height,
        meta->n_features, reset);
  f = &self->held[self->n_held++];
  f->feat = g_memdup2 (meta->features, size * sizeof (gfloat));
  f->w = meta->width;
  f->h = meta->height;
  f->n = meta->n_features;
  f->reset = reset;
  /* hold on while the caps give no rate and the timestamps may */
  if (self->fps <= 0.0 && GST_CLOCK_TIME_IS_VALID (pts) &&
      self->n_held < RATE_PROBE_FRAMES)
    return GST_FLOW_OK;
  return release_held (self);
}

/* fps as the simplest fraction *n / *d (d at most 1001) within 1e-4 of
 * it: 25/3 for a model file's 8.33333 rather than the fraction of the
 * float's every digit. */
static void
rate_fraction (gdouble fps, gint * n, gint * d)
{
  for (*d = 1; *d <= 1001; (*d)++) {
    *n = (gint) lround (fps * *d);
    if (*n > 0 && fabs ((gdouble) *n / *d - fps) <= 1e-4 * fps)
      return;
  }
  gst_util_double_to_fraction (fps, n, d);
}

/* Warns once per caps when the input's frame rate is more than a fifth
 * off the training footage's: the motion patterns are pixels per frame,
 * so at half the rate every walker moves twice as far a frame (the
 * surveillance model trained at 25 frames a second flags 68 of the 299
 * frames of its nuisance clip at 12.5). */
static void
check_rate (GstAnomalyRecon * self, const ad_config * mc, gdouble fps)
{
  gint n, d;

  if (mc->train_fps <= 0.0f || fps <= 0.0 ||
      fabs (fps / mc->train_fps - 1.0) <= 0.2)
    return;
  rate_fraction (mc->train_fps, &n, &d);
  GST_ELEMENT_WARNING (self, STREAM, FORMAT,
      ("The model '%s' learned from video at %.4g frames a second; this "
          "stream has %.4g. Its motion patterns are pixels per frame, so "
          "expect false alarms or misses: train on video at this rate, or "
          "put videorate ! video/x-raw,framerate=%d/%d before the "
          "detector when the camera is faster.",
          self->run_path ? self->run_path : "(learned)", mc->train_fps,
          fps, n, d),
      ("train_fps %g, stream %g", mc->train_fps, fps));
}

/* Makes self->stream run `model` and checks the features against it. */
static GstFlowReturn
prepare_stream (GstAnomalyRecon * self, GstAnomalyModel * model,
    GstAnomalyMeta * meta)
{
  const ad_config *mc = ad_model_config (gst_anomaly_model_get (model));
  ad_config fc;
  ad_error err;
  ad_status st;

  if (self->stream_model != model) {
    if (self->stream)
      ad_stream_free (self->stream);
    self->stream = NULL;
    if (self->stream_model)
      gst_anomaly_model_unref (self->stream_model);
    self->stream_model = gst_anomaly_model_ref (model);
    self->checked = FALSE;
    self->rate_checked = FALSE;
    memset (&err, 0, sizeof (err));
    st = ad_stream_new (gst_anomaly_model_get (model), &self->stream, &err);
    if (st != AD_OK) {
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("Cannot run the model: %s", err.msg), (NULL));
      return GST_FLOW_ERROR;
    }
  }
  if (!self->checked || meta->width != mc->width ||
      meta->height != mc->height ||
      meta->n_features != ad_config_in_channels (mc)) {
    fc = *mc;
    fc.width = meta->width;
    fc.height = meta->height;
    fc.color = meta->n_features >= 3;
    fc.motion_inputs = meta->n_features == 2 || meta->n_features == 4;
    memset (&err, 0, sizeof (err));
    if (ad_config_features_match (mc, &fc, &err) != AD_OK ||
        ad_config_in_channels (&fc) != meta->n_features) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("The features (%dx%d, %d channels) do not match the model "
              "'%s' (%dx%d, %d channels): %s. Set anomalyextract's model "
              "property to the same file.", meta->width, meta->height,
              meta->n_features, self->run_path ? self->run_path : "(learned)",
              mc->width, mc->height, ad_config_in_channels (mc), err.msg),
          (NULL));
      return GST_FLOW_ERROR;
    }
    self->checked = TRUE;
  }
  /* the rate: the caps', else (framerate=0/1) the timestamps' once they
   * show ANOMALY_STEPS - 1 steps */
  if (!self->rate_checked) {
    gdouble fps = self->fps > 0.0 ? self->fps :
        steps_rate (self, ANOMALY_STEPS - 1);

    if (fps > 0.0) {
      check_rate (self, mc, fps);
      self->rate_checked = TRUE;
    }
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_anomaly_recon_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstAnomalyRecon *self = GST_ANOMALY_RECON (trans);
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (buf);
  GstAnomalyModel *model;
  GstFlowReturn ret;
  const ad_config *mc;
  gfloat *recon;
  gint n_out, valid = 0;
  ad_error err;
  ad_status st;

  if (GST_BUFFER_IS_DISCONT (buf)) {
    self->reset_pending = TRUE;
    self->steps.last = GST_CLOCK_TIME_NONE;     /* a jump is no step */
  }
  anomaly_steps_add (&self->steps, GST_BUFFER_PTS (buf));
  if (!meta || !meta->features) {
    GST_LOG_OBJECT (self, "no features on buffer: passthrough");
    return GST_FLOW_OK;
  }

  if (self->run_mode == GST_ANOMALY_RECON_MODE_TRAIN)
    return collect_frame (self, meta, GST_BUFFER_PTS (buf));

  if (self->collecting) {
    ret = collect_frame (self, meta, GST_BUFFER_PTS (buf));
    if (ret != GST_FLOW_OK)
      return ret;
    GST_OBJECT_LOCK (self);
    if (self->collected >= self->learn_frames) {
      self->collecting = FALSE;
      GST_INFO_OBJECT (self, "collected %u frames: learning", self->collected);
      self->thread = g_thread_new ("anomaly-learn", learn_thread, self);
    }
    GST_OBJECT_UNLOCK (self);
    return GST_FLOW_OK;
  }

  g_mutex_lock (&self->lock);
  model = self->model ? gst_anomaly_model_ref (self->model) : NULL;
  g_mutex_unlock (&self->lock);
  if (!model)
    return GST_FLOW_OK;         /* still learning */

  ret = prepare_stream (self, model, meta);
  if (ret != GST_FLOW_OK) {
    gst_anomaly_model_unref (model);
    return ret;
  }
  if (self->reset_pending) {
    ad_stream_reset (self->stream);
    self->reset_pending = FALSE;
  }

  mc = ad_model_config (gst_anomaly_model_get (model));
  /* the estimate, and the feature novelty's plane when the model has one */
  n_out = ad_model_recon_channels (gst_anomaly_model_get (model));
  recon = g_new (gfloat, (gsize) n_out * mc->width * mc->height);
  memset (&err, 0, sizeof (err));
  st = ad_stream_process (self->stream, meta->features, recon, &valid, &err);
  if (st != AD_OK) {
    g_free (recon);
    gst_anomaly_model_unref (model);
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Running the model failed: %s", err.msg), (NULL));
    return GST_FLOW_ERROR;
  }
  if (valid)
    gst_anomaly_meta_take_recon (meta, n_out, recon, model);
  else
    g_free (recon);
  gst_anomaly_model_unref (model);
  return GST_FLOW_OK;
}
