"""C forms of the integer (`qnn`) ops: calls of the `runtime_c/qtc_int.h` kernels.

Imported by `qtc.compiler.emit_c.generate_c`, which registers these emitters. Every integer
constant of an op (zero points, multipliers and shifts, clamps, tables) becomes a
`static const` array or parameter struct; the kernels compute what
`qtc.dialects.qnn_interpreter` computes, bit for bit. `qnn.quantize`/`qnn.dequantize` have
no C form here (the model boundary is handled by the compile driver).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from weakref import WeakKeyDictionary

import numpy as np
from xdsl.ir import SSAValue

from qtc.compiler.emit_c import (
    CEmitter,
    _concat,
    _constant,
    _hint,
    _pad,
    _pool,
    _reshape,
    c_literal,
    dtype_of,
    emits,
    needs_scratch,
    shape_of,
    spectrum_struct,
    split_axis,
    window_fields,
    window_struct,
)
from qtc.compiler.errors import QtcError
from qtc.dialects import dsp, qnn
from qtc.dialects.dense import dense_to_numpy
from qtc.dialects.fixedpoint import (
    INT32_MAX,
    INT32_MIN,
    MULTIPLY_BY_ROUNDING,
    SOFTMAX_DIFF_INTEGER_BITS,
    exp_on_negative_values,
    wrap,
)
from qtc.dialects.qnn_interpreter import gate_rescale
from qtc.dialects.qtc_attrs import storage_range
from qtc.dialects.shapes import window_pads
from qtc.passes.plan_memory import SCRATCH

MBQM_MODES = {"double": "QTC_MBQM_DOUBLE", "single": "QTC_MBQM_SINGLE"}
"""qtc_int.h's requantizer of each `rounding` (int32 accumulators)."""
MBQM_INT64 = "QTC_MBQM_INT64"
"""qtc_int.h's requantizer of int64 (16x8) accumulators, the same for both roundings."""
MBQM_NARROW = "QTC_MBQM_DOUBLE_NARROW"
"""qtc_int.h's double rounding of int32 accumulators proven narrow (`narrow_accumulators`)."""
BROADCAST_RANK = 4
"""Axes of qtc_int.h's `qtc_broadcast` after merging."""

emits(qnn.ReshapeOp)(_reshape)
emits(qnn.ConcatOp)(_concat)


def suffix(value: SSAValue) -> str:
    """The kernel name part of `value`'s element type: i8, i16 or i32."""
    return f"i{dtype_of(value).itemsize * 8}"


def i32(value: int) -> str:
    """An exact int32 C literal."""
    return c_literal(value, np.dtype(np.int32))


def initializer(fields: dict[str, str]) -> str:
    """A struct's designated initializer: `{.name = value, ...}`."""
    return "{" + ", ".join(f".{k} = {v}" for k, v in fields.items()) + "}"


def struct(em: CEmitter, ctype: str, hint: str, fields: dict[str, str]) -> str:
    """A `static const` struct with designated initializers; returns a pointer to it."""
    name = em.fresh(hint)
    em.define(f"static const {ctype} {name} = {initializer(fields)};")
    return f"&{name}"


def clamp_fields(op: qnn.ClampedOp) -> dict[str, str]:
    lo, hi = op.clamp_range()
    return {"clamp_min": i32(lo), "clamp_max": i32(hi)}


def mbqm_mode(accumulator_bits: int, rounding: str) -> str:
    """qtc_int.h's requantizer of an accumulator width and a `rounding`."""
    return MBQM_INT64 if accumulator_bits == 64 else MBQM_MODES[rounding]


def requant_fields(
    em: CEmitter,
    hint: str,
    rescale: tuple[Sequence[int], Sequence[int]],
    mode: str,
    zero_points: tuple[int, int],
    clamp: tuple[int, int],
) -> dict[str, str]:
    """The fields of a `qtc_requant` of (multipliers, shifts), (input, output) zero points and
    a clamp (the multiplier and shift arrays emitted)."""
    multipliers, shifts = np.asarray(rescale[0], dtype=np.int32), np.asarray(rescale[1], dtype=np.int8)
    return {
        "multiplier": em.const_array(f"{hint}_multiplier", multipliers),
        "shift": em.const_array(f"{hint}_shift", shifts),
        "channels": str(len(multipliers)),
        "mode": mode,
        "input_zero_point": i32(zero_points[0]),
        "output_zero_point": i32(zero_points[1]),
        "clamp_min": i32(clamp[0]),
        "clamp_max": i32(clamp[1]),
    }


def requant_struct(em: CEmitter, hint: str, fields: dict[str, str]) -> str:
    """A `qtc_requant` of `fields` (`requant_fields`); returns a pointer to it."""
    return struct(em, "qtc_requant", f"{hint}_requant", fields)


def op_requant_fields(em: CEmitter, op: qnn.RescaledOp, narrow: bool = False) -> dict[str, str]:
    """The fields of the op's `qtc_requant` (multipliers, shifts, zero points, clamp); narrow:
    its accumulators are proven narrow (`narrow_accumulators`)."""
    input_zero_point = op.properties.get("input_zero_point")
    return requant_fields(
        em,
        _hint(op),
        (op.multipliers(), op.shifts()),
        MBQM_NARROW if narrow else mbqm_mode(op.accumulator_bits(), op.rounding.data),
        (input_zero_point.value.data if input_zero_point else 0, op.output_zero_point.value.data),
        op.clamp_range(),
    )


def requant(em: CEmitter, op: qnn.RescaledOp) -> str:
    """The op's `qtc_requant`; returns a pointer to it."""
    return requant_struct(em, _hint(op), op_requant_fields(em, op))


# ----------------------------------------------------------------------------- requantization


@emits(qnn.RequantizeOp)
def _requantize(em: CEmitter, op: qnn.RequantizeOp) -> None:
    shape = shape_of(op.input)
    axis = op.channel_axis()
    outer, n, inner = (1, prod(shape), 1) if axis is None else split_axis(shape, axis)
    em.emit(
        f"qtc_requantize_{suffix(op.input)}_{suffix(op.result)}({em.ptr(op.input)}, "
        f"{em.ptr(op.result)}, {outer}, {n}, {inner}, {requant(em, op)});"
    )


def _accumulating_call(em: CEmitter, op: qnn._AccumulatingOp, kernel: str, *geometry: str) -> None:
    """`kernel_<x>_<w>_<y>(x, w, b, y, acc, *geometry, requant)`, acc one per output channel."""
    types = "_".join(suffix(v) for v in (op.input, op.weights, op.result))
    em.emit(
        f"qtc_{kernel}_{types}({em.ptr(op.input)}, {em.ptr(op.weights)}, {em.ptr(op.bias)}, "
        f"{em.ptr(op.result)}, {em.scratch(op)}, {', '.join(geometry)}, {requant(em, op)});"
    )


@needs_scratch(qnn.DenseOp, qnn.Conv1DOp, qnn.Conv2DOp, qnn.DepthwiseConv1DOp, qnn.DepthwiseConv2DOp)
def _accumulating_scratch(op: qnn._AccumulatingOp) -> tuple[str, int] | None:
    """Packed kernels: a patch of one window when the input is padded (the border windows,
    padding filled in); the others: one accumulator of the op's width per output channel."""
    if not packs_weights(op):
        return f"int{op.accumulator_bits()}", op.channels()
    if isinstance(op, qnn.DenseOp) or not any(map(any, _conv_pads(op))):
        return None
    return dtype_of(op.input).name, prod(shape_of(op.weights)[:-1])


def _conv_pads(op: qnn._ConvOp) -> list[tuple[int, int]]:
    return window_pads(
        shape_of(op.input)[1:-1], shape_of(op.weights)[:-2], op.strides.get_values(),
        op.dilations.get_values(), op.padding.data,
    )


COMPACT_WINDOW_MAX = (0xFFFF,) * 4 + (0xFF,) * 8 + (0xFFFF,) * 3
"""The largest value of each field (in QTC_WINDOW_FIELDS order) a `qtc_packed_layer`
descriptor's window (qtc_int.h's qtc_window_compact) holds: sizes in 16 bits, the kernel's size,
strides, dilations and padding in 8."""


def fits_compact_window(window: Sequence[int]) -> bool:
    return all(v <= most for v, most in zip(window, COMPACT_WINDOW_MAX, strict=True))
PACKED_LANES = 4
"""Output channels one word of packed 8-bit weights holds (qtc_int.h's `_packed` kernels)."""


def packs_weights(op) -> bool:
    """Whether `op` calls a `_packed` kernel: dense/conv with 8-bit constant weights and bias."""
    return (
        isinstance(op, qnn._AccumulatingOp)
        and dtype_of(op.weights).itemsize == 1
        and all(isinstance(v.owner, qnn.ConstantOp) for v in (op.weights, op.bias))
    )


def repacked(use) -> bool:
    """Whether the operand `use` is emitted in its kernel's own layout: the weights and bias of
    a `_packed` kernel, the weights and biases of a recurrent op."""
    if isinstance(use.operation, qnn._RecurrentOp):
        return use.index > 0
    return packs_weights(use.operation) and use.index in (1, 2)


@emits(qnn.ConstantOp)
def _qnn_constant(em: CEmitter, op: qnn.ConstantOp) -> None:
    """The constant's array, unless only kernels with their own layouts of it read it."""
    uses = list(op.result.uses)
    if uses and all(map(repacked, uses)):
        return
    _constant(em, op)


def packed_weights(weights: np.ndarray) -> np.ndarray:
    """[taps, channels] int8 weights as qtc_int.h's packed words, [groups, taps] flattened:
    word t of group q holds tap t of output channels 4q .. 4q+3 in its bytes 0..3 (0 past the
    last channel)."""
    taps, channels = weights.shape
    groups = -(-channels // PACKED_LANES)
    lanes = np.zeros((taps, groups * PACKED_LANES), np.uint32)
    lanes[:, :channels] = weights.astype(np.int8).view(np.uint8)
    shifts = 8 * np.arange(PACKED_LANES, dtype=np.uint32)
    words = np.bitwise_or.reduce(lanes.reshape(taps, groups, PACKED_LANES) << shifts, axis=-1)
    return words.T.reshape(-1)


def folded_bias(op: qnn._AccumulatingOp, weights: np.ndarray) -> np.ndarray:
    """bias - input_zero_point * (each output channel's sum of [taps, channels] weights),
    wrapped to the accumulator width (the reference wraps the sum), padded to whole groups."""
    bias = dense_to_numpy(op.bias.owner.value)
    bits = op.accumulator_bits()
    zero_point = op.input_zero_point.value.data
    folded = np.zeros(-(-len(bias) // PACKED_LANES) * PACKED_LANES, np.int64)
    sums = weights.astype(np.int64).sum(axis=0)
    folded[: len(bias)] = wrap(bias.astype(np.int64) - zero_point * sums, bits)
    return folded.astype(bias.dtype)


def kernel_kind(op: qnn._AccumulatingOp) -> str:
    """The kernel name part of a dense or convolution op: dense, conv2d or depthwise_conv2d."""
    if isinstance(op, qnn.DenseOp):
        return "dense"
    return "depthwise_conv2d" if op.DEPTHWISE else "conv2d"


def packed_kernel(op: qnn._AccumulatingOp) -> tuple[str, str, str]:
    """The out-of-line loops a `_packed` layer's descriptor calls: kind and types (a dense
    layer runs as the 1x1 convolution of qtc_dense_window_)."""
    kind = "conv2d" if isinstance(op, qnn.DenseOp) else kernel_kind(op)
    return kind, suffix(op.input), suffix(op.result)


def shares_packed_kernel(em: CEmitter, op: qnn._AccumulatingOp) -> bool:
    """Whether `op` and another layer of the model share out-of-line `_packed` loops: layers
    of one kernel with a convolution among them (the direct calls of dense layers alone take
    less flash than descriptors)."""
    users = [o for o in em.ops if packs_weights(o) and packed_kernel(o) == packed_kernel(op)]
    return len(users) > 1 and any(isinstance(o, qnn._ConvOp) for o in users)


def narrow_accumulators(op: qnn._AccumulatingOp, weights: np.ndarray, bias: np.ndarray) -> bool:
    """Whether `op` is an int8 layer of double rounding and every accumulator it can reach,
    folded `bias` plus [taps, channels] `weights` times raw inputs in [-128, 127] (padding taps
    hold the input zero point the bias folds), has |acc| < 2^(30 - left), left = max(shift, 0):
    then acc << (left + 1) fits int32 and the DSP requantizer rounds once into the high word
    (QTC_MBQM_DOUBLE_NARROW), with the reference's results."""
    if dtype_of(op.input).itemsize != 1 or op.accumulator_bits() != 32 or op.rounding.data != "double":
        return False
    channels = weights.shape[1]
    reach = np.abs(bias[:channels].astype(np.int64)) + 128 * np.abs(weights.astype(np.int64)).sum(axis=0)
    left = np.maximum(np.broadcast_to(np.asarray(op.shifts(), np.int64), channels), 0)
    return bool(np.all(reach < np.int64(1) << (30 - left)))


def _packed_operands(
    em: CEmitter, op: qnn._AccumulatingOp, weights: np.ndarray
) -> tuple[str, str, dict[str, str]]:
    """The packed weights and folded bias arrays of [taps, channels] `weights`, and the fields
    of the layer's `qtc_requant` (narrow where `narrow_accumulators` proves it)."""
    hint = _hint(op)
    words = em.const_array(f"{hint}_packed", packed_weights(weights), "uint32_t")
    bias = folded_bias(op, weights)
    fields = op_requant_fields(em, op, narrow_accumulators(op, weights, bias))
    if (dtype_of(op.input).itemsize, dtype_of(op.result).itemsize) == (1, 1):
        em.wide_fast_requant |= fields["mode"] == MBQM_MODES["double"]
    return words, em.const_array(f"{hint}_bias_folded", bias), fields


def _packed_call(em: CEmitter, op: qnn._AccumulatingOp, weights: np.ndarray, *args: str) -> None:
    """`qtc_<kind>_packed_<x>_<y>(x, packed weights, folded bias, y, *args, requant)` for
    [taps, channels] `weights`: a layer whose loops no other shares, which GCC specialises to
    its constant geometry."""
    words, bias, fields = _packed_operands(em, op, weights)
    em.emit(
        f"qtc_{kernel_kind(op)}_packed_{suffix(op.input)}_{suffix(op.result)}({em.ptr(op.input)}, "
        f"{words}, {bias}, {em.ptr(op.result)}, {', '.join(args)}, "
        f"{requant_struct(em, _hint(op), fields)});"
    )


def _packed_layer(
    em: CEmitter, op: qnn._AccumulatingOp, weights: np.ndarray, patch: str, window: Sequence[int]
) -> None:
    """A layer of shared loops (`shares_packed_kernel`): its `qtc_packed_layer` descriptor
    (qtc_int.h) with its `window` fields and `qtc_<kind>_packed_layer_<x>_<y>(&descriptor)`, or
    `..._layer_on_<x>_<y>(x, &descriptor)` when x is the model input (not a link-time constant)."""
    words, bias, fields = _packed_operands(em, op, weights)
    on_input = em.is_parameter(op.input)
    layer = struct(em, "qtc_packed_layer", f"{_hint(op)}_layer", {
        "x": "0" if on_input else em.ptr(op.input),
        "w": words,
        "b": bias,
        "y": em.ptr(op.result),
        "patch": patch,
        "requant": initializer(fields),
        "window": "{" + ", ".join(map(str, window)) + "}",
    })
    entry = f"qtc_{packed_kernel(op)[0]}_packed_layer"
    types = f"{suffix(op.input)}_{suffix(op.result)}"
    if on_input:
        em.emit(f"{entry}_on_{types}({em.ptr(op.input)}, {layer});")
    else:
        em.emit(f"{entry}_{types}({layer});")


@emits(qnn.DenseOp)
def _dense(em: CEmitter, op: qnn.DenseOp) -> None:
    x, w = shape_of(op.input), shape_of(op.weights)
    rows = prod(x[:-1])
    dims = str(rows), str(w[0]), str(w[1])
    if not packs_weights(op):
        _accumulating_call(em, op, "dense", *dims)
        return
    weights = dense_to_numpy(op.weights.owner.value)
    window = [1, 1, rows, w[0], *[1] * 6, 0, 0, 1, rows, w[1]]  # qtc_dense_window_
    if shares_packed_kernel(em, op) and fits_compact_window(window):
        _packed_layer(em, op, weights, "0", window)
    else:
        _packed_call(em, op, weights, *dims)


@emits(qnn.Conv1DOp, qnn.Conv2DOp, qnn.DepthwiseConv1DOp, qnn.DepthwiseConv2DOp)
def _conv(em: CEmitter, op: qnn._ConvOp) -> None:
    w = shape_of(op.weights)
    window = window_fields(op, w[:-2], w[-1])
    if not packs_weights(op):
        _accumulating_call(em, op, kernel_kind(op), window_struct(em, op, window))
        return
    weights = dense_to_numpy(op.weights.owner.value)
    taps = weights.reshape(prod(w[:-2]), -1) if op.DEPTHWISE else weights.reshape(-1, w[-1])
    patch = em.scratch(op) if SCRATCH in op.attributes else "0"
    if shares_packed_kernel(em, op) and fits_compact_window(window):
        _packed_layer(em, op, taps, patch, window)
    else:
        _packed_call(em, op, taps, patch, window_struct(em, op, window))


# ----------------------------------------------------------------------------- elementwise


def broadcast_axes(result: Sequence[int], *operands: Sequence[int]) -> list[tuple[int, list[int]]]:
    """(size, element stride of each operand) per axis of a numpy broadcast to `result`.

    Axes of size 1 are dropped and neighbours that one stride covers are merged, so
    [2, 3, 4] + [4] becomes one axis of 6 rows (strides 0) and one of 4 elements.
    """
    axes: list[tuple[int, list[int]]] = []
    for i, size in enumerate(result):
        if size == 1:
            continue
        strides = []
        for shape in operands:
            k = i - (len(result) - len(shape))
            strides.append(0 if k < 0 or shape[k] == 1 else prod(shape[k + 1 :]))
        if axes and all(outer == s * size for outer, s in zip(axes[-1][1], strides)):
            axes[-1] = (axes[-1][0] * size, strides)
        else:
            axes.append((size, strides))
    return axes


def _broadcast(em: CEmitter, op: qnn._BinaryOp) -> str:
    axes = broadcast_axes(shape_of(op.result), shape_of(op.lhs), shape_of(op.rhs))
    if len(axes) > BROADCAST_RANK:
        raise QtcError(
            f"{op.name}: C supports broadcasts over at most {BROADCAST_RANK} axes, "
            f"{shape_of(op.lhs)} and {shape_of(op.rhs)} need {len(axes)}"
        )
    axes = [(1, [0, 0])] * (BROADCAST_RANK - len(axes)) + axes
    sizes = [size for size, _ in axes]
    lhs, rhs = ([strides[k] for _, strides in axes] for k in (0, 1))
    fields = {
        name: "{" + ", ".join(map(str, values)) + "}"
        for name, values in (("shape", sizes), ("lhs_stride", lhs), ("rhs_stride", rhs))
    }
    return struct(em, "qtc_broadcast", f"{_hint(op)}_broadcast", fields)


@emits(qnn.AddOp, qnn.SubOp, qnn.MulOp)
def _binary(em: CEmitter, op: qnn._BinaryOp) -> None:
    if isinstance(op, qnn.MulOp):
        ((q,), (s,)) = op.multipliers(), op.shifts()
        rescales = {"output_multiplier": i32(q), "output_shift": str(s)}
    else:
        rescales = {"left_shift": str(op.left_shift.value.data)}
        for side, (q, s) in zip(("lhs", "rhs", "output"), op.rescales()):
            rescales |= {f"{side}_multiplier": i32(q), f"{side}_shift": str(s)}
    params = struct(
        em,
        "qtc_binary",
        f"{_hint(op)}_params",
        {
            "lhs_zero_point": i32(op.lhs_zero_point.value.data),
            "rhs_zero_point": i32(op.rhs_zero_point.value.data),
            "output_zero_point": i32(op.output_zero_point.value.data),
            **rescales,
            "rounding": MBQM_MODES[op.rounding.data],
            **clamp_fields(op),
        },
    )
    kind = op.name.split(".")[-1]
    em.emit(
        f"qtc_{kind}_{suffix(op.result)}({em.ptr(op.lhs)}, {em.ptr(op.rhs)}, "
        f"{em.ptr(op.result)}, {_broadcast(em, op)}, {params});"
    )


@emits(qnn.ClampOp)
def _clamp(em: CEmitter, op: qnn.ClampOp) -> None:
    lo, hi = op.clamp_range()
    em.emit(
        f"qtc_clamp_{suffix(op.input)}({em.ptr(op.input)}, {em.ptr(op.result)}, "
        f"{prod(shape_of(op.result))}, {i32(lo)}, {i32(hi)});"
    )


@emits(qnn.LutOp)
def _lut(em: CEmitter, op: qnn.LutOp) -> None:
    table = em.const_array(f"{_hint(op)}_table", dense_to_numpy(op.table))
    em.emit(
        f"qtc_apply_lut_{suffix(op.input)}({em.ptr(op.input)}, {table}, {em.ptr(op.result)}, "
        f"{prod(shape_of(op.result))});"
    )


def softmax_exp_table(op: qnn.SoftmaxOp) -> np.ndarray:
    """The int8 softmax's exp(x - max) (Q0.31) of every difference max - x = 0..255, as the
    reference computes it (Q5.26 rescale, gemmlowp exp); 0 below diff_min, which gives the
    outputs the reference's skipped terms give."""
    diff = -np.arange(256, dtype=np.int64)
    valid = diff >= op.diff_min.value.data
    scaled = MULTIPLY_BY_ROUNDING[op.rounding.data](
        diff, op.input_beta_multiplier.value.data, op.input_beta_left_shift.value.data
    )
    exp = exp_on_negative_values(np.where(valid, scaled, 0), SOFTMAX_DIFF_INTEGER_BITS)
    return np.where(valid, exp, 0).astype(np.int32)


@emits(qnn.SoftmaxOp)
def _softmax(em: CEmitter, op: qnn.SoftmaxOp) -> None:
    hint = _hint(op)
    fields = {
        "multiplier": i32(op.input_beta_multiplier.value.data),
        "shift": str(op.input_beta_left_shift.value.data),
        "rounding": MBQM_MODES[op.rounding.data],
    }
    if op.diff_min is not None:
        fields["exp_i8"] = em.const_array(f"{hint}_exp", softmax_exp_table(op))
    else:
        for table in ("exp_table", "reciprocal_table"):
            values = dense_to_numpy(op.properties[table])
            fields[table] = em.const_array(f"{hint}_{table}", values)
    params = struct(em, "qtc_softmax", f"{hint}_params", fields)
    outer, depth, _ = split_axis(shape_of(op.input), -1)
    em.emit(
        f"qtc_softmax_{suffix(op.input)}({em.ptr(op.input)}, {em.ptr(op.result)}, "
        f"{outer}, {depth}, {params});"
    )


# ----------------------------------------------------------------------------- pooling


@emits(qnn.MaxPool1DOp, qnn.MaxPool2DOp, qnn.AvgPool1DOp, qnn.AvgPool2DOp)
def _qnn_pool(em: CEmitter, op: qnn._PoolOp) -> None:
    _pool(em, op, suffix(op.input), [em.scratch(op)], [i32(v) for v in op.clamp_range()])


@needs_scratch(
    qnn.MaxPool1DOp, qnn.MaxPool2DOp, qnn.AvgPool1DOp, qnn.AvgPool2DOp, qnn.GlobalAvgPoolOp
)
def _channel_accumulators(op: qnn.QnnOp) -> tuple[str, int]:
    """One int32 accumulator per channel."""
    return "int32", shape_of(op.input)[-1]


def _global_dims(op: qnn._GlobalPoolOp) -> str:
    x = shape_of(op.input)
    return f"{x[0]}, {prod(x[1:-1])}, {x[-1]}"


@emits(qnn.GlobalMaxPoolOp)
def _global_max_pool(em: CEmitter, op: qnn.GlobalMaxPoolOp) -> None:
    em.emit(
        f"qtc_global_max_pool_{suffix(op.input)}({em.ptr(op.input)}, {em.ptr(op.result)}, "
        f"{_global_dims(op)});"
    )


@emits(qnn.GlobalAvgPoolOp)
def _global_avg_pool(em: CEmitter, op: qnn.GlobalAvgPoolOp) -> None:
    em.emit(
        f"qtc_global_avg_pool_{suffix(op.input)}_{suffix(op.result)}({em.ptr(op.input)}, "
        f"{em.ptr(op.result)}, {em.scratch(op)}, {_global_dims(op)}, {requant(em, op)});"
    )


# ----------------------------------------------------------------------------- data movement


@emits(qnn.PadOp)
def _qnn_pad(em: CEmitter, op: qnn.PadOp) -> None:
    _pad(em, op, f"qtc_pad4_{suffix(op.input)}", i32(op.pad_value.value.data))


# ----------------------------------------------------------------------------- pre-processing


@emits(qnn.NormalizeOp)
def _normalize(em: CEmitter, op: qnn.NormalizeOp) -> None:
    shape = shape_of(op.input)
    offsets = em.const_array(f"{_hint(op)}_offset", np.asarray(op.offset.get_values(), np.int32))
    em.emit(
        f"qtc_normalize_{suffix(op.input)}_{suffix(op.result)}({em.ptr(op.input)}, "
        f"{em.ptr(op.result)}, {prod(shape[:-1])}, {shape[-1]}, {offsets}, "
        f"{op.left_shift.value.data}, {requant(em, op)});"
    )


@emits(qnn.SpectrumOp)
def _spectrum(em: CEmitter, op: qnn.SpectrumOp) -> None:
    """`qtc_spectrum_i16_<y>(x, y, fft, work, geometry, requant)` with the tables of qtc.dialects.dsp."""
    hint, size = _hint(op), op.size.value.data
    cos, sin = dsp.twiddles_q15(size)
    log_power = op.output.data == "log_power"

    def table(name: str, attr) -> str:
        return em.const_array(f"{hint}_{name}", dense_to_numpy(attr)) if attr is not None else "0"

    tables = {
        "cos_q15": em.const_array(f"{hint}_cos", cos), "sin_q15": em.const_array(f"{hint}_sin", sin),
        "window": table("window", op.window_table), "mel": table("mel", op.mel),
    }
    logs = {
        "log2_table": em.const_array(f"{hint}_log2", dsp.LOG2_TABLE) if log_power else "0",
        "log_floor": c_literal(op.log_floor.value.data if log_power else 0, np.dtype(np.int64)),
        "log_offset": i32(op.log_offset.value.data if log_power else 0),
    }
    geometry = spectrum_struct(em, op, "qtc_spectrum", tables, logs)
    em.emit(
        f"qtc_spectrum_i16_{suffix(op.result)}({em.ptr(op.input)}, {em.ptr(op.result)}, "
        f"{em.scratch(op)}, {geometry}, {requant(em, op)});"
    )


@needs_scratch(qnn.SpectrumOp)
def _spectrum_scratch(op: qnn.SpectrumOp) -> tuple[str, int]:
    return "int64", op.size.value.data + 1 + op.bins()  # QTC_SPECTRUM_SCRATCH


# ----------------------------------------------------------------------------- recurrent

_TABLES: WeakKeyDictionary[CEmitter, dict[bytes, str]] = WeakKeyDictionary()
"""The int16 tables already emitted into each C file, by content (stacked layers share them)."""


def shared_table(em: CEmitter, hint: str, table: np.ndarray) -> str:
    """A `static const` table, emitted once per distinct content; returns its name."""
    emitted = _TABLES.setdefault(em, {})
    key = table.tobytes()
    if key not in emitted:
        emitted[key] = em.const_array(hint, table)
    return emitted[key]


@needs_scratch(qnn.LSTMOp, qnn.GRUOp)
def _recurrent_scratch(op: qnn._RecurrentOp) -> tuple[str, int]:
    """The state and gates: 6 * units int16 for an LSTM, 8 * units for a GRU; for i8 inputs
    also the centred input of a step."""
    centred = shape_of(op.input)[-1] if dtype_of(op.input).itemsize == 1 else 0
    return "int16", (6 if isinstance(op, qnn.LSTMOp) else 8) * op.units() + centred


def constant_of(value: SSAValue, op: qnn._RecurrentOp) -> np.ndarray:
    """The array of a constant operand (recurrent weights are stored in the kernel's layout)."""
    if not isinstance(value.owner, qnn.ConstantOp):
        raise QtcError(f"{op.name}: C needs constant weights and biases")
    return dense_to_numpy(value.owner.value)


def pair_packed_weights(weights: np.ndarray) -> np.ndarray:
    """[rows, columns] int8 weights as qtc_recurrent.h's packed words: per group of four
    columns and pair of rows k, k+1, the words [w(k, 4q), w(k, 4q+1), w(k+1, 4q), w(k+1, 4q+1)]
    and the same of columns 4q+2, 4q+3 (byte 0 first; zero past the last column and in the row
    after an odd last one)."""
    rows, columns = weights.shape
    pairs, groups = -(-rows // 2), -(-columns // PACKED_LANES)
    padded = np.zeros((2 * pairs, groups * PACKED_LANES), np.uint8)
    padded[:rows, :columns] = weights.astype(np.int8).view(np.uint8)
    # [pair, row, group, word, column] -> [group, pair, word, row, column]
    ordered = padded.reshape(pairs, 2, groups, 2, 2).transpose(2, 0, 3, 1, 4)
    return np.ascontiguousarray(ordered).reshape(-1).view("<u4").astype(np.uint32).view(np.int32)


GATE_SEARCH = 1 << 34
"""Beyond +-this every int32 gate rescale has reached its result at +-infinity."""


def gate_words(
    rescale: tuple[Sequence[int], Sequence[int]],
    rounding: str,
    bias: np.ndarray,
    weights: np.ndarray,
    inputs: tuple[int, int],
) -> np.ndarray:
    """qtc_recurrent.h's gate words [lo, hi, bias, multiplier, shifts] of every column of an
    int32 accumulator. The rescale G (`gate_rescale`: bound clamp, requantizer, int16
    saturation) is monotone, so with v_lo (v_hi) the largest (smallest) sum where G takes its
    value at -inf (+inf), G(bias + s) is the requantization of bias + clamp(s, v_lo - bias,
    v_hi - bias) (the clamp clipped to int32), saturated to int16.

    Double rounding also gets left + 1 in bits 16-23 of the shifts where every sum s the
    projection can reach (`weights` [rows, columns] times inputs in [inputs[0], inputs[1]])
    has (bias + s) << (left + 1) within int32: there the bound clamp does nothing and the
    SRDHM of (bias + s) << left is the rounding high half of that doubled value times the
    multiplier (an SMMULR), which the DSP kernels compute without the clamp."""
    columns = len(bias)
    q = np.broadcast_to(np.asarray(rescale[0], np.int64), columns)
    shift = np.broadcast_to(np.asarray(rescale[1], np.int64), columns)
    bound = (np.int64(1) << (31 - np.maximum(shift, 0))) - 1
    far = np.full(columns, GATE_SEARCH, np.int64)

    def rescaled(v: np.ndarray) -> np.ndarray:
        return gate_rescale(v, q, shift, rounding, 32)

    def first_above(value: np.ndarray) -> np.ndarray:
        """The smallest sum whose G exceeds `value` (GATE_SEARCH where none does)."""
        below, above = -far, far.copy()
        while np.any(above - below > 1):
            middle = (below + above) // 2
            hit = rescaled(middle) > value
            below, above = np.where(hit, below, middle), np.where(hit, middle, above)
        return above

    high = np.clip(first_above(rescaled(far) - 1), -bound, bound)
    low = np.clip(first_above(rescaled(-far)) - 1, -bound, bound)
    low = np.minimum(low, high)  # a constant G: any sum gives it
    bias = bias.astype(np.int64)
    if np.any((bias < INT32_MIN) | (bias > INT32_MAX)):
        raise QtcError("an int32 accumulator's bias exceeds int32")
    lo, hi = low - bias, high - bias
    # every int32 s on one side of the clamp: the constant result of lo == hi == 0
    above, below = lo > INT32_MAX, hi < INT32_MIN
    offset = np.where(above, low, np.where(below, high, bias))
    lo = np.where(above | below, 0, np.clip(lo, INT32_MIN, INT32_MAX))
    hi = np.where(above | below, 0, np.clip(hi, INT32_MIN, INT32_MAX))
    if rounding == "double":  # the left and right shifts, and left + 1 where it is exact
        left = np.maximum(shift, 0)
        products = weights.astype(np.int64)[None] * np.asarray(inputs, np.int64)[:, None, None]
        lowest, highest = products.min(axis=0).sum(axis=0), products.max(axis=0).sum(axis=0)
        limit = np.int64(1) << (30 - np.minimum(left, 30))  # |v| * 2^(left + 1) <= 2^31
        exact = (
            ~(above | below) & (left < 31) & (bias + lowest >= -limit) & (bias + highest < limit)
        )
        shift = left | np.maximum(-shift, 0) << 8 | np.where(exact, left + 1, 0) << 16
    return np.stack([lo, hi, offset, q, shift], axis=1).astype(np.int32).reshape(-1)


def recurrent_weights(weights: np.ndarray, blocks: Sequence[int]) -> np.ndarray:
    """[rows, columns] weights in qtc_recurrent.h's layout, as blocks of the given column
    counts: 8-bit packed, 16-bit transposed."""
    if weights.dtype.itemsize != 1:
        return np.ascontiguousarray(weights.T).reshape(-1)
    bounds = np.cumsum(blocks)[:-1]
    return np.concatenate([pair_packed_weights(b) for b in np.split(weights, bounds, axis=1)])


@emits(qnn.LSTMOp, qnn.GRUOp)
def _recurrent(em: CEmitter, op: qnn._RecurrentOp) -> None:
    """`qtc_{lstm|gru}_<x>_<w>(x, kernel, recurrent_kernel, bias, [recurrent_bias,] y, scratch,
    params)`: one call over the whole sequence, its state in int16 arena scratch."""
    hint, rounding = _hint(op), op.rounding.data
    batch, steps, features = shape_of(op.input)
    units = op.units()
    bits = {"input": op.input_accumulator_bits(), "recurrent": op.recurrent_accumulator_bits()}
    kernel, recurrent_kernel = (constant_of(v, op) for v in (op.kernel, op.recurrent_kernel))
    bias, zero_point = constant_of(op.bias, op), op.input_zero_point.value.data
    if dtype_of(op.input).itemsize == 2:  # the kernel reads i16 inputs as they are
        bias = bias - zero_point * kernel.astype(np.int64).sum(axis=0)
        zero_point = 0
    zero_points = {"input": zero_point, "recurrent": 0}
    # what the projections read: the centred input and the int16 state (h, or r * h)
    ranges = {
        "input": tuple(v - zero_point for v in storage_range(dtype_of(op.input).itemsize * 8)),
        "recurrent": storage_range(16),
    }
    columns = op.GATES * units
    recurrent_bias = op.recurrent_bias if isinstance(op, qnn.GRUOp) else None
    # each projection's bias by column: a GRU's recurrent bias (reset_after) is the candidate's
    biases = {"input": bias, "recurrent": np.zeros(columns, np.int64)}
    if recurrent_bias is not None:
        biases["recurrent"][2 * units :] = constant_of(recurrent_bias, op)
    q3_12 = storage_range(16)  # unused: the gate rescale saturates to int16 itself

    def rescale_fields(side: str, rescale: tuple[Sequence[int], Sequence[int]]) -> dict[str, str]:
        """The side's qtc_requant and gate words; int32 accumulators read multipliers, shifts
        and bias from the gate words alone, so their qtc_requant has none (channels 0)."""
        mode = mbqm_mode(bits[side], rounding)
        if bits[side] == 64:
            side_hint = f"{hint}_{side}"
            fields = requant_fields(em, side_hint, rescale, mode, (zero_points[side], 0), q3_12)
            requant = requant_struct(em, side_hint, fields)
            return {f"{side}_rescale": requant, f"{side}_gates": "0"}
        weights = kernel if side == "input" else recurrent_kernel
        words = em.const_array(
            f"{hint}_{side}_gates",
            gate_words(rescale, rounding, biases[side], weights, ranges[side]),
        )
        requant = requant_struct(em, f"{hint}_{side}", {
            "multiplier": "0", "shift": "0", "channels": "0", "mode": mode,
            "input_zero_point": i32(zero_points[side]), "output_zero_point": "0",
            "clamp_min": i32(q3_12[0]), "clamp_max": i32(q3_12[1]),
        })
        return {f"{side}_rescale": requant, f"{side}_gates": words}

    fields = {
        "batch": str(batch),
        "steps": str(steps),
        "features": str(features),
        "units": str(units),
        "return_sequences": str(int(op.return_sequences())),
        **{
            key: value
            for side, rescale in op.rescales().items()
            for key, value in rescale_fields(side, rescale).items()
        },
        "output_rescale": requant_struct(em, f"{hint}_output", requant_fields(
            em, f"{hint}_output", ([op.output_multiplier.value.data], [op.output_shift.value.data]),
            MBQM_MODES[rounding], (0, op.output_zero_point.value.data),
            storage_range(dtype_of(op.result).itemsize * 8),
        )),
        "gate_table": shared_table(
            em, f"{hint}_gate_table", dense_to_numpy(op.recurrent_activation_table)
        ),
        "candidate_table": shared_table(
            em, f"{hint}_candidate_table", dense_to_numpy(op.activation_table)
        ),
    }
    # a GRU's recurrent kernel is read in two blocks: z and r, then h (after r)
    gates = [2 * units, units] if isinstance(op, qnn.GRUOp) else [op.GATES * units]
    pointers = [
        em.ptr(op.input),
        em.const_array(f"{hint}_kernel", recurrent_weights(kernel, [kernel.shape[1]])),
        em.const_array(f"{hint}_recurrent_kernel", recurrent_weights(recurrent_kernel, gates)),
        em.const_array(f"{hint}_bias", bias) if bits["input"] == 64 else "0",
    ]
    if isinstance(op, qnn.GRUOp):
        fields["reset_after"] = str(int(bool(op.reset_after.value.data)))
        pointers.append(
            "0" if recurrent_bias is None or bits["recurrent"] == 32
            else em.const_array(f"{hint}_recurrent_bias", constant_of(recurrent_bias, op))
        )
    else:
        fields["cell_scale_power"] = str(op.cell_scale_power.value.data)
    params = struct(em, "qtc_recurrent", f"{hint}_params", fields)
    scratch = em.scratch(op)
    kind = op.name.split(".")[-1]
    em.emit(
        f"qtc_{kind}_{suffix(op.input)}_{suffix(op.kernel)}({', '.join(pointers)}, "
        f"{em.ptr(op.result)}, {scratch}, {params});"
    )
