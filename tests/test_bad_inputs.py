"""The bad-input corpus: every wrong file or option a user can give ends in one clear error
that names the file, layer or op, a non-zero exit code, no traceback and no output written."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

from qtc.compiler import cli, opt

L = keras.layers
EXAMPLE = Path(__file__).parent.parent / "examples" / "digits"


@dataclass
class Case:
    """A command line (with {tmp} and {model} placeholders), the exit code and message parts."""

    tool: str  # "qtc" | "qtc-opt"
    args: list[str]
    code: int
    says: tuple[str, ...]


def _small_model(path: Path) -> Path:
    x = keras.Input((6,))
    y = L.Dense(3, activation="relu", name="fc")(x)
    keras.Model(x, L.Dense(2, name="out")(y)).save(path)
    return path


def _constant_model(path: Path) -> Path:
    """A layer whose output is always 0 (zero weights and bias): a range of a single value."""
    x = keras.Input((4,))
    layer = L.Dense(2, name="zero")
    y = layer(x)
    layer.set_weights([np.zeros((4, 2), np.float32), np.zeros(2, np.float32)])
    keras.Model(x, L.Dense(2, name="out")(y)).save(path)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Writes every bad input once."""
    d = tmp_path_factory.mktemp("corpus")
    model = _small_model(d / "model.keras")
    _constant_model(d / "constant.keras")
    (d / "empty.keras").write_bytes(b"")
    (d / "truncated.keras").write_bytes(model.read_bytes()[:200])
    (d / "garbage.keras").write_bytes(np.random.default_rng(0).bytes(4096))
    (d / "model.onnx").write_bytes(b"onnx")
    with h5py.File(d / "not_keras.h5", "w") as f:
        f.create_dataset("data", data=np.arange(10))
    x = np.random.default_rng(1).standard_normal((16, 6)).astype(np.float32)
    np.savez(d / "calib.npz", x=x)
    np.savez(d / "calib_key.npz", inputs=x)
    np.savez(d / "calib_shape.npz", x=x[:, :5])
    np.savez(d / "calib_dtype.npz", x=(x * 10).astype(np.int32))
    np.savez(d / "calib_nan.npz", x=np.where(x > 1.5, np.nan, x).astype(np.float32))
    np.savez(d / "calib_inf.npz", x=np.where(x > 1.5, np.inf, x).astype(np.float32))
    np.savez(d / "calib_empty.npz", x=np.zeros((0, 6), np.float32))
    np.savez(d / "calib_huge.npz", x=(x * 1e30).astype(np.float32))
    np.savez(d / "calib4.npz", x=x[:, :4])
    (d / "calib_text.npz").write_text("x = 1, 2, 3")
    (d / "a_file").write_text("not a folder")
    (d / "bad.mlir").write_text('func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {\n  %y = nn.relu %x : tensor<1x4xf32\n}\n')
    (d / "unknown_op.mlir").write_text('func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {\n  %y = nn.gelu %x : tensor<1x4xf32>\n  func.return %y : tensor<1x4xf32>\n}\n')
    (d / "bad_shape.mlir").write_text(
        "func.func @main(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {\n"
        "  %w = nn.constant dense<1.0> : tensor<5x3xf32>\n"
        "  %b = nn.constant dense<0.0> : tensor<3xf32>\n"
        "  %y = nn.dense %x, %w, %b : (tensor<1x4xf32>, tensor<5x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>\n"
        "  func.return %y : tensor<1x3xf32>\n}\n"
    )
    (d / "relu.mlir").write_text(
        "func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {\n"
        "  %y = nn.relu %x : tensor<1x4xf32>\n  func.return %y : tensor<1x4xf32>\n}\n"
    )
    (d / "broken.contracts").write_text("contract nn.relu(input) -> result { require scale(input) == ; }\n")
    compiled = d / "compiled"
    cli.main(["compile", str(model), "--calibration", str(d / "calib.npz"), "-o", str(compiled)])
    np.savez(d / "labels_short.npz", x=x, y=np.zeros(5, np.int64))
    np.savez(d / "labels_range.npz", x=x, y=np.full(16, 7, np.int64))
    return d


CASES = {
    # qtc compile: model files
    "missing model": Case("qtc", ["compile", "{d}/nope.keras", "--float", "-o", "{out}"], 1, ("nope.keras", "not found")),
    "empty model": Case("qtc", ["compile", "{d}/empty.keras", "--float", "-o", "{out}"], 1, ("empty.keras", "empty")),
    "truncated model": Case("qtc", ["compile", "{d}/truncated.keras", "--float", "-o", "{out}"], 1, ("truncated.keras", "not a loadable Keras 3 model")),
    "garbage model": Case("qtc", ["compile", "{d}/garbage.keras", "--float", "-o", "{out}"], 1, ("garbage.keras", "not a loadable Keras 3 model")),
    "wrong format": Case("qtc", ["compile", "{d}/model.onnx", "--float", "-o", "{out}"], 2, ("model.onnx", ".keras or .h5")),
    "h5 not keras": Case("qtc", ["compile", "{d}/not_keras.h5", "--float", "-o", "{out}"], 1, ("not_keras.h5", "not a loadable Keras 3 model")),
    # qtc compile: calibration data
    "no calibration": Case("qtc", ["compile", "{d}/model.keras", "-o", "{out}"], 2, ("--calibration",)),
    "missing calibration": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/nope.npz", "-o", "{out}"], 1, ("nope.npz", "not found")),
    "calibration not npz": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib_text.npz", "-o", "{out}"], 1, ("calib_text.npz", "numpy.savez")),
    "calibration key": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib_key.npz", "-o", "{out}"], 1, ("calib_key.npz", "key", "inputs")),
    "calibration shape": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib_shape.npz", "-o", "{out}"], 1, ("calib_shape.npz", "shape")),
    "calibration dtype": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib_dtype.npz", "-o", "{out}"], 1, ("calib_dtype.npz", "float")),
    "calibration nan": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib_nan.npz", "-o", "{out}"], 1, ("calib_nan.npz", "NaN")),
    "calibration inf": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib_inf.npz", "-o", "{out}"], 1, ("calib_inf.npz", "inf")),
    "calibration empty": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib_empty.npz", "-o", "{out}"], 1, ("calib_empty.npz", "no samples")),
    # qtc compile: options and output path
    "invalid bits": Case("qtc", ["compile", "{d}/model.keras", "--bits", "4", "-o", "{out}"], 2, ("--bits", "invalid choice")),
    "invalid method": Case("qtc", ["compile", "{d}/model.keras", "--calibration", "{d}/calib.npz", "--calibration-method", "kl", "-o", "{out}"], 2, ("--calibration-method",)),
    "output is a file": Case("qtc", ["compile", "{d}/model.keras", "--float", "-o", "{d}/a_file"], 1, ("a_file", "is a file")),
    "output under a file": Case("qtc", ["compile", "{d}/model.keras", "--float", "-o", "{d}/a_file/out"], 1, ("a_file/out", "cannot create the folder")),
    # qtc run
    "run missing module": Case("qtc", ["run", "{d}/nope.mlir", "--input", "{d}/calib.npz", "-o", "{out}.npz"], 1, ("nope.mlir", "not found")),
    "run bad ir": Case("qtc", ["run", "{d}/bad.mlir", "--input", "{d}/calib.npz", "-o", "{out}.npz"], 1, ("bad.mlir:3:1", "Expected")),
    "run input key": Case("qtc", ["run", "{d}/relu.mlir", "--input", "{d}/calib_key.npz", "-o", "{out}.npz"], 1, ("calib_key.npz", "expected key")),
    "run input shape": Case("qtc", ["run", "{d}/relu.mlir", "--input", "{d}/calib.npz", "-o", "{out}.npz"], 1, ("input 0 has shape [16, 6]", "[1, 4]")),
    # qtc-opt
    "malformed ir": Case("qtc-opt", ["{d}/bad.mlir"], 1, ("bad.mlir:3:1", "Expected")),
    "unknown op": Case("qtc-opt", ["{d}/unknown_op.mlir"], 1, ("unknown_op.mlir:2:", "nn.gelu")),
    "verifier error": Case("qtc-opt", ["{d}/bad_shape.mlir"], 1, ("nn.dense: weights have 5 input features but the input's last axis has 4",)),
    "unknown pass": Case("qtc-opt", ["{d}/relu.mlir", "-p", "quantise"], 1, ("quantise",)),
    "no ranges": Case("qtc-opt", ["{d}/relu.mlir", "-p", "propagate-contracts"], 1, ("has no #qtc.range", "run calibrate first")),
    "contract syntax": Case("qtc-opt", ["{d}/relu.mlir", "-p", 'propagate-contracts{contracts="{d}/broken.contracts"}'], 1, ("broken.contracts:1:", "syntax error")),
    "calibrate missing data": Case("qtc-opt", ["{d}/relu.mlir", "-p", 'calibrate{data="{d}/nope.npz"}'], 1, ("nope.npz",)),
    "quantize without calibration": Case("qtc-opt", ["{d}/relu.mlir", "--quantize-int8"], 1, ("--calibration",)),
    # qtc verify and qtc cost
    "verify not a build": Case("qtc", ["verify", "{d}", "--test", "{d}/calib.npz"], 1, ("no report.json", "qtc compile -o")),
    "verify labels length": Case("qtc", ["verify", "{d}/compiled", "--test", "{d}/labels_short.npz"], 1, ("labels y have shape [5]", "[16]")),
    "verify labels range": Case("qtc", ["verify", "{d}/compiled", "--test", "{d}/labels_range.npz"], 1, ("[7, 7]", "2 output classes")),
    "verify missing test": Case("qtc", ["verify", "{d}/compiled", "--test", "{d}/nope.npz"], 1, ("nope.npz", "not found")),
    "cost not a build": Case("qtc", ["cost", "{d}", "--cpu", "cortex-m0"], 1, ("no report.json",)),
    "cost unknown cpu": Case("qtc", ["cost", "{d}/compiled", "--cpu", "cortex-a53"], 2, ("--cpu", "invalid choice")),
}


def _run(tool: str, args: list[str], capsys) -> tuple[int, str]:
    main = cli.main if tool == "qtc" else opt.main
    try:
        code = main(args)
    except SystemExit as e:  # argparse usage errors
        code = e.code
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_clear_error(name, corpus, tmp_path, capsys) -> None:
    case = CASES[name]
    out = tmp_path / "out"
    args = [a.replace("{d}", str(corpus)).replace("{out}", str(out)) for a in case.args]
    before = sorted(p.name for p in corpus.iterdir())
    code, err = _run(case.tool, args, capsys)
    assert code == case.code, err
    assert "Traceback" not in err
    assert err.count("error:") == 1, err
    for part in case.says:
        assert part in err, f"{part!r} not in {err!r}"
    assert not out.exists() and not Path(f"{out}.npz").exists()
    assert sorted(p.name for p in corpus.iterdir()) == before  # nothing half-written next to inputs


def test_a_single_valued_range_compiles(corpus, tmp_path, capsys) -> None:
    """A layer whose output is always 0 has the range [0, 0]: valid, it compiles and runs."""
    out = tmp_path / "out"
    assert cli.main(["compile", str(corpus / "constant.keras"), "--calibration", str(corpus / "calib4.npz"), "-o", str(out)]) == 0
    assert (out / "model.c").exists()


def test_extreme_calibration_ranges_are_handled(corpus, tmp_path, capsys) -> None:
    """Values of 1e30: either a build with huge scales or one clear error, never a crash."""
    out = tmp_path / "out"
    code = cli.main(["compile", str(corpus / "model.keras"), "--calibration", str(corpus / "calib_huge.npz"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0 or (code == 1 and err.count("error:") == 1 and "Traceback" not in err)
    assert code != 0 or (out / "model.c").exists()


def test_corpus_has_at_least_thirty_cases() -> None:
    assert len(CASES) + 2 >= 30
    assert shutil.which("gcc")
