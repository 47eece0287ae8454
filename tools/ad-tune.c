/* ad-tune.c - pick scoring defaults on the core, without GStreamer.
 *
 * Trains one model on a generated scene's normal clip (or loads it), then
 * for each scoring configuration recalibrates on the scene's held-back
 * normal clip and scores the test and nuisance clips, printing frame AUROC
 * (pooled raw scores, causal) overall and per anomaly kind, pixel AUROC and
 * AP, and false alarms at the calibrated threshold.  The cell-max motion
 * baseline is the row with fuse=1.  Scoring settings are the ones the model
 * file may change after training, so a sweep costs one training.
 *
 *   ad-tune --scene surveillance --seconds 120 --model /tmp/s.model \
 *           --train "mem_place=2" --score ";fuse=1;fuse=0;fuse_weight=0.3"
 *
 * The tool's defaults are the core's with RGB features (color=1), as
 * the plugin's anomalyextract gives; --train color=0 for a gray model.
 * Every row starts from the tool's defaults plus --train, also with a
 * loaded model, not from the model's own scoring settings: score a model
 * trained with --train "flow_window=2" with the same --train, or its rows
 * use the default window (--stride applies its rate's rules either way).
 * --keep-calib 1 scores the first row with the loaded model as it is (its
 * own motion patterns, background and calibration, e.g. a model ad-eval
 * trained through the pipeline with --workdir); the other rows as usual.
 * --holdback N learns the motion patterns from the training clip without
 * its last N frames, calibrates on those N, then learns the patterns again
 * from the whole clip, as the trainer does.
 * --calib-frames N calibrates on the last N frames of the holdout clip only,
 * as a trainer given little footage does.
 * --step G also scores the holdout clip with its second half lit G times
 * (clipped at white), a sudden lighting change on normal footage, and
 * prints the highest score before and after it.
 * --bins N re-bins a loaded model's motion patterns (flow_bins, a
 * training setting: a new model with the loaded one's network), to compare
 * bin sizes on one network; --range R likewise their range (flow_range).
 * --cut N scores the test and nuisance clips as pieces of N frames, each
 * from a fresh stream and scorer, as benchmark test clips that start in
 * the middle of an event are scored.
 * --zoom K,L,T films the scene K times closer (people K times larger, as
 * a camera near the walkway sees them): each frame is rendered at K times
 * --size and the --size window whose corner is pixel (L, T) of that
 * render is kept, its masks likewise.
 * --stride K keeps every K-th frame of every clip, a camera at 25 / K
 * frames a second (UCSD Ped2 was filmed at 10), and applies the core's
 * frame-rate rules for that rate (ad_config_apply_rate, as anomalyrecon
 * does from the caps) to the settings --train does not name.
 * --pace K renders K frames for each of the scene's own
 * (ad_scene_set_pace): people, cars, clouds and trees move 1/K as far a
 * frame, and the camera's rate, for the rate rules, stays 25 / stride.
 * The generated walkers cover their own height in about 0.6 s, real ones
 * in about 1.2 s: --pace 2 gives them a real walker's speed for their
 * size (with --zoom 3, about as tall and as fast in model pixels as
 * Avenue's).  Give --holdback K times the frames too: the calibration
 * wants the same stretch of the scene (at pace 2 a held-back 150 frames
 * hold half the activity, and the crowded walkway read 0.843 instead of
 * 0.900, benchmarks.md).
 * Training applies the trainer's scale rule as anomalyrecon does (the
 * near preset when the things that move stand tall; ad_config_fit_scale,
 * the fields --train names kept) and prints its measure ("moving things
 * N px tall"). The scoring rows take the rate fields those rules set from
 * the model, trained or loaded with --model, so a loaded model scores as
 * it was trained.
 * --dump F writes the first scoring's per-frame parts (raw learned, motion,
 * motion-pattern, stationary-change, wandering and feature-novelty scores,
 * final score, then each part's term in the score, ad_score.part) as CSV,
 * for the calibration's frames (clip "holdout", scored right after the
 * calibration, against the motion patterns it used), the test, nuisance
 * and (with --step, clip "step") lit holdout clips, and
 * prints the spreads and the threshold that turn them into the score
 * (docs/scoring.md, Fusion) on stderr.
 * --maps F writes the first scoring's test clip as raw little-endian
 * arrays, for a look at where the heatmap is wrong: int32 [4] (n, H, W,
 * C), float32 maps [n, H, W] (1.0 = the pixel threshold), uint8 masks
 * [n, H, W], uint8 anomaly kinds [n] (ad_anomaly_kind), float32 frame
 * scores [n], float32 frames [n, C, H, W] (0-1), all at model resolution.
 *
 * The final numbers are measured through the plugin with ad-eval; this tool
 * is the fast inner loop (see docs/benchmarks.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ad-internal.h"
#include "ad-scene.h"

typedef struct clip {
  int64_t n;
  float *feat;        /* [n, cin, H, W] */
  uint8_t *mask;      /* [n, H, W] 0/1, at model resolution */
  uint8_t *kind;      /* [n] ad_anomaly_kind */
} clip;

static int
parse_kv (ad_config *cfg, const char *str)
{
  ad_error err = { { 0 } };
  if (ad_config_parse (cfg, str, &err) == AD_OK)
    return 1;
  fprintf (stderr, "ad-tune: %s\n", err.msg);
  return 0;
}

/* --stride K: every clip keeps every K-th frame of the scene, a camera at
 * 25 / K frames a second (1: all). */
static int frame_stride = 1;

/* --pace K: K frames for each of the scene's own (ad_scene_set_pace):
 * everything moves 1/K as far a frame, at the same camera rate. */
static int frame_pace = 1;

/* --gray-test 1: the test and nuisance clips come as a gray camera (night
 * infrared) gives them, whatever the model was trained on: each pixel's
 * luma (BT.601) in all three channels. */
static int gray_test = 0;

/* --train-events N: the training clip holds N anomaly events, as "normal"
 * footage from a real camera may (0: none). */
static int train_events = 0;

/* --clouds D: cloud shadows taking D of the light drift across the test
 * and nuisance clips (ad_scene_add_clouds; 0: none). */
static float clouds = 0.0f;

/* --leaves D: the trees' dappled shade, moving in the wind, takes D of
 * the light in every clip (ad_scene_add_leaves; 0: still, soft shadows). */
static float leaves = 0.0f;

/* --stops P: a share P of the normal walkers stops and stands 2-8 s on
 * its path, in every clip (ad_scene_add_stops; 0: nobody stops). */
static float stops = 0.0f;

/* --zoom K,L,T: the scene filmed K times closer: rendered at K vw x K vh,
 * the vw x vh window from pixel (L, T) of it kept (1: the whole scene). */
static int zoom_k = 1, zoom_l = 0, zoom_t = 0;

/* Renders a clip at vw x vh and turns it into model features; masks are
 * reduced to model resolution (a model pixel is anomalous when at least
 * half of its area is).  From the middle frame on, the picture is
 * multiplied by step and clipped as a camera would (1: unchanged); with
 * gray, each pixel is its luma in all three channels. */
static int
render_clip (const ad_config *cfg, ad_scene_kind sk, ad_scene_clip ck,
    uint32_t seed, int vw, int vh, float step, int gray, clip *out)
{
  ad_error err = { { 0 } };
  ad_scene *s = NULL;
  ad_extractor *x = NULL;
  int W = cfg->width, H = cfg->height, cin = ad_config_in_channels (cfg);
  int rw = vw * zoom_k, rh = vh * zoom_k;     /* the render, [rh, rw] */
  if (ad_scene_new (sk, ck, rw, rh, 0, seed, &s, &err) != AD_OK ||
      (ck == AD_CLIP_TRAIN && ad_scene_add_events (s, train_events, &err)
          != AD_OK) ||
      ((ck == AD_CLIP_TEST || ck == AD_CLIP_NUISANCE) &&
          ad_scene_add_clouds (s, clouds, &err) != AD_OK) ||
      ad_scene_add_leaves (s, leaves, &err) != AD_OK ||
      ad_scene_add_stops (s, stops, &err) != AD_OK ||
      ad_scene_set_pace (s, frame_pace, &err) != AD_OK ||
      ad_extractor_new (cfg, &x, &err) != AD_OK) {
    fprintf (stderr, "ad-tune: %s\n", err.msg);
    ad_scene_free (s);
    return 0;
  }
  int64_t n = ad_scene_n_frames (s) / frame_stride;
  out->n = n;
  out->feat = malloc (sizeof (float) * (size_t) n * cin * W * H);
  out->mask = calloc ((size_t) n * W * H, 1);
  out->kind = calloc ((size_t) n, 1);
  uint8_t *rgb = malloc ((size_t) rw * rh * 3);     /* [rh, rw, 3] */
  uint8_t *m = malloc ((size_t) rw * rh);           /* [rh, rw] */
  size_t off = (size_t) zoom_t * rw + zoom_l;       /* the window's corner */
  int ok = out->feat && out->mask && out->kind && rgb && m;
  for (int64_t i = 0; ok && i < n; i++) {
    ad_anomaly_kind k;
    ad_image img = { rgb + off * 3, vw, vh, rw * 3, 3, 3, { 0, 1, 2 } };
    ok = ad_scene_render (s, i * frame_stride, rgb, m, &k, &err) == AD_OK;
    /* the light's step and the gray, on the window's pixels (the rest of
     * a zoomed render is cut) */
    int lit = step != 1.0f && i >= n / 2;
    for (int y = 0; ok && (lit || gray) && y < vh; y++) {
      uint8_t *q = rgb + (off + (size_t) y * rw) * 3;   /* [vw, 3] */
      for (int xx = 0; xx < vw; xx++, q += 3) {
        for (int c = 0; lit && c < 3; c++)
          q[c] = (uint8_t) fminf (q[c] * step + 0.5f, 255.0f);
        if (gray)
          q[0] = q[1] = q[2] = (uint8_t) (0.299f * q[0] + 0.587f * q[1] +
              0.114f * q[2] + 0.5f);
      }
    }
    ok = ok &&
        ad_extractor_process (x, &img,
        out->feat + (size_t) i * cin * W * H, &err) == AD_OK;
    /* zoomed: an anomaly outside the window is none of this clip's */
    if (ok && zoom_k > 1 && k != AD_ANOM_NONE) {
      int seen = 0;
      for (int y = 0; !seen && y < vh; y++)
        for (int xx = 0; !seen && xx < vw; xx++)
          seen = m[off + (size_t) y * rw + xx] != 0;
      k = seen ? k : AD_ANOM_NONE;
    }
    out->kind[i] = (uint8_t) k;
    for (int y = 0; ok && y < H; y++)
      for (int xx = 0; xx < W; xx++) {
        int y0 = y * vh / H, y1 = (y + 1) * vh / H;
        int x0 = xx * vw / W, x1 = (xx + 1) * vw / W, on = 0, all = 0;
        for (int yy = y0; yy < y1; yy++)
          for (int x2 = x0; x2 < x1; x2++, all++)
            on += m[off + (size_t) yy * rw + x2] != 0;
        out->mask[((size_t) i * H + y) * W + xx] = 2 * on >= all && on;
      }
  }
  if (!ok)
    fprintf (stderr, "ad-tune: rendering failed: %s\n", err.msg);
  free (rgb);
  free (m);
  ad_extractor_free (x);
  ad_scene_free (s);
  return ok;
}

static void
clip_free (clip *c)
{
  free (c->feat);
  free (c->mask);
  free (c->kind);
}

static int
progress (void *user, const ad_progress *p)
{
  (void) user;
  fprintf (stderr, "\rad-tune: step %lld loss %.5f %.1f fps ETA %.0f s   ",
      (long long) p->step, p->loss, p->frames_per_s, p->eta_s);
  return 0;
}

static ad_model *
train_model (const ad_config *cfg, unsigned named, const clip *tr,
    double seconds)
{
  ad_error err = { { 0 } };
  ad_model *m = NULL;
  ad_trainer *t = NULL;
  ad_train_opts o;
  ad_train_opts_default (&o);
  o.seconds = seconds;
  o.epochs = 0;
  o.progress = progress;
  o.progress_interval_s = 2.0;
  o.named = named;
  size_t fs = (size_t) ad_config_in_channels (cfg) * cfg->width * cfg->height;
  if (ad_model_new (cfg, &m, &err) != AD_OK ||
      ad_trainer_new (m, &o, &t, &err) != AD_OK)
    goto fail;
  for (int64_t i = 0; i < tr->n; i++)
    if (ad_trainer_add_frame (t, tr->feat + (size_t) i * fs, i == 0, &err)
        != AD_OK)
      goto fail;
  if (ad_trainer_run (t, &err) != AD_OK)
    goto fail;
  fprintf (stderr, "\n");
  int64_t blobs = 0;
  int scale = AD_SCALE_NONE, slow = 0;
  double height = ad_trainer_object_height (t, &blobs, &scale);
  double speed = ad_trainer_object_speed (t, &slow);
  fprintf (stderr, "ad-tune: moving things %.0f px tall (%lld blobs), "
      "%.2f px/frame%s%s\n", height, (long long) blobs, speed, scale ==
      AD_SCALE_NEAR ? ": the scale rule took preset=near, " : scale ?
      ": the scale rule took the near preset's heatmap, " : slow ?
      ": the speed rule took " : ad_config_scale_far (cfg, height, blobs,
          NULL) ? ": too small for the detector (anomalyrecon warns)" : "",
      ad_trainer_scale_settings (t));
  ad_trainer_free (t);
  return m;
fail:
  fprintf (stderr, "ad-tune: training: %s\n", err.msg);
  ad_trainer_free (t);
  ad_model_free (m);
  return NULL;
}

/* Per-frame parts of the first configuration go here (--dump), or NULL. */
static FILE *dump_file;
/* --maps: the first configuration's test maps go to this path, or NULL. */
static const char *maps_file;
/* --cut N: test and nuisance clips scored as pieces of N frames, each from
 * a fresh stream (0: whole). */
static long cut_frames;
/* --pixel-detail R: the map's false positives within R px of the mask and
 * beyond, per row (0: off). */
static int pixel_near;

/* With --dump: the spreads that turn the dump's raw parts into the fused
 * score (docs/scoring.md, Fusion; the wandering's 1 unless wander_norm),
 * and the threshold, on stderr. */
static void
dump_scales (const ad_model *m)
{
  float s[AD_SCORE_PARTS];
  ad_part_scales (m, ad_model_config (m), s);
  fprintf (stderr, "ad-tune: dump scales: learned %g motion %g flow %g "
      "static %g wander %g threshold %g\n", s[0], s[1], s[2], s[3], s[4],
      ad_model_calib (m)->threshold);
}

/* Scores a clip causally: frame scores [n] and maps [n, H, W]; with
 * dump_file, one CSV line per frame (tag names the clip). */
static int
score_clip (const ad_model *m, const clip *c, float *score, float *maps,
    const char *tag)
{
  ad_error err = { { 0 } };
  const ad_config *cfg = ad_model_config (m);
  size_t hw = (size_t) cfg->width * cfg->height;
  size_t fs = (size_t) ad_config_in_channels (cfg) * hw;
  ad_stream *st = NULL;
  ad_scorer *sc = NULL;
  float *recon = malloc (sizeof (float) * ad_model_recon_channels (m) * hw);
  int ok = recon && ad_stream_new (m, &st, &err) == AD_OK &&
      ad_scorer_new (m, &sc, &err) == AD_OK;
  for (int64_t i = 0; ok && i < c->n; i++) {
    int valid = 0;
    ad_score s;
    if (cut_frames > 0 && i > 0 && i % cut_frames == 0) {
      ad_stream_reset (st);
      ad_scorer_reset (sc);
    }
    ok = ad_stream_process (st, c->feat + (size_t) i * fs, recon, &valid,
        &err) == AD_OK && ad_scorer_process (sc, c->feat + (size_t) i * fs,
        valid ? recon : NULL, maps ? maps + (size_t) i * hw : NULL, &s,
        &err) == AD_OK;
    score[i] = s.score;
    if (ok && dump_file)
      fprintf (dump_file, "%s,%lld,%s,%g,%g,%g,%g,%g,%g,%g,%g,%g,%g,%g,%g,"
          "%g\n", tag,
          (long long) i, ad_anomaly_name ((ad_anomaly_kind) c->kind[i]),
          s.learned_raw, s.motion_raw, s.flow_raw, s.static_raw,
          s.wander_raw, s.feat_raw, s.score, s.part[0], s.part[1],
          s.part[2], s.part[3], s.part[4], s.part[5]);
  }
  if (!ok)
    fprintf (stderr, "ad-tune: scoring: %s\n", err.msg);
  ad_scorer_free (sc);
  ad_stream_free (st);
  free (recon);
  return ok;
}

/* With --dump: the calibration's frames [n, cin, H, W], scored with the
 * motion patterns they were calibrated against, as clip "holdout". */
static int
dump_holdout (const ad_model *m, const float *feat, int64_t n)
{
  clip c = { n, (float *) feat, NULL, calloc ((size_t) n, 1) };
  float *s = malloc (sizeof (float) * (size_t) n);
  int ok = c.kind && s && score_clip (m, &c, s, NULL, "holdout");
  free (c.kind);
  free (s);
  return ok;
}

/* AUROC of frames of one kind (or all anomalous when kind < 0) against
 * the normal frames. */
static double
kind_auroc (const float *score, const uint8_t *kind, int64_t n, int k,
    float *s2, uint8_t *l2)
{
  int64_t j = 0;
  for (int64_t i = 0; i < n; i++)
    if (kind[i] == 0 || (k < 0 ? 1 : kind[i] == k)) {
      s2[j] = score[i];
      l2[j++] = kind[i] != 0;
    }
  return ad_metric_auroc (s2, l2, j);
}

/* --pixel-detail R: where the map's false positives are, on stderr.  Pixel
 * AP over the anomalous frames only (all kinds, then each), then with the
 * negatives split: those within R px of the mask (the map spilling over
 * the object's edge, a shadow) and those further away (other movers).
 * maps [n, H, W]; ps [n * H * W / 4] and pl the same, scratch. */
static void
pixel_detail (const clip *te, const float *maps, int W, int H,
    const int *present, float *ps, uint8_t *pl)
{
  size_t hw = (size_t) W * H;
  for (int k = -1; k < AD_ANOM_COUNT; k++) {
    if (k == 0 || (k > 0 && !present[k]))
      continue;
    int64_t q = 0;
    for (int64_t f = 0; f < te->n; f++)
      if (te->kind[f] != 0 && (k < 0 || te->kind[f] == k))
        for (size_t p = 0; p < hw; p += 4, q++) {
          ps[q] = maps[f * hw + p];
          pl[q] = te->mask[f * hw + p];
        }
    fprintf (stderr, "pixel AP on anomalous frames, %s: %.3f\n",
        k < 0 ? "all" : ad_anomaly_name ((ad_anomaly_kind) k),
        ad_metric_ap (ps, pl, q));
  }
  /* near [hw]; sn, sf [n * hw] and ln, lf: mask and near / far pixels */
  int R = pixel_near;
  uint8_t *near = malloc (hw), *ln = malloc (te->n * hw),
      *lf = malloc (te->n * hw);
  float *sn = malloc (sizeof (float) * te->n * hw),
      *sf = malloc (sizeof (float) * te->n * hw);
  int64_t qn = 0, qf = 0;
  if (!near || !ln || !lf || !sn || !sf) {
    fprintf (stderr, "ad-tune: --pixel-detail: out of memory\n");
    goto done;
  }
  for (int64_t f = 0; f < te->n; f++) {
    if (te->kind[f] == 0)
      continue;
    const uint8_t *mk = te->mask + f * hw;
    const float *mp = maps + f * hw;
    memset (near, 0, hw);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        if (!mk[y * W + x])
          continue;
        for (int yy = y - R; yy <= y + R; yy++)
          for (int xx = x - R; xx <= x + R; xx++)
            if (yy >= 0 && yy < H && xx >= 0 && xx < W)
              near[yy * W + xx] = 1;
      }
    for (size_t p = 0; p < hw; p++) {
      if (mk[p] || near[p]) {
        sn[qn] = mp[p];
        ln[qn++] = mk[p] != 0;
      }
      if (mk[p] || !near[p]) {
        sf[qf] = mp[p];
        lf[qf++] = mk[p] != 0;
      }
    }
  }
  fprintf (stderr, "pixel AP on anomalous frames, negatives within %d px "
      "of the mask only: %.3f, further only: %.3f\n", R,
      ad_metric_ap (sn, ln, qn), ad_metric_ap (sf, lf, qf));
done:
  free (near);
  free (ln);
  free (lf);
  free (sn);
  free (sf);
}

/* --maps: te's maps [n, H, W] and scores s [n] with its masks, kinds and
 * frames to path (layout in the header comment). */
static void
write_maps (const char *path, const ad_config *cfg, const clip *te,
    const float *maps, const float *s)
{
  size_t n = (size_t) te->n, hw = (size_t) cfg->width * cfg->height;
  int32_t hd[4] = { (int32_t) n, cfg->height, cfg->width,
    ad_config_in_channels (cfg) };
  FILE *fo = fopen (path, "wb");
  if (!fo || fwrite (hd, sizeof hd, 1, fo) != 1 ||
      fwrite (maps, sizeof (float) * hw, n, fo) != n ||
      fwrite (te->mask, hw, n, fo) != n || fwrite (te->kind, 1, n, fo) != n ||
      fwrite (s, sizeof (float), n, fo) != n ||
      fwrite (te->feat, sizeof (float) * hw * hd[3], n, fo) != n)
    perror (path);
  if (fo && fclose (fo) != 0)
    perror (path);
}

static void
report (const char *name, const ad_model *m, const clip *te,
    const clip *nu, int header)
{
  const ad_config *cfg = ad_model_config (m);
  size_t hw = (size_t) cfg->width * cfg->height;
  float *s = malloc (sizeof (float) * te->n), *sn = malloc (sizeof (float) *
      nu->n), *maps = malloc (sizeof (float) * te->n * hw);
  float *s2 = malloc (sizeof (float) * te->n);
  uint8_t *l2 = malloc (te->n);
  if (!s || !sn || !maps || !s2 || !l2 || !score_clip (m, te, s, maps, "test") ||
      !score_clip (m, nu, sn, NULL, "nuisance"))
    goto done;
  int present[AD_ANOM_COUNT] = { 0 };
  for (int64_t i = 0; i < te->n; i++)
    present[te->kind[i]] = 1;
  if (maps_file) {               /* the first row only */
    write_maps (maps_file, cfg, te, maps, s);
    maps_file = NULL;
  }
  if (header) {
    printf ("| scoring | frame AUROC |");
    for (int k = 1; k < AD_ANOM_COUNT; k++)
      if (present[k])
        printf (" %s |", ad_anomaly_name ((ad_anomaly_kind) k));
    printf (" pixel AUROC | pixel AP | test FA frames | nuisance FA "
        "frames | detected frames |\n|---|---|");
    for (int k = 1; k < AD_ANOM_COUNT; k++)
      if (present[k])
        printf ("---|");
    printf ("---|---|---|---|---|\n");
  }
  printf ("| %s | %.3f |", *name ? name : "(defaults)",
      kind_auroc (s, te->kind, te->n, -1, s2, l2));
  for (int k = 1; k < AD_ANOM_COUNT; k++)
    if (present[k])
      printf (" %.3f |", kind_auroc (s, te->kind, te->n, k, s2, l2));
  /* pixels: every 4th pixel of every frame keeps the sort small */
  int64_t np = (int64_t) te->n * (int64_t) hw / 4, j = 0;
  float *ps = malloc (sizeof (float) * np);
  uint8_t *pl = malloc (np);
  if (ps && pl) {
    for (int64_t p = 0; p < (int64_t) (te->n * hw) && j < np; p += 4, j++) {
      ps[j] = maps[p];
      pl[j] = te->mask[p];
    }
    printf (" %.3f | %.3f |", ad_metric_auroc (ps, pl, j),
        ad_metric_ap (ps, pl, j));
    if (pixel_near > 0)
      pixel_detail (te, maps, cfg->width, cfg->height, present, ps, pl);
  }
  free (ps);
  free (pl);
  int fa = 0, fan = 0, det = 0, nan_ = 0;
  for (int64_t i = 0; i < te->n; i++) {
    fa += te->kind[i] == 0 && s[i] > 1.0f;
    det += te->kind[i] != 0 && s[i] > 1.0f;
    nan_ += te->kind[i] != 0;
  }
  for (int64_t i = 0; i < nu->n; i++)
    fan += sn[i] > 1.0f;
  printf (" %d | %d | %d/%d |\n", fa, fan, det, nan_);
  fflush (stdout);
done:
  free (s);
  free (sn);
  free (maps);
  free (s2);
  free (l2);
}

/* A sudden lighting change on normal footage (--step): the highest score
 * on the lit clip before and after its middle frame. */
static void
report_step (const char *name, const ad_model *m, const clip *c, float step)
{
  float *s = malloc (sizeof (float) * c->n), before = 0.0f, after = 0.0f;
  if (s && score_clip (m, c, s, NULL, "step"))
    for (int64_t i = 0; i < c->n; i++) {
      float *mx = i < c->n / 2 ? &before : &after;
      *mx = s[i] > *mx ? s[i] : *mx;
    }
  printf ("| %s | lighting x%.2f from frame %lld of the holdout clip | "
      "highest score before %.2f, after %.2f |\n", *name ? name :
      "(defaults)", step, (long long) (c->n / 2), before, after);
  free (s);
}

/* m with the training setting kv ("flow_bins=N", "flow_range=R"): every
 * tensor of the same name and size (the network, and the buffers the
 * setting does not change) kept; the motion patterns are learned again
 * for every scoring row. */
static ad_model *
relayout_setting (ad_model *m, const char *kv)
{
  ad_config c = *ad_model_config (m);
  ad_error err = { { 0 } };
  int ok = parse_kv (&c, kv);     /* prints why it failed */
  if (ok && ad_model_relayout (m, &c, &err) != AD_OK) {
    fprintf (stderr, "ad-tune: %s\n", err.msg);
    ok = 0;
  }
  if (!ok) {
    ad_model_free (m);
    return NULL;
  }
  return m;
}

static int
usage (void)
{
  fprintf (stderr, "usage: ad-tune [--scene surveillance|sparse|"
      "crowded|windy|clock|industrial] [--seed K] [--seconds T] [--train K=V,...] "
      "[--score 'K=V,...;K=V,...'] [--size WxH]\n"
      "       (defaults: the core's with color=1, RGB features as the "
      "plugin's; --train color=0 for gray)\n"
      "       [--model PATH (loaded if it exists, else trained for "
      "--seconds and saved there)]\n"
      "       [--dump CSV (per-frame parts of the first scoring, the "
      "calibration's frames too; their spreads on stderr)]\n"
      "       [--maps F (the first scoring's test maps, masks, kinds, "
      "scores and frames as raw arrays; layout in tools/ad-tune.c)]\n"
      "       [--cut N (score the test clips as N-frame pieces, each "
      "from a fresh stream, as benchmark clips that start mid-event)]\n"
      "       [--gray-test 1 (the test and nuisance clips in gray, as a "
      "camera at night gives them)]\n"
      "       [--pace K (K frames for each of the scene's own, 1..8: people move 1/K as far a frame)]\n"
      "       [--stride K (every K-th frame of each clip: a camera at "
      "25/K fps)]\n"
      "       [--zoom K,L,T (the scene K times closer: rendered at K x "
      "--size, the --size window from pixel L,T of it)]\n"
      "       [--calib-frames N (calibrate on the holdout clip's last N)]\n"
      "       [--keep-calib 1 (first row: the loaded model's own motion "
      "patterns and calibration)]\n"
      "       [--holdback N (as the trainer: patterns from the training "
      "clip but its last N frames, calibration on those, patterns "
      "again from all)]\n"
      "       [--step G (also score the holdout clip lit G times from "
      "its middle on)]\n"
      "       [--bins N (re-bin the loaded model's motion patterns)]\n"
      "       [--range R (the loaded model's motion patterns over +-R px/frame)]\n"
      "       [--ignore 'x,y,w,h;...' (regions left out of the scores, "
      "fractions of the picture)]\n"
      "       [--train-events N (the training clip holds N anomaly "
      "events, as a real camera's \"normal\" footage may)]\n"
      "       [--clouds D (cloud shadows taking D of the light drift "
      "across the test and nuisance clips)]\n"
      "       [--leaves D (the trees' shade, dappled with sun and moving "
      "in the wind, takes D of the light in every clip)]\n"
      "       [--stops P (a share P of the walkers stops and stands 2-8 s "
      "on its path, in every clip, as people do)]\n"
      "       [--pixel-detail R (on stderr: pixel AP on the anomalous "
      "frames, per kind, and with the negatives within R px of the mask "
      "or beyond only)]\n");
  return 2;
}

int
main (int argc, char **argv)
{
  const char *scene = "surveillance", *train_cfg = "", *scoring = "",
      *model_path = NULL, *ignore = NULL;
  double seconds = 120.0;
  uint32_t seed = 1;
  long calib_frames = 0;
  int keep_calib = 0;
  long holdback = 0;
  float step = 0.0f;
  int vw = 320, vh = 240, bins = 0;
  double range = 0.0;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return usage ();     /* a flag without its value: --help */
    const char *a = argv[i], *v = argv[i + 1];
    if (!strcmp (a, "--scene")) scene = v;
    else if (!strcmp (a, "--seed")) seed = (uint32_t) atol (v);
    else if (!strcmp (a, "--seconds")) seconds = atof (v);
    else if (!strcmp (a, "--train")) train_cfg = v;
    else if (!strcmp (a, "--score")) scoring = v;
    else if (!strcmp (a, "--model")) model_path = v;
    else if (!strcmp (a, "--calib-frames")) calib_frames = atol (v);
    else if (!strcmp (a, "--step")) step = (float) atof (v);
    else if (!strcmp (a, "--keep-calib")) keep_calib = atoi (v);
    else if (!strcmp (a, "--cut")) cut_frames = atol (v);
    else if (!strcmp (a, "--train-events")) {
      train_events = atoi (v);
      if (train_events < 0) return usage ();
    }
    else if (!strcmp (a, "--clouds")) {
      clouds = (float) atof (v);
      if (!(clouds >= 0.0f && clouds < 1.0f)) return usage ();
    }
    else if (!strcmp (a, "--leaves")) {
      leaves = (float) atof (v);
      if (!(leaves >= 0.0f && leaves < 1.0f)) return usage ();
    }
    else if (!strcmp (a, "--stops")) {
      stops = (float) atof (v);
      if (!(stops >= 0.0f && stops <= 1.0f)) return usage ();
    }
    else if (!strcmp (a, "--gray-test"))
      gray_test = atoi (v) != 0;
    else if (!strcmp (a, "--stride")) {
      frame_stride = atoi (v);
      if (frame_stride < 1) return 2;
    }
    else if (!strcmp (a, "--pace")) {
      frame_pace = atoi (v);
      if (frame_pace < 1 || frame_pace > AD_SCENE_PACE_MAX) return usage ();
    }
    else if (!strcmp (a, "--holdback")) holdback = atol (v);
    else if (!strcmp (a, "--ignore")) ignore = v;
    else if (!strcmp (a, "--bins")) bins = atoi (v);
    else if (!strcmp (a, "--range")) range = atof (v);
    else if (!strcmp (a, "--pixel-detail")) pixel_near = atoi (v);
    else if (!strcmp (a, "--maps")) maps_file = v;
    else if (!strcmp (a, "--dump")) {
      if (!(dump_file = fopen (v, "w"))) {
        perror (v);
        return 1;
      }
      fprintf (dump_file, "clip,frame,kind,learned,motion,flow,static,wander,feature,score,"
          "p_learned,p_motion,p_pattern,p_still,p_wander,p_feature\n");
    } else if (!strcmp (a, "--size")) {
      if (sscanf (v, "%dx%d", &vw, &vh) != 2) return 2;
    } else if (!strcmp (a, "--zoom")) {
      if (sscanf (v, "%d,%d,%d", &zoom_k, &zoom_l, &zoom_t) != 3) return 2;
    } else {
      return usage ();
    }
  }
  if (zoom_k < 1 || zoom_l < 0 || zoom_t < 0 || zoom_l + vw > zoom_k * vw ||
      zoom_t + vh > zoom_k * vh) {
    fprintf (stderr, "ad-tune: --zoom %d,%d,%d: the %dx%d window must lie "
        "inside the %dx%d render\n", zoom_k, zoom_l, zoom_t, vw, vh,
        zoom_k * vw, zoom_k * vh);
    return 2;
  }
  ad_scene_kind sk;
  if (!ad_scene_kind_from_name (scene, &sk)) {
    fprintf (stderr, "ad-tune: unknown scene '%s' (surveillance, industrial, "
        "sparse, crowded, windy, clock)\n", scene);
    return 2;
  }
  ad_config cfg;
  ad_config_default (&cfg);
  cfg.color = 1;          /* RGB features, as anomalyextract's default */
  if (sk == AD_SCENE_INDUSTRIAL && !parse_kv (&cfg, "preset=stills"))
    return 2;
  if (!parse_kv (&cfg, train_cfg))
    return 2;
  /* the frame-rate rules anomalyrecon applies from the caps, for the
   * settings --train does not name: 25 / K frames a second with
   * --stride K (stills have no rate) */
  unsigned named = 0;
  ad_error perr = { { 0 } };
  if (ad_config_rate_named (train_cfg, &named, &perr) != AD_OK)
    return 2;
  if (sk != AD_SCENE_INDUSTRIAL) {
    char applied[256];
    double fps = 25.0 / frame_stride;
    ad_config_apply_rate (&cfg, fps, named, applied, sizeof applied);
    if (fps != 25.0)
      fprintf (stderr, "ad-tune: %.2f frames a second: %s\n", fps, applied);
  }
  ad_error err = { { 0 } };
  ad_model *m = NULL;
  if (model_path && ad_model_load (model_path, &m, &err) == AD_OK) {
    fprintf (stderr, "ad-tune: loaded %s\n", model_path);
    char kv[48];
    snprintf (kv, sizeof kv, "flow_bins=%d", bins);
    if (bins > 0 && bins != ad_model_config (m)->flow_bins &&
        !(m = relayout_setting (m, kv)))
      return 1;
    snprintf (kv, sizeof kv, "flow_range=%g", range);
    if (range > 0.0 && (float) range != ad_model_config (m)->flow_range &&
        !(m = relayout_setting (m, kv)))
      return 1;
  } else
    m = NULL;
  clip tr = { 0 }, ho = { 0 }, te = { 0 }, nu = { 0 }, lit = { 0 };
  const ad_config *mc = m ? ad_model_config (m) : &cfg;
  if (!render_clip (mc, sk, AD_CLIP_HOLDOUT, seed, vw, vh, 1.0f, 0, &ho) ||
      !render_clip (mc, sk, AD_CLIP_TEST, seed, vw, vh, 1.0f, gray_test,
          &te) ||
      !render_clip (mc, sk, AD_CLIP_NUISANCE, seed, vw, vh, 1.0f, gray_test,
          &nu))
    return 1;
  if (!render_clip (mc, sk, AD_CLIP_TRAIN, seed, vw, vh, 1.0f, 0, &tr))
    return 1;
  if (step > 0.0f &&
      !render_clip (mc, sk, AD_CLIP_HOLDOUT, seed, vw, vh, step, 0, &lit))
    return 1;
  if (!m) {
    m = train_model (&cfg, named, &tr, seconds);
    if (!m)
      return 1;
    if (model_path && ad_model_save (m, model_path, &err) != AD_OK)
      fprintf (stderr, "ad-tune: %s\n", err.msg);
  }
  /* the scoring rows start from the tool's scoring settings; the rate
   * fields the frame-rate and scale rules set (among them motion_cell and
   * flow_scale, which size the motion patterns' buffers, and the near
   * preset's) come from the model, trained here or loaded, as the
   * trainer left them */
  for (int i = 0; i < AD_RATE_N_FIELDS; i++) {
    const ad_field *f = ad_config_field (ad_config_rate_fields[i]);
    ad_config_set (&cfg, f, ad_config_get (ad_model_config (m), f));
  }
  if (ignore) {
    float rects[4 * 16];
    int nr = 0;
    if (ad_regions_parse (ignore, rects, 16, &nr, &err) != AD_OK ||
        ad_model_set_ignore (m, rects, nr, &err) != AD_OK) {
      fprintf (stderr, "ad-tune: --ignore: %s\n", err.msg);
      return 2;
    }
  }
  /* calibrate on the last n_cal frames of the holdout clip (--calib-frames:
   * what a short stretch of footage gives the trainer) */
  int64_t n_cal = calib_frames > 0 && calib_frames < ho.n ? calib_frames :
      ho.n;
  size_t fs_ho = (size_t) ad_config_in_channels (ad_model_config (m)) *
      ad_model_config (m)->width * ad_model_config (m)->height;
  /* --holdback: the motion patterns from the training clip without its
   * last N frames, the calibration on those N, as the trainer splits */
  int64_t n_pat = tr.n;
  const float *cal = ho.feat + (size_t) (ho.n - n_cal) * fs_ho;
  if (holdback > 0 && holdback < tr.n) {
    n_pat = tr.n - holdback;
    n_cal = holdback;
    cal = tr.feat + (size_t) n_pat * fs_ho;
  }
  char *list = strdup (scoring);
  int first = 1;
  /* strtok skips empty fields, so walk ';' by hand: "" is the defaults */
  for (char *p = list; p; ) {
    char *semi = strchr (p, ';');
    if (semi)
      *semi = 0;
    ad_config sc = *ad_model_config (m);
    /* start from the tool's scoring defaults, then the row's overrides */
    for (int i = 0; i < ad_config_n_fields; i++)
      if (ad_config_fields[i].scoring_only)
        ad_config_set (&sc, &ad_config_fields[i],
            ad_config_get (&cfg, &ad_config_fields[i]));
    /* --keep-calib: the first row scores with the model as trained (its
     * scoring settings, motion patterns and calibration from the
     * pipeline), to see what a deployed model does */
    int keep = keep_calib && first && model_path;
    int ok = keep || parse_kv (&sc, p);
    /* the trainer's footage rule, on the frames the patterns come from */
    int dropped = ok && !keep ? ad_config_fit_footage (&sc, tr.n) : 0;
    if (dropped)
      fprintf (stderr, "ad-tune: '%s': flow_recur=%d off (%ld frames of "
          "footage, fewer than %d x it)\n", p, dropped, (long) tr.n,
          AD_RECUR_FOOTAGE);
    if (keep ? 1 : ok &&
        ad_model_set_scoring (m, &sc, &err) == AD_OK &&
        ad_model_learn_motion (m, tr.feat, n_pat, NULL, &err) == AD_OK &&
        (sc.feat_weight <= 0.0f || ad_model_learn_features (m, tr.feat,
                n_pat, NULL, &err) == AD_OK) &&
        ad_model_calibrate (m, cal, n_cal, NULL, &err) == AD_OK &&
        (!dump_file || dump_holdout (m, cal, n_cal)) &&
        (holdback <= 0 || ad_model_learn_motion (m, tr.feat, tr.n, NULL,
                &err) == AD_OK)) {
      if (dump_file)
        dump_scales (m);
      report (p, m, &te, &nu, first);
      if (step > 0.0f)
        report_step (p, m, &lit, step);
      if (dump_file) {          /* the first row only, --step's clip too */
        fclose (dump_file);
        dump_file = NULL;
      }
    } else
      fprintf (stderr, "ad-tune: '%s': %s\n", p, err.msg);
    first = 0;
    p = semi ? semi + 1 : NULL;
  }
  free (list);
  clip_free (&tr);
  clip_free (&ho);
  clip_free (&te);
  clip_free (&nu);
  clip_free (&lit);
  ad_model_free (m);
  return 0;
}
