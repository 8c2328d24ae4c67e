"""Train the bundled digits classifier (scikit-learn's 8x8 digits, shipped with the package).

    python examples/digits/train.py

Writes model.keras, calibration.npz (key x: 200 training images) and test.npz (keys x, y:
the held-out images and labels) beside this file. Fixed seeds; a few seconds on 2 cores.
"""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

HERE = Path(__file__).parent


def build_model() -> keras.Model:
    inputs = keras.Input((8, 8, 1), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", use_bias=False, name="conv1")(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu", name="dw2")(x)
    x = keras.layers.Conv2D(16, 1, activation="relu", name="pw2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    x = keras.layers.Dense(32, activation="relu", name="fc3")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="digits")


def main() -> None:
    keras.utils.set_random_seed(7)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(7).permutation(len(images))
    train, test = order[:1400], order[1400:]
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(images[train], labels[train], epochs=30, batch_size=64, verbose=0)
    _, accuracy = model.evaluate(images[test], labels[test], verbose=0)
    print(f"digits: test accuracy {accuracy:.4f} on {len(test)} images")
    model.save(HERE / "model.keras")
    np.savez(HERE / "calibration.npz", x=images[train[:200]])
    np.savez(HERE / "test.npz", x=images[test], y=labels[test])


if __name__ == "__main__":
    main()
