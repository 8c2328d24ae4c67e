// Every user error is one line naming what is missing; exit code 1.

// RUN: not qtc-opt %s -p 'round-weights{data="%t.missing.npz"}' 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: error: round-weights: {{.*}}.missing.npz: calibration data file not found
// MISSING-NOT: Traceback

// RUN: not qtc-opt %s -p round-weights 2>&1 | filecheck %s --check-prefix=NODATA
// NODATA: error: round-weights requires argument "data"

// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.ones((4, 2), np.float32))"
// RUN: not qtc-opt %s -p 'round-weights{data="%t.npz"}' 2>&1 | filecheck %s --check-prefix=NOQPARAMS
// NOQPARAMS: error: round-weights: %y (nn.dense, layer 'fc'): its weights %w (nn.constant) have no #qtc.qparams: run propagate-contracts first

// RUN: %python -c "import numpy as np; np.savez('%t.empty.npz', x=np.zeros((0, 2), np.float32))"
// RUN: not qtc-opt %s -p 'round-weights{data="%t.empty.npz"}' 2>&1 | filecheck %s --check-prefix=EMPTY
// EMPTY: error: round-weights: the calibration data holds no samples: give at least one

// RUN: not qtc-opt %s -p 'round-weights{data="%t.npz" method=adaround}' 2>&1 | filecheck %s --check-prefix=METHOD
// METHOD: error: round-weights: unknown weight rounding 'adaround': use one of nearest, gptq
func.func @main(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w = nn.constant dense<[[0.35], [0.35]]> : tensor<2x1xf32>
  %b = nn.constant dense<0.0> : tensor<1xf32>
  %y = nn.dense %x, %w, %b {layer = "fc"} : (tensor<1x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<1x1xf32>
  func.return %y : tensor<1x1xf32>
}
