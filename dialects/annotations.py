"""Per-value annotations (`range`, `qparams`, ...) on op results and function arguments.

A value's annotation lives on the op that defines it (a discardable attribute: every op qtc
annotates has one result) or, for a function argument, in the function's `arg_attrs` under
`qtc.<name>`, as MLIR keeps argument attributes.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    UnitAttr,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute, BlockArgument, SSAValue

RANGE = "range"
QPARAMS = "qparams"
CLASS = "qtc.class"
CELL_RANGE = "cell_range"
"""On `nn.lstm`: the calibrated `#qtc.range` of its cell state, which is not an op result."""


def _arg_key(name: str) -> str:
    return name if name.startswith("qtc.") else f"qtc.{name}"


def get_annotation(value: SSAValue, name: str) -> Attribute | None:
    """The annotation `name` of `value`, or None."""
    if isinstance(value, BlockArgument):
        function = value.block.parent_op()
        if not isinstance(function, func.FuncOp) or function.arg_attrs is None:
            return None
        return function.arg_attrs.data[value.index].data.get(_arg_key(name))
    return value.owner.attributes.get(name)


def set_annotation(value: SSAValue, name: str, attr: Attribute) -> None:
    """Attach `attr` to `value` under `name`."""
    if isinstance(value, BlockArgument):
        function = value.block.parent_op()
        assert isinstance(function, func.FuncOp)
        count = len(function.body.block.args)
        dicts = (
            [dict(d.data) for d in function.arg_attrs.data]
            if function.arg_attrs is not None
            else [{} for _ in range(count)]
        )
        dicts[value.index][_arg_key(name)] = attr
        function.arg_attrs = ArrayAttr([DictionaryAttr(d) for d in dicts])
        return
    value.owner.attributes[name] = attr


def value_label(value: SSAValue) -> str:
    """How messages and reports name a value: `%hint` and the Keras layer when known."""
    hint = f"%{value.name_hint}" if value.name_hint else "a value"
    if isinstance(value, BlockArgument):
        return f"{hint} (argument {value.index})"
    layer = value.owner.attributes.get("layer")
    where = f", layer '{layer.data}'" if layer is not None else ""
    return f"{hint} ({value.owner.name}{where})"


def to_attribute(data) -> Attribute:
    """JSON-like Python data (dict, list, str, int, float, bool, None) as builtin attributes."""
    if isinstance(data, dict):
        return DictionaryAttr({str(k): to_attribute(v) for k, v in data.items()})
    if isinstance(data, (list, tuple)):
        return ArrayAttr([to_attribute(v) for v in data])
    if isinstance(data, str):
        return StringAttr(data)
    if isinstance(data, bool):
        return BoolAttr.from_bool(data)
    if isinstance(data, int):
        return IntegerAttr(data, i64)
    if isinstance(data, float):
        return FloatAttr(data, f64)
    if data is None:
        return UnitAttr()
    raise TypeError(f"cannot store {type(data).__name__} in an attribute")


def from_attribute(attr: Attribute):
    """The inverse of `to_attribute`."""
    if isinstance(attr, DictionaryAttr):
        return {k: from_attribute(v) for k, v in attr.data.items()}
    if isinstance(attr, ArrayAttr):
        return [from_attribute(v) for v in attr.data]
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, IntegerAttr):
        value = attr.value.data
        return bool(value) if attr.type == i1 else value
    if isinstance(attr, FloatAttr):
        return attr.value.data
    if isinstance(attr, UnitAttr):
        return None
    raise TypeError(f"cannot read {attr} as data")
