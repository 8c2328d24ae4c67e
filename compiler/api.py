"""The Python twins of `qtc compile` and `qtc verify`.

    from qtc.compiler.api import compile, verify

    report = compile("model.keras", calibration="calib.npz", bits=8, out="out/model")
    result = verify("out/model", test="test.npz", min_sqnr=30)

`compile` returns what `OUT/report.json` holds and `verify` what `OUT/verify.json` holds (read
back from the files, so the dicts are the files' data exactly). Errors are `QtcError`s; a
missed tolerance is a `ToleranceError` (a `QtcError`) whose `result` is the verify.json data.
"""

from __future__ import annotations

import json
import os

from qtc.compiler.build import compile_model
from qtc.compiler.errors import UsageError
from qtc.compiler.report_md import REPORT_JSON
from qtc.compiler.verify import VERIFY_JSON, ToleranceError, verify_output

__all__ = ["compile", "verify", "ToleranceError"]


def _read_json(out: str, name: str) -> dict:
    with open(os.path.join(out, name), encoding="utf-8") as f:
        return json.load(f)


def compile(  # noqa: A001  (the twin of `qtc compile`)
    model_or_path,
    calibration=None,
    bits: int | str = 8,
    out: str | os.PathLike | None = None,
    *,
    calibration_method: str = "minmax",
    rounding: str = "double",
    weight_rounding: str | None = None,
    io: str = "int",
    name: str = "model",
    preprocess=None,
) -> dict:
    """Compile a Keras model (object or .keras/.h5 path) into the folder `out`.

    `bits`: 8, 16, "16x8" (integer builds; need `calibration`, an .npz path or arrays) or
    "float"; `weight_rounding`: "nearest" or "gptq" (None: gptq for 16x8, else nearest);
    `preprocess`: a pre.json path or its dict (streaming builds). Returns the
    report.json data.
    """
    if out is None:
        raise UsageError("compile needs an output folder: out=...")
    compile_model(
        model_or_path,
        os.fspath(out),
        bits=str(bits),
        calibration=calibration,
        calibration_method=calibration_method,
        rounding=rounding,
        weight_rounding=weight_rounding,
        io=io,
        name=name,
        preprocess=preprocess,
    )
    return _read_json(os.fspath(out), REPORT_JSON)


def verify(
    out: str | os.PathLike,
    test=None,
    *,
    max_abs_error: float | None = None,
    min_sqnr: float | None = None,
    max_accuracy_drop: float | None = None,
    samples: int | None = None,
) -> dict:
    """Verify the compiled folder `out` on `test` (an .npz path, a mapping with `x` and
    optionally `y`, or an input array). Returns the verify.json data; raises `ToleranceError`
    when a given tolerance is missed (after writing the files)."""
    if test is None:
        raise UsageError("verify needs test data: test=... (an .npz path or {'x': ..., 'y': ...})")
    verify_output(
        os.fspath(out),
        test,
        max_abs_error=max_abs_error,
        min_sqnr=min_sqnr,
        max_accuracy_drop=max_accuracy_drop,
        samples=samples,
    )
    return _read_json(os.fspath(out), VERIFY_JSON)
