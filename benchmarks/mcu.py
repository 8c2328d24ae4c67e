"""Measured Cortex-M cost of the example models: float, int8 and 16x8 builds on M0, M3 and M4.

    python benchmarks/mcu.py [--models digits,iris,breast_cancer,digit_rows,motion] [--json PATH] [--jobs N]

For each model folder in `examples/` with model.keras and calibration.npz, compiles the float,
int8 and 16x8 builds (`compile_model`, integer I/O; with the folder's pre.json when it has one,
so the motion GRU is measured with its pre-processing: `NAME_run` on one raw int16 window,
which is what `NAME_enqueue` runs every hop) and measures one inference of each with
`qtc.compiler.cost.measure_cost` on the Cortex-M0, M3 and M4 (soft float), and the float build
also on the M4F (FPv4-SP, hard-float ABI). One table row a build and core: executed
instructions (exact, as QEMU counts them), modelled cycles (Cortex-M TRM timings, zero wait
states), cycles per multiply-accumulate (MACs from report.json), the speed-up over the float
build on the same core ("x float") and, on the M4, over the float build on the M4F ("x M4F"),
flash and RAM (static data + measured peak stack) of the whole bench program.

For comparison (TFLM, same method, in the project's measurement notes): int8 on the M0 with
TFLM's reference kernels costs 13-106 cycles per MAC on small sensor models, 13-38 on the
MLPerf Tiny networks; CMSIS-NN on the M4 2.8-3.9.

The measurements run in `--jobs` processes (default: the CPU count); a few minutes on 2 cores.
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
from pathlib import Path  # noqa: E402

from qtc.compiler.cost import TARGETS, format_table, measure_cost  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BUILDS = {"float": "float", "int8": "8", "16x8": "16x8"}
"""Build name -> compile_model's bits."""


def example_models(selected: list[str] | None) -> list[Path]:
    found = sorted(p for p in EXAMPLES.iterdir() if (p / "model.keras").is_file() and (p / "calibration.npz").is_file())
    if selected is None:
        return found
    by_name = {p.name: p for p in found}
    missing = [m for m in selected if m not in by_name]
    if missing:
        sys.exit(f"error: no example with model.keras and calibration.npz named {', '.join(missing)} "
                 f"(have {', '.join(by_name)})")
    return [by_name[m] for m in selected]


def compile_builds(models: list[Path], root: str) -> dict[tuple[str, str], dict]:
    """Compile every build of every model into `root`: {(model, build): report + out_dir}."""
    from qtc.compiler.build import compile_model

    builds = {}
    for folder in models:
        for build, bits in BUILDS.items():
            out = os.path.join(root, f"{folder.name}-{build}")
            calibration = str(folder / "calibration.npz") if bits != "float" else None
            preprocess = str(folder / "pre.json") if (folder / "pre.json").is_file() else None
            report = compile_model(str(folder / "model.keras"), out, bits=bits, calibration=calibration,
                                   preprocess=preprocess)
            builds[(folder.name, build)] = {**report, "out_dir": out}
    return builds


def measure(job: tuple[str, str, str, str]) -> tuple[str, str, str, dict]:
    model, build, target, out_dir = job
    return model, build, target, measure_cost(out_dir, target)


def jobs_for(builds: dict[tuple[str, str], dict]) -> list[tuple[str, str, str, str]]:
    """(model, build, target, OUT) of every measurement: all cores, and the M4F for float."""
    jobs = [
        (model, build, target, report["out_dir"])
        for (model, build), report in builds.items()
        for target in TARGETS
        if build == "float" or target != "cortex-m4f"
    ]
    # the slowest first (float on soft-float cores), so the pool ends together
    return sorted(jobs, key=lambda j: (j[1] != "float" or j[2] == "cortex-m4f", j[2] != "cortex-m0"))


def table_rows(builds: dict, results: dict[tuple[str, str, str], dict]) -> list[dict]:
    rows = []
    for model, build in builds:
        macs = builds[(model, build)]["macs"]
        for target in TARGETS:
            r = results.get((model, build, target))
            if r is None:
                continue
            float_same = results[(model, "float", target)]["cycles"] if (model, "float", target) in results else None
            float_m4f = results.get((model, "float", "cortex-m4f"))
            rows.append({
                "model": model, "build": build, "core": target, "macs": macs,
                "instructions": r["instructions"], "cycles": r["cycles"],
                "cycles_per_mac": r["cycles"] / macs if macs else None,
                "speedup_over_float": float_same / r["cycles"] if float_same else None,
                "speedup_over_m4f_float": float_m4f["cycles"] / r["cycles"]
                if float_m4f and target == "cortex-m4" else None,
                "flash_bytes": r["flash_bytes"], "ram_bytes": r["ram_bytes"], "stack_bytes": r["stack_bytes"],
                "per_layer": r["per_layer"], "functions": r["functions"],
            })
    return rows


def render(rows: list[dict]) -> str:
    def ratio(v) -> str:
        return "" if v is None else f"{v:.1f}x"

    return format_table(
        ["model", "build", "core", "instructions", "cycles", "cycles/MAC", "x float", "x M4F", "flash B", "RAM B"],
        [
            [r["model"], r["build"], r["core"], r["instructions"], r["cycles"],
             "n/a" if r["cycles_per_mac"] is None else f"{r['cycles_per_mac']:.1f}",
             ratio(r["speedup_over_float"]), ratio(r["speedup_over_m4f_float"]), r["flash_bytes"], r["ram_bytes"]]
            for r in rows
        ],
        left=3,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", help="comma-separated example names (default: all with calibration.npz)")
    parser.add_argument("--json", help="also write the rows (with per-layer cycles) to this file")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel measurements")
    args = parser.parse_args(argv)
    models = example_models(args.models.split(",") if args.models else None)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="qtc-mcu-") as root:
        builds = compile_builds(models, root)
        compiled = time.monotonic()
        jobs = jobs_for(builds)
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = {(m, b, t): r for m, b, t, r in pool.map(measure, jobs)}
    rows = table_rows(builds, results)
    print(render(rows))
    print(f"\n{len(builds)} builds compiled in {compiled - start:.0f} s, {len(jobs)} measurements "
          f"in {time.monotonic() - compiled:.0f} s ({args.jobs} jobs)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
