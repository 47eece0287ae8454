/* GStreamer anomaly detection plugin
 * gstanomalydetect.c - one element that does the whole job: a bin chaining
 * anomalyextract, anomalyrecon, anomalyscore and anomalyoverlay.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-anomalydetect
 * @title: anomalydetect
 *
 * Learns what normal video looks like and detects anomalies in one element:
 * `anomalyextract ! anomalyrecon ! anomalyscore ! anomalyoverlay` inside a
 * bin.  The main properties of the four elements are proxied under the same
 * names (the overlay's `mode` as `overlay-mode`); each keeps its range,
 * default and documentation.
 *
 * The children have fixed names: "extract" (anomalyextract), "recon"
 * (anomalyrecon), "score" (anomalyscore) and "overlay" (anomalyoverlay).
 * Any child property can be reached through #GstChildProxy as
 * `CHILD::PROPERTY`, e.g. `score::min-frames=5` on a gst-launch-1.0 line or
 * gst_child_proxy_set (bin, "score::min-frames", 5, NULL), and a child
 * itself with gst_bin_get_by_name (bin, "score").
 *
 * Bus messages are those of the children ("anomaly", "anomaly-start",
 * "anomaly-end" from the scorer, "anomaly-train-progress",
 * "anomaly-train-done", "anomaly-learned" from the reconstructor); their
 * source is the child element.  With #GstAnomalyDetect:stream-id unset, the
 * stream id of the events and the log is the bin's name.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=normal.avi ! decodebin ! videoconvert ! \
 *   anomalydetect mode=train model=scene.model ! fakesink
 * ]| Learn a model of normal activity from a recording and save it.
 * |[
 * gst-launch-1.0 filesrc location=test.avi ! decodebin ! videoconvert ! \
 *   anomalydetect model=scene.model log=scores.jsonl ! videoconvert ! \
 *   x264enc ! mp4mux ! filesink location=overlay.mp4
 * ]| Detect: heatmap overlay video plus a JSON-lines log of scores and events.
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! \
 *   anomalydetect learn-frames=300 model=cam.model ! videoconvert ! \
 *   autovideosink
 * ]| Live: learn from the first 300 frames in the background, then detect.
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! \
 *   anomalydetect name=cam1 model=cam.model score::min-frames=5 ! \
 *   videoconvert ! autovideosink
 * ]| A child property set through the child's name (here the same as the
 * proxied `min-frames=5`); events are reported for the stream "cam1".
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstanomalyelements.h"

#define GST_CAT_DEFAULT gst_anomaly_debug

G_DECLARE_FINAL_TYPE (GstAnomalyDetect, gst_anomaly_detect, GST,
    ANOMALY_DETECT, GstBin);

enum
{
  CHILD_EXTRACT,
  CHILD_RECON,
  CHILD_SCORE,
  CHILD_OVERLAY,
  N_CHILDREN
};

static const gchar *child_factories[N_CHILDREN] = {
  "anomalyextract", "anomalyrecon", "anomalyscore", "anomalyoverlay"
};

/* Fixed names, so that child properties can be set by name
 * (score::min-region=...) whatever the number of bins in the process. */
static const gchar *child_names[N_CHILDREN] = {
  "extract", "recon", "score", "overlay"
};

struct _GstAnomalyDetect
{
  GstBin parent;
  GstElement *child[N_CHILDREN];
};

/* One proxied property: the bin's name, the children it goes to (a bit
 * mask) and the child's property name. */
typedef struct
{
  const gchar *name;
  guint children;
  const gchar *child_name;
} ProxyProp;

#define TO(c) (1u << (c))
static const ProxyProp proxy_props[] = {
  {"model", TO (CHILD_EXTRACT) | TO (CHILD_RECON), "model"},
  {"mode", TO (CHILD_RECON), "mode"},
  {"epochs", TO (CHILD_RECON), "epochs"},
  {"train-seconds", TO (CHILD_RECON), "train-seconds"},
  {"learn-frames", TO (CHILD_RECON), "learn-frames"},
  {"max-clips", TO (CHILD_RECON), "max-clips"},
  {"config", TO (CHILD_RECON), "config"},
  {"width", TO (CHILD_EXTRACT), "width"},
  {"height", TO (CHILD_EXTRACT), "height"},
  {"color", TO (CHILD_EXTRACT), "color"},
  {"motion-inputs", TO (CHILD_EXTRACT), "motion-inputs"},
  {"max-gap", TO (CHILD_EXTRACT), "max-gap"},
  {"log", TO (CHILD_SCORE), "log"},
  {"threshold", TO (CHILD_SCORE), "threshold"},
  {"sensitivity", TO (CHILD_SCORE), "sensitivity"},
  {"smoothing", TO (CHILD_SCORE), "smoothing"},
  {"hysteresis", TO (CHILD_SCORE), "hysteresis"},
  {"min-frames", TO (CHILD_SCORE), "min-frames"},
  {"min-region", TO (CHILD_SCORE), "min-region"},
  {"post-messages", TO (CHILD_SCORE), "post-messages"},
  {"stream-id", TO (CHILD_SCORE), "stream-id"},
  {"static-absorb", TO (CHILD_SCORE), "static-absorb"},
  {"ignore-regions", TO (CHILD_RECON) | TO (CHILD_SCORE), "ignore-regions"},
  {"overlay-mode", TO (CHILD_OVERLAY), "mode"},
  {"alpha", TO (CHILD_OVERLAY), "alpha"},
  {"colormap", TO (CHILD_OVERLAY), "colormap"},
  {"min-score", TO (CHILD_OVERLAY), "min-score"},
  {"outline", TO (CHILD_OVERLAY), "outline"},
  {"show-score", TO (CHILD_OVERLAY), "show-score"},
};
#define N_PROXY G_N_ELEMENTS (proxy_props)

G_DEFINE_TYPE (GstAnomalyDetect, gst_anomaly_detect, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (anomalydetect, "anomalydetect",
    GST_RANK_NONE, GST_TYPE_ANOMALY_DETECT, anomaly_element_init (plugin));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

static GType
child_type (guint c)
{
  GstElementFactory *f = gst_element_factory_find (child_factories[c]);
  GType t = G_TYPE_INVALID;

  if (f) {
    GstPluginFeature *loaded =
        gst_plugin_feature_load (GST_PLUGIN_FEATURE (f));
    if (loaded) {
      t = gst_element_factory_get_element_type (GST_ELEMENT_FACTORY (loaded));
      gst_object_unref (loaded);
    }
    gst_object_unref (f);
  }
  return t;
}

/* A copy of the child's param spec under the bin's name: same type, range,
 * default, blurb and flags, so gst-inspect shows the child's documentation. */
static GParamSpec *
copy_pspec (GParamSpec * p, const gchar * name)
{
  GParamFlags fl = (p->flags & (G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
          | GST_PARAM_MUTABLE_PAUSED | GST_PARAM_MUTABLE_READY)) |
      G_PARAM_STATIC_STRINGS;
  const gchar *nick = g_param_spec_get_nick (p);
  const gchar *blurb = g_param_spec_get_blurb (p);
  GType t = G_PARAM_SPEC_TYPE (p);

  if (t == G_TYPE_PARAM_STRING)
    return g_param_spec_string (name, nick, blurb,
        G_PARAM_SPEC_STRING (p)->default_value, fl);
  if (t == G_TYPE_PARAM_BOOLEAN)
    return g_param_spec_boolean (name, nick, blurb,
        G_PARAM_SPEC_BOOLEAN (p)->default_value, fl);
  if (t == G_TYPE_PARAM_UINT) {
    GParamSpecUInt *u = G_PARAM_SPEC_UINT (p);
    return g_param_spec_uint (name, nick, blurb, u->minimum, u->maximum,
        u->default_value, fl);
  }
  if (t == G_TYPE_PARAM_INT) {
    GParamSpecInt *i = G_PARAM_SPEC_INT (p);
    return g_param_spec_int (name, nick, blurb, i->minimum, i->maximum,
        i->default_value, fl);
  }
  if (t == G_TYPE_PARAM_FLOAT) {
    GParamSpecFloat *f = G_PARAM_SPEC_FLOAT (p);
    return g_param_spec_float (name, nick, blurb, f->minimum, f->maximum,
        f->default_value, fl);
  }
  if (t == G_TYPE_PARAM_DOUBLE) {
    GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (p);
    return g_param_spec_double (name, nick, blurb, d->minimum, d->maximum,
        d->default_value, fl);
  }
  if (t == G_TYPE_PARAM_ENUM) {
    GParamSpecEnum *e = G_PARAM_SPEC_ENUM (p);
    return g_param_spec_enum (name, nick, blurb, p->value_type,
        e->default_value, fl);
  }
  return NULL;
}

static void
gst_anomaly_detect_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnomalyDetect *self = GST_ANOMALY_DETECT (object);
  const ProxyProp *pp;

  if (prop_id < 1 || prop_id > N_PROXY) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  pp = &proxy_props[prop_id - 1];
  for (guint c = 0; c < N_CHILDREN; c++)
    if ((pp->children & TO (c)) && self->child[c])
      g_object_set_property (G_OBJECT (self->child[c]), pp->child_name, value);
}

static void
gst_anomaly_detect_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAnomalyDetect *self = GST_ANOMALY_DETECT (object);
  const ProxyProp *pp;

  if (prop_id < 1 || prop_id > N_PROXY) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  pp = &proxy_props[prop_id - 1];
  for (guint c = 0; c < N_CHILDREN; c++)
    if ((pp->children & TO (c)) && self->child[c]) {
      g_object_get_property (G_OBJECT (self->child[c]), pp->child_name, value);
      return;
    }
}

static void
gst_anomaly_detect_class_init (GstAnomalyDetectClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GObjectClass *child_class[N_CHILDREN] = { NULL };

  gobject_class->set_property = gst_anomaly_detect_set_property;
  gobject_class->get_property = gst_anomaly_detect_get_property;

  for (guint c = 0; c < N_CHILDREN; c++) {
    GType t = child_type (c);
    if (t != G_TYPE_INVALID)
      child_class[c] = g_type_class_ref (t);
  }
  for (guint i = 0; i < N_PROXY; i++) {
    const ProxyProp *pp = &proxy_props[i];
    GParamSpec *p = NULL;
    /* documented as in the last child it goes to: "model" as in the
     * reconstructor, which reads or writes the file */
    for (gint c = N_CHILDREN - 1; c >= 0 && !p; c--)
      if ((pp->children & TO (c)) && child_class[c])
        p = g_object_class_find_property (child_class[c], pp->child_name);
    if (p)
      p = copy_pspec (p, pp->name);
    if (p)
      g_object_class_install_property (gobject_class, i + 1, p);
    else
      GST_WARNING ("cannot proxy property %s", pp->name);
  }
  for (guint c = 0; c < N_CHILDREN; c++)
    if (child_class[c])
      g_type_class_unref (child_class[c]);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Anomaly detector", "Filter/Analyzer/Video",
      "Learns normal video and detects anomalies: features, learned model, "
      "calibrated scores and events, heatmap overlay, in one element",
      "gst-anomaly developers");
}

static void
gst_anomaly_detect_init (GstAnomalyDetect * self)
{
  GstBin *bin = GST_BIN (self);
  GstPad *pad;

  for (guint c = 0; c < N_CHILDREN; c++) {
    self->child[c] = gst_element_factory_make (child_factories[c],
        child_names[c]);
    if (!self->child[c]) {
      GST_ERROR_OBJECT (self, "element %s is missing", child_factories[c]);
      return;
    }
    gst_bin_add (bin, self->child[c]);
    if (c > 0)
      gst_element_link (self->child[c - 1], self->child[c]);
  }
  pad = gst_element_get_static_pad (self->child[CHILD_EXTRACT], "sink");
  gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (self->child[CHILD_OVERLAY], "src");
  gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
}
