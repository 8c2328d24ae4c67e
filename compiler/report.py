"""Model facts for `report.json`: parameters and multiply-accumulates per op and per layer."""

from __future__ import annotations

from math import prod

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.traits import ConstantLike

from qtc.compiler.keras_frontend import LAYER_ATTR
from qtc.dialects import nn


def _shape(value: SSAValue) -> list[int]:
    assert isinstance(value.type, TensorType)
    return list(value.type.get_shape())


def op_macs(op: Operation) -> int:
    """Multiply-accumulates of one inference of `op` (0 for ops without products)."""
    if isinstance(op, nn.DenseOp):
        w = _shape(op.weights)
        return prod(_shape(op.input)[:-1]) * w[0] * w[1]
    if isinstance(op, nn.ConvolutionOp):
        w = _shape(op.weights)
        y = _shape(op.result)
        taps = prod(w[:-1]) if not isinstance(op, nn.DepthwiseConvolutionOp) else prod(w[:-2])
        return prod(y) * taps
    if isinstance(op, nn.RecurrentOp):
        batch, steps, features = _shape(op.input)
        units = op.units.value.data
        return batch * steps * op.GATES * units * (features + units)
    if isinstance(op, (nn.MulOp, nn.BatchNormOp)):
        return prod(_shape(op.results[0]))
    return 0


def is_constant(op: Operation) -> bool:
    return op.has_trait(ConstantLike)


def op_params(op: Operation) -> int:
    """Weight elements read by `op` (its constant operands)."""
    return sum(
        prod(_shape(v)) for v in op.operands if isinstance(v.owner, Operation) and is_constant(v.owner)
    )


def layer_of(op: Operation) -> str:
    attr = op.attributes.get(LAYER_ATTR)
    return attr.data if isinstance(attr, StringAttr) else op.results[0].name_hint or op.name


def layer_table(module: ModuleOp) -> list[dict]:
    """One entry a compute op in program order: {name, op, params, macs}."""
    rows = []
    for function in module.ops:
        if not isinstance(function, func.FuncOp):
            continue
        for op in function.body.block.ops:
            if isinstance(op, func.ReturnOp) or is_constant(op):
                continue
            rows.append(
                {"name": layer_of(op), "op": op.name, "params": op_params(op), "macs": op_macs(op)}
            )
    return rows
