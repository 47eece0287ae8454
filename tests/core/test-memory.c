/* test-memory.c - memory module: forward sanity, agreement with a plain
 * double-precision reference, finite-difference gradient checks of the
 * module and of the three memory losses, plain and partitioned.
 *
 * Gradient checks: central differences of the double reference with
 * step FD_EPS; per element rel = |a-n| / max(1e-3, |a|+|n|), and the test
 * requires max rel < 2e-2.  Hard shrinkage and the nearest/second-nearest
 * choice have kinks, so data is re-drawn until every softmax weight is at
 * least KINK_GAP away from l = shrink/M, the top three cosines are KINK_GAP
 * apart and every separateness hinge is KINK_GAP away from zero.
 */
#include "ad-internal.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define FD_EPS 1e-4
#define KINK_GAP 2e-3
#define REL_BOUND 2e-2

/* ------------------------------------------------------------------------ */
/* Double-precision reference, written straight from the definitions.       */

static int
bank_of (const ad_mem *mm, int h, int w, int y, int x)
{
  return ((y * mm->gh) / h) * mm->gw + (x * mm->gw) / w;
}

/* z [N,C,H,W], items [G,M,C] -> out [N,C,H,W], att [N,H,W,M];
 * soft [N,H,W,M] (pre-shrink softmax) and cosv [N,H,W,M] may be NULL. */
static void
ref_forward (const ad_mem *mm, int n, int h, int w, const double *z,
    const double *items, double *out, double *att, double *soft,
    double *cosv)
{
  int c = mm->c, m = mm->m;
  size_t hw = (size_t) h * w;
  double l = mm->shrink / (double) m;
  double *cs = malloc (m * sizeof (double));
  double *wv = malloc (m * sizeof (double));
  for (int b = 0; b < n; b++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        size_t p = y * w + x, pos = b * hw + p;
        const double *zb = z + (size_t) b * c * hw + p;
        const double *it = items + (size_t) bank_of (mm, h, w, y, x) * m * c;
        double nz = 0.0;
        for (int k = 0; k < c; k++)
          nz += zb[k * hw] * zb[k * hw];
        nz = fmax (sqrt (nz), 1e-8);
        double mx = -1e300;
        for (int i = 0; i < m; i++) {
          double d = 0.0, nm = 0.0;
          for (int k = 0; k < c; k++) {
            d += zb[k * hw] * it[i * c + k];
            nm += it[i * c + k] * it[i * c + k];
          }
          cs[i] = d / (nz * fmax (sqrt (nm), 1e-8));
          mx = fmax (mx, cs[i] / mm->temp);
        }
        double se = 0.0;
        for (int i = 0; i < m; i++) {
          wv[i] = exp (cs[i] / mm->temp - mx);
          se += wv[i];
        }
        double s1 = 0.0;
        double *a = att + pos * m;
        for (int i = 0; i < m; i++) {
          wv[i] /= se;
          if (soft)
            soft[pos * m + i] = wv[i];
          if (cosv)
            cosv[pos * m + i] = cs[i];
          a[i] = fmax (wv[i] - l, 0.0) * wv[i] / (fabs (wv[i] - l) + 1e-12);
          s1 += a[i];
        }
        for (int i = 0; i < m; i++)
          a[i] /= fmax (s1, 1e-12);
        for (int k = 0; k < c; k++) {
          double o = 0.0;
          for (int i = 0; i < m; i++)
            o += a[i] * it[i * c + k];
          out[(size_t) b * c * hw + k * hw + p] = o;
        }
      }
  free (cs);
  free (wv);
}

static double
ref_entropy (const double *att, size_t np, int m)
{
  double e = 0.0;
  for (size_t q = 0; q < np * m; q++)
    e -= att[q] * log (att[q] + 1e-12);
  return e / (double) np;
}

/* Compactness and separateness from the definitions with explicit unit
 * vectors ||zn - mn||^2. */
static void
ref_cs_losses (const ad_mem *mm, int n, int h, int w, const double *z,
    const double *items, double margin, double *comp, double *sep)
{
  int c = mm->c, m = mm->m;
  size_t hw = (size_t) h * w;
  double *d2 = malloc (m * sizeof (double));
  *comp = *sep = 0.0;
  for (int b = 0; b < n; b++)
    for (size_t p = 0; p < hw; p++) {
      const double *zb = z + (size_t) b * c * hw + p;
      const double *it = items +
          (size_t) bank_of (mm, h, w, (int) (p / w), (int) (p % w)) * m * c;
      double nz = 0.0;
      for (int k = 0; k < c; k++)
        nz += zb[k * hw] * zb[k * hw];
      nz = sqrt (nz);
      int i1 = 0, i2 = -1;
      for (int i = 0; i < m; i++) {
        double nm = 0.0, s = 0.0;
        for (int k = 0; k < c; k++)
          nm += it[i * c + k] * it[i * c + k];
        nm = sqrt (nm);
        for (int k = 0; k < c; k++) {
          double d = zb[k * hw] / nz - it[i * c + k] / nm;
          s += d * d;
        }
        d2[i] = s;
      }
      /* nearest by cosine = smallest distance of unit vectors */
      for (int i = 1; i < m; i++)
        if (d2[i] < d2[i1])
          i1 = i;
      for (int i = 0; i < m; i++)
        if (i != i1 && (i2 < 0 || d2[i] < d2[i2]))
          i2 = i;
      *comp += d2[i1];
      *sep += fmax (0.0, d2[i1] - d2[i2] + margin);
    }
  *comp /= (double) (n * hw);
  *sep /= (double) (n * hw);
  free (d2);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static void
to_f (const double *d, float *f, size_t count)
{
  for (size_t i = 0; i < count; i++)
    f[i] = (float) d[i];
}

static void
randn_d (ad_rng *r, double *d, size_t count, double scale)
{
  for (size_t i = 0; i < count; i++)
    d[i] = (double) (float) (scale * ad_rng_normal (r));
}

static int
cmp_desc (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* 1 if no position is within KINK_GAP of a kink (shrinkage threshold,
 * nearest / second-nearest swap, separateness hinge). */
static int
away_from_kinks (const ad_mem *mm, int n, int h, int w, const double *z,
    const double *items, double margin, double gap, int check_order,
    int *n_active, int *n_zero)
{
  int m = mm->m;
  size_t np = (size_t) n * h * w, ca = np * m;
  size_t co = (size_t) n * mm->c * h * w;
  double *out = malloc (co * sizeof (double));
  double *att = malloc (ca * sizeof (double));
  double *soft = malloc (ca * sizeof (double));
  double *cosv = malloc (ca * sizeof (double));
  double *srt = malloc (m * sizeof (double));
  double l = mm->shrink / (double) m;
  int ok = 1;
  ref_forward (mm, n, h, w, z, items, out, att, soft, cosv);
  *n_active = *n_zero = 0;
  for (size_t p = 0; p < np && ok; p++) {
    for (int i = 0; i < m; i++) {
      if (fabs (soft[p * m + i] - l) < gap)
        ok = 0;
      *n_zero += soft[p * m + i] < l;
    }
    memcpy (srt, cosv + p * m, m * sizeof (double));
    qsort (srt, m, sizeof (double), cmp_desc);
    double hinge = 2.0 * srt[1] - 2.0 * srt[0] + margin;
    if (check_order && (srt[0] - srt[1] < gap ||
            (m > 2 && srt[1] - srt[2] < gap) || fabs (hinge) < gap))
      ok = 0;
    *n_active += hinge > 0.0;
  }
  free (out);
  free (att);
  free (soft);
  free (cosv);
  free (srt);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Forward sanity                                                            */

static void
test_forward_sanity (void)
{
  ad_rng rng;
  ad_rng_seed (&rng, 7);
  int n = 2, c = 8, h = 4, w = 6, m = 6;
  size_t hw = (size_t) h * w, np = n * hw;

  /* (a) shrink 0, tiny temperature: a query equal to (a positive multiple
   * of) an item reads that item */
  {
    ad_mem mm = { c, m, 1, 1, 0.0f, 1e-3f };
    float *items = ad_alloc ((size_t) m * c);           /* [M,C] */
    float *z = ad_alloc (np * c);                       /* [N,C,H,W] */
    float *out = ad_alloc (np * c);                     /* [N,C,H,W] */
    float *att = ad_alloc (np * m);                     /* [N,H,W,M] */
    float *cache = ad_alloc (ad_mem_cache_size (&mm, n, h, w));
    for (int i = 0; i < m * c; i++)
      items[i] = ad_rng_normal (&rng);
    for (size_t pos = 0; pos < np; pos++) {
      int b = (int) (pos / hw), i = (int) (pos % m);
      float scale = 0.5f + 2.0f * ad_rng_uniform (&rng);
      for (int k = 0; k < c; k++)
        z[b * c * hw + k * hw + pos % hw] = scale * items[i * c + k];
    }
    ad_mem_forward (&mm, n, h, w, z, items, out, att, cache);
    double maxd = 0.0, maxa = 0.0;
    for (size_t pos = 0; pos < np; pos++) {
      int b = (int) (pos / hw), i = (int) (pos % m);
      for (int k = 0; k < c; k++)
        maxd = fmax (maxd, fabs (out[b * c * hw + k * hw + pos % hw] -
                items[i * c + k]));
      maxa = fmax (maxa, fabs (att[pos * m + i] - 1.0));
    }
    CHECK (maxd < 1e-3, "query == item reads the item: max diff %g", maxd);
    CHECK (maxa < 1e-3, "attention on the matching item: max |1-w| %g",
        maxa);
    ad_free (items);
    ad_free (z);
    ad_free (out);
    ad_free (att);
    ad_free (cache);
  }

  /* (b) shrink > 0: weights whose softmax is below l are exactly zero, the
   * rest are positive and sum to 1 */
  {
    ad_mem mm = { c, m, 1, 1, 0.8f, 0.3f };
    double l = mm.shrink / m;
    size_t ci = (size_t) m * c, cz = np * c, ca = np * m;
    double *zd = malloc (cz * sizeof (double));
    double *itd = malloc (ci * sizeof (double));
    double *outd = malloc (cz * sizeof (double));
    double *attd = malloc (ca * sizeof (double));
    double *soft = malloc (ca * sizeof (double));
    float *items = ad_alloc (ci), *z = ad_alloc (cz), *out = ad_alloc (cz);
    float *att = ad_alloc (ca);
    float *cache = ad_alloc (ad_mem_cache_size (&mm, n, h, w));
    randn_d (&rng, zd, cz, 1.0);
    randn_d (&rng, itd, ci, 1.0);
    to_f (zd, z, cz);
    to_f (itd, items, ci);
    ref_forward (&mm, n, h, w, zd, itd, outd, attd, soft, NULL);
    ad_mem_forward (&mm, n, h, w, z, items, out, att, cache);
    int n_zero = 0, n_pos = 0, bad_zero = 0, bad_pos = 0;
    double max_sum_err = 0.0;
    for (size_t p = 0; p < np; p++) {
      double s = 0.0;
      for (int i = 0; i < m; i++) {
        double sw = soft[p * m + i];
        float a = att[p * m + i];
        s += a;
        if (sw < l - 1e-4) {
          n_zero++;
          bad_zero += a != 0.0f;
        } else if (sw > l + 1e-4) {
          n_pos++;
          bad_pos += !(a > 0.0f);
        }
      }
      max_sum_err = fmax (max_sum_err, fabs (s - 1.0));
    }
    CHECK (n_zero > 10 && n_pos > 10, "both regimes present: %d zero, %d "
        "kept", n_zero, n_pos);
    CHECK (bad_zero == 0, "%d weights below l are not exactly zero",
        bad_zero);
    CHECK (bad_pos == 0, "%d weights above l are not positive", bad_pos);
    CHECK (max_sum_err < 1e-5, "attention sums to 1: max err %g",
        max_sum_err);
    free (zd);
    free (itd);
    free (outd);
    free (attd);
    free (soft);
    ad_free (items);
    ad_free (z);
    ad_free (out);
    ad_free (att);
    ad_free (cache);
  }

  /* (c) partitioned: each bank holds one repeated vector (g+1) * v, so a
   * position reads exactly the vector of its cell's bank */
  {
    int gh = 2, gw = 3, g = gh * gw;
    ad_mem mm = { c, m, gh, gw, 0.5f, 0.2f };
    float *items = ad_alloc ((size_t) g * m * c);       /* [G,M,C] */
    float *z = ad_alloc (np * c), *out = ad_alloc (np * c);
    float *att = ad_alloc (np * m);
    float *cache = ad_alloc (ad_mem_cache_size (&mm, n, h, w));
    float v[8];
    for (int k = 0; k < c; k++)
      v[k] = 0.5f + ad_rng_uniform (&rng);
    for (int gi = 0; gi < g; gi++)
      for (int i = 0; i < m; i++)
        for (int k = 0; k < c; k++)
          items[((size_t) gi * m + i) * c + k] = (gi + 1) * v[k] +
              1e-3f * (float) i * (float) (k % 3);
    for (size_t i = 0; i < np * c; i++)
      z[i] = ad_rng_normal (&rng);
    ad_mem_forward (&mm, n, h, w, z, items, out, att, cache);
    double maxd = 0.0;
    int seen[6] = { 0 };
    for (int b = 0; b < n; b++)
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          int gi = bank_of (&mm, h, w, y, x);
          seen[gi]++;
          for (int k = 0; k < c; k++)
            maxd = fmax (maxd, fabs (out[b * c * hw + k * hw + y * w + x] -
                    (gi + 1) * v[k]));
        }
    CHECK (maxd < 1e-2, "each cell reads its own bank: max diff %g", maxd);
    int all_seen = 1;
    for (int gi = 0; gi < g; gi++)
      all_seen &= seen[gi] == n * 4;
    CHECK (all_seen, "every bank covers a 2x2 cell per frame");
    ad_free (items);
    ad_free (z);
    ad_free (out);
    ad_free (att);
    ad_free (cache);
  }
}

/* Float implementation against the double reference, including a grid that
 * does not divide the map evenly. */
static void
test_forward_reference (int n, int c, int h, int w, int m, int gh, int gw,
    float shrink, float temp, uint64_t seed)
{
  ad_rng rng;
  ad_rng_seed (&rng, seed);
  ad_mem mm = { c, m, gh, gw, shrink, temp };
  size_t np = (size_t) n * h * w, cz = np * c, ca = np * m;
  size_t ci = (size_t) gh * gw * m * c;
  double *zd = malloc (cz * sizeof (double));
  double *itd = malloc (ci * sizeof (double));
  double *outd = malloc (cz * sizeof (double));
  double *attd = malloc (ca * sizeof (double));
  float *z = ad_alloc (cz), *items = ad_alloc (ci), *out = ad_alloc (cz);
  float *att = ad_alloc (ca);
  float *cache = ad_alloc (ad_mem_cache_size (&mm, n, h, w));
  randn_d (&rng, zd, cz, 1.0);
  randn_d (&rng, itd, ci, 1.0);
  to_f (zd, z, cz);
  to_f (itd, items, ci);
  ref_forward (&mm, n, h, w, zd, itd, outd, attd, NULL, NULL);
  ad_mem_forward (&mm, n, h, w, z, items, out, att, cache);
  double mo = 0.0, ma = 0.0;
  for (size_t i = 0; i < cz; i++)
    mo = fmax (mo, fabs (out[i] - outd[i]));
  for (size_t i = 0; i < ca; i++)
    ma = fmax (ma, fabs (att[i] - attd[i]));
  CHECK (mo < 1e-4 && ma < 1e-4, "forward %dx%d grid %dx%d vs reference: "
      "out %g att %g", h, w, gh, gw, mo, ma);
  free (zd);
  free (itd);
  free (outd);
  free (attd);
  ad_free (z);
  ad_free (items);
  ad_free (out);
  ad_free (att);
  ad_free (cache);
}

/* ------------------------------------------------------------------------ */
/* Finite-difference gradient checks                                        */

enum { L_OUT, L_ENTROPY, L_COMPACT, L_SEPARATE };
static const char *loss_names[] = { "out+att", "entropy", "compact",
  "separate" };

typedef struct fd_ctx {
  const ad_mem *mm;
  int n, h, w;
  double *z, *items;            /* the variables perturbed */
  const double *r, *r2;         /* weights of out and att (L_OUT) */
  double margin;
  int kind;
  double *out, *att;            /* scratch */
} fd_ctx;

static double
ref_loss (fd_ctx *x)
{
  size_t np = (size_t) x->n * x->h * x->w;
  double comp, sep, s = 0.0;
  switch (x->kind) {
    case L_OUT:
      ref_forward (x->mm, x->n, x->h, x->w, x->z, x->items, x->out, x->att,
          NULL, NULL);
      for (size_t i = 0; i < np * x->mm->c; i++)
        s += x->out[i] * x->r[i];
      for (size_t i = 0; i < np * x->mm->m; i++)
        s += x->att[i] * x->r2[i];
      return s;
    case L_ENTROPY:
      ref_forward (x->mm, x->n, x->h, x->w, x->z, x->items, x->out, x->att,
          NULL, NULL);
      return ref_entropy (x->att, np, x->mm->m);
    case L_COMPACT:
      ref_cs_losses (x->mm, x->n, x->h, x->w, x->z, x->items, x->margin,
          &comp, &sep);
      return comp;
    default:
      ref_cs_losses (x->mm, x->n, x->h, x->w, x->z, x->items, x->margin,
          &comp, &sep);
      return sep;
  }
}

/* Max relative error of the analytic gradient ga against central
 * differences of ref_loss w.r.t. var [count]; *maxn receives max |numeric|. */
static double
fd_check_stride (fd_ctx *x, double *var, size_t count, size_t stride,
    const float *ga, double *maxn)
{
  double worst = 0.0;
  *maxn = 0.0;
  for (size_t j = 0; j < count; j += stride) {
    double v = var[j];
    var[j] = v + FD_EPS;
    double lp = ref_loss (x);
    var[j] = v - FD_EPS;
    double lm = ref_loss (x);
    var[j] = v;
    double num = (lp - lm) / (2.0 * FD_EPS), a = ga[j];
    double rel = fabs (a - num) / fmax (1e-3, fabs (a) + fabs (num));
    worst = fmax (worst, rel);
    *maxn = fmax (*maxn, fabs (num));
  }
  return worst;
}

static double
fd_check (fd_ctx *x, double *var, size_t count, const float *ga,
    double *maxn)
{
  return fd_check_stride (x, var, count, 1, ga, maxn);
}

static void
test_gradients (int gh, int gw)
{
  const int n = 2, c = 6, h = 4, w = 6, m = 5;
  const double margin = 0.5;
  ad_mem mm = { c, m, gh, gw, 0.5f, 0.5f };
  size_t np = (size_t) n * h * w, cz = np * c, ca = np * m;
  size_t ci = (size_t) gh * gw * m * c;
  double *zd = malloc (cz * sizeof (double));
  double *itd = malloc (ci * sizeof (double));
  double *r = malloc (cz * sizeof (double));
  double *r2 = malloc (ca * sizeof (double));
  double *sout = malloc (cz * sizeof (double));
  double *satt = malloc (ca * sizeof (double));
  float *z = ad_alloc (cz), *items = ad_alloc (ci), *out = ad_alloc (cz);
  float *att = ad_alloc (ca), *dout = ad_alloc (cz), *datt = ad_alloc (ca);
  float *dz = ad_alloc (cz), *dit = ad_alloc (ci);
  float *cache = ad_alloc (ad_mem_cache_size (&mm, n, h, w));
  ad_rng rng;
  int n_active = 0, n_zero = 0, draws = 0, ok = 0;

  ad_rng_seed (&rng, 1000 + gh * 10 + gw);
  while (!ok && draws < 200) {
    randn_d (&rng, zd, cz, 1.0);
    randn_d (&rng, itd, ci, 1.0);
    ok = away_from_kinks (&mm, n, h, w, zd, itd, margin, KINK_GAP, 1,
        &n_active, &n_zero);
    draws++;
  }
  CHECK (ok, "found data away from kinks (grid %dx%d, %d draws)", gh, gw,
      draws);
  CHECK (n_zero > 0 && n_active > 0 && n_active < (int) np,
      "data exercises shrinkage (%d zeroed) and both hinge sides (%d of %d "
      "active)", n_zero, n_active, (int) np);
  randn_d (&rng, r, cz, 1.0);
  randn_d (&rng, r2, ca, 1.0);
  to_f (zd, z, cz);
  to_f (itd, items, ci);
  fd_ctx x = { &mm, n, h, w, zd, itd, r, r2, margin, L_OUT, sout, satt };
  double maxn, e;

  ad_mem_forward (&mm, n, h, w, z, items, out, att, cache);

  /* (a) L = sum(out * r) + sum(att * r2) through dout and datt; dz starts
   * as garbage (must be overwritten), ditems at 0.25 (must accumulate) */
  to_f (r, dout, cz);
  to_f (r2, datt, ca);
  for (size_t i = 0; i < cz; i++)
    dz[i] = 1e3f;
  for (size_t i = 0; i < ci; i++)
    dit[i] = 0.25f;
  ad_mem_backward (&mm, n, h, w, z, items, att, cache, dout, datt, dz, dit);
  for (size_t i = 0; i < ci; i++)
    dit[i] -= 0.25f;
  e = fd_check (&x, zd, cz, dz, &maxn);
  printf ("grid %dx%d %-8s dz     max rel %.2e\n", gh, gw,
      loss_names[x.kind], e);
  CHECK (e < REL_BOUND && maxn > 1e-2, "grid %dx%d %s dz: max rel %g "
      "(max |g| %g)", gh, gw, loss_names[x.kind], e, maxn);
  e = fd_check (&x, itd, ci, dit, &maxn);
  printf ("grid %dx%d %-8s ditems max rel %.2e\n", gh, gw,
      loss_names[x.kind], e);
  CHECK (e < REL_BOUND && maxn > 1e-2, "grid %dx%d %s ditems: max rel %g "
      "(max |g| %g)", gh, gw, loss_names[x.kind], e, maxn);

  /* (b) each loss term on its own */
  for (int kind = L_ENTROPY; kind <= L_SEPARATE; kind++) {
    float we = kind == L_ENTROPY, wc = kind == L_COMPACT;
    float wsep = kind == L_SEPARATE;
    x.kind = kind;
    memset (datt, 0, ca * sizeof (float));
    memset (dz, 0, cz * sizeof (float));
    memset (dit, 0, ci * sizeof (float));
    ad_mem_loss lv = ad_mem_losses (&mm, n, h, w, z, items, att, we, wc,
        wsep, (float) margin, datt, dz, dit);
    double ref = ref_loss (&x);
    double got = kind == L_ENTROPY ? lv.entropy :
        kind == L_COMPACT ? lv.compact : lv.separate;
    CHECK (fabs (got - ref) < 1e-4 * fmax (1.0, fabs (ref)),
        "grid %dx%d %s value %g vs reference %g", gh, gw, loss_names[kind],
        got, ref);

    if (kind == L_ENTROPY) {
      /* w.r.t. att directly (entries away from 0, where log is smooth) */
      ref_forward (&mm, n, h, w, zd, itd, sout, satt, NULL, NULL);
      double worst = 0.0;
      for (size_t q = 0; q < ca; q++) {
        if (satt[q] < KINK_GAP)
          continue;
        double a0 = satt[q];
        satt[q] = a0 + FD_EPS;
        double lp = ref_entropy (satt, np, m);
        satt[q] = a0 - FD_EPS;
        double lm = ref_entropy (satt, np, m);
        satt[q] = a0;
        double num = (lp - lm) / (2.0 * FD_EPS);
        worst = fmax (worst, fabs (datt[q] - num) /
            fmax (1e-3, fabs (datt[q]) + fabs (num)));
      }
      CHECK (worst < REL_BOUND, "grid %dx%d entropy datt: max rel %g", gh,
          gw, worst);
      /* at w'' = 0 the derivative of -w log(w + 1e-12) is -log(1e-12);
       * no central difference exists there, so compare with that value */
      double g0 = -log (1e-12) / (double) np, worst0 = 0.0;
      for (size_t q = 0; q < ca; q++)
        if (att[q] == 0.0f)
          worst0 = fmax (worst0, fabs (datt[q] - g0) / g0);
      CHECK (worst0 < 1e-4, "grid %dx%d entropy datt at zero weights: "
          "max rel %g", gh, gw, worst0);
      /* and through the module to z and items */
      memset (dout, 0, cz * sizeof (float));
      ad_mem_backward (&mm, n, h, w, z, items, att, cache, dout, datt, dz,
          dit);
    }
    e = fd_check (&x, zd, cz, dz, &maxn);
    printf ("grid %dx%d %-8s dz     max rel %.2e\n", gh, gw,
        loss_names[kind], e);
    CHECK (e < REL_BOUND && maxn > 1e-3, "grid %dx%d %s dz: max rel %g "
        "(max |g| %g)", gh, gw, loss_names[kind], e, maxn);
    e = fd_check (&x, itd, ci, dit, &maxn);
    printf ("grid %dx%d %-8s ditems max rel %.2e\n", gh, gw,
        loss_names[kind], e);
    CHECK (e < REL_BOUND && maxn > 1e-3, "grid %dx%d %s ditems: max rel %g "
        "(max |g| %g)", gh, gw, loss_names[kind], e, maxn);
    if (kind != L_ENTROPY) {
      double s = 0.0;
      for (size_t q = 0; q < ca; q++)
        s += fabs (datt[q]);
      CHECK (s == 0.0, "%s leaves datt alone", loss_names[kind]);
    }
  }

  /* weights scale the gradients and NULL outputs are skipped */
  memset (dz, 0, cz * sizeof (float));
  ad_mem_loss l0 = ad_mem_losses (&mm, n, h, w, z, items, att, 0, 0, 0,
      (float) margin, NULL, NULL, NULL);
  ad_mem_loss l1 = ad_mem_losses (&mm, n, h, w, z, items, att, 1, 1, 1,
      (float) margin, NULL, dz, NULL);
  CHECK (l0.entropy == l1.entropy && l0.compact == l1.compact &&
      l0.separate == l1.separate, "loss values independent of weights");

  free (zd);
  free (itd);
  free (r);
  free (r2);
  free (sout);
  free (satt);
  ad_free (z);
  ad_free (items);
  ad_free (out);
  ad_free (att);
  ad_free (dout);
  ad_free (datt);
  ad_free (dz);
  ad_free (dit);
  ad_free (cache);
}

/* Runs longer than the backward's chunk (256 positions): a 20x16 map with
 * one bank, and partitioned 2x1 (full-width cells of 160 positions) with
 * M = 60 items (chunks of 134 positions).  dz is checked on a sample of
 * elements.  Only the module loss L = sum(out*r) + sum(att*r2) is used, so
 * only the shrinkage threshold matters; w' jumps from 0 to ~l there, so no
 * weight may lie within 1e-4 of l (the FD step moves a weight by far
 * less).  With 60 items per position that cannot be arranged, so the second
 * case runs without shrinkage (shrinkage itself is checked above). */
static void
test_gradients_chunked (int n, int c, int h, int w, int m, int gh, int gw,
    float shrink, float temp, size_t z_stride)
{
  ad_mem mm = { c, m, gh, gw, shrink, temp };
  size_t np = (size_t) n * h * w, cz = np * c, ca = np * m;
  size_t ci = (size_t) gh * gw * m * c;
  double *zd = malloc (cz * sizeof (double));
  double *itd = malloc (ci * sizeof (double));
  double *r = malloc (cz * sizeof (double));
  double *r2 = malloc (ca * sizeof (double));
  double *sout = malloc (cz * sizeof (double));
  double *satt = malloc (ca * sizeof (double));
  float *z = ad_alloc (cz), *items = ad_alloc (ci), *out = ad_alloc (cz);
  float *att = ad_alloc (ca), *dout = ad_alloc (cz), *datt = ad_alloc (ca);
  float *dz = ad_alloc (cz), *dit = ad_alloc (ci);
  float *cache = ad_alloc (ad_mem_cache_size (&mm, n, h, w));
  ad_rng rng;
  int n_active, n_zero, draws = 0, ok = 0;

  ad_rng_seed (&rng, 77 + m);
  while (!ok && draws < 500) {
    randn_d (&rng, zd, cz, 1.0);
    randn_d (&rng, itd, ci, 1.0);
    ok = away_from_kinks (&mm, n, h, w, zd, itd, 0.0, 1e-4, 0, &n_active,
        &n_zero);
    draws++;
  }
  CHECK (ok, "found data away from the shrinkage kink (%d draws)", draws);
  randn_d (&rng, r, cz, 1.0);
  randn_d (&rng, r2, ca, 1.0);
  to_f (zd, z, cz);
  to_f (itd, items, ci);
  to_f (r, dout, cz);
  to_f (r2, datt, ca);
  fd_ctx x = { &mm, n, h, w, zd, itd, r, r2, 0.0, L_OUT, sout, satt };
  double maxn, ez, ei, mi;
  ad_mem_forward (&mm, n, h, w, z, items, out, att, cache);
  ad_mem_backward (&mm, n, h, w, z, items, att, cache, dout, datt, dz, dit);
  ez = fd_check_stride (&x, zd, cz, z_stride, dz, &maxn);
  ei = fd_check (&x, itd, ci, dit, &mi);
  printf ("chunked %dx%dx%dx%d M=%d grid %dx%d: dz rel %.2e, ditems rel "
      "%.2e\n", n, c, h, w, m, gh, gw, ez, ei);
  CHECK (ez < REL_BOUND && maxn > 1e-2, "chunked dz: max rel %g", ez);
  CHECK (ei < REL_BOUND && mi > 1e-2, "chunked ditems: max rel %g", ei);
  free (zd);
  free (itd);
  free (r);
  free (r2);
  free (sout);
  free (satt);
  ad_free (z);
  ad_free (items);
  ad_free (out);
  ad_free (att);
  ad_free (dout);
  ad_free (datt);
  ad_free (dz);
  ad_free (dit);
  ad_free (cache);
}

/* Streaming-sized forward timing (informative; loose bound only). */
static void
test_speed (void)
{
  int n = 1, c = 64, h = 15, w = 20, m = 32;
  ad_mem mm = { c, m, 1, 1, 0.5f, 0.05f };
  size_t cz = (size_t) n * c * h * w;
  float *z = ad_alloc (cz), *items = ad_alloc ((size_t) m * c);
  float *out = ad_alloc (cz), *att = ad_alloc ((size_t) n * h * w * m);
  float *cache = ad_alloc (ad_mem_cache_size (&mm, n, h, w));
  ad_rng rng;
  ad_rng_seed (&rng, 3);
  for (size_t i = 0; i < cz; i++)
    z[i] = ad_rng_normal (&rng);
  for (int i = 0; i < m * c; i++)
    items[i] = ad_rng_normal (&rng);
  int reps = 200;
  double t0 = ad_now ();
  for (int i = 0; i < reps; i++)
    ad_mem_forward (&mm, n, h, w, z, items, out, att, cache);
  double us = (ad_now () - t0) / reps * 1e6;
  printf ("memory forward 1x64x15x20, M=32: %.1f us\n", us);
  CHECK (us < 20000.0, "streaming forward takes %g us", us);
  ad_free (z);
  ad_free (items);
  ad_free (out);
  ad_free (att);
  ad_free (cache);
}

int
main (void)
{
  test_forward_sanity ();
  test_forward_reference (2, 6, 4, 6, 5, 1, 1, 0.5f, 0.5f, 11);
  test_forward_reference (2, 6, 4, 6, 5, 2, 3, 0.5f, 0.5f, 12);
  test_forward_reference (1, 5, 5, 7, 4, 3, 2, 0.3f, 0.2f, 13);
  test_forward_reference (3, 7, 7, 5, 3, 2, 2, 0.9f, 0.1f, 14);
  test_forward_reference (2, 6, 6, 5, 4, 3, 1, 0.5f, 0.3f, 15);
  test_gradients (1, 1);
  test_gradients (2, 3);
  test_gradients (2, 1);
  test_gradients_chunked (1, 3, 20, 16, 5, 1, 1, 0.5f, 0.5f, 7);
  test_gradients_chunked (2, 3, 20, 16, 60, 2, 1, 0.0f, 0.5f, 13);
  test_speed ();
  return check_report ("test-memory");
}
