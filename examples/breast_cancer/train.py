"""Train a two-branch dense classifier on scikit-learn's breast cancer data (shipped offline).

    python examples/breast_cancer/train.py

Thirty standardised cell-nucleus features -> Dense(relu) -> two branches, Dense(relu) and
Dense(tanh), joined by Concatenate -> Dense + BatchNormalization (folded into the Dense by
qtc) + ReLU -> a residual Dense(relu) branch joined by Add -> Dropout -> Dense(2, softmax):
malignant or benign. Writes model.keras, calibration.npz (key x: 200 training samples) and
test.npz (keys x, y: 169 held-out samples) beside this file. Fixed seeds; seconds on 2 cores.
"""

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from _common import keras, split, standardise, train_and_save  # noqa: E402  (quiets TensorFlow first)
from sklearn.datasets import load_breast_cancer  # noqa: E402


def build_model() -> keras.Model:
    inputs = keras.Input((30,), name="features")
    x = keras.layers.Dense(24, activation="relu", name="fc1")(inputs)
    a = keras.layers.Dense(12, activation="relu", name="branch_relu")(x)
    b = keras.layers.Dense(12, activation="tanh", name="branch_tanh")(x)
    x = keras.layers.Concatenate(name="concat")([a, b])
    x = keras.layers.Dense(16, use_bias=False, name="fc2")(x)
    x = keras.layers.BatchNormalization(name="bn2")(x)
    x = keras.layers.ReLU(name="relu2")(x)
    r = keras.layers.Dense(16, activation="relu", name="residual")(x)
    x = keras.layers.Add(name="add")([x, r])
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="breast_cancer")


def main() -> None:
    keras.utils.set_random_seed(5)
    data = load_breast_cancer()
    train, test = split(len(data.target), 169, seed=5)
    x = standardise(data.data, train)
    train_and_save(HERE, build_model(), x, data.target, train, test, epochs=40)


if __name__ == "__main__":
    main()
