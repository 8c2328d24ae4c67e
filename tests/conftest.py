"""Test-wide settings: quiet, deterministic TensorFlow (set before anything imports it)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
