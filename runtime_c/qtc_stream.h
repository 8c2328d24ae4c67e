/* qtc streaming window: the sliding window of a model compiled with --preprocess.
 *
 * C99, <stdint.h> only, no arithmetic on samples: the generated NAME_enqueue converts one
 * multi-channel sample, stores it with qtc_stream_put, and runs the network on the window at
 * qtc_stream_window when qtc_stream_advance says a hop is complete.
 *
 * The ring holds 2 * length samples: sample slot i is written at i and at i + length, so the
 * newest `length` samples, oldest first, are always contiguous (no copy per window) and the
 * window starts at the slot that the next sample will overwrite.
 */
#ifndef QTC_STREAM_H
#define QTC_STREAM_H

#include <stdint.h>

#include "qtc_common.h"

typedef struct {
    int length; /* samples in a window */
    int hop;    /* new samples between two windows */
    int pos;    /* slot of the next sample, in [0, length) */
    int count;  /* samples seen, up to length */
    int since;  /* samples since the last window (or since the start) */
} qtc_stream;

/* No samples yet. */
static inline void qtc_stream_reset(qtc_stream *s, int length, int hop) {
    s->length = length;
    s->hop = hop;
    s->pos = 0;
    s->count = 0;
    s->since = 0;
}

/* Store one sample of `sample_bytes` bytes in the ring (both copies of the current slot). */
static inline void qtc_stream_put(const qtc_stream *s, void *ring, const void *sample, int sample_bytes) {
    uint8_t *base = (uint8_t *)ring;
    qtc_copy_bytes(base + (long)s->pos * sample_bytes, sample, sample_bytes);
    qtc_copy_bytes(base + (long)(s->pos + s->length) * sample_bytes, sample, sample_bytes);
}

/* Count the stored sample; returns 1 when a window is due: at least `length` samples seen and
   `hop` new ones since the last window. */
static inline int qtc_stream_advance(qtc_stream *s) {
    s->pos = s->pos + 1 == s->length ? 0 : s->pos + 1;
    if (s->count < s->length) ++s->count;
    if (s->since < s->length) ++s->since;
    if (s->count < s->length || s->since < s->hop) return 0;
    s->since = 0;
    return 1;
}

/* The newest `length` samples, oldest first. */
static inline const void *qtc_stream_window(const qtc_stream *s, const void *ring, int sample_bytes) {
    return (const uint8_t *)ring + (long)s->pos * sample_bytes;
}

#endif /* QTC_STREAM_H */
