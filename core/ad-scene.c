/* ad-scene.c - STUB: to be implemented. */
#include "ad-internal.h"
#include "ad-scene.h"

const char *
ad_anomaly_name (ad_anomaly_kind k)
{
  return NULL;
}

ad_status
ad_scene_new (ad_scene_kind kind, ad_scene_clip clip, int width,
    int height, int64_t n_frames, uint32_t seed, ad_scene **out,
    ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}

void
ad_scene_free (ad_scene *s)
{
  
}

int64_t
ad_scene_n_frames (const ad_scene *s)
{
  return 0;
}

ad_status
ad_scene_render (ad_scene *s, int64_t i, uint8_t *rgb,
    uint8_t *mask, ad_anomaly_kind *kind, ad_error *err)
{
  return AD_ERR_UNIMPLEMENTED;
}
