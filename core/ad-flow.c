/* ad-flow.c - local motion per cell and its comparison with the normal
 * motion patterns (learning them: ad-flow-learn.c).
 *
 * Motion vectors: a Lucas-Kanade least-squares fit over each cell of a pair
 * of blurred frames (spatial gradients of their average, temporal
 * difference), regularised so that flat cells read no motion.  RGB frames
 * can be fitted on their three channels together (ad_flow_set_colour: the
 * normal equations of the channels summed), so that the vectors use colour
 * edges too (a walker whose brightness barely differs from the ground);
 * otherwise, and for gray frames, the fit is on one gray channel (the
 * channels' mean).  With compensation on, each channel's brightness change
 * and the median motion of the textured cells (camera shake: most of a
 * fixed camera's picture is static background, so the median is the
 * camera's own motion) are removed before the fit.
 *
 * Normal patterns: a 2-D histogram per cell of the motion vectors seen on
 * normal footage, counted where the cell's motion energy (mean absolute
 * compensated difference of the channels' mean, where sensor noise
 * averages down) exceeds the noise level.  A cell's novelty is the
 * distance, in pixels per frame, from its motion vector to the nearest
 * vector seen in it or its neighbours on normal footage, scaled by how far
 * its energy is above the noise; zero motion always counts as seen.  So a
 * person where nobody walks, against the flow, or much faster than anyone
 * on normal footage is novel; a normal passer-by is not.
 */
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Ridge added to each cell's normal equations, per pixel: cells whose mean
 * squared gradient is below it (flat areas) read almost no motion. */
#define FLOW_RIDGE 1e-4
#define FLOW_BLUR 1.0f
/* Sums per cell (cell_sums): Ix^2, IxIy, Iy^2, IxIt, IyIt, Ix, Iy, pixels,
 * It, It^2. */
#define FLOW_NS 10

struct ad_flow {
  int h, w, cell, gh, gw, n, spread;
  float *g[2];              /* [hw] blurred gray (channel mean) of the two
                             * latest frames */
  float *ch[2];             /* [3, hw] their blurred channels (RGB only) */
  int colour;               /* 1: RGB frames fitted on their channels */
  int nch;                  /* channels fitted: 3 (RGB with colour), or 1
                             * (the gray) */
  int local;                /* 1: the light by place: the previous frame
                             * relit, the change left taken out per cell
                             * (ad_flow_set_local_light) */
  int cur, have_prev;
  float *ix, *iy, *it;      /* [3, hw] gradients and temporal difference
                             * per fitted channel */
  float *tmp;               /* [hw] blur scratch, then |residual| */
  double *csums;            /* [3, n, FLOW_NS] per-channel cell sums */
  double *sums;             /* [n, FLOW_NS] per-cell sums over the channels */
  float *uv;                /* [n, 2] motion vector per cell, px/frame */
  float *energy;            /* [n] mean |compensated difference| per cell */
  float *var;               /* [n] variance of each component of a cell's
                             * vector, (px/frame)^2, from the fit's residual */
  float sigma;              /* ad_flow_set_sigma: standard errors discounted */
  int refine;               /* ad_flow_set_refine: warped refits per cell */
  int gain;                 /* ad_flow_set_gain: the previous frame scaled
                             * by the picture's change of brightness */
  float *ring_uv;           /* [AD_FLOW_WINDOW_MAX, n, 2] latest vectors */
  float *ring_en;           /* [AD_FLOW_WINDOW_MAX, n] latest energies */
  float *ring_var;          /* [AD_FLOW_WINDOW_MAX, n] latest variances */
  int head;                 /* ring slot of the latest pair */
  float ring_cam[AD_FLOW_WINDOW_MAX];   /* camera motion of each pair, px */
  int n_vec;                /* consecutive pairs with vectors, capped at
                             * AD_FLOW_WINDOW_MAX */
  int span;                 /* frames the next pair spans (ad_flow_gap) */
  float *relit;             /* [hw] the light of the latest frame over the
                             * previous one's, by place (local) */
  float *work;              /* [4, n] textured cells [n], and each cell's
                             * brightness change per channel [3, n] */
  float *wring;             /* [AD_WANDER_MAX, n, 2] each cell's window
                             * vector in the latest pairs (ad_flow_wander) */
  float *wvar;              /* [AD_WANDER_MAX, n] the window vector's
                             * variance */
  uint8_t *wvalid;          /* [AD_WANDER_MAX, n] 1 where it had one */
  int whead, wfill;         /* slot of the latest pair; pairs recorded */
  int scale;                /* 1, or 2: vectors fitted at half resolution */
  float *half[2];           /* [3, hw/4] the two latest frames' fitted
                             * channels at half resolution (scale 2) */
  double *hcsums;           /* [3, n, FLOW_NS] per-channel sums at half
                             * resolution */
  double *hsums;            /* [n, FLOW_NS] per-cell sums at half res. */
  const float *shade;       /* [hw] > 0.5 at the pixels where the light
                             * sways (ad_flow_set_shade), or NULL */
  uint8_t *lit;             /* [hw] 0 where the change is of light alone
                             * at such a pixel (light_mask; [hw/4] at
                             * scale 2) */
  double *mcsums;           /* [3, n, FLOW_NS] per-channel sums without
                             * those pixels (scale 1) */
  double *msums;            /* [n, FLOW_NS] their sum over the channels */
};

void
ad_flow_free (ad_flow *f)
{
  if (!f)
    return;
  ad_free (f->g[0]);
  ad_free (f->g[1]);
  ad_free (f->ch[0]);
  ad_free (f->ch[1]);
  free (f->csums);
  free (f->hcsums);
  ad_free (f->ix);
  ad_free (f->iy);
  ad_free (f->it);
  ad_free (f->tmp);
  free (f->sums);
  ad_free (f->uv);
  ad_free (f->energy);
  ad_free (f->var);
  ad_free (f->ring_uv);
  ad_free (f->ring_en);
  ad_free (f->ring_var);
  ad_free (f->wvar);
  ad_free (f->work);
  ad_free (f->relit);
  free (f->lit);
  free (f->mcsums);
  free (f->msums);
  ad_free (f->wring);
  free (f->wvalid);
  ad_free (f->half[0]);
  ad_free (f->half[1]);
  free (f->hsums);
  free (f);
}

ad_status
ad_flow_new (int h, int w, int cell, ad_flow **out, ad_error *err)
{
  *out = NULL;
  if (h < 3 || w < 3 || cell < 2)
    return ad_fail (err, AD_ERR_ARG, "motion cells need at least 3x3 pixels "
        "and cells of 2 px");
  ad_flow *f = calloc (1, sizeof *f);
  if (!f)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  size_t hw = (size_t) h * w;
  f->h = h;
  f->w = w;
  f->cell = cell;
  f->gh = (h + cell - 1) / cell;
  f->gw = (w + cell - 1) / cell;
  f->n = f->gh * f->gw;
  f->scale = 1;
  f->g[0] = ad_alloc (hw);
  f->g[1] = ad_alloc (hw);
  f->ch[0] = ad_alloc (3 * hw);
  f->ch[1] = ad_alloc (3 * hw);
  f->ix = ad_alloc (3 * hw);
  f->iy = ad_alloc (3 * hw);
  f->it = ad_alloc (3 * hw);
  f->tmp = ad_alloc (hw);
  f->csums = calloc ((size_t) f->n * FLOW_NS * 3, sizeof (double));
  f->sums = calloc ((size_t) f->n * FLOW_NS, sizeof (double));
  f->uv = ad_alloc ((size_t) f->n * 2);
  f->energy = ad_alloc (f->n);
  f->var = ad_alloc (f->n);
  f->ring_var = ad_alloc ((size_t) AD_FLOW_WINDOW_MAX * f->n);
  f->wvar = ad_alloc ((size_t) AD_WANDER_MAX * f->n);
  f->ring_uv = ad_alloc ((size_t) AD_FLOW_WINDOW_MAX * f->n * 2);
  f->ring_en = ad_alloc ((size_t) AD_FLOW_WINDOW_MAX * f->n);
  f->work = ad_alloc (4 * (size_t) f->n);
  f->relit = ad_alloc (hw);
  f->lit = malloc (hw);
  f->mcsums = calloc ((size_t) f->n * FLOW_NS * 3, sizeof (double));
  f->msums = calloc ((size_t) f->n * FLOW_NS, sizeof (double));
  f->wring = ad_alloc ((size_t) AD_WANDER_MAX * f->n * 2);
  f->wvalid = calloc ((size_t) AD_WANDER_MAX * f->n, 1);
  if (!f->g[0] || !f->g[1] || !f->ch[0] || !f->ch[1] || !f->ix || !f->iy ||
      !f->it || !f->tmp || !f->csums || !f->sums || !f->uv || !f->energy ||
      !f->ring_uv || !f->ring_en || !f->work || !f->wring || !f->wvalid ||
      !f->var || !f->ring_var || !f->wvar || !f->relit || !f->lit ||
      !f->mcsums || !f->msums) {
    ad_flow_free (f);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  *out = f;
  return AD_OK;
}

ad_status
ad_flow_set_scale (ad_flow *f, int scale, ad_error *err)
{
  if (scale == 1 || f->scale == scale) {
    f->scale = scale;
    return AD_OK;
  }
  if (scale != 2 || f->cell % 2 || f->h % 2 || f->w % 2)
    return ad_fail (err, AD_ERR_ARG, "flow_scale=%d needs 1, or 2 with an "
        "even motion cell and picture size (cell %d px, %dx%d)", scale,
        f->cell, f->w, f->h);
  size_t q = (size_t) (f->h / 2) * (f->w / 2);
  if (!f->half[0]) {            /* kept once made (2, 1, 2 again) */
    f->half[0] = ad_alloc (3 * q);
    f->half[1] = ad_alloc (3 * q);
    f->hcsums = calloc ((size_t) f->n * FLOW_NS * 3, sizeof (double));
    f->hsums = calloc ((size_t) f->n * FLOW_NS, sizeof (double));
  }
  if (!f->half[0] || !f->half[1] || !f->hcsums || !f->hsums)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  f->scale = 2;
  f->have_prev = 0;
  return AD_OK;
}

void
ad_flow_set_colour (ad_flow *f, int on)
{
  if (f->colour != !!on)
    f->have_prev = 0;
  f->colour = !!on;
}

void
ad_flow_set_local_light (ad_flow *f, int on)
{
  f->local = !!on;
}

void
ad_flow_set_shade (ad_flow *f, const float *pixels)
{
  f->shade = pixels;
}

void
ad_flow_set_sigma (ad_flow *f, float k)
{
  f->sigma = k > 0.0f ? k : 0.0f;
}

void
ad_flow_set_refine (ad_flow *f, int steps)
{
  f->refine = steps > 0 ? steps : 0;
}

void
ad_flow_set_gain (ad_flow *f, int on)
{
  f->gain = !!on;
}

void
ad_flow_reset (ad_flow *f)
{
  if (f) {
    f->have_prev = 0;
    f->n_vec = 0;
    f->span = 1;
    f->wfill = 0;
  }
}

void
ad_flow_gap (ad_flow *f, int span)
{
  if (!f)
    return;
  if (span >= 2 && f->have_prev) {
    f->span = span;
  } else {
    f->have_prev = 0;
    f->n_vec = 0;
  }
}

int
ad_flow_pairs (const ad_flow *f)
{
  return f ? f->n_vec : 0;
}

void
ad_flow_grid (const ad_flow *f, int *gh, int *gw)
{
  *gh = f->gh;
  *gw = f->gw;
}

int
ad_flow_n_cells (const ad_flow *f)
{
  return f->n;
}

const float *
ad_flow_vectors (const ad_flow *f)
{
  return f->uv;
}

const float *
ad_flow_energy (const ad_flow *f)
{
  return f->energy;
}

const float *
ad_flow_variance (const ad_flow *f)
{
  return f->var;
}

/* Solves [a+r b; b c+r] [u v]' = -[d e]' for one cell of sums s
 * [FLOW_NS] with ridge r, It shifted by (gu, gv) (It' = It + Ix gu + Iy
 * gv); returns the variance of each component of uv [2]: the residual's
 * variance per pixel, sum (It' + Ix u + Iy v)^2 / pixels, times the mean
 * diagonal of (A + r)^-1.  A cell whose pixels do not follow one motion
 * (sensor noise, two walkers crossing) or that has little texture gets a
 * large one. */
static float
solve (const double *s, double r, double gu, double gv, float *uv)
{
  double a = s[0], b = s[1], c = s[2];
  /* residual difference It': d and e shift linearly */
  double d = s[3] + a * gu + b * gv, e = s[4] + b * gu + c * gv;
  double det = (a + r) * (c + r) - b * b;
  if (det <= 0.0) {
    uv[0] = uv[1] = 0.0f;
    return 0.0f;
  }
  uv[0] = (float) (-((c + r) * d - b * e) / det);
  uv[1] = (float) (-((a + r) * e - b * d) / det);
  if (s[7] <= 0.0)
    return 0.0f;
  double u = uv[0], v = uv[1];
  double tt = s[9] + 2.0 * (gu * s[3] + gv * s[4]) + a * gu * gu +
      2.0 * b * gu * gv + c * gv * gv;
  double res = tt + 2.0 * (u * d + v * e) + a * u * u + 2.0 * b * u * v +
      c * v * v;
  res = res > 0.0 ? res / s[7] : 0.0;
  return (float) (res * 0.5 * (a + c + 2.0 * r) / det);
}

/* Cell k's vector and its variance (f->uv, f->var, at model resolution)
 * from the fitted sums vs [n, FLOW_NS], taken at 1/vscale of it, with the
 * camera's motion (gu, gv), px/frame at model resolution, taken out.  The
 * ridge is the whole cell's (f->sums): pixels left out of the fit
 * (light_mask) leave its pull to no motion as it was. */
static void
fit_cell (ad_flow *f, const double *vs, int k, double gu, double gv,
    float vscale)
{
  const double *s = vs + (size_t) k * FLOW_NS;
  float *uv = f->uv + 2 * k;
  double px = f->sums[(size_t) k * FLOW_NS + 7] / (vscale * vscale);
  f->var[k] = vscale * vscale * solve (s, FLOW_RIDGE * px, gu / vscale,
      gv / vscale, uv);
  uv[0] *= vscale;
  uv[1] *= vscale;
}

/* sums [gh*gw, FLOW_NS] of the cells of cell x cell px of the pair gc, gp
 * [H,W] (H = h, W = w): Ix^2, IxIy, Iy^2, IxIt, IyIt, Ix, Iy, pixels, It,
 * It^2, with central differences averaged over both frames, over the
 * pixels where keep [H,W] is not 0 (all when NULL); all [gh*gw, FLOW_NS],
 * when not NULL, gets the same over every pixel, in the same pass; ix, iy,
 * it [H,W] get the per-pixel values when not NULL. */
static void
cell_sums (const float *gc, const float *gp, const uint8_t *keep, int h,
    int w, int cell, int gw, double *sums, double *all, float *pix,
    float *piy, float *pit)
{
  size_t ns = sizeof (double) * FLOW_NS * (size_t) ((h + cell - 1) / cell) *
      gw;
  memset (sums, 0, ns);
  if (all)
    memset (all, 0, ns);
  for (int y = 0; y < h; y++) {
    int ym = y > 0 ? y - 1 : y, yp = y < h - 1 ? y + 1 : y;
    size_t row = (size_t) (y / cell) * gw * FLOW_NS;
    for (int x = 0; x < w; x++) {
      int xm = x > 0 ? x - 1 : x, xp = x < w - 1 ? x + 1 : x;
      size_t p = (size_t) y * w + x;
      float ix = 0.25f * (gc[y * w + xp] + gp[y * w + xp] -
          gc[y * w + xm] - gp[y * w + xm]);
      float iy = 0.25f * (gc[yp * w + x] + gp[yp * w + x] -
          gc[ym * w + x] - gp[ym * w + x]);
      float it = gc[p] - gp[p];
      if (pix) {
        pix[p] = ix;
        piy[p] = iy;
        pit[p] = it;
      }
      const double v[FLOW_NS] = { ix * ix, ix * iy, iy * iy, ix * it,
        iy * it, ix, iy, 1.0, it, it * it };
      size_t at = row + (size_t) (x / cell) * FLOW_NS;
      for (int j = 0; all && j < FLOW_NS; j++)
        all[at + j] += v[j];
      for (int j = 0; (!keep || keep[p]) && j < FLOW_NS; j++)
        sums[at + j] += v[j];
    }
  }
}

/* Plane p [h, w] at (x, y), bilinear, the point clamped to the picture. */
static float
sample (const float *p, int h, int w, float x, float y)
{
  x = x < 0.0f ? 0.0f : x > (float) (w - 1) ? (float) (w - 1) : x;
  y = y < 0.0f ? 0.0f : y > (float) (h - 1) ? (float) (h - 1) : y;
  int x0 = (int) x, y0 = (int) y;
  int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  float fx = x - (float) x0, fy = y - (float) y0;
  const float *r0 = p + (size_t) y0 * w, *r1 = p + (size_t) y1 * w;
  return (1.0f - fy) * ((1.0f - fx) * r0[x0] + fx * r0[x1]) +
      fy * ((1.0f - fx) * r1[x0] + fx * r1[x1]);
}

/* cs [nch, FLOW_NS]: cell k's sums as cell_sums gives them, of the pair
 * cur, prev [nch][h, w] (the fit's planes; cell px cells) with the
 * previous frame moved on by (du, dv) px: It = latest - previous at
 * (x - du, y - dv), the gradients the mean of the latest frame's and the
 * moved previous one's; over the pixels where keep [h, w] is not 0 (all
 * when NULL). */
static void
moved_sums (const ad_flow *f, int k, const float *const *cur,
    const float *const *prev, int nch, int h, int w, int cell,
    const uint8_t *keep, float du, float dv, double *cs)
{
  int y0 = (k / f->gw) * cell, x0 = (k % f->gw) * cell;
  int y1 = y0 + cell < h ? y0 + cell : h, x1 = x0 + cell < w ? x0 + cell : w;
  memset (cs, 0, sizeof (double) * FLOW_NS * (size_t) nch);
  for (int c = 0; c < nch; c++) {
    const float *g = cur[c], *q = prev[c];
    double *s = cs + (size_t) c * FLOW_NS;
    for (int y = y0; y < y1; y++) {
      int ym = y > 0 ? y - 1 : y, yp = y < h - 1 ? y + 1 : y;
      for (int x = x0; x < x1; x++) {
        if (keep && !keep[(size_t) y * w + x])
          continue;
        int xm = x > 0 ? x - 1 : x, xp = x < w - 1 ? x + 1 : x;
        float sx = (float) x - du, sy = (float) y - dv;
        float ix = 0.25f * (g[y * w + xp] - g[y * w + xm] +
            sample (q, h, w, sx + (float) (xp - x), sy) -
            sample (q, h, w, sx - (float) (x - xm), sy));
        float iy = 0.25f * (g[yp * w + x] - g[ym * w + x] +
            sample (q, h, w, sx, sy + (float) (yp - y)) -
            sample (q, h, w, sx, sy - (float) (y - ym)));
        float it = g[y * w + x] - sample (q, h, w, sx, sy);
        const double v[FLOW_NS] = { ix * ix, ix * iy, iy * iy, ix * it,
          iy * it, ix, iy, 1.0, it, it * it };
        for (int j = 0; j < FLOW_NS; j++)
          s[j] += v[j];
      }
    }
  }
}

/* Plane k (< f->nch) of frame slot i at full resolution: a blurred
 * channel, or the gray when one channel is fitted. */
static float *
plane (ad_flow *f, int i, int k)
{
  return f->nch == 3 ? f->ch[i] + (size_t) k * f->h * f->w : f->g[i];
}

/* dst [h/2, w/2] = 2x2 means of src [h, w]. */
static void
halve (const float *src, int h, int w, float *dst)
{
  int w2 = w / 2;
  for (int y = 0; y < h / 2; y++)
    for (int x = 0; x < w2; x++)
      dst[y * w2 + x] = 0.25f * (src[2 * y * w + 2 * x] +
          src[2 * y * w + 2 * x + 1] + src[(2 * y + 1) * w + 2 * x] +
          src[(2 * y + 1) * w + 2 * x + 1]);
}

/* Median over cells of the mean temporal difference in the cell sums s
 * [n, FLOW_NS] (a moving object changes the mean of a few cells only). */
static double
median_change (ad_flow *f, const double *s)
{
  for (int k = 0; k < f->n; k++)
    f->tmp[k] = (float) (s[k * FLOW_NS + 8] / s[k * FLOW_NS + 7]);
  qsort (f->tmp, (size_t) f->n, sizeof (float), ad_cmp_float);
  return 0.5 * (f->tmp[(f->n - 1) / 2] + f->tmp[f->n / 2]);
}

/* out [n, FLOW_NS] = the sum over nch channels of cs [nch, n, FLOW_NS],
 * each with its brightness change mb [nch] taken out of It (IxIt, IyIt,
 * It^2); with local, each cell's own instead: the fit then has a
 * brightness offset per cell and channel beside the vector (the least
 * squares of Ix u + Iy v + It - c), which is the fit on the cell's
 * gradients and It less their means (Ix^2, IxIy, Iy^2, IxIt, IyIt, It^2
 * centred), so light that changes by place (a cloud's shadow drifting
 * over) reads no motion. */
static void
combine (const double *cs, int nch, int n, const double *mb, int local,
    double *out)
{
  memset (out, 0, sizeof (double) * FLOW_NS * (size_t) n);
  for (int c = 0; c < nch; c++)
    for (int k = 0; k < n; k++) {
      const double *s = cs + ((size_t) c * n + k) * FLOW_NS;
      double *o = out + (size_t) k * FLOW_NS;
      for (int j = 0; j < FLOW_NS; j++)
        o[j] += s[j];
      if (local && s[7] > 0.0) {
        double inv = 1.0 / s[7];
        o[0] -= s[5] * s[5] * inv;
        o[1] -= s[5] * s[6] * inv;
        o[2] -= s[6] * s[6] * inv;
        o[3] -= s[5] * s[8] * inv;
        o[4] -= s[6] * s[8] * inv;
        o[9] -= s[8] * s[8] * inv;
        continue;
      }
      o[3] -= mb[c] * s[5];
      o[4] -= mb[c] * s[6];
      o[9] += mb[c] * (mb[c] * s[7] - 2.0 * s[8]);
    }
}

/* The previous frame's planes (and their half resolution) relit to the
 * latest frame's light, f->relit [hw] being the light of the latest gray
 * over the previous one's: with by_place (the light by place), by place
 * (ad_gain_field, each evenly lit cell's median ratio, a moving object's
 * cells filled from their neighbours), so a cloud's shadow drifting over
 * changes no pixel of the pair and its edge reads as no motion, while an
 * object, whose cells are not evenly lit, keeps its change; else the
 * picture's one gain (ad_gain, the median ratio; ad_flow_set_gain), which
 * leaves no change on a still edge where taking out the mean change
 * (median_change) leaves the gain less 1 times its contrast. */
static void
relight_previous (ad_flow *f, int by_place)
{
  int h = f->h, w = f->w;
  size_t hw = (size_t) h * w;
  if (by_place)
    ad_gain_field (f->g[f->cur], f->g[f->cur ^ 1], NULL, h, w, f->cell, 1,
        0.0f, f->tmp, f->relit, NULL);
  else {
    float g = ad_gain (f->g[f->cur], f->g[f->cur ^ 1], (int) hw, f->tmp);
    for (size_t p = 0; p < hw; p++)
      f->relit[p] = g;
  }
  for (int k = 0; k < f->nch; k++) {
    float *pp = plane (f, f->cur ^ 1, k);
    for (size_t p = 0; p < hw; p++)
      pp[p] *= f->relit[p];
  }
  if (f->scale == 2) {
    int w2 = w / 2;
    size_t q = hw / 4;
    for (int k = 0; k < f->nch; k++) {
      float *hp = f->half[f->cur ^ 1] + (size_t) k * q;
      for (int y = 0; y < h / 2; y++)
        for (int x = 0; x < w2; x++)
          hp[y * w2 + x] *= 0.25f * (f->relit[2 * y * w + 2 * x] +
              f->relit[2 * y * w + 2 * x + 1] +
              f->relit[(2 * y + 1) * w + 2 * x] +
              f->relit[(2 * y + 1) * w + 2 * x + 1]);
    }
  }
}

/* The change of pixel p from the previous channels q [3, hw] to the
 * latest c [3, hw] when it is one of light alone: the latest colour within
 * AD_SHADE_TOL, per channel on average, of the previous one scaled to its
 * brightness; the brightness ratio's departure from 1 then, else -1. */
static float
light_only (const float *c, const float *q, size_t hw, size_t p)
{
  float sc = c[p] + c[hw + p] + c[2 * hw + p];
  float sq = q[p] + q[hw + p] + q[2 * hw + p];
  if (sq <= 1e-3f)
    return -1.0f;
  float k = sc / sq, d = 0.0f;
  for (int ch = 0; ch < 3; ch++)
    d += fabsf (c[ch * hw + p] - k * q[ch * hw + p]);
  return d < 3.0f * AD_SHADE_TOL ? fabsf (k - 1.0f) : -1.0f;
}

void
ad_flow_count_light (const ad_flow *f, float *count)
{
  if (!f->have_prev || f->n_vec < 1 || f->nch != 3)
    return;
  size_t hw = (size_t) f->h * f->w;
  const float *c = f->ch[f->cur], *q = f->ch[f->cur ^ 1];
  for (size_t p = 0; p < hw; p++)
    count[p] += light_only (c, q, hw, p) > AD_SHADE_STEP;
}

/* At the pixels where the light sways (f->shade, colour fits only):
 * f->lit is 0 where the change over the pair is one of light alone
 * (light_only: a fleck of sun coming or going), at the resolution the
 * vectors are fitted at: [hw], or [hw/4] at scale 2 (a half-resolution
 * pixel sways where any of its four does).  Those pixels are left out of
 * the vectors' fit (the energy and the residual keep them), so a fleck
 * reads no motion while a walker there, whose edges change the colour,
 * keeps its own.  Returns 0 when no pixel is left out. */
static int
light_mask (ad_flow *f)
{
  int h = f->h, w = f->w, s = f->scale;
  size_t n = (size_t) (h / s) * (w / s);
  const float *c = s == 2 ? f->half[f->cur] : f->ch[f->cur];
  const float *q = s == 2 ? f->half[f->cur ^ 1] : f->ch[f->cur ^ 1];
  int any = 0;
  for (int y = 0; y < h / s; y++)
    for (int x = 0; x < w / s; x++) {
      const float *m = f->shade + (size_t) s * y * w + s * x;
      int sway = m[0] > 0.5f || (s == 2 && (m[1] > 0.5f || m[w] > 0.5f ||
              m[w + 1] > 0.5f));
      size_t p = (size_t) y * (w / s) + x;
      f->lit[p] = !(sway && light_only (c, q, n, p) >= 0.0f);
      any |= !f->lit[p];
    }
  return any;
}

/* flow_refine: cell k's vector (f->uv, f->var; px/frame at model
 * resolution, the camera's (gu, gv) taken out) fitted again, up to
 * f->refine times, on the pair with the previous frame moved on by the
 * vector so far (the camera's included; cur, prev [nch][h, w] the fit's
 * planes at 1/vscale of the model's resolution, cell px cells, keep as
 * moved_sums', mb [nch] each channel's brightness change, local as
 * combine's).  One fit reads a displacement of more than a pixel or two
 * at the fit's resolution as far less (the pair's differences no longer
 * follow the gradients), so a runner reads as a walker; each refit
 * measures what is left.  The vector kept is the one after which the
 * pair's difference per pixel is least, and only when that is at most
 * AD_FLOW_REFINE_GAIN of one fit's: where one fit was short of a large
 * displacement the refits cut the difference by far more, while in a
 * walker's cell, which also holds the still ground, a warp of the whole
 * cell gains a little at shifts that are neither, and those refits
 * widened the normal patterns (benchmarks.md, "Refits only where one fit
 * fell short").  A cell that moves less than AD_FLOW_REFINE_MIN px at the
 * fit's resolution is left as it is. */
#define AD_FLOW_REFINE_MIN 0.25f
#define AD_FLOW_REFINE_GAIN 0.7
static void
refine_cell (ad_flow *f, int k, const float *const *cur,
    const float *const *prev, int nch, int h, int w, int cell,
    const uint8_t *keep, const double *mb, int local, double gu, double gv,
    float vscale)
{
  float *uv = f->uv + 2 * k;
  float du = (float) ((uv[0] + gu) / vscale), dv = (float) ((uv[1] + gv) /
      vscale);
  if (hypotf (du, dv) < AD_FLOW_REFINE_MIN)
    return;
  double first = 0.0;
  double cs[3 * FLOW_NS], s[FLOW_NS];
  double ridge = FLOW_RIDGE * f->sums[(size_t) k * FLOW_NS + 7] /
      (vscale * vscale);
  double best = HUGE_VAL;
  float bu = du, bv = dv, bvar = f->var[k] / (vscale * vscale);
  const float reach = (float) cell;
  for (int i = 0; i <= f->refine; i++) {
    moved_sums (f, k, cur, prev, nch, h, w, cell, keep, du, dv, cs);
    combine (cs, nch, 1, mb, local, s);
    if (!(s[7] > 0.0) || !(s[9] / s[7] < best))
      break;
    if (i == 0)
      first = s[9] / s[7];
    best = s[9] / s[7];
    bu = du;
    bv = dv;
    float inc[2];
    bvar = solve (s, ridge, 0.0, 0.0, inc);
    du += inc[0];
    dv += inc[1];
    if (!(fabsf (du) <= reach && fabsf (dv) <= reach))
      break;
  }
  if (!(best <= AD_FLOW_REFINE_GAIN * first))
    return;
  uv[0] = (float) (bu * vscale - gu);
  uv[1] = (float) (bv * vscale - gv);
  f->var[k] = vscale * vscale * bvar;
}

int
ad_flow_push (ad_flow *f, const float *feat, int c, int comp)
{
  int h = f->h, w = f->w, cell = f->cell;
  size_t hw = (size_t) h * w, q = hw / 4;
  int nch = c == 3 && f->colour ? 3 : 1;
  float *g = f->g[f->cur ^ 1];
  ad_channel_mean (feat, c, hw, g);
  ad_blur (g, h, w, FLOW_BLUR, f->tmp);
  if (nch == 3)
    for (int k = 0; k < 3; k++) {
      float *d = f->ch[f->cur ^ 1] + (size_t) k * hw;
      memcpy (d, feat + (size_t) k * hw, sizeof (float) * hw);
      ad_blur (d, h, w, FLOW_BLUR, f->tmp);
    }
  f->cur ^= 1;
  if (f->nch != nch)            /* the channels changed: a new start */
    f->have_prev = 0;
  f->nch = nch;
  if (f->scale == 2)
    for (int k = 0; k < nch; k++)
      halve (plane (f, f->cur, k), h, w, f->half[f->cur] + (size_t) k * q);
  if (!f->have_prev) {
    f->have_prev = 1;
    f->n_vec = 0;
    f->span = 1;
    memset (f->uv, 0, sizeof (float) * 2 * f->n);
    memset (f->energy, 0, sizeof (float) * f->n);
    return 0;
  }
  f->n_vec = f->n_vec < AD_FLOW_WINDOW_MAX ? f->n_vec + 1 : AD_FLOW_WINDOW_MAX;
  if (comp && (f->local || f->gain))
    relight_previous (f, f->local);
  const uint8_t *lit = f->shade && nch == 3 && light_mask (f) ? f->lit :
      NULL;
  size_t cn = (size_t) f->n * FLOW_NS;
  for (int k = 0; k < nch; k++) {
    /* at scale 1 with pixels left out (lit), the fit's sums and the
     * measured ones in one pass */
    int both = lit && f->scale == 1;
    cell_sums (plane (f, f->cur, k), plane (f, f->cur ^ 1, k),
        both ? lit : NULL, h, w, cell, f->gw,
        (both ? f->mcsums : f->csums) + k * cn, both ? f->csums + k * cn :
        NULL, f->ix + k * hw, f->iy + k * hw, f->it + k * hw);
    /* scale 2: the vectors come from the half-resolution pair (a
     * displacement there is half as many pixels, within the one-step
     * fit's reach at twice the speed) */
    if (f->scale == 2)
      cell_sums (f->half[f->cur] + k * q, f->half[f->cur ^ 1] + k * q,
          lit, h / 2, w / 2, cell / 2, f->gw, f->hcsums + k * cn, NULL,
          NULL, NULL, NULL);
  }
  /* brightness change per channel */
  double mb[3] = { 0.0, 0.0, 0.0 }, zero[3] = { 0.0, 0.0, 0.0 };
  for (int k = 0; comp && k < nch; k++)
    mb[k] = median_change (f, f->csums + k * cn);
  /* f->sums: full resolution, as measured (texture, pixel counts);
   * vs: what the vectors are fitted on, brightness change removed */
  combine (f->csums, nch, f->n, zero, 0, f->sums);
  double *vs = f->scale == 2 ? f->hsums : lit ? f->msums : f->sums;
  combine (f->scale == 2 ? f->hcsums : lit ? f->mcsums : f->csums, nch,
      f->n, mb, comp && f->local, vs);
  const float vscale = (float) f->scale;
  int nt = 0;
  for (int k = 0; k < f->n; k++) {
    fit_cell (f, vs, k, 0.0, 0.0, vscale);
    /* textured at model resolution (half of it blurs faint texture) */
    const double *t = f->sums + (size_t) k * FLOW_NS;
    if (comp && (t[0] + t[2]) > 4.0 * FLOW_RIDGE * t[7])
      f->work[nt++] = (float) k;
  }
  /* camera motion: the median vector of the textured cells */
  double gu = 0.0, gv = 0.0;
  if (comp && nt >= 8) {
    for (int d = 0; d < 2; d++) {
      for (int j = 0; j < nt; j++)
        f->tmp[j] = f->uv[2 * (int) f->work[j] + d];
      qsort (f->tmp, (size_t) nt, sizeof (float), ad_cmp_float);
      double med = 0.5 * (f->tmp[(nt - 1) / 2] + f->tmp[nt / 2]);
      if (d == 0)
        gu = med;
      else
        gv = med;
    }
    for (int k = 0; k < f->n; k++)
      fit_cell (f, vs, k, gu, gv, vscale);
  }
  if (f->refine > 0) {
    const float *cp[3], *pp[3];
    int sh = f->scale == 2 ? h / 2 : h, sw = f->scale == 2 ? w / 2 : w;
    for (int k = 0; k < nch; k++) {
      cp[k] = f->scale == 2 ? f->half[f->cur] + k * q : plane (f, f->cur, k);
      pp[k] = f->scale == 2 ? f->half[f->cur ^ 1] + k * q :
          plane (f, f->cur ^ 1, k);
    }
    for (int k = 0; k < f->n; k++)
      refine_cell (f, k, cp, pp, nch, sh, sw, cell / f->scale, lit, mb,
          comp && f->local, gu, gv, vscale);
  }
  /* energy: |It - mb - Ix gu - Iy gv| per cell (the camera's motion
   * predicts It = -(Ix gu + Iy gv)), of the channels' mean: the mean
   * averages each channel's sensor noise down, where the mean of the
   * channels' absolute values would count it in full (false alarms on
   * noisy footage, benchmarks.md "Motion in colour") */
  memset (f->energy, 0, sizeof (float) * f->n);
  /* with local light: each cell's and channel's own change, the mean of
   * It + Ix gu + Iy gv over the cell, f->work [nch, n], for the cell's
   * energy.  A pixel's own residual (f->tmp, which pixels move) takes
   * the picture's change after the pair was relit: one walker in a cell
   * moves the cell's mean and would make every pixel of it move. */
  float *off = f->local && comp ? f->work + f->n : NULL;
  for (int k = 0; off && k < nch; k++)
    for (int j = 0; j < f->n; j++) {
      const double *s = f->csums + k * cn + (size_t) j * FLOW_NS;
      off[k * f->n + j] = s[7] > 0.0 ?
          (float) ((s[8] + gu * s[5] + gv * s[6]) / s[7]) : 0.0f;
    }
  for (int y = 0; y < h; y++) {
    float *erow = f->energy + (size_t) (y / cell) * f->gw;
    const int crow = (y / cell) * f->gw;
    for (int x = 0; x < w; x++) {
      size_t p = (size_t) y * w + x;
      float a = 0.0f, ap = 0.0f;
      for (int k = 0; k < nch; k++) {
        size_t i = (size_t) k * hw + p;
        float dt = f->it[i] + f->ix[i] * (float) gu + f->iy[i] * (float) gv;
        a += dt - (off ? off[k * f->n + crow + x / cell] : (float) mb[k]);
        ap += dt - (float) mb[k];
      }
      erow[x / cell] += fabsf (a) / (float) nch;
      f->tmp[p] = fabsf (ap) / (float) nch;
    }
  }
  for (int k = 0; k < f->n; k++)
    f->energy[k] /= (float) (f->sums[k * FLOW_NS + 7] / nch);
  /* a pair across lost frames: per frame, as the others */
  if (f->span > 1) {
    float sp = (float) f->span;
    for (int k = 0; k < f->n; k++) {
      f->uv[2 * k] /= sp;
      f->uv[2 * k + 1] /= sp;
      f->var[k] /= sp * sp;
      f->energy[k] /= sp;
    }
    gu /= sp;
    gv /= sp;
    f->span = 1;
  }
  f->head = (f->head + 1) % AD_FLOW_WINDOW_MAX;
  f->ring_cam[f->head] = (float) hypot (gu, gv);
  memcpy (f->ring_uv + (size_t) f->head * f->n * 2, f->uv,
      sizeof (float) * 2 * f->n);
  memcpy (f->ring_en + (size_t) f->head * f->n, f->energy,
      sizeof (float) * f->n);
  memcpy (f->ring_var + (size_t) f->head * f->n, f->var,
      sizeof (float) * f->n);
  return 1;
}

const float *
ad_flow_residual (const ad_flow *f)
{
  return f->tmp;
}

const float *
ad_flow_gray (const ad_flow *f)
{
  return f->g[f->cur];
}

/* ------------------------------------------------------------------------ */
/* Normal patterns                                                          */

int
ad_flow_bin (const float *uv, int bins, float range)
{
  float w = AD_FLOW_BIN_W (bins, range);
  int b[2];
  for (int d = 0; d < 2; d++) {
    b[d] = (int) floorf ((uv[d] + range) / w);
    b[d] = b[d] < 0 ? 0 : b[d] >= bins ? bins - 1 : b[d];
  }
  return b[1] * bins + b[0];
}

static float
gate (float e, float noise)
{
  if (!(noise > 0.0f) || e <= noise)
    return 0.0f;
  float g = (e - noise) / noise;
  return g < 1.0f ? g : 1.0f;
}

/* Ring slot of the pair j pairs ago (j < n_vec). */
static int
slot (const ad_flow *f, int j)
{
  return (f->head - j + AD_FLOW_WINDOW_MAX) % AD_FLOW_WINDOW_MAX;
}

/* Cell k's vector and energy j pairs ago. */
static const float *
past_uv (const ad_flow *f, int k, int j)
{
  return f->ring_uv + ((size_t) slot (f, j) * f->n + k) * 2;
}

static float
past_en (const ad_flow *f, int k, int j)
{
  return f->ring_en[(size_t) slot (f, j) * f->n + k];
}

int
ad_flow_shaken (const ad_flow *f, int win)
{
  for (int j = 0; j < win && j < f->n_vec; j++)
    if (f->ring_cam[slot (f, j)] > AD_FLOW_SHAKE)
      return 1;
  return 0;
}

/* A walker's vectors are steady over a few frames while one pair's fit is
 * noisy; a pair in which the camera jumped carries the compensation's
 * error in every cell. */
int
ad_flow_window_vector (const ad_flow *f, int k, int win, float noise, float *uv,
    float *var)
{
  if (win < 1 || f->n_vec < win || ad_flow_shaken (f, win))
    return 0;
  float su = 0.0f, sv = 0.0f, sq = 0.0f;
  for (int j = 0; j < win; j++) {
    if (past_en (f, k, j) <= noise)
      return 0;
    su += past_uv (f, k, j)[0];
    sv += past_uv (f, k, j)[1];
    sq += f->ring_var[(size_t) slot (f, j) * f->n + k];
  }
  uv[0] = su / (float) win;
  uv[1] = sv / (float) win;
  if (var)
    *var = sq / (float) (win * win);
  return 1;
}

float
ad_flow_accel (const ad_flow *f, int k, float noise)
{
  if (f->n_vec < 2 || past_en (f, k, 1) <= noise || f->energy[k] <= noise)
    return -1.0f;
  return hypotf (f->uv[2 * k] - past_uv (f, k, 1)[0],
      f->uv[2 * k + 1] - past_uv (f, k, 1)[1]);
}

void
ad_flow_novelty (const ad_flow *f, const float *dist, int bins,
    float range, float noise, float accel_thr, int win, float *out)
{
  const int nb = bins * bins;
  for (int k = 0; k < f->n; k++) {
    float g = gate (f->energy[k], noise), uv[2], var;
    if (g <= 0.0f || !dist || !ad_flow_window_vector (f, k, win, noise, uv, &var)) {
      out[k] = 0.0f;
      continue;
    }
    float v = dist[(size_t) k * nb + ad_flow_bin (uv, bins, range)];
    /* a sudden change of direction or speed beyond what normal footage
     * shows (erratic motion made of individually normal vectors) */
    if (accel_thr > 0.0f) {
      float a = ad_flow_accel (f, k, noise) - accel_thr;
      v = a > v ? a : v;
    }
    /* less what the vector's own uncertainty can reach (ad_flow_set_sigma) */
    v -= f->sigma * sqrtf (var);
    out[k] = v > 0.0f ? g * v : 0.0f;
  }
}

void
ad_flow_wander (ad_flow *f, float noise, int win, int frames, float *out)
{
  frames = frames < 1 ? 1 : frames > AD_WANDER_MAX ? AD_WANDER_MAX : frames;
  f->whead = (f->whead + 1) % AD_WANDER_MAX;
  f->wfill += f->wfill < AD_WANDER_MAX;
  float *ring = f->wring + (size_t) f->whead * f->n * 2;
  uint8_t *ok = f->wvalid + (size_t) f->whead * f->n;
  float *rvar = f->wvar + (size_t) f->whead * f->n;
  for (int k = 0; k < f->n; k++) {
    ok[k] = gate (f->energy[k], noise) > 0.0f &&
        ad_flow_window_vector (f, k, win, noise, ring + 2 * k, rvar + k);
    if (!ok[k])
      ring[2 * k] = ring[2 * k + 1] = rvar[k] = 0.0f;
  }
  int m = f->wfill < frames ? f->wfill : frames;
  for (int k = 0; k < f->n; k++) {
    double su = 0.0, sv = 0.0, len = 0.0, sd = 0.0;
    int cnt = 0;
    for (int j = 0; j < m; j++) {
      int s = (f->whead - j + AD_WANDER_MAX) % AD_WANDER_MAX;
      if (!f->wvalid[(size_t) s * f->n + k])
        continue;
      const float *v = f->wring + ((size_t) s * f->n + k) * 2;
      su += v[0];
      sv += v[1];
      len += hypot (v[0], v[1]);
      sd += sqrt (f->wvar[(size_t) s * f->n + k]);
      cnt++;
    }
    /* noise alone travels about one standard error a pair and gets
     * nowhere: that much is discounted (ad_flow_set_sigma) */
    double wd = cnt > 0 ? (len - hypot (su, sv) - f->sigma * sd) / cnt : 0.0;
    out[k] = 2 * cnt >= frames && len >= AD_WANDER_MIN_SPEED * cnt &&
        wd > 0.0 ? (float) wd : 0.0f;
  }
}
