"""A progress bar for long loops (calibration, verification, cost runs).

Drawn on stderr only when it is a terminal, so logs, pipes and tests stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

WIDTH = 30
"""Characters of the bar itself."""

REDRAW_SECONDS = 0.1
"""At most this often the bar is redrawn, so fast loops are not slowed by the terminal."""


def progress(
    items: Iterable[T], total: int, label: str, stream: TextIO | None = None
) -> Iterator[T]:
    """Yield `items`, drawing `label [####......] done/total` on `stream` (default stderr).

    Nothing is written unless the stream is a terminal. The last state is always drawn, then
    a newline, also when the loop stops early.
    """
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        yield from items
        return

    def draw(done: int) -> None:
        filled = WIDTH * done // total if total > 0 else WIDTH
        bar = "#" * filled + "." * (WIDTH - filled)
        stream.write(f"\r{label} [{bar}] {done}/{total}")
        stream.flush()

    done, last = 0, time.monotonic()
    draw(done)
    try:
        for item in items:
            yield item
            done += 1
            if time.monotonic() - last >= REDRAW_SECONDS:
                draw(done)
                last = time.monotonic()
    finally:
        draw(done)
        stream.write("\n")
        stream.flush()
