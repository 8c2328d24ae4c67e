"""C99 code generation: a module's `@main` as `<name>.h` / `<name>.c` over `runtime_c/`.

The generated source has const weights, one static arena at the offsets of the
`plan-memory` pass, no malloc and no recursion. Its API:

    int NAME_init(void);                            reset state, 0 on success
    int NAME_run(const T *input, T *output);        one whole input -> one output
    int NAME_enqueue(const T *input);               run on one input, keep the output
    int NAME_dequeue(T *output);                    1 and the output if a new one is ready

Each op kind has an emitter registered with `@emits(OpClass)` that returns C statements;
compiler researchers add an op's C form there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import prod

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue

from qtc.compiler.errors import QtcError
from qtc.compiler.interpreter import entry_function
from qtc.dialects import dsp, nn, qnn
from qtc.dialects.dense import dense_to_numpy, numpy_dtype
from qtc.dialects.qtc_attrs import format_float
from qtc.dialects.shapes import window_pads
from qtc.passes.plan_memory import OFFSET, SCRATCH, PlanMemoryPass, c_signature, memory_plan

IO_MODES = ("int", "float")
"""The C function's inputs and outputs: the model's integers, or floats converted in C."""

C_TYPES = {"float32": "float", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t"}
ARENA_MEMBERS = {"float32": "f32", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64"}
C_SIZES = {c: np.dtype(t).itemsize for t, c in C_TYPES.items()}


def c_identifier(text: str) -> str:
    """A C identifier made from `text` (non-word characters become `_`)."""
    ident = re.sub(r"\W", "_", text) or "v"
    return ident if not ident[0].isdigit() else "v" + ident


def shape_of(value: SSAValue) -> list[int]:
    assert isinstance(value.type, TensorType)
    return list(value.type.get_shape())


def dtype_of(value: SSAValue) -> np.dtype:
    assert isinstance(value.type, TensorType)
    return numpy_dtype(value.type.get_element_type())


def c_literal(value, dtype: np.dtype) -> str:
    """An exact C literal of one element."""
    if dtype == np.float32:
        text = repr(float(np.float32(value)))
        if text in ("inf", "-inf", "nan"):
            raise QtcError(f"a weight is {text}: the model holds non-finite parameters")
        return (text if "." in text or "e" in text else text + ".0") + "f"
    v = int(value)
    if dtype == np.int64:
        return "INT64_MIN" if v == -(2**63) else f"INT64_C({v})"
    if dtype == np.int32 and v == -(2**31):
        return "INT32_MIN"
    return str(v)


@dataclass
class CFunctionBody:
    """What the op emitters produce: file-scope definitions and statements of `run`."""

    definitions: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)


class CEmitter:
    """Turns one entry function into C text; emitters call back for names and pointers."""

    stream: StreamSpec | None = None
    """Set (by `generate_c`) for a model compiled with a pre-processing description: the C
    then takes one sample at a time through NAME_enqueue (see `render_stream`)."""

    def __init__(self, module: ModuleOp, name: str = "model", io: str = "int"):
        if io not in IO_MODES:
            raise QtcError(f"io must be one of {', '.join(IO_MODES)}, got {io}")
        self.prefix = c_identifier(name)
        self.function = entry_function(module)
        self.names: set[str] = set()
        self.exprs: dict[SSAValue, str] = {}
        self.parameters: set[str] = set()
        """The names of NAME_run's pointer parameters."""
        self.body = CFunctionBody()
        self.element_types: set[str] = set()
        plan = memory_plan(module)
        if plan is None or plan["io"] != io:
            raise QtcError(f"emit-c needs the module's buffers planned: run plan-memory{{io={io}}} first")
        self.arena_bytes: int = plan["arena_bytes"]
        self.arena_lower_bound: int = plan["lower_bound_bytes"]
        self.state_bytes = 0
        """Static arrays outside the arena that persist between calls (held output, sample ring)."""
        self.wide_fast_requant = False
        """Whether an int8 layer whose outputs qtc_int.h's qtc_requant_block_i8_i8_ takes has
        double rounding of accumulators not proven narrow (set by the emitters)."""
        signature = c_signature(self.function, io)
        self.inputs, self.outputs, self.ops = signature.inputs, signature.outputs, signature.ops
        # ("input" | "output", qparams) of the boundary conversions left to the caller (int I/O)
        self.boundary: list[tuple[str, object]] = [
            (kind, value.owner.qparams)
            for kind, values in (("input", self.inputs), ("output", self.function.body.block.last_op.operands))
            for value in values
            if value.owner in signature.skipped
        ]

    # -- names and data ---------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        base = c_identifier(hint)
        name, n = base, 1
        while name in self.names:
            name, n = f"{base}_{n}", n + 1
        self.names.add(name)
        return name

    def const_array(self, hint: str, array: np.ndarray, ctype: str | None = None) -> str:
        """A `static const` array at file scope holding `array` (flattened); returns its name."""
        array = np.asarray(array)
        name = self.fresh(hint)
        ctype = ctype or C_TYPES[array.dtype.name]
        values = [c_literal(v, array.dtype) for v in array.reshape(-1)]
        lines = [", ".join(values[i : i + 8]) for i in range(0, len(values), 8)]
        body = ",\n    ".join(lines)
        self.body.definitions.append(
            f"static const {ctype} {name}[{max(len(values), 1)}] = {{\n    {body}\n}};"
        )
        return name

    def const_ints(self, hint: str, values: Sequence[int]) -> str:
        """A `static const int` array (sizes and offsets, as the runtime's `int` parameters)."""
        return self.const_array(hint, np.asarray(values, dtype=np.int32), "int")

    def define(self, text: str) -> None:
        self.body.definitions.append(text)

    def emit(self, statement: str) -> None:
        self.body.statements.append(statement)

    def ptr(self, value: SSAValue) -> str:
        """A C expression pointing at `value`'s elements."""
        return self.exprs[value]

    def is_parameter(self, value: SSAValue) -> bool:
        """Whether `value`'s pointer is a parameter of NAME_run (a model input), i.e. not a
        link-time constant that a `static const` initializer may hold."""
        return self.ptr(value) in self.parameters

    def arena_pointer(self, offset: int, dtype: np.dtype) -> str:
        self.element_types.add(dtype.name)
        return f"(&{self.prefix}_arena.{ARENA_MEMBERS[dtype.name]}[{offset // dtype.itemsize}])"

    def scratch(self, op: Operation) -> str:
        """The op's kernel scratch (`SCRATCH`), at the offset plan-memory gave it."""
        dtype, _ = SCRATCH_NEEDS[type(op)](op)
        return self.arena_pointer(op.attributes[SCRATCH].value.data, np.dtype(dtype))

    # -- driver -----------------------------------------------------------------------
    def plan_values(self) -> None:
        """Point each planned op result at its arena offset."""
        for op in self.ops:
            if OFFSET in op.attributes:
                self.exprs[op.results[0]] = self.arena_pointer(
                    op.attributes[OFFSET].value.data, dtype_of(op.results[0])
                )

    def generate(self) -> dict[str, str]:
        args, outputs = self.inputs, self.outputs
        in_names = ["input"] if len(args) == 1 else [f"input{i}" for i in range(len(args))]
        out_names = ["output"] if len(outputs) == 1 else [f"output{i}" for i in range(len(outputs))]
        for arg, name in zip(args, in_names):
            self.exprs[arg] = name
        self.parameters = {*in_names, *out_names}
        self.plan_values()
        for op in self.ops:
            emitter = EMITTERS.get(type(op))
            if emitter is None:
                raise QtcError(f"{op.name} has no C form: lower the model to nn or qnn ops first")
            emitter(self, op)
        for value, name in zip(outputs, out_names):
            self.emit(f"qtc_copy_bytes({name}, {self.ptr(value)}, {self.byte_size(value)});")
        io_types = {C_TYPES[dtype_of(v).name] for v in (*args, *outputs)}
        return self.render(args, outputs, in_names, out_names, self.arena_bytes, io_types)

    def byte_size(self, value: SSAValue) -> int:
        return prod(shape_of(value)) * dtype_of(value).itemsize

    def render(self, args, outputs, in_names, out_names, arena_size, io_types) -> dict[str, str]:
        p = self.prefix
        upper = p.upper()
        (io_type,) = io_types if len(io_types) == 1 else (None,)
        in_type = out_type = io_type
        if self.stream is not None:  # a window of samples in, the network's output out
            in_type, out_type = (C_TYPES[dtype_of(v).name] for v in (args[0], outputs[0]))
        elif io_type is None:
            raise QtcError("inputs and outputs of different element types are not supported in C")
        params = ", ".join(
            [f"const {in_type} *{n}" for n in in_names] + [f"{out_type} *{n}" for n in out_names]
        )
        streaming = len(args) == 1 and len(outputs) == 1 and self.stream is None
        header = [
            f"/* {p}.h: generated by qtc. Do not edit. */",
            f"#ifndef {upper}_H",
            f"#define {upper}_H",
            "",
            "#include <stdint.h>",
            "",
        ]
        for name, v in zip(in_names, args):
            header.append(f"#define {upper}_{name.upper()}_SIZE {prod(shape_of(v))} /* {shape_of(v)} */")
        for name, v in zip(out_names, outputs):
            header.append(f"#define {upper}_{name.upper()}_SIZE {prod(shape_of(v))} /* {shape_of(v)} */")
        header.append(f"#define {upper}_ARENA_BYTES {arena_size}")
        if self.boundary and io_type != "float":
            header.append("/* Real value = scale * (integer - zero point). */")
            counts = {"input": 0, "output": 0}
            for kind, qparams in self.boundary:
                n = counts[kind]
                counts[kind] += 1
                single = sum(1 for b in self.boundary if b[0] == kind) == 1
                tag = kind.upper() if single else f"{kind.upper()}{n}"
                header.append(f"#define {upper}_{tag}_SCALE {format_float(qparams.scale)}")
                header.append(f"#define {upper}_{tag}_ZERO_POINT {qparams.zero_point}")
        header += [
            "",
            f"/* Reset all state. Returns 0. */",
            f"int {p}_init(void);",
            f"/* Run the network on whole inputs. Returns 0. */",
            f"int {p}_run({params});",
        ]
        if streaming:
            header += [
                f"/* Run the network on one input and keep the output for {p}_dequeue. Returns 0. */",
                f"int {p}_enqueue(const {io_type} *input);",
                f"/* Copy the newest output if one is ready: returns 1, else 0. */",
                f"int {p}_dequeue({io_type} *output);",
            ]
        header += ["", f"#endif /* {upper}_H */", ""]

        members = [
            f"    {C_TYPES[t]} {ARENA_MEMBERS[t]}[{max(1, -(-arena_size // np.dtype(t).itemsize))}];"
            for t in sorted(self.element_types, key=lambda t: -np.dtype(t).itemsize)
        ]
        headers = self.runtime_headers()
        source = [
            f"/* {p}.c: generated by qtc. Do not edit. */",
            f'#include "{p}.h"',
            *self.runtime_config(headers),
            *[f'#include "{h}"' for h in headers],
            "",
            f"static union {{\n" + "\n".join(members) + f"\n}} {p}_arena;",
            "",
            *self.body.definitions,
            "",
            f"int {p}_init(void)\n{{",
            *([f"    {p}_ready = 0;"] if streaming else []),
            "    return 0;\n}",
            "",
            f"int {p}_run({params})\n{{",
            *[f"    {s}" for s in self.body.statements],
            "    return 0;\n}",
            "",
        ]
        if streaming:
            n_out = prod(shape_of(outputs[0]))
            source += [
                f"int {p}_enqueue(const {io_type} *input)\n{{",
                f"    {p}_run(input, {p}_output);",
                f"    {p}_ready = 1;",
                "    return 0;\n}",
                "",
                f"int {p}_dequeue({io_type} *output)\n{{",
                f"    if (!{p}_ready) return 0;",
                f"    qtc_copy_bytes(output, {p}_output, sizeof {p}_output);",
                f"    {p}_ready = 0;",
                "    return 1;\n}",
                "",
            ]
            state = [f"static {io_type} {p}_output[{n_out}];", f"static int {p}_ready;", ""]
            self.state_bytes = n_out * C_SIZES[io_type]
            at = source.index(f"int {p}_init(void)\n{{")
            source[at:at] = state
        if self.stream is not None:
            render_stream(self, header, source, in_type, out_type, prod(shape_of(outputs[0])))
        return {f"{p}.h": "\n".join(header), f"{p}.c": "\n".join(source)}

    def runtime_config(self, headers: list[str]) -> list[str]:
        """Macros the included runtime `headers` read, for qtc_int.h: QTC_SINGLE_ROUNDING_USED 0
        when no requantizer of the model rounds once (the generic int8 requantizer the fast ones
        fall back to for that rounding is then compiled out), QTC_WIDE_DOUBLE_USED 0 when no
        fast-requantized layer has double rounding of accumulators not proven narrow (the DSP
        requantizer of those is then compiled out)."""
        if "qtc_int.h" not in headers:
            return []
        roundings = {op.rounding.data for op in self.ops if isinstance(op, qnn.RoundingOp)}
        config = [] if "single" in roundings else ["#define QTC_SINGLE_ROUNDING_USED 0"]
        if not self.wide_fast_requant:
            config.append("#define QTC_WIDE_DOUBLE_USED 0")
        return config

    def runtime_headers(self) -> list[str]:
        """The runtime_c/ headers the generated source includes (copied next to it)."""
        headers = ["qtc_common.h"]
        if "float32" in self.element_types:
            headers.append("qtc_float.h")
        if any(op.name.startswith("qnn.") for op in self.ops):
            headers += ["qtc_fixedpoint.h", "qtc_int.h"]
        if any(isinstance(op, (qnn.LSTMOp, qnn.GRUOp)) for op in self.ops):
            headers.append("qtc_recurrent.h")
        headers += dsp_headers(self, headers)
        return headers


Emitter = Callable[[CEmitter, Operation], None]
EMITTERS: dict[type[Operation], Emitter] = {}

ScratchNeed = Callable[[Operation], "tuple[str, int] | None"]
SCRATCH_NEEDS: dict[type[Operation], ScratchNeed] = {}
"""Op kind -> (element type, count) of the scratch its C kernel takes, or None for none;
`plan-memory` places it and `CEmitter.scratch` points at it."""


def _registrar(table: dict):
    """A decorator factory: `@decorator(OpA, OpB)` puts the function in `table` for each op kind."""

    def decorator(*op_types: type[Operation]):
        def register(fn):
            for t in op_types:
                table[t] = fn
            return fn

        return register

    return decorator


emits = _registrar(EMITTERS)
needs_scratch = _registrar(SCRATCH_NEEDS)


def scratch_bytes(op: Operation) -> int:
    """The bytes of scratch `op`'s C kernel takes (0 for none)."""
    from qtc.compiler import emit_c_qnn  # noqa: F401  (registers the integer ops' needs)

    need = SCRATCH_NEEDS.get(type(op))
    found = need(op) if need is not None else None
    return 0 if found is None else found[1] * np.dtype(found[0]).itemsize


def generate_c(
    module: ModuleOp, name: str = "model", io: str = "int", stream: StreamSpec | None = None
) -> tuple[dict[str, str], CEmitter]:
    """The generated files ({file name: text}) and the emitter (for its memory figures);
    `stream` adds the streaming window of a pre-processed model (`render_stream`)."""
    from qtc.compiler import emit_c_qnn  # noqa: F401  (registers the integer ops' emitters)

    plan = memory_plan(module)
    if plan is None or plan["io"] != io:
        PlanMemoryPass(io=io).apply(Context(), module)
    emitter = CEmitter(module, name, io)
    emitter.stream = stream
    return emitter.generate(), emitter


# -- float (nn) emitters ------------------------------------------------------------------

ACT_CODES = {None: "QTC_ACT_NONE", "relu": "QTC_ACT_RELU", "relu6": "QTC_ACT_RELU6"}
RECURRENT_ACT_CODES = {
    "linear": "QTC_RACT_LINEAR",
    "relu": "QTC_RACT_RELU",
    "tanh": "QTC_RACT_TANH",
    "sigmoid": "QTC_RACT_SIGMOID",
    "hard_sigmoid": "QTC_RACT_HARD_SIGMOID",
}


def _hint(op: Operation) -> str:
    return op.results[0].name_hint or op.name.split(".")[-1]


def fused_activation(op: Operation) -> str:
    act = op.properties.get("activation")
    return ACT_CODES[act.data if act is not None else None]


@emits(nn.ConstantOp)
def _constant(em: CEmitter, op: nn.ConstantOp) -> None:
    em.exprs[op.result] = em.const_array(_hint(op), dense_to_numpy(op.value))


@emits(qnn.QuantizeOp, qnn.DequantizeOp)
def _boundary(em: CEmitter, op: qnn.QuantizeOp | qnn.DequantizeOp) -> None:
    """float <-> integer at the model boundary (only in builds with float I/O)."""
    integer = op.result if isinstance(op, qnn.QuantizeOp) else op.input
    bits = dtype_of(integer).itemsize * 8
    suffix = "" if isinstance(op, qnn.QuantizeOp) else "_inverse"
    scale = c_literal(op.qparams.scale, np.dtype(np.float32))
    em.emit(
        f"qtc_quantize_i{bits}{suffix}({em.ptr(op.input)}, {em.ptr(op.result)}, "
        f"{prod(shape_of(op.input))}, {scale}, {op.qparams.zero_point});"
    )


@emits(nn.DenseOp)
def _dense(em: CEmitter, op: nn.DenseOp) -> None:
    x, w = shape_of(op.input), shape_of(op.weights)
    em.emit(
        f"qtc_dense_f32({em.ptr(op.input)}, {em.ptr(op.weights)}, {em.ptr(op.bias)}, "
        f"{em.ptr(op.result)}, {prod(x[:-1])}, {w[0]}, {w[1]}, {fused_activation(op)});"
    )


def window_geometry(em: CEmitter, op: Operation, kernel: Sequence[int], channels_param: int) -> str:
    """A `static const qtc_window` for a 1-d or 2-d windowed op; returns a pointer to it."""
    return window_struct(em, op, window_fields(op, kernel, channels_param))


def window_struct(em: CEmitter, op: Operation, fields: Sequence[int]) -> str:
    """A `static const qtc_window` of `op` with `fields` (`window_fields`); returns a pointer."""
    name = em.fresh(f"{_hint(op)}_window")
    em.define(f"static const qtc_window {name} = {{{', '.join(map(str, fields))}}};")
    return f"&{name}"


def window_fields(op: Operation, kernel: Sequence[int], channels_param: int) -> list[int]:
    """The fields of a 1-d or 2-d windowed op's qtc_window, in qtc_common.h's order."""
    x, y = shape_of(op.operands[0]), shape_of(op.results[0])
    rank = len(x) - 2
    strides = list(op.properties["strides"].get_values())
    dilations = list(op.properties["dilations"].get_values()) if "dilations" in op.properties else [1] * rank
    pads = window_pads(x[1:-1], kernel, strides, dilations, op.properties["padding"].data)
    if rank == 1:  # a 1-d op is a 2-d op with one row
        x, y = [x[0], 1, x[1], x[2]], [y[0], 1, y[1], y[2]]
        kernel, strides, dilations, pads = [1, *kernel], [1, *strides], [1, *dilations], [(0, 0), *pads]
    return [*x, *kernel, *strides, *dilations, pads[0][0], pads[1][0], y[1], y[2], channels_param]


@emits(nn.Conv1DOp, nn.Conv2DOp, nn.DepthwiseConv1DOp, nn.DepthwiseConv2DOp)
def _conv(em: CEmitter, op: nn.ConvolutionOp) -> None:
    w = shape_of(op.weights)
    geometry = window_geometry(em, op, w[:-2], w[-1])
    kind = "depthwise_conv2d" if isinstance(op, nn.DepthwiseConvolutionOp) else "conv2d"
    em.emit(
        f"qtc_{kind}_f32({em.ptr(op.input)}, {em.ptr(op.weights)}, {em.ptr(op.bias)}, "
        f"{em.ptr(op.result)}, {geometry}, {fused_activation(op)});"
    )


@emits(nn.MaxPool1DOp, nn.MaxPool2DOp, nn.AvgPool1DOp, nn.AvgPool2DOp)
def _pool(
    em: CEmitter, op: Operation, suffix: str = "f32", scratch: Sequence[str] = (), clamp: Sequence[str] = ()
) -> None:
    """`qtc_{max|avg}_pool2d_<suffix>(x, y, *scratch, geometry, *clamp)` (the qnn emitter passes its own)."""
    geometry = window_geometry(em, op, list(op.pool_size.get_values()), 0)
    kind = "max" if op.name.split(".")[-1].startswith("max") else "avg"
    args = ", ".join([em.ptr(op.input), em.ptr(op.result), *scratch, geometry, *clamp])
    em.emit(f"qtc_{kind}_pool2d_{suffix}({args});")


@emits(nn.GlobalAvgPoolOp, nn.GlobalMaxPoolOp)
def _global_pool(em: CEmitter, op: nn.GlobalPoolOp) -> None:
    x = shape_of(op.input)
    kind = "avg" if isinstance(op, nn.GlobalAvgPoolOp) else "max"
    em.emit(
        f"qtc_global_{kind}_pool_f32({em.ptr(op.input)}, {em.ptr(op.result)}, "
        f"{x[0]}, {prod(x[1:-1])}, {x[-1]});"
    )


@emits(nn.AddOp, nn.SubOp, nn.MulOp)
def _binary(em: CEmitter, op: nn.ElementwiseBinaryOp) -> None:
    kind = op.name.split(".")[-1]
    em.emit(
        f"qtc_{kind}_f32({em.ptr(op.lhs)}, {em.ptr(op.rhs)}, {em.ptr(op.result)}, "
        f"{prod(shape_of(op.result))}, {fused_activation(op)});"
    )


@emits(nn.ReluOp, nn.Relu6Op, nn.TanhOp, nn.SigmoidOp)
def _unary(em: CEmitter, op: nn.ElementwiseUnaryOp) -> None:
    kind = op.name.split(".")[-1]
    em.emit(f"qtc_{kind}_f32({em.ptr(op.input)}, {em.ptr(op.result)}, {prod(shape_of(op.result))});")


def split_axis(shape: Sequence[int], axis: int) -> tuple[int, int, int]:
    """(outer, n, inner) element counts around `axis`."""
    axis %= len(shape)
    return prod(shape[:axis]), shape[axis], prod(shape[axis + 1 :])


@emits(nn.SoftmaxOp)
def _softmax(em: CEmitter, op: nn.SoftmaxOp) -> None:
    outer, n, inner = split_axis(shape_of(op.input), op.axis.value.data)
    em.emit(f"qtc_softmax_f32({em.ptr(op.input)}, {em.ptr(op.result)}, {outer}, {n}, {inner});")


@emits(nn.BatchNormOp)
def _batch_norm(em: CEmitter, op: nn.BatchNormOp) -> None:
    """Inference batch norm as one multiply-add a channel, folded here in float64."""
    params = [dense_to_numpy(_constant_value(v)).astype(np.float64) for v in op.operands[1:]]
    gamma, beta, mean, variance = params
    scale = gamma / np.sqrt(variance + op.epsilon.value.data)
    shift = beta - mean * scale
    outer, c, inner = split_axis(shape_of(op.input), op.axis.value.data)
    s = em.const_array(f"{_hint(op)}_scale", scale.astype(np.float32))
    t = em.const_array(f"{_hint(op)}_shift", shift.astype(np.float32))
    em.emit(
        f"qtc_scale_shift_f32({em.ptr(op.input)}, {s}, {t}, {em.ptr(op.result)}, {outer}, {c}, {inner});"
    )


def _constant_value(value: SSAValue):
    owner = value.owner
    if not isinstance(owner, nn.ConstantOp):
        raise QtcError(f"{value.name_hint or 'a value'}: expected a constant operand")
    return owner.value


@emits(nn.ReshapeOp)
def _reshape(em: CEmitter, op: nn.ReshapeOp) -> None:
    """Nothing to run: plan-memory put the result in its operand's bytes (a view)."""
    em.exprs.setdefault(op.result, em.ptr(op.input))
    if em.ptr(op.result) != em.ptr(op.input):
        raise QtcError(f"{op.name}: plan-memory gave the view its own buffer; run plan-memory again")


# -- signal pre-processing: float emitters and the streaming window ------------------------

DSP_OPS = (nn.SpectrumOp, qnn.SpectrumOp, qnn.NormalizeOp)
"""Ops whose kernels are in runtime_c/qtc_dsp.h."""
SAMPLE_C_TYPES = {"int16": "int16_t", "float32": "float"}


@dataclass(frozen=True)
class StreamSpec:
    """The streaming window of a model compiled with a pre-processing description: samples of
    `channels` values of `sample_type` ("int16" or "float32"), windows of `length` samples
    every `hop` samples."""

    length: int
    hop: int
    channels: int
    sample_type: str


@emits(nn.NormalizeOp, nn.NormalizeRawOp)
def _normalize(em: CEmitter, op: nn.NormalizeBase) -> None:
    """(x - mean) / std as x * (1 / std) + (-mean / std) a channel (float32 constants)."""
    mean, std = (np.asarray(a.get_values(), np.float64) for a in (op.mean, op.std))
    shape = shape_of(op.input)
    s = em.const_array(f"{_hint(op)}_scale", (1.0 / std).astype(np.float32))
    t = em.const_array(f"{_hint(op)}_shift", (-mean / std).astype(np.float32))
    em.emit(
        f"qtc_scale_shift_f32({em.ptr(op.input)}, {s}, {t}, {em.ptr(op.result)}, "
        f"{prod(shape[:-1])}, {shape[-1]}, 1);"
    )


def spectrum_struct(em: CEmitter, op, ctype: str, tables: dict[str, str], extra: dict[str, str]) -> str:
    """A `static const` spectrum geometry (qtc_dsp.h's `ctype`, designated initializers) with
    the op's shapes, its `tables` (twiddles, window, mel: array names or "0") and `extra`
    fields; returns a pointer to it."""
    batch, length, channels = shape_of(op.input)
    fields = {
        "batch": batch, "length": length, "channels": channels, "size": op.size.value.data, **tables,
        "bins": op.bins(), "log_power": int(op.output.data == "log_power"), **extra,
    }
    name = em.fresh(f"{_hint(op)}_spectrum")
    body = ", ".join(f".{k} = {v}" for k, v in fields.items())
    em.define(f"static const {ctype} {name} = {{{body}}};")
    return f"&{name}"


@emits(nn.SpectrumOp)
def _spectrum(em: CEmitter, op: nn.SpectrumOp) -> None:
    """`qtc_spectrum_f32`: a float32 radix-2 FFT with the twiddles of qtc.dialects.dsp."""
    hint, size = _hint(op), op.size.value.data
    cos, sin = dsp.twiddles_f32(size)
    hann = dsp.hann(dsp.frame_length(shape_of(op.input)[1], size)).astype(np.float32)
    tables = {
        "cos_f32": em.const_array(f"{hint}_cos", cos),
        "sin_f32": em.const_array(f"{hint}_sin", sin),
        "window": em.const_array(f"{hint}_window", hann) if op.window.data == "hann" else "0",
        "mel": em.const_array(f"{hint}_mel", dense_to_numpy(op.mel)) if op.mel is not None else "0",
    }
    epsilon = {"epsilon": c_literal(op.epsilon.value.data, np.dtype(np.float32))}
    params = spectrum_struct(em, op, "qtc_spectrum_f32_params", tables, epsilon)
    em.emit(f"qtc_spectrum_f32({em.ptr(op.input)}, {em.ptr(op.result)}, {em.scratch(op)}, {params});")


@needs_scratch(nn.SpectrumOp)
def _spectrum_scratch(op: nn.SpectrumOp) -> tuple[str, int]:
    size = op.size.value.data
    return "float32", 2 * size + size // 2 + 1


def dsp_headers(em: CEmitter, headers: Sequence[str]) -> list[str]:
    """The runtime headers of pre-processing ops and of the streaming window."""
    extra = []
    if em.stream is not None and em.stream.sample_type == "float32" and "qtc_float.h" not in headers:
        if any(kind == "input" for kind, _ in em.boundary):
            extra.append("qtc_float.h")  # float samples quantized on arrival
    if any(isinstance(op, DSP_OPS) for op in em.ops):
        extra.append("qtc_dsp.h")
    if em.stream is not None:
        extra.append("qtc_stream.h")
    return extra


def _sample_conversion(em: CEmitter, window_type: str) -> list[str]:
    """C statements that turn `sample` into `converted` (the window's element type), or none
    when the sample is stored as it comes."""
    spec = em.stream
    sample_type, channels = SAMPLE_C_TYPES[spec.sample_type], spec.channels
    inputs = [q for kind, q in em.boundary if kind == "input"]
    if sample_type == window_type:
        if spec.sample_type == "int16" and inputs and (inputs[0].scale, inputs[0].zero_point) != (1.0, 0):
            raise QtcError(
                f"raw int16 samples need the model input at scale 1 and zero point 0, got "
                f"{inputs[0].scale} and {inputs[0].zero_point} (pre-process with nn.normalize_raw)"
            )
        return []
    if sample_type == "int16_t" and window_type == "float":
        return [
            f"    float converted[{channels}];",
            "    int i;",
            f"    for (i = 0; i < {channels}; ++i) converted[i] = (float)sample[i];",
        ]
    if sample_type == "float" and inputs:
        q = inputs[0]
        scale = c_literal(q.scale, np.dtype(np.float32))
        return [
            f"    {window_type} converted[{channels}];",
            f"    qtc_quantize_i{q.bits}(sample, converted, {channels}, {scale}, {q.zero_point});",
        ]
    raise QtcError(f"no conversion of {spec.sample_type} samples into a window of {window_type}")


def render_stream(
    em: CEmitter, header: list[str], source: list[str], in_type: str, out_type: str, outputs: int
) -> None:
    """Add the streaming window to the rendered files (design.md): a static ring of 2 * length
    samples, NAME_enqueue(one sample) running NAME_run on each completed hop, NAME_dequeue of
    the newest output and NAME_reset_state; NAME_init resets the stream too."""
    p, upper, spec = em.prefix, em.prefix.upper(), em.stream
    sample_type = SAMPLE_C_TYPES[spec.sample_type]
    conversion = _sample_conversion(em, in_type)
    header[-3:-3] = [
        "",
        f"/* Streaming: samples of {upper}_SAMPLE_CHANNELS values, windows of {upper}_WINDOW_LENGTH",
        f"   samples (oldest first, as {p}_run takes them) every {upper}_WINDOW_HOP samples. */",
        f"#define {upper}_SAMPLE_CHANNELS {spec.channels}",
        f"#define {upper}_WINDOW_LENGTH {spec.length}",
        f"#define {upper}_WINDOW_HOP {spec.hop}",
        f"/* Add one sample; once {upper}_WINDOW_LENGTH samples have arrived, every {upper}_WINDOW_HOP",
        "   new samples run the network on the newest window. Returns 1 if it ran, else 0. */",
        f"int {p}_enqueue(const {sample_type} *sample);",
        "/* Copy the newest output if one is ready since the last call: returns 1, else 0. */",
        f"int {p}_dequeue({out_type} *output);",
        f"/* Forget every sample and output ({p}_init does this too). Returns 0. */",
        f"int {p}_reset_state(void);",
    ]
    init = source.index(f"int {p}_init(void)\n{{")
    source[init + 1 : init + 1] = [f"    {p}_reset_state();"]
    em.state_bytes = 2 * spec.length * spec.channels * C_SIZES[in_type] + outputs * C_SIZES[out_type]
    source[init:init] = [
        f"static qtc_stream {p}_stream;",
        f"static {in_type} {p}_ring[{2 * spec.length * spec.channels}];",
        f"static {out_type} {p}_output[{outputs}];",
        f"static int {p}_ready;",
        "",
    ]
    stored = "converted" if conversion else "sample"
    source += [
        f"int {p}_reset_state(void)\n{{",
        f"    qtc_stream_reset(&{p}_stream, {spec.length}, {spec.hop});",
        f"    {p}_ready = 0;",
        "    return 0;\n}",
        "",
        f"int {p}_enqueue(const {sample_type} *sample)\n{{",
        *conversion,
        f"    qtc_stream_put(&{p}_stream, {p}_ring, {stored}, (int)sizeof({p}_ring[0]) * {spec.channels});",
        f"    if (!qtc_stream_advance(&{p}_stream)) return 0;",
        f"    {p}_run((const {in_type} *)qtc_stream_window(&{p}_stream, {p}_ring, "
        f"(int)sizeof({p}_ring[0]) * {spec.channels}), {p}_output);",
        f"    {p}_ready = 1;",
        "    return 1;\n}",
        "",
        f"int {p}_dequeue({out_type} *output)\n{{",
        f"    if (!{p}_ready) return 0;",
        f"    qtc_copy_bytes(output, {p}_output, (int)sizeof {p}_output);",
        f"    {p}_ready = 0;",
        "    return 1;\n}",
        "",
    ]


@emits(nn.ConcatOp)
def _concat(em: CEmitter, op: nn.ConcatOp) -> None:
    shape = shape_of(op.result)
    axis = op.axis.value.data % len(shape)
    outer = prod(shape[:axis])
    size = dtype_of(op.result).itemsize
    chunk_bytes = [prod(shape_of(v)[axis:]) * size for v in op.inputs]
    inputs = em.fresh(f"{_hint(op)}_inputs")
    pointers = ", ".join(em.ptr(v) for v in op.inputs)
    em.emit(f"{{ const void *const {inputs}[] = {{{pointers}}};")
    em.emit(
        f"  qtc_concat_bytes({inputs}, {em.const_ints(f'{_hint(op)}_chunks', chunk_bytes)}, "
        f"{len(chunk_bytes)}, {em.ptr(op.result)}, {outer}); }}"
    )


@emits(nn.PadOp)
def _pad(em: CEmitter, op: Operation, kernel: str = "qtc_pad4_f32", value: str = "0.0f") -> None:
    """`kernel(x, y, shape4, pads8, value)`: constant padding (the qnn emitter passes its own)."""
    shape = shape_of(op.input)
    pads = list(op.padding.get_values())
    lead = 4 - len(shape)
    if lead < 0:
        raise QtcError(f"{op.name}: C supports padding tensors of rank <= 4, got rank {len(shape)}")
    shape4 = em.const_ints(f"{_hint(op)}_shape", [1] * lead + shape)
    pads8 = em.const_ints(f"{_hint(op)}_pads", [0, 0] * lead + pads)
    em.emit(f"{kernel}({em.ptr(op.input)}, {em.ptr(op.result)}, {shape4}, {pads8}, {value});")


@needs_scratch(nn.LSTMOp, nn.GRUOp)
def _recurrent_scratch(op: nn.RecurrentOp) -> tuple[str, int]:
    """The state and gates: 6 * units floats for an LSTM, 8 * units for a GRU."""
    return "float32", (6 if isinstance(op, nn.LSTMOp) else 8) * op.units.value.data


@emits(nn.LSTMOp, nn.GRUOp)
def _recurrent(em: CEmitter, op: nn.RecurrentOp) -> None:
    batch, steps, features = shape_of(op.input)
    units = op.units.value.data
    is_lstm = isinstance(op, nn.LSTMOp)
    scratch = em.scratch(op)
    flags = [str(int(op.return_sequences.value.data))]
    if not is_lstm:
        flags.append(str(int(op.reset_after.value.data)))
    kind = "lstm" if is_lstm else "gru"
    em.emit(
        f"qtc_{kind}_f32({em.ptr(op.input)}, {em.ptr(op.kernel)}, {em.ptr(op.recurrent_kernel)}, "
        f"{em.ptr(op.bias)}, {em.ptr(op.result)}, {scratch}, {batch}, {steps}, {features}, {units}, "
        f"{', '.join(flags)}, {RECURRENT_ACT_CODES[op.activation.data]}, "
        f"{RECURRENT_ACT_CODES[op.recurrent_activation.data]});"
    )
