/* ad-score-map.c - what the scorer computes per pixel: the comparison
 * with the learned background (the stationary change per cell, shadows
 * and darker pixels, a colour camera that turns gray, the background's
 * upkeep) and the heatmap (the motion gate, the silhouettes, the fusion
 * per pixel).  The per-frame flow that calls it is in ad-score.c,
 * calibration in ad-calib.c.  The pipeline and the formulas are described
 * in docs/scoring.md; keep the two in step. */
#include "ad-score-internal.h"

#include <math.h>
#include <string.h>

/* Blur of the per-pixel motion before it locates a cell's motion (px). */
#define AD_GATE_BLUR 2.0f
/* Share of the frame difference in the heatmap gate beside the difference
 * to the background (measured flat between 0.03 and 0.3). */
#define AD_GATE_DIFF_SHARE 0.1f
/* Stationary change: a frame's own mismatch floor, this many times the
 * median of its difference to the background (ad_sc_static_cells). */
#define AD_STILL_FLOOR_K 3.0f
/* static_people: a still piece from this many times the height of the
 * things that move in the training footage to that many is people
 * standing (a standing person's piece is about as tall as a walker's,
 * with its shadow or a second person behind it up to twice; the
 * generated bag reads 0.6 of a walker's height with the ground around
 * it; benchmarks.md, "People who stop and stand"). */
#define AD_PEOPLE_LO 0.8f
#define AD_PEOPLE_HI 2.0f
/* A shorter still piece with a pixel this near (px, each way) one of
 * people standing is part of them: under the light's swings a person in
 * a plain coat breaks into pieces (surveillance seed 2 with people
 * stopping: 229 -> 125 false-alarm frames in ad-tune, the left objects
 * as before; benchmarks.md, "People who stop and stand"). */
#define AD_PEOPLE_NEAR 2
/* static_hold: a pixel that moves keeps the still difference it had
 * when last seen once it had lain still and different for this many
 * times static_rise frames (seconds): the real footage's bag 0.922 at 1,
 * 0.919 at 2, 0.877 at 4; people standing under the generated nuisance
 * clip's light swings 161, 90 and 71 false-alarm frames, 71 without the
 * option (benchmarks.md, "A bag people walk past"). */
#define AD_HOLD_AGE 2.0f

/* dst [hw] = (src [hw] over the largest of its cell's largest value and
 * map_gate_floor x the frame's largest) ^ map_gate_power, in [0, 1] (1 in
 * a frame without any); mx [ncells] scratch. */
static void
cell_share (const ad_scorer *sc, const float *src, float *dst, float *mx)
{
  memset (mx, 0, sizeof (float) * sc->ncells);
  for (int y = 0; y < sc->h; y++) {
    float *mrow = mx + (size_t) (y / sc->cell) * sc->gw;
    for (int x = 0; x < sc->w; x++) {
      float v = src[(size_t) y * sc->w + x];
      if (v > mrow[x / sc->cell])
        mrow[x / sc->cell] = v;
    }
  }
  /* a cell whose strongest pixel is weak beside the frame's strongest
   * (a shadow, the rest of something that has moved on) counts as
   * holding nothing at full strength: its pixels are divided by at least
   * map_gate_floor x the frame's strongest */
  float top = 0.0f;
  for (int k = 0; k < sc->ncells; k++)
    top = mx[k] > top ? mx[k] : top;
  float lo = sc->cfg.map_gate_floor * top, pw = sc->cfg.map_gate_power;
  for (int y = 0; y < sc->h; y++) {
    const float *mrow = mx + (size_t) (y / sc->cell) * sc->gw;
    for (int x = 0; x < sc->w; x++) {
      float m = mrow[x / sc->cell] > lo ? mrow[x / sc->cell] : lo;
      size_t p = (size_t) y * sc->w + x;
      float v = m > AD_TINY ? src[p] / m : 1.0f;
      dst[p] = pw == 1.0f || v <= 0.0f ? v : powf (v, pw);
    }
  }
}

/* sc->gate [hw] = where in its cell the moving thing is, so that the
 * heatmap paints a cell's motion parts on the object, not the whole cell:
 * with a learned background (have_fg), the pixel's difference to it after
 * the frame's floor (sc->fg: the object's whole silhouette, where the
 * frame difference shows only its edges) plus AD_GATE_DIFF_SHARE x the
 * blurred compensated difference (an object that matches the background);
 * without one, the blurred difference alone.  Each over the largest value
 * in its cell (ones where there is nothing, or with map_gate off).  The
 * cell's maximum keeps its full value. */
void
ad_sc_motion_gate (ad_scorer *sc, int ok, int have_fg)
{
  float *g = sc->gate;
  if (!ok || !sc->cfg.map_gate) {
    for (int p = 0; p < sc->hw; p++)
      g[p] = 1.0f;
    return;
  }
  memcpy (g, ad_flow_residual (sc->flow), sizeof (float) * sc->hw);
  ad_blur (g, sc->h, sc->w, AD_GATE_BLUR, sc->tmp);
  if (have_fg)
    for (int p = 0; p < sc->hw; p++)
      g[p] = sc->fg[p] + AD_GATE_DIFF_SHARE * g[p];
  /* cwork: rewritten by ad_sc_scored_cells */
  cell_share (sc, g, g, sc->cwork);
}

/* sc->gate + 2 hw [hw] = the map's factor per pixel: 1 within one pixel
 * (4-neighbours) of a silhouette (sc->fg above 0, the difference to the
 * learned background after the frame's floor, shadows out), map_outside
 * elsewhere, where an object was a frame ago or the blur's halo lies; 1
 * everywhere when off (on 0: map_outside 1, or no background difference
 * this frame). */
void
ad_sc_silhouettes (ad_scorer *sc, int on)
{
  float *o = sc->gate + 2 * (size_t) sc->hw;
  const float *fg = sc->fg;
  float k = sc->cfg.map_outside;
  int h = sc->h, w = sc->w;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t p = (size_t) y * w + x;
      int in = !on || fg[p] > 0.0f ||
          (x > 0 && fg[p - 1] > 0.0f) || (x < w - 1 && fg[p + 1] > 0.0f) ||
          (y > 0 && fg[p - w] > 0.0f) || (y < h - 1 && fg[p + w] > 0.0f);
      o[p] = in ? 1.0f : k;
    }
}

/* A pixel of gray g whose lit background is lit lies in a shadow's
 * brightness band: AD_SHADOW_LO..AD_SHADOW_HI of it (where the
 * background is brighter than AD_SHADOW_MIN). */
static inline int
shadow_band (float g, float lit)
{
  return lit > AD_SHADOW_MIN && g >= AD_SHADOW_LO * lit &&
      g <= AD_SHADOW_HI * lit;
}

/* Shadows out of the map's gate (colour models, map_shadow < 1): a pixel
 * whose gray is AD_SHADOW_LO..AD_SHADOW_HI of the lit background's and
 * whose chromaticity (r, g) = (R, G) / (R + G + B) lies within
 * AD_SHADOW_CHROMA (sum of both differences) of the background's is
 * the background darkened, not an object: its sc->fg is multiplied by
 * map_shadow.  The background's chromaticity sc->chroma [2, hw] is a
 * running mean, 1/AD_CHROMA_FRAMES a frame, over the frames where the
 * pixel matches the background (d == 0), started from the learned
 * background's (bg_chroma, with static_chroma), else from the stream's
 * first frame (tested from the second on).  Gray footage (a gray camera,
 * night infrared) carries no chromaticity, so a dark gray coat would pass
 * for a shadow: the test runs only on a frame with colour (sc->colourful,
 * follow_colour).
 * The frame's chromaticity is sc->uv (follow_colour); gray, bg [hw] and
 * gain [hw] the light on it (sc->lit, ad_bg_diff's); d [hw] its
 * difference after the frame's floor (sc->fg, changed in place). */
static void
shadows (ad_scorer *sc, const float *gray, const float *bg,
    const float *gain, float *d)
{
  const size_t hw = (size_t) sc->hw;
  float *cr = sc->chroma, *cg = sc->chroma + hw;
  const float a = 1.0f / AD_CHROMA_FRAMES;
  if (!sc->have_chroma) {
    /* the learned background's chromaticity when the model has one, else
     * this frame's (whatever stands in it counts as background at first) */
    memcpy (sc->chroma, sc->bgc_live ? sc->bgc_live : sc->uv,
        sizeof (float) * 2 * hw);
    sc->have_chroma = 1;
    if (!sc->bgc_live)
      return;
  }
  int test = sc->colourful;
  for (size_t p = 0; p < hw; p++) {
    float u = sc->uv[p], v = sc->uv[hw + p];
    float lit = gain[p] * bg[p], dv = d[p];
    if (test && dv > 0.0f && shadow_band (gray[p], lit) &&
        fabsf (u - cr[p]) + fabsf (v - cg[p]) < AD_SHADOW_CHROMA)
      d[p] = dv * sc->cfg.map_shadow;
    if (dv == 0.0f) {
      cr[p] += a * (u - cr[p]);
      cg[p] += a * (v - cg[p]);
    }
  }
}

/* 1 when at least AD_COLOUR_SHARE of the pixels of the chromaticity uv
 * [2, hw] (ad_chroma; black reads gray) are AD_COLOUR_MIN or more from
 * gray (sum of both). */
static int
frame_colourful (const float *uv, size_t hw)
{
  size_t coloured = 0;
  for (size_t p = 0; p < hw; p++)
    coloured += fabsf (uv[p] - 1.0f / 3.0f) +
        fabsf (uv[hw + p] - 1.0f / 3.0f) > AD_COLOUR_MIN;
  return (float) coloured >= AD_COLOUR_SHARE * (float) hw;
}

/* Frames of background re-learning after a switch to gray: cfg.bg_relearn
 * seconds at the training rate (25 frames a second when unknown). */
static int
relearn_frames (const ad_config *cfg)
{
  float fps = cfg->train_fps > 0.0f ? cfg->train_fps : 25.0f;
  return (int) (cfg->bg_relearn * fps + 0.5f);
}

/* Colour models: a camera that turns gray (night infrared) shows the
 * scene in other grays than the colour footage the model's background
 * was learned from, and the whole picture would read as stationary
 * change.  Once AD_MODE_FRAMES frames in a row are gray (frame_colourful
 * 0), the stream's background starts over from this frame's gray [hw] and
 * is learned for relearn_frames (ad_sc_static_cells); once as many are in
 * colour again, the model's background comes back. */
static void
follow_colour (ad_scorer *sc, const float *feat, const float *gray)
{
  ad_chroma (feat, (size_t) sc->hw, sc->uv);
  sc->colourful = frame_colourful (sc->uv, (size_t) sc->hw);
  if (sc->colourful == sc->mode) {
    sc->mode_run = 0;
    return;
  }
  if (++sc->mode_run < AD_MODE_FRAMES)
    return;
  sc->mode = sc->colourful;
  sc->mode_run = 0;
  sc->switched = sc->mode ? -1 : 1;
  sc->relearn = sc->mode ? 0 : relearn_frames (&sc->cfg);
  memcpy (sc->bg_live, sc->relearn ? gray : sc->bg->data,
      sizeof (float) * sc->hw);
  /* still_age counts each pixel's still frames while re-learning */
  for (int p = 0; p < sc->hw; p++)
    sc->still_age[p] = sc->relearn ? 1.0f : 0.0f;
}

/* Darker pixels in the map's gate of a gray model (map_dark < 1): a
 * pixel whose gray is AD_SHADOW_LO..AD_SHADOW_HI of the lit background's
 * is a shadow or something a little darker than the ground, and without
 * colour the two look alike (the colour test of shadows () needs
 * chromaticity): its foreground is multiplied by map_dark, so the map
 * ranks the rest of a moving object above its shadow.  gray, bg [hw] and
 * gain [hw] the light on it (sc->lit, ad_bg_diff's); d [hw] its
 * difference after the floor (sc->fg, changed in place). */
static void
dark_pixels (ad_scorer *sc, const float *gray, const float *bg,
    const float *gain, float *d)
{
  for (int p = 0; p < sc->hw; p++)
    if (d[p] > 0.0f && shadow_band (gray[p], gain[p] * bg[p]))
      d[p] *= sc->cfg.map_dark;
}

void
ad_sc_light (ad_scorer *sc, const float *gray, const float *resid,
    int colour)
{
  const ad_config *c = &sc->cfg;
  int by_place = c->static_light > 0;
  int r = by_place ? c->static_light :
      c->flow_light && c->light_engage > 0.0f ? 1 : 0;
  /* light lies still and keeps the ground's colour: a moving pixel, or
   * one whose chromaticity left the background's (sc->cdiff is gray x
   * the distance), is an object's and does not count (one gain for the
   * picture, r = 0, counts every pixel) */
  for (int p = 0; r > 0 && p < sc->hw; p++)
    sc->lskip[p] = (sc->ign && sc->ign[p]) ||
        (resid && resid[p] > sc->flow_noise) ||
        (colour && sc->cdiff[p] > AD_SHADOW_CHROMA * gray[p]);
  float g = ad_gain_field (gray, sc->bg_live, sc->lskip, sc->h, sc->w,
      sc->cell, r, c->light_engage, sc->tmp, sc->lit, &sc->light_share);
  for (int p = 0; !by_place && r > 0 && p < sc->hw; p++)
    sc->lit[p] = g;
}

/* Floods the 8-connected piece of the pixels of d [h, w] above thr that
 * holds p0: each gets lab[p] = label (pixels already labelled are not
 * taken), q [h w] its pixels; returns their number, *y1 its bottom row. */
static int
flood_piece (const float *d, float thr, int h, int w, int p0, int *lab,
    int label, int *q, int *y1)
{
  int n = 0;
  q[n++] = p0;
  lab[p0] = label;
  *y1 = p0 / w;
  for (int i = 0; i < n; i++) {
    int p = q[i], y = p / w, x = p % w;
    *y1 = y > *y1 ? y : *y1;
    for (int yy = y > 0 ? y - 1 : 0; yy <= y + 1 && yy < h; yy++)
      for (int xx = x > 0 ? x - 1 : 0; xx <= x + 1 && xx < w; xx++) {
        int pp = yy * w + xx;
        if (!lab[pp] && d[pp] > thr) {
          lab[pp] = label;
          q[n++] = pp;
        }
      }
  }
  return n;
}

/* static_clear: every silhouette (8-connected piece of the pixels whose
 * difference d [hw] to the background exceeds fl) that touches the
 * picture's edge and holds a moving pixel (r [hw] above the motion noise)
 * joins sc->near.  A walker coming in over the edge has no trailing edge
 * in the picture, so the pixels near its moving ones do not reach its
 * inside, which stays on the edge's pixels for as long as the walker
 * takes to come in; a bag lies inside the picture, or at its edge with
 * nothing moving in its piece.  The pieces are flooded from the border's
 * pixels, so those inside the picture cost nothing.  sc->plabel [hw]
 * scratch (the pixels seen), sc->piece [hw] one piece's pixels. */
static void
hold_edge_pieces (ad_scorer *sc, const float *d, float fl, const float *r)
{
  const int h = sc->h, w = sc->w;
  int *seen = sc->plabel, *q = sc->piece, y1;
  memset (seen, 0, sizeof (int) * (size_t) sc->hw);
  /* a piece that touches the edge holds a pixel of the border: flood
   * from those only, going round the border (2h + 2w - 4 pixels) */
  for (int b = 0; b < 2 * (h + w) - 4; b++) {
    int p0 = b < w ? b : b < 2 * w ? (h - 1) * w + b - w :
        ((b - 2 * w) / 2 + 1) * w + ((b - 2 * w) % 2 ? w - 1 : 0);
    if (seen[p0] || !(d[p0] > fl))
      continue;
    int n = flood_piece (d, fl, h, w, p0, seen, 1, q, &y1), moves = 0;
    for (int i = 0; i < n && !moves; i++)
      moves = r[q[i]] > sc->flow_noise;
    for (int i = 0; moves && i < n; i++)
      sc->near[q[i]] = 1;
  }
}

/* Whether pixel p lies in a piece still_people took for people (its
 * labels sc->plabel [hw] and kinds sc->near + hw of this frame). */
static int
is_person (const ad_scorer *sc, int p)
{
  int l = sc->plabel[p];
  uint8_t k = l ? sc->near[sc->hw + l - 1] : 0;
  return k == 1 || k == 3;
}

/* static_people: each 8-connected piece of the still difference d [hw]
 * (the pixels above the frame's floor that do not move) whose height
 * lies between AD_PEOPLE_LO and AD_PEOPLE_HI times that of the things
 * that move in the training footage (cfg.train_height) is a person
 * standing, or people, and so is a shorter piece with a pixel within
 * AD_PEOPLE_NEAR of such a piece's (a person whose legs or head read
 * apart from the rest, under changing light): their pixels keep
 * cfg.static_people of their difference.  A bag is smaller, a cart
 * lower; a stretch of ground that differs from the background is taller.
 * sc->plabel [hw] each pixel's piece (1..n, 0 none), sc->near + hw [hw]
 * each piece's kind (0 shorter, 1 people, 2 taller, 3 beside people),
 * sc->piece [hw] one piece's pixels. */
static void
still_people (ad_scorer *sc, float *d)
{
  const int w = sc->w, h = sc->h, r = AD_PEOPLE_NEAR;
  const float lo = AD_PEOPLE_LO * sc->cfg.train_height;
  const float hi = AD_PEOPLE_HI * sc->cfg.train_height;
  int *lab = sc->plabel, *q = sc->piece, n_lab = 0;
  uint8_t *kind = sc->near + sc->hw;
  memset (lab, 0, sizeof (int) * (size_t) sc->hw);
  for (int p0 = 0; p0 < sc->hw; p0++) {
    if (lab[p0] || !(d[p0] > 0.0f))
      continue;
    /* p0, the piece's first pixel in raster order, is on its top row */
    int y1;
    flood_piece (d, 0.0f, h, w, p0, lab, ++n_lab, q, &y1);
    float tall = (float) (y1 - p0 / w + 1);
    kind[n_lab - 1] = tall < lo ? 0 : tall <= hi ? 1 : 2;
  }
  /* shorter pieces beside people (not beside pieces that are beside) */
  for (int p = 0; p < sc->hw; p++) {
    int l = lab[p];
    if (!l || kind[l - 1] != 0)
      continue;
    int y = p / w, x = p % w;
    for (int yy = y > r ? y - r : 0; yy <= y + r && yy < h; yy++)
      for (int xx = x > r ? x - r : 0; xx <= x + r && xx < w; xx++) {
        int m = lab[yy * w + xx];
        if (m && kind[m - 1] == 1)
          kind[l - 1] = 3;
      }
  }
  for (int p = 0; p < sc->hw; p++)
    if (is_person (sc, p))
      d[p] *= sc->cfg.static_people;
}

/* static_hold: a pixel seen (not moving, r [hw] at most the motion
 * noise, and, with people, not in a person's piece) records its still
 * difference d [hw] and how many frames in a row it has been above 0
 * (sc->still_seen [2, hw]); a pixel that moves and had lain still for
 * AD_HOLD_AGE x static_rise frames (two seconds) or more when last seen
 * reads the difference it had then, in place of 0: something passes
 * over what lies there.  A person's pixels neither record nor read (their
 * share stays).  reset: nothing seen yet. */
static void
fill_covered (ad_scorer *sc, float *d, const float *r, int people,
    int reset)
{
  float *seen = sc->still_seen, *run = sc->still_seen + sc->hw;
  const float old = AD_HOLD_AGE * sc->cfg.static_rise;
  for (int p = 0; p < sc->hw; p++) {
    int moving = r && r[p] > sc->flow_noise;
    if (reset) {
      seen[p] = run[p] = 0.0f;
    } else if (moving) {
      if (run[p] >= old)
        d[p] = seen[p];
    } else if (!(people && is_person (sc, p))) {
      run[p] = d[p] > 0.0f ? run[p] + 1.0f : 0.0f;
      seen[p] = d[p];
    }
  }
}

/* ii [(h + 1), (w + 1)] = the integral image of d [h, w]: ii[y][x] the
 * sum of d over rows < y and columns < x (doubles: a float loses the
 * last digits of a window's sum once the running sum is large). */
static void
integral_image (const float *d, int h, int w, double *ii)
{
  const int w1 = w + 1;
  memset (ii, 0, sizeof (double) * (size_t) w1);
  for (int y = 0; y < h; y++) {
    double row = 0.0;
    ii[(size_t) (y + 1) * w1] = 0.0;
    for (int x = 0; x < w; x++) {
      row += d[(size_t) y * w + x];
      ii[(size_t) (y + 1) * w1 + x + 1] = ii[(size_t) y * w1 + x + 1] + row;
    }
  }
}

/* static_window: the largest mean of the still difference (sc->integ)
 * over the square windows of side n = static_window (at most the
 * picture's sides) whose top-left corner lies in the cell of ny x nx
 * pixels at (y0, x0), at steps of n / 2 (a window past the picture's
 * edge moves back inside it).  An object of n x n pixels whose corner
 * lies in the cell covers at least about 9/16 of one window (a window
 * starts within n / 4 of its corner each way), where the cell's mean
 * would dilute it by its share of the cell (1/4 for a 4 x 4 object in
 * an 8 x 8 cell). */
static float
window_max (const ad_scorer *sc, int y0, int x0, int ny, int nx)
{
  const int w1 = sc->w + 1;
  int n = sc->cfg.static_window;
  n = n < sc->h ? n : sc->h;
  n = n < sc->w ? n : sc->w;
  const int step = n / 2 > 0 ? n / 2 : 1;
  const double *ii = sc->integ;
  double best = 0.0;
  for (int y = y0; y < y0 + ny; y += step) {
    int ya = y + n <= sc->h ? y : sc->h - n, yb = ya + n;
    for (int x = x0; x < x0 + nx; x += step) {
      int xa = x + n <= sc->w ? x : sc->w - n, xb = xa + n;
      double sum = ii[(size_t) yb * w1 + xb] - ii[(size_t) ya * w1 + xb] -
          ii[(size_t) yb * w1 + xa] + ii[(size_t) ya * w1 + xa];
      best = sum > best ? sum : best;
    }
  }
  return (float) (best / ((double) n * n));
}

/* Stationary change per cell into cells[2]: the mean over the cell (with
 * static_window, the largest over its windows: window_max) of the
 * difference to the learned background at the pixels that did not move
 * (compensated difference below the motion noise; a pixel within
 * static_clear of one that moved, or in a silhouette at the picture's
 * edge that holds one (hold_edge_pieces), keeps its value from when it
 * was last clear, sc->still_hold, so a plain coat's still inside does not
 * count while the walker passes), followed over time by
 * a value that rises towards it by 1/static_rise a frame and falls to
 * it at once (from 0 at the first frame), so a passer-by's brief
 * mismatch hardly counts and an object left lying builds up.
 * sc->gate + hw gets its per-pixel share (map_gate) when want_map;
 * sc->fg the difference with moving pixels, shadows out (colour models)
 * or darker pixels dimmed (gray models).
 * feat [ci, hw] the frame. */
void
ad_sc_static_cells (ad_scorer *sc, const float *feat, int ok, int want_map)
{
  float *out = sc->cells + 2 * (size_t) sc->ncells;
  float *sg = sc->gate + sc->hw;
  if (!sc->bg) {
    memset (out, 0, sizeof (float) * sc->ncells);
    for (int p = 0; p < sc->hw; p++)
      sg[p] = 1.0f;
    return;
  }
  const float *r = ok ? ad_flow_residual (sc->flow) : NULL;
  float *d = sc->bgd, *c = sc->cwork;       /* [ncells] scratch */
  const float *gray = ad_flow_gray (sc->flow);
  if (sc->ci == 3)
    follow_colour (sc, feat, gray);
  int relearn = sc->relearn > 0;
  /* colour frames of a colour model: a change of colour counts too (an
   * object as bright as the ground), the larger of the two */
  int colour = sc->bgc && sc->colourful && sc->mode && !relearn;
  if (colour)
    ad_chroma_diff (sc->uv, sc->bgc_live, gray, sc->h, sc->w, sc->tmp,
        sc->cdiff);
  ad_sc_light (sc, gray, r, colour);
  ad_bg_diff (gray, sc->bg_live, sc->lit, sc->h, sc->w, d);
  if (colour) {
    const float wc = sc->cfg.static_chroma;
    for (int p = 0; p < sc->hw; p++)
      d[p] = wc * sc->cdiff[p] > d[p] ? wc * sc->cdiff[p] : d[p];
  }
  /* the frame's own mismatch floor (noise, imperfect background) goes:
   * AD_STILL_FLOOR_K x the median over an even sample of pixels */
  int n = 0;
  for (int p = 0; p < sc->hw; p += 3)
    sc->tmp[n++] = d[p];
  float fl = AD_STILL_FLOOR_K * ad_quantile (sc->tmp, n, 0.5f, sc->tmp + n);
  memset (c, 0, sizeof (float) * sc->ncells);   /* cell sums, without
                                                 * static_window */
  /* static_clear: sc->near, the pixels that move grown by it, and the
   * silhouettes at the picture's edge that hold one */
  const int clear = sc->cfg.static_clear;
  uint8_t *near = sc->near;
  if (clear > 0) {
    for (int p = 0; p < sc->hw; p++)
      near[p] = r && r[p] > sc->flow_noise;
    ad_grow_mask (near, sc->h, sc->w, clear, near + sc->hw);
    if (r)
      hold_edge_pieces (sc, d, fl, r);
    if (!sc->have_still)
      memset (sc->still_hold, 0, sizeof (float) * sc->hw);
  }
  for (int y = 0; y < sc->h; y++)
    for (int x = 0; x < sc->w; x++) {
      size_t p = (size_t) y * sc->w + x;
      d[p] = d[p] > fl ? d[p] - fl : 0.0f;
      sc->fg[p] = d[p];
      int moving = r && r[p] > sc->flow_noise;
      if (moving || relearn)
        d[p] = 0.0f;            /* moving, or no background yet: not
                                 * stationary */
      else if (clear > 0 && near[p])
        d[p] = sc->still_hold[p];       /* beside something that moves:
                                         * as when last clear of it */
      if (clear > 0)
        sc->still_hold[p] = d[p];
      if (relearn && !moving) {
        /* re-learning: the mean of the pixel's still frames */
        sc->still_age[p] += 1.0f;
        sc->bg_live[p] += (gray[p] - sc->bg_live[p]) / sc->still_age[p];
      } else if (sc->cfg.static_absorb > 0 && !relearn) {
        /* what has stayed long enough joins this stream's background */
        sc->still_age[p] = d[p] > 0.0f ? sc->still_age[p] + 1.0f : 0.0f;
        if (sc->still_age[p] >= (float) sc->cfg.static_absorb) {
          sc->bg_live[p] = gray[p];
          if (colour) {
            sc->bgc_live[p] = sc->uv[p];
            sc->bgc_live[sc->hw + p] = sc->uv[sc->hw + p];
          }
          sc->still_age[p] = 0.0f;
        }
      }
    }
  if (relearn && --sc->relearn == 0)
    memset (sc->still_age, 0, sizeof (float) * sc->hw);
  const int people = sc->cfg.train_height > 0.0f &&
      sc->cfg.static_people < 1.0f;
  if (people)
    still_people (sc, d);
  if (sc->cfg.static_hold)
    fill_covered (sc, d, r, people, !sc->have_still || relearn);
  for (int p = 0; !sc->integ && p < sc->hw; p++)
    c[(p / sc->w / sc->cell) * sc->gw + p % sc->w / sc->cell] += d[p];
  if (sc->chroma)
    shadows (sc, gray, sc->bg_live, sc->lit, sc->fg);
  /* a gray model, or a colour model on a gray frame: no colour to test */
  if ((sc->ci == 1 || !sc->colourful) && sc->cfg.map_dark < 1.0f)
    dark_pixels (sc, gray, sc->bg_live, sc->lit, sc->fg);
  float a = 1.0f / sc->cfg.static_rise;
  if (sc->integ)
    integral_image (d, sc->h, sc->w, sc->integ);
  for (int k = 0; k < sc->ncells; k++) {
    int gy = k / sc->gw, gx = k % sc->gw;
    int ny = (gy + 1) * sc->cell > sc->h ? sc->h - gy * sc->cell : sc->cell;
    int nx = (gx + 1) * sc->cell > sc->w ? sc->w - gx * sc->cell : sc->cell;
    float v = sc->integ ? window_max (sc, gy * sc->cell, gx * sc->cell, ny,
        nx) : c[k] / (float) (ny * nx);
    /* rises slowly, falls at once: only what stays builds up; nothing is
     * known to stay at the first frame */
    if (!sc->have_still)
      out[k] = 0.0f;
    out[k] = v > out[k] ? out[k] + a * (v - out[k]) : v;
  }
  sc->have_still = 1;
  if (!want_map)
    return;
  if (sc->cfg.map_gate)
    cell_share (sc, d, sg, c);
  else
    for (int p = 0; p < sc->hw; p++)
      sg[p] = 1.0f;
}

/* sc->fspread [ncells] = the motion-pattern part as the map paints it:
 * in a cell that moves (energy above the motion noise), the larger of its
 * own novelty and map_neighbour x the largest of its 8 neighbours';
 * elsewhere its own.  cells [4, ncells] as ad_sc_fuse_map's. */
static void
spread_novelty (const ad_scorer *sc, const float *cells)
{
  const float *mo = cells, *nov = cells + sc->ncells;
  for (int k = 0; k < sc->ncells; k++) {
    float v = nov[k];
    if (mo[k] > sc->flow_noise) {
      float u = sc->cfg.map_neighbour * ad_sc_max_around (sc, nov, k);
      v = u > v ? u : v;
    }
    sc->fspread[k] = v;
  }
}

/* The five parts divided by their spreads on normal footage
 * (s[AD_SCORE_PARTS]: learned, motion, motion pattern, stationary change,
 * wandering), fused as cfg->fuse says (one pixel of the map). */
static float
fuse (const ad_config *cfg, float l, float mo, float fl, float sti,
    float wa, float fe, const float *s)
{
  return ad_sc_fuse_join (cfg, ad_sc_fuse_feat (cfg, ad_sc_fuse_fast (cfg,
              l / s[0], mo / s[1]), fe / s[5]), fl / s[2], sti / s[3],
      wa / s[4]);
}

/* out [hw] = per-pixel fusion of lmap [hw] and the cell values of each
 * pixel (nearest cell) from cells [4, ncells] (motion, motion pattern,
 * stationary change, wandering), the motion parts weighted by gate [hw], the
 * stationary one by gate [hw..2hw), the whole by the silhouette factor
 * gate [2hw..3hw) (map_outside); the motion pattern spread to moving
 * neighbours (spread_novelty); with cfg.map_track the motion pattern and
 * the wandering no more than the cell's running mean (sc->track, which
 * ad_sc_part_over_time has brought up to this frame).  With two or more parts
 * (fuse SUM or MAX), the learned, plain-motion and wandering parts are
 * weighted by map_learned, map_motion and map_wander, and the stationary
 * change by map_static, on top of their
 * frame-score weights: every normal mover leaves prediction error and
 * motion (and at a slow camera some wandering), only anomalies leave
 * novelty. */
void
ad_sc_fuse_map (ad_scorer *sc, const float *lmap, const float *cells,
    const float *gate, const float *s, const float *fplane, float fmed,
    float *out)
{
  const float *sg = gate + sc->hw, *og = gate + 2 * (size_t) sc->hw;
  int mixed = sc->cfg.fuse == AD_FUSE_SUM || sc->cfg.fuse == AD_FUSE_MAX;
  float ml = mixed ? sc->cfg.map_learned : 1.0f;
  float mm = mixed ? sc->cfg.map_motion : 1.0f;
  float mw = mixed ? sc->cfg.map_wander : 1.0f;
  float ms = mixed ? sc->cfg.map_static : 1.0f;
  spread_novelty (sc, cells);
  /* map_track: no more than the cell's running mean (one-off odd vectors
   * fade from the map as from the score) */
  const float *tf = sc->cfg.map_track && sc->cfg.flow_track ? sc->track :
      NULL, *tw = tf ? tf + sc->ncells : NULL;
  for (int k = 0; tf && k < sc->ncells; k++)
    sc->fspread[k] = tf[k] < sc->fspread[k] ? tf[k] : sc->fspread[k];
  for (int y = 0; y < sc->h; y++) {
    size_t row = (size_t) (y / sc->cell) * sc->gw;
    const float *crow = cells + row, *frow = sc->fspread + row;
    const float *srow = cells + 2 * (size_t) sc->ncells + row;
    const float *wrow = cells + 3 * (size_t) sc->ncells + row;
    for (int x = 0; x < sc->w; x++) {
      size_t p = (size_t) y * sc->w + x;
      int k = x / sc->cell;
      float wv = tw && tw[row + k] < wrow[k] ? tw[row + k] : wrow[k];
      /* the feature novelty of the pixel's place, its whole place: the
       * silhouette factor keeps it to the objects in it */
      float fe = fplane ? fplane[p] - fmed : 0.0f;
      out[p] = og[p] * fuse (&sc->cfg, ml * lmap[p], mm * gate[p] * crow[k],
          gate[p] * frow[k], ms * sg[p] * srow[k], mw * gate[p] * wv,
          fe > 0.0f ? fe : 0.0f, s);
    }
  }
  for (int p = 0; sc->ign && p < sc->hw; p++)
    if (sc->ign[p])
      out[p] = 0.0f;
}

/* A frame under the threshold paints its map dimmer (map_frame; the
 * calibration's pixel pass dims alike, ad-calib.c). */
void
ad_sc_map_frame (const ad_config *cfg, float score, float *map, size_t n)
{
  if (!(cfg->map_frame > 0.0f) || score >= 1.0f)
    return;
  float k = score > 0.0f ? powf (score, cfg->map_frame) : 0.0f;
  for (size_t p = 0; p < n; p++)
    map[p] *= k;
}
