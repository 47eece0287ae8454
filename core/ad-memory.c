/* ad-memory.c - STUB: to be implemented. */
#include "ad-internal.h"

size_t
ad_mem_cache_size (const ad_mem *mm, int n, int h, int w)
{
  return 0;
}

void
ad_mem_forward (const ad_mem *mm, int n, int h, int w, const float *z,
    const float *items, float *out, float *att, float *cache)
{
  
}

void
ad_mem_backward (const ad_mem *mm, int n, int h, int w, const float *z,
    const float *items, const float *att, const float *cache,
    const float *dout, const float *datt, float *dz, float *ditems)
{
  
}

ad_mem_loss
ad_mem_losses (const ad_mem *mm, int n, int h, int w,
    const float *z, const float *items, const float *att, float w_entropy,
    float w_compact, float w_separate, float margin, float *datt, float *dz,
    float *ditems)
{
  ad_mem_loss l = {0}; return l;
}
