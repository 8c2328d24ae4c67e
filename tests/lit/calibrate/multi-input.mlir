// Two inputs come from keys x0 and x1, and each argument gets its own range.
// x0 = [1, -3], [2, 0]; x1 = [0.5, 0.5], [-4, 1]: s = x0 + x1 = [1.5, -2.5], [-2, 1].
// d = x0 - x0 is always 0: a one-number range is recorded as it is (also by the histogram
// methods, which have nothing to clip), and nothing widens a range to hold 0.
// RUN: %python -c "import numpy as np; np.savez('%t.npz', x0=np.array([[1, -3], [2, 0]], np.float32), x1=np.array([[0.5, 0.5], [-4, 1]], np.float32))"
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz"}' | filecheck %s
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" method=percentile percentile=100}' | filecheck %s
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" method=mse}' | filecheck %s --check-prefix=MSE

// CHECK-LABEL: func.func @f(%x0: tensor<1x2xf32> {qtc.range = #qtc.range<-3.0, 2.0>}, %x1: tensor<1x2xf32> {qtc.range = #qtc.range<-4.0, 1.0>})
// CHECK-NEXT:    %s = nn.add %x0, %x1 {range = #qtc.range<-2.5, 1.5>}
// CHECK-NEXT:    %d = nn.sub %x0, %x0 {range = #qtc.range<0.0, 0.0>}
// CHECK-NEXT:    %c = nn.constant {{.*}} {range = #qtc.range<3.0, 3.0>}
// CHECK-NEXT:    %m = nn.mul %s, %c {range = #qtc.range<-7.5, 4.5>}
// MSE:           %d = nn.sub %x0, %x0 {range = #qtc.range<0.0, 0.0>}
// MSE-NEXT:      %c = nn.constant {{.*}} {range = #qtc.range<3.0, 3.0>}
func.func @f(%x0: tensor<1x2xf32>, %x1: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %s = nn.add %x0, %x1 : tensor<1x2xf32>
  %d = nn.sub %x0, %x0 : tensor<1x2xf32>
  %c = nn.constant dense<3.0> : tensor<1x2xf32>
  %m = nn.mul %s, %c : tensor<1x2xf32>
  func.return %m : tensor<1x2xf32>
}
