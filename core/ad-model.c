/* ad-model.c - model files: save (atomic), load, peek.
 *
 * Format version 1, little-endian throughout (see docs/model-format.md):
 *
 *   "ADMODEL\0"  u32 version
 *   u32 n_fields, n_fields x { u16 len, name, u8 type, 4-byte value }
 *   calibration: u32 nq, i32 valid, i32 n_frames, 4 x f32[nq], 4 x f32
 *   u32 n_tensors, n_tensors x { u16 len, name, u32 ndim, u32 dims[ndim],
 *                                f32 data[prod(dims)] }
 *   u32 crc32 of every byte before it
 *
 * The loader never trusts a length: every count is checked against the bytes
 * that are left before anything is read or allocated, and the network the
 * config describes must fit in the weights the file actually holds before
 * ad_model_new() allocates it.
 */
#define _POSIX_C_SOURCE 200809L
#include "ad-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AD_MODEL_MAGIC "ADMODEL\0"
#define AD_MODEL_MAGIC_LEN 8
#define AD_MODEL_VERSION 1u
#define AD_MODEL_MAX_BYTES ((uint64_t) 1 << 30)
#define AD_MODEL_MAX_FLOATS ((uint64_t) 64 << 20)
/* Smallest encodings, used to bound counts against the remaining bytes. */
#define FIELD_MIN_BYTES (2 + 1 + 1 + 4)
#define TENSOR_MIN_BYTES (2 + 1 + 4)

/* ------------------------------------------------------------------------ */
/* Little-endian encoding                                                   */

static void
put_u32le (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

static uint32_t
get_u32le (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
      (uint32_t) p[3] << 24;
}

static uint32_t
float_bits (float f)
{
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return u;
}

static float
bits_float (uint32_t u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

/* ------------------------------------------------------------------------ */
/* Reading: a cursor over a byte range with checked reads                   */

typedef struct reader {
  const uint8_t *p;
  size_t size, pos;
  int truncated;            /* set when a read ran past the end */
} reader;

static ad_status
need (reader *r, size_t n, const char *what, const char *name,
    ad_error *err)
{
  if (n <= r->size - r->pos)
    return AD_OK;
  r->truncated = 1;
  return ad_fail (err, AD_ERR_FORMAT, "model file is truncated: it ends "
      "while reading %s%s%s%s (offset %zu, %zu bytes needed, %zu left)",
      what, name ? " '" : "", name ? name : "", name ? "'" : "", r->pos, n,
      r->size - r->pos);
}

static ad_status
read_u32 (reader *r, uint32_t *v, const char *what, const char *name,
    ad_error *err)
{
  ad_status st = need (r, 4, what, name, err);
  if (st != AD_OK)
    return st;
  *v = get_u32le (r->p + r->pos);
  r->pos += 4;
  return AD_OK;
}

/* u16 length + name; the name must be 1..AD_NAME_MAX-1 printable ASCII
 * bytes.  out receives it NUL-terminated. */
static ad_status
read_name (reader *r, char out[AD_NAME_MAX], const char *what, ad_error *err)
{
  ad_status st = need (r, 2, "the name length of", what, err);
  if (st != AD_OK)
    return st;
  size_t len = (size_t) r->p[r->pos] | (size_t) r->p[r->pos + 1] << 8;
  r->pos += 2;
  if (len == 0 || len > AD_NAME_MAX - 1)
    return ad_fail (err, AD_ERR_FORMAT, "bad model file: %s name length %zu "
        "at offset %zu is outside [1, %d]", what, len, r->pos - 2,
        AD_NAME_MAX - 1);
  if ((st = need (r, len, "the name of", what, err)) != AD_OK)
    return st;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = r->p[r->pos + i];
    if (c < 0x21 || c > 0x7e)
      return ad_fail (err, AD_ERR_FORMAT, "bad model file: %s name at "
          "offset %zu contains byte 0x%02x", what, r->pos, c);
    out[i] = (char) c;
  }
  out[len] = '\0';
  r->pos += len;
  return AD_OK;
}

/* Magic and version. */
static ad_status
read_header (reader *r, ad_error *err)
{
  size_t n = r->size < AD_MODEL_MAGIC_LEN ? r->size : AD_MODEL_MAGIC_LEN;
  if (memcmp (r->p, AD_MODEL_MAGIC, n) != 0)
    return ad_fail (err, AD_ERR_FORMAT, "not a model file (bad magic)");
  ad_status st = need (r, AD_MODEL_MAGIC_LEN, "the magic", NULL, err);
  if (st != AD_OK)
    return st;
  r->pos += AD_MODEL_MAGIC_LEN;
  uint32_t version;
  if ((st = read_u32 (r, &version, "the format version", NULL, err)) != AD_OK)
    return st;
  if (version != AD_MODEL_VERSION)
    return ad_fail (err, AD_ERR_VERSION, "model file format version %u is "
        "not supported (this build reads version %u)", version,
        AD_MODEL_VERSION);
  return AD_OK;
}

/* The config records, applied over the defaults.  No range checks. */
static ad_status
read_config (reader *r, ad_config *cfg, ad_error *err)
{
  uint32_t n;
  ad_status st = read_u32 (r, &n, "the number of config fields", NULL, err);
  if (st != AD_OK)
    return st;
  if (n > (r->size - r->pos) / FIELD_MIN_BYTES) {
    r->truncated = 1;
    return ad_fail (err, AD_ERR_FORMAT, "model file is truncated or has a "
        "bad count: %u config fields cannot fit in the %zu bytes left", n,
        r->size - r->pos);
  }
  uint8_t seen[256] = { 0 };
  ad_config_default (cfg);
  for (uint32_t i = 0; i < n; i++) {
    char name[AD_NAME_MAX];
    if ((st = read_name (r, name, "config field", err)) != AD_OK)
      return st;
    if ((st = need (r, 5, "the value of config field", name, err)) != AD_OK)
      return st;
    uint8_t type = r->p[r->pos];
    const uint8_t *val = r->p + r->pos + 1;
    r->pos += 5;
    const ad_field *f = ad_config_field (name);
    if (!f)
      return ad_fail (err, AD_ERR_FORMAT, "model file has unknown config "
          "field '%s' (written by a newer version?)", name);
    int idx = (int) (f - ad_config_fields);
    if (idx < (int) sizeof seen && seen[idx]++)
      return ad_fail (err, AD_ERR_FORMAT, "model file has config field "
          "'%s' twice", name);
    if (type != (uint8_t) f->type)
      return ad_fail (err, AD_ERR_FORMAT, "model file has config field "
          "'%s' with type %u, expected %u", name, type, (unsigned) f->type);
    /* Both types are 32 bits; the raw pattern keeps floats bit-exact. */
    uint32_t u = get_u32le (val);
    memcpy ((char *) cfg + f->offset, &u, sizeof u);
  }
  /* Fields older files lack take the value those files were made with:
   * the map weights (their map was calibrated as the frame score's
   * fusion) and the motion patterns' bins (their tensor's size), window
   * (learned from single pairs), fixed spread, no place-where-nobody-
   * moves rule, an unsmoothed motion-pattern score, calibration on the
   * latest footage only, no wandering part (or one in px/frame, not over
   * a spread they do not hold) and the linear map gate of
   * each cell's own largest without a shadow test or dimmed darker
   * pixels (their pixel threshold was calibrated on it); colour models' vectors from the channel mean
   * (their motion patterns were learned on it); the running means of the
   * frame's largest cell falling as they rise, no uncertainty discount
   * (their threshold was calibrated so) and a map of each frame's own
   * motion patterns (their pixel threshold was), and no busy-frame
   * correction of the motion pattern (their threshold was calibrated
   * without it); motion seen once counted as normal (no flow_recur), and
   * with flow_recur two sightings in the same bin (their motion patterns
   * were learned so), every bin seen counting however rare (no
   * flow_trim); the picture's mean change of brightness taken out
   * of the motion fit, not its gain, and no hold after a camera jump
   * (their motion patterns and threshold were made so), and no feature
   * novelty (they hold no normal state of the features), and every
   * still piece in the stationary change, people standing too (their
   * threshold was calibrated so; they hold no train_height either). */
  static const struct { const char *name; double value; } legacy[] = {
    { "map_learned", 1.0 }, { "map_motion", 1.0 }, { "flow_bins", 17.0 },
    { "flow_window", 1.0 }, { "flow_spread_vectors", 0.0 },
    { "flow_local", 0.0 }, { "flow_unseen", 0.0 }, { "flow_smooth", 1.0 },
    { "holdout_blocks", 1.0 }, { "wander_weight", 0.0 },
    { "wander_norm", 0.0 },
    { "map_gate_floor", 0.0 }, { "map_gate_power", 1.0 },
    { "map_shadow", 1.0 }, { "map_dark", 1.0 }, { "flow_color", 0.0 },
    { "flow_track", 0.0 }, { "flow_sigma", 0.0 }, { "flow_release", 0.0 },
    { "map_track", 0.0 }, { "map_wander", 1.0 }, { "static_normal", 0.0 },
    { "static_chroma", 0.0 }, { "map_neighbour", 0.5 },
    { "flow_busy", 0.0 }, { "map_outside", 1.0 },
    { "flow_recur", 0.0 }, { "flow_recur_bins", 0.0 },
    { "static_light", 0.0 }, { "flow_light", 0.0 },
    { "light_engage", 0.0 }, { "flow_sway", 0.0 },
    { "flow_shade", 0.0 }, { "map_frame", 0.0 }, { "static_clear", 0.0 },
    { "flow_gain", 0.0 }, { "shake_hold", 0.0 }, { "flow_trim", 0.0 },
    { "feat_weight", 0.0 }, { "static_window", 0.0 },
    { "static_people", 1.0 }, { "static_hold", 0.0 } };
  for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
    const ad_field *f = ad_config_field (legacy[i].name);
    int idx = (int) (f - ad_config_fields);
    if (idx < (int) sizeof seen && !seen[idx])
      ad_config_set (cfg, f, legacy[i].value);
  }
  return AD_OK;
}

static ad_status
read_calib (reader *r, ad_calib *c, ad_error *err)
{
  uint32_t nq;
  ad_status st = read_u32 (r, &nq, "the calibration", NULL, err);
  if (st != AD_OK)
    return st;
  if (nq != AD_CALIB_NQ)
    return ad_fail (err, AD_ERR_FORMAT, "bad model file: calibration has %u "
        "quantiles, expected %d", nq, AD_CALIB_NQ);
  size_t bytes = 4 * (2 + 4 * AD_CALIB_NQ + 4);
  if ((st = need (r, bytes, "the calibration", NULL, err)) != AD_OK)
    return st;
  memset (c, 0, sizeof *c);
  const uint8_t *p = r->p + r->pos;
  r->pos += bytes;
  c->valid = (int32_t) get_u32le (p);
  c->n_frames = (int32_t) get_u32le (p + 4);
  p += 8;
  float *arrays[4] = { c->learned_q, c->motion_q, c->fused_q, c->pixel_q };
  for (int a = 0; a < 4; a++)
    for (int i = 0; i < AD_CALIB_NQ; i++, p += 4)
      arrays[a][i] = bits_float (get_u32le (p));
  float *scalars[4] = { &c->learned_scale, &c->motion_scale, &c->threshold,
    &c->pixel_threshold };
  for (int i = 0; i < 4; i++, p += 4)
    *scalars[i] = bits_float (get_u32le (p));

  if (c->valid != 0 && c->valid != 1)
    return ad_fail (err, AD_ERR_FORMAT, "bad model file: calibration flag "
        "is %d", c->valid);
  if (c->n_frames < 0)
    return ad_fail (err, AD_ERR_FORMAT, "bad model file: calibration frame "
        "count is %d", c->n_frames);
  for (int a = 0; a < 4; a++)
    for (int i = 0; i < AD_CALIB_NQ; i++)
      if (!isfinite (arrays[a][i]))
        return ad_fail (err, AD_ERR_FORMAT, "bad model file: calibration "
            "holds a non-finite value");
  for (int i = 0; i < 4; i++)
    if (!isfinite (*scalars[i]))
      return ad_fail (err, AD_ERR_FORMAT, "bad model file: calibration "
          "holds a non-finite value");
  return AD_OK;
}

/* One tensor record header: name, ndim, dims.  On success the cursor is at
 * the data, which is known to fit; *count is the number of floats. */
static ad_status
read_tensor_head (reader *r, char name[AD_NAME_MAX], int32_t *ndim,
    int32_t dims[AD_MAX_DIMS], size_t *count, ad_error *err)
{
  ad_status st = read_name (r, name, "tensor", err);
  if (st != AD_OK)
    return st;
  uint32_t nd;
  if ((st = read_u32 (r, &nd, "the rank of tensor", name, err)) != AD_OK)
    return st;
  if (nd < 1 || nd > AD_MAX_DIMS)
    return ad_fail (err, AD_ERR_FORMAT, "bad model file: tensor '%s' has "
        "rank %u (1..%d allowed)", name, nd, AD_MAX_DIMS);
  /* No tensor can hold more floats than a file of the size limit; below
   * that, need() reports data running past the end as a truncation. */
  const uint64_t max_floats = AD_MODEL_MAX_BYTES / 4;
  uint64_t n = 1;
  for (uint32_t i = 0; i < nd; i++) {
    uint32_t d;
    if ((st = read_u32 (r, &d, "the shape of tensor", name, err)) != AD_OK)
      return st;
    if (d == 0 || d > max_floats || n > max_floats / d)
      return ad_fail (err, AD_ERR_FORMAT, "bad model file: tensor '%s' "
          "dimension %u = %u is out of range", name, i, d);
    n *= d;
    dims[i] = (int32_t) d;
  }
  *ndim = (int32_t) nd;
  *count = (size_t) n;
  return need (r, (size_t) n * 4, "the data of tensor", name, err);
}

/* Walks the tensor records without storing anything: every length is
 * checked and the records must end exactly at the end of the range.
 * *n_floats receives the total number of weights in the file. */
static ad_status
scan_tensors (reader *r, uint64_t *n_floats, ad_error *err)
{
  uint32_t n;
  ad_status st = read_u32 (r, &n, "the number of tensors", NULL, err);
  if (st != AD_OK)
    return st;
  if (n > (r->size - r->pos) / TENSOR_MIN_BYTES) {
    r->truncated = 1;
    return ad_fail (err, AD_ERR_FORMAT, "model file is truncated or has a "
        "bad count: %u tensors cannot fit in the %zu bytes left", n,
        r->size - r->pos);
  }
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    char name[AD_NAME_MAX];
    int32_t ndim, dims[AD_MAX_DIMS];
    size_t count;
    if ((st = read_tensor_head (r, name, &ndim, dims, &count, err)) != AD_OK)
      return st;
    r->pos += count * 4;
    total += count;
  }
  if (r->pos != r->size)
    return ad_fail (err, AD_ERR_FORMAT, "bad model file: %zu unexpected "
        "bytes after the tensors", r->size - r->pos);
  *n_floats = total;
  return AD_OK;
}

static void
format_shape (char *buf, size_t len, int32_t ndim, const int32_t *dims)
{
  size_t o = 0;
  buf[0] = '\0';
  for (int i = 0; i < ndim && o < len; i++) {
    int k = snprintf (buf + o, len - o, "%s%d", i ? "x" : "", dims[i]);
    if (k < 0)
      break;
    o += (size_t) k;
  }
}

/* Calibration buffers added after files of this format version were
 * first written: a file without one leaves it zero (uncalibrated), which
 * the scorer reads as the behaviour of the files made before it. */
static const char *const optional_tensors[] = { "wander_stats",
  "ignore_mask", "static_base", "bg_chroma", "busy_stats", "shade_pixels",
  "feat_normal", "feat_stats" };

static int
tensor_optional (const char *name)
{
  for (size_t i = 0; i < sizeof optional_tensors /
      sizeof optional_tensors[0]; i++)
    if (!strcmp (name, optional_tensors[i]))
      return 1;
  return 0;
}

/* Second pass over the (already scanned) tensor records: match each one to
 * the model's tensor of that name and copy its data in. */
static ad_status
fill_tensors (reader *r, ad_model *m, ad_error *err)
{
  uint32_t n;
  ad_status st = read_u32 (r, &n, "the number of tensors", NULL, err);
  if (st != AD_OK)
    return st;
  uint8_t *seen = calloc ((size_t) m->n_tensors + 1, 1);
  if (!seen)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < n && st == AD_OK; i++) {
    char name[AD_NAME_MAX];
    int32_t ndim, dims[AD_MAX_DIMS];
    size_t count;
    if ((st = read_tensor_head (r, name, &ndim, dims, &count, err)) != AD_OK)
      break;
    ad_tensor *t = ad_model_tensor (m, name);
    if (!t) {
      st = ad_fail (err, AD_ERR_MISMATCH, "model file has tensor '%s' that "
          "the network of its configuration does not have", name);
      break;
    }
    size_t idx = (size_t) (t - m->tensors);
    if (seen[idx]++) {
      st = ad_fail (err, AD_ERR_FORMAT, "model file has tensor '%s' twice",
          name);
      break;
    }
    if (t->ndim != ndim || memcmp (t->dims, dims, sizeof (int32_t) *
            (size_t) ndim) != 0) {
      char a[64], b[64];
      format_shape (a, sizeof a, ndim, dims);
      format_shape (b, sizeof b, t->ndim, t->dims);
      st = ad_fail (err, AD_ERR_MISMATCH, "tensor '%s' has shape [%s] in the "
          "model file but its configuration gives [%s]", name, a, b);
      break;
    }
    const uint8_t *p = r->p + r->pos;
    for (size_t k = 0; k < count; k++, p += 4) {
      float v = bits_float (get_u32le (p));
      if (!isfinite (v)) {
        st = ad_fail (err, AD_ERR_FORMAT, "model file tensor '%s' holds a "
            "non-finite value at index %zu", name, k);
        break;
      }
      t->data[k] = v;
    }
    r->pos += count * 4;
  }
  for (int i = 0; i < m->n_tensors && st == AD_OK; i++)
    if (!seen[i] && !tensor_optional (m->tensors[i].name))
      st = ad_fail (err, AD_ERR_MISMATCH, "model file lacks tensor '%s' of "
          "its network", m->tensors[i].name);
  free (seen);
  return st;
}

/* Floats the network of a validated cfg allocates, following the layout of
 * ad_net_build().  Only used to refuse, before allocating, a config that
 * needs far more weights than the file holds; the exact check is done
 * tensor by tensor afterwards. */
static uint64_t
config_floats (const ad_config *cfg)
{
  const int32_t *wd = cfg->widths;
  uint64_t cin = (uint64_t) ad_config_in_channels (cfg);
  uint64_t cout = (uint64_t) ad_config_out_channels (cfg);
  uint64_t h = (uint64_t) cfg->height, w = (uint64_t) cfg->width;
#define CONV(ci, co) ((uint64_t) (co) * (ci) * 9 + (co))
  uint64_t n = CONV (cin, wd[0]);
  for (int s = 1; s < AD_MAX_SCALES; s++) {
    uint64_t c = (uint64_t) wd[s];
    uint64_t r = c / (uint64_t) cfg->se_reduction;
    if (r < 1)
      r = 1;
    n += CONV (wd[s - 1], c) + 2 * CONV (c, c) + 2 * r * c + r + c;
  }
  if (cfg->mem_place >= AD_MEM_BOTTLENECK) {
    uint64_t g = (uint64_t) cfg->mem_grid;
    uint64_t gh = g < h / 8 ? g : h / 8, gw = g < w / 8 ? g : w / 8;
    n += gh * gw * (uint64_t) cfg->mem_items * (uint64_t) wd[3];
  }
  uint64_t c = (uint64_t) wd[3];
  for (int s = 2; s >= 0; s--) {
    n += CONV (c, wd[s]);
    c = (uint64_t) wd[s];
    int mem_here = cfg->mem_place == AD_MEM_ALL_SKIPS ||
        (cfg->mem_place == AD_MEM_LOW_SKIPS && s == 2);
    if (cfg->skips >= 3 - s && mem_here)
      n += (uint64_t) cfg->mem_skip_items * c;
  }
  n += CONV (c, cout);
#undef CONV
  uint64_t cell = (uint64_t) cfg->motion_cell;
  n += ((h + cell - 1) / cell) * ((w + cell - 1) / cell) *
      (1 + (uint64_t) cfg->flow_bins * cfg->flow_bins) + 4 + 2 * h * w;
  return n;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */

ad_status
ad_model_load_mem (const uint8_t *data, size_t size, ad_model **out,
    ad_error *err)
{
  if (!out)
    return ad_fail (err, AD_ERR_ARG, "no output model");
  *out = NULL;
  if (!data && size)
    return ad_fail (err, AD_ERR_ARG, "no data");
  if (size == 0)
    return ad_fail (err, AD_ERR_FORMAT, "model file is empty");
  if ((uint64_t) size > AD_MODEL_MAX_BYTES)
    return ad_fail (err, AD_ERR_FORMAT, "model file of %zu bytes is larger "
        "than the 1 GiB limit", size);

  reader r = { data, size, 0, 0 };
  ad_status st = read_header (&r, err);
  if (st != AD_OK)
    return st;

  /* Checksum first.  On a mismatch, walk the layout to tell a truncated
   * file (more useful to report) from a corrupt one. */
  ad_config cfg;
  ad_calib calib;
  uint64_t file_floats = 0;
  size_t body = size >= 16 ? size - 4 : size;
  uint32_t crc = 0, stored = 0;
  if (size >= 16) {
    stored = get_u32le (data + body);
    crc = ad_crc32 (0, data, body);
  }
  if (size < 16 || crc != stored) {
    ad_error tmp = { { 0 } };
    reader s = { data, body, r.pos, 0 };
    if ((st = read_config (&s, &cfg, &tmp)) == AD_OK &&
        (st = read_calib (&s, &calib, &tmp)) == AD_OK)
      st = scan_tensors (&s, &file_floats, &tmp);
    if (s.truncated)
      return ad_fail (err, AD_ERR_FORMAT, "%s", tmp.msg);
    if (size < 16)
      return ad_fail (err, AD_ERR_FORMAT, "model file is truncated: it ends "
          "before the checksum");
    return ad_fail (err, AD_ERR_CHECKSUM, "model file checksum mismatch "
        "(stored 0x%08x, computed 0x%08x): the file is corrupt", stored, crc);
  }

  r.size = body;
  if ((st = read_config (&r, &cfg, err)) != AD_OK)
    return st;
  ad_error verr = { { 0 } };
  if (ad_config_validate (&cfg, &verr) != AD_OK)
    return ad_fail (err, AD_ERR_FORMAT, "model file has an invalid "
        "configuration: %.200s", verr.msg);
  if ((st = read_calib (&r, &calib, err)) != AD_OK)
    return st;
  size_t tensors_pos = r.pos;
  if ((st = scan_tensors (&r, &file_floats, err)) != AD_OK)
    return st;

  /* Bound the allocation by the data actually present (with a factor 2 of
   * slack so an estimate drifting from ad-net.c cannot reject valid
   * files). */
  uint64_t need_floats = config_floats (&cfg);
  if (need_floats > AD_MODEL_MAX_FLOATS)
    return ad_fail (err, AD_ERR_FORMAT, "model file configuration needs "
        "%llu weights, more than the limit of %llu",
        (unsigned long long) need_floats,
        (unsigned long long) AD_MODEL_MAX_FLOATS);
  if (need_floats > 2 * file_floats)
    return ad_fail (err, AD_ERR_MISMATCH, "model file holds %llu weights "
        "but its configuration needs about %llu",
        (unsigned long long) file_floats, (unsigned long long) need_floats);

  ad_model *m;
  if ((st = ad_model_new (&cfg, &m, err)) != AD_OK)
    return st;
  m->calib = calib;
  r.pos = tensors_pos;
  if ((st = fill_tensors (&r, m, err)) != AD_OK) {
    ad_model_free (m);
    return st;
  }
  *out = m;
  return AD_OK;
}

/* Reads a whole file of at most 1 GiB; *data is malloc'ed. */
static ad_status
read_file (const char *path, uint8_t **data, size_t *size, size_t limit,
    ad_error *err)
{
  *data = NULL;
  *size = 0;
  FILE *f = fopen (path, "rb");
  if (!f)
    return ad_fail (err, AD_ERR_IO, "cannot open model file '%s': %s", path,
        strerror (errno));
  struct stat sb;
  if (fstat (fileno (f), &sb) != 0 || !S_ISREG (sb.st_mode)) {
    fclose (f);
    return ad_fail (err, AD_ERR_IO, "model file '%s' is not a regular file",
        path);
  }
  if ((uint64_t) sb.st_size > AD_MODEL_MAX_BYTES) {
    fclose (f);
    return ad_fail (err, AD_ERR_FORMAT, "model file '%s' (%lld bytes) is "
        "larger than the 1 GiB limit", path, (long long) sb.st_size);
  }
  size_t n = (size_t) sb.st_size;
  if (limit && n > limit)
    n = limit;
  uint8_t *buf = malloc (n ? n : 1);
  if (!buf) {
    fclose (f);
    return ad_fail (err, AD_ERR_NOMEM, "out of memory reading '%s'", path);
  }
  size_t got = fread (buf, 1, n, f);
  int failed = ferror (f);
  fclose (f);
  if (failed) {
    free (buf);
    return ad_fail (err, AD_ERR_IO, "cannot read model file '%s'", path);
  }
  *data = buf;
  *size = got;
  return AD_OK;
}

ad_status
ad_model_load (const char *path, ad_model **out, ad_error *err)
{
  if (!out || !path)
    return ad_fail (err, AD_ERR_ARG, "missing argument");
  *out = NULL;
  uint8_t *data;
  size_t size;
  ad_status st = read_file (path, &data, &size, 0, err);
  if (st != AD_OK)
    return st;
  st = ad_model_load_mem (data, size, out, err);
  free (data);
  return st;
}

ad_status
ad_model_peek_config (const char *path, ad_config *cfg, ad_error *err)
{
  if (!path || !cfg)
    return ad_fail (err, AD_ERR_ARG, "missing argument");
  /* The config comes first and is small: read a prefix, and the whole file
   * only if the config does not end inside it.  The checksum is not
   * verified here; ad_model_load() does. */
  const size_t prefix = 64 * 1024;
  uint8_t *data;
  size_t size;
  ad_status st = read_file (path, &data, &size, prefix, err);
  for (int pass = 0; pass < 2 && st == AD_OK; pass++) {
    reader r = { data, size, 0, 0 };
    ad_config c = { 0 };
    if (size == 0)
      st = ad_fail (err, AD_ERR_FORMAT, "model file is empty");
    else if ((st = read_header (&r, err)) == AD_OK &&
        (st = read_config (&r, &c, err)) == AD_OK)
      st = ad_config_validate (&c, err);
    if (st == AD_OK)
      *cfg = c;
    if (!r.truncated || size < prefix)
      break;
    free (data);
    st = read_file (path, &data, &size, 0, err);
  }
  free (data);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Saving                                                                   */

typedef struct writer {
  FILE *f;
  uint32_t crc;
  int failed;
} writer;

static void
put (writer *w, const void *p, size_t n)
{
  if (w->failed)
    return;
  w->crc = ad_crc32 (w->crc, p, n);
  if (fwrite (p, 1, n, w->f) != n)
    w->failed = 1;
}

static void
put_u32 (writer *w, uint32_t v)
{
  uint8_t b[4];
  put_u32le (b, v);
  put (w, b, 4);
}

static void
put_name (writer *w, const char *name)
{
  size_t len = strlen (name);
  uint8_t b[2] = { (uint8_t) len, (uint8_t) (len >> 8) };
  put (w, b, 2);
  put (w, name, len);
}

static void
put_floats (writer *w, const float *v, size_t n)
{
  uint8_t buf[4096];
  while (n > 0) {
    size_t k = n < sizeof buf / 4 ? n : sizeof buf / 4;
    for (size_t i = 0; i < k; i++)
      put_u32le (buf + 4 * i, float_bits (v[i]));
    put (w, buf, 4 * k);
    v += k;
    n -= k;
  }
}

static void
write_model (writer *w, const ad_model *m)
{
  put (w, AD_MODEL_MAGIC, AD_MODEL_MAGIC_LEN);
  put_u32 (w, AD_MODEL_VERSION);

  put_u32 (w, (uint32_t) ad_config_n_fields);
  for (int i = 0; i < ad_config_n_fields; i++) {
    const ad_field *f = &ad_config_fields[i];
    uint32_t u;
    memcpy (&u, (const char *) &m->cfg + f->offset, sizeof u);
    uint8_t type = (uint8_t) f->type;
    put_name (w, f->name);
    put (w, &type, 1);
    put_u32 (w, u);
  }

  const ad_calib *c = &m->calib;
  put_u32 (w, AD_CALIB_NQ);
  put_u32 (w, (uint32_t) c->valid);
  put_u32 (w, (uint32_t) c->n_frames);
  put_floats (w, c->learned_q, AD_CALIB_NQ);
  put_floats (w, c->motion_q, AD_CALIB_NQ);
  put_floats (w, c->fused_q, AD_CALIB_NQ);
  put_floats (w, c->pixel_q, AD_CALIB_NQ);
  float scalars[4] = { c->learned_scale, c->motion_scale, c->threshold,
    c->pixel_threshold };
  put_floats (w, scalars, 4);

  put_u32 (w, (uint32_t) m->n_tensors);
  for (int i = 0; i < m->n_tensors; i++) {
    const ad_tensor *t = &m->tensors[i];
    put_name (w, t->name);
    put_u32 (w, (uint32_t) t->ndim);
    for (int d = 0; d < t->ndim; d++)
      put_u32 (w, (uint32_t) t->dims[d]);
    put_floats (w, t->data, t->count);
  }
  uint8_t b[4];
  put_u32le (b, w->crc);
  if (!w->failed && fwrite (b, 1, 4, w->f) != 4)
    w->failed = 1;
}

/* Refuses to write what the loader would refuse to read. */
static ad_status
check_saveable (const ad_model *m, ad_error *err)
{
  ad_status st = ad_config_validate (&m->cfg, err);
  if (st != AD_OK)
    return st;
  const ad_calib *c = &m->calib;
  const float *cv[4] = { c->learned_q, c->motion_q, c->fused_q, c->pixel_q };
  for (int a = 0; a < 4; a++)
    for (int i = 0; i < AD_CALIB_NQ; i++)
      if (!isfinite (cv[a][i]))
        return ad_fail (err, AD_ERR_ARG, "calibration holds a non-finite "
            "value");
  if (!isfinite (c->learned_scale) || !isfinite (c->motion_scale) ||
      !isfinite (c->threshold) || !isfinite (c->pixel_threshold) ||
      (c->valid != 0 && c->valid != 1) || c->n_frames < 0)
    return ad_fail (err, AD_ERR_ARG, "calibration is invalid");
  for (int i = 0; i < m->n_tensors; i++) {
    const ad_tensor *t = &m->tensors[i];
    size_t len = strnlen (t->name, AD_NAME_MAX);
    if (len == 0 || len >= AD_NAME_MAX || t->ndim < 1 ||
        t->ndim > AD_MAX_DIMS || !t->data)
      return ad_fail (err, AD_ERR_ARG, "tensor %d is malformed", i);
    for (size_t k = 0; k < t->count; k++)
      if (!isfinite (t->data[k]))
        return ad_fail (err, AD_ERR_ARG, "tensor '%s' holds a non-finite "
            "value at index %zu; not saving", t->name, k);
  }
  return AD_OK;
}

/* Makes a rename in dir durable; failures are not fatal. */
static void
sync_dir_of (const char *path)
{
  const char *slash = strrchr (path, '/');
  char *dir = slash ? strndup (path, (size_t) (slash - path + 1)) :
      strdup (".");
  if (!dir)
    return;
  int fd = open (dir, O_RDONLY);
  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
  free (dir);
}

ad_status
ad_model_save (const ad_model *m, const char *path, ad_error *err)
{
  if (!m || !path || !*path)
    return ad_fail (err, AD_ERR_ARG, "missing argument");
  ad_status st = check_saveable (m, err);
  if (st != AD_OK)
    return st;

  static const char suffix[] = ".tmp.XXXXXX";
  size_t len = strlen (path);
  char *tmp = malloc (len + sizeof suffix);
  if (!tmp)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  memcpy (tmp, path, len);
  memcpy (tmp + len, suffix, sizeof suffix);

  int fd = mkstemp (tmp);
  if (fd < 0) {
    st = ad_fail (err, AD_ERR_IO, "cannot create a temporary file next to "
        "'%s': %s", path, strerror (errno));
    free (tmp);
    return st;
  }
  fchmod (fd, 0644);
  writer w = { fdopen (fd, "wb"), 0, 0 };
  if (!w.f) {
    st = ad_fail (err, AD_ERR_IO, "cannot write '%s': %s", tmp,
        strerror (errno));
    close (fd);
    unlink (tmp);
    free (tmp);
    return st;
  }
  errno = 0;
  write_model (&w, m);
  int e = 0;
  if (w.failed || fflush (w.f) != 0 || fsync (fileno (w.f)) != 0)
    e = errno ? errno : EIO;
  if (fclose (w.f) != 0 && !e)
    e = errno ? errno : EIO;
  if (e)
    st = ad_fail (err, AD_ERR_IO, "cannot write model file '%s': %s", tmp,
        strerror (e));
  else if (rename (tmp, path) != 0)
    st = ad_fail (err, AD_ERR_IO, "cannot replace model file '%s': %s",
        path, strerror (errno));
  if (st != AD_OK)
    unlink (tmp);
  else
    sync_dir_of (path);
  free (tmp);
  return st;
}
