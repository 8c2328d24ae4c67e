"""plan-memory: every activation buffer at a byte offset in one static arena, by liveness.

The C runs the entry function's ops in order. A buffer is live from the op that writes it to
the last op that reads it (the final copy to the caller's output counts as a read after the
last op); buffers whose lifetimes overlap get disjoint bytes. Two rules make buffers fewer
before placement:
- a `ViewOfOperand` op (reshape) aliases its operand's buffer: no copy, no new bytes;
- an `InPlaceElementwise` op writes its result over an operand of the same type whose
  buffer no later op reads.
Each op's kernel scratch (from the C emitter's `SCRATCH` table) is a buffer live only
during the op. Placement is first-fit, largest buffer first (`qtc.compiler.arena`); the lower
bound is the largest sum of buffers live together at any op.

Results: `qtc.offset` (the result's byte offset in the arena) and `qtc.scratch` (the
scratch's offset) on the ops, and on the module `qtc.memory = {io, arena_bytes,
lower_bound_bytes}`. Values the C does not store in the arena (the caller's input buffers,
constants, views of them) get no offset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import ConstantLike
from xdsl.utils.exceptions import PassFailedException

from qtc.compiler.arena import Buffer, lower_bound, place
from qtc.compiler.interpreter import entry_function
from qtc.dialects import qnn
from qtc.dialects.annotations import from_attribute, to_attribute
from qtc.dialects.dense import numpy_dtype
from qtc.dialects.traits import InPlaceElementwise, ViewOfOperand

OFFSET = "qtc.offset"
SCRATCH = "qtc.scratch"
MEMORY = "qtc.memory"
IO_MODES = ("int", "float")
"""What the C function takes and returns: `int` leaves the model's boundary quantize and
dequantize to the caller (their values are the caller's buffers), `float` runs them in C."""
ALIGN = 8
"""Every buffer starts at a multiple of the widest element (int64 accumulators)."""


def byte_size(value: SSAValue) -> int:
    assert isinstance(value.type, TensorType)
    return prod(value.type.get_shape()) * numpy_dtype(value.type.get_element_type()).itemsize


@dataclass(frozen=True)
class CSignature:
    """What the C function of `function` sees: its input and output values and the boundary
    ops it leaves to the caller (integer I/O)."""

    inputs: list[SSAValue]
    outputs: list[SSAValue]
    skipped: set[Operation]
    ops: list[Operation]
    """The ops the C runs, in order (constants included: they become const arrays)."""


def c_signature(function: func.FuncOp, io: str) -> CSignature:
    block = function.body.block
    returned = block.last_op
    assert isinstance(returned, func.ReturnOp)
    inputs, outputs = list(block.args), list(returned.arguments)
    skipped: set[Operation] = set()
    if io == "int":
        inputs = [_boundary_result(a) for a in inputs]
        outputs = [v.owner.input if isinstance(v.owner, qnn.DequantizeOp) else v for v in outputs]
        skipped = {v.owner for v in inputs if isinstance(v.owner, qnn.QuantizeOp)}
        skipped |= {v.owner for v in returned.arguments if isinstance(v.owner, qnn.DequantizeOp)}
    ops = [op for op in block.ops if op is not returned and op not in skipped]
    return CSignature(inputs, outputs, skipped, ops)


def _boundary_result(arg: SSAValue) -> SSAValue:
    """The integer input of the C function: the argument's `qnn.quantize`, if that is its only use."""
    use = arg.first_use
    if use is not None and arg.has_one_use() and isinstance(use.operation, qnn.QuantizeOp):
        return use.operation.result
    return arg


@dataclass
class Storage:
    """The bytes shared by a value and its views and in-place successors."""

    values: list[SSAValue] = field(default_factory=list)
    start: int = 0


def plan_function(
    function: func.FuncOp, io: str, scratch_bytes: Callable[[Operation], int]
) -> tuple[dict[Operation, int], dict[Operation, int], int, int]:
    """(result offset by op, scratch offset by op, arena bytes, lower bound bytes)."""
    signature = c_signature(function, io)
    index = {op: i for i, op in enumerate(signature.ops)}
    after_last = len(signature.ops)  # the copy to the caller's output buffers

    def last_use(value: SSAValue) -> int:
        return max((index.get(u.operation, after_last) for u in value.uses), default=after_last)

    storage_of: dict[SSAValue, Storage] = {}
    storages: list[Storage] = []
    scratches: dict[Operation, Buffer] = {}
    for i, op in enumerate(signature.ops):
        if op.has_trait(ConstantLike):
            continue
        if len(op.results) != 1:
            raise PassFailedException(f"plan-memory: {op.name} has {len(op.results)} results; ops have one")
        result = op.results[0]
        storage = _shared_storage(op, i, storage_of, last_use)
        if storage is None and op.has_trait(ViewOfOperand):
            continue  # a view of the caller's input or of a constant: no arena bytes
        if storage is None:
            storage = Storage(start=i)
            storages.append(storage)
        storage.values.append(result)
        storage_of[result] = storage
        if size := scratch_bytes(op):
            scratches[op] = Buffer(op, size, ALIGN, i, i)

    buffers = [
        Buffer(s, max(map(byte_size, s.values)), ALIGN, s.start, max(map(last_use, s.values)))
        for s in storages
    ]
    everything = buffers + list(scratches.values())
    arena_bytes = place(everything)
    offsets = {v.owner: b.offset for b in buffers for v in b.key.values}
    return offsets, {op: b.offset for op, b in scratches.items()}, arena_bytes, lower_bound(everything)


def _shared_storage(
    op: Operation, i: int, storage_of: dict[SSAValue, Storage], last_use: Callable[[SSAValue], int]
) -> Storage | None:
    """The storage `op`'s result shares: its operand's for a view, or for an in-place op an
    operand of the result's type that nothing reads after `op`."""
    if op.has_trait(ViewOfOperand):
        return storage_of.get(op.operands[0])
    if not op.has_trait(InPlaceElementwise):
        return None
    for operand in op.operands:
        storage = storage_of.get(operand)
        if (
            storage is not None
            and operand.type == op.results[0].type
            and max(map(last_use, storage.values)) == i
        ):
            return storage
    return None


@dataclass(frozen=True)
class PlanMemoryPass(ModulePass):
    """Place every buffer of the entry function in one static arena (see the module docstring).

        %y = qnn.dense %x, ...                  %y = qnn.dense %x, ... {qtc.offset = 0 : i64, qtc.scratch = 16 : i64}
        %r = qnn.reshape %y ...          ->     %r = qnn.reshape %y ... {qtc.offset = 0 : i64}
    """

    name = "plan-memory"

    io: str = "int"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from qtc.compiler.emit_c import scratch_bytes  # the kernels' scratch, by the C emitter

        if self.io not in IO_MODES:
            raise PassFailedException(f"plan-memory: io must be one of {', '.join(IO_MODES)}, got {self.io}")
        function = entry_function(op)
        for inner in function.walk():
            inner.attributes.pop(OFFSET, None)
            inner.attributes.pop(SCRATCH, None)
        offsets, scratch, arena_bytes, bound = plan_function(function, self.io, scratch_bytes)
        for owner, offset in offsets.items():
            owner.attributes[OFFSET] = IntegerAttr(offset, i64)
        for owner, offset in scratch.items():
            owner.attributes[SCRATCH] = IntegerAttr(offset, i64)
        op.attributes[MEMORY] = to_attribute(
            {"io": self.io, "arena_bytes": arena_bytes, "lower_bound_bytes": bound}
        )


def memory_plan(module: ModuleOp) -> dict | None:
    """The module's `qtc.memory` facts, or None before plan-memory."""
    attr = module.attributes.get(MEMORY)
    return None if attr is None else from_attribute(attr)
