/* ad-model.c - STUB: to be implemented. */
#include "ad-internal.h"

ad_status
ad_model_save (const ad_model *m, const char *path, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

ad_status
ad_model_load (const char *path, ad_model **out, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

ad_status
ad_model_load_mem (const uint8_t *data, size_t size,
    ad_model **out, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

ad_status
ad_model_peek_config (const char *path, ad_config *cfg,
    ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}
