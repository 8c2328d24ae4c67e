// RUN: qtc-opt --version | filecheck %s
// CHECK: qtc-opt (xdsl 0.74.0)
