"""Train a Conv1D classifier that reads scikit-learn's 8x8 digits row by row (shipped offline).

    python examples/digit_rows/train.py

Each image is a sequence of 8 rows of 8 pixels (input shape (8, 8): steps x channels, pixels
scaled to [0, 1]) -> Conv1D(relu) -> a residual Conv1D branch joined by Add -> MaxPooling1D ->
Conv1D + BatchNormalization (folded by qtc) + ReLU -> GlobalAveragePooling1D and
GlobalMaxPooling1D joined by Concatenate -> Dense(relu) -> Dense(10) -> Softmax. A different
model of the same data as `examples/digits` (a Conv2D network), with the same split.
Writes model.keras, calibration.npz (key x: 200 training images) and test.npz (keys x, y:
397 held-out images) beside this file. Fixed seeds; seconds on 2 cores.
"""

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from _common import keras, np, train_and_save  # noqa: E402  (quiets TensorFlow first)
from sklearn.datasets import load_digits  # noqa: E402


def build_model() -> keras.Model:
    inputs = keras.Input((8, 8), name="rows")
    x = keras.layers.Conv1D(16, 3, padding="same", activation="relu", name="conv1")(inputs)
    r = keras.layers.Conv1D(16, 3, padding="same", activation="relu", name="conv1b")(x)
    x = keras.layers.Add(name="add1")([x, r])
    x = keras.layers.MaxPooling1D(2, name="pool1")(x)
    x = keras.layers.Conv1D(32, 3, padding="same", use_bias=False, name="conv2")(x)
    x = keras.layers.BatchNormalization(name="bn2")(x)
    x = keras.layers.ReLU(name="relu2")(x)
    avg = keras.layers.GlobalAveragePooling1D(name="avg")(x)
    peak = keras.layers.GlobalMaxPooling1D(name="max")(x)
    x = keras.layers.Concatenate(name="concat")([avg, peak])
    x = keras.layers.Dense(32, activation="relu", name="fc3")(x)
    x = keras.layers.Dense(10, name="logits")(x)
    outputs = keras.layers.Softmax(name="classes")(x)
    return keras.Model(inputs, outputs, name="digit_rows")


def main() -> None:
    keras.utils.set_random_seed(7)
    digits = load_digits()
    rows = (digits.images / 16.0).astype(np.float32)
    order = np.random.default_rng(7).permutation(len(rows))
    train, test = order[:1400], order[1400:]
    train_and_save(HERE, build_model(), rows, digits.target, train, test, epochs=40, batch_size=64)


if __name__ == "__main__":
    main()
