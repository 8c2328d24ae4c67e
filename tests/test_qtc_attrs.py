"""#qtc.range and #qtc.qparams: exact print/parse round trip and constructor-side verification."""

import math

import numpy as np
import pytest
from xdsl.utils.exceptions import VerifyException

from qtc.compiler.textual_ir import parse_module, print_module
from qtc.dialects.qtc_attrs import QParamsAttr, RangeAttr, format_float


def test_random_scales_round_trip_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    scales = np.exp(rng.uniform(math.log(1e-12), math.log(1e6), size=2000))
    attrs = [QParamsAttr(float(s), int(z), 8) for s, z in zip(scales, rng.integers(-128, 128, 2000))]
    entries = ", ".join(f"q{i} = {a}" for i, a in enumerate(attrs))
    module = parse_module(f"builtin.module attributes {{{entries}}} {{}}")
    parsed = [module.attributes[f"q{i}"] for i in range(len(attrs))]
    assert [p.scale for p in parsed] == [float(s) for s in scales]
    assert parsed == attrs
    assert print_module(parse_module(print_module(module))) == print_module(module)


@pytest.mark.parametrize("value", [1e-5, 1234567.0, 0.1, 5e-324, 1.7976931348623157e308, -2.5, 0.0])
def test_format_float_is_an_mlir_literal_that_reads_back(value: float) -> None:
    text = format_float(value)
    assert "." in text.split("e")[0]
    assert float(text) == value


def test_per_axis_round_trip() -> None:
    q = QParamsAttr([0.5, 0.25, 1e-7], [0, 1, -2], 16, axis=2)
    module = parse_module(f"builtin.module attributes {{q = {q}}} {{}}")
    assert module.attributes["q"] == q
    assert q.per_axis and q.axis_index == 2 and q.bits == 16 and (q.qmin, q.qmax) == (-32768, 32767)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: QParamsAttr([0.5, 0.25], [0, 0], 8), "2 scales need a quantized axis"),
        (lambda: QParamsAttr(float("nan"), 0, 8), "scale must be a finite positive number"),
        (lambda: QParamsAttr(float("inf"), 0, 8), "scale must be a finite positive number"),
        (lambda: QParamsAttr(0.1, -32769, 16), "zero point -32769 is outside the i16 range"),
        (lambda: RangeAttr(float("nan"), 1.0), "bounds must be finite"),
        (lambda: RangeAttr(-1.0, float("inf")), "bounds must be finite"),
        (lambda: RangeAttr(1.0, -1.0), "min is greater than max"),
    ],
)
def test_constructor_verification(build, message: str) -> None:
    with pytest.raises(VerifyException, match=message):
        build()


def test_check_tensor_rejects_wrong_channel_count() -> None:
    q = QParamsAttr([0.5, 0.25], [0, 0], 8, axis=1)
    q.check_tensor([4, 2], "w")
    with pytest.raises(VerifyException, match="2 scales but axis 1 has 3 channels"):
        q.check_tensor([4, 3], "w")
    with pytest.raises(VerifyException, match="axis 1 is out of range for a rank-1 tensor"):
        q.check_tensor([4], "w")


def test_dense_view_shares_bytes_and_dense_to_numpy_copies() -> None:
    """The interpreters read constants through `dense_view` (no copy, read-only); passes that
    edit weights get a writable copy from `dense_to_numpy`."""
    from qtc.dialects.dense import dense_from_numpy, dense_to_numpy, dense_view

    array = np.arange(6, dtype=np.int8).reshape(2, 3)
    attr = dense_from_numpy(array)
    view = dense_view(attr)
    assert np.array_equal(view, array) and not view.flags.writeable
    assert np.shares_memory(view, np.frombuffer(attr.data.data, np.int8))
    copy = dense_to_numpy(attr)
    copy[0, 0] = 100
    assert dense_view(attr)[0, 0] == 0
    splat = dense_view(dense_from_numpy(np.full((2, 2), 7, np.float32)))
    assert splat.shape == (2, 2) and np.all(splat == 7)
