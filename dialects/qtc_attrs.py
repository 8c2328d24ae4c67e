"""The `qtc` attribute dialect: calibrated ranges and quantization parameters.

`#qtc.range<min, max>` records what calibration saw on a value.
`#qtc.qparams<scale, zero_point, i8>` (per tensor) or
`#qtc.qparams<[s0, s1], [z0, z1], i8, axis = 3>` (per axis) states the affine map
`real = scale * (q - zero_point)` chosen for a value. Per axis, the scales index the axes
from `axis` to the last one flattened row-major: usually `axis` is the last axis (one scale a
channel); depthwise weights [*K, C, M] use `axis` = C's, so each output channel c * M + m has
its own scale (C * M of them, TFLite's per-output-channel depthwise layout).

Floats print with the shortest decimal form that reads back to the same float64, so
every scale survives print -> parse bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, FloatData, IntAttr, IntegerType, NoneAttr
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

STORAGE_WIDTHS = (8, 16, 32, 64)


def format_float(value: float) -> str:
    """Shortest round-tripping decimal for `value` in MLIR float-literal syntax."""
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + ("e" + exponent if exponent else "")


def storage_range(width: int) -> tuple[int, int]:
    """[qmin, qmax] of a signed integer of `width` bits."""
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def _parse_located(cls: type[ParametrizedAttribute], parser: AttrParser, parse):
    """Parse parameters with `parse`, turning a verifier error into a located parse error."""
    start = parser.pos
    params = parse()
    try:
        cls.new(params)
    except VerifyException as e:
        parser.raise_error(str(e), start, parser.pos)
    return params


@irdl_attr_definition
class RangeAttr(ParametrizedAttribute):
    """The real interval [min, max] a value takes on the calibration data."""

    name = "qtc.range"

    min: FloatData
    max: FloatData

    def __init__(self, min_value: float, max_value: float):
        super().__init__(FloatData(float(min_value)), FloatData(float(max_value)))

    @property
    def lo(self) -> float:
        return self.min.data

    @property
    def hi(self) -> float:
        return self.max.data

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        def parse():
            with parser.in_angle_brackets():
                lo = float(parser.parse_number(context_msg=" for the range minimum"))
                parser.parse_punctuation(",")
                hi = float(parser.parse_number(context_msg=" for the range maximum"))
            return [FloatData(lo), FloatData(hi)]

        return _parse_located(cls, parser, parse)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{format_float(self.lo)}, {format_float(self.hi)}>")

    def verify(self) -> None:
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            raise VerifyException(
                f"#qtc.range<{self.lo}, {self.hi}>: bounds must be finite; "
                "the calibration data or the model produced NaN or infinity"
            )
        if self.lo > self.hi:
            raise VerifyException(
                f"#qtc.range<{self.lo}, {self.hi}>: min is greater than max"
            )


@irdl_attr_definition
class QParamsAttr(ParametrizedAttribute):
    """Affine quantization parameters, per tensor or per axis: one scale and zero point an
    index of the axes `axis`.. flattened (module docstring)."""

    name = "qtc.qparams"

    scales: ArrayAttr[FloatData]
    zero_points: ArrayAttr[IntAttr]
    storage_type: IntegerType
    axis: IntAttr | NoneAttr

    def __init__(
        self,
        scales: float | Sequence[float],
        zero_points: int | Sequence[int],
        storage_type: IntegerType | int,
        axis: int | None = None,
    ):
        if isinstance(scales, (int, float)):
            scales = [scales]
        if isinstance(zero_points, int):
            zero_points = [zero_points]
        if isinstance(storage_type, int):
            storage_type = IntegerType(storage_type)
        super().__init__(
            ArrayAttr([FloatData(float(s)) for s in scales]),
            ArrayAttr([IntAttr(int(z)) for z in zero_points]),
            storage_type,
            NoneAttr() if axis is None else IntAttr(axis),
        )

    @property
    def bits(self) -> int:
        return self.storage_type.width.data

    @property
    def qmin(self) -> int:
        return storage_range(self.bits)[0]

    @property
    def qmax(self) -> int:
        return storage_range(self.bits)[1]

    @property
    def per_axis(self) -> bool:
        return isinstance(self.axis, IntAttr)

    @property
    def axis_index(self) -> int | None:
        return self.axis.data if isinstance(self.axis, IntAttr) else None

    @property
    def scale_values(self) -> tuple[float, ...]:
        return tuple(s.data for s in self.scales.data)

    @property
    def zero_point_values(self) -> tuple[int, ...]:
        return tuple(z.data for z in self.zero_points.data)

    @property
    def scale(self) -> float:
        """The scale of a per-tensor parameter set."""
        if self.per_axis:
            raise ValueError(f"{self}: per-axis qparams have no single scale")
        return self.scales.data[0].data

    @property
    def zero_point(self) -> int:
        """The zero point of a per-tensor parameter set."""
        if self.per_axis:
            raise ValueError(f"{self}: per-axis qparams have no single zero point")
        return self.zero_points.data[0].data

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        def parse_scale() -> FloatData:
            return FloatData(float(parser.parse_number(context_msg=" for a scale")))

        def parse_zero_point() -> IntAttr:
            return IntAttr(
                parser.parse_integer(allow_boolean=False, context_msg=" for a zero point")
            )

        def parse():
            with parser.in_angle_brackets():
                if parser.parse_optional_punctuation("[") is not None:
                    scales = parser.parse_comma_separated_list(parser.Delimiter.NONE, parse_scale)
                    parser.parse_punctuation("]")
                    parser.parse_punctuation(",")
                    zero_points = parser.parse_comma_separated_list(
                        parser.Delimiter.SQUARE, parse_zero_point
                    )
                    parser.parse_punctuation(",")
                    storage = parser.parse_type()
                    parser.parse_punctuation(",")
                    parser.parse_keyword("axis")
                    parser.parse_punctuation("=")
                    axis: IntAttr | NoneAttr = IntAttr(
                        parser.parse_integer(allow_boolean=False, context_msg=" for the axis")
                    )
                else:
                    scales = [parse_scale()]
                    parser.parse_punctuation(",")
                    zero_points = [parse_zero_point()]
                    parser.parse_punctuation(",")
                    storage = parser.parse_type()
                    axis = NoneAttr()
            return [ArrayAttr(scales), ArrayAttr(zero_points), storage, axis]

        return _parse_located(cls, parser, parse)

    def print_parameters(self, printer: Printer) -> None:
        scales = [format_float(s) for s in self.scale_values]
        zeros = [str(z) for z in self.zero_point_values]
        if self.per_axis:
            printer.print_string(
                f"<[{', '.join(scales)}], [{', '.join(zeros)}], "
            )
            printer.print_attribute(self.storage_type)
            printer.print_string(f", axis = {self.axis_index}>")
        else:
            printer.print_string(f"<{scales[0]}, {zeros[0]}, ")
            printer.print_attribute(self.storage_type)
            printer.print_string(">")

    def verify(self) -> None:
        if not isinstance(self.storage_type, IntegerType) or self.bits not in STORAGE_WIDTHS:
            raise VerifyException(
                f"#qtc.qparams: storage type must be i8, i16, i32 or i64, got {self.storage_type}"
            )
        n_scales, n_zeros = len(self.scales.data), len(self.zero_points.data)
        if n_scales == 0 or n_scales != n_zeros:
            raise VerifyException(
                f"#qtc.qparams: expected as many zero points as scales (at least one), "
                f"got {n_scales} scales and {n_zeros} zero points"
            )
        if not self.per_axis and n_scales != 1:
            raise VerifyException(
                f"#qtc.qparams: {n_scales} scales need a quantized axis (`axis = N`)"
            )
        if self.per_axis and self.axis_index < 0:
            raise VerifyException(f"#qtc.qparams: axis must be >= 0, got {self.axis_index}")
        for s in self.scale_values:
            if not (math.isfinite(s) and s > 0.0):
                raise VerifyException(
                    f"#qtc.qparams: scale must be a finite positive number, got {s}"
                )
        qmin, qmax = storage_range(self.bits)
        for z in self.zero_point_values:
            if not qmin <= z <= qmax:
                raise VerifyException(
                    f"#qtc.qparams: zero point {z} is outside the {self.storage_type} range "
                    f"[{qmin}, {qmax}]"
                )

    def check_tensor(self, shape: Sequence[int], what: str) -> None:
        """Raise if a per-axis parameter set does not fit a tensor of `shape` (`what` names it):
        it needs one scale an index of the axes from `axis` to the last, flattened."""
        if not self.per_axis:
            return
        axis = self.axis_index
        if axis >= len(shape):
            raise VerifyException(
                f"{what}: qparams axis {axis} is out of range for a rank-{len(shape)} tensor"
            )
        channels = math.prod(shape[axis:])
        if len(self.scale_values) != channels:
            axes = f"axis {axis} has" if axis == len(shape) - 1 else (
                f"axes {axis}..{len(shape) - 1} (flattened) have"
            )
            raise VerifyException(
                f"{what}: qparams have {len(self.scale_values)} scales but {axes} {channels} channels"
            )


Qtc = Dialect("qtc", [], [RangeAttr, QParamsAttr])
