/* ad-train.c - gathering clips with bounded memory, Adam training to an
 * epoch count or a wall-clock budget, calibration on held-back clips.
 *
 * Clips are clip_len+1 consecutive feature frames, stored quantised to 8
 * bits (features live in [0,1]) in one reservoir with their time order.
 * When training starts, holdout_frac of the stored clips are held back for
 * calibration and the rest train: normal footage the model has not seen,
 * in holdout_blocks long stretches spread over the recording (not single
 * clips between training clips: those show the same passers-by a few
 * frames apart, so their novelty, and the threshold, come out too low).
 */
#include "ad-internal.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AD_MAX_WORKERS 8

struct ad_trainer {
  ad_model *m;
  ad_train_opts opts;
  size_t fs;               /* floats per feature frame: Cin*H*W */
  int len;                 /* frames per stored clip: clip_len + 1 */
  float *window;           /* ring [len, fs] of the latest frames */
  int64_t win_fill;        /* frames since the segment start */
  int64_t since_offer;     /* frames since the last offered clip */
  uint8_t *clips;          /* [cap, len, fs] reservoir; after the split the
                            * training clips first, then the held-back ones
                            * in time order */
  int64_t *ord;            /* [cap] offer number of each stored clip */
  int64_t *segno;          /* [cap] segment number of each stored clip */
  int64_t n_stored, cap, offered;
  int64_t segment;         /* segments started so far */
  int64_t n_clips, n_hold; /* set by the split */
  int64_t motion_frames;   /* frames the latest motion patterns came from */
  int recur_dropped;        /* flow_recur the footage was too short for */
  double object_height;     /* the scale rule's measure, -1 before */
  double object_speed;      /* how fast the things that move move,
                             * px/frame (ad_footage_height), -1 before */
  int64_t object_blobs;     /* the blobs it came from */
  int scale_applied;        /* what the scale rule took: AD_SCALE_NEAR,
                             * AD_SCALE_MAP or AD_SCALE_NONE */
  int speed_applied;        /* what the speed rule took: AD_SPEED_BINS |
                             * AD_SPEED_RANGE */
  char scale_settings[256]; /* what the two changed, "key=value,..." */
  int split;
  ad_rng rng;
};

void
ad_train_opts_default (ad_train_opts *o)
{
  memset (o, 0, sizeof *o);
  o->epochs = 0;
  o->seconds = 120.0;
  o->max_clips = 1000;
  o->progress_interval_s = 1.0;
}

ad_status
ad_trainer_new (ad_model *m, const ad_train_opts *opts, ad_trainer **out,
    ad_error *err)
{
  *out = NULL;
  if (!m)
    return ad_fail (err, AD_ERR_ARG, "no model");
  ad_trainer *t = calloc (1, sizeof *t);
  if (!t)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  t->m = m;
  if (opts)
    t->opts = *opts;
  else
    ad_train_opts_default (&t->opts);
  if (t->opts.max_clips < 4)
    t->opts.max_clips = 4;
  const ad_config *cfg = &m->cfg;
  t->fs = (size_t) ad_config_in_channels (cfg) * cfg->width * cfg->height;
  t->len = cfg->clip_len + 1;
  /* max_clips train; room for the held-back ones on top */
  t->cap = t->opts.max_clips + (cfg->holdout_frac > 0 ?
      (int64_t) ceil (t->opts.max_clips * cfg->holdout_frac) + 8 : 0);
  ad_rng_seed (&t->rng, cfg->seed ^ 0x7e57u);
  t->object_height = -1.0;
  t->object_speed = -1.0;
  t->window = ad_alloc (t->fs * t->len);
  t->clips = malloc ((size_t) t->cap * t->len * t->fs);
  t->ord = malloc (sizeof (int64_t) * (size_t) t->cap);
  t->segno = malloc (sizeof (int64_t) * (size_t) t->cap);
  if (!t->window || !t->clips || !t->ord || !t->segno) {
    ad_trainer_free (t);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory for %d training clips",
        (int) t->opts.max_clips);
  }
  *out = t;
  return AD_OK;
}

void
ad_trainer_free (ad_trainer *t)
{
  if (!t)
    return;
  ad_free (t->window);
  free (t->clips);
  free (t->ord);
  free (t->segno);
  free (t);
}

/* Clips held back out of n stored: holdout_frac of them, at least enough
 * for AD_MIN_HOLD_FRAMES frames (a quantile of fewer says little) but at
 * most a quarter, none with holdout_frac = 0. */
static int64_t
hold_count (const ad_trainer *t, int64_t n)
{
  float frac = t->m->cfg.holdout_frac;
  if (frac <= 0.0f)
    return 0;
  int64_t h = (int64_t) llround ((double) n * frac);
  int64_t lo = (AD_MIN_HOLD_FRAMES + t->len - 2) / (t->len - 1);
  h = h > lo ? h : lo;
  return h < n / 4 ? h : n / 4;
}

int64_t
ad_trainer_n_clips (const ad_trainer *t)
{
  return t->split ? t->n_clips : t->n_stored - hold_count (t, t->n_stored);
}

/* Reservoir sampling: the k-th offered item replaces a random slot with
 * probability cap/k once the reservoir is full. */
static uint8_t *
reservoir_slot (ad_trainer *t, uint8_t *base, int64_t *n, int64_t cap,
    int64_t *offered)
{
  int64_t k = (*offered)++;
  int64_t slot;
  if (*n < cap)
    slot = (*n)++;
  else {
    slot = (int64_t) (ad_rng_uniform (&t->rng) * (double) (k + 1));
    if (slot >= cap)
      return NULL;
  }
  return base + (size_t) slot * t->len * t->fs;
}

static void
offer_clip (ad_trainer *t)
{
  int64_t k = t->offered;
  uint8_t *dst = reservoir_slot (t, t->clips, &t->n_stored, t->cap,
      &t->offered);
  if (!dst)
    return;
  size_t slot = (size_t) (dst - t->clips) / ((size_t) t->len * t->fs);
  t->ord[slot] = k;
  t->segno[slot] = t->segment;
  /* oldest frame first: the ring position of frame j is (fill - len + j) */
  for (int j = 0; j < t->len; j++) {
    int64_t r = (t->win_fill - t->len + j) % t->len;
    const float *src = t->window + (size_t) r * t->fs;
    uint8_t *d = dst + (size_t) j * t->fs;
    for (size_t i = 0; i < t->fs; i++) {
      float v = src[i] * 255.0f + 0.5f;
      d[i] = v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t) v;
    }
  }
}

ad_status
ad_trainer_add_frame (ad_trainer *t, const float *feat, int new_segment,
    ad_error *err)
{
  if (!t || !feat)
    return ad_fail (err, AD_ERR_ARG, "missing argument");
  if (t->split)
    return ad_fail (err, AD_ERR_STATE, "frames added after training");
  if (new_segment) {
    t->win_fill = 0;
    t->since_offer = 0;
    t->segment++;
  }
  memcpy (t->window + (size_t) (t->win_fill % t->len) * t->fs, feat,
      t->fs * sizeof (float));
  t->win_fill++;
  t->since_offer++;
  /* Offer a clip every clip_len frames (clips overlap by one frame). */
  if (t->win_fill >= t->len && t->since_offer >= t->len - 1) {
    offer_clip (t);
    t->since_offer = 0;
  }
  return AD_OK;
}

/* ------------------------------------------------------------------------ */

/* Builds network input [T,Cin,H,W] and target [T,Cout,H,W] from one stored
 * clip [len,Cin,H,W] (8-bit). */
static void
make_example (const ad_trainer *t, const uint8_t *clip, float *in,
    float *target)
{
  const ad_config *cfg = &t->m->cfg;
  int T = cfg->clip_len, ci = ad_config_image_channels (cfg);
  int cin = ad_config_in_channels (cfg), cout = ad_config_out_channels (cfg);
  size_t hw = (size_t) cfg->width * cfg->height;
  int pred = cfg->task == AD_TASK_PREDICT;
  const float k = 1.0f / 255.0f;
  for (int j = 0; j < T; j++) {
    const uint8_t *src = clip + (size_t) (pred ? j : j + 1) * t->fs;
    const uint8_t *tgt = clip + (size_t) (j + 1) * t->fs;
    const uint8_t *tprev = clip + (size_t) j * t->fs;
    float *dst = in + (size_t) j * cin * hw;
    for (size_t i = 0; i < (size_t) cin * hw; i++)
      dst[i] = src[i] * k;
    float *tg = target + (size_t) j * cout * hw;
    for (size_t i = 0; i < (size_t) ci * hw; i++)
      tg[i] = tgt[i] * k;
    if (cfg->diff_head) {
      float *d = tg + (size_t) ci * hw;
      for (size_t p = 0; p < hw; p++) {
        float s = 0.0f;
        for (int c = 0; c < ci; c++)
          s += fabsf ((float) tgt[c * hw + p] - (float) tprev[c * hw + p]);
        d[p] = s * k / (float) ci;
      }
    }
  }
}

/* Memory items start as real queries from the first batch. */
static void
init_memory (ad_trainer *t, ad_exec *e)
{
  char name[AD_NAME_MAX];
  int n, c, h, w;
  const float *q;
  for (int k = 0; (q = ad_exec_mem_query (e, k, &n, &c, &h, &w, name,
              sizeof name)); k++) {
    ad_tensor *items = ad_model_tensor (t->m, name);
    int g = items->dims[0], m = items->dims[1];
    int gw = 1;
    while (gw * gw < g)
      gw++;
    int gh = g / gw;
    /* the bank grid matches build_mem: gh x gw with gh*gw == g */
    for (int b = 0; b < g; b++) {
      int by = gh > 0 ? b / gw : 0, bx = b % gw;
      for (int i = 0; i < m; i++) {
        int y = (by * h) / gh + (int) (ad_rng_uniform (&t->rng) * (h / gh));
        int x = (bx * w) / gw + (int) (ad_rng_uniform (&t->rng) * (w / gw));
        int f = (int) (ad_rng_uniform (&t->rng) * n);
        y = y < h ? y : h - 1;
        x = x < w ? x : w - 1;
        f = f < n ? f : n - 1;
        float *dst = items->data + ((size_t) b * m + i) * c;
        for (int ch = 0; ch < c; ch++)
          dst[ch] = q[(((size_t) f * c + ch) * h + y) * w + x] +
              0.01f * ad_rng_normal (&t->rng);
      }
    }
  }
}

typedef struct adam {
  float *m, *v;
} adam;

/* One training worker: a share of the batch's clips with its own
 * activations and gradients.  Workers run their forward/backward in
 * parallel (BLAS single-threaded meanwhile), then their gradients are
 * averaged in a fixed order, so results do not depend on timing. */
typedef struct worker {
  ad_exec *e;
  int clips;
  float *in, *target;       /* [clips*T, Cin|Cout, H, W] */
  float **grads;            /* one array per model tensor */
  ad_progress losses;
  ad_status st;
} worker;

static void *
worker_run (void *arg)
{
  worker *w = arg;
  w->st = ad_exec_step (w->e, w->in, w->target, w->grads, &w->losses);
  return NULL;
}

static int
n_workers_for (int clips)
{
  long cores = sysconf (_SC_NPROCESSORS_ONLN);
  const char *env = getenv ("AD_THREADS");
  if (env && atoi (env) > 0)
    cores = atoi (env);
  if (cores < 1)
    cores = 1;
  if (cores > clips)
    cores = clips;
  return cores > AD_MAX_WORKERS ? AD_MAX_WORKERS : (int) cores;
}

/* The frames of the clips in slots [n] (in time order) as continuous
 * footage: idx [n*len] gets each frame's index in t->clips (clip * len +
 * frame), seg [n*len] 1 where a segment starts (both NULL: only counted).
 * A clip that directly follows the previous one in the same segment
 * continues it (its first frame is the previous clip's last, so it is
 * left out).  Returns the number of frames. */
static int64_t
continuous_frames (const ad_trainer *t, const int64_t *slots, int64_t n,
    int64_t *idx, uint8_t *seg)
{
  int64_t nf = 0;
  for (int64_t k = 0; k < n; k++) {
    int64_t c = slots[k], p = k > 0 ? slots[k - 1] : -1;
    int cont = p >= 0 && t->ord[c] == t->ord[p] + 1 &&
        t->segno[c] == t->segno[p];
    for (int j = cont ? 1 : 0; j < t->len; j++, nf++)
      if (idx) {
        idx[nf] = c * t->len + j;
        seg[nf] = j == 0;
      }
  }
  return nf;
}

/* slots [n] = c0 .. c0+n-1, or with all, every stored clip in time order:
 * the training clips and the held-back ones (each run in time order after
 * split_clips) merged. */
static void
clip_slots (const ad_trainer *t, int64_t c0, int64_t n, int all,
    int64_t *slots)
{
  if (!all) {
    for (int64_t k = 0; k < n; k++)
      slots[k] = c0 + k;
    return;
  }
  int64_t a = 0, b = t->n_clips, k = 0;
  while (a < t->n_clips || b < t->n_clips + t->n_hold)
    slots[k++] = b >= t->n_clips + t->n_hold ||
        (a < t->n_clips && t->ord[a] < t->ord[b]) ? a++ : b++;
}

/* Stored frames in the order of a continuous_frames list. */
typedef struct frame_list {
  const ad_trainer *t;
  int64_t *idx;             /* [n] */
  uint8_t *seg;             /* [n] */
} frame_list;

/* Frame i of a frame_list, dequantised into buf [fs]. */
static const float *
stored_frame (void *user, int64_t i, float *buf, int *new_segment)
{
  const frame_list *l = user;
  const uint8_t *src = l->t->clips + (size_t) l->idx[i] * l->t->fs;
  for (size_t k = 0; k < l->t->fs; k++)
    buf[k] = src[k] * (1.0f / 255.0f);
  *new_segment = l->seg[i];
  return buf;
}

/* The training clips, or with all every stored clip, as continuous
 * footage in time order: fills l (footage_close frees it) and returns its
 * frames, -1 when out of memory. */
static int64_t
footage_open (const ad_trainer *t, int all, frame_list *l)
{
  int64_t n = all ? t->n_clips + t->n_hold : t->n_clips;
  int64_t *slots = malloc (sizeof (int64_t) * (size_t) (n + 1));  /* [n] */
  l->t = t;
  l->idx = malloc (sizeof (int64_t) * (size_t) (n * t->len + 1));
  l->seg = malloc ((size_t) (n * t->len + 1));
  int64_t nf = -1;
  if (slots && l->idx && l->seg) {
    clip_slots (t, 0, n, all, slots);
    nf = continuous_frames (t, slots, n, l->idx, l->seg);
  }
  free (slots);
  return nf;
}

static void
footage_close (frame_list *l)
{
  free (l->idx);
  free (l->seg);
}

/* Frames of continuous footage the final motion patterns come from: every
 * stored clip when some are held back (learn_motion with all), else the
 * training clips; -1 when out of memory. */
static int64_t
footage_frames (const ad_trainer *t)
{
  frame_list l;
  int64_t nf = footage_open (t, t->n_hold > 0, &l);
  footage_close (&l);
  return nf;
}

/* Learns the normal motion patterns and the background from the training
 * clips, or with all from every stored clip, as continuous footage in
 * time order. */
static ad_status
learn_motion (ad_trainer *t, int all, ad_error *err)
{
  frame_list l;
  int64_t nf = footage_open (t, all, &l);
  ad_status st = nf < 0 ? ad_fail (err, AD_ERR_NOMEM, "out of memory for "
      "motion patterns") : ad_model_learn_motion_fn (t->m, nf, stored_frame,
      &l, err);
  t->motion_frames = nf;
  footage_close (&l);
  return st;
}

/* The bottleneck's normal state per place (ad-feat.c) from the training
 * clips, as continuous footage in time order. */
static ad_status
learn_features (ad_trainer *t, ad_error *err)
{
  frame_list l;
  int64_t nf = footage_open (t, 0, &l);
  ad_status st = nf < 0 ? ad_fail (err, AD_ERR_NOMEM, "out of memory for "
      "the features' normal state") : ad_model_learn_features_fn (t->m, nf,
      stored_frame, &l, err);
  footage_close (&l);
  return st;
}

/* The scale and speed rules (ad_config_fit_scale, ad_config_fit_speed)
 * on every stored clip, before training: when the things that move stand
 * tall and move fast, the model takes the near preset's settings
 * (somewhat tall, or tall and slow: its heatmap's alone); when they move
 * slowly, finer motion-pattern bins, and fast, a wider range; the fields
 * opts.named holds kept.
 * Their height goes into train_height. */
static ad_status
fit_scale (ad_trainer *t, ad_error *err)
{
  frame_list l;
  int64_t nf = footage_open (t, t->n_hold > 0, &l);
  ad_tensor *skip = ad_model_tensor (t->m, "ignore_mask");
  ad_status st = nf < 0 ? ad_fail (err, AD_ERR_NOMEM, "out of memory "
      "measuring the footage") : ad_footage_height (nf, stored_frame, &l,
      &t->m->cfg, skip ? skip->data : NULL, &t->object_height,
      &t->object_blobs, &t->object_speed, err);
  footage_close (&l);
  /* the height of the people, for static_people: recorded when enough
   * things moved to tell it, as the scale rule judges */
  if (st == AD_OK)
    ad_config_note_height (&t->m->cfg, t->object_height, t->object_blobs);
  ad_config c = t->m->cfg;
  int scale = st == AD_OK ? ad_config_fit_scale (&c, t->object_height,
      t->object_speed, t->object_blobs, t->opts.named) : AD_SCALE_NONE;
  int slow = st == AD_OK ? ad_config_fit_speed (&c, t->object_speed,
      t->object_blobs, t->opts.named) : 0;
  if (scale || slow) {
    ad_config_changes (&t->m->cfg, &c, t->scale_settings,
        sizeof t->scale_settings);
    st = ad_model_relayout (t->m, &c, err);
    t->scale_applied = st == AD_OK ? scale : AD_SCALE_NONE;
    t->speed_applied = st == AD_OK ? slow : 0;
  }
  return st;
}

/* Sorts the stored clips by time and splits them (in place, one clip of
 * scratch): n_clips training clips first, then n_hold held-back ones, each
 * run in time order.  The held-back clips come from holdout_blocks
 * stretches of footage spread evenly over it, the last one ending with the
 * latest clip, each at least AD_MIN_HOLD_FRAMES long (in a shorter one
 * most passers-by were also seen in the training clips around it):
 * activity varies over a recording, and a threshold set on its last
 * stretch alone is as quiet or as busy as that stretch was. */
static ad_status
split_clips (ad_trainer *t, ad_error *err)
{
  int64_t n = t->n_stored;
  size_t cb = (size_t) t->len * t->fs;       /* bytes per clip */
  /* src, by_time, o2, s2 [n] each */
  int64_t *src = malloc (sizeof (int64_t) * (size_t) (4 * n + 1));
  uint8_t *tmp = malloc (cb);
  if (!src || !tmp) {
    free (src);
    free (tmp);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory for sorting clips");
  }
  int64_t *by_time = src + n, *o2 = by_time + n, *s2 = o2 + n;
  /* by_time[k] = slot of the k-th clip in time */
  for (int64_t k = 0; k < n; k++)
    by_time[k] = k;
  /* insertion sort: slots are in time order until the reservoir starts
   * replacing, so this is mostly sorted already (n <= max_clips) */
  for (int64_t k = 1; k < n; k++) {
    int64_t v = by_time[k], j = k;
    while (j > 0 && t->ord[by_time[j - 1]] > t->ord[v]) {
      by_time[j] = by_time[j - 1];
      j--;
    }
    by_time[j] = v;
  }
  t->n_hold = hold_count (t, n);
  t->n_clips = n - t->n_hold;
  /* src[k] = slot of the clip that goes to position k: the time ranks not
   * in a block, then those in blocks; block b holds the ranks
   * [end_b - count_b, end_b), end_b = n (b+1) / nb */
  int64_t nb = t->m->cfg.holdout_blocks;
  int64_t most = t->n_hold * (t->len - 1) / AD_MIN_HOLD_FRAMES;
  nb = nb > most ? most : nb;
  nb = nb < 1 ? 1 : nb;
  int64_t ktr = 0, kho = t->n_clips, b = 0;
  for (int64_t k = 0; k < n; k++) {
    while (b < nb - 1 && k >= n * (b + 1) / nb)
      b++;
    int64_t end = n * (b + 1) / nb;
    int64_t cnt = t->n_hold * (b + 1) / nb - t->n_hold * b / nb;
    if (k >= end - cnt)
      src[kho++] = by_time[k];
    else
      src[ktr++] = by_time[k];
  }
  for (int64_t k = 0; k < n; k++) {
    o2[k] = t->ord[src[k]];
    s2[k] = t->segno[src[k]];
  }
  /* move clip src[k] to position k, cycle by cycle; src[k] = -1 when k
   * holds its clip */
  for (int64_t k = 0; k < n; k++) {
    if (src[k] < 0 || src[k] == k)
      continue;
    memcpy (tmp, t->clips + (size_t) k * cb, cb);
    int64_t j = k;
    while (src[j] != k) {
      int64_t from = src[j];
      memcpy (t->clips + (size_t) j * cb, t->clips + (size_t) from * cb, cb);
      src[j] = -1;
      j = from;
    }
    memcpy (t->clips + (size_t) j * cb, tmp, cb);
    src[j] = -1;
  }
  memcpy (t->ord, o2, sizeof (int64_t) * (size_t) n);
  memcpy (t->segno, s2, sizeof (int64_t) * (size_t) n);
  free (src);
  free (tmp);
  t->split = 1;
  return AD_OK;
}

/* Calibrates on the held-back clips as continuous footage: a clip that
 * directly follows the previous one in the same segment continues it (its
 * first frame is the previous clip's last); a new block starts a segment.
 * Without held-back clips, calibrates on the first training clips. */
static ad_status
calibrate_holdout (ad_trainer *t, ad_error *err)
{
  int64_t c0 = t->n_hold > 0 ? t->n_clips : 0;
  int64_t nclips = t->n_hold > 0 ? t->n_hold :
      (t->n_clips < 64 ? t->n_clips : 64);
  size_t cap = (size_t) (nclips * t->len + 1);
  float *frames = ad_alloc (cap * t->fs);     /* [nf, fs] */
  int64_t *idx = malloc (sizeof (int64_t) * cap);
  int64_t *slots = malloc (sizeof (int64_t) * (size_t) (nclips + 1));
  uint8_t *seg = calloc (cap, 1);
  ad_status st = AD_OK;
  if (!frames || !idx || !slots || !seg)
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory for calibration");
  int64_t nf = 0;
  if (st == AD_OK) {
    clip_slots (t, c0, nclips, 0, slots);
    nf = continuous_frames (t, slots, nclips, idx, seg);
  }
  frame_list l = { t, idx, seg };
  for (int64_t f = 0; f < nf; f++) {
    int ns;
    stored_frame (&l, f, frames + (size_t) f * t->fs, &ns);
  }
  if (st == AD_OK)
    st = ad_model_calibrate (t->m, frames, nf, seg, err);
  ad_free (frames);
  free (idx);
  free (slots);
  free (seg);
  return st;
}

/* Share of the first image channel's pixels that change by more than
 * AD_ACTIVE_DIFF between consecutive frames of clips c0 .. c0+n-1. */
static double
active_share (const ad_trainer *t, int64_t c0, int64_t n)
{
  size_t hw = (size_t) t->m->cfg.width * t->m->cfg.height;
  double moving = 0.0, total = 0.0;
  for (int64_t c = c0; c < c0 + n; c++) {
    const uint8_t *clip = t->clips + (size_t) c * t->len * t->fs;
    for (int j = 1; j < t->len; j++) {
      const uint8_t *a = clip + (size_t) (j - 1) * t->fs;
      const uint8_t *b = clip + (size_t) j * t->fs;
      for (size_t p = 0; p < hw; p++)
        moving += abs ((int) a[p] - (int) b[p]) > AD_ACTIVE_DIFF;
      total += (double) hw;
    }
  }
  return total > 0.0 ? moving / total : 0.0;
}

int64_t
ad_trainer_motion_frames (const ad_trainer *t)
{
  return t ? t->motion_frames : 0;
}

double
ad_trainer_object_height (const ad_trainer *t, int64_t *blobs, int *applied)
{
  if (blobs)
    *blobs = t ? t->object_blobs : 0;
  if (applied)
    *applied = t ? t->scale_applied : 0;
  return t ? t->object_height : -1.0;
}

double
ad_trainer_object_speed (const ad_trainer *t, int *applied)
{
  if (applied)
    *applied = t ? t->speed_applied : 0;
  return t ? t->object_speed : -1.0;
}

const char *
ad_trainer_scale_settings (const ad_trainer *t)
{
  return t && (t->scale_applied || t->speed_applied) ? t->scale_settings :
      "";
}

int
ad_trainer_recur_dropped (const ad_trainer *t)
{
  return t ? t->recur_dropped : 0;
}

double
ad_trainer_holdout_activity (const ad_trainer *t)
{
  if (!t || !t->split || t->n_hold < 1 || t->n_clips < 1 || t->len < 2)
    return -1.0;
  double tr = active_share (t, 0, t->n_clips);
  double ho = active_share (t, t->n_clips, t->n_hold);
  return tr > 0.0 ? ho / tr : -1.0;
}

static void
shuffle (ad_trainer *t, int64_t *order)
{
  for (int64_t i = 0; i < t->n_clips; i++)
    order[i] = i;
  for (int64_t i = t->n_clips - 1; i > 0; i--) {
    int64_t j = (int64_t) (ad_rng_uniform (&t->rng) * (i + 1));
    j = j > i ? i : j;
    int64_t tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
}

ad_status
ad_trainer_run (ad_trainer *t, ad_error *err)
{
  ad_model *m = t->m;
  const ad_config *cfg = &m->cfg;
  if (t->n_stored < 1)
    return ad_fail (err, AD_ERR_STATE, "no training clips: at least %d "
        "consecutive frames are needed", t->len + 1);
  if (!t->split) {
    ad_status ss = split_clips (t, err);
    if (ss == AD_OK)
      ss = fit_scale (t, err);
    if (ss != AD_OK)
      return ss;
  }
  int B = cfg->batch_clips, T = cfg->clip_len;
  size_t hw = (size_t) cfg->width * cfg->height;
  size_t in_clip = (size_t) T * ad_config_in_channels (cfg) * hw;
  size_t out_clip = (size_t) T * ad_config_out_channels (cfg) * hw;
  int nw = n_workers_for (B);
  worker wk[AD_MAX_WORKERS];
  memset (wk, 0, sizeof wk);
  adam *opt = calloc (m->n_tensors, sizeof (adam));
  int64_t *order = malloc (sizeof (int64_t) * t->n_clips);
  ad_status st = AD_OK;
  int ok = opt && order;
  for (int w = 0; w < nw && ok; w++) {
    worker *k = &wk[w];
    k->clips = B / nw + (w < B % nw ? 1 : 0);
    ok = ad_exec_new (m, k->clips, T, &k->e, err) == AD_OK &&
        (k->in = ad_alloc (in_clip * k->clips)) &&
        (k->target = ad_alloc (out_clip * k->clips)) &&
        (k->grads = calloc (m->n_tensors, sizeof (float *)));
    for (int i = 0; i < m->n_tensors && ok; i++)
      ok = (k->grads[i] = ad_alloc (m->tensors[i].count)) != NULL;
  }
  if (ok && nw == 1)          /* a lone worker uses the core's thread pool */
    ad_exec_set_parallel (wk[0].e, 1);
  for (int i = 0; i < m->n_tensors && ok; i++)
    ok = (opt[i].m = ad_alloc (m->tensors[i].count)) &&
        (opt[i].v = ad_alloc (m->tensors[i].count));
  if (!ok) {
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory for training");
    goto done;
  }
#ifdef AD_HAVE_OPENBLAS
  int blas_threads = openblas_get_num_threads ();
  if (nw > 1)
    openblas_set_num_threads (1);
#endif

  int64_t steps_per_epoch = (t->n_clips + B - 1) / B;
  int64_t total = t->opts.epochs > 0 ? steps_per_epoch * t->opts.epochs : 0;
  double budget = t->opts.epochs > 0 ? 0.0 : t->opts.seconds;
  if (total == 0 && budget <= 0.0)
    total = steps_per_epoch;
  double t0 = ad_now (), last_report = t0;
  float run_loss = 0.0f;
  int64_t pos = t->n_clips;             /* forces a shuffle */
  int epoch = 0;
  const float b1 = 0.9f, b2 = 0.999f;
  float **grads = wk[0].grads;

  for (int64_t step = 0;; step++) {
    double now = ad_now (), el = now - t0;
    double frac = total > 0 ? (double) step / total : el / budget;
    if (frac >= 1.0)
      break;
    if (pos + B > t->n_clips) {          /* new epoch */
      shuffle (t, order);
      pos = 0;
      epoch++;
    }
    for (int w = 0, b = 0; w < nw; w++)
      for (int c = 0; c < wk[w].clips; c++, b++) {
        int64_t ci = order[(pos + b) % t->n_clips];
        make_example (t, t->clips + (size_t) ci * t->len * t->fs,
            wk[w].in + c * in_clip, wk[w].target + c * out_clip);
      }
    pos += B;
    if (step == 0 && cfg->mem_place != AD_MEM_NONE) {
      ad_exec_step (wk[0].e, wk[0].in, wk[0].target, NULL, NULL);
      init_memory (t, wk[0].e);
    }
    pthread_t th[AD_MAX_WORKERS];
    int started[AD_MAX_WORKERS] = { 0 };
    for (int w = 0; w < nw; w++) {
      for (int i = 0; i < m->n_tensors; i++)
        memset (wk[w].grads[i], 0, m->tensors[i].count * sizeof (float));
      if (w > 0)
        started[w] = pthread_create (&th[w], NULL, worker_run, &wk[w]) == 0;
    }
    worker_run (&wk[0]);
    for (int w = 1; w < nw; w++) {
      if (started[w])
        pthread_join (th[w], NULL);
      else
        worker_run (&wk[w]);
    }
    /* Average losses and gradients over workers, weighted by clips. */
    ad_progress ls = { 0 };
    for (int w = 0; w < nw; w++) {
      float f = (float) wk[w].clips / (float) B;
      if (wk[w].st != AD_OK)
        st = wk[w].st;
      ls.loss += f * wk[w].losses.loss;
      ls.loss_recon += f * wk[w].losses.loss_recon;
      ls.loss_entropy += f * wk[w].losses.loss_entropy;
      ls.loss_compact += f * wk[w].losses.loss_compact;
      ls.loss_separate += f * wk[w].losses.loss_separate;
      for (int i = 0; i < m->n_tensors; i++) {
        if (!m->tensors[i].trainable)
          continue;
        if (w == 0)
          for (size_t j = 0; j < m->tensors[i].count; j++)
            grads[i][j] *= f;
        else
          ad_axpy (m->tensors[i].count, f, wk[w].grads[i], grads[i]);
      }
    }
    if (st != AD_OK || !isfinite (ls.loss)) {
      st = ad_fail (err, st != AD_OK ? st : AD_ERR_STATE, "training "
          "diverged at step %lld (loss %g); try a lower lr",
          (long long) step, (double) ls.loss);
      goto restore;
    }
    /* Global gradient-norm clipping at 5, then Adam with the learning rate
     * decaying linearly to lr/10 over the run. */
    double gn = 0.0;
    for (int i = 0; i < m->n_tensors; i++)
      if (m->tensors[i].trainable)
        for (size_t j = 0; j < m->tensors[i].count; j++)
          gn += (double) grads[i][j] * grads[i][j];
    gn = sqrt (gn);
    float clip = gn > 5.0 ? (float) (5.0 / gn) : 1.0f;
    float lr = cfg->lr * (float) (1.0 - 0.9 * frac);
    float c1 = 1.0f - powf (b1, (float) (step + 1));
    float c2 = 1.0f - powf (b2, (float) (step + 1));
    for (int i = 0; i < m->n_tensors; i++) {
      ad_tensor *tn = &m->tensors[i];
      if (!tn->trainable)
        continue;
      float *mm = opt[i].m, *vv = opt[i].v, *g = grads[i], *p = tn->data;
      for (size_t j = 0; j < tn->count; j++) {
        float gj = g[j] * clip;
        mm[j] = b1 * mm[j] + (1.0f - b1) * gj;
        vv[j] = b2 * vv[j] + (1.0f - b2) * gj * gj;
        p[j] -= lr * (mm[j] / c1) / (sqrtf (vv[j] / c2) + 1e-8f);
      }
    }
    run_loss = step == 0 ? ls.loss : 0.95f * run_loss + 0.05f * ls.loss;

    now = ad_now ();
    el = now - t0;
    int last = total > 0 ? step + 1 >= total : el >= budget;
    if (t->opts.progress && (last || now - last_report >=
            t->opts.progress_interval_s)) {
      ad_progress pr = ls;
      last_report = now;
      pr.loss = run_loss;
      pr.epoch = epoch;
      pr.epochs = t->opts.epochs;
      pr.step = step + 1;
      pr.steps = total > 0 ? total :
          (int64_t) ((step + 1) * budget / (el > 1e-9 ? el : 1e-9));
      pr.elapsed_s = el;
      pr.eta_s = total > 0 ? el / (step + 1) * (total - step - 1) :
          (budget - el > 0 ? budget - el : 0);
      pr.frames_per_s = (double) (step + 1) * B * T / (el > 1e-9 ? el : 1e-9);
      if (t->opts.progress (t->opts.user, &pr)) {
        st = ad_fail (err, AD_ERR_CANCELLED, "training cancelled");
        goto restore;
      }
    }
  }
restore:
#ifdef AD_HAVE_OPENBLAS
  openblas_set_num_threads (blas_threads);
#endif
  /* The motion patterns are calibrated like the network: learned from the
   * training clips, scored on the held-back ones they never saw.  Then the
   * model keeps patterns learned from all the footage: with a few hundred
   * frames, a third more footage fills in much of what normal motion looks
   * like, and the calibration stays on the safe side (more footage can
   * only add motion the patterns count as seen). */
  /* flow_recur needs footage: decided once, on the frames the final
   * patterns come from, so that the calibration scores patterns learned
   * by the same rule */
  if (st == AD_OK && t->m->cfg.flow_recur > 0) {
    int64_t nf = footage_frames (t);
    if (nf < 0)
      st = ad_fail (err, AD_ERR_NOMEM, "out of memory for motion patterns");
    else
      t->recur_dropped = ad_config_fit_footage (&t->m->cfg, nf);
  }
  if (st == AD_OK)
    st = learn_motion (t, 0, err);
  /* the features' normal state from the training clips, so that the
   * held-back ones score against a state that never saw them */
  if (st == AD_OK && t->m->cfg.feat_weight > 0.0f)
    st = learn_features (t, err);
  if (st == AD_OK)
    st = calibrate_holdout (t, err);
  if (st == AD_OK && t->n_hold > 0)
    st = learn_motion (t, 1, err);

done:
  for (int w = 0; w < nw; w++) {
    ad_exec_free (wk[w].e);
    ad_free (wk[w].in);
    ad_free (wk[w].target);
    if (wk[w].grads)
      for (int i = 0; i < m->n_tensors; i++)
        ad_free (wk[w].grads[i]);
    free (wk[w].grads);
  }
  if (opt)
    for (int i = 0; i < m->n_tensors; i++) {
      ad_free (opt[i].m);
      ad_free (opt[i].v);
    }
  free (opt);
  free (order);
  return st;
}
