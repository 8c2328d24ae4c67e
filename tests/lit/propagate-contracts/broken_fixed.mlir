// RUN: qtc-opt %s -p propagate-contracts | filecheck %s --check-prefix=INT8
// RUN: qtc-opt %s -p 'propagate-contracts{mode=int16}' | filecheck %s --check-prefix=INT16

// A tanh (fixed 2^-(bits-1), 0) concatenated with a branch of [0, 100]: the concat's class
// cannot take the tanh's parameters without clipping, so no merge is possible at all (infinite
// cost). The record gives what the break costs instead: the tanh is requantized onto the
// concat's scale, log2(class scale / 2^-(bits-1)) bits coarser.
// int8: concat [-1, 100] -> 101/255 = 0.396; log2(0.396 / 2^-7) = 5.66 bits.
// INT8:      broken = [{op = "nn.concat", layer = "cat", values = ["%t (nn.tanh, layer 't')", "%c (nn.concat, layer 'cat')"], bits_lost = 5.660000e+00 : f64, reason = "fixed parameters conflict or would clip; the rescale costs the finer side 5.7 bits"}]
// INT8:      %t = nn.tanh %x {{{.*}}qparams = #qtc.qparams<0.0078125, 0, i8>, qtc.class = 2 : i64}
// INT8-NEXT: %c = nn.concat {{.*}}qparams = #qtc.qparams<0.396078431372549, -125, i8>, qtc.class = 1 : i64
// int16 (symmetric, one bit of headroom): 200/32767 = 0.0061; log2(0.0061 / 2^-15) = 7.64 bits.
// INT16:     bits_lost = 7.640000e+00 : f64, reason = "fixed parameters conflict or would clip; the rescale costs the finer side 7.6 bits"
func.func @main(%x: tensor<1x2xf32> {qtc.range = #qtc.range<-4.0, 4.0>}, %r: tensor<1x2xf32> {qtc.range = #qtc.range<0.0, 100.0>}) -> tensor<1x4xf32> {
  %t = nn.tanh %x {layer = "t", range = #qtc.range<-1.0, 1.0>} : tensor<1x2xf32>
  %c = nn.concat %t, %r {axis = 1 : i64, layer = "cat", range = #qtc.range<-1.0, 100.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  func.return %c : tensor<1x4xf32>
}
