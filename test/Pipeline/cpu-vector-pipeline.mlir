// RUN: model-opt %s -kiln-cpu-vector-pipeline="vector-bits=512" | FileCheck %s
// RUN: model-opt %s -kiln-cpu-vector-pipeline="vector-bits=256 num-threads=1" \
// RUN:   | FileCheck %s --check-prefix=AVX2
// RUN: model-opt %s -kiln-cpu-vector-pipeline="opt-level=0" | FileCheck %s --check-prefix=O0

// Tiles and vectorizes on tensors: no linalg op is left, the matmul's inner
// loop is a vector.contract on a hoisted 8 x (2 vectors) accumulator.
// CHECK-LABEL: func.func @main_graph(
// CHECK: scf.forall
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<8x32xf32>)
// CHECK:   vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: arith.maximumf {{.*}} : vector<64xf32>
// CHECK-NOT: linalg.
// AVX2-LABEL: func.func @main_graph(
// AVX2-NOT: scf.forall
// AVX2: vector.contract {{.*}} : vector<8x1xf32>, vector<1x16xf32> into vector<8x16xf32>
// AVX2: arith.maximumf {{.*}} : vector<32xf32>
// O0-LABEL: func.func @main_graph(
// O0-NOT: vector.
// O0: linalg.matmul
// O0: linalg.generic
func.func @main_graph(%a: tensor<256x128xf32>, %b: tensor<128x256xf32>) -> tensor<256x256xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x256xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<256x256xf32>) -> tensor<256x256xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<256x128xf32>, tensor<128x256xf32>)
                      outs(%f : tensor<256x256xf32>) -> tensor<256x256xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<256x256xf32>) outs(%e : tensor<256x256xf32>) {
  ^bb0(%x: f32, %o: f32):
    %m = arith.maximumf %x, %cst : f32
    linalg.yield %m : f32
  } -> tensor<256x256xf32>
  return %r : tensor<256x256xf32>
}
