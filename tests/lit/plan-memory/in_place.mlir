// RUN: qtc-opt %s -p plan-memory | filecheck %s

// Element-wise ops write over an operand of their type that no later op reads; a reshape is
// a view of its operand. The clamp may not write over %keep, which %sum reads after it; %sum
// writes over %keep (its first operand whose last use it is), and the reshape and the table
// lookup stay in those bytes.
// CHECK: builtin.module attributes {qtc.memory = {io = "int", arena_bytes = 16 : i64, lower_bound_bytes = 16 : i64}}
// CHECK: %keep = qnn.dense %x, %w, %b {qtc.offset = [[K:0]] : i64,
// CHECK: %clamped = qnn.clamp %keep {qtc.offset = 8 : i64,
// CHECK: %sum = qnn.add %keep, %clamped {qtc.offset = [[K]] : i64,
// CHECK: %flat = qnn.reshape %sum {qtc.offset = [[K]] : i64} : (tensor<1x2x4xi8>) -> tensor<8xi8>
// CHECK: %table = qnn.lut %flat {qtc.offset = [[K]] : i64,
func.func @main(%x: tensor<1x2x4xi8>) -> tensor<8xi8> {
  %w = qnn.constant dense<1> : tensor<4x4xi8>
  %b = qnn.constant dense<0> : tensor<4xi32>
  %keep = qnn.dense %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -4>} : (tensor<1x2x4xi8>, tensor<4x4xi8>, tensor<4xi32>) -> tensor<1x2x4xi8>
  %clamped = qnn.clamp %keep {clamp_min = 0 : i32, clamp_max = 127 : i32} : (tensor<1x2x4xi8>) -> tensor<1x2x4xi8>
  %sum = qnn.add %keep, %clamped {lhs_zero_point = 0 : i32, rhs_zero_point = 0 : i32, output_zero_point = 0 : i32, left_shift = 20 : i32, lhs_multiplier = 1073741824 : i32, lhs_shift = 0 : i32, rhs_multiplier = 1073741824 : i32, rhs_shift = 0 : i32, output_multiplier = 1073741824 : i32, output_shift = -19 : i32} : (tensor<1x2x4xi8>, tensor<1x2x4xi8>) -> tensor<1x2x4xi8>
  %flat = qnn.reshape %sum : (tensor<1x2x4xi8>) -> tensor<8xi8>
  %table = qnn.lut %flat {table = dense<0> : tensor<256xi8>} : (tensor<8xi8>) -> tensor<8xi8>
  func.return %table : tensor<8xi8>
}
