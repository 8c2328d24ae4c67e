// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.array([[[1], [0]], [[0], [1]], [[-1], [0]], [[0], [-1]]], np.float32))"
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"}' | filecheck %s
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"},requantize' | filecheck %s --check-prefix=INT

// A depthwise channel on the best-fit step of its grid. The two taps never move together on
// the calibration data (H is diagonal), so GPTQ has nothing to carry a rounding error to and
// rounds to nearest; what is left to choose is the step. Channel 0 has the taps [0.35, 0.6]:
// on its step 0.25 both round down (errors 0.1 and 0.1); of the steps within 3 % the largest,
// 0.2575, gives [0.2575, 0.515] (errors 0.0925 and 0.085), a smaller output error, so the
// channel takes it and its bias's scale follows (0.2575 * 0.0078125). Channel 1's taps
// [0.5, 0.25] sit on its step 0.25 and keep it.
// CHECK:      %w = nn.constant dense<{{\[\[\[}}2.575000e-01, 5.000000e-01]], {{\[\[}}5.150000e-01, 2.500000e-01]]]> : tensor<2x1x2xf32> {qparams = #qtc.qparams<[0.2575, 0.25], [0, 0], i8, axis = 1>}
// CHECK-NEXT: %b = nn.constant dense<0.000000e+00> : tensor<2xf32> {qparams = #qtc.qparams<[0.00201171875, 0.001953125], [0, 0], i32, axis = 0>}

// requantize rounds on the recorded grids and gives back the same integers.
// INT: qnn.constant dense<{{\[\[\[}}1, 2]], {{\[\[}}2, 1]]]> : tensor<2x1x2xi8>
func.func @main(%x: tensor<1x2x1xf32> {qtc.qparams = #qtc.qparams<0.0078125, 0, i8>}) -> tensor<1x1x2xf32> {
  %w = nn.constant dense<[[[0.35, 0.5]], [[0.6, 0.25]]]> : tensor<2x1x2xf32> {qparams = #qtc.qparams<[0.25, 0.25], [0, 0], i8, axis = 1>}
  %b = nn.constant dense<0.0> : tensor<2xf32> {qparams = #qtc.qparams<[0.001953125, 0.001953125], [0, 0], i32, axis = 0>}
  %y = nn.depthwise_conv1d %x, %w, %b {qparams = #qtc.qparams<0.0078125, 0, i8>, strides = array<i64: 1>, dilations = array<i64: 1>, padding = "valid"} : (tensor<1x2x1xf32>, tensor<2x1x2xf32>, tensor<2xf32>) -> tensor<1x1x2xf32>
  func.return %y : tensor<1x1x2xf32>
}
