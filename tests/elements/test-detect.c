/* GStreamer anomaly detection plugin
 * test-detect.c - anomalydetect: children and links, proxied properties,
 * formats and sizes, overlay behaviour, start errors, state cycles; the
 * element metadata and property documentation of every element of the
 * plugin.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include "gstanomalymeta.h"
#include "gstanomalymodel.h"
#include "test-util.h"

#define MW 32
#define MH 24

static gchar *tmpdir;

static void
setup (void)
{
  tmpdir = test_tmpdir_new ("anomaly-detect-XXXXXX");
}

static void
teardown (void)
{
  test_tmpdir_remove (&tmpdir);
}

/* The bin's child made by `factory` (a new reference), or NULL. */
static GstElement *
get_child (GstElement * bin, const gchar * factory)
{
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_strcmp0 (GST_OBJECT_NAME (f), factory) == 0)
      found = gst_object_ref (e);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* The element owning the peer of e's static pad `pad` (a new reference). */
static GstElement *
peer_element (GstElement * e, const gchar * pad)
{
  GstPad *p = gst_element_get_static_pad (e, pad);
  GstPad *peer;
  GstElement *res;

  fail_unless (p != NULL);
  peer = gst_pad_get_peer (p);
  fail_unless (peer != NULL, "%s:%s is not linked", GST_OBJECT_NAME (e), pad);
  res = gst_pad_get_parent_element (peer);
  gst_object_unref (peer);
  gst_object_unref (p);
  return res;
}

/* The element behind a ghost pad of the bin (a new reference). */
static GstElement *
ghost_target_element (GstElement * bin, const gchar * pad)
{
  GstPad *ghost = gst_element_get_static_pad (bin, pad);
  GstPad *target;
  GstElement *res;

  fail_unless (ghost != NULL && GST_IS_GHOST_PAD (ghost));
  target = gst_ghost_pad_get_target (GST_GHOST_PAD (ghost));
  fail_unless (target != NULL);
  res = gst_pad_get_parent_element (target);
  gst_object_unref (target);
  gst_object_unref (ghost);
  return res;
}

static const gchar *chain[] = {
  "anomalyextract", "anomalyrecon", "anomalyscore", "anomalyoverlay"
};

GST_START_TEST (test_children)
{
  GstElement *bin = gst_element_factory_make ("anomalydetect", NULL);
  GstElement *e;

  fail_unless (bin != NULL);
  fail_unless (GST_IS_BIN (bin));
  fail_unless_equals_int (GST_BIN_NUMCHILDREN (bin), 4);

  /* sink -> extract -> recon -> score -> overlay -> src */
  e = ghost_target_element (bin, "sink");
  for (guint i = 0; i < G_N_ELEMENTS (chain); i++) {
    GstElement *next;

    fail_unless_equals_string (GST_OBJECT_NAME (gst_element_get_factory (e)),
        chain[i]);
    fail_unless (GST_OBJECT_PARENT (e) == GST_OBJECT (bin));
    if (i + 1 == G_N_ELEMENTS (chain))
      break;
    next = peer_element (e, "src");
    gst_object_unref (e);
    e = next;
  }
  {
    GstElement *last = ghost_target_element (bin, "src");

    fail_unless (last == e, "the src ghost pad is not the overlay's");
    gst_object_unref (last);
  }
  gst_object_unref (e);
  gst_object_unref (bin);
}

GST_END_TEST;

/* The children are called extract, recon, score and overlay in every bin,
 * found with gst_bin_get_by_name and reached through GstChildProxy. */
GST_START_TEST (test_child_names)
{
  static const gchar *names[] = { "extract", "recon", "score", "overlay" };
  GstElement *bins[2];
  GError *error = NULL;
  guint min_frames = 0;
  gfloat min_region = 0.0f;

  bins[0] = gst_element_factory_make ("anomalydetect", NULL);
  bins[1] = gst_element_factory_make ("anomalydetect", NULL);
  fail_unless (bins[0] && bins[1]);
  for (guint b = 0; b < 2; b++) {
    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      GstElement *named = gst_bin_get_by_name (GST_BIN (bins[b]), names[i]);
      GstElement *made = get_child (bins[b], chain[i]);

      fail_unless (named != NULL, "bin %u has no child \"%s\"", b, names[i]);
      fail_unless (named == made, "\"%s\" is not the %s", names[i],
          chain[i]);
      fail_unless (GST_OBJECT_PARENT (named) == GST_OBJECT (bins[b]));
      gst_object_unref (named);
      gst_object_unref (made);
    }
  }

  /* GstChildProxy: set through the child's name, seen on the child and on
   * the bin's proxy, and only in that bin */
  gst_child_proxy_set (GST_CHILD_PROXY (bins[0]), "score::min-frames", 7,
      "overlay::min-score", 1.5f, NULL);
  {
    GstElement *score = gst_bin_get_by_name (GST_BIN (bins[0]), "score");
    GstElement *overlay = gst_bin_get_by_name (GST_BIN (bins[0]), "overlay");
    gfloat min_score = 0.0f;

    g_object_get (score, "min-frames", &min_frames, NULL);
    fail_unless_equals_int (min_frames, 7);
    g_object_get (overlay, "min-score", &min_score, NULL);
    fail_unless_equals_float (min_score, 1.5f);
    gst_object_unref (score);
    gst_object_unref (overlay);
  }
  g_object_get (bins[0], "min-frames", &min_frames, NULL);
  fail_unless_equals_int (min_frames, 7);
  min_frames = 0;
  gst_child_proxy_get (GST_CHILD_PROXY (bins[0]), "score::min-frames",
      &min_frames, NULL);
  fail_unless_equals_int (min_frames, 7);
  g_object_get (bins[1], "min-frames", &min_frames, NULL);
  fail_unless_equals_int (min_frames, 3);
  gst_object_unref (bins[0]);
  gst_object_unref (bins[1]);

  /* the same on a launch line, with two bins in one pipeline */
  bins[0] = gst_parse_launch ("anomalydetect name=a score::min-region=0.01 "
      "anomalydetect name=b score::min-region=0.02 recon::learn-frames=9",
      &error);
  fail_unless (bins[0] != NULL && error == NULL, "%s",
      error ? error->message : "");
  gst_child_proxy_get (GST_CHILD_PROXY (bins[0]), "a::score::min-region",
      &min_region, NULL);
  fail_unless_equals_float (min_region, 0.01f);
  gst_child_proxy_get (GST_CHILD_PROXY (bins[0]), "b::score::min-region",
      &min_region, NULL);
  fail_unless_equals_float (min_region, 0.02f);
  {
    guint learn = 0;

    gst_child_proxy_get (GST_CHILD_PROXY (bins[0]), "b::learn-frames",
        &learn, NULL);
    fail_unless_equals_int (learn, 9);
  }
  gst_object_unref (bins[0]);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Proxied properties                                                       */

typedef struct
{
  const gchar *name;            /* on the bin */
  const gchar *factory;         /* child */
  const gchar *child_name;      /* on the child */
} Proxy;

/* docs/elements.md, "anomalydetect" */
static const Proxy proxies[] = {
  {"model", "anomalyextract", "model"},
  {"model", "anomalyrecon", "model"},
  {"mode", "anomalyrecon", "mode"},
  {"epochs", "anomalyrecon", "epochs"},
  {"train-seconds", "anomalyrecon", "train-seconds"},
  {"learn-frames", "anomalyrecon", "learn-frames"},
  {"max-clips", "anomalyrecon", "max-clips"},
  {"config", "anomalyrecon", "config"},
  {"width", "anomalyextract", "width"},
  {"height", "anomalyextract", "height"},
  {"color", "anomalyextract", "color"},
  {"motion-inputs", "anomalyextract", "motion-inputs"},
  {"max-gap", "anomalyextract", "max-gap"},
  {"log", "anomalyscore", "log"},
  {"threshold", "anomalyscore", "threshold"},
  {"sensitivity", "anomalyscore", "sensitivity"},
  {"smoothing", "anomalyscore", "smoothing"},
  {"hysteresis", "anomalyscore", "hysteresis"},
  {"min-frames", "anomalyscore", "min-frames"},
  {"min-region", "anomalyscore", "min-region"},
  {"post-messages", "anomalyscore", "post-messages"},
  {"stream-id", "anomalyscore", "stream-id"},
  {"static-absorb", "anomalyscore", "static-absorb"},
  {"ignore-regions", "anomalyrecon", "ignore-regions"},
  {"ignore-regions", "anomalyscore", "ignore-regions"},
  {"overlay-mode", "anomalyoverlay", "mode"},
  {"alpha", "anomalyoverlay", "alpha"},
  {"colormap", "anomalyoverlay", "colormap"},
  {"min-score", "anomalyoverlay", "min-score"},
  {"outline", "anomalyoverlay", "outline"},
  {"show-score", "anomalyoverlay", "show-score"},
};

#define RANGE_EQ(T, a, b) \
  (T (a)->minimum == T (b)->minimum && T (a)->maximum == T (b)->maximum)

static gboolean
same_range (GParamSpec * a, GParamSpec * b)
{
  if (G_IS_PARAM_SPEC_INT (a))
    return RANGE_EQ (G_PARAM_SPEC_INT, a, b);
  if (G_IS_PARAM_SPEC_UINT (a))
    return RANGE_EQ (G_PARAM_SPEC_UINT, a, b);
  if (G_IS_PARAM_SPEC_FLOAT (a))
    return RANGE_EQ (G_PARAM_SPEC_FLOAT, a, b);
  if (G_IS_PARAM_SPEC_DOUBLE (a))
    return RANGE_EQ (G_PARAM_SPEC_DOUBLE, a, b);
  if (G_IS_PARAM_SPEC_ENUM (a))
    return G_PARAM_SPEC_ENUM (a)->enum_class ==
        G_PARAM_SPEC_ENUM (b)->enum_class;
  return TRUE;                  /* strings, booleans: no range */
}

/* A valid value of p other than its default. */
static void
other_value (GParamSpec * p, GValue * v)
{
  g_value_init (v, p->value_type);
  if (G_IS_PARAM_SPEC_BOOLEAN (p)) {
    g_value_set_boolean (v, !G_PARAM_SPEC_BOOLEAN (p)->default_value);
  } else if (G_IS_PARAM_SPEC_INT (p)) {
    GParamSpecInt *s = G_PARAM_SPEC_INT (p);
    g_value_set_int (v, s->default_value != s->maximum ? s->maximum :
        s->minimum);
  } else if (G_IS_PARAM_SPEC_UINT (p)) {
    GParamSpecUInt *s = G_PARAM_SPEC_UINT (p);
    g_value_set_uint (v, s->default_value != s->maximum ? s->maximum :
        s->minimum);
  } else if (G_IS_PARAM_SPEC_FLOAT (p)) {
    GParamSpecFloat *s = G_PARAM_SPEC_FLOAT (p);
    g_value_set_float (v, (s->minimum + s->maximum) / 2 != s->default_value ?
        (s->minimum + s->maximum) / 2 : s->maximum);
  } else if (G_IS_PARAM_SPEC_DOUBLE (p)) {
    GParamSpecDouble *s = G_PARAM_SPEC_DOUBLE (p);
    g_value_set_double (v, (s->minimum + s->maximum) / 2 != s->default_value ?
        (s->minimum + s->maximum) / 2 : s->maximum);
  } else if (G_IS_PARAM_SPEC_ENUM (p)) {
    GEnumClass *k = G_PARAM_SPEC_ENUM (p)->enum_class;
    gint def = G_PARAM_SPEC_ENUM (p)->default_value;

    g_value_set_enum (v, k->values[0].value != def ? k->values[0].value :
        k->values[1].value);
  } else if (G_IS_PARAM_SPEC_STRING (p)) {
    g_value_set_string (v, "/some/where/else.value");
  } else {
    fail ("unexpected type of property %s", p->name);
  }
}

GST_START_TEST (test_proxied_properties)
{
  GstElement *bin = gst_element_factory_make ("anomalydetect", NULL);
  GObjectClass *bk = G_OBJECT_GET_CLASS (bin);
  const GParamFlags mask = G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY |
      GST_PARAM_MUTABLE_PAUSED | GST_PARAM_MUTABLE_PLAYING;
  GParamSpec **all;
  guint n_all, n_own = 0;

  for (guint i = 0; i < G_N_ELEMENTS (proxies); i++) {
    const Proxy *x = &proxies[i];
    GstElement *fresh = gst_element_factory_make ("anomalydetect", NULL);
    GstElement *child = get_child (fresh, x->factory);
    GParamSpec *bp = g_object_class_find_property (bk, x->name);
    GParamSpec *cp;
    GValue want = G_VALUE_INIT, got = G_VALUE_INIT;

    fail_unless (child != NULL, "no %s in the bin", x->factory);
    fail_unless (bp != NULL, "%s is not proxied", x->name);
    cp = g_object_class_find_property (G_OBJECT_GET_CLASS (child),
        x->child_name);
    fail_unless (cp != NULL);

    /* same type, documentation, range, default and mutability; "model"
     * is documented as the reconstructor's */
    fail_unless (bp->value_type == cp->value_type, "%s type", x->name);
    if (strcmp (x->name, "model") != 0 ||
        strcmp (x->factory, "anomalyrecon") == 0) {
      fail_unless_equals_string (g_param_spec_get_nick (bp),
          g_param_spec_get_nick (cp));
      fail_unless_equals_string (g_param_spec_get_blurb (bp),
          g_param_spec_get_blurb (cp));
    }
    fail_unless (same_range (bp, cp), "%s range", x->name);
    fail_unless (g_param_values_cmp (bp, g_param_spec_get_default_value (bp),
            g_param_spec_get_default_value (cp)) == 0, "%s default",
        x->name);
    fail_unless_equals_int (bp->flags & mask, cp->flags & mask);

    /* the bin reads the child's default ... */
    g_value_init (&got, bp->value_type);
    g_object_get_property (G_OBJECT (fresh), x->name, &got);
    fail_unless (g_param_values_cmp (bp, &got,
            g_param_spec_get_default_value (cp)) == 0, "%s initial",
        x->name);
    g_value_unset (&got);

    /* ... and a value set on the bin reaches the child */
    other_value (bp, &want);
    g_object_set_property (G_OBJECT (fresh), x->name, &want);
    g_value_init (&got, cp->value_type);
    g_object_get_property (G_OBJECT (child), x->child_name, &got);
    fail_unless (g_param_values_cmp (cp, &want, &got) == 0,
        "%s did not reach %s", x->name, x->factory);
    g_value_unset (&got);
    g_value_init (&got, bp->value_type);
    g_object_get_property (G_OBJECT (fresh), x->name, &got);
    fail_unless (g_param_values_cmp (bp, &want, &got) == 0, "%s read back",
        x->name);
    g_value_unset (&got);
    g_value_unset (&want);
    gst_object_unref (child);
    gst_object_unref (fresh);
  }

  /* nothing else is added to GstBin's properties */
  all = g_object_class_list_properties (bk, &n_all);
  for (guint i = 0; i < n_all; i++) {
    gboolean known = FALSE;

    if (all[i]->owner_type != G_OBJECT_TYPE (bin))
      continue;
    n_own++;
    for (guint k = 0; k < G_N_ELEMENTS (proxies); k++)
      known |= strcmp (proxies[k].name, all[i]->name) == 0;
    fail_unless (known, "undocumented property %s", all[i]->name);
  }
  /* model and ignore-regions reach two children each */
  fail_unless_equals_int (n_own, G_N_ELEMENTS (proxies) - 2);
  g_free (all);
  gst_object_unref (bin);
}

GST_END_TEST;

/* The extractor's motion-inputs, the scorer's min-region and the overlay's
 * min-score, written as on a gst-launch-1.0 line, reach the children and
 * read back from the bin. */
GST_START_TEST (test_proxied_launch_line)
{
  GError *error = NULL;
  GstElement *bin = gst_parse_launch ("anomalydetect motion-inputs=true "
      "min-region=0.0125 min-score=0.75", &error);
  GstElement *extract, *score, *overlay;
  gboolean motion = FALSE;
  gfloat min_region = 0.0f, min_score = 0.0f;

  fail_unless (bin != NULL && error == NULL, "%s",
      error ? error->message : "");
  extract = get_child (bin, "anomalyextract");
  score = get_child (bin, "anomalyscore");
  overlay = get_child (bin, "anomalyoverlay");
  fail_unless (extract && score && overlay);

  g_object_get (extract, "motion-inputs", &motion, NULL);
  g_object_get (score, "min-region", &min_region, NULL);
  g_object_get (overlay, "min-score", &min_score, NULL);
  fail_unless (motion);
  fail_unless_equals_float (min_region, 0.0125f);
  fail_unless_equals_float (min_score, 0.75f);

  /* a change on a child shows on the bin: one value, kept by the child */
  g_object_set (score, "min-region", 0.5f, NULL);
  g_object_set (overlay, "min-score", 2.0f, NULL);
  g_object_set (extract, "motion-inputs", FALSE, NULL);
  g_object_get (bin, "motion-inputs", &motion, "min-region", &min_region,
      "min-score", &min_score, NULL);
  fail_if (motion);
  fail_unless_equals_float (min_region, 0.5f);
  fail_unless_equals_float (min_score, 2.0f);

  gst_object_unref (extract);
  gst_object_unref (score);
  gst_object_unref (overlay);
  gst_object_unref (bin);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Documentation of every element                                           */

static void
check_blurbs (GstElement * e)
{
  GParamSpec **props;
  guint n;

  props = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);
  for (guint i = 0; i < n; i++) {
    GParamSpec *p = props[i];
    const gchar *nick = g_param_spec_get_nick (p);
    const gchar *blurb = g_param_spec_get_blurb (p);

    fail_unless (nick != NULL && *nick != '\0', "%s:%s has no nick",
        GST_OBJECT_NAME (e), p->name);
    fail_unless (blurb != NULL, "%s:%s has no blurb", GST_OBJECT_NAME (e),
        p->name);
    fail_unless (strlen (blurb) > 10 && strcmp (blurb, p->name) != 0 &&
        strcmp (blurb, nick) != 0 && strchr (blurb, ' ') != NULL,
        "%s:%s blurb \"%s\" is not a sentence", GST_OBJECT_NAME (e),
        p->name, blurb);
    if (G_IS_PARAM_SPEC_ENUM (p)) {
      GEnumClass *k = G_PARAM_SPEC_ENUM (p)->enum_class;

      for (guint v = 0; v < k->n_values; v++)
        fail_unless (strlen (k->values[v].value_name) > 3 &&
            strlen (k->values[v].value_nick) > 0, "%s:%s value %d",
            GST_OBJECT_NAME (e), p->name, k->values[v].value);
    }
  }
  g_free (props);
}

GST_START_TEST (test_inspect_complete)
{
  static const gchar *required[] = {
    "anomalyextract", "anomalyrecon", "anomalyscore", "anomalyoverlay",
    "anomalydetect", "anomalyscenesrc"
  };
  static const gchar *keys[] = {
    GST_ELEMENT_METADATA_LONGNAME, GST_ELEMENT_METADATA_KLASS,
    GST_ELEMENT_METADATA_DESCRIPTION, GST_ELEMENT_METADATA_AUTHOR
  };
  GList *features = gst_registry_get_feature_list_by_plugin
      (gst_registry_get (), "anomaly");
  guint found = 0, n_elements = 0;

  fail_unless (features != NULL, "plugin 'anomaly' not found");
  for (GList * l = features; l; l = l->next) {
    GstElementFactory *f;
    GstElement *e;

    if (!GST_IS_ELEMENT_FACTORY (l->data))
      continue;
    f = GST_ELEMENT_FACTORY (l->data);
    n_elements++;
    for (guint i = 0; i < G_N_ELEMENTS (required); i++)
      found += strcmp (GST_OBJECT_NAME (f), required[i]) == 0;
    for (guint k = 0; k < G_N_ELEMENTS (keys); k++) {
      const gchar *v = gst_element_factory_get_metadata (f, keys[k]);

      fail_unless (v != NULL && strlen (v) > 3, "%s has no %s",
          GST_OBJECT_NAME (f), keys[k]);
    }
    fail_unless (strlen (gst_element_factory_get_metadata (f,
                GST_ELEMENT_METADATA_DESCRIPTION)) > 20);
    fail_unless (gst_element_factory_get_num_pad_templates (f) > 0);
    e = gst_element_factory_create (f, NULL);
    fail_unless (e != NULL, "cannot create %s", GST_OBJECT_NAME (f));
    check_blurbs (e);
    gst_object_unref (e);
  }
  fail_unless_equals_int (found, G_N_ELEMENTS (required));
  fail_unless (n_elements >= G_N_ELEMENTS (required));
  gst_plugin_feature_list_free (features);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Formats, sizes, overlay                                                  */

static const gchar *formats[] = {
  "I420", "NV12", "RGB", "BGR", "RGBx", "BGRx", "RGBA", "GRAY8"
};

/* A frame of the given format with a diagonal gradient in every byte. */
static GstBuffer *
make_frame (const GstVideoInfo * info, guint64 n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info),
      NULL);
  GstVideoFrame f;

  /* planes may have gaps between them */
  gst_buffer_memset (buf, 0, 0, GST_VIDEO_INFO_SIZE (info));
  fail_unless (gst_video_frame_map (&f, info, buf, GST_MAP_WRITE));
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&f); p++) {
    guint8 *d = GST_VIDEO_FRAME_PLANE_DATA (&f, p);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&f, p);
    gint rows = GST_VIDEO_FRAME_COMP_HEIGHT (&f, p);

    for (gint y = 0; y < rows; y++)
      for (gint x = 0; x < stride; x++)
        d[(gsize) y * stride + x] = (guint8) (x + 2 * y + 5 * n);
  }
  gst_video_frame_unmap (&f);
  GST_BUFFER_PTS (buf) = n * 40 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 40 * GST_MSECOND;
  return buf;
}

static GstHarness *
detect_harness (const gchar * model, const gchar * props, const gchar * caps)
{
  gchar *desc = g_strdup_printf ("anomalydetect model=\"%s\" %s", model,
      props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, caps);
  g_free (desc);
  return h;
}

static gboolean
same_bytes (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo m;
  gboolean same;

  if (gst_buffer_get_size (a) != gst_buffer_get_size (b))
    return FALSE;
  fail_unless (gst_buffer_map (a, &m, GST_MAP_READ));
  same = gst_buffer_memcmp (b, 0, m.data, m.size) == 0;
  gst_buffer_unmap (a, &m);
  return same;
}

/* Every format at an odd size: same caps out, meta on every buffer, the
 * first frame (no prediction yet, not scored) unchanged, scored frames
 * with the score written on them; with nothing to draw, all unchanged. */
GST_START_TEST (test_formats_odd_size)
{
  gchar *model = test_make_model_file (tmpdir, "fmt.model", MW, MH);

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (gint quiet = 0; quiet < 2; quiet++) {
      gchar *caps_str = g_strdup_printf ("video/x-raw,format=%s,width=322,"
          "height=241,framerate=25/1", formats[f]);
      GstHarness *h = detect_harness (model, quiet ?
          "alpha=0.0 outline=false show-score=false" : NULL, caps_str);
      GstCaps *in_caps = gst_caps_from_string (caps_str), *out_caps;
      GstVideoInfo info;

      fail_unless (gst_video_info_from_caps (&info, in_caps));
      for (guint64 n = 0; n < 3; n++) {
        GstBuffer *in = make_frame (&info, n);
        GstBuffer *ref = gst_buffer_copy_deep (in), *out;
        GstAnomalyMeta *meta;

        out = gst_harness_push_and_pull (h, in);
        fail_unless (out != NULL, "%s: no output", formats[f]);
        meta = gst_buffer_get_anomaly_meta (out);
        fail_unless (meta != NULL, "%s: no meta", formats[f]);
        fail_unless_equals_int (meta->width, MW);
        fail_unless_equals_int (meta->height, MH);
        fail_unless_equals_uint64 (meta->frame, n);
        fail_unless_equals_int (meta->scored, n > 0);
        if (meta->scored)
          fail_unless (isfinite (meta->score));
        fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (ref));
        if (n == 0 || quiet)
          fail_unless (same_bytes (out, ref), "%s frame %d changed",
              formats[f], (gint) n);
        else
          fail_if (same_bytes (out, ref), "%s frame %d: no score drawn",
              formats[f], (gint) n);
        gst_buffer_unref (out);
        gst_buffer_unref (ref);
      }
      out_caps = gst_pad_get_current_caps (h->sinkpad);
      fail_unless (out_caps != NULL);
      fail_unless (gst_caps_is_equal (out_caps, in_caps),
          "%s: output caps %" GST_PTR_FORMAT, formats[f], out_caps);
      gst_caps_unref (out_caps);
      gst_caps_unref (in_caps);
      gst_harness_teardown (h);
      g_free (caps_str);
    }
  }
  g_free (model);
}

GST_END_TEST;

/* overlay-mode=map: GRAY16_LE of the input size out. */
GST_START_TEST (test_map_mode_caps)
{
  gchar *model = test_make_model_file (tmpdir, "map.model", MW, MH);
  GstHarness *h = detect_harness (model, "overlay-mode=map",
      "video/x-raw,format=I420,width=322,height=241,framerate=25/1");
  GstVideoInfo in_info, map_info, out_info;
  GstCaps *caps;

  gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_I420, 322, 241);
  gst_video_info_set_format (&map_info, GST_VIDEO_FORMAT_GRAY16_LE, 322, 241);
  for (guint64 n = 0; n < 2; n++) {
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (&in_info, n));

    fail_unless (out != NULL);
    fail_unless_equals_uint64 (gst_buffer_get_size (out),
        GST_VIDEO_INFO_SIZE (&map_info));
    fail_unless (gst_buffer_get_anomaly_meta (out) != NULL);
    gst_buffer_unref (out);
  }
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&out_info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&out_info),
      GST_VIDEO_FORMAT_GRAY16_LE);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), 322);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), 241);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  g_free (model);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Errors and state changes                                                 */

/* "videotestsrc ! anomalydetect <props> ! fakesink"; the bus via *bus. */
static GstElement *
make_pipeline (const gchar * props, gint num_buffers, GstBus ** bus)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%d ! "
      "video/x-raw,format=I420,width=96,height=72 ! anomalydetect %s ! "
      "fakesink", num_buffers, props);
  GError *error = NULL;
  GstElement *p = gst_parse_launch (desc, &error);

  fail_unless (p != NULL && error == NULL, "%s: %s", desc,
      error ? error->message : "");
  g_free (desc);
  *bus = gst_element_get_bus (p);
  return p;
}

/* The "stream" of the log lines: the stream-id property, else the bin's
 * name (not the scorer's, which is "score" in every bin). */
static gchar *
logged_stream (const gchar * bin_props)
{
  gchar *model = test_make_model_file (tmpdir, "stream.model", MW, MH);
  gchar *log = g_build_filename (tmpdir, "stream.jsonl", NULL);
  gchar *props = g_strdup_printf ("model=\"%s\" log=\"%s\" %s", model, log,
      bin_props);
  GstBus *bus;
  GstElement *p = make_pipeline (props, 3, &bus);
  GPtrArray *msgs = test_run_to_eos (p, 60.0);
  gchar *text = NULL, **lines, *stream = NULL;
  JsonParser *parser = json_parser_new ();
  guint n = 0;

  fail_unless (g_file_get_contents (log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++, n++) {
    JsonObject *o;
    const gchar *s;

    fail_unless (json_parser_load_from_data (parser, lines[i], -1, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    s = json_object_get_string_member (o, "stream");
    if (!stream)
      stream = g_strdup (s);
    fail_unless_equals_string (s, stream);
  }
  fail_unless_equals_int (n, 2);        /* frames 1 and 2 are scored */
  g_object_unref (parser);
  g_strfreev (lines);
  g_free (text);
  g_ptr_array_unref (msgs);
  gst_object_unref (p);
  test_drop_bus (bus);
  g_free (props);
  g_free (log);
  g_free (model);
  return stream;
}

GST_START_TEST (test_stream_id_default)
{
  gchar *s;

  s = logged_stream ("name=cam1");
  fail_unless_equals_string (s, "cam1");
  g_free (s);
  s = logged_stream ("name=cam2 stream-id=gate");
  fail_unless_equals_string (s, "gate");
  g_free (s);
  /* unnamed: the bin's own default name */
  s = logged_stream ("");
  fail_unless (g_str_has_prefix (s, "anomalydetect"), "stream %s", s);
  g_free (s);
}

GST_END_TEST;

/* Starting must fail with an error naming `want1` and `want2`. */
static void
check_start_error (const gchar * props, const gchar * want1,
    const gchar * want2)
{
  GstBus *bus;
  GstElement *p = make_pipeline (props, 5, &bus);
  gchar *text;

  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  text = test_pop_error (bus);
  fail_unless (strstr (text, want1) != NULL, "error '%s' lacks '%s'", text,
      want1);
  fail_unless (strstr (text, want2) != NULL, "error '%s' lacks '%s'", text,
      want2);
  g_free (text);
  fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (p);
  test_drop_bus (bus);
}

GST_START_TEST (test_start_errors)
{
  guint live0 = gst_anomaly_model_live_count ();
  gchar *absent = g_build_filename (tmpdir, "absent.model", NULL);
  gchar *garbage = g_build_filename (tmpdir, "garbage.model", NULL);
  gchar *model = test_make_model_file (tmpdir, "ok.model", MW, MH);
  gchar *props;

  /* no model at all: detect needs one */
  check_start_error ("", "No model file set", "model=");
  check_start_error ("mode=detect", "No model file set", "model=");
  /* train needs somewhere to save it */
  check_start_error ("mode=train", "No model file set for training",
      "model=");
  /* a model path that does not exist */
  props = g_strdup_printf ("model=\"%s\"", absent);
  check_start_error (props, absent, "does not exist");
  g_free (props);
  /* a file that is not a model */
  fail_unless (g_file_set_contents (garbage, "this is no model, just text",
          -1, NULL));
  props = g_strdup_printf ("model=\"%s\"", garbage);
  check_start_error (props, garbage, "not a usable model");
  g_free (props);
  /* a log that cannot be written */
  props = g_strdup_printf ("model=\"%s\" log=/nonexistent-dir/x.jsonl",
      model);
  check_start_error (props, "/nonexistent-dir/x.jsonl", "log");
  g_free (props);
  /* a bad training config */
  props = g_strdup_printf ("mode=train model=\"%s\" config=nonsense=1",
      absent);
  check_start_error (props, "nonsense", "config");
  g_free (props);

  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
  fail_if (g_file_test (absent, G_FILE_TEST_EXISTS));
  g_free (absent);
  g_free (garbage);
  g_free (model);
}

GST_END_TEST;

GST_START_TEST (test_state_cycles)
{
  gchar *model = test_make_model_file (tmpdir, "cycle.model", MW, MH);
  gchar *props = g_strdup_printf ("model=\"%s\"", model);
  guint live0 = gst_anomaly_model_live_count ();
  GstBus *bus;
  GstElement *p = make_pipeline (props, 6, &bus);

  for (gint i = 0; i < 5; i++) {
    GPtrArray *msgs = test_run_to_eos (p, 120.0);
    guint64 frame, next = 1;

    /* every frame but the first is scored, frames count from 0 again */
    fail_unless_equals_int (test_count_named (msgs, "anomaly"), 5);
    for (guint k = 0; k < msgs->len; k++) {
      GstStructure *s = g_ptr_array_index (msgs, k);

      if (!gst_structure_has_name (s, "anomaly"))
        continue;
      fail_unless (gst_structure_get_uint64 (s, "frame", &frame));
      fail_unless_equals_uint64 (frame, next);
      next++;
    }
    g_ptr_array_unref (msgs);
    fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
  }
  /* and without data: NULL -> PLAYING -> NULL */
  for (gint i = 0; i < 5; i++) {
    fail_if (gst_element_set_state (p, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
  }
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  gst_object_unref (p);
  test_drop_bus (bus);
  g_free (props);
  g_free (model);
}

GST_END_TEST;

static Suite *
anomalydetect_suite (void)
{
  Suite *s = suite_create ("anomalydetect");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_children);
  tcase_add_test (tc, test_child_names);
  tcase_add_test (tc, test_stream_id_default);
  tcase_add_test (tc, test_proxied_properties);
  tcase_add_test (tc, test_proxied_launch_line);
  tcase_add_test (tc, test_inspect_complete);
  tcase_add_test (tc, test_formats_odd_size);
  tcase_add_test (tc, test_map_mode_caps);
  tcase_add_test (tc, test_start_errors);
  tcase_add_test (tc, test_state_cycles);
  return s;
}

GST_CHECK_MAIN (anomalydetect);
