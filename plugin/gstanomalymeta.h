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
 * @peak: the highest value of #GstAnomalyMeta.map multiplied by the
 *   scorer's sensitivity over the region's pixels.  Every pixel of the
 *   region has map x sensitivity at or above #GstAnomalyMeta.threshold, so
 *   @peak is at least that threshold; on the scale of the map (1.0 = the
 *   calibrated pixel threshold), not of the frame score.
 *
 * An anomalous region: the bounding box, at model resolution, of one
 * 8-connected component of the pixels whose map x sensitivity is at or
 * above the threshold.  Coordinates are resolution independent: multiply
 * by the video's width or height for pixels.
 */
typedef struct
{
  gfloat x, y, w, h;
  gfloat peak;
} GstAnomalyRegion;

typedef struct _GstAnomalyMeta GstAnomalyMeta;

/* Parts of the score in GstAnomalyMeta.parts (learned, motion, pattern,
 * still, wander, feature). */
#define GST_ANOMALY_META_N_PARTS 6

/**
 * GstAnomalyMeta:
 * @meta: parent #GstMeta
 * @frame: frame counter of the stream, from anomalyextract: buffers since the
 *   start of the stream or the last flush, from 0
 * @width: model resolution width (of @features, @recon and @map)
 * @height: model resolution height
 * @n_features: channels in @features (0 while there are none)
 * @features: (nullable): float [n_features, height, width], set by
 *   anomalyextract: gray or RGB values in [0,1], then, with motion inputs,
 *   the absolute difference to the previous frame
 * @n_recon: channels in @recon (0 while there is none)
 * @recon: (nullable): float [n_recon, height, width], the model's estimate of
 *   this frame, set by anomalyrecon; NULL while none exists yet
 * @model: (nullable): opaque reference to the model that made @recon
 *   (a #GstAnomalyModel, see gstanomalymodel.h), kept alive by the meta
 * @scored: TRUE once anomalyscore has filled @score, @raw_score,
 *   @threshold, @anomalous, @map and @regions; FALSE (and those fields
 *   unset: 0, 1.0 for @threshold, NULL) before
 * @score: frame score: @raw_score divided by the model's calibrated
 *   threshold, times the scorer's sensitivity (1.0 = calibrated threshold
 *   at sensitivity 1; @raw_score times the sensitivity when the model has
 *   no calibration).  Per frame, before the scorer's smoothing.
 * @raw_score: fused raw frame score of the core scorer (after its temporal
 *   window), before normalisation and sensitivity
 * @threshold: the scorer's threshold property when the frame was scored
 *   (1.0 by default): the decision compares the smoothed @score with it,
 *   and @regions hold map x sensitivity at or above it
 * @anomalous: TRUE while an anomaly event is open, from the frame that
 *   starts it (the smoothed score at or above @threshold for min-frames
 *   frames) up to the frame before the one that ends it (smoothed score
 *   below @threshold x hysteresis)
 * @map: (nullable): float [height, width], row-major, the per-pixel score
 *   normalised by the model's calibrated pixel threshold (1.0 = pixel
 *   threshold; raw values when the model has no calibration); not
 *   multiplied by the sensitivity
 * @regions: (element-type GstAnomalyRegion) (nullable): anomalous regions of
 *   this frame, largest first, at most 16, each at least the scorer's
 *   min-region of the frame area; may be empty
 * @model_ref: function that takes a new reference to @model (used when the
 *   meta is copied)
 * @model_unref: function that releases the meta's reference to @model
 * @parts: set with @score: each part's term in @score, in the order
 *   learned (prediction error), motion (plain motion), pattern (novel
 *   motion patterns), still (a stationary change such as a left object),
 *   wander (wandering), feature (something unlike what the training
 *   footage showed in that place), as the "anomaly" message of
 *   anomalyscore names them and times the same sensitivity; they add up
 *   to about @score (@score takes the median of the learned, motion and
 *   feature terms over a few frames, @parts this frame's); all 0 before
 *   scoring
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

  /* added: the score's parts, GST_ANOMALY_META_N_PARTS of them */
  gfloat parts[GST_ANOMALY_META_N_PARTS];
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
