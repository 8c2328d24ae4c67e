// With zero weights and bias [0, 0, ln 3, 0], the gates are i = f = o = sigmoid(0) = 1/2 and
// the candidate tanh(ln 3) = 4/5 whatever the input, so over three steps the cell state is
// c = 1/2 c + 2/5: 0.4, 0.6, 0.7. calibrate records that range on the op as `cell_range` (the
// cell state is no op result); h = 1/2 tanh(c) has its own `range`. A GRU has no cell.
// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.array([[[1], [2], [3]], [[-1], [0], [5]]], np.float32))"
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz"}' | filecheck %s
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" method=percentile batch-size=1}' | filecheck %s

// CHECK:      %h = nn.lstm %x, %k, %r, %b {cell_range = #qtc.range<0.40000000{{[0-9]*}}, 0.70000000{{[0-9]*}}>, range = #qtc.range<0.189{{[0-9]*}}, 0.302{{[0-9]*}}>, units = 1 : i64, return_sequences = true}
// CHECK:      %g = nn.gru
// CHECK-NOT:  cell_range
// CHECK-SAME: : (tensor<1x3x1xf32>
func.func @main(%x: tensor<1x3x1xf32>) -> (tensor<1x3x1xf32>, tensor<1x1xf32>) {
  %k = nn.constant dense<0.0> : tensor<1x4xf32>
  %r = nn.constant dense<0.0> : tensor<1x4xf32>
  %b = nn.constant dense<[0.0, 0.0, 1.0986123, 0.0]> : tensor<4xf32>
  %h = nn.lstm %x, %k, %r, %b {units = 1 : i64, return_sequences = true} : (tensor<1x3x1xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x3x1xf32>
  %gk = nn.constant dense<0.5> : tensor<1x3xf32>
  %gr = nn.constant dense<0.5> : tensor<1x3xf32>
  %gb = nn.constant dense<0.0> : tensor<2x3xf32>
  %g = nn.gru %x, %gk, %gr, %gb {units = 1 : i64} : (tensor<1x3x1xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x1xf32>
  func.return %h, %g : tensor<1x3x1xf32>, tensor<1x1xf32>
}
