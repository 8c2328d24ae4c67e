"""Keras -> nn -> float C, end to end: Keras `predict`, the `nn` interpreter and the C built
with gcc (sanitized) and clang agree within 1e-4 on 100 random inputs a model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import keras_models
from qtc.compiler import interpreter
from qtc.compiler.build import compile_model, run_pipeline
from qtc.compiler.host_run import SANITIZE_FLAGS, build_host_model
from qtc.compiler.keras_frontend import import_keras
from qtc.passes import FLOAT_PIPELINE

TOLERANCE = 1e-4
SAMPLES = 100


@pytest.fixture(scope="module", params=sorted(keras_models.MODELS))
def compiled(request, tmp_path_factory):
    """(model, inputs, Keras outputs, output folder) for one test model."""
    model = keras_models.build(request.param)
    x = keras_models.random_inputs(model, SAMPLES, seed=1)
    out = tmp_path_factory.mktemp(request.param) / "out"
    compile_model(model, str(out), bits="float")
    return model, x, model.predict(x, verbose=0), out


def _host(model, out, cc: str, flags=()):
    return build_host_model(
        str(out),
        tuple(model.inputs[0].shape[1:]),
        np.float32,
        tuple(model.outputs[0].shape[1:]),
        np.float32,
        cc=cc,
        extra_flags=tuple(flags),
        build_dir=str(out.parent),
    )


def test_interpreter_matches_keras(compiled) -> None:
    model, x, expected, _ = compiled
    module = import_keras(model)
    run_pipeline(module, FLOAT_PIPELINE)
    (got,) = interpreter.run(module, [x])
    assert np.abs(got - expected).max() <= TOLERANCE


def test_gcc_build_matches_keras_under_sanitizers(compiled) -> None:
    model, x, expected, out = compiled
    got = _host(model, out, "gcc", SANITIZE_FLAGS).run(x)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= TOLERANCE


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
def test_clang_build_is_bit_identical_to_gcc(compiled) -> None:
    model, x, _, out = compiled
    gcc = _host(model, out, "gcc").run(x)
    clang = _host(model, out, "clang").run(x)
    assert np.array_equal(gcc.view(np.uint32), clang.view(np.uint32))


def test_report_lists_layers_params_and_macs(compiled) -> None:
    model, _, _, out = compiled
    report = json.loads((out / "report.json").read_text())
    assert report["bits"] == "float"
    assert report["macs"] == sum(layer["macs"] for layer in report["layers"]) > 0
    assert {layer["name"] for layer in report["layers"]} <= {layer.name for layer in model.layers}
    assert report["ram"]["arena_bytes"] >= report["ram"]["lower_bound_bytes"] > 0
    # Folding batch norm and splitting separable convolutions change the weight count.
    kinds = {type(layer).__name__ for layer in model.layers}
    if not kinds & {"BatchNormalization", "SeparableConv1D", "SeparableConv2D"}:
        assert report["params"] == model.count_params()


def test_report_macs_of_a_known_network(tmp_path) -> None:
    report = compile_model(keras_models.build("dense_mlp"), str(tmp_path / "out"), bits="float")
    assert [layer["macs"] for layer in report["layers"] if layer["op"] == "nn.dense"] == [
        12 * 16, 16 * 8, 8 * 4
    ]


def test_fold_batch_norm_keeps_the_numbers() -> None:
    model = keras_models.build("conv2d_net")
    x = keras_models.random_inputs(model, 20, seed=3)
    module = import_keras(model)
    (before,) = interpreter.run(module, [x])
    run_pipeline(module, "fold-batch-norm")
    assert not any(op.name == "nn.batch_norm" for op in module.walk())
    (after,) = interpreter.run(module, [x])
    assert np.abs(before - after).max() <= 1e-5
