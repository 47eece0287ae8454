/* GStreamer anomaly detection plugin
 * gstanomalyelements.h - element registration and shared one-time init.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ANOMALY_ELEMENTS_H__
#define __GST_ANOMALY_ELEMENTS_H__

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Registers the meta API and the shared debug category once. Call from
 * every GST_ELEMENT_REGISTER_DEFINE_WITH_CODE. */
void anomaly_element_init (GstPlugin * plugin);

GST_DEBUG_CATEGORY_EXTERN (gst_anomaly_debug);

/* Frame durations between two buffers' timestamps beyond which frames
 * were lost: anomalyextract's default max-gap, and where anomalyscore
 * tells lost frames from an on-time DISCONT. */
#define GST_ANOMALY_GAP_FRAMES 1.5

/* TRUE with *n / *d the frame rate of caps' first structure when it has
 * a positive one (FALSE: none, 0/1 variable, or empty caps). */
gboolean anomaly_caps_framerate (const GstCaps * caps, gint * n, gint * d);

/* The latest steps forward between a stream's timestamps: their median
 * is its frame duration when neither the caps nor the buffers give one
 * (framerate=0/1: MJPEG over HTTP, many RTSP cameras), robust to a lost
 * frame or a late one, and it follows a camera that changes its rate
 * within a few frames. */
#define ANOMALY_STEPS 8
typedef struct
{
  GstClockTime last;            /* the previous timestamp, or NONE */
  GstClockTime step[ANOMALY_STEPS];     /* a ring of the latest steps */
  guint n, next;
} AnomalySteps;

/* Forgets everything. */
void anomaly_steps_init (AnomalySteps * s);
/* Records pts as the latest timestamp, and its step after the previous
 * one when both are known and it is forward (NONE breaks the chain). */
void anomaly_steps_add (AnomalySteps * s, GstClockTime pts);
/* The upper median of the steps when there are at least min_n (>= 1),
 * else NONE. */
GstClockTime anomaly_steps_median (const AnomalySteps * s, guint min_n);

/* The blurb of ignore-regions, which anomalyrecon, anomalyscore and the
 * bin (both) share. */
#define GST_ANOMALY_IGNORE_REGIONS_BLURB \
  "Regions left out of the scores and the heatmap: \"x,y,w,h;...\" as " \
  "fractions of the picture (e.g. an on-screen clock: \"0,0,0.25,0.08\"); " \
  "a model trained with them keeps them, and anomalyscore's replace the " \
  "model's for its stream (NULL = the model's, \"\" = none)"

/* Adds the member "parts" to the object b is building: the score's parts
 * by name (learned, motion, pattern, still, wander, feature), each
 * parts[i] (GstAnomalyMeta.parts): anomalyscore's log and anomalymqttsink's
 * events. */
void anomaly_json_add_parts (JsonBuilder * b, const gfloat * parts);
/* The name of the largest of the score's parts [GST_ANOMALY_META_N_PARTS]
 * (why a frame scores high), or NULL when none is above 0. */
const gchar *anomaly_main_part (const gfloat * parts);

/* The anomalydetect bin: its scorer names the stream after the bin. */
#define GST_TYPE_ANOMALY_DETECT (gst_anomaly_detect_get_type ())
GType gst_anomaly_detect_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (anomalyextract);
GST_ELEMENT_REGISTER_DECLARE (anomalyrecon);
GST_ELEMENT_REGISTER_DECLARE (anomalyscore);
GST_ELEMENT_REGISTER_DECLARE (anomalyoverlay);
GST_ELEMENT_REGISTER_DECLARE (anomalydetect);
GST_ELEMENT_REGISTER_DECLARE (anomalyscenesrc);
GST_ELEMENT_REGISTER_DECLARE (anomalymqttsink);

G_END_DECLS
#endif
