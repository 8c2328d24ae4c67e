"""Test-set accuracy of the example models: Keras float, qtc's integer builds, TFLite's.

    python benchmarks/accuracy.py [--models digits,iris,breast_cancer,digit_rows,motion] [--json PATH]

For each model folder in `examples/` (model.keras, calibration.npz, test.npz) prints one
table row: the Keras float accuracy on the test set; qtc's int8, 16x8 and int16 builds
(`import_keras` -> FLOAT_PIPELINE -> `quantize_module` with calibration.npz x -> the Python
reference interpreter, whose dequantized outputs the integer C matches bit for bit); and
TensorFlow Lite's full-integer converter on the same calibration data, int8
(TFLITE_BUILTINS_INT8, int8 I/O) and 16x8 (EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_
WEIGHTS_INT8, int16 I/O), run with `tf.lite.Interpreter` (inputs quantized and outputs
dequantized with the I/O tensors' own scale and zero point). Each integer build shows its
accuracy (%) and its SQNR in dB against the Keras float outputs,
10*log10(sum x^2 / sum (x - x_hat)^2). A build that fails shows "n/a [k]", and note [k] under
the table gives the error (a converter error: its first message, without the MLIR location).
TFLite's converter cannot lower a Keras LSTM/GRU layer as it is (a while loop over tensor
lists); such a model is converted again with its recurrent layers unrolled (the same weights),
as a TFLite user would, and the cell carries a note [k] saying so and why.

The last columns are qtc int8 minus TFLite int8 accuracy in points and the flags: "!8" where
qtc int8 is more than 0.3 points below TFLite int8, "!16" where qtc int16 is more than 0.2
points below float. One test sample is worth 100/n points (n is printed), so on the small
sets (iris: 60 samples) a single sample decides a flag.

A folder with pre.json (motion: raw int16 sensor windows, a GRU) holds raw windows in
calibration.npz and test.npz. The Keras float model gets them through the float pre-processing
(`preprocess_windows`), qtc's builds take them raw, with the pre-processing quantized in front
of the network (`prepend_preprocessing`, as `qtc compile --preprocess`), and TFLite, which has
no such ops, converts and runs the Keras model on the float pre-processed windows. A few
minutes on 2 cores, most of it the motion GRU in the Python reference.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from qtc.compiler import interpreter  # noqa: E402
from qtc.compiler.build import quantize_module, run_pipeline  # noqa: E402
from qtc.compiler.keras_frontend import import_keras  # noqa: E402
from qtc.compiler.preprocess import load_preprocess, prepend_preprocessing, preprocess_windows  # noqa: E402
from qtc.passes import FLOAT_PIPELINE  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEFAULT_MODELS = ("digits", "iris", "breast_cancer", "digit_rows", "motion")
QTC_MODES = ("8", "16x8", "16")
TFLITE_MODES = {
    "8": (tf.lite.OpsSet.TFLITE_BUILTINS_INT8, tf.int8),
    "16x8": (tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8, tf.int16),
}
INT8_TOLERANCE = 0.3
"""Points qtc int8 may trail TFLite int8 before the row is flagged."""
INT16_TOLERANCE = 0.2
"""Points qtc int16 may trail the float model before the row is flagged."""
REASON_CHARS = 160


def sqnr_db(reference: np.ndarray, approximation: np.ndarray) -> float:
    noise = np.sum((reference.astype(np.float64) - approximation) ** 2)
    signal = np.sum(reference.astype(np.float64) ** 2)
    return float("inf") if noise == 0 else float(10 * np.log10(signal / noise))


def short_reason(error: BaseException) -> str:
    """The first error message (an MLIR diagnostic without its location) or else the first
    non-empty line of an error, cut to a note under the table."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    messages = [re.sub(r"^.*?error: (loc\(.*\)\): )?", "", line) for line in lines if "error: " in line]
    first = (messages or lines or [""])[0]
    text = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 3] + "..."


@contextlib.contextmanager
def silenced():
    """Send this process's stdout and stderr (file descriptors included: the TFLite converter
    prints from C++) to /dev/null while the block runs, and mute Python warnings."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as null, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def qtc_outputs(model, bits: str, calibration: np.ndarray, x: np.ndarray, preprocess=None) -> np.ndarray:
    """The integer build's dequantized outputs; with `preprocess` (a PreprocessConfig) the
    pre-processing ops come first and `calibration` and `x` are raw windows."""
    module = import_keras(model)
    if preprocess is not None:
        prepend_preprocessing(module, preprocess)
    run_pipeline(module, FLOAT_PIPELINE)
    quantize_module(module, bits, calibration)
    (outputs,) = interpreter.run(module, [x])
    return outputs


def tflite_outputs(model, mode: str, calibration: np.ndarray, x: np.ndarray) -> np.ndarray:
    ops, io_type = TFLITE_MODES[mode]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([calibration[i : i + 1]] for i in range(len(calibration)))
    converter.target_spec.supported_ops = [ops]
    converter.inference_input_type = io_type
    converter.inference_output_type = io_type
    with silenced():
        flatbuffer = converter.convert()
        runner = tf.lite.Interpreter(model_content=flatbuffer)
        runner.allocate_tensors()
    (given,), (taken,) = runner.get_input_details(), runner.get_output_details()
    in_scale, in_zero = given["quantization"]
    out_scale, out_zero = taken["quantization"]
    limits = np.iinfo(given["dtype"])
    q_in = np.clip(np.round(x / in_scale) + in_zero, limits.min, limits.max).astype(given["dtype"])
    outputs = []
    for sample in q_in:
        runner.set_tensor(given["index"], sample[None])
        runner.invoke()
        outputs.append(runner.get_tensor(taken["index"])[0])
    return (np.stack(outputs).astype(np.float64) - out_zero) * out_scale


def unrolled(model: keras.Model) -> keras.Model:
    """The model with every recurrent layer unrolled over its time steps, same weights: the
    form of a Keras LSTM/GRU that TFLite's converter lowers."""
    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, keras.layers.RNN):
            config["unroll"] = True
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def tflite_score(model, mode: str, calibration: np.ndarray, x: np.ndarray, reference, labels) -> dict:
    """score() of TFLite's build; a recurrent model that fails is tried again unrolled, with
    the first failure kept as the result's note."""
    result = score(lambda: tflite_outputs(model, mode, calibration, x), reference, labels)
    if "error" in result and any(isinstance(layer, keras.layers.RNN) for layer in model.layers):
        retry = score(lambda: tflite_outputs(unrolled(model), mode, calibration, x), reference, labels)
        return {**retry, "note": f"recurrent layers unrolled; as they are: {result['error']}"}
    return result


def score(run, reference: np.ndarray, labels: np.ndarray) -> dict:
    """{accuracy (%), sqnr_db} of the outputs `run()` gives, or {error} if it raises."""
    try:
        outputs = run()
    except Exception as error:  # noqa: BLE001 - one cell of the table, not the whole run
        return {"error": short_reason(error)}
    accuracy = 100.0 * float(np.mean(np.argmax(outputs, axis=-1) == labels))
    return {"accuracy": accuracy, "sqnr_db": sqnr_db(reference, outputs)}


def evaluate(name: str) -> dict:
    folder = EXAMPLES / name
    model = keras.models.load_model(folder / "model.keras")
    calibration = np.load(folder / "calibration.npz")["x"].astype(np.float32)
    test = np.load(folder / "test.npz")
    x, y = test["x"].astype(np.float32), test["y"]
    pre = load_preprocess(str(folder / "pre.json")) if (folder / "pre.json").is_file() else None
    # what the Keras model (and TFLite) takes: the raw windows after the float pre-processing
    model_calibration, model_x = (
        (calibration, x) if pre is None else (preprocess_windows(pre, calibration), preprocess_windows(pre, x))
    )
    reference = model.predict(model_x, verbose=0)
    row = {
        "samples": len(y),
        "float_accuracy": 100.0 * float(np.mean(np.argmax(reference, axis=-1) == y)),
        "qtc": {m: score(lambda m=m: qtc_outputs(model, m, calibration, x, pre), reference, y)
                for m in QTC_MODES},
        "tflite": {m: tflite_score(model, m, model_calibration, model_x, reference, y) for m in TFLITE_MODES},
    }
    qtc8, tfl8, qtc16 = row["qtc"]["8"], row["tflite"]["8"], row["qtc"]["16"]
    row["int8_vs_tflite_points"] = (
        qtc8["accuracy"] - tfl8["accuracy"] if "accuracy" in qtc8 and "accuracy" in tfl8 else None
    )
    flags = []
    if row["int8_vs_tflite_points"] is not None and row["int8_vs_tflite_points"] < -INT8_TOLERANCE:
        flags.append("!8")
    if "accuracy" in qtc16 and qtc16["accuracy"] < row["float_accuracy"] - INT16_TOLERANCE:
        flags.append("!16")
    row["flags"] = flags
    return row


def build_cells(result: dict, notes: list[str], name: str) -> list[str]:
    """Accuracy and SQNR cells of every build; errors and notes go to `notes` as [k]."""
    cells = []
    builds = [(f"qtc {m}", result["qtc"][m]) for m in QTC_MODES]
    builds += [(f"tflite {m}", result["tflite"][m]) for m in TFLITE_MODES]
    for label, build in builds:
        marks = ""
        for text in (build.get("note"), build.get("error")):
            if text:
                notes.append(f"{name}, {label}: {text}")
                marks += f" [{len(notes)}]"
        if "error" in build:
            cells += [f"n/a{marks}", "-"]
        else:
            cells += [f"{build['accuracy']:.2f}{marks}", f"{build['sqnr_db']:.1f}"]
    return cells


def print_table(results: dict[str, dict]) -> None:
    builds = [f"qtc {m}" for m in QTC_MODES] + [f"tflite {m}" for m in TFLITE_MODES]
    header = ["model", "n", "float %"]
    for build in builds:
        header += [f"{build} %", "dB"]
    header += ["q8-tfl8", "flags"]
    rows, notes = [], []
    for name, result in results.items():
        diff = result["int8_vs_tflite_points"]
        rows.append(
            [name, str(result["samples"]), f"{result['float_accuracy']:.2f}"]
            + build_cells(result, notes, name)
            + ["-" if diff is None else f"{diff:+.2f}", " ".join(result["flags"]) or "-"]
        )
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    for k, note in enumerate(notes, 1):
        print(f"[{k}] {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help="comma-separated folders of examples/ (default: %(default)s)")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers to this JSON file")
    args = parser.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    missing = [n for n in names if not (EXAMPLES / n / "model.keras").is_file()]
    if missing:
        parser.error(f"no examples/NAME/model.keras for: {', '.join(missing)}")
    tf.get_logger().setLevel("ERROR")
    results = {name: evaluate(name) for name in names}
    print_table(results)
    print(f"accuracy in % of the test set, dB = SQNR against the Keras float outputs; "
          f"flags: !8 qtc int8 > {INT8_TOLERANCE} points below tflite int8, "
          f"!16 qtc int16 > {INT16_TOLERANCE} points below float")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
