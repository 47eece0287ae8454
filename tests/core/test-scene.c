/* test-scene.c - generated scenes: determinism, random access, a shared
 * background across clips, complete and exact ground truth on test clips,
 * nuisance clips without labels, industrial defects, argument errors,
 * the crowded, windy and clock variants of the surveillance scene, events
 * added to a training clip, people who stop and stand, a faster camera's
 * pace. */
#include "ad-internal.h"
#include "ad-scene.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define W 96
#define H 72

static ad_scene *
make (ad_scene_kind kind, ad_scene_clip clip, int w, int h, int64_t n,
    uint32_t seed)
{
  ad_scene *s = NULL;
  ad_error err = { { 0 } };
  ad_status st = ad_scene_new (kind, clip, w, h, n, seed, &s, &err);
  CHECK (st == AD_OK && s != NULL, "ad_scene_new: %s", err.msg);
  return s;
}

static int
mask_count (const uint8_t *mask, size_t n)
{
  int c = 0;
  for (size_t i = 0; i < n; i++) {
    if (mask[i] != 0 && mask[i] != 255)
      return -1;
    c += mask[i] == 255;
  }
  return c;
}

static void
test_errors (void)
{
  ad_scene *s = NULL;
  ad_error err = { { 0 } };
  CHECK (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, 16, 64, 0, 1,
          &s, &err) == AD_ERR_ARG && s == NULL, "tiny width accepted");
  CHECK (strlen (err.msg) > 0, "no error message");
  CHECK (ad_scene_new ((ad_scene_kind) 7, AD_CLIP_TRAIN, 64, 64, 0, 1, &s,
          &err) == AD_ERR_ARG, "bad kind accepted");
  CHECK (ad_scene_new (AD_SCENE_INDUSTRIAL, (ad_scene_clip) 9, 64, 64, 0, 1,
          &s, &err) == AD_ERR_ARG, "bad clip accepted");
  CHECK (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, 64, 64, 0, 1,
          NULL, &err) == AD_ERR_ARG, "NULL out accepted");
  CHECK (ad_scene_new (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, 64, 64,
          (int64_t) 1 << 40, 1, &s, &err) == AD_ERR_ARG, "huge clip accepted");
  s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, 64, 48, 10, 1);
  uint8_t *rgb = malloc (64 * 48 * 3);
  CHECK (ad_scene_render (s, 10, rgb, NULL, NULL, &err) == AD_ERR_ARG,
      "frame past the end accepted");
  CHECK (ad_scene_render (s, -1, rgb, NULL, NULL, &err) == AD_ERR_ARG,
      "negative frame accepted");
  CHECK (ad_scene_render (s, 0, NULL, NULL, NULL, &err) == AD_ERR_ARG,
      "NULL rgb accepted");
  CHECK (ad_scene_render (s, 9, rgb, NULL, NULL, &err) == AD_OK,
      "last frame: %s", err.msg);
  free (rgb);
  ad_scene_free (s);
  ad_scene_free (NULL);
  CHECK (strcmp (ad_anomaly_name (AD_ANOM_LEFT_OBJECT), "left-object") == 0,
      "name");
  CHECK (strcmp (ad_anomaly_name (AD_ANOM_NONE), "none") == 0, "name none");
  ad_scene_kind kind = AD_SCENE_INDUSTRIAL;
  CHECK (ad_scene_kind_from_name ("crowded", &kind) &&
      kind == AD_SCENE_CROWDED, "crowded by name");
  CHECK (ad_scene_kind_from_name ("surveillance", &kind) &&
      kind == AD_SCENE_SURVEILLANCE, "surveillance by name");
  CHECK (!ad_scene_kind_from_name ("nuisance-check", &kind) &&
      kind == AD_SCENE_SURVEILLANCE, "unknown name accepted");
  CHECK (!ad_scene_kind_from_name (NULL, &kind), "NULL name accepted");
}

static void
test_lengths (void)
{
  static const int64_t surv[4] = { 1500, 300, 1050, 600 };
  static const int64_t ind[4] = { 200, 50, 200, 100 };
  for (int c = 0; c < 4; c++) {
    ad_scene *s = make (AD_SCENE_SURVEILLANCE, (ad_scene_clip) c, 32, 32, 0, 3);
    CHECK (ad_scene_n_frames (s) == surv[c], "surveillance clip %d", c);
    ad_scene_free (s);
    s = make (AD_SCENE_INDUSTRIAL, (ad_scene_clip) c, 32, 32, 0, 3);
    CHECK (ad_scene_n_frames (s) == ind[c], "industrial clip %d", c);
    ad_scene_free (s);
  }
  ad_scene *s = make (AD_SCENE_SPARSE, AD_CLIP_TRAIN, 32, 32, 0, 3);
  CHECK (ad_scene_n_frames (s) == 300, "sparse train length");
  ad_scene_free (s);
  s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, 32, 32, 77, 3);
  CHECK (ad_scene_n_frames (s) == 77, "explicit length");
  ad_scene_free (s);
}

/* Same arguments give the same bytes, in any rendering order. */
static void
test_determinism (ad_scene_kind kind)
{
  const int64_t idx[4] = { 456, 0, 123, 456 };
  size_t n = (size_t) W * H;
  uint8_t *a = malloc (n * 4), *b = malloc (n * 4);
  ad_scene *s1 = make (kind, AD_CLIP_TEST, W, H, 0, 7);
  ad_scene *s2 = make (kind, AD_CLIP_TEST, W, H, 0, 7);
  int64_t len = ad_scene_n_frames (s1);
  for (int k = 0; k < 4; k++) {
    int64_t i = idx[k] % len;
    ad_anomaly_kind ka, kb;
    CHECK_OK (ad_scene_render (s1, i, a, a + n * 3, &ka, NULL));
    /* s2 renders the frames in another order, with frames in between */
    CHECK_OK (ad_scene_render (s2, (i * 7 + 3) % len, b, b + n * 3, &kb,
            NULL));
    CHECK_OK (ad_scene_render (s2, i, b, b + n * 3, &kb, NULL));
    CHECK (memcmp (a, b, n * 4) == 0 && ka == kb,
        "kind %d frame %lld differs between renders", kind, (long long) i);
  }
  /* another seed gives another picture */
  ad_scene *s3 = make (kind, AD_CLIP_TEST, W, H, 0, 8);
  CHECK_OK (ad_scene_render (s3, 0, b, NULL, NULL, NULL));
  CHECK_OK (ad_scene_render (s1, 0, a, NULL, NULL, NULL));
  CHECK (memcmp (a, b, n * 3) != 0, "seeds 7 and 8 render the same frame");
  ad_scene_free (s1);
  ad_scene_free (s2);
  ad_scene_free (s3);
  free (a);
  free (b);
}

static int
cmp_u8 (const void *x, const void *y)
{
  return *(const uint8_t *) x - *(const uint8_t *) y;
}

/* Per-pixel median of 15 frames spread over the clip: the background.
 * med: uint8 [H, W, 3]. */
static void
median_bg (ad_scene *s, uint8_t *med)
{
  size_t n = (size_t) W * H * 3;
  uint8_t *all = malloc (n * 15), v[15];
  int64_t len = ad_scene_n_frames (s);
  for (int k = 0; k < 15; k++)
    CHECK_OK (ad_scene_render (s, k * (len / 15), all + n * k, NULL, NULL,
            NULL));
  for (size_t p = 0; p < n; p++) {
    for (int k = 0; k < 15; k++)
      v[k] = all[n * k + p];
    qsort (v, 15, 1, cmp_u8);
    med[p] = v[7];
  }
  free (all);
}

static double
mean_abs (const uint8_t *a, const uint8_t *b, size_t n)
{
  double d = 0;
  for (size_t i = 0; i < n; i++)
    d += abs ((int) a[i] - (int) b[i]);
  return d / n;
}

static void
test_shared_background (void)
{
  size_t n = (size_t) W * H * 3;
  uint8_t *m1 = malloc (n), *m2 = malloc (n), *m3 = malloc (n);
  ad_scene *tr = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, W, H, 0, 11);
  ad_scene *te = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, W, H, 0, 11);
  ad_scene *ot = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, W, H, 0, 12);
  median_bg (tr, m1);
  median_bg (te, m2);
  median_bg (ot, m3);
  double same = mean_abs (m1, m2, n), other = mean_abs (m1, m3, n);
  CHECK (same < 2.0, "train and test backgrounds differ by %.2f", same);
  CHECK (other > 10.0, "seeds 11 and 12 share a background (%.2f)", other);
  /* and the activity differs: frame 100 of train and test are not equal */
  CHECK_OK (ad_scene_render (tr, 100, m1, NULL, NULL, NULL));
  CHECK_OK (ad_scene_render (te, 100, m2, NULL, NULL, NULL));
  CHECK (memcmp (m1, m2, n) != 0, "train and test show the same frame");
  ad_scene_free (tr);
  ad_scene_free (te);
  ad_scene_free (ot);
  free (m1);
  free (m2);
  free (m3);
}

/* Renders a whole clip at w x h; counts frames per kind; checks that masks
 * are empty exactly when the kind is NONE.  Events are stretches of one
 * kind, where gaps of up to 4 unlabelled frames (a figure entering the
 * frame covers no pixel centre for a frame) do not split an event.
 * Returns the number of events shorter than min_run or longer than 150 (a cart crosses at a walker's speed). */
static int
scan_clip (ad_scene *s, int w, int h, int64_t counts[AD_ANOM_COUNT],
    int min_run, double *mean_lum, double *lum_min, double *lum_max)
{
  size_t n = (size_t) w * h;
  uint8_t *rgb = malloc (n * 3), *mask = malloc (n);
  int64_t len = ad_scene_n_frames (s);
  int64_t ev_start = -1, ev_last = -1;
  ad_anomaly_kind ev_kind = AD_ANOM_NONE;
  int bad_runs = 0, bad = 0;
  *lum_min = 1e9;
  *lum_max = -1e9;
  *mean_lum = 0;
  memset (counts, 0, sizeof (int64_t) * AD_ANOM_COUNT);
  for (int64_t i = 0; i <= len; i++) {
    ad_anomaly_kind k = AD_ANOM_NONE;
    if (i < len) {
      CHECK_OK (ad_scene_render (s, i, rgb, mask, &k, NULL));
      int mc = mask_count (mask, n);
      if ((mc > 0) != (k != AD_ANOM_NONE) || mc < 0)
        bad++;
      counts[k]++;
      double lum = 0;
      for (size_t p = 0; p < n * 3; p++)
        lum += rgb[p];
      lum /= n * 3;
      *mean_lum += lum / len;
      *lum_min = lum < *lum_min ? lum : *lum_min;
      *lum_max = lum > *lum_max ? lum : *lum_max;
    }
    int ends = ev_kind != AD_ANOM_NONE && (i == len
        || (k != AD_ANOM_NONE && k != ev_kind) || i - ev_last > 4);
    if (ends) {
      int64_t d = ev_last - ev_start + 1;
      if (d < min_run || d > 150) {
        fprintf (stderr, "event %s: %lld frames at %lld\n",
            ad_anomaly_name (ev_kind), (long long) d, (long long) ev_start);
        bad_runs++;
      }
      ev_kind = AD_ANOM_NONE;
    }
    if (k != AD_ANOM_NONE) {
      if (ev_kind == AD_ANOM_NONE) {
        ev_kind = k;
        ev_start = i;
      }
      ev_last = i;
    }
  }
  CHECK (bad == 0, "%d frames with a mask that disagrees with the kind", bad);
  free (rgb);
  free (mask);
  return bad_runs;
}

static void
test_surveillance_truth (ad_scene_kind kind, uint32_t seed)
{
  ad_scene *s = make (kind, AD_CLIP_TEST, 80, 60, 0, seed);
  int64_t counts[AD_ANOM_COUNT];
  double lum, lmin, lmax;
  int short_runs = scan_clip (s, 80, 60, counts, 30, &lum, &lmin, &lmax);
  int64_t n = ad_scene_n_frames (s), anom = n - counts[AD_ANOM_NONE];
  for (int k = AD_ANOM_RUNNING; k <= AD_ANOM_CART; k++)
    CHECK (counts[k] >= 30, "seed %u: %s has %lld frames", seed,
        ad_anomaly_name ((ad_anomaly_kind) k), (long long) counts[k]);
  for (int k = AD_ANOM_SCRATCH; k < AD_ANOM_COUNT; k++)
    CHECK (counts[k] == 0, "industrial kind in surveillance");
  double frac = (double) anom / n;
  CHECK (frac >= 0.2 && frac <= 0.55, "seed %u: anomaly fraction %.3f", seed,
      frac);
  CHECK (short_runs == 0, "seed %u: %d events outside 30..150 frames", seed,
      short_runs);
  ad_scene_free (s);
}

static void
test_normal_clips (void)
{
  int64_t counts[AD_ANOM_COUNT];
  double lum, nmin, nmax, tmin, tmax;
  ad_scene *s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_NUISANCE, 64, 48, 0, 5);
  scan_clip (s, 64, 48, counts, 0, &lum, &nmin, &nmax);
  CHECK (counts[AD_ANOM_NONE] == 600, "nuisance clip has %lld labelled "
      "frames", (long long) (600 - counts[AD_ANOM_NONE]));
  ad_scene_free (s);
  s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_HOLDOUT, 64, 48, 0, 5);
  scan_clip (s, 64, 48, counts, 0, &lum, &tmin, &tmax);
  CHECK (counts[AD_ANOM_NONE] == 300, "holdout clip has labels");
  ad_scene_free (s);
  /* nuisance lighting drifts by roughly +-20 %; normal footage does not */
  CHECK (nmax / nmin > 1.3, "nuisance lighting range %.1f..%.1f", nmin, nmax);
  CHECK (tmax / tmin < 1.1, "holdout lighting range %.1f..%.1f", tmin, tmax);
  s = make (AD_SCENE_SPARSE, AD_CLIP_TRAIN, 64, 48, 0, 5);
  scan_clip (s, 64, 48, counts, 0, &lum, &tmin, &tmax);
  CHECK (counts[AD_ANOM_NONE] == 300, "sparse train has labels");
  ad_scene_free (s);
}

/* ad_scene_add_events: a training clip holding three odd moments, as a
 * real camera's "normal" footage may: three kinds of event, each with its
 * truth, the rest normal; the same every time; refused where there are no
 * such events. */
static void
test_train_events (void)
{
  int64_t counts[AD_ANOM_COUNT];
  double lum, lmin, lmax;
  ad_error err = { { 0 } };
  ad_scene *s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, 64, 48, 0, 3);
  CHECK (s && ad_scene_add_events (s, -1, &err) == AD_ERR_ARG,
      "negative count refused");
  CHECK (s && ad_scene_add_events (s, 0, &err) == AD_OK, "%s", err.msg);
  scan_clip (s, 64, 48, counts, 0, &lum, &lmin, &lmax);
  CHECK (counts[AD_ANOM_NONE] == 1500, "no events added: %lld normal frames",
      (long long) counts[AD_ANOM_NONE]);
  CHECK (s && ad_scene_add_events (s, 3, &err) == AD_OK, "%s", err.msg);
  int short_runs = scan_clip (s, 64, 48, counts, 30, &lum, &lmin, &lmax);
  int kinds = 0;
  for (int k = AD_ANOM_RUNNING; k <= AD_ANOM_CART; k++)
    kinds += counts[k] > 0;
  int64_t anom = 1500 - counts[AD_ANOM_NONE];
  CHECK (kinds == 3 && anom >= 3 * 30 && anom <= 3 * 150 && short_runs == 0,
      "three events: %d kinds, %lld frames, %d runs outside 30..150", kinds,
      (long long) anom, short_runs);
  /* the same arguments give the same events */
  ad_scene *t = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, 64, 48, 0, 3);
  CHECK (t && ad_scene_add_events (t, 3, &err) == AD_OK, "%s", err.msg);
  int64_t ct[AD_ANOM_COUNT];
  scan_clip (t, 64, 48, ct, 0, &lum, &lmin, &lmax);
  CHECK (memcmp (counts, ct, sizeof ct) == 0, "events differ between runs");
  ad_scene_free (t);
  ad_scene_free (s);
  s = make (AD_SCENE_INDUSTRIAL, AD_CLIP_TRAIN, 64, 48, 0, 3);
  CHECK (s && ad_scene_add_events (s, 0, &err) == AD_OK, "none to add on "
      "the industrial scene: %s", err.msg);
  CHECK (s && ad_scene_add_events (s, 2, &err) == AD_ERR_ARG &&
      strstr (err.msg, "industrial"), "industrial refused: %s", err.msg);
  ad_scene_free (s);
}

/* ad_scene_add_clouds: the same frames darker where a cloud's shadow
 * lies, by about the depth inside it, nowhere brighter; the shadows move
 * between frames; the same every time; refused outside [0, 1) and on the
 * industrial scene. */
static void
test_clouds (void)
{
  enum { CW = 64, CH = 48, CN = CW * CH * 3 };
  static uint8_t a[CN], b[CN], c[CN];
  ad_error err = { { 0 } };
  ad_scene *s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_NUISANCE, CW, CH, 0, 2);
  ad_scene *t = make (AD_SCENE_SURVEILLANCE, AD_CLIP_NUISANCE, CW, CH, 0, 2);
  CHECK (s && t && ad_scene_add_clouds (s, 1.0f, &err) == AD_ERR_ARG &&
      ad_scene_add_clouds (s, -0.1f, &err) == AD_ERR_ARG, "depth refused");
  CHECK (s && ad_scene_add_clouds (s, 0.5f, &err) == AD_OK, "%s", err.msg);
  double darker[2] = { 0, 0 }, brighter = 0;
  int shaded[2] = { 0, 0 };
  for (int j = 0; s && t && j < 2; j++) {
    int64_t i = j ? 300 : 100;
    CHECK_OK (ad_scene_render (s, i, a, NULL, NULL, &err));
    CHECK_OK (ad_scene_render (t, i, b, NULL, NULL, &err));
    for (int p = 0; p < CN; p += 3) {
      double la = a[p] + a[p + 1] + a[p + 2], lb = b[p] + b[p + 1] + b[p + 2];
      if (lb > 150.0 && la < 0.7 * lb) {
        shaded[j]++;
        darker[j] += la / lb;
      }
      brighter = fmax (brighter, la - lb);
    }
    if (shaded[j])
      darker[j] /= shaded[j];
  }
  printf ("clouds 0.5: %d / %d shaded pixels at frames 100 / 300, light "
      "%.2f / %.2f there\n", shaded[0], shaded[1], darker[0], darker[1]);
  CHECK (shaded[0] + shaded[1] > CW * CH / 10 && shaded[0] != shaded[1],
      "shadows over %d / %d pixels", shaded[0], shaded[1]);
  CHECK (darker[0] + darker[1] > 0.0 && (shaded[0] == 0 ||
          (darker[0] > 0.4 && darker[0] < 0.7)) && (shaded[1] == 0 ||
          (darker[1] > 0.4 && darker[1] < 0.7)),
      "light in the shade %g / %g", darker[0], darker[1]);
  CHECK (brighter <= 3.0 * 12.0, "a pixel %g levels brighter", brighter);
  ad_scene *u = make (AD_SCENE_SURVEILLANCE, AD_CLIP_NUISANCE, CW, CH, 0, 2);
  CHECK (u && ad_scene_add_clouds (u, 0.5f, &err) == AD_OK, "%s", err.msg);
  CHECK (u && ad_scene_render (u, 300, c, NULL, NULL, &err) == AD_OK &&
      memcmp (a, c, CN) == 0, "the same clouds every time");
  ad_scene_free (u);
  ad_scene_free (t);
  ad_scene_free (s);
  s = make (AD_SCENE_INDUSTRIAL, AD_CLIP_TEST, CW, CH, 0, 1);
  CHECK (s && ad_scene_add_clouds (s, 0.0f, &err) == AD_OK &&
      ad_scene_add_clouds (s, 0.3f, &err) == AD_ERR_ARG &&
      strstr (err.msg, "industrial"), "industrial refused: %s", err.msg);
  ad_scene_free (s);
}

/* ad_scene_add_leaves: a shade at about 1 - depth over part of the
 * picture, sharp-edged (few pixels between shade and sun), moving from
 * frame to frame; the same every time; refused outside [0, 1) and on the
 * industrial scene.  The trees' still shadows are not drawn then, so
 * the picture is compared with itself at depth 0 only where it is darker. */
static void
test_leaves (void)
{
  enum { CW = 96, CH = 72, CN = CW * CH * 3 };
  static uint8_t a[2][CN], b[CN], c[CN];
  ad_error err = { { 0 } };
  ad_scene *s = make (AD_SCENE_WINDY, AD_CLIP_TRAIN, CW, CH, 0, 2);
  ad_scene *t = make (AD_SCENE_WINDY, AD_CLIP_TRAIN, CW, CH, 0, 2);
  CHECK (s && ad_scene_add_leaves (s, 1.0f, &err) == AD_ERR_ARG &&
      ad_scene_add_leaves (s, -0.1f, &err) == AD_ERR_ARG, "depth refused");
  CHECK (s && ad_scene_add_leaves (s, 0.5f, &err) == AD_OK, "%s", err.msg);
  int shaded[2] = { 0, 0 }, between = 0, moved = 0;
  double light = 0.0;
  for (int j = 0; s && t && j < 2; j++) {
    int64_t i = 100 + 3 * j;
    CHECK_OK (ad_scene_render (s, i, a[j], NULL, NULL, &err));
    CHECK_OK (ad_scene_render (t, i, b, NULL, NULL, &err));
    for (int p = 0; p < CN; p += 3) {
      double la = a[j][p] + a[j][p + 1] + a[j][p + 2];
      double lb = b[p] + b[p + 1] + b[p + 2];
      if (lb < 120.0)
        continue;
      if (la < 0.62 * lb) {
        shaded[j]++;
        light += la / lb;
      } else if (la < 0.88 * lb) {
        between++;
      }
    }
  }
  for (int p = 0; p < CN; p += 3)
    moved += abs (a[0][p + 1] - a[1][p + 1]) > 30;
  if (shaded[0] + shaded[1])
    light /= shaded[0] + shaded[1];
  printf ("leaves 0.5: %d / %d shaded pixels at frames 100 / 103, light "
      "%.2f there; %d between shade and sun; %d changed by more than 30\n",
      shaded[0], shaded[1], light, between, moved);
  CHECK (shaded[0] > CW * CH / 40 && shaded[1] > CW * CH / 40,
      "shade over %d / %d pixels", shaded[0], shaded[1]);
  CHECK (light > 0.4 && light < 0.6, "light in the shade %g", light);
  CHECK (between < (shaded[0] + shaded[1]) / 3, "soft edges: %d pixels "
      "between shade and sun, %d in the shade", between,
      shaded[0] + shaded[1]);
  CHECK (moved > CW * CH / 200, "the shade moved at %d pixels", moved);
  ad_scene *u = make (AD_SCENE_WINDY, AD_CLIP_TRAIN, CW, CH, 0, 2);
  CHECK (u && ad_scene_add_leaves (u, 0.5f, &err) == AD_OK, "%s", err.msg);
  CHECK (u && ad_scene_render (u, 103, c, NULL, NULL, &err) == AD_OK &&
      memcmp (a[1], c, CN) == 0, "the same shade every time");
  ad_scene_free (u);
  ad_scene_free (t);
  ad_scene_free (s);
  s = make (AD_SCENE_INDUSTRIAL, AD_CLIP_TEST, CW, CH, 0, 1);
  CHECK (s && ad_scene_add_leaves (s, 0.0f, &err) == AD_OK &&
      ad_scene_add_leaves (s, 0.3f, &err) == AD_ERR_ARG &&
      strstr (err.msg, "industrial"), "industrial refused: %s", err.msg);
  ad_scene_free (s);
}

/* ad_scene_add_stops: with every walker stopping, people stand still
 * for seconds (pixels unlike the empty ground that stay the same over 40
 * frames), which nobody does without it; the same every time; refused
 * outside [0, 1] and on the industrial scene; 0 changes nothing. */
static void
test_stops (void)
{
  enum { SW = 160, SH = 120, SN = SW * SH * 3, NF = 400 };
  static uint8_t fr[NF][SN];
  static uint8_t bg[SN], c[SN];
  ad_error err = { { 0 } };
  int still[2] = { 0, 0 };
  for (int share = 0; share <= 1; share++) {
    ad_scene *s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, SW, SH, NF, 3);
    CHECK (s && ad_scene_add_stops (s, (float) share, &err) == AD_OK, "%s",
        err.msg);
    for (int i = 0; s && i < NF; i++)
      CHECK_OK (ad_scene_render (s, i, fr[i], NULL, NULL, &err));
    /* the ground: each value's median over every 8th frame (people cover
     * a place now and then) */
    for (int p = 0; p < SN; p++) {
      int hist[256] = { 0 }, k = 0, m = 0;
      for (int i = 0; i < NF; i += 8)
        hist[fr[i][p]]++;
      while (m < 256 && (k += hist[m]) < NF / 16)
        m++;
      bg[p] = (uint8_t) m;
    }
    for (int i = 0; i + 40 < NF; i += 20)
      for (int p = 0; p < SN; p += 3) {
        int off = 0, same = 1;
        for (int ch = 0; ch < 3; ch++) {
          off += abs (fr[i][p + ch] - bg[p + ch]) > 40;
          same &= abs (fr[i][p + ch] - fr[i + 40][p + ch]) < 12;
        }
        still[share] += off && same;
      }
    if (share == 0) {
      ad_scene *t = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, SW, SH, NF, 3);
      CHECK (t && ad_scene_render (t, 200, c, NULL, NULL, &err) == AD_OK &&
          memcmp (c, fr[200], SN) == 0, "stops 0 changed the picture");
      ad_scene_free (t);
    } else {
      ad_scene *t = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, SW, SH, NF, 3);
      CHECK (t && ad_scene_add_stops (t, 1.0f, &err) == AD_OK &&
          ad_scene_render (t, 200, c, NULL, NULL, &err) == AD_OK &&
          memcmp (c, fr[200], SN) == 0, "not the same stops every time");
      CHECK (ad_scene_add_stops (t, 1.5f, &err) == AD_ERR_ARG &&
          ad_scene_add_stops (t, -0.1f, &err) == AD_ERR_ARG, "share refused");
      ad_scene_free (t);
    }
    ad_scene_free (s);
  }
  printf ("stops 0 / 1: %d / %d pixels off the ground and unchanged over 40 "
      "frames\n", still[0], still[1]);
  CHECK (still[1] > 200 && still[1] > 10 * still[0], "people standing: %d "
      "pixels with stops, %d without", still[1], still[0]);
  ad_scene *s = make (AD_SCENE_INDUSTRIAL, AD_CLIP_TEST, 64, 48, 0, 1);
  CHECK (s && ad_scene_add_stops (s, 0.0f, &err) == AD_OK &&
      ad_scene_add_stops (s, 0.3f, &err) == AD_ERR_ARG &&
      strstr (err.msg, "industrial"), "industrial refused: %s", err.msg);
  ad_scene_free (s);
}

static void
test_industrial (void)
{
  int64_t counts[AD_ANOM_COUNT];
  double lum, lmin, lmax;
  for (uint32_t seed = 1; seed <= 4; seed++) {
    ad_scene *s = make (AD_SCENE_INDUSTRIAL, AD_CLIP_TEST, 64, 48, 0, seed);
    scan_clip (s, 64, 48, counts, 0, &lum, &lmin, &lmax);
    CHECK (counts[AD_ANOM_NONE] >= 100 && counts[AD_ANOM_NONE] <= 105,
        "seed %u: %lld normal frames of 200", seed,
        (long long) counts[AD_ANOM_NONE]);
    for (int k = AD_ANOM_SCRATCH; k < AD_ANOM_COUNT; k++)
      CHECK (counts[k] >= 20, "seed %u: %s in %lld frames", seed,
          ad_anomaly_name ((ad_anomaly_kind) k), (long long) counts[k]);
    for (int k = AD_ANOM_RUNNING; k <= AD_ANOM_CART; k++)
      CHECK (counts[k] == 0, "surveillance kind in industrial");
    ad_scene_free (s);
  }
  /* train frames: all normal, each a little different */
  ad_scene *s = make (AD_SCENE_INDUSTRIAL, AD_CLIP_TRAIN, 64, 48, 0, 2);
  scan_clip (s, 64, 48, counts, 0, &lum, &lmin, &lmax);
  CHECK (counts[AD_ANOM_NONE] == 200, "industrial train has labels");
  size_t n = 64 * 48 * 3;
  uint8_t *a = malloc (n), *b = malloc (n);
  CHECK_OK (ad_scene_render (s, 3, a, NULL, NULL, NULL));
  CHECK_OK (ad_scene_render (s, 4, b, NULL, NULL, NULL));
  double d = mean_abs (a, b, n);
  CHECK (d > 1.0, "consecutive industrial frames identical (%.2f)", d);
  free (a);
  free (b);
  ad_scene_free (s);
}

/* Pixels of a and b [n / 3, 3] whose colour changed by more than sensor
 * noise does. */
static int
moved_px (const uint8_t *a, const uint8_t *b, size_t n)
{
  int c = 0;
  for (size_t i = 0; i < n; i += 3)
    c += abs (a[i] - b[i]) + abs (a[i + 1] - b[i + 1]) +
        abs (a[i + 2] - b[i + 2]) > 30;
  return c;
}

/* The crowded scene: the surveillance layout of the same seed with more
 * people moving, so more pixels change from one frame to the next. */
static void
test_crowded (void)
{
  size_t n = (size_t) W * H * 3;
  uint8_t *m1 = malloc (n), *m2 = malloc (n), *a = malloc (n),
      *b = malloc (n);
  ad_scene *sv = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TRAIN, W, H, 0, 11);
  ad_scene *cr = make (AD_SCENE_CROWDED, AD_CLIP_TRAIN, W, H, 0, 11);
  CHECK (ad_scene_n_frames (cr) == 1500, "crowded train length %lld",
      (long long) ad_scene_n_frames (cr));
  median_bg (sv, m1);
  median_bg (cr, m2);
  double bg = mean_abs (m1, m2, n), busy[2] = { 0, 0 };
  CHECK (bg < 4.0, "crowded and surveillance backgrounds differ by %.2f",
      bg);
  for (int c = 0; c < 2; c++)
    for (int64_t i = 100; i < 1500; i += 100) {
      CHECK_OK (ad_scene_render (c ? cr : sv, i, a, NULL, NULL, NULL));
      CHECK_OK (ad_scene_render (c ? cr : sv, i + 1, b, NULL, NULL, NULL));
      busy[c] += moved_px (a, b, n);
    }
  CHECK (busy[1] > 2.0 * busy[0], "crowded frames change %.0f px, "
      "surveillance %.0f", busy[1], busy[0]);
  ad_scene_free (sv);
  ad_scene_free (cr);
  free (m1);
  free (m2);
  free (a);
  free (b);
}

/* Two frames and two masks at W x H (a, b [H, W, 3]; ma, mb [H, W]), and
 * the test clips of the surveillance scene of seed 1 and of its variant
 * kind (looked up by name) to compare. */
typedef struct pair {
  uint8_t *a, *b, *ma, *mb;
  ad_scene *sv, *vr;
} pair;

static pair
variant_pair (ad_scene_kind kind, const char *name)
{
  size_t n = (size_t) W * H;
  pair p = { malloc (3 * n), malloc (3 * n), malloc (n), malloc (n), NULL,
    NULL };
  ad_scene_kind k = AD_SCENE_SURVEILLANCE;
  CHECK (ad_scene_kind_from_name (name, &k) && k == kind, "%s by name",
      name);
  p.sv = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, W, H, 0, 1);
  p.vr = make (kind, AD_CLIP_TEST, W, H, 0, 1);
  return p;
}

static void
pair_free (pair *p)
{
  ad_scene_free (p->sv);
  ad_scene_free (p->vr);
  free (p->a);
  free (p->b);
  free (p->ma);
  free (p->mb);
}

/* The windy scene: the surveillance scene of the same seed (the same
 * people and anomalies, the same truth) whose tree crowns sway, so more
 * pixels change from one frame to the next, in every clip. */
static void
test_windy (void)
{
  size_t n = (size_t) W * H * 3;
  pair p = variant_pair (AD_SCENE_WINDY, "windy");
  uint8_t *a = p.a, *b = p.b, *ma = p.ma, *mb = p.mb;
  ad_scene *sv = p.sv, *wi = p.vr;
  int same_truth = 1;
  double moved[2] = { 0, 0 };
  for (int64_t i = 10; i < 900; i += 20) {
    ad_anomaly_kind ka, kb;
    CHECK_OK (ad_scene_render (sv, i, a, ma, &ka, NULL));
    CHECK_OK (ad_scene_render (wi, i, b, mb, &kb, NULL));
    same_truth &= ka == kb && memcmp (ma, mb, n / 3) == 0;
    for (int c = 0; c < 2; c++) {
      CHECK_OK (ad_scene_render (c ? wi : sv, i, a, NULL, NULL, NULL));
      CHECK_OK (ad_scene_render (c ? wi : sv, i + 4, b, NULL, NULL, NULL));
      moved[c] += moved_px (a, b, n);
    }
  }
  CHECK (same_truth, "windy truth differs from surveillance's");
  printf ("pixels changed over 4 frames: surveillance %.0f, windy %.0f\n",
      moved[0], moved[1]);
  CHECK (moved[1] > 1.2 * moved[0] + 200.0, "windy frames change %.0f px, "
      "surveillance %.0f", moved[1], moved[0]);
  pair_free (&p);
}

/* The clock scene: the surveillance scene of the same seed with a time of
 * day burnt in at the top left: outside its box the frames and the truth
 * are the surveillance scene's; inside, the box changes only when a
 * second ticks (every 25 frames), with no sensor noise. */
static void
test_clock (void)
{
  pair pr = variant_pair (AD_SCENE_CLOCK, "clock");
  uint8_t *a = pr.a, *b = pr.b, *ma = pr.ma, *mb = pr.mb;
  ad_scene *sv = pr.sv, *ck = pr.vr;
  /* the box: where the two scenes differ, over a few frames */
  int bx0 = W, by0 = H, bx = 0, by = 0, same_out = 1;
  for (int64_t i = 0; i < 900; i += 150) {
    CHECK_OK (ad_scene_render (sv, i, a, ma, NULL, NULL));
    CHECK_OK (ad_scene_render (ck, i, b, mb, NULL, NULL));
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        size_t p = (size_t) y * W + x;
        int d = memcmp (a + 3 * p, b + 3 * p, 3) != 0 || ma[p] != mb[p];
        if (d && x < W / 2 && y < H / 4) {
          bx0 = x < bx0 ? x : bx0;
          by0 = y < by0 ? y : by0;
          bx = x + 1 > bx ? x + 1 : bx;
          by = y + 1 > by ? y + 1 : by;
        } else if (d) {
          same_out = 0;
        }
      }
  }
  CHECK (same_out, "the clock scene differs outside its top left corner");
  CHECK (bx - bx0 >= 12 && by - by0 >= 5, "clock box %dx%d px", bx - bx0,
      by - by0);
  /* inside the box: a tick from frame 24 to 25, nothing from 25 to 26 */
  int changed[2] = { 0, 0 };
  for (int k = 0; k < 2; k++) {
    CHECK_OK (ad_scene_render (ck, 24 + k, a, NULL, NULL, NULL));
    CHECK_OK (ad_scene_render (ck, 25 + k, b, NULL, NULL, NULL));
    for (int y = by0; y < by; y++)
      changed[k] += memcmp (a + ((size_t) y * W + bx0) * 3,
          b + ((size_t) y * W + bx0) * 3, (size_t) (bx - bx0) * 3) != 0;
  }
  CHECK (changed[0] > 0 && changed[1] == 0, "rows of the box changed: %d "
      "at the tick, %d after", changed[0], changed[1]);
  pair_free (&pr);
}

/* ad_scene_set_pace: at pace 2 the clip holds twice the frames, frame 2i
 * shows what frame i shows at pace 1 (the same truth, the same picture up
 * to sensor noise), and the anomalous objects move half as far a frame;
 * refused outside 1..8 and on the industrial scene. */
static void
test_pace (void)
{
  enum { PW = 64, PH = 48, PN = PW * PH };
  static uint8_t a[PN * 3], b[PN * 3], ma[PN], mb[PN], prev[PN];
  ad_error err = { { 0 } };
  ad_scene *s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, PW, PH, 300, 1);
  ad_scene *t = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, PW, PH, 300, 1);
  CHECK (ad_scene_set_pace (t, 0, &err) == AD_ERR_ARG &&
      ad_scene_set_pace (t, 9, &err) == AD_ERR_ARG && strstr (err.msg,
          "1..8"), "pace outside 1..8 refused: %s", err.msg);
  CHECK_OK (ad_scene_set_pace (t, 2, &err));
  CHECK (ad_scene_n_frames (t) == 600 && ad_scene_n_frames (s) == 300,
      "frames at pace 2: %lld", (long long) ad_scene_n_frames (t));
  CHECK (ad_scene_render (t, 600, a, NULL, NULL, &err) == AD_ERR_ARG &&
      ad_scene_render (t, 599, a, NULL, NULL, &err) == AD_OK, "range");
  int same_truth = 1, anomalous = 0;
  double diff = 0.0;
  for (int64_t i = 0; i < 300; i += 3) {
    ad_anomaly_kind ka, kb;
    CHECK_OK (ad_scene_render (s, i, a, ma, &ka, &err));
    CHECK_OK (ad_scene_render (t, 2 * i, b, mb, &kb, &err));
    same_truth &= ka == kb && memcmp (ma, mb, PN) == 0;
    anomalous += ka != AD_ANOM_NONE;
    for (int p = 0; p < PN * 3; p++)
      diff += abs (a[p] - b[p]);
  }
  diff /= 100.0 * PN * 3;
  printf ("pace 2: frame 2i against frame i at pace 1: %d anomalous "
      "frames, the same truth %d, mean |difference| %.2f levels\n",
      anomalous, same_truth, diff);
  CHECK (same_truth && anomalous > 10, "truth at pace 2 (%d anomalous)",
      anomalous);
  CHECK (diff < 3.0, "frames at pace 2 differ by %.2f levels", diff);
  /* truth pixels that change from one frame to the next */
  long moved[2] = { 0, 0 };
  for (int k = 0; k < 2; k++) {
    ad_scene *u = k ? t : s;
    for (int64_t i = 0; i < ad_scene_n_frames (u); i++) {
      CHECK_OK (ad_scene_render (u, i, a, ma, NULL, &err));
      for (int p = 0; i > 0 && p < PN; p++)
        moved[k] += ma[p] != prev[p];
      memcpy (prev, ma, PN);
    }
  }
  printf ("truth pixels changed a frame: %.2f at pace 1, %.2f at pace 2\n",
      moved[0] / 299.0, moved[1] / 599.0);
  CHECK (moved[1] / 599.0 < 0.7 * (moved[0] / 299.0), "objects at pace 2 "
      "move as far a frame: %ld / %ld", moved[1], moved[0]);
  ad_scene_free (t);
  ad_scene_free (s);
  s = make (AD_SCENE_INDUSTRIAL, AD_CLIP_TEST, PW, PH, 0, 1);
  CHECK (ad_scene_set_pace (s, 1, &err) == AD_OK &&
      ad_scene_set_pace (s, 2, &err) == AD_ERR_ARG &&
      strstr (err.msg, "industrial"), "industrial refused: %s", err.msg);
  ad_scene_free (s);
}

/* The render time is printed, not checked (speed is benchmarks.md's). */
static void
test_speed (void)
{
  ad_scene *s = make (AD_SCENE_SURVEILLANCE, AD_CLIP_TEST, 768, 576, 0, 1);
  uint8_t *rgb = malloc (768 * 576 * 3), *mask = malloc (768 * 576);
  CHECK_OK (ad_scene_render (s, 0, rgb, mask, NULL, NULL));
  double t0 = ad_now ();
  for (int i = 0; i < 50; i++)
    CHECK_OK (ad_scene_render (s, i * 17, rgb, mask, NULL, NULL));
  double ms = (ad_now () - t0) / 50 * 1000;
  printf ("768x576 surveillance frame: %.2f ms\n", ms);
  free (rgb);
  free (mask);
  ad_scene_free (s);
}

int
main (void)
{
  test_errors ();
  test_lengths ();
  test_determinism (AD_SCENE_SURVEILLANCE);
  test_determinism (AD_SCENE_INDUSTRIAL);
  test_shared_background ();
  test_train_events ();
  test_clouds ();
  test_leaves ();
  test_stops ();
  for (uint32_t seed = 1; seed <= 6; seed++)
    test_surveillance_truth (AD_SCENE_SURVEILLANCE, seed);
  test_surveillance_truth (AD_SCENE_SPARSE, 1);
  test_surveillance_truth (AD_SCENE_CROWDED, 1);
  test_surveillance_truth (AD_SCENE_CROWDED, 2);
  test_determinism (AD_SCENE_CROWDED);
  test_crowded ();
  test_determinism (AD_SCENE_WINDY);
  test_surveillance_truth (AD_SCENE_WINDY, 1);
  test_windy ();
  test_determinism (AD_SCENE_CLOCK);
  test_clock ();
  test_normal_clips ();
  test_industrial ();
  test_pace ();
  test_speed ();
  return check_report ("scene");
}
