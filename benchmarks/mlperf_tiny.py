"""Compile time, RAM and flash of the MLPerf Tiny reference networks and of the bundled
examples built as int8 by qtc.

    python benchmarks/mlperf_tiny.py [--models ds_cnn,resnet8,iris,...] [--samples 64] [--jobs N]
                                     [--cores cortex-m0,cortex-m4] [--json PATH] [--profile DIR]

The networks are Keras rebuilds of the MLPerf Tiny v1 reference models with random weights
(fixed seeds, built in code, nothing downloaded): DS-CNN keyword spotting (49x10x1), ResNet-8
(CIFAR-10, 32x32x3), MobileNetV1 alpha 0.25 visual wake words (96x96x3), the ToyCar dense
autoencoder (640), `resnet8_wide` (ResNet-8 with 32/64/128 filters, about 300k
parameters: the size of issue Q6's compile-time target, under 10 s), and `lstm32`, an LSTM(32)
classifier of 64 steps of 6 channels (TFLM's LSTM figures are a range of cycles per MAC for such
models, `TFLM_CYCLES_PER_MAC`; its row takes the low end). Each is saved as .keras
and compiled from that file with `compile_model` (int8, integer I/O) on `--samples` random
normal calibration samples, the way `qtc compile` runs it. The bundled examples (examples/*:
trained models) follow, each compiled from its model.keras with its own calibration.npz (and
pre.json: motion's pre-processing and streaming entry points).

First table, one row a model: Keras parameters, weight bytes (the integer constants of the
final IR: weights and biases), compile time (wall seconds of the whole `compile_model` call,
time.perf_counter), arena and lower-bound bytes from report.json (`ram`), their ratio (target
<= 1.1), flash of the model built for the Cortex-M4 with arm-none-eabi-gcc -O2
(`qtc.compiler.cost.build_bench`: every allocated section with contents, i.e. text + rodata +
data, including a few hundred bytes of the bench's start-up and harness), the model's lookup
tables (tables: qnn.lut's, a recurrent op's activations, held as op properties), the
per-channel requantization constants (rescale: 5 bytes an output channel, as a TFLite model file
keeps a float scale a channel; a recurrent gate column's gate words but its bias, 16 bytes),
the rest: flash minus weights, tables and rescale (target <= 8 KB: code and the other constant
data, window geometry, parameter structs, softmax's exp table) and that split
into code (the executable sections) and other constant data; and flash minus the weights alone
(what is left if tables and rescale constants count as code). Second table: the compile time split by stage (each pass
by its name; `rest` is what no stage covers: module verification, the report). Third table:
one inference of each network on each of `--cores` (`qtc.compiler.cost.measure_cost`, what
`qtc cost` runs: modelled cycles at zero wait states), cycles per MAC, and TensorFlow Lite
Micro's cycles for the same network measured the same way (`../shared/reference/
mcu-measurement.md`: reference kernels on the M0, CMSIS-NN on the M4) with qtc's share of
them; issue Q6's target is at most a third of TFLM's on the Cortex-M0.

What a `qtc compile` run pays before the first model is printed apart: `import keras` (in a
fresh interpreter) and qtc's one-time start-up (lazy imports, the contract grammar), measured
by compiling a one-layer model first, so that the rows are each network's own time. Last,
`resnet8_wide` is compiled once more by `qtc compile` in a fresh process: wall and CPU seconds
with everything included (on a busy machine the CPU seconds are the steadier figure).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from unittest import mock  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from qtc.compiler import build  # noqa: E402
from qtc.compiler.cost import Elf, build_bench, format_table, measure_cost  # noqa: E402
from qtc.compiler.textual_ir import read_module  # noqa: E402
from qtc.dialects import qnn  # noqa: E402
from qtc.dialects.dense import dense_to_numpy  # noqa: E402
from qtc.passes import get_all_passes  # noqa: E402

L = keras.layers

TARGET_NETWORK = "resnet8_wide"
"""The ~300k-parameter network that the compile-time target is about; also timed as `qtc compile`."""
RATIO_TARGET = 1.1
CODE_TARGET = 8 * 1024
COMPILE_TARGET_SECONDS = 10.0
TFLM_CYCLES = {
    "cortex-m0": {"resnet8": 242e6, "mobilenet_v1_vww": 237e6, "ds_cnn": 101e6, "toycar_autoencoder": 3.5e6},
    "cortex-m4": {"resnet8": 36.8e6, "mobilenet_v1_vww": 29.4e6, "ds_cnn": 9.27e6, "toycar_autoencoder": 0.73e6},
}
"""TensorFlow Lite Micro's modelled cycles of one inference of the MLPerf Tiny reference networks
(int8, measured here by the method `qtc cost` uses: ../shared/reference/mcu-measurement.md)."""
TFLM_CYCLES_PER_MAC = {"cortex-m0": {"lstm32": 44.0}, "cortex-m4": {"lstm32": 7.0}}
"""TFLM's cycles per MAC where the measurement notes give a range for a kind of model rather than
a figure for one network: LSTM(32) classifiers on 6-12 channels take 44-55 on the M0 (reference
kernels) and 7-10 on the M4 (CMSIS-NN); the row takes the low end, the strictest comparison."""
M0_SHARE_TARGET = 1 / 3


def conv_bn(x, filters: int, kernel, strides=1, relu: bool = True):
    """Conv2D (same padding) + BatchNormalization [+ ReLU], the reference models' unit."""
    x = L.Conv2D(filters, kernel, strides=strides, padding="same")(x)
    x = L.BatchNormalization()(x)
    return L.Activation("relu")(x) if relu else x


def depthwise_separable(x, filters: int, strides=1):
    """DepthwiseConv2D 3x3 + BN + ReLU, then a 1x1 Conv2D + BN + ReLU."""
    x = L.DepthwiseConv2D(3, strides=strides, padding="same")(x)
    x = L.Activation("relu")(L.BatchNormalization()(x))
    return conv_bn(x, filters, 1)


def ds_cnn():
    """Keyword spotting, MLPerf Tiny `ds_cnn`: 64 filters, 4 depthwise-separable blocks."""
    inputs = keras.Input((49, 10, 1))
    x = L.Dropout(0.2)(conv_bn(inputs, 64, (10, 4), strides=(2, 2)))
    for _ in range(4):
        x = depthwise_separable(x, 64)
    x = L.AveragePooling2D((49 // 2, 10 // 2))(L.Dropout(0.4)(x))
    return keras.Model(inputs, L.Dense(12, activation="softmax")(L.Flatten()(x)), name="ds_cnn")


def resnet(filters: tuple[int, int, int], name: str):
    """MLPerf Tiny `resnet_v1_eembc` (ResNet-8): three residual stacks, 1x1 strided shortcuts."""
    inputs = keras.Input((32, 32, 3))
    x = conv_bn(inputs, filters[0], 3)
    for i, f in enumerate(filters):
        strides = 1 if i == 0 else 2
        y = conv_bn(conv_bn(x, f, 3, strides), f, 3, relu=False)
        shortcut = x if i == 0 else L.Conv2D(f, 1, strides=2, padding="same")(x)
        x = L.Activation("relu")(L.Add()([shortcut, y]))
    x = L.AveragePooling2D(8)(x)
    return keras.Model(inputs, L.Dense(10, activation="softmax")(L.Flatten()(x)), name=name)


def mobilenet_v1_vww():
    """Visual wake words, MLPerf Tiny `mobilenet_v1` with alpha 0.25 on 96x96x3, 2 classes."""
    inputs = keras.Input((96, 96, 3))
    x = conv_bn(inputs, 8, 3, strides=2)
    blocks = [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), *[(128, 1)] * 5, (256, 2), (256, 1)]
    for filters, strides in blocks:
        x = depthwise_separable(x, filters, strides)
    x = L.AveragePooling2D(3)(x)
    return keras.Model(inputs, L.Dense(2, activation="softmax")(L.Flatten()(x)), name="mobilenet_v1_vww")


def lstm32():
    """A sensor classifier of the size the TFLM LSTM figures are for: 64 steps of 6 channels,
    LSTM(32), a softmax over 6 classes."""
    inputs = keras.Input((64, 6))
    x = L.LSTM(32)(inputs)
    return keras.Model(inputs, L.Dense(6, activation="softmax")(x), name="lstm32")


def toycar_autoencoder():
    """Anomaly detection, MLPerf Tiny ToyCar: 640 -> 128 x4 -> 8 -> 128 x4 -> 640, dense."""
    inputs = keras.Input((640,))
    x = inputs
    for units in [128] * 4 + [8] + [128] * 4:
        x = L.Activation("relu")(L.BatchNormalization()(L.Dense(units)(x)))
    return keras.Model(inputs, L.Dense(640)(x), name="toycar_autoencoder")


NETWORKS: dict[str, Callable[[], keras.Model]] = {
    "ds_cnn": ds_cnn,
    "resnet8": lambda: resnet((16, 32, 64), "resnet8"),
    "mobilenet_v1_vww": mobilenet_v1_vww,
    "toycar_autoencoder": toycar_autoencoder,
    "resnet8_wide": lambda: resnet((32, 64, 128), "resnet8_wide"),
    "lstm32": lstm32,
}
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
"""The bundled examples: a trained model.keras and its calibration.npz (and pre.json) each."""


def example_names() -> list[str]:
    return sorted(p.name for p in EXAMPLES.iterdir() if (p / "model.keras").is_file() and (p / "calibration.npz").is_file())


def build_network(name: str, seed: int = 0) -> keras.Model:
    """The network with weights fixed by `seed`; batch-norm statistics randomised too, so
    folding them changes the weights as a trained model's would."""
    keras.utils.set_random_seed(seed)
    model = NETWORKS[name]()
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            n = layer.gamma.shape[0]
            gamma, beta, mean = (rng.uniform(lo, hi, n) for lo, hi in ((0.5, 1.5), (-0.3, 0.3), (-0.3, 0.3)))
            layer.set_weights([a.astype(np.float32) for a in (gamma, beta, mean, rng.uniform(0.5, 2.0, n))])
    return model


# ------------------------------------------------------------------------------ timing


class StageClock:
    """Wall seconds per stage of `compile_model`, by wrapping the functions it calls.

    Only the outermost timed call counts, so a stage nested in another is not counted twice.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.depth = 0

    def timed(self, stage: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            self.depth += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds[stage] += time.perf_counter() - start

        return wrapper

    @contextmanager
    def installed(self):
        with ExitStack() as stack:
            for owner, attr, stage in [
                (build, "import_keras", "import"),
                (build, "calibrate_module", "calibrate"),
                (build, "generate_c", "emit C"),
                (build, "print_module", "print IR"),
                (build, "write_output_dir", "write"),
            ]:
                stack.enter_context(mock.patch.object(owner, attr, self.timed(stage, getattr(owner, attr))))
            for pass_name, factory in get_all_passes().items():
                cls = factory()
                stack.enter_context(mock.patch.object(cls, "apply", self.timed(pass_name, cls.apply)))
            yield self


def weight_bytes(out_dir: str) -> int:
    """Bytes of every integer constant of the final IR: the weights and biases."""
    module = read_module(os.path.join(out_dir, "model.mlir"))
    return sum(dense_to_numpy(op.value).nbytes for op in module.walk() if op.name == "qnn.constant")


def table_bytes(out_dir: str) -> int:
    """Bytes of the model's lookup tables, which its ops hold as properties (qnn.lut's table,
    a recurrent op's gate and candidate activations)."""
    module = read_module(os.path.join(out_dir, "model.mlir"))
    return sum(dense_to_numpy(attr).nbytes for op in module.walk()
               for name, attr in op.properties.items() if name.endswith("table"))


RNN_GATE_RESCALE_BYTES = 16
"""Bytes of a recurrent gate column's requantization as qtc_recurrent.h stores it for an int32
accumulator: its gate words (QTC_RNN_GATE_WORDS) but the bias, which weight bytes count."""


def rescale_bytes(out_dir: str) -> int:
    """Flash of the per-channel requantization constants the C holds next to the weights: an
    int32 multiplier and an int8 shift per output channel of every rescaling op; per gate column
    of a recurrent op's projection with an int32 accumulator its gate words (multiplier, shifts
    and the clamp bounds of the sum), else a multiplier and a shift."""
    module = read_module(os.path.join(out_dir, "model.mlir"))
    total = 0
    for op in module.walk():
        if hasattr(op, "multipliers"):
            total += 5 * len(op.multipliers())
        if isinstance(op, qnn._RecurrentOp):
            bits = {"input": op.input_accumulator_bits(), "recurrent": op.recurrent_accumulator_bits()}
            total += 5 + sum(len(multipliers) * (RNN_GATE_RESCALE_BYTES if bits[side] == 32 else 5)
                             for side, (multipliers, _) in op.rescales().items())
    return total


def ram_of(report: dict) -> dict:
    """report.json's `ram` (or the top-level keys of builds from before `plan-memory`)."""
    return report.get("ram", report)


def compile_network(name: str, root: str, samples: int, profile_dir: str | None) -> dict:
    """The row of an MLPerf Tiny rebuild, saved as .keras and calibrated on random normal data."""
    model = build_network(name)
    path = os.path.join(root, f"{name}.keras")
    model.save(path)
    shape = model.inputs[0].shape[1:]
    calibration = os.path.join(root, f"{name}.npz")
    np.savez(calibration, x=np.random.default_rng(1).standard_normal((samples, *shape)).astype(np.float32))
    return compile_row(name, path, calibration, None, model.count_params(), root, profile_dir)


def compile_example(name: str, root: str, profile_dir: str | None) -> dict:
    """The row of a bundled example, with its own calibration data and pre-processing."""
    folder = EXAMPLES / name
    path, pre = str(folder / "model.keras"), folder / "pre.json"
    params = keras.saving.load_model(path, compile=False).count_params()
    preprocess = str(pre) if pre.is_file() else None
    return compile_row(name, path, str(folder / "calibration.npz"), preprocess, params, root, profile_dir)


def compile_row(name: str, path: str, calibration: str, preprocess: str | None, params: int, root: str,
                profile_dir: str | None) -> dict:
    """Compile the model at `path` as `qtc compile` does (int8), timed by stage."""
    out = os.path.join(root, name)
    profiler = cProfile.Profile() if profile_dir else None
    with StageClock().installed() as clock:
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        report = build.compile_model(path, out, bits="8", calibration=calibration, preprocess=preprocess)
        if profiler:
            profiler.disable()
        total = time.perf_counter() - start
    if profiler:
        os.makedirs(profile_dir, exist_ok=True)
        profiler.dump_stats(os.path.join(profile_dir, f"{name}.prof"))
    ram = ram_of(report)
    return {
        "network": name, "out_dir": out, "model_path": path, "calibration": calibration,
        "params": params, "macs": report["macs"], "weight_bytes": weight_bytes(out),
        "table_bytes": table_bytes(out), "rescale_bytes": rescale_bytes(out),
        "compile_seconds": total, "stages": dict(clock.seconds),
        "arena_bytes": ram["arena_bytes"], "lower_bound_bytes": ram["lower_bound_bytes"],
    }


def startup_seconds(root: str) -> float:
    """Wall seconds of the first compile in this process, of a one-layer model: nearly all of it
    is qtc's one-time start-up (lazy imports, the contract grammar)."""
    inputs = keras.Input((4,))
    path = os.path.join(root, "startup.keras")
    keras.Model(inputs, L.Dense(2)(inputs)).save(path)
    calibration = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    start = time.perf_counter()
    build.compile_model(path, os.path.join(root, "startup"), bits="8", calibration=calibration)
    return time.perf_counter() - start


def flash_bytes(out_dir: str) -> tuple[int, int]:
    """(flash, code) bytes of OUT's Cortex-M4 bench: code is the executable sections."""
    from elftools.elf.constants import SH_FLAGS

    with tempfile.TemporaryDirectory(prefix="qtc-flash-") as build_dir:
        elf = Elf(build_bench(out_dir, "cortex-m4", build_dir=build_dir).elf)
    code = sum(size for _, _, size, flags, _ in elf.sections if flags & SH_FLAGS.SHF_EXECINSTR)
    return elf.memory()["flash_bytes"], code


def inference_cycles(out_dir: str, core: str) -> int:
    """Modelled cycles of one inference of OUT's model on `core`."""
    return measure_cost(out_dir, core)["cycles"]


def cli_seconds(row: dict) -> tuple[float, float]:
    """(wall, CPU) seconds of `qtc compile` of the row's network in a fresh process, everything
    included (Python, TensorFlow and qtc imports, the pipeline, the files)."""
    command = [sys.executable, "-c", "import sys; from qtc.compiler.cli import main; sys.exit(main())",
               "compile", row["model_path"], "--calibration", row["calibration"], "-o", row["out_dir"] + "-cli"]
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime


def keras_import_seconds() -> float:
    """Wall seconds of `import keras` in a fresh interpreter (what `qtc compile` pays first)."""
    code = "import time; t = time.perf_counter(); import keras; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


# ------------------------------------------------------------------------------ tables


def mark(ok: bool) -> str:
    return "" if ok else " !"


def main_table(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        ratio = r["arena_bytes"] / r["lower_bound_bytes"]
        beyond = r["flash_bytes"] - r["weight_bytes"] - r["table_bytes"] - r["rescale_bytes"]
        lines.append([
            r["network"], r["params"], r["macs"], r["weight_bytes"],
            f"{r['compile_seconds']:.2f}{mark(r['compile_seconds'] < COMPILE_TARGET_SECONDS)}",
            r["arena_bytes"], r["lower_bound_bytes"], f"{ratio:.3f}{mark(ratio <= RATIO_TARGET)}",
            r["flash_bytes"], r["table_bytes"], r["rescale_bytes"], f"{beyond:,}{mark(beyond <= CODE_TARGET)}",
            r["code_bytes"], beyond - r["code_bytes"], r["flash_bytes"] - r["weight_bytes"],
        ])
    return format_table(
        ["network", "params", "MACs", "weight B", "compile s", "arena B", "lower B", "arena/lower",
         "flash B (M4)", "tables B", "rescale B", "rest B", "of it code B", "other const B",
         "flash-weights B"],
        lines,
    )


def cycles_table(rows: list[dict], cores: list[str]) -> str:
    lines = []
    for r in rows:
        for core in cores:
            cycles = r["cycles"][core]
            per_mac = TFLM_CYCLES_PER_MAC.get(core, {}).get(r["network"])
            tflm = TFLM_CYCLES.get(core, {}).get(r["network"]) or (per_mac and per_mac * r["macs"])
            share = f"{cycles / tflm:.2f}" if tflm else "-"
            if tflm and core == "cortex-m0":
                share += mark(cycles <= M0_SHARE_TARGET * tflm)
            lines.append([r["network"], core, r["macs"], cycles, f"{cycles / r['macs']:.2f}",
                          f"{tflm:,.0f}" if tflm else "-", f"{tflm / r['macs']:.2f}" if tflm else "-", share])
    return format_table(
        ["network", "core", "MACs", "cycles", "cycles/MAC", "TFLM cycles", "TFLM cycles/MAC", "qtc/TFLM"], lines
    )


def stage_table(rows: list[dict]) -> str:
    stages = list(dict.fromkeys(s for r in rows for s in r["stages"]))
    lines = []
    for r in rows:
        rest = r["compile_seconds"] - sum(r["stages"].values())
        lines.append([r["network"], *(f"{r['stages'].get(s, 0.0):.2f}" for s in stages), f"{rest:.2f}",
                      f"{r['compile_seconds']:.2f}"])
    return format_table(["network", *stages, "rest", "total s"], lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    examples = example_names()
    parser.add_argument("--models", help=f"comma-separated networks or examples (default: all of "
                                         f"{', '.join([*NETWORKS, *examples])})")
    parser.add_argument("--samples", type=int, default=64, help="calibration samples (random normal)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel gcc builds")
    parser.add_argument("--cores", default="cortex-m0,cortex-m4",
                        help="cores to measure one inference on (comma-separated; '' for none)")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--profile", metavar="DIR", help="write a cProfile of each compile to DIR/NAME.prof")
    args = parser.parse_args(argv)
    names = args.models.split(",") if args.models else [*NETWORKS, *examples]
    unknown = [n for n in names if n not in NETWORKS and n not in examples]
    if unknown:
        parser.error(f"unknown network(s) {', '.join(unknown)} (have {', '.join([*NETWORKS, *examples])})")
    with tempfile.TemporaryDirectory(prefix="qtc-mlperf-") as root:
        startup = startup_seconds(root)
        # compiles run one at a time so their timings do not share the cores; gcc runs after
        rows = [compile_network(n, root, args.samples, args.profile) if n in NETWORKS
                else compile_example(n, root, args.profile) for n in names]
        with ThreadPoolExecutor(args.jobs) as pool:
            for row, (flash, code) in zip(rows, pool.map(flash_bytes, [r["out_dir"] for r in rows])):
                row["flash_bytes"], row["code_bytes"] = flash, code
        cores = [c for c in args.cores.split(",") if c]
        jobs = [(r, c) for r in rows for c in cores]
        with ThreadPoolExecutor(args.jobs) as pool:
            for (row, core), cycles in zip(jobs, pool.map(lambda j: inference_cycles(j[0]["out_dir"], j[1]), jobs)):
                row.setdefault("cycles", {})[core] = cycles
        cli = [(r["network"], *cli_seconds(r)) for r in rows if r["network"] == TARGET_NETWORK]
    print(main_table(rows))
    print(f"\n(rest = flash - weights - tables - rescale; ! misses a target: arena/lower <= {RATIO_TARGET}, "
          f"rest <= {CODE_TARGET:,} B, compile < {COMPILE_TARGET_SECONDS:.0f} s; {args.samples} calibration "
          f"samples for the MLPerf rebuilds)\n")
    print("compile seconds by stage:")
    print(stage_table(rows))
    print(f"\nbefore the first model of a run: import keras {keras_import_seconds():.2f} s (fresh interpreter), "
          f"qtc start-up {startup:.2f} s (first compile in the process, a one-layer model)")
    for name, wall, cpu in cli:
        print(f"qtc compile {name} in a fresh process, all included: {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"(target < {COMPILE_TARGET_SECONDS:.0f} s)")
    if cores:
        print("\none inference, modelled cycles (zero wait states):")
        print(cycles_table(rows, cores))
        print(f"\n(! misses the target: at most {M0_SHARE_TARGET:.2f} of TFLM's cycles on the Cortex-M0)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            paths = ("out_dir", "model_path", "calibration")
            json.dump([{k: v for k, v in r.items() if k not in paths} for r in rows], f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
