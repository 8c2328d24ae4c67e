/* qtc_common.h: data movement shared by the float and integer builds (no arithmetic). */
#ifndef QTC_COMMON_H
#define QTC_COMMON_H

#include <stdint.h>

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
