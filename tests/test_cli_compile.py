"""`qtc compile` from the command line: outputs, unsupported layers, atomic output folder."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import pytest

from qtc.compiler.cli import main

L = keras.layers


def _save(model: keras.Model, path) -> str:
    model.save(path)
    return str(path)


def _model(*layers, shape=(8, 4)) -> keras.Model:
    x = keras.Input(shape)
    y = x
    for layer in layers:
        y = layer(y)
    return keras.Model(x, y)


UNSUPPORTED = {
    "bidirectional": (lambda: L.Bidirectional(L.LSTM(4), name="bidirectional"), "Bidirectional"),
    "conv_transpose": (lambda: L.Conv1DTranspose(4, 3, name="conv_transpose"), "Conv1DTranspose"),
    "layer_norm": (lambda: L.LayerNormalization(name="layer_norm"), "LayerNormalization"),
    "upsampling": (lambda: L.UpSampling1D(2, name="upsampling"), "UpSampling1D"),
    "leaky": (lambda: L.LeakyReLU(name="leaky"), "LeakyReLU"),
    "simple_rnn": (lambda: L.SimpleRNN(4, name="simple_rnn"), "SimpleRNN"),
}

UNSUPPORTED_OPTIONS = {
    "causal": (lambda: L.Conv1D(4, 3, padding="causal", name="causal"), "option padding='causal'"),
    "gelu": (lambda: L.Dense(4, activation="gelu", name="gelu"), "activation 'gelu'"),
    "backwards": (lambda: L.LSTM(4, go_backwards=True, name="backwards"), "go_backwards=True"),
    "groups": (lambda: L.Conv1D(4, 3, groups=2, name="groups"), "option groups=2"),
    "leaky_relu_slope": (lambda: L.ReLU(negative_slope=0.1, name="leaky_relu_slope"), "negative slope"),
}


@pytest.mark.parametrize("key", sorted(UNSUPPORTED))
def test_unsupported_layer_is_named_and_nothing_is_written(key, tmp_path, capsys) -> None:
    make, kind = UNSUPPORTED[key]
    path = _save(_model(make()), tmp_path / "model.keras")
    out = tmp_path / "out"
    assert main(["compile", path, "--float", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}: layer '{key}' ({kind}) is not supported. Supported layers: ")
    assert "Dense" in err and len(err.splitlines()) == 1
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


@pytest.mark.parametrize("key", sorted(UNSUPPORTED_OPTIONS))
def test_unsupported_option_is_named(key, tmp_path, capsys) -> None:
    make, what = UNSUPPORTED_OPTIONS[key]
    path = _save(_model(make()), tmp_path / "model.keras")
    assert main(["compile", path, "--float", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"layer '{key}'" in err and what in err
    assert not (tmp_path / "out").exists()


def test_compile_writes_the_documented_files(tmp_path) -> None:
    model = _model(L.Conv1D(4, 3, activation="relu", name="conv"), L.Flatten(), L.Dense(2, name="fc"))
    path = _save(model, tmp_path / "model.h5")
    out = tmp_path / "out"
    assert main(["compile", path, "--float", "--name", "net", "-o", str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= {"net.c", "net.h", "model.mlir", "report.json"}
    report = json.loads((out / "report.json").read_text())
    assert set(report) >= {"model", "bits", "params", "macs", "layers"}
    assert report["model"] == "net" and report["bits"] == "float"
    assert [layer["name"] for layer in report["layers"]] == ["conv", "flatten", "fc"]
    assert "int net_run(const float *input, float *output);" in (out / "net.h").read_text()


def test_recompiling_replaces_the_folder_and_a_file_path_is_refused(tmp_path, capsys) -> None:
    path = _save(_model(L.Flatten(), L.Dense(2, name="fc")), tmp_path / "model.keras")
    out = tmp_path / "out"
    (out).mkdir()
    (out / "stale.txt").write_text("old")
    assert main(["compile", path, "--float", "-o", str(out)]) == 0
    assert not (out / "stale.txt").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["compile", path, "--float", "-o", str(blocker)]) == 1
    assert "the output path is a file" in capsys.readouterr().err
    assert blocker.read_text() == "x"


def test_missing_and_broken_model_files(tmp_path, capsys) -> None:
    assert main(["compile", str(tmp_path / "nope.keras"), "--float", "-o", str(tmp_path / "o")]) == 1
    assert "model file not found" in capsys.readouterr().err
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip")
    assert main(["compile", str(broken), "--float", "-o", str(tmp_path / "o")]) == 1
    assert "not a loadable Keras 3 model" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_user_error_has_no_traceback_as_a_process(tmp_path) -> None:
    path = _save(_model(UNSUPPORTED["layer_norm"][0]()), tmp_path / "model.keras")
    result = subprocess.run(
        [sys.executable, "-m", "qtc.compiler.cli", "compile", path, "--float", "-o", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("error:") == 1
