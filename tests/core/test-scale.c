/* test-scale.c - the scale rule: how tall the things that move stand in
 * the footage and how fast they move (ad_footage_height), the rule that
 * takes the near preset for tall ones (ad_config_fit_scale), the speed
 * rule's finer bins for slow ones (ad_config_fit_speed), the model's
 * relayout they need, and the trainer applying them before training
 * unless the user named the fields. */
#include "ad-internal.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define W 64
#define H 48
#define FRAMES 200

/* What a footage frame shows. */
typedef struct scene {
  int tall;          /* squares' height in rows */
  int light_steps;   /* 1: the light jumps by 1.4x every 40 frames */
  int still;         /* 1: nothing moves */
  int top_only;      /* 1: the tall squares in rows 0-15 only, short ones
                      * below (for the regions left out) */
  int shake;         /* 1: sharp vertical stripes, the picture shifted by
                      * up to 1 px each frame (a camera that shakes) */
  int pace;          /* 2: the squares move half as far a frame (0: 1) */
  int fast;          /* 2: the squares move twice as far a frame (0: 1) */
} scene;

/* feat [1, H, W] = frame t of s: a textured background with a little
 * noise, three squares 6 px wide moving right at 1-2 px a frame (divided
 * by the pace, times fast; a pixel the square's edge covers in part
 * takes its share of the square). */
static void
render (const scene *s, int t, float *feat)
{
  uint32_t r = 12345u + 7919u * (uint32_t) t;
  float gain = s->light_steps && (t / 40) % 2 ? 1.4f : 1.0f;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      r = r * 1664525u + 1013904223u;
      float noise = ((r >> 8) & 0xffff) / 65535.0f * 0.04f - 0.02f;
      feat[y * W + x] = gain * (0.35f + 0.1f * sinf (x * 0.4f) *
          cosf (y * 0.3f)) + noise;
      if (s->shake) {
        int dx = (int) ((7u * (uint32_t) t) % 3u) - 1;
        feat[y * W + x] = ((x + dx) / 5) % 2 ? 0.25f : 0.55f;
      }
    }
  if (s->still)
    return;
  for (int k = 0; k < 3; k++) {
    int tall = s->tall, y0 = 2 + 15 * k;
    if (s->top_only && k > 0)
      tall = 5;
    if (s->top_only && k == 0)
      y0 = 0;
    float pace = (s->pace > 1 ? (float) s->pace : 1.0f) /
        (s->fast > 1 ? (float) s->fast : 1.0f);
    float x0 = fmodf ((float) t / pace * (float) (1 + k % 2) + 23.0f *
        (float) k, (float) (W + 6)) - 6.0f;
    for (int y = y0; y < y0 + tall && y < H; y++)
      for (int x = (int) floorf (x0); x < x0 + 6.0f; x++) {
        float c = fminf ((float) x + 1.0f, x0 + 6.0f) - fmaxf ((float) x,
            x0);
        if (x >= 0 && x < W && c > 0.0f)
          feat[y * W + x] += c * (0.9f - feat[y * W + x]);
      }
  }
}

typedef struct footage {
  const scene *s;
} footage;

static const float *
footage_frame (void *user, int64_t i, float *buf, int *new_segment)
{
  const footage *f = user;
  render (f->s, (int) i, buf);
  *new_segment = i == 0;
  return buf;
}

static void
gray_config (ad_config *cfg)
{
  ad_config_default (cfg);
  cfg->width = W;
  cfg->height = H;
  cfg->color = 0;
  cfg->motion_inputs = 0;
  cfg->widths[0] = 8;
  cfg->widths[1] = 8;
  cfg->widths[2] = 8;
  cfg->widths[3] = 8;
  cfg->mem_items = 8;
  cfg->mem_skip_items = 8;
  cfg->seed = 5;
}

/* cfg = the small gray model's settings, near = those with the near
 * preset. */
static void
near_config (ad_config *cfg, ad_config *near)
{
  gray_config (cfg);
  *near = *cfg;
  CHECK_OK (ad_config_parse (near, "preset=near", NULL));
}

static double
measure (const scene *s, const float *skip, int64_t *blobs, double *speed)
{
  ad_config cfg;
  gray_config (&cfg);
  footage f = { s };
  double h = -1.0;
  CHECK_OK (ad_footage_height (FRAMES, footage_frame, &f, &cfg, skip, &h,
          blobs, speed, NULL));
  return h;
}

static void
test_height (void)
{
  int64_t blobs = 0;
  scene small = { 5, 0, 0, 0, 0 }, tall = { 14, 0, 0, 0, 0 };
  double h = measure (&small, NULL, &blobs, NULL);
  CHECK (h == 5.0 && blobs >= 20, "short squares: %g rows, %lld blobs", h,
      (long long) blobs);
  h = measure (&tall, NULL, &blobs, NULL);
  CHECK (h == 14.0 && blobs >= 20, "tall squares: %g rows, %lld blobs", h,
      (long long) blobs);
  /* a change of light over the whole picture is no tall object */
  scene lit = { 5, 1, 0, 0, 0 };
  h = measure (&lit, NULL, &blobs, NULL);
  CHECK (h == 5.0, "short squares under a light that jumps: %g rows", h);
  /* a camera that shakes by a pixel over sharp stripes: the edges are
   * no objects */
  scene shaky = { 5, 0, 0, 0, 1 };
  h = measure (&shaky, NULL, &blobs, NULL);
  CHECK (h == 5.0, "short squares, the camera shaking: %g rows", h);
  scene still = { 5, 0, 1, 0, 0 };
  h = measure (&still, NULL, &blobs, NULL);
  CHECK (h == 0.0 && blobs == 0, "nothing moves: %g rows, %lld blobs", h,
      (long long) blobs);
  /* the tall square moves in rows 0-15; left out, the short ones count */
  scene top = { 14, 0, 0, 1, 0 };
  h = measure (&top, NULL, &blobs, NULL);
  CHECK (h == 14.0, "a tall square among short ones, by area: %g rows", h);
  float skip[W * H];
  float rect[4] = { 0.0f, 0.0f, 1.0f, 16.0f / H };
  ad_regions_mask (rect, 1, H, W, skip);
  h = measure (&top, skip, &blobs, NULL);
  CHECK (h == 5.0, "the tall square's rows left out: %g rows", h);
  /* too little footage to judge: nothing measured, no error */
  ad_config cfg;
  gray_config (&cfg);
  footage f = { &small };
  double v = -1.0;
  CHECK_OK (ad_footage_height (1, footage_frame, &f, &cfg, NULL, &h, &blobs,
          &v, NULL));
  CHECK (h == 0.0 && blobs == 0 && v == 0.0, "one frame: %g rows, %g "
      "px/frame", h, v);
}

/* The speed ad_footage_height measures: the squares' 1-2 px a frame, half
 * of it at pace 2, nothing when nothing moves. */
static void
test_speed (void)
{
  int64_t blobs = 0;
  double v[3] = { -1.0, -1.0, -1.0 };
  scene usual = { 14, 0, 0, 0, 0, 1 }, slow = { 14, 0, 0, 0, 0, 2 },
      still = { 14, 0, 1, 0, 0, 1 };
  measure (&usual, NULL, &blobs, &v[0]);
  measure (&slow, NULL, &blobs, &v[1]);
  measure (&still, NULL, &blobs, &v[2]);
  printf ("speed: %.2f px/frame, %.2f at pace 2, %.2f still\n", v[0], v[1],
      v[2]);
  CHECK (v[0] >= 0.8 && v[0] <= 2.2, "1-2 px a frame read %g", v[0]);
  CHECK (v[1] >= 0.35 * v[0] && v[1] <= 0.65 * v[0], "pace 2 read %g "
      "(pace 1 %g)", v[1], v[0]);
  CHECK (v[2] == 0.0, "nothing moves: %g px/frame", v[2]);
}

static void
test_rule (void)
{
  ad_config cfg, near;
  near_config (&cfg, &near);
  ad_config c = cfg;
  /* the rule counts model pixels: under 21 nothing */
  CHECK (ad_config_fit_scale (&c, 20.5, 1.5, 100, 0) == AD_SCALE_NONE &&
      memcmp (&c, &cfg, sizeof c) == 0, "20.5 px: usual distance");
  /* 21 to under 25 (a camera 1.5 times as close, or a mixed-depth view):
   * the near preset's heatmap alone, the motion's settings kept */
  CHECK (ad_config_fit_scale (&c, 24.5, 1.5, 100, 0) == AD_SCALE_MAP &&
      c.motion_cell == cfg.motion_cell && c.flow_scale == cfg.flow_scale &&
      c.flow_bins == cfg.flow_bins && c.flow_busy == cfg.flow_busy &&
      c.wander_weight == cfg.wander_weight && c.map_learned ==
      near.map_learned && c.map_frame == near.map_frame && c.map_static ==
      near.map_static, "24.5 px: the near preset's heatmap (cell %d, "
      "map_learned %g)", c.motion_cell, c.map_learned);
  c = cfg;
  ad_config_set (&c, ad_config_field ("map_frame"), 0.25);
  CHECK (ad_config_fit_scale (&c, 22.0, 1.5, 100, 1u << AD_RATE_MAP_FRAME) ==
      AD_SCALE_MAP && c.map_frame == 0.25f && c.map_learned ==
      near.map_learned, "22 px, map_frame named: kept (%g)", c.map_frame);
  c = cfg;
  CHECK (ad_config_fit_scale (&c, 30.0, 1.5, 100, 0) == AD_SCALE_NEAR &&
      c.flow_scale == near.flow_scale && c.motion_cell ==
      near.motion_cell && c.flow_bins == near.flow_bins,
      "30 px: the near preset (scale %d cell %d bins %d)",
      c.flow_scale, c.motion_cell, c.flow_bins);
  /* 30 px: twice the usual 15, and the wandering's weight halved */
  CHECK (fabsf (c.wander_weight - cfg.wander_weight / 2.0f) < 1e-4f,
      "wander_weight %g -> %g", cfg.wander_weight, c.wander_weight);
  CHECK (c.flow_busy == 0.0f && near.flow_busy == 0.0f,
      "no busy-frame discount close to the scene: %g", c.flow_busy);
  CHECK (c.map_learned == near.map_learned && near.map_learned >
      cfg.map_learned, "the learned error weighs more in the map: %g -> %g",
      cfg.map_learned, c.map_learned);
  CHECK (c.map_frame == near.map_frame && near.map_frame > 0.0f &&
      cfg.map_frame == 0.0f, "the map dimmed by the frame score: %g -> %g",
      cfg.map_frame, c.map_frame);
  CHECK (c.map_static == near.map_static && near.map_static >
      cfg.map_static, "the stationary change weighs more in the map: %g -> "
      "%g", cfg.map_static, c.map_static);
  /* tall but slow (under 1.2 px a frame: within the one-step fit's
   * reach): the preset's heatmap alone, the motion's settings kept */
  static const double slow[3] = { 1.19, 0.5, 0.0 };
  for (int i = 0; i < 3; i++) {
    c = cfg;
    CHECK (ad_config_fit_scale (&c, 30.0, slow[i], 100, 0) == AD_SCALE_MAP &&
        c.motion_cell == cfg.motion_cell && c.flow_scale == cfg.flow_scale &&
        c.flow_bins == cfg.flow_bins && c.flow_busy == cfg.flow_busy &&
        c.wander_weight == cfg.wander_weight && c.map_learned ==
        near.map_learned && c.map_static == near.map_static, "30 px at "
        "%g px/frame: the heatmap alone (cell %d, scale %d)", slow[i],
        c.motion_cell, c.flow_scale);
  }
  c = cfg;
  CHECK (ad_config_fit_scale (&c, 30.0, 1.2, 100, 0) == AD_SCALE_NEAR &&
      c.flow_scale == 2, "30 px at 1.2 px/frame: near");
  c = cfg;
  /* the rule's other fields, named: the rule applies, they keep the
   * user's value */
  static const int own[5] = { AD_RATE_WANDER_WEIGHT, AD_RATE_BUSY,
    AD_RATE_MAP_LEARNED, AD_RATE_MAP_FRAME, AD_RATE_MAP_STATIC };
  for (int i = 0; i < 5; i++) {
    const ad_field *f = ad_config_field (ad_config_rate_fields[own[i]]);
    c = cfg;
    ad_config_set (&c, f, 0.5);
    CHECK (ad_config_fit_scale (&c, 30.0, 1.5, 100, 1u << own[i]) &&
        c.motion_cell == 16 && ad_config_get (&c, f) == 0.5, "%s named: "
        "kept (%g)", f->name, ad_config_get (&c, f));
  }
  c = cfg;
  c.wander_norm = 1;
  CHECK (ad_config_fit_scale (&c, 30.0, 1.5, 100, 0) &&
      c.wander_weight == cfg.wander_weight, "wander_norm: the weight is "
      "per spread, kept (%g)", c.wander_weight);
  c = cfg;
  CHECK (!ad_config_fit_scale (&c, 30.0, 1.5, 19, 0), "19 blobs: too few");
  static const int keep[3] = { AD_RATE_SCALE, AD_RATE_BINS, AD_RATE_CELL };
  for (int i = 0; i < 3; i++) {
    c = cfg;
    CHECK (!ad_config_fit_scale (&c, 30.0, 1.5, 100, 1u << keep[i]) &&
        memcmp (&c, &cfg, sizeof c) == 0, "%s named: kept",
        ad_config_rate_fields[keep[i]]);
  }
  c = cfg;
  c.clip_len = 1;
  CHECK (!ad_config_fit_scale (&c, 30.0, 1.5, 100, 0), "stills: no motion fit");
  c = cfg;
  /* a model of 240 rows: the same 25 px (people twice as tall as at 120
   * rows look like a camera twice as close to every model-pixel setting) */
  c.height = 240;
  CHECK (ad_config_fit_scale (&c, 24.0, 1.5, 100, 0) == AD_SCALE_MAP,
      "24 px of 240: the heatmap alone");
  c = cfg;
  c.height = 240;
  CHECK (ad_config_fit_scale (&c, 25.0, 1.5, 100, 0) == AD_SCALE_NEAR,
      "25 px of 240: near");
  /* too small for the detector: under 10 px, from 20 blobs, video */
  c = cfg;
  int size[2] = { 0, 0 };
  CHECK (ad_config_scale_far (&c, 9.5, 20, NULL) &&
      !ad_config_scale_far (&c, 10.0, 100, size) &&
      !ad_config_scale_far (&c, 5.0, 19, size) &&
      !ad_config_scale_far (&c, 0.0, 100, size), "far: 9.5 px yes; 10 px, "
      "19 blobs, nothing moving no");
  /* the size that shows them 15 px tall, at most twice, multiples of 8 */
  c.width = 160;
  c.height = 120;
  CHECK (ad_config_scale_far (&c, 9.5, 20, size) && size[0] == 256 &&
      size[1] == 192, "9.5 px at 160x120: %dx%d", size[0], size[1]);
  CHECK (ad_config_scale_far (&c, 5.0, 20, size) && size[0] == 320 &&
      size[1] == 240, "5 px at 160x120: at most twice, %dx%d", size[0],
      size[1]);
  c.clip_len = 1;
  CHECK (!ad_config_scale_far (&c, 5.0, 100, size), "far: stills no");
  unsigned named = 0;
  CHECK_OK (ad_config_rate_named ("motion_cell=8", &named, NULL));
  CHECK (named == 1u << AD_RATE_CELL, "motion_cell named: bits %#x", named);
  CHECK_OK (ad_config_rate_named ("flow_busy=1", &named, NULL));
  CHECK (named == 1u << AD_RATE_BUSY, "flow_busy named: bits %#x", named);
  CHECK_OK (ad_config_rate_named ("preset=near", &named, NULL));
  CHECK ((named & (1u << AD_RATE_SCALE)) && (named & (1u << AD_RATE_BINS)) &&
      (named & (1u << AD_RATE_CELL)) && (named & (1u << AD_RATE_BUSY)) &&
      (named & (1u << AD_RATE_MAP_LEARNED)) &&
      (named & (1u << AD_RATE_MAP_FRAME)) &&
      (named & (1u << AD_RATE_MAP_STATIC)), "preset=near names all seven");
  CHECK_OK (ad_config_rate_named ("map_learned=1", &named, NULL));
  CHECK (named == 1u << AD_RATE_MAP_LEARNED, "map_learned named: bits %#x",
      named);
  CHECK_OK (ad_config_rate_named ("map_frame=1", &named, NULL));
  CHECK (named == 1u << AD_RATE_MAP_FRAME, "map_frame named: bits %#x",
      named);
  CHECK_OK (ad_config_rate_named ("map_static=1", &named, NULL));
  CHECK (named == 1u << AD_RATE_MAP_STATIC, "map_static named: bits %#x",
      named);
}

/* The speed rule: under 0.6 px a frame, from 20 blobs, video, vectors at
 * model resolution: 65 bins; the user's flow_bins or flow_scale kept.
 * Over 0.85 px a frame a range of 5 times the speed; the user's
 * flow_range kept. */
static void
test_speed_rule (void)
{
  ad_config cfg, near;
  near_config (&cfg, &near);
  ad_config c = cfg;
  CHECK (ad_config_fit_speed (&c, 0.42, 20, 0) && c.flow_bins == 65,
      "0.42 px/frame: 65 bins (%d)", c.flow_bins);
  c.flow_bins = cfg.flow_bins;
  CHECK (memcmp (&c, &cfg, sizeof c) == 0, "nothing else changed");
  CHECK (!ad_config_fit_speed (&c, 0.6, 100, 0) &&
      !ad_config_fit_speed (&c, 0.8, 100, 0) && c.flow_bins ==
      cfg.flow_bins, "0.6 and 0.8 px/frame: the usual bins");
  CHECK (!ad_config_fit_speed (&c, 0.0, 100, 0) &&
      !ad_config_fit_speed (&c, 0.4, 19, 0), "nothing moving, 19 blobs: no");
  CHECK (!ad_config_fit_speed (&c, 0.4, 100, 1u << AD_RATE_BINS) &&
      !ad_config_fit_speed (&c, 0.4, 100, 1u << AD_RATE_SCALE) &&
      c.flow_bins == cfg.flow_bins, "flow_bins or flow_scale named: kept");
  c = near;
  CHECK (!ad_config_fit_speed (&c, 0.4, 100, 0) && c.flow_bins == 17,
      "vectors at half resolution (the near preset): its bins kept");
  c = cfg;
  c.clip_len = 1;
  CHECK (!ad_config_fit_speed (&c, 0.4, 100, 0), "stills: no motion fit");
  CHECK (!ad_config_fit_speed (&c, 1.53, 100, 0) &&
      c.flow_range == cfg.flow_range, "stills: no range");
  c = cfg;
  CHECK (cfg.flow_range == 4.25f, "the usual range %g", cfg.flow_range);
  CHECK (!ad_config_fit_speed (&c, 0.84, 100, 0) && c.flow_range == 4.25f,
      "0.84 px/frame: the usual range (%g)", c.flow_range);
  CHECK (ad_config_fit_speed (&c, 1.53, 20, 0) &&
      fabsf (c.flow_range - 7.65f) < 1e-4f && c.flow_bins == cfg.flow_bins,
      "1.53 px/frame: range %g, bins %d", c.flow_range, c.flow_bins);
  c.flow_range = cfg.flow_range;
  CHECK (memcmp (&c, &cfg, sizeof c) == 0, "nothing else changed");
  CHECK (!ad_config_fit_speed (&c, 1.53, 100, 1u << AD_RATE_RANGE) &&
      c.flow_range == 4.25f, "flow_range named: kept");
  CHECK (ad_config_fit_speed (&c, 10.0, 100, 0) && c.flow_range == 32.0f,
      "10 px/frame: range at most 32 (%g)", c.flow_range);
  c = near;
  CHECK (ad_config_fit_speed (&c, 2.0, 100, 0) == AD_SPEED_RANGE &&
      c.flow_range == 10.0f && c.flow_bins == 35,
      "the near preset at 2 px/frame: range %g, bins %d", c.flow_range,
      c.flow_bins);
  c = near;
  CHECK (ad_config_fit_speed (&c, 2.0, 100, 1u << AD_RATE_BINS) &&
      c.flow_range == 10.0f && c.flow_bins == 17,
      "flow_bins named: range %g, its bins %d", c.flow_range, c.flow_bins);
}

static void
test_relayout (void)
{
  ad_config cfg, near;
  near_config (&cfg, &near);
  ad_model *m = NULL;
  CHECK_OK (ad_model_new (&cfg, &m, NULL));
  if (!m)
    return;
  float rect[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
  CHECK_OK (ad_model_set_ignore (m, rect, 1, NULL));
  ad_tensor *w0 = &m->tensors[0];
  CHECK (w0->trainable, "the first tensor is a weight");
  size_t nw = w0->count;
  float *saved = malloc (sizeof (float) * nw);
  for (size_t i = 0; i < nw; i++)
    w0->data[i] = saved[i] = 0.001f * (float) i;
  ad_error err = { { 0 } };
  ad_config bad = near;
  bad.flow_bins = 16;
  CHECK (ad_model_relayout (m, &bad, &err) == AD_ERR_ARG &&
      ad_model_config (m)->motion_cell == cfg.motion_cell,
      "an invalid config is refused, the model unchanged: %s", err.msg);
  CHECK_OK (ad_model_relayout (m, &near, NULL));
  const ad_config *mc = ad_model_config (m);
  CHECK (mc->motion_cell == 16 && mc->flow_scale == 2 && mc->flow_bins == 17,
      "the model has the new settings");
  ad_tensor *w1 = ad_model_tensor (m, m->tensors[0].name);
  CHECK (w1 && w1->count == nw && memcmp (w1->data, saved,
          sizeof (float) * nw) == 0, "the weights are kept");
  ad_tensor *ig = ad_model_tensor (m, "ignore_mask");
  CHECK (ig && ig->data[0] == 0.0f && ig->data[W * H - 1] == 1.0f,
      "the regions left out are kept");
  ad_tensor *fd = ad_model_tensor (m, "flow_dist");
  int cells = ((H + 15) / 16) * ((W + 15) / 16);
  CHECK (fd && fd->count == (size_t) cells * 17 * 17,
      "the motion patterns' buffer fits 16-px cells and 17 bins: %zu",
      fd ? fd->count : 0);
  free (saved);
  ad_model_free (m);
}

/* out (n bytes) = settings "key=value,..." without key's item. */
static void
without_field (const char *set, const char *key, char *out, size_t n)
{
  size_t k = strlen (key), o = 0;
  const char *p = set;
  while (*p) {
    const char *end = strchr (p, ',');
    size_t len = end ? (size_t) (end - p) : strlen (p);
    if (!(strncmp (p, key, k) == 0 && p[k] == '=')) {
      if (o && o + 1 < n)
        out[o++] = ',';
      for (size_t i = 0; i < len && o + 1 < n; i++)
        out[o++] = p[i];
    }
    p += len + (end ? 1 : 0);
  }
  out[o] = 0;
}

/* Trains a small gray model for one epoch on s's footage with the named
 * bits; returns its motion_cell, *applied and *slow what the trainer
 * reports of the scale and speed rules, *bins the model's flow_bins. */
static int
train_on (const scene *s, unsigned named, int *applied, int *slow,
    int *bins, double *height)
{
  ad_config cfg;
  gray_config (&cfg);
  ad_model *m = NULL;
  ad_trainer *t = NULL;
  ad_train_opts o;
  ad_train_opts_default (&o);
  o.epochs = 1;
  o.named = named;
  ad_error err = { { 0 } };
  CHECK_OK (ad_model_new (&cfg, &m, NULL));
  if (m)
    CHECK_OK (ad_trainer_new (m, &o, &t, NULL));
  if (!t) {
    ad_model_free (m);
    return -1;
  }
  CHECK (ad_trainer_object_height (t, NULL, NULL) == -1.0,
      "nothing measured before training");
  float feat[W * H];
  footage f = { s };
  for (int i = 0; i < 2 * FRAMES; i++) {
    int seg = 0;
    footage_frame (&f, i, feat, &seg);
    CHECK_OK (ad_trainer_add_frame (t, feat, seg, NULL));
  }
  ad_status st = ad_trainer_run (t, &err);
  CHECK (st == AD_OK, "training: %s", err.msg);
  int64_t blobs = 0;
  *height = ad_trainer_object_height (t, &blobs, applied);
  /* what the rule changed, as the element logs it */
  const char *set = ad_trainer_scale_settings (t);
  printf ("scale rule, %g px: '%s'\n", *height, set);
  double speed = ad_trainer_object_speed (t, slow);
  printf ("speed rule, %.2f px/frame: %d\n", speed, *slow);
  /* the speed rule's range, when it widened it, is 5 times the speed;
   * the rest as the scale rule and the finer bins have it */
  char want[32] = "", rest[256];
  if (*slow & AD_SPEED_RANGE)
    snprintf (want, sizeof want, "flow_range=%g", (double) (float) (5.0 *
            speed));
  CHECK ((want[0] != 0) == (strstr (set, "flow_range=") != NULL) &&
      (!want[0] || strstr (set, want)), "'%s' holds '%s'", set, want);
  without_field (set, "flow_range", rest, sizeof rest);
  int bins_rule = (*slow & AD_SPEED_BINS) != 0;
  CHECK (*applied == AD_SCALE_NEAR ? strstr (rest, "flow_scale=2") &&
      strstr (rest, "motion_cell=16") && strstr (rest, "map_frame=0.75") &&
      strstr (rest, "map_static=2") && strstr (rest, "wander_weight=") &&
      !strstr (rest, "width=") && !bins_rule :
      *applied == AD_SCALE_MAP ? strcmp (rest, bins_rule ? "flow_bins=65,"
          "map_learned=2.4,map_frame=0.75,map_static=2" : "map_learned=2.4,"
          "map_frame=0.75,map_static=2") == 0 :
      bins_rule ? strcmp (rest, "flow_bins=65") == 0 : rest[0] == 0,
      "the rules' settings '%s' (applied %d, slow %d)", set, *applied,
      *slow);
  /* the people's height stays in the model (static_people) */
  CHECK (blobs >= 20 && *height > 0.0 &&
      ad_model_config (m)->train_height == (float) *height,
      "train_height %g, measured %g from %lld blobs",
      ad_model_config (m)->train_height, *height, (long long) blobs);
  int cell = ad_model_config (m)->motion_cell;
  *bins = ad_model_config (m)->flow_bins;
  float range = (*slow & AD_SPEED_RANGE) ? (float) (5.0 * speed) : 4.25f;
  CHECK (ad_model_config (m)->flow_range == range, "the model's range %g, "
      "the rule's %g", ad_model_config (m)->flow_range, range);
  if (*applied == AD_SCALE_NEAR || *slow) {
    /* the patterns were learned and calibrated on the new layout */
    ad_scorer *sc = NULL;
    CHECK (ad_scorer_new (m, &sc, &err) == AD_OK && ad_model_calib (m)->valid,
        "the relaid model scores: %s", err.msg);
    ad_scorer_free (sc);
  }
  ad_trainer_free (t);
  ad_model_free (m);
  return cell;
}

static void
test_trainer (void)
{
  scene small = { 5, 0, 0, 0, 0, 0, 0 }, tall = { 28, 0, 0, 0, 0, 0, 0 },
      mid = { 22, 0, 0, 0, 0, 0, 0 }, fast = { 28, 0, 0, 0, 0, 0, 2 },
      slow = { 14, 0, 0, 0, 0, 4, 0 }, tall_slow = { 28, 0, 0, 0, 0, 4, 0 };
  int applied = -1, sl = -1, bins = 0;
  double h = 0.0;
  int cell = train_on (&small, 0, &applied, &sl, &bins, &h);
  CHECK (cell == 8 && applied == 0 && sl == AD_SPEED_RANGE && bins == 35 &&
      h == 5.0,
      "short squares: cell %d, applied %d, slow %d, %d bins, %g rows", cell,
      applied, sl, bins, h);
  cell = train_on (&mid, 0, &applied, &sl, &bins, &h);
  CHECK (cell == 8 && applied == AD_SCALE_MAP && sl == AD_SPEED_RANGE &&
      bins == 35 && h == 22.0, "squares 22 px tall: cell %d, applied %d, slow %d, %d "
      "bins, %g rows", cell, applied, sl, bins, h);
  /* tall, at the squares' 1-2 px a frame (read about 1.05: within the
   * one-step fit's reach): the near preset's heatmap alone; the squares
   * at that speed, a range of about 5.3 px/frame (every row so far) */
  cell = train_on (&tall, 0, &applied, &sl, &bins, &h);
  CHECK (cell == 8 && applied == AD_SCALE_MAP && sl == AD_SPEED_RANGE &&
      bins == 35 && h == 28.0,
      "tall squares: cell %d, applied %d, slow %d, %d bins, %g rows", cell,
      applied, sl, bins, h);
  /* tall and twice as fast: the whole near preset */
  cell = train_on (&fast, 0, &applied, &sl, &bins, &h);
  CHECK (cell == 16 && applied == AD_SCALE_NEAR && sl == AD_SPEED_RANGE &&
      bins == 35 && h == 28.0,
      "tall fast squares: cell %d, applied %d, slow %d, %d bins, %g rows",
      cell, applied, sl, bins, h);
  cell = train_on (&fast, 1u << AD_RATE_SCALE, &applied, &sl, &bins, &h);
  CHECK (cell == 8 && applied == 0 && sl == AD_SPEED_RANGE && bins == 35 &&
      h == 28.0, "tall fast squares, flow_scale named: cell %d, applied %d, "
      "slow %d, %d bins", cell, applied, sl, bins);
  cell = train_on (&fast, 1u << AD_RATE_RANGE, &applied, &sl, &bins, &h);
  CHECK (cell == 16 && applied == AD_SCALE_NEAR && sl == 0 && bins == 17,
      "tall fast squares, flow_range named: cell %d, applied %d, slow %d, "
      "%d bins", cell, applied, sl, bins);
  /* a quarter of the squares' speed: finer bins, unless named; tall and
   * slow too, with the near preset's heatmap */
  cell = train_on (&slow, 0, &applied, &sl, &bins, &h);
  CHECK (cell == 8 && applied == 0 && sl == AD_SPEED_BINS && bins == 65,
      "slow squares: cell %d, applied %d, slow %d, %d bins", cell, applied,
      sl, bins);
  cell = train_on (&slow, 1u << AD_RATE_BINS, &applied, &sl, &bins, &h);
  CHECK (applied == 0 && sl == 0 && bins == 35, "slow squares, flow_bins "
      "named: applied %d, slow %d, %d bins", applied, sl, bins);
  cell = train_on (&tall_slow, 0, &applied, &sl, &bins, &h);
  CHECK (cell == 8 && applied == AD_SCALE_MAP && sl == AD_SPEED_BINS &&
      bins == 65,
      "tall slow squares: cell %d, applied %d, slow %d, %d bins", cell,
      applied, sl, bins);
}

int
main (void)
{
  test_height ();
  test_speed ();
  test_rule ();
  test_speed_rule ();
  test_relayout ();
  test_trainer ();
  return check_report ("test-scale");
}
