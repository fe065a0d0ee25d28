// RUN: model-opt %s -kiln-gpu-device-buffers | FileCheck %s

// A contiguous copy whose memrefs keep their source's strides (a slice
// along a size-1 dimension: one image of a channel concatenation, as in
// DenseNet) is a gpu.memcpy between identity-layout views of the same
// bytes (gpu.memcpy's lowering takes identity layouts only).
// CHECK-LABEL: func.func @main_graph(
// CHECK: %[[SRC:.*]] = memref.subview %{{.*}}[1, 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK: %[[DST:.*]] = memref.subview %{{.*}}[0, 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK: memref.extract_aligned_pointer_as_index %[[DST]]
// CHECK: %{{[a-z0-9_]+}}, %[[DOFF:[a-z0-9_]+]], %{{.*}} = memref.extract_strided_metadata %[[DST]]
// CHECK: %[[DOFF64:.*]] = arith.index_cast %[[DOFF]] : index to i64
// CHECK: %[[DPTR:.*]] = llvm.getelementptr %{{.*}}[%[[DOFF64]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK: %[[DVIEW:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)> to memref<1x4x8xf32>
// CHECK: memref.extract_aligned_pointer_as_index %[[SRC]]
// CHECK: %[[SVIEW:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<1x4x8xf32>
// CHECK: gpu.memcpy %[[DVIEW]], %[[SVIEW]] : memref<1x4x8xf32>, memref<1x4x8xf32>
// CHECK-NOT: memref.copy
func.func @main_graph(%in: memref<2x4x8xf32>, %out: memref<3x4x8xf32>) attributes {kiln.input_names = ["x"]} {
  %src = memref.subview %in[1, 0, 0] [1, 4, 8] [1, 1, 1] : memref<2x4x8xf32> to memref<1x4x8xf32, strided<[32, 8, 1], offset: 32>>
  %dst = memref.subview %out[0, 0, 0] [1, 4, 8] [1, 1, 1] : memref<3x4x8xf32> to memref<1x4x8xf32, strided<[32, 8, 1]>>
  memref.copy %src, %dst : memref<1x4x8xf32, strided<[32, 8, 1], offset: 32>> to memref<1x4x8xf32, strided<[32, 8, 1]>>
  return
}
