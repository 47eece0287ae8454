/* ad-scene-tool.c - writes a generated scene clip to disk.
 *
 *   ad-scene-tool --scene surveillance|industrial|sparse|crowded|windy|clock
 *                 --clip train|holdout|test|nuisance
 *                 [--size 160x120] [--frames N] [--seed S] [--clouds D]
 *                 [--leaves D] [--stops P] [--pace K] --out DIR
 *
 * Output: DIR/frames/%05d.ppm (binary P6), DIR/masks/%05d.pgm (binary P5,
 * 255 = anomalous) and DIR/labels.csv (frame,label,kind).
 */
#include "ad-scene.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

static void
usage (FILE *f)
{
  fprintf (f,
      "usage: ad-scene-tool --scene surveillance|industrial|sparse|crowded|windy|clock\n"
      "                     --clip train|holdout|test|nuisance\n"
      "                     [--size WxH] [--frames N] [--seed S] [--clouds D]\n"
      "                     [--leaves D] [--stops P] [--pace K] --out DIR\n"
      "\n"
      "Writes DIR/frames/%%05d.ppm, DIR/masks/%%05d.pgm and DIR/labels.csv\n"
      "(frame,label,kind).  --size defaults to 160x120 (each side >= 32),\n"
      "--frames to the clip's default length (0), --seed to 1, --clouds\n"
      "(cloud shadows taking D of the light drift across the picture, a\n"
      "video scene's) to 0, --leaves (the trees' shade, dappled with sun,\n"
      "moving in the wind and taking D of the light) to 0, --stops (the\n"
      "share of walkers who stop and stand 2-8 s on their path, 0..1) to 0,\n"
      "--pace (K frames\n"
      "for each of the scene's own: everything moves 1/K as far a frame,\n"
      "1..8) to 1.\n");
}

/* Parses a depth of shade ([0, 1)) for option a; 0 on a bad value. */
static int
depth_arg (const char *a, const char *v, double *out)
{
  char *end = NULL;
  *out = strtod (v, &end);
  if (!end || *end || !(*out >= 0.0 && *out < 1.0)) {
    fprintf (stderr, "ad-scene-tool: bad %s '%s' (want 0 to below 1)\n", a, v);
    return 0;
  }
  return 1;
}

static int
pick (const char *v, const char *const *names, int n)
{
  for (int k = 0; k < n; k++)
    if (strcmp (v, names[k]) == 0)
      return k;
  return -1;
}

static int
make_dir (const char *path)
{
  if (mkdir (path, 0755) == 0 || errno == EEXIST)
    return 0;
  fprintf (stderr, "ad-scene-tool: cannot create %s: %s\n", path,
      strerror (errno));
  return -1;
}

static int
write_file (const char *path, const char *header, const uint8_t *data,
    size_t n)
{
  FILE *f = fopen (path, "wb");
  if (!f) {
    fprintf (stderr, "ad-scene-tool: cannot write %s: %s\n", path,
        strerror (errno));
    return -1;
  }
  int ok = fputs (header, f) >= 0 && fwrite (data, 1, n, f) == n;
  ok = (fclose (f) == 0) && ok;
  if (!ok)
    fprintf (stderr, "ad-scene-tool: write error on %s\n", path);
  return ok ? 0 : -1;
}

int
main (int argc, char **argv)
{
  static const char *const clips[] = { "train", "holdout", "test",
    "nuisance" };
  ad_scene_kind scene = AD_SCENE_SURVEILLANCE;
  int have_scene = 0, clip = -1, w = 160, h = 120;
  long long frames = 0;
  unsigned long seed = 1;
  double clouds = 0.0, leaves = 0.0, stops = 0.0;
  long pace = 1;
  const char *out = NULL;

  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0) {
      usage (stdout);
      return 0;
    }
    if (k + 1 >= argc) {
      fprintf (stderr, "ad-scene-tool: %s needs a value\n", a);
      usage (stderr);
      return 2;
    }
    const char *v = argv[++k];
    char *end = NULL;
    if (strcmp (a, "--scene") == 0) {
      if (!(have_scene = ad_scene_kind_from_name (v, &scene))) {
        fprintf (stderr, "ad-scene-tool: unknown scene '%s'\n", v);
        return 2;
      }
    } else if (strcmp (a, "--clip") == 0) {
      if ((clip = pick (v, clips, (int) (sizeof clips / sizeof clips[0])))
          < 0) {
        fprintf (stderr, "ad-scene-tool: unknown clip '%s'\n", v);
        return 2;
      }
    } else if (strcmp (a, "--size") == 0) {
      if (sscanf (v, "%dx%d", &w, &h) != 2 || w < 32 || h < 32) {
        fprintf (stderr, "ad-scene-tool: bad --size '%s' (want WxH, each "
            ">= 32)\n", v);
        return 2;
      }
    } else if (strcmp (a, "--frames") == 0) {
      frames = strtoll (v, &end, 10);
      if (!end || *end || frames < 0) {
        fprintf (stderr, "ad-scene-tool: bad --frames '%s'\n", v);
        return 2;
      }
    } else if (strcmp (a, "--seed") == 0) {
      seed = strtoul (v, &end, 10);
      if (!end || *end || seed > 0xffffffffUL) {
        fprintf (stderr, "ad-scene-tool: bad --seed '%s'\n", v);
        return 2;
      }
    } else if (strcmp (a, "--clouds") == 0) {
      if (!depth_arg (a, v, &clouds))
        return 2;
    } else if (strcmp (a, "--leaves") == 0) {
      if (!depth_arg (a, v, &leaves))
        return 2;
    } else if (strcmp (a, "--stops") == 0) {
      stops = strtod (v, &end);
      if (!end || *end || !(stops >= 0.0 && stops <= 1.0)) {
        fprintf (stderr, "ad-scene-tool: bad --stops '%s' (want 0..1)\n", v);
        return 2;
      }
    } else if (strcmp (a, "--pace") == 0) {
      pace = strtol (v, &end, 10);
      if (!end || *end || pace < 1 || pace > AD_SCENE_PACE_MAX) {
        fprintf (stderr, "ad-scene-tool: bad --pace '%s' (want 1..%d)\n", v,
            AD_SCENE_PACE_MAX);
        return 2;
      }
    } else if (strcmp (a, "--out") == 0) {
      out = v;
    } else {
      fprintf (stderr, "ad-scene-tool: unknown option '%s'\n", a);
      usage (stderr);
      return 2;
    }
  }
  if (!have_scene || clip < 0 || !out) {
    fprintf (stderr, "ad-scene-tool: --scene, --clip and --out are "
        "required\n");
    usage (stderr);
    return 2;
  }

  ad_error err = { { 0 } };
  ad_scene *s = NULL;
  if (ad_scene_new (scene, (ad_scene_clip) clip, w, h,
          frames, (uint32_t) seed, &s, &err) != AD_OK ||
      ad_scene_add_clouds (s, (float) clouds, &err) != AD_OK ||
      ad_scene_add_leaves (s, (float) leaves, &err) != AD_OK ||
      ad_scene_add_stops (s, (float) stops, &err) != AD_OK ||
      ad_scene_set_pace (s, (int) pace, &err) != AD_OK) {
    fprintf (stderr, "ad-scene-tool: %s\n", err.msg);
    ad_scene_free (s);
    return 1;
  }
  size_t plen = strlen (out) + 32;
  char *path = malloc (plen);
  uint8_t *rgb = malloc ((size_t) w * h * 3);      /* [h, w, 3] */
  uint8_t *mask = malloc ((size_t) w * h);         /* [h, w] */
  int rc = 1;
  FILE *csv = NULL;
  if (!path || !rgb || !mask) {
    fprintf (stderr, "ad-scene-tool: out of memory\n");
    goto done;
  }
  snprintf (path, plen, "%s/frames", out);
  if (make_dir (out) || make_dir (path))
    goto done;
  snprintf (path, plen, "%s/masks", out);
  if (make_dir (path))
    goto done;
  snprintf (path, plen, "%s/labels.csv", out);
  csv = fopen (path, "w");
  if (!csv) {
    fprintf (stderr, "ad-scene-tool: cannot write %s: %s\n", path,
        strerror (errno));
    goto done;
  }
  fprintf (csv, "frame,label,kind\n");
  char ppm[64], pgm[64];
  snprintf (ppm, sizeof ppm, "P6\n%d %d\n255\n", w, h);
  snprintf (pgm, sizeof pgm, "P5\n%d %d\n255\n", w, h);
  int64_t n = ad_scene_n_frames (s), n_anom = 0;
  for (int64_t i = 0; i < n; i++) {
    ad_anomaly_kind kind;
    if (ad_scene_render (s, i, rgb, mask, &kind, &err) != AD_OK) {
      fprintf (stderr, "ad-scene-tool: frame %lld: %s\n", (long long) i,
          err.msg);
      goto done;
    }
    snprintf (path, plen, "%s/frames/%05lld.ppm", out, (long long) i);
    if (write_file (path, ppm, rgb, (size_t) w * h * 3))
      goto done;
    snprintf (path, plen, "%s/masks/%05lld.pgm", out, (long long) i);
    if (write_file (path, pgm, mask, (size_t) w * h))
      goto done;
    fprintf (csv, "%lld,%d,%s\n", (long long) i, kind != AD_ANOM_NONE,
        ad_anomaly_name (kind));
    n_anom += kind != AD_ANOM_NONE;
  }
  printf ("wrote %lld frames (%lld anomalous) to %s\n", (long long) n,
      (long long) n_anom, out);
  rc = 0;
done:
  if (csv && fclose (csv) != 0 && rc == 0) {
    fprintf (stderr, "ad-scene-tool: write error on labels.csv\n");
    rc = 1;
  }
  free (path);
  free (rgb);
  free (mask);
  ad_scene_free (s);
  return rc;
}
