// RUN: qtc-opt %s -p propagate-contracts,requantize | filecheck %s
// RUN: qtc-opt %s -p 'propagate-contracts{mode=int16},requantize' | filecheck %s --check-prefix=INT16

// tanh and sigmoid become tables (256 int8 entries, or TFLite's 513-entry interpolated
// int16 table); softmax becomes TFLM's integer softmax. A relu merged with its input (1 bit
// apart) is a clamp at the input's zero point -1; one declined ([0, 0.5] is 3.6 bits narrower)
// is a requantize that clamps: (6/255) / (0.5/255) = 12 = 0.75 * 2^4, q = 0.75 * 2^31.
// CHECK:      %t = qnn.lut %x_1 {qparams = #qtc.qparams<0.0078125, 0, i8>, table = dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>}
// CHECK-NEXT: %s = qnn.lut %x_1 {qparams = #qtc.qparams<0.00390625, -128, i8>, table = dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>}
// CHECK-NEXT: %m = qnn.softmax %x_1 {qparams = #qtc.qparams<0.00390625, -128, i8>, input_beta_multiplier = {{[0-9]+}} : i32, input_beta_left_shift = {{[0-9]+}} : i32, diff_min = {{-[0-9]+}} : i32}
// CHECK-NEXT: %r = qnn.clamp %x_1 {qparams = #qtc.qparams<0.023529411764705882, -1, i8>, clamp_min = -1 : i32, clamp_max = 127 : i32}
// CHECK-NEXT: %r2 = qnn.requantize %x_1 {qparams = #qtc.qparams<0.00196078431372549, -128, i8>, input_zero_point = -1 : i32, output_zero_point = -128 : i32, multiplier = array<i32: 1610612736>, shift = array<i32: 4>, clamp_min = -128 : i32, clamp_max = 127 : i32}
// INT16:      %t = qnn.lut %x_1 {qparams = #qtc.qparams<3.0517578125e-05, 0, i16>, table = dense<"0x{{[0-9A-F]+}}"> : tensor<513xi16>}
// INT16:      %m = qnn.softmax %x_1 {{{.*}}exp_table = dense<"0x{{[0-9A-F]+}}"> : tensor<513xi16>, reciprocal_table = dense<"0x{{[0-9A-F]+}}"> : tensor<513xi16>}
func.func @main(%x: tensor<1x4xf32> {qtc.range = #qtc.range<-3.0, 3.0>}) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %t = nn.tanh %x : tensor<1x4xf32>
  %s = nn.sigmoid %x : tensor<1x4xf32>
  %m = nn.softmax %x : tensor<1x4xf32>
  %r = nn.relu %x {range = #qtc.range<0.0, 3.0>} : tensor<1x4xf32>
  %r2 = nn.relu %x {range = #qtc.range<0.0, 0.5>} : tensor<1x4xf32>
  func.return %t, %s, %m, %r, %r2 : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
