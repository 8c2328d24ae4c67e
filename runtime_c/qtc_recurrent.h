/* qtc recurrent kernels: the integer LSTM and GRU of qnn.lstm / qnn.gru.
 *
 * C99, integer arithmetic only: no float or double, no allocation, recursion, VLAs or globals;
 * every function is static inline (or QTC_OUT_OF_LINE). The conventions of qtc_int.h and
 * qtc_fixedpoint.h hold: no left shift of a negative value, products that could exceed 32 bits
 * are int64, wraps are conversions from unsigned, right shifts of negative values are
 * arithmetic. Each kernel computes exactly what qtc.dialects.qnn_interpreter's lstm_int /
 * gru_int compute (tests/test_recurrent_int.py compares them bit for bit under ASan/UBSan, and
 * on the Cortex-M0 and M4); the recipe is documented on qtc.dialects.qnn's _RecurrentOp, LSTMOp
 * and GRUOp.
 *
 * Layouts: x [batch, steps, features]; y [batch, steps, units] (every step) or [batch, units]
 * (the last). Gate columns come in gate blocks of `units` (LSTM i, f, c, o; GRU z, r, h). The
 * compiler stores each weight matrix [rows, columns] (Keras kernel [features, G * units],
 * recurrent kernel [units, G * units]; a GRU's recurrent kernel as two blocks, its z and r
 * columns, then its h columns) in the order the kernels read it:
 * - 8-bit weights, packed words (int32_t, the bytes are what counts): per group of four
 *   columns 4q .. 4q+3 and pair of rows k, k+1, the words [w(k, 4q), w(k, 4q+1), w(k+1, 4q),
 *   w(k+1, 4q+1)] and the same of columns 4q+2, 4q+3 (bytes 0..3; zero past the last column and
 *   in the row after an odd last one). The dot products read consecutive words, each input
 *   pair serves four columns, and on cores with SMLAD one SXTB16 turns a word into the two
 *   taps of one column;
 * - 16-bit weights, transposed: the rows of column c at c * rows.
 * The input zero point is subtracted once per step (i8 inputs, into an int16 copy) or folded
 * into the int64 bias by the compiler (i16 inputs, which the kernels read as they are; their
 * input_rescale's input_zero_point is then 0), so every projection is an int16 vector times the
 * weights. Gate pre-activations are int16 Q3.12, gates and the hidden state int16 Q0.15, the
 * LSTM cell int16 at scale 2^cell_scale_power. The state lives in `scratch` (from the arena,
 * int16: 6 * units for an LSTM, 8 * units for a GRU, plus `features` for i8 inputs); the
 * kernels loop over time, so neither code nor constants grow with the sequence length.
 */
#ifndef QTC_RECURRENT_H
#define QTC_RECURRENT_H

#include <stdint.h>

#include "qtc_fixedpoint.h"
#include "qtc_int.h"

typedef struct {
    int batch, steps, features, units;
    int return_sequences;                 /* y holds every step (1) or the last (0) */
    const qtc_requant *input_rescale;     /* input projection -> Q3.12 a gate column; its
                                             input_zero_point is x's (i8) or 0 (i16) */
    const qtc_requant *recurrent_rescale; /* recurrent projection -> Q3.12; mode
                                             QTC_MBQM_INT64 means an int64 accumulator */
    const int32_t *input_gates;           /* int32 accumulators: the gate words (below) of */
    const int32_t *recurrent_gates;       /* every column of a projection, else null */
    const qtc_requant *output_rescale;    /* Q0.15 state -> y, clamped to y's range */
    const int16_t *gate_table;            /* recurrent activation: 513 entries in [0, 32767] */
    const int16_t *candidate_table;       /* activation (tanh): 513 entries */
    int cell_scale_power;                 /* LSTM only */
    int reset_after;                      /* GRU only */
} qtc_recurrent;

/* x saturated to int16: one SSAT on cores with the DSP extension. */
static inline int32_t qtc_rnn_ssat16_(int32_t x) {
#if QTC_DSP
    int32_t r;
    __asm__("ssat %0, #16, %1" : "=r"(r) : "r"(x));
    return r;
#else
    return qtc_clamp(x, -32768, 32767);
#endif
}

/* ---- projections --------------------------------------------------------------------------- */

/* Rows of a packed dot product whose int32 partial sum is exact: |v * w| <= 2^15 * 2^7. */
#define QTC_RNN_ROWS_INT32 256

/* s[j] += v0 * w(k, j), j < 4: the last row k of an odd count (a is its pair's first word,
   b the second; the zero row after it adds nothing). */
static inline void qtc_rnn_row_(int32_t v0, uint32_t a, uint32_t b, uint32_t *s) {
    s[0] += (uint32_t)(v0 * QTC_LANE0(a));
    s[1] += (uint32_t)(v0 * QTC_LANE1(a));
    s[2] += (uint32_t)(v0 * QTC_LANE0(b));
    s[3] += (uint32_t)(v0 * QTC_LANE1(b));
}

#if QTC_DSP
/* s[j] = sum_k v[k] * w(k, j), j < 4, k < n: one group of packed 8-bit weights (two words a row
   pair); returns the next group's words. SMLAD: an input pair is one word, and the even (odd)
   bytes of a weight word are column 0's (1's) taps of that pair; two pairs a pass halve the
   loop's overhead. In asm, as GCC reloads the loop's end from the stack and copies a pointer
   every pass; the inputs by LDR (v may be 2-byte aligned), the weights by LDRD. Sums wrap in
   32 bits: exactly the int32 the verifier keeps exact (partial sums of QTC_RNN_ROWS_INT32 rows
   for int64 accumulators). */
static inline const int32_t *qtc_rnn_sum4_dsp_(const int16_t *v, int n, const int32_t *w,
                                               uint32_t *s) {
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const int16_t *end = v + (n & ~3);
    if (v != end) {
        int32_t p0, p1, a, b, t;
        __asm__ volatile(
            "1:\n\t"
            "ldr %[p0], [%[v]], #4\n\t"
            "ldr %[p1], [%[v]], #4\n\t"
            "ldrd %[a], %[b], [%[w]], #8\n\t"
            "sxtb16 %[t], %[a]\n\tsmlad %[s0], %[p0], %[t], %[s0]\n\t"
            "sxtb16 %[a], %[a], ror #8\n\tsmlad %[s1], %[p0], %[a], %[s1]\n\t"
            "sxtb16 %[t], %[b]\n\tsmlad %[s2], %[p0], %[t], %[s2]\n\t"
            "sxtb16 %[b], %[b], ror #8\n\tsmlad %[s3], %[p0], %[b], %[s3]\n\t"
            "ldrd %[a], %[b], [%[w]], #8\n\t"
            "sxtb16 %[t], %[a]\n\tsmlad %[s0], %[p1], %[t], %[s0]\n\t"
            "sxtb16 %[a], %[a], ror #8\n\tsmlad %[s1], %[p1], %[a], %[s1]\n\t"
            "sxtb16 %[t], %[b]\n\tsmlad %[s2], %[p1], %[t], %[s2]\n\t"
            "sxtb16 %[b], %[b], ror #8\n\tsmlad %[s3], %[p1], %[b], %[s3]\n\t"
            "cmp %[v], %[end]\n\t"
            "bne 1b"
            : [v] "+r"(v), [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),
              [s3] "+r"(s3), [p0] "=&r"(p0), [p1] "=&r"(p1), [a] "=&r"(a), [b] "=&r"(b),
              [t] "=&r"(t)
            : [end] "r"(end)
            : "cc", "memory");
    }
    if (n & 2) {
        const int32_t p0 = (int32_t)qtc_load4_(v);
        const uint32_t a = (uint32_t)w[0], b = (uint32_t)w[1];
        s0 = qtc_smlad_(p0, qtc_even_bytes_(a), s0);
        s1 = qtc_smlad_(p0, qtc_odd_bytes_(a), s1);
        s2 = qtc_smlad_(p0, qtc_even_bytes_(b), s2);
        s3 = qtc_smlad_(p0, qtc_odd_bytes_(b), s3);
        v += 2;
        w += 2;
    }
    s[0] = (uint32_t)s0; s[1] = (uint32_t)s1; s[2] = (uint32_t)s2; s[3] = (uint32_t)s3;
    if (n & 1) {
        qtc_rnn_row_(v[0], (uint32_t)w[0], (uint32_t)w[1], s);
        w += 2;
    }
    return w;
}

QTC_OUT_OF_LINE void qtc_rnn_dot4_(const int16_t *v, int n, const int32_t *w, uint32_t *s) {
    (void)qtc_rnn_sum4_dsp_(v, n, w, s);
}
#elif defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
/* One row pair of qtc_rnn_dot4_ on ARMv6-M: the two inputs, then a word of weights for columns
   0 and 1 and one for columns 2 and 3. */
#define QTC_RNN_V6M_PAIR_                                                                           \
    "ldrh %[v0], [%[v], #0]\n\tsxth %[v0], %[v0]\n\t"                                               \
    "ldrh %[v1], [%[v], #2]\n\tsxth %[v1], %[v1]\n\t"                                               \
    "adds %[v], %[v], #4\n\t"                                                                       \
    "ldm %[w]!, {%[k]}\n\t"                                                                         \
    "sxtb %[t], %[k]\n\tmuls %[t], %[v0], %[t]\n\tadd %[s0], %[t]\n\t"                               \
    "lsls %[t], %[k], #16\n\tasrs %[t], %[t], #24\n\tmuls %[t], %[v0], %[t]\n\tadd %[s1], %[t]\n\t"  \
    "lsls %[t], %[k], #8\n\tasrs %[t], %[t], #24\n\tmuls %[t], %[v1], %[t]\n\tadd %[s0], %[t]\n\t"   \
    "asrs %[k], %[k], #24\n\tmuls %[k], %[v1], %[k]\n\tadd %[s1], %[k]\n\t"                          \
    "ldm %[w]!, {%[k]}\n\t"                                                                         \
    "sxtb %[t], %[k]\n\tmuls %[t], %[v0], %[t]\n\tadd %[s2], %[t]\n\t"                               \
    "lsls %[t], %[k], #16\n\tasrs %[t], %[t], #24\n\tmuls %[t], %[v0], %[t]\n\tadd %[s3], %[t]\n\t"  \
    "lsls %[t], %[k], #8\n\tasrs %[t], %[t], #24\n\tmuls %[t], %[v1], %[t]\n\tadd %[s2], %[t]\n\t"   \
    "asrs %[k], %[k], #24\n\tmuls %[k], %[v1], %[k]\n\tadd %[s3], %[k]\n\t"

/* The same on ARMv6-M: GCC spills the four sums of the C loop below on Thumb-1's eight low
   registers; here they stay in high registers, the inputs, weights and products in low ones
   (not at -Os, where GCC keeps r8-r11 out of asm operands). Two row pairs an iteration (a taken
   branch costs 3 cycles), entered at the second when n % 4 >= 2 (t says so on entry). */
QTC_OUT_OF_LINE void qtc_rnn_dot4_(const int16_t *v, int n, const int32_t *w, uint32_t *s) {
    uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const int16_t *end = v + (n & ~1);
    if (v != end) {
        int32_t v0, v1, k, t = n & 2;
        __asm__ volatile(
            ".syntax unified\n\t"
            "cmp %[t], #0\n\tbne 2f\n"
            "1:\n\t" QTC_RNN_V6M_PAIR_ "2:\n\t" QTC_RNN_V6M_PAIR_
            "cmp %[v], %[end]\n\t"
            "bne 1b"
            : [v] "+l"(v), [w] "+l"(w), [s0] "+h"(s0), [s1] "+h"(s1), [s2] "+h"(s2),
              [s3] "+h"(s3), [v0] "=&l"(v0), [v1] "=&l"(v1), [k] "=&l"(k), [t] "+&l"(t)
            : [end] "r"(end)
            : "cc", "memory");
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
    if (n & 1) qtc_rnn_row_(v[0], (uint32_t)w[0], (uint32_t)w[1], s);
}
#else
/* s[j] = sum_k v[k] * w(k, j), j < 4, k < n: one group of packed 8-bit weights (two words a row
   pair), summed in uint32: exactly the int32 the verifier keeps exact (partial sums of
   QTC_RNN_ROWS_INT32 rows for int64 accumulators). */
QTC_OUT_OF_LINE void qtc_rnn_dot4_(const int16_t *v, int n, const int32_t *w, uint32_t *s) {
    uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const int16_t *end = v + (n & ~1);
    for (; v != end; v += 2, w += 2) {
        const int32_t v0 = v[0], v1 = v[1];
        uint32_t k = (uint32_t)w[0];
        s0 += (uint32_t)(v0 * QTC_LANE0(k) + v1 * QTC_LANE2(k));
        s1 += (uint32_t)(v0 * QTC_LANE1(k) + v1 * QTC_LANE3(k));
        k = (uint32_t)w[1];
        s2 += (uint32_t)(v0 * QTC_LANE0(k) + v1 * QTC_LANE2(k));
        s3 += (uint32_t)(v0 * QTC_LANE1(k) + v1 * QTC_LANE3(k));
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
    if (n & 1) qtc_rnn_row_(v[0], (uint32_t)w[0], (uint32_t)w[1], s);
}
#endif

/* Gate words of a column of an int32 accumulator, from the compiler: lo, hi, bias, multiplier,
   shifts, such that the reference's rescale of bias + s (clamped to +-bound, bound =
   2^(31 - max(shift, 0)) - 1, requantized, saturated to int16) equals the requantization of
   bias + clamp(s, lo, hi), saturated to int16. Every s at or beyond lo (hi) gives the
   reference's result at -inf (+inf), so the clamp replaces the reference's overflow and bound
   checks, and bias + [lo, hi] lies within +-bound: neither the sum nor the left shift wraps.
   shifts: max(shift, 0) | max(-shift, 0) << 8 (double rounding's left and right shifts) | left +
   1 << 16 where the DSP gate may skip the clamp (else 0; see qtc_rnn_gate_dsp_), or the shift
   itself for single rounding. */
#define QTC_RNN_GATE_WORDS 5

/* sat16(requant(v)) of gate words g, double rounding: RDBPOT(SRDHM(v << left, q), right). With
   right == 0 the result may pass int16; with right > 0 (left is 0) the requantizer does not
   expand, so the clamp's ends keep it within int16. */
static inline int32_t qtc_rnn_rescale_double_(int32_t v, const int32_t *g) {
    const int left = (int)(g[4] & 0xFF), right = (int)(g[4] >> 8 & 0xFF);
    /* the verifier keeps multipliers >= 0; the sums are mostly beyond 16 bits: no branch */
    const int32_t t = qtc_srdhm_split_((int32_t)((uint32_t)v << left), g[3]);
    if (right == 0) return t > 32767 ? 32767 : (t < -32768 ? -32768 : t);
    return qtc_rdbpot_fast_(t, right);
}

/* G(s) of gate words g: the generic rescale of any column, clamped, either rounding. */
static inline int32_t qtc_rnn_gate_generic_(uint32_t s, const int32_t *g, int single) {
    const int32_t b = (int32_t)s;
    const int32_t v = (b < g[0] ? g[0] : (b > g[1] ? g[1] : b)) + g[2];
    int32_t r;
    if (!single) return qtc_rnn_rescale_double_(v, g);
    r = qtc_mbqm_single_fast_(v, g[3], (int)g[4]);
    return r > 32767 ? 32767 : (r < -32768 ? -32768 : r);
}

#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
/* G(s) before its int16 saturation on ARMv6-M, for a column whose gate words carry left + 1
   (double rounding, clamp free; see qtc_rnn_gate_dsp_): x = (bias + s) << (left + 1), the rounded
   high word of x q from four 16x16-bit products (x = ah 2^16 + al, q = bh 2^16 + bl, al, bl, bh
   unsigned: ah bh + floor((ah bl + al bh + floor(al bl / 2^16) + 2^15) / 2^16), ah bl split at
   bit 16 so that the unsigned sum fits 32 bits), plus RDBPOT's c, shifted right. The right shift
   waits in a high register while the six low ones hold the products. */
static inline int32_t qtc_rnn_gate_v6m_(uint32_t s, const int32_t *g) {
    int32_t x = (int32_t)s, b, t, u, v, e, right;
    __asm__(".syntax unified\n\t"
            "mov %[t], %[g]\n\tldr %[b], [%[t], #8]\n\tadds %[x], %[b]\n\t"
            "ldr %[e], [%[t], #16]\n\tldr %[b], [%[t], #12]\n\t"
            "lsrs %[u], %[e], #16\n\tlsls %[x], %[u]\n\t"
            "lsls %[e], %[e], #16\n\tlsrs %[e], %[e], #24\n\tmov %[right], %[e]\n\t"
            "movs %[v], #1\n\tlsls %[v], %[e]\n\tasrs %[u], %[x], #31\n\tadds %[v], %[u]\n\t"
            "lsrs %[v], %[v], #1\n\t"
            "asrs %[t], %[x], #16\n\tuxth %[x], %[x]\n\tlsrs %[u], %[b], #16\n\tuxth %[b], %[b]\n\t"
            "movs %[e], %[t]\n\tmuls %[e], %[u]\n\tadds %[v], %[e]\n\t"
            "muls %[t], %[b]\n\tmuls %[u], %[x]\n\tmuls %[b], %[x]\n\t"
            "lsrs %[b], %[b], #16\n\tadds %[b], %[u]\n\tuxth %[u], %[t]\n\tadds %[b], %[u]\n\t"
            "movs %[u], #128\n\tlsls %[u], %[u], #8\n\tadds %[b], %[u]\n\tlsrs %[b], %[b], #16\n\t"
            "asrs %[t], %[t], #16\n\tadds %[v], %[t]\n\tadds %[v], %[b]\n\t"
            "mov %[e], %[right]\n\tasrs %[v], %[e]"
            : [x] "+&l"(x), [b] "=&l"(b), [t] "=&l"(t), [u] "=&l"(u), [v] "=&l"(v), [e] "=&l"(e),
              [right] "=&h"(right)
            : [g] "h"(g)
            : "cc", "memory");
    return v;
}
#endif

/* out[j] = G_j(s[j]) for j < lanes, or sat16(out[j] + G_j(...)) when add (an LSTM's input and
   recurrent parts), G_j the rescale to int16 Q3.12 of the gate words g + 5j; single: single
   rounding. Out of line: one copy of the requantizer, called once per four columns (with the
   DSP, for the columns the clamp-free gate does not take; on ARMv6-M, the columns that carry
   left + 1 by its asm, the rare saturation out of the way of the common path). */
QTC_OUT_OF_LINE void qtc_rnn_gates32_(const uint32_t *s, const int32_t *g, int lanes, int single,
                                      int add, int16_t *out) {
    const int32_t *end = g + lanes * QTC_RNN_GATE_WORDS;
    for (; g != end; g += QTC_RNN_GATE_WORDS, ++s, ++out) {
        int32_t r;
#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__OPTIMIZE_SIZE__)
        if (__builtin_expect(!single && (uint32_t)g[4] >> 16, 1)) {
            r = qtc_rnn_gate_v6m_(*s, g);
            if (__builtin_expect(r != (int16_t)r, 0)) r = (r >> 31) ^ 0x7FFF;
        } else
#endif
            r = qtc_rnn_gate_generic_(*s, g, single);
        if (add) r = qtc_clamp(r + *out, -32768, 32767);
        *out = (int16_t)r;
    }
}

#if QTC_DSP
/* (c * 2^32 + a * b + 2^31) >> 32: the rounded high word of a * b, plus c. */
static inline int32_t qtc_rnn_smmlar_(int32_t a, int32_t b, int32_t c) {
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
}

/* qtc_rnn_gates32_ of one column, s by value: a caller that inlines this keeps s in a register. */
QTC_OUT_OF_LINE void qtc_rnn_gate32_(uint32_t s, const int32_t *g, int single, int add,
                                     int16_t *out) {
    qtc_rnn_gates32_(&s, g, 1, single, add, out);
}

/* *out = G(s) of gate words g (sat16(*out + G) when add). Where the compiler stored left + 1,
   x = (bias + s) << (left + 1) fits int32 and SRDHM((bias + s) << left, q) = (x q + 2^31) >> 32,
   one SMMLAR, which also adds RDBPOT's rounding term: that SRDHM has x's sign or is 0 (which
   rounds to 0 either way), so RDBPOT(t, right) = (t + c) >> right with c = floor((2^right -
   (x < 0)) / 2), 0 for right 0. Other columns take the generic gate. */
static inline void qtc_rnn_gate_dsp_(uint32_t s, const int32_t *g, int single, int add,
                                     int16_t *out) {
    const int left1 = (int)((uint32_t)g[4] >> 16);
    int right;
    int32_t x, r;
    if (single || left1 == 0) { /* single rounding's shift word is the (signed) shift */
        qtc_rnn_gate32_(s, g, single, add, out);
        return;
    }
    x = (int32_t)((s + (uint32_t)g[2]) << left1);
    right = (int)((uint32_t)g[4] >> 8 & 0xFF);
    r = qtc_rnn_smmlar_(x, g[3], (int32_t)((((uint32_t)1 << right) + (uint32_t)(x >> 31)) >> 1));
    r = qtc_rnn_ssat16_(r >> right);
    *out = (int16_t)(add ? qtc_rnn_ssat16_(r + *out) : r);
}

/* out[j] = G_j(sum_k v[k] w(k, j)) for the `count` columns j of a block of packed 8-bit weights
   with n rows and an int32 accumulator, G_j from the gate words g + 5j (sat16(out[j] + G_j)
   when add): one call a projection, the four sums of a group in registers; the columns of a
   last group of one to three by the generic gates. */
QTC_OUT_OF_LINE void qtc_rnn_project32_(const int16_t *v, int n, const int32_t *w, int count,
                                        const int32_t *g, int single, int add, int16_t *out) {
    int j;
    for (j = 0; j < count; j += 4, g += 4 * QTC_RNN_GATE_WORDS, out += 4) {
        uint32_t s[4];
        w = qtc_rnn_sum4_dsp_(v, n, w, s);
        if (count - j < 4) {
            const uint32_t rest[3] = {s[0], s[1], s[2]}; /* s stays in registers */
            qtc_rnn_gates32_(rest, g, count - j, single, add, out);
            return;
        }
        qtc_rnn_gate_dsp_(s[0], g, single, add, out);
        qtc_rnn_gate_dsp_(s[1], g + QTC_RNN_GATE_WORDS, single, add, out + 1);
        qtc_rnn_gate_dsp_(s[2], g + 2 * QTC_RNN_GATE_WORDS, single, add, out + 2);
        qtc_rnn_gate_dsp_(s[3], g + 3 * QTC_RNN_GATE_WORDS, single, add, out + 3);
    }
}
#endif

/* The same for an int64 accumulator (QTC_MBQM_INT64): clamped to +-(2^min(31 - shift, 47) - 1),
   the int64-input requantizer's domain. */
static inline int32_t qtc_rnn_gate64_(const qtc_requant *p, int c, int64_t acc) {
    const int k = p->channels > 1 ? c : 0;
    const int shift = (int)p->shift[k];
    const int e = 31 - shift;
    const int64_t bound = ((int64_t)1 << (e < 47 ? e : 47)) - 1;
    const int64_t a = acc > bound ? bound : (acc < -bound ? -bound : acc);
    return qtc_saturate(qtc_mbqm_i64_fast_(a, p->multiplier[k], shift), 16);
}

/* a + b in int64, wrapping (as the reference's int64 sum: a bias may be +-(2^63 - 1)). */
static inline int64_t qtc_rnn_wrap_add_(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Element j of a bias of the accumulator's width (int32, or int64 for QTC_MBQM_INT64); 0
   without one. */
static inline int64_t qtc_rnn_bias_(const void *bias, int j, int mode) {
    if (!bias) return 0;
    return mode == QTC_MBQM_INT64 ? ((const int64_t *)bias)[j] : ((const int32_t *)bias)[j];
}

/* out[j] = g, or sat16(out[j] + g) when add (an LSTM's input and recurrent parts). */
static inline void qtc_rnn_put_(int16_t *out, int j, int32_t g, int add) {
    out[j] = (int16_t)(add ? qtc_clamp(out[j] + g, -32768, 32767) : g);
}

/* out[j] = G(bias[j] + sum_k v[k] w(k, j)) for the `count` columns j of a block of packed 8-bit
   weights with n rows, G being p's rescale of column first + j; bias may be null. int32
   accumulators: G and the bias are the gate words, from those of column first on. */
static inline void qtc_rnn_project_i8_(const int16_t *v, int n, const int32_t *w, int count,
                                       const void *bias, int first, const qtc_requant *p,
                                       const int32_t *gates, int add, int16_t *out) {
    const int words = n + (n & 1); /* per group of four columns */
    int j, i, k;
#if QTC_DSP
    if (p->mode != QTC_MBQM_INT64) {
        qtc_rnn_project32_(v, n, w, count, gates + first * QTC_RNN_GATE_WORDS,
                           p->mode == QTC_MBQM_SINGLE, add, out);
        return;
    }
#endif
    for (j = 0; j < count; j += 4, w += words) {
        const int lanes = count - j < 4 ? count - j : 4;
        if (p->mode == QTC_MBQM_INT64) {
            int64_t acc[4];
            for (i = 0; i < 4; ++i) acc[i] = 0;
            for (k = 0; k < n; k += QTC_RNN_ROWS_INT32) {
                uint32_t part[4];
                qtc_rnn_dot4_(v + k, n - k < QTC_RNN_ROWS_INT32 ? n - k : QTC_RNN_ROWS_INT32, w + k,
                              part);
                for (i = 0; i < 4; ++i) acc[i] += (int32_t)part[i];
            }
            for (i = 0; i < lanes; ++i)
                qtc_rnn_put_(out, j + i,
                             qtc_rnn_gate64_(p, first + j + i,
                                             qtc_rnn_wrap_add_(
                                                 acc[i], qtc_rnn_bias_(bias, j + i, p->mode))),
                             add);
        } else {
            uint32_t s[4];
            qtc_rnn_dot4_(v, n, w, s);
            qtc_rnn_gates32_(s, gates + (first + j) * QTC_RNN_GATE_WORDS, lanes,
                             p->mode == QTC_MBQM_SINGLE, add, out + j);
        }
    }
}

/* The same for transposed 16-bit weights (always an int64 accumulator). */
static inline void qtc_rnn_project_i16_(const int16_t *v, int n, const int16_t *w, int count,
                                        const void *bias, int first, const qtc_requant *p,
                                        const int32_t *gates, int add, int16_t *out) {
    int j, k;
    (void)gates;
    for (j = 0; j < count; ++j, w += n) {
        int64_t dot = 0;
        for (k = 0; k < n; ++k) dot += (int32_t)v[k] * w[k];
        qtc_rnn_put_(out, j,
                     qtc_rnn_gate64_(p, first + j,
                                     qtc_rnn_wrap_add_(dot, qtc_rnn_bias_(bias, j, p->mode))),
                     add);
    }
}

/* Stored weights of each weight type, and the size of a block of `count` columns and n rows. */
#define QTC_RNN_W_i8 int32_t
#define QTC_RNN_W_i16 int16_t
static inline int qtc_rnn_block_i8_(int n, int count) { return (count + 3) / 4 * (n + (n & 1)); }
static inline int qtc_rnn_block_i16_(int n, int count) { return count * n; }

/* The step's input as the int16 vector the projections read: i8 centred into `centred`, i16
   as it is (its zero point is folded into the bias). */
static inline const int16_t *qtc_rnn_vector_i8_(const int8_t *x, int n, int32_t zero_point,
                                                int16_t *centred) {
    int k;
    for (k = 0; k < n; ++k) centred[k] = (int16_t)(x[k] - zero_point);
    return centred;
}

static inline const int16_t *qtc_rnn_vector_i16_(const int16_t *x, int n, int32_t zero_point,
                                                 int16_t *centred) {
    (void)n; (void)zero_point; (void)centred;
    return x;
}

/* ---- steps --------------------------------------------------------------------------------- */

/* table(sat16(a + b)): a gate or candidate from two int16 Q3.12 parts (their sum fits int32). */
static inline int32_t qtc_rnn_lookup_(int32_t a, int32_t b, const int16_t *table) {
    return qtc_lut_i16((int16_t)qtc_rnn_ssat16_(a + b), table);
}

/* qtc_rdbpot(p, 15) of a product of an int16 and a value of at most 65535 in magnitude, so
   |p| + 2^14 fits int32: floor((p + 2^14 - (p < 0)) / 2^15), without the mask and compare. */
static inline int32_t qtc_rnn_q15_(int32_t p) {
    return (p + (1 << 14) - (p < 0)) >> 15;
}

/* The cell state (scale 2^power, -30 <= power <= 0) as the tanh table's Q3.12 input: an int16
   times at most 2^12, or divided by at most 2^18; both fit int32. */
static inline int16_t qtc_rnn_cell_q3_12_(int32_t cell, int power) {
    const int shift = power + 12;
    if (shift >= 0) return (int16_t)qtc_clamp(cell * (1 << shift), -32768, 32767);
    return (int16_t)qtc_rdbpot_fast_(cell, -shift);
}

/* LSTM unit j from the pre-activations [4 * u]: c' = sat16(RDBPOT(f c, 15) + RDBPOT(i g,
   30 + p)), h' = RDBPOT(o tanh(c'), 15). */
static inline void qtc_lstm_unit_(const int16_t *pre, int16_t *h, int16_t *c, int j, int u,
                                  const qtc_recurrent *p) {
    const int32_t i = qtc_lut_i16(pre[j], p->gate_table);
    const int32_t f = qtc_lut_i16(pre[u + j], p->gate_table);
    const int32_t g = qtc_lut_i16(pre[2 * u + j], p->candidate_table);
    const int32_t o = qtc_lut_i16(pre[3 * u + j], p->gate_table);
    const int power = p->cell_scale_power; /* -30 .. 0: both terms and their sum fit int32 */
    const int32_t cell =
        qtc_clamp(qtc_rnn_q15_(f * c[j]) + qtc_rdbpot_fast_(i * g, 30 + power), -32768, 32767);
    c[j] = (int16_t)cell;
    h[j] = (int16_t)qtc_rnn_q15_(
        o * qtc_lut_i16(qtc_rnn_cell_q3_12_(cell, power), p->candidate_table));
}

/* GRU unit j from the Q3.12 projections gx, gh [3 * u]: h' = hh + RDBPOT(z (h - hh), 15). */
static inline void qtc_gru_unit_(const int16_t *gx, const int16_t *gh, int16_t *h, int j, int u,
                                 const qtc_recurrent *p) {
    const int32_t z = qtc_rnn_lookup_(gx[j], gh[j], p->gate_table);
    int32_t candidate;
    if (p->reset_after) {
        const int32_t r = qtc_rnn_lookup_(gx[u + j], gh[u + j], p->gate_table);
        candidate = qtc_rnn_lookup_(gx[2 * u + j], qtc_rnn_q15_(r * gh[2 * u + j]),
                                    p->candidate_table);
    } else {
        candidate = qtc_rnn_lookup_(gx[2 * u + j], gh[2 * u + j], p->candidate_table);
    }
    h[j] = (int16_t)(candidate + qtc_rnn_q15_(z * (h[j] - candidate)));
}

/* Kernels of one (input, weights) type pair; the output has the input's type. A projection with
   an int32 accumulator reads its bias from the gate words: its bias argument is null. */
#define QTC_DEFINE_RECURRENT(SX, SW)                                                                \
    /* The output of step t of sample n, if y holds it: the state rescaled. */                      \
    static inline void qtc_rnn_store_##SX##_##SW##_(QTC_T_##SX *y, const int16_t *h, int n, int t,  \
                                                    const qtc_recurrent *p) {                       \
        QTC_T_##SX *yp;                                                                             \
        int j;                                                                                      \
        if (p->return_sequences) {                                                                  \
            yp = y + (n * p->steps + t) * p->units;                                                 \
        } else if (t == p->steps - 1) {                                                             \
            yp = y + n * p->units;                                                                  \
        } else {                                                                                    \
            return;                                                                                 \
        }                                                                                           \
        for (j = 0; j < p->units; ++j) yp[j] = (QTC_T_##SX)qtc_requant_(p->output_rescale, h[j], 0); \
    }                                                                                               \
    /* LSTM over x [batch, steps, features], weights and bias as stored above; scratch: int16,      \
       6 * units (+ features for i8 inputs). */                                                     \
    static inline void qtc_lstm_##SX##_##SW(                                                        \
        const QTC_T_##SX *x, const QTC_RNN_W_##SW *kernel, const QTC_RNN_W_##SW *recurrent_kernel,  \
        const QTC_BIAS_##SX *bias, QTC_T_##SX *y, int16_t *scratch, const qtc_recurrent *p) {       \
        const int u = p->units, f = p->features, columns = 4 * u;                                   \
        int16_t *pre = scratch, *h = scratch + columns, *c = h + u;                                 \
        int n, t, j;                                                                                \
        for (n = 0; n < p->batch; ++n) {                                                            \
            for (j = 0; j < u; ++j) h[j] = c[j] = 0;                                                \
            for (t = 0; t < p->steps; ++t) {                                                        \
                const int16_t *v = qtc_rnn_vector_##SX##_(x + (n * p->steps + t) * f, f,            \
                                                          p->input_rescale->input_zero_point,       \
                                                          c + u);                                   \
                qtc_rnn_project_##SW##_(v, f, kernel, columns, bias, 0, p->input_rescale,           \
                                        p->input_gates, 0, pre);                                    \
                qtc_rnn_project_##SW##_(h, u, recurrent_kernel, columns, 0, 0,                      \
                                        p->recurrent_rescale, p->recurrent_gates, 1, pre);          \
                for (j = 0; j < u; ++j) qtc_lstm_unit_(pre, h, c, j, u, p);                         \
                qtc_rnn_store_##SX##_##SW##_(y, h, n, t, p);                                        \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    /* GRU over x [batch, steps, features], weights and bias as stored above; recurrent_bias        \
       [units] (an int64 recurrent accumulator's) with reset_after, else null; scratch: int16,      \
       8 * units (+ features for i8 inputs). */                                                     \
    static inline void qtc_gru_##SX##_##SW(                                                         \
        const QTC_T_##SX *x, const QTC_RNN_W_##SW *kernel, const QTC_RNN_W_##SW *recurrent_kernel,  \
        const QTC_BIAS_##SX *bias, const void *recurrent_bias, QTC_T_##SX *y, int16_t *scratch,     \
        const qtc_recurrent *p) {                                                                   \
        const int u = p->units, f = p->features, columns = 3 * u;                                   \
        const QTC_RNN_W_##SW *candidate_kernel = recurrent_kernel + qtc_rnn_block_##SW##_(u, 2 * u); \
        const qtc_requant *rec = p->recurrent_rescale;                                              \
        const int32_t *gates = p->recurrent_gates;                                                  \
        int16_t *gx = scratch, *gh = gx + columns, *h = gh + columns, *rh = h + u;                  \
        int n, t, j;                                                                                \
        for (n = 0; n < p->batch; ++n) {                                                            \
            for (j = 0; j < u; ++j) h[j] = 0;                                                       \
            for (t = 0; t < p->steps; ++t) {                                                        \
                const int16_t *v = qtc_rnn_vector_##SX##_(x + (n * p->steps + t) * f, f,           \
                                                          p->input_rescale->input_zero_point,       \
                                                          rh + u);                                  \
                qtc_rnn_project_##SW##_(v, f, kernel, columns, bias, 0, p->input_rescale,           \
                                        p->input_gates, 0, gx);                                     \
                qtc_rnn_project_##SW##_(h, u, recurrent_kernel, 2 * u, 0, 0, rec, gates, 0, gh);    \
                if (p->reset_after) {                                                               \
                    qtc_rnn_project_##SW##_(h, u, candidate_kernel, u, recurrent_bias, 2 * u, rec,  \
                                            gates, 0, gh + 2 * u);                                  \
                } else { /* the candidate's projection of r * h */                                  \
                    for (j = 0; j < u; ++j)                                                         \
                        rh[j] = (int16_t)qtc_rnn_q15_(                                              \
                            qtc_rnn_lookup_(gx[u + j], gh[u + j], p->gate_table) * h[j]);           \
                    qtc_rnn_project_##SW##_(rh, u, candidate_kernel, u, 0, 2 * u, rec, gates, 0,    \
                                            gh + 2 * u);                                            \
                }                                                                                   \
                for (j = 0; j < u; ++j) qtc_gru_unit_(gx, gh, h, j, u, p);                          \
                qtc_rnn_store_##SX##_##SW##_(y, h, n, t, p);                                        \
            }                                                                                       \
        }                                                                                           \
    }

QTC_DEFINE_RECURRENT(i8, i8)
QTC_DEFINE_RECURRENT(i16, i8)
QTC_DEFINE_RECURRENT(i16, i16)

#endif /* QTC_RECURRENT_H */
