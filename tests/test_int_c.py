"""Every qnn op in C (runtime_c/qtc_int.h through compiler/emit_c_qnn.py) against the Python
reference (qtc.dialects.qnn_interpreter), bit for bit, and the integer build free of floats.

Each op kind gets CASES[kind] random modules from a fixed seed: random shapes, zero points,
per-tensor and per-channel multipliers (fixedpoint.quantize_multiplier of random reals), both
roundings, clamps, i8 and i16 (and mixed widths), 1-d and 2-d windows with strides,
dilations and both paddings, depthwise multipliers > 1, broadcasting, TFLM softmax parameters
and tables, LUTs of tanh/sigmoid/exp and random tables. Every module is built once with gcc
under ASan/UBSan and run on a batch of inputs that starts with the extremes (all minimum, all
maximum, alternating, all zero) followed by random ones; the output must equal the
interpreter's exactly.

The generated C function takes and returns one element type, so an op whose input width
differs from its output width is fed by a random `qnn.requantize` from the output width, and
requantize cases are chains through i8, i16 or i32 that return to their input width.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from math import prod
from pathlib import Path

import numpy as np
import pytest
from qtc.compiler import interpreter
from qtc.compiler.build import runtime_file
from qtc.compiler.emit_c import generate_c
from qtc.compiler.host_run import SANITIZE_FLAGS, build_host_model
from qtc.compiler.textual_ir import parse_module
from qtc.dialects import fixedpoint as fp
from qtc.dialects.qnn import LUT_LENGTH, SHIFT_RANGE
from qtc.dialects.qtc_attrs import storage_range

SEED = 20250611
RANDOM_SAMPLES = 12
"""Random inputs per module, after the extremes."""
ELEMENT = {1: "i8", 2: "i16", 4: "i32", 8: "i64"}
DTYPES = {bits: np.dtype(f"int{bits}") for bits in (8, 16, 32, 64)}
ROUNDINGS = fp.ROUNDINGS


# ----------------------------------------------------------------------------- building modules


def tensor_type(shape, dtype) -> str:
    return f"tensor<{''.join(f'{d}x' for d in shape)}{ELEMENT[np.dtype(dtype).itemsize]}>"


def hex_dense(array: np.ndarray) -> str:
    """A dense elements attribute in MLIR's hex form (little-endian bytes)."""
    array = np.asarray(array)
    data = array.astype(array.dtype.newbyteorder("<")).tobytes().hex().upper()
    return f'dense<"0x{data}"> : {tensor_type(array.shape, array.dtype)}'


def i32(v) -> str:
    return f"{int(v)} : i32"


def i64(v) -> str:
    return f"{int(v)} : i64"


def a32(values) -> str:
    return f"array<i32: {', '.join(str(int(v)) for v in values)}>"


def a64(values) -> str:
    return f"array<i64: {', '.join(str(int(v)) for v in values)}>"


def string(text: str) -> str:
    return f'"{text}"'


@dataclass(frozen=True)
class Value:
    name: str
    shape: tuple[int, ...]
    bits: int

    @property
    def type(self) -> str:
        return tensor_type(self.shape, DTYPES[self.bits])


@dataclass
class Module:
    """`func.func @main(%x)` built op by op as text."""

    shape: tuple[int, ...]
    bits: int
    lines: list[str] = field(default_factory=list)

    @property
    def input(self) -> Value:
        return Value("%x", tuple(self.shape), self.bits)

    def _fresh(self) -> str:
        return f"%v{len(self.lines)}"

    def constant(self, array: np.ndarray) -> Value:
        value = Value(self._fresh(), tuple(array.shape), array.dtype.itemsize * 8)
        self.lines.append(f"{value.name} = qnn.constant {hex_dense(array)}")
        return value

    def op(self, name: str, operands, props: dict, shape, bits: int) -> Value:
        value = Value(self._fresh(), tuple(shape), bits)
        attrs = ", ".join(f"{k} = {v}" for k, v in props.items())
        types = ", ".join(o.type for o in operands)
        self.lines.append(
            f"{value.name} = qnn.{name} {', '.join(o.name for o in operands)} {{{attrs}}} "
            f": ({types}) -> {value.type}"
        )
        return value

    def text(self, result: Value) -> str:
        body = "".join(f"  {line}\n" for line in self.lines)
        return (
            f"func.func @main(%x: {self.input.type}) -> {result.type} {{\n{body}"
            f"  func.return {result.name} : {result.type}\n}}\n"
        )


@dataclass
class Case:
    kind: str
    text: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    bits: int
    extra_inputs: tuple[np.ndarray, ...] = ()
    """Inputs made for the case, run after the common ones."""


# ----------------------------------------------------------------------------- random parameters


def choice(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def zero_point(rng: np.random.Generator, bits: int) -> int:
    """0 (mostly for i16: 16x8 is symmetric), an extreme, or any value (i32: within 2^16)."""
    lo, hi = storage_range(bits)
    r = rng.random()
    if r < (0.5 if bits == 16 else 0.2):
        return 0
    if r < (0.6 if bits == 16 else 0.3):
        return choice(rng, [lo, hi])
    if bits == 32:
        return int(rng.integers(-(1 << 16), 1 << 16))
    return int(rng.integers(lo, hi + 1))


def spread(bits: int) -> float:
    """Standard deviation of uniform random values of `bits` (an int32 value gets ~20 bits)."""
    return 2.0 ** min(bits, 20) / 3.5


def centred(bits: int, zero: int) -> float:
    """Root mean square of x - zero for uniform random x of `bits`."""
    return float(np.hypot(spread(bits), zero))


def target(out_bits: int, std: float) -> float:
    """The real multiplier that maps values of standard deviation `std` to half the output's."""
    return 0.5 * spread(out_bits) / std


def clamp_props(rng: np.random.Generator, bits: int, output_zero_point: int) -> dict:
    """No clamp, a ReLU clamp at the zero point, or a random range around the zero point."""
    lo, hi = storage_range(bits)
    r = rng.random()
    if r < 0.5:
        return {}
    if r < 0.7:
        return {"clamp_min": i32(output_zero_point)}
    low = int(rng.integers(lo, output_zero_point + 1))
    return {"clamp_min": i32(low), "clamp_max": i32(rng.integers(output_zero_point, hi + 1))}


def multipliers(
    rng: np.random.Generator, center: float, count: int, rounding: str, max_shift: int = 30
) -> tuple[list[int], list[int]]:
    """`count` (q, shift) of reals within an octave of `center`, an occasional zero."""
    qs, shifts = [], []
    for real in center * 2.0 ** rng.uniform(-1, 1, count):
        real = min(real, 2.0**max_shift * 0.99)
        q, s = (0, 0) if rng.random() < 0.03 else fp.quantize_multiplier(real, rounding)
        qs.append(q)
        shifts.append(s)
    return qs, shifts


def rescale_props(
    rng: np.random.Generator,
    center: float,
    channels: int,
    out_bits: int,
    accumulator_bits: int = 32,
    input_zero_point: int | None = None,
    output_zero_point: int | None = None,
) -> dict:
    """Properties of a rescaling op: per-tensor or per-channel multipliers, rounding, clamp."""
    rounding = choice(rng, ROUNDINGS)
    count = channels if channels > 1 and rng.random() < 0.6 else 1
    q, s = multipliers(rng, center, count, rounding, SHIFT_RANGE[accumulator_bits][1])
    z_out = zero_point(rng, out_bits) if output_zero_point is None else output_zero_point
    props = {} if input_zero_point is None else {"input_zero_point": i32(input_zero_point)}
    props |= {"output_zero_point": i32(z_out), "multiplier": a32(q), "shift": a32(s)}
    props["rounding"] = string(rounding)
    return props | clamp_props(rng, out_bits, z_out)


def random_ints(rng: np.random.Generator, bits: int, shape) -> np.ndarray:
    """Uniform integers over the whole range of `bits`."""
    lo, hi = storage_range(bits)
    return rng.integers(lo, hi + 1, shape).astype(DTYPES[bits])


def requantize_from(module: Module, rng: np.random.Generator, value: Value, bits: int) -> Value:
    """`value` (uniform random) requantized to `bits` centred on 0 (a width adapter)."""
    if value.bits == bits:
        return value
    (q,), (s,) = multipliers(rng, 2 * target(bits, spread(value.bits)), 1, "double")
    props = {
        "input_zero_point": i32(0),
        "output_zero_point": i32(0),
        "multiplier": a32([q]),
        "shift": a32([s]),
    }
    return module.op("requantize", [value], props, value.shape, bits)


def random_shape(rng: np.random.Generator, rank: int, low: int = 1, high: int = 5) -> list[int]:
    return [int(v) for v in rng.integers(low, high + 1, rank)]


def random_weights(rng: np.random.Generator, shape, bits: int) -> np.ndarray:
    """Symmetric narrow-range weights, occasionally the full range (the verifier allows it)."""
    lo, hi = storage_range(bits)
    low = lo if rng.random() < 0.2 else lo + 1
    return rng.integers(low, hi + 1, shape).astype(DTYPES[bits])


def random_bias(rng: np.random.Generator, count: int, x_bits: int, typical: float) -> np.ndarray:
    """int32 bias (i8 inputs; sometimes near the limits, so the accumulator wraps) or int64."""
    if x_bits == 8 and rng.random() < 0.15:
        return rng.integers(fp.INT32_MAX - 2**20, fp.INT32_MAX, count).astype(np.int32) * choice(
            rng, [1, -1]
        )
    bias = np.round(rng.normal(0, typical, count))
    return bias.astype(np.int32 if x_bits == 8 else np.int64)


# ----------------------------------------------------------------------------- cases per op kind


def window_props(rng: np.random.Generator, sizes: list[int], rank: int, dilated: bool):
    """(kernel, strides, dilations, padding) that give a non-empty output, or None."""
    kernel = random_shape(rng, rank, 1, 3)
    strides = random_shape(rng, rank, 1, 3)
    dilations = random_shape(rng, rank, 1, 2) if dilated else [1] * rank
    padding = choice(rng, ["same", "valid"])
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilations)]
    if padding == "valid" and any(e > s for e, s in zip(effective, sizes)):
        return None
    return kernel, strides, dilations, padding


def output_sizes(sizes, kernel, strides, dilations, padding) -> list[int]:
    from qtc.dialects.shapes import window_output_shape

    return window_output_shape(sizes, kernel, strides, dilations, padding)


def widths(rng: np.random.Generator) -> tuple[int, int, int]:
    """(input, weights, output) widths: mostly 8x8 -> 8 and 16x8 -> 16, sometimes mixed."""
    x_bits = choice(rng, [8, 8, 16])
    w_bits = 8 if rng.random() < 0.8 else 16
    y_bits = x_bits if rng.random() < 0.75 else 24 - x_bits
    return x_bits, w_bits, y_bits


def conv_geometry(rng: np.random.Generator, kind: str, x_shape: list[int]):
    """(weights shape, result shape, taps an output sums, window properties) of a random
    convolution `kind` over x_shape, or None if its window does not fit."""
    geometry = window_props(rng, x_shape[1:-1], len(x_shape) - 2, dilated=True)
    if geometry is None:
        return None
    kernel, strides, dilations, padding = geometry
    depthwise = kind.startswith("depthwise")
    f = int(rng.integers(1, 4)) if depthwise else int(rng.integers(1, 5))
    w_shape = [*kernel, x_shape[-1], f]
    channels = x_shape[-1] * f if depthwise else f
    y_shape = [x_shape[0], *output_sizes(x_shape[1:-1], *geometry), channels]
    taps = prod(kernel) * (1 if depthwise else x_shape[-1])
    window = {"strides": a64(strides), "dilations": a64(dilations), "padding": string(padding)}
    return w_shape, y_shape, taps, window


def accumulating_case(rng: np.random.Generator, kind: str) -> Case | None:
    x_bits, w_bits, y_bits = widths(rng)
    if kind == "dense":
        lead = random_shape(rng, int(rng.integers(0, 3)), 1, 3)
        x_shape = [*lead, int(rng.integers(1, 9))]
        out = int(rng.integers(1, 7))
        w_shape, y_shape, taps = [x_shape[-1], out], [*lead, out], x_shape[-1]
        window = {}
    else:
        rank = 1 if kind.endswith("1d") else 2
        x_shape = [int(rng.integers(1, 3)), *random_shape(rng, rank, 1, 7), int(rng.integers(1, 4))]
        geometry = conv_geometry(rng, kind, x_shape)
        if geometry is None:
            return None
        w_shape, y_shape, taps, window = geometry
    module = Module(tuple(x_shape), y_bits)
    x = requantize_from(module, rng, module.input, x_bits)
    z_in = zero_point(rng, x_bits)
    typical = np.sqrt(taps) * centred(x_bits, z_in) * spread(w_bits)
    weights = module.constant(random_weights(rng, w_shape, w_bits))
    bias = module.constant(random_bias(rng, y_shape[-1], x_bits, typical))
    props = window | rescale_props(
        rng,
        target(y_bits, typical * np.sqrt(2)),
        y_shape[-1],
        y_bits,
        accumulator_bits=32 if x_bits == 8 else 64,
        input_zero_point=z_in,
    )
    y = module.op(kind, [x, weights, bias], props, y_shape, y_bits)
    return Case(kind, module.text(y), tuple(x_shape), tuple(y_shape), y_bits)


def requantize_case(rng: np.random.Generator, kind: str) -> Case:
    """io -> mid -> io with mid in i8/i16/i32, each step per tensor or along a random axis.

    A "wild" i32 intermediate comes from multipliers up to 2^29 and extreme zero points, so
    the left shift, the zero point additions and subtractions wrap int32.
    """
    io_bits = choice(rng, [8, 16])
    mid_bits = choice(rng, [8, 16, 32])
    wild = mid_bits == 32 and rng.random() < 0.4
    shape = random_shape(rng, int(rng.integers(1, 4)), 1, 4)
    module = Module(tuple(shape), io_bits)
    value, z_in, std = module.input, zero_point(rng, io_bits), spread(io_bits)
    for bits in (mid_bits, io_bits):
        std = np.hypot(std, z_in)  # of value - z_in
        z_out = zero_point(rng, bits)
        center = target(bits, std)
        if wild and bits == 32:
            center, z_out = 2.0 ** rng.uniform(12, 29), choice(rng, [fp.INT32_MIN, fp.INT32_MAX])
        elif wild:
            center = target(bits, 2.0**31)
        axis = int(rng.integers(-len(shape), len(shape))) if rng.random() < 0.7 else None
        channels = 1 if axis is None else shape[axis]
        props = rescale_props(
            rng, center, channels, bits, input_zero_point=z_in, output_zero_point=z_out
        )
        std, z_in = 0.5 * spread(bits), z_out if rng.random() < 0.7 else zero_point(rng, bits)
        if wild and bits == 32:
            z_in = int(rng.integers(fp.INT32_MIN, fp.INT32_MAX + 1))
        if axis is not None:
            props["axis"] = i64(axis)
        value = module.op("requantize", [value], props, shape, bits)
    return Case(kind, module.text(value), tuple(shape), tuple(shape), io_bits)


def broadcast_shapes(rng: np.random.Generator) -> tuple[list[int], list[int], list[int]]:
    """(result, lhs, rhs): every result axis carried by one or both operands, leading 1s dropped."""
    result = random_shape(rng, int(rng.integers(1, 5)), 1, 4)
    lhs, rhs = [], []
    for size in result:
        carrier = choice(rng, ["both", "both", "lhs", "rhs"])
        lhs.append(size if carrier in ("both", "lhs") else 1)
        rhs.append(size if carrier in ("both", "rhs") else 1)
    for shape in (lhs, rhs):
        while len(shape) > 1 and shape[0] == 1 and rng.random() < 0.5:
            shape.pop(0)
    return list(np.broadcast_shapes(tuple(lhs), tuple(rhs))), lhs, rhs


def binary_case(rng: np.random.Generator, kind: str) -> Case:
    bits = choice(rng, [8, 16])
    result, lhs_shape, rhs_shape = broadcast_shapes(rng)
    input_side = choice(rng, ["lhs", "rhs", "both"])
    if input_side == "both":
        lhs_shape = rhs_shape = result
    module = Module(tuple(lhs_shape if input_side != "rhs" else rhs_shape), bits)
    lo, hi = storage_range(bits)

    def operand(shape) -> Value:
        data = random_ints(rng, bits, shape)
        if rng.random() < 0.2:
            data[...] = choice(rng, [lo, hi])
        return module.constant(data)

    lhs = module.input if input_side != "rhs" else operand(lhs_shape)
    rhs = module.input if input_side != "lhs" else operand(rhs_shape)
    props = binary_props(rng, kind, bits, zero_point(rng, bits), zero_point(rng, bits))
    y = module.op(kind, [lhs, rhs], props, result, bits)
    return Case(kind, module.text(y), tuple(module.shape), tuple(result), bits)


def binary_props(rng: np.random.Generator, kind: str, bits: int, z_l: int, z_r: int) -> dict:
    """Properties of add/sub/mul of uniform random operands with zero points z_l and z_r."""
    lo, hi = storage_range(bits)
    if kind == "mul" and max(z_l - lo, hi - z_l) * max(z_r - lo, hi - z_r) > fp.INT32_MAX:
        z_l = z_r = 0
    c_l, c_r = centred(bits, z_l), centred(bits, z_r)
    rounding = choice(rng, ROUNDINGS)
    if kind == "mul":
        (q,), (s,) = multipliers(rng, target(bits, c_l * c_r), 1, rounding)
        rescales = {"multiplier": a32([q]), "shift": a32([s])}
    else:
        left_shift = fp.ADD_LEFT_SHIFT[bits]
        s_l, s_r = 2.0 ** rng.uniform(-6, 0), 2.0 ** rng.uniform(-6, 0)
        s_out = np.hypot(s_l * c_l, s_r * c_r) / (0.5 * spread(bits)) * 2.0 ** rng.uniform(-1, 1)
        if rng.random() < 0.25:  # other multipliers and headroom, input shifts > 0 included
            largest = max(max(z - lo, hi - z) for z in (z_l, z_r))
            left_shift = int(rng.integers(0, 31 - largest.bit_length() + 1))
            reals = [s_l / s_out * 2.0**-left_shift, s_r / s_out * 2.0**-left_shift]
            # moves magnitude from the output multiplier to the inputs; a large gain makes
            # the rescaled inputs and their sum wrap int32
            gain = 2.0 ** (rng.uniform(-1, 3) if rng.random() < 0.5 else rng.uniform(20, 28))
            sides = [
                multipliers(rng, r, 1, rounding)
                for r in (reals[0] * gain, reals[1] * gain, 1 / gain)
            ]
            params = [(q, s) for (q,), (s,) in sides]
        else:
            make = fp.add_params if kind == "add" else fp.sub_params
            params = make(s_l, s_r, s_out, left_shift)
        rescales = {"left_shift": i32(left_shift)}
        for side, (q, s) in zip(("lhs", "rhs", "output"), params):
            rescales |= {f"{side}_multiplier": i32(q), f"{side}_shift": i32(s)}
    z_out = zero_point(rng, bits)
    return {
        "lhs_zero_point": i32(z_l),
        "rhs_zero_point": i32(z_r),
        "output_zero_point": i32(z_out),
        **rescales,
        "rounding": string(rounding),
        **clamp_props(rng, bits, z_out),
    }


def clamp_case(rng: np.random.Generator, kind: str) -> Case:
    bits = choice(rng, [8, 16])
    shape = random_shape(rng, int(rng.integers(1, 4)))
    module = Module(tuple(shape), bits)
    lo, hi = sorted(int(v) for v in random_ints(rng, bits, 2))
    props = {"clamp_min": i32(lo), "clamp_max": i32(hi)}
    y = module.op("clamp", [module.input], props, shape, bits)
    return Case(kind, module.text(y), tuple(shape), tuple(shape), bits)


LUT_FUNCTIONS: dict[str, tuple[Callable, Callable]] = {
    # name: (function, (input scale, bits) -> (output scale, output zero point))
    "tanh": (np.tanh, lambda s, bits: (1 / 128, 0) if bits == 8 else (1 / 32768, 0)),
    "sigmoid": (
        lambda v: 1 / (1 + np.exp(-v)),
        lambda s, bits: (1 / 256, -128) if bits == 8 else (1 / 32768, 0),
    ),
    "exp": (
        np.exp,
        lambda s, bits: (np.exp(s * 2.0 ** (bits - 1)) / 2.0**bits, -128 if bits == 8 else 0),
    ),
}


def lut_case(rng: np.random.Generator, kind: str) -> Case:
    bits = choice(rng, [8, 16])
    shape = random_shape(rng, int(rng.integers(1, 4)))
    module = Module(tuple(shape), bits)
    y = module.op("lut", [module.input], {"table": hex_dense(lut_table(rng, bits))}, shape, bits)
    return Case(kind, module.text(y), tuple(shape), tuple(shape), bits)


def lut_table(rng: np.random.Generator, bits: int) -> np.ndarray:
    """A table of tanh, sigmoid or exp at a random input scale, or random entries."""
    name = choice(rng, [*LUT_FUNCTIONS, "random"])
    if name == "random":  # also exercises the int16 interpolation's wrapping slope
        return random_ints(rng, bits, LUT_LENGTH[bits])
    fn, output = LUT_FUNCTIONS[name]
    scale = float(2.0 ** rng.uniform(-7, -3) if bits == 8 else 2.0 ** rng.uniform(-14, -9))
    out_scale, out_zero_point = output(scale, bits)
    if bits == 8:
        return fp.lut_int8(fn, scale, zero_point(rng, 8), out_scale, out_zero_point)
    return fp.lut_int16(fn, scale, 0, out_scale, out_zero_point)


def softmax_case(rng: np.random.Generator, kind: str) -> Case:
    bits = choice(rng, [8, 16])
    shape = [*random_shape(rng, int(rng.integers(0, 3)), 1, 3), int(rng.integers(1, 41))]
    module = Module(tuple(shape), bits)
    props, diff_min = softmax_props(rng, bits)
    extra = ()
    if diff_min is not None and diff_min > -255:  # rows with differences diff_min - 1, diff_min, diff_min + 1
        top = 127
        row = np.clip(top + diff_min + np.arange(-1, shape[-1] - 1) % 3 - 1, -128, 127)
        row[0] = top
        extra = (np.broadcast_to(row, shape).astype(np.int8),)
    y = module.op("softmax", [module.input], props, shape, bits)
    return Case(kind, module.text(y), tuple(shape), tuple(shape), bits, extra)


def softmax_props(rng: np.random.Generator, bits: int) -> tuple[dict, int | None]:
    """TFLM softmax properties (i16: with tables) of a random input scale, beta and rounding,
    and the i8 diff_min."""
    rounding = choice(rng, ROUNDINGS)
    beta = float(rng.uniform(0.5, 2.0))
    props, diff_min = {}, None
    if bits == 8:
        scale = float(2.0 ** rng.uniform(-7, 0))
        q, shift, diff_min = fp.softmax_int8_params(scale, beta, rounding)
        props["diff_min"] = i32(diff_min)
    else:
        scale = float(2.0 ** rng.uniform(-13, -6))
        q, shift, exp_table, reciprocal_table = fp.softmax_int16_params(scale, beta, rounding)
        props |= {
            "exp_table": hex_dense(exp_table),
            "reciprocal_table": hex_dense(reciprocal_table),
        }
    props |= {
        "input_beta_multiplier": i32(q),
        "input_beta_left_shift": i32(shift),
        "rounding": string(rounding),
    }
    return props, diff_min


def pool_case(rng: np.random.Generator, kind: str) -> Case | None:
    bits = choice(rng, [8, 16])
    rank = choice(rng, [1, 2])
    x_shape = [int(rng.integers(1, 3)), *random_shape(rng, rank, 1, 7), int(rng.integers(1, 4))]
    geometry = window_props(rng, x_shape[1:-1], rank, dilated=False)
    if geometry is None:
        return None
    pool, strides, _, padding = geometry
    y_shape = [x_shape[0], *output_sizes(x_shape[1:-1], *geometry), x_shape[-1]]
    module = Module(tuple(x_shape), bits)
    props = {"pool_size": a64(pool), "strides": a64(strides), "padding": string(padding)}
    props |= clamp_props(rng, bits, zero_point(rng, bits))
    y = module.op(f"{kind}{rank}d", [module.input], props, y_shape, bits)
    return Case(kind, module.text(y), tuple(x_shape), tuple(y_shape), bits)


def global_pool_case(rng: np.random.Generator, kind: str) -> Case:
    x_bits = choice(rng, [8, 16])
    y_bits = x_bits if kind == "global_max_pool" or rng.random() < 0.7 else 24 - x_bits
    x_shape = [int(rng.integers(1, 3)), *random_shape(rng, choice(rng, [1, 2]), 1, 7)]
    x_shape.append(int(rng.integers(1, 5)))
    y_shape = [x_shape[0], x_shape[-1]]
    module = Module(tuple(x_shape), y_bits)
    x = requantize_from(module, rng, module.input, x_bits)
    props = {}
    if kind == "global_avg_pool":
        z_in = zero_point(rng, x_bits) // 8  # the mean of the centred input stays in range
        std = np.sqrt(prod(x_shape[1:-1])) * centred(x_bits, z_in)
        props = rescale_props(rng, target(y_bits, std), 1, y_bits, input_zero_point=z_in)
    y = module.op(kind, [x], props, y_shape, y_bits)
    return Case(kind, module.text(y), tuple(x_shape), tuple(y_shape), y_bits)


def concat_case(rng: np.random.Generator, kind: str) -> Case:
    bits = choice(rng, [8, 16])
    shape = random_shape(rng, int(rng.integers(1, 5)), 1, 3)
    axis = int(rng.integers(-len(shape), len(shape)))
    module = Module(tuple(shape), bits)
    parts = [module.input]
    for _ in range(int(rng.integers(1, 3))):
        if rng.random() < 0.3:
            parts.append(module.input)
            continue
        other = list(shape)
        other[axis] = int(rng.integers(1, 4))
        parts.append(module.constant(random_ints(rng, bits, other)))
    order = rng.permutation(len(parts))
    parts = [parts[i] for i in order]
    result = list(shape)
    result[axis] = sum(p.shape[axis] for p in parts)
    y = module.op("concat", parts, {"axis": i64(axis)}, result, bits)
    return Case(kind, module.text(y), tuple(shape), tuple(result), bits)


def reshape_case(rng: np.random.Generator, kind: str) -> Case:
    """A reshape, then a clamp that reads the reshaped buffer."""
    bits = choice(rng, [8, 16])
    shape = random_shape(rng, int(rng.integers(1, 4)), 1, 4)
    flat = prod(shape)
    target = [flat] if rng.random() < 0.5 else [*random_shape(rng, 1, 1, 1), flat]
    module = Module(tuple(shape), bits)
    reshaped = module.op("reshape", [module.input], {}, target, bits)
    lo, hi = sorted(int(v) for v in random_ints(rng, bits, 2))
    y = module.op("clamp", [reshaped], {"clamp_min": i32(lo), "clamp_max": i32(hi)}, target, bits)
    return Case(kind, module.text(y), tuple(shape), tuple(target), bits)


def pad_case(rng: np.random.Generator, kind: str) -> Case:
    bits = choice(rng, [8, 16])
    shape = random_shape(rng, int(rng.integers(1, 5)), 1, 3)
    pads = [int(v) for v in rng.integers(0, 3, 2 * len(shape))]
    result = [d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(shape)]
    module = Module(tuple(shape), bits)
    props = {"padding": a64(pads), "pad_value": i32(zero_point(rng, bits))}
    y = module.op("pad", [module.input], props, result, bits)
    return Case(kind, module.text(y), tuple(shape), tuple(result), bits)


GENERATORS: dict[str, tuple[Callable, int]] = {
    # kind: (generator, number of modules)
    "dense": (accumulating_case, 24),
    "conv1d": (accumulating_case, 16),
    "conv2d": (accumulating_case, 24),
    "depthwise_conv1d": (accumulating_case, 14),
    "depthwise_conv2d": (accumulating_case, 20),
    "requantize": (requantize_case, 24),
    "add": (binary_case, 20),
    "sub": (binary_case, 16),
    "mul": (binary_case, 20),
    "clamp": (clamp_case, 8),
    "lut": (lut_case, 18),
    "softmax": (softmax_case, 22),
    "max_pool": (pool_case, 16),
    "avg_pool": (pool_case, 20),
    "global_max_pool": (global_pool_case, 8),
    "global_avg_pool": (global_pool_case, 14),
    "concat": (concat_case, 10),
    "reshape": (reshape_case, 4),
    "pad": (pad_case, 12),
}


def random_cases(kind: str) -> list[Case]:
    generator, count = GENERATORS[kind]
    rng = np.random.default_rng([SEED, sorted(GENERATORS).index(kind)])
    cases: list[Case] = []
    while len(cases) < count:
        case = generator(rng, kind)
        if case is not None:
            cases.append(case)
    return cases


# ----------------------------------------------------------------------------- running


def input_batch(rng: np.random.Generator, shape: tuple[int, ...], bits: int) -> np.ndarray:
    """[samples, *shape]: all minimum, all maximum, alternating both ways, zeros, then random."""
    lo, hi = storage_range(bits)
    parity = np.indices(shape).sum(axis=0) % 2
    extremes = [
        np.full(shape, lo),
        np.full(shape, hi),
        np.where(parity == 0, lo, hi),
        np.where(parity == 0, hi, lo),
        np.zeros(shape),
    ]
    random = random_ints(rng, bits, (RANDOM_SAMPLES, *shape))
    return np.concatenate([np.stack(extremes).astype(DTYPES[bits]), random])


def write_c(case: Case, out_dir: Path) -> None:
    files, emitter = generate_c(parse_module(case.text))
    for header in emitter.runtime_headers():
        files[header] = runtime_file(header)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out_dir / name).write_text(text)


def build(case: Case, out_dir: Path):
    dtype = DTYPES[case.bits]
    return build_host_model(
        str(out_dir),
        case.input_shape,
        dtype,
        case.output_shape,
        dtype,
        extra_flags=SANITIZE_FLAGS,
        build_dir=str(out_dir),
    )


def reference(case: Case, x: np.ndarray) -> np.ndarray:
    """The interpreter's outputs for a batch of samples, one row of values per sample."""
    module = parse_module(case.text)
    stacked = x.reshape(-1, *case.input_shape[1:])
    (y,) = interpreter.run(module, [stacked])
    return np.asarray(y).reshape(len(x), -1)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_c_matches_the_reference_bit_for_bit(kind: str, tmp_path: Path) -> None:
    cases = random_cases(kind)
    dirs = [tmp_path / f"case{i}" for i in range(len(cases))]
    for case, out_dir in zip(cases, dirs):
        write_c(case, out_dir)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        models = list(pool.map(build, cases, dirs))
    rng = np.random.default_rng([SEED, 1 + sorted(GENERATORS).index(kind)])
    compared = inputs = 0
    for i, (case, model) in enumerate(zip(cases, models)):
        common = input_batch(rng, case.input_shape, case.bits)
        x = np.concatenate([common, *(extra[None] for extra in case.extra_inputs)])
        expected = reference(case, x)
        got = model.run(x).reshape(len(x), -1)
        assert got.dtype == expected.dtype
        bad = np.argwhere(got != expected)
        assert not len(bad), (
            f"{kind} case {i} ({dirs[i]}): {len(bad)} mismatches, first at sample "
            f"{bad[0][0]}, element {bad[0][1]}: C {got[tuple(bad[0])]}, reference "
            f"{expected[tuple(bad[0])]}\n{case.text}"
        )
        compared += got.size
        inputs += len(x)
    print(f"{kind}: {len(cases)} modules, {inputs} inputs, {compared} values equal")


# ----------------------------------------------------------------------------- no floats on an MCU

ARM_CC, ARM_NM = "arm-none-eabi-gcc", "arm-none-eabi-nm"
M0_FLAGS = (
    "-mcpu=cortex-m0",
    "-mthumb",
    "-O2",
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
)
SOFT_FLOAT = re.compile(r"^__aeabi_([fd]\w*|[iu]l?2[fd]|l2[fd]|ul2[fd])$|^__\w*[sd]f\d?$")
"""Soft-float helpers: __aeabi_fadd/dmul/f2iz/i2f/ul2d..., libgcc's __addsf3/__floatsidf..."""

needs_arm = pytest.mark.skipif(
    shutil.which(ARM_CC) is None or shutil.which(ARM_NM) is None,
    reason="arm-none-eabi-gcc is not installed (apt-get install gcc-arm-none-eabi)",
)


def undefined_symbols(source: Path, *flags: str) -> list[str]:
    """The symbols a Cortex-M0 object file of `source` needs from libraries."""
    obj = source.with_suffix(".o")
    subprocess.run(
        [ARM_CC, *M0_FLAGS, *flags, "-I", str(source.parent), "-c", str(source), "-o", str(obj)],
        check=True,
        capture_output=True,
        text=True,
    )
    listing = subprocess.run([ARM_NM, "-u", str(obj)], check=True, capture_output=True, text=True)
    return [line.split()[-1] for line in listing.stdout.splitlines() if line.strip()]


def soft_float_calls(symbols: list[str]) -> list[str]:
    return [s for s in symbols if SOFT_FLOAT.match(s)]


@needs_arm
def test_integer_models_call_no_soft_float_on_cortex_m0(tmp_path: Path) -> None:
    """Generated models of every op kind, and every kernel of qtc_int.h, compile for Cortex-M0
    without a soft-float helper; the same check finds them in a float kernel (control)."""
    objects = 0
    for kind in sorted(GENERATORS):
        for i, case in enumerate(random_cases(kind)[:3]):
            out_dir = tmp_path / f"{kind}{i}"
            write_c(case, out_dir)
            calls = soft_float_calls(undefined_symbols(out_dir / "model.c"))
            assert not calls, f"{kind} case {i} calls {calls}\n{case.text}"
            objects += 1
    assert not header_soft_float_calls(tmp_path, "qtc_int.h")
    assert header_soft_float_calls(tmp_path, "qtc_float.h")  # the control
    print(f"{objects} models and all qtc_int.h kernels: no soft-float calls")


RUNTIME_HEADERS = ("qtc_common.h", "qtc_fixedpoint.h", "qtc_int.h", "qtc_float.h", "qtc_recurrent.h")


def header_soft_float_calls(tmp_path: Path, header: str) -> list[str]:
    """The soft-float helpers that every kernel of runtime header `header` needs on a Cortex-M0
    (compiled with -fkeep-inline-functions)."""
    for name in RUNTIME_HEADERS:
        (tmp_path / name).write_text(runtime_file(name))
    source = tmp_path / f"all_{Path(header).stem}.c"
    source.write_text(f'#include "{header}"\n')
    return soft_float_calls(undefined_symbols(source, "-fkeep-inline-functions"))


def header_floats_and_includes(header: str) -> tuple[list[str], set[str]]:
    """The float types and literals of runtime header `header` outside comments, and the
    headers it includes."""
    code = re.sub(r"/\*.*?\*/", " ", runtime_file(header), flags=re.DOTALL)
    code = re.sub(r"\b0[xX][0-9a-fA-F]+", "0", code)
    floats = re.findall(r"\b(float|double)\b|\d\.|\.\d|\b\d+[eE][-+]?\d", code)
    return floats, set(re.findall(r'#include\s*[<"]([^>"]+)[>"]', code))


def test_runtime_header_is_integer_only() -> None:
    """qtc_int.h (outside comments) names no float type or literal and includes only the
    integer headers."""
    floats, includes = header_floats_and_includes("qtc_int.h")
    assert not floats
    assert includes == {"stdint.h", "qtc_common.h", "qtc_fixedpoint.h"}
