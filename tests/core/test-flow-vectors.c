/* test-flow-vectors.c - local motion per cell (ad-flow.c): the fit and its
 * scale, camera-shake and brightness compensation, refits (flow_refine,
 * in the fit and through a scorer), the light by place, a
 * vector's standard error, colour frames, the pixels of a swaying
 * shade left out of the fit, and the helpers of the patterns' learning
 * (window vector, change of vector, bins).  The frames and the small model are shared
 * with test-flow-learn.c and test-flow-scorer.c (flow-util.h). */
#include "flow-util.h"
#include "ad-score-internal.h"

#include <stdlib.h>
#include <string.h>

/* A shadow's edge over f [H, W] from row y0 down: the light falls from 1
 * at x0 to 0.6 at x0 + width, along a straight line or (bend) along half
 * a cosine, and stays at 0.6 beyond. */
static void
shade (float *f, float x0, float width, int bend, int y0)
{
  for (int y = y0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float t = (x - x0) / width;
      t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
      if (bend)
        t = 0.5f * (1.0f - cosf (3.14159265f * t));
      f[y * W + x] *= 1.0f - 0.4f * t;
    }
}

static void
test_vectors (void)
{
  ad_flow *f = NULL;
  CHECK_OK (ad_flow_new (H, W, CELL, &f, NULL));
  if (!f)
    return;
  CHECK (ad_flow_n_cells (f) == (W / CELL) * (H / CELL), "cells %d",
      ad_flow_n_cells (f));
  float a[HW], b[HW];
  /* a square moving right by 1 px: the cell at its middle reads about +1 */
  render (a, 20.0f, 18.0f, 0, 0, 1.0f);
  render (b, 21.0f, 18.0f, 0, 0, 1.0f);
  CHECK (ad_flow_push (f, a, 1, 1) == 0, "first frame has no motion");
  CHECK (ad_flow_push (f, b, 1, 1) == 1, "second frame has motion");
  const float *uv = ad_flow_vectors (f), *e = ad_flow_energy (f);
  int k = cell_of (26.0f, 24.0f), still = cell_of (56.0f, 40.0f);
  printf ("square moving right: cell (%.3f, %.3f) energy %.4f; static cell "
      "(%.3f, %.3f) energy %.4f\n", uv[2 * k], uv[2 * k + 1], e[k],
      uv[2 * still], uv[2 * still + 1], e[still]);
  CHECK (uv[2 * k] > 0.4f && uv[2 * k] < 1.6f && fabsf (uv[2 * k + 1]) <
      0.3f, "moving cell reads (%g, %g), want about (1, 0)", uv[2 * k],
      uv[2 * k + 1]);
  CHECK (fabsf (uv[2 * still]) < 0.05f && fabsf (uv[2 * still + 1]) < 0.05f
      && e[still] < 1e-4f, "static cell reads (%g, %g) energy %g",
      uv[2 * still], uv[2 * still + 1], e[still]);
  CHECK (e[k] > 100.0f * e[still] + 1e-3f, "energy %g vs %g", e[k],
      e[still]);

  /* moving up by 1 px reads v about -1 */
  ad_flow_reset (f);
  render (a, 20.0f, 18.0f, 0, 0, 1.0f);
  render (b, 20.0f, 17.0f, 0, 0, 1.0f);
  ad_flow_push (f, a, 1, 1);
  ad_flow_push (f, b, 1, 1);
  CHECK (uv[2 * k + 1] < -0.4f && fabsf (uv[2 * k]) < 0.3f, "up: (%g, %g)",
      uv[2 * k], uv[2 * k + 1]);

  /* camera shake: the whole picture moves by 1 px.  Uncompensated, every
   * textured cell moves; compensated, the residual energy is a small part
   * of it and the vectors are near zero. */
  float raw_e = 0.0f, comp_e = 0.0f, comp_v = 0.0f;
  int nc = 0;
  for (int comp = 0; comp < 2; comp++) {
    ad_flow_reset (f);
    render (a, -1.0f, 0, 0, 0, 1.0f);
    render (b, -1.0f, 0, 1.0f, 0, 1.0f);
    ad_flow_push (f, a, 1, comp);
    ad_flow_push (f, b, 1, comp);
    for (int c = 0; c < ad_flow_n_cells (f); c++) {
      float *acc = comp ? &comp_e : &raw_e;
      *acc = fmaxf (*acc, e[c]);
      if (comp) {
        comp_v += hypotf (uv[2 * c], uv[2 * c + 1]);
        nc++;
      }
    }
  }
  comp_v /= nc ? nc : 1;
  printf ("camera shake 1 px: max energy raw %.4f, compensated %.4f, mean "
      "residual vector %.3f px\n", raw_e, comp_e, comp_v);
  CHECK (comp_e < 0.35f * raw_e, "compensated energy %g vs raw %g", comp_e,
      raw_e);
  CHECK (comp_v < 0.2f, "mean residual vector %g px", comp_v);

  /* brightness change of 5 %: compensated energy stays small */
  ad_flow_reset (f);
  render (a, -1.0f, 0, 0, 0, 1.0f);
  render (b, -1.0f, 0, 0, 0, 1.05f);
  ad_flow_push (f, a, 1, 1);
  ad_flow_push (f, b, 1, 1);
  float be = 0.0f;
  for (int c = 0; c < ad_flow_n_cells (f); c++)
    be = fmaxf (be, e[c]);
  CHECK (be < 0.02f, "brightness change leaves energy %g", be);

  /* the same 5 % taken as a gain (flow_gain): the earlier frame scaled by
   * the picture's median ratio leaves no change on the still texture,
   * where the mean change taken out leaves 5 % of its contrast (a drift
   * of the light would read motion in every textured cell); the
   * residual, which pixels move, likewise */
  float ge[2], gr[2];
  for (int gain = 0; gain < 2; gain++) {
    ad_flow_reset (f);
    ad_flow_set_gain (f, gain);
    ad_flow_push (f, a, 1, 1);
    ad_flow_push (f, b, 1, 1);
    ge[gain] = gr[gain] = 0.0f;
    for (int c = 0; c < ad_flow_n_cells (f); c++)
      ge[gain] = fmaxf (ge[gain], e[c]);
    for (int p = 0; p < HW; p++)
      gr[gain] = fmaxf (gr[gain], ad_flow_residual (f)[p]);
  }
  ad_flow_set_gain (f, 0);
  printf ("brightness 5 %% up: energy %.5f, residual %.5f with the mean "
      "change out; %.6f, %.6f as a gain\n", ge[0], gr[0], ge[1], gr[1]);
  CHECK (ge[1] < 1e-4f && ge[1] < 0.1f * ge[0] && gr[1] < 0.1f * gr[0],
      "as a gain: energy %g (%g), residual %g (%g)", ge[1], ge[0], gr[1],
      gr[0]);

  /* ad_flow_shaken: the pair in which the camera moved 1 px, then one in
   * which it held still */
  ad_flow_reset (f);
  render (a, -1.0f, 0, 0, 0, 1.0f);
  render (b, -1.0f, 0, 1.0f, 0, 1.0f);
  ad_flow_push (f, a, 1, 1);
  ad_flow_push (f, b, 1, 1);
  int sh1 = ad_flow_shaken (f, 1);
  ad_flow_push (f, b, 1, 1);
  CHECK (sh1 == 1 && ad_flow_shaken (f, 1) == 0 && ad_flow_shaken (f, 2) ==
      1, "shaken: %d after the jump; %d, %d a pair later", sh1,
      ad_flow_shaken (f, 1), ad_flow_shaken (f, 2));

  /* the soft edge of a cloud's shadow drifting right by 2 px a frame
   * (light 1 -> 0.6 over 16 px) over the still texture: with one change
   * for the picture, the cells under the edge read motion; with the
   * change by place (flow_light) they read none, and the square moving
   * 1 px elsewhere still does */
  float edge_e[2], edge_v[2], sq_u[2];
  int ke = cell_of (28.0f, 36.0f), ks = cell_of (50.0f, 10.0f);
  for (int local = 0; local < 2; local++) {
    ad_flow_reset (f);
    ad_flow_set_local_light (f, local);
    for (int i = 0; i < 2; i++) {
      float *fr = i ? b : a;
      render (fr, 44.0f + (float) i, 4.0f, 0, 0, 1.0f);
      shade (fr, 20.0f + 2.0f * (float) i, 16.0f, 0, 24);
      ad_flow_push (f, fr, 1, 1);
    }
    edge_e[local] = e[ke];
    edge_v[local] = hypotf (uv[2 * ke], uv[2 * ke + 1]);
    sq_u[local] = uv[2 * ks];
  }
  printf ("a cloud's edge: energy %.4f / %.4f, vector %.3f / %.3f px "
      "(one change / by place); the square %.2f / %.2f\n", edge_e[0],
      edge_e[1], edge_v[0], edge_v[1], sq_u[0], sq_u[1]);
  CHECK (edge_e[1] < 0.35f * edge_e[0] && edge_v[1] < 0.2f * edge_v[0],
      "by place the edge reads energy %g (%g), vector %g (%g)", edge_e[1],
      edge_e[0], edge_v[1], edge_v[0]);
  CHECK (sq_u[1] > 0.4f && sq_u[1] < 1.6f, "the moving square reads %g",
      sq_u[1]);

  /* a shadow's edge that bends (light 1 -> 0.6 along half a cosine over
   * 32 px) drifting right by 2 px a frame, with the square moving 1 px
   * below it: a brightness offset per cell leaves the bend, a slope
   * across the cell that reads as texture moving with the edge; with the
   * previous frame relit to the latest one's light by place, no cell
   * under the edge moves, and the square still does */
  float bend_v = 0.0f, bend_e = 0.0f;
  ad_flow_reset (f);
  ad_flow_set_local_light (f, 1);
  for (int i = 0; i < 2; i++) {
    float *fr = i ? b : a;
    render (fr, 20.0f + (float) i, 32.0f, 0, 0, 1.0f);
    shade (fr, 16.0f + 2.0f * (float) i, 32.0f, 1, 0);
    ad_flow_push (f, fr, 1, 1);
  }
  for (int y = 0; y < 24; y += CELL)
    for (int x = 0; x < W; x += CELL) {
      int kc = cell_of ((float) x, (float) y);
      bend_v = fmaxf (bend_v, hypotf (uv[2 * kc], uv[2 * kc + 1]));
      bend_e = fmaxf (bend_e, e[kc]);
    }
  int kq = cell_of (26.0f, 38.0f);
  printf ("a bending edge by place: largest vector %.3f px, energy %.4f; "
      "the square %.2f\n", bend_v, bend_e, uv[2 * kq]);
  CHECK (bend_v < 0.06f && bend_e < 0.003f, "the bending edge reads "
      "vector %g, energy %g", bend_v, bend_e);
  CHECK (uv[2 * kq] > 0.4f && uv[2 * kq] < 1.6f, "below the edge the "
      "square reads %g", uv[2 * kq]);

  /* with the light by place, which pixels move is each pixel's own
   * residual after the picture's change: the still ground of a cell the
   * square moves in stays still (a cell's own offset, moved by the
   * square, would make the whole cell move) */
  ad_flow_reset (f);
  ad_flow_set_local_light (f, 1);
  render (a, 20.0f, 18.0f, 0, 0, 1.0f);
  render (b, 21.0f, 18.0f, 0, 0, 1.0f);
  ad_flow_push (f, a, 1, 1);
  ad_flow_push (f, b, 1, 1);
  const float *res = ad_flow_residual (f);
  float ground_r = 0.0f, square_r = 0.0f;
  for (int y = 16; y < 24; y++)
    for (int x = 16; x < 24; x++)
      if (x < 18 || y < 17)
        ground_r = fmaxf (ground_r, res[y * W + x]);
      else
        square_r = fmaxf (square_r, res[y * W + x]);
  printf ("a cell the square moves in: residual %.4f on its still ground, "
      "%.4f at the square\n", ground_r, square_r);
  CHECK (ground_r < 0.05f * square_r, "the still ground reads %g (the "
      "square %g)", ground_r, square_r);
  ad_flow_free (f);

  CHECK (ad_flow_new (2, 2, 8, &f, NULL) != AD_OK && f == NULL,
      "a 2x2 picture is refused");

  /* a smooth blob moving right by 3 px: the one-step fit at model
   * resolution reads far less; at half resolution (flow_scale 2) the move
   * is 1.5 px there and reads closer; 1 px still reads about right */
  float at[2][2];
  for (int scale = 1; scale <= 2; scale++)
    for (int fast = 0; fast < 2; fast++) {
      CHECK_OK (ad_flow_new (H, W, CELL, &f, NULL));
      if (!f)
        return;
      CHECK_OK (ad_flow_set_scale (f, scale, NULL));
      blob (a, 28.0f, 24.0f);
      blob (b, fast ? 31.0f : 29.0f, 24.0f);
      ad_flow_push (f, a, 1, 1);
      ad_flow_push (f, b, 1, 1);
      /* the mean over the four cells around the blob */
      float u = 0.0f;
      for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++)
          u += 0.25f * ad_flow_vectors (f)[2 * cell_of (24.0f + 8 * dx,
                  16.0f + 8 * dy)];
      at[scale - 1][fast] = u;
      ad_flow_free (f);
    }
  printf ("one-step fit, u of a 1 / 3 px move: %.2f / %.2f at model "
      "resolution, %.2f / %.2f at half\n", at[0][0], at[0][1], at[1][0],
      at[1][1]);
  CHECK (at[1][1] > at[0][1] + 0.3f && at[1][1] > 1.5f, "3 px: %g at half "
      "resolution, %g at full", at[1][1], at[0][1]);
  CHECK (at[1][0] > 0.6f && at[1][0] < 1.4f, "1 px at half resolution: %g",
      at[1][0]);
  CHECK_OK (ad_flow_new (H, W, CELL, &f, NULL));
  CHECK (f && ad_flow_set_scale (f, 3, NULL) == AD_ERR_ARG, "scale 3");
  ad_flow_free (f);
  CHECK_OK (ad_flow_new (H, W, 7, &f, NULL));
  CHECK (f && ad_flow_set_scale (f, 2, NULL) == AD_ERR_ARG, "odd cell");
  ad_flow_free (f);
}

/* A vector's standard error (ad_flow_variance): small where one clean
 * motion fills the cell, larger with sensor noise, and larger where two
 * motions share the cell (the square's halves moving apart). */
static void
test_variance (void)
{
  ad_flow *f = NULL;
  CHECK_OK (ad_flow_new (H, W, CELL, &f, NULL));
  if (!f)
    return;
  float a[HW], b[HW], left[HW];
  int k = cell_of (29.0f, 25.0f);
  float sd[3];
  blob (a, 28.0f, 24.0f);
  blob (left, 27.5f, 24.0f);
  for (int run = 0; run < 3; run++) {
    ad_flow_reset (f);
    blob (b, 28.5f, 24.0f);
    srand (7);
    for (int p = 0; run == 1 && p < HW; p++)
      b[p] += 0.03f * ((float) rand () / RAND_MAX - 0.5f);
    if (run == 2)         /* the blob's left half moves left instead */
      for (int y = 0; y < H; y++)
        for (int x = 0; x < 28; x++)
          b[y * W + x] = left[y * W + x];
    ad_flow_push (f, a, 1, 1);
    ad_flow_push (f, b, 1, 1);
    sd[run] = sqrtf (ad_flow_variance (f)[k]);
    printf ("run %d: cell (%.3f, %.3f)\n", run, ad_flow_vectors (f)[2 * k], ad_flow_vectors (f)[2 * k + 1]);
  }
  printf ("standard error of a cell's vector, px/frame: clean %.4f, "
      "noisy %.4f, two motions %.4f\n", sd[0], sd[1], sd[2]);
  CHECK (sd[0] >= 0.0f && sd[0] < 0.1f, "clean move: %g", sd[0]);
  CHECK (sd[1] > 1.5f * sd[0], "noise: %g vs %g", sd[1], sd[0]);
  CHECK (sd[2] > 2.0f * sd[0], "two motions: %g vs %g", sd[2], sd[0]);
  ad_flow_free (f);
}

/* f [3, H, W]: flat gray ground (0.5) and a textured square of side 12
 * at (sx, sy) that differs from it in colour only: the ground plus its
 * chroma pattern t times (0.4, -0.1564, -0.2436), which sums to zero (the
 * channel mean stays 0.5) and has zero BT.601 luma. */
static void
render_colour (float *f, float sx, float sy)
{
  static const float dir[3] = { 0.4f, -0.1564f, -0.2436f };
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float t = 0.0f;
      if (x >= sx && x < sx + 12.0f && y >= sy && y < sy + 12.0f)
        t = 0.5f * (tex (x - sx, y - sy) - 0.5f);
      for (int c = 0; c < 3; c++)
        f[c * HW + y * W + x] = 0.5f + dir[c] * t;
    }
}

/* *f (colour on) and *g (one channel), both fitting at scale; 0 (both
 * NULL) when either cannot be made. */
static int
flow_pair (int scale, ad_flow **f, ad_flow **g)
{
  *f = *g = NULL;
  CHECK_OK (ad_flow_new (H, W, CELL, f, NULL));
  CHECK_OK (ad_flow_new (H, W, CELL, g, NULL));
  if (!*f || !*g) {
    ad_flow_free (*f);
    ad_flow_free (*g);
    *f = *g = NULL;
    return 0;
  }
  CHECK_OK (ad_flow_set_scale (*f, scale, NULL));
  CHECK_OK (ad_flow_set_scale (*g, scale, NULL));
  ad_flow_set_colour (*f, 1);
  return 1;
}

/* ad_flow_set_colour: RGB frames' vectors are fitted on their three
 * channels, so a square that differs from the ground in colour alone
 * reads its motion, at both fitting scales; in the frames' channel mean
 * (what the default one-channel fit sees) it is invisible.  The energy is
 * the channel mean's either way (sensor noise averages down there), so
 * such a square carries none.  The default reads RGB frames as their
 * mean, and switching back and forth restarts the pair. */
static void
test_colour (void)
{
  float a[3 * HW], b[3 * HW], ga[HW], gb[HW];
  render_colour (a, 20.0f, 18.0f);
  render_colour (b, 21.0f, 18.0f);
  for (int p = 0; p < HW; p++) {
    ga[p] = (a[p] + a[HW + p] + a[2 * HW + p]) / 3.0f;
    gb[p] = (b[p] + b[HW + p] + b[2 * HW + p]) / 3.0f;
  }
  int k = cell_of (26.0f, 24.0f);
  for (int scale = 1; scale <= 2; scale++) {
    ad_flow *f, *g;
    if (!flow_pair (scale, &f, &g))
      return;
    ad_flow_push (f, a, 3, 1);
    ad_flow_push (g, ga, 1, 1);
    CHECK (ad_flow_push (f, b, 3, 1) == 1 && ad_flow_push (g, gb, 1, 1) == 1,
        "second frames have motion");
    const float *uv = ad_flow_vectors (f), *e = ad_flow_energy (f);
    const float *guv = ad_flow_vectors (g), *ge = ad_flow_energy (g);
    printf ("colour-only square, scale %d: RGB (%.3f, %.3f) energy %.4f; "
        "channel mean (%.3f, %.3f) energy %.5f\n", scale, uv[2 * k],
        uv[2 * k + 1], e[k], guv[2 * k], guv[2 * k + 1], ge[k]);
    /* rightwards (the one-step fit reads a 1 px move of this faint
     * texture as about 0.5; its accuracy is test_vectors' business) */
    CHECK (uv[2 * k] > 0.3f && uv[2 * k] < 1.6f && fabsf (uv[2 * k + 1]) <
        0.2f, "scale %d: the RGB fit reads (%g, %g), want rightwards",
        scale, uv[2 * k], uv[2 * k + 1]);
    CHECK (e[k] < 1e-4f && ge[k] < 1e-4f, "scale %d: energy %g / %g, want "
        "the channel mean's (none)", scale, e[k], ge[k]);
    CHECK (fabsf (guv[2 * k]) < 0.05f, "scale %d: the channel mean moved: "
        "(%g, %g)", scale, guv[2 * k], guv[2 * k + 1]);
    /* colour off (a new ad_flow's setting) reads RGB frames as their mean */
    ad_flow_set_colour (f, 0);
    CHECK (ad_flow_push (f, a, 3, 1) == 0, "switching restarts the pair");
    CHECK (ad_flow_push (f, b, 3, 1) == 1, "second frame");
    CHECK (fabsf (ad_flow_vectors (f)[2 * k]) < 0.05f, "colour off: reads "
        "(%g, %g)", ad_flow_vectors (f)[2 * k], ad_flow_vectors (f)[2 * k + 1]);
    ad_flow_free (f);
    ad_flow_free (g);
  }
  /* sensor noise, independent per channel, on a still textured scene: the
   * colour fit's energy is the channel mean's, where the noise averages
   * down (the mean of the channels' absolute differences would be about
   * 1.7 times as high: false alarms on a noisy camera) */
  ad_flow *f, *g;
  if (!flow_pair (1, &f, &g))
    return;
  ad_rng r;
  ad_rng_seed (&r, 9);
  double ef = 0.0, eg = 0.0;
  for (int t = 0; t < 2; t++) {
    for (int p = 0; p < HW; p++) {
      float base = 0.3f + 0.4f * tex ((float) (p % W), (float) (p / W));
      ga[p] = 0.0f;
      for (int c = 0; c < 3; c++) {
        a[c * HW + p] = base + 0.04f * (ad_rng_uniform (&r) - 0.5f);
        ga[p] += a[c * HW + p] / 3.0f;
      }
    }
    ad_flow_push (f, a, 3, 1);
    ad_flow_push (g, ga, 1, 1);
  }
  for (int k2 = 0; k2 < ad_flow_n_cells (f); k2++) {
    ef += ad_flow_energy (f)[k2];
    eg += ad_flow_energy (g)[k2];
  }
  printf ("noise: mean cell energy %.5f with colour, %.5f on the channel "
      "mean\n", ef / ad_flow_n_cells (f), eg / ad_flow_n_cells (g));
  CHECK (eg > 0.0 && ef < 1.15 * eg && ef > 0.85 * eg, "noise energy %g "
      "with colour against %g on the mean", ef, eg);
  ad_flow_free (f);
  ad_flow_free (g);
}

/* f [3, H, W]: green textured ground whose two top rows of cells lie in a
 * dappled shade (half the light, but full sun where the pattern, shifted
 * s px, parts), and a red square of side 12 at (sx, sy) when sx >= 0, in
 * the same light. */
static void
render_dapple (float *f, float s, float sx, float sy)
{
  static const float ground[3] = { 0.5f, 0.9f, 0.4f };
  static const float red[3] = { 0.9f, 0.3f, 0.25f };
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float light = 1.0f;
      if (y < 2 * CELL) {
        float t = (tex (1.7f * (x - s), 1.3f * y + 40.0f) - 0.5f) / 0.05f;
        light = 0.5f + 0.5f * (t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t);
      }
      const float *col = ground;
      float v = 0.6f + 0.4f * tex ((float) x, (float) y);
      if (sx >= 0.0f && x >= sx && x < sx + 12.0f && y >= sy &&
          y < sy + 12.0f) {
        col = red;
        v = 0.8f + 0.2f * tex (2.0f * (x - sx), 2.0f * (y - sy));
      }
      for (int c = 0; c < 3; c++)
        f[c * HW + y * W + x] = light * v * col[c];
    }
}

/* The largest speed over the cells of rows [r0, r1) of cells of f's
 * latest pair. */
static float
fastest (const ad_flow *f, int r0, int r1)
{
  const float *uv = ad_flow_vectors (f);
  float best = 0.0f;
  for (int k = r0 * (W / CELL); k < r1 * (W / CELL); k++)
    best = fmaxf (best, hypotf (uv[2 * k], uv[2 * k + 1]));
  return best;
}

/* flow_shade: colour footage whose two top rows of cells lie in a dappled
 * shade swaying in the wind (the pattern 3 px left and right and back
 * every 12 frames; a change of light alone) while a red square walks
 * right below it.  Learning marks the shade's pixels, where the sun comes
 * and goes often, and no pixel the square crossed; with them left out of
 * the fit the flecks read no motion while a red square going left
 * through the shade keeps its own.  Without the rule (flow_shade=0) no
 * pixel is marked and the flecks move. */
static void
test_shade (void)
{
  enum { N = 240 };
  ad_model *m = small_model_c (1);
  if (!m)
    return;
  const size_t fs = (size_t) ad_config_in_channels (ad_model_config (m)) *
      HW;
  float *fr = ad_alloc (N * fs);
  for (int i = 0; fr && i < N; i++) {
    float s = 3.0f * sinf (2.0f * 3.14159265f * (float) i / 12.0f);
    int t = i % 50;
    render_dapple (fr + i * fs, s, t < 44 ? (float) t : -1.0f, 30.0f);
  }
  ad_error err = { { 0 } };
  ad_config c = *ad_model_config (m);
  CHECK (c.flow_shade == 0.1f && c.flow_color == 1, "defaults %g %d",
      c.flow_shade, (int) c.flow_color);
  int marked[2] = { -1, -1 }, below[2] = { -1, -1 };
  float *px = ad_alloc (HW);
  for (int rule = 0; fr && px && rule < 2; rule++) {
    c.flow_shade = rule ? 0.1f : 0.0f;
    CHECK (ad_model_set_scoring (m, &c, &err) == AD_OK &&
        ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
        err.msg);
    const ad_tensor *t = ad_model_tensor (m, "shade_pixels");
    marked[rule] = below[rule] = 0;
    for (int p = 0; t && t->count == HW && p < HW; p++) {
      marked[rule] += p < 2 * CELL * W && t->data[p] > 0.5f;
      below[rule] += p >= (2 * CELL + 2) * W && t->data[p] > 0.5f;
    }
    if (rule && t)
      memcpy (px, t->data, sizeof (float) * HW);
  }
  printf ("swaying light: %d of %d pixels of the shade marked, %d below "
      "it (%d / %d without the rule)\n", marked[1], 2 * CELL * W,
      below[1], marked[0], below[0]);
  CHECK (marked[1] > CELL * W / 2 && below[1] == 0 && marked[0] == 0 &&
      below[0] == 0, "marked %d / %d, without %d / %d", marked[1],
      below[1], marked[0], below[0]);
  /* the flecks alone, and a red square going left through them, at both
   * fitting scales */
  for (int scale = 1; px && scale <= 2; scale++) {
    ad_flow *on, *off;
    if (!flow_pair (scale, &on, &off))
      break;
    ad_flow_set_colour (off, 1);
    ad_flow_set_shade (on, px);
    float a[3 * HW], sw[2] = { 0.0f, 0.0f }, u[2];
    for (int i = 0; i < 5; i++) {
      float s = 3.0f * sinf (2.0f * 3.14159265f * (float) i / 12.0f);
      render_dapple (a, s, i < 3 ? -1.0f : 43.0f - (float) i, 2.0f);
      ad_flow_push (on, a, 3, 1);
      ad_flow_push (off, a, 3, 1);
      if (i > 0 && i < 3) {
        sw[0] = fmaxf (sw[0], fastest (off, 0, 2));
        sw[1] = fmaxf (sw[1], fastest (on, 0, 2));
      }
    }
    u[1] = ad_flow_vectors (on)[2 * cell_of (44.0f, 8.0f)];
    u[0] = ad_flow_vectors (off)[2 * cell_of (44.0f, 8.0f)];
    printf ("swaying light, scale %d: the flecks' fastest cell %.3f "
        "px/frame with their pixels left out, %.3f without; a square "
        "going left there %.3f / %.3f\n", scale, sw[1], sw[0], u[1], u[0]);
    CHECK (sw[0] > 1.0f && sw[1] < 0.15f * sw[0], "scale %d: flecks %g / "
        "%g", scale, sw[1], sw[0]);
    CHECK (u[1] < -0.25f, "scale %d: the square going left reads %g",
        scale, u[1]);
    ad_flow_free (on);
    ad_flow_free (off);
  }
  ad_free (px);
  ad_free (fr);
  ad_model_free (m);
}

/* frame [H, W]: faint static texture plus a 28 px square of coarse
 * texture at (sx, 10), which holds the 16 px cell (1, 1) whole for the
 * shifts below. */
static void
render_coarse (float *f, float sx)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float u = (float) x - sx, v = (float) y - 10.0f;
      float val = 0.3f + 0.05f * tex ((float) x, (float) y);
      if (u >= 0.0f && u < 28.0f && v >= 0.0f && v < 28.0f)
        val = 0.6f + 0.25f * sinf (0.25f * u + 0.5f) * cosf (0.2f * v) +
            0.1f * sinf (0.13f * (u + v));
      f[y * W + x] = val;
    }
}

/* ad_flow_set_refine (flow_refine): one fit reads a square moving 5 px a
 * frame as about 4.7 at model resolution (the pair's difference no longer
 * follows the gradients); fitted again on the moved pair it reads 5.  A
 * still cell is left as it was. */
static void
test_refine (void)
{
  for (int scale = 1; scale <= 2; scale++) {
    float err[2] = { 0.0f, 0.0f }, still = 0.0f;
    for (int steps = 0; steps <= 3; steps += 3) {
      ad_flow *f = NULL;
      CHECK_OK (ad_flow_new (H, W, 16, &f, NULL));
      if (!f)
        return;
      CHECK_OK (ad_flow_set_scale (f, scale, NULL));
      ad_flow_set_refine (f, steps);
      float a[HW], b[HW];
      render_coarse (a, 6.0f);
      render_coarse (b, 11.0f);
      ad_flow_push (f, a, 1, 0);
      ad_flow_push (f, b, 1, 0);
      const float *uv = ad_flow_vectors (f);
      int k = W / 16 + 1, s = 2 * (W / 16) + 3;
      err[steps > 0] = hypotf (uv[2 * k] - 5.0f, uv[2 * k + 1]);
      if (steps > 0)
        still = hypotf (uv[2 * s], uv[2 * s + 1]);
      printf ("refine %d, scale %d: the square moving 5 px reads (%.3f, "
          "%.3f)\n", steps, scale, uv[2 * k], uv[2 * k + 1]);
      ad_flow_free (f);
    }
    CHECK (err[0] > 0.2f, "scale %d: one fit already reads it within %g",
        scale, err[0]);
    CHECK (err[1] < 0.1f, "scale %d: refitted, off by %g", scale, err[1]);
    CHECK (still < 0.05f, "scale %d: a still cell reads %g", scale, still);
  }
}

/* The refits are kept only where they cut the pair's difference to
 * AD_FLOW_REFINE_GAIN of one fit's or less: the square moving 1 px under
 * sensor noise, which one fit reads as about 0.85, keeps one fit's vector
 * exactly with refits on (the refits read about 0.96 but leave most of
 * the difference, the noise's; without the gate they are kept). */
static void
test_refine_gate (void)
{
  float u[2][2];
  for (int steps = 0; steps <= 3; steps += 3) {
    ad_flow *f = NULL;
    CHECK_OK (ad_flow_new (H, W, 16, &f, NULL));
    if (!f)
      return;
    ad_flow_set_refine (f, steps);
    float a[HW], b[HW];
    render_coarse (a, 6.0f);
    render_coarse (b, 7.0f);
    srand (11);
    for (int p = 0; p < HW; p++) {
      a[p] += 0.04f * ((float) rand () / RAND_MAX - 0.5f);
      b[p] += 0.04f * ((float) rand () / RAND_MAX - 0.5f);
    }
    ad_flow_push (f, a, 1, 0);
    ad_flow_push (f, b, 1, 0);
    const float *uv = ad_flow_vectors (f);
    int k = W / 16 + 1;
    u[steps > 0][0] = uv[2 * k];
    u[steps > 0][1] = uv[2 * k + 1];
    ad_flow_free (f);
  }
  printf ("refine gate: the noisy square moving 1 px reads (%.4f, %.4f), "
      "with refits on (%.4f, %.4f)\n", u[0][0], u[0][1], u[1][0], u[1][1]);
  CHECK (fabsf (u[0][0] - 1.0f) < 0.2f, "one fit reads %g", u[0][0]);
  CHECK (u[1][0] == u[0][0] && u[1][1] == u[0][1], "a refit kept: (%g, %g) "
      "against one fit's (%g, %g)", u[1][0], u[1][1], u[0][0], u[0][1]);
}

/* A model's flow_refine reaches the scorer's fit (and so the motion
 * patterns it scores): the square of test_refine moving 5 px through a
 * scorer reads 5 with flow_refine=3 and about 4.7 without. */
static void
test_refine_scorer (void)
{
  float u[2] = { 0.0f, 0.0f };
  for (int r = 0; r <= 1; r++) {
    ad_config cfg;
    ad_config_default (&cfg);
    cfg.width = W;
    cfg.height = H;
    cfg.motion_cell = 16;
    cfg.motion_comp = 0;
    cfg.flow_refine = r ? 3 : 0;
    cfg.widths[0] = cfg.widths[1] = cfg.widths[2] = cfg.widths[3] = 4;
    ad_model *m = NULL;
    ad_scorer *sc = NULL;
    CHECK_OK (ad_model_new (&cfg, &m, NULL));
    if (m)
      CHECK_OK (ad_scorer_new (m, &sc, NULL));
    int ci = ad_config_in_channels (&cfg);
    float *a = calloc ((size_t) ci * HW, sizeof (float));
    float *b = calloc ((size_t) ci * HW, sizeof (float));
    if (sc && a && b) {
      ad_score s;
      render_coarse (a, 6.0f);
      render_coarse (b, 11.0f);
      CHECK_OK (ad_scorer_process (sc, a, NULL, NULL, &s, NULL));
      CHECK_OK (ad_scorer_process (sc, b, NULL, NULL, &s, NULL));
      u[r] = ad_flow_vectors (sc->flow)[2 * (W / 16 + 1)];
    }
    free (a);
    free (b);
    ad_scorer_free (sc);
    ad_model_free (m);
  }
  printf ("scorer: the square moving 5 px reads %.3f, with refits %.3f\n",
      u[0], u[1]);
  CHECK (fabsf (u[0] - 5.0f) > 0.2f && fabsf (u[1] - 5.0f) < 0.1f,
      "scorer: one fit %g, refitted %g", u[0], u[1]);
}

/* The helpers the motion patterns are learned with (ad-flow-learn.c): the
 * window vector, the change of a cell's vector, the bins and the grid. */
static void
test_window_accel (void)
{
  ad_flow *f = NULL;
  CHECK_OK (ad_flow_new (H, W, CELL, &f, NULL));
  if (!f)
    return;
  int gh = 0, gw = 0;
  ad_flow_grid (f, &gh, &gw);
  CHECK (gh == H / CELL && gw == W / CELL, "grid %d x %d", gh, gw);
  const float noise = 5e-4f;
  int k = cell_of (26.0f, 24.0f), still = cell_of (56.0f, 40.0f);
  float fr[HW], uv[2], var = -1.0f;
  /* the square moves right by 1 px a frame over three frames */
  for (int i = 0; i < 2; i++) {
    render (fr, 20.0f + (float) i, 18.0f, 0, 0, 1.0f);
    ad_flow_push (f, fr, 1, 1);
  }
  CHECK (ad_flow_accel (f, k, noise) == -1.0f, "one pair: no change yet");
  CHECK (!ad_flow_window_vector (f, k, 2, noise, uv, NULL),
      "one pair: no window of two");
  render (fr, 22.0f, 18.0f, 0, 0, 1.0f);
  ad_flow_push (f, fr, 1, 1);
  float steady = ad_flow_accel (f, k, noise);
  CHECK (ad_flow_window_vector (f, k, 2, noise, uv, &var) &&
      uv[0] > 0.25f && uv[0] < 1.5f && fabsf (uv[1]) < 0.25f * uv[0] &&
      var >= 0.0f,
      "window of two reads (%g, %g), variance %g", uv[0], uv[1], var);
  CHECK (!ad_flow_window_vector (f, still, 2, noise, uv, NULL) &&
      ad_flow_accel (f, still, noise) == -1.0f,
      "the static cell has neither");
  /* then up by 1 px: the vector turns by about sqrt 2 x its speed (the
   * fit reads the 12-px square at 0.4-1 px/frame) */
  render (fr, 22.0f, 17.0f, 0, 0, 1.0f);
  ad_flow_push (f, fr, 1, 1);
  float turn = ad_flow_accel (f, k, noise);
  printf ("change of vector: steady %.3f, turning %.3f px/frame\n", steady,
      turn);
  CHECK (steady >= 0.0f && steady < 0.4f, "steady motion changes by %g",
      steady);
  CHECK (turn > 0.5f && turn < 2.0f && turn > 3.0f * steady,
      "the turn changes it by %g (steady %g)", turn, steady);
  /* bins: zero motion in the middle one, the range's edge clamped */
  const int B = 9;
  float zero[2] = { 0.0f, 0.0f }, far[2] = { 100.0f, -100.0f };
  CHECK (ad_flow_bin (zero, B, 4.25f) == (B / 2) * B + B / 2,
      "zero in bin %d", ad_flow_bin (zero, B, 4.25f));
  CHECK (ad_flow_bin (far, B, 4.25f) == B - 1, "(100, -100) in bin %d",
      ad_flow_bin (far, B, 4.25f));
  /* 6 px/frame to the right: the last bin at +-4.25 (clamped), inside a
   * range of +-8.5 (bins 1.89 px wide: 14.5 / 1.89 = bin 7 of 9) */
  float fast[2] = { 6.0f, 0.0f };
  CHECK (ad_flow_bin (fast, B, 4.25f) == (B / 2) * B + B - 1 &&
      ad_flow_bin (fast, B, 8.5f) == (B / 2) * B + 7,
      "6 px/frame in bins %d (range 4.25) and %d (8.5)",
      ad_flow_bin (fast, B, 4.25f), ad_flow_bin (fast, B, 8.5f));
  ad_flow_free (f);
}

int
main (void)
{
  test_vectors ();
  test_refine ();
  test_refine_gate ();
  test_refine_scorer ();
  test_colour ();
  test_shade ();
  test_variance ();
  test_window_accel ();
  return check_report ("test-flow-vectors");
}
