// RUN: model-opt %s --kiln-gpu-emulate-kernels=symbol-prefix=m | FileCheck %s

// kiln-gpu-emulate-kernels: an outlined kernel becomes a host function over
// (kernel args, the block's shared memory, the thread's ctx); its module a
// gpu.binary whose object is the key the emulation layer knows it by.

module attributes {gpu.container_module} {
  gpu.module @main_graph_kernel {
    gpu.func @main_graph_kernel(%out: memref<4x32xf32>, %n: index) workgroup(%tile: memref<32xf32, #gpu.address_space<workgroup>>) kernel {
      %tx = gpu.thread_id x
      %bx = gpu.block_id x
      %c31 = arith.constant 31 : index
      %v = arith.index_cast %tx : index to i32
      %f = arith.sitofp %v : i32 to f32
      memref.store %f, %tile[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %r = arith.subi %c31, %tx : index
      %view = memref.reinterpret_cast %tile to offset: [%r], sizes: [1], strides: [1] : memref<32xf32, #gpu.address_space<workgroup>> to memref<1xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %x = memref.load %view[%c0] : memref<1xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
      memref.store %x, %out[%bx, %tx] : memref<4x32xf32>
      gpu.barrier
      gpu.return
    }
  }
  func.func @main_graph(%out: memref<4x32xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c32 = arith.constant 32 : index
    gpu.launch_func @main_graph_kernel::@main_graph_kernel blocks in (%c4, %c1, %c1) threads in (%c32, %c1, %c1) args(%out : memref<4x32xf32>, %c4 : index)
    return
  }
}

// CHECK: module attributes {{{.*}}kiln.gpu_emulated_kernels = [{barriers = 2 : i64, function = @__kiln_emu_main_graph_kernel_main_graph_kernel, kernel = "main_graph_kernel", module = "kiln-emu:m:main_graph_kernel", shared_bytes = 128 : i64}]}
// CHECK-DAG: func.func private @kiln_emu_barrier(memref<12xindex>, index)
// CHECK-DAG: func.func private @kiln_emu_shared_out_of_bounds(memref<12xindex>, index, index, index)
// CHECK: gpu.binary @main_graph_kernel [#gpu.object<#nvvm.target, properties = {kiln.emulation}, bin = "kiln-emu:m:main_graph_kernel">]
// CHECK-NOT: gpu.module
// CHECK-LABEL: func.func @main_graph(
// CHECK: gpu.launch_func @main_graph_kernel::@main_graph_kernel

// CHECK-LABEL: func.func @__kiln_emu_main_graph_kernel_main_graph_kernel(
// CHECK-SAME: %[[OUT:.*]]: memref<4x32xf32>, %{{.*}}: index, %[[SHARED:.*]]: memref<128xi8>, %[[CTX:.*]]: memref<12xindex>)
// CHECK: %[[TILE:.*]] = memref.view %[[SHARED]][%{{.*}}][] : memref<128xi8> to memref<32xf32>
// Thread id x, block id x:
// CHECK: %[[TX:.*]] = memref.load %[[CTX]][%[[C0:.*]]] : memref<12xindex>
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[BX:.*]] = memref.load %[[CTX]][%[[C3]]] : memref<12xindex>
// Each workgroup access is checked against its buffer (32 elements):
// CHECK: %[[B:.*]], %[[OFF:.*]], %{{.*}}, %[[STRIDE:.*]] = memref.extract_strided_metadata %[[TILE]]
// CHECK: %[[MUL:.*]] = arith.muli %[[TX]], %[[STRIDE]]
// CHECK: %[[LIN:.*]] = arith.addi %[[OFF]], %[[MUL]]
// CHECK: %[[N:.*]] = arith.constant 32 : index
// CHECK: %[[BAD:.*]] = arith.cmpi uge, %[[LIN]], %[[N]]
// CHECK: scf.if %[[BAD]] {
// CHECK: func.call @kiln_emu_shared_out_of_bounds(%[[CTX]], %{{.*}}, %[[LIN]], %[[N]])
// CHECK: memref.store %{{.*}}, %[[TILE]][%[[TX]]] : memref<32xf32>
// CHECK: call @kiln_emu_barrier(%[[CTX]], %{{.*}})
// CHECK: %[[RC:.*]] = memref.reinterpret_cast %[[TILE]] to offset: [%{{.*}}], sizes: [1], strides: [1] : memref<32xf32> to memref<1xf32, strided<[1], offset: ?>>
// CHECK: memref.extract_strided_metadata %[[RC]]
// CHECK: func.call @kiln_emu_shared_out_of_bounds
// CHECK: memref.load %[[RC]]
// CHECK: memref.store %{{.*}}, %[[OUT]][%[[BX]], %[[TX]]] : memref<4x32xf32>
// CHECK: call @kiln_emu_barrier(%[[CTX]], %{{.*}})
// CHECK-NEXT: return
