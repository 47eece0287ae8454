/* ad-scene.c - deterministic generated scenes with ground truth: the public
 * API, the shapes drawn on a pixel canvas and the surveillance frame.  The
 * layout and background are in ad-scene-layout.c, the actors and anomaly
 * events in ad-scene-actors.c, the light and the camera's finish in
 * ad-scene-light.c, the industrial scene in ad-scene-ind.c; what they
 * share is in ad-scene-internal.h.
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
#include "ad-scene-internal.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Drawing on a pixel canvas.  Shapes are given in pixels; mval >= 0 writes */
/* the mask (255 anomalous object, 0 normal object covering), -1 leaves it. */

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
void
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
void
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

void
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

/* 1 when the truth mask s->mask [h, w] marks any pixel. */
int
sc_mask_any (const ad_scene *s)
{
  for (size_t p = 0; p < (size_t) s->w * s->h; p++)
    if (s->mask[p])
      return 1;
  return 0;
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
  /* a->size: 1 for a car, less for a cart */
  float cx = X * sx, by = Y * sy + 0.03f * sy * p * a->size;
  float L = 0.13f * p * sx * a->size, Hh = 0.05f * p * sy * a->size;
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
  const double t = sc_time (s, i);
  sc_canvas cv = { s->frame, s->mask, s->w, s->h };
  float sx = s->w / XM, sy = (float) s->h;
  for (int k = 0; s->kind == AD_SCENE_WINDY && k < s->n_trees; k++) {
    float ox, oy;
    sc_sway (s, k, t, &ox, &oy);
    sc_canopy (s, &cv, k, ox, oy);
  }
  /* visible actors sorted by foot Y: [n, 2] (y, index) */
  float order[64][2];
  int nv = 0;
  ad_anomaly_kind ak = AD_ANOM_NONE;
  for (int j = 0; j < s->n_act && nv < 64; j++) {
    const sc_actor *a = &s->act[j];
    if (t < a->wt[0] || t >= a->wt[a->n_wp - 1])
      continue;
    float X, Y;
    sc_pos (a, t, &X, &Y, NULL);
    /* anomalous objects are drawn last so that the truth mask holds the
     * whole object and never vanishes behind a passer-by */
    order[nv][0] = Y + (a->type == ACT_BAG ? -0.001f : 0.0f)
        + (a->akind != AD_ANOM_NONE && t >= a->a0 && t < a->a1 ? 10.0f : 0.0f);
    order[nv][1] = (float) j;
    nv++;
  }
  qsort (order, (size_t) nv, sizeof (order[0]), sc_cmp_y);
  for (int v = 0; v < nv; v++) {       /* shadows first */
    const sc_actor *a = &s->act[(int) order[v][1]];
    float X, Y, p;
    sc_pos (a, t, &X, &Y, NULL);
    p = sc_persp (Y);
    float rx = (a->type == ACT_CAR ? 0.15f * a->size : a->type == ACT_BAG
        ? 0.02f : 0.035f) * p;
    float oy = a->type == ACT_CAR ? 0.03f * p * a->size : 0.0f;
    sc_shadow (&cv, (X + 0.3f * rx) * sx, (Y + oy) * sy, rx * sx,
        rx * 0.3f * sy, 0.35f);
  }
  for (int v = 0; v < nv; v++) {
    const sc_actor *a = &s->act[(int) order[v][1]];
    int anom = a->akind != AD_ANOM_NONE && t >= a->a0 && t < a->a1;
    int mval = anom ? 255 : 0;
    if (anom)
      ak = a->akind;
    if (a->type == ACT_PERSON) {
      sc_draw_person (s, &cv, a, t, mval);
    } else if (a->type == ACT_CAR) {
      sc_draw_car (s, &cv, a, t, mval);
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
    float g = 1.0f + 0.2f * sinf (ph + 2.0f * SC_PI * (float) t
        / (float) (s->n > 100 ? s->n : 100));
    gain[0] = g * (1.0f + 0.03f * (g - 1.0f) / 0.2f);
    gain[1] = g;
    gain[2] = g * (1.0f - 0.03f * (g - 1.0f) / 0.2f);
    sigma = 3.0f;
    /* jitter: a new integer shift every 7 frames of scene time */
    int64_t blk = (int64_t) floor (t) / 7;
    uint32_t hsh = sc_hash (s->seed, 0xB00 + (uint32_t) blk, 3);
    if (hsh & 1) {
      jx = (int) ((hsh >> 1) % 5) - 2;
      jy = (int) ((hsh >> 4) % 5) - 2;
    }
  }
  sc_finish (s, i, s->frame, rgb, sigma, gain, jx, jy);
  return AD_OK;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */

const char *
ad_anomaly_name (ad_anomaly_kind k)
{
  static const char *names[AD_ANOM_COUNT] = { "none", "running", "off-path",
    "wrong-way", "vehicle", "left-object", "erratic", "cart", "scratch", "spot",
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
ad_scene_add_stops (ad_scene *s, float share, ad_error *err)
{
  if (!s || !(share >= 0.0f && share <= 1.0f))
    return ad_fail (err, AD_ERR_ARG, "scene: the share of walkers who "
        "stop must be in [0, 1]");
  if (share == 0.0f)
    return AD_OK;
  if (s->kind == AD_SCENE_INDUSTRIAL)
    return ad_fail (err, AD_ERR_ARG, "scene: the industrial scene has no "
        "people to stop");
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0x5709 + (uint32_t) s->clip, 0));
  sc_stops (s, &r, share);
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
  static const int64_t surv[4] = { 1500, 300, 1050, 600 };
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
  s->pace = 1;
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
    uint32_t act = (uint32_t) (kind == AD_SCENE_WINDY
        || kind == AD_SCENE_CLOCK ? AD_SCENE_SURVEILLANCE : kind);
    ad_rng_seed (&r, sc_hash (seed, 0xAC7 + (uint32_t) clip, act));
    if (!s->bg)
      st = ad_fail (err, AD_ERR_NOMEM, "scene: out of memory for background");
    else
      st = sc_normal_activity (s, &r, err);
    /* the events have a stream of their own, so that a longer clip keeps
     * the normal activity of a shorter one (ad_scene_add_events salts
     * with its count, 1 and up) */
    ad_rng_seed (&r, sc_hash (seed, 0xE7E + (uint32_t) clip, 0x10000u + act));
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

ad_status
ad_scene_set_pace (ad_scene *s, int k, ad_error *err)
{
  if (!s || k < 1 || k > AD_SCENE_PACE_MAX)
    return ad_fail (err, AD_ERR_ARG, "scene: pace %d outside 1..%d", k,
        AD_SCENE_PACE_MAX);
  if (s->kind == AD_SCENE_INDUSTRIAL && k > 1)
    return ad_fail (err, AD_ERR_ARG, "scene: the industrial scene's stills "
        "have no pace");
  s->pace = k;
  return AD_OK;
}

int64_t
ad_scene_n_frames (const ad_scene *s)
{
  return s ? s->n * s->pace : 0;
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
      36000u + (int64_t) floor (sc_time (s, i)) / 25;
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
  if (i < 0 || i >= ad_scene_n_frames (s))
    return ad_fail (err, AD_ERR_ARG, "scene: frame %lld outside 0..%lld",
        (long long) i, (long long) ad_scene_n_frames (s) - 1);
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
