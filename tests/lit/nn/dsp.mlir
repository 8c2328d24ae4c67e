// RUN: qtc-opt %s | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// The pre-processing ops in their custom form: raw int16 samples normalised (nn.normalize_raw,
// whose integer input is the samples themselves), float samples normalised (nn.normalize) and
// the spectrum of each channel ([N, L, C] -> [N, F, C]). Defaults (window = "hann",
// output = "magnitude", epsilon = 1e-3) are not printed; the generic form spells them out.

// GENERIC: %mag = "nn.spectrum"(%raw) <{size = 32 : i64, window = "hann", output = "magnitude", epsilon = 1.000000e-03 : f64}> : (tensor<1x50x2xf32>) -> tensor<1x17x2xf32>

// CHECK-LABEL: func.func @main(%raw: tensor<1x50x2xf32>) -> (tensor<1x50x2xf32>, tensor<1x17x2xf32>, tensor<1x3x2xf32>) {
// CHECK-NEXT:    %x = nn.normalize_raw %raw {mean = array<f64: 1.250000e+02, -3.000000e+01>, std = array<f64: 5.000000e+02, 1.250000e-01>} : tensor<1x50x2xf32>
// CHECK-NEXT:    %n = nn.normalize %x {mean = array<f64: 5.000000e-01, -2.500000e-01>, std = array<f64: 2.000000e+00, 1.000000e+00>} : tensor<1x50x2xf32>
// CHECK-NEXT:    %mag = nn.spectrum %raw {size = 32 : i64} : (tensor<1x50x2xf32>) -> tensor<1x17x2xf32>
// CHECK-NEXT:    %mel = nn.spectrum %n {size = 64 : i64, window = "none", output = "log_power", epsilon = 1.000000e-06 : f64, mel = dense<2.500000e-01> : tensor<33x3xf32>} : (tensor<1x50x2xf32>) -> tensor<1x3x2xf32>
// CHECK-NEXT:    func.return %n, %mag, %mel : tensor<1x50x2xf32>, tensor<1x17x2xf32>, tensor<1x3x2xf32>

func.func @main(%raw: tensor<1x50x2xf32>) -> (tensor<1x50x2xf32>, tensor<1x17x2xf32>, tensor<1x3x2xf32>) {
  %x = nn.normalize_raw %raw {mean = array<f64: 125.0, -30.0>, std = array<f64: 500.0, 0.125>} : tensor<1x50x2xf32>
  %n = nn.normalize %x {mean = array<f64: 0.5, -0.25>, std = array<f64: 2.0, 1.0>} : tensor<1x50x2xf32>
  %mag = nn.spectrum %raw {size = 32 : i64, window = "hann", output = "magnitude"} : (tensor<1x50x2xf32>) -> tensor<1x17x2xf32>
  %mel = nn.spectrum %n {size = 64 : i64, window = "none", output = "log_power", epsilon = 1.0e-6 : f64, mel = dense<0.25> : tensor<33x3xf32>} : (tensor<1x50x2xf32>) -> tensor<1x3x2xf32>
  func.return %n, %mag, %mel : tensor<1x50x2xf32>, tensor<1x17x2xf32>, tensor<1x3x2xf32>
}
