"""`qtc`: the user-facing command.

    qtc compile MODEL.keras --float -o OUT        Keras model -> OUT/model.c, model.h, model.mlir, report.json
    qtc run MODEL.mlir --input X.npz -o Y.npz     run a module at any stage on numpy data
    qtc verify OUT --test TEST.npz                float vs integer model vs C -> OUT/verify.json, report.md

Every user mistake ends in one `error: ...` line on stderr and a non-zero exit code; outputs
are written through a temporary file and renamed, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import zipfile

import numpy as np
from xdsl.utils.exceptions import DiagnosticException, ParseError

from qtc.compiler.errors import QtcError
from qtc.compiler.files import write_atomically


def load_npz(path: str, what: str) -> dict[str, np.ndarray]:
    """All arrays of an `.npz` file, with a clear error for a missing or malformed file."""
    if not os.path.isfile(path):
        raise QtcError(f"{path}: {what} file not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise QtcError(f"{path}: not a readable .npz file ({e}); save {what} with numpy.savez") from e


def save_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write an `.npz` atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomically(path, buffer.getvalue())


def input_arrays(data: dict[str, np.ndarray], count: int, path: str) -> list[np.ndarray]:
    """The inputs of a function with `count` arguments: key `x`, or `x0`, `x1`, ..."""
    keys = ["x"] if count == 1 else [f"x{i}" for i in range(count)]
    missing = [k for k in keys if k not in data]
    if missing:
        raise QtcError(
            f"{path}: expected key(s) {', '.join(keys)} for a function with {count} input(s), "
            f"found {', '.join(data) or 'no arrays'}"
        )
    return [data[k] for k in keys]


def cmd_run(args: argparse.Namespace) -> None:
    from qtc.compiler import interpreter
    from qtc.compiler.textual_ir import read_module

    if not os.path.isfile(args.model):
        raise QtcError(f"{args.model}: model file not found")
    module = read_module(args.model)
    function = interpreter.entry_function(module, args.function)
    count = len(function.function_type.inputs.data)
    inputs = input_arrays(load_npz(args.input, "input"), count, args.input)
    outputs = interpreter.run(module, inputs, args.function)
    names = ["y"] if len(outputs) == 1 else [f"y{i}" for i in range(len(outputs))]
    save_npz(args.output, dict(zip(names, outputs)))
    for name, y in zip(names, outputs):
        print(f"{name}: shape {list(y.shape)} {y.dtype} -> {args.output}")


def cmd_compile(args: argparse.Namespace) -> None:
    from qtc.compiler.build import compile_model

    bits = "float" if args.float else args.bits
    report = compile_model(
        args.model,
        args.output,
        bits=bits,
        calibration=args.calibration,
        calibration_method=args.calibration_method,
        rounding=args.rounding,
        weight_rounding=args.weight_rounding,
        io=args.io,
        name=args.name,
        preprocess=args.preprocess,
    )
    print(
        f"{args.model}: {len(report['layers'])} ops, {report['params']} parameters, "
        f"{report['macs']} MACs, arena {report['ram']['arena_bytes']} bytes -> {args.output}/"
    )


def cmd_verify(args: argparse.Namespace) -> None:
    from qtc.compiler.verify import ToleranceError, verify_output

    try:
        result = verify_output(
            args.output_dir,
            args.test,
            max_abs_error=args.max_abs_error,
            min_sqnr=args.min_sqnr,
            max_accuracy_drop=args.max_accuracy_drop,
            samples=args.samples,
        )
    except ToleranceError as e:
        result, failure = e.result, e
    else:
        failure = None

    def number(v, fmt: str) -> str:
        return "n/a" if v is None else format(v, fmt)

    print(
        f"{args.output_dir}: {result['samples']} samples, accuracy float "
        f"{number(result['float_accuracy'], '.4f')} / integer {number(result['int_accuracy'], '.4f')}, "
        f"SQNR {number(result['sqnr_db'], '.2f')} dB, max abs error {result['max_abs_error']:.4g}, "
        f"C mismatches {number(result['bit_exact_mismatches'], 'd')} -> {args.output_dir}/verify.json"
    )
    if failure is not None:
        raise failure


def cmd_cost(args: argparse.Namespace) -> None:
    from qtc.compiler import cost
    from qtc.compiler.progress import progress

    report = cost.read_report(args.output_dir)
    targets = list(dict.fromkeys(args.cpu or cost.DEFAULT_TARGETS))
    cost.require_python_packages()
    cost.toolchain()
    costs = {}
    for cpu in progress(targets, len(targets), "qtc cost"):
        costs[cost.target_name(cpu)] = cost.measure_cost(args.output_dir, cpu, report.get("model", "model"))
    cost.write_costs(args.output_dir, costs)
    print(cost.cost_table(report, costs))
    print(f"-> {args.output_dir}/report.json (cost)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qtc", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    compile_ = commands.add_parser("compile", help="compile a Keras model to C")
    compile_.add_argument("model", help="Keras model (.keras or .h5)")
    compile_.add_argument("-o", "--output", required=True, help="output folder")
    compile_.add_argument("--float", action="store_true", help="float32 build (no calibration)")
    compile_.add_argument(
        "--bits", choices=["8", "16", "16x8"], default="8",
        help="integer build: int8, int16, or int16 activations with int8 weights (default 8)",
    )
    compile_.add_argument("--calibration", help=".npz of representative inputs (key x) for integer builds")
    compile_.add_argument(
        "--calibration-method", choices=["minmax", "percentile", "mse"], default="minmax",
        help="how calibration turns observed values into ranges (default minmax)",
    )
    compile_.add_argument(
        "--rounding", choices=["double", "single"], default="double",
        help="fixed-point rescale rounding: TFLite's double rounding (default) or single",
    )
    compile_.add_argument(
        "--weight-rounding", choices=["nearest", "gptq"],
        help="integer weights rounded to nearest, or chosen on the calibration data to minimise "
        "each layer's output error (GPTQ); default gptq for 16x8, nearest for 8 and 16",
    )
    compile_.add_argument(
        "--io", choices=["int", "float"], default="int",
        help="integer build's C inputs/outputs: the model's integers (default) or float converted in C",
    )
    compile_.add_argument("--name", default="model", help="C prefix and file name (default: model)")
    compile_.add_argument(
        "--preprocess", metavar="PRE.json",
        help="pre-processing of raw sensor windows (normalize, FFT) and a streaming window in the C; "
        "the calibration data then holds raw windows [n, length, channels]",
    )
    compile_.set_defaults(handler=cmd_compile)

    run = commands.add_parser("run", help="run a module (any stage) on inputs from an .npz file")
    run.add_argument("model", help="textual IR (.mlir)")
    run.add_argument("--input", required=True, help=".npz with key x (or x0, x1, ...)")
    run.add_argument("-o", "--output", required=True, help=".npz to write (key y or y0, y1, ...)")
    run.add_argument("--function", help="function to run (default: @main or the only one)")
    run.set_defaults(handler=cmd_run)

    verify = commands.add_parser(
        "verify", help="check a compiled folder: float vs integer model vs C (verify.json, report.md)"
    )
    verify.add_argument("output_dir", metavar="OUT", help="folder written by qtc compile -o")
    verify.add_argument("--test", required=True, help=".npz with key x (or x0, x1, ...) and optional labels y")
    verify.add_argument("--max-abs-error", type=float, help="fail (exit 1) above this output error")
    verify.add_argument("--min-sqnr", type=float, metavar="DB", help="fail (exit 1) below this output SQNR")
    verify.add_argument(
        "--max-accuracy-drop", type=float, metavar="PP",
        help="fail (exit 1) if the integer accuracy is this many percentage points below the float one",
    )
    verify.add_argument("--samples", type=int, help="use only the first N samples of the test set")
    verify.set_defaults(handler=cmd_verify)

    cost = commands.add_parser(
        "cost", help="measured Cortex-M instructions, modelled cycles, flash and RAM of a compiled folder"
    )
    cost.add_argument("output_dir", metavar="OUT", help="folder written by qtc compile -o")
    cost.add_argument(
        "--cpu", action="append", choices=["cortex-m0", "cortex-m3", "cortex-m4", "cortex-m4f"],
        help="core to measure (repeatable; default cortex-m0, cortex-m3 and cortex-m4; "
        "cortex-m4f is the M4 with hardware float)",
    )
    cost.set_defaults(handler=cmd_cost)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except QtcError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except (ParseError, DiagnosticException) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
