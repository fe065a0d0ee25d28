// RUN: model-opt %s --kiln-gpu-emulate-kernels=symbol-prefix=m | FileCheck %s

// kiln-gpu-emulate-kernels on the ops of the contraction kernels: cp.async
// copies, groups and waits become calls that queue and complete per-thread
// copies (addresses as integers; the workgroup destination bounds-checked
// over all 4 elements); mma.sync spills the lane's fragments (as f32) to
// buffers for kiln_emu_mma_sync, a synchronization site like gpu.barrier,
// and reads its D fragment back.

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @k(%in: memref<16x8xf32>, %out: memref<4xf32>) workgroup(%tile: memref<16x8xf32, #gpu.address_space<workgroup>>) kernel {
      %tx = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c4 = arith.constant 4 : index
      %t = nvgpu.device_async_copy %in[%tx, %c0], %tile[%tx, %c0], 4, %c4 {bypassL1} : memref<16x8xf32> to memref<16x8xf32, #gpu.address_space<workgroup>>
      %g = nvgpu.device_async_create_group %t
      nvgpu.device_async_wait %g {numGroups = 0 : i32}
      gpu.barrier
      %v = vector.load %tile[%tx, %c0] : memref<16x8xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      %x = vector.extract %v[0] : f32 from vector<4xf32>
      %a = vector.broadcast %x : f32 to vector<4x1xf32>
      %b = vector.broadcast %x : f32 to vector<2x1xf32>
      %c = vector.broadcast %x : f32 to vector<2x2xf32>
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
      %y = vector.extract %d[1, 1] : f32 from vector<2x2xf32>
      memref.store %y, %out[%c0] : memref<4xf32>
      gpu.return
    }
  }
}

// CHECK: kiln.gpu_emulated_kernels = [{barriers = 2 : i64, function = @__kiln_emu_k_k
// CHECK-DAG: func.func private @kiln_emu_mma_sync(memref<12xindex>, index, index, memref<8xf32>, memref<4xf32>, memref<4xf32>, memref<4xf32>)
// CHECK-DAG: func.func private @kiln_emu_async_copy(memref<12xindex>, index, index, index, index)
// CHECK-DAG: func.func private @kiln_emu_async_commit(memref<12xindex>)
// CHECK-DAG: func.func private @kiln_emu_async_wait(memref<12xindex>, index)

// CHECK-LABEL: func.func @__kiln_emu_k_k(
// CHECK-SAME: %[[IN:.*]]: memref<16x8xf32>, %[[OUT:.*]]: memref<4xf32>, %[[SHARED:.*]]: memref<512xi8>, %[[CTX:.*]]: memref<12xindex>)
// CHECK: %[[TILE:.*]] = memref.view %[[SHARED]]
// CHECK-DAG: %[[FA:.*]] = memref.alloca() : memref<8xf32>
// CHECK-DAG: %[[FB:.*]] = memref.alloca() : memref<4xf32>
// CHECK-DAG: %[[FC:.*]] = memref.alloca() : memref<4xf32>
// CHECK-DAG: %[[FD:.*]] = memref.alloca() : memref<4xf32>
// The copy's destination: its first and last element inside the buffer.
// CHECK: %[[N:.*]] = arith.constant 128 : index
// CHECK: %[[FIRST:.*]] = arith.cmpi uge, %[[LIN:.*]], %[[N]]
// CHECK: %[[LAST:.*]] = arith.addi %[[LIN]], %{{.*}}
// CHECK: %[[LASTBAD:.*]] = arith.cmpi uge, %[[LAST]], %[[N]]
// CHECK: %[[BAD:.*]] = arith.ori %[[FIRST]], %[[LASTBAD]]
// CHECK: scf.if %[[BAD]]
// CHECK: func.call @kiln_emu_shared_out_of_bounds
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: call @kiln_emu_async_copy(%[[CTX]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: call @kiln_emu_async_commit(%[[CTX]])
// CHECK: call @kiln_emu_async_wait(%[[CTX]], %{{.*}})
// CHECK: call @kiln_emu_barrier(%[[CTX]]
// CHECK: func.call @kiln_emu_shared_out_of_bounds
// CHECK: vector.load %[[TILE]]
// CHECK-COUNT-4: memref.store %{{.*}}, %[[FA]]
// CHECK-COUNT-2: memref.store %{{.*}}, %[[FB]]
// CHECK-COUNT-4: memref.store %{{.*}}, %[[FC]]
// CHECK: call @kiln_emu_mma_sync(%[[CTX]], %{{.*}}, %{{.*}}, %[[FA]], %[[FB]], %[[FC]], %[[FD]])
// CHECK-COUNT-4: memref.load %[[FD]]
// CHECK: memref.store %{{.*}}, %[[OUT]]
