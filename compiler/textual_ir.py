"""Read and write qtc modules as MLIR text, with every dialect qtc uses registered."""

from __future__ import annotations

from io import StringIO

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.parser import Parser
from xdsl.printer import Printer

from qtc.dialects import get_all_dialects


def make_context() -> Context:
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(Func)
    for name, factory in get_all_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx


def parse_module(text: str, name: str = "<string>") -> ModuleOp:
    """Parse and verify a module; errors carry `name:line:col`."""
    module = Parser(make_context(), text, name).parse_module()
    module.verify()
    return module


def read_module(path: str) -> ModuleOp:
    with open(path, encoding="utf-8") as f:
        return parse_module(f.read(), path)


def print_module(module: ModuleOp) -> str:
    out = StringIO()
    Printer(stream=out).print_op(module)
    return out.getvalue() + "\n"
