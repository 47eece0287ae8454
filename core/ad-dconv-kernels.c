/* ad-dconv-kernels.c - the direct convolution's register-blocked kernels
 * (x86-64: AVX2+FMA, or AVX-512VL for its 32 vector registers), chosen at
 * run time; written with GCC vector extensions and per-function targets, so
 * the rest of the core builds for the baseline ISA.
 */
#include "ad-dconv.h"

#include <stdatomic.h>

/* Elsewhere (or with -DAD_NO_DIRECT) there are no kernels and
 * ad_conv2d_direct() is 0: callers use the im2col path. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(AD_NO_DIRECT)
#define DC_HAVE_KERNELS 1

typedef float v8f __attribute__ ((vector_size (32)));
typedef float v8fu __attribute__ ((vector_size (32), aligned (4)));

/* dc_kernel (ad-dconv.h) for a compile-time cb. */
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

/* dw_kernel (ad-dconv.h) for compile-time cb and tb. */
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


int
ad_dc_cpu_level (void)
{
  return cpu_level ();
}

dc_kernel
ad_dc_tile_kernel (int cb)
{
#ifdef DC_HAVE_KERNELS
  if (cpu_level () >= cb)
    return cb == 8 ? kernel8 : kernel4;
#endif
  (void) cb;
  return NULL;
}

dw_kernel
ad_dc_dw_kernel (int cb, int tb)
{
#ifdef DC_HAVE_KERNELS
  if (cpu_level () >= cb)
    return cb == 8 ? (tb == 3 ? dw_kernel8x3 : dw_kernel8x2) :
        (tb == 3 ? dw_kernel4x3 : dw_kernel4x2);
#endif
  (void) cb;
  (void) tb;
  return NULL;
}
