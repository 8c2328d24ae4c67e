// RUN: qtc-opt %s --split-input-file --verify-diagnostics | filecheck %s

// One case per verifier message of the nn dialect.

// --- every op: static f32 tensors

%w = nn.constant dense<1> : tensor<2xi8>
// CHECK: nn.constant: expected statically shaped tensors of f32, got tensor<2xi8>

// -----

%x = "test.op"() : () -> tensor<?x4xf32>
%y = nn.relu %x : tensor<?x4xf32>
// CHECK: nn.relu: expected statically shaped tensors of f32, got tensor<?x4xf32>

// -----

// --- nn.dense

%x, %w, %b = "test.op"() : () -> (tensor<f32>, tensor<1x4xf32>, tensor<4xf32>)
%y = nn.dense %x, %w, %b : (tensor<f32>, tensor<1x4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK: nn.dense: expected an input of layout [..., in], got shape []

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x6xf32>, tensor<6xf32>, tensor<6xf32>)
%y = nn.dense %x, %w, %b : (tensor<2x6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<2x6xf32>
// CHECK: nn.dense: expected weights of layout [in, out], got shape [6]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x6xf32>, tensor<8x4xf32>, tensor<4xf32>)
%y = nn.dense %x, %w, %b : (tensor<2x6xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: nn.dense: weights have 8 input features but the input's last axis has 6

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x6xf32>, tensor<6x4xf32>, tensor<6xf32>)
%y = nn.dense %x, %w, %b : (tensor<2x6xf32>, tensor<6x4xf32>, tensor<6xf32>) -> tensor<2x4xf32>
// CHECK: nn.dense: expected bias shape [4] (one per unit), got [6]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x3x6xf32>, tensor<6x4xf32>, tensor<4xf32>)
%y = nn.dense %x, %w, %b : (tensor<2x3x6xf32>, tensor<6x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: nn.dense: expected result shape [2, 3, 4] from input [2, 3, 6] and weights [6, 4], got [2, 4]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<2x6xf32>, tensor<6x4xf32>, tensor<4xf32>)
%y = nn.dense %x, %w, %b {activation = "gelu"} : (tensor<2x6xf32>, tensor<6x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: nn.dense: activation must be one of "relu", "relu6", got "gelu"

// -----

// --- windowed ops (convolutions and pooling)

%x, %w, %b = "test.op"() : () -> (tensor<8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>)
%y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "same"} : (tensor<8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>) -> tensor<8x8x8xf32>
// CHECK: nn.conv2d: expected an input of layout [N, H, W, C], got shape [8, 8, 3]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>)
%y = nn.conv1d %x, %w, %b {strides = array<i64: 1>, dilations = array<i64: 1>, padding = "same"} : (tensor<1x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
// CHECK: nn.conv1d: expected weights of layout [k, C, F], got shape [3, 3, 3, 8]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xf32>, tensor<3x3x4x8xf32>, tensor<8xf32>)
%y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "same"} : (tensor<1x8x8x3xf32>, tensor<3x3x4x8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// CHECK: nn.conv2d: weights have 4 input channels but the input has 3

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xf32>, tensor<3x3x2xf32>, tensor<6xf32>)
%y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "same"} : (tensor<1x8x8x3xf32>, tensor<3x3x2xf32>, tensor<6xf32>) -> tensor<1x8x8x6xf32>
// CHECK: nn.depthwise_conv2d: expected weights of layout [kh, kw, C, M], got shape [3, 3, 2]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<3xf32>)
%y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "same"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<3xf32>) -> tensor<1x8x8x8xf32>
// CHECK: nn.conv2d: expected bias shape [8] (one per output channel), got [3]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xf32>, tensor<3x3x3x2xf32>, tensor<2xf32>)
%y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "same"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x2xf32>, tensor<2xf32>) -> tensor<1x8x8x6xf32>
// CHECK: nn.depthwise_conv2d: expected bias shape [6] (one per output channel), got [2]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>)
%y = nn.conv2d %x, %w, %b {strides = array<i64: 2>, dilations = array<i64: 1, 1>, padding = "same"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
// CHECK: nn.conv2d: strides must have one positive value per spatial axis (2), got [2]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x3xf32>, tensor<3x3x8xf32>, tensor<8xf32>)
%y = nn.conv1d %x, %w, %b {strides = array<i64: 1>, dilations = array<i64: 0>, padding = "same"} : (tensor<1x8x3xf32>, tensor<3x3x8xf32>, tensor<8xf32>) -> tensor<1x8x8xf32>
// CHECK: nn.conv1d: dilations must have one positive value per spatial axis (1), got [0]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x3xf32>, tensor<3x3x8xf32>, tensor<8xf32>)
%y = nn.conv1d %x, %w, %b {strides = array<i64: 1>, dilations = array<i64: 1>, padding = "full"} : (tensor<1x8x3xf32>, tensor<3x3x8xf32>, tensor<8xf32>) -> tensor<1x10x8xf32>
// CHECK: nn.conv1d: padding must be one of "valid", "same", got "full"

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>)
%y = nn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = "same"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>) -> tensor<1x5x5x8xf32>
// CHECK: nn.conv2d: expected result shape [1, 4, 4, 8] from kernel [3, 3], strides [2, 2], dilations [1, 1] and padding "same", got [1, 5, 5, 8]

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x4x3xf32>, tensor<3x3x2xf32>, tensor<6xf32>)
%y = nn.depthwise_conv1d %x, %w, %b {strides = array<i64: 1>, dilations = array<i64: 2>, padding = "valid"} : (tensor<1x4x3xf32>, tensor<3x3x2xf32>, tensor<6xf32>) -> tensor<1x0x6xf32>
// CHECK: nn.depthwise_conv1d: a window of [3] with dilations [2] does not fit the input [1, 4, 3] with padding "valid"

// -----

%x, %w, %b = "test.op"() : () -> (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>)
%y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = "same", activation = "tanh"} : (tensor<1x8x8x3xf32>, tensor<3x3x3x8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
// CHECK: nn.conv2d: activation must be one of "relu", "relu6", got "tanh"

// -----

%x = "test.op"() : () -> tensor<1x8x8x3xf32>
%y = nn.max_pool2d %x {pool_size = array<i64: 2, -2>, strides = array<i64: 2, 2>, padding = "valid"} : (tensor<1x8x8x3xf32>) -> tensor<1x4x4x3xf32>
// CHECK: nn.max_pool2d: pool_size must have one positive value per spatial axis (2), got [2, -2]

// -----

%x = "test.op"() : () -> tensor<1x8x3xf32>
%y = nn.avg_pool1d %x {pool_size = array<i64: 3>, strides = array<i64: 2>, padding = "valid"} : (tensor<1x8x3xf32>) -> tensor<1x4x3xf32>
// CHECK: nn.avg_pool1d: expected result shape [1, 3, 3] from kernel [3], strides [2], dilations [1] and padding "valid", got [1, 4, 3]

// -----

%x = "test.op"() : () -> tensor<1x8x8x3xf32>
%y = nn.avg_pool1d %x {pool_size = array<i64: 2>, strides = array<i64: 2>, padding = "valid"} : (tensor<1x8x8x3xf32>) -> tensor<1x4x8x3xf32>
// CHECK: nn.avg_pool1d: expected an input of layout [N, L, C], got shape [1, 8, 8, 3]

// -----

// --- global pooling

%x = "test.op"() : () -> tensor<8x3xf32>
%y = nn.global_avg_pool %x : (tensor<8x3xf32>) -> tensor<8x3xf32>
// CHECK: nn.global_avg_pool: expected an input of layout [N, L, C] or [N, H, W, C], got shape [8, 3]

// -----

%x = "test.op"() : () -> tensor<2x4x4x3xf32>
%y = nn.global_max_pool %x : (tensor<2x4x4x3xf32>) -> tensor<2x1x1x3xf32>
// CHECK: nn.global_max_pool: expected result shape [2, 3] from input [2, 4, 4, 3], got [2, 1, 1, 3]

// -----

// --- element-wise ops

%x = "test.op"() : () -> tensor<4xf32>
%y = nn.mul %x, %x {activation = "sigmoid"} : tensor<4xf32>
// CHECK: nn.mul: activation must be one of "relu", "relu6", got "sigmoid"

// -----

%x = "test.op"() : () -> tensor<2x4xf32>
%y = nn.softmax %x {axis = 2} : tensor<2x4xf32>
// CHECK: nn.softmax: axis 2 is out of range for a rank-2 tensor

// -----

// --- concat, reshape, pad

%y = nn.concat {axis = 0} : () -> tensor<2xf32>
// CHECK: nn.concat: expected at least one input

// -----

%a, %b = "test.op"() : () -> (tensor<2x3xf32>, tensor<2x3xf32>)
%y = nn.concat %a, %b {axis = -3} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: nn.concat: axis -3 is out of range for a rank-2 tensor

// -----

%a, %b = "test.op"() : () -> (tensor<2x3xf32>, tensor<4x2xf32>)
%y = nn.concat %a, %b {axis = 1} : (tensor<2x3xf32>, tensor<4x2xf32>) -> tensor<2x5xf32>
// CHECK: nn.concat: input 1 has shape [4, 2], which does not match input 0's [2, 3] outside axis 1

// -----

%a, %b = "test.op"() : () -> (tensor<2x3xf32>, tensor<2xf32>)
%y = nn.concat %a, %b {axis = 0} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x3xf32>
// CHECK: nn.concat: input 1 has shape [2], which does not match input 0's [2, 3] outside axis 0

// -----

%a, %b = "test.op"() : () -> (tensor<2x3xf32>, tensor<2x2xf32>)
%y = nn.concat %a, %b {axis = -1} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x6xf32>
// CHECK: nn.concat: expected result shape [2, 5] from concatenating along axis 1, got [2, 6]

// -----

%x = "test.op"() : () -> tensor<2x3xf32>
%y = nn.reshape %x : (tensor<2x3xf32>) -> tensor<4x2xf32>
// CHECK: nn.reshape: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)

// -----

%x = "test.op"() : () -> tensor<2x3xf32>
%y = nn.pad %x {padding = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: nn.pad: padding must be 4 non-negative integers (before and after each axis of [2, 3]), got [1, 1]

// -----

%x = "test.op"() : () -> tensor<2x3xf32>
%y = nn.pad %x {padding = array<i64: 0, 0, -1, 2>} : (tensor<2x3xf32>) -> tensor<2x4xf32>
// CHECK: nn.pad: padding must be 4 non-negative integers (before and after each axis of [2, 3]), got [0, 0, -1, 2]

// -----

%x = "test.op"() : () -> tensor<2x3xf32>
%y = nn.pad %x {padding = array<i64: 0, 0, 1, 2>} : (tensor<2x3xf32>) -> tensor<2x5xf32>
// CHECK: nn.pad: expected result shape [2, 6] from padding [0, 0, 1, 2], got [2, 5]

// -----

// --- nn.batch_norm

%x, %p = "test.op"() : () -> (tensor<2x5x3xf32>, tensor<3xf32>)
%y = nn.batch_norm %x, %p, %p, %p, %p {axis = 3} : (tensor<2x5x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x5x3xf32>
// CHECK: nn.batch_norm: axis 3 is out of range for a rank-3 tensor

// -----

%x, %p, %q = "test.op"() : () -> (tensor<2x5x3xf32>, tensor<3xf32>, tensor<5xf32>)
%y = nn.batch_norm %x, %p, %p, %p, %q : (tensor<2x5x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<5xf32>) -> tensor<2x5x3xf32>
// CHECK: nn.batch_norm: expected variance shape [3] (axis 2 of [2, 5, 3]), got [5]

// -----

%x, %p = "test.op"() : () -> (tensor<2x5x3xf32>, tensor<3xf32>)
%y = nn.batch_norm %x, %p, %p, %p, %p {epsilon = 0.0} : (tensor<2x5x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x5x3xf32>
// CHECK: nn.batch_norm: epsilon must be positive, got 0.0

// -----

// --- nn.lstm and nn.gru

%x, %k, %r, %b = "test.op"() : () -> (tensor<6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
%y = nn.lstm %x, %k, %r, %b {units = 4} : (tensor<6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<4xf32>
// CHECK: nn.lstm: expected an input of layout [N, T, F], got shape [6, 3]

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
%y = nn.lstm %x, %k, %r, %b {units = 0} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x4xf32>
// CHECK: nn.lstm: units must be positive, got 0

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
%y = nn.lstm %x, %k, %r, %b {units = 4, activation = "softsign"} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x4xf32>
// CHECK: nn.lstm: activation must be one of "tanh", "sigmoid", "relu", "hard_sigmoid", "linear", got "softsign"

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>)
%y = nn.gru %x, %k, %r, %b {units = 4, recurrent_activation = "relu6"} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>) -> tensor<2x4xf32>
// CHECK: nn.gru: recurrent_activation must be one of "tanh", "sigmoid", "relu", "hard_sigmoid", "linear", got "relu6"

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x16xf32>, tensor<16xf32>)
%y = nn.lstm %x, %k, %r, %b {units = 4} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x4xf32>
// CHECK: nn.lstm: expected kernel shape [3, 16] ([features, 4 * units]), got [3, 12]

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<3x12xf32>, tensor<2x12xf32>)
%y = nn.gru %x, %k, %r, %b {units = 4} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<3x12xf32>, tensor<2x12xf32>) -> tensor<2x4xf32>
// CHECK: nn.gru: expected recurrent_kernel shape [4, 12] ([units, 3 * units]), got [3, 12]

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<4xf32>)
%y = nn.lstm %x, %k, %r, %b {units = 4} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: nn.lstm: expected bias shape [16] for units = 4, got [4]

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<12xf32>)
%y = nn.gru %x, %k, %r, %b {units = 4} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> tensor<2x4xf32>
// CHECK: nn.gru: expected bias shape [2, 12] for units = 4, got [12]

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>)
%y = nn.gru %x, %k, %r, %b {units = 4, reset_after = false} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>) -> tensor<2x4xf32>
// CHECK: nn.gru: expected bias shape [12] for units = 4, got [2, 12]

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
%y = nn.lstm %x, %k, %r, %b {units = 4, return_sequences = true} : (tensor<2x6x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> tensor<2x4xf32>
// CHECK: nn.lstm: expected result shape [2, 6, 4] for return_sequences = true, got [2, 4]

// -----

%x, %k, %r, %b = "test.op"() : () -> (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>)
%y = nn.gru %x, %k, %r, %b {units = 4} : (tensor<2x6x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x12xf32>) -> tensor<2x6x4xf32>
// CHECK: nn.gru: expected result shape [2, 4] for return_sequences = false, got [2, 6, 4]
