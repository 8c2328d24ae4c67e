// An int16 layer whose int64 accumulator leaves the 2^47 range of the 16x8 rescale.
// RUN: not qtc-opt %s -p check-overflow 2>&1 | filecheck %s --check-prefix=WIDE
// WIDE: error: check-overflow: %z (qnn.dense, layer 'wide'): the int64 accumulator can reach 140737492123648 (limit 140737488355327) for extreme inputs; reduce the layer's fan-in or weight magnitudes
func.func @wide(%x: tensor<1x1xi16>) -> tensor<1x1xi16> {
  %w = qnn.constant dense<[[115]]> : tensor<1x1xi16>
  %b = qnn.constant dense<[140737488355328]> : tensor<1xi64>
  %z = qnn.dense %x, %w, %b {layer = "wide", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -10>} : (tensor<1x1xi16>, tensor<1x1xi16>, tensor<1xi64>) -> tensor<1x1xi16>
  func.return %z : tensor<1x1xi16>
}
