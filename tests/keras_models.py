"""Small Keras models, one a supported layer kind and several combinations, for the
end-to-end tests (front end, float C, quantization). Weights are random but fixed by seed;
batch-norm statistics are set to non-trivial values so folding is exercised."""

from __future__ import annotations

import keras
import numpy as np

L = keras.layers


def _randomize_batch_norm(model: keras.Model, seed: int) -> keras.Model:
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, n).astype(np.float32),
                    rng.uniform(-0.5, 0.5, n).astype(np.float32),
                    rng.uniform(-0.5, 0.5, n).astype(np.float32),
                    rng.uniform(0.5, 2.0, n).astype(np.float32),
                ]
            )
    return model


def dense_mlp() -> keras.Model:
    x = keras.Input((12,))
    h = L.Dense(16, activation="relu", name="fc1")(x)
    h = L.Dense(8, activation="tanh", name="fc2")(h)
    y = L.Dense(4, activation="softmax", name="out")(h)
    return keras.Model(x, y, name="dense_mlp")


def conv1d_net() -> keras.Model:
    x = keras.Input((32, 3))
    h = L.Conv1D(8, 5, strides=2, padding="same", activation="relu", name="c1")(x)
    h = L.MaxPooling1D(2, name="mp")(h)
    h = L.Conv1D(8, 3, dilation_rate=2, padding="valid", name="c2")(h)
    h = L.AveragePooling1D(3, strides=1, padding="same", name="ap")(h)
    h = L.ZeroPadding1D((1, 2), name="zp")(h)
    h = L.GlobalAveragePooling1D(name="gap")(h)
    y = L.Dense(3, name="out")(h)
    return keras.Model(x, y, name="conv1d_net")


def conv2d_net() -> keras.Model:
    x = keras.Input((12, 12, 2))
    h = L.Conv2D(6, 3, padding="same", use_bias=False, name="c1")(x)
    h = L.BatchNormalization(name="bn1")(h)
    h = L.ReLU(max_value=6.0, name="relu6")(h)
    h = L.Conv2D(8, (3, 2), strides=(2, 1), dilation_rate=1, padding="valid", name="c2")(h)
    h = L.Activation("relu", name="act2")(h)
    h = L.AveragePooling2D((2, 2), padding="same", name="ap")(h)
    h = L.GlobalMaxPooling2D(name="gmp")(h)
    y = L.Dense(5, activation="sigmoid", name="out")(h)
    return _randomize_batch_norm(keras.Model(x, y, name="conv2d_net"), 1)


def depthwise_net() -> keras.Model:
    x = keras.Input((10, 10, 3))
    h = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw")(x)
    h = L.BatchNormalization(name="bn")(h)
    h = L.ReLU(name="relu")(h)
    h = L.SeparableConv2D(8, 3, strides=2, padding="same", activation="relu", name="sep")(h)
    h = L.MaxPooling2D(2, name="mp")(h)
    h = L.Flatten(name="flat")(h)
    y = L.Dense(4, name="out")(h)
    return _randomize_batch_norm(keras.Model(x, y, name="depthwise_net"), 2)


def depthwise1d_net() -> keras.Model:
    x = keras.Input((24, 4))
    h = L.DepthwiseConv1D(3, depth_multiplier=2, padding="same", activation="relu", name="dw")(x)
    h = L.SeparableConv1D(6, 3, padding="valid", name="sep")(h)
    h = L.GlobalMaxPooling1D(name="gmp")(h)
    y = L.Dense(2, name="out")(h)
    return keras.Model(x, y, name="depthwise1d_net")


def branches_net() -> keras.Model:
    x = keras.Input((8, 8, 4))
    a = L.Conv2D(4, 3, padding="same", activation="relu", name="a")(x)
    b = L.Conv2D(4, 1, name="b")(x)
    s = L.Add(name="add")([a, b])
    d = L.Subtract(name="sub")([a, b])
    m = L.Multiply(name="mul")([s, d])
    c = L.Concatenate(axis=-1, name="cat")([s, m, x])
    p = L.ZeroPadding2D(((1, 0), (0, 1)), name="pad")(c)
    r = L.Reshape((9 * 9, 12), name="reshape")(p)
    g = L.GlobalAveragePooling1D(name="gap")(r)
    y = L.Dense(3, activation="softmax", name="out")(g)
    return keras.Model(x, y, name="branches_net")


def lstm_classifier() -> keras.Model:
    x = keras.Input((20, 6))
    h = L.LSTM(16, return_sequences=True, name="lstm1")(x)
    h = L.LSTM(8, name="lstm2")(h)
    y = L.Dense(4, activation="softmax", name="out")(h)
    return keras.Model(x, y, name="lstm_classifier")


def gru_classifier() -> keras.Model:
    x = keras.Input((16, 5))
    h = L.GRU(12, return_sequences=True, reset_after=True, name="gru1")(x)
    h = L.GRU(8, reset_after=False, name="gru2")(h)
    h = L.Dropout(0.3, name="drop")(h)
    y = L.Dense(3, activation="softmax", name="out")(h)
    return keras.Model(x, y, name="gru_classifier")


def sequence_tagger() -> keras.Model:
    x = keras.Input((12, 4))
    h = L.GRU(8, return_sequences=True, name="gru")(x)
    h = L.Dense(6, activation="relu", name="per_step")(h)
    y = L.Softmax(name="softmax")(h)
    return keras.Model(x, y, name="sequence_tagger")


def sequential_mlp() -> keras.Model:
    model = keras.Sequential(
        [keras.Input((6,)), L.Dense(10, activation="relu6"), L.Dense(2, activation="tanh")],
        name="sequential_mlp",
    )
    return model


MODELS = {
    f.__name__: f
    for f in (
        dense_mlp, conv1d_net, conv2d_net, depthwise_net, depthwise1d_net, branches_net,
        lstm_classifier, gru_classifier, sequence_tagger, sequential_mlp,
    )
}


def build(name: str, seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return MODELS[name]()


def random_inputs(model: keras.Model, count: int, seed: int = 0) -> np.ndarray:
    shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(seed).standard_normal((count, *shape)).astype(np.float32)
