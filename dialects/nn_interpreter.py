"""Numpy implementations of the `nn` ops for xDSL's interpreter: the float reference.

Values are float32 numpy arrays. Each op computes in float64 and rounds its result to float32
once, so the reference is at least as accurate as Keras' float32 kernels it is tested against.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.interpreters.func import FuncFunctions

from qtc.dialects import array_kernels, dsp, nn
from qtc.dialects.dense import dense_to_numpy, dense_view


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, written with tanh so it cannot overflow."""
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 6.0)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


FUSED_ACTIVATIONS: dict[str | None, Callable[[np.ndarray], np.ndarray]] = {
    None: lambda x: x,
    "relu": relu,
    "relu6": relu6,
}
"""The clamp of `nn.FUSED_ACTIVATIONS` by name (None: linear)."""

RECURRENT_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "hard_sigmoid": lambda x: relu6(x + 3.0) / 6.0,  # Keras 3's definition
    "linear": lambda x: x,
}
"""The functions of `nn.RECURRENT_ACTIVATIONS` by Keras name."""


def _f64(value: np.ndarray) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def _f32(value: np.ndarray) -> PythonValues:
    """The single result of an op, rounded to float32."""
    return (np.asarray(value, dtype=np.float32),)


def _fused(op: nn.FusedActivationOp, value: np.ndarray) -> PythonValues:
    """`value` after `op`'s fused activation, as the op's result."""
    name = op.activation.data if op.activation is not None else None
    return _f32(FUSED_ACTIVATIONS[name](value))


def _convolution(
    op: nn.ConvolutionOp, args: PythonValues, kernel: Callable[..., np.ndarray]
) -> PythonValues:
    """A convolution with the shared `kernel` (array_kernels.conv or depthwise_conv)."""
    x, w, b = map(_f64, args)
    strides, dilations = op.strides.get_values(), op.dilations.get_values()
    return _fused(op, kernel(x, w, strides, dilations, op.padding.data) + b)


def _max_pool(op: nn.PoolOp, x: np.ndarray) -> PythonValues:
    pool, strides = op.pool_size.get_values(), op.strides.get_values()
    return _f32(array_kernels.max_pool(x, pool, strides, op.padding.data))


def _avg_pool(op: nn.PoolOp, x: np.ndarray) -> PythonValues:
    total, counts = array_kernels.pool_sum(
        _f64(x), op.pool_size.get_values(), op.strides.get_values(), op.padding.data
    )
    return _f32(total / counts[None, ..., None])


def _spatial_axes(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(1, x.ndim - 1))


def _recurrent_functions(op: nn.RecurrentOp):
    """(activation, recurrent activation) of a recurrent op."""
    return (
        RECURRENT_ACTIVATIONS[op.activation.data],
        RECURRENT_ACTIVATIONS[op.recurrent_activation.data],
    )


def _sequence_result(op: nn.RecurrentOp, states: list[np.ndarray]) -> PythonValues:
    return _f32(np.stack(states, axis=1) if op.return_sequences.value.data else states[-1])


def lstm_states(
    op: nn.LSTMOp, x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Keras' LSTM: z = x K + h R + b split into gates i, f, c, o; the hidden and the cell state
    [N, units] after each step (float64)."""
    act, recurrent_act = _recurrent_functions(op)
    projected = _f64(x) @ kernel + bias
    units = recurrent_kernel.shape[0]
    h = c = np.zeros((x.shape[0], units))
    hidden, cell = [], []
    for t in range(x.shape[1]):
        z = projected[:, t] + h @ recurrent_kernel
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c = recurrent_act(f) * c + recurrent_act(i) * act(g)
        h = recurrent_act(o) * act(c)
        hidden.append(h)
        cell.append(c)
    return hidden, cell


def lstm(
    op: nn.LSTMOp, x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> PythonValues:
    """Keras' LSTM (`lstm_states`), its result."""
    return _sequence_result(op, lstm_states(op, x, kernel, recurrent_kernel, bias)[0])


def gru(
    op: nn.GRUOp, x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> PythonValues:
    """Keras' GRU: gates z, r and candidate hh; h' = z h + (1 - z) hh.

    With reset_after the reset gate scales the recurrent projection (which has its own bias),
    otherwise it scales the state before the projection.
    """
    act, recurrent_act = _recurrent_functions(op)
    reset_after = bool(op.reset_after.value.data)
    input_bias, recurrent_bias = bias if reset_after else (bias, None)
    units = recurrent_kernel.shape[0]
    projected = x @ kernel + input_bias
    h = np.zeros((x.shape[0], units))
    states = []
    for t in range(x.shape[1]):
        x_z, x_r, x_h = np.split(projected[:, t], 3, axis=-1)
        if reset_after:
            h_z, h_r, h_h = np.split(h @ recurrent_kernel + recurrent_bias, 3, axis=-1)
        else:
            h_z, h_r = np.split(h @ recurrent_kernel[:, : 2 * units], 2, axis=-1)
        z, r = recurrent_act(x_z + h_z), recurrent_act(x_r + h_r)
        if reset_after:
            candidate = act(x_h + r * h_h)
        else:
            candidate = act(x_h + (r * h) @ recurrent_kernel[:, 2 * units :])
        h = z * h + (1.0 - z) * candidate
        states.append(h)
    return _sequence_result(op, states)


@register_impls
class NNFunctions(InterpreterFunctions):
    """The float reference semantics of every `nn` op."""

    @impl(nn.ConstantOp)
    def run_constant(
        self, interpreter: Interpreter, op: nn.ConstantOp, args: PythonValues
    ) -> PythonValues:
        return (dense_view(op.value),)

    @impl(nn.DenseOp)
    def run_dense(
        self, interpreter: Interpreter, op: nn.DenseOp, args: PythonValues
    ) -> PythonValues:
        x, w, b = map(_f64, args)
        return _fused(op, x @ w + b)

    @impl(nn.Conv1DOp)
    def run_conv1d(
        self, interpreter: Interpreter, op: nn.Conv1DOp, args: PythonValues
    ) -> PythonValues:
        return _convolution(op, args, array_kernels.conv)

    @impl(nn.Conv2DOp)
    def run_conv2d(
        self, interpreter: Interpreter, op: nn.Conv2DOp, args: PythonValues
    ) -> PythonValues:
        return _convolution(op, args, array_kernels.conv)

    @impl(nn.DepthwiseConv1DOp)
    def run_depthwise_conv1d(
        self, interpreter: Interpreter, op: nn.DepthwiseConv1DOp, args: PythonValues
    ) -> PythonValues:
        return _convolution(op, args, array_kernels.depthwise_conv)

    @impl(nn.DepthwiseConv2DOp)
    def run_depthwise_conv2d(
        self, interpreter: Interpreter, op: nn.DepthwiseConv2DOp, args: PythonValues
    ) -> PythonValues:
        return _convolution(op, args, array_kernels.depthwise_conv)

    @impl(nn.MaxPool1DOp)
    def run_max_pool1d(
        self, interpreter: Interpreter, op: nn.MaxPool1DOp, args: PythonValues
    ) -> PythonValues:
        return _max_pool(op, args[0])

    @impl(nn.MaxPool2DOp)
    def run_max_pool2d(
        self, interpreter: Interpreter, op: nn.MaxPool2DOp, args: PythonValues
    ) -> PythonValues:
        return _max_pool(op, args[0])

    @impl(nn.AvgPool1DOp)
    def run_avg_pool1d(
        self, interpreter: Interpreter, op: nn.AvgPool1DOp, args: PythonValues
    ) -> PythonValues:
        return _avg_pool(op, args[0])

    @impl(nn.AvgPool2DOp)
    def run_avg_pool2d(
        self, interpreter: Interpreter, op: nn.AvgPool2DOp, args: PythonValues
    ) -> PythonValues:
        return _avg_pool(op, args[0])

    @impl(nn.GlobalAvgPoolOp)
    def run_global_avg_pool(
        self, interpreter: Interpreter, op: nn.GlobalAvgPoolOp, args: PythonValues
    ) -> PythonValues:
        x = _f64(args[0])
        return _f32(x.mean(axis=_spatial_axes(x)))

    @impl(nn.GlobalMaxPoolOp)
    def run_global_max_pool(
        self, interpreter: Interpreter, op: nn.GlobalMaxPoolOp, args: PythonValues
    ) -> PythonValues:
        x = args[0]
        return _f32(x.max(axis=_spatial_axes(x)))

    @impl(nn.AddOp)
    def run_add(
        self, interpreter: Interpreter, op: nn.AddOp, args: PythonValues
    ) -> PythonValues:
        lhs, rhs = map(_f64, args)
        return _fused(op, lhs + rhs)

    @impl(nn.SubOp)
    def run_sub(
        self, interpreter: Interpreter, op: nn.SubOp, args: PythonValues
    ) -> PythonValues:
        lhs, rhs = map(_f64, args)
        return _fused(op, lhs - rhs)

    @impl(nn.MulOp)
    def run_mul(
        self, interpreter: Interpreter, op: nn.MulOp, args: PythonValues
    ) -> PythonValues:
        lhs, rhs = map(_f64, args)
        return _fused(op, lhs * rhs)

    @impl(nn.ConcatOp)
    def run_concat(
        self, interpreter: Interpreter, op: nn.ConcatOp, args: PythonValues
    ) -> PythonValues:
        return _f32(np.concatenate(args, axis=op.axis.value.data))

    @impl(nn.ReshapeOp)
    def run_reshape(
        self, interpreter: Interpreter, op: nn.ReshapeOp, args: PythonValues
    ) -> PythonValues:
        return _f32(np.reshape(args[0], nn.shape_of(op.result)))

    @impl(nn.PadOp)
    def run_pad(
        self, interpreter: Interpreter, op: nn.PadOp, args: PythonValues
    ) -> PythonValues:
        return _f32(array_kernels.explicit_pad(args[0], op.padding.get_values(), 0.0))

    def _run_normalize(
        self, interpreter: Interpreter, op: nn.NormalizeBase, args: PythonValues
    ) -> PythonValues:
        return _f32(dsp.normalize_f64(args[0], op.mean.get_values(), op.std.get_values()))

    run_normalize = impl(nn.NormalizeOp)(_run_normalize)
    run_normalize_raw = impl(nn.NormalizeRawOp)(_run_normalize)

    @impl(nn.SpectrumOp)
    def run_spectrum(
        self, interpreter: Interpreter, op: nn.SpectrumOp, args: PythonValues
    ) -> PythonValues:
        mel = dense_to_numpy(op.mel) if op.mel is not None else None
        return _f32(
            dsp.spectrum_f64(
                args[0], op.size.value.data, op.window.data, op.output.data,
                op.epsilon.value.data, mel,
            )
        )

    @impl(nn.ReluOp)
    def run_relu(
        self, interpreter: Interpreter, op: nn.ReluOp, args: PythonValues
    ) -> PythonValues:
        return _f32(relu(args[0]))

    @impl(nn.Relu6Op)
    def run_relu6(
        self, interpreter: Interpreter, op: nn.Relu6Op, args: PythonValues
    ) -> PythonValues:
        return _f32(relu6(args[0]))

    @impl(nn.TanhOp)
    def run_tanh(
        self, interpreter: Interpreter, op: nn.TanhOp, args: PythonValues
    ) -> PythonValues:
        return _f32(np.tanh(_f64(args[0])))

    @impl(nn.SigmoidOp)
    def run_sigmoid(
        self, interpreter: Interpreter, op: nn.SigmoidOp, args: PythonValues
    ) -> PythonValues:
        return _f32(sigmoid(_f64(args[0])))

    @impl(nn.SoftmaxOp)
    def run_softmax(
        self, interpreter: Interpreter, op: nn.SoftmaxOp, args: PythonValues
    ) -> PythonValues:
        x = _f64(args[0])
        axis = op.axis.value.data
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return _f32(e / e.sum(axis=axis, keepdims=True))

    @impl(nn.BatchNormOp)
    def run_batch_norm(
        self, interpreter: Interpreter, op: nn.BatchNormOp, args: PythonValues
    ) -> PythonValues:
        x, gamma, beta, mean, variance = map(_f64, args)
        # Put the channel parameters on `axis` so they broadcast against x.
        channel_shape = [1] * x.ndim
        channel_shape[op.axis.value.data] = -1
        scale = (gamma / np.sqrt(variance + op.epsilon.value.data)).reshape(channel_shape)
        return _f32((x - mean.reshape(channel_shape)) * scale + beta.reshape(channel_shape))

    @impl(nn.LSTMOp)
    def run_lstm(
        self, interpreter: Interpreter, op: nn.LSTMOp, args: PythonValues
    ) -> PythonValues:
        return lstm(op, *map(_f64, args))

    @impl(nn.GRUOp)
    def run_gru(
        self, interpreter: Interpreter, op: nn.GRUOp, args: PythonValues
    ) -> PythonValues:
        return gru(op, *map(_f64, args))


def run_nn(module: ModuleOp, *inputs: np.ndarray, name: str = "main") -> PythonValues:
    """Call function `name` of a module of `func` and `nn` ops on numpy inputs."""
    interpreter = Interpreter(module)
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(NNFunctions())
    return interpreter.call_op(name, inputs)
