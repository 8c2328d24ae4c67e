"""The fast paths of runtime_c/qtc_int.h against the reference, bit for bit.

* The requantization helpers (`qtc_srdhm_fast_`, `qtc_rdbpot_fast_`, `qtc_mbqm_*_fast_`, and the
  32x32->64 multiply from 16-bit halves that the Cortex-M0 build uses instead of libgcc's
  __aeabi_lmul) equal qtc_fixedpoint.h's int64 helpers on exhaustive small operands, edge
  values and millions of random operands of every magnitude, with either multiply
  (`QTC_NO_LONG_MULTIPLY` 0 and 1) under ASan/UBSan.
* The packed dense/convolution kernels at the edges the random cases of test_int_c.py do not
  reach: 16x8 rows longer than one exact int32 partial sum, output channels not a multiple of
  four, depthwise multipliers, wide windows, int32-wrapping int8 accumulators.
* The Cortex-M0 and M4 asm inner loops (qtc_dot4_v6m_/qtc_window4_v6m_, qtc_dot4_dsp_/
  qtc_window4_dsp_), run in Unicorn, against the generic C loops over every alignment, length
  and run count, and their asm requantizers (qtc_requant4_v6m_, qtc_requant_dsp_) against
  qtc_requant32_ over edge accumulators, multipliers, shifts, clamps and block sizes; add/sub's
  cheap forms (equal input scales) against the three rescales on every pair of int8 operands,
  and modules of them against the reference.
* test_int_c.py's random modules of the kinds whose kernels changed, built with the split
  multiply on the host, and a selection of them compiled for the Cortex-M0 and run in Unicorn.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import test_int_c as base
from qtc.compiler import emit_c_qnn
from qtc.compiler.textual_ir import parse_module
from qtc.dialects import fixedpoint as fp
from qtc.dialects import qnn
from qtc.dialects.dense import dense_to_numpy
from qtc.dialects.qtc_attrs import storage_range
from qtc.compiler.build import runtime_file
from qtc.compiler.host_run import SANITIZE_FLAGS, STRICT_FLAGS, build_host_model

SPLIT = {"native": "-DQTC_NO_LONG_MULTIPLY=0", "split": "-DQTC_NO_LONG_MULTIPLY=1"}
"""The two forms of the 64-bit products (the M0 build uses the split one)."""

O0_FLAGS = ("-O0", "-fno-omit-frame-pointer", "-ffunction-sections", "-Wl,--gc-sections")
"""An unoptimized build with the frame pointer (a register fewer for the asm); unused kernels
dropped (some copy structs with memcpy, which the harness does not link)."""

HARNESS = r"""
#include <stdio.h>
#include "qtc_int.h"

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return (uint32_t)state;
}
/* A random int32 of random magnitude (2^0 .. 2^31). */
static int32_t any32(void) { return (int32_t)next() >> (next() % 32); }
/* A valid multiplier: 0 or in [2^30, 2^31 - 1], the extremes included. */
static int32_t multiplier(void) {
    const uint32_t r = next() % 16;
    if (r == 0) return 0;
    if (r == 1) return 1 << 30;
    if (r == 2) return INT32_MAX;
    return (int32_t)((1u << 30) | (next() >> 2));
}

static long failures;
static void check(const char *what, long long a, long long b, int c, long long got, long long want) {
    if (got != want && failures++ < 10)
        printf("%s(%lld, %lld, %d): %lld, reference %lld\n", what, a, b, c, got, want);
}

static const int32_t EDGES[] = {0, 1, -1, 2, -2, 3, 32767, 32768, -32768, -32769, 65535, 65536, -65536,
    -65537, 1 << 30, -(1 << 30), (1 << 30) - 1, 1 << 24, -(1 << 24) - 1, INT32_MAX, INT32_MIN,
    INT32_MIN + 1, INT32_MAX - 1, 0x7FFF0000, 0x7FFEFFFF, 0x12345678, -0x12345678};
#define N_EDGES ((int)(sizeof EDGES / sizeof EDGES[0]))

int main(void) {
    long i, calls = 0;
    int e, s, j, k;
    /* srdhm: every a in [-2^17, 2^17] times edge and random b; edges times edges; random pairs */
    for (i = -(1 << 17); i <= (1 << 17); ++i)
        for (j = 0; j < N_EDGES + 8; ++j) {
            const int32_t b = j < N_EDGES ? EDGES[j] : (int32_t)next();
            check("srdhm", i, b, 0, qtc_srdhm_fast_((int32_t)i, b), qtc_srdhm((int32_t)i, b));
            if (b >= 0) check("srdhm_pos", i, b, 0, qtc_srdhm_pos_((int32_t)i, b), qtc_srdhm((int32_t)i, b));
            calls += 2;
        }
    for (j = 0; j < N_EDGES; ++j)
        for (k = 0; k < N_EDGES; ++k) {
            check("srdhm", EDGES[j], EDGES[k], 0, qtc_srdhm_fast_(EDGES[j], EDGES[k]),
                  qtc_srdhm(EDGES[j], EDGES[k]));
            calls++;
        }
    for (i = 0; i < 4000000; ++i) {
        const int32_t a = any32(), b = any32(), q = multiplier();
        check("srdhm", a, b, 0, qtc_srdhm_fast_(a, b), qtc_srdhm(a, b));
        check("srdhm_pos", a, q, 0, qtc_srdhm_pos_(a, q), qtc_srdhm(a, q));
        calls += 2;
    }
#if QTC_NO_LONG_MULTIPLY
    for (i = 0; i < 4000000; ++i) {
        const int32_t a = i < N_EDGES * N_EDGES ? EDGES[i % N_EDGES] : any32();
        const int32_t b = i < N_EDGES * N_EDGES ? EDGES[i / N_EDGES] : any32();
        uint32_t lo;
        const uint32_t hi = qtc_mul32x32_(a, b, &lo);
        const int64_t p = (int64_t)a * b;
        check("mul32x32", a, b, 0, (long long)(((uint64_t)hi << 32) | lo), p);
        calls++;
    }
#endif
    /* rounding divide by a power of two: every exponent */
    for (i = 0; i < 400000; ++i) {
        const int32_t x = i < N_EDGES ? EDGES[i] : any32();
        for (e = 0; e <= 31; ++e, ++calls) check("rdbpot", x, 0, e, qtc_rdbpot_fast_(x, e), qtc_rdbpot(x, e));
    }
    /* the three requantizers over every shift */
    for (i = 0; i < 150000; ++i) {
        const int32_t x = i < N_EDGES ? EDGES[i] : any32(), q = multiplier();
        const int64_t wide = (int64_t)any32() * ((int64_t)1 << (next() % 17)) + (int64_t)(next() & 0xFFFF);
        const int64_t x64 = wide >= ((int64_t)1 << 47) || wide < -((int64_t)1 << 47) ? wide >> 16 : wide;
        for (s = -31; s <= 30; ++s, calls += 2) {
            check("mbqm", x, q, s, qtc_mbqm_fast_(x, q, s), qtc_mbqm(x, q, s));
            check("mbqm_single", x, q, s, qtc_mbqm_single_fast_(x, q, s), qtc_mbqm_single(x, q, s));
        }
        for (s = -31; s <= 7; ++s, ++calls)
            check("mbqm_i64", (long long)x64, q, s, qtc_mbqm_i64_fast_(x64, q, s), qtc_mbqm_i64(x64, q, s));
    }
    printf("%ld calls, %ld mismatches\n", calls, failures);
    return failures != 0;
}
"""


def run_host(source: str, tmp_path: Path, split_flag: str) -> subprocess.CompletedProcess:
    """Build the C harness `source` against the runtime headers with sanitizers and run it."""
    for header in ("qtc_common.h", "qtc_fixedpoint.h", "qtc_int.h"):
        (tmp_path / header).write_text(runtime_file(header))
    (tmp_path / "harness.c").write_text(source)
    exe = tmp_path / "harness"
    cc = shutil.which("cc") or shutil.which("gcc")
    subprocess.run(
        [cc, *STRICT_FLAGS, *SANITIZE_FLAGS, "-O2", split_flag, "-I", str(tmp_path),
         str(tmp_path / "harness.c"), "-o", str(exe)],
        check=True, capture_output=True, text=True,
    )
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("form", sorted(SPLIT))
def test_fast_requantizers_equal_the_reference_helpers(form: str, tmp_path: Path) -> None:
    result = run_host(HARNESS, tmp_path, SPLIT[form])
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 mismatches" in result.stdout
    print(form, result.stdout.strip())


# ----------------------------------------------------------------------------- edge modules


def accumulating(kind: str, x_shape, w_shape, x_bits: int, y_bits: int, seed: int,
                 window: dict | None = None, wrap_bias: bool = False) -> base.Case:
    """One dense/conv module of given shapes, random weights, zero points and multipliers."""
    rng = np.random.default_rng(seed)
    module = base.Module(tuple(x_shape), y_bits)
    x = base.requantize_from(module, rng, module.input, x_bits)
    window = window or {}
    taps = int(np.prod(w_shape[:-1])) if not kind.startswith("depthwise") else int(np.prod(w_shape[:-2]))
    z_in = int(rng.integers(-100, 100)) if x_bits == 8 else int(rng.integers(-3000, 3000))
    typical = np.sqrt(taps) * base.centred(x_bits, z_in) * base.spread(8)
    weights = base.random_weights(rng, w_shape, 8)
    weights[..., 0] = 127  # one-signed channels: the largest partial sums
    weights[..., -1] = -128
    weights = module.constant(weights)
    if kind == "dense":
        y_shape = [*x_shape[:-1], w_shape[-1]]
    else:
        rank = len(x_shape) - 2
        kernel = w_shape[:rank]
        geometry = (kernel, window.get("strides", [1] * rank), window.get("dilations", [1] * rank),
                    window.get("padding", "same"))
        channels = x_shape[-1] * w_shape[-1] if kind.startswith("depthwise") else w_shape[-1]
        y_shape = [x_shape[0], *base.output_sizes(x_shape[1:-1], *geometry), channels]
        window = {"strides": base.a64(geometry[1]), "dilations": base.a64(geometry[2]),
                  "padding": base.string(geometry[3])}
    bias = base.random_bias(rng, y_shape[-1], x_bits, typical)
    if wrap_bias:  # int32 accumulators that wrap for most inputs
        bias = (np.int64(base.fp.INT32_MAX) - rng.integers(0, 2**12, len(bias))).astype(np.int32)
    props = window | base.rescale_props(
        rng, base.target(y_bits, typical * np.sqrt(2)), y_shape[-1], y_bits,
        accumulator_bits=32 if x_bits == 8 else 64, input_zero_point=z_in,
    )
    y = module.op(kind, [x, weights, module.constant(bias)], props, y_shape, y_bits)
    return base.Case(kind, module.text(y), tuple(x_shape), tuple(y_shape), y_bits)


def edge_cases() -> list[base.Case]:
    same, valid = {"padding": "same"}, {"padding": "valid"}
    return [
        accumulating("dense", [2, 700], [700, 7], 16, 16, 1),  # three partial sums a row
        accumulating("dense", [3, 300], [300, 5], 8, 8, 2, wrap_bias=True),
        accumulating("dense", [1, 513], [513, 1], 16, 8, 3),
        accumulating("conv2d", [1, 5, 6, 40], [3, 3, 40, 6], 16, 16, 4, same),  # rows of 120
        accumulating("conv2d", [1, 4, 9, 100], [1, 3, 100, 3], 16, 16, 5,
                     {"padding": "same", "dilations": [1, 2]}),
        accumulating("conv2d", [2, 7, 7, 5], [3, 3, 5, 9], 8, 8, 6, {"padding": "same", "strides": [2, 2]}),
        accumulating("conv1d", [1, 40, 3], [7, 3, 10], 8, 16, 7, {"padding": "same", "dilations": [3]}),
        accumulating("depthwise_conv2d", [1, 6, 7, 9], [3, 3, 9, 1], 8, 8, 8, same),  # 2 groups + 1
        accumulating("depthwise_conv2d", [1, 5, 5, 8], [3, 3, 8, 3], 8, 8, 9, same),  # multiplier 3
        accumulating("depthwise_conv2d", [1, 26, 25, 4], [25, 25, 4, 1], 16, 16, 10, same),  # 625 taps
        accumulating("depthwise_conv1d", [1, 600, 4], [600, 4, 1], 16, 16, 11, same),  # 600 in a row
        accumulating("conv2d", [1, 3, 3, 200], [3, 3, 200, 2], 16, 16, 14, same),  # rows of 600
        accumulating("depthwise_conv1d", [2, 20, 12], [5, 12, 2], 16, 8, 12, valid),
        accumulating("depthwise_conv2d", [1, 9, 9, 16], [3, 3, 16, 1], 8, 8, 13,
                     {"padding": "same", "strides": [2, 2], "dilations": [1, 1]}),
    ]


def run_cases(cases: list[base.Case], tmp_path: Path, flags: tuple[str, ...], seed: int) -> None:
    dirs = [tmp_path / f"case{i}" for i in range(len(cases))]
    for case, out_dir in zip(cases, dirs):
        base.write_c(case, out_dir)

    def build(case: base.Case, out_dir: Path):
        dtype = base.DTYPES[case.bits]
        return build_host_model(str(out_dir), case.input_shape, dtype, case.output_shape, dtype,
                                extra_flags=(*SANITIZE_FLAGS, *flags), build_dir=str(out_dir))

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        models = list(pool.map(build, cases, dirs))
    rng = np.random.default_rng(seed)
    for i, (case, model) in enumerate(zip(cases, models)):
        x = np.concatenate([base.input_batch(rng, case.input_shape, case.bits),
                            *(extra[None] for extra in case.extra_inputs)])
        expected = base.reference(case, x)
        got = model.run(x).reshape(len(x), -1)
        bad = np.argwhere(got != expected)
        assert not len(bad), (
            f"{case.kind} case {i} ({dirs[i]}): {len(bad)} mismatches, first at sample {bad[0][0]}, "
            f"element {bad[0][1]}: C {got[tuple(bad[0])]}, reference {expected[tuple(bad[0])]}"
        )


def test_narrow_accumulators_end_at_their_bound() -> None:
    """A double-rounding int8 layer is narrow (QTC_MBQM_DOUBLE_NARROW) while every channel's
    reachable |acc|, |folded bias| + 128 * sum |w|, stays below 2^(30 - left), and wide once one
    channel reaches it."""
    case = accumulating("dense", [1, 40], [40, 3], 8, 8, 16)
    op = next(o for o in parse_module(case.text).walk() if isinstance(o, qnn.DenseOp))
    assert op.rounding.data == "double"
    weights = dense_to_numpy(op.weights.owner.value)
    left = np.maximum(np.asarray(op.shifts(), np.int64), 0)
    room = (np.int64(1) << (30 - left)) - 1 - 128 * np.abs(weights.astype(np.int64)).sum(axis=0)
    assert emit_c_qnn.narrow_accumulators(op, weights, room)
    assert emit_c_qnn.narrow_accumulators(op, weights, -room)
    room[1] += 1
    assert not emit_c_qnn.narrow_accumulators(op, weights, room)


@pytest.mark.parametrize("form", sorted(SPLIT))
def test_packed_kernels_at_the_edges(form: str, tmp_path: Path) -> None:
    run_cases(edge_cases(), tmp_path, (SPLIT[form],), 5)


CHANGED = ("dense", "conv1d", "conv2d", "depthwise_conv1d", "depthwise_conv2d", "requantize",
           "softmax", "add", "sub", "mul", "global_avg_pool")
"""Kinds whose kernels use the changed requantizers or are the new kernels."""


@pytest.mark.parametrize("kind", CHANGED)
def test_random_modules_with_the_split_multiply(kind: str, tmp_path: Path) -> None:
    run_cases(base.random_cases(kind), tmp_path, (SPLIT["split"],), 7)


# ----------------------------------------------------------------------------- ARMv6-M loops

ASM_LOOPS_HARNESS = r"""
#include "qtc_int.h"

static uint32_t state = 0x2545F491u;
static uint32_t next(void) {
    state ^= state << 13; state ^= state >> 17; state ^= state << 5;
    return state;
}
/* A random byte, or (with `extreme`) -128 or 127. */
static int8_t byte(int extreme) { return (int8_t)(extreme ? (next() & 1 ? 127 : -128) : (int)(next() & 0xFF) - 128); }

static uint32_t words[48], window_weights[9];
static int8_t inputs[200];

static int differ(const uint32_t *a, const uint32_t *b) {
    return a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || a[3] != b[3];
}

/* Mismatches of the core's asm loops (QTC_DOT4_i8, QTC_WINDOW4_i8: ARMv6-M or DSP) against the
   generic C ones: the dot over every input alignment and length 0..47 (the word loop entered at
   either half of its eight taps, the byte and single-tap paths) in one run, and in two or three runs of up to 15 taps whose starts are aligned or not;
   the window over 3x3 windows of aligned and unaligned rows; random and extreme values, wrapping
   sums included. */
int run(void) {
    int failures = 0, round, offset, n, i, j;
    for (round = 0; round < 24; ++round) {
        const int extreme = round % 3 == 0;
        uint32_t got[4], want[4];
        for (i = 0; i < 200; ++i) inputs[i] = byte(extreme);
        for (i = 0; i < 48; ++i)
            for (words[i] = 0, j = 0; j < 4; ++j) words[i] |= (uint32_t)(uint8_t)byte(extreme) << (8 * j);
        for (i = 0; i < 9; ++i) window_weights[i] = words[i + 30];
        for (offset = 0; offset < 4; ++offset)
            for (n = 0; n < 48; ++n) {
                const int runs = n < 16 ? 1 + n % 3 : 1, step = n + (round + n) % 5;
                for (j = 0; j < 4; ++j) got[j] = want[j] = round > 20 ? 0x7FFFF000u + j : next();
                QTC_DOT4_i8(inputs + offset, step, runs, words, n, got);
                qtc_dot4_runs_i8_(inputs + offset, step, runs, words, n, want);
                failures += differ(got, want);
            }
        for (offset = 0; offset < 8; ++offset) {
            const int row = 40 + 4 * (offset & 1) + (offset >> 2), col = 4 + 4 * ((offset >> 1) & 1);
            for (j = 0; j < 4; ++j) got[j] = want[j] = next();
            QTC_WINDOW4_i8(inputs + (offset >> 2), row, col, 3, 3, window_weights, got);
            qtc_window4_i8_(inputs + (offset >> 2), row, col, 3, 3, window_weights, want);
            failures += differ(got, want);
        }
    }
    return failures;
}
"""


@base.needs_arm
@pytest.mark.parametrize("cpu", ["cortex-m0", "cortex-m4"])
@pytest.mark.parametrize("flags", [("-O2",), O0_FLAGS])
def test_asm_inner_loops_equal_the_generic_ones(cpu: str, flags: tuple[str, ...], tmp_path: Path) -> None:
    """The Cortex-M0 and M4 asm inner loops, run in Unicorn, give the generic C loops' sums,
    also built at -O0 with the frame pointer (a register fewer for the asm)."""
    pytest.importorskip("unicorn")
    assert run_core(ASM_LOOPS_HARNESS, tmp_path, cpu, flags) == 0, "mismatches"


REQUANT_HARNESS = r"""
#include "qtc_int.h"

static uint32_t state = 0x9E3779B9u;
static uint32_t next(void) {
    state ^= state << 13; state ^= state >> 17; state ^= state << 5;
    return state;
}
static const int32_t ACCS[] = {0, 1, -1, 2, -2, 16383, -16384, 32767, -32768, 32768, -32769, 65535,
    65536, -65536, -65537, 1 << 24, -(1 << 24), 1 << 30, -(1 << 30), INT32_MAX, INT32_MIN,
    INT32_MAX - 1, INT32_MIN + 1, 0x12345678, -0x12345678};
static const int32_t MULTIPLIERS[] = {0, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MAX - 1, 0x5A827999};
/* (output zero point, clamp_min, clamp_max) */
static const int32_t BOUNDS[][3] = {{-128, -128, 127}, {-128, -128, 126}, {127, -128, 127},
                                    {5, 5, 127}, {-3, -100, 50}, {0, 0, 0}};
#define COUNT(a) (sizeof a / sizeof a[0])

static int32_t any(uint32_t r) {
    return r % 4 ? (int32_t)next() >> (next() % 32) : ACCS[next() % COUNT(ACCS)];
}

/* acc within a narrow accumulator's bound for shift s: |acc| < 2^(30 - max(s, 0)), its ends
   included. */
static uint32_t narrowed(uint32_t acc, int s) {
    const int32_t v = (int32_t)acc >> ((s > 0 ? s : 0) + 1);
    return (uint32_t)(v == -(INT32_C(1) << (30 - (s > 0 ? s : 0))) ? v + 1 : v);
}

/* Mismatches of qtc_requant_block_i8_i8_ (on ARMv6-M the asm of groups of four per-channel
   outputs in double rounding, on DSP cores that of any count, per channel or per tensor, of
   wide and of narrow accumulators) against qtc_requant32_ output by output: edge and random
   accumulators of every magnitude (narrow ones up to their bound), extreme and random
   multipliers, every shift, both roundings, zero points and clamps at the ends of the range,
   channels from 0 or 8 of 24 or one per-tensor multiplier, blocks of 1..16 outputs. */
int run(void) {
    static uint32_t acc[16];
    static int32_t q[24];
    static int8_t s[24], y[24];
    qtc_requant p;
    int failures = 0, round, j;
    p.multiplier = q; p.shift = s; p.input_zero_point = 0;
    for (round = 0; round < 40000; ++round) {
        const int o = (round & 1) * 8, count = round % 3 == 2 ? 1 + (round / 3) % 16 : 4;
        const int32_t *bounds = BOUNDS[round % COUNT(BOUNDS)];
        p.channels = round % 5 == 4 ? 1 : 24;
        p.mode = round % 7 == 3 ? QTC_MBQM_SINGLE : round % 11 < 4 ? QTC_MBQM_DOUBLE_NARROW : QTC_MBQM_DOUBLE;
        p.output_zero_point = bounds[0]; p.clamp_min = bounds[1]; p.clamp_max = bounds[2];
        for (j = 0; j < count; ++j) {
            const uint32_t r = next();
            acc[j] = (uint32_t)any(r);
            q[o + j] = r % 3 ? (int32_t)((1u << 30) | (next() >> 2))
                             : MULTIPLIERS[next() % COUNT(MULTIPLIERS)];
            s[o + j] = (int8_t)(round < 62 * 4 ? (round * 4 + j) % 62 - 31 : (int)(next() % 62) - 31);
            if (p.mode == QTC_MBQM_DOUBLE_NARROW)
                acc[j] = narrowed(acc[j], s[p.channels > 1 ? o + j : 0]);
        }
        qtc_requant_block_i8_i8_(acc, y, o, count, &p);
        for (j = 0; j < count; ++j) failures += y[o + j] != (int8_t)qtc_requant32_(&p, (int32_t)acc[j], o + j);
    }
    return failures;
}
"""


def run_core(source: str, tmp_path: Path, cpu: str = "cortex-m0", flags: tuple[str, ...] = ("-O2",)) -> int:
    """r0 of `run()` of source compiled for `cpu` in Unicorn (an M0 build: no Thumb-2
    instruction in it)."""
    import unicorn
    import unicorn.arm_const as uc_arm
    from qtc.compiler import cost

    for header in ("qtc_common.h", "qtc_fixedpoint.h", "qtc_int.h", "qtc_recurrent.h"):
        (tmp_path / header).write_text(runtime_file(header))
    (tmp_path / "harness.c").write_text(source)
    elf_path = tmp_path / "harness.elf"
    subprocess.run(
        ["arm-none-eabi-gcc", f"-mcpu={cpu}", "-mthumb", *flags, *STRICT_FLAGS, "-ffreestanding",
         "-nostdlib", "-Wl,-Ttext=0x0,-Tdata=0x20000000,-e,run", "-I", str(tmp_path),
         str(tmp_path / "harness.c"), "-lgcc", "-o", str(elf_path)],
        check=True, capture_output=True, text=True,
    )
    if cpu == "cortex-m0":
        assert not cost.thumb2_instructions(str(elf_path))
    elf = cost.Elf(str(elf_path))
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(getattr(uc_arm, cost.resolve_target(cpu)[0].unicorn_model))
    uc.mem_map(0, 1 << 20)
    uc.mem_map(0x20000000, 1 << 16)
    for address, data in elf.segments:
        uc.mem_write(address, data)
    done = 0x80000
    uc.reg_write(uc_arm.UC_ARM_REG_SP, 0x20010000)
    uc.reg_write(uc_arm.UC_ARM_REG_LR, done | 1)
    uc.emu_start(elf.address("run") | 1, done, timeout=120_000_000)
    assert uc.reg_read(uc_arm.UC_ARM_REG_PC) == done
    return uc.reg_read(uc_arm.UC_ARM_REG_R0)


@base.needs_arm
@pytest.mark.parametrize("cpu", ["cortex-m0", "cortex-m4"])
@pytest.mark.parametrize("flags", [("-O2",), O0_FLAGS])
def test_asm_requantizers_equal_the_generic_one(cpu: str, flags: tuple[str, ...], tmp_path: Path) -> None:
    """qtc_requant4_v6m_ (the Cortex-M0 asm of four int8 outputs) and qtc_requant_dsp_ (the
    M4's, any count, of wide and of narrow accumulators), run in Unicorn, give qtc_requant32_'s
    outputs for blocks of 1 to 16 outputs, also built at -O0 with the frame pointer."""
    pytest.importorskip("unicorn")
    assert run_core(REQUANT_HARNESS, tmp_path, cpu, flags) == 0, "mismatches"


# ----------------------------------------------------------------------------- add/sub forms

ADD_HARNESS = r"""
#include <stdio.h>
#include "qtc_int.h"

static long failures, checked, forms[3];

/* Every pair of int8 operands through qtc_add_i8/qtc_sub_i8 (the form qtc_binary_form_ picks)
   against qtc_binary_elem_ (the reference's three rescales, element by element). */
static void all_pairs(qtc_binary p) {
    static int8_t a[256 * 256], b[256 * 256], y[256 * 256];
    qtc_broadcast bc = {{1, 1, 1, 256 * 256}, {0, 0, 0, 1}, {0, 0, 0, 1}};
    int kind, i;
    for (i = 0; i < 256 * 256; ++i) { a[i] = (int8_t)(i % 256 - 128); b[i] = (int8_t)(i / 256 - 128); }
    for (kind = QTC_ADD; kind <= QTC_SUB; ++kind) {
        ++forms[qtc_binary_form_(&p, kind)];
        if (kind == QTC_ADD) qtc_add_i8(a, b, y, &bc, &p); else qtc_sub_i8(a, b, y, &bc, &p);
        for (i = 0; i < 256 * 256; ++i, ++checked) {
            const int32_t want = qtc_binary_elem_(a[i], b[i], &p, kind);
            if (y[i] != want && failures++ < 10)
                printf("kind %d a %d b %d z %d %d %d L %d out (%ld, %d) rounding %d: %d, want %d\n",
                       kind, a[i], b[i], (int)p.lhs_zero_point, (int)p.rhs_zero_point,
                       (int)p.output_zero_point, p.left_shift, (long)p.output_multiplier,
                       p.output_shift, p.rounding, y[i], (int)want);
        }
    }
}

int main(void) {
    static const int32_t zeros[] = {-128, 127, 16}, outputs[] = {-38, 127, -128};
    static const int shifts[] = {1, 2, 3, 20, 23}; /* 255 * 2^23 < 2^31: all valid */
    static const int32_t outs[][2] = {{1 << 30, 0}, {2059470344, -18}, {1 << 30, -19}, {INT32_MAX, 0},
                                      {1 << 30, 3}, {1518500250, -1}, {0, 0}};
    qtc_binary p;
    int l, z, o, rounding;
    for (l = 0; l < 5; ++l) for (z = 0; z < 9; ++z) for (o = 0; o < 7; ++o)
        for (rounding = 0; rounding < 2; ++rounding) {
            p.left_shift = shifts[l];
            p.lhs_zero_point = zeros[z % 3]; p.rhs_zero_point = zeros[z / 3];
            p.output_zero_point = outputs[(z + o) % 3];
            p.lhs_multiplier = p.rhs_multiplier = 1 << 30; p.lhs_shift = p.rhs_shift = 0;
            p.output_multiplier = outs[o][0];
            p.output_shift = o == 0 ? 2 - p.left_shift : outs[o][1]; /* o == 0: the input scale */
            p.rounding = rounding ? QTC_MBQM_SINGLE : QTC_MBQM_DOUBLE;
            p.clamp_min = o % 2 ? p.output_zero_point : -128; p.clamp_max = o % 2 ? 127 : 126;
            all_pairs(p);
        }
    printf("%ld checked (general %ld, scaled %ld, direct %ld calls), %ld mismatches\n", checked,
           forms[0], forms[1], forms[2], failures);
    return failures != 0 || !forms[0] || !forms[1] || !forms[2];
}
"""


def test_add_sub_forms_equal_the_three_rescales(tmp_path: Path) -> None:
    """qtc_add_i8/qtc_sub_i8 give qtc_binary_elem_'s integers for every pair of operands in
    each form: the cheap loops of equal input scales (with the output scale equal or not) and
    the general one, over left shifts 1..23, extreme zero points, both roundings and clamps."""
    result = run_host(ADD_HARNESS, tmp_path, SPLIT["split"])
    assert result.returncode == 0, result.stdout + result.stderr
    print(result.stdout.strip())


def equal_scale_add(kind: str, bits: int, zero_points, output_scale: float, rounding: str,
                    seed: int) -> base.Case:
    """add/sub of the input and a constant (extremes included) of one scale: the cheap forms."""
    rng = np.random.default_rng(seed)
    z_l, z_r, z_out = zero_points
    lo, hi = storage_range(bits)
    shape = (1, 3, 5, 4)
    module = base.Module(shape, bits)
    data = base.random_ints(rng, bits, shape)
    data.flat[:4] = [lo, hi, lo, hi]
    params = (fp.add_params if kind == "add" else fp.sub_params)(0.1, 0.1, 0.1 * output_scale,
                                                                  fp.ADD_LEFT_SHIFT[bits])
    props = {"lhs_zero_point": base.i32(z_l), "rhs_zero_point": base.i32(z_r),
             "output_zero_point": base.i32(z_out), "left_shift": base.i32(fp.ADD_LEFT_SHIFT[bits]),
             "rounding": base.string(rounding)}
    for side, (q, s) in zip(("lhs", "rhs", "output"), params):
        props |= {f"{side}_multiplier": base.i32(q), f"{side}_shift": base.i32(s)}
    y = module.op(kind, [module.input, module.constant(data)], props, shape, bits)
    return base.Case(kind, module.text(y), shape, shape, bits)


def equal_scale_adds() -> list[base.Case]:
    return [
        equal_scale_add("add", 8, (-128, 127, -128), 1.0, "double", 1),
        equal_scale_add("add", 8, (127, -128, 127), 1.0, "single", 2),
        equal_scale_add("sub", 8, (-128, -128, 0), 1.0, "double", 3),
        equal_scale_add("add", 8, (16, 16, -128), 1.7, "double", 4),
        equal_scale_add("sub", 8, (-5, 100, 3), 0.3, "single", 5),
        equal_scale_add("add", 16, (0, 0, 0), 1.0, "double", 6),
        equal_scale_add("sub", 16, (-32768, 32767, 0), 1.0, "single", 7),
        equal_scale_add("add", 16, (0, 0, 0), 2.5, "double", 8),
    ]


@pytest.mark.parametrize("form", sorted(SPLIT))
def test_equal_scale_adds_equal_the_reference(form: str, tmp_path: Path) -> None:
    run_cases(equal_scale_adds(), tmp_path, (SPLIT[form],), 9)


# ----------------------------------------------------------------------------- on the M0


def core_runner(out_dir: Path, cpu: str, build_dir: Path, name: str = "model"):
    """x -> the model's outputs (all of them, one flat array), compiled for `cpu` (qtc cost's
    bench) and run in Unicorn; x holds every input, one after the other."""
    import unicorn
    import unicorn.arm_const as uc_arm
    from qtc.compiler import cost

    bench = cost.build_bench(str(out_dir), cpu, name, build_dir=str(build_dir))
    elf = cost.Elf(bench.elf)
    end = elf.address("qtc_bench_end") & ~1

    def run(x: np.ndarray) -> np.ndarray:
        uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
        uc.ctl_set_cpu_model(getattr(uc_arm, bench.core.unicorn_model))
        ram_top = elf.address("__stack_top")
        uc.mem_map(0, elf.address("__qtc_flash_bytes_used"))
        uc.mem_map(0x20000000, ram_top - 0x20000000)
        uc.mem_map(0xE0000000, 0x100000)  # the system control space
        for address, data in elf.segments:
            uc.mem_write(address, data)
        uc.mem_write(elf.address("qtc_bench_input"), np.ascontiguousarray(x, bench.io.dtype).tobytes())
        sp, reset = np.frombuffer(bytes(uc.mem_read(0, 8)), dtype="<u4")
        uc.reg_write(uc_arm.UC_ARM_REG_SP, int(sp))
        uc.hook_add(unicorn.UC_HOOK_CODE, lambda uc, *_: uc.emu_stop(), begin=end, end=end)
        uc.emu_start(int(reset) | 1, 0xFFFFFFFF, timeout=cost.RUN_TIMEOUT_US)
        assert uc.reg_read(uc_arm.UC_ARM_REG_PC) & ~1 == end, "the bench did not reach qtc_bench_end"
        count = sum(bench.io.outputs)
        data = bytes(uc.mem_read(elf.address("qtc_bench_output"), count * bench.io.dtype.itemsize))
        return np.frombuffer(data, bench.io.dtype)

    return run


@base.needs_arm
@pytest.mark.parametrize("cpu", ["cortex-m0", "cortex-m4"])
def test_cortex_m_builds_equal_the_reference(cpu: str, tmp_path: Path) -> None:
    """Some random and edge modules compiled for the core (the M0: the split multiply in
    ARMv6-M code) give the reference's outputs for the extreme and two random inputs; among
    them layers of narrow accumulators and of wide ones (the M4's two int8 requantizers)."""
    pytest.importorskip("unicorn")
    cases = [c for kind in ("dense", "conv2d", "depthwise_conv2d", "softmax", "requantize", "add")
             for c in base.random_cases(kind)[:3]] + edge_cases()[:9] + equal_scale_adds()[:5]
    cases.append(accumulating("dense", [3, 300], [300, 5], 8, 8, 16, wrap_bias=True))  # wide, double
    rng = np.random.default_rng(11)
    modes = set()
    for i, case in enumerate(cases):
        out_dir = tmp_path / f"case{i}"
        base.write_c(case, out_dir)
        source = (out_dir / "model.c").read_text()
        modes |= {"narrow"} if "QTC_MBQM_DOUBLE_NARROW" in source else set()
        modes |= set() if "#define QTC_WIDE_DOUBLE_USED 0" in source else {"wide"}
        run = core_runner(out_dir, cpu, out_dir / cpu)
        x = base.input_batch(rng, case.input_shape, case.bits)[[0, 1, 2, 5, 6]]
        for sample, want in zip(x, base.reference(case, x)):
            assert np.array_equal(run(sample), want), f"{case.kind} case {i} on {cpu}:\n{case.text}"
    assert modes == {"narrow", "wide"}
