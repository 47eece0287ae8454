/* ad-scene-light.c - the light on a generated video scene and the camera's
 * finish: drifting cloud shadows (ad_scene_add_clouds), the wind that
 * sways the trees, the dappled shade they cast (ad_scene_add_leaves), and
 * the lighting gain, sensor noise and jitter applied to every frame. */
#include "ad-scene-internal.h"

/* ------------------------------------------------------------------------ */
/* Clouds, wind and dappled shade                                           */

/* The drifting cloud shadows at scene time t (ad_scene_add_clouds): SC_CLOUDS
 * soft-edged discs, each with its own size, height and speed, crossing
 * the picture from left to right and coming round again; cl [SC_CLOUDS,
 * 3] = centre X, Y and radius (scene units, XM x 1). */
#define SC_CLOUDS 3
#define SC_CLOUD_SOFT 0.15f
static void
sc_clouds (const ad_scene *s, double t, float cl[SC_CLOUDS][3])
{
  for (int k = 0; k < SC_CLOUDS; k++) {
    uint32_t hk = sc_hash (s->seed, 0xC10D, (uint32_t) k);
    float u1 = (float) (hk & 1023) / 1023.0f;
    float u2 = (float) ((hk >> 10) & 1023) / 1023.0f;
    float u3 = (float) ((hk >> 20) & 1023) / 1023.0f;
    float rad = 0.25f + 0.25f * u1;
    float v = (0.006f + 0.008f * u2) * XM;          /* units a frame */
    float span = XM + 2.0f * (rad + SC_CLOUD_SOFT) + 0.5f;
    cl[k][0] = fmodf (u3 * span + v * (float) t, span) - rad - SC_CLOUD_SOFT;
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

/* Wind (windy scene): tree k's canopy offset at scene time t, world units.
 * Each tree sways at its own period of 12-24 frames (1-2 Hz at 25
 * frames a second) by up to SC_SWAY, mostly sideways; gusts scale it
 * between 0.3 and 1 over tens of seconds, in every clip alike. */
#define SC_SWAY 0.02f           /* 2.4 px at 160x120 */
void
sc_sway (const ad_scene *s, int k, double t, float *ox, float *oy)
{
  float period = 12.0f + 12.0f * sc_lattice ((int) s->seed, k, 31);
  float ph = 2.0f * SC_PI * sc_lattice ((int) s->seed, k, 37);
  float gust = 0.3f + 0.7f * sc_noise ((float) t / 250.0f, (float) k * 7.0f,
      s->seed + 0x5A1 + (uint32_t) s->clip);
  float a = 2.0f * SC_PI * (float) t / period + ph;
  *ox = SC_SWAY * gust * sinf (a);
  *oy = 0.3f * SC_SWAY * gust * sinf (1.3f * a + ph);
}

/* The dappled shade of the trees (ad_scene_add_leaves) at time t: each
 * shade (s->leaf: one cast down and right by a low sun from each tree's
 * crown, and SC_LEAF_PATH cast across paths by trees out of view) is a
 * lumpy ellipse that sways in the wind 1.5 times as far as a crown
 * (sc_sway; the crown's top casts it) and holds sharp-edged flecks of sun
 * where the leaves part; each cluster of leaves moves by its own share of
 * the sway, so the flecks shift and change shape.  sw [SC_MAX_LEAF, 2] =
 * the sway at time t. */
static void
sc_leaf_sway (const ad_scene *s, double t, float sw[SC_MAX_LEAF][2])
{
  for (int k = 0; k < s->n_leaf; k++) {
    sc_sway (s, k, t, &sw[k][0], &sw[k][1]);
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
void
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

/* Sensor noise, lighting gain and integer shift applied while copying src
 * to dst ([h, w, 3] both).  Noise is N(0, sigma) per channel (in 0..255
 * units) from a stream seeded by (seed, clip, frame). */
void
sc_finish (ad_scene *s, int64_t i, const uint8_t *src, uint8_t *dst,
    float sigma, float gain[3], int sx, int sy)
{
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0xF00D + s->clip, (uint32_t) i));
  float cl[SC_CLOUDS][3], sw[SC_MAX_LEAF][2];
  if (s->cloud_depth > 0.0f)
    sc_clouds (s, sc_time (s, i), cl);
  if (s->leaf_depth > 0.0f)
    sc_leaf_sway (s, sc_time (s, i), sw);
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
