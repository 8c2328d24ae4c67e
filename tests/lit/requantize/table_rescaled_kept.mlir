// RUN: qtc-opt %s -p propagate-contracts,requantize | filecheck %s

// As table_rescaled.mlir, but the tanh is also returned: its own table (2^-7, 0) stays, and the
// second table for the concat is %t_rescaled, still in the tanh's layer (it computes the tanh).
// CHECK:      %t = qnn.lut %x_1 {layer = "t", qparams = #qtc.qparams<0.0078125, 0, i8>
// CHECK-NEXT: %t_rescaled = qnn.lut %x_1 {layer = "t", qparams = #qtc.qparams<0.027450980392156862, -92, i8>
// CHECK-NEXT: %c = qnn.concat %t_rescaled, %r_1 {layer = "cat"
// CHECK-NOT:  qnn.requantize
// CHECK:      %t_1 = qnn.dequantize %t {qparams = #qtc.qparams<0.0078125, 0, i8>}
func.func @main(%x: tensor<1x2xf32> {qtc.range = #qtc.range<-4.0, 4.0>}, %r: tensor<1x2xf32> {qtc.range = #qtc.range<0.0, 6.0>}) -> (tensor<1x4xf32>, tensor<1x2xf32>) {
  %t = nn.tanh %x {layer = "t", range = #qtc.range<-1.0, 1.0>} : tensor<1x2xf32>
  %c = nn.concat %t, %r {axis = 1 : i64, layer = "cat", range = #qtc.range<-1.0, 6.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  func.return %c, %t : tensor<1x4xf32>, tensor<1x2xf32>
}
