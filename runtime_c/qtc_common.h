/* qtc_common.h: data movement shared by the float and integer builds (no arithmetic). */
#ifndef QTC_COMMON_H
#define QTC_COMMON_H

#include <stdint.h>

/* Geometry of a 2-d window op on x [n, h, w, c] -> y [n, oh, ow, f]. 1-d ops use h = kh = sh = dh = oh = 1, pad_top = 0.
   For convolution f = output channels; for depthwise f = depth multiplier (y has c*f channels, channel ci*f + m);
   for pooling f is unused (y has c channels). pad_top/pad_left: zero padding before the first row/column (TF "same" rule,
   computed by the caller). QTC_WINDOW_FIELDS lists the fields in initializer order, sizes through
   S and the kernel's (size, stride, dilation, padding) through K: the one list the layer
   descriptors' compact copy (qtc_int.h) is made from. */
#define QTC_WINDOW_FIELDS(S, K) \
    S(n) S(h) S(w) S(c) K(kh) K(kw) K(sh) K(sw) K(dh) K(dw) K(pad_top) K(pad_left) S(oh) S(ow) S(f)
#define QTC_WINDOW_INT_(name) int name;
typedef struct {
    QTC_WINDOW_FIELDS(QTC_WINDOW_INT_, QTC_WINDOW_INT_)
} qtc_window;

/* Copy n bytes; dst and src may be equal (a reshape that kept its buffer). */
static inline void qtc_copy_bytes(void *dst, const void *src, int n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    int i;
    if (d == s) return;
    for (i = 0; i < n; ++i) d[i] = s[i];
}

/* Concatenate along one axis: for each of `outer` rows, chunk_bytes[k] bytes of input k in turn. */
static inline void qtc_concat_bytes(const void *const *inputs, const int *chunk_bytes, int count,
                                    void *dst, int outer)
{
    uint8_t *d = (uint8_t *)dst;
    int row, k, i;
    for (row = 0; row < outer; ++row) {
        for (k = 0; k < count; ++k) {
            const uint8_t *s = (const uint8_t *)inputs[k] + (long)row * chunk_bytes[k];
            for (i = 0; i < chunk_bytes[k]; ++i) *d++ = s[i];
        }
    }
}

#endif /* QTC_COMMON_H */
