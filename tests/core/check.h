/* check.h - a minimal test harness for the core tests.
 * Each CHECK counts one assertion; the program prints
 * "N passed, N failed" and exits non-zero on any failure. */
#ifndef AD_CHECK_H
#define AD_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (cond) {                                                           \
      check_passed++;                                                     \
    } else {                                                              \
      check_failed++;                                                     \
      fprintf (stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
      fprintf (stderr, __VA_ARGS__);                                      \
      fprintf (stderr, "\n");                                             \
    }                                                                     \
  } while (0)

#define CHECK_OK(expr)                                                    \
  do {                                                                    \
    ad_error check_err_ = { { 0 } };                                      \
    ad_status check_st_ = (expr);                                         \
    (void) check_err_;                                                    \
    CHECK (check_st_ == AD_OK, "status %d", (int) check_st_);             \
  } while (0)

static inline int
check_report (const char *name)
{
  printf ("%s: %d passed, %d failed\n", name, check_passed, check_failed);
  return check_failed ? 1 : 0;
}

#endif
