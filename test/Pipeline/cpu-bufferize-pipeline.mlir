// RUN: model-opt %s -kiln-cpu-bufferize-pipeline | FileCheck %s

// The result becomes an out-param written in place (no copy), the
// intermediate buffer a view of the caller's workspace (a trailing
// argument; no malloc/free), constants read-only globals.
// CHECK: module attributes {{{.*}}kiln.workspace_size = 16384 : i64}
// CHECK: memref.global "private" constant @{{.*}} : memref<64xf32> = dense<5.000000e-01>
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[A:.*]]: memref<64x64xf32>, %[[OUT:.*]]: memref<64x64xf32>, %[[WS:.*]]: memref<16384xi8>) {
// CHECK: %[[TMP:.*]] = memref.view %[[WS]][%{{.*}}][] : memref<16384xi8> to memref<64x64xf32>
// CHECK: linalg.generic {{.*}} outs(%[[TMP]] : memref<64x64xf32>)
// CHECK: linalg.fill {{.*}} outs(%[[OUT]] : memref<64x64xf32>)
// CHECK: linalg.matmul ins(%[[TMP]], %[[A]] : memref<64x64xf32>, memref<64x64xf32>) outs(%[[OUT]] : memref<64x64xf32>)
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @main_graph(%a: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %half = arith.constant dense<0.5> : tensor<64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a, %half : tensor<64x64xf32>, tensor<64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%x: f32, %h: f32, %o: f32):
    %y = math.exp %x : f32
    %z = arith.mulf %y, %h : f32
    linalg.yield %z : f32
  } -> tensor<64x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %1 = linalg.matmul ins(%0, %a : tensor<64x64xf32>, tensor<64x64xf32>)
                     outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %1 : tensor<64x64xf32>
}
