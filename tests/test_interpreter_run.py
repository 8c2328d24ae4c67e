"""The module runner: inputs with more samples than the signature run batch by batch."""

import numpy as np

from qtc.compiler.interpreter import run
from qtc.compiler.textual_ir import parse_module

TWO_INPUTS = """
func.func @main(%a: tensor<1x2xi8>, %b: tensor<3xi8>) -> (tensor<1x2xi8>, tensor<3xi8>) {
  %x = qnn.clamp %a {clamp_min = -1 : i32, clamp_max = 3 : i32} : (tensor<1x2xi8>) -> tensor<1x2xi8>
  %y = qnn.clamp %b {clamp_min = -1 : i32, clamp_max = 3 : i32} : (tensor<3xi8>) -> tensor<3xi8>
  func.return %x, %y : tensor<1x2xi8>, tensor<3xi8>
}
"""


def test_each_argument_is_sliced_by_its_own_batch_size() -> None:
    a = np.arange(-2, 2).reshape(2, 2)
    b = np.arange(-2, 4)
    x, y = run(parse_module(TWO_INPUTS), [a, b])
    assert x.tolist() == np.clip(a, -1, 3).tolist()
    assert y.tolist() == np.clip(b, -1, 3).tolist()
