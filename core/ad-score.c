/* ad-score.c - the scorer: creation, reset and lost frames, the learned
 * error map, the motion cells, the frame score's fusion over time and the
 * per-frame flow (ad_scorer_process).  The per-pixel comparison with the
 * background and the heatmap are in ad-score-map.c, calibration in
 * ad-calib.c, the statistics they use in ad-stats.c; the scorer's state
 * and the steps these files share in ad-score-internal.h.  The pipeline
 * and the formulas are described in docs/scoring.md; keep the two in
 * step. */
#include "ad-score-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* 1 when the mask t [n] marks any pixel (> 0.5). */
static int
marks_any (const ad_tensor *t, int n)
{
  for (size_t p = 0; t && t->count == (size_t) n && p < t->count; p++)
    if (t->data[p] > 0.5f)
      return 1;
  return 0;
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
  sc->feat = ad_model_recon_channels (m) > sc->co;
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
  if (marks_any (t, sc->hw) && !leave_out (sc, t->data)) {
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
  ad_flow_set_refine (sc->flow, m->cfg.flow_refine);
  ad_flow_set_gain (sc->flow, m->cfg.flow_gain);
  /* flow_shade: the pixels whose changes of light alone the motion
   * patterns were learned without */
  t = ad_model_tensor (mm, "shade_pixels");
  if (marks_any (t, sc->hw) && sc->flow_dist && m->cfg.flow_shade > 0.0f)
    ad_flow_set_shade (sc->flow, t->data);
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
    /* static_clear's pieces at the edge, static_people's everywhere */
    int pieces = sc->cfg.static_clear > 0 || sc->cfg.train_height > 0.0f;
    if (pieces) {
      sc->near = malloc (2 * (size_t) sc->hw);
      sc->piece = malloc (sizeof (int) * (size_t) sc->hw);
      sc->plabel = malloc (sizeof (int) * (size_t) sc->hw);
    }
    if (sc->cfg.static_clear > 0)
      sc->still_hold = ad_alloc (sc->hw);
    if (sc->cfg.static_hold > 0)
      sc->still_seen = ad_alloc (2 * (size_t) sc->hw);
    if (sc->cfg.static_window > 0)
      sc->integ = malloc (sizeof (double) * (size_t) (sc->h + 1) *
          (size_t) (sc->w + 1));
    if (!sc->bg_live || !sc->still_age ||
        (sc->cfg.static_window > 0 && !sc->integ) ||
        (pieces && (!sc->near || !sc->piece || !sc->plabel)) ||
        (sc->cfg.static_clear > 0 && !sc->still_hold) ||
        (sc->cfg.static_hold > 0 && !sc->still_seen)) {
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
  sc->held = ad_alloc ((size_t) sc->ncells * AD_CELL_PARTS);
  sc->cwork = ad_alloc ((size_t) sc->ncells * AD_CELL_PARTS);
  sc->fspread = ad_alloc (sc->ncells);
  sc->track = ad_alloc (2 * (size_t) sc->ncells);
  sc->gate = ad_alloc ((size_t) sc->hw * AD_GATE_PLANES);
  sc->bgd = ad_alloc (sc->hw);
  sc->lit = ad_alloc (sc->hw);
  sc->lskip = calloc ((size_t) sc->hw, 1);
  sc->fg = ad_alloc (sc->hw);
  if (sc->ci == 3 && (!(sc->uv = ad_alloc (2 * (size_t) sc->hw)) ||
          (sc->cfg.map_shadow < 1.0f &&
              !(sc->chroma = ad_alloc (2 * (size_t) sc->hw))))) {
    ad_scorer_free (sc);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  if (!sc->prev || !sc->lmap || !sc->work || !sc->tmp || !sc->resid ||
      !sc->fmap ||
      !sc->cells || !sc->held || !sc->cwork || !sc->gate || !sc->bgd ||
      !sc->lit || !sc->fg || !sc->lskip ||
      !sc->fspread || !sc->track) {
    ad_scorer_free (sc);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  memset (sc->track, 0, sizeof (float) * 2 * (size_t) sc->ncells);
  memset (sc->held, 0, sizeof (float) * AD_CELL_PARTS * (size_t) sc->ncells);
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
  ad_free (sc->held);
  ad_free (sc->cwork);
  ad_free (sc->gate);
  ad_free (sc->bgd);
  ad_free (sc->lit);
  free (sc->lskip);
  ad_free (sc->fg);
  ad_free (sc->chroma);
  ad_free (sc->fspread);
  ad_free (sc->track);
  ad_free (sc->bg_live);
  ad_free (sc->bgc_live);
  ad_free (sc->uv);
  ad_free (sc->cdiff);
  ad_free (sc->still_age);
  free (sc->near);
  ad_free (sc->still_hold);
  ad_free (sc->still_seen);
  free (sc->integ);
  free (sc->piece);
  free (sc->plabel);
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
void
ad_sc_restart_windows (ad_scorer *sc)
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
    sc->n_held = 0;
    sc->held_now = 0;
    sc->light_share = 0.0f;
    sc->have_chroma = 0;
    sc->mode = 1;
    sc->mode_run = 0;
    sc->relearn = 0;
    ad_sc_restart_windows (sc);
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
   * resolution; at half resolution, a close camera's, it is not) */
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
float
ad_sc_learned_map (ad_scorer *sc, const float *feat, const float *recon)
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
void
ad_sc_standardise (const ad_scorer *sc, const float *src, float *dst)
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

/* shake_hold: in a frame whose motion-pattern window (flow_window pairs)
 * holds a pair in which the camera jumped (ad_flow_shaken), every part of
 * sc->cells takes its value from the latest frame without one (sc->held),
 * for the first shake_hold frames of such a run (a camera that keeps
 * shaking is then scored as it is); other frames are kept in sc->held.
 * The jump's compensation leaves motion in every cell and no vector to
 * compare (window_vector): the plain motion would spike, the running
 * means fall and the stationary change start its build-up again.  The
 * running means stand still in a held frame (sc->held_now,
 * ad_sc_part_over_time): fed the held cells again and again, they would
 * climb to what was one frame's novelty. */
static void
hold_after_jump (ad_scorer *sc, int moved)
{
  size_t n = sizeof (float) * AD_CELL_PARTS * (size_t) sc->ncells;
  sc->held_now = 0;
  if (moved && sc->cfg.shake_hold > 0 &&
      ad_flow_shaken (sc->flow, sc->cfg.flow_window)) {
    if (sc->n_held < sc->cfg.shake_hold) {
      sc->n_held++;
      sc->held_now = 1;
      memcpy (sc->cells, sc->held, n);
    }
    return;
  }
  memcpy (sc->held, sc->cells, n);
  sc->n_held = 0;
}

/* sc->cells = raw motion per cell of feat against sc->prev (zeros without
 * a previous frame): the mean absolute difference, or with motion_comp the
 * same after removing brightness change and camera shake; then the
 * motion-pattern novelty per cell (zeros without a learned model); the
 * stationary change unless its weight is 0; the wandering unless its
 * weight is 0 (zeros without a learned model, whose noise level it
 * needs); and sc->gate when want_map (always in a full scorer). */
void
ad_sc_motion_cells (ad_scorer *sc, const float *feat, int want_map)
{
  /* the motion fit takes the light by place (flow_light) while the cells'
   * light disagreed at the latest frame (light_engage) */
  ad_flow_set_local_light (sc->flow, sc->cfg.flow_light &&
      (sc->cfg.light_engage <= 0.0f || sc->light_share > 0.0f));
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
        sc->cfg.flow_range, sc->flow_noise,
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
    ad_sc_static_cells (sc, feat, ok && sc->have_prev, want_map);
  else
    memset (sc->cells + 2 * (size_t) sc->ncells, 0,
        sizeof (float) * sc->ncells);
  if (want_map) {
    ad_sc_motion_gate (sc, ok && sc->have_prev, gate_fg);
    ad_sc_silhouettes (sc, out_fg);
  }
  hold_after_jump (sc, ok && sc->have_prev);
  /* cells left out read nothing in any part */
  for (int k = 0; sc->cign && k < sc->ncells; k++)
    for (int part = 0; sc->cign[k] && part < AD_CELL_PARTS; part++)
      sc->cells[(size_t) part * sc->ncells + k] = 0.0f;
}

/* Largest value of cell part `part` (0-3, as in sc->cells). */
float
ad_sc_cell_max (const ad_scorer *sc, const float *cells, int part)
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
float
ad_sc_scored_cells (const ad_scorer *sc, const float *src, float *dst)
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

void
ad_sc_remember (ad_scorer *sc, const float *feat)
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
int
ad_sc_moving_cells (const ad_scorer *sc, const float *cells)
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
float
ad_sc_less_busy (const ad_scorer *sc, float v, int moving)
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
    smoothed (sc, &mean[k], ad_sc_max_around (sc, v, k));
    mx = mean[k] > mx ? mean[k] : mx;
  }
  return mx;
}

/* The motion-pattern (part 1) or wandering (part 3) frame score of cells
 * [4, ncells]: the running mean of the largest cell, or with
 * cfg.flow_track the largest per-cell running mean (tracked). */
float
ad_sc_part_over_time (ad_scorer *sc, const float *cells, int part)
{
  /* no vectors yet, or the cells held after a camera jump: hold, do not
   * decay */
  if (sc->refill || sc->held_now) {
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
      ad_sc_cell_max (sc, cells, part));
}

const char *const ad_score_part_names[AD_SCORE_PARTS] = {
  "learned", "motion", "pattern", "still", "wander", "feature"
};

/* The feature novelty of an estimate recon [co + 1, hw] with its plane
 * (ad-feat.c): the largest place's value; 0 without a plane. */
float
ad_sc_feat_value (const ad_scorer *sc, const float *recon)
{
  if (!sc->feat || !recon)
    return 0.0f;
  const float *pl = recon + (size_t) sc->co * sc->hw;
  float mx = pl[0];
  for (int p = 1; p < sc->hw; p++)
    mx = pl[p] > mx ? pl[p] : mx;
  return mx;
}

/* The frame score from its six raw parts: the learned and plain-motion
 * parts and the feature novelty, whose one-frame spikes are noise, as the
 * median of the latest score_window frames; the motion pattern and the
 * wandering (their own running means, flow_smooth) and the stationary
 * change (its own rise) as they are. */
float
ad_sc_frame_fuse (ad_scorer *sc, float l, float mo, float fl, float sti,
    float wa, float fe, const float *s)
{
  float fast = windowed (sc, ad_sc_fuse_feat (&sc->cfg,
          ad_sc_fuse_fast (&sc->cfg, l / s[0], mo / s[1]), fe / s[5]));
  return ad_sc_fuse_join (&sc->cfg, fast, fl / s[2], sti / s[3], wa / s[4]);
}

void
ad_part_scales (const ad_model *m, const ad_config *cfg, float *s)
{
  const ad_calib *c = &m->calib;
  const ad_tensor *fs = ad_model_tensor ((ad_model *) m, "flow_stats");
  const ad_tensor *ss = ad_model_tensor ((ad_model *) m, "static_stats");
  const ad_tensor *ws = ad_model_tensor ((ad_model *) m, "wander_stats");
  const ad_tensor *ft = ad_model_tensor ((ad_model *) m, "feat_stats");
  s[0] = c->valid && c->learned_scale > 0.0f ? c->learned_scale : 1.0f;
  s[1] = c->valid && c->motion_scale > 0.0f ? c->motion_scale : 1.0f;
  s[2] = c->valid && fs && fs->count >= 3 && fs->data[2] > 0.0f ?
      fs->data[2] : 1.0f;
  s[3] = c->valid && ss && ss->count >= 2 && ss->data[1] > 0.0f ?
      ss->data[1] : 1.0f;
  s[4] = c->valid && cfg->wander_norm && ws && ws->count >= 1 &&
      ws->data[0] > 0.0f ? ws->data[0] : 1.0f;
  s[5] = c->valid && ft && ft->count >= 3 && ft->data[2] > 0.0f ?
      ft->data[2] : 1.0f;
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
  float floor = ad_sc_learned_map (sc, feat, recon);
  ad_sc_standardise (sc, sc->lmap, sc->lmap);
  float learned = recon ? ad_topk_mean (sc->lmap, sc->hw,
      sc->cfg.topk_frac, sc->tmp) : 0.0f;
  sc->switched = 0;
  ad_sc_motion_cells (sc, feat, map != NULL);
  float motion = ad_sc_scored_cells (sc, sc->cells, sc->cwork);
  ad_sc_remember (sc, feat);
  /* after lost frames, the running means move again once the motion
   * patterns have a full window of pairs */
  if (sc->refill && ad_flow_pairs (sc->flow) >= sc->cfg.flow_window)
    sc->refill = 0;

  float flow = ad_sc_less_busy (sc, ad_sc_part_over_time (sc, sc->cells, 1),
      ad_sc_moving_cells (sc, sc->cells));
  float still = ad_sc_cell_max (sc, sc->cwork, 2);
  float wander = ad_sc_part_over_time (sc, sc->cells, 3);
  const ad_calib *c = &sc->m->calib;
  const ad_tensor *ft = ad_model_tensor ((ad_model *) sc->m, "feat_stats");
  /* over the held-back footage's median (calibration), at least 0 */
  float fnov = 0.0f;
  if (sc->feat && recon && ft && ft->count >= 3 && ft->data[2] > 0.0f) {
    fnov = ad_sc_feat_value (sc, recon) - ft->data[1];
    fnov = fnov > 0.0f ? fnov : 0.0f;
  }
  float s[AD_SCORE_PARTS];
  scales (sc, s);
  out->learned_raw = learned;
  out->motion_raw = motion;
  out->flow_raw = flow;
  out->static_raw = still;
  out->wander_raw = wander;
  out->feat_raw = fnov;
  out->fused_raw = ad_sc_frame_fuse (sc, learned, motion, flow, still,
      wander, fnov, s);
  out->floor = floor;
  out->switched = sc->switched;
  int cal = c->valid && c->threshold > 0.0f;
  out->score = cal ? out->fused_raw / c->threshold : out->fused_raw;
  float v[AD_SCORE_PARTS] = { learned / s[0], motion / s[1], flow / s[2],
    still / s[3], wander / s[4], fnov / s[5] };
  ad_sc_fuse_parts (&sc->cfg, v, out->part);
  for (int i = 0; i < AD_SCORE_PARTS; i++)
    out->part[i] /= cal ? c->threshold : 1.0f;
  if (map) {
    ad_sc_fuse_map (sc, sc->lmap, sc->cwork, sc->gate, s,
        fnov > 0.0f ? recon + (size_t) sc->co * sc->hw : NULL,
        ft ? ft->data[1] : 0.0f, map);
    if (cal)
      ad_sc_map_frame (&sc->cfg, out->score, map, (size_t) sc->hw);
    if (c->valid && c->pixel_threshold > 0.0f) {
      float k = 1.0f / c->pixel_threshold;
      for (int p = 0; p < sc->hw; p++)
        map[p] *= k;
    }
  }
  return AD_OK;
}
