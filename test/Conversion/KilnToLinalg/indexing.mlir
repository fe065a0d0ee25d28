// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// gather_elements: one generic over the indices; the axis coordinate is the
// index, wrapped when negative and clamped into [0, 4).
// CHECK-LABEL: func.func @gather_elements(
// CHECK-SAME: %[[X:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<3x2xi32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x2xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[I]] : tensor<3x2xi32>) outs(%[[E]] : tensor<3x2xf32>)
// CHECK: ^bb0(%[[IDX:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[D0:.*]] = linalg.index 0 : index
// CHECK: %[[W:.*]] = arith.extsi %[[IDX]] : i32 to i64
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[W]], %[[ZERO:.*]] : i64
// CHECK: %[[WRAP:.*]] = arith.addi %[[W]], %[[SIZE:.*]] : i64
// CHECK: %[[SEL:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[W]] : i64
// CHECK: %[[LO:.*]] = arith.maxsi %[[SEL]], %[[ZERO]] : i64
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %[[LAST:.*]] : i64
// CHECK: %[[J:.*]] = arith.index_cast %[[HI]] : i64 to index
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[D0]], %[[J]]] : tensor<3x4xf32>
// CHECK: linalg.yield %[[V]] : f32
// CHECK: return %[[R]]
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi32>) -> tensor<3x2xf32> {
  %r = kiln.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// scatter_elements: an scf.for nest over the updates carrying the input;
// with add, the landing element is read and combined.
// CHECK-LABEL: func.func @scatter_elements_add(
// CHECK-SAME: %[[X:.*]]: tensor<3x3xf32>, %[[I:.*]]: tensor<2x3xi64>, %[[U:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[R:.*]] = scf.for %[[A:.*]] = %[[C0]] to %[[C2]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[X]]) -> (tensor<3x3xf32>) {
// CHECK: %[[R1:.*]] = scf.for %[[B:.*]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[ACC1:.*]] = %[[ACC]]) -> (tensor<3x3xf32>) {
// CHECK: %[[IDX:.*]] = tensor.extract %[[I]][%[[A]], %[[B]]] : tensor<2x3xi64>
// CHECK: arith.minsi
// CHECK: %[[J:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[UPD:.*]] = tensor.extract %[[U]][%[[A]], %[[B]]] : tensor<2x3xf32>
// CHECK: %[[OLD:.*]] = tensor.extract %[[ACC1]][%[[A]], %[[J]]] : tensor<3x3xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[OLD]], %[[UPD]] : f32
// CHECK: %[[INS:.*]] = tensor.insert %[[SUM]] into %[[ACC1]][%[[A]], %[[J]]] : tensor<3x3xf32>
// CHECK: scf.yield %[[INS]] : tensor<3x3xf32>
// CHECK: scf.yield %[[R1]] : tensor<3x3xf32>
// CHECK: return %[[R]]
func.func @scatter_elements_add(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %r = kiln.scatter_elements %x, %i, %u {axis = 1 : i64, reduction = 1 : i32} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %r : tensor<3x3xf32>
}

// -----

// Without a reduction the update overwrites (nothing is read); max on an
// unsigned type compares unsigned.
// CHECK-LABEL: func.func @scatter_elements_kinds(
// CHECK: scf.for
// CHECK-NOT: arith.addf
// CHECK: tensor.insert
// CHECK: scf.for
// CHECK: arith.maxui
// CHECK: tensor.insert
// CHECK: return
func.func @scatter_elements_kinds(%x: tensor<4xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>, %y: tensor<4xui8>, %v: tensor<2xui8>) -> (tensor<4xf32>, tensor<4xui8>) {
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<4xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<4xf32>
  %1 = kiln.scatter_elements %y, %i, %v {axis = 0 : i64, reduction = 3 : i32} : (tensor<4xui8>, tensor<2xi64>, tensor<2xui8>) -> tensor<4xui8>
  return %0, %1 : tensor<4xf32>, tensor<4xui8>
}

// -----

// Empty updates leave the input unchanged: no loop.
// CHECK-LABEL: func.func @scatter_elements_empty(
// CHECK-SAME: %[[X:.*]]: tensor<4xf32>
// CHECK-NOT: scf.for
// CHECK: return %[[X]]
func.func @scatter_elements_empty(%x: tensor<4xf32>, %i: tensor<0xi64>, %u: tensor<0xf32>) -> tensor<4xf32> {
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<4xf32>, tensor<0xi64>, tensor<0xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// gather_nd with a batch dim: result dims (batch, tuple position, slice);
// the tuple's one index is read from the indices at (batch, position, 0).
// CHECK-LABEL: func.func @gather_nd(
// CHECK-SAME: %[[X:.*]]: tensor<2x3x4xf32>, %[[I:.*]]: tensor<2x5x1xi64>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x5x4xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: outs(%[[E]] : tensor<2x5x4xf32>)
// CHECK: %[[D0:.*]] = linalg.index 0 : index
// CHECK: %[[D1:.*]] = linalg.index 1 : index
// CHECK: %[[D2:.*]] = linalg.index 2 : index
// CHECK: %[[IDX:.*]] = tensor.extract %[[I]][%[[D0]], %[[D1]], %{{.*}}] : tensor<2x5x1xi64>
// CHECK: arith.minsi
// CHECK: %[[J:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[D0]], %[[J]], %[[D2]]] : tensor<2x3x4xf32>
// CHECK: linalg.yield %[[V]] : f32
// CHECK: return %[[R]]
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<2x5x1xi64>) -> tensor<2x5x4xf32> {
  %r = kiln.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x5x1xi64>) -> tensor<2x5x4xf32>
  return %r : tensor<2x5x4xf32>
}

// -----

// scatter_nd: loops over the updates (tuple position, slice dim); the
// tuple's two indices address dims 0 and 1, the slice dim is dim 2.
// CHECK-LABEL: func.func @scatter_nd_mul(
// CHECK-SAME: %[[X:.*]]: tensor<4x4x4xi32>, %[[I:.*]]: tensor<3x2xi64>, %[[U:.*]]: tensor<3x4xi32>)
// CHECK: %[[R:.*]] = scf.for %[[A:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[X]]) -> (tensor<4x4x4xi32>) {
// CHECK: scf.for %[[B:.*]] = {{.*}} iter_args(%[[ACC1:.*]] = %[[ACC]]) -> (tensor<4x4x4xi32>) {
// CHECK: tensor.extract %[[I]][%[[A]], %{{.*}}] : tensor<3x2xi64>
// CHECK: %[[J0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: tensor.extract %[[I]][%[[A]], %{{.*}}] : tensor<3x2xi64>
// CHECK: %[[J1:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[UPD:.*]] = tensor.extract %[[U]][%[[A]], %[[B]]] : tensor<3x4xi32>
// CHECK: %[[OLD:.*]] = tensor.extract %[[ACC1]][%[[J0]], %[[J1]], %[[B]]] : tensor<4x4x4xi32>
// CHECK: %[[P:.*]] = arith.muli %[[OLD]], %[[UPD]] : i32
// CHECK: tensor.insert %[[P]] into %[[ACC1]][%[[J0]], %[[J1]], %[[B]]] : tensor<4x4x4xi32>
// CHECK: return %[[R]]
func.func @scatter_nd_mul(%x: tensor<4x4x4xi32>, %i: tensor<3x2xi64>, %u: tensor<3x4xi32>) -> tensor<4x4x4xi32> {
  %r = kiln.scatter_nd %x, %i, %u {reduction = 2 : i32} : (tensor<4x4x4xi32>, tensor<3x2xi64>, tensor<3x4xi32>) -> tensor<4x4x4xi32>
  return %r : tensor<4x4x4xi32>
}

// -----

// A scatter_nd whose tuples address whole elements: scalar updates, one
// loop per tuple dim.
// CHECK-LABEL: func.func @scatter_nd_elements(
// CHECK-SAME: %[[X:.*]]: tensor<8xf32>, %[[I:.*]]: tensor<4x1xi64>, %[[U:.*]]: tensor<4xf32>)
// CHECK: scf.for %[[A:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[X]]) -> (tensor<8xf32>) {
// CHECK: tensor.extract %[[I]][%[[A]], %{{.*}}] : tensor<4x1xi64>
// CHECK: %[[J:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[UPD:.*]] = tensor.extract %[[U]][%[[A]]] : tensor<4xf32>
// CHECK: tensor.insert %[[UPD]] into %[[ACC]][%[[J]]] : tensor<8xf32>
func.func @scatter_nd_elements(%x: tensor<8xf32>, %i: tensor<4x1xi64>, %u: tensor<4xf32>) -> tensor<8xf32> {
  %r = kiln.scatter_nd %x, %i, %u : (tensor<8xf32>, tensor<4x1xi64>, tensor<4xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}
