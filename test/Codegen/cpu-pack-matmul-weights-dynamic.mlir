// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-pack-matmul-weights="vector-bits=128 min-work=16384" \
// RUN:   | FileCheck %s

// A dynamic M (rows of a batch): the constant weights are packed as for a
// static matmul (16 columns -> 2 panels of 8), the accumulator is viewed as
// [M, 2, 8] with M read from it. The work threshold counts M at its opt
// size (64 x 16 x 64 = 65536 >= 16384, though M may be 1).
// CHECK-LABEL: func.func @main_graph(
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<2x64x8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [%{{.*}}, 2, 8] : tensor<?x16xf32> into tensor<?x2x8xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<2x64x8xf32>) outs(%{{.*}} : tensor<?x2x8xf32>)
// CHECK: tensor.collapse_shape {{.*}} : tensor<?x2x8xf32> into tensor<?x16xf32>
func.func @main_graph(%a: tensor<?x64xf32>) -> tensor<?x16xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 64, 128, 64, 64, 64>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %m = tensor.dim %a, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%m) : tensor<?x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %r = linalg.matmul ins(%a, %w : tensor<?x64xf32>, tensor<64x16xf32>) outs(%f : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// -----

// The same matmul tuned for 2 rows (opt work 2048 < 16384): not packed.
// CHECK-LABEL: func.func @main_graph(
// CHECK: linalg.matmul
func.func @main_graph(%a: tensor<?x64xf32>) -> tensor<?x16xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 2, 128, 64, 64, 64>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %m = tensor.dim %a, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%m) : tensor<?x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %r = linalg.matmul ins(%a, %w : tensor<?x64xf32>, tensor<64x16xf32>) outs(%f : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}
