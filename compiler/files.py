"""Files qtc writes: always through a temporary file in the same folder and a rename, so an
error never leaves a half-written file; and the `report.json` every command adds to."""

from __future__ import annotations

import json
import os
import tempfile

from qtc.compiler.errors import QtcError

REPORT_JSON = "report.json"


def write_atomically(path: str, data: str | bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise QtcError(f"{path}: the output folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".qtc-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: str, data: dict) -> None:
    write_atomically(path, json.dumps(data, indent=2) + "\n")


def read_report(out_dir: str) -> dict:
    """`OUT/report.json`, with a clear error when OUT is not a `qtc compile` folder."""
    path = os.path.join(out_dir, REPORT_JSON)
    if not os.path.isfile(path):
        raise QtcError(f"{out_dir}: no {REPORT_JSON}; give the folder that `qtc compile -o` wrote")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise QtcError(f"{path}: not a readable report ({e})") from e
