// RUN: model-opt %s -kiln-lower-forall-to-runtime -canonicalize | FileCheck %s

// Each outermost scf.forall becomes kiln_parallel_for(trip count, body,
// context); the context struct holds the memref descriptors and scalars the
// body uses; the body runs iterations [begin, end) of the linearized space.

// CHECK: func.func private @kiln_parallel_for(i64, (!llvm.ptr, i64, i64) -> (), !llvm.ptr)
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[A:.*]]: memref<64x32xf32>, %[[B:.*]]: memref<64x32xf32>, %[[S:.*]]: f32)
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[EIGHT:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[F1:.*]] = constant @main_graph__kiln_par : (!llvm.ptr, i64, i64) -> ()
// CHECK-DAG: %[[F2:.*]] = constant @main_graph__kiln_par_0 : (!llvm.ptr, i64, i64) -> ()
// CHECK-DAG: %[[CTX1:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32)>
// CHECK: %[[DA:.*]] = builtin.unrealized_conversion_cast %[[A]] : memref<64x32xf32> to !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: llvm.store %[[DA]]
// CHECK: llvm.store %[[S]]
// CHECK: call @kiln_parallel_for(%[[TWO]], %[[F1]], %[[CTX1]])
// CHECK: call @kiln_parallel_for(%[[EIGHT]], %[[F2]], %{{.*}})
// CHECK-NOT: scf.forall

// The 2-D loop: the linear index is split back into (i, j).
// CHECK-LABEL: func.func private @main_graph__kiln_par_0(
// CHECK-SAME: %[[CTX:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK: %[[LB:.*]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK: %[[UB:.*]] = arith.index_cast %[[END]] : i64 to index
// CHECK: scf.for %[[IV:.*]] = %[[LB]] to %[[UB]]
// CHECK:   %[[J:.*]] = arith.remsi %[[IV]], %c2
// CHECK:   %[[I:.*]] = arith.divsi %[[IV]], %c2
// CHECK:   memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]

// CHECK-LABEL: func.func private @main_graph__kiln_par(
// CHECK: %[[D0:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: builtin.unrealized_conversion_cast %[[D0]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<64x32xf32>
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK: scf.for
// CHECK:   arith.muli %{{.*}}, %c32
// CHECK:   memref.subview
// CHECK:   linalg.generic
func.func @main_graph(%a: memref<64x32xf32>, %b: memref<64x32xf32>, %s: f32) {
  scf.forall (%i) = (0) to (64) step (32) {
    %sa = memref.subview %a[%i, 0] [32, 32] [1, 1]
        : memref<64x32xf32> to memref<32x32xf32, strided<[32, 1], offset: ?>>
    %sb = memref.subview %b[%i, 0] [32, 32] [1, 1]
        : memref<64x32xf32> to memref<32x32xf32, strided<[32, 1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                     affine_map<(d0, d1) -> (d0, d1)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%sa : memref<32x32xf32, strided<[32, 1], offset: ?>>)
        outs(%sb : memref<32x32xf32, strided<[32, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32):
      %m = arith.mulf %x, %s : f32
      linalg.yield %m : f32
    }
  }
  scf.forall (%i, %j) in (4, 2) {
    memref.store %s, %a[%i, %j] : memref<64x32xf32>
  }
  return
}
