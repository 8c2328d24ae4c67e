"""Train a small dense classifier on scikit-learn's iris flowers (shipped with the package).

    python examples/iris/train.py

Four standardised measurements -> Dense(tanh) -> BatchNormalization (after the activation,
so it stays a standalone op in qtc) -> Dense(relu) -> Dense -> Softmax, three species.
Writes model.keras, calibration.npz (key x: all 90 training samples: iris has only 150) and
test.npz (keys x, y: 60 held-out samples) beside this file. Fixed seeds; seconds on 2 cores.
"""

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from _common import keras, split, standardise, train_and_save  # noqa: E402  (quiets TensorFlow first)
from sklearn.datasets import load_iris  # noqa: E402


def build_model() -> keras.Model:
    inputs = keras.Input((4,), name="measurements")
    x = keras.layers.Dense(16, activation="tanh", name="fc1")(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.Dense(16, activation="relu", name="fc2")(x)
    x = keras.layers.Dense(3, name="logits")(x)
    outputs = keras.layers.Softmax(name="classes")(x)
    return keras.Model(inputs, outputs, name="iris")


def main() -> None:
    keras.utils.set_random_seed(0)
    iris = load_iris()
    train, test = split(len(iris.target), 60, seed=0)
    x = standardise(iris.data, train)
    train_and_save(HERE, build_model(), x, iris.target, train, test, epochs=100, batch_size=16)


if __name__ == "__main__":
    main()
