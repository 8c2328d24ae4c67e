"""Pre-processing ops (nn/qnn normalize and spectrum) and pre.json descriptions.

- the integer FFT (qtc.dialects.dsp.rfft_q15: Q15 twiddles, every stage halved) against
  `np.fft.rfft(x) / N` on realistic int16 signals, and the quantized spectrum ops against the
  float reference, with the measured SQNR in the messages (target: >= 40 dB for the int16
  magnitude);
- the C kernels of runtime_c/qtc_dsp.h against the qnn interpreter, bit for bit, under
  ASan/UBSan, on extremes and random inputs, for every FFT size and option; the float C against
  the float reference;
- pre.json checking: one clear message per mistake, naming the file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from qtc.compiler import interpreter
from qtc.compiler.build import run_pipeline, runtime_file
from qtc.compiler.cli import main as qtc_main
from qtc.compiler.emit_c import StreamSpec, generate_c
from qtc.compiler.errors import QtcError
from qtc.compiler.host_run import SANITIZE_FLAGS, build_host_model
from qtc.compiler.preprocess import load_preprocess, preprocess_windows, preprocessing_module
from qtc.dialects import dsp
from qtc.passes.calibrate import calibrate_module
from test_int_c import needs_arm, soft_float_calls, undefined_symbols

SEED = 4242
MIN_MAGNITUDE_SQNR_DB = 40.0
MODES = {"8": "int8", "16": "int16", "16x8": "16x8"}


def sqnr_db(reference: np.ndarray, value: np.ndarray) -> float:
    noise = np.sum((np.asarray(value, np.float64) - reference) ** 2)
    return (
        math.inf
        if noise == 0
        else 10.0 * math.log10(np.sum(np.asarray(reference, np.float64) ** 2) / noise)
    )


def realistic(
    kind: str, count: int, length: int, rng: np.random.Generator, peak: float
) -> np.ndarray:
    """[count, length] signals scaled to `peak`: sinusoids + noise, or random walks."""
    t = np.arange(length)[None, :]
    if kind == "sinusoids":
        x = sum(
            rng.uniform(0.2, 1.0, (count, 1))
            * np.sin(
                2 * np.pi * rng.uniform(0, 0.5, (count, 1)) * t + rng.uniform(0, 6, (count, 1))
            )
            for _ in range(3)
        ) + rng.normal(0, 0.1, (count, length))
    else:
        x = np.cumsum(rng.normal(0, 1, (count, length)), axis=1)
        x -= x.mean(axis=1, keepdims=True)
    return x * (peak / np.max(np.abs(x), axis=1, keepdims=True))


# ----------------------------------------------------------------------------- integer FFT numerics


@pytest.mark.parametrize("size", dsp.FFT_SIZES)
@pytest.mark.parametrize("kind", ["sinusoids", "random_walk"])
def test_integer_fft_tracks_numpy(size: int, kind: str) -> None:
    rng = np.random.default_rng(SEED + size)
    x = np.round(realistic(kind, 64, size, rng, 0.9 * 32767)).astype(np.int64)
    re, im = dsp.rfft_q15(x, *dsp.twiddles_q15(size))
    reference = np.fft.rfft(x, axis=-1) / size
    complex_db = sqnr_db(np.concatenate([reference.real, reference.imag]), np.concatenate([re, im]))
    magnitude = dsp.isqrt_rounded(re * re + im * im)
    magnitude_db = sqnr_db(np.abs(reference), magnitude)
    message = (
        f"N={size} {kind}: complex SQNR {complex_db:.1f} dB, magnitude SQNR {magnitude_db:.1f} dB"
    )
    print(message)
    assert magnitude_db >= MIN_MAGNITUDE_SQNR_DB, message
    assert complex_db >= MIN_MAGNITUDE_SQNR_DB, message


def test_integer_fft_extremes_stay_in_range() -> None:
    for size in dsp.FFT_SIZES:
        n = np.arange(size)
        frames = np.stack(
            [
                np.full(size, -32768),
                np.full(size, 32767),
                np.where(n % 2, -32768, 32767),
                np.where(n < size // 2, 32767, -32768),
                (n == 0) * -32768,
            ]
        )
        re, im = dsp.rfft_q15(frames, *dsp.twiddles_q15(size))
        assert np.max(np.abs(re)) <= 32768 + 16 and np.max(np.abs(im)) <= 32768 + 16
        assert np.max(re * re + im * im) < 2**32
        # DC of a constant is its value, less the gain of the Q15 unit twiddle (1 - 2^-15 a stage)
        np.testing.assert_allclose(re[0, 0], -32768, atol=16)


def test_isqrt_and_log2_match_exact_arithmetic() -> None:
    rng = np.random.default_rng(SEED)
    values = np.concatenate(
        [np.arange(0, 300), rng.integers(0, 2**32, 5000), [2**32 - 1, 2**31, 2**31 - 1]]
    )
    expected = [math.isqrt(4 * int(v)) for v in values]  # floor(2 sqrt v) -> round(sqrt v)
    np.testing.assert_array_equal(dsp.isqrt_rounded(values), [(e + 1) // 2 for e in expected])
    v = np.concatenate(
        [
            np.arange(1, 70000),
            rng.integers(1, 2**62, 5000),
            [2**62, 2**53 - 1, 2**53 + 1, 2**63 - 1],
        ]
    )
    error = dsp.log2_q16(v) / 2**16 - np.log2(v.astype(np.float64))
    # the truncated mantissa, the table rounding and the interpolation: under 3.5 Q16 steps
    assert np.max(np.abs(error)) < 3.5 / 2**16, f"log2_q16 max error {np.max(np.abs(error)):.2g}"


def test_float_reference_is_numpy_rfft() -> None:
    rng = np.random.default_rng(SEED)
    x = rng.normal(0, 1, (2, 50, 3))
    for size in (32, 64):
        used = min(50, size)
        window = np.hanning(used + 1)[:-1]  # the periodic Hann window
        frames = x[:, 50 - used :, :] * window[None, :, None]
        expected = np.abs(np.fft.rfft(frames, n=size, axis=1))
        np.testing.assert_allclose(
            dsp.spectrum_f64(x, size, "hann", "magnitude", 1e-3, None), expected, rtol=1e-12
        )
        power = np.abs(np.fft.rfft(frames, n=size, axis=1)) ** 2
        np.testing.assert_allclose(
            dsp.spectrum_f64(x, size, "hann", "log_power", 0.5, None),
            np.log(power + 0.5),
            rtol=1e-12,
        )
    mel = dsp.mel_filterbank(64, 100.0, 10)
    assert (
        mel.shape == (33, 10)
        and np.all(mel >= 0)
        and np.all(mel.max(axis=0) > 0.3)
        and mel.max() <= 1.0
    )


# ----------------------------------------------------------------------------- quantized ops


def quantized(config: dict, bits: str, windows: np.ndarray, rounding: str = "double"):
    """The pre-processing of `config` alone as a quantized module, calibrated on `windows`."""
    module = preprocessing_module(load_preprocess(config))
    calibrate_module(module, [windows.astype(np.float32)])
    run_pipeline(
        module,
        f"propagate-contracts{{mode={MODES[bits]}}},requantize{{rounding={rounding}}},check-overflow",
    )
    return module


def float_pre(length: int, channels: int = 2, **fft) -> dict:
    return {
        "channels": channels,
        "sample_type": "float32",
        "window": {"length": length, "hop": 1},
        "fft": fft,
    }


def signal_windows(rng: np.random.Generator, count: int, length: int, channels: int) -> np.ndarray:
    kinds = [realistic(k, count, length, rng, 3.0) for k in ("sinusoids", "random_walk")]
    both = np.concatenate(kinds)[:, :, None] * rng.uniform(0.5, 1.0, (1, 1, channels))
    return both.astype(np.float32)


@pytest.mark.parametrize("size", [32, 128, 512])
@pytest.mark.parametrize("bits", ["16", "8"])
def test_quantized_magnitude_sqnr(size: int, bits: str) -> None:
    rng = np.random.default_rng(SEED + size)
    config = float_pre(size, size=size, window="hann", output="magnitude")
    windows = signal_windows(rng, 64, size, 2)
    module = quantized(config, bits, windows)
    (y,) = interpreter.run(module, [windows])
    reference = preprocess_windows(load_preprocess(config), windows)
    db = sqnr_db(reference, y)
    message = f"N={size} int{bits} magnitude spectrum vs numpy: SQNR {db:.1f} dB"
    print(message)
    assert db >= (MIN_MAGNITUDE_SQNR_DB if bits == "16" else 20.0), message  # int8: the output grid


@pytest.mark.parametrize("bits", ["16", "8"])
def test_quantized_log_mel_error(bits: str) -> None:
    rng = np.random.default_rng(SEED)
    config = float_pre(
        50, size=64, window="hann", output="log_power", mel_bins=16, sample_rate=50.0, epsilon=1e-3
    )
    windows = signal_windows(rng, 64, 50, 2)
    module = quantized(config, bits, windows)
    (y,) = interpreter.run(module, [windows])
    reference = preprocess_windows(load_preprocess(config), windows)
    error = np.abs(y - reference)
    db, worst, strong = (
        sqnr_db(reference, y),
        float(error.max()),
        float(error[reference >= 0.0].max()),
    )
    message = (
        f"int{bits} log-mel (64-point FFT, 16 mel bins) vs numpy: SQNR {db:.1f} dB, max |error| "
        f"{worst:.3f} (weak bins, where the FFT's rounding noise is a large part of the power), "
        f"{strong:.3f} where the mel power is >= 1"
    )
    print(message)
    assert db >= (40.0 if bits == "16" else 30.0) and strong < (0.05 if bits == "16" else 0.1), (
        message
    )


def test_quantized_normalize_is_within_half_an_lsb() -> None:
    rng = np.random.default_rng(SEED)
    config = {
        "channels": 4,
        "sample_type": "int16",
        "sample_scale": 0.003,
        "window": {"length": 20, "hop": 5},
        "normalize": {"mean": [10.0, -3.0, 0.0, 50.0], "std": [20.0, 0.5, 1.0, 30.0]},
    }
    raw = np.round(rng.normal(0, 1, (32, 20, 4)) * [6000, 300, 500, 9000] + [3333, -1000, 0, 16000])
    raw = np.clip(raw, -32768, 32767).astype(np.float32)
    module = quantized(config, "16", raw)
    (y,) = interpreter.run(module, [raw])
    scale = module.ops.first.body.block.first_op.next_op.attributes["qparams"].scale
    reference = preprocess_windows(load_preprocess(config), raw)
    lsb = np.max(np.abs(y - reference)) / scale
    assert lsb <= 0.5 + 1e-3, f"normalize off by {lsb:.3f} LSB"


# ----------------------------------------------------------------------------- C against the interpreter

C_CASES = [
    # (name, pre-processing description, bits, rounding)
    ("mag32_none_i8", float_pre(32, size=32, window="none"), "8", "double"),
    ("mag64_hann_pad_i16", float_pre(40, size=64, window="hann"), "16", "single"),
    (
        "mag128_crop_mel_16x8",
        float_pre(200, size=128, window="hann", mel_bins=20, sample_rate=100.0),
        "16x8",
        "double",
    ),
    ("log256_hann_i8", float_pre(256, size=256, window="hann", output="log_power"), "8", "single"),
    (
        "log512_mel_i16",
        float_pre(
            512,
            channels=1,
            size=512,
            window="hann",
            output="log_power",
            mel_bins=40,
            sample_rate=16000.0,
        ),
        "16",
        "double",
    ),
    (
        "log64_mel_none_i8",
        float_pre(
            64, channels=3, size=64, window="none", output="log_power", mel_bins=8, sample_rate=20.0
        ),
        "8",
        "double",
    ),
    (
        "normalize_i8",
        {
            "channels": 3,
            "sample_type": "int16",
            "sample_scale": 0.05,
            "window": {"length": 16, "hop": 4},
            "normalize": {"mean": [1.0, -2.0, 400.0], "std": [2.0, 0.25, 100.0]},
        },
        "8",
        "single",
    ),
    (
        "normalize_fft_i16",
        {
            "channels": 2,
            "sample_type": "int16",
            "window": {"length": 64, "hop": 4},
            "normalize": {"mean": [100.0, -50.0], "std": [300.0, 80.0]},
            "fft": {"size": 64, "output": "log_power"},
        },
        "16",
        "double",
    ),
]


def write_c(module, out_dir: Path, pre) -> None:
    """The C of `module`; a StreamSpec lets the function take i16 windows and give i8."""
    files, emitter = generate_c(
        module, stream=StreamSpec(pre.length, 1, pre.channels, pre.sample_type)
    )
    for header in emitter.runtime_headers():
        files[header] = runtime_file(header)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out_dir / name).write_text(text)


def integer_inputs(rng: np.random.Generator, shape: tuple[int, ...], dtype) -> np.ndarray:
    """Extremes (minimum, maximum, alternating, half-range steps, zero, an impulse) then random."""
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    n = np.arange(shape[1])[:, None] + np.zeros(shape[2], int)
    fixed = [
        np.full(shape[1:], lo),
        np.full(shape[1:], hi),
        np.where(n % 2, lo, hi),
        np.where(n < shape[1] // 2, hi, lo),
        np.zeros(shape[1:]),
        np.where(n == shape[1] - 1, lo, 0),
    ]
    randoms = [rng.integers(lo, hi + 1, shape[1:]) for _ in range(6)]
    walks = [
        np.clip(np.cumsum(rng.integers(-2000, 2001, shape[1:]), axis=0), lo, hi) for _ in range(4)
    ]
    return np.stack(fixed + randoms + walks).astype(dtype)


@pytest.mark.parametrize("name, config, bits, rounding", C_CASES, ids=[c[0] for c in C_CASES])
def test_integer_c_is_bit_exact(
    name: str, config: dict, bits: str, rounding: str, tmp_path: Path
) -> None:
    rng = np.random.default_rng(SEED + len(name))
    pre = load_preprocess(config)
    if pre.sample_type == "int16":
        windows = np.round(rng.normal(0, 1, (32, pre.length, pre.channels)) * 3000).astype(
            np.float32
        )
    else:
        windows = signal_windows(rng, 16, pre.length, pre.channels)
    module = quantized(config, bits, windows, rounding)
    write_c(module, tmp_path, pre)
    (arg,) = module.ops.first.body.block.args
    quantize = arg.first_use.operation
    in_dtype = np.dtype(f"int{quantize.qparams.bits}")
    out_shape = tuple(module.ops.first.function_type.outputs.data[0].get_shape())
    returned = module.ops.first.body.block.last_op.operands[0].owner.input
    out_dtype = np.dtype(f"int{returned.type.get_element_type().width.data}")
    host = build_host_model(
        str(tmp_path),
        tuple(pre.window_shape),
        in_dtype,
        out_shape,
        out_dtype,
        extra_flags=SANITIZE_FLAGS,
        build_dir=str(tmp_path),
    )
    q = integer_inputs(rng, tuple(pre.window_shape), in_dtype)
    real = (q.astype(np.float64) - quantize.qparams.zero_point) * quantize.qparams.scale
    fed, (expected,) = interpreter.run_integer(module, [real.astype(np.float32)])
    np.testing.assert_array_equal(fed[0], q)  # the interpreter saw exactly these integers
    got = host.run(q).reshape(expected.shape)
    mismatches = int(np.sum(got != expected))
    assert mismatches == 0, (
        f"{name}: {mismatches} of {expected.size} integers differ from the qnn interpreter"
    )
    print(f"{name}: {len(q)} windows, {expected.size} integers equal")


def test_float_c_matches_float_reference(tmp_path: Path) -> None:
    rng = np.random.default_rng(SEED)
    for i, config in enumerate(c[1] for c in C_CASES):
        pre = load_preprocess(config)
        module = preprocessing_module(pre)
        out = tmp_path / f"f{i}"
        write_c(module, out, pre)
        out_shape = tuple(module.ops.first.function_type.outputs.data[0].get_shape())
        host = build_host_model(
            str(out),
            tuple(pre.window_shape),
            np.float32,
            out_shape,
            np.float32,
            extra_flags=SANITIZE_FLAGS,
            build_dir=str(out),
        )
        windows = signal_windows(rng, 4, pre.length, pre.channels) * 100
        reference = preprocess_windows(pre, windows)
        got = host.run(windows).reshape(reference.shape)
        error = np.max(np.abs(got - reference)) / np.max(np.abs(reference))
        assert error < 1e-4, f"{config}: float C error {error:.2g} of the largest value"


def test_dsp_header_integer_section_has_no_float() -> None:
    code = runtime_file("qtc_dsp.h")
    integer = code[code.index("#ifdef QTC_INT_H") : code.index("#endif /* QTC_INT_H */")]
    integer = __import__("re").sub(r"/\*.*?\*/", " ", integer, flags=__import__("re").DOTALL)
    assert "float" not in integer and "double" not in integer


@needs_arm
def test_integer_spectrum_needs_no_soft_float_on_cortex_m0(tmp_path: Path) -> None:
    rng = np.random.default_rng(SEED)
    name, config, bits, rounding = C_CASES[-1]  # int16 samples: no float conversion on arrival
    pre = load_preprocess(config)
    module = quantized(
        config, bits, np.round(rng.normal(0, 3000, (16, pre.length, pre.channels))), rounding
    )
    write_c(module, tmp_path, pre)
    soft_float = soft_float_calls(undefined_symbols(tmp_path / "model.c"))
    assert not soft_float, soft_float


# ----------------------------------------------------------------------------- pre.json checking

GOOD = {
    "channels": 2,
    "sample_type": "int16",
    "sample_scale": 0.5,
    "window": {"length": 64, "hop": 16},
    "normalize": {"mean": [0.0, 1.0], "std": [1.0, 2.0]},
    "fft": {
        "size": 64,
        "window": "hann",
        "output": "log_power",
        "mel_bins": 8,
        "sample_rate": 100.0,
    },
}


def edited(path: str, value) -> dict:
    data = json.loads(json.dumps(GOOD))
    *parents, key = path.split(".")
    target = data
    for p in parents:
        target = target[p]
    if value is KeyError:
        del target[key]
    else:
        target[key] = value
    return data


BAD = [
    ("extra", 1, "unknown key 'extra'"),
    ("fft.sise", 64, "unknown key 'fft.sise'"),
    ("channels", "2", 'channels must be an integer, got "2"'),
    ("channels", True, "channels must be an integer"),
    ("channels", 0, "channels must be at least 1"),
    ("sample_type", "int8", 'sample_type must be one of "int16", "float32", got "int8"'),
    ("sample_scale", -1.0, "sample_scale must be positive"),
    ("window", KeyError, "missing key 'window'"),
    ("window.hop", 65, "window.hop (65) must not exceed window.length (64)"),
    ("window.length", 2.5, "window.length must be an integer"),
    ("normalize.std", [1.0, 0.0], "normalize.std[1] must be positive"),
    ("normalize.mean", [0.0], "normalize.mean must be a list of 2 numbers"),
    ("normalize.mean", [0.0, float("nan")], "normalize.mean[1] must be a finite number"),
    ("fft.size", 100, "fft.size must be a power of two from 32 to 512, got 100"),
    ("fft.size", 1024, "fft.size must be a power of two from 32 to 512"),
    ("fft.window", "hamming", 'fft.window must be one of "hann", "none"'),
    ("fft.output", "power", 'fft.output must be one of "magnitude", "log_power"'),
    ("fft.sample_rate", KeyError, "fft.mel_bins needs fft.sample_rate"),
    ("fft.mel_bins", 200, "fft.mel_bins: mel filter"),
    ("fft.epsilon", 0, "fft.epsilon must be positive"),
]


@pytest.mark.parametrize("path, value, message", BAD, ids=[f"{b[0]}={b[1]!r}" for b in BAD])
def test_bad_description_gives_one_clear_error(
    path: str, value, message: str, tmp_path: Path
) -> None:
    file = tmp_path / "pre.json"
    file.write_text(json.dumps(edited(path, value)))
    with pytest.raises(QtcError) as caught:
        load_preprocess(str(file))
    assert str(caught.value).startswith(f"{file}: ") and message in str(caught.value), str(
        caught.value
    )


def test_good_description_round_trips() -> None:
    config = load_preprocess(GOOD)
    assert load_preprocess(config.to_json()) == config
    assert config.output_shape == [1, 8, 2] and config.window_shape == [1, 64, 2]


def test_float_samples_reject_a_sample_scale() -> None:
    with pytest.raises(QtcError, match='sample_scale applies to "int16" samples only'):
        load_preprocess({**GOOD, "sample_type": "float32"})


def test_unreadable_descriptions(tmp_path: Path) -> None:
    with pytest.raises(QtcError, match="pre-processing description not found"):
        load_preprocess(str(tmp_path / "missing.json"))
    broken = tmp_path / "pre.json"
    broken.write_text('{"channels": 2,\n "window": }')
    with pytest.raises(QtcError, match=r"pre.json: not valid JSON \(line 2"):
        load_preprocess(str(broken))


def test_cli_names_pre_json_and_both_shapes(tmp_path: Path, capsys) -> None:
    import keras

    x = keras.Input((50, 2))
    model = keras.Model(x, keras.layers.Dense(3)(keras.layers.Flatten()(x)))
    model.save(tmp_path / "model.keras")
    pre = tmp_path / "pre.json"
    pre.write_text(json.dumps(GOOD))
    code = qtc_main(
        [
            "compile",
            str(tmp_path / "model.keras"),
            "--float",
            "--preprocess",
            str(pre),
            "-o",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code != 0 and err.count("\n") == 0, err
    assert f"{pre}: the pre-processing makes spectra of shape [1, 8, 2], but the model input" in err
    assert "is [1, 50, 2]" in err
    assert not (tmp_path / "out").exists()
