"""Parse and print time of modules holding large weight constants (textual IR round trip).

    python benchmarks/parse_print.py [--repeat 5]

Prints a table: the median over `--repeat` runs inside this process of parsing the module
text (with verification) and of printing it back; the round trip is checked to be exact.
"""

from __future__ import annotations

import argparse
import statistics
import time
from io import StringIO

import numpy as np
from xdsl.printer import Printer

from qtc.compiler.textual_ir import parse_module, print_module
from qtc.dialects.dense import dense_from_numpy

CASES = {
    "dense 256x256 f32": (256, 256),
    "conv 100k weights f32": (5, 5, 40, 100),
    "conv 100k weights i8": (5, 5, 40, 100),
}


def module_text(shape: tuple[int, ...], integer: bool) -> str:
    rng = np.random.default_rng(0)
    if integer:
        weights = rng.integers(-127, 128, size=shape, dtype=np.int8)
        dialect = "qnn"
    else:
        weights = rng.standard_normal(shape).astype(np.float32)
        dialect = "nn"
    out = StringIO()
    Printer(stream=out).print_attribute(dense_from_numpy(weights))
    result_type = out.getvalue().rsplit(" : ", 1)[1]
    return (
        f"func.func @main() -> {result_type} {{\n"
        f"  %w = {dialect}.constant {out.getvalue()}\n"
        f"  func.return %w : {result_type}\n"
        "}\n"
    )


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(f"{'case':24} {'elements':>9} {'text kB':>8} {'parse ms':>9} {'print ms':>9}")
    for name, shape in CASES.items():
        text = module_text(shape, integer=name.endswith("i8"))
        module = parse_module(text)
        printed = print_module(module)
        if print_module(parse_module(printed)) != printed:
            raise SystemExit(f"{name}: print -> parse -> print is not exact")
        parse = median_ms(lambda: parse_module(text), args.repeat)
        emit = median_ms(lambda: print_module(module), args.repeat)
        count = int(np.prod(shape))
        print(f"{name:24} {count:9d} {len(text) / 1024:8.0f} {parse:9.1f} {emit:9.1f}")


if __name__ == "__main__":
    main()
