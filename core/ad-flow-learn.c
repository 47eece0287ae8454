/* ad-flow-learn.c - learning the normal motion patterns and the
 * background from normal footage (ad_model_learn_motion): each cell's
 * histogram of motion vectors (ad-flow.c fits them) turned into a
 * distance to the nearest normal vector per bin, shared with the cell's
 * neighbours; the motion's noise level and the changes of vectors seen;
 * the per-pixel median background and, for colour models, its
 * chromaticity.  docs/scoring.md describes the rules.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* tot [n] = the vectors each cell of hist [n, nb] counted. */
static void
cell_totals (const float *hist, int n, int nb, float *tot)
{
  for (int k = 0; k < n; k++) {
    double c = 0.0;
    for (int b = 0; b < nb; b++)
      c += hist[(size_t) k * nb + b];
    tot[k] = (float) c;
  }
}

/* Vectors counted within s cells of (cy, cx), from tot [gh*gw]. */
static double
count_near (const float *tot, int gh, int gw, int cy, int cx, int s)
{
  double c = 0.0;
  for (int y = cy - s; y <= cy + s; y++)
    for (int x = cx - s; x <= cx + s; x++)
      if (y >= 0 && y < gh && x >= 0 && x < gw)
        c += tot[y * gw + x];
  return c;
}

/* flow_trim (ad-internal.h): clear seen [B*B] of the rarest bins of cnt
 * [B*B] (the neighbourhood's vectors per bin): those counting at most the
 * largest c for which the bins counting c or fewer hold at most trim of
 * the vectors, unless they border (8-connected) a bin counting more.  Bins
 * of equal count go together, whatever their place; a neighbourhood of
 * few vectors, each bin more than the share, keeps them all.  A fit's
 * stray vectors lie scattered away from the motion it reads; the rare
 * edge of a normal motion's own bins stays.  tmp [B*B] scratch. */
void
ad_flow_trim_rare (const float *cnt, int B, float trim, uint8_t *seen,
    float *tmp)
{
  const int nb = B * B;
  int m = 0;
  double total = 0.0;
  for (int b = 0; b < nb; b++) {
    total += cnt[b];
    if (seen[b] && cnt[b] > 0.0f)
      tmp[m++] = cnt[b];
  }
  qsort (tmp, (size_t) m, sizeof (float), ad_cmp_float);
  double budget = trim * total, acc = 0.0;
  float level = 0.0f;
  for (int i = 0; i < m;) {
    int j = i;
    double sum = 0.0;
    for (; j < m && tmp[j] == tmp[i]; j++)
      sum += tmp[j];
    if (acc + sum > budget)
      break;
    acc += sum;
    level = tmp[i];
    i = j;
  }
  for (int b = 0; level > 0.0f && b < nb; b++) {
    if (!(cnt[b] <= level))
      continue;
    int by = b / B, bx = b % B, edge = 0;
    for (int oy = by - 1; oy <= by + 1; oy++)
      for (int ox = bx - 1; ox <= bx + 1; ox++)
        if (oy >= 0 && oy < B && ox >= 0 && ox < B &&
            cnt[oy * B + ox] > level)
          edge = 1;
    if (!edge)
      seen[b] = 0;
  }
}

/* dist [n, B*B] from hist [n, B*B] (tot [n]: its cells' totals; keep
 * [n], NULL for all: the cells whose patterns their neighbours may
 * borrow; span [n, B*B, 2]: the first and last frame each cell saw each
 * bin in; B bins a side over +-range px/frame): for every bin, the
 * distance in px to the nearest bin seen in
 * the cell or within `spread` cells of it, where its sightings and those
 * of the bins within `recur_bins` of it span at least `recur` frames (0:
 * one is enough), less the rarest bins holding at most `trim` of the
 * neighbourhood's vectors away from its commoner ones (ad_flow_trim_rare;
 * the zero-motion bin always counts as seen).
 * A cell with no vector within `local` cells (0: no such rule) is a
 * place where nobody moves: it looks no further than `local`, and a
 * bin at least 1.4 bins from zero motion is at least `unseen` px/frame
 * from normal however slow (a walker there moves at 0.5 px/frame, as
 * close to zero as a normal walker's vector is to the nearest bin the
 * patterns saw).  A cell that does not lend (its motion goes back and
 * forth in place, flow_sway) keeps its bins to itself. */
static void
distances (const float *hist, const float *tot, const uint8_t *keep,
    const int32_t *span, int recur, int recur_bins, float trim, int gh,
    int gw, int spread, int local, int B, float range, float unseen,
    float *dist)
{
  const int nb = B * B;
  uint8_t seen[AD_FLOW_BINS_MAX * AD_FLOW_BINS_MAX];
  int list[AD_FLOW_BINS_MAX * AD_FLOW_BINS_MAX];
  int32_t lo[AD_FLOW_BINS_MAX * AD_FLOW_BINS_MAX];
  int32_t hi[AD_FLOW_BINS_MAX * AD_FLOW_BINS_MAX];
  float cnt[AD_FLOW_BINS_MAX * AD_FLOW_BINS_MAX];       /* vectors per bin */
  float scr[AD_FLOW_BINS_MAX * AD_FLOW_BINS_MAX];
  for (int cy = 0; cy < gh; cy++)
    for (int cx = 0; cx < gw; cx++) {
      int s = spread, empty = 0;
      if (local > 0 && count_near (tot, gh, gw, cy, cx, local) <= 0.0) {
        s = local < spread ? local : spread;
        empty = 1;
      }
      /* the first and last sighting of each bin in the neighbourhood */
      for (int b = 0; b < nb; b++) {
        lo[b] = INT32_MAX;
        hi[b] = -1;
        cnt[b] = 0.0f;
      }
      for (int dy = -s; dy <= s; dy++)
        for (int dx = -s; dx <= s; dx++) {
          int y = cy + dy, x = cx + dx;
          if (y < 0 || y >= gh || x < 0 || x >= gw ||
              (keep && !keep[y * gw + x] && (dy || dx)))
            continue;
          const float *hk = hist + ((size_t) y * gw + x) * nb;
          const int32_t *sk = span + ((size_t) y * gw + x) * nb * 2;
          for (int b = 0; b < nb; b++)
            if (hk[b] > 0.0f) {
              lo[b] = sk[2 * b] < lo[b] ? sk[2 * b] : lo[b];
              hi[b] = sk[2 * b + 1] > hi[b] ? sk[2 * b + 1] : hi[b];
              cnt[b] += hk[b];
            }
        }
      /* seen, and with flow_recur at two moments recur frames apart: one
       * odd moment of the training footage does not make its motion
       * normal.  The two moments may fall in bins up to recur_bins apart
       * (normal walkers at a slightly different speed confirm each
       * other; a lone cyclist's bins only ever saw the cyclist). */
      for (int b = 0; b < nb; b++) {
        seen[b] = hi[b] >= 0;
        if (!seen[b] || recur <= 0)
          continue;
        int by = b / B, bx = b % B;
        int32_t l = lo[b], h = hi[b];
        for (int oy = by - recur_bins; oy <= by + recur_bins; oy++)
          for (int ox = bx - recur_bins; ox <= bx + recur_bins; ox++) {
            int o = oy * B + ox;
            if (oy < 0 || oy >= B || ox < 0 || ox >= B || hi[o] < 0)
              continue;
            l = lo[o] < l ? lo[o] : l;
            h = hi[o] > h ? hi[o] : h;
          }
        seen[b] = h - l >= recur;
      }
      if (trim > 0.0f)
        ad_flow_trim_rare (cnt, B, trim, seen, scr);
      seen[(B / 2) * B + B / 2] = 1;
      int ns = 0;
      for (int b = 0; b < nb; b++)
        if (seen[b])
          list[ns++] = b;
      float *dk = dist + ((size_t) cy * gw + cx) * nb;
      for (int b = 0; b < nb; b++) {
        int by = b / B, bx = b % B, best = 1 << 30;
        for (int j = 0; j < ns; j++) {
          int oy = list[j] / B - by, ox = list[j] % B - bx;
          int d2 = oy * oy + ox * ox;
          best = d2 < best ? d2 : best;
        }
        dk[b] = AD_FLOW_BIN_W (B, range) * sqrtf ((float) best);
        if (empty && unseen > dk[b] && best >= 2)
          dk[b] = unseen;
      }
    }
}

/* How many cells each way a cell shares patterns with: flow_spread, or
 * with flow_spread_vectors > 0 the smallest spread from 1 up to it whose
 * neighbourhood holds that many vectors on average (the mean count of the
 * cells that saw any, times the neighbourhood's cells).  Little footage
 * borrows from further; plenty keeps a cell's patterns local. */
static int
pick_spread (const ad_config *cfg, const float *tot, int n)
{
  if (cfg->flow_spread_vectors <= 0 || cfg->flow_spread <= 1)
    return cfg->flow_spread;
  double total = 0.0;
  int active = 0;
  for (int k = 0; k < n; k++) {
    total += tot[k];
    active += tot[k] > 0.0f;
  }
  double mean = active ? total / active : 0.0;
  for (int s = 1; s < cfg->flow_spread; s++)
    if (mean * (2 * s + 1) * (2 * s + 1) >= cfg->flow_spread_vectors)
      return s;
  return cfg->flow_spread;
}

const float *
ad_array_frame (void *user, int64_t i, float *buf, int *new_segment)
{
  const ad_array_src *a = user;
  (void) buf;
  *new_segment = a->seg ? a->seg[i] : 0;
  return a->frames + (size_t) i * a->fs;
}

ad_status
ad_model_learn_motion (ad_model *m, const float *frames, int64_t n,
    const uint8_t *seg_start, ad_error *err)
{
  if (!m || !frames)
    return ad_fail (err, AD_ERR_ARG, "learning motion patterns needs a model "
        "and frames");
  ad_array_src a = { frames, seg_start,
    (size_t) ad_config_in_channels (&m->cfg) * m->cfg.height * m->cfg.width };
  return ad_model_learn_motion_fn (m, n, ad_array_frame, &a, err);
}

ad_status
ad_model_learn_motion_fn (ad_model *m, int64_t n, ad_frame_fn get,
    void *user, ad_error *err)
{
  if (!m || !get || n < 2)
    return ad_fail (err, AD_ERR_ARG, "learning motion patterns needs a model "
        "and at least two frames");
  const ad_config *cfg = &m->cfg;
  ad_tensor *td = ad_model_tensor (m, "flow_dist");
  ad_tensor *ts = ad_model_tensor (m, "flow_stats");
  ad_tensor *tb = ad_model_tensor (m, "bg_image");
  ad_tensor *tss = ad_model_tensor (m, "static_stats");
  ad_tensor *tc = ad_model_tensor (m, "bg_chroma");
  ad_tensor *tw = ad_model_tensor (m, "shade_pixels");
  ad_flow *f = NULL;
  ad_status st = ad_flow_new (cfg->height, cfg->width, cfg->motion_cell, &f,
      err);
  if (st != AD_OK)
    return st;
  ad_flow_set_colour (f, cfg->flow_color);
  ad_flow_set_refine (f, cfg->flow_refine);
  ad_flow_set_gain (f, cfg->flow_gain);
  /* the light by place only when the light disagrees (light_engage) is
   * the scorer's: normal footage learns with the picture's */
  ad_flow_set_local_light (f, cfg->flow_light && cfg->light_engage <= 0.0f);
  if ((st = ad_flow_set_scale (f, cfg->flow_scale, err)) != AD_OK) {
    ad_flow_free (f);
    return st;
  }
  const int nc = ad_flow_n_cells (f);
  const float *en = ad_flow_energy (f);      /* [nc], each pair's */
  int gh, gw;
  ad_flow_grid (f, &gh, &gw);
  const int nb = cfg->flow_bins * cfg->flow_bins;
  if (!td || !ts || td->count != (size_t) nc * nb || ts->count < 3 ||
      !tw || tw->count != (size_t) cfg->height * cfg->width ||
      !tb || !tss || tb->count != (size_t) cfg->height * cfg->width ||
      tss->count < 2) {
    ad_flow_free (f);
    return ad_fail (err, AD_ERR_ARG, "the model has no motion-pattern and "
        "background buffers for %d cells", nc);
  }
  int ci = ad_config_image_channels (cfg);
  size_t fs = (size_t) ad_config_in_channels (cfg) * cfg->height * cfg->width;
  ad_bg_hist *bh = ad_bg_hist_new ((int) tb->count);
  /* colour models: the background's chromaticity (r, g), per-pixel
   * medians as the gray's; cuv [2, hw] */
  const size_t hw = tb->count;
  int chroma = ci == 3 && tc && tc->count == 2 * hw;
  ad_bg_hist *bu = chroma ? ad_bg_hist_new ((int) hw) : NULL;
  ad_bg_hist *bv = chroma ? ad_bg_hist_new ((int) hw) : NULL;
  float *cuv = chroma ? ad_alloc (2 * hw) : NULL;
  /* pass 1: noise level = 3 x the median cell energy (most cells of most
   * frames are static background), from a bounded, evenly spaced sample */
  int64_t cap = 1 << 20, stride = (n * nc + cap - 1) / cap;
  stride = stride < 1 ? 1 : stride;
  size_t nsmp = (size_t) (n * nc / stride + 2);
  float *smp = ad_alloc (nsmp * 2);          /* samples [nsmp], tmp [nsmp] */
  float *hist = ad_alloc ((size_t) nc * nb);        /* [cells, BINS^2] */
  float *tot = ad_alloc ((size_t) nc);              /* [cells] */
  /* [cells, BINS^2, 2] first and last frame each bin was seen in */
  int32_t *span = malloc (sizeof (int32_t) * 2 * (size_t) nc * nb);
  float *buf = ad_alloc (fs);                         /* [fs] */
  /* flow_sway: per cell, the speed and the wandering of its window
   * vectors summed over the footage [n, 2], a pair's wandering [n], and
   * the cells whose patterns their neighbours may borrow [n] */
  int sway = cfg->flow_sway > 0.0f;
  double *osw = sway ? calloc (2 * (size_t) nc, sizeof (double)) : NULL;
  float *wout = sway ? ad_alloc ((size_t) nc) : NULL;
  uint8_t *keep = sway ? malloc ((size_t) nc) : NULL;
  if (!smp || !hist || !tot || !span || !buf || !bh || (chroma && (!bu ||
              !bv || !cuv)) || (sway && (!osw || !wout || !keep))) {
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory for motion patterns");
    goto done;
  }
  memset (tw->data, 0, sizeof (float) * tw->count);
  /* changes of vectors, in bins of 1/32 px/frame up to 8 */
  enum { NA = 256 };
  double ahist[NA] = { 0 }, an = 0.0;
  int64_t ns = 0, g = 0, pairs = 0;
  /* flow_shade: pass 0 counts, per pixel, the pairs whose change there is
   * one of light alone (tw [hw]); pass 1 leaves the pixels where that is
   * common out of the vectors' fit */
  int shade = cfg->flow_shade > 0.0f && ci == 3 && cfg->flow_color;
  for (int pass = 0; pass < 2; pass++) {
    float noise = 0.0f;
    if (pass == 1) {
      noise = ns ? 3.0f * ad_quantile (smp, ns, 0.5f, smp + nsmp) : 0.0f;
      noise = noise > 1e-6f ? noise : 1e-6f;
      ts->data[0] = noise;
    }
    if (pass == 1 && shade) {
      for (size_t p = 0; p < hw; p++)
        tw->data[p] = tw->data[p] > cfg->flow_shade * (float) pairs;
      ad_flow_set_shade (f, tw->data);
    }
    ad_flow_reset (f);
    for (int64_t i = 0; i < n; i++) {
      int seg = 0;
      const float *feat = get (user, i, buf, &seg);
      if (seg)
        ad_flow_reset (f);
      int ok = ad_flow_push (f, feat, ci, cfg->motion_comp);
      if (pass == 0)
        ad_bg_hist_add (bh, ad_flow_gray (f));
      if (pass == 0 && shade && ok) {
        ad_flow_count_light (f, tw->data);
        pairs++;
      }
      if (pass == 0 && chroma) {
        ad_chroma (feat, hw, cuv);
        ad_bg_hist_add (bu, cuv);
        ad_bg_hist_add (bv, cuv + hw);
      }
      if (!ok)
        continue;
      /* flow_sway: each cell's wandering (ad_flow_wander: the path its
       * vectors travelled over the latest wander_frames pairs less where
       * they got, per pair) beside its speed; over the footage the one
       * over the other is the share of its motion that goes back and
       * forth: near 0 where people walk through, near 1 where leaves or
       * their dappled shade sway in the wind */
      if (pass == 1 && osw)
        ad_flow_wander (f, noise, cfg->flow_window, cfg->wander_frames,
            wout);
      for (int k = 0; k < nc; k++, g++) {
        if (pass == 0) {
          if (g % stride == 0 && ns < (int64_t) nsmp)
            smp[ns++] = en[k];
        } else if (en[k] > noise) {
          float uv[2];
          if (ad_flow_window_vector (f, k, cfg->flow_window, noise, uv, NULL)) {
            size_t kb = (size_t) k * nb + ad_flow_bin (uv, cfg->flow_bins,
                cfg->flow_range);
            if (hist[kb] == 0.0f)
              span[2 * kb] = (int32_t) i;
            span[2 * kb + 1] = (int32_t) i;
            hist[kb] += 1.0f;
            if (osw) {
              osw[2 * k] += hypot (uv[0], uv[1]);
              osw[2 * k + 1] += wout[k];
            }
          }
          float a = ad_flow_accel (f, k, noise);
          if (a >= 0.0f) {
            int b = (int) (a * (NA / 8.0f));
            ahist[b < NA ? b : NA - 1] += 1.0;
            an += 1.0;
          }
        }
      }
    }
  }
  cell_totals (hist, nc, nb, tot);
  int spread = pick_spread (cfg, tot, nc);
  for (int k = 0; keep && k < nc; k++)
    keep[k] = !(osw[2 * k] > 0.0 &&
        osw[2 * k + 1] > cfg->flow_sway * osw[2 * k]);
  distances (hist, tot, keep, span, cfg->flow_recur, cfg->flow_recur_bins,
      cfg->flow_trim, gh, gw, spread, cfg->flow_local, cfg->flow_bins,
      cfg->flow_range, cfg->flow_unseen, td->data);
  ts->data[1] = 1.0f;     /* learned */
  /* the 99th percentile of the changes seen on normal footage */
  double acc = 0.0;
  int ab = 0;
  while (ab < NA - 1 && acc + ahist[ab] < 0.99 * an)
    acc += ahist[ab++];
  ts->data[3] = an > 0.0 ? (ab + 1) * (8.0f / NA) : 0.0f;
  /* the background: the median blurred gray of the frames */
  tss->data[0] = (float) ad_bg_hist_median (bh, tb->data);
  if (chroma) {
    ad_bg_hist_median (bu, tc->data);
    ad_bg_hist_median (bv, tc->data + hw);
  }
done:
  ad_bg_hist_free (bh);
  ad_bg_hist_free (bu);
  ad_bg_hist_free (bv);
  ad_free (cuv);
  ad_free (smp);
  ad_free (hist);
  ad_free (tot);
  free (span);
  free (osw);
  free (keep);
  ad_free (wout);
  ad_free (buf);
  ad_flow_free (f);
  return st;
}
