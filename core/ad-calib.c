/* ad-calib.c - calibration (ad_model_calibrate): the held-back frames
 * run through a scorer, with the scorer's own steps (ad-score.c,
 * ad-score-map.c), give the model its normal statistics (per-pixel mean
 * and spread of the learned map, the normal level of each cell's motion
 * and stationary change, the busy frames), each part's spread, the frame
 * threshold and the pixel threshold.  The method is described in
 * docs/scoring.md (Calibration); keep the two in step. */
#include "ad-score-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Pixel quantile used for the map threshold, and the bound on the pixel
 * samples that calibration keeps for it. */
#define AD_PIXEL_Q 0.999f
#define AD_PIXEL_SAMPLES (1 << 18)
/* Calibration keeps every frame's learned map when this many floats fit
 * (256 MB); beyond it the network is run once per pass instead. */
#define AD_CALIB_STORE_MAX ((size_t) 64 << 20)
/* Stationary change: the floor of its spread (gray levels in [0, 1]):
 * held-back footage with nobody slow in it gives less, and a slow
 * walker's plain inside then reads as something left (benchmarks.md,
 * "The stationary change's floor"). */
#define AD_STILL_FLOOR 0.02f
/* Stationary change: a cell's normal level (static_normal) is this
 * quantile of its values on the held-back frames, taken from at most
 * AD_STILL_BASE_MAX values (frames at an even stride). */
#define AD_STILL_BASE_Q 0.99f
#define AD_STILL_BASE_MAX ((int64_t) 1 << 22)
/* Busy frames (flow_busy): the scale of the per-cell tail of the motion
 * pattern is (Q(AD_BUSY_QHI) - Q(AD_BUSY_QLO)) / ln 10 of the moving cells'
 * running means on the held-back frames, from at most AD_BUSY_MAX values
 * (frames at an even stride). */
#define AD_BUSY_QLO 0.99f
#define AD_BUSY_QHI 0.999f
#define AD_BUSY_MAX ((int64_t) 1 << 20)
/* Calibration scores each held-back frame against the level of the other
 * half of the footage (blocks of this many frames, alternating), so that
 * the threshold is not set on the very frames the level was taken on. */
#define AD_STILL_BASE_BLOCK 48
/* Feature novelty: the floor of its spread (distance in the bottleneck's
 * features, whose places lie 1-4 from their normal state as people pass) */
#define AD_FEAT_FLOOR 0.05f

/* Wandering: the floor of its spread (px/frame), about what normal walkers
 * show at 25 frames a second: short held-back footage where nobody
 * happened to pass anyone gives far less (0.11 on the sparse scene). */
#define AD_WANDER_FLOOR 0.5f

/* ------------------------------------------------------------------------ */
/* Calibration                                                              */

/* Runs the held-back frames through a stream and a scorer, in order; keeps
 * each frame's learned map and raw cells when they fit, else recomputes
 * them on every pass. */
typedef struct calib_run {
  const float *frames;      /* [n, cin, H, W] */
  const uint8_t *seg;       /* [n] or NULL */
  int64_t n;
  size_t fs;                /* floats per frame */
  ad_stream *st;
  ad_scorer *sc;
  float *recon;             /* [ad_model_recon_channels, H, W] */
  float *fnov;              /* [n] each frame's feature novelty before the
                             * median is taken off (ad_sc_feat_value) */
  float *planes;            /* [n, hw] stored feature-novelty planes, or
                             * NULL (no plane, or maps not stored) */
  const float *plane;       /* the current frame's plane (calib_frame), or
                             * NULL */
  float *maps;              /* [n, hw] stored learned maps, or NULL */
  float *cells;             /* [n, AD_CELL_PARTS, ncells] stored raw cells,
                             * or NULL */
  float *gates;             /* [n, AD_GATE_PLANES, hw] stored gates, or
                             * NULL */
  uint8_t *flags;           /* [n] per frame: 1 when it had an estimate,
                             * | 2 when its cells were held after a camera
                             * jump (sc->held_now) */
  int64_t done;             /* frames already stored */
  float *levels;            /* [2, ncells] the stationary change's level on
                             * each half of the footage (calib_stats) */
  int has_level;            /* the model stores a level (static_base) */
} calib_run;

/* The half of the held-back footage (0 or 1) frame i belongs to. */
static int
half_of (int64_t i)
{
  return (int) ((i / AD_STILL_BASE_BLOCK) % 2);
}

/* Frame i is scored against the stationary change's level of the half of
 * the footage it is not in, as live footage is against a level taken on
 * other footage. */
static void
calib_level (calib_run *r, int64_t i)
{
  if (r->has_level)
    r->sc->static_level = r->levels + (size_t) (1 - half_of (i)) *
        r->sc->ncells;
}

/* Learned map, raw cells and motion gate of frame i (passes go i = 0, 1,
 * ...). */
static ad_status
calib_frame (calib_run *r, int64_t i, const float **lmap,
    const float **cells, const float **gate, int *valid, ad_error *err)
{
  ad_scorer *sc = r->sc;
  if (r->maps && i < r->done) {
    *lmap = r->maps + (size_t) i * sc->hw;
    *cells = r->cells + (size_t) i * AD_CELL_PARTS * sc->ncells;
    *gate = r->gates + (size_t) i * AD_GATE_PLANES * sc->hw;
    *valid = r->flags[i] & 1;
    sc->held_now = (r->flags[i] & 2) != 0;    /* as when it was scored */
    r->plane = r->planes ? r->planes + (size_t) i * sc->hw : NULL;
    return AD_OK;
  }
  r->fnov[i] = 0.0f;
  if (i == 0 || (r->seg && r->seg[i])) {
    ad_stream_reset (r->st);
    ad_scorer_reset (sc);
  }
  const float *feat = r->frames + (size_t) i * r->fs;
  int v = 0;
  ad_status s = ad_stream_process (r->st, feat, r->recon, &v, err);
  if (s != AD_OK)
    return s;
  ad_sc_learned_map (sc, feat, v ? r->recon : NULL);
  r->fnov[i] = ad_sc_feat_value (sc, v ? r->recon : NULL);
  r->plane = sc->feat && v ? r->recon + (size_t) sc->co * sc->hw : NULL;
  ad_sc_motion_cells (sc, feat, 1);
  ad_sc_remember (sc, feat);
  *lmap = sc->lmap;
  *cells = sc->cells;
  *gate = sc->gate;
  *valid = v;
  if (r->maps) {
    memcpy (r->maps + (size_t) i * sc->hw, sc->lmap, sizeof (float) * sc->hw);
    memcpy (r->gates + (size_t) i * AD_GATE_PLANES * sc->hw, sc->gate,
        sizeof (float) * AD_GATE_PLANES * sc->hw);
    memcpy (r->cells + (size_t) i * AD_CELL_PARTS * sc->ncells, sc->cells,
        sizeof (float) * AD_CELL_PARTS * sc->ncells);
    r->flags[i] = (uint8_t) ((v ? 1 : 0) | (sc->held_now ? 2 : 0));
    if (r->planes && r->plane)
      memcpy (r->planes + (size_t) i * sc->hw, r->plane,
          sizeof (float) * sc->hw);
    else if (r->planes)
      memset (r->planes + (size_t) i * sc->hw, 0, sizeof (float) * sc->hw);
    r->done = i + 1;
  }
  return AD_OK;
}

/* 1 when held-back frame i, which has an estimate, starts a run the live
 * scorer's windows restart at: the first such frame, a segment start, or
 * the first after frames without one (prev: the previous such frame, -1
 * for none). */
static int
run_start (const calib_run *r, int64_t i, int64_t prev)
{
  return prev < 0 || prev != i - 1 || (r->seg && r->seg[i]);
}

/* Pass 1: normal statistics into the model's buffers. */
static ad_status
calib_stats (calib_run *r, ad_model *m, int64_t *n_valid, ad_error *err)
{
  ad_scorer *sc = r->sc;
  int hw = sc->hw, nc = sc->ncells;
  /* the stationary change of every stride-th frame, per cell */
  int64_t sstride = ((int64_t) nc * r->n + AD_STILL_BASE_MAX - 1) /
      AD_STILL_BASE_MAX;
  int64_t nsv = (r->n + sstride - 1) / sstride;
  double *s1 = calloc ((size_t) hw * 2 + (size_t) nc, sizeof (double));
  /* [nc, nsv], then a gathered half [nsv] and tmp [nsv] */
  float *sv = ad_alloc ((size_t) (nc + 2) * nsv);
  if (!s1 || !sv) {
    free (s1);
    ad_free (sv);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory for calibration");
  }
  double *s2 = s1 + hw, *cs = s2 + hw;   /* [hw], [hw], [nc] */
  int64_t nv = 0, nm = 0;
  ad_status st = AD_OK;
  for (int64_t i = 0; i < r->n && st == AD_OK; i++) {
    const float *lmap, *cells, *gate;
    int v;
    int moving = i > 0 && !(r->seg && r->seg[i]);
    if ((st = calib_frame (r, i, &lmap, &cells, &gate, &v, err)) != AD_OK)
      break;
    for (int k = 0; i % sstride == 0 && k < nc; k++)
      sv[k * nsv + i / sstride] = cells[2 * (size_t) nc + k];
    if (moving) {
      for (int k = 0; k < nc; k++)
        cs[k] += cells[k];
      nm++;
    }
    if (!v)
      continue;
    for (int p = 0; p < hw; p++) {
      s1[p] += lmap[p];
      s2[p] += (double) lmap[p] * lmap[p];
    }
    nv++;
  }
  if (st == AD_OK && nv == 0)
    st = ad_fail (err, AD_ERR_ARG, "no calibration frame has an estimate "
        "(%lld frames)", (long long) r->n);
  if (st == AD_OK) {
    ad_tensor *mu = ad_model_tensor (m, "pixel_mean");
    ad_tensor *sd = ad_model_tensor (m, "pixel_std");
    ad_tensor *mm = ad_model_tensor (m, "motion_mean");
    if (mu && sd && mu->count == (size_t) hw && sd->count == (size_t) hw) {
      /* std floored at a tenth of its mean over the frame, so that pixels
       * that never changed do not turn noise into huge scores */
      double mean_sd = 0.0;
      for (int p = 0; p < hw; p++) {
        double a = s1[p] / nv, var = s2[p] / nv - a * a;
        mu->data[p] = (float) a;
        sd->data[p] = (float) sqrt (var > 0.0 ? var : 0.0);
        mean_sd += sd->data[p];
      }
      float lo = (float) (0.1 * mean_sd / hw) + AD_TINY;
      for (int p = 0; p < hw; p++)
        sd->data[p] = sd->data[p] > lo ? sd->data[p] : lo;
    }
    if (mm && mm->count == (size_t) nc)
      for (int k = 0; k < nc; k++)
        mm->data[k] = nm ? (float) (cs[k] / nm) : 0.0f;
    ad_tensor *sb = ad_model_tensor (m, "static_base");
    float *half = sv + (size_t) nc * nsv, *tmp = half + nsv;
    for (int k = 0; k < nc; k++) {
      float all = ad_quantile (sv + k * nsv, nsv, AD_STILL_BASE_Q, tmp);
      if (sb && sb->count == (size_t) nc)
        sb->data[k] = all;
      /* each half's level (all of it where a half has no frame) */
      for (int h = 0; h < 2; h++) {
        int64_t nh = 0;
        for (int64_t j = 0; j < nsv; j++)
          if (half_of (j * sstride) == h)
            half[nh++] = sv[k * nsv + j];
        r->levels[(size_t) h * nc + k] = nh ?
            ad_quantile (half, nh, AD_STILL_BASE_Q, tmp) : all;
      }
    }
  }
  free (s1);
  ad_free (sv);
  *n_valid = nv;
  return st;
}

static void
fill_q (float *q, const float *v, int64_t n, float *tmp)
{
  for (int i = 0; i < AD_CALIB_NQ; i++)
    q[i] = ad_quantile (v, n, ad_calib_levels[i], tmp);
}

static float
positive (float v)
{
  return isfinite (v) && v > AD_TINY ? v : AD_TINY;
}

/* The busy-frame statistics (flow_busy, ad_sc_less_busy) into sc and the
 * model's busy_stats: the median of the moving cells mv [nv] over the
 * frames with any, and the per-cell tail's scale from the moving cells'
 * running means pool [np] (NULL without flow_track: no correction);
 * work [nv], tmp [nv] and pool [np..2 np) are scratch (pool holds
 * 2 np_max floats, np <= np_max). */
static void
busy_stats (ad_scorer *sc, ad_model *m, const float *mv, int64_t nv,
    float *pool, int64_t np, float *work, float *tmp)
{
  int64_t n = 0;
  for (int64_t k = 0; k < nv; k++)
    if (mv[k] > 0.0f)
      work[n++] = mv[k];
  sc->busy_ref = n ? ad_quantile (work, n, 0.5f, tmp) : 0.0f;
  sc->busy_scale = 0.0f;
  if (pool && np >= 2) {
    float *ptmp = pool + np;
    float hi = ad_quantile (pool, np, AD_BUSY_QHI, ptmp);
    float lo = ad_quantile (pool, np, AD_BUSY_QLO, ptmp);
    sc->busy_scale = hi > lo ? (hi - lo) / logf (10.0f) : 0.0f;
  }
  ad_tensor *t = ad_model_tensor (m, "busy_stats");
  if (t && t->count >= 2) {
    t->data[0] = sc->busy_ref;
    t->data[1] = sc->busy_scale;
  }
}

/* Passes 2 and 3: frame scores, scales and thresholds, then the fused map
 * quantile from a bounded, evenly spaced sample of pixels. */
static ad_status
calib_scores (calib_run *r, int64_t nv, ad_model *m, ad_calib *c,
    ad_error *err)
{
  ad_scorer *sc = r->sc;
  const ad_config *cfg = &sc->cfg;
  int64_t total = nv * sc->hw;
  int64_t stride = (total + AD_PIXEL_SAMPLES - 1) / AD_PIXEL_SAMPLES;
  int64_t ns_max = total / stride + 1;
  size_t nbuf = (size_t) (nv * 11 > ns_max * 2 ? nv * 11 : ns_max * 2);
  float *buf = ad_alloc (nbuf);
  /* busy frames: the moving cells' running means of every fstride-th
   * frame, [np_max] and its tmp [np_max] */
  int64_t fstride = (nv * sc->ncells + AD_BUSY_MAX - 1) / AD_BUSY_MAX;
  int64_t np_max = nv / fstride * sc->ncells + sc->ncells, np = 0;
  float *pool = cfg->flow_track ? ad_alloc (2 * (size_t) np_max) : NULL;
  /* map_frame: each frame's score over the threshold [nv], for the maps */
  float *fsc = ad_alloc ((size_t) nv);
  if (!buf || !fsc || (cfg->flow_track && !pool)) {
    ad_free (buf);
    ad_free (fsc);
    ad_free (pool);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory for calibration");
  }
  /* learned [nv], motion [nv], motion pattern [nv], stationary [nv] (as
   * scored) and [nv] (before static_normal), wandering [nv], fused [nv],
   * tmp [nv], beg [nv] (1 at a segment start), moving cells [nv], feature
   * novelty [nv]; later
   * samples [ns_max] and tmp [ns_max] */
  float *lr = buf, *mr = lr + nv, *flr = mr + nv, *sr = flr + nv,
      *srw = sr + nv, *wr = srw + nv, *fr = wr + nv, *tmp = fr + nv,
      *beg = tmp + nv, *mv = beg + nv;
  float *fe = mv + nv;
  float s[AD_SCORE_PARTS];
  ad_tensor *fst = ad_model_tensor (m, "flow_stats");
  ad_tensor *sst = ad_model_tensor (m, "static_stats");
  ad_tensor *wst = ad_model_tensor (m, "wander_stats");
  ad_tensor *fest = ad_model_tensor (m, "feat_stats");
  ad_status st = AD_OK;
  int64_t j = 0, prev_i = -1;
  for (int64_t i = 0; i < r->n && st == AD_OK; i++) {
    const float *lmap, *cells, *gate;
    int v;
    if ((st = calib_frame (r, i, &lmap, &cells, &gate, &v, err)) != AD_OK ||
        !v)
      continue;
    ad_sc_standardise (sc, lmap, sc->work);
    lr[j] = ad_topk_mean (sc->work, sc->hw, cfg->topk_frac, sc->tmp);
    calib_level (r, i);
    mr[j] = ad_sc_scored_cells (sc, cells, sc->cwork);
    /* the motion pattern and the wandering over time, as the live
     * scorer keeps them, restarted where it would restart */
    beg[j] = run_start (r, i, prev_i);
    if (beg[j])
      ad_sc_restart_windows (sc);
    flr[j] = ad_sc_part_over_time (sc, cells, 1);
    mv[j] = (float) ad_sc_moving_cells (sc, cells);
    for (int k = 0; pool && j % fstride == 0 && k < sc->ncells; k++)
      if (cells[k] > sc->flow_noise)
        pool[np++] = sc->track[k];
    sr[j] = ad_sc_cell_max (sc, sc->cwork, 2);
    srw[j] = ad_sc_cell_max (sc, cells, 2);
    wr[j] = ad_sc_part_over_time (sc, cells, 3);
    fe[j] = r->fnov[i];
    prev_i = i;
    j++;
  }
  if (st == AD_OK) {
    c->learned_scale = positive (ad_quantile (lr, nv, 0.99f, tmp));
    c->motion_scale = positive (ad_quantile (mr, nv, 0.99f, tmp));
    s[0] = c->learned_scale;
    s[1] = c->motion_scale;
    /* busy frames (ad_sc_less_busy), then the novelty's spread as scored: it
     * is zero on most normal frames, so its spread is taken at the 99th
     * percentile but not below AD_FLOW_FLOOR */
    busy_stats (sc, m, mv, nv, pool, np, fr, tmp);
    for (int64_t k = 0; k < nv; k++)
      flr[k] = ad_sc_less_busy (sc, flr[k], (int) mv[k]);
    s[2] = ad_quantile (flr, nv, 0.99f, tmp);
    s[2] = s[2] > AD_FLOW_FLOOR ? s[2] : AD_FLOW_FLOOR;
    if (fst && fst->count >= 3)
      fst->data[2] = s[2];
    /* likewise the stationary change, floored at AD_STILL_FLOOR; its
     * spread is that of the change before static_normal takes each
     * cell's normal level out, so that the option only quiets places
     * and never sharpens the part elsewhere */
    s[3] = ad_quantile (srw, nv, 0.99f, tmp);
    s[3] = s[3] > AD_STILL_FLOOR ? s[3] : AD_STILL_FLOOR;
    if (sst && sst->count >= 2)
      sst->data[1] = s[3];
    /* and the wandering, floored at AD_WANDER_FLOOR; stored either way,
     * divided by only with wander_norm */
    s[4] = ad_quantile (wr, nv, 0.99f, tmp);
    s[4] = s[4] > AD_WANDER_FLOOR ? s[4] : AD_WANDER_FLOOR;
    if (wst && wst->count >= 1)
      wst->data[0] = s[4];
    if (!cfg->wander_norm)
      s[4] = 1.0f;
    /* the feature novelty: less its median, its spread above it */
    s[5] = 1.0f;
    if (fest && fest->count >= 3 && fest->data[0] > 0.0f) {
      float med = ad_quantile (fe, nv, 0.5f, tmp);
      for (int64_t k = 0; k < nv; k++)
        fe[k] = fe[k] > med ? fe[k] - med : 0.0f;
      s[5] = ad_quantile (fe, nv, 0.99f, tmp);
      s[5] = s[5] > AD_FEAT_FLOOR ? s[5] : AD_FEAT_FLOOR;
      fest->data[1] = med;
      fest->data[2] = s[5];
    } else {
      memset (fe, 0, sizeof (float) * (size_t) nv);
    }
    /* the live scorer's temporal window, restarted at segment starts */
    for (int64_t k = 0; k < nv; k++) {
      if (beg[k])
        ad_sc_restart_windows (sc);
      fr[k] = ad_sc_frame_fuse (sc, lr[k], mr[k], flr[k], sr[k], wr[k],
          fe[k], s);
    }
    fill_q (c->learned_q, lr, nv, tmp);
    fill_q (c->motion_q, mr, nv, tmp);
    fill_q (c->fused_q, fr, nv, tmp);
    c->threshold = cfg->calib_margin *
        positive (ad_tail_quantile (fr, nv, cfg->calib_quantile, tmp));
    for (int64_t k = 0; k < nv; k++)
      fsc[k] = fr[k] / c->threshold;
  }
  ad_free (pool);
  /* pixel pass */
  float *smp = buf, *stmp = buf + ns_max;
  int64_t ns = 0, g = 0, jv = 0;
  prev_i = -1;
  for (int64_t i = 0; i < r->n && st == AD_OK; i++) {
    const float *lmap, *cells, *gate;
    int v;
    if ((st = calib_frame (r, i, &lmap, &cells, &gate, &v, err)) != AD_OK ||
        !v)
      continue;
    /* map_track: the running means the map is held to, as live */
    if (cfg->flow_track && cfg->map_track) {
      if (run_start (r, i, prev_i))
        ad_sc_restart_windows (sc);
      ad_sc_part_over_time (sc, cells, 1);
      ad_sc_part_over_time (sc, cells, 3);
    }
    prev_i = i;
    ad_sc_standardise (sc, lmap, sc->work);
    calib_level (r, i);
    ad_sc_scored_cells (sc, cells, sc->cwork);
    ad_sc_fuse_map (sc, sc->work, sc->cwork, gate, s, r->plane,
        fest && fest->count >= 3 ? fest->data[1] : 0.0f, sc->fmap);
    ad_sc_map_frame (cfg, jv < nv ? fsc[jv++] : 1.0f, sc->fmap,
        (size_t) sc->hw);
    for (int p = 0; p < sc->hw; p++, g++)
      if (g % stride == 0 && ns < ns_max)
        smp[ns++] = sc->fmap[p];
  }
  if (st == AD_OK) {
    fill_q (c->pixel_q, smp, ns, stmp);
    c->pixel_threshold = cfg->calib_margin *
        positive (ad_quantile (smp, ns, AD_PIXEL_Q, stmp));
  }
  ad_free (buf);
  ad_free (fsc);
  return st;
}

ad_status
ad_model_calibrate (ad_model *m, const float *frames, int64_t n,
    const uint8_t *seg_start, ad_error *err)
{
  if (!m || !frames || n < 1)
    return ad_fail (err, AD_ERR_ARG, "calibration needs a model and frames");
  calib_run r;
  memset (&r, 0, sizeof r);
  r.frames = frames;
  r.seg = seg_start;
  r.n = n;
  r.fs = (size_t) ad_config_in_channels (&m->cfg) * m->cfg.width *
      m->cfg.height;
  ad_status st = ad_stream_new (m, &r.st, err);
  if (st == AD_OK)
    st = ad_scorer_new (m, &r.sc, err);
  if (st == AD_OK) {
    r.sc->full = 1;     /* every part's statistics, whatever the weights */
    r.has_level = r.sc->static_level != NULL;
  }
  if (st == AD_OK && (!(r.recon = ad_alloc ((size_t)
                  ad_model_recon_channels (m) * r.sc->hw)) ||
          !(r.fnov = ad_alloc ((size_t) n)) ||
          !(r.levels = ad_alloc (2 * (size_t) r.sc->ncells))))
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory for calibration");
  if (st == AD_OK) {
    /* floats stored per frame: the learned map, the gates, the cells,
     * the feature novelty's plane */
    size_t per = (1 + AD_GATE_PLANES + (r.sc->feat ? 1 : 0)) *
        (size_t) r.sc->hw + AD_CELL_PARTS * (size_t) r.sc->ncells;
    if ((size_t) n <= AD_CALIB_STORE_MAX / per) {
      r.maps = ad_alloc ((size_t) n * r.sc->hw);
      r.gates = ad_alloc ((size_t) n * AD_GATE_PLANES * r.sc->hw);
      r.cells = ad_alloc ((size_t) n * AD_CELL_PARTS * r.sc->ncells);
      r.flags = calloc ((size_t) n, 1);
      r.planes = r.sc->feat ? ad_alloc ((size_t) n * r.sc->hw) : NULL;
      if (!r.maps || !r.gates || !r.cells || !r.flags ||
          (r.sc->feat && !r.planes)) {
        /* not fatal: recompute on every pass instead */
        ad_free (r.maps);
        ad_free (r.gates);
        ad_free (r.cells);
        ad_free (r.planes);
        free (r.flags);
        r.maps = r.cells = r.gates = r.planes = NULL;
        r.flags = NULL;
      }
    }
  }
  int64_t nv = 0;
  if (st == AD_OK)
    st = calib_stats (&r, m, &nv, err);
  ad_calib c;
  memset (&c, 0, sizeof c);
  if (st == AD_OK)
    st = calib_scores (&r, nv, m, &c, err);
  if (st == AD_OK) {
    c.n_frames = (int32_t) (nv < INT32_MAX ? nv : INT32_MAX);
    c.valid = 1;
    ad_model_set_calib (m, &c);
  }
  ad_free (r.maps);
  ad_free (r.gates);
  ad_free (r.cells);
  free (r.flags);
  ad_free (r.recon);
  ad_free (r.fnov);
  ad_free (r.planes);
  ad_free (r.levels);
  ad_scorer_free (r.sc);
  ad_stream_free (r.st);
  return st;
}
