"""Run a qtc module on numpy arrays with xDSL's interpreter.

The `nn` implementations are the float reference, the `qnn` ones the integer reference that
the generated C must match bit for bit. Inputs whose leading axis is a multiple of the entry
function's batch size are run batch by batch and the results concatenated.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.interpreter import Interpreter
from xdsl.interpreters.func import FuncFunctions

from qtc.compiler.errors import QtcError
from qtc.dialects import qnn
from qtc.dialects.dense import numpy_dtype
from qtc.dialects.nn_interpreter import NNFunctions
from qtc.dialects.qnn_interpreter import QNNFunctions

Listener = Interpreter.Listener


@cache
def _blas_controller() -> ThreadpoolController:
    """threadpoolctl's view of the BLAS libraries loaded with numpy (found once: ~15 us a call after)."""
    return ThreadpoolController()


def _one_blas_thread():
    """A context in which numpy's matrix products use one thread.

    The references run one batch (usually one sample) a call, so their products are small: with
    a thread per core OpenBLAS waits for its second thread on every product, which made the
    calibration of a ResNet-8 10-20x slower while another process held the other of 2 cores.
    The results are bit-identical: OpenBLAS splits rows and columns between threads, not sums.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


class InputError(QtcError):
    """Inputs that do not fit the entry function (user error, reported without traceback)."""


def entry_function(module: ModuleOp, name: str | None = None) -> func.FuncOp:
    """The function to run: `name`, else `main`, else the module's only function."""
    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if name is not None:
        found = [f for f in funcs if f.sym_name.data == name]
        if not found:
            names = ", ".join(f.sym_name.data for f in funcs) or "none"
            raise InputError(f"no function @{name} in the module (functions: {names})")
        return found[0]
    for f in funcs:
        if f.sym_name.data == "main":
            return f
    if len(funcs) == 1:
        return funcs[0]
    raise InputError(
        f"the module has {len(funcs)} functions and none is @main: name the one to run"
    )


def make_interpreter(module: ModuleOp, listeners: Sequence[Listener] = ()) -> Interpreter:
    interpreter = Interpreter(module, listeners=tuple(listeners))
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(NNFunctions())
    interpreter.register_implementations(QNNFunctions())
    return interpreter


def _batches(function: func.FuncOp, inputs: Sequence[np.ndarray]) -> tuple[int, list[int]]:
    """(number of batches, each argument's batch size), checked against the signature."""
    arg_types = function.function_type.inputs.data
    if len(inputs) != len(arg_types):
        raise InputError(
            f"@{function.sym_name.data} takes {len(arg_types)} inputs, got {len(inputs)}"
        )
    counts = set()
    for i, (array, arg_type) in enumerate(zip(inputs, arg_types)):
        assert isinstance(arg_type, TensorType)
        shape = tuple(arg_type.get_shape())
        batch = shape[0] if shape else 1
        if array.shape == shape:
            counts.add(1)
        elif shape and array.shape[1:] == shape[1:] and array.shape[0] % batch == 0:
            counts.add(array.shape[0] // batch)
        else:
            raise InputError(
                f"input {i} has shape {list(array.shape)}, but @{function.sym_name.data} "
                f"takes {list(shape)} (a multiple of the batch size on the first axis is run "
                "batch by batch)"
            )
    if len(counts) != 1:
        raise InputError("all inputs must hold the same number of samples")
    sizes = [t.get_shape()[0] if t.get_shape() else 1 for t in arg_types]
    return counts.pop(), sizes


def each_batch(
    module: ModuleOp, inputs: Sequence[np.ndarray], name: str | None, listeners: Sequence[Listener]
):
    """Run the entry function batch by batch (inputs cast to its argument types); yield the results."""
    function = entry_function(module, name)
    arg_types = function.function_type.inputs.data
    arrays = [
        np.asarray(a).astype(numpy_dtype(t.get_element_type()), copy=False)
        for a, t in zip(inputs, arg_types)
    ]
    n_batches, sizes = _batches(function, arrays)
    interpreter = make_interpreter(module, listeners)
    for b in range(n_batches):
        args = tuple(
            a if n_batches == 1 else a[b * size : (b + 1) * size] for a, size in zip(arrays, sizes)
        )
        with _one_blas_thread():
            results = interpreter.call_op(function, args)
        yield [np.asarray(r) for r in results]


def concatenate_runs(runs: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [np.concatenate(parts) for parts in zip(*runs)]


def run(
    module: ModuleOp,
    inputs: Sequence[np.ndarray],
    name: str | None = None,
    listeners: Sequence[Listener] = (),
) -> list[np.ndarray]:
    """Run the entry function on `inputs` (samples along the first axis)."""
    return concatenate_runs(list(each_batch(module, inputs, name, listeners)))


class BoundaryRecorder(Listener):
    """Records the integers that cross the model boundary: `qnn.quantize` results (inputs) and
    `qnn.dequantize` operands (outputs), one list entry a run."""

    def __init__(self) -> None:
        self.inputs: list[list[np.ndarray]] = []
        self.outputs: list[list[np.ndarray]] = []
        self._ins: list[np.ndarray] = []
        self._outs: list[np.ndarray] = []

    def will_interpret_op(self, op, args) -> None:
        if isinstance(op, qnn.DequantizeOp):
            self._outs.append(np.asarray(args[0]))

    def did_interpret_op(self, op, results) -> None:
        if isinstance(op, qnn.QuantizeOp):
            self._ins.append(np.asarray(results[0]))

    def finish_run(self) -> None:
        self.inputs.append(self._ins)
        self.outputs.append(self._outs)
        self._ins, self._outs = [], []


def run_integer(module: ModuleOp, inputs: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The integer inputs and outputs of a quantized module (what its integer C takes and gives)."""
    recorder = BoundaryRecorder()
    for _ in each_batch(module, inputs, None, [recorder]):
        recorder.finish_run()
    return concatenate_runs(recorder.inputs), concatenate_runs(recorder.outputs)
