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
    BoolAttr,
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
    opt_operand_def,
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
from qtc.dialects.traits import InPlaceElementwise, ViewOfOperand

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
    traits = traits_def(InPlaceElementwise())

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
    traits = traits_def(InPlaceElementwise())


@irdl_op_definition
class SubOp(_AddSubOp):
    """Quantized subtraction with TFLite's input rescaling."""

    name = "qnn.sub"
    traits = traits_def(InPlaceElementwise())


@irdl_op_definition
class MulOp(_BinaryOp, RescaledOp):
    """Quantized product: `y = clamp(MBQM((x1 - z1) * (x2 - z2), m, s) + z_out)`."""

    name = "qnn.mul"
    traits = traits_def(InPlaceElementwise())

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
    traits = traits_def(InPlaceElementwise())

    clamp_min = prop_def(IntegerAttr[I32])
    clamp_max = prop_def(IntegerAttr[I32])


@irdl_op_definition
class LutOp(SameTypeOp):
    """Table lookup: 256 i8 entries in natural order (q + 128) or 513 interpolated i16 entries."""

    name = "qnn.lut"
    traits = traits_def(InPlaceElementwise())

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
    traits = traits_def(ViewOfOperand())

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


# ----------------------------------------------------------------------------- recurrent

GATE_SCALE_POWER = -12
"""Gate pre-activations are int16 Q3.12 (scale 2^-12), as in TFLM's integer LSTM."""
STATE_SCALE_POWER = -15
"""Gates, table outputs and the hidden state are int16 Q0.15 (scale 2^-15, |h| < 1)."""
RECURRENT_INT32_UNITS = INT32_MAX // (32768 * 128)
"""Most units whose recurrent sum of Q0.15 state times i8 weight products (each at most
2^15 * 2^7 in magnitude; quantization.md section 8 counts 516 terms for |w| <= 127) fits an
int32 accumulator: 511. Larger layers, and i16 weights, accumulate the recurrent projection in
int64."""
INPUT_INT32_FEATURES = INT32_MAX // (255 * 128)
"""Most input features whose sum of (x - zero point) * w (|x - z| <= 255, |w| <= 128) fits the
int32 accumulator of i8 inputs: 65793."""
OUTPUT_SHIFT_RANGE = (-31, 15)
"""Shifts of the output rescale: the Q0.15 state times 2^shift stays within int32."""
CELL_SCALE_POWER_RANGE = (-30, 0)
"""Cell state scales 2^p: i*g (Q0.30) reaches the cell by a right shift of 30 + p >= 0."""


def recurrent_accumulator_bits(weight_bits: int, units: int) -> int:
    """Width of the recurrent projection's accumulator: int32 for i8 weights and at most
    RECURRENT_INT32_UNITS units, else int64 (which also selects the int64-input requantizer)."""
    return 32 if weight_bits == 8 and units <= RECURRENT_INT32_UNITS else 64


class _RecurrentOp(RoundingOp, ABC):
    """A Keras recurrent layer in int16 fixed point over input [N, T, F] from a zero state.

    Weights: kernel [F, GATES * U] and recurrent_kernel [U, GATES * U] (i8, or i16 with i16
    inputs) with zero point 0; bias [GATES * U] (i32 for i8 inputs, i64 for i16). Result:
    [N, T, U] (every step) or [N, U] (the last), of the input's element type. Each step:

    - gate column c gets `gx[c] = G_in(bias[c] + sum_k (x[k] - input_zero_point) * kernel[k, c])`
      and `gh[c] = G_rec(sum_k h[k] * recurrent_kernel[k, c])`, both int16 Q3.12. G is the gate
      rescale: the accumulator is clamped to +-(2^min(e, 47) - 1), e = 31 - max(shift, 0) for
      int32 and 31 - shift for int64 accumulators (so neither the requantizer's left shift nor
      its int32 result can wrap; only results that saturate anyway change), multiplied by
      (multiplier[c], shift[c]) with the accumulator's requantizer (`rounding` for int32, the
      int64-input one otherwise) and saturated to int16. The input accumulator has the bias'
      width; the recurrent one `recurrent_accumulator_bits`;
    - `recurrent_activation_table` (sigmoid or hard sigmoid, entries in [0, 32767]) and
      `activation_table` (tanh) are TFLite's 513-entry interpolated int16 tables from Q3.12
      to Q0.15 (`lut_int16_lookup`);
    - products of Q0.15 values are shifted back with `rounding_divide_by_pot` (ties away from
      zero) in both rounding modes, every sum is saturated to int16;
    - the output is `clamp(MBQM(h, output_multiplier, output_shift) + output_zero_point)` of the
      Q0.15 state h (int32 requantizer of `rounding`).

    `qtc.dialects.qnn_interpreter` computes exactly this; the C is `runtime_c/qtc_recurrent.h`.
    """

    GATES: ClassVar[int]

    input = operand_def(TensorType)
    kernel = operand_def(TensorType)
    recurrent_kernel = operand_def(TensorType)
    bias = operand_def(TensorType)
    result = result_def(TensorType)

    input_zero_point = prop_def(IntegerAttr[I32])
    input_multiplier = prop_def(DenseArrayBase[I32])
    input_shift = prop_def(DenseArrayBase[I32])
    recurrent_multiplier = prop_def(DenseArrayBase[I32])
    recurrent_shift = prop_def(DenseArrayBase[I32])
    output_multiplier = prop_def(IntegerAttr[I32])
    output_shift = prop_def(IntegerAttr[I32])
    output_zero_point = prop_def(IntegerAttr[I32])
    recurrent_activation_table = prop_def(DenseIntOrFPElementsAttr)
    activation_table = prop_def(DenseIntOrFPElementsAttr)

    def units(self) -> int:
        return _shape(self.recurrent_kernel)[0]

    def return_sequences(self) -> bool:
        """Whether the result holds every step ([N, T, U]) or the last ([N, U])."""
        return len(_shape(self.result)) == 3

    def input_accumulator_bits(self) -> int:
        return _width(self.bias)

    def recurrent_accumulator_bits(self) -> int:
        return recurrent_accumulator_bits(_width(self.recurrent_kernel), self.units())

    def rescales(self) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
        """(multipliers, shifts) of the input and the recurrent projection."""
        return {
            side: (
                getattr(self, f"{side}_multiplier").get_values(),
                getattr(self, f"{side}_shift").get_values(),
            )
            for side in ("input", "recurrent")
        }

    def verify_types(self) -> None:
        x_bits = self.check_width(self.input, "input")
        weight_widths = (8,) if x_bits == 8 else (8, 16)
        self.check_width(self.kernel, f"kernel (for i{x_bits} inputs)", weight_widths)
        self.check_same_element_type(
            self.recurrent_kernel, "recurrent_kernel", self.kernel, "kernel"
        )
        self.check_width(self.bias, f"bias (for i{x_bits} inputs)", (BIAS_WIDTH[x_bits],))
        self.check_same_element_type(self.result, "result", self.input, "input")
        self.check_in_storage("input_zero_point", self.input_zero_point.value.data, x_bits)
        n, t, f = self.check_rank(self.input, "input", 3)
        u, columns = self.check_rank(self.recurrent_kernel, "recurrent_kernel", 2)
        g = self.GATES
        if columns != g * u:
            self.fail(f"recurrent_kernel must be [units, {g} * units], got shape [{u}, {columns}]")
        for value, what, expected in (
            (self.kernel, "kernel", (f, g * u)),
            (self.bias, "bias", (g * u,)),
        ):
            if _shape(value) != expected:
                self.fail(
                    f"{what} shape {list(_shape(value))} must be {list(expected)} for {f} input "
                    f"features and {u} units"
                )
        self.check_result_shape([n, t, u] if len(_shape(self.result)) == 3 else [n, u])
        if x_bits == 8 and f > INPUT_INT32_FEATURES:
            self.fail(
                f"{f} input features can overflow the int32 accumulator of i8 inputs (at most "
                f"{INPUT_INT32_FEATURES})"
            )

    def verify_(self) -> None:
        super().verify_()
        columns = self.GATES * self.units()
        bits = {
            "input": self.input_accumulator_bits(),
            "recurrent": self.recurrent_accumulator_bits(),
        }
        for side, (multipliers, shifts) in self.rescales().items():
            if len(multipliers) not in (1, columns) or len(shifts) != len(multipliers):
                self.fail(
                    f"{side}_multiplier and {side}_shift must have 1 or {columns} values (one per "
                    f"gate column), got {len(multipliers)} and {len(shifts)}"
                )
            for q, s in zip(multipliers, shifts):
                self.check_multiplier(f"{side}_multiplier", q, s, SHIFT_RANGE[bits[side]])
        self.check_multiplier(
            "output_multiplier", self.output_multiplier.value.data, self.output_shift.value.data,
            OUTPUT_SHIFT_RANGE,
        )
        self.check_in_storage(
            "output_zero_point", self.output_zero_point.value.data, _width(self.result)
        )
        expected = TensorType(IntegerType(16), [LUT_LENGTH[16]])
        for name in ("recurrent_activation_table", "activation_table"):
            if self.properties[name].type != expected:
                self.fail(f"{name} must be a {expected}, got {self.properties[name].type}")
        lowest = int(dense_to_numpy(self.recurrent_activation_table).min())
        if lowest < 0:
            self.fail(
                f"recurrent_activation_table must map into [0, 32767] (gates are non-negative "
                f"Q0.15), got {lowest}"
            )


@irdl_op_definition
class LSTMOp(_RecurrentOp):
    """Keras LSTM (gate columns i, f, c, o), TFLM's integer recipe with a Q0.15 hidden state.

    With i, f, o = recurrent_activation_table(sat16(gx + gh)) and
    g = activation_table(sat16(gx + gh)) of their columns, and the int16 cell c at scale
    2^cell_scale_power (p), each unit does
      c' = sat16(RDBPOT(f * c, 15) + RDBPOT(i * g, 30 + p))
      h' = RDBPOT(o * activation_table(Q3.12 of c'), 15)
    where Q3.12 of c' is sat16(c' * 2^(p + 12)) for p >= -12, else RDBPOT(c', -12 - p).
    """

    name = "qnn.lstm"
    GATES: ClassVar[int] = 4

    cell_scale_power = prop_def(IntegerAttr[I32])

    assembly_format = (
        "$input `,` $kernel `,` $recurrent_kernel `,` $bias attr-dict "
        "`:` functional-type(operands, results)"
    )

    def verify_(self) -> None:
        super().verify_()
        power = self.cell_scale_power.value.data
        lo, hi = CELL_SCALE_POWER_RANGE
        if not lo <= power <= hi:
            self.fail(f"cell_scale_power {power} is outside [{lo}, {hi}]")


class _RecurrentBias:
    """The GRU's optional operand, in a base after _RecurrentOp so that it comes after the four
    shared operands (xDSL collects an op's fields in method resolution order)."""

    recurrent_bias = opt_operand_def(TensorType)


@irdl_op_definition
class GRUOp(_RecurrentOp, _RecurrentBias):
    """Keras GRU (gate columns z, r, h): h' = z h + (1 - z) hh in Q0.15.

    z and r are recurrent_activation_table(sat16(gx + gh)) of their columns. With
    `reset_after`, `recurrent_bias` [U] (at scale(recurrent_kernel[c]) * 2^-15, the width of
    the recurrent accumulator; Keras' recurrent z and r biases are folded into `bias`) is added
    to the candidate's recurrent accumulator and hh = activation_table(sat16(gx + RDBPOT(r * gh,
    15))); without it, hh = activation_table(sat16(gx + G_rec(sum_k rh[k] * recurrent_kernel[k,
    c]))) with rh = RDBPOT(r * h, 15). Then h' = hh + RDBPOT(z * (h - hh), 15): one rounding,
    1 - z taken as exactly (32768 - z) / 2^15, and h' stays between h and hh.
    """

    name = "qnn.gru"
    GATES: ClassVar[int] = 3

    reset_after = prop_def(BoolAttr)

    assembly_format = (
        "$input `,` $kernel `,` $recurrent_kernel `,` $bias (`,` $recurrent_bias^)? attr-dict "
        "`:` functional-type(operands, results)"
    )

    def verify_(self) -> None:
        super().verify_()
        reset_after = bool(self.reset_after.value.data)
        if reset_after != (self.recurrent_bias is not None):
            self.fail("a recurrent_bias operand is needed with reset_after = true, and only then")
        if reset_after:
            bits = self.recurrent_accumulator_bits()
            what = "recurrent_bias (the recurrent accumulator's)"
            self.check_width(self.recurrent_bias, what, (bits,))
            if _shape(self.recurrent_bias) != (self.units(),):
                self.fail(
                    f"recurrent_bias shape {list(_shape(self.recurrent_bias))} must be "
                    f"[{self.units()}] (the candidate's units)"
                )


# ----------------------------------------------------------------------------- signal pre-processing

SPECTRUM_SIZES = (32, 64, 128, 256, 512)
Q15_MAX = 32767
LOG_OFFSET_LIMIT = 1 << 30
"""|log_offset| bound: log2_q16 (< 2^22) plus the offset stays within int32."""
LOG_FLOOR_LIMIT = 1 << 32


@irdl_op_definition
class NormalizeOp(UnaryOp, RescaledOp):
    """Per-channel normalisation folded into one rescale of the last axis c:
    `y = clamp(MBQM(x * 2^left_shift - offset[c], multiplier[c], shift[c]) + output_zero_point)`.

    The offsets hold the input zero point and the mean in input integers times 2^left_shift;
    the verifier checks that the difference cannot leave int32 (the int32 requantizer of
    `rounding` applies).
    """

    name = "qnn.normalize"

    offset = prop_def(DenseArrayBase[I32])
    left_shift = prop_def(IntegerAttr[I32])

    def channels(self) -> int:
        return _shape(self.result)[-1]

    def verify_types(self) -> None:
        width = self.check_width(self.input, "input")
        self.check_width(self.result, "result")
        shape = _shape(self.input)
        if not shape:
            self.fail("input must have a channel axis, got shape []")
        self.check_result_shape(shape)
        offsets = self.offset.get_values()
        if len(offsets) != shape[-1]:
            self.fail(f"offset must have one value per channel ({shape[-1]}), got {len(offsets)}")
        left_shift = self.left_shift.value.data
        largest = (1 << (width - 1)) * (1 << max(left_shift, 0)) + max(map(abs, offsets), default=0)
        if not 0 <= left_shift <= 30 or largest > INT32_MAX:
            self.fail(
                f"left_shift {left_shift} with offsets up to {max(map(abs, offsets), default=0)} "
                f"overflows int32 for i{width} inputs"
            )


@irdl_op_definition
class SpectrumOp(UnaryOp, RescaledOp):
    """Integer spectrum of each channel: x i16 [N, L, C] (zero point 0) -> y [N, F, C].

    The newest m = min(L, size) samples, times `window_table` (Q15, `(x * w + 2^14) >> 15`)
    when present, zero padded to `size`, go through the integer real FFT of qtc_dsp.h
    (`qtc.dialects.dsp.rfft_q15`: Q15 twiddles, every stage halved, so re/im = DFT / size).
    `magnitude`: v = round(sqrt(re^2 + im^2)); `log_power`: p = re^2 + im^2. The optional Q15
    `mel` filterbank [size/2 + 1, M] sums v or p in int64 and rounds by 2^-15. `log_power`
    then takes v = log2_q16(p + log_floor) + log_offset (log2 in Q16 from the exponent and a
    257-entry mantissa table). Finally y = clamp(MBQM(v, multiplier, shift) + output_zero_point).
    """

    name = "qnn.spectrum"

    size = prop_def(IntegerAttr[I64])
    output = prop_def(StringAttr)
    window_table = opt_prop_def(DenseIntOrFPElementsAttr)
    mel = opt_prop_def(DenseIntOrFPElementsAttr)
    log_floor = opt_prop_def(IntegerAttr[I64])
    log_offset = opt_prop_def(IntegerAttr[I32])

    def bins(self) -> int:
        return self.mel.get_shape()[1] if self.mel is not None else self.size.value.data // 2 + 1

    def check_q15_table(self, name: str, table, shape: Sequence[int]) -> None:
        expected = TensorType(IntegerType(16), list(shape))
        if table.type != expected:
            self.fail(f"{name} must be a {expected}, got {table.type}")
        values = dense_to_numpy(table)
        if values.min() < 0:
            self.fail(f"{name} entries must be in [0, {Q15_MAX}], got {int(values.min())}")

    def verify_types(self) -> None:
        self.check_width(self.input, "input", (16,))
        self.check_width(self.result, "result")
        n, length, c = self.check_rank(self.input, "input", 3)
        size = self.size.value.data
        if size not in SPECTRUM_SIZES:
            self.fail(f"size must be a power of two from 32 to 512, got {size}")
        if self.window_table is not None:
            self.check_q15_table("window_table", self.window_table, [min(length, size)])
        if self.mel is not None:
            self.check_q15_table("mel", self.mel, [size // 2 + 1, self.mel.get_shape()[-1]])
        self.check_result_shape([n, self.bins(), c])

    def verify_(self) -> None:
        super().verify_()
        output = self.output.data
        logs = (self.log_floor, self.log_offset)
        if output == "magnitude":
            if logs != (None, None):
                self.fail("log_floor and log_offset belong to output \"log_power\" only")
        elif output == "log_power":
            if None in logs:
                self.fail("output \"log_power\" needs log_floor and log_offset")
            floor, offset = self.log_floor.value.data, self.log_offset.value.data
            if not 1 <= floor < LOG_FLOOR_LIMIT or abs(offset) > LOG_OFFSET_LIMIT:
                self.fail(
                    f"log_floor {floor} must be in [1, 2^32) and |log_offset| {abs(offset)} at most 2^30"
                )
        else:
            self.fail(f'output must be "magnitude" or "log_power", got "{output}"')


QNN = Dialect(
    "qnn",
    [
        ConstantOp,
        NormalizeOp,
        SpectrumOp,
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
        LSTMOp,
        GRUOp,
    ],
    [],
)


INTEGER_FORMS: dict[str, tuple[str, ...]] = {
    **{
        f"nn.{kind}": (f"qnn.{kind}",)
        for kind in (
            "dense", "conv1d", "conv2d", "depthwise_conv1d", "depthwise_conv2d", "add", "sub", "mul",
            "softmax", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "global_max_pool",
            "global_avg_pool", "concat", "reshape", "pad", "lstm", "gru", "normalize", "spectrum",
        )
    },
    "nn.normalize_raw": ("qnn.normalize",),
    "nn.relu": ("qnn.clamp", "qnn.requantize"),
    "nn.relu6": ("qnn.clamp", "qnn.requantize"),
    "nn.tanh": ("qnn.lut",),
    "nn.sigmoid": ("qnn.lut",),
    "nn.batch_norm": ("qnn.depthwise_conv1d", "qnn.depthwise_conv2d", "qnn.reshape"),
}
"""The `qnn` ops whose result can be an `nn` op's value, as `requantize` lowers it: the op of
the same kind, a clamp (or a clamping requantize) for a relu, a table for tanh and sigmoid, a
1x1 depthwise convolution (reshaped around for [N, C]) for a batch norm. `qtc verify` pairs
float and integer values by it, `qtc cost` the final module's ops with report.json's layers."""


def implements(op_name: str, nn_name: str) -> bool:
    """Whether an op named `op_name` computes the value of an `nn_name` op: the op itself (a
    float module) or one of its integer forms."""
    return op_name == nn_name or op_name in INTEGER_FORMS.get(nn_name, ())
