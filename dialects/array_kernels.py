"""Dtype-generic numpy kernels shared by the `nn` (float) and `qnn` (integer) interpreters.

Each kernel computes in the dtype it is given: float64 for the float reference, int64 for
exact integer accumulators (the caller subtracts zero points first, so padding with 0 is the
same as padding with the zero point). Layouts follow `qtc.dialects.shapes`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from qtc.dialects.shapes import window_pads


def pad_spatial(x: np.ndarray, pads: Sequence[tuple[int, int]], value) -> np.ndarray:
    """Pad the spatial axes of a channels-last [N, *S, C] array with `value`."""
    if all(p == (0, 0) for p in pads):
        return x
    return np.pad(x, [(0, 0), *pads, (0, 0)], mode="constant", constant_values=value)


def windows(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: str,
    fill,
) -> np.ndarray:
    """All windows of a channels-last array: shape [N, *O, C, *K] (a view where possible)."""
    rank = len(kernel)
    pads = window_pads(x.shape[1 : 1 + rank], kernel, strides, dilations, padding)
    xp = pad_spatial(x, pads, fill)
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilations)]
    view = sliding_window_view(xp, effective, axis=tuple(range(1, 1 + rank)))
    index = (
        (slice(None),)
        + tuple(slice(None, None, s) for s in strides)
        + (slice(None),)
        + tuple(slice(None, None, d) for d in dilations)
    )
    return view[index]


def valid_counts(
    sizes: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    padding: str,
) -> np.ndarray:
    """Per output position, how many window taps fall inside the input (average pooling)."""
    ones = np.ones((1, *sizes, 1), dtype=np.int64)
    taps = windows(ones, kernel, strides, [1] * len(kernel), padding, 0)
    return taps.sum(axis=tuple(range(-len(kernel), 0)))[0, ..., 0]


def conv(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: str,
) -> np.ndarray:
    """Convolution: x [N, *S, C], w [*K, C, F] -> [N, *O, F], zero padded, in x's dtype."""
    rank = w.ndim - 2
    win = windows(x, w.shape[:rank], strides, dilations, padding, 0)
    # win: [N, *O, C, *K]; contract C and K against w's [*K, C].
    w_axes = list(range(rank + 1))  # *K, C
    win_axes = [win.ndim - rank + i for i in range(rank)] + [win.ndim - rank - 1]
    return np.tensordot(win, w, axes=(win_axes, w_axes)).astype(x.dtype, copy=False)


def depthwise_conv(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: str,
) -> np.ndarray:
    """Depthwise convolution: x [N, *S, C], w [*K, C, M] -> [N, *O, C*M] (channel c*M + m)."""
    rank = w.ndim - 2
    win = windows(x, w.shape[:rank], strides, dilations, padding, 0)
    # win: [N, *O, C, *K] -> out[n, o, c, m] = sum_k win[n, o, c, k] * w[k, c, m]
    letters = "abcdefgh"[:rank]
    out_letters = "pqrs"[:rank]
    spec = f"n{out_letters}c{letters},{letters}cm->n{out_letters}cm"
    out = np.einsum(spec, win, w)
    return out.reshape(*out.shape[:-2], -1).astype(x.dtype, copy=False)


def max_pool(
    x: np.ndarray, pool: Sequence[int], strides: Sequence[int], padding: str
) -> np.ndarray:
    """Max pooling; padded taps never win."""
    fill = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
    win = windows(x, pool, strides, [1] * len(pool), padding, fill)
    return win.max(axis=tuple(range(-len(pool), 0)))


def pool_sum(
    x: np.ndarray, pool: Sequence[int], strides: Sequence[int], padding: str
) -> tuple[np.ndarray, np.ndarray]:
    """(sum over the valid taps of each window [N, *O, C], tap count per window [*O])."""
    win = windows(x, pool, strides, [1] * len(pool), padding, 0)
    total = win.sum(axis=tuple(range(-len(pool), 0)), dtype=x.dtype)
    counts = valid_counts(x.shape[1:-1], pool, strides, padding)
    return total, counts


def explicit_pad(x: np.ndarray, pads: Sequence[int], value) -> np.ndarray:
    """Pad every axis: `pads` is [before_0, after_0, before_1, after_1, ...]."""
    pairs = [(pads[2 * i], pads[2 * i + 1]) for i in range(x.ndim)]
    return np.pad(x, pairs, mode="constant", constant_values=value)
