// RUN: qtc-opt %s -p fuse-activations | filecheck %s

// CHECK-LABEL: func.func @dense_relu
// CHECK-NEXT:    %w = nn.constant
// CHECK-NEXT:    %b = nn.constant
// CHECK-NEXT:    %r = nn.dense %x, %w, %b {activation = "relu"} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    func.return %r : tensor<1x2xf32>
func.func @dense_relu(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = nn.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %y = nn.dense %x, %w, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %r = nn.relu %y : tensor<1x2xf32>
  func.return %r : tensor<1x2xf32>
}

// CHECK-LABEL: func.func @add_relu6
// CHECK-NEXT:    %r = nn.add %a, %b {activation = "relu6"} : tensor<1x4xf32>
// CHECK-NEXT:    func.return %r
func.func @add_relu6(%a: tensor<1x4xf32>, %b: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %y = nn.add %a, %b : tensor<1x4xf32>
  %r = nn.relu6 %y : tensor<1x4xf32>
  func.return %r : tensor<1x4xf32>
}

// Not fused: the producer already clamps, has another use, or cannot clamp.
// CHECK-LABEL: func.func @not_fused
// CHECK-NEXT:    %y = nn.add %a, %b {activation = "relu"} : tensor<1x4xf32>
// CHECK-NEXT:    %r = nn.relu6 %y : tensor<1x4xf32>
// CHECK-NEXT:    %s = nn.sub %a, %b : tensor<1x4xf32>
// CHECK-NEXT:    %t = nn.relu %s : tensor<1x4xf32>
// CHECK-NEXT:    %u = nn.tanh %a : tensor<1x4xf32>
// CHECK-NEXT:    %v = nn.relu %u : tensor<1x4xf32>
// CHECK-NEXT:    func.return %r, %s, %t, %v
func.func @not_fused(%a: tensor<1x4xf32>, %b: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %y = nn.add %a, %b {activation = "relu"} : tensor<1x4xf32>
  %r = nn.relu6 %y : tensor<1x4xf32>
  %s = nn.sub %a, %b : tensor<1x4xf32>
  %t = nn.relu %s : tensor<1x4xf32>
  %u = nn.tanh %a : tensor<1x4xf32>
  %v = nn.relu %u : tensor<1x4xf32>
  func.return %r, %s, %t, %v : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}
