// RUN: qtc-opt %s -p plan-memory | filecheck %s --check-prefix=INT
// RUN: qtc-opt %s -p 'plan-memory{io=float}' | filecheck %s --check-prefix=FLOAT

// Integer I/O: the caller passes the quantized input and takes the integer output, so the
// boundary quantize and dequantize run outside C and hold no arena bytes; a reshape of the
// caller's input is a view of it (no offset either). Float I/O runs both conversions in C:
// the int8 values (4 bytes) and the float output (16 bytes) are live together at the end.
// INT: builtin.module attributes {qtc.memory = {io = "int", arena_bytes = 4 : i64, lower_bound_bytes = 4 : i64}}
// INT: %q = qnn.quantize %x {qparams
// INT-NOT: qtc.offset
// INT: %r = qnn.reshape %q : (tensor<2x2xi8>) -> tensor<4xi8>
// INT: %c = qnn.clamp %r {qtc.offset = 0 : i64,
// INT: %y = qnn.dequantize %c {qparams
// FLOAT: builtin.module attributes {qtc.memory = {io = "float", arena_bytes = 20 : i64, lower_bound_bytes = 20 : i64}}
// FLOAT: %q = qnn.quantize %x {qtc.offset = [[Q:[0-9]+]] : i64,
// FLOAT: %r = qnn.reshape %q {qtc.offset = [[Q]] : i64}
// FLOAT: %c = qnn.clamp %r {qtc.offset = [[Q]] : i64,
// FLOAT: %y = qnn.dequantize %c {qtc.offset = {{[0-9]+}} : i64,
func.func @main(%x: tensor<2x2xf32>) -> tensor<4xf32> {
  %q = qnn.quantize %x {qparams = #qtc.qparams<0.5, 0, i8>} : (tensor<2x2xf32>) -> tensor<2x2xi8>
  %r = qnn.reshape %q : (tensor<2x2xi8>) -> tensor<4xi8>
  %c = qnn.clamp %r {clamp_min = 0 : i32, clamp_max = 127 : i32} : (tensor<4xi8>) -> tensor<4xi8>
  %y = qnn.dequantize %c {qparams = #qtc.qparams<0.5, 0, i8>} : (tensor<4xi8>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
