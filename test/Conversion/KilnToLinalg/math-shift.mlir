// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @inverse_trig(
// CHECK: linalg.generic
// CHECK: math.acos %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: math.asin %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: math.atan %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: math.acosh %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: math.asinh %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: math.atanh %{{.*}} : f32
func.func @inverse_trig(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = kiln.acos %x : tensor<4xf32> -> tensor<4xf32>
  %1 = kiln.asin %x : tensor<4xf32> -> tensor<4xf32>
  %2 = kiln.atan %x : tensor<4xf32> -> tensor<4xf32>
  %3 = kiln.acosh %x : tensor<4xf32> -> tensor<4xf32>
  %4 = kiln.asinh %x : tensor<4xf32> -> tensor<4xf32>
  %5 = kiln.atanh %x : tensor<4xf32> -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Shifts by the bit width or more give 0.
// CHECK-LABEL: func.func @shift_left(
// CHECK-SAME: %[[A:.*]]: tensor<2x3xi8>, %[[B:.*]]: tensor<3xi8>)
// CHECK: linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<2x3xi8>, tensor<3xi8>)
// CHECK: ^bb0(%[[X:.*]]: i8, %[[N:.*]]: i8, %{{.*}}: i8):
// CHECK: %[[W:.*]] = arith.constant 8 : i8
// CHECK: %[[OK:.*]] = arith.cmpi ult, %[[N]], %[[W]] : i8
// CHECK: %[[S:.*]] = arith.shli %[[X]], %[[N]] : i8
// CHECK: %[[Z:.*]] = arith.constant 0 : i8
// CHECK: %[[R:.*]] = arith.select %[[OK]], %[[S]], %[[Z]] : i8
// CHECK: linalg.yield %[[R]]
func.func @shift_left(%a: tensor<2x3xui8>, %b: tensor<3xui8>) -> tensor<2x3xui8> {
  %r = kiln.shift_left %a, %b : (tensor<2x3xui8>, tensor<3xui8>) -> tensor<2x3xui8>
  return %r : tensor<2x3xui8>
}

// -----

// CHECK-LABEL: func.func @shift_right(
// CHECK: ^bb0(%[[X:.*]]: i64, %[[N:.*]]: i64, %{{.*}}: i64):
// CHECK: %[[W:.*]] = arith.constant 64 : i64
// CHECK: %[[OK:.*]] = arith.cmpi ult, %[[N]], %[[W]] : i64
// CHECK: %[[S:.*]] = arith.shrui %[[X]], %[[N]] : i64
// CHECK: arith.select %[[OK]], %[[S]], %{{.*}} : i64
func.func @shift_right(%a: tensor<4xui64>, %b: tensor<4xui64>) -> tensor<4xui64> {
  %r = kiln.shift_right %a, %b : (tensor<4xui64>, tensor<4xui64>) -> tensor<4xui64>
  return %r : tensor<4xui64>
}
