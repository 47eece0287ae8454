/* GStreamer anomaly detection plugin
 * plugin.c - plugin registration.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "gstanomalyelements.h"
#include "gstanomalymeta.h"
#include "gstanomalymodel.h"

GST_DEBUG_CATEGORY (gst_anomaly_debug);

void
anomaly_element_init (GstPlugin * plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_anomaly_debug, "anomaly", 0,
        "anomaly detection");
    gst_anomaly_meta_api_get_type ();
    gst_anomaly_meta_get_info ();
    g_once_init_leave (&done, 1);
  }
}

gboolean
anomaly_caps_framerate (const GstCaps * caps, gint * n, gint * d)
{
  return caps && gst_caps_get_size (caps) > 0 &&
      gst_structure_get_fraction (gst_caps_get_structure (caps, 0),
      "framerate", n, d) && *n > 0 && *d > 0;
}

static gint
compare_time (gconstpointer a, gconstpointer b)
{
  GstClockTime x = *(const GstClockTime *) a, y = *(const GstClockTime *) b;

  return x < y ? -1 : x > y;
}

void
anomaly_steps_init (AnomalySteps * s)
{
  s->last = GST_CLOCK_TIME_NONE;
  s->n = 0;
  s->next = 0;
}

void
anomaly_steps_add (AnomalySteps * s, GstClockTime pts)
{
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (s->last) &&
      pts > s->last) {
    s->step[s->next] = pts - s->last;
    s->next = (s->next + 1) % ANOMALY_STEPS;
    s->n = MIN (s->n + 1, ANOMALY_STEPS);
  }
  s->last = pts;
}

GstClockTime
anomaly_steps_median (const AnomalySteps * s, guint min_n)
{
  GstClockTime v[ANOMALY_STEPS];

  if (s->n == 0 || s->n < min_n)
    return GST_CLOCK_TIME_NONE;
  memcpy (v, s->step, s->n * sizeof (v[0]));
  qsort (v, s->n, sizeof (v[0]), compare_time);
  return v[s->n / 2];
}

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

#ifdef HAVE_GSTANOMALYEXTRACT
  ret |= GST_ELEMENT_REGISTER (anomalyextract, plugin);
#endif
#ifdef HAVE_GSTANOMALYRECON
  ret |= GST_ELEMENT_REGISTER (anomalyrecon, plugin);
#endif
#ifdef HAVE_GSTANOMALYSCORE
  ret |= GST_ELEMENT_REGISTER (anomalyscore, plugin);
#endif
#ifdef HAVE_GSTANOMALYOVERLAY
  ret |= GST_ELEMENT_REGISTER (anomalyoverlay, plugin);
#endif
#ifdef HAVE_GSTANOMALYDETECT
  ret |= GST_ELEMENT_REGISTER (anomalydetect, plugin);
#endif
#ifdef HAVE_GSTANOMALYSCENESRC
  ret |= GST_ELEMENT_REGISTER (anomalyscenesrc, plugin);
#endif
#ifdef HAVE_GSTANOMALYMQTTSINK
  ret |= GST_ELEMENT_REGISTER (anomalymqttsink, plugin);
#endif

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, anomaly,
    "Unsupervised visual anomaly detection: learn normal video, score "
    "frames and pixels, raise events, draw heatmaps",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN);

void
anomaly_json_add_parts (JsonBuilder * b, const gfloat * parts)
{
  G_STATIC_ASSERT (AD_SCORE_PARTS == GST_ANOMALY_META_N_PARTS);
  json_builder_set_member_name (b, "parts");
  json_builder_begin_object (b);
  for (int i = 0; i < AD_SCORE_PARTS; i++) {
    json_builder_set_member_name (b, ad_score_part_names[i]);
    json_builder_add_double_value (b, parts[i]);
  }
  json_builder_end_object (b);
}

const gchar *
anomaly_main_part (const gfloat * parts)
{
  int best = -1;
  for (int i = 0; i < AD_SCORE_PARTS; i++)
    if (parts[i] > 0.0f && (best < 0 || parts[i] > parts[best]))
      best = i;
  return best < 0 ? NULL : ad_score_part_names[best];
}
