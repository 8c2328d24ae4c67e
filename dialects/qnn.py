"""The `qnn` dialect: integer tensor ops with every requantization constant as a property.

Activations are i8 or i16, weights i8 or i16 with zero point 0, biases and accumulators i32
(i8 activations) or i64 (i16 activations). An op's integer semantics come only from its
properties (zero points, `multiplier`/`shift` in TFLite's Q31 form, `rounding`, the fused
`clamp_min`/`clamp_max`, tables); a discardable `qparams` attribute may record the real scales
for reports. `qtc.dialects.qnn_interpreter` is the exact reference of every op, the C emitter
reads the same properties, and `qtc.dialects.fixedpoint` computes them on the host.

Window conventions are `nn`'s: channels-last, kernels in Keras layout (dense [in, out],
conv [*K, C, F], depthwise [*K, C, M] with output channel c*M + m), `strides`, `dilations`
and `pool_size` as `array<i64: ...>`, `padding` "same" or "valid".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, NoReturn

import numpy as np
from xdsl.dialects.builtin import (
    I32,
    I64,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    i32,
    i64,
)
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    ParamAttrConstraint,
    ParsePropInAttrDict,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from qtc.dialects.dense import dense_to_numpy
from qtc.dialects.fixedpoint import INT32_MAX, ROUNDINGS, lut_int16_lookup
from qtc.dialects.qtc_attrs import QParamsAttr, storage_range
from qtc.dialects.shapes import PADDINGS, window_output_shape

ACTIVATION_WIDTHS = (8, 16)
BIAS_WIDTH = {8: 32, 16: 64}
"""Bias (and accumulator) width required by each activation width."""
LUT_LENGTH = {8: 256, 16: 513}
SHIFT_RANGE = {32: (-31, 30), 64: (-31, 7)}
"""Valid `shift` of the int32- and int64-input MultiplyByQuantizedMultiplier."""
SOFTMAX_MAX_DEPTH = {8: ((1 << 28) - 1) >> 19, 16: INT32_MAX // 32767}
"""Longest softmax row the integer kernels handle: i8 keeps the Q12.19 sum of exp() terms
(each <= 2^19) below 2^28, which TFLM's final rounding shift needs; i16 keeps the int32 sum
of Q0.15 terms from overflowing."""

_INT8_MAX_DIFFERENCE = 255


def i32_attr(value: int) -> IntegerAttr:
    """An `i32` integer property (zero points, clamps, scalar multipliers and shifts)."""
    return IntegerAttr(int(value), i32)


def i32_array(values: Sequence[int]) -> DenseArrayBase:
    """An `array<i32: ...>` property (`multiplier`, `shift`)."""
    return DenseArrayBase.from_list(i32, [int(v) for v in values])


def i64_array(values: Sequence[int]) -> DenseArrayBase:
    """An `array<i64: ...>` property (`strides`, `dilations`, `pool_size`, `padding`)."""
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def _shape(value: SSAValue) -> tuple[int, ...]:
    return tuple(value.type.get_shape())


def _width(value: SSAValue) -> int | None:
    """Bit width of an integer tensor's elements, None for other element types."""
    element = value.type.get_element_type()
    return element.width.data if isinstance(element, IntegerType) else None


class QnnOp(IRDLOperation, ABC):
    """Base of every qnn op: pure, properties in the attr-dict, errors that name the op.

    `verify_` checks types and shapes (`verify_types`) first; property mixins extend it
    cooperatively, so their checks can rely on valid types.
    """

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def verify_(self) -> None:
        for value in (*self.operands, *self.results):
            if not value.type.has_static_shape():
                self.fail(f"expected statically shaped tensors, got {value.type}")
        self.verify_types()

    @abstractmethod
    def verify_types(self) -> None:
        """Element types and shapes of the operands and result."""

    def fail(self, message: str) -> NoReturn:
        raise VerifyException(f"{self.name}: {message}")

    def check_width(
        self, value: SSAValue, what: str, widths: Sequence[int] = ACTIVATION_WIDTHS
    ) -> int:
        """The element width of `value`, which must be one of `widths`."""
        width = _width(value)
        if width not in widths:
            names = " or ".join(f"i{w}" for w in widths)
            self.fail(f"{what} element type must be {names}, got {value.type.get_element_type()}")
        return width

    def check_same_element_type(
        self, value: SSAValue, what: str, reference: SSAValue, of: str
    ) -> None:
        element, expected = value.type.get_element_type(), reference.type.get_element_type()
        if element != expected:
            self.fail(f"{what} element type {element} must equal the {of} element type {expected}")

    def check_in_storage(self, name: str, value: int, width: int) -> None:
        lo, hi = storage_range(width)
        if not lo <= value <= hi:
            self.fail(f"{name} {value} is outside the i{width} range [{lo}, {hi}]")

    def check_multiplier(
        self, name: str, multiplier: int, shift: int, shift_range: tuple[int, int]
    ) -> None:
        if not (multiplier == 0 or (1 << 30) <= multiplier <= INT32_MAX):
            self.fail(
                f"{name} {multiplier} is not normalized: expected 0 or a value in [2^30, 2^31 - 1] "
                "(compute it with fixedpoint.quantize_multiplier)"
            )
        lo, hi = shift_range
        if not lo <= shift <= hi:
            self.fail(f"shift {shift} of {name} is outside [{lo}, {hi}]")

    def check_rank(self, value: SSAValue, what: str, rank: int) -> tuple[int, ...]:
        shape = _shape(value)
        if len(shape) != rank:
            self.fail(f"{what} must have rank {rank}, got shape {list(shape)}")
        return shape

    def check_result_shape(self, expected: Sequence[int]) -> None:
        if _shape(self.result) != tuple(expected):
            self.fail(
                f"result shape {list(_shape(self.result))} does not match the expected "
                f"{list(expected)}"
            )

    def normalized_axis(self, axis: IntegerAttr, rank: int) -> int:
        """`axis` in [0, rank), a negative one counting from the end (as in `nn`)."""
        if not -rank <= axis.value.data < rank:
            self.fail(f"axis {axis.value.data} is out of range for a rank-{rank} tensor")
        return axis.value.data % rank


class UnaryOp(QnnOp, ABC):
    """An op with one tensor operand and one tensor result."""

    input = operand_def(TensorType)
    result = result_def(TensorType)
    assembly_format = "$input attr-dict `:` functional-type(operands, results)"


class SameTypeOp(UnaryOp, ABC):
    """A unary op on i8/i16 whose result has the input's element type."""

    def verify_types(self) -> None:
        self.check_width(self.input, "input")
        self.check_same_element_type(self.result, "result", self.input, "input")
        self.verify_shape()

    def verify_shape(self) -> None:
        self.check_result_shape(_shape(self.input))


class ClampedOp(QnnOp, ABC):
    """The integer result is clamped to [clamp_min, clamp_max] (default: its storage range)."""

    clamp_min = opt_prop_def(IntegerAttr[I32])
    clamp_max = opt_prop_def(IntegerAttr[I32])

    def clamp_range(self) -> tuple[int, int]:
        lo, hi = storage_range(_width(self.result))
        return (
            lo if self.clamp_min is None else self.clamp_min.value.data,
            hi if self.clamp_max is None else self.clamp_max.value.data,
        )

    def verify_(self) -> None:
        super().verify_()
        lo, hi = storage_range(_width(self.result))
        cmin, cmax = self.clamp_range()
        if not lo <= cmin <= cmax <= hi:
            self.fail(
                f"clamp [{cmin}, {cmax}] must be an ordered range within the "
                f"{self.result.type.get_element_type()} range [{lo}, {hi}]"
            )


class RoundingOp(QnnOp, ABC):
    """Selects the int32 requantizer: gemmlowp double rounding (default) or single rounding."""

    rounding = prop_def(StringAttr, default_value=StringAttr("double"))

    def verify_(self) -> None:
        super().verify_()
        if self.rounding.data not in ROUNDINGS:
            self.fail(f'rounding must be "double" or "single", got "{self.rounding.data}"')


class RescaledOp(ClampedOp, RoundingOp, ABC):
    """`y = clamp(MBQM(acc, multiplier[c], shift[c]) + output_zero_point)`, c per channel or 0."""

    output_zero_point = prop_def(IntegerAttr[I32])
    multiplier = prop_def(DenseArrayBase[I32])
    shift = prop_def(DenseArrayBase[I32])

    def multipliers(self) -> tuple[int, ...]:
        return self.multiplier.get_values()

    def shifts(self) -> tuple[int, ...]:
        return self.shift.get_values()

    def channels(self) -> int:
        """How many multipliers a per-channel rescale has (1: per tensor only)."""
        return 1

    def accumulator_bits(self) -> int:
        return 32

    def verify_(self) -> None:
        super().verify_()
        self.check_in_storage(
            "output_zero_point", self.output_zero_point.value.data, _width(self.result)
        )
        multipliers, shifts, channels = self.multipliers(), self.shifts(), self.channels()
        if len(multipliers) not in (1, channels) or len(shifts) != len(multipliers):
            expected = "1" if channels == 1 else f"1 or {channels}"
            self.fail(
                f"multiplier and shift must have {expected} values (one per output channel), "
                f"got {len(multipliers)} and {len(shifts)}"
            )
        for q, s in zip(multipliers, shifts):
            self.check_multiplier("multiplier", q, s, SHIFT_RANGE[self.accumulator_bits()])


# ----------------------------------------------------------------------------- constants, boundary


@irdl_op_definition
class ConstantOp(QnnOp):
    """An integer tensor constant (weights, biases)."""

    name = "qnn.constant"

    T: ClassVar = VarConstraint("T", base(TensorType))
    value = prop_def(ParamAttrConstraint(DenseIntOrFPElementsAttr, (T, AnyAttr())))
    result = result_def(T)
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = "$value attr-dict"

    def __init__(self, value: DenseIntOrFPElementsAttr):
        super().__init__(properties={"value": value}, result_types=[value.type])

    def verify_types(self) -> None:
        self.check_width(self.result, "value", (8, 16, 32, 64))


class _BoundaryOp(UnaryOp, ABC):
    """A float <-> integer conversion at the model boundary with per-tensor `qparams`."""

    FLOAT_INPUT: ClassVar[bool]
    qparams = prop_def(QParamsAttr)

    def verify_types(self) -> None:
        floats, integers = (
            (self.input, self.result) if self.FLOAT_INPUT else (self.result, self.input)
        )
        if not isinstance(floats.type.get_element_type(), Float32Type):
            self.fail(f"float side must be f32, got {floats.type.get_element_type()}")
        width = self.check_width(integers, "integer side")
        if self.qparams.per_axis:
            self.fail("qparams must be per tensor")
        if self.qparams.storage_type != integers.type.get_element_type():
            self.fail(
                f"qparams storage type {self.qparams.storage_type} must equal the integer "
                f"element type i{width}"
            )
        self.check_result_shape(_shape(self.input))


@irdl_op_definition
class QuantizeOp(_BoundaryOp):
    """f32 -> i8/i16: `clamp(round_half_away(x / scale) + zp)` in float32 (AffineQuantize)."""

    name = "qnn.quantize"
    FLOAT_INPUT: ClassVar[bool] = True


@irdl_op_definition
class DequantizeOp(_BoundaryOp):
    """i8/i16 -> f32: `(q - zp) * scale` in float32 (TFLite Dequantize)."""

    name = "qnn.dequantize"
    FLOAT_INPUT: ClassVar[bool] = False


# ----------------------------------------------------------------------------- requantization


@irdl_op_definition
class RequantizeOp(UnaryOp, RescaledOp):
    """int -> int: `clamp(MBQM(x - input_zero_point, m[c], s[c]) + output_zero_point)`.

    One (m, s) pair per tensor, or one per index c of `axis`.
    """

    name = "qnn.requantize"

    input_zero_point = prop_def(IntegerAttr[I32])
    axis = opt_prop_def(IntegerAttr[I64])

    def channel_axis(self) -> int | None:
        return None if self.axis is None else self.axis.value.data % len(_shape(self.input))

    def channels(self) -> int:
        axis = self.channel_axis()
        return 1 if axis is None else _shape(self.result)[axis]

    def verify_types(self) -> None:
        width = self.check_width(self.input, "input", (8, 16, 32))
        self.check_width(self.result, "result", (8, 16, 32))
        self.check_in_storage("input_zero_point", self.input_zero_point.value.data, width)
        self.check_result_shape(_shape(self.input))
        if self.axis is not None:
            self.normalized_axis(self.axis, len(_shape(self.input)))
        elif len(self.multipliers()) != 1:
            self.fail("per-channel multipliers need an `axis`")


class _AccumulatingOp(RescaledOp, ABC):
    """`acc = bias[c] + sum w * (x - input_zero_point)`, then the per-channel rescale.

    The accumulator has the bias width: i32 (i8 activations, the int32 MBQM of `rounding`)
    or i64 (i16 activations, the int64-input MBQM of both roundings).
    """

    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    bias = operand_def(TensorType)
    result = result_def(TensorType)
    input_zero_point = prop_def(IntegerAttr[I32])
    assembly_format = (
        "$input `,` $weights `,` $bias attr-dict `:` functional-type(operands, results)"
    )

    def channels(self) -> int:
        return _shape(self.result)[-1]

    def accumulator_bits(self) -> int:
        return _width(self.bias)

    def verify_types(self) -> None:
        width = self.check_width(self.input, "input")
        self.check_width(self.weights, "weights")
        self.check_width(self.result, "result")
        self.check_width(self.bias, f"bias (for i{width} activations)", (BIAS_WIDTH[width],))
        self.check_in_storage("input_zero_point", self.input_zero_point.value.data, width)
        self.check_result_shape(self.expected_result_shape())
        (bias_length,) = self.check_rank(self.bias, "bias", 1)
        if bias_length != self.channels():
            self.fail(
                f"bias has {bias_length} values but the result has {self.channels()} channels"
            )

    @abstractmethod
    def expected_result_shape(self) -> list[int]:
        """The result shape the input and weights imply."""


@irdl_op_definition
class DenseOp(_AccumulatingOp):
    """Fully connected layer on the last axis: x [..., in] times weights [in, out]."""

    name = "qnn.dense"

    def expected_result_shape(self) -> list[int]:
        x = _shape(self.input)
        w = self.check_rank(self.weights, "weights", 2)
        if not x or x[-1] != w[0]:
            self.fail(f"input shape {list(x)} does not match weights shape {list(w)} ([in, out])")
        return [*x[:-1], w[1]]


class WindowOp(QnnOp, ABC):
    """A sliding window over the SPATIAL axes of a channels-last input."""

    SPATIAL: ClassVar[int]
    strides = prop_def(DenseArrayBase[I64])
    padding = prop_def(StringAttr)

    def window_output(
        self, kernel: Sequence[int], dilations: Sequence[int]
    ) -> tuple[tuple[int, ...], list[int]]:
        """(input shape, spatial output shape) after checking the window's properties."""
        x = self.check_rank(self.input, "input", self.SPATIAL + 2)
        strides = self.strides.get_values()
        if not len(strides) == len(dilations) == len(kernel) == self.SPATIAL:
            self.fail(f"strides, dilations and window must each have {self.SPATIAL} values")
        if min(*strides, *dilations, *kernel) < 1:
            self.fail("strides, dilations and window sizes must be positive")
        if self.padding.data not in PADDINGS:
            self.fail(f'padding must be "same" or "valid", got "{self.padding.data}"')
        out = window_output_shape(x[1:-1], kernel, strides, dilations, self.padding.data)
        if 0 in out:
            self.fail(
                f"window {list(kernel)} does not fit the input's spatial shape {list(x[1:-1])}"
            )
        return x, out


class _ConvOp(_AccumulatingOp, WindowOp, ABC):
    """Convolution over SPATIAL axes; depthwise when DEPTHWISE (weights [*K, C, M])."""

    DEPTHWISE: ClassVar[bool] = False
    dilations = prop_def(DenseArrayBase[I64])

    def expected_result_shape(self) -> list[int]:
        w = self.check_rank(self.weights, "weights", self.SPATIAL + 2)
        x, out = self.window_output(w[:-2], self.dilations.get_values())
        if w[-2] != x[-1]:
            self.fail(f"weights shape {list(w)} does not take the input's {x[-1]} channels")
        return [x[0], *out, w[-1] * w[-2] if self.DEPTHWISE else w[-1]]


@irdl_op_definition
class Conv1DOp(_ConvOp):
    """1-d convolution: x [N, L, C], weights [K, C, F]."""

    name = "qnn.conv1d"
    SPATIAL: ClassVar[int] = 1


@irdl_op_definition
class Conv2DOp(_ConvOp):
    """2-d convolution: x [N, H, W, C], weights [KH, KW, C, F]."""

    name = "qnn.conv2d"
    SPATIAL: ClassVar[int] = 2


@irdl_op_definition
class DepthwiseConv1DOp(_ConvOp):
    """1-d depthwise convolution: x [N, L, C], weights [K, C, M] -> C*M channels."""

    name = "qnn.depthwise_conv1d"
    SPATIAL: ClassVar[int] = 1
    DEPTHWISE: ClassVar[bool] = True


@irdl_op_definition
class DepthwiseConv2DOp(_ConvOp):
    """2-d depthwise convolution: x [N, H, W, C], weights [KH, KW, C, M] -> C*M channels."""

    name = "qnn.depthwise_conv2d"
    SPATIAL: ClassVar[int] = 2
    DEPTHWISE: ClassVar[bool] = True


# ----------------------------------------------------------------------------- elementwise


class _BinaryOp(ClampedOp, ABC):
    """An elementwise op of two i8/i16 tensors of the result's element type, numpy broadcasting."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)
    lhs_zero_point = prop_def(IntegerAttr[I32])
    rhs_zero_point = prop_def(IntegerAttr[I32])
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def verify_types(self) -> None:
        width = self.check_width(self.result, "result")
        self.check_same_element_type(self.lhs, "lhs", self.result, "result")
        self.check_same_element_type(self.rhs, "rhs", self.result, "result")
        self.check_in_storage("lhs_zero_point", self.lhs_zero_point.value.data, width)
        self.check_in_storage("rhs_zero_point", self.rhs_zero_point.value.data, width)
        try:
            shape = np.broadcast_shapes(_shape(self.lhs), _shape(self.rhs))
        except ValueError:
            self.fail(
                f"operand shapes {list(_shape(self.lhs))} and {list(_shape(self.rhs))} "
                "do not broadcast"
            )
        self.check_result_shape(shape)

    def largest_offsets(self) -> tuple[int, int]:
        """The largest |q - zero_point| of each input."""
        lo, hi = storage_range(_width(self.result))
        return tuple(
            max(z - lo, hi - z)
            for z in (self.lhs_zero_point.value.data, self.rhs_zero_point.value.data)
        )


class _AddSubOp(_BinaryOp, RoundingOp, ABC):
    """TFLite ADD/SUB: both inputs rescaled after a headroom shift, combined, rescaled again.

    `a_i = MBQM((x_i - z_i) * 2^left_shift, m_i, s_i)`,
    `y = clamp(MBQM(a_1 -/+ a_2, m_out, s_out) + z_out)`;
    TFLite uses left_shift 20 for i8 and 15 for i16 (fixedpoint.ADD_LEFT_SHIFT, add_params).
    """

    left_shift = prop_def(IntegerAttr[I32])
    lhs_multiplier = prop_def(IntegerAttr[I32])
    lhs_shift = prop_def(IntegerAttr[I32])
    rhs_multiplier = prop_def(IntegerAttr[I32])
    rhs_shift = prop_def(IntegerAttr[I32])
    output_multiplier = prop_def(IntegerAttr[I32])
    output_shift = prop_def(IntegerAttr[I32])
    output_zero_point = prop_def(IntegerAttr[I32])

    def rescales(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """(multiplier, shift) of lhs, rhs and output."""
        return (
            (self.lhs_multiplier.value.data, self.lhs_shift.value.data),
            (self.rhs_multiplier.value.data, self.rhs_shift.value.data),
            (self.output_multiplier.value.data, self.output_shift.value.data),
        )

    def verify_(self) -> None:
        super().verify_()
        self.check_in_storage(
            "output_zero_point", self.output_zero_point.value.data, _width(self.result)
        )
        for side, (q, s) in zip(("lhs", "rhs", "output"), self.rescales()):
            self.check_multiplier(f"{side}_multiplier", q, s, SHIFT_RANGE[32])
        left_shift, largest = self.left_shift.value.data, max(self.largest_offsets())
        if not 0 <= left_shift <= 30 or largest << left_shift > INT32_MAX:
            self.fail(
                f"left_shift {left_shift} overflows int32 for inputs up to {largest} from "
                "their zero point"
            )


@irdl_op_definition
class AddOp(_AddSubOp):
    """Quantized addition with TFLite's input rescaling."""

    name = "qnn.add"


@irdl_op_definition
class SubOp(_AddSubOp):
    """Quantized subtraction with TFLite's input rescaling."""

    name = "qnn.sub"


@irdl_op_definition
class MulOp(_BinaryOp, RescaledOp):
    """Quantized product: `y = clamp(MBQM((x1 - z1) * (x2 - z2), m, s) + z_out)`."""

    name = "qnn.mul"

    def verify_(self) -> None:
        super().verify_()
        a, b = self.largest_offsets()
        if a * b > INT32_MAX:
            self.fail(
                f"the product of inputs up to {a} and {b} from their zero points overflows int32"
            )


@irdl_op_definition
class ClampOp(SameTypeOp, ClampedOp):
    """Standalone ReLU/ReLU6 at an unchanged scale: clamp to [clamp_min, clamp_max]."""

    name = "qnn.clamp"

    clamp_min = prop_def(IntegerAttr[I32])
    clamp_max = prop_def(IntegerAttr[I32])


@irdl_op_definition
class LutOp(SameTypeOp):
    """Table lookup: 256 i8 entries in natural order (q + 128) or 513 interpolated i16 entries."""

    name = "qnn.lut"

    table = prop_def(DenseIntOrFPElementsAttr)

    def verify_(self) -> None:
        super().verify_()
        width = _width(self.input)
        expected = TensorType(IntegerType(width), [LUT_LENGTH[width]])
        if self.table.type != expected:
            self.fail(f"table must be a {expected} for i{width} input, got {self.table.type}")


@irdl_op_definition
class SoftmaxOp(SameTypeOp, RoundingOp):
    """Softmax of the last axis: TFLM SoftmaxInt8 (output 1/256, -128) or SoftmaxInt16 (2^-15, 0).

    i8: the difference to the row maximum is scaled to Q5.26 by `input_beta_multiplier` and
    `input_beta_left_shift` (>= 0); differences below `diff_min` give -128. i16: the difference
    is requantized (any shift, `rounding`) onto the domain of `exp_table`, and
    `reciprocal_table` gives 1/(1+x). fixedpoint.softmax_int8_params / softmax_int16_params
    compute all of them.
    """

    name = "qnn.softmax"

    input_beta_multiplier = prop_def(IntegerAttr[I32])
    input_beta_left_shift = prop_def(IntegerAttr[I32])
    diff_min = opt_prop_def(IntegerAttr[I32])
    exp_table = opt_prop_def(DenseIntOrFPElementsAttr)
    reciprocal_table = opt_prop_def(DenseIntOrFPElementsAttr)

    def verify_shape(self) -> None:
        super().verify_shape()
        if not _shape(self.input):
            self.fail("input must have at least one axis")
        width, depth = _width(self.input), _shape(self.input)[-1]
        if depth > SOFTMAX_MAX_DEPTH[width]:
            self.fail(
                f"rows of {depth} values are too long for the integer sum of exponentials "
                f"(at most {SOFTMAX_MAX_DEPTH[width]})"
            )

    def verify_(self) -> None:
        super().verify_()
        q, shift = self.input_beta_multiplier.value.data, self.input_beta_left_shift.value.data
        tables = (self.exp_table, self.reciprocal_table)
        if _width(self.input) == 8:
            self.check_multiplier("input_beta_multiplier", q, shift, (0, 30))
            if self.diff_min is None or tables != (None, None):
                self.fail("i8 softmax needs diff_min and no tables")
            diff_min = self.diff_min.value.data
            if diff_min > 0 or min(-diff_min, _INT8_MAX_DIFFERENCE) << shift > INT32_MAX:
                self.fail(
                    f"diff_min {diff_min} must be <= 0 and the differences it admits times "
                    f"2^{shift} must fit int32"
                )
            return
        self.check_multiplier("input_beta_multiplier", q, shift, SHIFT_RANGE[32])
        if self.diff_min is not None or None in tables:
            self.fail("i16 softmax needs exp_table and reciprocal_table and no diff_min")
        expected = TensorType(IntegerType(16), [LUT_LENGTH[16]])
        for name, table in zip(("exp_table", "reciprocal_table"), tables):
            if table.type != expected:
                self.fail(f"{name} must be a {expected}, got {table.type}")
        exp = dense_to_numpy(self.exp_table)
        at_zero = int(lut_int16_lookup(32767, exp))
        if exp.min() < 0 or at_zero < 2:
            self.fail(
                "exp_table must be non-negative and map a zero difference to at least 2, "
                f"got {at_zero}"
            )


# ----------------------------------------------------------------------------- pooling


class _PoolOp(SameTypeOp, WindowOp, ClampedOp, ABC):
    """Pooling with `pool_size`, `strides` and `padding` at an unchanged scale and zero point."""

    pool_size = prop_def(DenseArrayBase[I64])

    def verify_shape(self) -> None:
        pool = self.pool_size.get_values()
        x, out = self.window_output(pool, [1] * len(pool))
        self.check_result_shape([x[0], *out, x[-1]])


@irdl_op_definition
class MaxPool1DOp(_PoolOp):
    """1-d max pooling; padded taps never win."""

    name = "qnn.max_pool1d"
    SPATIAL: ClassVar[int] = 1


@irdl_op_definition
class MaxPool2DOp(_PoolOp):
    """2-d max pooling; padded taps never win."""

    name = "qnn.max_pool2d"
    SPATIAL: ClassVar[int] = 2


@irdl_op_definition
class AvgPool1DOp(_PoolOp):
    """1-d average pooling: TFLite's rounding division of the valid-tap sum by their count."""

    name = "qnn.avg_pool1d"
    SPATIAL: ClassVar[int] = 1


@irdl_op_definition
class AvgPool2DOp(_PoolOp):
    """2-d average pooling: TFLite's rounding division of the valid-tap sum by their count."""

    name = "qnn.avg_pool2d"
    SPATIAL: ClassVar[int] = 2


class _GlobalPoolOp(UnaryOp, ABC):
    """A reduction over every spatial axis: [N, L, C] or [N, H, W, C] -> [N, C] (as `nn`)."""

    def verify_global_shape(self) -> None:
        x = _shape(self.input)
        if len(x) not in (3, 4):
            self.fail(f"input must be [N, L, C] or [N, H, W, C], got shape {list(x)}")
        self.check_result_shape([x[0], x[-1]])


@irdl_op_definition
class GlobalMaxPoolOp(_GlobalPoolOp, SameTypeOp):
    """Maximum over the spatial axes."""

    name = "qnn.global_max_pool"

    def verify_shape(self) -> None:
        self.verify_global_shape()


@irdl_op_definition
class GlobalAvgPoolOp(_GlobalPoolOp, RescaledOp):
    """Spatial mean, TFLite MEAN style: `clamp(MBQM(sum(x - z_in), m, s) + z_out)`, 1/count in m."""

    name = "qnn.global_avg_pool"

    input_zero_point = prop_def(IntegerAttr[I32])

    def verify_types(self) -> None:
        width = self.check_width(self.input, "input")
        self.check_width(self.result, "result")
        self.check_in_storage("input_zero_point", self.input_zero_point.value.data, width)
        self.verify_global_shape()


# ----------------------------------------------------------------------------- data movement


@irdl_op_definition
class ConcatOp(QnnOp):
    """Concatenation along `axis` (negative: from the end); inputs share scale and zero point."""

    name = "qnn.concat"

    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)
    axis = prop_def(IntegerAttr[I64])
    assembly_format = "$inputs attr-dict `:` functional-type(operands, results)"

    def verify_types(self) -> None:
        if not self.inputs:
            self.fail("needs at least one input")
        self.check_width(self.result, "result")
        shapes = [_shape(v) for v in self.inputs]
        axis = self.normalized_axis(self.axis, len(shapes[0]))
        rest = [s[:axis] + s[axis + 1 :] for s in shapes]
        for value, shape in zip(self.inputs, shapes):
            self.check_same_element_type(value, "input", self.result, "result")
            if len(shape) != len(shapes[0]) or rest[0] != shape[:axis] + shape[axis + 1 :]:
                self.fail(f"input shapes {[list(s) for s in shapes]} differ outside axis {axis}")
        self.check_result_shape(
            [*shapes[0][:axis], sum(s[axis] for s in shapes), *shapes[0][axis + 1 :]]
        )


@irdl_op_definition
class ReshapeOp(SameTypeOp):
    """Reshape to the result type; the elements and their scale are unchanged."""

    name = "qnn.reshape"

    def verify_shape(self) -> None:
        if np.prod(_shape(self.input)) != np.prod(_shape(self.result)):
            self.fail(f"cannot reshape {list(_shape(self.input))} to {list(_shape(self.result))}")


@irdl_op_definition
class PadOp(SameTypeOp):
    """Padding of each axis (`padding` = [before_0, after_0, ...]) with `pad_value` = zero point."""

    name = "qnn.pad"

    padding = prop_def(DenseArrayBase[I64])
    pad_value = prop_def(IntegerAttr[I32])

    def verify_shape(self) -> None:
        self.check_in_storage("pad_value", self.pad_value.value.data, _width(self.input))
        x, pads = _shape(self.input), self.padding.get_values()
        if len(pads) != 2 * len(x) or min(pads, default=0) < 0:
            self.fail(
                f"padding must be {2 * len(x)} non-negative values (before, after per axis), "
                f"got {list(pads)}"
            )
        self.check_result_shape([d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(x)])


QNN = Dialect(
    "qnn",
    [
        ConstantOp,
        QuantizeOp,
        DequantizeOp,
        RequantizeOp,
        DenseOp,
        Conv1DOp,
        Conv2DOp,
        DepthwiseConv1DOp,
        DepthwiseConv2DOp,
        AddOp,
        SubOp,
        MulOp,
        ClampOp,
        LutOp,
        SoftmaxOp,
        MaxPool1DOp,
        MaxPool2DOp,
        AvgPool1DOp,
        AvgPool2DOp,
        GlobalMaxPoolOp,
        GlobalAvgPoolOp,
        ConcatOp,
        ReshapeOp,
        PadOp,
    ],
    [],
)
