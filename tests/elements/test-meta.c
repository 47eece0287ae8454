/* GStreamer anomaly detection plugin
 * test-meta.c - GstAnomalyMeta: add/get, setters, deep copies, survival
 * through videoscale and videoconvert, model references.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>

#include "gstanomalymeta.h"
#include "gstanomalymodel.h"

#define MW 16
#define MH 16

static GstAnomalyModel *
make_model (void)
{
  ad_config cfg;
  ad_model *m = NULL;
  ad_error err = { {0} };

  ad_config_default (&cfg);
  cfg.width = MW;
  cfg.height = MH;
  cfg.widths[0] = 4;
  cfg.widths[1] = 4;
  cfg.widths[2] = 4;
  cfg.widths[3] = 4;
  fail_unless_equals_int (ad_model_new (&cfg, &m, &err), AD_OK);
  return gst_anomaly_model_new_take (m);
}

static gfloat *
ramp (gint n, gfloat base)
{
  gfloat *v = g_new (gfloat, n);

  for (gint i = 0; i < n; i++)
    v[i] = base + 0.001f * i;
  return v;
}

/* A buffer with a complete meta (features, recon + model, map, regions). */
static GstBuffer *
make_buffer (GstAnomalyModel * model, gsize size)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);
  GstAnomalyMeta *meta;
  GstAnomalyRegion r = { 0.25f, 0.5f, 0.125f, 0.25f, 3.5f };

  gst_buffer_memset (buf, 0, 77, size);
  meta = gst_buffer_add_anomaly_meta (buf, MW, MH);
  meta->frame = 42;
  gst_anomaly_meta_take_features (meta, 2, ramp (2 * MW * MH, 0.1f));
  gst_anomaly_meta_take_recon (meta, 1, ramp (MW * MH, 0.2f), model);
  gst_anomaly_meta_take_map (meta, ramp (MW * MH, 0.3f));
  meta->scored = TRUE;
  meta->score = 1.5f;
  meta->raw_score = 0.02f;
  meta->threshold = 1.25f;
  meta->anomalous = TRUE;
  for (gint i = 0; i < GST_ANOMALY_META_N_PARTS; i++)
    meta->parts[i] = 0.125f * (gfloat) (i + 1);
  meta->regions = g_array_new (FALSE, FALSE, sizeof (GstAnomalyRegion));
  g_array_append_val (meta->regions, r);
  return buf;
}

/* Checks that b is a complete, independent copy of a. */
static void
check_same (const GstAnomalyMeta * a, const GstAnomalyMeta * b)
{
  const GstAnomalyRegion *ra, *rb;

  fail_unless (a != b);
  fail_unless_equals_uint64 (b->frame, a->frame);
  fail_unless_equals_int (b->width, a->width);
  fail_unless_equals_int (b->height, a->height);
  fail_unless_equals_int (b->n_features, a->n_features);
  fail_unless_equals_int (b->n_recon, a->n_recon);
  fail_unless (b->features && b->features != a->features);
  fail_unless (b->recon && b->recon != a->recon);
  fail_unless (b->map && b->map != a->map);
  fail_unless (memcmp (a->features, b->features,
          sizeof (gfloat) * a->n_features * a->width * a->height) == 0);
  fail_unless (memcmp (a->recon, b->recon,
          sizeof (gfloat) * a->n_recon * a->width * a->height) == 0);
  fail_unless (memcmp (a->map, b->map,
          sizeof (gfloat) * a->width * a->height) == 0);
  fail_unless (b->model == a->model);
  fail_unless_equals_int (b->scored, a->scored);
  fail_unless_equals_float (b->score, a->score);
  fail_unless_equals_float (b->raw_score, a->raw_score);
  fail_unless_equals_float (b->threshold, a->threshold);
  fail_unless_equals_int (b->anomalous, a->anomalous);
  for (gint i = 0; i < GST_ANOMALY_META_N_PARTS; i++)
    fail_unless_equals_float (b->parts[i], a->parts[i]);
  fail_unless (b->regions && b->regions != a->regions);
  fail_unless_equals_int (b->regions->len, a->regions->len);
  ra = &g_array_index (a->regions, GstAnomalyRegion, 0);
  rb = &g_array_index (b->regions, GstAnomalyRegion, 0);
  fail_unless (memcmp (ra, rb, sizeof (*ra)) == 0);
}

GST_START_TEST (test_add_get)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);
  GstAnomalyMeta *meta;
  const gchar *const *tags;

  fail_unless (gst_buffer_get_anomaly_meta (buf) == NULL);
  meta = gst_buffer_add_anomaly_meta (buf, 40, 32);
  fail_unless (meta != NULL);
  fail_unless (gst_buffer_get_anomaly_meta (buf) == meta);
  fail_unless_equals_int (meta->width, 40);
  fail_unless_equals_int (meta->height, 32);
  fail_unless_equals_uint64 (meta->frame, 0);
  fail_unless (meta->features == NULL && meta->recon == NULL);
  fail_unless (meta->map == NULL && meta->regions == NULL);
  fail_unless (meta->model == NULL);
  fail_unless_equals_int (meta->n_features, 0);
  fail_unless (!meta->scored && !meta->anomalous);
  fail_unless_equals_float (meta->threshold, 1.0f);
  for (gint i = 0; i < GST_ANOMALY_META_N_PARTS; i++)
    fail_unless_equals_float (meta->parts[i], 0.0f);

  tags = gst_meta_api_type_get_tags (GST_ANOMALY_META_API_TYPE);
  fail_unless (tags && g_strv_length ((gchar **) tags) == 1);
  fail_unless (gst_meta_api_type_has_tag (GST_ANOMALY_META_API_TYPE,
          g_quark_from_string (GST_META_TAG_VIDEO_STR)));
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_take)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);
  GstAnomalyMeta *meta = gst_buffer_add_anomaly_meta (buf, MW, MH);
  guint live0 = gst_anomaly_model_live_count ();
  GstAnomalyModel *model = make_model ();
  GstAnomalyModel *model2 = make_model ();
  gfloat *f = ramp (MW * MH, 0.0f);

  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 2);
  gst_anomaly_meta_take_features (meta, 1, f);
  fail_unless (meta->features == f);
  fail_unless_equals_int (meta->n_features, 1);
  /* replacing frees the previous array (valgrind/ASan would see a leak) */
  gst_anomaly_meta_take_features (meta, 3, ramp (3 * MW * MH, 0.5f));
  fail_unless_equals_int (meta->n_features, 3);
  fail_unless_equals_float (meta->features[1], 0.501f);
  gst_anomaly_meta_take_features (meta, 3, NULL);
  fail_unless (meta->features == NULL);
  fail_unless_equals_int (meta->n_features, 0);

  gst_anomaly_meta_take_recon (meta, 2, ramp (2 * MW * MH, 0.0f), model);
  fail_unless (meta->model == model);
  fail_unless_equals_int (meta->n_recon, 2);
  /* the meta holds its own reference */
  gst_anomaly_model_unref (model);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 2);
  /* a new model replaces (and releases) the old one */
  gst_anomaly_meta_take_recon (meta, 1, ramp (MW * MH, 0.0f), model2);
  fail_unless (meta->model == model2);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 1);

  gst_anomaly_meta_take_map (meta, ramp (MW * MH, 0.0f));
  fail_unless (meta->map != NULL);

  gst_anomaly_model_unref (model2);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 1);
  gst_buffer_unref (buf);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
}

GST_END_TEST;

static gpointer
counting_ref (gpointer p)
{
  g_atomic_int_inc ((gint *) p);
  return p;
}

static void
counting_unref (gpointer p)
{
  g_atomic_int_add ((gint *) p, -1);
}

GST_START_TEST (test_set_model)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);
  GstAnomalyMeta *meta = gst_buffer_add_anomaly_meta (buf, MW, MH);
  GstBuffer *copy;
  gint refs = 0;

  gst_anomaly_meta_set_model (meta, &refs, counting_ref, counting_unref);
  fail_unless_equals_int (refs, 1);
  copy = gst_buffer_copy (buf);
  fail_unless_equals_int (refs, 2);
  fail_unless (gst_buffer_get_anomaly_meta (copy)->model == &refs);
  gst_buffer_unref (buf);
  fail_unless_equals_int (refs, 1);
  gst_anomaly_meta_set_model (gst_buffer_get_anomaly_meta (copy), NULL,
      NULL, NULL);
  fail_unless_equals_int (refs, 0);
  gst_buffer_unref (copy);
  fail_unless_equals_int (refs, 0);
}

GST_END_TEST;

GST_START_TEST (test_copy_deep)
{
  guint live0 = gst_anomaly_model_live_count ();
  GstAnomalyModel *model = make_model ();
  GstBuffer *buf = make_buffer (model, 64);
  GstBuffer *copy = gst_buffer_copy (buf);
  GstAnomalyMeta *a = gst_buffer_get_anomaly_meta (buf);
  GstAnomalyMeta *b = gst_buffer_get_anomaly_meta (copy);

  fail_unless (b != NULL);
  check_same (a, b);
  /* independent: changing the copy leaves the original alone */
  b->features[0] = 9.0f;
  b->map[0] = 9.0f;
  fail_unless (a->features[0] != 9.0f && a->map[0] != 9.0f);

  gst_anomaly_model_unref (model);
  gst_buffer_unref (buf);
  /* the copy keeps the model alive */
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 1);
  fail_unless (gst_anomaly_model_get (b->model) != NULL);
  gst_buffer_unref (copy);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
}

GST_END_TEST;

/* The tests run with an empty system plugin path; load videoconvertscale
 * (videoscale + videoconvert) from the directory next to libgstreamer. */
static void
load_videoconvertscale (void)
{
  Dl_info info;
  gchar *libdir, *path;
  GstPlugin *plugin;

  if (gst_registry_find_feature (gst_registry_get (), "videoscale",
          GST_TYPE_ELEMENT_FACTORY) != NULL)
    return;
  fail_unless (dladdr ((void *) gst_init, &info) && info.dli_fname);
  libdir = g_path_get_dirname (info.dli_fname);
  path = g_build_filename (libdir, "gstreamer-1.0",
      "libgstvideoconvertscale.so", NULL);
  plugin = gst_plugin_load_file (path, NULL);
  fail_unless (plugin != NULL, "cannot load %s", path);
  gst_object_unref (plugin);
  g_free (path);
  g_free (libdir);
}

GST_START_TEST (test_survives_scale_convert)
{
  guint live0 = gst_anomaly_model_live_count ();
  GstAnomalyModel *model = make_model ();
  GstHarness *h;
  GstBuffer *in, *ref, *out;
  GstAnomalyMeta *a, *b;
  gsize in_size = 64 * 48;      /* GRAY8 64x48 */

  load_videoconvertscale ();
  h = gst_harness_new_parse ("videoscale ! videoconvert");

  gst_harness_set_caps_str (h,
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=25/1",
      "video/x-raw,format=RGBx,width=32,height=24,framerate=25/1");
  in = make_buffer (model, in_size);
  ref = gst_buffer_copy (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  /* the video really changed size and format */
  fail_unless_equals_int (gst_buffer_get_size (out), 32 * 24 * 4);
  a = gst_buffer_get_anomaly_meta (ref);
  b = gst_buffer_get_anomaly_meta (out);
  fail_unless (b != NULL);
  /* values are resolution independent: copied unchanged */
  check_same (a, b);

  gst_buffer_unref (out);
  gst_buffer_unref (ref);
  gst_harness_teardown (h);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 1);
  gst_anomaly_model_unref (model);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);
}

GST_END_TEST;

GST_START_TEST (test_model_cache)
{
  gchar *dir = g_dir_make_tmp ("anomaly-meta-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "m.model", NULL);
  guint live0 = gst_anomaly_model_live_count ();
  GstAnomalyModel *m0 = make_model ();
  GstAnomalyModel *a, *b;
  GError *error = NULL;
  ad_error err = { {0} };

  fail_unless_equals_int (ad_model_save (gst_anomaly_model_get (m0), path,
          &err), AD_OK);
  gst_anomaly_model_unref (m0);

  a = gst_anomaly_model_load (path, &error);
  fail_unless (a != NULL);
  b = gst_anomaly_model_load (path, &error);
  fail_unless (b == a);         /* shared */
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0 + 1);
  gst_anomaly_model_unref (a);
  gst_anomaly_model_unref (b);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);

  /* errors carry the core's reason */
  fail_unless (gst_anomaly_model_load ("/nonexistent/x.model", &error) ==
      NULL);
  fail_unless (error && error->domain == GST_ANOMALY_MODEL_ERROR);
  fail_unless_equals_int (error->code, AD_ERR_IO);
  g_clear_error (&error);
  fail_unless (g_file_set_contents (path, "not a model at all", -1, NULL));
  fail_unless (gst_anomaly_model_load (path, &error) == NULL);
  fail_unless (error != NULL && error->message[0] != '\0');
  fail_unless (error->code != AD_OK && error->code != AD_ERR_IO);
  g_clear_error (&error);
  fail_unless_equals_int (gst_anomaly_model_live_count (), live0);

  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static Suite *
anomalymeta_suite (void)
{
  Suite *s = suite_create ("anomalymeta");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_add_get);
  tcase_add_test (tc, test_take);
  tcase_add_test (tc, test_set_model);
  tcase_add_test (tc, test_copy_deep);
  tcase_add_test (tc, test_survives_scale_convert);
  tcase_add_test (tc, test_model_cache);
  return s;
}

GST_CHECK_MAIN (anomalymeta);
