/* GStreamer anomaly detection plugin
 * gstanomalymodel.h - a reference-counted, shareable detection model.
 *
 * Streams that name the same model file share one loaded copy: the cache is
 * keyed by the file's path, size and modification time, so a retrained file
 * is loaded afresh.  A model is read-only once shared.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ANOMALY_MODEL_H__
#define __GST_ANOMALY_MODEL_H__

#include <gst/gst.h>

#include "ad.h"

G_BEGIN_DECLS

typedef struct _GstAnomalyModel GstAnomalyModel;

#define GST_ANOMALY_MODEL_ERROR (gst_anomaly_model_error_quark ())
GQuark gst_anomaly_model_error_quark (void);
/* error codes are the ad_status values */

/* Loads (or finds in the cache) the model at path. */
GstAnomalyModel *gst_anomaly_model_load (const gchar * path, GError ** error);
/* Wraps a model the caller built (e.g. just trained); takes ownership. */
GstAnomalyModel *gst_anomaly_model_new_take (ad_model * model);
GstAnomalyModel *gst_anomaly_model_ref (GstAnomalyModel * model);
void gst_anomaly_model_unref (GstAnomalyModel * model);
const ad_model *gst_anomaly_model_get (GstAnomalyModel * model);
/* Number of live GstAnomalyModel objects (for tests of sharing). */
guint gst_anomaly_model_live_count (void);

G_END_DECLS
#endif /* __GST_ANOMALY_MODEL_H__ */
