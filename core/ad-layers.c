/* ad-layers.c - STUB: to be implemented. */
#include "ad-internal.h"

size_t
ad_conv2d_col_size (const ad_conv *c, int h, int w)
{
  return 0;
}

void
ad_conv2d_out_size (const ad_conv *c, int h, int w, int *ho, int *wo)
{
  
}

void
ad_conv2d_forward (const ad_conv *c, int n, int h, int w,
    const float *x, const float *wt, const float *b, float *y, float *col)
{
  
}

void
ad_conv2d_backward (const ad_conv *c, int n, int h, int w,
    const float *x, const float *wt, const float *dy, float *dx, float *dw,
    float *db, float *col)
{
  
}

void
ad_upsample2_forward (int n, int c, int h, int w, const float *x,
    float *y)
{
  
}

void
ad_upsample2_backward (int n, int c, int h, int w, const float *dy,
    float *dx)
{
  
}

void
ad_relu_forward (size_t count, const float *x, float *y)
{
  
}

void
ad_relu_backward (size_t count, const float *y, const float *dy,
    float *dx)
{
  
}

void
ad_tshift_forward (int b, int t, int c, int hw, int nshift,
    const float *x, const float *prev, float *y)
{
  
}

void
ad_tshift_backward (int b, int t, int c, int hw, int nshift,
    const float *dy, float *dx)
{
  
}

size_t
ad_se_cache_size (int n, int c, int r)
{
  return 0;
}

void
ad_se_forward (int n, int c, int hw, int r, const float *x,
    const float *w1, const float *b1, const float *w2, const float *b2,
    float *y, float *cache)
{
  
}

void
ad_se_backward (int n, int c, int hw, int r, const float *x,
    const float *w1, const float *w2, const float *cache, const float *dy,
    float *dx, float *dw1, float *db1, float *dw2, float *db2)
{
  
}

void
ad_add (size_t count, const float *a, const float *b, float *y)
{
  
}

void
ad_axpy (size_t count, float alpha, const float *x, float *y)
{
  
}
