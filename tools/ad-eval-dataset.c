/* ad-eval-dataset.c - evaluation on external datasets laid out like UCSD
 * Ped2 / CUHK Avenue: DIR/training/frames/<clip>/, DIR/testing/frames/<clip>/
 * and DIR/testing/gt/<clip>/ masks or DIR/testing/labels/<clip>.txt.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "ad-eval.h"

/* Caps of an image file (without framerate: run_pipeline adds feed_fps),
 * and the decoder: decodebin for PNG and JPEG; gdkpixbufdec (rank none,
 * so decodebin skips it) for TIFF and BMP. */
static const gchar *
image_caps (const gchar * path, const gchar ** decoder)
{
  gchar *lower = g_ascii_strdown (path, -1);
  const gchar *caps = NULL, *dec = "decodebin";
  if (g_str_has_suffix (lower, ".png")) {
    caps = "image/png";
  } else if (g_str_has_suffix (lower, ".jpg") || g_str_has_suffix (lower,
          ".jpeg")) {
    caps = "image/jpeg";
  } else if (g_str_has_suffix (lower, ".tif") || g_str_has_suffix (lower,
          ".tiff")) {
    caps = "image/tiff";
    dec = "gdkpixbufdec";
  } else if (g_str_has_suffix (lower, ".bmp")) {
    caps = "image/bmp";
    dec = "gdkpixbufdec";
  }
  g_free (lower);
  if (decoder)
    *decoder = dec;
  return caps;
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* Sorted entries of dir: sub-directories, or image files. */
static GPtrArray *
list_dir (const gchar * dir, gboolean dirs)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    if (dirs ? g_file_test (p, G_FILE_TEST_IS_DIR) : image_caps (p, NULL) != NULL)
      g_ptr_array_add (a, p);
    else
      g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (a, compare_paths);
  return a;
}

static Feed
feed_of (GPtrArray * files)
{
  Feed f = { (gchar **) files->pdata, (gint) files->len, "image/png",
    "decodebin", NULL
  };
  if (files->len)
    f.caps = image_caps (g_ptr_array_index (files, 0), &f.decoder);
  if (opt_max_frames > 0 && f.n > opt_max_frames)
    f.n = opt_max_frames;
  return f;
}

/* appsrc ! decoder ! videoconvert ! rest (feed->discont flags frames at
 * the converter's input, see run_pipeline) */
static gchar *
feed_desc (const Feed * f, const gchar * rest)
{
  return g_strdup_printf ("appsrc name=src ! %s ! videoconvert name=conv ! "
      "%s",
      f->decoder, rest);
}

typedef struct
{
  Truth *t;
  gint64 base, limit;
  gfloat *tmp;
} MaskCtx;

static gboolean
on_mask_sample (gpointer user, GstSample * s, gint64 index, GError ** err)
{
  MaskCtx *mc = user;
  GstVideoInfo vi;
  GstVideoFrame vf;

  if (index >= mc->limit)
    return TRUE;
  if (!gst_video_info_from_caps (&vi, gst_sample_get_caps (s)) ||
      !gst_video_frame_map (&vf, &vi, gst_sample_get_buffer (s),
          GST_MAP_READ)) {
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "cannot map ground-truth mask %" G_GINT64_FORMAT, index);
    return FALSE;
  }
  truth_set_mask (mc->t, mc->base + index, GST_VIDEO_FRAME_PLANE_DATA (&vf,
          0), vi.width, vi.height, GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0), 0,
      mc->tmp);
  gst_video_frame_unmap (&vf);
  return TRUE;
}

/* The ground truth of one test clip: masks (DIR/testing/gt/<clip>[_gt]/)
 * or labels (DIR/testing/labels/<clip>.txt). */
static gboolean
dataset_clip_truth (const gchar * root, const gchar * clip, Truth * t,
    gint c, GError ** err)
{
  gint64 base = t->clip_start[c], n = t->clip_start[c + 1] - base;
  gchar *gt = g_build_filename (root, "testing", "gt", clip, NULL);
  gchar *gt2 = g_strdup_printf ("%s_gt", gt);
  gchar *lab = g_strdup_printf ("%s/testing/labels/%s.txt", root, clip);
  gboolean ok = TRUE;

  if (g_file_test (gt, G_FILE_TEST_IS_DIR) || g_file_test (gt2,
          G_FILE_TEST_IS_DIR)) {
    GPtrArray *files = list_dir (g_file_test (gt, G_FILE_TEST_IS_DIR) ? gt :
        gt2, FALSE);
    Feed f = feed_of (files);
    MaskCtx mc = { t, base, n, g_new (gfloat, (gsize) t->mw * t->mh) };
    if (f.n < n) {
      g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "%s: %d masks for %" G_GINT64_FORMAT " frames", clip, f.n, n);
      ok = FALSE;
    } else {
      gchar *desc = feed_desc (&f, "video/x-raw,format=GRAY8 ! appsink "
          "name=sink sync=false max-buffers=8");
      ok = run_pipeline (desc, &f, on_mask_sample, &mc, NULL, err);
      g_free (desc);
      t->clip_pixels[c] = TRUE;
    }
    g_free (mc.tmp);
    g_ptr_array_unref (files);
  } else if (g_file_test (lab, G_FILE_TEST_EXISTS)) {
    gchar *text = NULL;
    gchar **tok;
    gint64 i = 0;
    if (!g_file_get_contents (lab, &text, NULL, err)) {
      ok = FALSE;
    } else {
      tok = g_strsplit_set (text, " \t\r\n,", -1);
      for (gchar ** p = tok; *p && i < n; p++)
        if (**p) {
          t->label[base + i] = atoi (*p) != 0;
          t->kind[base + i] = t->label[base + i];
          i++;
        }
      g_strfreev (tok);
      if (i < n) {
        g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
            "%s: %" G_GINT64_FORMAT " labels for %" G_GINT64_FORMAT
            " frames", lab, i, n);
        ok = FALSE;
      }
    }
    g_free (text);
  } else {
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "no ground truth for test clip %s: neither %s nor %s", clip, gt, lab);
    ok = FALSE;
  }
  g_free (gt);
  g_free (gt2);
  g_free (lab);
  return ok;
}

gboolean
run_dataset (const gchar * root, const gchar * config, gint idx,
    gboolean baselines, GError ** err)
{
  gchar *name = g_path_get_basename (root);
  gchar *dtrain = g_build_filename (root, "training", "frames", NULL);
  gchar *dtest = g_build_filename (root, "testing", "frames", NULL);
  GPtrArray *trc = list_dir (dtrain, TRUE), *tec = list_dir (dtest, TRUE);
  GPtrArray *train = g_ptr_array_new_with_free_func (g_free);
  GPtrArray **test = g_new0 (GPtrArray *, MAX (tec->len, 1));
  gchar *model = g_strdup_printf ("%s/%s-%d.model", opt_workdir, name, idx);
  gchar *cfg = train_props (config), *desc;
  Truth t = { 0 };
  Method m[N_METHODS];
  Ctx ctx = { 0 };
  gint64 n = 0;
  gdouble train_s = 0, score_s = 0, wall;
  gboolean ok = TRUE;
  Feed f;

  if (trc->len == 0 || tec->len == 0) {
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "%s: expected clip directories in %s and %s", root, dtrain, dtest);
    ok = FALSE;
  }
  /* all training clips in one stream, each clip's first frame flagged
   * DISCONT: the trainer starts a segment there (no motion, prediction or
   * calibration stretch across two clips) */
  GByteArray *starts = g_byte_array_new ();
  for (guint i = 0; ok && i < trc->len; i++) {
    GPtrArray *fl = list_dir (g_ptr_array_index (trc, i), FALSE);
    for (guint j = 0; j < fl->len; j++) {
      guint8 first = j == 0 && i > 0;
      g_ptr_array_add (train, g_strdup (g_ptr_array_index (fl, j)));
      g_byte_array_append (starts, &first, 1);
    }
    g_ptr_array_unref (fl);
  }
  for (guint i = 0; ok && i < tec->len; i++) {
    test[i] = list_dir (g_ptr_array_index (tec, i), FALSE);
    n += feed_of (test[i]).n;
  }
  if (ok) {
    truth_alloc (&t, n, tec->len, model_w, model_h, n);
    for (guint i = 0; i < tec->len; i++)
      t.clip_start[i + 1] = t.clip_start[i] + feed_of (test[i]).n;
    for (guint i = 0; ok && i < tec->len; i++) {
      gchar *clip = g_path_get_basename (g_ptr_array_index (tec, i));
      ok = dataset_clip_truth (root, clip, &t, i, err);
      g_free (clip);
    }
  }
  for (gint k = 0; k < N_METHODS; k++)
    method_alloc (&m[k], &t);
  m[M_DET].have_pix = m[M_DIFF].have_pix = m[M_CELL].have_pix = TRUE;
  m[M_MOG2].have_pix = TRUE;
  ctx.t = &t;
  ctx.m = m;
  ctx.calib_diff = g_array_new (FALSE, FALSE, sizeof (gfloat));
  ctx.calib_cell = g_array_new (FALSE, FALSE, sizeof (gfloat));
  if (ok) {
    g_printerr ("ad-eval: %s: training on %u frames of %u clips\n", name,
        train->len, trc->len);
    gchar *rest = g_strdup_printf ("anomalydetect mode=train model=\"%s\" "
        "train-seconds=%g width=%d height=%d%s ! %s", model, opt_train_s,
        model_w, model_h, cfg, baselines ?
        "appsink name=sink sync=false max-buffers=8" : "fakesink");
    f = feed_of (train);
    f.n = train->len;
    f.discont = starts->data;
    desc = feed_desc (&f, rest);
    g_free (rest);
    ok = run_pipeline (desc, &f, on_train_sample, &ctx, &train_s, err);
    diff_clear (&ctx.diff);
    g_free (desc);
    if (ok)
      note_model (model);
  }
  ctx.baselines = baselines;
  for (guint i = 0; ok && i < tec->len; i++) {
    ctx.base = t.clip_start[i];
    ctx.limit = t.clip_start[i + 1] - t.clip_start[i];
    gchar *rest = g_strdup_printf ("anomalydetect model=\"%s\" "
        "overlay-mode=map post-messages=false ! appsink name=sink sync=false "
        "max-buffers=8", model);
    f = feed_of (test[i]);
    desc = feed_desc (&f, rest);
    g_free (rest);
    ok = run_pipeline (desc, &f, on_score_sample, &ctx, &wall, err);
    score_s += wall;
    diff_clear (&ctx.diff);
    g_free (desc);
  }
  m[M_DET].have_flags = TRUE;
  if (ok && baselines) {
    m[M_DIFF].thr = calib_threshold (ctx.calib_diff);
    m[M_CELL].thr = calib_threshold (ctx.calib_cell);
    decide (&t, &m[M_DIFF]);
    decide (&t, &m[M_CELL]);
    m[M_MOG2].available = mog2_ok;
    m[M_MOG2].note = "not available";
  }
  if (ok && baselines && mog2_ok) {
    const gchar *seg = "segmentation method=mog2 test-mode=true ! "
        "video/x-raw,format=RGBA ! appsink name=sink sync=false max-buffers=8";
    g_array_set_size (ctx.calib_diff, 0);
    for (guint i = 0; ok && i < trc->len; i++) {
      GPtrArray *fl = list_dir (g_ptr_array_index (trc, i), FALSE);
      f = feed_of (fl);
      desc = feed_desc (&f, seg);
      ok = run_pipeline (desc, &f, on_mog2_sample, &ctx, NULL, err);
      g_free (desc);
      g_ptr_array_unref (fl);
    }
    m[M_MOG2].thr = calib_threshold (ctx.calib_diff);
    g_array_unref (ctx.calib_diff);
    ctx.calib_diff = NULL;
    for (guint i = 0; ok && i < tec->len; i++) {
      ctx.base = t.clip_start[i];
      ctx.limit = t.clip_start[i + 1] - t.clip_start[i];
      f = feed_of (test[i]);
      desc = feed_desc (&f, seg);
      ok = run_pipeline (desc, &f, on_mog2_sample, &ctx, NULL, err);
      g_free (desc);
    }
    if (ok)
      decide (&t, &m[M_MOG2]);
  }
  if (ok)
    add_rows (name, config, &t, m, baselines, -1, train_s,
        ctx.frames / MAX (score_s, 1e-9));
  if (ctx.calib_diff)
    g_array_unref (ctx.calib_diff);
  g_array_unref (ctx.calib_cell);
  for (gint k = 0; k < N_METHODS; k++)
    method_free (&m[k]);
  truth_free (&t);
  for (guint i = 0; i < tec->len; i++)
    if (test[i])
      g_ptr_array_unref (test[i]);
  g_free (test);
  g_ptr_array_unref (train);
  g_byte_array_unref (starts);
  g_ptr_array_unref (trc);
  g_ptr_array_unref (tec);
  g_free (dtrain);
  g_free (dtest);
  g_free (name);
  g_free (model);
  g_free (cfg);
  return ok;
}
