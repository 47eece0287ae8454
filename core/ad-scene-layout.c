/* ad-scene-layout.c - the surveillance layout: paths, grass, building,
 * bench and trees placed from the seed, and the still background rendered
 * from them once per scene. */
#include "ad-scene-internal.h"

#define SC_OFF 0.08f            /* how far outside the frame paths extend */

/* ------------------------------------------------------------------------ */
/* Surveillance layout                                                      */

float
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
int
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

void
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
void
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
void
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
