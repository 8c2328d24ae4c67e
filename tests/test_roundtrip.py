"""Every lit input that parses prints back to text that parses and prints identically
(custom form and generic form), so the textual IR loses nothing at any stage."""

from io import StringIO
from pathlib import Path

import pytest
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import ParseError, VerifyException

from qtc.compiler.textual_ir import make_context, print_module

LIT = Path(__file__).parent / "lit"


def _chunks(path: Path) -> list[str]:
    return [c for c in path.read_text().split("// -----") if c.strip()]


def _parse(text: str):
    ctx = make_context()
    ctx.allow_unregistered = True  # lit inputs may use "test.op" to make values
    return Parser(ctx, text).parse_module()


def _generic(module) -> str:
    out = StringIO()
    Printer(stream=out, print_generic_format=True).print_op(module)
    return out.getvalue()


FILES = sorted(p for p in LIT.rglob("*.mlir") if "Output" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(LIT)))
def test_lit_input_round_trips(path: Path) -> None:
    checked = 0
    for chunk in _chunks(path):
        try:
            module = _parse(chunk)
            module.verify()
        except (ParseError, VerifyException):
            continue  # a negative test's input
        printed = print_module(module)
        assert print_module(_parse(printed)) == printed
        generic = _generic(module)
        assert _generic(_parse(generic)) == generic
        assert print_module(_parse(generic)) == printed
        checked += 1
    negative = any(word in path.name for word in ("invalid", "bad", "overflow"))
    has_ops = any(line.strip() and not line.strip().startswith("//") for line in path.read_text().splitlines())
    if has_ops and not negative:
        assert checked, f"{path} has no input that parses"
