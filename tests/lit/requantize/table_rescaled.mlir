// RUN: qtc-opt %s -p propagate-contracts,requantize | filecheck %s

// The tanh's fixed (2^-7, 0) cannot join the concat's class ([-1, 6]: 7/255, zero point
// -128 + 1 / (7/255) = -91.57 -> -92). Instead of the table and a qnn.requantize (two
// roundings), requantize builds a second table from %x straight to the concat's parameters,
// and drops the first, which nothing reads any more. The second table computes the tanh's
// value, so it keeps the tanh's layer and takes the dropped table's name.
// CHECK:      %r_1 = qnn.quantize %r
// CHECK-NEXT: %t = qnn.lut %x_1 {layer = "t", qparams = #qtc.qparams<0.027450980392156862, -92, i8>, table = dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>} : (tensor<1x2xi8>) -> tensor<1x2xi8>
// CHECK-NEXT: %c = qnn.concat %t, %r_1 {layer = "cat", qparams = #qtc.qparams<0.027450980392156862, -92, i8>, axis = 1 : i64}
// CHECK-NOT:  qnn.requantize
// CHECK-NOT:  qnn.lut
func.func @main(%x: tensor<1x2xf32> {qtc.range = #qtc.range<-4.0, 4.0>}, %r: tensor<1x2xf32> {qtc.range = #qtc.range<0.0, 6.0>}) -> tensor<1x4xf32> {
  %t = nn.tanh %x {layer = "t", range = #qtc.range<-1.0, 1.0>} : tensor<1x2xf32>
  %c = nn.concat %t, %r {axis = 1 : i64, layer = "cat", range = #qtc.range<-1.0, 6.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  func.return %c : tensor<1x4xf32>
}
