"""The streaming C API of models compiled with a pre-processing description (design.md):
NAME_enqueue takes one multi-channel sample, runs pre-processing + network on the newest
`length` samples once every `hop` samples (after the first `length`), NAME_dequeue hands over
the newest output once, NAME_reset_state forgets the stream.

A long random stream goes sample by sample through the generated C (gcc, ASan/UBSan); every
dequeued output must equal, bit for bit, the Python integer reference (the qnn interpreter of
the compiled module) on the same window cut out of the stream in Python, and the float build
must stay within 1e-4 of Keras on the float pre-processing of each window. The driver also
checks the readiness rules on every sample and replays the stream after NAME_reset_state.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pytest
from qtc.compiler import interpreter
from qtc.compiler.build import compile_model
from qtc.compiler.host_run import SANITIZE_FLAGS, STRICT_FLAGS
from qtc.compiler.preprocess import load_preprocess, preprocess_windows, stream_windows
from qtc.compiler.textual_ir import read_module

L = keras.layers
SEED = 20261125
FLOAT_TOLERANCE = 1e-4
C_TYPES = {"int8": "int8_t", "int16": "int16_t", "float32": "float"}

DRIVER = r"""
#include <stdio.h>
#include "model.h"

/* argv[1]: the stream (samples of MODEL_SAMPLE_CHANNELS values); argv[2]: for each output, the
   int32 index of the sample that completed its window, then the output. The stream is fed
   twice, with model_reset_state() in between. Exit codes > 1 name a broken rule. */
int main(int argc, char **argv)
{
    static SAMPLE_T sample[MODEL_SAMPLE_CHANNELS];
    static OUTPUT_T output[MODEL_OUTPUT_SIZE];
    FILE *in, *out;
    int pass;
    if (argc != 3) return 2;
    out = fopen(argv[2], "wb");
    if (!out) return 3;
    if (model_init() != 0) return 4;
    if (model_dequeue(output) != 0) return 5;          /* nothing before any sample */
    for (pass = 0; pass < 2; ++pass) {
        int32_t t = 0;
        in = fopen(argv[1], "rb");
        if (!in) return 3;
        while (fread(sample, sizeof sample, 1, in) == 1) {
            const int ran = model_enqueue(sample);
            const int due = t + 1 >= MODEL_WINDOW_LENGTH && (t + 1 - MODEL_WINDOW_LENGTH) % MODEL_WINDOW_HOP == 0;
            if (ran != due) return 6;                   /* one window per hop after length */
            if (model_dequeue(output) != ran) return 7; /* ready exactly when it ran */
            if (ran) {
                if (fwrite(&t, sizeof t, 1, out) != 1 || fwrite(output, sizeof output, 1, out) != 1) return 8;
                if (model_dequeue(output) != 0) return 9; /* dequeued once */
            }
            ++t;
        }
        fclose(in);
        if (model_reset_state() != 0) return 10;
        if (model_dequeue(output) != 0) return 11;     /* the reset drops the stream */
    }
    fclose(out);
    return 0;
}
"""


@dataclass(frozen=True)
class Case:
    name: str
    pre: dict
    bits: str
    model_input: tuple[int, int]
    stream_length: int


def pre(sample_type: str, length: int, hop: int, **extra) -> dict:
    data = {"channels": 3, "sample_type": sample_type, "window": {"length": length, "hop": hop}}
    return data | extra


NORMALIZE = {"mean": [0.5, -1.0, 2.0], "std": [3.0, 2.0, 4.0]}
LOG_MEL = {"size": 64, "window": "hann", "output": "log_power", "mel_bins": 12, "sample_rate": 50.0}
CASES = [
    Case(
        "log_mel_int8",
        pre("int16", 64, 16, sample_scale=0.01, normalize=NORMALIZE, fft=LOG_MEL),
        "8",
        (12, 3),
        1500,
    ),
    Case(
        "normalize_int16",
        pre("int16", 40, 40, sample_scale=0.02, normalize=NORMALIZE),
        "16",
        (40, 3),
        1000,
    ),
    Case(
        "magnitude_float_samples",
        pre("float32", 50, 7, fft={"size": 32, "window": "none"}),
        "8",
        (17, 3),
        900,
    ),
    Case(
        "normalize_float_samples_int8",
        pre("float32", 32, 8, normalize=NORMALIZE),
        "8",
        (32, 3),
        700,
    ),
    Case(
        "log_mel_float",
        pre("int16", 64, 16, sample_scale=0.01, normalize=NORMALIZE, fft=LOG_MEL),
        "float",
        (12, 3),
        600,
    ),
    Case(
        "magnitude_float_build",
        pre("float32", 50, 7, fft={"size": 32, "window": "none"}),
        "float",
        (17, 3),
        600,
    ),
]


def conv_model(steps: int, channels: int, seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    x = keras.Input((steps, channels))
    h = L.Conv1D(8, 3, padding="same", activation="relu", name="c1")(x)
    h = L.Conv1D(8, 3, strides=2, name="c2")(h)
    h = L.GlobalAveragePooling1D(name="gap")(h)
    y = L.Dense(4, activation="softmax", name="out")(h)
    return keras.Model(x, y, name=f"stream{seed}")


def random_stream(
    sample_type: str, count: int, channels: int, rng: np.random.Generator
) -> np.ndarray:
    """Sinusoids of drifting frequency, a random walk and noise, per channel."""
    t = np.arange(count)[:, None]
    freq = rng.uniform(0.01, 0.2, channels) * (1 + 0.3 * np.sin(t / 300.0))
    walk = np.cumsum(rng.normal(0, 1, (count, channels)), axis=0)
    signal = (
        np.sin(2 * np.pi * np.cumsum(freq, axis=0))
        + 0.05 * walk
        + rng.normal(0, 0.3, (count, channels))
    )
    if sample_type == "int16":
        return np.clip(np.round(signal * 4000), -32768, 32767).astype(np.int16)
    return (signal * 2.0).astype(np.float32)


def run_stream(
    out_dir: Path, stream: np.ndarray, output_dtype, outputs: int
) -> tuple[np.ndarray, np.ndarray]:
    """(indices, outputs) of both passes of the driver over `stream`."""
    sample_t = C_TYPES[stream.dtype.name]
    driver = out_dir / "stream_main.c"
    driver.write_text(
        DRIVER.replace("SAMPLE_T", sample_t).replace(
            "OUTPUT_T", C_TYPES[np.dtype(output_dtype).name]
        )
    )
    binary = out_dir / "stream"
    build = subprocess.run(
        [
            "gcc",
            *STRICT_FLAGS,
            *SANITIZE_FLAGS,
            "-O1",
            "-I",
            str(out_dir),
            str(out_dir / "model.c"),
            str(driver),
            "-o",
            str(binary),
            "-lm",
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    stream.tofile(out_dir / "stream.bin")
    result = subprocess.run(
        [str(binary), str(out_dir / "stream.bin"), str(out_dir / "out.bin")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"driver rule {result.returncode} broken: {result.stderr}"
    record = np.dtype([("t", "<i4"), ("y", np.dtype(output_dtype), (outputs,))])
    data = np.fromfile(out_dir / "out.bin", dtype=record)
    return data["t"], data["y"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_stream_matches_reference_window_by_window(case: Case, tmp_path: Path) -> None:
    rng = np.random.default_rng(SEED + len(case.name))
    config = load_preprocess(case.pre)
    model = conv_model(*case.model_input, seed=len(case.name))
    sample_type = case.pre["sample_type"]
    calibration = stream_windows(random_stream(sample_type, 3000, 3, rng), config.length, 11)
    out_dir = tmp_path / "out"
    compile_model(model, str(out_dir), bits=case.bits, calibration=calibration, preprocess=case.pre)
    stream = random_stream(sample_type, case.stream_length, 3, rng)
    windows = stream_windows(stream, config.length, config.hop)
    expected_t = config.length - 1 + config.hop * np.arange(len(windows))
    if case.bits == "float":
        reference = model.predict(preprocess_windows(config, windows), verbose=0)
        output_dtype = np.float32
    else:
        module = read_module(str(out_dir / "model.mlir"))
        _, (reference,) = interpreter.run_integer(module, [windows.astype(np.float32)])
        reference = reference.reshape(len(windows), -1)
        output_dtype = reference.dtype
    t, y = run_stream(out_dir, stream, output_dtype, reference.shape[-1])
    assert len(t) == 2 * len(windows), f"{len(t)} outputs for 2 x {len(windows)} windows"
    np.testing.assert_array_equal(t, np.concatenate([expected_t, expected_t]))
    for pass_y in (y[: len(windows)], y[len(windows) :]):
        if case.bits == "float":
            error = float(np.max(np.abs(pass_y - reference)))
            assert error <= FLOAT_TOLERANCE, (
                f"float C vs Keras: max |error| {error:.3g} over {len(windows)} windows"
            )
        else:
            mismatches = int(np.sum(pass_y != reference))
            assert mismatches == 0, (
                f"{mismatches} integers differ from the qnn interpreter over {len(windows)} windows"
            )
    print(f"{case.name}: {len(stream)} samples -> {len(windows)} windows x 2 passes, all equal")


MOTION = Path(__file__).resolve().parent.parent / "examples" / "motion"


def test_motion_example_streams_bit_exact(tmp_path: Path) -> None:
    """The bundled example (int16 accelerometer/gyroscope stream, normalisation, GRU) as an
    int8 build: its recorded test stream through the C equals the qnn interpreter window by
    window, and the integer model keeps the float accuracy on the test windows."""
    config = load_preprocess(str(MOTION / "pre.json"))
    out_dir = tmp_path / "motion"
    compile_model(
        str(MOTION / "model.keras"),
        str(out_dir),
        bits="8",
        calibration=str(MOTION / "calibration.npz"),
        preprocess=str(MOTION / "pre.json"),
    )
    module = read_module(str(out_dir / "model.mlir"))
    stream = np.load(MOTION / "stream.npz")["x"][:1200]
    windows = stream_windows(stream, config.length, config.hop)
    _, (reference,) = interpreter.run_integer(module, [windows.astype(np.float32)])
    t, y = run_stream(out_dir, stream, np.int8, reference.shape[-1])
    assert len(t) == 2 * len(windows)
    np.testing.assert_array_equal(y[: len(windows)], reference.reshape(len(windows), -1))
    test = np.load(MOTION / "test.npz")
    model = keras.models.load_model(MOTION / "model.keras", compile=False)
    float_accuracy = np.mean(
        np.argmax(model.predict(preprocess_windows(config, test["x"]), verbose=0), -1) == test["y"]
    )
    (integer,) = interpreter.run(module, [test["x"]])
    int_accuracy = np.mean(np.argmax(integer, -1) == test["y"])
    assert int_accuracy >= float_accuracy - 0.02, (
        f"int8 {int_accuracy:.3f} vs float {float_accuracy:.3f}"
    )


def test_header_declares_the_streaming_api(tmp_path: Path) -> None:
    case = CASES[0]
    model = conv_model(*case.model_input, seed=1)
    compile_model(model, str(tmp_path / "f"), bits="float", preprocess=case.pre, name="motion")
    header = (tmp_path / "f" / "motion.h").read_text()
    for line in (
        "int motion_enqueue(const int16_t *sample);",
        "int motion_dequeue(float *output);",
        "int motion_reset_state(void);",
        "int motion_run(const float *input, float *output);",
        "#define MOTION_WINDOW_LENGTH 64",
        "#define MOTION_WINDOW_HOP 16",
        "#define MOTION_SAMPLE_CHANNELS 3",
    ):
        assert line in header, line
    source = (tmp_path / "f" / "motion.c").read_text()
    assert "malloc" not in source and "static float motion_ring[384];" in source
