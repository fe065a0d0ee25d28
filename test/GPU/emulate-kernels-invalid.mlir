// RUN: model-opt %s --kiln-gpu-emulate-kernels -split-input-file -verify-diagnostics

// What the GPU emulation does not model is an error naming the op.
module attributes {gpu.container_module} {
  gpu.module @shuffle {
    gpu.func @shuffle(%out: memref<32xf32>) kernel {
      %tx = gpu.thread_id x
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %v = memref.load %out[%tx] : memref<32xf32>
      // expected-error@+1 {{'gpu.shuffle' op is not supported by the GPU emulation (--target=cuda-emu) yet}}
      %s, %ok = gpu.shuffle xor %v, %c1, %c32 : f32
      memref.store %s, %out[%tx] : memref<32xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @device_function {
    // expected-error@+1 {{'gpu.func' op is a device function; the GPU emulation (--target=cuda-emu) runs kernels only}}
    gpu.func @helper(%x: f32) {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @atomic {
    gpu.func @atomic(%v: f32) workgroup(%tile: memref<32xf32, #gpu.address_space<workgroup>>) kernel {
      %tx = gpu.thread_id x
      // expected-error@+1 {{'memref.atomic_rmw' op on workgroup memory is not supported by the GPU emulation (--target=cuda-emu) yet}}
      %old = memref.atomic_rmw addf %v, %tile[%tx] : (f32, memref<32xf32, #gpu.address_space<workgroup>>) -> f32
      gpu.return
    }
  }
}
