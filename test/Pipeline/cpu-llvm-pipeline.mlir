// RUN: model-opt %s -kiln-cpu-llvm-pipeline | FileCheck %s

// Bufferized, vectorized code to the llvm dialect: the model function takes
// bare pointers (inputs, then outputs), the scf.forall is outlined and run
// through the runtime's kiln_parallel_for, the contraction becomes FMAs.
// CHECK: llvm.func @kiln_parallel_for(i64, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: llvm.func @main_graph(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// CHECK: %[[FN:.*]] = llvm.mlir.addressof @main_graph__kiln_par : !llvm.ptr
// CHECK: llvm.call @kiln_parallel_for(%{{.*}}, %[[FN]], %{{.*}}) : (i64, !llvm.ptr, !llvm.ptr) -> ()
// CHECK: llvm.func internal @main_graph__kiln_par(%{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64)
// CHECK-COUNT-8: llvm.intr.fmuladd({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// CHECK-NOT: memrefCopy
#lhs = affine_map<(d0, d1, d2) -> (d0, d2)>
#rhs = affine_map<(d0, d1, d2) -> (d2, d1)>
#acc = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @main_graph(%A: memref<16x64xf32>, %B: memref<64x32xf32>, %C: memref<16x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  scf.forall (%i) = (0) to (16) step (8) {
    %a = memref.subview %A[%i, 0] [8, 64] [1, 1]
        : memref<16x64xf32> to memref<8x64xf32, strided<[64, 1], offset: ?>>
    %c = memref.subview %C[%i, 0] [8, 32] [1, 1]
        : memref<16x32xf32> to memref<8x32xf32, strided<[32, 1], offset: ?>>
    %init = vector.transfer_read %c[%c0, %c0], %pad {in_bounds = [true, true]}
        : memref<8x32xf32, strided<[32, 1], offset: ?>>, vector<8x32xf32>
    %r = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %init) -> (vector<8x32xf32>) {
      %va = vector.transfer_read %a[%c0, %k], %pad {in_bounds = [true, true]}
          : memref<8x64xf32, strided<[64, 1], offset: ?>>, vector<8x1xf32>
      %vb = vector.transfer_read %B[%k, %c0], %pad {in_bounds = [true, true]}
          : memref<64x32xf32>, vector<1x32xf32>
      %s = vector.contract {indexing_maps = [#lhs, #rhs, #acc],
                            iterator_types = ["parallel", "parallel", "reduction"],
                            kind = #vector.kind<add>}
          %va, %vb, %acc : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
      scf.yield %s : vector<8x32xf32>
    }
    vector.transfer_write %r, %c[%c0, %c0] {in_bounds = [true, true]}
        : vector<8x32xf32>, memref<8x32xf32, strided<[32, 1], offset: ?>>
  }
  return
}
