/* test-layers.c - the layers of ad-layers.c.
 *
 * Forward passes are compared with plain double-precision loops written
 * straight from the definitions in ad-internal.h.  Every backward pass is
 * checked against central finite differences of the scalar loss
 *   L = sum (y * r),  r fixed and random,
 * accumulated in double (for channel attention the loss is evaluated on the
 * double reference, which is itself checked against the float forward); the
 * analytic gradient is the backward pass run with
 * dy = r.  Per element rel = |a - n| / max(1e-3, |a| + |n|); every layer must
 * have max rel < REL_BOUND over all its elements (or a random subset of
 * FD_SUBSET elements for larger arrays).  Inputs that meet a ReLU are kept at
 * least KINK_GAP away from zero so that no finite-difference step crosses a
 * kink.  Also checked: dx is overwritten (pre-filled with garbage), dw/db
 * are accumulated (pre-filled with an offset), the conv workspace is not
 * written past ad_conv2d_col_size(), and the in-place use of ReLU.
 */
#include "ad-internal.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define FD_EPS 1e-2f
#define REL_BOUND 2e-2
#define FD_SUBSET 80
#define FD_ALL_BELOW 300
#define KINK_GAP 0.1f
#define GARBAGE 12345.0f
#define ACC_OFFSET 0.75f

static ad_rng rng;

static float *
rand_buf (size_t count, float scale)
{
  float *p = ad_alloc (count);
  for (size_t i = 0; i < count; i++)
    p[i] = scale * (2.0f * ad_rng_uniform (&rng) - 1.0f);
  return p;
}

static void
fill (float *p, size_t count, float v)
{
  for (size_t i = 0; i < count; i++)
    p[i] = v;
}

/* sum (y * r) in double; y, r [count] */
static double
dot_d (const float *y, const float *r, size_t count)
{
  double acc = 0.0;
  for (size_t i = 0; i < count; i++)
    acc += (double) y[i] * (double) r[i];
  return acc;
}

/* ------------------------------------------------------------------------ */
/* Finite-difference driver                                                 */

typedef double (*loss_fn) (void *ctx);

/* Compares analytic [count] with central differences of f over param
 * [count]; returns the max relative error and prints it. */
static double
fd_check (const char *what, loss_fn f, void *ctx, float *param, size_t count,
    const float *analytic)
{
  size_t n_check = count <= FD_ALL_BELOW ? count : FD_SUBSET;
  double worst = 0.0;
  size_t worst_i = 0;
  double worst_a = 0.0, worst_n = 0.0;
  for (size_t j = 0; j < n_check; j++) {
    size_t i = count <= FD_ALL_BELOW ? j : ad_rng_u32 (&rng) % count;
    float keep = param[i];
    param[i] = keep + FD_EPS;
    double lp = f (ctx);
    param[i] = keep - FD_EPS;
    double lm = f (ctx);
    param[i] = keep;
    /* the actual step after float rounding */
    double step = (double) (keep + FD_EPS) - (double) (keep - FD_EPS);
    double num = (lp - lm) / step;
    double a = analytic[i];
    double den = fabs (a) + fabs (num);
    double rel = fabs (a - num) / (den > 1e-3 ? den : 1e-3);
    if (rel > worst) {
      worst = rel;
      worst_i = i;
      worst_a = a;
      worst_n = num;
    }
  }
  printf ("  %-28s %4zu of %6zu elements  max rel err %.2e",
      what, n_check, count, worst);
  if (worst > 0.0)
    printf ("  (at %zu: analytic %.6g numeric %.6g)", worst_i, worst_a,
        worst_n);
  printf ("\n");
  fflush (stdout);
  CHECK (worst < REL_BOUND, "%s: max rel err %g >= %g", what, worst,
      REL_BOUND);
  return worst;
}

/* ------------------------------------------------------------------------ */
/* Convolution                                                              */

typedef struct conv_case {
  int n, ci, co, k, stride, pad, h, w, bias;
} conv_case;

/* x [N,Ci,H,W], wt [Co,Ci*k*k], b [Co] or NULL -> y [N,Co,Ho,Wo] */
static void
ref_conv (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, double *y)
{
  int ho, wo, k = c->k;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  for (int i = 0; i < n; i++)
    for (int o = 0; o < c->co; o++)
      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++) {
          double acc = b ? b[o] : 0.0;
          for (int ci = 0; ci < c->ci; ci++)
            for (int ky = 0; ky < k; ky++)
              for (int kx = 0; kx < k; kx++) {
                int iy = oy * c->stride - c->pad + ky;
                int ix = ox * c->stride - c->pad + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                  continue;
                acc += (double) wt[((size_t) o * c->ci + ci) * k * k + ky * k
                    + kx] * x[(((size_t) i * c->ci + ci) * h + iy) * w + ix];
              }
          y[(((size_t) i * c->co + o) * ho + oy) * wo + ox] = acc;
        }
}

typedef struct conv_ctx {
  ad_conv c;
  int n, h, w, ho, wo;
  float *x, *wt, *b, *y, *col, *r;
} conv_ctx;

static double
conv_loss (void *p)
{
  conv_ctx *k = p;
  ad_conv2d_forward (&k->c, k->n, k->h, k->w, k->x, k->wt, k->b, k->y,
      k->col);
  return dot_d (k->y, k->r, (size_t) k->n * k->c.co * k->ho * k->wo);
}

static const conv_case conv_cases[] = {
  /* n ci co k s p  h  w  bias */
  { 2, 3, 4, 1, 1, 0, 7, 5, 1 },    /* pointwise: no im2col */
  { 2, 3, 5, 3, 1, 1, 7, 5, 1 },
  { 1, 2, 3, 3, 2, 1, 7, 5, 1 },
  { 2, 4, 2, 3, 2, 0, 9, 7, 0 },
  { 1, 2, 3, 1, 2, 0, 7, 5, 1 },    /* strided 1x1 goes through im2col */
  { 1, 3, 2, 3, 1, 0, 6, 8, 1 },
  { 1, 2, 2, 1, 1, 1, 5, 7, 1 },    /* padded 1x1 */
  { 1, 2, 3, 5, 1, 2, 7, 5, 0 },
  { 1, 1, 2, 3, 2, 1, 8, 6, 1 },
  { 1, 2, 2, 3, 1, 1, 1, 1, 1 },    /* 1x1 image, all padding */
};

static void
test_conv_forward (void)
{
  printf ("conv forward vs direct loop\n");
  for (size_t t = 0; t < sizeof conv_cases / sizeof conv_cases[0]; t++) {
    const conv_case *cc = &conv_cases[t];
    ad_conv c = { cc->ci, cc->co, cc->k, cc->stride, cc->pad };
    int ho, wo;
    ad_conv2d_out_size (&c, cc->h, cc->w, &ho, &wo);
    size_t nx = (size_t) cc->n * cc->ci * cc->h * cc->w;
    size_t ny = (size_t) cc->n * cc->co * ho * wo;
    size_t ncol = ad_conv2d_col_size (&c, cc->h, cc->w);
    float *x = rand_buf (nx, 1.0f);
    float *wt = rand_buf ((size_t) cc->co * cc->ci * cc->k * cc->k, 1.0f);
    float *b = cc->bias ? rand_buf (cc->co, 1.0f) : NULL;
    float *y = ad_alloc (ny);
    float *col = ad_alloc (ncol + 16);
    double *ref = malloc (ny * sizeof (double));
    fill (y, ny, GARBAGE);
    fill (col + ncol, 16, GARBAGE);
    ad_conv2d_forward (&c, cc->n, cc->h, cc->w, x, wt, b, y, col);
    ref_conv (&c, cc->n, cc->h, cc->w, x, wt, b, ref);
    double md = 0.0;
    for (size_t i = 0; i < ny; i++)
      md = fmax (md, fabs (y[i] - ref[i]));
    int guard_ok = 1;
    for (int i = 0; i < 16; i++)
      guard_ok &= col[ncol + i] == GARBAGE;
    printf ("  n%d ci%d co%d k%d s%d p%d %dx%d -> %dx%d%s: max abs diff "
        "%.2e\n", cc->n, cc->ci, cc->co, cc->k, cc->stride, cc->pad, cc->h,
        cc->w, ho, wo, cc->bias ? "" : " (no bias)", md);
    CHECK (md < 1e-4, "conv case %zu: max abs diff %g", t, md);
    CHECK (guard_ok, "conv case %zu: col written past its size", t);
    ad_free (x);
    ad_free (wt);
    ad_free (b);
    ad_free (y);
    ad_free (col);
    free (ref);
  }
}

static void
test_conv_grad (const conv_case *cc)
{
  conv_ctx k;
  k.c = (ad_conv) { cc->ci, cc->co, cc->k, cc->stride, cc->pad };
  k.n = cc->n;
  k.h = cc->h;
  k.w = cc->w;
  ad_conv2d_out_size (&k.c, k.h, k.w, &k.ho, &k.wo);
  size_t nx = (size_t) k.n * cc->ci * k.h * k.w;
  size_t ny = (size_t) k.n * cc->co * k.ho * k.wo;
  size_t nw = (size_t) cc->co * cc->ci * cc->k * cc->k;
  k.x = rand_buf (nx, 1.0f);
  k.wt = rand_buf (nw, 1.0f);
  k.b = rand_buf (cc->co, 1.0f);
  k.y = ad_alloc (ny);
  k.r = rand_buf (ny, 1.0f);
  k.col = ad_alloc (ad_conv2d_col_size (&k.c, k.h, k.w));
  float *dx = ad_alloc (nx), *dw = ad_alloc (nw), *db = ad_alloc (cc->co);
  fill (dx, nx, GARBAGE);
  fill (dw, nw, ACC_OFFSET);
  fill (db, cc->co, ACC_OFFSET);

  conv_loss (&k);
  ad_conv2d_backward (&k.c, k.n, k.h, k.w, k.x, k.wt, k.r, dx, dw, db,
      k.col);
  for (size_t i = 0; i < nw; i++)
    dw[i] -= ACC_OFFSET;
  for (int i = 0; i < cc->co; i++)
    db[i] -= ACC_OFFSET;

  char name[64];
  printf ("conv n%d ci%d co%d k%d s%d p%d %dx%d\n", cc->n, cc->ci, cc->co,
      cc->k, cc->stride, cc->pad, cc->h, cc->w);
  snprintf (name, sizeof name, "conv dx");
  fd_check (name, conv_loss, &k, k.x, nx, dx);
  fd_check ("conv dw", conv_loss, &k, k.wt, nw, dw);
  fd_check ("conv db", conv_loss, &k, k.b, cc->co, db);

  /* dx = NULL skips dx; db = NULL skips db; dw is still the same */
  float *dw2 = ad_alloc (nw);
  ad_conv2d_backward (&k.c, k.n, k.h, k.w, k.x, k.wt, k.r, NULL, dw2, NULL,
      k.col);
  double md = 0.0;
  for (size_t i = 0; i < nw; i++)
    md = fmax (md, fabs (dw2[i] - dw[i]));
  CHECK (md < 1e-4, "conv dw with dx=NULL, db=NULL differs by %g", md);

  ad_free (dw2);
  ad_free (dx);
  ad_free (dw);
  ad_free (db);
  ad_free (k.x);
  ad_free (k.wt);
  ad_free (k.b);
  ad_free (k.y);
  ad_free (k.r);
  ad_free (k.col);
}

/* ------------------------------------------------------------------------ */
/* Upsampling, ReLU                                                         */

typedef struct up_ctx {
  int n, c, h, w;
  float *x, *y, *r;
} up_ctx;

static double
up_loss (void *p)
{
  up_ctx *u = p;
  ad_upsample2_forward (u->n, u->c, u->h, u->w, u->x, u->y);
  return dot_d (u->y, u->r, (size_t) u->n * u->c * 4 * u->h * u->w);
}

static void
test_upsample (void)
{
  up_ctx u = { 2, 3, 3, 5, NULL, NULL, NULL };
  size_t nx = (size_t) u.n * u.c * u.h * u.w, ny = 4 * nx;
  u.x = rand_buf (nx, 1.0f);
  u.y = ad_alloc (ny);
  u.r = rand_buf (ny, 1.0f);
  float *dx = ad_alloc (nx);
  fill (dx, nx, GARBAGE);

  up_loss (&u);
  int ok = 1;
  for (int pl = 0; pl < u.n * u.c; pl++)
    for (int y = 0; y < 2 * u.h; y++)
      for (int x = 0; x < 2 * u.w; x++)
        ok &= u.y[((size_t) pl * 2 * u.h + y) * 2 * u.w + x] ==
            u.x[((size_t) pl * u.h + y / 2) * u.w + x / 2];
  CHECK (ok, "upsample forward is not nearest x2");

  ad_upsample2_backward (u.n, u.c, u.h, u.w, u.r, dx);
  printf ("upsample x2 n%d c%d %dx%d\n", u.n, u.c, u.h, u.w);
  fd_check ("upsample dx", up_loss, &u, u.x, nx, dx);
  ad_free (u.x);
  ad_free (u.y);
  ad_free (u.r);
  ad_free (dx);
}

typedef struct relu_ctx {
  size_t count;
  float *x, *y, *r;
} relu_ctx;

static double
relu_loss (void *p)
{
  relu_ctx *u = p;
  ad_relu_forward (u->count, u->x, u->y);
  return dot_d (u->y, u->r, u->count);
}

static void
test_relu (void)
{
  relu_ctx u;
  u.count = 257;
  u.x = ad_alloc (u.count);
  for (size_t i = 0; i < u.count; i++) {
    float m = KINK_GAP + ad_rng_uniform (&rng);
    u.x[i] = ad_rng_u32 (&rng) & 1 ? m : -m;
  }
  u.y = ad_alloc (u.count);
  u.r = rand_buf (u.count, 1.0f);
  float *dx = ad_alloc (u.count), *tmp = ad_alloc (u.count);
  fill (dx, u.count, GARBAGE);

  relu_loss (&u);
  int ok = 1;
  for (size_t i = 0; i < u.count; i++)
    ok &= u.y[i] == (u.x[i] > 0.0f ? u.x[i] : 0.0f);
  CHECK (ok, "relu forward values");
  ad_relu_backward (u.count, u.y, u.r, dx);
  printf ("relu %zu values\n", u.count);
  fd_check ("relu dx", relu_loss, &u, u.x, u.count, dx);

  /* in place: y = x, dx = dy */
  memcpy (tmp, u.x, u.count * sizeof (float));
  ad_relu_forward (u.count, tmp, tmp);
  CHECK (memcmp (tmp, u.y, u.count * sizeof (float)) == 0,
      "in-place relu forward differs");
  memcpy (tmp, u.r, u.count * sizeof (float));
  ad_relu_backward (u.count, u.y, tmp, tmp);
  CHECK (memcmp (tmp, dx, u.count * sizeof (float)) == 0,
      "in-place relu backward differs");

  ad_free (u.x);
  ad_free (u.y);
  ad_free (u.r);
  ad_free (dx);
  ad_free (tmp);
}

/* ------------------------------------------------------------------------ */
/* Temporal shift                                                           */

typedef struct ts_ctx {
  int b, t, c, hw, nshift;
  float *x, *prev, *y, *r;
} ts_ctx;

static double
ts_loss (void *p)
{
  ts_ctx *u = p;
  ad_tshift_forward (u->b, u->t, u->c, u->hw, u->nshift, u->x, u->prev,
      u->y);
  return dot_d (u->y, u->r, (size_t) u->b * u->t * u->c * u->hw);
}

static void
test_tshift (int with_prev, int nshift)
{
  ts_ctx u = { 2, 3, 4, 6, nshift, NULL, NULL, NULL, NULL };
  size_t frame = (size_t) u.c * u.hw, nx = (size_t) u.b * u.t * frame;
  size_t part = (size_t) nshift * u.hw;
  u.x = rand_buf (nx, 1.0f);
  u.prev = with_prev ? rand_buf ((size_t) u.b * part + 1, 1.0f) : NULL;
  u.y = ad_alloc (nx);
  u.r = rand_buf (nx, 1.0f);
  float *dx = ad_alloc (nx);
  fill (dx, nx, GARBAGE);

  ts_loss (&u);
  /* forward: element by element from the definition */
  int ok = 1;
  for (int b = 0; b < u.b; b++)
    for (int t = 0; t < u.t; t++)
      for (int c = 0; c < u.c; c++)
        for (int p = 0; p < u.hw; p++) {
          size_t f = (size_t) b * u.t + t;
          float got = u.y[(f * u.c + c) * u.hw + p], want;
          if (c >= nshift)
            want = u.x[(f * u.c + c) * u.hw + p];
          else if (t > 0)
            want = u.x[((f - 1) * u.c + c) * u.hw + p];
          else if (u.prev)
            want = u.prev[((size_t) b * nshift + c) * u.hw + p];
          else
            want = 0.0f;
          ok &= got == want;
        }
  CHECK (ok, "tshift forward values (prev %d, nshift %d)", with_prev,
      nshift);

  ad_tshift_backward (u.b, u.t, u.c, u.hw, u.nshift, u.r, dx);
  char name[64];
  snprintf (name, sizeof name, "tshift dx (%s, nshift %d)",
      with_prev ? "prev" : "no prev", nshift);
  printf ("temporal shift b%d t%d c%d hw%d\n", u.b, u.t, u.c, u.hw);
  fd_check (name, ts_loss, &u, u.x, nx, dx);
  ad_free (u.x);
  ad_free (u.prev);
  ad_free (u.y);
  ad_free (u.r);
  ad_free (dx);
}

/* ------------------------------------------------------------------------ */
/* Squeeze-excitation                                                       */

typedef struct se_ctx {
  int n, c, hw, r;
  float *x, *w1, *b1, *w2, *b2, *y, *cache, *rr;
  double *yd, *z1;        /* reference output [N,C,HW], pre-ReLU [N,R] */
} se_ctx;

static void ref_se (const se_ctx *u, double *y, double *z1);

/* SE differences are taken on the double reference (checked against the
 * float forward below): its output depends on every input through the
 * channel means, and float rounding of all N*C*HW outputs would otherwise
 * swamp the differences of the wide case. */
static double
se_loss (void *p)
{
  se_ctx *u = p;
  size_t count = (size_t) u->n * u->c * u->hw;
  double acc = 0.0;
  ref_se (u, u->yd, u->z1);
  for (size_t i = 0; i < count; i++)
    acc += u->yd[i] * u->rr[i];
  return acc;
}

/* Double reference of the SE forward; y [N,C,HW]; z1 [N,R] pre-ReLU. */
static void
ref_se (const se_ctx *u, double *y, double *z1)
{
  int c = u->c, r = u->r, hw = u->hw;
  double *m = malloc (c * sizeof (double)), *a = malloc (r * sizeof (double));
  for (int i = 0; i < u->n; i++) {
    const float *xi = u->x + (size_t) i * c * hw;
    for (int ch = 0; ch < c; ch++) {
      m[ch] = 0.0;
      for (int p = 0; p < hw; p++)
        m[ch] += xi[ch * hw + p];
      m[ch] /= hw;
    }
    for (int q = 0; q < r; q++) {
      double z = u->b1[q];
      for (int ch = 0; ch < c; ch++)
        z += (double) u->w1[q * c + ch] * m[ch];
      z1[i * r + q] = z;
      a[q] = z > 0.0 ? z : 0.0;
    }
    for (int ch = 0; ch < c; ch++) {
      double z = u->b2[ch];
      for (int q = 0; q < r; q++)
        z += (double) u->w2[ch * r + q] * a[q];
      double s = 1.0 / (1.0 + exp (-z));
      for (int p = 0; p < hw; p++)
        y[((size_t) i * c + ch) * hw + p] = xi[ch * hw + p] * s;
    }
  }
  free (m);
  free (a);
}

static void
test_se (int n, int c, int hw, int r)
{
  se_ctx u = { n, c, hw, r, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL };
  size_t nx = (size_t) n * c * hw;
  double *ref = malloc (nx * sizeof (double));
  double *z1 = malloc ((size_t) n * r * sizeof (double));
  u.yd = malloc (nx * sizeof (double));
  u.z1 = malloc ((size_t) n * r * sizeof (double));
  /* draw until every fc1 pre-activation is KINK_GAP away from the ReLU
   * kink and both signs occur (so both branches of the mask are tested) */
  for (int tries = 0;; tries++) {
    ad_free (u.x);
    ad_free (u.w1);
    ad_free (u.b1);
    u.x = rand_buf (nx, 1.0f);
    for (size_t i = 0; i < nx; i++)
      u.x[i] += 0.3f * (float) ((i / hw) % 3);      /* distinct channel means */
    u.w1 = rand_buf ((size_t) r * c, 1.0f);
    u.b1 = rand_buf (r, 0.5f);
    ad_free (u.w2);
    ad_free (u.b2);
    u.w2 = rand_buf ((size_t) c * r, 1.5f);
    u.b2 = rand_buf (c, 0.5f);
    ref_se (&u, ref, z1);
    int pos = 0, neg = 0, near = 0;
    for (int i = 0; i < n * r; i++) {
      pos += z1[i] > 0.0;
      neg += z1[i] < 0.0;
      near += fabs (z1[i]) < KINK_GAP;
    }
    if (!near && pos && neg)
      break;
    if (tries > 1000) {
      CHECK (0, "could not draw SE data away from the ReLU kink");
      break;
    }
  }
  u.y = ad_alloc (nx);
  u.rr = rand_buf (nx, 1.0f);
  u.cache = ad_alloc (ad_se_cache_size (n, c, r));

  ad_se_forward (n, c, hw, r, u.x, u.w1, u.b1, u.w2, u.b2, u.y, u.cache);
  double md = 0.0;
  for (size_t i = 0; i < nx; i++)
    md = fmax (md, fabs (u.y[i] - ref[i]));
  printf ("squeeze-excitation n%d c%d hw%d r%d: forward max abs diff %.2e\n",
      n, c, hw, r, md);
  CHECK (md < 1e-5, "SE forward differs from reference by %g", md);

  float *dx = ad_alloc (nx);
  float *dw1 = ad_alloc ((size_t) r * c), *db1 = ad_alloc (r);
  float *dw2 = ad_alloc ((size_t) c * r), *db2 = ad_alloc (c);
  fill (dx, nx, GARBAGE);
  fill (dw1, (size_t) r * c, ACC_OFFSET);
  fill (db1, r, ACC_OFFSET);
  fill (dw2, (size_t) c * r, ACC_OFFSET);
  fill (db2, c, ACC_OFFSET);
  ad_se_backward (n, c, hw, r, u.x, u.w1, u.w2, u.cache, u.rr, dx, dw1, db1,
      dw2, db2);
  for (int i = 0; i < r * c; i++) {
    dw1[i] -= ACC_OFFSET;
    dw2[i] -= ACC_OFFSET;
  }
  for (int i = 0; i < r; i++)
    db1[i] -= ACC_OFFSET;
  for (int i = 0; i < c; i++)
    db2[i] -= ACC_OFFSET;

  fd_check ("se dx", se_loss, &u, u.x, nx, dx);
  fd_check ("se dw1", se_loss, &u, u.w1, (size_t) r * c, dw1);
  fd_check ("se db1", se_loss, &u, u.b1, r, db1);
  fd_check ("se dw2", se_loss, &u, u.w2, (size_t) c * r, dw2);
  fd_check ("se db2", se_loss, &u, u.b2, c, db2);

  free (ref);
  free (z1);
  free (u.yd);
  free (u.z1);
  ad_free (u.x);
  ad_free (u.w1);
  ad_free (u.b1);
  ad_free (u.w2);
  ad_free (u.b2);
  ad_free (u.y);
  ad_free (u.rr);
  ad_free (u.cache);
  ad_free (dx);
  ad_free (dw1);
  ad_free (db1);
  ad_free (dw2);
  ad_free (db2);
}

/* Frames are processed in chunks that fit a stack scratch; running all N
 * frames at once must agree with running them one at a time. */
static void
test_se_chunks (void)
{
  int n = 9, c = 256, hw = 4, r = 64;
  size_t nx = (size_t) n * c * hw, fr = (size_t) c * hw;
  size_t per = (size_t) (2 * c + r);
  float *x = rand_buf (nx, 1.0f), *dy = rand_buf (nx, 1.0f);
  float *w1 = rand_buf ((size_t) r * c, 0.2f), *b1 = rand_buf (r, 0.5f);
  float *w2 = rand_buf ((size_t) c * r, 0.2f), *b2 = rand_buf (c, 0.5f);
  float *y = ad_alloc (nx), *cache = ad_alloc (ad_se_cache_size (n, c, r));
  float *dx = ad_alloc (nx), *dx1 = ad_alloc (nx);
  float *g[4], *g1[4];
  size_t gn[4] = { (size_t) r * c, (size_t) r, (size_t) c * r, (size_t) c };
  for (int i = 0; i < 4; i++) {
    g[i] = ad_alloc (gn[i]);
    g1[i] = ad_alloc (gn[i]);
  }
  ad_se_forward (n, c, hw, r, x, w1, b1, w2, b2, y, cache);
  ad_se_backward (n, c, hw, r, x, w1, w2, cache, dy, dx, g[0], g[1], g[2],
      g[3]);
  for (int i = 0; i < n; i++)
    ad_se_backward (1, c, hw, r, x + i * fr, w1, w2, cache + i * per,
        dy + i * fr, dx1 + i * fr, g1[0], g1[1], g1[2], g1[3]);
  double md = 0.0;
  for (size_t i = 0; i < nx; i++)
    md = fmax (md, fabs (dx[i] - dx1[i]) / (1.0 + fabs (dx1[i])));
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < gn[k]; i++)
      md = fmax (md, fabs (g[k][i] - g1[k][i]) / (1.0 + fabs (g1[k][i])));
  printf ("squeeze-excitation n%d c%d r%d in chunks vs frame by frame: "
      "max rel diff %.2e\n", n, c, r, md);
  CHECK (md < 1e-4, "SE backward in chunks differs by %g", md);
  ad_free (x);
  ad_free (dy);
  ad_free (w1);
  ad_free (b1);
  ad_free (w2);
  ad_free (b2);
  ad_free (y);
  ad_free (cache);
  ad_free (dx);
  ad_free (dx1);
  for (int i = 0; i < 4; i++) {
    ad_free (g[i]);
    ad_free (g1[i]);
  }
}

/* ------------------------------------------------------------------------ */
/* Elementwise helpers, timing                                              */

static void
test_elementwise (void)
{
  size_t n = 101;
  float *a = rand_buf (n, 1.0f), *b = rand_buf (n, 1.0f), *y = ad_alloc (n);
  ad_add (n, a, b, y);
  int ok = 1;
  for (size_t i = 0; i < n; i++)
    ok &= y[i] == a[i] + b[i];
  CHECK (ok, "ad_add");
  memcpy (y, b, n * sizeof (float));
  ad_axpy (n, -0.5f, a, y);
  double md = 0.0;
  for (size_t i = 0; i < n; i++)
    md = fmax (md, fabs (y[i] - (b[i] - 0.5 * a[i])));
  CHECK (md < 1e-6, "ad_axpy differs by %g", md);
  ad_free (a);
  ad_free (b);
  ad_free (y);
}

/* Frame-rate shape: x [1,32,60,80] -> 3x3 conv -> [1,32,60,80]. */
static void
time_conv (void)
{
  ad_conv c = { 32, 32, 3, 1, 1 };
  int h = 60, w = 80, reps = 20;
  size_t nx = (size_t) 32 * h * w, nw = (size_t) 32 * 32 * 9;
  float *x = rand_buf (nx, 1.0f), *wt = rand_buf (nw, 0.1f);
  float *b = rand_buf (32, 0.1f), *y = ad_alloc (nx), *dx = ad_alloc (nx);
  float *dw = ad_alloc (nw), *db = ad_alloc (32);
  float *col = ad_alloc (ad_conv2d_col_size (&c, h, w));
  ad_conv2d_forward (&c, 1, h, w, x, wt, b, y, col);
  double t0 = ad_now ();
  for (int i = 0; i < reps; i++)
    ad_conv2d_forward (&c, 1, h, w, x, wt, b, y, col);
  double t1 = ad_now ();
  for (int i = 0; i < reps; i++)
    ad_conv2d_backward (&c, 1, h, w, x, wt, y, dx, dw, db, col);
  double t2 = ad_now ();
  printf ("timing: conv3x3 [1,32,60,80]: forward %.2f ms, backward %.2f ms\n",
      1e3 * (t1 - t0) / reps, 1e3 * (t2 - t1) / reps);
  ad_free (x);
  ad_free (wt);
  ad_free (b);
  ad_free (y);
  ad_free (dx);
  ad_free (dw);
  ad_free (db);
  ad_free (col);
}

int
main (void)
{
  ad_rng_seed (&rng, 20240601);

  test_conv_forward ();
  for (size_t t = 0; t < sizeof conv_cases / sizeof conv_cases[0]; t++)
    test_conv_grad (&conv_cases[t]);
  test_upsample ();
  test_relu ();
  test_tshift (0, 2);
  test_tshift (1, 2);
  test_tshift (1, 4);   /* every channel shifted */
  test_tshift (0, 0);   /* plain copy */
  test_se (3, 8, 10, 4);
  test_se (2, 12, 7, 3);
  test_se (2, 2100, 2, 1);  /* 2C+R beyond the stack scratch: heap path */
  test_se_chunks ();
  test_elementwise ();
  time_conv ();

  return check_report ("test-layers");
}
