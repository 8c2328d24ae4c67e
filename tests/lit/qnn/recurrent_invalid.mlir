// RUN: qtc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of qnn.lstm and qnn.gru (shared messages once).

// --- shapes and element types

%x = "test.op"() : () -> tensor<2x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: input must have rank 3, got shape [2, 3]

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi16>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi16>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: kernel (for i8 inputs) element type must be i8, got i16

// -----

%x = "test.op"() : () -> tensor<2x5x3xi16>
%k = "test.op"() : () -> tensor<3x6xi8>
%r = "test.op"() : () -> tensor<2x6xi16>
%b = "test.op"() : () -> tensor<6xi64>
%rb = "test.op"() : () -> tensor<2xi64>
%y = qnn.gru %x, %k, %r, %b, %rb {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<2x5x3xi16>, tensor<3x6xi8>, tensor<2x6xi16>, tensor<6xi64>, tensor<2xi64>) -> tensor<2x2xi16>
// CHECK: qnn.gru: recurrent_kernel element type i16 must equal the kernel element type i8

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi64>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi64>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: bias (for i8 inputs) element type must be i32, got i64

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi16>
// CHECK: qnn.lstm: result element type i16 must equal the input element type i8

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x6xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x6xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: recurrent_kernel must be [units, 4 * units], got shape [2, 6]

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<4x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<4x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: kernel shape [4, 8] must be [3, 8] for 3 input features and 2 units

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x3xi8>
// CHECK: qnn.lstm: result shape [2, 3] does not match the expected [2, 2]

// -----

// --- i8 inputs accumulate in int32: at most 65793 features (|x - z| <= 255, |w| <= 128)

%x = "test.op"() : () -> tensor<1x1x65794xi8>
%k = "test.op"() : () -> tensor<65794x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<1x1x65794xi8>, tensor<65794x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<1x2xi8>
// CHECK: qnn.lstm: 65794 input features can overflow the int32 accumulator of i8 inputs (at most 65793)

// -----

// --- rescales

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824, 1073741824>, input_shift = array<i32: -1, -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: input_multiplier and input_shift must have 1 or 8 values (one per gate column), got 2 and 2

// -----

// --- i16 weights accumulate the recurrent projection in int64, whose requantizer takes shifts up to 7

%x = "test.op"() : () -> tensor<2x5x3xi16>
%k = "test.op"() : () -> tensor<3x6xi16>
%r = "test.op"() : () -> tensor<2x6xi16>
%b = "test.op"() : () -> tensor<6xi64>
%rb = "test.op"() : () -> tensor<2xi64>
%y = qnn.gru %x, %k, %r, %b, %rb {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: 9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<2x5x3xi16>, tensor<3x6xi16>, tensor<2x6xi16>, tensor<6xi64>, tensor<2xi64>) -> tensor<2x2xi16>
// CHECK: qnn.gru: shift 9 of recurrent_multiplier is outside [-31, 7]

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 12 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: output_multiplier 12 is not normalized: expected 0 or a value in [2^30, 2^31 - 1]

// -----

// --- the Q0.15 state times 2^shift must stay in int32

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = 16 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: shift 16 of output_multiplier is outside [-31, 15]

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 200 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: output_zero_point 200 is outside the i8 range [-128, 127]

// -----

// --- tables

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<256xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: activation_table must be a tensor<513xi16>, got tensor<256xi16>

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<-1> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = -13 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: recurrent_activation_table must map into [0, 32767] (gates are non-negative Q0.15), got -1

// -----

// --- the cell

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x8xi8>
%r = "test.op"() : () -> tensor<2x8xi8>
%b = "test.op"() : () -> tensor<8xi32>
%y = qnn.lstm %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, cell_scale_power = 1 : i32} : (tensor<2x5x3xi8>, tensor<3x8xi8>, tensor<2x8xi8>, tensor<8xi32>) -> tensor<2x2xi8>
// CHECK: qnn.lstm: cell_scale_power 1 is outside [-30, 0]

// -----

// --- the GRU's recurrent bias

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x6xi8>
%r = "test.op"() : () -> tensor<2x6xi8>
%b = "test.op"() : () -> tensor<6xi32>
%y = qnn.gru %x, %k, %r, %b {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>) -> tensor<2x2xi8>
// CHECK: qnn.gru: a recurrent_bias operand is needed with reset_after = true, and only then

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x6xi8>
%r = "test.op"() : () -> tensor<2x6xi8>
%b = "test.op"() : () -> tensor<6xi32>
%rb = "test.op"() : () -> tensor<2xi32>
%y = qnn.gru %x, %k, %r, %b, %rb {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = false} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>, tensor<2xi32>) -> tensor<2x2xi8>
// CHECK: qnn.gru: a recurrent_bias operand is needed with reset_after = true, and only then

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x6xi8>
%r = "test.op"() : () -> tensor<2x6xi8>
%b = "test.op"() : () -> tensor<6xi32>
%rb = "test.op"() : () -> tensor<2xi64>
%y = qnn.gru %x, %k, %r, %b, %rb {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>, tensor<2xi64>) -> tensor<2x2xi8>
// CHECK: qnn.gru: recurrent_bias (the recurrent accumulator's) element type must be i32, got i64

// -----

%x = "test.op"() : () -> tensor<2x5x3xi8>
%k = "test.op"() : () -> tensor<3x6xi8>
%r = "test.op"() : () -> tensor<2x6xi8>
%b = "test.op"() : () -> tensor<6xi32>
%rb = "test.op"() : () -> tensor<6xi32>
%y = qnn.gru %x, %k, %r, %b, %rb {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<2x5x3xi8>, tensor<3x6xi8>, tensor<2x6xi8>, tensor<6xi32>, tensor<6xi32>) -> tensor<2x2xi8>
// CHECK: qnn.gru: recurrent_bias shape [6] must be [2] (the candidate's units)

// -----

// --- beyond 511 units, i8 recurrent weights accumulate in int64 (and the recurrent bias is i64)

%x = "test.op"() : () -> tensor<1x1x1xi8>
%k = "test.op"() : () -> tensor<1x1536xi8>
%r = "test.op"() : () -> tensor<512x1536xi8>
%b = "test.op"() : () -> tensor<1536xi32>
%rb = "test.op"() : () -> tensor<512xi32>
%y = qnn.gru %x, %k, %r, %b, %rb {input_zero_point = 0 : i32, input_multiplier = array<i32: 1073741824>, input_shift = array<i32: -1>, recurrent_multiplier = array<i32: 1073741824>, recurrent_shift = array<i32: -9>, output_multiplier = 1073741824 : i32, output_shift = -7 : i32, output_zero_point = 0 : i32, recurrent_activation_table = dense<16384> : tensor<513xi16>, activation_table = dense<0> : tensor<513xi16>, reset_after = true} : (tensor<1x1x1xi8>, tensor<1x1536xi8>, tensor<512x1536xi8>, tensor<1536xi32>, tensor<512xi32>) -> tensor<1x512xi8>
// CHECK: qnn.gru: recurrent_bias (the recurrent accumulator's) element type must be i64, got i32
