/* GStreamer anomaly detection plugin
 * gstanomalymeta.h - the public meta that carries features, reconstruction
 * and scores on video buffers.  Installed for applications.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ANOMALY_META_H__
#define __GST_ANOMALY_META_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/**
 * GstAnomalyRegion:
 * @x: left edge, as a fraction of the frame width (0..1)
 * @y: top edge, as a fraction of the frame height (0..1)
 * @w: width, as a fraction of the frame width
 * @h: height, as a fraction of the frame height
 * @peak: highest normalised pixel score inside the region (1.0 = threshold)
 *
 * An anomalous region.  Coordinates are resolution independent.
 */
typedef struct
{
  gfloat x, y, w, h;
  gfloat peak;
} GstAnomalyRegion;

typedef struct _GstAnomalyMeta GstAnomalyMeta;

/**
 * GstAnomalyMeta:
 * @meta: parent #GstMeta
 * @width: model resolution width (of @features, @recon and @map)
 * @height: model resolution height
 * @n_features: channels in @features
 * @features: (nullable): float [n_features, height, width], set by
 *   anomalyextract
 * @n_recon: channels in @recon
 * @recon: (nullable): float [n_recon, height, width], the model's estimate of
 *   this frame, set by anomalyrecon; NULL while none exists yet
 * @model: (nullable): opaque reference to the model that made @recon
 *   (a #GstAnomalyModel, see gstanomalymodel.h), kept alive by the meta
 * @scored: TRUE once anomalyscore has filled the fields below
 * @score: normalised frame score (1.0 = calibrated threshold)
 * @raw_score: fused raw frame score before normalisation
 * @threshold: decision threshold applied to @score (1.0 unless changed by
 *   the scorer's threshold property)
 * @anomalous: TRUE when the smoothed, hysteresis-filtered decision says
 *   anomalous
 * @map: (nullable): float [height, width] normalised per-pixel score
 * @regions: (element-type GstAnomalyRegion) (nullable): anomalous regions
 * @frame: frame counter of the stream, from anomalyextract
 * @model_ref: function that takes a new reference to @model (used when the
 *   meta is copied)
 * @model_unref: function that releases the meta's reference to @model
 *
 * The meta is tagged video (not size or orientation dependent in value
 * terms): all coordinates are fractions and all maps are at model
 * resolution, so it is copied unchanged through videoscale and
 * videoconvert.  It owns every array it points to.
 */
struct _GstAnomalyMeta
{
  GstMeta meta;

  guint64 frame;
  gint width, height;

  gint n_features;
  gfloat *features;

  gint n_recon;
  gfloat *recon;
  gpointer model;

  gboolean scored;
  gfloat score;
  gfloat raw_score;
  gfloat threshold;
  gboolean anomalous;
  gfloat *map;
  GArray *regions;

  /* added: how to copy / release @model (see gst_anomaly_meta_set_model) */
  GBoxedCopyFunc model_ref;
  GDestroyNotify model_unref;
};

GType gst_anomaly_meta_api_get_type (void);
const GstMetaInfo *gst_anomaly_meta_get_info (void);

#define GST_ANOMALY_META_API_TYPE (gst_anomaly_meta_api_get_type ())
#define GST_ANOMALY_META_INFO (gst_anomaly_meta_get_info ())
#define gst_buffer_get_anomaly_meta(b) \
  ((GstAnomalyMeta *) gst_buffer_get_meta ((b), GST_ANOMALY_META_API_TYPE))

GstAnomalyMeta *gst_buffer_add_anomaly_meta (GstBuffer * buffer,
    gint width, gint height);

/* Setters take ownership of g_malloc'd arrays (freeing any previous one). */
void gst_anomaly_meta_take_features (GstAnomalyMeta * meta, gint n,
    gfloat * features);
void gst_anomaly_meta_take_recon (GstAnomalyMeta * meta, gint n,
    gfloat * recon, gpointer model);
void gst_anomaly_meta_take_map (GstAnomalyMeta * meta, gfloat * map);

/* Added: the meta library does not know the model type.  set_model stores
 * @model with its own ref/unref functions, taking a new reference with @ref
 * (a %NULL @model just releases the old one).  take_recon uses the default
 * functions installed once by the model code
 * (gst_anomaly_meta_set_default_model_funcs, called by gstanomalymodel.c
 * before the first model exists). */
void gst_anomaly_meta_set_model (GstAnomalyMeta * meta, gpointer model,
    GBoxedCopyFunc ref, GDestroyNotify unref);
void gst_anomaly_meta_set_default_model_funcs (GBoxedCopyFunc ref,
    GDestroyNotify unref);

G_END_DECLS
#endif /* __GST_ANOMALY_META_H__ */
