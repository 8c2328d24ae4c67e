"""Pre-processing descriptions (`qtc compile --preprocess pre.json`): raw sensor windows in front
of a Keras model, and the streaming window of the generated C.

A description is JSON (or the same dict in Python):

    {
      "channels": 6,                       sensor channels of one sample
      "sample_type": "int16",              "int16" (raw sensor integers) or "float32"
      "sample_scale": 0.01,                int16 only: real value = sample_scale * raw (default 1)
      "window": {"length": 50, "hop": 25}, samples a window, new samples between two windows
      "normalize": {"mean": [...], "std": [...]},        optional, real units, one per channel
      "fft": {"size": 64, "window": "hann", "output": "log_power",
              "mel_bins": 16, "sample_rate": 10.0, "epsilon": 0.001}   optional
    }

`fft.size` is a power of two from 32 to 512; `fft.window` "hann" (default) or "none";
`fft.output` "magnitude" (default, |X|) or "log_power" (ln(|X|^2 + epsilon), epsilon default
1e-3); `fft.mel_bins` adds a triangular mel filterbank (HTK mel scale, 0 Hz to sample_rate / 2,
peak 1) and needs `fft.sample_rate` in Hz. The FFT takes the newest min(length, size) samples
of a window, zero padded to `size`.

The model's `@main` then takes the raw window [1, length, channels] (int16 samples: the
sensor's integers, as floats, in the float IR) and starts with the pre-processing ops:
`nn.normalize_raw` for int16 samples (sample_scale and the normalisation folded in; mean 0 and
std 1 without `normalize`), `nn.normalize` for float samples with `normalize`, then
`nn.spectrum` with `fft`. Their output must be the Keras model's input: [1, length, channels]
without `fft`, [1, bins, channels] with it (bins = size / 2 + 1, or mel_bins): frequency on the
1-d axis and the channels as features, which a Conv1D or an LSTM/GRU reads as it reads time.

Calibration data of such a build holds raw windows: key `x` of shape [n, length, channels]
(int16 or float arrays, raw sensor units).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
from qtc.compiler.emit_c import StreamSpec
from qtc.compiler.errors import QtcError, UsageError
from qtc.compiler.interpreter import entry_function
from qtc.dialects import dsp, nn
from qtc.dialects.dense import dense_from_numpy, tensor_type
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
    i64,
)
from xdsl.ir import Block, Region, SSAValue
from xdsl.rewriter import InsertPoint

SAMPLE_TYPES = ("int16", "float32")
LAYER = "preprocess"
"""The `layer` attribute of the pre-processing ops (reports group them under this name)."""
DEFAULT_EPSILON = 1e-3

_SCHEMA = {
    "": {"channels", "sample_type", "sample_scale", "window", "normalize", "fft"},
    "window": {"length", "hop"},
    "normalize": {"mean", "std"},
    "fft": {"size", "window", "output", "mel_bins", "sample_rate", "epsilon"},
}
_REQUIRED = {
    "": ("channels", "sample_type", "window"),
    "window": ("length", "hop"),
    "normalize": ("mean", "std"),
    "fft": ("size",),
}


@dataclass(frozen=True)
class FFTConfig:
    size: int
    window: str = "hann"
    output: str = "magnitude"
    mel_bins: int | None = None
    sample_rate: float | None = None
    epsilon: float = DEFAULT_EPSILON

    @property
    def bins(self) -> int:
        return self.mel_bins if self.mel_bins is not None else dsp.spectrum_bins(self.size)


@dataclass(frozen=True)
class PreprocessConfig:
    """A checked pre-processing description; `source` names it in messages."""

    channels: int
    sample_type: str
    length: int
    hop: int
    sample_scale: float = 1.0
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    fft: FFTConfig | None = None
    source: str = "preprocess"

    @property
    def window_shape(self) -> list[int]:
        """The raw window the model takes: [1, length, channels]."""
        return [1, self.length, self.channels]

    @property
    def output_shape(self) -> list[int]:
        """What the pre-processing gives the Keras model."""
        steps = self.fft.bins if self.fft is not None else self.length
        return [1, steps, self.channels]

    def stream_spec(self) -> StreamSpec:
        return StreamSpec(self.length, self.hop, self.channels, self.sample_type)

    def to_json(self) -> dict:
        """The description as JSON data (every default spelled out)."""
        data = {
            "channels": self.channels,
            "sample_type": self.sample_type,
            "window": {"length": self.length, "hop": self.hop},
        }
        if self.sample_type == "int16":
            data["sample_scale"] = self.sample_scale
        if self.mean is not None:
            data["normalize"] = {"mean": list(self.mean), "std": list(self.std)}
        if self.fft is not None:
            data["fft"] = {k: v for k, v in asdict(self.fft).items() if v is not None}
        return data

    def mel_weights(self) -> np.ndarray | None:
        fft = self.fft
        if fft is None or fft.mel_bins is None:
            return None
        return dsp.mel_filterbank(fft.size, fft.sample_rate, fft.mel_bins).astype(np.float32)

    def normalization(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(mean, std) of the first op in the units of the raw samples, or None."""
        mean = np.zeros(self.channels) if self.mean is None else np.asarray(self.mean, np.float64)
        std = np.ones(self.channels) if self.std is None else np.asarray(self.std, np.float64)
        if self.sample_type == "int16":
            return mean / self.sample_scale, std / self.sample_scale
        return None if self.mean is None else (mean, std)


# ----------------------------------------------------------------------------- checking


class _Checker:
    """Reads the JSON data, each mistake one QtcError naming the file and the key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, message: str) -> QtcError:
        return UsageError(f"{self.source}: {message}")

    def section(self, data, path: str) -> dict:
        where = path or "the description"
        if not isinstance(data, Mapping):
            raise self.fail(f"{where} must be a JSON object, got {type(data).__name__}")
        allowed = _SCHEMA[path]
        for key in data:
            if key not in allowed:
                name = f"{path}.{key}" if path else key
                raise self.fail(f"unknown key '{name}' (allowed: {', '.join(sorted(allowed))})")
        for key in _REQUIRED[path]:
            if key not in data:
                raise self.fail(f"missing key '{f'{path}.{key}' if path else key}'")
        return dict(data)

    def integer(self, value, name: str, lo: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{name} must be an integer, got {json.dumps(value)}")
        if value < lo:
            raise self.fail(f"{name} must be at least {lo}, got {value}")
        return value

    def number(self, value, name: str, positive: bool = False) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise self.fail(f"{name} must be a finite number, got {json.dumps(value)}")
        if positive and value <= 0:
            raise self.fail(f"{name} must be positive, got {value}")
        return float(value)

    def choice(self, value, name: str, choices) -> str:
        if value not in choices:
            raise self.fail(
                f"{name} must be one of {', '.join(json.dumps(c) for c in choices)}, got {json.dumps(value)}"
            )
        return value

    def per_channel(self, value, name: str, channels: int, positive: bool) -> tuple[float, ...]:
        if not isinstance(value, list) or len(value) != channels:
            raise self.fail(
                f"{name} must be a list of {channels} numbers (one per channel), got {json.dumps(value)}"
            )
        return tuple(self.number(v, f"{name}[{i}]", positive) for i, v in enumerate(value))

    def config(self, data) -> PreprocessConfig:
        top = self.section(data, "")
        channels = self.integer(top["channels"], "channels")
        sample_type = self.choice(top["sample_type"], "sample_type", SAMPLE_TYPES)
        scale = 1.0
        if "sample_scale" in top:
            if sample_type != "int16":
                raise self.fail(
                    'sample_scale applies to "int16" samples only (float32 samples are real values)'
                )
            scale = self.number(top["sample_scale"], "sample_scale", positive=True)
        window = self.section(top["window"], "window")
        length = self.integer(window["length"], "window.length")
        hop = self.integer(window["hop"], "window.hop")
        if hop > length:
            raise self.fail(f"window.hop ({hop}) must not exceed window.length ({length})")
        mean = std = None
        if "normalize" in top:
            normalize = self.section(top["normalize"], "normalize")
            mean = self.per_channel(normalize["mean"], "normalize.mean", channels, False)
            std = self.per_channel(normalize["std"], "normalize.std", channels, True)
        fft = self.fft(top["fft"]) if "fft" in top else None
        return PreprocessConfig(
            channels, sample_type, length, hop, scale, mean, std, fft, self.source
        )

    def fft(self, data) -> FFTConfig:
        fft = self.section(data, "fft")
        size = self.integer(fft["size"], "fft.size")
        if size not in dsp.FFT_SIZES:
            raise self.fail(f"fft.size must be a power of two from 32 to 512, got {size}")
        window = self.choice(fft.get("window", "hann"), "fft.window", dsp.WINDOWS)
        output = self.choice(fft.get("output", "magnitude"), "fft.output", dsp.SPECTRUM_OUTPUTS)
        epsilon = self.number(fft.get("epsilon", DEFAULT_EPSILON), "fft.epsilon", positive=True)
        rate = (
            self.number(fft["sample_rate"], "fft.sample_rate", positive=True)
            if "sample_rate" in fft
            else None
        )
        mel_bins = None
        if "mel_bins" in fft:
            mel_bins = self.integer(fft["mel_bins"], "fft.mel_bins")
            if rate is None:
                raise self.fail("fft.mel_bins needs fft.sample_rate (Hz) to place the mel filters")
            try:
                dsp.mel_filterbank(size, rate, mel_bins)
            except ValueError as e:
                raise self.fail(f"fft.mel_bins: {e}") from None
        return FFTConfig(size, window, output, mel_bins, rate, epsilon)


def load_preprocess(description) -> PreprocessConfig:
    """A checked description from a dict, a `PreprocessConfig` or a JSON file path."""
    if isinstance(description, PreprocessConfig):
        return description
    if isinstance(description, (str, os.PathLike)):
        path = str(description)
        if not os.path.isfile(path):
            raise UsageError(f"{path}: pre-processing description not found")
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise UsageError(
                f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
            ) from None
        return _Checker(path).config(data)
    return _Checker("preprocess").config(description)


# ----------------------------------------------------------------------------- IR


def _emit_ops(builder: Builder, value: SSAValue, config: PreprocessConfig) -> SSAValue:
    """The pre-processing ops of `config` applied to the raw window `value`."""

    def add(op, hint: str) -> SSAValue:
        op.attributes["layer"] = StringAttr(LAYER)
        builder.insert(op)
        op.results[0].name_hint = hint
        return op.results[0]

    normalization = config.normalization()
    if normalization is not None:
        cls = nn.NormalizeRawOp if config.sample_type == "int16" else nn.NormalizeOp
        mean, std = (DenseArrayBase.from_list(f64, a.tolist()) for a in normalization)
        value = add(
            cls(operands=[value], result_types=[value.type], properties={"mean": mean, "std": std}),
            "normalized",
        )
    fft = config.fft
    if fft is not None:
        props = {
            "size": IntegerAttr(fft.size, i64),
            "window": StringAttr(fft.window),
            "output": StringAttr(fft.output),
            "epsilon": FloatAttr(fft.epsilon, f64),
        }
        mel = config.mel_weights()
        if mel is not None:
            props["mel"] = dense_from_numpy(mel)
        result = tensor_type(config.output_shape, Float32Type())
        value = add(
            nn.SpectrumOp(operands=[value], result_types=[result], properties=props), "spectrum"
        )
    return value


def prepend_preprocessing(module: ModuleOp, config: PreprocessConfig) -> None:
    """Make `@main` take the raw window and start with the pre-processing ops, in place."""
    function = entry_function(module)
    block = function.body.block
    if len(block.args) != 1:
        raise UsageError(
            f"{config.source}: pre-processing feeds a model with one input, this one has {len(block.args)}"
        )
    outputs = len(function.function_type.outputs.data)
    if outputs != 1:
        raise UsageError(
            f"{config.source}: the streaming window hands over one output, this model has {outputs}"
        )
    old = block.args[0]
    model_shape = list(old.type.get_shape())
    if model_shape != config.output_shape:
        made = "spectra" if config.fft is not None else "windows"
        label = f" '{old.name_hint}'" if old.name_hint else ""
        raise UsageError(
            f"{config.source}: the pre-processing makes {made} of shape {config.output_shape}, "
            f"but the model input{label} is {model_shape}"
        )
    raw = block.insert_arg(tensor_type(config.window_shape, Float32Type()), 0)
    raw.name_hint = "samples"
    value = _emit_ops(Builder(InsertPoint.at_start(block)), raw, config)
    old.replace_all_uses_with(value)
    block.erase_arg(old)
    function.update_function_type()


def preprocessing_module(config: PreprocessConfig) -> ModuleOp:
    """`@main(raw window) -> pre-processed window`: the pre-processing alone."""
    block = Block(arg_types=[tensor_type(config.window_shape, Float32Type())])
    builder = Builder(InsertPoint.at_end(block))
    result = _emit_ops(builder, block.args[0], config)
    builder.insert(func.ReturnOp(result))
    main = func.FuncOp("main", ([block.args[0].type], [result.type]), Region(block))
    module = ModuleOp([main])
    module.verify()
    return module


# ----------------------------------------------------------------------------- data


def preprocess_windows(config: PreprocessConfig, windows) -> np.ndarray:
    """The float pre-processing (the ops' reference arithmetic, float64, rounded to float32)
    of raw windows [n, length, channels]: what the Keras model gets."""
    x = checked_windows(config, windows, "windows")
    normalization = config.normalization()
    if normalization is not None:
        x = dsp.normalize_f64(x, *normalization).astype(np.float32)
    fft = config.fft
    if fft is not None:
        x = dsp.spectrum_f64(x, fft.size, fft.window, fft.output, fft.epsilon, config.mel_weights())
    return np.asarray(x, np.float32)


def checked_windows(config: PreprocessConfig, windows, what: str) -> np.ndarray:
    """Raw windows as float32 [n, length, channels], or an error naming `what` and the description."""
    x = np.asarray(windows)
    if x.ndim != 3 or list(x.shape[1:]) != config.window_shape[1:]:
        raise UsageError(
            f"{what} has shape {list(x.shape)}, but {config.source} describes raw windows "
            f"[n, {config.length}, {config.channels}] (length, channels)"
        )
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise UsageError(f"{what} has dtype {x.dtype}: raw windows are int16 or float samples")
    return x.astype(np.float32)


def stream_windows(stream, length: int, hop: int) -> np.ndarray:
    """The windows a stream [T, channels] makes in NAME_enqueue order: samples
    [k * hop, k * hop + length) for every k with k * hop + length <= T."""
    stream = np.asarray(stream)
    starts = range(0, len(stream) - length + 1, hop)
    if not len(starts):
        return np.zeros((0, length, *stream.shape[1:]), stream.dtype)
    return np.stack([stream[s : s + length] for s in starts])


def raw_calibration(config: PreprocessConfig, calibration) -> list[np.ndarray]:
    """Calibration windows for a pre-processed build: an .npz path (key x) or an array of raw
    windows [n, length, channels], checked and as float32."""
    from qtc.compiler.cli import input_arrays, load_npz

    if isinstance(calibration, (str, os.PathLike)):
        path = str(calibration)
        (x,) = input_arrays(load_npz(path, "calibration data"), 1, path)
        return [checked_windows(config, x, f"{path}: x")]
    arrays = [calibration] if isinstance(calibration, np.ndarray) else list(calibration)
    if len(arrays) != 1:
        raise UsageError(f"calibration data: expected one array of raw windows, got {len(arrays)}")
    return [checked_windows(config, arrays[0], "calibration data")]
