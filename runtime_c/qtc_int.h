/* qtc integer kernels: what the C that qtc generates for a quantized (qnn) model calls.
 *
 * C99, integer arithmetic only: no float or double, no allocation, recursion, VLAs or globals;
 * every function is static (inline, or kept out of line with GCC's noinline where inlining
 * costs registers: QTC_OUT_OF_LINE), so a model pulls in just the kernels it uses, and sizes
 * are int. Each kernel computes exactly what qtc.dialects.qnn_interpreter computes for its op
 * (tests/test_int_c.py compares them bit for bit under ASan/UBSan); the arithmetic is the
 * primitives of qtc_fixedpoint.h, whose conventions hold here too: int32 wraps are conversions
 * (qtc_wrap_i32), products that could exceed 32 bits are int64, no left shift of a negative
 * value, right shifts of negative values are arithmetic.
 *
 * Layouts are qtc_float.h's: channels-last activations ([n, h, w, c], 1-d ops [n, 1, w, c]),
 * Keras kernels (dense [in, out], conv [kh, kw, c, f], depthwise [kh, kw, c, m] with output
 * channel ci*m + j). Accumulators: i8 activations accumulate in int32 (wrapping, as the
 * reference) with int32 bias, i16 activations in int64 with int64 bias. Kernels that need
 * per-channel accumulators take them as a scratch array `acc` from the caller. Outputs never
 * alias inputs. Dense and convolutions with 8-bit weights have `_packed` kernels (weights
 * repacked and the input zero point folded into the bias by the compiler; see "8-bit weights"
 * below); the others keep the model's layouts.
 *
 * Type-generic kernels are instantiated by the QTC_DEFINE_* macros below for every element
 * type combination the qnn verifier allows; their names end in the element types of input,
 * weights and output (e.g. qtc_dense_i16_i8_i16; the packed ones in those of input and output).
 */
#ifndef QTC_INT_H
#define QTC_INT_H

#include <stdint.h>

#include "qtc_common.h"
#include "qtc_fixedpoint.h"


/* Element, bias and accumulator types by name, for the QTC_DEFINE_* macros. */
#define QTC_T_i8 int8_t
#define QTC_T_i16 int16_t
#define QTC_T_i32 int32_t
#define QTC_BIAS_i8 int32_t
#define QTC_BIAS_i16 int64_t
#define QTC_ACC_i8 int32_t
#define QTC_ACC_i16 int64_t
/* Type of one product x * w: int32 unless both are 16 bits wide. */
#define QTC_PROD_i8_i8 int32_t
#define QTC_PROD_i8_i16 int32_t
#define QTC_PROD_i16_i8 int32_t
#define QTC_PROD_i16_i16 int64_t

/* Functions that stay out of line where the compiler allows it: inlined into their callers
   (inner loops, the requantizer) they run out of registers on Thumb-1 cores. */
#if defined(__GNUC__)
#define QTC_OUT_OF_LINE static __attribute__((noinline, unused))
#else
#define QTC_OUT_OF_LINE static inline
#endif

/* ---- requantization ------------------------------------------------------------------------ */

/* MultiplyByQuantizedMultiplier variants: int32 double rounding (gemmlowp), int32 single
   rounding, int64 input (16x8 accumulators, the same in both roundings), and double rounding of
   narrow accumulators: the compiler proved |acc| < 2^(30 - left) for every accumulator the layer
   can reach (left = max(shift, 0)), so acc << (left + 1) fits int32 and the DSP requantizer folds
   both roundings into one rounded high word; everything else treats it as QTC_MBQM_DOUBLE. */
enum { QTC_MBQM_DOUBLE = 0, QTC_MBQM_SINGLE = 1, QTC_MBQM_INT64 = 2, QTC_MBQM_DOUBLE_NARROW = 3 };

/* 0 when no requantizer of the model rounds once (the generated source says so before including
   this header, as TFLM builds choose TFLITE_SINGLE_ROUNDING): the DSP cores' int8 requantizer
   then takes every output, and the generic one it would fall back to is compiled out. */
#ifndef QTC_SINGLE_ROUNDING_USED
#define QTC_SINGLE_ROUNDING_USED 1
#endif

/* 0 when every int8 layer of the model whose outputs qtc_requant_block_ takes has narrow
   accumulators (QTC_MBQM_DOUBLE_NARROW) or rounds once: the DSP cores' requantizer of wide ones is
   then compiled out. */
#ifndef QTC_WIDE_DOUBLE_USED
#define QTC_WIDE_DOUBLE_USED 1
#endif

/* 1 where the core has no 32x32->64 multiply (ARMv6-M, ARMv8-M Baseline): there a 64-bit
   product is a libgcc call (__aeabi_lmul), so the requantizers below build the product from
   16-bit halves in 32-bit arithmetic instead. Both forms give the same integers as
   qtc_fixedpoint.h (tests/test_int_fast.py compares them with either setting on the host). */
#ifndef QTC_NO_LONG_MULTIPLY
#if defined(__ARM_ARCH_6M__) || defined(__ARM_ARCH_8M_BASE__)
#define QTC_NO_LONG_MULTIPLY 1
#else
#define QTC_NO_LONG_MULTIPLY 0
#endif
#endif

/* gemmlowp RoundingDivideByPOT (qtc_rdbpot), 0 <= exponent <= 31: rounding half away from zero
   is floor((x + 2^(e-1) - (x < 0)) / 2^e). The sum is formed in uint32: for x >= 0 it may pass
   2^31 - 1 (shift it as unsigned), for x < 0 it fits int32 (shift it as signed). */
static inline int32_t qtc_rdbpot_fast_(int32_t x, int exponent) {
    uint32_t sum;
    if (exponent == 0) return x;
    sum = (uint32_t)x + ((uint32_t)1 << (exponent - 1));
    return x < 0 ? (int32_t)(sum - 1u) >> exponent : (int32_t)(sum >> exponent);
}

/* The 64-bit value hi:lo (two's complement) plus 2^(total-1), shifted right (arithmetic) by
   total, 1 <= total <= 62, truncated to int32. */
static inline int32_t qtc_round_shift64_(uint32_t hi, uint32_t lo, int total) {
    if (total <= 32) {
        const uint32_t round = (uint32_t)1 << (total - 1);
        lo += round;
        hi += lo < round ? 1u : 0u;
    } else {
        hi += (uint32_t)1 << (total - 33);
    }
    if (total < 32) return (int32_t)((lo >> total) | (hi << (32 - total)));
    return (int32_t)hi >> (total - 32);
}

#if QTC_NO_LONG_MULTIPLY
/* a * b as hi:lo from four 16x16-bit products (each fits 32 bits); returns hi. */
static inline uint32_t qtc_mul32x32_(int32_t a, int32_t b, uint32_t *lo) {
    const uint32_t al = (uint32_t)a & 0xFFFFu, bl = (uint32_t)b & 0xFFFFu;
    const int32_t ah = a >> 16, bh = b >> 16;
    const uint32_t ll = al * bl;
    const int32_t lh = ah * (int32_t)bl, hl = (int32_t)al * bh; /* |.| < 2^31 */
    const uint32_t mid = (ll >> 16) + ((uint32_t)lh & 0xFFFFu) + ((uint32_t)hl & 0xFFFFu);
    *lo = (mid << 16) | (ll & 0xFFFFu);
    return (uint32_t)(ah * bh) + (uint32_t)(lh >> 16) + (uint32_t)(hl >> 16) + (mid >> 16);
}

/* qtc_srdhm for b >= 0 (every multiplier) from four 16x16-bit products, without branches:
   a = ah*2^16 + al and b = bh*2^16 + bl with al, bl signed 16-bit, so every product and partial
   sum fits int32, and with p = al*bh, floor((a*b + 2^30) / 2^31) = 2*ah*bh + floor(p / 2^15) +
   floor((p mod 2^15 + ah*bl + floor(al*bl / 2^16) + 2^14) / 2^15) (floor(floor(v / 2^m) / 2^n)
   = floor(v / 2^(m+n))). */
static inline int32_t qtc_srdhm_split_(int32_t a, int32_t b) {
    const int32_t al = (int16_t)a, ah = ((a >> 15) + 1) >> 1; /* (a - al) / 2^16, up to 2^15 */
    const int32_t bl = (int16_t)b, bh = (int32_t)(((uint32_t)b - (uint32_t)bl) >> 16);
    const int32_t p = al * bh;
    const int32_t low = ah * bl + ((al * bl) >> 16) + (1 << 14) + (p & 0x7FFF);
    return (int32_t)(((uint32_t)(ah * bh) << 1) + (uint32_t)(p >> 15) + (uint32_t)(low >> 15));
}

/* qtc_srdhm for b >= 0 (every multiplier): (a*b + 2^30) >> 31 from products that fit 32 bits,
   with b = bh*2^16 + bl (bl unsigned 16-bit):
   - -2^15 <= a < 2^15 (two products): (a*bh + (a*bl >> 16) + 2^14) >> 15;
   - otherwise, a = ah*2^16 + al (al unsigned), c1 = ah*bl, c2 = al*bh (>= 0): 2*ah*bh +
     floor((c1 + c2 + (al*bl >> 16) + 2^14) / 2^15), c1 split at bit 15 so that every partial
     sum fits 32 bits.
   Both floor in steps (floor(floor(v / 2^m) / 2^n) = floor(v / 2^(m+n))). */
static inline int32_t qtc_srdhm_pos_(int32_t a, int32_t b) {
    if ((uint32_t)a + 0x8000u < 0x10000u) {
        return (a * (b >> 16) + ((a * (int32_t)((uint32_t)b & 0xFFFFu)) >> 16) + (1 << 14)) >> 15;
    } else {
        const int32_t ah = a >> 16, bh = b >> 16;
        const uint32_t al = (uint32_t)a & 0xFFFFu, bl = (uint32_t)b & 0xFFFFu;
        const int32_t c1 = ah * (int32_t)bl; /* |c1| < 2^31 */
        const uint32_t c2 = al * (uint32_t)bh; /* < 2^31 */
        const uint32_t low = ((al * bl) >> 16) + (1u << 14) + ((uint32_t)c1 & 0x7FFFu) + c2;
        return (int32_t)(((uint32_t)(ah * bh) << 1) + (uint32_t)(c1 >> 15) + (low >> 15));
    }
}

/* qtc_srdhm: (a*b + 2^30) >> 31, INT32_MIN * INT32_MIN saturating (any b). */
static inline int32_t qtc_srdhm_fast_(int32_t a, int32_t b) {
    uint32_t lo, hi;
    if (b >= 0) return qtc_srdhm_pos_(a, b);
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    hi = qtc_mul32x32_(a, b, &lo);
    return qtc_round_shift64_(hi, lo, 31);
}

/* qtc_mbqm_single. */
static inline int32_t qtc_mbqm_single_fast_(int32_t x, int32_t q, int shift) {
    uint32_t lo;
    const uint32_t hi = qtc_mul32x32_(x, q, &lo);
    return qtc_round_shift64_(hi, lo, 31 - shift);
}

/* qtc_mbqm_i64: x (int64) times the 15-bit reduced multiplier from three 16x16-bit products. */
static inline int32_t qtc_mbqm_i64_fast_(int64_t x, int32_t q, int shift) {
    const int32_t reduced = q < 0x7FFF0000 ? (q + (1 << 15)) >> 16 : 0x7FFF;
    const uint32_t r = (uint32_t)reduced, xl = (uint32_t)(uint64_t)x;
    const uint32_t xh = (uint32_t)(uint64_t)(x >> 32);
    const uint32_t t0 = (xl & 0xFFFFu) * r, t1 = (xl >> 16) * r; /* < 2^31 each */
    const uint32_t lo = t0 + (t1 << 16);
    if (reduced < 0) return qtc_mbqm_i64(x, q, shift); /* q < 0: not a valid multiplier */
    return qtc_round_shift64_(xh * r + (t1 >> 16) + (lo < t0 ? 1u : 0u), lo, 15 - shift);
}
#else /* SMULL/SMLAL: the int64 forms */
static inline int32_t qtc_srdhm_fast_(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

static inline int32_t qtc_srdhm_pos_(int32_t a, int32_t b) { return qtc_srdhm_fast_(a, b); }

static inline int32_t qtc_srdhm_split_(int32_t a, int32_t b) { return qtc_srdhm_fast_(a, b); }

static inline int32_t qtc_mbqm_single_fast_(int32_t x, int32_t q, int shift) {
    return qtc_mbqm_single(x, q, shift);
}

static inline int32_t qtc_mbqm_i64_fast_(int64_t x, int32_t q, int shift) {
    return qtc_mbqm_i64(x, q, shift);
}
#endif

/* qtc_mbqm (double rounding) through the helpers above. */
static inline int32_t qtc_mbqm_fast_(int32_t x, int32_t q, int shift) {
    const int32_t shifted = (int32_t)((uint32_t)x << (shift > 0 ? shift : 0));
    return qtc_rdbpot_fast_(qtc_srdhm_fast_(shifted, q), shift > 0 ? 0 : -shift);
}

/* The requantizer `mode` (QTC_MBQM_*) of x; x must fit int32 unless mode is QTC_MBQM_INT64. */
static inline int32_t qtc_mbqm_mode_(int64_t x, int32_t q, int shift, int mode) {
    if (mode == QTC_MBQM_INT64) return qtc_mbqm_i64_fast_(x, q, shift);
    if (mode == QTC_MBQM_SINGLE) return qtc_mbqm_single_fast_((int32_t)x, q, shift);
    return qtc_mbqm_fast_((int32_t)x, q, shift);
}

/* Rescale of an accumulator to the output: clamp(MBQM(acc, multiplier[c], shift[c]) + zero point). */
typedef struct {
    const int32_t *multiplier; /* `channels` Q31 multipliers (1: per tensor) */
    const int8_t *shift;       /* their shifts (-31..30: a byte each, flash is scarce) */
    int channels;
    int mode;                  /* QTC_MBQM_* */
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t clamp_min, clamp_max; /* within the output type's range */
} qtc_requant;

/* a + v wrapped to int32 (the reference wraps int32 accumulators and sums). */
static inline int32_t qtc_wrap_add_(int32_t a, int32_t v) {
    return (int32_t)((uint32_t)a + (uint32_t)v);
}

/* p applied to acc of channel c (c is ignored per tensor). */
static inline int32_t qtc_requant_(const qtc_requant *p, int64_t acc, int c) {
    const int k = p->channels > 1 ? c : 0;
    const int32_t v = qtc_mbqm_mode_(acc, p->multiplier[k], (int)p->shift[k], p->mode);
    return qtc_clamp(qtc_wrap_add_(v, p->output_zero_point), p->clamp_min, p->clamp_max);
}

/* qtc_mbqm_mode_ of an int32 x for mode QTC_MBQM_DOUBLE or QTC_MBQM_SINGLE, double rounding
   spelled out (the verifier keeps multipliers >= 0). */
static inline int32_t qtc_mbqm32_(int32_t x, int32_t q, int shift, int mode) {
    const int left = shift > 0 ? shift : 0;
    return mode == QTC_MBQM_SINGLE
               ? qtc_mbqm_single_fast_(x, q, shift)
               : qtc_rdbpot_fast_(qtc_srdhm_pos_((int32_t)((uint32_t)x << left), q), left - shift);
}

/* qtc_requant_ of an int32 accumulator (p->mode is QTC_MBQM_DOUBLE or QTC_MBQM_SINGLE). */
static inline int32_t qtc_requant32_(const qtc_requant *p, int32_t acc, int c) {
    const int k = p->channels > 1 ? c : 0;
    const int32_t v = qtc_mbqm32_(acc, p->multiplier[k], (int)p->shift[k], p->mode);
    return qtc_clamp(qtc_wrap_add_(v, p->output_zero_point), p->clamp_min, p->clamp_max);
}

/* a + v in int64 (16x8 accumulators never come near overflow). */
static inline int64_t qtc_add_i64_(int64_t a, int64_t v) { return a + v; }

/* The accumulator sum of each activation type. */
#define QTC_ACC_ADD_i8 qtc_wrap_add_
#define QTC_ACC_ADD_i16 qtc_add_i64_

/* y = requant(x - input_zero_point) over x [outer, n, inner]; per-channel multipliers index n. */
#define QTC_DEFINE_REQUANTIZE(SX, SY)                                                               \
    static inline void qtc_requantize_##SX##_##SY(const QTC_T_##SX *x, QTC_T_##SY *y, int outer,    \
                                                  int n, int inner, const qtc_requant *p) {         \
        int o, c, k;                                                                                \
        for (o = 0; o < outer; ++o)                                                                 \
            for (c = 0; c < n; ++c)                                                                 \
                for (k = 0; k < inner; ++k, ++x, ++y)                                               \
                    *y = (QTC_T_##SY)qtc_requant_(                                                  \
                        p, qtc_wrap_i32((int64_t)*x - p->input_zero_point), c);                     \
    }

QTC_DEFINE_REQUANTIZE(i8, i8)
QTC_DEFINE_REQUANTIZE(i8, i16)
QTC_DEFINE_REQUANTIZE(i8, i32)
QTC_DEFINE_REQUANTIZE(i16, i8)
QTC_DEFINE_REQUANTIZE(i16, i16)
QTC_DEFINE_REQUANTIZE(i16, i32)
QTC_DEFINE_REQUANTIZE(i32, i8)
QTC_DEFINE_REQUANTIZE(i32, i16)
QTC_DEFINE_REQUANTIZE(i32, i32)

/* ---- dense and convolutions ---------------------------------------------------------------- */

/* Element offset / c of input tap (ky, kx) of output (ni, oy, ox) of g, or -1 in the padding. */
static inline int qtc_tap_(const qtc_window *g, int ni, int oy, int ox, int ky, int kx) {
    const int iy = oy * g->sh - g->pad_top + ky * g->dh;
    const int ix = ox * g->sw - g->pad_left + kx * g->dw;
    if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) return -1;
    return (ni * g->h + iy) * g->w + ix;
}

/* The window of a dense layer: x [rows, in] as a 1x1 convolution over [1, 1, rows, in]. */
static inline qtc_window qtc_dense_window_(int rows, int in, int out) {
    qtc_window g;
    g.n = 1; g.h = 1; g.w = rows; g.c = in;
    g.kh = 1; g.kw = 1; g.sh = 1; g.sw = 1; g.dh = 1; g.dw = 1;
    g.pad_top = 0; g.pad_left = 0;
    g.oh = 1; g.ow = rows; g.f = out;
    return g;
}

/* 8-bit weights: the fast (`_packed`) kernels.
 *
 * The compiler lays the weights out as rows of taps per group of four output channels: word
 * t of group q (w[q * taps + t], taps = kh*kw*c, kh*kw for depthwise, `in` for dense) holds
 * the int8 weights of tap t (in [ky, kx, c] order) of output channels 4q .. 4q+3 in its bytes
 * 0 .. 3 (zero past the last channel), so the inner loops read consecutive words and every
 * input value of a convolution serves four accumulators. The bias array b is padded to a
 * multiple of four and has the input zero point folded in: b[o] = bias[o] - input_zero_point *
 * (sum of the weights of o), wrapped to int32 for i8 activations. Then b[o] + sum x * w over
 * every tap equals the reference's bias + sum (x - zero point) * w, with taps in the padding
 * reading the zero point: interior outputs read the input directly, border outputs a patch
 * (scratch of kh*kw*c inputs) holding their window with the padding filled in.
 *
 * Accumulators: i8 activations sum in uint32 (exactly the reference's int32 wrap); i16
 * activations in int64 through uint32 partial sums of at most QTC_DOT_TERMS_i16 products,
 * which are exact (|x * w| <= 2^22, so 511 would still fit). */
#define QTC_DOT_TERMS_i16 256
#define QTC_FACC_i8 uint32_t
#define QTC_FACC_i16 int64_t
#define QTC_FREQUANT_i8(p, acc, c) qtc_requant32_(p, (int32_t)(acc), c)
#define QTC_FREQUANT_i16(p, acc, c) qtc_requant_(p, acc, c)

/* Byte j (0..3) of a weight word as a signed value. */
#define QTC_LANE0(k) ((int32_t)(int8_t)(k))
#define QTC_LANE1(k) ((int32_t)(int8_t)((k) >> 8))
#define QTC_LANE2(k) ((int32_t)(int8_t)((k) >> 16))
#define QTC_LANE3(k) ((int32_t)(k) >> 24)
static inline int32_t qtc_lane_(uint32_t k, int j) { return (int32_t)(k << (24 - 8 * j)) >> 24; }

/* A patch row (c inputs) copied or filled a word at a time where its bytes are whole words and
   both ends word aligned (channels a multiple of four), else an input at a time. The words are
   read and written through a may_alias type (GCC); other compilers take the input loop. */
#if defined(__GNUC__)
typedef uint32_t __attribute__((__may_alias__)) qtc_word_;
#define QTC_WORDS_(a, b, bytes)                                                                     \
    (!(((uint32_t)(uintptr_t)(a) | (uint32_t)(uintptr_t)(b) | (uint32_t)(bytes)) & 3u))
#else
typedef uint32_t qtc_word_;
#define QTC_WORDS_(a, b, bytes) 0
#endif
static inline void qtc_copy_words_(void *dst, const void *src, int bytes) {
    qtc_word_ *d = (qtc_word_ *)dst;
    const qtc_word_ *s = (const qtc_word_ *)src, *end = s + bytes / 4;
    while (s != end) *d++ = *s++;
}

static inline void qtc_fill_words_(void *dst, uint32_t word, int bytes) {
    qtc_word_ *d = (qtc_word_ *)dst, *end = d + bytes / 4;
    while (d != end) *d++ = word;
}

/* The inner loops of one input type. */
#define QTC_DEFINE_FAST_LOOPS(SX)                                                                   \
    /* s[j] += sum_i x[i] * byte j of w[i], i < n (contiguous inputs, four output channels). */     \
    QTC_OUT_OF_LINE void qtc_dot4_##SX##_(const QTC_T_##SX *x, const uint32_t *w, int n,            \
                                          uint32_t *s) {                                            \
        uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];                                        \
        const QTC_T_##SX *end = x + n;                                                              \
        for (; x != end; ++x) {                                                                     \
            const int32_t v = *x;                                                                   \
            const uint32_t k = *w++;                                                                \
            s0 += (uint32_t)(v * QTC_LANE0(k));                                                     \
            s1 += (uint32_t)(v * QTC_LANE1(k));                                                     \
            s2 += (uint32_t)(v * QTC_LANE2(k));                                                     \
            s3 += (uint32_t)(v * QTC_LANE3(k));                                                     \
        }                                                                                           \
        s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;                                                 \
    }                                                                                               \
    /* s[j] += sum x[ky * row + kx * col + j] * byte j of *w++ over ky < kh, kx < kw: four          \
       channels of a depthwise window (one loop over the taps: fewer registers than two). */        \
    QTC_OUT_OF_LINE void qtc_window4_##SX##_(const QTC_T_##SX *x, int row, int col, int kh, int kw, \
                                             const uint32_t *w, uint32_t *s) {                      \
        uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];                                        \
        const uint32_t *end = w + kh * kw, *row_end = w + kw;                                       \
        const QTC_T_##SX *t = x;                                                                    \
        while (w != end) {                                                                          \
            const uint32_t k = *w++;                                                                \
            int32_t v = t[0];                                                                       \
            s0 += (uint32_t)(v * QTC_LANE0(k));                                                     \
            v = t[1];                                                                               \
            s1 += (uint32_t)(v * QTC_LANE1(k));                                                     \
            v = t[2];                                                                               \
            s2 += (uint32_t)(v * QTC_LANE2(k));                                                     \
            v = t[3];                                                                               \
            s3 += (uint32_t)(v * QTC_LANE3(k));                                                     \
            t += col;                                                                               \
            if (w == row_end) {                                                                     \
                x += row;                                                                           \
                t = x;                                                                              \
                row_end += kw;                                                                      \
            }                                                                                       \
        }                                                                                           \
        s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;                                                 \
    }                                                                                               \
    /* The window of an output pixel at input (iy0, ix0) of image ni as [kh, kw, c] in patch,       \
       taps in the padding set to `zero`. */                                                        \
    QTC_OUT_OF_LINE void qtc_fill_patch_##SX##_(const QTC_T_##SX *x, QTC_T_##SX *patch,             \
                                                const qtc_window *g, int ni, int iy0, int ix0,      \
                                                QTC_T_##SX zero) {                                  \
        const int c = g->c, bytes = c * (int)sizeof(QTC_T_##SX);                                    \
        const uint32_t zeros = sizeof(QTC_T_##SX) == 1 ? (uint32_t)(uint8_t)zero * 0x01010101u      \
                                                       : (uint32_t)(uint16_t)zero * 0x00010001u;    \
        int ky, kx, ch;                                                                             \
        for (ky = 0; ky < g->kh; ++ky) {                                                            \
            const int iy = iy0 + ky * g->dh;                                                        \
            for (kx = 0; kx < g->kw; ++kx, patch += c) {                                            \
                const int ix = ix0 + kx * g->dw;                                                    \
                if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) {                                 \
                    if (QTC_WORDS_(patch, patch, bytes))                                            \
                        qtc_fill_words_(patch, zeros, bytes);                                       \
                    else                                                                            \
                        for (ch = 0; ch < c; ++ch) patch[ch] = zero;                                \
                } else {                                                                            \
                    const QTC_T_##SX *xp = x + ((ni * g->h + iy) * g->w + ix) * c;                  \
                    if (QTC_WORDS_(patch, xp, bytes))                                               \
                        qtc_copy_words_(patch, xp, bytes);                                          \
                    else                                                                            \
                        for (ch = 0; ch < c; ++ch) patch[ch] = xp[ch];                              \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    }

QTC_DEFINE_FAST_LOOPS(i8)
QTC_DEFINE_FAST_LOOPS(i16)

/* s[j] += sum_i x[r * step + i] * byte j of w[r * n + i], i < n, r < runs: the runs of n
   contiguous inputs of a window (its rows), a qtc_dot4_i8_ each; the asm loops below take all
   runs in one call and keep the sums in registers. */
static inline void qtc_dot4_runs_i8_(const int8_t *x, int step, int runs, const uint32_t *w, int n,
                                     uint32_t *s) {
    int r;
    for (r = 0; r < runs; ++r) qtc_dot4_i8_(x + r * step, w + r * n, n, s);
}

/* Cores with the DSP extension (Cortex-M4/M7/M33...): GCC does not emit the dual 16-bit
   multiply-accumulates by itself, so the int8 inner loops below spell them out. SXTB16 sign
   extends bytes 0 and 2 (or, rotated, 1 and 3) of a word into two halves, PKHBT/PKHTB join the
   bottom (top) halves of two words, SMLAD adds both products of two pairs of halves,
   SMLABB/SMLABT/SMLATT one. Their sums wrap to 32 bits like the generic loops' uint32 sums, so
   both give the same integers (tests/test_dsp_kernels.py). The hot loops are asm blocks, the
   helpers volatile asm: ordered as written (GCC's scheduler hoists every load and unpack of an
   iteration and runs out of registers). QTC_NO_DSP=1 keeps the generic loops. */
#if !defined(QTC_NO_DSP) && defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
#define QTC_DSP 1
#else
#define QTC_DSP 0
#endif

#if QTC_DSP
#define QTC_DSP_MAC_(name, text)                                                                    \
    static inline int32_t name(int32_t a, int32_t b, int32_t acc) {                                 \
        int32_t r;                                                                                  \
        __asm__ volatile(text : "=r"(r) : "r"(a), "r"(b), "r"(acc));                                \
        return r;                                                                                   \
    }
QTC_DSP_MAC_(qtc_smlad_, "smlad %0, %1, %2, %3")
QTC_DSP_MAC_(qtc_smlabb_, "smlabb %0, %1, %2, %3")
QTC_DSP_MAC_(qtc_smlabt_, "smlabt %0, %1, %2, %3")

/* Bytes 0 and 2 (even) or 1 and 3 (odd) of k as signed halves. */
static inline int32_t qtc_even_bytes_(uint32_t k) {
    int32_t r;
    __asm__ volatile("sxtb16 %0, %1" : "=r"(r) : "r"(k));
    return r;
}

static inline int32_t qtc_odd_bytes_(uint32_t k) {
    int32_t r;
    __asm__ volatile("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(k));
    return r;
}

/* Four bytes from any address (the M4 and M7 load unaligned words). */
static inline uint32_t qtc_load4_(const void *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

/* Four taps: x's next four inputs, their sign-extended halves xe (inputs 0 and 2) and xo (1 and
   3), and the weight words a, b, c, d of taps 0..3. SMLAD needs the weights of one channel for
   taps 0 and 2 (1 and 3) as halves: PKHBT of the raw words a and c (b and d) gives bytes 0 and 1
   of both, whose SXTB16 (ror 8) pairs channel 0 (1); PKHTB bytes 2 and 3, channels 2 and 3: six
   instructions per eight products (extending first, then pairing, takes eight). t is scratch. */
#define QTC_DSP_PAIRS_(a, c, xv)                                                                    \
    "pkhbt %[t], %[" a "], %[" c "], lsl #16\n\t"                                                   \
    "pkhtb %[" a "], %[" c "], %[" a "], asr #16\n\t"                                               \
    "sxtb16 %[" c "], %[t]\n\t"                                                                     \
    "smlad %[s0], %[" xv "], %[" c "], %[s0]\n\t"                                                   \
    "sxtb16 %[t], %[t], ror #8\n\t"                                                                 \
    "smlad %[s1], %[" xv "], %[t], %[s1]\n\t"                                                       \
    "sxtb16 %[" c "], %[" a "]\n\t"                                                                 \
    "smlad %[s2], %[" xv "], %[" c "], %[s2]\n\t"                                                   \
    "sxtb16 %[" a "], %[" a "], ror #8\n\t"                                                         \
    "smlad %[s3], %[" xv "], %[" a "], %[s3]\n\t"
#define QTC_DSP_STEP4_                                                                              \
    "ldr %[xo], [%[x]], #4\n\t"                                                                     \
    "ldm %[w]!, {%[a], %[b], %[c], %[d]}\n\t"                                                       \
    "sxtb16 %[xe], %[xo]\n\t"                                                                       \
    "sxtb16 %[xo], %[xo], ror #8\n\t"                                                               \
    QTC_DSP_PAIRS_("a", "c", "xe") QTC_DSP_PAIRS_("b", "d", "xo")

/* qtc_dot4_runs_i8_ eight taps an iteration (the loop in asm: GCC's own scheduling of it runs out of
   registers), entered at its second half when n % 8 >= 4, then the last n % 4 one at a time
   (SMLABB/SMLABT of the input and the weights' even or odd bytes: no call for the short rows of
   a layer with few channels). LDM loads its registers in ascending order, so a..d are fixed ones
   (r7 can be the frame pointer, and with it the loop's 13 registers are all there are: the end
   stays in memory, and t, scratch in the loop, says at the start whether to skip a half). The
   runs of a window share the call and keep the sums in registers. */
QTC_OUT_OF_LINE void qtc_dot4_dsp_(const int8_t *x, int step, int runs, const uint32_t *w, int n,
                                   uint32_t *acc) {
    register uint32_t a __asm__("r4"), b __asm__("r5"), c __asm__("r6"), d __asm__("r8");
    uint32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], xe, xo, t;
    const int8_t *end, *last;
    for (;; x += step - n) { /* to the next run, after all but the last */
        t = (uint32_t)n & 4u;
        end = x + (n & ~3);
        last = x + n;
        if (x != end)
            __asm__ volatile("cmp %[t], #0\n\tbne 2f\n"
                             "1:\n\t" QTC_DSP_STEP4_ "2:\n\t" QTC_DSP_STEP4_
                             "ldr %[t], %[end]\n\tcmp %[x], %[t]\n\tbne 1b"
                             : [x] "+r"(x), [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),
                               [s3] "+r"(s3), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d),
                               [xe] "=&r"(xe), [xo] "=&r"(xo), [t] "+&r"(t)
                             : [end] "m"(end)
                             : "cc", "memory");
        for (; x != last; ++x, ++w) {
            const int32_t v = *x, ke = qtc_even_bytes_(*w), ko = qtc_odd_bytes_(*w);
            s0 = (uint32_t)qtc_smlabb_(v, ke, (int32_t)s0);
            s2 = (uint32_t)qtc_smlabt_(v, ke, (int32_t)s2);
            s1 = (uint32_t)qtc_smlabb_(v, ko, (int32_t)s1);
            s3 = (uint32_t)qtc_smlabt_(v, ko, (int32_t)s3);
        }
        if (--runs <= 0) break;
    }
    acc[0] = s0; acc[1] = s1; acc[2] = s2; acc[3] = s3;
}

/* One tap of qtc_window4_dsp_: the four channels' inputs (one word) times their weights (one
   word), channels 0 and 2 (1 and 3) from the even (odd) bytes. */
#define QTC_DSP_TAP_                                                                                \
    "ldr %[v], [%[t]]\n\t"                                                                          \
    "ldr %[k], [%[w]], #4\n\t"                                                                      \
    "sxtb16 %[xe], %[v]\n\t"                                                                        \
    "sxtb16 %[ke], %[k]\n\t"                                                                        \
    "sxtb16 %[v], %[v], ror #8\n\t"                                                                 \
    "sxtb16 %[k], %[k], ror #8\n\t"                                                                 \
    "smlabb %[s0], %[xe], %[ke], %[s0]\n\t"                                                         \
    "smlatt %[s2], %[xe], %[ke], %[s2]\n\t"                                                         \
    "smlabb %[s1], %[v], %[k], %[s1]\n\t"                                                           \
    "smlatt %[s3], %[v], %[k], %[s3]\n\t"
#define QTC_DSP_ROW3_                                                                               \
    QTC_DSP_TAP_ "add %[t], %[col]\n\t" QTC_DSP_TAP_ "add %[t], %[col]\n\t" QTC_DSP_TAP_

/* qtc_window4_i8_ a tap at a time; a 3x3 window unrolled in one asm block (the loops cost as
   much as the taps' products). */
QTC_OUT_OF_LINE void qtc_window4_dsp_(const int8_t *x, int row, int col, int kh, int kw,
                                      const uint32_t *w, uint32_t *acc) {
    int32_t s0 = (int32_t)acc[0], s1 = (int32_t)acc[1], s2 = (int32_t)acc[2], s3 = (int32_t)acc[3];
    int32_t v, k, xe, ke;
    const int8_t *t = x;
    const int next = row - 2 * col; /* from a row's last tap to the next row's first */
    int ky, kx;
    if (kh == 3 && kw == 3)
        __asm__ volatile(QTC_DSP_ROW3_ "add %[t], %[next]\n\t" QTC_DSP_ROW3_
                         "add %[t], %[next]\n\t" QTC_DSP_ROW3_
                         : [t] "+r"(t), [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),
                           [s3] "+r"(s3), [v] "=&r"(v), [k] "=&r"(k), [xe] "=&r"(xe), [ke] "=&r"(ke)
                         : [col] "r"(col), [next] "r"(next)
                         : "memory");
    else
        for (ky = 0; ky < kh; ++ky, x += row)
            for (kx = 0, t = x; kx < kw; ++kx, t += col) {
                __asm__ volatile(QTC_DSP_TAP_
                                 : [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),
                                   [s3] "+r"(s3), [v] "=&r"(v), [k] "=&r"(k), [xe] "=&r"(xe),
                                   [ke] "=&r"(ke)
                                 : [t] "r"(t)
                                 : "memory");
            }
    acc[0] = (uint32_t)s0; acc[1] = (uint32_t)s1; acc[2] = (uint32_t)s2; acc[3] = (uint32_t)s3;
}
#define QTC_DOT4_i8 qtc_dot4_dsp_
#define QTC_WINDOW4_i8 qtc_window4_dsp_

/* One int8 output of qtc_requant_dsp_ before its clamp: x = acc << left (USAT gives left =
   max(s, 0), then s becomes the right shift e = left - s); SRDHM(x, q) = (x*q + 2^30) >> 31
   from SMULL (q >= 0, as the verifier keeps it, so no saturating case); gemmlowp's divide by
   2^e, whose rounding bit is the carry of remainder >= (2^e + 1) / 2 + (x < 0) (as
   QTC_V6M_REQUANT_); plus the zero point, wrapping; SSAT to int8, which the clamp's bounds are
   within. Two scratch registers: the loops around it keep theirs. */
static inline int32_t qtc_requant1_dsp_(int32_t x, int32_t q, int32_t s, int32_t zero) {
    int32_t t, u;
    __asm__("usat %[t], #5, %[s]\n\t"
            "lsl %[x], %[x], %[t]\n\t"
            "sub %[s], %[t], %[s]\n\t"
            "smull %[t], %[u], %[x], %[q]\n\t"
            "adds %[t], %[t], #0x40000000\n\t"
            "adc %[u], %[u], #0\n\t"
            "lsl %[u], %[u], #1\n\t"
            "orr %[x], %[u], %[t], lsr #31\n\t"
            "mov %[t], #1\n\t"
            "lsl %[t], %[t], %[s]\n\t"
            "sub %[u], %[t], #1\n\t"
            "and %[u], %[u], %[x]\n\t"
            "add %[t], %[t], #1\n\t"
            "lsr %[t], %[t], #1\n\t"
            "add %[t], %[t], %[x], lsr #31\n\t"
            "asr %[x], %[x], %[s]\n\t"
            "cmp %[u], %[t]\n\t"
            "adc %[x], %[x], %[z]\n\t"
            "ssat %[x], #8, %[x]"
            : [x] "+&r"(x), [s] "+&r"(s), [t] "=&r"(t), [u] "=&r"(u)
            : [q] "r"(q), [z] "r"(zero)
            : "cc");
    return x;
}

/* qtc_requant1_dsp_ of a narrow accumulator (QTC_MBQM_DOUBLE_NARROW): with x = acc << (left + 1),
   SRDHM(acc << left, q) = (x*q + 2^31) >> 32, which one SMMLAR computes with gemmlowp's rounding
   term of the divide by 2^e added to the high word: that SRDHM has x's sign or is 0 (which rounds
   to 0 either way), so its rounded divide is (t + c) >> e with c = (2^e - (x < 0)) / 2 floored,
   0 for e = 0 (as qtc_rnn_gate_dsp_). 12 instructions instead of 19. */
static inline int32_t qtc_requant1_narrow_dsp_(int32_t x, int32_t q, int32_t s, int32_t zero) {
    int32_t t;
    __asm__("usat %[t], #5, %[s]\n\t"
            "sub %[s], %[t], %[s]\n\t"
            "add %[t], %[t], #1\n\t"
            "lsl %[x], %[x], %[t]\n\t"
            "mov %[t], #1\n\t"
            "lsl %[t], %[t], %[s]\n\t"
            "sub %[t], %[t], %[x], lsr #31\n\t"
            "lsr %[t], %[t], #1\n\t"
            "smmlar %[x], %[x], %[q], %[t]\n\t"
            "asr %[x], %[x], %[s]\n\t"
            "add %[x], %[x], %[z]\n\t"
            "ssat %[x], #8, %[x]"
            : [x] "+&r"(x), [s] "+&r"(s), [t] "=&r"(t)
            : [q] "r"(q), [z] "r"(zero));
    return x;
}

/* One of the two requantizers above (narrow a constant where it is called). */
static inline int32_t qtc_requant1_either_dsp_(uint32_t acc, int32_t q, int32_t s, int32_t zero,
                                               int narrow) {
    return narrow ? qtc_requant1_narrow_dsp_((int32_t)acc, q, s, zero)
                  : qtc_requant1_dsp_((int32_t)acc, q, s, zero);
}

/* The outputs of qtc_requant_dsp_ (narrow a constant: each call site gets its own loops). */
static inline void qtc_requant_loop_dsp_(const uint32_t *acc, const uint32_t *end, int8_t *y,
                                         const int32_t *q, const int8_t *s, int step,
                                         const qtc_requant *p, int narrow) {
    const int32_t lo = p->clamp_min, hi = p->clamp_max, zero = p->output_zero_point;
    if (lo == INT8_MIN && hi == INT8_MAX)
        for (; acc != end; ++acc, ++y, q += step, s += step)
            *y = (int8_t)qtc_requant1_either_dsp_(*acc, *q, *s, zero, narrow);
    else
        for (; acc != end; ++acc, ++y, q += step, s += step) {
            const int32_t v = qtc_requant1_either_dsp_(*acc, *q, *s, zero, narrow);
            *y = (int8_t)(v < lo ? lo : v > hi ? hi : v);
        }
}

/* qtc_requant_block_i8_i8_ on DSP cores in double rounding, per channel or per tensor: GCC's code
   of qtc_requant32_ takes about 47 instructions an output (the 64-bit rounding and the divide's
   branches), this about 25, or 18 for narrow accumulators; the clamp only where it is narrower
   than int8 (a fused ReLU whose zero point is not -128, ReLU6). */
static inline void qtc_requant_dsp_(const uint32_t *acc, int8_t *y, const qtc_requant *p, int o,
                                    int count) {
    const int step = p->channels > 1;
    const int32_t *q = p->multiplier + (step ? o : 0);
    const int8_t *s = p->shift + (step ? o : 0);
    if (QTC_WIDE_DOUBLE_USED && p->mode != QTC_MBQM_DOUBLE_NARROW)
        qtc_requant_loop_dsp_(acc, acc + count, y + o, q, s, step, p, 0);
    else
        qtc_requant_loop_dsp_(acc, acc + count, y + o, q, s, step, p, 1);
}
/* How many of the outputs qtc_requant_dsp_ took (all or none). */
#define QTC_REQUANT_FAST_i8_i8(acc, y, o, count, p)                                                 \
    (!QTC_SINGLE_ROUNDING_USED || p->mode != QTC_MBQM_SINGLE                                        \
         ? (qtc_requant_dsp_(acc, y, p, o, count), count)                                           \
         : 0)
#elif defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
/* ARMv6-M, except at -Os (where GCC keeps r8-r11 out of asm operands): the four products of one
   tap, v holding the channels' inputs, k their weights. Bytes 0 and 3 of a word come out with one
   SXTB or ASRS #24, bytes 1 and 2 likewise after REV16 (bytes 1 0 3 2). */
#define QTC_V6M_TAP_                                                                                \
    "ldr %[v], [%[t]]\n\t"                                                                          \
    "ldm %[w]!, {%[k]}\n\t"                                                                         \
    "sxtb %[a], %[v]\n\tsxtb %[b], %[k]\n\t"                                                        \
    "muls %[a], %[b], %[a]\n\tadd %[s0], %[a]\n\t"                                                  \
    "asrs %[a], %[v], #24\n\tasrs %[b], %[k], #24\n\t"                                              \
    "muls %[a], %[b], %[a]\n\tadd %[s3], %[a]\n\t"                                                  \
    "rev16 %[v], %[v]\n\trev16 %[k], %[k]\n\t"                                                      \
    "sxtb %[a], %[v]\n\tsxtb %[b], %[k]\n\t"                                                        \
    "muls %[a], %[b], %[a]\n\tadd %[s1], %[a]\n\t"                                                  \
    "asrs %[v], %[v], #24\n\tasrs %[k], %[k], #24\n\t"                                              \
    "muls %[v], %[k], %[v]\n\tadd %[s2], %[v]\n\t"

/* qtc_window4_i8_ on ARMv6-M for 3x3 windows: Thumb-1 loads signed bytes only with a register
   offset, so the four channels of a tap come in one word (when x, row and col keep words
   aligned), their weights in another, and shifts take the bytes apart; the nine taps are
   unrolled. The sums stay in high registers, inputs, weights and products in low ones, the step
   between rows in memory (a register fewer: a frame pointer leaves no spare). Other windows take
   the generic loop. */
QTC_OUT_OF_LINE void qtc_window4_v6m_(const int8_t *x, int row, int col, int kh, int kw,
                                      const uint32_t *w, uint32_t *acc) {
    uint32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
    const int8_t *t = x;
    const int next = row - 2 * col; /* from a row's last tap to the next row's first */
    int32_t v, k, a, b;
    if (kh != 3 || kw != 3 || (((uint32_t)(uintptr_t)x | (uint32_t)row | (uint32_t)col) & 3u)) {
        qtc_window4_i8_(x, row, col, kh, kw, w, acc);
        return;
    }
    __asm__ volatile(
        ".syntax unified\n\t"
        QTC_V6M_TAP_ "add %[t], %[col]\n\t" QTC_V6M_TAP_ "add %[t], %[col]\n\t"
        QTC_V6M_TAP_ "ldr %[a], %[next]\n\tadd %[t], %[a]\n\t"
        QTC_V6M_TAP_ "add %[t], %[col]\n\t" QTC_V6M_TAP_ "add %[t], %[col]\n\t"
        QTC_V6M_TAP_ "ldr %[a], %[next]\n\tadd %[t], %[a]\n\t"
        QTC_V6M_TAP_ "add %[t], %[col]\n\t" QTC_V6M_TAP_ "add %[t], %[col]\n\t"
        QTC_V6M_TAP_
        : [t] "+l"(t), [w] "+l"(w), [s0] "+h"(s0), [s1] "+h"(s1), [s2] "+h"(s2), [s3] "+h"(s3),
          [v] "=&l"(v), [k] "=&l"(k), [a] "=&l"(a), [b] "=&l"(b)
        : [col] "r"(col), [next] "m"(next)
        : "cc", "memory");
    acc[0] = s0; acc[1] = s1; acc[2] = s2; acc[3] = s3;
}
/* The four products of one tap of qtc_dot4_v6m_: v holds the input, k the weights (bytes 1 and
   2 through REV16, as in QTC_V6M_TAP_). */
#define QTC_V6M_DOT_TAP_                                                                            \
    "ldm %[w]!, {%[k]}\n\t"                                                                         \
    "sxtb %[a], %[k]\n\tmuls %[a], %[v], %[a]\n\tadd %[s0], %[a]\n\t"                               \
    "rev16 %[a], %[k]\n\t"                                                                          \
    "asrs %[k], %[k], #24\n\tmuls %[k], %[v], %[k]\n\tadd %[s3], %[k]\n\t"                          \
    "sxtb %[k], %[a]\n\tmuls %[k], %[v], %[k]\n\tadd %[s1], %[k]\n\t"                               \
    "asrs %[a], %[a], #24\n\tmuls %[a], %[v], %[a]\n\tadd %[s2], %[a]\n\t"

/* Taps of qtc_dot4_v6m_ until x reaches `end`, `body` a step: it leaves each input in v (then
   QTC_V6M_DOT_TAP_) and advances x. */
#define QTC_V6M_DOT_LOOP_(end, body)                                                                \
    __asm__ volatile(".syntax unified\n"                                                            \
                     "1:\n\t" body "cmp %[x], %[e]\n\tbne 1b\n\t"                                   \
                     : [x] "+l"(x), [w] "+l"(w), [s0] "+h"(s0), [s1] "+h"(s1), [s2] "+h"(s2),       \
                       [s3] "+h"(s3), [u] "=&l"(u), [v] "=&l"(v), [k] "=&l"(k), [a] "=&l"(a)        \
                     : [e] "r"(end)                                                                 \
                     : "cc", "memory")

/* The taps of qtc_dot4_v6m_ until x reaches `end`, eight an iteration (`body` a step of four),
   entered at its second half when (n & 4), which a holds on entry. The loop is longer than a
   conditional branch reaches: BEQ out, B back. */
#define QTC_V6M_DOT_LOOP8_(end, body)                                                               \
    __asm__ volatile(".syntax unified\n\t"                                                          \
                     "cmp %[a], #0\n\tbne 2f\n"                                                    \
                     "1:\n\t" body "2:\n\t" body "cmp %[x], %[e]\n\tbeq 3f\n\tb 1b\n3:\n\t"    \
                     : [x] "+l"(x), [w] "+l"(w), [s0] "+h"(s0), [s1] "+h"(s1), [s2] "+h"(s2),       \
                       [s3] "+h"(s3), [u] "=&l"(u), [v] "=&l"(v), [k] "=&l"(k), [a] "+&l"(a)        \
                     : [e] "r"(end)                                                                 \
                     : "cc", "memory")

/* Four taps of qtc_dot4_v6m_ from one word of inputs (x word aligned), taken apart by shifts. */
#define QTC_V6M_DOT_WORD_                                                                           \
    "ldm %[x]!, {%[u]}\n\tsxtb %[v], %[u]\n\t" QTC_V6M_DOT_TAP_                                    \
    "lsls %[v], %[u], #16\n\tasrs %[v], %[v], #24\n\t" QTC_V6M_DOT_TAP_                            \
    "lsls %[v], %[u], #8\n\tasrs %[v], %[v], #24\n\t" QTC_V6M_DOT_TAP_                             \
    "asrs %[v], %[u], #24\n\t" QTC_V6M_DOT_TAP_

/* qtc_dot4_runs_i8_ on ARMv6-M: when x is word aligned eight taps an iteration (a taken branch
   costs 3 cycles), from words of four inputs; else four, a byte load each (Thumb-1 has no
   immediate-offset signed byte load); then the last n % 4 taps one at a time. The runs of a
   window share the call. */
QTC_OUT_OF_LINE void qtc_dot4_v6m_(const int8_t *x, int step, int runs, const uint32_t *w, int n,
                                   uint32_t *acc) {
    uint32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
    const int8_t *end, *last;
    int32_t u, v, k, a;
    for (;; x += step - n) { /* to the next run, after all but the last */
        end = x + (n & ~3);
        last = x + n;
        if (x != end && !((uint32_t)(uintptr_t)x & 3u)) {
            a = n & 4;
            QTC_V6M_DOT_LOOP8_(end, QTC_V6M_DOT_WORD_);
        } else if (x != end) {
            QTC_V6M_DOT_LOOP_(end, "ldrb %[v], [%[x]]\n\tsxtb %[v], %[v]\n\t" QTC_V6M_DOT_TAP_
                                   "ldrb %[v], [%[x], #1]\n\tsxtb %[v], %[v]\n\t" QTC_V6M_DOT_TAP_
                                   "ldrb %[v], [%[x], #2]\n\tsxtb %[v], %[v]\n\t" QTC_V6M_DOT_TAP_
                                   "ldrb %[v], [%[x], #3]\n\tsxtb %[v], %[v]\n\tadds %[x], #4\n\t"
                                   QTC_V6M_DOT_TAP_);
        }
        if (x != last)
            QTC_V6M_DOT_LOOP_(last, "ldrb %[v], [%[x]]\n\tsxtb %[v], %[v]\n\tadds %[x], #1\n\t"
                                    QTC_V6M_DOT_TAP_);
        if (--runs <= 0) break;
    }
    acc[0] = s0; acc[1] = s1; acc[2] = s2; acc[3] = s3;
}
#define QTC_DOT4_i8 qtc_dot4_v6m_
#define QTC_WINDOW4_i8 qtc_window4_v6m_
#else
#define QTC_DOT4_i8 qtc_dot4_runs_i8_
#define QTC_WINDOW4_i8 qtc_window4_i8_
#endif

/* acc[j] += the runs of n inputs `step` apart . bytes j of w (qtc_dot4_): i8 in place; i16 in
   exact int32 partial sums of pieces of runs. */
static inline void qtc_segment4_i8_(const int8_t *x, int step, int runs, const uint32_t *w, int n,
                                    uint32_t *acc) {
    QTC_DOT4_i8(x, step, runs, w, n, acc);
}

static inline void qtc_segment4_i16_(const int16_t *x, int step, int runs, const uint32_t *w, int n,
                                     int64_t *acc) {
    int r, done, len, j;
    for (r = 0; r < runs; ++r)
        for (done = 0; done < n; done += len) {
            uint32_t part[4];
            part[0] = part[1] = part[2] = part[3] = 0;
            len = n - done < QTC_DOT_TERMS_i16 ? n - done : QTC_DOT_TERMS_i16;
            qtc_dot4_i16_(x + r * step + done, w + r * n + done, len, part);
            for (j = 0; j < 4; ++j) acc[j] += (int32_t)part[j];
        }
}

/* acc[j] += four channels of a depthwise window (qtc_window4_): i8 in place; i16 in exact
   partial sums of the whole window, of rows, or of pieces of rows. */
static inline void qtc_window_acc_i8_(const int8_t *x, int row, int col, int kh, int kw,
                                      const uint32_t *w, uint32_t *acc) {
    QTC_WINDOW4_i8(x, row, col, kh, kw, w, acc);
}

static inline void qtc_window_acc_i16_(const int16_t *x, int row, int col, int kh, int kw,
                                       const uint32_t *w, int64_t *acc) {
    const int rows = kh * kw <= QTC_DOT_TERMS_i16 ? kh : 1;
    const int cols = kw <= QTC_DOT_TERMS_i16 ? kw : QTC_DOT_TERMS_i16;
    int ky, kx, len, j;
    for (ky = 0; ky < kh; ky += rows)
        for (kx = 0; kx < kw; kx += len, w += rows * len) {
            uint32_t part[4];
            part[0] = part[1] = part[2] = part[3] = 0;
            len = kw - kx < cols ? kw - kx : cols;
            qtc_window4_i16_(x + ky * row + kx * col, row, col, rows, len, w, part);
            for (j = 0; j < 4; ++j) acc[j] += (int32_t)part[j];
        }
}

#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
/* One output j of qtc_requant4_v6m_: x = acc[j] << left; SRDHM(x, q[j]) (q[j] >= 0, as the
   verifier keeps it) with two 16x16-bit products when -2^15 <= x < 2^15 (as qtc_srdhm_pos_),
   else from the 64-bit product of four (ah signed, al, bl, bh unsigned halves; the middle
   products ah*bl and al*bh added with carry) rounded at bit 31 as 2*hi + (lo / 2^30 + 1) / 2;
   then gemmlowp's divide by 2^e (the carry of r >= (2^e + 1) / 2 + (t < 0) adds the rounding
   bit) plus k (zero point - clamp_min, wrapping), so that one unsigned compare with hi - lo
   finds the outputs in range; the others take clamp_min or clamp_max by the signed compare. */
#define QTC_V6M_REQUANT_(j, J)                                                                      \
    "mov %[t], %[acc]\n\tldr %[x], [%[t], #" J "]\n\t"                                              \
    "mov %[t], %[s]\n\tldrb %[e], [%[t], #" j "]\n\tsxtb %[e], %[e]\n\t"                            \
    "mov %[t], %[q]\n\tldr %[b], [%[t], #" J "]\n\t"                                                \
    "asrs %[t], %[e], #31\n\tmovs %[u], %[e]\n\tbics %[u], %[t]\n\t"                                \
    "lsls %[x], %[u]\n\tsubs %[e], %[u], %[e]\n\t"                                                  \
    "movs %[t], #128\n\tlsls %[t], %[t], #8\n\tadds %[t], %[x]\n\tlsrs %[t], %[t], #16\n\tbne 3f\n\t" \
    "lsrs %[u], %[b], #16\n\tuxth %[b], %[b]\n\tmuls %[b], %[x], %[b]\n\tasrs %[b], %[b], #16\n\t"  \
    "muls %[u], %[x], %[u]\n\tadds %[u], %[b]\n\tmovs %[b], #1\n\tlsls %[b], %[b], #14\n\t"         \
    "adds %[v], %[u], %[b]\n\tasrs %[v], %[v], #15\n\tb 4f\n"                                       \
    "3:\n\tasrs %[t], %[x], #16\n\tuxth %[x], %[x]\n\tlsrs %[u], %[b], #16\n\tuxth %[b], %[b]\n\t"  \
    "movs %[v], %[t]\n\tmuls %[v], %[u], %[v]\n\tmuls %[t], %[b], %[t]\n\t"                         \
    "muls %[u], %[x], %[u]\n\tmuls %[x], %[b], %[x]\n\t"                                            \
    "lsls %[b], %[t], #16\n\tasrs %[t], %[t], #16\n\tadds %[x], %[b]\n\tadcs %[v], %[t]\n\t"        \
    "lsls %[b], %[u], #16\n\tlsrs %[u], %[u], #16\n\tadds %[x], %[b]\n\tadcs %[v], %[u]\n\t"        \
    "lsrs %[x], %[x], #30\n\tadds %[x], #1\n\tlsrs %[x], %[x], #1\n\t"                              \
    "lsls %[v], %[v], #1\n\tadds %[v], %[x]\n"                                                      \
    "4:\n\tmovs %[u], #1\n\tlsls %[u], %[e]\n\tsubs %[b], %[u], #1\n\tadds %[u], #1\n\t"            \
    "lsrs %[u], %[u], #1\n\tands %[b], %[v]\n\tlsrs %[x], %[v], #31\n\tadds %[u], %[x]\n\t"         \
    "asrs %[v], %[e]\n\tcmp %[b], %[u]\n\tmov %[x], %[k]\n\tadcs %[v], %[x]\n\t"                    \
    "ldr %[x], %[range]\n\tcmp %[v], %[x]\n\tldr %[x], %[lo]\n\tadd %[v], %[x]\n\tbls 2f\n\t"       \
    "cmp %[v], %[x]\n\tblt 1f\n\tldr %[v], %[hi]\n\tb 2f\n"                                         \
    "1:\n\tmovs %[v], %[x]\n"                                                                       \
    "2:\n\tmov %[t], %[y]\n\tstrb %[v], [%[t], #" j "]\n\t"

/* qtc_requant_block_i8_i8_ on ARMv6-M, four outputs of per-channel multipliers in double rounding
   (GCC's code of it spends as much on reloading p's fields into the eight low registers as on
   the arithmetic): the pointers and k in high registers, the bounds in memory, the six low
   registers for the arithmetic. */
static inline void qtc_requant4_v6m_(const uint32_t *acc, int8_t *y, const qtc_requant *p, int o) {
    const int32_t *q = p->multiplier + o, lo = p->clamp_min, hi = p->clamp_max;
    const int8_t *s = p->shift + o;
    const uint32_t k = (uint32_t)p->output_zero_point - (uint32_t)lo;
    const uint32_t range = (uint32_t)hi - (uint32_t)lo;
    int32_t x, b, t, u, v, e;
    y += o;
    __asm__ volatile(".syntax unified\n\t" QTC_V6M_REQUANT_("0", "0") QTC_V6M_REQUANT_("1", "4")
                     QTC_V6M_REQUANT_("2", "8") QTC_V6M_REQUANT_("3", "12")
                     : [x] "=&l"(x), [b] "=&l"(b), [t] "=&l"(t), [u] "=&l"(u), [v] "=&l"(v),
                       [e] "=&l"(e)
                     : [acc] "h"(acc), [y] "h"(y), [q] "h"(q), [s] "h"(s), [k] "h"(k),
                       [range] "m"(range), [lo] "m"(lo), [hi] "m"(hi)
                     : "cc", "memory");
}
/* The outputs of whole groups of four through qtc_requant4_v6m_; how many. */
static inline int qtc_requant_v6m_(const uint32_t *acc, int8_t *y, const qtc_requant *p, int o,
                                   int count) {
    int j;
    for (j = 0; j + 4 <= count; j += 4) qtc_requant4_v6m_(acc + j, y, p, o + j);
    return j;
}
#define QTC_REQUANT_FAST_i8_i8(acc, y, o, count, p)                                                 \
    (p->channels > 1 && p->mode != QTC_MBQM_SINGLE ? qtc_requant_v6m_(acc, y, p, o, count) : 0)
#elif !QTC_DSP /* the DSP cores' is qtc_requant_dsp_ */
#define QTC_REQUANT_FAST_i8_i8(acc, y, o, count, p) 0
#endif
#define QTC_REQUANT_FAST_i8_i16(acc, y, o, count, p) 0
#define QTC_REQUANT_FAST_i16_i8(acc, y, o, count, p) 0
#define QTC_REQUANT_FAST_i16_i16(acc, y, o, count, p) 0

/* Outputs requantized a call: the kernels keep the sums of up to this many output channels. */
#define QTC_REQUANT_BLOCK 16

/* The fast dense, convolution and depthwise kernels of one (input, output) type pair. */
#define QTC_DEFINE_FAST_CONV(SX, SY)                                                                \
    /* y[o .. o+count) = requant(acc[0 .. count)) of channels o .., count <= QTC_REQUANT_BLOCK:    \
       the fast form's outputs, then the rest. */                                                   \
    QTC_OUT_OF_LINE void qtc_requant_block_##SX##_##SY##_(const QTC_FACC_##SX *acc, QTC_T_##SY *y,  \
                                                          int o, int count, const qtc_requant *p) { \
        int j = QTC_REQUANT_FAST_##SX##_##SY(acc, y, o, count, p);                                  \
        for (; j < count; ++j) y[o + j] = (QTC_T_##SY)QTC_FREQUANT_##SX(p, acc[j], o + j);          \
    }                                                                                               \
    /* One output pixel of a convolution: taps from xw, rows of taps `row` elements apart, taps     \
       in a row `col` apart (col == c: a row is one run of inputs; row == kw*c too: the whole       \
       window is); y: its f outputs. */                                                             \
    QTC_OUT_OF_LINE void qtc_conv_pixel_##SX##_##SY##_(                                             \
        const QTC_T_##SX *xw, int row, int col, const uint32_t *w, const QTC_BIAS_##SX *b,          \
        QTC_T_##SY *y, const qtc_window *g, const qtc_requant *p) {                                 \
        const int c = g->c, f = g->f, taps = g->kh * g->kw * g->c;                                  \
        const int whole = col == c && row == g->kw * c;                                             \
        const int calls = col == c ? 1 : g->kh;                /* one call a window or a row */     \
        const int runs = whole ? 1 : col == c ? g->kh : g->kw; /* of runs `step` apart */          \
        const int seg = whole ? taps : col == c ? g->kw * c : c;                                    \
        const int step = col == c ? row : col;                                                      \
        QTC_FACC_##SX acc[QTC_REQUANT_BLOCK];                                                       \
        int o, j, ky, done = 0;                                                                     \
        for (o = 0; o < f; o += 4, w += taps) {                                                     \
            QTC_FACC_##SX *a = acc + (o - done);                                                    \
            for (j = 0; j < 4; ++j) a[j] = (QTC_FACC_##SX)b[o + j];                                 \
            for (ky = 0; ky < calls; ++ky)                                                          \
                qtc_segment4_##SX##_(xw + ky * row, step, runs, w + ky * runs * seg, seg, a);       \
            if (o + 4 - done == QTC_REQUANT_BLOCK || o + 4 >= f) {                                  \
                qtc_requant_block_##SX##_##SY##_(acc, y, done, (o + 4 < f ? o + 4 : f) - done, p);  \
                done = o + 4;                                                                       \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    /* One output pixel of a depthwise convolution (multiplier m = g->f, output o reads input       \
       channel o / m): four channels at a time when m == 1, then one at a time. */                  \
    QTC_OUT_OF_LINE void qtc_depthwise_pixel_##SX##_##SY##_(                                        \
        const QTC_T_##SX *xw, int row, int col, const uint32_t *w, const QTC_BIAS_##SX *b,          \
        QTC_T_##SY *y, const qtc_window *g, const qtc_requant *p) {                                 \
        const int kh = g->kh, kw = g->kw, taps = g->kh * g->kw, channels = g->c * g->f;             \
        const int grouped = g->f == 1 ? g->c & ~3 : 0;                                              \
        QTC_FACC_##SX block[QTC_REQUANT_BLOCK];                                                     \
        int o, j, ky, kx, done = 0;                                                                 \
        for (o = 0; o < grouped; o += 4, w += taps) {                                               \
            QTC_FACC_##SX *a = block + (o - done);                                                  \
            for (j = 0; j < 4; ++j) a[j] = (QTC_FACC_##SX)b[o + j];                                 \
            qtc_window_acc_##SX##_(xw + o, row, col, kh, kw, w, a);                                 \
            if (o + 4 - done == QTC_REQUANT_BLOCK || o + 4 == grouped) {                            \
                qtc_requant_block_##SX##_##SY##_(block, y, done, o + 4 - done, p);                  \
                done = o + 4;                                                                       \
            }                                                                                       \
        }                                                                                           \
        for (; o < channels; ++o) {                                                                 \
            const uint32_t *wk = w + (o - grouped) / 4 * taps;                                      \
            const QTC_T_##SX *xc = xw + o / g->f;                                                   \
            QTC_FACC_##SX acc = (QTC_FACC_##SX)b[o];                                                \
            for (ky = 0; ky < kh; ++ky)                                                             \
                for (kx = 0; kx < kw; ++kx)                                                         \
                    acc += (QTC_FACC_##SX)(xc[ky * row + kx * col] * qtc_lane_(*wk++, o & 3));      \
            qtc_requant_block_##SX##_##SY##_(&acc, y, o, 1, p);                                     \
        }                                                                                           \
    }                                                                                               \
    /* Convolution (depthwise = 0) or depthwise convolution over g: every output pixel from the     \
       input (interior) or from its patch (border). patch: kh*kw*c scratch, or 0 when no window     \
       reaches into the padding. A convolution whose rows of taps are short (kw*c < 16, e.g. a      \
       first layer of 1-3 channels) gathers every window into the patch, one segment instead of kh  \
       short ones for each group of four outputs (the copy is shared by f >= 16 outputs). */        \
    static inline void qtc_conv_fast_##SX##_##SY##_(                                                \
        const QTC_T_##SX *x, const uint32_t *w, const QTC_BIAS_##SX *b, QTC_T_##SY *y,              \
        QTC_T_##SX *patch, const qtc_window *g, const qtc_requant *p, int depthwise) {              \
        const int c = g->c, yc = depthwise ? c * g->f : g->f;                                       \
        const int span_y = (g->kh - 1) * g->dh, span_x = (g->kw - 1) * g->dw;                       \
        const int gather = !depthwise && g->kh > 1 && g->kw * c < 16 && g->f >= 16;                 \
        int ni, oy, ox;                                                                             \
        for (ni = 0; ni < g->n; ++ni)                                                               \
            for (oy = 0; oy < g->oh; ++oy) {                                                        \
                const int iy0 = oy * g->sh - g->pad_top;                                            \
                const int rows_inside = iy0 >= 0 && iy0 + span_y < g->h;                            \
                for (ox = 0; ox < g->ow; ++ox, y += yc) {                                           \
                    const int ix0 = ox * g->sw - g->pad_left;                                       \
                    const QTC_T_##SX *xw = patch;                                                   \
                    int row = g->kw * c, col = c;                                                   \
                    if (!patch || (!gather && rows_inside && ix0 >= 0 && ix0 + span_x < g->w)) {    \
                        xw = x + ((ni * g->h + iy0) * g->w + ix0) * c;                              \
                        row = g->dh * g->w * c;                                                     \
                        col = g->dw * c;                                                            \
                    } else {                                                                        \
                        qtc_fill_patch_##SX##_(x, patch, g, ni, iy0, ix0,                           \
                                               (QTC_T_##SX)p->input_zero_point);                    \
                    }                                                                               \
                    if (depthwise)                                                                  \
                        qtc_depthwise_pixel_##SX##_##SY##_(xw, row, col, w, b, y, g, p);            \
                    else                                                                            \
                        qtc_conv_pixel_##SX##_##SY##_(xw, row, col, w, b, y, g, p);                 \
                }                                                                                   \
            }                                                                                       \
    }                                                                                               \
    /* Dense: y[r, o] = requant(b[o] + sum_i x[r, i] * w[i, o], o), weights and bias as above. */   \
    static inline void qtc_dense_packed_##SX##_##SY(const QTC_T_##SX *x, const uint32_t *w,         \
                                                    const QTC_BIAS_##SX *b, QTC_T_##SY *y,          \
                                                    int rows, int in, int out,                      \
                                                    const qtc_requant *p) {                         \
        const qtc_window g = qtc_dense_window_(rows, in, out);                                      \
        qtc_conv_fast_##SX##_##SY##_(x, w, b, y, 0, &g, p, 0);                                      \
    }                                                                                               \
    /* 2-d (or 1-d) convolution over g, weights and bias as above; patch: kh*kw*c (or 0). */        \
    static inline void qtc_conv2d_packed_##SX##_##SY(const QTC_T_##SX *x, const uint32_t *w,        \
                                                     const QTC_BIAS_##SX *b, QTC_T_##SY *y,         \
                                                     QTC_T_##SX *patch, const qtc_window *g,        \
                                                     const qtc_requant *p) {                        \
        qtc_conv_fast_##SX##_##SY##_(x, w, b, y, patch, g, p, 0);                                   \
    }                                                                                               \
    /* Depthwise convolution over g (multiplier g->f: output channel ci*f + j), weights (taps =     \
       kh*kw) and bias as above; patch: kh*kw*c (or 0). */                                          \
    static inline void qtc_depthwise_conv2d_packed_##SX##_##SY(                                     \
        const QTC_T_##SX *x, const uint32_t *w, const QTC_BIAS_##SX *b, QTC_T_##SY *y,              \
        QTC_T_##SX *patch, const qtc_window *g, const qtc_requant *p) {                             \
        qtc_conv_fast_##SX##_##SY##_(x, w, b, y, patch, g, p, 1);                                   \
    }

QTC_DEFINE_FAST_CONV(i8, i8)
QTC_DEFINE_FAST_CONV(i8, i16)
QTC_DEFINE_FAST_CONV(i16, i8)
QTC_DEFINE_FAST_CONV(i16, i16)

/* The generic kernels (16-bit weights, or weights that are not constants): the reference's
   loop order, weights and bias as in the model. Convolution (depthwise = 0) or depthwise
   convolution (depthwise = 1) over g, as qtc_float.h's core: acc[o] = bias[o] + sum
   (x - input_zero_point) * w over the taps inside the input (padded taps contribute 0, i.e.
   the zero point), then y[o] = requant(acc[o], o). acc: scratch of one accumulator per output
   channel (f, or c*f for depthwise). Dense is the 1x1 case. */
#define QTC_DEFINE_CONV(SX, SW, SY)                                                                 \
    static inline void qtc_conv_core_##SX##_##SW##_##SY##_(                                         \
        const QTC_T_##SX *x, const QTC_T_##SW *w, const QTC_BIAS_##SX *b, QTC_T_##SY *y,            \
        QTC_ACC_##SX *acc, const qtc_window *g, const qtc_requant *p, int depthwise) {              \
        const int c = g->c, f = g->f;                                                               \
        const int yc = depthwise ? c * f : f;                                                       \
        const int ystride = depthwise ? f : 0;                                                      \
        int ni, oy, ox, ky, kx, ci, m;                                                              \
        for (ni = 0; ni < g->n; ++ni) {                                                             \
            for (oy = 0; oy < g->oh; ++oy) {                                                        \
                for (ox = 0; ox < g->ow; ++ox) {                                                    \
                    QTC_T_##SY *yp = y + ((ni * g->oh + oy) * g->ow + ox) * yc;                     \
                    for (m = 0; m < yc; ++m) acc[m] = b[m];                                         \
                    for (ky = 0; ky < g->kh; ++ky) {                                                \
                        for (kx = 0; kx < g->kw; ++kx) {                                            \
                            const int at = qtc_tap_(g, ni, oy, ox, ky, kx);                         \
                            const QTC_T_##SX *xp = x + (at < 0 ? 0 : at) * c;                       \
                            const QTC_T_##SW *wp = w + (ky * g->kw + kx) * c * f;                   \
                            if (at < 0) continue;                                                   \
                            for (ci = 0; ci < c; ++ci) {                                            \
                                const QTC_PROD_##SX##_##SW xv =                                     \
                                    (QTC_PROD_##SX##_##SW)xp[ci] - p->input_zero_point;             \
                                QTC_ACC_##SX *aq = acc + ci * ystride;                              \
                                for (m = 0; m < f; ++m)                                             \
                                    aq[m] = QTC_ACC_ADD_##SX(aq[m], xv * wp[ci * f + m]);           \
                            }                                                                       \
                        }                                                                           \
                    }                                                                               \
                    for (m = 0; m < yc; ++m) yp[m] = (QTC_T_##SY)qtc_requant_(p, acc[m], m);        \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    /* Dense: y[r, o] = requant(b[o] + sum_i (x[r, i] - z) * w[i, o], o); w [in, out]; acc: out. */ \
    static inline void qtc_dense_##SX##_##SW##_##SY(                                                \
        const QTC_T_##SX *x, const QTC_T_##SW *w, const QTC_BIAS_##SX *b, QTC_T_##SY *y,            \
        QTC_ACC_##SX *acc, int rows, int in, int out, const qtc_requant *p) {                       \
        const qtc_window g = qtc_dense_window_(rows, in, out);                                      \
        qtc_conv_core_##SX##_##SW##_##SY##_(x, w, b, y, acc, &g, p, 0);                             \
    }                                                                                               \
    /* 2-d (or 1-d) convolution, w [kh, kw, c, f], b [f]; acc: f. */                                \
    static inline void qtc_conv2d_##SX##_##SW##_##SY(                                               \
        const QTC_T_##SX *x, const QTC_T_##SW *w, const QTC_BIAS_##SX *b, QTC_T_##SY *y,            \
        QTC_ACC_##SX *acc, const qtc_window *g, const qtc_requant *p) {                             \
        qtc_conv_core_##SX##_##SW##_##SY##_(x, w, b, y, acc, g, p, 0);                              \
    }                                                                                               \
    /* Depthwise convolution, w [kh, kw, c, f (multiplier)], b [c*f]; acc: c*f. */                  \
    static inline void qtc_depthwise_conv2d_##SX##_##SW##_##SY(                                     \
        const QTC_T_##SX *x, const QTC_T_##SW *w, const QTC_BIAS_##SX *b, QTC_T_##SY *y,            \
        QTC_ACC_##SX *acc, const qtc_window *g, const qtc_requant *p) {                             \
        qtc_conv_core_##SX##_##SW##_##SY##_(x, w, b, y, acc, g, p, 1);                              \
    }

QTC_DEFINE_CONV(i8, i8, i8)
QTC_DEFINE_CONV(i8, i8, i16)
QTC_DEFINE_CONV(i8, i16, i8)
QTC_DEFINE_CONV(i8, i16, i16)
QTC_DEFINE_CONV(i16, i8, i8)
QTC_DEFINE_CONV(i16, i8, i16)
QTC_DEFINE_CONV(i16, i16, i8)
QTC_DEFINE_CONV(i16, i16, i16)

/* ---- elementwise --------------------------------------------------------------------------- */

/* Broadcasting of a binary op over a result of at most 4 axes (leading axes padded with 1). */
typedef struct {
    int shape[4];      /* result shape */
    int lhs_stride[4]; /* element stride of lhs along each result axis (0: broadcast) */
    int rhs_stride[4];
} qtc_broadcast;

enum { QTC_ADD = 0, QTC_SUB = 1, QTC_MUL = 2 };

/* Parameters of add/sub (TFLite: inputs shifted left by left_shift and rescaled, combined,
   rescaled to the output) and mul (the product of the centred inputs, rescaled by output_*). */
typedef struct {
    int32_t lhs_zero_point, rhs_zero_point, output_zero_point;
    int left_shift;                             /* add/sub only */
    int32_t lhs_multiplier; int lhs_shift;      /* add/sub only */
    int32_t rhs_multiplier; int rhs_shift;      /* add/sub only */
    int32_t output_multiplier; int output_shift;
    int rounding;                               /* QTC_MBQM_DOUBLE or QTC_MBQM_SINGLE */
    int32_t clamp_min, clamp_max;
} qtc_binary;

/* One element of the binary op `kind` (QTC_ADD, QTC_SUB, QTC_MUL). The verifier keeps
   (a - z) * 2^left_shift and the product of the centred inputs within int32. */
static inline int32_t qtc_binary_elem_(int32_t a, int32_t b, const qtc_binary *p, int kind) {
    const int32_t da = a - p->lhs_zero_point, db = b - p->rhs_zero_point;
    int32_t combined;
    if (kind == QTC_MUL) {
        combined = da * db;
    } else {
        const int32_t headroom = (int32_t)1 << p->left_shift;
        const int32_t sa = qtc_mbqm_mode_(da * headroom, p->lhs_multiplier, p->lhs_shift, p->rounding);
        const int32_t sb = qtc_mbqm_mode_(db * headroom, p->rhs_multiplier, p->rhs_shift, p->rounding);
        combined = qtc_wrap_i32(kind == QTC_SUB ? (int64_t)sa - sb : (int64_t)sa + sb);
    }
    return qtc_clamp(
        qtc_wrap_i32((int64_t)qtc_mbqm_mode_(combined, p->output_multiplier, p->output_shift, p->rounding) +
                     p->output_zero_point),
        p->clamp_min, p->clamp_max);
}

/* How an add/sub is computed, chosen once per call (both roundings give the same integers).
   Equal input scales make both input multipliers 2^30 with shift 0 (TFLite rescales the inputs
   to twice the larger scale), and then, with L = left_shift >= 2 and d = x - z, the rescaled
   input is exactly d * 2^(L-1): (d * 2^L * 2^30 + 2^30) >> 31 = floor(d * 2^(L-1) + 1/2) (SRDHM,
   and single rounding with total shift 31). So the combined value is s * 2^(L-1) with s = da +- db,
   within int32 as |d| * 2^L is (verifier): no wrap. QTC_BINARY_SCALED rescales just that.
   QTC_BINARY_DIRECT: the output scale is the input scale too, the output multiplier 2^30 with
   shift 2 - L, and MBQM(s * 2^(L-1)) = s: double rounding, SRDHM gives floor(s * 2^(L-2) + 1/2)
   = s * 2^(L-2), whose RDBPOT by L - 2 is s; single rounding, (s * 2^(L-1) * 2^30 + 2^(L+28))
   >> (L+29) = floor(s + 1/2) = s. Then y = clamp(a +- b + (z_out - z_a -+ z_b)). */
enum { QTC_BINARY_GENERAL = 0, QTC_BINARY_SCALED = 1, QTC_BINARY_DIRECT = 2 };

static inline int qtc_binary_form_(const qtc_binary *p, int kind) {
    const int32_t half = (int32_t)1 << 30;
    if (kind == QTC_MUL || p->left_shift < 2 || p->lhs_multiplier != half || p->lhs_shift != 0 ||
        p->rhs_multiplier != half || p->rhs_shift != 0)
        return QTC_BINARY_GENERAL;
    return p->output_multiplier == half && p->output_shift == 2 - p->left_shift ? QTC_BINARY_DIRECT
                                                                                 : QTC_BINARY_SCALED;
}

/* Elementwise kernels of one element type: add/sub/mul with broadcasting, clamp. */
#define QTC_DEFINE_ELEMENTWISE(S)                                                                   \
    /* n elements of the binary op `kind` in `form`, a and b advancing by as and bs. */             \
    static inline void qtc_binary_row_##S##_(const QTC_T_##S *a, int as, const QTC_T_##S *b,        \
                                             int bs, QTC_T_##S *y, int n, const qtc_binary *p,      \
                                             int kind, int form) {                                  \
        const int32_t sign = kind == QTC_SUB ? -1 : 1, lo = p->clamp_min, hi = p->clamp_max;        \
        QTC_T_##S *end = y + n;                                                                     \
        if (form == QTC_BINARY_DIRECT) {                                                            \
            const int32_t out = qtc_wrap_add_(p->output_zero_point, -p->lhs_zero_point);            \
            const int32_t offset = qtc_wrap_add_(out, -sign * p->rhs_zero_point);                   \
            for (; y != end; a += as, b += bs)                                                      \
                *y++ = (QTC_T_##S)qtc_clamp(qtc_wrap_add_(*a + sign * *b, offset), lo, hi);         \
        } else if (form == QTC_BINARY_SCALED) {                                                     \
            const int32_t unit = (int32_t)1 << (p->left_shift - 1);                                 \
            for (; y != end; a += as, b += bs) {                                                    \
                const int32_t s = (*a - p->lhs_zero_point) + sign * (*b - p->rhs_zero_point);       \
                const int32_t v = qtc_mbqm32_(s * unit, p->output_multiplier, p->output_shift,      \
                                              p->rounding);                                         \
                *y++ = (QTC_T_##S)qtc_clamp(qtc_wrap_add_(v, p->output_zero_point), lo, hi);        \
            }                                                                                       \
        } else {                                                                                    \
            for (; y != end; a += as, b += bs) *y++ = (QTC_T_##S)qtc_binary_elem_(*a, *b, p, kind); \
        }                                                                                           \
    }                                                                                               \
    static inline void qtc_binary_##S##_(const QTC_T_##S *a, const QTC_T_##S *b, QTC_T_##S *y,      \
                                         const qtc_broadcast *bc, const qtc_binary *p, int kind) {  \
        const int *ls = bc->lhs_stride, *rs = bc->rhs_stride;                                       \
        const int form = qtc_binary_form_(p, kind);                                                 \
        int i0, i1, i2;                                                                             \
        for (i0 = 0; i0 < bc->shape[0]; ++i0)                                                       \
            for (i1 = 0; i1 < bc->shape[1]; ++i1)                                                   \
                for (i2 = 0; i2 < bc->shape[2]; ++i2, y += bc->shape[3])                            \
                    qtc_binary_row_##S##_(a + i0 * ls[0] + i1 * ls[1] + i2 * ls[2], ls[3],          \
                                          b + i0 * rs[0] + i1 * rs[1] + i2 * rs[2], rs[3], y,       \
                                          bc->shape[3], p, kind, form);                             \
    }                                                                                               \
    /* y = a + b (TFLite ADD), broadcasting as bc. */                                               \
    static inline void qtc_add_##S(const QTC_T_##S *a, const QTC_T_##S *b, QTC_T_##S *y,            \
                                   const qtc_broadcast *bc, const qtc_binary *p) {                  \
        qtc_binary_##S##_(a, b, y, bc, p, QTC_ADD);                                                 \
    }                                                                                               \
    /* y = a - b (TFLite SUB), broadcasting as bc. */                                               \
    static inline void qtc_sub_##S(const QTC_T_##S *a, const QTC_T_##S *b, QTC_T_##S *y,            \
                                   const qtc_broadcast *bc, const qtc_binary *p) {                  \
        qtc_binary_##S##_(a, b, y, bc, p, QTC_SUB);                                                 \
    }                                                                                               \
    /* y = a * b (TFLite MUL), broadcasting as bc. */                                               \
    static inline void qtc_mul_##S(const QTC_T_##S *a, const QTC_T_##S *b, QTC_T_##S *y,            \
                                   const qtc_broadcast *bc, const qtc_binary *p) {                  \
        qtc_binary_##S##_(a, b, y, bc, p, QTC_MUL);                                                 \
    }                                                                                               \
    /* y = clamp(x, lo, hi) (standalone ReLU/ReLU6). */                                             \
    static inline void qtc_clamp_##S(const QTC_T_##S *x, QTC_T_##S *y, int count, int32_t lo,       \
                                     int32_t hi) {                                                  \
        int i;                                                                                      \
        for (i = 0; i < count; ++i) y[i] = (QTC_T_##S)qtc_clamp(x[i], lo, hi);                      \
    }

QTC_DEFINE_ELEMENTWISE(i8)
QTC_DEFINE_ELEMENTWISE(i16)

/* y = table[x] for count int8 values; the 256-entry table is in natural order (entry x + 128). */
static inline void qtc_apply_lut_i8(const int8_t *x, const int8_t *table, int8_t *y, int count) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_lut_i8(x[i], table);
}

/* y = TFLite LUTLookup(x) for count int16 values with a 513-entry interpolated table. */
static inline void qtc_apply_lut_i16(const int16_t *x, const int16_t *table, int16_t *y, int count) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_lut_i16(x[i], table);
}

/* ---- softmax ------------------------------------------------------------------------------- */

/* Softmax parameters. i8: exp_i8[d] is TFLM's exp(x - max) in Q0.31 for the difference
   d = max - x (0..255; the difference times (multiplier, shift) is the Q5.26 exp() input),
   computed by the compiler, and 0 where -d is below TFLM's diff_min (such terms are skipped,
   which a 0 does too: it adds nothing and gives -128). i16: (multiplier, shift) maps the
   difference onto the exp table's domain; both tables have 513 entries. */
typedef struct {
    int32_t multiplier;
    int shift;
    int rounding; /* QTC_MBQM_DOUBLE or QTC_MBQM_SINGLE */
    const int32_t *exp_i8;             /* i8 only: 256 entries */
    const int16_t *exp_table;          /* i16 only */
    const int16_t *reciprocal_table;   /* i16 only */
} qtc_softmax;

/* The largest of n values. */
#define QTC_DEFINE_ROW_MAX(S)                                                                       \
    static inline int32_t qtc_row_max_##S##_(const QTC_T_##S *x, int n) {                           \
        int32_t m = x[0];                                                                           \
        int j;                                                                                      \
        for (j = 1; j < n; ++j) m = x[j] > m ? x[j] : m;                                            \
        return m;                                                                                   \
    }

QTC_DEFINE_ROW_MAX(i8)
QTC_DEFINE_ROW_MAX(i16)

/* TFLM SoftmaxInt8 over the last axis of [rows, depth] (output scale 1/256, zero point -128):
   exp of the Q5.26 differences summed in Q12.19, GetReciprocal, product rounded to 8 bits.
   A sum >= 2^28 (512 or more values near the maximum) needs a division by 2^32 or more, which
   TFLM's RoundingDivideByPOT cannot do; its result, 0 (-128), is given directly. */
static inline void qtc_softmax_i8(const int8_t *x, int8_t *y, int rows, int depth, const qtc_softmax *p) {
    int r, j;
    for (r = 0; r < rows; ++r, x += depth, y += depth) {
        const int32_t mx = qtc_row_max_i8_(x, depth);
        int32_t sum = 0, reciprocal;
        int bits_over_unit, exponent;
        for (j = 0; j < depth; ++j) sum += qtc_rdbpot_fast_(p->exp_i8[mx - x[j]], 12);
        reciprocal = qtc_get_reciprocal(sum, 12, &bits_over_unit);
        exponent = bits_over_unit + 31 - 8;
        for (j = 0; j < depth; ++j) {
            int32_t v = -128;
            if (exponent <= 31) {
                const int32_t e = p->exp_i8[mx - x[j]];
                const int32_t scaled = qtc_rdbpot_fast_(qtc_srdhm_pos_(e, reciprocal), exponent);
                v = qtc_clamp(scaled - 128, -128, 127);
            }
            y[j] = (int8_t)v;
        }
    }
}

/* TFLM SoftmaxInt16: exp(x - max) from the exp table (input recentred by +32767). */
static inline int32_t qtc_softmax_exp_i16_(int32_t diff, const qtc_softmax *p) {
    const int32_t scaled = qtc_mbqm_mode_(diff, p->multiplier, p->shift, p->rounding);
    return qtc_lut_i16((int16_t)qtc_saturate(qtc_wrap_i32((int64_t)scaled + 32767), 16), p->exp_table);
}

/* TFLM SoftmaxInt16 over the last axis of [rows, depth] (output scale 1/32768, zero point 0):
   the int32 sum of exps is normalised by its leading zeros and inverted with the 1/(1+x) table. */
static inline void qtc_softmax_i16(const int16_t *x, int16_t *y, int rows, int depth, const qtc_softmax *p) {
    int r, j;
    for (r = 0; r < rows; ++r, x += depth, y += depth) {
        const int32_t mx = qtc_row_max_i16_(x, depth);
        int32_t sum = 0, shifted, reciprocal;
        int headroom_plus_one, right_shift;
        for (j = 0; j < depth; ++j) sum += qtc_softmax_exp_i16_(x[j] - mx, p);
        headroom_plus_one = qtc_clz32((uint32_t)sum);
        shifted = (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        reciprocal = qtc_lut_i16((int16_t)qtc_saturate((int64_t)shifted - (1 << 15) - (1 << 16), 16),
                                 p->reciprocal_table);
        right_shift = 31 - headroom_plus_one;
        for (j = 0; j < depth; ++j) {
            const int64_t e = qtc_softmax_exp_i16_(x[j] - mx, p);
            const int64_t v = (e * reciprocal + ((int64_t)1 << (right_shift - 1))) >> right_shift;
            y[j] = (int16_t)(v < 0 ? 0 : (v > 32767 ? 32767 : v));
        }
    }
}

/* ---- pooling ------------------------------------------------------------------------------- */

/* Pooling kernels of one element type. */
#define QTC_DEFINE_POOL(S)                                                                          \
    /* Max (is_max = 1) or average (is_max = 0) pooling over g, then clamp to [lo, hi]. Max: padded \
       taps never win. Average: TFLite's rounding division of the (int32-wrapping) sum of the       \
       taps inside the input by their count. acc: scratch of c int32. */                            \
    static inline void qtc_pool_core_##S##_(const QTC_T_##S *x, QTC_T_##S *y, int32_t *acc,         \
                                            const qtc_window *g, int is_max, int32_t lo,            \
                                            int32_t hi) {                                           \
        const int c = g->c;                                                                         \
        int ni, oy, ox, ky, kx, ch;                                                                 \
        for (ni = 0; ni < g->n; ++ni) {                                                             \
            for (oy = 0; oy < g->oh; ++oy) {                                                        \
                for (ox = 0; ox < g->ow; ++ox) {                                                    \
                    QTC_T_##S *yp = y + ((ni * g->oh + oy) * g->ow + ox) * c;                       \
                    int count = 0;                                                                  \
                    for (ky = 0; ky < g->kh; ++ky) {                                                \
                        for (kx = 0; kx < g->kw; ++kx) {                                            \
                            const int at = qtc_tap_(g, ni, oy, ox, ky, kx);                         \
                            const QTC_T_##S *xp = x + (at < 0 ? 0 : at) * c;                        \
                            if (at < 0) continue;                                                   \
                            for (ch = 0; ch < c; ++ch) {                                            \
                                const int32_t v = xp[ch];                                           \
                                if (count == 0) acc[ch] = v;                                        \
                                else if (is_max) acc[ch] = v > acc[ch] ? v : acc[ch];               \
                                else acc[ch] = qtc_wrap_add_(acc[ch], v);                           \
                            }                                                                       \
                            ++count;                                                                \
                        }                                                                           \
                    }                                                                               \
                    for (ch = 0; ch < c; ++ch) {                                                    \
                        const int32_t v = count == 0 ? 0                                            \
                                        : is_max     ? acc[ch]                                      \
                                                     : qtc_rounding_divide(acc[ch], count);         \
                        yp[ch] = (QTC_T_##S)qtc_clamp(v, lo, hi);                                   \
                    }                                                                               \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    /* Max pooling over g, clamped to [lo, hi]; acc: c. */                                          \
    static inline void qtc_max_pool2d_##S(const QTC_T_##S *x, QTC_T_##S *y, int32_t *acc,           \
                                          const qtc_window *g, int32_t lo, int32_t hi) {            \
        qtc_pool_core_##S##_(x, y, acc, g, 1, lo, hi);                                              \
    }                                                                                               \
    /* Average pooling over g, clamped to [lo, hi]; acc: c. */                                      \
    static inline void qtc_avg_pool2d_##S(const QTC_T_##S *x, QTC_T_##S *y, int32_t *acc,           \
                                          const qtc_window *g, int32_t lo, int32_t hi) {            \
        qtc_pool_core_##S##_(x, y, acc, g, 0, lo, hi);                                              \
    }                                                                                               \
    /* Global max pooling: x [n, spatial, c] -> y [n, c]. */                                        \
    static inline void qtc_global_max_pool_##S(const QTC_T_##S *x, QTC_T_##S *y, int n,             \
                                               int spatial, int c) {                                \
        int ni, s, ch;                                                                              \
        for (ni = 0; ni < n; ++ni, y += c) {                                                        \
            for (ch = 0; ch < c; ++ch) y[ch] = x[ch];                                               \
            for (s = 0; s < spatial; ++s, x += c)                                                   \
                for (ch = 0; ch < c; ++ch) y[ch] = x[ch] > y[ch] ? x[ch] : y[ch];                   \
        }                                                                                           \
    }

QTC_DEFINE_POOL(i8)
QTC_DEFINE_POOL(i16)

/* Global average pooling, TFLite MEAN style: y[n, c] = requant(sum_s (x[n, s, c] - input_zero_point))
   with the 1/count folded into the multiplier; the sum wraps in int32; acc: scratch of c int32. */
#define QTC_DEFINE_GLOBAL_AVG_POOL(SX, SY)                                                          \
    static inline void qtc_global_avg_pool_##SX##_##SY(const QTC_T_##SX *x, QTC_T_##SY *y,          \
                                                       int32_t *acc, int n, int spatial, int c,     \
                                                       const qtc_requant *p) {                      \
        int ni, s, ch;                                                                              \
        for (ni = 0; ni < n; ++ni, y += c) {                                                        \
            for (ch = 0; ch < c; ++ch) acc[ch] = 0;                                                 \
            for (s = 0; s < spatial; ++s, x += c)                                                   \
                for (ch = 0; ch < c; ++ch)                                                          \
                    acc[ch] = qtc_wrap_add_(acc[ch], x[ch] - p->input_zero_point);                  \
            for (ch = 0; ch < c; ++ch) y[ch] = (QTC_T_##SY)qtc_requant_(p, acc[ch], ch);            \
        }                                                                                           \
    }

QTC_DEFINE_GLOBAL_AVG_POOL(i8, i8)
QTC_DEFINE_GLOBAL_AVG_POOL(i8, i16)
QTC_DEFINE_GLOBAL_AVG_POOL(i16, i8)
QTC_DEFINE_GLOBAL_AVG_POOL(i16, i16)

/* ---- data movement ------------------------------------------------------------------------- */

/* Copy the rows (last axis) of a rank-4 x (shape[0..3]) of elem_bytes elements to their places
   in the padded y (pads[2*i], pads[2*i+1] before/after axis i); padding is left untouched. */
static inline void qtc_pad4_rows_(const void *x, void *y, const int *shape, const int *pads, int elem_bytes) {
    const int o1 = shape[1] + pads[2] + pads[3];
    const int o2 = shape[2] + pads[4] + pads[5];
    const int o3 = shape[3] + pads[6] + pads[7];
    const int row = shape[3] * elem_bytes;
    const uint8_t *s = (const uint8_t *)x;
    uint8_t *d = (uint8_t *)y;
    int a, b, c;
    for (a = 0; a < shape[0]; ++a)
        for (b = 0; b < shape[1]; ++b)
            for (c = 0; c < shape[2]; ++c, s += row) {
                const int at = (((a + pads[0]) * o1 + b + pads[2]) * o2 + c + pads[4]) * o3 + pads[6];
                qtc_copy_bytes(d + at * elem_bytes, s, row);
            }
}

/* Constant padding of a rank-4 x (lower ranks padded with leading 1s by the caller) with
   `value`: y is filled with it, then the input rows are copied in. */
#define QTC_DEFINE_PAD(S)                                                                           \
    static inline void qtc_pad4_##S(const QTC_T_##S *x, QTC_T_##S *y, const int *shape,             \
                                    const int *pads, QTC_T_##S value) {                             \
        int i, count = 1;                                                                           \
        for (i = 0; i < 4; ++i) count *= shape[i] + pads[2 * i] + pads[2 * i + 1];                  \
        for (i = 0; i < count; ++i) y[i] = value;                                                   \
        qtc_pad4_rows_(x, y, shape, pads, (int)sizeof(QTC_T_##S));                                  \
    }

QTC_DEFINE_PAD(i8)
QTC_DEFINE_PAD(i16)


/* ---- layer descriptors --------------------------------------------------------------------- */

/* qtc_window's sizes as uint16_t and its kernel's fields as uint8_t, for a descriptor to hold its
   layer's window in 22 bytes instead of 60. The entry expands it into a qtc_window for the loops:
   reading narrow fields there cost the M0 0.5% more cycles on MobileNet. The compiler calls a
   layer whose window does not fit directly. */
#define QTC_WINDOW_U16_(name) uint16_t name;
#define QTC_WINDOW_U8_(name) uint8_t name;
typedef struct {
    QTC_WINDOW_FIELDS(QTC_WINDOW_U16_, QTC_WINDOW_U8_)
} qtc_window_compact;

static inline qtc_window qtc_window_expand_(const qtc_window_compact *s) {
    qtc_window g;
#define QTC_WINDOW_COPY_(name) g.name = s->name;
    QTC_WINDOW_FIELDS(QTC_WINDOW_COPY_, QTC_WINDOW_COPY_)
#undef QTC_WINDOW_COPY_
    return g;
}

/* Every argument of a `_packed` convolution or depthwise layer that is a link-time constant, in
   one static const descriptor per layer: the generated NAME_run passes one pointer where seven
   arguments cost literal-pool words and stack stores at every call, and the layer loops are
   compiled once, out of line, instead of specialised into NAME_run at every call (flash is
   scarce; the compiler calls a kernel that only one layer uses directly). Dense layers run as
   the 1x1 convolution of qtc_dense_window_. x is 0 in a layer that reads the model input (a
   parameter of NAME_run): its `_on` entry takes x. */
typedef struct {
    const void *x;       /* QTC_T_<input> */
    const uint32_t *w;   /* packed weights */
    const void *b;       /* folded bias, QTC_BIAS_<input> */
    void *y;             /* QTC_T_<output> */
    void *patch;         /* QTC_T_<input>, kh*kw*c, or 0 */
    qtc_requant requant;
    qtc_window_compact window;
} qtc_packed_layer;

/* The entries of one kind, over one copy of the loops for both kinds (GCC drops the depthwise
   code of a model whose layers are all convolutions, as their calls all pass depthwise 0). */
#define QTC_DEFINE_PACKED_LAYER(KIND, SX, SY, DEPTHWISE)                                            \
    /* Layer l over the input x. */                                                                 \
    QTC_OUT_OF_LINE void qtc_##KIND##_layer_on_##SX##_##SY(const QTC_T_##SX *x,                     \
                                                           const qtc_packed_layer *l) {             \
        qtc_packed_layer_##SX##_##SY##_(x, l, DEPTHWISE);                                           \
    }                                                                                               \
    /* Layer l over its input l->x. */                                                              \
    QTC_OUT_OF_LINE void qtc_##KIND##_layer_##SX##_##SY(const qtc_packed_layer *l) {                \
        qtc_packed_layer_##SX##_##SY##_((const QTC_T_##SX *)l->x, l, DEPTHWISE);                    \
    }

#define QTC_DEFINE_PACKED_LAYERS(SX, SY)                                                            \
    QTC_OUT_OF_LINE void qtc_packed_layer_##SX##_##SY##_(                                           \
        const QTC_T_##SX *x, const qtc_packed_layer *l, int depthwise) {                            \
        const qtc_window g = qtc_window_expand_(&l->window);                                        \
        qtc_conv_fast_##SX##_##SY##_(x, l->w, (const QTC_BIAS_##SX *)l->b, (QTC_T_##SY *)l->y,      \
                                     (QTC_T_##SX *)l->patch, &g, &l->requant, depthwise);           \
    }                                                                                               \
    QTC_DEFINE_PACKED_LAYER(conv2d_packed, SX, SY, 0)                                               \
    QTC_DEFINE_PACKED_LAYER(depthwise_conv2d_packed, SX, SY, 1)

QTC_DEFINE_PACKED_LAYERS(i8, i8)
QTC_DEFINE_PACKED_LAYERS(i8, i16)
QTC_DEFINE_PACKED_LAYERS(i16, i8)
QTC_DEFINE_PACKED_LAYERS(i16, i16)

#endif /* QTC_INT_H */
