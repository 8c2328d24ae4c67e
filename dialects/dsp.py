"""Signal pre-processing arithmetic: the float reference and the exact integer reference.

Shared by the `nn` and `qnn` interpreters (`nn.normalize`, `nn.spectrum`, `qnn.normalize`,
`qnn.spectrum`), the requantize lowering and the C emitters, which print the tables built
here so that the C (`runtime_c/qtc_dsp.h`) computes with the very same integers.

Layouts: windows are channels-last [N, L, C] like every 1-d op; a spectrum is [N, F, C] with
F frequency bins (size / 2 + 1, or the mel bins) on the 1-d axis, so a Conv1D or LSTM that
follows reads frequency like it reads time, with the sensor channels as features.

Integer FFT (quantization.md 7.5, CMSIS-DSP `arm_rfft_q15` style): a real FFT of size N is a
complex FFT of N/2 points on z[n] = x[2n] + i x[2n+1] (radix 2, decimation in time, Q15
twiddles, int32 data) and a split step; every butterfly stage halves its outputs, and the
split halves twice, so the result is DFT(x) / N at the input's scale. Every product is of an
int32 value below 2^16 in magnitude and a Q15 twiddle, so it fits int32; every rounding is
written out (`_round_q15`, `_halve`) and the C uses the same expressions.
"""

from __future__ import annotations

import math

import numpy as np

FFT_SIZES = tuple(2**k for k in range(5, 10))
"""Real FFT sizes of `nn.spectrum` / `qnn.spectrum` (32 ... 512)."""
WINDOWS = ("hann", "none")
SPECTRUM_OUTPUTS = ("magnitude", "log_power")
Q15_BITS = 15
LOG2_FRACTION_BITS = 16
"""`log2_q16` returns log2(v) with this many fraction bits."""
LOG2_TABLE_BITS = 8
"""The log2 mantissa table has 2^8 + 1 entries, linearly interpolated."""
LOG2_TABLE = np.array(
    [
        round(math.log2(1.0 + i / 2**LOG2_TABLE_BITS) * 2**LOG2_FRACTION_BITS)
        for i in range(2**LOG2_TABLE_BITS + 1)
    ],
    dtype=np.int32,
)
"""round(log2(1 + i/256) * 2^16) for i = 0 ... 256: the mantissa part of `log2_q16`."""


def _int64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


# ----------------------------------------------------------------------------- tables


def q15(values) -> np.ndarray:
    """round(v * 2^15) half away from zero, saturated to [-32767, 32767] (int16)."""
    v = np.asarray(values, dtype=np.float64) * (1 << Q15_BITS)
    rounded = np.sign(v) * np.floor(np.abs(v) + 0.5)
    return np.clip(rounded, -32767, 32767).astype(np.int16)


def hann(length: int) -> np.ndarray:
    """The periodic Hann window 0.5 - 0.5 cos(2 pi n / length) (float64)."""
    n = np.arange(length, dtype=np.float64)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / length)


def frame_length(window_length: int, size: int) -> int:
    """Samples of a window that enter the FFT: its newest min(length, size)."""
    return min(window_length, size)


def spectrum_bins(size: int) -> int:
    return size // 2 + 1


def twiddles_q15(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(cos, sin) of 2 pi k / size in Q15 for k = 0 ... size/2: W_size^k = cos - i sin."""
    angle = 2.0 * np.pi * np.arange(size // 2 + 1) / size
    return q15(np.cos(angle)), q15(np.sin(angle))


def twiddles_f32(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The float32 twiddles of the float C FFT (k = 0 ... size/2 - 1)."""
    angle = 2.0 * np.pi * np.arange(size // 2) / size
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


def mel_filterbank(size: int, sample_rate: float, bins: int) -> np.ndarray:
    """Triangular filters [size/2 + 1, bins], peak 1, equally spaced on the HTK mel scale
    from 0 Hz to sample_rate / 2 (librosa `mel(htk=True, norm=None)`). Raises ValueError
    when a filter falls between two FFT bins (too many mel bins for the FFT size)."""

    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(0.0, mel(sample_rate / 2.0), bins + 2))
    freqs = np.arange(spectrum_bins(size)) * sample_rate / size
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lower) / (center - lower)
    falling = (upper - freqs[None, :]) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling)).T
    empty = np.flatnonzero(weights.max(axis=0) <= 0.0)
    if empty.size:
        raise ValueError(
            f"mel filter {int(empty[0])} of {bins} holds no FFT bin: use fewer mel bins or a "
            f"larger FFT than {size}"
        )
    return weights


# ----------------------------------------------------------------------------- float reference


def normalize_f64(x: np.ndarray, mean, std) -> np.ndarray:
    """(x - mean[c]) / std[c] over the last axis."""
    return (np.asarray(x, np.float64) - np.asarray(mean, np.float64)) / np.asarray(std, np.float64)


def spectrum_f64(
    x: np.ndarray,
    size: int,
    window: str,
    output: str,
    epsilon: float,
    mel: np.ndarray | None,
) -> np.ndarray:
    """numpy reference of `nn.spectrum`: x [N, L, C] -> [N, F, C].

    The newest min(L, size) samples of each channel, times the periodic Hann window (or 1),
    zero padded at the end to `size`, go through `np.fft.rfft`; `magnitude` is |X|,
    `log_power` is ln(|X|^2 + epsilon); the mel filterbank [size/2 + 1, M] (if any) weighs
    |X| or |X|^2 before the log.
    """
    x = np.asarray(x, np.float64)
    m = frame_length(x.shape[1], size)
    frames = x[:, x.shape[1] - m :, :]
    if window == "hann":
        frames = frames * hann(m)[None, :, None]
    spectrum = np.fft.rfft(frames, n=size, axis=1)
    values = np.abs(spectrum) if output == "magnitude" else spectrum.real**2 + spectrum.imag**2
    if mel is not None:
        values = np.einsum("nkc,km->nmc", values, np.asarray(mel, np.float64))
    return values if output == "magnitude" else np.log(values + epsilon)


# ----------------------------------------------------------------------------- integer primitives


def _round_q15(v: np.ndarray) -> np.ndarray:
    """(v + 2^14) >> 15: a Q15 product back to the data's scale, ties toward +inf."""
    return (v + (1 << (Q15_BITS - 1))) >> Q15_BITS


def _halve(v: np.ndarray) -> np.ndarray:
    """(v + 1) >> 1: half, ties toward +inf."""
    return (v + 1) >> 1


def bit_reversal(count: int) -> np.ndarray:
    """The bit-reversal permutation of `count` (a power of two) indices."""
    bits = count.bit_length() - 1
    index = np.arange(count)
    result = np.zeros(count, dtype=np.int64)
    for b in range(bits):
        result |= ((index >> b) & 1) << (bits - 1 - b)
    return result


def rfft_q15(frames, cos: np.ndarray, sin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integer real FFT of int16-range `frames` [..., size]: (re, im) [..., size/2 + 1]
    equal to DFT / size up to rounding (qtc_rfft_q15 in qtc_dsp.h, bit for bit)."""
    v = _int64(frames)
    size = v.shape[-1]
    half = size // 2
    order = bit_reversal(half)
    zr, zi = v[..., 0::2][..., order], v[..., 1::2][..., order]
    cos, sin = _int64(cos), _int64(sin)
    span = 2
    while span <= half:
        step = size // span
        j = np.arange(span // 2) * step
        c, s = cos[j], sin[j]
        groups = (*zr.shape[:-1], half // span, span)
        zr, zi = zr.reshape(groups), zi.reshape(groups)
        ar, ai = zr[..., : span // 2], zi[..., : span // 2]
        br, bi = zr[..., span // 2 :], zi[..., span // 2 :]
        tr = _round_q15(br * c + bi * s)
        ti = _round_q15(bi * c - br * s)
        zr = np.concatenate([_halve(ar + tr), _halve(ar - tr)], axis=-1).reshape(*groups[:-2], half)
        zi = np.concatenate([_halve(ai + ti), _halve(ai - ti)], axis=-1).reshape(*groups[:-2], half)
        span *= 2
    k = np.arange(half + 1)
    ar, ai = zr[..., k % half], zi[..., k % half]
    br, bi = zr[..., (half - k) % half], -zi[..., (half - k) % half]
    er, ei = _halve(ar + br), _halve(ai + bi)
    ur, ui = _halve(ai - bi), -_halve(ar - br)  # -i * (a - b) / 2
    c, s = cos[k], sin[k]
    pr = _round_q15(ur * c + ui * s)
    pi = _round_q15(ui * c - ur * s)
    return _halve(er + pr), _halve(ei + pi)


def isqrt_rounded(v) -> np.ndarray:
    """round(sqrt(v)) of non-negative integers below 2^32 (qtc_isqrt_u32 rounds the same way)."""
    v = _int64(v)
    r = np.floor(np.sqrt(v.astype(np.float64))).astype(np.int64)
    r -= (r * r > v).astype(np.int64)
    r += ((r + 1) * (r + 1) <= v).astype(np.int64)
    return r + (v - r * r > r).astype(np.int64)


def log2_q16(v) -> np.ndarray:
    """log2(v) * 2^16 of integers 1 <= v < 2^63: the exponent plus the interpolated table of
    the 16 bits after the leading one (qtc_log2_q16 in qtc_dsp.h, bit for bit)."""
    v = _int64(v)
    if np.any(v < 1):
        raise ValueError("log2_q16: the argument must be at least 1")
    exponent = np.frexp(v.astype(np.float64))[1].astype(np.int64) - 1
    exponent -= ((v >> exponent) == 0).astype(np.int64)  # float rounding up to a power of two
    up = np.maximum(LOG2_FRACTION_BITS - exponent, 0)
    down = np.maximum(exponent - LOG2_FRACTION_BITS, 0)
    fraction = ((v << up) >> down) & ((1 << LOG2_FRACTION_BITS) - 1)
    shift = LOG2_FRACTION_BITS - LOG2_TABLE_BITS
    index, rest = fraction >> shift, fraction & ((1 << shift) - 1)
    table = _int64(LOG2_TABLE)
    lo, hi = table[index], table[index + 1]
    return (
        (exponent << LOG2_FRACTION_BITS) + lo + (((hi - lo) * rest + (1 << (shift - 1))) >> shift)
    )


def spectrum_values_int(
    x,
    size: int,
    window_table: np.ndarray | None,
    log_power: bool,
    mel: np.ndarray | None,
    log_floor: int,
    log_offset: int,
) -> np.ndarray:
    """The integer spectrum of `qnn.spectrum` before its rescale: x int16 [N, L, C] -> [N, F, C].

    magnitude: round(sqrt(re^2 + im^2)); log_power: log2_q16(re^2 + im^2 + log_floor) +
    log_offset; a Q15 mel filterbank [size/2 + 1, M] sums magnitudes or powers in int64 and
    rounds by 2^-15 before the log.
    """
    x = _int64(x)
    m = frame_length(x.shape[1], size)
    frames = np.moveaxis(x[:, x.shape[1] - m :, :], 1, -1)  # [N, C, m]
    if window_table is not None:
        frames = _round_q15(frames * _int64(window_table))
    padded = np.zeros((*frames.shape[:-1], size), dtype=np.int64)
    padded[..., :m] = frames
    re, im = rfft_q15(padded, *twiddles_q15(size))
    power = re * re + im * im
    values = power if log_power else isqrt_rounded(power)
    if mel is not None:
        values = _round_q15(values @ _int64(mel))
    if log_power:
        values = log2_q16(values + log_floor) + log_offset
    return np.moveaxis(values, -1, 1)


def normalize_shift(bits: int, offsets_real) -> int:
    """The largest left shift in [0, 30] at which |q| * 2^s + |offset| * 2^s fits int32 for
    every `bits`-wide input q (offsets in input integer units); -1 if none does."""
    largest = (1 << (bits - 1)) + float(np.max(np.abs(offsets_real), initial=0.0))
    for shift in range(30, -1, -1):
        if largest * 2.0**shift + 1.0 <= 2**31 - 1:
            return shift
    return -1
