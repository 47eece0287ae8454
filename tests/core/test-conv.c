/* test-conv.c - the fused forward convolution (ad_conv2d_forward_ex) on
 * both paths, and the thread pool.
 *
 * Every case is compared with a double-precision loop written from the
 * definition in ad-internal.h: the input x' is built first (channels
 * [0,nlo) from lo or zeros, then the nearest x2 upsampling), then
 * y = relu?(conv(x') + b) + add.  Run on the direct path (when this CPU has
 * it) and on the im2col path, serially and on the pool; the pool's result
 * must be bitwise the serial one (tasks write disjoint outputs), and
 * nothing may be written past the output or the workspace.
 *
 * The direct path's gradients are compared with the im2col path's
 * (ad_conv2d_backward, on the materialised upsampled input followed by the
 * upsampling's backward): the input gradient (ad_dconv_backward_dx),
 * overwriting and accumulating, and the weight and bias gradients
 * (ad_dconv_backward_dw, accumulated onto an offset; the pool's result
 * bitwise the serial one).
 */
#include "ad-internal.h"
#include "check.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define GARBAGE 12345.0f
#define GUARD 64
#define TOL 2e-4

static ad_rng rng;

static float *
rand_buf (size_t count)
{
  float *p = ad_alloc (count + GUARD);
  for (size_t i = 0; i < count; i++)
    p[i] = 2.0f * ad_rng_uniform (&rng) - 1.0f;
  for (size_t i = 0; i < GUARD; i++)
    p[count + i] = GARBAGE;
  return p;
}

static int
guard_intact (const float *p, size_t count)
{
  for (size_t i = 0; i < GUARD; i++)
    if (p[count + i] != GARBAGE)
      return 0;
  return 1;
}

typedef struct ccase {
  int n, ci, co, stride, h, w;     /* h, w: x as stored */
  int up2, nlo, use_lo, relu, add, bias;
} ccase;

static const ccase cases[] = {
  /* n ci co s  h   w  up nlo lo relu add bias */
  { 1, 3, 5, 1, 7, 5, 0, 0, 0, 1, 0, 1 },
  { 2, 4, 8, 1, 9, 11, 0, 0, 0, 0, 1, 1 },
  { 1, 1, 16, 1, 24, 32, 0, 0, 0, 1, 0, 1 },     /* one input channel */
  { 1, 16, 2, 1, 24, 32, 0, 0, 0, 0, 0, 1 },     /* two outputs (padding) */
  { 1, 5, 12, 2, 9, 7, 0, 0, 0, 1, 0, 0 },       /* odd sizes, stride 2 */
  { 2, 16, 32, 2, 30, 40, 0, 0, 0, 1, 0, 1 },
  { 1, 8, 8, 2, 15, 20, 0, 0, 0, 1, 0, 1 },      /* odd height */
  { 1, 6, 4, 1, 5, 7, 1, 0, 0, 1, 1, 1 },        /* upsampled */
  { 2, 32, 16, 1, 15, 20, 1, 0, 0, 1, 1, 1 },
  { 1, 8, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1 },        /* 1x1 input upsampled */
  { 1, 8, 8, 1, 10, 12, 0, 2, 1, 1, 0, 1 },      /* channels from lo */
  { 2, 8, 8, 1, 10, 12, 0, 3, 0, 1, 0, 1 },      /* ... or zeros */
  { 1, 32, 32, 1, 60, 80, 0, 4, 1, 1, 0, 1 },    /* many bands */
  { 1, 64, 64, 1, 15, 20, 0, 0, 0, 0, 0, 1 },    /* bottleneck-like */
  { 1, 3, 4, 1, 1, 1, 0, 0, 0, 0, 0, 1 },        /* all padding */
};

/* x' [n, ci, H, W] as the definition builds it */
static float *
build_input (const ccase *k, const float *x, const float *lo, int *hh,
    int *ww)
{
  *hh = k->up2 ? 2 * k->h : k->h;
  *ww = k->up2 ? 2 * k->w : k->w;
  size_t hw = (size_t) k->h * k->w, HW = (size_t) *hh * *ww;
  float *xp = ad_alloc ((size_t) k->n * k->ci * HW);
  for (int f = 0; f < k->n; f++)
    for (int c = 0; c < k->ci; c++) {
      const float *src = c >= k->nlo ? x + ((size_t) f * k->ci + c) * hw :
          lo ? lo + ((size_t) f * k->nlo + c) * hw : NULL;
      for (int yy = 0; yy < *hh; yy++)
        for (int xx = 0; xx < *ww; xx++) {
          int sy = k->up2 ? yy / 2 : yy, sx = k->up2 ? xx / 2 : xx;
          xp[((size_t) f * k->ci + c) * HW + (size_t) yy * *ww + xx] =
              src ? src[(size_t) sy * k->w + sx] : 0.0f;
        }
    }
  return xp;
}

static void
ref_conv (const ad_conv *c, int n, int h, int w, const float *x,
    const float *wt, const float *b, int relu, const float *add, double *y)
{
  int ho, wo;
  ad_conv2d_out_size (c, h, w, &ho, &wo);
  for (int i = 0; i < n; i++)
    for (int o = 0; o < c->co; o++)
      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++) {
          double acc = b ? b[o] : 0.0;
          for (int ci = 0; ci < c->ci; ci++)
            for (int ky = 0; ky < 3; ky++)
              for (int kx = 0; kx < 3; kx++) {
                int iy = oy * c->stride - 1 + ky, ix = ox * c->stride - 1 + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                  continue;
                acc += (double) wt[(size_t) o * c->ci * 9 + ci * 9 + ky * 3 +
                    kx] * x[(((size_t) i * c->ci + ci) * h + iy) * w + ix];
              }
          if (relu && acc < 0.0)
            acc = 0.0;
          size_t idx = (((size_t) i * c->co + o) * ho + oy) * wo + ox;
          y[idx] = acc + (add ? add[idx] : 0.0);
        }
}

static void
run_case (const ccase *k, int direct)
{
  ad_conv c = { k->ci, k->co, 3, k->stride, 1 };
  int hh, ww, ho, wo;
  hh = k->up2 ? 2 * k->h : k->h;
  ww = k->up2 ? 2 * k->w : k->w;
  ad_conv2d_out_size (&c, hh, ww, &ho, &wo);
  size_t nx = (size_t) k->n * k->ci * k->h * k->w;
  size_t ny = (size_t) k->n * k->co * ho * wo;
  size_t nlo = (size_t) k->n * k->nlo * k->h * k->w;
  size_t nws = ad_conv2d_ws_size (&c, k->h, k->w, k->up2);
  float *x = rand_buf (nx), *wt = rand_buf ((size_t) k->co * k->ci * 9);
  float *b = k->bias ? rand_buf (k->co) : NULL;
  float *lo = k->use_lo ? rand_buf (nlo) : NULL;
  float *add = k->add ? rand_buf (ny) : NULL;
  float *y1 = rand_buf (ny), *y2 = rand_buf (ny), *ws = rand_buf (nws);
  double *ref = malloc (ny * sizeof (double));

  int old = ad_conv2d_set_direct (direct);
  ad_conv_fwd o = { .relu = k->relu, .up2 = k->up2, .add = add,
    .nlo = k->nlo, .lo = lo, .parallel = 0 };
  ad_conv2d_forward_ex (&c, k->n, k->h, k->w, x, wt, b, y1, ws, &o);
  o.parallel = 1;
  ad_conv2d_forward_ex (&c, k->n, k->h, k->w, x, wt, b, y2, ws, &o);
  int on_direct = ad_conv2d_direct (&c);
  ad_conv2d_set_direct (old);

  int H, W;
  float *xp = build_input (k, x, lo, &H, &W);
  ref_conv (&c, k->n, H, W, xp, wt, b, k->relu, add, ref);
  double md = 0.0;
  for (size_t i = 0; i < ny; i++)
    md = fmax (md, fabs (y1[i] - ref[i]));
  printf ("  %s n%d ci%d co%d s%d %dx%d%s nlo%d%s%s%s -> %dx%d: max abs "
      "diff %.2e\n", on_direct ? "direct" : "im2col", k->n, k->ci, k->co,
      k->stride, k->h, k->w, k->up2 ? " up2" : "", k->nlo,
      k->nlo && !lo ? "(zeros)" : "", k->relu ? " relu" : "",
      k->add ? " add" : "", ho, wo, md);
  CHECK (md < TOL, "max abs diff %g", md);
  CHECK (memcmp (y1, y2, ny * sizeof (float)) == 0,
      "pool result differs from the serial one");
  CHECK (guard_intact (y1, ny) && guard_intact (y2, ny),
      "written past the output");
  CHECK (guard_intact (ws, nws), "written past ad_conv2d_ws_size()");
  CHECK (guard_intact (x, nx) && (!lo || guard_intact (lo, nlo)),
      "inputs intact");

  ad_free (x);
  ad_free (wt);
  ad_free (b);
  ad_free (lo);
  ad_free (add);
  ad_free (y1);
  ad_free (y2);
  ad_free (ws);
  ad_free (xp);
  free (ref);
}

/* ------------------------------------------------------------------------ */
/* Input gradient on the direct path                                        */

typedef struct bcase {
  int n, ci, co, stride, h, w, up2;
} bcase;

static const bcase bcases[] = {
  { 1, 3, 5, 1, 7, 5, 0 },
  { 2, 16, 32, 1, 30, 40, 0 },
  { 1, 5, 12, 2, 8, 6, 0 },
  { 2, 32, 64, 2, 30, 40, 0 },
  { 1, 4, 8, 2, 2, 2, 0 },
  { 1, 6, 4, 1, 5, 7, 1 },
  { 2, 64, 32, 1, 15, 20, 1 },
  { 1, 8, 8, 1, 1, 1, 1 },
};

static void
run_backward (const bcase *k)
{
  ad_conv c = { k->ci, k->co, 3, k->stride, 1 };
  if (!ad_dconv_backward_ok (&c, k->h, k->w, k->up2)) {
    printf ("  (no direct backward for this case on this CPU)\n");
    return;
  }
  int hh = k->up2 ? 2 * k->h : k->h, ww = k->up2 ? 2 * k->w : k->w;
  int ho, wo;
  ad_conv2d_out_size (&c, hh, ww, &ho, &wo);
  size_t nx = (size_t) k->n * k->ci * k->h * k->w;
  size_t nxu = (size_t) k->n * k->ci * hh * ww;
  size_t ny = (size_t) k->n * k->co * ho * wo;
  size_t nws = ad_conv2d_ws_size (&c, k->h, k->w, k->up2);
  size_t ncol = ad_conv2d_col_size (&c, hh, ww);
  float *wt = rand_buf ((size_t) k->co * k->ci * 9), *dy = rand_buf (ny);
  float *xu = rand_buf (nxu), *ws = rand_buf (nws), *col = rand_buf (ncol);
  float *dxu = rand_buf (nxu), *ref = rand_buf (nx), *dx = rand_buf (nx);
  float *base = rand_buf (nx);

  /* reference: im2col backward on the full-size input, then the
   * upsampling's adjoint */
  ad_conv2d_backward (&c, k->n, hh, ww, xu, wt, dy, dxu, NULL, NULL, col);
  if (k->up2)
    ad_upsample2_backward (k->n, k->ci, k->h, k->w, dxu, ref);
  else
    memcpy (ref, dxu, nx * sizeof (float));

  double md = 0.0, ma = 0.0, mref = 0.0;
  for (size_t i = 0; i < nx; i++)
    mref = fmax (mref, fabs (ref[i]));
  CHECK (mref > 0.1, "the reference gradient is not trivial (%g)", mref);
  ad_dconv_backward_dx (&c, k->n, k->h, k->w, k->up2, wt, dy, dx, 0, ws, 1);
  for (size_t i = 0; i < nx; i++)
    md = fmax (md, fabs (dx[i] - ref[i]));
  memcpy (dx, base, nx * sizeof (float));
  ad_dconv_backward_dx (&c, k->n, k->h, k->w, k->up2, wt, dy, dx, 1, ws, 0);
  for (size_t i = 0; i < nx; i++)
    ma = fmax (ma, fabs (dx[i] - (base[i] + ref[i])));
  printf ("  dx n%d ci%d co%d s%d %dx%d%s: max abs diff %.2e, "
      "accumulating %.2e\n", k->n, k->ci, k->co, k->stride, k->h, k->w,
      k->up2 ? " up2" : "", md, ma);
  CHECK (md < TOL, "dx max abs diff %g", md);
  CHECK (ma < TOL, "accumulated dx max abs diff %g", ma);
  CHECK (guard_intact (dx, nx), "dx written past its end");
  CHECK (guard_intact (ws, nws), "workspace written past its size");

  /* weights and bias: x as stored is xu itself, or (upsampled case) a
   * random x whose upsampling replaces xu for the reference */
  size_t nw = (size_t) k->co * k->ci * 9;
  float *x = rand_buf (nx);
  if (k->up2)
    ad_upsample2_forward (k->n, k->ci, k->h, k->w, x, xu);
  else
    memcpy (x, xu, nx * sizeof (float));
  float *dw_ref = ad_alloc (nw), *db_ref = ad_alloc (k->co);
  float *dw1 = rand_buf (nw), *db1 = rand_buf (k->co);
  float *dw2 = ad_alloc (nw + GUARD), *db2 = ad_alloc (k->co + GUARD);
  for (size_t i = 0; i < nw; i++)
    dw_ref[i] = dw1[i];
  for (int i = 0; i < k->co; i++)
    db_ref[i] = db1[i];
  memcpy (dw2, dw1, (nw + GUARD) * sizeof (float));
  memcpy (db2, db1, (k->co + GUARD) * sizeof (float));
  ad_conv2d_backward (&c, k->n, hh, ww, xu, wt, dy, NULL, dw_ref, db_ref,
      col);
  ad_dconv_backward_dw (&c, k->n, k->h, k->w, k->up2, x, dy, dw1, db1, ws,
      0);
  ad_dconv_backward_dw (&c, k->n, k->h, k->w, k->up2, x, dy, dw2, db2, ws,
      1);
  double mw = 0.0, mb = 0.0, mscale = 0.0;
  for (size_t i = 0; i < nw; i++) {
    mw = fmax (mw, fabs (dw1[i] - dw_ref[i]));
    mscale = fmax (mscale, fabs (dw_ref[i]));
  }
  for (int i = 0; i < k->co; i++)
    mb = fmax (mb, fabs (db1[i] - db_ref[i]));
  printf ("  dw: max abs diff %.2e (values up to %.2g), db %.2e\n", mw,
      mscale, mb);
  CHECK (mw < TOL * fmax (1.0, mscale), "dw max abs diff %g", mw);
  CHECK (mb < TOL * fmax (1.0, mscale), "db max abs diff %g", mb);
  CHECK (memcmp (dw1, dw2, nw * sizeof (float)) == 0 &&
      memcmp (db1, db2, k->co * sizeof (float)) == 0,
      "pool dw/db differ from the serial ones");
  CHECK (guard_intact (dw1, nw) && guard_intact (db1, k->co),
      "dw/db written past their end");
  CHECK (guard_intact (ws, nws), "workspace written past its size (dw)");
  ad_free (x);
  ad_free (dw_ref);
  ad_free (db_ref);
  ad_free (dw1);
  ad_free (db1);
  ad_free (dw2);
  ad_free (db2);

  ad_free (wt);
  ad_free (dy);
  ad_free (xu);
  ad_free (ws);
  ad_free (col);
  ad_free (dxu);
  ad_free (ref);
  ad_free (dx);
  ad_free (base);
}

/* ------------------------------------------------------------------------ */
/* Pool                                                                     */

#define POOL_TASKS 1000

typedef struct pool_ctx {
  _Atomic int runs[POOL_TASKS];
  _Atomic int bad_thread;
} pool_ctx;

static void
count_task (void *ctx, int task, int thread)
{
  pool_ctx *p = ctx;
  atomic_fetch_add (&p->runs[task], 1);
  if (thread < 0 || thread >= ad_pool_threads ())
    atomic_store (&p->bad_thread, 1);
}

static void
stress_task (void *ctx, int task, int thread)
{
  _Atomic int *counts = ctx;
  atomic_fetch_add (&counts[task], 1);
  (void) thread;
}

static void
test_pool (void)
{
  printf ("pool: %d threads\n", ad_pool_threads ());
  CHECK (ad_pool_threads () >= 1 && ad_pool_threads () <= AD_POOL_MAX_THREADS,
      "thread count %d", ad_pool_threads ());
  static pool_ctx p;
  for (int round = 0; round < 200; round++) {
    int n = 1 + round * 5 % POOL_TASKS;
    memset (&p, 0, sizeof p);
    ad_pool_run (n, count_task, &p, round % 3 != 0);
    int once = 1;
    for (int i = 0; i < POOL_TASKS; i++)
      once &= p.runs[i] == (i < n ? 1 : 0);
    CHECK (once, "round %d: every task runs exactly once", round);
    CHECK (!p.bad_thread, "round %d: thread index in range", round);
  }

  /* Many short rounds back to back, alternating few and many tasks, each
   * on its own context: every task of every round must have run exactly
   * once (a worker running a task after its round ended, or with the next
   * round's context, breaks the counts). */
  enum { ROUNDS = 4096, MAXN = 64 };
  static _Atomic int counts[ROUNDS][MAXN];
  static const int sizes[] = { 2, 37, 1, 64, 3, 50 };
  int bad = 0;
  for (int rep = 0; rep < 5; rep++) {
    memset (counts, 0, sizeof counts);
    for (int round = 0; round < ROUNDS; round++)
      ad_pool_run (sizes[round % 6], stress_task, counts[round], 1);
    for (int round = 0; round < ROUNDS; round++)
      for (int i = 0; i < MAXN; i++)
        bad += counts[round][i] != (i < sizes[round % 6] ? 1 : 0);
  }
  CHECK (bad == 0, "stress: %d wrong task counts", bad);
}

int
main (void)
{
  ad_rng_seed (&rng, 11);
  test_pool ();
  printf ("fused conv forward vs double loop\n");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_case (&cases[i], 1);
    run_case (&cases[i], 0);
  }
  printf ("input gradient, direct vs im2col path\n");
  for (size_t i = 0; i < sizeof bcases / sizeof bcases[0]; i++)
    run_backward (&bcases[i]);
  return check_report ("test-conv");
}
