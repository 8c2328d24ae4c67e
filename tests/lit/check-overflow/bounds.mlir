// RUN: qtc-opt %s -p check-overflow | filecheck %s

// Worst case = max over channels of |bias| + max|x - z| * sum |w|. With z = -128, max|x - z| = 255:
// channel 0: 1000 + 255 * (127 + 127 + 127) = 98155; channel 1: 5 + 255 * (127 + 127 + 0) = 64775.
// CHECK: %y = qnn.dense %x, %w, %b {{{.*}}qtc.max_accumulator = 98155 : i64
func.func @dense(%x: tensor<1x3xi8>) -> tensor<1x2xi8> {
  %w = qnn.constant dense<[[127, -127], [127, 127], [-127, 0]]> : tensor<3x2xi8>
  %b = qnn.constant dense<[1000, -5]> : tensor<2xi32>
  %y = qnn.dense %x, %w, %b {input_zero_point = -128 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -10>} : (tensor<1x3xi8>, tensor<3x2xi8>, tensor<2xi32>) -> tensor<1x2xi8>
  func.return %y : tensor<1x2xi8>
}

// Depthwise: the taps of output channel c * M + m are w[..., c, m]; z = 0 -> max|x - z| = 128.
// channel (0, 0): 128 * (1 + 2) = 384; (0, 1): 128 * (3 + 4) = 896; (1, 0): 128 * 10 = 1280; (1, 1): 0.
// CHECK: %d = qnn.depthwise_conv1d %x, %w, %b {{{.*}}qtc.max_accumulator = 1280 : i64
func.func @depthwise(%x: tensor<1x4x2xi8>) -> tensor<1x3x4xi8> {
  %w = qnn.constant dense<[[[1, 3], [10, 0]], [[-2, -4], [0, 0]]]> : tensor<2x2x2xi8>
  %b = qnn.constant dense<[0, 0, 0, 0]> : tensor<4xi32>
  %d = qnn.depthwise_conv1d %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -10>, strides = array<i64: 1>, dilations = array<i64: 1>, padding = "valid"} : (tensor<1x4x2xi8>, tensor<2x2x2xi8>, tensor<4xi32>) -> tensor<1x3x4xi8>
  func.return %d : tensor<1x3x4xi8>
}
