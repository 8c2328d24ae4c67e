/* qtc signal pre-processing kernels: per-channel normalisation and the spectrum of a window.
 *
 * Integer section (compiled when qtc_int.h was included first): C99, integer arithmetic only,
 * the rules of qtc_int.h (static inline, no allocation, recursion, VLAs or globals; tables and
 * scratch come from the caller).
 * Each kernel computes exactly what qtc.dialects.qnn_interpreter computes for qnn.normalize and
 * qnn.spectrum (the arithmetic is qtc.dialects.dsp's; tests/test_preprocess.py compares them
 * bit for bit under ASan/UBSan).
 *
 * Integer FFT (quantization.md 7.5, arm_rfft_q15 style): a real FFT of `size` points is a
 * radix-2 complex FFT of size/2 points on z[n] = x[2n] + i x[2n+1] plus a split step. Data are
 * int32 of magnitude below 2^16 (|z| <= 32768 * sqrt(2) + a few LSB), twiddles Q15, so every
 * product and every sum of two products fits int32 (|b| |w| < 46350 * 32768 < 2^31). Every
 * butterfly halves its outputs and the split halves twice: re/im = DFT / size, at most 32768
 * plus rounding in magnitude, so re^2 + im^2 fits uint32.
 *
 * Float section: compiled only when qtc_float.h was included first (float builds), so an
 * integer build of this header names no float type. The generated C includes the integer and
 * float headers it needs before this one.
 *
 * Layouts: a window is [batch, length, channels]; a spectrum [batch, bins, channels].
 */
#ifndef QTC_DSP_H
#define QTC_DSP_H

#include <stdint.h>

#include "qtc_common.h"

/* ---- shared helpers -------------------------------------------------------------------------- */

/* i with its lowest `bits` bits reversed. */
static inline int qtc_bit_reverse_(int i, int bits) {
    int r = 0, b;
    for (b = 0; b < bits; ++b) {
        r = (r << 1) | (i & 1);
        i >>= 1;
    }
    return r;
}

/* log2(n) of a power of two. */
static inline int qtc_log2_int_(int n) {
    int bits = 0;
    while ((1 << bits) < n) ++bits;
    return bits;
}

#ifdef QTC_INT_H

/* ---- integer: normalisation ------------------------------------------------------------------ */

/* y[r, c] = requant(x[r, c] * 2^left_shift - offset[c]) (qnn.normalize); the difference fits
   int32 (checked by the verifier), p->multiplier is per channel or per tensor. */
#define QTC_DEFINE_NORMALIZE(SX, SY)                                                                \
    static inline void qtc_normalize_##SX##_##SY(const QTC_T_##SX *x, QTC_T_##SY *y, int rows,      \
                                                 int channels, const int32_t *offset,               \
                                                 int left_shift, const qtc_requant *p) {            \
        int r, c;                                                                                   \
        for (r = 0; r < rows; ++r)                                                                  \
            for (c = 0; c < channels; ++c, ++x, ++y)                                                \
                *y = (QTC_T_##SY)qtc_requant_(                                                      \
                    p, (int64_t)*x * ((int64_t)1 << left_shift) - offset[c], c);                    \
    }

QTC_DEFINE_NORMALIZE(i8, i8)
QTC_DEFINE_NORMALIZE(i8, i16)
QTC_DEFINE_NORMALIZE(i16, i8)
QTC_DEFINE_NORMALIZE(i16, i16)

/* ---- integer: FFT primitives ----------------------------------------------------------------- */

/* (v + 2^14) >> 15: a Q15 product back to the data's scale, ties toward +inf. */
static inline int32_t qtc_round_q15_(int32_t v) { return (v + ((int32_t)1 << 14)) >> 15; }

/* (v + 1) >> 1: half, ties toward +inf. */
static inline int32_t qtc_halve_(int32_t v) { return (v + 1) >> 1; }

/* In-place radix-2 decimation-in-time stages over z (half complex values, interleaved re, im,
   loaded in bit-reversed order); twiddle W_span^j = cos[j size/span] - i sin[j size/span]. */
static inline void qtc_fft_stages_q15_(int32_t *z, int half, int size, const int16_t *cos_q15,
                                       const int16_t *sin_q15) {
    int span, g, j;
    for (span = 2; span <= half; span *= 2) {
        const int step = size / span, h = span / 2;
        for (g = 0; g < half; g += span) {
            for (j = 0; j < h; ++j) {
                int32_t *a = z + 2 * (g + j), *b = z + 2 * (g + j + h);
                const int32_t c = cos_q15[j * step], s = sin_q15[j * step];
                const int32_t tr = qtc_round_q15_(b[0] * c + b[1] * s);
                const int32_t ti = qtc_round_q15_(b[1] * c - b[0] * s);
                const int32_t ar = a[0], ai = a[1];
                a[0] = qtc_halve_(ar + tr);
                a[1] = qtc_halve_(ai + ti);
                b[0] = qtc_halve_(ar - tr);
                b[1] = qtc_halve_(ai - ti);
            }
        }
    }
}

/* Bin k (0 <= k <= half) of the real FFT from the complex FFT z of the even/odd samples:
   X[k] / size = ((A + B) / 2 + W_size^k (-i) (A - B) / 2) / 2, A = Z[k], B = conj(Z[half - k]). */
static inline void qtc_rfft_bin_q15_(const int32_t *z, int half, int k, const int16_t *cos_q15,
                                     const int16_t *sin_q15, int32_t *re, int32_t *im) {
    const int ka = k % half, kb = (half - k) % half;
    const int32_t ar = z[2 * ka], ai = z[2 * ka + 1], br = z[2 * kb], bi = -z[2 * kb + 1];
    const int32_t er = qtc_halve_(ar + br), ei = qtc_halve_(ai + bi);
    const int32_t ur = qtc_halve_(ai - bi), ui = -qtc_halve_(ar - br);
    const int32_t c = cos_q15[k], s = sin_q15[k];
    const int32_t pr = qtc_round_q15_(ur * c + ui * s);
    const int32_t pi = qtc_round_q15_(ui * c - ur * s);
    *re = qtc_halve_(er + pr);
    *im = qtc_halve_(ei + pi);
}

/* round(sqrt(v)): the bitwise integer square root, rounded up when v - r^2 > r. */
static inline int32_t qtc_isqrt_rounded_u32(uint32_t v) {
    uint32_t r = 0, rest = v, bit = (uint32_t)1 << 30;
    while (bit > v) bit >>= 2;
    while (bit != 0) {
        if (rest >= r + bit) {
            rest -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return (int32_t)(r + (rest > r ? 1u : 0u));
}

/* log2(v) * 2^16 for 1 <= v < 2^63: the exponent plus the linearly interpolated table
   (257 entries, table[i] = round(log2(1 + i/256) * 2^16)) of the 16 bits after the leading 1. */
static inline int32_t qtc_log2_q16(int64_t v, const int32_t *table) {
    const uint64_t u = (uint64_t)v;
    uint64_t t = u;
    int e = 0;
    uint32_t fraction;
    int32_t lo, hi, index, rest;
    while (t >>= 1) ++e;
    fraction = (uint32_t)((e >= 16 ? u >> (e - 16) : u << (16 - e)) & 0xFFFFu);
    index = (int32_t)(fraction >> 8);
    rest = (int32_t)(fraction & 0xFFu);
    lo = table[index];
    hi = table[index + 1];
    return e * 65536 + lo + (((hi - lo) * rest + 128) >> 8);
}

/* ---- integer: spectrum ----------------------------------------------------------------------- */

/* Geometry and tables of qnn.spectrum. */
typedef struct {
    int batch, length, channels; /* the window x [batch, length, channels] */
    int size;                    /* FFT size: 32 ... 512 */
    const int16_t *cos_q15;      /* cos(2 pi k / size) in Q15, k = 0 ... size/2 */
    const int16_t *sin_q15;      /* sin, the same */
    const int16_t *window;       /* Q15, min(length, size) entries, or NULL */
    const int16_t *mel;          /* Q15 filterbank [size/2 + 1, bins], or NULL */
    int bins;                    /* result bins: the mel bins, else size/2 + 1 */
    int log_power;               /* 0: magnitude, 1: log2 of the power (plus log_offset) */
    const int32_t *log2_table;   /* 257 entries (log_power only) */
    int64_t log_floor;           /* added to the power before the log */
    int32_t log_offset;          /* added to the Q16 log2 */
} qtc_spectrum;

/* The spectrum of one channel before the rescale: values[bins] (magnitude, or Q16 log2 +
   offset); fft is scratch of `size` int32, power of size/2 + 1 int64. */
static inline void qtc_spectrum_channel_(const int16_t *x, int64_t *values, int32_t *fft,
                                         int64_t *power, const qtc_spectrum *p) {
    const int half = p->size / 2, used = p->length < p->size ? p->length : p->size;
    const int bits = qtc_log2_int_(half), start = p->length - used;
    int n, k, m;
    for (n = 0; n < p->size; ++n) {
        int32_t v = n < used ? (int32_t)x[(start + n) * p->channels] : 0;
        if (p->window && n < used) v = qtc_round_q15_(v * p->window[n]);
        fft[2 * qtc_bit_reverse_(n / 2, bits) + (n & 1)] = v;
    }
    qtc_fft_stages_q15_(fft, half, p->size, p->cos_q15, p->sin_q15);
    for (k = 0; k <= half; ++k) {
        int32_t re, im;
        uint32_t squares;
        qtc_rfft_bin_q15_(fft, half, k, p->cos_q15, p->sin_q15, &re, &im);
        squares = (uint32_t)(re * re) + (uint32_t)(im * im);
        power[k] = p->log_power ? (int64_t)squares : (int64_t)qtc_isqrt_rounded_u32(squares);
    }
    for (m = 0; m < p->bins; ++m) {
        int64_t v = power[m];
        if (p->mel) {
            int64_t acc = 0;
            for (k = 0; k <= half; ++k) acc += (int64_t)p->mel[k * p->bins + m] * power[k];
            v = (acc + ((int64_t)1 << 14)) >> 15;
        }
        if (p->log_power) v = (int64_t)qtc_log2_q16(v + p->log_floor, p->log2_table) + p->log_offset;
        values[m] = v;
    }
}

/* Scratch of qtc_spectrum_i16_*: int64 elements for the bins' power, the values and the FFT. */
#define QTC_SPECTRUM_SCRATCH(size, bins) ((size) / 2 + 1 + (bins) + (size) / 2)

/* y[b, m, c] = requant(spectrum of channel c of window b)[m] (qnn.spectrum); work holds
   QTC_SPECTRUM_SCRATCH(size, bins) int64: the power of size/2 + 1 bins, the values, then the
   FFT's `size` int32. */
#define QTC_DEFINE_SPECTRUM(SY)                                                                     \
    static inline void qtc_spectrum_i16_##SY(const int16_t *x, QTC_T_##SY *y, int64_t *work,        \
                                             const qtc_spectrum *p, const qtc_requant *r) {         \
        int64_t *values = work + p->size / 2 + 1;                                                   \
        int32_t *fft = (int32_t *)(values + p->bins);                                               \
        int b, c, m;                                                                                \
        for (b = 0; b < p->batch; ++b)                                                              \
            for (c = 0; c < p->channels; ++c) {                                                     \
                qtc_spectrum_channel_(x + b * p->length * p->channels + c, values, fft, work, p);   \
                for (m = 0; m < p->bins; ++m)                                                       \
                    y[(b * p->bins + m) * p->channels + c] = (QTC_T_##SY)qtc_requant_(r, values[m], 0); \
            }                                                                                       \
    }

QTC_DEFINE_SPECTRUM(i8)
QTC_DEFINE_SPECTRUM(i16)

#endif /* QTC_INT_H */

/* ---- float section (float builds: qtc_float.h included first) ------------------------------- */
#ifdef QTC_FLOAT_H

/* Geometry and tables of nn.spectrum in float32. */
typedef struct {
    int batch, length, channels, size;
    const float *cos_f32, *sin_f32; /* cos/sin(2 pi k / size), k < size/2 */
    const float *window;            /* min(length, size) entries, or NULL */
    const float *mel;               /* [size/2 + 1, bins], or NULL */
    int bins;
    int log_power;                  /* 0: |X|, 1: ln(|X|^2 + epsilon) */
    float epsilon;
} qtc_spectrum_f32_params;

/* y[b, m, c]: the spectrum of channel c of window b (nn.spectrum); scratch: 2 size + size/2 + 1
   floats (the complex FFT, then the bins). */
static inline void qtc_spectrum_f32(const float *x, float *y, float *scratch, const qtc_spectrum_f32_params *p) {
    const int size = p->size, half = size / 2, used = p->length < size ? p->length : size;
    const int bits = qtc_log2_int_(size), start = p->length - used;
    float *z = scratch, *bins = scratch + 2 * size;
    int b, c, n, k, m, span, g, j;
    for (b = 0; b < p->batch; ++b) {
        for (c = 0; c < p->channels; ++c) {
            const float *xc = x + b * p->length * p->channels + c;
            for (n = 0; n < size; ++n) {
                float v = n < used ? xc[(start + n) * p->channels] : 0.0f;
                if (p->window && n < used) v *= p->window[n];
                z[2 * qtc_bit_reverse_(n, bits)] = v;
                z[2 * qtc_bit_reverse_(n, bits) + 1] = 0.0f;
            }
            for (span = 2; span <= size; span *= 2) {
                const int h = span / 2, step = size / span;
                for (g = 0; g < size; g += span) {
                    for (j = 0; j < h; ++j) {
                        float *a = z + 2 * (g + j), *d = z + 2 * (g + j + h);
                        const float wc = p->cos_f32[j * step], ws = p->sin_f32[j * step];
                        const float tr = d[0] * wc + d[1] * ws, ti = d[1] * wc - d[0] * ws;
                        const float ar = a[0], ai = a[1];
                        a[0] = ar + tr;
                        a[1] = ai + ti;
                        d[0] = ar - tr;
                        d[1] = ai - ti;
                    }
                }
            }
            for (k = 0; k <= half; ++k) {
                const float power = z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];
                bins[k] = p->log_power ? power : sqrtf(power);
            }
            for (m = 0; m < p->bins; ++m) {
                float v = bins[m];
                if (p->mel) {
                    v = 0.0f;
                    for (k = 0; k <= half; ++k) v += p->mel[k * p->bins + m] * bins[k];
                }
                y[(b * p->bins + m) * p->channels + c] = p->log_power ? logf(v + p->epsilon) : v;
            }
        }
    }
}

#endif /* QTC_FLOAT_H */

#endif /* QTC_DSP_H */
