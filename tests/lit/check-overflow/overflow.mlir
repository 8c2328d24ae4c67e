// Adversarial weights: a bias close to INT32_MAX leaves no room for the products:
// 2147483000 + 128 * 127 = 2147499256 > 2^31 - 1.
// RUN: not qtc-opt %s -p check-overflow 2>&1 | filecheck %s
// CHECK: error: check-overflow: %y (qnn.dense, layer 'fc'): the int32 accumulator can reach 2147499256 (limit 2147483647) for extreme inputs; build with --bits 16x8 (int64 accumulators)
func.func @main(%x: tensor<1x1xi8>) -> tensor<1x1xi8> {
  %w = qnn.constant dense<[[127]]> : tensor<1x1xi8>
  %b = qnn.constant dense<[2147483000]> : tensor<1xi32>
  %y = qnn.dense %x, %w, %b {layer = "fc", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -10>} : (tensor<1x1xi8>, tensor<1x1xi8>, tensor<1xi32>) -> tensor<1x1xi8>
  func.return %y : tensor<1x1xi8>
}
