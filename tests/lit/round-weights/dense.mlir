// RUN: %python -c "import numpy as np; t = np.linspace(-1, 1, 9); np.savez('%t.npz', x=np.stack([t, t], 1).astype(np.float32))"
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"}' | filecheck %s
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"},requantize' | filecheck %s --check-prefix=INT
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz" method=nearest},requantize' | filecheck %s --check-prefix=NEAREST

// The two inputs are equal on the calibration data, so only w0 + w1 = 0.7 matters. On the grid
// of 0.25 both 0.35 round to 0.25 (1.4 -> 1), a sum of 0.5. GPTQ rounds w0 to 0.25 and moves its
// error 0.1 onto w1 (H sees one direction; the damping keeps 98.6% of the 0.1): 0.4486
// rounds to 0.5 (1.79 -> 2), a sum of 0.75. The inputs have mean 0, so the bias keeps its 0.
// CHECK:      %w = nn.constant dense<{{\[\[}}2.500000e-01], [5.000000e-01]]> : tensor<2x1xf32>
// CHECK-NEXT: %b = nn.constant dense<0.000000e+00> : tensor<1xf32>

// requantize's round(w / 0.25) gives back GPTQ's integers; nearest rounding keeps [1, 1].
// INT:     qnn.constant dense<{{\[\[}}1], [2]]> : tensor<2x1xi8>
// NEAREST: qnn.constant dense<1> : tensor<2x1xi8>
func.func @main(%x: tensor<1x2xf32> {qtc.qparams = #qtc.qparams<0.0078125, 0, i8>}) -> tensor<1x1xf32> {
  %w = nn.constant dense<[[0.35], [0.35]]> : tensor<2x1xf32> {qparams = #qtc.qparams<[0.25], [0], i8, axis = 1>}
  %b = nn.constant dense<0.0> : tensor<1xf32> {qparams = #qtc.qparams<[0.001953125], [0], i32, axis = 0>}
  %y = nn.dense %x, %w, %b {qparams = #qtc.qparams<0.0078125, 0, i8>} : (tensor<1x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}
