/* ad-layers.c - the network's building blocks: 2-D convolution (im2col +
 * sgemm), nearest x2 upsampling, ReLU, causal temporal shift and
 * squeeze-excitation channel attention, with their backward passes.
 *
 * All activations are float [N, C, H, W] (see ad-internal.h).  No function
 * here allocates in the normal case; workspaces come from the caller.
 */
#include "ad-internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Dot product with eight independent partial sums (as ad_sum), so that   */
/* gcc turns it into vector code without needing to reassociate.          */

static inline float
dot_f (const float *restrict a, const float *restrict b, size_t n)
{
  float acc[8] = { 0 };
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++)
      acc[l] += a[i + l] * b[i + l];
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
      ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; i++)
    s += a[i] * b[i];
  return s;
}

/* ------------------------------------------------------------------------ */
/* Convolution                                                              */

void
ad_conv2d_out_size (const ad_conv *c, int h, int w, int *ho, int *wo)
{
  *ho = (h + 2 * c->pad - c->k) / c->stride + 1;
  *wo = (w + 2 * c->pad - c->k) / c->stride + 1;
}

/* im2col matrix of one frame: [Ci*k*k, Ho*Wo] */
static size_t
im2col_size (const ad_conv *c, int h, int w)
{
  int ho, wo;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  return (size_t) c->ci * c->k * c->k * (size_t) ho * (size_t) wo;
}

static inline int
direct_shape (const ad_conv *c)
{
  return c->k == 3 && c->pad == 1 && (c->stride == 1 || c->stride == 2);
}

/* Enough for backward, and for ad_conv2d_forward on either path. */
size_t
ad_conv2d_col_size (const ad_conv *c, int h, int w)
{
  size_t n = im2col_size (c, h, w);
  if (direct_shape (c)) {
    size_t d = ad_dconv_ws_size (c, h, w, 0, 1);
    n = d > n ? d : n;
  }
  return n;
}

/* im2col path of ad_conv2d_forward_ex: a staging frame [Ci,H',W'] (when
 * upsampling or taking channels from lo) then the col matrix. */
static size_t
gemm_ws_size (const ad_conv *c, int h, int w, int up2)
{
  int hh = up2 ? 2 * h : h, ww = up2 ? 2 * w : w;
  return (size_t) c->ci * hh * ww + im2col_size (c, hh, ww);
}

size_t
ad_conv2d_ws_size (const ad_conv *c, int h, int w, int up2)
{
  size_t n = gemm_ws_size (c, h, w, up2);
  if (direct_shape (c)) {
    size_t d = ad_dconv_ws_size (c, h, w, up2, ad_pool_threads ());
    n = d > n ? d : n;
  }
  return n;
}

/* A 1x1 stride-1 unpadded convolution reads its input as the col matrix. */
static inline int
conv_is_pointwise (const ad_conv *c)
{
  return c->k == 1 && c->stride == 1 && c->pad == 0;
}

/* Range [*lo, *hi) of output positions o (0 <= o < n_out) whose input
 * position o*s - p + kk lies inside [0, n_in). */
static inline void
conv_valid_range (int n_in, int n_out, int s, int p, int kk, int *lo,
    int *hi)
{
  int first = p - kk;             /* need o*s >= first */
  int last = n_in - 1 + p - kk;   /* need o*s <= last */
  int l = first > 0 ? (first + s - 1) / s : 0;
  int h = last < 0 ? 0 : last / s + 1;
  if (h > n_out)
    h = n_out;
  if (l > h)
    l = h;
  *lo = l;
  *hi = h;
}

/* One frame: x [Ci,H,W] -> col [Ci*k*k, Ho*Wo].  Row (ci,ky,kx) of col holds
 * x[ci, oy*s - p + ky, ox*s - p + kx] for every output (oy,ox), zero where
 * that falls into the padding. */
static void
im2col (const ad_conv *c, int h, int w, const float *restrict x,
    float *restrict col)
{
  int ho, wo;
  const int k = c->k, s = c->stride, p = c->pad;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  const size_t plane = (size_t) ho * wo;

  for (int ci = 0; ci < c->ci; ci++) {
    const float *xc = x + (size_t) ci * h * w;     /* [H,W] */
    for (int ky = 0; ky < k; ky++) {
      int ylo, yhi;
      conv_valid_range (h, ho, s, p, ky, &ylo, &yhi);
      for (int kx = 0; kx < k; kx++) {
        float *restrict dst = col + ((size_t) (ci * k + ky) * k + kx) * plane;
        int xlo, xhi;
        conv_valid_range (w, wo, s, p, kx, &xlo, &xhi);
        const int off = kx - p;   /* input column = ox*s + off */

        /* rows of the output that read the top/bottom padding */
        if (ylo > 0)
          memset (dst, 0, sizeof (float) * (size_t) ylo * wo);
        if (yhi < ho)
          memset (dst + (size_t) yhi * wo, 0,
              sizeof (float) * (size_t) (ho - yhi) * wo);

        for (int oy = ylo; oy < yhi; oy++) {
          const float *restrict row = xc + (size_t) (oy * s - p + ky) * w;
          float *restrict d = dst + (size_t) oy * wo;
          for (int ox = 0; ox < xlo; ox++)
            d[ox] = 0.0f;
          if (s == 1) {
            memcpy (d + xlo, row + xlo + off,
                sizeof (float) * (size_t) (xhi - xlo));
          } else {
            for (int ox = xlo; ox < xhi; ox++)
              d[ox] = row[ox * s + off];
          }
          for (int ox = xhi; ox < wo; ox++)
            d[ox] = 0.0f;
        }
      }
    }
  }
}

/* One frame, the adjoint of im2col: dx [Ci,H,W] = sum over the col rows
 * that read each input pixel.  dx is overwritten. */
static void
col2im (const ad_conv *c, int h, int w, const float *restrict col,
    float *restrict dx)
{
  int ho, wo;
  const int k = c->k, s = c->stride, p = c->pad;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  const size_t plane = (size_t) ho * wo;

  memset (dx, 0, sizeof (float) * (size_t) c->ci * h * w);
  for (int ci = 0; ci < c->ci; ci++) {
    float *dc = dx + (size_t) ci * h * w;          /* [H,W] */
    for (int ky = 0; ky < k; ky++) {
      int ylo, yhi;
      conv_valid_range (h, ho, s, p, ky, &ylo, &yhi);
      for (int kx = 0; kx < k; kx++) {
        const float *src = col + ((size_t) (ci * k + ky) * k + kx) * plane;
        int xlo, xhi;
        conv_valid_range (w, wo, s, p, kx, &xlo, &xhi);
        const int off = kx - p;

        for (int oy = ylo; oy < yhi; oy++) {
          float *restrict row = dc + (size_t) (oy * s - p + ky) * w;
          const float *restrict d = src + (size_t) oy * wo;
          if (s == 1) {
            float *restrict r = row + off;
            for (int ox = xlo; ox < xhi; ox++)
              r[ox] += d[ox];
          } else {
            for (int ox = xlo; ox < xhi; ox++)
              row[ox * s + off] += d[ox];
          }
        }
      }
    }
  }
}

/* One frame on the im2col path: y [Co,P] = W . col(src) + b */
static void
gemm_frame (const ad_conv *c, int h, int w, const float *src,
    const float *wt, const float *b, float *yi, float *col)
{
  int ho, wo;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  const int np = ho * wo;                 /* output pixels P */
  const int kk = c->ci * c->k * c->k;     /* col rows K */
  const float *m = src;                   /* [K,P] */
  if (!conv_is_pointwise (c)) {
    im2col (c, h, w, src, col);
    m = col;
  }
  if (b) {
    for (int o = 0; o < c->co; o++) {
      float *restrict yr = yi + (size_t) o * np;
      const float bo = b[o];
      for (int j = 0; j < np; j++)
        yr[j] = bo;
    }
  }
  /* y [Co,P] = W [Co,K] . col [K,P] (+ y holding the bias) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, c->co, np, kk,
      1.0f, wt, kk, m, np, b ? 1.0f : 0.0f, yi, np);
}

/* im2col path of ad_conv2d_forward_ex, frame by frame. */
static void
gemm_forward (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, float *y, float *ws,
    const ad_conv_fwd *o)
{
  const int hh = o->up2 ? 2 * h : h, ww = o->up2 ? 2 * w : w;
  const size_t in_hw = (size_t) h * w, hw = (size_t) hh * ww;
  const int nlo = o->nlo < 0 ? 0 : o->nlo > c->ci ? c->ci : o->nlo;
  const int staged = o->up2 || nlo > 0;
  float *stage = ws;                              /* [Ci,H',W'] */
  float *col = staged ? ws + (size_t) c->ci * hw : ws;
  int ho, wo;
  ad_conv2d_out_size (c, hh, ww, &ho, &wo);
  const size_t ny = (size_t) c->co * ho * wo;

  for (int i = 0; i < n; i++) {
    const float *src = x + (size_t) i * c->ci * in_hw;   /* [Ci,h,w] */
    if (staged) {
      for (int ch = 0; ch < c->ci; ch++) {
        const float *p = ch >= nlo ? src + (size_t) ch * in_hw :
            o->lo ? o->lo + ((size_t) i * nlo + ch) * in_hw : NULL;
        float *d = stage + (size_t) ch * hw;
        if (!p)
          memset (d, 0, sizeof (float) * hw);
        else if (o->up2)
          ad_upsample2_forward (1, 1, h, w, p, d);
        else
          memcpy (d, p, sizeof (float) * hw);
      }
      src = stage;
    }
    float *yi = y + (size_t) i * ny;
    gemm_frame (c, hh, ww, src, wt, b, yi, col);
    if (o->relu)
      ad_relu_forward (ny, yi, yi);
    if (o->add)
      ad_add (ny, yi, o->add + (size_t) i * ny, yi);
  }
}

void
ad_conv2d_forward_ex (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, float *y, float *ws,
    const ad_conv_fwd *o)
{
  if (n <= 0 || h <= 0 || w <= 0)
    return;
  if (ad_conv2d_direct (c))
    ad_dconv_forward (c, n, h, w, x, wt, b, y, ws, o);
  else
    gemm_forward (c, n, h, w, x, wt, b, y, ws, o);
}

void
ad_conv2d_forward (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, float *y, float *col)
{
  const ad_conv_fwd plain = { 0 };
  ad_conv2d_forward_ex (c, n, h, w, x, wt, b, y, col, &plain);
}

void
ad_conv2d_backward (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *dy, float *dx, float *dw, float *db,
    float *col)
{
  int ho, wo;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  const int np = ho * wo;
  const int kk = c->ci * c->k * c->k;
  const int pointwise = conv_is_pointwise (c);

  if (n <= 0 || np <= 0)
    return;

  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t) i * c->ci * h * w;   /* [Ci,H,W] */
    const float *dyi = dy + (size_t) i * c->co * np;    /* [Co,P] */
    const float *src = xi;                              /* [K,P] */

    if (dw) {
      if (!pointwise) {
        im2col (c, h, w, xi, col);
        src = col;
      }
      /* dW [Co,K] += dY [Co,P] . col^T [P,K] */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, c->co, kk, np,
          1.0f, dyi, np, src, np, 1.0f, dw, kk);
    }

    if (db) {
      for (int o = 0; o < c->co; o++)
        db[o] += ad_sum (dyi + (size_t) o * np, (size_t) np);
    }

    if (dx) {
      float *dxi = dx + (size_t) i * c->ci * h * w;     /* [Ci,H,W] */
      /* dcol [K,P] = W^T [K,Co] . dY [Co,P]; for 1x1 that is dx itself */
      float *dcol = pointwise ? dxi : col;
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, kk, np, c->co,
          1.0f, wt, kk, dyi, np, 0.0f, dcol, np);
      if (!pointwise)
        col2im (c, h, w, dcol, dxi);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Upsampling, ReLU                                                         */

void
ad_upsample2_forward (int n, int c, int h, int w, const float *x, float *y)
{
  const size_t w2 = (size_t) 2 * w;
  const size_t planes = (size_t) n * c;
  for (size_t pl = 0; pl < planes; pl++) {
    const float *xp = x + pl * h * w;           /* [H,W] */
    float *yp = y + pl * 4 * h * w;             /* [2H,2W] */
    for (int iy = 0; iy < h; iy++) {
      const float *restrict src = xp + (size_t) iy * w;
      float *restrict r0 = yp + (size_t) 2 * iy * w2;
      for (int ix = 0; ix < w; ix++) {
        r0[2 * ix] = src[ix];
        r0[2 * ix + 1] = src[ix];
      }
      memcpy (r0 + w2, r0, sizeof (float) * w2);
    }
  }
}

void
ad_upsample2_backward (int n, int c, int h, int w, const float *dy,
    float *dx)
{
  const size_t w2 = (size_t) 2 * w;
  const size_t planes = (size_t) n * c;
  for (size_t pl = 0; pl < planes; pl++) {
    const float *dyp = dy + pl * 4 * h * w;     /* [2H,2W] */
    float *dxp = dx + pl * h * w;               /* [H,W] */
    for (int iy = 0; iy < h; iy++) {
      const float *restrict r0 = dyp + (size_t) 2 * iy * w2;
      const float *restrict r1 = r0 + w2;
      float *restrict d = dxp + (size_t) iy * w;
      for (int ix = 0; ix < w; ix++)
        d[ix] = (r0[2 * ix] + r0[2 * ix + 1]) + (r1[2 * ix] + r1[2 * ix + 1]);
    }
  }
}

/* x [count] -> y [count]; y may be x (in place). */
void
ad_relu_forward (size_t count, const float *x, float *y)
{
  for (size_t i = 0; i < count; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* y, dy -> dx [count]; dx may be dy (in place). */
void
ad_relu_backward (size_t count, const float *y, const float *dy, float *dx)
{
  for (size_t i = 0; i < count; i++) {
    float g = dy[i];              /* unconditional load: vectorisable */
    dx[i] = y[i] > 0.0f ? g : 0.0f;
  }
}

/* ------------------------------------------------------------------------ */
/* Causal temporal shift                                                    */

/* x, y [B*T, C, HW] (must not overlap); prev [B, nshift, HW] or NULL. */
void
ad_tshift_forward (int b, int t, int c, int hw, int nshift, const float *x,
    const float *prev, float *y)
{
  if (nshift < 0)
    nshift = 0;
  if (nshift > c)
    nshift = c;
  const size_t frame = (size_t) c * hw;         /* one [C,HW] frame */
  const size_t part = (size_t) nshift * hw;     /* shifted channels */
  for (int bi = 0; bi < b; bi++) {
    for (int ti = 0; ti < t; ti++) {
      const size_t f = (size_t) bi * t + ti;
      float *yf = y + f * frame;
      if (ti > 0)
        memcpy (yf, x + (f - 1) * frame, sizeof (float) * part);
      else if (prev)
        memcpy (yf, prev + (size_t) bi * part, sizeof (float) * part);
      else
        memset (yf, 0, sizeof (float) * part);
      memcpy (yf + part, x + f * frame + part,
          sizeof (float) * (frame - part));
    }
  }
}

/* dy, dx [B*T, C, HW] (must not overlap).  The shifted channels of frame t
 * receive the gradient of frame t+1; those of the last frame get zero (what
 * flowed to prev or fell off the clip is dropped). */
void
ad_tshift_backward (int b, int t, int c, int hw, int nshift, const float *dy,
    float *dx)
{
  if (nshift < 0)
    nshift = 0;
  if (nshift > c)
    nshift = c;
  const size_t frame = (size_t) c * hw;
  const size_t part = (size_t) nshift * hw;
  for (int bi = 0; bi < b; bi++) {
    for (int ti = 0; ti < t; ti++) {
      const size_t f = (size_t) bi * t + ti;
      float *dxf = dx + f * frame;
      if (ti + 1 < t)
        memcpy (dxf, dy + (f + 1) * frame, sizeof (float) * part);
      else
        memset (dxf, 0, sizeof (float) * part);
      memcpy (dxf + part, dy + f * frame + part,
          sizeof (float) * (frame - part));
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Squeeze-excitation                                                       */
/*
 * cache, per frame i, at cache + i*(2C+R):  m [C] | a [R] | s [C].
 * Seen across frames these are matrices M [N,C], A [N,R], S [N,C] with
 * leading dimension 2C+R, so the small fully-connected layers run as one
 * sgemm over all frames.
 */

/* Backward scratch on the stack: dZ2 [nb,C] | dA [nb,R] | dM [nb,C]. */
#define AD_SE_SCRATCH 4096

size_t
ad_se_cache_size (int n, int c, int r)
{
  return (size_t) n * (size_t) (2 * c + r);
}

void
ad_se_forward (int n, int c, int hw, int r, const float *x, const float *w1,
    const float *b1, const float *w2, const float *b2, float *y,
    float *cache)
{
  ad_se_forward_add (n, c, hw, r, x, w1, b1, w2, b2, NULL, y, cache);
}

void
ad_se_forward_add (int n, int c, int hw, int r, const float *x,
    const float *w1, const float *b1, const float *w2, const float *b2,
    const float *res, float *y, float *cache)
{
  const int ld = 2 * c + r;
  float *mm = cache;              /* M [N,C], ld */
  float *aa = cache + c;          /* A [N,R], ld */
  float *ss = cache + c + r;      /* S [N,C], ld */
  const float inv_hw = 1.0f / (float) hw;

  if (n <= 0 || c <= 0 || hw <= 0)
    return;

  /* m = mean over HW */
  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t) i * c * hw;   /* [C,HW] */
    float *m = mm + (size_t) i * ld;
    for (int ch = 0; ch < c; ch++)
      m[ch] = ad_sum (xi + (size_t) ch * hw, (size_t) hw) * inv_hw;
    memcpy (aa + (size_t) i * ld, b1, sizeof (float) * r);
    memcpy (ss + (size_t) i * ld, b2, sizeof (float) * c);
  }

  /* A [N,R] = relu(M [N,C] . W1^T [C,R] + b1) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, r, c, 1.0f, mm, ld,
      w1, c, 1.0f, aa, ld);
  for (int i = 0; i < n; i++)
    ad_relu_forward ((size_t) r, aa + (size_t) i * ld, aa + (size_t) i * ld);

  /* S [N,C] = sigmoid(A [N,R] . W2^T [R,C] + b2) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, c, r, 1.0f, aa, ld,
      w2, r, 1.0f, ss, ld);

  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t) i * c * hw;   /* [C,HW] */
    float *yi = y + (size_t) i * c * hw;         /* [C,HW] */
    float *s = ss + (size_t) i * ld;
    for (int ch = 0; ch < c; ch++) {
      s[ch] = 1.0f / (1.0f + expf (-s[ch]));
      const size_t off = (size_t) ch * hw;
      const float *xr = xi + off;
      float *yr = yi + off;
      const float sc = s[ch];
      if (res) {
        const float *rr = res + (size_t) i * c * hw + off;
        for (int p = 0; p < hw; p++)
          yr[p] = rr[p] + xr[p] * sc;
      } else {
        for (int p = 0; p < hw; p++)
          yr[p] = xr[p] * sc;
      }
    }
  }
}

/* Backward over the frames [i0, i0+nb); scratch [nb*(2C+R)]. */
static void
se_backward_chunk (int i0, int nb, int c, int hw, int r, const float *x,
    const float *w1, const float *w2, const float *cache, const float *dy,
    float *dx, float *dw1, float *db1, float *dw2, float *db2,
    float *scratch)
{
  const int ld = 2 * c + r;
  const float *mm = cache + (size_t) i0 * ld;          /* M [nb,C], ld */
  const float *aa = mm + c;                            /* A [nb,R], ld */
  const float *ss = mm + c + r;                        /* S [nb,C], ld */
  float *dz2 = scratch;                                /* dZ2 [nb,C] */
  float *da = dz2 + (size_t) nb * c;                   /* dA [nb,R] */
  float *dm = da + (size_t) nb * r;                    /* dM [nb,C] */

  /* dZ2 = (sum_hw dy * x) * s (1 - s) */
  for (int j = 0; j < nb; j++) {
    const size_t off = (size_t) (i0 + j) * c * hw;
    const float *s = ss + (size_t) j * ld;
    for (int ch = 0; ch < c; ch++) {
      float acc = dot_f (dy + off + (size_t) ch * hw,
          x + off + (size_t) ch * hw, (size_t) hw);
      float g = acc * s[ch] * (1.0f - s[ch]);
      dz2[(size_t) j * c + ch] = g;
      db2[ch] += g;
    }
  }
  /* dW2 [C,R] += dZ2^T [C,nb] . A [nb,R] */
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, c, r, nb, 1.0f, dz2,
      c, aa, ld, 1.0f, dw2, r);
  /* dA [nb,R] = (dZ2 [nb,C] . W2 [C,R]) masked by a > 0 */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, r, c, 1.0f, dz2,
      c, w2, r, 0.0f, da, r);
  for (int j = 0; j < nb; j++) {
    const float *a = aa + (size_t) j * ld;
    float *d = da + (size_t) j * r;
    for (int q = 0; q < r; q++) {
      d[q] = a[q] > 0.0f ? d[q] : 0.0f;
      db1[q] += d[q];
    }
  }
  /* dW1 [R,C] += dA^T [R,nb] . M [nb,C] */
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, r, c, nb, 1.0f, da,
      r, mm, ld, 1.0f, dw1, c);
  /* dM [nb,C] = dA [nb,R] . W1 [R,C] / HW  (gradient of each x via mean) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, c, r,
      1.0f / (float) hw, da, r, w1, c, 0.0f, dm, c);

  /* dx = dy * s + dm */
  for (int j = 0; j < nb; j++) {
    const size_t off = (size_t) (i0 + j) * c * hw;
    const float *s = ss + (size_t) j * ld;
    for (int ch = 0; ch < c; ch++) {
      const float *restrict dr = dy + off + (size_t) ch * hw;
      float *restrict dxr = dx + off + (size_t) ch * hw;
      const float sc = s[ch], g = dm[(size_t) j * c + ch];
      for (int p = 0; p < hw; p++)
        dxr[p] = dr[p] * sc + g;
    }
  }
}

void
ad_se_backward (int n, int c, int hw, int r, const float *x, const float *w1,
    const float *w2, const float *cache, const float *dy, float *dx,
    float *dw1, float *db1, float *dw2, float *db2)
{
  float stack[AD_SE_SCRATCH];
  float *scratch = stack;
  const size_t per_frame = (size_t) (2 * c + r);
  int nb = (int) (AD_SE_SCRATCH / per_frame);

  if (n <= 0 || c <= 0 || hw <= 0)
    return;

  if (nb < 1) {
    /* channel counts far beyond the configurable range: one heap buffer */
    scratch = ad_alloc (per_frame);
    if (!scratch) {
      memset (dx, 0, sizeof (float) * (size_t) n * c * hw);
      return;
    }
    nb = 1;
  }
  for (int i0 = 0; i0 < n; i0 += nb) {
    int cnt = n - i0 < nb ? n - i0 : nb;
    se_backward_chunk (i0, cnt, c, hw, r, x, w1, w2, cache, dy, dx, dw1, db1,
        dw2, db2, scratch);
  }
  if (scratch != stack)
    ad_free (scratch);
}

/* ------------------------------------------------------------------------ */
/* Elementwise helpers; y may alias an input.                               */

void
ad_add (size_t count, const float *a, const float *b, float *y)
{
  for (size_t i = 0; i < count; i++)
    y[i] = a[i] + b[i];
}

void
ad_axpy (size_t count, float alpha, const float *x, float *y)
{
  for (size_t i = 0; i < count; i++)
    y[i] += alpha * x[i];
}
