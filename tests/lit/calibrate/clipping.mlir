// 999 samples evenly spaced over [-1, 1] and one outlier at 100.
// RUN: %python -c "import numpy as np; np.savez('%t.npz', x=np.append(np.linspace(-1, 1, 999), 100).astype(np.float32).reshape(-1, 1))"

// minmax keeps the outlier.
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz"}' | filecheck %s --check-prefix=MINMAX
// MINMAX: func.func @main(%x: tensor<1x1xf32> {qtc.range = #qtc.range<-1.0, 100.0>})
// MINMAX: nn.relu %x {range = #qtc.range<0.0, 100.0>}

// percentile=99 cuts 0.5 % = 5 samples a side. x: 2048 bins over [-1, 100] are 101/2048 wide;
// the first bin holds ~25 samples, so the low end stays at -1; the outlier's bin and the empty
// ones below it hold 1 sample and go, the top ends at the bin holding 1.0 (bin 40):
// -1 + 41 * 101/2048 = 1.02197265625. relu: bins 100/2048 wide, 1.0 in bin 20 -> 21 * 100/2048.
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" method=percentile percentile=99}' | filecheck %s --check-prefix=P99
// P99: func.func @main(%x: tensor<1x1xf32> {qtc.range = #qtc.range<-1.0, 1.02197265625>})
// P99: nn.relu %x {range = #qtc.range<0.0, 1.025390625>}

// percentile=99.9 may cut 0.5 sample a side: less than the outlier, which stays.
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" method=percentile percentile=99.9}' | filecheck %s --check-prefix=MINMAX

// mse pulls the top below the outlier. With the low end at a ~ -1 and n = 999 samples inside,
// the error (v - b)^2 + n ((b - a) / 255)^2 / 12 of the outlier v (its bin's center, ~99.98)
// is smallest at b = (v + k a) / (1 + k), k = n / (12 * 255^2) = 0.00128: b ~ 99.85 (relu:
// a = 0, the 500 zeros count inside too, same b).
// The low end gives up the bottom ~0.1 (two bins): clipping by less than half a step costs
// less than the rounding error it saves.
// RUN: qtc-opt %s -p 'calibrate{data="%t.npz" method=mse}' | filecheck %s --check-prefix=MSE
// MSE: func.func @main(%x: tensor<1x1xf32> {qtc.range = #qtc.range<-0.9{{[0-9]*}}, 99.8{{[0-9]*}}>})
// MSE: nn.relu %x {range = #qtc.range<0.0, 99.8{{[0-9]*}}>}
func.func @main(%x: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %r = nn.relu %x : tensor<1x1xf32>
  func.return %r : tensor<1x1xf32>
}
