// RUN: qtc-opt %s | filecheck %s
// RUN: qtc-opt %s | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | qtc-opt | filecheck %s

// Ranges print with the shortest float64 literal that reads back exactly; integers become floats.
// CHECK:      "test.op"() {r = #qtc.range<-1.5, 3.0>} : () -> ()
"test.op"() {r = #qtc.range<-1.5, 3>} : () -> ()
// CHECK-NEXT: "test.op"() {r = #qtc.range<0.0, 0.0>} : () -> ()
"test.op"() {r = #qtc.range<0.0, 0.0>} : () -> ()
// CHECK-NEXT: "test.op"() {r = #qtc.range<-1.0e+30, 1.0e+30>} : () -> ()
"test.op"() {r = #qtc.range<-1.0e30, 1.0e30>} : () -> ()

// Per-tensor parameters: scale, zero point, storage type.
// CHECK-NEXT: "test.op"() {q = #qtc.qparams<0.00392156862745098, -128, i8>} : () -> ()
"test.op"() {q = #qtc.qparams<0.00392156862745098, -128, i8>} : () -> ()
// 1/127 written with 20 digits prints as the shortest literal of the same float64.
// CHECK-NEXT: "test.op"() {q = #qtc.qparams<0.007874015748031496, 0, i16>} : () -> ()
"test.op"() {q = #qtc.qparams<0.0078740157480314959, 0, i16>} : () -> ()
// CHECK-NEXT: "test.op"() {q = #qtc.qparams<3.0517578125e-05, 0, i32>} : () -> ()
"test.op"() {q = #qtc.qparams<3.0517578125e-05, 0, i32>} : () -> ()
// CHECK-NEXT: "test.op"() {q = #qtc.qparams<1.5e-10, 0, i64>} : () -> ()
"test.op"() {q = #qtc.qparams<1.5e-10, 0, i64>} : () -> ()

// Per-axis parameters: one scale and zero point per channel of `axis`.
// CHECK-NEXT: "test.op"() {q = #qtc.qparams<[0.5, 0.25, 2.5e-07], [0, 0, 0], i8, axis = 3>} : () -> ()
"test.op"() {q = #qtc.qparams<[0.5, 0.25, 2.5e-07], [0, 0, 0], i8, axis = 3>} : () -> ()
// CHECK-NEXT: "test.op"() {q = #qtc.qparams<[1.0], [-5], i8, axis = 0>} : () -> ()
"test.op"() {q = #qtc.qparams<[1.0], [-5], i8, axis = 0>} : () -> ()
