/* test-extract.c - feature extraction: area-average resize, pixel layouts,
 * colour conversion, motion channel, size changes, speed. */
#include "ad-internal.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void
model_cfg (ad_config *cfg, int w, int h, int color, int motion)
{
  ad_config_default (cfg);
  cfg->width = w;
  cfg->height = h;
  cfg->color = color;
  cfg->motion_inputs = motion;
}

static ad_extractor *
make_extractor (const ad_config *cfg)
{
  ad_extractor *x = NULL;
  ad_error err = { { 0 } };
  ad_status st = ad_extractor_new (cfg, &x, &err);
  CHECK (st == AD_OK, "ad_extractor_new: %s", err.msg);
  return x;
}

/* An image view over packed data: n_channels 1 (gray), or 3 with the
 * given pixel stride and channel offsets. */
static ad_image
view (const uint8_t *data, int w, int h, int ps, int nc, int o0, int o1,
    int o2)
{
  ad_image im = { data, w, h, w * ps, ps, nc, { o0, o1, o2 } };
  return im;
}

static float
max_abs_diff (const float *a, const float *b, size_t n)
{
  float m = 0.0f;
  for (size_t i = 0; i < n; i++)
    m = fmaxf (m, fabsf (a[i] - b[i]));
  return m;
}

static void
test_constant (void)
{
  for (int color = 0; color <= 1; color++) {
    ad_config cfg;
    model_cfg (&cfg, 16, 24, color, 0);
    ad_extractor *x = make_extractor (&cfg);
    if (!x)
      return;
    int nc = color ? 3 : 1;
    /* [45, 37, 3] RGB all 200 (odd size: non-integer scales both ways) */
    uint8_t img[45 * 37 * 3];
    memset (img, 200, sizeof img);
    float feat[3 * 16 * 24];
    ad_image im = view (img, 45, 37, 3, 3, 0, 1, 2);
    CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
    float worst = 0.0f;
    for (int i = 0; i < nc * 16 * 24; i++)
      worst = fmaxf (worst, fabsf (feat[i] - 200.0f / 255.0f));
    CHECK (worst < 1e-5f, "color %d: constant image off by %g", color,
        worst);
    ad_extractor_free (x);
  }
}

static void
test_checkerboard (void)
{
  ad_config cfg;
  model_cfg (&cfg, 16, 16, 0, 0);
  ad_extractor *x = make_extractor (&cfg);
  if (!x)
    return;
  uint8_t img[32 * 32];   /* [32, 32] gray, 1-px checkerboard 0/255 */
  for (int y = 0; y < 32; y++)
    for (int i = 0; i < 32; i++)
      img[y * 32 + i] = ((i + y) & 1) ? 255 : 0;
  float feat[16 * 16];
  ad_image im = view (img, 32, 32, 1, 1, 0, 0, 0);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  float worst = 0.0f;
  for (int i = 0; i < 16 * 16; i++)
    worst = fmaxf (worst, fabsf (feat[i] - 0.5f));
  CHECK (worst < 1e-6f, "checkerboard /2 off 0.5 by %g", worst);
  ad_extractor_free (x);
}

static uint8_t
pattern (int i, int y)
{
  return (uint8_t) ((i * 37 + y * 101 + (i * y) % 7) % 256);
}

/* Scale 1.5 (24 -> 16) on both axes.  Output o = 2j covers source pixels
 * 3j (all of it) and 3j+1 (half); o = 2j+1 covers the other half of 3j+1
 * and all of 3j+2; the weights are the covered lengths divided by 1.5. */
static void
axis_weights_1_5 (int o, int idx[2], float wt[2])
{
  int j = o / 2;
  if (o % 2 == 0) {
    idx[0] = 3 * j;
    idx[1] = 3 * j + 1;
    wt[0] = 2.0f / 3.0f;
    wt[1] = 1.0f / 3.0f;
  } else {
    idx[0] = 3 * j + 1;
    idx[1] = 3 * j + 2;
    wt[0] = 1.0f / 3.0f;
    wt[1] = 2.0f / 3.0f;
  }
}

static void
test_box_exact (void)
{
  ad_config cfg;
  model_cfg (&cfg, 16, 16, 0, 0);
  ad_extractor *x = make_extractor (&cfg);
  if (!x)
    return;
  uint8_t img[24 * 24];   /* [24, 24] gray */
  for (int y = 0; y < 24; y++)
    for (int i = 0; i < 24; i++)
      img[y * 24 + i] = pattern (i, y);
  float feat[16 * 16], want[16 * 16];
  for (int oy = 0; oy < 16; oy++)
    for (int ox = 0; ox < 16; ox++) {
      int iy[2], ix[2];
      float wy[2], wx[2];
      axis_weights_1_5 (oy, iy, wy);
      axis_weights_1_5 (ox, ix, wx);
      double s = 0.0;
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
          s += (double) wy[a] * wx[b] * img[iy[a] * 24 + ix[b]];
      want[oy * 16 + ox] = (float) (s / 255.0);
    }
  ad_image im = view (img, 24, 24, 1, 1, 0, 0, 0);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  float d = max_abs_diff (feat, want, 16 * 16);
  CHECK (d < 1e-5f, "box filter 24->16 differs by %g", d);

  /* Upscaling 12 -> 16 (scale 0.75) of a horizontal ramp p(i) = 20 i:
   * output o covers [0.75 o, 0.75 o + 0.75). */
  uint8_t up[12 * 16];    /* [16, 12] gray: 12 wide, 16 high */
  for (int y = 0; y < 16; y++)
    for (int i = 0; i < 12; i++)
      up[y * 12 + i] = (uint8_t) (20 * i);
  im = view (up, 12, 16, 1, 1, 0, 0, 0);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  /* o = 0: pixel 0 only -> 0; o = 1: [0.75, 1.5): 1/3 of p0 + 2/3 of p1;
   * o = 2: [1.5, 2.25): 2/3 p1 + 1/3 p2; o = 3: [2.25, 3): p2 */
  float e[4] = { 0.0f, 20.0f * 2.0f / 3.0f, 20.0f * (2.0f / 3.0f + 2.0f / 3.0f),
    40.0f };
  for (int o = 0; o < 4; o++)
    CHECK (fabsf (feat[5 * 16 + o] * 255.0f - e[o]) < 1e-3f,
        "upscale o=%d: %g want %g", o, feat[5 * 16 + o] * 255.0f, e[o]);
  ad_extractor_free (x);
}

static void
test_layouts (void)
{
  enum { W = 50, H = 30 };
  /* rgb [H, W, 3], bgrx [H, W, 4] with the same colours */
  static uint8_t rgb[W * H * 3], bgrx[W * H * 4], rgba[W * H * 4];
  ad_rng r;
  ad_rng_seed (&r, 7);
  for (int p = 0; p < W * H; p++) {
    for (int c = 0; c < 3; c++)
      rgb[p * 3 + c] = (uint8_t) (ad_rng_u32 (&r) & 255);
    bgrx[p * 4 + 0] = rgb[p * 3 + 2];
    bgrx[p * 4 + 1] = rgb[p * 3 + 1];
    bgrx[p * 4 + 2] = rgb[p * 3 + 0];
    bgrx[p * 4 + 3] = 17;
    rgba[p * 4 + 0] = 99;   /* xRGB-like: alpha first */
    rgba[p * 4 + 1] = rgb[p * 3 + 0];
    rgba[p * 4 + 2] = rgb[p * 3 + 1];
    rgba[p * 4 + 3] = rgb[p * 3 + 2];
  }
  for (int color = 0; color <= 1; color++) {
    ad_config cfg;
    model_cfg (&cfg, 24, 16, color, 0);
    ad_extractor *x = make_extractor (&cfg);
    if (!x)
      return;
    float a[3 * 24 * 16], b[3 * 24 * 16], c[3 * 24 * 16];
    int n = (color ? 3 : 1) * 24 * 16;
    ad_image im = view (rgb, W, H, 3, 3, 0, 1, 2);
    CHECK_OK (ad_extractor_process (x, &im, a, NULL));
    im = view (bgrx, W, H, 4, 3, 2, 1, 0);
    CHECK_OK (ad_extractor_process (x, &im, b, NULL));
    im = view (rgba, W, H, 4, 3, 1, 2, 3);
    CHECK_OK (ad_extractor_process (x, &im, c, NULL));
    CHECK (max_abs_diff (a, b, n) == 0.0f, "color %d: BGRx differs from RGB "
        "by %g", color, max_abs_diff (a, b, n));
    CHECK (max_abs_diff (a, c, n) == 0.0f, "color %d: xRGB differs from RGB "
        "by %g", color, max_abs_diff (a, c, n));
    float lo = 1.0f, hi = 0.0f;
    for (int i = 0; i < n; i++) {
      lo = fminf (lo, a[i]);
      hi = fmaxf (hi, a[i]);
    }
    CHECK (lo >= 0.0f && hi <= 1.0f && hi > lo, "range [%g, %g]", lo, hi);
    ad_extractor_free (x);
  }
}

static void
test_gray (void)
{
  ad_config cfg;
  model_cfg (&cfg, 16, 16, 0, 0);
  ad_extractor *x = make_extractor (&cfg);
  if (!x)
    return;
  uint8_t img[20 * 20 * 3];   /* [20, 20, 3] uniform (200, 100, 50) */
  for (int p = 0; p < 20 * 20; p++) {
    img[p * 3] = 200;
    img[p * 3 + 1] = 100;
    img[p * 3 + 2] = 50;
  }
  float feat[3 * 16 * 16];
  ad_image im = view (img, 20, 20, 3, 3, 0, 1, 2);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  float want = (0.299f * 200 + 0.587f * 100 + 0.114f * 50) / 255.0f;
  CHECK (fabsf (feat[37] - want) < 1e-5f, "gray %g want %g", feat[37], want);
  ad_extractor_free (x);

  /* RGB model fed a luma plane: replicated */
  model_cfg (&cfg, 16, 16, 1, 0);
  x = make_extractor (&cfg);
  if (!x)
    return;
  uint8_t luma[20 * 20];
  for (int p = 0; p < 20 * 20; p++)
    luma[p] = (uint8_t) (p % 251);
  im = view (luma, 20, 20, 1, 1, 0, 0, 0);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  CHECK (max_abs_diff (feat, feat + 256, 256) == 0.0f &&
      max_abs_diff (feat, feat + 512, 256) == 0.0f, "luma not replicated");
  ad_extractor_free (x);
}

static void
test_motion (void)
{
  ad_config cfg;
  model_cfg (&cfg, 16, 16, 1, 1);
  CHECK (ad_config_in_channels (&cfg) == 4, "4 input channels");
  ad_extractor *x = make_extractor (&cfg);
  if (!x)
    return;
  uint8_t img[16 * 16 * 3];   /* [16, 16, 3] */
  float feat[4 * 256];
  memset (img, 100, sizeof img);
  ad_image im = view (img, 16, 16, 3, 3, 0, 1, 2);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  float m = 0.0f;
  for (int i = 0; i < 256; i++)
    m = fmaxf (m, fabsf (feat[3 * 256 + i]));
  CHECK (m == 0.0f, "motion %g on the first frame", m);
  /* pixel (3,5): R +60, B -30 -> mean |d| = 90 / 3 / 255 */
  img[(5 * 16 + 3) * 3 + 0] = 160;
  img[(5 * 16 + 3) * 3 + 2] = 70;
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  float want = 90.0f / 3.0f / 255.0f;
  CHECK (fabsf (feat[3 * 256 + 5 * 16 + 3] - want) < 1e-6f, "motion %g "
      "want %g", feat[3 * 256 + 5 * 16 + 3], want);
  CHECK (feat[3 * 256 + 5 * 16 + 4] == 0.0f, "motion leaks to a neighbour");
  ad_extractor_reset (x);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  CHECK (feat[3 * 256 + 5 * 16 + 3] == 0.0f, "motion after reset");
  ad_extractor_free (x);
}

static void
test_size_change (void)
{
  ad_config cfg;
  model_cfg (&cfg, 16, 16, 0, 0);
  ad_extractor *x = make_extractor (&cfg);
  if (!x)
    return;
  uint8_t *big = malloc (64 * 48), small[16 * 16];
  if (!big)
    return;
  /* big [48, 64]: left half 0, right half 255; small [16,16]: ramp */
  for (int y = 0; y < 48; y++)
    for (int i = 0; i < 64; i++)
      big[y * 64 + i] = i < 32 ? 0 : 255;
  for (int p = 0; p < 256; p++)
    small[p] = (uint8_t) p;
  float feat[256];
  for (int round = 0; round < 2; round++) {
    ad_image im = view (big, 64, 48, 1, 1, 0, 0, 0);
    CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
    CHECK (feat[3 * 16 + 7] == 0.0f && fabsf (feat[3 * 16 + 8] - 1.0f) < 1e-6f,
        "64x48 edge: %g %g", feat[3 * 16 + 7], feat[3 * 16 + 8]);
    im = view (small, 16, 16, 1, 1, 0, 0, 0);
    CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
    float worst = 0.0f;
    for (int p = 0; p < 256; p++)
      worst = fmaxf (worst, fabsf (feat[p] - p / 255.0f));
    CHECK (worst < 1e-6f, "16x16 identity off by %g", worst);
  }
  free (big);
  ad_extractor_free (x);
}

static void
test_errors (void)
{
  ad_config cfg;
  model_cfg (&cfg, 16, 16, 0, 0);
  ad_extractor *x = make_extractor (&cfg);
  if (!x)
    return;
  uint8_t img[16 * 16 * 3] = { 0 };
  float feat[256];
  ad_error err = { { 0 } };
  ad_image im = view (img, 16, 16, 3, 3, 0, 1, 3);   /* offset 3 >= stride */
  CHECK (ad_extractor_process (x, &im, feat, &err) == AD_ERR_ARG, "offset");
  CHECK (err.msg[0] != 0, "message set");
  im = view (img, 16, 16, 3, 2, 0, 1, 2);
  CHECK (ad_extractor_process (x, &im, feat, NULL) == AD_ERR_ARG, "2 ch");
  im = view (img, 16, 16, 3, 3, 0, 1, 2);
  im.row_stride = 20;
  CHECK (ad_extractor_process (x, &im, feat, NULL) == AD_ERR_ARG, "stride");
  im = view (NULL, 16, 16, 3, 3, 0, 1, 2);
  CHECK (ad_extractor_process (x, &im, feat, NULL) == AD_ERR_ARG, "no data");
  cfg.width = 20;
  ad_extractor *bad = NULL;
  CHECK (ad_extractor_new (&cfg, &bad, NULL) == AD_ERR_ARG && !bad,
      "width 20 refused");
  ad_extractor_free (x);
}

static void
test_speed (void)
{
  ad_config cfg;
  model_cfg (&cfg, 160, 120, 0, 0);
  ad_extractor *x = make_extractor (&cfg);
  uint8_t *img = malloc (768 * 576 * 4);     /* [576, 768, 4] BGRx */
  float *feat = ad_alloc (160 * 120);
  if (!x || !img || !feat)
    goto out;
  for (int i = 0; i < 768 * 576 * 4; i++)
    img[i] = (uint8_t) (i * 2654435761u >> 24);
  ad_image im = view (img, 768, 576, 4, 3, 2, 1, 0);
  CHECK_OK (ad_extractor_process (x, &im, feat, NULL));
  int n = 200;
  double t0 = ad_now ();
  for (int i = 0; i < n; i++)
    ad_extractor_process (x, &im, feat, NULL);
  double ms = (ad_now () - t0) * 1000.0 / n;
  printf ("768x576 BGRx -> 160x120 gray: %.3f ms per frame\n", ms);
  /* Generous bound so sanitizer builds pass; release builds are far
   * below 1 ms (see the printed figure). */
  CHECK (ms < 25.0, "extraction takes %.2f ms", ms);
out:
  free (img);
  ad_free (feat);
  ad_extractor_free (x);
}

/* Planar YUV for an RGB model: a 34x40 picture, left half one colour and
 * right half another, written as I420 and as NV12 (BT.601 limited range,
 * rounded to bytes), comes out as those colours within 2/255 away from the
 * edge, the same from both layouts.  A gray model reads Y alone.  Chroma
 * planes larger than the picture are refused. */
static void
test_yuv (void)
{
  enum { IW = 34, IH = 40, CW = IW / 2, CH = IH / 2, MW = 16, MH = 16 };
  static const float col[2][3] = { { 200, 60, 40 }, { 30, 110, 220 } };
  uint8_t y[IW * IH], u[CW * CH], v[CW * CH], uv[CW * CH * 2];
  for (int py = 0; py < IH; py++)
    for (int px = 0; px < IW; px++) {
      const float *c = col[px >= IW / 2];
      y[py * IW + px] = (uint8_t) lrintf (16.0f + 0.257f * c[0] +
          0.504f * c[1] + 0.098f * c[2]);
    }
  for (int py = 0; py < CH; py++)
    for (int px = 0; px < CW; px++) {
      const float *c = col[2 * px >= IW / 2];
      int i = py * CW + px;
      u[i] = (uint8_t) lrintf (128.0f - 0.148f * c[0] - 0.291f * c[1] +
          0.439f * c[2]);
      v[i] = (uint8_t) lrintf (128.0f + 0.439f * c[0] - 0.368f * c[1] -
          0.071f * c[2]);
      uv[2 * i] = u[i];
      uv[2 * i + 1] = v[i];
    }
  ad_image i420 = view (y, IW, IH, 1, 1, 0, 0, 0);
  i420.u = u;
  i420.v = v;
  i420.chroma_width = CW;
  i420.chroma_height = CH;
  i420.chroma_row_stride = CW;
  i420.chroma_pixel_stride = 1;
  ad_image nv12 = i420;
  nv12.u = uv;
  nv12.v = uv + 1;
  nv12.chroma_row_stride = 2 * CW;
  nv12.chroma_pixel_stride = 2;

  ad_config cfg;
  model_cfg (&cfg, MW, MH, 1, 0);
  ad_extractor *x = make_extractor (&cfg), *g = NULL;
  float a[3 * MW * MH], b[3 * MW * MH], gray[MW * MH];
  if (!x)
    return;
  CHECK_OK (ad_extractor_process (x, &i420, a, NULL));
  CHECK_OK (ad_extractor_process (x, &nv12, b, NULL));
  float worst = 0.0f;
  for (int c = 0; c < 3; c++)
    for (int py = 0; py < MH; py++)
      for (int px = 0; px < MW; px++) {
        if (px == MW / 2 - 1 || px == MW / 2)
          continue;                       /* the edge's mixed pixels */
        float want = col[px >= MW / 2][c] / 255.0f;
        worst = fmaxf (worst, fabsf (a[(c * MH + py) * MW + px] - want));
      }
  CHECK (worst < 2.0f / 255.0f, "I420 to RGB off by %g", worst);
  CHECK (max_abs_diff (a, b, 3 * MW * MH) < 1e-6f, "NV12 and I420 differ "
      "by %g", max_abs_diff (a, b, 3 * MW * MH));

  model_cfg (&cfg, MW, MH, 0, 0);
  g = make_extractor (&cfg);
  if (g) {
    CHECK_OK (ad_extractor_process (g, &i420, gray, NULL));
    CHECK (fabsf (gray[0] - y[0] / 255.0f) < 1e-5f, "gray model reads Y: "
        "%g, Y %g", gray[0], y[0] / 255.0f);
  }

  ad_error err = { { 0 } };
  i420.chroma_width = IW + 1;
  CHECK (ad_extractor_process (x, &i420, a, &err) == AD_ERR_ARG &&
      strstr (err.msg, "chroma"), "chroma wider than the picture: %s",
      err.msg);
  i420.chroma_width = CW;
  i420.chroma_row_stride = CW - 1;
  CHECK (ad_extractor_process (x, &i420, a, NULL) == AD_ERR_ARG,
      "chroma row stride too small");
  ad_extractor_free (g);
  ad_extractor_free (x);
}

int
main (void)
{
  test_constant ();
  test_checkerboard ();
  test_box_exact ();
  test_layouts ();
  test_gray ();
  test_motion ();
  test_size_change ();
  test_errors ();
  test_yuv ();
  test_speed ();
  return check_report ("test-extract");
}
