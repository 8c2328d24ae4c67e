"""runtime_c/qtc_float.h against numpy and Keras 3.

tests/c/float_kernels_driver.c is compiled once per module (gcc, ASan + UBSan, -Werror); each case
writes one kernel call to a binary file, runs the driver and compares its float32 output with a
float64 reference: `qtc.dialects.array_kernels` for the windowed ops, numpy for the rest and
Keras' own LSTM / GRU layers for the recurrent kernels. Data are O(1), so the absolute tolerance
is a relative one too. Run with -s to see the worst difference per kernel family.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qtc.runtime_c
from qtc.dialects import array_kernels
from qtc.dialects.shapes import window_pads

HEADER_DIR = Path(qtc.runtime_c.__file__).parent
DRIVER = Path(__file__).parent / "c" / "float_kernels_driver.c"
CFLAGS = [
    "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-ffp-contract=off",
    "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
]
TOL = 1e-5

FUSED = {0: lambda v: v, 1: lambda v: np.maximum(v, 0.0), 2: lambda v: np.clip(v, 0.0, 6.0)}
"""QTC_ACT_* code -> numpy clamp."""
RECURRENT = {"linear": 0, "relu": 1, "tanh": 2, "sigmoid": 3, "hard_sigmoid": 4}
"""Keras activation name -> QTC_RACT_* code."""

WORST: dict[str, float] = {}
"""Largest difference seen per kernel family (printed at the end of the module)."""


def compile_driver(compiler: str, out: Path) -> Path:
    cmd = [compiler, *CFLAGS, f"-I{HEADER_DIR}", str(DRIVER), "-o", str(out), "-lm"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stderr}"
    assert result.stderr == "", result.stderr
    return out


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    return compile_driver("gcc", tmp_path_factory.mktemp("float_driver") / "driver")


@pytest.fixture(scope="module", autouse=True)
def report_worst():
    yield
    rows = ", ".join(f"{k} {v:.2e}" for k, v in sorted(WORST.items()))
    print(f"\nqtc_float.h worst |C - reference|: {rows}", file=sys.stderr)


@pytest.fixture
def run(driver, tmp_path):
    """run(name, ints, arrays, out_len, scratch=0, inplace=False): the driver's float32 output.

    An array given as None is passed as NULL."""

    def call(name, ints, arrays, out_len, scratch=0, inplace=False):
        chunks = [name.encode().ljust(16, b"\0"), np.array([len(ints), *ints], np.int32).tobytes()]
        chunks.append(np.int32(len(arrays)).tobytes())
        for a in arrays:
            flat = np.zeros(0, np.float32) if a is None else np.asarray(a, np.float32).ravel()
            chunks += [np.int32(flat.size).tobytes(), flat.tobytes()]
        chunks.append(np.array([out_len, scratch, int(inplace)], np.int32).tobytes())
        src, dst = tmp_path / "in.bin", tmp_path / "out.bin"
        src.write_bytes(b"".join(chunks))
        result = subprocess.run([str(driver), str(src), str(dst)], capture_output=True, text=True)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        return np.fromfile(dst, np.float32)

    return call


def check(family: str, got: np.ndarray, want: np.ndarray) -> None:
    want = np.asarray(want, np.float64)
    got = got.reshape(want.shape)
    assert np.all(np.isfinite(got)), got
    diff = float(np.max(np.abs(got - want), initial=0.0))
    WORST[family] = max(WORST.get(family, 0.0), diff)
    assert diff <= TOL, f"{family}: max |diff| {diff:.3g}"


def f32(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def test_header_includes_only_stdint_and_math():
    text = (HEADER_DIR / "qtc_float.h").read_text()
    assert set(re.findall(r"#\s*include\s*<([^>]+)>", text)) == {"stdint.h", "math.h"}
    assert "#ifndef QTC_FLOAT_H" in text


def test_compiles_with_clang(tmp_path):
    if shutil.which("clang") is None:
        pytest.skip("clang is not installed (apt-get install -y clang); the gcc build still runs")
    compile_driver("clang", tmp_path / "driver_clang")


# ---- windowed ops ----------------------------------------------------------------------------

# (spatial sizes, kernel, strides, dilations, padding); rank 1 and 2.
WINDOWS = [
    ((7, 6), (3, 3), (1, 1), (1, 1), "same"),
    ((7, 6), (3, 3), (1, 1), (1, 1), "valid"),
    ((9, 8), (3, 2), (2, 3), (1, 1), "same"),
    ((9, 8), (2, 3), (2, 2), (1, 1), "valid"),
    ((9, 8), (2, 3), (3, 2), (1, 1), "same"),  # stride > kernel
    ((6, 7), (4, 4), (3, 3), (1, 1), "same"),  # even kernel: odd padding goes after
    ((5, 5), (5, 5), (1, 1), (1, 1), "same"),
    ((10, 9), (3, 3), (1, 1), (2, 2), "same"),
    ((10, 9), (3, 2), (1, 2), (2, 3), "valid"),
    ((11, 9), (2, 3), (2, 1), (3, 2), "same"),
    ((12,), (3,), (1,), (1,), "same"),
    ((12,), (4,), (2,), (1,), "valid"),
    ((11,), (2,), (3,), (1,), "same"),
    ((11,), (3,), (2,), (2,), "same"),
    ((11,), (3,), (1,), (3,), "valid"),
]
POOLS = [case for case in WINDOWS if all(d == 1 for d in case[3])]


def window_ints(x_shape, kernel, strides, dilations, padding, y_shape, f) -> list[int]:
    """The qtc_window fields; a 1-d op is a 2-d one of height 1."""
    pads = window_pads(x_shape[1:-1], kernel, strides, dilations, padding)

    def hw(values, one):
        return [one] * (2 - len(kernel)) + list(values)

    return [
        x_shape[0], *hw(x_shape[1:-1], 1), x_shape[-1],
        *hw(kernel, 1), *hw(strides, 1), *hw(dilations, 1),
        *hw([p[0] for p in pads], 0), *hw(y_shape[1:-1], 1), f,
    ]  # fmt: skip


@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
@pytest.mark.parametrize("index", range(len(WINDOWS)))
def test_convolution(run, index, depthwise):
    sizes, kernel, strides, dilations, padding = WINDOWS[index]
    rng = np.random.default_rng(100 + index)
    c, f = (3, 2) if depthwise else (3, 4)
    act, use_bias = index % 3, index % 4 != 3
    x = f32(rng, 2, *sizes, c)
    w = f32(rng, *kernel, c, f, scale=(1 if depthwise else 1 / np.sqrt(c)) / np.sqrt(np.prod(kernel)))
    b = f32(rng, c * f if depthwise else f) if use_bias else None
    reference = array_kernels.depthwise_conv if depthwise else array_kernels.conv
    want = reference(x.astype(np.float64), w.astype(np.float64), strides, dilations, padding)
    want = FUSED[act](want + (0.0 if b is None else b))
    ints = window_ints(x.shape, kernel, strides, dilations, padding, want.shape, f) + [act]
    name = "depthwise_conv2d" if depthwise else "conv2d"
    check(name, run(name, ints, [x, w, b], want.size), want)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("index", range(len(POOLS)))
def test_pool(run, index, kind):
    sizes, pool, strides, dilations, padding = POOLS[index]
    x = f32(np.random.default_rng(200 + index), 2, *sizes, 3)
    if kind == "max":
        # all-negative data: a padded tap taken as 0 would win
        x = -np.abs(x)
        want = array_kernels.max_pool(x.astype(np.float64), pool, strides, padding)
    else:
        total, counts = array_kernels.pool_sum(x.astype(np.float64), pool, strides, padding)
        want = total / counts[None, ..., None]
    ints = window_ints(x.shape, pool, strides, dilations, padding, want.shape, 0)
    check(f"{kind}_pool2d", run(f"{kind}_pool2d", ints, [x], want.size), want)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape", [(2, 13, 5), (1, 1, 3), (3, 4, 1)])
def test_global_pool(run, kind, shape):
    x = f32(np.random.default_rng(shape[1]), *shape)
    want = x.astype(np.float64).max(axis=1) if kind == "max" else x.astype(np.float64).mean(axis=1)
    check(f"global_{kind}_pool", run(f"global_{kind}_pool", list(shape), [x], want.size), want)


# ---- dense and elementwise ---------------------------------------------------------------------


@pytest.mark.parametrize("rows, n_in, n_out, act, use_bias", [
    (3, 17, 5, 0, True), (1, 8, 9, 1, True), (4, 6, 3, 2, True), (2, 5, 4, 0, False),
])  # fmt: skip
def test_dense(run, rows, n_in, n_out, act, use_bias):
    rng = np.random.default_rng(rows * 100 + n_in)
    x, w = f32(rng, rows, n_in, scale=3.0), f32(rng, n_in, n_out, scale=1 / np.sqrt(n_in))
    b = f32(rng, n_out) if use_bias else None
    want = FUSED[act](x.astype(np.float64) @ w + (0.0 if b is None else b))
    check("dense", run("dense", [rows, n_in, n_out, act], [x, w, b], want.size), want)


BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply}


@pytest.mark.parametrize("inplace", [False, True], ids=["copy", "inplace"])
@pytest.mark.parametrize("act", [0, 1, 2])
@pytest.mark.parametrize("name", BINARY)
def test_binary(run, name, act, inplace):
    rng = np.random.default_rng(act)
    a, b = f32(rng, 41, scale=3.0), f32(rng, 41, scale=3.0)  # reaches past relu6's 6
    want = FUSED[act](BINARY[name](a.astype(np.float64), b))
    check("add/sub/mul", run(name, [act], [a, b], a.size, inplace=inplace), want)


def _sigmoid(v):
    return 0.5 * (1.0 + np.tanh(v / 2.0))


UNARY = {"relu": FUSED[1], "relu6": FUSED[2], "tanh": np.tanh, "sigmoid": _sigmoid}
EXTREMES = np.array([0.0, -0.0, 6.0, 88.8, -88.8, 104.0, -104.0, 1e4, -1e4, 3e38, -3e38], np.float32)


@pytest.mark.parametrize("inplace", [False, True], ids=["copy", "inplace"])
@pytest.mark.parametrize("name", UNARY)
def test_unary(run, name, inplace):
    x = np.concatenate([f32(np.random.default_rng(7), 50, scale=4.0), EXTREMES])
    want = UNARY[name](x.astype(np.float64))
    check("activations", run(name, [], [x], x.size, inplace=inplace), want)


@pytest.mark.parametrize("inplace", [False, True], ids=["copy", "inplace"])
@pytest.mark.parametrize("shape, offset", [
    ((3, 7, 1), 0.0), ((2, 5, 4), 0.0), ((1, 1, 3), 0.0), ((2, 6, 3), 1000.0), ((1, 9, 2), -1000.0),
])  # fmt: skip
def test_softmax(run, shape, offset, inplace):
    x = f32(np.random.default_rng(shape[1]), *shape, scale=3.0) + np.float32(offset)
    e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    check("softmax", run("softmax", list(shape), [x], x.size, inplace=inplace), want)


@pytest.mark.parametrize("inplace", [False, True], ids=["copy", "inplace"])
@pytest.mark.parametrize("shape", [(2, 3, 5), (4, 6, 1), (1, 2, 7)])
def test_scale_shift(run, shape, inplace):
    rng = np.random.default_rng(shape[2])
    x, scale, shift = f32(rng, *shape), f32(rng, shape[1]), f32(rng, shape[1])
    want = x.astype(np.float64) * scale[:, None] + shift[:, None]
    check("scale_shift", run("scale_shift", list(shape), [x, scale, shift], x.size, inplace=inplace), want)


# ---- data movement -----------------------------------------------------------------------------


@pytest.mark.parametrize("inplace", [False, True], ids=["copy", "inplace"])
def test_copy(run, inplace):
    x = f32(np.random.default_rng(3), 37)
    check("data movement", run("copy", [], [x], x.size, inplace=inplace), x)


@pytest.mark.parametrize("outer, chunks", [(4, [2, 5, 1]), (1, [3, 4]), (3, [1])])
def test_concat(run, outer, chunks):
    rng = np.random.default_rng(outer)
    parts = [f32(rng, outer, n) for n in chunks]
    want = np.concatenate(parts, axis=1)
    check("data movement", run("concat", [outer, *chunks], parts, want.size), want)


@pytest.mark.parametrize("shape, pads, value", [
    ((2, 3, 4, 5), (0, 1, 2, 0, 1, 1, 0, 3), -1.5),
    ((3, 4), (1, 2, 3, 0), 0.0),  # rank 2: the caller adds leading 1s
    ((5,), (0, 0), 2.0),
    ((1, 2, 2, 1), (1, 1, 1, 1, 1, 1, 1, 1), 0.25),
])  # fmt: skip
def test_pad4(run, shape, pads, value):
    x = f32(np.random.default_rng(len(shape)), *shape)
    want = array_kernels.explicit_pad(x, pads, value)
    lead = 4 - len(shape)
    ints = [*([1] * lead), *shape, *([0] * (2 * lead)), *pads]
    check("data movement", run("pad4", ints, [x, np.float32([value])], want.size), want)


# ---- recurrent -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def keras_recurrent(keras, layer, x: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    layer.build(x.shape)
    layer.set_weights(weights)
    return keras.ops.convert_to_numpy(layer(x))


# (return_sequences, activation, recurrent_activation, use_bias)
LSTM_CASES = [
    (True, "tanh", "sigmoid", True),
    (False, "tanh", "sigmoid", True),
    (True, "relu", "hard_sigmoid", True),
    (False, "linear", "tanh", True),
    (True, "sigmoid", "linear", False),
]


@pytest.mark.parametrize("return_sequences, act, rec_act, use_bias", LSTM_CASES)
def test_lstm(run, keras, return_sequences, act, rec_act, use_bias):
    batch, steps, n_in, units = 2, 5, 3, 4
    rng = np.random.default_rng(len(act) + 10 * len(rec_act))
    x = f32(rng, batch, steps, n_in)
    weights = [f32(rng, n_in, 4 * units, scale=0.5), f32(rng, units, 4 * units, scale=0.5)]
    weights += [f32(rng, 4 * units, scale=0.5)] if use_bias else []
    layer = keras.layers.LSTM(
        units, activation=act, recurrent_activation=rec_act,
        return_sequences=return_sequences, use_bias=use_bias,
    )  # fmt: skip
    want = keras_recurrent(keras, layer, x, weights)
    ints = [batch, steps, n_in, units, int(return_sequences), RECURRENT[act], RECURRENT[rec_act]]
    got = run("lstm", ints, [x, *weights[:2], weights[2] if use_bias else None], want.size, 6 * units)
    check("lstm", got, want)


# (reset_after, return_sequences, activation, recurrent_activation, use_bias)
GRU_CASES = [
    (True, True, "tanh", "sigmoid", True),
    (True, False, "tanh", "sigmoid", True),
    (False, True, "tanh", "sigmoid", True),
    (False, False, "relu", "hard_sigmoid", True),
    (True, True, "linear", "hard_sigmoid", True),
    (False, True, "sigmoid", "tanh", True),
    (True, False, "tanh", "relu", False),
    (False, True, "tanh", "sigmoid", False),
]


@pytest.mark.parametrize("reset_after, return_sequences, act, rec_act, use_bias", GRU_CASES)
def test_gru(run, keras, reset_after, return_sequences, act, rec_act, use_bias):
    batch, steps, n_in, units = 3, 4, 5, 3
    rng = np.random.default_rng(len(act) + 10 * len(rec_act) + 100 * reset_after)
    x = f32(rng, batch, steps, n_in)
    weights = [f32(rng, n_in, 3 * units, scale=0.5), f32(rng, units, 3 * units, scale=0.5)]
    bias_shape = (2, 3 * units) if reset_after else (3 * units,)
    weights += [f32(rng, *bias_shape, scale=0.5)] if use_bias else []
    layer = keras.layers.GRU(
        units, activation=act, recurrent_activation=rec_act,
        return_sequences=return_sequences, reset_after=reset_after, use_bias=use_bias,
    )  # fmt: skip
    want = keras_recurrent(keras, layer, x, weights)
    ints = [batch, steps, n_in, units, int(return_sequences), int(reset_after), RECURRENT[act], RECURRENT[rec_act]]
    got = run("gru", ints, [x, *weights[:2], weights[2] if use_bias else None], want.size, 8 * units)
    check("gru", got, want)
