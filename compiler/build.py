"""`qtc compile`: a Keras model to `OUT/` (C sources, final IR, report), written atomically.

The output folder is assembled in a temporary sibling folder and renamed into place only
when every step succeeded, so an error never leaves a half-written `OUT/`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import PassPipeline

from qtc.compiler.cli import input_arrays, load_npz
from qtc.compiler.emit_c import generate_c
from qtc.compiler.errors import QtcError, UsageError
from qtc.compiler.keras_frontend import import_keras
from qtc.compiler.report import layer_table
from qtc.compiler.report_md import inserted_requantizes, render_report_md
from qtc.compiler.interpreter import entry_function
from qtc.compiler.textual_ir import make_context, print_module
from qtc.dialects.annotations import from_attribute
from qtc.passes import FLOAT_PIPELINE, get_all_passes
from qtc.passes.calibrate import calibrate_module
from qtc.passes.propagate_contracts import RECORD as CONTRACTS_RECORD
from qtc.passes.round_weights import DEFAULT_METHOD, round_weights_module


def run_pipeline(module: ModuleOp, pipeline: str, ctx: Context | None = None) -> None:
    """Apply a comma-separated pass pipeline (qtc-opt syntax) to `module` in place."""
    PassPipeline.parse_spec(get_all_passes(), pipeline).apply(ctx or make_context(), module)
    module.verify()


def runtime_file(name: str) -> str:
    return resources.files("qtc.runtime_c").joinpath(name).read_text()


def write_output_dir(out_dir: str, files: dict[str, str]) -> None:
    """Create `out_dir` holding exactly `files`, replacing an earlier qtc output folder."""
    out_dir = os.path.abspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise QtcError(f"{out_dir}: the output path is a file; give a folder path with -o")
    parent = os.path.dirname(out_dir)
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as e:
        raise QtcError(f"{out_dir}: cannot create the folder {parent} ({e.strerror})") from None
    if not os.access(parent, os.W_OK):
        raise QtcError(f"{out_dir}: the folder {parent} is not writable")
    staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(out_dir)}.")
    try:
        for name, text in files.items():
            with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
                f.write(text)
        if os.path.isdir(out_dir):
            retired = staging + ".old"
            os.rename(out_dir, retired)
            os.rename(staging, out_dir)
            shutil.rmtree(retired)
        else:
            os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


BITS_TO_MODE = {"8": "int8", "16": "int16", "16x8": "16x8"}
"""`--bits` -> quantization mode (activation and weight widths) of propagate-contracts."""


def calibration_inputs(calibration, module: ModuleOp) -> list[np.ndarray]:
    """The calibration arrays: an `.npz` path (key x, or x0, x1, ...) or arrays in memory."""
    count = len(entry_function(module).function_type.inputs.data)
    if isinstance(calibration, (str, os.PathLike)):
        path = str(calibration)
        return input_arrays(load_npz(path, "calibration"), count, path)
    arrays = [calibration] if isinstance(calibration, np.ndarray) else list(calibration)
    if len(arrays) != count:
        raise QtcError(f"the model takes {count} inputs, the calibration data has {len(arrays)}")
    return arrays


def quantize_module(
    module: ModuleOp,
    bits: str,
    calibration,
    method: str = "minmax",
    rounding: str = "double",
    weight_rounding: str | None = None,
) -> str:
    """calibrate, propagate-contracts, round-weights and requantize a float (`nn`) module in
    place; returns the weight rounding used (`weight_rounding`, None: the mode's default)."""
    if bits not in BITS_TO_MODE:
        raise UsageError(f"--bits must be one of 8, 16, 16x8 or float, got {bits}")
    if calibration is None:
        raise UsageError(
            "an integer build needs calibration data: --calibration CALIB.npz (key x: float32 "
            "samples, batch first, of the model's input shape)"
        )
    source = str(calibration) if isinstance(calibration, (str, os.PathLike)) else "calibration data"
    inputs = calibration_inputs(calibration, module)
    calibrate_module(module, inputs, method=method, source=source)
    run_pipeline(module, f"propagate-contracts{{mode={BITS_TO_MODE[bits]}}}")
    weight_rounding = weight_rounding or DEFAULT_METHOD[BITS_TO_MODE[bits]]
    round_weights_module(module, inputs, weight_rounding)
    run_pipeline(module, f"requantize{{rounding={rounding}}},check-overflow")
    return weight_rounding


def compile_model(
    model_or_path,
    out_dir: str,
    *,
    bits: str = "8",
    calibration=None,
    calibration_method: str = "minmax",
    rounding: str = "double",
    weight_rounding: str | None = None,
    io: str = "int",
    name: str = "model",
    preprocess=None,
) -> dict:
    """Compile a Keras model (object or file) into `out_dir`; returns the report.

    `bits` is "float" or an integer mode ("8", "16", "16x8", which need `calibration`: an
    `.npz` path or arrays); `weight_rounding` "nearest" or "gptq" (None: the mode's default,
    `qtc.passes.round_weights.DEFAULT_METHOD`); `io` "int" gives the C integer inputs and outputs, "float"
    converts at the boundary in C. `preprocess` (a dict or a JSON path, see
    `qtc.compiler.preprocess`) puts pre-processing ops in front of the model and a streaming
    window in the C; the calibration data then holds raw windows.
    """
    module = import_keras(model_or_path)
    stream = None
    if preprocess is not None:
        from qtc.compiler.preprocess import load_preprocess, prepend_preprocessing, raw_calibration

        preprocess = load_preprocess(preprocess)
        prepend_preprocessing(module, preprocess)
        stream = preprocess.stream_spec()
        if calibration is not None and bits != "float":
            calibration = raw_calibration(preprocess, calibration)
    run_pipeline(module, FLOAT_PIPELINE)
    layers = layer_table(module)
    float_ir = print_module(module)  # the float reference of `qtc verify`
    if bits != "float":
        weight_rounding = quantize_module(
            module, bits, calibration, calibration_method, rounding, weight_rounding
        )
    c_io = io if bits != "float" else "float"
    run_pipeline(module, f"plan-memory{{io={c_io}}}")
    sources, emitter = generate_c(module, name, c_io, stream)
    report = {
        "model": name,
        "source": str(model_or_path) if isinstance(model_or_path, (str, os.PathLike)) else name,
        "bits": bits,
        "params": sum(row["params"] for row in layers),
        "macs": sum(row["macs"] for row in layers),
        "layers": layers,
        "ram": {
            "arena_bytes": emitter.arena_bytes,
            "state_bytes": emitter.state_bytes,
            "lower_bound_bytes": emitter.arena_lower_bound,
        },
    }
    if bits != "float":
        report.update(
            io=io,
            rounding=rounding,
            weight_rounding=weight_rounding,
            calibration_method=calibration_method,
            boundary=[
                {"kind": kind, "scale": q.scale, "zero_point": q.zero_point, "bits": q.bits}
                for kind, q in emitter.boundary
            ],
            contracts=from_attribute(module.attributes[CONTRACTS_RECORD]),
        )
        report["requantizes"] = inserted_requantizes(module, report["contracts"])
    if stream is not None:
        report["preprocess"] = preprocess.to_json()
    files = dict(sources)
    for header in emitter.runtime_headers():
        files[header] = runtime_file(header)
    files["model.mlir"] = print_module(module)
    files["float.mlir"] = float_ir
    files["report.json"] = json.dumps(report, indent=2) + "\n"
    files["report.md"] = render_report_md(report)
    write_output_dir(out_dir, files)
    return report
