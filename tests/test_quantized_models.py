"""Full-integer builds of the test models in int8, int16 and 16x8: the generated C equals the
`qnn` interpreter bit for bit, and the integer model tracks the float model (SQNR)."""

from __future__ import annotations

import numpy as np
import pytest

import keras_models
from qtc.compiler import interpreter
from qtc.compiler.build import compile_model, quantize_module, run_pipeline
from qtc.compiler.host_run import SANITIZE_FLAGS, build_host_model
from qtc.compiler.keras_frontend import import_keras
from qtc.passes import FLOAT_PIPELINE

MODES = ("8", "16x8", "16")
MODELS = sorted(keras_models.MODELS)
BIT_EXACT_SAMPLES = 1000
CALIBRATION_SAMPLES = 1000
SQNR_SAMPLES = 200

MIN_SQNR_DB = {"8": 25.0, "16": 50.0, "16x8": 50.0}
"""The project's targets. 16x8 keeps int8 weights, whose rounding is nearly all of its error:
to nearest on max |w| / 127 grids it limits these random-weight networks to 41.7-50 dB; the
default round-weights (GPTQ; a depthwise channel also on the best-fit step within 3 %) gives
50.4-71.0 dB. Closest: depthwise_net 50.4 and depthwise1d_net 50.7, whose depthwise layers'
few taps and white-noise inputs leave GPTQ nothing to move their rounding errors onto."""


def sqnr_db(reference: np.ndarray, approximation: np.ndarray) -> float:
    noise = np.sum((reference.astype(np.float64) - approximation) ** 2)
    return float(10 * np.log10(np.sum(reference.astype(np.float64) ** 2) / noise))


def assert_c_equals_reference(out, module, x: np.ndarray, build_dir) -> np.ndarray:
    """Build `out`/model.c with ASan/UBSan, run it on the integer inputs of `x` and check its
    integer outputs against the interpreter's; returns them."""
    (q_in,), (q_out,) = interpreter.run_integer(module, [x])
    host = build_host_model(
        str(out), q_in.shape[1:], q_in.dtype, q_out.shape[1:], q_out.dtype,
        extra_flags=SANITIZE_FLAGS, build_dir=str(build_dir),
    )
    got = host.run(q_in)
    mismatches = int(np.count_nonzero(got != q_out))
    assert mismatches == 0, f"{mismatches} of {q_out.size} integers differ"
    return q_out


@pytest.fixture(scope="module")
def calibration():
    """One calibration set and one held-out set a model, from the same distribution."""
    data = {}
    for name in MODELS:
        model = keras_models.build(name)
        data[name] = (
            model,
            keras_models.random_inputs(model, CALIBRATION_SAMPLES, seed=11),
            keras_models.random_inputs(model, BIT_EXACT_SAMPLES, seed=12),
        )
    return data


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MODELS)
def test_c_equals_integer_reference(name, mode, calibration, tmp_path) -> None:
    model, calib, x = calibration[name]
    out = tmp_path / "out"
    compile_model(model, str(out), bits=mode, calibration=calib)
    module = import_keras(model)
    run_pipeline(module, FLOAT_PIPELINE)
    quantize_module(module, mode, calib)
    assert_c_equals_reference(out, module, x, tmp_path)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MODELS)
def test_integer_model_tracks_float_model(name, mode, calibration) -> None:
    model, calib, x = calibration[name]
    x = x[:SQNR_SAMPLES]
    module = import_keras(model)
    run_pipeline(module, FLOAT_PIPELINE)
    (reference,) = interpreter.run(module, [x])
    quantize_module(module, mode, calib)
    (quantized,) = interpreter.run(module, [x])
    assert sqnr_db(reference, quantized) >= MIN_SQNR_DB[mode]


def test_windows_beyond_the_compact_descriptor_are_called_directly(tmp_path) -> None:
    """Two convolutions share the packed kernel: the one whose 260-tap kernel does not fit a
    layer descriptor's 8-bit window field is called with its full qtc_window, the other gets a
    descriptor, and the C equals the interpreter."""
    import keras

    keras.utils.set_random_seed(8)
    x = keras.Input((300, 2))
    h = keras.layers.Conv1D(4, 260, name="long")(x)
    y = keras.layers.Conv1D(4, 3, padding="same", name="short")(h)
    model = keras.Model(x, y)
    rng = np.random.default_rng(8)
    calib = rng.normal(size=(32, 300, 2)).astype(np.float32)
    out = tmp_path / "out"
    compile_model(model, str(out), bits="8", calibration=calib)
    source = (out / "model.c").read_text()
    assert source.count("static const qtc_packed_layer ") == 1
    assert "qtc_conv2d_packed_i8_i8(" in source
    module = import_keras(model)
    run_pipeline(module, FLOAT_PIPELINE)
    quantize_module(module, "8", calib)
    assert_c_equals_reference(out, module, rng.normal(size=(50, 300, 2)).astype(np.float32), tmp_path)
