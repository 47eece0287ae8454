/* fuzz-model.c - libFuzzer target for the model loader.
 *
 * Each input is loaded twice: as it is, and with its last four bytes
 * replaced by the correct CRC32 of the rest, so that mutations reach the
 * parser behind the checksum instead of stopping at it.
 *
 * Built with -DAD_FUZZ_MAKE_SEED (by gcc, as a normal executable) the same
 * file is the seed writer: `fuzz-model-seed OUT` saves a small valid model
 * to OUT for the seed corpus.
 */
#include "ad-internal.h"

#include <stdlib.h>
#include <string.h>

#ifndef AD_FUZZ_MAKE_SEED

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
load_and_free (const uint8_t *data, size_t size)
{
  ad_model *m = NULL;
  ad_error err;
  if (ad_model_load_mem (data, size, &m, &err) == AD_OK) {
    /* Touch the result so a bad model would show under the sanitizers. */
    volatile float sink = 0.0f;
    for (int i = 0; i < m->n_tensors; i++)
      if (m->tensors[i].count > 0)
        sink += m->tensors[i].data[m->tensors[i].count - 1];
    (void) sink;
    ad_model_free (m);
  } else if (m != NULL) {
    abort ();                   /* a failed load must not return a model */
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  load_and_free (data, size);
  if (size >= 16) {
    uint8_t *copy = malloc (size);
    if (!copy)
      return 0;
    memcpy (copy, data, size);
    uint32_t crc = ad_crc32 (0, copy, size - 4);
    for (int i = 0; i < 4; i++)
      copy[size - 4 + i] = (uint8_t) (crc >> (8 * i));
    load_and_free (copy, size);
    free (copy);
  }
  return 0;
}

#else /* AD_FUZZ_MAKE_SEED */

#include <stdio.h>

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: %s OUT\n", argv[0]);
    return 2;
  }
  ad_config cfg;
  ad_config_default (&cfg);
  cfg.width = 16;
  cfg.height = 16;
  for (int i = 0; i < AD_MAX_SCALES; i++)
    cfg.widths[i] = 4;
  cfg.mem_items = 4;
  cfg.motion_cell = 8;
  ad_model *m;
  ad_error err = { { 0 } };
  ad_status st = ad_model_new (&cfg, &m, &err);
  if (st == AD_OK) {
    st = ad_model_save (m, argv[1], &err);
    ad_model_free (m);
  }
  if (st != AD_OK) {
    fprintf (stderr, "%s: %s\n", argv[0], err.msg);
    return 1;
  }
  return 0;
}

#endif
