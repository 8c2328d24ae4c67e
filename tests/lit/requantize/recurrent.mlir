// RUN: qtc-opt %s -p propagate-contracts,requantize | filecheck %s
// RUN: qtc-opt %s -p 'propagate-contracts{mode=16x8},requantize' | filecheck %s --check-prefix=W8
// RUN: qtc-opt %s -p 'propagate-contracts{mode=int16},requantize' | filecheck %s --check-prefix=W16

// One unit each, so every scale is a power of two and every constant can be checked by hand.
// int8: x and the results in [-1, 127/128] are (2^-7, 0); every kernel and recurrent column has
// max |w| = 127/128, so its scale is 2^-7 and its integers are +-127. The rescales:
//   input     s_x * s_k / 2^-12         = 2^-7 * 2^-7 / 2^-12  = 2^-2  -> (2^30, -1)
//   recurrent s_r * 2^-15 / 2^-12        = 2^-7 * 2^-3         = 2^-10 -> (2^30, -9)
//   output    2^-15 / s_y                = 2^-15 / 2^-7        = 2^-8  -> (2^30, -7)
// The input bias is at s_x * s_k = 2^-14: LSTM [0.5, 1, 0, -0.25] * 2^14 = [8192, 16384, 0, -4096].
// The cell reaches 3.0: 32767 * 2^p >= 3 first for p = -13 (2^-14 * 32767 = 1.99994 < 3).
// The reset_after GRU adds its recurrent z and r biases to the input ones,
//   [0.5 + 0.25, 0.25 + 0.25, -0.5] * 2^14 = [12288, 8192, -8192],
// and keeps the candidate's 0.5 at s_r * 2^-15 = 2^-22: 0.5 * 2^22 = 2097152 (i32: one unit).
// The tables map Q3.12 to Q0.15 (sigmoid, hard sigmoid, tanh: 513 entries each).

// CHECK-LABEL: func.func @main(
// CHECK:        %h_kernel = qnn.constant dense<{{\[\[}}127, -127, 127, 127]]> : tensor<1x4xi8> {layer = "lstm", qparams = #qtc.qparams<[0.0078125, 0.0078125, 0.0078125, 0.0078125], [0, 0, 0, 0], i8, axis = 1>}
// CHECK-NEXT:   %h_recurrent_kernel = qnn.constant dense<{{\[\[}}127, 127, -127, 127]]> : tensor<1x4xi8>
// CHECK-NEXT:   %h_bias = qnn.constant dense<[8192, 16384, 0, -4096]> : tensor<4xi32> {layer = "lstm", qparams = #qtc.qparams<[6.103515625e-05, 6.103515625e-05, 6.103515625e-05, 6.103515625e-05], [0, 0, 0, 0], i32, axis = 0>}
// CHECK-NEXT:   %h = qnn.lstm %x_1, %h_kernel, %h_recurrent_kernel, %h_bias {layer = "lstm", qparams = #qtc.qparams<0.0078125, 0, i8>, input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<"0x{{[0-9A-F]+}}"> : tensor<513xi16>, activation_table = dense<"0x{{[0-9A-F]+}}"> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<1x3x1xi8>, tensor<1x4xi8>, tensor<1x4xi8>, tensor<4xi32>) -> tensor<1x1xi8>
// CHECK-NEXT:   %g_kernel = qnn.constant dense<{{\[\[}}127, 127, -127]]> : tensor<1x3xi8>
// CHECK-NEXT:   %g_recurrent_kernel = qnn.constant dense<{{\[\[}}127, -127, 127]]> : tensor<1x3xi8>
// CHECK-NEXT:   %g_bias = qnn.constant dense<[12288, 8192, -8192]> : tensor<3xi32>
// CHECK-NEXT:   %g_recurrent_bias = qnn.constant dense<2097152> : tensor<1xi32> {layer = "gru_after", qparams = #qtc.qparams<[2.384185791015625e-07], [0], i32, axis = 0>}
// CHECK-NEXT:   %g = qnn.gru %x_1, %g_kernel, %g_recurrent_kernel, %g_bias, %g_recurrent_bias {layer = "gru_after", qparams = #qtc.qparams<0.0078125, 0, i8>, input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<"0x{{[0-9A-F]+}}"> : tensor<513xi16>, activation_table = dense<"0x{{[0-9A-F]+}}"> : tensor<513xi16>, reset_after = true} : (tensor<1x3x1xi8>, tensor<1x3xi8>, tensor<1x3xi8>, tensor<3xi32>, tensor<1xi32>) -> tensor<1x3x1xi8>
// CHECK:        %b_bias = qnn.constant dense<[8192, 4096, -8192]> : tensor<3xi32>
// CHECK-NEXT:   %b = qnn.gru %x_1, %b_kernel, %b_recurrent_kernel, %b_bias {{{.*}}reset_after = false} : (tensor<1x3x1xi8>, tensor<1x3xi8>, tensor<1x3xi8>, tensor<3xi32>) -> tensor<1x1xi8>
// CHECK-NOT:    {{ nn\.}}

// 16x8: i16 activations, i8 weights, i64 input biases; int16: i16 weights too. One unit keeps
// the recurrent projection in int32 either way (a GRU's recurrent bias is then i32).
// W8:      %h = qnn.lstm {{.*}} : (tensor<1x3x1xi16>, tensor<1x4xi8>, tensor<1x4xi8>, tensor<4xi64>) -> tensor<1x1xi16>
// W8:      %g = qnn.gru {{.*}} : (tensor<1x3x1xi16>, tensor<1x3xi8>, tensor<1x3xi8>, tensor<3xi64>, tensor<1xi32>) -> tensor<1x3x1xi16>
// W16:     %h_kernel = qnn.constant dense<{{\[\[}}32767, -32767, 32767, 32767]]> : tensor<1x4xi16>
// W16:     %h = qnn.lstm {{.*}} : (tensor<1x3x1xi16>, tensor<1x4xi16>, tensor<1x4xi16>, tensor<4xi64>) -> tensor<1x1xi16>
// W16:     %g = qnn.gru {{.*}} : (tensor<1x3x1xi16>, tensor<1x3xi16>, tensor<1x3xi16>, tensor<3xi64>, tensor<1xi64>) -> tensor<1x3x1xi16>
func.func @main(%x: tensor<1x3x1xf32> {qtc.range = #qtc.range<-1.0, 0.9921875>}) -> (tensor<1x1xf32>, tensor<1x3x1xf32>, tensor<1x1xf32>) {
  %k = nn.constant dense<[[0.9921875, -0.9921875, 0.9921875, 0.9921875]]> : tensor<1x4xf32>
  %r = nn.constant dense<[[0.9921875, 0.9921875, -0.9921875, 0.9921875]]> : tensor<1x4xf32>
  %bias = nn.constant dense<[0.5, 1.0, 0.0, -0.25]> : tensor<4xf32>
  %h = nn.lstm %x, %k, %r, %bias {layer = "lstm", units = 1 : i64, range = #qtc.range<-1.0, 0.9921875>, cell_range = #qtc.range<-1.5, 3.0>} : (tensor<1x3x1xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x1xf32>
  %gk = nn.constant dense<[[0.9921875, 0.9921875, -0.9921875]]> : tensor<1x3xf32>
  %gr = nn.constant dense<[[0.9921875, -0.9921875, 0.9921875]]> : tensor<1x3xf32>
  %gb = nn.constant dense<[[0.5, 0.25, -0.5], [0.25, 0.25, 0.5]]> : tensor<2x3xf32>
  %g = nn.gru %x, %gk, %gr, %gb {layer = "gru_after", units = 1 : i64, return_sequences = true, range = #qtc.range<-1.0, 0.9921875>} : (tensor<1x3x1xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x3x1xf32>
  %bb = nn.constant dense<[0.5, 0.25, -0.5]> : tensor<3xf32>
  %b = nn.gru %x, %gk, %gr, %bb {layer = "gru_before", units = 1 : i64, reset_after = false, recurrent_activation = "hard_sigmoid", range = #qtc.range<-1.0, 0.9921875>} : (tensor<1x3x1xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x1xf32>
  func.return %h, %g, %b : tensor<1x1xf32>, tensor<1x3x1xf32>, tensor<1x1xf32>
}
