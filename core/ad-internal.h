/* ad-internal.h - private interfaces between the core's files.
 *
 * Layout of activations: float [N, C, H, W] with N = B*T frames ordered
 * clip-major (frame t of clip b is n = b*T + t).  Every backward function
 * ADDS into parameter gradients (dw, db, ditems...) and OVERWRITES the input
 * gradient dx unless stated otherwise.
 */
#ifndef AD_INTERNAL_H
#define AD_INTERNAL_H

#include "ad.h"

#include <stdbool.h>

/* ------------------------------------------------------------------------ */
/* Small utilities (ad-util.c)                                              */

void *ad_alloc (size_t n_floats);          /* 64-byte aligned, zeroed floats */
void ad_free (void *p);
uint32_t ad_crc32 (uint32_t crc, const void *data, size_t n);

/* Deterministic RNG (xorshift64*). */
typedef struct ad_rng {
  uint64_t s;
} ad_rng;
void ad_rng_seed (ad_rng *r, uint64_t seed);
uint32_t ad_rng_u32 (ad_rng *r);
float ad_rng_uniform (ad_rng *r);          /* [0,1) */
float ad_rng_normal (ad_rng *r);           /* N(0,1) */

double ad_now (void);                      /* monotonic seconds */
float ad_sum (const float *v, size_t n);   /* sum of v [n] */

/* ------------------------------------------------------------------------ */
/* Thread pool (ad-pool.c)                                                  */

#define AD_POOL_MAX_THREADS 16
/* task in [0, n_tasks); thread in [0, ad_pool_threads()) picks scratch. */
typedef void (*ad_task_fn) (void *ctx, int task, int thread);
/* Threads the core computes with (caller included), fixed at first use. */
int ad_pool_threads (void);
/* Runs every task, on the pool when parallel and the pool is free, else on
 * the calling thread (as thread 0); returns when all are done. */
void ad_pool_run (int n_tasks, ad_task_fn fn, void *ctx, int parallel);

/* ------------------------------------------------------------------------ */
/* Layers (ad-layers.c).  Each has a finite-difference test.                */

/* 2-D convolution, square kernel k, zero padding pad, stride s.
 * x [N,Ci,H,W] -> y [N,Co,Ho,Wo], Ho = (H + 2*pad - k)/s + 1.
 * w [Co, Ci*k*k] (row-major, Ci outer, then ky, kx), b [Co] (may be NULL).
 * col: workspace of ad_conv2d_col_size() floats. */
typedef struct ad_conv {
  int ci, co, k, stride, pad;
} ad_conv;
size_t ad_conv2d_col_size (const ad_conv *c, int h, int w);
void ad_conv2d_out_size (const ad_conv *c, int h, int w, int *ho, int *wo);
void ad_conv2d_forward (const ad_conv *c, int n, int h, int w,
    const float *x, const float *wt, const float *b, float *y, float *col);
/* dx [N,Ci,H,W] overwritten (skipped if NULL); dw, db accumulated
 * (db may be NULL). */
void ad_conv2d_backward (const ad_conv *c, int n, int h, int w,
    const float *x, const float *wt, const float *dy, float *dx, float *dw,
    float *db, float *col);

/* Forward pass with fused extras; zero-initialise and set what is needed.
 * Output y = relu?(conv(x') + b) + add, where x' is x, or x upsampled x2
 * (nearest) when up2, with channels [0,nlo) taken from lo instead of x.
 * ws: ad_conv2d_ws_size() floats.  h, w: size of x as stored. */
typedef struct ad_conv_fwd {
  int relu;             /* ReLU before the add */
  int up2;              /* x [N,Ci,h,w] is read x2 upsampled: [2h,2w] */
  const float *add;     /* [N,Co,Ho,Wo] residual, or NULL */
  int nlo;              /* channels [0,nlo) of each frame come from */
  const float *lo;      /*   lo [N,nlo,h,w] (zeros when lo is NULL) */
  int parallel;         /* spread the work over the core's thread pool */
} ad_conv_fwd;
size_t ad_conv2d_ws_size (const ad_conv *c, int h, int w, int up2);
void ad_conv2d_forward_ex (const ad_conv *c, int n, int h, int w,
    const float *x, const float *wt, const float *b, float *y, float *ws,
    const ad_conv_fwd *o);
/* 1 if c runs on the direct path (ad-conv-direct.c: 3x3, pad 1, stride 1
 * or 2, x86-64 with AVX2+FMA), 0 if on im2col + sgemm. */
int ad_conv2d_direct (const ad_conv *c);
/* Enables or disables the direct path (tests); returns the old setting. */
int ad_conv2d_set_direct (int enable);
/* The direct path itself (callers use ad_conv2d_forward_ex). */
size_t ad_dconv_ws_size (const ad_conv *c, int h, int w, int up2,
    int threads);
void ad_dconv_forward (const ad_conv *c, int n, int h, int w,
    const float *x, const float *wt, const float *b, float *y, float *ws,
    const ad_conv_fwd *o);
/* Input gradient of the forward conv c (x [N,Ci,h,w] as stored, read x2
 * upsampled when up2) on the direct path: dx [N,Ci,h,w] = conv^T(dy), or
 * dx += conv^T(dy) when accumulate; dy [N,Co,Ho,Wo].  ws as for forward.
 * Only when ad_dconv_backward_ok() (direct path, and even h, w for
 * stride 2). */
int ad_dconv_backward_ok (const ad_conv *c, int h, int w, int up2);
void ad_dconv_backward_dx (const ad_conv *c, int n, int h, int w, int up2,
    const float *wt, const float *dy, float *dx, int accumulate, float *ws,
    int parallel);
/* Weight (and bias, if db) gradients of the forward conv c on the direct
 * path (when ad_conv2d_direct()): dw [Co,Ci,3,3] and db [Co] accumulated
 * from x as stored (read x2 upsampled when up2) and dy.  ws as above. */
void ad_dconv_backward_dw (const ad_conv *c, int n, int h, int w, int up2,
    const float *x, const float *dy, float *dw, float *db, float *ws,
    int parallel);

/* Nearest-neighbour x2 upsampling: x [N,C,H,W] -> y [N,C,2H,2W]. */
void ad_upsample2_forward (int n, int c, int h, int w, const float *x,
    float *y);
void ad_upsample2_backward (int n, int c, int h, int w, const float *dy,
    float *dx);

/* ReLU over count floats; backward uses the forward output y. */
void ad_relu_forward (size_t count, const float *x, float *y);
void ad_relu_backward (size_t count, const float *y, const float *dy,
    float *dx);

/* Causal temporal shift: x [B*T, C, H*W].  Channels [0, nshift) of frame t
 * are taken from frame t-1 of the same clip; at t = 0 from prev
 * [B, nshift, H*W] when prev != NULL, zeros otherwise.  Other channels are
 * copied.  Backward: dx overwritten; gradient flowing to prev is dropped. */
void ad_tshift_forward (int b, int t, int c, int hw, int nshift,
    const float *x, const float *prev, float *y);
void ad_tshift_backward (int b, int t, int c, int hw, int nshift,
    const float *dy, float *dx);

/* Squeeze-excitation channel attention on x [N,C,HW]:
 *   m = mean_hw(x) [N,C]; a = relu(W1 m + b1) [N,R]; s = sigmoid(W2 a + b2)
 *   [N,C]; y = x * s (per channel).
 * w1 [R,C], b1 [R], w2 [C,R], b2 [C].
 * cache: ad_se_cache_size(n,c,r) floats, written by forward, read by
 * backward. */
size_t ad_se_cache_size (int n, int c, int r);
void ad_se_forward (int n, int c, int hw, int r, const float *x,
    const float *w1, const float *b1, const float *w2, const float *b2,
    float *y, float *cache);
/* The same with a residual: y = res + x * s (res [N,C,HW], may alias y). */
void ad_se_forward_add (int n, int c, int hw, int r, const float *x,
    const float *w1, const float *b1, const float *w2, const float *b2,
    const float *res, float *y, float *cache);
void ad_se_backward (int n, int c, int hw, int r, const float *x,
    const float *w1, const float *w2, const float *cache, const float *dy,
    float *dx, float *dw1, float *db1, float *dw2, float *db2);

/* Elementwise helpers (vectorisable loops). */
void ad_add (size_t count, const float *a, const float *b, float *y);
void ad_axpy (size_t count, float alpha, const float *x, float *y);

/* ------------------------------------------------------------------------ */
/* Memory module (ad-memory.c): MemAE-style addressing with hard shrinkage, */
/* optionally partitioned into a grid of banks.                             */
/*
 * z [N,C,H,W] queries (one C-vector per position).  items [G, M, C] with
 * G = gh*gw banks; position (y,x) reads bank ((y*gh)/H)*gw + (x*gw)/W.
 *   s_i  = cos(z, m_i) / temp
 *   w    = softmax(s)                            [M]
 *   w'_i = max(w_i - l, 0) * w_i / (|w_i - l| + eps),  l = shrink / M
 *   w''  = w' / max(sum(w'), eps)
 *   out  = sum_i w''_i m_i                       [C]
 * att [N,H,W,M] keeps w'' (for the entropy loss and for inspection).
 */
typedef struct ad_mem {
  int c, m, gh, gw;
  float shrink, temp;
} ad_mem;
size_t ad_mem_cache_size (const ad_mem *mm, int n, int h, int w);
void ad_mem_forward (const ad_mem *mm, int n, int h, int w, const float *z,
    const float *items, float *out, float *att, float *cache);
/* dout [N,C,H,W]; datt [N,H,W,M] extra gradient on att (from the entropy
 * loss, may be NULL).  dz overwritten, ditems accumulated. */
void ad_mem_backward (const ad_mem *mm, int n, int h, int w, const float *z,
    const float *items, const float *att, const float *cache,
    const float *dout, const float *datt, float *dz, float *ditems);

/* Memory losses, averaged over the N*H*W positions:
 *   entropy  = mean over positions of -sum_i w''_i log(w''_i + 1e-12)
 *   compact  = mean ||zn - m_p||^2, p = nearest item (by cosine), zn = z/||z||
 *              and items likewise L2-normalised
 *   separate = mean max(0, ||zn - m_p||^2 - ||zn - m_q||^2 + margin),
 *              q = second nearest
 * Returns the three values; adds weight * gradient into datt [N,H,W,M],
 * dz [N,C,H,W] and ditems [G,M,C] (any may be NULL to skip). */
typedef struct ad_mem_loss {
  float entropy, compact, separate;
} ad_mem_loss;
ad_mem_loss ad_mem_losses (const ad_mem *mm, int n, int h, int w,
    const float *z, const float *items, const float *att, float w_entropy,
    float w_compact, float w_separate, float margin, float *datt, float *dz,
    float *ditems);

/* ------------------------------------------------------------------------ */
/* Parameters and the network (ad-net.c).                                   */

#define AD_NAME_MAX 32
#define AD_MAX_DIMS 4
typedef struct ad_tensor {
  char name[AD_NAME_MAX];
  int32_t ndim;
  int32_t dims[AD_MAX_DIMS];
  size_t count;           /* product of dims */
  float *data;
  int trainable;          /* 0 for buffers (e.g. motion statistics) */
} ad_tensor;

typedef struct ad_net ad_net;   /* op program built from the config */

struct ad_model {
  ad_config cfg;
  ad_calib calib;
  int n_tensors;
  ad_tensor *tensors;     /* parameters then buffers, fixed order by cfg */
  ad_net *net;
};

/* Finds a tensor by name; NULL if absent. */
ad_tensor *ad_model_tensor (ad_model *m, const char *name);

/* Builds the op program and the tensor list (weights initialised from
 * cfg->seed).  Used by ad_model_new and by the loader. */
ad_status ad_net_build (ad_model *m, ad_error *err);
void ad_net_free (ad_net *net);
double ad_net_flops (const ad_net *net);
/* Multiply-adds x 2 a streamed frame actually executes: a convolution of an
 * upsampled input on the direct path does 4/9 of its nominal work. */
double ad_net_flops_run (const ad_net *net);

/* Training-time execution on a batch of B clips of T frames. */
typedef struct ad_exec ad_exec;
ad_status ad_exec_new (const ad_model *m, int b, int t, ad_exec **out,
    ad_error *err);
void ad_exec_free (ad_exec *e);
/* in [B*T, Cin, H, W] inputs; target [B*T, Cout, H, W].
 * Runs forward, losses and (if grads != NULL) backward; grads holds one
 * array per model tensor (same order, same counts), accumulated. */
ad_status ad_exec_step (ad_exec *e, const float *in, const float *target,
    float **grads, ad_progress *losses);
/* Output of the last forward pass: [B*T, Cout, H, W]. */
const float *ad_exec_output (const ad_exec *e);
/* 1: the layers' work is spread over the core's thread pool (streams, a
 * lone training worker); 0 (default): all on the calling thread. */
void ad_exec_set_parallel (ad_exec *e, int parallel);
/* Streaming: B = T = 1, with temporal-shift caches carried across calls. */
void ad_exec_reset_state (ad_exec *e);
ad_status ad_exec_stream (ad_exec *e, const float *in, float *out);
/* Memory query access for item initialisation: after a forward pass,
 * returns the query tensor [N,C,h,w] fed to memory module k (NULL if k does
 * not exist) and its spatial size. */
/* The bottleneck's activation [c, h, w] of the last streamed frame (the
 * encoder's output, before any memory). */
const float *ad_exec_neck (const ad_exec *e, int *c, int *h, int *w);
/* The same for stream s (ad_exec_neck of its last frame). */
const float *ad_stream_neck (const ad_stream *s, int *c, int *h, int *w);
/* Feature novelty (ad-feat.c): out [H, W] = per pixel, the distance of
 * z [c, h, w] at its place (nearest) from normal [c + 1, h, w]'s median
 * (planes 0..c-1) less its level (plane c), less the places' median,
 * over their spread; tmp [3 h w] scratch. */
void ad_feat_plane (const float *z, const float *normal, int c, int h,
    int w, int H, int W, float *tmp, float *out);
const float *ad_exec_mem_query (const ad_exec *e, int k, int *n, int *c,
    int *h, int *w, char *item_name, size_t name_len);

/* ------------------------------------------------------------------------ */
/* Config table (ad-config.c): one row per field, used for defaults,        */
/* validation and the model file.                                           */

typedef enum ad_field_type {
  AD_FIELD_INT = 0,
  AD_FIELD_FLOAT = 1
} ad_field_type;

typedef struct ad_field {
  const char *name;
  ad_field_type type;
  size_t offset;          /* in ad_config */
  double min, max, def;
  int scoring_only;       /* may change after training */
  const char *blurb;
} ad_field;

extern const ad_field ad_config_fields[];
extern const int ad_config_n_fields;
const ad_field *ad_config_field (const char *name);
double ad_config_get (const ad_config *cfg, const ad_field *f);
void ad_config_set (ad_config *cfg, const ad_field *f, double v);
/* out (n bytes) = "key=value,..." of the fields whose value differs from
 * a to b, in the table's order ("" when none). */
void ad_config_changes (const ad_config *a, const ad_config *b, char *out,
    size_t n);

/* ------------------------------------------------------------------------ */
/* Scoring helpers (ad-stats.c), shared by scorer, calibration, tools.      */

/* gray [hw] = the mean of the first c channels of feat [>= c, hw] (the
 * image channels of a feature frame). */
void ad_channel_mean (const float *feat, int c, size_t hw, float *gray);
/* Separable Gaussian blur of map [H,W] in place; tmp [H*W]. */
void ad_blur (float *map, int h, int w, float sigma, float *tmp);
/* mask [H,W] (0/1) grown in place by r pixels each way (a square of
 * side 2r + 1: 1 wherever a 1 lies within r pixels along both axes);
 * tmp [H*W]. */
void ad_grow_mask (uint8_t *mask, int h, int w, int r, uint8_t *tmp);
/* Error floor of map [H,W] estimated from its histogram (the mode of the
 * lower part of the distribution). */
float ad_hist_floor (const float *map, int n);
/* Mean of the top frac of values (at least one); tmp [n]. */
float ad_topk_mean (const float *v, int n, float frac, float *tmp);
/* Quantile (linear interpolation) of v [n], tmp [n]. */
float ad_quantile (const float *v, int64_t n, float q, float *tmp);
/* qsort comparator of floats, ascending. */
int ad_cmp_float (const void *a, const void *b);
/* High quantile q of v [n] that stays sound on few values: where fewer
 * than AD_TAIL_MIN values lie above q, the larger of the empirical one and
 * an exponential tail fitted above the 90th percentile; tmp [n]. */
float ad_tail_quantile (const float *v, int64_t n, float q, float *tmp);
/* Cell motion: mean |a-b| over the image channels per cell of cell x cell
 * px; cells [gh*gw] where gh = ceil(H/cell).  Returns the number of cells. */
int ad_motion_cells (const float *a, const float *b, int c, int h, int w,
    int cell, float *cells);

/* ------------------------------------------------------------------------ */
/* Local motion per cell and normal motion patterns (ad-flow.c).            */

/* Fewest frames the trainer holds back for calibration (when holdout_frac
 * > 0 and at least 4x as many are stored), and the shortest stretch of
 * footage it holds back (see holdout_blocks). */
#define AD_MIN_HOLD_FRAMES 96

/* Histogram of motion vectors per cell: bins x bins (config flow_bins,
 * odd, at most AD_FLOW_BINS_MAX) centred on zero motion, covering
 * +-range px/frame (config flow_range, by default AD_FLOW_RANGE; faster
 * motion is clamped); a bin is AD_FLOW_BIN_W (bins, range) wide. */
#define AD_FLOW_BINS_MAX 65
#define AD_FLOW_RANGE 4.25f
#define AD_FLOW_WINDOW_MAX 8  /* most pairs a motion vector is averaged over */
/* Camera motion (px/frame at model resolution) above which a frame pair
 * gives no motion-pattern vectors. */
#define AD_FLOW_SHAKE 0.5f
#define AD_FLOW_BIN_W(bins, range) (2.0f * (range) / (float) (bins))
/* Least spread of the motion-pattern novelty on normal footage, px/frame:
 * a short calibration stretch may hold no novel vector at all. */
#define AD_FLOW_FLOOR 0.5f
/* Wandering (ad_flow_wander): most frame pairs looked back over, and the
 * mean speed (px/frame) below which a cell's vectors are too small to
 * tell a direction. */
#define AD_WANDER_MAX 32
#define AD_WANDER_MIN_SPEED 0.3f

/* mask [h, w] = 1 where a pixel's centre lies in one of rects [n, 4] (x,
 * y, width, height as fractions of the picture), else 0. */
void ad_regions_mask (const float *rects, int n, int h, int w, float *mask);

typedef struct ad_flow ad_flow;
ad_status ad_flow_new (int h, int w, int cell, ad_flow **out, ad_error *err);
void ad_flow_free (ad_flow *f);
/* 2: fit the vectors on the pair at half resolution (twice the speed
 * within reach, cells of half as many pixels); 1: at full resolution (the
 * default).  2 needs an even cell and picture size.  Restarts the pair. */
ad_status ad_flow_set_scale (ad_flow *f, int scale, ad_error *err);
/* 1: fit RGB frames' vectors on their three channels together (colour
 * edges count; the config's default, flow_color); 0: on their channel
 * mean (a new ad_flow's).  The energy is the channel mean's either way.
 * Restarts the pair when it changes. */
void ad_flow_set_colour (ad_flow *f, int on);
/* flow_shade: a change of light alone keeps the colour within
 * AD_SHADE_TOL per channel (0-1 scale) of the previous one scaled to the
 * new brightness, and counts where the brightness changes by more than
 * AD_SHADE_STEP of itself. */
#define AD_SHADE_TOL 0.02f
#define AD_SHADE_STEP 0.1f
/* count [hw] += 1 where the latest pair's change is one of light alone
 * (colour fits; nothing before a pair, or for gray frames). */
void ad_flow_count_light (const ad_flow *f, float *count);
/* pixels [hw] > 0.5 where the light sways (learned: flow_shade): there,
 * with colour fits, a change of light alone is left out of the vectors'
 * fit; NULL = off.  pixels is not copied and must outlive f. */
void ad_flow_set_shade (ad_flow *f, const float *pixels);
/* ad_flow_novelty and ad_flow_wander discount k standard errors of each
 * cell's vector (its fit's residual variance per pixel times the mean
 * diagonal of the inverse normal matrix); 0 (a new ad_flow's) = none. */
void ad_flow_set_sigma (ad_flow *f, float k);
/* flow_refine: each moving cell's vector is fitted again up to steps
 * times on the pair with the previous frame moved on by it, keeping the
 * one that leaves the least difference when that is well below one
 * fit's (a fast mover's displacement of several pixels, which one fit
 * reads as about one); 0 (a new ad_flow's) = one fit. */
void ad_flow_set_refine (ad_flow *f, int steps);
/* flow_gain: with compensation, the previous frame is first scaled by the
 * picture's change of brightness (ad_gain, the median ratio of the latest
 * gray to the previous), so a change of exposure leaves no change on a
 * still edge; 0 (a new ad_flow's) = the mean change is taken out only. */
void ad_flow_set_gain (ad_flow *f, int on);
/* 1 (flow_light): with compensation, the light is taken by place: the
 * previous frame is first relit to the latest one's light by place (the
 * evenly lit cells' median ratios, ad_gain_field), then what change is
 * left is taken out per cell and channel (an offset fitted beside each
 * vector, and each cell's mean change out of the energy), not once for
 * the picture, so a cloud's shadow drifting over the scene, its bending
 * edge too, reads no motion; a pixel's own residual (ad_flow_residual)
 * takes the picture's change after the relight.  0 (a new ad_flow's):
 * one change per channel, the cells' median. */
void ad_flow_set_local_light (ad_flow *f, int on);
void ad_flow_reset (ad_flow *f);
/* s[AD_SCORE_PARTS] (learned, plain motion, motion pattern, stationary
 * change, wandering) = the spreads the fused score divides each part by: m's
 * calibrated spreads under the settings cfg (1 for a part the model has
 * none for; the wandering's 1 unless cfg->wander_norm: px/frame). */
void ad_part_scales (const ad_model *m, const ad_config *cfg, float *s);
/* Frames were lost.  span >= 2 (and a previous frame): the next pair
 * spans that many frames, and its vectors, camera motion, variances and
 * energies are divided down to one frame's, so the windows go on.
 * Otherwise the next frame starts a new pair (no vectors across the
 * jump).  Either way the wandering keeps the vectors it has (its path and
 * displacement over them still hold). */
void ad_flow_gap (ad_flow *f, int span);
/* Consecutive pairs with vectors since the last restart (capped at
 * AD_FLOW_WINDOW_MAX). */
int ad_flow_pairs (const ad_flow *f);
int ad_flow_n_cells (const ad_flow *f);
/* The cells' grid: gh rows of gw cells (n_cells = gh * gw). */
void ad_flow_grid (const ad_flow *f, int *gh, int *gw);
/* Feeds frame feat [c,H,W] (image channels: 1, or 3 for RGB); returns 1
 * when vectors and energies against the previous frame are ready, 0 for a
 * first frame.
 * comp: remove the mean brightness change and the camera's motion. */
int ad_flow_push (ad_flow *f, const float *feat, int c, int comp);
const float *ad_flow_vectors (const ad_flow *f);   /* [cells, 2] (u, v) */
const float *ad_flow_energy (const ad_flow *f);    /* [cells] */
/* [cells] variance of each component of a cell's vector, (px/frame)^2 */
const float *ad_flow_variance (const ad_flow *f);
/* 1 when the camera moved more than AD_FLOW_SHAKE in any of the latest win
 * pairs (their vectors are not compared: window_vector). */
int ad_flow_shaken (const ad_flow *f, int win);
/* Cell k's mean vector over the latest win pairs into uv [2] (and, when
 * var is not NULL, its variance): 1 when it moved above the noise in each
 * of them and the camera held still (moved at most AD_FLOW_SHAKE), else
 * 0. */
int ad_flow_window_vector (const ad_flow *f, int k, int win, float noise,
    float *uv, float *var);
/* Change of cell k's vector since the previous pair, px/frame; -1 unless
 * both pairs moved above the noise. */
float ad_flow_accel (const ad_flow *f, int k, float noise);
/* Bin of a (u, v) vector in a bins x bins histogram over +-range px/frame
 * (tensor flow_dist). */
int ad_flow_bin (const float *uv, int bins, float range);
/* flow_trim: clears seen [B*B] (the bins a neighbourhood saw) of its
 * rarest bins by cnt [B*B] (its vectors per bin), together at most trim
 * of them, unless beside a commoner bin; tmp [B*B] scratch. */
void ad_flow_trim_rare (const float *cnt, int B, float trim, uint8_t *seen,
    float *tmp);
const float *ad_flow_residual (const ad_flow *f);  /* [H, W] |residual| */
const float *ad_flow_gray (const ad_flow *f);      /* [H, W] blurred gray */
/* out [cells] = novelty of each cell against dist [cells, BINS*BINS]
 * (tensor flow_dist, BINS = bins over +-range px/frame) given the noise
 * level (flow_stats[0]), for the cell's vector averaged over the latest
 * win pairs. */
void ad_flow_novelty (const ad_flow *f, const float *dist, int bins,
    float range, float noise, float accel_thr, int win, float *out);
/* out [cells] = how much each cell moved without getting anywhere over the
 * latest `frames` pairs (at most AD_WANDER_MAX), in px/frame: with v_j its
 * vector averaged over win pairs in each pair j where it moved above the
 * noise, (sum |v_j| - |sum v_j|) / count, when it moved in at least half
 * of them at a mean speed of AD_WANDER_MIN_SPEED or more, else 0.  A
 * passer-by's vectors point one way (about 0); someone pacing back and
 * forth travels without displacement.  Call once per pair ad_flow_push
 * made (it records the pair's vectors). */
void ad_flow_wander (ad_flow *f, float noise, int win, int frames,
    float *out);
/* Frame i of n for ad_model_learn_motion_fn: returns the frame [fs] (may
 * fill and return buf [fs]); *new_segment = 1 at a discontinuity. */
typedef const float *(*ad_frame_fn) (void *user, int64_t i, float *buf,
    int *new_segment);
ad_status ad_model_learn_motion_fn (ad_model *m, int64_t n, ad_frame_fn get,
    void *user, ad_error *err);
/* Frames of an array for an ad_frame_fn: user is an ad_array_src. */
typedef struct ad_array_src {
  const float *frames;      /* [n, fs] */
  const uint8_t *seg;       /* [n] or NULL */
  size_t fs;
} ad_array_src;
const float *ad_array_frame (void *user, int64_t i, float *buf,
    int *new_segment);
/* Learns the model's feat_normal from n frames (the training footage) and
 * marks it learned in feat_stats (calibration sets its spread). */
ad_status ad_model_learn_features_fn (ad_model *m, int64_t n,
    ad_frame_fn get, void *user, ad_error *err);
/* How tall the things that move in n frames of footage stand (ad-scale.c):
 * *height = the area-weighted median height in rows of the blobs that
 * differ from the background, *blobs = how many (0 and 0 when nothing
 * moved); *speed (may be NULL) = how fast they move, px/frame at model
 * resolution: the median, weighted by the pixels they cover, of the
 * motion vectors (at step 1, cfg's motion_cell) of the cells they cover
 * at least a quarter of (0 when nothing moved).  skip [H, W] (may be
 * NULL): pixels left out (> 0.5). */
ad_status ad_footage_height (int64_t n, ad_frame_fn get, void *user,
    const ad_config *cfg, const float *skip, double *height, int64_t *blobs,
    double *speed, ad_error *err);

/* Stationary change (ad-static.c): what lies still where the learned
 * background (tensor bg_image [H, W], median blurred gray of the training
 * frames) shows something else, e.g. an object left behind. */
#define AD_BG_BINS 64
/* Below this a sum or a maximum counts as zero (no division by it). */
#define AD_TINY 1e-6f
/* Per-cell parts of the scorer: motion, motion pattern, stationary,
 * wandering. */
#define AD_CELL_PARTS 4
typedef struct ad_bg_hist ad_bg_hist;
ad_bg_hist *ad_bg_hist_new (int hw);
void ad_bg_hist_free (ad_bg_hist *b);
void ad_bg_hist_add (ad_bg_hist *b, const float *gray);   /* gray [hw] */
/* bg [hw] = per-pixel median; returns 0 when nothing was added. */
int ad_bg_hist_median (const ad_bg_hist *b, float *bg);
/* The gain g with x ~ g x ref (a global lighting change): the median of
 * x / ref over every AD_GAIN_STRIDE-th element whose ref exceeds
 * AD_GAIN_MIN_REF (black carries no ratio; a night scene's dark pixels
 * still do; a median ignores an anomaly covering less than half of them,
 * where a least-squares fit would fold it into the gain), within
 * [1/AD_GAIN_MAX, AD_GAIN_MAX]; 1 when no element qualifies.
 * x, ref [n]; tmp [n] scratch (2n / AD_GAIN_STRIDE used). */
#define AD_GAIN_MAX 2.0f
#define AD_GAIN_STRIDE 3
#define AD_GAIN_MIN_REF 0.01f
/* ad_gain_field: a cell whose ratios' interquartile range is above this
 * share of their median holds an object, not light */
#define AD_LIGHT_EVEN 0.1f
float ad_gain (const float *x, const float *ref, int n, float *tmp);
/* gf [h, w] = the light on x [h, w] against ref [h, w] by place: with
 * radius > 0, each cell's (cell x cell px) median ratio x / ref (as
 * ad_gain's, every other pixel both ways), then for each cell the median
 * of those of the evenly lit cells (AD_LIGHT_EVEN) among the (2 radius +
 * 1)^2 around it (the window moved inside the picture at its edges; the
 * whole picture's gain where none is), interpolated bilinearly between the
 * cells' centres: a cloud's shadow or a patch of sun (light that changes
 * by place) is followed, an object in fewer than half of a window's cells
 * is not; pixels where skip (NULL or [h, w]) is set (regions left out)
 * do not count.  With engage > 0 only as much of that as the cells
 * disagree: their largest departure from the whole picture's gain,
 * relative to it, up to engage gives none (gf = the picture's gain
 * everywhere, as with radius 0), twice engage or more all of it, in
 * between a share of it; *share (may be NULL) gets that share (0-1, 0
 * with radius 0).  With radius 0, ad_gain (x, ref) everywhere.  tmp
 * [h * w] scratch.  Returns ad_gain's value for the whole picture. */
float ad_gain_field (const float *x, const float *ref, const uint8_t *skip,
    int h, int w, int cell, int radius, float engage, float *tmp, float *gf,
    float *share);
/* d [hw] = |gray - gf x bg| at its best match within +-AD_BG_SHIFT px
 * (tolerates camera jitter), gf [hw] the light on the background
 * (ad_gain_field: tolerates lighting, by place with radius > 0). */
#define AD_BG_SHIFT 2
void ad_bg_diff (const float *gray, const float *bg, const float *gf, int h,
    int w, float *d);
/* Colour models: uv [2, hw] = the chromaticity (r, g) = (R, G) /
 * (R + G + B) of feat [3, hw] (1/3 where black).  The learned background's
 * is the per-pixel median of the training frames' (tensor bg_chroma). */
void ad_chroma (const float *feat, size_t hw, float *uv);
/* d [hw] = gray [hw] x the chromaticity distance (|dr| + |dg|) of uv
 * [2, hw] from bg [2, hw] less the frame's median shift (white balance),
 * at its best match within +-AD_BG_SHIFT px: a still pixel's change of
 * colour in gray levels.  tmp [hw] scratch. */
void ad_chroma_diff (const float *uv, const float *bg, const float *gray,
    int h, int w, float *tmp, float *d);

/* The map's shadow test (colour models, ad-score-map.c): a shadow leaves
 * lit background's gray between AD_SHADOW_LO and AD_SHADOW_HI of it (where
 * that exceeds AD_SHADOW_MIN) and its chromaticity within
 * AD_SHADOW_CHROMA; the background's chromaticity follows the footage
 * over AD_CHROMA_FRAMES frames.  Frames with fewer than AD_COLOUR_SHARE
 * of their pixels AD_COLOUR_MIN from gray have no colour to test. */
#define AD_SHADOW_LO 0.5f
#define AD_SHADOW_HI 0.95f
#define AD_SHADOW_MIN 0.02f
#define AD_SHADOW_CHROMA 0.03f
#define AD_CHROMA_FRAMES 20.0f
#define AD_COLOUR_MIN 0.02f
#define AD_COLOUR_SHARE 0.01f
/* Frames in a row a colour model's stream must be gray (or colour again)
 * before the scorer takes it for a switch (follow_colour,
 * ad-score-map.c). */
#define AD_MODE_FRAMES 3

#endif /* AD_INTERNAL_H */
