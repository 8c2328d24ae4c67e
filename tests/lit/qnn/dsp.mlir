// RUN: qtc-opt %s | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// The integer pre-processing ops: qnn.normalize (one per-channel rescale with offsets) and
// qnn.spectrum (Q15 window and mel tables, the integer FFT, a magnitude or a Q16 log2 power,
// then one rescale). `rounding = "double"` is the default and is not printed.

// GENERIC: "qnn.normalize"(%raw) <{offset = array<i32: 16384, -81920>, left_shift = 14 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1431655765>, shift = array<i32: -9, -10>, rounding = "double"}>

// CHECK-LABEL: func.func @main(%raw: tensor<1x40x2xi16>) -> (tensor<1x17x2xi16>, tensor<1x4x2xi8>) {
// CHECK-NEXT:    %x = qnn.normalize %raw {offset = array<i32: 16384, -81920>, left_shift = 14 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1431655765>, shift = array<i32: -9, -10>} : (tensor<1x40x2xi16>) -> tensor<1x40x2xi16>
// CHECK-NEXT:    %mag = qnn.spectrum %x {size = 32 : i64, output = "magnitude", output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 3>, rounding = "single"} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi16>
// CHECK-NEXT:    %mel = qnn.spectrum %x {size = 64 : i64, output = "log_power", window_table = dense<{{.*}}> : tensor<40xi16>, mel = dense<8192> : tensor<33x4xi16>, log_floor = 12 : i64, log_offset = -1310720 : i32, output_zero_point = -100 : i32, multiplier = array<i32: 1488522236>, shift = array<i32: -12>, clamp_min = -100 : i32} : (tensor<1x40x2xi16>) -> tensor<1x4x2xi8>
// CHECK-NEXT:    func.return %mag, %mel : tensor<1x17x2xi16>, tensor<1x4x2xi8>

func.func @main(%raw: tensor<1x40x2xi16>) -> (tensor<1x17x2xi16>, tensor<1x4x2xi8>) {
  %x = qnn.normalize %raw {offset = array<i32: 16384, -81920>, left_shift = 14 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1431655765>, shift = array<i32: -9, -10>} : (tensor<1x40x2xi16>) -> tensor<1x40x2xi16>
  %mag = qnn.spectrum %x {size = 32 : i64, output = "magnitude", output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 3>, rounding = "single"} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi16>
  %mel = qnn.spectrum %x {size = 64 : i64, output = "log_power", window_table = dense<[0, 202, 802, 1783, 3116, 4763, 6678, 8808, 11094, 13474, 15884, 18262, 20543, 22665, 24568, 26201, 27519, 28487, 29080, 29280, 29080, 28487, 27519, 26201, 24568, 22665, 20543, 18262, 15884, 13474, 11094, 8808, 6678, 4763, 3116, 1783, 802, 202, 0, 0]> : tensor<40xi16>, mel = dense<8192> : tensor<33x4xi16>, log_floor = 12 : i64, log_offset = -1310720 : i32, output_zero_point = -100 : i32, multiplier = array<i32: 1488522236>, shift = array<i32: -12>, clamp_min = -100 : i32} : (tensor<1x40x2xi16>) -> tensor<1x4x2xi8>
  func.return %mag, %mel : tensor<1x17x2xi16>, tensor<1x4x2xi8>
}
