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
 *   kiln-gpu-emu-test mma-tf32|mma-bf16   one warp's mma.sync m16n8k8 tf32 /
 *                                     m16n8k16 bf16, fragments in the PTX
 *                                     ISA's layout, against a reference
 *   kiln-gpu-emu-test mma-wrong-layout   the tf32 kernel with two A
 *                                     fragment elements swapped: wrong
 *                                     numbers, as on a GPU
 *   kiln-gpu-emu-test mma-divergent   half a warp reaches mma.sync
 *   kiln-gpu-emu-test cp-async|cp-async-no-wait   the exchange through
 *                                     shared memory filled by cp.async,
 *                                     with and without waiting for it
 *   kiln-gpu-emu-test cp-async-misaligned   a 16-byte copy off alignment
 *===----------------------------------------------------------------------===*/
#include "kiln/gpu_emulation.h"

#include <math.h>
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
void mgpuMemFree(void *ptr, void *stream);

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

/* The exchange with shared memory filled by cp.async (4 bytes per
 * thread), waited for or not. */
static void exchange_async(void *const *params, void *shared, int64_t *ctx,
                           bool wait) {
  const float *in = *(float *const *)params[0];
  float *out = *(float *const *)params[1];
  float *s = (float *)shared;
  int64_t t = ctx[KILN_EMU_CTX_THREAD_ID];
  kiln_emu_async_copy(ctx, (int64_t)(intptr_t)&s[t], (int64_t)(intptr_t)&in[t],
                      4, 4);
  kiln_emu_async_commit(ctx);
  if (wait)
    kiln_emu_async_wait(ctx, 0);
  kiln_emu_barrier(ctx, 0);
  out[t] = s[t] + s[N - 1 - t];
}

static void async_wait(void *const *params, void *shared, int64_t *ctx) {
  exchange_async(params, shared, ctx, true);
}

static void async_no_wait(void *const *params, void *shared, int64_t *ctx) {
  exchange_async(params, shared, ctx, false);
}

static void async_misaligned(void *const *params, void *shared, int64_t *ctx) {
  const float *in = *(float *const *)params[0];
  float *s = (float *)shared;
  kiln_emu_async_copy(ctx, (int64_t)(intptr_t)&s[4], (int64_t)(intptr_t)&in[1],
                      16, 16);
}

/* mma.sync of one warp: D (16x8) = A (16xK) * B (Kx8) + C, A row-major in
 * params[0], B row-major in params[1], C and D row-major in params[2] and
 * params[3]. Each lane gathers its fragments as the PTX ISA's tables
 * ("Matrix Fragments for mma.m16n8k8/.m16n8k16") place them, with
 * g = lane / 4 and t = lane % 4. */
enum { MMA_M = 16, MMA_N = 8, MMA_K_TF32 = 8, MMA_K_BF16 = 16 };

static void mma_kernel(void *const *params, int64_t *ctx, int64_t kind,
                       bool swap) {
  const float *a = *(float *const *)params[0];
  const float *b = *(float *const *)params[1];
  const float *c = *(float *const *)params[2];
  float *d = *(float *const *)params[3];
  int lane = (int)ctx[KILN_EMU_CTX_THREAD_ID];
  int g = lane / 4, t = lane % 4;
  float fa[8], fb[4], fc[4], fd[4];
  if (kind == KILN_EMU_MMA_M16N8K8_TF32) {
    int k = MMA_K_TF32;
    /* a0: (g, t), a1: (g+8, t), a2: (g, t+4), a3: (g+8, t+4) */
    fa[0] = a[g * k + t];
    fa[1] = a[(g + 8) * k + t];
    fa[2] = a[g * k + t + 4];
    fa[3] = a[(g + 8) * k + t + 4];
    if (swap) { /* a1 and a2 exchanged: a plausible layout mistake */
      float x = fa[1];
      fa[1] = fa[2];
      fa[2] = x;
    }
    /* b0: (t, g), b1: (t+4, g) */
    fb[0] = b[t * MMA_N + g];
    fb[1] = b[(t + 4) * MMA_N + g];
  } else {
    int k = MMA_K_BF16;
    /* a0,a1: (g, 2t+i); a2,a3: (g+8, 2t+i); a4,a5: (g, 2t+8+i);
     * a6,a7: (g+8, 2t+8+i); b0,b1: (2t+i, g); b2,b3: (2t+8+i, g) */
    for (int i = 0; i < 2; ++i) {
      fa[i] = a[g * k + 2 * t + i];
      fa[2 + i] = a[(g + 8) * k + 2 * t + i];
      fa[4 + i] = a[g * k + 2 * t + 8 + i];
      fa[6 + i] = a[(g + 8) * k + 2 * t + 8 + i];
      fb[i] = b[(2 * t + i) * MMA_N + g];
      fb[2 + i] = b[(2 * t + 8 + i) * MMA_N + g];
    }
  }
  /* c0: (g, 2t), c1: (g, 2t+1), c2: (g+8, 2t), c3: (g+8, 2t+1) */
  int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t,
                                                 2 * t + 1};
  for (int e = 0; e < 4; ++e)
    fc[e] = c[rows[e] * MMA_N + cols[e]];
  kiln_emu_mma_sync(ctx, 0, kind, fa, fb, fc, fd);
  for (int e = 0; e < 4; ++e)
    d[rows[e] * MMA_N + cols[e]] = fd[e];
}

static void mma_tf32(void *const *params, void *shared, int64_t *ctx) {
  (void)shared;
  mma_kernel(params, ctx, KILN_EMU_MMA_M16N8K8_TF32, false);
}

static void mma_bf16(void *const *params, void *shared, int64_t *ctx) {
  (void)shared;
  mma_kernel(params, ctx, KILN_EMU_MMA_M16N8K16_BF16, false);
}

static void mma_wrong_layout(void *const *params, void *shared, int64_t *ctx) {
  (void)shared;
  mma_kernel(params, ctx, KILN_EMU_MMA_M16N8K8_TF32, true);
}

static void mma_divergent(void *const *params, void *shared, int64_t *ctx) {
  (void)shared;
  if (ctx[KILN_EMU_CTX_THREAD_ID] < 16)
    mma_kernel(params, ctx, KILN_EMU_MMA_M16N8K8_TF32, false);
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
  kiln_emu_register_kernel(module_key, "async_wait", async_wait,
                           N * sizeof(float), "pp", 1);
  kiln_emu_register_kernel(module_key, "async_no_wait", async_no_wait,
                           N * sizeof(float), "pp", 1);
  kiln_emu_register_kernel(module_key, "async_misaligned", async_misaligned,
                           N * sizeof(float), "pp", 0);
  kiln_emu_register_kernel(module_key, "mma_tf32", mma_tf32, 0, "pppp", 1);
  kiln_emu_register_kernel(module_key, "mma_bf16", mma_bf16, 0, "pppp", 1);
  kiln_emu_register_kernel(module_key, "mma_wrong_layout", mma_wrong_layout,
                           0, "pppp", 1);
  kiln_emu_register_kernel(module_key, "mma_divergent", mma_divergent, 0,
                           "pppp", 1);
}

/* What the tensor core reads of an f32 operand. */
static float tf32_value(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  bits &= 0xffffe000u;
  memcpy(&x, &bits, sizeof bits);
  return x;
}

static float bf16_value(float x) { /* round to nearest even */
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  bits = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
  memcpy(&x, &bits, sizeof bits);
  return x;
}

/* Runs one warp of mma kernel `kernel` on fixed operands and compares D
 * with A * B + C computed in double from the operands as the tensor core
 * reads them (bf16 operands are rounded before the kernel sees them). */
static int run_mma(void *module, const char *kernel, bool bf16) {
  int k = bf16 ? MMA_K_BF16 : MMA_K_TF32;
  float a[MMA_M * MMA_K_BF16], b[MMA_K_BF16 * MMA_N], c[MMA_M * MMA_N],
      d[MMA_M * MMA_N];
  for (int i = 0; i < MMA_M * k; ++i)
    a[i] = (float)sin(0.7 * i + 0.1) * 1.3f;
  for (int i = 0; i < k * MMA_N; ++i)
    b[i] = (float)cos(0.3 * i + 0.2);
  for (int i = 0; i < MMA_M * MMA_N; ++i)
    c[i] = (float)(i % 7) - 3.0f;
  if (bf16) {
    for (int i = 0; i < MMA_M * k; ++i)
      a[i] = bf16_value(a[i]);
    for (int i = 0; i < k * MMA_N; ++i)
      b[i] = bf16_value(b[i]);
  }
  float *buffers[4];
  size_t sizes[4] = {sizeof(float) * MMA_M * k, sizeof(float) * k * MMA_N,
                     sizeof c, sizeof d};
  float *hosts[3] = {a, b, c};
  void *params[4];
  for (int i = 0; i < 4; ++i) {
    buffers[i] = (float *)mgpuMemAlloc(sizes[i], NULL, false);
    if (i < 3)
      mgpuMemcpy(buffers[i], hosts[i], sizes[i], NULL);
    params[i] = &buffers[i];
  }
  void *f = mgpuModuleGetFunction(module, kernel);
  mgpuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, params, NULL, 4);
  mgpuMemcpy(d, buffers[3], sizeof d, NULL);
  for (int i = 0; i < 4; ++i)
    mgpuMemFree(buffers[i], NULL);
  mgpuModuleUnload(module);
  for (int r = 0; r < MMA_M; ++r)
    for (int col = 0; col < MMA_N; ++col) {
      double ref = c[r * MMA_N + col];
      for (int i = 0; i < k; ++i) {
        float x = a[r * k + i], y = b[i * MMA_N + col];
        ref += bf16 ? (double)x * y : (double)tf32_value(x) * tf32_value(y);
      }
      double got = d[r * MMA_N + col];
      if (fabs(got - ref) > 1e-5 * (1 + fabs(ref))) {
        printf("FAIL: %s: d[%d][%d] = %.7g, expected %.7g\n", kernel, r, col,
               got, ref);
        return 1;
      }
    }
  printf("kiln-gpu-emu-test %s: passed\n", kernel);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kiln-gpu-emu-test CASE\n");
    return 2;
  }
  const char *what = argv[1];
  void *module = mgpuModuleLoad(module_key, strlen(module_key));
  if (!strcmp(what, "mma-tf32"))
    return run_mma(module, "mma_tf32", false);
  if (!strcmp(what, "mma-bf16"))
    return run_mma(module, "mma_bf16", true);
  if (!strcmp(what, "mma-wrong-layout"))
    return run_mma(module, "mma_wrong_layout", false);
  if (!strcmp(what, "mma-divergent"))
    return run_mma(module, "mma_divergent", false);
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
  else if (!strcmp(what, "cp-async"))
    kernel = "async_wait";
  else if (!strcmp(what, "cp-async-no-wait"))
    kernel = "async_no_wait";
  else if (!strcmp(what, "cp-async-misaligned"))
    kernel = "async_misaligned";
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
