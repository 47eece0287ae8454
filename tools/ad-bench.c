/* ad-bench.c - speed and memory figures of the core, in one run.
 *
 *   ad-bench [--seconds S] [--frames N] [--config k=v,...]
 *            [--forward-only | --train-only]
 *   ad-bench --export DIR [--config k=v,...]
 *
 * Measures the configuration it is given (the defaults unless --config) and
 * prints it, then: this machine's cblas_sgemm GFLOP/s with the core's
 * thread count (AD_THREADS / OPENBLAS_NUM_THREADS; the best of 15 runs, so
 * that noise does not flatter the ratio below); the model's FLOPs per
 * frame (nominal, and as executed); streaming forward frames/s at batch 1
 * and its GFLOP/s as a fraction of sgemm; resident memory before and after
 * N more streamed frames (with a stream reset every 500); training
 * frames/s of the real trainer (ad_trainer_run: data-parallel workers,
 * Adam).  The last line, "RESULT k=v ...", is for scripts.  --export DIR
 * writes the weights, a test clip and the C outputs for the PyTorch
 * comparison (tools/bench_torch.py).
 */

#include "ad-internal.h"

#include <cblas.h>
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static double
median (double *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* cblas_sgemm n x n x n GFLOP/s over reps runs: the best run (*best) and
 * the median (returned). */
static double
sgemm_gflops (int n, int reps, double *best)
{
  float *a = ad_alloc ((size_t) n * n), *b = ad_alloc ((size_t) n * n);
  float *c = ad_alloc ((size_t) n * n);
  for (size_t i = 0; i < (size_t) n * n; i++) {
    a[i] = (float) (i % 7) * 0.1f;
    b[i] = (float) (i % 5) * 0.1f;
  }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a,
      n, b, n, 0.0f, c, n);
  double runs[32];
  reps = reps > 32 ? 32 : reps;
  for (int r = 0; r < reps; r++) {
    double t0 = ad_now ();
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a,
        n, b, n, 0.0f, c, n);
    runs[r] = 2.0 * n * n * (double) n / (ad_now () - t0) / 1e9;
  }
  ad_free (a);
  ad_free (b);
  ad_free (c);
  *best = 0.0;
  for (int r = 0; r < reps; r++)
    *best = runs[r] > *best ? runs[r] : *best;
  return median (runs, reps);
}

static long
rss_kb (void)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "VmRSS:", 6) == 0)
      kb = strtol (line + 6, NULL, 10);
  if (f)
    fclose (f);
  return kb;
}

static int
apply_config (ad_config *cfg, const char *spec)
{
  ad_error err = { { 0 } };
  if (ad_config_parse (cfg, spec, &err) == AD_OK)
    return 1;
  fprintf (stderr, "ad-bench: %s\n", err.msg);
  return 0;
}

static int
write_file (const char *dir, const char *name, const void *data, size_t n)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen (path, "wb");
  if (!f || fwrite (data, 1, n, f) != n) {
    fprintf (stderr, "ad-bench: cannot write %s: %s\n", path, strerror (errno));
    if (f)
      fclose (f);
    return 0;
  }
  fclose (f);
  return 1;
}

/* Weights as raw float32 files plus a manifest "name dims..." and the
 * config as "key value" lines; a test clip and the C streaming outputs. */
static int
export_parity (ad_model *m, const char *dir)
{
  mkdir (dir, 0755);
  char path[4096];
  snprintf (path, sizeof path, "%s/manifest.txt", dir);
  FILE *f = fopen (path, "w");
  if (!f)
    return 0;
  for (int i = 0; i < ad_config_n_fields; i++)
    fprintf (f, "config %s %.9g\n", ad_config_fields[i].name,
        ad_config_get (&m->cfg, &ad_config_fields[i]));
  for (int i = 0; i < m->n_tensors; i++) {
    ad_tensor *t = &m->tensors[i];
    fprintf (f, "tensor %s", t->name);
    for (int d = 0; d < t->ndim; d++)
      fprintf (f, " %d", t->dims[d]);
    fprintf (f, "\n");
    char nm[80];
    snprintf (nm, sizeof nm, "%s.f32", t->name);
    if (!write_file (dir, nm, t->data, t->count * sizeof (float))) {
      fclose (f);
      return 0;
    }
  }
  fclose (f);
  const ad_config *cfg = &m->cfg;
  const int T = 4;
  size_t fs = (size_t) ad_config_in_channels (cfg) * cfg->width * cfg->height;
  size_t os = (size_t) ad_config_out_channels (cfg) * cfg->width * cfg->height;
  float *in = ad_alloc (fs * T), *out = ad_alloc (os * T);
  ad_rng r;
  ad_rng_seed (&r, 5);
  for (size_t i = 0; i < fs * T; i++)
    in[i] = ad_rng_uniform (&r);
  ad_exec *e = NULL;
  ad_error err;
  if (ad_exec_new (m, 1, 1, &e, &err) != AD_OK)
    return 0;
  for (int t = 0; t < T; t++)
    ad_exec_stream (e, in + t * fs, out + t * os);
  ad_exec_free (e);
  int ok = write_file (dir, "input.f32", in, fs * T * sizeof (float)) &&
      write_file (dir, "output.f32", out, os * T * sizeof (float));
  ad_free (in);
  ad_free (out);
  return ok;
}

/* The configuration measured, as "k=v" for every network and training
 * field (scoring fields do not change the speed). */
static void
print_config (const ad_config *cfg)
{
  printf ("config (network and training fields):\n ");
  int col = 1;
  for (int i = 0; i < ad_config_n_fields; i++) {
    const ad_field *f = &ad_config_fields[i];
    if (f->scoring_only)
      continue;
    char kv[96];
    snprintf (kv, sizeof kv, " %s=%.6g", f->name, ad_config_get (cfg, f));
    if (col + strlen (kv) > 78) {
      printf ("\n ");
      col = 1;
    }
    col += printf ("%s", kv);
  }
  printf ("\n");
}

typedef struct train_watch {
  double fps;
  int64_t steps;
} train_watch;

static int
on_progress (void *user, const ad_progress *p)
{
  train_watch *w = user;
  w->fps = p->frames_per_s;
  w->steps = p->step;
  return 0;
}

/* Frames/s of ad_trainer_run for about `seconds` on random clips. */
static double
train_fps (ad_model *m, double seconds, int64_t *steps)
{
  const ad_config *cfg = ad_model_config (m);
  size_t fs = (size_t) ad_config_in_channels (cfg) * cfg->width * cfg->height;
  train_watch w = { 0.0, 0 };
  ad_train_opts o;
  ad_train_opts_default (&o);
  o.seconds = seconds;
  o.progress = on_progress;
  o.user = &w;
  o.progress_interval_s = 0.0;
  ad_trainer *t = NULL;
  ad_error err;
  float *feat = ad_alloc (fs);
  ad_rng r;
  ad_rng_seed (&r, 3);
  ad_status st = ad_trainer_new (m, &o, &t, &err);
  int n_frames = 40 * (cfg->clip_len + 1) * cfg->batch_clips;
  for (int i = 0; i < n_frames && st == AD_OK; i++) {
    for (size_t k = 0; k < fs; k++)
      feat[k] = ad_rng_uniform (&r);
    st = ad_trainer_add_frame (t, feat, i == 0, &err);
  }
  if (st == AD_OK)
    st = ad_trainer_run (t, &err);
  if (st != AD_OK)
    fprintf (stderr, "ad-bench: training: %s\n", err.msg);
  ad_trainer_free (t);
  ad_free (feat);
  *steps = w.steps;
  return st == AD_OK ? w.fps : NAN;
}

int
main (int argc, char **argv)
{
  double seconds = 5.0;
  long frames = 2000;
  int forward_only = 0, train_only = 0;
  const char *spec = NULL, *export_dir = NULL;
  ad_config cfg;
  ad_config_default (&cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp (a, "--seconds") && v)
      seconds = atof (argv[++i]);
    else if (!strcmp (a, "--frames") && v)
      frames = atol (argv[++i]);
    else if (!strcmp (a, "--config") && v)
      spec = argv[++i];
    else if (!strcmp (a, "--export") && v)
      export_dir = argv[++i];
    else if (!strcmp (a, "--forward-only"))
      forward_only = 1;
    else if (!strcmp (a, "--train-only"))
      train_only = 1;
    else {
      fprintf (stderr, "usage: ad-bench [--seconds S] [--frames N] "
          "[--config k=v,...] [--forward-only | --train-only] "
          "[--export DIR]\n");
      return 2;
    }
  }
  if (spec && !apply_config (&cfg, spec))
    return 2;
  ad_model *m = NULL;
  ad_error err;
  if (ad_model_new (&cfg, &m, &err) != AD_OK) {
    fprintf (stderr, "ad-bench: %s\n", err.msg);
    return 1;
  }
  if (export_dir) {
    if (!export_parity (m, export_dir))
      return 1;
    printf ("exported weights, input and outputs to %s\n", export_dir);
    ad_model_free (m);
    return 0;
  }
  if (train_only) {
    int64_t steps = 0;
    double tfps = train_fps (m, seconds, &steps);
    printf ("training (batch %dx%d):        %8.1f frames/s (ad_trainer_run, "
        "%lld steps)\n", cfg.batch_clips, cfg.clip_len, tfps,
        (long long) steps);
    printf ("RESULT threads=%d train_fps=%.1f\n", ad_pool_threads (), tfps);
    ad_model_free (m);
    return isnan (tfps) ? 1 : 0;
  }

  /* sgemm with the core's thread count (the core then puts OpenBLAS back
   * to one thread: its own pool does the threading) */
  int threads = ad_pool_threads ();
#ifdef AD_HAVE_OPENBLAS
  openblas_set_num_threads (threads);
#endif
  /* the ratio uses the best sgemm run (conservative under noise) */
  double peak, sgemm_med = sgemm_gflops (1024, 15, &peak);
  double gflop = ad_model_flops_per_frame (m) / 1e9;
  double gflop_run = ad_net_flops_run (m->net) / 1e9;
  print_config (&cfg);
  printf ("threads:                      %d (AD_THREADS, else "
      "OPENBLAS_NUM_THREADS, else CPUs)\n", threads);
  printf ("sgemm 1024^3:                 %8.1f GFLOP/s (best of 15, %d "
      "threads; median %.1f)\n", peak, threads, sgemm_med);
  printf ("model:                        %dx%d, %zu parameters, %.3f GFLOP "
      "per frame (%.3f executed)\n", cfg.width, cfg.height,
      ad_model_n_params (m), gflop, gflop_run);

  /* Streaming forward, batch 1. */
  ad_stream *s = NULL;
  if (ad_stream_new (m, &s, &err) != AD_OK) {
    fprintf (stderr, "ad-bench: %s\n", err.msg);
    return 1;
  }
  size_t fs = (size_t) ad_config_in_channels (&cfg) * cfg.width * cfg.height;
  size_t os = (size_t) ad_config_out_channels (&cfg) * cfg.width * cfg.height;
  float *feat = ad_alloc (fs), *recon = ad_alloc (os);
  ad_rng r;
  ad_rng_seed (&r, 1);
  for (size_t i = 0; i < fs; i++)
    feat[i] = ad_rng_uniform (&r);
  int valid;
  for (int i = 0; i < 20; i++)
    ad_stream_process (s, feat, recon, &valid, &err);
  double fwd[9];
  for (int k = 0; k < 9; k++) {
    int n = 0;
    double t0 = ad_now ();
    while (ad_now () - t0 < seconds / 9.0 || n < 3) {
      ad_stream_process (s, feat, recon, &valid, &err);
      n++;
    }
    fwd[k] = n / (ad_now () - t0);
  }
  double fps = median (fwd, 9);
  printf ("forward, batch 1:             %8.1f frames/s = %.1f GFLOP/s "
      "nominal = %.0f%% of sgemm (executed: %.1f GFLOP/s = %.0f%%)\n", fps,
      fps * gflop, 100.0 * fps * gflop / peak, fps * gflop_run,
      100.0 * fps * gflop_run / peak);
  if (forward_only) {
    printf ("RESULT threads=%d sgemm_gflops=%.1f gflop_per_frame=%.4f "
        "forward_fps=%.1f forward_frac_sgemm=%.3f\n", threads, peak, gflop,
        fps, fps * gflop / peak);
    ad_free (feat);
    ad_free (recon);
    ad_stream_free (s);
    ad_model_free (m);
    return 0;
  }

  /* Memory per stream stays constant over many frames. */
  long rss0 = rss_kb (), rss_max = rss0;
  for (long i = 0; i < frames; i++) {
    if (i % 500 == 0) {
      ad_stream_reset (s);
      long k = rss_kb ();
      rss_max = k > rss_max ? k : rss_max;
    }
    ad_stream_process (s, feat, recon, &valid, &err);
  }
  long rss1 = rss_kb ();
  rss_max = rss1 > rss_max ? rss1 : rss_max;
  printf ("resident memory:              %ld kB before, %ld kB after %ld "
      "more streamed frames (%+ld kB, peak %+ld kB)\n", rss0, rss1, frames,
      rss1 - rss0, rss_max - rss0);

  /* Training: the trainer itself, on random clips (it changes m). */
  int64_t steps = 0;
  double tfps = train_fps (m, seconds, &steps);
  printf ("training (batch %dx%d):        %8.1f frames/s (ad_trainer_run, "
      "%lld steps)\n", cfg.batch_clips, cfg.clip_len, tfps,
      (long long) steps);
  printf ("RESULT threads=%d sgemm_gflops=%.1f gflop_per_frame=%.4f "
      "gflop_executed=%.4f forward_fps=%.1f forward_frac_sgemm=%.3f "
      "forward_frac_sgemm_executed=%.3f train_fps=%.1f rss_growth_kb=%ld "
      "rss_frames=%ld\n", threads, peak, gflop, gflop_run, fps,
      fps * gflop / peak, fps * gflop_run / peak, tfps, rss1 - rss0, frames);

  ad_free (feat);
  ad_free (recon);
  ad_stream_free (s);
  ad_model_free (m);
  return 0;
}
