// RUN: qtc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of the qnn dialect (shared messages once per kind of operand
// or property they name).

// --- shapes and element types shared by every op

%x = "test.op"() : () -> tensor<?x4xi8>
%y = qnn.clamp %x {clamp_min = 0 : i32, clamp_max = 127 : i32} : (tensor<?x4xi8>) -> tensor<?x4xi8>
// CHECK: qnn.clamp: expected statically shaped tensors, got tensor<?x4xi8>

// -----

%w = qnn.constant dense<1.0> : tensor<2xf32>
// CHECK: qnn.constant: value element type must be i8 or i16 or i32 or i64, got f32

// -----

%x = "test.op"() : () -> tensor<2x4xi32>
%y = qnn.reshape %x : (tensor<2x4xi32>) -> tensor<8xi32>
// CHECK: qnn.reshape: input element type must be i8 or i16, got i32

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.max_pool1d %x {pool_size = array<i64: 2>, strides = array<i64: 2>, padding = "valid"} : (tensor<2x4xi8>) -> tensor<2x2xi8>
// CHECK: qnn.max_pool1d: input must have rank 3, got shape [2, 4]

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.pad %x {padding = array<i64: 0, 0, 1, 1>, pad_value = 0 : i32} : (tensor<2x4xi8>) -> tensor<2x6xi16>
// CHECK: qnn.pad: result element type i16 must equal the input element type i8

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.clamp %x {clamp_min = 0 : i32, clamp_max = 127 : i32} : (tensor<2x4xi8>) -> tensor<4x2xi8>
// CHECK: qnn.clamp: result shape [4, 2] does not match the expected [2, 4]

// --- shared properties: zero points, clamp, rounding, multiplier and shift

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.requantize %x {input_zero_point = 128 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: input_zero_point 128 is outside the i8 range [-128, 127]

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 40000 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x4xi8>) -> tensor<2x4xi16>
// CHECK: qnn.requantize: output_zero_point 40000 is outside the i16 range [-32768, 32767]

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.clamp %x {clamp_min = 10 : i32, clamp_max = 5 : i32} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: qnn.clamp: clamp [10, 5] must be an ordered range within the i8 range [-128, 127]

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, clamp_max = 200 : i32} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: clamp [-128, 200] must be an ordered range within the i8 range [-128, 127]

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, rounding = "nearest"} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: rounding must be "double" or "single", got "nearest"

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 12>, shift = array<i32: 0>} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: multiplier 12 is not normalized: expected 0 or a value in [2^30, 2^31 - 1] (compute it with fixedpoint.quantize_multiplier)

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 31>} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: shift 31 of multiplier is outside [-31, 30]

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, shift = array<i32: 0>} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: property 'multiplier' expected in operation 'qnn.requantize'

// --- qnn.quantize, qnn.dequantize

// -----

%x = "test.op"() : () -> tensor<4xf64>
%y = qnn.quantize %x {qparams = #qtc.qparams<0.5, 0, i8>} : (tensor<4xf64>) -> tensor<4xi8>
// CHECK: qnn.quantize: float side must be f32, got f64

// -----

%x = "test.op"() : () -> tensor<4xi32>
%y = qnn.dequantize %x {qparams = #qtc.qparams<0.5, 0, i32>} : (tensor<4xi32>) -> tensor<4xf32>
// CHECK: qnn.dequantize: integer side element type must be i8 or i16, got i32

// -----

%x = "test.op"() : () -> tensor<2x4xf32>
%y = qnn.quantize %x {qparams = #qtc.qparams<[0.5, 0.25], [0, 0], i8, axis = 0>} : (tensor<2x4xf32>) -> tensor<2x4xi8>
// CHECK: qnn.quantize: qparams must be per tensor

// -----

%x = "test.op"() : () -> tensor<4xf32>
%y = qnn.quantize %x {qparams = #qtc.qparams<0.5, 0, i16>} : (tensor<4xf32>) -> tensor<4xi8>
// CHECK: qnn.quantize: qparams storage type i16 must equal the integer element type i8

// --- qnn.requantize

// -----

%x = "test.op"() : () -> tensor<2x4xi64>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x4xi64>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: input element type must be i8 or i16 or i32, got i64

// -----

%x = "test.op"() : () -> tensor<2x4xi32>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824>, shift = array<i32: 0, 0>} : (tensor<2x4xi32>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: per-channel multipliers need an `axis`

// -----

%x = "test.op"() : () -> tensor<2x4xi32>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>, axis = 2 : i64} : (tensor<2x4xi32>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: axis 2 is out of range for a rank-2 tensor

// -----

%x = "test.op"() : () -> tensor<2x4xi32>
%y = qnn.requantize %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824, 1073741824>, shift = array<i32: 0, 0, 0>, axis = 1 : i64} : (tensor<2x4xi32>) -> tensor<2x4xi8>
// CHECK: qnn.requantize: multiplier and shift must have 1 or 4 values (one per output channel), got 3 and 3

// --- qnn.dense and the convolutions

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x4xi8>, tensor<4x3xi8>, tensor<3xi64>)
%y = qnn.dense %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x4xi8>, tensor<4x3xi8>, tensor<3xi64>) -> tensor<2x3xi8>
// CHECK: qnn.dense: bias (for i8 activations) element type must be i32, got i64

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x4xi16>, tensor<4x3xi8>, tensor<3xi32>)
%y = qnn.dense %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x4xi16>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi16>
// CHECK: qnn.dense: bias (for i16 activations) element type must be i64, got i32

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x4xi16>, tensor<4x3xi8>, tensor<3xi64>)
%y = qnn.dense %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 8>} : (tensor<2x4xi16>, tensor<4x3xi8>, tensor<3xi64>) -> tensor<2x3xi16>
// CHECK: qnn.dense: shift 8 of multiplier is outside [-31, 7]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x5xi8>, tensor<4x3xi8>, tensor<3xi32>)
%y = qnn.dense %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x5xi8>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi8>
// CHECK: qnn.dense: input shape [2, 5] does not match weights shape [4, 3] ([in, out])

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x4xi8>, tensor<4x3xi8>, tensor<4xi32>)
%y = qnn.dense %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x4xi8>, tensor<4x3xi8>, tensor<4xi32>) -> tensor<2x3xi8>
// CHECK: qnn.dense: bias has 4 values but the result has 3 channels

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xi8>, tensor<3x3x2x4xi8>, tensor<4xi32>)
%y = qnn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "same", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x8x3xi8>, tensor<3x3x2x4xi8>, tensor<4xi32>) -> tensor<1x8x8x4xi8>
// CHECK: qnn.conv2d: weights shape [3, 3, 2, 4] does not take the input's 3 channels

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x3xi8>, tensor<3x3x4xi8>, tensor<4xi32>)
%y = qnn.conv1d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1>, padding = "same", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x3xi8>, tensor<3x3x4xi8>, tensor<4xi32>) -> tensor<1x8x4xi8>
// CHECK: qnn.conv1d: strides, dilations and window must each have 1 values

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x3xi8>, tensor<3x3x2xi8>, tensor<6xi32>)
%y = qnn.depthwise_conv1d %x, %w, %b {strides = array<i64: 1>, dilations = array<i64: 0>, padding = "same", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x3xi8>, tensor<3x3x2xi8>, tensor<6xi32>) -> tensor<1x8x6xi8>
// CHECK: qnn.depthwise_conv1d: strides, dilations and window sizes must be positive

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xi8>, tensor<3x3x3x2xi8>, tensor<6xi32>)
%y = qnn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "full", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x8x3xi8>, tensor<3x3x3x2xi8>, tensor<6xi32>) -> tensor<1x8x8x6xi8>
// CHECK: qnn.depthwise_conv2d: padding must be "same" or "valid", got "full"

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x2x2x3xi8>, tensor<3x3x3x2xi8>, tensor<2xi32>)
%y = qnn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "valid", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x2x2x3xi8>, tensor<3x3x3x2xi8>, tensor<2xi32>) -> tensor<1x1x1x2xi8>
// CHECK: qnn.conv2d: window [3, 3] does not fit the input's spatial shape [2, 2]

// --- qnn.add, qnn.sub, qnn.mul

// -----

%a, %b = "test.op"() : () -> (tensor<2x4xi8>, tensor<2x3xi8>)
%y = qnn.mul %a, %b {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<2x4xi8>, tensor<2x3xi8>) -> tensor<2x4xi8>
// CHECK: qnn.mul: operand shapes [2, 4] and [2, 3] do not broadcast

// -----

%a, %b = "test.op"() : () -> (tensor<4xi16>, tensor<4xi16>)
%y = qnn.mul %a, %b {lhs_zero_point = 20000 : i32, rhs_zero_point = -20000 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<4xi16>, tensor<4xi16>) -> tensor<4xi16>
// CHECK: qnn.mul: the product of inputs up to 52768 and 52767 from their zero points overflows int32

// -----

%a, %b = "test.op"() : () -> (tensor<4xi16>, tensor<4xi16>)
%y = qnn.add %a, %b {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 20 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = 0 : i32, output_multiplier = 1073741824 : i32, output_shift = -18 : i32} : (tensor<4xi16>, tensor<4xi16>) -> tensor<4xi16>
// CHECK: qnn.add: left_shift 20 overflows int32 for inputs up to 32768 from their zero point

// -----

%a, %b = "test.op"() : () -> (tensor<4xi8>, tensor<4xi8>)
%y = qnn.sub %a, %b {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 20 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741823 : i32, rhs_shift = 0 : i32, output_multiplier = 1073741824 : i32, output_shift = -18 : i32} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
// CHECK: qnn.sub: rhs_multiplier 1073741823 is not normalized: expected 0 or a value in [2^30, 2^31 - 1] (compute it with fixedpoint.quantize_multiplier)

// --- qnn.lut, qnn.softmax

// -----

%x = "test.op"() : () -> tensor<4xi16>
%y = qnn.lut %x {table = dense<0> : tensor<256xi16>} : (tensor<4xi16>) -> tensor<4xi16>
// CHECK: qnn.lut: table must be a tensor<513xi16> for i16 input, got tensor<256xi16>

// -----

%x = "test.op"() : () -> tensor<i8>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = 20 : i32, diff_min = -100 : i32} : (tensor<i8>) -> tensor<i8>
// CHECK: qnn.softmax: input must have at least one axis

// -----

%x = "test.op"() : () -> tensor<1x512xi8>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = 20 : i32, diff_min = -100 : i32} : (tensor<1x512xi8>) -> tensor<1x512xi8>
// CHECK: qnn.softmax: rows of 512 values are too long for the integer sum of exponentials (at most 511)

// -----

%x = "test.op"() : () -> tensor<1x4xi8>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = -1 : i32, diff_min = -100 : i32} : (tensor<1x4xi8>) -> tensor<1x4xi8>
// CHECK: qnn.softmax: shift -1 of input_beta_multiplier is outside [0, 30]

// -----

%x = "test.op"() : () -> tensor<1x4xi8>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = 20 : i32} : (tensor<1x4xi8>) -> tensor<1x4xi8>
// CHECK: qnn.softmax: i8 softmax needs diff_min and no tables

// -----

%x = "test.op"() : () -> tensor<1x4xi8>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = 24 : i32, diff_min = -256 : i32} : (tensor<1x4xi8>) -> tensor<1x4xi8>
// CHECK: qnn.softmax: diff_min -256 must be <= 0 and the differences it admits times 2^24 must fit int32

// -----

%x = "test.op"() : () -> tensor<1x4xi16>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = 2 : i32, diff_min = -100 : i32} : (tensor<1x4xi16>) -> tensor<1x4xi16>
// CHECK: qnn.softmax: i16 softmax needs exp_table and reciprocal_table and no diff_min

// -----

%x = "test.op"() : () -> tensor<1x4xi16>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = 2 : i32, exp_table = dense<5> : tensor<513xi16>, reciprocal_table = dense<5> : tensor<256xi16>} : (tensor<1x4xi16>) -> tensor<1x4xi16>
// CHECK: qnn.softmax: reciprocal_table must be a tensor<513xi16>, got tensor<256xi16>

// -----

%x = "test.op"() : () -> tensor<1x4xi16>
%y = qnn.softmax %x {input_beta_multiplier = 1073741824 : i32, input_beta_left_shift = 2 : i32, exp_table = dense<1> : tensor<513xi16>, reciprocal_table = dense<5> : tensor<513xi16>} : (tensor<1x4xi16>) -> tensor<1x4xi16>
// CHECK: qnn.softmax: exp_table must be non-negative and map a zero difference to at least 2, got 1

// --- pooling

// -----

%x = "test.op"() : () -> tensor<1x8x8x3xi8>
%y = qnn.avg_pool2d %x {pool_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = "valid"} : (tensor<1x8x8x3xi8>) -> tensor<1x8x8x3xi8>
// CHECK: qnn.avg_pool2d: result shape [1, 8, 8, 3] does not match the expected [1, 4, 4, 3]

// -----

%x = "test.op"() : () -> tensor<8x3xi8>
%y = qnn.global_avg_pool %x {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<8x3xi8>) -> tensor<8x3xi8>
// CHECK: qnn.global_avg_pool: input must be [N, L, C] or [N, H, W, C], got shape [8, 3]

// --- data movement

// -----

%y = qnn.concat {axis = 0 : i64} : () -> tensor<2xi8>
// CHECK: qnn.concat: needs at least one input

// -----

%a, %b = "test.op"() : () -> (tensor<2x4xi8>, tensor<3x4xi8>)
%y = qnn.concat %a, %b {axis = 1 : i64} : (tensor<2x4xi8>, tensor<3x4xi8>) -> tensor<2x8xi8>
// CHECK: qnn.concat: input shapes [[2, 4], [3, 4]] differ outside axis 1

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.reshape %x : (tensor<2x4xi8>) -> tensor<3x3xi8>
// CHECK: qnn.reshape: cannot reshape [2, 4] to [3, 3]

// -----

%x = "test.op"() : () -> tensor<2x4xi8>
%y = qnn.pad %x {padding = array<i64: 0, 0, -1, 1>, pad_value = 0 : i32} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK: qnn.pad: padding must be 4 non-negative values (before, after per axis), got [0, 0, -1, 1]
