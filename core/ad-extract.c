/* ad-extract.c - STUB: to be implemented. */
#include "ad-internal.h"

ad_status
ad_extractor_new (const ad_config *cfg, ad_extractor **out,
    ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_extractor_free (ad_extractor *x)
{
  
}

void
ad_extractor_reset (ad_extractor *x)
{
  
}

ad_status
ad_extractor_process (ad_extractor *x, const ad_image *img,
    float *feat, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}
