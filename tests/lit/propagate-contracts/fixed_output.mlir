// RUN: qtc-opt %s -p propagate-contracts | filecheck %s --check-prefix=INT8
// RUN: qtc-opt %s -p 'propagate-contracts{mode=int16}' | filecheck %s --check-prefix=INT16

// tanh: (2^-(bits-1), 0); sigmoid and softmax: (1/256, -128) in int8, (2^-15, 0) in int16,
// whatever the calibrated ranges say. The record names the contract that fixed each class.
// INT8:  fixed_by = "nn.tanh (require)"
// INT8:  %t = nn.tanh %x {{{.*}}qparams = #qtc.qparams<0.0078125, 0, i8>
// INT8:  %s = nn.sigmoid %x {{{.*}}qparams = #qtc.qparams<0.00390625, -128, i8>
// INT8:  %m = nn.softmax %x {{{.*}}qparams = #qtc.qparams<0.00390625, -128, i8>
// INT16: %t = nn.tanh %x {{{.*}}qparams = #qtc.qparams<3.0517578125e-05, 0, i16>
// INT16: %s = nn.sigmoid %x {{{.*}}qparams = #qtc.qparams<3.0517578125e-05, 0, i16>
// INT16: %m = nn.softmax %x {{{.*}}qparams = #qtc.qparams<3.0517578125e-05, 0, i16>
func.func @main(%x: tensor<1x4xf32> {qtc.range = #qtc.range<-3.0, 3.0>}) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %t = nn.tanh %x {range = #qtc.range<-0.5, 0.9>} : tensor<1x4xf32>
  %s = nn.sigmoid %x {range = #qtc.range<0.1, 0.7>} : tensor<1x4xf32>
  %m = nn.softmax %x {range = #qtc.range<0.0, 0.6>} : tensor<1x4xf32>
  func.return %t, %s, %m : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
