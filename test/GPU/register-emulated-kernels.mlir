// RUN: model-opt %s --kiln-gpu-register-emulated-kernels | FileCheck %s

// kiln-gpu-register-emulated-kernels: the lowered kernel gets an entry that
// unpacks mgpuLaunchKernel's `void **params` and calls it with (shared,
// ctx); a constructor registers it before the GPU modules are loaded.
module attributes {kiln.gpu_emulated_kernels = [{barriers = 2 : i64, function = @__kiln_emu_m_k, kernel = "k", module = "kiln-emu:p:m", shared_bytes = 128 : i64}]} {
  llvm.func @__kiln_emu_m_k(%out: !llvm.ptr, %n: i64, %scale: f32, %shared: !llvm.ptr, %ctx: !llvm.ptr) {
    llvm.return
  }
}

// CHECK-NOT: kiln.gpu_emulated_kernels
// CHECK-DAG: llvm.mlir.global internal constant @[[KINDS:.*]]("pif\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[NAME:.*]]("k\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[KEY:.*]]("kiln-emu:p:m\00")
// CHECK-LABEL: llvm.func internal @__kiln_emu_m_k(
// CHECK: llvm.func @kiln_emu_register_kernel(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, !llvm.ptr, i64)
// CHECK-LABEL: llvm.func internal @__kiln_emu_register_kernels()
// CHECK: %[[ENTRY:.*]] = llvm.mlir.addressof @__kiln_emu_m_k_entry
// CHECK: llvm.mlir.addressof @[[KEY]]
// CHECK: llvm.mlir.addressof @[[NAME]]
// CHECK: %[[SHARED:.*]] = llvm.mlir.constant(128 : i64)
// CHECK: llvm.mlir.addressof @[[KINDS]]
// CHECK: %[[BARRIERS:.*]] = llvm.mlir.constant(2 : i64)
// CHECK: llvm.call @kiln_emu_register_kernel(%{{.*}}, %{{.*}}, %[[ENTRY]], %[[SHARED]], %{{.*}}, %[[BARRIERS]])
// CHECK-LABEL: llvm.func internal @__kiln_emu_m_k_entry(
// CHECK-SAME: %[[PARAMS:.*]]: !llvm.ptr, %[[SH:.*]]: !llvm.ptr, %[[CTX:.*]]: !llvm.ptr)
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[PARAMS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[A0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[S1:.*]] = llvm.getelementptr %[[PARAMS]][1]
// CHECK: %[[P1:.*]] = llvm.load %[[S1]]
// CHECK: %[[A1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> i64
// CHECK: %[[S2:.*]] = llvm.getelementptr %[[PARAMS]][2]
// CHECK: %[[P2:.*]] = llvm.load %[[S2]]
// CHECK: %[[A2:.*]] = llvm.load %[[P2]] : !llvm.ptr -> f32
// CHECK: llvm.call @__kiln_emu_m_k(%[[A0]], %[[A1]], %[[A2]], %[[SH]], %[[CTX]])
// CHECK: llvm.return
// CHECK: llvm.mlir.global_ctors ctors = [@__kiln_emu_register_kernels], priorities = [101 : i32]
