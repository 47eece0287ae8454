/* test-model-io.c - model files: round trips, peek, atomic save and every
 * way a file can be wrong. */
#define _POSIX_C_SOURCE 200809L
#include "ad-internal.h"
#include "check.h"

#include <dirent.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CALIB_BYTES (4 + 8 + 4 * 4 * AD_CALIB_NQ + 16)

static char tmpdir[] = "/tmp/ad-test-model-io-XXXXXX";

static void
small_cfg (ad_config *cfg)
{
  ad_config_default (cfg);
  cfg->width = 32;
  cfg->height = 24;
  cfg->widths[0] = 4;
  cfg->widths[1] = 8;
  cfg->widths[2] = 8;
  cfg->widths[3] = 8;
}

static char *
tmp_path (const char *name)
{
  static char buf[4][512];
  static int k;
  char *p = buf[k++ % 4];
  snprintf (p, 512, "%.64s/%.255s", tmpdir, name);
  return p;
}

/* A model with deterministic, varied weights (including -0, a subnormal
 * and FLT_MAX) and a filled-in calibration. */
static ad_model *
make_model (const ad_config *cfg)
{
  ad_model *m = NULL;
  ad_error err = { { 0 } };
  ad_status st = ad_model_new (cfg, &m, &err);
  CHECK (st == AD_OK, "ad_model_new: %s", err.msg);
  if (st != AD_OK)
    return NULL;
  for (int i = 0; i < m->n_tensors; i++) {
    ad_tensor *t = &m->tensors[i];
    for (size_t k = 0; k < t->count; k++)
      t->data[k] = (float) ((i * 131 + (int) k * 7) % 1000) / 997.0f - 0.5f;
  }
  m->tensors[0].data[0] = -0.0f;
  m->tensors[0].data[1] = 1e-40f;
  m->tensors[0].data[2] = FLT_MAX;
  ad_calib c;
  memset (&c, 0, sizeof c);
  c.valid = 1;
  c.n_frames = 1234;
  for (int i = 0; i < AD_CALIB_NQ; i++) {
    c.learned_q[i] = 0.1f * (float) i;
    c.motion_q[i] = 0.2f * (float) i + 0.01f;
    c.fused_q[i] = 0.3f * (float) i + 0.02f;
    c.pixel_q[i] = 0.4f * (float) i + 0.03f;
  }
  c.learned_scale = 1.5f;
  c.motion_scale = 2.5f;
  c.threshold = 3.25f;
  c.pixel_threshold = 0.75f;
  ad_model_set_calib (m, &c);
  return m;
}

static int
configs_equal (const ad_config *a, const ad_config *b)
{
  for (int i = 0; i < ad_config_n_fields; i++) {
    const ad_field *f = &ad_config_fields[i];
    if (memcmp ((const char *) a + f->offset, (const char *) b + f->offset,
            4) != 0) {
      fprintf (stderr, "config field %s differs\n", f->name);
      return 0;
    }
  }
  return 1;
}

static int
models_equal (const ad_model *a, const ad_model *b)
{
  if (!configs_equal (&a->cfg, &b->cfg))
    return 0;
  if (memcmp (&a->calib, &b->calib, sizeof a->calib) != 0) {
    fprintf (stderr, "calibration differs\n");
    return 0;
  }
  if (a->n_tensors != b->n_tensors)
    return 0;
  for (int i = 0; i < a->n_tensors; i++) {
    const ad_tensor *x = &a->tensors[i], *y = &b->tensors[i];
    if (strcmp (x->name, y->name) || x->count != y->count ||
        x->trainable != y->trainable ||
        memcmp (x->data, y->data, x->count * sizeof (float)) != 0) {
      fprintf (stderr, "tensor %s differs\n", x->name);
      return 0;
    }
  }
  return 1;
}

static uint8_t *
read_all (const char *path, size_t *size)
{
  FILE *f = fopen (path, "rb");
  if (!f)
    return NULL;
  fseek (f, 0, SEEK_END);
  long n = ftell (f);
  fseek (f, 0, SEEK_SET);
  uint8_t *buf = malloc (n > 0 ? (size_t) n : 1);
  *size = fread (buf, 1, (size_t) n, f);
  fclose (f);
  return buf;
}

static void
write_all (const char *path, const void *buf, size_t size)
{
  FILE *f = fopen (path, "wb");
  if (f) {
    fwrite (buf, 1, size, f);
    fclose (f);
  }
}

static uint32_t
get32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
      (uint32_t) p[3] << 24;
}

static void
set32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

static void
fix_crc (uint8_t *buf, size_t size)
{
  set32 (buf + size - 4, ad_crc32 (0, buf, size - 4));
}

/* Offsets found by walking the documented layout. */
static size_t
field_offset (const uint8_t *buf, const char *name)
{
  uint32_t n = get32 (buf + 12);
  size_t o = 16;
  for (uint32_t i = 0; i < n; i++) {
    size_t len = buf[o] | (size_t) buf[o + 1] << 8;
    if (name && len == strlen (name) && memcmp (buf + o + 2, name, len) == 0)
      return o;
    o += 2 + len + 1 + 4;
  }
  return o;                     /* end of the config section */
}

static size_t
tensors_offset (const uint8_t *buf)
{
  return field_offset (buf, NULL) + CALIB_BYTES;
}

/* Bytes of the tensor record at offset o (name, rank, dims, data). */
static size_t
tensor_record_bytes (const uint8_t *buf, size_t o)
{
  size_t len = buf[o] | (size_t) buf[o + 1] << 8, p = o + 2 + len;
  uint32_t nd = get32 (buf + p);
  size_t count = 1;
  for (uint32_t d = 0; d < nd; d++)
    count *= get32 (buf + p + 4 + 4 * d);
  return 2 + len + 4 + 4 * (size_t) nd + 4 * count;
}

static size_t
tensor_offset (const uint8_t *buf, const char *name)
{
  size_t o = tensors_offset (buf);
  uint32_t n = get32 (buf + o);
  o += 4;
  for (uint32_t i = 0; i < n; i++) {
    size_t len = buf[o] | (size_t) buf[o + 1] << 8;
    if (name && len == strlen (name) && memcmp (buf + o + 2, name, len) == 0)
      return o;
    o += tensor_record_bytes (buf, o);
  }
  return o;
}

/* Loads a buffer, frees any model and returns the status. */
static ad_status
try_load (const uint8_t *buf, size_t size, ad_error *err)
{
  ad_model *m = (ad_model *) 1;
  ad_status st = ad_model_load_mem (buf, size, &m, err);
  if (st == AD_OK)
    ad_model_free (m);
  else
    CHECK (m == NULL, "failed load left a model");
  return st;
}

static void
test_round_trip (void)
{
  ad_config base;
  small_cfg (&base);
  ad_config cfgs[10];
  int n = 0;
  cfgs[n++] = base;
  for (int mp = 0; mp <= 3; mp++) {
    cfgs[n] = base;
    cfgs[n].mem_place = mp;
    cfgs[n].skips = 3 - mp % 2;
    n++;
  }
  cfgs[n] = base;
  cfgs[n].color = 1;
  cfgs[n].motion_inputs = 1;
  cfgs[n].mem_grid = 3;
  cfgs[n].seed = 2147483647u;
  n++;
  cfgs[n] = base;
  cfgs[n].diff_head = 0;
  cfgs[n].score_source = AD_SCORE_FRAME;
  cfgs[n].task = AD_TASK_RECON;
  cfgs[n].shift_frac = 0.0f;
  cfgs[n].skips = 0;
  cfgs[n].mem_place = AD_MEM_ALL_SKIPS;
  n++;
  cfgs[n] = base;
  cfgs[n].se_reduction = 64;
  cfgs[n].motion_cell = 7;
  cfgs[n].lr = 3.3e-5f;
  cfgs[n].calib_margin = 1.2345678f;
  n++;

  for (int i = 0; i < n; i++) {
    ad_model *m = make_model (&cfgs[i]);
    if (!m)
      continue;
    ad_error err = { { 0 } };
    const char *path = tmp_path ("rt.model");
    ad_status st = ad_model_save (m, path, &err);
    CHECK (st == AD_OK, "config %d save: %s", i, err.msg);
    ad_model *l = NULL;
    st = ad_model_load (path, &l, &err);
    CHECK (st == AD_OK, "config %d load: %s", i, err.msg);
    if (l) {
      CHECK (models_equal (m, l), "config %d round trip differs", i);
      CHECK (ad_model_n_params (l) == ad_model_n_params (m), "params");
    }
    ad_config pk;
    memset (&pk, 0xab, sizeof pk);
    st = ad_model_peek_config (path, &pk, &err);
    CHECK (st == AD_OK, "config %d peek: %s", i, err.msg);
    CHECK (st != AD_OK || configs_equal (&pk, &cfgs[i]), "peek differs");

    /* Saving twice gives identical bytes. */
    size_t s1 = 0, s2 = 0;
    uint8_t *b1 = read_all (path, &s1);
    if (l) {
      st = ad_model_save (l, path, &err);
      CHECK (st == AD_OK, "resave: %s", err.msg);
    }
    uint8_t *b2 = read_all (path, &s2);
    CHECK (b1 && b2 && s1 == s2 && memcmp (b1, b2, s1) == 0,
        "config %d: save is not deterministic", i);
    free (b1);
    free (b2);
    ad_model_free (l);
    ad_model_free (m);
  }
}

static int
count_tmp_files (void)
{
  int n = 0;
  DIR *d = opendir (tmpdir);
  struct dirent *e;
  while (d && (e = readdir (d)))
    if (strstr (e->d_name, ".tmp."))
      n++;
  if (d)
    closedir (d);
  return n;
}

static void
test_atomic (ad_model *m)
{
  ad_error err = { { 0 } };
  ad_status st;

  st = ad_model_save (m, "/nonexistent-dir-ad-test/x.model", &err);
  CHECK (st == AD_ERR_IO, "save into a missing dir: %d", st);
  CHECK (strstr (err.msg, "/nonexistent-dir-ad-test/x.model") != NULL,
      "message names the path: %s", err.msg);

  /* Replacing an existing file. */
  const char *path = tmp_path ("atomic.model");
  write_all (path, "old contents", 12);
  st = ad_model_save (m, path, &err);
  CHECK (st == AD_OK, "save over a file: %s", err.msg);
  ad_model *l = NULL;
  CHECK (ad_model_load (path, &l, &err) == AD_OK, "load: %s", err.msg);
  CHECK (l && models_equal (m, l), "replaced file holds the model");
  ad_model_free (l);

  /* A failing save leaves the existing file untouched. */
  size_t s1 = 0, s2 = 0;
  uint8_t *before = read_all (path, &s1);
  float keep = m->tensors[1].data[3];
  m->tensors[1].data[3] = NAN;
  st = ad_model_save (m, path, &err);
  CHECK (st == AD_ERR_ARG, "saving a NaN weight: %d", st);
  CHECK (strstr (err.msg, m->tensors[1].name) != NULL, "names the tensor: "
      "%s", err.msg);
  m->tensors[1].data[3] = keep;
  uint8_t *after = read_all (path, &s2);
  CHECK (before && after && s1 == s2 && memcmp (before, after, s1) == 0,
      "existing model changed by a failed save");
  free (before);
  free (after);

  /* rename() over a directory fails: temp file removed, dir kept. */
  const char *dir = tmp_path ("a-directory");
  mkdir (dir, 0755);
  st = ad_model_save (m, dir, &err);
  CHECK (st == AD_ERR_IO, "save over a directory: %d", st);
  CHECK (err.msg[0] != '\0', "message");
  struct stat sb;
  CHECK (stat (dir, &sb) == 0 && S_ISDIR (sb.st_mode), "directory kept");
  rmdir (dir);

  CHECK (count_tmp_files () == 0, "temporary files left behind");
  CHECK (ad_model_save (NULL, path, &err) == AD_ERR_ARG, "NULL model");
}

static void
test_basic_errors (const uint8_t *good, size_t size)
{
  ad_error err = { { 0 } };
  ad_model *m = NULL;
  ad_config cfg;

  CHECK (ad_model_load (tmp_path ("missing.model"), &m, &err) == AD_ERR_IO,
      "missing file");
  CHECK (m == NULL && strstr (err.msg, "missing.model"), "msg %s", err.msg);
  CHECK (ad_model_peek_config (tmp_path ("missing.model"), &cfg, &err) ==
      AD_ERR_IO, "peek missing file");

  const char *empty = tmp_path ("empty.model");
  write_all (empty, "", 0);
  CHECK (ad_model_load (empty, &m, &err) == AD_ERR_FORMAT, "empty file");
  CHECK (ad_model_peek_config (empty, &cfg, &err) == AD_ERR_FORMAT,
      "peek empty file");
  CHECK (ad_model_load_mem (NULL, 0, &m, &err) != AD_OK, "no data");
  CHECK (ad_model_load_mem (good, size, NULL, &err) == AD_ERR_ARG, "no out");

  uint8_t *buf = malloc (size);
  memcpy (buf, good, size);
  buf[0] = 'X';
  CHECK (try_load (buf, size, &err) == AD_ERR_FORMAT, "bad magic");
  CHECK (strstr (err.msg, "not a model file") != NULL, "msg: %s", err.msg);
  CHECK (try_load ((const uint8_t *) "P6\n", 3, &err) == AD_ERR_FORMAT &&
      strstr (err.msg, "not a model file"), "short non-model: %s", err.msg);
  const char *bad = tmp_path ("bad.model");
  write_all (bad, buf, size);
  CHECK (ad_model_peek_config (bad, &cfg, &err) == AD_ERR_FORMAT,
      "peek bad magic");

  memcpy (buf, good, size);
  set32 (buf + 8, 7);
  fix_crc (buf, size);
  CHECK (try_load (buf, size, &err) == AD_ERR_VERSION, "version 7");
  CHECK (strstr (err.msg, "7") && strstr (err.msg, "1"), "msg: %s", err.msg);
  set32 (buf + size - 4, 0);     /* even with a wrong checksum */
  CHECK (try_load (buf, size, &err) == AD_ERR_VERSION, "version first");

  memcpy (buf, good, size);
  buf[size - 1] ^= 0x40;
  CHECK (try_load (buf, size, &err) == AD_ERR_CHECKSUM, "bad crc: %s",
      err.msg);

  /* Trailing garbage with a valid checksum. */
  uint8_t *longer = malloc (size + 8);
  memcpy (longer, good, size - 4);
  memset (longer + size - 4, 0, 8);
  fix_crc (longer, size + 8);
  CHECK (try_load (longer, size + 8, &err) == AD_ERR_FORMAT, "trailing");
  CHECK (strstr (err.msg, "unexpected bytes") != NULL, "msg: %s", err.msg);
  free (longer);
  free (buf);

  /* A file over 1 GiB is refused from its size alone (sparse file). */
  const char *huge = tmp_path ("huge.model");
  FILE *f = fopen (huge, "wb");
  if (f) {
    fwrite (good, 1, 64, f);
    fclose (f);
    CHECK (truncate (huge, ((off_t) 1 << 30) + 1) == 0, "truncate");
    CHECK (ad_model_load (huge, &m, &err) == AD_ERR_FORMAT, "huge file");
    CHECK (strstr (err.msg, "1 GiB") != NULL, "msg: %s", err.msg);
    unlink (huge);
  }
}

static void
test_truncation_and_corruption (const uint8_t *good, size_t size)
{
  ad_error err = { { 0 } };
  int bad_status = 0, no_word = 0;
  for (size_t n = 0; n < size; n++) {
    ad_status st = try_load (good, n, &err);
    if (st != AD_ERR_FORMAT)
      bad_status++;
    if (n >= 8 && !strstr (err.msg, "truncated"))
      no_word++;
  }
  CHECK (bad_status == 0, "%d prefixes not rejected as AD_ERR_FORMAT",
      bad_status);
  CHECK (no_word == 0, "%d prefixes without 'truncated' (last: %s)", no_word,
      err.msg);
  try_load (good, size - 100, &err);
  CHECK (strstr (err.msg, "tensor") != NULL, "says what was read: %s",
      err.msg);

  uint8_t *buf = malloc (size);
  size_t head = tensors_offset (good) + 64;
  int accepted = 0, tried = 0;
  static const uint8_t flips[] = { 0x01, 0x80, 0xff, 0x10 };
  for (size_t o = 0; o < size; o += o < head ? 1 : 13) {
    for (size_t k = 0; k < sizeof flips; k++) {
      memcpy (buf, good, size);
      buf[o] ^= flips[k];
      tried++;
      if (try_load (buf, size, &err) == AD_OK)
        accepted++;
    }
  }
  CHECK (accepted == 0, "%d of %d corrupted files accepted", accepted, tried);
  free (buf);
}

/* buf [*n] without config field `name` (count and CRC fixed). */
static void
drop_field (uint8_t *buf, size_t *n, const char *name)
{
  size_t a = field_offset (buf, name);
  size_t rec = 2 + strlen (name) + 1 + 4;
  memmove (buf + a, buf + a + rec, *n - a - rec);
  *n -= rec;
  set32 (buf + 12, get32 (buf + 12) - 1);
  fix_crc (buf, *n);
}

/* buf [*n] without tensor `name` (count and CRC fixed). */
static void
drop_tensor (uint8_t *buf, size_t *n, const char *name)
{
  size_t a = tensor_offset (buf, name);
  size_t rec = tensor_record_bytes (buf, a);
  memmove (buf + a, buf + a + rec, *n - a - rec);
  *n -= rec;
  size_t t = tensors_offset (buf);
  set32 (buf + t, get32 (buf + t) - 1);
  fix_crc (buf, *n);
}

static void
test_bad_contents (const uint8_t *good, size_t size, const ad_model *ref)
{
  ad_error err = { { 0 } };
  uint8_t *buf = malloc (size);
  ad_status st;

  /* NaN and Inf in a tensor, with a valid checksum. */
  const char *names[2] = { "enc2.w", "out.b" };
  uint32_t bits[2] = { 0x7fc00000u, 0xff800000u };
  for (int i = 0; i < 2; i++) {
    memcpy (buf, good, size);
    size_t o = tensor_offset (buf, names[i]);
    size_t len = strlen (names[i]);
    uint32_t nd = get32 (buf + o + 2 + len);
    size_t data = o + 2 + len + 4 + 4 * nd;
    set32 (buf + data + 4 * (size_t) i, bits[i]);
    fix_crc (buf, size);
    st = try_load (buf, size, &err);
    CHECK (st == AD_ERR_FORMAT, "non-finite in %s: %d", names[i], st);
    CHECK (strstr (err.msg, names[i]) != NULL, "names the tensor: %s",
        err.msg);
  }

  /* Unknown config field (same length as "width"). */
  memcpy (buf, good, size);
  size_t fo = field_offset (buf, "width");
  memcpy (buf + fo + 2, "wodth", 5);
  fix_crc (buf, size);
  CHECK (try_load (buf, size, &err) == AD_ERR_FORMAT, "unknown field");
  CHECK (strstr (err.msg, "wodth") != NULL, "msg: %s", err.msg);

  /* A field given twice: "fuse" appended again at the end. */
  {
    size_t a = field_offset (good, "fuse");
    size_t rec = 2 + 4 + 1 + 4;
    uint8_t *dup = malloc (size + rec);
    size_t cut = field_offset (good, NULL);
    memcpy (dup, good, cut);
    memcpy (dup + cut, good + a, rec);
    memcpy (dup + cut + rec, good + cut, size - cut);
    set32 (dup + 12, get32 (good + 12) + 1);
    fix_crc (dup, size + rec);
    CHECK (try_load (dup, size + rec, &err) == AD_ERR_FORMAT, "dup field");
    CHECK (strstr (err.msg, "twice") != NULL, "msg: %s", err.msg);
    free (dup);
  }

  /* A missing field takes its default. */
  {
    size_t a = field_offset (good, "fuse_weight");
    size_t rec = 2 + strlen ("fuse_weight") + 1 + 4;
    uint8_t *cut = malloc (size);
    memcpy (cut, good, a);
    memcpy (cut + a, good + a + rec, size - a - rec);
    set32 (cut + 12, get32 (good + 12) - 1);
    fix_crc (cut, size - rec);
    ad_model *m = NULL;
    st = ad_model_load_mem (cut, size - rec, &m, &err);
    CHECK (st == AD_OK, "missing field: %s", err.msg);
    if (m) {
      CHECK (ref->cfg.fuse_weight != 0.5f, "test needs a non-default");
      CHECK (m->cfg.fuse_weight == 0.5f, "default used: %g",
          m->cfg.fuse_weight);
      CHECK (m->cfg.width == 32, "other fields kept");
    }
    ad_model_free (m);
    free (cut);
  }

  /* A file older than the map weights keeps the map it was calibrated
   * with (both weights 1), not the defaults; older than the gate's floor
   * and power, the linear gate of each cell's own largest; older than the
   * shadow test, none; older than colour motion vectors, the channel
   * mean's; older than per-cell running means, the frame's largest;
   * older than the faster release, running means that fall as they
   * rise; older than the map's running means, each frame's own; older
   * than the stationary change's normal level, none taken out; older
   * than the dimmed darker pixels of gray models, none dimmed; older than
   * the busy-frame correction, none; older than the silhouette factor,
   * none; older than the recurrence, none; older than its bin reach, the
   * same bin; older than the light by place, one light; older than the
   * swaying places, every cell lends its motion patterns; older than the
   * swaying light, no pixel is left out of the vectors' fit; older than
   * the uncertainty discount, none (flow_sigma 0; 2 in a new file). */
  {
    uint8_t *cut = malloc (size);
    size_t n = size;
    memcpy (cut, good, size);
    drop_field (cut, &n, "map_learned");
    drop_field (cut, &n, "map_motion");
    drop_field (cut, &n, "map_gate_floor");
    drop_field (cut, &n, "map_gate_power");
    drop_field (cut, &n, "map_shadow");
    drop_field (cut, &n, "map_dark");
    drop_field (cut, &n, "flow_color");
    drop_field (cut, &n, "flow_track");
    drop_field (cut, &n, "flow_release");
    drop_field (cut, &n, "map_track");
    drop_field (cut, &n, "map_wander");
    drop_field (cut, &n, "static_normal");
    drop_field (cut, &n, "static_chroma");
    drop_field (cut, &n, "map_neighbour");
    drop_field (cut, &n, "flow_busy");
    drop_field (cut, &n, "map_outside");
    drop_field (cut, &n, "flow_recur");
    drop_field (cut, &n, "flow_recur_bins");
    drop_field (cut, &n, "flow_light");
    drop_field (cut, &n, "static_light");
    drop_field (cut, &n, "light_engage");
    drop_field (cut, &n, "flow_sway");
    drop_field (cut, &n, "flow_shade");
    drop_field (cut, &n, "map_frame");
    drop_field (cut, &n, "map_static");
    drop_field (cut, &n, "static_clear");
    drop_field (cut, &n, "flow_gain");
    drop_field (cut, &n, "shake_hold");
    drop_field (cut, &n, "flow_trim");
    drop_field (cut, &n, "feat_weight");
    drop_field (cut, &n, "static_window");
    drop_field (cut, &n, "static_people");
    drop_field (cut, &n, "static_hold");
    drop_field (cut, &n, "flow_sigma");
    ad_model *m = NULL;
    CHECK (ad_model_load_mem (cut, n, &m, &err) == AD_OK, "old file: %s",
        err.msg);
    if (m) {
      CHECK (m->cfg.map_learned == 1.0f && m->cfg.map_motion == 1.0f,
          "legacy map weights %g %g", m->cfg.map_learned, m->cfg.map_motion);
      CHECK (m->cfg.map_gate_floor == 0.0f && m->cfg.map_gate_power == 1.0f,
          "legacy map gate %g %g", m->cfg.map_gate_floor,
          m->cfg.map_gate_power);
      CHECK (m->cfg.map_shadow == 1.0f, "legacy shadow test %g",
          m->cfg.map_shadow);
      CHECK (m->cfg.map_dark == 1.0f, "legacy darker pixels %g",
          m->cfg.map_dark);
      CHECK (m->cfg.flow_color == 0, "legacy colour vectors %d",
          (int) m->cfg.flow_color);
      CHECK (m->cfg.flow_track == 0, "legacy running means %d",
          (int) m->cfg.flow_track);
      CHECK (m->cfg.flow_release == 0.0f, "legacy release %g",
          m->cfg.flow_release);
      CHECK (m->cfg.map_track == 0, "legacy map %d", (int) m->cfg.map_track);
      CHECK (m->cfg.map_wander == 1.0f, "legacy map wandering %g",
          m->cfg.map_wander);
      CHECK (m->cfg.static_normal == 0, "legacy stationary change %d",
          (int) m->cfg.static_normal);
      CHECK (m->cfg.static_chroma == 0.0f, "legacy change of colour %g",
          m->cfg.static_chroma);
      CHECK (m->cfg.map_neighbour == 0.5f, "legacy neighbours %g",
          m->cfg.map_neighbour);
      CHECK (m->cfg.flow_busy == 0.0f, "legacy busy frames %g",
          m->cfg.flow_busy);
      CHECK (m->cfg.map_outside == 1.0f, "legacy silhouettes %g",
          m->cfg.map_outside);
      CHECK (m->cfg.flow_recur == 0 && m->cfg.flow_recur_bins == 0,
          "legacy recurrence %d, bins %d", (int) m->cfg.flow_recur,
          (int) m->cfg.flow_recur_bins);
      CHECK (m->cfg.flow_light == 0 && m->cfg.static_light == 0 &&
          m->cfg.light_engage == 0.0f, "legacy light %d / %d / %g",
          (int) m->cfg.flow_light, (int) m->cfg.static_light,
          m->cfg.light_engage);
      CHECK (m->cfg.flow_sway == 0.0f, "legacy swaying places %g",
          m->cfg.flow_sway);
      CHECK (m->cfg.flow_shade == 0.0f, "legacy swaying light %g",
          m->cfg.flow_shade);
      CHECK (m->cfg.map_frame == 0.0f, "legacy map by frame score %g",
          m->cfg.map_frame);
      CHECK (m->cfg.map_static == 1.0f, "legacy map stationary weight %g",
          m->cfg.map_static);
      CHECK (m->cfg.static_clear == 0, "legacy stationary clearance %d",
          (int) m->cfg.static_clear);
      CHECK (m->cfg.flow_gain == 0 && m->cfg.shake_hold == 0,
          "legacy brightness change %d, hold after a jump %d",
          (int) m->cfg.flow_gain, (int) m->cfg.shake_hold);
      CHECK (m->cfg.flow_trim == 0.0f, "legacy rare bins trimmed %g",
          m->cfg.flow_trim);
      CHECK (m->cfg.feat_weight == 0.0f && m->cfg.static_window == 0,
          "legacy feature novelty %g, stationary windows %d",
          m->cfg.feat_weight, (int) m->cfg.static_window);
      CHECK (m->cfg.static_people == 1.0f && m->cfg.static_hold == 0,
          "legacy people standing %g, hold under what moves %d",
          m->cfg.static_people, (int) m->cfg.static_hold);
      CHECK (m->cfg.flow_sigma == 0.0f, "legacy uncertainty discount %g",
          m->cfg.flow_sigma);
    }
    ad_model_free (m);
    m = NULL;
    CHECK (ad_model_load_mem (good, size, &m, &err) == AD_OK &&
        m->cfg.map_learned == ref->cfg.map_learned &&
        m->cfg.map_motion == ref->cfg.map_motion &&
        m->cfg.flow_color == ref->cfg.flow_color && m->cfg.flow_color == 1 &&
        m->cfg.flow_track == 1 && m->cfg.flow_release == 2.0f &&
        m->cfg.map_track == 1 && m->cfg.static_normal == 1 &&
        m->cfg.static_chroma == 1.0f && m->cfg.flow_recur == 50 &&
        m->cfg.flow_recur_bins == 1 && m->cfg.flow_sway == 0.5f &&
        m->cfg.flow_shade == 0.1f && m->cfg.static_hold == 1 &&
        m->cfg.static_people == 0.0f && m->cfg.flow_sigma == 2.0f,
        "new file keeps its own");
    ad_model_free (m);
    free (cut);
  }

  /* A file older than the wandering's spread: no wander_stats tensor and
   * no wander_norm field loads with the raw wandering (wander_norm 0, the
   * spread left 0, which the scorer reads as 1 even with wander_norm 1)
   * and, without ignore_mask, with no region left out; without
   * static_base, with no normal level of the stationary change; without
   * bg_chroma, with zeros (no change of colour); without busy_stats,
   * with zeros (no busy-frame correction); without shade_pixels, with
   * zeros (no pixel left out of the vectors' fit);
   * a file without a tensor every version has is refused with its name. */
  {
    uint8_t *cut = malloc (size);
    size_t n = size;
    memcpy (cut, good, size);
    CHECK (tensor_offset (cut, "wander_stats") < n - 4, "has the spread");
    set32 (cut + field_offset (cut, "wander_norm") + 2 + 11 + 1, 1);
    fix_crc (cut, n);
    ad_model *m1 = NULL;
    CHECK (ad_model_load_mem (cut, n, &m1, &err) == AD_OK && m1 &&
        m1->cfg.wander_norm == 1, "wander_norm=1 in the file: %s", err.msg);
    ad_model_free (m1);
    drop_tensor (cut, &n, "wander_stats");
    drop_field (cut, &n, "wander_norm");
    drop_tensor (cut, &n, "ignore_mask");
    drop_tensor (cut, &n, "static_base");
    drop_tensor (cut, &n, "bg_chroma");
    drop_tensor (cut, &n, "busy_stats");
    drop_tensor (cut, &n, "shade_pixels");
    ad_model *m = NULL;
    CHECK (ad_model_load_mem (cut, n, &m, &err) == AD_OK, "old file: %s",
        err.msg);
    ad_tensor *t = m ? ad_model_tensor (m, "wander_stats") : NULL;
    CHECK (m && m->cfg.wander_norm == 0 && t && t->data[0] == 0.0f,
        "legacy wandering %d %g", m ? m->cfg.wander_norm : -1,
        t ? t->data[0] : -1.0f);
    t = m ? ad_model_tensor (m, "ignore_mask") : NULL;
    CHECK (t && t->count > 0 && t->data[0] == 0.0f &&
        t->data[t->count - 1] == 0.0f, "no regions left out");
    t = m ? ad_model_tensor (m, "static_base") : NULL;
    CHECK (t && t->count > 0 && t->data[0] == 0.0f &&
        t->data[t->count - 1] == 0.0f, "no normal stationary level");
    t = m ? ad_model_tensor (m, "bg_chroma") : NULL;
    CHECK (t && t->count > 0 && t->data[0] == 0.0f &&
        t->data[t->count - 1] == 0.0f, "no background colour");
    t = m ? ad_model_tensor (m, "busy_stats") : NULL;
    CHECK (t && t->count == 2 && t->data[0] == 0.0f && t->data[1] == 0.0f,
        "no busy-frame statistics");
    t = m ? ad_model_tensor (m, "shade_pixels") : NULL;
    CHECK (t && t->count > 0 && t->data[0] == 0.0f &&
        t->data[t->count - 1] == 0.0f, "no pixel of swaying light");
    ad_model_free (m);
    m = NULL;
    memcpy (cut, good, size);
    n = size;
    drop_tensor (cut, &n, "static_stats");
    CHECK (ad_model_load_mem (cut, n, &m, &err) == AD_ERR_MISMATCH &&
        strstr (err.msg, "static_stats"), "lacks a tensor: %s", err.msg);
    ad_model_free (m);
    free (cut);
  }

  /* Field with the wrong type. */
  memcpy (buf, good, size);
  fo = field_offset (buf, "height");
  buf[fo + 2 + 6] = AD_FIELD_FLOAT;
  fix_crc (buf, size);
  CHECK (try_load (buf, size, &err) == AD_ERR_FORMAT, "field type");

  /* Config out of range. */
  memcpy (buf, good, size);
  fo = field_offset (buf, "width");
  set32 (buf + fo + 2 + 5 + 1, 2000);
  fix_crc (buf, size);
  CHECK (try_load (buf, size, &err) == AD_ERR_FORMAT, "width 2000");
  CHECK (strstr (err.msg, "width") != NULL, "msg: %s", err.msg);
  const char *path = tmp_path ("range.model");
  write_all (path, buf, size);
  ad_config pk;
  CHECK (ad_model_peek_config (path, &pk, &err) != AD_OK, "peek range");

  /* A valid but huge config in a small file: refused before allocating. */
  memcpy (buf, good, size);
  set32 (buf + field_offset (buf, "width") + 8, 1024);
  set32 (buf + field_offset (buf, "height") + 9, 1024);
  for (int i = 0; i < 4; i++) {
    char nm[16];
    snprintf (nm, sizeof nm, "widths_%d", i);
    set32 (buf + field_offset (buf, nm) + 2 + strlen (nm) + 1, 256);
  }
  set32 (buf + field_offset (buf, "mem_grid") + 2 + 8 + 1, 8);
  set32 (buf + field_offset (buf, "mem_items") + 2 + 9 + 1, 512);
  fix_crc (buf, size);
  st = try_load (buf, size, &err);
  CHECK (st == AD_ERR_MISMATCH && strstr (err.msg, "weights"),
      "huge config: %d %s", st, err.msg);

  /* Shape mismatch with the same element count. */
  memcpy (buf, good, size);
  size_t o = tensor_offset (buf, "enc1.w") + 2 + 6;
  uint32_t d0 = get32 (buf + o + 4), d1 = get32 (buf + o + 8);
  CHECK (d0 == 8 && d1 == 36, "enc1.w is %ux%u", d0, d1);
  set32 (buf + o + 4, d0 / 2);
  set32 (buf + o + 8, d1 * 2);
  fix_crc (buf, size);
  CHECK (try_load (buf, size, &err) == AD_ERR_MISMATCH, "shape");
  CHECK (strstr (err.msg, "enc1.w") && strstr (err.msg, "4x72"),
      "msg: %s", err.msg);

  /* Unknown tensor name. */
  memcpy (buf, good, size);
  o = tensor_offset (buf, "enc1.w");
  buf[o + 2 + 3] = '9';
  fix_crc (buf, size);
  CHECK (try_load (buf, size, &err) == AD_ERR_MISMATCH, "unknown tensor");
  CHECK (strstr (err.msg, "enc9.w") != NULL, "msg: %s", err.msg);

  /* Same tensor twice: res1.c1.w renamed to res1.c2.w (same shape). */
  memcpy (buf, good, size);
  o = tensor_offset (buf, "res1.c1.w");
  buf[o + 2 + 6] = '2';
  fix_crc (buf, size);
  st = try_load (buf, size, &err);
  CHECK (st == AD_ERR_FORMAT && strstr (err.msg, "twice"),
      "duplicate tensor: %d %s", st, err.msg);

  /* The last three tensors missing: the two of the feature novelty,
   * which files made before it lack (loaded as not learned), and
   * static_stats, which every file has. */
  {
    uint8_t *cut = malloc (size);
    size_t to = tensors_offset (good);
    uint32_t n = get32 (good + to);
    size_t last = to + 4;
    for (uint32_t i = 0; i + 3 < n; i++)
      last += tensor_record_bytes (good, last);
    memcpy (cut, good, last);
    set32 (cut + to, n - 3);
    fix_crc (cut, last + 4);
    st = try_load (cut, last + 4, &err);
    CHECK (!strcmp (ref->tensors[ref->n_tensors - 1].name, "feat_stats") &&
        st == AD_ERR_MISMATCH && strstr (err.msg,
            ref->tensors[ref->n_tensors - 3].name), "missing tensor: %d %s",
        st, err.msg);
    free (cut);
  }

  /* Huge length and count fields, each with a valid checksum. */
  struct {
    size_t off;
    uint32_t val;
    int u16;
  } huge[] = {
    { 12, 0xffffffffu, 0 },                         /* config field count */
    { 16, 0xffff, 1 },                              /* field name length */
    { 16, 0, 1 },                                   /* empty field name */
    { tensors_offset (good), 0xffffffffu, 0 },      /* tensor count */
    { tensors_offset (good), 0x10000, 0 },
    { tensors_offset (good) + 4, 0xffff, 1 },       /* tensor name length */
    { tensors_offset (good) + 4, AD_NAME_MAX, 1 },
    { tensors_offset (good) + 4 + 2 + 6, 0xffffffffu, 0 },   /* ndim */
    { tensors_offset (good) + 4 + 2 + 6, 5, 0 },
    { tensors_offset (good) + 4 + 2 + 6, 0, 0 },
    { tensors_offset (good) + 4 + 2 + 6 + 4, 0xffffffffu, 0 }, /* dim 0 */
    { tensors_offset (good) + 4 + 2 + 6 + 4, 0x7fffffffu, 0 },
    { tensors_offset (good) + 4 + 2 + 6 + 8, 0x40000000u, 0 }, /* dim 1 */
    { tensors_offset (good) + 4 + 2 + 6 + 8, 0, 0 },
    { field_offset (good, NULL), 1000000, 0 },      /* calib nq */
  };
  CHECK (memcmp (good + tensors_offset (good) + 6, "enc0.w", 6) == 0,
      "first tensor is enc0.w");
  for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
    memcpy (buf, good, size);
    if (huge[i].u16) {
      buf[huge[i].off] = (uint8_t) huge[i].val;
      buf[huge[i].off + 1] = (uint8_t) (huge[i].val >> 8);
    } else {
      set32 (buf + huge[i].off, huge[i].val);
    }
    fix_crc (buf, size);
    st = try_load (buf, size, &err);
    CHECK (st == AD_ERR_FORMAT, "huge field %zu: %d %s", i, st, err.msg);
  }
  free (buf);
}

/* ad_config_parse: items in order, arrays, '-' for '_', presets that
 * later items override, and an error naming each kind of bad item. */
/* Files older than flow_bins and flow_window held 17 x 17 bins per cell
 * learned from single pairs (and, older than flow_local / flow_unseen,
 * without places where nobody moves; older than flow_smooth, with an
 * unsmoothed motion-pattern score; older than holdout_blocks, calibrated
 * on the latest footage): they load with those values; a
 * file whose tensor does not fit the bins it implies is refused with the
 * reason. */
static void
test_legacy_patterns (void)
{
  for (int old = 1; old >= 0; old--) {
    ad_config cfg;
    small_cfg (&cfg);
    if (old) {
      cfg.flow_bins = 17;
      cfg.flow_window = 1;
    }
    CHECK (cfg.flow_bins == (old ? 17 : 35) && cfg.flow_window ==
        (old ? 1 : 3), "defaults %d %d", cfg.flow_bins, cfg.flow_window);
    ad_model *m = make_model (&cfg);
    ad_error err = { { 0 } };
    const char *path = tmp_path ("legacy.model");
    size_t n = 0;
    uint8_t *buf = NULL;
    if (m && ad_model_save (m, path, &err) == AD_OK)
      buf = read_all (path, &n);
    ad_model_free (m);
    CHECK (buf != NULL, "saved: %s", err.msg);
    if (!buf)
      continue;
    drop_field (buf, &n, "flow_bins");
    drop_field (buf, &n, "flow_window");
    drop_field (buf, &n, "flow_local");
    drop_field (buf, &n, "flow_unseen");
    drop_field (buf, &n, "flow_smooth");
    drop_field (buf, &n, "holdout_blocks");
    m = NULL;
    ad_status st = ad_model_load_mem (buf, n, &m, &err);
    if (old) {
      CHECK (st == AD_OK, "old file: %s", err.msg);
      ad_tensor *t = m ? ad_model_tensor (m, "flow_dist") : NULL;
      CHECK (m && m->cfg.flow_bins == 17 && m->cfg.flow_window == 1 && t &&
          t->count == (size_t) 12 * 17 * 17, "legacy patterns");
      /* learned without the place-where-nobody-moves rule */
      CHECK (m && m->cfg.flow_local == 0 && m->cfg.flow_unseen == 0.0f,
          "legacy rule %d %g", m ? m->cfg.flow_local : -1,
          m ? m->cfg.flow_unseen : -1.0f);
      CHECK (m && m->cfg.flow_smooth == 1.0f, "legacy smoothing %g",
          m ? m->cfg.flow_smooth : -1.0f);
      CHECK (m && m->cfg.holdout_blocks == 1, "legacy calibration "
          "stretches %d", m ? m->cfg.holdout_blocks : -1);
    } else {
      CHECK (st == AD_ERR_MISMATCH && strstr (err.msg, "flow_dist"),
          "35 bins read as 17: %s", err.msg);
    }
    ad_model_free (m);
    free (buf);
    unlink (path);
  }
  /* the bins need a centre bin */
  ad_config cfg;
  ad_error err = { { 0 } };
  ad_config_default (&cfg);
  cfg.flow_bins = 34;
  CHECK (ad_config_validate (&cfg, &err) == AD_ERR_ARG &&
      strstr (err.msg, "odd"), "even bins: %s", err.msg);
}

static void
test_config_parse (void)
{
  ad_config c, d;
  ad_error err = { { 0 } };
  ad_config_default (&d);
  ad_config_default (&c);
  CHECK (ad_config_parse (&c, "", &err) == AD_OK && memcmp (&c, &d,
          sizeof c) == 0, "empty string changes nothing");
  CHECK (ad_config_parse (&c, " task = 0 , mem-place=2, widths=4,8,8,16,"
          "lr=0.002", &err) == AD_OK, "parse: %s", err.msg);
  CHECK (c.task == 0 && c.mem_place == 2 && c.widths[0] == 4 &&
      c.widths[1] == 8 && c.widths[2] == 8 && c.widths[3] == 16 &&
      fabsf (c.lr - 0.002f) < 1e-7f, "values set");
  /* the stills preset, then an override */
  ad_config_default (&c);
  CHECK (ad_config_parse (&c, "preset=stills,mem_items=64", &err) == AD_OK,
      "preset: %s", err.msg);
  CHECK (c.task == AD_TASK_RECON && c.diff_head == 0 && c.clip_len == 1 &&
      c.shift_frac == 0.0f && c.mem_place == 3 && c.score_window == 1 &&
      c.fuse == AD_FUSE_LEARNED && c.mem_items == 64, "stills settings");
  CHECK (ad_config_parse (&c, "preset=video", &err) == AD_OK && memcmp (&c,
          &d, sizeof c) != 0, "video preset keeps earlier settings");
  CHECK (ad_config_parse (&c, "mem_place=1,preset=stills", &err) == AD_OK &&
      c.mem_place == 3, "a preset overrides earlier items");
  CHECK (ad_config_validate (&c, &err) == AD_OK, "stills validate: %s",
      err.msg);
  const char *const bad[][2] = {
    { "preset=nope", "nope" }, { "preset=x", "video, stills" },
    { "nonsense=3", "nonsense" },
    { "mem_place=9", "mem_place" }, { "task", "key=value" },
    { "lr=fast", "not a number" }, { "lr=", "not a number" },
    { "lr=nan", "not a number" }, { "4,8", "key=value" },
    { "holdout_blocks=0", "holdout_blocks" },
    { "wander_frames=33", "wander_frames" },
    { "wander_weight=-1", "wander_weight" },
    { "wander_norm=2", "wander_norm" },
    { "flow_scale=3", "flow_scale" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err.msg[0] = '\0';
    ad_config_default (&c);
    CHECK (ad_config_parse (&c, bad[i][0], &err) == AD_ERR_ARG &&
        strstr (err.msg, bad[i][1]), "'%s' -> '%s'", bad[i][0], err.msg);
  }
  CHECK (ad_config_parse (NULL, "task=0", &err) == AD_ERR_ARG, "no config");
  ad_config_default (&c);
  CHECK (ad_config_parse (&c, "flow_scale=2,motion_cell=7", &err) == AD_OK &&
      ad_config_validate (&c, &err) == AD_ERR_ARG &&
      strstr (err.msg, "flow_scale"), "odd cell at half resolution: %s",
      err.msg);
  CHECK (ad_config_preset ("stills") && !ad_config_preset ("x"), "lookup");
  /* a camera close to the scene: the motion at twice the scale */
  ad_config_default (&c);
  CHECK (ad_config_parse (&c, "preset=near", &err) == AD_OK &&
      c.flow_scale == 2 && c.motion_cell == 16 && c.flow_bins == 17 &&
      c.flow_busy == 0.0f && c.map_learned == 2.4f && c.map_frame == 0.75f &&
      c.map_static == 2.0f &&
      ad_config_validate (&c, &err) == AD_OK, "near preset: %s", err.msg);
}

/* The frame-rate rules: what a camera's rate changes, and that a setting
 * the user names stays. */
static void
test_config_rate (void)
{
  ad_config c, d;
  ad_error err = { { 0 } };
  char applied[256];
  unsigned named = 99;
  ad_config_default (&d);
  CHECK (ad_config_rate_named (NULL, &named, &err) == AD_OK && named == 0,
      "nothing named: %u", named);
  CHECK (ad_config_rate_named ("lr=0.002,preset=stills", &named, &err) ==
      AD_OK && named == 0, "other fields and a preset without them: %u",
      named);
  CHECK (ad_config_rate_named ("flow-window=2,wander_frames=8", &named,
          &err) == AD_OK && named == ((1u << AD_RATE_WINDOW) |
          (1u << AD_RATE_WANDER)), "two named: %u", named);
  CHECK (ad_config_rate_named ("flow_window=x", &named, &err) == AD_ERR_ARG &&
      strstr (err.msg, "not a number"), "bad string: %s", err.msg);
  /* 25 frames a second: the defaults are the rules' values there */
  c = d;
  ad_config_apply_rate (&c, 25.0, 0, applied, sizeof applied);
  c.train_fps = 0.0f;
  CHECK (memcmp (&c, &d, sizeof c) == 0, "25 fps keeps the defaults: %s",
      applied);
  /* unknown rate: nothing */
  c = d;
  ad_config_apply_rate (&c, 0.0, 0, applied, sizeof applied);
  CHECK (memcmp (&c, &d, sizeof c) == 0 && applied[0] == 0, "unknown rate");
  /* 10 frames a second (UCSD Ped2) */
  c = d;
  ad_config_apply_rate (&c, 10.0, 0, applied, sizeof applied);
  CHECK (c.flow_window == 1 && c.flow_scale == 1 && c.flow_bins ==
      d.flow_bins && fabsf (c.static_rise - 10.0f) < 1e-6f &&
      c.wander_frames == 5 && fabsf (c.calib_quantile - (1.0f - (1.0f -
                  d.calib_quantile) * 2.5f)) < 1e-6f &&
      fabsf (c.flow_smooth - d.flow_smooth * powf (0.4f, 0.25f)) < 1e-5f &&
      c.train_fps == 10.0f, "10 fps: %s", applied);
  CHECK (strstr (applied, "flow_window=1") && strstr (applied,
          "wander_frames=5"), "applied names the changes: %s", applied);
  /* a runner moves several model pixels a frame there: refits */
  CHECK (d.flow_refine == 0 && c.flow_refine == 3 && strstr (applied,
          "flow_refine=3"), "10 fps: flow_refine %d (%s)",
      (int) c.flow_refine, applied);
  CHECK (ad_config_rate_named ("flow_refine=0", &named, &err) == AD_OK &&
      named == 1u << AD_RATE_REFINE, "flow_refine named: %u", named);
  c = d;
  ad_config_apply_rate (&c, 10.0, named, applied, sizeof applied);
  CHECK (c.flow_refine == 0, "named flow_refine=0 kept at 10 fps: %d",
      (int) c.flow_refine);
  c = d;
  ad_config_apply_rate (&c, 12.6, 0, applied, sizeof applied);
  CHECK (c.flow_refine == 0 && c.flow_window == d.flow_window,
      "12.6 fps: one fit (%s)", applied);
  c = d;
  ad_config_apply_rate (&c, 10.0, 0, applied, sizeof applied);
  /* the wandering is in px/frame: its weight follows the rate, unless it
   * is divided by its spread or named */
  CHECK (fabsf (c.wander_weight - d.wander_weight * 0.4f) < 1e-6f &&
      strstr (applied, "wander_weight="), "10 fps: wander_weight %g (%s)",
      c.wander_weight, applied);
  c = d;
  c.wander_norm = 1;
  ad_config_apply_rate (&c, 10.0, 0, applied, sizeof applied);
  CHECK (c.wander_weight == d.wander_weight, "wander_norm keeps it: %g",
      c.wander_weight);
  CHECK (ad_config_rate_named ("wander_weight=0.9", &named, &err) == AD_OK &&
      named == 1u << AD_RATE_WANDER_WEIGHT, "wander_weight named: %u", named);
  c = d;
  ad_config_apply_rate (&c, 10.0, named, applied, sizeof applied);
  CHECK (c.wander_weight == d.wander_weight, "named keeps it: %g",
      c.wander_weight);
  /* the map's novelty reaches the neighbours in proportion to the motion
   * a frame spans: 0.5 at 25 fps, 0.625 at 20, at most 1 */
  CHECK (c.map_neighbour == 1.0f, "10 fps: neighbours %g", c.map_neighbour);
  /* flow_recur: two seconds of frames, when on */
  CHECK (c.flow_recur == 20 && strstr (applied, "flow_recur=20"),
      "10 fps: flow_recur %d (%s)", (int) c.flow_recur, applied);
  c = d;
  c.flow_recur = 0;
  ad_config_apply_rate (&c, 10.0, 0, applied, sizeof applied);
  CHECK (c.flow_recur == 0, "off stays off: %d", (int) c.flow_recur);
  CHECK (ad_config_rate_named ("flow_recur=30", &named, &err) == AD_OK &&
      named == 1u << AD_RATE_RECUR, "flow_recur named: %u", named);
  c = d;
  c.flow_recur = 30;
  ad_config_apply_rate (&c, 10.0, named, applied, sizeof applied);
  CHECK (c.flow_recur == 30, "named keeps its value: %d", (int) c.flow_recur);
  /* the footage rule: 20 x flow_recur frames, else off */
  c = d;
  CHECK (ad_config_fit_footage (&c, 20 * 50) == 0 && c.flow_recur == 50,
      "enough footage keeps it: %d", (int) c.flow_recur);
  CHECK (ad_config_fit_footage (&c, 20 * 50 - 1) == 50 && c.flow_recur == 0,
      "too little leaves it out: %d", (int) c.flow_recur);
  CHECK (ad_config_fit_footage (&c, 5) == 0 && c.flow_recur == 0,
      "off: nothing to leave out");
  c = d;
  ad_config_apply_rate (&c, 20.0, 0, applied, sizeof applied);
  CHECK (fabsf (c.map_neighbour - 0.625f) < 1e-6f && c.flow_window ==
      d.flow_window, "20 fps: neighbours %g (%s)", c.map_neighbour, applied);
  /* 8.3 frames a second: the vectors stay at model resolution with the
   * usual bins (no half-resolution rule since 2026-12-06), the window the
   * user named stays */
  c = d;
  ad_config_apply_rate (&c, 25.0 / 3, 1u << AD_RATE_WINDOW, applied,
      sizeof applied);
  CHECK (c.flow_window == d.flow_window && c.flow_scale == 1 &&
      c.flow_bins == d.flow_bins && c.flow_refine == 3 &&
      c.static_rise > 8.3f && c.static_rise < 8.4f &&
      c.calib_quantile > 0.9969f && c.calib_quantile < 0.9971f,
      "8.3 fps, window named: %s", applied);
  /* a very slow camera: the quantile's floor, still no half resolution */
  c = d;
  ad_config_apply_rate (&c, 1.0, 0, applied, sizeof applied);
  CHECK (c.flow_scale == 1 && c.flow_bins == d.flow_bins &&
      fabsf (c.calib_quantile - 0.99f) < 1e-6f && c.static_rise == 1.0f &&
      c.wander_frames == 4 && c.flow_smooth >= 1.0f, "1 fps: %s",
      applied);
  /* stills count images: only the motion fit's rules */
  ad_config_default (&c);
  CHECK (ad_config_parse (&c, "preset=stills", &err) == AD_OK, "stills");
  d = c;
  ad_config_apply_rate (&c, 5.0, 0, applied, sizeof applied);
  CHECK (c.calib_quantile == d.calib_quantile && c.static_rise ==
      d.static_rise && c.train_fps == 0.0f && c.flow_window == 1 &&
      c.flow_refine == 0, "stills at 5 fps: %s", applied);
  /* a short buffer truncates the note, never overruns */
  c = d;
  ad_config_apply_rate (&c, 5.0, 0, applied, 8);
  CHECK (strlen (applied) < 8, "short buffer: %s", applied);
}

int
main (void)
{
  if (!mkdtemp (tmpdir)) {
    perror ("mkdtemp");
    return 1;
  }
  test_round_trip ();
  test_config_parse ();
  test_config_rate ();
  test_legacy_patterns ();

  ad_config cfg;
  small_cfg (&cfg);
  cfg.fuse_weight = 0.25f;
  ad_model *m = make_model (&cfg);
  if (m) {
    ad_error err = { { 0 } };
    const char *path = tmp_path ("small.model");
    CHECK (ad_model_save (m, path, &err) == AD_OK, "save: %s", err.msg);
    size_t size = 0;
    uint8_t *good = read_all (path, &size);
    CHECK (good && size > 1000 && size < 120000, "file size %zu", size);
    if (good) {
      CHECK (memcmp (good, "ADMODEL\0", 8) == 0 && get32 (good + 8) == 1,
          "header");
      test_atomic (m);
      test_basic_errors (good, size);
      test_truncation_and_corruption (good, size);
      test_bad_contents (good, size, m);
    }
    free (good);
    ad_model_free (m);
  }

  /* Leave nothing behind. */
  DIR *d = opendir (tmpdir);
  struct dirent *e;
  while (d && (e = readdir (d)))
    if (e->d_name[0] != '.')
      unlink (tmp_path (e->d_name));
  if (d)
    closedir (d);
  rmdir (tmpdir);
  return check_report ("test-model-io");
}
