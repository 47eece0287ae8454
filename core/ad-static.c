/* ad-static.c - the learned background and the stationary-change signal.
 *
 * An object left behind lies still, so neither the frame difference nor
 * the motion patterns see it, and a next-frame predictor simply copies it.
 * What gives it away is that the picture no longer matches the background
 * of the training footage where nothing moves.  The background is the
 * per-pixel median of the training frames' blurred gray (people pass, the
 * median stays); a frame's difference to it is taken at the best match
 * within a few pixels (camera jitter) after scaling by the frame's overall
 * gain (lighting).  The scorer keeps the part of it that is still and
 * lasts (ad-score-map.c).
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

float
ad_gain (const float *x, const float *ref, int n, float *tmp)
{
  int m = 0;
  for (int p = 0; p < n; p += AD_GAIN_STRIDE)
    if (ref[p] > AD_GAIN_MIN_REF)
      tmp[m++] = x[p] / ref[p];
  float g = m > 0 ? ad_quantile (tmp, m, 0.5f, tmp + m) : 1.0f;
  if (!(g == g))
    return 1.0f;
  return g < 1.0f / AD_GAIN_MAX ? 1.0f / AD_GAIN_MAX : g > AD_GAIN_MAX ?
      AD_GAIN_MAX : g;
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

float
ad_bg_diff (const float *gray, const float *bg, int h, int w, float *tmp,
    float *d)
{
  float gain = ad_gain (gray, bg, h * w, tmp);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float v = gray[y * w + x], best = 1e30f;
      for (int dy = -AD_BG_SHIFT; dy <= AD_BG_SHIFT; dy++) {
        int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
        const float *row = bg + (size_t) yy * w;
        for (int dx = -AD_BG_SHIFT; dx <= AD_BG_SHIFT; dx++) {
          int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
          /* the camera clips at white: a brighter picture saturates */
          float e = fabsf (v - fminf (gain * row[xx], 1.0f));
          best = e < best ? e : best;
        }
      }
      d[y * w + x] = best;
    }
  return gain;
}
