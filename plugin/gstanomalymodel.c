/* GStreamer anomaly detection plugin
 * gstanomalymodel.c - reference-counted models shared through a
 * process-wide cache.
 *
 * The cache maps "path, size, mtime" to a live model.  Entries are weak:
 * the cache holds no reference, and the last unref removes the entry and
 * frees the model.  Unrefs that may reach zero and cache look-ups both run
 * under the cache mutex, so a look-up never revives a dying model.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "gstanomalymeta.h"
#include "gstanomalymodel.h"

struct _GstAnomalyModel
{
  gint refcount;
  ad_model *model;
  gchar *key;                   /* cache key, NULL when not cached */
};

static GMutex cache_lock;
static GHashTable *cache;       /* key -> GstAnomalyModel (weak) */
static gint live_count;

G_DEFINE_QUARK (gst-anomaly-model-error-quark, gst_anomaly_model_error);

static GstAnomalyModel *
model_wrap (ad_model * m, gchar * key)
{
  static gsize funcs_done = 0;
  GstAnomalyModel *model;

  if (g_once_init_enter (&funcs_done)) {
    gst_anomaly_meta_set_default_model_funcs (
        (GBoxedCopyFunc) gst_anomaly_model_ref,
        (GDestroyNotify) gst_anomaly_model_unref);
    g_once_init_leave (&funcs_done, 1);
  }

  model = g_new0 (GstAnomalyModel, 1);
  model->refcount = 1;
  model->model = m;
  model->key = key;
  g_atomic_int_inc (&live_count);
  return model;
}

/**
 * gst_anomaly_model_new_take:
 * @model: (transfer full): a model built by the caller
 *
 * Wraps @model in a new, uncached #GstAnomalyModel.
 *
 * Returns: (transfer full): the wrapper, or %NULL if @model is %NULL
 */
GstAnomalyModel *
gst_anomaly_model_new_take (ad_model * model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model_wrap (model, NULL);
}

static gchar *
make_key (const gchar * path, const GStatBuf * st)
{
  return g_strdup_printf ("%s|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT ".%09ld",
      path, (gint64) st->st_size, (gint64) st->st_mtim.tv_sec,
      (long) st->st_mtim.tv_nsec);
}

/**
 * gst_anomaly_model_load:
 * @path: model file
 * @error: return location for a #GST_ANOMALY_MODEL_ERROR (code: the
 *   ad_status of the failure, message: what went wrong)
 *
 * Returns the cached model for the current version of @path, loading it
 * when no live one exists.
 *
 * Returns: (transfer full) (nullable): the model, %NULL on error
 */
GstAnomalyModel *
gst_anomaly_model_load (const gchar * path, GError ** error)
{
  GStatBuf st;
  gchar *key;
  GstAnomalyModel *model, *other;
  ad_model *m = NULL;
  ad_error err;
  ad_status status;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0) {
    int e = errno;

    g_set_error (error, GST_ANOMALY_MODEL_ERROR, AD_ERR_IO,
        "cannot open model file '%s': %s", path, g_strerror (e));
    return NULL;
  }
  key = make_key (path, &st);

  g_mutex_lock (&cache_lock);
  if (cache && (model = g_hash_table_lookup (cache, key))) {
    g_atomic_int_inc (&model->refcount);
    g_mutex_unlock (&cache_lock);
    g_free (key);
    return model;
  }
  g_mutex_unlock (&cache_lock);

  /* load outside the lock: it may take a while */
  memset (&err, 0, sizeof (err));
  status = ad_model_load (path, &m, &err);
  if (status != AD_OK) {
    g_set_error (error, GST_ANOMALY_MODEL_ERROR, status,
        "%s", err.msg[0] ? err.msg : ad_status_name (status));
    g_free (key);
    return NULL;
  }

  g_mutex_lock (&cache_lock);
  if (!cache)
    cache = g_hash_table_new (g_str_hash, g_str_equal);
  other = g_hash_table_lookup (cache, key);
  if (other) {
    /* another thread loaded the same file meanwhile: share its copy */
    g_atomic_int_inc (&other->refcount);
    g_mutex_unlock (&cache_lock);
    ad_model_free (m);
    g_free (key);
    return other;
  }
  model = model_wrap (m, key);
  g_hash_table_insert (cache, model->key, model);
  g_mutex_unlock (&cache_lock);
  return model;
}

/**
 * gst_anomaly_model_ref:
 * @model: a #GstAnomalyModel
 *
 * Returns: (transfer full): @model
 */
GstAnomalyModel *
gst_anomaly_model_ref (GstAnomalyModel * model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (g_atomic_int_get (&model->refcount) > 0, NULL);

  g_atomic_int_inc (&model->refcount);
  return model;
}

/**
 * gst_anomaly_model_unref:
 * @model: (transfer full): a #GstAnomalyModel
 *
 * Drops a reference; the last one removes the model from the cache and
 * frees it.
 */
void
gst_anomaly_model_unref (GstAnomalyModel * model)
{
  gboolean last;

  g_return_if_fail (model != NULL);

  g_mutex_lock (&cache_lock);
  last = g_atomic_int_dec_and_test (&model->refcount);
  if (last && model->key && cache &&
      g_hash_table_lookup (cache, model->key) == model)
    g_hash_table_remove (cache, model->key);
  g_mutex_unlock (&cache_lock);

  if (last) {
    ad_model_free (model->model);
    g_free (model->key);
    g_free (model);
    g_atomic_int_add (&live_count, -1);
  }
}

/**
 * gst_anomaly_model_get:
 * @model: a #GstAnomalyModel
 *
 * Returns: (transfer none): the core model (read-only)
 */
const ad_model *
gst_anomaly_model_get (GstAnomalyModel * model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->model;
}

/**
 * gst_anomaly_model_live_count:
 *
 * Returns: the number of #GstAnomalyModel objects alive in the process
 */
guint
gst_anomaly_model_live_count (void)
{
  return (guint) g_atomic_int_get (&live_count);
}
