/* ad-conv-direct.c - direct 3x3 convolution on x86-64 CPUs with AVX2+FMA:
 * forward passes and input gradients (the im2col + sgemm path in
 * ad-layers.c is used elsewhere).
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
 * Input gradients are the adjoint convolutions on the same machinery
 * (pack_adjoint), weight gradients are in ad-conv-dw.c, the kernels in
 * ad-dconv-kernels.c.
 *
 * Results are the same whichever thread runs a task, and the same for any
 * thread count (bands depend only on the layer and ad_pool_threads()).
 */
#include "ad-dconv.h"

#include <stdatomic.h>
#include <string.h>

#define DC_SLICE_FLOATS 32768    /* target slice size (L2-friendly) */
#define DC_BAND_MIN_POS 384      /* do not split bands below this */

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
  return dc_enabled && ad_dc_cpu_level () > 0 && c->k == 3 && c->pad == 1 &&
      (c->stride == 1 || c->stride == 2) && c->ci > 0 && c->co > 0;
}

/* ------------------------------------------------------------------------ */
/* Geometry                                                                  */

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
  g->cb = ad_dc_cpu_level () == 8 && co % 8 == 0 ? 8 : 4;
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

void
ad_dc_fwd_geom (const ad_conv *c, int h, int w, int up2, dgeom *g)
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

size_t
ad_dconv_ws_size (const ad_conv *c, int h, int w, int up2, int threads)
{
  dgeom g;
  ad_dc_fwd_geom (c, h, w, up2, &g);
  size_t n = g.wpack + (size_t) threads * g.slice;
  size_t d = ad_dc_dw_ws_size (&g, threads);
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
void
ad_dc_build_slice (const dc_job *j, int f, int r0, int rows, float *slice)
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
  ad_dc_build_slice (j, f, r0, rows, slice);
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
  j->kern = ad_dc_tile_kernel (j->g.cb);
  if (n > 0 && j->kern && j->g.ho > 0 && j->g.wo > 0)
    ad_pool_run (n * j->g.nbands, dc_task, j, parallel);
}

void
ad_dconv_forward (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, float *y, float *ws,
    const ad_conv_fwd *o)
{
  dc_job j;
  memset (&j, 0, sizeof j);
  ad_dc_fwd_geom (c, h, w, o->up2, &j.g);
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

