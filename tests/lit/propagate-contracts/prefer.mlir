// RUN: qtc-opt %s -p propagate-contracts | filecheck %s
// RUN: qtc-opt %s -p 'propagate-contracts{contracts="%S/inputs/add_requires_equal.contracts"}' | filecheck %s --check-prefix=OVERRIDE

// nn.add only prefers equal parameters (its integer form rescales both inputs). Ranges that
// differ by less than a bit merge into one class; {%a, %b, %near} over [-1.5, 1.5] with
// [-8, 8] would cost log2(16 / 3) = 2.4 bits of
// the smaller input (limit 1), so that merge is declined: %c and %far (equal ranges) share a class.
// CHECK:      declined = [{op = "nn.add", layer = "far", values = ["%a (argument 0)", "%c (argument 2)"], bits_lost = 2.420000e+00 : f64
// CHECK:      func.func @main(%a: tensor<1x4xf32> {{{[^}]*}}qtc.class = 0 : i64}, %b: tensor<1x4xf32> {{{[^}]*}}qtc.class = 0 : i64}, %c: tensor<1x4xf32> {{{[^}]*}}qtc.class = 1 : i64})
// CHECK-NEXT: %near = nn.add %a, %b {{{[^}]*}}qtc.class = 0 : i64
// CHECK-NEXT: %far = nn.add %a, %c {{{[^}]*}}qtc.class = 1 : i64

// A contract file replaces nn.add's contract with a required equality, which tolerates the
// 3-bit loss, so everything becomes one class.
// OVERRIDE:   declined = []
// OVERRIDE:   %far = nn.add %a, %c {{{[^}]*}}qtc.class = 0 : i64
func.func @main(%a: tensor<1x4xf32> {qtc.range = #qtc.range<-1.0, 1.0>}, %b: tensor<1x4xf32> {qtc.range = #qtc.range<-0.8, 1.2>}, %c: tensor<1x4xf32> {qtc.range = #qtc.range<-8.0, 8.0>}) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %near = nn.add %a, %b {layer = "near", range = #qtc.range<-1.5, 1.5>} : tensor<1x4xf32>
  %far = nn.add %a, %c {layer = "far", range = #qtc.range<-8.0, 8.0>} : tensor<1x4xf32>
  func.return %near, %far : tensor<1x4xf32>, tensor<1x4xf32>
}
