/* test-score.c - scoring helpers, the scorer on hand-made estimates, and
 * calibration end to end. */
#include "ad-internal.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { W = 32, H = 24, HW = W * H };

static void
small_cfg (ad_config *cfg)
{
  ad_config_default (cfg);
  /* these tests check the raw cell motion and two-part fusion by hand;
   * compensation and motion patterns have tests of their own
   * (test-flow-vectors, test-flow-learn, test-flow-scorer) */
  cfg->motion_comp = 0;
  cfg->flow_weight = 0.0f;
  cfg->score_window = 1;     /* per-frame scores; the window: test_window */
  cfg->map_gate = 0;         /* whole cells in the map; the gate: test_gate */
  cfg->learned_gain = 0;     /* raw residuals; the gain fit: test_learned_gain */
  cfg->width = W;
  cfg->height = H;
  cfg->widths[0] = 4;
  cfg->widths[1] = 8;
  cfg->widths[2] = 8;
  cfg->widths[3] = 8;
}

static int
argmax (const float *v, int n)
{
  int b = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[b])
      b = i;
  return b;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static void
test_blur (void)
{
  float map[HW], tmp[HW];
  for (int i = 0; i < HW; i++)
    map[i] = 0.7f;
  ad_blur (map, H, W, 2.0f, tmp);
  float worst = 0.0f;
  for (int i = 0; i < HW; i++)
    worst = fmaxf (worst, fabsf (map[i] - 0.7f));
  CHECK (worst < 1e-5f, "constant map changed by %g", worst);

  /* a blob far from the borders keeps its sum and spreads */
  memset (map, 0, sizeof map);
  map[12 * W + 16] = 4.0f;
  map[12 * W + 17] = 2.0f;
  ad_blur (map, H, W, 1.5f, tmp);
  double s = 0.0;
  for (int i = 0; i < HW; i++)
    s += map[i];
  CHECK (fabs (s - 6.0) < 1e-4, "sum %g after blur, want 6", s);
  CHECK (map[12 * W + 16] < 4.0f && map[12 * W + 16] > 0.1f &&
      map[10 * W + 16] > 0.0f, "blob not spread: %g", map[12 * W + 16]);
  CHECK (fabsf (map[10 * W + 16] - map[14 * W + 16]) < 1e-6f &&
      map[12 * W + 14] > 0.0f && map[12 * W + 14] < map[12 * W + 15],
      "blur not symmetric or not decaying");

  /* sigma 0: unchanged */
  float before = map[12 * W + 16];
  ad_blur (map, H, W, 0.0f, tmp);
  CHECK (map[12 * W + 16] == before, "sigma 0 changed the map");
}

static void
test_quantile_topk (void)
{
  enum { N = 100 };
  float v[N], tmp[N];
  ad_rng r;
  ad_rng_seed (&r, 3);
  for (int i = 0; i < N; i++)
    v[i] = (float) i;
  for (int i = N - 1; i > 0; i--) {      /* shuffle */
    int j = (int) (ad_rng_u32 (&r) % (uint32_t) (i + 1));
    float t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
  float keep[N];
  memcpy (keep, v, sizeof v);
  CHECK (ad_quantile (v, N, 0.5f, tmp) == 49.5f, "median %g",
      ad_quantile (v, N, 0.5f, tmp));
  CHECK (ad_quantile (v, N, 0.0f, tmp) == 0.0f, "q0");
  CHECK (ad_quantile (v, N, 1.0f, tmp) == 99.0f, "q1");
  float q = ad_quantile (v, N, 0.99f, tmp);
  CHECK (fabsf (q - 98.01f) < 1e-3f, "q.99 %g want 98.01", q);
  CHECK (memcmp (keep, v, sizeof v) == 0, "input changed");
  CHECK (ad_quantile (v, 1, 0.3f, tmp) == v[0], "single value");

  /* values 1..100 */
  for (int i = 0; i < N; i++)
    v[i] += 1.0f;
  CHECK (ad_topk_mean (v, N, 0.05f, tmp) == 98.0f, "top 5%% mean %g",
      ad_topk_mean (v, N, 0.05f, tmp));
  CHECK (ad_topk_mean (v, N, 0.0001f, tmp) == 100.0f, "top one");
  CHECK (ad_topk_mean (v, N, 1.0f, tmp) == 50.5f, "mean of all");

  /* many equal values, large n */
  enum { M = 100000 };
  float *big = malloc (sizeof (float) * M), *bt = malloc (sizeof (float) * M);
  if (big && bt) {
    for (int i = 0; i < M; i++)
      big[i] = i % 1000 == 0 ? 5.0f : 1.0f;
    CHECK (ad_topk_mean (big, M, 0.001f, bt) == 5.0f, "top 0.1%%");
    CHECK (ad_quantile (big, M, 0.5f, bt) == 1.0f, "median of constant");
  }
  free (big);
  free (bt);
}

/* The small-sample threshold: an exponential tail above the 90th
 * percentile where few values lie beyond the quantile. */
static void
test_tail_quantile (void)
{
  enum { N = 100, M = 20000 };
  float v[N], tmp[N];
  for (int i = 0; i < N; i++)
    v[i] = (float) ((i * 37) % N);          /* 0..99, shuffled */
  /* anchor 89.1, mean excess of 90..99 over it 5.4, ln(0.1 / 0.001) */
  float want = 89.1f + 5.4f * logf (100.0f);
  float t = ad_tail_quantile (v, N, 0.999f, tmp);
  CHECK (fabsf (t - want) < 1e-2f, "tail 0.999 of 0..99: %g want %g", t,
      want);
  CHECK (ad_tail_quantile (v, N, 0.5f, tmp) == ad_quantile (v, N, 0.5f, tmp),
      "below the anchor: empirical");
  CHECK (ad_tail_quantile (v, N, 0.9f, tmp) == ad_quantile (v, N, 0.9f, tmp),
      "at the anchor: empirical");

  /* exponential values: 96 of them extrapolate near the true 0.999
   * quantile (ln 1000 = 6.9) and beyond their own maximum; with enough
   * values beyond it the empirical quantile is returned as it is */
  float *big = malloc (sizeof (float) * M), *bt = malloc (sizeof (float) * M);
  if (big && bt) {
    ad_rng r;
    ad_rng_seed (&r, 11);
    for (int i = 0; i < M; i++)
      big[i] = -logf (1.0f - ad_rng_uniform (&r));
    float mx = 0.0f;
    for (int i = 0; i < 96; i++)
      mx = big[i] > mx ? big[i] : mx;
    t = ad_tail_quantile (big, 96, 0.999f, bt);
    CHECK (t >= mx && t > 4.5f && t < 10.0f, "96 exponential values: %g "
        "(max %g, true 6.91)", t, mx);
    CHECK (ad_tail_quantile (big, M, 0.999f, bt) ==
        ad_quantile (big, M, 0.999f, bt), "20000 values: empirical");
  }
  free (big);
  free (bt);
}

static void
test_hist_floor (void)
{
  float map[HW];
  ad_rng r;
  ad_rng_seed (&r, 11);
  /* constant floor + 2% sparse peaks */
  for (int i = 0; i < HW; i++)
    map[i] = i % 50 == 7 ? 5.0f : 0.3f;
  float f = ad_hist_floor (map, HW);
  CHECK (fabsf (f - 0.3f) < 0.003f, "floor %g want 0.3", f);
  /* noisy floor 0.2 +- 0.02 + 3% peaks up to 10 */
  for (int i = 0; i < HW; i++)
    map[i] = 0.2f + 0.04f * (ad_rng_uniform (&r) - 0.5f);
  for (int i = 0; i < HW * 3 / 100; i++)
    map[ad_rng_u32 (&r) % HW] = 1.0f + 9.0f * ad_rng_uniform (&r);
  f = ad_hist_floor (map, HW);
  CHECK (fabsf (f - 0.2f) < 0.025f, "noisy floor %g want 0.2", f);
  /* a blob of anomaly covering 10% does not lift the floor */
  for (int i = 0; i < HW / 10; i++)
    map[i] = 3.0f;
  f = ad_hist_floor (map, HW);
  CHECK (fabsf (f - 0.2f) < 0.025f, "floor %g with a blob", f);
  for (int i = 0; i < HW; i++)
    map[i] = 0.0f;
  CHECK (ad_hist_floor (map, HW) == 0.0f, "zero map");
}

static void
test_motion_cells (void)
{
  float a[HW] = { 0 }, b[HW] = { 0 }, cells[12];
  /* 4x4 square of 1 at x 16..19, y 8..11: cell (gx 2, gy 1) of 8 px */
  for (int y = 8; y < 12; y++)
    for (int x = 16; x < 20; x++)
      a[y * W + x] = 1.0f;
  int n = ad_motion_cells (a, b, 1, H, W, 8, cells);
  CHECK (n == 12, "%d cells, want 4 x 3", n);
  CHECK (argmax (cells, 12) == 1 * 4 + 2, "peak in cell %d",
      argmax (cells, 12));
  CHECK (fabsf (cells[6] - 16.0f / 64.0f) < 1e-6f, "cell value %g",
      cells[6]);
  CHECK (cells[5] == 0.0f && cells[7] == 0.0f, "neighbours not zero");
  /* partial cells at the border: h 20, cell 8 -> 3 rows, last of 4 px */
  float c2[12];
  for (int i = 0; i < HW; i++)
    a[i] = 0.5f;
  n = ad_motion_cells (a, b, 1, 20, W, 8, c2);
  CHECK (n == 12 && fabsf (c2[11] - 0.5f) < 1e-6f, "partial cell %g",
      c2[11]);
}

/* ------------------------------------------------------------------------ */
/* Scorer                                                                   */

static ad_model *
model_with (void (*edit) (ad_config *))
{
  ad_config cfg;
  small_cfg (&cfg);
  if (edit)
    edit (&cfg);
  ad_model *m = NULL;
  ad_error err = { { 0 } };
  CHECK (ad_model_new (&cfg, &m, &err) == AD_OK, "ad_model_new: %s",
      err.msg);
  return m;
}

static ad_scorer *
scorer_for (const ad_model *m)
{
  ad_scorer *sc = NULL;
  ad_error err = { { 0 } };
  CHECK (m && ad_scorer_new (m, &sc, &err) == AD_OK, "ad_scorer_new: %s",
      err.msg);
  return sc;
}

/* feat [1, H, W]: texture in [0.2, 0.8] */
static void
texture (float *feat, uint64_t seed)
{
  ad_rng r;
  ad_rng_seed (&r, seed);
  for (int i = 0; i < HW; i++)
    feat[i] = 0.2f + 0.6f * ad_rng_uniform (&r);
}

static void
test_identical (void)
{
  ad_model *m = model_with (NULL);     /* diff head, score source both */
  ad_scorer *sc = scorer_for (m);
  if (!sc)
    goto out;
  float f1[HW], f2[HW], recon[2 * HW], map[HW];
  ad_score s;
  texture (f1, 1);
  texture (f2, 2);
  /* frame 1: image estimate exact, difference estimate 0 (no previous) */
  memcpy (recon, f1, sizeof f1);
  memset (recon + HW, 0, sizeof (float) * HW);
  CHECK_OK (ad_scorer_process (sc, f1, recon, map, &s, NULL));
  CHECK (s.learned_raw == 0.0f && s.motion_raw == 0.0f && s.score == 0.0f,
      "first frame: learned %g motion %g", s.learned_raw, s.motion_raw);
  /* frame 2: both estimates exact -> no learned error, but motion */
  memcpy (recon, f2, sizeof f2);
  for (int i = 0; i < HW; i++)
    recon[HW + i] = fabsf (f2[i] - f1[i]);
  CHECK_OK (ad_scorer_process (sc, f2, recon, map, &s, NULL));
  CHECK (s.learned_raw < 1e-9f, "identical estimate scores %g",
      s.learned_raw);
  CHECK (s.motion_raw > 0.1f, "motion %g between two textures",
      s.motion_raw);
  /* no estimate */
  CHECK_OK (ad_scorer_process (sc, f2, NULL, NULL, &s, NULL));
  CHECK (s.learned_raw == 0.0f && s.motion_raw == 0.0f, "no estimate");
out:
  ad_scorer_free (sc);
  ad_model_free (m);
}

static void
edit_frame_learned (ad_config *c)
{
  c->score_source = AD_SCORE_FRAME;
  c->fuse = AD_FUSE_LEARNED;
}

static void
test_blob (void)
{
  ad_model *m = model_with (edit_frame_learned);
  ad_scorer *sc = scorer_for (m);
  if (!sc)
    goto out;
  float feat[HW], recon[2 * HW], map[HW];
  ad_score s, s0;
  texture (feat, 5);
  memcpy (recon, feat, sizeof feat);
  memset (recon + HW, 0, sizeof (float) * HW);
  CHECK_OK (ad_scorer_process (sc, feat, recon, map, &s0, NULL));
  /* 4x4 error blob centred on (21.5, 9.5) */
  for (int y = 8; y < 12; y++)
    for (int x = 20; x < 24; x++)
      recon[y * W + x] += 0.5f;
  CHECK_OK (ad_scorer_process (sc, feat, recon, map, &s, NULL));
  CHECK (s.learned_raw > 0.01f && s.learned_raw > 100 * s0.learned_raw,
      "blob learned %g vs %g", s.learned_raw, s0.learned_raw);
  int p = argmax (map, HW);
  CHECK (abs (p % W - 21) <= 1 && abs (p / W - 9) <= 1, "map peak at "
      "(%d,%d)", p % W, p / W);
  CHECK (fabsf (s.fused_raw - s.learned_raw) < 1e-7f &&
      s.score == s.fused_raw, "learned fusion, uncalibrated");

  /* a uniform error is the floor: removed */
  memcpy (recon, feat, sizeof feat);
  for (int i = 0; i < HW; i++)
    recon[i] += 0.1f;
  CHECK_OK (ad_scorer_process (sc, feat, recon, map, &s, NULL));
  CHECK (fabsf (s.floor - 0.01f) < 1e-3f && s.learned_raw < 1e-4f,
      "uniform error: floor %g learned %g", s.floor, s.learned_raw);
out:
  ad_scorer_free (sc);
  ad_model_free (m);
}

static void
edit_resid_blur (ad_config *c)
{
  edit_frame_learned (c);
  c->resid_blur = 2.0f;
}

/* resid_blur: a zero-mean residual (texture the model does not render)
 * cancels before squaring, a shifted area stays where it is. */
static void
test_resid_blur (void)
{
  float feat[HW], recon[2 * HW], map[HW];
  float learned[2][2];     /* [resid_blur off/on][checkerboard/blob] */
  int peak = -1;
  for (int on = 0; on < 2; on++) {
    ad_model *m = model_with (on ? edit_resid_blur : edit_frame_learned);
    ad_scorer *sc = scorer_for (m);
    if (!sc) {
      ad_model_free (m);
      return;
    }
    ad_score s;
    texture (feat, 7);
    memset (recon + HW, 0, sizeof (float) * HW);
    for (int i = 0; i < HW; i++)        /* checkerboard residual of 0.2 */
      recon[i] = feat[i] + (((i % W) + (i / W)) % 2 ? 0.2f : -0.2f);
    CHECK_OK (ad_scorer_process (sc, feat, recon, map, &s, NULL));
    learned[on][0] = s.learned_raw + s.floor;
    memcpy (recon, feat, sizeof feat);
    for (int y = 8; y < 14; y++)        /* 6x6 area 0.5 brighter */
      for (int x = 18; x < 24; x++)
        recon[y * W + x] -= 0.5f;
    CHECK_OK (ad_scorer_process (sc, feat, recon, map, &s, NULL));
    learned[on][1] = s.learned_raw;
    if (on)
      peak = argmax (map, HW);
    ad_scorer_free (sc);
    ad_model_free (m);
  }
  CHECK (learned[1][0] < 0.05f * learned[0][0], "checkerboard: %g with "
      "resid_blur, %g without", learned[1][0], learned[0][0]);
  CHECK (learned[1][1] > 0.3f * learned[0][1], "area: %g with resid_blur, "
      "%g without", learned[1][1], learned[0][1]);
  CHECK (abs (peak % W - 20) <= 1 && abs (peak / W - 10) <= 1, "area peak "
      "at (%d,%d)", peak % W, peak / W);
}

static void
edit_learned_gain (ad_config *c)
{
  edit_frame_learned (c);
  c->learned_gain = 1;
}

/* learned_gain: a frame 25% brighter than its estimate leaves no learned
 * error; a dark area on it still does, where it is; on a flat frame a
 * bright area of the estimate is not folded into the gain. */
/* ad_gain: the median ratio, clamped, ignoring dark reference pixels and
 * an anomaly on under half of the picture. */
static void
test_gain (void)
{
  enum { N = 600 };
  float x[N], r[N], tmp[N];
  for (int i = 0; i < N; i++) {
    r[i] = 0.2f + 0.6f * (float) ((i * 37) % 101) / 100.0f;
    x[i] = 1.25f * r[i];
  }
  CHECK (fabsf (ad_gain (x, r, N, tmp) - 1.25f) < 1e-5f, "gain %g",
      ad_gain (x, r, N, tmp));
  for (int i = 0; i < N / 3; i++)     /* a bright anomaly on a third */
    x[i] = 1.0f;
  CHECK (fabsf (ad_gain (x, r, N, tmp) - 1.25f) < 0.05f, "anomaly: %g",
      ad_gain (x, r, N, tmp));
  for (int i = 0; i < N; i++)
    x[i] = 5.0f * r[i];
  CHECK (ad_gain (x, r, N, tmp) == AD_GAIN_MAX, "clamped up");
  for (int i = 0; i < N; i++)
    x[i] = 0.1f * r[i];
  CHECK (ad_gain (x, r, N, tmp) == 1.0f / AD_GAIN_MAX, "clamped down");
  for (int i = 0; i < N; i++)
    r[i] = 0.005f;                    /* a black reference: no ratio */
  CHECK (ad_gain (x, r, N, tmp) == 1.0f, "black reference");
  for (int i = 0; i < N; i++) {
    r[i] = 0.03f;                     /* a night scene, one bright object */
    x[i] = i < N / 10 ? 0.9f : 0.03f;
  }
  CHECK (fabsf (ad_gain (x, r, N, tmp) - 1.0f) < 1e-6f, "night scene %g",
      ad_gain (x, r, N, tmp));
}

static void
test_learned_gain (void)
{
  float feat[HW], lit[HW], recon[2 * HW], map[HW];
  float learned[2][2];     /* [gain fit off/on][lit frame, lit + area] */
  int peak = -1;
  texture (feat, 9);
  for (int i = 0; i < HW; i++)
    lit[i] = 1.25f * feat[i];
  memcpy (recon, feat, sizeof feat);
  memset (recon + HW, 0, sizeof (float) * HW);
  for (int on = 0; on < 2; on++) {
    ad_model *m = model_with (on ? edit_learned_gain : edit_frame_learned);
    ad_scorer *sc = scorer_for (m);
    if (!sc) {
      ad_model_free (m);
      return;
    }
    ad_score s;
    CHECK_OK (ad_scorer_process (sc, lit, recon, map, &s, NULL));
    learned[on][0] = s.learned_raw;
    float dark[HW];
    memcpy (dark, lit, sizeof lit);
    for (int y = 4; y < 10; y++)
      for (int x = 5; x < 11; x++)
        dark[y * W + x] = 0.05f;
    CHECK_OK (ad_scorer_process (sc, dark, recon, map, &s, NULL));
    learned[on][1] = s.learned_raw;
    if (on)
      peak = argmax (map, HW);
    ad_scorer_free (sc);
    ad_model_free (m);
  }
  CHECK (learned[0][0] > 1e-3f, "lit frame without the fit: %g",
      learned[0][0]);
  CHECK (learned[1][0] < 1e-4f * learned[0][0] + 1e-9f, "lit frame: %g "
      "with the gain fit, %g without", learned[1][0], learned[0][0]);
  CHECK (learned[1][1] > 0.01f, "dark area on the lit frame: %g",
      learned[1][1]);
  CHECK (abs (peak % W - 7) <= 2 && abs (peak / W - 6) <= 2, "dark area "
      "peak at (%d,%d)", peak % W, peak / W);

  ad_model *m = model_with (edit_learned_gain);
  ad_scorer *sc = scorer_for (m);
  if (sc) {
    ad_score s;
    for (int i = 0; i < HW; i++)
      feat[i] = recon[i] = 0.1f;
    for (int y = 10; y < 20; y++)
      for (int x = 10; x < 20; x++)
        recon[y * W + x] = 0.9f;
    CHECK_OK (ad_scorer_process (sc, feat, recon, map, &s, NULL));
    CHECK (s.learned_raw > 0.3f, "flat frame, bright estimate area: %g",
        s.learned_raw);
  }
  ad_scorer_free (sc);
  ad_model_free (m);
}

static int fuse_mode;
static float map_l = 0.5f, map_m = 2.0f;     /* map weights under test */
static void
edit_fuse (ad_config *c)
{
  c->score_source = AD_SCORE_FRAME;
  c->fuse = fuse_mode;
  c->fuse_weight = 0.25f;
  c->map_learned = map_l;
  c->map_motion = map_m;
}

/* Two frames: a square moves (motion) and the estimate has a blob error
 * elsewhere (learned).  Returns the second frame's scores and map. */
static int
two_frames (ad_model *m, float *map, ad_score *s)
{
  ad_scorer *sc = scorer_for (m);
  if (!sc)
    return 0;
  float f1[HW] = { 0 }, f2[HW] = { 0 }, recon[2 * HW] = { 0 };
  /* square 8x8 exactly in cell (gx 0, gy 0) in frame 2 only */
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 8; x++)
      f2[y * W + x] = 0.6f;
  CHECK_OK (ad_scorer_process (sc, f1, f1, map, s, NULL));
  memcpy (recon, f2, sizeof f2);
  for (int y = 14; y < 18; y++)
    for (int x = 24; x < 28; x++)
      recon[y * W + x] = 0.4f;
  CHECK_OK (ad_scorer_process (sc, f2, recon, map, s, NULL));
  ad_scorer_free (sc);
  return 1;
}

static void
test_fusion (void)
{
  float l = 0, mo = 0;
  float lmap_peak = 0;
  for (fuse_mode = AD_FUSE_LEARNED; fuse_mode <= AD_FUSE_MAX; fuse_mode++) {
    ad_model *m = model_with (edit_fuse);
    float map[HW];
    ad_score s;
    if (!m || !two_frames (m, map, &s)) {
      ad_model_free (m);
      return;
    }
    if (fuse_mode == AD_FUSE_LEARNED) {
      l = s.learned_raw;
      mo = s.motion_raw;
      lmap_peak = map[16 * W + 26];
      CHECK (fabsf (mo - 0.6f) < 1e-6f, "motion %g want 0.6", mo);
      CHECK (l > 0.01f, "learned %g", l);
      CHECK (map[4 * W + 4] == 0.0f, "learned map sees no motion");
    } else {
      CHECK (s.learned_raw == l && s.motion_raw == mo, "raw scores depend "
          "on the fusion");
    }
    float want = fuse_mode == AD_FUSE_LEARNED ? l :
        fuse_mode == AD_FUSE_MOTION ? mo :
        fuse_mode == AD_FUSE_SUM ? 0.25f * l + 0.75f * mo : fmaxf (l, mo);
    CHECK (fabsf (s.fused_raw - want) < 1e-6f && s.score == s.fused_raw,
        "mode %d: fused %g want %g", fuse_mode, s.fused_raw, want);
    /* the parts: each one's term in the score */
    float pl_want = fuse_mode == AD_FUSE_MOTION ? 0.0f :
        fuse_mode == AD_FUSE_SUM ? 0.25f * l : l;
    float pm_want = fuse_mode == AD_FUSE_LEARNED ? 0.0f :
        fuse_mode == AD_FUSE_SUM ? 0.75f * mo : mo;
    CHECK (fabsf (s.part[0] - pl_want) < 1e-6f
        && fabsf (s.part[1] - pm_want) < 1e-6f,
        "mode %d: parts %g %g want %g %g", fuse_mode, s.part[0], s.part[1],
        pl_want, pm_want);
    if (fuse_mode == AD_FUSE_SUM) {
      float sum = 0.0f;
      for (int i = 0; i < AD_SCORE_PARTS; i++)
        sum += s.part[i];
      CHECK (fabsf (sum - s.score) < 1e-6f, "parts add up to %g, score %g",
          sum, s.score);
    }
    /* map: the moving cell carries the motion value, the blob the learned
     * one; with both parts, times the map weights */
    float pm = map[4 * W + 4], pl = map[16 * W + 26];
    float wm = fuse_mode == AD_FUSE_LEARNED ? 0.0f :
        fuse_mode == AD_FUSE_MOTION ? 0.6f :
        fuse_mode == AD_FUSE_SUM ? map_m * 0.75f * 0.6f : map_m * 0.6f;
    float wl = fuse_mode == AD_FUSE_LEARNED ? lmap_peak :
        fuse_mode == AD_FUSE_MOTION ? 0.0f :
        fuse_mode == AD_FUSE_SUM ? map_l * 0.25f * lmap_peak :
        map_l * lmap_peak;
    CHECK (fabsf (pm - wm) < 1e-5f, "mode %d: motion pixel %g want %g",
        fuse_mode, pm, wm);
    CHECK (fabsf (pl - wl) < 1e-5f, "mode %d: blob pixel %g want %g",
        fuse_mode, pl, wl);
    ad_model_free (m);
  }
}

static void
edit_sum (ad_config *c)
{
  c->score_source = AD_SCORE_FRAME;
  c->fuse = AD_FUSE_SUM;
  c->fuse_weight = 0.5f;
  c->map_motion = 1.0f;       /* the map as the frame score fuses */
  c->map_learned = 1.0f;
}

/* The default map weights: a moving square with no novelty leaves no heat
 * (map_motion 0); the learned blob keeps map_learned of its frame-score
 * share; the frame score is the same whatever the map weights. */
static void
test_map_defaults (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.map_motion == 0.0f && d.map_learned > 0.0f &&
      d.map_learned < 1.0f, "defaults %g %g", d.map_motion, d.map_learned);
  float map[HW], map1[HW];
  ad_score s, s1;
  fuse_mode = AD_FUSE_SUM;
  map_l = d.map_learned;
  map_m = d.map_motion;
  ad_model *m = model_with (edit_fuse);
  int ok = m && two_frames (m, map, &s);
  ad_model_free (m);
  map_l = map_m = 1.0f;
  m = model_with (edit_fuse);
  ok = ok && m && two_frames (m, map1, &s1);
  ad_model_free (m);
  map_l = 0.5f;
  map_m = 2.0f;
  if (!ok)
    return;
  CHECK (s.fused_raw == s1.fused_raw, "frame score %g vs %g", s.fused_raw,
      s1.fused_raw);
  CHECK (map[4 * W + 4] == 0.0f && map1[4 * W + 4] > 0.1f,
      "moving square %g (weight 1: %g)", map[4 * W + 4], map1[4 * W + 4]);
  CHECK (fabsf (map[16 * W + 26] - d.map_learned * map1[16 * W + 26])
      < 1e-6f && map[16 * W + 26] > 0.0f, "blob %g of %g",
      map[16 * W + 26], map1[16 * W + 26]);
}

static void
test_calibrated (void)
{
  ad_model *m = model_with (edit_sum);
  if (!m)
    return;
  float map0[HW], map[HW];
  ad_score s0, s;
  if (!two_frames (m, map0, &s0))
    goto out;
  ad_calib c;
  memset (&c, 0, sizeof c);
  c.valid = 1;
  c.learned_scale = 2.0f;
  c.motion_scale = 4.0f;
  c.threshold = 0.5f;
  c.pixel_threshold = 0.25f;
  ad_model_set_calib (m, &c);
  if (!two_frames (m, map, &s))
    goto out;
  float fused = 0.5f * s0.learned_raw / 2.0f + 0.5f * s0.motion_raw / 4.0f;
  CHECK (s.learned_raw == s0.learned_raw && s.motion_raw == s0.motion_raw,
      "raw scores do not depend on the calibration");
  CHECK (fabsf (s.fused_raw - fused) < 1e-6f, "fused %g want %g",
      s.fused_raw, fused);
  CHECK (fabsf (s.score - fused / 0.5f) < 1e-6f, "score %g want %g",
      s.score, fused / 0.5f);
  float pm = (0.5f * 0.6f / 4.0f) / 0.25f;
  CHECK (fabsf (map[4 * W + 4] - pm) < 1e-5f, "map %g want %g",
      map[4 * W + 4], pm);
  /* map_frame 1: a frame scoring a quarter of the threshold paints a
   * quarter of its map; one over the threshold all of it; the scores do
   * not change */
  ad_config sc = *ad_model_config (m);
  sc.map_frame = 1.0f;
  CHECK_OK (ad_model_set_scoring (m, &sc, NULL));
  for (int over = 0; over <= 1; over++) {
    c.threshold = over ? 0.5f * fused : 4.0f * fused;
    ad_model_set_calib (m, &c);
    if (!two_frames (m, map, &s))
      goto out;
    float want = over ? pm : 0.25f * pm;
    CHECK (fabsf (s.score - (over ? 2.0f : 0.25f)) < 1e-5f &&
        fabsf (map[4 * W + 4] - want) < 1e-5f, "map_frame 1, score %g: "
        "map %g want %g", s.score, map[4 * W + 4], want);
  }
out:
  ad_model_free (m);
}

static void
edit_options (ad_config *c)
{
  c->score_source = AD_SCORE_FRAME;
  c->fuse = AD_FUSE_SUM;
  c->hist_floor = 0;
}

static void
test_buffers (void)
{
  ad_model *m = model_with (edit_options);
  if (!m)
    return;
  float map[HW];
  ad_score s0, s;
  if (!two_frames (m, map, &s0))
    goto out;
  ad_tensor *mm = ad_model_tensor (m, "motion_mean");
  ad_tensor *pm = ad_model_tensor (m, "pixel_mean");
  ad_tensor *ps = ad_model_tensor (m, "pixel_std");
  CHECK (mm && pm && ps && mm->count == 12 && pm->count == HW,
      "buffers present");
  if (!mm || !pm || !ps)
    goto out;
  for (size_t i = 0; i < mm->count; i++)
    mm->data[i] = 0.1f;
  for (int i = 0; i < HW; i++) {
    pm->data[i] = 0.0f;
    ps->data[i] = 2.0f;
  }
  ad_config cfg = *ad_model_config (m);
  cfg.motion_sub_mean = 1;
  cfg.pixel_std = 1;
  CHECK_OK (ad_model_set_scoring (m, &cfg, NULL));
  if (!two_frames (m, map, &s))
    goto out;
  CHECK (fabsf (s.motion_raw - (s0.motion_raw - 0.1f)) < 1e-6f,
      "mean subtracted: %g vs %g", s.motion_raw, s0.motion_raw);
  CHECK (fabsf (s.learned_raw - 0.5f * s0.learned_raw) < 1e-6f,
      "standardised: %g vs %g", s.learned_raw, s0.learned_raw);
  /* another cell size: motion_mean no longer matches, not subtracted */
  cfg.motion_cell = 4;
  CHECK_OK (ad_model_set_scoring (m, &cfg, NULL));
  if (!two_frames (m, map, &s))
    goto out;
  CHECK (fabsf (s.motion_raw - 0.6f) < 1e-6f, "cell 4: motion %g",
      s.motion_raw);
out:
  ad_model_free (m);
}

/* ------------------------------------------------------------------------ */
/* Calibration end to end                                                   */

/* frames [n, 1, H, W]: noisy texture with a drifting bright square. */
static void
render (float *f, int t, ad_rng *r)
{
  int cx = 4 + (t * 2) % (W - 12), cy = 4 + (t / 3) % (H - 12);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float v = 0.3f + 0.1f * sinf (0.7f * x) * cosf (0.5f * y);
      if (x >= cx && x < cx + 6 && y >= cy && y < cy + 6)
        v = 0.8f;
      f[y * W + x] = v + 0.02f * ad_rng_normal (r);
    }
}

static void
edit_calib (ad_config *c)
{
  c->motion_sub_mean = 1;
}

static void
test_calibrate (void)
{
  enum { N = 240 };
  ad_model *m = model_with (edit_calib);
  float *frames = ad_alloc ((size_t) N * HW);
  uint8_t seg[N] = { 0 };
  ad_stream *st = NULL;
  ad_scorer *sc = NULL;
  if (!m || !frames)
    goto out;
  ad_rng r;
  ad_rng_seed (&r, 9);
  for (int i = 0; i < N; i++)
    render (frames + (size_t) i * HW, i, &r);
  seg[0] = seg[N / 2] = 1;
  ad_error err = { { 0 } };
  ad_status s = ad_model_calibrate (m, frames, N, seg, &err);
  CHECK (s == AD_OK, "calibrate: %s", err.msg);
  const ad_calib *c = ad_model_calib (m);
  CHECK (c->valid && c->n_frames == N - 2, "valid %d, %d frames", c->valid,
      c->n_frames);
  CHECK (c->threshold > 0.0f && c->pixel_threshold > 0.0f &&
      c->learned_scale > 0.0f && c->motion_scale > 0.0f,
      "threshold %g pixel %g scales %g %g", c->threshold,
      c->pixel_threshold, c->learned_scale, c->motion_scale);
  for (int i = 1; i < AD_CALIB_NQ; i++)
    CHECK (c->fused_q[i] >= c->fused_q[i - 1] &&
        c->pixel_q[i] >= c->pixel_q[i - 1], "quantiles ordered at %d", i);
  ad_tensor *mm = ad_model_tensor (m, "motion_mean");
  ad_tensor *ps = ad_model_tensor (m, "pixel_std");
  float mmax = 0.0f, pmin = 1e9f;
  for (size_t i = 0; mm && i < mm->count; i++)
    mmax = fmaxf (mmax, mm->data[i]);
  for (size_t i = 0; ps && i < ps->count; i++)
    pmin = fminf (pmin, ps->data[i]);
  CHECK (mmax > 0.01f && pmin > 0.0f, "motion mean max %g, pixel std "
      "min %g", mmax, pmin);

  /* the same frames, scored as a live stream, stay below 1 */
  CHECK_OK (ad_stream_new (m, &st, NULL));
  sc = scorer_for (m);
  float *recon = ad_alloc (2 * HW), map[HW];
  if (!st || !sc || !recon) {
    ad_free (recon);
    goto out;
  }
  int n = 0, over = 0;
  long px_over = 0;
  for (int i = 0; i < N; i++) {
    if (seg[i]) {
      ad_stream_reset (st);
      ad_scorer_reset (sc);
    }
    int valid = 0;
    ad_score o;
    CHECK_OK (ad_stream_process (st, frames + (size_t) i * HW, recon,
            &valid, NULL));
    CHECK_OK (ad_scorer_process (sc, frames + (size_t) i * HW,
            valid ? recon : NULL, map, &o, NULL));
    if (!valid)
      continue;
    n++;
    over += o.score >= 1.0f;
    for (int p = 0; p < HW; p++)
      px_over += map[p] >= 1.0f;
  }
  printf ("calibration: %d frames, %d over threshold, %ld of %ld pixels\n",
      n, over, px_over, (long) n * HW);
  CHECK (n == N - 2 && over <= 1, "%d of %d frames over", over, n);
  CHECK (px_over <= (long) n * HW / 500, "%ld pixels over", px_over);
  ad_free (recon);

  /* map_frame 1: the calibration takes the pixel threshold on the maps
   * dimmed as live, so it falls (most normal frames score under 1) */
  float pt0 = c->pixel_threshold, ft0 = c->threshold;
  ad_config dim = *ad_model_config (m);
  dim.map_frame = 1.0f;
  CHECK_OK (ad_model_set_scoring (m, &dim, NULL));
  CHECK (ad_model_calibrate (m, frames, N, seg, &err) == AD_OK, "%s",
      err.msg);
  c = ad_model_calib (m);
  CHECK (c->threshold == ft0 && c->pixel_threshold < 0.9f * pt0,
      "map_frame 1: threshold %g (%g), pixel threshold %g (%g without)",
      c->threshold, ft0, c->pixel_threshold, pt0);

  /* an anomaly scores above 1 */
  ad_scorer_reset (sc);
  ad_stream_reset (st);
  float f[HW];
  int valid = 0;
  ad_score o = { 0 };
  for (int i = 0; i < 3; i++) {
    float rec[2 * HW];
    render (f, 1000 + i, &r);
    if (i == 2)
      for (int y = 2; y < 20; y++)
        for (int x = 2; x < 30; x++)
          f[y * W + x] = 1.0f;
    CHECK_OK (ad_stream_process (st, f, rec, &valid, NULL));
    CHECK_OK (ad_scorer_process (sc, f, valid ? rec : NULL, NULL, &o, NULL));
  }
  CHECK (o.score > 1.0f, "big change scores %g", o.score);

  /* degenerate data: constant frames; thresholds stay positive */
  for (size_t i = 0; i < (size_t) N * HW; i++)
    frames[i] = 0.5f;
  CHECK (ad_model_calibrate (m, frames, N, NULL, &err) == AD_OK, "%s",
      err.msg);
  c = ad_model_calib (m);
  CHECK (c->threshold > 0.0f && isfinite (c->threshold) &&
      c->pixel_threshold > 0.0f && c->motion_scale > 0.0f,
      "degenerate: threshold %g pixel %g", c->threshold, c->pixel_threshold);
  CHECK (ad_model_calibrate (m, frames, 1, NULL, &err) == AD_ERR_ARG,
      "one predicted frame has no estimate");
out:
  ad_scorer_free (sc);
  ad_stream_free (st);
  ad_free (frames);
  ad_model_free (m);
}

/* The temporal window: the frame score is the median of the fused scores
 * of the latest score_window frames, restarted by a reset.  Motion only, so
 * the fused score is the cell motion of each frame. */
static void
edit_window (ad_config *c)
{
  c->fuse = AD_FUSE_MOTION;
  c->score_window = 3;
}

static void
test_window (void)
{
  ad_model *m = model_with (edit_window);
  ad_scorer *sc = scorer_for (m);
  if (!m || !sc)
    goto out;
  /* frames: flat, then a one-frame flash, flat, then a change held for
   * three frames (alternating levels so each frame differs) */
  const float level[] = { 0.5f, 0.5f, 0.9f, 0.5f, 0.5f, 0.5f, 0.8f, 0.2f,
    0.8f, 0.5f };
  float raw[10], got[10], f[HW];
  ad_score o;
  for (int i = 0; i < 10; i++) {
    for (int p = 0; p < HW; p++)
      f[p] = level[i];
    CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
    raw[i] = o.motion_raw;
    got[i] = o.fused_raw;
  }
  /* a flash at frame 2: its own motion spike is out-voted by the two calm
   * frames before it */
  CHECK (fabsf (got[1] - 0.0f) < 1e-6f, "calm frame %g", got[1]);
  CHECK (fabsf (got[2] - 0.0f) < 1e-6f && raw[2] > 0.3f,
      "a one-frame spike (raw %g) is suppressed: %g", raw[2], got[2]);
  /* frames 6-9 keep moving: by frame 8 the median sees the motion */
  CHECK (got[8] > 0.3f, "sustained motion scores %g", got[8]);
  /* a reset restarts the window: the first frame's score is its own */
  ad_scorer_reset (sc);
  for (int p = 0; p < HW; p++)
    f[p] = 0.5f;
  CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
  CHECK (o.fused_raw == 0.0f, "after a reset %g", o.fused_raw);
  for (int p = 0; p < HW; p++)
    f[p] = 0.9f;
  CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
  CHECK (fabsf (o.fused_raw - 0.5f * o.motion_raw) < 1e-6f,
      "two frames since the reset: mean of the two middle values, %g vs "
      "raw %g", o.fused_raw, o.motion_raw);
out:
  ad_scorer_free (sc);
  ad_model_free (m);
}

/* The map gate: a cell's motion part is painted on its moving pixels.  A
 * 3x3 square moves inside one cell of a textureless frame; motion only.
 * The moving pixels keep the full cell value (the map's peak is the frame
 * score), the far corner of the same cell gets much less, and with the gate
 * off every pixel of the cell has the cell value. */
static void
edit_gate (ad_config *c)
{
  c->fuse = AD_FUSE_MOTION;
  c->map_gate = 1;
}

static void
edit_nogate (ad_config *c)
{
  c->fuse = AD_FUSE_MOTION;
  c->map_gate = 0;
}

static void
test_gate (void)
{
  for (int gated = 0; gated < 2; gated++) {
    ad_model *m = model_with (gated ? edit_gate : edit_nogate);
    ad_scorer *sc = scorer_for (m);
    float f[2][HW], map[HW];
    ad_score o;
    if (!m || !sc) {
      ad_scorer_free (sc);
      ad_model_free (m);
      return;
    }
    /* cell (gx 1, gy 1) spans x 8..15, y 8..15; the square sits at x
     * 9..11, y 9..11 in the second frame only */
    for (int p = 0; p < HW; p++)
      f[0][p] = f[1][p] = 0.3f;
    for (int y = 9; y < 12; y++)
      for (int x = 9; x < 12; x++)
        f[1][y * W + x] = 0.9f;
    CHECK_OK (ad_scorer_process (sc, f[0], NULL, map, &o, NULL));
    CHECK_OK (ad_scorer_process (sc, f[1], NULL, map, &o, NULL));
    float cell = o.motion_raw, on = map[10 * W + 10], corner = map[15 * W + 15];
    float peak = map[argmax (map, HW)];
    CHECK (cell > 0.01f, "gate %d: the cell moves (%g)", gated, cell);
    CHECK (fabsf (peak - cell) < 1e-5f * (1.0f + cell),
        "gate %d: map peak %g is the frame's motion %g", gated, peak, cell);
    CHECK (on > 0.8f * cell, "gate %d: moving pixel %g of %g", gated, on,
        cell);
    if (gated)
      CHECK (corner < 0.2f * cell, "gated: far corner of the cell %g of %g",
          corner, cell);
    else
      CHECK (fabsf (corner - cell) < 1e-6f, "ungated: far corner %g is the "
          "cell value %g", corner, cell);
    CHECK (map[2 * W + 2] == 0.0f, "gate %d: still cell %g", gated,
        map[2 * W + 2]);
    ad_scorer_free (sc);
    ad_model_free (m);
  }
}

/* The gate's floor and power: two squares move in two cells, a bright
 * one (0.3 -> 0.9) in cell (1, 1) and a faint one (0.3 -> 0.4) in cell
 * (3, 1); motion only.  With floor 0 each cell's strongest pixel keeps its
 * cell's value.  With floor 0.5 the faint cell's strongest is divided by
 * half the frame's strongest instead: about a third of its value, the
 * bright one's unchanged.  Power 0.5 takes each share to its square
 * root. */
static float gate_floor_v, gate_power_v;

static void
edit_gate_floor (ad_config *c)
{
  c->fuse = AD_FUSE_MOTION;
  c->map_gate = 1;
  c->map_gate_floor = gate_floor_v;
  c->map_gate_power = gate_power_v;
}

/* peak [2]: the map's largest in the bright and the faint cell; map [HW] */
static int
two_squares (float floor, float power, float *peak, float *map)
{
  gate_floor_v = floor;
  gate_power_v = power;
  ad_model *m = model_with (edit_gate_floor);
  ad_scorer *sc = scorer_for (m);
  float f[2][HW];
  ad_score o;
  int ok = m && sc;
  for (int p = 0; ok && p < HW; p++)
    f[0][p] = f[1][p] = 0.3f;
  for (int y = 9; ok && y < 12; y++)
    for (int x = 9; x < 12; x++) {
      f[1][y * W + x] = 0.9f;
      f[1][y * W + x + 16] = 0.4f;
    }
  ok = ok && ad_scorer_process (sc, f[0], NULL, map, &o, NULL) == AD_OK &&
      ad_scorer_process (sc, f[1], NULL, map, &o, NULL) == AD_OK;
  peak[0] = peak[1] = 0.0f;
  for (int y = 8; ok && y < 16; y++)
    for (int x = 0; x < 8; x++) {
      peak[0] = fmaxf (peak[0], map[y * W + 8 + x]);
      peak[1] = fmaxf (peak[1], map[y * W + 24 + x]);
    }
  ad_scorer_free (sc);
  ad_model_free (m);
  CHECK (ok, "two squares scored (floor %g, power %g)", floor, power);
  return ok;
}

static void
test_gate_floor (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.map_gate_floor > 0.0f && d.map_gate_power < 1.0f,
      "defaults: floor %g, power %g", d.map_gate_floor, d.map_gate_power);
  float own[2], half[2], root[2], m0[HW], m1[HW];
  if (!two_squares (0.0f, 1.0f, own, m0) ||
      !two_squares (0.5f, 1.0f, half, m1))
    return;
  CHECK (own[1] > 0.0f && own[0] > 5.0f * own[1], "cell values %g, %g",
      own[0], own[1]);
  CHECK (fabsf (half[0] - own[0]) < 1e-6f * (1.0f + own[0]),
      "bright cell %g, was %g", half[0], own[0]);
  CHECK (half[1] > 0.2f * own[1] && half[1] < 0.5f * own[1],
      "faint cell %g of %g", half[1], own[1]);
  if (!two_squares (0.0f, 0.5f, root, m1))
    return;
  CHECK (fabsf (root[1] - own[1]) < 1e-6f, "power: peak keeps %g, was %g",
      root[1], own[1]);
  /* a pixel beside the bright square, a share of its cell's peak */
  float s1 = m0[10 * W + 13] / own[0], s2 = m1[10 * W + 13] / own[0];
  CHECK (s1 > 0.01f && s1 < 0.9f && fabsf (s2 - sqrtf (s1)) < 1e-4f,
      "power 0.5: share %g, linear %g", s2, s1);
}

/* The shadow test (colour models): on a learned background of one colour
 * (0.6, 0.5, 0.4), an object of another colour (0.1, 0.2, 0.9) and, in
 * the same cell, a shadow (the background at 0.7) appear.  The shadow
 * differs more from the background (0.15 against 0.1 in gray), so
 * without the test it holds the cell's peak; with map_shadow 0 it keeps
 * only the frame difference's share of the gate and the object holds the
 * peak.  A gray model of the same frames has nothing to tell them
 * apart, nor has a colour model fed gray frames (a gray camera: every
 * darker pixel would pass for a shadow), so the test stays off there. */
/* A model (config edited by edit) whose learned background is a flat 0.5
 * gray; learned 0 leaves static_stats unmarked, so that the scorer has
 * no background.  NULL on failure. */
static ad_model *
flat_background (void (*edit) (ad_config *), int learned)
{
  ad_model *m = model_with (edit);
  ad_tensor *bg = m ? ad_model_tensor (m, "bg_image") : NULL;
  ad_tensor *ss = m ? ad_model_tensor (m, "static_stats") : NULL;
  if (!bg || !ss) {
    ad_model_free (m);
    return NULL;
  }
  for (int p = 0; p < HW; p++)
    bg->data[p] = 0.5f;
  if (learned)
    ss->data[0] = 1.0f;
  return m;
}

/* Scores frames f0 then f1 (each [C, H, W]) with a new scorer of m and
 * reads the second map at pixels a and b into at [2]. */
static int
map_after_two (const ad_model *m, const float *f0, const float *f1, int a,
    int b, float *at)
{
  ad_scorer *sc = m ? scorer_for (m) : NULL;
  float map[HW];
  ad_score o;
  int ok = sc && ad_scorer_process (sc, f0, NULL, map, &o, NULL) == AD_OK &&
      ad_scorer_process (sc, f1, NULL, map, &o, NULL) == AD_OK;
  at[0] = ok ? map[a] : 0.0f;
  at[1] = ok ? map[b] : 0.0f;
  ad_scorer_free (sc);
  return ok;
}

static float shadow_v, dark_v = 1.0f, gray_obj = 0.4f;
static int shadow_color;
/* shadow_first: the first frame has the object where the shadow falls in
 * the second; shadow_learned: the model holds the background's
 * chromaticity (bg_chroma) */
static int shadow_first, shadow_learned;

static void
edit_shadow (ad_config *c)
{
  c->fuse = AD_FUSE_MOTION;
  c->map_gate = 1;
  c->map_gate_floor = 0.0f;
  c->map_gate_power = 1.0f;
  c->map_shadow = shadow_v;
  c->map_dark = dark_v;
  c->color = shadow_color;
}

/* at [2]: the map at the object's and at the shadow's centre; gray_in:
 * each channel of a colour model gets the gray picture */
static int
object_and_shadow (int color, int gray_in, float shadow, float *at)
{
  static const float bgc[3] = { 0.6f, 0.5f, 0.4f }, obj[3] = { 0.1f, 0.2f,
    0.9f };
  shadow_v = shadow;
  shadow_color = color;
  ad_model *m = flat_background (edit_shadow, 1);
  int nc = color ? 3 : 1;
  ad_tensor *tc = m ? ad_model_tensor (m, "bg_chroma") : NULL;
  for (int p = 0; tc && shadow_learned && p < HW; p++) {
    tc->data[p] = bgc[0] / 1.5f;
    tc->data[HW + p] = bgc[1] / 1.5f;
  }
  float f[2][3 * HW];
  /* [nc, H, W]; a gray model sees the channels' mean */
  for (int c = 0; c < nc; c++)
    for (int p = 0; p < HW; p++) {
      int y = p / W, x = p % W;
      int rgb = color && !gray_in;
      float b = rgb ? bgc[c] : 0.5f;
      float v = b;
      if (y >= 9 && y < 12 && x >= 9 && x < 12)
        v = rgb ? obj[c] : gray_obj;
      int at_shadow = y >= 9 && y < 12 && x >= 13 && x < 16;
      if (at_shadow)
        v = 0.7f * b;
      f[0][c * HW + p] = at_shadow && shadow_first ? obj[c] : b;
      f[1][c * HW + p] = v;
    }
  int ok = map_after_two (m, f[0], f[1], 10 * W + 10, 10 * W + 14, at);
  ad_model_free (m);
  CHECK (ok, "object and shadow scored (color %d, gray in %d, map_shadow "
      "%g)", color, gray_in, shadow);
  return ok;
}

static void
test_shadow (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.map_shadow == 0.0f, "default map_shadow %g", d.map_shadow);
  float off[2], on[2], gray[2], gin[2], goff[2];
  if (!object_and_shadow (1, 0, 1.0f, off) ||
      !object_and_shadow (1, 0, 0.0f, on) ||
      !object_and_shadow (0, 0, 0.0f, gray) ||
      !object_and_shadow (1, 1, 0.0f, gin) ||
      !object_and_shadow (1, 1, 1.0f, goff))
    return;
  CHECK (off[0] > 0.0f && off[1] > off[0], "no test: shadow %g above the "
      "object %g", off[1], off[0]);
  CHECK (on[0] > 0.0f && on[1] < 0.5f * on[0], "map_shadow 0: shadow %g, "
      "object %g", on[1], on[0]);
  CHECK (gray[1] > gray[0], "gray model: shadow %g above the object %g",
      gray[1], gray[0]);
  /* a gray model dims the gate's foreground of every pixel 0.5-0.95 as
   * bright as the background (map_dark): an object brighter than the
   * ground (0.6 on 0.5) then holds the peak over the shadow (0.35, which
   * differs more); one 0.8 as bright (the 0.4 above) is dimmed alike and
   * keeps its place below the shadow */
  CHECK (d.map_dark == 0.5f, "default map_dark %g", d.map_dark);
  float dk[2], dk1[2], in[2];
  gray_obj = 0.6f;
  dark_v = 1.0f;
  int ok = object_and_shadow (0, 0, 0.0f, dk1);
  dark_v = 0.5f;
  ok = ok && object_and_shadow (0, 0, 0.0f, dk);
  gray_obj = 0.4f;
  ok = ok && object_and_shadow (0, 0, 0.0f, in);
  dark_v = 1.0f;
  CHECK (ok && dk1[1] > dk1[0] && dk[0] > dk[1] && dk[0] > 0.0f,
      "gray model, brighter object: object %g, shadow %g (map_dark 1); "
      "object %g, shadow %g (0.5)", dk1[0], dk1[1], dk[0], dk[1]);
  CHECK (ok && in[1] > in[0], "gray model, object in the band: shadow %g "
      "above the object %g", in[1], in[0]);
  for (int k = 0; k < 2; k++)
    CHECK (gin[k] > 0.0f && fabsf (gin[k] - goff[k]) < 1e-6f, "colour model, "
        "gray frames: %s %g with the test, %g without", k ? "shadow" :
        "object", gin[k], goff[k]);
  /* the object stood where the shadow falls in the stream's first frame:
   * taken from that frame, the background's chromaticity there is the
   * object's and the shadow is not recognised; a model that learned the
   * background's (bg_chroma) starts from it and dims the shadow */
  float first[2], learned[2];
  shadow_first = 1;
  ok = object_and_shadow (1, 0, 0.0f, first);
  shadow_learned = 1;
  ok = ok && object_and_shadow (1, 0, 0.0f, learned);
  shadow_first = shadow_learned = 0;
  CHECK (ok && first[1] > first[0], "seeded from the first frame: shadow %g "
      "above the object %g", first[1], first[0]);
  CHECK (ok && learned[0] > 0.0f && learned[1] < 0.5f * learned[0],
      "seeded from bg_chroma: shadow %g, object %g", learned[1], learned[0]);
}

/* The silhouette factor (map_outside): on a learned gray background of
 * 0.5, a square of 0.9 moves 6 px to the right between two frames.  The
 * frame difference marks where it was as much as where it is; where it
 * was, the picture matches the background again, so that pixel keeps
 * map_outside of its value, while the square's own pixels keep theirs.
 * Without a learned background nothing changes. */
static float outside_v;

static void
edit_outside (ad_config *c)
{
  c->fuse = AD_FUSE_MOTION;
  c->map_gate = 1;
  c->map_outside = outside_v;
}

/* at [2]: the map where the square is and where it was */
static int
moved_square (float outside, int learned, float *at)
{
  outside_v = outside;
  ad_model *m = flat_background (edit_outside, learned);
  float f[2][HW];             /* [1, H, W] each */
  for (int p = 0; p < HW; p++) {
    int y = p / W, x = p % W, row = y >= 9 && y < 12;
    f[0][p] = row && x >= 4 && x < 7 ? 0.9f : 0.5f;
    f[1][p] = row && x >= 10 && x < 13 ? 0.9f : 0.5f;
  }
  int ok = map_after_two (m, f[0], f[1], 10 * W + 11, 10 * W + 5, at);
  ad_model_free (m);
  CHECK (ok, "moved square scored (map_outside %g, background %d)",
      outside, learned);
  return ok;
}

static void
test_outside (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.map_outside == 0.25f, "default map_outside %g", d.map_outside);
  float off[2], on[2], nobg[2], nobg1[2];
  if (!moved_square (1.0f, 1, off) || !moved_square (0.25f, 1, on) ||
      !moved_square (0.25f, 0, nobg) || !moved_square (1.0f, 0, nobg1))
    return;
  CHECK (off[0] > 0.0f && off[1] > 0.0f, "map_outside 1: square %g, where "
      "it was %g", off[0], off[1]);
  CHECK (fabsf (on[0] - off[0]) < 1e-6f * (1.0f + off[0]), "the square "
      "keeps %g (was %g)", on[0], off[0]);
  CHECK (fabsf (on[1] - 0.25f * off[1]) < 1e-6f * (1.0f + off[1]),
      "where it was: %g, 0.25 x %g", on[1], off[1]);
  for (int k = 0; k < 2; k++)
    CHECK (nobg[k] > 0.0f && fabsf (nobg[k] - nobg1[k]) < 1e-6f,
        "no background: %g with map_outside 0.25, %g with 1", nobg[k],
        nobg1[k]);
}

/* static_clear: a plain dark walker, 10 rows tall and 4 columns wide,
 * moves down a pixel a frame over a flat learned background; only its
 * top and bottom rows change from frame to frame, so its inside reads as
 * lying still unless the pixels near a moving one are left out.  A bag
 * (a still 4 x 4 square) keeps its change while a passer-by shifts back
 * and forth beside it (its blurred change reaches 3 px from its edges,
 * the moving pixels grown by 2 reach the bag's first column), and one
 * that appears where nothing moves builds up as without the setting. */
static int clear_v, window_v = 4;

static void
edit_clear (ad_config *c)
{
  c->static_window = window_v;
  c->fuse = AD_FUSE_MOTION;
  c->motion_comp = 1;
  c->static_weight = 1.0f;
  c->static_rise = 1.0f;          /* the change as it is, each frame */
  c->static_normal = 0;
  c->static_clear = clear_v;
  /* static_clear alone: with a rise of one frame, static_hold's two
   * seconds are two frames, and a walker's trailing edge would read its
   * inside for the frame it moves (test-flow-learn tests the hold) */
  c->static_hold = 0;
}

/* frame [1, H, W]: the flat 0.5 ground with dark (0.1) rectangles: the
 * walker of rows [wy, wy + 10), columns 6-9 (wy < 0: none), the bag at
 * rows 8-11, columns 20-23 (bag), the passer of rows 6-13, columns [px,
 * px + 3) (px < 0: none) */
static void
street (float *f, int wy, int bag, int px)
{
  for (int p = 0; p < HW; p++) {
    int y = p / W, x = p % W;
    int dark = (wy >= 0 && y >= wy && y < wy + 10 && x >= 6 && x < 10) ||
        (bag && y >= 8 && y < 12 && x >= 20 && x < 24) ||
        (px >= 0 && y >= 6 && y < 14 && x >= px && x < px + 3);
    f[p] = dark ? 0.1f : 0.5f;
  }
}

/* static_raw [n] over n frames made by frame (i, f), with static_clear
 * clear. */
static int
still_run (int clear, int n, void (*frame) (int, float *), float *st)
{
  clear_v = clear;
  ad_model *m = flat_background (edit_clear, 1);
  ad_scorer *sc = m ? scorer_for (m) : NULL;
  float f[HW];
  ad_score o;
  int ok = sc != NULL;
  for (int i = 0; ok && i < n; i++) {
    frame (i, f);
    ok = ad_scorer_process (sc, f, NULL, NULL, &o, NULL) == AD_OK;
    st[i] = o.static_raw;
  }
  ad_scorer_free (sc);
  ad_model_free (m);
  CHECK (ok, "still run scored (static_clear %d)", clear);
  return ok;
}

static void
walker_frame (int i, float *f)
{
  street (f, i, 0, -1);
}

/* the bag lies from frame 0; a passer walks in from the left edge a
 * pixel a frame and from frame 12 on stands at columns 12-14 and 13-15
 * by turns (its changing columns 12 and 15) */
static void
passer_frame (int i, float *f)
{
  street (f, -1, 1, i < 12 ? i : 12 + i % 2);
}

static void
appear_frame (int i, float *f)
{
  street (f, -1, i >= 3, -1);
}

/* the walker comes up over the picture's bottom edge a pixel a frame:
 * only its top row changes, the edge cuts off its bottom */
static void
edge_walker_frame (int i, float *f)
{
  street (f, H - 1 - i, 0, -1);
}

/* a bag lies at the picture's bottom edge from frame 3 (columns 6-9, the
 * walker's bottom 4 rows), nothing moves */
static void
edge_bag_frame (int i, float *f)
{
  street (f, i >= 3 ? H - 4 : -1, 0, -1);
}

static void
test_static_clear (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.static_clear == 0, "default static_clear %d", d.static_clear);
  float w0[12], w2[12], p0[20], p2[20], a0[8], a2[8], e0[10], e1[10],
      b0[8], b1[8];
  if (!still_run (0, 12, walker_frame, w0) ||
      !still_run (2, 12, walker_frame, w2) ||
      !still_run (0, 20, passer_frame, p0) ||
      !still_run (2, 20, passer_frame, p2) ||
      !still_run (0, 8, appear_frame, a0) ||
      !still_run (2, 8, appear_frame, a2) ||
      !still_run (0, 10, edge_walker_frame, e0) ||
      !still_run (1, 10, edge_walker_frame, e1) ||
      !still_run (0, 8, edge_bag_frame, b0) ||
      !still_run (1, 8, edge_bag_frame, b1))
    return;
  /* the walker: its still inside counts without the setting */
  float m0 = 0.0f, m2 = 0.0f;
  for (int i = 4; i < 12; i++) {
    m0 = w0[i] > m0 ? w0[i] : m0;
    m2 = w2[i] > m2 ? w2[i] : m2;
  }
  CHECK (m0 > 0.02f, "walker, static_clear 0: its inside reads %g", m0);
  CHECK (m2 < 0.1f * m0, "walker, static_clear 2: %g (0: %g)", m2, m0);
  /* the bag beside a passer: as before the passer came */
  CHECK (p2[5] > 0.02f, "bag alone %g", p2[5]);
  for (int i = 13; i < 20; i++)
    CHECK (p2[i] >= 0.95f * p2[5], "bag with a passer beside it, frame "
        "%d: %g (alone %g)", i, p2[i], p2[5]);
  CHECK (fabsf (p0[5] - p2[5]) < 1e-6f, "bag alone: %g and %g", p0[5],
      p2[5]);
  /* a bag appearing where nothing moves: the same from its second frame */
  for (int i = 4; i < 8; i++)
    CHECK (a2[i] > 0.02f && fabsf (a2[i] - a0[i]) < 1e-6f, "bag, frame "
        "%d: %g with static_clear 2, %g with 0", i, a2[i], a0[i]);
  /* the walker coming in over the edge: its silhouette touches the edge
   * and moves, so its still rows (beyond 1 px of its top) do not count */
  float me0 = 0.0f, me1 = 0.0f;
  for (int i = 4; i < 10; i++) {
    me0 = e0[i] > me0 ? e0[i] : me0;
    me1 = e1[i] > me1 ? e1[i] : me1;
  }
  CHECK (me0 > 0.02f, "edge walker, static_clear 0: %g", me0);
  CHECK (me1 < 0.1f * me0, "edge walker, static_clear 1: %g (0: %g)", me1,
      me0);
  /* a bag at the edge where nothing moves: as without the setting */
  for (int i = 4; i < 8; i++)
    CHECK (b1[i] > 0.02f && fabsf (b1[i] - b0[i]) < 1e-6f, "bag at the "
        "edge, frame %d: %g with static_clear 1, %g with 0", i, b1[i],
        b0[i]);
}

/* static_window: a dark 4 x 4 bag (0.1 on the 0.5 ground) with its
 * top-left corner at (bag_y, bag_x) from frame 1, nothing moving; cells
 * of 8 x 8 px */
static int bag_y, bag_x;

static void
bag_frame (int i, float *f)
{
  for (int p = 0; p < HW; p++) {
    int y = p / W, x = p % W;
    f[p] = i >= 1 && y >= bag_y && y < bag_y + 4 && x >= bag_x &&
        x < bag_x + 4 ? 0.1f : 0.5f;
  }
}

/* the bag's stationary change at frame 3 with static_window win */
static float
bag_still (int y, int x, int win)
{
  float st[4] = { 0 };
  bag_y = y;
  bag_x = x;
  window_v = win;
  still_run (0, 4, bag_frame, st);
  window_v = 4;
  return st[3];
}

static void
test_static_window (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.static_window == 4, "default static_window %d", d.static_window);
  /* in one cell: the cell's mean holds a quarter of the bag (less the
   * rim the frame's blur takes outside the cell); a window of 4 holds the
   * bag, never more than its own difference 0.4 */
  float a0 = bag_still (8, 16, 0), a4 = bag_still (8, 16, 4);
  CHECK (a0 > 0.05f && a0 < 0.11f, "bag in one cell, cell mean %g", a0);
  CHECK (a4 > 3.0f * a0 && a4 <= 0.4f + 1e-4f, "bag in one cell: window "
      "4 %g, cell mean %g", a4, a0);
  /* across four cells: each cell's mean holds a sixteenth, windows that
   * start at half-window steps still hold most of it */
  float b0 = bag_still (6, 14, 0), b4 = bag_still (6, 14, 4);
  CHECK (b4 > 0.5f * a4 && b4 > 4.0f * b0, "bag across four cells: window "
      "4 %g, cell mean %g", b4, b0);
  /* at the picture's corner the windows move back inside it */
  float c4 = bag_still (H - 4, W - 4, 4);
  CHECK (c4 > 0.8f * a4 && c4 <= 0.4f + 1e-4f, "bag in the corner: %g "
      "(in a cell %g)", c4, a4);
  /* a window wider than the picture is cut to it: the picture's mean */
  float w64 = bag_still (8, 16, 64);
  CHECK (w64 > 0.0f && w64 < 0.5f * a0, "window of 64 px on %dx%d: %g",
      W, H, w64);
}

/* map_static: a bag appears on the flat ground where nothing moves (the
 * stationary change alone, fused with the motion part, fuse SUM); with
 * map_static 2 its pixels paint twice as bright as with 1, and the frame
 * score does not move. */
static float map_static_v;

static void
edit_map_static (ad_config *c)
{
  edit_clear (c);
  c->fuse = AD_FUSE_SUM;
  c->map_static = map_static_v;
}

static int
bag_map (float v, float *bag_px, float *score)
{
  map_static_v = v;
  ad_model *m = flat_background (edit_map_static, 1);
  ad_scorer *sc = m ? scorer_for (m) : NULL;
  float f[HW], map[HW];
  ad_score o = { 0 };
  int ok = sc != NULL;
  for (int i = 0; ok && i < 8; i++) {
    appear_frame (i, f);
    ok = ad_scorer_process (sc, f, NULL, map, &o, NULL) == AD_OK;
  }
  *bag_px = ok ? map[9 * W + 21] : 0.0f;
  *score = o.fused_raw;
  ad_scorer_free (sc);
  ad_model_free (m);
  CHECK (ok, "bag scored (map_static %g)", v);
  return ok;
}

static void
test_map_static (void)
{
  ad_config d, near;
  ad_config_default (&d);
  ad_config_default (&near);
  CHECK (d.map_static == 1.0f, "default map_static %g", d.map_static);
  CHECK (ad_config_parse (&near, "preset=near", NULL) == AD_OK &&
      near.map_static == 2.0f, "near preset map_static %g", near.map_static);
  float p1, p2, s1, s2;
  if (!bag_map (1.0f, &p1, &s1) || !bag_map (2.0f, &p2, &s2))
    return;
  CHECK (p1 > 0.0f && fabsf (p2 - 2.0f * p1) < 1e-5f * p2,
      "bag pixel %g with map_static 2, %g with 1", p2, p1);
  CHECK (s1 > 0.0f && s1 == s2, "frame score %g with map_static 2, %g "
      "with 1", s2, s1);
}

/* A colour model's camera turns gray (night infrared) and back.  The
 * model's background [H, W] is the channel mean of a scene whose left
 * three quarters are (0.6, 0.5, 0.4) and the rest grass (0.2, 0.7, 0.3);
 * the gray camera gives each pixel's luma instead, 0.52 and 0.51 where
 * the background holds 0.5 and 0.4, so after the picture's gain the grass
 * reads as stationary change.  After AD_MODE_FRAMES gray frames the
 * scorer reports the switch and learns the background again over
 * bg_relearn seconds (the change is muted meanwhile); an object left
 * lying then still shows; with colour back the model's background
 * returns.  With bg_relearn 0 the gray frames keep reading as change. */
static float relearn_v = 2.0f, chroma_v = 1.0f;

/* A colour model scoring the stationary change alone, with bg_relearn
 * relearn_v and static_chroma chroma_v. */
static void
edit_colour_still (ad_config *c)
{
  c->color = 1;
  c->fuse = AD_FUSE_MOTION;
  c->static_weight = 1.0f;
  c->static_rise = 1.0f;          /* the change as it is, each frame */
  c->static_normal = 0;
  c->bg_relearn = relearn_v;      /* at 25 frames a second (train_fps 0) */
  c->static_chroma = chroma_v;
  /* the cell's mean: the background below is a sharp step, which the
   * blurred frames match only to within a thin line along it (a learned
   * background is blurred as they are); a window of 4 px reads that line
   * at 0.018, above the checks' 0.01 for a quiet picture */
  c->static_window = 0;
}

/* frame [3, H, W]: the scene in colour, or gray (luma); with obj, a
 * bright square (0.9) lies at rows 4-7, columns 4-7 */
static void
lawn (float *frame, int gray, int obj)
{
  static const float a[3] = { 0.6f, 0.5f, 0.4f }, b[3] = { 0.2f, 0.7f, 0.3f };
  for (int p = 0; p < HW; p++) {
    const float *c = p % W < 3 * W / 4 ? a : b;
    int y = p / W, x = p % W;
    for (int k = 0; k < 3; k++) {
      float v = gray ? 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2] : c[k];
      frame[k * HW + p] = obj && y >= 4 && y < 8 && x >= 4 && x < 8 ? 0.9f : v;
    }
  }
}

/* static_raw [n] and switched [n] over the sequence: 4 colour frames, 16
 * gray ones (an object left from the 12th on), 6 colour ones */
static int
day_night (float relearn, float *st, int *sw)
{
  relearn_v = relearn;
  ad_model *m = model_with (edit_colour_still);
  ad_tensor *bg = m ? ad_model_tensor (m, "bg_image") : NULL;
  ad_tensor *ss = m ? ad_model_tensor (m, "static_stats") : NULL;
  int ok = bg && ss;
  for (int p = 0; ok && p < HW; p++)
    bg->data[p] = p % W < 3 * W / 4 ? 0.5f : 0.4f;
  if (ok)
    ss->data[0] = 1.0f;           /* learned */
  ad_scorer *sc = ok ? scorer_for (m) : NULL;
  static float f[3 * HW];
  ad_score o;
  ok = ok && sc;
  for (int i = 0; ok && i < 26; i++) {
    lawn (f, i >= 4 && i < 20, i >= 15 && i < 20);
    ok = ad_scorer_process (sc, f, NULL, NULL, &o, NULL) == AD_OK;
    st[i] = o.static_raw;
    sw[i] = o.switched;
  }
  ad_scorer_free (sc);
  ad_model_free (m);
  CHECK (ok, "day and night scored (bg_relearn %g)", relearn);
  return ok;
}

static void
test_colour_switch (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.bg_relearn == 2.0f, "default bg_relearn %g", d.bg_relearn);
  float st[26], st0[26];
  int sw[26], sw0[26];
  if (!day_night (0.2f, st, sw) || !day_night (0.0f, st0, sw0))
    return;
  for (int i = 0; i < 26; i++) {
    int want = i == 3 + AD_MODE_FRAMES ? 1 : i == 19 + AD_MODE_FRAMES ? -1 : 0;
    CHECK (sw[i] == want && sw0[i] == want, "frame %d: switched %d / %d, "
        "want %d", i, sw[i], sw0[i], want);
  }
  /* the first gray frame differs from the one before: moving, not still */
  CHECK (st[3] < 0.01f && st[5] > 0.05f, "day %g, second gray frame %g",
      st[3], st[5]);
  /* re-learning (5 frames at 25 a second): muted, then the gray scene */
  for (int i = 3 + AD_MODE_FRAMES; i < 15; i++)
    CHECK (st[i] < 0.01f, "night, frame %d: %g", i, st[i]);
  CHECK (st[16] > 0.05f, "night: a left object %g", st[16]);
  CHECK (st[25] < 0.01f, "day again: %g", st[25]);
  for (int i = 4 + AD_MODE_FRAMES; i < 15; i++)
    CHECK (st0[i] > 0.05f, "bg_relearn 0, night, frame %d: %g", i, st0[i]);
}

/* A still object as bright as the ground, in another colour: colour
 * models see it by its chromaticity against the learned background's
 * (static_chroma); 0 sees brightness only.  A white-balance tint of the
 * whole picture moves every pixel's chromaticity alike and reads far
 * less.  The background, gray and chromaticity, is learned from lawn
 * frames by ad_model_learn_motion. */

/* static_raw after 4 still frames of the lawn with (obj) a square of the
 * ground's brightness in blue filling the cell at rows 8-15, columns
 * 8-15, or (tint) the whole lawn with red up 10% and blue down 10%. */
static float
colour_still (float weight, int obj, int tint)
{
  chroma_v = weight;
  relearn_v = 2.0f;
  ad_model *m = model_with (edit_colour_still);
  size_t fs = m ? (size_t) ad_config_in_channels (ad_model_config (m)) * HW
      : 0;
  float *frames = calloc (8 * fs + 1, sizeof (float));  /* [8, fs] */
  ad_error err = { { 0 } };
  int ok = m && frames;
  for (int i = 0; ok && i < 8; i++)
    lawn (frames + i * fs, 0, 0);
  ok = ok && ad_model_learn_motion (m, frames, 8, NULL, &err) == AD_OK;
  const ad_tensor *tc = ok ? ad_model_tensor (m, "bg_chroma") : NULL;
  CHECK (tc && fabsf (tc->data[0] - 0.4f) < 0.02f &&
      fabsf (tc->data[HW] - 1.0f / 3.0f) < 0.02f,
      "learned chromaticity %g, %g", tc ? tc->data[0] : -1.0f,
      tc ? tc->data[HW] : -1.0f);
  ad_scorer *sc = ok ? scorer_for (m) : NULL;
  float f[3 * HW], st = -1.0f;
  ad_score o;
  lawn (f, 0, 0);
  for (int p = 0; p < HW; p++) {
    int y = p / W, x = p % W;
    if (obj && y >= 8 && y < 16 && x >= 8 && x < 16) {
      f[p] = 0.3f;              /* mean 0.5 as the ground's */
      f[HW + p] = 0.5f;
      f[2 * HW + p] = 0.7f;
    }
    if (tint) {
      f[p] *= 1.1f;
      f[2 * HW + p] *= 0.9f;
    }
  }
  for (int i = 0; sc && i < 4; i++) {
    ok = ad_scorer_process (sc, f, NULL, NULL, &o, NULL) == AD_OK;
    st = ok ? o.static_raw : -1.0f;
  }
  ad_scorer_free (sc);
  ad_model_free (m);
  free (frames);
  CHECK (st >= 0.0f, "colour still scored (weight %g)", weight);
  return st;
}

static void
test_colour_change (void)
{
  ad_config d;
  ad_config_default (&d);
  CHECK (d.static_chroma == 1.0f, "default static_chroma %g",
      d.static_chroma);
  float on = colour_still (1.0f, 1, 0), off = colour_still (0.0f, 1, 0);
  float none = colour_still (1.0f, 0, 0), tint = colour_still (1.0f, 0, 1);
  CHECK (on > 0.02f, "a blue square as bright as the ground: %g", on);
  CHECK (off < 0.2f * on, "the same with static_chroma 0: %g (on %g)", off,
      on);
  CHECK (none < 0.1f * on, "the lawn alone: %g (square %g)", none, on);
  CHECK (tint < 0.3f * on, "the lawn tinted: %g (square %g)", tint, on);
}

int
main (void)
{
  test_blur ();
  test_quantile_topk ();
  test_tail_quantile ();
  test_hist_floor ();
  test_motion_cells ();
  test_identical ();
  test_blob ();
  test_resid_blur ();
  test_gain ();
  test_map_defaults ();
  test_learned_gain ();
  test_fusion ();
  test_calibrated ();
  test_buffers ();
  test_calibrate ();
  test_window ();
  test_gate ();
  test_gate_floor ();
  test_shadow ();
  test_outside ();
  test_static_clear ();
  test_static_window ();
  test_map_static ();
  test_colour_switch ();
  test_colour_change ();
  return check_report ("test-score");
}
