"""`OUT/report.md`: the human-readable twin of `OUT/report.json`, plus its plots.

`qtc compile` writes it from the report it builds; `qtc verify` (and `qtc cost`) add their
facts to `report.json` and call `write_report_md(OUT)`, which renders the whole file again from
`report.json`, so report.md never says anything report.json does not. Sections:

- summary and layer table (parameters, MACs, arena);
- the contract decisions of `propagate-contracts` (report.json `contracts`): merged classes,
  broken classes with the `qnn.requantize` each needed and the bits merging would have cost (for
  fixed parameters that could not merge at all, the bits the rescale costs), declined preferences;
- the cost table when report.json has `cost` (`{"cortex-m0": {"instructions", "cycles",
  "flash_bytes", "ram_bytes", "per_layer"}, ...}`);
- verification (report.json `verification`, written by `qtc verify`): metrics, per-output and
  per-layer tables, and the PNG plots, linked relatively so the folder can be moved.

Plots are drawn with matplotlib's Agg canvas directly (no pyplot, no global backend change).
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import BlockArgument, SSAValue

from qtc.compiler.files import REPORT_JSON, read_report, write_atomically, write_json
from qtc.dialects import qnn
from qtc.dialects.annotations import QPARAMS, get_annotation
from qtc.dialects.qtc_attrs import QParamsAttr

REPORT_MD = "report.md"
SQNR_PLOT = "verify_sqnr.png"
SCATTER_PLOT = "verify_outputs.png"
SCATTER_POINTS = 20000
"""At most this many (float, integer) output pairs are drawn in the scatter plot."""


# -- files --------------------------------------------------------------------------------


def update_report(out_dir: str, **facts) -> dict:
    """Add `facts` (top-level keys) to `OUT/report.json` and render `OUT/report.md` again."""
    report = read_report(out_dir)
    report.update(facts)
    write_json(os.path.join(out_dir, REPORT_JSON), report)
    write_report_md(out_dir, report)
    return report


def write_report_md(out_dir: str, report: dict | None = None) -> str:
    """Render `OUT/report.md` from `OUT/report.json` (or `report`); returns the path.

    The entry point for commands that add to report.json (`qtc verify`, `qtc cost`).
    """
    report = read_report(out_dir) if report is None else report
    path = os.path.join(out_dir, REPORT_MD)
    write_atomically(path, render_report_md(report, out_dir))
    return path


# -- facts computed at compile time -----------------------------------------------------------


def inserted_requantizes(module: ModuleOp, contracts: dict) -> list[dict]:
    """The `qnn.requantize` ops that `requantize` inserted for broken classes, with the bits
    lost of the `broken` record of the same layer and value.

    `requantize` names such a rescale `<value>_rescaled`; the relu lowering's own requantize
    (a declined preference, no extra op) is not one of them.
    """
    rows = []
    for function in module.ops:
        if not isinstance(function, func.FuncOp):
            continue
        broken = contracts.get("functions", {}).get(function.sym_name.data, {}).get("broken", [])
        for op in function.body.block.ops:
            hint = op.results[0].name_hint if op.results else None
            if not isinstance(op, qnn.RequantizeOp) or not hint or "_rescaled" not in hint:
                continue
            layer = op.attributes.get("layer")
            layer = layer.data if isinstance(layer, StringAttr) else None
            source = op.operands[0].name_hint
            same_layer = [b for b in broken if b.get("layer") == layer]
            exact = [b for b in same_layer if any(v.startswith(f"%{source} ") for v in b["values"])]
            entry = (exact or same_layer or [None])[0]
            before, after = value_qparams(op.operands[0]), value_qparams(op.results[0])
            rows.append(
                {
                    "value": f"%{hint}",
                    "layer": layer,
                    "input": f"%{source}" if source else None,
                    "from": _qparams_text(before),
                    "to": _qparams_text(after),
                    "bits_lost": entry["bits_lost"] if entry else None,
                }
            )
    return rows


def value_qparams(value: SSAValue) -> QParamsAttr | None:
    """The quantization parameters of a `qnn` value: its defining op's `qparams` (a property of
    `qnn.quantize`, an attribute elsewhere), or the argument annotation."""
    if isinstance(value, BlockArgument):
        attr = get_annotation(value, QPARAMS)
    else:
        attr = value.owner.properties.get(QPARAMS) if isinstance(value.owner, qnn.QuantizeOp) else None
        attr = attr or value.owner.attributes.get(QPARAMS)
    return attr if isinstance(attr, QParamsAttr) else None


def _qparams_text(attr: QParamsAttr | None) -> str | None:
    if attr is None or attr.per_axis:
        return None
    return f"scale {attr.scale:.6g}, zero point {attr.zero_point}, i{attr.bits}"


# -- plots ------------------------------------------------------------------------------------


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def plot_layer_sqnr(per_layer: list[dict], path: str) -> bool:
    """A horizontal bar a layer: its SQNR in dB (layers without one are left out)."""
    rows = [r for r in per_layer if r.get("sqnr_db") is not None]
    if not rows:
        return False
    figure = _figure(7, 1.2 + 0.32 * len(rows))
    axes = figure.add_subplot()
    labels = [f"{r['name']} ({r['op']})" for r in rows]
    values = [r["sqnr_db"] for r in rows]
    axes.barh(range(len(rows)), values, color="tab:blue")
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    axes.invert_yaxis()
    for i, v in enumerate(values):
        axes.annotate(f"{v:.1f}", (v, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    axes.set_xlabel("SQNR (dB): float value vs dequantized integer value")
    axes.set_title("Per-layer quantization error")
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    return True


def plot_output_scatter(reference: np.ndarray, other: np.ndarray, path: str, other_label: str) -> bool:
    """Every output element (a fixed random subset when many): reference value against the
    model under test, with the identity line."""
    x = np.asarray(reference, np.float64).reshape(-1)
    y = np.asarray(other, np.float64).reshape(-1)
    if x.size == 0:
        return False
    if x.size > SCATTER_POINTS:
        keep = np.random.default_rng(0).choice(x.size, SCATTER_POINTS, replace=False)
        x, y = x[keep], y[keep]
    figure = _figure(5, 5)
    axes = figure.add_subplot()
    axes.scatter(x, y, s=8, alpha=0.5, color="tab:blue", linewidths=0)
    lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    axes.plot([lo, hi], [lo, hi], color="tab:red", linewidth=0.8, label="y = x")
    axes.set_xlabel("float model output")
    axes.set_ylabel(other_label)
    axes.set_title("Outputs: float vs model under test")
    axes.legend(loc="upper left")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    return True


# -- markdown ---------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_cell(v)}" for k, v in value.items())
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _records_table(records) -> list[str]:
    """A table of JSON-like data of unknown shape: a list of dicts, or a dict of rows."""
    if isinstance(records, dict):
        records = [
            {"name": k, **v} if isinstance(v, dict) else {"name": k, "value": v} for k, v in records.items()
        ]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return [f"`{json.dumps(records)}`", ""]
    header: list[str] = []
    for r in records:
        header += [k for k in r if k not in header]
    return _table(header, [[r.get(k) for k in header] for r in records])


def _summary(report: dict) -> list[str]:
    ram = report.get("ram", {})
    build = "float32" if report.get("bits") == "float" else f"integer, --bits {report.get('bits')}"
    lines = [
        f"# qtc report: {report.get('model')}",
        "",
        f"- source: `{report.get('source')}`",
        f"- build: {build}",
    ]
    if report.get("bits") != "float":
        lines.append(
            f"- C I/O: {report.get('io')}; rounding: {report.get('rounding')}; "
            f"calibration: {report.get('calibration_method')}"
        )
    lines += [
        f"- parameters: {report.get('params')}; MACs per inference: {report.get('macs')}",
        f"- RAM: arena {ram.get('arena_bytes')} bytes (lower bound {ram.get('lower_bound_bytes')}), "
        f"state between calls {ram.get('state_bytes')} bytes",
        "",
        "## Layers",
        "",
    ]
    rows = [[r["name"], f"`{r['op']}`", r["params"], r["macs"]] for r in report.get("layers", [])]
    rows.append(["**total**", "", report.get("params"), report.get("macs")])
    lines += _table(["layer", "op", "params", "MACs"], rows)
    if report.get("boundary"):
        lines += ["Integer boundary (real value = scale * (integer - zero point)):", ""]
        lines += _table(
            ["kind", "scale", "zero point", "bits"],
            [[b["kind"], b["scale"], b["zero_point"], b["bits"]] for b in report["boundary"]],
        )
    return lines


def _contracts(report: dict) -> list[str]:
    contracts = report.get("contracts")
    if not contracts:
        return ["## Contract decisions", "", "Float build: no quantization, no contracts to solve.", ""]
    lines = [f"## Contract decisions ({contracts.get('mode')})", ""]
    requantizes = report.get("requantizes", [])
    for name, record in contracts.get("functions", {}).items():
        classes, broken, declined = record["classes"], record["broken"], record["declined"]
        merged = [c for c in classes if len(c["members"]) > 1]
        fixed = [c for c in classes if c.get("fixed_by")]
        lines += [
            f"`@{name}`: {len(classes)} classes of values sharing one scale and zero point; "
            f"{len(merged)} merged (more than one value), {len(fixed)} fixed by an op, "
            f"{len(broken)} broken (a required equality refused), "
            f"{len(declined)} preferences declined.",
            "",
            "### Merged and fixed classes",
            "",
        ]
        shown = [c for c in classes if len(c["members"]) > 1 or c.get("fixed_by")]
        if shown:
            lines += _table(
                ["class", "members", "range", "scale", "zero point", "bits", "fixed by"],
                [
                    [c["id"], c["members"], c["range"], c["scale"], c["zero_point"], c["bits"], c.get("fixed_by") or None]
                    for c in shown
                ],
            )
        else:
            lines += ["None: every value has parameters of its own.", ""]
        lines += ["### Broken classes (explicit `qnn.requantize`)", ""]
        if broken:
            rows = []
            for b in broken:
                inserted = [r["value"] for r in requantizes if r.get("layer") == b.get("layer")]
                rows.append([b["op"], b.get("layer"), b["values"], b.get("bits_lost"), b["reason"], inserted or None])
            lines += _table(["op", "layer", "values", "bits lost", "reason", "requantize inserted"], rows)
        else:
            lines += ["None: every required equality was merged.", ""]
        if requantizes:
            lines += ["Inserted rescales:", ""]
            lines += _table(
                ["value", "layer", "input", "from", "to", "bits lost"],
                [[r["value"], r["layer"], r["input"], r["from"], r["to"], r["bits_lost"]] for r in requantizes],
            )
        lines += ["### Declined preferences", ""]
        if declined:
            lines += _table(
                ["op", "layer", "values", "bits lost", "reason"],
                [[d["op"], d.get("layer"), d["values"], d.get("bits_lost"), d["reason"]] for d in declined],
            )
        else:
            lines += ["None: every preferred equality was merged.", ""]
    return lines


def _cost(report: dict) -> list[str]:
    cost = report.get("cost")
    if not cost:
        return []
    lines = ["## Cost", ""]
    keys = ["instructions", "cycles", "flash_bytes", "ram_bytes"]
    lines += _table(
        ["target", "instructions", "cycles", "flash bytes", "RAM bytes"],
        [[target, *(facts.get(k) for k in keys)] for target, facts in cost.items()],
    )
    for target, facts in cost.items():
        if facts.get("per_layer"):
            lines += [f"Per layer on {target}:", ""] + _records_table(facts["per_layer"])
    return lines


def _verification(report: dict, out_dir: str | None) -> list[str]:
    v = report.get("verification")
    if not v:
        return []
    float_build = report.get("bits") == "float"
    under_test = "float C" if float_build else "integer model (Python reference)"
    lines = [
        "## Verification",
        "",
        f"`qtc verify` on {v['samples']} samples of `{v.get('test')}`: the float model (`nn` "
        f"interpreter on float.mlir) against the {under_test}.",
        "",
    ]
    rows = [
        ["float accuracy", v["float_accuracy"]],
        ["integer accuracy", v["int_accuracy"]],
        ["SQNR (dB)", v["sqnr_db"]],
        ["max abs error", v["max_abs_error"]],
        [
            "C vs interpreter, differing elements" if float_build else "C vs Python reference, bit-exact mismatches",
            v["bit_exact_mismatches"] if v["bit_exact_mismatches"] is not None else "not checked",
        ],
    ]
    tolerances = {k: t for k, t in (v.get("tolerances") or {}).items() if t is not None}
    if tolerances:
        rows.append(["tolerances", tolerances])
        rows.append(["passed", v.get("passed")])
    lines += _table(["metric", "value"], rows)
    metric_header = ["name", "op", "value", "SQNR (dB)", "max abs error", "rmse / LSB"]

    def metric_rows(entries):
        return [[e["name"], f"`{e['op']}`", e.get("value"), e["sqnr_db"], e["max_abs_error"], e.get("rmse_lsb")]
                for e in entries]

    lines += ["### Outputs", ""] + _table(metric_header, metric_rows(v["per_output"]))
    if v["per_layer"]:
        lines += [
            "### Per layer",
            "",
            "Each `nn` value of float.mlir against the `qnn` value of model.mlir with the same "
            "`layer` attribute and name hint whose op implements the `nn` op (qnn.lut for nn.tanh, "
            "...), dequantized with its qparams; the input against its `qnn.quantize`. rmse / LSB "
            "near 0.29 is rounding noise; far above, a range problem (clipping, outliers). SQNR is "
            "empty where the error is zero or the float value is all zero, and the last column says "
            "why a value has no integer twin.",
            "",
        ]
        rows = [[*row, e.get("not_compared")] for row, e in zip(metric_rows(v["per_layer"]), v["per_layer"])]
        lines += _table([*metric_header, "not compared"], rows)
    for file, alt in ((SQNR_PLOT, "per-layer SQNR"), (SCATTER_PLOT, "float vs model outputs")):
        if file in v.get("plots", []) and (out_dir is None or os.path.isfile(os.path.join(out_dir, file))):
            lines += [f"![{alt}]({file})", ""]
    return lines


def render_report_md(report: dict, out_dir: str | None = None) -> str:
    """The markdown of `report` (report.json's content); plots are linked if in `out_dir`."""
    lines = _summary(report) + _contracts(report) + _cost(report) + _verification(report, out_dir)
    return "\n".join(lines).rstrip() + "\n"
