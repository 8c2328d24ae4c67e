"""calibrate: ranges against a naive full computation, batch independence, the clipping
methods' invariants, bounded memory, and the progress bar."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.utils.exceptions import PassFailedException

import keras_models
from qtc.compiler import interpreter
from qtc.compiler.errors import QtcError
from qtc.compiler.keras_frontend import import_keras
from qtc.compiler.progress import progress
from qtc.compiler.textual_ir import parse_module
from qtc.dialects import nn
from qtc.passes import calibrate
from qtc.passes.calibrate import (
    CalibratePass,
    calibrate_module,
    collect_statistics,
    mse_range,
    percentile_range,
)

RELU = """
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %r = nn.relu %x : tensor<1x4xf32>
  func.return %r : tensor<1x4xf32>
}
"""


@pytest.fixture(scope="module")
def keras_module() -> ModuleOp:
    return import_keras(keras_models.conv1d_net())


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(50, 32, 3)).astype(np.float32)


def ranges(module: ModuleOp) -> dict[object, tuple[float, float]]:
    """Every recorded range: by walk position for ops, by name for function arguments."""
    function = interpreter.entry_function(module)
    found: dict[object, tuple[float, float]] = {
        position: (op.attributes["range"].lo, op.attributes["range"].hi)
        for position, op in enumerate(function.body.walk())
        if "range" in op.attributes
    }
    for arg, attrs in zip(function.args, function.arg_attrs.data):
        found[arg.name_hint] = (attrs.data["qtc.range"].lo, attrs.data["qtc.range"].hi)
    return found


def calibrated(module: ModuleOp, inputs, **options) -> dict[object, tuple[float, float]]:
    copy = module.clone()
    calibrate_module(copy, inputs, **options)
    return ranges(copy)


class RecordAll(interpreter.Listener):
    """The naive way: keep every result of every op for every sample."""

    def __init__(self) -> None:
        self.results: dict[Operation, list[np.ndarray]] = {}

    def did_interpret_op(self, op, results) -> None:
        if isinstance(op, nn.NNOp):
            self.results.setdefault(op, []).append(np.asarray(results[0]))


def test_minmax_equals_naive_min_max_of_every_op(keras_module, samples) -> None:
    everything = RecordAll()
    interpreter.run(keras_module, [samples], listeners=[everything])
    function = interpreter.entry_function(keras_module)
    expected = {
        position: (float(np.min(everything.results[op])), float(np.max(everything.results[op])))
        for position, op in enumerate(function.body.walk())
        if op in everything.results
    }
    expected["input_layer"] = (float(samples.min()), float(samples.max()))
    assert calibrated(keras_module, [samples]) == expected


def test_batch_size_does_not_change_minmax(keras_module, samples) -> None:
    results = [calibrated(keras_module, [samples], batch_size=b) for b in (1, 7, 1000)]
    assert results[0] == results[1] == results[2]


def nested(inner: tuple[float, float], outer: tuple[float, float]) -> bool:
    return outer[0] <= inner[0] <= inner[1] <= outer[1]


def test_percentile_is_monotone_in_p_and_100_is_minmax(keras_module, samples) -> None:
    by_p = [
        calibrated(keras_module, [samples], method="percentile", percentile=p)
        for p in (60.0, 90.0, 99.0, 99.9, 100.0)
    ]
    for smaller, larger in itertools.pairwise(by_p):
        assert all(nested(smaller[name], larger[name]) for name in smaller)
    assert by_p[-1] == calibrated(keras_module, [samples])


def test_mse_stays_within_minmax(keras_module, samples) -> None:
    minmax = calibrated(keras_module, [samples])
    mse = calibrated(keras_module, [samples], method="mse")
    assert all(nested(mse[name], minmax[name]) for name in minmax)


def test_percentile_drops_whole_bins_holding_at_most_the_cut() -> None:
    counts = np.array([1, 0, 5, 10, 5, 0, 1])
    # 22 samples, p = 90 cuts 1.1 a side: the outer 1-sample bins (and the empty ones) go.
    assert percentile_range(counts, np.arange(8.0), 90.0) == (2.0, 5.0)
    assert percentile_range(counts, np.arange(8.0), 100.0) == (0.0, 7.0)


def brute_force_mse(counts: np.ndarray, edges: np.ndarray) -> tuple[float, float]:
    """The documented objective, evaluated directly on every admissible pair of edges."""
    centers = (edges[:-1] + edges[1:]) / 2
    zero = min(max(0.0, edges[0]), edges[-1])
    best = None
    for a in edges[edges <= zero]:
        for b in edges[edges >= zero]:
            step = (max(b, 0.0) - min(a, 0.0)) / 255
            inside = (centers > a) & (centers < b)
            error = np.sum(counts * (centers - np.clip(centers, a, b)) ** 2)
            error += counts[inside].sum() * step**2 / 12
            if best is None or error < best[0] - 1e-9:
                best = (error, a, b)
    return best[1], best[2]


@pytest.mark.parametrize(
    "data",
    [
        np.random.default_rng(1).laplace(size=5000),
        np.random.default_rng(2).normal(3.0, 1.0, size=5000),  # all positive: low end stays
        np.append(np.random.default_rng(3).uniform(-1, 1, 3000), [40.0]),
    ],
    ids=["laplace", "positive", "outlier"],
)
def test_mse_matches_the_objective_by_brute_force(data: np.ndarray) -> None:
    counts, edges = np.histogram(data, 48)
    assert mse_range(counts, edges) == pytest.approx(brute_force_mse(counts, edges))


def test_mse_clips_a_heavy_tail_and_keeps_a_uniform_range() -> None:
    rng = np.random.default_rng(4)
    laplace = rng.laplace(size=20000)
    counts, edges = np.histogram(laplace, 2048)
    lo, hi = mse_range(counts, edges)
    assert laplace.min() < lo < -3 and 3 < hi < laplace.max()
    counts, edges = np.histogram(rng.uniform(-1, 1, 20000), 2048)
    step = 2 / 255
    lo, hi = mse_range(counts, edges)
    assert -1 <= lo <= -1 + step and 1 - step <= hi <= 1


def test_statistics_hold_o_of_bins_per_value_whatever_the_sample_count(keras_module) -> None:
    rng = np.random.default_rng(5)
    for count in (3, 60):
        data = rng.normal(size=(count, 32, 3)).astype(np.float32)
        stats = collect_statistics(keras_module, [data], histogram_bins=16, batch_size=8)
        for s in stats.values():
            assert s.counts is None or s.counts.shape == (16,)
            assert isinstance(s.lo, float) and isinstance(s.hi, float)


def test_a_batch_is_folded_before_the_next_runs(keras_module, monkeypatch) -> None:
    held = []
    record = calibrate._Collector.did_interpret_op

    def counting(self, op, results):
        record(self, op, results)
        held.append(sum(len(arrays) for arrays in self.pending.values()))

    monkeypatch.setattr(calibrate._Collector, "did_interpret_op", counting)
    data = np.zeros((40, 32, 3), np.float32)
    collect_statistics(keras_module, [data], histogram_bins=16, batch_size=8)
    values = sum(
        isinstance(op, nn.NNOp) and not isinstance(op, nn.ConstantOp) for op in keras_module.walk()
    )
    assert max(held) == 8 * values


def test_a_single_number_is_a_valid_range() -> None:
    module = parse_module(RELU)
    calibrate_module(module, [np.full((5, 4), -2.0, np.float32)], method="mse")
    assert ranges(module) == {0: (0.0, 0.0), "x": (-2.0, -2.0)}


@pytest.mark.parametrize(
    "inputs, message",
    [
        ([np.zeros((2, 4), np.int8)], "calibration data: x has dtype int8"),
        ([np.zeros((2, 5), np.float32)], "x has samples of shape [5], expected [4]"),
        ([np.zeros((2, 4)), np.zeros((2, 4))], "@main takes 1 input(s), got 2"),
        ([np.full((2, 4), np.inf)], "x holds 0 NaN and 8 infinite value(s) among 8"),
    ],
)
def test_api_errors_are_user_errors(inputs, message) -> None:
    with pytest.raises(QtcError) as info:
        calibrate_module(parse_module(RELU), inputs)
    assert message in str(info.value)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_an_overflowing_model_names_the_op() -> None:
    module = parse_module(RELU.replace("nn.relu %x", "nn.mul %x, %x"))
    with pytest.raises(QtcError, match=r"%r \(nn.mul\) takes values in \[.*, inf\]"):
        calibrate_module(module, [np.full((1, 4), 1e30, np.float32)])


def test_pass_reads_the_npz_and_reports_failures(tmp_path) -> None:
    path = tmp_path / "calib.npz"
    np.savez(path, x=np.array([[-1, 0, 1, 2]], np.float32))
    module = parse_module(RELU)
    CalibratePass(data=str(path)).apply(Context(), module)
    assert ranges(module) == {0: (0.0, 2.0), "x": (-1.0, 2.0)}
    with pytest.raises(PassFailedException, match="unknown calibration method 'kl'"):
        CalibratePass(data=str(path), method="kl").apply(Context(), module)


class FakeStream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_draws_only_on_a_terminal() -> None:
    quiet = FakeStream(tty=False)
    assert list(progress(range(3), 3, "calibrate", quiet)) == [0, 1, 2]
    assert quiet.getvalue() == ""
    tty = FakeStream(tty=True)
    assert list(progress(range(3), 3, "calibrate", tty)) == [0, 1, 2]
    text = tty.getvalue()
    assert text.startswith("\rcalibrate [") and text.endswith("] 3/3\n")


def test_progress_ends_its_line_when_the_loop_stops_early() -> None:
    tty = FakeStream(tty=True)
    bar = progress(range(10), 10, "verify", tty)
    next(bar)
    bar.close()
    assert tty.getvalue().endswith("] 0/10\n")
