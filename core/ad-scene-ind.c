/* ad-scene-ind.c - the industrial scene: still textured surfaces of four
 * families (brushed metal, woven fabric, wood, stone) with defects
 * (scratch, spot, crack, missing area), one independent image per frame. */
#include "ad-scene-internal.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* Industrial surfaces                                                      */

static void
sc_surface (const ad_scene *s, float X, float Y, float ox, float oy,
    float out[3])
{
  uint32_t sd = s->seed * 131u;
  float u = X + ox, v = Y + oy, t = 0.5f;
  const float *a = s->tex_col[0], *b = s->tex_col[1];
  switch (s->family) {
    case 0:                    /* brushed metal: streaks along X */
      t = 0.5f + 0.35f * (sc_fbm (u * 2.0f, v * 160.0f, 2, sd) - 0.5f)
          + 0.2f * (sc_noise (u * 30.0f, v * 600.0f, sd + 1) - 0.5f)
          + 0.25f * expf (-(Y - 0.4f) * (Y - 0.4f) * 8.0f);
      break;
    case 1: {                  /* woven fabric: over-under threads */
      float f = s->tex_freq, gu = u * f, gv = v * f;
      int iu = (int) floorf (gu), iv = (int) floorf (gv);
      float fu = gu - iu, fv = gv - iv;
      int warp = (iu + iv) & 1;
      float prof = warp ? sinf (SC_PI * fu) : sinf (SC_PI * fv);
      t = 0.25f + 0.6f * prof + 0.15f * sc_noise (u * 200.0f, v * 200.0f, sd);
      if (warp)
        t = 1.0f - 0.5f * (1.0f - t);
      break;
    }
    case 2: {                  /* wood grain: wavy rings along X */
      float w = v * s->tex_freq + 3.0f * sc_fbm (u * 1.5f, v * 3.0f, 3, sd);
      t = 0.5f + 0.35f * sinf (2.0f * SC_PI * w) * sinf (2.0f * SC_PI * w)
          + 0.15f * (sc_noise (u * 8.0f, v * 200.0f, sd + 2) - 0.5f);
      break;
    }
    default: {                 /* granular stone: speckled grains */
      float g = sc_lattice ((int) floorf (u * s->tex_freq),
          (int) floorf (v * s->tex_freq), sd + 3);
      float g2 = sc_lattice ((int) floorf (u * s->tex_freq * 2.3f),
          (int) floorf (v * s->tex_freq * 2.3f), sd + 4);
      t = 0.35f + 0.3f * sc_fbm (u * 4.0f, v * 4.0f, 2, sd + 5) + 0.25f * g
          + (g2 > 0.93f ? 0.3f : g2 < 0.06f ? -0.25f : 0.0f);
      break;
    }
  }
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  for (int c = 0; c < 3; c++)
    out[c] = a[c] + (b[c] - a[c]) * t;
}

void
sc_ind_layout (ad_scene *s)
{
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0x1D5, 1));
  s->family = (int) (ad_rng_u32 (&r) % 4);
  static const float pal[4][2][3] = {
    { {0.35f, 0.37f, 0.4f}, {0.75f, 0.77f, 0.8f} },
    { {0.15f, 0.2f, 0.35f}, {0.55f, 0.6f, 0.75f} },
    { {0.35f, 0.2f, 0.1f}, {0.7f, 0.5f, 0.3f} },
    { {0.25f, 0.24f, 0.22f}, {0.75f, 0.72f, 0.68f} } };
  float m = sc_range (&r, 0.85f, 1.15f);
  for (int k = 0; k < 2; k++)
    for (int c = 0; c < 3; c++)
      s->tex_col[k][c] = pal[s->family][k][c] * m * sc_range (&r, 0.96f, 1.04f);
  s->tex_freq = s->family == 1 ? sc_range (&r, 30, 45)
      : s->family == 2 ? sc_range (&r, 4, 8) : sc_range (&r, 50, 80);
}

ad_status
sc_render_ind (ad_scene *s, int64_t i, uint8_t *rgb, ad_anomaly_kind *kind)
{
  ad_rng r;
  ad_rng_seed (&r, sc_hash (s->seed, 0x1E0 + s->clip, (uint32_t) i));
  int w = s->w, h = s->h;
  float sx = w / XM, sy = (float) h;
  float ox = sc_range (&r, -0.05f, 0.05f), oy = sc_range (&r, -0.05f, 0.05f);
  float br = sc_range (&r, 0.96f, 1.04f), sigma = 2.0f;
  if (s->clip == AD_CLIP_NUISANCE) {
    br = sc_range (&r, 0.85f, 1.15f);
    sigma = sc_range (&r, 2.0f, 6.0f);
  }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float col[3];
      sc_surface (s, (x + 0.5f) / sx, (y + 0.5f) / sy, ox, oy, col);
      sc_put (&(sc_canvas) { s->frame, s->mask, w, h }, x, y, col, 1.0f, -1);
    }
  memset (s->mask, 0, (size_t) w * h);
  sc_canvas cv = { s->frame, s->mask, w, h };
  ad_anomaly_kind k = s->labels ? (ad_anomaly_kind) s->labels[i] : AD_ANOM_NONE;
  float cx = sc_range (&r, 0.25f, XM - 0.25f), cy = sc_range (&r, 0.25f, 0.75f);
  float lw = fmaxf (0.004f * sy, 0.6f);
  float avg[3];
  sc_surface (s, cx, cy, ox, oy, avg);
  float lum = (avg[0] + avg[1] + avg[2]) / 3.0f;
  if (k == AD_ANOM_SCRATCH) {
    float ang = sc_range (&r, 0, SC_PI), len = sc_range (&r, 0.15f, 0.35f);
    float c = lum > 0.5f ? 0.25f : 0.9f, col[3] = { c, c, c * 1.02f };
    sc_capsule (&cv, (cx - len * cosf (ang)) * sx, (cy - len * sinf (ang)) * sy,
        (cx + len * cosf (ang)) * sx, (cy + len * sinf (ang)) * sy, lw, col,
        255);
  } else if (k == AD_ANOM_SPOT) {
    float rad = sc_range (&r, 0.03f, 0.08f), col[3];
    float tint = sc_range (&r, 0, 1);
    for (int c = 0; c < 3; c++)
      col[c] = lum > 0.45f ? avg[c] * 0.45f : fminf (avg[c] * 1.8f + 0.1f, 1.0f);
    col[0] = fminf (col[0] * (1.0f + 0.4f * tint), 1.0f);
    int x0, y0, x1, y1;
    sc_bbox (&cv, (cx - 1.5f * rad) * sx, (cy - 1.5f * rad) * sy,
        (cx + 1.5f * rad) * sx, (cy + 1.5f * rad) * sy, &x0, &y0, &x1, &y1);
    for (int y = y0; y <= y1; y++)
      for (int x = x0; x <= x1; x++) {
        float dx = (x + 0.5f) / sx - cx, dy = (y + 0.5f) / sy - cy;
        float an = atan2f (dy, dx);
        float rr = rad * (0.8f + 0.5f * sc_noise (an * 1.5f + 10.0f, 0.5f,
                s->seed + (uint32_t) i));
        if (dx * dx + dy * dy < rr * rr)
          sc_put (&cv, x, y, col, 1.0f, 255);
      }
  } else if (k == AD_ANOM_CRACK) {
    float col[3] = { 0.06f, 0.05f, 0.05f }, px = cx, py = cy;
    float ang = sc_range (&r, 0, 2.0f * SC_PI);
    int nseg = 6 + (int) (ad_rng_u32 (&r) % 7);
    for (int j = 0; j < nseg; j++) {
      ang += sc_range (&r, -0.9f, 0.9f);
      float len = sc_range (&r, 0.02f, 0.05f);
      float nx = px + len * cosf (ang), ny = py + len * sinf (ang);
      sc_capsule (&cv, px * sx, py * sy, nx * sx, ny * sy,
          lw * (j < nseg / 2 ? 1.3f : 0.8f), col, 255);
      px = nx;
      py = ny;
    }
  } else if (k == AD_ANOM_MISSING) {
    float col[3] = { 0.07f, 0.07f, 0.08f };
    float rw = sc_range (&r, 0.05f, 0.12f), rh = sc_range (&r, 0.05f, 0.12f);
    sc_rect (&cv, (cx - rw) * sx, (cy - rh) * sy, (cx + rw) * sx,
        (cy + rh) * sy, col, 1.0f, 255);
  }
  *kind = sc_mask_any (s) ? k : AD_ANOM_NONE;
  float gain[3] = { br, br, br };
  sc_finish (s, i, s->frame, rgb, sigma, gain, 0, 0);
  return AD_OK;
}
