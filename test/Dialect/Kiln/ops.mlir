// Round trip of every kiln op through its custom syntax and through the
// generic form.
// RUN: model-opt %s | model-opt | FileCheck %s
// RUN: model-opt %s -mlir-print-op-generic | model-opt | FileCheck %s

// CHECK-LABEL: func.func @constant
// CHECK: kiln.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: kiln.constant dense_resource<blob_w> : tensor<2xf32>
// CHECK: kiln.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi64>
// CHECK: kiln.constant dense<[true, false, true]> : tensor<3xi1>
func.func @constant() -> (tensor<4xf32>, tensor<2xf32>, tensor<2x2xi64>, tensor<3xi1>) {
  %0 = kiln.constant dense<1.000000e+00> : tensor<4xf32>
  %1 = kiln.constant dense_resource<blob_w> : tensor<2xf32>
  %2 = kiln.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %3 = kiln.constant dense<[true, false, true]> : tensor<3xi1>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<2xf32>, tensor<2x2xi64>, tensor<3xi1>
}

// CHECK-LABEL: func.func @binary
// CHECK: kiln.add %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.sub %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.mul %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.div %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.pow %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.max %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.min %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.mod %{{[a-z0-9]+}}, %{{[a-z0-9]+}} {fmod = true} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
func.func @binary(%a: tensor<1x64x56x56xf32>, %b: tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32> {
  %0 = kiln.add %a, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %1 = kiln.sub %0, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %2 = kiln.mul %1, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %3 = kiln.div %2, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %4 = kiln.pow %3, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %5 = kiln.max %4, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %6 = kiln.min %5, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  %7 = kiln.mod %6, %b {fmod = true} : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  return %7 : tensor<1x64x56x56xf32>
}

// CHECK-LABEL: func.func @integer_binary
// CHECK: kiln.mod %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
// CHECK: kiln.and %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
// CHECK: kiln.or %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
// CHECK: kiln.xor %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
func.func @integer_binary(%a: tensor<4xi32>, %b: tensor<1xi32>) -> tensor<4xi32> {
  %0 = kiln.mod %a, %b : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
  %1 = kiln.and %0, %b : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
  %2 = kiln.or %1, %b : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
  %3 = kiln.xor %2, %b : (tensor<4xi32>, tensor<1xi32>) -> tensor<4xi32>
  return %3 : tensor<4xi32>
}

// CHECK-LABEL: func.func @compare
// CHECK: kiln.equal %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK: kiln.less %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK: kiln.less_equal %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK: kiln.greater %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
// CHECK: kiln.greater_equal %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
func.func @compare(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> (tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>) {
  %0 = kiln.equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %1 = kiln.less %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %2 = kiln.less_equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %3 = kiln.greater %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %4 = kiln.greater_equal %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  return %0, %1, %2, %3, %4 : tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>
}

// CHECK-LABEL: func.func @unary
// CHECK: kiln.neg %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.abs %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.exp %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.log %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.sqrt %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.reciprocal %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.tanh %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.sigmoid %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.erf %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.relu %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.floor %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.ceil %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.round %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.sin %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.cos %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.sign %{{[a-z0-9]+}} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.clip %{{[a-z0-9]+}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<1x512xf32> -> tensor<1x512xf32>
// CHECK: kiln.clip %{{[a-z0-9]+}} {max = 1.000000e+00 : f64} : tensor<1x512xf32> -> tensor<1x512xf32>
func.func @unary(%x: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %0 = kiln.neg %x : tensor<1x512xf32> -> tensor<1x512xf32>
  %1 = kiln.abs %0 : tensor<1x512xf32> -> tensor<1x512xf32>
  %2 = kiln.exp %1 : tensor<1x512xf32> -> tensor<1x512xf32>
  %3 = kiln.log %2 : tensor<1x512xf32> -> tensor<1x512xf32>
  %4 = kiln.sqrt %3 : tensor<1x512xf32> -> tensor<1x512xf32>
  %5 = kiln.reciprocal %4 : tensor<1x512xf32> -> tensor<1x512xf32>
  %6 = kiln.tanh %5 : tensor<1x512xf32> -> tensor<1x512xf32>
  %7 = kiln.sigmoid %6 : tensor<1x512xf32> -> tensor<1x512xf32>
  %8 = kiln.erf %7 : tensor<1x512xf32> -> tensor<1x512xf32>
  %9 = kiln.relu %8 : tensor<1x512xf32> -> tensor<1x512xf32>
  %10 = kiln.floor %9 : tensor<1x512xf32> -> tensor<1x512xf32>
  %11 = kiln.ceil %10 : tensor<1x512xf32> -> tensor<1x512xf32>
  %12 = kiln.round %11 : tensor<1x512xf32> -> tensor<1x512xf32>
  %13 = kiln.sin %12 : tensor<1x512xf32> -> tensor<1x512xf32>
  %14 = kiln.cos %13 : tensor<1x512xf32> -> tensor<1x512xf32>
  %15 = kiln.sign %14 : tensor<1x512xf32> -> tensor<1x512xf32>
  %16 = kiln.clip %15 {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x512xf32> -> tensor<1x512xf32>
  %17 = kiln.clip %16 {max = 1.0 : f64} : tensor<1x512xf32> -> tensor<1x512xf32>
  return %17 : tensor<1x512xf32>
}

// CHECK-LABEL: func.func @not_cast_where
// CHECK: kiln.not %{{[a-z0-9]+}} : tensor<4xi1> -> tensor<4xi1>
// CHECK: kiln.cast %{{[a-z0-9]+}} {to = i64} : tensor<4xf32> -> tensor<4xi64>
// CHECK: kiln.where %{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<4xi1>, tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
func.func @not_cast_where(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<1xf32>) -> (tensor<4xi64>, tensor<4xf32>) {
  %0 = kiln.not %c : tensor<4xi1> -> tensor<4xi1>
  %1 = kiln.cast %x {to = i64} : tensor<4xf32> -> tensor<4xi64>
  %2 = kiln.where %0, %x, %y : (tensor<4xi1>, tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %1, %2 : tensor<4xi64>, tensor<4xf32>
}

// CHECK-LABEL: func.func @matmul
// CHECK: kiln.matmul %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<4x128x64xf32>, tensor<64x32xf32>) -> tensor<4x128x32xf32>
func.func @matmul(%a: tensor<4x128x64xf32>, %b: tensor<64x32xf32>) -> tensor<4x128x32xf32> {
  %0 = kiln.matmul %a, %b : (tensor<4x128x64xf32>, tensor<64x32xf32>) -> tensor<4x128x32xf32>
  return %0 : tensor<4x128x32xf32>
}

// CHECK-LABEL: func.func @conv
// CHECK: kiln.conv %{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}} {dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
// CHECK: kiln.conv %{{[a-z0-9]+}}, %{{[a-z0-9]+}} {dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
func.func @conv(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>) -> (tensor<1x64x112x112xf32>, tensor<1x64x112x112xf32>) {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, group = 1 : i64} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %1 = kiln.conv %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
  return %0, %1 : tensor<1x64x112x112xf32>, tensor<1x64x112x112xf32>
}

// CHECK-LABEL: func.func @norms
// CHECK: kiln.batch_norm %{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}} {epsilon = 1.000000e-05 : f64} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
// CHECK: kiln.layer_norm %{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}} {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<1x128x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x128x256xf32>
// CHECK: kiln.softmax %{{[a-z0-9]+}} {axis = 2 : i64} : tensor<1x128x256xf32> -> tensor<1x128x256xf32>
// CHECK: kiln.softmax %{{[a-z0-9]+}} {axis = -1 : i64, log = true} : tensor<1x128x256xf32> -> tensor<1x128x256xf32>
func.func @norms(%x: tensor<1x64x56x56xf32>, %p: tensor<64xf32>, %y: tensor<1x128x256xf32>, %q: tensor<256xf32>) -> (tensor<1x64x56x56xf32>, tensor<1x128x256xf32>, tensor<1x128x256xf32>) {
  %0 = kiln.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f64} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  %1 = kiln.layer_norm %y, %q, %q {axis = 2 : i64, epsilon = 1.0e-05 : f64} : (tensor<1x128x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x128x256xf32>
  %2 = kiln.softmax %1 {axis = 2 : i64} : tensor<1x128x256xf32> -> tensor<1x128x256xf32>
  %3 = kiln.softmax %2 {axis = -1 : i64, log = true} : tensor<1x128x256xf32> -> tensor<1x128x256xf32>
  return %0, %2, %3 : tensor<1x64x56x56xf32>, tensor<1x128x256xf32>, tensor<1x128x256xf32>
}

// CHECK-LABEL: func.func @pool
// CHECK: kiln.max_pool %{{[a-z0-9]+}} {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
// CHECK: kiln.avg_pool %{{[a-z0-9]+}} {ceil_mode = true, count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x64x112x112xf32> -> tensor<1x64x57x57xf32>
func.func @pool(%x: tensor<1x64x112x112xf32>) -> (tensor<1x64x56x56xf32>, tensor<1x64x57x57xf32>) {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  %1 = kiln.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true, count_include_pad = true} : tensor<1x64x112x112xf32> -> tensor<1x64x57x57xf32>
  return %0, %1 : tensor<1x64x56x56xf32>, tensor<1x64x57x57xf32>
}

// CHECK-LABEL: func.func @reduce
// CHECK: kiln.reduce_sum %{{[a-z0-9]+}} {axes = array<i64: 2, 3>} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
// CHECK: kiln.reduce_mean %{{[a-z0-9]+}} {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x512x7x7xf32> -> tensor<1x512xf32>
// CHECK: kiln.reduce_max %{{[a-z0-9]+}} {axes = array<i64: 2, 3>} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
// CHECK: kiln.reduce_min %{{[a-z0-9]+}} {axes = array<i64: 2, 3>} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
// CHECK: kiln.reduce_prod %{{[a-z0-9]+}} {axes = array<i64: 2, 3>} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
// CHECK: kiln.argmax %{{[a-z0-9]+}} {axis = 1 : i64, keepdims = false} : tensor<1x512x7x7xf32> -> tensor<1x7x7xi64>
// CHECK: kiln.argmin %{{[a-z0-9]+}} {axis = 1 : i64, select_last_index = true} : tensor<1x512x7x7xf32> -> tensor<1x1x7x7xi64>
func.func @reduce(%x: tensor<1x512x7x7xf32>) -> (tensor<1x512x1x1xf32>, tensor<1x512xf32>, tensor<1x512x1x1xf32>, tensor<1x512x1x1xf32>, tensor<1x512x1x1xf32>, tensor<1x7x7xi64>, tensor<1x1x7x7xi64>) {
  %0 = kiln.reduce_sum %x {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
  %1 = kiln.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x512x7x7xf32> -> tensor<1x512xf32>
  %2 = kiln.reduce_max %x {axes = array<i64: 2, 3>} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
  %3 = kiln.reduce_min %x {axes = array<i64: 2, 3>} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
  %4 = kiln.reduce_prod %x {axes = array<i64: 2, 3>} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
  %5 = kiln.argmax %x {axis = 1 : i64, keepdims = false} : tensor<1x512x7x7xf32> -> tensor<1x7x7xi64>
  %6 = kiln.argmin %x {axis = 1 : i64, select_last_index = true} : tensor<1x512x7x7xf32> -> tensor<1x1x7x7xi64>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<1x512x1x1xf32>, tensor<1x512xf32>, tensor<1x512x1x1xf32>, tensor<1x512x1x1xf32>, tensor<1x512x1x1xf32>, tensor<1x7x7xi64>, tensor<1x1x7x7xi64>
}

// CHECK-LABEL: func.func @data_movement
// CHECK: kiln.transpose %{{[a-z0-9]+}} {perm = array<i64: 0, 2, 1, 3>} : tensor<1x128x4x64xf32> -> tensor<1x4x128x64xf32>
// CHECK: kiln.reshape %{{[a-z0-9]+}} {shape = array<i64: 128, 256>} : tensor<1x128x4x64xf32> -> tensor<128x256xf32>
// CHECK: kiln.expand %{{[a-z0-9]+}} {shape = array<i64: 4, 3>} : tensor<3xf32> -> tensor<4x3xf32>
// CHECK: kiln.slice %{{[a-z0-9]+}} {offsets = array<i64: 0, 1>, sizes = array<i64: 2, 3>, strides = array<i64: 1, 2>} : tensor<2x8xf32> -> tensor<2x3xf32>
func.func @data_movement(%x: tensor<1x128x4x64xf32>, %y: tensor<3xf32>, %z: tensor<2x8xf32>) -> (tensor<1x4x128x64xf32>, tensor<128x256xf32>, tensor<4x3xf32>, tensor<2x3xf32>) {
  %0 = kiln.transpose %x {perm = array<i64: 0, 2, 1, 3>} : tensor<1x128x4x64xf32> -> tensor<1x4x128x64xf32>
  %1 = kiln.reshape %x {shape = array<i64: 128, 256>} : tensor<1x128x4x64xf32> -> tensor<128x256xf32>
  %2 = kiln.expand %y {shape = array<i64: 4, 3>} : tensor<3xf32> -> tensor<4x3xf32>
  %3 = kiln.slice %z {offsets = array<i64: 0, 1>, sizes = array<i64: 2, 3>, strides = array<i64: 1, 2>} : tensor<2x8xf32> -> tensor<2x3xf32>
  return %0, %1, %2, %3 : tensor<1x4x128x64xf32>, tensor<128x256xf32>, tensor<4x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @gather_concat_pad
// CHECK: kiln.gather %{{[a-z0-9]+}}, %{{[a-z0-9]+}} {axis = 0 : i64} : (tensor<1000x64xf32>, tensor<1x16xi64>) -> tensor<1x16x64xf32>
// CHECK: kiln.concat %{{[a-z0-9]+}}, %{{[a-z0-9]+}} {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
// CHECK: kiln.pad %{{[a-z0-9]+}} {pads = array<i64: 0, 1, 0, 1>} : tensor<2x3xf32> -> tensor<2x5xf32>
// CHECK: kiln.pad %{{[a-z0-9]+}} {mode = 1 : i32, pads = array<i64: 1, 1, 1, 1>} : tensor<2x3xf32> -> tensor<4x5xf32>
func.func @gather_concat_pad(%t: tensor<1000x64xf32>, %ids: tensor<1x16xi64>, %a: tensor<1x2xf32>, %b: tensor<1x3xf32>, %p: tensor<2x3xf32>) -> (tensor<1x16x64xf32>, tensor<1x5xf32>, tensor<2x5xf32>, tensor<4x5xf32>) {
  %0 = kiln.gather %t, %ids {axis = 0 : i64} : (tensor<1000x64xf32>, tensor<1x16xi64>) -> tensor<1x16x64xf32>
  %1 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
  %2 = kiln.pad %p {pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64, mode = 0 : i32} : tensor<2x3xf32> -> tensor<2x5xf32>
  %3 = kiln.pad %p {pads = array<i64: 1, 1, 1, 1>, mode = 1 : i32} : tensor<2x3xf32> -> tensor<4x5xf32>
  return %0, %1, %2, %3 : tensor<1x16x64xf32>, tensor<1x5xf32>, tensor<2x5xf32>, tensor<4x5xf32>
}

// CHECK-LABEL: func.func @dynamic
// CHECK: kiln.add %{{[a-z0-9]+}}, %{{[a-z0-9]+}} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
func.func @dynamic(%x: tensor<?x64xf32>, %y: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = kiln.add %x, %y : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob_w: "0x040000000000803F00000040"
    }
  }
#-}

