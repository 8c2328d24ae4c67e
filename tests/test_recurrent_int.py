"""Integer LSTM and GRU (qnn.lstm, qnn.gru) end to end, in int8, 16x8 and int16.

Random-weight Keras models (LSTM and GRU, reset_after both ways, every step or the last one,
stacked, sigmoid and hard sigmoid) are calibrated and tested on smooth sequences (sinusoids
plus a random walk and noise): the generated C built with ASan/UBSan equals the qnn
interpreter on every held-out sequence, and the integer model tracks Keras (SQNR). Random
qnn.lstm/qnn.gru modules with extreme parameters (saturating rescales, left shifts, random
tables, the widest weights and biases) check the C against the interpreter where real models
never go. The constants of a 10-step and a 100-step build are the same bytes, and the C
needs no soft-float helper on a Cortex-M0.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import keras
import numpy as np
import pytest

from qtc.compiler import emit_c_qnn
from qtc.compiler.build import compile_model
from qtc.compiler.textual_ir import parse_module
from qtc.dialects import fixedpoint as fp
from qtc.dialects import qnn
from qtc.dialects.qnn_interpreter import gate_rescale
from qtc.dialects.qtc_attrs import storage_range
from qtc.passes.requantize import recurrent_table
from test_int_c import (
    DTYPES,
    Case,
    Module,
    a32,
    build,
    choice,
    header_floats_and_includes,
    header_soft_float_calls,
    hex_dense,
    i32,
    input_batch,
    multipliers,
    needs_arm,
    random_ints,
    random_weights,
    reference,
    soft_float_calls,
    string,
    undefined_symbols,
    write_c,
    zero_point,
)
from test_int_fast import O0_FLAGS, core_runner, run_core
from test_quantized_models import assert_c_equals_reference, sqnr_db

L = keras.layers
MODES = ("8", "16x8", "16")
STEPS, FEATURES = 24, 4
CALIBRATION_SEQUENCES, TEST_SEQUENCES = 400, 200
MIN_SQNR_DB = {"8": 25.0, "16x8": 45.0, "16": 55.0}
"""int8 and 16x8 as the design asks; int16 below the 61-70 dB it reaches here (Q3.12 gates)."""
SEED = 20250612


def sequences(count: int, steps: int, seed: int) -> np.ndarray:
    """[count, steps, FEATURES]: per feature a sinusoid of random frequency, phase and
    amplitude, plus a random walk and a little noise (amplitude about 1)."""
    rng = np.random.default_rng(seed)
    shape = (count, 1, FEATURES)
    t = np.arange(steps)[None, :, None]
    wave = rng.uniform(0.3, 1.0, shape) * np.sin(
        rng.uniform(0.05, 0.6, shape) * t + rng.uniform(0, 2 * np.pi, shape)
    )
    walk = np.cumsum(rng.normal(0.0, 0.05, (count, steps, FEATURES)), axis=1)
    noise = rng.normal(0.0, 0.03, (count, steps, FEATURES))
    return (wave + walk + noise).astype(np.float32)


def lstm_stack(steps: int) -> list:
    return [
        L.LSTM(12, return_sequences=True, name="lstm1"),
        L.LSTM(8, name="lstm2"),
    ]


def lstm_hard_sigmoid(steps: int) -> list:
    return [L.LSTM(10, return_sequences=True, recurrent_activation="hard_sigmoid", name="lstm")]


def gru_stack(steps: int) -> list:
    return [
        L.GRU(12, return_sequences=True, reset_after=True, name="gru1"),
        L.GRU(10, return_sequences=True, reset_after=False, name="gru2"),
        L.GRU(8, reset_after=True, name="gru3"),
    ]


def gru_before(steps: int) -> list:
    return [L.GRU(10, reset_after=False, name="gru")]


MODELS = {f.__name__: f for f in (lstm_stack, lstm_hard_sigmoid, gru_stack, gru_before)}
"""Between them: LSTM and GRU, reset_after both ways, return_sequences both ways, stacking."""


def recurrent_model(name: str, steps: int = STEPS, seed: int = 0) -> keras.Model:
    """Keras' initial weights with random biases (so every bias path carries values)."""
    keras.utils.set_random_seed(seed)
    x = keras.Input((steps, FEATURES))
    y = x
    for layer in MODELS[name](steps):
        y = layer(y)
    model = keras.Model(x, y, name=name)
    rng = np.random.default_rng(seed)
    for layer in model.layers[1:]:
        bias = layer.cell.bias
        bias.assign(bias.numpy() + rng.uniform(-0.5, 0.5, bias.shape).astype(np.float32))
    return model


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """(calibration, held-out) sequences from the same distribution."""
    return (
        sequences(CALIBRATION_SEQUENCES, STEPS, SEED),
        sequences(TEST_SEQUENCES, STEPS, SEED + 1),
    )


def dequantized(module, q: np.ndarray) -> np.ndarray:
    """The float outputs of a quantized module's integer outputs (its returned dequantize)."""
    (dequantize,) = [op for op in module.walk() if isinstance(op, qnn.DequantizeOp)]
    return qnn_float(q, dequantize.qparams)


def qnn_float(q: np.ndarray, qparams) -> np.ndarray:
    centered = (q.astype(np.int64) - qparams.zero_point).astype(np.float32)
    return centered * np.float32(qparams.scale)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_c_equals_interpreter_and_tracks_keras(name: str, mode: str, data, tmp_path: Path) -> None:
    calibration, x = data
    model = recurrent_model(name)
    out = tmp_path / "out"
    compile_model(model, str(out), bits=mode, calibration=calibration)
    module = parse_module((out / "model.mlir").read_text())
    q_out = assert_c_equals_reference(out, module, x, tmp_path)
    db = sqnr_db(model.predict(x, verbose=0), dequantized(module, q_out))
    print(f"{name} {mode}: {len(x)} sequences, {q_out.size} outputs equal; SQNR {db:.1f} dB")
    assert db >= MIN_SQNR_DB[mode]


# ----------------------------------------------------------------------------- random ops


RANDOM_CASES = {"lstm": 14, "gru": 14}


def typical_accumulators(x_bits: int, w_bits: int, features: int, units: int) -> dict:
    """(typical magnitude, width) of the input and the recurrent accumulator."""
    w = 2.0 ** (w_bits - 2)
    return {
        "input": (np.sqrt(features) * 2.0 ** (x_bits - 2) * w, qnn.BIAS_WIDTH[x_bits]),
        "recurrent": (np.sqrt(units) * 2.0**13 * w, qnn.recurrent_accumulator_bits(w_bits, units)),
    }


def recurrent_props(
    rng: np.random.Generator, accumulators: dict, x_bits: int, columns: int
) -> dict:
    """Rescales from typical to saturating (positive shifts), random zero points and rounding,
    tables of the Keras activations or random (a gate table within [0, 32767])."""
    rounding = choice(rng, fp.ROUNDINGS)
    props = {"input_zero_point": i32(zero_point(rng, x_bits) if x_bits == 8 else 0)}
    for side, (typical, bits) in accumulators.items():
        # a pre-activation of about 1.0 (2^12), or deep saturation one time in four
        octaves = rng.uniform(-3, 2) if rng.random() < 0.75 else rng.uniform(3, 10)
        center = 2.0**12 / typical * 2.0**octaves
        count = columns if rng.random() < 0.6 else 1
        q, s = multipliers(rng, center, count, rounding, max_shift=7 if bits == 64 else 30)
        props |= {f"{side}_multiplier": a32(q), f"{side}_shift": a32(s)}
    (q,), (s,) = multipliers(rng, 2.0 ** (x_bits - 16) * 2.0 ** rng.uniform(-1, 2), 1, rounding, 15)
    props |= {
        "output_multiplier": i32(q),
        "output_shift": i32(s),
        "output_zero_point": i32(zero_point(rng, x_bits)),
        "recurrent_activation_table": hex_dense(
            np.clip(recurrent_table(choice(rng, ["sigmoid", "hard_sigmoid"])), 0, None)
            if rng.random() < 0.7
            else rng.integers(0, 32768, 513).astype(np.int16)
        ),
        "activation_table": hex_dense(
            recurrent_table("tanh") if rng.random() < 0.7 else random_ints(rng, 16, 513)
        ),
        "rounding": string(rounding),
    }
    return props


def recurrent_case(rng: np.random.Generator, kind: str) -> Case:
    x_bits, w_bits = choice(rng, [(8, 8), (16, 8), (16, 16)])
    batch, steps, features, units = (int(v) for v in rng.integers(1, [3, 6, 5, 5], endpoint=True))
    gates = 4 if kind == "lstm" else 3
    columns = gates * units
    module = Module((batch, steps, features), x_bits)
    accumulators = typical_accumulators(x_bits, w_bits, features, units)
    typical, bias_bits = accumulators["input"]
    bias = np.round(rng.normal(0.0, typical, columns)).astype(DTYPES[bias_bits])
    if rng.random() < 0.15:  # +-(2^(bits-1) - 1): the lowering's bias saturation
        bias[:] = choice(rng, [-1, 1]) * storage_range(bias_bits)[1]
    operands = [
        module.input,
        module.constant(random_weights(rng, (features, columns), w_bits)),
        module.constant(random_weights(rng, (units, columns), w_bits)),
        module.constant(bias),
    ]
    props = recurrent_props(rng, accumulators, x_bits, columns)
    if kind == "lstm":
        powers = (-15, -8) if rng.random() < 0.8 else qnn.CELL_SCALE_POWER_RANGE
        props["cell_scale_power"] = i32(rng.integers(*powers, endpoint=True))
    else:
        reset_after = bool(rng.random() < 0.5)
        props["reset_after"] = str(reset_after).lower()
        if reset_after:
            typical, bits = accumulators["recurrent"]
            recurrent_bias = np.round(rng.normal(0.0, typical, units)).astype(DTYPES[bits])
            operands.append(module.constant(recurrent_bias))
    shape = (batch, steps, units) if rng.random() < 0.5 else (batch, units)
    y = module.op(kind, operands, props, shape, x_bits)
    return Case(kind, module.text(y), (batch, steps, features), shape, x_bits)


@pytest.mark.parametrize("kind", sorted(RANDOM_CASES))
def test_random_ops_c_matches_the_reference_bit_for_bit(kind: str, tmp_path: Path) -> None:
    rng = np.random.default_rng([SEED, len(kind)])
    cases = [recurrent_case(rng, kind) for _ in range(RANDOM_CASES[kind])]
    dirs = [tmp_path / f"case{i}" for i in range(len(cases))]
    for case, out_dir in zip(cases, dirs):
        write_c(case, out_dir)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        models = list(pool.map(build, cases, dirs))
    compared = 0
    for i, (case, model) in enumerate(zip(cases, models)):
        x = input_batch(rng, case.input_shape, case.bits)
        expected = reference(case, x)
        got = model.run(x).reshape(len(x), -1)
        bad = np.argwhere(got != expected)
        assert not len(bad), (
            f"{kind} case {i} ({dirs[i]}): {len(bad)} mismatches, first at sample {bad[0][0]}, "
            f"element {bad[0][1]}: C {got[tuple(bad[0])]}, reference {expected[tuple(bad[0])]}"
        )
        compared += got.size
    print(f"{kind}: {len(cases)} random modules, {compared} values equal")


def dsp_gate(s: np.ndarray, words: np.ndarray) -> np.ndarray:
    """qtc_rnn_gate_dsp_'s clamp-free gate of sums s with one column's gate words (left + 1 set):
    SMMLAR((bias + s) << (left + 1), q, c) >> right, c = (2^right - (x < 0)) / 2 floored,
    saturated to int16."""
    _, _, bias, q, shifts = (int(w) for w in words)
    left1, right = shifts >> 16, shifts >> 8 & 0xFF
    x = (bias + s) << left1
    assert np.all((x >= -(2**31)) & (x < 2**31)), "the shifted sum passes int32"
    c = ((1 << right) + np.where(x < 0, -1, 0)) >> 1
    return np.clip((((x * q + 2**31) >> 32) + c) >> right, -32768, 32767)


def clamp_free_gates(rng: np.random.Generator, cases: int, tries: int):
    """(gate words, sums, the reference's gate rescale of them) of every column whose gate words
    carry left + 1, for random double-rounding rescales (typical to saturating, left and right
    shifts), biases, weights and input ranges: `tries` reachable sums of each column, its two
    ends, those around a zero bias + s, and those next to the ties of RDBPOT's rounding."""
    for _ in range(cases):
        rows, columns = (int(v) for v in rng.integers(1, [40, 12], endpoint=True))
        inputs = choice(rng, [(-128 - 5, 127 - 5), (-255, 0), storage_range(16)])
        weights = rng.integers(-128, 128, (rows, columns))
        typical = np.sqrt(rows) * max(-inputs[0], inputs[1]) * 32.0
        center = 2.0**12 / typical * 2.0 ** rng.uniform(-3, 10)  # typical to saturating
        q, shift = multipliers(rng, center, columns, "double")
        scale = rng.choice([0, 1, 100])
        bias = np.round(rng.normal(0.0, typical, columns) * scale).astype(np.int64)
        words = emit_c_qnn.gate_words((q, shift), "double", bias, weights, inputs).reshape(-1, 5)
        products = weights[None] * np.asarray(inputs)[:, None, None]
        lowest, highest = products.min(axis=0).sum(axis=0), products.max(axis=0).sum(axis=0)
        for j in np.flatnonzero(words[:, 4] >> 16):
            lo, hi = int(lowest[j]), int(highest[j])
            s = [lo, hi, *rng.integers(lo, hi, tries, endpoint=True)]
            s += [d - int(bias[j]) for d in range(-3, 4)]
            right = int(words[j, 4]) >> 8 & 0xFF
            for k in rng.integers(-(2**15), 2**15, tries // 40):  # SRDHM results at RDBPOT's ties
                v = ((int(k) << right) + (1 << right >> 1)) * 2**31 // max(q[j], 1)
                s += [v - int(bias[j]) + d for d in range(-3, 4)]
            s = np.clip(np.asarray(s, np.int64), lo, hi)
            yield words[j], s, gate_rescale(bias[j] + s, q[j], shift[j], "double", 32)


def test_gate_words_allow_the_clamp_free_dsp_gate_only_where_it_is_exact() -> None:
    """Every column whose gate words carry left + 1 gives the reference's gate rescale
    (`gate_rescale`) through the clamp-free DSP gate for all reachable sums tried
    (`clamp_free_gates`)."""
    allowed = 0
    for words, s, want in clamp_free_gates(np.random.default_rng([SEED, 3]), 60, 2000):
        allowed += 1
        assert np.array_equal(dsp_gate(s, words), want), f"gate words {words}"
    assert allowed > 100


V6M_GATE_HARNESS = """
#include "qtc_recurrent.h"

%s

/* Mismatches of qtc_rnn_gates32_ (on ARMv6-M the asm of clamp-free columns) against the
   reference's gate rescales, alone and added to a previous part with int16 saturation. */
int run(void) {
    int failures = 0, i;
    for (i = 0; i < CASES; ++i) {
        const int32_t *g = WORDS + 5 * COLUMN[i];
        int16_t out[1];
        const int32_t added = (int32_t)WANT[i] + PART[i];
        out[0] = 0;
        qtc_rnn_gates32_(SUMS + i, g, 1, 0, 0, out);
        failures += out[0] != WANT[i];
        out[0] = PART[i];
        qtc_rnn_gates32_(SUMS + i, g, 1, 0, 1, out);
        failures += out[0] != (added > 32767 ? 32767 : added < -32768 ? -32768 : added);
    }
    return failures;
}
"""


@needs_arm
@pytest.mark.parametrize("flags", [("-O2",), O0_FLAGS])
def test_v6m_gate_asm_equals_the_reference(flags: tuple[str, ...], tmp_path: Path) -> None:
    """On the Cortex-M0, run in Unicorn, the asm gate of the clamp-free columns
    (`qtc_rnn_gate_v6m_`) gives the reference's gate rescale of every sum of
    `clamp_free_gates` (the ends, ties of the rounding, extreme shifts), alone and added to a
    previous part; also built at -O0 with the frame pointer (a register fewer for the asm)."""
    pytest.importorskip("unicorn")
    rng = np.random.default_rng([SEED, 11])
    words, columns, sums, want = [], [], [], []
    for column_words, s, rescaled in clamp_free_gates(rng, 12, 120):
        columns += [len(words)] * len(s)
        words.append(column_words)
        sums.append(s)
        want.append(rescaled)
    sums, want = np.concatenate(sums), np.concatenate(want)
    parts = rng.integers(-(2**15), 2**15, len(sums))
    tables = "\n".join([
        f"#define CASES {len(sums)}",
        f"static const int32_t WORDS[] = {{{', '.join(map(emit_c_qnn.i32, np.concatenate(words)))}}};",
        f"static const uint16_t COLUMN[] = {{{', '.join(map(str, columns))}}};",
        f"static const uint32_t SUMS[] = {{{', '.join(f'{int(v) & 0xFFFFFFFF}u' for v in sums)}}};",
        f"static const int16_t WANT[] = {{{', '.join(map(str, want))}}};",
        f"static const int16_t PART[] = {{{', '.join(map(str, parts))}}};",
    ])
    assert len(words) > 20 and len(sums) > 2000
    assert run_core(V6M_GATE_HARNESS % tables, tmp_path, "cortex-m0", flags) == 0, "mismatches"


@needs_arm
@pytest.mark.parametrize("cpu", ["cortex-m0", "cortex-m4"])
def test_random_ops_on_cortex_m_match_the_reference(cpu: str, tmp_path: Path) -> None:
    """The random modules with extreme parameters on the Cortex-M4 (the DSP projections and
    gates, clamp-free or generic by column) and the M0 (its own dot product) equal the
    interpreter. The seed's modules have projections of single rounding, and of double
    rounding with clamp-free columns, generic ones, and both."""
    pytest.importorskip("unicorn")
    rng = np.random.default_rng([SEED, 7])
    for kind in sorted(RANDOM_CASES):
        for i in range(6):
            case = recurrent_case(rng, kind)
            out_dir = tmp_path / f"{kind}{i}"
            write_c(case, out_dir)
            run = core_runner(out_dir, cpu, out_dir / cpu)
            x = input_batch(rng, case.input_shape, case.bits)[:7]
            for sample, want in zip(x, reference(case, x)):
                assert np.array_equal(run(sample), want), f"{kind} case {i} on {cpu}:\n{case.text}"


# ----------------------------------------------------------------------------- flash, MCU

C_SIZES = {"int8_t": 1, "int16_t": 2, "int32_t": 4, "int64_t": 8, "int": 4}


def constant_bytes(source: str) -> int:
    """Bytes of the `static const` arrays of a generated C file."""
    arrays = re.findall(r"static const (\w+) \w+\[(\d+)\]", source)
    return sum(C_SIZES[ctype] * int(count) for ctype, count in arrays)


def test_constants_do_not_grow_with_the_sequence_length(tmp_path: Path) -> None:
    """The same LSTM and GRU weights for 10 and 100 steps: identical constant bytes."""
    sizes = {}
    for steps in (10, 100):
        for name in ("lstm_stack", "gru_stack"):
            model = recurrent_model(name, steps)
            out = tmp_path / f"{name}{steps}"
            compile_model(model, str(out), bits="8", calibration=sequences(32, steps, SEED))
            sizes[name, steps] = constant_bytes((out / "model.c").read_text())
    print(f"constant bytes (name, steps): {sizes}")
    for name in ("lstm_stack", "gru_stack"):
        assert sizes[name, 10] == sizes[name, 100] > 0


@needs_arm
def test_recurrent_models_call_no_soft_float_on_cortex_m0(tmp_path: Path) -> None:
    """Generated recurrent models and every qtc_recurrent.h kernel compile for Cortex-M0
    without a soft-float helper."""
    for name, mode in (("lstm_stack", "16x8"), ("gru_stack", "8"), ("lstm_hard_sigmoid", "16")):
        out = tmp_path / f"{name}{mode}"
        calibration = sequences(16, STEPS, SEED)
        compile_model(recurrent_model(name), str(out), bits=mode, calibration=calibration)
        calls = soft_float_calls(undefined_symbols(out / "model.c"))
        assert not calls, f"{name} {mode} calls {calls}"
    assert not header_soft_float_calls(tmp_path, "qtc_recurrent.h")


def test_recurrent_header_is_integer_only() -> None:
    """qtc_recurrent.h (outside comments) names no float type or literal and includes only the
    integer headers."""
    floats, includes = header_floats_and_includes("qtc_recurrent.h")
    assert not floats
    assert includes == {"stdint.h", "qtc_fixedpoint.h", "qtc_int.h"}
