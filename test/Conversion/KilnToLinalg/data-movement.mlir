// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @transpose(
// CHECK-SAME: %[[X:.*]]: tensor<1x128x4x64xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x4x128x64xf32>
// CHECK: %[[R:.*]] = linalg.transpose ins(%[[X]] : tensor<1x128x4x64xf32>) outs(%[[E]] : tensor<1x4x128x64xf32>) permutation = [0, 2, 1, 3]
// CHECK: return %[[R]]
func.func @transpose(%x: tensor<1x128x4x64xf32>) -> tensor<1x4x128x64xf32> {
  %r = kiln.transpose %x {perm = array<i64: 0, 2, 1, 3>} : tensor<1x128x4x64xf32> -> tensor<1x4x128x64xf32>
  return %r : tensor<1x4x128x64xf32>
}

// -----

// Reshapes use collapse/expand_shape when a reassociation exists, else go
// through 1-D; never tensor.reshape.
// CHECK-LABEL: func.func @reshapes(
// CHECK-SAME: %[[X:.*]]: tensor<1x512x1x1xf32>, %[[Y:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2, 3]] : tensor<1x512x1x1xf32> into tensor<1x512xf32>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
// CHECK: %[[F:.*]] = tensor.collapse_shape %[[Y]] {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: %[[G:.*]] = tensor.expand_shape %[[F]] {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// CHECK-NOT: tensor.reshape
// CHECK: return %[[C]], %[[E]], %[[G]]
func.func @reshapes(%x: tensor<1x512x1x1xf32>, %y: tensor<2x3x4xf32>) -> (tensor<1x512xf32>, tensor<2x3x2x2xf32>, tensor<4x6xf32>) {
  %0 = kiln.reshape %x {shape = array<i64: 1, 512>} : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
  %1 = kiln.reshape %y {shape = array<i64: 2, 3, 2, 2>} : tensor<2x3x4xf32> -> tensor<2x3x2x2xf32>
  %2 = kiln.reshape %y {shape = array<i64: 4, 6>} : tensor<2x3x4xf32> -> tensor<4x6xf32>
  return %0, %1, %2 : tensor<1x512xf32>, tensor<2x3x2x2xf32>, tensor<4x6xf32>
}

// -----

// expand: size-1 dims collapsed away, then linalg.broadcast.
// CHECK-LABEL: func.func @expand(
// CHECK-SAME: %[[X:.*]]: tensor<3x1xf32>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1]] : tensor<3x1xf32> into tensor<3xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3x4xf32>
// CHECK: %[[R:.*]] = linalg.broadcast ins(%[[C]] : tensor<3xf32>) outs(%[[E]] : tensor<2x3x4xf32>) dimensions = [0, 2]
// CHECK: return %[[R]]
func.func @expand(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %r = kiln.expand %x {shape = array<i64: 2, 1, 4>} : tensor<3x1xf32> -> tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @slice(
// CHECK-SAME: %[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[R:.*]] = tensor.extract_slice %[[X]][0, 1] [2, 3] [1, 2] : tensor<2x8xf32> to tensor<2x3xf32>
// CHECK: return %[[R]]
func.func @slice(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %r = kiln.slice %x {offsets = array<i64: 0, 1>, sizes = array<i64: 2, 3>, strides = array<i64: 1, 2>} : tensor<2x8xf32> -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// Negative steps: take the same elements with a positive step from the
// lowest one, then flip those dims.
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1) -> (-d0 + 2, -d1 + 3)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @slice_negative(
// CHECK-SAME: %[[X:.*]]: tensor<6x8xf32>)
// CHECK: %[[S:.*]] = tensor.extract_slice %[[X]][1, 4] [3, 4] [2, 1] : tensor<6x8xf32> to tensor<3x4xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x4xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[S]] : tensor<3x4xf32>) outs(%[[E]] : tensor<3x4xf32>)
// CHECK: return %[[R]]
func.func @slice_negative(%x: tensor<6x8xf32>) -> tensor<3x4xf32> {
  %r = kiln.slice %x {offsets = array<i64: 5, 7>, sizes = array<i64: 3, 4>, strides = array<i64: -2, -1>} : tensor<6x8xf32> -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// gather: a generic over the result reading the indices; each index is
// normalized (negative + size) and clamped into [0, size) before
// tensor.extract, so a bad index never reads out of bounds.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @gather(
// CHECK-SAME: %[[T:.*]]: tensor<1000x64xf32>, %[[I:.*]]: tensor<1x16xi32>)
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[I]] : tensor<1x16xi32>) outs(%{{.*}} : tensor<1x16x64xf32>)
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[W:.*]] = arith.extsi %[[IN]] : i32 to i64
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[SIZE:.*]] = arith.constant 1000 : i64
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[W]], %[[ZERO]] : i64
// CHECK: %[[WRAP:.*]] = arith.addi %[[W]], %[[SIZE]] : i64
// CHECK: %[[N:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[W]] : i64
// CHECK: %[[LO:.*]] = arith.maxsi %[[N]], %[[ZERO]] : i64
// CHECK: %[[LAST:.*]] = arith.constant 999 : i64
// CHECK: %[[CL:.*]] = arith.minsi %[[LO]], %[[LAST]] : i64
// CHECK: %[[K:.*]] = arith.index_cast %[[CL]] : i64 to index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: %[[V:.*]] = tensor.extract %[[T]][%[[K]], %[[J]]] : tensor<1000x64xf32>
// CHECK: linalg.yield %[[V]] : f32
func.func @gather(%t: tensor<1000x64xf32>, %i: tensor<1x16xi32>) -> tensor<1x16x64xf32> {
  %r = kiln.gather %t, %i {axis = 0 : i64} : (tensor<1000x64xf32>, tensor<1x16xi32>) -> tensor<1x16x64xf32>
  return %r : tensor<1x16x64xf32>
}

// -----

// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @gather_axis1(
// CHECK-SAME: %[[X:.*]]: tensor<3x5x4xf32>, %[[I:.*]]: tensor<2xi64>)
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], {{.*}}]} ins(%[[I]] : tensor<2xi64>)
// CHECK: %[[D0:.*]] = linalg.index 0 : index
// CHECK: %[[D2:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %[[X]][%[[D0]], %{{.*}}, %[[D2]]] : tensor<3x5x4xf32>
func.func @gather_axis1(%x: tensor<3x5x4xf32>, %i: tensor<2xi64>) -> tensor<3x2x4xf32> {
  %r = kiln.gather %x, %i {axis = 1 : i64} : (tensor<3x5x4xf32>, tensor<2xi64>) -> tensor<3x2x4xf32>
  return %r : tensor<3x2x4xf32>
}

// -----

// concat: insert_slices into a tensor.empty at running offsets.
// CHECK-LABEL: func.func @concat(
// CHECK-SAME: %[[A:.*]]: tensor<1x2xf32>, %[[B:.*]]: tensor<1x3xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x5xf32>
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [1, 2] [1, 1] : tensor<1x2xf32> into tensor<1x5xf32>
// CHECK: %[[R1:.*]] = tensor.insert_slice %[[B]] into %[[R0]][0, 2] [1, 3] [1, 1] : tensor<1x3xf32> into tensor<1x5xf32>
// CHECK: return %[[R1]]
func.func @concat(%a: tensor<1x2xf32>, %b: tensor<1x3xf32>) -> tensor<1x5xf32> {
  %r = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
  return %r : tensor<1x5xf32>
}

// -----

// CHECK-LABEL: func.func @pad_constant(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xi32>)
// CHECK: %[[V:.*]] = arith.constant -7 : i32
// CHECK: %[[R:.*]] = tensor.pad %[[X]] low[0, 1] high[2, 1]
// CHECK:   tensor.yield %[[V]] : i32
// CHECK: } : tensor<2x3xi32> to tensor<4x5xi32>
// CHECK: return %[[R]]
func.func @pad_constant(%x: tensor<2x3xi32>) -> tensor<4x5xi32> {
  %r = kiln.pad %x {pads = array<i64: 0, 1, 2, 1>, value = -7.0 : f64} : tensor<2x3xi32> -> tensor<4x5xi32>
  return %r : tensor<4x5xi32>
}

// -----

// reflect: j = i - low, mirrored at both ends without repeating the edge.
// CHECK-LABEL: func.func @pad_reflect(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x7xf32>)
// CHECK: %[[I0:.*]] = linalg.index 0 : index
// CHECK: %[[I1:.*]] = linalg.index 1 : index
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[J:.*]] = arith.subi %[[I1]], %[[C2]] : index
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: arith.subi %[[C4]], %{{.*}} : index
// CHECK: arith.cmpi sgt
// CHECK: %[[K:.*]] = arith.select
// CHECK: tensor.extract %[[X]][%[[I0]], %[[K]]] : tensor<2x3xf32>
// CHECK-LABEL: func.func @pad_edge(
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract
func.func @pad_reflect(%x: tensor<2x3xf32>) -> tensor<2x7xf32> {
  %r = kiln.pad %x {pads = array<i64: 0, 2, 0, 2>, mode = 1 : i32} : tensor<2x3xf32> -> tensor<2x7xf32>
  return %r : tensor<2x7xf32>
}
func.func @pad_edge(%x: tensor<2x3xf32>) -> tensor<2x7xf32> {
  %r = kiln.pad %x {pads = array<i64: 0, 2, 0, 2>, mode = 2 : i32} : tensor<2x3xf32> -> tensor<2x7xf32>
  return %r : tensor<2x7xf32>
}

// -----

// Constants keep their attribute; weights stay dense_resource blobs.
// CHECK-LABEL: func.func @constants(
// CHECK: %[[W:.*]] = arith.constant dense_resource<conv1.weight> : tensor<2x2xf32>
// CHECK: %[[U:.*]] = arith.constant dense_resource<lut> : tensor<4xi8>
// CHECK: %[[C:.*]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK: return %[[W]], %[[U]], %[[C]]
func.func @constants() -> (tensor<2x2xf32>, tensor<4xui8>, tensor<4xf32>) {
  %w = kiln.constant dense_resource<conv1.weight> : tensor<2x2xf32>
  %u = kiln.constant dense_resource<lut> : tensor<4xui8>
  %c = kiln.constant dense<1.0> : tensor<4xf32>
  return %w, %u, %c : tensor<2x2xf32>, tensor<4xui8>, tensor<4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      conv1.weight: "0x040000000000803F000000400000404000008040",
      lut: "0x0100000001020304"
    }
  }
#-}

// -----

// A splat beyond the folding budget (16 M elements) never becomes bytes: it
// is a fill of one scalar (materialised, if at all, in the workspace at run
// time). Smaller splats stay constants.
// CHECK-LABEL: func.func @huge_splat(
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[E:.*]] = tensor.empty() : tensor<1000000x1000000xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ONE]] : f32) outs(%[[E]] : tensor<1000000x1000000xf32>)
// CHECK: %[[I:.*]] = arith.constant dense<7> : tensor<16777216xi8>
// CHECK: %[[B:.*]] = linalg.fill ins(%{{.*}} : i1) outs(%{{.*}} : tensor<16777217xi1>)
// CHECK: return %[[F]], %[[I]], %[[B]]
func.func @huge_splat() -> (tensor<1000000x1000000xf32>, tensor<16777216xui8>, tensor<16777217xi1>) {
  %c = kiln.constant dense<1.0> : tensor<1000000x1000000xf32>
  %i = kiln.constant dense<7> : tensor<16777216xui8>
  %b = kiln.constant dense<true> : tensor<16777217xi1>
  return %c, %i, %b : tensor<1000000x1000000xf32>, tensor<16777216xui8>, tensor<16777217xi1>
}
