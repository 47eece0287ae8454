/* ad-stats.c - statistics of maps and score samples: Gaussian blur,
 * quantiles (with an exponential tail for few samples), top-k mean, the
 * histogram-estimated error floor, and the mean absolute difference per
 * cell.  Used by the scorer and its calibration (docs/scoring.md). */
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
ad_channel_mean (const float *feat, int c, size_t hw, float *gray)
{
  for (size_t p = 0; p < hw; p++) {
    float s = 0.0f;
    for (int ch = 0; ch < c; ch++)
      s += feat[(size_t) ch * hw + p];
    gray[p] = s / (float) c;
  }
}

/* One pass of ad_grow_mask: dst = src grown by r along rows (stride 1,
 * n per line, lines apart by ls) or columns, with a running count of
 * the 1s in the window. */
static void
grow_lines (const uint8_t *src, uint8_t *dst, int lines, int n, int step,
    int ls, int r)
{
  for (int l = 0; l < lines; l++) {
    const uint8_t *s = src + (size_t) l * ls;
    uint8_t *d = dst + (size_t) l * ls;
    int count = 0;
    for (int i = 0; i < r && i < n; i++)
      count += s[(size_t) i * step];
    for (int i = 0; i < n; i++) {
      if (i + r < n)
        count += s[(size_t) (i + r) * step];
      if (i - r - 1 >= 0)
        count -= s[(size_t) (i - r - 1) * step];
      d[(size_t) i * step] = count > 0;
    }
  }
}

void
ad_grow_mask (uint8_t *mask, int h, int w, int r, uint8_t *tmp)
{
  if (r <= 0)
    return;
  grow_lines (mask, tmp, h, w, 1, w, r);        /* along rows */
  grow_lines (tmp, mask, w, h, w, 1, r);        /* along columns */
}

void
ad_blur (float *map, int h, int w, float sigma, float *tmp)
{
  if (!(sigma > 0.0f) || h < 1 || w < 1)
    return;
  enum { RMAX = 64 };
  int r = (int) ceilf (3.0f * sigma);
  if (r > RMAX)
    r = RMAX;
  float g[RMAX + 1];      /* g[|k|], normalised over -r..r */
  float sum = 0.0f;
  for (int k = 0; k <= r; k++) {
    g[k] = expf (-0.5f * (float) (k * k) / (sigma * sigma));
    sum += k ? 2.0f * g[k] : g[k];
  }
  for (int k = 0; k <= r; k++)
    g[k] /= sum;

  /* horizontal: map -> tmp, borders clamped */
  for (int y = 0; y < h; y++) {
    const float *s = map + (size_t) y * w;
    float *d = tmp + (size_t) y * w;
    for (int x = 0; x < w; x++) {
      float v = g[0] * s[x];
      if (x >= r && x + r < w) {
        for (int k = 1; k <= r; k++)
          v += g[k] * (s[x - k] + s[x + k]);
      } else {
        for (int k = 1; k <= r; k++) {
          int a = x - k < 0 ? 0 : x - k;
          int b = x + k > w - 1 ? w - 1 : x + k;
          v += g[k] * (s[a] + s[b]);
        }
      }
      d[x] = v;
    }
  }
  /* vertical: tmp -> map, whole rows at a time */
  for (int y = 0; y < h; y++) {
    float *d = map + (size_t) y * w;
    const float *c = tmp + (size_t) y * w;
    for (int x = 0; x < w; x++)
      d[x] = g[0] * c[x];
    for (int k = 1; k <= r; k++) {
      int a = y - k < 0 ? 0 : y - k;
      int b = y + k > h - 1 ? h - 1 : y + k;
      const float *ra = tmp + (size_t) a * w, *rb = tmp + (size_t) b * w;
      for (int x = 0; x < w; x++)
        d[x] += g[k] * (ra[x] + rb[x]);
    }
  }
}

/* Rearranges a [n] so that a[k] is the k-th smallest (0-based) and
 * a[k+1 .. n) >= a[k]; returns a[k].  Hoare partitioning, median-of-three
 * pivot; equal values split evenly, so constant arrays are fast. */
static float
select_k (float *a, int64_t n, int64_t k)
{
  int64_t l = 0, r = n - 1;
  while (r > l) {
    int64_t mid = l + (r - l) / 2;
    float p = a[l], q = a[mid], s = a[r];
    float x = p < q ? (q < s ? q : (p < s ? s : p)) :
        (p < s ? p : (q < s ? s : q));
    int64_t i = l, j = r;
    while (i <= j) {
      while (a[i] < x)
        i++;
      while (a[j] > x)
        j--;
      if (i <= j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j)
      r = j;
    else if (k >= i)
      l = i;
    else
      break;
  }
  return a[k];
}

int
ad_cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

float
ad_quantile (const float *v, int64_t n, float q, float *tmp)
{
  if (n <= 0)
    return 0.0f;
  q = q < 0.0f ? 0.0f : q > 1.0f ? 1.0f : q;
  memcpy (tmp, v, sizeof (float) * (size_t) n);
  double pos = (double) q * (double) (n - 1);
  int64_t lo = (int64_t) floor (pos);
  if (lo > n - 1)
    lo = n - 1;
  float a = select_k (tmp, n, lo);
  if (lo == n - 1)
    return a;
  float b = tmp[lo + 1];     /* the next value is the minimum above lo */
  for (int64_t i = lo + 2; i < n; i++)
    b = tmp[i] < b ? tmp[i] : b;
  float f = (float) (pos - (double) lo);
  return a + f * (b - a);
}

/* Values beyond the quantile below which the empirical quantile is
 * extrapolated, and the anchor level of the fitted tail. */
#define AD_TAIL_MIN 10
#define AD_TAIL_ANCHOR 0.9f

/* The empirical 0.999 quantile of 96 frames is their maximum, which a
 * longer stretch of normal footage exceeds many times.  Above the anchor
 * (the 90th percentile, a tenth of the values) the tail is taken as
 * exponential (a generalised Pareto tail of shape 0): its scale is the
 * mean excess over the anchor, and the quantile q lies ln((1 - anchor) /
 * (1 - q)) scales above the anchor. */
float
ad_tail_quantile (const float *v, int64_t n, float q, float *tmp)
{
  float emp = ad_quantile (v, n, q, tmp);
  if (n < AD_TAIL_MIN || (double) n * (1.0 - q) >= AD_TAIL_MIN
      || q <= AD_TAIL_ANCHOR)
    return emp;
  float a = ad_quantile (v, n, AD_TAIL_ANCHOR, tmp);
  double ex = 0.0;
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++)
    if (v[i] > a) {
      ex += v[i] - a;
      k++;
    }
  if (k == 0)
    return emp;
  float t = a + (float) (ex / (double) k) *
      logf ((1.0f - AD_TAIL_ANCHOR) / fmaxf (1.0f - q, 1e-6f));
  return t > emp ? t : emp;
}

float
ad_topk_mean (const float *v, int n, float frac, float *tmp)
{
  if (n <= 0)
    return 0.0f;
  int k = (int) lrint ((double) frac * n);
  k = k < 1 ? 1 : k > n ? n : k;
  memcpy (tmp, v, sizeof (float) * (size_t) n);
  select_k (tmp, n, n - k);
  double s = 0.0;
  for (int i = n - k; i < n; i++)
    s += tmp[i];
  return (float) (s / k);
}

/* Histogram of the values of v [n] inside [lo, hi] into nb bins. */
static int
hist_bin (float x, float lo, float scale, int nb)
{
  int b = (int) ((x - lo) * scale);
  return b < 0 ? 0 : b >= nb ? nb - 1 : b;
}

/* Value of rank `rank` among v [n] (all finite values in [lo, hi]),
 * located with a two-level histogram (resolution (hi - lo) / 65536). */
static float
hist_rank (const float *v, int n, float lo, float hi, int rank)
{
  enum { NB = 256 };
  int hist[NB] = { 0 };
  float scale = NB / (hi - lo);
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      hist[hist_bin (v[i], lo, scale, NB)]++;
  int b = 0, before = 0;
  while (b < NB - 1 && before + hist[b] <= rank)
    before += hist[b++];
  /* second level: the values of bin b, split into NB sub-bins */
  float blo = lo + b / scale, bw = 1.0f / scale;
  int sub[NB] = { 0 };
  float sscale = NB / bw;
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]) && hist_bin (v[i], lo, scale, NB) == b)
      sub[hist_bin (v[i], blo, sscale, NB)]++;
  int s = 0;
  while (s < NB - 1 && before + sub[s] <= rank)
    before += sub[s++];
  return blo + (s + 0.5f) / sscale;
}

/* The floor is the level of the error that normal texture leaves all over
 * the frame.  It is the mode of the lower part of the distribution: take
 * the median m (two-level histogram), histogram the values in
 * [min, 2m - min] (the bulk, symmetric around the median, excluding the
 * upper tail where anomalies are) into 64 bins, smooth with [1 2 1] and
 * return the centre of the fullest bin.  A constant map returns its value;
 * sparse peaks do not move the estimate. */
float
ad_hist_floor (const float *map, int n)
{
  float lo = INFINITY, hi = -INFINITY;
  int nf = 0;
  for (int i = 0; i < n; i++)
    if (isfinite (map[i])) {
      lo = map[i] < lo ? map[i] : lo;
      hi = map[i] > hi ? map[i] : hi;
      nf++;
    }
  if (nf == 0)
    return 0.0f;
  if (!(hi - lo > 1e-12f * fabsf (hi)) || hi - lo < 1e-30f)
    return lo;
  float med = hist_rank (map, n, lo, hi, (nf - 1) / 2);
  float top = 2.0f * med - lo;
  if (!(top - lo > 1e-6f * (hi - lo)))
    return med;
  enum { NB = 64 };
  int hist[NB] = { 0 };
  float scale = NB / (top - lo);
  for (int i = 0; i < n; i++)
    if (isfinite (map[i]) && map[i] <= top)
      hist[hist_bin (map[i], lo, scale, NB)]++;
  int best = 0, best_v = -1;
  for (int b = 0; b < NB; b++) {
    int v = 2 * hist[b] + (b > 0 ? hist[b - 1] : hist[b]) +
        (b < NB - 1 ? hist[b + 1] : hist[b]);
    if (v > best_v) {
      best_v = v;
      best = b;
    }
  }
  return lo + (best + 0.5f) / scale;
}

int
ad_motion_cells (const float *a, const float *b, int c, int h, int w,
    int cell, float *cells)
{
  if (cell < 1 || h < 1 || w < 1 || c < 1)
    return 0;
  int gh = (h + cell - 1) / cell, gw = (w + cell - 1) / cell;
  size_t hw = (size_t) h * w;
  memset (cells, 0, sizeof (float) * (size_t) gh * gw);
  for (int y = 0; y < h; y++) {
    float *crow = cells + (size_t) (y / cell) * gw;
    for (int ch = 0; ch < c; ch++) {
      const float *pa = a + ch * hw + (size_t) y * w;
      const float *pb = b + ch * hw + (size_t) y * w;
      for (int x = 0; x < w; x++)
        crow[x / cell] += fabsf (pa[x] - pb[x]);
    }
  }
  for (int gy = 0; gy < gh; gy++) {
    int ny = (gy + 1) * cell > h ? h - gy * cell : cell;
    for (int gx = 0; gx < gw; gx++) {
      int nx = (gx + 1) * cell > w ? w - gx * cell : cell;
      cells[gy * gw + gx] /= (float) (ny * nx * c);
    }
  }
  return gh * gw;
}
