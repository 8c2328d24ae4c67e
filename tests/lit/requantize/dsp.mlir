// RUN: qtc-opt %s -p propagate-contracts,requantize | filecheck %s
// RUN: qtc-opt %s -p 'propagate-contracts{mode=int16},requantize' | filecheck %s --check-prefix=INT16

// Pre-processing lowerings. nn.normalize_raw pins its input to the raw int16 samples
// (scale 1, zero point 0), so the model boundary is the identity on them. The normalisation
// is one per-channel rescale: offsets (z + mean / s) * 2^15 = 100 * 2^15 and -500 * 2^15
// (2^15 is the largest shift at which 32768 * 2^s + 500 * 2^s fits int32), multipliers
// s / (std * s_y * 2^15) with s_y = 2 * 4 / 32767 (one bit of 16-bit headroom):
// 1 / (400 * 2.4415e-4 * 2^15) = 0.6400 * 2^-11. The integer FFT gives DFT / size at the input's
// scale, so the magnitude rescale is s_y * 32 / (64 / 255) = 0.9961 * 2^-5; the log power
// adds log_floor = round(0.01 / (s_y * 64)^2) = 41 and log_offset = log2((s_y * 64)^2) * 2^16
// = -786426, then rescales by ln 2 / (2^16 * s_out). The Hann window and the mel weights
// become Q15 tables (0.25 -> 8192).

// CHECK:      %raw_1 = qnn.quantize %raw {qparams = #qtc.qparams<1.0, 0, i16>} : (tensor<1x40x2xf32>) -> tensor<1x40x2xi16>
// CHECK-NEXT: %x = qnn.normalize %raw_1 {qparams = #qtc.qparams<0.00024414807580797754, 0, i16>, offset = array<i32: 3276800, -16384000>, left_shift = 15 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1374347592, 1099478073>, shift = array<i32: -11, -12>} : (tensor<1x40x2xi16>) -> tensor<1x40x2xi16>
// CHECK-NEXT: %mag = qnn.spectrum %x {qparams = #qtc.qparams<0.25098039215686274, -128, i8>, size = 32 : i64, output = "magnitude", output_zero_point = -128 : i32, multiplier = array<i32: 2139160322>, shift = array<i32: -5>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK-NEXT: %mel = qnn.spectrum %x {qparams = #qtc.qparams<0.04941176470588235, -35, i8>, size = 64 : i64, output = "log_power", window_table = dense<[0, 202, 802, {{.*}}, 32767, {{.*}}, 802, 202]> : tensor<40xi16>, mel = dense<8192> : tensor<33x4xi16>, log_floor = 41 : i64, log_offset = -786426 : i32, output_zero_point = -35 : i32, multiplier = array<i32: 1882803423>, shift = array<i32: -12>} : (tensor<1x40x2xi16>) -> tensor<1x4x2xi8>

// INT16:      %raw_1 = qnn.quantize %raw {qparams = #qtc.qparams<1.0, 0, i16>}
// INT16:      %mag = qnn.spectrum %x {qparams = #qtc.qparams<{{.*}}, 0, i16>, size = 32 : i64, output = "magnitude", output_zero_point = 0 : i32, {{.*}}} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi16>

func.func @main(%raw: tensor<1x40x2xf32> {qtc.range = #qtc.range<-2000.0, 3000.0>}) -> (tensor<1x17x2xf32>, tensor<1x4x2xf32>) {
  %x = nn.normalize_raw %raw {mean = array<f64: 100.0, -500.0>, std = array<f64: 400.0, 1000.0>, range = #qtc.range<-4.0, 4.0>} : tensor<1x40x2xf32>
  %mag = nn.spectrum %x {size = 32 : i64, window = "none", range = #qtc.range<0.0, 64.0>} : (tensor<1x40x2xf32>) -> tensor<1x17x2xf32>
  %mel = nn.spectrum %x {size = 64 : i64, output = "log_power", epsilon = 0.01 : f64, mel = dense<0.25> : tensor<33x4xf32>, range = #qtc.range<-4.6, 8.0>} : (tensor<1x40x2xf32>) -> tensor<1x4x2xf32>
  func.return %mag, %mel : tensor<1x17x2xf32>, tensor<1x4x2xf32>
}
