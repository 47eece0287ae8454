/* test-net.c - the whole network: end-to-end gradient check against finite
 * differences, streaming equals clip execution, determinism, FLOP count. */
#include "ad-internal.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* A tiny config exercising every op: temporal shift, SE, memory on the
 * bottleneck (partitioned 2x2) and on every skip, diff head, prediction. */
static void
tiny_config (ad_config *cfg)
{
  ad_config_default (cfg);
  cfg->width = 16;
  cfg->height = 16;
  cfg->widths[0] = 4;
  cfg->widths[1] = 8;
  cfg->widths[2] = 8;
  cfg->widths[3] = 8;
  cfg->mem_place = AD_MEM_ALL_SKIPS;
  cfg->mem_items = 5;
  cfg->mem_skip_items = 4;
  cfg->mem_grid = 2;
  cfg->shift_frac = 0.25f;
  cfg->se_reduction = 2;
  cfg->clip_len = 3;
  cfg->batch_clips = 2;
  cfg->mem_shrink = 0.0f;     /* shrinkage kinks are checked in test-memory */
  cfg->mem_temp = 0.5f;
  cfg->w_entropy = 0.01f;
  cfg->w_compact = 0.0f;      /* argmin switches: checked in test-memory */
  cfg->w_separate = 0.0f;
}

static void
randomise (ad_model *m, ad_rng *r, float scale)
{
  for (int i = 0; i < m->n_tensors; i++) {
    ad_tensor *t = &m->tensors[i];
    if (!t->trainable)
      continue;
    for (size_t j = 0; j < t->count; j++)
      t->data[j] = scale * ad_rng_normal (r) / sqrtf ((float) (t->dims[1] ?
              t->dims[1] : 1) + 1.0f) + 0.02f;
  }
}

static double
loss_of (ad_exec *e, const float *in, const float *tg)
{
  ad_progress p = { 0 };
  ad_exec_step (e, in, tg, NULL, &p);
  return p.loss;
}

static void
test_gradients (void)
{
  ad_config cfg;
  tiny_config (&cfg);
  ad_model *m = NULL;
  ad_error err = { { 0 } };
  CHECK (ad_model_new (&cfg, &m, &err) == AD_OK, "%s", err.msg);
  if (!m)
    return;
  ad_rng r;
  ad_rng_seed (&r, 7);
  randomise (m, &r, 1.0f);
  ad_exec *e = NULL;
  CHECK (ad_exec_new (m, 2, 3, &e, &err) == AD_OK, "%s", err.msg);
  size_t hw = 16 * 16;
  size_t in_n = 6 * ad_config_in_channels (&cfg) * hw;
  size_t out_n = 6 * ad_config_out_channels (&cfg) * hw;
  float *in = ad_alloc (in_n), *tg = ad_alloc (out_n);
  for (size_t i = 0; i < in_n; i++)
    in[i] = ad_rng_uniform (&r);
  for (size_t i = 0; i < out_n; i++)
    tg[i] = ad_rng_uniform (&r);
  float **grads = calloc (m->n_tensors, sizeof (float *));
  for (int i = 0; i < m->n_tensors; i++)
    grads[i] = ad_alloc (m->tensors[i].count);
  ad_progress p = { 0 };
  CHECK (ad_exec_step (e, in, tg, grads, &p) == AD_OK, "step");
  CHECK (isfinite (p.loss) && p.loss > 0, "loss %g", p.loss);

  /* Central differences on up to 6 entries of every trainable tensor.
   * Bound: relative error |a-n|/max(1e-4,|a|+|n|) < 5e-2 for at least 90%
   * of the checked entries (ReLU kinks may be crossed by a perturbation)
   * and none worse than 0.5 where the gradient is not tiny. */
  int checked = 0, good = 0, bad_big = 0;
  double worst = 0.0;
  for (int i = 0; i < m->n_tensors; i++) {
    ad_tensor *t = &m->tensors[i];
    if (!t->trainable)
      continue;
    for (int k = 0; k < 6; k++) {
      size_t j = (size_t) (ad_rng_uniform (&r) * t->count) % t->count;
      float save = t->data[j];
      const float eps = 2e-3f;
      t->data[j] = save + eps;
      double lp = loss_of (e, in, tg);
      t->data[j] = save - eps;
      double lm = loss_of (e, in, tg);
      t->data[j] = save;
      double num = (lp - lm) / (2.0 * eps), ana = grads[i][j];
      double rel = fabs (num - ana) / fmax (1e-4, fabs (num) + fabs (ana));
      checked++;
      if (rel < 5e-2)
        good++;
      else if (rel > 0.5 && fabs (ana) > 1e-3)
        bad_big++;
      if (rel > worst && fabs (ana) > 1e-3)
        worst = rel;
      if (rel >= 5e-2)
        fprintf (stderr, "  %s[%zu]: analytic %.6g numeric %.6g rel %.3g\n",
            t->name, j, ana, num, rel);
    }
  }
  printf ("network gradient check: %d/%d within 5e-2, worst %.3g\n", good,
      checked, worst);
  CHECK (good >= 0.9 * checked, "%d of %d gradients within bound", good,
      checked);
  CHECK (bad_big == 0, "%d gradients off by more than 50%%", bad_big);

  for (int i = 0; i < m->n_tensors; i++)
    ad_free (grads[i]);
  free (grads);
  ad_free (in);
  ad_free (tg);
  ad_exec_free (e);
  ad_model_free (m);
}

/* Streaming frame by frame (with shift caches) equals running the clip. */
static void
test_streaming_matches_clip (void)
{
  ad_config cfg;
  tiny_config (&cfg);
  cfg.task = AD_TASK_RECON;
  ad_model *m = NULL;
  ad_error err = { { 0 } };
  CHECK (ad_model_new (&cfg, &m, &err) == AD_OK, "%s", err.msg);
  if (!m)
    return;
  ad_rng r;
  ad_rng_seed (&r, 11);
  randomise (m, &r, 1.0f);
  const int T = 4;
  size_t fs = (size_t) ad_config_in_channels (&cfg) * 256;
  size_t os = (size_t) ad_config_out_channels (&cfg) * 256;
  float *in = ad_alloc (fs * T), *tg = ad_alloc (os * T), *out = ad_alloc (os);
  for (size_t i = 0; i < fs * T; i++)
    in[i] = ad_rng_uniform (&r);
  ad_exec *e = NULL;
  ad_exec_new (m, 1, T, &e, &err);
  ad_exec_step (e, in, tg, NULL, NULL);
  const float *clip_out = ad_exec_output (e);
  ad_stream *s = NULL;
  CHECK (ad_stream_new (m, &s, &err) == AD_OK, "%s", err.msg);
  double maxd = 0.0;
  for (int pass = 0; pass < 2; pass++) {     /* second pass after a reset */
    ad_stream_reset (s);
    for (int t = 0; t < T; t++) {
      int valid = 0;
      CHECK (ad_stream_process (s, in + t * fs, out, &valid, &err) == AD_OK,
          "%s", err.msg);
      CHECK (valid, "recon mode is always valid");
      for (size_t i = 0; i < os; i++)
        maxd = fmax (maxd, fabs (out[i] - clip_out[t * os + i]));
    }
  }
  printf ("stream vs clip max abs diff %.3g\n", maxd);
  CHECK (maxd < 1e-4, "stream output differs from clip output by %g", maxd);

  /* prediction mode: the first frame after a reset has no estimate */
  ad_stream_free (s);
  ad_model_free (m);
  cfg.task = AD_TASK_PREDICT;
  CHECK (ad_model_new (&cfg, &m, &err) == AD_OK, "%s", err.msg);
  CHECK (ad_stream_new (m, &s, &err) == AD_OK, "%s", err.msg);
  int valid = 1;
  ad_stream_process (s, in, out, &valid, &err);
  CHECK (valid == 0, "no prediction for the first frame");
  ad_stream_process (s, in + fs, out, &valid, &err);
  CHECK (valid == 1, "prediction from the second frame");
  ad_stream_reset (s);
  ad_stream_process (s, in, out, &valid, &err);
  CHECK (valid == 0, "reset drops the prediction");
  ad_stream_free (s);
  ad_exec_free (e);
  ad_free (in);
  ad_free (tg);
  ad_free (out);
  ad_model_free (m);
}

static void
test_build_and_errors (void)
{
  ad_config cfg;
  ad_config_default (&cfg);
  ad_model *a = NULL, *b = NULL;
  ad_error err = { { 0 } };
  CHECK (ad_model_new (&cfg, &a, &err) == AD_OK, "%s", err.msg);
  CHECK (ad_model_new (&cfg, &b, &err) == AD_OK, "%s", err.msg);
  if (!a || !b)
    return;
  int same = a->n_tensors == b->n_tensors;
  for (int i = 0; same && i < a->n_tensors; i++)
    same = memcmp (a->tensors[i].data, b->tensors[i].data,
        a->tensors[i].count * sizeof (float)) == 0;
  CHECK (same, "same seed, same initial weights");
  double gf = ad_model_flops_per_frame (a) / 1e9;
  printf ("default model: %zu parameters, %.3f GFLOP per frame\n",
      ad_model_n_params (a), gf);
  CHECK (gf > 0.3 && gf < 3.0, "default model costs %.3f GFLOP/frame", gf);
  CHECK (ad_model_tensor (a, "motion_mean") != NULL, "motion_mean buffer");
  CHECK (ad_model_tensor (a, "mem.b") != NULL, "bottleneck memory");
  CHECK (ad_model_tensor (a, "res1.c2.w") != NULL, "residual block");
  /* residual blocks start as the identity */
  ad_tensor *z = ad_model_tensor (a, "res2.c2.w");
  float mx = 0.0f;
  for (size_t i = 0; z && i < z->count; i++)
    mx = fmaxf (mx, fabsf (z->data[i]));
  CHECK (z && mx == 0.0f, "last conv of a residual block is zero");
  ad_model_free (a);
  ad_model_free (b);

  ad_config bad = cfg;
  bad.width = 100;              /* not a multiple of 8 */
  CHECK (ad_model_new (&bad, &a, &err) == AD_ERR_ARG && a == NULL,
      "width 100 rejected");
  CHECK (strstr (err.msg, "multiple of 8") != NULL, "message: %s", err.msg);
  bad = cfg;
  bad.lr = -1.0f;
  CHECK (ad_model_new (&bad, &a, &err) == AD_ERR_ARG, "negative lr");
  CHECK (strstr (err.msg, "lr") != NULL, "message names the field: %s",
      err.msg);
  bad = cfg;
  bad.diff_head = 0;
  bad.score_source = AD_SCORE_DIFF;
  CHECK (ad_model_new (&bad, &a, &err) == AD_ERR_ARG, "diff score w/o head");

  /* scoring settings may change after training, the network may not */
  CHECK (ad_model_new (&cfg, &a, &err) == AD_OK, "%s", err.msg);
  ad_config c2 = cfg;
  c2.topk_frac = 0.05f;
  CHECK (ad_model_set_scoring (a, &c2, &err) == AD_OK, "%s", err.msg);
  c2.mem_items = 7;
  CHECK (ad_model_set_scoring (a, &c2, &err) == AD_ERR_ARG, "network field");
  ad_model_free (a);
}

int
main (void)
{
  test_build_and_errors ();
  test_gradients ();
  test_streaming_matches_clip ();
  return check_report ("net");
}
