// RUN: qtc-opt %s -p requantize | filecheck %s

// Depthwise weights [kh, kw, C, M] = [1, 1, 2, 2] with one scale an output channel c * M + m
// (axes [C, M] from axis 2 on, flattened): [3, 1, 0.5, 1] / 127. Every weight is its channel's
// max |w|, so all four become +-127 (one shared scale per input channel would give 0.5 -> 64).
// Bias at s_x * s_w, here 0; rescale s_x * s_w / s_y with s_x = 1/64, s_y = 1/32 an output
// channel: 3 / 254 = 0.755906 * 2^-6 (q = round(0.755906 * 2^31) = 1623294726), 1 / 254 and
// 0.5 / 254 = 0.503937 * 2^-7 and 2^-8 (q = 1082196484).
// CHECK:      %y_weights = qnn.constant dense<{{\[\[\[\[}}127, -127], [127, 127]]]]> : tensor<1x1x2x2xi8> {qparams = #qtc.qparams<[0.023622047244094488, 0.007874015748031496, 0.003937007874015748, 0.007874015748031496], [0, 0, 0, 0], i8, axis = 2>}
// CHECK-NEXT: %y_bias = qnn.constant dense<0> : tensor<4xi32> {qparams = #qtc.qparams<[0.00036909448818897637, 0.00012303149606299212, 6.151574803149606e-05, 0.00012303149606299212], [0, 0, 0, 0], i32, axis = 0>}
// CHECK-NEXT: %y = qnn.depthwise_conv2d {{.*}}multiplier = array<i32: 1623294726, 1082196484, 1082196484, 1082196484>, shift = array<i32: -6, -7, -8, -7>

// The same weights with one scale an input channel (the first two kept) are refused.
// RUN: sed 's/, 0.003937007874015748, 0.007874015748031496\]/]/; s/\[0, 0, 0, 0\], i8/[0, 0], i8/' %s | not qtc-opt -p requantize 2>&1 | filecheck %s --check-prefix=PERINPUT
// PERINPUT: error: requantize: nn.depthwise_conv2d (%y (nn.depthwise_conv2d)): %w (nn.constant): qparams have 2 scales but axes 2..3 (flattened) have 4 channels
func.func @main(%x: tensor<1x1x1x2xf32> {qtc.qparams = #qtc.qparams<0.015625, 0, i8>}) -> tensor<1x1x1x4xf32> {
  %w = nn.constant dense<[[[[3.0, -1.0], [0.5, 1.0]]]]> : tensor<1x1x2x2xf32> {qparams = #qtc.qparams<[0.023622047244094488, 0.007874015748031496, 0.003937007874015748, 0.007874015748031496], [0, 0, 0, 0], i8, axis = 2>}
  %b = nn.constant dense<0.0> : tensor<4xf32> {qparams = #qtc.qparams<[0.00036909448818897637, 0.00012303149606299212, 6.151574803149606e-05, 0.00012303149606299212], [0, 0, 0, 0], i32, axis = 0>}
  %y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "valid", qparams = #qtc.qparams<0.03125, 0, i8>} : (tensor<1x1x1x2xf32>, tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x1x4xf32>
  func.return %y : tensor<1x1x1x4xf32>
}
