"""Train a GRU activity classifier on raw accelerometer + gyroscope windows (BasicMotions).

    pip install ".[examples]"        # sktime ships the BasicMotions data set in its wheel
    python examples/motion/train.py

Data: sktime's BasicMotions, 80 recordings (40 train, 40 test) of 100 samples at 10 Hz from a
smart watch's 3-axis accelerometer and 3-axis gyroscope, 4 activities (CLASSES). Each recording
becomes the int16 stream a sensor driver would give, raw = round(value / SAMPLE_SCALE) with
SAMPLE_SCALE = 0.002 (full scale +-65.5), cut into windows of 50 samples every 25 (3 windows a
recording, each with its recording's label).

pre.json is the pre-processing qtc puts in front of the network: int16 samples, windows of
50 every 25, a per-channel normalisation with the training windows' mean and std (real units).
The Keras model takes what that pre-processing makes, [50, 6] normalised samples, and is
GRU(24) -> Dense(4) -> Softmax, trained on `preprocess_windows` of the raw training windows
(the float reference of the pre-processing ops). Fixed seeds; seconds on 2 cores.

Writes beside this file: model.keras, pre.json, calibration.npz (key x: the raw training
windows [120, 50, 6], float32 holding the int16 integers), test.npz (x: the raw test windows,
y: labels), stream.npz (x: the test recordings one after another as one int16 stream [4000, 6],
y: each sample's label), for the streaming C API:

    qtc compile examples/motion/model.keras --preprocess examples/motion/pre.json \\
        --calibration examples/motion/calibration.npz --bits 8 -o out/motion
    # model_init(); then per sample: if (model_enqueue(sample)) model_dequeue(probabilities);
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from _common import keras, np  # noqa: E402  (quiets TensorFlow first)
from qtc.compiler.preprocess import load_preprocess, preprocess_windows, stream_windows  # noqa: E402
from sktime.datasets import load_basic_motions  # noqa: E402

CLASSES = ("badminton", "running", "standing", "walking")
SAMPLE_SCALE = 0.002
LENGTH, HOP = 50, 25
SEED = 11


def raw_recordings(split: str) -> tuple[np.ndarray, np.ndarray]:
    """([recordings, 100, 6] int16 raw samples, labels) of a BasicMotions split."""
    x, y = load_basic_motions(split=split, return_type="numpy3D")
    raw = np.clip(np.round(np.transpose(x, (0, 2, 1)) / SAMPLE_SCALE), -32768, 32767).astype(
        np.int16
    )
    return raw, np.array([CLASSES.index(label) for label in y], dtype=np.int64)


def windows_of(recordings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every window of every recording (the streaming window's cuts) and its recording's label."""
    cuts = [stream_windows(r, LENGTH, HOP) for r in recordings]
    return np.concatenate(cuts), np.concatenate([np.full(len(c), l) for c, l in zip(cuts, labels)])


def build_model() -> keras.Model:
    inputs = keras.Input((LENGTH, 6), name="samples")
    x = keras.layers.GRU(24, name="gru")(inputs)
    x = keras.layers.Dense(len(CLASSES), name="logits")(x)
    outputs = keras.layers.Softmax(name="classes")(x)
    return keras.Model(inputs, outputs, name="motion")


def main() -> None:
    keras.utils.set_random_seed(SEED)
    train_raw, train_labels = raw_recordings("train")
    test_raw, test_labels = raw_recordings("test")
    x_train, y_train = windows_of(train_raw, train_labels)
    x_test, y_test = windows_of(test_raw, test_labels)
    real = x_train.reshape(-1, 6).astype(np.float64) * SAMPLE_SCALE
    pre = {
        "channels": 6,
        "sample_type": "int16",
        "sample_scale": SAMPLE_SCALE,
        "window": {"length": LENGTH, "hop": HOP},
        "normalize": {
            "mean": np.round(real.mean(axis=0), 4).tolist(),
            "std": np.round(real.std(axis=0), 4).tolist(),
        },
    }
    config = load_preprocess(pre)
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(preprocess_windows(config, x_train), y_train, epochs=60, batch_size=16, verbose=0)
    _, accuracy = model.evaluate(preprocess_windows(config, x_test), y_test, verbose=0)
    print(
        f"motion: test accuracy {accuracy:.4f} on {len(x_test)} windows ({model.count_params()} parameters)"
    )
    model.save(HERE / "model.keras")
    (HERE / "pre.json").write_text(json.dumps(pre, indent=2) + "\n")
    np.savez(HERE / "calibration.npz", x=x_train.astype(np.float32))
    np.savez(HERE / "test.npz", x=x_test.astype(np.float32), y=y_test)
    np.savez(
        HERE / "stream.npz", x=test_raw.reshape(-1, 6), y=np.repeat(test_labels, test_raw.shape[1])
    )


if __name__ == "__main__":
    main()
