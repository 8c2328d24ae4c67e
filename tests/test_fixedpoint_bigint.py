"""The C and Python fixed-point requantizers against exact big-integer references, on grids.

tests/test_fixedpoint.py checks Python against the exact references (Python integers and
fractions) and the C against Python on random vectors. This file closes the gap it leaves:
the C is compared with the exact references directly, and both C and Python are run on
deterministic grids of EVERY shift (int32 requantizers -31..30, the int64 one -31..7) and
every rounding exponent (0..31) crossed with INT32_MIN, INT32_MAX, the neighbours of 0 and
constructed exact ties of both signs, so no case rests on a random draw. The same grids run
through qtc_int.h's own requantizer (`qtc_mbqm_mode_`, what every kernel calls), built with
and without QTC_NO_LONG_MULTIPLY (its 16-bit-halves products for cores without a long
multiply).

Ties: a product x * q sits exactly halfway between two results when its low bits are
2^(k-1) over a 2^k divisor; with q = 2^b * u (u odd) that is x = 2^(k-1-b) * w for odd w.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from qtc.dialects import fixedpoint as fp
from test_fixedpoint import (
    CFLAGS,
    EDGE32,
    INT32_MAX,
    INT32_MIN,
    ROOT,
    harness,  # noqa: F401 (the compiled C harness fixture)
    ref_mbqm,
    ref_mbqm_int64,
    ref_mbqm_single,
    ref_rdbpot,
    ref_srdhm,
    run_c,
    wrap32,
)

INT64_ACC = 1 << 47
ODD = (1, 3, 5, 7, 101, 12345)
"""Odd factors w of the constructed ties (both signs are used)."""


def in_int32(values) -> list[int]:
    return sorted({int(v) for v in values if INT32_MIN <= v <= INT32_MAX})


def odd_multiples(power: int, limit: int = 1 << 31) -> list[int]:
    """±w * 2^power for the odd w of ODD, and the largest odd multiple below `limit`."""
    if power < 0:
        return []
    top = ((limit - 1) >> power) | 1
    factors = [*ODD, top, top - 2]
    return [sign * w << power for w in factors if w > 0 for sign in (1, -1)]


def int32_grid(q_values, ties) -> tuple[np.ndarray, np.ndarray]:
    """(x, q) pairs: the edges and `ties` (x values) against each q."""
    xs = in_int32([*EDGE32, *ties])
    pairs = [(x, q) for x in xs for q in q_values]
    x, q = np.array(pairs, dtype=np.int64).T
    return x, q


def double_rounding_cases(shift: int) -> tuple[np.ndarray, np.ndarray]:
    """gemmlowp MBQM: ties of SRDHM (x' * q = 2^30 mod 2^31) and of the rounding shift."""
    if shift > 0:  # left shift, then SRDHM with an odd q: x = w * 2^(30 - shift)
        ties = odd_multiples(30 - shift)
        q_values = [(1 << 30) + 1, INT32_MAX]
    else:  # q = 2^30 halves x (odd x: an SRDHM tie); x = w * 2^right ties in the shift
        right = -shift
        ties = [*odd_multiples(0, 1 << 20), *odd_multiples(right), *odd_multiples(right + 1)]
        q_values = [1 << 30, (1 << 30) + 1]
    return int32_grid([0, *q_values, INT32_MAX - 1], ties)


def single_rounding_cases(shift: int) -> tuple[np.ndarray, np.ndarray]:
    """TFLITE_SINGLE_ROUNDING: x * q = 2^(k-1) mod 2^k with k = 31 - shift."""
    if shift > 0:  # q = 2^30 + 2^(30 - shift) = 2^(30-shift) * odd: every odd x ties
        q_values = [(1 << 30) + (1 << (30 - shift))]
        ties = odd_multiples(0)
    else:  # q = 2^30: x = w * 2^(-shift); shift -31 leaves INT32_MIN alone
        q_values = [1 << 30]
        ties = [*odd_multiples(-shift), INT32_MIN]
    return int32_grid([0, *q_values, (1 << 30) + 1, INT32_MAX], ties)


def int64_cases(shift: int) -> tuple[np.ndarray, np.ndarray]:
    """The 16x8 requantizer: x * reduced = 2^(k-1) mod 2^k, k = 15 - shift, reduced = q' >> 16."""
    k = 15 - shift
    edges = [-INT64_ACC, INT64_ACC - 1, -(INT64_ACC - 1), *EDGE32]
    if shift > 0:  # q = 2^30 + 2^16 reduces to the odd 2^14 + 1: x = w * 2^(k - 1)
        q_values, power = [(1 << 30) + (1 << 16)], k - 1
    else:  # q = 2^30 reduces to 2^14: x = w * 2^(k - 15)
        q_values, power = [1 << 30], k - 15
    ties = odd_multiples(power, INT64_ACC)
    q_all = [0, *q_values, 0x7FFF0000 - 1, 0x7FFF0000, INT32_MAX]
    xs = sorted({x for x in (*edges, *ties) if -INT64_ACC <= x < INT64_ACC})
    x, q = np.array([(x, q) for x in xs for q in q_all], dtype=np.int64).T
    return x, q


def assert_exact(name: str, got, x, q, shift: int, reference) -> None:
    expected = [reference(int(a), int(b), shift) for a, b in zip(x, q)]
    bad = [i for i, (g, e) in enumerate(zip(np.asarray(got).tolist(), expected)) if g != e]
    assert not bad, (
        f"{name} shift {shift}: {len(bad)} of {len(x)} differ from the exact reference, first "
        f"x={x[bad[0]]} q={q[bad[0]]}: got {np.asarray(got)[bad[0]]}, exact {expected[bad[0]]}"
    )


def is_half(numerator: int, bits: int) -> bool:
    """numerator / 2^bits has a fractional part of exactly 1/2 (bits >= 1)."""
    return numerator % (1 << bits) == 1 << (bits - 1)


def double_rounding_tie(x: int, q: int, shift: int) -> bool:
    shifted = wrap32(x << max(shift, 0))
    right = max(-shift, 0)
    return is_half(shifted * q, 31) or (right > 0 and is_half(ref_srdhm(shifted, q), right))


def single_rounding_tie(x: int, q: int, shift: int) -> bool:
    return is_half(x * q, 31 - shift)


def int64_tie(x: int, q: int, shift: int) -> bool:
    return is_half(x * ((q + (1 << 15)) >> 16), 15 - shift)


@pytest.mark.parametrize(
    "cases, shifts, is_tie",
    [
        (double_rounding_cases, range(-31, 31), double_rounding_tie),
        (single_rounding_cases, range(-31, 31), single_rounding_tie),
        (int64_cases, range(-31, 8), int64_tie),
    ],
)
def test_the_grids_hold_exact_ties(cases, shifts, is_tie):
    """Every shift's grid holds ties: 8 or more, or all 2^(31 + shift) odd multiples of
    2^-shift that int32 has (one at shift -31: INT32_MIN)."""
    for shift in shifts:
        x, q = cases(shift)
        ties = sum(is_tie(a, b, shift) for a, b in zip(x.tolist(), q.tolist()))
        assert ties >= min(8, 1 << max(31 + shift, 0)), (shift, ties)


REQUANTIZERS = {
    # harness primitive: (qtc_int.h mode, shifts, grid, exact reference, Python twin)
    "mbqm": (
        0,
        range(-31, 31),
        double_rounding_cases,
        ref_mbqm,
        fp.multiply_by_quantized_multiplier,
    ),
    "mbqm_single": (
        1,
        range(-31, 31),
        single_rounding_cases,
        ref_mbqm_single,
        fp.multiply_by_quantized_multiplier_single,
    ),
    "mbqm_i64": (
        2,
        range(-31, 8),
        int64_cases,
        ref_mbqm_int64,
        fp.multiply_by_quantized_multiplier_int64,
    ),
}


def grid(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, q, shift) of every shift's grid of requantizer `name`."""
    _, shifts, cases, _, _ = REQUANTIZERS[name]
    parts = [(*cases(shift), shift) for shift in shifts]
    x = np.concatenate([p[0] for p in parts])
    q = np.concatenate([p[1] for p in parts])
    return x, q, np.concatenate([np.full(len(p[0]), p[2]) for p in parts])


def assert_grid_exact(name: str, what: str, x, q, s, got) -> None:
    _, shifts, _, reference, _ = REQUANTIZERS[name]
    for shift in shifts:
        at = s == shift
        assert_exact(f"{what} {name}", np.asarray(got)[at], x[at], q[at], shift, reference)


@pytest.mark.parametrize("name", REQUANTIZERS)
def test_requantizers_every_shift_exact(harness, name):  # noqa: F811
    """qtc_fixedpoint.h (through the harness) and fixedpoint.py against the exact reference."""
    x, q, s = grid(name)
    python = REQUANTIZERS[name][4]
    got = np.concatenate([python(x[s == k], q[s == k], int(k)) for k in np.unique(s)])
    order = np.concatenate([np.flatnonzero(s == k) for k in np.unique(s)])
    assert_grid_exact(name, "Python", x[order], q[order], s[order], got)
    assert_grid_exact(name, "C", x, q, s, run_c(harness, name, (x, q, s))[:, 0])


KERNEL_DRIVER = """\
#include <stdio.h>
#include <stdlib.h>
#include "qtc_int.h"

/* argv[1]: QTC_MBQM_* mode; stdin: int64 (x, q, shift) records; stdout: int64 results. */
int main(int argc, char **argv) {
    int64_t r[3];
    const int mode = argc == 2 ? atoi(argv[1]) : -1;
    if (mode < 0) return 2;
    while (fread(r, sizeof r, 1, stdin) == 1) {
        const int64_t y = qtc_mbqm_mode_(r[0], (int32_t)r[1], (int)r[2], mode);
        fwrite(&y, sizeof y, 1, stdout);
    }
    return 0;
}
"""


@pytest.fixture(scope="module", params=[0, 1], ids=["long-multiply", "no-long-multiply"])
def kernel_requantizer(request, tmp_path_factory) -> Path:
    """qtc_int.h's requantizer (what every kernel calls), in both QTC_NO_LONG_MULTIPLY forms."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    folder = tmp_path_factory.mktemp(f"kernel_requantizer{request.param}")
    source, exe = folder / "driver.c", folder / "driver"
    source.write_text(KERNEL_DRIVER)
    flags = [*CFLAGS, f"-DQTC_NO_LONG_MULTIPLY={request.param}", "-I", str(ROOT / "runtime_c")]
    subprocess.run([gcc, *flags, str(source), "-o", str(exe)], check=True, capture_output=True)
    return exe


@pytest.mark.parametrize("name", REQUANTIZERS)
def test_kernel_requantizers_every_shift_exact(kernel_requantizer, name):
    """qtc_int.h's own requantizers (qtc_mbqm_mode_, 16-bit-halves products where the core
    has no long multiply) against the exact reference on the same grids."""
    x, q, s = grid(name)
    records = np.stack([x, q, s], axis=1).astype("<i8")
    result = subprocess.run(
        [str(kernel_requantizer), str(REQUANTIZERS[name][0])],
        input=records.tobytes(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert_grid_exact(name, "qtc_int.h", x, q, s, np.frombuffer(result.stdout, dtype="<i8"))


def test_srdhm_and_rounding_shift_every_exponent_exact(harness):  # noqa: F811
    """SRDHM on INT32_MIN/MAX and ties of both signs; RDBPOT for every exponent 0..31."""
    a_values = in_int32([*EDGE32, *odd_multiples(0, 1 << 16)])
    b_values = [INT32_MIN, INT32_MIN + 1, -(1 << 30), 1 << 30, (1 << 30) + 1, INT32_MAX, 3, -1]
    a, b = np.array([(x, y) for x in a_values for y in b_values], dtype=np.int64).T
    expected = [ref_srdhm(int(x), int(y)) for x, y in zip(a, b)]
    assert fp.saturating_rounding_doubling_high_mul(a, b).tolist() == expected
    assert run_c(harness, "srdhm", (a, b))[:, 0].tolist() == expected
    x_all, e_all = [], []
    for exponent in range(32):
        ties = odd_multiples(exponent - 1) if exponent else []
        xs = in_int32([*EDGE32, *ties, *(t + 1 for t in ties), *(t - 1 for t in ties)])
        x_all += xs
        e_all += [exponent] * len(xs)
    x, e = np.array(x_all, dtype=np.int64), np.array(e_all, dtype=np.int64)
    expected = [ref_rdbpot(int(v), int(k)) for v, k in zip(x, e)]
    assert fp.rounding_divide_by_pot(x, e).tolist() == expected
    assert run_c(harness, "rdbpot", (x, e))[:, 0].tolist() == expected
