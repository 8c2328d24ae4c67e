// Every user error is one line naming the file (or option) and what to do; exit code 1.

// RUN: not qtc-opt %s -p 'calibrate{data="%t.missing.npz"}' 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: error: calibrate: {{.*}}.missing.npz: calibration data file not found
// MISSING-NOT: Traceback

// RUN: echo "not numpy" > %t.txt
// RUN: not qtc-opt %s -p 'calibrate{data="%t.txt"}' 2>&1 | filecheck %s --check-prefix=NOTNPZ
// NOTNPZ: error: calibrate: {{.*}}.txt: not a readable .npz file {{.*}}; save calibration data with numpy.savez

// RUN: %python -c "import numpy as np; np.savez('%t.key.npz', y=np.zeros((3, 2), np.float32), z=np.zeros(3))"
// RUN: not qtc-opt %s -p 'calibrate{data="%t.key.npz"}' 2>&1 | filecheck %s --check-prefix=KEY
// KEY: error: calibrate: {{.*}}.key.npz: expected key(s) x for a function with 1 input(s), found y, z

// RUN: %python -c "import numpy as np; np.savez('%t.shape.npz', x=np.zeros((3, 3), np.float32))"
// RUN: not qtc-opt %s -p 'calibrate{data="%t.shape.npz"}' 2>&1 | filecheck %s --check-prefix=SHAPE
// SHAPE: error: calibrate: {{.*}}.shape.npz: x has samples of shape [3], expected [2] (array shape [N, 2] for @main input [1, 2], batch first)

// RUN: %python -c "import numpy as np; np.savez('%t.int.npz', x=np.zeros((3, 2), np.int32))"
// RUN: not qtc-opt %s -p 'calibrate{data="%t.int.npz"}' 2>&1 | filecheck %s --check-prefix=DTYPE
// DTYPE: error: calibrate: {{.*}}.int.npz: x has dtype int32: calibration data must be float (save float32)

// RUN: %python -c "import numpy as np; np.savez('%t.nan.npz', x=np.array([[1, np.nan], [np.inf, 1], [np.nan, 0]], np.float32))"
// RUN: not qtc-opt %s -p 'calibrate{data="%t.nan.npz"}' 2>&1 | filecheck %s --check-prefix=NAN
// NAN: error: calibrate: {{.*}}.nan.npz: x holds 2 NaN and 1 infinite value(s) among 6: remove or repair those samples

// RUN: %python -c "import numpy as np; np.savez('%t.empty.npz', x=np.zeros((0, 2), np.float32))"
// RUN: not qtc-opt %s -p 'calibrate{data="%t.empty.npz"}' 2>&1 | filecheck %s --check-prefix=EMPTY
// EMPTY: error: calibrate: {{.*}}.empty.npz: x holds no samples: give at least one

// The options are checked before any sample is run.
// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.zeros((3, 2), np.float32))"
// RUN: not qtc-opt %s -p 'calibrate{data="%t.npz" method=kl}' 2>&1 | filecheck %s --check-prefix=METHOD
// METHOD: error: calibrate: unknown calibration method 'kl': use one of minmax, percentile, mse
// RUN: not qtc-opt %s -p 'calibrate{data="%t.npz" method=percentile percentile=50}' 2>&1 | filecheck %s --check-prefix=PCT50
// PCT50: error: calibrate: percentile 50 is outside (50, 100]: it is the share of samples kept, e.g. 99.99
// RUN: not qtc-opt %s -p 'calibrate{data="%t.npz" method=percentile percentile=100.5}' 2>&1 | filecheck %s --check-prefix=PCT100
// PCT100: error: calibrate: percentile 100.5 is outside (50, 100]
// RUN: not qtc-opt %s -p 'calibrate{data="%t.npz" batch-size=0}' 2>&1 | filecheck %s --check-prefix=BATCH
// BATCH: error: calibrate: batch_size (0) and bins (2048) must be at least 1
// RUN: not qtc-opt %s -p calibrate 2>&1 | filecheck %s --check-prefix=NODATA
// NODATA: error: calibrate requires argument "data"

// The same failure as a diagnostic (exit 0), for tests that collect them.
// RUN: qtc-opt %s -p 'calibrate{data="%t.key.npz"}' --verify-diagnostics | filecheck %s --check-prefix=DIAG
// DIAG: calibrate: {{.*}}.key.npz: expected key(s) x for a function with 1 input(s), found y, z
func.func @main(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %r = nn.relu %x : tensor<1x2xf32>
  func.return %r : tensor<1x2xf32>
}
