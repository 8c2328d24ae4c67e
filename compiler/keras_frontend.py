"""Keras 3 models (`.keras`, `.h5` or in memory) into the `nn` dialect.

The model becomes `func.func @main` with one argument per model input (batch size 1) and one
result per output. Each supported layer becomes the `nn` op(s) of the same math, tagged with
`layer = "<keras name>"` so reports point at layers the user knows; a layer's `activation`
becomes its own op (`nn-decompose` fuses the clamps later). Anything that would change the
math and has no `nn` form is rejected with one error naming the layer and the option.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BoolAttr,
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f64,
    i64,
)
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint

from qtc.compiler.errors import QtcError, UsageError
from qtc.dialects import nn
from qtc.dialects.dense import dense_from_numpy, tensor_type
from qtc.dialects.shapes import window_output_shape

# Keep TensorFlow's start-up log lines off the user's terminal (oneDNN's notice included).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

LAYER_ATTR = "layer"
"""Discardable attribute naming the Keras layer an op comes from."""

IGNORED_AT_INFERENCE = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise",
                        "GaussianDropout", "AlphaDropout", "ActivityRegularization")

ACTIVATION_OPS: dict[str, type[nn.NNOp] | None] = {
    "linear": None,
    "relu": nn.ReluOp,
    "relu6": nn.Relu6Op,
    "tanh": nn.TanhOp,
    "sigmoid": nn.SigmoidOp,
    "softmax": nn.SoftmaxOp,
}


def load_keras_model(path: str):
    """Load a `.keras` or `.h5` file without its training configuration."""
    if not os.path.isfile(path):
        raise QtcError(f"{path}: model file not found")
    if os.path.getsize(path) == 0:
        raise QtcError(f"{path}: the model file is empty")
    if not path.endswith((".keras", ".h5", ".hdf5")):
        raise UsageError(f"{path}: expected a Keras model file ending in .keras or .h5")
    import keras

    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # Keras raises many types for malformed files
        raise QtcError(
            f"{path}: not a loadable Keras 3 model ({type(e).__name__}: {str(e).splitlines()[0]}); "
            "save it with model.save('model.keras')"
        ) from e


def _shape(keras_tensor) -> list[int]:
    """A Keras symbolic shape with the batch dimension fixed to 1."""
    shape = list(keras_tensor.shape)
    if any(d is None for d in shape[1:]):
        raise UsageError(
            f"input '{keras_tensor.name}' has a dynamic dimension {tuple(keras_tensor.shape)}: "
            "give the model a fixed input shape (keras.Input(shape=(...)))"
        )
    return [1 if shape[0] is None else int(shape[0]), *(int(d) for d in shape[1:])]


def _ints(values, count: int) -> DenseArrayBase:
    values = [int(v) for v in (values if isinstance(values, (tuple, list)) else [values] * count)]
    return DenseArrayBase.from_list(i64, values)


class KerasImporter:
    """Walks a Keras functional graph in topological order and builds `nn` ops."""

    def __init__(self, model, source: str):
        self.model = getattr(model, "_functional", None) or model
        self.source = source
        self.values: dict[tuple[int, int, int], SSAValue] = {}
        self.builder: Builder
        self.layer_name = ""

    # -- errors -------------------------------------------------------------------------
    def unsupported(self, layer, what: str) -> UsageError:
        return UsageError(
            f"{self.source}: layer '{layer.name}' ({type(layer).__name__}) {what}"
        )

    def require(self, layer, config: dict, key: str, allowed: Sequence) -> None:
        """Reject a configuration value that changes the math and that qtc cannot express."""
        if config.get(key) not in allowed:
            shown = " or ".join(repr(a) for a in allowed)
            raise self.unsupported(
                layer, f"option {key}={config.get(key)!r} is not supported (qtc supports {shown})"
            )

    # -- building -----------------------------------------------------------------------
    def emit(self, op: Operation, role: str = "") -> SSAValue:
        op.attributes[LAYER_ATTR] = StringAttr(self.layer_name)
        self.builder.insert(op)
        hint = "_".join(p for p in (self.layer_name, role) if p)
        for r in op.results:
            r.name_hint = hint
        return op.results[0]

    def constant(self, array: np.ndarray, role: str) -> SSAValue:
        """A weight of the current layer; `role` (kernel, bias, ...) names it in the IR."""
        return self.emit(nn.ConstantOp(dense_from_numpy(np.asarray(array, np.float32))), role)

    def op(self, cls: type[nn.NNOp], operands: Sequence, shape: Sequence[int], **props) -> SSAValue:
        """A new `cls` op (a variadic operand is given as one list) with an f32 result."""
        return self.emit(
            cls(
                operands=list(operands),
                result_types=[tensor_type(shape, Float32Type())],
                properties={k: v for k, v in props.items() if v is not None},
            )
        )

    def activation(self, layer, name: str, value: SSAValue) -> SSAValue:
        if name not in ACTIVATION_OPS:
            raise self.unsupported(
                layer,
                f"uses activation '{name}', which is not supported "
                f"(supported: {', '.join(ACTIVATION_OPS)})",
            )
        cls = ACTIVATION_OPS[name]
        if cls is None:
            return value
        assert isinstance(value.type, TensorType)
        return self.op(cls, [value], value.type.get_shape())

    # -- graph walk ---------------------------------------------------------------------
    def import_model(self) -> ModuleOp:
        model = self.model
        inputs = list(model.inputs)
        arg_types = [tensor_type(_shape(t), Float32Type()) for t in inputs]
        block = Block(arg_types=arg_types)
        self.builder = Builder(InsertPoint.at_end(block))
        for t, arg in zip(inputs, block.args):
            op, node, index = t._keras_history
            self.values[(id(op), node, index)] = arg
            arg.name_hint = op.name
        for layer in model.operations:
            for node_index, node in enumerate(layer._inbound_nodes):
                if not node.input_tensors and not node.arguments.keras_tensors:
                    continue  # an InputLayer's node
                self.import_node(layer, node_index, node)
        results = [self.values[self.key(t)] for t in model.outputs]
        self.builder.insert(func.ReturnOp(*results))
        main = func.FuncOp("main", ([*arg_types], [r.type for r in results]), Region(block))
        return ModuleOp([main])

    @staticmethod
    def key(keras_tensor) -> tuple[int, int, int]:
        op, node, index = keras_tensor._keras_history
        return id(op), node, index

    def import_node(self, layer, node_index: int, node) -> None:
        kind = type(layer).__name__
        self.layer_name = layer.name if node_index == 0 else f"{layer.name}_{node_index}"
        try:
            operands = [self.values[self.key(t)] for t in node.input_tensors]
        except KeyError:
            raise self.unsupported(layer, "is fed by a tensor outside the model graph") from None
        outputs = list(node.output_tensors)
        if kind in IGNORED_AT_INFERENCE:
            result = operands[0]
        else:
            converter = CONVERTERS.get(kind)
            if converter is None:
                raise self.unsupported(
                    layer, f"is not supported. Supported layers: {', '.join(supported_layers())}"
                )
            if len(outputs) != 1:
                raise self.unsupported(layer, "returns several tensors, which is not supported")
            result = converter(self, layer, layer.get_config(), operands, _shape(outputs[0]))
        self.values[self.key(outputs[0])] = result


Converter = Callable[[KerasImporter, object, dict, list[SSAValue], list[int]], SSAValue]
CONVERTERS: dict[str, Converter] = {}


def converts(*kinds: str):
    def register(fn: Converter) -> Converter:
        for kind in kinds:
            CONVERTERS[kind] = fn
        return fn

    return register


def supported_layers() -> list[str]:
    return sorted([*CONVERTERS, *IGNORED_AT_INFERENCE, "InputLayer"])


def _bias(layer, units: int, config: dict) -> np.ndarray:
    return layer.bias.numpy() if config.get("use_bias", True) else np.zeros(units, np.float32)


def _check_channels_last(imp: KerasImporter, layer, config: dict) -> None:
    if "data_format" in config:
        imp.require(layer, config, "data_format", ["channels_last"])


@converts("Dense")
def _dense(imp, layer, config, operands, shape):
    kernel = layer.kernel.numpy()
    out = imp.op(
        nn.DenseOp,
        [operands[0], imp.constant(kernel, "kernel"), imp.constant(_bias(layer, kernel.shape[1], config), "bias")],
        shape,
    )
    return imp.activation(layer, config["activation"], out)


def _window_props(imp, layer, config, rank: int) -> dict:
    _check_channels_last(imp, layer, config)
    imp.require(layer, config, "padding", ["valid", "same"])
    return {
        "strides": _ints(config["strides"], rank),
        "padding": StringAttr(config["padding"]),
        "dilations": _ints(config.get("dilation_rate", 1), rank),
    }


@converts("Conv1D", "Conv2D")
def _conv(imp, layer, config, operands, shape):
    rank = len(config["kernel_size"])
    imp.require(layer, config, "groups", [1])
    kernel = layer.kernel.numpy()
    cls = nn.Conv1DOp if rank == 1 else nn.Conv2DOp
    out = imp.op(
        cls,
        [operands[0], imp.constant(kernel, "kernel"), imp.constant(_bias(layer, kernel.shape[-1], config), "bias")],
        shape,
        **_window_props(imp, layer, config, rank),
    )
    return imp.activation(layer, config["activation"], out)


def _depthwise(imp, x: SSAValue, kernel: np.ndarray, bias: np.ndarray, props: dict) -> SSAValue:
    rank = kernel.ndim - 2
    assert isinstance(x.type, TensorType)
    in_shape = list(x.type.get_shape())
    spatial = window_output_shape(
        in_shape[1:-1],
        kernel.shape[:rank],
        props["strides"].get_values(),
        props["dilations"].get_values(),
        props["padding"].data,
    )
    cls = nn.DepthwiseConv1DOp if rank == 1 else nn.DepthwiseConv2DOp
    shape = [in_shape[0], *spatial, kernel.shape[-2] * kernel.shape[-1]]
    return imp.op(cls, [x, imp.constant(kernel, "depthwise_kernel"), imp.constant(bias, "depthwise_bias")], shape, **props)


@converts("DepthwiseConv1D", "DepthwiseConv2D")
def _depthwise_conv(imp, layer, config, operands, shape):
    rank = len(config["kernel_size"])
    kernel = layer.kernel.numpy()
    bias = _bias(layer, kernel.shape[-2] * kernel.shape[-1], config)
    out = _depthwise(imp, operands[0], kernel, bias, _window_props(imp, layer, config, rank))
    return imp.activation(layer, config["activation"], out)


@converts("SeparableConv1D", "SeparableConv2D")
def _separable_conv(imp, layer, config, operands, shape):
    """Depthwise (no bias) then a pointwise 1x1 convolution carrying the bias."""
    rank = len(config["kernel_size"])
    depthwise = layer.depthwise_kernel.numpy()
    pointwise = layer.pointwise_kernel.numpy()
    mid_channels = depthwise.shape[-2] * depthwise.shape[-1]
    mid = _depthwise(
        imp, operands[0], depthwise, np.zeros(mid_channels, np.float32),
        _window_props(imp, layer, config, rank),
    )
    ones = {"strides": _ints(1, rank), "padding": StringAttr("valid"), "dilations": _ints(1, rank)}
    cls = nn.Conv1DOp if rank == 1 else nn.Conv2DOp
    out = imp.op(
        cls,
        [mid, imp.constant(pointwise, "pointwise_kernel"), imp.constant(_bias(layer, pointwise.shape[-1], config), "bias")],
        shape,
        **ones,
    )
    return imp.activation(layer, config["activation"], out)


@converts("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D")
def _pool(imp, layer, config, operands, shape):
    _check_channels_last(imp, layer, config)
    imp.require(layer, config, "padding", ["valid", "same"])
    rank = len(config["pool_size"])
    strides = config["strides"] if config["strides"] is not None else config["pool_size"]
    cls = {
        ("Max", 1): nn.MaxPool1DOp, ("Max", 2): nn.MaxPool2DOp,
        ("Average", 1): nn.AvgPool1DOp, ("Average", 2): nn.AvgPool2DOp,
    }[(type(layer).__name__.split("Pooling")[0], rank)]
    return imp.op(
        cls, operands, shape,
        pool_size=_ints(config["pool_size"], rank),
        strides=_ints(strides, rank),
        padding=StringAttr(config["padding"]),
    )


@converts("GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D")
def _global_pool(imp, layer, config, operands, shape):
    _check_channels_last(imp, layer, config)
    cls = nn.GlobalAvgPoolOp if "Average" in type(layer).__name__ else nn.GlobalMaxPoolOp
    pooled = imp.op(cls, operands, [shape[0], shape[-1]])
    if config.get("keepdims"):
        return imp.op(nn.ReshapeOp, [pooled], shape)
    return pooled


@converts("BatchNormalization")
def _batch_norm(imp, layer, config, operands, shape):
    imp.require(layer, config, "renorm", [False])
    axis = config["axis"]
    axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
    if not isinstance(axis, int):
        raise imp.unsupported(layer, f"normalises over several axes {axis}, which is not supported")
    channels = shape[axis]
    gamma = layer.gamma.numpy() if config["scale"] else np.ones(channels, np.float32)
    beta = layer.beta.numpy() if config["center"] else np.zeros(channels, np.float32)
    params = {"gamma": gamma, "beta": beta, "mean": layer.moving_mean.numpy(),
              "variance": layer.moving_variance.numpy()}
    return imp.op(
        nn.BatchNormOp,
        [operands[0], *(imp.constant(p, role) for role, p in params.items())],
        shape,
        epsilon=FloatAttr(float(config["epsilon"]), f64),
        axis=IntegerAttr(axis, i64),
    )


@converts("Activation")
def _activation(imp, layer, config, operands, shape):
    return imp.activation(layer, config["activation"], operands[0])


@converts("ReLU")
def _relu(imp, layer, config, operands, shape):
    if config.get("negative_slope", 0.0) != 0.0 or config.get("threshold", 0.0) != 0.0:
        raise imp.unsupported(layer, "has a negative slope or threshold, which is not supported")
    max_value = config.get("max_value")
    if max_value is None:
        return imp.op(nn.ReluOp, operands, shape)
    if float(max_value) == 6.0:
        return imp.op(nn.Relu6Op, operands, shape)
    raise imp.unsupported(layer, f"option max_value={max_value} is not supported (qtc supports None or 6)")


@converts("Softmax")
def _softmax(imp, layer, config, operands, shape):
    axis = config.get("axis", -1)
    if not isinstance(axis, int):
        raise imp.unsupported(layer, f"normalises over several axes {axis}, which is not supported")
    return imp.op(nn.SoftmaxOp, operands, shape, axis=IntegerAttr(axis, i64))


@converts("Add", "Subtract", "Multiply")
def _merge(imp, layer, config, operands, shape):
    cls = {"Add": nn.AddOp, "Subtract": nn.SubOp, "Multiply": nn.MulOp}[type(layer).__name__]
    for x in operands:
        assert isinstance(x.type, TensorType)
        if list(x.type.get_shape()) != shape:
            raise imp.unsupported(
                layer, f"broadcasts an input of shape {list(x.type.get_shape())} to {shape}, "
                "which is not supported: give every input the same shape"
            )
    result = operands[0]
    for rhs in operands[1:]:
        result = imp.op(cls, [result, rhs], shape)
    return result


@converts("Concatenate")
def _concat(imp, layer, config, operands, shape):
    return imp.op(nn.ConcatOp, [operands], shape, axis=IntegerAttr(config["axis"], i64))


@converts("Reshape", "Flatten")
def _reshape(imp, layer, config, operands, shape):
    _check_channels_last(imp, layer, config)
    return imp.op(nn.ReshapeOp, operands, shape)


@converts("ZeroPadding1D", "ZeroPadding2D")
def _zero_padding(imp, layer, config, operands, shape):
    _check_channels_last(imp, layer, config)
    padding = config["padding"]
    pairs = [padding] if isinstance(padding[0], int) else list(padding)
    flat = [0, 0] + [int(v) for pair in pairs for v in pair] + [0, 0]
    return imp.op(nn.PadOp, operands, shape, padding=DenseArrayBase.from_list(i64, flat))


def _recurrent_props(imp, layer, config) -> dict:
    for key in ("return_state", "go_backwards", "stateful"):
        imp.require(layer, config, key, [False])
    for key in ("activation", "recurrent_activation"):
        imp.require(layer, config, key, list(nn.RECURRENT_ACTIVATIONS))
    return {
        "units": IntegerAttr(config["units"], i64),
        "return_sequences": BoolAttr.from_bool(bool(config["return_sequences"])),
        "activation": StringAttr(config["activation"]),
        "recurrent_activation": StringAttr(config["recurrent_activation"]),
    }


def _recurrent_weights(imp, layer, config, bias_shape: Sequence[int]) -> list[SSAValue]:
    cell = layer.cell
    bias = cell.bias.numpy() if config["use_bias"] else np.zeros(bias_shape, np.float32)
    return [
        imp.constant(cell.kernel.numpy(), "kernel"),
        imp.constant(cell.recurrent_kernel.numpy(), "recurrent_kernel"),
        imp.constant(bias.reshape(bias_shape), "bias"),
    ]


@converts("LSTM")
def _lstm(imp, layer, config, operands, shape):
    props = _recurrent_props(imp, layer, config)
    weights = _recurrent_weights(imp, layer, config, [4 * config["units"]])
    return imp.op(nn.LSTMOp, [operands[0], *weights], shape, **props)


@converts("GRU")
def _gru(imp, layer, config, operands, shape):
    props = _recurrent_props(imp, layer, config)
    reset_after = bool(config["reset_after"])
    units = config["units"]
    weights = _recurrent_weights(imp, layer, config, [2, 3 * units] if reset_after else [3 * units])
    return imp.op(
        nn.GRUOp,
        [operands[0], *weights],
        shape,
        reset_after=BoolAttr.from_bool(reset_after),
        **props,
    )


def import_keras(model_or_path, source: str | None = None) -> ModuleOp:
    """A Keras model (object or file path) as an `nn` module with `func.func @main`."""
    if isinstance(model_or_path, (str, os.PathLike)):
        source = str(model_or_path)
        model = load_keras_model(source)
    else:
        model = model_or_path
        source = source or f"model '{model.name}'"
    if not hasattr(model, "inputs") or model.inputs is None:
        raise UsageError(f"{source}: the model is not built; call it on data or give it keras.Input")
    module = KerasImporter(model, source).import_model()
    module.verify()
    return module
