// Round trip of the indexing ops (KilnIndexingOps.td) through their custom
// syntax and through the generic form.
// RUN: model-opt %s | model-opt | FileCheck %s
// RUN: model-opt %s -mlir-print-op-generic | model-opt | FileCheck %s

// CHECK-LABEL: func.func @gather_elements
// CHECK: kiln.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK: kiln.gather_elements %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<3x4xf32>, tensor<5x4xi32>) -> tensor<5x4xf32>
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %j: tensor<5x4xi32>) -> (tensor<3x2xf32>, tensor<5x4xf32>) {
  %0 = kiln.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  %1 = kiln.gather_elements %x, %j {axis = 0 : i64} : (tensor<3x4xf32>, tensor<5x4xi32>) -> tensor<5x4xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<5x4xf32>
}

// The default reduction (none) is not printed.
// CHECK-LABEL: func.func @scatter_elements
// CHECK: kiln.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
// CHECK: kiln.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, reduction = 1 : i32} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
func.func @scatter_elements(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  %1 = kiln.scatter_elements %x, %i, %u {axis = 1 : i64, reduction = 1 : i32} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0, %1 : tensor<3x3xf32>, tensor<3x3xf32>
}

// The default batch_dims (0) is not printed.
// CHECK-LABEL: func.func @gather_nd
// CHECK: kiln.gather_nd %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<5x2xi64>) -> tensor<5x4xf32>
// CHECK: kiln.gather_nd %{{.*}}, %{{.*}} {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
// CHECK: kiln.gather_nd %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<f32>
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<5x2xi64>, %j: tensor<2x1xi64>, %k: tensor<3xi64>) -> (tensor<5x4xf32>, tensor<2x4xf32>, tensor<f32>) {
  %0 = kiln.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<2x3x4xf32>, tensor<5x2xi64>) -> tensor<5x4xf32>
  %1 = kiln.gather_nd %x, %j {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  %2 = kiln.gather_nd %x, %k {batch_dims = 0 : i64} : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<f32>
  return %0, %1, %2 : tensor<5x4xf32>, tensor<2x4xf32>, tensor<f32>
}

// CHECK-LABEL: func.func @scatter_nd
// CHECK: kiln.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
// CHECK: kiln.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} {reduction = 4 : i32} : (tensor<8xi32>, tensor<4x1xi64>, tensor<4xi32>) -> tensor<8xi32>
func.func @scatter_nd(%x: tensor<4x4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4x4xf32>, %y: tensor<8xi32>, %j: tensor<4x1xi64>, %v: tensor<4xi32>) -> (tensor<4x4x4xf32>, tensor<8xi32>) {
  %0 = kiln.scatter_nd %x, %i, %u : (tensor<4x4x4xf32>, tensor<2x1xi64>, tensor<2x4x4xf32>) -> tensor<4x4x4xf32>
  %1 = kiln.scatter_nd %y, %j, %v {reduction = 4 : i32} : (tensor<8xi32>, tensor<4x1xi64>, tensor<4xi32>) -> tensor<8xi32>
  return %0, %1 : tensor<4x4x4xf32>, tensor<8xi32>
}
