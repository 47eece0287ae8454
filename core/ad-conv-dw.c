/* ad-conv-dw.c - weight and bias gradients of a convolution on the direct
 * path (see ad-conv-direct.c for slices, grids and taps).
 *
 * dW[o][i][tap] = sum over frames and output positions of dy[o] times the
 * input the tap reads.  On a band's slice that is a dot product over the
 * grid positions q of dy (laid out on the same grid, zero in the dropped
 * columns) with the slice at q + off[tap].  One task per block of cb output
 * channels walks every frame and band, so no two tasks write the same
 * weights and the sums run in the same order for any thread count.  With
 * upsampling, each phase's 2x2 window gets its own sums, folded back onto
 * the 3x3 taps at the end (the adjoint of the forward's weight summing).
 */
#include "ad-dconv.h"

#include <string.h>

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
ad_dc_dw_ws_size (const dgeom *g, int threads)
{
  return (size_t) threads * dw_thread_size (g);
}

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
        d->db[o0 + c] += ad_sum (d->dy + ((size_t) f * g->co + o0 + c) *
            hw, hw);
  if (up)
    memset (psum, 0, sizeof (float) * g->cb * g->ci * g->nph * g->nt);
  memset (dyg, 0, sizeof (float) * g->cb * g->nph * ds);  /* rows past co */

  for (int f = 0; f < d->j.n; f++)
    for (int band = 0; band < g->nbands; band++) {
      int r0 = band * g->band;
      int rows = g->gh - r0 < g->band ? g->gh - r0 : g->band;
      int nq = (rows * g->gw + 7) / 8 * 8;
      ad_dc_build_slice (&d->j, f, r0, rows, slice);
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
  ad_dc_fwd_geom (c, h, w, up2, &d.j.g);
  if (n <= 0 || d.j.g.ho <= 0 || d.j.g.wo <= 0)
    return;
  d.j.n = n;
  d.j.x = x;
  d.dy = dy;
  d.dw = dw;
  d.db = db;
  d.scratch = ws;
  d.k3 = ad_dc_dw_kernel (d.j.g.cb, 3);
  d.k2 = ad_dc_dw_kernel (d.j.g.cb, 2);
  if (!d.k3 || !d.k2)
    return;                   /* not on this CPU: callers check first */
  ad_pool_run (d.j.g.ncb, dw_task, &d, parallel);
}
