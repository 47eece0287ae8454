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
 *
 * Planar YUV for an RGB model: Y, U and V are each resized to the model's
 * resolution (the chroma planes with their own taps), then converted to
 * RGB.  The conversion is affine, so converting the averages equals
 * averaging the converted pixels (up to the clamp at 0 and 255).
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
  int cin_w, cin_h;       /* chroma size of cax, cay (0: none) */
  ad_axis cax, cay;
  float *yuv;             /* [3, h, w] resized Y, U, V (planar input), or NULL */
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
  axis_clear (&x->cax);
  axis_clear (&x->cay);
  ad_free (x->yuv);
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
 * ps) into acc [nc, w] (0..255 units) with the taps a. */
static void
resize_row (ad_extractor *x, const ad_image *img, const ad_axis *a)
{
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

/* x->vrow = sum over the taps a of output row oy of weight * source row. */
static void
sum_rows (ad_extractor *x, const ad_image *img, const ad_axis *a, int oy)
{
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

/* The chroma planes of planar YUV: sizes and strides within reach. */
static ad_status
check_chroma (const ad_image *img, ad_error *err)
{
  if (img->chroma_width < 1 || img->chroma_height < 1 ||
      img->chroma_width > img->width || img->chroma_height > img->height)
    return ad_fail (err, AD_ERR_ARG, "bad chroma size %dx%d for a %dx%d "
        "image", img->chroma_width, img->chroma_height, img->width,
        img->height);
  if (img->chroma_pixel_stride < 1 || (int64_t) img->chroma_row_stride <
      (int64_t) img->chroma_width * img->chroma_pixel_stride)
    return ad_fail (err, AD_ERR_ARG, "chroma row stride %d is less than %d "
        "x %d", img->chroma_row_stride, img->chroma_width,
        img->chroma_pixel_stride);
  return AD_OK;
}

/* One chroma plane (which: 0 U, 1 V) as a one-channel image.  When U and
 * V share a plane (NV12, NV21) the view starts at the first of the two so
 * that a row read never passes the plane's row. */
static ad_image
chroma_view (const ad_image *img, int which)
{
  const uint8_t *me = which ? img->v : img->u, *other = which ? img->u :
      img->v;
  ad_image c;
  memset (&c, 0, sizeof c);
  c.data = me;
  c.width = img->chroma_width;
  c.height = img->chroma_height;
  c.row_stride = img->chroma_row_stride;
  c.pixel_stride = img->chroma_pixel_stride;
  c.n_channels = 1;
  if (me > other && me - other < img->chroma_pixel_stride) {
    c.data = other;
    c.ch_offset[0] = (int32_t) (me - other);
  }
  return c;
}

/* out [h, w] = the one-channel img resized with the taps ax, ay (0..255
 * units). */
static void
resize_plane (ad_extractor *x, const ad_image *img, const ad_axis *ax,
    const ad_axis *ay, float *out)
{
  for (int oy = 0; oy < x->h; oy++) {
    sum_rows (x, img, ay, oy);
    resize_row (x, img, ax);
    memcpy (out + (size_t) oy * x->w, x->acc, sizeof (float) * x->w);
  }
}

/* feat [3, h, w] = RGB in [0, 1] (before the clamp) of planar YUV img
 * (chroma checked), BT.601 limited range, via x->yuv [3, h, w]. */
static ad_status
planar_rgb (ad_extractor *x, const ad_image *img, float *feat, ad_error *err)
{
  if (!x->yuv && !(x->yuv = ad_alloc (3 * (size_t) x->hw)))
    return ad_fail (err, AD_ERR_NOMEM, "out of memory for YUV planes");
  if (img->chroma_width != x->cin_w || img->chroma_height != x->cin_h) {
    x->cin_w = x->cin_h = 0;
    if (!axis_build (&x->cax, img->chroma_width, x->w) ||
        !axis_build (&x->cay, img->chroma_height, x->h))
      return ad_fail (err, AD_ERR_NOMEM, "out of memory for resize tables");
    x->cin_w = img->chroma_width;
    x->cin_h = img->chroma_height;
  }
  size_t hw = (size_t) x->hw;
  float *yp = x->yuv, *up = yp + hw, *vp = up + hw;
  ad_image u = chroma_view (img, 0), v = chroma_view (img, 1);
  resize_plane (x, img, &x->ax, &x->ay, yp);
  resize_plane (x, &u, &x->cax, &x->cay, up);
  resize_plane (x, &v, &x->cax, &x->cay, vp);
  const float k = 1.0f / 255.0f;
  for (size_t p = 0; p < hw; p++) {
    float l = 1.164f * (yp[p] - 16.0f), cb = up[p] - 128.0f,
        cr = vp[p] - 128.0f;
    feat[p] = (l + 1.596f * cr) * k;
    feat[hw + p] = (l - 0.392f * cb - 0.813f * cr) * k;
    feat[2 * hw + p] = (l + 2.017f * cb) * k;
  }
  return AD_OK;
}

/* feat [ci, h, w] in [0, 1] (before the clamp) of the interleaved img. */
static void
interleaved (ad_extractor *x, const ad_image *img, float *feat)
{
  int w = x->w, hw = x->hw, nc = img->n_channels;
  const float k = 1.0f / 255.0f;
  for (int oy = 0; oy < x->h; oy++) {
    sum_rows (x, img, &x->ay, oy);
    resize_row (x, img, &x->ax);
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
  int planar = x->ci == 3 && img->u && img->v;
  if (planar && (st = check_chroma (img, err)) != AD_OK)
    return st;
  /* Workspace changes only with the input layout, never per frame. */
  size_t need = (size_t) img->width * img->pixel_stride;
  if (planar && (size_t) img->chroma_width * img->chroma_pixel_stride > need)
    need = (size_t) img->chroma_width * img->chroma_pixel_stride;
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
  int hw = x->hw;
  if (planar) {
    if ((st = planar_rgb (x, img, feat, err)) != AD_OK)
      return st;
  } else {
    interleaved (x, img, feat);
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
