/* ad-dconv.h - private to the direct convolution (ad-conv-direct.c,
 * ad-conv-dw.c, ad-dconv-kernels.c); see ad-conv-direct.c for the method.
 */
#ifndef AD_DCONV_H
#define AD_DCONV_H

#include "ad-internal.h"

#define DC_QB 24                 /* grid positions per tile: 3 vectors of 8 */
#define DC_SLACK (DC_QB + 8)     /* zeroed floats after each slice plane */

enum { DC_S1 = 0, DC_S2 = 1, DC_UP2 = 2 };

/* tile [cb][DC_QB] = sum over input channels i < nci and taps t < nt of
 * w[(i*nt + t)*cb + c] * src[i*cstride + off[t] + q], q < DC_QB. */
typedef void (*dc_kernel) (int nci, int nt, const int *off, const float *src,
    size_t cstride, const float *w, float *tile);
/* sums[c*tb + t] = sum over q < nq (a multiple of 8) of dyg[c*dstride + q]
 * * xs[off[t] + q], for cb channels and tb taps. */
typedef void (*dw_kernel) (int nq, const float *dyg, size_t dstride,
    const float *xs, const int *off, float *sums);

/* ad-dconv-kernels.c: 0 (no kernels: no direct path), 4 (AVX2+FMA) or 8
 * (AVX-512VL), the widest channel block the CPU's registers hold. */
int ad_dc_cpu_level (void);
/* Kernels for cb = 4 or 8 channels (and tb = 2 or 3 taps); NULL when
 * ad_dc_cpu_level() is 0. */
dc_kernel ad_dc_tile_kernel (int cb);
dw_kernel ad_dc_dw_kernel (int cb, int tb);

/* Geometry of one run (ad-conv-direct.c). */
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

/* The forward convolution c on x [ci,h,w] (x2 upsampled when up2). */
void ad_dc_fwd_geom (const ad_conv *c, int h, int w, int up2, dgeom *g);

/* One run's data: input x (channels [0,nlo) from lo, zeros if NULL),
 * output y with bias, ReLU, residual add; packed weights, thread slices. */
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

/* Slice of band rows [r0, r0+rows) of frame f of j->x. */
void ad_dc_build_slice (const dc_job *j, int f, int r0, int rows,
    float *slice);

/* ad-conv-dw.c: scratch floats of ad_dconv_backward_dw for g. */
size_t ad_dc_dw_ws_size (const dgeom *g, int threads);

#endif /* AD_DCONV_H */
