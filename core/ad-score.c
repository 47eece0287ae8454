/* ad-score.c - error maps, frame scores, motion cells, fusion and
 * calibration (the statistics they use are in ad-stats.c).  The pipeline
 * and the formulas are described in docs/scoring.md; keep the two in
 * step. */
#include "ad-internal.h"

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
/* Blur of the per-pixel motion before it locates a cell's motion (px). */
#define AD_GATE_BLUR 2.0f
/* Share of the frame difference in the heatmap gate beside the difference
 * to the background (measured flat between 0.03 and 0.3). */
#define AD_GATE_DIFF_SHARE 0.1f
/* Stationary change: the floor of its spread (gray levels in [0, 1]). */
#define AD_STILL_FLOOR 0.01f
#define AD_STILL_FLOOR_K 3.0f
/* Planes of sc->gate: the motion parts' share, the stationary change's,
 * and the silhouette factor (map_outside). */
#define AD_GATE_PLANES 3
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
/* Wandering: the floor of its spread (px/frame), about what normal walkers
 * show at 25 frames a second: short held-back footage where nobody
 * happened to pass anyone gives far less (0.11 on the sparse scene). */
#define AD_WANDER_FLOOR 0.5f

/* ------------------------------------------------------------------------ */
/* Scorer                                                                   */

struct ad_scorer {
  const ad_model *m;
  ad_config cfg;            /* scoring settings at creation */
  int h, w, hw, ci, co;
  int cell, gw, ncells;
  const ad_tensor *motion_mean;   /* [ncells] or NULL when counts differ */
  const float *static_level;      /* [ncells] the model's static_base, or
                                   * NULL; calibration points it elsewhere */
  const ad_tensor *pixel_mean;    /* [hw] or NULL */
  const ad_tensor *pixel_std;     /* [hw] or NULL */
  float *prev;              /* [ci, hw] previous frame's image channels */
  int have_prev;
  float recent[AD_SCORE_WINDOW_MAX];  /* ring of the latest fused learned
                                       * and plain-motion values */
  int n_recent;             /* frames in the ring since the last reset */
  int refill;               /* after lost frames: the motion patterns'
                             * window is not full again yet, and the
                             * running means below hold */
  int span;                 /* frames between the previous frame and the
                             * next (2 across one lost frame) */
  float flow_mean;          /* running mean of the motion-pattern score */
  float wander_mean;        /* running mean of the wandering score */
  float *track;             /* [2, ncells] the same per cell (flow_track):
                             * motion pattern, wandering */
  float *lmap;              /* [hw] learned error map */
  float *work;              /* [hw] standardised map (calibration) */
  float *tmp;               /* [hw] blur and top-k workspace */
  float *resid;             /* [ci + 1, hw] signed residuals of the image
                             * channels and of the difference head */
  float *fmap;              /* [hw] fused map when the caller has none */
  float *cells;             /* [4, ncells] raw motion, motion-pattern
                             * novelty, stationary change and wandering
                             * per cell */
  float *cwork;             /* [4, ncells] cells after mean subtraction */
  float *fspread;           /* [ncells] motion pattern as the map paints it */
  float *gate;              /* [AD_GATE_PLANES, hw] share of its cell's
                             * motion, of its stationary change, and the
                             * silhouette factor, per pixel */
  float *bgd;               /* [hw] difference to the background, still */
  float *fg;                /* [hw] the same, moving pixels included */
  float *chroma;            /* [2, hw] colour models: the background's
                             * chromaticity (r, g), a running mean */
  int have_chroma;          /* chroma holds a value */
  int colourful;            /* colour models: this frame has colour */
  int mode;                 /* colour models: 1 the stream is in colour (as
                             * the model's background), 0 it turned gray */
  int mode_run;             /* frames the other mode has held */
  int relearn;              /* frames of background re-learning left */
  int switched;             /* this frame's switch (ad_score.switched) */
  const ad_tensor *bg;      /* [hw] learned background or NULL */
  float *bg_live;           /* [hw] the background this stream compares
                             * with: bg, plus what static_absorb took in */
  float *still_age;         /* [hw] frames each pixel has stayed different
                             * while still */
  const ad_tensor *bgc;     /* [2, hw] colour models with static_chroma:
                             * the learned background's chromaticity, or
                             * NULL */
  float *bgc_live;          /* [2, hw] bgc plus what static_absorb took in */
  float *uv;                /* [2, hw] colour models: this frame's
                             * chromaticity (ad_chroma), computed once for
                             * the colour test, the change of colour and
                             * the shadow test */
  float *cdiff;             /* [hw] its change of colour (ad_chroma_diff) */
  int have_still;           /* cells[2] holds a running value */
  int full;                 /* compute every part and gate (calibration),
                             * not only what the settings use */
  ad_flow *flow;            /* local motion per cell */
  const ad_tensor *flow_dist;     /* [ncells, BINS^2] or NULL */
  float flow_noise;         /* energy gate of the motion patterns */
  float flow_accel;         /* normal vector change (0: not scored) */
  float busy_ref;           /* moving cells of a normal frame (median on
                             * the held-back footage; 0: no correction) */
  float busy_scale;         /* the per-cell tail's scale, px/frame */
  uint8_t *ign;             /* [hw] 1 where the picture is left out, or
                             * NULL (the model's ignore_mask) */
  uint8_t *cign;            /* [ncells] 1: the cell is left out (any of
                             * its pixels is) */
};

/* sc->ign [hw] and sc->cign [ncells] from mask [hw] (> 0.5: left out);
 * 0 when out of memory. */
static int
leave_out (ad_scorer *sc, const float *mask)
{
  if (!sc->ign)
    sc->ign = calloc ((size_t) sc->hw, 1);
  if (!sc->cign)
    sc->cign = calloc ((size_t) sc->ncells, 1);
  if (!sc->ign || !sc->cign)
    return 0;
  /* a cell any pixel of which is left out is left out whole: its parts
   * (motion, vectors, stationary change) are means over the cell, which
   * a left-out pixel would still reach */
  memset (sc->cign, 0, (size_t) sc->ncells);
  for (int y = 0; y < sc->h; y++)
    for (int x = 0; x < sc->w; x++) {
      int p = y * sc->w + x, k = (y / sc->cell) * sc->gw + x / sc->cell;
      sc->ign[p] = mask[p] > 0.5f;
      sc->cign[k] |= sc->ign[p];
    }
  return 1;
}

ad_status
ad_scorer_set_ignore (ad_scorer *sc, const float *rects, int n,
    ad_error *err)
{
  if (!sc || n < 0 || (n > 0 && !rects))
    return ad_fail (err, AD_ERR_ARG, "no scorer or regions to ignore");
  free (sc->ign);
  free (sc->cign);
  sc->ign = NULL;
  sc->cign = NULL;
  if (n == 0)
    return AD_OK;
  float *mask = ad_alloc ((size_t) sc->hw);
  if (!mask)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  ad_regions_mask (rects, n, sc->h, sc->w, mask);
  int ok = leave_out (sc, mask);
  ad_free (mask);
  return ok ? AD_OK : ad_fail (err, AD_ERR_NOMEM, "out of memory");
}

ad_status
ad_scorer_new (const ad_model *m, ad_scorer **out, ad_error *err)
{
  if (!out)
    return ad_fail (err, AD_ERR_ARG, "missing output pointer");
  *out = NULL;
  if (!m)
    return ad_fail (err, AD_ERR_ARG, "no model");
  ad_scorer *sc = calloc (1, sizeof *sc);
  if (!sc)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  sc->m = m;
  sc->cfg = m->cfg;
  sc->h = m->cfg.height;
  sc->w = m->cfg.width;
  sc->hw = sc->h * sc->w;
  sc->ci = ad_config_image_channels (&m->cfg);
  sc->co = ad_config_out_channels (&m->cfg);
  sc->cell = m->cfg.motion_cell;
  sc->gw = (sc->w + sc->cell - 1) / sc->cell;
  sc->ncells = ((sc->h + sc->cell - 1) / sc->cell) * sc->gw;
  ad_model *mm = (ad_model *) m;   /* lookup only; nothing is written */
  const ad_tensor *t = ad_model_tensor (mm, "motion_mean");
  sc->motion_mean = t && t->count == (size_t) sc->ncells ? t : NULL;
  t = ad_model_tensor (mm, "static_base");
  sc->static_level = t && t->count == (size_t) sc->ncells ? t->data : NULL;
  t = ad_model_tensor (mm, "pixel_mean");
  sc->pixel_mean = t && t->count == (size_t) sc->hw ? t : NULL;
  t = ad_model_tensor (mm, "pixel_std");
  sc->pixel_std = t && t->count == (size_t) sc->hw ? t : NULL;
  t = ad_model_tensor (mm, "flow_dist");
  const ad_tensor *fs = ad_model_tensor (mm, "flow_stats");
  if (t && fs && fs->count >= 3 && fs->data[1] > 0.0f &&
      t->count == (size_t) sc->ncells * m->cfg.flow_bins * m->cfg.flow_bins) {
    sc->flow_dist = t;
    sc->flow_noise = fs->data[0];
    sc->flow_accel = m->cfg.flow_accel && fs->count >= 4 ? fs->data[3] : 0.0f;
  }
  t = ad_model_tensor (mm, "busy_stats");
  if (t && t->count >= 2 && t->data[0] > 0.0f && t->data[1] > 0.0f) {
    sc->busy_ref = t->data[0];
    sc->busy_scale = t->data[1];
  }
  t = ad_model_tensor (mm, "ignore_mask");
  int any_ign = 0;
  for (size_t p = 0; t && t->count == (size_t) sc->hw && p < t->count; p++)
    any_ign |= t->data[p] > 0.5f;
  if (any_ign && !leave_out (sc, t->data)) {
    ad_scorer_free (sc);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  ad_status fst;
  if ((fst = ad_flow_new (sc->h, sc->w, sc->cell, &sc->flow, err)) != AD_OK ||
      (fst = ad_flow_set_scale (sc->flow, m->cfg.flow_scale, err)) != AD_OK) {
    ad_scorer_free (sc);
    return fst;
  }
  ad_flow_set_colour (sc->flow, m->cfg.flow_color);
  ad_flow_set_sigma (sc->flow, m->cfg.flow_sigma);
  sc->prev = ad_alloc ((size_t) sc->ci * sc->hw);
  sc->lmap = ad_alloc (sc->hw);
  sc->work = ad_alloc (sc->hw);
  sc->tmp = ad_alloc (sc->hw);
  sc->resid = ad_alloc ((size_t) (sc->ci + 1) * sc->hw);
  sc->fmap = ad_alloc (sc->hw);
  t = ad_model_tensor (mm, "bg_image");
  const ad_tensor *ss = ad_model_tensor (mm, "static_stats");
  if (t && t->count == (size_t) sc->hw && ss && ss->count >= 2 &&
      ss->data[0] > 0.0f) {
    sc->bg = t;
    sc->bg_live = ad_alloc (sc->hw);
    sc->still_age = ad_alloc (sc->hw);
    if (!sc->bg_live || !sc->still_age) {
      ad_scorer_free (sc);
      return ad_fail (err, AD_ERR_NOMEM, "out of memory");
    }
    memcpy (sc->bg_live, t->data, sizeof (float) * sc->hw);
    /* colour models: the background's chromaticity, when the file holds
     * one (files made before it hold zeros) */
    const ad_tensor *tc = ad_model_tensor (mm, "bg_chroma");
    if (sc->ci == 3 && sc->cfg.static_chroma > 0.0f && tc &&
        tc->count == 2 * (size_t) sc->hw && tc->data[0] > 0.0f) {
      sc->bgc = tc;
      sc->bgc_live = ad_alloc (2 * (size_t) sc->hw);
      sc->cdiff = ad_alloc (sc->hw);
      if (!sc->bgc_live || !sc->cdiff) {
        ad_scorer_free (sc);
        return ad_fail (err, AD_ERR_NOMEM, "out of memory");
      }
      memcpy (sc->bgc_live, tc->data, sizeof (float) * 2 * sc->hw);
    }
  }
  sc->cells = ad_alloc ((size_t) sc->ncells * AD_CELL_PARTS);
  sc->cwork = ad_alloc ((size_t) sc->ncells * AD_CELL_PARTS);
  sc->fspread = ad_alloc (sc->ncells);
  sc->track = ad_alloc (2 * (size_t) sc->ncells);
  sc->gate = ad_alloc ((size_t) sc->hw * AD_GATE_PLANES);
  sc->bgd = ad_alloc (sc->hw);
  sc->fg = ad_alloc (sc->hw);
  if (sc->ci == 3 && (!(sc->uv = ad_alloc (2 * (size_t) sc->hw)) ||
          (sc->cfg.map_shadow < 1.0f &&
              !(sc->chroma = ad_alloc (2 * (size_t) sc->hw))))) {
    ad_scorer_free (sc);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  if (!sc->prev || !sc->lmap || !sc->work || !sc->tmp || !sc->resid ||
      !sc->fmap ||
      !sc->cells || !sc->cwork || !sc->gate || !sc->bgd || !sc->fg ||
      !sc->fspread || !sc->track) {
    ad_scorer_free (sc);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  memset (sc->track, 0, sizeof (float) * 2 * (size_t) sc->ncells);
  sc->mode = 1;
  *out = sc;
  return AD_OK;
}

void
ad_scorer_free (ad_scorer *sc)
{
  if (!sc)
    return;
  ad_free (sc->prev);
  ad_free (sc->lmap);
  ad_free (sc->work);
  ad_free (sc->tmp);
  ad_free (sc->resid);
  ad_free (sc->fmap);
  ad_free (sc->cells);
  ad_free (sc->cwork);
  ad_free (sc->gate);
  ad_free (sc->bgd);
  ad_free (sc->fg);
  ad_free (sc->chroma);
  ad_free (sc->fspread);
  ad_free (sc->track);
  ad_free (sc->bg_live);
  ad_free (sc->bgc_live);
  ad_free (sc->uv);
  ad_free (sc->cdiff);
  ad_free (sc->still_age);
  free (sc->ign);
  free (sc->cign);
  ad_flow_free (sc->flow);
  free (sc);
}

ad_status
ad_scorer_set_static_absorb (ad_scorer *sc, int frames, ad_error *err)
{
  const ad_field *f = ad_config_field ("static_absorb");
  if (!sc || frames < f->min || frames > f->max)
    return ad_fail (err, AD_ERR_ARG, "static_absorb must be %g..%g frames",
        f->min, f->max);
  if (frames != sc->cfg.static_absorb && sc->still_age)
    memset (sc->still_age, 0, sizeof (float) * sc->hw);
  sc->cfg.static_absorb = frames;
  return AD_OK;
}

/* The frame score's temporal state starts over (a reset, a segment). */
static void
restart_windows (ad_scorer *sc)
{
  sc->n_recent = 0;
  sc->refill = 0;
  sc->flow_mean = 0.0f;
  sc->wander_mean = 0.0f;
  memset (sc->track, 0, sizeof (float) * 2 * (size_t) sc->ncells);
}

void
ad_scorer_reset (ad_scorer *sc)
{
  if (sc) {
    sc->have_prev = 0;
    sc->span = 1;
    sc->have_still = 0;
    sc->have_chroma = 0;
    sc->mode = 1;
    sc->mode_run = 0;
    sc->relearn = 0;
    restart_windows (sc);
    if (sc->bg_live) {
      memcpy (sc->bg_live, sc->bg->data, sizeof (float) * sc->hw);
      memset (sc->still_age, 0, sizeof (float) * sc->hw);
    }
    if (sc->bgc_live)
      memcpy (sc->bgc_live, sc->bgc->data, sizeof (float) * 2 * sc->hw);
    ad_flow_reset (sc->flow);
  }
}

void
ad_scorer_gap (ad_scorer *sc, int lost)
{
  if (!sc)
    return;
  /* one frame lost: the next pair spans two frames, divided down to one
   * (a walker's 1-2 px is within the one-step fit's reach at model
   * resolution; at half resolution a slow camera's is not) */
  if (lost >= 1 && lost <= AD_GAP_BRIDGE && sc->have_prev &&
      sc->cfg.flow_scale == 1) {
    sc->span = lost + 1;
    ad_flow_gap (sc->flow, lost + 1);
    return;
  }
  sc->have_prev = 0;
  sc->refill = 1;
  ad_flow_gap (sc->flow, 0);
}

/* sc->resid [ci + 1, hw] = the signed residuals of frame feat against
 * recon, channel by channel, then that of the difference head (when it is
 * scored), each blurred by cfg.resid_blur: zero-mean texture and sensor
 * noise average out before squaring, a shifted area stays. */
static void
residuals (ad_scorer *sc, const float *feat, const float *recon, int src)
{
  int hw = sc->hw, ci = sc->ci;
  float inv = 1.0f / (float) ci, *rd = sc->resid + (size_t) ci * hw;
  for (int c = 0; c < ci; c++) {
    const float *x = feat + (size_t) c * hw, *y = recon + (size_t) c * hw;
    float g = sc->cfg.learned_gain ? ad_gain (x, y, hw, sc->tmp) : 1.0f;
    for (int p = 0; p < hw; p++)
      sc->resid[(size_t) c * hw + p] = x[p] - g * y[p];
  }
  int nch = ci;
  if (src != AD_SCORE_FRAME) {
    for (int p = 0; p < hw; p++) {
      float d = 0.0f;
      for (int c = 0; c < ci && sc->have_prev; c++)
        d += fabsf (feat[(size_t) c * hw + p] - sc->prev[(size_t) c * hw + p]);
      rd[p] = d * inv - recon[(size_t) (sc->co - 1) * hw + p];
    }
    nch++;
  }
  for (int c = 0; c < nch; c++)
    ad_blur (sc->resid + (size_t) c * hw, sc->h, sc->w, sc->cfg.resid_blur,
        sc->tmp);
}

/* sc->lmap = blurred, floor-subtracted error map of frame feat against
 * recon (zeros when recon is NULL).  Uses sc->prev for the difference
 * target.  Returns the floor removed. */
static float
learned_map (ad_scorer *sc, const float *feat, const float *recon)
{
  int hw = sc->hw, ci = sc->ci;
  float *e = sc->lmap;
  if (!recon) {
    memset (e, 0, sizeof (float) * hw);
    return 0.0f;
  }
  int src = sc->cfg.diff_head ? sc->cfg.score_source : AD_SCORE_FRAME;
  float inv = 1.0f / (float) ci;
  residuals (sc, feat, recon, src);
  const float *rd = sc->resid + (size_t) ci * hw;
  for (int p = 0; p < hw; p++) {
    float ei = 0.0f;
    for (int c = 0; c < ci; c++)
      ei += sc->resid[(size_t) c * hw + p] * sc->resid[(size_t) c * hw + p];
    ei *= inv;
    float ed = src == AD_SCORE_FRAME ? 0.0f : rd[p] * rd[p];
    e[p] = src == AD_SCORE_FRAME ? ei : src == AD_SCORE_DIFF ? ed
        : 0.5f * (ei + ed);
  }
  ad_blur (e, sc->h, sc->w, sc->cfg.blur_sigma, sc->tmp);
  float floor = 0.0f;
  if (sc->cfg.hist_floor) {
    floor = ad_hist_floor (e, hw);
    for (int p = 0; p < hw; p++)
      e[p] = e[p] > floor ? e[p] - floor : 0.0f;
  }
  for (int p = 0; sc->ign && p < hw; p++)       /* left out */
    if (sc->ign[p])
      e[p] = 0.0f;
  return floor;
}

/* dst = (src - pixel_mean) / pixel_std clamped at 0 when cfg.pixel_std,
 * else a copy of src. */
static void
standardise (const ad_scorer *sc, const float *src, float *dst)
{
  if (!sc->cfg.pixel_std || !sc->pixel_mean || !sc->pixel_std) {
    if (dst != src)
      memcpy (dst, src, sizeof (float) * sc->hw);
    return;
  }
  const float *mu = sc->pixel_mean->data, *sd = sc->pixel_std->data;
  for (int p = 0; p < sc->hw; p++) {
    float s = sd[p] > 1e-12f ? sd[p] : 1e-12f;
    float z = (src[p] - mu[p]) / s;
    dst[p] = z > 0.0f ? z : 0.0f;
  }
}

/* dst [hw] = (src [hw] over the largest of its cell's largest value and
 * map_gate_floor x the frame's largest) ^ map_gate_power, in [0, 1] (1 in
 * a frame without any); mx [ncells] scratch. */
static void
cell_share (const ad_scorer *sc, const float *src, float *dst, float *mx)
{
  memset (mx, 0, sizeof (float) * sc->ncells);
  for (int y = 0; y < sc->h; y++) {
    float *mrow = mx + (size_t) (y / sc->cell) * sc->gw;
    for (int x = 0; x < sc->w; x++) {
      float v = src[(size_t) y * sc->w + x];
      if (v > mrow[x / sc->cell])
        mrow[x / sc->cell] = v;
    }
  }
  /* a cell whose strongest pixel is weak beside the frame's strongest
   * (a shadow, the rest of something that has moved on) counts as
   * holding nothing at full strength: its pixels are divided by at least
   * map_gate_floor x the frame's strongest */
  float top = 0.0f;
  for (int k = 0; k < sc->ncells; k++)
    top = mx[k] > top ? mx[k] : top;
  float lo = sc->cfg.map_gate_floor * top, pw = sc->cfg.map_gate_power;
  for (int y = 0; y < sc->h; y++) {
    const float *mrow = mx + (size_t) (y / sc->cell) * sc->gw;
    for (int x = 0; x < sc->w; x++) {
      float m = mrow[x / sc->cell] > lo ? mrow[x / sc->cell] : lo;
      size_t p = (size_t) y * sc->w + x;
      float v = m > AD_TINY ? src[p] / m : 1.0f;
      dst[p] = pw == 1.0f || v <= 0.0f ? v : powf (v, pw);
    }
  }
}

/* sc->gate [hw] = where in its cell the moving thing is, so that the
 * heatmap paints a cell's motion parts on the object, not the whole cell:
 * with a learned background (have_fg), the pixel's difference to it after
 * the frame's floor (sc->fg: the object's whole silhouette, where the
 * frame difference shows only its edges) plus AD_GATE_DIFF_SHARE x the
 * blurred compensated difference (an object that matches the background);
 * without one, the blurred difference alone.  Each over the largest value
 * in its cell (ones where there is nothing, or with map_gate off).  The
 * cell's maximum keeps its full value. */
static void
motion_gate (ad_scorer *sc, int ok, int have_fg)
{
  float *g = sc->gate;
  if (!ok || !sc->cfg.map_gate) {
    for (int p = 0; p < sc->hw; p++)
      g[p] = 1.0f;
    return;
  }
  memcpy (g, ad_flow_residual (sc->flow), sizeof (float) * sc->hw);
  ad_blur (g, sc->h, sc->w, AD_GATE_BLUR, sc->tmp);
  if (have_fg)
    for (int p = 0; p < sc->hw; p++)
      g[p] = sc->fg[p] + AD_GATE_DIFF_SHARE * g[p];
  cell_share (sc, g, g, sc->cwork);  /* cwork: rewritten by scored_cells */
}

/* sc->gate + 2 hw [hw] = the map's factor per pixel: 1 within one pixel
 * (4-neighbours) of a silhouette (sc->fg above 0, the difference to the
 * learned background after the frame's floor, shadows out), map_outside
 * elsewhere, where an object was a frame ago or the blur's halo lies; 1
 * everywhere when off (on 0: map_outside 1, or no background difference
 * this frame). */
static void
silhouettes (ad_scorer *sc, int on)
{
  float *o = sc->gate + 2 * (size_t) sc->hw;
  const float *fg = sc->fg;
  float k = sc->cfg.map_outside;
  int h = sc->h, w = sc->w;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t p = (size_t) y * w + x;
      int in = !on || fg[p] > 0.0f ||
          (x > 0 && fg[p - 1] > 0.0f) || (x < w - 1 && fg[p + 1] > 0.0f) ||
          (y > 0 && fg[p - w] > 0.0f) || (y < h - 1 && fg[p + w] > 0.0f);
      o[p] = in ? 1.0f : k;
    }
}

/* A pixel of gray g whose lit background is lit lies in a shadow's
 * brightness band: AD_SHADOW_LO..AD_SHADOW_HI of it (where the
 * background is brighter than AD_SHADOW_MIN). */
static inline int
shadow_band (float g, float lit)
{
  return lit > AD_SHADOW_MIN && g >= AD_SHADOW_LO * lit &&
      g <= AD_SHADOW_HI * lit;
}

/* Shadows out of the map's gate (colour models, map_shadow < 1): a pixel
 * whose gray is AD_SHADOW_LO..AD_SHADOW_HI of the lit background's and
 * whose chromaticity (r, g) = (R, G) / (R + G + B) lies within
 * AD_SHADOW_CHROMA (sum of both differences) of the background's is
 * the background darkened, not an object: its sc->fg is multiplied by
 * map_shadow.  The background's chromaticity sc->chroma [2, hw] is a
 * running mean, 1/AD_CHROMA_FRAMES a frame, over the frames where the
 * pixel matches the background (d == 0), started from the learned
 * background's (bg_chroma, with static_chroma), else from the stream's
 * first frame (tested from the second on).  Gray footage (a gray camera,
 * night infrared) carries no chromaticity, so a dark gray coat would pass
 * for a shadow: the test runs only on a frame with colour (sc->colourful,
 * follow_colour).
 * The frame's chromaticity is sc->uv (follow_colour); gray, bg [hw] and
 * gain as ad_bg_diff's; d [hw] its difference after the frame's floor
 * (sc->fg, changed in place). */
static void
shadows (ad_scorer *sc, const float *gray, const float *bg, float gain,
    float *d)
{
  const size_t hw = (size_t) sc->hw;
  float *cr = sc->chroma, *cg = sc->chroma + hw;
  const float a = 1.0f / AD_CHROMA_FRAMES;
  if (!sc->have_chroma) {
    /* the learned background's chromaticity when the model has one, else
     * this frame's (whatever stands in it counts as background at first) */
    memcpy (sc->chroma, sc->bgc_live ? sc->bgc_live : sc->uv,
        sizeof (float) * 2 * hw);
    sc->have_chroma = 1;
    if (!sc->bgc_live)
      return;
  }
  int test = sc->colourful;
  for (size_t p = 0; p < hw; p++) {
    float u = sc->uv[p], v = sc->uv[hw + p];
    float lit = gain * bg[p], dv = d[p];
    if (test && dv > 0.0f && shadow_band (gray[p], lit) &&
        fabsf (u - cr[p]) + fabsf (v - cg[p]) < AD_SHADOW_CHROMA)
      d[p] = dv * sc->cfg.map_shadow;
    if (dv == 0.0f) {
      cr[p] += a * (u - cr[p]);
      cg[p] += a * (v - cg[p]);
    }
  }
}

/* 1 when at least AD_COLOUR_SHARE of the pixels of the chromaticity uv
 * [2, hw] (ad_chroma; black reads gray) are AD_COLOUR_MIN or more from
 * gray (sum of both). */
static int
frame_colourful (const float *uv, size_t hw)
{
  size_t coloured = 0;
  for (size_t p = 0; p < hw; p++)
    coloured += fabsf (uv[p] - 1.0f / 3.0f) +
        fabsf (uv[hw + p] - 1.0f / 3.0f) > AD_COLOUR_MIN;
  return (float) coloured >= AD_COLOUR_SHARE * (float) hw;
}

/* Frames of background re-learning after a switch to gray: cfg.bg_relearn
 * seconds at the training rate (25 frames a second when unknown). */
static int
relearn_frames (const ad_config *cfg)
{
  float fps = cfg->train_fps > 0.0f ? cfg->train_fps : 25.0f;
  return (int) (cfg->bg_relearn * fps + 0.5f);
}

/* Colour models: a camera that turns gray (night infrared) shows the
 * scene in other grays than the colour footage the model's background
 * was learned from, and the whole picture would read as stationary
 * change.  Once AD_MODE_FRAMES frames in a row are gray (frame_colourful
 * 0), the stream's background starts over from this frame's gray [hw] and
 * is learned for relearn_frames (static_cells); once as many are in
 * colour again, the model's background comes back. */
static void
follow_colour (ad_scorer *sc, const float *feat, const float *gray)
{
  ad_chroma (feat, (size_t) sc->hw, sc->uv);
  sc->colourful = frame_colourful (sc->uv, (size_t) sc->hw);
  if (sc->colourful == sc->mode) {
    sc->mode_run = 0;
    return;
  }
  if (++sc->mode_run < AD_MODE_FRAMES)
    return;
  sc->mode = sc->colourful;
  sc->mode_run = 0;
  sc->switched = sc->mode ? -1 : 1;
  sc->relearn = sc->mode ? 0 : relearn_frames (&sc->cfg);
  memcpy (sc->bg_live, sc->relearn ? gray : sc->bg->data,
      sizeof (float) * sc->hw);
  /* still_age counts each pixel's still frames while re-learning */
  for (int p = 0; p < sc->hw; p++)
    sc->still_age[p] = sc->relearn ? 1.0f : 0.0f;
}

/* Darker pixels in the map's gate of a gray model (map_dark < 1): a
 * pixel whose gray is AD_SHADOW_LO..AD_SHADOW_HI of the lit background's
 * is a shadow or something a little darker than the ground, and without
 * colour the two look alike (the colour test of shadows () needs
 * chromaticity): its foreground is multiplied by map_dark, so the map
 * ranks the rest of a moving object above its shadow.  gray, bg [hw] and
 * gain as ad_bg_diff's; d [hw] its difference after the floor (sc->fg,
 * changed in place). */
static void
dark_pixels (ad_scorer *sc, const float *gray, const float *bg, float gain,
    float *d)
{
  for (int p = 0; p < sc->hw; p++)
    if (d[p] > 0.0f && shadow_band (gray[p], gain * bg[p]))
      d[p] *= sc->cfg.map_dark;
}

/* Stationary change per cell into cells[2]: the mean over the cell of the
 * difference to the learned background at the pixels that did not move
 * (compensated difference below the motion noise), followed over time by
 * a value that rises towards it by 1/static_rise a frame and falls to
 * it at once (from 0 at the first frame), so a passer-by's brief
 * mismatch hardly counts and an object left lying builds up.
 * sc->gate + hw gets its per-pixel share (map_gate) when want_map;
 * sc->fg the difference with moving pixels, shadows out (colour models)
 * or darker pixels dimmed (gray models).
 * feat [ci, hw] the frame. */
static void
static_cells (ad_scorer *sc, const float *feat, int ok, int want_map)
{
  float *out = sc->cells + 2 * (size_t) sc->ncells;
  float *sg = sc->gate + sc->hw;
  if (!sc->bg) {
    memset (out, 0, sizeof (float) * sc->ncells);
    for (int p = 0; p < sc->hw; p++)
      sg[p] = 1.0f;
    return;
  }
  const float *r = ok ? ad_flow_residual (sc->flow) : NULL;
  float *d = sc->bgd, *c = sc->cwork;       /* [ncells] scratch */
  const float *gray = ad_flow_gray (sc->flow);
  if (sc->ci == 3)
    follow_colour (sc, feat, gray);
  int relearn = sc->relearn > 0;
  float gain = ad_bg_diff (gray, sc->bg_live, sc->h, sc->w, sc->tmp, d);
  /* colour frames of a colour model: a change of colour counts too (an
   * object as bright as the ground), the larger of the two */
  int colour = sc->bgc && sc->colourful && sc->mode && !relearn;
  if (colour) {
    const float wc = sc->cfg.static_chroma;
    ad_chroma_diff (sc->uv, sc->bgc_live, gray, sc->h, sc->w, sc->tmp,
        sc->cdiff);
    for (int p = 0; p < sc->hw; p++)
      d[p] = wc * sc->cdiff[p] > d[p] ? wc * sc->cdiff[p] : d[p];
  }
  /* the frame's own mismatch floor (noise, imperfect background) goes:
   * AD_STILL_FLOOR_K x the median over an even sample of pixels */
  int n = 0;
  for (int p = 0; p < sc->hw; p += 3)
    sc->tmp[n++] = d[p];
  float fl = AD_STILL_FLOOR_K * ad_quantile (sc->tmp, n, 0.5f, sc->tmp + n);
  memset (c, 0, sizeof (float) * sc->ncells);
  for (int y = 0; y < sc->h; y++)
    for (int x = 0; x < sc->w; x++) {
      size_t p = (size_t) y * sc->w + x;
      d[p] = d[p] > fl ? d[p] - fl : 0.0f;
      sc->fg[p] = d[p];
      int moving = r && r[p] > sc->flow_noise;
      if (moving || relearn)
        d[p] = 0.0f;            /* moving, or no background yet: not
                                 * stationary */
      c[(y / sc->cell) * sc->gw + x / sc->cell] += d[p];
      if (relearn && !moving) {
        /* re-learning: the mean of the pixel's still frames */
        sc->still_age[p] += 1.0f;
        sc->bg_live[p] += (gray[p] - sc->bg_live[p]) / sc->still_age[p];
      } else if (sc->cfg.static_absorb > 0 && !relearn) {
        /* what has stayed long enough joins this stream's background */
        sc->still_age[p] = d[p] > 0.0f ? sc->still_age[p] + 1.0f : 0.0f;
        if (sc->still_age[p] >= (float) sc->cfg.static_absorb) {
          sc->bg_live[p] = gray[p];
          if (colour) {
            sc->bgc_live[p] = sc->uv[p];
            sc->bgc_live[sc->hw + p] = sc->uv[sc->hw + p];
          }
          sc->still_age[p] = 0.0f;
        }
      }
    }
  if (relearn && --sc->relearn == 0)
    memset (sc->still_age, 0, sizeof (float) * sc->hw);
  if (sc->chroma)
    shadows (sc, gray, sc->bg_live, gain, sc->fg);
  /* a gray model, or a colour model on a gray frame: no colour to test */
  if ((sc->ci == 1 || !sc->colourful) && sc->cfg.map_dark < 1.0f)
    dark_pixels (sc, gray, sc->bg_live, gain, sc->fg);
  float a = 1.0f / sc->cfg.static_rise;
  for (int k = 0; k < sc->ncells; k++) {
    int gy = k / sc->gw, gx = k % sc->gw;
    int ny = (gy + 1) * sc->cell > sc->h ? sc->h - gy * sc->cell : sc->cell;
    int nx = (gx + 1) * sc->cell > sc->w ? sc->w - gx * sc->cell : sc->cell;
    float v = c[k] / (float) (ny * nx);
    /* rises slowly, falls at once: only what stays builds up; nothing is
     * known to stay at the first frame */
    if (!sc->have_still)
      out[k] = 0.0f;
    out[k] = v > out[k] ? out[k] + a * (v - out[k]) : v;
  }
  sc->have_still = 1;
  if (!want_map)
    return;
  if (sc->cfg.map_gate)
    cell_share (sc, d, sg, c);
  else
    for (int p = 0; p < sc->hw; p++)
      sg[p] = 1.0f;
}

/* sc->cells = raw motion per cell of feat against sc->prev (zeros without
 * a previous frame): the mean absolute difference, or with motion_comp the
 * same after removing brightness change and camera shake; then the
 * motion-pattern novelty per cell (zeros without a learned model); the
 * stationary change unless its weight is 0; the wandering unless its
 * weight is 0 (zeros without a learned model, whose noise level it
 * needs); and sc->gate when want_map (always in a full scorer). */
static void
motion_cells (ad_scorer *sc, const float *feat, int want_map)
{
  int ok = ad_flow_push (sc->flow, feat, sc->ci, sc->cfg.motion_comp);
  want_map = want_map || sc->full;
  float *nov = sc->cells + sc->ncells;
  if (!sc->have_prev || !ok)
    memset (sc->cells, 0, sizeof (float) * sc->ncells);
  else if (sc->cfg.motion_comp)
    memcpy (sc->cells, ad_flow_energy (sc->flow),
        sizeof (float) * sc->ncells);
  else {
    ad_motion_cells (feat, sc->prev, sc->ci, sc->h, sc->w, sc->cell,
        sc->cells);
    for (int k = 0; sc->span > 1 && k < sc->ncells; k++)
      sc->cells[k] /= (float) sc->span;     /* per frame across a gap */
  }
  sc->span = 1;
  if (ok && sc->flow_dist)
    ad_flow_novelty (sc->flow, sc->flow_dist->data, sc->cfg.flow_bins,
        sc->flow_noise,
        sc->flow_accel, sc->cfg.flow_window, nov);
  else
    memset (nov, 0, sizeof (float) * sc->ncells);
  float *wan = sc->cells + 3 * (size_t) sc->ncells;
  if (ok && sc->flow_dist && (sc->full || sc->cfg.wander_weight > 0.0f))
    ad_flow_wander (sc->flow, sc->flow_noise, sc->cfg.flow_window,
        sc->cfg.wander_frames, wan);
  else
    memset (wan, 0, sizeof (float) * sc->ncells);
  /* the background difference also shapes the map's motion gate and
   * its silhouettes */
  int gate_fg = want_map && sc->cfg.map_gate && sc->bg != NULL;
  int out_fg = want_map && sc->cfg.map_outside < 1.0f && sc->bg != NULL;
  if (sc->full || sc->cfg.static_weight > 0.0f || gate_fg || out_fg)
    static_cells (sc, feat, ok && sc->have_prev, want_map);
  else
    memset (sc->cells + 2 * (size_t) sc->ncells, 0,
        sizeof (float) * sc->ncells);
  if (want_map) {
    motion_gate (sc, ok && sc->have_prev, gate_fg);
    silhouettes (sc, out_fg);
  }
  /* cells left out read nothing in any part */
  for (int k = 0; sc->cign && k < sc->ncells; k++)
    for (int part = 0; sc->cign[k] && part < AD_CELL_PARTS; part++)
      sc->cells[(size_t) part * sc->ncells + k] = 0.0f;
}

/* Largest value of cell part `part` (0-3, as in sc->cells). */
static float
cell_max (const ad_scorer *sc, const float *cells, int part)
{
  const float *v = cells + (size_t) part * sc->ncells;
  float mx = 0.0f;
  for (int i = 0; i < sc->ncells; i++)
    mx = v[i] > mx ? v[i] : mx;
  return mx;
}

/* dst [n] = src [n] less base [n] (NULL: nothing), clamped at 0; returns
 * the largest. */
static float
less_normal (const float *src, const float *base, float *dst, int n)
{
  float mx = 0.0f;
  for (int i = 0; i < n; i++) {
    float v = base ? src[i] - base[i] : src[i];
    dst[i] = v > 0.0f ? v : 0.0f;
    mx = dst[i] > mx ? dst[i] : mx;
  }
  return mx;
}

/* dst [4, ncells] = the cell parts as scored: src [4, ncells] with the
 * motion part less its normal mean per cell when cfg.motion_sub_mean and
 * the stationary change less its normal level when cfg.static_normal
 * (each clamped at 0); returns the max of the motion part. */
static float
scored_cells (const ad_scorer *sc, const float *src, float *dst)
{
  int nc = sc->ncells;
  memcpy (dst + nc, src + nc, sizeof (float) * (AD_CELL_PARTS - 1) * nc);
  const float *mu = sc->cfg.motion_sub_mean && sc->motion_mean ?
      sc->motion_mean->data : NULL;
  const float *sb = sc->cfg.static_normal ? sc->static_level : NULL;
  if (sb)
    less_normal (src + 2 * nc, sb, dst + 2 * nc, nc);
  return less_normal (src, mu, dst, nc);
}

static void
remember (ad_scorer *sc, const float *feat)
{
  memcpy (sc->prev, feat, sizeof (float) * (size_t) sc->ci * sc->hw);
  sc->have_prev = 1;
}

/* Median of v [n], n <= AD_SCORE_WINDOW_MAX (mean of the two middle values
 * for even n). */
static float
window_median (const float *v, int n)
{
  float s[AD_SCORE_WINDOW_MAX];
  for (int i = 0; i < n; i++) {
    int j = i;
    for (; j > 0 && s[j - 1] > v[i]; j--)
      s[j] = s[j - 1];
    s[j] = v[i];
  }
  return n % 2 ? s[n / 2] : 0.5f * (s[n / 2 - 1] + s[n / 2]);
}

/* Temporal window of the learned and plain-motion parts: the median of
 * their fused values over the latest score_window frames since the last
 * reset (causal). */
static float
windowed (ad_scorer *sc, float fast)
{
  int n = sc->cfg.score_window;
  if (n <= 1)
    return fast;
  sc->recent[sc->n_recent % n] = fast;
  sc->n_recent++;
  return window_median (sc->recent, sc->n_recent < n ? sc->n_recent : n);
}

/* Largest of v [ncells] (at least 0) over the 3x3 cells around cell k. */
static float
max_around (const ad_scorer *sc, const float *v, int k)
{
  int gh = sc->ncells / sc->gw, gy = k / sc->gw, gx = k % sc->gw;
  float mx = 0.0f;
  for (int y = gy - 1; y <= gy + 1; y++)
    for (int x = gx - 1; x <= gx + 1; x++)
      if (y >= 0 && y < gh && x >= 0 && x < sc->gw)
        mx = v[y * sc->gw + x] > mx ? v[y * sc->gw + x] : mx;
  return mx;
}

/* The motion-pattern and wandering frame scores over time: running means
 * that each frame moves 1/cfg.flow_smooth of the way up, or with
 * cfg.flow_release 1/flow_release of the way down (when shorter), from 0
 * at a reset (causal). */
static float
smoothed (const ad_scorer *sc, float *mean, float v)
{
  float n = sc->cfg.flow_smooth, r = sc->cfg.flow_release;
  *mean += (v - *mean) / (v < *mean && r > 0.0f && r < n ? r : n);
  return *mean;
}

/* Cells of cells [4, ncells] whose motion is above the motion patterns'
 * energy gate. */
static int
moving_cells (const ad_scorer *sc, const float *cells)
{
  int n = 0;
  for (int k = 0; k < sc->ncells; k++)
    n += cells[k] > sc->flow_noise;
  return n;
}

/* The motion-pattern frame score v of a frame with `moving` moving cells,
 * less what its busyness alone would give (flow_busy): with more moving
 * cells than a normal frame (busy_ref), the largest of their running
 * means is that much more likely to hold a normal walker's odd vector.
 * For a tail falling by a factor 10 every busy_scale x ln 10, the largest
 * of n cells reaches busy_scale x ln (n / busy_ref) further than the
 * largest of busy_ref; that much (times flow_busy) is taken off, never
 * below 0. */
static float
less_busy (const ad_scorer *sc, float v, int moving)
{
  float w = sc->cfg.flow_busy * sc->busy_scale;
  if (w <= 0.0f || sc->busy_ref <= 0.0f || (float) moving <= sc->busy_ref)
    return v;
  v -= w * logf ((float) moving / sc->busy_ref);
  return v > 0.0f ? v : 0.0f;
}

/* Part `part` (1: motion pattern, 3: wandering) of cells [4, ncells] over
 * time with cfg.flow_track: each cell's running mean mean [ncells] moves
 * (as smoothed moves it) toward the largest value of its 3x3
 * neighbourhood (a slow mover stays within it from one frame to the
 * next); returns the largest mean.  Odd vectors of different walkers in
 * different places do not add up, a wanderer's do. */
static float
tracked (const ad_scorer *sc, float *mean, const float *cells, int part)
{
  const float *v = cells + (size_t) part * sc->ncells;
  float mx = 0.0f;
  for (int k = 0; k < sc->ncells; k++) {
    smoothed (sc, &mean[k], max_around (sc, v, k));
    mx = mean[k] > mx ? mean[k] : mx;
  }
  return mx;
}

/* The motion-pattern (part 1) or wandering (part 3) frame score of cells
 * [4, ncells]: the running mean of the largest cell, or with
 * cfg.flow_track the largest per-cell running mean (tracked). */
static float
part_over_time (ad_scorer *sc, const float *cells, int part)
{
  if (sc->refill) {             /* no vectors yet: hold, do not decay */
    if (!sc->cfg.flow_track)
      return part == 1 ? sc->flow_mean : sc->wander_mean;
    const float *mean = sc->track + (part == 1 ? 0 : sc->ncells);
    float mx = 0.0f;
    for (int k = 0; k < sc->ncells; k++)
      mx = mean[k] > mx ? mean[k] : mx;
    return mx;
  }
  if (sc->cfg.flow_track)
    return tracked (sc, sc->track + (part == 1 ? 0 : sc->ncells), cells,
        part);
  return smoothed (sc, part == 1 ? &sc->flow_mean : &sc->wander_mean,
      cell_max (sc, cells, part));
}

/* The learned and plain-motion parts, each already divided by its spread
 * on normal footage, fused as cfg->fuse says. */
static float
fuse_fast (const ad_config *cfg, float a, float b)
{
  switch (cfg->fuse) {
    case AD_FUSE_LEARNED: return a;
    case AD_FUSE_MOTION: return b;
    case AD_FUSE_MAX: return a > b ? a : b;
    default: return cfg->fuse_weight * a + (1.0f - cfg->fuse_weight) * b;
  }
}

/* fuse_fast's value joined with the motion-pattern (c), stationary-
 * change (d) and wandering (e) parts, each already divided by its spread
 * (the wandering by 1 when the model does not divide it: px/frame). */
static float
fuse_join (const ad_config *cfg, float fast, float c, float d, float e)
{
  switch (cfg->fuse) {
    case AD_FUSE_LEARNED:
    case AD_FUSE_MOTION: return fast;
    case AD_FUSE_MAX: {
      float m = cfg->flow_weight > 0.0f && c > fast ? c : fast;
      m = cfg->static_weight > 0.0f && d > m ? d : m;
      return cfg->wander_weight * e > m ? cfg->wander_weight * e : m;
    }
    default: return fast + cfg->flow_weight * c + cfg->static_weight * d +
        cfg->wander_weight * e;
  }
}

/* The five parts divided by their spreads on normal footage (s[AD_PARTS]:
 * learned, motion, motion pattern, stationary change, wandering), fused as
 * cfg->fuse says (one pixel of the map). */
static float
fuse (const ad_config *cfg, float l, float mo, float fl, float sti,
    float wa, const float *s)
{
  return fuse_join (cfg, fuse_fast (cfg, l / s[0], mo / s[1]), fl / s[2],
      sti / s[3], wa / s[4]);
}

/* The frame score from its five raw parts: the learned and plain-motion
 * parts, whose one-frame spikes are noise, as the median of the latest
 * score_window frames; the motion pattern and the wandering (their own
 * running means, flow_smooth) and the stationary change (its own rise) as
 * they are. */
static float
frame_fuse (ad_scorer *sc, float l, float mo, float fl, float sti,
    float wa, const float *s)
{
  float fast = windowed (sc, fuse_fast (&sc->cfg, l / s[0], mo / s[1]));
  return fuse_join (&sc->cfg, fast, fl / s[2], sti / s[3], wa / s[4]);
}

/* sc->fspread [ncells] = the motion-pattern part as the map paints it:
 * in a cell that moves (energy above the motion noise), the larger of its
 * own novelty and map_neighbour x the largest of its 8 neighbours';
 * elsewhere its own.  cells [4, ncells] as fuse_map's. */
static void
spread_novelty (const ad_scorer *sc, const float *cells)
{
  const float *mo = cells, *nov = cells + sc->ncells;
  for (int k = 0; k < sc->ncells; k++) {
    float v = nov[k];
    if (mo[k] > sc->flow_noise) {
      float u = sc->cfg.map_neighbour * max_around (sc, nov, k);
      v = u > v ? u : v;
    }
    sc->fspread[k] = v;
  }
}

/* out [hw] = per-pixel fusion of lmap [hw] and the cell values of each
 * pixel (nearest cell) from cells [4, ncells] (motion, motion pattern,
 * stationary change, wandering), the motion parts weighted by gate [hw], the
 * stationary one by gate [hw..2hw), the whole by the silhouette factor
 * gate [2hw..3hw) (map_outside); the motion pattern spread to moving
 * neighbours (spread_novelty); with cfg.map_track the motion pattern and
 * the wandering no more than the cell's running mean (sc->track, which
 * part_over_time has brought up to this frame).  With two or more parts
 * (fuse SUM or MAX), the learned, plain-motion and wandering parts are
 * weighted by map_learned, map_motion and map_wander on top of their
 * frame-score weights: every normal mover leaves prediction error and
 * motion (and at a slow camera some wandering), only anomalies leave
 * novelty. */
static void
fuse_map (ad_scorer *sc, const float *lmap, const float *cells,
    const float *gate, const float *s, float *out)
{
  const float *sg = gate + sc->hw, *og = gate + 2 * (size_t) sc->hw;
  int mixed = sc->cfg.fuse == AD_FUSE_SUM || sc->cfg.fuse == AD_FUSE_MAX;
  float ml = mixed ? sc->cfg.map_learned : 1.0f;
  float mm = mixed ? sc->cfg.map_motion : 1.0f;
  float mw = mixed ? sc->cfg.map_wander : 1.0f;
  spread_novelty (sc, cells);
  /* map_track: no more than the cell's running mean (one-off odd vectors
   * fade from the map as from the score) */
  const float *tf = sc->cfg.map_track && sc->cfg.flow_track ? sc->track :
      NULL, *tw = tf ? tf + sc->ncells : NULL;
  for (int k = 0; tf && k < sc->ncells; k++)
    sc->fspread[k] = tf[k] < sc->fspread[k] ? tf[k] : sc->fspread[k];
  for (int y = 0; y < sc->h; y++) {
    size_t row = (size_t) (y / sc->cell) * sc->gw;
    const float *crow = cells + row, *frow = sc->fspread + row;
    const float *srow = cells + 2 * (size_t) sc->ncells + row;
    const float *wrow = cells + 3 * (size_t) sc->ncells + row;
    for (int x = 0; x < sc->w; x++) {
      size_t p = (size_t) y * sc->w + x;
      int k = x / sc->cell;
      float wv = tw && tw[row + k] < wrow[k] ? tw[row + k] : wrow[k];
      out[p] = og[p] * fuse (&sc->cfg, ml * lmap[p], mm * gate[p] * crow[k],
          gate[p] * frow[k], sg[p] * srow[k], mw * gate[p] * wv, s);
    }
  }
  for (int p = 0; sc->ign && p < sc->hw; p++)
    if (sc->ign[p])
      out[p] = 0.0f;
}

void
ad_part_scales (const ad_model *m, const ad_config *cfg, float *s)
{
  const ad_calib *c = &m->calib;
  const ad_tensor *fs = ad_model_tensor ((ad_model *) m, "flow_stats");
  const ad_tensor *ss = ad_model_tensor ((ad_model *) m, "static_stats");
  const ad_tensor *ws = ad_model_tensor ((ad_model *) m, "wander_stats");
  s[0] = c->valid && c->learned_scale > 0.0f ? c->learned_scale : 1.0f;
  s[1] = c->valid && c->motion_scale > 0.0f ? c->motion_scale : 1.0f;
  s[2] = c->valid && fs && fs->count >= 3 && fs->data[2] > 0.0f ?
      fs->data[2] : 1.0f;
  s[3] = c->valid && ss && ss->count >= 2 && ss->data[1] > 0.0f ?
      ss->data[1] : 1.0f;
  s[4] = c->valid && cfg->wander_norm && ws && ws->count >= 1 &&
      ws->data[0] > 0.0f ? ws->data[0] : 1.0f;
}

/* The scorer's spreads: its model's, with its own settings. */
static void
scales (const ad_scorer *sc, float *s)
{
  ad_part_scales (sc->m, &sc->cfg, s);
}

ad_status
ad_scorer_process (ad_scorer *sc, const float *feat, const float *recon,
    float *map, ad_score *out, ad_error *err)
{
  if (!sc || !feat || !out)
    return ad_fail (err, AD_ERR_ARG, "missing argument");
  float floor = learned_map (sc, feat, recon);
  standardise (sc, sc->lmap, sc->lmap);
  float learned = recon ? ad_topk_mean (sc->lmap, sc->hw,
      sc->cfg.topk_frac, sc->tmp) : 0.0f;
  sc->switched = 0;
  motion_cells (sc, feat, map != NULL);
  float motion = scored_cells (sc, sc->cells, sc->cwork);
  remember (sc, feat);
  /* after lost frames, the running means move again once the motion
   * patterns have a full window of pairs */
  if (sc->refill && ad_flow_pairs (sc->flow) >= sc->cfg.flow_window)
    sc->refill = 0;

  float flow = less_busy (sc, part_over_time (sc, sc->cells, 1),
      moving_cells (sc, sc->cells));
  float still = cell_max (sc, sc->cwork, 2);
  float wander = part_over_time (sc, sc->cells, 3);
  const ad_calib *c = &sc->m->calib;
  float s[AD_PARTS];
  scales (sc, s);
  out->learned_raw = learned;
  out->motion_raw = motion;
  out->flow_raw = flow;
  out->static_raw = still;
  out->wander_raw = wander;
  out->fused_raw = frame_fuse (sc, learned, motion, flow, still, wander, s);
  out->floor = floor;
  out->switched = sc->switched;
  int cal = c->valid && c->threshold > 0.0f;
  out->score = cal ? out->fused_raw / c->threshold : out->fused_raw;
  if (map) {
    fuse_map (sc, sc->lmap, sc->cwork, sc->gate, s, map);
    if (c->valid && c->pixel_threshold > 0.0f) {
      float k = 1.0f / c->pixel_threshold;
      for (int p = 0; p < sc->hw; p++)
        map[p] *= k;
    }
  }
  return AD_OK;
}

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
  float *recon;             /* [co, H, W] */
  float *maps;              /* [n, hw] stored learned maps, or NULL */
  float *cells;             /* [n, AD_CELL_PARTS, ncells] stored raw cells,
                             * or NULL */
  float *gates;             /* [n, AD_GATE_PLANES, hw] stored gates, or
                             * NULL */
  uint8_t *valid;           /* [n] 1 when the frame had an estimate */
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
    *valid = r->valid[i];
    return AD_OK;
  }
  if (i == 0 || (r->seg && r->seg[i])) {
    ad_stream_reset (r->st);
    ad_scorer_reset (sc);
  }
  const float *feat = r->frames + (size_t) i * r->fs;
  int v = 0;
  ad_status s = ad_stream_process (r->st, feat, r->recon, &v, err);
  if (s != AD_OK)
    return s;
  learned_map (sc, feat, v ? r->recon : NULL);
  motion_cells (sc, feat, 1);
  remember (sc, feat);
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
    r->valid[i] = (uint8_t) v;
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

/* The busy-frame statistics (flow_busy, less_busy) into sc and the
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
  size_t nbuf = (size_t) (nv * 10 > ns_max * 2 ? nv * 10 : ns_max * 2);
  float *buf = ad_alloc (nbuf);
  /* busy frames: the moving cells' running means of every fstride-th
   * frame, [np_max] and its tmp [np_max] */
  int64_t fstride = (nv * sc->ncells + AD_BUSY_MAX - 1) / AD_BUSY_MAX;
  int64_t np_max = nv / fstride * sc->ncells + sc->ncells, np = 0;
  float *pool = cfg->flow_track ? ad_alloc (2 * (size_t) np_max) : NULL;
  if (!buf || (cfg->flow_track && !pool)) {
    ad_free (buf);
    ad_free (pool);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory for calibration");
  }
  /* learned [nv], motion [nv], motion pattern [nv], stationary [nv] (as
   * scored) and [nv] (before static_normal), wandering [nv], fused [nv],
   * tmp [nv], beg [nv] (1 at a segment start), moving cells [nv]; later
   * samples [ns_max] and tmp [ns_max] */
  float *lr = buf, *mr = lr + nv, *flr = mr + nv, *sr = flr + nv,
      *srw = sr + nv, *wr = srw + nv, *fr = wr + nv, *tmp = fr + nv,
      *beg = tmp + nv, *mv = beg + nv;
  float s[AD_PARTS];
  ad_tensor *fst = ad_model_tensor (m, "flow_stats");
  ad_tensor *sst = ad_model_tensor (m, "static_stats");
  ad_tensor *wst = ad_model_tensor (m, "wander_stats");
  ad_status st = AD_OK;
  int64_t j = 0, prev_i = -1;
  for (int64_t i = 0; i < r->n && st == AD_OK; i++) {
    const float *lmap, *cells, *gate;
    int v;
    if ((st = calib_frame (r, i, &lmap, &cells, &gate, &v, err)) != AD_OK ||
        !v)
      continue;
    standardise (sc, lmap, sc->work);
    lr[j] = ad_topk_mean (sc->work, sc->hw, cfg->topk_frac, sc->tmp);
    calib_level (r, i);
    mr[j] = scored_cells (sc, cells, sc->cwork);
    /* the motion pattern and the wandering over time, as the live
     * scorer keeps them, restarted where it would restart */
    beg[j] = run_start (r, i, prev_i);
    if (beg[j])
      restart_windows (sc);
    flr[j] = part_over_time (sc, cells, 1);
    mv[j] = (float) moving_cells (sc, cells);
    for (int k = 0; pool && j % fstride == 0 && k < sc->ncells; k++)
      if (cells[k] > sc->flow_noise)
        pool[np++] = sc->track[k];
    sr[j] = cell_max (sc, sc->cwork, 2);
    srw[j] = cell_max (sc, cells, 2);
    wr[j] = part_over_time (sc, cells, 3);
    prev_i = i;
    j++;
  }
  if (st == AD_OK) {
    c->learned_scale = positive (ad_quantile (lr, nv, 0.99f, tmp));
    c->motion_scale = positive (ad_quantile (mr, nv, 0.99f, tmp));
    s[0] = c->learned_scale;
    s[1] = c->motion_scale;
    /* busy frames (less_busy), then the novelty's spread as scored: it
     * is zero on most normal frames, so its spread is taken at the 99th
     * percentile but not below AD_FLOW_FLOOR */
    busy_stats (sc, m, mv, nv, pool, np, fr, tmp);
    for (int64_t k = 0; k < nv; k++)
      flr[k] = less_busy (sc, flr[k], (int) mv[k]);
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
    /* the live scorer's temporal window, restarted at segment starts */
    for (int64_t k = 0; k < nv; k++) {
      if (beg[k])
        restart_windows (sc);
      fr[k] = frame_fuse (sc, lr[k], mr[k], flr[k], sr[k], wr[k], s);
    }
    fill_q (c->learned_q, lr, nv, tmp);
    fill_q (c->motion_q, mr, nv, tmp);
    fill_q (c->fused_q, fr, nv, tmp);
    c->threshold = cfg->calib_margin *
        positive (ad_tail_quantile (fr, nv, cfg->calib_quantile, tmp));
  }
  ad_free (pool);
  /* pixel pass */
  float *smp = buf, *stmp = buf + ns_max;
  int64_t ns = 0, g = 0;
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
        restart_windows (sc);
      part_over_time (sc, cells, 1);
      part_over_time (sc, cells, 3);
    }
    prev_i = i;
    standardise (sc, lmap, sc->work);
    calib_level (r, i);
    scored_cells (sc, cells, sc->cwork);
    fuse_map (sc, sc->work, sc->cwork, gate, s, sc->fmap);
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
  if (st == AD_OK && (!(r.recon = ad_alloc ((size_t) r.sc->co * r.sc->hw)) ||
          !(r.levels = ad_alloc (2 * (size_t) r.sc->ncells))))
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory for calibration");
  if (st == AD_OK) {
    /* floats stored per frame: the learned map, the gates, the cells */
    size_t per = (1 + AD_GATE_PLANES) * (size_t) r.sc->hw +
        AD_CELL_PARTS * (size_t) r.sc->ncells;
    if ((size_t) n <= AD_CALIB_STORE_MAX / per) {
      r.maps = ad_alloc ((size_t) n * r.sc->hw);
      r.gates = ad_alloc ((size_t) n * AD_GATE_PLANES * r.sc->hw);
      r.cells = ad_alloc ((size_t) n * AD_CELL_PARTS * r.sc->ncells);
      r.valid = calloc ((size_t) n, 1);
      if (!r.maps || !r.gates || !r.cells || !r.valid) {
        /* not fatal: recompute on every pass instead */
        ad_free (r.maps);
        ad_free (r.gates);
        ad_free (r.cells);
        free (r.valid);
        r.maps = r.cells = r.gates = NULL;
        r.valid = NULL;
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
  free (r.valid);
  ad_free (r.recon);
  ad_free (r.levels);
  ad_scorer_free (r.sc);
  ad_stream_free (r.st);
  return st;
}
