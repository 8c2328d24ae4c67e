// RUN: qtc-opt %s | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | qtc-opt | filecheck %s
// RUN: qtc-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Every nn op in its custom form. Properties are written in the attribute dictionary; ones
// equal to their default (softmax and batch_norm axis = -1, epsilon = 1e-3, activation = "tanh",
// recurrent_activation = "sigmoid", return_sequences = false, reset_after = true) are not
// printed, while the generic form spells them out.

// GENERIC:      "nn.conv2d"(%img, %w, %b) <{strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = "same", activation = "relu"}>
// GENERIC:      "nn.softmax"(%sigmoid) <{axis = -1 : i64}>
// GENERIC:      "nn.batch_norm"(%softmax, %b, %b, %b, %b) <{epsilon = 1.000000e-03 : f64, axis = -1 : i64}>
// GENERIC:      "nn.lstm"(%seq, %lstm_k, %lstm_r, %lstm_b) <{units = 4 : i64, return_sequences = true, activation = "tanh", recurrent_activation = "sigmoid"}>
// GENERIC:      "nn.gru"(%seq, %gru_k, %gru_r, %gru_b2) <{units = 4 : i64, return_sequences = true, reset_after = true, activation = "tanh", recurrent_activation = "sigmoid"}>

// CHECK-LABEL: func.func @layers(%img: tensor<1x8x8x3xf32>, %seq: tensor<2x6x3xf32>) -> tensor<1x4x4x8xf32> {
// CHECK-NEXT:    %w = nn.constant dense<5.000000e-01> : tensor<3x3x3x8xf32>
// CHECK-NEXT:    %b = nn.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00]> : tensor<8xf32>
// CHECK-NEXT:    %conv = nn.conv2d %img, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = "same", activation = "relu"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT:    %dw = nn.constant dense<2.500000e-01> : tensor<3x3x3x2xf32>
// CHECK-NEXT:    %db = nn.constant dense<0.000000e+00> : tensor<6xf32>
// CHECK-NEXT:    %dconv = nn.depthwise_conv2d %img, %dw, %db {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = "valid"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x2xf32>, tensor<6xf32>) -> tensor<1x4x4x6xf32>
// CHECK-NEXT:    %w1 = nn.constant dense<1.000000e-01> : tensor<2x3x4xf32>
// CHECK-NEXT:    %b1 = nn.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT:    %conv1 = nn.conv1d %seq, %w1, %b1 {strides = array<i64: 2>, dilations = array<i64: 1>, padding = "valid", activation = "relu6"} : (tensor<2x6x3xf32>, tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
// CHECK-NEXT:    %dw1 = nn.constant dense<1.000000e-01> : tensor<3x3x2xf32>
// CHECK-NEXT:    %dconv1 = nn.depthwise_conv1d %seq, %dw1, %db {strides = array<i64: 1>, dilations = array<i64: 1>, padding = "same"} : (tensor<2x6x3xf32>, tensor<3x3x2xf32>, tensor<6xf32>) -> tensor<2x6x6xf32>
// CHECK-NEXT:    %mp2 = nn.max_pool2d %conv {pool_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = "valid"} : (tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32>
// CHECK-NEXT:    %ap2 = nn.avg_pool2d %conv {pool_size = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = "same"} : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT:    %mp1 = nn.max_pool1d %seq {pool_size = array<i64: 2>, strides = array<i64: 2>, padding = "valid"} : (tensor<2x6x3xf32>) -> tensor<2x3x3xf32>
// CHECK-NEXT:    %ap1 = nn.avg_pool1d %seq {pool_size = array<i64: 3>, strides = array<i64: 2>, padding = "same"} : (tensor<2x6x3xf32>) -> tensor<2x3x3xf32>
// CHECK-NEXT:    %gap = nn.global_avg_pool %conv : (tensor<1x4x4x8xf32>) -> tensor<1x8xf32>
// CHECK-NEXT:    %gmp = nn.global_max_pool %seq : (tensor<2x6x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %dense_w = nn.constant dense<1.000000e+00> : tensor<8x5xf32>
// CHECK-NEXT:    %dense_b = nn.constant dense<0.000000e+00> : tensor<5xf32>
// CHECK-NEXT:    %fc = nn.dense %gap, %dense_w, %dense_b {activation = "relu"} : (tensor<1x8xf32>, tensor<8x5xf32>, tensor<5xf32>) -> tensor<1x5xf32>
// CHECK-NEXT:    %fc3 = nn.dense %conv, %dense_w, %dense_b : (tensor<1x4x4x8xf32>, tensor<8x5xf32>, tensor<5xf32>) -> tensor<1x4x4x5xf32>
// CHECK-NEXT:    %add = nn.add %conv, %ap2 {activation = "relu6"} : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %sub = nn.sub %add, %conv : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %mul = nn.mul %sub, %add : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %cat = nn.concat %mul, %dconv {axis = -1 : i64} : (tensor<1x4x4x8xf32>, tensor<1x4x4x6xf32>) -> tensor<1x4x4x14xf32>
// CHECK-NEXT:    %flat = nn.reshape %cat : (tensor<1x4x4x14xf32>) -> tensor<1x224xf32>
// CHECK-NEXT:    %pad = nn.pad %img {padding = array<i64: 0, 0, 1, 2, 1, 2, 0, 0>} : (tensor<1x8x8x3xf32>) -> tensor<1x11x11x3xf32>
// CHECK-NEXT:    %relu = nn.relu %mul : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %relu6 = nn.relu6 %relu : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %tanh = nn.tanh %relu6 : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %sigmoid = nn.sigmoid %tanh : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %softmax = nn.softmax %sigmoid : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %softmax1 = nn.softmax %sigmoid {axis = 1 : i64} : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %softmax_last = nn.softmax %sigmoid : tensor<1x4x4x8xf32>
// CHECK-NEXT:    %bn = nn.batch_norm %softmax, %b, %b, %b, %b : (tensor<1x4x4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT:    %bn1 = nn.batch_norm %seq, %db, %db, %db, %db {epsilon = 1.000000e-05 : f64, axis = 1 : i64} : (tensor<2x6x3xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<2x6x3xf32>
// CHECK-NEXT:    %lstm_k = nn.constant dense<1.000000e-01> : tensor<3x16xf32>
// CHECK-NEXT:    %lstm_r = nn.constant dense<1.000000e-01> : tensor<4x16xf32>
// CHECK-NEXT:    %lstm_b = nn.constant dense<0.000000e+00> : tensor<16xf32>
// CHECK-NEXT:    %lstm = nn.lstm %seq, %lstm_k, %lstm_r, %lstm_b {units = 4 : i64, return_sequences = true} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x6x4xf32>
// CHECK-NEXT:    %lstm_last = nn.lstm %seq, %lstm_k, %lstm_r, %lstm_b {units = 4 : i64, activation = "relu", recurrent_activation = "hard_sigmoid"} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    %gru_k = nn.constant dense<1.000000e-01> : tensor<3x12xf32>
// CHECK-NEXT:    %gru_r = nn.constant dense<1.000000e-01> : tensor<4x12xf32>
// CHECK-NEXT:    %gru_b2 = nn.constant dense<0.000000e+00> : tensor<2x12xf32>
// CHECK-NEXT:    %gru_b = nn.constant dense<0.000000e+00> : tensor<12xf32>
// CHECK-NEXT:    %gru = nn.gru %seq, %gru_k, %gru_r, %gru_b2 {units = 4 : i64, return_sequences = true} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>) -> tensor<2x6x4xf32>
// CHECK-NEXT:    %gru_v1 = nn.gru %seq, %gru_k, %gru_r, %gru_b {units = 4 : i64, reset_after = false, activation = "linear"} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    func.return %bn : tensor<1x4x4x8xf32>
// CHECK-NEXT:  }

func.func @layers(%img: tensor<1x8x8x3xf32>, %seq: tensor<2x6x3xf32>) -> tensor<1x4x4x8xf32> {
  %w = nn.constant dense<5.000000e-01> : tensor<3x3x3x8xf32>
  %b = nn.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<8xf32>
  %conv = nn.conv2d %img, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = "same", activation = "relu"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
  %dw = nn.constant dense<2.500000e-01> : tensor<3x3x3x2xf32>
  %db = nn.constant dense<0.000000e+00> : tensor<6xf32>
  %dconv = nn.depthwise_conv2d %img, %dw, %db {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = "valid"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x2xf32>, tensor<6xf32>) -> tensor<1x4x4x6xf32>
  %w1 = nn.constant dense<1.000000e-01> : tensor<2x3x4xf32>
  %b1 = nn.constant dense<0.000000e+00> : tensor<4xf32>
  %conv1 = nn.conv1d %seq, %w1, %b1 {strides = array<i64: 2>, dilations = array<i64: 1>, padding = "valid", activation = "relu6"} : (tensor<2x6x3xf32>, tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %dw1 = nn.constant dense<1.000000e-01> : tensor<3x3x2xf32>
  %dconv1 = nn.depthwise_conv1d %seq, %dw1, %db {strides = array<i64: 1>, dilations = array<i64: 1>, padding = "same"} : (tensor<2x6x3xf32>, tensor<3x3x2xf32>, tensor<6xf32>) -> tensor<2x6x6xf32>
  %mp2 = nn.max_pool2d %conv {pool_size = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = "valid"} : (tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32>
  %ap2 = nn.avg_pool2d %conv {pool_size = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = "same"} : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %mp1 = nn.max_pool1d %seq {pool_size = array<i64: 2>, strides = array<i64: 2>, padding = "valid"} : (tensor<2x6x3xf32>) -> tensor<2x3x3xf32>
  %ap1 = nn.avg_pool1d %seq {pool_size = array<i64: 3>, strides = array<i64: 2>, padding = "same"} : (tensor<2x6x3xf32>) -> tensor<2x3x3xf32>
  %gap = nn.global_avg_pool %conv : (tensor<1x4x4x8xf32>) -> tensor<1x8xf32>
  %gmp = nn.global_max_pool %seq : (tensor<2x6x3xf32>) -> tensor<2x3xf32>
  %dense_w = nn.constant dense<1.000000e+00> : tensor<8x5xf32>
  %dense_b = nn.constant dense<0.000000e+00> : tensor<5xf32>
  %fc = nn.dense %gap, %dense_w, %dense_b {activation = "relu"} : (tensor<1x8xf32>, tensor<8x5xf32>, tensor<5xf32>) -> tensor<1x5xf32>
  %fc3 = nn.dense %conv, %dense_w, %dense_b : (tensor<1x4x4x8xf32>, tensor<8x5xf32>, tensor<5xf32>) -> tensor<1x4x4x5xf32>
  %add = nn.add %conv, %ap2 {activation = "relu6"} : tensor<1x4x4x8xf32>
  %sub = nn.sub %add, %conv : tensor<1x4x4x8xf32>
  %mul = nn.mul %sub, %add : tensor<1x4x4x8xf32>
  %cat = nn.concat %mul, %dconv {axis = -1 : i64} : (tensor<1x4x4x8xf32>, tensor<1x4x4x6xf32>) -> tensor<1x4x4x14xf32>
  %flat = nn.reshape %cat : (tensor<1x4x4x14xf32>) -> tensor<1x224xf32>
  %pad = nn.pad %img {padding = array<i64: 0, 0, 1, 2, 1, 2, 0, 0>} : (tensor<1x8x8x3xf32>) -> tensor<1x11x11x3xf32>
  %relu = nn.relu %mul : tensor<1x4x4x8xf32>
  %relu6 = nn.relu6 %relu : tensor<1x4x4x8xf32>
  %tanh = nn.tanh %relu6 : tensor<1x4x4x8xf32>
  %sigmoid = nn.sigmoid %tanh : tensor<1x4x4x8xf32>
  %softmax = nn.softmax %sigmoid : tensor<1x4x4x8xf32>
  %softmax1 = nn.softmax %sigmoid {axis = 1 : i64} : tensor<1x4x4x8xf32>
  %softmax_last = nn.softmax %sigmoid {axis = -1 : i64} : tensor<1x4x4x8xf32>
  %bn = nn.batch_norm %softmax, %b, %b, %b, %b : (tensor<1x4x4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
  %bn1 = nn.batch_norm %seq, %db, %db, %db, %db {epsilon = 1.000000e-05 : f64, axis = 1 : i64} : (tensor<2x6x3xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<2x6x3xf32>
  %lstm_k = nn.constant dense<1.000000e-01> : tensor<3x16xf32>
  %lstm_r = nn.constant dense<1.000000e-01> : tensor<4x16xf32>
  %lstm_b = nn.constant dense<0.000000e+00> : tensor<16xf32>
  %lstm = nn.lstm %seq, %lstm_k, %lstm_r, %lstm_b {units = 4 : i64, return_sequences = true} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x6x4xf32>
  %lstm_last = nn.lstm %seq, %lstm_k, %lstm_r, %lstm_b {units = 4 : i64, return_sequences = false, activation = "relu", recurrent_activation = "hard_sigmoid"} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x4xf32>
  %gru_k = nn.constant dense<1.000000e-01> : tensor<3x12xf32>
  %gru_r = nn.constant dense<1.000000e-01> : tensor<4x12xf32>
  %gru_b2 = nn.constant dense<0.000000e+00> : tensor<2x12xf32>
  %gru_b = nn.constant dense<0.000000e+00> : tensor<12xf32>
  %gru = nn.gru %seq, %gru_k, %gru_r, %gru_b2 {units = 4 : i64, return_sequences = true} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>) -> tensor<2x6x4xf32>
  %gru_v1 = nn.gru %seq, %gru_k, %gru_r, %gru_b {units = 4 : i64, reset_after = false, activation = "linear"} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> tensor<2x4xf32>
  func.return %bn : tensor<1x4x4x8xf32>
}
