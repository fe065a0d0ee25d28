/*===- runtime_test.c - Unit test of the runtime's thread pool and dtypes --===*
 *
 * kiln-runtime-test [iterations]: exits 0 when every check passes, 1 (after
 * printing the failures) otherwise; aborts after 120 s in case of a deadlock.
 *===----------------------------------------------------------------------===*/
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiln/runtime.h"

static atomic_int failures;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      atomic_fetch_add(&failures, 1);                                          \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
    }                                                                          \
  } while (0)

#define MAX_N 100000
#define MAX_THREADS 64

/* Each index must be visited exactly once, by chunks that are contiguous
 * and non-empty; records which threads ran chunks. */
typedef struct cover_ctx {
  int64_t n;
  atomic_int *hits;
  atomic_llong sum;
  atomic_int chunks;
  pthread_t threads[MAX_THREADS];
  atomic_int num_threads;
} cover_ctx;

static void cover_body(void *vctx, int64_t begin, int64_t end) {
  cover_ctx *ctx = (cover_ctx *)vctx;
  CHECK(0 <= begin && begin < end && end <= ctx->n,
        "chunk [%lld, %lld) of n=%lld", (long long)begin, (long long)end,
        (long long)ctx->n);
  long long s = 0;
  for (int64_t i = begin; i < end && i < ctx->n && i >= 0; ++i) {
    atomic_fetch_add(&ctx->hits[i], 1);
    s += i;
  }
  atomic_fetch_add(&ctx->sum, s);
  atomic_fetch_add(&ctx->chunks, 1);
  int k = atomic_fetch_add(&ctx->num_threads, 1);
  if (k < MAX_THREADS)
    ctx->threads[k] = pthread_self();
}

static int distinct_threads(cover_ctx *ctx) {
  int n = atomic_load(&ctx->num_threads), d = 0;
  if (n > MAX_THREADS)
    n = MAX_THREADS;
  for (int i = 0; i < n; ++i) {
    int seen = 0;
    for (int j = 0; j < i; ++j)
      seen |= pthread_equal(ctx->threads[i], ctx->threads[j]);
    d += !seen;
  }
  return d;
}

/* One parallel_for over n with full checks; returns the number of chunks. */
static int check_cover(int64_t n, int threads, atomic_int *hits) {
  cover_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.n = n;
  ctx.hits = hits;
  for (int64_t i = 0; i < n; ++i)
    atomic_store(&hits[i], 0);
  kiln_parallel_for(n, cover_body, &ctx);
  for (int64_t i = 0; i < n; ++i)
    if (atomic_load(&hits[i]) != 1) {
      CHECK(0, "n=%lld threads=%d: index %lld visited %d times", (long long)n,
            threads, (long long)i, atomic_load(&hits[i]));
      break;
    }
  long long want = n > 0 ? (long long)n * (n - 1) / 2 : 0;
  CHECK(atomic_load(&ctx.sum) == want, "n=%lld threads=%d: sum %lld != %lld",
        (long long)n, threads, (long long)atomic_load(&ctx.sum), want);
  int chunks = atomic_load(&ctx.chunks);
  /* Up to 4 chunks per thread (fewer when n is smaller), claimed by
   * whichever thread is free: at most `threads` distinct threads. */
  int64_t max_chunks = threads == 1 ? 1 : 4 * (int64_t)threads;
  int64_t want_chunks = n <= 0 ? 0 : (n < max_chunks ? n : max_chunks);
  CHECK(chunks == want_chunks, "n=%lld threads=%d: %d chunks, expected %lld",
        (long long)n, threads, chunks, (long long)want_chunks);
  int used = distinct_threads(&ctx);
  CHECK(chunks == 0 || (used >= 1 && used <= threads && used <= chunks),
        "n=%lld threads=%d: %d chunks on %d threads", (long long)n, threads,
        chunks, used);
  return chunks;
}

/* Cheap body for the stress loops: adds its range's index sum. */
typedef struct sum_ctx {
  atomic_llong sum;
} sum_ctx;

static void sum_body(void *vctx, int64_t begin, int64_t end) {
  long long s = 0;
  for (int64_t i = begin; i < end; ++i)
    s += i;
  atomic_fetch_add(&((sum_ctx *)vctx)->sum, s);
}

static int stress(int64_t iters, const char *what) {
  int bad = 0;
  for (int64_t it = 0; it < iters; ++it) {
    int64_t n = (it * 7919) % 301; /* includes 0 and 1 */
    sum_ctx ctx;
    atomic_init(&ctx.sum, 0);
    kiln_parallel_for(n, sum_body, &ctx);
    long long want = n * (n - 1) / 2;
    if (atomic_load(&ctx.sum) != want && !bad++)
      CHECK(0, "%s: iteration %lld n=%lld: sum %lld != %lld", what,
            (long long)it, (long long)n, (long long)atomic_load(&ctx.sum),
            want);
  }
  return bad;
}

/* Nested: each outer iteration runs an inner parallel loop, which must run
 * serially on the thread of the outer chunk. */
typedef struct nested_ctx {
  atomic_llong sum;
  atomic_int inner_not_serial;
} nested_ctx;

typedef struct inner_ctx {
  pthread_t owner;
  long long sum;
  int not_serial;
} inner_ctx;

static void inner_body(void *vctx, int64_t begin, int64_t end) {
  inner_ctx *ctx = (inner_ctx *)vctx;
  if (!pthread_equal(ctx->owner, pthread_self()) || begin != 0 || end != 50)
    ctx->not_serial = 1;
  for (int64_t i = begin; i < end; ++i)
    ctx->sum += i;
}

static void outer_body(void *vctx, int64_t begin, int64_t end) {
  nested_ctx *ctx = (nested_ctx *)vctx;
  for (int64_t i = begin; i < end; ++i) {
    inner_ctx in = {pthread_self(), 0, 0};
    kiln_parallel_for(50, inner_body, &in);
    atomic_fetch_add(&ctx->sum, in.sum + i);
    if (in.not_serial)
      atomic_fetch_add(&ctx->inner_not_serial, 1);
  }
}

static void check_nested(int threads) {
  nested_ctx ctx;
  atomic_init(&ctx.sum, 0);
  atomic_init(&ctx.inner_not_serial, 0);
  kiln_parallel_for(40, outer_body, &ctx);
  long long want = 40LL * (50 * 49 / 2) + 40 * 39 / 2;
  CHECK(atomic_load(&ctx.sum) == want, "nested threads=%d: sum %lld != %lld",
        threads, (long long)atomic_load(&ctx.sum), want);
  CHECK(atomic_load(&ctx.inner_not_serial) == 0,
        "nested threads=%d: %d inner loops were not serial", threads,
        atomic_load(&ctx.inner_not_serial));
}

/* A body that changes the thread count from inside the pool (must not
 * deadlock; takes effect on a later call). */
static void set_threads_body(void *vctx, int64_t begin, int64_t end) {
  (void)vctx;
  (void)begin;
  (void)end;
  kiln_set_num_threads(3);
}

typedef struct app_thread_arg {
  int64_t iters;
  int bad;
} app_thread_arg;

static void *app_thread(void *varg) {
  app_thread_arg *arg = (app_thread_arg *)varg;
  arg->bad = stress(arg->iters, "concurrent");
  return NULL;
}

static void check_dtypes(void) {
  static const struct {
    int32_t dtype;
    size_t size;
    const char *name;
  } table[] = {
      {KILN_DTYPE_FLOAT, 4, "float32"},   {KILN_DTYPE_UINT8, 1, "uint8"},
      {KILN_DTYPE_INT8, 1, "int8"},       {KILN_DTYPE_UINT16, 2, "uint16"},
      {KILN_DTYPE_INT16, 2, "int16"},     {KILN_DTYPE_INT32, 4, "int32"},
      {KILN_DTYPE_INT64, 8, "int64"},     {KILN_DTYPE_BOOL, 1, "bool"},
      {KILN_DTYPE_FLOAT16, 2, "float16"}, {KILN_DTYPE_DOUBLE, 8, "float64"},
      {KILN_DTYPE_UINT32, 4, "uint32"},   {KILN_DTYPE_UINT64, 8, "uint64"},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
    CHECK(kiln_dtype_size(table[i].dtype) == table[i].size, "size of %s",
          table[i].name);
    CHECK(!strcmp(kiln_dtype_name(table[i].dtype), table[i].name),
          "name of %d: %s", (int)table[i].dtype,
          kiln_dtype_name(table[i].dtype));
  }
  /* BFLOAT16 (16) is not in enum kiln_dtype but model-compile emits it. */
  CHECK(kiln_dtype_size(16) == 2, "size of bfloat16");
  CHECK(!strcmp(kiln_dtype_name(16), "bfloat16"), "name of bfloat16: %s",
        kiln_dtype_name(16));
  static const int32_t unknown[] = {0, 8, 14, 15, 17, -1, 1000};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
    CHECK(kiln_dtype_size(unknown[i]) == 0, "size of unknown %d",
          (int)unknown[i]);
    CHECK(kiln_dtype_name(unknown[i]) != NULL, "name of unknown %d",
          (int)unknown[i]);
  }
}

int main(int argc, char **argv) {
  int64_t iters = argc > 1 ? atoll(argv[1]) : 3000;
  alarm(120);
  check_dtypes();

  CHECK(kiln_get_num_threads() >= 1, "default thread count %d",
        (int)kiln_get_num_threads());
  kiln_set_num_threads(0);
  CHECK(kiln_get_num_threads() == 1, "set(0) gives %d",
        (int)kiln_get_num_threads());

  atomic_int *hits = (atomic_int *)calloc(MAX_N, sizeof(atomic_int));
  if (!hits)
    return 2;
  static const int64_t sizes[] = {-5, 0,  1,  2,   3,    4,     5,    7,
                                  8,  17, 64, 100, 1000, 12345, MAX_N};
  static const int thread_counts[] = {1, 2, 3, 4, 8, 2, 1, 4};
  for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; ++t) {
    int threads = thread_counts[t];
    kiln_set_num_threads(threads);
    CHECK(kiln_get_num_threads() == threads, "get after set(%d): %d", threads,
          (int)kiln_get_num_threads());
    for (int rep = 0; rep < 3; ++rep)
      for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s)
        check_cover(sizes[s], threads, hits);
    check_nested(threads);
    stress(iters, "stress");
  }

  /* Changing the thread count from inside a body. */
  kiln_set_num_threads(2);
  kiln_parallel_for(4, set_threads_body, NULL);
  CHECK(kiln_get_num_threads() == 3, "set from a body: %d",
        (int)kiln_get_num_threads());
  check_cover(1000, 3, hits);

  /* Several application threads at once: each call either gets the pool or
   * runs serially; all results must be right. */
  for (int threads = 1; threads <= 4; ++threads) {
    kiln_set_num_threads(threads);
    pthread_t app[3];
    app_thread_arg args[3];
    for (int i = 0; i < 3; ++i) {
      args[i].iters = iters;
      args[i].bad = 0;
      CHECK(pthread_create(&app[i], NULL, app_thread, &args[i]) == 0,
            "pthread_create");
    }
    stress(iters, "main thread, concurrent");
    for (int i = 0; i < 3; ++i)
      pthread_join(app[i], NULL);
  }

  /* fork() with a running pool: the child gets a working pool of its own. */
  kiln_set_num_threads(4);
  check_cover(1000, 4, hits);
  pid_t child = fork();
  CHECK(child >= 0, "fork");
  if (child == 0) {
    alarm(60);
    atomic_store(&failures, 0);
    check_cover(1000, 4, hits);
    stress(iters, "after fork");
    _exit(atomic_load(&failures) ? 1 : 0);
  }
  if (child > 0) {
    int st = 0;
    CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) &&
              WEXITSTATUS(st) == 0,
          "forked child failed (status %d)", st);
  }
  check_cover(1000, 4, hits);

  free(hits);
  int f = atomic_load(&failures);
  if (f) {
    fprintf(stderr, "kiln-runtime-test: %d check(s) failed\n", f);
    return 1;
  }
  printf("kiln-runtime-test: all checks passed\n");
  return 0;
}
