/* ad-feat.c - feature novelty: the bottleneck's normal state per place.
 *
 * The encoder's output at the bottleneck, z [C, h, w] (h = H/8, w = W/8,
 * before any memory), describes what lies in each place of the picture.
 * Learned over the training footage (ad_model_learn_features_fn), per
 * place: the channel-wise median of z (the place as it usually is) and
 * the 99th percentile of the distance of z from it (how far the normal
 * comings and goings there take it).  Scored (ad_feat_plane): per place
 * the distance less that level.  Motion tells how things move; this
 * tells what they are: a cart at a walker's pace moves as walkers do,
 * but its features lie further from the place's normal state than any
 * walker's.
 *
 * Tensor feat_normal [C + 1, h, w]: planes 0..C-1 the median, plane C the
 * level.  feat_stats [3]: 1 once learned, then calibration's median of the
 * frame value over held-back footage and the spread of the value above it
 * (ad-calib.c).
 */
#include "ad-internal.h"

#include <math.h>
#include <string.h>

/* Frames sampled for the statistics, and at most this many floats of
 * features kept for them. */
#define AD_FEAT_SAMPLES 400
#define AD_FEAT_MAX_FLOATS ((size_t) 32 << 20)

/* The level of a place: this quantile of its distances on the footage. */
#define AD_FEAT_LEVEL_Q 0.99f

/* The places' spread a frame's values are divided by is at least this
 * (distance in the features): a clear picture's places scatter by less,
 * so its values are divided by this constant, which calibration's spread
 * absorbs; a picture whose light changes scatters them by more */
#define AD_FEAT_SPREAD_FLOOR 0.1f

/* Places' values [hw] of z: distance from the median less the level. */
static void
place_values (const float *z, const float *normal, int c, size_t hw,
    float *pv)
{
  const float *level = normal + (size_t) c * hw;
  for (size_t p = 0; p < hw; p++) {
    double s = 0.0;
    for (int k = 0; k < c; k++) {
      double d = z[k * hw + p] - normal[k * hw + p];
      s += d * d;
    }
    pv[p] = (float) sqrt (s) - level[p];
  }
}

void
ad_feat_plane (const float *z, const float *normal, int c, int h, int w,
    int H, int W, float *tmp, float *out)
{
  const size_t hw = (size_t) h * w;
  float *pv = tmp;          /* places [hw], then scratch [2 hw] */
  place_values (z, normal, c, hw, pv);
  /* less the places' median, over their spread (the median distance from
   * it, at least AD_FEAT_SPREAD_FLOOR): the light of the whole picture
   * changing (a cloud, the camera's exposure) moves every place's
   * features and scatters them, an object moves its own places' */
  float med = ad_quantile (pv, (int64_t) hw, 0.5f, pv + hw);
  for (size_t p = 0; p < hw; p++)
    pv[hw + p] = fabsf (pv[p] - med);
  float mad = ad_quantile (pv + hw, (int64_t) hw, 0.5f, pv + 2 * hw);
  float k = 1.0f / (mad > AD_FEAT_SPREAD_FLOOR ? mad : AD_FEAT_SPREAD_FLOOR);
  for (int y = 0; y < H; y++) {
    const float *row = pv + (size_t) (y * h / H) * w;
    for (int x = 0; x < W; x++)
      out[(size_t) y * W + x] = (row[(size_t) x * w / W] - med) * k;
  }
}

ad_status
ad_model_learn_features (ad_model *m, const float *frames, int64_t n,
    const uint8_t *seg_start, ad_error *err)
{
  if (!m || !frames)
    return ad_fail (err, AD_ERR_ARG, "learning the features' normal state "
        "needs a model and frames");
  ad_array_src a = { frames, seg_start,
    (size_t) ad_config_in_channels (&m->cfg) * m->cfg.height * m->cfg.width };
  return ad_model_learn_features_fn (m, n, ad_array_frame, &a, err);
}

ad_status
ad_model_learn_features_fn (ad_model *m, int64_t n, ad_frame_fn get,
    void *user, ad_error *err)
{
  ad_tensor *tn = m ? ad_model_tensor (m, "feat_normal") : NULL;
  ad_tensor *ts = m ? ad_model_tensor (m, "feat_stats") : NULL;
  if (!m || !get || n < 1 || !tn || !ts || ts->count < 3)
    return ad_fail (err, AD_ERR_ARG, "learning the features' normal state "
        "needs a model and frames");
  /* not learned while learning: the stream writes the estimate alone */
  ts->data[0] = 0.0f;
  ad_stream *s = NULL;
  ad_status st = ad_stream_new (m, &s, err);
  if (st != AD_OK)
    return st;
  const ad_config *cfg = &m->cfg;
  size_t fs = (size_t) ad_config_in_channels (cfg) * cfg->width * cfg->height;
  size_t rs = (size_t) ad_config_out_channels (cfg) * cfg->width *
      cfg->height;
  int c = 0, h = 0, w = 0;
  ad_stream_neck (s, &c, &h, &w);
  const size_t per = (size_t) c * h * w, hw = (size_t) h * w;
  int64_t ns = n < AD_FEAT_SAMPLES ? n : AD_FEAT_SAMPLES;
  if ((size_t) ns * per > AD_FEAT_MAX_FLOATS)
    ns = (int64_t) (AD_FEAT_MAX_FLOATS / per);
  if (ns < 1)
    ns = 1;
  int64_t stride = (n + ns - 1) / ns;
  ns = (n + stride - 1) / stride;
  /* sampled features [ns, c, h, w], a frame [fs], an estimate [rs],
   * a column and its tmp [ns] each */
  float *zs = ad_alloc ((size_t) ns * per), *buf = ad_alloc (fs);
  float *rec = ad_alloc (rs), *col = ad_alloc (2 * (size_t) ns);
  if (!zs || !buf || !rec || !col)
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory for the features' "
        "normal state");
  int64_t j = 0;
  for (int64_t i = 0; i < n && st == AD_OK; i++) {
    int seg = 0, v;
    const float *f = get (user, i, buf, &seg);
    if (i == 0 || seg)
      ad_stream_reset (s);
    st = ad_stream_process (s, f, rec, &v, err);
    if (st == AD_OK && i % stride == 0 && j < ns) {
      int cc, hh, ww;
      memcpy (zs + (size_t) j * per, ad_stream_neck (s, &cc, &hh, &ww),
          sizeof (float) * per);
      j++;
    }
  }
  ns = j;
  if (st == AD_OK && ns < 1)
    st = ad_fail (err, AD_ERR_ARG, "no frame to learn the features' normal "
        "state from");
  /* the median of each channel of each place */
  for (size_t q = 0; st == AD_OK && q < per; q++) {
    for (int64_t k = 0; k < ns; k++)
      col[k] = zs[(size_t) k * per + q];
    tn->data[q] = ad_quantile (col, ns, 0.5f, col + ns);
  }
  /* the level of each place: a quantile of its distances from it */
  for (size_t p = 0; st == AD_OK && p < hw; p++) {
    for (int64_t k = 0; k < ns; k++) {
      const float *z = zs + (size_t) k * per;
      double d2 = 0.0;
      for (int ch = 0; ch < c; ch++) {
        double d = z[ch * hw + p] - tn->data[ch * hw + p];
        d2 += d * d;
      }
      col[k] = (float) sqrt (d2);
    }
    tn->data[(size_t) c * hw + p] = ad_quantile (col, ns, AD_FEAT_LEVEL_Q,
        col + ns);
  }
  if (st == AD_OK) {
    ts->data[0] = 1.0f;
    ts->data[1] = ts->data[2] = 0.0f;   /* until calibrated */
  }
  ad_free (zs);
  ad_free (buf);
  ad_free (rec);
  ad_free (col);
  ad_stream_free (s);
  return st;
}
