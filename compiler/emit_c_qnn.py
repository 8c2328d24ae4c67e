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
    shape_of,
    split_axis,
    window_geometry,
)
from qtc.compiler.errors import QtcError
from qtc.dialects import qnn
from qtc.dialects.dense import dense_to_numpy

MBQM_MODES = {"double": "QTC_MBQM_DOUBLE", "single": "QTC_MBQM_SINGLE"}
"""qtc_int.h's requantizer of each `rounding` (int32 accumulators)."""
MBQM_INT64 = "QTC_MBQM_INT64"
"""qtc_int.h's requantizer of int64 (16x8) accumulators, the same for both roundings."""
BROADCAST_RANK = 4
"""Axes of qtc_int.h's `qtc_broadcast` after merging."""

emits(qnn.ConstantOp)(_constant)
emits(qnn.ReshapeOp)(_reshape)
emits(qnn.ConcatOp)(_concat)


def suffix(value: SSAValue) -> str:
    """The kernel name part of `value`'s element type: i8, i16 or i32."""
    return f"i{dtype_of(value).itemsize * 8}"


def i32(value: int) -> str:
    """An exact int32 C literal."""
    return c_literal(value, np.dtype(np.int32))


def struct(em: CEmitter, ctype: str, hint: str, fields: dict[str, str]) -> str:
    """A `static const` struct with designated initializers; returns a pointer to it."""
    name = em.fresh(hint)
    body = ", ".join(f".{k} = {v}" for k, v in fields.items())
    em.define(f"static const {ctype} {name} = {{{body}}};")
    return f"&{name}"


def clamp_fields(op: qnn.ClampedOp) -> dict[str, str]:
    lo, hi = op.clamp_range()
    return {"clamp_min": i32(lo), "clamp_max": i32(hi)}


def requant(em: CEmitter, op: qnn.RescaledOp) -> str:
    """The op's `qtc_requant` (multipliers, shifts, zero points, clamp); returns a pointer."""
    hint = _hint(op)
    multipliers = np.asarray(op.multipliers(), dtype=np.int32)
    shifts = np.asarray(op.shifts(), dtype=np.int32)
    input_zero_point = op.properties.get("input_zero_point")
    mode = MBQM_INT64 if op.accumulator_bits() == 64 else MBQM_MODES[op.rounding.data]
    return struct(
        em,
        "qtc_requant",
        f"{hint}_requant",
        {
            "multiplier": em.const_array(f"{hint}_multiplier", multipliers),
            "shift": em.const_array(f"{hint}_shift", shifts),
            "channels": str(len(multipliers)),
            "mode": mode,
            "input_zero_point": i32(input_zero_point.value.data if input_zero_point else 0),
            "output_zero_point": i32(op.output_zero_point.value.data),
            **clamp_fields(op),
        },
    )


def accumulators(em: CEmitter, op: qnn._AccumulatingOp, count: int) -> str:
    """Scratch for `count` accumulators of the op's width (int32 for i8, int64 for i16 inputs)."""
    return em.scratch(op, f"int{op.accumulator_bits()}", count)


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
    acc = accumulators(em, op, op.channels())
    em.emit(
        f"qtc_{kernel}_{types}({em.ptr(op.input)}, {em.ptr(op.weights)}, {em.ptr(op.bias)}, "
        f"{em.ptr(op.result)}, {acc}, {', '.join(geometry)}, {requant(em, op)});"
    )


@emits(qnn.DenseOp)
def _dense(em: CEmitter, op: qnn.DenseOp) -> None:
    x, w = shape_of(op.input), shape_of(op.weights)
    _accumulating_call(em, op, "dense", str(prod(x[:-1])), str(w[0]), str(w[1]))


@emits(qnn.Conv1DOp, qnn.Conv2DOp, qnn.DepthwiseConv1DOp, qnn.DepthwiseConv2DOp)
def _conv(em: CEmitter, op: qnn._ConvOp) -> None:
    w = shape_of(op.weights)
    kind = "depthwise_conv2d" if op.DEPTHWISE else "conv2d"
    _accumulating_call(em, op, kind, window_geometry(em, op, w[:-2], w[-1]))


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


@emits(qnn.SoftmaxOp)
def _softmax(em: CEmitter, op: qnn.SoftmaxOp) -> None:
    hint = _hint(op)
    fields = {
        "multiplier": i32(op.input_beta_multiplier.value.data),
        "shift": str(op.input_beta_left_shift.value.data),
        "rounding": MBQM_MODES[op.rounding.data],
    }
    if op.diff_min is not None:
        fields["diff_min"] = i32(op.diff_min.value.data)
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
    acc = em.scratch(op, "int32", shape_of(op.input)[-1])
    _pool(em, op, suffix(op.input), [acc], [i32(v) for v in op.clamp_range()])


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
    acc = em.scratch(op, "int32", shape_of(op.input)[-1])
    em.emit(
        f"qtc_global_avg_pool_{suffix(op.input)}_{suffix(op.result)}({em.ptr(op.input)}, "
        f"{em.ptr(op.result)}, {acc}, {_global_dims(op)}, {requant(em, op)});"
    )


# ----------------------------------------------------------------------------- data movement


@emits(qnn.PadOp)
def _qnn_pad(em: CEmitter, op: qnn.PadOp) -> None:
    _pad(em, op, f"qtc_pad4_{suffix(op.input)}", i32(op.pad_value.value.data))
