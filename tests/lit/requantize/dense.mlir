// RUN: qtc-opt %s -p requantize | filecheck %s
// RUN: qtc-opt %s -p 'requantize{rounding=single}' | filecheck %s --check-prefix=SINGLE

// x: scale 4/255, zero point -64; weights per channel 1/127 and 2/127:
//   [[1, -0.5], [0.25, 2]] / scales = [[127, -31.75], [31.75, 127]] -> [[127, -32], [32, 127]] (half away from 0);
// bias at s_x * s_w = 4/32385 and 8/32385: 0.5 -> 4048.125 -> 4048, -0.5 -> -2024.0625 -> -2024;
// rescale s_x * s_w / s_y with s_y = 6/255: 0.0052493 = 0.671916 * 2^-7 and 0.0104987 = 0.671916 * 2^-6,
//   q = round(0.671916 * 2^31) = 1442928645; the relu clamp starts at the output zero point -128.
// CHECK:      func.func @main(%x: tensor<1x2xf32> {{.*}}) -> tensor<1x2xf32> {
// CHECK-NEXT:   %x_1 = qnn.quantize %x {qparams = #qtc.qparams<0.01568627450980392, -64, i8>} : (tensor<1x2xf32>) -> tensor<1x2xi8>
// CHECK-NEXT:   %y_weights = qnn.constant dense<{{\[\[}}127, -32], [32, 127]]> : tensor<2x2xi8> {layer = "fc", qparams = #qtc.qparams<[0.007874015748031496, 0.015748031496062992], [0, 0], i8, axis = 1>}
// CHECK-NEXT:   %y_bias = qnn.constant dense<[4048, -2024]> : tensor<2xi32> {layer = "fc", qparams = #qtc.qparams<[0.0001235139725181411, 0.0002470279450362822], [0, 0], i32, axis = 0>}
// CHECK-NEXT:   %y = qnn.dense %x_1, %y_weights, %y_bias {layer = "fc", qparams = #qtc.qparams<0.023529411764705882, -128, i8>, input_zero_point = -64 : i32, output_zero_point = -128 : i32, multiplier = array<i32: 1442928645, 1442928645>, shift = array<i32: -7, -6>, clamp_min = -128 : i32, clamp_max = 127 : i32} : (tensor<1x2xi8>, tensor<2x2xi8>, tensor<2xi32>) -> tensor<1x2xi8>
// CHECK-NEXT:   %y_1 = qnn.dequantize %y {qparams = #qtc.qparams<0.023529411764705882, -128, i8>} : (tensor<1x2xi8>) -> tensor<1x2xf32>
// CHECK-NEXT:   func.return %y_1 : tensor<1x2xf32>
// CHECK-NOT:  nn.

// SINGLE: %y = qnn.dense {{.*}}rounding = "single"
func.func @main(%x: tensor<1x2xf32> {qtc.qparams = #qtc.qparams<0.01568627450980392, -64, i8>}) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, -0.5], [0.25, 2.0]]> : tensor<2x2xf32> {qparams = #qtc.qparams<[0.007874015748031496, 0.015748031496062992], [0, 0], i8, axis = 1>}
  %b = nn.constant dense<[0.5, -0.5]> : tensor<2xf32> {qparams = #qtc.qparams<[0.00012351397251814112, 0.00024702794503628224], [0, 0], i32, axis = 0>}
  %y = nn.dense %x, %w, %b {activation = "relu", layer = "fc", qparams = #qtc.qparams<0.023529411764705882, -128, i8>} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
