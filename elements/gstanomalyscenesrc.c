/* GStreamer anomaly detection plugin
 * gstanomalyscenesrc.c - generated scenes with ground truth.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-anomalyscenesrc
 * @title: anomalyscenesrc
 *
 * Produces deterministic generated footage for tests, demos, benchmarks and
 * evaluation of anomaly detection: a surveillance scene (people walking on
 * paths; test clips add running, walking on the grass, walking the wrong
 * way on a one-way path, a vehicle, a left bag and erratic motion; nuisance
 * clips add lighting drift, sensor noise and camera jitter) or an industrial
 * surface (test clips add scratches, spots, cracks and missing areas).
 * The same scene, clip, seed and size always give the same pixels.
 *
 * The source sends EOS after the clip's frames (set num-buffers to stop
 * earlier).  Each buffer's offset is its frame index (with frame-step N,
 * buffer i shows the scene's frame i x N: a camera at 25/N frames a
 * second).  When a frame shows an anomaly, the buffer carries a
 * #GstVideoRegionOfInterestMeta with roi_type "anomaly-truth" covering the
 * bounding box of the anomalous pixels, with a param structure
 * "anomaly-truth" whose field "kind" (string) names the
 * anomaly ("running", "off-path", "wrong-way", "vehicle", "left-object",
 * "erratic", "cart", "scratch", "spot", "crack" or "missing").
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 anomalyscenesrc scene=surveillance clip=test seed=3 ! \
 *     video/x-raw,width=640,height=480 ! videoconvert ! autovideosink
 * ]|
 * Shows the surveillance test clip of seed 3 at 640x480.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

#include "gstanomalyelements.h"
#include "ad-scene.h"

#define GST_CAT_DEFAULT gst_anomaly_debug

#define GST_TYPE_ANOMALY_SCENE_SRC (gst_anomaly_scene_src_get_type ())
G_DECLARE_FINAL_TYPE (GstAnomalySceneSrc, gst_anomaly_scene_src, GST,
    ANOMALY_SCENE_SRC, GstPushSrc);

#define GST_TYPE_ANOMALY_SCENE_KIND (gst_anomaly_scene_kind_get_type ())
#define GST_TYPE_ANOMALY_SCENE_CLIP (gst_anomaly_scene_clip_get_type ())

enum
{
  PROP_0,
  PROP_SCENE,
  PROP_CLIP,
  PROP_SEED,
  PROP_IS_LIVE,
  PROP_FRAME_STEP,
  PROP_ADD_EVENTS,
  PROP_CLOUDS,
  PROP_LEAVES,
  PROP_PACE,
  PROP_STOPS
};

#define DEFAULT_SCENE AD_SCENE_SURVEILLANCE
#define DEFAULT_CLIP AD_CLIP_TRAIN
#define DEFAULT_SEED 1
#define DEFAULT_IS_LIVE FALSE
#define DEFAULT_FRAME_STEP 1
#define MAX_FRAME_STEP 25
#define DEFAULT_ADD_EVENTS 0
#define MAX_ADD_EVENTS 1000
#define DEFAULT_CLOUDS 0.0
#define MAX_CLOUDS 0.95
#define DEFAULT_LEAVES 0.0
#define MAX_LEAVES 0.95
#define DEFAULT_STOPS 0.0
#define DEFAULT_PACE 1

struct _GstAnomalySceneSrc
{
  GstPushSrc parent;

  /* properties (object lock) */
  gint scene_kind;
  gint clip;
  guint seed;
  guint frame_step;
  guint add_events;
  gdouble clouds;
  gdouble leaves;
  gdouble stops;
  guint pace;

  /* streaming state */
  GstVideoInfo info;
  ad_scene *scene;
  guint8 *mask;                 /* [height, width] */
  gint64 frame;                 /* next output frame index */
  gint64 step;                  /* scene frames per output frame */
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format = (string) RGB, "
        "width = (int) [ 32, 8192 ], height = (int) [ 32, 8192 ], "
        "framerate = (fraction) [ 1/1, 1000/1 ]"));

static void gst_anomaly_scene_src_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_anomaly_scene_src_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static void gst_anomaly_scene_src_finalize (GObject * object);
static GstCaps *gst_anomaly_scene_src_fixate (GstBaseSrc * src,
    GstCaps * caps);
static gboolean gst_anomaly_scene_src_set_caps (GstBaseSrc * src,
    GstCaps * caps);
static gboolean gst_anomaly_scene_src_start (GstBaseSrc * src);
static gboolean gst_anomaly_scene_src_stop (GstBaseSrc * src);
static gboolean gst_anomaly_scene_src_is_seekable (GstBaseSrc * src);
static GstFlowReturn gst_anomaly_scene_src_create (GstPushSrc * src,
    GstBuffer ** buf);

static GType
gst_anomaly_scene_kind_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {AD_SCENE_SURVEILLANCE, "People walking on paths in a park",
        "surveillance"},
    {AD_SCENE_INDUSTRIAL, "Still images of a textured surface",
        "industrial"},
    {AD_SCENE_SPARSE, "Surveillance layout with a short training clip",
        "sparse"},
    {AD_SCENE_CROWDED, "Surveillance layout with 8-16 people on the paths",
        "crowded"},
    {AD_SCENE_WINDY, "Surveillance scene whose tree canopies sway in the wind",
        "windy"},
    {AD_SCENE_CLOCK, "Surveillance scene with an on-screen clock in a corner",
        "clock"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnomalySceneKind", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GType
gst_anomaly_scene_clip_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {AD_CLIP_TRAIN, "Normal footage for training", "train"},
    {AD_CLIP_HOLDOUT, "Other normal footage for calibration", "holdout"},
    {AD_CLIP_TEST, "Normal footage with anomalies", "test"},
    {AD_CLIP_NUISANCE,
        "Normal footage with lighting drift, noise and jitter", "nuisance"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnomalySceneClip", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

G_DEFINE_TYPE (GstAnomalySceneSrc, gst_anomaly_scene_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (anomalyscenesrc, "anomalyscenesrc",
    GST_RANK_NONE, GST_TYPE_ANOMALY_SCENE_SRC, anomaly_element_init (plugin));

static void
gst_anomaly_scene_src_class_init (GstAnomalySceneSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  gobject_class->set_property = gst_anomaly_scene_src_set_property;
  gobject_class->get_property = gst_anomaly_scene_src_get_property;
  gobject_class->finalize = gst_anomaly_scene_src_finalize;

  /**
   * GstAnomalySceneSrc:scene
   *
   * Which generated scene to show.
   */
  g_object_class_install_property (gobject_class, PROP_SCENE,
      g_param_spec_enum ("scene", "Scene",
          "Generated scene: surveillance (park with paths), industrial "
          "(textured surface), sparse (surveillance with a short "
          "training clip), crowded (surveillance with 8-16 people), "
          "windy (surveillance with swaying tree canopies) or clock "
          "(surveillance with a burnt-in time of day)",
          GST_TYPE_ANOMALY_SCENE_KIND, DEFAULT_SCENE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalySceneSrc:clip
   *
   * Which clip of the scene to play; sets the number of frames.
   */
  g_object_class_install_property (gobject_class, PROP_CLIP,
      g_param_spec_enum ("clip", "Clip",
          "Clip of the scene: train and holdout are normal, test has "
          "anomalies with ground truth, nuisance adds lighting, noise and "
          "jitter only", GST_TYPE_ANOMALY_SCENE_CLIP, DEFAULT_CLIP,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalySceneSrc:seed
   *
   * Seed of the scene's layout and activity; equal seeds give equal pixels.
   */
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint ("seed", "Seed",
          "Seed of the layout (background) and of the activity; the same "
          "seed, scene, clip and size always give the same frames",
          0, G_MAXUINT32, DEFAULT_SEED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalySceneSrc:is-live
   *
   * Whether to act as a live source (frames paced by the clock).
   */
  g_object_class_install_property (gobject_class, PROP_IS_LIVE,
      g_param_spec_boolean ("is-live", "Is live",
          "Act as a live source, producing frames at the framerate",
          DEFAULT_IS_LIVE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstAnomalySceneSrc:frame-step
   *
   * Output every N-th frame of the scene, as a camera at 25/N frames a
   * second would film it (the default framerate becomes 25/N).
   */
  g_object_class_install_property (gobject_class, PROP_FRAME_STEP,
      g_param_spec_uint ("frame-step", "Frame step",
          "Output every N-th frame of the clip: the same scene filmed by a "
          "camera at 25/N frames a second (fixates framerate to 25/N; "
          "buffer offset i shows scene frame i x N)", 1, MAX_FRAME_STEP,
          DEFAULT_FRAME_STEP, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstAnomalySceneSrc:add-events
   *
   * Anomaly events added to the clip, one in the middle of each of N
   * equal parts: a training clip then holds a few odd moments, as a real
   * camera's "normal" footage may (video scenes only).
   */
  g_object_class_install_property (gobject_class, PROP_ADD_EVENTS,
      g_param_spec_uint ("add-events", "Add events",
          "Anomaly events added to the clip (the test clip's kinds, one in "
          "the middle of each of N equal parts), with their ground truth: "
          "a training clip holding a few odd moments, as a real camera's "
          "normal footage may (video scenes only; 0: none)", 0,
          MAX_ADD_EVENTS, DEFAULT_ADD_EVENTS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstAnomalySceneSrc:clouds
   *
   * Cloud shadows drifting across the picture, taking this share of the
   * light where they lie: light that changes by place, as outdoors under
   * passing clouds (video scenes only).
   */
  g_object_class_install_property (gobject_class, PROP_CLOUDS,
      g_param_spec_double ("clouds", "Clouds",
          "Cloud shadows drifting across the picture, taking this share of "
          "the light where they lie (soft-edged patches crossing at "
          "0.6-1.4% of the width a frame; video scenes only; 0: none)", 0.0,
          MAX_CLOUDS, DEFAULT_CLOUDS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstAnomalySceneSrc:leaves
   *
   * The trees' shade, dappled with sun and moving in the wind, taking this
   * share of the light where it lies: sharp-edged flecks that shift and
   * change shape at 1-2 Hz on the grass and across two paths, as under
   * trees on a breezy, sunny day (video scenes only).  Wind is normal
   * weather: give the training clip the same value as the others.
   */
  g_object_class_install_property (gobject_class, PROP_LEAVES,
      g_param_spec_double ("leaves", "Leaves",
          "The trees' shade, dappled with sun and moving in the wind, "
          "taking this share of the light where it lies (on the grass and "
          "across two paths; video scenes only; 0: still, soft tree "
          "shadows)", 0.0, MAX_LEAVES, DEFAULT_LEAVES, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  /**
   * GstAnomalySceneSrc:stops
   *
   * The share of the normal walkers who stop midway along their path and
   * stand there 2-8 s (shuffling a little) before they walk on, as people
   * on a real camera wait, talk or look at a phone (video scenes only).
   * Normal behaviour: give the training clip the same value as the others.
   */
  g_object_class_install_property (gobject_class, PROP_STOPS,
      g_param_spec_double ("stops", "Stops",
          "Share of the normal walkers who stop midway along their path and "
          "stand 2-8 s before walking on, as people on real footage do "
          "(video scenes only; 0: nobody stops)", 0.0, 1.0, DEFAULT_STOPS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstAnomalySceneSrc:pace
   *
   * Frames filmed for each frame of the scene's own time: people, cars,
   * clouds and trees move 1/N as far a frame, at the same framerate.  The
   * generated walkers cover their own height in about 0.6 s, real ones in
   * about 1.2 s, so 2 gives them a real walker's speed for their size
   * (video scenes only).
   */
  g_object_class_install_property (gobject_class, PROP_PACE,
      g_param_spec_uint ("pace", "Pace",
          "Frames for each frame of the scene's own time: everything moves "
          "1/N as far a frame and the clip holds N times the frames, at the "
          "same framerate (2: the generated people at a real walker's speed "
          "for their size; video scenes only)", 1, AD_SCENE_PACE_MAX,
          DEFAULT_PACE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_set_static_metadata (element_class,
      "Anomaly scene source", "Source/Video",
      "Generated surveillance and industrial footage with anomaly ground "
      "truth", "gst-anomaly developers");
  gst_element_class_add_static_pad_template (element_class, &src_template);

  basesrc_class->fixate = GST_DEBUG_FUNCPTR (gst_anomaly_scene_src_fixate);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_anomaly_scene_src_set_caps);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_anomaly_scene_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_anomaly_scene_src_stop);
  basesrc_class->is_seekable =
      GST_DEBUG_FUNCPTR (gst_anomaly_scene_src_is_seekable);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_anomaly_scene_src_create);

  gst_type_mark_as_plugin_api (GST_TYPE_ANOMALY_SCENE_KIND, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ANOMALY_SCENE_CLIP, 0);
}

static void
gst_anomaly_scene_src_init (GstAnomalySceneSrc * self)
{
  self->scene_kind = DEFAULT_SCENE;
  self->clip = DEFAULT_CLIP;
  self->frame_step = DEFAULT_FRAME_STEP;
  self->step = DEFAULT_FRAME_STEP;
  self->add_events = DEFAULT_ADD_EVENTS;
  self->clouds = DEFAULT_CLOUDS;
  self->leaves = DEFAULT_LEAVES;
  self->stops = DEFAULT_STOPS;
  self->pace = DEFAULT_PACE;
  self->seed = DEFAULT_SEED;
  gst_video_info_init (&self->info);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_live (GST_BASE_SRC (self), DEFAULT_IS_LIVE);
}

static void
gst_anomaly_scene_src_finalize (GObject * object)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (object);

  ad_scene_free (self->scene);
  g_free (self->mask);
  G_OBJECT_CLASS (gst_anomaly_scene_src_parent_class)->finalize (object);
}

static void
gst_anomaly_scene_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (object);

  switch (prop_id) {
    case PROP_SCENE:
      GST_OBJECT_LOCK (self);
      self->scene_kind = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CLIP:
      GST_OBJECT_LOCK (self);
      self->clip = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SEED:
      GST_OBJECT_LOCK (self);
      self->seed = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_IS_LIVE:
      gst_base_src_set_live (GST_BASE_SRC (self), g_value_get_boolean (value));
      break;
    case PROP_FRAME_STEP:
      GST_OBJECT_LOCK (self);
      self->frame_step = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ADD_EVENTS:
      GST_OBJECT_LOCK (self);
      self->add_events = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CLOUDS:
      GST_OBJECT_LOCK (self);
      self->clouds = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_LEAVES:
      GST_OBJECT_LOCK (self);
      self->leaves = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STOPS:
      GST_OBJECT_LOCK (self);
      self->stops = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PACE:
      GST_OBJECT_LOCK (self);
      self->pace = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_anomaly_scene_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (object);

  switch (prop_id) {
    case PROP_SCENE:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->scene_kind);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CLIP:
      GST_OBJECT_LOCK (self);
      g_value_set_enum (value, self->clip);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SEED:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->seed);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean (value, gst_base_src_is_live (GST_BASE_SRC (self)));
      break;
    case PROP_FRAME_STEP:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->frame_step);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ADD_EVENTS:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->add_events);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CLOUDS:
      GST_OBJECT_LOCK (self);
      g_value_set_double (value, self->clouds);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_LEAVES:
      GST_OBJECT_LOCK (self);
      g_value_set_double (value, self->leaves);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STOPS:
      GST_OBJECT_LOCK (self);
      g_value_set_double (value, self->stops);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PACE:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->pace);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static GstCaps *
gst_anomaly_scene_src_fixate (GstBaseSrc * src, GstCaps * caps)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (src);
  GstStructure *s;
  guint step;

  GST_OBJECT_LOCK (self);
  step = self->frame_step;
  GST_OBJECT_UNLOCK (self);
  caps = gst_caps_make_writable (caps);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_fixate_field_nearest_int (s, "width", 160);
  gst_structure_fixate_field_nearest_int (s, "height", 120);
  gst_structure_fixate_field_nearest_fraction (s, "framerate", 25, step);

  return GST_BASE_SRC_CLASS (gst_anomaly_scene_src_parent_class)->fixate (src,
      caps);
}

/* (Re)creates the scene for the negotiated size. */
static gboolean
gst_anomaly_scene_src_set_caps (GstBaseSrc * src, GstCaps * caps)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (src);
  GstVideoInfo info;
  ad_error err = { {0} };
  ad_scene *scene = NULL;
  gint kind, clip;
  guint seed, add_events, pace;
  gdouble clouds, leaves, stops;

  if (!gst_video_info_from_caps (&info, caps))
    goto invalid_caps;
  if (GST_VIDEO_INFO_FPS_N (&info) <= 0 || GST_VIDEO_INFO_FPS_D (&info) <= 0)
    goto invalid_caps;

  GST_OBJECT_LOCK (self);
  kind = self->scene_kind;
  clip = self->clip;
  seed = self->seed;
  add_events = self->add_events;
  clouds = self->clouds;
  leaves = self->leaves;
  stops = self->stops;
  pace = self->pace;
  self->step = self->frame_step;
  GST_OBJECT_UNLOCK (self);

  if (ad_scene_new ((ad_scene_kind) kind, (ad_scene_clip) clip,
          GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info), 0, seed,
          &scene, &err) != AD_OK ||
      ad_scene_add_events (scene, (int) add_events, &err) != AD_OK ||
      ad_scene_add_clouds (scene, (float) clouds, &err) != AD_OK ||
      ad_scene_add_leaves (scene, (float) leaves, &err) != AD_OK ||
      ad_scene_add_stops (scene, (float) stops, &err) != AD_OK ||
      ad_scene_set_pace (scene, (int) pace, &err) != AD_OK) {
    ad_scene_free (scene);
    goto scene_failed;
  }

  ad_scene_free (self->scene);
  g_free (self->mask);
  self->scene = scene;
  self->mask = g_malloc ((gsize) GST_VIDEO_INFO_WIDTH (&info) *
      GST_VIDEO_INFO_HEIGHT (&info));
  self->info = info;
  GST_DEBUG_OBJECT (self, "scene %d clip %d seed %u: %" G_GINT64_FORMAT
      " frames at %dx%d", kind, clip, seed, ad_scene_n_frames (scene),
      GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
  return TRUE;

  /* ERRORS */
invalid_caps:
  {
    GST_ERROR_OBJECT (self, "invalid caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
scene_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not create the generated scene."), ("%s", err.msg));
    return FALSE;
  }
}

static gboolean
gst_anomaly_scene_src_start (GstBaseSrc * src)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (src);

  self->frame = 0;
  return TRUE;
}

static gboolean
gst_anomaly_scene_src_stop (GstBaseSrc * src)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (src);

  ad_scene_free (self->scene);
  self->scene = NULL;
  g_clear_pointer (&self->mask, g_free);
  gst_video_info_init (&self->info);
  return TRUE;
}

static gboolean
gst_anomaly_scene_src_is_seekable (GstBaseSrc * src)
{
  return FALSE;
}

/* Attaches the ground truth: bounding box of the mask and the kind. */
static void
gst_anomaly_scene_src_add_truth (GstAnomalySceneSrc * self, GstBuffer * buf,
    ad_anomaly_kind kind)
{
  gint w = GST_VIDEO_INFO_WIDTH (&self->info);
  gint h = GST_VIDEO_INFO_HEIGHT (&self->info);
  gint x0 = w, y0 = h, x1 = -1, y1 = -1;
  GstVideoRegionOfInterestMeta *roi;

  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++)
      if (self->mask[(gsize) y * w + x]) {
        x0 = MIN (x0, x);
        x1 = MAX (x1, x);
        y0 = MIN (y0, y);
        y1 = MAX (y1, y);
      }
  if (x1 < 0)
    return;
  roi = gst_buffer_add_video_region_of_interest_meta (buf, "anomaly-truth",
      x0, y0, x1 - x0 + 1, y1 - y0 + 1);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("anomaly-truth", "kind", G_TYPE_STRING,
          ad_anomaly_name (kind), NULL));
}

static GstFlowReturn
gst_anomaly_scene_src_create (GstPushSrc * src, GstBuffer ** ret)
{
  GstAnomalySceneSrc *self = GST_ANOMALY_SCENE_SRC (src);
  GstVideoFrame vframe;
  GstBuffer *buf;
  ad_anomaly_kind kind = AD_ANOM_NONE;
  ad_error err = { {0} };
  ad_status st;
  guint8 *rgb, *dst;
  gint w, h, stride;
  gint fps_n, fps_d;

  if (G_UNLIKELY (!self->scene))
    goto not_negotiated;
  if (self->frame * self->step >= ad_scene_n_frames (self->scene)) {
    GST_DEBUG_OBJECT (self, "end of clip after %" G_GINT64_FORMAT " frames",
        self->frame);
    return GST_FLOW_EOS;
  }

  w = GST_VIDEO_INFO_WIDTH (&self->info);
  h = GST_VIDEO_INFO_HEIGHT (&self->info);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&self->info),
      NULL);
  if (!gst_video_frame_map (&vframe, &self->info, buf, GST_MAP_WRITE)) {
    gst_buffer_unref (buf);
    goto map_failed;
  }
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&vframe, 0);
  dst = GST_VIDEO_FRAME_PLANE_DATA (&vframe, 0);
  /* the core writes packed [h, w, 3]; GStreamer rows may be padded */
  rgb = stride == w * 3 ? dst : g_malloc ((gsize) w * h * 3);
  st = ad_scene_render (self->scene, self->frame * self->step, rgb,
      self->mask, &kind, &err);
  if (rgb != dst) {
    for (gint y = 0; y < h; y++)
      memcpy (dst + (gsize) y * stride, rgb + (gsize) y * w * 3, w * 3);
    g_free (rgb);
  }
  gst_video_frame_unmap (&vframe);
  if (st != AD_OK) {
    gst_buffer_unref (buf);
    goto render_failed;
  }
  if (kind != AD_ANOM_NONE)
    gst_anomaly_scene_src_add_truth (self, buf, kind);

  fps_n = GST_VIDEO_INFO_FPS_N (&self->info);
  fps_d = GST_VIDEO_INFO_FPS_D (&self->info);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (self->frame,
      fps_d * GST_SECOND, fps_n);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (self->frame + 1,
      fps_d * GST_SECOND, fps_n) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = self->frame;
  GST_BUFFER_OFFSET_END (buf) = self->frame + 1;
  if (self->frame == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  self->frame++;
  *ret = buf;
  return GST_FLOW_OK;

  /* ERRORS */
not_negotiated:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("format wasn't negotiated before create function"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
map_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, (NULL),
        ("could not map the output buffer"));
    return GST_FLOW_ERROR;
  }
render_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("rendering frame %" G_GINT64_FORMAT ": %s", self->frame, err.msg));
    return GST_FLOW_ERROR;
  }
}
