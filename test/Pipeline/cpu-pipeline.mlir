// RUN: model-opt %s -kiln-cpu-pipeline="vector-bits=512" | FileCheck %s
// RUN: model-opt %s -kiln-cpu-pipeline="opt-level=0" | FileCheck %s --check-prefix=O0

// The whole CPU flow on a conv + relu + max-pool model: kiln dialect in,
// one all-LLVM module out (kiln-verify-llvm-contract checks it), depending
// only on the Kiln runtime: bare pointers to the inputs, the output and the
// workspace; no heap allocation.
// CHECK: module attributes {{{.*}}kiln.workspace_size = {{[0-9]+}} : i64}
// CHECK-NOT: llvm.func @malloc
// CHECK: llvm.func @kiln_parallel_for(i64, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: llvm.func @main_graph(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// CHECK: llvm.call @kiln_parallel_for
// CHECK: llvm.intr.fmuladd({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// CHECK-NOT: memrefCopy
// CHECK-NOT: llvm.call @malloc
// O0-LABEL: llvm.func @main_graph(
// O0-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// O0-NOT: kiln_parallel_for
// O0-NOT: vector<
func.func @main_graph(%x: tensor<1x16x32x32xf32>, %w: tensor<32x16x3x3xf32>,
                      %b: tensor<32xf32>) -> tensor<1x32x16x16xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
                             pads = array<i64: 1, 1, 1, 1>, group = 1 : i64}
      : (tensor<1x16x32x32xf32>, tensor<32x16x3x3xf32>, tensor<32xf32>) -> tensor<1x32x32x32xf32>
  %1 = kiln.relu %0 : tensor<1x32x32x32xf32> -> tensor<1x32x32x32xf32>
  %2 = kiln.max_pool %1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>,
                         dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : tensor<1x32x32x32xf32> -> tensor<1x32x16x16xf32>
  return %2 : tensor<1x32x16x16xf32>
}
