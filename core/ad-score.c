/* ad-score.c - STUB: to be implemented. */
#include "ad-internal.h"

void
ad_blur (float *map, int h, int w, float sigma, float *tmp)
{
  
}

float
ad_hist_floor (const float *map, int n)
{
  return 0;
}

float
ad_topk_mean (const float *v, int n, float frac, float *tmp)
{
  return 0;
}

float
ad_quantile (const float *v, int64_t n, float q, float *tmp)
{
  return 0;
}

int
ad_motion_cells (const float *a, const float *b, int c, int h, int w,
    int cell, float *cells)
{
  return 0;
}

ad_status
ad_scorer_new (const ad_model *m, ad_scorer **out, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_scorer_free (ad_scorer *sc)
{
  
}

void
ad_scorer_reset (ad_scorer *sc)
{
  
}

ad_status
ad_scorer_process (ad_scorer *sc, const float *feat,
    const float *recon, float *map, ad_score *out, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

ad_status
ad_model_calibrate (ad_model *m, const float *frames, int64_t n,
    const uint8_t *seg_start, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}
