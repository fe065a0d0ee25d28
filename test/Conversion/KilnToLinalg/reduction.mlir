// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @reduce_sum_keepdims(
// CHECK-SAME: %[[X:.*]]: tensor<1x512x7x7xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x512xf32>)
// CHECK: %[[RED:.*]] = linalg.reduce { arith.addf } ins(%[[X]] : tensor<1x512x7x7xf32>) outs(%[[INIT]] : tensor<1x512xf32>) dimensions = [2, 3]
// CHECK: %[[R:.*]] = tensor.expand_shape %[[RED]] {{\[}}[0], [1, 2, 3]] output_shape [1, 512, 1, 1] : tensor<1x512xf32> into tensor<1x512x1x1xf32>
// CHECK: return %[[R]]
func.func @reduce_sum_keepdims(%x: tensor<1x512x7x7xf32>) -> tensor<1x512x1x1xf32> {
  %r = kiln.reduce_sum %x {axes = array<i64: 2, 3>, keepdims = true} : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
  return %r : tensor<1x512x1x1xf32>
}

// -----

// mean divides by the reduced element count (49 here).
// CHECK-LABEL: func.func @reduce_mean(
// CHECK: %[[RED:.*]] = linalg.reduce { arith.addf } ins(%{{.*}} : tensor<1x512x7x7xf32>) outs(%{{.*}} : tensor<1x512xf32>) dimensions = [2, 3]
// CHECK: linalg.generic {{.*}} ins(%[[RED]] : tensor<1x512xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[N:.*]] = arith.constant 4.900000e+01 : f32
// CHECK: arith.divf %[[S]], %[[N]] : f32
// CHECK-NOT: tensor.expand_shape
func.func @reduce_mean(%x: tensor<1x512x7x7xf32>) -> tensor<1x512xf32> {
  %r = kiln.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = false} : tensor<1x512x7x7xf32> -> tensor<1x512xf32>
  return %r : tensor<1x512xf32>
}

// -----

// Neutral elements: -inf for float max, the smallest/largest integer of
// the (un)signed type for max/min, 1 for prod.
// CHECK-LABEL: func.func @neutral_elements(
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: linalg.reduce { arith.maximumf }
// CHECK: %[[IMIN:.*]] = arith.constant -2147483648 : i32
// CHECK: linalg.fill ins(%[[IMIN]] : i32)
// CHECK: linalg.reduce { arith.maxsi }
// CHECK: %[[UMAX:.*]] = arith.constant -1 : i8
// CHECK: linalg.fill ins(%[[UMAX]] : i8)
// CHECK: linalg.reduce { arith.minui }
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32)
// CHECK: linalg.reduce { arith.mulf }
func.func @neutral_elements(%x: tensor<4x8xf32>, %i: tensor<4x8xi32>, %u: tensor<4x8xui8>) -> (tensor<4xf32>, tensor<8xi32>, tensor<ui8>, tensor<4x1xf32>) {
  %0 = kiln.reduce_max %x {axes = array<i64: 1>, keepdims = false} : tensor<4x8xf32> -> tensor<4xf32>
  %1 = kiln.reduce_max %i {axes = array<i64: 0>, keepdims = false} : tensor<4x8xi32> -> tensor<8xi32>
  %2 = kiln.reduce_min %u {axes = array<i64: 0, 1>, keepdims = false} : tensor<4x8xui8> -> tensor<ui8>
  %3 = kiln.reduce_prod %x {axes = array<i64: 1>, keepdims = true} : tensor<4x8xf32> -> tensor<4x1xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<8xi32>, tensor<ui8>, tensor<4x1xf32>
}

// -----

// f16 sums accumulate in f32 (a generic, since linalg.reduce wants one
// element type) and round once.
// CHECK-LABEL: func.func @reduce_sum_f16(
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%{{.*}} : tensor<4x8xf16>) outs(%{{.*}} : tensor<8xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @reduce_sum_f16(%x: tensor<4x8xf16>) -> tensor<8xf16> {
  %r = kiln.reduce_sum %x {axes = array<i64: 0>, keepdims = false} : tensor<4x8xf16> -> tensor<8xf16>
  return %r : tensor<8xf16>
}

// -----

// argmax: one generic, (value, index) outputs, a reduction iterator on the
// axis; NaN wins, ties go to the lower index.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @argmax(
// CHECK-SAME: %[[X:.*]]: tensor<3x10xf32>)
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[VINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : i64
// CHECK: %[[IINIT:.*]] = linalg.fill ins(%[[C0]] : i64) outs(%{{.*}} : tensor<3xi64>)
// CHECK: %[[R:.*]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<3x10xf32>) outs(%[[VINIT]], %[[IINIT]] : tensor<3xf32>, tensor<3xi64>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32, %[[ACCI:.*]]: i64):
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[IDX:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[IN]], %[[ACC]] : f32
// CHECK: %[[INNAN:.*]] = arith.cmpf uno, %[[IN]], %[[IN]] : f32
// CHECK: %[[ACCNAN:.*]] = arith.cmpf uno, %[[ACC]], %[[ACC]] : f32
// CHECK: %[[EQ:.*]] = arith.cmpf oeq, %[[IN]], %[[ACC]] : f32
// CHECK: %[[LOWER:.*]] = arith.cmpi slt, %[[IDX]], %[[ACCI]] : i64
// CHECK: %[[TAKE:.*]] = arith.ori %{{.*}}, %{{.*}} : i1
// CHECK: %[[NV:.*]] = arith.select %[[TAKE]], %[[IN]], %[[ACC]] : f32
// CHECK: %[[NI:.*]] = arith.select %[[TAKE]], %[[IDX]], %[[ACCI]] : i64
// CHECK: linalg.yield %[[NV]], %[[NI]] : f32, i64
// CHECK: return %[[R]]#1 : tensor<3xi64>
func.func @argmax(%x: tensor<3x10xf32>) -> tensor<3xi64> {
  %r = kiln.argmax %x {axis = 1 : i64, keepdims = false} : tensor<3x10xf32> -> tensor<3xi64>
  return %r : tensor<3xi64>
}

// -----

// argmin with select_last_index on integers: +max init, ties go to the
// higher index; keepdims expands the result.
// CHECK-LABEL: func.func @argmin_last(
// CHECK: %[[IMAX:.*]] = arith.constant 2147483647 : i32
// CHECK: linalg.fill ins(%[[IMAX]] : i32)
// CHECK: %[[R:.*]]:2 = linalg.generic
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : i32
// CHECK: arith.cmpi eq, %{{.*}}, %{{.*}} : i32
// CHECK: arith.cmpi sgt, %{{.*}}, %{{.*}} : i64
// CHECK: tensor.expand_shape %[[R]]#1 {{\[}}[0, 1]] output_shape [1, 3] : tensor<3xi64> into tensor<1x3xi64>
func.func @argmin_last(%x: tensor<2x3xi32>) -> tensor<1x3xi64> {
  %r = kiln.argmin %x {axis = 0 : i64, keepdims = true, select_last_index = true} : tensor<2x3xi32> -> tensor<1x3xi64>
  return %r : tensor<1x3xi64>
}
