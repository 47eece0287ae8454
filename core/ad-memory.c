/* ad-memory.c - MemAE-style memory module with hard shrinkage, optionally
 * partitioned into a grid of banks, and the memory losses (entropy of the
 * attention, MNAD-style compactness and separateness).
 *
 * Positions are handled bank by bank.  A bank covers the rectangle of cells
 * rows [y0,y1) x columns [x0,x1) of every frame; its positions are stored
 * "bank-ordered" in the cache: bank g, then frame, then row, then column.
 * Within a frame a cell row is a contiguous run of positions in the NCHW
 * activation (a whole cell when the cell spans the full width), so products
 * against activations are done with strided cblas_sgemm on those runs
 * (lda = H*W) and nothing has to be scattered by hand.
 *
 * Cache layout (floats, each section 16-float aligned), P = N*H*W,
 * G = gh*gw, rows bank-ordered:
 *   qn    [P,C]    normalised queries z / max(||z||, eps_n)
 *   znorm [P]      ||z||
 *   cosm  [P,M]    cosine similarity to each item of the position's bank
 *   soft  [P,M]    softmax(cos / temp), before shrinkage
 *   wsum  [P]      sum of the shrunk weights w' (before renormalisation)
 *   mn    [G,M,C]  normalised items
 *   mnorm [G,M]    item norms
 * w'' itself lives in att [N,H,W,M] (natural order).
 */
#include "ad-internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define MEM_EPS 1e-12f          /* shrinkage and renormalisation epsilon */
#define MEM_NORM_EPS 1e-8f      /* norms are clamped to at least this */
#define MEM_LOG_EPS 1e-12       /* entropy log offset */
#define MEM_WS 8192             /* stack workspace of backward / losses */
#define MEM_MAX_CHUNK 256       /* positions per chunk in backward / losses */

/* ------------------------------------------------------------------------ */
/* Geometry                                                                  */

/* max without the NaN rules of fmaxf (which is a libm call here) */
static inline float
maxf (float a, float b)
{
  return a > b ? a : b;
}

static size_t
align16 (size_t n)
{
  return (n + 15) & ~(size_t) 15;
}

typedef struct mem_layout {
  size_t qn, znorm, cosm, soft, wsum, mn, mnorm, total;
} mem_layout;

static void
mem_layout_get (const ad_mem *mm, int n, int h, int w, mem_layout *l)
{
  size_t p = (size_t) n * h * w, g = (size_t) mm->gh * mm->gw;
  size_t c = (size_t) mm->c, m = (size_t) mm->m;
  size_t o = 0;
  l->qn = o;
  o += align16 (p * c);
  l->znorm = o;
  o += align16 (p);
  l->cosm = o;
  o += align16 (p * m);
  l->soft = o;
  o += align16 (p * m);
  l->wsum = o;
  o += align16 (p);
  l->mn = o;
  o += align16 (g * m * c);
  l->mnorm = o;
  o += align16 (g * m);
  l->total = o;
}

/* Rectangle of bank g: rows [y0,y1), columns [x0,x1).  Position (y,x)
 * belongs to cell row (y*gh)/h, so the first row of cell row gy is
 * ceil(gy*h/gh). */
static void
bank_rect (const ad_mem *mm, int h, int w, int g, int *y0, int *y1, int *x0,
    int *x1)
{
  int gy = g / mm->gw, gx = g % mm->gw;
  *y0 = (gy * h + mm->gh - 1) / mm->gh;
  *y1 = ((gy + 1) * h + mm->gh - 1) / mm->gh;
  *x0 = (gx * w + mm->gw - 1) / mm->gw;
  *x1 = ((gx + 1) * w + mm->gw - 1) / mm->gw;
}

/* Iterator over runs: maximal stretches of positions that are contiguous
 * both in the NCHW activation and in the bank-ordered cache. */
typedef struct mem_run {
  /* iterator state */
  int next_b, next_y;
  int y0, y1, x0, x1;
  size_t next_row;
  /* current run */
  int g;          /* bank */
  int b;          /* frame */
  int p0, len;    /* spatial positions [p0, p0+len) of frame b */
  size_t row;     /* bank-ordered row of position p0 */
} mem_run;

static void
run_init (mem_run *r)
{
  memset (r, 0, sizeof *r);
  r->g = -1;
}

static bool
run_next (const ad_mem *mm, int n, int h, int w, mem_run *r)
{
  int ng = mm->gh * mm->gw;
  for (;;) {
    if (r->g >= 0 && r->next_b < n && r->y1 > r->y0 && r->x1 > r->x0) {
      r->b = r->next_b;
      r->row = r->next_row;
      if (r->x0 == 0 && r->x1 == w) {
        /* the cell spans the full width: one run per frame */
        r->p0 = r->y0 * w;
        r->len = (r->y1 - r->y0) * w;
        r->next_b++;
      } else {
        r->p0 = r->next_y * w + r->x0;
        r->len = r->x1 - r->x0;
        if (++r->next_y == r->y1) {
          r->next_y = r->y0;
          r->next_b++;
        }
      }
      r->next_row += (size_t) r->len;
      return true;
    }
    if (++r->g >= ng)
      return false;
    bank_rect (mm, h, w, r->g, &r->y0, &r->y1, &r->x0, &r->x1);
    r->next_b = 0;
    r->next_y = r->y0;
  }
}

size_t
ad_mem_cache_size (const ad_mem *mm, int n, int h, int w)
{
  mem_layout l;
  mem_layout_get (mm, n, h, w, &l);
  return l.total;
}

/* Hard shrinkage f(w) = max(w - l, 0) * w / (|w - l| + eps) and its
 * derivative (0 for w <= l). */
static inline float
shrink_f (float wv, float l)
{
  float d = wv - l;
  return d > 0.0f ? d * wv / (d + MEM_EPS) : 0.0f;
}

static inline float
shrink_df (float wv, float l)
{
  float d = wv - l;
  if (d <= 0.0f)
    return 0.0f;
  float de = d + MEM_EPS;
  return (d * de + wv * MEM_EPS) / (de * de);
}

/* ------------------------------------------------------------------------ */
/* Forward                                                                   */

void
ad_mem_forward (const ad_mem *mm, int n, int h, int w, const float *z,
    const float *items, float *out, float *att, float *cache)
{
  const int c = mm->c, m = mm->m, ng = mm->gh * mm->gw;
  const size_t hw = (size_t) h * w;
  const float lsh = mm->shrink / (float) m, inv_t = 1.0f / mm->temp;
  mem_layout lay;
  mem_layout_get (mm, n, h, w, &lay);
  float *qn = cache + lay.qn;           /* [P,C] */
  float *znorm = cache + lay.znorm;     /* [P] */
  float *cosm = cache + lay.cosm;       /* [P,M] */
  float *soft = cache + lay.soft;       /* [P,M] */
  float *wsum = cache + lay.wsum;       /* [P] */
  float *mn = cache + lay.mn;           /* [G,M,C] */
  float *mnorm = cache + lay.mnorm;     /* [G,M] */
  mem_run r;

  /* normalised items */
  for (size_t i = 0; i < (size_t) ng * m; i++) {
    const float *it = items + i * c;
    float *o = mn + i * c;
    float s = 0.0f;
    for (int k = 0; k < c; k++)
      s += it[k] * it[k];
    float nrm = sqrtf (s);
    float inv = 1.0f / maxf (nrm, MEM_NORM_EPS);
    mnorm[i] = nrm;
    for (int k = 0; k < c; k++)
      o[k] = it[k] * inv;
  }

  /* gather queries position-major, bank-ordered: qn [P,C] */
  run_init (&r);
  while (run_next (mm, n, h, w, &r)) {
    const float *src = z + (size_t) r.b * c * hw + r.p0;
    float *dst = qn + r.row * c;
    for (int k = 0; k < c; k++) {
      const float *s = src + k * hw;
      for (int l = 0; l < r.len; l++)
        dst[(size_t) l * c + k] = s[l];
    }
  }
  size_t np = (size_t) n * hw;
  for (size_t p = 0; p < np; p++) {
    float *q = qn + p * c;
    float s = 0.0f;
    for (int k = 0; k < c; k++)
      s += q[k] * q[k];
    float nrm = sqrtf (s);
    float inv = 1.0f / maxf (nrm, MEM_NORM_EPS);
    znorm[p] = nrm;
    for (int k = 0; k < c; k++)
      q[k] *= inv;
  }

  /* cosine similarities per bank: cosm_g [Pg,M] = qn_g [Pg,C] x mn_g^T */
  size_t row = 0;
  for (int g = 0; g < ng; g++) {
    int y0, y1, x0, x1;
    bank_rect (mm, h, w, g, &y0, &y1, &x0, &x1);
    size_t pg = (size_t) n * (y1 - y0) * (x1 - x0);
    if (pg == 0)
      continue;
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) pg, m, c,
        1.0f, qn + row * c, c, mn + (size_t) g * m * c, c, 0.0f,
        cosm + row * m, m);
    row += pg;
  }

  /* softmax, shrinkage, renormalisation; read-out per run */
  run_init (&r);
  while (run_next (mm, n, h, w, &r)) {
    float *a_run = att + ((size_t) r.b * hw + r.p0) * m;   /* [len,M] */
    for (int l = 0; l < r.len; l++) {
      size_t p = r.row + l;
      const float *cs = cosm + p * m;
      float *sm = soft + p * m;
      float *a = a_run + (size_t) l * m;
      float mx = cs[0];
      for (int i = 1; i < m; i++)
        mx = maxf (mx, cs[i]);
      float se = 0.0f;
      for (int i = 0; i < m; i++) {
        sm[i] = expf ((cs[i] - mx) * inv_t);
        se += sm[i];
      }
      float ise = 1.0f / se, s1 = 0.0f;
      for (int i = 0; i < m; i++) {
        sm[i] *= ise;
        a[i] = shrink_f (sm[i], lsh);
        s1 += a[i];
      }
      wsum[p] = s1;
      float inv = 1.0f / maxf (s1, MEM_EPS);
      for (int i = 0; i < m; i++)
        a[i] *= inv;
    }
    /* out [C,len] (stride H*W) = items_g^T [C,M] x att_run^T [M,len] */
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasTrans, c, r.len, m, 1.0f,
        items + (size_t) r.g * m * c, c, a_run, m, 0.0f,
        out + (size_t) r.b * c * hw + r.p0, (int) hw);
  }
}

/* ------------------------------------------------------------------------ */
/* Backward                                                                  */

/* Chunk size for a stack workspace of MEM_WS floats holding per_pos floats
 * per position plus fixed floats. */
static int
chunk_size (int per_pos, int fixed)
{
  int ch = (MEM_WS - fixed) / per_pos;
  return ch > MEM_MAX_CHUNK ? MEM_MAX_CHUNK : ch;
}

void
ad_mem_backward (const ad_mem *mm, int n, int h, int w, const float *z,
    const float *items, const float *att, const float *cache,
    const float *dout, const float *datt, float *dz, float *ditems)
{
  const int c = mm->c, m = mm->m;
  const size_t hw = (size_t) h * w;
  const float lsh = mm->shrink / (float) m, inv_t = 1.0f / mm->temp;
  mem_layout lay;
  mem_layout_get (mm, n, h, w, &lay);
  const float *qn = cache + lay.qn;           /* [P,C] */
  const float *znorm = cache + lay.znorm;     /* [P] */
  const float *cosm = cache + lay.cosm;       /* [P,M] */
  const float *soft = cache + lay.soft;       /* [P,M] */
  const float *wsum = cache + lay.wsum;       /* [P] */
  const float *mn = cache + lay.mn;           /* [G,M,C] */
  const float *mnorm = cache + lay.mnorm;     /* [G,M] */
  float ws[MEM_WS];
  int ch = chunk_size (m + 2, 0);
  mem_run r;

  if (ch < 1) {
    /* more items than the workspace holds (far beyond the config limits) */
    memset (dz, 0, (size_t) n * c * hw * sizeof (float));
    return;
  }

  run_init (&r);
  while (run_next (mm, n, h, w, &r)) {
    const float *it_g = items + (size_t) r.g * m * c;       /* [M,C] */
    const float *mn_g = mn + (size_t) r.g * m * c;          /* [M,C] */
    const float *mnorm_g = mnorm + (size_t) r.g * m;        /* [M] */
    float *dit_g = ditems ? ditems + (size_t) r.g * m * c : NULL;
    for (int off = 0; off < r.len; off += ch) {
      int len = r.len - off < ch ? r.len - off : ch;
      int p0 = r.p0 + off;
      size_t row = r.row + off;
      size_t nat = (size_t) r.b * hw + p0;                  /* natural row */
      const float *dout_s = dout + (size_t) r.b * c * hw + p0;  /* [C,len] */
      float *dz_s = dz + (size_t) r.b * c * hw + p0;            /* [C,len] */
      const float *att_s = att + nat * m;                       /* [len,M] */
      float *g = ws;                                            /* [len,M] */
      float *coef = ws + (size_t) ch * m;                       /* [len] */
      float *zinv = coef + ch;                                  /* [len] */

      /* dw'' [len,M] = dout^T [len,C] x items_g^T [C,M] (+ datt) */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasTrans, len, m, c, 1.0f,
          dout_s, (int) hw, it_g, c, 0.0f, g, m);
      if (datt) {
        const float *da = datt + nat * m;
        for (size_t k = 0; k < (size_t) len * m; k++)
          g[k] += da[k];
      }
      /* read-out: ditems_g [M,C] += att^T [M,len] x dout^T [len,C] */
      if (dit_g)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasTrans, m, c, len, 1.0f,
            att_s, m, dout_s, (int) hw, 1.0f, dit_g, c);

      /* through renormalisation, shrinkage and softmax to dcos */
      for (int l = 0; l < len; l++) {
        size_t p = row + l;
        float *gl = g + (size_t) l * m;
        const float *a = att_s + (size_t) l * m;
        const float *sm = soft + p * m;
        float denom = maxf (wsum[p], MEM_EPS);
        float dot = 0.0f;
        if (wsum[p] > MEM_EPS)
          for (int i = 0; i < m; i++)
            dot += gl[i] * a[i];
        float dot2 = 0.0f;
        for (int i = 0; i < m; i++) {
          gl[i] = shrink_df (sm[i], lsh) * (gl[i] - dot) / denom;
          dot2 += gl[i] * sm[i];
        }
        const float *cs = cosm + p * m;
        float cf = 0.0f;
        for (int i = 0; i < m; i++) {
          gl[i] = sm[i] * (gl[i] - dot2) * inv_t;
          cf += gl[i] * cs[i];
        }
        coef[l] = znorm[p] > MEM_NORM_EPS ? cf : 0.0f;
        zinv[l] = 1.0f / maxf (znorm[p], MEM_NORM_EPS);
      }

      /* dqn^T [C,len] = mn_g^T [C,M] x dcos^T [M,len], then through the
       * query normalisation: dz = (dqn - (dqn.qn) qn) / ||z|| */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasTrans, c, len, m, 1.0f,
          mn_g, c, g, m, 0.0f, dz_s, (int) hw);
      for (int k = 0; k < c; k++) {
        float *d = dz_s + k * hw;
        const float *q = qn + row * c + k;
        for (int l = 0; l < len; l++)
          d[l] = (d[l] - coef[l] * q[(size_t) l * c]) * zinv[l];
      }

      if (!dit_g)
        continue;
      /* through the item normalisation:
       *   ditems_i += (sum_l dcos_li qn_l - (sum_l dcos_li cos_li) mn_i)
       *               / ||m_i|| */
      float *minv = coef;       /* [M] when M <= ch, else per item */
      int pre = m <= ch;
      if (pre)
        for (int i = 0; i < m; i++)
          minv[i] = 1.0f / maxf (mnorm_g[i], MEM_NORM_EPS);
      for (int l = 0; l < len; l++) {
        float *gl = g + (size_t) l * m;
        if (pre)
          for (int i = 0; i < m; i++)
            gl[i] *= minv[i];
        else
          for (int i = 0; i < m; i++)
            gl[i] /= maxf (mnorm_g[i], MEM_NORM_EPS);
      }
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, m, c, len, 1.0f,
          g, m, qn + row * c, c, 1.0f, dit_g, c);
      for (int i = 0; i < m; i++) {
        if (mnorm_g[i] <= MEM_NORM_EPS)
          continue;
        float t = 0.0f;
        for (int l = 0; l < len; l++)
          t += g[(size_t) l * m + i] * cosm[(row + l) * m + i];
        cblas_saxpy (c, -t, mn_g + (size_t) i * c, 1, dit_g + (size_t) i * c,
            1);
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Losses                                                                    */

/* Adds gk * d cos(z_p, m_k) / d z_p into dz (strided by hw) and
 * gk * d cos / d m_k into dit_k.  zp: the query (stride hw). */
static void
cos_grad (int c, size_t hw, const float *zp, float zinv, int z_proj,
    const float *mk, float minv, int m_proj, float cosv, float gk, float *dzp,
    float *dit_k)
{
  float cz = z_proj ? cosv : 0.0f, cm = m_proj ? cosv : 0.0f;
  if (dzp)
    for (int k = 0; k < c; k++)
      dzp[k * hw] += gk * zinv * (mk[k] * minv - cz * zp[k * hw] * zinv);
  if (dit_k)
    for (int k = 0; k < c; k++)
      dit_k[k] += gk * minv * (zp[k * hw] * zinv - cm * mk[k] * minv);
}

ad_mem_loss
ad_mem_losses (const ad_mem *mm, int n, int h, int w,
    const float *z, const float *items, const float *att, float w_entropy,
    float w_compact, float w_separate, float margin, float *datt, float *dz,
    float *ditems)
{
  const int c = mm->c, m = mm->m;
  const size_t hw = (size_t) h * w, np = (size_t) n * hw;
  ad_mem_loss res = { 0.0f, 0.0f, 0.0f };
  if (np == 0)
    return res;
  const double inv_p = 1.0 / (double) np;

  /* entropy of w'' */
  double ent = 0.0;
  float ge = (float) (w_entropy * inv_p);
  int gent = datt && w_entropy != 0.0f;
  float g0 = ge * (float) log (MEM_LOG_EPS);     /* gradient at w'' = 0 */
  for (size_t q = 0; q < np * m; q++) {
    float a = att[q];
    if (a == 0.0f) {
      if (gent)
        datt[q] -= g0;
      continue;
    }
    float lg = logf (a + (float) MEM_LOG_EPS);
    ent -= (double) a * lg;
    if (gent)
      datt[q] -= ge * (lg + a / (a + (float) MEM_LOG_EPS));
  }
  res.entropy = (float) (ent * inv_p);

  /* compactness and separateness from the cosine to the nearest and the
   * second nearest item (unit vectors: ||zn - mn||^2 = 2 - 2 cos) */
  float ws[MEM_WS];
  float *minv = ws;                              /* [M] */
  float *zinv = ws + align16 (m);                /* [ch] */
  int ch = chunk_size (m + 1, (int) align16 (m));
  if (ch < 1) {
    res.compact = res.separate = NAN;
    return res;
  }
  float *dots = zinv + ch;                       /* [ch,M] */
  int grads = (dz || ditems) && (w_compact != 0.0f || w_separate != 0.0f);
  float gc = (float) (w_compact * inv_p), gs = (float) (w_separate * inv_p);
  double comp = 0.0, sep = 0.0;
  int cur_g = -1;
  mem_run r;

  run_init (&r);
  while (run_next (mm, n, h, w, &r)) {
    const float *it_g = items + (size_t) r.g * m * c;     /* [M,C] */
    float *dit_g = ditems ? ditems + (size_t) r.g * m * c : NULL;
    if (r.g != cur_g) {
      cur_g = r.g;
      for (int i = 0; i < m; i++) {
        float s = 0.0f;
        for (int k = 0; k < c; k++)
          s += it_g[(size_t) i * c + k] * it_g[(size_t) i * c + k];
        minv[i] = 1.0f / maxf (sqrtf (s), MEM_NORM_EPS);
      }
    }
    for (int off = 0; off < r.len; off += ch) {
      int len = r.len - off < ch ? r.len - off : ch;
      const float *z_s = z + (size_t) r.b * c * hw + r.p0 + off; /* [C,len] */
      float *dz_s = dz ? dz + (size_t) r.b * c * hw + r.p0 + off : NULL;

      /* dots [len,M] = z^T [len,C] x items_g^T [C,M] */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasTrans, len, m, c, 1.0f,
          z_s, (int) hw, it_g, c, 0.0f, dots, m);
      for (int l = 0; l < len; l++)
        zinv[l] = 0.0f;
      for (int k = 0; k < c; k++)
        for (int l = 0; l < len; l++)
          zinv[l] += z_s[k * hw + l] * z_s[k * hw + l];

      for (int l = 0; l < len; l++) {
        int zp = zinv[l] > MEM_NORM_EPS * MEM_NORM_EPS;
        zinv[l] = 1.0f / maxf (sqrtf (zinv[l]), MEM_NORM_EPS);
        float *cs = dots + (size_t) l * m;
        int i1 = -1, i2 = -1;
        for (int i = 0; i < m; i++) {
          cs[i] *= zinv[l] * minv[i];
          if (i1 < 0 || cs[i] > cs[i1]) {
            i2 = i1;
            i1 = i;
          } else if (i2 < 0 || cs[i] > cs[i2]) {
            i2 = i;
          }
        }
        comp += 2.0 - 2.0 * cs[i1];
        float hinge = 0.0f;
        if (i2 >= 0) {
          hinge = 2.0f * cs[i2] - 2.0f * cs[i1] + margin;
          if (hinge > 0.0f)
            sep += hinge;
        }
        if (!grads)
          continue;
        /* d/dcos1 = -2 gc - 2 gs [hinge>0], d/dcos2 = 2 gs [hinge>0] */
        float g1 = -2.0f * gc - (hinge > 0.0f ? 2.0f * gs : 0.0f);
        float g2 = hinge > 0.0f ? 2.0f * gs : 0.0f;
        const float *zq = z_s + l;
        float *dzq = dz_s ? dz_s + l : NULL;
        int pj1 = 1.0f / minv[i1] > MEM_NORM_EPS;
        cos_grad (c, hw, zq, zinv[l], zp, it_g + (size_t) i1 * c, minv[i1],
            pj1, cs[i1], g1, dzq, dit_g ? dit_g + (size_t) i1 * c : NULL);
        if (g2 != 0.0f) {
          int pj2 = 1.0f / minv[i2] > MEM_NORM_EPS;
          cos_grad (c, hw, zq, zinv[l], zp, it_g + (size_t) i2 * c, minv[i2],
              pj2, cs[i2], g2, dzq, dit_g ? dit_g + (size_t) i2 * c : NULL);
        }
      }
    }
  }
  res.compact = (float) (comp * inv_p);
  res.separate = (float) (sep * inv_p);
  return res;
}
