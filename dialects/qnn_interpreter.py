"""The exact integer reference of the `qnn` dialect (xDSL interpreter functions on numpy arrays).

Values are numpy arrays of the result's dtype (int8/int16/int32, float32 after dequantize).
Computation is int64 with explicit int32 wraps where the C computes in int32, so the generated
C can be compared with this bit for bit. The arithmetic is `qtc.dialects.fixedpoint`'s; window
loops are `qtc.dialects.array_kernels` on int64 arrays whose zero point is already subtracted
(padding with 0 is then padding with the zero point).
"""

from __future__ import annotations

import numpy as np
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls

from qtc.dialects import array_kernels, dsp, qnn
from qtc.dialects.dense import dense_to_numpy, numpy_dtype
from qtc.dialects.fixedpoint import (
    INT64_ACC_LIMIT,
    MULTIPLY_BY_ROUNDING,
    SOFTMAX_ACCUMULATION_INTEGER_BITS,
    SOFTMAX_DIFF_INTEGER_BITS,
    count_leading_zeros32,
    exp_on_negative_values,
    get_reciprocal,
    lut_int8_lookup,
    lut_int16_lookup,
    requantize_accumulator,
    round_half_away,
    rounding_divide,
    rounding_divide_by_pot,
    saturate,
    saturating_rounding_doubling_high_mul,
    wrap,
)
from qtc.dialects.qtc_attrs import storage_range


def _int64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def _output_dtype(op) -> np.dtype:
    return numpy_dtype(op.result.type.get_element_type())


def _clamped(op: qnn.ClampedOp, y: np.ndarray) -> np.ndarray:
    """The op's clamp, then its result dtype."""
    lo, hi = op.clamp_range()
    return np.clip(y, lo, hi).astype(_output_dtype(op))


def _along(values, axis: int, ndim: int) -> np.ndarray:
    """Per-channel constants shaped to broadcast along `axis` of an ndim array (1: per tensor)."""
    values = _int64(values)
    shape = [1] * ndim
    shape[axis] = values.size
    return values.reshape(shape) if values.size > 1 else values.reshape(())


def _rescaled(op: qnn.RescaledOp, acc: np.ndarray, axis: int = -1) -> np.ndarray:
    """`clamp(MBQM(acc, m[c], s[c]) + output_zero_point)`: the op's rounding and accumulator."""
    multiplier = _along(op.multipliers(), axis, acc.ndim)
    shift = _along(op.shifts(), axis, acc.ndim)
    y = requantize_accumulator(acc, multiplier, shift, op.rounding.data, op.accumulator_bits())
    return _clamped(op, wrap(y + op.output_zero_point.value.data, 32))


def _accumulate(op: qnn._AccumulatingOp, x, weights, bias, product) -> np.ndarray:
    """`bias + product(x - z_in, w)` in the accumulator width, then the per-channel rescale."""
    centered = _int64(x) - op.input_zero_point.value.data
    acc = wrap(product(centered, _int64(weights)) + _int64(bias), op.accumulator_bits())
    return _rescaled(op, acc)


def softmax_int8(
    x, multiplier: int, left_shift: int, diff_min: int, rounding: str = "double"
) -> np.ndarray:
    """TFLM `reference_ops::Softmax` (int8 in and out) over the last axis.

    Q5.26 differences (`MultiplyByQuantizedMultiplierGreaterThanOne`: a left shift, on which
    both roundings agree), gemmlowp exp, Q12.19 sum, `GetReciprocal`, output (1/256, -128);
    differences below diff_min give -128.
    """
    x = _int64(x)
    diff = x - x.max(axis=-1, keepdims=True)
    valid = diff >= diff_min
    scaled = MULTIPLY_BY_ROUNDING[rounding](diff, multiplier, left_shift)
    exp = exp_on_negative_values(np.where(valid, scaled, 0), SOFTMAX_DIFF_INTEGER_BITS)
    terms = rounding_divide_by_pot(
        exp, SOFTMAX_ACCUMULATION_INTEGER_BITS
    )  # Rescale Q0.31 -> Q12.19
    total = np.where(valid, terms, 0).sum(axis=-1, keepdims=True)
    reciprocal, bits_over_unit = get_reciprocal(total, SOFTMAX_ACCUMULATION_INTEGER_BITS)
    y = rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(reciprocal, exp), bits_over_unit + 31 - 8
    )
    return np.where(valid, np.clip(y - 128, -128, 127), -128).astype(np.int8)


def softmax_int16(
    x, multiplier: int, shift: int, exp_table, reciprocal_table, rounding: str = "double"
) -> np.ndarray:
    """TFLM `reference_ops::SoftmaxInt16` over the last axis, output (1/32768, 0).

    The difference is requantized onto [-65535, 0] ~ [-10, 0], recentred by +32767 and looked
    up in the exp table; the sum is normalised with its leading zeros and inverted with the
    1/(1+x) table; each exp times the reciprocal is shifted back with rounding.
    """
    x = _int64(x)
    diff = x - x.max(axis=-1, keepdims=True)
    scaled = MULTIPLY_BY_ROUNDING[rounding](diff, multiplier, shift)
    exp = lut_int16_lookup(saturate(wrap(scaled + 32767, 32), 16), exp_table)
    total = exp.sum(axis=-1, keepdims=True)
    headroom_plus_one = count_leading_zeros32(total)
    shifted = ((total << (headroom_plus_one - 1)) + (1 << 13)) >> 14
    reciprocal = lut_int16_lookup(saturate(shifted - (1 << 15) - (1 << 16), 16), reciprocal_table)
    right_shift = 31 - headroom_plus_one
    y = (exp * reciprocal + (np.int64(1) << (right_shift - 1))) >> right_shift
    return np.clip(y, 0, 32767).astype(np.int16)


def _spatial_axes(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(1, x.ndim - 1))


# ----------------------------------------------------------------------------- recurrent


def gate_rescale(acc, multipliers, shifts, rounding: str, accumulator_bits: int) -> np.ndarray:
    """`qnn._RecurrentOp`'s gate rescale of accumulators [..., C] to int16 Q3.12.

    The accumulator is clamped to +-(2^min(e, 47) - 1), e = 31 - max(shift, 0) (int32) or
    31 - shift (int64), where the requantizer neither wraps its left shift nor its int32
    result (a clamped value still saturates), then requantized and saturated to int16.
    """
    q, shift = _int64(multipliers), _int64(shifts)
    exponent = 31 - (shift if accumulator_bits == 64 else np.maximum(shift, 0))
    bound = np.minimum(np.int64(1) << exponent, INT64_ACC_LIMIT) - 1
    clamped = np.clip(_int64(acc), -bound, bound)
    return saturate(requantize_accumulator(clamped, q, shift, rounding, accumulator_bits), 16)


class _Recurrence:
    """What every step of a qnn.lstm / qnn.gru needs: rescales, tables, the recurrent weights."""

    def __init__(self, op: qnn._RecurrentOp, x, kernel, recurrent_kernel, bias):
        self.op = op
        self.units = op.units()
        self.rounding = op.rounding.data
        columns = op.GATES * self.units
        (in_q, in_s), (rec_q, rec_s) = (
            (np.broadcast_to(_int64(q), columns), np.broadcast_to(_int64(s), columns))
            for q, s in op.rescales().values()
        )
        self.recurrent_q, self.recurrent_s = rec_q, rec_s
        self.recurrent_kernel = _int64(recurrent_kernel)
        self.gate_table = dense_to_numpy(op.recurrent_activation_table)
        self.activation_table = dense_to_numpy(op.activation_table)
        centered = _int64(x) - op.input_zero_point.value.data
        # the input projection of every step at once: [N, T, columns]
        self.projected = gate_rescale(
            _int64(bias) + centered @ _int64(kernel), in_q, in_s, self.rounding,
            op.input_accumulator_bits(),
        )

    def recurrent(self, state, columns: slice, bias=0) -> np.ndarray:
        """G_rec(bias + state @ recurrent_kernel[:, columns]): Q3.12 of the given columns."""
        acc = state @ self.recurrent_kernel[:, columns] + bias
        return gate_rescale(
            acc, self.recurrent_q[columns], self.recurrent_s[columns], self.rounding,
            self.op.recurrent_accumulator_bits(),
        )

    def gate(self, preactivation) -> np.ndarray:
        """recurrent_activation_table of a saturated int16 Q3.12 sum."""
        return lut_int16_lookup(saturate(preactivation, 16), self.gate_table)

    def columns(self, gate: int) -> slice:
        return slice(gate * self.units, (gate + 1) * self.units)

    def output(self, states: list[np.ndarray]) -> np.ndarray:
        """The result: every Q0.15 state or the last, rescaled to the output integers."""
        op = self.op
        h = np.stack(states, axis=1) if op.return_sequences() else states[-1]
        y = requantize_accumulator(
            h, op.output_multiplier.value.data, op.output_shift.value.data, self.rounding, 32
        )
        lo, hi = storage_range(op.result.type.get_element_type().width.data)
        return np.clip(wrap(y + op.output_zero_point.value.data, 32), lo, hi).astype(
            _output_dtype(op)
        )


def cell_to_q3_12(cell, power: int) -> np.ndarray:
    """An int16 cell state at scale 2^power as int16 Q3.12 (the tanh table's input)."""
    shift = power - qnn.GATE_SCALE_POWER
    if shift >= 0:
        return saturate(_int64(cell) << shift, 16)
    return rounding_divide_by_pot(cell, -shift)


def lstm_int(op: qnn.LSTMOp, x, kernel, recurrent_kernel, bias) -> np.ndarray:
    """The exact integer LSTM of `qnn.LSTMOp`'s recipe, vectorized over the batch."""
    rec = _Recurrence(op, x, kernel, recurrent_kernel, bias)
    power = op.cell_scale_power.value.data
    h = c = np.zeros((len(rec.projected), rec.units), np.int64)
    states = []
    for t in range(rec.projected.shape[1]):
        pre = saturate(rec.projected[:, t] + rec.recurrent(h, slice(None)), 16)
        gates = lut_int16_lookup(pre, rec.gate_table)  # the c columns' are not used
        i, f, o = (gates[:, rec.columns(k)] for k in (0, 1, 3))
        g = lut_int16_lookup(pre[:, rec.columns(2)], rec.activation_table)
        c = saturate(
            rounding_divide_by_pot(f * c, 15) + rounding_divide_by_pot(i * g, 30 + power), 16
        )
        tanh_c = lut_int16_lookup(cell_to_q3_12(c, power), rec.activation_table)
        h = rounding_divide_by_pot(o * tanh_c, 15)
        states.append(h)
    return rec.output(states)


def gru_int(op: qnn.GRUOp, x, kernel, recurrent_kernel, bias, recurrent_bias=None) -> np.ndarray:
    """The exact integer GRU of `qnn.GRUOp`'s recipe, vectorized over the batch."""
    rec = _Recurrence(op, x, kernel, recurrent_kernel, bias)
    z_cols, r_cols, h_cols = (rec.columns(k) for k in range(3))
    h = np.zeros((len(rec.projected), rec.units), np.int64)
    states = []
    for t in range(rec.projected.shape[1]):
        gx = rec.projected[:, t]
        if recurrent_bias is not None:  # reset_after: the bias goes to the candidate's columns
            bias = np.concatenate([np.zeros(2 * rec.units, np.int64), _int64(recurrent_bias)])
            gh = rec.recurrent(h, slice(None), bias)
            r = rec.gate(gx[:, r_cols] + gh[:, r_cols])
            candidate = gx[:, h_cols] + rounding_divide_by_pot(r * gh[:, h_cols], 15)
        else:
            gh = rec.recurrent(h, slice(0, 2 * rec.units))
            r = rec.gate(gx[:, r_cols] + gh[:, r_cols])
            candidate = gx[:, h_cols] + rec.recurrent(rounding_divide_by_pot(r * h, 15), h_cols)
        z = rec.gate(gx[:, z_cols] + gh[:, z_cols])
        hh = lut_int16_lookup(saturate(candidate, 16), rec.activation_table)
        h = hh + rounding_divide_by_pot(z * (h - hh), 15)
        states.append(h)
    return rec.output(states)


@register_impls
class QNNFunctions(InterpreterFunctions):
    """Integer reference implementations of every qnn op."""

    @impl(qnn.ConstantOp)
    def run_constant(
        self, interpreter: Interpreter, op: qnn.ConstantOp, args: PythonValues
    ) -> PythonValues:
        return (dense_to_numpy(op.value),)

    @impl(qnn.QuantizeOp)
    def run_quantize(
        self, interpreter: Interpreter, op: qnn.QuantizeOp, args: PythonValues
    ) -> PythonValues:
        qparams = op.qparams
        lo, hi = storage_range(qparams.bits)
        rounded = round_half_away(np.asarray(args[0], np.float32) / np.float32(qparams.scale))
        # TFLite clamps after adding the zero point; clamping before gives the same integers and
        # keeps the float -> int conversion defined.
        q = np.clip(rounded, lo - qparams.zero_point, hi - qparams.zero_point)
        return ((q + qparams.zero_point).astype(_output_dtype(op)),)

    @impl(qnn.DequantizeOp)
    def run_dequantize(
        self, interpreter: Interpreter, op: qnn.DequantizeOp, args: PythonValues
    ) -> PythonValues:
        centered = (_int64(args[0]) - op.qparams.zero_point).astype(np.float32)
        return (centered * np.float32(op.qparams.scale),)

    @impl(qnn.RequantizeOp)
    def run_requantize(
        self, interpreter: Interpreter, op: qnn.RequantizeOp, args: PythonValues
    ) -> PythonValues:
        x = wrap(_int64(args[0]) - op.input_zero_point.value.data, 32)
        axis = op.channel_axis()
        return (_rescaled(op, x, -1 if axis is None else axis),)

    @impl(qnn.DenseOp)
    def run_dense(
        self, interpreter: Interpreter, op: qnn.DenseOp, args: PythonValues
    ) -> PythonValues:
        return (_accumulate(op, *args, np.matmul),)

    def _run_conv(
        self, interpreter: Interpreter, op: qnn._ConvOp, args: PythonValues
    ) -> PythonValues:
        kernel = array_kernels.depthwise_conv if op.DEPTHWISE else array_kernels.conv
        strides, dilations = op.strides.get_values(), op.dilations.get_values()
        return (
            _accumulate(op, *args, lambda x, w: kernel(x, w, strides, dilations, op.padding.data)),
        )

    run_conv1d = impl(qnn.Conv1DOp)(_run_conv)
    run_conv2d = impl(qnn.Conv2DOp)(_run_conv)
    run_depthwise_conv1d = impl(qnn.DepthwiseConv1DOp)(_run_conv)
    run_depthwise_conv2d = impl(qnn.DepthwiseConv2DOp)(_run_conv)

    def _run_add_sub(
        self, interpreter: Interpreter, op: qnn._AddSubOp, args: PythonValues
    ) -> PythonValues:
        mbqm = MULTIPLY_BY_ROUNDING[op.rounding.data]
        (lhs_q, lhs_s), (rhs_q, rhs_s), (out_q, out_s) = op.rescales()
        left_shift = op.left_shift.value.data
        lhs = mbqm((_int64(args[0]) - op.lhs_zero_point.value.data) << left_shift, lhs_q, lhs_s)
        rhs = mbqm((_int64(args[1]) - op.rhs_zero_point.value.data) << left_shift, rhs_q, rhs_s)
        combined = wrap(lhs + rhs if isinstance(op, qnn.AddOp) else lhs - rhs, 32)
        return (
            _clamped(op, wrap(mbqm(combined, out_q, out_s) + op.output_zero_point.value.data, 32)),
        )

    run_add = impl(qnn.AddOp)(_run_add_sub)
    run_sub = impl(qnn.SubOp)(_run_add_sub)

    @impl(qnn.MulOp)
    def run_mul(self, interpreter: Interpreter, op: qnn.MulOp, args: PythonValues) -> PythonValues:
        lhs = _int64(args[0]) - op.lhs_zero_point.value.data
        rhs = _int64(args[1]) - op.rhs_zero_point.value.data
        return (_rescaled(op, lhs * rhs),)

    @impl(qnn.ClampOp)
    def run_clamp(
        self, interpreter: Interpreter, op: qnn.ClampOp, args: PythonValues
    ) -> PythonValues:
        return (_clamped(op, _int64(args[0])),)

    @impl(qnn.NormalizeOp)
    def run_normalize(
        self, interpreter: Interpreter, op: qnn.NormalizeOp, args: PythonValues
    ) -> PythonValues:
        offsets = _int64(op.offset.get_values())
        return (_rescaled(op, (_int64(args[0]) << op.left_shift.value.data) - offsets),)

    @impl(qnn.SpectrumOp)
    def run_spectrum(
        self, interpreter: Interpreter, op: qnn.SpectrumOp, args: PythonValues
    ) -> PythonValues:
        log_power = op.output.data == "log_power"
        values = dsp.spectrum_values_int(
            args[0],
            op.size.value.data,
            dense_to_numpy(op.window_table) if op.window_table is not None else None,
            log_power,
            dense_to_numpy(op.mel) if op.mel is not None else None,
            op.log_floor.value.data if log_power else 0,
            op.log_offset.value.data if log_power else 0,
        )
        return (_rescaled(op, values),)

    @impl(qnn.LutOp)
    def run_lut(self, interpreter: Interpreter, op: qnn.LutOp, args: PythonValues) -> PythonValues:
        lookup = (
            lut_int8_lookup if op.table.get_element_type().width.data == 8 else lut_int16_lookup
        )
        return (lookup(args[0], dense_to_numpy(op.table)).astype(_output_dtype(op)),)

    @impl(qnn.SoftmaxOp)
    def run_softmax(
        self, interpreter: Interpreter, op: qnn.SoftmaxOp, args: PythonValues
    ) -> PythonValues:
        multiplier, shift = op.input_beta_multiplier.value.data, op.input_beta_left_shift.value.data
        if op.diff_min is not None:
            return (
                softmax_int8(args[0], multiplier, shift, op.diff_min.value.data, op.rounding.data),
            )
        tables = dense_to_numpy(op.exp_table), dense_to_numpy(op.reciprocal_table)
        return (softmax_int16(args[0], multiplier, shift, *tables, op.rounding.data),)

    def _run_max_pool(
        self, interpreter: Interpreter, op: qnn._PoolOp, args: PythonValues
    ) -> PythonValues:
        y = array_kernels.max_pool(
            _int64(args[0]), op.pool_size.get_values(), op.strides.get_values(), op.padding.data
        )
        return (_clamped(op, y),)

    run_max_pool1d = impl(qnn.MaxPool1DOp)(_run_max_pool)
    run_max_pool2d = impl(qnn.MaxPool2DOp)(_run_max_pool)

    def _run_avg_pool(
        self, interpreter: Interpreter, op: qnn._PoolOp, args: PythonValues
    ) -> PythonValues:
        total, counts = array_kernels.pool_sum(
            _int64(args[0]), op.pool_size.get_values(), op.strides.get_values(), op.padding.data
        )
        return (_clamped(op, rounding_divide(wrap(total, 32), counts[None, ..., None])),)

    run_avg_pool1d = impl(qnn.AvgPool1DOp)(_run_avg_pool)
    run_avg_pool2d = impl(qnn.AvgPool2DOp)(_run_avg_pool)

    @impl(qnn.GlobalMaxPoolOp)
    def run_global_max_pool(
        self, interpreter: Interpreter, op: qnn.GlobalMaxPoolOp, args: PythonValues
    ) -> PythonValues:
        x = np.asarray(args[0])
        return (x.max(axis=_spatial_axes(x)).astype(_output_dtype(op)),)

    @impl(qnn.GlobalAvgPoolOp)
    def run_global_avg_pool(
        self, interpreter: Interpreter, op: qnn.GlobalAvgPoolOp, args: PythonValues
    ) -> PythonValues:
        x = _int64(args[0]) - op.input_zero_point.value.data
        total = wrap(x.sum(axis=_spatial_axes(x)), 32)
        return (_rescaled(op, total),)

    @impl(qnn.ConcatOp)
    def run_concat(
        self, interpreter: Interpreter, op: qnn.ConcatOp, args: PythonValues
    ) -> PythonValues:
        return (
            np.concatenate([np.asarray(a) for a in args], axis=op.axis.value.data).astype(
                _output_dtype(op)
            ),
        )

    @impl(qnn.ReshapeOp)
    def run_reshape(
        self, interpreter: Interpreter, op: qnn.ReshapeOp, args: PythonValues
    ) -> PythonValues:
        return (np.asarray(args[0]).reshape(op.result.type.get_shape()).astype(_output_dtype(op)),)

    @impl(qnn.LSTMOp)
    def run_lstm(
        self, interpreter: Interpreter, op: qnn.LSTMOp, args: PythonValues
    ) -> PythonValues:
        return (lstm_int(op, *args),)

    @impl(qnn.GRUOp)
    def run_gru(
        self, interpreter: Interpreter, op: qnn.GRUOp, args: PythonValues
    ) -> PythonValues:
        return (gru_int(op, *args),)

    @impl(qnn.PadOp)
    def run_pad(self, interpreter: Interpreter, op: qnn.PadOp, args: PythonValues) -> PythonValues:
        y = array_kernels.explicit_pad(
            np.asarray(args[0]), op.padding.get_values(), op.pad_value.value.data
        )
        return (y.astype(_output_dtype(op)),)
