/*===- threadpool.c - kiln_parallel_for on a persistent pthread pool -------===*
 *
 * Generated code calls kiln_parallel_for once per parallel loop, often
 * hundreds of times per inference, so a call must be cheap:
 *
 *  - The pool is created lazily on the first parallel call and kept; it has
 *    kiln_get_num_threads() - 1 workers, the calling thread takes part.
 *  - [0, n) is cut into up to KILN_CHUNKS_PER_THREAD chunks per thread of
 *    contiguous iterations, and every participant (the caller and the
 *    workers) claims chunks one at a time from a shared counter until none
 *    are left. A worker that is slow to wake up (descheduled on a loaded
 *    machine, or asleep) then costs nothing: the caller runs the chunks it
 *    would have run instead of waiting for it, so two threads are never
 *    much slower than one.
 *  - A job is published through one 64-bit atomic word holding
 *    (generation << 32 | number of chunks). Workers spin on it briefly, then
 *    sleep on a condition variable; the caller only takes the mutex to wake
 *    them when one is asleep. The claim counter holds
 *    (generation << 32 | next chunk), so a worker still looking at an older
 *    job can never claim a chunk of a newer one. Completion is an atomic
 *    countdown of unfinished chunks the caller spins on (then sleeps on a
 *    second condition variable).
 *  - One job at a time: a caller that finds the pool busy (another
 *    application thread is using it) runs its loop serially instead of
 *    waiting, so concurrent callers never block each other. Calls from inside
 *    a loop body run serially, so nesting cannot deadlock.
 *  - After fork(), the child starts a fresh pool on its next parallel call.
 *
 * Memory ordering: all atomics use the default sequentially consistent
 * operations; the job fields (body, ctx, n) are plain data written before
 * the word is published and read only by a worker that has claimed a chunk
 * of that job; the caller waits for every claimed chunk to finish before it
 * writes the next job.
 *===----------------------------------------------------------------------===*/
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#pragma GCC visibility push(default)
#include "kiln/runtime.h"
#pragma GCC visibility pop

#define KILN_MAX_THREADS 1024
#define KILN_STOP_CHUNKS 0xFFFFFFFFu
/* How long an idle worker spins before it sleeps, and how long the caller
 * spins for the workers to finish before it sleeps. */
#define KILN_WORKER_SPIN_NS 200000
#define KILN_CALLER_SPIN_NS 2000000
/* Chunks per thread a loop is cut into (when it has that many iterations):
 * enough for the caller to take over a late worker's share. */
#define KILN_CHUNKS_PER_THREAD 4

/* Set while the current thread runs inside a parallel region (always on
 * workers). */
static _Thread_local int kiln_in_parallel;

/* Requested number of threads; 0 until set (then the default applies). */
static atomic_int kiln_requested_threads;
static atomic_int kiln_default_threads;

typedef struct kiln_pool {
  pthread_mutex_t lock; /* held by the application thread using the pool */
  pthread_mutex_t mu;   /* protects sleeping on the two condvars */
  pthread_cond_t wake;  /* workers wait for a new generation */
  pthread_cond_t done;  /* the caller waits for pending == 0 */

  /* Owned by the holder of `lock`. */
  int target;          /* thread count the pool was built for (0: none) */
  int size;            /* 1 + number of running workers */
  uint32_t generation; /* last published generation */
  pthread_t *workers;

  /* The current job. */
  kiln_parallel_body body;
  void *ctx;
  int64_t n;

  _Atomic uint64_t word;     /* generation << 32 | chunks (or STOP) */
  _Atomic uint64_t claim;    /* generation << 32 | next unclaimed chunk */
  atomic_int pending;        /* chunks not yet finished */
  atomic_int sleepers;       /* workers inside the condvar wait */
  atomic_int caller_waiting; /* the caller sleeps on `done` */
} kiln_pool;

static kiln_pool kiln_the_pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};

static inline void kiln_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("pause");
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

static int64_t kiln_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int kiln_online_cores(void) {
  int n = atomic_load(&kiln_default_threads);
  if (n > 0)
    return n;
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  n = c < 1 ? 1 : (c > KILN_MAX_THREADS ? KILN_MAX_THREADS : (int)c);
  atomic_store(&kiln_default_threads, n);
  return n;
}

void kiln_set_num_threads(int32_t n) {
  if (n < 1)
    n = 1;
  if (n > KILN_MAX_THREADS)
    n = KILN_MAX_THREADS;
  atomic_store(&kiln_requested_threads, (int)n);
}

int32_t kiln_get_num_threads(void) {
  int n = atomic_load(&kiln_requested_threads);
  return n > 0 ? n : kiln_online_cores();
}

/* Bounds of chunk `i` of `chunks` over [0, n): sizes differ by at most 1. */
static void kiln_chunk(int64_t n, int64_t chunks, int64_t i, int64_t *begin,
                       int64_t *end) {
  int64_t base = n / chunks, rem = n % chunks;
  *begin = i * base + (i < rem ? i : rem);
  *end = *begin + base + (i < rem ? 1 : 0);
}

/* Waits until the published generation differs from `seen`; returns the
 * word. */
static uint64_t kiln_worker_wait(kiln_pool *p, uint32_t seen) {
  uint64_t w = atomic_load(&p->word);
  if ((uint32_t)(w >> 32) != seen)
    return w;
  int64_t deadline = kiln_now_ns() + KILN_WORKER_SPIN_NS;
  for (unsigned i = 1;; ++i) {
    kiln_cpu_relax();
    w = atomic_load(&p->word);
    if ((uint32_t)(w >> 32) != seen)
      return w;
    if ((i & 63) == 0) {
      if (kiln_now_ns() > deadline)
        break;
      sched_yield();
    }
  }
  pthread_mutex_lock(&p->mu);
  atomic_fetch_add(&p->sleepers, 1);
  while ((uint32_t)((w = atomic_load(&p->word)) >> 32) == seen)
    pthread_cond_wait(&p->wake, &p->mu);
  atomic_fetch_sub(&p->sleepers, 1);
  pthread_mutex_unlock(&p->mu);
  return w;
}

typedef struct kiln_worker_arg {
  uint32_t start_generation;
} kiln_worker_arg;

/* Claims the next chunk of job `generation` (with `chunks` chunks); returns
 * its index, or -1 when the job has no chunk left (or is no longer current).
 */
static int64_t kiln_claim(kiln_pool *p, uint32_t generation,
                          uint32_t chunks) {
  uint64_t c = atomic_load(&p->claim);
  for (;;) {
    if ((uint32_t)(c >> 32) != generation || (uint32_t)c >= chunks)
      return -1;
    if (atomic_compare_exchange_weak(&p->claim, &c, c + 1))
      return (int64_t)(uint32_t)c;
  }
}

/* Runs chunks of the current job until none is left. */
static void kiln_run_chunks(kiln_pool *p, uint32_t generation,
                            uint32_t chunks) {
  int64_t i;
  while ((i = kiln_claim(p, generation, chunks)) >= 0) {
    int64_t begin, end;
    kiln_chunk(p->n, chunks, i, &begin, &end);
    p->body(p->ctx, begin, end);
    if (atomic_fetch_sub(&p->pending, 1) == 1 &&
        atomic_load(&p->caller_waiting)) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->mu);
    }
  }
}

static void *kiln_worker_main(void *varg) {
  kiln_pool *p = &kiln_the_pool;
  kiln_worker_arg arg = *(kiln_worker_arg *)varg;
  free(varg);
  kiln_in_parallel = 1;
  uint32_t seen = arg.start_generation;
  for (;;) {
    uint64_t w = kiln_worker_wait(p, seen);
    seen = (uint32_t)(w >> 32);
    uint32_t chunks = (uint32_t)w;
    if (chunks == KILN_STOP_CHUNKS)
      break;
    kiln_run_chunks(p, seen, chunks);
  }
  return NULL;
}

/* Publishes a new word and wakes sleeping workers. Caller holds p->lock. */
static void kiln_publish(kiln_pool *p, uint32_t chunks) {
  p->generation += 1;
  atomic_store(&p->word, ((uint64_t)p->generation << 32) | chunks);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
  }
}

static void kiln_pool_stop(kiln_pool *p) {
  if (p->size > 1) {
    kiln_publish(p, KILN_STOP_CHUNKS);
    for (int i = 0; i < p->size - 1; ++i)
      pthread_join(p->workers[i], NULL);
  }
  free(p->workers);
  p->workers = NULL;
  p->size = 1;
  p->target = 0;
}

/* In a child after fork() only the forking thread exists: forget the
 * workers (their memory is leaked) so the next call starts a new pool. */
static void kiln_pool_after_fork_child(void) {
  kiln_pool *p = &kiln_the_pool;
  pthread_mutex_init(&p->lock, NULL);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->wake, NULL);
  pthread_cond_init(&p->done, NULL);
  p->workers = NULL;
  p->size = 1;
  p->target = 0;
  atomic_store(&p->pending, 0);
  atomic_store(&p->sleepers, 0);
  atomic_store(&p->caller_waiting, 0);
}

static void kiln_pool_register_fork_handler(void) {
  pthread_atfork(NULL, NULL, kiln_pool_after_fork_child);
}

static void kiln_pool_start(kiln_pool *p, int threads) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, kiln_pool_register_fork_handler);
  p->target = threads;
  p->size = 1;
  p->workers = (pthread_t *)calloc((size_t)threads, sizeof(pthread_t));
  if (!p->workers)
    return;
  for (int i = 1; i < threads; ++i) {
    kiln_worker_arg *arg = (kiln_worker_arg *)malloc(sizeof *arg);
    if (!arg)
      break;
    arg->start_generation = p->generation;
    if (pthread_create(&p->workers[i - 1], NULL, kiln_worker_main, arg) != 0) {
      free(arg);
      break; /* run with the workers we have */
    }
    p->size = i + 1;
  }
}

void kiln_parallel_for(int64_t n, kiln_parallel_body body, void *ctx) {
  if (n <= 0)
    return;
  int threads = kiln_get_num_threads();
  kiln_pool *p = &kiln_the_pool;
  if (n == 1 || threads == 1 || kiln_in_parallel ||
      pthread_mutex_trylock(&p->lock) != 0) {
    body(ctx, 0, n);
    return;
  }
  if (p->target != threads) {
    kiln_pool_stop(p);
    kiln_pool_start(p, threads);
  }
  int64_t max_chunks = (int64_t)p->size * KILN_CHUNKS_PER_THREAD;
  int64_t chunks = n < max_chunks ? n : max_chunks;
  if (p->size <= 1) {
    pthread_mutex_unlock(&p->lock);
    body(ctx, 0, n);
    return;
  }

  p->body = body;
  p->ctx = ctx;
  p->n = n;
  atomic_store(&p->pending, (int)chunks);
  uint32_t generation = p->generation + 1;
  atomic_store(&p->claim, (uint64_t)generation << 32);
  kiln_publish(p, (uint32_t)chunks);

  kiln_in_parallel = 1;
  kiln_run_chunks(p, generation, (uint32_t)chunks);
  kiln_in_parallel = 0;

  if (atomic_load(&p->pending) != 0) {
    int64_t deadline = kiln_now_ns() + KILN_CALLER_SPIN_NS;
    for (unsigned i = 1; atomic_load(&p->pending) != 0; ++i) {
      kiln_cpu_relax();
      if ((i & 63) == 0) {
        if (kiln_now_ns() > deadline)
          break;
        sched_yield();
      }
    }
    if (atomic_load(&p->pending) != 0) {
      pthread_mutex_lock(&p->mu);
      atomic_store(&p->caller_waiting, 1);
      while (atomic_load(&p->pending) != 0)
        pthread_cond_wait(&p->done, &p->mu);
      atomic_store(&p->caller_waiting, 0);
      pthread_mutex_unlock(&p->mu);
    }
  }
  pthread_mutex_unlock(&p->lock);
}
