// Bad textual IR: one diagnostic with file:line:col, exit code 1, no traceback.
// RUN: not qtc-opt %S/inputs/bad_attr.mlir 2>&1 | filecheck %s --check-prefix=BADATTR
// BADATTR:      error: {{.*}}bad_attr.mlir:1:30
// BADATTR-NEXT: "test.op"() {q = #qtc.qparams<0.5, 300, i8>} : () -> ()
// BADATTR:      #qtc.qparams: zero point 300 is outside the i8 range [-128, 127]
// BADATTR-NOT:  Traceback

// An unknown pass is named.
// RUN: not qtc-opt %S/inputs/good.mlir -p no-such-pass 2>&1 | filecheck %s --check-prefix=NOPASS
// NOPASS: error: Unrecognized passes: ['no-such-pass']
// NOPASS-NOT: Traceback

// A malformed pipeline is a one-line error too (ArgSpecParseError is a BaseException).
// RUN: not qtc-opt %S/inputs/good.mlir -p 'canonicalize{' 2>&1 | filecheck %s --check-prefix=MALFORMED
// MALFORMED: error: Error parsing pass pipeline specification
// MALFORMED-NOT: Traceback

// A missing input file.
// RUN: not qtc-opt %S/inputs/does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}does-not-exist.mlir
// MISSING-NOT: Traceback
