// RUN: qtc-opt %s -p propagate-contracts | filecheck %s

// Same-scale ops (concat, reshape, max pool) put their operands and results in one class:
// one (scale, zero point) for the union range [-1, 3]: scale = 4 / 255, zero = round(-128 + 1 / scale) = -64.
// The record lists the class with its members in program order, and nothing broken.
// CHECK:      builtin.module attributes {qtc.contracts = {mode = "int8", functions = {main = {classes = [{id = 0 : i64, members = ["%x (argument 0)", "%y (argument 1)", "%c (nn.concat)", "%r (nn.reshape)", "%p (nn.max_pool1d)"], {{.*}}broken = [], declined = []}}}}
// CHECK-NEXT: func.func @main(%x: tensor<1x4xf32> {qtc.range = #qtc.range<-1.0, 3.0>, qtc.qparams = #qtc.qparams<0.01568627450980392, -64, i8>, qtc.class = 0 : i64},
// CHECK-SAME:   %y: tensor<1x4xf32> {qtc.range = #qtc.range<-0.5, 2.0>, qtc.qparams = #qtc.qparams<0.01568627450980392, -64, i8>, qtc.class = 0 : i64})
// CHECK-NEXT:   %c = nn.concat %x, %y {{{.*}}qparams = #qtc.qparams<0.01568627450980392, -64, i8>, qtc.class = 0 : i64
// CHECK-NEXT:   %r = nn.reshape %c {{{.*}}qparams = #qtc.qparams<0.01568627450980392, -64, i8>, qtc.class = 0 : i64
// CHECK-NEXT:   %p = nn.max_pool1d %r {{{.*}}qparams = #qtc.qparams<0.01568627450980392, -64, i8>, qtc.class = 0 : i64
func.func @main(%x: tensor<1x4xf32> {qtc.range = #qtc.range<-1.0, 3.0>}, %y: tensor<1x4xf32> {qtc.range = #qtc.range<-0.5, 2.0>}) -> tensor<1x4x1xf32> {
  %c = nn.concat %x, %y {axis = 1 : i64, range = #qtc.range<-1.0, 3.0>} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x8xf32>
  %r = nn.reshape %c {range = #qtc.range<-1.0, 3.0>} : (tensor<1x8xf32>) -> tensor<1x8x1xf32>
  %p = nn.max_pool1d %r {pool_size = array<i64: 2>, strides = array<i64: 2>, padding = "valid", range = #qtc.range<-1.0, 3.0>} : (tensor<1x8x1xf32>) -> tensor<1x4x1xf32>
  func.return %p : tensor<1x4x1xf32>
}
