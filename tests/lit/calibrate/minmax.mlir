// Three samples x = [1, 2], [-1, 0], [0, -2] through y = x w + b, r = relu(y):
//   y = [5.5, -0.5], [-0.5, 0.5], [-3.5, -1.5] -> y in [-3.5, 5.5], r in [0, 5.5], x in [-2, 2];
//   the constants' ranges are their element ranges (w in [-1, 2], b in [-0.5, 0.5]).
// The batch size only changes how the samples are grouped, never the ranges.
// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.array([[1, 2], [-1, 0], [0, -2]], np.float32))"
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz"}' | filecheck %s
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" batch-size=1}' | filecheck %s
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" batch-size=2}' | filecheck %s

// CHECK-LABEL: func.func @main(%x: tensor<1x2xf32> {qtc.range = #qtc.range<-2.0, 2.0>}) -> tensor<1x2xf32> {
// CHECK-NEXT:    %w = nn.constant {{.*}} {range = #qtc.range<-1.0, 2.0>}
// CHECK-NEXT:    %b = nn.constant {{.*}} {range = #qtc.range<-0.5, 0.5>}
// CHECK-NEXT:    %y = nn.dense %x, %w, %b {range = #qtc.range<-3.5, 5.5>}
// CHECK-NEXT:    %r = nn.relu %y {range = #qtc.range<0.0, 5.5>}
// CHECK-NEXT:    func.return %r
func.func @main(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, -1.0], [2.0, 0.5]]> : tensor<2x2xf32>
  %b = nn.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = nn.dense %x, %w, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %r = nn.relu %y : tensor<1x2xf32>
  func.return %r : tensor<1x2xf32>
}

// Only the entry function (@main) is run and annotated.
// CHECK-LABEL: func.func @other(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
// CHECK-NEXT:    %r = nn.relu %x : tensor<1x2xf32>
func.func @other(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %r = nn.relu %x : tensor<1x2xf32>
  func.return %r : tensor<1x2xf32>
}
