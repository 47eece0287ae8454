/* flow-util.h - helpers shared by the motion tests (test-flow-vectors.c,
 * test-flow-learn.c, test-flow-scorer.c): the picture's size and
 * cells, the rendered frames (a smooth texture, the textured square, a
 * smooth blob), the normal footage and a small model.
 *
 * Header only (static inline functions), included by each test that needs
 * it; the CHECKs in it count in the including program (check.h). */
#ifndef AD_FLOW_UTIL_H
#define AD_FLOW_UTIL_H

#include "ad-internal.h"
#include "check.h"

enum { W = 64, H = 48, HW = W * H, CELL = 8 };

/* Smooth texture sampled at (x - dx, y - dy): a moved copy for any shift. */
static inline float
tex (float x, float y)
{
  return 0.5f + 0.2f * sinf (0.45f * x + 0.3f * y) +
      0.15f * cosf (0.37f * y - 0.21f * x) + 0.1f * sinf (0.8f * x + 1.1f);
}

/* frame [H, W]: static texture, plus a bright textured square of side 12
 * at (sx, sy) when sx >= 0; the whole picture shifted by (cx, cy) and its
 * brightness scaled by gain. */
static inline void
render (float *f, float sx, float sy, float cx, float cy, float gain)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float u = x - cx, v = y - cy;
      float val = tex (u, v);
      if (sx >= 0.0f && u >= sx && u < sx + 12.0f && v >= sy &&
          v < sy + 12.0f)
        val = 0.9f - 0.3f * tex (2.0f * (u - sx), 2.0f * (v - sy));
      f[y * W + x] = gain * val;
    }
}

/* frame [H, W]: static texture plus a smooth bright blob at (bx, by). */
static inline void
blob (float *f, float bx, float by)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      f[y * W + x] = 0.3f + 0.1f * tex ((float) x, (float) y) + 0.5f *
          expf (-((x - bx) * (x - bx) + (y - by) * (y - by)) / 32.0f);
}

static inline int
cell_of (float x, float y)
{
  return (int) (y / CELL) * (W / CELL) + (int) (x / CELL);
}

/* Normal footage: the square walks right along the band y = 18, with
 * static frames between passes. */
static inline float *
normal_frames (int n)
{
  float *fr = ad_alloc ((size_t) n * HW);
  for (int i = 0; fr && i < n; i++) {
    int t = i % 50;
    render (fr + (size_t) i * HW, t < 44 ? (float) t : -1.0f, 18.0f, 0, 0,
        1.0f);
  }
  return fr;
}

static inline ad_model *
small_model_c (int color)
{
  ad_config cfg;
  ad_config_default (&cfg);
  cfg.color = color;
  cfg.width = W;
  cfg.height = H;
  cfg.motion_cell = CELL;
  cfg.flow_spread = 1;     /* the off-band test path is two cells away */
  /* the motion-pattern tests read the vectors of the picture-wide
   * brightness change; light by place has its own (test_vectors) */
  cfg.flow_light = 0;
  cfg.widths[0] = 4;
  cfg.widths[1] = 4;
  cfg.widths[2] = 4;
  cfg.widths[3] = 4;
  ad_model *m = NULL;
  CHECK_OK (ad_model_new (&cfg, &m, NULL));
  return m;
}

static inline ad_model *
small_model (void)
{
  return small_model_c (0);
}

#endif
