// RUN: qtc-opt %s -p plan-memory | filecheck %s

// A chain of three dense layers (unpacked: i16 weights, so each takes int64 accumulators as
// scratch). %a dies at the second layer, so the third layer's result reuses its bytes; each
// layer's scratch lives only while the layer runs. The largest set live together is one
// layer's input (8 bytes), result (8) and scratch (4 x int64 = 32): 48 bytes.
// CHECK: builtin.module attributes {qtc.memory = {io = "int", arena_bytes = 48 : i64, lower_bound_bytes = 48 : i64}}
// CHECK: %a = qnn.dense %x, %w, %b {qtc.offset = [[A:[0-9]+]] : i64, qtc.scratch = [[S:[0-9]+]] : i64
// CHECK: %c = qnn.dense %a, %w, %b {qtc.offset = [[C:[0-9]+]] : i64, qtc.scratch = [[S]] : i64
// CHECK: %d = qnn.dense %c, %w, %b {qtc.offset = [[A]] : i64, qtc.scratch = [[S]] : i64
func.func @main(%x: tensor<1x4xi16>) -> tensor<1x4xi16> {
  %w = qnn.constant dense<1> : tensor<4x4xi16>
  %b = qnn.constant dense<0> : tensor<4xi64>
  %a = qnn.dense %x, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -4>} : (tensor<1x4xi16>, tensor<4x4xi16>, tensor<4xi64>) -> tensor<1x4xi16>
  %c = qnn.dense %a, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -4>} : (tensor<1x4xi16>, tensor<4x4xi16>, tensor<4xi64>) -> tensor<1x4xi16>
  %d = qnn.dense %c, %w, %b {input_zero_point = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: -4>} : (tensor<1x4xi16>, tensor<4x4xi16>, tensor<4xi64>) -> tensor<1x4xi16>
  func.return %d : tensor<1x4xi16>
}
