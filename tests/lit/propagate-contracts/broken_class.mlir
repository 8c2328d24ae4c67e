// RUN: qtc-opt %s -p propagate-contracts | filecheck %s
// RUN: qtc-opt %s -p 'propagate-contracts{max-loss-bits=16.0}' | filecheck %s --check-prefix=MERGED

// Concatenating [-0.01, 0.01] with [-100, 100]: one class would leave the small input
// log2(200 / 0.02) = 13.3 bits short (limit 3), so the required class is broken; `requantize`
// then rescales %small into the concat's parameters.
// CHECK:      broken = [{op = "nn.concat", layer = "cat", values = ["%small (argument 0)", "%c (nn.concat, layer 'cat')"], bits_lost = 1.329000e+01 : f64, reason = "merging would cost 13.3 bits (limit 3.0)"}]
// CHECK:      %small: tensor<1x2xf32> {{{[^}]*}}qtc.class = 0 : i64}
// CHECK-SAME: %large: tensor<1x2xf32> {{{[^}]*}}qtc.class = 1 : i64}
// CHECK-NEXT: %c = nn.concat {{.*}}qtc.class = 1 : i64

// With a looser limit the class holds together.
// MERGED:     broken = []
// MERGED:     %small: tensor<1x2xf32> {{{[^}]*}}qtc.class = 0 : i64}
// MERGED-SAME: %large: tensor<1x2xf32> {{{[^}]*}}qtc.class = 0 : i64}
func.func @main(%small: tensor<1x2xf32> {qtc.range = #qtc.range<-0.01, 0.01>}, %large: tensor<1x2xf32> {qtc.range = #qtc.range<-100.0, 100.0>}) -> tensor<1x4xf32> {
  %c = nn.concat %small, %large {axis = 1 : i64, layer = "cat", range = #qtc.range<-100.0, 100.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  func.return %c : tensor<1x4xf32>
}
