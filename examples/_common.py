"""Shared steps of the example training scripts (not a model of its own).

Each `examples/NAME/train.py` builds its Keras model and its data split, then calls
`train_and_save`, which trains with fixed seeds and writes beside the script:

- `model.keras`;
- `calibration.npz`: key `x`, float32, the first (up to) 200 training samples;
- `test.npz`: keys `x` (float32) and `y` (int64 labels), the held-out samples.

Tabular features are standardised with the training split's mean and standard deviation
*before* they reach the model (qtc has no Normalization layer), so the saved `x` arrays are
already standardised: they are exactly what the model expects as input.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

CALIBRATION_SAMPLES = 200


def split(count: int, test_count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (train, test) of a fixed random permutation of `count` samples."""
    order = np.random.default_rng(seed).permutation(count)
    return order[test_count:], order[:test_count]


def standardise(features: np.ndarray, train: np.ndarray) -> np.ndarray:
    """`features` (float32) scaled to zero mean, unit variance over the training rows."""
    mean = features[train].mean(axis=0)
    std = features[train].std(axis=0)
    return ((features - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)


def train_and_save(
    here: Path,
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 32,
    learning_rate: float = 3e-3,
) -> float:
    """Fit `model` on the training rows, print and return its test accuracy, write the files."""
    x = x.astype(np.float32)
    y = y.astype(np.int64)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[train], y[train], epochs=epochs, batch_size=batch_size, verbose=0)
    _, accuracy = model.evaluate(x[test], y[test], verbose=0)
    print(f"{model.name}: test accuracy {accuracy:.4f} on {len(test)} samples "
          f"({model.count_params()} parameters)")
    model.save(here / "model.keras")
    np.savez(here / "calibration.npz", x=x[train[:CALIBRATION_SAMPLES]])
    np.savez(here / "test.npz", x=x[test], y=y[test])
    return accuracy
