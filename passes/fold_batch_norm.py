"""fold-batch-norm: inference batch norm folded into the dense or convolution before it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from qtc.dialects import nn
from qtc.dialects.dense import dense_from_numpy, dense_to_numpy

FOLDABLE = (nn.DenseOp, nn.Conv1DOp, nn.Conv2DOp, nn.DepthwiseConv1DOp, nn.DepthwiseConv2DOp)


def constant_array(value) -> np.ndarray | None:
    """The elements of a value made by `nn.constant`, else None."""
    owner = value.owner
    return dense_to_numpy(owner.value) if isinstance(owner, nn.ConstantOp) else None


@dataclass
class FoldBatchNormIntoProducer(RewritePattern):
    """`bn(op(x, w, b))` -> `op(x, w * k, (b - mean) * k + beta)`, k = gamma / sqrt(var + eps).

    Applies when the producer is linear (no fused activation), feeds only the batch norm,
    has constant weights and bias, and the batch norm normalises its output channels.
    """

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.BatchNormOp, rewriter: PatternRewriter) -> None:
        producer = op.input.owner
        if not isinstance(producer, FOLDABLE) or producer.activation is not None:
            return
        if not producer.result.has_one_use():
            return
        rank = len(op.input.type.get_shape())
        if op.axis.value.data % rank != rank - 1:
            return
        weights_value, bias_value = producer.weights, producer.bias
        weights, bias = constant_array(weights_value), constant_array(bias_value)
        params = [constant_array(v) for v in (op.gamma, op.beta, op.mean, op.variance)]
        if weights is None or bias is None or any(p is None for p in params):
            return
        gamma, beta, mean, variance = (p.astype(np.float64) for p in params)
        k = gamma / np.sqrt(variance + op.epsilon.value.data)
        if isinstance(producer, (nn.DepthwiseConv1DOp, nn.DepthwiseConv2DOp)):
            scale = k.reshape(weights.shape[-2], weights.shape[-1])  # channel c * M + m
        else:
            scale = k
        new_weights = nn.ConstantOp(dense_from_numpy((weights * scale).astype(np.float32)))
        new_bias = nn.ConstantOp(
            dense_from_numpy(((bias - mean) * k + beta).astype(np.float32))
        )
        for c, old in ((new_weights, producer.weights), (new_bias, producer.bias)):
            c.attributes.update(old.owner.attributes)
            c.result.name_hint = old.name_hint
        rewriter.insert(new_weights, InsertPoint.before(producer))
        rewriter.insert(new_bias, InsertPoint.before(producer))
        inputs = [weights_value, bias_value, op.gamma, op.beta, op.mean, op.variance]
        folded = producer.clone()
        folded.operands = [producer.input, new_weights.result, new_bias.result]
        rewriter.replace(op, folded)
        rewriter.erase(producer)
        for old in inputs:
            if old.first_use is None:
                rewriter.erase(old.owner)


@dataclass(frozen=True)
class FoldBatchNormPass(ModulePass):
    """Fold inference batch normalization into the dense or convolution that feeds it.

    Needs: `nn` ops with constant weights. Leaves: a batch norm only where it cannot be
    folded (after an activation, a shared producer, or a non-channel axis); the C and the
    quantizer then treat it as a per-channel multiply-add.

        %y = nn.conv2d %x, %w, %b ...          %y = nn.conv2d %x, %w', %b' ...
        %z = nn.batch_norm %y, %g, %be, %m, %v   ->   (uses of %z now use %y)
    """

    name = "fold-batch-norm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(FoldBatchNormIntoProducer(), apply_recursively=False).rewrite_module(op)
