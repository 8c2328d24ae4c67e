"""`qtc verify OUT --test TEST.npz`: the compiled model against the float model, per output and
per layer, and the generated C against the Python reference.

What runs, on every sample of TEST.npz (key `x`, or `x0`, `x1`, ...; optional `y`: integer
class labels, or one-hot rows):

- the float reference: the `nn` interpreter on `OUT/float.mlir` (the float module after the
  float pipeline, written by `qtc compile`);
- an integer build: the `qnn` interpreter on `OUT/model.mlir` (the bit-exact reference), in
  lock step with the float one, batch by batch. Interpreter listeners capture one batch's
  intermediate values of both modules at a time and fold them into running sums, so no
  sample's intermediates are kept after its batch;
- the generated C, built for this machine with gcc (`host_run.build_host_model`). With integer
  I/O it is fed the integers that the reference's `qnn.quantize` produced and its integers are
  compared with what the reference's `qnn.dequantize` received; with `--io float` it takes the
  float inputs and its floats are compared with the reference's. `bit_exact_mismatches` counts
  the output elements that differ (must be 0). Only models with one input and one output are
  run in C (the host driver's limit); otherwise it is null.

A `--float` build has no integer model: `sqnr_db`, `max_abs_error` and `per_output` compare the
float C with the `nn` interpreter, `bit_exact_mismatches` counts the output elements whose
float32 values differ at all (informational: the C may sum in another order), `int_accuracy` is
null and `per_layer` is empty.

Per-layer matching (integer builds): every value defined by a top-level non-constant op of the
float function is paired with a `qnn` value that has the same `layer` attribute and the same name
hint (the SSA name as the IR parser keeps it, without the printer's `_N` suffix), because
`requantize` names each op's integer result after the float value it lowers, and whose op
implements the float op's kind (`qnn.INTEGER_FORMS`: qnn.dense for nn.dense, qnn.lut for nn.tanh,
qnn.clamp or qnn.requantize for nn.relu, ...), so the `nn.dense` and `nn.softmax` of a Dense
layer with a softmax activation, or a dense and its tanh, each find their own integer value. The
values `requantize` adds (`qnn.quantize`/`dequantize` at the boundary, weights, `%x_rescaled` for
broken classes) have no float twin, except a tanh or sigmoid table retargeted to a broken class
that replaced the value's own table: it takes that table's name and is compared at its own (the
class's) parameters. Among the integer values of a float value's kind and shape, the last is
taken (a lowering that emits several ops, a batch norm's reshape, convolution, reshape, ends
with the value it lowers); several float values of one layer, name and kind take them in
program order, each the last that leaves one for each later float value, and none is compared
when there are fewer integer values than float ones (which would be which is unknown). A
function argument is paired with its `qnn.quantize` (op `input`). The `qnn` value is dequantized
with its qparams, `scale * (q - zero_point)`. A float value without a twin is listed with null
metrics and the reason in `not_compared` (null for compared values): never with another tensor.

Metrics (quantization.md section 9): SQNR = 10 log10(sum x^2 / sum (x - x')^2) over all
elements and samples (null when the error is zero or the float value is all zero), max abs
error, and rmse / LSB (rmse over the scale; about 0.29 for pure rounding noise). Accuracy is the
argmax of the first output against `y`. The model-level `sqnr_db` / `max_abs_error` are over
all outputs of the Python reference (equal to the C's when `bit_exact_mismatches` is 0).

Tolerances (`--max-abs-error`, `--min-sqnr`, `--max-accuracy-drop` in percentage points) apply
to the model outputs; an integer build also fails when its C is not bit-exact. A failure is a
`ToleranceError` (exit 1) naming the worst layer: the lowest per-layer SQNR (for a float build,
the worst output). Results are written before the check: `OUT/verify.json`, the plots, the
`verification` entry of report.json and the Verification section of report.md.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.traits import ConstantLike

from qtc.compiler import interpreter
from qtc.compiler.cli import input_arrays, load_npz
from qtc.compiler.errors import QtcError, UsageError
from qtc.compiler.host_run import build_host_model
from qtc.compiler.progress import progress
from qtc.compiler.report_md import (
    SCATTER_PLOT,
    SQNR_PLOT,
    plot_layer_sqnr,
    plot_output_scatter,
    read_report,
    update_report,
    value_qparams,
    write_json,
)
from qtc.compiler.textual_ir import read_module
from qtc.dialects import qnn
from qtc.dialects.qtc_attrs import QParamsAttr

FLOAT_IR = "float.mlir"
MODEL_IR = "model.mlir"
VERIFY_JSON = "verify.json"
KEYS = (
    "samples", "float_accuracy", "int_accuracy", "sqnr_db", "max_abs_error",
    "bit_exact_mismatches", "per_output", "per_layer",
)
"""The top-level keys of verify.json, in order."""


class ToleranceError(QtcError):
    """The model missed a tolerance (or its C is not bit-exact); `result` is the verify.json data."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = result


# -- error statistics ---------------------------------------------------------------------------


@dataclass
class ErrorStats:
    """Running sums of one compared value over batches."""

    signal: float = 0.0  # sum of x^2
    noise: float = 0.0  # sum of (x - x')^2
    max_abs: float = 0.0
    count: int = 0
    scale: float | None = None  # the LSB of the integer value

    def add(self, reference, approximation) -> None:
        x = np.asarray(reference, np.float64)
        error = x - np.asarray(approximation, np.float64).reshape(x.shape)
        self.signal += float(np.sum(x * x))
        self.noise += float(np.sum(error * error))
        if error.size:
            self.max_abs = max(self.max_abs, float(np.max(np.abs(error))))
        self.count += error.size

    @property
    def sqnr(self) -> float:
        """SQNR in dB; +inf for no error, -inf for error on an all-zero signal."""
        if self.noise == 0:
            return math.inf
        if self.signal == 0:
            return -math.inf
        return 10 * math.log10(self.signal / self.noise)

    @classmethod
    def of(cls, reference, approximation, scale: float | None = None) -> ErrorStats:
        stats = cls(scale=scale)
        stats.add(reference, approximation)
        return stats

    @classmethod
    def merged(cls, parts: list[ErrorStats]) -> ErrorStats:
        return cls(
            signal=sum(p.signal for p in parts),
            noise=sum(p.noise for p in parts),
            max_abs=max((p.max_abs for p in parts), default=0.0),
            count=sum(p.count for p in parts),
        )

    def entry(self, name: str, op: str, value: str) -> dict:
        sqnr = self.sqnr
        rmse = math.sqrt(self.noise / self.count) if self.count else 0.0
        return {
            "name": name,
            "op": op,
            "value": value,
            "sqnr_db": round(sqnr, 3) if math.isfinite(sqnr) else None,
            "max_abs_error": self.max_abs,
            "rmse_lsb": round(rmse / self.scale, 4) if self.scale else None,
        }


def _dequantize(q: np.ndarray, qparams) -> np.ndarray:
    q = np.asarray(q, np.float64)
    if not qparams.per_axis:
        return (q - qparams.zero_point) * qparams.scale
    shape = [1] * q.ndim
    shape[qparams.axis_index] = -1
    scales = np.asarray(qparams.scale_values).reshape(shape)
    zeros = np.asarray(qparams.zero_point_values).reshape(shape)
    return (q - zeros) * scales


# -- pairing float and integer values ---------------------------------------------------------


def _layer(op: Operation) -> str | None:
    attr = op.attributes.get("layer")
    return attr.data if isinstance(attr, StringAttr) else None


def _top_level_values(function: func.FuncOp):
    """(op, result) of every top-level non-constant op of `function`, in program order."""
    for op in function.body.block.ops:
        if isinstance(op, func.ReturnOp) or op.has_trait(ConstantLike):
            continue
        for result in op.results:
            yield op, result


@dataclass
class Pair:
    """One float value (or argument index) and, if found, its integer twin, with their error."""

    name: str
    op: str
    value: str
    float_value: SSAValue | int  # an int: the index of a function argument
    int_value: SSAValue | None
    qparams: QParamsAttr | None
    stats: ErrorStats
    reason: str | None = None  # why there is no twin


def _shape_of(value: SSAValue) -> tuple[int, ...] | None:
    return tuple(value.type.get_shape()) if isinstance(value.type, TensorType) else None


def _twins(values: list[SSAValue], candidates: list[SSAValue], what: str) -> dict[SSAValue, SSAValue | str]:
    """The twin of each float value of one (layer, name, kind) group among the integer values of
    that layer, name and kind (program order both), or why it has none; `what` names them."""
    if len(candidates) < len(values):
        why = f"no {what}" if not candidates else f"{len(values)} float values for {len(candidates)} {what}"
        return dict.fromkeys(values, why)
    twins: dict[SSAValue, SSAValue | str] = {}
    after = -1
    for i, value in enumerate(values):
        last = len(candidates) - (len(values) - i)  # leaves one for each later float value
        fits = [j for j in range(after + 1, last + 1) if _shape_of(candidates[j]) == _shape_of(value)]
        if fits:
            after = fits[-1]
            twins[value] = candidates[after]
        else:
            twins[value] = f"no {what} of shape {list(_shape_of(value) or [])}"
    return twins


def pair_values(float_fn: func.FuncOp, int_fn: func.FuncOp) -> list[Pair]:
    """Float values with their `qnn` twins (see the module docstring for the rule)."""
    groups: dict[tuple, list[tuple[Operation, SSAValue]]] = {}
    quantized_args: dict[int, SSAValue] = {}
    for op, result in _top_level_values(int_fn):
        if isinstance(op, qnn.QuantizeOp) and isinstance(op.input, BlockArgument):
            quantized_args[op.input.index] = result
        elif not isinstance(op, (qnn.QuantizeOp, qnn.DequantizeOp)):
            groups.setdefault((_layer(op), result.name_hint), []).append((op, result))
    float_groups: dict[tuple, list[SSAValue]] = {}
    for op, result in _top_level_values(float_fn):
        float_groups.setdefault((_layer(op), result.name_hint, op.name), []).append(result)
    twins: dict[SSAValue, SSAValue | str] = {}
    for (layer, hint, kind), values in float_groups.items():
        candidates = [r for op, r in groups.get((layer, hint), []) if qnn.implements(op.name, kind)]
        forms = " or ".join(qnn.INTEGER_FORMS.get(kind, ["integer form"]))
        twins.update(_twins(values, candidates, f"{forms} with layer {layer!r} and name %{hint}"))

    def pair(name: str, op: str, value: SSAValue, float_value, twin: SSAValue | str) -> Pair:
        qparams = value_qparams(twin) if isinstance(twin, SSAValue) else None
        if isinstance(twin, SSAValue) and qparams is None:
            twin = f"%{twin.name_hint} ({twin.owner.name}) has no qparams"
        reason = twin if isinstance(twin, str) else None
        return Pair(name, op, f"%{value.name_hint}", float_value, None if reason else twin, qparams,
                    ErrorStats(scale=_lsb(qparams)), reason)

    pairs = [
        pair(arg.name_hint or f"arg{i}", "input", arg, i, quantized_args.get(i, "no qnn.quantize of this argument"))
        for i, arg in enumerate(float_fn.body.block.args)
    ]
    for op, result in _top_level_values(float_fn):
        pairs.append(pair(_layer(op) or result.name_hint or op.name, op.name, result, result, twins[result]))
    return pairs


def _lsb(qparams: QParamsAttr | None) -> float | None:
    return qparams.scale if qparams is not None and not qparams.per_axis else None


class Capture(interpreter.Listener):
    """Keeps the values in `wanted` (by id) that the batch being run computes."""

    def __init__(self, wanted) -> None:
        self.wanted = {id(v) for v in wanted}
        self.values: dict[int, np.ndarray] = {}

    def did_interpret_op(self, op, results) -> None:
        for value, result in zip(op.results, results):
            if id(value) in self.wanted:
                self.values[id(value)] = np.asarray(result)


# -- the run ----------------------------------------------------------------------------------


def _test_data(test, count: int) -> tuple[list[np.ndarray], np.ndarray | None, str]:
    """(inputs, labels or None, description) from an .npz path, a mapping or an array."""
    if isinstance(test, (str, os.PathLike)):
        path = str(test)
        data = load_npz(path, "test")
    else:
        path = "test data"
        data = dict(test) if isinstance(test, Mapping) else {"x": test}
    inputs = input_arrays(data, count, path)
    labels = data.get("y")
    return inputs, (None if labels is None else np.asarray(labels)), path


def accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of `outputs` (classes on the last axis) against labels or one-hot rows."""
    labels = np.asarray(labels)
    if labels.shape == outputs.shape:
        labels = np.argmax(labels, axis=-1)
    predicted = np.argmax(outputs, axis=-1)
    if labels.size != predicted.size:
        raise QtcError(
            f"the labels y have shape {list(labels.shape)}, but the model gives "
            f"{list(predicted.shape)} predictions (argmax of outputs {list(outputs.shape)})"
        )
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise QtcError("the labels y must be integer class indices (or one-hot rows)")
    classes = outputs.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise QtcError(
            f"the labels y range over [{int(labels.min())}, {int(labels.max())}], but the model "
            f"has {classes} output classes: give class indices in [0, {classes - 1}]"
        )
    return float(np.mean(predicted == labels.reshape(predicted.shape).astype(np.int64)))


def _read_ir(out_dir: str, file: str) -> ModuleOp:
    path = os.path.join(out_dir, file)
    if not os.path.isfile(path):
        raise QtcError(f"{out_dir}: no {file}; compile the model again with this qtc (`qtc compile`)")
    return read_module(path)


def _output_meta(function: func.FuncOp) -> list[tuple[str, str, str]]:
    """(layer name, op, value) of each returned float value."""
    returned = function.body.block.last_op
    assert isinstance(returned, func.ReturnOp)
    meta = []
    for v in returned.arguments:
        if isinstance(v.owner, Operation):
            meta.append((_layer(v.owner) or v.name_hint or v.owner.name, v.owner.name, f"%{v.name_hint}"))
        else:
            meta.append((v.name_hint or "input", "input", f"%{v.name_hint}"))
    return meta


def _run_references(float_mod: ModuleOp, int_mod: ModuleOp | None, inputs: list[np.ndarray]):
    """Run the float module (and the integer one, in lock step) batch by batch.

    Returns (float outputs, integer model outputs or None, boundary recorder or None, pairs).
    """
    float_fn = interpreter.entry_function(float_mod)
    first = float_fn.function_type.inputs.data[0]
    assert isinstance(first, TensorType)
    batch = first.get_shape()[0] if first.get_shape() else 1
    total = max(1, len(inputs[0]) // max(batch, 1))
    pairs: list[Pair] = []
    float_runs = interpreter.each_batch(float_mod, inputs, None, ())
    if int_mod is None:
        runs = list(progress(float_runs, total, "verify: float reference"))
        return interpreter.concatenate_runs(runs), None, None, pairs
    pairs = pair_values(float_fn, interpreter.entry_function(int_mod))
    compared = [p for p in pairs if p.int_value is not None]
    float_capture = Capture(p.float_value for p in compared if not isinstance(p.float_value, int))
    int_capture = Capture(p.int_value for p in compared)
    recorder = interpreter.BoundaryRecorder()
    float_runs = interpreter.each_batch(float_mod, inputs, None, [float_capture])
    int_runs = interpreter.each_batch(int_mod, inputs, None, [int_capture, recorder])
    float_outputs, int_outputs = [], []
    runs = progress(zip(float_runs, int_runs), total, "verify: float and integer references")
    for b, (f_out, q_out) in enumerate(runs):
        recorder.finish_run()
        float_outputs.append(f_out)
        int_outputs.append(q_out)
        rows = slice(None) if total == 1 else slice(b * batch, (b + 1) * batch)
        for p in compared:
            if isinstance(p.float_value, int):  # a function argument: the input itself
                reference = np.asarray(inputs[p.float_value][rows], np.float32)
            else:
                reference = float_capture.values[id(p.float_value)]
            p.stats.add(reference, _dequantize(int_capture.values[id(p.int_value)], p.qparams))
        float_capture.values.clear()
        int_capture.values.clear()
    return interpreter.concatenate_runs(float_outputs), interpreter.concatenate_runs(int_outputs), recorder, pairs


def _run_c(out_dir: str, name: str, c_inputs: list[np.ndarray], like: list[np.ndarray]):
    """The C's outputs on `c_inputs` (shaped and typed like `like`), built for this machine;
    None (with a warning) for a model the host driver cannot run."""
    if len(c_inputs) != 1 or len(like) != 1:
        print(
            f"warning: the model has {len(c_inputs)} inputs and {len(like)} outputs; the host "
            "driver runs models with one of each, so the C was not run",
            file=sys.stderr,
        )
        return None
    (x,), (want,) = c_inputs, like
    with tempfile.TemporaryDirectory(prefix="qtc-verify-") as build_dir:
        host = build_host_model(
            out_dir, x.shape[1:], x.dtype, want.shape[1:], want.dtype, name=name, build_dir=build_dir
        )
        return [host.run(x).reshape(want.shape)]


def _mismatches(got: list[np.ndarray] | None, want: list[np.ndarray]) -> int | None:
    """Output elements of the C that differ from the reference at all (None: C not run)."""
    if got is None:
        return None
    return int(sum(np.count_nonzero(g != w) for g, w in zip(got, want)))


def _check(result: dict, overall: ErrorStats, worst: dict | None, what: str, tolerances: dict,
           float_build: bool) -> list[str]:
    failures = []
    limit = tolerances.get("max_abs_error")
    if limit is not None and overall.max_abs > limit:
        failures.append(f"max abs error {overall.max_abs:.4g} > {limit:g}")
    limit = tolerances.get("min_sqnr_db")
    if limit is not None and overall.sqnr < limit:
        failures.append(f"SQNR {overall.sqnr:.2f} dB < {limit:g} dB")
    limit = tolerances.get("max_accuracy_drop_pp")
    if limit is not None and result["int_accuracy"] is not None:
        drop = 100 * (result["float_accuracy"] - result["int_accuracy"])
        if drop > limit:
            failures.append(f"accuracy drop {drop:.2f} percentage points > {limit:g}")
    if not float_build and result["bit_exact_mismatches"]:
        failures.append(
            f"the C differs from the Python reference in {result['bit_exact_mismatches']} output elements"
        )
    if failures and worst is not None:
        sqnr = "no SQNR" if worst["sqnr_db"] is None else f"SQNR {worst['sqnr_db']:.2f} dB"
        failures.append(
            f"worst {what}: '{worst['name']}' ({worst['op']} {worst['value']}, {sqnr}, "
            f"max abs error {worst['max_abs_error']:.4g})"
        )
    return failures


def _worst(entries: list[dict], stats: list[ErrorStats]) -> dict | None:
    """The entry with the lowest SQNR (first in program order on ties)."""
    scored = [(s.sqnr, i) for i, s in enumerate(stats) if s.count]
    if not scored:
        return None
    return entries[min(scored)[1]]


def verify_output(
    out_dir: str,
    test,
    *,
    max_abs_error: float | None = None,
    min_sqnr: float | None = None,
    max_accuracy_drop: float | None = None,
    samples: int | None = None,
) -> dict:
    """Verify the `qtc compile` folder `out_dir` on `test` (an .npz path, a mapping with `x`
    and optionally `y`, or an array); returns the verify.json data (see the module docstring).

    Raises `ToleranceError` when a tolerance is exceeded, after writing every result file.
    """
    report = read_report(out_dir)
    float_build = report.get("bits") == "float"
    float_mod = _read_ir(out_dir, FLOAT_IR)
    int_mod = None if float_build else _read_ir(out_dir, MODEL_IR)
    float_fn = interpreter.entry_function(float_mod)
    inputs, labels, test_name = _test_data(test, len(float_fn.function_type.inputs.data))
    if samples is not None:
        if samples < 1:
            raise UsageError(f"--samples must be at least 1, got {samples}")
        inputs = [x[:samples] for x in inputs]
        labels = None if labels is None else labels[:samples]
    if max_accuracy_drop is not None and (labels is None or float_build):
        raise UsageError(
            "--max-accuracy-drop needs labels (key y in the test file) and an integer build"
        )
    count = len(inputs[0])
    if count == 0:
        raise QtcError(f"{test_name}: the test set has no samples")

    float_out, int_out, recorder, pairs = _run_references(float_mod, int_mod, inputs)
    meta = _output_meta(float_fn)
    name = report.get("model", "model")
    if float_build:
        c_out = _run_c(out_dir, name, [np.asarray(x, np.float32) for x in inputs], float_out)
        mismatches = _mismatches(c_out, float_out)
        under_test = float_out if c_out is None else c_out
        out_qparams = [None] * len(meta)
    else:
        under_test = int_out
        returned = interpreter.entry_function(int_mod).body.block.last_op.arguments
        out_qparams = [v.owner.qparams if isinstance(v.owner, qnn.DequantizeOp) else None for v in returned]
        if report.get("io") == "float":
            c_in, want = [np.asarray(x, np.float32) for x in inputs], int_out
        else:
            c_in = interpreter.concatenate_runs(recorder.inputs)
            want = interpreter.concatenate_runs(recorder.outputs)
        mismatches = _mismatches(_run_c(out_dir, name, c_in, want), want)

    output_stats = [
        ErrorStats.of(ref, other, _lsb(q)) for ref, other, q in zip(float_out, under_test, out_qparams)
    ]
    per_output = [s.entry(*m) for s, m in zip(output_stats, meta)]
    per_layer = [p.stats.entry(p.name, p.op, p.value) for p in pairs]
    for entry, p in zip(per_layer, pairs):
        if p.reason is not None:
            entry.update(sqnr_db=None, max_abs_error=None, rmse_lsb=None)
        entry["not_compared"] = p.reason
    overall = ErrorStats.merged(output_stats)
    result = {
        "samples": count,
        "float_accuracy": None if labels is None else accuracy(float_out[0], labels),
        "int_accuracy": None if labels is None or float_build else accuracy(int_out[0], labels),
        "sqnr_db": round(overall.sqnr, 3) if math.isfinite(overall.sqnr) else None,
        "max_abs_error": overall.max_abs,
        "bit_exact_mismatches": mismatches,
        "per_output": per_output,
        "per_layer": per_layer,
    }
    assert tuple(result) == KEYS

    plots = []
    if plot_layer_sqnr(per_layer, os.path.join(out_dir, SQNR_PLOT)):
        plots.append(SQNR_PLOT)
    label = "float C output" if float_build else "integer model output (dequantized)"
    if plot_output_scatter(np.concatenate([o.reshape(-1) for o in float_out]),
                           np.concatenate([o.reshape(-1) for o in under_test]),
                           os.path.join(out_dir, SCATTER_PLOT), label):
        plots.append(SCATTER_PLOT)
    tolerances = {
        "max_abs_error": max_abs_error,
        "min_sqnr_db": min_sqnr,
        "max_accuracy_drop_pp": max_accuracy_drop,
    }
    if float_build:
        worst, what = _worst(per_output, output_stats), "output"
    else:
        worst, what = _worst(per_layer, [p.stats for p in pairs]), "layer"
    failures = _check(result, overall, worst, what, tolerances, float_build)
    write_json(os.path.join(out_dir, VERIFY_JSON), result)
    update_report(
        out_dir,
        verification={**result, "test": test_name, "tolerances": tolerances, "passed": not failures,
                      "plots": plots},
    )
    if failures:
        raise ToleranceError(f"{out_dir}: verification failed: " + "; ".join(failures), result)
    return result

