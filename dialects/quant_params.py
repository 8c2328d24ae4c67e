"""Scale and zero point from ranges, and real <-> integer tensors (quantization.md 1.2).

Activations of 8 bits are asymmetric with a nudged integer zero point (TensorFlow Lite's
`GetAsymmetricQuantizationParams`); 16-bit activations and all weights are symmetric with a
zero point of 0; weights use the narrow range [-(2^(b-1) - 1), 2^(b-1) - 1].
"""

from __future__ import annotations

import math

import numpy as np

from qtc.dialects.qtc_attrs import storage_range

TINY_RANGE = 1e-8
"""A range narrower than this (e.g. a tensor that is always 0) gets a nominal width."""


def round_half_away(x):
    """std::round: halves go away from zero (numpy's `round` goes to even)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def asymmetric_params(lo: float, hi: float, bits: int) -> tuple[float, int]:
    """(scale, zero point) covering [lo, hi] widened to contain 0, zero point nudged to an integer."""
    qmin, qmax = storage_range(bits)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < TINY_RANGE:
        hi = lo + TINY_RANGE
    scale = (hi - lo) / (qmax - qmin)
    zero = qmin - lo / scale
    return scale, int(min(max(round_half_away(zero), qmin), qmax))


def symmetric_params(lo: float, hi: float, bits: int) -> tuple[float, int]:
    """(scale, 0) with max |x| mapped to qmax."""
    qmax = storage_range(bits)[1]
    absmax = max(abs(lo), abs(hi), TINY_RANGE)
    return absmax / qmax, 0


def per_channel_symmetric_scales(weights: np.ndarray, axis: int, bits: int) -> np.ndarray:
    """One scale a channel of the axes from `axis` on, flattened as in a per-axis
    `#qtc.qparams` (depthwise [*K, C, M] from C: one a c * M + m output channel):
    max |w| / qmax over the channel's slice (1.0 for an all-zero slice)."""
    qmax = storage_range(bits)[1]
    magnitudes = np.abs(np.asarray(weights, np.float64))
    channels = math.prod(weights.shape[axis % weights.ndim:])
    absmax = np.max(magnitudes.reshape(-1, channels), axis=0)
    return np.where(absmax > 0, absmax / qmax, 1.0).astype(np.float64)


SCALE_SEARCH = np.linspace(0.97, 1.03, 601)
"""Candidate weight scales of `best_fit_scales`, as multiples of max |w| / qmax."""


FIT_SEARCH = np.linspace(0.97, 1.03, 241)
"""Candidate scales of `best_fit_scales`, as multiples of a channel's given scale."""


def best_fit_scales(weights: np.ndarray, scales: np.ndarray, axis: int, bits: int) -> np.ndarray:
    """Per channel (`scales` laid out as `per_channel_symmetric_scales` gives them), the scale
    within 3 % of the channel's whose grid holds its weights with the least squared error when
    they are rounded to nearest (weights beyond the grid saturate). A channel of few weights
    (a depthwise one has its kh * kw taps) gains most: from max |w| / qmax only the largest
    weight is sure to sit on the grid, a slightly different step can put several there."""
    channels = math.prod(weights.shape[axis % weights.ndim:])
    w = np.asarray(weights, np.float64).reshape(-1, channels)
    candidates = np.asarray(scales, np.float64)[None, :] * FIT_SEARCH[:, None]
    errors = [np.sum((w - s * quantize(w, s, 0, bits, narrow=True)) ** 2, axis=0) for s in candidates]
    return candidates[np.argmin(errors, axis=0), np.arange(channels)]


def per_axis_scales(scales, shape, axis: int) -> np.ndarray:
    """Per-axis `scales` shaped to broadcast against a tensor of `shape` (the axes from `axis`
    on, as `per_channel_symmetric_scales` and `#qtc.qparams` lay them out)."""
    return np.asarray(scales, np.float64).reshape(shape[axis % len(shape):])


def quantize(x: np.ndarray, scale, zero, bits: int, narrow: bool = False) -> np.ndarray:
    """round(x / scale) + zero, saturated to the storage range (int64 result)."""
    qmin, qmax = storage_range(bits)
    if narrow:
        qmin = -qmax
    q = round_half_away(np.asarray(x, np.float64) / scale) + zero
    return np.clip(q, qmin, qmax).astype(np.int64)


def represented_range(scale: float, zero: int, bits: int) -> tuple[float, float]:
    """The real interval an integer type covers under (scale, zero)."""
    qmin, qmax = storage_range(bits)
    return scale * (qmin - zero), scale * (qmax - zero)


def bits_lost(narrow_width: float, wide_width: float) -> float:
    """Resolution a range of `narrow_width` loses when it is coded over `wide_width`."""
    if narrow_width < TINY_RANGE:
        return 0.0
    return max(0.0, math.log2(wide_width / narrow_width))
