//===- Passes.td - Kiln GPU code generation passes ---------*- tablegen -*-===//
//
// The passes behind the GPU stages of `--target=cuda`
// (lib/Pipeline/GpuPipeline.cpp strings them together with upstream passes).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_GPU_PASSES_TD
#define KILN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnGpuConvToGemm : Pass<"kiln-gpu-conv-to-gemm", "::mlir::func::FuncOp"> {
  let summary = "Convolutions as GEMMs over gathered image columns";
  let description = [{
    Runs on linalg on tensors before kiln-gpu-tile-and-distribute. Each
    `linalg.conv_2d_nchw_fchw` with static f32 shapes becomes upstream's
    im2col form (`linalg::rewriteInIm2Col`): a generic gathering the image
    into columns [N, C*KH*KW, OH*OW], marked `kiln.gpu.gather`, and a GEMM
    generic (filter [F, C*KH*KW] x columns -> [N, F, OH*OW]) that the
    contraction kernels take. The columns are never written: the kernel
    reads the image through the gather's map while staging its B tiles
    (implicit GEMM). The GEMM's initializer (a named op such as the bias
    broadcast is generalized first) and its elementwise consumers absorb
    the reshapes around it (`populateFoldReshapeOpsByCollapsingPatterns`,
    limited to those reshapes), so they stay fused into the kernel.
    Grouped, depthwise and other convolutions are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def KilnGpuTileAndDistribute : Pass<"kiln-gpu-tile-and-distribute",
                                    "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops on tensors into scf.forall loops mapped to "
                "GPU blocks and threads";
  let description = [{
    Runs on linalg on tensors (the linalg stage). Every top-level tensor op
    that moves data becomes a structured op first: `tensor.pad` is
    decomposed into fill + insert_slice, and each top-level
    `tensor.insert_slice` copies its source with a `linalg.copy` into the
    slice of its destination, so all computation ends up in kernels.

    Then every top-level linalg op is a root, tiled (TilingInterface,
    `scf::tileConsumerAndFuseProducersUsingSCF`) into an `scf.forall` whose
    dimensions map to `#gpu.block<x/y/z>` (the innermost parallel loop to x;
    at most three loops are distributed, outer ones stay whole):

    - contractions (matmul, batch matmul) and elementwise ops that consume a
      contraction: 32x32 output tiles; the contraction is fused into its
      elementwise consumer (epilogue fusion) with its accumulator's
      producer (fill / bias broadcast);
    - everything else: 4x4x32 tiles (innermost last); the producers of
      accumulators (fill, broadcast) are fused into their consumer.

    An accumulator initializer (fill, bias broadcast) shared by several
    consumers is first cloned, one per consumer, so that each fuses it.

    Inside a block tile, a contraction's reduction loop is tiled by
    `reduction-tile` (scf.for) when it divides (halved until the staged
    operand tiles fit in 32 KiB, within the 48 KiB of static shared memory
    a kernel may declare), and its operand tiles are
    copied into workgroup (shared) memory:
    `bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>}`
    filled by a `linalg.copy`. Each op of a block tile (copies included) is
    then tiled into an `scf.forall` over at most `threads-x`/`threads-y`/
    `threads-z` threads (`numThreads` tiling, `#gpu.thread<x/y/z>`).

    Matmul-like contractions (one M, N and K dim, batch dims, f32
    multiply-add, operands without broadcasts; see
    `planContractionKernel`) take another path when
    `contraction-kernels` is set: the block tile (of the contraction or of
    its elementwise consumer) has the kernel's tile shape and thread count,
    and its ops are not distributed over threads here. The contraction is
    marked `kiln.gpu.contraction` (its config), its fused accumulator
    initializer `kiln.gpu.contraction_init`, its fused elementwise consumer
    `kiln.gpu.contraction_epilogue` (the operand that reads the
    contraction); kiln-gpu-contraction-kernel writes the kernel after
    bufferization. The accumulator between contraction and epilogue is a
    block-local `tensor.empty` (it lives in registers).

    Fails, naming the op, on a linalg op with dynamic loop ranges or
    without parallel loops, and on a top-level tensor op that would compute
    on the host.
  }];
  let options = [
    Option<"reductionTile", "reduction-tile", "int64_t", "32",
           "Reduction (K) step of contractions staged in shared memory">,
    Option<"promote", "promote", "bool", "true",
           "Stage contraction operand tiles in workgroup memory">,
    Option<"contractionKernels", "contraction-kernels", "bool", "true",
           "Plan register-tiled kernels for matmul-like contractions "
           "(kiln-gpu-contraction-kernel writes them)">,
    Option<"precision", "precision", "std::string", "\"fp32\"",
           "Multiplication precision of contraction kernels: fp32 (CUDA "
           "cores), tf32, bf16 or fp16 (tensor cores)">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def KilnGpuContractionKernel : Pass<"kiln-gpu-contraction-kernel",
                                    "::mlir::func::FuncOp"> {
  let summary = "Write the register-tiled kernels of the marked contractions";
  let description = [{
    Runs after bufferization, before kiln-gpu-map-forall-to-launch, on the
    block tiles kiln-gpu-tile-and-distribute marked (`kiln.gpu.contraction`,
    a config of tile sizes, warps or per-thread tile, precision and copy
    width). The marked contraction, with its marked initializer and
    epilogue, becomes one thread-level `scf.forall` of whole warps
    (`#gpu.thread<y>` = warp, `#gpu.thread<x>` = lane):

    - the A and B tiles of each K step are staged in workgroup buffers
      `memref<2 x outer x row>` (two stages, rows padded so that a warp's
      fragment reads fall on distinct banks) by
      `nvgpu.device_async_copy` (4 elements = 16 bytes where the operand's
      innermost extent allows, else 1), zero-filled past the operand's
      edges; one `nvgpu.device_async_create_group` per step, the next step
      prefetched while the current one is computed
      (`nvgpu.device_async_wait {numGroups = 1}`, `gpu.barrier`);
    - tf32/bf16/fp16: each warp owns a (bm/warps_m) x (bn/warps_n) tile of
      `nvgpu.mma.sync` accumulators (m16n8k8 tf32, m16n8k16 bf16/fp16 with
      the operands rounded by `arith.truncf` when read from shared memory),
      fragments read in the PTX ISA's lane layout;
    - fp32: each thread owns a tm x tn tile (`vector.fma` outer products);
    - accumulators are scf.for iter_args (registers). They start from the
      initializer's payload evaluated per element (or C's contents without
      one); the epilogue's payload is applied to them and its result
      stored once (or the accumulators stored into C), each element behind
      an edge check. Batch dims of the tile are loops around the pipeline.

    The marked ops and block-local buffers only they used are erased.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def KilnGpuLowerBf16Mma : Pass<"kiln-gpu-lower-bf16-mma"> {
  let summary = "Lower bf16 nvgpu.mma.sync to nvvm.mma.sync";
  let description = [{
    Upstream's convert-nvgpu-to-nvvm (LLVM 22) does not lower
    `nvgpu.mma.sync` with bf16 operands. Run on the device code just before
    it, this pass rewrites the m16n8k16 bf16 x bf16 + f32 form into
    `nvvm.mma.sync` (`multiplicandAPtxType = bf16`), each row of the A and
    B fragments (two bf16) packed into one i32 register as PTX passes
    them; the f32 accumulators go through unchanged. Any other bf16 form
    is an error naming the op. Other mma.sync ops are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::vector::VectorDialect"];
}

def KilnGpuMapForallToLaunch : Pass<"kiln-gpu-map-forall-to-launch",
                                    "::mlir::func::FuncOp"> {
  let summary = "Turn block/thread-mapped scf.forall loops (on buffers) into "
                "gpu.launch ops";
  let description = [{
    Runs after bufferization. Each top-level `scf.forall` mapped to
    `#gpu.block<...>` becomes a `gpu.launch` with one block per iteration;
    the `#gpu.thread<...>` foralls nested in it are distributed over the
    block's threads (upstream `mapNestedForallToThreadsImpl`, with a
    `gpu.barrier` after each; the block size is the largest thread count of
    each dimension, smaller foralls are predicated). Workgroup-memory
    `memref.alloc`s in a launch become workgroup attributions of the launch;
    `memref.get_global`s and constants used in a launch are hoisted above
    it (the host passes them as kernel arguments).

    A top-level `memref.copy` between strided buffers becomes a kernel of
    its own (a grid-stride loop over the elements, 256 threads per block);
    contiguous copies stay (kiln-gpu-device-buffers makes them
    `gpu.memcpy`). Any other top-level op that would touch tensor data on
    the host (a linalg op, a load or store, a loop) is an error: the host
    only allocates, views, copies and launches. So is a buffer allocated or
    copied in a block outside its thread loops (every thread would run it:
    a private buffer per thread, racing copies), and a kernel whose
    workgroup buffers need more than the 48 KiB of static shared memory a
    CUDA kernel may declare.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def KilnGpuDeviceBuffers : Pass<"kiln-gpu-device-buffers",
                                "::mlir::ModuleOp"> {
  let summary = "Make the model function's host buffers device buffers";
  let description = [{
    Runs on the model function `func-name` after
    kiln-gpu-map-forall-to-launch. Its arguments stay host pointers (the
    ABI of the CPU target); in the body:

    - each input gets a device copy (`memref.alloc` + `gpu.memcpy` host to
      device at entry), each output a device buffer copied back to the host
      (`gpu.memcpy`) before the return;
    - each weight (`memref.get_global`) becomes
      `func.call @kiln_cuda_weight(index, host, bytes)`: the runtime uploads
      it once, on the first run, and returns the device copy after that;
    - a top-level `memref.copy` between contiguous buffers becomes
      `gpu.memcpy`.

    The allocs are then planned by kiln-plan-workspace; with `workspace`
    set, this pass instead replaces the planned workspace argument's uses by
    `func.call @kiln_cuda_workspace(bytes)` (one device allocation the
    runtime keeps across runs), sets `kiln.gpu_workspace_size` and sets the
    host workspace `kiln.workspace_size` to 0.
  }];
  let options = [
    Option<"funcName", "func-name", "std::string", "\"main_graph\"",
           "Name of the model function">,
    Option<"workspace", "workspace", "bool", "false",
           "Second phase: the planned workspace becomes device memory">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def KilnGpuEmulateKernels : Pass<"kiln-gpu-emulate-kernels",
                                 "::mlir::ModuleOp"> {
  let summary = "Turn outlined GPU kernels into host functions run by the "
                "GPU emulation (--target=cuda-emu)";
  let description = [{
    Runs where `--target=cuda` lowers the outlined `gpu.module`s to NVVM:
    the same kernels become host code instead, run by the emulation layer
    (runtime/cuda/cuda_emu.c) once per emulated thread, so that every bug
    of the GPU lowering shows on a machine without a GPU. The ABI is
    `include/kiln/gpu_emulation.h`.

    Each kernel `gpu.func @K` of `gpu.module @M` becomes
    `func.func @__kiln_emu_M_K(<kernel args>, %shared: memref<Sxi8>,
    %ctx: memref<12xindex>)`:

    - `gpu.thread_id`/`block_id`/`block_dim`/`grid_dim` load from `%ctx`;
    - workgroup attributions become `memref.view`s of `%shared` (the
      block's workgroup memory, S bytes) and private attributions
      `memref.alloca`s (each emulated thread has its own stack); every
      load and store of workgroup memory is bounds-checked against its
      buffer (`kiln_emu_shared_out_of_bounds`);
    - `gpu.barrier` number N calls `kiln_emu_barrier(%ctx, N)`, where the
      runtime switches to the block's other threads;
    - `gpu.return` returns.

    `gpu.module @M` is replaced by `gpu.binary @M` whose object holds the
    key `kiln-emu:<symbol-prefix>:M`: the host code (`gpu.launch_func`,
    translated as for the device) loads it with `mgpuModuleLoad` and
    launches its kernels by name. The module attribute
    `kiln.gpu_emulated_kernels` lists the kernels for
    kiln-gpu-register-emulated-kernels.

    A GPU op the emulation does not model (shuffles, device functions,
    dynamic shared memory, ...) or an op other than a load or store on
    workgroup memory is an error naming the op.
  }];
  let options = [
    Option<"symbolPrefix", "symbol-prefix", "std::string", "\"main_graph\"",
           "The model's symbol prefix (module keys unique in a program)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect"];
}

def KilnGpuRegisterEmulatedKernels
    : Pass<"kiln-gpu-register-emulated-kernels", "::mlir::ModuleOp"> {
  let summary = "Entry points and registration of the emulated GPU kernels";
  let description = [{
    Runs on the llvm dialect, after the host lowering, on the kernels that
    kiln-gpu-emulate-kernels listed in `kiln.gpu_emulated_kernels`. For
    each, an internal `llvm.func @<kernel>_entry(%params, %shared, %ctx)`
    loads the kernel arguments from the `void **params` array of
    `mgpuLaunchKernel` and calls the kernel; a constructor
    (`llvm.mlir.global_ctors`, before the modules are loaded) calls
    `kiln_emu_register_kernel(module_key, name, entry, shared_bytes,
    param_kinds, barriers)` for every kernel. See
    `include/kiln/gpu_emulation.h`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_GPU_PASSES_TD
