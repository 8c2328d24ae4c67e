"""round-weights (GPTQ): a layer's output error on held-out data is below nearest rounding's,
for every op kind and per-tensor or per-channel grids, and `requantize` keeps its integers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qtc.compiler import interpreter
from qtc.compiler.build import run_pipeline
from qtc.compiler.cli import main
from qtc.compiler.textual_ir import parse_module
from qtc.dialects import nn, qnn
from qtc.dialects.annotations import QPARAMS, get_annotation, set_annotation
from qtc.dialects.dense import dense_from_numpy, dense_to_numpy
from qtc.dialects.qtc_attrs import QParamsAttr
from qtc.dialects.quant_params import best_fit_scales, per_channel_symmetric_scales, quantize
from qtc.passes.calibrate import calibrate_module
from qtc.passes import round_weights
from qtc.passes.round_weights import (
    damped,
    gptq,
    gptq_on_best_grid,
    round_weights_module,
    scale_array,
)

IRIS = Path(__file__).parent.parent / "examples" / "iris"
ATTRS = 'strides = array<i64: {s}>, dilations = array<i64: {s}>, padding = "same"'
ONE, TWO = ATTRS.format(s="1"), ATTRS.format(s="1, 1")
LAYERS = {
    # op, input shape, weight shape, bias size, window attributes
    "dense": ("nn.dense", [1, 24], [24, 6], 6, ""),
    "conv1d": ("nn.conv1d", [1, 16, 3], [5, 3, 4], 4, ONE),
    "conv2d": ("nn.conv2d", [1, 6, 6, 2], [3, 3, 2, 3], 3, TWO),
    "depthwise_conv1d": ("nn.depthwise_conv1d", [1, 16, 3], [5, 3, 2], 6, ONE),
    "depthwise_conv2d": ("nn.depthwise_conv2d", [1, 6, 6, 2], [3, 3, 2, 2], 4, TWO),
}


def _type(shape: list[int]) -> str:
    return f"tensor<{'x'.join(map(str, shape))}xf32>"


def layer_module(kind: str, rng: np.random.Generator):
    """One layer with random weights and bias, as textual IR parsed into a module."""
    op, x_shape, w_shape, bias, attrs = LAYERS[kind]
    y_shape = [*x_shape[:-1], bias]
    text = f"""
    func.func @main(%x: {_type(x_shape)}) -> {_type(y_shape)} {{
      %w = nn.constant dense<0.0> : {_type(w_shape)}
      %b = nn.constant dense<0.0> : {_type([bias])}
      %y = {op} %x, %w, %b {{{attrs}}} : ({_type(x_shape)}, {_type(w_shape)}, {_type([bias])}) -> {_type(y_shape)}
      func.return %y : {_type(y_shape)}
    }}"""
    module = parse_module(text)
    constants = [o for o in module.walk() if isinstance(o, nn.ConstantOp)]
    for constant, shape in zip(constants, [w_shape, [bias]]):
        constant.value = dense_from_numpy(rng.uniform(-1, 1, shape).astype(np.float32))
    return module


def correlated_inputs(shape: list[int], count: int, rng: np.random.Generator) -> np.ndarray:
    """Samples with correlated features (mixed noise) along the last axis, smooth along the
    spatial axes, and a non-zero mean: the structure GPTQ exploits and real activations have.
    Split them for calibration and held-out sets: a second call draws another distribution."""
    features = shape[-1]
    mixing = rng.standard_normal((features, features)) / np.sqrt(features)
    z = rng.standard_normal((count, *shape[1:])) @ (np.eye(features) + 2 * mixing)
    for axis in range(1, len(shape) - 1):
        z = np.cumsum(z, axis=axis) / np.sqrt(shape[axis])
    return (z + 0.5).astype(np.float32)


def weights_of(module) -> np.ndarray:
    weights = next(o for o in module.walk() if isinstance(o, nn.ConstantOp))
    return dense_to_numpy(weights.value).astype(np.float64)


def nearest_copy(module):
    """`module` with its weights rounded to nearest on their grid (what requantize does)."""
    copy = module.clone()
    weights = next(o for o in copy.walk() if isinstance(o, nn.ConstantOp))
    params = get_annotation(weights.result, QPARAMS)
    w = dense_to_numpy(weights.value).astype(np.float64)
    scales = scale_array(params, w.shape)
    rounded = quantize(w, scales, 0, params.bits, narrow=True) * scales
    weights.value = dense_from_numpy(rounded.astype(np.float32))
    return copy


def output_error(module, reference, x: np.ndarray) -> float:
    (y,) = interpreter.run(module, [x])
    (expected,) = interpreter.run(reference, [x])
    return float(np.linalg.norm(y.astype(np.float64) - expected))


@pytest.mark.parametrize("mode", ["int8", "int16"])
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_gptq_output_error_below_nearest(kind: str, mode: str) -> None:
    """Per-channel int8 or int16 grids from propagate-contracts; the error is measured on
    data the rounding never saw."""
    rng = np.random.default_rng(7)
    reference = layer_module(kind, rng)
    shape = LAYERS[kind][1]
    calibration, held_out = np.split(correlated_inputs(shape, 1280, rng), [1024])
    module = reference.clone()
    calibrate_module(module, [calibration])
    run_pipeline(module, f"propagate-contracts{{mode={mode}}}")
    nearest = nearest_copy(module)
    round_weights_module(module, [calibration])
    gptq = output_error(module, reference, held_out)
    rounded = output_error(nearest, reference, held_out)
    assert gptq < 0.9 * rounded, f"gptq {gptq:.4g} vs nearest {rounded:.4g}"


def test_requantize_keeps_the_chosen_integers() -> None:
    """The written weights are grid points q * scale, and requantize's rounding gives back q."""
    rng = np.random.default_rng(3)
    module = layer_module("conv2d", rng)
    x = correlated_inputs(LAYERS["conv2d"][1], 64, rng)
    calibrate_module(module, [x])
    run_pipeline(module, "propagate-contracts{mode=16x8}")
    original = weights_of(module)
    weights = next(o for o in module.walk() if isinstance(o, nn.ConstantOp))
    round_weights_module(module, [x])
    scales = scale_array(get_annotation(weights.result, QPARAMS), original.shape)
    steps = weights_of(module) / scales
    q = np.rint(steps)
    assert np.abs(steps - q).max() < 1e-4
    assert not np.array_equal(q, quantize(original, scales, 0, 8, narrow=True))
    run_pipeline(module, "requantize")
    integers = next(o for o in module.walk() if isinstance(o, qnn.ConstantOp))
    assert np.array_equal(dense_to_numpy(integers.value), q)


def test_best_fit_scales_hold_the_weights_better() -> None:
    """Per channel, nearest rounding on the best-fit grid leaves at most the error of the
    max |w| / qmax grid (one of its candidates), and less in total on few-tap channels."""
    w = np.random.default_rng(2).standard_normal((9, 12))
    errors = {}
    largest = per_channel_symmetric_scales(w, 1, 8)
    for name, scales in (("max", largest), ("fit", best_fit_scales(w, largest, 1, 8))):
        errors[name] = np.sum((w - scales * quantize(w, scales, 0, 8, narrow=True)) ** 2, axis=0)
    assert np.all(errors["fit"] <= errors["max"] + 1e-18)
    assert errors["fit"].sum() < 0.8 * errors["max"].sum()


def test_each_channel_keeps_the_grid_with_less_output_error() -> None:
    rng = np.random.default_rng(4)
    fan_in, outputs = 8, 5
    x = rng.standard_normal((256, fan_in + 1)) @ rng.standard_normal((fan_in + 1, fan_in + 1))
    x[:, -1] = 1.0
    hessian = damped((x.T @ x / len(x))[None])
    w = rng.standard_normal((1, fan_in + 1, outputs))
    grids = [np.full((1, fan_in, outputs), 0.05), np.full((1, fan_in, outputs), 0.0502)]
    errors = [round_weights.output_error(w, *gptq(w, g, hessian, 8), g, hessian) for g in grids]
    q, bias, scales = gptq_on_best_grid(w, grids, hessian, 8)
    assert np.allclose(round_weights.output_error(w, q, bias, scales, hessian), np.minimum(*errors))
    assert {0.05, 0.0502} == set(np.unique(scales[0, 0]))


def test_bias_grid_follows_the_chosen_weight_grid() -> None:
    """The bias's scales stay scale(input) * scale(weights) per channel (a contract of dense and
    convolutions), whichever grid each channel took."""
    rng = np.random.default_rng(6)
    module = layer_module("depthwise_conv2d", rng)
    x = correlated_inputs(LAYERS["depthwise_conv2d"][1], 256, rng)
    calibrate_module(module, [x])
    run_pipeline(module, "propagate-contracts{mode=16x8}")
    op = next(o for o in module.walk() if isinstance(o, nn.DepthwiseConvolutionOp))
    before = get_annotation(op.weights, QPARAMS).scale_values
    round_weights_module(module, [x])
    after = np.asarray(get_annotation(op.weights, QPARAMS).scale_values)
    assert not np.allclose(after, before)
    x_scale = get_annotation(op.input, QPARAMS).scale
    assert np.allclose(get_annotation(op.bias, QPARAMS).scale_values, after * x_scale, rtol=1e-12)


@pytest.mark.parametrize("kind", ["dense", "conv2d"])
def test_dense_and_conv_keep_the_given_grid(kind: str) -> None:
    """Only depthwise channels may move to their best-fit step (see round_weights_module)."""
    rng = np.random.default_rng(8)
    module = layer_module(kind, rng)
    x = correlated_inputs(LAYERS[kind][1], 256, rng)
    calibrate_module(module, [x])
    run_pipeline(module, "propagate-contracts{mode=16x8}")
    op = next(o for o in module.walk() if isinstance(o, (nn.DenseOp, nn.ConvolutionOp)))
    before = get_annotation(op.weights, QPARAMS)
    round_weights_module(module, [x])
    assert get_annotation(op.weights, QPARAMS) == before


def test_per_tensor_grid() -> None:
    """One scale for the whole tensor: every weight lands on it, with less error than nearest."""
    rng = np.random.default_rng(5)
    reference = layer_module("dense", rng)
    calibration, held_out = np.split(correlated_inputs(LAYERS["dense"][1], 1280, rng), [1024])
    module = reference.clone()
    weights = next(o for o in module.walk() if isinstance(o, nn.ConstantOp))
    set_annotation(weights.result, QPARAMS, QParamsAttr(1 / 64, 0, 8))
    nearest = nearest_copy(module)
    round_weights_module(module, [calibration])
    steps = weights_of(module) * 64
    assert np.array_equal(steps, np.rint(steps))
    gptq = output_error(module, reference, held_out)
    assert gptq < 0.9 * output_error(nearest, reference, held_out)


@pytest.mark.parametrize(
    ("bits", "flag", "expected"),
    [("16x8", [], "gptq"), ("8", [], "nearest"), ("8", ["--weight-rounding", "gptq"], "gptq")],
)
def test_cli_weight_rounding(bits: str, flag: list[str], expected: str, tmp_path) -> None:
    """`--weight-rounding` picks the rounding; without it, the mode's default (report.json)."""
    out = tmp_path / "out"
    args = ["compile", str(IRIS / "model.keras"), "--calibration", str(IRIS / "calibration.npz")]
    assert main([*args, "--bits", bits, *flag, "-o", str(out)]) == 0
    assert json.loads((out / "report.json").read_text())["weight_rounding"] == expected
