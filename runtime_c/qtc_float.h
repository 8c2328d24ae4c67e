/* qtc float32 kernels: what the C that qtc generates for a float model calls.
 *
 * C99, <stdint.h> and <math.h> only; every function is static inline, so a model pulls in
 * just the kernels it uses. No allocation, recursion, VLAs or globals: the caller owns every
 * buffer (the recurrent kernels take a scratch area). Sizes are int.
 *
 * Layouts follow qtc.dialects.shapes: activations channels-last and row-major ([n, h, w, c],
 * 1-d ops [n, 1, w, c]); kernels in Keras layout ([kh, kw, c, f], dense [in, out]). A bias
 * pointer may be NULL (a layer without bias). Outputs never alias inputs unless a comment says
 * so. tests/test_runtime_float.py checks every kernel against numpy and Keras 3 under ASan/UBSan.
 */
#ifndef QTC_FLOAT_H
#define QTC_FLOAT_H

#include <math.h>
#include <stdint.h>

#include "qtc_common.h"

/* Fused activation clamp codes */
enum { QTC_ACT_NONE = 0, QTC_ACT_RELU = 1, QTC_ACT_RELU6 = 2 };
/* Recurrent activation codes (Keras names) */
enum { QTC_RACT_LINEAR = 0, QTC_RACT_RELU = 1, QTC_RACT_TANH = 2, QTC_RACT_SIGMOID = 3, QTC_RACT_HARD_SIGMOID = 4 };


/* ---- scalar helpers ---------------------------------------------------------------------- */

/* v after the fused activation `act` (QTC_ACT_*). */
static inline float qtc_act_f32(float v, int act) {
    if (act == QTC_ACT_RELU) return v > 0.0f ? v : 0.0f;
    if (act == QTC_ACT_RELU6) return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    return v;
}

/* Logistic sigmoid 1/(1+exp(-v)); exp is only taken of -|v|, so it never overflows. */
static inline float qtc_sigmoid1_f32(float v) {
    if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
    {
        const float e = expf(v);
        return e / (1.0f + e);
    }
}

/* v after the recurrent activation `code` (QTC_RACT_*); hard_sigmoid is Keras 3's relu6(v + 3) / 6. */
static inline float qtc_ract_f32(float v, int code) {
    switch (code) {
    case QTC_RACT_RELU: return v > 0.0f ? v : 0.0f;
    case QTC_RACT_TANH: return tanhf(v);
    case QTC_RACT_SIGMOID: return qtc_sigmoid1_f32(v);
    case QTC_RACT_HARD_SIGMOID: return qtc_act_f32(v + 3.0f, QTC_ACT_RELU6) / 6.0f;
    default: return v;
    }
}

/* ---- internal vector helpers ------------------------------------------------------------- */

/* y[0..count) = b[0..count), or zeros when b is NULL. */
static inline void qtc_bias_init_f32_(float *y, const float *b, int count) {
    int i;
    for (i = 0; i < count; ++i) y[i] = b ? b[i] : 0.0f;
}

/* acc[j] += sum_i v[i] * m[i*ld + j] for j < cols, i < rows (row-vector times a row-major matrix
   whose rows are ld apart; walks m row by row). */
static inline void qtc_matvec_acc_f32_(const float *v, const float *m, float *acc, int rows, int cols, int ld) {
    int i, j;
    for (i = 0; i < rows; ++i) {
        const float vi = v[i];
        const float *row = m + i * ld;
        for (j = 0; j < cols; ++j) acc[j] += vi * row[j];
    }
}

/* Taps [*lo, *hi) of a window of k taps spaced d apart, starting at input index `base`
   (negative inside the leading padding), that fall inside [0, size). */
static inline void qtc_tap_range_(int base, int size, int k, int d, int *lo, int *hi) {
    int a = 0, b = k;
    if (base < 0) a = (-base + d - 1) / d;
    if (base + (k - 1) * d >= size) b = base >= size ? 0 : (size - 1 - base) / d + 1;
    *lo = a;
    *hi = b > a ? b : a;
}

/* The valid taps of one output position of a window op. */
typedef struct {
    int y0, x0;           /* input row/column of tap (0, 0), possibly in the padding */
    int ky0, ky1, kx0, kx1; /* taps inside the input: [ky0, ky1) x [kx0, kx1) */
} qtc_taps_;

/* The taps of output position (oy, ox) of g. */
static inline qtc_taps_ qtc_taps_at_(const qtc_window *g, int oy, int ox) {
    qtc_taps_ t;
    t.y0 = oy * g->sh - g->pad_top;
    t.x0 = ox * g->sw - g->pad_left;
    qtc_tap_range_(t.y0, g->h, g->kh, g->dh, &t.ky0, &t.ky1);
    qtc_tap_range_(t.x0, g->w, g->kw, g->dw, &t.kx0, &t.kx1);
    return t;
}

/* Pointer to the c channels of input tap (ky, kx) of image ni (the tap must be valid). */
static inline const float *qtc_tap_ptr_(const float *x, const qtc_window *g, const qtc_taps_ *t, int ni, int ky, int kx) {
    return x + ((ni * g->h + t->y0 + ky * g->dh) * g->w + t->x0 + kx * g->dw) * g->c;
}

/* Convolution (depthwise = 0) or depthwise convolution (depthwise = 1) over g. For tap k and input
   channel ci the weights w[(k*c + ci)*f + m] feed output channel m (convolution) or ci*f + m
   (depthwise), so both share one loop with a y stride of 0 or f per input channel. */
static inline void qtc_conv_core_f32_(const float *x, const float *w, const float *b, float *y,
                                      const qtc_window *g, int act, int depthwise) {
    const int c = g->c, f = g->f;
    const int yc = depthwise ? c * f : f;
    const int ystride = depthwise ? f : 0;
    int ni, oy, ox, ky, kx, ci, m;
    for (ni = 0; ni < g->n; ++ni) {
        for (oy = 0; oy < g->oh; ++oy) {
            for (ox = 0; ox < g->ow; ++ox) {
                const qtc_taps_ t = qtc_taps_at_(g, oy, ox);
                float *yp = y + ((ni * g->oh + oy) * g->ow + ox) * yc;
                qtc_bias_init_f32_(yp, b, yc);
                for (ky = t.ky0; ky < t.ky1; ++ky) {
                    for (kx = t.kx0; kx < t.kx1; ++kx) {
                        const float *xp = qtc_tap_ptr_(x, g, &t, ni, ky, kx);
                        const float *wp = w + (ky * g->kw + kx) * c * f;
                        for (ci = 0; ci < c; ++ci) {
                            const float xv = xp[ci];
                            float *yq = yp + ci * ystride;
                            for (m = 0; m < f; ++m) yq[m] += xv * wp[ci * f + m];
                        }
                    }
                }
                for (m = 0; m < yc; ++m) yp[m] = qtc_act_f32(yp[m], act);
            }
        }
    }
}

/* Max (is_max = 1) or average (is_max = 0) pooling over g: the first valid tap initialises y, the
   others are folded in; the average divides by the number of valid taps. A window without valid
   taps (impossible with the TF "same" rule) gives 0. */
static inline void qtc_pool_core_f32_(const float *x, float *y, const qtc_window *g, int is_max) {
    const int c = g->c;
    int ni, oy, ox, ky, kx, ch;
    for (ni = 0; ni < g->n; ++ni) {
        for (oy = 0; oy < g->oh; ++oy) {
            for (ox = 0; ox < g->ow; ++ox) {
                const qtc_taps_ t = qtc_taps_at_(g, oy, ox);
                const int count = (t.ky1 - t.ky0) * (t.kx1 - t.kx0);
                float *yp = y + ((ni * g->oh + oy) * g->ow + ox) * c;
                for (ch = 0; ch < c; ++ch) yp[ch] = 0.0f;
                for (ky = t.ky0; ky < t.ky1; ++ky) {
                    for (kx = t.kx0; kx < t.kx1; ++kx) {
                        const float *xp = qtc_tap_ptr_(x, g, &t, ni, ky, kx);
                        const int first = ky == t.ky0 && kx == t.kx0;
                        for (ch = 0; ch < c; ++ch) {
                            const float v = xp[ch];
                            yp[ch] = first ? v : is_max ? (v > yp[ch] ? v : yp[ch]) : yp[ch] + v;
                        }
                    }
                }
                if (!is_max && count > 0)
                    for (ch = 0; ch < c; ++ch) yp[ch] /= (float)count;
            }
        }
    }
}

/* ---- kernels ----------------------------------------------------------------------------- */

/* Dense: y[r, o] = act(b[o] + sum_i x[r, i] * w[i, o]); w is [in, out]. */
static inline void qtc_dense_f32(const float *x, const float *w, const float *b, float *y, int rows, int in, int out, int act) {
    int r, o;
    for (r = 0; r < rows; ++r) {
        float *yr = y + r * out;
        qtc_bias_init_f32_(yr, b, out);
        qtc_matvec_acc_f32_(x + r * in, w, yr, in, out, out);
        for (o = 0; o < out; ++o) yr[o] = qtc_act_f32(yr[o], act);
    }
}

/* 2-d (or 1-d) convolution, w [kh, kw, c, f], b [f]; padded taps contribute nothing. */
static inline void qtc_conv2d_f32(const float *x, const float *w, const float *b, float *y, const qtc_window *g, int act) {
    qtc_conv_core_f32_(x, w, b, y, g, act, 0);
}

/* Depthwise convolution, w [kh, kw, c, f(multiplier)], b [c*f]; y channel ci*f + m. */
static inline void qtc_depthwise_conv2d_f32(const float *x, const float *w, const float *b, float *y, const qtc_window *g, int act) {
    qtc_conv_core_f32_(x, w, b, y, g, act, 1);
}

/* Max pooling; padded taps never win. */
static inline void qtc_max_pool2d_f32(const float *x, float *y, const qtc_window *g) {
    qtc_pool_core_f32_(x, y, g, 1);
}

/* Average pooling: mean over the taps inside the input (Keras / TF "same" semantics). */
static inline void qtc_avg_pool2d_f32(const float *x, float *y, const qtc_window *g) {
    qtc_pool_core_f32_(x, y, g, 0);
}

/* The window of a global pool: x [n, spatial, c] seen as [n, 1, spatial, c] pooled by [1, spatial]. */
static inline qtc_window qtc_global_window_(int n, int spatial, int c) {
    qtc_window g;
    g.n = n; g.h = 1; g.w = spatial; g.c = c;
    g.kh = 1; g.kw = spatial; g.sh = 1; g.sw = 1; g.dh = 1; g.dw = 1;
    g.pad_top = 0; g.pad_left = 0;
    g.oh = 1; g.ow = 1; g.f = 1;
    return g;
}

/* Global average pooling: x [n, spatial, c] -> y [n, c]. */
static inline void qtc_global_avg_pool_f32(const float *x, float *y, int n, int spatial, int c) {
    const qtc_window g = qtc_global_window_(n, spatial, c);
    qtc_pool_core_f32_(x, y, &g, 0);
}

/* Global max pooling: x [n, spatial, c] -> y [n, c]. */
static inline void qtc_global_max_pool_f32(const float *x, float *y, int n, int spatial, int c) {
    const qtc_window g = qtc_global_window_(n, spatial, c);
    qtc_pool_core_f32_(x, y, &g, 1);
}

/* y = act(a + b), elementwise (same shapes; y may alias a or b). */
static inline void qtc_add_f32(const float *a, const float *b, float *y, int count, int act) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_act_f32(a[i] + b[i], act);
}

/* y = act(a - b), elementwise (y may alias a or b). */
static inline void qtc_sub_f32(const float *a, const float *b, float *y, int count, int act) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_act_f32(a[i] - b[i], act);
}

/* y = act(a * b), elementwise (y may alias a or b). */
static inline void qtc_mul_f32(const float *a, const float *b, float *y, int count, int act) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_act_f32(a[i] * b[i], act);
}

/* y = max(x, 0) (y may alias x). */
static inline void qtc_relu_f32(const float *x, float *y, int count) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_act_f32(x[i], QTC_ACT_RELU);
}

/* y = min(max(x, 0), 6) (y may alias x). */
static inline void qtc_relu6_f32(const float *x, float *y, int count) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_act_f32(x[i], QTC_ACT_RELU6);
}

/* y = tanh(x) (y may alias x). */
static inline void qtc_tanh_f32(const float *x, float *y, int count) {
    int i;
    for (i = 0; i < count; ++i) y[i] = tanhf(x[i]);
}

/* y = 1/(1+exp(-x)), no overflow for large |x| (y may alias x). */
static inline void qtc_sigmoid_f32(const float *x, float *y, int count) {
    int i;
    for (i = 0; i < count; ++i) y[i] = qtc_sigmoid1_f32(x[i]);
}

/* Softmax over the middle axis of [outer, n, inner], the maximum subtracted first. Each
   (outer, inner) column is finished before the next, so y may alias x. */
static inline void qtc_softmax_f32(const float *x, float *y, int outer, int n, int inner) {
    int o, k, j;
    if (n <= 0) return;
    for (o = 0; o < outer; ++o) {
        for (k = 0; k < inner; ++k) {
            const float *xc = x + o * n * inner + k;
            float *yc = y + o * n * inner + k;
            float mx = xc[0], sum = 0.0f;
            for (j = 1; j < n; ++j) mx = xc[j * inner] > mx ? xc[j * inner] : mx;
            for (j = 0; j < n; ++j) {
                yc[j * inner] = expf(xc[j * inner] - mx);
                sum += yc[j * inner];
            }
            for (j = 0; j < n; ++j) yc[j * inner] /= sum;
        }
    }
}

/* y = x*scale[ch] + shift[ch] over [outer, c, inner] (batch-norm folded by the compiler; y may alias x). */
static inline void qtc_scale_shift_f32(const float *x, const float *scale, const float *shift, float *y, int outer, int c, int inner) {
    int o, ch, k;
    for (o = 0; o < outer; ++o) {
        for (ch = 0; ch < c; ++ch) {
            const int base = (o * c + ch) * inner;
            for (k = 0; k < inner; ++k) y[base + k] = x[base + k] * scale[ch] + shift[ch];
        }
    }
}

/* y = x (a recurrent state into the output). x == y is a no-op; otherwise no overlap. */
static inline void qtc_copy_f32(const float *x, float *y, int count) {
    int i;
    if (x == y) return;
    for (i = 0; i < count; ++i) y[i] = x[i];
}

/* Constant padding of a rank-4 x (shape[0..3]; lower ranks padded with leading 1s by the caller):
   pads[2*i], pads[2*i+1] (>= 0) are the values before/after axis i; y is written in order. */
static inline void qtc_pad4_f32(const float *x, float *y, const int *shape, const int *pads, float value) {
    int o[4], a, b, c, d;
    for (a = 0; a < 4; ++a) o[a] = shape[a] + pads[2 * a] + pads[2 * a + 1];
    for (a = 0; a < o[0]; ++a) {
        const int i0 = a - pads[0];
        for (b = 0; b < o[1]; ++b) {
            const int i1 = b - pads[2];
            for (c = 0; c < o[2]; ++c) {
                const int i2 = c - pads[4];
                const int inside = i0 >= 0 && i0 < shape[0] && i1 >= 0 && i1 < shape[1] && i2 >= 0 && i2 < shape[2];
                const float *row = inside ? x + ((i0 * shape[1] + i1) * shape[2] + i2) * shape[3] : 0;
                for (d = 0; d < o[3]; ++d) {
                    const int i3 = d - pads[6];
                    *y++ = row && i3 >= 0 && i3 < shape[3] ? row[i3] : value;
                }
            }
        }
    }
}

/* Keras 3 LSTM, gate order i, f, c, o: z = x K + h R + b; c' = f*c + i*act(z_c); h' = o*act(c'),
   with i, f, o = rec_act(z_*). kernel [in, 4u], recurrent [u, 4u], bias [4u]; zero initial state.
   y [batch, steps, u] if return_sequences else [batch, u]; scratch >= 6*units floats
   (h, c, gate pre-activations). y is written only with finished states. */
static inline void qtc_lstm_f32(const float *x, const float *kernel, const float *recurrent, const float *bias, float *y,
                                float *scratch, int batch, int steps, int in, int units, int return_sequences, int act, int rec_act) {
    const int g4 = 4 * units;
    float *h = scratch, *cs = scratch + units, *z = scratch + 2 * units;
    int bi, t, j;
    for (bi = 0; bi < batch; ++bi) {
        qtc_bias_init_f32_(h, 0, 2 * units); /* h = c = 0 */
        for (t = 0; t < steps; ++t) {
            qtc_bias_init_f32_(z, bias, g4);
            qtc_matvec_acc_f32_(x + (bi * steps + t) * in, kernel, z, in, g4, g4);
            qtc_matvec_acc_f32_(h, recurrent, z, units, g4, g4);
            for (j = 0; j < units; ++j) {
                const float ig = qtc_ract_f32(z[j], rec_act);
                const float fg = qtc_ract_f32(z[units + j], rec_act);
                const float cg = qtc_ract_f32(z[2 * units + j], act);
                const float og = qtc_ract_f32(z[3 * units + j], rec_act);
                cs[j] = fg * cs[j] + ig * cg;
                h[j] = og * qtc_ract_f32(cs[j], act);
            }
            if (return_sequences) qtc_copy_f32(h, y + (bi * steps + t) * units, units);
        }
        if (!return_sequences) qtc_copy_f32(h, y + bi * units, units);
    }
}

/* Keras 3 GRU, gate order z, r, h; bias [2, 3u] (row 0 input, row 1 recurrent) when reset_after
   else [3u]. z, r = rec_act(x K + b_in + h R (+ b_rec)); h' = z*h + (1-z)*hh with
   reset_after: hh = act(x_h + r*(h R_h + b_rec_h)); else hh = act(x_h + (r*h) R_h).
   y as for the LSTM; scratch >= 8*units floats (h, input and recurrent projections, r*h). */
static inline void qtc_gru_f32(const float *x, const float *kernel, const float *recurrent, const float *bias, float *y,
                               float *scratch, int batch, int steps, int in, int units, int return_sequences, int reset_after,
                               int act, int rec_act) {
    const int g3 = 3 * units;
    const float *b_rec = bias && reset_after ? bias + g3 : 0;
    float *h = scratch, *xp = scratch + units, *hp = scratch + 4 * units, *rh = scratch + 7 * units;
    int bi, t, j;
    for (bi = 0; bi < batch; ++bi) {
        qtc_bias_init_f32_(h, 0, units);
        for (t = 0; t < steps; ++t) {
            qtc_bias_init_f32_(xp, bias, g3);
            qtc_matvec_acc_f32_(x + (bi * steps + t) * in, kernel, xp, in, g3, g3);
            qtc_bias_init_f32_(hp, b_rec, g3);
            qtc_matvec_acc_f32_(h, recurrent, hp, units, reset_after ? g3 : 2 * units, g3);
            for (j = 0; j < units; ++j) {
                const float r = qtc_ract_f32(xp[units + j] + hp[units + j], rec_act);
                hp[j] = qtc_ract_f32(xp[j] + hp[j], rec_act); /* z */
                if (reset_after) hp[2 * units + j] = qtc_ract_f32(xp[2 * units + j] + r * hp[2 * units + j], act);
                else rh[j] = r * h[j];
            }
            if (!reset_after) {
                qtc_matvec_acc_f32_(rh, recurrent + 2 * units, hp + 2 * units, units, units, g3);
                for (j = 0; j < units; ++j) hp[2 * units + j] = qtc_ract_f32(xp[2 * units + j] + hp[2 * units + j], act);
            }
            for (j = 0; j < units; ++j) h[j] = hp[j] * h[j] + (1.0f - hp[j]) * hp[2 * units + j];
            if (return_sequences) qtc_copy_f32(h, y + (bi * steps + t) * units, units);
        }
        if (!return_sequences) qtc_copy_f32(h, y + bi * units, units);
    }
}

/* Model boundary of an integer model built with float I/O: q = clamp(roundf(x / scale) + zero)
   in float32, as TFLite's AffineQuantize (roundf: halves away from zero). */
#define QTC_DEFINE_QUANTIZE(NAME, T, QMIN, QMAX)                                              \
    static inline void NAME(const float *x, T *y, int count, float scale, int zero) {         \
        int i;                                                                                 \
        for (i = 0; i < count; ++i) {                                                          \
            float r = roundf(x[i] / scale);                                                    \
            float lo = (float)((QMIN) - zero), hi = (float)((QMAX) - zero);                    \
            r = r < lo ? lo : (r > hi ? hi : r);                                               \
            y[i] = (T)((int)r + zero);                                                         \
        }                                                                                      \
    }                                                                                          \
    static inline void NAME##_inverse(const T *q, float *y, int count, float scale, int zero) { \
        int i;                                                                                 \
        for (i = 0; i < count; ++i) y[i] = (float)((int)q[i] - zero) * scale;                  \
    }
QTC_DEFINE_QUANTIZE(qtc_quantize_i8, int8_t, -128, 127)
QTC_DEFINE_QUANTIZE(qtc_quantize_i16, int16_t, -32768, 32767)

#endif /* QTC_FLOAT_H */
