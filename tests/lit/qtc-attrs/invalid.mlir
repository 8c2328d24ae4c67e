// RUN: qtc-opt %s --split-input-file --parsing-diagnostics | filecheck %s

"test.op"() {r = #qtc.range<5.0, 3.0>} : () -> ()
// CHECK: #qtc.range<5.0, 3.0>: min is greater than max

// -----

"test.op"() {q = #qtc.qparams<0.0, 0, i8>} : () -> ()
// CHECK: #qtc.qparams: scale must be a finite positive number, got 0.0

// -----

"test.op"() {q = #qtc.qparams<-0.5, 0, i8>} : () -> ()
// CHECK: #qtc.qparams: scale must be a finite positive number, got -0.5

// -----

"test.op"() {q = #qtc.qparams<0.5, 128, i8>} : () -> ()
// CHECK: #qtc.qparams: zero point 128 is outside the i8 range [-128, 127]

// -----

"test.op"() {q = #qtc.qparams<0.5, 0, i4>} : () -> ()
// CHECK: #qtc.qparams: storage type must be i8, i16, i32 or i64, got i4

// -----

"test.op"() {q = #qtc.qparams<[0.5, 0.25], [0], i8, axis = 0>} : () -> ()
// CHECK: #qtc.qparams: expected as many zero points as scales (at least one), got 2 scales and 1 zero points

// -----

"test.op"() {q = #qtc.qparams<[0.5], [0], i8, axis = -1>} : () -> ()
// CHECK: #qtc.qparams: axis must be >= 0, got -1

// -----

"test.op"() {q = #qtc.qparams<0.5, 1.5, i8>} : () -> ()
// CHECK: Expected integer literal for a zero point

// -----

"test.op"() {q = #qtc.qparams<[0.5, 0.25], [0, 0], i8>} : () -> ()
// CHECK: Expected ','
