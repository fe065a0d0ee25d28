// RUN: model-opt %s -kiln-gpu-device-buffers | FileCheck %s
// RUN: model-opt %s -kiln-gpu-device-buffers -kiln-plan-workspace -kiln-gpu-device-buffers=workspace=true | FileCheck %s --check-prefix=WS

// The model function keeps host pointers; its body works on device
// buffers: the input copied in at entry, the output copied back before the
// return, the weight obtained from the runtime (uploaded once) before any
// device work.
// CHECK: llvm.func @kiln_cuda_weight(i64, !llvm.ptr, i64) -> !llvm.ptr
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[IN:.*]]: memref<8x32xf32>, %[[OUT:.*]]: memref<8x32xf32>)
// CHECK: %[[HOST:.*]] = memref.get_global @w : memref<32xf32>
// CHECK: memref.extract_aligned_pointer_as_index %[[HOST]]
// CHECK-DAG: %[[ID:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-DAG: %[[BYTES:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK: llvm.call @kiln_cuda_weight(%[[ID]], %{{.*}}, %[[BYTES]])
// CHECK: %[[W:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<32xf32>
// CHECK-DAG: %[[DOUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8x32xf32>
// CHECK-DAG: %[[DIN:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8x32xf32>
// CHECK: gpu.memcpy %[[DIN]], %[[IN]]
// CHECK: gpu.launch
// CHECK: memref.load %[[DIN]]
// CHECK: memref.load %[[W]]
// CHECK: memref.store %{{.*}}, %[[DOUT]]
// CHECK: gpu.terminator
// A contiguous copy on the host is a device-to-device memcpy.
// CHECK: gpu.memcpy %[[DOUT]], %[[DIN]]
// CHECK: gpu.memcpy %[[OUT]], %[[DOUT]]
// CHECK-NEXT: return

// Then the device buffers are planned into one workspace, which the runtime
// allocates on the device; the host workspace is empty.
// WS: module attributes {kiln.gpu_workspace_size = 2048 : i64, kiln.workspace_naive_size = 0 : i64, kiln.workspace_size = 0 : i64}
// WS: llvm.func @kiln_cuda_workspace(i64) -> !llvm.ptr
// WS-LABEL: func.func @main_graph(
// WS-SAME: %{{.*}}: memref<8x32xf32>, %{{.*}}: memref<8x32xf32>, %{{.*}}: memref<2048xi8>)
// WS: %[[SIZE:.*]] = llvm.mlir.constant(2048 : i64) : i64
// WS: llvm.call @kiln_cuda_workspace(%[[SIZE]])
// WS: %[[DWS:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<2048xi8>
// WS: memref.view %[[DWS]]
// WS-NOT: memref.alloc
memref.global "private" constant @w : memref<32xf32> = dense<1.0>
func.func @main_graph(%in: memref<8x32xf32>, %out: memref<8x32xf32>) attributes {kiln.input_names = ["x"]} {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %w = memref.get_global @w : memref<32xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c8, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%bx, %tx] : memref<8x32xf32>
    %s = memref.load %w[%tx] : memref<32xf32>
    %r = arith.addf %v, %s : f32
    memref.store %r, %out[%bx, %tx] : memref<8x32xf32>
    gpu.terminator
  }
  memref.copy %in, %out : memref<8x32xf32> to memref<8x32xf32>
  return
}
