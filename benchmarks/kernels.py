"""Measured Cortex-M cost of single integer layers: the dense, convolution, depthwise, softmax
(and LSTM) kernels of runtime_c/qtc_int.h on the M0, M3 and M4.

    python benchmarks/kernels.py [--layers dense,conv2d] [--cores cortex-m0] [--jobs N]
                                 [--json PATH] [--compare PATH | --no-compare]

Each case is a one-layer Keras model with fixed random weights, compiled with `compile_model`
(integer I/O, random-normal calibration data) and measured with
`qtc.compiler.cost.measure_cost`: executed instructions (exact) and modelled cycles (TRM
timings, zero wait states) of that layer's row of the per-layer attribution, so the cost
excludes the call and the output copy. "work" is the layer's multiply-accumulates (report.json)
or, for softmax, its elements; "cyc/unit" is cycles per MAC (per element for softmax).

`--compare` (default: benchmarks/kernels_baseline.json, when it exists) adds the cycles of an
earlier run saved with `--json` and the speed-up. The baseline file holds the numbers measured
before the fast kernels of issue Q6 (interior/border split, zero point folded into the bias,
transposed weights, unrolled accumulators, the M0 32x32->64 multiply without __muldi3 and the
int8 softmax exp table, and of the Cortex-M4 DSP kernels: SMLAD in dense, convolution and
recurrent dot products, SMLABB/SMLATT in depthwise). The two ResNet-8 convolutions are the
cases of the Cortex-M4 target (CMSIS-NN's 2.8-3.9 cycles per MAC); they were added after the
baseline, so they have no "before" columns.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from qtc.compiler.cost import DEFAULT_TARGETS, format_table, measure_cost  # noqa: E402

BASELINE = Path(__file__).resolve().parent / "kernels_baseline.json"


@dataclass(frozen=True)
class LayerCase:
    name: str
    bits: str
    """compile_model's bits."""
    input_shape: tuple[int, ...]
    layer: str
    """The keras.layers class, built with `options` and the name "layer"."""
    options: tuple[tuple[str, object], ...] = ()
    per_element: bool = False
    """Work is the elements (softmax), not MACs."""


DENSE = ("Dense", (("units", 256),))
CONV = ("Conv2D", (("filters", 16), ("kernel_size", 3), ("padding", "same")))
DEPTHWISE = ("DepthwiseConv2D", (("kernel_size", 3), ("padding", "same")))
RESNET_CONV = (("kernel_size", 3), ("padding", "same"))
CASES = [
    LayerCase("dense 256x256", "8", (256,), *DENSE),
    LayerCase("dense 256x256", "16x8", (256,), *DENSE),
    LayerCase("conv2d 16x16x16 3x3 -> 16", "8", (16, 16, 16), *CONV),
    LayerCase("conv2d 16x16x16 3x3 -> 16", "16x8", (16, 16, 16), *CONV),
    LayerCase("conv2d 32x32x16 3x3 -> 16 (ResNet-8)", "8", (32, 32, 16), "Conv2D", (("filters", 16), *RESNET_CONV)),
    LayerCase("conv2d 16x16x32 3x3 -> 32 (ResNet-8)", "8", (16, 16, 32), "Conv2D", (("filters", 32), *RESNET_CONV)),
    LayerCase("depthwise 32x32x32 3x3", "8", (32, 32, 32), *DEPTHWISE),
    LayerCase("depthwise 32x32x32 3x3", "16x8", (32, 32, 32), *DEPTHWISE),
    LayerCase("softmax 256", "8", (256,), "Softmax", per_element=True),
    LayerCase("lstm 16x8 -> 32", "8", (16, 8), "LSTM", (("units", 32),)),
]


def model_of(case: LayerCase):
    """The case's one-layer Keras model, weights fixed by seed."""
    import keras

    keras.utils.set_random_seed(1)
    x = keras.Input(case.input_shape)
    layer = getattr(keras.layers, case.layer)(**dict(case.options), name="layer")
    return keras.Model(x, layer(x))


def compile_case(case: LayerCase, out_dir: str) -> dict:
    """Compile the case into out_dir; report.json's data."""
    from qtc.compiler.build import compile_model

    calibration = np.random.default_rng(2).normal(size=(64, *case.input_shape)).astype(np.float32)
    return compile_model(model_of(case), out_dir, bits=case.bits, calibration=calibration)


def measure(job: tuple[int, str, str]) -> tuple[int, str, dict]:
    index, target, out_dir = job
    return index, target, measure_cost(out_dir, target)


def layer_row(result: dict) -> dict:
    (row,) = [r for r in result["per_layer"] if r["name"] == "layer"]
    return row


def key(row: dict) -> str:
    return f"{row['layer']} | {row['build']} | {row['core']}"


def measure_cases(cases: list[LayerCase], cores: list[str], jobs: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="qtc-kernels-") as root:
        reports = {}
        for i, case in enumerate(cases):
            reports[i] = (compile_case(case, f"{root}/{i}"), f"{root}/{i}")
        work = [(i, target, out) for i, (_, out) in reports.items() for target in cores]
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = {(i, t): r for i, t, r in pool.map(measure, work)}
    for i, case in enumerate(cases):
        report = reports[i][0]
        (layer,) = [r for r in report["layers"] if r["name"] == "layer"]
        units = int(np.prod(case.input_shape)) if case.per_element else layer["macs"]
        for target in cores:
            row = layer_row(results[(i, target)])
            rows.append({
                "layer": case.name, "build": {"8": "int8"}.get(case.bits, case.bits), "core": target,
                "unit": "element" if case.per_element else "MAC", "work": units,
                "instructions": row["instructions"], "cycles": row["cycles"],
                "cycles_per_unit": row["cycles"] / units if units else None,
            })
    return rows


def render(rows: list[dict], before: dict[str, dict] | None) -> str:
    header = ["layer", "build", "core", "work", "instructions", "cycles", "cyc/unit"]
    if before is not None:
        header += ["before cycles", "before cyc/unit", "speed-up"]
    lines = []
    for r in rows:
        per = "n/a" if r["cycles_per_unit"] is None else f"{r['cycles_per_unit']:.2f}"
        line = [r["layer"], r["build"], r["core"], f"{r['work']:,} {r['unit']}s", r["instructions"], r["cycles"], per]
        if before is not None:
            old = before.get(key(r))
            line += ["", "", ""] if old is None else [
                old["cycles"], f"{old['cycles_per_unit']:.2f}", f"{old['cycles'] / r['cycles']:.2f}x"]
        lines.append(line)
    return format_table(header, lines, left=3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", help="comma-separated name prefixes (dense, conv2d, depthwise, softmax, lstm)")
    parser.add_argument("--builds", help="comma-separated builds (int8, 16x8)")
    parser.add_argument("--cores", default=",".join(DEFAULT_TARGETS), help="comma-separated cores")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel measurements")
    parser.add_argument("--json", help="write the rows to this file (e.g. a new baseline)")
    parser.add_argument("--compare", default=str(BASELINE), help="rows of an earlier --json run")
    parser.add_argument("--no-compare", action="store_true", help="no before/after columns")
    args = parser.parse_args(argv)
    cases = CASES
    if args.layers:
        cases = [c for c in cases if any(c.name.startswith(p) for p in args.layers.split(","))]
    if args.builds:
        builds = {"int8": "8"}
        cases = [c for c in cases if c.bits in {builds.get(b, b) for b in args.builds.split(",")}]
    start = time.monotonic()
    rows = measure_cases(cases, args.cores.split(","), args.jobs)
    before = None
    if not args.no_compare and os.path.isfile(args.compare):
        before = {key(r): r for r in json.loads(Path(args.compare).read_text(encoding="utf-8"))}
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(render(rows, before))
    print(f"\n{len(cases)} layers on {args.cores} in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
