// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.full((4, 1), 2.0, np.float32))"
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"}' | filecheck %s

// The bias is the last input (a constant 1) and is not rounded, so it takes what the weights
// leave: x is always 2, w = 0.35 rounds to 0.25 (the only weight: nothing to carry it to), and
// the error 0.1 * x moves into the bias. H = [[4, 2], [2, 1]] damped by 0.01 * 2.5 gives the
// bias 0.1 * 2 / 1.025 = 0.19512 (bias correction: E[x] times the weight error, damped).
// CHECK:      %w = nn.constant dense<2.500000e-01> : tensor<1x1xf32>
// CHECK-NEXT: %b = nn.constant dense<0.19512{{[0-9]*}}> : tensor<1xf32>
func.func @main(%x: tensor<1x1xf32> {qtc.qparams = #qtc.qparams<0.0078125, 0, i8>}) -> tensor<1x1xf32> {
  %w = nn.constant dense<0.35> : tensor<1x1xf32> {qparams = #qtc.qparams<[0.25], [0], i8, axis = 1>}
  %b = nn.constant dense<0.0> : tensor<1xf32> {qparams = #qtc.qparams<[0.001953125], [0], i32, axis = 0>}
  %y = nn.dense %x, %w, %b {qparams = #qtc.qparams<0.0078125, 0, i8>} : (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}
