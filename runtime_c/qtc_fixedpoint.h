/* qtc fixed-point helpers: the C twins of qtc.dialects.fixedpoint, bit for bit.
 *
 * C99, <stdint.h> only, no floating point. Semantics follow gemmlowp fixedpoint.h and
 * TFLite/TFLM common.{h,cc} (quantization.md section 2); tests/test_fixedpoint.py checks every
 * function against the Python reference on random and edge inputs under ASan/UBSan.
 *
 * No undefined behaviour: left shifts of possibly negative values are multiplications or
 * happen in uint32_t, every product that could exceed 32 bits is int64_t, and int32 wraps
 * are conversions from unsigned (implementation-defined, modulo 2^32 on every target qtc
 * supports). Right shifts of negative values are arithmetic (implementation-defined; GCC,
 * Clang and armcc all shift arithmetically), as TFLite assumes too.
 */
#ifndef QTC_FIXEDPOINT_H_
#define QTC_FIXEDPOINT_H_

#include <stdint.h>

/* Two's-complement wrap of x to int32 (what TFLite's int32 arithmetic does in practice). */
static inline int32_t qtc_wrap_i32(int64_t x) { return (int32_t)(uint32_t)(uint64_t)x; }

/* Clamp x to [lo, hi]. */
static inline int32_t qtc_clamp(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* Clamp x to the range of a signed `bits`-wide integer, 1 <= bits <= 32. */
static inline int32_t qtc_saturate(int64_t x, int bits) {
  const int64_t hi = ((int64_t)1 << (bits - 1)) - 1;
  const int64_t lo = -hi - 1;
  return (int32_t)(x < lo ? lo : (x > hi ? hi : x));
}

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties toward +inf;
 * INT32_MIN * INT32_MIN saturates to INT32_MAX. Truncating division as in gemmlowp. */
static inline int32_t qtc_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  {
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
  }
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent, ties away from zero, 0 <= exponent <= 31. */
static inline int32_t qtc_rdbpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* gemmlowp SaturatingRoundingMultiplyByPOT<e> for 0 < e < 31: x * 2^e, saturating. */
static inline int32_t qtc_sat_shl(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((int64_t)x * ((int64_t)1 << exponent));
}

/* TFLite MultiplyByQuantizedMultiplier(int32), double rounding (gemmlowp, TFLM default):
 * RDBPOT(SRDHM(x * 2^max(shift,0), q), max(-shift,0)); -31 <= shift <= 30. The left shift
 * wraps modulo 2^32 (TFLite: undefined on overflow). */
static inline int32_t qtc_mbqm(int32_t x, int32_t q, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)x << left);
  return qtc_rdbpot(qtc_srdhm(shifted, q), right);
}

/* TFLite MultiplyByQuantizedMultiplier(int32) under TFLITE_SINGLE_ROUNDING:
 * (x*q + 2^(k-1)) >> k with k = 31 - shift; q >= 0, -31 <= shift <= 30. */
static inline int32_t qtc_mbqm_single(int32_t x, int32_t q, int shift) {
  const int total = 31 - shift;
  const int64_t round = (int64_t)1 << (total - 1);
  return qtc_wrap_i32(((int64_t)x * (int64_t)q + round) >> total);
}

/* TFLite MultiplyByQuantizedMultiplier(int64) for 16x8 accumulators (both builds): the
 * multiplier reduced to 16 bits, then (x*rq + 2^(k-1)) >> k with k = 15 - shift;
 * -2^47 <= x < 2^47, q >= 0, -31 <= shift <= 7. */
static inline int32_t qtc_mbqm_i64(int64_t x, int32_t q, int shift) {
  const int64_t reduced = q < 0x7FFF0000 ? (int64_t)((q + (1 << 15)) >> 16) : 0x7FFF;
  const int total = 15 - shift;
  const int64_t round = (int64_t)1 << (total - 1);
  return qtc_wrap_i32((x * reduced + round) >> total);
}

/* TFLite average pooling division: acc > 0 ? (acc + n/2) / n : (acc - n/2) / n, n > 0. */
static inline int32_t qtc_rounding_divide(int32_t acc, int32_t n) {
  return acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
}

/* int8 -> int8 table lookup; the 256-entry table is in natural order (entry q + 128). */
static inline int8_t qtc_lut_i8(int8_t x, const int8_t *table) { return table[(int)x + 128]; }

/* TFLite LUTLookup(int16): 513-entry table, entry 256 + (x >> 7) plus the slope to the next
 * entry times the 7 low bits; slope and result are int16 (wrapping) as in TFLite. */
static inline int16_t qtc_lut_i16(int16_t x, const int16_t *table) {
  const int index = 256 + (x >> 7);
  const int32_t offset = x & 0x7F;
  const int32_t base = table[index];
  const int32_t slope = (int16_t)(uint16_t)(uint32_t)(table[index + 1] - base);
  return (int16_t)(uint16_t)(uint32_t)(base + ((slope * offset + 64) >> 7));
}

/* Leading zero bits of a uint32 (32 for 0). */
static inline int qtc_clz32(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  if (!(x & 0xFFFF0000u)) { n += 16; x <<= 16; }
  if (!(x & 0xFF000000u)) { n += 8; x <<= 8; }
  if (!(x & 0xF0000000u)) { n += 4; x <<= 4; }
  if (!(x & 0xC0000000u)) { n += 2; x <<= 2; }
  if (!(x & 0x80000000u)) { n += 1; }
  return n;
}

/* gemmlowp RoundingHalfSum(int32): (a + b) / 2, ties away from zero. */
static inline int32_t qtc_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31. */
static inline int32_t qtc_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668; /* exp(-1/8) */
  const int32_t one_third = 715827883;
  const int32_t x = a + (1 << 28);
  const int32_t x2 = qtc_srdhm(x, x);
  const int32_t x3 = qtc_srdhm(x2, x);
  const int32_t x4 = qtc_srdhm(x2, x2);
  const int32_t x4_over_4 = qtc_rdbpot(x4, 2);
  const int32_t poly = qtc_rdbpot(qtc_srdhm(x4_over_4 + x3, one_third) + x2, 1);
  return constant_term + qtc_srdhm(constant_term, x + poly);
}

/* gemmlowp exp_on_negative_values: exp(a) in Q0.31 for a <= 0 in Q(integer_bits),
 * 0 <= integer_bits <= 29 (TFLM softmax: 5). */
static inline int32_t qtc_exp_on_negative_values(int32_t a, int integer_bits) {
  static const int32_t barrel[7] = {1672461947, 1302514674, 790015084, 290630308,
                                    39332535,   720401,     242};
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
  int32_t result = a_mod_quarter_minus_one_quarter;
  int32_t remainder;
  int exponent;
  if (integer_bits > 0) result = qtc_sat_shl(result, integer_bits);
  result = qtc_exp_on_interval_between_negative_one_quarter_and_0_excl(result);
  remainder = a_mod_quarter_minus_one_quarter - a;
  for (exponent = -2; exponent <= 4; ++exponent) {
    if (integer_bits > exponent &&
        (remainder & (int32_t)((uint32_t)1 << (fractional_bits + exponent)))) {
      result = qtc_srdhm(result, barrel[exponent + 2]);
    }
  }
  if (integer_bits > 5 && a < -((int32_t)1 << (36 - integer_bits))) result = 0;
  return a == 0 ? INT32_MAX : result;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1/(1+a) for a in [0, 1), Q0.31 in and out. */
static inline int32_t qtc_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = qtc_rounding_half_sum(a, INT32_MAX);
  int32_t x = 1515870810 + qtc_srdhm(half_denominator, -1010580540); /* 48/17 - 32/17 d, Q2.29 */
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t one_minus_half_denominator_times_x =
        (1 << 29) - qtc_srdhm(half_denominator, x);
    x = x + qtc_sat_shl(qtc_srdhm(x, one_minus_half_denominator_times_x), 2);
  }
  return qtc_sat_shl(x, 1);
}

/* TFLite GetReciprocal: for x > 0 in Q(integer_digits), returns s in Q0.31 and sets
 * *num_bits_over_unit so that 1/x = s * 2^-num_bits_over_unit. */
static inline int32_t qtc_get_reciprocal(int32_t x, int integer_digits, int *num_bits_over_unit) {
  const int headroom_plus_one = qtc_clz32((uint32_t)x);
  const int32_t shifted_minus_one =
      (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
  *num_bits_over_unit = integer_digits - headroom_plus_one;
  return qtc_one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

#endif /* QTC_FIXEDPOINT_H_ */
