/* ad-static.c - the learned background and the stationary-change signal.
 *
 * An object left behind lies still, so neither the frame difference nor
 * the motion patterns see it, and a next-frame predictor simply copies it.
 * What gives it away is that the picture no longer matches the background
 * of the training footage where nothing moves.  The background is the
 * per-pixel median of the training frames' blurred gray (people pass, the
 * median stays); a frame's difference to it is taken at the best match
 * within a few pixels (camera jitter) after scaling by the frame's overall
 * gain (lighting), or with static_light by the light of each place
 * (ad_gain_field: a cloud's shadow; from light_engage on, while the
 * evenly lit cells disagree).  The scorer keeps the part of it that is
 * still and lasts (ad-score-map.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ad_bg_hist {
  int hw;
  int64_t n;
  uint32_t *count;          /* [hw, AD_BG_BINS] */
};

ad_bg_hist *
ad_bg_hist_new (int hw)
{
  ad_bg_hist *b = calloc (1, sizeof *b);
  if (!b)
    return NULL;
  b->hw = hw;
  b->count = calloc ((size_t) hw * AD_BG_BINS, sizeof (uint32_t));
  if (!b->count) {
    free (b);
    return NULL;
  }
  return b;
}

void
ad_bg_hist_free (ad_bg_hist *b)
{
  if (b) {
    free (b->count);
    free (b);
  }
}

void
ad_bg_hist_add (ad_bg_hist *b, const float *gray)
{
  for (int p = 0; p < b->hw; p++) {
    int k = (int) (gray[p] * AD_BG_BINS);
    k = k < 0 ? 0 : k >= AD_BG_BINS ? AD_BG_BINS - 1 : k;
    b->count[(size_t) p * AD_BG_BINS + k]++;
  }
  b->n++;
}

int
ad_bg_hist_median (const ad_bg_hist *b, float *bg)
{
  if (b->n < 1)
    return 0;
  for (int p = 0; p < b->hw; p++) {
    const uint32_t *c = b->count + (size_t) p * AD_BG_BINS;
    int64_t acc = 0;
    int k = 0;
    while (k < AD_BG_BINS - 1 && 2 * (acc + c[k]) < b->n)
      acc += c[k++];
    /* linear within the bin: where the running count crosses n/2 */
    float f = c[k] ? (float) (0.5 * b->n - acc) / (float) c[k] : 0.5f;
    f = f < 0.0f ? 0.0f : f > 1.0f ? 1.0f : f;
    bg[p] = (k + f) / AD_BG_BINS;
  }
  return 1;
}

/* v within [1/AD_GAIN_MAX, AD_GAIN_MAX]; g when v is not a number. */
static float
clamp_gain (float v, float g)
{
  if (!(v == v))
    return g;
  return v < 1.0f / AD_GAIN_MAX ? 1.0f / AD_GAIN_MAX : v > AD_GAIN_MAX ?
      AD_GAIN_MAX : v;
}

float
ad_gain (const float *x, const float *ref, int n, float *tmp)
{
  int m = 0;
  for (int p = 0; p < n; p += AD_GAIN_STRIDE)
    if (ref[p] > AD_GAIN_MIN_REF)
      tmp[m++] = x[p] / ref[p];
  return clamp_gain (m > 0 ? ad_quantile (tmp, m, 0.5f, tmp + m) : 1.0f,
      1.0f);
}

/* The median ratio x / ref over every other pixel (both ways) of the
 * [h, w] planes within rows y0..y1-1 and columns x0..x1-1, as ad_gain's
 * (clamp_gain), leaving out the pixels where skip (NULL or [h, w]) is
 * set; g when no pixel qualifies.  *spread = the ratios' interquartile
 * range relative to that median (a change of light scales a place
 * evenly, an object does not; infinite with fewer than 4 ratios).  tmp
 * scratch, twice the pixels read. */
static float
median_ratio (const float *x, const float *ref, const uint8_t *skip, int w,
    int y0, int y1, int x0, int x1, float g, float *tmp, float *spread)
{
  int m = 0;
  for (int y = y0; y < y1; y += 2)
    for (int xx = x0; xx < x1; xx += 2) {
      int p = y * w + xx;
      if (ref[p] > AD_GAIN_MIN_REF && !(skip && skip[p]))
        tmp[m++] = x[p] / ref[p];
    }
  float med = m > 0 ? ad_quantile (tmp, m, 0.5f, tmp + m) : g;
  *spread = INFINITY;
  if (m >= 4 && med > 0.0f)
    *spread = (ad_quantile (tmp, m, 0.75f, tmp + m) -
        ad_quantile (tmp, m, 0.25f, tmp + m)) / med;
  return clamp_gain (med, g);
}

/* The window of 2 r + 1 of n cells centred on cell i, cut at the grid's
 * edge: [*a, *b).  A cell at the edge is lit as itself and its inner
 * neighbours; a window moved inside the grid instead would centre on the
 * next cell in and give the edge that cell's light, a whole cell off
 * under a cloud's edge. */
static void
window (int i, int r, int n, int *a, int *b)
{
  *a = i - r < 0 ? 0 : i - r;
  *b = i + r + 1 > n ? n : i + r + 1;
}

/* Cell centres along an axis of n pixels in cells of c: pixel i lies
 * between centres *i0 and *i0 + 1 (both within the nc cells) at *t. */
static void
between (int i, int c, int nc, int *i0, float *t)
{
  float f = ((float) i + 0.5f) / (float) c - 0.5f;
  f = f < 0.0f ? 0.0f : f > (float) (nc - 1) ? (float) (nc - 1) : f;
  *i0 = (int) f < nc - 1 ? (int) f : nc - 1;
  *t = f - (float) *i0;
}

float
ad_gain_field (const float *x, const float *ref, const uint8_t *skip,
    int h, int w, int cell, int radius, float engage, float *tmp, float *gf,
    float *share)
{
  float g = ad_gain (x, ref, h * w, tmp);
  int gw = (w + cell - 1) / cell, gh = (h + cell - 1) / cell, n = gw * gh;
  float a = 0.0f;             /* the share of the light by place */
  /* [n] each cell's median ratio (not a number where its ratios spread:
   * an object), [n] its light, then scratch */
  float *cm = tmp, *cg = tmp + n, *scr = tmp + 2 * n;
  if (radius > 0 && n >= 2) {
    for (int cy = 0; cy < gh; cy++)
      for (int cx = 0; cx < gw; cx++) {
        float sp;
        float v = median_ratio (x, ref, skip, w, cy * cell,
            (cy + 1) * cell < h ? (cy + 1) * cell : h, cx * cell,
            (cx + 1) * cell < w ? (cx + 1) * cell : w, g, scr, &sp);
        cm[cy * gw + cx] = sp <= AD_LIGHT_EVEN ? v : NAN;
      }
    /* each cell's light: the median of the evenly lit cells' around it,
     * so that an object in fewer than half of them is not taken for
     * light; the picture's where none is */
    float dis = 0.0f;
    for (int cy = 0; cy < gh; cy++)
      for (int cx = 0; cx < gw; cx++) {
        int ya, yb, xa, xb, m = 0;
        window (cy, radius, gh, &ya, &yb);
        window (cx, radius, gw, &xa, &xb);
        for (int yy = ya; yy < yb; yy++)
          for (int xx = xa; xx < xb; xx++)
            if (cm[yy * gw + xx] == cm[yy * gw + xx])
              scr[m++] = cm[yy * gw + xx];
        float v = m > 0 ? ad_quantile (scr, m, 0.5f, scr + m) : g;
        cg[cy * gw + cx] = v;
        dis = fabsf (v - g) > dis ? fabsf (v - g) : dis;
      }
    /* the cells' disagreement, relative to the picture's light: none
     * below engage, all of it from twice engage */
    dis /= g;
    a = engage <= 0.0f ? 1.0f : (dis - engage) / engage;
    a = a < 0.0f ? 0.0f : a > 1.0f ? 1.0f : a;
  }
  if (share)
    *share = a;
  if (a <= 0.0f) {
    for (int p = 0; p < h * w; p++)
      gf[p] = g;
    return g;
  }
  for (int y = 0; y < h; y++) {
    int y0, x0;
    float ty, tx;
    between (y, cell, gh, &y0, &ty);
    const float *r0 = cg + y0 * gw, *r1 = cg + (y0 + 1 < gh ? y0 + 1 : y0) * gw;
    for (int xx = 0; xx < w; xx++) {
      between (xx, cell, gw, &x0, &tx);
      int x1 = x0 + 1 < gw ? x0 + 1 : x0;
      float top = r0[x0] + tx * (r0[x1] - r0[x0]);
      float bot = r1[x0] + tx * (r1[x1] - r1[x0]);
      gf[y * w + xx] = g + a * (top + ty * (bot - top) - g);
    }
  }
  return g;
}

void
ad_chroma (const float *feat, size_t hw, float *uv)
{
  const float *r = feat, *g = feat + hw, *b = feat + 2 * hw;
  for (size_t p = 0; p < hw; p++) {
    float s = r[p] + g[p] + b[p];
    uv[p] = s > AD_TINY ? r[p] / s : 1.0f / 3.0f;
    uv[hw + p] = s > AD_TINY ? g[p] / s : 1.0f / 3.0f;
  }
}

/* The median over every AD_GAIN_STRIDE-th pixel of a [hw] - b [hw];
 * tmp [hw] scratch. */
static float
median_shift (const float *a, const float *b, int hw, float *tmp)
{
  int m = 0;
  for (int p = 0; p < hw; p += AD_GAIN_STRIDE)
    tmp[m++] = a[p] - b[p];
  return m > 0 ? ad_quantile (tmp, m, 0.5f, tmp + m) : 0.0f;
}

void
ad_chroma_diff (const float *uv, const float *bg, const float *gray,
    int h, int w, float *tmp, float *d)
{
  const int hw = h * w;
  const float su = median_shift (uv, bg, hw, tmp);
  const float sv = median_shift (uv + hw, bg + hw, hw, tmp);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int p = y * w + x;
      float u = uv[p] - su, v = uv[hw + p] - sv, best = 1e30f;
      for (int dy = -AD_BG_SHIFT; dy <= AD_BG_SHIFT; dy++) {
        int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
        for (int dx = -AD_BG_SHIFT; dx <= AD_BG_SHIFT; dx++) {
          int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
          int q = yy * w + xx;
          float e = fabsf (u - bg[q]) + fabsf (v - bg[hw + q]);
          best = e < best ? e : best;
        }
      }
      d[p] = gray[p] * best;
    }
}

void
ad_bg_diff (const float *gray, const float *bg, const float *gf, int h,
    int w, float *d)
{
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float v = gray[y * w + x], best = 1e30f, g = gf[y * w + x];
      for (int dy = -AD_BG_SHIFT; dy <= AD_BG_SHIFT; dy++) {
        int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
        const float *row = bg + (size_t) yy * w;
        for (int dx = -AD_BG_SHIFT; dx <= AD_BG_SHIFT; dx++) {
          int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
          /* the camera clips at white: a brighter picture saturates */
          float e = fabsf (v - fminf (g * row[xx], 1.0f));
          best = e < best ? e : best;
        }
      }
      d[y * w + x] = best;
    }
}
