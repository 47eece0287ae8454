/* ad-scene-internal.h - private to the generated scenes' files: ad-scene.c
 * (the public API, the shapes drawn on a canvas and the surveillance
 * frame), ad-scene-layout.c (the surveillance layout and its still
 * background), ad-scene-actors.c (walkers, their trajectories and the
 * anomaly events), ad-scene-light.c (cloud shadows, wind, dappled shade and
 * the camera's finish) and ad-scene-ind.c (the industrial surfaces).  It
 * holds the scene's state, the hashing and value noise and the canvas
 * helpers every file inlines, and the steps that cross files.  The scenes
 * are described in docs/scenes.md, the world coordinates in ad-scene.c. */
#ifndef AD_SCENE_INTERNAL_H
#define AD_SCENE_INTERNAL_H

#include "ad-internal.h"
#include "ad-scene.h"

#include <math.h>

/* The world is XM x 1 units (see ad-scene.c); limits of the layout. */
#define XM (4.0f / 3.0f)
#define SC_PI 3.14159265f
#define SC_MAX_PATHS 3
#define SC_MAX_TREES 4
#define SC_LEAF_PATH 2          /* dappled shades cast across paths */
#define SC_MAX_LEAF (SC_MAX_TREES + SC_LEAF_PATH)
#define SC_MAX_WP 24

enum { ACT_PERSON, ACT_CAR, ACT_BAG };

typedef struct sc_path {
  float x0, y0, x1, y1;   /* end points outside the frame; one-way: 0 -> 1 */
  float hw;               /* half width */
  int one_way;
  int tex;                /* 0 slabs, 1 asphalt */
  float col[3];
} sc_path;

typedef struct sc_tree {
  float x, y, r;          /* trunk position, footprint radius (layout) */
  float crown;            /* radius drawn: r, or larger in a windy scene */
} sc_tree;

typedef struct sc_actor {
  int type;
  int n_wp;
  float wx[SC_MAX_WP], wy[SC_MAX_WP], cumd[SC_MAX_WP];
  int64_t wt[SC_MAX_WP];  /* frame of each waypoint, strictly increasing */
  ad_anomaly_kind akind;  /* anomaly while a0 <= t < a1 */
  int64_t a0, a1;
  int64_t carry_until;    /* a person carries a bag until this frame */
  float size;             /* height in world units at Y = 0.5 */
  uint8_t col[4][3];      /* person: shirt, trousers, skin, hair; car: body */
  float gait0;
  int striped;
} sc_actor;

struct ad_scene {
  ad_scene_kind kind;
  ad_scene_clip clip;
  int w, h;
  int64_t n;              /* the clip's length in scene time (frames at
                           * pace 1) */
  int pace;               /* frames filmed per frame of scene time
                           * (ad_scene_set_pace), 1 by default */
  uint32_t seed;
  /* surveillance layout */
  int n_paths;
  sc_path paths[SC_MAX_PATHS];
  float bld_x0, bld_x1, bld_y1;   /* building along the top edge */
  uint8_t bld_col[3];
  int n_trees;
  sc_tree trees[SC_MAX_TREES];
  float bench_x, bench_y;
  float grass_col[3], dirt_col[3];
  /* activity */
  int n_act, cap_act;
  sc_actor *act;
  /* industrial */
  int family;
  float tex_col[2][3];
  float tex_freq;
  uint8_t *labels;        /* industrial test: kind per frame [n] */
  /* caches */
  uint8_t *bg;            /* [h, w, 3] background */
  uint8_t *frame;         /* [h, w, 3] scratch */
  uint8_t *mask;          /* [h, w] scratch */
  float noise_tab[4096];  /* N(0,1) samples for sensor noise */
  float cloud_depth;      /* cloud shadows: light they take (0 = none) */
  float leaf_depth;       /* dappled tree shade: light it takes (0 = none) */
  int n_leaf;
  float leaf[SC_MAX_LEAF][4];     /* the shades: centre X, Y, radii X, Y */
};

/* Scene time of frame i: what the camera films at frame i at its pace. */
static inline double
sc_time (const ad_scene *s, int64_t i)
{
  return (double) i / (double) s->pace;
}

/* ------------------------------------------------------------------------ */
/* Hashing and value noise                                                  */

static inline uint32_t
sc_hash (uint32_t a, uint32_t b, uint32_t c)
{
  uint64_t x = ((uint64_t) a << 32 | b) ^ ((uint64_t) c * 0x9E3779B97F4A7C15ull);
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return (uint32_t) x;
}

static inline float
sc_lattice (int32_t ix, int32_t iy, uint32_t salt)
{
  return (sc_hash ((uint32_t) ix, (uint32_t) iy, salt) >> 8) * (1.0f / 16777216.0f);
}

/* Smooth value noise in [0,1). */
static inline float
sc_noise (float x, float y, uint32_t salt)
{
  float fx = floorf (x), fy = floorf (y);
  int32_t ix = (int32_t) fx, iy = (int32_t) fy;
  float tx = x - fx, ty = y - fy;
  tx = tx * tx * (3.0f - 2.0f * tx);
  ty = ty * ty * (3.0f - 2.0f * ty);
  float a = sc_lattice (ix, iy, salt), b = sc_lattice (ix + 1, iy, salt);
  float c = sc_lattice (ix, iy + 1, salt), d = sc_lattice (ix + 1, iy + 1, salt);
  return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
}

static inline float
sc_fbm (float x, float y, int oct, uint32_t salt)
{
  float sum = 0.0f, amp = 0.5f, norm = 0.0f;
  for (int o = 0; o < oct; o++) {
    sum += amp * sc_noise (x, y, salt + (uint32_t) o * 7919u);
    norm += amp;
    x *= 2.03f;
    y *= 2.03f;
    amp *= 0.5f;
  }
  return sum / norm;
}

static inline float
sc_range (ad_rng *r, float lo, float hi)
{
  return lo + (hi - lo) * ad_rng_uniform (r);
}

static inline uint8_t
sc_u8 (float v)
{
  v = v * 255.0f + 0.5f;
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t) v;
}

/* ------------------------------------------------------------------------ */
/* Drawing on a pixel canvas.  Shapes are given in pixels; mval >= 0 writes */
/* the mask (255 anomalous object, 0 normal object covering), -1 leaves it. */

typedef struct sc_canvas {
  uint8_t *rgb;           /* [h, w, 3] */
  uint8_t *mask;          /* [h, w] */
  int w, h;
} sc_canvas;

static inline void
sc_put (sc_canvas *cv, int x, int y, const float col[3], float shade, int mval)
{
  uint8_t *p = cv->rgb + ((size_t) y * cv->w + x) * 3;
  for (int c = 0; c < 3; c++)
    p[c] = sc_u8 (col[c] * shade);
  if (mval >= 0)
    cv->mask[(size_t) y * cv->w + x] = (uint8_t) mval;
}

static inline void
sc_bbox (const sc_canvas *cv, float x0, float y0, float x1, float y1,
    int *ix0, int *iy0, int *ix1, int *iy1)
{
  *ix0 = x0 < 0 ? 0 : (int) x0;
  *iy0 = y0 < 0 ? 0 : (int) y0;
  *ix1 = x1 >= cv->w ? cv->w - 1 : (int) x1;
  *iy1 = y1 >= cv->h ? cv->h - 1 : (int) y1;
}

static inline void
sc_col (const uint8_t in[3], float out[3])
{
  for (int c = 0; c < 3; c++)
    out[c] = in[c] / 255.0f;
}

/* Shapes drawn on the canvas (ad-scene.c). */
/* Darkens an ellipse (shadow); never touches the mask. */
void sc_shadow (sc_canvas *cv, float cx, float cy, float rx, float ry,
    float k);
/* Thick segment with round caps (radius r). */
void sc_capsule (sc_canvas *cv, float ax, float ay, float bx, float by,
    float r, const float col[3], int mval);
/* Filled rectangle [x0f, x1f] x [y0f, y1f] (pixel centres inside). */
void sc_rect (sc_canvas *cv, float x0f, float y0f, float x1f, float y1f,
    const float col[3], float shade, int mval);
/* 1 when the truth mask s->mask [h, w] marks any pixel. */
int sc_mask_any (const ad_scene *s);

/* ------------------------------------------------------------------------ */
/* Surveillance layout and background (ad-scene-layout.c)                   */

/* Distance from (px, py) to segment a-b; *tout (may be NULL) = the
 * nearest point's fraction along it. */
float sc_seg_dist (float px, float py, float ax, float ay, float bx,
    float by, float *tout);
/* 1 where nobody walks and nothing stands: grass clear of paths, building,
 * trees and bench by margin. */
int sc_free_grass (const ad_scene *s, float X, float Y, float margin);
/* The seed's layout (paths, colours, building, bench, trees) into s. */
void sc_layout (ad_scene *s);
/* Canopy of tree k moved by (ox, oy) world units. */
void sc_canopy (const ad_scene *s, sc_canvas *cv, int k, float ox,
    float oy);
/* Renders the static background at the scene's size into s->bg. */
void sc_render_bg (ad_scene *s);

/* ------------------------------------------------------------------------ */
/* Actors and anomaly events (ad-scene-actors.c)                            */

/* Position of actor a at frame t (clamped to the trajectory); returns the
 * segment. */
int sc_pos (const sc_actor *a, double t, float *x, float *y, float *dist);
/* Normal activity: 2..5 walkers on screen at any time (crowded: 8..16). */
ad_status sc_normal_activity (ad_scene *s, ad_rng *r, ad_error *err);
/* n_ev anomaly events (0: one per 150 frames, as a TEST clip has). */
void sc_events (ad_scene *s, ad_rng *r, int64_t n_ev);
void sc_stops (ad_scene *s, ad_rng *r, float share);

/* ------------------------------------------------------------------------ */
/* Light and the camera's finish (ad-scene-light.c)                         */

/* Wind (windy scene): tree k's canopy offset at scene time t, world
 * units. */
void sc_sway (const ad_scene *s, int k, double t, float *ox, float *oy);
/* The shades of ad_scene_add_leaves into s->leaf. */
void sc_leaf_layout (ad_scene *s);
/* dst [h, w, 3] = src [h, w, 3] with the light of frame i (clouds and
 * dappled shade at its scene time sc_time), gain [3], sensor noise sigma
 * and the integer shift (sx, sy). */
void sc_finish (ad_scene *s, int64_t i, const uint8_t *src, uint8_t *dst,
    float sigma, float gain[3], int sx, int sy);

/* ------------------------------------------------------------------------ */
/* Industrial surfaces (ad-scene-ind.c)                                     */

/* The seed's surface family, colours and texture scale into s. */
void sc_ind_layout (ad_scene *s);
/* Frame i of the industrial scene into rgb [h, w, 3]; *kind = its defect. */
ad_status sc_render_ind (ad_scene *s, int64_t i, uint8_t *rgb,
    ad_anomaly_kind *kind);

#endif /* AD_SCENE_INTERNAL_H */
