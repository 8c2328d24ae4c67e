"""Runs the lit + FileCheck suites under tests/lit, one pytest case per folder."""

import subprocess
import sys
from pathlib import Path

import pytest

LIT_ROOT = Path(__file__).parent / "lit"
SUITES = sorted(p.name for p in LIT_ROOT.iterdir() if p.is_dir() and any(p.rglob("*.mlir")))


@pytest.mark.parametrize("suite", SUITES)
def test_lit_suite(suite: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import lit.main; lit.main.main()", "-v", str(LIT_ROOT / suite)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed:" in result.stdout, result.stdout
