// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.linspace(-1, 1, 32, dtype=np.float32).reshape(8, 4))"
// RUN: qtc-opt %s --quantize-int8 --calibration %t.npz | filecheck %s --check-prefix=INT8
// RUN: qtc-opt %s --quantize-16x8 --calibration %t.npz | filecheck %s --check-prefix=W8A16
// RUN: qtc-opt %s --quantize-int16 --calibration %t.npz --calibration-method percentile | filecheck %s --check-prefix=INT16
// RUN: not qtc-opt %s --quantize-int8 2>&1 | filecheck %s --check-prefix=NOCALIB

// The aliases run fold-batch-norm, fuse-activations, calibrate, propagate-contracts,
// round-weights (GPTQ for 16x8), requantize, check-overflow and plan-memory.
// INT8:       qnn.quantize %x {qparams = #qtc.qparams<{{.*}}, i8>}
// INT8-NEXT:  qnn.constant {{.*}} : tensor<4x3xi8>
// INT8-NEXT:  qnn.constant {{.*}} : tensor<3xi32>
// INT8-NEXT:  %y = qnn.dense {{.*}}clamp_min
// INT8-NOT:   {{ nn\.}}
// W8A16:      qnn.constant {{.*}} : tensor<4x3xi8>
// W8A16-NEXT: qnn.constant {{.*}} : tensor<3xi64>
// W8A16-NEXT: qnn.dense {{.*}} : (tensor<1x4xi16>, tensor<4x3xi8>, tensor<3xi64>) -> tensor<1x3xi16>
// INT16:      qnn.dense {{.*}} : (tensor<1x4xi16>, tensor<4x3xi16>, tensor<3xi64>) -> tensor<1x3xi16>
// NOCALIB:    error: --quantize-int8 needs --calibration CALIB.npz
func.func @main(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %w = nn.constant dense<[[1.0, -0.5, 0.25], [0.5, 2.0, -1.0], [0.0, 1.0, 0.5], [-4.0, 0.5, 1.0]]> : tensor<4x3xf32>
  %b = nn.constant dense<[0.5, -0.5, 0.0]> : tensor<3xf32>
  %d = nn.dense %x, %w, %b : (tensor<1x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %y = nn.relu %d : tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}
