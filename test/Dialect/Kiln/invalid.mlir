// Every inference and verifier rule of the kiln ops (KilnOps.cpp) and the
// ODS type constraints rejects what it should, with its message.
// RUN: model-opt %s -split-input-file -verify-diagnostics

func.func @constant_not_tensor() {
  // expected-error@+1 {{constant value must be a ranked tensor}}
  %0 = kiln.constant dense<1.0> : vector<4xf32>
  return
}
// -----
func.func @binary_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error@+2 {{operand element types differ: 'f32' vs 'f16'}}
  // expected-error@+1 {{'kiln.add' op failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}
// -----
func.func @binary_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error@+2 {{operand shapes 2x3 and 4 are not broadcastable}}
  // expected-error@+1 {{'kiln.mul' op failed to infer returned types}}
  %0 = kiln.mul %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}
// -----
func.func @binary_wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error@+2 {{'kiln.sub' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error@+1 {{'kiln.sub' op failed to infer returned types}}
  %0 = kiln.sub %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}
// -----
func.func @logical_float(%a: tensor<4xf32>) {
  // expected-error@+2 {{logical ops need integer or i1 operands}}
  // expected-error@+1 {{'kiln.and' op failed to infer returned types}}
  %0 = kiln.and %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
// -----
func.func @compare_result(%a: tensor<4xf32>) {
  // expected-error@+1 {{'kiln.less' op result #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = kiln.less %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
// -----
func.func @unary_float_only(%a: tensor<4xi32>) {
  // expected-error@+2 {{operand must be a floating-point tensor, got 'tensor<4xi32>'}}
  // expected-error@+1 {{'kiln.exp' op failed to infer returned types}}
  %0 = kiln.exp %a : tensor<4xi32> -> tensor<4xi32>
  return
}
// -----
func.func @unary_shape(%a: tensor<4xf32>) {
  // expected-error@+2 {{'kiln.relu' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error@+1 {{'kiln.relu' op failed to infer returned types}}
  %0 = kiln.relu %a : tensor<4xf32> -> tensor<5xf32>
  return
}
// -----
func.func @not_bool(%a: tensor<4xi32>) {
  // expected-error@+1 {{'kiln.not' op operand #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<4xi32>'}}
  %0 = kiln.not %a : tensor<4xi32> -> tensor<4xi32>
  return
}
// -----
func.func @clip_nan_min(%a: tensor<4xf32>) {
  // expected-error@+1 {{'kiln.clip' op min bound is NaN}}
  %0 = kiln.clip %a {min = 0x7FF8000000000000 : f64} : tensor<4xf32> -> tensor<4xf32>
  return
}
// -----
func.func @clip_nan_max(%a: tensor<4xf32>) {
  // expected-error@+1 {{'kiln.clip' op max bound is NaN}}
  %0 = kiln.clip %a {max = 0x7FF8000000000000 : f64} : tensor<4xf32> -> tensor<4xf32>
  return
}
// -----
func.func @cast_non_numeric(%a: tensor<4xf32>) {
  // expected-error@+2 {{cannot cast to 'index'}}
  // expected-error@+1 {{'kiln.cast' op failed to infer returned types}}
  %0 = kiln.cast %a {to = index} : tensor<4xf32> -> tensor<4xf32>
  return
}
// -----
func.func @cast_result(%a: tensor<4xf32>) {
  // expected-error@+2 {{'kiln.cast' op inferred type(s) 'tensor<4xi32>' are incompatible with return type(s) of operation 'tensor<4xi64>'}}
  // expected-error@+1 {{'kiln.cast' op failed to infer returned types}}
  %0 = kiln.cast %a {to = i32} : tensor<4xf32> -> tensor<4xi64>
  return
}
// -----
func.func @where_branch_types(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error@+2 {{branch element types differ: 'f32' vs 'f16'}}
  // expected-error@+1 {{'kiln.where' op failed to infer returned types}}
  %0 = kiln.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}
// -----
func.func @where_broadcast(%c: tensor<3xi1>, %a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error@+2 {{shapes 3, 4 and 4 are not broadcastable}}
  // expected-error@+1 {{'kiln.where' op failed to infer returned types}}
  %0 = kiln.where %c, %a, %b : (tensor<3xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
// -----
func.func @matmul_rank(%a: tensor<4xf32>, %b: tensor<4x2xf32>) {
  // expected-error@+2 {{matmul operands must have rank >= 2, got 4 and 4x2}}
  // expected-error@+1 {{'kiln.matmul' op failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return
}
// -----
func.func @matmul_element_types(%a: tensor<2x4xf32>, %b: tensor<4x2xf16>) {
  // expected-error@+2 {{operand element types differ: 'f32' vs 'f16'}}
  // expected-error@+1 {{'kiln.matmul' op failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<2x4xf32>, tensor<4x2xf16>) -> tensor<2x2xf32>
  return
}
// -----
func.func @matmul_contraction(%a: tensor<2x4xf32>, %b: tensor<5x2xf32>) {
  // expected-error@+2 {{contraction dims differ: 2x4 by 5x2}}
  // expected-error@+1 {{'kiln.matmul' op failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<2x4xf32>, tensor<5x2xf32>) -> tensor<2x2xf32>
  return
}
// -----
func.func @matmul_batch(%a: tensor<3x2x4xf32>, %b: tensor<5x4x2xf32>) {
  // expected-error@+2 {{batch dims of 3x2x4 and 5x4x2 are not broadcastable}}
  // expected-error@+1 {{'kiln.matmul' op failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<3x2x4xf32>, tensor<5x4x2xf32>) -> tensor<3x2x2xf32>
  return
}
// -----
func.func @conv_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error@+2 {{conv input 1x3x8x8 and weight 4x3x3 must have the same rank >= 3}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_element_types(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) {
  // expected-error@+2 {{input and weight element types differ}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_group_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+2 {{group must be >= 1, got 0}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 0 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+2 {{input has 4 channels but weight 4x3x3x3 with group 1 expects 3}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_group_filters(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error@+2 {{output channels 3 are not divisible by group 2}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32>
  return
}
// -----
func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error@+2 {{bias must be a 1-d tensor of 4 elements of the input's type}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_attr_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+2 {{expected 2 kernel dims, strides and dilations and 4 pads; got 2, 1, 2 and 4}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_stride_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+2 {{strides, dilations and kernel sizes must be >= 1}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_negative_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+2 {{pads must be non-negative}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: -1, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}
// -----
func.func @conv_window_too_large(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+2 {{window of size 3 does not fit spatial dim 0 of size 2 with its padding}}
  // expected-error@+1 {{'kiln.conv' op failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return
}
// -----
func.func @pool_rank(%x: tensor<4x8xf32>) {
  // expected-error@+2 {{pooling input must have rank >= 3, got 4x8}}
  // expected-error@+1 {{'kiln.max_pool' op failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 0, 0>} : tensor<4x8xf32> -> tensor<4x7xf32>
  return
}
// -----
func.func @pool_window_too_large(%x: tensor<1x1x4x4xf32>) {
  // expected-error@+2 {{window of size 5 does not fit spatial dim 0 of size 4 with its padding}}
  // expected-error@+1 {{'kiln.avg_pool' op failed to infer returned types}}
  %0 = kiln.avg_pool %x {kernel_shape = array<i64: 5, 5>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xf32> -> tensor<1x1x1x1xf32>
  return
}
// -----
func.func @pool_output_shape(%x: tensor<1x1x4x4xf32>) {
  // expected-error@+2 {{'kiln.max_pool' op inferred type(s) 'tensor<1x1x2x2xf32>' are incompatible with return type(s) of operation 'tensor<1x1x3x3xf32>'}}
  // expected-error@+1 {{'kiln.max_pool' op failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
  return
}
// -----
func.func @batch_norm_rank(%x: tensor<4xf32>, %p: tensor<4xf32>) {
  // expected-error@+2 {{batch_norm input must have rank >= 2}}
  // expected-error@+1 {{'kiln.batch_norm' op failed to infer returned types}}
  %0 = kiln.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
// -----
func.func @batch_norm_params(%x: tensor<1x4x2x2xf32>, %p: tensor<4xf32>, %q: tensor<3xf32>) {
  // expected-error@+2 {{batch_norm parameters must be 1-d tensors of 4 elements of the input's type, got 'tensor<3xf32>'}}
  // expected-error@+1 {{'kiln.batch_norm' op failed to infer returned types}}
  %0 = kiln.batch_norm %x, %p, %p, %p, %q {epsilon = 1.0e-05 : f64} : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return
}
// -----
func.func @layer_norm_axis(%x: tensor<2x8xf32>, %s: tensor<8xf32>) {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.layer_norm' op failed to infer returned types}}
  %0 = kiln.layer_norm %x, %s, %s {axis = 2 : i64, epsilon = 1.0e-05 : f64} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}
// -----
func.func @layer_norm_scale(%x: tensor<2x8xf32>, %s: tensor<4xf32>) {
  // expected-error@+2 {{layer_norm scale/bias 'tensor<4xf32>' must broadcast to the normalized shape 8}}
  // expected-error@+1 {{'kiln.layer_norm' op failed to infer returned types}}
  %0 = kiln.layer_norm %x, %s, %s {axis = 1 : i64, epsilon = 1.0e-05 : f64} : (tensor<2x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return
}
// -----
func.func @softmax_axis(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{axis -3 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.softmax' op failed to infer returned types}}
  %0 = kiln.softmax %x {axis = -3 : i64} : tensor<2x8xf32> -> tensor<2x8xf32>
  return
}
// -----
func.func @softmax_int(%x: tensor<2x8xi32>) {
  // expected-error@+1 {{'kiln.softmax' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<2x8xi32>'}}
  %0 = kiln.softmax %x {axis = 1 : i64} : tensor<2x8xi32> -> tensor<2x8xi32>
  return
}
// -----
func.func @reduce_axis_range(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{reduction axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.reduce_sum' op failed to infer returned types}}
  %0 = kiln.reduce_sum %x {axes = array<i64: 2>} : tensor<2x8xf32> -> tensor<2x8xf32>
  return
}
// -----
func.func @reduce_axis_negative(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{reduction axis -1 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.reduce_max' op failed to infer returned types}}
  %0 = kiln.reduce_max %x {axes = array<i64: -1>} : tensor<2x8xf32> -> tensor<2x1xf32>
  return
}
// -----
func.func @reduce_axes_unsorted(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{reduction axes must be sorted and unique}}
  // expected-error@+1 {{'kiln.reduce_mean' op failed to infer returned types}}
  %0 = kiln.reduce_mean %x {axes = array<i64: 1, 0>} : tensor<2x8xf32> -> tensor<1x1xf32>
  return
}
// -----
func.func @reduce_axes_duplicate(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{reduction axes must be sorted and unique}}
  // expected-error@+1 {{'kiln.reduce_min' op failed to infer returned types}}
  %0 = kiln.reduce_min %x {axes = array<i64: 1, 1>} : tensor<2x8xf32> -> tensor<2x1xf32>
  return
}
// -----
func.func @reduce_keepdims_shape(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{'kiln.reduce_prod' op inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<2x1xf32>'}}
  // expected-error@+1 {{'kiln.reduce_prod' op failed to infer returned types}}
  %0 = kiln.reduce_prod %x {axes = array<i64: 1>, keepdims = false} : tensor<2x8xf32> -> tensor<2x1xf32>
  return
}
// -----
func.func @argmax_axis(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.argmax' op failed to infer returned types}}
  %0 = kiln.argmax %x {axis = 2 : i64} : tensor<2x8xf32> -> tensor<2x1xi64>
  return
}
// -----
func.func @argmin_result(%x: tensor<2x8xf32>) {
  // expected-error@+1 {{'kiln.argmin' op result #0 must be ranked tensor of 64-bit signless integer values, but got 'tensor<2x1xi32>'}}
  %0 = kiln.argmin %x {axis = 1 : i64} : tensor<2x8xf32> -> tensor<2x1xi32>
  return
}
// -----
func.func @transpose_perm_size(%x: tensor<2x3x4xf32>) {
  // expected-error@+2 {{perm has 2 entries for an input of rank 3}}
  // expected-error@+1 {{'kiln.transpose' op failed to infer returned types}}
  %0 = kiln.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3x4xf32> -> tensor<3x2xf32>
  return
}
// -----
func.func @transpose_not_permutation(%x: tensor<2x3x4xf32>) {
  // expected-error@+2 {{perm is not a permutation of 0..2}}
  // expected-error@+1 {{'kiln.transpose' op failed to infer returned types}}
  %0 = kiln.transpose %x {perm = array<i64: 0, 0, 1>} : tensor<2x3x4xf32> -> tensor<2x2x3xf32>
  return
}
// -----
func.func @transpose_perm_range(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{perm is not a permutation of 0..1}}
  // expected-error@+1 {{'kiln.transpose' op failed to infer returned types}}
  %0 = kiln.transpose %x {perm = array<i64: 0, 2>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @reshape_unresolved(%x: tensor<2x3xf32>) {
  // -1 is a dynamic dim, which a static input cannot regroup into.
  // expected-error@+2 {{cannot reshape 2x3 to ?: each dynamic dim must map to one group of dims of the other shape}}
  // expected-error@+1 {{'kiln.reshape' op failed to infer returned types}}
  %0 = kiln.reshape %x {shape = array<i64: -1>} : tensor<2x3xf32> -> tensor<6xf32>
  return
}
// -----
func.func @reshape_negative(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{reshape target -2 has a negative dim}}
  // expected-error@+1 {{'kiln.reshape' op failed to infer returned types}}
  %0 = kiln.reshape %x {shape = array<i64: -2>} : tensor<2x3xf32> -> tensor<6xf32>
  return
}
// -----
func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{cannot reshape 2x3 (6 elements) to 7 (7 elements)}}
  // expected-error@+1 {{'kiln.reshape' op failed to infer returned types}}
  %0 = kiln.reshape %x {shape = array<i64: 7>} : tensor<2x3xf32> -> tensor<7xf32>
  return
}
// -----
func.func @expand_shape(%x: tensor<3xf32>) {
  // expected-error@+2 {{cannot expand 3 to 4x2}}
  // expected-error@+1 {{'kiln.expand' op failed to infer returned types}}
  %0 = kiln.expand %x {shape = array<i64: 4, 2>} : tensor<3xf32> -> tensor<4x3xf32>
  return
}
// -----
func.func @expand_negative(%x: tensor<1xf32>) {
  // expected-error@+2 {{expand target -5 must be non-negative}}
  // expected-error@+1 {{'kiln.expand' op failed to infer returned types}}
  %0 = kiln.expand %x {shape = array<i64: -5>} : tensor<1xf32> -> tensor<5xf32>
  return
}
// -----
func.func @slice_count(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{slice needs one offset, size and stride per dim}}
  // expected-error@+1 {{'kiln.slice' op failed to infer returned types}}
  %0 = kiln.slice %x {offsets = array<i64: 0>, sizes = array<i64: 2>, strides = array<i64: 1>} : tensor<2x8xf32> -> tensor<2xf32>
  return
}
// -----
func.func @slice_zero_stride(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{slice strides must be non-zero and sizes >= 0}}
  // expected-error@+1 {{'kiln.slice' op failed to infer returned types}}
  %0 = kiln.slice %x {offsets = array<i64: 0, 0>, sizes = array<i64: 2, 2>, strides = array<i64: 1, 0>} : tensor<2x8xf32> -> tensor<2x2xf32>
  return
}
// -----
func.func @slice_out_of_bounds(%x: tensor<2x8xf32>) {
  // expected-error@+2 {{slice of dim 1 (size 8) reads out of bounds: offset 4, size 3, stride 2}}
  // expected-error@+1 {{'kiln.slice' op failed to infer returned types}}
  %0 = kiln.slice %x {offsets = array<i64: 0, 4>, sizes = array<i64: 2, 3>, strides = array<i64: 1, 2>} : tensor<2x8xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @slice_negative_stride_out_of_bounds(%x: tensor<8xf32>) {
  // expected-error@+2 {{slice of dim 0 (size 8) reads out of bounds: offset 2, size 4, stride -1}}
  // expected-error@+1 {{'kiln.slice' op failed to infer returned types}}
  %0 = kiln.slice %x {offsets = array<i64: 2>, sizes = array<i64: 4>, strides = array<i64: -1>} : tensor<8xf32> -> tensor<4xf32>
  return
}
// -----
func.func @gather_axis(%x: tensor<4x8xf32>, %i: tensor<2xi64>) {
  // expected-error@+2 {{gather axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.gather' op failed to infer returned types}}
  %0 = kiln.gather %x, %i {axis = 2 : i64} : (tensor<4x8xf32>, tensor<2xi64>) -> tensor<4x8xf32>
  return
}
// -----
func.func @gather_indices_type(%x: tensor<4x8xf32>, %i: tensor<2xf32>) {
  // expected-error@+1 {{'kiln.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xf32>'}}
  %0 = kiln.gather %x, %i {axis = 0 : i64} : (tensor<4x8xf32>, tensor<2xf32>) -> tensor<2x8xf32>
  return
}
// -----
func.func @concat_empty() {
  // expected-error@+2 {{concat needs at least one input}}
  // expected-error@+1 {{'kiln.concat' op failed to infer returned types}}
  %0 = "kiln.concat"() <{axis = 0 : i64}> : () -> tensor<0xf32>
  return
}
// -----
func.func @concat_axis(%a: tensor<1x2xf32>) {
  // expected-error@+2 {{concat axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.concat' op failed to infer returned types}}
  %0 = kiln.concat %a, %a {axis = 2 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  return
}
// -----
func.func @concat_rank(%a: tensor<1x2xf32>, %b: tensor<2xf32>) {
  // expected-error@+2 {{concat inputs must share rank and element type}}
  // expected-error@+1 {{'kiln.concat' op failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x4xf32>
  return
}
// -----
func.func @concat_element_types(%a: tensor<1x2xf32>, %b: tensor<1x2xf16>) {
  // expected-error@+2 {{concat inputs must share rank and element type}}
  // expected-error@+1 {{'kiln.concat' op failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x2xf16>) -> tensor<1x4xf32>
  return
}
// -----
func.func @concat_mismatch(%a: tensor<1x2xf32>, %b: tensor<2x3xf32>) {
  // expected-error@+2 {{concat inputs 1x2 and 2x3 differ outside axis 1}}
  // expected-error@+1 {{'kiln.concat' op failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x5xf32>
  return
}
// -----
func.func @pad_count(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{pad needs 4 pads, got 2}}
  // expected-error@+1 {{'kiln.pad' op failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}
// -----
func.func @pad_negative(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{pads must be non-negative}}
  // expected-error@+1 {{'kiln.pad' op failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: 0, -1, 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}
// -----
func.func @pad_reflect_too_large(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{reflect pads must be smaller than the dim}}
  // expected-error@+1 {{'kiln.pad' op failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: 0, 3, 0, 0>, mode = 1 : i32} : tensor<2x3xf32> -> tensor<2x6xf32>
  return
}
// -----
func.func @pad_mode(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{'kiln.pad' op attribute 'mode' failed to satisfy constraint: padding mode}}
  %0 = kiln.pad %x {pads = array<i64: 0, 0, 0, 0>, mode = 7 : i32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
