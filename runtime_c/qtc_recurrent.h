/* qtc recurrent kernels: the integer LSTM and GRU of qnn.lstm / qnn.gru.
 *
 * C99, integer arithmetic only: no float or double, no allocation, recursion, VLAs or globals;
 * every function is static inline. The conventions of qtc_int.h and qtc_fixedpoint.h hold: no
 * left shift of a negative value, products that could exceed 32 bits are int64, wraps are
 * conversions from unsigned, right shifts of negative values are arithmetic. Each kernel
 * computes exactly what qtc.dialects.qnn_interpreter's lstm_int / gru_int compute
 * (tests/test_recurrent_int.py compares them bit for bit under ASan/UBSan); the recipe is
 * documented on qtc.dialects.qnn's _RecurrentOp, LSTMOp and GRUOp.
 *
 * Layouts: x [batch, steps, features]; Keras kernels [features, G * units] and recurrent
 * kernels [units, G * units] in gate blocks of `units` columns (LSTM i, f, c, o; GRU z, r, h);
 * y [batch, steps, units] (every step) or [batch, units] (the last). Gate pre-activations are
 * int16 Q3.12, gates and the hidden state int16 Q0.15, the LSTM cell int16 at scale
 * 2^cell_scale_power. The state lives in `scratch` (from the arena: 6 * units int16 for an
 * LSTM, 8 * units for a GRU); the kernels loop over time, so neither code nor constants grow
 * with the sequence length.
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
                                             input_zero_point is x's */
    const qtc_requant *recurrent_rescale; /* recurrent projection -> Q3.12; mode
                                             QTC_MBQM_INT64 means an int64 accumulator */
    const qtc_requant *output_rescale;    /* Q0.15 state -> y, clamped to y's range */
    const int16_t *gate_table;            /* recurrent activation: 513 entries in [0, 32767] */
    const int16_t *candidate_table;       /* activation (tanh): 513 entries */
    int cell_scale_power;                 /* LSTM only */
    int reset_after;                      /* GRU only */
} qtc_recurrent;

/* a + b in int64, wrapping (as the reference's int64 sum). */
static inline int64_t qtc_rnn_wrap_add_(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Accumulator types by width, for QTC_DEFINE_RNN_DOT. */
#define QTC_RNN_ACC_32 int32_t
#define QTC_RNN_ACC_64 int64_t

/* sum_k (x[k] - z) * w[k * stride], k < n, in an ACC-bit accumulator (the qnn verifier keeps
   an int32 one exact: at most 65793 i8 input features, 511 units of i8 recurrent weights). */
#define QTC_DEFINE_RNN_DOT(SX, SW, ACC)                                                             \
    static inline int64_t qtc_rnn_dot_##SX##_##SW##_##ACC##_(                                       \
        const QTC_T_##SX *x, int32_t z, const QTC_T_##SW *w, int n, int stride) {                   \
        QTC_RNN_ACC_##ACC acc = 0;                                                                  \
        int k;                                                                                      \
        for (k = 0; k < n; ++k) acc += (QTC_RNN_ACC_##ACC)((int32_t)x[k] - z) * w[k * stride];      \
        return acc;                                                                                 \
    }

QTC_DEFINE_RNN_DOT(i8, i8, 32)   /* input projection, int8 */
QTC_DEFINE_RNN_DOT(i16, i8, 32)  /* recurrent projection with i8 weights */
QTC_DEFINE_RNN_DOT(i16, i8, 64)  /* input projection, 16x8; recurrent one beyond 511 units */
QTC_DEFINE_RNN_DOT(i16, i16, 64) /* input and recurrent projection, int16 */

/* The input projection's dot product of each (input, weights) type pair. */
#define QTC_RNN_INPUT_DOT_i8_i8 qtc_rnn_dot_i8_i8_32_
#define QTC_RNN_INPUT_DOT_i16_i8 qtc_rnn_dot_i16_i8_64_
#define QTC_RNN_INPUT_DOT_i16_i16 qtc_rnn_dot_i16_i16_64_

/* The recurrent projection of one column: the Q0.15 state (or r * h) times i8 weights in the
   accumulator that `mode` names, or times i16 weights (always int64). */
static inline int64_t qtc_rnn_recurrent_dot_i8_(const int16_t *h, const int8_t *w, int n,
                                                int stride, int mode) {
    return mode == QTC_MBQM_INT64 ? qtc_rnn_dot_i16_i8_64_(h, 0, w, n, stride)
                                  : qtc_rnn_dot_i16_i8_32_(h, 0, w, n, stride);
}

static inline int64_t qtc_rnn_recurrent_dot_i16_(const int16_t *h, const int16_t *w, int n,
                                                 int stride, int mode) {
    (void)mode;
    return qtc_rnn_dot_i16_i16_64_(h, 0, w, n, stride);
}

/* Element j of a recurrent bias of the recurrent accumulator's width. */
static inline int64_t qtc_rnn_bias_(const void *bias, int j, int mode) {
    return mode == QTC_MBQM_INT64 ? ((const int64_t *)bias)[j] : ((const int32_t *)bias)[j];
}

/* Gate rescale of column c to int16 Q3.12: acc clamped to +-(2^min(e, 47) - 1), e = 31 - shift
   (int64) or 31 - max(shift, 0) (int32), so the requantizer cannot wrap (a clamped value still
   saturates), then requantized and saturated. */
static inline int32_t qtc_rnn_gate_(const qtc_requant *p, int64_t acc, int c) {
    const int k = p->channels > 1 ? c : 0;
    const int shift = (int)p->shift[k];
    const int e = p->mode == QTC_MBQM_INT64 ? 31 - shift : 31 - (shift > 0 ? shift : 0);
    const int64_t bound = ((int64_t)1 << (e < 47 ? e : 47)) - 1;
    const int64_t a = acc > bound ? bound : (acc < -bound ? -bound : acc);
    return qtc_saturate(qtc_mbqm_mode_(a, p->multiplier[k], shift, p->mode), 16);
}

/* table(sat16(a + b)): a gate or candidate from two Q3.12 parts. */
static inline int32_t qtc_rnn_lookup_(int32_t a, int32_t b, const int16_t *table) {
    return qtc_lut_i16((int16_t)qtc_saturate((int64_t)a + b, 16), table);
}

/* The cell state (scale 2^power) as the tanh table's Q3.12 input. */
static inline int16_t qtc_rnn_cell_q3_12_(int32_t cell, int power) {
    const int shift = power + 12;
    if (shift >= 0) return (int16_t)qtc_saturate((int64_t)cell * ((int64_t)1 << shift), 16);
    return (int16_t)qtc_rdbpot(cell, -shift);
}

/* LSTM unit j from the pre-activations [4 * u]: c' = sat16(RDBPOT(f c, 15) + RDBPOT(i g,
   30 + p)), h' = RDBPOT(o tanh(c'), 15). */
static inline void qtc_lstm_unit_(const int16_t *pre, int16_t *h, int16_t *c, int j, int u,
                                  const qtc_recurrent *p) {
    const int32_t i = qtc_lut_i16(pre[j], p->gate_table);
    const int32_t f = qtc_lut_i16(pre[u + j], p->gate_table);
    const int32_t g = qtc_lut_i16(pre[2 * u + j], p->candidate_table);
    const int32_t o = qtc_lut_i16(pre[3 * u + j], p->gate_table);
    const int power = p->cell_scale_power;
    const int32_t cell =
        qtc_saturate((int64_t)qtc_rdbpot(f * c[j], 15) + qtc_rdbpot(i * g, 30 + power), 16);
    c[j] = (int16_t)cell;
    h[j] = (int16_t)qtc_rdbpot(
        o * qtc_lut_i16(qtc_rnn_cell_q3_12_(cell, power), p->candidate_table), 15);
}

/* GRU unit j from the Q3.12 projections gx, gh [3 * u]: h' = hh + RDBPOT(z (h - hh), 15). */
static inline void qtc_gru_unit_(const int16_t *gx, const int16_t *gh, int16_t *h, int j, int u,
                                 const qtc_recurrent *p) {
    const int32_t z = qtc_rnn_lookup_(gx[j], gh[j], p->gate_table);
    int32_t candidate;
    if (p->reset_after) {
        const int32_t r = qtc_rnn_lookup_(gx[u + j], gh[u + j], p->gate_table);
        candidate = qtc_rnn_lookup_(gx[2 * u + j], qtc_rdbpot(r * gh[2 * u + j], 15),
                                    p->candidate_table);
    } else {
        candidate = qtc_rnn_lookup_(gx[2 * u + j], gh[2 * u + j], p->candidate_table);
    }
    h[j] = (int16_t)(candidate + qtc_rdbpot(z * (h[j] - candidate), 15));
}

/* Kernels of one (input, weights) type pair; the output has the input's type. */
#define QTC_DEFINE_RECURRENT(SX, SW)                                                                \
    /* G_in of column j: the input projection of step xt with its bias, at Q3.12. */                \
    static inline int32_t qtc_rnn_input_##SX##_##SW##_(const QTC_T_##SX *xt,                        \
                                                       const QTC_T_##SW *kernel,                    \
                                                       const QTC_BIAS_##SX *bias, int j,            \
                                                       int columns, const qtc_recurrent *p) {       \
        const int64_t dot = QTC_RNN_INPUT_DOT_##SX##_##SW(                                          \
            xt, p->input_rescale->input_zero_point, kernel + j, p->features, columns);              \
        return qtc_rnn_gate_(p->input_rescale, qtc_rnn_wrap_add_(bias[j], dot), j);                 \
    }                                                                                               \
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
    /* LSTM over x [batch, steps, features]; scratch: 6 * units int16. */                           \
    static inline void qtc_lstm_##SX##_##SW(                                                        \
        const QTC_T_##SX *x, const QTC_T_##SW *kernel, const QTC_T_##SW *recurrent_kernel,          \
        const QTC_BIAS_##SX *bias, QTC_T_##SX *y, int16_t *scratch, const qtc_recurrent *p) {       \
        const int u = p->units, columns = 4 * u, mode = p->recurrent_rescale->mode;                 \
        int16_t *pre = scratch, *h = scratch + columns, *c = h + u;                                 \
        int n, t, j;                                                                                \
        for (n = 0; n < p->batch; ++n) {                                                            \
            for (j = 0; j < u; ++j) h[j] = c[j] = 0;                                                \
            for (t = 0; t < p->steps; ++t) {                                                        \
                const QTC_T_##SX *xt = x + (n * p->steps + t) * p->features;                        \
                for (j = 0; j < columns; ++j) {                                                     \
                    const int64_t acc = qtc_rnn_recurrent_dot_##SW##_(h, recurrent_kernel + j, u,   \
                                                                      columns, mode);               \
                    pre[j] = (int16_t)qtc_saturate(                                                 \
                        (int64_t)qtc_rnn_input_##SX##_##SW##_(xt, kernel, bias, j, columns, p) +    \
                            qtc_rnn_gate_(p->recurrent_rescale, acc, j),                            \
                        16);                                                                        \
                }                                                                                   \
                for (j = 0; j < u; ++j) qtc_lstm_unit_(pre, h, c, j, u, p);                         \
                qtc_rnn_store_##SX##_##SW##_(y, h, n, t, p);                                        \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    /* GRU over x [batch, steps, features]; recurrent_bias [units] (int32 or int64 as the           \
       recurrent accumulator) with reset_after, else null; scratch: 8 * units int16. */             \
    static inline void qtc_gru_##SX##_##SW(                                                         \
        const QTC_T_##SX *x, const QTC_T_##SW *kernel, const QTC_T_##SW *recurrent_kernel,          \
        const QTC_BIAS_##SX *bias, const void *recurrent_bias, QTC_T_##SX *y, int16_t *scratch,     \
        const qtc_recurrent *p) {                                                                   \
        const int u = p->units, columns = 3 * u, mode = p->recurrent_rescale->mode;                 \
        int16_t *gx = scratch, *gh = gx + columns, *h = gh + columns, *rh = h + u;                  \
        int n, t, j;                                                                                \
        for (n = 0; n < p->batch; ++n) {                                                            \
            for (j = 0; j < u; ++j) h[j] = 0;                                                       \
            for (t = 0; t < p->steps; ++t) {                                                        \
                const QTC_T_##SX *xt = x + (n * p->steps + t) * p->features;                        \
                for (j = 0; j < columns; ++j)                                                       \
                    gx[j] = (int16_t)qtc_rnn_input_##SX##_##SW##_(xt, kernel, bias, j, columns, p); \
                for (j = 0; j < (p->reset_after ? columns : 2 * u); ++j) {                          \
                    int64_t acc = qtc_rnn_recurrent_dot_##SW##_(h, recurrent_kernel + j, u,         \
                                                                columns, mode);                     \
                    if (j >= 2 * u)                                                                 \
                        acc = qtc_rnn_wrap_add_(acc, qtc_rnn_bias_(recurrent_bias, j - 2 * u, mode)); \
                    gh[j] = (int16_t)qtc_rnn_gate_(p->recurrent_rescale, acc, j);                   \
                }                                                                                   \
                if (!p->reset_after) { /* the candidate's projection of r * h */                    \
                    for (j = 0; j < u; ++j)                                                         \
                        rh[j] = (int16_t)qtc_rdbpot(                                                \
                            qtc_rnn_lookup_(gx[u + j], gh[u + j], p->gate_table) * h[j], 15);       \
                    for (j = 2 * u; j < columns; ++j)                                               \
                        gh[j] = (int16_t)qtc_rnn_gate_(                                             \
                            p->recurrent_rescale,                                                   \
                            qtc_rnn_recurrent_dot_##SW##_(rh, recurrent_kernel + j, u, columns,     \
                                                          mode),                                    \
                            j);                                                                     \
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
