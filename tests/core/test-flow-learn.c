/* test-flow-learn.c - what a small model learns from normal footage
 * (ad_model_learn_motion) and how it reads new footage against it: the
 * normal motion patterns and their novelty (ad-flow.c), with the window
 * of pairs, a reversal, save and load, calibration, the patterns shared
 * between cells (flow_spread_vectors), recurring (flow_recur,
 * flow_recur_bins), the rarest left out (flow_trim), where nobody moves
 * (flow_unseen) and beside swaying leaves (flow_sway); the learned
 * background and the stationary change (ad-static.c), with its normal
 * level (static_normal).  The frames and the small model are shared
 * (flow-util.h). */
#include "flow-util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The highest cell novelty after the square visits x[0..n-1] on row y
 * while the camera sits at cx[0..n-1] (NULL: still), for vectors averaged
 * over win pairs. */
static float
novelty_path (ad_model *m, const float *x, const float *cx, int n, float y,
    int win)
{
  ad_tensor *d = ad_model_tensor (m, "flow_dist");
  ad_tensor *s = ad_model_tensor (m, "flow_stats");
  ad_flow *f = NULL;
  float a[HW], nov[(W / CELL) * (H / CELL)];
  if (ad_flow_new (H, W, CELL, &f, NULL) != AD_OK)
    return -1.0f;
  for (int i = 0; i < n; i++) {
    render (a, x[i], y, cx ? cx[i] : 0.0f, 0, 1.0f);
    ad_flow_push (f, a, 1, 1);
  }
  ad_flow_novelty (f, d->data, ad_model_config (m)->flow_bins,
      ad_model_config (m)->flow_range, s->data[0], 0.0f, win, nov);
  float mx = 0.0f;
  for (int c = 0; c < ad_flow_n_cells (f); c++)
    mx = fmaxf (mx, nov[c]);
  ad_flow_free (f);
  return mx;
}

/* The highest cell novelty after the square moves from x0 to x1 on row y
 * (one pair). */
static float
novelty_of (ad_model *m, float x0, float x1, float y)
{
  const float x[2] = { x0, x1 };
  return novelty_path (m, x, NULL, 2, y, 1);
}

static void
test_patterns (void)
{
  enum { N = 200 };
  ad_model *m = small_model ();
  float *fr = normal_frames (N);
  if (!m || !fr)
    goto out;
  ad_error err = { { 0 } };
  CHECK (ad_model_learn_motion (m, fr, 1, NULL, &err) == AD_ERR_ARG,
      "one frame is refused");
  CHECK (ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
      err.msg);
  ad_tensor *s = ad_model_tensor (m, "flow_stats");
  CHECK (s && s->data[1] == 1.0f && s->data[0] > 0.0f, "learned, noise %g",
      s ? s->data[0] : -1.0f);

  float normal = novelty_of (m, 20.0f, 21.0f, 18.0f);
  float back = novelty_of (m, 21.0f, 20.0f, 18.0f);
  float fast = novelty_of (m, 18.0f, 21.0f, 18.0f);
  float off = novelty_of (m, 20.0f, 21.0f, 34.0f);
  float still = novelty_of (m, 20.0f, 20.0f, 18.0f);
  printf ("novelty: normal %.3f, wrong way %.3f, 3x speed %.3f, off the "
      "band %.3f, standing %.3f\n", normal, back, fast, off, still);
  CHECK (normal < 0.3f, "normal motion novelty %g", normal);
  CHECK (still == 0.0f, "standing novelty %g", still);
  CHECK (back >= 0.45f && back > 3.0f * normal, "wrong way %g", back);
  CHECK (fast >= 0.45f && fast > 3.0f * normal, "fast %g", fast);
  CHECK (off > 0.3f && off > 3.0f * normal, "off the band %g", off);

  /* changes of motion: the learned threshold is the 99th percentile of the
   * changes on normal footage (large here: the square entering and leaving
   * cells changes their vectors); a reversal (right, then left) exceeds it
   * and raises the novelty only when the change is scored */
  CHECK (s->count >= 4 && s->data[3] > 0.0f && s->data[3] < 2.0f,
      "normal change of motion %g px/frame", s->data[3]);
  {
    ad_flow *f = NULL;
    float a[HW], b[HW], c[HW], nov[(W / CELL) * (H / CELL)];
    ad_tensor *d = ad_model_tensor (m, "flow_dist");
    float with = 0.0f, without = 0.0f;
    CHECK_OK (ad_flow_new (H, W, CELL, &f, NULL));
    for (int scored = 0; f && scored < 2; scored++) {
      ad_flow_reset (f);
      render (a, 20.0f, 18.0f, 0, 0, 1.0f);
      render (b, 22.0f, 18.0f, 0, 0, 1.0f);
      render (c, 20.0f, 18.0f, 0, 0, 1.0f);
      ad_flow_push (f, a, 1, 1);
      ad_flow_push (f, b, 1, 1);
      ad_flow_push (f, c, 1, 1);
      ad_flow_novelty (f, d->data, ad_model_config (m)->flow_bins,
          ad_model_config (m)->flow_range, s->data[0], scored ? s->data[3] : 0.0f, 1, nov);
      for (int k = 0; k < ad_flow_n_cells (f); k++)
        *(scored ? &with : &without) = fmaxf (scored ? with : without,
            nov[k]);
    }
    printf ("reversal: novelty %.3f without the change cue, %.3f with it "
        "(normal change %.3f)\n", without, with, s->data[3]);
    CHECK (with > without + 0.3f, "reversal %g vs %g", with, without);
    ad_flow_free (f);
  }

  /* averaged over three pairs (the default window): a steady walk back
   * is novel, a normal walk is not, and two frames are too few to say */
  {
    const float back3[4] = { 24.0f, 23.0f, 22.0f, 21.0f };
    const float fwd3[4] = { 20.0f, 21.0f, 22.0f, 23.0f };
    int win = ad_model_config (m)->flow_window;
    const float jump[4] = { 0.0f, 0.0f, 2.0f, 2.0f };
    float b3 = novelty_path (m, back3, NULL, 4, 18.0f, win);
    float n3 = novelty_path (m, fwd3, NULL, 4, 18.0f, win);
    float short2 = novelty_path (m, back3, NULL, 2, 18.0f, win);
    float shaken = novelty_path (m, back3, jump, 4, 18.0f, win);
    printf ("window %d: wrong way %.3f, normal %.3f, two frames %.3f, "
        "camera jumped 2 px %.3f\n", win, b3, n3, short2, shaken);
    CHECK (win == 3, "default window %d", win);
    CHECK (b3 >= 0.45f && b3 > 3.0f * n3, "wrong way over the window %g "
        "vs %g", b3, n3);
    CHECK (short2 == 0.0f, "one pair scored with a window of 3: %g", short2);
    CHECK (shaken == 0.0f, "a pair with the camera jumping is not scored: "
        "%g", shaken);
  }

  /* the patterns survive a save and load */
  char path[] = "/tmp/ad-test-flow-XXXXXX";
  int fd = mkstemp (path);
  if (fd >= 0)
    close (fd);
  ad_model *m2 = NULL;
  CHECK (ad_model_save (m, path, &err) == AD_OK &&
      ad_model_load (path, &m2, &err) == AD_OK, "%s", err.msg);
  if (m2) {
    ad_tensor *a = ad_model_tensor (m, "flow_dist");
    ad_tensor *b = ad_model_tensor (m2, "flow_dist");
    CHECK (a && b && a->count == b->count &&
        memcmp (a->data, b->data, a->count * sizeof (float)) == 0,
        "flow_dist round trip");
    CHECK (fabsf (novelty_of (m2, 21.0f, 20.0f, 18.0f) - back) <
        1e-6f, "same novelty after loading");
  }
  unlink (path);
  ad_model_free (m2);

  /* calibration on held-back normal footage sets the pattern spread, and
   * a wrong-way pass then scores above the threshold while normal passes
   * stay below */
  CHECK (ad_model_calibrate (m, fr, N, NULL, &err) == AD_OK, "%s", err.msg);
  CHECK (s->data[2] >= AD_FLOW_FLOOR, "pattern spread %g", s->data[2]);
  ad_scorer *sc = NULL;
  CHECK_OK (ad_scorer_new (m, &sc, NULL));
  float f[HW], worst_normal = 0.0f, best_back = 0.0f;
  ad_score o;
  for (int dir = 0; sc && dir < 2; dir++) {
    ad_scorer_reset (sc);
    for (int t = 0; t < 40; t++) {
      render (f, dir ? 43.0f - t : (float) t, 18.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
      if (dir)
        best_back = fmaxf (best_back, o.flow_raw);
      else
        worst_normal = fmaxf (worst_normal, o.flow_raw);
    }
  }
  printf ("scorer: flow_raw normal max %.3f, wrong way max %.3f\n",
      worst_normal, best_back);
  CHECK (best_back > 2.0f * worst_normal + 0.3f, "wrong way %g vs normal %g",
      best_back, worst_normal);
  ad_scorer_free (sc);
out:
  ad_free (fr);
  ad_model_free (m);
}

/* A place where nobody moves (no normal vector within flow_local cells):
 * clear motion there is flow_unseen px/frame from normal however slow,
 * while a drift within a bin of zero and normal motion stay low; without
 * the rule a slow pass there scores only its speed. */
static void
test_unseen (void)
{
  enum { N = 200 };
  float *fr = normal_frames (N);
  /* sensor noise (+-0.01), so that the noise level means something: on
   * clean frames any rounding counts as motion everywhere */
  uint32_t st = 12345;
  for (size_t i = 0; fr && i < (size_t) N * HW; i++) {
    st = st * 1664525u + 1013904223u;
    fr[i] += 0.02f * ((float) (st >> 8) / 16777216.0f - 0.5f);
  }
  /* the square in rows 0-1 of cells, the band in rows 2-3: row 0 is a
   * place where nobody moves; 0.5 px/frame, 0.15 px/frame, and the
   * normal pass */
  const float slow[4] = { 20.0f, 20.5f, 21.0f, 21.5f };
  const float drift[4] = { 20.0f, 20.15f, 20.3f, 20.45f };
  const float fwd[4] = { 20.0f, 21.0f, 22.0f, 23.0f };
  float v_slow[2] = { -1, -1 }, v_drift[2] = { -1, -1 }, v_fwd[2] = { -1, -1 };
  for (int rule = 0; fr && rule < 2; rule++) {
    ad_model *m = small_model ();
    ad_config c = *ad_model_config (m);
    CHECK (c.flow_local == 1 && c.flow_unseen == 1.5f, "defaults %d %g",
        c.flow_local, c.flow_unseen);
    c.flow_unseen = rule ? 1.5f : 0.0f;
    ad_error err = { { 0 } };
    CHECK (m && ad_model_set_scoring (m, &c, &err) == AD_OK &&
        ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
        err.msg);
    if (!m)
      continue;
    v_slow[rule] = novelty_path (m, slow, NULL, 4, 0.0f, c.flow_window);
    v_drift[rule] = novelty_path (m, drift, NULL, 4, 0.0f, c.flow_window);
    v_fwd[rule] = novelty_path (m, fwd, NULL, 4, 18.0f, c.flow_window);
    ad_model_free (m);
  }
  printf ("where nobody moves: slow pass %.3f (its speed alone %.3f), "
      "drift %.3f, normal pass %.3f\n", v_slow[1], v_slow[0], v_drift[1],
      v_fwd[1]);
  CHECK (v_slow[1] > 1.2f && v_slow[0] < 0.7f, "slow pass %g / %g",
      v_slow[1], v_slow[0]);
  CHECK (v_drift[1] < 0.5f, "drift within a bin of zero %g", v_drift[1]);
  CHECK (v_fwd[1] < 0.3f && v_fwd[0] < 0.3f, "normal pass %g / %g",
      v_fwd[1], v_fwd[0]);
  ad_free (fr);
}

/* flow_sway: training footage whose top row of cells sways (its texture
 * goes 3 px left and right and back every 12 frames, as leaves in the
 * wind) above the band the square walks right along.  A square going
 * left through the row between them, at 1 px/frame, is novel there with
 * the rule (that row borrows only the band's rightward motion), and not
 * without it (it borrows the sway's leftward vectors). */
static void
test_sway (void)
{
  enum { N = 240, ROW = CELL };
  float *fr = normal_frames (N);
  for (int i = 0; fr && i < N; i++) {
    float s = 3.0f * sinf (2.0f * 3.14159265f * (float) i / 12.0f);
    for (int y = 0; y < ROW; y++)
      for (int x = 0; x < W; x++)
        fr[(size_t) i * HW + y * W + x] = 0.9f - 0.5f * tex (1.7f * (x - s),
            1.3f * y + 40.0f);
  }
  float nov[2] = { -1.0f, -1.0f };
  for (int rule = 0; fr && rule < 2; rule++) {
    ad_model *m = small_model ();
    ad_config c = *ad_model_config (m);
    CHECK (c.flow_sway == 0.5f, "default flow_sway %g", c.flow_sway);
    c.flow_sway = rule ? 0.5f : 0.0f;
    ad_error err = { { 0 } };
    CHECK (m && ad_model_set_scoring (m, &c, &err) == AD_OK &&
        ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
        err.msg);
    ad_flow *f = NULL;
    if (!m || ad_flow_new (H, W, CELL, &f, NULL) != AD_OK) {
      ad_model_free (m);
      continue;
    }
    /* the square's middle row is 10 px down: the second row of cells */
    float a[HW], cn[(W / CELL) * (H / CELL)];
    for (int i = 0; i < 4; i++) {
      render (a, 40.0f - (float) i, 4.0f, 0, 0, 1.0f);
      ad_flow_push (f, a, 1, 1);
    }
    ad_flow_novelty (f, ad_model_tensor (m, "flow_dist")->data,
        c.flow_bins, c.flow_range,
        ad_model_tensor (m, "flow_stats")->data[0], 0.0f,
        c.flow_window, cn);
    nov[rule] = cn[cell_of (43.0f, 10.0f)];
    ad_flow_free (f);
    ad_model_free (m);
  }
  printf ("a square going left beside swaying leaves: novelty %.3f with "
      "flow_sway, %.3f without\n", nov[1], nov[0]);
  CHECK (nov[1] >= 0.45f && nov[0] >= 0.0f && nov[0] < 0.5f * nov[1],
      "flow_sway %g / %g", nov[1], nov[0]);
  ad_free (fr);
}

/* flow_spread_vectors: with few vectors per cell the patterns are shared
 * up to flow_spread cells each way (the off-band pass, two cells from the
 * band, is then seen motion); when one cell's neighbours hold enough, they
 * stay within one cell (the pass is novel). */
static void
test_auto_spread (void)
{
  enum { N = 200 };
  float *fr = normal_frames (N);
  float off[2] = { -1.0f, -1.0f };
  for (int few = 0; fr && few < 2; few++) {
    ad_model *m = small_model ();
    ad_config c = *ad_model_config (m);
    c.flow_spread = 3;
    c.flow_spread_vectors = few ? 100000000 : 1;
    ad_error err = { { 0 } };
    CHECK (m && ad_model_set_scoring (m, &c, &err) == AD_OK &&
        ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
        err.msg);
    if (m)
      off[few] = novelty_of (m, 20.0f, 21.0f, 34.0f);
    ad_model_free (m);
  }
  printf ("off the band: novelty %.3f with enough vectors, %.3f with too "
      "few\n", off[0], off[1]);
  CHECK (off[0] > 0.3f && off[1] == 0.0f, "auto spread %g / %g", off[0],
      off[1]);
  ad_free (fr);
}

/* Normal footage of n frames (normal_frames) whose pass at frame 100
 * starts with ten frames at 3 px/frame (ad_free). */
static float *
with_fast_moment (int n)
{
  float *fr = normal_frames (n);
  for (int i = 0; fr && i < 10; i++)
    render (fr + (size_t) (100 + i) * HW, 10.0f + 3.0f * i, 18.0f, 0, 0,
        1.0f);
  return fr;
}

/* *fast and *normal: the novelty of a pass at 3 and at 1 px/frame after a
 * small model learned frames [n] with flow_recur recur and flow_trim
 * trim (-1 when it could not). */
static void
learn_fast_normal (const float *frames, int n, int recur, float trim,
    float *fast, float *normal)
{
  ad_model *m = small_model ();
  ad_config c = m ? *ad_model_config (m) : (ad_config) { 0 };
  c.flow_recur = recur;
  c.flow_trim = trim;
  ad_error err = { { 0 } };
  *fast = *normal = -1.0f;
  CHECK (frames && m && ad_model_set_scoring (m, &c, &err) == AD_OK &&
      ad_model_learn_motion (m, frames, n, NULL, &err) == AD_OK, "%s",
      err.msg);
  if (frames && m) {
    *fast = novelty_of (m, 18.0f, 21.0f, 18.0f);
    *normal = novelty_of (m, 20.0f, 21.0f, 18.0f);
  }
  ad_model_free (m);
}

/* The odd moment's test, for a rule (flow_recur recur, flow_trim trim):
 * after clean footage of n frames and after the same with_fast_moment,
 * every motion seen counting and with the rule.  Seen once, the fast
 * motion's bins count as normal and its novelty falls; with the rule it
 * is as novel as after clean footage, and the normal pass stays normal. */
static void
check_odd_moment (int n, int recur, float trim, const char *rule)
{
  float *clean = normal_frames (n), *fr = with_fast_moment (n);
  /* [0]: clean footage; [1], [2]: the odd moment, without and with */
  float fast[3], normal[3];
  learn_fast_normal (clean, n, 0, 0.0f, &fast[0], &normal[0]);
  learn_fast_normal (fr, n, 0, 0.0f, &fast[1], &normal[1]);
  learn_fast_normal (fr, n, recur, trim, &fast[2], &normal[2]);
  printf ("a fast pass: novelty %.3f after clean footage, %.3f after footage "
      "holding one, %.3f with %s; normal %.3f / %.3f / %.3f\n", fast[0],
      fast[1], fast[2], rule, normal[0], normal[1], normal[2]);
  CHECK (fast[0] >= 0.0f && fast[1] < fast[0] - 0.2f,
      "seen once lowers the novelty: %g / %g", fast[1], fast[0]);
  CHECK (fabsf (fast[2] - fast[0]) < 0.05f, "%s as clean: %g / %g", rule,
      fast[2], fast[0]);
  for (int run = 0; run < 3; run++)
    CHECK (normal[run] >= 0.0f && normal[run] < 0.3f, "normal %g",
        normal[run]);
  ad_free (clean);
  ad_free (fr);
}

/* flow_recur: training footage whose normal passes (1 px/frame, every 50
 * frames) hold one odd moment, a fast pass (3 px/frame) over 10 frames;
 * flow_recur longer than that moment (flow_trim off: the rule alone). */
static void
test_recur (void)
{
  ad_model *m = small_model ();
  CHECK (m && ad_model_config (m)->flow_recur == 50, "default flow_recur");
  ad_model_free (m);
  check_odd_moment (200, 40, 0.0f, "flow_recur=40");
}

/* flow_trim's rule (ad_flow_trim_rare) on a histogram of 7 x 7 bins: a
 * common motion (a 2 x 2 block of 40 each), a rare bin beside it (1), a
 * stray far from it (1), and a pair of strays of 2 each.  3 % of the 166
 * vectors (4.98) takes the level to 1 (the two 1s, 2; with the 2s, 6,
 * over): the far stray goes, the rare bin beside the block stays; 6 %
 * (9.96) takes the 2s too, both of them (equal counts go together); 1 %
 * (1.66) none, and a neighbourhood of few vectors loses none. */
static void
test_trim_rule (void)
{
  enum { B = 7, NB = B * B };
  float cnt[NB] = { 0 }, tmp[NB];
  uint8_t seen[NB];
  cnt[2 * B + 2] = cnt[2 * B + 3] = cnt[3 * B + 2] = cnt[3 * B + 3] = 40.0f;
  cnt[4 * B + 4] = 1.0f;        /* beside the block (diagonally) */
  cnt[6 * B + 0] = 1.0f;        /* far */
  cnt[0 * B + 6] = cnt[6 * B + 6] = 2.0f;
  const float share[3] = { 0.03f, 0.06f, 0.01f };
  for (int i = 0; i < 3; i++) {
    for (int b = 0; b < NB; b++)
      seen[b] = cnt[b] > 0.0f;
    ad_flow_trim_rare (cnt, B, share[i], seen, tmp);
    int kept = 0;
    for (int b = 0; b < NB; b++)
      kept += seen[b];
    printf ("trim %.2f: far stray %d, beside %d, the 2s %d %d, common %d; "
        "%d bins kept\n", share[i], seen[6 * B], seen[4 * B + 4], seen[6],
        seen[NB - 1], seen[2 * B + 2], kept);
    CHECK (seen[2 * B + 2] && seen[3 * B + 3] && seen[4 * B + 4],
        "common bins and the one beside them kept (trim %g)", share[i]);
    CHECK (seen[6 * B] == (i == 2), "far stray (trim %g): %d", share[i],
        seen[6 * B]);
    CHECK (seen[6] == (i != 1) && seen[NB - 1] == seen[6],
        "equal counts alike (trim %g): %d %d", share[i], seen[6],
        seen[NB - 1]);
  }
  /* few vectors: each bin more than the share */
  float few[NB] = { 0 };
  few[0] = few[NB - 1] = few[3 * B + 3] = 1.0f;
  for (int b = 0; b < NB; b++)
    seen[b] = few[b] > 0.0f;
  ad_flow_trim_rare (few, B, 0.03f, seen, tmp);
  CHECK (seen[0] && seen[NB - 1] && seen[3 * B + 3], "few vectors: none "
      "trimmed");
}

/* flow_trim on footage: eight normal passes (1 px/frame), the third
 * starting with the fast moment, here a stray (as a fit on a real
 * camera's pair now and then misreads a walker), a few of the
 * neighbourhood's vectors; flow_trim leaves its rare bins out
 * (flow_recur off: the rule alone). */
static void
test_trim (void)
{
  ad_model *m = small_model ();
  CHECK (m && ad_model_config (m)->flow_trim == 0.03f, "default flow_trim");
  ad_model_free (m);
  check_odd_moment (400, 0, 0.03f, "flow_trim=0.03");
}

/* flow_recur_bins: footage whose normal passes go at neighbouring bins'
 * speeds (1 and 1.25 px/frame, 100 frames apart), each seen once, with
 * flow_recur=40.  Bin by bin (0), no speed recurs
 * and passes at those speeds are novel; with the neighbouring bins (1)
 * the two confirm each other and both are as normal as after footage
 * where once was enough (flow_recur 0).  (test_recur: a lone fast pass
 * stays novel with the default 1.) */
static void
test_recur_bins (void)
{
  enum { N = 200 };
  static const float speed[2] = { 1.0f, 1.25f };
  float *fr = ad_alloc ((size_t) N * HW);
  for (int i = 0; fr && i < N; i++) {
    int k = i / 100, t = i % 100;
    render (fr + (size_t) i * HW, t < 12 ? 8.0f + speed[k] * t : -1.0f,
        18.0f, 0, 0, 1.0f);
  }
  /* [rule][pass]: rule 0 once is enough, 1 bin by bin, 2 neighbouring
   * bins */
  float nov[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
  for (int rule = 0; fr && rule < 3; rule++) {
    ad_model *m = small_model ();
    ad_config c = m ? *ad_model_config (m) : (ad_config) { 0 };
    CHECK (c.flow_recur_bins == 1, "default flow_recur_bins %d",
        c.flow_recur_bins);
    c.flow_recur = rule ? 40 : 0;
    c.flow_recur_bins = rule == 2;
    c.flow_trim = 0.0f;
    ad_error err = { { 0 } };
    CHECK (m && ad_model_set_scoring (m, &c, &err) == AD_OK &&
        ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
        err.msg);
    for (int p = 0; m && p < 2; p++)
      nov[rule][p] = novelty_of (m, 12.0f, 12.0f + speed[p], 18.0f);
    ad_model_free (m);
  }
  printf ("passes at 1 and 1.25 px/frame, each seen once: novelty %.3f / "
      "%.3f when once is enough, %.3f / %.3f bin by bin, %.3f / %.3f with "
      "the neighbouring bins\n", nov[0][0], nov[0][1], nov[1][0], nov[1][1],
      nov[2][0], nov[2][1]);
  for (int p = 0; p < 2; p++) {
    CHECK (nov[0][p] >= 0.0f && nov[1][p] > nov[0][p] + 0.2f,
        "bin by bin, a normal pass seen once is novel: %g / %g", nov[1][p],
        nov[0][p]);
    CHECK (fabsf (nov[2][p] - nov[0][p]) < 0.01f,
        "neighbouring bins: as when once is enough: %g / %g", nov[2][p],
        nov[0][p]);
  }
  ad_free (fr);
}

/* d [HW] = x's difference to the background bg, lit by place over r cells
 * each way from engage on (ad_gain_field, ad_bg_diff), the light in gf
 * [HW]; returns the share of the light by place. */
static float
bg_diff (const float *x, const float *bg, int r, float engage, float *tmp,
    float *gf, float *d)
{
  float share = -1.0f;
  ad_gain_field (x, bg, NULL, H, W, CELL, r, engage, tmp, gf, &share);
  ad_bg_diff (x, bg, gf, H, W, d);
  return share;
}

/* The background: a per-pixel median; the difference to it tolerates
 * lighting and a shift of up to 2 px, not a new object; the scorer's
 * stationary change builds up under an object left lying and stays low
 * for the normal passer-by. */
/* The stationary change (static_raw) after 60 frames of `still` [HW]
 * that follow one of `plain` [HW], scored by m with static_people keep
 * and train_height tall, as training would have measured it; -1 when
 * no scorer could be made. */
static float
people_still (ad_model *m, float tall, float keep, const float *plain,
    const float *still)
{
  ad_config cp = *ad_model_config (m), c1 = cp;
  ad_scorer *sp = NULL;
  ad_score o;
  float v = -1.0f;
  cp.static_people = keep;
  CHECK_OK (ad_model_set_scoring (m, &cp, NULL));
  m->cfg.train_height = tall;
  CHECK_OK (ad_scorer_new (m, &sp, NULL));
  m->cfg.train_height = 0.0f;
  CHECK_OK (ad_model_set_scoring (m, &c1, NULL));
  if (!sp)
    return v;
  CHECK_OK (ad_scorer_process (sp, plain, NULL, NULL, &o, NULL));
  for (int t = 1; t <= 60; t++)
    CHECK_OK (ad_scorer_process (sp, still, NULL, NULL, &o, NULL));
  v = o.static_raw;
  ad_scorer_free (sp);
  return v;
}

static void
test_static (void)
{
  enum { N = 200 };
  /* median of 0.2 x3 and 0.8 x2 */
  ad_bg_hist *bh = ad_bg_hist_new (HW);
  float a[HW], b[HW], d[HW], tmp[HW], gf[HW];
  CHECK (bh != NULL, "histogram");
  if (!bh)
    return;
  CHECK (ad_bg_hist_median (bh, a) == 0, "no frames: no median");
  for (int i = 0; i < 5; i++) {
    for (int p = 0; p < HW; p++)
      b[p] = i < 3 ? 0.2f : 0.8f;
    ad_bg_hist_add (bh, b);
  }
  CHECK (ad_bg_hist_median (bh, a) == 1, "median");
  CHECK (fabsf (a[7] - 0.2f) < 1.0f / AD_BG_BINS, "median %g want 0.2", a[7]);
  ad_bg_hist_free (bh);

  /* lighting x1.1 and a (1, 2) px shift: small; a new object: large */
  render (a, -1.0f, 0, 0, 0, 1.0f);
  render (b, -1.0f, 0, 1.0f, 2.0f, 1.1f);
  bg_diff (b, a, 0, 0.0f, tmp, gf, d);
  float worst = 0.0f;
  for (int y = 4; y < H - 4; y++)
    for (int x = 4; x < W - 4; x++)
      worst = fmaxf (worst, d[y * W + x]);
  CHECK (worst < 0.05f, "lit and shifted background differs by %g", worst);
  /* twice as bright, clipped at white as a camera does: still small */
  render (b, -1.0f, 0, 0, 0, 2.0f);
  for (int p = 0; p < HW; p++)
    b[p] = b[p] > 1.0f ? 1.0f : b[p];
  bg_diff (b, a, 0, 0.0f, tmp, gf, d);
  worst = 0.0f;
  for (int p = 0; p < HW; p++)
    worst = fmaxf (worst, d[p]);
  CHECK (worst < 0.05f, "clipped bright background differs by %g", worst);
  render (b, 30.0f, 30.0f, 0, 0, 1.0f);
  bg_diff (b, a, 0, 0.0f, tmp, gf, d);
  {
    double in = 0.0, outside = 0.0;
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        int inside = x >= 30 && x < 42 && y >= 30 && y < 42;
        *(inside ? &in : &outside) += d[y * W + x];
      }
    in /= 144.0;
    outside /= (double) (HW - 144);
    CHECK (in > 0.03 && in > 10.0 * outside, "a new object differs by %g "
        "on average, the rest by %g", in, outside);
  }

  /* a cloud's shadow over the right part (light 1 -> 0.6 over x 36..44)
   * and the square on its dark side: one gain for the picture reads the
   * shadow as change; the light by place (3 x 3 cells) follows it and
   * keeps the square */
  render (b, 50.0f, 10.0f, 0, 0, 1.0f);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float t = x < 36 ? 0.0f : x >= 44 ? 1.0f : (x - 36) / 8.0f;
      b[y * W + x] *= 1.0f - 0.4f * t;
    }
  for (int r = 0; r <= 1; r++) {
    bg_diff (b, a, r, 0.0f, tmp, gf, d);
    double in = 0.0, shade = 0.0;
    int n_shade = 0;
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        if (x >= 50 && x < 62 && y >= 10 && y < 22)
          in += d[y * W + x];
        else if (x >= 46 && (y < 6 || y >= 26)) {
          shade += d[y * W + x];
          n_shade++;
        }
      }
    in /= 144.0;
    shade /= (double) n_shade;
    CHECK (r == 0 ? shade > 0.02 : shade < 0.01,
        "light over %d cells each way: the shadow differs by %g on average",
        r, shade);
    CHECK (r == 0 ? in < 2.0 * shade : in > 0.03 && in > 3.0 * shade,
        "light over %d cells each way: the square in the shade differs by "
        "%g (the shadow by %g)", r, in, shade);
    CHECK (fabsf (gf[5 * W + 5] - 1.0f) < 0.05f &&
        (r == 0 || fabsf (gf[40 * W + 60] - 0.6f) < 0.05f),
        "light over %d cells each way: %g in the sun, %g in the shade", r,
        gf[5 * W + 5], gf[40 * W + 60]);
  }
  /* a shade over the first column of cells only (a cloud coming in at
   * the picture's edge): the edge's light comes from the windows cut at
   * the edge, the shaded cells and one column in (half of them shaded);
   * a window moved inside the picture would give it the sun's light */
  {
    float e[HW];
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        e[y * W + x] = a[y * W + x] * (x < CELL ? 0.6f : 1.0f);
    bg_diff (e, a, 1, 0.0f, tmp, gf, d);
    CHECK (gf[20 * W + 1] < 0.85f && fabsf (gf[20 * W + 40] - 1.0f) < 0.02f,
        "a shade at the edge: light %g there, %g in the sun",
        gf[20 * W + 1], gf[20 * W + 40]);
  }
  /* light by place only while the light disagrees (light_engage): the
   * shade is 0.4 of the light away from the picture's, so from 0.15 on
   * all of the light by place, from 0.3 a third of it, from 0.5 none */
  {
    float all = bg_diff (b, a, 1, 0.15f, tmp, gf, d), sun = gf[5 * W + 5];
    CHECK (all == 1.0f && fabsf (gf[40 * W + 60] - 0.6f) < 0.05f,
        "engage 0.15: share %g, %g in the shade", all, gf[40 * W + 60]);
    float part = bg_diff (b, a, 1, 0.3f, tmp, gf, d);
    CHECK (part > 0.2f && part < 0.45f &&
        fabsf (gf[40 * W + 60] - (sun + part * (0.6f - sun))) < 0.05f,
        "engage 0.3: share %g, %g in the shade", part, gf[40 * W + 60]);
    float none = bg_diff (b, a, 1, 0.5f, tmp, gf, d);
    CHECK (none == 0.0f && gf[40 * W + 60] == gf[5 * W + 5],
        "engage 0.5: share %g, %g in the shade, %g in the sun", none,
        gf[40 * W + 60], gf[5 * W + 5]);
    /* the whole picture 1.1 times as bright and the square: the cells
     * agree, one light */
    render (b, 30.0f, 30.0f, 0, 0, 1.1f);
    none = bg_diff (b, a, 1, 0.05f, tmp, gf, d);
    CHECK (none == 0.0f && gf[36 * W + 36] == gf[5 * W + 5] &&
        fabsf (gf[5 * W + 5] - 1.1f) < 0.02f, "even light: share %g, %g "
        "on the square, %g elsewhere", none, gf[36 * W + 36], gf[5 * W + 5]);
    /* a large thing that darkens its place evenly (32 x 24 px, more than
     * half of a 3 x 3 window) reads as light, unless its pixels are left
     * out (the scorer leaves out moving pixels and those of another
     * colour) */
    uint8_t skip[HW];
    for (int p = 0; p < HW; p++) {
      int x = p % W, y = p / W, in = x >= 16 && x < 48 && y >= 16 && y < 40;
      b[p] = in ? 0.5f * a[p] : a[p];
      skip[p] = (uint8_t) in;
    }
    float lit = bg_diff (b, a, 1, 0.1f, tmp, gf, d);
    float sh = -1.0f;
    ad_gain_field (b, a, skip, H, W, CELL, 1, 0.1f, tmp, gf, &sh);
    CHECK (lit == 1.0f && sh == 0.0f, "an even dark thing: share %g, %g "
        "with its pixels left out", lit, sh);
  }

  /* the scorer: normal passes along the band, then the square left lying
   * off the band */
  ad_model *m = small_model ();
  float *fr = normal_frames (N);
  ad_scorer *sc = NULL;
  ad_error err = { { 0 } };
  if (!m || !fr)
    goto out;
  CHECK (ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
      err.msg);
  ad_tensor *ss = ad_model_tensor (m, "static_stats");
  ad_tensor *bg = ad_model_tensor (m, "bg_image");
  CHECK (ss && ss->data[0] == 1.0f, "background learned");
  render (a, -1.0f, 0, 0, 0, 1.0f);
  CHECK (bg && fabsf (bg->data[40 * W + 10] - a[40 * W + 10]) < 0.03f,
      "background %g where the picture is %g", bg->data[40 * W + 10],
      a[40 * W + 10]);
  CHECK (ad_model_calibrate (m, fr, N, NULL, &err) == AD_OK, "%s", err.msg);
  CHECK (ss->data[1] >= 0.02f, "stationary spread %g (floor 0.02)",
      ss->data[1]);
  CHECK_OK (ad_scorer_new (m, &sc, NULL));
  if (!sc)
    goto out;
  ad_score o;
  float normal = 0.0f, early = 0.0f, fifth = 0.0f, late = 0.0f, map[HW];
  for (int t = 0; t < 50; t++) {
    CHECK_OK (ad_scorer_process (sc, fr + (size_t) t * HW, NULL, NULL, &o,
            NULL));
    normal = fmaxf (normal, o.static_raw);
  }
  ad_scorer_reset (sc);
  render (a, -1.0f, 0, 0, 0, 1.0f);
  CHECK_OK (ad_scorer_process (sc, a, NULL, NULL, &o, NULL));
  render (b, 30.0f, 30.0f, 0, 0, 1.0f);
  for (int t = 1; t <= 60; t++) {
    CHECK_OK (ad_scorer_process (sc, b, NULL, map, &o, NULL));
    if (t == 2)
      early = o.static_raw;
    if (t == 5)
      fifth = o.static_raw;
    late = o.static_raw;
  }
  printf ("stationary change: normal pass max %.4f, left object after 2 "
      "frames %.4f, after 60 %.4f\n", normal, early, late);
  CHECK (late > 3.0f * early && late > 3.0f * normal + 0.01f,
      "left object %g (early %g, normal %g)", late, early, normal);
  int pk = 0;
  for (int p = 1; p < HW; p++)
    pk = map[p] > map[pk] ? p : pk;
  CHECK (pk % W >= 28 && pk % W < 44 && pk / W >= 28 && pk / W < 44,
      "map peak at (%d, %d), the object is at 30..41", pk % W, pk / W);

  /* lost frames (ad_scorer_gap) keep the change built up, and the first
   * frame after them reads no motion against the frame before the gap; a
   * reset starts the change again from zero */
  {
    ad_scorer_gap (sc, 0);
    ad_scorer_gap (NULL, 0);
    render (a, -1.0f, 0, 0, 0, 1.0f);
    CHECK_OK (ad_scorer_process (sc, b, NULL, NULL, &o, NULL));
    CHECK (o.static_raw >= 0.95f * late && o.motion_raw == 0.0f,
        "after a gap: stationary change %g (before %g), motion %g",
        o.static_raw, late, o.motion_raw);
    ad_scorer_gap (sc, 0);
    CHECK_OK (ad_scorer_process (sc, a, NULL, NULL, &o, NULL));
    CHECK (o.motion_raw == 0.0f, "the square went during a gap: motion %g",
        o.motion_raw);
    CHECK_OK (ad_scorer_process (sc, b, NULL, NULL, &o, NULL));
    CHECK (o.motion_raw > 0.0f, "the square came back: motion %g",
        o.motion_raw);
    ad_scorer_reset (sc);
    CHECK_OK (ad_scorer_process (sc, b, NULL, NULL, &o, NULL));
    CHECK (o.static_raw < 0.1f * late, "after a reset: stationary change "
        "%g (before %g)", o.static_raw, late);
    for (int t = 0; t < 60; t++)
      CHECK_OK (ad_scorer_process (sc, b, NULL, NULL, &o, NULL));
  }

  /* static_rise: over 5 frames instead of 25 (a camera at 5 frames a
   * second), the change has risen 1 - 0.8^5 = 67% of the way by the fifth
   * frame instead of 1 - 0.96^5 = 18% */
  {
    ad_config cr = *ad_model_config (m), c1 = cr;
    ad_scorer *sr = NULL;
    float fast = 0.0f;
    cr.static_rise = 5.0f;
    CHECK_OK (ad_model_set_scoring (m, &cr, NULL));
    CHECK_OK (ad_scorer_new (m, &sr, NULL));
    CHECK_OK (ad_model_set_scoring (m, &c1, NULL));
    if (sr) {
      CHECK_OK (ad_scorer_process (sr, a, NULL, NULL, &o, NULL));
      for (int t = 1; t <= 5; t++) {
        CHECK_OK (ad_scorer_process (sr, b, NULL, NULL, &o, NULL));
        fast = o.static_raw;
      }
    }
    printf ("stationary change after 5 frames: %.4f rising over 25 frames, "
        "%.4f over 5 (%.4f after 60)\n", fifth, fast, late);
    CHECK (fast > 2.5f * fifth && fast > 0.5f * late, "static_rise 5: %g "
        "after 5 frames, %g with 25 (%g after 60)", fast, fifth, late);
    ad_scorer_free (sr);
  }

  /* static_people: the left square (12 px tall) counts in full while the
   * things that move stand 40 px tall (a bag beside people) or nothing
   * is measured; as tall as they (12 px) it is a person standing, and
   * keeps the share static_people says of its change */
  {
    static const float tall[4] = { 0.0f, 40.0f, 12.0f, 12.0f };
    static const float keep[4] = { 0.0f, 0.0f, 0.0f, 0.5f };
    float got[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    for (int k = 0; k < 4; k++)
      got[k] = people_still (m, tall[k], keep[k], a, b);
    printf ("static_people 0: a square 12 px tall lying still %.4f (people "
        "not measured), %.4f (people 40 px tall), %.4f (people 12 px "
        "tall), %.4f with static_people 0.5 (default scoring %.4f)\n",
        got[0], got[1], got[2], got[3], late);
    CHECK (fabsf (got[0] - late) < 1e-6f && fabsf (got[1] - late) < 1e-6f,
        "a square smaller than people: %g, %g (%g)", got[0], got[1], late);
    CHECK (got[2] < 0.05f * late, "a square as tall as people: %g (%g)",
        got[2], late);
    CHECK (got[3] > 0.3f * late && got[3] < 0.7f * late, "half of it: %g "
        "(%g)", got[3], late);
    /* a person as two pieces, 12 and 3 px tall, the small one just below
     * the other (legs apart from a coat) counts with it; the same small
     * piece well below it is something else and counts */
    float split[2] = { -1.0f, -1.0f };
    static const int gap[2] = { 3, 9 };
    for (int k = 0; k < 2; k++) {
      float c[HW];
      render (c, -1.0f, 0, 0, 0, 1.0f);
      for (int y = 16; y < 28; y++)
        for (int x = 30; x < 38; x++)
          c[y * W + x] = 0.95f;
      for (int y = 28 + gap[k]; y < 31 + gap[k]; y++)
        for (int x = 33; x < 36; x++)
          c[y * W + x] = 0.95f;
      split[k] = people_still (m, 12.0f, 0.0f, a, c);
    }
    printf ("static_people 0: a piece 3 px tall %d px below people %.4f, "
        "%d px below %.4f\n", gap[0], split[0], gap[1], split[1]);
    CHECK (split[0] >= 0.0f && split[0] < 0.1f * split[1], "a piece beside "
        "people %g, away from them %g", split[0], split[1]);
  }

  /* static_hold: the left square, covered for 3 frames by something that
   * moves all over (a passer-by: a patch whose pixels change every frame),
   * keeps its change with the option; without it, or when it had lain
   * there for 5 frames only (less than two seconds, 2 x static_rise),
   * the change starts again from nothing once the patch has gone */
  {
    float after[3] = { -1.0f, -1.0f, -1.0f }, young = -1.0f, c[HW];
    uint32_t s = 12345u;
    for (int k = 0; k < 3; k++) {
      ad_config ch = *ad_model_config (m), c1 = ch;
      ad_scorer *sh = NULL;
      const int t0 = k == 2 ? 6 : 61;   /* covered from t0 to t0 + 2 */
      ch.static_hold = k > 0;
      CHECK_OK (ad_model_set_scoring (m, &ch, NULL));
      CHECK_OK (ad_scorer_new (m, &sh, NULL));
      CHECK_OK (ad_model_set_scoring (m, &c1, NULL));
      if (!sh)
        continue;
      CHECK_OK (ad_scorer_process (sh, a, NULL, NULL, &o, NULL));
      for (int t = 1; t <= t0 + 3; t++) {
        memcpy (c, b, sizeof c);
        for (int y = 28; t >= t0 && y < 44; y++)
          for (int x = 28; t < t0 + 3 && x < 44; x++) {
            s = s * 1664525u + 1013904223u;
            c[y * W + x] = (float) (s >> 8) / 16777216.0f;
          }
        CHECK_OK (ad_scorer_process (sh, c, NULL, NULL, &o, NULL));
        if (t == t0 - 1 && k == 2)
          young = o.static_raw;
      }
      after[k] = o.static_raw;
      ad_scorer_free (sh);
    }
    printf ("static_hold: the square a frame after a passer-by covered it "
        "%.4f without, %.4f with (%.4f before); after 5 frames lying "
        "%.4f, covered %.4f\n", after[0], after[1], late, young, after[2]);
    CHECK (after[1] > 0.8f * late && after[0] >= 0.0f &&
        after[0] < 0.3f * late, "covered square: %g without static_hold, "
        "%g with (%g)", after[0], after[1], late);
    CHECK (young > 0.0f && after[2] >= 0.0f && after[2] < 0.5f * young,
        "a square lying 5 frames: %g, covered %g", young, after[2]);
  }

  /* static_absorb: what lies still long enough joins the stream's
   * background, and a reset forgets it */
  {
    ad_config ca = *ad_model_config (m), c1 = ca;
    ad_scorer *sa = NULL;
    ca.static_absorb = 30;
    CHECK_OK (ad_model_set_scoring (m, &ca, NULL));
    CHECK_OK (ad_scorer_new (m, &sa, NULL));
    CHECK_OK (ad_model_set_scoring (m, &c1, NULL));
    float mid = 0.0f, end = 0.0f, again = 0.0f;
    for (int pass = 0; sa && pass < 2; pass++) {
      ad_scorer_reset (sa);
      CHECK_OK (ad_scorer_process (sa, a, NULL, NULL, &o, NULL));
      for (int t = 1; t <= 80; t++) {
        CHECK_OK (ad_scorer_process (sa, b, NULL, NULL, &o, NULL));
        if (pass == 0 && t == 25)
          mid = o.static_raw;
        if (pass == 0 && t == 80)
          end = o.static_raw;
        if (pass == 1 && t == 25)
          again = o.static_raw;
      }
    }
    CHECK (mid > 0.5f * early + 0.005f && end < 0.2f * mid, "absorbed after "
        "30 frames: %g at 25 frames, %g at 80", mid, end);
    CHECK (fabsf (again - mid) < 1e-6f, "after a reset the object is a "
        "change again: %g vs %g", again, mid);
    ad_scorer_free (sa);
    /* the same set on one scorer of a model that never absorbs */
    sa = NULL;
    CHECK_OK (ad_scorer_new (m, &sa, NULL));
    ad_error e2 = { { 0 } };
    CHECK (sa && ad_scorer_set_static_absorb (sa, -1, &e2) == AD_ERR_ARG &&
        strstr (e2.msg, "static_absorb"), "bad count: %s", e2.msg);
    CHECK (ad_scorer_set_static_absorb (NULL, 5, NULL) == AD_ERR_ARG,
        "no scorer");
    CHECK_OK (sa ? ad_scorer_set_static_absorb (sa, 30, NULL) : AD_ERR_ARG);
    float end2 = -1.0f;
    if (sa) {
      CHECK_OK (ad_scorer_process (sa, a, NULL, NULL, &o, NULL));
      for (int t = 1; t <= 80; t++) {
        CHECK_OK (ad_scorer_process (sa, b, NULL, NULL, &o, NULL));
        end2 = o.static_raw;
      }
    }
    CHECK (fabsf (end2 - end) < 1e-6f, "per-scorer absorb: %g vs %g", end2,
        end);
    ad_scorer_free (sa);
  }

  /* what a scorer skips (the gates without a map, the stationary change
   * at weight 0) changes no score: the same frames with and without a map
   * give the same scores, and at weight 0 every other part is unchanged */
  {
    ad_scorer *s2 = NULL, *s3 = NULL;
    ad_config c1 = *ad_model_config (m), c0 = c1;
    CHECK_OK (ad_scorer_new (m, &s2, NULL));
    c0.static_weight = 0.0f;     /* a scorer keeps the settings it began with */
    CHECK_OK (ad_model_set_scoring (m, &c0, NULL));
    CHECK_OK (ad_scorer_new (m, &s3, NULL));
    CHECK_OK (ad_model_set_scoring (m, &c1, NULL));
    ad_scorer_reset (sc);
    int same = 1, rest = 1, zero = 1;
    for (int t = 0; s2 && s3 && t < 80; t++) {
      const float *f = t < 40 ? fr + (size_t) t * HW : b;
      ad_score o2, o3;
      CHECK_OK (ad_scorer_process (sc, f, NULL, map, &o, NULL));
      CHECK_OK (ad_scorer_process (s2, f, NULL, NULL, &o2, NULL));
      CHECK_OK (ad_scorer_process (s3, f, NULL, NULL, &o3, NULL));
      same &= o.score == o2.score && o.static_raw == o2.static_raw;
      rest &= o.motion_raw == o3.motion_raw && o.flow_raw == o3.flow_raw;
      zero &= o3.static_raw == 0.0f;
    }
    CHECK (same, "scores differ with and without a map");
    CHECK (rest && zero, "static_weight 0: other parts unchanged %d, "
        "stationary part 0 %d", rest, zero);
    ad_scorer_free (s2);
    ad_scorer_free (s3);
  }
out:
  ad_scorer_free (sc);
  ad_free (fr);
  ad_model_free (m);
}

/* A burned-in clock in the top right corner (16 x 8 px, two cells): its
 * "digits", 4 x 4 px blocks dark or light by a hash of their place and
 * the tick, change with tick and lie still in between. */
static void
draw_clock (float *f, int tick)
{
  for (int y = 0; y < 8; y++)
    for (int x = W - 16; x < W; x++) {
      uint32_t h = (uint32_t) (x / 4 + 16 * (y / 4)) + 64u * (uint32_t) tick;
      h = (h ^ (h >> 16)) * 0x7feb352du;
      h = (h ^ (h >> 15)) * 0x846ca68bu;
      h ^= h >> 16;
      f[y * W + x] = h & 1u ? 0.9f : 0.1f;
    }
}

/* static_normal: the clock shows a new time in the held-back footage as
 * in the test, so its cells' stationary change is normal there and is
 * subtracted; an object left elsewhere still builds up. */
static void
test_static_normal (void)
{
  enum { N = 200 };
  ad_model *m = small_model ();
  float *fr = normal_frames (3 * N);
  ad_scorer *sc[2] = { NULL, NULL };
  ad_error err = { { 0 } };
  float a[HW];
  if (!m || !fr)
    goto out;
  /* learning (N frames) and calibration (2N) see different times (ticks
   * of 25 frames) */
  for (int i = 0; i < 3 * N; i++)
    draw_clock (fr + (size_t) i * HW, (i < N ? 0 : 1000) + i / 25);
  CHECK (ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
      err.msg);
  float spread[2] = { 0.0f, 0.0f };
  for (int k = 0; k < 2; k++) {
    ad_config c = *ad_model_config (m);
    c.static_normal = k;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK (ad_model_calibrate (m, fr + (size_t) N * HW, 2 * N, NULL,
            &err) == AD_OK, "%s", err.msg);
    CHECK_OK (ad_scorer_new (m, &sc[k], NULL));
    spread[k] = ad_model_tensor (m, "static_stats")->data[1];
  }
  /* the part's spread is the change's before the normal level goes */
  CHECK (spread[0] > 0.05f && spread[1] == spread[0], "stationary spread "
      "%g, %g with static_normal", spread[0], spread[1]);
  const ad_tensor *base = ad_model_tensor (m, "static_base");
  float corner = base->data[W / CELL - 1], band = base->data[cell_of (20, 20)];
  printf ("static_normal: normal level %.4f at the clock, %.4f on the "
      "band\n", corner, band);
  CHECK (corner > 0.05f && corner > 10.0f * band, "normal level %g at the "
      "clock, %g on the band", corner, band);
  if (!sc[0] || !sc[1])
    goto out;
  /* the test: yet another time, nobody passing, then an object left */
  float clock[2] = { 0.0f, 0.0f }, left[2] = { 0.0f, 0.0f };
  ad_score o;
  for (int k = 0; k < 2; k++)
    for (int t = 0; t < 150; t++) {
      render (a, t < 75 ? -1.0f : 30.0f, 30.0f, 0, 0, 1.0f);
      draw_clock (a, 5000 + t / 25);
      CHECK_OK (ad_scorer_process (sc[k], a, NULL, NULL, &o, NULL));
      if (t < 75)
        clock[k] = fmaxf (clock[k], o.static_raw);
      else
        left[k] = o.static_raw;
    }
  printf ("static_normal 0 / 1: clock %.4f / %.4f, left object %.4f / "
      "%.4f\n", clock[0], clock[1], left[0], left[1]);
  CHECK (clock[0] > 0.05f && clock[1] < 0.25f * clock[0], "the clock reads "
      "%g, %g with its normal level out", clock[0], clock[1]);
  /* the object alone reads about 0.022 after 60 frames (test_static):
   * without static_normal the clock's change outweighs it, with it the
   * object outweighs what is left of the clock's */
  CHECK (left[1] > 0.015f && left[1] > 1.5f * clock[1] &&
      clock[0] > 1.5f * left[1] && left[0] >= left[1], "left object %g "
      "(%g without static_normal), clock %g (%g without)", left[1], left[0],
      clock[1], clock[0]);
out:
  ad_scorer_free (sc[0]);
  ad_scorer_free (sc[1]);
  ad_model_free (m);
  ad_free (fr);
}

int
main (void)
{
  test_patterns ();
  test_auto_spread ();
  test_recur ();
  test_recur_bins ();
  test_trim_rule ();
  test_trim ();
  test_unseen ();
  test_sway ();
  test_static ();
  test_static_normal ();
  return check_report ("test-flow-learn");
}
