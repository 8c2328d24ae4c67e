"""The bundled example models: each folder holds its model and data in the agreed shape, and the
int8 build of the smallest one keeps its accuracy (a functional check; the numbers for every
example and mode are in `python benchmarks/accuracy.py`)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from qtc.compiler import interpreter
from qtc.compiler.build import quantize_module, run_pipeline
from qtc.compiler.keras_frontend import import_keras
from qtc.passes import FLOAT_PIPELINE

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FOLDERS = sorted(p.parent.name for p in EXAMPLES.glob("*/train.py"))
FILES = ("model.keras", "calibration.npz", "test.npz")
SMALLEST = "iris"
MAX_INT8_LOSS_POINTS = 2.0


def test_the_examples_are_found() -> None:
    assert {"digits", SMALLEST} <= set(FOLDERS)


@pytest.mark.parametrize("name", FOLDERS)
def test_example_has_model_and_data(name: str) -> None:
    folder = EXAMPLES / name
    for file in FILES:
        assert (folder / file).is_file(), f"{name}: {file} is missing (run {name}/train.py)"
    test = np.load(folder / "test.npz")
    assert test["x"].dtype == np.float32
    assert np.issubdtype(test["y"].dtype, np.integer)
    assert len(test["x"]) == len(test["y"]) > 0
    calibration = np.load(folder / "calibration.npz")["x"]
    assert calibration.dtype == np.float32 and len(calibration) > 0
    model = keras.models.load_model(folder / "model.keras", compile=False)
    input_shape = tuple(model.inputs[0].shape[1:])
    assert calibration.shape[1:] == input_shape
    assert test["x"].shape[1:] == input_shape


def test_int8_build_of_smallest_example_keeps_its_accuracy() -> None:
    folder = EXAMPLES / SMALLEST
    test = np.load(folder / "test.npz")
    x, y = test["x"], test["y"]
    model = keras.models.load_model(folder / "model.keras", compile=False)
    float_accuracy = 100.0 * np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y)
    module = import_keras(model)
    run_pipeline(module, FLOAT_PIPELINE)
    quantize_module(module, "8", np.load(folder / "calibration.npz")["x"])
    (outputs,) = interpreter.run(module, [x])
    int8_accuracy = 100.0 * np.mean(np.argmax(outputs, axis=-1) == y)
    assert int8_accuracy >= float_accuracy - MAX_INT8_LOSS_POINTS
