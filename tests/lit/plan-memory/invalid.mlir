// RUN: not qtc-opt %s -p 'plan-memory{io=double}' 2>&1 | filecheck %s
// CHECK: plan-memory: io must be one of int, float, got double
func.func @main(%x: tensor<4xi8>) -> tensor<4xi8> {
  func.return %x : tensor<4xi8>
}
