/* ad-scene-actors.c - the actors of the surveillance scenes: people,
 * cars and bags with piecewise-linear trajectories precomputed when the
 * scene is created, the normal walkers on the paths and the anomaly
 * events (running, off the path, wrong way, vehicle, left object,
 * erratic). */
#include "ad-scene-internal.h"

#include <stdlib.h>
#include <string.h>

/* walking speed: 0.4-0.8 % of the frame width per frame, in world units */
#define WALK_MIN (0.004f * XM)
#define WALK_MAX (0.008f * XM)

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
int
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
ad_status
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

/* Normal walkers who stop on their path and stand a while (see
 * ad_scene_add_stops): each walker of the normal activity draws from r
 * whether it stops (u < share), for how long (2-8 s of scene time) and
 * how far it shuffles meanwhile, so that a smaller share stops a subset
 * of the same people.  The stop is at the walker's middle waypoint: two
 * waypoints are put in, a small step along its way and back, and every
 * later waypoint comes d frames later. */
void
sc_stops (ad_scene *s, ad_rng *r, float share)
{
  for (int i = 0; i < s->n_act; i++) {
    sc_actor *a = &s->act[i];
    if (a->type != ACT_PERSON || a->akind != AD_ANOM_NONE
        || a->carry_until != INT64_MIN || a->n_wp != 3)
      continue;
    float u = ad_rng_uniform (r);
    int64_t d = (int64_t) sc_range (r, 50.0f, 200.0f);
    float step = sc_range (r, 0.003f, 0.01f);
    if (u >= share)
      continue;
    float dx = a->wx[2] - a->wx[1], dy = a->wy[2] - a->wy[1];
    float l = hypotf (dx, dy);
    if (!(l > 0.0f))
      continue;
    float x1 = a->wx[1], y1 = a->wy[1], x2 = a->wx[2], y2 = a->wy[2];
    int64_t t1 = a->wt[1], t2 = a->wt[2];
    a->wx[2] = x1 + dx / l * step;
    a->wy[2] = y1 + dy / l * step;
    a->wt[2] = t1 + d / 2;
    a->cumd[2] = a->cumd[1] + step;
    a->wx[3] = x1;
    a->wy[3] = y1;
    a->wt[3] = t1 + d;
    a->cumd[3] = a->cumd[2] + step;
    a->wx[4] = x2;
    a->wy[4] = y2;
    a->wt[4] = t2 + d;
    a->cumd[4] = a->cumd[3] + l;
    a->n_wp = 5;
  }
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

/* A car of `size` (1: a car, less: a cart) driving along path 0 from
 * edge to edge, either way, at v world units a frame from frame t0. */
static sc_actor *
sc_drive (ad_scene *s, ad_rng *r, int64_t t0, float size, float v)
{
  const sc_path *p = &s->paths[0];
  int dir = ad_rng_uniform (r) < 0.5f ? 1 : -1;
  sc_actor *a = sc_actor_add (s, ACT_CAR, r);
  float x, y;
  if (!a)
    return NULL;
  a->size = size;
  a->wt[0] = t0;
  sc_path_at (p, -0.08f, 0.0f, dir, &x, &y);
  sc_wp (a, x, y, v);
  sc_path_at (p, 1.08f, 0.0f, dir, &x, &y);
  sc_wp (a, x, y, v);
  return a;
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
    a = sc_drive (s, r, t0, 1.0f,
        fminf (fmaxf (len / (float) d, 0.012f * XM), 0.02f * XM));
  } else if (kind == AD_ANOM_CART) {
    /* a small vehicle on the two-way footpath at a walker's speed (the
     * brisk end of it, to cross within its slot): nothing in its motion
     * is new, only what moves */
    const sc_path *p = &s->paths[0];
    float len = hypotf (p->x1 - p->x0, p->y1 - p->y0) + 0.16f;
    a = sc_drive (s, r, t0, 0.6f,
        fminf (fmaxf (len / (float) d, WALK_MIN), WALK_MAX));
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
      || kind == AD_ANOM_CART || kind == AD_ANOM_OFF_PATH
      ? a->wt[a->n_wp - 1] : t0 + d;
  return a->a1 - t0;
}

/* n_ev anomaly events (0: one per 150 frames, as a TEST clip has): the
 * seven kinds in a seeded order, repeated, each 45-80 frames in the middle
 * of its own equal slot of the clip (a cart crosses the picture at a
 * walker's speed: most of its slot). */
void
sc_events (ad_scene *s, ad_rng *r, int64_t n_ev)
{
  enum { KINDS = 7 };
  ad_anomaly_kind order[KINDS] = { AD_ANOM_RUNNING, AD_ANOM_OFF_PATH,
    AD_ANOM_WRONG_WAY, AD_ANOM_VEHICLE, AD_ANOM_LEFT_OBJECT, AD_ANOM_ERRATIC,
    AD_ANOM_CART };
  for (int k = KINDS - 1; k > 0; k--) {
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
    ad_anomaly_kind kind = order[e % KINDS];
    int64_t d = (int64_t) sc_range (r, 45.0f, 80.0f);
    if (kind == AD_ANOM_CART)
      d = (slot < 150 ? slot : 150) * 4 / 5;
    else if (d > slot * 2 / 3)
      d = slot * 2 / 3;
    int64_t t0 = e * slot + (slot - d) / 2 + (int64_t) sc_range (r, -10, 10);
    if (t0 < 0)
      t0 = 0;
    sc_event (s, r, kind, t0, d);
  }
}
