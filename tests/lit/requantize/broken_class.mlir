// RUN: qtc-opt %s -p propagate-contracts,requantize | filecheck %s

// propagate-contracts breaks the concat's class (13 bits apart); requantize brings the small
// input over to the concat's parameters with an explicit qnn.requantize:
// s_small / s_cat = (0.02 / 255) / (200 / 255) = 1e-4 = 0.8192 * 2^-13, q = round(0.8192 * 2^31) = 1759218604.
// CHECK:      %small_1 = qnn.quantize %small {qparams = #qtc.qparams<7.843137254901961e-05, -1, i8>}
// CHECK-NEXT: %large_1 = qnn.quantize %large {qparams = #qtc.qparams<0.7843137254901961, -1, i8>}
// CHECK-NEXT: %small_rescaled = qnn.requantize %small_1 {layer = "cat", qparams = #qtc.qparams<0.7843137254901961, -1, i8>, input_zero_point = -1 : i32, output_zero_point = -1 : i32, multiplier = array<i32: 1759218604>, shift = array<i32: -13>} : (tensor<1x2xi8>) -> tensor<1x2xi8>
// CHECK-NEXT: %c = qnn.concat %small_rescaled, %large_1 {layer = "cat", qparams = #qtc.qparams<0.7843137254901961, -1, i8>, axis = 1 : i64}
func.func @main(%small: tensor<1x2xf32> {qtc.range = #qtc.range<-0.01, 0.01>}, %large: tensor<1x2xf32> {qtc.range = #qtc.range<-100.0, 100.0>}) -> tensor<1x4xf32> {
  %c = nn.concat %small, %large {axis = 1 : i64, layer = "cat", range = #qtc.range<-100.0, 100.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  func.return %c : tensor<1x4xf32>
}
