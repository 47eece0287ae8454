/* ad-net.c - the network: parameters, op program, execution (training and
 * streaming), models and streams.
 *
 * The network is a small op program built from the config:
 *
 *   x [Cin,H,W]
 *   a0 = relu(conv3x3(x))                        [c0,H,W]
 *   for s in 1..3:                               (stride-2 stages)
 *     p_s = relu(conv3x3/2(r_{s-1}))             [c_s,H/2^s,W/2^s]
 *     r_s = p_s + SE(conv(relu(conv(tshift(p_s)))))   residual block
 *   z  = mem(r3)                                 bottleneck memory
 *   for s in 2..0:                               decoder
 *     d_s = relu(conv3x3(up2(d_{s+1}))) + skip_s, skip_s = [mem_s](r_s)
 *   y  = conv3x3(d0)                             [Cout,H,W]
 *
 * Each op reads and writes activation buffers [N,C,h,w]; backward walks the
 * program in reverse and accumulates input gradients, so a buffer may feed
 * several ops.
 */
#include "ad-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AD_NET_MAX_BUFS 48
#define AD_NET_MAX_OPS 48
#define AD_MODEL_MAX_TENSORS 64

typedef enum {
  OP_CONV = 0,      /* out = [relu](conv(in) + b) */
  OP_TSHIFT,        /* out = tshift(in), with a streaming cache */
  OP_SE,            /* out = in * se(in) */
  OP_ADD,           /* out = in + in2 */
  OP_UP,            /* out = up2(in) */
  OP_MEM            /* out = mem(in) */
} ad_op_type;

typedef struct ad_shape {
  int c, h, w;
} ad_shape;

typedef struct ad_op {
  ad_op_type type;
  int in, in2, out;           /* buffer ids (in2 only for OP_ADD) */
  int p[4];                   /* tensor indices: conv w,b; se w1,b1,w2,b2; mem items */
  ad_conv conv;
  int relu;
  int nshift;                 /* OP_TSHIFT */
  int se_r;                   /* OP_SE */
  ad_mem mem;                 /* OP_MEM */
} ad_op;

struct ad_net {
  int n_bufs;
  ad_shape bufs[AD_NET_MAX_BUFS];
  int n_ops;
  ad_op ops[AD_NET_MAX_OPS];
  int in_buf, out_buf;
  int neck_buf;         /* the encoder's output r3, before any memory */
  double flops;
};

/* ------------------------------------------------------------------------ */
/* Building                                                                 */

typedef struct build_ctx {
  ad_model *m;
  ad_net *net;
  ad_rng rng;
} build_ctx;

static int
add_buf (build_ctx *b, int c, int h, int w)
{
  ad_net *net = b->net;
  if (net->n_bufs >= AD_NET_MAX_BUFS)
    return -1;
  net->bufs[net->n_bufs] = (ad_shape) { c, h, w };
  return net->n_bufs++;
}

/* init: 0 zeros, 1 He normal (relu), 2 normal sqrt(1/fan_in), 3 N(0,1),
 * 4 ones */
static int
add_tensor (build_ctx *b, const char *name, int trainable, int init,
    int fan_in, int ndim, int d0, int d1, int d2)
{
  ad_model *m = b->m;
  if (m->n_tensors >= AD_MODEL_MAX_TENSORS)
    return -1;
  ad_tensor *t = &m->tensors[m->n_tensors];
  memset (t, 0, sizeof *t);
  snprintf (t->name, sizeof t->name, "%s", name);
  t->ndim = ndim;
  int dims[3] = { d0, d1, d2 };
  t->count = 1;
  for (int i = 0; i < ndim; i++) {
    t->dims[i] = dims[i];
    t->count *= (size_t) dims[i];
  }
  t->trainable = trainable;
  t->data = ad_alloc (t->count);
  if (!t->data)
    return -1;
  float sd = 0.0f;
  if (init == 1)
    sd = sqrtf (2.0f / (float) fan_in);
  else if (init == 2)
    sd = sqrtf (1.0f / (float) fan_in);
  else if (init == 3)
    sd = 1.0f;
  for (size_t i = 0; i < t->count; i++)
    t->data[i] = init == 4 ? 1.0f : sd * ad_rng_normal (&b->rng);
  return m->n_tensors++;
}

static int
add_op (build_ctx *b, ad_op op)
{
  ad_net *net = b->net;
  if (net->n_ops >= AD_NET_MAX_OPS)
    return -1;
  net->ops[net->n_ops] = op;
  return net->n_ops++;
}

/* conv op with its weight and bias tensors; returns the output buffer. */
static int
build_conv (build_ctx *b, const char *name, int in, int co, int stride,
    int relu, int init)
{
  ad_shape s = b->net->bufs[in];
  ad_conv cv = { s.c, co, 3, stride, 1 };
  int ho, wo;
  ad_conv2d_out_size (&cv, s.h, s.w, &ho, &wo);
  char nm[AD_NAME_MAX];
  snprintf (nm, sizeof nm, "%s.w", name);
  int pw = add_tensor (b, nm, 1, init, s.c * 9, 2, co, s.c * 9, 0);
  snprintf (nm, sizeof nm, "%s.b", name);
  int pb = add_tensor (b, nm, 1, 0, 1, 1, co, 0, 0);
  int out = add_buf (b, co, ho, wo);
  if (pw < 0 || pb < 0 || out < 0)
    return -1;
  ad_op op = { .type = OP_CONV, .in = in, .out = out, .conv = cv,
    .relu = relu };
  op.p[0] = pw;
  op.p[1] = pb;
  b->net->flops += 2.0 * co * s.c * 9.0 * ho * wo;
  return add_op (b, op) < 0 ? -1 : out;
}

static int
build_simple (build_ctx *b, ad_op_type type, int in, int in2, ad_shape out_s)
{
  int out = add_buf (b, out_s.c, out_s.h, out_s.w);
  if (out < 0)
    return -1;
  ad_op op = { .type = type, .in = in, .in2 = in2, .out = out };
  return add_op (b, op) < 0 ? -1 : out;
}

/* r = p + SE(conv(relu(conv(tshift(p))))) */
static int
build_res (build_ctx *b, int scale, int p)
{
  const ad_config *cfg = &b->m->cfg;
  ad_shape s = b->net->bufs[p];
  char nm[AD_NAME_MAX];
  int x = p;
  int nshift = (int) floorf (cfg->shift_frac * s.c + 0.5f);
  if (nshift > 0) {
    x = build_simple (b, OP_TSHIFT, p, -1, s);
    if (x < 0)
      return -1;
    b->net->ops[b->net->n_ops - 1].nshift = nshift;
  }
  snprintf (nm, sizeof nm, "res%d.c1", scale);
  int h1 = build_conv (b, nm, x, s.c, 1, 1, 1);
  snprintf (nm, sizeof nm, "res%d.c2", scale);
  int h2 = build_conv (b, nm, h1, s.c, 1, 0, 0);   /* zero init: identity */
  if (h2 < 0)
    return -1;
  int r = s.c / cfg->se_reduction;
  if (r < 1)
    r = 1;
  snprintf (nm, sizeof nm, "res%d.se.w1", scale);
  int w1 = add_tensor (b, nm, 1, 1, s.c, 2, r, s.c, 0);
  snprintf (nm, sizeof nm, "res%d.se.b1", scale);
  int b1 = add_tensor (b, nm, 1, 0, 1, 1, r, 0, 0);
  snprintf (nm, sizeof nm, "res%d.se.w2", scale);
  int w2 = add_tensor (b, nm, 1, 2, r, 2, s.c, r, 0);
  snprintf (nm, sizeof nm, "res%d.se.b2", scale);
  int b2 = add_tensor (b, nm, 1, 0, 1, 1, s.c, 0, 0);
  int g = build_simple (b, OP_SE, h2, -1, s);
  if (w1 < 0 || b1 < 0 || w2 < 0 || b2 < 0 || g < 0)
    return -1;
  ad_op *op = &b->net->ops[b->net->n_ops - 1];
  op->p[0] = w1;
  op->p[1] = b1;
  op->p[2] = w2;
  op->p[3] = b2;
  op->se_r = r;
  return build_simple (b, OP_ADD, p, g, s);
}

static int
build_mem (build_ctx *b, const char *name, int in, int items, int grid)
{
  ad_shape s = b->net->bufs[in];
  const ad_config *cfg = &b->m->cfg;
  int gh = grid < s.h ? grid : s.h, gw = grid < s.w ? grid : s.w;
  int pi = add_tensor (b, name, 1, 3, 1, 3, gh * gw, items, s.c);
  int out = build_simple (b, OP_MEM, in, -1, s);
  if (pi < 0 || out < 0)
    return -1;
  ad_op *op = &b->net->ops[b->net->n_ops - 1];
  op->p[0] = pi;
  op->mem = (ad_mem) { s.c, items, gh, gw, cfg->mem_shrink, cfg->mem_temp };
  b->net->flops += 4.0 * s.h * s.w * items * s.c;
  return out;
}

ad_status
ad_net_build (ad_model *m, ad_error *err)
{
  const ad_config *cfg = &m->cfg;
  ad_net *net = calloc (1, sizeof *net);
  m->tensors = calloc (AD_MODEL_MAX_TENSORS, sizeof (ad_tensor));
  if (!net || !m->tensors) {
    free (net);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory building the network");
  }
  m->net = net;
  m->n_tensors = 0;
  build_ctx b = { m, net, { 0 } };
  ad_rng_seed (&b.rng, cfg->seed);

  int cin = ad_config_in_channels (cfg), cout = ad_config_out_channels (cfg);
  const int *wd = cfg->widths;
  int ok = 1;
  net->in_buf = add_buf (&b, cin, cfg->height, cfg->width);
  int r[AD_MAX_SCALES];
  r[0] = build_conv (&b, "enc0", net->in_buf, wd[0], 1, 1, 1);
  for (int s = 1; s < AD_MAX_SCALES && ok; s++) {
    char nm[AD_NAME_MAX];
    snprintf (nm, sizeof nm, "enc%d", s);
    int p = build_conv (&b, nm, r[s - 1], wd[s], 2, 1, 1);
    r[s] = p < 0 ? -1 : build_res (&b, s, p);
    ok = r[s] >= 0;
  }
  int d = r[3];
  net->neck_buf = r[3];
  if (ok && cfg->mem_place >= AD_MEM_BOTTLENECK)
    d = build_mem (&b, "mem.b", d, cfg->mem_items, cfg->mem_grid);
  for (int s = 2; s >= 0 && ok && d >= 0; s--) {
    char nm[AD_NAME_MAX];
    ad_shape sh = net->bufs[d];
    int u = build_simple (&b, OP_UP, d, -1,
        (ad_shape) { sh.c, sh.h * 2, sh.w * 2 });
    snprintf (nm, sizeof nm, "dec%d", s);
    d = u < 0 ? -1 : build_conv (&b, nm, u, wd[s], 1, 1, 1);
    int use_skip = cfg->skips >= 3 - s;
    if (d >= 0 && use_skip) {
      int skip = r[s];
      int mem_here = (cfg->mem_place == AD_MEM_ALL_SKIPS) ||
          (cfg->mem_place == AD_MEM_LOW_SKIPS && s == 2);
      if (mem_here) {
        snprintf (nm, sizeof nm, "mem.s%d", s);
        skip = build_mem (&b, nm, skip, cfg->mem_skip_items, 1);
      }
      d = skip < 0 ? -1 : build_simple (&b, OP_ADD, d, skip, net->bufs[d]);
    }
  }
  net->out_buf = d < 0 ? -1 : build_conv (&b, "out", d, cout, 1, 0, 2);

  /* Buffers filled by calibration (see ad-calib.c). */
  int cells = ((cfg->height + cfg->motion_cell - 1) / cfg->motion_cell) *
      ((cfg->width + cfg->motion_cell - 1) / cfg->motion_cell);
  int hw = cfg->height * cfg->width;
  if (add_tensor (&b, "motion_mean", 0, 0, 1, 1, cells, 0, 0) < 0 ||
      add_tensor (&b, "pixel_mean", 0, 0, 1, 1, hw, 0, 0) < 0 ||
      add_tensor (&b, "pixel_std", 0, 4, 1, 1, hw, 0, 0) < 0 ||
      add_tensor (&b, "flow_dist", 0, 0, 1, 1,
          cells * cfg->flow_bins * cfg->flow_bins, 0, 0) < 0 ||
      add_tensor (&b, "flow_stats", 0, 0, 1, 1, 4, 0, 0) < 0 ||
      add_tensor (&b, "shade_pixels", 0, 0, 1, 1, hw, 0, 0) < 0 ||
      add_tensor (&b, "wander_stats", 0, 0, 1, 1, 1, 0, 0) < 0 ||
      add_tensor (&b, "busy_stats", 0, 0, 1, 1, 2, 0, 0) < 0 ||
      add_tensor (&b, "ignore_mask", 0, 0, 1, 1, hw, 0, 0) < 0 ||
      add_tensor (&b, "bg_image", 0, 0, 1, 1, hw, 0, 0) < 0 ||
      add_tensor (&b, "bg_chroma", 0, 0, 1, 1, 2 * hw, 0, 0) < 0 ||
      add_tensor (&b, "static_base", 0, 0, 1, 1, cells, 0, 0) < 0 ||
      add_tensor (&b, "static_stats", 0, 0, 1, 1, 2, 0, 0) < 0 ||
      !ok || net->out_buf < 0 || net->neck_buf < 0 ||
      add_tensor (&b, "feat_normal", 0, 0, 1, 1, (net->bufs[r[3]].c + 1) *
          net->bufs[r[3]].h * net->bufs[r[3]].w, 0, 0) < 0 ||
      add_tensor (&b, "feat_stats", 0, 0, 1, 1, 3, 0, 0) < 0)
    return ad_fail (err, AD_ERR_NOMEM, "could not build the network "
        "(out of memory or too many layers)");
  return AD_OK;
}

void
ad_net_free (ad_net *net)
{
  free (net);
}

double
ad_net_flops (const ad_net *net)
{
  return net ? net->flops : 0.0;
}

double
ad_net_flops_run (const ad_net *net)
{
  if (!net)
    return 0.0;
  double f = net->flops;
  for (int i = 1; i < net->n_ops; i++) {
    const ad_op *op = &net->ops[i], *pre = &net->ops[i - 1];
    if (op->type == OP_CONV && pre->type == OP_UP && pre->out == op->in &&
        ad_conv2d_direct (&op->conv)) {
      ad_shape s = net->bufs[op->in];
      f -= (5.0 / 9.0) * 2.0 * op->conv.co * op->conv.ci * 9.0 * s.h * s.w;
    }
  }
  return f;
}

/* ------------------------------------------------------------------------ */
/* Models                                                                   */

ad_status
ad_model_new (const ad_config *cfg, ad_model **out, ad_error *err)
{
  *out = NULL;
  ad_status st = ad_config_validate (cfg, err);
  if (st != AD_OK)
    return st;
  ad_model *m = calloc (1, sizeof *m);
  if (!m)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  m->cfg = *cfg;
  st = ad_net_build (m, err);
  if (st != AD_OK) {
    ad_model_free (m);
    return st;
  }
  *out = m;
  return AD_OK;
}

ad_status
ad_model_relayout (ad_model *m, const ad_config *cfg, ad_error *err)
{
  ad_model *n = NULL;
  ad_status st = ad_model_new (cfg, &n, err);
  if (st != AD_OK)
    return st;
  for (int i = 0; i < n->n_tensors; i++) {
    ad_tensor *t = ad_model_tensor (m, n->tensors[i].name);
    if (t && t->count == n->tensors[i].count)
      memcpy (n->tensors[i].data, t->data, sizeof (float) * t->count);
  }
  n->calib = m->calib;
  ad_model old = *m;
  *m = *n;
  *n = old;
  ad_model_free (n);
  return AD_OK;
}

void
ad_model_free (ad_model *m)
{
  if (!m)
    return;
  if (m->tensors)
    for (int i = 0; i < m->n_tensors; i++)
      ad_free (m->tensors[i].data);
  free (m->tensors);
  ad_net_free (m->net);
  free (m);
}

const ad_config *
ad_model_config (const ad_model *m)
{
  return &m->cfg;
}

const ad_calib *
ad_model_calib (const ad_model *m)
{
  return &m->calib;
}

void
ad_model_set_calib (ad_model *m, const ad_calib *c)
{
  m->calib = *c;
}

ad_status
ad_model_set_scoring (ad_model *m, const ad_config *cfg, ad_error *err)
{
  ad_status st = ad_config_validate (cfg, err);
  if (st != AD_OK)
    return st;
  for (int i = 0; i < ad_config_n_fields; i++) {
    const ad_field *f = &ad_config_fields[i];
    if (!f->scoring_only &&
        ad_config_get (cfg, f) != ad_config_get (&m->cfg, f))
      return ad_fail (err, AD_ERR_ARG, "'%s' cannot change after training",
          f->name);
  }
  m->cfg = *cfg;
  return AD_OK;
}

ad_status
ad_model_set_ignore (ad_model *m, const float *rects, int n, ad_error *err)
{
  ad_tensor *t = m ? ad_model_tensor (m, "ignore_mask") : NULL;
  int h = m ? m->cfg.height : 0, w = m ? m->cfg.width : 0;
  if (!t || t->count != (size_t) h * w || n < 0 || (n > 0 && !rects))
    return ad_fail (err, AD_ERR_ARG, "no model or regions to ignore");
  ad_regions_mask (rects, n, h, w, t->data);
  return AD_OK;
}

void
ad_regions_mask (const float *rects, int n, int h, int w, float *mask)
{
  memset (mask, 0, sizeof (float) * (size_t) h * w);
  /* a pixel is left out when its centre lies in a region */
  for (int r = 0; r < n; r++) {
    const float *q = rects + 4 * r;
    for (int y = 0; y < h; y++) {
      float cy = (y + 0.5f) / (float) h;
      if (cy < q[1] || cy >= q[1] + q[3])
        continue;
      for (int x = 0; x < w; x++) {
        float cx = (x + 0.5f) / (float) w;
        if (cx >= q[0] && cx < q[0] + q[2])
          mask[(size_t) y * w + x] = 1.0f;
      }
    }
  }
}

size_t
ad_model_n_params (const ad_model *m)
{
  size_t n = 0;
  for (int i = 0; i < m->n_tensors; i++)
    if (m->tensors[i].trainable)
      n += m->tensors[i].count;
  return n;
}

double
ad_model_flops_per_frame (const ad_model *m)
{
  return ad_net_flops (m->net);
}

ad_tensor *
ad_model_tensor (ad_model *m, const char *name)
{
  for (int i = 0; i < m->n_tensors; i++)
    if (strcmp (m->tensors[i].name, name) == 0)
      return &m->tensors[i];
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Execution                                                                */

struct ad_exec {
  const ad_model *m;
  const ad_net *net;
  int b, t, n;                       /* clips, frames per clip, n = b*t */
  float *act[AD_NET_MAX_BUFS];       /* [n, c, h, w] per buffer */
  float *grad[AD_NET_MAX_BUFS];      /* same shapes, allocated on demand */
  float *col;                        /* conv workspace */
  float *scratch;                    /* [n * max buffer size] */
  float *cache[AD_NET_MAX_OPS];      /* SE and memory caches */
  float *att[AD_NET_MAX_OPS];        /* memory attention [n,h,w,M] */
  float *datt[AD_NET_MAX_OPS];       /* its gradient */
  float *prev[AD_NET_MAX_OPS];       /* tshift streaming cache [nshift,h,w] */
  int has_prev;
  int parallel;                      /* layers use the thread pool */
  int users[AD_NET_MAX_BUFS];        /* ops reading each buffer */
  int producer[AD_NET_MAX_BUFS];     /* op writing each buffer (-1: input) */
  int gset[AD_NET_MAX_BUFS];         /* backward: grad[i] holds a value */
};

static size_t
buf_count (const ad_exec *e, int id)
{
  ad_shape s = e->net->bufs[id];
  return (size_t) e->n * s.c * s.h * s.w;
}

void
ad_exec_free (ad_exec *e)
{
  if (!e)
    return;
  for (int i = 0; i < AD_NET_MAX_BUFS; i++) {
    ad_free (e->act[i]);
    ad_free (e->grad[i]);
  }
  for (int i = 0; i < AD_NET_MAX_OPS; i++) {
    ad_free (e->cache[i]);
    ad_free (e->att[i]);
    ad_free (e->datt[i]);
    ad_free (e->prev[i]);
  }
  ad_free (e->col);
  ad_free (e->scratch);
  free (e);
}

ad_status
ad_exec_new (const ad_model *m, int b, int t, ad_exec **out, ad_error *err)
{
  *out = NULL;
  if (b < 1 || t < 1)
    return ad_fail (err, AD_ERR_ARG, "batch %dx%d is empty", b, t);
  ad_exec *e = calloc (1, sizeof *e);
  if (!e)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  e->m = m;
  e->net = m->net;
  e->b = b;
  e->t = t;
  e->n = b * t;
  const ad_net *net = m->net;
  size_t col = 1, maxbuf = 1;
  int ok = 1;
  for (int i = 0; i < net->n_bufs && ok; i++) {
    size_t c = buf_count (e, i);
    maxbuf = c > maxbuf ? c : maxbuf;
    ok = (e->act[i] = ad_alloc (c)) != NULL;
    e->producer[i] = -1;
  }
  for (int i = 0; i < net->n_ops; i++) {
    const ad_op *op = &net->ops[i];
    e->users[op->in]++;
    if (op->type == OP_ADD)
      e->users[op->in2]++;
    e->producer[op->out] = i;
  }
  for (int i = 0; i < net->n_ops && ok; i++) {
    const ad_op *op = &net->ops[i];
    ad_shape s = net->bufs[op->in];
    if (op->type == OP_CONV) {
      /* backward's im2col, and forward (reading x2 upsampled input) */
      size_t c = ad_conv2d_col_size (&op->conv, s.h, s.w);
      size_t f = ad_conv2d_ws_size (&op->conv, s.h, s.w, 0);
      if (s.h % 2 == 0 && s.w % 2 == 0) {
        size_t u = ad_conv2d_ws_size (&op->conv, s.h / 2, s.w / 2, 1);
        f = u > f ? u : f;
      }
      c = f > c ? f : c;
      col = c > col ? c : col;
    } else if (op->type == OP_SE) {
      ok = (e->cache[i] = ad_alloc (ad_se_cache_size (e->n, s.c,
                  op->se_r))) != NULL;
    } else if (op->type == OP_MEM) {
      size_t na = (size_t) e->n * s.h * s.w * op->mem.m;
      ok = (e->cache[i] = ad_alloc (ad_mem_cache_size (&op->mem, e->n, s.h,
                  s.w))) && (e->att[i] = ad_alloc (na)) &&
          (e->datt[i] = ad_alloc (na));
    } else if (op->type == OP_TSHIFT) {
      ok = (e->prev[i] = ad_alloc ((size_t) b * op->nshift * s.h * s.w))
          != NULL;
    }
  }
  if (ok)
    ok = (e->col = ad_alloc (col)) && (e->scratch = ad_alloc (maxbuf));
  if (!ok) {
    ad_exec_free (e);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory for activations");
  }
  *out = e;
  return AD_OK;
}

static const float *
param (const ad_exec *e, int idx)
{
  return idx >= 0 ? e->m->tensors[idx].data : NULL;
}

/* Op i+1 when it is an OP_ADD that only op i's output feeds; its other
 * operand is returned in *other.  NULL otherwise. */
static const ad_op *
sole_add_after (const ad_exec *e, int i, int *other)
{
  const ad_net *net = e->net;
  const ad_op *op = &net->ops[i], *nx = &net->ops[i + 1];
  if (i + 1 >= net->n_ops || nx->type != OP_ADD || e->users[op->out] != 1 ||
      (nx->in != op->out && nx->in2 != op->out))
    return NULL;
  *other = nx->in == op->out ? nx->in2 : nx->in;
  return nx;
}

/* OP_UP op i feeds only the next op, a conv on the direct path: that conv
 * reads the upsampling's input itself (forward), and writes the gradient
 * of that input itself (backward). */
static int
up_in_conv (const ad_exec *e, int i)
{
  const ad_net *net = e->net;
  const ad_op *op = &net->ops[i];
  return op->type == OP_UP && i + 1 < net->n_ops &&
      net->ops[i + 1].type == OP_CONV && net->ops[i + 1].in == op->out &&
      e->users[op->out] == 1 && ad_conv2d_direct (&net->ops[i + 1].conv);
}

/* Streaming (one frame per clip): OP_TSHIFT op i is not run; the conv it
 * feeds reads the shifted channels from the cache instead. */
static int
tshift_in_conv (const ad_exec *e, int i, int streaming)
{
  const ad_net *net = e->net;
  const ad_op *op = &net->ops[i];
  return streaming && e->t == 1 && op->type == OP_TSHIFT &&
      i + 1 < net->n_ops && net->ops[i + 1].type == OP_CONV &&
      net->ops[i + 1].in == op->out && e->users[op->out] == 1;
}

/* Convolution op i, with what can be fused into it:
 *  - an OP_UP feeding it: the conv reads the upsampling's input (the
 *    upsampled buffer is written only when training needs it);
 *  - streaming: an OP_TSHIFT feeding it reads its shifted channels from the
 *    cache, and a following sole OP_ADD becomes the conv's residual.
 * Returns the number of following ops consumed (0 or 1). */
static int
forward_conv (ad_exec *e, int i, int streaming)
{
  const ad_net *net = e->net;
  const ad_op *op = &net->ops[i];
  ad_shape s = net->bufs[op->in];
  const float *x = e->act[op->in];
  float *y = e->act[op->out];
  ad_conv_fwd o = { .relu = op->relu, .parallel = e->parallel };
  int h = s.h, w = s.w, skip = 0;
  int pi = e->producer[op->in];
  const ad_op *pre = pi >= 0 ? &net->ops[pi] : NULL;

  if (pre && up_in_conv (e, pi)) {
    ad_shape ls = net->bufs[pre->in];
    x = e->act[pre->in];
    h = ls.h;
    w = ls.w;
    o.up2 = 1;
  } else if (pre && tshift_in_conv (e, pi, streaming)) {
    x = e->act[pre->in];
    o.nlo = pre->nshift;
    o.lo = e->has_prev ? e->prev[pi] : NULL;   /* [N,nshift,h,w] */
  }
  int other;
  const ad_op *add = streaming ? sole_add_after (e, i, &other) : NULL;
  if (add) {
    o.add = e->act[other];
    y = e->act[add->out];
    skip = 1;
  }
  ad_conv2d_forward_ex (&op->conv, e->n, h, w, x, param (e, op->p[0]),
      param (e, op->p[1]), y, e->col, &o);

  if (o.nlo > 0) {                /* the cache now takes this frame's slice */
    const size_t part = (size_t) o.nlo * h * w, frame = (size_t) s.c * h * w;
    for (int f = 0; f < e->n; f++)
      memcpy (e->prev[pi] + f * part, x + f * frame, sizeof (float) * part);
  }
  return skip;
}

static void
forward (ad_exec *e, int streaming)
{
  const ad_net *net = e->net;
  for (int i = 0; i < net->n_ops; i++) {
    const ad_op *op = &net->ops[i];
    ad_shape s = net->bufs[op->in];
    const float *x = e->act[op->in];
    float *y = e->act[op->out];
    size_t cnt = buf_count (e, op->out);
    int other;
    const ad_op *add;
    switch (op->type) {
      case OP_CONV:
        i += forward_conv (e, i, streaming);
        break;
      case OP_TSHIFT:{
        int hw = s.h * s.w;
        if (tshift_in_conv (e, i, streaming))
          break;                  /* read in place by the next conv */
        ad_tshift_forward (e->b, e->t, s.c, hw, op->nshift, x,
            streaming && e->has_prev ? e->prev[i] : NULL, y);
        if (streaming)            /* keep the last frame's shifted slice */
          for (int c = 0; c < e->b; c++)
            memcpy (e->prev[i] + (size_t) c * op->nshift * hw,
                x + ((size_t) (c * e->t + e->t - 1) * s.c) * hw,
                sizeof (float) * op->nshift * hw);
        break;
      }
      case OP_SE:
        /* r = p + SE(h): the SE output itself is needed by nobody */
        add = sole_add_after (e, i, &other);
        ad_se_forward_add (e->n, s.c, s.h * s.w, op->se_r, x,
            param (e, op->p[0]), param (e, op->p[1]), param (e, op->p[2]),
            param (e, op->p[3]), add ? e->act[other] : NULL,
            add ? e->act[add->out] : y, e->cache[i]);
        i += add ? 1 : 0;
        break;
      case OP_ADD:
        ad_add (cnt, x, e->act[op->in2], y);
        break;
      case OP_UP:
        /* a direct conv reading it upsamples on the fly (its backward
         * too), so the upsampled buffer is not needed */
        if (!up_in_conv (e, i))
          ad_upsample2_forward (e->n, s.c, s.h, s.w, x, y);
        break;
      case OP_MEM:
        ad_mem_forward (&op->mem, e->n, s.h, s.w, x, param (e, op->p[0]), y,
            e->att[i], e->cache[i]);
        break;
    }
  }
  if (streaming)
    e->has_prev = 1;
}

/* Gradients of buffers: the first op to produce one writes it (no
 * zeroing, no adding), later ones add theirs. */

/* grad[id] for reading: zeros if nothing was written yet. */
static float *
grad_ready (ad_exec *e, int id)
{
  if (!e->gset[id]) {
    memset (e->grad[id], 0, buf_count (e, id) * sizeof (float));
    e->gset[id] = 1;
  }
  return e->grad[id];
}

/* Where an op writes the gradient of buffer id: the gradient itself when
 * it is still empty, else the scratch buffer, added by grad_done(). */
static float *
grad_target (ad_exec *e, int id, int *add)
{
  *add = e->gset[id];
  e->gset[id] = 1;
  return *add ? e->scratch : e->grad[id];
}

static void
grad_done (ad_exec *e, int id, int add)
{
  if (add)
    ad_axpy (buf_count (e, id), 1.0f, e->scratch, e->grad[id]);
}

/* grad[id] += src (or = src when empty) */
static void
grad_add (ad_exec *e, int id, const float *src)
{
  if (e->gset[id])
    ad_axpy (buf_count (e, id), 1.0f, src, e->grad[id]);
  else
    memcpy (e->grad[id], src, buf_count (e, id) * sizeof (float));
  e->gset[id] = 1;
}

/* Conv op i: weight, bias and input gradients, on the direct path when it
 * can (with a fused upsampling: from and into the upsampling's input),
 * else on the im2col path. */
static void
backward_conv (ad_exec *e, int i, float **grads)
{
  const ad_net *net = e->net;
  const ad_op *op = &net->ops[i];
  ad_shape s = net->bufs[op->in];
  const float *wt = param (e, op->p[0]);
  float *dy = grad_ready (e, op->out);
  if (op->relu)
    ad_relu_backward (buf_count (e, op->out), e->act[op->out], dy, dy);

  int pi = e->producer[op->in];
  int up = pi >= 0 && up_in_conv (e, pi);
  int src = up ? net->ops[pi].in : op->in;      /* x as stored */
  int h = up ? s.h / 2 : s.h, w = up ? s.w / 2 : s.w;
  if (ad_conv2d_direct (&op->conv))
    ad_dconv_backward_dw (&op->conv, e->n, h, w, up, e->act[src], dy,
        grads[op->p[0]], grads[op->p[1]], e->col, e->parallel);
  else
    ad_conv2d_backward (&op->conv, e->n, s.h, s.w, e->act[op->in], wt, dy,
        NULL, grads[op->p[0]], grads[op->p[1]], e->col);

  int dst = src;                                /* buffer getting dx */
  if (dst == net->in_buf)
    return;
  if (ad_dconv_backward_ok (&op->conv, h, w, up)) {
    ad_dconv_backward_dx (&op->conv, e->n, h, w, up, wt, dy, e->grad[dst],
        e->gset[dst], e->col, e->parallel);
    e->gset[dst] = 1;
  } else {
    int add;
    float *t = grad_target (e, op->in, &add);
    ad_conv2d_backward (&op->conv, e->n, s.h, s.w, e->act[op->in], wt, dy,
        t, NULL, NULL, e->col);
    grad_done (e, op->in, add);
  }
}

/* Gradient of every op's input; grads[] (parameters) accumulated. */
static void
backward (ad_exec *e, float **grads)
{
  const ad_net *net = e->net;
  const ad_config *cfg = &e->m->cfg;
  for (int i = net->n_ops - 1; i >= 0; i--) {
    const ad_op *op = &net->ops[i];
    ad_shape s = net->bufs[op->in];
    const float *x = e->act[op->in];
    int add;
    float *t, *dy;
    switch (op->type) {
      case OP_CONV:
        backward_conv (e, i, grads);
        break;
      case OP_TSHIFT:
        dy = grad_ready (e, op->out);
        t = grad_target (e, op->in, &add);
        ad_tshift_backward (e->b, e->t, s.c, s.h * s.w, op->nshift, dy, t);
        grad_done (e, op->in, add);
        break;
      case OP_SE:
        dy = grad_ready (e, op->out);
        t = grad_target (e, op->in, &add);
        ad_se_backward (e->n, s.c, s.h * s.w, op->se_r, x,
            param (e, op->p[0]), param (e, op->p[2]), e->cache[i], dy, t,
            grads[op->p[0]], grads[op->p[1]], grads[op->p[2]],
            grads[op->p[3]]);
        grad_done (e, op->in, add);
        break;
      case OP_ADD:
        dy = grad_ready (e, op->out);
        grad_add (e, op->in, dy);
        grad_add (e, op->in2, dy);
        break;
      case OP_UP:
        if (up_in_conv (e, i))
          break;                  /* the conv wrote our input's gradient */
        dy = grad_ready (e, op->out);
        t = grad_target (e, op->in, &add);
        ad_upsample2_backward (e->n, s.c, s.h, s.w, dy, t);
        grad_done (e, op->in, add);
        break;
      case OP_MEM:{
        size_t na = (size_t) e->n * s.h * s.w * op->mem.m;
        float *dx = grad_ready (e, op->in);
        dy = grad_ready (e, op->out);
        memset (e->datt[i], 0, na * sizeof (float));
        ad_mem_losses (&op->mem, e->n, s.h, s.w, x, param (e, op->p[0]),
            e->att[i], cfg->w_entropy, cfg->w_compact, cfg->w_separate,
            cfg->sep_margin, e->datt[i], dx, grads[op->p[0]]);
        ad_mem_backward (&op->mem, e->n, s.h, s.w, x, param (e, op->p[0]),
            e->att[i], e->cache[i], dy, e->datt[i], e->scratch,
            grads[op->p[0]]);
        ad_axpy (buf_count (e, op->in), 1.0f, e->scratch, dx);
        break;
      }
    }
  }
}

ad_status
ad_exec_step (ad_exec *e, const float *in, const float *target,
    float **grads, ad_progress *losses)
{
  const ad_net *net = e->net;
  const ad_config *cfg = &e->m->cfg;
  memcpy (e->act[net->in_buf], in, buf_count (e, net->in_buf) * sizeof (float));
  forward (e, 0);

  /* Reconstruction loss: mean squared error over every output element. */
  size_t n_out = buf_count (e, net->out_buf);
  const float *y = e->act[net->out_buf];
  double mse = 0.0;
  for (size_t i = 0; i < n_out; i++) {
    double d = (double) y[i] - target[i];
    mse += d * d;
  }
  mse /= (double) n_out;

  ad_mem_loss ml_sum = { 0 };
  for (int i = 0; i < net->n_ops; i++) {
    const ad_op *op = &net->ops[i];
    if (op->type != OP_MEM)
      continue;
    ad_shape s = net->bufs[op->in];
    ad_mem_loss ml = ad_mem_losses (&op->mem, e->n, s.h, s.w, e->act[op->in],
        param (e, op->p[0]), e->att[i], 0, 0, 0, cfg->sep_margin, NULL, NULL,
        NULL);
    ml_sum.entropy += ml.entropy;
    ml_sum.compact += ml.compact;
    ml_sum.separate += ml.separate;
  }
  if (losses) {
    losses->loss_recon = (float) mse;
    losses->loss_entropy = ml_sum.entropy;
    losses->loss_compact = ml_sum.compact;
    losses->loss_separate = ml_sum.separate;
    losses->loss = (float) mse + cfg->w_entropy * ml_sum.entropy +
        cfg->w_compact * ml_sum.compact + cfg->w_separate * ml_sum.separate;
  }
  if (!grads)
    return AD_OK;

  for (int i = 0; i < net->n_bufs; i++) {
    if (!e->grad[i] && !(e->grad[i] = ad_alloc (buf_count (e, i))))
      return AD_ERR_NOMEM;
    e->gset[i] = 0;
  }
  float *dy = e->grad[net->out_buf];
  float k = 2.0f / (float) n_out;
  for (size_t i = 0; i < n_out; i++)
    dy[i] = k * (y[i] - target[i]);
  e->gset[net->out_buf] = 1;
  backward (e, grads);
  return AD_OK;
}

const float *
ad_exec_output (const ad_exec *e)
{
  return e->act[e->net->out_buf];
}

void
ad_exec_set_parallel (ad_exec *e, int parallel)
{
  e->parallel = parallel;
}

void
ad_exec_reset_state (ad_exec *e)
{
  e->has_prev = 0;
}

ad_status
ad_exec_stream (ad_exec *e, const float *in, float *out)
{
  if (e->t != 1)
    return AD_ERR_STATE;
  const ad_net *net = e->net;
  memcpy (e->act[net->in_buf], in, buf_count (e, net->in_buf) * sizeof (float));
  forward (e, 1);
  memcpy (out, e->act[net->out_buf],
      buf_count (e, net->out_buf) * sizeof (float));
  return AD_OK;
}

const float *
ad_exec_neck (const ad_exec *e, int *c, int *h, int *w)
{
  ad_shape s = e->net->bufs[e->net->neck_buf];
  *c = s.c;
  *h = s.h;
  *w = s.w;
  return e->act[e->net->neck_buf];
}

const float *
ad_exec_mem_query (const ad_exec *e, int k, int *n, int *c, int *h, int *w,
    char *item_name, size_t name_len)
{
  const ad_net *net = e->net;
  for (int i = 0; i < net->n_ops; i++) {
    const ad_op *op = &net->ops[i];
    if (op->type != OP_MEM || k-- > 0)
      continue;
    ad_shape s = net->bufs[op->in];
    *n = e->n;
    *c = s.c;
    *h = s.h;
    *w = s.w;
    snprintf (item_name, name_len, "%s", e->m->tensors[op->p[0]].name);
    return e->act[op->in];
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Streams                                                                  */

struct ad_stream {
  const ad_model *m;
  ad_exec *exec;
  float *pred;          /* [Cout,H,W] prediction made at the last frame */
  int has_pred;
  const float *feat_normal;   /* the model's feat_normal when learned at
                               * the stream's creation (ad-feat.c), else
                               * NULL: no novelty plane */
  float *feat_tmp;            /* [3, h, w] scratch of ad_feat_plane */
};

ad_status
ad_stream_new (const ad_model *m, ad_stream **out, ad_error *err)
{
  *out = NULL;
  if (!m)
    return ad_fail (err, AD_ERR_ARG, "no model");
  ad_stream *s = calloc (1, sizeof *s);
  if (!s)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  s->m = m;
  ad_status st = ad_exec_new (m, 1, 1, &s->exec, err);
  if (st == AD_OK)
    ad_exec_set_parallel (s->exec, 1);   /* batch 1: layers over the pool */
  size_t n = (size_t) ad_config_out_channels (&m->cfg) * m->cfg.width *
      m->cfg.height;
  if (st == AD_OK && !(s->pred = ad_alloc (n)))
    st = ad_fail (err, AD_ERR_NOMEM, "out of memory");
  if (st == AD_OK &&
      ad_model_recon_channels (m) > ad_config_out_channels (&m->cfg)) {
    int c, h, w;
    ad_exec_neck (s->exec, &c, &h, &w);
    s->feat_normal = ad_model_tensor ((ad_model *) m, "feat_normal")->data;
    if (!(s->feat_tmp = ad_alloc (3 * (size_t) h * w)))
      st = ad_fail (err, AD_ERR_NOMEM, "out of memory");
  }
  if (st != AD_OK) {
    ad_stream_free (s);
    return st;
  }
  *out = s;
  return AD_OK;
}

void
ad_stream_free (ad_stream *s)
{
  if (!s)
    return;
  ad_exec_free (s->exec);
  ad_free (s->pred);
  ad_free (s->feat_tmp);
  free (s);
}

void
ad_stream_reset (ad_stream *s)
{
  ad_exec_reset_state (s->exec);
  s->has_pred = 0;
}

ad_status
ad_stream_process (ad_stream *s, const float *feat, float *recon, int *valid,
    ad_error *err)
{
  if (!s || !feat || !recon || !valid)
    return ad_fail (err, AD_ERR_ARG, "missing argument");
  size_t n = (size_t) ad_config_out_channels (&s->m->cfg) * s->m->cfg.width *
      s->m->cfg.height;
  ad_status st;
  if (s->m->cfg.task == AD_TASK_PREDICT) {
    *valid = s->has_pred;
    if (s->has_pred)
      memcpy (recon, s->pred, n * sizeof (float));
    st = ad_exec_stream (s->exec, feat, s->pred);
    s->has_pred = st == AD_OK;
  } else {
    st = ad_exec_stream (s->exec, feat, recon);
    *valid = st == AD_OK;
  }
  if (st != AD_OK)
    return ad_fail (err, st, "streaming forward failed");
  /* this frame's feature novelty, after the estimate's planes */
  if (s->feat_normal) {
    int c, h, w;
    const float *z = ad_exec_neck (s->exec, &c, &h, &w);
    ad_feat_plane (z, s->feat_normal, c, h, w, s->m->cfg.height,
        s->m->cfg.width, s->feat_tmp, recon + n);
  }
  return AD_OK;
}

const float *
ad_stream_neck (const ad_stream *s, int *c, int *h, int *w)
{
  return ad_exec_neck (s->exec, c, h, w);
}

int
ad_model_recon_channels (const ad_model *m)
{
  const ad_tensor *fs = ad_model_tensor ((ad_model *) m, "feat_stats");
  const ad_tensor *fn = ad_model_tensor ((ad_model *) m, "feat_normal");
  return ad_config_out_channels (&m->cfg) + (fs && fn && fs->count >= 3 &&
      fs->data[0] > 0.0f);
}
