// RUN: model-opt %s -kiln-cpu-vector-pipeline="vector-bits=512" | model-opt -kiln-cpu-bufferize-pipeline | FileCheck %s
// RUN: model-opt %s -kiln-cpu-vector-pipeline="opt-level=0" | model-opt -kiln-cpu-bufferize-pipeline | FileCheck %s --check-prefix=O0

// A model with a dynamic batch (1..200 rows): the output upper bounds are
// recorded for the ABI, the dynamically shaped result is computed in its
// out-param, the intermediate matmul result (read by the fused epilogue) is a
// view of the workspace sized for 200 rows (200 x 32 x 4 bytes), and no heap
// allocation is left. The rows below the register tile (at most 7) run as
// static 4/2/1-row pieces (loops of at most one iteration) that bufferize in
// place: no copy of that remainder slice, no second workspace slot.
// CHECK: module attributes {kiln.workspace_naive_size = 25600 : i64, kiln.workspace_size = 25600 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[X:.*]]: memref<?x64xf32>, %[[Y:.*]]: memref<?x32xf32>, %[[DIMS:.*]]: memref<2xi64>, %[[WS:.*]]: memref<25600xi8>)
// CHECK-SAME: kiln.output_upper_bounds = [array<i64: 200, 32>]
// CHECK: %[[M:.*]] = memref.dim %[[X]], %{{.*}} : memref<?x64xf32>
// CHECK: memref.view %[[WS]][%{{.*}}][%[[M]]] : memref<25600xi8> to memref<?x32xf32>
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: scf.for {{.*}} step %c4
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x32xf32> into vector<4x32xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: return
// O0: module attributes {kiln.workspace_naive_size = 25600 : i64, kiln.workspace_size = 25600 : i64}
// O0-LABEL: func.func @main_graph(
// O0-SAME: kiln.output_upper_bounds = [array<i64: 200, 32>]
// O0: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<?x64xf32>, memref<64x32xf32>) outs(%{{.*}} : memref<?x32xf32>)
// O0-NOT: memref.alloc
// O0-NOT: memref.copy
func.func @main_graph(%x: tensor<?x64xf32>) -> (tensor<?x32xf32>, tensor<2xi64>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 16, 200, 64, 64, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d0 = tensor.dim %x, %c0 : tensor<?x64xf32>
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %bias = arith.constant dense<0.25> : tensor<32xf32>
  %e = tensor.empty(%d0) : tensor<?x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%f : tensor<?x32xf32>) -> tensor<?x32xf32>
  %e2 = tensor.empty(%d0) : tensor<?x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : tensor<?x32xf32>, tensor<32xf32>) outs(%e2 : tensor<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x32xf32>
  %i = arith.index_cast %d0 : index to i64
  %c32 = arith.constant 32 : i64
  %dims = tensor.from_elements %i, %c32 : tensor<2xi64>
  return %r, %dims : tensor<?x32xf32>, tensor<2xi64>
}
