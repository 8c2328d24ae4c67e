/* Test harness for runtime_c/qtc_fixedpoint.h, driven by tests/test_fixedpoint.py.
 *
 * Usage: fixedpoint_harness PRIMITIVE < input > output. Input (little-endian int64):
 * N, T, T table entries, then N records of the primitive's arguments; output: N records of
 * its results as int64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qtc_fixedpoint.h"

static int64_t read_i64(void) {
  int64_t v;
  if (fread(&v, sizeof v, 1, stdin) != 1) {
    fprintf(stderr, "short input\n");
    exit(2);
  }
  return v;
}

static void write_i64(int64_t v) { fwrite(&v, sizeof v, 1, stdout); }

int main(int argc, char **argv) {
  const char *p;
  int64_t n, t, i;
  int8_t table8[256] = {0};
  int16_t table16[513] = {0};
  if (argc != 2) return 2;
  p = argv[1];
  n = read_i64();
  t = read_i64();
  for (i = 0; i < t; ++i) {
    const int64_t v = read_i64();
    if (t == 256) table8[i] = (int8_t)v;
    if (t == 513) table16[i] = (int16_t)v;
  }
  for (i = 0; i < n; ++i) {
    if (!strcmp(p, "srdhm")) {
      const int32_t a = (int32_t)read_i64();
      write_i64(qtc_srdhm(a, (int32_t)read_i64()));
    } else if (!strcmp(p, "rdbpot")) {
      const int32_t x = (int32_t)read_i64();
      write_i64(qtc_rdbpot(x, (int)read_i64()));
    } else if (!strcmp(p, "sat_shl")) {
      const int32_t x = (int32_t)read_i64();
      write_i64(qtc_sat_shl(x, (int)read_i64()));
    } else if (!strcmp(p, "mbqm") || !strcmp(p, "mbqm_single") || !strcmp(p, "mbqm_i64")) {
      const int64_t x = read_i64();
      const int32_t q = (int32_t)read_i64();
      const int shift = (int)read_i64();
      write_i64(!strcmp(p, "mbqm")          ? qtc_mbqm((int32_t)x, q, shift)
                : !strcmp(p, "mbqm_single") ? qtc_mbqm_single((int32_t)x, q, shift)
                                            : qtc_mbqm_i64(x, q, shift));
    } else if (!strcmp(p, "rounding_divide")) {
      const int32_t acc = (int32_t)read_i64();
      write_i64(qtc_rounding_divide(acc, (int32_t)read_i64()));
    } else if (!strcmp(p, "saturate")) {
      const int64_t x = read_i64();
      write_i64(qtc_saturate(x, (int)read_i64()));
    } else if (!strcmp(p, "wrap_i32")) {
      write_i64(qtc_wrap_i32(read_i64()));
    } else if (!strcmp(p, "rounding_half_sum")) {
      const int32_t a = (int32_t)read_i64();
      write_i64(qtc_rounding_half_sum(a, (int32_t)read_i64()));
    } else if (!strcmp(p, "clz32")) {
      write_i64(qtc_clz32((uint32_t)read_i64()));
    } else if (!strcmp(p, "exp")) {
      const int32_t a = (int32_t)read_i64();
      write_i64(qtc_exp_on_negative_values(a, (int)read_i64()));
    } else if (!strcmp(p, "one_over_one_plus_x")) {
      write_i64(qtc_one_over_one_plus_x_for_x_in_0_1((int32_t)read_i64()));
    } else if (!strcmp(p, "reciprocal")) {
      const int32_t x = (int32_t)read_i64();
      int bits_over_unit;
      write_i64(qtc_get_reciprocal(x, (int)read_i64(), &bits_over_unit));
      write_i64(bits_over_unit);
    } else if (!strcmp(p, "lut_i8")) {
      write_i64(qtc_lut_i8((int8_t)read_i64(), table8));
    } else if (!strcmp(p, "lut_i16")) {
      write_i64(qtc_lut_i16((int16_t)read_i64(), table16));
    } else {
      fprintf(stderr, "unknown primitive %s\n", p);
      return 2;
    }
  }
  return 0;
}
