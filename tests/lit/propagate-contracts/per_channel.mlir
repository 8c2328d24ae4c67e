// RUN: qtc-opt %s -p propagate-contracts | filecheck %s
// RUN: qtc-opt %s -p 'propagate-contracts{mode=16x8}' | filecheck %s --check-prefix=W8A16
// RUN: qtc-opt %s -p 'propagate-contracts{mode=16x8 headroom-bits=0.0}' | filecheck %s --check-prefix=NOROOM

// Weights: symmetric, one scale an output channel, max |w| / 127: [4 / 127, 2 / 127].
// Bias: int32 at scale(input) * scale(weights) a channel, zero point 0: 8 / 32385 and 4 / 32385.
// The input [-1, 1] in int8: scale 2 / 255, zero point round(-128 + 127.5) = -1 (half away from zero).
// CHECK:      %x: tensor<1x3xf32> {{{.*}}qtc.qparams = #qtc.qparams<0.00784313725490196, -1, i8>
// CHECK:      %w = nn.constant {{.*}} {qparams = #qtc.qparams<[0.031496062992125984, 0.015748031496062992], [0, 0], i8, axis = 1>}
// CHECK-NEXT: %b = nn.constant {{.*}} {qparams = #qtc.qparams<[0.0002470279450362822, 0.0001235139725181411], [0, 0], i32, axis = 0>}
//
// Depthwise [kh, kw, C, M] with M = 2: one scale an output channel c * M + m, i.e. the axes
// [C, M] from axis 2 on, flattened: max |w| / 127 of [3, -1, 0.5, 1] = [3, 1, 0.5, 1] / 127
// (input channel 1's two outputs no longer share 1 / 127). The bias follows: (2 / 255) * s_w.
// CHECK:      %dw = nn.constant {{.*}} {qparams = #qtc.qparams<[0.023622047244094488, 0.007874015748031496, 0.003937007874015748, 0.007874015748031496], [0, 0, 0, 0], i8, axis = 2>}
// CHECK-NEXT: %db = nn.constant {{.*}} {qparams = #qtc.qparams<[0.00018527095877721167, 6.175698625907056e-05, 3.087849312953528e-05, 6.175698625907056e-05], [0, 0, 0, 0], i32, axis = 0>}
//
// 16x8: int16 activations are symmetric with one bit of headroom (2 / 32767), weights stay int8,
// biases become int64.
// W8A16:      %x: tensor<1x3xf32> {{{.*}}qtc.qparams = #qtc.qparams<6.103701895199438e-05, 0, i16>
// W8A16:      %w = nn.constant {{.*}} {qparams = #qtc.qparams<[0.031496062992125984, 0.015748031496062992], [0, 0], i8, axis = 1>}
// W8A16-NEXT: %b = nn.constant {{.*}} {qparams = #qtc.qparams<{{.*}}, i64, axis = 0>}
// NOROOM:     %x: tensor<1x3xf32> {{{.*}}qtc.qparams = #qtc.qparams<3.051850947599719e-05, 0, i16>
func.func @main(%x: tensor<1x3xf32> {qtc.range = #qtc.range<-1.0, 1.0>}, %img: tensor<1x2x2x2xf32> {qtc.range = #qtc.range<-1.0, 1.0>}) -> (tensor<1x2xf32>, tensor<1x2x2x4xf32>) {
  %w = nn.constant dense<[[1.0, -0.5], [-4.0, 2.0], [0.0, 1.0]]> : tensor<3x2xf32>
  %b = nn.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %d = nn.dense %x, %w, %b {range = #qtc.range<-5.0, 5.0>} : (tensor<1x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %dw = nn.constant dense<[[[[3.0, -1.0], [0.5, 1.0]]]]> : tensor<1x1x2x2xf32>
  %db = nn.constant dense<[0.0, 0.0, 0.0, 0.0]> : tensor<4xf32>
  %c = nn.depthwise_conv2d %img, %dw, %db {strides = array<i64: 1, 1>, padding = "valid", dilations = array<i64: 1, 1>, range = #qtc.range<-3.0, 3.0>} : (tensor<1x2x2x2xf32>, tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x2x2x4xf32>
  func.return %d, %c : tensor<1x2xf32>, tensor<1x2x2x4xf32>
}
