/* test-flow-scorer.c - the scorer's motion rules on a model that has
 * learned and been calibrated on normal footage (learned_model): the
 * heatmap (the moving object's silhouette, neighbouring cells,
 * map_track), the running means (flow_smooth, flow_track, flow_release),
 * busy frames (flow_busy), the wandering, lost frames (ad_flow_gap,
 * ad_scorer_gap) and regions left out.  The frames and the small model are
 * shared (flow-util.h). */
#include "flow-util.h"

#include <stdlib.h>
#include <string.h>

/* small_model with its motion patterns and background learned from, and
 * calibrated on, normal_frames (N_LEARN); *frames gets them (ad_free). */
enum { N_LEARN = 200 };
static ad_model *
learned_model (float **frames)
{
  ad_model *m = small_model ();
  float *fr = normal_frames (N_LEARN);
  ad_error err = { { 0 } };
  *frames = fr;
  if (m && fr) {
    CHECK (ad_model_learn_motion (m, fr, N_LEARN, NULL, &err) == AD_OK,
        "%s", err.msg);
    CHECK (ad_model_calibrate (m, fr, N_LEARN, NULL, &err) == AD_OK, "%s",
        err.msg);
  }
  return m;
}

/* With a learned background the heatmap paints a moving object where it
 * is (its difference to the background), where the frame difference
 * alone also paints where it was: the share of the map on a flat square
 * moving down off the band, with the background and without it. */
static void
test_gate_silhouette (void)
{
  enum { S = 12 };
  float *fr, f[HW], map[HW];
  ad_model *m = learned_model (&fr);
  float share[2] = { 0.0f, 0.0f };
  if (!m || !fr)
    goto out;
  ad_tensor *ss = ad_model_tensor (m, "static_stats");
  for (int pass = 0; ss && pass < 2; pass++) {
    if (pass == 1)
      ss->data[0] = 0.0f;         /* no learned background */
    ad_scorer *sc = NULL;
    ad_score o;
    int y0 = 0;
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int t = 0; sc && t <= 6; t++) {
      render (f, -1.0f, 0, 0, 0, 1.0f);
      y0 = 28 + t;                /* a flat square, one pixel a frame */
      for (int y = y0; y < y0 + S; y++)
        for (int x = 30; x < 30 + S; x++)
          f[y * W + x] = 0.85f;
      CHECK_OK (ad_scorer_process (sc, f, NULL, map, &o, NULL));
    }
    ad_scorer_free (sc);
    double in = 0.0, all = 0.0;
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        all += map[y * W + x];
        if (x >= 30 && x < 30 + S && y >= y0 && y < y0 + S)
          in += map[y * W + x];
      }
    CHECK (all > 0.0, "the novel square is on the map");
    share[pass] = all > 0.0 ? (float) (in / all) : 0.0f;
  }
  printf ("heatmap share on the moving square: %.2f with the background, "
      "%.2f with the frame difference alone\n", share[0], share[1]);
  CHECK (share[0] > 0.7f && share[0] > share[1] + 0.2f, "share %g vs %g",
      share[0], share[1]);
out:
  ad_free (fr);
  ad_model_free (m);
}

/* The map paints a cell's motion-pattern novelty at map_neighbour of its
 * value (0.5 by default, at 25 frames a second) on the moving pixels of
 * its neighbouring cells (an object spans cells), never on a neighbour
 * where nothing moves; with map_neighbour 1 (a slow camera) at its full
 * value. */
static void
test_map_spread (void)
{
  float *fr, f[HW], map[HW];
  ad_model *m = learned_model (&fr);
  ad_scorer *sc = NULL;
  if (!m || !fr)
    goto out;
  CHECK (ad_model_config (m)->map_neighbour == 0.5f, "default %g",
      ad_model_config (m)->map_neighbour);
  /* every motion is novel in the cells of column 2 (x 16..23), none
   * elsewhere */
  ad_tensor *td = ad_model_tensor (m, "flow_dist");
  const int B = ad_model_config (m)->flow_bins, nb = B * B, gw = W / CELL;
  for (int k = 0; td && k < (W / CELL) * (H / CELL); k++)
    for (int b = 0; b < nb; b++)
      td->data[(size_t) k * nb + b] = k % gw == 2 && b != nb / 2 ? 1.0f :
          0.0f;
  /* own, next, still [2]: the map's largest value in the novel cells,
   * their moving neighbours and their still neighbours, with
   * map_neighbour 0.5 and 1 */
  float own[2] = { 0 }, next[2] = { 0 }, still[2] = { 0 };
  for (int run = 0; run < 2; run++) {
    ad_config c = *ad_model_config (m);
    c.map_track = 0;    /* each frame's own novelty: test_map_track */
    c.map_neighbour = run ? 1.0f : 0.5f;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    ad_score o = { 0 };
    for (int t = 0; sc && t <= 4; t++) {
      /* a square over columns 2 and 3 (x 18..29), rows 4 and 5, moving
       * right one pixel a frame */
      render (f, 18.0f + (float) t, 34.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, map, &o, NULL));
    }
    if (!sc)
      goto out;
    ad_scorer_free (sc);
    sc = NULL;
    for (int y = 32; y < 48; y++)
      for (int x = 0; x < W; x++) {
        float v = map[y * W + x];
        int col = x / CELL;
        if (col == 2)
          own[run] = fmaxf (own[run], v);
        else if (col == 3)
          next[run] = fmaxf (next[run], v);
        else if (col == 1)
          still[run] = fmaxf (still[run], v);
      }
    CHECK (o.flow_raw > 0.0f && own[run] > 0.0f, "novel cell %g, map %g",
        o.flow_raw, own[run]);
    CHECK (still[run] == 0.0f, "neighbour where nothing moves %g",
        still[run]);
  }
  CHECK (next[0] > 0.2f * own[0] && next[0] < 0.8f * own[0],
      "moving neighbour %g of %g", next[0], own[0]);
  CHECK (fabsf (next[1] - 2.0f * next[0]) < 0.01f * next[1] &&
      fabsf (own[1] - own[0]) < 1e-6f * own[0], "map_neighbour 1: "
      "neighbour %g (%g at 0.5), own %g (%g)", next[1], next[0], own[1],
      own[0]);
out:
  ad_scorer_free (sc);
  ad_free (fr);
  ad_model_free (m);
}

/* map_track: the map paints a cell's motion pattern no higher than the
 * cell's running mean.  Every motion is novel; a square moves right one
 * pixel a frame.  Its first novel frame is painted at about a quarter of
 * its own value (the mean's first step, 1/flow_smooth), a steady mover
 * nearly at it, and the map never exceeds the map of each frame's own
 * values; the frame scores do not change. */
static void
test_map_track (void)
{
  enum { T = 24 };
  float *fr, f[HW], map[HW], peak[2][T], score[2][T];
  ad_model *m = learned_model (&fr);
  if (!m || !fr)
    goto out;
  CHECK (ad_model_config (m)->map_track == 1, "default %d",
      (int) ad_model_config (m)->map_track);
  ad_tensor *td = ad_model_tensor (m, "flow_dist");
  const int B = ad_model_config (m)->flow_bins, nb = B * B;
  for (int k = 0; td && k < (W / CELL) * (H / CELL); k++)
    for (int b = 0; b < nb; b++)
      td->data[(size_t) k * nb + b] = b != nb / 2 ? 1.0f : 0.0f;
  for (int run = 0; run < 2; run++) {
    ad_config c = *ad_model_config (m);
    c.map_track = run;
    c.static_weight = 0.0f;     /* the map's motion pattern alone */
    c.wander_weight = 0.0f;
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int t = 0; t < T; t++) {
      peak[run][t] = score[run][t] = 0.0f;
      if (!sc)
        continue;
      render (f, 10.0f + (float) t, 34.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, map, &o, NULL));
      for (int p = 0; p < HW; p++)
        peak[run][t] = fmaxf (peak[run][t], map[p]);
      score[run][t] = o.score;
    }
    ad_scorer_free (sc);
  }
  int first = -1;
  float over = 0.0f, moved = 0.0f;
  for (int t = 0; t < T; t++) {
    if (first < 0 && peak[0][t] > 0.0f)
      first = t;
    over = fmaxf (over, peak[1][t] - peak[0][t]);
    moved = fmaxf (moved, fabsf (score[1][t] - score[0][t]));
  }
  CHECK (first > 0, "the square is painted (%d)", first);
  if (first > 0) {
    float r0 = peak[1][first] / peak[0][first];
    float r1 = peak[1][T - 1] / peak[0][T - 1];
    printf ("map_track: first novel frame painted at %.2f of its own "
        "value, frame %d at %.2f\n", r0, T - 1, r1);
    CHECK (r0 > 0.15f && r0 < 0.35f, "first frame %g", r0);
    CHECK (r1 > 0.85f, "steady mover %g", r1);
  }
  CHECK (over < 1e-6f && moved < 1e-6f, "above the map of its own values "
      "by %g, scores moved by %g", over, moved);
out:
  ad_free (fr);
  ad_model_free (m);
}

/* flow [n] = the motion-pattern part (flow_raw) of m scored with config
 * c on test_smooth's square, which walks the wrong way 1 px a frame for
 * 16 frames, then stands; 1 when it ran. */
static int
wrong_way_flow (ad_model *m, const ad_config *c, float *flow, int n)
{
  float f[HW];
  ad_scorer *sc = NULL;
  ad_score o;
  CHECK_OK (ad_model_set_scoring (m, c, NULL));
  CHECK_OK (ad_scorer_new (m, &sc, NULL));
  for (int t = 0; t < n; t++) {
    flow[t] = 0.0f;
    if (!sc)
      continue;
    render (f, 40.0f - (float) (t < 16 ? t : 16), 18.0f, 0, 0, 1.0f);
    CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
    flow[t] = o.flow_raw;
  }
  int ran = sc != NULL;
  ad_scorer_free (sc);
  return ran;
}

/* The frame's motion-pattern part is a running mean over flow_smooth
 * frames (each frame moves it 1/flow_smooth of the way, from 0 at a
 * reset), and the score_window median covers only the learned and
 * plain-motion parts: a square walks the wrong way for 16 frames, then
 * stands; no estimate, so the learned part is 0. */
static void
test_smooth (void)
{
  enum { T = 28 };
  float *fr, f[HW], r1[T], r4[T], mo[2][T], st[2][T], wa[2][T], fused[2][T];
  ad_model *m = learned_model (&fr);
  if (!m || !fr)
    goto out;
  CHECK (ad_model_config (m)->flow_smooth == 4.0f &&
      ad_model_config (m)->flow_release == 2.0f &&
      ad_model_config (m)->score_window == 3, "defaults %g %g %d",
      ad_model_config (m)->flow_smooth, ad_model_config (m)->flow_release,
      ad_model_config (m)->score_window);
  for (int pass = 0; pass < 2; pass++) {
    ad_config c = *ad_model_config (m);
    c.flow_smooth = pass ? 4.0f : 1.0f;
    c.flow_release = 0.0f;      /* falls as it rises */
    c.flow_track = 0;           /* the frame's largest cell over time */
    c.flow_busy = 0.0f;         /* no busy-frame correction, whose clamp at
                                 * 0 would bend the recurrence */
    c.wander_weight = 0.6f;     /* its term in the fused score below, */
    c.wander_norm = pass;       /* in px/frame, then divided by its spread */
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int t = 0; sc && t < T; t++) {
      render (f, 40.0f - (float) (t < 16 ? t : 16), 18.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
      (pass ? r4 : r1)[t] = o.flow_raw;
      mo[pass][t] = o.motion_raw;
      st[pass][t] = o.static_raw;
      wa[pass][t] = o.wander_raw;
      fused[pass][t] = o.fused_raw;
    }
    ad_scorer_free (sc);
  }
  /* the recurrence, exactly */
  float prev = 0.0f, worst = 0.0f, peak1 = 0.0f;
  for (int t = 0; t < T; t++) {
    float want = prev + (r1[t] - prev) / 4.0f;
    worst = fmaxf (worst, fabsf (r4[t] - want));
    prev = r4[t];
    peak1 = fmaxf (peak1, r1[t]);
  }
  printf ("running mean: wrong way %.3f a frame at most, mean %.3f at frame "
      "15, %.3f three frames after it stops (off by %g)\n", peak1, r4[15],
      r4[19], worst);
  CHECK (worst < 1e-6f, "running mean off by %g", worst);
  CHECK (peak1 > 0.45f && r4[15] > 0.5f * peak1, "the wrong way adds up: "
      "%g of %g", r4[15], peak1);
  CHECK (r1[19] == 0.0f && r4[19] > 0.0f && r4[19] < r4[16],
      "standing: the mean fades, %g after %g", r4[19], r4[16]);
  /* the fused score: median of the latest three fast parts (motion only
   * here) plus the motion pattern, the stationary change and the
   * wandering as they are, each divided by its spread on the calibration
   * footage (the wandering in px/frame with wander_norm 0) */
  const ad_config *c = ad_model_config (m);
  const ad_calib *cal = ad_model_calib (m);
  const ad_tensor *fs = ad_model_tensor (m, "flow_stats");
  const ad_tensor *ss = ad_model_tensor (m, "static_stats");
  const ad_tensor *ws = ad_model_tensor (m, "wander_stats");
  float s1 = cal->motion_scale, s2 = fs->data[2], s3 = ss->data[1],
      s4 = ws->data[0];
  CHECK (s4 >= 0.5f, "the wandering's spread, floored: %g", s4);
  float fast[T];
  worst = 0.0f;
  for (int pass = 0; pass < 2; pass++)
    for (int t = 0; t < T; t++) {
      fast[t] = (1.0f - c->fuse_weight) * mo[pass][t] / s1;
      float a = fast[t > 1 ? t - 2 : 0], b = fast[t > 0 ? t - 1 : 0],
          d = fast[t];
      float med = t == 0 ? d : t == 1 ? 0.5f * (b + d) :
          fmaxf (fminf (a, b), fminf (fmaxf (a, b), d));
      float want = med + c->flow_weight * (pass ? r4 : r1)[t] / s2 +
          c->static_weight * st[pass][t] / s3 +
          c->wander_weight * wa[pass][t] / (pass ? s4 : 1.0f);
      worst = fmaxf (worst, fabsf (fused[pass][t] - want) /
          fmaxf (want, 1e-3f));
    }
  CHECK (worst < 1e-5f, "fused score off by %g (relative)", worst);
  /* flow_track: per-cell running means fed by each cell's 3x3
   * neighbourhood.  The wrong-way square moves 1 px a frame, so it stays
   * in a neighbourhood and still adds up; no cell's mean can exceed the
   * running mean of the frame's largest cell */
  {
    ad_config ct = *ad_model_config (m);
    ct.flow_track = 1;
    ct.flow_release = 0.0f;
    float rt[T], over = 0.0f;
    int ran = wrong_way_flow (m, &ct, rt, T);
    for (int t = 0; t < T; t++)
      over = fmaxf (over, rt[t] - r4[t]);
    printf ("per-cell running means: %.3f at frame 15 (frame's %.3f)\n",
        rt[15], r4[15]);
    CHECK (ran && rt[15] > 0.5f * peak1 && over < 1e-5f,
        "tracked %g of %g, above the frame's mean by %g", rt[15], peak1,
        over);
  }
  /* flow_release: the running mean rises over flow_smooth frames as
   * before and falls over flow_release, so once the square stands the
   * score lets go sooner */
  {
    ad_config cr = *ad_model_config (m);
    cr.flow_track = 0;
    cr.flow_smooth = 4.0f;
    cr.flow_release = 1.5f;
    cr.flow_busy = 0.0f;
    float rr[T], off = 0.0f, back = 0.0f;
    int ran = wrong_way_flow (m, &cr, rr, T);
    for (int t = 0; t < T; t++) {
      float p = t ? rr[t - 1] : 0.0f;
      float want = p + (r1[t] - p) / (r1[t] < p ? 1.5f : 4.0f);
      off = fmaxf (off, fabsf (rr[t] - want));
      back += r1[t] < p;
    }
    printf ("released over 1.5 frames: %.3f three frames after it stops "
        "(%.3f over 4), off by %g; %g frames fell\n", rr[19], r4[19], off,
        back);
    CHECK (ran && off < 1e-6f && back >= 3.0f && rr[19] < 0.5f * r4[19] &&
        rr[15] > 0.3f * peak1, "release: %g (off by %g, %g falls), "
        "symmetric %g; moving %g", rr[19], off, back, r4[19], rr[15]);
  }
out:
  ad_free (fr);
  ad_model_free (m);
}

/* Busy frames (flow_busy): calibration stores the median number of moving
 * cells and the per-cell tail's scale (busy_stats); scoring takes
 * flow_busy x scale x ln (moving cells / median) off the motion-pattern
 * part, never below 0, when more cells move than the median.  Set by hand
 * (median 1 cell, scale 0.05), the wrong-way square's part loses exactly
 * 0.05 x ln n for a whole number n of moving cells, twice that at
 * flow_busy 2; with a median of every cell nothing is taken off. */
static void
test_busy (void)
{
  enum { T = 24 };
  float *fr, r0[T], r1[T], r2[T], rall[T];
  ad_model *m = learned_model (&fr);
  ad_tensor *b = m ? ad_model_tensor (m, "busy_stats") : NULL;
  if (!m || !fr || !b)
    goto out;
  CHECK (ad_model_config (m)->flow_busy == 2.0f, "default %g",
      ad_model_config (m)->flow_busy);
  /* one square moves: the cells it and its blurred difference reach,
   * well under half of the 48 */
  printf ("busy frames: the calibration's median %g moving cells, tail "
      "scale %g px/frame\n", b->data[0], b->data[1]);
  CHECK (b->data[0] >= 1.0f && b->data[0] < 24.0f && b->data[1] >= 0.0f,
      "busy_stats %g %g", b->data[0], b->data[1]);
  b->data[0] = 1.0f;
  b->data[1] = 0.05f;
  ad_config c = *ad_model_config (m);
  c.flow_busy = 0.0f;
  int ran = wrong_way_flow (m, &c, r0, T);
  c.flow_busy = 1.0f;
  ran &= wrong_way_flow (m, &c, r1, T);
  c.flow_busy = 2.0f;
  ran &= wrong_way_flow (m, &c, r2, T);
  b->data[0] = (float) (W / CELL * (H / CELL));
  c.flow_busy = 1.0f;
  ran &= wrong_way_flow (m, &c, rall, T);
  int checked = 0;
  float off = 0.0f, same = 0.0f;
  for (int t = 0; t < T; t++) {
    same = fmaxf (same, fabsf (rall[t] - r0[t]));
    if (r2[t] <= 0.0f)
      continue;                 /* clipped at 0: nothing to compare */
    float d1 = r0[t] - r1[t], d2 = r0[t] - r2[t];
    float n = expf (d1 / 0.05f);
    off = fmaxf (off, fabsf (n - roundf (n)) + fabsf (d2 - 2.0f * d1));
    checked += d1 > 0.0f && roundf (n) >= 2.0f;
  }
  printf ("busy frames: %d frames lowered by 0.05 x ln n (off by %g), "
      "none with the median at every cell (%g)\n", checked, off, same);
  CHECK (ran && checked >= 5 && off < 2e-3f && same == 0.0f,
      "busy correction: %d frames, off by %g, %g without", checked, off,
      same);
out:
  ad_free (fr);
  ad_model_free (m);
}

/* The wandering part: on the band where the square walks right, a square
 * pacing back and forth (1 px/frame, turning every 4 frames) travels
 * without getting anywhere, a square walking right at the same speed
 * does not.  The frame's part is the most wandering cell as a running mean
 * over flow_smooth frames; with wander_weight 0 (off; the default is 1.8)
 * it is not computed.  In the fused score it is in px/frame, or divided by
 * its spread on the calibration footage (wander_stats) with wander_norm 1.
 * With flow_sigma (default 2) each pair's path is taken less that many
 * standard errors of its vector: the pacing reads about half, the walking
 * 0. */
static void
test_wander (void)
{
  enum { T = 40 };
  float *fr, f[HW];
  ad_model *m = learned_model (&fr);
  if (!m || !fr)
    goto out;
  CHECK (ad_model_config (m)->wander_weight == 1.8f &&
      ad_model_config (m)->wander_frames == 12, "defaults %g %d",
      ad_model_config (m)->wander_weight, ad_model_config (m)->wander_frames);
  CHECK (ad_model_config (m)->wander_norm == 0, "px/frame by default");
  CHECK (ad_model_config (m)->flow_sigma == 2.0f, "flow_sigma %g",
      ad_model_config (m)->flow_sigma);
  float pace = 0.0f, walk = 0.0f, off = 0.0f, pace_early = 0.0f;
  float pace_sd = 0.0f, walk_sd = 0.0f;
  float wan[T], fnorm[T], fraw[T];
  /* runs 0-3 measure the wandering itself (flow_sigma 0); runs 4 and 5
   * pace and walk as runs 0 and 1 with the default discount of two
   * standard errors of each pair's vector */
  for (int run = 0; run < 6; run++) {
    ad_config c = *ad_model_config (m);
    c.wander_weight = run == 2 ? 0.0f : 0.6f;
    c.wander_norm = run != 3;   /* run 3: run 0 in px/frame */
    c.flow_sigma = run >= 4 ? 2.0f : 0.0f;
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int t = 0; sc && t < T; t++) {
      int ph = t % 8;       /* triangle wave: 4 frames right, 4 left */
      float x = run == 1 || run == 5 ? 10.0f + t :
          20.0f + (ph < 4 ? ph : 8 - ph);
      render (f, x, 18.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
      if (run == 0) {
        wan[t] = o.wander_raw;
        fnorm[t] = o.fused_raw;
      } else if (run == 3) {
        fraw[t] = o.fused_raw;
        continue;
      }
      float *v = run == 1 ? &walk : run == 0 ? &pace : run == 4 ? &pace_sd :
          run == 5 ? &walk_sd : &off;
      if (t >= 16)
        *v = fmaxf (*v, o.wander_raw);
      else if (run == 0 && t < 8)
        pace_early = fmaxf (pace_early, o.wander_raw);
    }
    ad_scorer_free (sc);
  }
  printf ("wandering: pacing %.3f px/frame, walking %.3f, pacing in its "
      "first 8 frames %.3f\n", pace, walk, pace_early);
  printf ("less two standard errors a pair: pacing %.3f, walking %.3f\n",
      pace_sd, walk_sd);
  CHECK (pace > 0.25f, "pacing wanders %g px/frame", pace);
  CHECK (walk < 0.1f, "walking one way does not: %g", walk);
  CHECK (pace_sd > 0.1f && pace_sd < pace - 0.05f && walk_sd <= walk,
      "discounted: pacing %g (%g without), walking %g (%g)", pace_sd, pace,
      walk_sd, walk);
  CHECK (pace_early == 0.0f, "fewer than half of the 12 pairs moved: "
      "%g", pace_early);
  CHECK (off == 0.0f, "wander_weight 0: not computed, %g", off);
  /* the same pacing with and without the division: the fused scores
   * differ by the wandering's term alone */
  const ad_tensor *ws = ad_model_tensor (m, "wander_stats");
  float s4 = ws ? ws->data[0] : 0.0f, worst = 0.0f;
  CHECK (s4 >= 0.5f && s4 != 1.0f, "spread %g", s4);
  for (int t = 0; t < T && s4 > 0.0f; t++) {
    float want = 0.6f * wan[t] * (1.0f / s4 - 1.0f);
    worst = fmaxf (worst, fabsf (fnorm[t] - fraw[t] - want));
  }
  CHECK (worst < 1e-4f, "divided by the spread: off by %g", worst);
  /* map_wander (default 0.5; files without it 1) weighs the wandering in
   * the map only: the pacing square's map alone (no motion pattern, no
   * stationary change) at half the height, the same frame scores */
  CHECK (ad_model_config (m)->map_wander == 0.5f, "map_wander %g",
      ad_model_config (m)->map_wander);
  float mpeak[2] = { 0.0f, 0.0f }, msc[2][T], map[HW];
  for (int run = 0; run < 2; run++) {
    ad_config c = *ad_model_config (m);
    c.map_wander = run ? 0.5f : 1.0f;
    c.flow_weight = 0.0f;
    c.static_weight = 0.0f;
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int t = 0; sc && t < T; t++) {
      int ph = t % 8;
      render (f, 20.0f + (ph < 4 ? ph : 8 - ph), 18.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, map, &o, NULL));
      msc[run][t] = o.score;
      for (int p = 0; p < HW; p++)
        mpeak[run] = fmaxf (mpeak[run], map[p]);
    }
    ad_scorer_free (sc);
  }
  CHECK (mpeak[0] > 0.0f && fabsf (mpeak[1] - 0.5f * mpeak[0]) <
      1e-5f * mpeak[0], "map peaks %g at 1, %g at 0.5", mpeak[0], mpeak[1]);
  for (int t = 0; t < T; t++)
    CHECK (msc[0][t] == msc[1][t], "frame %d: score %g vs %g", t,
        msc[0][t], msc[1][t]);
out:
  ad_free (fr);
  ad_model_free (m);
}

/* One frame lost (ad_flow_gap with a span of 2): a smooth blob moving
 * 1 px a frame jumps 2 px across the gap, and the pair across it reads
 * about 1 px a frame (the jump divided by the span), its window of pairs
 * going on; without the span (a restart) the frame starts a new pair and
 * reads nothing.  The scorer bridges one lost frame the same way (motion
 * goes on) and restarts after two. */
static void
test_gap_bridge (void)
{
  ad_flow *f = NULL;
  float a[HW], u[2] = { -1.0f, -1.0f }, u1 = -1.0f;
  int pairs[2] = { -1, -1 }, ready[2] = { -1, -1 };
  int k = cell_of (24.0f, 24.0f);
  for (int span = 0; span < 2; span++) {
    CHECK_OK (ad_flow_new (H, W, CELL, &f, NULL));
    if (!f)
      return;
    for (int t = 0; t < 4; t++) {
      blob (a, 21.0f + t, 24.0f);
      ad_flow_push (f, a, 1, 1);
    }
    u1 = ad_flow_vectors (f)[2 * k];
    ad_flow_gap (f, span ? 2 : 0);
    blob (a, 26.0f, 24.0f);     /* frame 5 (x = 25) lost */
    ready[span] = ad_flow_push (f, a, 1, 1);
    u[span] = ad_flow_vectors (f)[2 * k];
    pairs[span] = ad_flow_pairs (f);
    ad_flow_free (f);
  }
  printf ("one frame lost: %.3f px/frame across it (%.3f before), %d pairs "
      "in a row; restarted: %d pairs\n", u[1], u1, pairs[1], pairs[0]);
  CHECK (u1 > 0.7f && u1 < 1.3f, "1 px/frame reads %g", u1);
  CHECK (ready[1] == 1 && fabsf (u[1] - u1) < 0.25f * u1,
      "across the gap %g, before %g", u[1], u1);
  CHECK (pairs[1] == 4 && ready[0] == 0 && pairs[0] == 0,
      "pairs %d / %d, ready %d / %d", pairs[1], pairs[0], ready[1], ready[0]);

  /* the scorer: one lost frame bridged, two restart the motion */
  float *fr;
  ad_model *m = learned_model (&fr);
  for (int lost = 1; m && fr && lost <= 2; lost++) {
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int t = 0; sc && t < 6; t++) {
      render (a, 10.0f + t, 18.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, a, NULL, NULL, &o, NULL));
    }
    float before = o.motion_raw;
    ad_scorer_gap (sc, lost);
    render (a, 10.0f + 6 + lost, 18.0f, 0, 0, 1.0f);
    CHECK_OK (ad_scorer_process (sc, a, NULL, NULL, &o, NULL));
    printf ("%d lost: motion %.4f after the gap, %.4f before\n", lost,
        o.motion_raw, before);
    if (lost == 1)
      CHECK (o.motion_raw > 0.5f * before && o.motion_raw < 1.5f * before,
          "bridged: motion %g, before %g", o.motion_raw, before);
    else
      CHECK (o.motion_raw == 0.0f, "restarted: motion %g", o.motion_raw);
    ad_scorer_free (sc);
  }
  ad_free (fr);
  ad_model_free (m);
}

/* Lost frames (ad_scorer_gap) in the middle of the pacing of test_wander:
 * while the motion patterns' window refills (the frame after the gap has
 * no previous frame, the next ones too few pairs) the running means hold
 * instead of falling towards 0, and then the wandering carries on from
 * the vectors it kept from before the gap instead of waiting for half of
 * wander_frames new ones. */
static void
test_gap_holds (void)
{
  float *fr, f[HW];
  ad_model *m = learned_model (&fr);
  ad_scorer *sc = NULL;
  ad_score o;
  float before = 0.0f, held[8] = { 0 };
  if (!m || !fr)
    goto out;
  int win = ad_model_config (m)->flow_window, t = 0;
  /* the wandering as test_wander measures it, without the uncertainty
   * discount (flow_sigma 2 halves the pacing's) */
  ad_config c = *ad_model_config (m);
  c.flow_sigma = 0.0f;
  CHECK_OK (ad_model_set_scoring (m, &c, NULL));
  CHECK_OK (ad_scorer_new (m, &sc, NULL));
  for (int k = 0; sc && k < 48 + 8; k++, t++) {
    if (k == 48) {
      ad_scorer_gap (sc, 2);
      t += 2;                   /* two frames lost */
    }
    int ph = t % 8;
    render (f, 20.0f + (ph < 4 ? ph : 8 - ph), 18.0f, 0, 0, 1.0f);
    CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
    if (k < 48)
      before = o.wander_raw;
    else
      held[k - 48] = o.wander_raw;
  }
  printf ("lost frames while pacing: wandering %.3f before, %.3f %.3f "
      "%.3f while the window refills, %.3f %.3f after\n", before, held[0],
      held[1], held[2], held[3], held[7]);
  CHECK (before > 0.25f, "pacing wanders %g px/frame", before);
  for (int k = 0; k < win && k < 8; k++)
    CHECK (held[k] == before, "frame %d after the gap: %g, before %g", k,
        held[k], before);
  CHECK (held[win] > 0.5f * before && held[7] > 0.5f * before,
      "after the window refilled: %g, %g (before %g)", held[win], held[7],
      before);
  ad_scorer_free (sc);
out:
  ad_free (fr);
  ad_model_free (m);
}

/* The camera jumps 2 px (and stays there) while the square paces, as in
 * test_gap_holds: the jump's pair leaves the compensation's error in
 * every cell and no vector to compare.  With shake_hold (8 by default)
 * the frames whose motion window holds it take the cells of the frame
 * before: the plain motion and the stationary change read exactly what
 * they read before the jump and the motion pattern's running mean does
 * not fall; with shake_hold=0 the plain motion reads the jump's pair and
 * the running mean falls (no vector, no novelty). */
static void
test_shake_holds (void)
{
  float *fr, f[HW];
  ad_model *m = learned_model (&fr);
  float mo[2][3], fl[2][3], st[2][3];
  if (!m || !fr)
    goto out;
  CHECK (ad_model_config (m)->shake_hold == 8, "default %d",
      (int) ad_model_config (m)->shake_hold);
  int win = ad_model_config (m)->flow_window;
  for (int run = 0; run < 2; run++) {
    ad_config c = *ad_model_config (m);
    c.shake_hold = run ? 8 : 0;
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int k = 0; sc && k < 48 + win; k++) {
      int ph = k % 8;
      render (f, 20.0f + (ph < 4 ? ph : 8 - ph), 18.0f, k >= 48 ? 2.0f : 0,
          0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
      int i = k == 47 ? 0 : k == 48 ? 1 : k == 48 + win - 1 ? 2 : -1;
      if (i >= 0) {
        mo[run][i] = o.motion_raw;
        fl[run][i] = o.flow_raw;
        st[run][i] = o.static_raw;
      }
    }
    ad_scorer_free (sc);
  }
  printf ("the camera jumps 2 px: motion %.4f -> %.4f held, %.4f not; "
      "motion pattern %.3f -> %.3f held, %.3f not\n", mo[1][0], mo[1][1],
      mo[0][1], fl[1][0], fl[1][2], fl[0][2]);
  for (int i = 1; i < 3; i++)
    CHECK (mo[1][i] == mo[1][0] && st[1][i] == st[1][0], "held frame %d: "
        "motion %g, stationary %g; before %g, %g", i, mo[1][i], st[1][i],
        mo[1][0], st[1][0]);
  CHECK (mo[0][1] != mo[0][0], "not held: motion %g, before %g", mo[0][1],
      mo[0][0]);
  /* held, the running means stand still: fed the held cells again and
   * again they would climb towards that one frame's novelty */
  CHECK (fl[1][0] > 0.0f && fl[1][2] >= 0.9f * fl[1][0] &&
      fl[1][2] <= 1.1f * fl[1][0] && fl[0][2] < 0.8f * fl[0][0],
      "motion pattern: %g -> %g held, %g -> %g not", fl[1][0], fl[1][2],
      fl[0][0], fl[0][2]);
out:
  ad_free (fr);
  ad_model_free (m);
}

/* Regions left out: a square moving down off the band, where nothing
 * moves on normal footage, is novel (motion patterns, stationary change,
 * heatmap); with the model's ignore_mask over it every part reads 0 and
 * the map is 0 there, calibration included; a scorer's own regions
 * replace the model's (none: novel again).  Region strings parse or are
 * refused with the reason. */
static void
test_ignore (void)
{
  float *fr, f[HW], map[HW], rects[4 * 4];
  int n = -1;
  ad_error err = { { 0 } };
  CHECK (ad_regions_parse ("0,0,0.5,0.5; 0.5,0.5,0.5,0.5", rects, 4, &n,
          &err) == AD_OK && n == 2 && rects[4] == 0.5f && rects[7] == 0.5f,
      "two regions: %d %s", n, err.msg);
  CHECK (ad_regions_parse ("", rects, 4, &n, &err) == AD_OK && n == 0,
      "none");
  const char *bad[] = { "0,0,1.2,0.5", "0,0,0.5", "a", "0,0,0,0.5",
    "0.1,0.1,0.2,0.2 0.3", "0,0,.1,.1;0,0,.1,.1;0,0,.1,.1;0,0,.1,.1;"
        "0,0,.1,.1" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK (ad_regions_parse (bad[i], rects, 4, &n, &err) == AD_ERR_ARG &&
        err.msg[0], "\"%s\" accepted", bad[i]);
  ad_model *m = learned_model (&fr);
  if (!m || !fr)
    goto out;
  float flow[3] = { 0, 0, 0 }, still[3] = { 0, 0, 0 }, inmap[3] = { 0, 0, 0 };
  const float region[4] = { 0.4f, 0.5f, 0.6f, 0.5f };   /* x 25.6-64, y 24- */
  for (int run = 0; run < 3; run++) {
    /* run 0: nothing left out; 1: the model's region (calibrated with
     * it); 2: the same model, this scorer's regions: none */
    CHECK_OK (ad_model_set_ignore (m, region, run ? 1 : 0, NULL));
    CHECK (ad_model_calibrate (m, fr, N_LEARN, NULL, &err) == AD_OK, "%s",
        err.msg);
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    if (run == 2)
      CHECK_OK (ad_scorer_set_ignore (sc, NULL, 0, NULL));
    for (int t = 0; sc && t < 30; t++) {
      render (f, -1.0f, 0, 0, 0, 1.0f);
      int y0 = 28 + (t < 8 ? t : 8);  /* moves down, then lies still */
      for (int y = y0; y < y0 + 12 && y < H; y++)
        for (int x = 32; x < 44; x++)
          f[y * W + x] = 0.85f - 0.3f * tex (2.0f * x, 2.0f * y);
      CHECK_OK (ad_scorer_process (sc, f, NULL, map, &o, NULL));
      flow[run] = fmaxf (flow[run], o.flow_raw);
      still[run] = fmaxf (still[run], o.static_raw);
      for (int y = 28; y < H; y++)
        for (int x = 32; x < 44; x++)
          inmap[run] = fmaxf (inmap[run], map[y * W + x]);
    }
    ad_scorer_free (sc);
  }
  printf ("left out: motion pattern %.3f / %.3f / %.3f, stationary %.3f / "
      "%.3f / %.3f, map %.3f / %.3f / %.3f (none, the model's, the "
      "scorer's none)\n", flow[0], flow[1], flow[2], still[0], still[1],
      still[2], inmap[0], inmap[1], inmap[2]);
  CHECK (flow[0] > 0.0f && still[0] > 0.0f && inmap[0] > 0.0f,
      "novel: %g %g, map %g", flow[0], still[0], inmap[0]);
  CHECK (flow[1] == 0.0f && still[1] == 0.0f && inmap[1] == 0.0f,
      "left out: %g %g %g", flow[1], still[1], inmap[1]);
  CHECK (flow[2] > 0.0f && still[2] > 0.0f && inmap[2] > 0.0f,
      "the scorer's none: %g %g %g", flow[2], still[2], inmap[2]);
  CHECK (ad_model_set_ignore (m, NULL, 1, &err) == AD_ERR_ARG, "NULL rects");
out:
  ad_free (fr);
  ad_model_free (m);
}

int
main (void)
{
  test_gate_silhouette ();
  test_smooth ();
  test_wander ();
  test_gap_holds ();
  test_shake_holds ();
  test_gap_bridge ();
  test_ignore ();
  test_map_spread ();
  test_busy ();
  test_map_track ();
  return check_report ("test-flow-scorer");
}
