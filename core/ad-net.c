/* ad-net.c - STUB: to be implemented. */
#include "ad-internal.h"

ad_status
ad_model_new (const ad_config *cfg, ad_model **out, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_model_free (ad_model *m)
{
  
}

const ad_config *
ad_model_config (const ad_model *m)
{
  return NULL;
}

const ad_calib *
ad_model_calib (const ad_model *m)
{
  return NULL;
}

void
ad_model_set_calib (ad_model *m, const ad_calib *c)
{
  
}

ad_status
ad_model_set_scoring (ad_model *m, const ad_config *cfg,
    ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

size_t
ad_model_n_params (const ad_model *m)
{
  return 0;
}

double
ad_model_flops_per_frame (const ad_model *m)
{
  return 0;
}

ad_tensor *
ad_model_tensor (ad_model *m, const char *name)
{
  return NULL;
}

ad_status
ad_net_build (ad_model *m, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_net_free (ad_net *net)
{
  
}

double
ad_net_flops (const ad_net *net)
{
  return 0;
}

ad_status
ad_exec_new (const ad_model *m, int b, int t, ad_exec **out,
    ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_exec_free (ad_exec *e)
{
  
}

ad_status
ad_exec_step (ad_exec *e, const float *in, const float *target,
    float **grads, ad_progress *losses)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_exec_reset_state (ad_exec *e)
{
  
}

ad_status
ad_exec_stream (ad_exec *e, const float *in, float *out)
{
  return AD_ERR_UNIMPLEMENTED;
}

const float *
ad_exec_mem_query (const ad_exec *e, int k, int *n, int *c,
    int *h, int *w, char *item_name, size_t name_len)
{
  return NULL;
}

ad_status
ad_stream_new (const ad_model *m, ad_stream **out, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_stream_free (ad_stream *s)
{
  
}

void
ad_stream_reset (ad_stream *s)
{
  
}

ad_status
ad_stream_process (ad_stream *s, const float *feat, float *recon,
    int *valid, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}
