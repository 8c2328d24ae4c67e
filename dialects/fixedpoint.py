"""Exact integer primitives of the qnn reference, and the host-side constants they need.

Every run-time primitive here has a twin in `runtime_c/qtc_fixedpoint.h`; the two are checked
bit for bit (tests/test_fixedpoint.py). Sources (quantization.md names the files):
gemmlowp `fixedpoint/fixedpoint.h`, tflite-micro `tensorflow/lite/kernels/internal/common.{h,cc}`,
`quantization_util.cc`, `reference/softmax.h` and `micro/kernels/softmax_common.cc`.

Run-time primitives take numpy integer arrays or Python ints and compute in int64 numpy
(every intermediate fits), returning int64 numpy values. Where the C
computes in int32 the result is wrapped explicitly with `wrap`; C's truncating `/` is written
with explicit formulas, never with Python's flooring `//` on negative numbers. Host-side helpers
(`quantize_multiplier`, LUT builders, softmax parameters) reproduce TFLite's float arithmetic:
float32 where TFLite uses float, double where it uses double.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
INT64_ACC_LIMIT = 1 << 47
"""The int64-input MultiplyByQuantizedMultiplier requires -2^47 <= x < 2^47."""

ROUNDINGS = ("double", "single")
"""Requantization modes: gemmlowp double rounding (TFLM default) or TFLITE_SINGLE_ROUNDING."""

ADD_LEFT_SHIFT = {8: 20, 16: 15}
"""TFLite's headroom shift of ADD/SUB inputs for each activation width (`add_common.cc`)."""

SOFTMAX_DIFF_INTEGER_BITS = 5
"""TFLM int8 softmax feeds exp() with Q5.26 differences (kScaledDiffIntegerBits)."""
SOFTMAX_ACCUMULATION_INTEGER_BITS = 12
"""TFLM int8 softmax sums exp() values in Q12.19 (kAccumulationIntegerBits)."""

_EXP_BARREL = (
    (-2, 1672461947),  # exp(-1/4) in Q0.31
    (-1, 1302514674),  # exp(-1/2)
    (0, 790015084),  # exp(-1)
    (1, 290630308),  # exp(-2)
    (2, 39332535),  # exp(-4)
    (3, 720401),  # exp(-8)
    (4, 242),  # exp(-16)
)


def _int64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


# ----------------------------------------------------------------------------- wrapping, clamping


def wrap(x, bits: int) -> np.ndarray:
    """Two's-complement wrap to a signed `bits`-wide integer: what a C cast to intN_t does."""
    x = _int64(x)
    if bits == 64:
        return x
    half = 1 << (bits - 1)
    return ((x + half) & ((1 << bits) - 1)) - half


def saturate(x, bits) -> np.ndarray:
    """Clamp to the range of a signed `bits`-wide integer, 1 <= bits <= 63."""
    limit = np.int64(1) << (_int64(bits) - 1)
    return np.clip(_int64(x), -limit, limit - 1)


def round_half_away(x):
    """Round to nearest, ties away from zero (C `round`/`roundf`, TfLiteRound), keeping the dtype.

    Exact: `x - trunc(x)` is computed without rounding error, unlike `floor(abs(x) + 0.5)`,
    which rounds 0.49999997f up.
    """
    if isinstance(x, (int, float)):
        t = float(math.trunc(x))
        return t + math.copysign(1.0, x) if abs(x - t) >= 0.5 else t
    x = np.asarray(x)
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t).astype(x.dtype)


# ----------------------------------------------------------------------------- gemmlowp primitives


def saturating_rounding_doubling_high_mul(a, b) -> np.ndarray:
    """gemmlowp `SaturatingRoundingDoublingHighMul` on int32: round(a*b / 2^31), ties toward +inf.

    gemmlowp adds a sign-dependent nudge and divides with truncation; that equals
    `floor((a*b + 2^30) / 2^31)`, an arithmetic shift here. INT32_MIN * INT32_MIN saturates
    to INT32_MAX (ARM VQRDMULH).
    """
    a, b = _int64(a), _int64(b)
    high = (a * b + (1 << 30)) >> 31
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, high)


def rounding_divide_by_pot(x, exponent) -> np.ndarray:
    """gemmlowp `RoundingDivideByPOT`: x / 2^exponent, ties away from zero; 0 <= exponent <= 31."""
    x, exponent = _int64(x), _int64(exponent)
    if np.any((exponent < 0) | (exponent > 31)):
        raise ValueError(f"rounding_divide_by_pot: exponent must be in [0, 31], got {exponent}")
    mask = (np.int64(1) << exponent) - 1
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + ((x & mask) > threshold)


def saturating_rounding_multiply_by_pot(x, exponent: int) -> np.ndarray:
    """gemmlowp `SaturatingRoundingMultiplyByPOT<exponent>` on int32 (> 0: a saturating shift)."""
    x = _int64(x)
    if exponent <= 0:
        return rounding_divide_by_pot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << exponent))


def rounding_half_sum(a, b) -> np.ndarray:
    """gemmlowp `RoundingHalfSum` on int32: (a + b) / 2 rounded half away from zero."""
    total = _int64(a) + _int64(b)
    return np.where(total >= 0, (total + 1) >> 1, -((1 - total) >> 1))


def count_leading_zeros32(x) -> np.ndarray:
    """Leading zero bits of a uint32 (32 for 0), as TFLite `CountLeadingZeros<uint32_t>`."""
    x = _int64(x)
    if np.any((x < 0) | (x > 0xFFFFFFFF)):
        raise ValueError("count_leading_zeros32: input must be in [0, 2^32)")
    _, exponent = np.frexp(x.astype(np.float64))  # exact: x < 2^53; frexp(0) gives 0
    return 32 - exponent.astype(np.int64)


# ----------------------------------------------------------------------------- requantization


def multiply_by_quantized_multiplier(x, multiplier, shift) -> np.ndarray:
    """TFLite `MultiplyByQuantizedMultiplier(int32 x, ...)`, double rounding (TFLM default).

    `RoundingDivideByPOT(SRDHM(x * 2^max(shift, 0), multiplier), max(-shift, 0))`. The left
    shift is an int32 multiply; TFLite leaves its overflow undefined, qtc defines it as a
    two's-complement wrap (the C twin shifts in uint32).
    """
    x, shift = _int64(x), _int64(shift)
    shifted = wrap(x << np.maximum(shift, 0), 32)
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(shifted, multiplier), np.maximum(-shift, 0)
    )


def multiply_by_quantized_multiplier_single(x, multiplier, shift) -> np.ndarray:
    """TFLite `MultiplyByQuantizedMultiplier(int32 x, ...)` under TFLITE_SINGLE_ROUNDING.

    `(x * multiplier + 2^(k-1)) >> k` with k = 31 - shift: one rounding, ties toward +inf,
    truncated to int32. Requires multiplier >= 0 and -31 <= shift <= 30.
    """
    x, shift = _int64(x), _int64(shift)
    total = 31 - shift
    return wrap((x * _int64(multiplier) + (np.int64(1) << (total - 1))) >> total, 32)


def multiply_by_quantized_multiplier_int64(x, multiplier, shift) -> np.ndarray:
    """TFLite `MultiplyByQuantizedMultiplier(int64 x, ...)` (16x8), the same in both builds.

    The multiplier is reduced to 16 bits (`(q + 2^15) >> 16`, or 0x7FFF from 0x7FFF0000 on)
    and `(x * rq + 2^(k-1)) >> k` with k = 15 - shift is truncated to int32. Requires
    -2^47 <= x < 2^47 and -31 <= shift <= 7; x outside raises, as the product would overflow.
    """
    x, multiplier, shift = _int64(x), _int64(multiplier), _int64(shift)
    if np.any((x < -INT64_ACC_LIMIT) | (x >= INT64_ACC_LIMIT)):
        raise ValueError(
            "int64 accumulator outside [-2^47, 2^47): MultiplyByQuantizedMultiplier overflows"
        )
    reduced = np.where(multiplier < 0x7FFF0000, (multiplier + (1 << 15)) >> 16, 0x7FFF)
    total = 15 - shift
    return wrap((x * reduced + (np.int64(1) << (total - 1))) >> total, 32)


MULTIPLY_BY_ROUNDING: dict[str, Callable] = {
    "double": multiply_by_quantized_multiplier,
    "single": multiply_by_quantized_multiplier_single,
}
"""The int32-input requantizer of each rounding mode."""


def requantize_accumulator(
    acc, multiplier, shift, rounding: str, accumulator_bits: int
) -> np.ndarray:
    """MBQM of an accumulator: the int32 requantizer of `rounding`, or the int64-input one."""
    if accumulator_bits == 64:
        return multiply_by_quantized_multiplier_int64(acc, multiplier, shift)
    return MULTIPLY_BY_ROUNDING[rounding](acc, multiplier, shift)


def rounding_divide(acc, count) -> np.ndarray:
    """TFLite average pooling: `acc > 0 ? (acc + n/2) / n : (acc - n/2) / n`, C division."""
    acc, count = _int64(acc), _int64(count)
    numerator = np.where(acc > 0, acc + count // 2, acc - count // 2)
    quotient = np.abs(numerator) // count
    return np.where(numerator < 0, -quotient, quotient)


def quantize_multiplier(real: float, rounding: str = "double") -> tuple[int, int]:
    """TFLite `QuantizeMultiplier`: real ~= q * 2^(shift - 31), q = 0 or in [2^30, 2^31 - 1].

    frexp gives real = f * 2^shift with f in [0.5, 1); q = round(f * 2^31) (half away from
    zero). A mantissa that rounds to 2^31 is halved with shift + 1; reals below 2^-32
    (shift < -31) flush to (0, 0). Single rounding saturates shift > 30 to (2^31 - 1, 30);
    double rounding cannot represent them (the left shift overflows int32) and raises.
    """
    real = float(real)
    if not (math.isfinite(real) and real >= 0.0):
        raise ValueError(
            f"quantize_multiplier: real multiplier must be finite and >= 0, got {real}"
        )
    if real == 0.0:
        return 0, 0
    fraction, shift = math.frexp(real)
    q = int(round_half_away(fraction * (1 << 31)))
    if q == 1 << 31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        if rounding == "single":
            return INT32_MAX, 30
        raise ValueError(f"quantize_multiplier: {real} needs shift {shift} > 30")
    return q, shift


# ----------------------------------------------------------------------------- lookup tables


def _evaluate(fn: Callable, x: np.ndarray, float_type=np.float32) -> np.ndarray:
    """fn at x, rounded to float_type as a C++ transform returning FloatT is."""
    return np.asarray(fn(x)).astype(float_type)


def lut_int8(
    fn: Callable,
    input_scale: float,
    input_zero_point: int,
    output_scale: float,
    output_zero_point: int,
) -> np.ndarray:
    """TFLite `LUTPopulateInt8` in natural order: entry q + 128 holds the output for input q.

    In float32 as TFLite: x = S_in * (q - Z_in), y = fn(x),
    out = clamp(round(y * (1 / S_out)) + Z_out).
    Scales are rounded to float32 first (TFLite stores them so). `fn` gets float32 values and
    its result is rounded to float32; evaluating it in float64 matches a correctly rounded libm.
    """
    f32 = np.float32
    q = np.arange(-128, 128, dtype=np.int64)
    x = f32(input_scale) * (q - input_zero_point).astype(f32)
    y = _evaluate(fn, x) * (f32(1) / f32(output_scale))
    out = round_half_away(y) + f32(output_zero_point)
    return np.clip(out, -128, 127).astype(np.int8)


def lut_int8_lookup(x, table) -> np.ndarray:
    """`LUTLookup(int8)`: the natural-order table entry of each int8 input."""
    return np.asarray(table, dtype=np.int64)[_int64(x) + 128]


def lut_int16(
    fn: Callable,
    input_scale: float,
    input_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    float_type=np.float32,
) -> np.ndarray:
    """TFLite `LUTPopulateInt16<FloatT>`: 513 int16 entries sampling fn over the int16 input range.

    Entry i samples x_i = x_min + i * step (512 steps), minus half the error that linear
    interpolation makes at the segment midpoint; entry 512 is fn(x_max). Like TFLite, outputs
    are scaled by 65536 / (y_max - y_min), which does not add the output zero point. All
    arithmetic is in `float_type`: float32 as TFLM (and `lut_int8`); TF Lite's deprecated
    double overload, which its int16 softmax uses, is float64. `fn` as in `lut_int8`.
    """
    ft = float_type
    s_in, s_out = ft(input_scale), ft(output_scale)
    x_min = s_in * ft(-32768 - input_zero_point)
    x_max = s_in * ft(32767 - input_zero_point)
    y_min = s_out * ft(-32768 - output_zero_point)
    y_max = s_out * ft(32767 - output_zero_point)
    step = (x_max - x_min) / ft(512)
    half_step = step / ft(2)
    inv = ft(65536) / (y_max - y_min)
    i = np.arange(512, dtype=ft)
    x = x_min + i * step
    val = _evaluate(fn, x, ft)
    val_mid = _evaluate(fn, x + half_step, ft)
    val_next = _evaluate(fn, x_min + (i + ft(1)) * step, ft)
    sample = round_half_away(val * inv)
    interpolated_mid = round_half_away((val_next * inv + sample) / ft(2))
    err = interpolated_mid - round_half_away(val_mid * inv)
    bias = round_half_away(err / ft(2))
    last = round_half_away(_evaluate(fn, np.array([x_max], dtype=ft), ft) * inv)
    return np.clip(np.concatenate([sample - bias, last]), -32768, 32767).astype(np.int16)


def lut_int16_lookup(x, table) -> np.ndarray:
    """TFLite `LUTLookup(int16)`: entry 256 + (x >> 7), plus the slope times (x & 0x7F) / 128.

    The slope and the sum are int16 in TFLite, so both wrap here as the C casts do.
    """
    x, table = _int64(x), np.asarray(table, dtype=np.int64)
    index = 256 + (x >> 7)
    base = table[index]
    slope = wrap(table[index + 1] - base, 16)
    return wrap(base + ((slope * (x & 0x7F) + 64) >> 7), 16)


# ----------------------------------------------------------------------------- softmax pieces


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: np.ndarray) -> np.ndarray:
    """gemmlowp: exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor series around -1/8)."""
    srdhm = saturating_rounding_doubling_high_mul
    constant_term = 1895147668  # exp(-1/8)
    one_third = 715827883
    x = a + (1 << 28)
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    poly = rounding_divide_by_pot(srdhm(x4_over_4 + x3, one_third) + x2, 1)
    return constant_term + srdhm(constant_term, x + poly)


def exp_on_negative_values(a, integer_bits: int) -> np.ndarray:
    """gemmlowp `exp_on_negative_values`: exp(a) in Q0.31 for a <= 0 given in Q(integer_bits).

    exp of (a mod 1/4) - 1/4 by a polynomial, then one multiply by exp(-2^k) per set bit of the
    remainder (the barrel shifter); a == 0 gives INT32_MAX (one).
    """
    if not 0 <= integer_bits <= 29:
        raise ValueError(
            f"exp_on_negative_values: integer_bits must be in [0, 29], got {integer_bits}"
        )
    a = _int64(a)
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_multiply_by_pot(a_mod_quarter_minus_one_quarter, integer_bits)
    )
    remainder = a_mod_quarter_minus_one_quarter - a
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = 1 << (fractional_bits + exponent)
            result = np.where(
                (remainder & bit) != 0,
                saturating_rounding_doubling_high_mul(result, multiplier),
                result,
            )
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)  # exp(x < -32) = 0
    return np.where(a == 0, INT32_MAX, result)


def one_over_one_plus_x_for_x_in_0_1(a) -> np.ndarray:
    """gemmlowp `one_over_one_plus_x_for_x_in_0_1`: 1/(1+a) for a in [0, 1), Q0.31 in and out.

    Newton-Raphson on the half denominator in Q2.29, three iterations from 48/17 - 32/17 * d.
    """
    srdhm = saturating_rounding_doubling_high_mul
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = 1515870810 + srdhm(half_denominator, -1010580540)  # 48/17, -32/17 in Q2.29
    for _ in range(3):
        one_minus_half_denominator_times_x = (1 << 29) - srdhm(half_denominator, x)
        x = x + saturating_rounding_multiply_by_pot(srdhm(x, one_minus_half_denominator_times_x), 2)
    return saturating_rounding_multiply_by_pot(x, 1)


def get_reciprocal(x, integer_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLite `GetReciprocal`: 1/x for x > 0 in Q(integer_digits) as (Q0.31 s, num_bits_over_unit).

    x is normalised with its leading zeros to 1 + m, m in [0, 1), and 1/(1+m) is computed by
    `one_over_one_plus_x_for_x_in_0_1`; 1/x = scale * 2^-num_bits_over_unit.
    """
    x = _int64(x)
    headroom_plus_one = count_leading_zeros32(x)
    shifted_minus_one = ((x << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31)
    return one_over_one_plus_x_for_x_in_0_1(shifted_minus_one), integer_digits - headroom_plus_one


def softmax_int8_params(
    input_scale: float, beta: float = 1.0, rounding: str = "double"
) -> tuple[int, int, int]:
    """TFLM int8 softmax prepare: (input_beta_multiplier, input_beta_left_shift, diff_min).

    `PreprocessSoftmaxScaling`: real = beta * S_in * 2^(31 - 5) in double from the float32
    scale and beta, capped at 2^31 - 1 (2^30 - 1 under single rounding), must exceed 1
    (`QuantizeMultiplierGreaterThanOne`); `diff_min = -CalculateInputRadius(5, left_shift)
    = -floor(31 * 2^26 / 2^left_shift)`. A real in [2^30, 2^31 - 1] gives TFLite's double
    build a shift of 31, whose int32 left shift is undefined; qtc saturates it to
    (2^31 - 1, 30) as the single-rounding build does, so both agree wherever TFLite is defined.
    """
    cap = (1 << 30) - 1.0 if rounding == "single" else (1 << 31) - 1.0
    real = min(
        float(np.float32(beta))
        * float(np.float32(input_scale))
        * (1 << (31 - SOFTMAX_DIFF_INTEGER_BITS)),
        cap,
    )
    if not real > 1.0:
        raise ValueError(f"softmax_int8_params: beta * input_scale * 2^26 = {real} must exceed 1")
    multiplier, shift = quantize_multiplier(real, "single")
    radius = math.floor(
        ((1 << SOFTMAX_DIFF_INTEGER_BITS) - 1)
        * (1 << (31 - SOFTMAX_DIFF_INTEGER_BITS))
        / (1 << shift)
    )
    return multiplier, shift, -radius


def softmax_int16_params(
    input_scale: float, beta: float = 1.0, rounding: str = "double"
) -> tuple[int, int, np.ndarray, np.ndarray]:
    """TFLM int16 softmax prepare: (input_multiplier, input_shift, exp_table, reciprocal_table).

    The difference is rescaled so [-65535, 0] spans [-10, 0] (real S_in * beta / (10/65535)
    in double); the tables are `LUTPopulate<int16_t>` of exp over [-10, 0] and of 1/(1+x)
    over [0, 1], both with output scale 2/65535, exactly as `softmax_common.cc` builds them.
    """
    f32 = np.float32
    real = float(f32(input_scale)) * float(f32(beta)) / (10.0 / 65535.0)
    multiplier, shift = quantize_multiplier(real, rounding)
    exp_table = lut_int16(
        lambda v: np.exp(v.astype(np.float64)),
        float(f32(10) / f32(65535)),
        32767,
        float(f32(2) / f32(65535)),
        0,
    )
    reciprocal_table = lut_int16(
        lambda v: f32(1) / (f32(1) + v),
        float(f32(1) / f32(65535)),
        -32768,
        float(f32(2) / f32(65535)),
        0,
    )
    return multiplier, shift, exp_table, reciprocal_table


def _add_sub_params(scales, left_shift: int, real_type) -> tuple[tuple[int, int], ...]:
    lhs, rhs, out = (real_type(np.float32(s)) for s in scales)
    twice_max = real_type(2) * max(lhs, rhs)
    return (
        quantize_multiplier(float(lhs / twice_max)),
        quantize_multiplier(float(rhs / twice_max)),
        quantize_multiplier(float(twice_max / (real_type(1 << left_shift) * out))),
    )


def add_params(lhs_scale: float, rhs_scale: float, output_scale: float, left_shift: int):
    """TFLM ADD prepare: ((lhs q, shift), (rhs q, shift), (output q, shift)).

    Inputs are rescaled to twice the larger input scale (multipliers <= 1/2) after a
    2^left_shift headroom shift; the output multiplier is 2 * max(S) / (2^left_shift * S_out).
    `add_common.cc` computes the reals in double from the float32 scales.
    """
    return _add_sub_params((lhs_scale, rhs_scale, output_scale), left_shift, np.float64)


def sub_params(lhs_scale: float, rhs_scale: float, output_scale: float, left_shift: int):
    """TFLM SUB prepare: as `add_params`, but `sub_common.cc` computes the reals in float32."""
    return _add_sub_params((lhs_scale, rhs_scale, output_scale), left_shift, np.float32)
