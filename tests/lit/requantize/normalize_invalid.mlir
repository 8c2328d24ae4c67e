// RUN: not qtc-opt %s -p requantize 2>&1 | filecheck %s

// A mean of 3 * 10^9 input integers cannot be subtracted in int32 at any shift.
// CHECK: error: requantize: nn.normalize (%n (nn.normalize)): the means [3000000000.0] lie too far outside the input's integer range (scale 1.0)
func.func @main(%x: tensor<1x8x1xf32> {qtc.qparams = #qtc.qparams<1.0, 0, i16>}) -> tensor<1x8x1xf32> {
  %n = nn.normalize %x {mean = array<f64: 3.0e9>, std = array<f64: 1.0>, qparams = #qtc.qparams<0.01, 0, i16>} : tensor<1x8x1xf32>
  func.return %n : tensor<1x8x1xf32>
}
