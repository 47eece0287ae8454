/* test-train.c - training on a small generated clip: the loss falls, the
 * run is deterministic for a seed, calibration holds on normal frames, and
 * injected anomalies score above normal frames on frames kept apart from
 * training (AUROC bound). */
#include "ad-internal.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define W 32
#define H 24

/* Frame t of a synthetic scene: smooth static texture, two bright 4x4
 * squares moving right at 1 px/frame on two rows.  anomaly 1: one square
 * moves at 5 px/frame; anomaly 2: a dark 5x5 object on an unused row.
 * feat [1,H,W] gray in [0,1]. */
static void
render (int t, int anomaly, float *feat)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      feat[y * W + x] = 0.35f + 0.1f * sinf (x * 0.7f) * cosf (y * 0.5f);
  int xs[2] = { t % (W + 4) - 4, (t + 17) % (W + 4) - 4 };
  int ys[2] = { 4, 14 };
  if (anomaly == 1)
    xs[0] = (t * 5) % (W + 4) - 4;
  for (int k = 0; k < 2; k++)
    for (int y = ys[k]; y < ys[k] + 4; y++)
      for (int x = xs[k]; x < xs[k] + 4; x++)
        if (x >= 0 && x < W)
          feat[y * W + x] = 0.9f;
  if (anomaly == 2)
    for (int y = 18; y < 23; y++)
      for (int x = 10 + (t % 8); x < 15 + (t % 8); x++)
        feat[y * W + x] = 0.05f;
}

typedef struct losses {
  float first, last;
  int calls;
} losses;

static int
on_progress (void *user, const ad_progress *p)
{
  losses *l = user;
  if (l->calls++ == 0)
    l->first = p->loss_recon;
  l->last = p->loss_recon;
  return 0;
}

static void
small_config (ad_config *cfg)
{
  ad_config_default (cfg);
  cfg->width = W;
  cfg->height = H;
  cfg->widths[0] = 8;
  cfg->widths[1] = 16;
  cfg->widths[2] = 16;
  cfg->widths[3] = 16;
  cfg->mem_items = 16;
  cfg->mem_skip_items = 8;
  cfg->seed = 3;
  cfg->lr = 3e-3f;
  cfg->fuse = AD_FUSE_LEARNED;      /* judge the learned model alone */
  cfg->blur_sigma = 1.0f;
  cfg->topk_frac = 0.02f;
  cfg->flow_spread = 1;             /* columns of cells stay apart */
  cfg->holdout_frac = 0.1f;         /* the split tests count clips at a
                                     * tenth (the default is 0.2) */
}

static ad_model *
train (const ad_config *cfg, int frames, int epochs, losses *l)
{
  ad_model *m = NULL;
  ad_error err = { { 0 } };
  CHECK (ad_model_new (cfg, &m, &err) == AD_OK, "%s", err.msg);
  if (!m)
    return NULL;
  ad_train_opts o;
  ad_train_opts_default (&o);
  o.epochs = epochs;
  o.max_clips = 400;
  o.progress = on_progress;
  o.user = l;
  o.progress_interval_s = 0.0;
  ad_trainer *t = NULL;
  CHECK (ad_trainer_new (m, &o, &t, &err) == AD_OK, "%s", err.msg);
  float feat[W * H];
  for (int i = 0; i < frames; i++) {
    render (i, 0, feat);
    CHECK_OK (ad_trainer_add_frame (t, feat, i == 0, NULL));
  }
  /* a clip per clip_len frames, up to a quarter of them held back */
  CHECK (ad_trainer_n_clips (t) >= (frames / cfg->clip_len) * 3 / 4,
      "%lld training clips gathered", (long long) ad_trainer_n_clips (t));
  ad_status st = ad_trainer_run (t, &err);
  CHECK (st == AD_OK, "training: %s", err.msg);
  ad_trainer_free (t);
  return m;
}

static void
test_train_and_detect (void)
{
  ad_config cfg;
  small_config (&cfg);
  losses l = { 0 };
  double t0 = ad_now ();
  ad_model *m = train (&cfg, 800, 12, &l);
  if (!m)
    return;
  printf ("trained in %.1f s: loss %.5f -> %.5f (%d reports)\n",
      ad_now () - t0, l.first, l.last, l.calls);
  CHECK (l.calls > 1 && l.last < 0.5f * l.first, "loss fell from %g to %g",
      l.first, l.last);
  CHECK (ad_model_calib (m)->valid, "model calibrated after training");

  /* Score a test sequence that starts far from the training frames. */
  ad_error err = { { 0 } };
  ad_stream *s = NULL;
  ad_scorer *sc = NULL;
  CHECK (ad_stream_new (m, &s, &err) == AD_OK, "%s", err.msg);
  CHECK (ad_scorer_new (m, &sc, &err) == AD_OK, "%s", err.msg);
  if (!s || !sc)
    return;
  enum { N = 300 };
  /* the estimate's two planes (frame, difference) and the feature
   * novelty's (ad_model_recon_channels) */
  float feat[W * H], recon[3 * W * H], map[W * H];
  CHECK (ad_model_recon_channels (m) == 3, "estimate with a novelty plane: "
      "%d planes", ad_model_recon_channels (m));
  float score[N];
  uint8_t label[N];
  int n = 0, normal_over = 0, normal_n = 0;
  for (int i = 0; i < N + 1; i++) {
    int t = 5000 + i;
    int anomaly = (i / 30) % 3 == 1 ? 1 : (i / 30) % 3 == 2 && i > 150 ? 2 : 0;
    render (t, anomaly, feat);
    int valid = 0;
    ad_score out;
    CHECK_OK (ad_stream_process (s, feat, recon, &valid, NULL));
    CHECK_OK (ad_scorer_process (sc, feat, valid ? recon : NULL, map, &out,
            NULL));
    if (!valid || i % 30 < 2)     /* skip onsets: the model sees t-1 only */
      continue;
    score[n] = out.score;
    label[n] = anomaly != 0;
    if (!anomaly) {
      normal_n++;
      normal_over += out.score > 1.0f;
    }
    n++;
  }
  double auc = ad_metric_auroc (score, label, n);
  printf ("held-out frames: %d, AUROC %.3f, normal frames over threshold "
      "%d/%d\n", n, auc, normal_over, normal_n);
  CHECK (auc >= 0.85, "AUROC %.3f below 0.85", auc);
  CHECK (normal_over <= normal_n / 10, "%d of %d normal frames flagged",
      normal_over, normal_n);
  ad_scorer_free (sc);
  ad_stream_free (s);
  ad_model_free (m);
}

static void
test_deterministic (void)
{
  ad_config cfg;
  small_config (&cfg);
  losses l1 = { 0 }, l2 = { 0 };
  ad_model *a = train (&cfg, 200, 1, &l1);
  ad_model *b = train (&cfg, 200, 1, &l2);
  if (!a || !b)
    return;
  int same = 1;
  for (int i = 0; i < a->n_tensors && same; i++)
    same = memcmp (a->tensors[i].data, b->tensors[i].data,
        a->tensors[i].count * sizeof (float)) == 0;
  CHECK (same, "two runs with one seed give identical weights");
  ad_model_free (a);
  ad_model_free (b);
}

static void
test_errors (void)
{
  ad_config cfg;
  small_config (&cfg);
  ad_model *m = NULL;
  ad_error err = { { 0 } };
  CHECK_OK (ad_model_new (&cfg, &m, &err));
  ad_trainer *t = NULL;
  CHECK_OK (ad_trainer_new (m, NULL, &t, &err));
  CHECK (ad_trainer_run (t, &err) == AD_ERR_STATE, "no clips -> error");
  CHECK (strstr (err.msg, "no training clips") != NULL, "msg: %s", err.msg);
  CHECK (ad_trainer_add_frame (t, NULL, 0, &err) == AD_ERR_ARG, "NULL frame");
  ad_trainer_free (t);
  ad_model_free (m);
}

/* A small model and a trainer for one epoch over a reservoir of
 * max_clips clips, holding back clips from `blocks` stretches of footage;
 * 0 when either could not be made. */
static int
small_trainer (ad_config *cfg, ad_model **m, ad_trainer **t, int max_clips,
    int blocks)
{
  small_config (cfg);
  cfg->holdout_blocks = blocks;
  CHECK_OK (ad_model_new (cfg, m, NULL));
  ad_train_opts o;
  ad_train_opts_default (&o);
  o.epochs = 1;
  o.max_clips = max_clips;
  if (*m)
    CHECK_OK (ad_trainer_new (*m, &o, t, NULL));
  return *m && *t;
}

/* Feeds frames 0..399 of frame (i, feat [H, W]) to t. */
static void
feed_400 (ad_trainer *t, void (*frame) (int i, float *feat))
{
  float feat[W * H];
  for (int i = 0; i < 400; i++) {
    frame (i, feat);
    CHECK_OK (ad_trainer_add_frame (t, feat, i == 0, NULL));
  }
}

/* 300 still frames, then 100 with moving squares. */
static void
still_then_moving (int i, float *feat)
{
  render (i < 300 ? 0 : i, 0, feat);
  if (i < 300)        /* no squares: a still frame */
    for (int p = 0; p < W * H; p++)
      feat[p] = 0.35f + 0.1f * sinf ((p % W) * 0.7f) * cosf ((p / W) * 0.5f);
}

/* 300 frames with moving squares, then still ones. */
static void
moving_then_still (int i, float *feat)
{
  render (i < 300 ? i : 300, 0, feat);
}

/* Moving squares throughout, and a block moving down in the right-hand
 * column during the last 40 frames only. */
static void
moving_then_down (int i, float *feat)
{
  render (i, 0, feat);
  if (i >= 360)
    for (int y = (i - 360) % 16; y < (i - 360) % 16 + 6; y++)
      for (int x = 25; x < 31; x++)
        feat[y * W + x] = 0.05f;
}

/* The trainer learns the motion patterns from its stored clips as the
 * footage they came from: with every clip stored (they overlap by one
 * frame), the patterns and background equal those learned from frames
 * 0..396 in one piece (8-bit, as stored).  Clips treated as separate
 * pieces would lose the vectors that span two clips (a window of 3 pairs
 * fits only twice in a 5-frame clip).  With flow_recur the footage rule
 * holds: 397 frames keep 10 (200 wanted) and leave 50 out (1000 wanted,
 * the model then has 0 and the trainer reports it). */
static void
test_patterns_continuous (int recur)
{
  enum { NF = 397 };
  ad_config cfg;
  ad_model *m = NULL, *ref = NULL;
  ad_trainer *t = NULL;
  ad_error err = { { 0 } };
  float *fr = ad_alloc ((size_t) NF * W * H);   /* [NF, H, W] */
  if (!small_trainer (&cfg, &m, &t, 1000, 1))      /* every clip stored */
    goto out;
  int kept = NF >= AD_RECUR_FOOTAGE * recur;
  cfg.flow_recur = recur;
  CHECK_OK (ad_model_set_scoring (m, &cfg, NULL));
  cfg.flow_recur = kept ? recur : 0;
  if (!fr)
    goto out;
  feed_400 (t, moving_then_down);
  CHECK (ad_trainer_run (t, &err) == AD_OK, "training: %s", err.msg);
  /* the one piece with the range the speed rule gave the model */
  cfg.flow_range = ad_model_config (m)->flow_range;
  CHECK_OK (ad_model_new (&cfg, &ref, NULL));
  if (!ref)
    goto out;
  CHECK (ad_model_config (m)->flow_recur == cfg.flow_recur &&
      ad_trainer_recur_dropped (t) == (kept ? 0 : recur) &&
      ad_trainer_motion_frames (t) == NF, "flow_recur=%d on %lld frames: "
      "model %d, dropped %d", recur, (long long) ad_trainer_motion_frames (t),
      (int) ad_model_config (m)->flow_recur, ad_trainer_recur_dropped (t));
  for (int i = 0; i < NF; i++) {
    float *f = fr + (size_t) i * W * H;
    moving_then_down (i, f);
    for (int p = 0; p < W * H; p++)
      f[p] = (float) (int) (f[p] * 255.0f + 0.5f) * (1.0f / 255.0f);
  }
  CHECK (ad_model_learn_motion (ref, fr, NF, NULL, &err) == AD_OK, "%s",
      err.msg);
  const char *names[] = { "flow_dist", "bg_image" };
  for (int k = 0; k < 2; k++) {
    ad_tensor *a = ad_model_tensor (m, names[k]);
    ad_tensor *b = ad_model_tensor (ref, names[k]);
    size_t diff = 0;
    for (size_t i = 0; a && b && i < a->count; i++)
      diff += fabsf (a->data[i] - b->data[i]) > 1e-6f;
    CHECK (a && b && diff == 0, "%s: %zu values differ from one piece",
        names[k], diff);
  }
  float na = ad_model_tensor (m, "flow_stats")->data[0];
  float nb = ad_model_tensor (ref, "flow_stats")->data[0];
  CHECK (na == nb, "same noise level %g %g", na, nb);
out:
  ad_trainer_free (t);
  ad_model_free (m);
  ad_model_free (ref);
  ad_free (fr);
}

/* With holdout_blocks 1, calibration comes from the latest footage, not
 * from clips between training clips: 300 still frames, then 100 with
 * moving squares.  The
 * reservoir (52 slots for 99 clips) has to replace slots, so the clips are
 * out of time order when the trainer splits them.  The held-back clips
 * (13: a tenth is fewer than 96 frames, a quarter is the most) are the
 * latest ones, all with motion, so the
 * calibration's median motion is well above zero; clips taken between
 * training clips would have been mostly still (median 0). */
static void
test_holdout_tail (void)
{
  ad_config cfg;
  ad_model *m = NULL;
  ad_trainer *t = NULL;
  ad_error err = { { 0 } };
  if (!small_trainer (&cfg, &m, &t, 40, 1))
    goto out;
  feed_400 (t, still_then_moving);
  CHECK (ad_trainer_n_clips (t) == 52 - 13, "training clips %lld, want 39",
      (long long) ad_trainer_n_clips (t));
  CHECK (ad_trainer_run (t, &err) == AD_OK, "training: %s", err.msg);
  const ad_calib *c = ad_model_calib (m);
  CHECK (c->valid && c->n_frames == 13 * cfg.clip_len,
      "calibrated on %d frames, want %d", c->n_frames, 13 * cfg.clip_len);
  CHECK (c->motion_q[0] > 0.01f, "median calibration motion %g: the "
      "held-back clips are the latest (moving) ones", c->motion_q[0]);
  float feat[W * H];
  render (0, 0, feat);
  CHECK (ad_trainer_add_frame (t, feat, 0, &err) == AD_ERR_STATE,
      "frames after training are refused");
  CHECK (ad_trainer_holdout_activity (t) > 1.0, "held-back (moving) clips "
      "against still training clips: activity ratio %g",
      ad_trainer_holdout_activity (t));
out:
  ad_trainer_free (t);
  ad_model_free (m);
}

/* 900 still frames, then 300 with moving squares. */
static void
still_900_then_moving (int i, float *feat)
{
  still_then_moving (i < 900 ? 0 : i - 600, feat);
}

/* With holdout_blocks 3 the held-back clips come from three stretches
 * spread over the footage, the last ending with the latest clip.  1200
 * frames, all stored (300 clips), a quarter held back: 75 clips, 300
 * frames, three stretches of 100 ending at frames 400, 800 and 1200.  Of
 * 900 still frames and then 300 moving ones, the first two stretches are
 * still and the last moves, so the calibration's median motion is zero
 * and its 90th percentile is not.  With the 400-frame footage of
 * test_holdout_tail, 52 held-back frames make a single stretch (a
 * stretch is at least AD_MIN_HOLD_FRAMES long), the latest. */
static void
test_holdout_blocks (void)
{
  ad_config cfg;
  ad_model *m = NULL;
  ad_trainer *t = NULL;
  ad_error err = { { 0 } };
  if (!small_trainer (&cfg, &m, &t, 300, 3))
    goto out;
  m->cfg.holdout_frac = 0.25f;
  float feat[W * H];
  for (int i = 0; i < 1200; i++) {
    still_900_then_moving (i, feat);
    CHECK_OK (ad_trainer_add_frame (t, feat, i == 0, NULL));
  }
  CHECK (ad_trainer_n_clips (t) == 225, "training clips %lld, want 225",
      (long long) ad_trainer_n_clips (t));
  CHECK (ad_trainer_run (t, &err) == AD_OK, "training: %s", err.msg);
  const ad_calib *c = ad_model_calib (m);
  /* 75 clips in three runs: 3 + 75 x clip_len frames, less the first
   * frames of each run that have no score yet */
  CHECK (c->valid && c->n_frames >= 75 * cfg.clip_len - 12 &&
      c->n_frames <= 75 * cfg.clip_len + 3, "calibrated on %d frames",
      c->n_frames);
  CHECK (c->motion_q[0] < 0.01f, "median calibration motion %g: two of "
      "three stretches are still", c->motion_q[0]);
  CHECK (c->motion_q[1] > 0.01f, "90th percentile of calibration motion "
      "%g: the last stretch moves", c->motion_q[1]);
  ad_trainer_free (t);
  ad_model_free (m);
  /* the short footage: one stretch, all moving */
  if (!small_trainer (&cfg, &m, &t, 40, 3))
    goto out;
  feed_400 (t, still_then_moving);
  CHECK (ad_trainer_run (t, &err) == AD_OK, "training: %s", err.msg);
  c = ad_model_calib (m);
  CHECK (c->motion_q[0] > 0.01f, "short footage: median calibration "
      "motion %g, want the latest (moving) stretch", c->motion_q[0]);
out:
  ad_trainer_free (t);
  ad_model_free (m);
}

/* The other way round: footage that ends still is reported as a quiet
 * held-back part (the element warns). */
static void
test_quiet_holdout (void)
{
  ad_config cfg;
  ad_model *m = NULL;
  ad_trainer *t = NULL;
  ad_error err = { { 0 } };
  if (!small_trainer (&cfg, &m, &t, 40, 1))
    goto out;
  CHECK (ad_trainer_holdout_activity (t) == -1.0, "before training: -1");
  feed_400 (t, moving_then_still);
  CHECK (ad_trainer_run (t, &err) == AD_OK, "training: %s", err.msg);
  double r = ad_trainer_holdout_activity (t);
  CHECK (r >= 0.0 && r < AD_QUIET_HOLDOUT, "still end of the footage: "
      "activity ratio %g, want below %g", r, AD_QUIET_HOLDOUT);
out:
  ad_trainer_free (t);
  ad_model_free (m);
}

/* The model keeps motion patterns learned from all the footage, the
 * held-back end included (calibrated before on patterns without it): a
 * block moving down in the right-hand column only during the last 40
 * frames, which are all held back, is seen motion there afterwards, and
 * still novel in the left-hand column. */
static void
test_patterns_from_all (void)
{
  ad_config cfg;
  ad_model *m = NULL;
  ad_trainer *t = NULL;
  ad_error err = { { 0 } };
  if (!small_trainer (&cfg, &m, &t, 40, 1))
    goto out;
  feed_400 (t, moving_then_down);
  CHECK (ad_trainer_run (t, &err) == AD_OK, "training: %s", err.msg);
  ad_tensor *d = ad_model_tensor (m, "flow_dist");
  const int B = cfg.flow_bins, nb = B * B, gw = W / 8;
  const float R = cfg.flow_range, bw = AD_FLOW_BIN_W (B, R);
  /* the bins of downward motion, 0.5 to 2 px a frame, |u| < 0.5 */
  float left = 0.0f, right = 0.0f;
  for (int b = 0; d && b < nb; b++) {
    float u = (b % B + 0.5f) * bw - R;
    float v = (b / B + 0.5f) * bw - R;
    if (fabsf (u) > 0.5f || v < 0.5f || v > 2.0f)
      continue;
    for (int row = 0; row < H / 8; row++) {
      left += d->data[(size_t) (row * gw) * nb + b];
      right += d->data[(size_t) (row * gw + gw - 1) * nb + b];
    }
  }
  printf ("downward motion: novelty %.2f in the left column, %.2f in the "
      "right one\n", left, right);
  CHECK (left > 1.0f && right < 0.5f * left, "left %g, right %g", left,
      right);
out:
  ad_trainer_free (t);
  ad_model_free (m);
}

int
main (void)
{
  test_errors ();
  test_holdout_tail ();
  test_holdout_blocks ();
  test_quiet_holdout ();
  test_patterns_from_all ();
  test_patterns_continuous (10);
  test_patterns_continuous (50);
  test_deterministic ();
  test_train_and_detect ();
  return check_report ("train");
}
