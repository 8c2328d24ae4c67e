"""Shape rules shared by the `nn` and `qnn` ops (Keras / TensorFlow conventions).

Layouts are channels-last: 1-d ops take [N, L, C], 2-d ops [N, H, W, C]; kernels are
[*K, C_in, C_out] (depthwise: [*K, C, multiplier]).
"""

from __future__ import annotations

from collections.abc import Sequence

PADDINGS = ("valid", "same")


def conv_output_size(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """Output length of a sliding window along one axis, as Keras computes it."""
    effective = dilation * (kernel - 1) + 1
    if padding == "same":
        return -(-size // stride)
    return max(0, (size - effective) // stride + 1)


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """(before, after) zero padding of `same` mode: TensorFlow puts the odd element after."""
    effective = dilation * (kernel - 1) + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def window_pads(
    sizes: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: str,
) -> list[tuple[int, int]]:
    """Per spatial axis (before, after) padding of a windowed op."""
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    return [same_padding(s, k, st, d) for s, k, st, d in zip(sizes, kernel, strides, dilations)]


def window_output_shape(
    sizes: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: str,
) -> list[int]:
    """Spatial output shape of a windowed op (convolution or pooling)."""
    return [
        conv_output_size(s, k, st, d, padding)
        for s, k, st, d in zip(sizes, kernel, strides, dilations)
    ]
