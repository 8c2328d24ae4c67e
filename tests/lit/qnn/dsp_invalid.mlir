// RUN: qtc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of qnn.normalize and qnn.spectrum.

// --- qnn.normalize

%x = "test.op"() : () -> tensor<i16>
%y = qnn.normalize %x {offset = array<i32>, left_shift = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<i16>) -> tensor<i16>
// CHECK: qnn.normalize: input must have a channel axis, got shape []

// -----

%x = "test.op"() : () -> tensor<1x8x2xi32>
%y = qnn.normalize %x {offset = array<i32: 0, 0>, left_shift = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x2xi32>) -> tensor<1x8x2xi8>
// CHECK: qnn.normalize: input element type must be i8 or i16, got i32

// -----

%x = "test.op"() : () -> tensor<1x8x2xi16>
%y = qnn.normalize %x {offset = array<i32: 0>, left_shift = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x2xi16>) -> tensor<1x8x2xi8>
// CHECK: qnn.normalize: offset must have one value per channel (2), got 1

// -----

%x = "test.op"() : () -> tensor<1x8x2xi16>
%y = qnn.normalize %x {offset = array<i32: 0, 0>, left_shift = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x2xi16>) -> tensor<1x8x3xi8>
// CHECK: qnn.normalize: result shape [1, 8, 3] does not match the expected [1, 8, 2]

// -----

%x = "test.op"() : () -> tensor<1x8x2xi16>
%y = qnn.normalize %x {offset = array<i32: 1073741824, 0>, left_shift = 15 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x8x2xi16>) -> tensor<1x8x2xi8>
// CHECK: qnn.normalize: left_shift 15 with offsets up to 1073741824 overflows int32 for i16 inputs

// -----

%x = "test.op"() : () -> tensor<1x8x2xi16>
%y = qnn.normalize %x {offset = array<i32: 0, 0>, left_shift = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824, 1073741824>, shift = array<i32: 0, 0, 0>} : (tensor<1x8x2xi16>) -> tensor<1x8x2xi8>
// CHECK: qnn.normalize: multiplier and shift must have 1 or 2 values (one per output channel), got 3 and 3

// -----

// --- qnn.spectrum

%x = "test.op"() : () -> tensor<1x40x2xi8>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi8>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: input element type must be i16, got i8

// -----

%x = "test.op"() : () -> tensor<40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<40x2xi16>) -> tensor<17x2xi8>
// CHECK: qnn.spectrum: input must have rank 3, got shape [40, 2]

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 16 : i64, output = "magnitude", output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x9x2xi8>
// CHECK: qnn.spectrum: size must be a power of two from 32 to 512, got 16

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", window_table = dense<100> : tensor<40xi16>, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: window_table must be a tensor<32xi16>, got tensor<40xi16>

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", window_table = dense<-1> : tensor<32xi16>, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: window_table entries must be in [0, 32767], got -1

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", mel = dense<1> : tensor<17x4xi8>, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x4x2xi8>
// CHECK: qnn.spectrum: mel must be a tensor<17x4xi16>, got tensor<17x4xi8>

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", mel = dense<1> : tensor<17x4xi16>, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: result shape [1, 17, 2] does not match the expected [1, 4, 2]

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", log_floor = 1 : i64, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: log_floor and log_offset belong to output "log_power" only

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "log_power", log_floor = 1 : i64, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: output "log_power" needs log_floor and log_offset

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "log_power", log_floor = 0 : i64, log_offset = 0 : i32, output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: log_floor 0 must be in [1, 2^32) and |log_offset| 0 at most 2^30

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "power", output_zero_point = 0 : i32, multiplier = array<i32: 1073741824>, shift = array<i32: 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: output must be "magnitude" or "log_power", got "power"

// -----

%x = "test.op"() : () -> tensor<1x40x2xi16>
%y = qnn.spectrum %x {size = 32 : i64, output = "magnitude", output_zero_point = 0 : i32, multiplier = array<i32: 1073741824, 1073741824>, shift = array<i32: 0, 0>} : (tensor<1x40x2xi16>) -> tensor<1x17x2xi8>
// CHECK: qnn.spectrum: multiplier and shift must have 1 values (one per output channel), got 2 and 2
