"""numpy <-> builtin dense elements and tensor types, without going through Python lists.

The printer writes more than 100 elements in the hex form, which parses ~300x faster than a
list; building attributes from bytes keeps weights in that form end to end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    IntegerType,
    TensorType,
)
from xdsl.ir import Attribute

_NUMPY_OF_WIDTH = {1: "?", 8: "<i1", 16: "<i2", 32: "<i4", 64: "<i8"}


def numpy_dtype(element_type: Attribute) -> np.dtype:
    """The little-endian numpy dtype that stores `element_type` (f32, f64, i1..i64)."""
    if isinstance(element_type, Float32Type):
        return np.dtype("<f4")
    if isinstance(element_type, Float64Type):
        return np.dtype("<f8")
    if isinstance(element_type, IntegerType) and element_type.width.data in _NUMPY_OF_WIDTH:
        return np.dtype(_NUMPY_OF_WIDTH[element_type.width.data])
    raise ValueError(f"no numpy dtype for element type {element_type}")


def element_type_of(dtype: np.dtype) -> Attribute:
    """The builtin element type of a numpy dtype."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return Float32Type()
    if dtype == np.float64:
        return Float64Type()
    if dtype.kind == "i":
        return IntegerType(dtype.itemsize * 8)
    raise ValueError(f"no element type for numpy dtype {dtype}")


def tensor_type(shape: Sequence[int], element_type: Attribute) -> TensorType:
    return TensorType(element_type, [int(d) for d in shape])


def dense_from_numpy(array: np.ndarray, element_type: Attribute | None = None) -> DenseIntOrFPElementsAttr:
    """A dense elements attribute holding `array` (cast to `element_type` if given)."""
    array = np.asarray(array)
    if element_type is None:
        element_type = element_type_of(array.dtype)
    data = np.ascontiguousarray(array, dtype=numpy_dtype(element_type)).tobytes()
    return DenseIntOrFPElementsAttr(tensor_type(array.shape, element_type), BytesAttr(data))


def dense_view(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The elements of `attr` as a read-only array of its shape that shares the attribute's
    bytes (a splat is broadcast): no copy, for readers such as the interpreters' constants."""
    dtype = numpy_dtype(attr.get_element_type())
    shape = tuple(attr.get_shape())
    flat = np.frombuffer(attr.data.data, dtype=dtype)
    if flat.size == 1 and int(np.prod(shape, dtype=np.int64)) != 1:
        return np.broadcast_to(flat[0], shape)
    return flat.reshape(shape)


def dense_to_numpy(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The elements of `attr` as a writable numpy array of its shape (splats are expanded)."""
    return np.array(dense_view(attr))
