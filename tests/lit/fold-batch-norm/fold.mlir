// RUN: qtc-opt %s -p fold-batch-norm | filecheck %s

// Dense: w' = w * k (per output column), b' = (b - mean) * k + beta, k = gamma / sqrt(var + eps).
// gamma = [4, 3], var = [3.75, 0.75], eps = 0.25 -> k = [2, 3];
// w' = [[1*2, 2*3], [3*2, 4*3]]; b' = [(0.5 - 1)*2 + 1, (0.5 + 1)*3 + 0] = [0, 4.5].
// CHECK-LABEL: func.func @dense
// CHECK-NEXT:    %w = nn.constant dense<{{\[\[}}2.000000e+00, 6.000000e+00], [6.000000e+00, 1.200000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT:    %b = nn.constant dense<[0.000000e+00, 4.500000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = nn.dense %x, %w, %b {layer = "d"} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    func.return %y : tensor<1x2xf32>
func.func @dense(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = nn.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %y = nn.dense %x, %w, %b {layer = "d"} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 2.500000e-01 : f64} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// Depthwise: output channel c * M + m is scaled by k[c * M + m]; weights [kh, kw, C, M].
// C = 1, M = 2, k = [2, 3]: w [1, 1, 1, 2] = [[[[1, 1]]]] -> [[[[2, 3]]]]; b = [0, 0] -> (0 - 0) * k + beta.
// CHECK-LABEL: func.func @depthwise
// CHECK-NEXT:    %w = nn.constant dense<{{\[\[\[\[}}2.000000e+00, 3.000000e+00]]]]> : tensor<1x1x1x2xf32>
// CHECK-NEXT:    %b = nn.constant dense<[1.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK-NEXT:    %y = nn.depthwise_conv2d %x, %w, %b
func.func @depthwise(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<[[[[1.0, 1.0]]]]> : tensor<1x1x1x2xf32>
  %b = nn.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, padding = "valid", dilations = array<i64: 1, 1>} : (tensor<1x2x2x1xf32>, tensor<1x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 2.500000e-01 : f64} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z : tensor<1x2x2x2xf32>
}

// Not folded: the producer has a fused activation (batch norm after relu).
// CHECK-LABEL: func.func @after_activation
// CHECK:         %y = nn.dense {{.*}}activation = "relu"
// CHECK:         %z = nn.batch_norm %y
func.func @after_activation(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = nn.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %y = nn.dense %x, %w, %b {activation = "relu"} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 2.500000e-01 : f64} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// Not folded: the producer's result has another use.
// CHECK-LABEL: func.func @shared_producer
// CHECK:         %y = nn.dense
// CHECK-NEXT:    nn.constant
// CHECK:         nn.batch_norm %y
func.func @shared_producer(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = nn.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %y = nn.dense %x, %w, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 2.500000e-01 : f64} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y, %z : tensor<1x2xf32>, tensor<1x2xf32>
}
