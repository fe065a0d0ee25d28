// RUN: model-opt %s -kiln-cpu-llvm-pipeline | FileCheck %s

// A model function with a dynamic batch (see
// test/Codegen/lower-dynamic-arguments.mlir) lowers to the bare-pointer
// convention: x, y, the dims result, the run-time input dims, the workspace.
// CHECK-LABEL: llvm.func @main_graph(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %[[IN_DIMS:.*]]: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK: llvm.load %[[IN_DIMS]] : !llvm.ptr -> i64
memref.global "private" constant @w : memref<64x32xf32> = dense<1.0>
func.func @main_graph(%x: memref<?x64xf32>, %y: memref<?x32xf32>, %dims: memref<2xi64>, %ws: memref<2048xi8>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 8, 8, 64, 64, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1>],
                kiln.output_upper_bounds = [array<i64: 8, 32>]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %t = memref.view %ws[%c0][%n] : memref<2048xi8> to memref<?x32xf32>
  %w = memref.get_global @w : memref<64x32xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%t : memref<?x32xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x32xf32>) outs(%t : memref<?x32xf32>)
  %i = arith.index_cast %n : index to i64
  %c32 = arith.constant 32 : i64
  memref.store %i, %dims[%c0] : memref<2xi64>
  memref.store %c32, %dims[%c1] : memref<2xi64>
  memref.copy %t, %y : memref<?x32xf32> to memref<?x32xf32>
  return
}
