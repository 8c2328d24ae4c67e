"""The `nn` dialect: float neural-network layers on statically shaped f32 tensors.

Each op is one Keras 3 layer (`keras.layers.*`) in inference form, so a Keras model maps
onto the dialect one layer to one op and the interpreter (`qtc.dialects.nn_interpreter`)
can be checked against Keras directly. Conventions, shared with `qnn`:

- the batch dimension is explicit and layouts are channels-last: 1-d ops take [N, L, C],
  2-d ops [N, H, W, C];
- weights and biases are operands (made by `nn.constant`) in Keras layout: dense [in, out],
  conv [*K, C, F], depthwise conv [*K, C, M] (output channel c * M + m); a bias is always
  present (zero when the Keras layer has none);
- `activation = "relu" | "relu6"` on dense, convolutions, add, sub and mul is a clamp fused
  after the op; without it the op is linear.

Verifier messages start with the op name and state the values that disagree, because parsed
ops carry no source location.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from math import prod
from typing import ClassVar

from xdsl.dialects.builtin import (
    BoolAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f64,
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
    opt_prop_def,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import ConstantLike, Pure, SameOperandsAndResultType
from xdsl.utils.exceptions import VerifyException

from qtc.dialects.dense import dense_to_numpy
from qtc.dialects.shapes import PADDINGS, window_output_shape
from qtc.dialects.traits import InPlaceElementwise, ViewOfOperand

FUSED_ACTIVATIONS = ("relu", "relu6")
"""Values of the optional `activation` of dense, convolutions, add, sub and mul."""

RECURRENT_ACTIVATIONS = ("tanh", "sigmoid", "relu", "hard_sigmoid", "linear")
"""Values of `activation` and `recurrent_activation` of `nn.lstm` and `nn.gru` (Keras 3 names)."""

_SPATIAL_LAYOUTS = {1: "[N, L, C]", 2: "[N, H, W, C]"}
_KERNEL_LAYOUTS = {1: "k", 2: "kh, kw"}

I64Array = DenseArrayBase.constr(i64)
I64Attr = IntegerAttr.constr(i64)


def shape_of(value: SSAValue) -> list[int]:
    """The static shape of a tensor value."""
    assert isinstance(value.type, TensorType)
    return list(value.type.get_shape())


class NNOp(IRDLOperation, ABC):
    """Base of every `nn` op: pure, properties written in the attribute dictionary, f32 tensors.

    Subclasses extend `verify_` cooperatively (call `super().verify_()` first), so the checks
    of each base class run before the ones that rely on them.
    """

    irdl_options = (ParsePropInAttrDict(),)
    traits = traits_def(Pure())

    def error(self, message: str) -> VerifyException:
        """A verifier error naming this op."""
        return VerifyException(f"{self.name}: {message}")

    def verify_(self) -> None:
        for value in (*self.operands, *self.results):
            t = value.type
            if not (
                isinstance(t, TensorType)
                and isinstance(t.get_element_type(), Float32Type)
                and t.has_static_shape()
            ):
                raise self.error(f"expected statically shaped tensors of f32, got {t}")

    def choice(self, what: str, attr: StringAttr, choices: Sequence[str]) -> str:
        """The string of `attr`, checked to be one of `choices`."""
        if attr.data not in choices:
            allowed = ", ".join(f'"{c}"' for c in choices)
            raise self.error(f'{what} must be one of {allowed}, got "{attr.data}"')
        return attr.data

    def positive_ints(self, what: str, attr: DenseArrayBase, count: int) -> list[int]:
        """The values of an i64 array with one positive entry a spatial axis."""
        values = list(attr.get_values())
        if len(values) != count or any(v <= 0 for v in values):
            raise self.error(
                f"{what} must have one positive value per spatial axis ({count}), got {values}"
            )
        return values

    def normalized_axis(self, axis: IntegerAttr, rank: int) -> int:
        """`axis` in [0, rank), counting a negative axis from the end as Keras does."""
        value = axis.value.data
        if not -rank <= value < rank:
            raise self.error(f"axis {value} is out of range for a rank-{rank} tensor")
        return value % rank

    def check_rank(
        self, what: str, value: SSAValue, ranks: Sequence[int], layout: str
    ) -> list[int]:
        """The shape of `value`, checked to have one of `ranks`."""
        shape = shape_of(value)
        if len(shape) not in ranks:
            raise self.error(f"expected {what} of layout {layout}, got shape {shape}")
        return shape

    def check_shape(self, what: str, value: SSAValue, expected: Sequence[int], reason: str) -> None:
        """Raise unless `value` has shape `expected` (`reason` says where that comes from)."""
        got = shape_of(value)
        if got != list(expected):
            raise self.error(f"expected {what} shape {list(expected)} {reason}, got {got}")


@irdl_op_definition
class ConstantOp(NNOp):
    """A constant f32 tensor: weights, biases and other parameters."""

    name = "nn.constant"
    CONTRACT: ClassVar[str] = "contract $op() -> result {}"

    T: ClassVar = VarConstraint("T", base(TensorType))
    value = prop_def(ParamAttrConstraint(DenseIntOrFPElementsAttr, (T, AnyAttr())))
    result = result_def(T)

    traits = traits_def(ConstantLike())
    assembly_format = "$value attr-dict"

    def __init__(self, value: DenseIntOrFPElementsAttr):
        super().__init__(result_types=[value.get_type()], properties={"value": value})


ACCUMULATING_CONTRACT = """
contract $op(input, weights, bias) -> result {
  require zero(weights) == 0;
  require zero(bias) == 0;
  require scale(bias) == scale(input) * scale(weights);
  require bits(bias) == 4 * bits(input);
}"""
"""Dense and convolutions: symmetric weights, so the product needs no weight zero-point term,
and a bias that adds straight into the accumulator (quantization.md, rule 2)."""


SAME_PARAMETERS_CONTRACT = """
contract $op(input) -> result {
  require scale(input) == scale(result);
  require zero(input) == zero(result);
}"""
"""Ops that move or select integers (pooling, reshape, pad): the result keeps the input's scale
and zero point (quantization.md rule 6)."""


CLAMP_CONTRACT = """
contract $op(input) -> result {
  prefer scale(input) == scale(result);
  prefer zero(input) == zero(result);
}"""
"""Standalone relu / relu6: a plain clamp when the result keeps the input's parameters, else a
rescale that clamps (the result's calibrated range is narrower)."""

PROBABILITY_CONTRACT = """
contract $op(input) -> result {
  require scale(result) == 2^-8 when bits(result) == 8;
  require zero(result) == -128 when bits(result) == 8;
  require scale(result) == 2^-15 when bits(result) == 16;
  require zero(result) == 0 when bits(result) == 16;
}"""
"""Sigmoid and softmax outputs in [0, 1]: TFLite's fixed parameters (quantization.md rule 7)."""


class FusedActivationOp(NNOp, ABC):
    """An op that may clamp its result with a fused `activation` ("relu" or "relu6")."""

    activation = opt_prop_def(StringAttr)

    def verify_(self) -> None:
        super().verify_()
        if self.activation is not None:
            self.choice("activation", self.activation, FUSED_ACTIVATIONS)


@irdl_op_definition
class DenseOp(FusedActivationOp):
    """Fully connected layer: input [..., in] times weights [in, out] plus bias [out]."""

    name = "nn.dense"
    CONTRACT: ClassVar[str] = ACCUMULATING_CONTRACT
    WEIGHT_AXIS: ClassVar[int] = -1
    """The axis of `weights` that gets one scale a channel (output units)."""

    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    bias = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = (
        "$input `,` $weights `,` $bias attr-dict `:` functional-type(operands, results)"
    )

    def verify_(self) -> None:
        super().verify_()
        x = shape_of(self.input)
        if not x:
            raise self.error("expected an input of layout [..., in], got shape []")
        w = self.check_rank("weights", self.weights, (2,), "[in, out]")
        if w[0] != x[-1]:
            raise self.error(
                f"weights have {w[0]} input features but the input's last axis has {x[-1]}"
            )
        self.check_shape("bias", self.bias, [w[1]], "(one per unit)")
        self.check_shape("result", self.result, [*x[:-1], w[1]], f"from input {x} and weights {w}")


class WindowOp(NNOp, ABC):
    """A sliding-window op (convolution or pooling) over the spatial axes of its first operand.

    Subclasses set `SPATIAL_RANK` and describe their window through `window`.
    """

    SPATIAL_RANK: ClassVar[int]

    strides = prop_def(I64Array)
    padding = prop_def(StringAttr)

    @abstractmethod
    def window(self, channels: int) -> tuple[list[int], list[int], int]:
        """(kernel size, dilations, output channels) for an input with `channels` channels."""

    def verify_(self) -> None:
        super().verify_()
        rank = self.SPATIAL_RANK
        x = self.check_rank("an input", self.operands[0], (rank + 2,), _SPATIAL_LAYOUTS[rank])
        strides = self.positive_ints("strides", self.strides, rank)
        padding = self.choice("padding", self.padding, PADDINGS)
        kernel, dilations, channels = self.window(x[-1])
        spatial = window_output_shape(x[1:-1], kernel, strides, dilations, padding)
        if 0 in spatial:
            raise self.error(
                f"a window of {kernel} with dilations {dilations} does not fit "
                f'the input {x} with padding "{padding}"'
            )
        self.check_shape(
            "result",
            self.results[0],
            [x[0], *spatial, channels],
            f"from kernel {kernel}, strides {strides}, dilations {dilations} "
            f'and padding "{padding}"',
        )


class ConvolutionOp(WindowOp, FusedActivationOp, ABC):
    """A convolution: input [N, *S, C], weights [*K, C, F], bias [F] -> [N, *O, F]."""

    CONTRACT: ClassVar[str] = ACCUMULATING_CONTRACT
    WEIGHT_AXIS: ClassVar[int] = -1
    """The axis of `weights` that gets one scale a channel (output channels)."""

    input = operand_def(TensorType)
    weights = operand_def(TensorType)
    bias = operand_def(TensorType)
    result = result_def(TensorType)

    dilations = prop_def(I64Array)

    WEIGHTS_OUTPUT: ClassVar[str] = "F"
    """The name of the weights' last axis in messages."""

    assembly_format = (
        "$input `,` $weights `,` $bias attr-dict `:` functional-type(operands, results)"
    )

    def output_channels(self, channels: int, weights: Sequence[int]) -> int:
        return weights[-1]

    def window(self, channels: int) -> tuple[list[int], list[int], int]:
        rank = self.SPATIAL_RANK
        layout = f"[{_KERNEL_LAYOUTS[rank]}, C, {self.WEIGHTS_OUTPUT}]"
        w = self.check_rank("weights", self.weights, (rank + 2,), layout)
        if w[rank] != channels:
            raise self.error(
                f"weights have {w[rank]} input channels but the input has {channels}"
            )
        out = self.output_channels(channels, w)
        self.check_shape("bias", self.bias, [out], "(one per output channel)")
        return w[:rank], self.positive_ints("dilations", self.dilations, rank), out


class DepthwiseConvolutionOp(ConvolutionOp, ABC):
    """A depthwise convolution: weights [*K, C, M] give C * M output channels (c * M + m)."""

    WEIGHT_AXIS: ClassVar[int] = -2
    """Weight scales over [C, M] flattened (per-axis `#qtc.qparams`): one an output channel
    c * M + m, so the `M` outputs of an input channel do not share one grid."""

    WEIGHTS_OUTPUT: ClassVar[str] = "M"

    def output_channels(self, channels: int, weights: Sequence[int]) -> int:
        return channels * weights[-1]


@irdl_op_definition
class Conv1DOp(ConvolutionOp):
    """1-d convolution (keras.layers.Conv1D)."""

    name = "nn.conv1d"
    SPATIAL_RANK: ClassVar[int] = 1


@irdl_op_definition
class Conv2DOp(ConvolutionOp):
    """2-d convolution (keras.layers.Conv2D)."""

    name = "nn.conv2d"
    SPATIAL_RANK: ClassVar[int] = 2


@irdl_op_definition
class DepthwiseConv1DOp(DepthwiseConvolutionOp):
    """1-d depthwise convolution (keras.layers.DepthwiseConv1D)."""

    name = "nn.depthwise_conv1d"
    SPATIAL_RANK: ClassVar[int] = 1


@irdl_op_definition
class DepthwiseConv2DOp(DepthwiseConvolutionOp):
    """2-d depthwise convolution (keras.layers.DepthwiseConv2D)."""

    name = "nn.depthwise_conv2d"
    SPATIAL_RANK: ClassVar[int] = 2


class PoolOp(WindowOp, ABC):
    """A pooling window of `pool_size` over input [N, *S, C] -> [N, *O, C]."""

    input = operand_def(TensorType)
    result = result_def(TensorType)

    pool_size = prop_def(I64Array)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def window(self, channels: int) -> tuple[list[int], list[int], int]:
        rank = self.SPATIAL_RANK
        return self.positive_ints("pool_size", self.pool_size, rank), [1] * rank, channels


@irdl_op_definition
class MaxPool1DOp(PoolOp):
    """1-d max pooling (keras.layers.MaxPooling1D)."""

    name = "nn.max_pool1d"
    CONTRACT: ClassVar[str] = SAME_PARAMETERS_CONTRACT
    SPATIAL_RANK: ClassVar[int] = 1


@irdl_op_definition
class AvgPool1DOp(PoolOp):
    """1-d average pooling over the taps inside the input (keras.layers.AveragePooling1D)."""

    name = "nn.avg_pool1d"
    CONTRACT: ClassVar[str] = SAME_PARAMETERS_CONTRACT
    SPATIAL_RANK: ClassVar[int] = 1


@irdl_op_definition
class MaxPool2DOp(PoolOp):
    """2-d max pooling (keras.layers.MaxPooling2D)."""

    name = "nn.max_pool2d"
    CONTRACT: ClassVar[str] = SAME_PARAMETERS_CONTRACT
    SPATIAL_RANK: ClassVar[int] = 2


@irdl_op_definition
class AvgPool2DOp(PoolOp):
    """2-d average pooling over the taps inside the input (keras.layers.AveragePooling2D)."""

    name = "nn.avg_pool2d"
    CONTRACT: ClassVar[str] = SAME_PARAMETERS_CONTRACT
    SPATIAL_RANK: ClassVar[int] = 2


class GlobalPoolOp(NNOp, ABC):
    """A reduction over every spatial axis: [N, L, C] or [N, H, W, C] -> [N, C]."""

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def verify_(self) -> None:
        super().verify_()
        x = self.check_rank("an input", self.input, (3, 4), "[N, L, C] or [N, H, W, C]")
        self.check_shape("result", self.result, [x[0], x[-1]], f"from input {x}")


@irdl_op_definition
class GlobalAvgPoolOp(GlobalPoolOp):
    """Mean over the spatial axes (keras.layers.GlobalAveragePooling1D/2D)."""

    name = "nn.global_avg_pool"
    CONTRACT: ClassVar[str] = "contract $op(input) -> result {}"  # rescales with 1/count folded in


@irdl_op_definition
class GlobalMaxPoolOp(GlobalPoolOp):
    """Maximum over the spatial axes (keras.layers.GlobalMaxPooling1D/2D)."""

    name = "nn.global_max_pool"
    CONTRACT: ClassVar[str] = SAME_PARAMETERS_CONTRACT


class ElementwiseBinaryOp(FusedActivationOp, ABC):
    """An element-wise op on two tensors of the same type."""

    CONTRACT: ClassVar[str] = """
    contract $op(lhs, rhs) -> result {
      prefer scale(lhs) == scale(rhs) == scale(result);
      prefer zero(lhs) == zero(rhs) == zero(result);
    }"""

    T: ClassVar = VarConstraint("T", base(TensorType))
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)

    traits = traits_def(SameOperandsAndResultType(), InPlaceElementwise())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class AddOp(ElementwiseBinaryOp):
    """lhs + rhs (keras.layers.Add)."""

    name = "nn.add"


@irdl_op_definition
class SubOp(ElementwiseBinaryOp):
    """lhs - rhs (keras.layers.Subtract)."""

    name = "nn.sub"


@irdl_op_definition
class MulOp(ElementwiseBinaryOp):
    """lhs * rhs (keras.layers.Multiply)."""

    name = "nn.mul"
    CONTRACT: ClassVar[str] = "contract $op(lhs, rhs) -> result {}"  # one multiplier s_l * s_r / s_y


class ElementwiseUnaryOp(NNOp, ABC):
    """An element-wise function of one tensor; the result has the input's type."""

    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    result = result_def(T)

    traits = traits_def(SameOperandsAndResultType())
    assembly_format = "$input attr-dict `:` type($result)"


@irdl_op_definition
class ReluOp(ElementwiseUnaryOp):
    """max(x, 0)."""

    name = "nn.relu"
    traits = traits_def(InPlaceElementwise())
    CONTRACT: ClassVar[str] = CLAMP_CONTRACT


@irdl_op_definition
class Relu6Op(ElementwiseUnaryOp):
    """min(max(x, 0), 6)."""

    name = "nn.relu6"
    traits = traits_def(InPlaceElementwise())
    CONTRACT: ClassVar[str] = CLAMP_CONTRACT


@irdl_op_definition
class TanhOp(ElementwiseUnaryOp):
    """tanh(x)."""

    name = "nn.tanh"
    traits = traits_def(InPlaceElementwise())
    CONTRACT: ClassVar[str] = """
    contract $op(input) -> result {
      require scale(result) == 2^-(bits(result) - 1);
      require zero(result) == 0;
    }"""


@irdl_op_definition
class SigmoidOp(ElementwiseUnaryOp):
    """The logistic function 1 / (1 + exp(-x))."""

    name = "nn.sigmoid"
    traits = traits_def(InPlaceElementwise())
    CONTRACT: ClassVar[str] = PROBABILITY_CONTRACT


@irdl_op_definition
class SoftmaxOp(ElementwiseUnaryOp):
    """Softmax along `axis` (default: the last)."""

    name = "nn.softmax"
    CONTRACT: ClassVar[str] = PROBABILITY_CONTRACT

    axis = prop_def(I64Attr, default_value=IntegerAttr(-1, i64))

    def verify_(self) -> None:
        super().verify_()
        self.normalized_axis(self.axis, len(shape_of(self.input)))


@irdl_op_definition
class ConcatOp(NNOp):
    """Concatenation of the inputs along `axis` (keras.layers.Concatenate)."""

    name = "nn.concat"
    CONTRACT: ClassVar[str] = """
    contract $op(inputs...) -> result {
      require scale(inputs) == scale(result);
      require zero(inputs) == zero(result);
    }"""

    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)

    axis = prop_def(I64Attr)

    assembly_format = "$inputs attr-dict `:` functional-type($inputs, $result)"

    def verify_(self) -> None:
        super().verify_()
        if not self.inputs:
            raise self.error("expected at least one input")
        shapes = [shape_of(v) for v in self.inputs]
        axis = self.normalized_axis(self.axis, len(shapes[0]))
        expected = list(shapes[0])
        for i, shape in enumerate(shapes[1:], 1):
            if len(shape) != len(expected) or any(
                a != b for d, (a, b) in enumerate(zip(shape, shapes[0])) if d != axis
            ):
                raise self.error(
                    f"input {i} has shape {shape}, which does not match input 0's {shapes[0]} "
                    f"outside axis {axis}"
                )
            expected[axis] += shape[axis]
        self.check_shape("result", self.result, expected, f"from concatenating along axis {axis}")


@irdl_op_definition
class ReshapeOp(NNOp):
    """The input's elements in the result's shape (row-major, keras.layers.Reshape)."""

    name = "nn.reshape"
    CONTRACT: ClassVar[str] = SAME_PARAMETERS_CONTRACT
    traits = traits_def(ViewOfOperand())

    input = operand_def(TensorType)
    result = result_def(TensorType)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def verify_(self) -> None:
        super().verify_()
        x, y = shape_of(self.input), shape_of(self.result)
        if prod(x) != prod(y):
            raise self.error(
                f"cannot reshape {x} ({prod(x)} elements) to {y} ({prod(y)} elements)"
            )


@irdl_op_definition
class PadOp(NNOp):
    """Zero padding: `padding = array<i64: before_0, after_0, before_1, after_1, ...>`."""

    name = "nn.pad"
    CONTRACT: ClassVar[str] = SAME_PARAMETERS_CONTRACT

    input = operand_def(TensorType)
    result = result_def(TensorType)

    padding = prop_def(I64Array)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def verify_(self) -> None:
        super().verify_()
        x = shape_of(self.input)
        pads = list(self.padding.get_values())
        if len(pads) != 2 * len(x) or any(p < 0 for p in pads):
            raise self.error(
                f"padding must be {2 * len(x)} non-negative integers (before and after "
                f"each axis of {x}), got {pads}"
            )
        expected = [d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(x)]
        self.check_shape("result", self.result, expected, f"from padding {pads}")


@irdl_op_definition
class BatchNormOp(NNOp):
    """Inference batch normalization: (x - mean) / sqrt(variance + epsilon) * gamma + beta."""

    name = "nn.batch_norm"
    CONTRACT: ClassVar[str] = "contract $op(input, gamma, beta, mean, variance) -> result {}"

    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    gamma = operand_def(TensorType)
    beta = operand_def(TensorType)
    mean = operand_def(TensorType)
    variance = operand_def(TensorType)
    result = result_def(T)

    epsilon = prop_def(FloatAttr.constr(f64), default_value=FloatAttr(1e-3, f64))
    axis = prop_def(I64Attr, default_value=IntegerAttr(-1, i64))

    assembly_format = (
        "$input `,` $gamma `,` $beta `,` $mean `,` $variance attr-dict "
        "`:` functional-type(operands, results)"
    )

    def verify_(self) -> None:
        super().verify_()
        x = shape_of(self.input)
        axis = self.normalized_axis(self.axis, len(x))
        for name in ("gamma", "beta", "mean", "variance"):
            self.check_shape(name, getattr(self, name), [x[axis]], f"(axis {axis} of {x})")
        if not self.epsilon.value.data > 0:
            raise self.error(f"epsilon must be positive, got {self.epsilon.value.data}")


class RecurrentOp(NNOp, ABC):
    """A Keras recurrent layer over input [N, T, F] from a zero state.

    `GATES` blocks of `units` columns make up kernel [F, GATES * units], recurrent kernel
    [units, GATES * units] and bias; the result is [N, T, units] with `return_sequences`,
    else the last state [N, units].
    """

    CONTRACT: ClassVar[str] = """
    contract $op(input, kernel, recurrent_kernel, bias) -> result {
      require zero(kernel) == 0;
      require zero(bias) == 0;
      require scale(bias) == scale(input) * scale(kernel);
      require bits(bias) == 4 * bits(input);
      require zero(recurrent_kernel) == 0;
      require bits(recurrent_kernel) == bits(kernel);
    }"""
    """The input projection is a dense layer (ACCUMULATING_CONTRACT; the recurrent half of a
    reset_after GRU bias is rescaled by the lowering on its own), the recurrent kernel has the
    weights' width. The input and the result are free: the gates run at fixed internal scales
    (Q3.12 pre-activations, Q0.15 gates and state) that the lowering chooses, and it quantizes
    the recurrent kernel per gate unit from the float constant."""
    WEIGHT_AXIS: ClassVar[int] = -1
    """The axis of `kernel` that gets one scale a gate unit."""

    GATES: ClassVar[int]

    input = operand_def(TensorType)
    kernel = operand_def(TensorType)
    recurrent_kernel = operand_def(TensorType)
    bias = operand_def(TensorType)
    result = result_def(TensorType)

    units = prop_def(I64Attr)
    return_sequences = prop_def(BoolAttr, default_value=IntegerAttr.from_bool(False))
    activation = prop_def(StringAttr, default_value=StringAttr("tanh"))
    recurrent_activation = prop_def(StringAttr, default_value=StringAttr("sigmoid"))

    assembly_format = (
        "$input `,` $kernel `,` $recurrent_kernel `,` $bias attr-dict "
        "`:` functional-type(operands, results)"
    )

    def bias_shape(self, units: int) -> list[int]:
        return [self.GATES * units]

    def verify_(self) -> None:
        super().verify_()
        n, t, f = self.check_rank("an input", self.input, (3,), "[N, T, F]")
        u = self.units.value.data
        if u <= 0:
            raise self.error(f"units must be positive, got {u}")
        self.choice("activation", self.activation, RECURRENT_ACTIVATIONS)
        self.choice("recurrent_activation", self.recurrent_activation, RECURRENT_ACTIVATIONS)
        width = f"{self.GATES} * units"
        self.check_shape("kernel", self.kernel, [f, self.GATES * u], f"([features, {width}])")
        self.check_shape(
            "recurrent_kernel", self.recurrent_kernel, [u, self.GATES * u], f"([units, {width}])"
        )
        self.check_shape("bias", self.bias, self.bias_shape(u), f"for units = {u}")
        sequences = bool(self.return_sequences.value.data)
        self.check_shape(
            "result",
            self.result,
            [n, t, u] if sequences else [n, u],
            f"for return_sequences = {str(sequences).lower()}",
        )


@irdl_op_definition
class LSTMOp(RecurrentOp):
    """Keras 3 LSTM (gate order i, f, c, o)."""

    name = "nn.lstm"
    GATES: ClassVar[int] = 4


@irdl_op_definition
class GRUOp(RecurrentOp):
    """Keras 3 GRU (gate order z, r, h; h' = z * h + (1 - z) * candidate).

    With `reset_after` (the Keras default) the bias is [2, 3 * units]: row 0 for the input
    projection, row 1 for the recurrent one; otherwise it is [3 * units].
    """

    name = "nn.gru"
    GATES: ClassVar[int] = 3

    reset_after = prop_def(BoolAttr, default_value=IntegerAttr.from_bool(True))

    def bias_shape(self, units: int) -> list[int]:
        shape = super().bias_shape(units)
        return [2, *shape] if self.reset_after.value.data else shape


# ----------------------------------------------------------------------------- signal pre-processing

FFT_WINDOWS = ("hann", "none")
SPECTRUM_OUTPUTS = ("magnitude", "log_power")
F64Array = DenseArrayBase.constr(f64)


class NormalizeBase(NNOp, ABC):
    """Per-channel normalisation (x - mean[c]) / std[c] over the last (channel) axis.

    The pre-processing of `qtc compile --preprocess` (`mean`/`std` in the input's units); the
    integer form is one per-channel rescale with per-channel offsets (`qnn.normalize`).
    """

    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    result = result_def(T)

    mean = prop_def(F64Array)
    std = prop_def(F64Array)

    traits = traits_def(SameOperandsAndResultType())
    assembly_format = "$input attr-dict `:` type($result)"

    def verify_(self) -> None:
        super().verify_()
        shape = shape_of(self.input)
        if not shape:
            raise self.error("expected an input with a channel axis, got shape []")
        mean, std = list(self.mean.get_values()), list(self.std.get_values())
        if len(mean) != shape[-1] or len(std) != shape[-1]:
            raise self.error(
                f"mean and std must have one value per channel ({shape[-1]}), got "
                f"{len(mean)} and {len(std)}"
            )
        if not all(s > 0 for s in std):
            raise self.error(f"std must be positive, got {std}")


@irdl_op_definition
class NormalizeOp(NormalizeBase):
    """`(x - mean[c]) / std[c]` of a float input (any integer parameters)."""

    name = "nn.normalize"
    CONTRACT: ClassVar[str] = "contract $op(input) -> result {}"


@irdl_op_definition
class NormalizeRawOp(NormalizeBase):
    """`nn.normalize` of raw int16 sensor samples: the input holds the sensor's integers and
    its integer form is those integers themselves (scale 1, zero point 0, i16), so the
    generated C takes the samples as they come."""

    name = "nn.normalize_raw"
    CONTRACT: ClassVar[str] = """
    contract $op(input) -> result {
      require scale(input) == 1;
      require zero(input) == 0;
      require bits(input) == 16;
    }"""


@irdl_op_definition
class SpectrumOp(NNOp):
    """Spectrum of each channel of a window: input [N, L, C] -> result [N, F, C].

    The newest min(L, size) samples of a channel, times the periodic Hann window when
    `window = "hann"`, zero padded to `size` (a power of two, 32 ... 512), go through a real
    FFT (`np.fft.rfft`); `output = "magnitude"` gives |X|, `"log_power"` ln(|X|^2 + epsilon).
    The optional `mel` filterbank [size/2 + 1, M] (weights in [0, 1]) weighs |X| or |X|^2
    (before the log); F is M with it, size/2 + 1 without. The integer form (`qnn.spectrum`)
    needs a symmetric int16 input.
    """

    name = "nn.spectrum"
    CONTRACT: ClassVar[str] = "contract $op(input) -> result { require bits(input) == 16; }"

    input = operand_def(TensorType)
    result = result_def(TensorType)

    size = prop_def(I64Attr)
    window = prop_def(StringAttr, default_value=StringAttr("hann"))
    output = prop_def(StringAttr, default_value=StringAttr("magnitude"))
    epsilon = prop_def(FloatAttr.constr(f64), default_value=FloatAttr(1e-3, f64))
    mel = opt_prop_def(DenseIntOrFPElementsAttr)

    assembly_format = "$input attr-dict `:` functional-type(operands, results)"

    def bins(self) -> int:
        """F: the result's frequency bins."""
        size = self.size.value.data
        return self.mel.get_shape()[1] if self.mel is not None else size // 2 + 1

    def verify_(self) -> None:
        super().verify_()
        n, _, c = self.check_rank("an input", self.input, (3,), "[N, L, C]")
        size = self.size.value.data
        if size not in (32, 64, 128, 256, 512):
            raise self.error(f"size must be a power of two from 32 to 512, got {size}")
        self.choice("window", self.window, FFT_WINDOWS)
        self.choice("output", self.output, SPECTRUM_OUTPUTS)
        if not self.epsilon.value.data > 0:
            raise self.error(f"epsilon must be positive, got {self.epsilon.value.data}")
        if self.mel is not None:
            mel, expected = self.mel.get_type(), size // 2 + 1
            shape = list(mel.get_shape())
            if not isinstance(mel.get_element_type(), Float32Type) or shape[:1] != [expected] or len(shape) != 2:
                raise self.error(
                    f"mel must be a tensor<{expected}xMxf32> ([size/2 + 1, bins]), got {mel}"
                )
            weights = dense_to_numpy(self.mel)
            if weights.size == 0 or weights.min() < 0 or weights.max() > 1:
                raise self.error("mel weights must lie in [0, 1]")
        self.check_shape(
            "result", self.result, [n, self.bins(), c],
            f"({'mel bins' if self.mel is not None else 'size/2 + 1 bins'} by channels)",
        )


NN = Dialect(
    "nn",
    [
        ConstantOp,
        NormalizeOp,
        NormalizeRawOp,
        SpectrumOp,
        DenseOp,
        Conv1DOp,
        Conv2DOp,
        DepthwiseConv1DOp,
        DepthwiseConv2DOp,
        MaxPool1DOp,
        AvgPool1DOp,
        MaxPool2DOp,
        AvgPool2DOp,
        GlobalAvgPoolOp,
        GlobalMaxPoolOp,
        AddOp,
        SubOp,
        MulOp,
        ConcatOp,
        ReshapeOp,
        PadOp,
        ReluOp,
        Relu6Op,
        TanhOp,
        SigmoidOp,
        SoftmaxOp,
        BatchNormOp,
        LSTMOp,
        GRUOp,
    ],
    [],
)
