"""`qtc cost`: measured Cortex-M cost of a small model (Unicorn), cross-checked against QEMU.

Needs arm-none-eabi-gcc with newlib (apt-get install gcc-arm-none-eabi
libnewlib-arm-none-eabi) and the Python packages unicorn, capstone and pyelftools; the QEMU
cross-check also needs qemu-system-arm.
"""

from __future__ import annotations

import json
import shutil

import keras
import numpy as np
import pytest

from qtc.compiler import cost
from qtc.compiler.build import compile_model
from qtc.compiler.cli import main

L = keras.layers


def tiny_model() -> keras.Model:
    keras.utils.set_random_seed(7)
    x = keras.Input((16, 3))
    h = L.Conv1D(6, 3, padding="same", activation="relu", name="conv")(x)
    h = L.Flatten(name="flatten")(h)
    y = L.Dense(4, name="fc")(h)
    return keras.Model(x, y)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, str]:
    """The int8 and float builds of the tiny model: {"int8": OUT, "float": OUT}."""
    model = tiny_model()
    calibration = np.random.default_rng(0).normal(size=(32, 16, 3)).astype(np.float32)
    root = tmp_path_factory.mktemp("cost")
    outs = {"int8": str(root / "int8"), "float": str(root / "float")}
    compile_model(model, outs["int8"], bits="8", calibration=calibration)
    compile_model(model, outs["float"], bits="float")
    return outs


def report(out: str) -> dict:
    with open(f"{out}/report.json") as f:
        return json.load(f)


def bench(out: str, cpu: str, tmp_path, **kwargs) -> cost.Bench:
    return cost.build_bench(out, cpu, build_dir=str(tmp_path / cpu), **kwargs)


def test_int8_cost_is_positive_deterministic_and_adds_up(builds) -> None:
    first = cost.measure_cost(builds["int8"], "cortex-m0")
    assert first == cost.measure_cost(builds["int8"], "cortex-m0")
    assert first["instructions"] > 0 and first["cycles"] >= first["instructions"]
    rows = first["per_layer"]
    assert [(r["name"], r["op"]) for r in rows] == [(r["name"], r["op"]) for r in report(builds["int8"])["layers"]]
    assert all(r["instructions"] > 0 for r in rows if r["op"] in ("nn.conv2d", "nn.dense"))
    assert sum(r["instructions"] for r in rows) <= first["instructions"]
    assert sum(r["instructions"] for r in rows) + first["other"]["instructions"] == first["instructions"]
    facts = report(builds["int8"])
    assert first["flash_bytes"] >= facts["params"]  # int8 weights are a byte each, biases 4
    assert first["ram_bytes"] >= facts["ram"]["arena_bytes"] + first["stack_bytes"]
    assert first["stack_bytes"] > 0


@pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="qemu-system-arm is not installed")
@pytest.mark.parametrize("cpu", ["cortex-m0", "cortex-m3"])
def test_unicorn_counts_what_qemu_executes(builds, cpu, tmp_path) -> None:
    """The same ELF and input on QEMU's microbit (M0) / mps2-an385 (M3) board."""
    b = bench(builds["int8"], cpu, tmp_path, memory=cost.CORES[cpu].qemu_memory)
    assert cost.run_bench(b)["instructions"] == cost.qemu_instructions(b)


def test_m0_build_is_armv6m_and_float_means_soft_float_helpers(builds, tmp_path) -> None:
    m0_int8 = bench(builds["int8"], "cortex-m0", tmp_path / "i")
    m0_float = bench(builds["float"], "cortex-m0", tmp_path / "f")
    assert cost.thumb2_instructions(m0_int8.elf) == []
    assert cost.thumb2_instructions(m0_float.elf) == []
    assert cost.thumb2_instructions(bench(builds["int8"], "cortex-m3", tmp_path).elf)  # the check sees Thumb-2
    assert cost.float_helpers(m0_int8.elf) == []
    assert {"__aeabi_fmul", "__aeabi_fadd"} <= set(cost.float_helpers(m0_float.elf))


def test_hard_float_m4_beats_soft_float(builds) -> None:
    soft = cost.measure_cost(builds["float"], "cortex-m4")
    hard = cost.measure_cost(builds["float"], "cortex-m4", float_abi="hard")
    assert hard["cycles"] * 3 < soft["cycles"]
    with pytest.raises(cost.QtcError, match="no FPU"):
        cost.measure_cost(builds["float"], "cortex-m0", float_abi="hard")


def test_cli_writes_cost_into_the_report(builds, capsys) -> None:
    assert main(["cost", builds["int8"], "--cpu", "cortex-m0", "--cpu", "cortex-m4"]) == 0
    out = capsys.readouterr().out
    assert "cortex-m0" in out and "cycles/MAC" in out and "conv" in out
    costs = report(builds["int8"])["cost"]
    assert set(costs) == {"cortex-m0", "cortex-m4"}
    assert costs["cortex-m0"]["instructions"] > costs["cortex-m4"]["instructions"]


def test_missing_toolchain_is_one_clear_error(builds, monkeypatch, capsys) -> None:
    cost.toolchain.cache_clear()
    monkeypatch.setattr(cost.shutil, "which", lambda name: None)
    try:
        assert main(["cost", builds["int8"], "--cpu", "cortex-m0"]) == 1
    finally:
        cost.toolchain.cache_clear()
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "apt-get install gcc-arm-none-eabi" in err


# ------------------------------------------------------------------ pre-processing and streaming

PRE = {
    "channels": 3, "sample_type": "int16", "sample_scale": 0.01,
    "window": {"length": 32, "hop": 8},
    "normalize": {"mean": [0.5, -0.2, 9.8], "std": [2.0, 1.5, 3.0]},
    "fft": {"size": 32, "window": "hann", "output": "log_power"},
}
"""Raw int16 windows [32, 3] -> normalised -> log-power spectra [17, 3]."""
COST_KEYS = {"instructions", "cycles", "flash_bytes", "ram_bytes", "per_layer"}


def streaming_gru() -> keras.Model:
    keras.utils.set_random_seed(11)
    x = keras.Input((17, 3))
    h = L.GRU(6, name="gru")(x)
    y = L.Dense(3, activation="softmax", name="classes")(h)
    return keras.Model(x, y)


@pytest.fixture(scope="module")
def streaming_builds(tmp_path_factory) -> dict[str, str]:
    """int8, 16x8 and float builds of a GRU behind normalisation and a log-power FFT."""
    model = streaming_gru()
    raw = np.random.default_rng(1).integers(-2000, 2000, size=(24, 32, 3)).astype(np.int16)
    root = tmp_path_factory.mktemp("cost-stream")
    outs = {}
    for bits in ("8", "16x8", "float"):
        outs[bits] = str(root / bits)
        compile_model(model, outs[bits], bits=bits, calibration=None if bits == "float" else raw, preprocess=PRE)
    return outs


@pytest.mark.parametrize("bits", ["8", "16x8", "float"])
def test_preprocessed_recurrent_build_costs_every_layer(streaming_builds, bits, capsys) -> None:
    """`qtc cost` of the whole-window NAME_run: the pre-processing ops are rows of their own
    and the rows add up to the whole inference on every core."""
    out = streaming_builds[bits]
    targets = ["cortex-m0", "cortex-m4"] + (["cortex-m4f"] if bits == "float" else [])
    assert main(["cost", out, *[a for t in targets for a in ("--cpu", t)]]) == 0
    assert "nn.spectrum" in capsys.readouterr().out
    facts = report(out)
    assert set(facts["cost"]) == set(targets)
    for target, measured in facts["cost"].items():
        assert COST_KEYS <= set(measured), target
        rows = measured["per_layer"]
        assert [(r["name"], r["op"]) for r in rows] == [(r["name"], r["op"]) for r in facts["layers"]]
        by_op = {r["op"]: r for r in rows}
        for op in ("nn.normalize_raw", "nn.spectrum", "nn.gru", "nn.dense"):
            assert by_op[op]["instructions"] > 0 and by_op[op]["cycles"] > 0, (target, op)
        for key in ("instructions", "cycles"):
            assert sum(r[key] for r in rows) + measured["other"][key] == measured[key], (target, key)
        assert measured["ram_bytes"] >= facts["ram"]["arena_bytes"] + measured["stack_bytes"]
    if bits == "float":
        assert facts["cost"]["cortex-m4f"]["cycles"] < facts["cost"]["cortex-m4"]["cycles"]


def test_preprocessed_builds_are_measured_on_the_same_raw_window(streaming_builds, tmp_path) -> None:
    """The float build reads the int builds' raw int16 samples as floats; the int8 build
    takes int16 samples in and gives int8 out."""
    int8 = bench(streaming_builds["8"], "cortex-m0", tmp_path / "i")
    wide = bench(streaming_builds["16x8"], "cortex-m0", tmp_path / "w")
    floats = bench(streaming_builds["float"], "cortex-m0", tmp_path / "f")
    assert (int8.io.dtype, int8.io.output_dtype) == (np.int16, np.int8)
    assert (wide.io.dtype, wide.io.output_dtype) == (np.int16, np.int16)
    raw = np.frombuffer(int8.input, np.int16)
    assert raw.size == 32 * 3 and int(raw.max()) - int(raw.min()) > 60000  # the whole int16 range
    np.testing.assert_array_equal(np.frombuffer(wide.input, np.int16), raw)
    np.testing.assert_array_equal(np.frombuffer(floats.input, np.float32), raw.astype(np.float32))
