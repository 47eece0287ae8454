/* ad-train.c - STUB: to be implemented. */
#include "ad-internal.h"

void
ad_train_opts_default (ad_train_opts *o)
{
  
}

ad_status
ad_trainer_new (ad_model *m, const ad_train_opts *opts,
    ad_trainer **out, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_trainer_free (ad_trainer *t)
{
  
}

ad_status
ad_trainer_add_frame (ad_trainer *t, const float *feat,
    int new_segment, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

int64_t
ad_trainer_n_clips (const ad_trainer *t)
{
  return 0;
}

ad_status
ad_trainer_run (ad_trainer *t, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}
