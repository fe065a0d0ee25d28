/*===- gpu_emu_test.c - Unit test of the GPU emulation (cuda_emu.c) --------===*
 *
 * Hand-written kernels in the ABI of include/kiln/gpu_emulation.h, run
 * through the mgpu* entry points exactly as compiled host code calls them:
 *
 *   kiln-gpu-emu-test ok              a block exchanging values through
 *                                     shared memory behind a barrier
 *   kiln-gpu-emu-test missing-barrier the same kernel without its barrier:
 *                                     the two-order check names it
 *   kiln-gpu-emu-test divergent       half the block waits at a barrier,
 *                                     half returns
 *   kiln-gpu-emu-test oob             what a bounds check reports
 *   kiln-gpu-emu-test threads|shared|host-pointer   launch checks
 *===----------------------------------------------------------------------===*/
#include "kiln/gpu_emulation.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The mgpu* entry points (declared by MLIR's lowering, not in a header). */
void *mgpuModuleLoad(void *data, size_t size);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared);
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream);

enum { N = 64 };

/* out[t] = in[t] + in[N - 1 - t], the partner's value read from shared
 * memory that the partner wrote. */
static void exchange(void *const *params, void *shared, int64_t *ctx,
                     bool barrier) {
  const float *in = *(float *const *)params[0];
  float *out = *(float *const *)params[1];
  float *s = (float *)shared;
  int64_t t = ctx[KILN_EMU_CTX_THREAD_ID];
  s[t] = in[t];
  if (barrier)
    kiln_emu_barrier(ctx, 0);
  out[t] = s[t] + s[N - 1 - t];
}

static void with_barrier(void *const *params, void *shared, int64_t *ctx) {
  exchange(params, shared, ctx, true);
}

static void without_barrier(void *const *params, void *shared, int64_t *ctx) {
  exchange(params, shared, ctx, false);
}

/* Threads below N/2 wait at the barrier, the others return. */
static void divergent(void *const *params, void *shared, int64_t *ctx) {
  (void)params;
  (void)shared;
  if (ctx[KILN_EMU_CTX_THREAD_ID] < N / 2)
    kiln_emu_barrier(ctx, 0);
}

static void out_of_bounds(void *const *params, void *shared, int64_t *ctx) {
  (void)params;
  (void)shared;
  if (ctx[KILN_EMU_CTX_THREAD_ID] == 3)
    kiln_emu_shared_out_of_bounds(ctx, 1, 70, 64);
}

static char module_key[] = KILN_EMU_MODULE_MAGIC "test:kernels";

__attribute__((constructor)) static void register_kernels(void) {
  kiln_emu_register_kernel(module_key, "with_barrier", with_barrier,
                           N * sizeof(float), "pp", 1);
  kiln_emu_register_kernel(module_key, "without_barrier", without_barrier,
                           N * sizeof(float), "pp", 0);
  kiln_emu_register_kernel(module_key, "divergent", divergent, 0, "pp", 1);
  kiln_emu_register_kernel(module_key, "out_of_bounds", out_of_bounds, 256,
                           "pp", 0);
  kiln_emu_register_kernel(module_key, "big_shared", with_barrier, 0xc600,
                           "pp", 1);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kiln-gpu-emu-test CASE\n");
    return 2;
  }
  const char *what = argv[1];
  void *module = mgpuModuleLoad(module_key, strlen(module_key));
  float host_in[N], host_out[N];
  for (int i = 0; i < N; ++i)
    host_in[i] = (float)i;
  float *in = (float *)mgpuMemAlloc(sizeof host_in, NULL, false);
  float *out = (float *)mgpuMemAlloc(sizeof host_out, NULL, false);
  mgpuMemcpy(in, host_in, sizeof host_in, NULL);
  void *params[2] = {&in, &out};
  int64_t threads = N;
  const char *kernel = what;
  if (!strcmp(what, "ok"))
    kernel = "with_barrier";
  else if (!strcmp(what, "missing-barrier"))
    kernel = "without_barrier";
  else if (!strcmp(what, "oob"))
    kernel = "out_of_bounds";
  else if (!strcmp(what, "threads")) {
    kernel = "with_barrier";
    threads = 2048;
  } else if (!strcmp(what, "shared"))
    kernel = "big_shared";
  else if (!strcmp(what, "host-pointer")) {
    kernel = "with_barrier";
    static float *host_pointer;
    host_pointer = host_in;
    params[0] = &host_pointer;
  }
  void *f = mgpuModuleGetFunction(module, kernel);
  mgpuLaunchKernel(f, 1, 1, 1, threads, 1, 1, 0, NULL, params, NULL, 2);
  mgpuMemcpy(host_out, out, sizeof host_out, NULL);
  mgpuModuleUnload(module);
  for (int t = 0; t < N; ++t)
    if (host_out[t] != (float)(N - 1)) {
      printf("FAIL: out[%d] = %g, expected %d\n", t, host_out[t], N - 1);
      return 1;
    }
  printf("kiln-gpu-emu-test %s: passed\n", what);
  return 0;
}
