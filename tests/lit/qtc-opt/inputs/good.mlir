"test.op"() {r = #qtc.range<-1.0, 1.0>} : () -> ()
