// A value without a calibrated range.
// RUN: not qtc-opt %s -p propagate-contracts 2>&1 | filecheck %s --check-prefix=NORANGE
// NORANGE: error: propagate-contracts: %r (nn.relu, layer 'clamp') has no #qtc.range: run calibrate first
// (%t needs none: nn.tanh fixes its parameters.)

// An unknown mode.
// RUN: not qtc-opt %s -p 'propagate-contracts{mode=int4}' 2>&1 | filecheck %s --check-prefix=MODE
// MODE: error: propagate-contracts: mode must be one of int8, int16, 16x8, got int4

// A contract file with a syntax error: file, line and column.
// RUN: not qtc-opt %s -p 'propagate-contracts{contracts="%S/inputs/syntax_error.contracts"}' 2>&1 | filecheck %s --check-prefix=SYNTAX
// SYNTAX: error: propagate-contracts: {{.*}}syntax_error.contracts:2:22: contract syntax error
// SYNTAX-NEXT: require scale(lhs) = scale(rhs);
// SYNTAX-NEXT:                    ^

// A contract file that cannot be read.
// RUN: not qtc-opt %s -p 'propagate-contracts{contracts="%S/inputs/missing.contracts"}' 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: error: propagate-contracts: cannot read {{.*}}missing.contracts: No such file or directory

// Two required values for one parameter.
// RUN: not qtc-opt %s -p 'propagate-contracts{contracts="%S/inputs/conflicting_fix.contracts"}' 2>&1 | filecheck %s --check-prefix=CONFLICT
// CONFLICT: error: propagate-contracts: %t (nn.tanh, layer 'act'): zero fixed to 0 by nn.tanh (require) and to 3 by nn.tanh (require)

// The solver merges scale and zero point together.
// RUN: not qtc-opt %s -p 'propagate-contracts{contracts="%S/inputs/scale_only.contracts"}' 2>&1 | filecheck %s --check-prefix=PAIRED
// PAIRED: error: propagate-contracts: nn.relu: the solver merges scale and zero point together; the contract equates only scale of %x (argument 0) and %r (nn.relu, layer 'clamp')
func.func @main(%x: tensor<1x4xf32> {qtc.range = #qtc.range<-1.0, 1.0>}) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %t = nn.tanh %x {layer = "act"} : tensor<1x4xf32>
  %r = nn.relu %x {layer = "clamp"} : tensor<1x4xf32>
  func.return %t, %r : tensor<1x4xf32>, tensor<1x4xf32>
}
