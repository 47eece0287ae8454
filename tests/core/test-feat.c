/* test-feat.c - feature novelty (ad-feat.c): the plane from hand-made
 * bottleneck features, the normal state learned through a network, the
 * estimate's extra plane, calibration and the scorer's part. */
#include "ad-internal.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { W = 32, H = 24, HW = W * H };

/* Bottleneck features [2, 2, 3] at distance d[p] from a zero median along
 * channel 0; normal [3, 2, 3] = median 0, level 1 everywhere. */
static void
hand_made (const float *d, float *z, float *normal)
{
  memset (normal, 0, sizeof (float) * 3 * 6);
  for (int p = 0; p < 6; p++) {
    normal[2 * 6 + p] = 1.0f;
    z[p] = d[p];
    z[6 + p] = 0.0f;
  }
}

static void
test_plane (void)
{
  float z[12], normal[18], out[4 * 6], tmp[3 * 6];
  /* five places a little off their normal state, one far off */
  const float d[6] = { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 3.0f };
  hand_made (d, z, normal);
  ad_feat_plane (z, normal, 2, 2, 3, 4, 6, tmp, out);
  /* places' values -0.5 x 5 and 2.0, less their median (-0.5), over
   * their spread (0, floored at 0.1): 0 and 25; place 5 is (row 1,
   * column 2), pixels rows 2-3, columns 4-5 */
  float worst = 0.0f;
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 6; x++) {
      float want = y >= 2 && x >= 4 ? 25.0f : 0.0f;
      worst = fmaxf (worst, fabsf (out[y * 6 + x] - want));
    }
  CHECK (worst < 1e-3f, "plane off by %g (corner %g)", worst, out[23]);

  /* the light of the whole picture: every place as far off, nothing
   * stands out */
  const float e[6] = { 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f };
  hand_made (e, z, normal);
  ad_feat_plane (z, normal, 2, 2, 3, 4, 6, tmp, out);
  worst = 0.0f;
  for (int i = 0; i < 24; i++)
    worst = fmaxf (worst, fabsf (out[i]));
  CHECK (worst < 1e-6f, "a uniform shift reads %g", worst);

  /* scattered places: divided by their spread, one outlier still leads */
  const float s[6] = { 0.0f, 1.0f, 2.0f, 1.0f, 0.0f, 6.0f };
  hand_made (s, z, normal);
  ad_feat_plane (z, normal, 2, 2, 3, 4, 6, tmp, out);
  /* values -1 0 1 0 -1 5, median 0, spread 1: the outlier reads 5 */
  CHECK (fabsf (out[23] - 5.0f) < 1e-4f && fabsf (out[0] + 1.0f) < 1e-4f,
      "scattered: %g %g", out[23], out[0]);
}

static void
small_cfg (ad_config *cfg)
{
  ad_config_default (cfg);
  cfg->width = W;
  cfg->height = H;
  cfg->widths[0] = 4;
  cfg->widths[1] = 8;
  cfg->widths[2] = 8;
  cfg->widths[3] = 8;
  cfg->motion_comp = 0;
  cfg->score_window = 1;
}

/* A textured floor [1, H, W] in [0, 1], with a bright square at (x0, y0)
 * when x0 >= 0. */
static void
frame (float *f, int x0, int y0)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      f[y * W + x] = 0.35f + 0.1f * sinf (0.7f * x) * cosf (0.5f * y);
  for (int y = y0; x0 >= 0 && y < y0 + 6 && y < H; y++)
    for (int x = x0; x < x0 + 6 && x < W; x++)
      f[y * W + x] = 0.95f;
}

static void
test_learn_and_score (void)
{
  ad_config cfg;
  small_cfg (&cfg);
  ad_model *m = NULL;
  ad_error err = { { 0 } };
  CHECK (ad_model_new (&cfg, &m, &err) == AD_OK, "%s", err.msg);
  if (!m)
    return;
  const int out_ch = ad_config_out_channels (&cfg);
  CHECK (ad_model_recon_channels (m) == out_ch, "no plane before learning");

  /* the normal footage: the floor alone; held back: the same */
  enum { N = 40 };
  float *fr = malloc (sizeof (float) * N * HW);
  for (int i = 0; i < N; i++)
    frame (fr + (size_t) i * HW, -1, 0);
  CHECK (ad_model_learn_features (m, NULL, N, NULL, &err) == AD_ERR_ARG,
      "no frames refused");
  CHECK (ad_model_learn_features (m, fr, N, NULL, &err) == AD_OK, "%s",
      err.msg);
  ad_tensor *ts = ad_model_tensor (m, "feat_stats");
  CHECK (ts && ts->data[0] == 1.0f && ts->data[2] == 0.0f,
      "learned, not yet calibrated");
  CHECK (ad_model_recon_channels (m) == out_ch + 1, "a plane once learned");
  CHECK (ad_model_calibrate (m, fr, N, NULL, &err) == AD_OK, "%s", err.msg);
  CHECK (ts->data[2] > 0.0f, "calibrated spread %g", ts->data[2]);

  /* the estimate carries the plane; on the floor it reads nothing, a
   * square lights its place */
  ad_stream *s = NULL;
  ad_scorer *sc = NULL;
  CHECK_OK (ad_stream_new (m, &s, &err));
  CHECK_OK (ad_scorer_new (m, &sc, &err));
  float *rec = malloc (sizeof (float) * (size_t) (out_ch + 1) * HW);
  float f[HW];
  ad_score a, b;
  int v = 0;
  frame (f, -1, 0);
  for (int i = 0; i < 3; i++) {
    CHECK_OK (ad_stream_process (s, f, rec, &v, &err));
    CHECK_OK (ad_scorer_process (sc, f, v ? rec : NULL, NULL, &a, &err));
  }
  float floor_max = 0.0f;
  for (int p = 0; p < HW; p++)
    floor_max = fmaxf (floor_max, fabsf (rec[(size_t) out_ch * HW + p]));
  frame (f, 20, 12);
  CHECK_OK (ad_stream_process (s, f, rec, &v, &err));
  CHECK_OK (ad_scorer_process (sc, f, v ? rec : NULL, NULL, &b, &err));
  const float *pl = rec + (size_t) out_ch * HW;
  float at = pl[14 * W + 22], far = pl[2 * W + 2];
  CHECK (floor_max < 1e-3f, "the learned floor reads %g", floor_max);
  CHECK (at > far + 0.05f, "the square's place %g, far from it %g", at, far);
  CHECK (a.feat_raw == 0.0f && b.feat_raw > 0.0f && b.part[5] > 0.0f,
      "feature part: floor %g, square %g (term %g)", a.feat_raw, b.feat_raw,
      b.part[5]);
  CHECK (!strcmp (ad_score_part_names[5], "feature"), "part name %s",
      ad_score_part_names[5]);

  /* weight 0: the same estimate, no term in the score */
  ad_config c0 = *ad_model_config (m);
  c0.feat_weight = 0.0f;
  CHECK_OK (ad_model_set_scoring (m, &c0, &err));
  ad_scorer *s0 = NULL;
  CHECK_OK (ad_scorer_new (m, &s0, &err));
  CHECK_OK (ad_scorer_process (s0, f, v ? rec : NULL, NULL, &b, &err));
  CHECK (b.part[5] == 0.0f, "weight 0 leaves a term %g", b.part[5]);

  ad_scorer_free (s0);
  ad_scorer_free (sc);
  ad_stream_free (s);
  free (rec);
  free (fr);
  ad_model_free (m);
}

int
main (void)
{
  test_plane ();
  test_learn_and_score ();
  return check_report ("test-feat");
}
