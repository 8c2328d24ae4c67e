"test.op"() {q = #qtc.qparams<0.5, 300, i8>} : () -> ()
