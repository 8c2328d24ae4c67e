"""Every test model's generated integer C, in every integer mode, is clean under ASan and UBSan
on 10,000 integer inputs, the extremes among them.

The models and modes are test_quantized_models.py's (so recurrent models are covered when it
covers them). Each build is compiled once with `-fsanitize=address,undefined
-fno-sanitize-recover=all` and runs every sample in one process: all minimum, all maximum,
alternating minimum/maximum both ways, zeros (test_int_c.input_batch), then uniform random
integers over the whole input range, inputs no calibration set would hold. Clean means exit
status 0, nothing at all on stderr, and one output a sample.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

import keras_models
import numpy as np
import pytest
from qtc.compiler.build import compile_model
from qtc.compiler.host_run import SANITIZE_FLAGS, build_host_model
from test_int_c import DTYPES, input_batch, random_ints
from test_quantized_models import MODELS, MODES

SAMPLES = 10_000
CALIBRATION_SAMPLES = 200
SEED = 20250613

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")


@functools.cache
def model_and_calibration(name: str):
    model = keras_models.build(name)
    return model, keras_models.random_inputs(model, CALIBRATION_SAMPLES, seed=11)


def integer_inputs(shape: tuple[int, ...], bits: int, count: int, seed: int) -> np.ndarray:
    """[count, *shape]: input_batch's extremes and random samples, then more random ones."""
    rng = np.random.default_rng(seed)
    batch = input_batch(rng, shape, bits)
    return np.concatenate([batch, random_ints(rng, bits, (count - len(batch), *shape))])


def header_size(header: str, what: str) -> int:
    (size,) = re.findall(rf"#define \w+_{what}_SIZE (\d+)", header)
    return int(size)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MODELS)
def test_generated_c_is_clean_under_sanitizers(name, mode, tmp_path) -> None:
    model, calibration = model_and_calibration(name)
    out = tmp_path / "out"
    report = compile_model(model, str(out), bits=mode, calibration=calibration)
    (bits,) = [b["bits"] for b in report["boundary"] if b["kind"] == "input"]
    header = (out / "model.h").read_text()
    inputs, outputs = header_size(header, "INPUT"), header_size(header, "OUTPUT")
    dtype = DTYPES[bits]
    host = build_host_model(
        str(out),
        (inputs,),
        dtype,
        (outputs,),
        dtype,
        extra_flags=SANITIZE_FLAGS,
        build_dir=str(tmp_path),
    )
    x = integer_inputs((inputs,), bits, SAMPLES, SEED)
    src, dst = tmp_path / "inputs.bin", tmp_path / "outputs.bin"
    x.tofile(src)
    result = subprocess.run(
        [host.binary, str(src), str(dst)], check=False, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0 and result.stderr == "", (
        f"{name} ({mode}): exit {result.returncode}\n{result.stderr[-4000:]}"
    )
    assert dst.stat().st_size == SAMPLES * outputs * dtype.itemsize
