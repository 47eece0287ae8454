/* ad-conv-direct.c - direct 3x3 convolution for forward passes on x86-64
 * CPUs with AVX2+FMA (the im2col + sgemm path in ad-layers.c is used
 * elsewhere, and always for backward passes).
 *
 * Why: at batch 1 the network's convolutions are small matrix products
 * (16-64 output channels), and im2col followed by sgemm spends as much time
 * copying (im2col, then sgemm packing the 9x larger col matrix) as
 * multiplying.  Here the input is copied once into a zero-padded slice and
 * a register-blocked kernel reads it in place.
 *
 * Layout.  A task computes one band of output rows of one frame.  It copies
 * the input rows the band needs into a padded "slice" (per input channel:
 * one plane of padded rows, or for stride 2 four planes, one per
 * (row parity, column parity), so that every tap reads consecutive floats).
 * On a slice, output position q of the band's grid (row-major, grid width
 * gw >= output width; the extra columns are computed and dropped) reads
 * input q + off[tap] for each tap, for every channel: a 1-D convolution
 * over flat memory.  The kernel computes a tile of CB output channels x
 * DC_QB grid positions in registers, then the tile is stored with bias,
 * ReLU and an optional residual add.
 *
 * Upsampling fused in: a 3x3 convolution of a nearest x2 upsampled input is
 * four 2x2 convolutions of the original input (one per output phase
 * (a,b) = (row, column) parity) with summed weights; 4/9 of the multiply-
 * adds, and the upsampled image is never written.
 *
 * Results are the same whichever thread runs a task, and the same for any
 * thread count (bands depend only on the layer and ad_pool_threads()).
 */
#include "ad-internal.h"

#include <stdatomic.h>
#include <string.h>

#define DC_QB 24                 /* grid positions per tile: 3 vectors of 8 */
#define DC_SLACK (DC_QB + 8)     /* zeroed floats after each slice plane */
#define DC_SLICE_FLOATS 32768    /* target slice size (L2-friendly) */
#define DC_BAND_MIN_POS 384      /* do not split bands below this */

enum { DC_S1 = 0, DC_S2 = 1, DC_UP2 = 2 };

/* Sum of v [n] with eight partial sums (vectorisable without
 * reassociation). */
static float
sum_plane (const float *v, size_t n)
{
  float acc[8] = { 0 };
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++)
      acc[l] += v[i + l];
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
      ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; i++)
    s += v[i];
  return s;
}

/* ------------------------------------------------------------------------ */
/* Kernels                                                                   */

/* Kernel signatures: see tile_kernel and dw_body. */
typedef void (*dc_kernel) (int nci, int nt, const int *off, const float *src,
    size_t cstride, const float *w, float *tile);
typedef void (*dw_kernel) (int nq, const float *dyg, size_t dstride,
    const float *xs, const int *off, float *sums);

/* Elsewhere (or with -DAD_NO_DIRECT) there are no kernels and
 * ad_conv2d_direct() is 0: callers use the im2col path. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(AD_NO_DIRECT)
#define DC_HAVE_KERNELS 1

typedef float v8f __attribute__ ((vector_size (32)));
typedef float v8fu __attribute__ ((vector_size (32), aligned (4)));

/* tile [cb][DC_QB] = sum over input channels i < nci and taps t < nt of
 * w[(i*nt + t)*cb + c] * src[i*cstride + off[t] + q], q < DC_QB. */
static inline __attribute__ ((always_inline)) void
tile_kernel (const int cb, int nci, int nt, const int *off, const float *src,
    size_t cstride, const float *w, float *tile)
{
  v8f acc[8][3];
#pragma GCC unroll 8
  for (int c = 0; c < cb; c++)
#pragma GCC unroll 3
    for (int v = 0; v < 3; v++)
      acc[c][v] = (v8f) { 0 };
  for (int i = 0; i < nci; i++) {
    const float *s = src + (size_t) i * cstride;
    for (int t = 0; t < nt; t++) {
      const float *p = s + off[t];
      v8f x0 = *(const v8fu *) p;
      v8f x1 = *(const v8fu *) (p + 8);
      v8f x2 = *(const v8fu *) (p + 16);
#pragma GCC unroll 8
      for (int c = 0; c < cb; c++) {
        float wv = w[c];
        acc[c][0] += wv * x0;
        acc[c][1] += wv * x1;
        acc[c][2] += wv * x2;
      }
      w += cb;
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < cb; c++)
#pragma GCC unroll 3
    for (int v = 0; v < 3; v++)
      *(v8fu *) (tile + c * DC_QB + 8 * v) = acc[c][v];
}

/* 4 channels x 24 positions: 12 accumulators, fits AVX2's 16 registers. */
__attribute__ ((target ("avx2,fma")))
static void
kernel4 (int nci, int nt, const int *off, const float *src, size_t cstride,
    const float *w, float *tile)
{
  tile_kernel (4, nci, nt, off, src, cstride, w, tile);
}

/* 8 channels x 24 positions: 24 accumulators, needs AVX-512VL's 32. */
__attribute__ ((target ("avx512f,avx512vl,avx2,fma")))
static void
kernel8 (int nci, int nt, const int *off, const float *src, size_t cstride,
    const float *w, float *tile)
{
  tile_kernel (8, nci, nt, off, src, cstride, w, tile);
}

/* Weight-gradient kernel: sums[c*tb + t] = sum over q < nq (a multiple of
 * 8) of dyg[c*dstride + q] * xs[off[t] + q], for cb channels and tb taps. */
static inline __attribute__ ((always_inline)) void
dw_body (const int cb, const int tb, int nq, const float *dyg,
    size_t dstride, const float *xs, const int *off, float *sums)
{
  v8f acc[8][3];
#pragma GCC unroll 8
  for (int c = 0; c < cb; c++)
#pragma GCC unroll 3
    for (int t = 0; t < tb; t++)
      acc[c][t] = (v8f) { 0 };
  for (int q = 0; q < nq; q += 8) {
    v8f x[3];
#pragma GCC unroll 3
    for (int t = 0; t < tb; t++)
      x[t] = *(const v8fu *) (xs + off[t] + q);
#pragma GCC unroll 8
    for (int c = 0; c < cb; c++) {
      v8f d = *(const v8fu *) (dyg + c * dstride + q);
#pragma GCC unroll 3
      for (int t = 0; t < tb; t++)
        acc[c][t] += d * x[t];
    }
  }
  for (int c = 0; c < cb; c++)
    for (int t = 0; t < tb; t++) {
      float sum = 0.0f;
      for (int l = 0; l < 8; l++)
        sum += acc[c][t][l];
      sums[c * tb + t] = sum;
    }
}

#define DW_KERNEL(name, cb, tb, isa)                                       \
  __attribute__ ((target (isa)))                                           \
  static void                                                              \
  name (int nq, const float *dyg, size_t dstride, const float *xs,         \
      const int *off, float *sums)                                         \
  {                                                                        \
    dw_body (cb, tb, nq, dyg, dstride, xs, off, sums);                     \
  }
DW_KERNEL (dw_kernel4x3, 4, 3, "avx2,fma")
DW_KERNEL (dw_kernel4x2, 4, 2, "avx2,fma")
DW_KERNEL (dw_kernel8x3, 8, 3, "avx512f,avx512vl,avx2,fma")
DW_KERNEL (dw_kernel8x2, 8, 2, "avx512f,avx512vl,avx2,fma")

/* 0: no direct path, 4: AVX2+FMA, 8: AVX-512VL */
static int
cpu_level (void)
{
  static _Atomic int level = -1;
  int l = atomic_load_explicit (&level, memory_order_relaxed);
  if (l < 0) {
    __builtin_cpu_init ();
    l = 0;
    if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
      l = 4;
    if (l && __builtin_cpu_supports ("avx512f") &&
        __builtin_cpu_supports ("avx512vl"))
      l = 8;
    atomic_store_explicit (&level, l, memory_order_relaxed);
  }
  return l;
}
#else
static int
cpu_level (void)
{
  return 0;
}
#endif

static _Atomic int dc_enabled = 1;

int
ad_conv2d_set_direct (int enable)
{
  int old = dc_enabled;
  dc_enabled = enable;
  return old;
}

int
ad_conv2d_direct (const ad_conv *c)
{
  return dc_enabled && cpu_level () > 0 && c->k == 3 && c->pad == 1 &&
      (c->stride == 1 || c->stride == 2) && c->ci > 0 && c->co > 0;
}

/* ------------------------------------------------------------------------ */
/* Geometry                                                                  */

typedef struct dgeom {
  int mode;                 /* DC_S1, DC_S2, DC_UP2 */
  int k;                    /* DC_S2: kernel size 3 or 4 */
  int ci, co;               /* channels read and written by this run */
  int h, w;                 /* input as stored */
  int ho, wo;               /* output */
  int gh, gw;               /* grid: rows (bands split these) and width */
  int valid_w;              /* grid columns that are real outputs */
  int nph, nt;              /* output phases (1 or 4), taps per phase */
  int nplanes, halo;        /* slice planes per channel; extra slice rows */
  int cb, ncb;              /* channels per kernel tile, tiles over co */
  int band, nbands;         /* grid rows per task, tasks per frame */
  size_t pstride, cstride;  /* floats per slice plane, per channel */
  size_t slice;             /* floats per thread's slice */
  size_t wpack;             /* floats of packed weights */
  int off[4][16];           /* tap offsets per phase, from a channel base */
} dgeom;

/* A run reading ci channels [h,w] and writing co channels:
 *   DC_S1   k x k = 3x3, stride 1:   out [h, w]
 *   DC_S2   k x k (3 or 4), stride 2, pad 1: out [(h+2-k)/2+1, (w+2-k)/2+1]
 *   DC_UP2  four 2x2 phases:          out [2h, 2w]  */
static void
dc_geom (int mode, int k, int ci, int co, int h, int w, dgeom *g)
{
  memset (g, 0, sizeof *g);
  g->mode = mode;
  g->k = k;
  g->ci = ci;
  g->co = co;
  g->h = h;
  g->w = w;
  g->cb = cpu_level () == 8 && co % 8 == 0 ? 8 : 4;
  g->ncb = (co + g->cb - 1) / g->cb;
  g->nph = 1;
  g->nt = 9;
  g->nplanes = 1;
  g->halo = 2;
  if (mode == DC_S1) {
    g->ho = g->gh = h;
    g->wo = g->valid_w = w;
    g->gw = w + 2;
  } else if (mode == DC_S2) {
    g->ho = g->gh = (h + 2 - k) / 2 + 1;
    g->wo = g->valid_w = (w + 2 - k) / 2 + 1;
    g->gw = (w + 3) / 2;
    g->nt = k * k;
    g->nplanes = 4;
    g->halo = 1;
  } else {
    g->ho = 2 * h;
    g->wo = 2 * w;
    g->gh = h;
    g->valid_w = w;
    g->gw = w + 2;
    g->nph = 4;
    g->nt = 4;
  }

  /* band rows: a slice near DC_SLICE_FLOATS, bands spread evenly over a
   * multiple of the threads (at least two per thread when large enough) */
  int threads = ad_pool_threads ();
  size_t per_row = (size_t) g->ci * g->nplanes * g->gw;
  long rows = (long) (DC_SLICE_FLOATS / per_row) - g->halo;
  if (rows < 1)
    rows = 1;
  int nb = (int) ((g->gh + rows - 1) / rows);
  int want = 2 * threads;
  while (nb < want && (long) g->gh * g->valid_w / (nb + 1) >= DC_BAND_MIN_POS)
    nb++;
  if (threads > 1 && nb > 1)
    nb = (nb + threads - 1) / threads * threads;
  if (nb > g->gh)
    nb = g->gh;
  g->band = nb > 0 ? (g->gh + nb - 1) / nb : 1;
  g->nbands = (g->gh + g->band - 1) / g->band;

  g->pstride = (size_t) (g->band + g->halo) * g->gw + DC_SLACK;
  g->cstride = g->pstride * g->nplanes;
  g->slice = g->cstride * g->ci;
  g->wpack = (size_t) g->nph * g->ncb * g->ci * g->nt * g->cb;

  for (int ph = 0; ph < g->nph; ph++)
    for (int t = 0; t < g->nt; t++) {
      int o;
      if (mode == DC_S1) {
        o = (t / 3) * g->gw + t % 3;
      } else if (mode == DC_S2) {
        int ky = t / k, kx = t % k;
        o = (int) (((ky & 1) * 2 + (kx & 1)) * g->pstride) +
            (ky >> 1) * g->gw + (kx >> 1);
      } else {
        int a = ph / 2, b = ph % 2, dy = t / 2, dx = t % 2;
        o = (a + dy) * g->gw + b + dx;
      }
      g->off[ph][t] = o;
    }
}

/* The forward convolution c on x [ci,h,w] (x2 upsampled when up2). */
static void
fwd_geom (const ad_conv *c, int h, int w, int up2, dgeom *g)
{
  dc_geom (up2 ? DC_UP2 : c->stride == 2 ? DC_S2 : DC_S1, 3, c->ci, c->co,
      h, w, g);
}

/* Its adjoint, dx from dy (see ad_dconv_backward_dx): reads co channels of
 * dy, writes ci channels of dx.  0 if the direct path cannot do it. */
static int
bwd_geom (const ad_conv *c, int h, int w, int up2, dgeom *g)
{
  if (up2)                    /* dx [h,w] from dy [2h,2w]: 4x4, stride 2 */
    dc_geom (DC_S2, 4, c->co, c->ci, 2 * h, 2 * w, g);
  else if (c->stride == 1)    /* flipped 3x3 */
    dc_geom (DC_S1, 3, c->co, c->ci, h, w, g);
  else if (h % 2 == 0 && w % 2 == 0)  /* dx [h,w] from dy [h/2,w/2] */
    dc_geom (DC_UP2, 3, c->co, c->ci, h / 2, w / 2, g);
  else
    return 0;
  return 1;
}

/* Weight gradient scratch per thread: the x slice, dy of the band in grid
 * layout [cb][nph][dstride], phase sums [cb][ci][nph][nt]. */
static size_t
dw_dstride (const dgeom *g)
{
  return ((size_t) g->band * g->gw + 7) / 8 * 8 + 8;
}

static size_t
dw_thread_size (const dgeom *g)
{
  return g->slice + (size_t) g->cb * g->nph * dw_dstride (g) +
      (size_t) g->cb * g->ci * g->nph * g->nt;
}

size_t
ad_dconv_ws_size (const ad_conv *c, int h, int w, int up2, int threads)
{
  dgeom g;
  fwd_geom (c, h, w, up2, &g);
  size_t n = g.wpack + (size_t) threads * g.slice;
  size_t d = (size_t) threads * dw_thread_size (&g);
  n = d > n ? d : n;
  if (bwd_geom (c, h, w, up2, &g)) {
    size_t b = g.wpack + (size_t) threads * g.slice;
    n = b > n ? b : n;
  }
  return n;
}

/* Packed weights: wp [nph][ncb][ci][nt][cb], zero for channels past co. */
static inline float *
packed (const dgeom *g, float *wp, int ph, int o, int i, int t)
{
  return wp + ((((size_t) ph * g->ncb + o / g->cb) * g->ci + i) * g->nt + t) *
      g->cb + o % g->cb;
}

/* Forward, from wt [co][ci][3][3].  Upsampled phases sum the taps that land
 * on the same input pixel: tap ky of row phase a reads low-res row offset
 * dy = (a + ky + 1)/2 - a of the phase's 2x2 window. */
static void
pack_forward (const dgeom *g, const float *wt, float *wp)
{
  memset (wp, 0, sizeof (float) * g->wpack);
  for (int ph = 0; ph < g->nph; ph++)
    for (int o = 0; o < g->co; o++)
      for (int i = 0; i < g->ci; i++) {
        const float *k = wt + ((size_t) o * g->ci + i) * 9;   /* [3][3] */
        float *d = packed (g, wp, ph, o, i, 0);
        if (g->mode != DC_UP2) {
          for (int t = 0; t < 9; t++)
            d[t * g->cb] = k[t];
        } else {
          int a = ph / 2, b = ph % 2;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int dy = (a + ky + 1) / 2 - a, dx = (b + kx + 1) / 2 - b;
              d[(dy * 2 + dx) * g->cb] += k[ky * 3 + kx];
            }
        }
      }
}

/* Adjoint, from the forward conv's wt [co][ci][3][3]; here o is a forward
 * input channel and i a forward output channel.
 *   stride 1:  dx = flipped 3x3 of dy: tap t reads forward tap 8 - t.
 *   stride 2:  dx row 2m + a gets dy row m from forward tap ky = 1 (a = 0)
 *              and dy rows m, m+1 from ky = 2, 0 (a = 1): in the phase's
 *              2x2 window (window row dy) that is kmap[a][dy] (-1: none).
 *   upsampled: dx row i sums dy rows 2i+u-ky+1 (u = 0,1) over forward taps
 *              ky: a 4x4 stride-2 window, window row r = u - ky + 2. */
static void
pack_adjoint (const dgeom *g, const float *wt, float *wp)
{
  static const int kmap[2][2] = { { -1, 1 }, { 2, 0 } };
  memset (wp, 0, sizeof (float) * g->wpack);
  for (int ph = 0; ph < g->nph; ph++)
    for (int o = 0; o < g->co; o++)
      for (int i = 0; i < g->ci; i++) {
        const float *k = wt + ((size_t) i * g->co + o) * 9;   /* [3][3] */
        float *d = packed (g, wp, ph, o, i, 0);
        if (g->mode == DC_S1) {
          for (int t = 0; t < 9; t++)
            d[t * g->cb] = k[8 - t];
        } else if (g->mode == DC_UP2) {
          int a = ph / 2, b = ph % 2;
          for (int t = 0; t < 4; t++) {
            int ky = kmap[a][t / 2], kx = kmap[b][t % 2];
            d[t * g->cb] = ky < 0 || kx < 0 ? 0.0f : k[ky * 3 + kx];
          }
        } else {
          for (int ky = 0; ky < 3; ky++)
            for (int u = 0; u < 2; u++)
              for (int kx = 0; kx < 3; kx++)
                for (int v = 0; v < 2; v++)
                  d[((u - ky + 2) * 4 + v - kx + 2) * g->cb] += k[ky * 3 + kx];
        }
      }
}

/* ------------------------------------------------------------------------ */
/* Tasks                                                                     */

typedef struct dc_job {
  dgeom g;
  int n;
  const float *x, *lo, *b, *add;
  int nlo, relu;
  float *y;
  const float *wp;
  float *slices;             /* thread t's slice at t * g.slice */
  dc_kernel kern;
} dc_job;

/* Input channel ch of frame f, [h,w]; NULL means zeros. */
static const float *
in_plane (const dc_job *j, int f, int ch)
{
  const dgeom *g = &j->g;
  size_t hw = (size_t) g->h * g->w;
  if (ch < j->nlo)
    return j->lo ? j->lo + ((size_t) f * j->nlo + ch) * hw : NULL;
  return j->x + ((size_t) f * g->ci + ch) * hw;
}

/* Slice of band rows [r0, r0+rows) of frame f: per channel, padded input
 * rows as the tap offsets expect them, zeros outside the image. */
static void
build_slice (const dc_job *j, int f, int r0, int rows, float *slice)
{
  const dgeom *g = &j->g;
  const int w = g->w, gw = g->gw;
  for (int ch = 0; ch < g->ci; ch++) {
    const float *src = in_plane (j, f, ch);               /* [h,w] */
    float *cs = slice + (size_t) ch * g->cstride;
    if (g->mode != DC_S2) {
      /* slice row i = padded row r0 + i = input row r0 + i - 1 */
      for (int i = 0; i < rows + 2; i++) {
        float *d = cs + (size_t) i * gw;                  /* [gw] */
        int y = r0 + i - 1;
        d[0] = 0.0f;
        if (src && y >= 0 && y < g->h)
          memcpy (d + 1, src + (size_t) y * w, sizeof (float) * w);
        else
          memset (d + 1, 0, sizeof (float) * w);
        memset (d + 1 + w, 0, sizeof (float) * (gw - 1 - w));
      }
      memset (cs + (size_t) (rows + 2) * gw, 0,
          sizeof (float) * (g->pstride - (size_t) (rows + 2) * gw));
    } else {
      /* plane (a,b) row i, column jx = padded (2(r0+i)+a, 2jx+b) */
      for (int a = 0; a < 2; a++) {
        float *p0 = cs + (size_t) (2 * a) * g->pstride;   /* b = 0 */
        float *p1 = p0 + g->pstride;                      /* b = 1 */
        for (int i = 0; i < rows + 1; i++) {
          float *d0 = p0 + (size_t) i * gw, *d1 = p1 + (size_t) i * gw;
          int y = 2 * (r0 + i) + a - 1;
          memset (d0, 0, sizeof (float) * gw);
          memset (d1, 0, sizeof (float) * gw);
          if (!src || y < 0 || y >= g->h)
            continue;
          const float *s = src + (size_t) y * w;
          /* padded column pc = input column pc - 1: d0[jx] = s[2jx - 1],
           * d1[jx] = s[2jx] */
          for (int jx = 0; 2 * jx < w; jx++)
            d1[jx] = s[2 * jx];
          for (int jx = 1; 2 * jx - 1 < w; jx++)
            d0[jx] = s[2 * jx - 1];
        }
        size_t used = (size_t) (rows + 1) * gw;
        memset (p0 + used, 0, sizeof (float) * (g->pstride - used));
        memset (p1 + used, 0, sizeof (float) * (g->pstride - used));
      }
    }
  }
}

static inline float
epilogue (float v, float bias, int relu)
{
  v += bias;
  return relu && v < 0.0f ? 0.0f : v;
}

/* One run of len outputs (a may be y itself: accumulation).
 * Plain: y[k] = f(t0[k]) (+ a[k]).  Upsampling
 * (t1 != NULL): the two column phases interleave, y[2k] = f(t0[k]),
 * y[2k+1] = f(t1[k]) (+ a likewise).  f adds the bias, then ReLU. */
static inline void
store_run (float *y, const float *a, const float *t0, const float *t1,
    int len, float bias, int relu)
{
  if (t1) {
    for (int k = 0; k < len; k++) {
      float v0 = epilogue (t0[k], bias, relu), v1 = epilogue (t1[k], bias,
          relu);
      y[2 * k] = a ? v0 + a[2 * k] : v0;
      y[2 * k + 1] = a ? v1 + a[2 * k + 1] : v1;
    }
  } else if (a) {
    for (int k = 0; k < len; k++)
      y[k] = epilogue (t0[k], bias, relu) + a[k];
  } else {
    for (int k = 0; k < len; k++)
      y[k] = epilogue (t0[k], bias, relu);
  }
}

/* Stores tile0 [cb][DC_QB] (grid positions q0.. of the band starting at
 * grid row r0) into y with bias, ReLU and the residual add.  When
 * upsampling, tile0 and tile1 are the column phases b = 0, 1 of row phase
 * a.  Grid columns past valid_w are dropped. */
static void
store_tile (const dc_job *j, int f, int o0, const float *tile0,
    const float *tile1, int q0, int qend, int r0, int a)
{
  const dgeom *g = &j->g;
  const int step = tile1 ? 2 : 1;
  const size_t plane = (size_t) g->ho * g->wo;
  const int n = qend - q0 < DC_QB ? qend - q0 : DC_QB;
  for (int c = 0; c < g->cb && o0 + c < g->co; c++) {
    const int o = o0 + c;
    const float bias = j->b ? j->b[o] : 0.0f;
    const size_t base = ((size_t) f * g->co + o) * plane;
    /* runs of consecutive grid columns inside one row */
    for (int k = 0, q = q0; k < n;) {
      int row = r0 + q / g->gw, col = q % g->gw;
      int seg = g->gw - col < n - k ? g->gw - col : n - k;
      int len = g->valid_w - col < seg ? g->valid_w - col : seg;
      if (len > 0) {
        size_t idx = base + (size_t) (row * step + a) * g->wo + col * step;
        store_run (j->y + idx, j->add ? j->add + idx : NULL,
            tile0 + c * DC_QB + k, tile1 ? tile1 + c * DC_QB + k : NULL, len,
            bias, j->relu);
      }
      k += seg;
      q += seg;
    }
  }
}

static void
dc_task (void *ctx, int task, int thread)
{
  const dc_job *j = ctx;
  const dgeom *g = &j->g;
  int f = task / g->nbands, band = task % g->nbands;
  int r0 = band * g->band;
  int rows = g->gh - r0 < g->band ? g->gh - r0 : g->band;
  float *slice = j->slices + (size_t) thread * g->slice;
  float tile[2][8 * DC_QB];
  build_slice (j, f, r0, rows, slice);
  const int nq = rows * g->gw;
  const size_t blk = (size_t) g->ci * g->nt * g->cb;
  const size_t phase = blk * g->ncb;       /* packed weights per phase */
  for (int cbk = 0; cbk < g->ncb; cbk++) {
    const float *wb = j->wp + cbk * blk;
    for (int q0 = 0; q0 < nq; q0 += DC_QB) {
      const float *s0 = slice + q0;
      if (g->mode != DC_UP2) {
        j->kern (g->ci, g->nt, g->off[0], s0, g->cstride, wb, tile[0]);
        store_tile (j, f, cbk * g->cb, tile[0], NULL, q0, nq, r0, 0);
        continue;
      }
      for (int a = 0; a < 2; a++) {   /* row phase; column phases 0, 1 */
        for (int b = 0; b < 2; b++)
          j->kern (g->ci, g->nt, g->off[2 * a + b], s0, g->cstride,
              wb + (2 * a + b) * phase, tile[b]);
        store_tile (j, f, cbk * g->cb, tile[0], tile[1], q0, nq, r0, a);
      }
    }
  }
}

static void
run_job (dc_job *j, int n, float *ws, int parallel)
{
  j->n = n;
  j->wp = ws;
  j->slices = ws + j->g.wpack;
#ifdef DC_HAVE_KERNELS
  j->kern = j->g.cb == 8 ? kernel8 : kernel4;
#else
  j->kern = NULL;             /* never called: ad_conv2d_direct() is 0 */
#endif
  if (n > 0 && j->g.ho > 0 && j->g.wo > 0)
    ad_pool_run (n * j->g.nbands, dc_task, j, parallel);
}

void
ad_dconv_forward (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, float *y, float *ws,
    const ad_conv_fwd *o)
{
  dc_job j;
  memset (&j, 0, sizeof j);
  fwd_geom (c, h, w, o->up2, &j.g);
  j.x = x;
  j.lo = o->lo;
  j.nlo = o->nlo < 0 ? 0 : o->nlo > c->ci ? c->ci : o->nlo;
  j.b = b;
  j.add = o->add;
  j.relu = o->relu;
  j.y = y;
  pack_forward (&j.g, wt, ws);
  run_job (&j, n, ws, o->parallel);
}

int
ad_dconv_backward_ok (const ad_conv *c, int h, int w, int up2)
{
  dgeom g;
  return ad_conv2d_direct (c) && bwd_geom (c, h, w, up2, &g);
}

void
ad_dconv_backward_dx (const ad_conv *c, int n, int h, int w, int up2,
    const float *wt, const float *dy, float *dx, int accumulate, float *ws,
    int parallel)
{
  dc_job j;
  memset (&j, 0, sizeof j);
  if (!bwd_geom (c, h, w, up2, &j.g))
    return;
  j.x = dy;
  j.add = accumulate ? dx : NULL;
  j.y = dx;
  pack_adjoint (&j.g, wt, ws);
  run_job (&j, n, ws, parallel);
}

/* ------------------------------------------------------------------------ */
/* Weight gradient                                                           */
/*
 * dW[o][i][tap] = sum over frames and output positions of dy[o] times the
 * input the tap reads.  On a band's slice that is a dot product over the
 * grid positions q of dy (laid out on the same grid, zero in the dropped
 * columns) with the slice at q + off[tap].  One task per block of cb output
 * channels walks every frame and band, so no two tasks write the same
 * weights and the sums run in the same order for any thread count.  With
 * upsampling, each phase's 2x2 window gets its own sums, folded back onto
 * the 3x3 taps at the end (the adjoint of pack_forward's summing).
 */

typedef struct dw_job {
  dc_job j;                  /* forward geometry, x, slices */
  const float *dy;
  float *dw, *db;
  float *scratch;            /* thread t's at t * dw_thread_size */
  dw_kernel k3, k2;          /* three-tap and two-tap kernels */
} dw_job;

/* dy of output channel o, phase ph, band rows [r0, r0+rows) in grid
 * layout; zeros in dropped columns and up to the next multiple of 8. */
static void
dy_grid (const dw_job *d, int f, int o, int ph, int r0, int rows, float *dst)
{
  const dgeom *g = &d->j.g;
  const int step = g->mode == DC_UP2 ? 2 : 1, a = ph / 2, b = ph % 2;
  const float *src = d->dy + ((size_t) f * g->co + o) * g->ho * g->wo;
  size_t nq = (size_t) rows * g->gw;
  for (int i = 0; i < rows; i++) {
    const float *sr = src + (size_t) ((r0 + i) * step + a) * g->wo + b;
    float *dr = dst + (size_t) i * g->gw;
    if (step == 1)
      memcpy (dr, sr, sizeof (float) * g->valid_w);
    else
      for (int jx = 0; jx < g->valid_w; jx++)
        dr[jx] = sr[2 * jx];
    memset (dr + g->valid_w, 0, sizeof (float) * (g->gw - g->valid_w));
  }
  memset (dst + nq, 0, sizeof (float) * ((nq + 7) / 8 * 8 - nq));
}

static void
dw_task (void *ctx, int cbk, int thread)
{
  const dw_job *d = ctx;
  const dgeom *g = &d->j.g;
  const int o0 = cbk * g->cb, nc = g->co - o0 < g->cb ? g->co - o0 : g->cb;
  const size_t ds = dw_dstride (g), hw = (size_t) g->ho * g->wo;
  float *slice = d->scratch + (size_t) thread * dw_thread_size (g);
  float *dyg = slice + g->slice;                      /* [cb][nph][ds] */
  float *psum = dyg + (size_t) g->cb * g->nph * ds;   /* [cb][ci][nph][nt] */
  const int up = g->mode == DC_UP2;
  float sums[8 * 3];

  if (d->db)
    for (int c = 0; c < nc; c++)
      for (int f = 0; f < d->j.n; f++)
        d->db[o0 + c] += sum_plane (d->dy + ((size_t) f * g->co + o0 + c) *
            hw, hw);
  if (up)
    memset (psum, 0, sizeof (float) * g->cb * g->ci * g->nph * g->nt);
  memset (dyg, 0, sizeof (float) * g->cb * g->nph * ds);  /* rows past co */

  for (int f = 0; f < d->j.n; f++)
    for (int band = 0; band < g->nbands; band++) {
      int r0 = band * g->band;
      int rows = g->gh - r0 < g->band ? g->gh - r0 : g->band;
      int nq = (rows * g->gw + 7) / 8 * 8;
      build_slice (&d->j, f, r0, rows, slice);
      for (int c = 0; c < nc; c++)
        for (int ph = 0; ph < g->nph; ph++)
          dy_grid (d, f, o0 + c, ph, r0, rows, dyg + ((size_t) c * g->nph +
                  ph) * ds);
      for (int ph = 0; ph < g->nph; ph++)
        for (int i = 0; i < g->ci; i++)
          for (int t0 = 0; t0 < g->nt; t0 += up ? 2 : 3) {
            const int tb = up ? 2 : 3;
            (up ? d->k2 : d->k3) (nq, dyg + (size_t) ph * ds, g->nph * ds,
                slice + (size_t) i * g->cstride, g->off[ph] + t0, sums);
            for (int c = 0; c < nc; c++)
              for (int t = 0; t < tb; t++) {
                float v = sums[c * tb + t];
                if (up)
                  psum[(((size_t) c * g->ci + i) * 4 + ph) * 4 + t0 + t] += v;
                else
                  d->dw[((size_t) (o0 + c) * g->ci + i) * 9 + t0 + t] += v;
              }
          }
    }

  if (up)                         /* fold phase windows onto 3x3 taps */
    for (int c = 0; c < nc; c++)
      for (int i = 0; i < g->ci; i++) {
        const float *p = psum + ((size_t) c * g->ci + i) * 16;
        float *k = d->dw + ((size_t) (o0 + c) * g->ci + i) * 9;
        for (int ph = 0; ph < 4; ph++) {
          int a = ph / 2, b = ph % 2;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int dy = (a + ky + 1) / 2 - a, dx = (b + kx + 1) / 2 - b;
              k[ky * 3 + kx] += p[ph * 4 + dy * 2 + dx];
            }
        }
      }
}

void
ad_dconv_backward_dw (const ad_conv *c, int n, int h, int w, int up2,
    const float *x, const float *dy, float *dw, float *db, float *ws,
    int parallel)
{
  dw_job d;
  memset (&d, 0, sizeof d);
  fwd_geom (c, h, w, up2, &d.j.g);
  if (n <= 0 || d.j.g.ho <= 0 || d.j.g.wo <= 0)
    return;
  d.j.n = n;
  d.j.x = x;
  d.dy = dy;
  d.dw = dw;
  d.db = db;
  d.scratch = ws;
#ifdef DC_HAVE_KERNELS
  d.k3 = d.j.g.cb == 8 ? dw_kernel8x3 : dw_kernel4x3;
  d.k2 = d.j.g.cb == 8 ? dw_kernel8x2 : dw_kernel4x2;
#endif
  ad_pool_run (d.j.g.ncb, dw_task, &d, parallel);
}
