// RUN: qtc-opt %s | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// qnn.lstm and qnn.gru in their custom form: int8 (i32 bias), 16x8 and int16 (i64 bias),
// per-tensor and per-gate-column rescales, every step or the last one, a GRU's recurrent
// bias only with reset_after. The tables are splats here (a real one has 513 entries).

// GENERIC: %last = "qnn.gru"(%x, %k3, %r3, %b3, %rb) <{input_zero_point = -3 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true, rounding = "double"}>

// CHECK-LABEL: func.func @recurrent(%x: tensor<2x5x3xi8>, %x16: tensor<1x4x3xi16>) -> (tensor<2x5x2xi8>, tensor<2x2xi8>, tensor<2x2xi8>, tensor<1x2xi16>, tensor<1x4x2xi16>) {
// CHECK-NEXT:    %k = qnn.constant dense<1> : tensor<3x8xi8>
// CHECK-NEXT:    %r = qnn.constant dense<-1> : tensor<2x8xi8>
// CHECK-NEXT:    %b = qnn.constant dense<100> : tensor<8xi32>
// CHECK-NEXT:    %seq = qnn.lstm %x, %k, %r, %b {input_zero_point = -3 : i32, input_multiplier = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1200000000>, input_shift = array<i32: -1, -1, -1, -1, -1, -1, -1, -2>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 5 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, rounding = "single", cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x5x2xi8>
// CHECK-NEXT:    %k3 = qnn.constant dense<1> : tensor<3x6xi8>
// CHECK-NEXT:    %r3 = qnn.constant dense<1> : tensor<2x6xi8>
// CHECK-NEXT:    %b3 = qnn.constant dense<0> : tensor<6xi32>
// CHECK-NEXT:    %rb = qnn.constant dense<7> : tensor<2xi32>
// CHECK-NEXT:    %last = qnn.gru %x, %k3, %r3, %b3, %rb {input_zero_point = -3 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>, tensor<2xi32>) -> tensor<2x2xi8>
// CHECK-NEXT:    %before = qnn.gru %x, %k3, %r3, %b3 {input_zero_point = -3 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = false} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>) -> tensor<2x2xi8>
// CHECK-NEXT:    %b16 = qnn.constant dense<-5> : tensor<8xi64>
// CHECK-NEXT:    %x16_lstm = qnn.lstm %x16, %k, %r, %b16 {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: 7>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = 15 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -30 : i32} : (tensor<1x4x3xi16>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi64>) -> tensor<1x2xi16>
// CHECK-NEXT:    %k16 = qnn.constant dense<300> : tensor<3x6xi16>
// CHECK-NEXT:    %r16 = qnn.constant dense<-300> : tensor<2x6xi16>
// CHECK-NEXT:    %b64 = qnn.constant dense<0> : tensor<6xi64>
// CHECK-NEXT:    %rb64 = qnn.constant dense<0> : tensor<2xi64>
// CHECK-NEXT:    %x16_gru = qnn.gru %x16, %k16, %r16, %b64, %rb64 {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -20>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -20>, output_multiplier = 1073741824 : i32, output_shift = 0 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<1x4x3xi16>, tensor<3x6xi16>, tensor<2x6xi16>, tensor<6xi64>, tensor<2xi64>) -> tensor<1x4x2xi16>
func.func @recurrent(%x: tensor<2x5x3xi8>, %x16: tensor<1x4x3xi16>) -> (tensor<2x5x2xi8>, tensor<2x2xi8>, tensor<2x2xi8>, tensor<1x2xi16>, tensor<1x4x2xi16>) {
  %k = qnn.constant dense<1> : tensor<3x8xi8>
  %r = qnn.constant dense<-1> : tensor<2x8xi8>
  %b = qnn.constant dense<100> : tensor<8xi32>
  %seq = qnn.lstm %x, %k, %r, %b {input_zero_point = -3 : i32, input_multiplier = array<i32: 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1073741824, 1200000000>, input_shift = array<i32: -1, -1, -1, -1, -1, -1, -1, -2>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 5 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, rounding = "single", cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x5x2xi8>
  %k3 = qnn.constant dense<1> : tensor<3x6xi8>
  %r3 = qnn.constant dense<1> : tensor<2x6xi8>
  %b3 = qnn.constant dense<0> : tensor<6xi32>
  %rb = qnn.constant dense<7> : tensor<2xi32>
  %last = qnn.gru %x, %k3, %r3, %b3, %rb {input_zero_point = -3 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>, tensor<2xi32>) -> tensor<2x2xi8>
  %before = qnn.gru %x, %k3, %r3, %b3 {input_zero_point = -3 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = false} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>) -> tensor<2x2xi8>
  %b16 = qnn.constant dense<-5> : tensor<8xi64>
  %x16_lstm = qnn.lstm %x16, %k, %r, %b16 {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: 7>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = 15 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -30 : i32} : (tensor<1x4x3xi16>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi64>) -> tensor<1x2xi16>
  %k16 = qnn.constant dense<300> : tensor<3x6xi16>
  %r16 = qnn.constant dense<-300> : tensor<2x6xi16>
  %b64 = qnn.constant dense<0> : tensor<6xi64>
  %rb64 = qnn.constant dense<0> : tensor<2xi64>
  %x16_gru = qnn.gru %x16, %k16, %r16, %b64, %rb64 {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -20>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -20>, output_multiplier = 1073741824 : i32, output_shift = 0 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<1x4x3xi16>, tensor<3x6xi16>, tensor<2x6xi16>, tensor<6xi64>, tensor<2xi64>) -> tensor<1x4x2xi16>
  func.return %seq, %last, %before, %x16_lstm, %x16_gru : tensor<2x5x2xi8>, tensor<2x2xi8>, tensor<2x2xi8>, tensor<1x2xi16>, tensor<1x4x2xi16>
}
