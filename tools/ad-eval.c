/* ad-eval.c - evaluation of the anomaly plugin through its own pipelines.
 *
 * Trains and scores with real GStreamer pipelines (anomalyscenesrc or image
 * sequences, anomalydetect, appsink), reads GstAnomalyMeta from every
 * buffer, takes the ground truth from the core's scene renderer (or from a
 * dataset's masks / labels) and scores the detector and three baselines
 * (whole-frame differencing, cell-max differencing, OpenCV MOG2) with the
 * same metrics on the same frames.  See docs/evaluation.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad-eval.h"
#include "ad-scene.h"

#include <glib/gstdio.h>

/* Settings for independent still images: the core's stills preset
 * (ad_config_preset in core/ad-config.c). */
#define AD_STILLS_CONFIG "preset=stills"

#ifndef AD_SOURCE_DIR
#define AD_SOURCE_DIR "."
#endif

/* Options */
static gchar **opt_scenes = NULL;
static guint opt_seed = 1;
static gchar *opt_size = NULL;
gdouble opt_train_s = 120.0;
gint opt_epochs = 0;
static gchar *opt_config = NULL;
static gboolean opt_grid = FALSE;
static gchar *opt_grid_configs = NULL;
static gboolean opt_quick = FALSE;
static gchar *opt_csv = NULL;
static gchar *opt_plot = NULL;
static gchar *opt_pictures = NULL;
static gchar *opt_dataset = NULL;
gchar *opt_workdir = NULL;
gint opt_cell = 8;
static gboolean opt_no_mog2 = FALSE;
gint opt_max_frames = 0;
static gint opt_frame_step = 1;
static gint opt_pace = 1;
static gint opt_train_events = 0;
static gdouble opt_clouds = 0.0;
static gdouble opt_leaves = 0.0;
static gdouble opt_stops = 0.0;
static gint opt_fps = 0;
static gint opt_h264 = 0;
static gdouble opt_drop = 0.0;
static gboolean opt_gray_test = FALSE;

static GOptionEntry entries[] = {
  {"scene", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt_scenes,
      "Scene: surveillance, sparse, nuisance-check, industrial, crowded, windy, clock "
        "(repeatable; default the first four)", "S"},
  {"seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Scene seed (default 1)", "K"},
  {"size", 0, 0, G_OPTION_ARG_STRING, &opt_size,
      "Video size of the scene source (default 320x240)", "WxH"},
  {"train-seconds", 't', 0, G_OPTION_ARG_DOUBLE, &opt_train_s,
      "Training budget per model (default 120; --grid: 60)", "T"},
  {"epochs", 0, 0, G_OPTION_ARG_INT, &opt_epochs,
      "Train every model for N passes over its clips instead of -t "
      "(anomalydetect epochs=N): the same footage then trains the same "
      "model each run, so two runs that differ in a scoring setting of "
      "--config compare it on one model (0 = -t, the default)", "N"},
  {"config", 'c', 0, G_OPTION_ARG_STRING, &opt_config,
      "anomalydetect config= string for every model", "K=V,..."},
  {"grid", 'g', 0, G_OPTION_ARG_NONE, &opt_grid,
      "Train and score a grid of configurations", NULL},
  {"grid-configs", 0, 0, G_OPTION_ARG_STRING, &opt_grid_configs,
      "The grid: configurations separated by ';' (empty = defaults)", "C;C"},
  {"quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick,
      "CI mode: one scene, few frames, 5 s training", NULL},
  {"csv", 0, 0, G_OPTION_ARG_FILENAME, &opt_csv, "Also write the table", "F"},
  {"plot", 0, 0, G_OPTION_ARG_FILENAME, &opt_plot,
      "Write score-over-time data and PNG plots per scene", "DIR"},
  {"pictures", 0, 0, G_OPTION_ARG_FILENAME, &opt_pictures,
      "Write overlay frames of anomalies as PNG", "DIR"},
  {"dataset", 'd', 0, G_OPTION_ARG_FILENAME, &opt_dataset,
      "External dataset laid out like UCSD Ped2 / Avenue", "DIR"},
  {"workdir", 0, 0, G_OPTION_ARG_FILENAME, &opt_workdir,
      "Where models are written (default: a temporary directory)", "DIR"},
  {"cell", 0, 0, G_OPTION_ARG_INT, &opt_cell,
      "Cell size of the cell-max baseline, px at model resolution", "N"},
  {"no-mog2", 0, 0, G_OPTION_ARG_NONE, &opt_no_mog2, "Skip MOG2", NULL},
  {"max-frames", 0, 0, G_OPTION_ARG_INT, &opt_max_frames,
      "Cap every clip at N frames (0 = whole clips)", "N"},
  {"frame-step", 0, 0, G_OPTION_ARG_INT, &opt_frame_step,
      "Scenes: every N-th frame, a camera at 25/N frames a second "
      "(default 1)", "N"},
  {"pace", 0, 0, G_OPTION_ARG_INT, &opt_pace,
      "Scenes: K frames for each of the scene's own, so that people move "
      "1/K as far a frame at the same frame rate (2: a real walker's "
      "speed for their size; anomalyscenesrc pace=K; default 1)", "K"},
  {"train-events", 0, 0, G_OPTION_ARG_INT, &opt_train_events,
      "Scenes: the training clip holds N anomaly events, as a real "
      "camera's normal footage may (anomalyscenesrc add-events=N; "
      "default 0)", "N"},
  {"clouds", 0, 0, G_OPTION_ARG_DOUBLE, &opt_clouds,
      "Scenes: cloud shadows taking D of the light drift across the test "
      "and nuisance clips (anomalyscenesrc clouds=D; default 0)", "D"},
  {"leaves", 0, 0, G_OPTION_ARG_DOUBLE, &opt_leaves,
      "Scenes: the trees' shade, dappled with sun and moving in the wind, "
      "takes D of the light in every clip, training included, as on a "
      "breezy, sunny day (anomalyscenesrc leaves=D; default 0)", "D"},
  {"stops", 0, 0, G_OPTION_ARG_DOUBLE, &opt_stops,
      "Scenes: a share P of the normal walkers stops midway and stands 2-8 s "
      "before walking on, in every clip, training included, as people on "
      "real footage do (anomalyscenesrc stops=P; default 0)", "P"},
  {"fps", 0, 0, G_OPTION_ARG_INT, &opt_fps,
      "--dataset: frames a second the footage was filmed at (default 25; "
      "UCSD Ped2: 10): the rate its frames are fed at, which anomalydetect "
      "reads from the caps, and of false alarms per hour", "N"},
  {"no-caps-rate", 0, 0, G_OPTION_ARG_NONE, &feed_no_rate,
      "--dataset: feed the files at --fps but with framerate=0/1 caps and "
      "no buffer durations, as MJPEG over HTTP and many RTSP cameras give "
      "(the detector takes the rate from the timestamps)", NULL},
  {"gray-test", 0, 0, G_OPTION_ARG_NONE, &opt_gray_test,
      "Scenes: the test and nuisance clips turn gray (videobalance "
      "saturation=0, each pixel's luma), as a day/night camera's at night, "
      "while the models train in colour; the baselines score the same gray "
      "clips", NULL},
  {"gray", 0, 0, G_OPTION_ARG_NONE, &opt_gray,
      "Train gray models (anomalydetect color=false; the plugin's default "
      "is RGB features)", NULL},
  {"h264", 0, 0, G_OPTION_ARG_INT, &opt_h264,
      "Scenes: pass every clip through H.264 at N kbit/s and back "
      "(x264enc, a keyframe every 2 s, avdec_h264), as a camera's stream "
      "arrives: block artefacts and the keyframes' pulse (0 = off)", "N"},
  {"drop", 0, 0, G_OPTION_ARG_DOUBLE, &opt_drop,
      "Scenes: lose this share of the test and nuisance clips' frames "
      "(0..0.5) between the source and anomalydetect, as a leaky queue or "
      "a network link does; the same frames for every method, picked by "
      "a hash of the frame index; the metrics leave them out (default 0)",
      "P"},
  {"parts", 0, 0, G_OPTION_ARG_NONE, &opt_parts,
      "Also print, per scene and configuration, each part of the "
      "detector's score (GstAnomalyMeta.parts: learned, motion, pattern, "
      "still, wander, feature) as a frame score alone and the score less "
      "that part, as causal frame AUROC: which signal finds the anomalies "
      "of this footage, and which only adds noise", NULL},
  {"ignore", 0, 0, G_OPTION_ARG_STRING, &opt_ignore,
      "Regions the trained models leave out (anomalydetect "
      "ignore-regions=\"x,y,w,h;...\", fractions of the picture)", "R"},
  {NULL}
};

/* ------------------------------------------------------------------------ */
/* Plots and pictures.                                                      */

static void
write_plot (const gchar * dir, const gchar * scene, const Truth * t,
    const Method * m, const gchar * log)
{
  gchar *labels = g_strdup_printf ("%s/%s-labels.csv", dir, scene);
  gchar *data = g_strdup_printf ("%s/%s-scores.csv", dir, scene);
  gchar *png = g_strdup_printf ("%s/%s-scores.png", dir, scene);
  gchar *script = g_build_filename (AD_SOURCE_DIR, "tools", "plot-scores.py",
      NULL);
  FILE *fl = fopen (labels, "w"), *fd = fopen (data, "w");
  gint64 a = t->clip_start[0], b = t->clip_start[1];

  if (!fl || !fd) {
    g_printerr ("ad-eval: cannot write %s or %s\n", labels, data);
  } else {
    fprintf (fl, "frame,label,kind\n");
    fprintf (fd, "frame,label,kind,detector,detector_flag,diff,cellmax,"
        "mog2\n");
    for (gint64 f = a; f < b; f++) {
      const gchar *kn = t->kind[f] > 0 && t->kind[f] < AD_ANOM_COUNT ?
          ad_anomaly_name ((ad_anomaly_kind) t->kind[f]) : "none";
      fprintf (fl, "%" G_GINT64_FORMAT ",%d,%s\n", f - a, t->label[f], kn);
      fprintf (fd, "%" G_GINT64_FORMAT ",%d,%s,%g,%d,%g,%g,%g\n", f - a,
          t->label[f], kn, m[M_DET].score[f], m[M_DET].flag[f],
          m[M_DIFF].score[f], m[M_CELL].score[f], m[M_MOG2].available ?
          m[M_MOG2].score[f] : NAN);
    }
  }
  if (fl)
    fclose (fl);
  if (fd)
    fclose (fd);
  if (fl && fd) {
    gchar *title = g_strdup_printf ("%s, test clip: anomalydetect score", scene);
    gchar *argv[] = { (gchar *) "python3", script, (gchar *) log, labels, png,
      title, NULL
    };
    gint status = 0;
    GError *e = NULL;
    if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
            G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &e)
        || !g_spawn_check_wait_status (status, &e)) {
      g_printerr ("ad-eval: plot %s failed: %s (needs python3 and gnuplot)\n",
          png, e->message);
      g_clear_error (&e);
    } else {
      g_printerr ("ad-eval: wrote %s and %s\n", png, data);
    }
    g_free (title);
  }
  g_free (labels);
  g_free (data);
  g_free (png);
  g_free (script);
}

typedef struct
{
  const gchar *dir, *scene;
  gint64 pick[4];
  gint n_pick, written;
} Pics;

static gboolean
on_picture_sample (gpointer user, GstSample * s, gint64 index, GError ** err)
{
  Pics *p = user;
  for (gint i = 0; i < p->n_pick; i++) {
    GstCaps *caps;
    GstSample *png;
    GstMapInfo mi;
    gchar *path;
    if (p->pick[i] != index)
      continue;
    caps = gst_caps_from_string ("image/png");
    png = gst_video_convert_sample (s, caps, 10 * GST_SECOND, err);
    gst_caps_unref (caps);
    if (!png)
      return FALSE;
    path = g_strdup_printf ("%s/overlay-%s-%05" G_GINT64_FORMAT ".png",
        p->dir, p->scene, index);
    gst_buffer_map (gst_sample_get_buffer (png), &mi, GST_MAP_READ);
    if (g_file_set_contents (path, (const gchar *) mi.data, mi.size, err))
      p->written++;
    gst_buffer_unmap (gst_sample_get_buffer (png), &mi);
    gst_sample_unref (png);
    g_printerr ("ad-eval: wrote %s\n", path);
    g_free (path);
    if (err && *err)
      return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Generated scenes.                                                        */

typedef struct
{
  const gchar *name, *element_scene;
  ad_scene_kind kind;
  guint seed_add;
  const gchar *config;      /* scene-kind settings, before --config */
} SceneSpec;

static const SceneSpec scene_specs[] = {
  {"surveillance", "surveillance", AD_SCENE_SURVEILLANCE, 0, NULL},
  {"sparse", "sparse", AD_SCENE_SPARSE, 0, NULL},
  /* a second surveillance layout whose main figure is the nuisance check */
  {"nuisance-check", "surveillance", AD_SCENE_SURVEILLANCE, 1000, NULL},
  /* independent stills: the "stills" settings of docs/tuning.md */
  {"industrial", "industrial", AD_SCENE_INDUSTRIAL, 0, AD_STILLS_CONFIG},
  /* not in the default run: a busy walkway, people passing each other */
  {"crowded", "crowded", AD_SCENE_CROWDED, 0, NULL},
  /* not in the default run: surveillance with swaying trees (normal) */
  {"windy", "windy", AD_SCENE_WINDY, 0, NULL},
  /* not in the default run: surveillance with an on-screen clock */
  {"clock", "clock", AD_SCENE_CLOCK, 0, NULL},
};

static gint vid_w = 320, vid_h = 240;
gint model_w = 160, model_h = 120;

/* --pace for the video scenes; the industrial scene's stills have none. */
static gint
scene_pace (ad_scene_kind kind)
{
  return kind == AD_SCENE_INDUSTRIAL ? 1 : opt_pace;
}

static gint64
clip_frames (ad_scene_kind kind, ad_scene_clip clip, guint seed)
{
  ad_scene *sc = NULL;
  ad_error e;
  gint64 n = 0;
  if (ad_scene_new (kind, clip, 32, 32, 0, seed, &sc, &e) == AD_OK) {
    if (ad_scene_set_pace (sc, scene_pace (kind), &e) == AD_OK)
      n = (ad_scene_n_frames (sc) + opt_frame_step - 1) / opt_frame_step;
    ad_scene_free (sc);
  }
  if (opt_max_frames > 0 && n > opt_max_frames)
    n = opt_max_frames;
  return n;
}

/* "anomalyscenesrc ... ! videoconvert": n frames of a clip of the scene
 * at the video size, every opt_frame_step-th frame, through H.264 and
 * back with --h264; every clip with --leaves' dappled shade and
 * --stops' standing people, a scored
 * clip (`lossy`) with --clouds' cloud shadows,
 * then in gray with --gray-test and, with --drop, through an element named "drop" at whose input
 * run_pipeline loses frames (g_free). */
static gchar *
scene_src (const SceneSpec * sp, const gchar * clip, guint seed, gint64 n,
    gboolean lossy)
{
  gchar *codec = opt_h264 > 0 ? g_strdup_printf (" ! x264enc bitrate=%d "
      "key-int-max=%d tune=zerolatency speed-preset=veryfast ! "
      "avdec_h264 ! videoconvert", opt_h264,
      (int) (2.0 * eval_fps + 0.5)) : g_strdup ("");
  /* --train-events: the video scenes' training clips (the industrial
   * scene's images have no events to add) */
  gint events = strcmp (clip, "train") == 0 &&
      strcmp (sp->element_scene, "industrial") != 0 ? opt_train_events : 0;
  /* --clouds: the test and nuisance clips of the video scenes */
  gboolean video = strcmp (sp->element_scene, "industrial") != 0;
  gchar clouds[G_ASCII_DTOSTR_BUF_SIZE], leaves[G_ASCII_DTOSTR_BUF_SIZE],
      stops[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (clouds, sizeof clouds, lossy && video ? opt_clouds : 0.0);
  /* --leaves: every clip of the video scenes (wind is normal weather) */
  g_ascii_dtostr (leaves, sizeof leaves, video ? opt_leaves : 0.0);
  /* --stops: every clip of the video scenes (standing is normal) */
  g_ascii_dtostr (stops, sizeof stops, video ? opt_stops : 0.0);
  gchar *s = g_strdup_printf ("anomalyscenesrc scene=%s clip=%s seed=%u "
      "frame-step=%d pace=%d add-events=%d clouds=%s leaves=%s stops=%s "
      "num-buffers=%"
      G_GINT64_FORMAT
      " ! video/x-raw,width=%d,height=%d ! videoconvert%s%s%s",
      sp->element_scene, clip, seed, opt_frame_step, scene_pace (sp->kind),
      events, clouds, leaves, stops, n,
      vid_w, vid_h, codec,
      lossy && opt_gray_test ?
      " ! videobalance saturation=0 ! videoconvert" : "",
      lossy && opt_drop > 0.0 ? " ! identity name=drop" : "");
  g_free (codec);
  return s;
}

/* Renders the test and nuisance clips with the core (every
 * opt_frame_step-th frame, as the source does): masks and kinds. */
static gboolean
scene_truth (Truth * t, const SceneSpec * sp, guint seed, GError ** err)
{
  static const ad_scene_clip clips[2] = { AD_CLIP_TEST, AD_CLIP_NUISANCE };
  gint64 n[2];
  guint8 *rgb = g_new (guint8, (gsize) vid_w * vid_h * 3);
  guint8 *mask = g_new (guint8, (gsize) vid_w * vid_h);
  gfloat *tmp = g_new (gfloat, (gsize) model_w * model_h);
  gboolean ok = TRUE;

  for (gint c = 0; c < 2; c++)
    n[c] = clip_frames (sp->kind, clips[c], seed);
  truth_alloc (t, n[0] + n[1], 2, model_w, model_h, n[0]);
  t->clip_start[1] = n[0];
  t->clip_start[2] = n[0] + n[1];
  t->clip_pixels[0] = TRUE;
  for (gint c = 0; c < 2 && ok; c++) {
    ad_scene *sc = NULL;
    ad_error e;
    if (ad_scene_new (sp->kind, clips[c], vid_w, vid_h, 0, seed, &sc,
            &e) != AD_OK ||
        ad_scene_set_pace (sc, scene_pace (sp->kind), &e) != AD_OK) {
      ad_scene_free (sc);
      g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "ad_scene_new: %s", e.msg);
      ok = FALSE;
      break;
    }
    for (gint64 i = 0; i < n[c] && ok; i++) {
      ad_anomaly_kind kind;
      if (ad_scene_render (sc, i * opt_frame_step, rgb, mask, &kind, &e) !=
          AD_OK) {
        g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
            "ad_scene_render frame %" G_GINT64_FORMAT ": %s", i, e.msg);
        ok = FALSE;
      } else {
        truth_set_mask (t, t->clip_start[c] + i, mask, vid_w, vid_h, vid_w,
            kind, tmp);
      }
    }
    ad_scene_free (sc);
  }
  g_free (rgb);
  g_free (mask);
  g_free (tmp);
  return ok;
}

gboolean mog2_ok;
GPtrArray *rows;

static gboolean
run_scene (const SceneSpec * sp, const gchar * config, gint idx,
    gboolean baselines, GError ** err)
{
  static const gchar *clip_names[2] = { "test", "nuisance" };
  guint seed = opt_seed + sp->seed_add;
  Truth t = { 0 };
  Method m[N_METHODS];
  Ctx ctx = { 0 };
  gchar *model = g_strdup_printf ("%s/%s-%d.model", opt_workdir, sp->name,
      idx);
  gchar *cfg = train_props (config);
  gchar *src_train, *desc, *log = NULL;
  gdouble train_s = 0.0, score_s = 0.0, wall;
  gint64 n_train = clip_frames (sp->kind, AD_CLIP_TRAIN, seed);
  gboolean ok;

  g_printerr ("ad-eval: %s (seed %u) config \"%s\": ground truth\n",
      sp->name, seed, config ? config : "");
  ok = scene_truth (&t, sp, seed, err);
  for (gint k = 0; k < N_METHODS; k++)
    method_alloc (&m[k], &t);
  m[M_DET].have_pix = m[M_DIFF].have_pix = m[M_CELL].have_pix = TRUE;
  m[M_MOG2].have_pix = TRUE;
  ctx.t = &t;
  ctx.m = m;
  ctx.calib_diff = g_array_new (FALSE, FALSE, sizeof (gfloat));
  ctx.calib_cell = g_array_new (FALSE, FALSE, sizeof (gfloat));

  src_train = scene_src (sp, "train", seed, n_train, FALSE);
  if (ok) {
    g_printerr ("ad-eval: %s: training (%.0f s budget, %" G_GINT64_FORMAT
        " frames)\n", sp->name, opt_train_s, n_train);
    desc = g_strdup_printf ("%s ! anomalydetect mode=train model=\"%s\" "
        "train-seconds=%g width=%d height=%d%s ! %s", src_train, model,
        opt_train_s, model_w, model_h, cfg, baselines ?
        "appsink name=sink sync=false max-buffers=8" : "fakesink");
    ok = run_pipeline (desc, NULL, on_train_sample, &ctx, &train_s, err);
    g_free (desc);
    diff_clear (&ctx.diff);
    if (ok && !g_file_test (model, G_FILE_TEST_EXISTS)) {
      g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "training pipeline ended without writing %s", model);
      ok = FALSE;
    }
    if (ok)
      note_model (model);
  }
  ctx.baselines = baselines;
  for (gint c = 0; c < 2 && ok; c++) {
    if (c == 0 && opt_plot && baselines)
      log = g_strdup_printf ("%s/%s-test.jsonl", opt_plot, sp->name);
    gchar *logp = c == 0 && log ? g_strdup_printf (" log=\"%s\"", log) :
        g_strdup ("");
    ctx.base = t.clip_start[c];
    ctx.limit = t.clip_start[c + 1] - t.clip_start[c];
    g_printerr ("ad-eval: %s: scoring the %s clip (%" G_GINT64_FORMAT
        " frames)\n", sp->name, clip_names[c], ctx.limit);
    gchar *src = scene_src (sp, clip_names[c], seed, ctx.limit, TRUE);
    eval_drop_salt = seed * 2u + (guint) c;
    desc = g_strdup_printf ("%s ! anomalydetect model=\"%s\" "
        "overlay-mode=map post-messages=false%s ! appsink name=sink "
        "sync=false max-buffers=8", src, model, logp);
    g_free (src);
    ok = run_pipeline (desc, NULL, on_score_sample, &ctx, &wall, err);
    score_s += wall;
    diff_clear (&ctx.diff);
    g_free (desc);
    g_free (logp);
  }
  if (ok && opt_drop > 0.0 && ctx.frames <= t.n)
    g_printerr ("ad-eval: %s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
        " frames lost (--drop %g), %" G_GINT64_FORMAT " more not scored\n",
        sp->name, t.n - ctx.frames, t.n, opt_drop, ctx.unscored);
  else if (ok && ctx.frames != t.n) {
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "scored %" G_GINT64_FORMAT " frames, expected %" G_GINT64_FORMAT,
        ctx.frames, t.n);
    ok = FALSE;
  }
  m[M_DET].have_flags = TRUE;
  if (ok && baselines) {
    m[M_DIFF].thr = calib_threshold (ctx.calib_diff);
    m[M_CELL].thr = calib_threshold (ctx.calib_cell);
    decide (&t, &m[M_DIFF]);
    decide (&t, &m[M_CELL]);
    m[M_MOG2].available = mog2_ok;
    m[M_MOG2].note = opt_no_mog2 ? "skipped (--no-mog2)" :
        "not available: install gstreamer1.0-opencv (element segmentation)";
  }
  if (ok && baselines && mog2_ok) {
    const gchar *seg = "segmentation method=mog2 test-mode=true ! "
        "video/x-raw,format=RGBA ! appsink name=sink sync=false max-buffers=8";
    g_array_set_size (ctx.calib_diff, 0);
    g_printerr ("ad-eval: %s: MOG2 on the train, test and nuisance clips\n",
        sp->name);
    desc = g_strdup_printf ("%s ! %s", src_train, seg);
    ok = run_pipeline (desc, NULL, on_mog2_sample, &ctx, NULL, err);
    g_free (desc);
    m[M_MOG2].thr = calib_threshold (ctx.calib_diff);
    g_array_unref (ctx.calib_diff);
    ctx.calib_diff = NULL;
    for (gint c = 0; c < 2 && ok; c++) {
      ctx.base = t.clip_start[c];
      ctx.limit = t.clip_start[c + 1] - t.clip_start[c];
      gchar *src = scene_src (sp, clip_names[c], seed, ctx.limit, TRUE);
      eval_drop_salt = seed * 2u + (guint) c;
      desc = g_strdup_printf ("%s ! %s", src, seg);
      g_free (src);
      ok = run_pipeline (desc, NULL, on_mog2_sample, &ctx, NULL, err);
      g_free (desc);
    }
    if (ok)
      decide (&t, &m[M_MOG2]);
  }
  if (ok)
    add_rows (sp->name, config, &t, m, baselines, 1, train_s,
        ctx.frames / MAX (score_s, 1e-9));
  if (ok && opt_plot && log)
    write_plot (opt_plot, sp->name, &t, m, log);
  if (ok && opt_pictures && baselines) {
    Pics p = { opt_pictures, sp->name, {0}, 0, 0 };
    for (gint64 f = 1; f < t.clip_start[1] && p.n_pick < 3; f++)
      if (t.kind[f] && t.kind[f] != t.kind[f - 1]) {
        gint64 e = f;
        while (e < t.clip_start[1] && t.kind[e] == t.kind[f])
          e++;
        p.pick[p.n_pick++] = (f + e) / 2;
      }
    gchar *src = scene_src (sp, "test", seed, t.clip_start[1], FALSE);
    desc = g_strdup_printf ("%s ! anomalydetect model=\"%s\" "
        "post-messages=false ! videoconvert ! video/x-raw,format=RGB ! "
        "appsink name=sink sync=false max-buffers=8", src, model);
    g_free (src);
    ok = run_pipeline (desc, NULL, on_picture_sample, &p, NULL, err);
    g_free (desc);
  }
  if (ctx.calib_diff)
    g_array_unref (ctx.calib_diff);
  g_array_unref (ctx.calib_cell);
  diff_clear (&ctx.diff);
  for (gint k = 0; k < N_METHODS; k++)
    method_free (&m[k]);
  truth_free (&t);
  g_free (src_train);
  g_free (cfg);
  g_free (log);
  g_free (model);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Output and main.                                                         */

static void
fmt_num (gchar * b, gsize n, gdouble v, const gchar * fmt)
{
  if (isnan (v))
    g_strlcpy (b, "-", n);
  else
    g_snprintf (b, n, fmt, v);
}

static void
print_rows (FILE * out, gboolean csv)
{
  const gchar *sep = csv ? "," : " | ";
  if (csv) {
    fprintf (out, "scene,method,config,frame_auroc_causal,"
        "frame_auroc_clip_norm,pixel_auroc,pixel_ap,events_detected,events,"
        "false_alarms_per_hour,nuisance_fa_frames,train_s,detect_fps,note");
    for (gint k = 0; opt_parts && k < AD_SCORE_PARTS; k++)
      fprintf (out, ",%s_alone,%s_without", ad_score_part_names[k],
          ad_score_part_names[k]);
    fprintf (out, "\n");
  }
  else
    fprintf (out, "| scene | method | config | frame AUROC causal | frame "
        "AUROC per-clip norm. | pixel AUROC | pixel AP | events detected | "
        "false alarms/h | nuisance FA frames | train s | detect fps |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (guint i = 0; i < rows->len; i++) {
    Row *r = g_ptr_array_index (rows, i);
    gchar a[32], b[32], c[32], d[32], ev[32], fa[32], nf[32], ts[32], fp[32];
    fmt_num (a, sizeof a, r->auc, "%.3f");
    fmt_num (b, sizeof b, r->auc_norm, "%.3f");
    fmt_num (c, sizeof c, r->pauc, "%.3f");
    fmt_num (d, sizeof d, r->pap, "%.3f");
    fmt_num (ts, sizeof ts, r->train_s, "%.1f");
    fmt_num (fp, sizeof fp, r->fps, "%.1f");
    if (r->has_flags) {
      g_snprintf (ev, sizeof ev, csv ? "%d,%d" : "%d/%d", r->ev_det, r->ev_n);
      g_snprintf (fa, sizeof fa, "%.0f", r->fa_h);
      g_snprintf (nf, sizeof nf, r->has_nuis ? "%" G_GINT64_FORMAT : "-",
          r->nuis_fa);
    } else {
      g_strlcpy (ev, csv ? "," : "-", sizeof ev);
      g_strlcpy (fa, "-", sizeof fa);
      g_strlcpy (nf, "-", sizeof nf);
    }
    if (!csv && r->note && isnan (r->auc))
      fprintf (out, "| %s | %s | %s | %s |||||||||\n", r->scene, r->method,
          r->config, r->note);
    else if (csv) {
      fprintf (out, "%s,%s,\"%s\",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s",
          r->scene, r->method, r->config, a, b, c, d, ev, fa, nf, ts, fp,
          isnan (r->auc) && r->note ? r->note : "");
      for (gint k = 0; opt_parts && k < AD_SCORE_PARTS; k++) {
        gchar pa[32] = "", pw[32] = "";
        if (r->has_parts) {
          fmt_num (pa, sizeof pa, r->part_auc[k], "%.3f");
          fmt_num (pw, sizeof pw, r->part_without[k], "%.3f");
        }
        fprintf (out, ",%s,%s", pa, pw);
      }
      fprintf (out, "\n");
    }
    else
      fprintf (out, "| %s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s |\n",
          r->scene, sep, r->method, sep, r->config, sep, a, sep, b, sep, c,
          sep, d, sep, ev, sep, fa, sep, nf, sep, ts, sep, fp);
  }
}

/* --parts: the detector's rows, each part alone / the score without it. */
static void
print_parts (FILE * out)
{
  fprintf (out, "\nEach part of the detector's score alone / the score "
      "without it (causal frame AUROC):\n\n| scene | config |");
  for (gint k = 0; k < AD_SCORE_PARTS; k++)
    fprintf (out, " %s |", ad_score_part_names[k]);
  fprintf (out, "\n|---|---|");
  for (gint k = 0; k < AD_SCORE_PARTS; k++)
    fprintf (out, "---|");
  fprintf (out, "\n");
  for (guint i = 0; i < rows->len; i++) {
    Row *r = g_ptr_array_index (rows, i);
    if (!r->has_parts)
      continue;
    fprintf (out, "| %s | %s |", r->scene, r->config);
    for (gint k = 0; k < AD_SCORE_PARTS; k++) {
      gchar a[32], b[32];
      fmt_num (a, sizeof a, r->part_auc[k], "%.3f");
      fmt_num (b, sizeof b, r->part_without[k], "%.3f");
      fprintf (out, " %s / %s |", a, b);
    }
    fprintf (out, "\n");
  }
}

static void
row_free (gpointer p)
{
  Row *r = p;
  g_free (r->scene);
  g_free (r->method);
  g_free (r->config);
  g_free (r);
}

static gboolean
have_element (const gchar * name)
{
  GstElementFactory *f = gst_element_factory_find (name);
  if (f)
    gst_object_unref (f);
  return f != NULL;
}

static const gchar *default_grid =
    ";task=0;fuse=0;fuse=1;fuse=3;mem_place=0;mem_place=2;mem_place=3;"
    "score_source=0;score_source=1";

int
main (int argc, char **argv)
{
  GOptionContext *octx;
  GError *err = NULL;
  gchar **grid;
  gboolean all_ok = TRUE, tmp_workdir = FALSE;
  gint idx = 0;
  guint n_rows;
  gchar *date;
  GDateTime *now;

  gst_init (&argc, &argv);
  octx = g_option_context_new ("- evaluate the anomaly plugin through its "
      "pipelines, with baselines");
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &err)) {
    g_printerr ("ad-eval: %s\n", err->message);
    return 2;
  }
  g_option_context_free (octx);
  if (opt_size && sscanf (opt_size, "%dx%d", &vid_w, &vid_h) != 2) {
    g_printerr ("ad-eval: --size wants WxH, not \"%s\"\n", opt_size);
    return 2;
  }
  if (opt_config) {
    /* the model size, for the masks and the ground truth */
    ad_config c;
    ad_error cerr = { {0} };
    ad_config_default (&c);
    c.width = model_w;
    c.height = model_h;
    if (ad_config_parse (&c, opt_config, &cerr) != AD_OK) {
      g_printerr ("ad-eval: --config: %s\n", cerr.msg);
      return 2;
    }
    model_w = c.width;
    model_h = c.height;
  }
  if (opt_cell < 2 || opt_cell > 64 || vid_w < 32 || vid_h < 32) {
    g_printerr ("ad-eval: --cell must be 2..64 and --size at least 32x32\n");
    return 2;
  }
  if (opt_frame_step < 1 || opt_frame_step > 25) {
    g_printerr ("ad-eval: --frame-step must be 1..25\n");
    return 2;
  }
  if (opt_pace < 1 || opt_pace > AD_SCENE_PACE_MAX || (opt_pace > 1 &&
          opt_dataset)) {
    g_printerr ("ad-eval: --pace takes 1..%d, for scenes\n",
        AD_SCENE_PACE_MAX);
    return 2;
  }
  if (opt_epochs < 0 || opt_epochs > 10000) {
    g_printerr ("ad-eval: --epochs takes 0..10000 (0: the -t budget)\n");
    return 2;
  }
  if (!(opt_clouds >= 0.0 && opt_clouds <= 0.95) ||
      (opt_clouds > 0.0 && opt_dataset)) {
    g_printerr ("ad-eval: --clouds takes 0..0.95, for scenes\n");
    return 2;
  }
  if (!(opt_leaves >= 0.0 && opt_leaves <= 0.95) ||
      (opt_leaves > 0.0 && opt_dataset)) {
    g_printerr ("ad-eval: --leaves takes 0..0.95, for scenes\n");
    return 2;
  }
  if (!(opt_stops >= 0.0 && opt_stops <= 1.0) ||
      (opt_stops > 0.0 && opt_dataset)) {
    g_printerr ("ad-eval: --stops takes 0..1, for scenes\n");
    return 2;
  }
  if (opt_train_events < 0 || opt_train_events > 1000 ||
      (opt_train_events && opt_dataset)) {
    g_printerr ("ad-eval: --train-events takes 0..1000, for scenes\n");
    return 2;
  }
  if (opt_h264 < 0 || opt_h264 > 100000 || (opt_h264 && opt_dataset)) {
    g_printerr ("ad-eval: --h264 takes 1..100000 kbit/s, for scenes\n");
    return 2;
  }
  if (opt_h264 && (!have_element ("x264enc") || !have_element ("avdec_h264"))) {
    g_printerr ("ad-eval: --h264 needs x264enc (gstreamer1.0-plugins-ugly) "
        "and avdec_h264 (gstreamer1.0-libav)\n");
    return 2;
  }
  if (!(opt_drop >= 0.0 && opt_drop <= 0.5) || (opt_drop > 0.0 &&
          opt_dataset)) {
    g_printerr ("ad-eval: --drop takes 0..0.5, for scenes\n");
    return 2;
  }
  eval_drop = opt_drop;
  if (opt_dataset && opt_frame_step != 1) {
    g_printerr ("ad-eval: --frame-step applies to scenes (a dataset's "
        "frame rate: --fps)\n");
    return 2;
  }
  if (opt_fps != 0 && (!opt_dataset || opt_fps < 1 || opt_fps > 120)) {
    g_printerr ("ad-eval: --fps is 1..120 and applies to --dataset (a "
        "scene at a lower rate: --frame-step)\n");
    return 2;
  }
  if (opt_gray_test && (opt_dataset || opt_gray)) {
    g_printerr ("ad-eval: --gray-test applies to scenes and colour models "
        "(not with --dataset or --gray)\n");
    return 2;
  }
  if (feed_no_rate && !opt_dataset) {
    g_printerr ("ad-eval: --no-caps-rate applies to --dataset\n");
    return 2;
  }
  if (opt_fps)
    feed_fps = opt_fps;
  eval_fps = opt_dataset ? feed_fps : FPS / opt_frame_step;
  if (opt_quick) {
    if (!opt_scenes)
      opt_scenes = g_strsplit ("surveillance", ",", -1);
    if (opt_train_s == 120.0)
      opt_train_s = 5.0;
    if (opt_max_frames == 0)
      opt_max_frames = 300;
  } else if (opt_grid && opt_train_s == 120.0) {
    opt_train_s = 60.0;
  }
  if (!opt_scenes)
    opt_scenes = opt_grid ? g_strsplit ("surveillance,sparse", ",", -1) :
        g_strsplit ("surveillance,sparse,nuisance-check,industrial", ",", -1);
  if (!have_element ("anomalydetect") || !have_element ("anomalyscenesrc")) {
    g_printerr ("ad-eval: elements anomalydetect/anomalyscenesrc not found: set "
        "GST_PLUGIN_PATH to the build's plugin directory\n");
    return 2;
  }
  mog2_ok = !opt_no_mog2 && have_element ("segmentation");
  if (!opt_workdir) {
    opt_workdir = g_dir_make_tmp ("ad-eval-XXXXXX", &err);
    if (!opt_workdir) {
      g_printerr ("ad-eval: %s\n", err->message);
      return 2;
    }
    tmp_workdir = TRUE;
  }
  g_mkdir_with_parents (opt_workdir, 0755);
  if (opt_plot)
    g_mkdir_with_parents (opt_plot, 0755);
  if (opt_pictures)
    g_mkdir_with_parents (opt_pictures, 0755);
  if (opt_grid) {
    grid = g_strsplit (opt_grid_configs ? opt_grid_configs : default_grid,
        ";", -1);
  } else {
    grid = g_new0 (gchar *, 2);
    grid[0] = g_strdup ("");
  }
  if (!grid[0]) {
    g_printerr ("ad-eval: --grid-configs is empty\n");
    return 2;
  }
  rows = g_ptr_array_new_with_free_func (row_free);

  for (gint s = 0; opt_dataset ? s < 1 : opt_scenes[s] != NULL; s++) {
    const SceneSpec *sp = NULL;
    if (!opt_dataset) {
      for (guint k = 0; k < G_N_ELEMENTS (scene_specs); k++)
        if (g_strcmp0 (scene_specs[k].name, opt_scenes[s]) == 0)
          sp = &scene_specs[k];
      if (!sp) {
        g_printerr ("ad-eval: unknown scene \"%s\" (surveillance, sparse, "
            "nuisance-check, industrial, crowded, windy, clock)\n", opt_scenes[s]);
        all_ok = FALSE;
        continue;
      }
    }
    for (gint g = 0; grid[g] != NULL && (g == 0 || opt_grid); g++) {
      gchar *user = opt_config && *opt_config && *grid[g] ?
          g_strdup_printf ("%s,%s", opt_config, grid[g]) :
          g_strdup (*grid[g] ? grid[g] : (opt_config ? opt_config : ""));
      gchar *cfg = sp && sp->config ? (*user ? g_strdup_printf ("%s,%s",
              sp->config, user) : g_strdup (sp->config)) : g_strdup (user);
      g_free (user);
      gboolean ok = opt_dataset ?
          run_dataset (opt_dataset, cfg, idx++, g == 0, &err) :
          run_scene (sp, cfg, idx++, g == 0, &err);
      if (!ok) {
        g_printerr ("ad-eval: %s, config \"%s\": %s\n", opt_dataset ?
            opt_dataset : sp->name, cfg, err ? err->message : "failed");
        g_clear_error (&err);
        all_ok = FALSE;
      }
      g_free (cfg);
    }
  }

  now = g_date_time_new_now_local ();
  date = g_date_time_format (now, "%Y-%m-%d %H:%M");
  if (opt_dataset)
    printf ("\nad-eval, %s: dataset %s at %d fps, model %dx%d %s, %.0f s "
        "training, cell %d px\n\n", date, opt_dataset, feed_fps, model_w,
        model_h, models_desc (), opt_train_s, opt_cell);
  else {
    GString *how = g_string_new (NULL);     /* what the scored clips went
                                             * through */
    if (opt_h264 > 0)
      g_string_append_printf (how, ", through H.264 at %d kbit/s", opt_h264);
    if (opt_drop > 0.0)
      g_string_append_printf (how, ", %g of the scored frames lost",
          opt_drop);
    if (opt_gray_test)
      g_string_append (how, ", test and nuisance clips gray");
    if (opt_pace > 1)
      g_string_append_printf (how, ", at pace %d (people move 1/%d as far "
          "a frame)", opt_pace, opt_pace);
    printf ("\nad-eval, %s: video %dx%d%s, model %dx%d %s, seed %u, %.0f s "
        "training, cell %d px%s\n\n", date, vid_w, vid_h, how->str, model_w,
        model_h, models_desc (), opt_seed, opt_train_s, opt_cell,
        opt_quick ? ", quick mode" : "");
    g_string_free (how, TRUE);
  }
  print_rows (stdout, FALSE);
  if (opt_parts)
    print_parts (stdout);
  if (!mog2_ok && !opt_no_mog2)
    printf ("\nMOG2: element 'segmentation' not found (apt-get install "
        "gstreamer1.0-opencv)\n");
  if (opt_csv) {
    FILE *f = fopen (opt_csv, "w");
    if (f) {
      print_rows (f, TRUE);
      fclose (f);
    } else {
      g_printerr ("ad-eval: cannot write %s\n", opt_csv);
      all_ok = FALSE;
    }
  }
  if (tmp_workdir) {
    GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
    GDir *d = g_dir_open (opt_workdir, 0, NULL);
    const gchar *n;
    while (d && (n = g_dir_read_name (d)))
      g_ptr_array_add (files, g_build_filename (opt_workdir, n, NULL));
    if (d)
      g_dir_close (d);
    for (guint i = 0; i < files->len; i++)
      g_unlink (g_ptr_array_index (files, i));
    g_rmdir (opt_workdir);
    g_ptr_array_unref (files);
  }
  g_date_time_unref (now);
  g_free (date);
  g_strfreev (grid);
  n_rows = rows->len;
  g_ptr_array_unref (rows);
  return all_ok && n_rows > 0 ? 0 : 1;
}

