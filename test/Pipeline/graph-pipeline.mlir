// RUN: model-opt %s -kiln-graph-pipeline | FileCheck %s

// The graph stage stays in the kiln dialect: a transpose pair cancels.
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NOT: kiln.transpose
// CHECK: %[[R:.*]] = kiln.relu %[[X]]
// CHECK: return %[[R]]
func.func @main_graph(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %1 = kiln.transpose %0 {perm = array<i64: 0, 2, 1>} : tensor<2x4x3xf32> -> tensor<2x3x4xf32>
  %2 = kiln.relu %1 : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  return %2 : tensor<2x3x4xf32>
}
