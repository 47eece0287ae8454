/* GStreamer anomaly detection plugin
 * gstanomalyoverlay.c - draws the anomaly map of GstAnomalyMeta on the
 * video, or outputs it as a 16-bit gray image.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-anomalyoverlay
 * @title: anomalyoverlay
 *
 * Draws what anomalyscore found.  In `blend` mode (the default) the
 * normalised per-pixel map of the #GstAnomalyMeta is upsampled (bilinear) to
 * the video size, colour mapped (#GstAnomalyOverlay:colormap; the colour
 * scale spans 0 to 2, the calibrated threshold 1.0 at its middle) and
 * blended in place: pixels whose map value is below
 * #GstAnomalyOverlay:min-score stay untouched, the opacity rises linearly
 * from there to #GstAnomalyOverlay:alpha at 1.0.  Anomalous regions are
 * outlined with 2-pixel red rectangles and the frame score is written in
 * the top left corner ("score 1.23 ANOMALY (still)": while anomalous, the
 * largest of the score's parts says why).  Buffers without a scored
 * meta pass through unchanged.
 *
 * In `map` mode the element outputs the map itself as GRAY16_LE at the
 * video's resolution: 16384 is a normalised score of 1.0, saturating at
 * 65535 (4.0); frames without a map give an all-zero image.  The meta is
 * kept on the output buffers in both modes.
 *
 * Blend mode accepts RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB,
 * ABGR, I420, NV12 and GRAY8 (drawn as the luma of the colours).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=test.avi ! decodebin ! videoconvert ! \
 *   anomalyextract model=scene.model ! anomalyrecon model=scene.model ! \
 *   anomalyscore ! anomalyoverlay colormap=inferno alpha=0.6 ! \
 *   videoconvert ! autovideosink
 * ]| Show the heatmap on the video.
 * |[
 * gst-launch-1.0 filesrc location=test.avi ! decodebin ! videoconvert ! \
 *   anomalyextract model=scene.model ! anomalyrecon model=scene.model ! \
 *   anomalyscore ! anomalyoverlay mode=map ! videoconvert ! pngenc ! \
 *   multifilesink location=map-%05d.png
 * ]| Save the per-pixel anomaly maps as images.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>
#include <pango/pangocairo.h>

#include "gstanomalyelements.h"
#include "gstanomalymeta.h"

#define GST_CAT_DEFAULT gst_anomaly_debug

typedef enum
{
  GST_ANOMALY_OVERLAY_MODE_BLEND,
  GST_ANOMALY_OVERLAY_MODE_MAP
} GstAnomalyOverlayMode;

typedef enum
{
  GST_ANOMALY_COLORMAP_JET,
  GST_ANOMALY_COLORMAP_INFERNO,
  GST_ANOMALY_COLORMAP_TURBO,
  GST_ANOMALY_COLORMAP_GRAY
} GstAnomalyColormap;

#define GST_TYPE_ANOMALY_OVERLAY_MODE (gst_anomaly_overlay_mode_get_type ())
#define GST_TYPE_ANOMALY_COLORMAP (gst_anomaly_colormap_get_type ())
static GType gst_anomaly_overlay_mode_get_type (void);
static GType gst_anomaly_colormap_get_type (void);

#define GST_TYPE_ANOMALY_OVERLAY (gst_anomaly_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstAnomalyOverlay, gst_anomaly_overlay, GST,
    ANOMALY_OVERLAY, GstVideoFilter);

enum
{
  PROP_0,
  PROP_MODE,
  PROP_ALPHA,
  PROP_COLORMAP,
  PROP_OUTLINE,
  PROP_SHOW_SCORE,
  PROP_MIN_SCORE
};

#define DEFAULT_MODE GST_ANOMALY_OVERLAY_MODE_BLEND
#define DEFAULT_ALPHA 0.5
#define DEFAULT_COLORMAP GST_ANOMALY_COLORMAP_JET
#define DEFAULT_OUTLINE TRUE
#define DEFAULT_SHOW_SCORE TRUE
#define DEFAULT_MIN_SCORE 0.5f

#define MAP_ONE 16384.0f        /* GRAY16 value of a normalised 1.0 */
#define COLOR_SPAN 2.0f         /* map value at the top of the colour scale */
#define BORDER 2                /* outline thickness, px */

#define BLEND_FORMATS "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, " \
  "ARGB, ABGR, I420, NV12, GRAY8 }"

struct _GstAnomalyOverlay
{
  GstVideoFilter parent;

  /* properties, under the object lock */
  GstAnomalyOverlayMode mode;
  gdouble alpha;
  GstAnomalyColormap colormap;
  gboolean outline;
  gboolean show_score;
  gfloat min_score;

  /* colour tables for the colormap in lut_cmap */
  gint lut_cmap;
  guint8 lut_rgb[256][3];
  guint8 lut_yuv[256][3];

  /* resampling from the map (mw x mh) to the video (width x height) */
  gint width, height, mw, mh;
  gint *col_idx, *row_idx;
  gfloat *col_w, *row_w;
  gfloat *rowbuf;               /* [mw + 1] vertically interpolated */
  gfloat *vals;                 /* [width] map values of the current row */
  guint8 *row_c;                /* [width] colour index */
  guint16 *row_a16;             /* [width] blend weight 0..256 */

  /* score text */
  cairo_surface_t *text_surf;
  gchar *text;
};

G_DEFINE_TYPE (GstAnomalyOverlay, gst_anomaly_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (anomalyoverlay, "anomalyoverlay",
    GST_RANK_NONE, GST_TYPE_ANOMALY_OVERLAY, anomaly_element_init (plugin));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (BLEND_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (BLEND_FORMATS) "; "
        GST_VIDEO_CAPS_MAKE ("GRAY16_LE")));

static GType
gst_anomaly_overlay_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ANOMALY_OVERLAY_MODE_BLEND, "Blend a heatmap onto the video",
        "blend"},
    {GST_ANOMALY_OVERLAY_MODE_MAP, "Output the map as GRAY16_LE", "map"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnomalyOverlayMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GType
gst_anomaly_colormap_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ANOMALY_COLORMAP_JET, "Blue-cyan-yellow-red", "jet"},
    {GST_ANOMALY_COLORMAP_INFERNO, "Black-purple-orange-yellow", "inferno"},
    {GST_ANOMALY_COLORMAP_TURBO, "Improved rainbow", "turbo"},
    {GST_ANOMALY_COLORMAP_GRAY, "Black to white", "gray"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnomalyColormap", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_anomaly_overlay_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_anomaly_overlay_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static void gst_anomaly_overlay_finalize (GObject * object);
static gboolean gst_anomaly_overlay_stop (GstBaseTransform * trans);
static GstCaps *gst_anomaly_overlay_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static gboolean gst_anomaly_overlay_transform_meta (GstBaseTransform * trans,
    GstBuffer * outbuf, GstMeta * meta, GstBuffer * inbuf);
static gboolean gst_anomaly_overlay_set_info (GstVideoFilter * filter,
    GstCaps * incaps, GstVideoInfo * in_info, GstCaps * outcaps,
    GstVideoInfo * out_info);
static GstFlowReturn gst_anomaly_overlay_transform_frame (GstVideoFilter *
    filter, GstVideoFrame * in, GstVideoFrame * out);
static GstFlowReturn gst_anomaly_overlay_transform_frame_ip (GstVideoFilter *
    filter, GstVideoFrame * frame);

static void
gst_anomaly_overlay_class_init (GstAnomalyOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *vfilter_class = GST_VIDEO_FILTER_CLASS (klass);

  gobject_class->set_property = gst_anomaly_overlay_set_property;
  gobject_class->get_property = gst_anomaly_overlay_get_property;
  gobject_class->finalize = gst_anomaly_overlay_finalize;

  /**
   * GstAnomalyOverlay:mode
   *
   * `blend` draws on the video in place; `map` outputs the anomaly map as
   * GRAY16_LE (16384 = score 1.0).
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Blend a heatmap onto the video, or output the map as GRAY16_LE",
          GST_TYPE_ANOMALY_OVERLAY_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyOverlay:alpha
   *
   * Opacity of the heatmap where the map reaches 1.0 (the threshold).
   */
  g_object_class_install_property (gobject_class, PROP_ALPHA,
      g_param_spec_double ("alpha", "Alpha",
          "Opacity of the heatmap at and above a map value of 1.0",
          0.0, 1.0, DEFAULT_ALPHA,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyOverlay:colormap
   *
   * Colour table of the heatmap.
   */
  g_object_class_install_property (gobject_class, PROP_COLORMAP,
      g_param_spec_enum ("colormap", "Colour map",
          "Colour table of the heatmap", GST_TYPE_ANOMALY_COLORMAP,
          DEFAULT_COLORMAP,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyOverlay:outline
   *
   * Draw red rectangles around the anomalous regions.
   */
  g_object_class_install_property (gobject_class, PROP_OUTLINE,
      g_param_spec_boolean ("outline", "Outline",
          "Draw red rectangles around anomalous regions", DEFAULT_OUTLINE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyOverlay:show-score
   *
   * Write the frame score (and ANOMALY when anomalous) in the top left
   * corner.
   */
  g_object_class_install_property (gobject_class, PROP_SHOW_SCORE,
      g_param_spec_boolean ("show-score", "Show score",
          "Write the frame score in the top left corner", DEFAULT_SHOW_SCORE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));
  /**
   * GstAnomalyOverlay:min-score
   *
   * Map values below this are not drawn in blend mode.
   */
  g_object_class_install_property (gobject_class, PROP_MIN_SCORE,
      g_param_spec_float ("min-score", "Minimum score",
          "Map values below this are not drawn (1.0 = threshold)",
          0.0f, 100.0f, DEFAULT_MIN_SCORE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING |
          G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Anomaly overlay", "Filter/Effect/Video",
      "Draws the anomaly heatmap, regions and score on the video, or "
      "outputs the anomaly map as a gray image", "gst-anomaly developers");

  trans_class->stop = GST_DEBUG_FUNCPTR (gst_anomaly_overlay_stop);
  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_anomaly_overlay_transform_caps);
  trans_class->transform_meta =
      GST_DEBUG_FUNCPTR (gst_anomaly_overlay_transform_meta);
  trans_class->passthrough_on_same_caps = FALSE;
  vfilter_class->set_info = GST_DEBUG_FUNCPTR (gst_anomaly_overlay_set_info);
  vfilter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_anomaly_overlay_transform_frame);
  vfilter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_anomaly_overlay_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_ANOMALY_OVERLAY_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ANOMALY_COLORMAP, 0);
}

static void
gst_anomaly_overlay_init (GstAnomalyOverlay * self)
{
  self->mode = DEFAULT_MODE;
  self->alpha = DEFAULT_ALPHA;
  self->colormap = DEFAULT_COLORMAP;
  self->outline = DEFAULT_OUTLINE;
  self->show_score = DEFAULT_SHOW_SCORE;
  self->min_score = DEFAULT_MIN_SCORE;
  self->lut_cmap = -1;
}

static void
gst_anomaly_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_ALPHA:
      self->alpha = g_value_get_double (value);
      break;
    case PROP_COLORMAP:
      self->colormap = g_value_get_enum (value);
      break;
    case PROP_OUTLINE:
      self->outline = g_value_get_boolean (value);
      break;
    case PROP_SHOW_SCORE:
      self->show_score = g_value_get_boolean (value);
      break;
    case PROP_MIN_SCORE:
      self->min_score = g_value_get_float (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  if (prop_id == PROP_MODE)
    gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
}

static void
gst_anomaly_overlay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_ALPHA:
      g_value_set_double (value, self->alpha);
      break;
    case PROP_COLORMAP:
      g_value_set_enum (value, self->colormap);
      break;
    case PROP_OUTLINE:
      g_value_set_boolean (value, self->outline);
      break;
    case PROP_SHOW_SCORE:
      g_value_set_boolean (value, self->show_score);
      break;
    case PROP_MIN_SCORE:
      g_value_set_float (value, self->min_score);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
free_resample (GstAnomalyOverlay * self)
{
  g_clear_pointer (&self->col_idx, g_free);
  g_clear_pointer (&self->row_idx, g_free);
  g_clear_pointer (&self->col_w, g_free);
  g_clear_pointer (&self->row_w, g_free);
  g_clear_pointer (&self->rowbuf, g_free);
  g_clear_pointer (&self->vals, g_free);
  g_clear_pointer (&self->row_c, g_free);
  g_clear_pointer (&self->row_a16, g_free);
  self->mw = self->mh = 0;
}

static void
free_text (GstAnomalyOverlay * self)
{
  g_clear_pointer (&self->text_surf, cairo_surface_destroy);
  g_clear_pointer (&self->text, g_free);
}

static void
gst_anomaly_overlay_finalize (GObject * object)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (object);

  free_resample (self);
  free_text (self);
  G_OBJECT_CLASS (gst_anomaly_overlay_parent_class)->finalize (object);
}

static gboolean
gst_anomaly_overlay_stop (GstBaseTransform * trans)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (trans);

  free_resample (self);
  free_text (self);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Caps                                                                     */

static GstCaps *
gst_anomaly_overlay_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (trans);
  GstAnomalyOverlayMode mode;
  GstCaps *res;

  GST_OBJECT_LOCK (self);
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);

  if (mode == GST_ANOMALY_OVERLAY_MODE_BLEND) {
    res = gst_caps_ref (caps);
  } else {
    GValue formats = G_VALUE_INIT;

    res = gst_caps_new_empty ();
    if (direction == GST_PAD_SRC) {
      GstCaps *tmpl = gst_static_pad_template_get_caps (&sink_template);

      gst_value_init_and_copy (&formats,
          gst_structure_get_value (gst_caps_get_structure (tmpl, 0), "format"));
      gst_caps_unref (tmpl);
    } else {
      g_value_init (&formats, G_TYPE_STRING);
      g_value_set_static_string (&formats, "GRAY16_LE");
    }
    for (guint i = 0; i < gst_caps_get_size (caps); i++) {
      GstStructure *s = gst_structure_copy (gst_caps_get_structure (caps, i));

      gst_structure_set_value (s, "format", &formats);
      gst_structure_remove_fields (s, "colorimetry", "chroma-site", NULL);
      gst_caps_append_structure_full (res, s,
          gst_caps_features_copy (gst_caps_get_features (caps, i)));
    }
    g_value_unset (&formats);
  }

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, res,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (res);
    res = tmp;
  }
  GST_DEBUG_OBJECT (self, "%s caps %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
      direction == GST_PAD_SINK ? "sink" : "src", caps, res);
  return res;
}

static gboolean
gst_anomaly_overlay_transform_meta (GstBaseTransform * trans,
    GstBuffer * outbuf, GstMeta * meta, GstBuffer * inbuf)
{
  if (meta->info->api == GST_ANOMALY_META_API_TYPE)
    return TRUE;
  return
      GST_BASE_TRANSFORM_CLASS
      (gst_anomaly_overlay_parent_class)->transform_meta (trans, outbuf, meta,
      inbuf);
}

static gboolean
gst_anomaly_overlay_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (filter);
  gboolean map_out =
      GST_VIDEO_INFO_FORMAT (out_info) == GST_VIDEO_FORMAT_GRAY16_LE;

  GST_DEBUG_OBJECT (self, "in %" GST_PTR_FORMAT " out %" GST_PTR_FORMAT,
      incaps, outcaps);
  if (GST_VIDEO_INFO_WIDTH (in_info) != GST_VIDEO_INFO_WIDTH (out_info) ||
      GST_VIDEO_INFO_HEIGHT (in_info) != GST_VIDEO_INFO_HEIGHT (out_info))
    goto size_changed;

  free_resample (self);
  free_text (self);
  self->width = GST_VIDEO_INFO_WIDTH (in_info);
  self->height = GST_VIDEO_INFO_HEIGHT (in_info);
  self->vals = g_new (gfloat, self->width);
  self->row_c = g_new (guint8, self->width);
  self->row_a16 = g_new (guint16, self->width);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), !map_out);
  return TRUE;

  /* ERRORS */
size_changed:
  {
    GST_ERROR_OBJECT (self, "input and output sizes differ");
    return FALSE;
  }
}

/* ------------------------------------------------------------------------ */
/* Colour tables                                                            */

typedef struct
{
  gfloat t;
  guint8 r, g, b;
} ColorStop;

/* Approximate control points of the perceptual maps; linear in between. */
static const ColorStop inferno_stops[] = {
  {0.00f, 0, 0, 4}, {0.15f, 31, 12, 72}, {0.30f, 85, 15, 109},
  {0.45f, 136, 34, 106}, {0.60f, 186, 54, 85}, {0.75f, 227, 89, 51},
  {0.85f, 249, 140, 10}, {0.95f, 245, 219, 76}, {1.00f, 252, 255, 164}
};

static const ColorStop turbo_stops[] = {
  {0.00f, 48, 18, 59}, {0.10f, 70, 98, 216}, {0.20f, 54, 170, 249},
  {0.30f, 26, 228, 182}, {0.40f, 114, 254, 94}, {0.50f, 164, 252, 60},
  {0.60f, 225, 221, 55}, {0.70f, 254, 164, 49}, {0.80f, 239, 90, 17},
  {0.90f, 194, 36, 3}, {1.00f, 122, 4, 3}
};

static guint8
clamp_u8 (gfloat v)
{
  return (guint8) CLAMP (v + 0.5f, 0.0f, 255.0f);
}

static void
color_from_stops (const ColorStop * stops, guint n, gfloat t, guint8 * rgb)
{
  guint i = 1;

  while (i < n - 1 && stops[i].t < t)
    i++;
  {
    const ColorStop *a = &stops[i - 1], *b = &stops[i];
    gfloat f = (t - a->t) / (b->t - a->t);

    f = CLAMP (f, 0.0f, 1.0f);
    rgb[0] = clamp_u8 (a->r + f * (b->r - a->r));
    rgb[1] = clamp_u8 (a->g + f * (b->g - a->g));
    rgb[2] = clamp_u8 (a->b + f * (b->b - a->b));
  }
}

static void
build_lut (GstAnomalyOverlay * self, GstAnomalyColormap cmap)
{
  for (gint i = 0; i < 256; i++) {
    gfloat t = i / 255.0f;
    guint8 *c = self->lut_rgb[i];
    gint r, g, b;

    switch (cmap) {
      case GST_ANOMALY_COLORMAP_JET:
        c[0] = clamp_u8 (255.0f * CLAMP (1.5f - fabsf (4.0f * t - 3.0f),
                0.0f, 1.0f));
        c[1] = clamp_u8 (255.0f * CLAMP (1.5f - fabsf (4.0f * t - 2.0f),
                0.0f, 1.0f));
        c[2] = clamp_u8 (255.0f * CLAMP (1.5f - fabsf (4.0f * t - 1.0f),
                0.0f, 1.0f));
        break;
      case GST_ANOMALY_COLORMAP_INFERNO:
        color_from_stops (inferno_stops, G_N_ELEMENTS (inferno_stops), t, c);
        break;
      case GST_ANOMALY_COLORMAP_TURBO:
        color_from_stops (turbo_stops, G_N_ELEMENTS (turbo_stops), t, c);
        break;
      case GST_ANOMALY_COLORMAP_GRAY:
      default:
        c[0] = c[1] = c[2] = (guint8) i;
        break;
    }
    /* BT.601 limited range */
    r = c[0];
    g = c[1];
    b = c[2];
    self->lut_yuv[i][0] = (guint8) (((66 * r + 129 * g + 25 * b + 128) >> 8)
        + 16);
    self->lut_yuv[i][1] = (guint8) (((-38 * r - 74 * g + 112 * b + 128) >> 8)
        + 128);
    self->lut_yuv[i][2] = (guint8) (((112 * r - 94 * g - 18 * b + 128) >> 8)
        + 128);
  }
  self->lut_cmap = cmap;
}

/* ------------------------------------------------------------------------ */
/* Map resampling                                                           */

static void
axis_weights (gint n_out, gint n_in, gint * idx, gfloat * w)
{
  gfloat scale = (gfloat) n_in / n_out;

  for (gint i = 0; i < n_out; i++) {
    gfloat s = (i + 0.5f) * scale - 0.5f;
    gint i0;

    s = CLAMP (s, 0.0f, (gfloat) (n_in - 1));
    i0 = (gint) s;
    idx[i] = i0;
    w[i] = s - i0;
  }
}

static void
ensure_resample (GstAnomalyOverlay * self, gint mw, gint mh)
{
  if (self->mw == mw && self->mh == mh && self->col_idx)
    return;
  g_free (self->col_idx);
  g_free (self->col_w);
  g_free (self->row_idx);
  g_free (self->row_w);
  g_free (self->rowbuf);
  self->col_idx = g_new (gint, self->width);
  self->col_w = g_new (gfloat, self->width);
  self->row_idx = g_new (gint, self->height);
  self->row_w = g_new (gfloat, self->height);
  self->rowbuf = g_new (gfloat, mw + 1);
  axis_weights (self->width, mw, self->col_idx, self->col_w);
  axis_weights (self->height, mh, self->row_idx, self->row_w);
  self->mw = mw;
  self->mh = mh;
}

/* Fills self->vals with the map at video row y; returns the row maximum
 * of the vertically interpolated map (an upper bound of vals). */
static gfloat
resample_row (GstAnomalyOverlay * self, const gfloat * map, gint y)
{
  gint r0 = self->row_idx[y], r1 = MIN (r0 + 1, self->mh - 1);
  gfloat wy = self->row_w[y], vmax = 0.0f;
  const gfloat *a = map + (gsize) r0 * self->mw;
  const gfloat *b = map + (gsize) r1 * self->mw;
  gfloat *rb = self->rowbuf;

  for (gint x = 0; x < self->mw; x++) {
    rb[x] = a[x] + wy * (b[x] - a[x]);
    vmax = MAX (vmax, rb[x]);
  }
  rb[self->mw] = rb[self->mw - 1];
  for (gint x = 0; x < self->width; x++) {
    gint i = self->col_idx[x];

    self->vals[x] = rb[i] + self->col_w[x] * (rb[i + 1] - rb[i]);
  }
  return vmax;
}

/* ------------------------------------------------------------------------ */
/* Map mode                                                                 */

static GstFlowReturn
gst_anomaly_overlay_transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in, GstVideoFrame * out)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (filter);
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (in->buffer);
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (out, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (out, 0);

  if (!meta || !meta->map || meta->width <= 0 || meta->height <= 0) {
    for (gint y = 0; y < self->height; y++)
      memset (data + (gsize) y * stride, 0, self->width * 2);
    return GST_FLOW_OK;
  }
  ensure_resample (self, meta->width, meta->height);
  for (gint y = 0; y < self->height; y++) {
    guint8 *row = data + (gsize) y * stride;

    resample_row (self, meta->map, y);
    for (gint x = 0; x < self->width; x++) {
      gfloat v = self->vals[x] * MAP_ONE + 0.5f;
      guint16 u = v <= 0.0f ? 0 : v >= 65535.0f ? 65535 : (guint16) v;

      row[2 * x] = u & 0xff;
      row[2 * x + 1] = u >> 8;
    }
  }
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------ */
/* Blend mode                                                               */

typedef struct
{
  gboolean yuv;
  /* packed RGB */
  guint8 *data;
  gint stride, pstride, off[3];
  /* 4:2:0 YUV: Y plane, U and V (pstride 1 for I420, 2 for NV12);
   * GRAY8 is handled as a Y plane alone (up and vp NULL) */
  guint8 *yp, *up, *vp;
  gint ys, us, vs, cps;
} Target;

static void
target_init (Target * t, GstVideoFrame * f)
{
  memset (t, 0, sizeof (*t));
  if (GST_VIDEO_INFO_IS_GRAY (&f->info)) {
    t->yuv = TRUE;
    t->yp = GST_VIDEO_FRAME_COMP_DATA (f, 0);
    t->ys = GST_VIDEO_FRAME_COMP_STRIDE (f, 0);
  } else if (GST_VIDEO_INFO_IS_YUV (&f->info)) {
    t->yuv = TRUE;
    t->yp = GST_VIDEO_FRAME_COMP_DATA (f, 0);
    t->up = GST_VIDEO_FRAME_COMP_DATA (f, 1);
    t->vp = GST_VIDEO_FRAME_COMP_DATA (f, 2);
    t->ys = GST_VIDEO_FRAME_COMP_STRIDE (f, 0);
    t->us = GST_VIDEO_FRAME_COMP_STRIDE (f, 1);
    t->vs = GST_VIDEO_FRAME_COMP_STRIDE (f, 2);
    t->cps = GST_VIDEO_FRAME_COMP_PSTRIDE (f, 1);
  } else {
    t->data = GST_VIDEO_FRAME_PLANE_DATA (f, 0);
    t->stride = GST_VIDEO_FRAME_PLANE_STRIDE (f, 0);
    t->pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (f, 0);
    for (gint c = 0; c < 3; c++)
      t->off[c] = GST_VIDEO_FRAME_COMP_POFFSET (f, c);
  }
}

#define MIX(d, c, a) ((guint8) (((d) * (256 - (a)) + (c) * (a)) >> 8))

static void
blend_heatmap (GstAnomalyOverlay * self, Target * t, const gfloat * map,
    gfloat alpha, gfloat ms)
{
  gint w = self->width, a256 = (gint) (alpha * 256.0f + 0.5f);
  gfloat ramp = ms < 1.0f ? 1.0f / (1.0f - ms) : 0.0f;
  gfloat cscale = 255.0f / COLOR_SPAN;

  if (a256 <= 0)
    return;
  for (gint y = 0; y < self->height; y++) {
    gboolean any = FALSE;

    if (resample_row (self, map, y) < ms)
      continue;
    for (gint x = 0; x < w; x++) {
      gfloat v = self->vals[x], f;

      if (v < ms) {
        self->row_a16[x] = 0;
        continue;
      }
      f = ramp > 0.0f ? MIN ((v - ms) * ramp, 1.0f) : 1.0f;
      self->row_a16[x] = (guint16) (a256 * f);
      self->row_c[x] = (guint8) MIN (v * cscale, 255.0f);
      any |= self->row_a16[x] > 0;
    }
    if (!any)
      continue;

    if (!t->yuv) {
      guint8 *row = t->data + (gsize) y * t->stride;
      gint o0 = t->off[0], o1 = t->off[1], o2 = t->off[2], ps = t->pstride;

      for (gint x = 0; x < w; x++) {
        gint a = self->row_a16[x];
        const guint8 *c;
        guint8 *p;

        if (!a)
          continue;
        c = self->lut_rgb[self->row_c[x]];
        p = row + x * ps;
        p[o0] = MIX (p[o0], c[0], a);
        p[o1] = MIX (p[o1], c[1], a);
        p[o2] = MIX (p[o2], c[2], a);
      }
    } else {
      guint8 *yr = t->yp + (gsize) y * t->ys;

      for (gint x = 0; x < w; x++) {
        gint a = self->row_a16[x];

        if (a)
          yr[x] = MIX (yr[x], self->lut_yuv[self->row_c[x]][0], a);
      }
      if (t->up && (y & 1) == 0) {
        guint8 *ur = t->up + (gsize) (y / 2) * t->us;
        guint8 *vr = t->vp + (gsize) (y / 2) * t->vs;

        for (gint x = 0; x < w; x += 2) {
          gint a = self->row_a16[x], o = (x / 2) * t->cps;
          const guint8 *c;

          if (!a)
            continue;
          c = self->lut_yuv[self->row_c[x]];
          ur[o] = MIX (ur[o], c[1], a);
          vr[o] = MIX (vr[o], c[2], a);
        }
      }
    }
  }
}

/* Fills the inclusive pixel rectangle with opaque red. */
static void
fill_red (GstAnomalyOverlay * self, Target * t, gint x0, gint y0, gint x1,
    gint y1)
{
  x0 = MAX (x0, 0);
  y0 = MAX (y0, 0);
  x1 = MIN (x1, self->width - 1);
  y1 = MIN (y1, self->height - 1);
  if (x0 > x1 || y0 > y1)
    return;
  for (gint y = y0; y <= y1; y++) {
    if (!t->yuv) {
      guint8 *row = t->data + (gsize) y * t->stride;

      for (gint x = x0; x <= x1; x++) {
        guint8 *p = row + x * t->pstride;

        p[t->off[0]] = 255;
        p[t->off[1]] = 0;
        p[t->off[2]] = 0;
      }
    } else {
      guint8 *yr = t->yp + (gsize) y * t->ys;
      guint8 *ur, *vr;

      memset (yr + x0, 82, x1 - x0 + 1);
      if (!t->up)
        continue;
      ur = t->up + (gsize) (y / 2) * t->us;
      vr = t->vp + (gsize) (y / 2) * t->vs;
      for (gint cx = x0 / 2; cx <= x1 / 2; cx++) {
        ur[cx * t->cps] = 90;
        vr[cx * t->cps] = 240;
      }
    }
  }
}

static void
draw_outlines (GstAnomalyOverlay * self, Target * t, const GArray * regions)
{
  for (guint i = 0; i < regions->len; i++) {
    const GstAnomalyRegion *r = &g_array_index (regions, GstAnomalyRegion, i);
    gint x0 = (gint) floorf (r->x * self->width);
    gint y0 = (gint) floorf (r->y * self->height);
    gint x1 = (gint) ceilf ((r->x + r->w) * self->width) - 1;
    gint y1 = (gint) ceilf ((r->y + r->h) * self->height) - 1;

    fill_red (self, t, x0, y0, x1, y0 + BORDER - 1);
    fill_red (self, t, x0, y1 - BORDER + 1, x1, y1);
    fill_red (self, t, x0, y0, x0 + BORDER - 1, y1);
    fill_red (self, t, x1 - BORDER + 1, y0, x1, y1);
  }
}

/* Renders text into self->text_surf unless it is already there. */
static void
render_text (GstAnomalyOverlay * self, const gchar * text, gboolean alarm)
{
  cairo_surface_t *probe;
  cairo_t *cr;
  PangoLayout *layout;
  PangoFontDescription *desc;
  PangoRectangle ink, logical;
  gint px = CLAMP (self->height / 28, 9, 48), pad = px / 3 + 1, sw, sh;

  if (self->text_surf && g_strcmp0 (text, self->text) == 0)
    return;
  free_text (self);

  probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (probe);
  layout = pango_cairo_create_layout (cr);
  desc = pango_font_description_from_string ("Sans Bold");
  pango_font_description_set_absolute_size (desc, px * PANGO_SCALE);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, &ink, &logical);
  cairo_destroy (cr);
  cairo_surface_destroy (probe);

  sw = MIN (logical.width + 2 * pad, self->width);
  sh = MIN (logical.height + 2 * pad, self->height);
  self->text_surf = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
      MAX (sw, 1), MAX (sh, 1));
  if (cairo_surface_status (self->text_surf) != CAIRO_STATUS_SUCCESS) {
    GST_WARNING_OBJECT (self, "no text surface: %s",
        cairo_status_to_string (cairo_surface_status (self->text_surf)));
    g_clear_pointer (&self->text_surf, cairo_surface_destroy);
    g_object_unref (layout);
    return;
  }
  cr = cairo_create (self->text_surf);
  if (alarm)
    cairo_set_source_rgba (cr, 0.75, 0.0, 0.0, 0.75);
  else
    cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
  cairo_paint (cr);
  cairo_move_to (cr, pad, pad);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  pango_cairo_update_layout (cr, layout);
  pango_cairo_show_layout (cr, layout);
  cairo_destroy (cr);
  g_object_unref (layout);
  cairo_surface_flush (self->text_surf);
  self->text = g_strdup (text);
}

/* Blends the premultiplied ARGB text surface at (ox, oy). */
static void
blend_text (GstAnomalyOverlay * self, Target * t, gint ox, gint oy)
{
  const guint8 *sd = cairo_image_surface_get_data (self->text_surf);
  gint ss = cairo_image_surface_get_stride (self->text_surf);
  gint sw = MIN (cairo_image_surface_get_width (self->text_surf),
      self->width - ox);
  gint sh = MIN (cairo_image_surface_get_height (self->text_surf),
      self->height - oy);

  for (gint y = 0; y < sh; y++) {
    const guint32 *src = (const guint32 *) (sd + (gsize) y * ss);
    gint dy = oy + y;

    for (gint x = 0; x < sw; x++) {
      guint32 px = src[x];
      gint a = px >> 24, r = (px >> 16) & 0xff, g = (px >> 8) & 0xff,
          b = px & 0xff, dx = ox + x, ia = 255 - a;

      if (!a)
        continue;
      if (!t->yuv) {
        guint8 *p = t->data + (gsize) dy * t->stride + dx * t->pstride;

        p[t->off[0]] = (guint8) (r + (p[t->off[0]] * ia + 127) / 255);
        p[t->off[1]] = (guint8) (g + (p[t->off[1]] * ia + 127) / 255);
        p[t->off[2]] = (guint8) (b + (p[t->off[2]] * ia + 127) / 255);
      } else {
        guint8 *yp = t->yp + (gsize) dy * t->ys + dx;
        gint yc = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16 * a / 255;

        *yp = (guint8) CLAMP (yc + (*yp * ia + 127) / 255, 0, 255);
        if (t->up && !(dy & 1) && !(dx & 1)) {
          guint8 *up = t->up + (gsize) (dy / 2) * t->us + (dx / 2) * t->cps;
          guint8 *vp = t->vp + (gsize) (dy / 2) * t->vs + (dx / 2) * t->cps;
          gint uc = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128 * a / 255;
          gint vc = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128 * a / 255;

          *up = (guint8) CLAMP (uc + (*up * ia + 127) / 255, 0, 255);
          *vp = (guint8) CLAMP (vc + (*vp * ia + 127) / 255, 0, 255);
        }
      }
    }
  }
}

static GstFlowReturn
gst_anomaly_overlay_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstAnomalyOverlay *self = GST_ANOMALY_OVERLAY (filter);
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (frame->buffer);
  gfloat alpha, ms;
  gboolean outline, show_score;
  GstAnomalyColormap cmap;
  Target t;

  if (!meta || !meta->scored)
    return GST_FLOW_OK;

  GST_OBJECT_LOCK (self);
  alpha = (gfloat) self->alpha;
  ms = self->min_score;
  outline = self->outline;
  show_score = self->show_score;
  cmap = self->colormap;
  GST_OBJECT_UNLOCK (self);

  if ((gint) cmap != self->lut_cmap)
    build_lut (self, cmap);
  target_init (&t, frame);

  if (meta->map && meta->width > 0 && meta->height > 0) {
    ensure_resample (self, meta->width, meta->height);
    blend_heatmap (self, &t, meta->map, alpha, ms);
  }
  if (outline && meta->regions)
    draw_outlines (self, &t, meta->regions);
  if (show_score) {
    gchar text[64];
    /* while anomalous, why: the largest of the score's parts */
    const gchar *why = meta->anomalous ? anomaly_main_part (meta->parts) :
        NULL;

    g_snprintf (text, sizeof (text), "score %.2f%s%s%s%s", meta->score,
        meta->anomalous ? " ANOMALY" : "", why ? " (" : "", why ? why : "",
        why ? ")" : "");
    render_text (self, text, meta->anomalous);
    if (self->text_surf)
      blend_text (self, &t, MIN (8, self->width / 50), MIN (8,
              self->height / 50));
  }
  return GST_FLOW_OK;
}
