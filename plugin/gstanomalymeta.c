/* GStreamer anomaly detection plugin
 * gstanomalymeta.c - the meta that carries features, reconstruction, maps
 * and scores from element to element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstanomalymeta
 * @title: GstAnomalyMeta
 * @short_description: anomaly features, reconstruction and scores on video
 *   buffers
 *
 * anomalyextract adds a #GstAnomalyMeta with the frame's features,
 * anomalyrecon adds the model's reconstruction (with a reference to the
 * model), anomalyscore fills the scores, the per-pixel map and the regions.
 *
 * Every value is resolution independent (maps are at model resolution,
 * regions are fractions of the frame), so the meta is tagged
 * %GST_META_TAG_VIDEO_STR only and copied unchanged, deeply, through copies
 * and video transforms such as videoscale and videoconvert.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstanomalymeta.h"

/* Default model functions, installed by the model code. */
static GBoxedCopyFunc default_model_ref;
static GDestroyNotify default_model_unref;
G_LOCK_DEFINE_STATIC (default_funcs);

GType
gst_anomaly_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR, NULL };

  if (g_once_init_enter (&type)) {
    GType _type = gst_meta_api_type_register ("GstAnomalyMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

static gboolean
gst_anomaly_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstAnomalyMeta *am = (GstAnomalyMeta *) meta;

  am->frame = 0;
  am->width = am->height = 0;
  am->n_features = 0;
  am->features = NULL;
  am->n_recon = 0;
  am->recon = NULL;
  am->model = NULL;
  am->model_ref = NULL;
  am->model_unref = NULL;
  am->scored = FALSE;
  am->score = 0.0f;
  am->raw_score = 0.0f;
  am->threshold = 1.0f;
  am->anomalous = FALSE;
  am->map = NULL;
  am->regions = NULL;
  memset (am->parts, 0, sizeof am->parts);
  return TRUE;
}

static void
release_model (GstAnomalyMeta * am)
{
  gpointer model = am->model;
  GDestroyNotify unref = am->model_unref;

  am->model = NULL;
  am->model_ref = NULL;
  am->model_unref = NULL;
  if (model && unref)
    unref (model);
}

static void
gst_anomaly_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstAnomalyMeta *am = (GstAnomalyMeta *) meta;

  g_clear_pointer (&am->features, g_free);
  g_clear_pointer (&am->recon, g_free);
  g_clear_pointer (&am->map, g_free);
  g_clear_pointer (&am->regions, g_array_unref);
  release_model (am);
}

static gfloat *
dup_floats (const gfloat * src, gsize count)
{
  if (!src || count == 0)
    return NULL;
  return g_memdup2 (src, count * sizeof (gfloat));
}

static gboolean
gst_anomaly_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstAnomalyMeta *src = (GstAnomalyMeta *) meta;
  GstAnomalyMeta *dst;
  gsize plane;

  /* Copies and every video transform (scale, convert...) keep the values:
   * maps are at model resolution and regions are fractions. */
  if (!GST_META_TRANSFORM_IS_COPY (type) &&
      !GST_VIDEO_META_TRANSFORM_IS_SCALE (type))
    return FALSE;

  dst = gst_buffer_get_anomaly_meta (dest);
  if (dst == NULL)
    dst = gst_buffer_add_anomaly_meta (dest, src->width, src->height);
  if (dst == NULL)
    return FALSE;
  if (dst == src)
    return TRUE;

  plane = (gsize) src->width * (gsize) src->height;
  dst->frame = src->frame;
  dst->width = src->width;
  dst->height = src->height;
  gst_anomaly_meta_take_features (dst, src->n_features,
      dup_floats (src->features, plane * MAX (src->n_features, 0)));
  g_free (dst->recon);
  dst->n_recon = src->n_recon;
  dst->recon = dup_floats (src->recon, plane * MAX (src->n_recon, 0));
  gst_anomaly_meta_set_model (dst, src->model, src->model_ref,
      src->model_unref);
  dst->scored = src->scored;
  dst->score = src->score;
  dst->raw_score = src->raw_score;
  dst->threshold = src->threshold;
  dst->anomalous = src->anomalous;
  memcpy (dst->parts, src->parts, sizeof dst->parts);
  gst_anomaly_meta_take_map (dst, dup_floats (src->map, plane));
  g_clear_pointer (&dst->regions, g_array_unref);
  if (src->regions) {
    dst->regions = g_array_sized_new (FALSE, FALSE, sizeof (GstAnomalyRegion),
        src->regions->len);
    g_array_append_vals (dst->regions, src->regions->data, src->regions->len);
  }
  return TRUE;
}

const GstMetaInfo *
gst_anomaly_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_ANOMALY_META_API_TYPE,
        "GstAnomalyMeta", sizeof (GstAnomalyMeta), gst_anomaly_meta_init,
        gst_anomaly_meta_free, gst_anomaly_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_add_anomaly_meta:
 * @buffer: a writable #GstBuffer
 * @width: model resolution width
 * @height: model resolution height
 *
 * Adds an empty #GstAnomalyMeta (no features, reconstruction or scores,
 * threshold 1.0) to @buffer.
 *
 * Returns: (transfer none) (nullable): the new meta
 */
GstAnomalyMeta *
gst_buffer_add_anomaly_meta (GstBuffer * buffer, gint width, gint height)
{
  GstAnomalyMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (width >= 0 && height >= 0, NULL);

  meta = (GstAnomalyMeta *) gst_buffer_add_meta (buffer,
      GST_ANOMALY_META_INFO, NULL);
  if (meta) {
    meta->width = width;
    meta->height = height;
  }
  return meta;
}

/**
 * gst_anomaly_meta_take_features:
 * @meta: a #GstAnomalyMeta
 * @n: channels in @features
 * @features: (transfer full) (nullable): g_malloc'd float [n, height, width]
 *
 * Replaces the features, freeing the previous ones.
 */
void
gst_anomaly_meta_take_features (GstAnomalyMeta * meta, gint n,
    gfloat * features)
{
  g_return_if_fail (meta != NULL);

  if (meta->features != features)
    g_free (meta->features);
  meta->features = features;
  meta->n_features = features ? n : 0;
}

/**
 * gst_anomaly_meta_take_recon:
 * @meta: a #GstAnomalyMeta
 * @n: channels in @recon
 * @recon: (transfer full) (nullable): g_malloc'd float [n, height, width]
 * @model: (transfer none) (nullable): the #GstAnomalyModel that made it
 *
 * Replaces the reconstruction, freeing the previous one, and keeps a new
 * reference to @model (released with the meta).  The reference is taken
 * with the functions installed by gst_anomaly_meta_set_default_model_funcs.
 */
void
gst_anomaly_meta_take_recon (GstAnomalyMeta * meta, gint n, gfloat * recon,
    gpointer model)
{
  GBoxedCopyFunc ref;
  GDestroyNotify unref;

  g_return_if_fail (meta != NULL);

  if (meta->recon != recon)
    g_free (meta->recon);
  meta->recon = recon;
  meta->n_recon = recon ? n : 0;

  G_LOCK (default_funcs);
  ref = default_model_ref;
  unref = default_model_unref;
  G_UNLOCK (default_funcs);
  g_return_if_fail (model == NULL || (ref != NULL && unref != NULL));
  gst_anomaly_meta_set_model (meta, model, ref, unref);
}

/**
 * gst_anomaly_meta_set_model:
 * @meta: a #GstAnomalyMeta
 * @model: (transfer none) (nullable): the model, or %NULL to drop it
 * @ref: takes a new reference to @model
 * @unref: releases a reference to @model
 *
 * Stores @model in the meta with a new reference taken by @ref; the meta
 * releases it with @unref when it is freed or its model replaced, and copies
 * of the meta take their own references with @ref.
 */
void
gst_anomaly_meta_set_model (GstAnomalyMeta * meta, gpointer model,
    GBoxedCopyFunc ref, GDestroyNotify unref)
{
  gpointer new_model = NULL;

  g_return_if_fail (meta != NULL);
  g_return_if_fail (model == NULL || (ref != NULL && unref != NULL));

  if (model)
    new_model = ref (model);
  release_model (meta);
  if (new_model) {
    meta->model = new_model;
    meta->model_ref = ref;
    meta->model_unref = unref;
  }
}

/**
 * gst_anomaly_meta_set_default_model_funcs:
 * @ref: takes a new reference to a model
 * @unref: releases a reference to a model
 *
 * Installs the functions gst_anomaly_meta_take_recon() uses for its model
 * argument.  The model code calls this once, before any model exists.
 */
void
gst_anomaly_meta_set_default_model_funcs (GBoxedCopyFunc ref,
    GDestroyNotify unref)
{
  G_LOCK (default_funcs);
  default_model_ref = ref;
  default_model_unref = unref;
  G_UNLOCK (default_funcs);
}

/**
 * gst_anomaly_meta_take_map:
 * @meta: a #GstAnomalyMeta
 * @map: (transfer full) (nullable): g_malloc'd float [height, width]
 *
 * Replaces the per-pixel score map, freeing the previous one.
 */
void
gst_anomaly_meta_take_map (GstAnomalyMeta * meta, gfloat * map)
{
  g_return_if_fail (meta != NULL);

  if (meta->map != map)
    g_free (meta->map);
  meta->map = map;
}
