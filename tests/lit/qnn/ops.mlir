// RUN: qtc-opt %s | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Every qnn op in its custom form. Properties are written in the attribute dictionary;
// `rounding = "double"` is the default and is not printed, the generic form spells it out.
// An optional clamp bound that is absent means the result's storage range.

// GENERIC:      "qnn.requantize"(%acc) <{input_zero_point = 0 : i32, output_zero_point = -5 : i32, multiplier = array<i32: 1073741824, 2147483647>, shift = array<i32: -3, 0>, axis = 1 : i64, rounding = "double"}>
// GENERIC:      "qnn.dense"(%x, %w, %b) <{input_zero_point = -3 : i32, output_zero_point = 5 : i32, multiplier = array<i32: 1518500250>, shift = array<i32: -8>, clamp_min = 5 : i32, rounding = "single"}>
// GENERIC:      "qnn.concat"(%mp2, %ap2) <{axis = -1 : i64}>

// CHECK-LABEL: func.func @layers(%img: tensor<1x8x8x3xi8>, %seq: tensor<2x6x3xi8>, %x: tensor<2x4xi8>, %acc: tensor<2x2xi32>, %f: tensor<2x4xf32>) -> tensor<2x4xf32> {
// CHECK-NEXT:    %q = qnn.quantize %f {qparams = #qtc.qparams<0.05, -3, i8>} : (tensor<2x4xf32>) -> tensor<2x4xi8>
// CHECK-NEXT:    %rq = qnn.requantize %acc {input_zero_point = 0 : i32, output_zero_point = -5 : i32, multiplier = array<i32: 1073741824, 2147483647>, shift = array<i32: -3, 0>, axis = 1 : i64} : (tensor<2x2xi32>) -> tensor<2x2xi8>
// CHECK-NEXT:    %w = qnn.constant dense<[[1, -2, 3], [4, 5, -6], [7, 8, 9], [-10, 11, 12]]> : tensor<4x3xi8>
// CHECK-NEXT:    %b = qnn.constant dense<[100, -200, 300]> : tensor<3xi32>
// CHECK-NEXT:    %fc = qnn.dense %x, %w, %b {input_zero_point = -3 : i32, output_zero_point = 5 : i32, multiplier = array<i32: 1518500250>, shift = array<i32: -8>, clamp_min = 5 : i32, rounding = "single"} : (tensor<2x4xi8>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi8>
// CHECK-NEXT:    %cw = qnn.constant dense<1> : tensor<3x3x3x4xi8>
// CHECK-NEXT:    %cb = qnn.constant dense<0> : tensor<4xi32>
// CHECK-NEXT:    %conv = qnn.conv2d %img, %cw, %cb {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = "same", input_zero_point = 1 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824, 1073741824, 1200000000>, shift = array<i32: -4, -4, -4, -5>, clamp_min = 0 : i32, clamp_max = 100 : i32} : (tensor<1x8x8x3xi8>, tensor<3x3x3x4xi8>, tensor<4xi32>) -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    %dw = qnn.constant dense<2> : tensor<3x3x3x2xi8>
// CHECK-NEXT:    %db = qnn.constant dense<0> : tensor<6xi32>
// CHECK-NEXT:    %dconv = qnn.depthwise_conv2d %img, %dw, %db {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = "valid", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -6>} : (tensor<1x8x8x3xi8>, tensor<3x3x3x2xi8>, tensor<6xi32>) -> tensor<1x4x4x6xi8>
// CHECK-NEXT:    %w1 = qnn.constant dense<1> : tensor<2x3x4xi8>
// CHECK-NEXT:    %conv1 = qnn.conv1d %seq, %w1, %cb {strides = array<i64: 2>, dilations = array<i64: 1>, padding = "valid", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -2>} : (tensor<2x6x3xi8>, tensor<2x3x4xi8>, tensor<4xi32>) -> tensor<2x3x4xi8>
// CHECK-NEXT:    %dw1 = qnn.constant dense<1> : tensor<3x3x2xi8>
// CHECK-NEXT:    %dconv1 = qnn.depthwise_conv1d %seq, %dw1, %db {strides = array<i64: 1>, dilations = array<i64: 1>, padding = "same", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -1>} : (tensor<2x6x3xi8>, tensor<3x3x2xi8>, tensor<6xi32>) -> tensor<2x6x6xi8>
// CHECK-NEXT:    %add = qnn.add %conv, %conv {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 20 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = 0 : i32, output_multiplier = 1073741824 : i32, output_shift = -18 : i32} : (tensor<1x4x4x4xi8>, tensor<1x4x4x4xi8>) -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    %sub = qnn.sub %add, %conv {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 20 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = 0 : i32, output_multiplier = 1073741824 : i32, output_shift = -18 : i32, clamp_min = -100 : i32} : (tensor<1x4x4x4xi8>, tensor<1x4x4x4xi8>) -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    %gain = qnn.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
// CHECK-NEXT:    %mul = qnn.mul %sub, %gain {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 3 : i32, multiplier = array<i32: 1610612736>, shift = array<i32: -7>} : (tensor<1x4x4x4xi8>, tensor<4xi8>) -> tensor<1x4x4x4xi8>
// CHECK-NEXT:    %mp2 = qnn.max_pool2d %conv {pool_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = "valid"} : (tensor<1x4x4x4xi8>) -> tensor<1x2x2x4xi8>
// CHECK-NEXT:    %ap2 = qnn.avg_pool2d %conv {pool_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = "same", clamp_min = 0 : i32} : (tensor<1x4x4x4xi8>) -> tensor<1x2x2x4xi8>
// CHECK-NEXT:    %mp1 = qnn.max_pool1d %seq {pool_size = array<i64: 2>, strides = array<i64: 2>, padding = "valid"} : (tensor<2x6x3xi8>) -> tensor<2x3x3xi8>
// CHECK-NEXT:    %ap1 = qnn.avg_pool1d %seq {pool_size = array<i64: 3>, strides = array<i64: 2>, padding = "same"} : (tensor<2x6x3xi8>) -> tensor<2x3x3xi8>
// CHECK-NEXT:    %gmp = qnn.global_max_pool %seq : (tensor<2x6x3xi8>) -> tensor<2x3xi8>
// CHECK-NEXT:    %gap = qnn.global_avg_pool %conv {input_zero_point = 0 : i32, output_zero_point = -1 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -3>} : (tensor<1x4x4x4xi8>) -> tensor<1x4xi8>
// CHECK-NEXT:    %cat = qnn.concat %mp2, %ap2 {axis = -1 : i64} : (tensor<1x2x2x4xi8>, tensor<1x2x2x4xi8>) -> tensor<1x2x2x8xi8>
// CHECK-NEXT:    %flat = qnn.reshape %cat : (tensor<1x2x2x8xi8>) -> tensor<1x32xi8>
// CHECK-NEXT:    %pad = qnn.pad %seq {padding = array<i64: 0, 0, 1, 2, 0, 0>, pad_value = -3 : i32} : (tensor<2x6x3xi8>) -> tensor<2x9x3xi8>
// CHECK-NEXT:    %relu = qnn.clamp %q {clamp_min = -3 : i32, clamp_max = 127 : i32} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK-NEXT:    %tanh = qnn.lut %relu {table = dense<0> : tensor<256xi8>} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK-NEXT:    %sm = qnn.softmax %tanh {input_beta_multiplier = 1717986944 : i32, input_beta_left_shift = 23 : i32, diff_min = -248 : i32} : (tensor<2x4xi8>) -> tensor<2x4xi8>
// CHECK-NEXT:    %y = qnn.dequantize %sm {qparams = #qtc.qparams<0.00390625, -128, i8>} : (tensor<2x4xi8>) -> tensor<2x4xf32>
// CHECK-NEXT:    func.return %y : tensor<2x4xf32>
// CHECK-NEXT:  }
// CHECK-LABEL: func.func @int16(%x: tensor<2x4xi16>, %f: tensor<2x4xf32>) -> tensor<2x3xi16> {
// CHECK-NEXT:    %q = qnn.quantize %f {qparams = #qtc.qparams<3.0517578125e-05, 0, i16>} : (tensor<2x4xf32>) -> tensor<2x4xi16>
// CHECK-NEXT:    %w = qnn.constant dense<3> : tensor<4x3xi8>
// CHECK-NEXT:    %b = qnn.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK-NEXT:    %fc = qnn.dense %q, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824, 2147483647>, shift = array<i32: 7, -31, 0>} : (tensor<2x4xi16>, tensor<4x3xi8>, tensor<3xi64>) -> tensor<2x3xi16>
// CHECK-NEXT:    %lut = qnn.lut %x {table = dense<7> : tensor<513xi16>} : (tensor<2x4xi16>) -> tensor<2x4xi16>
// CHECK-NEXT:    %sm = qnn.softmax %lut {input_beta_multiplier = 1073758208 : i32, input_beta_left_shift = 2 : i32, exp_table = dense<5> : tensor<513xi16>, reciprocal_table = dense<16384> : tensor<513xi16>, rounding = "single"} : (tensor<2x4xi16>) -> tensor<2x4xi16>
// CHECK-NEXT:    %add = qnn.add %sm, %x {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 15 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = -1 : i32, output_multiplier = 1073741824 : i32, output_shift = -13 : i32} : (tensor<2x4xi16>, tensor<2x4xi16>) -> tensor<2x4xi16>
// CHECK-NEXT:    func.return %fc : tensor<2x3xi16>
// CHECK-NEXT:  }

func.func @layers(%img: tensor<1x8x8x3xi8>, %seq: tensor<2x6x3xi8>, %x: tensor<2x4xi8>, %acc: tensor<2x2xi32>, %f: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q = qnn.quantize %f {qparams = #qtc.qparams<0.05, -3, i8>} : (tensor<2x4xf32>) -> tensor<2x4xi8>
  %rq = qnn.requantize %acc {input_zero_point = 0 : i32, output_zero_point = -5 : i32, multiplier = array<i32: 1073741824, 2147483647>, shift = array<i32: -3, 0>, axis = 1 : i64} : (tensor<2x2xi32>) -> tensor<2x2xi8>
  %w = qnn.constant dense<[[1, -2, 3], [4, 5, -6], [7, 8, 9], [-10, 11, 12]]> : tensor<4x3xi8>
  %b = qnn.constant dense<[100, -200, 300]> : tensor<3xi32>
  %fc = qnn.dense %x, %w, %b {input_zero_point = -3 : i32, output_zero_point = 5 : i32, multiplier = array<i32: 1518500250>, shift = array<i32: -8>, clamp_min = 5 : i32, rounding = "single"} : (tensor<2x4xi8>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi8>
  %cw = qnn.constant dense<1> : tensor<3x3x3x4xi8>
  %cb = qnn.constant dense<0> : tensor<4xi32>
  %conv = qnn.conv2d %img, %cw, %cb {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = "same", input_zero_point = 1 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824, 1073741824, 1200000000>, shift = array<i32: -4, -4, -4, -5>, clamp_min = 0 : i32, clamp_max = 100 : i32} : (tensor<1x8x8x3xi8>, tensor<3x3x3x4xi8>, tensor<4xi32>) -> tensor<1x4x4x4xi8>
  %dw = qnn.constant dense<2> : tensor<3x3x3x2xi8>
  %db = qnn.constant dense<0> : tensor<6xi32>
  %dconv = qnn.depthwise_conv2d %img, %dw, %db {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = "valid", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -6>} : (tensor<1x8x8x3xi8>, tensor<3x3x3x2xi8>, tensor<6xi32>) -> tensor<1x4x4x6xi8>
  %w1 = qnn.constant dense<1> : tensor<2x3x4xi8>
  %conv1 = qnn.conv1d %seq, %w1, %cb {strides = array<i64: 2>, dilations = array<i64: 1>, padding = "valid", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -2>} : (tensor<2x6x3xi8>, tensor<2x3x4xi8>, tensor<4xi32>) -> tensor<2x3x4xi8>
  %dw1 = qnn.constant dense<1> : tensor<3x3x2xi8>
  %dconv1 = qnn.depthwise_conv1d %seq, %dw1, %db {strides = array<i64: 1>, dilations = array<i64: 1>, padding = "same", input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -1>} : (tensor<2x6x3xi8>, tensor<3x3x2xi8>, tensor<6xi32>) -> tensor<2x6x6xi8>
  %add = qnn.add %conv, %conv {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 20 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = 0 : i32, output_multiplier = 1073741824 : i32, output_shift = -18 : i32} : (tensor<1x4x4x4xi8>, tensor<1x4x4x4xi8>) -> tensor<1x4x4x4xi8>
  %sub = qnn.sub %add, %conv {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 20 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = 0 : i32, output_multiplier = 1073741824 : i32, output_shift = -18 : i32, clamp_min = -100 : i32} : (tensor<1x4x4x4xi8>, tensor<1x4x4x4xi8>) -> tensor<1x4x4x4xi8>
  %gain = qnn.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
  %mul = qnn.mul %sub, %gain {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 3 : i32, multiplier = array<i32: 1610612736>, shift = array<i32: -7>} : (tensor<1x4x4x4xi8>, tensor<4xi8>) -> tensor<1x4x4x4xi8>
  %mp2 = qnn.max_pool2d %conv {pool_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = "valid"} : (tensor<1x4x4x4xi8>) -> tensor<1x2x2x4xi8>
  %ap2 = qnn.avg_pool2d %conv {pool_size = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = "same", clamp_min = 0 : i32} : (tensor<1x4x4x4xi8>) -> tensor<1x2x2x4xi8>
  %mp1 = qnn.max_pool1d %seq {pool_size = array<i64: 2>, strides = array<i64: 2>, padding = "valid"} : (tensor<2x6x3xi8>) -> tensor<2x3x3xi8>
  %ap1 = qnn.avg_pool1d %seq {pool_size = array<i64: 3>, strides = array<i64: 2>, padding = "same"} : (tensor<2x6x3xi8>) -> tensor<2x3x3xi8>
  %gmp = qnn.global_max_pool %seq : (tensor<2x6x3xi8>) -> tensor<2x3xi8>
  %gap = qnn.global_avg_pool %conv {input_zero_point = 0 : i32, output_zero_point = -1 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -3>} : (tensor<1x4x4x4xi8>) -> tensor<1x4xi8>
  %cat = qnn.concat %mp2, %ap2 {axis = -1 : i64} : (tensor<1x2x2x4xi8>, tensor<1x2x2x4xi8>) -> tensor<1x2x2x8xi8>
  %flat = qnn.reshape %cat : (tensor<1x2x2x8xi8>) -> tensor<1x32xi8>
  %pad = qnn.pad %seq {padding = array<i64: 0, 0, 1, 2, 0, 0>, pad_value = -3 : i32} : (tensor<2x6x3xi8>) -> tensor<2x9x3xi8>
  %relu = qnn.clamp %q {clamp_min = -3 : i32, clamp_max = 127 : i32} : (tensor<2x4xi8>) -> tensor<2x4xi8>
  %tanh = qnn.lut %relu {table = dense<0> : tensor<256xi8>} : (tensor<2x4xi8>) -> tensor<2x4xi8>
  %sm = qnn.softmax %tanh {input_beta_multiplier = 1717986944 : i32, input_beta_left_shift = 23 : i32, diff_min = -248 : i32} : (tensor<2x4xi8>) -> tensor<2x4xi8>
  %y = qnn.dequantize %sm {qparams = #qtc.qparams<0.00390625, -128, i8>} : (tensor<2x4xi8>) -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}

func.func @int16(%x: tensor<2x4xi16>, %f: tensor<2x4xf32>) -> tensor<2x3xi16> {
  %q = qnn.quantize %f {qparams = #qtc.qparams<3.0517578125e-05, 0, i16>} : (tensor<2x4xf32>) -> tensor<2x4xi16>
  %w = qnn.constant dense<3> : tensor<4x3xi8>
  %b = qnn.constant dense<[1, 2, 3]> : tensor<3xi64>
  %fc = qnn.dense %q, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824, 2147483647>, shift = array<i32: 7, -31, 0>} : (tensor<2x4xi16>, tensor<4x3xi8>, tensor<3xi64>) -> tensor<2x3xi16>
  %lut = qnn.lut %x {table = dense<7> : tensor<513xi16>} : (tensor<2x4xi16>) -> tensor<2x4xi16>
  %sm = qnn.softmax %lut {input_beta_multiplier = 1073758208 : i32, input_beta_left_shift = 2 : i32, exp_table = dense<5> : tensor<513xi16>, reciprocal_table = dense<16384> : tensor<513xi16>, rounding = "single"} : (tensor<2x4xi16>) -> tensor<2x4xi16>
  %add = qnn.add %sm, %x {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 15 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = -1 : i32, output_multiplier = 1073741824 : i32, output_shift = -13 : i32} : (tensor<2x4xi16>, tensor<2x4xi16>) -> tensor<2x4xi16>
  func.return %fc : tensor<2x3xi16>
}
