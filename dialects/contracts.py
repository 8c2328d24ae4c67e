"""Quantization contracts: what an op's integer form needs of its operands' parameters.

Each `nn` op class carries its contract text in `CONTRACT` (grammar: `contracts.lark`):

    contract nn.concat(inputs...) -> result {
      require scale(inputs) == scale(result);
      require zero(inputs) == zero(result);
    }

`require` means the integer op is wrong otherwise (the solver may still break such a class,
and then `requantize` must insert an explicit rescale); `prefer` is for accuracy or speed
only. Terms are `scale(v)`, `zero(v)`, `bits(v)` of the named operands and results, numbers
and integer arithmetic with `+ - * / ^` (e.g. `2^-(bits(result) - 1)`); `when A == B` makes a
statement conditional (typically on `bits`). A variadic parameter `inputs...` stands for each
of its operands in turn.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from lark import Lark, Token, Transformer, UnexpectedInput
from xdsl.ir import Operation, SSAValue

PROPERTIES = ("scale", "zero", "bits")


class ContractError(Exception):
    """A contract that does not parse or does not fit its op; the message is located."""


# -- AST ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prop:
    """`scale(name)`, `zero(name)` or `bits(name)`."""

    kind: str
    name: str


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / ^
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class Neg:
    operand: Expr


Expr = Prop | Number | BinOp | Neg


@dataclass(frozen=True)
class Statement:
    strength: str  # "require" | "prefer"
    chain: tuple[Expr, ...]
    condition: tuple[Expr, Expr] | None
    line: int


@dataclass(frozen=True)
class Param:
    name: str
    variadic: bool


@dataclass(frozen=True)
class Contract:
    op_name: str
    inputs: tuple[Param, ...]
    outputs: tuple[Param, ...]
    statements: tuple[Statement, ...]


class _ToAst(Transformer):
    def number(self, items):
        return Number(float(items[0]))

    def prop(self, items):
        return Prop(str(items[0]), str(items[1]))

    def neg(self, items):
        return Neg(items[0])

    def _bin(op):  # noqa: N805 - builds the methods below
        return lambda self, items: BinOp(op, items[0], items[1])

    add, sub, mul, div, pow = _bin("+"), _bin("-"), _bin("*"), _bin("/"), _bin("^")

    def chain(self, items):
        return tuple(items)

    def condition(self, items):
        return (items[0], items[1])

    def statement(self, items):
        strength: Token = items[0]
        condition = items[2] if len(items) > 2 else None
        return Statement(str(strength), items[1], condition, strength.line)

    def param(self, items):
        return Param(str(items[0]), len(items) > 1 and items[1] is not None)

    def params(self, items):
        return tuple(items)

    def contract(self, items):
        name, inputs, outputs, *statements = items
        return Contract(str(name), inputs or (), outputs, tuple(statements))

    def start(self, items):
        return items


@functools.cache
def _parser() -> Lark:
    grammar = resources.files("qtc.dialects").joinpath("contracts.lark").read_text()
    return Lark(grammar, parser="lalr", propagate_positions=True)


def parse_contracts(text: str, source: str = "<contract>") -> list[Contract]:
    """Parse contract text; syntax errors name `source:line:column`."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        context = e.get_context(text).rstrip()
        raise ContractError(
            f"{source}:{e.line}:{e.column}: contract syntax error\n{context}"
        ) from None
    contracts = _ToAst().transform(tree)
    for contract in contracts:
        _check_names(contract, source)
    return contracts


def _names(expr: Expr):
    if isinstance(expr, Prop):
        yield expr
    elif isinstance(expr, BinOp):
        yield from _names(expr.lhs)
        yield from _names(expr.rhs)
    elif isinstance(expr, Neg):
        yield from _names(expr.operand)


def _check_names(contract: Contract, source: str) -> None:
    declared = {p.name for p in (*contract.inputs, *contract.outputs)}
    for statement in contract.statements:
        exprs = [*statement.chain, *(statement.condition or ())]
        for prop in (p for e in exprs for p in _names(e)):
            if prop.name not in declared:
                raise ContractError(
                    f"{source}:{statement.line}: {contract.op_name}: '{prop.name}' is not a "
                    f"parameter (declared: {', '.join(sorted(declared))})"
                )


# -- binding to ops ----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A property of one SSA value."""

    kind: str
    value: SSAValue


@dataclass(frozen=True)
class BoundStatement:
    """A statement with every parameter replaced by one SSA value (variadics expanded)."""

    op: Operation
    strength: str
    chain: tuple
    condition: tuple | None

    @property
    def required(self) -> bool:
        return self.strength == "require"


def _bind(expr: Expr, env: dict[str, SSAValue]):
    if isinstance(expr, Prop):
        return Term(expr.kind, env[expr.name])
    if isinstance(expr, BinOp):
        return BinOp(expr.op, _bind(expr.lhs, env), _bind(expr.rhs, env))
    if isinstance(expr, Neg):
        return Neg(_bind(expr.operand, env))
    return expr


def _environments(contract: Contract, op: Operation) -> list[dict[str, SSAValue]]:
    """One name -> value map per expansion of the variadic parameter (if any)."""
    env: dict[str, SSAValue] = {}
    variadic: tuple[str, list[SSAValue]] | None = None
    for params, values in ((contract.inputs, list(op.operands)), (contract.outputs, list(op.results))):
        fixed = len(params) - sum(p.variadic for p in params)
        spare = len(values) - fixed
        if spare < 0 or (spare and not any(p.variadic for p in params)):
            raise ContractError(
                f"{contract.op_name}: the contract names {len(params)} values but the op has "
                f"{len(values)}"
            )
        i = 0
        for p in params:
            if p.variadic:
                variadic = (p.name, values[i : i + spare + 1])
                i += spare + 1
            else:
                env[p.name] = values[i]
                i += 1
    if variadic is None:
        return [env]
    name, values = variadic
    return [{**env, name: v} for v in values]


def bind(contract: Contract, op: Operation) -> list[BoundStatement]:
    """The contract's statements about `op`'s operands and results."""
    bound = []
    for env in _environments(contract, op):
        for s in contract.statements:
            chain = tuple(_bind(e, env) for e in s.chain)
            condition = tuple(_bind(e, env) for e in s.condition) if s.condition else None
            bound.append(BoundStatement(op, s.strength, chain, condition))
    return list(dict.fromkeys(bound))


@functools.cache
def _contract_of_class(op_class: type[Operation]) -> Contract | None:
    text = getattr(op_class, "CONTRACT", None)
    if text is None:
        return None
    text = text.replace("$op", op_class.name)  # a base class's contract, for each subclass
    (contract,) = parse_contracts(text, f"{op_class.__module__}.{op_class.__name__}.CONTRACT")
    if contract.op_name != op_class.name:
        raise ContractError(
            f"{op_class.__name__}.CONTRACT is written for {contract.op_name}, not {op_class.name}"
        )
    return contract


def contract_of(op: Operation) -> Contract | None:
    """The parsed contract of `op`'s class (None for ops without one, e.g. func.return)."""
    return _contract_of_class(type(op))


# -- evaluation ----------------------------------------------------------------------------


class Unknown(Exception):
    """A term whose value is not decided yet."""


def evaluate(expr, lookup) -> float:
    """The value of a bound expression; `lookup(term)` gives a term's value or raises Unknown."""
    if isinstance(expr, Term):
        return lookup(expr)
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Neg):
        return -evaluate(expr.operand, lookup)
    lhs, rhs = evaluate(expr.lhs, lookup), evaluate(expr.rhs, lookup)
    if expr.op == "+":
        return lhs + rhs
    if expr.op == "-":
        return lhs - rhs
    if expr.op == "*":
        return lhs * rhs
    if expr.op == "/":
        return lhs / rhs
    return float(lhs) ** rhs


def terms_of(expr) -> list[Term]:
    if isinstance(expr, Term):
        return [expr]
    if isinstance(expr, BinOp):
        return terms_of(expr.lhs) + terms_of(expr.rhs)
    if isinstance(expr, Neg):
        return terms_of(expr.operand)
    return []
