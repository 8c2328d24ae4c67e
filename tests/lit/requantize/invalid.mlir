// RUN: not qtc-opt %s -p requantize 2>&1 | filecheck %s --check-prefix=NOPARAMS
// NOPARAMS: error: requantize: %x (argument 0) has no qparams: run propagate-contracts first

// RUN: not qtc-opt %s -p 'requantize{rounding=nearest}' 2>&1 | filecheck %s --check-prefix=ROUNDING
// ROUNDING: error: requantize: rounding must be "double" or "single", got "nearest"
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %t = nn.tanh %x : tensor<1x4xf32>
  func.return %t : tensor<1x4xf32>
}
