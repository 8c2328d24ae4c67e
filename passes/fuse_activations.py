"""fuse-activations: relu / relu6 folded into the op before them as an output clamp."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from qtc.dialects import nn


@dataclass
class FuseClampIntoProducer(RewritePattern):
    """`relu(op(...))` -> `op(...) {activation = "relu"}` when `op` can clamp and feeds only it."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReluOp | nn.Relu6Op, rewriter: PatternRewriter) -> None:
        producer = op.input.owner
        if not isinstance(producer, nn.FusedActivationOp) or producer.activation is not None:
            return
        if not producer.results[0].has_one_use():
            return
        activation = "relu" if isinstance(op, nn.ReluOp) else "relu6"
        fused = producer.clone()
        fused.properties["activation"] = StringAttr(activation)
        fused.results[0].name_hint = op.result.name_hint
        rewriter.replace(op, fused)
        rewriter.erase(producer)


@dataclass(frozen=True)
class FuseActivationsPass(ModulePass):
    """Fuse relu and relu6 into the dense, convolution, add, sub or mul that feeds them.

    The integer form of those ops clamps its output anyway, so the fused activation costs
    nothing and its calibrated range is the post-activation one (quantization.md rule 8).

        %y = nn.dense %x, %w, %b ...        %r = nn.dense %x, %w, %b {activation = "relu"} ...
        %r = nn.relu %y ...          ->
    """

    name = "fuse-activations"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(FuseClampIntoProducer(), apply_recursively=False).rewrite_module(op)
