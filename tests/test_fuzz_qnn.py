"""Differential fuzzing of qnn GRAPHS: the generated C against the interpreter, bit for bit.

Hypothesis generates small graphs, chains and DAGs of 2-6 qnn ops (dense, conv1d/conv2d and
their depthwise forms, max/avg pooling 1-d and 2-d, global pools, add/sub/mul with
broadcasting, requantize to i8/i16/i32 per tensor or per axis, lut, softmax, concat, reshape,
pad, clamp) on i8 and i16 activations with i8/i16 weights, whose properties come from
random real scales as the quantizer makes them (test_int_c's helpers: zero points,
per-tensor and per-channel `fixedpoint.quantize_multiplier` multipliers, both roundings,
clamps, TFLM softmax parameters, LUTs) and sometimes from wild ones. Every decision is a
Hypothesis draw (`DrawRng`); only bulk arrays (weights, biases, tables) come from numpy,
seeded by a draw. Values that nothing uses are returned, requantized to the graph's I/O
width where they differ (one more op each), so every op's result is checked.

One C program per graph would spend the budget in the C compiler, so the graphs of one I/O
width are merged, `BATCH` at a time, into one `@main` with one argument and the results of
each graph: one `generate_c`, one build (ASan/UBSan; gcc and clang by turns) and one process
run every input of every graph of the batch, and the interpreter runs the same module (call
by call: `interpreter.run` would slice every argument with the first one's batch size). Each
graph gets the extremes (all minimum, all maximum, alternating both ways, zeros:
test_int_c.input_batch), elements drawn from {min, min+1, -1, 0, 1, max-1, max}, and
uniform random inputs: 20 inputs a graph.

A mismatching graph is shrunk: its Hypothesis run is replayed (same seed, so the same
sequence of graphs) up to the failing graph, which is then built alone and minimised by
Hypothesis. The same graphs also run cross-compiled for the Cortex-M0 and M4 in Unicorn (their
asm kernels and requantizers; no sanitizers there). `benchmarks/fuzz.py --cases N --seed S
[--cores ...]` runs longer campaigns with this code.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from math import prod
from pathlib import Path

import hypothesis
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from qtc.compiler import emit_c_qnn, interpreter
from qtc.compiler.build import runtime_file
from qtc.compiler.emit_c import generate_c
from qtc.compiler.host_run import SANITIZE_FLAGS, build_host_model
from qtc.compiler.textual_ir import parse_module
from qtc.dialects.qtc_attrs import storage_range
from test_int_c import (
    DTYPES,
    Module,
    Value,
    a64,
    binary_props,
    choice,
    clamp_props,
    conv_geometry,
    hex_dense,
    i32,
    i64,
    input_batch,
    lut_table,
    needs_arm,
    output_sizes,
    random_bias,
    random_ints,
    random_weights,
    requantize_from,
    rescale_props,
    softmax_props,
    spread,
    string,
    target,
    window_props,
    zero_point,
)
from test_int_fast import core_runner

CASES = 2000
"""Graphs the test runs (benchmarks/fuzz.py takes --cases)."""
BATCH = 50
"""Graphs merged into one C program."""
ROUND = 2000
"""Graphs a Hypothesis run makes at most (longer campaigns run several, seeded apart)."""
MAX_OPS = 6
MAX_ELEMENTS = 384
"""Largest tensor a graph makes (keeps the interpreter and the C fast)."""
SHORT_DRAW = 4
"""Arrays of at most this many random values are Hypothesis draws, larger ones numpy's."""
MIXED_EXTREMES = 3
"""Inputs whose elements are drawn from each width's extreme values, per graph."""
COMPILERS = tuple(cc for cc in ("gcc", "clang") if shutil.which(cc)) or ("gcc",)
"""The C programs are built alternately with each compiler found."""
CORES = ("cortex-m0", "cortex-m4")
"""Targets whose programs are cross-compiled (qtc cost's bench: arm-none-eabi-gcc -O2, the
ARMv6-M and DSP asm kernels) and run in Unicorn, input by input, instead of on the host."""
CORE_CASES = 400
"""Graphs each core's test runs."""
SYSTEMIC = 3
"""A failed batch whose first SYSTEMIC graphs fail alone with one error is not split further."""
FUZZ_FLAGS = tuple(flag for flag in SANITIZE_FLAGS if flag != "-g")
"""ASan and UBSan, aborting on the first report; no debug info (a quarter of the build time:
a failing graph is shrunk and reported as IR)."""


# ----------------------------------------------------------------------------- Hypothesis as rng


class DrawRng:
    """The parts of `np.random.Generator` that test_int_c's helpers use, drawing from Hypothesis.

    Scalars and arrays of up to SHORT_DRAW values are Hypothesis draws (so Hypothesis shrinks
    them); larger arrays, and normal variates, come from `bulk`, a numpy generator seeded by
    a draw.
    """

    def __init__(self, draw: Callable, bulk: np.random.Generator):
        self.draw, self.bulk = draw, bulk

    def _many(self, strategy, size, bulk: Callable):
        if size is None:
            return self.draw(strategy)
        count = prod(size) if isinstance(size, (tuple, list)) else int(size)
        if count > SHORT_DRAW:
            return bulk(size)
        values = self.draw(st.lists(strategy, min_size=count, max_size=count))
        return np.array(values).reshape(size)

    def integers(self, low, high=None, size=None):
        low, high = (0, int(low)) if high is None else (int(low), int(high))
        return self._many(
            st.integers(low, high - 1), size, lambda s: self.bulk.integers(low, high, s)
        )

    def random(self, size=None):
        return self.uniform(0.0, 1.0, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        strategy = st.floats(float(low), float(high), exclude_max=True)
        return self._many(strategy, size, lambda s: self.bulk.uniform(low, high, s))

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self.bulk.normal(loc, scale, size)

    def permutation(self, n: int) -> np.ndarray:
        return np.array(self.draw(st.permutations(range(n))), dtype=np.int64)


# ----------------------------------------------------------------------------- graphs


@dataclass(frozen=True)
class Tensor:
    """A graph value with the statistics its consumers' multipliers are chosen from."""

    value: Value
    zero_point: int
    std: float
    """Root mean square of value - zero_point, roughly."""


def prop_int(props: dict, name: str) -> int:
    """The integer of an `N : i32` property."""
    return int(props[name].split(" : ")[0])


@dataclass
class Graph:
    """One fuzz case: a function of one input with one result per unused value."""

    bits: int
    input: Value
    lines: list[str]
    outputs: list[Value]
    kinds: list[str]
    seed: int
    """Seeds the graph's random inputs."""
    origin: int | None = None
    """The Hypothesis seed of the collection round that made it (None: derandomized)."""

    def renamed_lines(self, prefix: str) -> list[str]:
        return [line.replace("%", f"%{prefix}") for line in self.lines]

    def text(self) -> str:
        return function_text([self.input], self.lines, self.outputs)


def renamed(value: Value, prefix: str) -> Value:
    return Value(value.name.replace("%", f"%{prefix}"), value.shape, value.bits)


def function_text(args: list[Value], lines: list[str], results: list[Value]) -> str:
    signature = ", ".join(f"{a.name}: {a.type}" for a in args)
    types = ", ".join(r.type for r in results)
    body = "".join(f"  {line}\n" for line in lines)
    names = ", ".join(r.name for r in results)
    return (
        f"func.func @main({signature}) -> ({types}) {{\n{body}  func.return {names} : {types}\n}}\n"
    )


WINDOWED = {
    3: ("conv1d", "depthwise_conv1d", "max_pool", "avg_pool", "global_max_pool", "global_avg_pool"),
    4: ("conv2d", "depthwise_conv2d", "max_pool", "avg_pool", "global_max_pool", "global_avg_pool"),
}
ANY_RANK = (
    "add",
    "reshape",
    "pad",
    "concat",
    "requantize",
    "lut",
    "softmax",
    "clamp",
    "sub",
    "mul",
    "dense",
)
"""Kinds for any operand (after the windowed ones a rank-3 or rank-4 operand also takes)."""
KINDS = tuple(sorted({*ANY_RANK, *WINDOWED[3], *WINDOWED[4]}))


class GraphBuilder:
    """Adds random ops to a Module, each on a random earlier value (mostly the newest)."""

    def __init__(self, rng: DrawRng, bits: int, shape: list[int]):
        self.rng, self.bits = rng, bits
        self.module = Module(tuple(shape), bits)
        self.tensors = [Tensor(self.module.input, 0, spread(bits))]
        self.used: set[str] = set()
        self.kinds: list[str] = []

    # -- helpers ------------------------------------------------------------------------
    def emit(self, kind, operands, props, shape, bits, zp=0, std=None) -> Tensor:
        self.used.update(o.name for o in operands)
        value = self.module.op(kind, operands, props, shape, bits)
        self.kinds.append(kind)
        tensor = Tensor(value, zp, 0.5 * spread(bits) if std is None else std)
        self.tensors.append(tensor)
        return tensor

    def constant(self, shape, bits: int) -> Tensor:
        data = random_ints(self.rng, bits, shape)
        if self.rng.random() < 0.2:
            data[...] = choice(self.rng, list(storage_range(bits)))
        return Tensor(self.module.constant(data), 0, spread(bits))

    def input_zero_point(self, x: Tensor) -> int:
        """Mostly the producer's output zero point, as the quantizer chains them."""
        return x.zero_point if self.rng.random() < 0.7 else zero_point(self.rng, x.value.bits)

    def center(self, real: float) -> float:
        """The real multiplier, now and then far off (saturating or vanishing outputs)."""
        return real * (2.0 ** self.rng.uniform(-12, 12) if self.rng.random() < 0.1 else 1.0)

    def pick(self, fits: Callable[[Tensor], bool]) -> Tensor | None:
        """The newest tensor that fits (60%), else a random earlier one that does."""
        candidates = [t for t in self.tensors if fits(t)]
        if not candidates:
            return None
        if self.rng.random() < 0.6:
            return candidates[-1]
        return choice(self.rng, candidates)

    # -- one op -------------------------------------------------------------------------
    def step(self) -> None:
        x = self.pick(lambda t: True)
        if x.value.bits == 32:
            self.requantize(x)
            return
        windowed = WINDOWED.get(len(x.value.shape), ())
        kinds = windowed if windowed and self.rng.random() < 0.4 else [*windowed, *ANY_RANK]
        for _ in range(4):
            kind = choice(self.rng, kinds)
            if getattr(self, OP_METHODS.get(kind, kind))(x, kind) is not None:
                return
        self.requantize(x)

    def clamp(self, x: Tensor, kind: str) -> Tensor:
        lo, hi = storage_range(x.value.bits)
        if self.rng.random() < 0.3:  # ReLU
            lo = x.zero_point
        else:
            lo, hi = sorted(int(v) for v in random_ints(self.rng, x.value.bits, 2))
        props = {"clamp_min": i32(lo), "clamp_max": i32(hi)}
        return self.emit(kind, [x.value], props, x.value.shape, x.value.bits, x.zero_point, x.std)

    def reshape(self, x: Tensor, kind: str) -> Tensor:
        rest, shape = prod(x.value.shape), []
        for _ in range(int(self.rng.integers(0, 4))):
            size = choice(self.rng, [d for d in range(1, rest + 1) if rest % d == 0])
            shape.append(size)
            rest //= size
        shape.append(rest)
        return self.emit(kind, [x.value], {}, shape, x.value.bits, x.zero_point, x.std)

    def pad(self, x: Tensor, kind: str) -> Tensor | None:
        shape = x.value.shape
        pads = [int(v) for v in self.rng.integers(0, 3, 2 * len(shape))]
        result = [d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(shape)]
        if len(shape) > 4 or prod(result) > MAX_ELEMENTS:
            return None
        props = {"padding": a64(pads), "pad_value": i32(self.input_zero_point(x))}
        return self.emit(kind, [x.value], props, result, x.value.bits, x.zero_point, x.std)

    def concat(self, x: Tensor, kind: str) -> Tensor | None:
        shape = x.value.shape
        axis = int(self.rng.integers(-len(shape), len(shape)))

        def fits(t: Tensor) -> bool:
            other = t.value.shape
            return (
                t.value.bits == x.value.bits
                and len(other) == len(shape)
                and all(
                    a == b for k, (a, b) in enumerate(zip(other, shape)) if k != axis % len(shape)
                )
            )

        parts = [x]
        for _ in range(int(self.rng.integers(1, 3))):
            if self.rng.random() < 0.5:
                parts.append(self.pick(fits))
            else:
                other = list(shape)
                other[axis] = int(self.rng.integers(1, 4))
                parts.append(self.constant(other, x.value.bits))
        parts = [parts[int(i)] for i in self.rng.permutation(len(parts))]
        result = list(shape)
        result[axis] = sum(p.value.shape[axis] for p in parts)
        if prod(result) > MAX_ELEMENTS:
            return None
        values = [p.value for p in parts]
        return self.emit(
            kind, values, {"axis": i64(axis)}, result, x.value.bits, x.zero_point, x.std
        )

    def requantize(self, x: Tensor, kind: str = "requantize") -> Tensor:
        shape, in_bits = x.value.shape, x.value.bits
        bits = choice(self.rng, [8, 16] if in_bits == 32 else [8, 16, 32])
        z_in = self.input_zero_point(x)
        axis = int(self.rng.integers(-len(shape), len(shape))) if self.rng.random() < 0.5 else None
        channels = 1 if axis is None else shape[axis]
        center = self.center(target(bits, float(np.hypot(x.std, x.zero_point - z_in))))
        props = rescale_props(self.rng, center, channels, bits, input_zero_point=z_in)
        if axis is not None:
            props["axis"] = i64(axis)
        return self.emit(kind, [x.value], props, shape, bits, prop_int(props, "output_zero_point"))

    def lut(self, x: Tensor, kind: str) -> Tensor:
        props = {"table": hex_dense(lut_table(self.rng, x.value.bits))}
        return self.emit(kind, [x.value], props, x.value.shape, x.value.bits)

    def softmax(self, x: Tensor, kind: str) -> Tensor:
        props, _ = softmax_props(self.rng, x.value.bits)
        zp = -128 if x.value.bits == 8 else 0
        return self.emit(kind, [x.value], props, x.value.shape, x.value.bits, zp)

    def binary(self, x: Tensor, kind: str) -> Tensor | None:
        shape, bits = x.value.shape, x.value.bits

        def fits(t: Tensor) -> bool:
            if t.value.bits != bits:
                return False
            try:
                result = np.broadcast_shapes(shape, t.value.shape)
            except ValueError:
                return False
            return len(result) <= 4 and prod(result) <= MAX_ELEMENTS

        if self.rng.random() < 0.5:
            other = self.pick(fits)
        else:  # a constant broadcast along some axes of x, leading ones dropped now and then
            const_shape = [d if self.rng.random() < 0.6 else 1 for d in shape]
            while len(const_shape) > 1 and self.rng.random() < 0.3:
                const_shape.pop(0)
            other = self.constant(const_shape, bits)
        lhs, rhs = (x, other) if self.rng.random() < 0.5 else (other, x)
        if not fits(other) or len(shape) > 4:
            return None
        result = list(np.broadcast_shapes(lhs.value.shape, rhs.value.shape))
        zps = [self.input_zero_point(t) for t in (lhs, rhs)]
        props = binary_props(self.rng, kind, bits, *zps)
        zp = prop_int(props, "output_zero_point")
        return self.emit(kind, [lhs.value, rhs.value], props, result, bits, zp)

    def accumulate(self, x: Tensor, kind: str) -> Tensor | None:
        """dense, conv1d/2d, depthwise_conv1d/2d: i8/i16 weights, mixed output widths."""
        rng, shape, x_bits = self.rng, list(x.value.shape), x.value.bits
        w_bits = 8 if rng.random() < 0.8 else 16
        y_bits = x_bits if rng.random() < 0.75 else 24 - x_bits
        if kind == "dense":
            out = int(rng.integers(1, 7))
            w_shape, y_shape, taps, window = [shape[-1], out], [*shape[:-1], out], shape[-1], {}
        else:
            geometry = conv_geometry(rng, kind, shape)
            if geometry is None:
                return None
            w_shape, y_shape, taps, window = geometry
        if prod(y_shape) > MAX_ELEMENTS or prod(w_shape) > 4 * MAX_ELEMENTS:
            return None
        z_in = self.input_zero_point(x)
        typical = np.sqrt(taps) * np.hypot(x.std, x.zero_point - z_in) * spread(w_bits)
        weights = self.module.constant(random_weights(rng, w_shape, w_bits))
        bias = self.module.constant(random_bias(rng, y_shape[-1], x_bits, typical))
        props = window | rescale_props(
            rng,
            self.center(target(y_bits, typical * np.sqrt(2))),
            y_shape[-1],
            y_bits,
            accumulator_bits=32 if x_bits == 8 else 64,
            input_zero_point=z_in,
        )
        zp = prop_int(props, "output_zero_point")
        return self.emit(kind, [x.value, weights, bias], props, y_shape, y_bits, zp)

    def pool(self, x: Tensor, kind: str) -> Tensor | None:
        shape = list(x.value.shape)
        rank = len(shape) - 2
        geometry = window_props(self.rng, shape[1:-1], rank, dilated=False)
        if geometry is None:
            return None
        pool, strides, _, padding = geometry
        y_shape = [shape[0], *output_sizes(shape[1:-1], *geometry), shape[-1]]
        props = {"pool_size": a64(pool), "strides": a64(strides), "padding": string(padding)}
        props |= clamp_props(self.rng, x.value.bits, x.zero_point)
        name = f"{kind}{rank}d"
        return self.emit(name, [x.value], props, y_shape, x.value.bits, x.zero_point, x.std)

    def global_pool(self, x: Tensor, kind: str) -> Tensor:
        shape, x_bits = x.value.shape, x.value.bits
        y_shape = [shape[0], shape[-1]]
        if kind == "global_max_pool":
            return self.emit(kind, [x.value], {}, y_shape, x_bits, x.zero_point, x.std)
        y_bits = x_bits if self.rng.random() < 0.7 else 24 - x_bits
        z_in = self.input_zero_point(x)
        std = np.sqrt(prod(shape[1:-1])) * np.hypot(x.std, x.zero_point - z_in)
        props = rescale_props(
            self.rng, self.center(target(y_bits, std)), 1, y_bits, input_zero_point=z_in
        )
        return self.emit(
            kind, [x.value], props, y_shape, y_bits, prop_int(props, "output_zero_point")
        )

    # -- the whole graph ----------------------------------------------------------------
    def finish(self, seed: int) -> Graph:
        """Every value nothing uses becomes a result, requantized to the I/O width."""
        unused = [t.value for t in self.tensors[1:] if t.value.name not in self.used]
        self.kinds += ["requantize"] * sum(v.bits != self.bits for v in unused)
        outputs = [requantize_from(self.module, self.rng, v, self.bits) for v in unused]
        return Graph(self.bits, self.module.input, self.module.lines, outputs, self.kinds, seed)


OP_METHODS = {
    "add": "binary",
    "sub": "binary",
    "mul": "binary",
    "dense": "accumulate",
    "conv1d": "accumulate",
    "conv2d": "accumulate",
    "depthwise_conv1d": "accumulate",
    "depthwise_conv2d": "accumulate",
    "max_pool": "pool",
    "avg_pool": "pool",
    "global_max_pool": "global_pool",
    "global_avg_pool": "global_pool",
}


@st.composite
def graphs(draw) -> Graph:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = DrawRng(draw, np.random.default_rng(seed))
    bits = choice(rng, [8, 16])
    rank = choice(rng, [3, 4, 2, 1])
    spatial = [int(rng.integers(1, 7)) for _ in range(rank - 2)]
    shape = (
        [int(rng.integers(1, 9))]
        if rank == 1
        else [int(rng.integers(1, 3)), *spatial, int(rng.integers(1, 5))]
    )
    builder = GraphBuilder(rng, bits, shape)
    for _ in range(int(rng.integers(2, MAX_OPS + 1))):
        builder.step()
    return builder.finish(seed)


# ----------------------------------------------------------------------------- running graphs


def graph_inputs(graph: Graph) -> np.ndarray:
    """[samples, *shape]: test_int_c's extremes and random inputs, then mixed extremes."""
    rng = np.random.default_rng([graph.seed, 1])
    shape, bits = graph.input.shape, graph.bits
    lo, hi = storage_range(bits)
    mixed = rng.choice([lo, lo + 1, -1, 0, 1, hi - 1, hi], (MIXED_EXTREMES, *shape))
    return np.concatenate([input_batch(rng, shape, bits), mixed.astype(DTYPES[bits])])


@dataclass
class Mismatch:
    graph: Graph
    detail: str
    cc: str
    """The C compiler of the failing build."""

    def report(self) -> str:
        return f"{self.detail} ({self.cc})\n{self.graph.text()}"


def merged_text(graphs: list[Graph]) -> str:
    """One `@main` taking every graph's input and returning every graph's results."""
    args, lines, results = [], [], []
    for k, graph in enumerate(graphs):
        prefix = f"g{k}_"
        args.append(renamed(graph.input, prefix))
        lines += graph.renamed_lines(prefix)
        results += [renamed(v, prefix) for v in graph.outputs]
    return function_text(args, lines, results)


def wrapper_c(graphs: list[Graph], ctype: str) -> dict[str, str]:
    """`multi_run(input, output)` over flat buffers: the single-I/O API host_run's driver calls."""
    ins, outs, offset = [], [], 0
    for graph in graphs:
        ins.append(f"input + {offset}")
        offset += prod(graph.input.shape)
    offset = 0
    for graph in graphs:
        for v in graph.outputs:
            outs.append(f"output + {offset}")
            offset += prod(v.shape)
    header = (
        '#include "fuzz.h"\nint multi_init(void);\n'
        f"int multi_run(const {ctype} *input, {ctype} *output);\n"
    )
    source = (
        '#include "multi.h"\n#include "fuzz.c"\n'
        "int multi_init(void) { return fuzz_init(); }\n"
        f"int multi_run(const {ctype} *input, {ctype} *output)\n"
        f"{{\n    return fuzz_run({', '.join(ins + outs)});\n}}\n"
    )
    return {"multi.h": header, "multi.c": source}


@dataclass
class BatchRun:
    """The graphs of one C program: built and run by a worker, the reference computed here."""

    graphs: list[Graph]
    directory: Path
    cc: str
    inputs: list[np.ndarray] = field(default_factory=list)
    expected: list[np.ndarray] = field(default_factory=list)
    """One [samples, values] array per result."""
    got: Future | None = None
    error: str | None = None


def start(graphs: list[Graph], directory: Path, pool: ThreadPoolExecutor, cc: str) -> BatchRun:
    """Generate the batch's C, submit its build and run to `pool`, compute the reference."""
    run = BatchRun(graphs, directory, cc)
    try:
        module = parse_module(merged_text(graphs))
        files, emitter = generate_c(module, "fuzz")
        for header in emitter.runtime_headers():
            files[header] = runtime_file(header)
        bits = graphs[0].bits
        files |= wrapper_c(graphs, f"int{bits}_t")
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(text)
        run.inputs = [graph_inputs(g) for g in graphs]
        flat = np.concatenate([x.reshape(len(x), -1) for x in run.inputs], axis=1)
        outputs = sum(prod(v.shape) for g in graphs for v in g.outputs)
        run.got = pool.submit(build_and_run, directory, flat, outputs, DTYPES[bits], cc)
        run.expected = reference(module, run.inputs)
    except Exception as error:  # noqa: BLE001 (reported against the graph that causes it)
        run.error = f"{type(error).__name__}: {error}"
    return run


def reference(module, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """[samples, values] of each result. Sample by sample: `interpreter.run` slices every
    argument with the first argument's batch size, which differs between graphs."""
    function = interpreter.entry_function(module)
    machine = interpreter.make_interpreter(module)
    rows = [machine.call_op(function, sample) for sample in zip(*inputs)]
    return [np.stack([np.asarray(r[k]).reshape(-1) for r in rows]) for k in range(len(rows[0]))]


def build_and_run(directory: Path, flat: np.ndarray, outputs: int, dtype, cc: str) -> np.ndarray:
    """[samples, outputs] of the batch's C: built with host compiler `cc` under the sanitizers,
    or for the core `cc` (one of CORES) and run in Unicorn."""
    if cc in CORES:
        run = core_runner(directory, cc, directory / cc, name="fuzz")
        return np.stack([run(sample) for sample in flat])
    model = build_host_model(
        str(directory),
        (flat.shape[1],),
        dtype,
        (outputs,),
        dtype,
        name="multi",
        cc=cc,
        extra_flags=FUZZ_FLAGS,
        build_dir=str(directory),
    )
    return model.run(flat)


def finish(run: BatchRun) -> tuple[list[Mismatch], int]:
    """Mismatching graphs and the number of values compared. A batch that fails to build or
    run, or whose reference raises, is run again graph by graph to find the culprits (unless
    its first SYSTEMIC graphs all fail alike: then the rest is charged the same error)."""
    got = None
    if run.error is None:
        try:
            got = run.got.result()
        except Exception as error:  # noqa: BLE001
            run.error = f"{type(error).__name__}: {error}"
    if run.error is None:
        return compare(run, got)
    if len(run.graphs) == 1:
        return [Mismatch(run.graphs[0], run.error, run.cc)], 0
    mismatches, compared = [], 0
    for k, graph in enumerate(run.graphs):
        alike = {m.detail for m in mismatches}
        if k == SYSTEMIC == len(mismatches) and len(alike) == 1:
            (detail,) = alike
            mismatches += [Mismatch(g, f"as graph 0: {detail}", run.cc) for g in run.graphs[k:]]
            break
        m, n = check([graph], run.directory / f"alone{k}", run.cc)
        mismatches += m
        compared += n
    return mismatches, compared


def check(graphs: list[Graph], directory: Path, cc: str) -> tuple[list[Mismatch], int]:
    """Build and compare `graphs` now (one C program)."""
    with ThreadPoolExecutor(1) as pool:
        return finish(start(graphs, directory, pool, cc))


def compare(run: BatchRun, got: np.ndarray) -> tuple[list[Mismatch], int]:
    """Mismatching graphs and the number of values compared."""
    mismatches, column, compared = [], 0, 0
    expected_by_result = iter(run.expected)
    for k, graph in enumerate(run.graphs):
        for j, _ in enumerate(graph.outputs):
            expected = next(expected_by_result)
            part = got[:, column : column + expected.shape[1]]
            column += expected.shape[1]
            compared += part.size
            bad = np.argwhere(part != expected)
            if len(bad):
                s, e = bad[0]
                detail = (
                    f"result {j}: {len(bad)} values differ, first at input {s} element {e}: "
                    f"C {part[s, e]}, reference {expected[s, e]}; input {s} = "
                    f"{run.inputs[k][s].tolist()}"
                )
                mismatches.append(Mismatch(graph, detail, run.cc))
    return mismatches, compared


# ----------------------------------------------------------------------------- campaigns


def hypothesis_run(body: Callable[[Graph], None], count: int, seed: int | None, phases) -> None:
    """Feed `count` graphs to `body`: derandomized, or from `seed`. The same arguments give
    the same sequence of graphs while `body` passes, which `shrink` relies on."""

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(graphs())
    def fuzz_graphs(graph: Graph) -> None:
        body(graph)

    if seed is not None:
        fuzz_graphs = hypothesis.seed(seed)(fuzz_graphs)
    fuzz_graphs()


class _Enough(BaseException):
    """Ends a collecting Hypothesis run (a BaseException: Hypothesis lets it through)."""


def round_seed(seed: int | None, k: int) -> int | None:
    """The Hypothesis seed of collection round k (None: derandomized, the test's round)."""
    return None if seed is None and k == 0 else (seed or 0) * 100_003 + k


def collect(count: int, seed: int | None) -> list[Graph]:
    """`count` distinct graphs (Hypothesis repeats about one in four), in rounds of at most
    ROUND graphs a Hypothesis run: one long run slows down as its example tree grows."""
    found: dict[str, Graph] = {}
    for k in itertools.count():
        origin, quota = round_seed(seed, k), min(count, len(found) + ROUND)

        def keep(graph: Graph) -> None:
            graph.origin = origin  # noqa: B023 (each round's run ends before the next)
            found.setdefault(graph.text(), graph)
            if len(found) == quota:  # noqa: B023
                raise _Enough

        try:
            hypothesis_run(keep, 2 * ROUND, origin, [Phase.generate])
        except _Enough:
            pass
        if len(found) >= count:
            return list(found.values())
    raise AssertionError("unreachable")


def shrink(failing: Mismatch, directory: Path) -> str:
    """The smallest failing graph Hypothesis finds from `failing` (its report): its round is
    replayed up to it, then Hypothesis shrinks it, building each candidate alone."""
    target_text, state = failing.graph.text(), {"armed": False, "report": None, "tries": 0}
    cc = failing.cc

    def body(graph: Graph) -> None:
        if not state["armed"] and graph.text() != target_text:
            return
        state["armed"] = True
        state["tries"] += 1
        mismatches, _ = check([graph], directory / f"shrink{state['tries']}", cc)
        if mismatches:
            state["report"] = mismatches[0].report()
            raise AssertionError(state["report"])

    try:
        hypothesis_run(body, 2 * ROUND, failing.graph.origin, [Phase.generate, Phase.shrink])
    except AssertionError:
        pass
    return state["report"] or f"(not reproduced alone)\n{target_text}"


@dataclass
class Summary:
    cases: int = 0
    inputs: int = 0
    values: int = 0
    programs: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    generate_seconds: float = 0.0
    seconds: float = 0.0
    shrunk: str | None = None
    targets: tuple[str, ...] = COMPILERS

    def table(self) -> str:
        rows = [
            ("cases", self.cases),
            ("inputs", self.inputs),
            ("values compared", self.values),
            ("C programs", f"{self.programs} ({', '.join(self.targets)} by turns)"),
            ("mismatching cases", len(self.mismatches)),
            ("seconds (generation)", f"{self.generate_seconds:.1f}"),
            ("seconds (total)", f"{self.seconds:.1f}"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.kinds.items()))
        return "\n".join(lines + [f"ops: {kinds}"])


def fuzz(
    cases: int,
    seed: int | None = None,
    batch: int = BATCH,
    jobs: int | None = None,
    shrink_failures: bool = True,
    targets: tuple[str, ...] = COMPILERS,
) -> Summary:
    """Generate `cases` graphs, run them in C programs of `batch` graphs (built for each of
    `targets` by turns: host compilers or CORES), compare."""
    began = time.perf_counter()
    summary = Summary(targets=targets)
    graphs = collect(cases, seed)
    summary.generate_seconds = time.perf_counter() - began
    chunks = [
        group[i : i + batch]
        for group in ([g for g in graphs if g.bits == bits] for bits in (8, 16))
        for i in range(0, len(group), batch)
    ]
    with tempfile.TemporaryDirectory(prefix="qtc-fuzz-") as tmp:
        with ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
            runs = [
                start(chunk, Path(tmp) / f"batch{i}", pool, targets[i % len(targets)])
                for i, chunk in enumerate(chunks)
            ]
        for run in runs:
            mismatches, compared = finish(run)
            summary.mismatches += mismatches
            summary.values += compared
        if summary.mismatches and shrink_failures:
            summary.shrunk = shrink(summary.mismatches[0], Path(tmp) / "shrink")
    summary.cases = len(graphs)
    summary.inputs = sum(len(graph_inputs(g)) for g in graphs)
    summary.programs = len(chunks)
    summary.kinds = Counter(k for g in graphs for k in g.kinds)
    summary.seconds = time.perf_counter() - began
    return summary


# ----------------------------------------------------------------------------- tests

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")


def show(request, text: str) -> None:
    """Write `text` to the terminal even under -q and output capture (the counts belong in
    the test log)."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(text)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for line in text.splitlines():
            reporter.write_line(line)


@needs_gcc
def test_fuzzed_graphs_c_matches_the_reference(request, record_property) -> None:
    summary = fuzz(CASES)
    show(request, f"qnn graph fuzzing (derandomized):\n{summary.table()}")
    for name in ("cases", "inputs", "values", "seconds"):
        record_property(name, getattr(summary, name))
    record_property("mismatches", len(summary.mismatches))
    assert not summary.mismatches, (
        f"{len(summary.mismatches)} of {summary.cases} graphs differ ({summary.inputs} inputs); "
        f"smallest failing graph found:\n{summary.shrunk}\n\nfirst failing graph as generated:\n"
        f"{summary.mismatches[0].report()}"
    )
    assert summary.cases == CASES
    pools = {f"{kind}{rank}d" for kind in ("max_pool", "avg_pool") for rank in (1, 2)}
    assert set(summary.kinds) >= {*KINDS, *pools} - {"max_pool", "avg_pool"}


@needs_arm
@pytest.mark.parametrize("core", CORES)
def test_fuzzed_graphs_on_cortex_m_match_the_reference(core: str, request) -> None:
    """The same graphs built for the Cortex-M0 (ARMv6-M asm kernels, the split multiply) and
    the M4 (the DSP kernels and requantizers) and run in Unicorn equal the interpreter."""
    pytest.importorskip("unicorn")
    summary = fuzz(CORE_CASES, targets=(core,))
    show(request, f"qnn graph fuzzing on the {core} (derandomized):\n{summary.table()}")
    assert not summary.mismatches, (
        f"{len(summary.mismatches)} of {summary.cases} graphs differ on the {core}; smallest failing "
        f"graph found:\n{summary.shrunk}\n\nfirst failing graph as generated:\n"
        f"{summary.mismatches[0].report()}"
    )
    assert summary.cases == CORE_CASES and summary.values > 0


@needs_gcc
def test_the_fuzzer_finds_a_planted_bug(monkeypatch) -> None:
    """The harness compares what it claims to: an emitter that keeps only the first of an
    op's per-channel multipliers is caught."""
    original = emit_c_qnn.requant_fields

    def first_channel_only(em, hint, rescale, *rest):
        multipliers, shifts = rescale
        return original(em, hint, (multipliers[:1], shifts[:1]), *rest)

    monkeypatch.setattr(emit_c_qnn, "requant_fields", first_channel_only)
    summary = fuzz(100, shrink_failures=False)
    assert len(summary.mismatches) >= 5, summary.table()
