// `-o` is written only on success: a failing run leaves no file behind.
// RUN: rm -f %t.out.mlir
// RUN: not qtc-opt %S/inputs/bad_attr.mlir -o %t.out.mlir
// RUN: not ls %t.out.mlir
// RUN: qtc-opt %S/inputs/good.mlir -o %t.out.mlir
// RUN: filecheck %s --input-file %t.out.mlir
// CHECK: "test.op"() {r = #qtc.range<-1.0, 1.0>} : () -> ()
