"""`qtc verify` and `OUT/report.md`: verify.json and report.json contents on a labelled model
(examples/digits) and an unlabelled one with a broken contract class, tolerances, the float
build, the report's contract decisions and plots, and the Python API twins."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from xdsl.dialects.builtin import StringAttr

from qtc.compiler.api import ToleranceError, compile, verify
from qtc.compiler.build import run_pipeline
from qtc.compiler.cli import main
from qtc.compiler.interpreter import entry_function
from qtc.compiler.report_md import write_report_md
from qtc.compiler.textual_ir import parse_module, read_module
from qtc.compiler.verify import KEYS, pair_values
from qtc.dialects import qnn
from qtc.passes.requantize import LOWERINGS

ROOT = Path(__file__).parent.parent
DIGITS = ROOT / "examples" / "digits"
TEST_SAMPLES = 120
"""A subset of the digits test set keeps each verification to about a second."""

L = keras.layers


def _read(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """examples/digits compiled to int8 through the API, and a labelled test subset."""
    tmp = tmp_path_factory.mktemp("digits")
    out = tmp / "out"
    report = compile(str(DIGITS / "model.keras"), calibration=str(DIGITS / "calibration.npz"), bits=8, out=out)
    with np.load(DIGITS / "test.npz") as data:
        test = tmp / "test.npz"
        np.savez(test, x=data["x"][:TEST_SAMPLES], y=data["y"][:TEST_SAMPLES])
    return out, test, report


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A model whose concat class must be broken (one branch ~100x the other), no labels."""
    tmp = tmp_path_factory.mktemp("broken")
    keras.utils.set_random_seed(3)
    x = keras.Input((6,), name="features")
    a = L.Dense(8, activation="relu", name="small")(x)
    b = L.Dense(8, name="big", kernel_initializer=keras.initializers.RandomNormal(stddev=40.0))(x)
    y = L.Dense(3, name="head")(L.Concatenate(name="cat")([a, b]))
    path = tmp / "model.keras"
    keras.Model(x, y).save(path)
    rng = np.random.default_rng(0)
    np.savez(tmp / "calibration.npz", x=rng.standard_normal((200, 6)).astype(np.float32))
    np.savez(tmp / "test.npz", x=rng.standard_normal((64, 6)).astype(np.float32))
    out = tmp / "out"
    assert main(["compile", str(path), "--calibration", str(tmp / "calibration.npz"), "-o", str(out)]) == 0
    return out, tmp / "test.npz"


def _check_verify_json(result: dict, report: dict) -> None:
    assert tuple(result) == KEYS
    for entry in result["per_output"] + result["per_layer"]:
        assert {"name", "op", "sqnr_db", "max_abs_error"} <= set(entry)
    # one entry a float op (in report.json's layer order) after one a model input
    assert [e["name"] for e in result["per_layer"] if e["op"] != "input"] == [r["name"] for r in report["layers"]]
    assert [e["op"] for e in result["per_layer"] if e["op"] != "input"] == [r["op"] for r in report["layers"]]


def test_digits_verify_writes_verify_json_and_report(digits, capsys) -> None:
    out, test, compiled = digits
    assert main(["verify", str(out), "--test", str(test)]) == 0
    assert "verify.json" in capsys.readouterr().out
    result = _read(out / "verify.json")
    report = _read(out / "report.json")
    _check_verify_json(result, report)
    assert result["samples"] == TEST_SAMPLES
    assert result["float_accuracy"] > 0.9 and result["int_accuracy"] > 0.9
    assert result["bit_exact_mismatches"] == 0
    assert result["sqnr_db"] > 25 and 0 < result["max_abs_error"] < 0.2
    assert [e["name"] for e in result["per_output"]] == ["classes"]
    keras_names = {layer.name for layer in keras.saving.load_model(DIGITS / "model.keras").layers}
    assert result["per_layer"] and {e["name"] for e in result["per_layer"]} <= keras_names
    assert all(e["sqnr_db"] is not None and e["sqnr_db"] > 20 for e in result["per_layer"])
    assert result["per_layer"][0] == {**result["per_layer"][0], "name": "image", "op": "input"}
    assert set(report) >= {"model", "bits", "params", "macs", "layers", "ram", "contracts", "requantizes"}
    assert {k: v for k, v in report.items() if k != "verification"} == compiled
    verification = report["verification"]
    assert {k: verification[k] for k in KEYS} == result
    assert verification["passed"] is True and set(verification["plots"]) == {"verify_sqnr.png", "verify_outputs.png"}


def test_digits_report_md_has_contracts_and_embeds_existing_plots(digits) -> None:
    out, test, _ = digits
    verify(out, test=test)
    text = (out / "report.md").read_text()
    assert "## Layers" in text and "| fc3 | `nn.dense` | 8224 | 8192 |" in text
    assert "## Contract decisions (int8)" in text
    assert "### Merged and fixed classes" in text and "%pw2 (nn.conv2d, layer 'pw2'), %pool2" in text
    assert "nn.softmax (require)" in text  # the class fixed by the softmax contract
    assert "### Broken classes" in text and "### Declined preferences" in text
    assert text.index("## Contract decisions") < text.index("## Verification")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert sorted(images) == ["verify_outputs.png", "verify_sqnr.png"]
    for image in images:
        assert (out / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_md_renders_a_cost_entry_and_one_verification_section(digits, tmp_path) -> None:
    out = tmp_path / "out"
    shutil.copytree(digits[0], out)
    test = digits[1]
    verify(out, test=test, samples=20)
    verify(out, test=test, samples=20)
    report = _read(out / "report.json")
    report["cost"] = {
        "cortex-m0": {
            "instructions": 123456, "cycles": 150000, "flash_bytes": 20480, "ram_bytes": 2048,
            "per_layer": [{"name": "conv1", "cycles": 40000}, {"name": "fc3", "cycles": 30000}],
        }
    }
    (out / "report.json").write_text(json.dumps(report))
    write_report_md(str(out))
    text = (out / "report.md").read_text()
    assert "| cortex-m0 | 123456 | 150000 | 20480 | 2048 |" in text
    assert "| conv1 | 40000 |" in text and "| fc3 | 30000 |" in text
    assert text.count("## Verification") == 1 and text.index("## Cost") < text.index("## Verification")


def test_api_returns_what_the_files_hold(digits) -> None:
    out, test, compiled = digits
    result = verify(out, test=test, samples=40)
    assert result == _read(out / "verify.json") and result["samples"] == 40
    with np.load(test) as data:  # arrays in memory work too
        assert verify(out, test={"x": data["x"][:10]})["float_accuracy"] is None
    assert _read(out / "report.json")["verification"]["test"] == "test data"


def test_model_without_labels_and_a_broken_class(broken) -> None:
    out, test = broken
    result = verify(out, test=test)
    report = _read(out / "report.json")
    _check_verify_json(result, report)
    assert result["float_accuracy"] is None and result["int_accuracy"] is None
    assert result["bit_exact_mismatches"] == 0 and result["samples"] == 64
    assert [e["name"] for e in result["per_layer"]] == ["features", "small", "big", "cat", "head"]
    assert all(e["not_compared"] is None for e in result["per_layer"])
    (broken_entry,) = report["contracts"]["functions"]["main"]["broken"]
    (inserted,) = report["requantizes"]
    assert broken_entry["layer"] == inserted["layer"] == "cat"
    assert inserted["value"] == "%small_rescaled" and inserted["bits_lost"] == broken_entry["bits_lost"] > 3
    text = (out / "report.md").read_text()
    assert "### Broken classes (explicit `qnn.requantize`)" in text
    assert f"| {broken_entry['bits_lost']} |" in text and "%small_rescaled" in text
    assert "| float accuracy | - |" in text and "| rmse / LSB | not compared |" in text



def test_tanh_table_retargeted_to_a_concat_is_compared_with_the_tanh(tmp_path) -> None:
    """A Dense(tanh) branch concatenated with a Dense(relu) branch of several times the range: the
    tanh's fixed 2^-7 cannot join the concat's class, so its table is built straight to the
    concat's parameters. That table keeps the tanh's layer and name, and verify compares it with
    the float tanh at its own (the concat's) parameters (it compared the dense's pre-activation
    before: about -5 dB). Rounding noise at that scale, rmse ~0.3 LSB, is all that remains. The
    contract record and report.md give the broken class's cost: the tanh's bits lost to the
    concat's scale, log2(concat scale / 2^-7)."""
    keras.utils.set_random_seed(5)
    x = keras.Input((6,), name="features")
    a = L.Dense(8, activation="tanh", name="branch_tanh")(x)
    b = L.Dense(8, activation="relu", name="branch_relu",
                kernel_initializer=keras.initializers.RandomNormal(stddev=2.0))(x)
    model = keras.Model(x, L.Dense(3, name="head")(L.Concatenate(name="concat")([a, b])))
    rng = np.random.default_rng(1)
    calibration = rng.standard_normal((200, 6)).astype(np.float32)
    out = tmp_path / "out"
    compile(model, calibration=calibration, bits=8, out=out)
    boundary = (qnn.QuantizeOp, qnn.DequantizeOp)
    ops = [op for op in read_module(str(out / "model.mlir")).walk() if isinstance(op, qnn.QnnOp)]
    layers = {op: op.attributes["layer"].data for op in ops if not isinstance(op, boundary)}
    assert set(layers.values()) == {layer.name for layer in model.layers} - {"features"}
    (lut,) = [op for op in ops if isinstance(op, qnn.LutOp)]
    (concat,) = [op for op in ops if isinstance(op, qnn.ConcatOp)]
    assert (layers[lut], lut.result.name_hint) == ("branch_tanh", "branch_tanh")
    assert lut.attributes["qparams"] == concat.attributes["qparams"]
    report = _read(out / "report.json")
    (broken,) = report["contracts"]["functions"]["main"]["broken"]
    bits = round(math.log2(concat.attributes["qparams"].scale / 2**-7), 2)
    assert broken["layer"] == "concat" and broken["bits_lost"] == bits > 1
    assert broken["reason"].startswith("fixed parameters conflict or would clip; the rescale costs")
    assert f"| {bits} | fixed parameters" in (out / "report.md").read_text()
    result = verify(out, test={"x": rng.standard_normal((64, 6)).astype(np.float32)})
    rows = {(e["name"], e["op"]): e for e in result["per_layer"]}
    assert all(e["sqnr_db"] is not None for e in rows.values())
    tanh = rows["branch_tanh", "nn.tanh"]
    assert tanh["sqnr_db"] > 20 and tanh["max_abs_error"] < 0.1 and tanh["rmse_lsb"] < 0.5


BN_DENSE_TANH = """
func.func @main(%x: tensor<1x4xf32> {qtc.range = #qtc.range<-2.0, 2.0>}) -> tensor<1x2xf32> {
  %g = nn.constant dense<[1.0, 2.0, 0.5, 1.5]> : tensor<4xf32>
  %z = nn.constant dense<[0.0, 0.1, -0.1, 0.2]> : tensor<4xf32>
  %one = nn.constant dense<[1.0, 1.0, 1.0, 1.0]> : tensor<4xf32>
  %w = nn.constant dense<[[1.0, -0.5], [0.25, 2.0], [0.5, 0.5], [-1.0, 1.0]]> : tensor<4x2xf32>
  %b = nn.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %n = nn.batch_norm %x, %g, %z, %z, %one {layer = "bn", range = #qtc.range<-4.0, 4.0>} : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %d = nn.dense %n, %w, %b {layer = "d", range = #qtc.range<-6.0, 6.0>} : (tensor<1x4xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %d_1 = nn.tanh %d {layer = "d", range = #qtc.range<-1.0, 1.0>} : tensor<1x2xf32>
  func.return %d_1 : tensor<1x2xf32>
}
"""
"""A [1, 4] batch norm (three integer ops: reshape, 1x1 depthwise convolution, reshape, all named
%n) and a Dense(tanh) layer (%d twice: the dense and its tanh)."""


def _pairs(mutate=lambda function: None) -> dict:
    float_mod, int_mod = parse_module(BN_DENSE_TANH), parse_module(BN_DENSE_TANH)
    run_pipeline(int_mod, "propagate-contracts,requantize")
    int_fn = entry_function(int_mod)
    mutate(int_fn)
    return {(p.name, p.op): p for p in pair_values(entry_function(float_mod), int_fn)}


def test_values_pair_with_the_integer_op_of_their_kind() -> None:
    """The batch norm takes the last of its three ops (its shape), the dense its qnn.dense and the
    tanh its table, all in one (layer, name) group each."""
    pairs = _pairs()
    assert all(p.reason is None for p in pairs.values())
    bn = pairs["bn", "nn.batch_norm"].int_value
    assert isinstance(bn.owner, qnn.ReshapeOp) and isinstance(bn.owner.input.owner, qnn.DepthwiseConv1DOp)
    assert isinstance(pairs["d", "nn.dense"].int_value.owner, qnn.DenseOp)
    assert isinstance(pairs["d", "nn.tanh"].int_value.owner, qnn.LutOp)
    assert isinstance(pairs["x", "input"].int_value.owner, qnn.QuantizeOp)


def test_a_value_without_an_integer_twin_of_its_kind_is_not_compared() -> None:
    """The tanh's table moved to another layer (as before b10abea, when a retargeted table took a
    concat's layer): the (d, %d) group has two float values and one integer value. Pairing by
    position gave the tanh the dense's pre-activation integers and the dense nothing; by kind, the
    dense keeps its qnn.dense and the tanh is listed as not compared, with the reason."""

    def move_table(function) -> None:
        (lut,) = [op for op in function.body.block.ops if isinstance(op, qnn.LutOp)]
        lut.attributes["layer"] = StringAttr("concat")

    pairs = _pairs(move_table)
    assert isinstance(pairs["d", "nn.dense"].int_value.owner, qnn.DenseOp)
    tanh = pairs["d", "nn.tanh"]
    assert tanh.int_value is None and tanh.qparams is None
    assert tanh.reason == "no qnn.lut with layer 'd' and name %d"

    def drop_dense_name(function) -> None:  # the dense alone has no twin now: not the table
        (dense,) = [op for op in function.body.block.ops if isinstance(op, qnn.DenseOp)]
        dense.result.name_hint = "pre"

    pairs = _pairs(drop_dense_name)
    assert pairs["d", "nn.dense"].int_value is None and "no qnn.dense" in pairs["d", "nn.dense"].reason
    assert isinstance(pairs["d", "nn.tanh"].int_value.owner, qnn.LutOp)


def test_every_lowered_op_has_its_integer_forms() -> None:
    assert set(qnn.INTEGER_FORMS) == {op.name for op in LOWERINGS}
    ops = {op.name for op in qnn.QNN.operations}
    assert all(set(forms) <= ops for forms in qnn.INTEGER_FORMS.values())


def test_exceeded_tolerance_exits_1_naming_the_worst_layer(broken, capsys) -> None:
    out, test = broken
    assert main(["verify", str(out), "--test", str(test), "--min-sqnr", "200", "--max-abs-error", "0.5"]) == 1
    err = capsys.readouterr().err
    result = _read(out / "verify.json")  # written before the check
    worst = min(result["per_layer"], key=lambda e: e["sqnr_db"])
    assert err.startswith(f"error: {out}: verification failed: max abs error ") and "> 0.5" in err
    assert "dB < 200 dB" in err and f"worst layer: '{worst['name']}' ({worst['op']}" in err
    assert _read(out / "report.json")["verification"]["passed"] is False
    with pytest.raises(ToleranceError, match=f"worst layer: '{worst['name']}'") as caught:
        verify(out, test=test, max_abs_error=1e-6)
    assert caught.value.result == _read(out / "verify.json")
    assert main(["verify", str(out), "--test", str(test), "--max-accuracy-drop", "1"]) == 2
    assert "needs labels" in capsys.readouterr().err


def test_float_build_compares_the_float_c_with_the_interpreter(digits, tmp_path) -> None:
    _, test, _ = digits
    out = tmp_path / "float"
    assert main(["compile", str(DIGITS / "model.keras"), "--float", "-o", str(out)]) == 0
    assert (out / "float.mlir").is_file() and "## Contract decisions" in (out / "report.md").read_text()
    assert main(["verify", str(out), "--test", str(test)]) == 0
    result = _read(out / "verify.json")
    assert tuple(result) == KEYS and result["per_layer"] == []
    assert result["float_accuracy"] > 0.9 and result["int_accuracy"] is None
    assert result["max_abs_error"] < 1e-5 and result["sqnr_db"] > 100
    assert isinstance(result["bit_exact_mismatches"], int)  # float C vs interpreter: informational
    assert [e["name"] for e in result["per_output"]] == ["classes"]
    assert main(["verify", str(out), "--test", str(test), "--max-abs-error", "1e-12"]) == 1
    text = (out / "report.md").read_text()
    assert "against the float C" in text and "![float vs model outputs](verify_outputs.png)" in text


def test_verify_needs_a_compiled_folder(tmp_path, capsys) -> None:
    assert main(["verify", str(tmp_path), "--test", str(tmp_path / "t.npz")]) == 1
    assert "no report.json" in capsys.readouterr().err
