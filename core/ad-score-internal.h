/* ad-score-internal.h - private to the scorer's files: ad-score.c (the
 * scorer and its per-frame flow), ad-score-map.c (the comparison with the
 * background per pixel and the heatmap) and ad-calib.c (calibration).  It
 * holds the scorer's state, the small helpers more than one of them
 * inlines and the steps that cross files.  The pipeline and the formulas
 * are described in docs/scoring.md. */
#ifndef AD_SCORE_INTERNAL_H
#define AD_SCORE_INTERNAL_H

#include "ad-internal.h"

/* Planes of sc->gate: the motion parts' share, the stationary change's,
 * and the silhouette factor (map_outside). */
#define AD_GATE_PLANES 3

/* ------------------------------------------------------------------------ */
/* Scorer                                                                   */

struct ad_scorer {
  const ad_model *m;
  ad_config cfg;            /* scoring settings at creation */
  int h, w, hw, ci, co;
  int feat;                 /* 1: the estimate carries a feature-novelty
                             * plane after its co planes (ad-feat.c) */
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
  float *held;              /* [AD_CELL_PARTS, ncells] the cells of the
                             * latest frame the camera held still in
                             * (shake_hold) */
  int n_held;               /* frames in a row held after the camera's
                             * jump (at most shake_hold) */
  int held_now;             /* 1: this frame's cells are sc->held's */
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
  float *lit;               /* [hw] the light on the background by place
                             * (ad_gain_field, static_light) */
  uint8_t *lskip;           /* [hw] 1 where a pixel does not count in the
                             * light estimate (left out, moving, or of
                             * another colour) */
  float light_share;        /* the share of the light by place at the
                             * latest frame (light_engage) */
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
  uint8_t *near;            /* [2, hw] with static_clear: the pixels that
                             * move grown by it (and scratch); with
                             * train_height alone scratch; else NULL */
  float *still_hold;        /* [hw] with static_clear: each pixel's
                             * stationary difference when it was last clear
                             * of motion, else NULL */
  float *still_seen;        /* [2, hw] with static_hold: each pixel's
                             * still difference when it was last seen
                             * (neither moving nor a person's), and the
                             * frames it had then lain still and
                             * different; else NULL */
  double *integ;            /* [(h + 1) (w + 1)] with static_window: the
                             * integral image of the still difference,
                             * else NULL */
  int *piece;               /* [hw] with static_clear or train_height: the
                             * pixels of one silhouette (hold_edge_pieces,
                             * still_people), else NULL */
  int *plabel;              /* [hw] with static_clear or train_height:
                             * each pixel's piece (still_people) or the
                             * pixels seen (hold_edge_pieces), else NULL */
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

/* ------------------------------------------------------------------------ */
/* Helpers of the frame score (ad-score.c) and of the map                   */
/* (ad-score-map.c), inlined in both as they were in one file               */

/* Largest of v [ncells] (at least 0) over the 3x3 cells around cell k. */
static inline float
ad_sc_max_around (const ad_scorer *sc, const float *v, int k)
{
  int gh = sc->ncells / sc->gw, gy = k / sc->gw, gx = k % sc->gw;
  float mx = 0.0f;
  for (int y = gy - 1; y <= gy + 1; y++)
    for (int x = gx - 1; x <= gx + 1; x++)
      if (y >= 0 && y < gh && x >= 0 && x < sc->gw)
        mx = v[y * sc->gw + x] > mx ? v[y * sc->gw + x] : mx;
  return mx;
}

/* The learned and plain-motion parts, each already divided by its spread
 * on normal footage, fused as cfg->fuse says. */
static inline float
ad_sc_fuse_fast (const ad_config *cfg, float a, float b)
{
  switch (cfg->fuse) {
    case AD_FUSE_LEARNED: return a;
    case AD_FUSE_MOTION: return b;
    case AD_FUSE_MAX: return a > b ? a : b;
    default: return cfg->fuse_weight * a + (1.0f - cfg->fuse_weight) * b;
  }
}

/* ad_sc_fuse_fast's value with the feature novelty f (already divided by
 * its spread), before their temporal median. */
static inline float
ad_sc_fuse_feat (const ad_config *cfg, float fast, float f)
{
  switch (cfg->fuse) {
    case AD_FUSE_LEARNED:
    case AD_FUSE_MOTION: return fast;
    case AD_FUSE_MAX: return cfg->feat_weight > 0.0f && f > fast ? f : fast;
    default: return fast + cfg->feat_weight * f;
  }
}

/* ad_sc_fuse_fast's value joined with the motion-pattern (c), stationary-
 * change (d) and wandering (e) parts, each already divided by its spread
 * (the wandering by 1 when the model does not divide it: px/frame). */
static inline float
ad_sc_fuse_join (const ad_config *cfg, float fast, float c, float d, float e)
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

/* Each part's term in ad_sc_fuse_join's value, as ad_score.part: v
 * [AD_SCORE_PARTS] = the six parts, each already divided by its spread
 * (a, b, c, d, e and f above); with MAX each competes as it is, a part of
 * weight 0 and, with LEARNED or MOTION, every other part is 0. */
static inline void
ad_sc_fuse_parts (const ad_config *cfg, const float *v, float *out)
{
  for (int i = 0; i < AD_SCORE_PARTS; i++)
    out[i] = 0.0f;
  switch (cfg->fuse) {
    case AD_FUSE_LEARNED: out[0] = v[0]; return;
    case AD_FUSE_MOTION: out[1] = v[1]; return;
    case AD_FUSE_MAX:
      out[0] = v[0];
      out[1] = v[1];
      out[2] = cfg->flow_weight > 0.0f ? v[2] : 0.0f;
      out[3] = cfg->static_weight > 0.0f ? v[3] : 0.0f;
      out[4] = cfg->wander_weight * v[4];
      out[5] = cfg->feat_weight > 0.0f ? v[5] : 0.0f;
      return;
    default:
      out[0] = cfg->fuse_weight * v[0];
      out[1] = (1.0f - cfg->fuse_weight) * v[1];
      out[2] = cfg->flow_weight * v[2];
      out[3] = cfg->static_weight * v[3];
      out[4] = cfg->wander_weight * v[4];
      out[5] = cfg->feat_weight * v[5];
  }
}

/* ------------------------------------------------------------------------ */
/* The scorer's steps (ad-score.c), also run by calibration                 */

/* The frame score's temporal state starts over (a reset, a segment). */
void ad_sc_restart_windows (ad_scorer *sc);
/* sc->lmap [hw] = the learned error map of frame feat [ci, hw] against
 * recon [co, hw] (zeros when recon is NULL): blurred, less its floor,
 * left-out pixels 0; the difference head's target uses sc->prev
 * [ci, hw].  Returns the floor removed. */
float ad_sc_learned_map (ad_scorer *sc, const float *feat, const float *recon);
/* dst [hw] = src [hw] standardised per pixel (cfg.pixel_std), else a copy
 * (dst may be src). */
void ad_sc_standardise (const ad_scorer *sc, const float *src, float *dst);
/* sc->cells [4, ncells] = the raw cell parts of frame feat [ci, hw]
 * (motion against sc->prev, motion pattern, stationary change,
 * wandering), and sc->gate [AD_GATE_PLANES, hw] when want_map or
 * sc->full. */
void ad_sc_motion_cells (ad_scorer *sc, const float *feat, int want_map);
/* sc->prev [ci, hw] = feat [ci, hw], the next frame's previous one. */
void ad_sc_remember (ad_scorer *sc, const float *feat);
/* Largest value of part `part` (0-3) of cells [4, ncells]. */
float ad_sc_cell_max (const ad_scorer *sc, const float *cells, int part);
/* dst [4, ncells] = the cell parts of src [4, ncells] as scored (normal
 * levels taken out as the settings say); returns the motion part's max. */
float ad_sc_scored_cells (const ad_scorer *sc, const float *src, float *dst);
/* Cells of cells [4, ncells] moving above the motion patterns' gate. */
int ad_sc_moving_cells (const ad_scorer *sc, const float *cells);
/* The motion-pattern frame score v less what `moving` moving cells alone
 * would give (flow_busy, sc->busy_ref, sc->busy_scale). */
float ad_sc_less_busy (const ad_scorer *sc, float v, int moving);
/* The motion-pattern (part 1) or wandering (part 3) frame score of cells
 * [4, ncells] over time: the running means in sc (sc->track [2, ncells]
 * with flow_track) move on by this frame. */
float ad_sc_part_over_time (ad_scorer *sc, const float *cells, int part);
/* The frame score from its six raw parts and their spreads
 * s [AD_SCORE_PARTS]; the learned and plain-motion parts and the feature
 * novelty go through the temporal window (sc->recent). */
float ad_sc_frame_fuse (ad_scorer *sc, float l, float mo, float fl, float sti,
    float wa, float fe, const float *s);
/* The feature novelty of estimate recon (with its plane after the co
 * planes; may be NULL): the largest place's value (0 without a plane). */
float ad_sc_feat_value (const ad_scorer *sc, const float *recon);

/* ------------------------------------------------------------------------ */
/* Per pixel: the background comparison and the heatmap (ad-score-map.c)    */

/* The stationary change per cell into sc->cells + 2 ncells [ncells] from
 * frame feat [ci, hw] (ok: the flow's residual holds this frame's motion),
 * with the background's upkeep (sc->bg_live [hw], sc->still_age [hw], the
 * colour mode); sc->fg [hw] = the difference to the background; sc->gate
 * + hw [hw] = each pixel's share of it when want_map. */
/* sc->lit [hw] = the light on the learned background for the frame's
 * gray [hw] (ad_gain_field, by place with static_light from light_engage
 * on); sc->light_share its share of light by place, also measured (over
 * 3 x 3 cells) for the motion fit's switch with flow_light alone.  The
 * pixels left out, those whose compensated residual resid (NULL or [hw])
 * is above the motion noise, and with colour those whose chromaticity
 * differs from the background's (sc->cdiff) do not count. */
void ad_sc_light (ad_scorer *sc, const float *gray, const float *resid,
    int colour);
void ad_sc_static_cells (ad_scorer *sc, const float *feat, int ok,
    int want_map);
/* sc->gate [hw] = each pixel's share of its cell's motion (ones when !ok
 * or map_gate is off); have_fg: sc->fg [hw] holds this frame's difference
 * to the background. */
void ad_sc_motion_gate (ad_scorer *sc, int ok, int have_fg);
/* sc->gate + 2 hw [hw] = the map's silhouette factor per pixel: 1 near
 * sc->fg's silhouettes, map_outside elsewhere (ones when !on). */
void ad_sc_silhouettes (ad_scorer *sc, int on);
/* out [hw] = the heatmap: lmap [hw] and the cell parts cells [4, ncells]
 * (as scored) fused per pixel with the spreads s [AD_SCORE_PARTS],
 * weighted by gate [AD_GATE_PLANES, hw], and the feature novelty's plane
 * fplane [hw] (may be NULL) less fmed, at least 0; left-out pixels 0.
 * sc->fspread [ncells] is scratch; sc->track [2, ncells] caps the cells
 * with map_track. */
void ad_sc_fuse_map (ad_scorer *sc, const float *lmap, const float *cells,
    const float *gate, const float *s, const float *fplane, float fmed,
    float *out);
/* map [n] times min (1, score)^map_frame, score being the frame's over
 * its threshold (calibrated); unchanged with map_frame 0. */
void ad_sc_map_frame (const ad_config *cfg, float score, float *map,
    size_t n);

#endif /* AD_SCORE_INTERNAL_H */
