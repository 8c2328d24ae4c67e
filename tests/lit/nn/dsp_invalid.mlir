// RUN: qtc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of the nn pre-processing ops.

// --- nn.normalize, nn.normalize_raw

%x = "test.op"() : () -> tensor<f32>
%y = nn.normalize %x {mean = array<f64>, std = array<f64>} : tensor<f32>
// CHECK: nn.normalize: expected an input with a channel axis, got shape []

// -----

%x = "test.op"() : () -> tensor<1x8x3xf32>
%y = nn.normalize_raw %x {mean = array<f64: 0.0, 1.0>, std = array<f64: 1.0, 1.0, 1.0>} : tensor<1x8x3xf32>
// CHECK: nn.normalize_raw: mean and std must have one value per channel (3), got 2 and 3

// -----

%x = "test.op"() : () -> tensor<1x8x2xf32>
%y = nn.normalize %x {mean = array<f64: 0.0, 1.0>, std = array<f64: 1.0, 0.0>} : tensor<1x8x2xf32>
// CHECK: nn.normalize: std must be positive, got [1.0, 0.0]

// -----

%x = "test.op"() : () -> tensor<1x8x2xi16>
%y = nn.normalize %x {mean = array<f64: 0.0, 1.0>, std = array<f64: 1.0, 1.0>} : tensor<1x8x2xi16>
// CHECK: nn.normalize: expected statically shaped tensors of f32, got tensor<1x8x2xi16>

// -----

// --- nn.spectrum

%x = "test.op"() : () -> tensor<8x2xf32>
%y = nn.spectrum %x {size = 32 : i64} : (tensor<8x2xf32>) -> tensor<17x2xf32>
// CHECK: nn.spectrum: expected an input of layout [N, L, C], got shape [8, 2]

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 48 : i64} : (tensor<1x50x2xf32>) -> tensor<1x25x2xf32>
// CHECK: nn.spectrum: size must be a power of two from 32 to 512, got 48

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 1024 : i64} : (tensor<1x50x2xf32>) -> tensor<1x513x2xf32>
// CHECK: nn.spectrum: size must be a power of two from 32 to 512, got 1024

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 32 : i64, window = "hamming"} : (tensor<1x50x2xf32>) -> tensor<1x17x2xf32>
// CHECK: nn.spectrum: window must be one of "hann", "none", got "hamming"

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 32 : i64, output = "power"} : (tensor<1x50x2xf32>) -> tensor<1x17x2xf32>
// CHECK: nn.spectrum: output must be one of "magnitude", "log_power", got "power"

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 32 : i64, output = "log_power", epsilon = 0.0 : f64} : (tensor<1x50x2xf32>) -> tensor<1x17x2xf32>
// CHECK: nn.spectrum: epsilon must be positive, got 0.0

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 32 : i64, mel = dense<0.5> : tensor<16x4xf32>} : (tensor<1x50x2xf32>) -> tensor<1x4x2xf32>
// CHECK: nn.spectrum: mel must be a tensor<17xMxf32> ([size/2 + 1, bins]), got tensor<16x4xf32>

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 32 : i64, mel = dense<1.5> : tensor<17x4xf32>} : (tensor<1x50x2xf32>) -> tensor<1x4x2xf32>
// CHECK: nn.spectrum: mel weights must lie in [0, 1]

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 32 : i64, mel = dense<0.5> : tensor<17x4xf32>} : (tensor<1x50x2xf32>) -> tensor<1x17x2xf32>
// CHECK: nn.spectrum: expected result shape [1, 4, 2] (mel bins by channels), got [1, 17, 2]

// -----

%x = "test.op"() : () -> tensor<1x50x2xf32>
%y = nn.spectrum %x {size = 64 : i64} : (tensor<1x50x2xf32>) -> tensor<1x50x2xf32>
// CHECK: nn.spectrum: expected result shape [1, 33, 2] (size/2 + 1 bins by channels), got [1, 50, 2]
