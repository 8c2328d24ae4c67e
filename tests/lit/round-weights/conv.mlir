// RUN: %python -c "import numpy as np; c = np.linspace(-1, 1, 9); np.savez('%t.npz', x=np.repeat(c[:, None, None], 3, 1).astype(np.float32))"
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"}' | filecheck %s
// RUN: qtc-opt %s -p 'round-weights{data="%t.npz"},requantize' | filecheck %s --check-prefix=INT

// Per-channel grids: each calibration sample is constant in time, so the two taps of every
// patch are equal and each channel only needs tap0 + tap1 right. Both channels round tap 0
// down (0.35 / 0.25 = 1.4, 0.6 / 0.5 = 1.2) and carry 98.6% of its error onto tap 1. Channel 0
// (step 0.25): 0.35 + 0.0986 -> 1.79 steps -> 2, so [0.25, 0.5]; channel 1 (step 0.5):
// 0.6 + 0.0986 -> 1.40 steps -> 1, so [0.5, 0.5], what nearest rounding gives.
// CHECK:      %w = nn.constant dense<{{\[\[\[}}2.500000e-01, 5.000000e-01]], {{\[\[}}5.000000e-01, 5.000000e-01]]]> : tensor<2x1x2xf32>
// INT:        qnn.constant dense<{{\[\[\[}}1, 1]], {{\[\[}}2, 1]]]> : tensor<2x1x2xi8>
func.func @main(%x: tensor<1x3x1xf32> {qtc.qparams = #qtc.qparams<0.0078125, 0, i8>}) -> tensor<1x2x2xf32> {
  %w = nn.constant dense<[[[0.35, 0.6]], [[0.35, 0.6]]]> : tensor<2x1x2xf32> {qparams = #qtc.qparams<[0.25, 0.5], [0, 0], i8, axis = 2>}
  %b = nn.constant dense<0.0> : tensor<2xf32> {qparams = #qtc.qparams<[0.001953125, 0.00390625], [0, 0], i32, axis = 0>}
  %y = nn.conv1d %x, %w, %b {strides = array<i64: 1>, dilations = array<i64: 1>, padding = "valid", qparams = #qtc.qparams<0.0078125, 0, i8>} : (tensor<1x3x1xf32>, tensor<2x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2xf32>
  func.return %y : tensor<1x2x2xf32>
}
