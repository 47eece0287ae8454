/* ad-metrics.c - AUROC and average precision for evaluation. */
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct scored {
  float s;
  uint8_t label;
} scored;

static int
cmp_desc (const void *a, const void *b)
{
  float x = ((const scored *) a)->s, y = ((const scored *) b)->s;
  return (x < y) - (x > y);
}

/* (score, label) pairs sorted by decreasing score; NULL on failure. */
static scored *
sorted_desc (const float *score, const uint8_t *label, int64_t n)
{
  scored *v = malloc (sizeof (scored) * (n > 0 ? n : 1));
  if (!v)
    return NULL;
  for (int64_t i = 0; i < n; i++)
    v[i] = (scored) { score[i], label[i] ? 1 : 0 };
  qsort (v, n, sizeof (scored), cmp_desc);
  return v;
}

double
ad_metric_auroc (const float *score, const uint8_t *label, int64_t n)
{
  scored *v = sorted_desc (score, label, n);
  if (!v)
    return NAN;
  double pos = 0, neg = 0, area = 0;
  /* walk groups of tied scores from the top */
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    double gp = 0, gn = 0;
    while (j < n && v[j].s == v[i].s) {
      if (v[j].label)
        gp++;
      else
        gn++;
      j++;
    }
    area += gn * (pos + 0.5 * gp);   /* negatives below these positives */
    pos += gp;
    neg += gn;
    i = j;
  }
  free (v);
  if (pos == 0 || neg == 0)
    return NAN;
  return area / (pos * neg);
}

double
ad_metric_ap (const float *score, const uint8_t *label, int64_t n)
{
  scored *v = sorted_desc (score, label, n);
  if (!v)
    return NAN;
  double total = 0;
  for (int64_t i = 0; i < n; i++)
    total += label[i] ? 1 : 0;
  double tp = 0, ap = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    double gp = 0;
    while (j < n && v[j].s == v[i].s) {
      gp += v[j].label ? 1 : 0;
      j++;
    }
    tp += gp;
    ap += gp / (total > 0 ? total : 1) * (tp / (double) j);
    i = j;
  }
  free (v);
  return total > 0 ? ap : NAN;
}
