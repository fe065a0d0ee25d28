// RUN: model-opt %s -kiln-flatten-constant-globals | FileCheck %s

// Weights become 1-D globals over the same data (one LLVM constant instead
// of one per innermost row); users get their shape back with expand_shape.
// CHECK: memref.global "private" constant @w : memref<24xf32> = dense<{{\[}}0.000000e+00, 1.000000e+00,
// CHECK: memref.global "private" constant @r : memref<8xf32> = dense_resource<blob>
// CHECK: memref.global "private" constant @v : memref<4xf32> = dense<2.000000e+00>
// CHECK: memref.global "private" @state : memref<2x2xf32> = dense<0.000000e+00>
// CHECK-LABEL: func.func @use(
// CHECK: %[[F:.*]] = memref.get_global @w : memref<24xf32>
// CHECK: %[[W:.*]] = memref.expand_shape %[[F]] {{\[\[}}0, 1, 2]] output_shape [2, 3, 4] : memref<24xf32> into memref<2x3x4xf32>
// CHECK: %[[G:.*]] = memref.get_global @r : memref<8xf32>
// CHECK: memref.expand_shape %[[G]] {{\[\[}}0, 1]] output_shape [2, 4] : memref<8xf32> into memref<2x4xf32>
// CHECK: memref.get_global @v : memref<4xf32>
// CHECK: memref.get_global @state : memref<2x2xf32>
memref.global "private" constant @w : memref<2x3x4xf32> =
    dense<[[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]],
           [[12.0, 13.0, 14.0, 15.0], [16.0, 17.0, 18.0, 19.0], [20.0, 21.0, 22.0, 23.0]]]>
memref.global "private" constant @r : memref<2x4xf32> = dense_resource<blob>
memref.global "private" constant @v : memref<4xf32> = dense<2.0>
memref.global "private" @state : memref<2x2xf32> = dense<0.0>
func.func @use() -> (memref<2x3x4xf32>, memref<2x4xf32>, memref<4xf32>, memref<2x2xf32>) {
  %0 = memref.get_global @w : memref<2x3x4xf32>
  %1 = memref.get_global @r : memref<2x4xf32>
  %2 = memref.get_global @v : memref<4xf32>
  %3 = memref.get_global @state : memref<2x2xf32>
  return %0, %1, %2, %3 : memref<2x3x4xf32>, memref<2x4xf32>, memref<4xf32>, memref<2x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F0000004000004040000080400000A0400000C0400000E04000000041"
    }
  }
#-}
