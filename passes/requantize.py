"""requantize: the `nn` module rewritten into `qnn` integer ops with integer constants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, StringAttr, TensorType
from xdsl.dialects.builtin import IntegerAttr, i64
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import PassFailedException, VerifyException

from qtc.dialects import dsp, nn, qnn
from qtc.dialects.annotations import CELL_RANGE, QPARAMS, get_annotation, value_label
from qtc.dialects.dense import dense_from_numpy, dense_to_numpy, tensor_type
from qtc.dialects.fixedpoint import (
    ADD_LEFT_SHIFT,
    ROUNDINGS,
    add_params,
    lut_int8,
    lut_int16,
    quantize_multiplier,
    softmax_int8_params,
    softmax_int16_params,
    sub_params,
)
from qtc.dialects.nn_interpreter import RECURRENT_ACTIVATIONS
from qtc.dialects.qnn import i32_array, i32_attr, i64_array
from qtc.dialects.qtc_attrs import QParamsAttr, RangeAttr, storage_range
from qtc.dialects.quant_params import (
    per_axis_scales,
    per_channel_symmetric_scales,
    quantize,
    round_half_away,
)

PASSTHROUGH_PROPS = ("strides", "dilations", "padding", "pool_size", "axis")
"""Window and axis properties that `nn` and `qnn` spell the same way."""

LUT_FUNCTIONS = {nn.TanhOp: RECURRENT_ACTIVATIONS["tanh"], nn.SigmoidOp: RECURRENT_ACTIVATIONS["sigmoid"]}


def _shape(value: SSAValue) -> list[int]:
    assert isinstance(value.type, TensorType)
    return list(value.type.get_shape())


def _same(a: QParamsAttr, b: QParamsAttr) -> bool:
    return (a.scale, a.zero_point, a.bits) == (b.scale, b.zero_point, b.bits)


def _retabulable(value: SSAValue, own: QParamsAttr, target: QParamsAttr) -> bool:
    """Whether a table can give `value` at `target` directly: a tanh or sigmoid result of the
    same width (int16 tables have no output zero point)."""
    return (
        type(value.owner) in LUT_FUNCTIONS
        and own.bits == target.bits
        and (target.bits == 8 or target.zero_point == 0)
    )


@dataclass
class Lowering:
    """Builds the integer body of one function, op by op, mapping each `nn` value to `qnn`."""

    function: func.FuncOp
    rounding: str
    builder: Builder = field(init=False)
    block: Block = field(init=False)
    values: dict[SSAValue, SSAValue] = field(default_factory=dict)
    rescaled: dict[tuple[SSAValue, tuple], SSAValue] = field(default_factory=dict)
    retabled: dict[SSAValue, SSAValue] = field(default_factory=dict)  # a table -> its first second table
    op: Operation | None = None  # the nn op being lowered (for names and errors)

    def fail(self, message: str) -> PassFailedException:
        where = f"{self.op.name} ({value_label(self.op.results[0])}): " if self.op else ""
        return PassFailedException(f"requantize: {where}{message}")

    # -- parameters -------------------------------------------------------------------
    def qparams(self, value: SSAValue) -> QParamsAttr:
        attr = get_annotation(value, QPARAMS)
        if not isinstance(attr, QParamsAttr):
            raise self.fail(f"{value_label(value)} has no qparams: run propagate-contracts first")
        return attr

    def int_type(self, value: SSAValue, params: QParamsAttr | None = None) -> TensorType:
        params = params or self.qparams(value)
        return tensor_type(_shape(value), IntegerType(params.bits))

    def multiplier(self, real) -> tuple[list[int], list[int]]:
        """(multipliers, shifts) of one real rescale or a per-channel vector (collapsed if uniform)."""
        reals = np.atleast_1d(np.asarray(real, dtype=np.float64))
        if np.all(reals == reals[0]):
            reals = reals[:1]
        pairs = [quantize_multiplier(float(r), self.rounding) for r in reals]
        return [q for q, _ in pairs], [s for _, s in pairs]

    def rescale(self, real, output_zero: int, input_zero: int | None = None) -> dict:
        """Properties of a rescale by `real` (one or a channel each): Q31 multiplier(s) and
        shift(s), zero points and rounding."""
        multipliers, shifts = self.multiplier(real)
        props = {} if input_zero is None else {"input_zero_point": i32_attr(input_zero)}
        return props | {
            "output_zero_point": i32_attr(output_zero),
            "multiplier": i32_array(multipliers),
            "shift": i32_array(shifts),
            "rounding": StringAttr(self.rounding),
        }

    def clamp(self, params: QParamsAttr, activation: str | None) -> dict:
        """clamp_min / clamp_max of a fused relu or relu6 (quantization.md rule 8)."""
        if activation is None:
            return {}
        qmin, qmax = params.qmin, params.qmax
        zero, scale = params.zero_point, params.scale
        lo = max(qmin, zero)
        hi = qmax if activation == "relu" else min(qmax, zero + int(round_half_away(6.0 / scale)))
        return {"clamp_min": i32_attr(lo), "clamp_max": i32_attr(hi)}

    # -- building ---------------------------------------------------------------------
    def emit(
        self, op: Operation, params: QParamsAttr | None = None, hint: str | None = None,
        source: Operation | None = None,
    ) -> SSAValue:
        """Insert `op` with the `layer` of `source` (default: the op being lowered)."""
        source = source if source is not None else self.op
        if source is not None and "layer" in source.attributes:
            op.attributes["layer"] = source.attributes["layer"]
        if params is not None and QPARAMS not in op.properties:
            op.attributes[QPARAMS] = params
        self.builder.insert(op)
        op.results[0].name_hint = hint or (source.results[0].name_hint if source else None)
        return op.results[0]

    def constant(self, array: np.ndarray, bits: int, hint: str, params: QParamsAttr | None = None) -> SSAValue:
        attr = dense_from_numpy(array, IntegerType(bits))
        return self.emit(qnn.ConstantOp(attr), params, hint)

    def get(self, value: SSAValue) -> SSAValue:
        """The integer form of `value` at its own parameters."""
        if value not in self.values:
            owner = value.owner
            if not isinstance(owner, nn.ConstantOp):
                raise self.fail(f"{value_label(value)} is used before it is defined")
            params = self.qparams(value)
            data = quantize(dense_to_numpy(owner.value), params.scale, params.zero_point, params.bits)
            self.values[value] = self.constant(data, params.bits, value.name_hint or "c", params)
        return self.values[value]

    def get_as(self, value: SSAValue, target: QParamsAttr) -> SSAValue:
        """The integer form of `value` at `target`'s parameters: a `qnn.requantize` if they differ."""
        own = self.qparams(value)
        if _same(own, target):
            return self.get(value)
        key = (value, (target.scale, target.zero_point, target.bits))
        if key not in self.rescaled and _retabulable(value, own, target):
            # a second table straight to `target`: one rounding of the function instead of two
            self.rescaled[key] = table(self, value.owner, target, f"{value.name_hint or 'v'}_rescaled")
            self.retabled.setdefault(self.get(value), self.rescaled[key])
        if key not in self.rescaled:
            op = qnn.RequantizeOp(
                operands=[self.get(value)],
                result_types=[self.int_type(value, target)],
                properties=self.rescale(own.scale / target.scale, target.zero_point, own.zero_point),
            )
            self.rescaled[key] = self.emit(op, target, f"{value.name_hint or 'v'}_rescaled")
        return self.rescaled[key]

    def passthrough(self, op: Operation) -> dict:
        return {k: v for k, v in op.properties.items() if k in PASSTHROUGH_PROPS}

    # -- driver -----------------------------------------------------------------------
    def run(self) -> None:
        old = self.function.body.block
        self.block = Block(arg_types=[a.type for a in old.args])
        self.builder = Builder(InsertPoint.at_end(self.block))
        for old_arg, new_arg in zip(old.args, self.block.args):
            new_arg.name_hint = old_arg.name_hint
            params = self.qparams(old_arg)
            quantized = qnn.QuantizeOp(
                operands=[new_arg], result_types=[self.int_type(old_arg)], properties={"qparams": params}
            )
            self.values[old_arg] = self.emit(quantized, params, old_arg.name_hint)
        for op in old.ops:
            self.op = op
            if isinstance(op, func.ReturnOp):
                self.op = None
                outputs = [self.dequantize(v) for v in op.arguments]
                self.builder.insert(func.ReturnOp(*outputs))
                continue
            if isinstance(op, nn.ConstantOp):
                continue  # materialized by their users, as weights, biases or operands
            lower = LOWERINGS.get(type(op))
            if lower is None:
                raise self.fail(f"{op.name} has no integer lowering")
            self.values[op.results[0]] = lower(self, op)
        self.drop_unused()
        self.function.body.detach_block(old)
        self.function.body.add_block(self.block)
        old.erase()

    def drop_unused(self) -> None:
        """Erase results nothing reads (a table whose every user took a second table instead).

        A dropped table's name goes to its first second table, now the only integer form of the
        float value (so `qtc verify` pairs that value with it, at the second table's qparams).
        """
        for op in reversed(list(self.block.ops)):
            if op.results and not any(r.uses for r in op.results):
                if op.results[0] in self.retabled:
                    self.retabled[op.results[0]].name_hint = op.results[0].name_hint
                self.block.erase_op(op)

    def dequantize(self, value: SSAValue) -> SSAValue:
        params = self.qparams(value)
        op = qnn.DequantizeOp(operands=[self.get(value)], result_types=[value.type], properties={"qparams": params})
        self.builder.insert(op)
        op.result.name_hint = value.name_hint
        return op.result


Lower = Callable[[Lowering, Operation], SSAValue]
LOWERINGS: dict[type[Operation], Lower] = {}


def lowers(*op_types: type[Operation]):
    def register(fn: Lower) -> Lower:
        for t in op_types:
            LOWERINGS[t] = fn
        return fn

    return register


def _activation(op: Operation) -> str | None:
    attr = op.properties.get("activation")
    return attr.data if attr is not None else None


def weight_constant(
    lw: Lowering, weights: np.ndarray, scales: np.ndarray, axis: int, bits: int, hint: str
) -> SSAValue:
    """Symmetric narrow-range integer weights, one scale a channel of the axes from `axis` on."""
    axis %= weights.ndim
    w_int = quantize(weights, per_axis_scales(scales, weights.shape, axis), 0, bits, narrow=True)
    return lw.constant(w_int, bits, hint, QParamsAttr(scales.tolist(), [0] * len(scales), bits, axis))


def bias_constant(lw: Lowering, bias: np.ndarray, scales: np.ndarray, bits: int, hint: str) -> SSAValue:
    """An integer bias at one scale a channel, rounded half away from zero and saturated."""
    limit = storage_range(bits)[1]
    b_int = np.clip(round_half_away(bias.astype(np.float64) / scales), -limit, limit).astype(np.int64)
    return lw.constant(b_int, bits, hint, QParamsAttr(scales.tolist(), [0] * len(scales), bits, 0))


def accumulating(
    lw: Lowering, op: Operation, cls: type[qnn.QnnOp], x: SSAValue, x_params: QParamsAttr,
    y_shape: list[int], weights: np.ndarray, weight_scales: np.ndarray, weight_axis: int,
    weight_bits: int, bias: np.ndarray, props: dict,
) -> SSAValue:
    """A dense or convolution on the integer input `x`: symmetric per-channel weights, the bias
    at s_x * s_w, a per-channel rescale to the result's parameters."""
    y_params = lw.qparams(op.results[0])
    bias_scales = weight_scales * x_params.scale
    hint = op.results[0].name_hint or "w"
    result = cls(
        operands=[
            x,
            weight_constant(lw, weights, weight_scales, weight_axis, weight_bits, f"{hint}_weights"),
            bias_constant(lw, bias, bias_scales, qnn.BIAS_WIDTH[x_params.bits], f"{hint}_bias"),
        ],
        result_types=[tensor_type(y_shape, IntegerType(y_params.bits))],
        properties={
            **lw.rescale(bias_scales / y_params.scale, y_params.zero_point, x_params.zero_point),
            **lw.clamp(y_params, _activation(op)),
            **props,
        },
    )
    return lw.emit(result, y_params)


QNN_OF = {
    nn.DenseOp: qnn.DenseOp,
    nn.Conv1DOp: qnn.Conv1DOp,
    nn.Conv2DOp: qnn.Conv2DOp,
    nn.DepthwiseConv1DOp: qnn.DepthwiseConv1DOp,
    nn.DepthwiseConv2DOp: qnn.DepthwiseConv2DOp,
    nn.MaxPool1DOp: qnn.MaxPool1DOp,
    nn.MaxPool2DOp: qnn.MaxPool2DOp,
    nn.AvgPool1DOp: qnn.AvgPool1DOp,
    nn.AvgPool2DOp: qnn.AvgPool2DOp,
    nn.GlobalMaxPoolOp: qnn.GlobalMaxPoolOp,
    nn.ReshapeOp: qnn.ReshapeOp,
    nn.AddOp: qnn.AddOp,
    nn.SubOp: qnn.SubOp,
    nn.LSTMOp: qnn.LSTMOp,
    nn.GRUOp: qnn.GRUOp,
}


def weight_qparams(lw: Lowering, weights: SSAValue) -> QParamsAttr:
    """The weights' qparams, checked to hold one scale an output channel (a depthwise's C * M)."""
    params = lw.qparams(weights)
    try:
        params.check_tensor(_shape(weights), value_label(weights))
    except VerifyException as e:
        raise lw.fail(str(e)) from None
    return params


@lowers(nn.DenseOp, nn.Conv1DOp, nn.Conv2DOp, nn.DepthwiseConv1DOp, nn.DepthwiseConv2DOp)
def _accumulating_op(lw: Lowering, op) -> SSAValue:
    w_params = weight_qparams(lw, op.weights)
    return accumulating(
        lw, op, QNN_OF[type(op)], lw.get(op.input), lw.qparams(op.input), _shape(op.result),
        dense_to_numpy(op.weights.owner.value), np.asarray(w_params.scale_values),
        w_params.axis_index, w_params.bits, dense_to_numpy(op.bias.owner.value), lw.passthrough(op),
    )


BATCH_NORM_WEIGHT_BITS = 8
"""A standalone batch norm's per-channel factors are int8 in every mode (one tap a channel)."""


@lowers(nn.BatchNormOp)
def _batch_norm(lw: Lowering, op: nn.BatchNormOp) -> SSAValue:
    """y = x * k + t a channel, as a 1x1 depthwise convolution ([N, C] goes through [N, 1, C])."""
    shape = _shape(op.input)
    if op.axis.value.data % len(shape) != len(shape) - 1:
        raise lw.fail("only batch normalization of the last (channel) axis has an integer form")
    gamma, beta, mean, variance = (dense_to_numpy(v.owner.value).astype(np.float64) for v in op.operands[1:])
    k = gamma / np.sqrt(variance + op.epsilon.value.data)
    t = beta - mean * k
    channels = shape[-1]
    scales = per_channel_symmetric_scales(k.reshape(1, channels), 1, BATCH_NORM_WEIGHT_BITS)
    x_params, y_params = lw.qparams(op.input), lw.qparams(op.result)
    x = lw.get(op.input)
    conv_shape = shape if len(shape) > 2 else [shape[0], 1, channels]
    if len(shape) == 2:
        x = lw.emit(
            qnn.ReshapeOp(operands=[x], result_types=[tensor_type(conv_shape, IntegerType(x_params.bits))]),
            x_params,
        )
    rank = len(conv_shape) - 2
    cls = qnn.DepthwiseConv1DOp if rank == 1 else qnn.DepthwiseConv2DOp
    props = {"strides": i64_array([1] * rank), "dilations": i64_array([1] * rank), "padding": StringAttr("valid")}
    y = accumulating(
        lw, op, cls, x, x_params, conv_shape, k.reshape(*([1] * rank), channels, 1), scales, -2,
        BATCH_NORM_WEIGHT_BITS, t, props,
    )
    if len(shape) == 2:
        y = lw.emit(qnn.ReshapeOp(operands=[y], result_types=[lw.int_type(op.result)]), y_params)
    return y


@lowers(nn.AddOp, nn.SubOp)
def _add_sub(lw: Lowering, op: nn.ElementwiseBinaryOp) -> SSAValue:
    lhs, rhs, y = (lw.qparams(v) for v in (op.lhs, op.rhs, op.result))
    left_shift = ADD_LEFT_SHIFT[y.bits]
    params_of = add_params if isinstance(op, nn.AddOp) else sub_params
    (lq, ls), (rq, rs), (oq, os_) = params_of(lhs.scale, rhs.scale, y.scale, left_shift)
    result = QNN_OF[type(op)](
        operands=[lw.get(op.lhs), lw.get(op.rhs)],
        result_types=[lw.int_type(op.result)],
        properties={
            "lhs_zero_point": i32_attr(lhs.zero_point),
            "rhs_zero_point": i32_attr(rhs.zero_point),
            "output_zero_point": i32_attr(y.zero_point),
            "left_shift": i32_attr(left_shift),
            "lhs_multiplier": i32_attr(lq),
            "lhs_shift": i32_attr(ls),
            "rhs_multiplier": i32_attr(rq),
            "rhs_shift": i32_attr(rs),
            "output_multiplier": i32_attr(oq),
            "output_shift": i32_attr(os_),
            "rounding": StringAttr(lw.rounding),
            **lw.clamp(y, _activation(op)),
        },
    )
    return lw.emit(result, y)


@lowers(nn.MulOp)
def _mul(lw: Lowering, op: nn.MulOp) -> SSAValue:
    lhs, rhs, y = (lw.qparams(v) for v in (op.lhs, op.rhs, op.result))
    result = qnn.MulOp(
        operands=[lw.get(op.lhs), lw.get(op.rhs)],
        result_types=[lw.int_type(op.result)],
        properties={
            "lhs_zero_point": i32_attr(lhs.zero_point),
            "rhs_zero_point": i32_attr(rhs.zero_point),
            **lw.rescale(lhs.scale * rhs.scale / y.scale, y.zero_point),
            **lw.clamp(y, _activation(op)),
        },
    )
    return lw.emit(result, y)


@lowers(nn.MaxPool1DOp, nn.MaxPool2DOp, nn.AvgPool1DOp, nn.AvgPool2DOp, nn.GlobalMaxPoolOp, nn.ReshapeOp)
def _same_scale(lw: Lowering, op: Operation) -> SSAValue:
    """Ops that move or select integers: the input is first brought to the result's parameters."""
    y = lw.qparams(op.results[0])
    result = QNN_OF[type(op)](
        operands=[lw.get_as(op.operands[0], y)],
        result_types=[lw.int_type(op.results[0])],
        properties=lw.passthrough(op),
    )
    return lw.emit(result, y)


@lowers(nn.PadOp)
def _pad(lw: Lowering, op: nn.PadOp) -> SSAValue:
    y = lw.qparams(op.result)
    result = qnn.PadOp(
        operands=[lw.get_as(op.input, y)],
        result_types=[lw.int_type(op.result)],
        properties={"padding": op.padding, "pad_value": i32_attr(y.zero_point)},
    )
    return lw.emit(result, y)


@lowers(nn.NormalizeOp, nn.NormalizeRawOp)
def _normalize(lw: Lowering, op: nn.NormalizeBase) -> SSAValue:
    """(x - mean) / std folded into one per-channel rescale: with the input's (s, z), the
    offsets are (z + mean / s) * 2^left_shift input integers and the multipliers
    s / (std * s_y * 2^left_shift); left_shift is as large as int32 allows."""
    x, y = lw.qparams(op.input), lw.qparams(op.result)
    mean, std = (np.asarray(a.get_values(), np.float64) for a in (op.mean, op.std))
    offsets = x.zero_point + mean / x.scale
    left_shift = dsp.normalize_shift(x.bits, offsets)
    if left_shift < 0:
        raise lw.fail(
            f"the means {mean.tolist()} lie too far outside the input's integer range (scale {x.scale})"
        )
    result = qnn.NormalizeOp(
        operands=[lw.get(op.input)],
        result_types=[lw.int_type(op.result)],
        properties={
            "offset": i32_array(round_half_away(offsets * 2.0**left_shift)),
            "left_shift": i32_attr(left_shift),
            **lw.rescale(x.scale / (std * y.scale * 2.0**left_shift), y.zero_point),
        },
    )
    return lw.emit(result, y)


@lowers(nn.SpectrumOp)
def _spectrum(lw: Lowering, op: nn.SpectrumOp) -> SSAValue:
    """The integer FFT gives DFT / size at the input's scale s: magnitudes are at s * size,
    powers at p = (s * size)^2, so ln(P + epsilon) = ln 2 * log2(q + epsilon / p) + ln p with
    log2 in Q16: log_offset = log2(p) * 2^16, log_floor = max(1, round(epsilon / p))."""
    x, y = lw.qparams(op.input), lw.qparams(op.result)
    if x.bits != 16 or x.zero_point != 0:
        raise lw.fail(f"the integer FFT needs a symmetric i16 input, got {x}")
    size = op.size.value.data
    value_scale = x.scale * size
    props = {"size": op.size, "output": op.output}
    if op.window.data == "hann":
        props["window_table"] = dense_from_numpy(dsp.q15(dsp.hann(dsp.frame_length(_shape(op.input)[1], size))))
    if op.mel is not None:
        props["mel"] = dense_from_numpy(dsp.q15(dense_to_numpy(op.mel)))
    if op.output.data == "magnitude":
        real = value_scale / y.scale
    else:
        power_scale = value_scale**2
        floor = int(round_half_away(op.epsilon.value.data / power_scale))
        props["log_floor"] = IntegerAttr(min(max(floor, 1), qnn.LOG_FLOOR_LIMIT - 1), i64)
        props["log_offset"] = i32_attr(round_half_away(np.log2(power_scale) * 2**dsp.LOG2_FRACTION_BITS))
        real = np.log(2.0) / (2**dsp.LOG2_FRACTION_BITS * y.scale)
    result = qnn.SpectrumOp(
        operands=[lw.get(op.input)],
        result_types=[lw.int_type(op.result)],
        properties={**props, **lw.rescale(real, y.zero_point)},
    )
    return lw.emit(result, y)


@lowers(nn.ConcatOp)
def _concat(lw: Lowering, op: nn.ConcatOp) -> SSAValue:
    y = lw.qparams(op.result)
    result = qnn.ConcatOp(
        operands=[[lw.get_as(v, y) for v in op.inputs]],
        result_types=[lw.int_type(op.result)],
        properties={"axis": op.axis},
    )
    return lw.emit(result, y)


@lowers(nn.GlobalAvgPoolOp)
def _global_avg_pool(lw: Lowering, op: nn.GlobalAvgPoolOp) -> SSAValue:
    x, y = lw.qparams(op.input), lw.qparams(op.result)
    count = int(np.prod(_shape(op.input)[1:-1]))
    result = qnn.GlobalAvgPoolOp(
        operands=[lw.get(op.input)],
        result_types=[lw.int_type(op.result)],
        properties=lw.rescale(x.scale / (count * y.scale), y.zero_point, x.zero_point),
    )
    return lw.emit(result, y)


@lowers(nn.ReluOp, nn.Relu6Op)
def _relu(lw: Lowering, op: nn.ElementwiseUnaryOp) -> SSAValue:
    """A clamp at unchanged parameters, or a requantize that clamps when the contract was declined."""
    x, y = lw.qparams(op.input), lw.qparams(op.result)
    bounds = lw.clamp(y, "relu" if isinstance(op, nn.ReluOp) else "relu6")
    if _same(x, y):
        result = qnn.ClampOp(operands=[lw.get(op.input)], result_types=[lw.int_type(op.result)], properties=bounds)
        return lw.emit(result, y)
    result = qnn.RequantizeOp(
        operands=[lw.get(op.input)],
        result_types=[lw.int_type(op.result)],
        properties={**lw.rescale(x.scale / y.scale, y.zero_point, x.zero_point), **bounds},
    )
    return lw.emit(result, y)


def table(lw: Lowering, op: nn.ElementwiseUnaryOp, y: QParamsAttr, hint: str | None = None) -> SSAValue:
    """A table of the float function at every input integer (int8) or interpolated (int16),
    giving the result at `y`'s parameters."""
    x = lw.qparams(op.input)
    build = lut_int8 if x.bits == 8 else lut_int16
    entries = build(LUT_FUNCTIONS[type(op)], x.scale, x.zero_point, y.scale, y.zero_point)
    result = qnn.LutOp(
        operands=[lw.get(op.input)],
        result_types=[lw.int_type(op.result, y)],
        properties={"table": dense_from_numpy(entries)},
    )
    # a table merged with a rescale computes `op`'s float value: it keeps `op`'s layer
    return lw.emit(result, y, hint, source=op)


@lowers(nn.TanhOp, nn.SigmoidOp)
def _lut(lw: Lowering, op: nn.ElementwiseUnaryOp) -> SSAValue:
    return table(lw, op, lw.qparams(op.result))


@lowers(nn.SoftmaxOp)
def _softmax(lw: Lowering, op: nn.SoftmaxOp) -> SSAValue:
    x, y = lw.qparams(op.input), lw.qparams(op.result)
    if op.axis.value.data % len(_shape(op.input)) != len(_shape(op.input)) - 1:
        raise lw.fail("the integer softmax works on the last axis")
    if x.bits == 8:
        multiplier, shift, diff_min = softmax_int8_params(x.scale, 1.0, lw.rounding)
        props = {"diff_min": i32_attr(diff_min)}
    else:
        if x.zero_point != 0:
            raise lw.fail("the int16 softmax needs a symmetric input (zero point 0)")
        multiplier, shift, exp_table, reciprocal_table = softmax_int16_params(x.scale, 1.0, lw.rounding)
        props = {"exp_table": dense_from_numpy(exp_table), "reciprocal_table": dense_from_numpy(reciprocal_table)}
    result = qnn.SoftmaxOp(
        operands=[lw.get(op.input)],
        result_types=[lw.int_type(op.result)],
        properties={
            "input_beta_multiplier": i32_attr(multiplier),
            "input_beta_left_shift": i32_attr(shift),
            "rounding": StringAttr(lw.rounding),
            **props,
        },
    )
    return lw.emit(result, y)


RECURRENT_CHOICES = {"activation": ("tanh",), "recurrent_activation": ("sigmoid", "hard_sigmoid")}
"""The Keras activations of LSTM and GRU that have an integer form: the state stays in (-1, 1)
(Q0.15) and the gates in [0, 1]."""


def _float_constant(lw: Lowering, value: SSAValue) -> np.ndarray:
    if not isinstance(value.owner, nn.ConstantOp):
        raise lw.fail(f"{value_label(value)} must be a constant")
    return dense_to_numpy(value.owner.value).astype(np.float64)


def recurrent_table(activation: str) -> np.ndarray:
    """TFLite's interpolated int16 table of a Keras activation from Q3.12 to Q0.15."""
    return lut_int16(
        RECURRENT_ACTIVATIONS[activation], 2.0**qnn.GATE_SCALE_POWER, 0, 2.0**qnn.STATE_SCALE_POWER, 0
    )


def cell_scale_power(lw: Lowering, op: nn.LSTMOp) -> int:
    """The smallest p in CELL_SCALE_POWER_RANGE with 32767 * 2^p covering the calibrated cell."""
    attr = op.attributes.get(CELL_RANGE)
    if not isinstance(attr, RangeAttr):
        raise lw.fail(f"no {CELL_RANGE} (the cell state's calibrated range): run calibrate first")
    largest = max(abs(attr.lo), abs(attr.hi))
    lowest, highest = qnn.CELL_SCALE_POWER_RANGE
    qmax = storage_range(16)[1]
    power = next((p for p in range(lowest, highest + 1) if qmax * 2.0**p >= largest), None)
    if power is None:
        raise lw.fail(f"the cell state reaches {largest:g}, beyond int16 at scale 2^{highest}")
    return power


@lowers(nn.LSTMOp, nn.GRUOp)
def _recurrent(lw: Lowering, op: nn.RecurrentOp) -> SSAValue:
    """qnn.lstm / qnn.gru: weights per gate unit, the rescales to Q3.12 gates, the tables.

    The kernel gets the scales the solver gave it (its width is the mode's weight width), the
    recurrent kernel its own per-column scales at that width; the input bias is at
    s_x * s_kernel (a reset_after GRU's recurrent z and r biases are added to it, its recurrent
    candidate bias is at s_recurrent * 2^-15). Reals: s_x * s_kernel / 2^-12 (input),
    s_recurrent * 2^-15 / 2^-12 (recurrent), 2^-15 / s_y (output).
    """
    kind = op.name.split(".")[-1].upper()
    got = {name: op.properties[name].data for name in RECURRENT_CHOICES}
    if any(got[name] not in allowed for name, allowed in RECURRENT_CHOICES.items()):
        raise lw.fail(
            f'the integer {kind} supports activation "tanh" with recurrent_activation "sigmoid" '
            f'or "hard_sigmoid", got activation "{got["activation"]}" and recurrent_activation '
            f'"{got["recurrent_activation"]}"; build the model with --float'
        )
    x, y, w = lw.qparams(op.input), lw.qparams(op.result), weight_qparams(lw, op.kernel)
    kernel, recurrent_kernel, bias = (_float_constant(lw, v) for v in op.operands[1:])
    units = op.units.value.data
    kernel_scales = np.asarray(w.scale_values)
    recurrent_scales = per_channel_symmetric_scales(recurrent_kernel, -1, w.bits)
    gate, state = 2.0**qnn.GATE_SCALE_POWER, 2.0**qnn.STATE_SCALE_POWER
    hint = op.results[0].name_hint or kind.lower()
    props, recurrent_bias = {}, None
    if isinstance(op, nn.LSTMOp):
        props["cell_scale_power"] = i32_attr(cell_scale_power(lw, op))
    else:
        props["reset_after"] = op.reset_after
        if op.reset_after.value.data:  # Keras' rows: input, recurrent
            recurrent_bias = bias[1, 2 * units :]
            bias = bias[0] + np.concatenate([bias[1, : 2 * units], np.zeros(units)])
    operands = [
        lw.get(op.input),
        weight_constant(lw, kernel, kernel_scales, -1, w.bits, f"{hint}_kernel"),
        weight_constant(lw, recurrent_kernel, recurrent_scales, -1, w.bits, f"{hint}_recurrent_kernel"),
        bias_constant(lw, bias, x.scale * kernel_scales, qnn.BIAS_WIDTH[x.bits], f"{hint}_bias"),
    ]
    if isinstance(op, nn.GRUOp):  # the optional recurrent bias
        operands.append([] if recurrent_bias is None else bias_constant(
            lw, recurrent_bias, recurrent_scales[2 * units :] * state,
            qnn.recurrent_accumulator_bits(w.bits, units), f"{hint}_recurrent_bias",
        ))
    output_multiplier, output_shift = quantize_multiplier(state / y.scale, lw.rounding)
    if output_shift > qnn.OUTPUT_SHIFT_RANGE[1]:
        raise lw.fail(f"the output scale {y.scale:g} is too small for the Q0.15 state")
    (in_q, in_s), (rec_q, rec_s) = (
        lw.multiplier(x.scale * kernel_scales / gate), lw.multiplier(recurrent_scales * state / gate)
    )
    result = QNN_OF[type(op)](
        operands=operands,
        result_types=[lw.int_type(op.result)],
        properties={
            "input_zero_point": i32_attr(x.zero_point),
            "input_multiplier": i32_array(in_q),
            "input_shift": i32_array(in_s),
            "recurrent_multiplier": i32_array(rec_q),
            "recurrent_shift": i32_array(rec_s),
            "output_multiplier": i32_attr(output_multiplier),
            "output_shift": i32_attr(output_shift),
            "output_zero_point": i32_attr(y.zero_point),
            "recurrent_activation_table": dense_from_numpy(
                np.clip(recurrent_table(got["recurrent_activation"]), 0, None)
            ),
            "activation_table": dense_from_numpy(recurrent_table(got["activation"])),
            "rounding": StringAttr(lw.rounding),
            **props,
        },
    )
    return lw.emit(result, y)


@dataclass(frozen=True)
class RequantizePass(ModulePass):
    """Rewrite `nn` into `qnn`: integer weights and biases, fixed-point rescales, tables.

    Needs: `qparams` on every value (run `propagate-contracts`). Leaves: a function with the
    same float signature whose body quantizes its inputs (`qnn.quantize`), computes in integers
    and dequantizes its outputs (`qnn.dequantize`); no `nn` op remains. Every real rescale
    becomes a Q31 multiplier and shift (TFLite's QuantizeMultiplier), applied with
    `rounding` = "double" (gemmlowp / TFLite / CMSIS-NN) or "single". Where a required
    same-parameter contract was broken, an explicit `qnn.requantize` brings the operand over.

        %y = nn.dense %x, %w, %b {activation = "relu", qparams = #qtc.qparams<0.02, -128, i8>}
          ->  %y = qnn.dense %xq, %wq, %bq {multiplier = array<i32: ...>, clamp_min = -128 ...}
    """

    name = "requantize"

    rounding: str = "double"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.rounding not in ROUNDINGS:
            raise PassFailedException(f'requantize: rounding must be "double" or "single", got "{self.rounding}"')
        for function in op.ops:
            if isinstance(function, func.FuncOp):
                Lowering(function, self.rounding).run()
        leftover = next((o for o in op.walk() if isinstance(o, nn.NNOp)), None)
        if leftover is not None:
            raise PassFailedException(f"requantize: {leftover.name} was not lowered")
