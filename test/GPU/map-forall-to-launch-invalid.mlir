// RUN: model-opt %s -split-input-file -kiln-gpu-map-forall-to-launch -verify-diagnostics

func.func @host_compute(%a: memref<8xf32>) {
  %c = arith.constant 1.0 : f32
  // expected-error @+1 {{the CUDA target cannot run 'linalg.fill' outside a kernel}}
  linalg.fill ins(%c : f32) outs(%a : memref<8xf32>)
  return
}

// -----

func.func @dynamic_grid(%a: memref<?xf32>, %n: index) {
  // expected-error @+1 {{expected a block-mapped scf.forall with static trip counts}}
  scf.forall (%i) in (%n) {
    scf.forall (%j) in (4) {
      %v = memref.load %a[%i] : memref<?xf32>
      memref.store %v, %a[%j] : memref<?xf32>
    } {mapping = [#gpu.thread<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

func.func @too_many_threads(%a: memref<64x64xf32>) {
  // expected-error @+1 {{4096 threads in one block (at most 1024)}}
  scf.forall (%i) in (2) {
    scf.forall (%y, %x) in (64, 64) {
      %v = memref.load %a[%y, %x] : memref<64x64xf32>
      memref.store %v, %a[%x, %y] : memref<64x64xf32>
    } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

func.func @grid_too_large(%a: memref<70000x32xf32>) {
  // expected-error @+1 {{grid 1x70000x1 exceeds CUDA's limits}}
  scf.forall (%i, %j) in (70000, 1) {
    scf.forall (%x) in (32) {
      %v = memref.load %a[%i, %x] : memref<70000x32xf32>
      memref.store %v, %a[%i, %x] : memref<70000x32xf32>
    } {mapping = [#gpu.thread<x>]}
  } {mapping = [#gpu.block<y>, #gpu.block<x>]}
  return
}

// -----

// A buffer allocated in a block outside its thread loops would be private
// to each thread (and a copy into it would race with its updates).
func.func @block_level_buffer(%a: memref<4x32xf32>) {
  scf.forall (%i) in (4) {
    // expected-error @+1 {{a buffer allocated or copied in a block outside its thread loops (it would be per thread)}}
    %tmp = memref.alloca() : memref<32xf32>
    scf.forall (%x) in (32) {
      %v = memref.load %a[%i, %x] : memref<4x32xf32>
      memref.store %v, %tmp[%x] : memref<32xf32>
    } {mapping = [#gpu.thread<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// More than the 48 KiB of static shared memory a kernel may declare.
func.func @too_much_shared(%a: memref<4x32xf32>) {
  // expected-error @+1 {{the kernel needs 53248 bytes of shared memory (at most 49152 static)}}
  scf.forall (%i) in (4) {
    %big = memref.alloc() : memref<13312xf32, #gpu.address_space<workgroup>>
    scf.forall (%x) in (32) {
      %v = memref.load %a[%i, %x] : memref<4x32xf32>
      memref.store %v, %big[%x] : memref<13312xf32, #gpu.address_space<workgroup>>
    } {mapping = [#gpu.thread<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}
