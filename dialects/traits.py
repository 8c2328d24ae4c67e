"""Op traits that describe how an op's C kernel touches memory, for `plan-memory`."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.traits import OpTrait


@dataclass(frozen=True)
class InPlaceElementwise(OpTrait):
    """The C kernel reads element i of each operand before it writes element i of the result
    and reads nothing else of an operand of the result's type: the result may take the buffer
    of such an operand whose last use is this op (ReLU, a table lookup or an add then cost no
    extra RAM)."""


@dataclass(frozen=True)
class ViewOfOperand(OpTrait):
    """The result is operand 0's bytes under another shape: it aliases operand 0's buffer and
    the C does no work."""
