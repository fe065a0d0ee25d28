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
 *   kernel with barriers runs each thread of a block on its own fiber (its
 *   own stack): kiln_emu_barrier switches back to the scheduler, which
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

#include <math.h>
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

enum fiber_state {
  FIBER_RUNNABLE,
  FIBER_WAITING, /* at gpu.barrier `site` */
  FIBER_WARP,    /* at warp-level op `site` */
  FIBER_DONE
};

/*===----------------------------------------------------------------------===*
 * Asynchronous copies (cp.async) of one thread: queued, done when a wait
 * covers their group (or when the thread returns).
 *===----------------------------------------------------------------------===*/
typedef struct {
  char *dst;
  const char *src;
  int64_t bytes, src_bytes, group;
} emu_async_copy;

typedef struct {
  emu_async_copy *copies; /* grown as needed, kept across launches */
  int64_t count;          /* queued copies */
  int64_t capacity;
  int64_t committed;      /* groups committed so far */
} emu_async_queue;

/* Completes the queued copies of groups older than `before`. */
static void complete_async(emu_async_queue *q, int64_t before) {
  int64_t kept = 0;
  for (int64_t i = 0; i < q->count; ++i) {
    emu_async_copy *c = &q->copies[i];
    if (c->group >= before) {
      q->copies[kept++] = *c;
      continue;
    }
    memcpy(c->dst, c->src, (size_t)c->src_bytes);
    memset(c->dst + c->src_bytes, 0, (size_t)(c->bytes - c->src_bytes));
  }
  q->count = kept;
}

/* The operands of the warp-level op a fiber waits at. */
typedef struct {
  int64_t kind;
  const float *a, *b, *c;
  float *d;
} emu_mma_args;

/*===----------------------------------------------------------------------===*
 * Fibers. On x86-64 a switch saves the callee-saved registers on the old
 * stack and loads the new stack pointer (a few ns: kernels with barriers
 * switch once per thread and barrier); elsewhere ucontext (a system call
 * per switch). Under AddressSanitizer every switch is announced
 * (__sanitizer_start/finish_switch_fiber), so that it knows which stack
 * is live.
 *===----------------------------------------------------------------------===*/

#if defined(__SANITIZE_ADDRESS__)
#define KILN_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KILN_EMU_ASAN 1
#endif
#endif
#ifdef KILN_EMU_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old,
                                     size_t *size_old);
#endif

#if defined(__x86_64__)
/* kiln_emu_switch(&save_sp, new_sp): pushes rbp, rbx, r12-r15 and the
 * MXCSR/x87 control words, saves rsp in *save_sp, continues on new_sp. */
void kiln_emu_switch(void **save_sp, void *new_sp);
__asm__(".text\n"
        ".p2align 4\n"
        ".type kiln_emu_switch,@function\n"
        ".hidden kiln_emu_switch\n"
        "kiln_emu_switch:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  subq $8, %rsp\n"
        "  stmxcsr (%rsp)\n"
        "  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  ldmxcsr (%rsp)\n"
        "  fldcw 4(%rsp)\n"
        "  addq $8, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size kiln_emu_switch, .-kiln_emu_switch\n");
#define KILN_EMU_ASM_SWITCH 1
#endif

typedef struct {
  int64_t ctx[KILN_EMU_CTX_SIZE]; /* first: kiln_emu_barrier finds the fiber */
#ifdef KILN_EMU_ASM_SWITCH
  void *sp;
#else
  ucontext_t context;
#endif
  char *stack; /* KILN_EMU_FIBER_STACK bytes, the lowest page a guard */
  void *fake_stack; /* ASan's, while switched out */
  enum fiber_state state;
  int64_t site; /* the barrier or warp-level op it waits at */
  emu_mma_args mma;
  emu_async_queue async;
} emu_fiber;

/* The launch being run (one at a time, under emu_lock). */
static struct {
  const emu_kernel *kernel;
  void *const *params;
  void *shared;
  bool fibers; /* threads run on fibers (the kernel has barriers) */
  emu_fiber *current;
#ifdef KILN_EMU_ASM_SWITCH
  void *scheduler_sp;
#else
  ucontext_t scheduler;
#endif
  const void *scheduler_stack; /* for ASan */
  size_t scheduler_stack_size;
  int64_t plain_ctx[KILN_EMU_CTX_SIZE]; /* the thread without fibers */
  emu_async_queue plain_async;
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

/* Scheduler -> fiber f, until f waits at a barrier or returns. */
static void resume_fiber(emu_fiber *f) {
  launch.current = f;
#ifdef KILN_EMU_ASAN
  void *fake_stack = NULL;
  __sanitizer_start_switch_fiber(&fake_stack, f->stack, KILN_EMU_FIBER_STACK);
#endif
#ifdef KILN_EMU_ASM_SWITCH
  kiln_emu_switch(&launch.scheduler_sp, f->sp);
#else
  swapcontext(&launch.scheduler, &f->context);
#endif
#ifdef KILN_EMU_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#endif
}

/* Fiber f -> scheduler; returns when the scheduler resumes f (never once f
 * has returned). */
static void yield_fiber(emu_fiber *f) {
#ifdef KILN_EMU_ASAN
  __sanitizer_start_switch_fiber(f->state == FIBER_DONE ? NULL : &f->fake_stack,
                                 launch.scheduler_stack,
                                 launch.scheduler_stack_size);
#endif
#ifdef KILN_EMU_ASM_SWITCH
  kiln_emu_switch(&f->sp, launch.scheduler_sp);
#else
  swapcontext(&f->context, &launch.scheduler);
#endif
#ifdef KILN_EMU_ASAN
  __sanitizer_finish_switch_fiber(f->fake_stack, &launch.scheduler_stack,
                                  &launch.scheduler_stack_size);
#endif
}

static void fiber_main(void) {
  emu_fiber *f = launch.current;
#ifdef KILN_EMU_ASAN
  __sanitizer_finish_switch_fiber(NULL, &launch.scheduler_stack,
                                  &launch.scheduler_stack_size);
#endif
  launch.kernel->entry(launch.params, launch.shared, f->ctx);
  complete_async(&f->async, INT64_MAX);
  f->state = FIBER_DONE;
  yield_fiber(f);
  abort(); /* never resumed */
}

/* Makes f start at fiber_main on its own stack when next resumed. */
static void start_fiber(emu_fiber *f) {
#ifdef KILN_EMU_ASM_SWITCH
  /* The frame kiln_emu_switch pops: control words, r15..rbp zero, then
   * fiber_main as the return address, with the stack aligned as after a
   * call (fiber_main never returns: its own return address is 0). */
  uint64_t *top =
      (uint64_t *)(void *)(f->stack + KILN_EMU_FIBER_STACK); /* 16-aligned */
  uint64_t *sp = top - 9;
  uint32_t mxcsr;
  uint16_t fpcw;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(fpcw));
  memset(sp, 0, 9 * sizeof *sp);
  memcpy(sp, &mxcsr, sizeof mxcsr);
  memcpy((char *)sp + 4, &fpcw, sizeof fpcw);
  sp[7] = (uint64_t)(uintptr_t)fiber_main;
  sp[8] = 0;
  f->sp = sp;
#else
  getcontext(&f->context);
  f->context.uc_stack.ss_sp = f->stack;
  f->context.uc_stack.ss_size = KILN_EMU_FIBER_STACK;
  f->context.uc_link = NULL;
  makecontext(&f->context, fiber_main, 0);
#endif
}

void kiln_emu_barrier(int64_t *ctx, int64_t site) {
  if (!launch.fibers)
    emu_fatal("gpu.barrier outside of a kernel with barriers");
  emu_fiber *f = (emu_fiber *)(void *)ctx; /* ctx is the fiber's first field */
  f->state = FIBER_WAITING;
  f->site = site;
  yield_fiber(f);
}

void kiln_emu_mma_sync(int64_t *ctx, int64_t site, int64_t kind,
                       const float *a, const float *b, const float *c,
                       float *d) {
  if (!launch.fibers)
    emu_fatal("mma.sync outside of a kernel with synchronization sites");
  if (kind < KILN_EMU_MMA_M16N8K8_TF32 || kind > KILN_EMU_MMA_M16N8K16_F16)
    emu_fatal("kernel %s (%s): unknown mma.sync kind %lld",
              launch.kernel->name, launch.kernel->module, (long long)kind);
  emu_fiber *f = (emu_fiber *)(void *)ctx;
  f->mma.kind = kind;
  f->mma.a = a;
  f->mma.b = b;
  f->mma.c = c;
  f->mma.d = d;
  f->state = FIBER_WARP;
  f->site = site;
  yield_fiber(f);
}

static emu_async_queue *async_queue(int64_t *ctx) {
  return launch.fibers ? &((emu_fiber *)(void *)ctx)->async
                       : &launch.plain_async;
}

/* The device allocation holding [p, p + bytes), remembering the last one
 * found (copies of one launch read a few buffers over and over). */
static bool is_device_memory(const char *p, size_t bytes) {
  static emu_allocation last;
  if (last.base && p >= last.base && p + bytes <= last.base + last.bytes)
    return true;
  emu_allocation *a = find_allocation(p, bytes, "cp.async");
  if (!a)
    return false;
  last = *a;
  return true;
}

void kiln_emu_async_copy(int64_t *ctx, int64_t dst, int64_t src, int64_t bytes,
                         int64_t src_bytes) {
  char thread[128];
  if ((bytes != 4 && bytes != 8 && bytes != 16) || src_bytes < 0 ||
      src_bytes > bytes || dst % bytes != 0 || (src_bytes && src % bytes)) {
    describe_thread(ctx, thread, sizeof thread);
    emu_fatal("kernel %s (%s): %s: cp.async of %lld bytes (%lld from the "
              "source) from %p to %p: the size must be 4, 8 or 16 and both "
              "addresses aligned to it",
              launch.kernel->name, launch.kernel->module, thread,
              (long long)bytes, (long long)src_bytes, (void *)(intptr_t)src,
              (void *)(intptr_t)dst);
  }
  if (src_bytes && !is_device_memory((const char *)(intptr_t)src,
                                     (size_t)src_bytes)) {
    describe_thread(ctx, thread, sizeof thread);
    emu_fatal("kernel %s (%s): %s: cp.async reads %p, which is not device "
              "memory",
              launch.kernel->name, launch.kernel->module, thread,
              (void *)(intptr_t)src);
  }
  emu_async_queue *q = async_queue(ctx);
  if (q->count == q->capacity) {
    q->capacity = q->capacity ? 2 * q->capacity : 64;
    q->copies = (emu_async_copy *)realloc(
        q->copies, (size_t)q->capacity * sizeof *q->copies);
    if (!q->copies)
      emu_fatal("out of host memory");
  }
  emu_async_copy *c = &q->copies[q->count++];
  c->dst = (char *)(intptr_t)dst;
  c->src = (const char *)(intptr_t)src;
  c->bytes = bytes;
  c->src_bytes = src_bytes;
  c->group = q->committed;
}

void kiln_emu_async_commit(int64_t *ctx) { ++async_queue(ctx)->committed; }

void kiln_emu_async_wait(int64_t *ctx, int64_t pending) {
  emu_async_queue *q = async_queue(ctx);
  complete_async(q, q->committed - pending);
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

/*===----------------------------------------------------------------------===*
 * Warp-level matrix multiply-accumulate. The fragment layouts are the PTX
 * ISA's ("Matrix Fragments for mma.m16n8k8" with .tf32 and "mma.m16n8k16"
 * with .f16/.bf16), with groupID g = lane / 4 and threadID_in_group
 * t = lane % 4; C and D (16x8, f32): c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t),
 * c3 (g+8, 2t+1).
 *===----------------------------------------------------------------------===*/
static float tf32_truncate(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  bits &= 0xffffe000u; /* the tensor core reads 10 mantissa bits */
  memcpy(&x, &bits, sizeof bits);
  return x;
}

static void warp_mma(emu_fiber *const lanes[32]) {
  float a[16][16], b[16][8], c[16][8];
  int64_t kind = lanes[0]->mma.kind;
  int k = kind == KILN_EMU_MMA_M16N8K8_TF32 ? 8 : 16;
  for (int lane = 0; lane < 32; ++lane) {
    const emu_mma_args *m = &lanes[lane]->mma;
    int g = lane / 4, t = lane % 4;
    if (kind == KILN_EMU_MMA_M16N8K8_TF32) {
      /* a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4);
       * b0 (t, g), b1 (t+4, g) */
      a[g][t] = tf32_truncate(m->a[0]);
      a[g + 8][t] = tf32_truncate(m->a[1]);
      a[g][t + 4] = tf32_truncate(m->a[2]);
      a[g + 8][t + 4] = tf32_truncate(m->a[3]);
      b[t][g] = tf32_truncate(m->b[0]);
      b[t + 4][g] = tf32_truncate(m->b[1]);
    } else {
      /* a0,a1 (g, 2t+i); a2,a3 (g+8, 2t+i); a4,a5 (g, 2t+8+i);
       * a6,a7 (g+8, 2t+8+i); b0,b1 (2t+i, g); b2,b3 (2t+8+i, g) */
      for (int i = 0; i < 2; ++i) {
        a[g][2 * t + i] = m->a[i];
        a[g + 8][2 * t + i] = m->a[2 + i];
        a[g][2 * t + 8 + i] = m->a[4 + i];
        a[g + 8][2 * t + 8 + i] = m->a[6 + i];
        b[2 * t + i][g] = m->b[i];
        b[2 * t + 8 + i][g] = m->b[2 + i];
      }
    }
    c[g][2 * t] = m->c[0];
    c[g][2 * t + 1] = m->c[1];
    c[g + 8][2 * t] = m->c[2];
    c[g + 8][2 * t + 1] = m->c[3];
  }
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    static const int rows[4] = {0, 0, 8, 8}, cols[4] = {0, 1, 0, 1};
    for (int e = 0; e < 4; ++e) {
      int r = g + rows[e], col = 2 * t + cols[e];
      float acc = c[r][col];
      for (int i = 0; i < k; ++i)
        acc = fmaf(a[r][i], b[i][col], acc);
      lanes[lane]->mma.d[e] = acc;
    }
  }
}

static const char *describe_wait(const emu_fiber *f, char *out, size_t size) {
  if (f->state == FIBER_DONE)
    snprintf(out, size, "returned");
  else if (f->state == FIBER_WAITING)
    snprintf(out, size, "waits at gpu.barrier #%lld", (long long)f->site);
  else
    snprintf(out, size, "waits at warp-level op #%lld", (long long)f->site);
  return out;
}

/* Runs the warp-level ops whose whole warp waits at them; a warp whose
 * lanes are not all at the same one is an error (it would hang or compute
 * garbage on a GPU). */
static void run_warp_ops(int64_t n) {
  if (n % 32 != 0)
    emu_fatal("kernel %s (%s): a warp-level op in a block of %lld threads "
              "(not whole warps of 32)",
              launch.kernel->name, launch.kernel->module, (long long)n);
  for (int64_t w = 0; w < n / 32; ++w) {
    emu_fiber *lanes[32];
    bool any = false;
    for (int lane = 0; lane < 32; ++lane) {
      lanes[lane] = fiber_pool[w * 32 + lane];
      any = any || lanes[lane]->state == FIBER_WARP;
    }
    if (!any)
      continue;
    emu_fiber *first = NULL;
    for (int lane = 0; lane < 32 && !first; ++lane)
      if (lanes[lane]->state == FIBER_WARP)
        first = lanes[lane];
    for (int lane = 0; lane < 32; ++lane) {
      emu_fiber *f = lanes[lane];
      if (f->state == FIBER_WARP && f->site == first->site &&
          f->mma.kind == first->mma.kind)
        continue;
      char a[128], b[128], how[64];
      describe_thread(first->ctx, a, sizeof a);
      describe_thread(f->ctx, b, sizeof b);
      emu_fatal("kernel %s (%s): %s waits at warp-level op #%lld while %s "
                "of the same warp %s (divergent warp)",
                launch.kernel->name, launch.kernel->module, a,
                (long long)first->site, b, describe_wait(f, how, sizeof how));
    }
    warp_mma(lanes);
    for (int lane = 0; lane < 32; ++lane)
      lanes[lane]->state = FIBER_RUNNABLE;
  }
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
      launch.plain_async.count = launch.plain_async.committed = 0;
      launch.kernel->entry(launch.params, launch.shared, launch.plain_ctx);
      complete_async(&launch.plain_async, INT64_MAX);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    emu_fiber *f = get_fiber((size_t)i);
    int64_t thread[3];
    thread_of(i, block_dim, thread);
    set_ids(f->ctx, block, thread, block_dim, grid_dim);
    f->async.count = f->async.committed = 0;
    f->state = FIBER_RUNNABLE;
    start_fiber(f);
  }
  for (;;) {
    for (int64_t i = 0; i < n; ++i) {
      emu_fiber *f = fiber_pool[reverse ? n - 1 - i : i];
      if (f->state != FIBER_RUNNABLE)
        continue;
      resume_fiber(f);
    }
    /* Every thread now waits at a barrier or a warp-level op, or has
     * returned. Warp-level ops first: they complete within their warp. */
    bool at_warp_op = false;
    for (int64_t i = 0; i < n && !at_warp_op; ++i)
      at_warp_op = fiber_pool[i]->state == FIBER_WARP;
    if (at_warp_op) {
      run_warp_ops(n);
      continue;
    }
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
