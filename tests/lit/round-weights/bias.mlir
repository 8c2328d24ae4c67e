// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.full((4, 1), 2.0, np.float32))"
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"}' | filecheck %s

// The bias is the last input (a constant 1) and is not rounded, so it takes what the weights
// leave: x is always 2 and w = 0.35, the only weight (nothing to carry its error to), lies
// between grid points. Of the steps within 3 % of 0.25 the largest, 0.2575, holds it best
// (0.35 -> 1 step, an error of 0.0925), so the weight takes that grid and the bias's scale
// follows it (0.2575 * 0.0078125). The error 0.0925 * x moves into the bias: H = [[4, 2],
// [2, 1]] damped by 0.01 * 2.5 gives 0.0925 * 2 / 1.025 = 0.18049 (bias correction: E[x]
// times the weight error, damped).
// CHECK:      %w = nn.constant dense<2.575000e-01> : tensor<1x1xf32> {qparams = #qtc.qparams<[0.2575], [0], i8, axis = 1>}
// CHECK-NEXT: %b = nn.constant dense<0.18048{{[0-9]*}}> : tensor<1xf32> {qparams = #qtc.qparams<[0.00201171875], [0], i32, axis = 0>}
func.func @main(%x: tensor<1x1xf32> {qtc.qparams = #qtc.qparams<0.0078125, 0, i8>}) -> tensor<1x1xf32> {
  %w = nn.constant dense<0.35> : tensor<1x1xf32> {qparams = #qtc.qparams<[0.25], [0], i8, axis = 1>}
  %b = nn.constant dense<0.0> : tensor<1xf32> {qparams = #qtc.qparams<[0.001953125], [0], i32, axis = 0>}
  %y = nn.dense %x, %w, %b {qparams = #qtc.qparams<0.0078125, 0, i8>} : (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}
