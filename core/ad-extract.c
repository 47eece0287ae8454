/* ad-extract.c - feature extraction: 8-bit images to feature frames.
 *
 * The resize is an exact area average (box filter): output pixel o along an
 * axis of n_in source pixels and n_out output pixels covers the source
 * interval [o * n_in / n_out, (o + 1) * n_in / n_out), and each source pixel
 * contributes in proportion to the part of it inside that interval.  The
 * same rule handles down- and up-scaling.  Overlaps are computed in integer
 * units of 1/n_out source pixels, so the weights are exact rationals.
 *
 * The filter is separable.  For each output row, the covered source rows
 * are first summed with their vertical weights over their raw interleaved
 * bytes (a contiguous loop the compiler vectorises), giving one float row
 * of in_w * pixel_stride values; that row is then resized horizontally per
 * channel.  Boundary source rows shared by two output rows are read twice;
 * nothing else is.
 */
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Box-filter taps along one axis: output o reads source pixels
 * start[o] .. start[o] + count[o] - 1 with weights w[o * max_taps + k]
 * (summing to 1). */
typedef struct ad_axis {
  int n_in, n_out, max_taps;
  int *start;     /* [n_out] */
  int *count;     /* [n_out] */
  float *w;       /* [n_out * max_taps] */
} ad_axis;

struct ad_extractor {
  ad_config cfg;
  int w, h, hw;           /* model resolution */
  int ci;                 /* model image channels (1 or 3) */
  int in_w, in_h;         /* input size the tables were built for (0: none) */
  ad_axis ax, ay;
  float *vrow;            /* [in_w * pixel_stride] vertically summed bytes */
  size_t vrow_cap;        /* floats allocated in vrow */
  float *acc;             /* [3, w] one output row, 0..255 units */
  float *prev;            /* [ci, h, w] previous frame's image channels */
  int have_prev;
};

static void
axis_clear (ad_axis *a)
{
  free (a->start);
  free (a->count);
  ad_free (a->w);
  memset (a, 0, sizeof *a);
}

/* Builds the taps for n_in -> n_out; returns 0 on allocation failure. */
static int
axis_build (ad_axis *a, int n_in, int n_out)
{
  axis_clear (a);
  /* An output interval spans n_in / n_out source pixels and can touch one
   * more partially covered pixel at each end. */
  int max_taps = (n_in + n_out - 1) / n_out + 1;
  a->start = malloc (sizeof (int) * (size_t) n_out);
  a->count = malloc (sizeof (int) * (size_t) n_out);
  a->w = ad_alloc ((size_t) n_out * (size_t) max_taps);
  if (!a->start || !a->count || !a->w) {
    axis_clear (a);
    return 0;
  }
  a->n_in = n_in;
  a->n_out = n_out;
  a->max_taps = max_taps;
  for (int o = 0; o < n_out; o++) {
    /* Interval in units of 1/n_out source pixel: [lo, hi). */
    int64_t lo = (int64_t) o * n_in, hi = (int64_t) (o + 1) * n_in;
    int i0 = (int) (lo / n_out);
    int i1 = (int) ((hi - 1) / n_out);
    if (i1 > n_in - 1)
      i1 = n_in - 1;
    a->start[o] = i0;
    a->count[o] = i1 - i0 + 1;
    for (int i = i0; i <= i1; i++) {
      int64_t p_lo = (int64_t) i * n_out, p_hi = (int64_t) (i + 1) * n_out;
      int64_t ov = (p_hi < hi ? p_hi : hi) - (p_lo > lo ? p_lo : lo);
      a->w[(size_t) o * max_taps + (i - i0)] = (float) ((double) ov /
          (double) n_in);
    }
  }
  return 1;
}

ad_status
ad_extractor_new (const ad_config *cfg, ad_extractor **out, ad_error *err)
{
  if (!out)
    return ad_fail (err, AD_ERR_ARG, "missing output pointer");
  *out = NULL;
  ad_status st = ad_config_validate (cfg, err);
  if (st != AD_OK)
    return st;
  ad_extractor *x = calloc (1, sizeof *x);
  if (!x)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  x->cfg = *cfg;
  x->w = cfg->width;
  x->h = cfg->height;
  x->hw = x->w * x->h;
  x->ci = ad_config_image_channels (cfg);
  x->acc = ad_alloc ((size_t) 3 * x->w);
  x->prev = ad_alloc ((size_t) x->ci * x->hw);
  if (!x->acc || !x->prev) {
    ad_extractor_free (x);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  *out = x;
  return AD_OK;
}

void
ad_extractor_free (ad_extractor *x)
{
  if (!x)
    return;
  axis_clear (&x->ax);
  axis_clear (&x->ay);
  ad_free (x->vrow);
  ad_free (x->acc);
  ad_free (x->prev);
  free (x);
}

void
ad_extractor_reset (ad_extractor *x)
{
  if (x)
    x->have_prev = 0;
}

/* Horizontally resizes the summed row x->vrow (interleaved, pixel stride
 * ps) into acc [nc, w] (0..255 units). */
static void
resize_row (ad_extractor *x, const ad_image *img)
{
  const ad_axis *a = &x->ax;
  const float *row = x->vrow;
  float *dst = x->acc;
  int ps = img->pixel_stride, w = x->w;
  if (img->n_channels == 1) {
    const float *s0 = row + img->ch_offset[0];
    for (int o = 0; o < w; o++) {
      const float *wt = a->w + (size_t) o * a->max_taps;
      const float *p = s0 + (size_t) a->start[o] * ps;
      float v = 0.0f;
      for (int k = 0; k < a->count[o]; k++)
        v += wt[k] * p[k * ps];
      dst[o] = v;
    }
    return;
  }
  int o0 = img->ch_offset[0], o1 = img->ch_offset[1], o2 = img->ch_offset[2];
  for (int o = 0; o < w; o++) {
    const float *wt = a->w + (size_t) o * a->max_taps;
    const float *p = row + (size_t) a->start[o] * ps;
    float v0 = 0.0f, v1 = 0.0f, v2 = 0.0f;
    for (int k = 0; k < a->count[o]; k++, p += ps) {
      v0 += wt[k] * p[o0];
      v1 += wt[k] * p[o1];
      v2 += wt[k] * p[o2];
    }
    dst[o] = v0;
    dst[w + o] = v1;
    dst[2 * w + o] = v2;
  }
}

/* x->vrow = sum over the taps of output row oy of weight * source row. */
static void
sum_rows (ad_extractor *x, const ad_image *img, int oy)
{
  const ad_axis *a = &x->ay;
  const float *wt = a->w + (size_t) oy * a->max_taps;
  size_t n = (size_t) img->width * img->pixel_stride;
  float *restrict v = x->vrow;
  for (int t = 0; t < a->count[oy]; t++) {
    const uint8_t *restrict r = img->data +
        (size_t) (a->start[oy] + t) * img->row_stride;
    float wy = wt[t];
    if (t == 0)
      for (size_t i = 0; i < n; i++)
        v[i] = wy * r[i];
    else
      for (size_t i = 0; i < n; i++)
        v[i] += wy * r[i];
  }
}

static ad_status
check_image (const ad_image *img, ad_error *err)
{
  if (!img || !img->data)
    return ad_fail (err, AD_ERR_ARG, "no image");
  if (img->width < 1 || img->height < 1 || img->width > 65536 ||
      img->height > 65536)
    return ad_fail (err, AD_ERR_ARG, "bad image size %dx%d", img->width,
        img->height);
  if (img->n_channels != 1 && img->n_channels != 3)
    return ad_fail (err, AD_ERR_ARG, "image has %d channels (1 or 3 "
        "supported)", img->n_channels);
  if (img->pixel_stride < 1)
    return ad_fail (err, AD_ERR_ARG, "bad pixel stride %d",
        img->pixel_stride);
  for (int c = 0; c < img->n_channels; c++)
    if (img->ch_offset[c] < 0 || img->ch_offset[c] >= img->pixel_stride)
      return ad_fail (err, AD_ERR_ARG, "channel %d offset %d outside the "
          "pixel of %d bytes", c, img->ch_offset[c], img->pixel_stride);
  if ((int64_t) img->row_stride < (int64_t) img->width * img->pixel_stride)
    return ad_fail (err, AD_ERR_ARG, "row stride %d is less than %d x %d",
        img->row_stride, img->width, img->pixel_stride);
  return AD_OK;
}

ad_status
ad_extractor_process (ad_extractor *x, const ad_image *img, float *feat,
    ad_error *err)
{
  if (!x || !feat)
    return ad_fail (err, AD_ERR_ARG, "missing argument");
  ad_status st = check_image (img, err);
  if (st != AD_OK)
    return st;
  /* Workspace changes only with the input layout, never per frame. */
  size_t need = (size_t) img->width * img->pixel_stride;
  if (need > x->vrow_cap) {
    ad_free (x->vrow);
    x->vrow_cap = 0;
    if (!(x->vrow = ad_alloc (need)))
      return ad_fail (err, AD_ERR_NOMEM, "out of memory for a row");
    x->vrow_cap = need;
  }
  if (img->width != x->in_w || img->height != x->in_h) {
    x->in_w = x->in_h = 0;
    if (!axis_build (&x->ax, img->width, x->w) ||
        !axis_build (&x->ay, img->height, x->h))
      return ad_fail (err, AD_ERR_NOMEM, "out of memory for resize tables");
    x->in_w = img->width;
    x->in_h = img->height;
  }
  int w = x->w, hw = x->hw, nc = img->n_channels;
  const float k = 1.0f / 255.0f;
  for (int oy = 0; oy < x->h; oy++) {
    sum_rows (x, img, oy);
    resize_row (x, img);
    const float *acc = x->acc;   /* [nc, w] output row oy, 0..255 units */
    float *f = feat + (size_t) oy * w;
    if (x->ci == nc) {
      for (int c = 0; c < nc; c++)
        for (int i = 0; i < w; i++)
          f[(size_t) c * hw + i] = acc[c * w + i] * k;
    } else if (x->ci == 1) {
      /* gray model, RGB image: luma (BT.601 weights) */
      for (int i = 0; i < w; i++)
        f[i] = (0.299f * acc[i] + 0.587f * acc[w + i] +
            0.114f * acc[2 * w + i]) * k;
    } else {
      /* RGB model, luma image: replicate */
      for (int c = 0; c < 3; c++)
        for (int i = 0; i < w; i++)
          f[(size_t) c * hw + i] = acc[i] * k;
    }
  }
  /* Clamp rounding excursions so values stay in [0,1]. */
  for (size_t i = 0; i < (size_t) x->ci * hw; i++)
    feat[i] = feat[i] < 0.0f ? 0.0f : feat[i] > 1.0f ? 1.0f : feat[i];

  if (x->cfg.motion_inputs) {
    /* motion [h, w]: |x_t - x_{t-1}| averaged over the image channels */
    float *mo = feat + (size_t) x->ci * hw;
    if (!x->have_prev) {
      memset (mo, 0, sizeof (float) * hw);
    } else {
      float inv = 1.0f / (float) x->ci;
      for (int p = 0; p < hw; p++) {
        float s = 0.0f;
        for (int c = 0; c < x->ci; c++)
          s += fabsf (feat[(size_t) c * hw + p] - x->prev[(size_t) c * hw + p]);
        mo[p] = s * inv;
      }
    }
  }
  memcpy (x->prev, feat, sizeof (float) * (size_t) x->ci * hw);
  x->have_prev = 1;
  return AD_OK;
}
