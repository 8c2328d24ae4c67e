"""The qnn integer reference on hand-computed cases, and against TF Lite where it quantizes alike.

Each case derives its expected integers by hand in the comments from the op's formula:
MBQM(x, q, s) ~ x * q * 2^(s - 31), double rounding ties away from zero, single rounding ties
toward +inf (`q = 2^30` is 0.5).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func
from xdsl.interpreter import Interpreter
from xdsl.interpreters.func import FuncFunctions
from xdsl.parser import Parser

from qtc.dialects import fixedpoint as fp
from qtc.dialects import get_all_dialects
from qtc.dialects.qnn import QNN
from qtc.dialects.qnn_interpreter import QNNFunctions, softmax_int8, softmax_int16

HALF = 1 << 30  # multiplier 0.5
ELEMENT = {np.int8: "i8", np.int16: "i16", np.int32: "i32", np.int64: "i64", np.float32: "f32"}


def tensor(array: np.ndarray) -> str:
    dims = "".join(f"{d}x" for d in array.shape)
    return f"tensor<{dims}{ELEMENT[array.dtype.type]}>"


def run_op(op: str, result_type: str, *inputs) -> np.ndarray:
    """Run `%r = {op} : (input types) -> result_type` on numpy inputs named %a0, %a1, ..."""
    inputs = [np.asarray(x) for x in inputs]
    types = [tensor(x) for x in inputs]
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(types))
    text = (
        f"func.func @main({args}) -> {result_type} {{\n"
        f"  %r = {op} : ({', '.join(types)}) -> {result_type}\n"
        f"  func.return %r : {result_type}\n}}"
    )
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(Func)
    for name, factory in get_all_dialects().items():
        ctx.register_dialect(name, factory)
    module = Parser(ctx, text).parse_module()
    module.verify()
    interpreter = Interpreter(module)
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(QNNFunctions())
    (result,) = interpreter.call_op("main", tuple(inputs))
    return result


def attrs(**values) -> str:
    """An attribute dictionary: ints are `i32`, lists `array<i32: ...>`, strings are kept as is."""

    def text(v) -> str:
        if isinstance(v, str):
            return v
        if isinstance(v, (list, tuple)):
            return f"array<i32: {', '.join(map(str, v))}>"
        return f"{v} : i32"

    return "{" + ", ".join(f"{k} = {text(v)}" for k, v in values.items()) + "}"


def rescale(multiplier, shift, output_zero_point=0, **extra) -> str:
    """The attributes of a rescaling op (per channel when `multiplier` is a list)."""
    return attrs(
        output_zero_point=output_zero_point,
        multiplier=np.atleast_1d(multiplier).tolist(),
        shift=np.atleast_1d(shift).tolist(),
        **extra,
    )


def i8(*values) -> np.ndarray:
    return np.array(values, dtype=np.int8)


def test_every_qnn_op_has_an_impl():
    implemented = {op for op, _ in QNNFunctions._impls()}
    assert implemented == set(QNN.operations)


# ----------------------------------------------------------------------------- requantize


@pytest.mark.parametrize(
    "rounding, expected",
    [
        # -2 * 0.5 * 2^-1 = -0.5 (double: away from zero, single: toward +inf); 0.5 -> 1 in both;
        # 850 * 0.7610 / 2 = 323.40: SRDHM gives 647 (646.8), then 323.5 -> 324 (double rounding).
        ("double", [-1, 1, 324, -324]),
        ("single", [0, 1, 323, -323]),
    ],
)
def test_requantize_ties_and_double_rounding(rounding, expected):
    props = rescale(
        [HALF, HALF, 1634124216, 1634124216],
        [-1] * 4,
        input_zero_point=0,
        axis="1 : i64",
        rounding=f'"{rounding}"',
    )
    x = np.array([[-2, 2, 850, -850]], dtype=np.int32)
    y = run_op(f"qnn.requantize %a0 {props}", "tensor<1x4xi16>", x)
    assert y.dtype == np.int16 and y.tolist() == [expected]


def test_requantize_per_channel_zero_points_and_clamp():
    # Row c uses (q, s) = (0.5, -1) -> x/4 and (0.5, -2) -> x/8; x - z_in = x - 4.
    # Row 0: 104 -> 100/4 = 25, -96 -> -25, 1004 -> 250 -> +10 = 260 -> clamp 127.
    # Row 1: 104 -> 12.5 -> 13 (ties away), -96 -> -12.5 -> -13, 1004 -> 125 -> 135 -> 127;
    # + z_out 10 everywhere.
    x = np.array([[104, -96, 1004], [104, -96, 1004]], dtype=np.int16)
    props = rescale([HALF, HALF], [-1, -2], 10, input_zero_point=4, axis="0 : i64")
    y = run_op(f"qnn.requantize %a0 {props}", "tensor<2x3xi8>", x)
    assert y.dtype == np.int8 and y.tolist() == [[35, -15, 127], [23, -3, 127]]
    props = rescale(
        [HALF, HALF], [-1, -2], 10, input_zero_point=4, axis="0 : i64", clamp_min=10, clamp_max=30
    )
    clamped = run_op(f"qnn.requantize %a0 {props}", "tensor<2x3xi8>", x)
    assert clamped.tolist() == [[30, 10, 30], [23, 10, 30]]


def test_requantize_emulates_int32_wraparound():
    # i32 input: x - z_in = INT32_MIN - 1 wraps to INT32_MAX as C int32 does;
    # * 0.5 * 2^-30 = 0.99999... -> 1.
    x = np.array([fp.INT32_MIN], dtype=np.int32)
    y = run_op(f"qnn.requantize %a0 {rescale(HALF, -30, input_zero_point=1)}", "tensor<1xi32>", x)
    assert y.tolist() == [1]


# ----------------------------------------------------------------------------- dense, convolutions

DENSE_W = np.array([[1, -1], [2, 0], [3, 1]], dtype=np.int8)  # [in = 3, out = 2]
DENSE_B = np.array([10, -20], dtype=np.int32)


@pytest.mark.parametrize("rounding, expected", [("double", [[18, -2]]), ("single", [[18, -1]])])
def test_dense_per_channel(rounding, expected):
    # x - z_in = [1, 2, 3] + 1 = [2, 3, 4]; acc = [2 + 6 + 12 + 10, -2 + 0 + 4 - 20] = [30, -18].
    # Channel 0: 30 * 0.5 = 15; channel 1: -18 * 0.25 = -4.5 (-5 double, -4 single); + z_out 3.
    props = rescale([HALF, HALF], [0, -1], 3, input_zero_point=-1, rounding=f'"{rounding}"')
    y = run_op(
        f"qnn.dense %a0, %a1, %a2 {props}", "tensor<1x2xi8>", i8(1, 2, 3)[None], DENSE_W, DENSE_B
    )
    assert y.dtype == np.int8 and y.tolist() == expected


def test_dense_fused_relu_clamp():
    # As above (double rounding) with the ReLU clamp [z_out, 127] = [3, 127]: [18, -2] -> [18, 3].
    props = rescale([HALF, HALF], [0, -1], 3, input_zero_point=-1, clamp_min=3)
    y = run_op(
        f"qnn.dense %a0, %a1, %a2 {props}", "tensor<1x2xi8>", i8(1, 2, 3)[None], DENSE_W, DENSE_B
    )
    assert y.tolist() == [[18, 3]]


def test_dense_int32_accumulator_wraps_like_c():
    # acc = 127 * 1 + (INT32_MAX - 100) = INT32_MAX + 27 wraps to INT32_MIN + 26; * 2^-31 -> -1.
    w, b = np.array([[1]], dtype=np.int8), np.array([fp.INT32_MAX - 100], dtype=np.int32)
    y = run_op(
        f"qnn.dense %a0, %a1, %a2 {rescale(HALF, -30, input_zero_point=0)}",
        "tensor<1x1xi8>",
        i8(127)[None],
        w,
        b,
    )
    assert y.tolist() == [[-1]]


def test_dense_16x8_uses_the_int64_accumulator_and_multiplier():
    # acc = 2 * 30000 * 127 + 2^35 = 34367358368 (beyond int32). The int64 MBQM reduces 2^30 to
    # (2^30 + 2^15) >> 16 = 16384 and shifts by 15 + 20: acc / 2^21 = 16387.63 -> 16388.
    x = np.array([[30000, 30000]], dtype=np.int16)
    w, b = np.array([[127], [127]], dtype=np.int8), np.array([1 << 35], dtype=np.int64)
    y = run_op(
        f"qnn.dense %a0, %a1, %a2 {rescale(HALF, -20, input_zero_point=0)}",
        "tensor<1x1xi16>",
        x,
        w,
        b,
    )
    assert y.dtype == np.int16 and y.tolist() == [[16388]]


def test_conv2d_same_padding_pads_with_the_input_zero_point():
    # x - z_in (z_in = 2) = [[-1, 0, 1], [2, 3, 4], [5, 6, 7]]; a 2x2 window of ones, "same" with
    # stride 1 pads one row and column after (zero after centring). Window sums:
    # [[4, 8, 5], [16, 20, 11], [11, 13, 7]]; * 0.5 (ties away): [[2, 4, 3], [8, 10, 6], [6, 7, 4]].
    x = np.arange(1, 10, dtype=np.int8).reshape(1, 3, 3, 1)
    w, b = np.ones((2, 2, 1, 1), dtype=np.int8), np.zeros(1, dtype=np.int32)
    props = rescale(
        HALF,
        0,
        input_zero_point=2,
        strides="array<i64: 1, 1>",
        dilations="array<i64: 1, 1>",
        padding='"same"',
    )
    y = run_op(f"qnn.conv2d %a0, %a1, %a2 {props}", "tensor<1x3x3x1xi8>", x, w, b)
    assert y[0, :, :, 0].tolist() == [[2, 4, 3], [8, 10, 6], [6, 7, 4]]


def test_conv1d_dilation():
    # x - z_in = [0, 1, 2, 3, 4]; taps t and t + 2 with weights [1, -1]: [-2, -2, -2]; + bias 5 = 3;
    # (q, s) = (0.5, 1) is exactly 1.
    x = np.arange(1, 6, dtype=np.int8).reshape(1, 5, 1)
    w, b = np.array([[[1]], [[-1]]], dtype=np.int8), np.array([5], dtype=np.int32)
    props = rescale(
        HALF,
        1,
        input_zero_point=1,
        strides="array<i64: 1>",
        dilations="array<i64: 2>",
        padding='"valid"',
    )
    assert run_op(f"qnn.conv1d %a0, %a1, %a2 {props}", "tensor<1x3x1xi8>", x, w, b).tolist() == [
        [[3], [3], [3]]
    ]


def test_depthwise_conv1d_channel_order_and_stride():
    # Channel c*M + m. x[:, :, 0] = [1, 2, 3, 4], x[:, :, 1] = [10, 20, 30, 40]; windows at 0, 2.
    # (c0, m0) w = [1, 1]: 3, 7; (c0, m1) w = [1, -1]: -1, -1; (c1, m0) w = [0, 1]: 20, 40;
    # (c1, m1) w = [2, 0]: 20, 60. Multiplier exactly 1.
    x = np.array([[[1, 10], [2, 20], [3, 30], [4, 40]]], dtype=np.int8)
    w = np.array([[[1, 1], [0, 2]], [[1, -1], [1, 0]]], dtype=np.int8)  # [K, C, M]
    props = rescale(
        HALF,
        1,
        input_zero_point=0,
        strides="array<i64: 2>",
        dilations="array<i64: 1>",
        padding='"valid"',
    )
    y = run_op(
        f"qnn.depthwise_conv1d %a0, %a1, %a2 {props}",
        "tensor<1x2x4xi8>",
        x,
        w,
        np.zeros(4, np.int32),
    )
    assert y.tolist() == [[[3, -1, 20, 20], [7, -1, 40, 60]]]


def test_depthwise_conv2d_per_channel_multipliers():
    # Each channel sums its 2x2 window plus bias 1: channel 0 = 1+2+3+4+1 = 11, * 0.5 = 5.5 -> 6;
    # channel 1 = -4+1 = -3, * 0.25 = -0.75 -> -1.
    x = np.array([[[[1, -1], [2, -1]], [[3, -1], [4, -1]]]], dtype=np.int8)
    props = rescale(
        [HALF, HALF],
        [0, -1],
        input_zero_point=0,
        strides="array<i64: 1, 1>",
        dilations="array<i64: 1, 1>",
        padding='"valid"',
    )
    y = run_op(
        f"qnn.depthwise_conv2d %a0, %a1, %a2 {props}",
        "tensor<1x1x1x2xi8>",
        x,
        np.ones((2, 2, 2, 1), np.int8),
        np.ones(2, np.int32),
    )
    assert y.tolist() == [[[[6, -1]]]]


# ----------------------------------------------------------------------------- elementwise

# TFLite ADD with S1 = 0.5, S2 = 0.25, S_out = 1: twice_max = 1, M1 = 0.5 -> (2^30, 0),
# M2 = 0.25 -> (2^30, -1), M_out = 2^-20 -> (2^30, -19); lhs zero point 2, output zero point -3.
ADD = dict(
    lhs_zero_point=2,
    rhs_zero_point=0,
    output_zero_point=-3,
    left_shift=20,
    lhs_multiplier=HALF,
    lhs_shift=0,
    rhs_multiplier=HALF,
    rhs_shift=-1,
    output_multiplier=HALF,
    output_shift=-19,
)


def test_add_params_reproduce_the_hand_derived_constants():
    assert fp.add_params(0.5, 0.25, 1.0, fp.ADD_LEFT_SHIFT[8]) == (
        (HALF, 0),
        (HALF, -1),
        (HALF, -19),
    )


@pytest.mark.parametrize("rounding, expected", [("double", [4, -10, 91]), ("single", [4, -9, 91])])
def test_add_tflite_recipe(rounding, expected):
    # lhs - 2 = [10, -10, 125], rhs = [6, -6, 127]: 10*0.5 + 6*0.25 = 6.5 -> 7 (both); -6.5 -> -7
    # (double) or -6 (single); 125*0.5 + 127*0.25 = 94.25 -> 94; then + z_out -3.
    lhs, rhs = i8(12, -8, 127), i8(6, -6, 127)
    props = attrs(**ADD, rounding=f'"{rounding}"')
    assert run_op(f"qnn.add %a0, %a1 {props}", "tensor<3xi8>", lhs, rhs).tolist() == expected


def test_add_broadcasts_and_clamps():
    # A one-element rhs 127 (31.75): 5 + 31.75 -> 37, -5 + 31.75 -> 27, 62.5 + 31.75 -> 94; -3;
    # then clamp_max 60.
    y = run_op(
        f"qnn.add %a0, %a1 {attrs(**ADD, clamp_max=60)}", "tensor<3xi8>", i8(12, -8, 127), i8(127)
    )
    assert y.tolist() == [34, 24, 60]


def test_sub_tflite_recipe():
    # 10*0.5 - 6*0.25 = 3.5 -> 4; -10*0.5 + 6*0.25 = -3.5 -> -4 (double, away from zero); then -3.
    assert run_op(
        f"qnn.sub %a0, %a1 {attrs(**ADD)}", "tensor<2xi8>", i8(12, -8), i8(6, -6)
    ).tolist() == [1, -7]


@pytest.mark.parametrize(
    "rounding, expected", [("double", [-15, 2, 127]), ("single", [-15, 3, 127])]
)
def test_mul(rounding, expected):
    # (x1 - 0) * (x2 - 1) = [10 * -8, -2 * 5, 100 * 100] = [-80, -10, 10000];
    # * 0.25 = [-20, -2.5, 2500]:
    # -2.5 -> -3 (double) or -2 (single); + z_out 5; 2505 saturates to 127.
    props = rescale(HALF, -1, 5, lhs_zero_point=0, rhs_zero_point=1, rounding=f'"{rounding}"')
    assert (
        run_op(
            f"qnn.mul %a0, %a1 {props}", "tensor<3xi8>", i8(10, -2, 100), i8(-7, 6, 101)
        ).tolist()
        == expected
    )


def test_clamp():
    assert run_op(
        "qnn.clamp %a0 {clamp_min = -3 : i32, clamp_max = 44 : i32}",
        "tensor<4xi8>",
        i8(-128, -3, 50, 7),
    ).tolist() == [-3, -3, 44, 7]


# ----------------------------------------------------------------------------- pooling


def pool(size: str, strides: str, padding: str, **extra) -> str:
    return attrs(
        pool_size=f"array<i64: {size}>",
        strides=f"array<i64: {strides}>",
        padding=f'"{padding}"',
        **extra,
    )


def test_max_pool_padding_never_wins():
    # "same", pool 3, stride 2 on length 4: one padded tap after; windows [0..2] and [2..3].
    x = i8(-5, -9, -3, -4).reshape(1, 4, 1)
    assert run_op(
        f"qnn.max_pool1d %a0 {pool('3', '2', 'same')}", "tensor<1x2x1xi8>", x
    ).tolist() == [[[-3], [-3]]]
    # Windows [[1, 5], [0, -8]] and [[-3, 2], [7, 7]]: 5 and 7, clamped to 6.
    x = i8(1, 5, -3, 2, 0, -8, 7, 7).reshape(1, 2, 4, 1)
    y = run_op(
        f"qnn.max_pool2d %a0 {pool('2, 2', '2, 2', 'valid', clamp_max=6)}", "tensor<1x1x2x1xi8>", x
    )
    assert y.tolist() == [[[[5], [6]]]]


def test_avg_pool_rounding_division_counts_valid_taps():
    # Windows [1, 2, -3] (sum 0 -> (0 - 1)/3 = 0) and [-3, -4] + pad (sum -7, n = 2:
    # (-7 - 1)/2 = -4, i.e. -3.5 away from zero); [1, 2, 4] -> (7 + 1)/3 = 2;
    # [4, -3] -> (1 + 1)/2 = 1.
    op = f"qnn.avg_pool1d %a0 {pool('3', '2', 'same')}"
    for values, expected in (((1, 2, -3, -4), [0, -4]), ((1, 2, 4, -3), [2, 1])):
        y = run_op(op, "tensor<1x2x1xi8>", i8(*values).reshape(1, 4, 1))
        assert y[0, :, 0].tolist() == expected
    # 2-d: a 2x2 window over [[10, 20], [30, 41]] = 101 / 4 -> (101 + 2) / 4 = 25.
    x = np.array([[[[10], [20]], [[30], [41]]]], dtype=np.int16)
    y = run_op(f"qnn.avg_pool2d %a0 {pool('2, 2', '1, 1', 'valid')}", "tensor<1x1x1x1xi16>", x)
    assert y.dtype == np.int16 and y.tolist() == [[[[25]]]]


def test_global_pools():
    x = np.array([[[[10], [20]], [[30], [41]]]], dtype=np.int8)
    assert run_op("qnn.global_max_pool %a0", "tensor<1x1xi8>", x).tolist() == [[41]]
    # sum(x - 1) = 97, real 97 / 4 = 24.25, but double rounding rounds twice: SRDHM 48.5 -> 49,
    # then 49 / 2 = 24.5 -> 25; single rounding gives 24. Then + z_out 1.
    for rounding, expected in (("double", 26), ("single", 25)):
        props = rescale(HALF, -1, 1, input_zero_point=1, rounding=f'"{rounding}"')
        assert run_op(f"qnn.global_avg_pool %a0 {props}", "tensor<1x1xi8>", x).tolist() == [
            [expected]
        ]


# ----------------------------------------------------------------------------- data movement


def test_concat_reshape_pad():
    a, b = i8(1, 2, 3, 4).reshape(2, 2), i8(5, 6).reshape(2, 1)
    y = run_op("qnn.concat %a0, %a1 {axis = -1 : i64}", "tensor<2x3xi8>", a, b)
    assert y.dtype == np.int8 and y.tolist() == [[1, 2, 5], [3, 4, 6]]
    assert run_op("qnn.reshape %a0", "tensor<4xi8>", a).tolist() == [1, 2, 3, 4]
    y = run_op(
        "qnn.pad %a0 {padding = array<i64: 0, 1, 1, 0>, pad_value = -7 : i32}", "tensor<3x3xi8>", a
    )
    assert y.tolist() == [[-7, 1, 2], [-7, 3, 4], [-7, -7, -7]]


# ----------------------------------------------------------------------------- lut, softmax


def test_lut_int8_natural_order():
    table = np.arange(127, -129, -1)  # entry q + 128 = -1 - q
    attr = f"dense<[{', '.join(map(str, table))}]> : tensor<256xi8>"
    assert run_op(f"qnn.lut %a0 {{table = {attr}}}", "tensor<3xi8>", i8(-128, 0, 5)).tolist() == [
        127,
        -1,
        -6,
    ]


def test_lut_int16_interpolates():
    # table[i] = 100 * (i - 256). 300: entry 258 (200) + (100 * 44 + 64) >> 7 = 234;
    # -1: entry 255 (-100) + (100 * 127 + 64) >> 7 = -1; -32768: entry 0.
    table = 100 * (np.arange(513) - 256)
    attr = f"dense<[{', '.join(map(str, table))}]> : tensor<513xi16>"
    y = run_op(
        f"qnn.lut %a0 {{table = {attr}}}", "tensor<3xi16>", np.array([300, -1, -32768], np.int16)
    )
    assert y.dtype == np.int16 and y.tolist() == [234, -1, -25600]


def softmax_op(props: dict) -> str:
    return "qnn.softmax %a0 {" + ", ".join(f"{k} = {v}" for k, v in props.items()) + "}"


def test_softmax_int8_hand_cases():
    q, shift, diff_min = fp.softmax_int8_params(0.1)
    props = {
        "input_beta_multiplier": f"{q} : i32",
        "input_beta_left_shift": f"{shift} : i32",
        "diff_min": f"{diff_min} : i32",
    }
    # Four equal values: each exp is 1 (INT32_MAX, 2^19 in Q12.19), the sum 2^21 gives
    # 1/sum = 1.0 * 2^-2 (num_bits_over_unit 2), so 1.0 / 2^(2 + 23) * 2^31 = 64 -> 64 - 128 = -64,
    # i.e. 0.25.
    x = i8(3, 3, 3, 3, 127, -128, -128, 100)
    y = run_op(softmax_op(props), "tensor<2x4xi8>", x.reshape(2, 4))
    # Second row: differences -255 fall below diff_min = -248 and give -128; 100 - 127 = -27 is
    # exp(-2.7) = 0.067 of the maximum: 1/1.067 -> 0.937 * 256 = 240 -> 112 and
    # 0.063 * 256 = 16 -> -112.
    assert y.tolist() == [[-64] * 4, [112, -128, -128, -112]]
    assert np.array_equal(y[1], softmax_int8(x.reshape(2, 4)[1:], q, shift, diff_min)[0])


def test_softmax_int16_equal_row_is_a_quarter():
    q, shift, exp_table, reciprocal_table = fp.softmax_int16_params(10 / 32767)
    dense = lambda t: f"dense<[{', '.join(map(str, t))}]> : tensor<513xi16>"  # noqa: E731
    props = {
        "input_beta_multiplier": f"{q} : i32",
        "input_beta_left_shift": f"{shift} : i32",
        "exp_table": dense(exp_table),
        "reciprocal_table": dense(reciprocal_table),
    }
    y = run_op(softmax_op(props), "tensor<1x4xi16>", np.full((1, 4), 1234, np.int16))
    # exp(0) looks up 32762; the sum 131048 normalises to x = 0.9996, 1/(1+x) = 16387 (Q0.15) and
    # 32762 * 16387 >> 16 (rounded) = 8192 = 0.25 in Q0.15.
    assert y.dtype == np.int16 and y.tolist() == [[8192] * 4]


def test_quantize_divides_in_float32_and_rounds_half_away():
    # 0.65f / 0.1f = 6.4999995f -> 6 (double would give 6.5 -> 7); 2.15f / 0.1f = 21.5f -> 22;
    # -2.15 -> -22 (ties away from zero); +-1e9 saturate; + zp -3.
    x = np.array([0.65, 2.15, -2.15, 1e9, -1e9, 0.0], dtype=np.float32)
    y = run_op("qnn.quantize %a0 {qparams = #qtc.qparams<0.1, -3, i8>}", "tensor<6xi8>", x)
    assert y.dtype == np.int8 and y.tolist() == [3, 19, -25, 127, -128, -3]
    back = run_op("qnn.dequantize %a0 {qparams = #qtc.qparams<0.1, -3, i8>}", "tensor<6xf32>", y)
    assert (
        back.dtype == np.float32
        and back.tolist()
        == (np.array([6, 22, -22, 130, -125, 0], np.float32) * np.float32(0.1)).tolist()
    )


# ----------------------------------------------------------------------------- against TF Lite


def _tflite_model(ops_set, io_type, seed: int):
    """A Dense(relu) -> Dense -> Softmax model, fully integer quantized, in TF Lite's reference
    interpreter (BUILTIN_REF kernels)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = pytest.importorskip("tensorflow")
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((8,), batch_size=1)
    hidden = keras.layers.Dense(6, activation="relu", bias_initializer="random_normal")(inputs)
    outputs = keras.layers.Softmax()(
        keras.layers.Dense(5, bias_initializer="random_normal")(hidden)
    )
    model = keras.Model(inputs, outputs)
    data = np.random.default_rng(seed).normal(size=(64, 8)).astype(np.float32) * 2
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([data[i : i + 1]] for i in range(len(data)))
    converter.target_spec.supported_ops = [ops_set(tf)]
    converter.inference_input_type = converter.inference_output_type = io_type(tf)
    interpreter = tf.lite.Interpreter(
        model_content=converter.convert(),
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=True,
    )
    interpreter.allocate_tensors()
    return interpreter, data


def _quantization(details: dict) -> tuple[np.ndarray, np.ndarray]:
    params = details["quantization_parameters"]
    return params["scales"], params["zero_points"]


def _feed(interpreter, x: np.ndarray) -> None:
    details = interpreter.get_input_details()[0]
    (scale,), (zero_point,) = _quantization(details)
    info = np.iinfo(details["dtype"])
    q = np.clip(fp.round_half_away(x / np.float32(scale)) + zero_point, info.min, info.max)
    interpreter.set_tensor(details["index"], q.astype(details["dtype"]))
    interpreter.invoke()


def test_dense_relu_and_softmax_match_tflite_int8():
    """TF Lite's FULLY_CONNECTED matches rounding = "single": TF Lite is built single-rounding."""
    interpreter, data = _tflite_model(
        lambda tf: tf.lite.OpsSet.TFLITE_BUILTINS_INT8, lambda tf: tf.int8, seed=7
    )
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    fc1, fc2, softmax = interpreter._get_ops_details()
    assert (fc1["op_name"], fc2["op_name"], softmax["op_name"]) == (
        "FULLY_CONNECTED",
        "FULLY_CONNECTED",
        "SOFTMAX",
    )
    compared = 0
    for row in data[:24]:
        _feed(interpreter, row[None])
        for fc, relu in ((fc1, True), (fc2, False)):
            x_index, w_index, b_index = fc["inputs"]
            (in_scale,), (in_zp,) = _quantization(tensors[x_index])
            w_scales, _ = _quantization(tensors[w_index])
            (out_scale,), (out_zp,) = _quantization(tensors[fc["outputs"][0]])
            q, s = zip(
                *(
                    fp.quantize_multiplier(float(in_scale) * float(ws) / float(out_scale))
                    for ws in w_scales
                )
            )
            clamp = (
                {"clamp_min": max(-128, int(out_zp))} if relu else {}
            )  # ReLU: quantize(0) = z_out
            props = rescale(
                q, s, int(out_zp), input_zero_point=int(in_zp), rounding='"single"', **clamp
            )
            weights = interpreter.get_tensor(
                w_index
            ).T.copy()  # TF Lite [out, in] -> Keras [in, out]
            y = run_op(
                f"qnn.dense %a0, %a1, %a2 {props}",
                tensor(interpreter.get_tensor(fc["outputs"][0])),
                interpreter.get_tensor(x_index),
                weights,
                interpreter.get_tensor(b_index),
            )
            np.testing.assert_array_equal(y, interpreter.get_tensor(fc["outputs"][0]))
            compared += y.size
        (sm_scale,), _ = _quantization(tensors[softmax["inputs"][0]])
        q, shift, diff_min = fp.softmax_int8_params(float(sm_scale), rounding="single")
        props = {
            "input_beta_multiplier": f"{q} : i32",
            "input_beta_left_shift": f"{shift} : i32",
            "diff_min": f"{diff_min} : i32",
            "rounding": '"single"',
        }
        y = run_op(
            softmax_op(props), "tensor<1x5xi8>", interpreter.get_tensor(softmax["inputs"][0])
        )
        np.testing.assert_array_equal(y, interpreter.get_tensor(softmax["outputs"][0]))
        compared += y.size
    assert compared == 24 * (6 + 5 + 5)


def test_softmax_int16_matches_tflite_given_its_tables():
    """The int16 softmax kernel is bit-exact given TF Lite's tables.

    TF Lite builds them with the double LUTPopulate overload where TFLM uses float, so its
    tables differ from `softmax_int16_params` in a few entries.
    """
    interpreter, data = _tflite_model(
        lambda tf: tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8,
        lambda tf: tf.int16,
        seed=11,
    )
    softmax = interpreter._get_ops_details()[-1]
    assert softmax["op_name"] == "SOFTMAX"
    (scale,), _ = _quantization(
        {t["index"]: t for t in interpreter.get_tensor_details()}[softmax["inputs"][0]]
    )
    q, shift, _, _ = fp.softmax_int16_params(float(scale), rounding="single")
    exp_table = fp.lut_int16(np.exp, 10 / 65535, 32767, 2 / 65535, 0, np.float64)
    reciprocal_table = fp.lut_int16(
        lambda v: 1 / (1 + v), 1 / 65535, -32768, 2 / 65535, 0, np.float64
    )
    for row in data:
        _feed(interpreter, row[None])
        expected = interpreter.get_tensor(softmax["outputs"][0])
        got = softmax_int16(
            interpreter.get_tensor(softmax["inputs"][0]),
            q,
            shift,
            exp_table,
            reciprocal_table,
            "single",
        )
        np.testing.assert_array_equal(got, expected)
