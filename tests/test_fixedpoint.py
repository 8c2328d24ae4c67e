"""qtc.dialects.fixedpoint against exact big-integer references, and the C helpers against it.

(a) Each Python primitive is compared with an independent definition written here from the
source semantics with Python's exact integers and fractions: edge operands, ties of both
signs, every shift, and the worked examples of quantization.md 2.2 and 2.6.
(b) The C twins are compiled with gcc (C99, -Wall -Wextra -Werror -pedantic, ASan + UBSan
aborting on the first report) and fed ~100k random and edge vectors per primitive; every
output must equal the Python one.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from qtc.dialects import fixedpoint as fp

INT32_MIN, INT32_MAX = fp.INT32_MIN, fp.INT32_MAX
EDGE32 = [
    INT32_MIN,
    INT32_MIN + 1,
    -(1 << 30),
    -65536,
    -255,
    -3,
    -2,
    -1,
    0,
    1,
    2,
    3,
    255,
    65536,
    1 << 30,
    INT32_MAX - 1,
    INT32_MAX,
]
RNG_SEED = 20240611


def c_div(a: int, b: int) -> int:
    """C's truncating integer division."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def round_half_away_exact(v: Fraction) -> int:
    return int(math.copysign(math.floor(abs(v) + Fraction(1, 2)), v)) if v else 0


def round_half_up_exact(v: Fraction) -> int:
    return math.floor(v + Fraction(1, 2))


def wrap32(x: int) -> int:
    return (x + (1 << 31)) % (1 << 32) - (1 << 31)


def ref_srdhm(a: int, b: int) -> int:
    """gemmlowp, literally: sign-dependent nudge, then truncating division by 2^31."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return c_div(ab + nudge, 1 << 31)


def ref_rdbpot(x: int, e: int) -> int:
    return round_half_away_exact(Fraction(x, 1 << e))


def ref_mbqm(x: int, q: int, shift: int) -> int:
    return ref_rdbpot(ref_srdhm(wrap32(x * (1 << max(shift, 0))), q), max(-shift, 0))


def ref_mbqm_single(x: int, q: int, shift: int) -> int:
    return wrap32(round_half_up_exact(Fraction(x * q, 1 << (31 - shift))))


def ref_mbqm_int64(x: int, q: int, shift: int) -> int:
    reduced = round_half_up_exact(Fraction(q, 1 << 16)) if q < 0x7FFF0000 else 0x7FFF
    return wrap32(round_half_up_exact(Fraction(x * reduced, 1 << (15 - shift))))


def ref_quantize_multiplier(real: float) -> tuple[int, int]:
    exact = Fraction(real)
    if exact == 0:
        return 0, 0
    shift = math.floor(math.log2(real)) + 1
    while exact >= Fraction(2) ** shift:
        shift += 1
    while exact < Fraction(2) ** (shift - 1):
        shift -= 1
    q = round_half_away_exact(exact * Fraction(2) ** (31 - shift))
    if q == 1 << 31:
        q, shift = 1 << 30, shift + 1
    return (0, 0) if shift < -31 else (q, shift)


def _random_int32(rng, n: int) -> list[int]:
    return [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)]


def _normalized_multipliers(rng, n: int) -> np.ndarray:
    q = rng.integers(1 << 30, INT32_MAX, n, endpoint=True)
    q[: n // 50] = 0
    q[n // 50 : n // 25] = rng.choice(
        [1 << 30, INT32_MAX, (1 << 30) + 1, INT32_MAX - 1], n // 25 - n // 50
    )
    return q


# ----------------------------------------------------------------------------- (a) Python vs exact


def test_srdhm_matches_gemmlowp_definition():
    rng = np.random.default_rng(RNG_SEED)
    pairs = [(a, b) for a in EDGE32 for b in EDGE32]
    pairs += list(zip(_random_int32(rng, 5000), _random_int32(rng, 5000)))
    # Ties: a*b = (2m+1) * 2^30 of both signs.
    for i in range(31):
        for m in rng.integers(-(1 << max(0, 29 - (30 - i))), 1 << max(0, 29 - (30 - i)), 8):
            pairs.append((1 << i, (2 * int(m) + 1) << (30 - i)))
            pairs.append((-(1 << i), (2 * int(m) + 1) << (30 - i)))
    a, b = np.array(pairs).T
    assert fp.saturating_rounding_doubling_high_mul(a, b).tolist() == [ref_srdhm(*p) for p in pairs]
    assert fp.saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX
    assert fp.saturating_rounding_doubling_high_mul(1 << 30, 1) == 1  # +0.5 rounds up
    assert fp.saturating_rounding_doubling_high_mul(-(1 << 30), 1) == 0  # -0.5 rounds up too


def test_rounding_divide_by_pot_every_exponent_and_ties():
    rng = np.random.default_rng(RNG_SEED + 1)
    cases = [(x, e) for x in EDGE32 for e in range(32)]
    cases += [(x, int(e)) for x, e in zip(_random_int32(rng, 3000), rng.integers(0, 32, 3000))]
    cases += [
        (sign * (2 * m + 1) << (e - 1), e)
        for e in range(1, 31)
        for m in (0, 1, 7)
        for sign in (1, -1)
    ]
    x, e = np.array(cases).T
    assert fp.rounding_divide_by_pot(x, e).tolist() == [ref_rdbpot(*c) for c in cases]
    assert fp.rounding_divide_by_pot([3, -3, 5, -5], 1).tolist() == [
        2,
        -2,
        3,
        -3,
    ]  # ties away from zero
    with pytest.raises(ValueError):
        fp.rounding_divide_by_pot(1, 32)


@pytest.mark.parametrize("shift", range(-31, 31))
def test_mbqm_every_shift(shift):
    rng = np.random.default_rng(RNG_SEED + 100 + shift)
    xs = EDGE32 + _random_int32(rng, 150) + [int(v) for v in rng.integers(-(1 << 20), 1 << 20, 150)]
    qs = [0, 1 << 30, INT32_MAX] + [int(v) for v in _normalized_multipliers(rng, 40)]
    x, q = (np.array(v) for v in zip(*[(x, q) for x in xs for q in qs]))
    for fn, ref in (
        (fp.multiply_by_quantized_multiplier, ref_mbqm),
        (fp.multiply_by_quantized_multiplier_single, ref_mbqm_single),
    ):
        assert fn(x, q, shift).tolist() == [ref(int(a), int(b), shift) for a, b in zip(x, q)]
    if shift <= 7:
        x64 = np.concatenate([x, rng.integers(-(1 << 47), 1 << 47, x.size)])
        q64 = np.concatenate(
            [q, rng.choice([0x7FFF0000, 0x7FFF0000 - 1, 0x7FFF8000, INT32_MAX], x.size)]
        )
        assert fp.multiply_by_quantized_multiplier_int64(x64, q64, shift).tolist() == [
            ref_mbqm_int64(int(a), int(b), shift) for a, b in zip(x64, q64)
        ]


def test_mbqm_int64_rejects_accumulators_beyond_2_47():
    with pytest.raises(ValueError, match="2\\^47"):
        fp.multiply_by_quantized_multiplier_int64(1 << 47, 1 << 30, 0)
    assert fp.multiply_by_quantized_multiplier_int64(-(1 << 47), 1 << 30, -31) == -(1 << 15)


def test_rounding_difference_table_of_quantization_md_2_6():
    rows = [
        ((-2, 1 << 30, -1), -1, 0),
        ((2, 1 << 30, -1), 1, 1),
        ((850, 1634124216, -1), 324, 323),
        ((-850, 1634124216, -1), -324, -323),
    ]
    for args, double, single in rows:
        assert fp.multiply_by_quantized_multiplier(*args) == double
        assert fp.multiply_by_quantized_multiplier_single(*args) == single
    assert (
        fp.saturating_rounding_doubling_high_mul(1700, 1634124216) == 1294
    )  # 850 * 2: SRDHM gives 647 at x = 850
    assert fp.saturating_rounding_doubling_high_mul(850, 1634124216) == 647


def test_double_and_single_rounding_differ_by_at_most_one():
    rng = np.random.default_rng(RNG_SEED + 2)
    x = rng.integers(-(1 << 20), 1 << 20, 20000)
    q, s = zip(*(fp.quantize_multiplier(m) for m in rng.uniform(1e-5, 0.9, 20000)))
    diff = fp.multiply_by_quantized_multiplier(
        x, q, s
    ) - fp.multiply_by_quantized_multiplier_single(x, q, s)
    assert set(np.unique(diff)) <= {-1, 0, 1}
    assert 0.05 < np.mean(diff != 0) < 0.15  # quantization.md measured 9.3%


def test_quantize_multiplier_examples_of_quantization_md_2_2():
    examples = {
        0.5: (1073741824, 0),
        0.75: (1610612736, 0),
        1.0: (1073741824, 1),
        1 - 2**-40: (1073741824, 1),
        2**-31: (1073741824, -30),
        2**-32: (1073741824, -31),
        2**-33: (0, 0),
        123.0: (2063597568, 7),
        0.0: (0, 0),
    }
    for real, expected in examples.items():
        assert fp.quantize_multiplier(real) == expected == ref_quantize_multiplier(real)


def test_quantize_multiplier_random_and_limits():
    rng = np.random.default_rng(RNG_SEED + 3)
    for real in np.exp(rng.uniform(math.log(2**-34), math.log(2**30), 3000)):
        assert fp.quantize_multiplier(float(real)) == ref_quantize_multiplier(float(real))
    assert fp.quantize_multiplier(2.0**31, "single") == (INT32_MAX, 30)
    for bad in (-0.5, math.inf, math.nan):
        with pytest.raises(ValueError):
            fp.quantize_multiplier(bad)
    with pytest.raises(ValueError, match="shift 32"):
        fp.quantize_multiplier(2.0**31)


def test_round_half_away():
    values = [
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        0.49999999999999994,
        -0.49999999999999994,
        0.0,
        -0.0,
        7.0,
        -7.3,
    ]
    expected = [round_half_away_exact(Fraction(v)) for v in values]
    assert [fp.round_half_away(v) for v in values] == expected
    assert fp.round_half_away(np.array(values)).tolist() == expected
    f32 = np.array([0.49999997, -0.49999997, 2.5, -2.5], dtype=np.float32)
    rounded = fp.round_half_away(f32)
    assert rounded.dtype == np.float32 and rounded.tolist() == [0.0, -0.0, 3.0, -3.0]


def test_wrap_saturate_rounding_divide_half_sum_clz():
    values = [INT32_MIN - 1, INT32_MAX + 1, (1 << 40) + 5, -(1 << 40) - 5, 0, -1]
    assert fp.wrap(values, 32).tolist() == [wrap32(v) for v in values]
    assert fp.wrap([128, -129, 255], 8).tolist() == [-128, 127, -1]
    assert fp.saturate([300, -300, 5], 8).tolist() == [127, -128, 5]
    rng = np.random.default_rng(RNG_SEED + 4)
    acc, n = rng.integers(-(1 << 20), 1 << 20, 5000), rng.integers(1, 50, 5000)
    assert fp.rounding_divide(acc, n).tolist() == [
        c_div(a + c_div(c, 2), c) if a > 0 else c_div(a - c_div(c, 2), c)
        for a, c in zip(acc.tolist(), n.tolist())
    ]
    assert fp.rounding_divide([5, -5, 6, -6, 7, -7], 4).tolist() == [
        1,
        -1,
        2,
        -2,
        2,
        -2,
    ]  # 1.25, 1.5 and 1.75
    a, b = rng.integers(INT32_MIN, INT32_MAX, 5000), rng.integers(INT32_MIN, INT32_MAX, 5000)
    assert fp.rounding_half_sum(a, b).tolist() == [
        round_half_away_exact(Fraction(x + y, 2)) for x, y in zip(a.tolist(), b.tolist())
    ]
    x = np.array([0, 1, 2, 3, 0xFFFFFFFF, 1 << 31, (1 << 31) - 1, 1 << 16])
    assert fp.count_leading_zeros32(x).tolist() == [32 - int(v).bit_length() for v in x]


def test_gemmlowp_functions_approximate_their_real_counterparts():
    rng = np.random.default_rng(RNG_SEED + 5)
    a = np.concatenate([[0, -1, INT32_MIN], -rng.integers(0, 1 << 31, 20000)])
    for integer_bits in (0, 4, 5, 6, 12):
        got = fp.exp_on_negative_values(a, integer_bits) / 2**31
        assert np.abs(got - np.exp(a / 2.0 ** (31 - integer_bits))).max() < 1e-6
    assert fp.exp_on_negative_values(0, 5) == INT32_MAX
    x = rng.integers(0, 1 << 31, 20000)
    assert np.abs(fp.one_over_one_plus_x_for_x_in_0_1(x) - 2**31 / (1 + x / 2**31)).max() < 16
    x = rng.integers(1, 1 << 31, 20000)
    scale, bits_over_unit = fp.get_reciprocal(x, 12)
    assert (
        np.abs(scale / 2**31 * 2.0 ** -bits_over_unit.astype(float) * (x / 2**19) - 1).max() < 1e-8
    )


def _lut_int8_scalar(fn, s_in, z_in, s_out, z_out):
    """LUTPopulateInt8 transliterated element by element in float32, then put in natural order."""
    f32 = np.float32
    table = {}
    for val in range(-128, 128):
        y = f32(fn(np.array([f32(s_in) * f32(val - z_in)], dtype=np.float32))[0]) * (
            f32(1) / f32(s_out)
        )
        table[val] = max(
            -128, min(127, int(f32(round_half_away_exact(Fraction(float(y)))) + f32(z_out)))
        )
    return [table[q] for q in range(-128, 128)]


def test_lut_int8_matches_tflite_populate():
    assert fp.lut_int8(lambda x: x, 0.5, 3, 0.5, 3).tolist() == list(range(-128, 128))
    for args in (
        (np.tanh, 0.05, -7, 1 / 128, 0),
        (lambda v: 1 / (1 + np.exp(-v)), 0.1, 20, 1 / 256, -128),
        (lambda v: np.exp(v.astype(np.float64)), 0.03, 127, 1 / 256, -128),
    ):
        table = fp.lut_int8(*args)
        assert table.dtype == np.int8 and table.tolist() == _lut_int8_scalar(*args)
    table = fp.lut_int8(np.tanh, 0.05, -7, 1 / 128, 0)
    assert (
        fp.lut_int8_lookup([-128, -7, 127], table).tolist()
        == [table[0], table[121], table[255]]
        == [-128, 0, 127]
    )


def test_lut_int16_matches_tflite_populate_and_lookup():
    f32 = np.float32
    fn = np.tanh
    s_in, s_out = 8 / 32768, 1 / 32768
    table = fp.lut_int16(fn, s_in, 0, s_out, 0)
    # LUTPopulateInt16 transliterated with float32 scalars.
    x_min, x_max = f32(s_in) * f32(-32768), f32(s_in) * f32(32767)
    inv = f32(65536) / (f32(s_out) * f32(32767) - f32(s_out) * f32(-32768))
    step = (x_max - x_min) / f32(512)
    g = lambda v: f32(fn(f32(v)))  # noqa: E731
    r = lambda v: f32(round_half_away_exact(Fraction(float(v))))  # noqa: E731
    for i in range(512):
        val, mid, nxt = (
            g(x_min + f32(i) * step),
            g(x_min + f32(i) * step + step / f32(2)),
            g(x_min + f32(i + 1) * step),
        )
        bias = r((r((nxt * inv + r(val * inv)) / f32(2)) - r(mid * inv)) / f32(2))
        assert table[i] == max(-32768, min(32767, int(r(val * inv) - bias))), i
    assert table[512] == min(32767, int(r(g(x_max) * inv)))
    # LUTLookup: index 256 + (x >> 7), 7-bit interpolation with rounding.
    x = np.arange(-32768, 32768)
    lut = table.astype(np.int64)
    index, offset = 256 + (x >> 7), x & 0x7F
    expected = lut[index] + (((lut[index + 1] - lut[index]) * offset + 64) >> 7)
    assert fp.lut_int16_lookup(x, table).tolist() == expected.tolist()
    assert abs(int(fp.lut_int16_lookup(16384, table)) - math.tanh(4.0) * 32768) < 8


def test_lut_int16_lookup_wraps_like_the_int16_casts():
    table = np.zeros(513, dtype=np.int16)
    table[256], table[257] = -30000, 30000  # slope 60000 wraps to -5536
    assert fp.lut_int16_lookup(64, table) == -30000 + ((-5536 * 64 + 64) >> 7)


def test_softmax_params_follow_tflite_prepare():
    q, shift, diff_min = fp.softmax_int8_params(0.1)
    real = float(np.float32(0.1)) * 2**26
    assert (q, shift) == fp.quantize_multiplier(real) and shift == 23
    assert diff_min == -math.floor(31 * 2**26 / 2**23) == -248
    assert fp.softmax_int8_params(64.0)[:2] == (
        INT32_MAX,
        30,
    )  # capped at 2^31 - 1, saturated shift
    with pytest.raises(ValueError, match="exceed 1"):
        fp.softmax_int8_params(2**-30)
    q, shift, exp_table, reciprocal_table = fp.softmax_int16_params(10 / 32767)
    assert (q, shift) == fp.quantize_multiplier(float(np.float32(10 / 32767)) / (10 / 65535))
    assert exp_table.shape == reciprocal_table.shape == (513,)
    # Output scale 2/65535 makes the tables Q0.15 with 65536/2 = 32768 per unit: exp(0) saturates.
    assert exp_table[512] == 32767 and 32767 - 8 < fp.lut_int16_lookup(32767, exp_table) < 32767
    assert abs(int(exp_table[0]) - math.exp(-10) * 32768) <= 1  # sample 1.49, bias-corrected
    assert reciprocal_table[0] == 32767 and reciprocal_table[512] == 16384  # 1/(1+0), 1/(1+1)


def test_add_and_sub_params_follow_tflite_prepare():
    (q1, s1), (q2, s2), (qo, so) = fp.add_params(0.02, 0.01, 0.03, 20)
    assert (q1, s1) == (1 << 30, 0)  # 0.02 / 0.04 = 1/2
    assert (q2, s2) == fp.quantize_multiplier(
        float(np.float32(0.01)) / (2 * float(np.float32(0.02)))
    )
    assert (qo, so) == fp.quantize_multiplier(
        2 * float(np.float32(0.02)) / (2**20 * float(np.float32(0.03)))
    )
    sub = fp.sub_params(0.02, 0.01, 0.03, 20)
    f32 = np.float32
    assert sub[2] == fp.quantize_multiplier(float(f32(2) * f32(0.02) / (f32(2**20) * f32(0.03))))


# ----------------------------------------------------------------------------- (b) C vs Python

ROOT = Path(__file__).resolve().parents[1]
CFLAGS = [
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-O1",
]
N = 100_000


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed: the C fixed-point helpers cannot be compiled")
    exe = tmp_path_factory.mktemp("fixedpoint") / "harness"
    subprocess.run(
        [
            gcc,
            *CFLAGS,
            "-I",
            str(ROOT / "runtime_c"),
            str(ROOT / "tests" / "c" / "fixedpoint_harness.c"),
            "-o",
            str(exe),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return exe


def run_c(exe: Path, primitive: str, columns, table=(), outputs: int = 1) -> np.ndarray:
    args = np.stack([np.asarray(c, dtype=np.int64) for c in columns], axis=1)
    header = np.array([len(args), len(table), *table], dtype="<i8")
    result = subprocess.run(
        [str(exe), primitive],
        input=header.tobytes() + args.astype("<i8").tobytes(),
        capture_output=True,
        env={
            "ASAN_OPTIONS": "detect_leaks=0",
            "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
        },
    )
    assert result.returncode == 0, result.stderr.decode()
    return np.frombuffer(result.stdout, dtype="<i8").reshape(len(args), outputs)


def assert_same(exe, primitive, columns, expected, table=()):
    expected = [
        np.asarray(e, dtype=np.int64)
        for e in (expected if isinstance(expected, tuple) else (expected,))
    ]
    got = run_c(exe, primitive, columns, table, len(expected))
    for k, e in enumerate(expected):
        mismatch = np.flatnonzero(got[:, k] != np.broadcast_to(e, got[:, k].shape))
        first = [int(np.asarray(c)[mismatch[0]]) for c in columns] if mismatch.size else None
        assert mismatch.size == 0, (
            f"{primitive}: {mismatch.size} mismatches, first args {first}: "
            f"C {got[mismatch[0], k]} Python {np.broadcast_to(e, got[:, k].shape)[mismatch[0]]}"
        )


def with_edges(random: np.ndarray, edges) -> np.ndarray:
    random[: len(edges)] = edges
    return random


@pytest.fixture
def rng():
    return np.random.default_rng(RNG_SEED + 1000)


def test_c_srdhm(harness, rng):
    pairs = np.array([(a, b) for a in EDGE32 for b in EDGE32]).T
    a = with_edges(rng.integers(INT32_MIN, INT32_MAX, N, endpoint=True), pairs[0])
    b = with_edges(rng.integers(INT32_MIN, INT32_MAX, N, endpoint=True), pairs[1])
    a[len(pairs[0]) : 20000] >>= rng.integers(
        0, 31, 20000 - len(pairs[0])
    )  # small magnitudes, ties
    assert_same(harness, "srdhm", (a, b), fp.saturating_rounding_doubling_high_mul(a, b))


def test_c_rdbpot_and_saturating_shift(harness, rng):
    x = with_edges(rng.integers(INT32_MIN, INT32_MAX, N, endpoint=True), EDGE32)
    e = rng.integers(0, 32, N)
    x[50000:] = (x[50000:] >> e[50000:]) << e[50000:] | np.where(
        e[50000:] > 0, 1 << np.maximum(e[50000:] - 1, 0), 0
    )  # ties
    assert_same(harness, "rdbpot", (x, e), fp.rounding_divide_by_pot(x, e))
    e = rng.integers(1, 31, N)
    expected = np.concatenate(
        [fp.saturating_rounding_multiply_by_pot(x[e == k], k) for k in range(1, 31)]
    )
    order = np.concatenate([np.flatnonzero(e == k) for k in range(1, 31)])
    assert_same(harness, "sat_shl", (x[order], e[order]), expected)


@pytest.mark.parametrize("primitive", ["mbqm", "mbqm_single"])
def test_c_mbqm_int32(harness, rng, primitive):
    x = with_edges(rng.integers(INT32_MIN, INT32_MAX, N, endpoint=True), EDGE32)
    x[N // 2 :] >>= rng.integers(0, 31, N - N // 2)
    q, shift = _normalized_multipliers(rng, N), rng.integers(-31, 31, N)
    fn = (
        fp.multiply_by_quantized_multiplier
        if primitive == "mbqm"
        else fp.multiply_by_quantized_multiplier_single
    )
    assert_same(harness, primitive, (x, q, shift), fn(x, q, shift))


def test_c_mbqm_int64(harness, rng):
    x = with_edges(
        rng.integers(-(1 << 47), 1 << 47, N), [-(1 << 47), (1 << 47) - 1, 0, -1, 1, *EDGE32]
    )
    x[N // 2 :] >>= rng.integers(0, 47, N - N // 2)
    q = with_edges(
        rng.integers(0, INT32_MAX, N, endpoint=True),
        [0, 0x7FFF0000 - 1, 0x7FFF0000, INT32_MAX, 1 << 30],
    )
    shift = rng.integers(-31, 8, N)
    assert_same(
        harness, "mbqm_i64", (x, q, shift), fp.multiply_by_quantized_multiplier_int64(x, q, shift)
    )


def test_c_small_helpers(harness, rng):
    n = rng.integers(1, 1 << 12, N)
    acc = rng.integers(INT32_MIN + (1 << 12), INT32_MAX - (1 << 12), N)
    acc[: N // 2] >>= rng.integers(0, 31, N // 2)
    assert_same(harness, "rounding_divide", (acc, n), fp.rounding_divide(acc, n))
    x, bits = rng.integers(-(1 << 62), 1 << 62, N), rng.integers(1, 33, N)
    x[: N // 2] >>= rng.integers(0, 62, N // 2)
    assert_same(harness, "saturate", (x, bits), fp.saturate(x, bits))
    assert_same(harness, "wrap_i32", (x,), fp.wrap(x, 32))
    a, b = (
        rng.integers(INT32_MIN, INT32_MAX, N, endpoint=True),
        rng.integers(INT32_MIN, INT32_MAX, N, endpoint=True),
    )
    assert_same(harness, "rounding_half_sum", (a, b), fp.rounding_half_sum(a, b))
    u = with_edges(
        rng.integers(0, 1 << 32, N) >> rng.integers(0, 32, N), [0, 1, 0xFFFFFFFF, 1 << 31]
    )
    assert_same(harness, "clz32", (u,), fp.count_leading_zeros32(u))


def test_c_exp_reciprocal(harness, rng):
    a = with_edges(
        -rng.integers(0, 1 << 31, N, endpoint=True), [0, -1, INT32_MIN, -(1 << 26), -(1 << 24)]
    )
    a[N // 2 :] >>= rng.integers(0, 31, N - N // 2)
    bits = np.where(np.arange(N) < N // 2, 5, rng.integers(0, 30, N))
    expected = np.empty(N, dtype=np.int64)
    for k in np.unique(bits):
        expected[bits == k] = fp.exp_on_negative_values(a[bits == k], int(k))
    assert_same(harness, "exp", (a, bits), expected)
    x = with_edges(rng.integers(0, INT32_MAX, N, endpoint=True), [0, 1, INT32_MAX, 1 << 30])
    assert_same(harness, "one_over_one_plus_x", (x,), fp.one_over_one_plus_x_for_x_in_0_1(x))
    x = with_edges(
        np.maximum(rng.integers(1, INT32_MAX, N, endpoint=True) >> rng.integers(0, 31, N), 1),
        [1, 2, INT32_MAX, 1 << 19],
    )
    digits = rng.integers(0, 32, N)
    scale, bits_over_unit = fp.get_reciprocal(x, 0)
    assert_same(harness, "reciprocal", (x, digits), (scale, bits_over_unit + digits))


def test_c_luts(harness, rng):
    for _ in range(4):
        table8 = rng.integers(-128, 128, 256)
        x = with_edges(rng.integers(-128, 128, N // 4), list(range(-128, 128)))
        assert_same(harness, "lut_i8", (x,), fp.lut_int8_lookup(x, table8), table8)
    tables = [
        rng.integers(-32768, 32768, 513),
        np.sort(rng.integers(-32768, 32768, 513)),
        fp.softmax_int16_params(0.001)[2],
    ]
    for table16 in tables:
        x = with_edges(
            rng.integers(-32768, 32768, N // 3), list(range(-32768, 32768, 97)) + [32767]
        )
        assert_same(harness, "lut_i16", (x,), fp.lut_int16_lookup(x, table16), table16)
