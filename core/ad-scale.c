/* ad-scale.c - how tall the things that move stand in the training
 * footage, for the scale rule (ad_config_fit_scale): a camera close to the
 * scene shows people two or three times taller than a surveillance view,
 * and its motion patterns want fitting at half the resolution
 * (docs/tuning.md, "Resolution"; measured in docs/benchmarks.md, "The
 * scale follows the footage").
 *
 * The measure: in stretches of AD_SCALE_CHUNK frames spread over the
 * footage, the background is each pixel's median over the stretch; in
 * every AD_SCALE_STEP-th frame the pixels more than AD_SCALE_DIFF from it
 * (after the frame's overall gain, so a change of light is no object, and
 * against the background moved by the frame's own shift within
 * AD_BG_SHIFT px, so a camera that shakes does not turn every edge of the
 * scene into a tall blob) form 8-connected blobs; a blob's height is the
 * rows it spans.  The shift is the picture's as a whole: a best match per
 * pixel would also eat the objects' edges, and shrink short people more
 * than tall ones.  The median of
 * the heights, weighted by the blobs' areas, is the answer: small blobs
 * of noise and of the leaves' shade weigh little, walkers and cars much.
 * A frame difference instead of the background would cut a walker into
 * the edges that changed, and read the swaying shade as tall (benchmarks).
 *
 * The same pass measures how fast they move: the motion vectors (ad_flow,
 * one step, the model's motion cells) of each sampled frame and the next
 * in the cells the frame's blobs cover at least a quarter of, the median
 * weighted by the pixels they cover (benchmarks.md, "People at a real
 * walker's speed": the generated walkers move about twice as far a frame
 * as real ones of their size).
 */
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define AD_SCALE_CHUNK 80
#define AD_SCALE_CHUNKS 8
#define AD_SCALE_STEP 4
#define AD_SCALE_DIFF 0.08f
/* blobs smaller than this many pixels at 160x120 (scaled with the model's
 * pixel count, at least 4) are noise */
#define AD_SCALE_MIN_AREA 12

typedef struct blob {
  int h;          /* rows spanned */
  int area;       /* pixels */
} blob;

typedef struct blob_list {
  blob *b;
  size_t n, cap;
} blob_list;

/* Appends (h, area) to l; 0 when out of memory. */
static int
list_add (blob_list *l, int h, int area)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 256;
    blob *nb = realloc (l->b, cap * sizeof *nb);
    if (!nb)
      return 0;
    l->b = nb;
    l->cap = cap;
  }
  l->b[l->n++] = (blob) { h, area };
  return 1;
}

static int
blob_cmp (const void *a, const void *b)
{
  const blob *x = a, *y = b;
  return (x->h > y->h) - (x->h < y->h);
}

/* Adds the 8-connected blobs of mask [h, w] (1 = differs) of at least
 * min_area pixels to l; seen [h*w] and stack [h*w] scratch.  0 when out of
 * memory. */
static int
find_blobs (const uint8_t *mask, int h, int w, int min_area, uint8_t *seen,
    int32_t *stack, blob_list *l)
{
  size_t hw = (size_t) h * w;
  memset (seen, 0, hw);
  for (size_t p = 0; p < hw; p++) {
    if (!mask[p] || seen[p])
      continue;
    int top = h, bottom = -1, area = 0;
    size_t sp = 0;
    stack[sp++] = (int32_t) p;
    seen[p] = 1;
    while (sp > 0) {
      int32_t q = stack[--sp];
      int y = q / w, x = q % w;
      area++;
      top = y < top ? y : top;
      bottom = y > bottom ? y : bottom;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          int yy = y + dy, xx = x + dx;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w)
            continue;
          size_t r = (size_t) yy * w + xx;
          if (mask[r] && !seen[r]) {
            seen[r] = 1;
            stack[sp++] = (int32_t) r;
          }
        }
    }
    if (area >= min_area && !list_add (l, bottom - top + 1, area))
      return 0;
  }
  return 1;
}

/* Mean absolute difference of gray [h, w] and bg [h, w] x g moved by
 * (sx, sy), over every third row and column, AD_BG_SHIFT px of border
 * left out. */
static double
shifted_error (const float *gray, const float *bg, float g, int h, int w,
    int sx, int sy)
{
  const int r = AD_BG_SHIFT;
  double e = 0.0;
  for (int y = r; y < h - r; y += 3)
    for (int x = r; x < w - r; x += 3)
      e += fabsf (gray[y * w + x] - g * bg[(y + sy) * w + x + sx]);
  return e;
}

/* The shift (*dx, *dy) within AD_BG_SHIFT px that brings bg [h, w],
 * times the gain g, closest to gray [h, w]: a shaking camera's
 * displacement.  A shift must beat the unshifted background by
 * AD_SCALE_SHIFT_GAIN: on a still camera a light the gain does not quite
 * fit, or noise, can make a wrong shift a hair better, and that one
 * would outline every object with a row of the moved background. */
#define AD_SCALE_SHIFT_GAIN 0.9
static void
frame_shift (const float *gray, const float *bg, float g, int h, int w,
    int *dx, int *dy)
{
  const int r = AD_BG_SHIFT;
  double e0 = shifted_error (gray, bg, g, h, w, 0, 0), best = e0;
  *dx = *dy = 0;
  for (int sy = -r; sy <= r; sy++)
    for (int sx = -r; sx <= r; sx++) {
      double e = sx || sy ? shifted_error (gray, bg, g, h, w, sx, sy) : e0;
      if (e < best && e < AD_SCALE_SHIFT_GAIN * e0) {
        best = e;
        *dx = sx;
        *dy = sy;
      }
    }
}

/* Adds, for each motion cell of the pair's vectors uv [n, 2] that the
 * mask [h, w] (1 = differs from the background) covers at least a
 * quarter of, its speed and the mask's pixels in it to l (h: speed x
 * 1000, area: pixels).  0 when out of memory. */
static int
cell_speeds (const float *uv, const uint8_t *mask, int h, int w, int cell,
    int32_t *count, blob_list *l)
{
  int gw = (w + cell - 1) / cell, gh = (h + cell - 1) / cell;
  memset (count, 0, sizeof (int32_t) * (size_t) gw * gh);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      count[(y / cell) * gw + x / cell] += mask[(size_t) y * w + x];
  for (int k = 0; k < gw * gh; k++) {
    if (4 * count[k] >= cell * cell && !list_add (l, (int) lroundf (1000.0f
                * hypotf (uv[2 * k], uv[2 * k + 1])), count[k]))
      return 0;
  }
  return 1;
}

/* The area-weighted median of l's h (sorted in place); 0 when empty. */
static double
weighted_median (blob_list *l)
{
  if (l->n == 0)
    return 0.0;
  qsort (l->b, l->n, sizeof *l->b, blob_cmp);
  double total = 0.0, acc = 0.0;
  for (size_t i = 0; i < l->n; i++)
    total += l->b[i].area;
  for (size_t i = 0; i < l->n; i++) {
    acc += l->b[i].area;
    if (acc >= 0.5 * total)
      return l->b[i].h;
  }
  return l->b[l->n - 1].h;
}

ad_status
ad_footage_height (int64_t n, ad_frame_fn get, void *user,
    const ad_config *cfg, const float *skip, double *height, int64_t *blobs,
    double *speed, ad_error *err)
{
  *height = 0.0;
  *blobs = 0;
  if (speed)
    *speed = 0.0;
  if (!get || n < 2)
    return AD_OK;
  const int h = cfg->height, w = cfg->width, ci = ad_config_image_channels
      (cfg);
  const size_t hw = (size_t) h * w;
  const size_t fs = (size_t) ad_config_in_channels (cfg) * hw;
  int min_area = (int) lround (AD_SCALE_MIN_AREA * (double) hw /
      (160.0 * 120.0));
  min_area = min_area > 4 ? min_area : 4;
  int64_t len = n < AD_SCALE_CHUNK ? n : AD_SCALE_CHUNK;
  int64_t chunks = n / len < AD_SCALE_CHUNKS ? n / len : AD_SCALE_CHUNKS;
  float *buf = ad_alloc (fs);                 /* [fs] a frame */
  float *gray = ad_alloc (3 * hw);            /* gray, bg, tmp [hw] each */
  uint8_t *mask = malloc (2 * hw);            /* mask, seen [hw] */
  int32_t *stack = malloc (sizeof (int32_t) * hw);     /* [hw] */
  float *next = speed ? ad_alloc (hw) : NULL;    /* [hw] the next gray */
  blob_list l = { 0 }, sp = { 0 };
  ad_flow *fl = NULL;
  ad_status st = AD_OK;
  if (!buf || !gray || !mask || !stack || (speed && !next)) {
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory measuring the footage");
    goto done;
  }
  if (speed && (st = ad_flow_new (h, w, cfg->motion_cell, &fl, err)) !=
      AD_OK)
    goto done;
  float *bg = gray + hw, *tmp = gray + 2 * hw;
  for (int64_t k = 0; k < chunks; k++) {
    int64_t start = chunks > 1 ? k * (n - len) / (chunks - 1) : 0;
    ad_bg_hist *bh = ad_bg_hist_new ((int) hw);
    if (!bh) {
      st = ad_fail (err, AD_ERR_NOMEM, "out of memory measuring the footage");
      goto done;
    }
    for (int64_t i = start; i < start + len; i += 2) {
      int seg = 0;
      ad_channel_mean (get (user, i, buf, &seg), ci, hw, gray);
      ad_bg_hist_add (bh, gray);
    }
    int have = ad_bg_hist_median (bh, bg);
    ad_bg_hist_free (bh);
    if (!have)
      continue;
    for (int64_t i = start; i < start + len; i += AD_SCALE_STEP) {
      int seg = 0;
      ad_channel_mean (get (user, i, buf, &seg), ci, hw, gray);
      float g = ad_gain (gray, bg, (int) hw, tmp);
      int dx, dy;
      frame_shift (gray, bg, g, h, w, &dx, &dy);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          /* the background under pixel (x, y), clamped at the border */
          int by = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
          int bx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
          size_t p = (size_t) y * w + x;
          mask[p] = !(skip && skip[p] > 0.5f) &&
              fabsf (gray[p] - g * bg[(size_t) by * w + bx]) > AD_SCALE_DIFF;
        }
      /* the speed: the motion vectors of this frame and the next in the
       * cells the objects cover (stack: the cells' counts) */
      seg = 0;
      if (fl && i + 1 < start + len) {
        ad_channel_mean (get (user, i + 1, buf, &seg), ci, hw, next);
        ad_flow_reset (fl);
        ad_flow_push (fl, gray, 1, 1);
        if (!seg && ad_flow_push (fl, next, 1, 1) &&
            !cell_speeds (ad_flow_vectors (fl), mask, h, w,
                cfg->motion_cell, stack, &sp)) {
          st = ad_fail (err, AD_ERR_NOMEM, "out of memory measuring the "
              "footage");
          goto done;
        }
      }
      if (!find_blobs (mask, h, w, min_area, mask + hw, stack, &l)) {
        st = ad_fail (err, AD_ERR_NOMEM, "out of memory measuring the "
            "footage");
        goto done;
      }
    }
  }
  *height = weighted_median (&l);
  *blobs = (int64_t) l.n;
  if (speed)
    *speed = weighted_median (&sp) / 1000.0;
done:
  ad_flow_free (fl);
  ad_free (next);
  free (sp.b);
  ad_free (buf);
  ad_free (gray);
  free (mask);
  free (stack);
  free (l.b);
  return st;
}
