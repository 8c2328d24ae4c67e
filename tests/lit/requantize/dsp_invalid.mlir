// RUN: not qtc-opt %s -p requantize 2>&1 | filecheck %s

// The integer FFT takes symmetric i16 inputs (nn.spectrum's contract asks for 16 bits; these
// parameters are written by hand).
// CHECK: error: requantize: nn.spectrum (%s (nn.spectrum)): the integer FFT needs a symmetric i16 input, got #qtc.qparams<0.01, -3, i8>
func.func @main(%x: tensor<1x32x1xf32> {qtc.qparams = #qtc.qparams<0.01, -3, i8>}) -> tensor<1x17x1xf32> {
  %s = nn.spectrum %x {size = 32 : i64, qparams = #qtc.qparams<0.5, -128, i8>} : (tensor<1x32x1xf32>) -> tensor<1x17x1xf32>
  func.return %s : tensor<1x17x1xf32>
}
