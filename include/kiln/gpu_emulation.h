/*===- kiln/gpu_emulation.h - ABI of --target=cuda-emu kernels --------------===*
 *
 * Plain C. The contract between the host code that --target=cuda-emu
 * generates for each GPU kernel (passes/GPU/GpuEmulateKernels.cpp,
 * GpuRegisterEmulatedKernels.cpp) and the emulation layer that runs it
 * (runtime/cuda/cuda_emu.c), behind the same mgpu* entry points as the CUDA
 * driver layer (runtime/cuda/cuda_runtime.c).
 *
 * Each kernel becomes one host function run once per emulated GPU thread:
 *
 *   void entry(void *const *params, void *shared, int64_t *ctx);
 *
 * - params: the launch's kernel arguments, exactly as mgpuLaunchKernel gets
 *   them (params[i] points at argument i);
 * - shared: the block's workgroup (shared) memory, `shared_bytes` bytes
 *   aligned to KILN_EMU_SHARED_ALIGN, one buffer per block, shared by the
 *   block's threads;
 * - ctx: this thread's ids and the launch dims, KILN_EMU_CTX_SIZE int64s
 *   laid out as below. The entry reads it and passes it back to the
 *   runtime calls (the runtime finds the thread it belongs to).
 *
 * A constructor in the model object registers every kernel before main:
 * kiln_emu_register_kernel(module_key, kernel, entry, shared_bytes,
 * param_kinds, barriers); `barriers` counts the kernel's synchronization
 * sites (gpu.barrier and warp-level ops: the threads of a kernel with any
 * run on fibers). module_key is the text of the module's `gpu.binary`
 * object (what mgpuModuleLoad gets), "kiln-emu:<model prefix>:<gpu.module
 * name>"; param_kinds has one letter per parameter: 'p' pointer (a device
 * buffer), 'i' integer, 'f' floating point.
 *
 * Ownership: the strings and functions are the model object's, never freed.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_GPU_EMULATION_H
#define KILN_GPU_EMULATION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Offsets of the int64 fields of a thread's ctx: x, y, z each. */
enum {
  KILN_EMU_CTX_THREAD_ID = 0,
  KILN_EMU_CTX_BLOCK_ID = 3,
  KILN_EMU_CTX_BLOCK_DIM = 6,
  KILN_EMU_CTX_GRID_DIM = 9,
  KILN_EMU_CTX_SIZE = 12,
};

/* Workgroup buffers of a kernel start at multiples of this in `shared`. */
enum { KILN_EMU_SHARED_ALIGN = 16 };

/* The prefix of every emulated module's gpu.binary object. */
#define KILN_EMU_MODULE_MAGIC "kiln-emu:"

typedef void (*kiln_emu_entry)(void *const *params, void *shared,
                               int64_t *ctx);

void kiln_emu_register_kernel(const char *module_key, const char *kernel,
                              kiln_emu_entry entry, int64_t shared_bytes,
                              const char *param_kinds, int64_t barriers);

/* gpu.barrier number `site` of the kernel (0-based, in program order): the
 * thread waits until every thread of its block has reached the same
 * barrier. */
void kiln_emu_barrier(int64_t *ctx, int64_t site);

/* A load or store at element `element` of workgroup buffer `buffer` (its
 * index among the kernel's workgroup attributions) of `elements` elements:
 * reports the kernel, block and thread, and exits with status 1. */
void kiln_emu_shared_out_of_bounds(int64_t *ctx, int64_t buffer,
                                   int64_t element, int64_t elements);

/* Warp-level matrix multiply-accumulate (mma.sync) of the warp the thread
 * belongs to (32 consecutive linear thread ids), at synchronization site
 * `site`: every lane passes its fragments of A, B and C (as f32, in the
 * element order of the PTX ISA's fragment layout for `kind`) and gets its
 * fragment of D = A * B + C. The call waits for the whole warp; lanes that
 * never reach it (or reach another site) are reported. tf32 operands lose
 * their 13 low mantissa bits as on the device. */
enum {
  KILN_EMU_MMA_M16N8K8_TF32 = 0,  /* a: 4, b: 2, c/d: 4 */
  KILN_EMU_MMA_M16N8K16_BF16 = 1, /* a: 8, b: 4, c/d: 4 */
  KILN_EMU_MMA_M16N8K16_F16 = 2,  /* a: 8, b: 4, c/d: 4 */
};
void kiln_emu_mma_sync(int64_t *ctx, int64_t site, int64_t kind,
                       const float *a, const float *b, const float *c,
                       float *d);

/* cp.async: queue a copy of `bytes` (4, 8 or 16; both addresses aligned to
 * it) from device memory `src` to workgroup memory `dst`; the first
 * `src_bytes` come from `src`, the rest are zeros. The copy happens at the
 * latest kiln_emu_async_wait that covers its group (a read of `dst` before
 * that sees the old contents, as it may on the device). */
void kiln_emu_async_copy(int64_t *ctx, int64_t dst, int64_t src, int64_t bytes,
                         int64_t src_bytes);
/* cp.async.commit_group: the thread's queued copies form a group. */
void kiln_emu_async_commit(int64_t *ctx);
/* cp.async.wait_group: completes the thread's groups but the newest
 * `pending`. */
void kiln_emu_async_wait(int64_t *ctx, int64_t pending);

#ifdef __cplusplus
}
#endif

#endif /* KILN_GPU_EMULATION_H */
