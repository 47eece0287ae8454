/* test-flow.c - local motion per cell, camera-shake and brightness
 * compensation, normal motion patterns and their novelty (ad-flow.c); the
 * learned background and the stationary change (ad-static.c). */
#include "ad-internal.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { W = 64, H = 48, HW = W * H, CELL = 8 };

/* Smooth texture sampled at (x - dx, y - dy): a moved copy for any shift. */
static float
tex (float x, float y)
{
  return 0.5f + 0.2f * sinf (0.45f * x + 0.3f * y) +
      0.15f * cosf (0.37f * y - 0.21f * x) + 0.1f * sinf (0.8f * x + 1.1f);
}

/* frame [H, W]: static texture, plus a bright textured square of side 12
 * at (sx, sy) when sx >= 0; the whole picture shifted by (cx, cy) and its
 * brightness scaled by gain. */
static void
render (float *f, float sx, float sy, float cx, float cy, float gain)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float u = x - cx, v = y - cy;
      float val = tex (u, v);
      if (sx >= 0.0f && u >= sx && u < sx + 12.0f && v >= sy &&
          v < sy + 12.0f)
        val = 0.9f - 0.3f * tex (2.0f * (u - sx), 2.0f * (v - sy));
      f[y * W + x] = gain * val;
    }
}

/* frame [H, W]: static texture plus a smooth bright blob at (bx, by). */
static void
blob (float *f, float bx, float by)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      f[y * W + x] = 0.3f + 0.1f * tex ((float) x, (float) y) + 0.5f *
          expf (-((x - bx) * (x - bx) + (y - by) * (y - by)) / 32.0f);
}

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

static int
cell_of (float x, float y)
{
  return (int) (y / CELL) * (W / CELL) + (int) (x / CELL);
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

/* Normal footage: the square walks right along the band y = 18, with
 * static frames between passes. */
static float *
normal_frames (int n)
{
  float *fr = ad_alloc ((size_t) n * HW);
  for (int i = 0; fr && i < n; i++) {
    int t = i % 50;
    render (fr + (size_t) i * HW, t < 44 ? (float) t : -1.0f, 18.0f, 0, 0,
        1.0f);
  }
  return fr;
}

static ad_model *
small_model_c (int color)
{
  ad_config cfg;
  ad_config_default (&cfg);
  cfg.color = color;
  cfg.width = W;
  cfg.height = H;
  cfg.motion_cell = CELL;
  cfg.flow_spread = 1;     /* the off-band test path is two cells away */
  /* the motion-pattern tests read the vectors of the picture-wide
   * brightness change; light by place has its own (test_vectors) */
  cfg.flow_light = 0;
  cfg.widths[0] = 4;
  cfg.widths[1] = 4;
  cfg.widths[2] = 4;
  cfg.widths[3] = 4;
  ad_model *m = NULL;
  CHECK_OK (ad_model_new (&cfg, &m, NULL));
  return m;
}

static ad_model *
small_model (void)
{
  return small_model_c (0);
}

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
  ad_flow_novelty (f, d->data, ad_model_config (m)->flow_bins, s->data[0],
      0.0f, win, nov);
  float mx = 0.0f;
  for (int c = 0; c < ad_flow_n_cells (f); c++)
    mx = fmaxf (mx, nov[c]);
  ad_flow_free (f);
  return mx;
}

/* The novelty of the cell at the square's middle after it moves from
 * (x0, y0) to (x1, y1) (one pair). */
static float
novelty_of (ad_model *m, float x0, float y0, float x1, float y1)
{
  ad_tensor *d = ad_model_tensor (m, "flow_dist");
  ad_tensor *s = ad_model_tensor (m, "flow_stats");
  ad_flow *f = NULL;
  float a[HW], b[HW], nov[(W / CELL) * (H / CELL)];
  if (ad_flow_new (H, W, CELL, &f, NULL) != AD_OK)
    return -1.0f;
  render (a, x0, y0, 0, 0, 1.0f);
  render (b, x1, y1, 0, 0, 1.0f);
  ad_flow_push (f, a, 1, 1);
  ad_flow_push (f, b, 1, 1);
  ad_flow_novelty (f, d->data, ad_model_config (m)->flow_bins, s->data[0],
      0.0f, 1, nov);
  float mx = 0.0f;
  for (int c = 0; c < ad_flow_n_cells (f); c++)
    mx = fmaxf (mx, nov[c]);
  ad_flow_free (f);
  return mx;
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

  float normal = novelty_of (m, 20.0f, 18.0f, 21.0f, 18.0f);
  float back = novelty_of (m, 21.0f, 18.0f, 20.0f, 18.0f);
  float fast = novelty_of (m, 18.0f, 18.0f, 21.0f, 18.0f);
  float off = novelty_of (m, 20.0f, 34.0f, 21.0f, 34.0f);
  float still = novelty_of (m, 20.0f, 18.0f, 20.0f, 18.0f);
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
          s->data[0], scored ? s->data[3] : 0.0f, 1, nov);
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
    CHECK (fabsf (novelty_of (m2, 21.0f, 18.0f, 20.0f, 18.0f) - back) <
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
        c.flow_bins, ad_model_tensor (m, "flow_stats")->data[0], 0.0f,
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

/* The background: a per-pixel median; the difference to it tolerates
 * lighting and a shift of up to 2 px, not a new object; the scorer's
 * stationary change builds up under an object left lying and stays low
 * for the normal passer-by. */
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
      off[few] = novelty_of (m, 20.0f, 34.0f, 21.0f, 34.0f);
    ad_model_free (m);
  }
  printf ("off the band: novelty %.3f with enough vectors, %.3f with too "
      "few\n", off[0], off[1]);
  CHECK (off[0] > 0.3f && off[1] == 0.0f, "auto spread %g / %g", off[0],
      off[1]);
  ad_free (fr);
}

/* flow_recur: training footage whose normal passes (1 px/frame, every 50
 * frames) hold one odd moment, a fast pass (3 px/frame) over 10 frames.
 * Seen once, the fast motion's bins count as normal and its novelty falls;
 * with flow_recur longer than that moment it is as novel as after clean
 * footage, and the recurring normal pass stays normal. */
static void
test_recur (void)
{
  enum { N = 200 };
  float *clean = normal_frames (N), *fr = normal_frames (N);
  for (int i = 0; fr && i < 10; i++)
    render (fr + (size_t) (100 + i) * HW, 10.0f + 3.0f * i, 18.0f, 0, 0,
        1.0f);
  /* [0]: clean footage; [1], [2]: the odd moment, flow_recur 0 and 40 */
  float fast[3] = { -1.0f, -1.0f, -1.0f }, normal[3] = { -1, -1, -1 };
  for (int run = 0; clean && fr && run < 3; run++) {
    ad_model *m = small_model ();
    ad_config c = m ? *ad_model_config (m) : (ad_config) { 0 };
    CHECK (c.flow_recur == 50, "default flow_recur %d", c.flow_recur);
    c.flow_recur = run == 2 ? 40 : 0;
    ad_error err = { { 0 } };
    CHECK (m && ad_model_set_scoring (m, &c, &err) == AD_OK &&
        ad_model_learn_motion (m, run ? fr : clean, N, NULL, &err) == AD_OK,
        "%s", err.msg);
    if (m) {
      fast[run] = novelty_of (m, 18.0f, 18.0f, 21.0f, 18.0f);
      normal[run] = novelty_of (m, 20.0f, 18.0f, 21.0f, 18.0f);
    }
    ad_model_free (m);
  }
  printf ("a fast pass: novelty %.3f after clean footage, %.3f after footage "
      "holding one, %.3f with flow_recur=40; normal %.3f / %.3f / %.3f\n",
      fast[0], fast[1], fast[2], normal[0], normal[1], normal[2]);
  CHECK (fast[1] < fast[0] - 0.2f, "seen once lowers the novelty: %g / %g",
      fast[1], fast[0]);
  CHECK (fabsf (fast[2] - fast[0]) < 0.05f, "flow_recur=40 as clean: %g / %g",
      fast[2], fast[0]);
  for (int run = 0; run < 3; run++)
    CHECK (normal[run] >= 0.0f && normal[run] < 0.3f, "normal %g",
        normal[run]);
  ad_free (clean);
  ad_free (fr);
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
    ad_error err = { { 0 } };
    CHECK (m && ad_model_set_scoring (m, &c, &err) == AD_OK &&
        ad_model_learn_motion (m, fr, N, NULL, &err) == AD_OK, "%s",
        err.msg);
    for (int p = 0; m && p < 2; p++)
      nov[rule][p] = novelty_of (m, 12.0f, 18.0f, 12.0f + speed[p], 18.0f);
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
  CHECK (ss->data[1] >= 0.01f, "stationary spread %g", ss->data[1]);
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
 * its spread on the calibration footage (wander_stats) with wander_norm 1. */
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
  float pace = 0.0f, walk = 0.0f, off = 0.0f, pace_early = 0.0f;
  float wan[T], fnorm[T], fraw[T];
  for (int run = 0; run < 4; run++) {
    ad_config c = *ad_model_config (m);
    c.wander_weight = run == 2 ? 0.0f : 0.6f;
    c.wander_norm = run != 3;   /* run 3: run 0 in px/frame */
    ad_scorer *sc = NULL;
    ad_score o;
    CHECK_OK (ad_model_set_scoring (m, &c, NULL));
    CHECK_OK (ad_scorer_new (m, &sc, NULL));
    for (int t = 0; sc && t < T; t++) {
      int ph = t % 8;       /* triangle wave: 4 frames right, 4 left */
      float x = run == 1 ? 10.0f + t : 20.0f + (ph < 4 ? ph : 8 - ph);
      render (f, x, 18.0f, 0, 0, 1.0f);
      CHECK_OK (ad_scorer_process (sc, f, NULL, NULL, &o, NULL));
      if (run == 0) {
        wan[t] = o.wander_raw;
        fnorm[t] = o.fused_raw;
      } else if (run == 3) {
        fraw[t] = o.fused_raw;
        continue;
      }
      float *v = run == 1 ? &walk : run == 0 ? &pace : &off;
      if (t >= 16)
        *v = fmaxf (*v, o.wander_raw);
      else if (run == 0 && t < 8)
        pace_early = fmaxf (pace_early, o.wander_raw);
    }
    ad_scorer_free (sc);
  }
  printf ("wandering: pacing %.3f px/frame, walking %.3f, pacing in its "
      "first 8 frames %.3f\n", pace, walk, pace_early);
  CHECK (pace > 0.25f, "pacing wanders %g px/frame", pace);
  CHECK (walk < 0.1f, "walking one way does not: %g", walk);
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

int
main (void)
{
  test_vectors ();
  test_colour ();
  test_patterns ();
  test_auto_spread ();
  test_recur ();
  test_recur_bins ();
  test_unseen ();
  test_sway ();
  test_shade ();
  test_static ();
  test_static_normal ();
  test_gate_silhouette ();
  test_smooth ();
  test_variance ();
  test_wander ();
  test_gap_holds ();
  test_gap_bridge ();
  test_ignore ();
  test_map_spread ();
  test_busy ();
  test_map_track ();
  return check_report ("test-flow");
}
