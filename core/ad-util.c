/* ad-util.c - allocation, checksums, random numbers, time, sums. */
#define _POSIX_C_SOURCE 200809L
#include "ad-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *
ad_alloc (size_t n_floats)
{
  size_t bytes = n_floats * sizeof (float);
  if (n_floats && bytes / sizeof (float) != n_floats)
    return NULL;
  bytes = (bytes + 63) & ~(size_t) 63;
  if (bytes == 0)
    bytes = 64;
  void *p = aligned_alloc (64, bytes);
  if (p)
    memset (p, 0, bytes);
  return p;
}

void
ad_free (void *p)
{
  free (p);
}

uint32_t
ad_crc32 (uint32_t crc, const void *data, size_t n)
{
  static uint32_t table[256];
  static int init;
  if (!init) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    init = 1;
  }
  const uint8_t *p = data;
  crc = ~crc;
  for (size_t i = 0; i < n; i++)
    crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void
ad_rng_seed (ad_rng *r, uint64_t seed)
{
  r->s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  if (r->s == 0)
    r->s = 1;
}

uint32_t
ad_rng_u32 (ad_rng *r)
{
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return (uint32_t) ((x * 0x2545F4914F6CDD1Dull) >> 32);
}

float
ad_rng_uniform (ad_rng *r)
{
  return (ad_rng_u32 (r) >> 8) * (1.0f / 16777216.0f);
}

float
ad_rng_normal (ad_rng *r)
{
  float u1 = ad_rng_uniform (r), u2 = ad_rng_uniform (r);
  if (u1 < 1e-7f)
    u1 = 1e-7f;
  return sqrtf (-2.0f * logf (u1)) * cosf (6.2831853f * u2);
}

double
ad_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Eight independent partial sums, so that gcc turns the loop into vector
 * adds without needing to reassociate. */
float
ad_sum (const float *restrict v, size_t n)
{
  float acc[8] = { 0 };
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++)
      acc[l] += v[i + l];
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
      ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; i++)
    s += v[i];
  return s;
}
