"""calibrate: a `#qtc.range` on every value, from running the float model on calibration data.

The statistics are folded batch by batch, so memory grows with the batch size and the number
of values, never with the number of samples:

- pass 1 keeps each value's running min and max;
- pass 2 (`percentile`, `mse`) runs the data again and counts each value into a histogram of
  `bins` equal bins over [min, max]; the range is then chosen from the histogram.

Ranges are what was observed (or clipped from it), so they need not contain 0.0; the
quantization solver widens them to hold 0 exactly. The `mse` error model assumes that
widening.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from qtc.compiler.cli import input_arrays, load_npz
from qtc.compiler.errors import QtcError
from qtc.compiler.interpreter import InputError, Listener, entry_function, run
from qtc.compiler.progress import progress
from qtc.dialects import nn
from qtc.dialects.annotations import CELL_RANGE, RANGE, set_annotation, value_label
from qtc.dialects.dense import dense_to_numpy
from qtc.dialects.nn_interpreter import lstm_states
from qtc.dialects.qtc_attrs import RangeAttr, storage_range

METHODS = ("minmax", "percentile", "mse")

MSE_BITS = 8
"""Width of the quantizer whose error `mse` minimises (the int8 build's activations)."""


class ValueStats:
    """What calibration keeps of one value: its min and max, then a histogram over them."""

    __slots__ = ("counts", "hi", "lo")

    def __init__(self) -> None:
        self.lo = np.inf
        self.hi = -np.inf
        self.counts: np.ndarray | None = None

    def add_extrema(self, x: np.ndarray) -> None:
        # np.minimum, not min(): a NaN must stick, to be reported rather than skipped.
        self.lo = float(np.minimum(self.lo, x.min()))
        self.hi = float(np.maximum(self.hi, x.max()))

    def add_histogram(self, x: np.ndarray, bins: int) -> None:
        """Count `x` into `bins` equal bins over [lo, hi] (nothing to count if lo == hi)."""
        if self.lo == self.hi:
            return
        if self.counts is None:
            self.counts = np.zeros(bins, np.int64)
        self.counts += np.histogram(x, bins, (self.lo, self.hi))[0]

    def edges(self) -> np.ndarray:
        return np.linspace(self.lo, self.hi, len(self.counts) + 1)

    def calibrated_range(self, method: str, percentile: float) -> tuple[float, float]:
        if self.counts is None:
            return self.lo, self.hi
        if method == "percentile":
            return percentile_range(self.counts, self.edges(), percentile)
        return mse_range(self.counts, self.edges())


def percentile_range(
    counts: np.ndarray, edges: np.ndarray, percentile: float
) -> tuple[float, float]:
    """Drop whole bins from each end while they hold at most (100 - p) / 2 % of the samples.

    The range runs from the left edge of the first kept bin to the right edge of the last,
    so it never clips inside the bin that holds the cut and stays within [min, max].
    """
    cut = counts.sum() * (100.0 - percentile) / 200.0
    first = int(np.argmax(np.cumsum(counts) > cut))
    last = len(counts) - 1 - int(np.argmax(np.cumsum(counts[::-1]) > cut))
    return float(edges[first]), float(edges[last + 1])


def mse_range(counts: np.ndarray, edges: np.ndarray) -> tuple[float, float]:
    """The [a, b] of histogram edges that minimises the expected int8 error of the quantizer.

    Both ends are searched independently, over every pair of edges with a <= z <= b, where z
    is 0 clipped to [min, max] (moving an end past 0 cannot shrink a grid that must hold 0).
    The error of a candidate, for a grid over [min(a, 0), max(b, 0)] with step s, is the
    clipping error of the bins outside [a, b] (taken at their centers) plus s^2 / 12 for each
    sample inside. Prefix sums make each candidate O(1); there are up to (bins / 2 + 1)^2 of
    them (1M for 2048 bins, a few milliseconds).
    """
    centers = (edges[:-1] + edges[1:]) / 2
    zeros = np.zeros(1)
    n0, n1, n2 = (np.concatenate([zeros, np.cumsum(counts * centers**k)]) for k in range(3))
    zero = min(max(0.0, edges[0]), edges[-1])
    i = np.flatnonzero(edges <= zero)[:, None]  # candidate lower ends (column)
    j = np.flatnonzero(edges >= zero)[None, :]  # candidate upper ends (row)
    a, b = edges[i], edges[j]
    clip_below = n2[i] - 2 * a * n1[i] + a * a * n0[i]
    clip_above = (n2[-1] - n2[j]) - 2 * b * (n1[-1] - n1[j]) + b * b * (n0[-1] - n0[j])
    qmin, qmax = storage_range(MSE_BITS)
    step = (np.maximum(b, 0.0) - np.minimum(a, 0.0)) / (qmax - qmin)
    error = clip_below + clip_above + (n0[j] - n0[i]) * step * step / 12
    row, col = np.unravel_index(int(np.argmin(error)), error.shape)
    return float(a[row, 0]), float(b[0, col])


@dataclass(frozen=True)
class CellState:
    """The statistics key of an `nn.lstm`'s cell state (calibrated, but not an op result)."""

    op: nn.LSTMOp


def _label(key: Hashable) -> str:
    if isinstance(key, CellState):
        return f"the cell state of {value_label(key.op.result)}"
    return value_label(key)


class _Collector(Listener):
    """Keeps the results of every non-constant `nn` op, and the cell states of every `nn.lstm`
    (from `lstm_states`, a second float run of the layer), until the batch is folded."""

    def __init__(self) -> None:
        self.pending: dict[Hashable, list[np.ndarray]] = {}

    def will_interpret_op(self, op: Operation, args: Sequence[object]) -> None:
        if isinstance(op, nn.LSTMOp):
            cells = lstm_states(op, *(np.asarray(a, np.float64) for a in args))[1]
            self.pending.setdefault(CellState(op), []).append(np.stack(cells, axis=1))

    def did_interpret_op(self, op: Operation, results: Sequence[object]) -> None:
        if isinstance(op, nn.NNOp) and not isinstance(op, nn.ConstantOp):
            self.pending.setdefault(op.results[0], []).append(np.asarray(results[0]))


def collect_statistics(
    module: ModuleOp,
    inputs: Sequence[np.ndarray],
    histogram_bins: int | None = None,
    batch_size: int = 64,
) -> dict[Hashable, ValueStats]:
    """Statistics of the entry function's arguments, op results and LSTM cell states
    (`CellState` keys) over checked `inputs`.

    With `histogram_bins`, a second run over the data fills the histograms.
    """
    function = entry_function(module)
    stats: dict[Hashable, ValueStats] = {}
    _sweep(module, function, inputs, batch_size, stats, ValueStats.add_extrema, "calibrate")
    for value, s in stats.items():
        if not (np.isfinite(s.lo) and np.isfinite(s.hi)):
            raise QtcError(
                f"{_label(value)} takes values in [{s.lo}, {s.hi}] on the "
                "calibration data: the float model overflows or makes NaN; check its weights "
                "and the data's scale"
            )
    if histogram_bins is not None:
        _sweep(
            module,
            function,
            inputs,
            batch_size,
            stats,
            lambda s, x: s.add_histogram(x, histogram_bins),
            "calibrate (histograms)",
        )
    return stats


def _sweep(
    module: ModuleOp,
    function: func.FuncOp,
    inputs: Sequence[np.ndarray],
    batch_size: int,
    stats: dict[Hashable, ValueStats],
    fold: Callable[[ValueStats, np.ndarray], None],
    label: str,
) -> None:
    """Run the data batch by batch and `fold` each value's batch into its statistics."""
    batch = nn.shape_of(function.args[0])[0]
    step = -(-batch_size // batch) * batch  # whole calls of the function
    starts = range(0, len(inputs[0]), step)
    collector = _Collector()
    for start in progress(starts, len(starts), label):
        arrays = [x[start : start + step] for x in inputs]
        run(module, arrays, function.sym_name.data, [collector])
        for arg, x in zip(function.args, arrays):
            fold(stats.setdefault(arg, ValueStats()), x)
        for value, results in collector.pending.items():
            fold(
                stats.setdefault(value, ValueStats()), np.concatenate([r.ravel() for r in results])
            )
        collector.pending.clear()


def _check_options(method: str, percentile: float, batch_size: int, bins: int) -> None:
    if method not in METHODS:
        raise QtcError(f"unknown calibration method '{method}': use one of {', '.join(METHODS)}")
    if not 50.0 < percentile <= 100.0:
        raise QtcError(
            f"percentile {percentile} is outside (50, 100]: it is the share of samples kept, "
            "e.g. 99.99"
        )
    if batch_size < 1 or bins < 1:
        raise QtcError(f"batch_size ({batch_size}) and bins ({bins}) must be at least 1")


def _checked_inputs(
    function: func.FuncOp, inputs: Sequence[np.ndarray], source: str
) -> list[np.ndarray]:
    """`inputs` as float32 arrays of whole samples, or an error saying what is wrong."""
    args = function.args
    if not args:
        raise InputError(f"@{function.sym_name.data} takes no inputs: nothing to calibrate")
    if len(inputs) != len(args):
        raise InputError(
            f"{source}: @{function.sym_name.data} takes {len(args)} input(s), got {len(inputs)}"
        )
    names = ["x"] if len(args) == 1 else [f"x{i}" for i in range(len(args))]
    checked = []
    for name, array, arg in zip(names, map(np.asarray, inputs), args):
        where, shape = f"{source}: {name}", nn.shape_of(arg)
        if not np.issubdtype(array.dtype, np.floating):
            raise InputError(
                f"{where} has dtype {array.dtype}: calibration data must be float (save float32)"
            )
        if array.ndim != len(shape) or list(array.shape[1:]) != shape[1:]:
            raise InputError(
                f"{where} has samples of shape {list(array.shape[1:])}, expected {shape[1:]} "
                f"(array shape [N, {', '.join(map(str, shape[1:]))}] for @{function.sym_name.data} "
                f"input {shape}, batch first)"
            )
        if len(array) == 0:
            raise InputError(f"{where} holds no samples: give at least one")
        if len(array) % shape[0]:
            raise InputError(
                f"{where} holds {len(array)} samples, not a multiple of the function's batch "
                f"size {shape[0]}"
            )
        nan, inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
        if nan or inf:
            raise InputError(
                f"{where} holds {nan} NaN and {inf} infinite value(s) among {array.size}: "
                "remove or repair those samples"
            )
        checked.append(array.astype(np.float32, copy=False))
    if len({len(a) for a in checked}) > 1:
        counts = ", ".join(f"{n}: {len(a)}" for n, a in zip(names, checked))
        raise InputError(f"{source}: inputs hold different numbers of samples ({counts})")
    return checked


def calibrate_module(
    module: ModuleOp,
    inputs: Sequence[np.ndarray],
    method: str = "minmax",
    percentile: float = 99.99,
    batch_size: int = 64,
    bins: int = 2048,
    source: str = "calibration data",
) -> None:
    """Put a `#qtc.range` on every value of the entry function, in place.

    `inputs` holds one array per function argument, batch first; `source` names them in errors
    (a `QtcError`). Constants get the min and max of their elements whatever the method, and
    so does the cell state of each `nn.lstm` (its `cell_range`: the integer cell is int16 at a
    power-of-two scale, where clipping buys nothing).
    """
    _check_options(method, percentile, batch_size, bins)
    function = entry_function(module)
    inputs = _checked_inputs(function, inputs, source)
    stats = collect_statistics(module, inputs, None if method == "minmax" else bins, batch_size)
    ranges = {
        v: RangeAttr(
            *((s.lo, s.hi) if isinstance(v, CellState) else s.calibrated_range(method, percentile))
        )
        for v, s in stats.items()
    }
    for op in function.walk():
        if isinstance(op, nn.ConstantOp):
            values = dense_to_numpy(op.value)
            ranges[op.result] = RangeAttr(values.min(), values.max())
    for value, attr in ranges.items():
        if isinstance(value, CellState):
            value.op.attributes[CELL_RANGE] = attr
        else:
            set_annotation(value, RANGE, attr)


@dataclass(frozen=True)
class CalibratePass(ModulePass):
    """Annotate every value with the range it takes on calibration data (`#qtc.range`).

    Needs: `nn` ops and `data`, an .npz with key `x` (`x0`, `x1`, ... for several arguments)
    holding float samples for @main (or the only function), batch first. Quote the path:
    `-p 'calibrate{data="calib.npz" method=percentile percentile=99.9}'`. `method` is
    `minmax` (global min and max), `percentile` (cut (100 - `percentile`) / 2 % of the samples
    on each side, from a histogram of `bins` bins) or `mse` (the clipping that minimises the
    expected int8 error under that histogram). Leaves: `range` on every op and `qtc.range` on
    every argument of that function: observed ranges, not widened to contain 0; and
    `cell_range` on every `nn.lstm`: the min and max of its cell state.

        func.func @main(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
          %r = nn.relu %x : tensor<1x2xf32>
    ->
        func.func @main(%x: tensor<1x2xf32> {qtc.range = #qtc.range<-2.0, 2.0>}) -> tensor<1x2xf32> {
          %r = nn.relu %x {range = #qtc.range<0.0, 2.0>} : tensor<1x2xf32>
    """

    name = "calibrate"

    data: str
    method: str = "minmax"
    percentile: float | int = 99.99  # `| int`: the command line may say `percentile=100`
    batch_size: int = 64
    bins: int = 2048

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        try:
            count = len(entry_function(op).args)
            inputs = input_arrays(load_npz(self.data, "calibration data"), count, self.data)
            calibrate_module(
                op, inputs, self.method, self.percentile, self.batch_size, self.bins, self.data
            )
        except QtcError as e:
            raise PassFailedException(f"calibrate: {e}") from e
