"""Static placement of a model's buffers in one arena, by liveness.

A buffer is live from the op that writes it to the last op that reads it (inclusive); two
buffers may share bytes only when their lifetimes do not overlap. Placement is first-fit,
largest buffer first (earlier start breaking ties), which is within a few percent of the lower bound (the largest
sum of simultaneously live buffers) on chain-like networks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Buffer:
    """`size` bytes, aligned to `align`, live over op indices [start, end]."""

    key: object
    size: int
    align: int
    start: int
    end: int
    offset: int = -1

    def overlaps(self, other: Buffer) -> bool:
        return self.start <= other.end and other.start <= self.end


def _align_up(value: int, align: int) -> int:
    return -(-value // align) * align


def place(buffers: list[Buffer]) -> int:
    """Set every buffer's offset; return the arena size in bytes."""
    placed: list[Buffer] = []
    for buf in sorted(buffers, key=lambda b: (-b.size, b.start)):
        live = sorted((p for p in placed if p.overlaps(buf)), key=lambda p: p.offset)
        offset = 0
        for p in live:
            if offset + buf.size <= p.offset:
                break
            offset = max(offset, _align_up(p.offset + p.size, buf.align))
        buf.offset = offset
        placed.append(buf)
    return max((b.offset + b.size for b in buffers), default=0)


def lower_bound(buffers: list[Buffer]) -> int:
    """The largest total size of buffers live at the same op."""
    if not buffers:
        return 0
    last = max(b.end for b in buffers)
    return max(
        sum(b.size for b in buffers if b.start <= i <= b.end) for i in range(last + 1)
    )
