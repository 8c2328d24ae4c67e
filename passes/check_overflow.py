"""check-overflow: the worst-case accumulator of every integer layer, from its actual weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qtc.dialects import qnn
from qtc.dialects.annotations import value_label
from qtc.dialects.dense import dense_to_numpy
from qtc.dialects.qtc_attrs import storage_range

MAX_ACCUMULATOR = "qtc.max_accumulator"
"""Attribute: the largest |accumulator| any input can produce (before the rescale)."""

INT64_REQUANTIZE_LIMIT = (1 << 47) - 1
"""The int64-input rescale (16x8) is exact only below 2^47 (quantization.md 2.5)."""

ACCUMULATING = (qnn.DenseOp, qnn.Conv1DOp, qnn.Conv2DOp, qnn.DepthwiseConv1DOp, qnn.DepthwiseConv2DOp)


def largest_input_offset(zero_point: int, bits: int) -> int:
    """The largest |q - zero_point| of an integer input of `bits` bits."""
    qmin, qmax = storage_range(bits)
    return max(zero_point - qmin, qmax - zero_point)


def worst_accumulator(op: qnn.QnnOp) -> int:
    """max over output channels of |bias| + max|x - z| * sum |w| over the channel's taps."""
    weights = np.abs(dense_to_numpy(op.weights.owner.value).astype(np.int64))
    bias = np.abs(dense_to_numpy(op.bias.owner.value).astype(np.int64))
    bits = op.input.type.get_element_type().width.data
    offset = largest_input_offset(op.input_zero_point.value.data, bits)
    if isinstance(op, (qnn.DepthwiseConv1DOp, qnn.DepthwiseConv2DOp)):
        taps = weights.reshape(-1, weights.shape[-2] * weights.shape[-1]).sum(axis=0)
    else:
        taps = weights.reshape(-1, weights.shape[-1]).sum(axis=0)
    return int(np.max(bias + offset * taps))


@dataclass(frozen=True)
class CheckOverflowPass(ModulePass):
    """Prove that no accumulator can overflow, from the integer weights and input ranges.

    Needs: `qnn` ops with constant weights and biases (run `requantize`). Leaves:
    `qtc.max_accumulator` on every dense and convolution (the worst case over all inputs,
    bias included). Fails, naming the layer, where an int32 accumulator could wrap or an int64
    one leaves the exact range of the 16x8 rescale (2^47); the message says what to change.

        %y = qnn.dense %x, %w, %b ...  ->  %y = qnn.dense %x, %w, %b {qtc.max_accumulator = 412 : i64, ...}
    """

    name = "check-overflow"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for layer in op.walk():
            if not isinstance(layer, ACCUMULATING):
                continue
            worst = worst_accumulator(layer)
            layer.attributes[MAX_ACCUMULATOR] = IntegerAttr(worst, i64)
            bits = layer.accumulator_bits()
            limit = storage_range(32)[1] if bits == 32 else INT64_REQUANTIZE_LIMIT
            if worst > limit:
                remedy = (
                    "build with --bits 16x8 (int64 accumulators)"
                    if bits == 32
                    else "reduce the layer's fan-in or weight magnitudes"
                )
                raise PassFailedException(
                    f"check-overflow: {value_label(layer.result)}: the int{bits} accumulator can "
                    f"reach {worst} (limit {limit}) for extreme inputs; {remedy}"
                )
