// RUN: model-opt %s -kiln-linalg-pipeline | FileCheck %s
// RUN: model-opt %s -kiln-linalg-pipeline="opt-level=0" | FileCheck %s --check-prefix=O0

// kiln -> linalg on tensors; the bias add and the ReLU fuse into one
// elementwise generic, the matmul stays a named contraction.
// CHECK-LABEL: func.func @main_graph(
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x32xf32>, tensor<32x64xf32>) outs(%[[F]] : tensor<16x64xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<16x64xf32>, tensor<64xf32>)
// CHECK:   arith.addf
// CHECK:   arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
// O0-LABEL: func.func @main_graph(
// O0: linalg.matmul
// O0-COUNT-2: linalg.generic
func.func @main_graph(%a: tensor<16x32xf32>, %b: tensor<32x64xf32>,
                      %c: tensor<64xf32>) -> tensor<16x64xf32> {
  %0 = kiln.matmul %a, %b : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
  %1 = kiln.add %0, %c : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  %2 = kiln.relu %1 : tensor<16x64xf32> -> tensor<16x64xf32>
  return %2 : tensor<16x64xf32>
}
