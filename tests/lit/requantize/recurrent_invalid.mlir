// RUN: qtc-opt %s --split-input-file -p propagate-contracts,requantize --verify-diagnostics | filecheck %s

// Integer LSTM and GRU need tanh with sigmoid or hard sigmoid (a Q0.15 state and gates in
// [0, 1]), and an LSTM needs its calibrated cell range.

func.func @main(%x: tensor<1x2x1xf32> {qtc.range = #qtc.range<-1.0, 1.0>}) -> tensor<1x1xf32> {
  %k = nn.constant dense<0.5> : tensor<1x4xf32>
  %r = nn.constant dense<0.5> : tensor<1x4xf32>
  %b = nn.constant dense<0.0> : tensor<4xf32>
  %h = nn.lstm %x, %k, %r, %b {layer = "lstm", units = 1 : i64, activation = "relu", range = #qtc.range<0.0, 2.0>, cell_range = #qtc.range<0.0, 2.0>} : (tensor<1x2x1xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x1xf32>
  func.return %h : tensor<1x1xf32>
}
// CHECK: requantize: nn.lstm (%h (nn.lstm, layer 'lstm')): the integer LSTM supports activation "tanh" with recurrent_activation "sigmoid" or "hard_sigmoid", got activation "relu" and recurrent_activation "sigmoid"; build the model with --float

// -----

func.func @main(%x: tensor<1x2x1xf32> {qtc.range = #qtc.range<-1.0, 1.0>}) -> tensor<1x1xf32> {
  %k = nn.constant dense<0.5> : tensor<1x3xf32>
  %r = nn.constant dense<0.5> : tensor<1x3xf32>
  %b = nn.constant dense<0.0> : tensor<2x3xf32>
  %h = nn.gru %x, %k, %r, %b {layer = "gru", units = 1 : i64, recurrent_activation = "linear", range = #qtc.range<-1.0, 1.0>} : (tensor<1x2x1xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x1xf32>
  func.return %h : tensor<1x1xf32>
}
// CHECK: requantize: nn.gru (%h (nn.gru, layer 'gru')): the integer GRU supports activation "tanh" with recurrent_activation "sigmoid" or "hard_sigmoid", got activation "tanh" and recurrent_activation "linear"; build the model with --float

// -----

func.func @main(%x: tensor<1x2x1xf32> {qtc.range = #qtc.range<-1.0, 1.0>}) -> tensor<1x1xf32> {
  %k = nn.constant dense<0.5> : tensor<1x4xf32>
  %r = nn.constant dense<0.5> : tensor<1x4xf32>
  %b = nn.constant dense<0.0> : tensor<4xf32>
  %h = nn.lstm %x, %k, %r, %b {layer = "lstm", units = 1 : i64, range = #qtc.range<-1.0, 1.0>} : (tensor<1x2x1xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x1xf32>
  func.return %h : tensor<1x1xf32>
}
// CHECK: requantize: nn.lstm (%h (nn.lstm, layer 'lstm')): no cell_range (the cell state's calibrated range): run calibrate first
