/* ad-layers.c - convolution (im2col + sgemm), upsampling, ReLU, causal
 * temporal shift, squeeze-excitation channel attention. */
#include "ad-internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define AD_SE_MAX_C 256

void
ad_conv2d_out_size (const ad_conv *c, int h, int w, int *ho, int *wo)
{
  *ho = (h + 2 * c->pad - c->k) / c->stride + 1;
  *wo = (w + 2 * c->pad - c->k) / c->stride + 1;
}

size_t
ad_conv2d_col_size (const ad_conv *c, int h, int w)
{
  int ho, wo;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  return (size_t) c->ci * c->k * c->k * ho * wo;
}

static int
is_pointwise (const ad_conv *c)
{
  return c->k == 1 && c->stride == 1 && c->pad == 0;
}

/* x [Ci,H,W] -> col [Ci*k*k, Ho*Wo] */
static void
im2col (const ad_conv *c, int h, int w, const float *x, float *col)
{
  int ho, wo, k = c->k, s = c->stride, p = c->pad;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  for (int ci = 0; ci < c->ci; ci++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++) {
        float *dst = col + ((size_t) (ci * k + ky) * k + kx) * ho * wo;
        const float *src = x + (size_t) ci * h * w;
        /* output columns ox with 0 <= ox*s - p + kx < w */
        int lo = p - kx > 0 ? (p - kx + s - 1) / s : 0;
        int hi = w - 1 + p - kx < 0 ? 0 : (w - 1 + p - kx) / s + 1;
        if (hi > wo)
          hi = wo;
        if (lo > hi)
          lo = hi;
        for (int oy = 0; oy < ho; oy++) {
          int iy = oy * s - p + ky;
          float *d = dst + (size_t) oy * wo;
          if (iy < 0 || iy >= h) {
            memset (d, 0, sizeof (float) * wo);
            continue;
          }
          const float *row = src + (size_t) iy * w;
          for (int ox = 0; ox < lo; ox++)
            d[ox] = 0.0f;
          if (s == 1)
            memcpy (d + lo, row + lo - p + kx, sizeof (float) * (hi - lo));
          else
            for (int ox = lo; ox < hi; ox++)
              d[ox] = row[ox * s - p + kx];
          for (int ox = hi; ox < wo; ox++)
            d[ox] = 0.0f;
        }
      }
}

/* col [Ci*k*k, Ho*Wo] -> dx [Ci,H,W], accumulated into a zeroed dx */
static void
col2im (const ad_conv *c, int h, int w, const float *col, float *dx)
{
  int ho, wo, k = c->k, s = c->stride, p = c->pad;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  memset (dx, 0, sizeof (float) * c->ci * h * w);
  for (int ci = 0; ci < c->ci; ci++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++) {
        const float *src = col + ((size_t) (ci * k + ky) * k + kx) * ho * wo;
        float *dst = dx + (size_t) ci * h * w;
        int lo = p - kx > 0 ? (p - kx + s - 1) / s : 0;
        int hi = w - 1 + p - kx < 0 ? 0 : (w - 1 + p - kx) / s + 1;
        if (hi > wo)
          hi = wo;
        for (int oy = 0; oy < ho; oy++) {
          int iy = oy * s - p + ky;
          if (iy < 0 || iy >= h)
            continue;
          float *row = dst + (size_t) iy * w;
          const float *d = src + (size_t) oy * wo;
          for (int ox = lo; ox < hi; ox++)
            row[ox * s - p + kx] += d[ox];
        }
      }
}

void
ad_conv2d_forward (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, float *y, float *col)
{
  int ho, wo;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  int P = ho * wo, K = c->ci * c->k * c->k;
  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t) i * c->ci * h * w;
    float *yi = y + (size_t) i * c->co * P;
    const float *src = xi;
    if (!is_pointwise (c)) {
      im2col (c, h, w, xi, col);
      src = col;
    }
    /* y [Co,P] = W [Co,K] . col [K,P] (+ b) */
    if (b)
      for (int o = 0; o < c->co; o++)
        for (int j = 0; j < P; j++)
          yi[(size_t) o * P + j] = b[o];
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, c->co, P, K,
        1.0f, wt, K, src, P, b ? 1.0f : 0.0f, yi, P);
  }
}

void
ad_conv2d_backward (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *dy, float *dx, float *dw, float *db,
    float *col)
{
  int ho, wo;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  int P = ho * wo, K = c->ci * c->k * c->k;
  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t) i * c->ci * h * w;
    const float *dyi = dy + (size_t) i * c->co * P;
    const float *src = xi;
    if (!is_pointwise (c)) {
      im2col (c, h, w, xi, col);
      src = col;
    }
    /* dW [Co,K] += dY [Co,P] . col^T [P,K] */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, c->co, K, P, 1.0f,
        dyi, P, src, P, 1.0f, dw, K);
    if (db)
      for (int o = 0; o < c->co; o++) {
        float s = 0.0f;
        for (int j = 0; j < P; j++)
          s += dyi[(size_t) o * P + j];
        db[o] += s;
      }
    if (!dx)
      continue;
    float *dxi = dx + (size_t) i * c->ci * h * w;
    /* dcol [K,P] = W^T [K,Co] . dY [Co,P] */
    float *dst = is_pointwise (c) ? dxi : col;
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, P, c->co, 1.0f,
        wt, K, dyi, P, 0.0f, dst, P);
    if (!is_pointwise (c))
      col2im (c, h, w, col, dxi);
  }
}

void
ad_upsample2_forward (int n, int c, int h, int w, const float *x, float *y)
{
  int w2 = 2 * w;
  for (size_t p = 0; p < (size_t) n * c; p++) {
    const float *src = x + p * h * w;
    float *dst = y + p * 4 * h * w;
    for (int iy = 0; iy < h; iy++) {
      float *r0 = dst + (size_t) (2 * iy) * w2;
      for (int ix = 0; ix < w; ix++) {
        float v = src[(size_t) iy * w + ix];
        r0[2 * ix] = v;
        r0[2 * ix + 1] = v;
      }
      memcpy (r0 + w2, r0, sizeof (float) * w2);
    }
  }
}

void
ad_upsample2_backward (int n, int c, int h, int w, const float *dy,
    float *dx)
{
  int w2 = 2 * w;
  for (size_t p = 0; p < (size_t) n * c; p++) {
    const float *src = dy + p * 4 * h * w;
    float *dst = dx + p * h * w;
    for (int iy = 0; iy < h; iy++) {
      const float *r0 = src + (size_t) (2 * iy) * w2, *r1 = r0 + w2;
      for (int ix = 0; ix < w; ix++)
        dst[(size_t) iy * w + ix] = r0[2 * ix] + r0[2 * ix + 1] +
            r1[2 * ix] + r1[2 * ix + 1];
    }
  }
}

void
ad_relu_forward (size_t count, const float *x, float *y)
{
  for (size_t i = 0; i < count; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void
ad_relu_backward (size_t count, const float *y, const float *dy, float *dx)
{
  for (size_t i = 0; i < count; i++)
    dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void
ad_tshift_forward (int b, int t, int c, int hw, int nshift, const float *x,
    const float *prev, float *y)
{
  size_t fsz = (size_t) c * hw, ssz = (size_t) nshift * hw;
  for (int bi = 0; bi < b; bi++)
    for (int ti = 0; ti < t; ti++) {
      size_t f = (size_t) bi * t + ti;
      float *yf = y + f * fsz;
      if (ti > 0)
        memcpy (yf, x + (f - 1) * fsz, ssz * sizeof (float));
      else if (prev)
        memcpy (yf, prev + (size_t) bi * ssz, ssz * sizeof (float));
      else
        memset (yf, 0, ssz * sizeof (float));
      memcpy (yf + ssz, x + f * fsz + ssz, (fsz - ssz) * sizeof (float));
    }
}

void
ad_tshift_backward (int b, int t, int c, int hw, int nshift, const float *dy,
    float *dx)
{
  size_t fsz = (size_t) c * hw, ssz = (size_t) nshift * hw;
  for (int bi = 0; bi < b; bi++)
    for (int ti = 0; ti < t; ti++) {
      size_t f = (size_t) bi * t + ti;
      float *dxf = dx + f * fsz;
      if (ti + 1 < t)
        memcpy (dxf, dy + (f + 1) * fsz, ssz * sizeof (float));
      else
        memset (dxf, 0, ssz * sizeof (float));
      memcpy (dxf + ssz, dy + f * fsz + ssz, (fsz - ssz) * sizeof (float));
    }
}

/* cache per frame: m [C], a [R], s [C] */
size_t
ad_se_cache_size (int n, int c, int r)
{
  return (size_t) n * (2 * c + r);
}

void
ad_se_forward (int n, int c, int hw, int r, const float *x, const float *w1,
    const float *b1, const float *w2, const float *b2, float *y,
    float *cache)
{
  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t) i * c * hw;
    float *yi = y + (size_t) i * c * hw;
    float *m = cache + (size_t) i * (2 * c + r), *a = m + c, *s = a + r;
    for (int ch = 0; ch < c; ch++) {
      float acc = 0.0f;
      for (int p = 0; p < hw; p++)
        acc += xi[(size_t) ch * hw + p];
      m[ch] = acc / (float) hw;
    }
    for (int j = 0; j < r; j++) {
      float acc = b1[j];
      for (int ch = 0; ch < c; ch++)
        acc += w1[(size_t) j * c + ch] * m[ch];
      a[j] = acc > 0.0f ? acc : 0.0f;
    }
    for (int ch = 0; ch < c; ch++) {
      float acc = b2[ch];
      for (int j = 0; j < r; j++)
        acc += w2[(size_t) ch * r + j] * a[j];
      s[ch] = 1.0f / (1.0f + expf (-acc));
      const float *xr = xi + (size_t) ch * hw;
      float *yr = yi + (size_t) ch * hw, sc = s[ch];
      for (int p = 0; p < hw; p++)
        yr[p] = xr[p] * sc;
    }
  }
}

void
ad_se_backward (int n, int c, int hw, int r, const float *x, const float *w1,
    const float *w2, const float *cache, const float *dy, float *dx,
    float *dw1, float *db1, float *dw2, float *db2)
{
  for (int i = 0; i < n; i++) {
    const float *xi = x + (size_t) i * c * hw, *dyi = dy + (size_t) i * c * hw;
    float *dxi = dx + (size_t) i * c * hw;
    const float *m = cache + (size_t) i * (2 * c + r), *a = m + c, *s = a + r;
    float dz2[AD_SE_MAX_C], dm[AD_SE_MAX_C], da[AD_SE_MAX_C];
    for (int ch = 0; ch < c; ch++) {
      const float *xr = xi + (size_t) ch * hw, *dr = dyi + (size_t) ch * hw;
      float ds = 0.0f;
      for (int p = 0; p < hw; p++)
        ds += dr[p] * xr[p];
      dz2[ch] = ds * s[ch] * (1.0f - s[ch]);
      db2[ch] += dz2[ch];
      for (int j = 0; j < r; j++)
        dw2[(size_t) ch * r + j] += dz2[ch] * a[j];
    }
    for (int j = 0; j < r; j++) {
      float acc = 0.0f;
      for (int ch = 0; ch < c; ch++)
        acc += w2[(size_t) ch * r + j] * dz2[ch];
      da[j] = a[j] > 0.0f ? acc : 0.0f;
      db1[j] += da[j];
      for (int ch = 0; ch < c; ch++)
        dw1[(size_t) j * c + ch] += da[j] * m[ch];
    }
    for (int ch = 0; ch < c; ch++) {
      float acc = 0.0f;
      for (int j = 0; j < r; j++)
        acc += w1[(size_t) j * c + ch] * da[j];
      dm[ch] = acc / (float) hw;
      const float *dr = dyi + (size_t) ch * hw;
      float *dxr = dxi + (size_t) ch * hw, sc = s[ch], g = dm[ch];
      for (int p = 0; p < hw; p++)
        dxr[p] = dr[p] * sc + g;
    }
  }
}

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
