/*===- cuda_runtime_test.c - runtime/cuda/cuda_runtime.c over a fake driver =*
 *
 * kiln-cuda-runtime-test MODE: calls the mgpu* entry points the way a
 * --target=cuda executable does, with libcuda.so.1 the fake driver of
 * fake_cuda_driver.c (LD_LIBRARY_PATH), which prints the launches.
 *   launch       a kernel with 16 KiB of dynamic shared memory, then one
 *                with 96 KiB (it must opt in first); prints "passed"
 *   too-much     a kernel asking for 256 KiB: the driver refuses the opt-in
 *                and the runtime reports it (exit status 1)
 *   timing       one --bench-timed run (kiln_device_timer_start/stop) of
 *                two kernels on a stream; prints the milliseconds and what
 *                they cover (kiln_device_timer_scope: KILN_CUDA_TIMING)
 *===----------------------------------------------------------------------===*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int kiln_device_init(void);
void *mgpuModuleLoad(void *data, size_t size);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuModuleUnload(void *module);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate(void);
void mgpuStreamDestroy(void *stream);
void kiln_device_timer_start(void);
double kiln_device_timer_stop(void);
const char *kiln_device_timer_scope(void);

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kiln-cuda-runtime-test launch|too-much|timing\n");
    return 2;
  }
  if (kiln_device_init() != 0)
    return 1;
  static char image[] = "fake GPU binary";
  void *module = mgpuModuleLoad(image, sizeof image);
  if (strcmp(argv[1], "launch") == 0) {
    void *small = mgpuModuleGetFunction(module, "small_kernel");
    mgpuLaunchKernel(small, 4, 2, 1, 128, 1, 1, 16 * 1024, NULL, NULL, NULL,
                     0);
    void *big = mgpuModuleGetFunction(module, "big_kernel");
    mgpuLaunchKernel(big, 8, 1, 1, 256, 1, 1, 96 * 1024, NULL, NULL, NULL, 0);
    printf("passed\n");
    mgpuModuleUnload(module);
    return 0;
  }
  if (strcmp(argv[1], "too-much") == 0) {
    void *huge = mgpuModuleGetFunction(module, "huge_kernel");
    mgpuLaunchKernel(huge, 1, 1, 1, 32, 1, 1, 256 * 1024, NULL, NULL, NULL,
                     0);
    printf("launched\n");
    mgpuModuleUnload(module);
    return 0;
  }
  if (strcmp(argv[1], "timing") == 0) {
    void *first = mgpuModuleGetFunction(module, "first_kernel");
    void *second = mgpuModuleGetFunction(module, "second_kernel");
    void *stream = mgpuStreamCreate();
    kiln_device_timer_start();
    mgpuLaunchKernel(first, 1, 1, 1, 32, 1, 1, 0, stream, NULL, NULL, 0);
    mgpuLaunchKernel(second, 1, 1, 1, 32, 1, 1, 0, stream, NULL, NULL, 0);
    double ms = kiln_device_timer_stop();
    printf("%.1f ms: %s\n", ms, kiln_device_timer_scope());
    mgpuStreamDestroy(stream);
    mgpuModuleUnload(module);
    return 0;
  }
  fprintf(stderr, "kiln-cuda-runtime-test: unknown mode '%s'\n", argv[1]);
  mgpuModuleUnload(module);
  return 2;
}
