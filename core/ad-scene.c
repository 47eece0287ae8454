/* ad-scene.c - deterministic generated scenes with ground truth.
 *
 * World coordinates.  Everything is laid out in a "metric" world of
 * XM x 1 units (XM = 4/3, the nominal 4:3 aspect), X to the right, Y down.
 * A render of W x H pixels maps X -> X * W / XM and Y -> Y * H, so any size
 * (>= 32) shows the same scene, stretched when the aspect is not 4:3.
 *
 * Surveillance: the background (ground, paths, grass, structures) depends on
 * the seed only; the activity (walkers, events) on seed and clip.  Every
 * moving thing is an actor with a piecewise-linear trajectory precomputed in
 * ad_scene_new, so frame i renders without frames before it.  Figures scale
 * with Y (mild perspective: far = top = smaller).
 *
 * Industrial: every frame is an independent image of one surface family.
 */
#include "ad-internal.h"
#include "ad-scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XM (4.0f / 3.0f)
#define SC_PI 3.14159265f
#define SC_MAX_PATHS 3
#define SC_MAX_TREES 4
#define SC_LEAF_PATH 2          /* dappled shades cast across paths */
#define SC_MAX_LEAF (SC_MAX_TREES + SC_LEAF_PATH)
#define SC_MAX_WP 24
#define SC_OFF 0.08f            /* how far outside the frame paths extend */

/* walking speed: 0.4-0.8 % of the frame width per frame, in world units */
#define WALK_MIN (0.004f * XM)
#define WALK_MAX (0.008f * XM)

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
  int64_t n;
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

/* ------------------------------------------------------------------------ */
/* Hashing and value noise                                                  */

static uint32_t
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

static float
sc_lattice (int32_t ix, int32_t iy, uint32_t salt)
{
  return (sc_hash ((uint32_t) ix, (uint32_t) iy, salt) >> 8) * (1.0f / 16777216.0f);
}

/* Smooth value noise in [0,1). */
static float
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

static float
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

static float
sc_range (ad_rng *r, float lo, float hi)
{
  return lo + (hi - lo) * ad_rng_uniform (r);
}

static uint8_t
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

static void
sc_put (sc_canvas *cv, int x, int y, const float col[3], float shade, int mval)
{
  uint8_t *p = cv->rgb + ((size_t) y * cv->w + x) * 3;
  for (int c = 0; c < 3; c++)
    p[c] = sc_u8 (col[c] * shade);
  if (mval >= 0)
    cv->mask[(size_t) y * cv->w + x] = (uint8_t) mval;
}

static void
sc_bbox (const sc_canvas *cv, float x0, float y0, float x1, float y1,
    int *ix0, int *iy0, int *ix1, int *iy1)
{
  *ix0 = x0 < 0 ? 0 : (int) x0;
  *iy0 = y0 < 0 ? 0 : (int) y0;
  *ix1 = x1 >= cv->w ? cv->w - 1 : (int) x1;
  *iy1 = y1 >= cv->h ? cv->h - 1 : (int) y1;
}

/* Filled ellipse, shaded darker towards the rim (and lit from the top-left
 * when lit != 0). */
static void
sc_ellipse (sc_canvas *cv, float cx, float cy, float rx, float ry,
    const float col[3], int lit, int mval)
{
  int x0, y0, x1, y1;
  if (rx <= 0.0f || ry <= 0.0f)
    return;
  sc_bbox (cv, cx - rx, cy - ry, cx + rx, cy + ry, &x0, &y0, &x1, &y1);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      float dx = (x + 0.5f - cx) / rx, dy = (y + 0.5f - cy) / ry;
      float r2 = dx * dx + dy * dy;
      if (r2 > 1.0f)
        continue;
      float s = lit ? 1.08f - 0.25f * r2 - 0.12f * (dx + dy) : 1.0f;
      sc_put (cv, x, y, col, s, mval);
    }
}

/* Darkens an ellipse (shadow); never touches the mask. */
static void
sc_shadow (sc_canvas *cv, float cx, float cy, float rx, float ry, float k)
{
  int x0, y0, x1, y1;
  sc_bbox (cv, cx - rx, cy - ry, cx + rx, cy + ry, &x0, &y0, &x1, &y1);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      float dx = (x + 0.5f - cx) / rx, dy = (y + 0.5f - cy) / ry;
      float r2 = dx * dx + dy * dy;
      if (r2 > 1.0f)
        continue;
      uint8_t *p = cv->rgb + ((size_t) y * cv->w + x) * 3;
      float f = 1.0f - k * (1.0f - 0.5f * r2);
      for (int c = 0; c < 3; c++)
        p[c] = (uint8_t) (p[c] * f);
    }
}

/* Thick segment with round caps (radius r). */
static void
sc_capsule (sc_canvas *cv, float ax, float ay, float bx, float by, float r,
    const float col[3], int mval)
{
  int x0, y0, x1, y1;
  float vx = bx - ax, vy = by - ay, l2 = vx * vx + vy * vy;
  sc_bbox (cv, fminf (ax, bx) - r, fminf (ay, by) - r, fmaxf (ax, bx) + r,
      fmaxf (ay, by) + r, &x0, &y0, &x1, &y1);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      float px = x + 0.5f - ax, py = y + 0.5f - ay;
      float t = l2 > 0.0f ? (px * vx + py * vy) / l2 : 0.0f;
      t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
      float dx = px - t * vx, dy = py - t * vy;
      if (dx * dx + dy * dy <= r * r)
        sc_put (cv, x, y, col, 1.0f - 0.15f * t, mval);
    }
}

static void
sc_rect (sc_canvas *cv, float x0f, float y0f, float x1f, float y1f,
    const float col[3], float shade, int mval)
{
  int x0, y0, x1, y1;
  sc_bbox (cv, x0f, y0f, x1f, y1f, &x0, &y0, &x1, &y1);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      if (x + 0.5f >= x0f && x + 0.5f <= x1f && y + 0.5f >= y0f
          && y + 0.5f <= y1f)
        sc_put (cv, x, y, col, shade, mval);
}

static void
sc_col (const uint8_t in[3], float out[3])
{
  for (int c = 0; c < 3; c++)
    out[c] = in[c] / 255.0f;
}

/* 1 when the truth mask s->mask [h, w] marks any pixel. */
static int
sc_mask_any (const ad_scene *s)
{
  for (size_t p = 0; p < (size_t) s->w * s->h; p++)
    if (s->mask[p])
      return 1;
  return 0;
}

/* Sensor noise, lighting gain and integer shift applied while copying src
 * to dst ([h, w, 3] both).  Noise is N(0, sigma) per channel (in 0..255
 * units) from a stream seeded by (seed, clip, frame). */
/* The drifting cloud shadows of frame i (ad_scene_add_clouds): SC_CLOUDS
 * soft-edged discs, each with its own size, height and speed, crossing
 * the picture from left to right and coming round again; cl [SC_CLOUDS,
 * 3] = centre X, Y and radius (scene units, XM x 1). */
#define SC_CLOUDS 3
#define SC_CLOUD_SOFT 0.15f
static void
sc_clouds (const ad_scene *s, int64_t i, float cl[SC_CLOUDS][3])
{
  for (int k = 0; k < SC_CLOUDS; k++) {
    uint32_t hk = sc_hash (s->seed, 0xC10D, (uint32_t) k);
    float u1 = (float) (hk & 1023) / 1023.0f;
    float u2 = (float) ((hk >> 10) & 1023) / 1023.0f;
    float u3 = (float) ((hk >> 20) & 1023) / 1023.0f;
    float rad = 0.25f + 0.25f * u1;
    float v = (0.006f + 0.008f * u2) * XM;          /* units a frame */
    float span = XM + 2.0f * (rad + SC_CLOUD_SOFT) + 0.5f;
    cl[k][0] = fmodf (u3 * span + v * (float) i, span) - rad - SC_CLOUD_SOFT;
    cl[k][1] = 0.15f + 0.7f * u2;
    cl[k][2] = rad;
  }
}

/* Light left at (X, Y) under the clouds cl: 1 - cloud_depth x the
 * largest cover (1 inside a disc, 0 beyond its soft edge). */
static float
sc_cloud_light (const ad_scene *s, float cl[SC_CLOUDS][3], float X, float Y)
{
  float cover = 0.0f;
  for (int k = 0; k < SC_CLOUDS; k++) {
    float d = hypotf (X - cl[k][0], Y - cl[k][1]) - cl[k][2];
    float c = d <= -SC_CLOUD_SOFT ? 1.0f : d >= SC_CLOUD_SOFT ? 0.0f :
        0.5f - 0.5f * sinf (0.5f * SC_PI * d / SC_CLOUD_SOFT);
    cover = c > cover ? c : cover;
  }
  return 1.0f - s->cloud_depth * cover;
}

/* Wind (windy scene): tree k's canopy offset at frame i, world units.
 * Each tree sways at its own period of 12-24 frames (1-2 Hz at 25
 * frames a second) by up to SC_SWAY, mostly sideways; gusts scale it
 * between 0.3 and 1 over tens of seconds, in every clip alike. */
#define SC_SWAY 0.02f           /* 2.4 px at 160x120 */
static void
sc_sway (const ad_scene *s, int k, int64_t i, float *ox, float *oy)
{
  float period = 12.0f + 12.0f * sc_lattice ((int) s->seed, k, 31);
  float ph = 2.0f * SC_PI * sc_lattice ((int) s->seed, k, 37);
  float gust = 0.3f + 0.7f * sc_noise ((float) i / 250.0f, (float) k * 7.0f,
      s->seed + 0x5A1 + (uint32_t) s->clip);
  float a = 2.0f * SC_PI * (float) i / period + ph;
  *ox = SC_SWAY * gust * sinf (a);
  *oy = 0.3f * SC_SWAY * gust * sinf (1.3f * a + ph);
}

/* The dappled shade of the trees (ad_scene_add_leaves) at frame i: each
 * shade (s->leaf: one cast down and right by a low sun from each tree's
 * crown, and SC_LEAF_PATH cast across paths by trees out of view) is a
 * lumpy ellipse that sways in the wind 1.5 times as far as a crown
 * (sc_sway; the crown's top casts it) and holds sharp-edged flecks of sun
 * where the leaves part; each cluster of leaves moves by its own share of
 * the sway, so the flecks shift and change shape.  sw [SC_MAX_LEAF, 2] =
 * the sway of frame i. */
static void
sc_leaf_sway (const ad_scene *s, int64_t i, float sw[SC_MAX_LEAF][2])
{
  for (int k = 0; k < s->n_leaf; k++) {
    sc_sway (s, k, i, &sw[k][0], &sw[k][1]);
    sw[k][0] *= 1.5f;
    sw[k][1] *= 1.5f;
  }
}

/* Light left at (X, Y) under the dappled shades of sway sw. */
static float
sc_leaf_light (const ad_scene *s, float sw[SC_MAX_LEAF][2], float X,
    float Y)
{
  float shade = 0.0f;
  for (int k = 0; k < s->n_leaf; k++) {
    const float *l = s->leaf[k];
    float dx = (X - l[0] - sw[k][0]) / l[2], dy = (Y - l[1] - sw[k][1]) / l[3];
    float r2 = dx * dx + dy * dy;
    if (r2 > 1.3f)
      continue;
    uint32_t sd = s->seed + 0x1EAF + (uint32_t) k;
    /* each cluster's share of the sway: 0.4-1.6 */
    float a = 0.4f + 1.2f * sc_noise (X * 8.0f, Y * 8.0f, sd);
    float lx = X - a * sw[k][0], ly = Y - a * sw[k][1];
    if (r2 > 0.8f + 0.5f * sc_fbm (lx * 12.0f, ly * 12.0f, 2, sd + 1))
      continue;
    /* sun where the leaves part, over a 0.05 band of the texture (a
     * pixel or so: the sun's disc blurs the fleck's edge a little) */
    float n = sc_fbm (lx * 30.0f, ly * 30.0f, 2, sd + 2);
    float sun = (n - 0.57f) / 0.05f;
    sun = sun < 0.0f ? 0.0f : sun > 1.0f ? 1.0f : sun;
    shade = fmaxf (shade, 1.0f - sun);
  }
  return 1.0f - s->leaf_depth * shade;
}

/* The shades of ad_scene_add_leaves into s->leaf. */
static void
sc_leaf_layout (ad_scene *s)
{
  s->n_leaf = 0;
  for (int k = 0; k < s->n_trees; k++) {       /* a low sun */
    const sc_tree *t = &s->trees[k];
    float *l = s->leaf[s->n_leaf++];
    l[0] = t->x + 1.6f * t->crown;
    l[1] = t->y + 0.9f * t->crown;
    l[2] = 2.2f * t->crown;
    l[3] = 1.1f * t->crown;
  }
  for (int k = 0; k < SC_LEAF_PATH && s->n_paths > 0; k++) {
    const sc_path *p = &s->paths[k % s->n_paths];
    float u = 0.3f + 0.4f * sc_lattice ((int) s->seed, k, 0x1EA);
    float *l = s->leaf[s->n_leaf++];
    l[0] = p->x0 + u * (p->x1 - p->x0);
    l[1] = p->y0 + u * (p->y1 - p->y0);
    l[2] = 0.22f;
    l[3] = 0.12f;
  }
}

static void
sc_finish (ad_scene *s, int64_t i, const uint8_t *src, uint8_t *dst,
    float sigma, float gain[3], int sx, int sy)
{
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0xF00D + s->clip, (uint32_t) i));
  float cl[SC_CLOUDS][3], sw[SC_MAX_LEAF][2];
  if (s->cloud_depth > 0.0f)
    sc_clouds (s, i, cl);
  if (s->leaf_depth > 0.0f)
    sc_leaf_sway (s, i, sw);
  for (int y = 0; y < s->h; y++) {
    int yy = y - sy < 0 ? 0 : y - sy >= s->h ? s->h - 1 : y - sy;
    for (int x = 0; x < s->w; x++) {
      int xx = x - sx < 0 ? 0 : x - sx >= s->w ? s->w - 1 : x - sx;
      const uint8_t *p = src + ((size_t) yy * s->w + xx) * 3;
      uint8_t *q = dst + ((size_t) y * s->w + x) * 3;
      uint32_t rv = ad_rng_u32 (&r);
      float X = ((float) xx + 0.5f) * XM / (float) s->w;
      float Y = ((float) yy + 0.5f) / (float) s->h;
      float lt = s->cloud_depth > 0.0f ? sc_cloud_light (s, cl, X, Y) : 1.0f;
      if (s->leaf_depth > 0.0f)
        lt *= sc_leaf_light (s, sw, X, Y);
      for (int c = 0; c < 3; c++) {
        float v = p[c] * gain[c] * lt +
            sigma * s->noise_tab[(rv >> (c * 10)) & 4095];
        q[c] = v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t) (v + 0.5f);
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Surveillance layout                                                      */

static float
sc_seg_dist (float px, float py, float ax, float ay, float bx, float by,
    float *tout)
{
  float vx = bx - ax, vy = by - ay, l2 = vx * vx + vy * vy;
  float t = ((px - ax) * vx + (py - ay) * vy) / l2;
  t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
  if (tout)
    *tout = t;
  float dx = px - ax - t * vx, dy = py - ay - t * vy;
  return sqrtf (dx * dx + dy * dy);
}

/* Distance from (X,Y) to the edge of the nearest path (< 0 inside), and
 * that path's index. */
static float
sc_path_dist (const ad_scene *s, float X, float Y, int *which)
{
  float best = 1e9f;
  for (int k = 0; k < s->n_paths; k++) {
    const sc_path *p = &s->paths[k];
    float d = sc_seg_dist (X, Y, p->x0, p->y0, p->x1, p->y1, NULL) - p->hw;
    if (d < best) {
      best = d;
      if (which)
        *which = k;
    }
  }
  return best;
}

/* 1 where nobody walks and nothing stands: grass clear of paths, building,
 * trees and bench by margin. */
static int
sc_free_grass (const ad_scene *s, float X, float Y, float margin)
{
  if (sc_path_dist (s, X, Y, NULL) < 0.05f + margin)
    return 0;
  if (Y < s->bld_y1 + margin && X > s->bld_x0 - margin
      && X < s->bld_x1 + margin)
    return 0;
  for (int k = 0; k < s->n_trees; k++) {
    float dx = X - s->trees[k].x, dy = Y - s->trees[k].y;
    if (dx * dx + dy * dy < (s->trees[k].r + margin) * (s->trees[k].r + margin))
      return 0;
  }
  if (fabsf (X - s->bench_x) < 0.06f + margin
      && fabsf (Y - s->bench_y) < 0.03f + margin)
    return 0;
  return 1;
}

static void
sc_layout (ad_scene *s)
{
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0x1A7 + (s->kind == AD_SCENE_SPARSE), 1));
  /* path 0: across the frame, two-way */
  sc_path *p = &s->paths[0];
  float ya = sc_range (&r, 0.45f, 0.72f);
  p->x0 = -SC_OFF;
  p->y0 = ya;
  p->x1 = XM + SC_OFF;
  p->y1 = ya + sc_range (&r, -0.15f, 0.15f);
  p->hw = sc_range (&r, 0.05f, 0.065f);
  p->one_way = 0;
  p->tex = 0;
  /* path 1: top to bottom, one-way (direction from the seed) */
  p = &s->paths[1];
  float xa = sc_range (&r, 0.3f, 1.0f);
  float xb = xa + sc_range (&r, -0.3f, 0.3f);
  int down = ad_rng_uniform (&r) < 0.5f;
  p->x0 = down ? xa : xb;
  p->y0 = down ? -SC_OFF : 1.0f + SC_OFF;
  p->x1 = down ? xb : xa;
  p->y1 = down ? 1.0f + SC_OFF : -SC_OFF;
  p->hw = sc_range (&r, 0.04f, 0.055f);
  p->one_way = 1;
  p->tex = 1;
  s->n_paths = 2;
  /* optional path 2: a narrow diagonal from the left edge to the bottom */
  if (ad_rng_uniform (&r) < 0.5f) {
    p = &s->paths[2];
    p->x0 = -SC_OFF;
    p->y0 = sc_range (&r, 0.05f, 0.25f);
    p->x1 = sc_range (&r, 0.05f, 0.3f);
    p->y1 = 1.0f + SC_OFF;
    p->hw = 0.035f;
    p->one_way = 0;
    p->tex = 1;
    s->n_paths = 3;
  }
  for (int k = 0; k < s->n_paths; k++) {
    float g = sc_range (&r, 0.55f, 0.72f);
    s->paths[k].col[0] = g * sc_range (&r, 0.97f, 1.08f);
    s->paths[k].col[1] = g;
    s->paths[k].col[2] = g * sc_range (&r, 0.88f, 1.0f);
  }
  s->grass_col[0] = sc_range (&r, 0.22f, 0.32f);
  s->grass_col[1] = sc_range (&r, 0.40f, 0.50f);
  s->grass_col[2] = sc_range (&r, 0.15f, 0.22f);
  s->dirt_col[0] = sc_range (&r, 0.45f, 0.52f);
  s->dirt_col[1] = sc_range (&r, 0.38f, 0.44f);
  s->dirt_col[2] = sc_range (&r, 0.28f, 0.33f);
  /* building along the top edge, on the wider side of path 1's top end */
  float xt = s->paths[1].y0 < 0 ? s->paths[1].x0 : s->paths[1].x1;
  float bw = sc_range (&r, 0.25f, 0.4f);
  if (xt > XM / 2) {
    s->bld_x0 = sc_range (&r, 0.0f, 0.1f);
    s->bld_x1 = fminf (s->bld_x0 + bw, xt - s->paths[1].hw - 0.08f);
  } else {
    s->bld_x1 = XM - sc_range (&r, 0.0f, 0.1f);
    s->bld_x0 = fmaxf (s->bld_x1 - bw, xt + s->paths[1].hw + 0.08f);
  }
  s->bld_y1 = sc_range (&r, 0.12f, 0.2f);
  s->bld_col[0] = (uint8_t) sc_range (&r, 120, 190);
  s->bld_col[1] = (uint8_t) (s->bld_col[0] * sc_range (&r, 0.8f, 0.95f));
  s->bld_col[2] = (uint8_t) (s->bld_col[0] * sc_range (&r, 0.65f, 0.9f));
  /* bench beside path 0 */
  p = &s->paths[0];
  s->bench_x = -1.0f;           /* off screen unless a free place is found */
  s->bench_y = -1.0f;
  for (int tries = 0; tries < 50; tries++) {
    float bt = sc_range (&r, 0.15f, 0.85f);
    float bx = p->x0 + bt * (p->x1 - p->x0);
    float by = p->y0 + bt * (p->y1 - p->y0) - p->hw - 0.05f;
    if (sc_path_dist (s, bx - 0.07f, by, NULL) > 0.02f
        && sc_path_dist (s, bx + 0.07f, by, NULL) > 0.02f
        && (by > s->bld_y1 + 0.05f || bx < s->bld_x0 - 0.08f
            || bx > s->bld_x1 + 0.08f)) {
      s->bench_x = bx;
      s->bench_y = by;
      break;
    }
  }
  s->n_trees = 0;
  /* trees on the grass */
  for (int tries = 0; tries < 200 && s->n_trees < SC_MAX_TREES; tries++) {
    sc_tree t = { sc_range (&r, 0.05f, XM - 0.05f), sc_range (&r, 0.25f, 0.95f),
      sc_range (&r, 0.05f, 0.08f), 0.0f };
    /* a windy scene draws large crowns that catch the wind, on the same
     * layout (people and anomalies as in the surveillance scene) */
    t.crown = s->kind == AD_SCENE_WINDY ? 1.6f * t.r : t.r;
    if (sc_free_grass (s, t.x, t.y, t.r + 0.02f))
      s->trees[s->n_trees++] = t;
    if (s->n_trees >= 2 && ad_rng_uniform (&r) < 0.1f)
      break;
  }
}

/* Background colour of world point (X,Y), [0,1] RGB. */
static void
sc_ground (const ad_scene *s, float X, float Y, float px, float out[3])
{
  uint32_t sd = s->seed * 31u;
  float lo = sc_fbm (X * 3.0f, Y * 3.0f, 3, sd + 1);
  float fine = sc_noise (X * 90.0f, Y * 90.0f, sd + 2);
  int which = 0;
  float d = sc_path_dist (s, X, Y, &which);
  float verge = 0.012f + 0.02f * sc_noise (X * 8.0f, Y * 8.0f, sd + 3);
  if (d < 0.0f) {
    const sc_path *p = &s->paths[which];
    float v = 0.9f + 0.12f * lo + 0.1f * (fine - 0.5f);
    if (p->tex == 0) {         /* slabs: grout lines along and across */
      float ux = p->x1 - p->x0, uy = p->y1 - p->y0, l = sqrtf (ux * ux + uy * uy);
      float a = ((X - p->x0) * ux + (Y - p->y0) * uy) / l;
      float b = ((X - p->x0) * -uy + (Y - p->y0) * ux) / l;
      float fa = a / 0.045f - floorf (a / 0.045f);
      float fb = (b + p->hw) / (p->hw) ;
      fb -= floorf (fb);
      if (fa < 0.08f || fb < 0.04f)
        v *= 0.86f;
      v *= 0.95f + 0.1f * sc_lattice ((int) floorf (a / 0.045f),
          (int) floorf ((b + p->hw) / p->hw), sd + 4);
    } else {                   /* asphalt: fine grain */
      v *= 0.85f + 0.25f * (sc_noise (X * 300.0f, Y * 300.0f, sd + 5) - 0.5f);
    }
    if (d > -0.006f)           /* kerb */
      v *= 1.15f;
    for (int c = 0; c < 3; c++)
      out[c] = p->col[c] * v;
  } else if (d < verge) {
    float v = 0.85f + 0.3f * lo + 0.25f * (fine - 0.5f);
    for (int c = 0; c < 3; c++)
      out[c] = s->dirt_col[c] * v;
  } else {
    float patch = sc_fbm (X * 2.0f + 7.0f, Y * 2.0f, 2, sd + 6);
    float blade = sc_noise (X * 160.0f, Y * 60.0f, sd + 7);
    float v = 0.75f + 0.5f * lo + 0.3f * (blade - 0.5f);
    float mix = patch > 0.62f ? fminf ((patch - 0.62f) * 8.0f, 0.7f) : 0.0f;
    for (int c = 0; c < 3; c++)
      out[c] = v * (s->grass_col[c] * (1.0f - mix) + s->dirt_col[c] * mix);
  }
  (void) px;
}

/* Canopy of tree k with lumpy shading, moved by (ox, oy) world units: the
 * leaf texture moves with it. */
static void
sc_canopy (const ad_scene *s, sc_canvas *cv, int k, float ox, float oy)
{
  const sc_tree *t = &s->trees[k];
  float sx = s->w / XM, sy = (float) s->h;
  float cx = (t->x + ox) * sx, cy = (t->y + oy) * sy;
  float rx = t->crown * sx, ry = t->crown * sy;
  int x0, y0, x1, y1;
  sc_bbox (cv, cx - rx, cy - ry, cx + rx, cy + ry, &x0, &y0, &x1, &y1);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) {
      float dx = (x + 0.5f - cx) / rx, dy = (y + 0.5f - cy) / ry;
      float n = sc_fbm (((x + 0.5f) / sx - ox) * 40.0f,
          ((y + 0.5f) / sy - oy) * 40.0f, 2, s->seed + 77 + k);
      if (dx * dx + dy * dy > 0.75f + 0.4f * n)
        continue;
      float leaf[3] = { 0.13f, 0.3f, 0.1f };
      float sh = 0.7f + 0.7f * n - 0.3f * (dx + dy);
      sc_put (cv, x, y, leaf, sh, -1);
    }
}

/* Renders the static background at the scene's size into s->bg. */
static void
sc_render_bg (ad_scene *s)
{
  int w = s->w, h = s->h;
  float sx = w / XM, sy = (float) h;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float X = (x + 0.5f) / sx, Y = (y + 0.5f) / sy, col[3];
      sc_ground (s, X, Y, 1.0f / sx, col);
      /* soft sun gradient */
      float g = 1.05f - 0.1f * Y + 0.05f * X / XM;
      uint8_t *p = s->bg + ((size_t) y * w + x) * 3;
      for (int c = 0; c < 3; c++)
        p[c] = sc_u8 (col[c] * g);
    }
  sc_canvas cv = { s->bg, s->mask, w, h };
  /* building: facade with windows, dark roof edge and a shadow below */
  float bc[3], win[3] = { 0.22f, 0.27f, 0.33f }, roof[3] = { 0.25f, 0.22f, 0.2f };
  sc_col (s->bld_col, bc);
  float bx0 = s->bld_x0 * sx, bx1 = s->bld_x1 * sx, by1 = s->bld_y1 * sy;
  sc_shadow (&cv, (bx0 + bx1) / 2 + 0.02f * sx, by1, (bx1 - bx0) / 2,
      0.025f * sy, 0.35f);
  sc_rect (&cv, bx0, 0, bx1, by1, bc, 1.0f, -1);
  sc_rect (&cv, bx0, by1 - 0.015f * sy, bx1, by1, roof, 1.0f, -1);
  for (float wx = s->bld_x0 + 0.03f; wx + 0.04f < s->bld_x1; wx += 0.07f)
    for (float wy = 0.02f; wy + 0.045f < s->bld_y1 - 0.015f; wy += 0.06f)
      sc_rect (&cv, wx * sx, wy * sy, (wx + 0.035f) * sx, (wy + 0.04f) * sy,
          win, 1.0f + 0.3f * sc_lattice ((int) (wx * 99), (int) (wy * 99),
              s->seed), -1);
  /* bench */
  float wood[3] = { 0.45f, 0.3f, 0.18f }, iron[3] = { 0.15f, 0.15f, 0.15f };
  float bx = s->bench_x * sx, byy = s->bench_y * sy;
  sc_shadow (&cv, bx + 0.01f * sx, byy + 0.02f * sy, 0.065f * sx,
      0.015f * sy, 0.3f);
  sc_rect (&cv, bx - 0.055f * sx, byy - 0.008f * sy, bx - 0.045f * sx,
      byy + 0.02f * sy, iron, 1.0f, -1);
  sc_rect (&cv, bx + 0.045f * sx, byy - 0.008f * sy, bx + 0.055f * sx,
      byy + 0.02f * sy, iron, 1.0f, -1);
  sc_rect (&cv, bx - 0.06f * sx, byy - 0.02f * sy, bx + 0.06f * sx,
      byy + 0.002f * sy, wood, 1.0f, -1);
  /* trees: shadow, then the canopy (drawn per frame in a windy scene) */
  for (int k = 0; k < s->n_trees; k++) {
    const sc_tree *t = &s->trees[k];
    float cx = t->x * sx, cy = t->y * sy;
    float rx = t->crown * sx, ry = t->crown * sy;
    if (s->leaf_depth == 0.0f)    /* else dappled, per frame */
      sc_shadow (&cv, cx + 0.4f * rx, cy + 0.5f * ry, rx, 0.6f * ry, 0.4f);
    if (s->kind != AD_SCENE_WINDY)
      sc_canopy (s, &cv, k, 0.0f, 0.0f);
  }
}

/* ------------------------------------------------------------------------ */
/* Actors                                                                    */

static sc_actor *
sc_actor_add (ad_scene *s, int type, ad_rng *r)
{
  if (s->n_act == s->cap_act) {
    int cap = s->cap_act ? s->cap_act * 2 : 64;
    sc_actor *a = realloc (s->act, (size_t) cap * sizeof (sc_actor));
    if (!a)
      return NULL;
    s->act = a;
    s->cap_act = cap;
  }
  sc_actor *a = &s->act[s->n_act++];
  memset (a, 0, sizeof (*a));
  a->type = type;
  a->carry_until = INT64_MIN;
  a->size = sc_range (r, 0.105f, 0.125f);
  static const uint8_t shirts[][3] = { {200, 40, 40}, {40, 70, 160},
    {230, 230, 225}, {30, 30, 35}, {60, 130, 70}, {220, 180, 40},
    {120, 60, 140}, {150, 150, 150}, {90, 60, 40}, {240, 120, 40} };
  static const uint8_t pants[][3] = { {40, 45, 70}, {30, 30, 30},
    {110, 100, 80}, {70, 70, 75}, {60, 80, 120} };
  static const uint8_t skins[][3] = { {235, 200, 170}, {200, 150, 110},
    {150, 100, 70}, {95, 65, 45} };
  static const uint8_t hairs[][3] = { {30, 25, 20}, {90, 60, 30},
    {200, 170, 110}, {120, 120, 120} };
  const uint8_t *src[4] = { shirts[ad_rng_u32 (r) % 10],
    pants[ad_rng_u32 (r) % 5], skins[ad_rng_u32 (r) % 4],
    hairs[ad_rng_u32 (r) % 4] };
  for (int k = 0; k < 4; k++)
    for (int c = 0; c < 3; c++) {
      int v = (int) (src[k][c] * sc_range (r, 0.85f, 1.15f));
      a->col[k][c] = (uint8_t) (v > 255 ? 255 : v);
    }
  a->gait0 = sc_range (r, 0.0f, 2.0f * SC_PI);
  a->striped = ad_rng_uniform (r) < 0.2f;
  return a;
}

/* Appends a waypoint reached at speed v (world units per frame). */
static void
sc_wp (sc_actor *a, float x, float y, float v)
{
  if (a->n_wp >= SC_MAX_WP)
    return;
  int k = a->n_wp++;
  a->wx[k] = x;
  a->wy[k] = y;
  if (k == 0)
    return;
  float d = hypotf (x - a->wx[k - 1], y - a->wy[k - 1]);
  int64_t dt = (int64_t) ceilf (d / v);
  a->wt[k] = a->wt[k - 1] + (dt < 1 ? 1 : dt);
  a->cumd[k] = a->cumd[k - 1] + d;
}

/* Position at frame t (clamped to the trajectory); returns the segment. */
static int
sc_pos (const sc_actor *a, double t, float *x, float *y, float *dist)
{
  int k = 0;
  while (k + 2 < a->n_wp && t >= a->wt[k + 1])
    k++;
  double f = (t - a->wt[k]) / (double) (a->wt[k + 1] - a->wt[k]);
  f = f < 0 ? 0 : f > 1 ? 1 : f;
  *x = a->wx[k] + (float) f * (a->wx[k + 1] - a->wx[k]);
  *y = a->wy[k] + (float) f * (a->wy[k + 1] - a->wy[k]);
  if (dist)
    *dist = a->cumd[k] + (float) f * (a->cumd[k + 1] - a->cumd[k]);
  return k;
}

/* Point at fraction t along path p, laterally offset by off (x half width);
 * dir < 0 walks the path from its end. */
static void
sc_path_at (const sc_path *p, float t, float off, int dir, float *x, float *y)
{
  if (dir < 0)
    t = 1.0f - t;
  float ux = p->x1 - p->x0, uy = p->y1 - p->y0, l = hypotf (ux, uy);
  *x = p->x0 + t * ux - uy / l * off * p->hw;
  *y = p->y0 + t * uy + ux / l * off * p->hw;
}

/* A normal walker entering path k at frame t0. */
static sc_actor *
sc_walker (ad_scene *s, ad_rng *r, int k, int dir, int64_t t0, float speed)
{
  sc_actor *a = sc_actor_add (s, ACT_PERSON, r);
  if (!a)
    return NULL;
  const sc_path *p = &s->paths[k];
  float off = sc_range (r, -0.6f, 0.6f), x, y;
  a->wt[0] = t0;
  sc_path_at (p, 0.0f, off, dir, &x, &y);
  sc_wp (a, x, y, speed);
  float tm = sc_range (r, 0.35f, 0.65f);
  sc_path_at (p, tm, off + sc_range (r, -0.25f, 0.25f), dir, &x, &y);
  sc_wp (a, x, y, speed);
  sc_path_at (p, 1.0f, off, dir, &x, &y);
  sc_wp (a, x, y, speed * sc_range (r, 0.9f, 1.1f));
  return a;
}

static int
sc_pick_path (ad_scene *s, ad_rng *r, int *dir)
{
  float u = ad_rng_uniform (r);
  int k = s->n_paths == 3 ? (u < 0.4f ? 0 : u < 0.75f ? 1 : 2)
      : (u < 0.55f ? 0 : 1);
  *dir = s->paths[k].one_way || ad_rng_uniform (r) < 0.5f ? 1 : -1;
  return k;
}

/* Normal activity: 2..5 walkers on screen at any time (crowded: 8..16). */
static ad_status
sc_normal_activity (ad_scene *s, ad_rng *r, ad_error *err)
{
  int64_t ends[16];
  int n_on = 0;
  int lo = s->kind == AD_SCENE_CROWDED ? 8 : 2;
  int hi = s->kind == AD_SCENE_CROWDED ? 16 : 5;
  for (int64_t t = -400; t < s->n; t++) {
    int keep = 0;
    for (int j = 0; j < n_on; j++)
      if (ends[j] > t)
        ends[keep++] = ends[j];
    n_on = keep;
    if (n_on >= hi || (n_on >= lo && ad_rng_uniform (r) > 1.0f / 45.0f))
      continue;
    int dir, k = sc_pick_path (s, r, &dir);
    sc_actor *a = sc_walker (s, r, k, dir, t, sc_range (r, WALK_MIN, WALK_MAX));
    if (!a)
      return ad_fail (err, AD_ERR_NOMEM, "scene: out of memory for actors");
    ends[n_on++] = a->wt[a->n_wp - 1];
  }
  return AD_OK;
}

/* Grass walk for OFF_PATH: from a frame edge into the grass and back. */
static int
sc_grass_route (ad_scene *s, ad_rng *r, float len, float *sx0, float *sy0,
    float *ex, float *ey)
{
  for (int tries = 0; tries < 4000; tries++) {
    int side = ad_rng_u32 (r) % 4;
    float x0, y0, ang;
    if (side == 0) {
      x0 = -0.03f; y0 = sc_range (r, 0.25f, 0.95f); ang = 0.0f;
    } else if (side == 1) {
      x0 = XM + 0.03f; y0 = sc_range (r, 0.25f, 0.95f); ang = SC_PI;
    } else if (side == 2) {
      x0 = sc_range (r, 0.1f, XM - 0.1f); y0 = 1.03f; ang = -SC_PI / 2;
    } else {
      x0 = sc_range (r, 0.1f, XM - 0.1f); y0 = 0.2f; ang = SC_PI / 2;
      if (!sc_free_grass (s, x0, y0, 0.03f))
        continue;
    }
    ang += sc_range (r, -0.6f, 0.6f);
    if (tries > 2000)
      len *= 0.98f;
    float x1 = x0 + len * cosf (ang), y1 = y0 + len * sinf (ang);
    int ok = 1;
    for (int j = 1; j <= 20 && ok; j++) {
      float f = j / 20.0f, x = x0 + f * (x1 - x0), y = y0 + f * (y1 - y0);
      if (x < 0.0f || x > XM || y > 1.0f) {
        if (j > 4)
          ok = 0;
        continue;
      }
      ok = sc_free_grass (s, x, y, 0.03f) && y > s->bld_y1 + 0.1f;
    }
    if (ok) {
      *sx0 = x0; *sy0 = y0; *ex = x1; *ey = y1;
      return 1;
    }
  }
  return 0;
}

/* Builds one anomaly event starting at t0 of about d frames; returns its
 * real length in frames. */
static int64_t
sc_event (ad_scene *s, ad_rng *r, ad_anomaly_kind kind, int64_t t0, int64_t d)
{
  sc_actor *a = NULL;
  float x, y;
  int dir;
  if (kind == AD_ANOM_RUNNING) {
    /* 1.8-2.6 % of the width per frame: 3-4.5x the mean walking speed */
    int k = ad_rng_uniform (r) < 0.6f ? 0 : 1;
    dir = k == 1 || ad_rng_uniform (r) < 0.5f ? 1 : -1;
    a = sc_walker (s, r, k, dir, t0, sc_range (r, 0.018f, 0.026f) * XM);
  } else if (kind == AD_ANOM_VEHICLE) {
    const sc_path *p = &s->paths[0];
    float len = hypotf (p->x1 - p->x0, p->y1 - p->y0) + 0.2f;
    float v = fminf (fmaxf (len / (float) d, 0.012f * XM), 0.02f * XM);
    dir = ad_rng_uniform (r) < 0.5f ? 1 : -1;
    a = sc_actor_add (s, ACT_CAR, r);
    if (!a)
      return 0;
    a->wt[0] = t0;
    sc_path_at (p, -0.08f, 0.0f, dir, &x, &y);
    sc_wp (a, x, y, v);
    sc_path_at (p, 1.08f, 0.0f, dir, &x, &y);
    sc_wp (a, x, y, v);
  } else if (kind == AD_ANOM_WRONG_WAY) {
    const sc_path *p = &s->paths[1];
    float v = sc_range (r, 0.0065f, 0.008f) * XM;
    float len = hypotf (p->x1 - p->x0, p->y1 - p->y0);
    float f = fminf (v * d / len, 0.95f), off = sc_range (r, -0.5f, 0.5f);
    a = sc_actor_add (s, ACT_PERSON, r);
    if (!a)
      return 0;
    a->wt[0] = t0;
    sc_path_at (p, 0.0f, off, -1, &x, &y);
    sc_wp (a, x, y, v);
    sc_path_at (p, f, off, -1, &x, &y);
    sc_wp (a, x, y, v);
    d = a->wt[1] - t0;
    sc_path_at (p, f - 0.02f, -off, -1, &x, &y);     /* turns round */
    sc_wp (a, x, y, v * 0.3f);
    sc_path_at (p, 0.0f, -off, -1, &x, &y);
    sc_wp (a, x, y, v);
  } else if (kind == AD_ANOM_OFF_PATH) {
    float v = sc_range (r, WALK_MIN, WALK_MAX), x0, y0, x1, y1;
    if (!sc_grass_route (s, r, v * d * 0.5f, &x0, &y0, &x1, &y1))
      return 0;
    a = sc_actor_add (s, ACT_PERSON, r);
    if (!a)
      return 0;
    a->wt[0] = t0;
    sc_wp (a, x0, y0, v);
    sc_wp (a, x1, y1, v);
    sc_wp (a, x1 + 0.01f, y1 + 0.01f, v * 0.3f);
    sc_wp (a, x0, y0, v);
  } else if (kind == AD_ANOM_LEFT_OBJECT) {
    int k = 0;
    dir = ad_rng_uniform (r) < 0.5f ? 1 : -1;
    const sc_path *p = &s->paths[k];
    float tm = sc_range (r, 0.25f, 0.75f), off = sc_range (r, 0.5f, 0.7f);
    float v = sc_range (r, WALK_MIN, WALK_MAX);
    float len = hypotf (p->x1 - p->x0, p->y1 - p->y0);
    int64_t ts = t0 - (int64_t) (tm * len / v);
    sc_actor *o = sc_walker (s, r, k, dir, ts, v);
    if (!o)
      return 0;
    /* straighten the owner so it passes the drop point at t0 */
    o->n_wp = 1;
    sc_path_at (p, 0.0f, off * 1.3f, dir, &x, &y);
    o->wx[0] = x;
    o->wy[0] = y;
    sc_path_at (p, tm, off * 1.3f, dir, &x, &y);
    sc_wp (o, x, y, v);
    sc_path_at (p, 1.0f, off * 1.3f, dir, &x, &y);
    sc_wp (o, x, y, v);
    o->carry_until = o->wt[1];
    a = sc_actor_add (s, ACT_BAG, r);
    if (!a)
      return 0;
    sc_path_at (p, tm, off * 1.3f, dir, &x, &y);
    a->wt[0] = o->wt[1];
    a->n_wp = 2;
    a->wx[0] = a->wx[1] = x + 0.025f;
    a->wy[0] = a->wy[1] = y;
    a->wt[1] = a->wt[0] + d;
    t0 = a->wt[0];
  } else if (kind == AD_ANOM_ERRATIC) {
    int k = sc_pick_path (s, r, &dir);
    const sc_path *p = &s->paths[k];
    float v = sc_range (r, WALK_MIN, WALK_MAX);
    float len = hypotf (p->x1 - p->x0, p->y1 - p->y0);
    float tm = sc_range (r, 0.25f, 0.4f);
    for (int tries = 0; tries < 20; tries++) {
      sc_path_at (p, tm, 0.0f, dir, &x, &y);
      if (x > 0.1f && x < XM - 0.1f && y > 0.1f && y < 0.9f)
        break;
      tm = sc_range (r, 0.2f, 0.6f);
    }
    a = sc_walker (s, r, k, dir, t0 - (int64_t) (tm * len / v), v);
    if (!a)
      return 0;
    a->n_wp = 1;
    sc_path_at (p, tm, 0.0f, dir, &x, &y);
    sc_wp (a, x, y, v);
    t0 = a->wt[1];
    for (int tries = 0; tries < 2000 && a->n_wp < SC_MAX_WP - 2
        && a->wt[a->n_wp - 1] < t0 + d; tries++) {
      float ang = sc_range (r, 0.0f, 2.0f * SC_PI);
      float step = sc_range (r, 0.02f, 0.06f);
      float nx = x + step * cosf (ang), ny = y + step * sinf (ang);
      float tt;
      float dd = sc_seg_dist (nx, ny, p->x0, p->y0, p->x1, p->y1, &tt);
      if (dd > 0.9f * p->hw || nx < 0.02f || nx > XM - 0.02f || ny < 0.05f
          || ny > 0.98f)
        continue;
      x = nx;
      y = ny;
      sc_wp (a, x, y, sc_range (r, 0.004f, 0.012f) * XM);
    }
    d = a->wt[a->n_wp - 1] - t0;
    sc_path_at (p, 1.0f, 0.0f, dir, &x, &y);
    sc_wp (a, x, y, v);
  }
  if (!a)
    return 0;
  a->akind = kind;
  a->a0 = t0;
  a->a1 = kind == AD_ANOM_RUNNING || kind == AD_ANOM_VEHICLE
      || kind == AD_ANOM_OFF_PATH ? a->wt[a->n_wp - 1] : t0 + d;
  return a->a1 - t0;
}

/* n_ev anomaly events (0: one per 150 frames, as a TEST clip has): the
 * six kinds in a seeded order, repeated, each 45-80 frames in the middle
 * of its own equal slot of the clip. */
static void
sc_events (ad_scene *s, ad_rng *r, int64_t n_ev)
{
  ad_anomaly_kind order[6] = { AD_ANOM_RUNNING, AD_ANOM_OFF_PATH,
    AD_ANOM_WRONG_WAY, AD_ANOM_VEHICLE, AD_ANOM_LEFT_OBJECT, AD_ANOM_ERRATIC };
  for (int k = 5; k > 0; k--) {
    int j = (int) (ad_rng_u32 (r) % (uint32_t) (k + 1));
    ad_anomaly_kind tmp = order[k];
    order[k] = order[j];
    order[j] = tmp;
  }
  if (n_ev <= 0)
    n_ev = (s->n + 75) / 150;
  if (n_ev < 1)
    n_ev = 1;
  int64_t slot = s->n / n_ev;
  for (int64_t e = 0; e < n_ev; e++) {
    int64_t d = (int64_t) sc_range (r, 45.0f, 80.0f);
    if (d > slot * 2 / 3)
      d = slot * 2 / 3;
    int64_t t0 = e * slot + (slot - d) / 2 + (int64_t) sc_range (r, -10, 10);
    if (t0 < 0)
      t0 = 0;
    sc_event (s, r, order[e % 6], t0, d);
  }
}

/* ------------------------------------------------------------------------ */
/* Surveillance rendering                                                   */

static float
sc_persp (float y)
{
  return 0.6f + 0.8f * (y < 0 ? 0 : y > 1 ? 1 : y);
}

static void
sc_draw_person (const ad_scene *s, sc_canvas *cv, const sc_actor *a,
    double t, int mval)
{
  float X, Y, dist;
  int k = sc_pos (a, t, &X, &Y, &dist);
  float sx = s->w / XM, sy = (float) s->h;
  float hgt = a->size * sc_persp (Y) * sy;      /* body height, px */
  float fx = X * sx, fy = Y * sy;
  float dx = a->wx[k + 1] - a->wx[k], dy = a->wy[k + 1] - a->wy[k];
  float l = hypotf (dx, dy);
  float side = l > 0 ? fabsf (dx) / l : 0.0f;   /* 1: seen from the side */
  float ph = a->gait0 + 2.0f * SC_PI * dist / (0.075f * a->size / 0.115f);
  float sw = sinf (ph), bob = fabsf (cosf (ph)) * 0.03f * hgt;
  float shirt[3], pants[3], skin[3], hair[3];
  sc_col (a->col[0], shirt);
  sc_col (a->col[1], pants);
  sc_col (a->col[2], skin);
  sc_col (a->col[3], hair);
  float hip = fy - 0.47f * hgt - bob, lw = 0.055f * hgt;
  float stride = 0.17f * hgt * side, lift = 0.05f * hgt * (1.0f - side);
  /* legs */
  sc_capsule (cv, fx - 0.05f * hgt, hip, fx + sw * stride - 0.04f * hgt,
      fy - lift * (sw > 0 ? sw : 0), lw, pants, mval);
  sc_capsule (cv, fx + 0.05f * hgt, hip, fx - sw * stride + 0.04f * hgt,
      fy - lift * (sw < 0 ? -sw : 0), lw, pants, mval);
  /* torso */
  float ty = fy - 0.65f * hgt - bob;
  sc_ellipse (cv, fx, ty, 0.14f * hgt, 0.21f * hgt, shirt, 1, mval);
  if (a->striped) {
    float dark[3] = { shirt[0] * 0.5f, shirt[1] * 0.5f, shirt[2] * 0.5f };
    for (int j = -1; j <= 1; j++)
      sc_rect (cv, fx - 0.12f * hgt, ty + j * 0.1f * hgt - 0.02f * hgt,
          fx + 0.12f * hgt, ty + j * 0.1f * hgt + 0.02f * hgt, dark, 1.0f,
          mval);
  }
  /* arms swing against the legs */
  float sh = ty - 0.15f * hgt, as = 0.13f * hgt * side;
  sc_capsule (cv, fx - 0.13f * hgt, sh, fx - 0.14f * hgt - sw * as,
      sh + 0.3f * hgt, 0.04f * hgt, shirt, mval);
  sc_capsule (cv, fx + 0.13f * hgt, sh, fx + 0.14f * hgt + sw * as,
      sh + 0.3f * hgt, 0.04f * hgt, shirt, mval);
  /* head with hair */
  float hy = fy - 0.93f * hgt - bob;
  sc_ellipse (cv, fx, hy, 0.085f * hgt, 0.09f * hgt, skin, 1, mval);
  sc_ellipse (cv, fx, hy - 0.04f * hgt, 0.085f * hgt, 0.05f * hgt, hair, 0,
      mval);
  if (t < a->carry_until) {     /* carried bag: part of the person */
    float bag[3] = { 0.2f, 0.18f, 0.15f };
    sc_rect (cv, fx + 0.12f * hgt, fy - 0.4f * hgt, fx + 0.3f * hgt,
        fy - 0.22f * hgt, bag, 1.0f, mval);
  }
}

static void
sc_draw_car (const ad_scene *s, sc_canvas *cv, const sc_actor *a, double t,
    int mval)
{
  float X, Y;
  sc_pos (a, t, &X, &Y, NULL);
  float sx = s->w / XM, sy = (float) s->h, p = sc_persp (Y);
  float cx = X * sx, by = Y * sy + 0.03f * sy * p;
  float L = 0.13f * p * sx, Hh = 0.05f * p * sy;
  float body[3], glass[3] = { 0.25f, 0.3f, 0.38f }, tyre[3] = { 0.08f, 0.08f,
    0.08f }, hub[3] = { 0.6f, 0.6f, 0.6f };
  sc_col (a->col[0], body);
  sc_rect (cv, cx - L, by - Hh, cx + L, by - 0.25f * Hh, body, 1.0f, mval);
  sc_rect (cv, cx - 0.6f * L, by - 1.8f * Hh, cx + 0.5f * L, by - Hh, body,
      1.1f, mval);
  sc_rect (cv, cx - 0.5f * L, by - 1.65f * Hh, cx - 0.08f * L, by - 1.05f * Hh,
      glass, 1.0f, mval);
  sc_rect (cv, cx + 0.0f * L, by - 1.65f * Hh, cx + 0.42f * L, by - 1.05f * Hh,
      glass, 1.0f, mval);
  for (int j = -1; j <= 1; j += 2) {
    float wx = cx + j * 0.62f * L;
    sc_ellipse (cv, wx, by - 0.25f * Hh, 0.4f * Hh * sx / sy, 0.4f * Hh,
        tyre, 0, mval);
    sc_ellipse (cv, wx, by - 0.25f * Hh, 0.18f * Hh * sx / sy, 0.18f * Hh,
        hub, 0, mval);
  }
}

static int
sc_cmp_y (const void *pa, const void *pb)
{
  const float *a = pa, *b = pb;
  return (a[0] > b[0]) - (a[0] < b[0]);
}

static ad_status
sc_render_surv (ad_scene *s, int64_t i, uint8_t *rgb, ad_anomaly_kind *kind)
{
  size_t npix = (size_t) s->w * s->h;
  memcpy (s->frame, s->bg, npix * 3);
  memset (s->mask, 0, npix);
  sc_canvas cv = { s->frame, s->mask, s->w, s->h };
  float sx = s->w / XM, sy = (float) s->h;
  for (int k = 0; s->kind == AD_SCENE_WINDY && k < s->n_trees; k++) {
    float ox, oy;
    sc_sway (s, k, i, &ox, &oy);
    sc_canopy (s, &cv, k, ox, oy);
  }
  /* visible actors sorted by foot Y: [n, 2] (y, index) */
  float order[64][2];
  int nv = 0;
  ad_anomaly_kind ak = AD_ANOM_NONE;
  for (int j = 0; j < s->n_act && nv < 64; j++) {
    const sc_actor *a = &s->act[j];
    if (i < a->wt[0] || i >= a->wt[a->n_wp - 1])
      continue;
    float X, Y;
    sc_pos (a, (double) i, &X, &Y, NULL);
    /* anomalous objects are drawn last so that the truth mask holds the
     * whole object and never vanishes behind a passer-by */
    order[nv][0] = Y + (a->type == ACT_BAG ? -0.001f : 0.0f)
        + (a->akind != AD_ANOM_NONE && i >= a->a0 && i < a->a1 ? 10.0f : 0.0f);
    order[nv][1] = (float) j;
    nv++;
  }
  qsort (order, (size_t) nv, sizeof (order[0]), sc_cmp_y);
  for (int v = 0; v < nv; v++) {       /* shadows first */
    const sc_actor *a = &s->act[(int) order[v][1]];
    float X, Y, p;
    sc_pos (a, (double) i, &X, &Y, NULL);
    p = sc_persp (Y);
    float rx = (a->type == ACT_CAR ? 0.15f : a->type == ACT_BAG ? 0.02f
        : 0.035f) * p;
    float oy = a->type == ACT_CAR ? 0.03f * p : 0.0f;
    sc_shadow (&cv, (X + 0.3f * rx) * sx, (Y + oy) * sy, rx * sx,
        rx * 0.3f * sy, 0.35f);
  }
  for (int v = 0; v < nv; v++) {
    const sc_actor *a = &s->act[(int) order[v][1]];
    int anom = a->akind != AD_ANOM_NONE && i >= a->a0 && i < a->a1;
    int mval = anom ? 255 : 0;
    if (anom)
      ak = a->akind;
    if (a->type == ACT_PERSON) {
      sc_draw_person (s, &cv, a, (double) i, mval);
    } else if (a->type == ACT_CAR) {
      sc_draw_car (s, &cv, a, (double) i, mval);
    } else {
      float bag[3], strap[3] = { 0.1f, 0.1f, 0.1f };
      float X = a->wx[0] * sx, Y = a->wy[0] * sy, p = sc_persp (a->wy[0]);
      float bw = 0.022f * p * sx, bh = 0.035f * p * sy;
      sc_col (a->col[1], bag);
      sc_capsule (&cv, X - 0.5f * bw, Y - bh, X + 0.5f * bw, Y - bh,
          0.1f * bh, strap, mval);
      sc_rect (&cv, X - bw, Y - bh, X + bw, Y, bag, 1.0f, mval);
    }
  }
  *kind = sc_mask_any (s) ? ak : AD_ANOM_NONE;
  /* camera effects */
  float gain[3] = { 1.0f, 1.0f, 1.0f }, sigma = 1.5f;
  int jx = 0, jy = 0;
  if (s->clip == AD_CLIP_NUISANCE) {
    float ph = sc_lattice ((int) s->seed, 5, 9) * 2.0f * SC_PI;
    float g = 1.0f + 0.2f * sinf (ph + 2.0f * SC_PI * (float) i
        / (float) (s->n > 100 ? s->n : 100));
    gain[0] = g * (1.0f + 0.03f * (g - 1.0f) / 0.2f);
    gain[1] = g;
    gain[2] = g * (1.0f - 0.03f * (g - 1.0f) / 0.2f);
    sigma = 3.0f;
    /* jitter: new integer shift every 4..10 frames */
    int64_t blk = i / 7;
    uint32_t hsh = sc_hash (s->seed, 0xB00 + (uint32_t) (i / 7), 3);
    if (hsh & 1) {
      jx = (int) ((hsh >> 1) % 5) - 2;
      jy = (int) ((hsh >> 4) % 5) - 2;
    }
    (void) blk;
  }
  sc_finish (s, i, s->frame, rgb, sigma, gain, jx, jy);
  return AD_OK;
}

/* ------------------------------------------------------------------------ */
/* Industrial surfaces                                                      */

static void
sc_surface (const ad_scene *s, float X, float Y, float ox, float oy,
    float out[3])
{
  uint32_t sd = s->seed * 131u;
  float u = X + ox, v = Y + oy, t = 0.5f;
  const float *a = s->tex_col[0], *b = s->tex_col[1];
  switch (s->family) {
    case 0:                    /* brushed metal: streaks along X */
      t = 0.5f + 0.35f * (sc_fbm (u * 2.0f, v * 160.0f, 2, sd) - 0.5f)
          + 0.2f * (sc_noise (u * 30.0f, v * 600.0f, sd + 1) - 0.5f)
          + 0.25f * expf (-(Y - 0.4f) * (Y - 0.4f) * 8.0f);
      break;
    case 1: {                  /* woven fabric: over-under threads */
      float f = s->tex_freq, gu = u * f, gv = v * f;
      int iu = (int) floorf (gu), iv = (int) floorf (gv);
      float fu = gu - iu, fv = gv - iv;
      int warp = (iu + iv) & 1;
      float prof = warp ? sinf (SC_PI * fu) : sinf (SC_PI * fv);
      t = 0.25f + 0.6f * prof + 0.15f * sc_noise (u * 200.0f, v * 200.0f, sd);
      if (warp)
        t = 1.0f - 0.5f * (1.0f - t);
      break;
    }
    case 2: {                  /* wood grain: wavy rings along X */
      float w = v * s->tex_freq + 3.0f * sc_fbm (u * 1.5f, v * 3.0f, 3, sd);
      t = 0.5f + 0.35f * sinf (2.0f * SC_PI * w) * sinf (2.0f * SC_PI * w)
          + 0.15f * (sc_noise (u * 8.0f, v * 200.0f, sd + 2) - 0.5f);
      break;
    }
    default: {                 /* granular stone: speckled grains */
      float g = sc_lattice ((int) floorf (u * s->tex_freq),
          (int) floorf (v * s->tex_freq), sd + 3);
      float g2 = sc_lattice ((int) floorf (u * s->tex_freq * 2.3f),
          (int) floorf (v * s->tex_freq * 2.3f), sd + 4);
      t = 0.35f + 0.3f * sc_fbm (u * 4.0f, v * 4.0f, 2, sd + 5) + 0.25f * g
          + (g2 > 0.93f ? 0.3f : g2 < 0.06f ? -0.25f : 0.0f);
      break;
    }
  }
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  for (int c = 0; c < 3; c++)
    out[c] = a[c] + (b[c] - a[c]) * t;
}

static void
sc_ind_layout (ad_scene *s)
{
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0x1D5, 1));
  s->family = (int) (ad_rng_u32 (&r) % 4);
  static const float pal[4][2][3] = {
    { {0.35f, 0.37f, 0.4f}, {0.75f, 0.77f, 0.8f} },
    { {0.15f, 0.2f, 0.35f}, {0.55f, 0.6f, 0.75f} },
    { {0.35f, 0.2f, 0.1f}, {0.7f, 0.5f, 0.3f} },
    { {0.25f, 0.24f, 0.22f}, {0.75f, 0.72f, 0.68f} } };
  float m = sc_range (&r, 0.85f, 1.15f);
  for (int k = 0; k < 2; k++)
    for (int c = 0; c < 3; c++)
      s->tex_col[k][c] = pal[s->family][k][c] * m * sc_range (&r, 0.96f, 1.04f);
  s->tex_freq = s->family == 1 ? sc_range (&r, 30, 45)
      : s->family == 2 ? sc_range (&r, 4, 8) : sc_range (&r, 50, 80);
}

static ad_status
sc_render_ind (ad_scene *s, int64_t i, uint8_t *rgb, ad_anomaly_kind *kind)
{
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0x1E0 + s->clip, (uint32_t) i));
  int w = s->w, h = s->h;
  float sx = w / XM, sy = (float) h;
  float ox = sc_range (&r, -0.05f, 0.05f), oy = sc_range (&r, -0.05f, 0.05f);
  float br = sc_range (&r, 0.96f, 1.04f), sigma = 2.0f;
  if (s->clip == AD_CLIP_NUISANCE) {
    br = sc_range (&r, 0.85f, 1.15f);
    sigma = sc_range (&r, 2.0f, 6.0f);
  }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float col[3];
      sc_surface (s, (x + 0.5f) / sx, (y + 0.5f) / sy, ox, oy, col);
      sc_put (&(sc_canvas) { s->frame, s->mask, w, h }, x, y, col, 1.0f, -1);
    }
  memset (s->mask, 0, (size_t) w * h);
  sc_canvas cv = { s->frame, s->mask, w, h };
  ad_anomaly_kind k = s->labels ? (ad_anomaly_kind) s->labels[i] : AD_ANOM_NONE;
  float cx = sc_range (&r, 0.25f, XM - 0.25f), cy = sc_range (&r, 0.25f, 0.75f);
  float lw = fmaxf (0.004f * sy, 0.6f);
  float avg[3];
  sc_surface (s, cx, cy, ox, oy, avg);
  float lum = (avg[0] + avg[1] + avg[2]) / 3.0f;
  if (k == AD_ANOM_SCRATCH) {
    float ang = sc_range (&r, 0, SC_PI), len = sc_range (&r, 0.15f, 0.35f);
    float c = lum > 0.5f ? 0.25f : 0.9f, col[3] = { c, c, c * 1.02f };
    sc_capsule (&cv, (cx - len * cosf (ang)) * sx, (cy - len * sinf (ang)) * sy,
        (cx + len * cosf (ang)) * sx, (cy + len * sinf (ang)) * sy, lw, col,
        255);
  } else if (k == AD_ANOM_SPOT) {
    float rad = sc_range (&r, 0.03f, 0.08f), col[3];
    float tint = sc_range (&r, 0, 1);
    for (int c = 0; c < 3; c++)
      col[c] = lum > 0.45f ? avg[c] * 0.45f : fminf (avg[c] * 1.8f + 0.1f, 1.0f);
    col[0] = fminf (col[0] * (1.0f + 0.4f * tint), 1.0f);
    int x0, y0, x1, y1;
    sc_bbox (&cv, (cx - 1.5f * rad) * sx, (cy - 1.5f * rad) * sy,
        (cx + 1.5f * rad) * sx, (cy + 1.5f * rad) * sy, &x0, &y0, &x1, &y1);
    for (int y = y0; y <= y1; y++)
      for (int x = x0; x <= x1; x++) {
        float dx = (x + 0.5f) / sx - cx, dy = (y + 0.5f) / sy - cy;
        float an = atan2f (dy, dx);
        float rr = rad * (0.8f + 0.5f * sc_noise (an * 1.5f + 10.0f, 0.5f,
                s->seed + (uint32_t) i));
        if (dx * dx + dy * dy < rr * rr)
          sc_put (&cv, x, y, col, 1.0f, 255);
      }
  } else if (k == AD_ANOM_CRACK) {
    float col[3] = { 0.06f, 0.05f, 0.05f }, px = cx, py = cy;
    float ang = sc_range (&r, 0, 2.0f * SC_PI);
    int nseg = 6 + (int) (ad_rng_u32 (&r) % 7);
    for (int j = 0; j < nseg; j++) {
      ang += sc_range (&r, -0.9f, 0.9f);
      float len = sc_range (&r, 0.02f, 0.05f);
      float nx = px + len * cosf (ang), ny = py + len * sinf (ang);
      sc_capsule (&cv, px * sx, py * sy, nx * sx, ny * sy,
          lw * (j < nseg / 2 ? 1.3f : 0.8f), col, 255);
      px = nx;
      py = ny;
    }
  } else if (k == AD_ANOM_MISSING) {
    float col[3] = { 0.07f, 0.07f, 0.08f };
    float rw = sc_range (&r, 0.05f, 0.12f), rh = sc_range (&r, 0.05f, 0.12f);
    sc_rect (&cv, (cx - rw) * sx, (cy - rh) * sy, (cx + rw) * sx,
        (cy + rh) * sy, col, 1.0f, 255);
  }
  *kind = sc_mask_any (s) ? k : AD_ANOM_NONE;
  float gain[3] = { br, br, br };
  sc_finish (s, i, s->frame, rgb, sigma, gain, 0, 0);
  return AD_OK;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */

const char *
ad_anomaly_name (ad_anomaly_kind k)
{
  static const char *names[AD_ANOM_COUNT] = { "none", "running", "off-path",
    "wrong-way", "vehicle", "left-object", "erratic", "scratch", "spot",
    "crack", "missing" };
  return (unsigned) k < AD_ANOM_COUNT ? names[k] : "unknown";
}

int
ad_scene_kind_from_name (const char *name, ad_scene_kind *kind)
{
  static const char *names[] = { "surveillance", "industrial", "sparse",
    "crowded", "windy", "clock" };
  for (int k = 0; name && k < (int) (sizeof names / sizeof names[0]); k++)
    if (strcmp (name, names[k]) == 0) {
      *kind = (ad_scene_kind) k;
      return 1;
    }
  return 0;
}

ad_status
ad_scene_add_events (ad_scene *s, int n, ad_error *err)
{
  if (!s || n < 0)
    return ad_fail (err, AD_ERR_ARG, "scene: bad arguments to add events");
  if (n == 0)
    return AD_OK;
  if (s->kind == AD_SCENE_INDUSTRIAL)
    return ad_fail (err, AD_ERR_ARG, "scene: the industrial scene has no "
        "events to add (its test clip labels images)");
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0xE7E + (uint32_t) s->clip,
          (uint32_t) n));
  sc_events (s, &r, n);
  return AD_OK;
}

ad_status
ad_scene_add_clouds (ad_scene *s, float depth, ad_error *err)
{
  if (!s || !(depth >= 0.0f && depth < 1.0f))
    return ad_fail (err, AD_ERR_ARG, "scene: cloud depth must be in [0, 1)");
  if (s->kind == AD_SCENE_INDUSTRIAL && depth > 0.0f)
    return ad_fail (err, AD_ERR_ARG, "scene: the industrial scene has no "
        "sky to cast cloud shadows");
  s->cloud_depth = depth;
  return AD_OK;
}

ad_status
ad_scene_add_leaves (ad_scene *s, float depth, ad_error *err)
{
  if (!s || !(depth >= 0.0f && depth < 1.0f))
    return ad_fail (err, AD_ERR_ARG, "scene: leaf shade depth must be in "
        "[0, 1)");
  if (s->kind == AD_SCENE_INDUSTRIAL && depth > 0.0f)
    return ad_fail (err, AD_ERR_ARG, "scene: the industrial scene has no "
        "trees to cast a dappled shade");
  int redraw = (s->leaf_depth > 0.0f) != (depth > 0.0f);
  s->leaf_depth = depth;
  if (redraw)
    sc_render_bg (s);           /* the trees' still shadows come or go */
  sc_leaf_layout (s);
  return AD_OK;
}

static int64_t
sc_default_len (ad_scene_kind kind, ad_scene_clip clip)
{
  static const int64_t surv[4] = { 1500, 300, 900, 600 };
  static const int64_t ind[4] = { 200, 50, 200, 100 };
  if (kind == AD_SCENE_SPARSE && clip == AD_CLIP_TRAIN)
    return 300;
  return kind == AD_SCENE_INDUSTRIAL ? ind[clip] : surv[clip];
}

ad_status
ad_scene_new (ad_scene_kind kind, ad_scene_clip clip, int width,
    int height, int64_t n_frames, uint32_t seed, ad_scene **out,
    ad_error *err)
{
  if (!out)
    return ad_fail (err, AD_ERR_ARG, "scene: out is NULL");
  *out = NULL;
  if ((unsigned) kind > AD_SCENE_CLOCK)
    return ad_fail (err, AD_ERR_ARG, "scene: unknown scene kind %d", kind);
  if ((unsigned) clip > AD_CLIP_NUISANCE)
    return ad_fail (err, AD_ERR_ARG, "scene: unknown clip %d", clip);
  if (width < 32 || height < 32 || width > 8192 || height > 8192)
    return ad_fail (err, AD_ERR_ARG,
        "scene: size %dx%d out of range (32..8192 each side)", width, height);
  /* trajectories are precomputed: memory and per-frame work grow with the
   * clip (about 25 bytes per frame), so clips are capped at 2^22 frames */
  if (n_frames > ((int64_t) 1 << 22))
    return ad_fail (err, AD_ERR_ARG, "scene: too many frames (%lld > %lld)",
        (long long) n_frames, (long long) 1 << 22);
  ad_scene *s = calloc (1, sizeof (*s));
  if (!s)
    return ad_fail (err, AD_ERR_NOMEM, "scene: out of memory");
  s->kind = kind;
  s->clip = clip;
  s->w = width;
  s->h = height;
  s->seed = seed;
  s->n = n_frames > 0 ? n_frames : sc_default_len (kind, clip);
  size_t npix = (size_t) width * height;
  s->frame = malloc (npix * 3);
  s->mask = malloc (npix);
  ad_rng r;
  ad_rng_seed (&r, 12345);
  for (int k = 0; k < 4096; k++)
    s->noise_tab[k] = ad_rng_normal (&r);
  ad_status st = AD_OK;
  if (!s->frame || !s->mask) {
    st = ad_fail (err, AD_ERR_NOMEM, "scene: out of memory for %dx%d",
        width, height);
  } else if (kind == AD_SCENE_INDUSTRIAL) {
    sc_ind_layout (s);
    if (clip == AD_CLIP_TEST) {
      s->labels = calloc ((size_t) s->n, 1);
      if (!s->labels) {
        st = ad_fail (err, AD_ERR_NOMEM, "scene: out of memory for labels");
      } else {
        /* half the frames defective, the four kinds in turn, shuffled */
        ad_rng_seed (&r, sc_hash (seed, 0x1AB, 2));
        for (int64_t j = 0; j < s->n / 2; j++)
          s->labels[j] = (uint8_t) (AD_ANOM_SCRATCH + j % 4);
        for (int64_t j = s->n - 1; j > 0; j--) {
          int64_t q = (int64_t) (ad_rng_u32 (&r) % (uint32_t) (j + 1));
          uint8_t t = s->labels[j];
          s->labels[j] = s->labels[q];
          s->labels[q] = t;
        }
      }
    }
  } else {
    sc_layout (s);
    s->bg = malloc (npix * 3);
    /* windy and clock scenes have the activity of the surveillance one:
     * the same people and anomalies */
    ad_rng_seed (&r, sc_hash (seed, 0xAC7 + (uint32_t) clip,
            (uint32_t) (kind == AD_SCENE_WINDY || kind == AD_SCENE_CLOCK ?
                AD_SCENE_SURVEILLANCE : kind)));
    if (!s->bg)
      st = ad_fail (err, AD_ERR_NOMEM, "scene: out of memory for background");
    else
      st = sc_normal_activity (s, &r, err);
    if (st == AD_OK && clip == AD_CLIP_TEST)
      sc_events (s, &r, 0);
    if (st == AD_OK)
      sc_render_bg (s);
  }
  if (st != AD_OK) {
    ad_scene_free (s);
    return st;
  }
  *out = s;
  return AD_OK;
}

void
ad_scene_free (ad_scene *s)
{
  if (!s)
    return;
  free (s->act);
  free (s->labels);
  free (s->bg);
  free (s->frame);
  free (s->mask);
  free (s);
}

int64_t
ad_scene_n_frames (const ad_scene *s)
{
  return s ? s->n : 0;
}

/* rgb [h, w, 3] = v (gray) over [x0, x1) x [y0, y1), clipped to the
 * picture; with clear, the truth mask there too (returns 1 when it held
 * any). */
static int
sc_fill (ad_scene *s, uint8_t *rgb, int x0, int y0, int x1, int y1,
    uint8_t v, int clear)
{
  int had = 0;
  x0 = x0 < 0 ? 0 : x0;
  y0 = y0 < 0 ? 0 : y0;
  x1 = x1 > s->w ? s->w : x1;
  y1 = y1 > s->h ? s->h : y1;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      size_t p = (size_t) y * s->w + x;
      rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = v;
      if (clear) {
        had |= s->mask[p] != 0;
        s->mask[p] = 0;
      }
    }
  return had;
}

/* On-screen clock (clock scene), as many CCTV cameras burn in: the time
 * of day as HH:MM:SS in seven-segment digits, near white on a dark box
 * in the top left corner, drawn after the camera effects (the camera adds
 * it to its own output: no lighting, noise or jitter); the seconds tick
 * every 25 frames from a time of day that differs from clip to clip.
 * Clears the truth mask under the box; returns 1 when it cleared any. */
static int
sc_osd_clock (ad_scene *s, int64_t i, uint8_t *rgb)
{
  static const uint8_t seg[10] = { 0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D,
    0x07, 0x7F, 0x6F };          /* bits a..g: top, upper right, lower
                                  * right, bottom, lower left, upper left,
                                  * middle */
  int64_t t = 8 * 3600 + sc_hash (s->seed, 0xC10C, (uint32_t) s->clip) %
      36000u + i / 25;
  int v[6] = { (int) (t / 36000 % 3), (int) (t / 3600 % 24 % 10),
    (int) (t / 600 % 6), (int) (t / 60 % 10), (int) (t / 10 % 6),
    (int) (t % 10) };
  int dh = s->h / 20 > 7 ? s->h / 20 : 7, dw = dh / 2 + 1;
  int st = dh / 7 > 1 ? dh / 7 : 1, gap = st + 1;
  int x0 = s->w / 50 + 1, y0 = s->h / 50 + 1;
  /* box: 6 digits, two colons (a stroke wide), margins of a stroke */
  int bx1 = x0 + 6 * (dw + gap) + 2 * (st + gap) + st, by1 = y0 + dh + 2 * st;
  int cleared = sc_fill (s, rgb, x0 - st, y0 - st, bx1, by1, 24, 1);
  int x = x0;
  for (int d = 0; d < 6; d++) {
    /* segment rectangles relative to the digit: [x0, y0, x1, y1) */
    int r[7][4] = { { 0, 0, dw, st }, { dw - st, 0, dw, dh / 2 + 1 },
      { dw - st, dh / 2, dw, dh }, { 0, dh - st, dw, dh },
      { 0, dh / 2, st, dh }, { 0, 0, st, dh / 2 + 1 },
      { 0, dh / 2 - st / 2, dw, dh / 2 - st / 2 + st } };
    for (int g = 0; g < 7; g++)
      if (seg[v[d]] >> g & 1)
        sc_fill (s, rgb, x + r[g][0], y0 + r[g][1], x + r[g][2],
            y0 + r[g][3], 235, 0);
    x += dw + gap;
    if (d == 1 || d == 3) {     /* a colon: two dots */
      sc_fill (s, rgb, x, y0 + dh / 3 - st, x + st, y0 + dh / 3, 235, 0);
      sc_fill (s, rgb, x, y0 + 2 * dh / 3, x + st, y0 + 2 * dh / 3 + st,
          235, 0);
      x += st + gap;
    }
  }
  return cleared;
}

ad_status
ad_scene_render (ad_scene *s, int64_t i, uint8_t *rgb,
    uint8_t *mask, ad_anomaly_kind *kind, ad_error *err)
{
  if (!s || !rgb)
    return ad_fail (err, AD_ERR_ARG, "scene: NULL scene or output buffer");
  if (i < 0 || i >= s->n)
    return ad_fail (err, AD_ERR_ARG, "scene: frame %lld outside 0..%lld",
        (long long) i, (long long) s->n - 1);
  ad_anomaly_kind k = AD_ANOM_NONE;
  ad_status st = s->kind == AD_SCENE_INDUSTRIAL ? sc_render_ind (s, i, rgb, &k)
      : sc_render_surv (s, i, rgb, &k);
  if (st != AD_OK)
    return st;
  /* the clock may hide the whole anomaly */
  if (s->kind == AD_SCENE_CLOCK && sc_osd_clock (s, i, rgb) &&
      !sc_mask_any (s))
    k = AD_ANOM_NONE;
  if (mask)
    memcpy (mask, s->mask, (size_t) s->w * s->h);
  if (kind)
    *kind = k;
  return AD_OK;
}
