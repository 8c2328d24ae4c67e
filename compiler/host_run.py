"""Build generated C for this machine and run it on numpy inputs (tests, `qtc verify`).

A small driver reads raw input samples from a file, calls `NAME_run` once a sample and
writes the raw outputs; the arrays cross the boundary as bytes, so nothing is rounded on
the way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from math import prod

import numpy as np

from qtc.compiler.errors import QtcError

STRICT_FLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-ffp-contract=off")
SANITIZE_FLAGS = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g")

DRIVER = """\
#include <stdio.h>
#include "{name}.h"

/* Reads {count_in} input elements a sample from argv[1], writes the outputs to argv[2]. */
int main(int argc, char **argv)
{{
    static {in_type} input[{count_in}];
    static {out_type} output[{count_out}];
    FILE *in, *out;
    if (argc != 3) return 2;
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) return 3;
    {name}_init();
    while (fread(input, sizeof input, 1, in) == 1) {{
        if ({name}_run(input, output) != 0) return 4;
        if (fwrite(output, sizeof output, 1, out) != 1) return 5;
    }}
    fclose(in);
    fclose(out);
    return 0;
}}
"""

C_TYPES = {np.dtype(np.float32): "float", np.dtype(np.int8): "int8_t", np.dtype(np.int16): "int16_t"}


@dataclass
class HostModel:
    """A generated model compiled for this machine, with its I/O layout."""

    binary: str
    input_shape: tuple[int, ...]
    input_dtype: np.dtype
    output_shape: tuple[int, ...]
    output_dtype: np.dtype

    def run(self, x: np.ndarray) -> np.ndarray:
        """Outputs for every sample of `x` (leading axis: samples of `input_shape`)."""
        x = np.ascontiguousarray(x, dtype=self.input_dtype).reshape(-1, *self.input_shape)
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
            x.tofile(src)
            result = subprocess.run([self.binary, src, dst], capture_output=True, text=True)
            if result.returncode != 0:
                raise QtcError(
                    f"the compiled model failed (exit {result.returncode}): {result.stderr.strip()}"
                )
            y = np.fromfile(dst, dtype=self.output_dtype)
        return y.reshape(len(x), *self.output_shape)


def build_host_model(
    out_dir: str,
    input_shape: tuple[int, ...],
    input_dtype,
    output_shape: tuple[int, ...],
    output_dtype,
    *,
    name: str = "model",
    cc: str = "gcc",
    extra_flags: tuple[str, ...] = (),
    build_dir: str | None = None,
) -> HostModel:
    """Compile `out_dir/NAME.c` with a file-driven main; `input_shape` is one sample's shape."""
    if shutil.which(cc) is None:
        raise QtcError(f"{cc}: C compiler not found; install it (e.g. apt-get install {cc})")
    input_dtype, output_dtype = np.dtype(input_dtype), np.dtype(output_dtype)
    build_dir = build_dir or tempfile.mkdtemp(prefix="qtc-host-")
    driver = os.path.join(build_dir, "driver.c")
    with open(driver, "w") as f:
        f.write(
            DRIVER.format(
                name=name,
                in_type=C_TYPES[input_dtype],
                out_type=C_TYPES[output_dtype],
                count_in=prod(input_shape),
                count_out=prod(output_shape),
            )
        )
    binary = os.path.join(build_dir, f"{name}_{cc}")
    command = [
        cc, *STRICT_FLAGS, *extra_flags, "-O2", "-I", out_dir,
        os.path.join(out_dir, f"{name}.c"), driver, "-o", binary, "-lm",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise QtcError(f"building {out_dir}/{name}.c failed:\n{result.stderr}")
    return HostModel(binary, tuple(input_shape), input_dtype, tuple(output_shape), output_dtype)
