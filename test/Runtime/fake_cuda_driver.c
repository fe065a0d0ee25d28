/*===- fake_cuda_driver.c - A stand-in libcuda.so.1 for runtime tests -----===*
 *
 * Built as libcuda.so.1 in its own folder: with LD_LIBRARY_PATH pointing
 * there, runtime/cuda/cuda_runtime.c loads it instead of the NVIDIA driver,
 * so its use of the driver API is tested on machines without a GPU. It
 * runs nothing: kernel launches, the calls that configure kernels and event
 * records are printed to stdout (`fake-cuda: ...`), memory is host memory,
 * events are numbered in creation order and any two are 1.5 ms apart. Like the real driver, a launch asking for more than 48 KiB of
 * dynamic shared memory fails with CUDA_ERROR_INVALID_VALUE unless the
 * kernel's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES was raised to
 * cover it, and that attribute cannot exceed 227 KiB (sm_90).
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum { OK = 0, INVALID_VALUE = 1, MAX_DYNAMIC_SHARED = 8 };
#define DEFAULT_SHARED (48 * 1024)
#define MAX_SHARED (227 * 1024)

/* A kernel: its name and its dynamic shared memory limit. */
typedef struct {
  char name[64];
  int max_dynamic_shared;
} fake_function;

#define EXPORT __attribute__((visibility("default")))

EXPORT CUresult cuInit(unsigned flags) { return flags == 0 ? OK : INVALID_VALUE; }

EXPORT CUresult cuGetErrorName(CUresult r, const char **name) {
  *name = r == INVALID_VALUE ? "CUDA_ERROR_INVALID_VALUE" : "CUDA_ERROR_UNKNOWN";
  return OK;
}

EXPORT CUresult cuGetErrorString(CUresult r, const char **text) {
  *text = r == INVALID_VALUE ? "invalid argument" : "unknown error";
  return OK;
}

EXPORT CUresult cuDeviceGetCount(int *count) {
  *count = 1;
  return OK;
}

EXPORT CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return OK;
}

EXPORT CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  static int the_context;
  (void)device;
  *context = &the_context;
  return OK;
}

EXPORT CUresult cuCtxSetCurrent(void *context) {
  return context ? OK : INVALID_VALUE;
}

EXPORT CUresult cuModuleLoadData(void **module, const void *image) {
  static int the_module;
  (void)image;
  *module = &the_module;
  return OK;
}

/* Function handles belong to their module (freed when it is unloaded). */
static fake_function *functions[64];
static int num_functions;

EXPORT CUresult cuModuleUnload(void *module) {
  if (!module)
    return INVALID_VALUE;
  for (int i = 0; i < num_functions; ++i)
    free(functions[i]);
  num_functions = 0;
  return OK;
}

EXPORT CUresult cuModuleGetFunction(void **function, void *module,
                                    const char *name) {
  if (!module)
    return INVALID_VALUE;
  /* One handle per name, as the driver gives. */
  for (int i = 0; i < num_functions; ++i)
    if (strcmp(functions[i]->name, name) == 0) {
      *function = functions[i];
      return OK;
    }
  if (num_functions == 64)
    return INVALID_VALUE;
  fake_function *f = (fake_function *)calloc(1, sizeof *f);
  if (!f)
    return INVALID_VALUE;
  functions[num_functions++] = f;
  snprintf(f->name, sizeof f->name, "%s", name);
  f->max_dynamic_shared = DEFAULT_SHARED;
  *function = f;
  return OK;
}

EXPORT CUresult cuFuncSetAttribute(void *function, int attribute, int value) {
  fake_function *f = (fake_function *)function;
  printf("fake-cuda: cuFuncSetAttribute(%s, %d, %d)\n", f->name, attribute,
         value);
  if (attribute != MAX_DYNAMIC_SHARED || value < 0 || value > MAX_SHARED)
    return INVALID_VALUE;
  f->max_dynamic_shared = value;
  return OK;
}

EXPORT CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy,
                               unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned smem, void *stream,
                               void **params, void **extra) {
  fake_function *f = (fake_function *)function;
  (void)stream;
  (void)params;
  (void)extra;
  printf("fake-cuda: cuLaunchKernel(%s, grid %ux%ux%u, block %ux%ux%u, "
         "shared %u)\n", f->name, gx, gy, gz, bx, by, bz, smem);
  return smem <= (unsigned)f->max_dynamic_shared ? OK : INVALID_VALUE;
}

EXPORT CUresult cuStreamCreate(void **stream, unsigned flags) {
  static int the_stream;
  (void)flags;
  *stream = &the_stream;
  return OK;
}

EXPORT CUresult cuStreamDestroy_v2(void *stream) { (void)stream; return OK; }
EXPORT CUresult cuStreamSynchronize(void *stream) { (void)stream; return OK; }

EXPORT CUresult cuStreamWaitEvent(void *stream, void *event, unsigned flags) {
  (void)stream;
  (void)event;
  (void)flags;
  return OK;
}

EXPORT CUresult cuEventCreate(void **event, unsigned flags) {
  static int count;
  int *id = (int *)malloc(sizeof *id);
  (void)flags;
  if (!id)
    return INVALID_VALUE;
  *id = ++count;
  *event = id;
  return OK;
}

EXPORT CUresult cuEventDestroy_v2(void *event) {
  free(event);
  return OK;
}

EXPORT CUresult cuEventRecord(void *event, void *stream) {
  printf("fake-cuda: cuEventRecord(event %d, %s stream)\n", *(int *)event,
         stream ? "a" : "the default");
  return OK;
}

EXPORT CUresult cuEventSynchronize(void *event) { (void)event; return OK; }

EXPORT CUresult cuEventElapsedTime(float *ms, void *start, void *stop) {
  printf("fake-cuda: cuEventElapsedTime(event %d, event %d)\n",
         *(int *)start, *(int *)stop);
  *ms = 1.5f;
  return OK;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t bytes) {
  void *p = malloc(bytes);
  *ptr = (CUdeviceptr)(uintptr_t)p;
  return p ? OK : INVALID_VALUE;
}

EXPORT CUresult cuMemAllocManaged(CUdeviceptr *ptr, size_t bytes,
                                  unsigned flags) {
  (void)flags;
  return cuMemAlloc_v2(ptr, bytes);
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr ptr) {
  free((void *)(uintptr_t)ptr);
  return OK;
}

EXPORT CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  return OK;
}

EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                              void *stream) {
  (void)stream;
  return cuMemcpy(dst, src, bytes);
}

EXPORT CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t n,
                                 void *stream) {
  (void)stream;
  for (size_t i = 0; i < n; ++i)
    ((uint32_t *)(uintptr_t)dst)[i] = value;
  return OK;
}

EXPORT CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value,
                                 size_t n, void *stream) {
  (void)stream;
  for (size_t i = 0; i < n; ++i)
    ((uint16_t *)(uintptr_t)dst)[i] = value;
  return OK;
}
