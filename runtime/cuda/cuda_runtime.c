/*===- cuda_runtime.c - The mgpu* entry points over the CUDA driver -------===*
 *
 * Executables compiled with --target=cuda call the `mgpu*` functions that
 * MLIR's gpu-to-llvm lowering emits (module load, kernel lookup, launch,
 * streams, events, device memory, copies), plus Kiln's own:
 *
 *   kiln_cuda_weight(id, host, bytes)  device copy of weight `id`, uploaded
 *                                      on its first use and kept
 *   kiln_cuda_workspace(bytes)         the device workspace (one allocation
 *                                      kept across runs)
 *   kiln_device_init()                 main() calls it before running: 0, or
 *                                      prints `error: no CUDA driver/device:
 *                                      <reason>` and returns 1
 *   kiln_device_timer_start/stop()     --bench timing with CUDA events
 *   kiln_device_timer_scope()          what that timing covers (printed by
 *                                      --bench): the whole run, or with
 *                                      KILN_CUDA_TIMING=kernels its kernels
 *
 * The CUDA driver (libcuda.so.1) is loaded with dlopen on first use, so
 * nothing CUDA is needed at link time and the executable starts on any
 * machine. The GPU binary is registered by a constructor at program start
 * (mgpuModuleLoad); it is only loaded into the driver on first use. Driver
 * errors are fatal: the message names the call and the driver's error, and
 * the process exits with status 1 (the mgpu* interface has no error
 * results).
 *
 * The declarations below are this file's own minimal subset of the driver
 * API (the types are opaque handles and integers in cuda.h as well).
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef int CUresult; /* CUDA_SUCCESS == 0 */
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef unsigned long long CUdeviceptr;

enum { KILN_CU_ERROR_NO_DEVICE = 100, KILN_CU_EVENT_DEFAULT = 0,
       KILN_CU_STREAM_DEFAULT = 0,
       KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8 };

/* Shared memory a kernel may use without opting in (static and dynamic). */
#define KILN_CU_DEFAULT_SHARED_LIMIT (48 * 1024)

/* The driver entry points used, with their exported (versioned) names. */
#define KILN_CUDA_FUNCTIONS(X)                                                 \
  X(cuInit, "cuInit", CUresult, (unsigned))                                    \
  X(cuGetErrorName, "cuGetErrorName", CUresult, (CUresult, const char **))     \
  X(cuGetErrorString, "cuGetErrorString", CUresult, (CUresult, const char **)) \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult, (int *))                   \
  X(cuDeviceGet, "cuDeviceGet", CUresult, (CUdevice *, int))                   \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult,            \
    (CUcontext *, CUdevice))                                                   \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult, (CUcontext))                 \
  X(cuModuleLoadData, "cuModuleLoadData", CUresult, (CUmodule *, const void *)) \
  X(cuModuleUnload, "cuModuleUnload", CUresult, (CUmodule))                    \
  X(cuModuleGetFunction, "cuModuleGetFunction", CUresult,                      \
    (CUfunction *, CUmodule, const char *))                                    \
  X(cuFuncSetAttribute, "cuFuncSetAttribute", CUresult,                        \
    (CUfunction, int, int))                                                    \
  X(cuLaunchKernel, "cuLaunchKernel", CUresult,                                \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,   \
     unsigned, CUstream, void **, void **))                                    \
  X(cuStreamCreate, "cuStreamCreate", CUresult, (CUstream *, unsigned))        \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult, (CUstream))               \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult, (CUstream))          \
  X(cuStreamWaitEvent, "cuStreamWaitEvent", CUresult,                          \
    (CUstream, CUevent, unsigned))                                             \
  X(cuEventCreate, "cuEventCreate", CUresult, (CUevent *, unsigned))           \
  X(cuEventDestroy, "cuEventDestroy_v2", CUresult, (CUevent))                  \
  X(cuEventRecord, "cuEventRecord", CUresult, (CUevent, CUstream))             \
  X(cuEventSynchronize, "cuEventSynchronize", CUresult, (CUevent))             \
  X(cuEventElapsedTime, "cuEventElapsedTime", CUresult,                        \
    (float *, CUevent, CUevent))                                               \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult, (CUdeviceptr *, size_t))            \
  X(cuMemAllocManaged, "cuMemAllocManaged", CUresult,                          \
    (CUdeviceptr *, size_t, unsigned))                                         \
  X(cuMemFree, "cuMemFree_v2", CUresult, (CUdeviceptr))                        \
  X(cuMemcpy, "cuMemcpy", CUresult, (CUdeviceptr, CUdeviceptr, size_t))        \
  X(cuMemcpyAsync, "cuMemcpyAsync", CUresult,                                  \
    (CUdeviceptr, CUdeviceptr, size_t, CUstream))                              \
  X(cuMemsetD32Async, "cuMemsetD32Async", CUresult,                            \
    (CUdeviceptr, unsigned, size_t, CUstream))                                 \
  X(cuMemsetD16Async, "cuMemsetD16Async", CUresult,                            \
    (CUdeviceptr, unsigned short, size_t, CUstream))

#define KILN_DECLARE(name, symbol, ret, args) static ret(*p_##name) args;
KILN_CUDA_FUNCTIONS(KILN_DECLARE)
#undef KILN_DECLARE

/* Initialization state: 0 not tried, 1 ready, -1 failed (reason kept). */
static int init_state;
static char init_error[256];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CUcontext context;

static const char *error_name(CUresult r) {
  const char *name = NULL;
  if (p_cuGetErrorName && p_cuGetErrorName(r, &name) == 0 && name)
    return name;
  return "unknown CUDA error";
}

static void init_failed(const char *fmt, const char *what, CUresult r) {
  snprintf(init_error, sizeof init_error, fmt, what, error_name(r), (int)r);
  init_state = -1;
}

static void init_driver(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    snprintf(init_error, sizeof init_error,
             "cannot load libcuda.so.1 (the NVIDIA driver): %s",
             why ? why : "not found");
    init_state = -1;
    return;
  }
#define KILN_LOAD(name, symbol, ret, args)                                     \
  *(void **)(&p_##name) = dlsym(lib, symbol);                                  \
  if (!p_##name) {                                                             \
    snprintf(init_error, sizeof init_error,                                    \
             "libcuda.so.1 lacks %s (driver too old)", symbol);                \
    init_state = -1;                                                           \
    return;                                                                    \
  }
  KILN_CUDA_FUNCTIONS(KILN_LOAD)
#undef KILN_LOAD
  CUresult r = p_cuInit(0);
  if (r != 0) {
    init_failed("%s failed: %s (%d)", "cuInit", r);
    return;
  }
  int count = 0;
  r = p_cuDeviceGetCount(&count);
  if (r != 0) {
    init_failed("%s failed: %s (%d)", "cuDeviceGetCount", r);
    return;
  }
  if (count == 0) {
    snprintf(init_error, sizeof init_error, "no CUDA device found");
    init_state = -1;
    return;
  }
  CUdevice device;
  if ((r = p_cuDeviceGet(&device, 0)) != 0) {
    init_failed("%s failed: %s (%d)", "cuDeviceGet", r);
    return;
  }
  if ((r = p_cuDevicePrimaryCtxRetain(&context, device)) != 0) {
    init_failed("%s failed: %s (%d)", "cuDevicePrimaryCtxRetain", r);
    return;
  }
  if ((r = p_cuCtxSetCurrent(context)) != 0) {
    init_failed("%s failed: %s (%d)", "cuCtxSetCurrent", r);
    return;
  }
  init_state = 1;
}

/* Initializes the driver once; returns 0 when usable. */
static int ensure_init(void) {
  pthread_once(&init_once, init_driver);
  if (init_state == 1)
    /* Threads other than the first need the context too. */
    return p_cuCtxSetCurrent(context) == 0 ? 0 : -1;
  return -1;
}

static void fatal_no_device(void) {
  fprintf(stderr, "error: no CUDA driver/device: %s\n", init_error);
  exit(1);
}

static void check(CUresult r, const char *what) {
  if (r == 0)
    return;
  const char *text = NULL;
  if (p_cuGetErrorString)
    p_cuGetErrorString(r, &text);
  fprintf(stderr, "error: CUDA: %s failed: %s (%s)\n", what, error_name(r),
          text ? text : "no description");
  exit(1);
}

static void require_device(void) {
  if (ensure_init() != 0)
    fatal_no_device();
}

/*===----------------------------------------------------------------------===*
 * Kiln's services
 *===----------------------------------------------------------------------===*/

int kiln_device_init(void) {
  if (ensure_init() == 0)
    return 0;
  fprintf(stderr, "error: no CUDA driver/device: %s\n", init_error);
  return 1;
}

static CUdeviceptr *weights;
static size_t num_weights;
static pthread_mutex_t weights_lock = PTHREAD_MUTEX_INITIALIZER;

void *kiln_cuda_weight(int64_t id, const void *host,
                                   int64_t bytes) {
  require_device();
  pthread_mutex_lock(&weights_lock);
  if ((size_t)id >= num_weights) {
    size_t n = (size_t)id + 1;
    CUdeviceptr *grown = (CUdeviceptr *)realloc(weights, n * sizeof *grown);
    if (!grown) {
      fprintf(stderr, "error: out of memory\n");
      exit(1);
    }
    memset(grown + num_weights, 0, (n - num_weights) * sizeof *grown);
    weights = grown;
    num_weights = n;
  }
  if (!weights[id]) {
    CUdeviceptr d;
    check(p_cuMemAlloc(&d, bytes > 0 ? (size_t)bytes : 1), "cuMemAlloc");
    if (bytes > 0)
      check(p_cuMemcpy(d, (CUdeviceptr)(uintptr_t)host, (size_t)bytes),
            "cuMemcpy (weight upload)");
    weights[id] = d;
  }
  CUdeviceptr d = weights[id];
  pthread_mutex_unlock(&weights_lock);
  return (void *)(uintptr_t)d;
}

static CUdeviceptr workspace;
static size_t workspace_bytes;

void *kiln_cuda_workspace(int64_t bytes) {
  require_device();
  size_t need = bytes > 0 ? (size_t)bytes : 1;
  if (need > workspace_bytes) {
    if (workspace)
      check(p_cuMemFree(workspace), "cuMemFree");
    check(p_cuMemAlloc(&workspace, need), "cuMemAlloc (workspace)");
    workspace_bytes = need;
  }
  return (void *)(uintptr_t)workspace;
}

/* --bench timing: CUDA events around each run (input and output copies
 * included) or, with KILN_CUDA_TIMING=kernels, from the start of the run's
 * first kernel to the end of its last (mgpuLaunchKernel records them). */
static CUevent timer_events[2];
static int timing_kernels = -1; /* -1: KILN_CUDA_TIMING not read yet */
static bool timing_run;         /* between timer_start and timer_stop */
static bool timed_launch;       /* a kernel of this run was launched */

static bool time_kernels(void) {
  if (timing_kernels < 0) {
    const char *v = getenv("KILN_CUDA_TIMING");
    if (v && strcmp(v, "kernels") != 0 && strcmp(v, "run") != 0) {
      fprintf(stderr,
              "error: KILN_CUDA_TIMING is 'run' or 'kernels', not '%s'\n", v);
      exit(1);
    }
    timing_kernels = v && strcmp(v, "kernels") == 0;
  }
  return timing_kernels == 1;
}

const char *kiln_device_timer_scope(void) {
  return time_kernels()
             ? "CUDA events from the start of each run's first kernel to the "
               "end of its last (KILN_CUDA_TIMING=kernels: host<->device "
               "copies of inputs and outputs left out)"
             : "CUDA events around each run, host<->device copies included";
}

/* Starts a timed run; the whole run's clock starts on the legacy default
 * stream (which orders with the blocking streams the model runs on). */
void kiln_device_timer_start(void) {
  require_device();
  for (int i = 0; i < 2; ++i)
    if (!timer_events[i])
      check(p_cuEventCreate(&timer_events[i], KILN_CU_EVENT_DEFAULT),
            "cuEventCreate");
  if (time_kernels()) {
    timing_run = true;
    timed_launch = false;
    return;
  }
  check(p_cuEventRecord(timer_events[0], NULL), "cuEventRecord");
}

/* Milliseconds on the GPU since kiln_device_timer_start (the run's kernels
 * only with KILN_CUDA_TIMING=kernels; 0 for a run without kernels). */
double kiln_device_timer_stop(void) {
  if (time_kernels()) {
    timing_run = false;
    if (!timed_launch)
      return 0.0;
  } else {
    check(p_cuEventRecord(timer_events[1], NULL), "cuEventRecord");
  }
  check(p_cuEventSynchronize(timer_events[1]), "cuEventSynchronize");
  float ms = 0;
  check(p_cuEventElapsedTime(&ms, timer_events[0], timer_events[1]),
        "cuEventElapsedTime");
  return (double)ms;
}

/*===----------------------------------------------------------------------===*
 * The mgpu* interface of MLIR's gpu-to-llvm lowering
 *===----------------------------------------------------------------------===*/

/* A GPU binary registered at startup, loaded into the driver on first use. */
typedef struct {
  const void *data;
  size_t size;
  CUmodule module;
} kiln_cuda_module;

void *mgpuModuleLoad(void *data, size_t size) {
  kiln_cuda_module *m = (kiln_cuda_module *)calloc(1, sizeof *m);
  if (!m) {
    fprintf(stderr, "error: out of memory\n");
    exit(1);
  }
  m->data = data;
  m->size = size;
  return m;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  (void)optLevel; /* PTX is JIT-compiled by the driver at its own level */
  return mgpuModuleLoad(data, 0);
}

void mgpuModuleUnload(void *handle) {
  kiln_cuda_module *m = (kiln_cuda_module *)handle;
  if (!m)
    return;
  /* Runs from a destructor at exit: unload only what was loaded. */
  if (m->module && init_state == 1)
    p_cuModuleUnload(m->module);
  free(m);
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  kiln_cuda_module *m = (kiln_cuda_module *)handle;
  require_device();
  if (!m->module)
    check(p_cuModuleLoadData(&m->module, m->data),
          "cuModuleLoadData (no code for this GPU? see --gpu-arch)");
  CUfunction f;
  check(p_cuModuleGetFunction(&f, m->module, name), "cuModuleGetFunction");
  return f;
}

void mgpuLaunchKernel(void *function, intptr_t gridX,
                                  intptr_t gridY, intptr_t gridZ,
                                  intptr_t blockX, intptr_t blockY,
                                  intptr_t blockZ, int32_t smem, void *stream,
                                  void **params, void **extra,
                                  size_t paramsCount) {
  (void)paramsCount;
  /* More than 48 KiB of dynamic shared memory needs the kernel's opt-in:
   * its limit raised to what this launch asks for (the driver refuses
   * what the GPU cannot give, e.g. past 227 KiB on sm_90). */
  if (smem > KILN_CU_DEFAULT_SHARED_LIMIT)
    check(p_cuFuncSetAttribute(
              (CUfunction)function,
              KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem),
          "cuFuncSetAttribute (dynamic shared memory past 48 KiB)");
  if (timing_run && !timed_launch) {
    check(p_cuEventRecord(timer_events[0], (CUstream)stream),
          "cuEventRecord");
    timed_launch = true;
  }
  check(p_cuLaunchKernel((CUfunction)function, (unsigned)gridX,
                         (unsigned)gridY, (unsigned)gridZ, (unsigned)blockX,
                         (unsigned)blockY, (unsigned)blockZ, (unsigned)smem,
                         (CUstream)stream, params, extra),
        "cuLaunchKernel");
  if (timing_run)
    check(p_cuEventRecord(timer_events[1], (CUstream)stream), "cuEventRecord");
}

void *mgpuStreamCreate(void) {
  require_device();
  CUstream s;
  check(p_cuStreamCreate(&s, KILN_CU_STREAM_DEFAULT), "cuStreamCreate");
  return s;
}

void mgpuStreamDestroy(void *stream) {
  check(p_cuStreamDestroy((CUstream)stream), "cuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  check(p_cuStreamSynchronize((CUstream)stream), "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  check(p_cuStreamWaitEvent((CUstream)stream, (CUevent)event, 0),
        "cuStreamWaitEvent");
}

void *mgpuEventCreate(void) {
  require_device();
  CUevent e;
  check(p_cuEventCreate(&e, KILN_CU_EVENT_DEFAULT), "cuEventCreate");
  return e;
}

void mgpuEventDestroy(void *event) {
  check(p_cuEventDestroy((CUevent)event), "cuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  check(p_cuEventSynchronize((CUevent)event), "cuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  check(p_cuEventRecord((CUevent)event, (CUstream)stream), "cuEventRecord");
}

void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  (void)stream;
  require_device();
  CUdeviceptr d = 0;
  if (bytes == 0)
    return NULL;
  if (hostShared)
    check(p_cuMemAllocManaged(&d, bytes, 1 /* CU_MEM_ATTACH_GLOBAL */),
          "cuMemAllocManaged");
  else
    check(p_cuMemAlloc(&d, bytes), "cuMemAlloc");
  return (void *)(uintptr_t)d;
}

void mgpuMemFree(void *ptr, void *stream) {
  (void)stream;
  if (ptr)
    check(p_cuMemFree((CUdeviceptr)(uintptr_t)ptr), "cuMemFree");
}

/* Unified addressing: the driver tells host from device pointers. */
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  check(p_cuMemcpyAsync((CUdeviceptr)(uintptr_t)dst,
                        (CUdeviceptr)(uintptr_t)src, bytes, (CUstream)stream),
        "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, unsigned value, size_t count,
                              void *stream) {
  check(p_cuMemsetD32Async((CUdeviceptr)(uintptr_t)dst, value, count,
                           (CUstream)stream),
        "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                              void *stream) {
  check(p_cuMemsetD16Async((CUdeviceptr)(uintptr_t)dst, value, count,
                           (CUstream)stream),
        "cuMemsetD16Async");
}

void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0) {
    fprintf(stderr, "error: CUDA: only device 0 is supported\n");
    exit(1);
  }
}
