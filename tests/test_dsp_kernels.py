"""The Cortex-M4 DSP kernels (SMLAD and friends, qtc_int.h / qtc_recurrent.h) give the same
integers as the generic kernels and the qnn interpreter.

Small int8 Keras models with dense, conv2d (padded, so both interior and border windows run;
strided and dilated), depthwise (the unrolled 3x3 and other windows) and recurrent layers,
channel and tap counts that leave remainders, are compiled once
and built for the Cortex-M4 (the DSP path) and the Cortex-M0 (the generic one); both run in
Unicorn on random inputs and must equal the interpreter. The M4 build must contain the DSP
instructions, so a silently disabled DSP path fails here rather than passing on generic code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest

from qtc.compiler import interpreter
from qtc.compiler.build import compile_model
from qtc.compiler.textual_ir import parse_module
from test_int_fast import core_runner

pytestmark = pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("arm-none-eabi-objdump") is None,
    reason="the arm-none-eabi toolchain is not installed",
)
L = keras.layers
SAMPLES = 4


def conv_net() -> keras.Model:
    """Conv2D and depthwise layers whose tap counts (3*3*6, 3*3*10) are not multiples of four
    and whose channels (10, 8) include a partial group of four; a padded depthwise layer of
    eight channels (border windows copied a word at a time) with ReLU6 (a clamp inside int8)."""
    keras.utils.set_random_seed(3)
    x = keras.Input((7, 6, 6))
    h = L.Conv2D(10, 3, padding="same", activation="relu", name="conv")(x)
    h = L.DepthwiseConv2D(3, padding="same", name="depthwise")(h)
    h = L.Conv2D(8, 1, name="pointwise")(h)
    h = L.DepthwiseConv2D(3, padding="same", activation="relu6", name="depthwise8")(h)
    h = L.Flatten(name="flatten")(h)
    return keras.Model(x, L.Dense(11, name="dense")(h))


def strided_net() -> keras.Model:
    """Strides and dilation; three input channels (rows of 9 taps: the eight-tap loop and a
    remainder), five (rows of 15: eight, four and three), a 1x4 window over seven (28 taps:
    eight and four, no remainder), and a 2x3 depthwise window (not the unrolled 3x3)."""
    keras.utils.set_random_seed(6)
    x = keras.Input((13, 12, 3))
    h = L.Conv2D(5, 3, strides=2, padding="same", name="strided")(x)
    h = L.Conv2D(7, 3, dilation_rate=2, padding="same", name="dilated")(h)
    h = L.DepthwiseConv2D((2, 3), dilation_rate=(1, 2), padding="same", name="depthwise")(h)
    h = L.Conv2D(6, (1, 4), name="wide")(h)
    h = L.Flatten(name="flatten")(h)
    return keras.Model(x, L.Dense(5, name="dense")(h))


def recurrent_net(layer: str) -> keras.Model:
    """A recurrent layer of 7 features and 9 units (remainders in every dot product)."""
    keras.utils.set_random_seed(4)
    x = keras.Input((5, 7))
    h = getattr(L, layer)(9, return_sequences=True, name="rnn")(x)
    return keras.Model(x, L.Dense(3, name="dense")(L.Flatten(name="flatten")(h)))


MODELS = {
    "conv": conv_net,
    "strided": strided_net,
    "lstm": lambda: recurrent_net("LSTM"),
    "gru": lambda: recurrent_net("GRU"),
}
DSP_INSTRUCTIONS = {
    "conv": {"smlad", "smlabb", "smlatt", "usat", "smmlar", "ssat"},
    "strided": {"smlad", "smlabt", "smlatt", "usat", "smmlar", "ssat"},
    "lstm": {"smlad", "smmlar"},
    "gru": {"smlad", "smmlar"},
}
"""What the M4 code of each model must execute: SMLAD in dense, conv and recurrent dots,
SMLABB/SMLABT for their last taps, SMLABB/SMLATT in depthwise, USAT/SMMLAR/SSAT in the int8
requantizer of narrow accumulators, SMMLAR in the recurrent gates the compiler proved
clamp-free."""


def mnemonics(elf: Path, function: str) -> set[str]:
    """The instructions of `function` and of every function it calls or tail-calls (kernels
    kept out of line), from arm-none-eabi-objdump."""
    listing = subprocess.run(
        ["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(elf)],
        capture_output=True, text=True, check=True,
    ).stdout
    bodies = dict(re.findall(r"^[0-9a-f]+ <([^>]+)>:\n(.*?)(?=\n\n|\Z)", listing, re.S | re.M))
    found, todo, seen = set(), [function], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in bodies:
            continue
        seen.add(name)
        for line in bodies[name].splitlines():
            parts = line.split("\t")
            if len(parts) > 1:
                found.add(parts[1].split(".")[0].strip())
            todo += re.findall(r"\bbl?(?:\.[nw])?\s+[0-9a-f]+ <([^>+]+)>", line)  # calls, tail calls
    return found


def build_and_compare(model: keras.Model, name: str, tmp_path: Path, rounding: str = "double") -> Path:
    """Compile `model` in int8, run it on the M4 and the M0 (Unicorn) for random inputs and
    check both against the interpreter; returns the output folder."""
    rng = np.random.default_rng(5)
    shape = (SAMPLES, *model.input_shape[1:])
    calibration = rng.normal(size=(64, *shape[1:])).astype(np.float32)
    out = tmp_path / "out"
    compile_model(model, str(out), bits="8", calibration=calibration, rounding=rounding)
    module = parse_module((out / "model.mlir").read_text())
    (q_in,), (q_out,) = interpreter.run_integer(module, [rng.normal(size=shape).astype(np.float32) * 2])
    runs = {cpu: core_runner(out, cpu, tmp_path / cpu) for cpu in ("cortex-m4", "cortex-m0")}
    for cpu, run in runs.items():
        for sample, want in zip(q_in, q_out):
            got = run(sample)
            assert np.array_equal(got, want.reshape(-1)), f"{name} on {cpu}: {got} != {want.reshape(-1)}"
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_m4_dsp_build_equals_m0_and_the_reference(name: str, tmp_path: Path) -> None:
    pytest.importorskip("unicorn")
    out = build_and_compare(MODELS[name](), name, tmp_path)
    source = (out / "model.c").read_text()
    assert "#define QTC_SINGLE_ROUNDING_USED 0" in source
    assert "#define QTC_WIDE_DOUBLE_USED 0" in source, "a layer of real weights is not narrow"
    used = mnemonics(tmp_path / "cortex-m4" / "bench.elf", "model_run")
    assert DSP_INSTRUCTIONS[name] <= used, f"the M4 build lacks {DSP_INSTRUCTIONS[name] - used}"
    generic = mnemonics(tmp_path / "cortex-m0" / "bench.elf", "model_run")
    assert not generic & DSP_INSTRUCTIONS[name]


def test_single_rounding_model_keeps_the_generic_requantizer(tmp_path: Path) -> None:
    """The M4's int8 requantizer is double rounding only: a single-rounding model leaves
    QTC_SINGLE_ROUNDING_USED at its default, so its outputs take the generic requantizer, and
    still equals the reference on both cores."""
    pytest.importorskip("unicorn")
    out = build_and_compare(conv_net(), "conv", tmp_path, rounding="single")
    assert "QTC_SINGLE_ROUNDING_USED" not in (out / "model.c").read_text()
