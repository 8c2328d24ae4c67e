"""The distribution's shape: one `qtc` package, every subpackage installed, registries consistent."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import qtc
from qtc.compiler import api
from qtc.compiler.opt import QtcOptMain
from qtc.dialects import get_all_dialects
from qtc.passes import get_all_passes

ROOT = Path(__file__).parent.parent
SOURCE_FOLDERS = ("compiler", "dialects", "passes", "runtime_c")


def test_every_python_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    for folder in SOURCE_FOLDERS:
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT).parts
            assert "qtc." + ".".join(rel) in listed, f"{init.parent} is not in pyproject packages"


def test_no_bare_top_level_imports() -> None:
    bare = re.compile(r"^\s*(from|import)\s+(compiler|dialects|passes|runtime_c)\b", re.M)
    for folder in (*SOURCE_FOLDERS, "tests", "benchmarks", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not bare.search(path.read_text()), f"{path} imports a folder as a bare package"


def test_dialect_registry_names_match() -> None:
    for name, factory in get_all_dialects().items():
        assert factory().name == name


def test_pass_registry_names_match_and_have_summaries() -> None:
    for name, factory in get_all_passes().items():
        cls = factory()
        assert cls.name == name
        assert cls.__doc__ and cls.__doc__.strip(), f"pass {name} has no docstring"


def test_qtc_opt_registers_qtc_dialects_and_passes() -> None:
    main = QtcOptMain(args=[])
    for name in get_all_dialects():
        assert name in main.ctx.registered_dialect_names
    for name in get_all_passes():
        assert name in main.available_passes


def test_top_level_twins_are_the_api_functions() -> None:
    assert (qtc.compile, qtc.verify, qtc.ToleranceError) == (api.compile, api.verify, api.ToleranceError)


def test_importing_the_compiler_parts_does_not_load_tensorflow() -> None:
    """`qtc.compile` is loaded lazily: qtc-opt and the passes start without Keras."""
    code = "import sys, qtc.dialects, qtc.passes; print('keras' in sys.modules or 'tensorflow' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
