/*===- cuda_emu.c - The mgpu* entry points over a host emulation of the GPU -===*
 *
 * Executables compiled with --target=cuda-emu run the host code of
 * --target=cuda unchanged (module loads, launches, streams, device memory,
 * copies: the mgpu* calls of MLIR's GPU lowering, plus Kiln's
 * kiln_cuda_weight / kiln_cuda_workspace / kiln_device_init); this file
 * implements those entry points on the CPU, and runs each kernel as the
 * compiler emitted it for the host (include/kiln/gpu_emulation.h):
 *
 * - A launch runs its blocks one after the other. Each block gets its own
 *   workgroup (shared) memory, filled with 0xff bytes first (NaN floats) so
 *   that reading what no thread wrote shows in the results.
 * - A kernel without gpu.barrier runs its threads one after the other. A
 *   kernel with barriers runs each thread of a block on its own fiber
 *   (ucontext): kiln_emu_barrier switches back to the scheduler, which
 *   resumes the block's threads once every one of them waits at the same
 *   barrier. Threads that return while others wait, or that wait at
 *   different barriers, are reported (both hang or misbehave on a GPU).
 * - Order check (default; KILN_EMU_ORDER_CHECK=0 turns it off): every
 *   launch runs twice, blocks and threads in increasing and then in
 *   decreasing order, from the same device memory; results that differ mean
 *   a missing barrier or a race between threads or blocks, reported with the
 *   kernel's name.
 * - Device memory is separate host memory, tracked: a kernel pointer
 *   argument outside every device allocation (a host pointer), a copy that
 *   overruns a device buffer, a launch configuration beyond the limits of
 *   CUDA devices (1024 threads per block, 48 KiB of static shared memory,
 *   grid limits) and a workgroup-memory access outside its buffer are
 *   errors. New device memory is filled with 0xff bytes.
 *
 * Errors print `error: CUDA emulation: <what>` and exit with status 1 (the
 * mgpu* interface has no error results). Emulation is for correctness, not
 * speed: one CPU thread runs everything.
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "kiln/gpu_emulation.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* Limits of every CUDA device since compute capability 3.0. */
enum {
  KILN_EMU_MAX_THREADS = 1024,
  KILN_EMU_MAX_BLOCK_X = 1024,
  KILN_EMU_MAX_BLOCK_Y = 1024,
  KILN_EMU_MAX_BLOCK_Z = 64,
  KILN_EMU_MAX_GRID_YZ = 65535,
  KILN_EMU_MAX_STATIC_SHARED = 48 * 1024,
  KILN_EMU_FIBER_STACK = 256 * 1024,
};
static const int64_t max_grid_x = 2147483647;

static void emu_fatal(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
static void emu_fatal(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  fputs("error: CUDA emulation: ", stderr);
  vfprintf(stderr, fmt, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

static void *emu_malloc(size_t bytes) {
  void *p = malloc(bytes ? bytes : 1);
  if (!p)
    emu_fatal("out of host memory (%zu bytes)", bytes);
  return p;
}

/*===----------------------------------------------------------------------===*
 * Kernels and modules
 *===----------------------------------------------------------------------===*/

typedef struct {
  const char *module; /* "kiln-emu:<prefix>:<gpu.module>" */
  const char *name;
  kiln_emu_entry entry;
  int64_t shared_bytes;
  const char *param_kinds;
  size_t num_params;
  int64_t barriers;
} emu_kernel;

static emu_kernel *kernels;
static size_t num_kernels;

void kiln_emu_register_kernel(const char *module_key, const char *kernel,
                              kiln_emu_entry entry, int64_t shared_bytes,
                              const char *param_kinds, int64_t barriers) {
  for (size_t i = 0; i < num_kernels; ++i)
    if (!strcmp(kernels[i].module, module_key) &&
        !strcmp(kernels[i].name, kernel))
      emu_fatal("kernel %s of GPU module %s is defined twice (two models "
                "linked into one program need distinct --name)",
                kernel, module_key);
  emu_kernel *grown =
      (emu_kernel *)realloc(kernels, (num_kernels + 1) * sizeof *grown);
  if (!grown)
    emu_fatal("out of host memory");
  kernels = grown;
  emu_kernel *k = &kernels[num_kernels++];
  k->module = module_key;
  k->name = kernel;
  k->entry = entry;
  k->shared_bytes = shared_bytes;
  k->param_kinds = param_kinds;
  k->num_params = strlen(param_kinds);
  k->barriers = barriers;
}

typedef struct {
  char *key;
} emu_module;

/* The gpu.binary object of an emulated module is its key (not
 * NUL-terminated). */
void *mgpuModuleLoad(void *data, size_t size) {
  size_t magic = strlen(KILN_EMU_MODULE_MAGIC);
  if (size < magic || memcmp(data, KILN_EMU_MODULE_MAGIC, magic) != 0)
    emu_fatal("the GPU binary is not for the emulation (compile with "
              "--target=cuda-emu)");
  emu_module *m = (emu_module *)emu_malloc(sizeof *m);
  m->key = (char *)emu_malloc(size + 1);
  memcpy(m->key, data, size);
  m->key[size] = '\0';
  bool known = false;
  for (size_t i = 0; i < num_kernels && !known; ++i)
    known = !strcmp(kernels[i].module, m->key);
  if (!known)
    emu_fatal("GPU module %s has no registered kernels", m->key);
  return m;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  (void)data;
  (void)optLevel;
  emu_fatal("the GPU binary is PTX, not for the emulation (compile with "
            "--target=cuda-emu)");
}

void mgpuModuleUnload(void *handle) {
  emu_module *m = (emu_module *)handle;
  if (!m)
    return;
  free(m->key);
  free(m);
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  emu_module *m = (emu_module *)handle;
  if (!m)
    emu_fatal("kernel %s looked up in a GPU module that was never loaded",
              name);
  for (size_t i = 0; i < num_kernels; ++i)
    if (!strcmp(kernels[i].module, m->key) && !strcmp(kernels[i].name, name))
      return &kernels[i];
  emu_fatal("GPU module %s has no kernel %s", m->key, name);
}

/*===----------------------------------------------------------------------===*
 * Device memory
 *===----------------------------------------------------------------------===*/

typedef struct {
  char *base;
  size_t bytes;
} emu_allocation;

static emu_allocation *allocations;
static size_t num_allocations;
static pthread_mutex_t emu_lock = PTHREAD_MUTEX_INITIALIZER;

static void *device_alloc(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 256, bytes ? bytes : 1) != 0)
    emu_fatal("out of (emulated) device memory: %zu bytes", bytes);
  memset(p, 0xff, bytes);
  emu_allocation *grown = (emu_allocation *)realloc(
      allocations, (num_allocations + 1) * sizeof *grown);
  if (!grown)
    emu_fatal("out of host memory");
  allocations = grown;
  allocations[num_allocations].base = (char *)p;
  allocations[num_allocations].bytes = bytes;
  ++num_allocations;
  return p;
}

static void device_free(void *p) {
  for (size_t i = 0; i < num_allocations; ++i)
    if (allocations[i].base == p) {
      allocations[i] = allocations[--num_allocations];
      free(p);
      return;
    }
  emu_fatal("freeing %p, which is not device memory", p);
}

/* The device allocation holding [p, p + bytes), or NULL when p is not
 * device memory; a range that starts inside one but overruns it is an
 * error. */
static emu_allocation *find_allocation(const void *p, size_t bytes,
                                       const char *what) {
  const char *c = (const char *)p;
  for (size_t i = 0; i < num_allocations; ++i) {
    emu_allocation *a = &allocations[i];
    if (c < a->base || c > a->base + a->bytes)
      continue;
    if ((size_t)(c - a->base) + bytes > a->bytes)
      emu_fatal("%s: %zu bytes at offset %zu of a %zu-byte device buffer "
                "run past its end",
                what, bytes, (size_t)(c - a->base), a->bytes);
    return a;
  }
  return NULL;
}

int kiln_device_init(void) { return 0; }

static void **weights;
static size_t num_weights;

void *kiln_cuda_weight(int64_t id, const void *host, int64_t bytes) {
  pthread_mutex_lock(&emu_lock);
  if ((size_t)id >= num_weights) {
    size_t n = (size_t)id + 1;
    void **grown = (void **)realloc(weights, n * sizeof *grown);
    if (!grown)
      emu_fatal("out of host memory");
    memset(grown + num_weights, 0, (n - num_weights) * sizeof *grown);
    weights = grown;
    num_weights = n;
  }
  if (!weights[id]) {
    size_t size = bytes > 0 ? (size_t)bytes : 0;
    weights[id] = device_alloc(size);
    if (size)
      memcpy(weights[id], host, size);
  }
  void *d = weights[id];
  pthread_mutex_unlock(&emu_lock);
  return d;
}

static void *workspace;
static size_t workspace_bytes;

void *kiln_cuda_workspace(int64_t bytes) {
  size_t need = bytes > 0 ? (size_t)bytes : 1;
  pthread_mutex_lock(&emu_lock);
  if (need > workspace_bytes) {
    if (workspace)
      device_free(workspace);
    workspace = device_alloc(need);
    workspace_bytes = need;
  }
  void *w = workspace;
  pthread_mutex_unlock(&emu_lock);
  return w;
}

void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared) {
  (void)stream;
  if (hostShared)
    emu_fatal("managed (host-shared) memory is not emulated");
  if (bytes == 0)
    return NULL;
  pthread_mutex_lock(&emu_lock);
  void *p = device_alloc((size_t)bytes);
  pthread_mutex_unlock(&emu_lock);
  return p;
}

void mgpuMemFree(void *ptr, void *stream) {
  (void)stream;
  if (!ptr)
    return;
  pthread_mutex_lock(&emu_lock);
  device_free(ptr);
  pthread_mutex_unlock(&emu_lock);
}

/* Unified addressing, as with the driver: either side may be host or
 * device memory; device ranges must stay inside their buffers. */
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  (void)stream;
  pthread_mutex_lock(&emu_lock);
  find_allocation(dst, bytes, "memcpy destination");
  find_allocation(src, bytes, "memcpy source");
  pthread_mutex_unlock(&emu_lock);
  memmove(dst, src, bytes);
}

void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream) {
  (void)stream;
  pthread_mutex_lock(&emu_lock);
  if (!find_allocation(dst, count * 4, "memset"))
    emu_fatal("memset of %p, which is not device memory", dst);
  pthread_mutex_unlock(&emu_lock);
  uint32_t *p = (uint32_t *)dst;
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  void *stream) {
  (void)stream;
  pthread_mutex_lock(&emu_lock);
  if (!find_allocation(dst, count * 2, "memset"))
    emu_fatal("memset of %p, which is not device memory", dst);
  pthread_mutex_unlock(&emu_lock);
  uint16_t *p = (uint16_t *)dst;
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
}

/*===----------------------------------------------------------------------===*
 * Streams and events: launches run to completion when they are made.
 *===----------------------------------------------------------------------===*/

static int emu_stream, emu_event;

void *mgpuStreamCreate(void) { return &emu_stream; }
void mgpuStreamDestroy(void *stream) { (void)stream; }
void mgpuStreamSynchronize(void *stream) { (void)stream; }
void mgpuStreamWaitEvent(void *stream, void *event) {
  (void)stream;
  (void)event;
}
void *mgpuEventCreate(void) { return &emu_event; }
void mgpuEventDestroy(void *event) { (void)event; }
void mgpuEventSynchronize(void *event) { (void)event; }
void mgpuEventRecord(void *event, void *stream) {
  (void)event;
  (void)stream;
}

void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0)
    emu_fatal("only device 0 is emulated");
}

/*===----------------------------------------------------------------------===*
 * Threads of a block
 *===----------------------------------------------------------------------===*/

enum fiber_state { FIBER_RUNNABLE, FIBER_WAITING, FIBER_DONE };

typedef struct {
  int64_t ctx[KILN_EMU_CTX_SIZE]; /* first: kiln_emu_barrier finds the fiber */
  ucontext_t context;
  char *stack; /* KILN_EMU_FIBER_STACK bytes, the lowest page a guard */
  enum fiber_state state;
  int64_t site; /* the barrier it waits at */
} emu_fiber;

/* The launch being run (one at a time, under emu_lock). */
static struct {
  const emu_kernel *kernel;
  void *const *params;
  void *shared;
  bool fibers; /* threads run on fibers (the kernel has barriers) */
  emu_fiber *current;
  ucontext_t scheduler;
  int64_t plain_ctx[KILN_EMU_CTX_SIZE]; /* the thread without fibers */
} launch;

static emu_fiber *fiber_pool[KILN_EMU_MAX_THREADS];

static emu_fiber *get_fiber(size_t i) {
  if (fiber_pool[i])
    return fiber_pool[i];
  emu_fiber *f = (emu_fiber *)emu_malloc(sizeof *f);
  memset(f, 0, sizeof *f);
  void *stack = mmap(NULL, KILN_EMU_FIBER_STACK, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED)
    emu_fatal("cannot map a stack for an emulated thread");
  /* An overflow faults instead of writing into the next stack. */
  mprotect(stack, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE);
  f->stack = (char *)stack;
  fiber_pool[i] = f;
  return f;
}

static void describe_thread(const int64_t *ctx, char *out, size_t size) {
  snprintf(out, size,
           "thread (%lld,%lld,%lld) of block (%lld,%lld,%lld)",
           (long long)ctx[KILN_EMU_CTX_THREAD_ID],
           (long long)ctx[KILN_EMU_CTX_THREAD_ID + 1],
           (long long)ctx[KILN_EMU_CTX_THREAD_ID + 2],
           (long long)ctx[KILN_EMU_CTX_BLOCK_ID],
           (long long)ctx[KILN_EMU_CTX_BLOCK_ID + 1],
           (long long)ctx[KILN_EMU_CTX_BLOCK_ID + 2]);
}

static void fiber_main(void) {
  emu_fiber *f = launch.current;
  launch.kernel->entry(launch.params, launch.shared, f->ctx);
  f->state = FIBER_DONE;
  swapcontext(&f->context, &launch.scheduler);
  /* never resumed */
  abort();
}

void kiln_emu_barrier(int64_t *ctx, int64_t site) {
  if (!launch.fibers)
    emu_fatal("gpu.barrier outside of a kernel with barriers");
  emu_fiber *f = (emu_fiber *)(void *)ctx; /* ctx is the fiber's first field */
  f->state = FIBER_WAITING;
  f->site = site;
  swapcontext(&f->context, &launch.scheduler);
}

void kiln_emu_shared_out_of_bounds(int64_t *ctx, int64_t buffer,
                                   int64_t element, int64_t elements) {
  char thread[128];
  describe_thread(ctx, thread, sizeof thread);
  emu_fatal("kernel %s (%s): %s accesses element %lld of workgroup buffer "
            "%lld, which has %lld elements",
            launch.kernel->name, launch.kernel->module, thread,
            (long long)element, (long long)buffer, (long long)elements);
}

static void set_ids(int64_t *ctx, const int64_t block[3],
                    const int64_t thread[3], const int64_t block_dim[3],
                    const int64_t grid_dim[3]) {
  for (int d = 0; d < 3; ++d) {
    ctx[KILN_EMU_CTX_THREAD_ID + d] = thread[d];
    ctx[KILN_EMU_CTX_BLOCK_ID + d] = block[d];
    ctx[KILN_EMU_CTX_BLOCK_DIM + d] = block_dim[d];
    ctx[KILN_EMU_CTX_GRID_DIM + d] = grid_dim[d];
  }
}

/* Thread `linear` (x fastest) of a block of `dim` threads. */
static void thread_of(int64_t linear, const int64_t dim[3], int64_t out[3]) {
  out[0] = linear % dim[0];
  out[1] = linear / dim[0] % dim[1];
  out[2] = linear / (dim[0] * dim[1]);
}

static void run_block(const int64_t block[3], const int64_t block_dim[3],
                      const int64_t grid_dim[3], bool reverse) {
  int64_t n = block_dim[0] * block_dim[1] * block_dim[2];
  memset(launch.shared, 0xff, (size_t)launch.kernel->shared_bytes);
  if (!launch.fibers) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t thread[3];
      thread_of(reverse ? n - 1 - i : i, block_dim, thread);
      set_ids(launch.plain_ctx, block, thread, block_dim, grid_dim);
      launch.kernel->entry(launch.params, launch.shared, launch.plain_ctx);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    emu_fiber *f = get_fiber((size_t)i);
    int64_t thread[3];
    thread_of(i, block_dim, thread);
    set_ids(f->ctx, block, thread, block_dim, grid_dim);
    f->state = FIBER_RUNNABLE;
    getcontext(&f->context);
    f->context.uc_stack.ss_sp = f->stack;
    f->context.uc_stack.ss_size = KILN_EMU_FIBER_STACK;
    f->context.uc_link = NULL;
    makecontext(&f->context, fiber_main, 0);
  }
  for (;;) {
    for (int64_t i = 0; i < n; ++i) {
      emu_fiber *f = fiber_pool[reverse ? n - 1 - i : i];
      if (f->state != FIBER_RUNNABLE)
        continue;
      launch.current = f;
      swapcontext(&launch.scheduler, &f->context);
    }
    /* Every thread now waits at a barrier or has returned. */
    emu_fiber *waiting = NULL, *done = NULL;
    for (int64_t i = 0; i < n; ++i) {
      emu_fiber *f = fiber_pool[i];
      if (f->state == FIBER_DONE) {
        done = done ? done : f;
        continue;
      }
      if (waiting && f->site != waiting->site) {
        char a[128], b[128];
        describe_thread(waiting->ctx, a, sizeof a);
        describe_thread(f->ctx, b, sizeof b);
        emu_fatal("kernel %s (%s): %s waits at gpu.barrier #%lld while %s "
                  "waits at gpu.barrier #%lld (divergent barriers)",
                  launch.kernel->name, launch.kernel->module, a,
                  (long long)waiting->site, b, (long long)f->site);
      }
      waiting = waiting ? waiting : f;
    }
    if (!waiting)
      return;
    if (done) {
      char a[128], b[128];
      describe_thread(waiting->ctx, a, sizeof a);
      describe_thread(done->ctx, b, sizeof b);
      emu_fatal("kernel %s (%s): %s waits at gpu.barrier #%lld, which %s "
                "never reaches (it returned)",
                launch.kernel->name, launch.kernel->module, a,
                (long long)waiting->site, b);
    }
    for (int64_t i = 0; i < n; ++i)
      fiber_pool[i]->state = FIBER_RUNNABLE;
  }
}

static void run_grid(const int64_t grid_dim[3], const int64_t block_dim[3],
                     bool reverse) {
  int64_t n = grid_dim[0] * grid_dim[1] * grid_dim[2];
  for (int64_t i = 0; i < n; ++i) {
    int64_t block[3];
    thread_of(reverse ? n - 1 - i : i, grid_dim, block);
    run_block(block, block_dim, grid_dim, reverse);
  }
}

static bool order_check_enabled(void) {
  static int enabled = -1;
  if (enabled < 0) {
    const char *env = getenv("KILN_EMU_ORDER_CHECK");
    enabled = !(env && !strcmp(env, "0"));
  }
  return enabled != 0;
}

/* The device buffers a launch's pointer arguments point into (each once). */
static size_t launch_buffers(const emu_kernel *k, void *const *params,
                             emu_allocation **out) {
  size_t n = 0;
  for (size_t i = 0; i < k->num_params; ++i) {
    if (k->param_kinds[i] != 'p')
      continue;
    void *p = *(void *const *)params[i];
    emu_allocation *a = find_allocation(p, 0, "kernel argument");
    if (!a)
      emu_fatal("kernel %s (%s): argument %zu (%p) is not device memory "
                "(a host pointer passed to a kernel)",
                k->name, k->module, i, p);
    bool seen = false;
    for (size_t j = 0; j < n && !seen; ++j)
      seen = out[j]->base == a->base;
    if (!seen)
      out[n++] = a;
  }
  return n;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  (void)stream;
  const emu_kernel *k = (const emu_kernel *)function;
  int64_t grid_dim[3] = {gridX, gridY, gridZ};
  int64_t block_dim[3] = {blockX, blockY, blockZ};
  if (extra)
    emu_fatal("kernel %s: launch with `extra` parameters is not emulated",
              k->name);
  if (paramsCount != k->num_params)
    emu_fatal("kernel %s (%s) takes %zu arguments, launched with %zu",
              k->name, k->module, k->num_params, paramsCount);
  for (int d = 0; d < 3; ++d)
    if (grid_dim[d] < 1 || block_dim[d] < 1)
      emu_fatal("kernel %s (%s): empty launch (grid %lldx%lldx%lld, block "
                "%lldx%lldx%lld)",
                k->name, k->module, (long long)gridX, (long long)gridY,
                (long long)gridZ, (long long)blockX, (long long)blockY,
                (long long)blockZ);
  if (blockX > KILN_EMU_MAX_BLOCK_X || blockY > KILN_EMU_MAX_BLOCK_Y ||
      blockZ > KILN_EMU_MAX_BLOCK_Z ||
      blockX * blockY * blockZ > KILN_EMU_MAX_THREADS)
    emu_fatal("kernel %s (%s): block of %lldx%lldx%lld threads (at most %d "
              "threads, %dx%dx%d)",
              k->name, k->module, (long long)blockX, (long long)blockY,
              (long long)blockZ, KILN_EMU_MAX_THREADS, KILN_EMU_MAX_BLOCK_X,
              KILN_EMU_MAX_BLOCK_Y, KILN_EMU_MAX_BLOCK_Z);
  if (gridX > max_grid_x || gridY > KILN_EMU_MAX_GRID_YZ ||
      gridZ > KILN_EMU_MAX_GRID_YZ)
    emu_fatal("kernel %s (%s): grid of %lldx%lldx%lld blocks (at most "
              "%lldx%dx%d)",
              k->name, k->module, (long long)gridX, (long long)gridY,
              (long long)gridZ, (long long)max_grid_x, KILN_EMU_MAX_GRID_YZ,
              KILN_EMU_MAX_GRID_YZ);
  if (k->shared_bytes > KILN_EMU_MAX_STATIC_SHARED)
    emu_fatal("kernel %s (%s): %lld bytes of static shared memory (0x%llx), "
              "more than the %d a kernel may declare statically",
              k->name, k->module, (long long)k->shared_bytes,
              (unsigned long long)k->shared_bytes,
              KILN_EMU_MAX_STATIC_SHARED);
  if (smem != 0)
    emu_fatal("kernel %s (%s): dynamic shared memory is not emulated",
              k->name, k->module);

  pthread_mutex_lock(&emu_lock);
  emu_allocation *buffers[64];
  emu_allocation **used =
      k->num_params > 64
          ? (emu_allocation **)emu_malloc(k->num_params * sizeof *used)
          : buffers;
  size_t num_used = launch_buffers(k, params, used);

  launch.kernel = k;
  launch.params = params;
  launch.fibers = k->barriers > 0;
  launch.shared = emu_malloc((size_t)k->shared_bytes);

  if (!order_check_enabled()) {
    run_grid(grid_dim, block_dim, false);
  } else {
    /* Run from the same memory in two orders; the results must agree. */
    char **before = (char **)emu_malloc(num_used * sizeof *before);
    char **first = (char **)emu_malloc(num_used * sizeof *first);
    for (size_t i = 0; i < num_used; ++i) {
      before[i] = (char *)emu_malloc(used[i]->bytes);
      memcpy(before[i], used[i]->base, used[i]->bytes);
    }
    run_grid(grid_dim, block_dim, false);
    for (size_t i = 0; i < num_used; ++i) {
      first[i] = (char *)emu_malloc(used[i]->bytes);
      memcpy(first[i], used[i]->base, used[i]->bytes);
      memcpy(used[i]->base, before[i], used[i]->bytes);
    }
    run_grid(grid_dim, block_dim, true);
    for (size_t i = 0; i < num_used; ++i) {
      emu_allocation *a = used[i];
      if (memcmp(first[i], a->base, a->bytes) != 0) {
        size_t at = 0;
        while (first[i][at] == a->base[at])
          ++at;
        emu_fatal("kernel %s (%s) computes different results when its "
                  "blocks and threads run in another order (first "
                  "difference at byte %zu of a %zu-byte device buffer): a "
                  "missing gpu.barrier or a race",
                  k->name, k->module, at, a->bytes);
      }
      free(before[i]);
      free(first[i]);
    }
    free(before);
    free(first);
  }
  free(launch.shared);
  launch.kernel = NULL;
  if (used != buffers)
    free(used);
  pthread_mutex_unlock(&emu_lock);
}
