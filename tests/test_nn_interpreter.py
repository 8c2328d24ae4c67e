"""The `nn` interpreter against Keras 3 (TensorFlow backend) on random data.

Each case builds a `main` function around one op with Python builders, prints and re-parses
it (so weights go through the textual form), verifies it, runs it, and compares with the
Keras layer the op stands for. Inputs and weights are scaled so outputs are O(1), which
makes the absolute tolerance a relative one too.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    Builtin,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f32,
    f64,
    i64,
)
from xdsl.ir import Attribute, Block, Region
from xdsl.parser import Parser

from qtc.dialects import nn
from qtc.dialects.dense import dense_from_numpy, tensor_type
from qtc.dialects.nn_interpreter import (
    FUSED_ACTIVATIONS,
    RECURRENT_ACTIVATIONS,
    NNFunctions,
    run_nn,
)

TOLERANCE = 1e-5


def randn(*shape: int, scale: float = 1.0, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng([seed, *shape]).standard_normal(shape) * scale).astype(
        np.float32
    )


def prop(value) -> Attribute:
    """The property attribute for a Python value, as the nn ops spell their properties."""
    if isinstance(value, bool):
        return IntegerAttr.from_bool(value)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    return DenseArrayBase.from_list(i64, value)


def build_module(op_class, inputs, weights, result_shape, props) -> ModuleOp:
    """`func.func @main(inputs) { constant weights; op; return }`."""
    block = Block(arg_types=[tensor_type(x.shape, f32) for x in inputs])
    constants = [nn.ConstantOp(dense_from_numpy(np.asarray(w, np.float32))) for w in weights]
    operands = [*block.args, *(c.result for c in constants)]
    op = op_class.build(
        operands=[operands] if op_class is nn.ConcatOp else operands,
        result_types=[tensor_type(result_shape, f32)],
        properties={k: prop(v) for k, v in props.items() if v is not None},
    )
    block.add_ops([*constants, op, func.ReturnOp(op.results[0])])
    function_type = ([a.type for a in block.args], [op.results[0].type])
    return ModuleOp([func.FuncOp("main", function_type, Region(block))])


def run_op(op_class, inputs, weights=(), *, result_shape, **props) -> np.ndarray:
    """Run one nn op on `inputs` after a print -> parse -> verify round trip."""
    ctx = Context()
    for dialect in (Builtin, func.Func, nn.NN):
        ctx.load_dialect(dialect)
    text = str(build_module(op_class, inputs, weights, result_shape, props))
    module = Parser(ctx, text).parse_module()
    module.verify()
    (result,) = run_nn(module, *inputs)
    return result


def assert_close(got: np.ndarray, expected) -> None:
    expected = np.asarray(expected)
    assert got.dtype == np.float32
    assert got.shape == expected.shape
    diff = float(np.max(np.abs(got - expected), initial=0.0))
    assert diff <= TOLERANCE, f"max |interpreter - keras| = {diff:.3g}"


def keras_layer(layer, x: np.ndarray, weights=None) -> np.ndarray:
    """`layer(x)` with `weights` set (inference mode)."""
    layer.build(x.shape)
    if weights is not None:
        layer.set_weights(weights)
    return np.asarray(layer(x, training=False))


def check_layer(op_class, layer, x, weights, **props) -> None:
    """The op on x and weights equals the Keras layer holding the same weights."""
    expected = keras_layer(layer, x, weights)
    got = run_op(op_class, [x], weights or (), result_shape=expected.shape, **props)
    assert_close(got, expected)


def test_every_op_has_an_interpreter_impl():
    # `_impls` is how xDSL's Interpreter reads a registered class; it has no public twin.
    implemented = {op_type for op_type, _ in NNFunctions._impls()}
    missing = [op.name for op in nn.NN.operations if op not in implemented]
    assert not missing


def test_activation_tables_match_the_dialect():
    assert set(FUSED_ACTIVATIONS) == {None, *nn.FUSED_ACTIVATIONS}
    assert set(RECURRENT_ACTIVATIONS) == set(nn.RECURRENT_ACTIVATIONS)


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 6)])
@pytest.mark.parametrize("activation", [None, "relu", "relu6"])
def test_dense(shape, activation):
    x = randn(*shape, scale=2.0)
    w, b = randn(6, 5, scale=0.8), randn(5)
    layer = keras.layers.Dense(5, activation=activation or "linear")
    check_layer(nn.DenseOp, layer, x, [w, b], activation=activation)


CONV_CASES = [
    # kernel, strides, dilations, padding, activation
    (3, 1, 1, "valid", None),
    (3, 2, 1, "same", "relu"),
    (3, 1, 2, "same", None),
    (2, 3, 1, "valid", "relu6"),
    (4, 2, 1, "same", None),
]


@pytest.mark.parametrize("kernel, stride, dilation, padding, activation", CONV_CASES)
def test_conv1d(kernel, stride, dilation, padding, activation):
    x = randn(2, 11, 3)
    w, b = randn(kernel, 3, 4, scale=(kernel * 3) ** -0.5), randn(4)
    layer = keras.layers.Conv1D(
        4, kernel, strides=stride, padding=padding, dilation_rate=dilation, activation=activation
    )
    check_layer(
        nn.Conv1DOp, layer, x, [w, b],
        strides=[stride], dilations=[dilation], padding=padding, activation=activation,
    )


@pytest.mark.parametrize("kernel, stride, dilation, padding, activation", CONV_CASES)
def test_conv2d(kernel, stride, dilation, padding, activation):
    x = randn(1, 9, 8, 3)
    w = randn(kernel, kernel - 1 or 1, 3, 5, scale=(kernel * kernel * 3) ** -0.5)
    b = randn(5)
    layer = keras.layers.Conv2D(
        5, w.shape[:2], strides=(stride, 1), padding=padding, dilation_rate=dilation,
        activation=activation,
    )
    check_layer(
        nn.Conv2DOp, layer, x, [w, b],
        strides=[stride, 1], dilations=[dilation, dilation], padding=padding,
        activation=activation,
    )


DEPTHWISE_CASES = [
    # kernel, strides, dilations, padding, multiplier
    (3, 1, 1, "valid", 1),
    (3, 2, 1, "same", 2),
    (3, 1, 2, "same", 3),
    (2, 2, 1, "valid", 2),
]


@pytest.mark.parametrize("kernel, stride, dilation, padding, multiplier", DEPTHWISE_CASES)
def test_depthwise_conv1d(kernel, stride, dilation, padding, multiplier):
    x = randn(2, 10, 3)
    w, b = randn(kernel, 3, multiplier, scale=kernel**-0.5), randn(3 * multiplier)
    layer = keras.layers.DepthwiseConv1D(
        kernel, strides=stride, padding=padding, depth_multiplier=multiplier,
        dilation_rate=dilation,
    )
    check_layer(
        nn.DepthwiseConv1DOp, layer, x, [w, b],
        strides=[stride], dilations=[dilation], padding=padding,
    )


@pytest.mark.parametrize("kernel, stride, dilation, padding, multiplier", DEPTHWISE_CASES)
def test_depthwise_conv2d(kernel, stride, dilation, padding, multiplier):
    x = randn(1, 7, 8, 3)
    w, b = randn(kernel, kernel, 3, multiplier, scale=1 / kernel), randn(3 * multiplier)
    layer = keras.layers.DepthwiseConv2D(
        kernel, strides=stride, padding=padding, depth_multiplier=multiplier,
        dilation_rate=dilation, activation="relu",
    )
    check_layer(
        nn.DepthwiseConv2DOp, layer, x, [w, b],
        strides=[stride, stride], dilations=[dilation, dilation], padding=padding,
        activation="relu",
    )


POOLS = {
    nn.MaxPool1DOp: keras.layers.MaxPooling1D,
    nn.AvgPool1DOp: keras.layers.AveragePooling1D,
    nn.MaxPool2DOp: keras.layers.MaxPooling2D,
    nn.AvgPool2DOp: keras.layers.AveragePooling2D,
}


@pytest.mark.parametrize("op_class", POOLS)
@pytest.mark.parametrize("pool, stride, padding", [(2, 2, "valid"), (3, 2, "same"), (3, 1, "same")])
def test_pool(op_class, pool, stride, padding):
    rank = op_class.SPATIAL_RANK
    x = randn(2, *[7] * rank, 3, seed=rank)
    layer = POOLS[op_class](pool_size=pool, strides=stride, padding=padding)
    check_layer(
        op_class, layer, x, None, pool_size=[pool] * rank, strides=[stride] * rank, padding=padding
    )


@pytest.mark.parametrize(
    "op_class, layer",
    [
        (nn.GlobalAvgPoolOp, keras.layers.GlobalAveragePooling1D),
        (nn.GlobalMaxPoolOp, keras.layers.GlobalMaxPooling1D),
        (nn.GlobalAvgPoolOp, keras.layers.GlobalAveragePooling2D),
        (nn.GlobalMaxPoolOp, keras.layers.GlobalMaxPooling2D),
    ],
)
def test_global_pool(op_class, layer):
    x = randn(2, 5, 6, 3) if layer.__name__.endswith("2D") else randn(2, 9, 4)
    check_layer(op_class, layer(), x, None)


@pytest.mark.parametrize(
    "op_class, layer",
    [
        (nn.AddOp, keras.layers.Add),
        (nn.SubOp, keras.layers.Subtract),
        (nn.MulOp, keras.layers.Multiply),
    ],
)
@pytest.mark.parametrize("activation", [None, "relu", "relu6"])
def test_elementwise_binary(op_class, layer, activation):
    a, b = randn(2, 4, 3, scale=3.0, seed=1), randn(2, 4, 3, scale=3.0, seed=2)
    expected = layer()([a, b])
    if activation is not None:
        expected = keras.activations.get(activation)(expected)
    got = run_op(op_class, [a, b], result_shape=a.shape, activation=activation)
    assert_close(got, expected)


@pytest.mark.parametrize(
    "axis, shapes",
    [
        (-1, [(2, 3, 4), (2, 3, 1), (2, 3, 2)]),
        (1, [(2, 1, 4), (2, 5, 4)]),
        (0, [(1, 3, 4), (2, 3, 4)]),
    ],
)
def test_concat(axis, shapes):
    inputs = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    expected = keras.layers.Concatenate(axis=axis)(inputs)
    got = run_op(nn.ConcatOp, inputs, result_shape=expected.shape, axis=axis)
    assert_close(got, expected)


def test_reshape():
    x = randn(2, 6, 4)
    check_layer(nn.ReshapeOp, keras.layers.Reshape((3, 2, 4)), x, None)


def test_pad():
    x = randn(2, 3, 4)
    pads = [0, 1, 2, 0, 1, 3]
    expected = tf.pad(x, np.reshape(pads, (-1, 2)))
    got = run_op(nn.PadOp, [x], result_shape=expected.shape, padding=pads)
    assert_close(got, expected)


@pytest.mark.parametrize(
    "op_class, layer",
    [
        (nn.ReluOp, keras.layers.ReLU()),
        (nn.Relu6Op, keras.layers.ReLU(max_value=6.0)),
        (nn.TanhOp, keras.layers.Activation("tanh")),
        (nn.SigmoidOp, keras.layers.Activation("sigmoid")),
    ],
)
def test_activation(op_class, layer):
    check_layer(op_class, layer, randn(3, 40, scale=4.0), None)


@pytest.mark.parametrize("axis", [-1, 1])
def test_softmax(axis):
    x = randn(2, 5, 6, scale=3.0)
    check_layer(nn.SoftmaxOp, keras.layers.Softmax(axis=axis), x, None, axis=axis)


@pytest.mark.parametrize("axis, epsilon", [(-1, 1e-3), (1, 1e-5)])
def test_batch_norm(axis, epsilon):
    x = randn(2, 4, 5, 3, scale=2.0)
    c = x.shape[axis]
    gamma, beta, mean = randn(c, seed=1), randn(c, seed=2), randn(c, seed=3)
    variance = np.abs(randn(c, seed=4)) + 0.5
    layer = keras.layers.BatchNormalization(axis=axis, epsilon=epsilon)
    check_layer(
        nn.BatchNormOp, layer, x, [gamma, beta, mean, variance], axis=axis, epsilon=epsilon
    )


# Every name once as activation or recurrent activation. A "tanh" gate lets 1 - z exceed 1, which
# amplifies Keras' float32 rounding step after step; it gates a bounded ("sigmoid") candidate.
RECURRENT_ACTIVATION_CASES = [
    ("tanh", "sigmoid"),
    ("relu", "hard_sigmoid"),
    ("linear", "sigmoid"),
    ("sigmoid", "tanh"),
]


def recurrent_weights(features: int, units: int, gates: int, bias_shape) -> list[np.ndarray]:
    return [
        randn(features, gates * units, scale=features**-0.5, seed=1),
        randn(units, gates * units, scale=units**-0.5, seed=2),
        randn(*bias_shape, scale=0.5, seed=3),
    ]


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("activation, recurrent_activation", RECURRENT_ACTIVATION_CASES)
def test_lstm(return_sequences, activation, recurrent_activation):
    x, units = randn(2, 6, 3), 4
    layer = keras.layers.LSTM(
        units, return_sequences=return_sequences, activation=activation,
        recurrent_activation=recurrent_activation,
    )
    check_layer(
        nn.LSTMOp, layer, x, recurrent_weights(3, units, 4, [4 * units]),
        units=units, return_sequences=return_sequences, activation=activation,
        recurrent_activation=recurrent_activation,
    )


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("activation, recurrent_activation", RECURRENT_ACTIVATION_CASES)
def test_gru(reset_after, return_sequences, activation, recurrent_activation):
    x, units = randn(2, 6, 3), 4
    layer = keras.layers.GRU(
        units, return_sequences=return_sequences, reset_after=reset_after,
        activation=activation, recurrent_activation=recurrent_activation,
    )
    bias_shape = [2, 3 * units] if reset_after else [3 * units]
    check_layer(
        nn.GRUOp, layer, x, recurrent_weights(3, units, 3, bias_shape),
        units=units, return_sequences=return_sequences, reset_after=reset_after,
        activation=activation, recurrent_activation=recurrent_activation,
    )
