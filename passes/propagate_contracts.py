"""propagate-contracts: quantization parameters for every value, solved from the ops' contracts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qtc.dialects import nn
from qtc.dialects.annotations import (
    CLASS,
    QPARAMS,
    RANGE,
    get_annotation,
    set_annotation,
    to_attribute,
    value_label,
)
from qtc.dialects.contracts import (
    BinOp,
    Contract,
    ContractError,
    Term,
    Unknown,
    bind,
    contract_of,
    evaluate,
    parse_contracts,
    terms_of,
)
from qtc.dialects.dense import dense_to_numpy
from qtc.dialects.qtc_attrs import QParamsAttr, RangeAttr, storage_range
from qtc.dialects.quant_params import (
    TINY_RANGE,
    asymmetric_params,
    bits_lost,
    per_channel_symmetric_scales,
    represented_range,
    round_half_away,
    symmetric_params,
)

MODES = {"int8": (8, 8), "int16": (16, 16), "16x8": (16, 8)}
"""Quantization mode -> (activation bits, weight bits)."""

RECORD = "qtc.contracts"
"""Module attribute holding the solver's decisions (classes, broken and declined merges)."""

CLIP_TOLERANCE = 0.01
"""A fixed-parameter class may clip at most this fraction of a member's range."""


@dataclass
class QClass:
    """Values that share (scale, zero point): a union-find node with its merged facts."""

    members: list[SSAValue]
    lo: float
    hi: float
    bits: int
    headroom: float = 1.0  # range multiplier for 16-bit classes (values beyond calibration)
    scale: tuple[float, str] | None = None  # fixed value and the contract that fixed it
    zero: tuple[int, str] | None = None
    parent: QClass | None = None

    def root(self) -> QClass:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    @property
    def width(self) -> float:
        return max(self.hi, 0.0) - min(self.lo, 0.0)

    def params(self) -> tuple[float, int]:
        """The class's (scale, zero point): fixed ones first, else from the union range."""
        if self.scale is not None and self.zero is not None:
            return self.scale[0], self.zero[0]
        if self.scale is not None:
            return self.scale[0], zero_for_scale(self.lo, self.scale[0], self.bits)
        if self.zero is not None:
            return scale_for_zero(self.lo, self.hi, self.zero[0], self.bits), self.zero[0]
        if self.bits > 8:
            return symmetric_params(self.lo * self.headroom, self.hi * self.headroom, self.bits)
        return asymmetric_params(self.lo, self.hi, self.bits)

    def fixed_range(self) -> tuple[float, float] | None:
        if self.scale is None or self.zero is None:
            return None
        return represented_range(self.scale[0], self.zero[0], self.bits)


def zero_for_scale(lo: float, scale: float, bits: int) -> int:
    """The zero point that puts `lo` (or 0) at the bottom of the range for a fixed scale."""
    qmin, qmax = storage_range(bits)
    return int(min(max(round_half_away(qmin - min(lo, 0.0) / scale), qmin), qmax))


def scale_for_zero(lo: float, hi: float, zero: int, bits: int) -> float:
    """The smallest scale that covers [lo, hi] around a fixed zero point."""
    qmin, qmax = storage_range(bits)
    candidates = [max(hi, 0.0) / (qmax - zero) if qmax > zero else 0.0,
                  -min(lo, 0.0) / (zero - qmin) if zero > qmin else 0.0]
    return max(*candidates, TINY_RANGE)


def merge_cost(a: QClass, b: QClass) -> float:
    """Bits of resolution the merge costs the narrower class (inf: it cannot be merged)."""
    if a.bits != b.bits:
        return math.inf
    for kind in ("scale", "zero"):
        fa, fb = getattr(a, kind), getattr(b, kind)
        if fa is not None and fb is not None and fa[0] != fb[0]:
            return math.inf
    fixed = a.fixed_range() or b.fixed_range()
    if fixed is not None:
        free = b if a.fixed_range() else a
        lo, hi = min(free.lo, 0.0), max(free.hi, 0.0)
        clipped = max(0.0, fixed[0] - lo) + max(0.0, hi - fixed[1])
        if free.width > 0 and clipped > CLIP_TOLERANCE * free.width:
            return math.inf
        return bits_lost(free.width, fixed[1] - fixed[0])
    union = max(a.hi, b.hi, 0.0) - min(a.lo, b.lo, 0.0)
    return bits_lost(min(a.width, b.width), union)


def rescale_cost(a: QClass, b: QClass) -> float:
    """Bits of resolution a value of the finer of two final classes loses when it is requantized
    to the coarser one: what breaking a class that could not merge at all (fixed parameters)
    costs, e.g. a tanh's fixed 2^-7 requantized onto a concat's coarser scale."""
    fine, coarse = sorted(node.params()[0] for node in (a, b))
    return bits_lost(fine, coarse)  # the finer step coded in steps of the coarser


def merge(a: QClass, b: QClass) -> None:
    a.members += b.members
    a.lo, a.hi = min(a.lo, b.lo), max(a.hi, b.hi)
    a.scale = a.scale or b.scale
    a.zero = a.zero or b.zero
    b.parent = a


@dataclass
class Edge:
    """`scale(a) == scale(b)` and `zero(a) == zero(b)` from one op's contract."""

    a: SSAValue
    b: SSAValue
    op: Operation
    required: bool


@dataclass
class Solver:
    function: func.FuncOp
    activation_bits: int
    weight_bits: int
    max_loss_bits: float
    prefer_loss_bits: float
    headroom_bits: float
    overrides: dict[str, Contract] = field(default_factory=dict)
    classes: dict[SSAValue, QClass] = field(default_factory=dict)
    bits: dict[SSAValue, int] = field(default_factory=dict)
    weights: dict[SSAValue, Operation] = field(default_factory=dict)  # weight -> consuming op
    products: list[tuple[SSAValue, SSAValue, SSAValue]] = field(default_factory=list)
    record: dict = field(default_factory=lambda: {"classes": [], "broken": [], "declined": []})

    def fail(self, message: str) -> PassFailedException:
        return PassFailedException(f"propagate-contracts: {message}")

    # -- gathering ----------------------------------------------------------------------
    def statements(self):
        for op in self.function.body.block.ops:
            if isinstance(op, func.ReturnOp):
                continue
            if not isinstance(op, nn.NNOp):
                raise self.fail(f"{op.name} is not an nn op: quantize a float (nn) module")
            contract = self.overrides.get(op.name) or contract_of(op)
            try:
                yield from bind(contract, op)
            except ContractError as e:
                raise self.fail(str(e)) from e

    def lookup(self, term: Term) -> float:
        if term.kind == "bits" and term.value in self.bits:
            return self.bits[term.value]
        raise Unknown(term)

    def solve(self) -> None:
        statements = list(self.statements())
        self.find_products(statements)
        self.assign_bits(statements)
        values = [*self.function.body.block.args] + [
            r for op in self.function.body.block.ops for r in op.results
        ]
        for v in values:
            if v not in self.weights and v not in {p[0] for p in self.products}:
                self.classes[v] = self.new_class(v)
        edges = self.fix_and_link(statements)
        self.check_ranges()
        self.agglomerate(edges)
        self.annotate()

    def find_products(self, statements) -> None:
        """`scale(b) == scale(x) * scale(w)`: b is an accumulator bias, the constant factor a weight."""
        for s in statements:
            lhs, rhs = s.chain[0], s.chain[-1]
            if (
                len(s.chain) == 2 and isinstance(lhs, Term) and lhs.kind == "scale"
                and isinstance(rhs, BinOp) and rhs.op == "*"
            ):
                x, w = terms_of(rhs)
                if not isinstance(w.value.owner, nn.ConstantOp) or not isinstance(lhs.value.owner, nn.ConstantOp):
                    raise self.fail(
                        f"{value_label(lhs.value)}: weights and bias of {s.op.name} must be constants"
                    )
                self.weights[w.value] = s.op
                self.products.append((lhs.value, x.value, w.value))

    def assign_bits(self, statements) -> None:
        for v in [*self.function.body.block.args] + [
            r for op in self.function.body.block.ops for r in op.results
        ]:
            self.bits[v] = self.weight_bits if v in self.weights else self.activation_bits
        for s in statements:
            lhs = s.chain[0]
            if isinstance(lhs, Term) and lhs.kind == "bits":
                self.bits[lhs.value] = int(evaluate(s.chain[1], self.lookup))

    def new_class(self, v: SSAValue) -> QClass:
        attr = get_annotation(v, RANGE)
        if isinstance(attr, RangeAttr):
            lo, hi = attr.lo, attr.hi
        elif isinstance(v.owner, nn.ConstantOp):
            data = dense_to_numpy(v.owner.value)
            lo, hi = float(data.min()), float(data.max())
        else:
            lo = hi = math.nan  # needs fixed parameters
        return QClass([v], lo, hi, self.bits[v], 2.0**self.headroom_bits)

    def check_ranges(self) -> None:
        """A value without a calibrated range is fine only when a contract fixes its parameters."""
        for v, node in self.classes.items():
            if math.isnan(node.lo):
                fixed = node.fixed_range()
                if fixed is None:
                    raise self.fail(f"{value_label(v)} has no #qtc.range: run calibrate first")
                node.lo, node.hi = fixed

    def condition_holds(self, s) -> bool:
        if s.condition is None:
            return True
        return evaluate(s.condition[0], self.lookup) == evaluate(s.condition[1], self.lookup)

    def fix_and_link(self, statements) -> list[Edge]:
        """Apply fixed-parameter statements; return the equalities between values as edges."""
        links: dict[tuple, set[str]] = {}
        for s in statements:
            if not self.condition_holds(s):
                continue
            for left, right in zip(s.chain, s.chain[1:]):
                right_terms = terms_of(right)
                if isinstance(left, Term) and isinstance(right, Term) and left.kind != "bits":
                    if left.kind != right.kind:
                        raise self.fail(f"{s.op.name}: cannot equate {left.kind} with {right.kind}")
                    links.setdefault((left.value, right.value, s.op, s.required), set()).add(left.kind)
                elif isinstance(left, Term) and all(t.kind == "bits" for t in right_terms):
                    self.fix(left, evaluate(right, self.lookup), s)
                elif not (isinstance(right, BinOp) and right.op == "*"):  # products: find_products
                    raise self.fail(f"{s.op.name}: unsupported contract equation form")
        edges = []
        for (a, b, op, required), kinds in links.items():
            if kinds != {"scale", "zero"}:
                raise self.fail(
                    f"{op.name}: the solver merges scale and zero point together; the contract "
                    f"equates only {' and '.join(sorted(kinds))} of {value_label(a)} and {value_label(b)}"
                )
            if a in self.weights or b in self.weights:
                raise self.fail(f"{op.name}: weights cannot share parameters with other values")
            edges.append(Edge(a, b, op, required))
        return edges

    def fix(self, term: Term, value: float, s) -> None:
        if term.kind == "bits":
            return  # applied in assign_bits
        source = f"{s.op.name} ({'require' if s.required else 'prefer'})"
        if term.value in self.weights or term.value in {p[0] for p in self.products}:
            if term.kind == "zero" and value == 0:
                return  # weights and biases are symmetric by construction
            raise self.fail(f"{value_label(term.value)}: weights and biases must have zero point 0")
        node = self.classes[term.value].root()
        fixed = value if term.kind == "scale" else int(value)
        current = getattr(node, term.kind)
        if current is not None and current[0] != fixed:
            raise self.fail(
                f"{value_label(term.value)}: {term.kind} fixed to {current[0]} by {current[1]} "
                f"and to {fixed} by {source}"
            )
        setattr(node, term.kind, (fixed, source))

    # -- merging --------------------------------------------------------------------------
    def agglomerate(self, edges: list[Edge]) -> None:
        """Merge the cheapest equality first; refuse merges that lose too much resolution.

        A refused merge records the bits it would have cost, or, when it could not merge at all
        (fixed parameters), what the rescale between the two final classes costs."""
        pending = list(edges)
        refused: list[tuple[dict, Edge, float, float]] = []
        while pending:
            costs = [
                (merge_cost(self.classes[e.a].root(), self.classes[e.b].root()), not e.required, i)
                for i, e in enumerate(pending)
            ]
            cost, _, i = min(costs)
            edge = pending.pop(i)
            a, b = self.classes[edge.a].root(), self.classes[edge.b].root()
            if a is b:
                continue
            limit = self.max_loss_bits if edge.required else self.prefer_loss_bits
            if cost <= limit:
                merge(a, b)
                continue
            entry = {
                "op": edge.op.name,
                "layer": _layer(edge.op),
                "values": [value_label(edge.a), value_label(edge.b)],
            }
            self.record["broken" if edge.required else "declined"].append(entry)
            refused.append((entry, edge, cost, limit))
        for entry, edge, cost, limit in refused:  # the classes are final now
            if math.isinf(cost):
                cost = rescale_cost(self.classes[edge.a].root(), self.classes[edge.b].root())
                reason = (
                    f"fixed parameters conflict or would clip; the rescale costs the finer side {cost:.1f} bits"
                )
            else:
                reason = f"merging would cost {cost:.1f} bits (limit {limit})"
            entry.update(bits_lost=round(cost, 2), reason=reason)

    # -- results --------------------------------------------------------------------------
    def annotate(self) -> None:
        order = {v: i for i, v in enumerate(self.classes)}
        roots: dict[int, int] = {}
        for v, node in self.classes.items():
            root = node.root()
            if id(root) not in roots:
                roots[id(root)] = len(roots)
                scale, zero = root.params()
                self.record["classes"].append(
                    {
                        "id": roots[id(root)],
                        "members": [value_label(m) for m in sorted(root.members, key=order.get)],
                        "range": [root.lo, root.hi],
                        "scale": scale,
                        "zero_point": zero,
                        "bits": root.bits,
                        "fixed_by": (root.scale or root.zero or (None, ""))[1],
                    }
                )
            entry = self.record["classes"][roots[id(root)]]
            set_annotation(v, QPARAMS, QParamsAttr(entry["scale"], entry["zero_point"], entry["bits"]))
            set_annotation(v, CLASS, IntegerAttr(entry["id"], i64))
        for w, op in self.weights.items():
            data = dense_to_numpy(w.owner.value)
            axis = op.WEIGHT_AXIS % data.ndim
            scales = per_channel_symmetric_scales(data, axis, self.bits[w])
            set_annotation(w, QPARAMS, QParamsAttr(scales.tolist(), [0] * len(scales), self.bits[w], axis))
        for bias, x, w in self.products:
            x_scale = get_annotation(x, QPARAMS).scale
            scales = np.asarray(get_annotation(w, QPARAMS).scale_values) * x_scale  # one an output channel
            rank = len(dense_to_numpy(bias.owner.value).shape)  # [C], or [2, C] for a GRU's
            set_annotation(
                bias, QPARAMS, QParamsAttr(scales.tolist(), [0] * len(scales), self.bits[bias], rank - 1)
            )


def _layer(op: Operation) -> str | None:
    attr = op.attributes.get("layer")
    return attr.data if isinstance(attr, StringAttr) else None


@dataclass(frozen=True)
class PropagateContractsPass(ModulePass):
    """Solve every value's quantization parameters from the ops' contracts and calibrated ranges.

    Needs: `nn` ops with `#qtc.range` on every non-constant value (run `calibrate`). Leaves:
    `qparams = #qtc.qparams<...>` and `qtc.class = N` on every value (values of one class share
    their parameters), per-channel symmetric weights, biases at `scale(input) * scale(weights)`,
    and the decisions as JSON in the module attribute `qtc.contracts`.

    Equalities are merged cheapest first (union-find); a merge that would cost a class more than
    `max-loss-bits` of resolution (or clip it against fixed parameters) is refused: the class is
    broken and `requantize` inserts the rescale. `prefer` equalities merge only below
    `prefer-loss-bits`. 8-bit activations are asymmetric, 16-bit ones symmetric with
`headroom-bits` of room beyond the calibrated range.

        %y = nn.tanh %x {range = #qtc.range<-1.0, 1.0>}
          ->  %y = nn.tanh %x {qparams = #qtc.qparams<0.0078125, 0, i8>, qtc.class = 3 : i64, ...}
    """

    name = "propagate-contracts"

    mode: str = "int8"
    max_loss_bits: float = 3.0
    prefer_loss_bits: float = 1.0
    headroom_bits: float = 1.0
    """16-bit activations cover this many bits more than calibration saw (they have bits to
    spare, and values beyond the calibration set then do not clip)."""
    contracts: str | None = None
    """A file of contracts that replace the built-in ones of the ops they name."""

    def load_overrides(self) -> dict[str, Contract]:
        if self.contracts is None:
            return {}
        try:
            with open(self.contracts, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise PassFailedException(f"propagate-contracts: cannot read {self.contracts}: {e.strerror}")
        try:
            return {c.op_name: c for c in parse_contracts(text, self.contracts)}
        except ContractError as e:
            raise PassFailedException(f"propagate-contracts: {e}") from None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.mode not in MODES:
            raise PassFailedException(
                f"propagate-contracts: mode must be one of {', '.join(MODES)}, got {self.mode}"
            )
        activation_bits, weight_bits = MODES[self.mode]
        overrides = self.load_overrides()
        record = {"mode": self.mode, "functions": {}}
        for function in op.ops:
            if not isinstance(function, func.FuncOp):
                continue
            solver = Solver(
                function,
                activation_bits,
                weight_bits,
                self.max_loss_bits,
                self.prefer_loss_bits,
                self.headroom_bits,
                overrides,
            )
            solver.solve()
            record["functions"][function.sym_name.data] = solver.record
        op.attributes[RECORD] = to_attribute(record)
