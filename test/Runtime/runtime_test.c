/*===- runtime_test.c - Unit test of the runtime (pool, strings, CPU) ----===*
 *
 * kiln-runtime-test [iterations]: exits 0 when every check passes, 1 (after
 * printing the failures) otherwise; aborts after 120 s in case of a deadlock.
 * kiln-runtime-test --format-f32|--format-f64: reads one hexadecimal bit
 * pattern per line from stdin and prints kiln_string_from_f32/f64 of it
 * (float-format.test compares that with numpy).
 *===----------------------------------------------------------------------===*/
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <math.h>
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
      {KILN_DTYPE_FLOAT, 4, "float32"},
      {KILN_DTYPE_UINT8, 1, "uint8"},
      {KILN_DTYPE_INT8, 1, "int8"},
      {KILN_DTYPE_UINT16, 2, "uint16"},
      {KILN_DTYPE_INT16, 2, "int16"},
      {KILN_DTYPE_INT32, 4, "int32"},
      {KILN_DTYPE_INT64, 8, "int64"},
      {KILN_DTYPE_BOOL, 1, "bool"},
      {KILN_DTYPE_FLOAT16, 2, "float16"},
      {KILN_DTYPE_DOUBLE, 8, "float64"},
      {KILN_DTYPE_UINT32, 4, "uint32"},
      {KILN_DTYPE_UINT64, 8, "uint64"},
      {KILN_DTYPE_STRING, sizeof(const char *), "string"},
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
  static const int32_t unknown[] = {0, 14, 15, 17, -1, 1000};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
    CHECK(kiln_dtype_size(unknown[i]) == 0, "size of unknown %d",
          (int)unknown[i]);
    CHECK(kiln_dtype_name(unknown[i]) != NULL, "name of unknown %d",
          (int)unknown[i]);
  }
}

/*===-- Strings (runtime/strings.c) ---------------------------------------===*/

#define ARENA_GUARD 16
static char arena_buf[4096 + ARENA_GUARD];

/* Runs kiln_string_normalize over `in` in a fresh arena of `arena_size`
 * bytes; checks the output, the status and that nothing was written past
 * the arena. Returns the output array (static) for further checks. */
static const char **
check_normalize(int line, const char *const *in, int64_t n,
                const char *stopwords, int64_t num_stopwords, int32_t flags,
                int64_t arena_size, const char *const *expected,
                int64_t expected_count, int32_t expected_status) {
  static const char *out[16];
  memset(arena_buf, 0x5A, sizeof arena_buf);
  kiln_strings_begin(arena_buf, arena_size);
  int64_t count = -1;
  kiln_string_normalize(in, n, out, &count, stopwords, num_stopwords, flags);
  int32_t status = kiln_strings_end();
  CHECK(status == expected_status, "line %d: status %d", line, (int)status);
  CHECK(count == expected_count, "line %d: count %lld", line, (long long)count);
  for (int64_t i = 0; i < count && i < expected_count; ++i)
    CHECK(!strcmp(out[i], expected[i]), "line %d: out[%lld] = '%s', not '%s'",
          line, (long long)i, out[i], expected[i]);
  for (int64_t i = arena_size; i < arena_size + ARENA_GUARD; ++i)
    CHECK(arena_buf[i] == 0x5A, "line %d: wrote past the arena at %lld", line,
          (long long)i);
  return out;
}

#define NORMALIZE(in, stop, nstop, flags, arena, status, ...)                  \
  check_normalize(__LINE__, in, (int64_t)(sizeof in / sizeof in[0]), stop,     \
                  nstop, flags, arena, (const char *const[]){__VA_ARGS__},     \
                  (int64_t)(sizeof((const char *const[]){__VA_ARGS__}) /       \
                            sizeof(const char *)),                             \
                  status)

static void check_string_normalize(void) {
  enum {
    LOWER = KILN_STRNORM_LOWER,
    UPPER = KILN_STRNORM_UPPER,
    CS = KILN_STRNORM_CASE_SENSITIVE
  };
  static const char *const days[] = {"monday", "tuesday", "wednesday",
                                     "thursday"};
  /* The ONNX backend tests' cases. */
  const char **out = NORMALIZE(days, "monday", 1, CS | LOWER, 4096, 0,
                               "tuesday", "wednesday", "thursday");
  CHECK(out[0] == days[1], "unchanged strings point at the input");
  NORMALIZE(days, "monday", 1, CS | UPPER, 4096, 0, "TUESDAY", "WEDNESDAY",
            "THURSDAY");
  NORMALIZE(days, "monday", 1, CS, 4096, 0, "tuesday", "wednesday", "thursday");
  static const char *const mondays[] = {"monday", "monday"};
  NORMALIZE(mondays, "monday", 1, CS | UPPER, 4096, 0, "");
  static const char *const twodim[] = {"Monday", "tuesday", "wednesday",
                                       "Monday", "tuesday", "wednesday"};
  NORMALIZE(twodim, "monday", 1, UPPER, 4096, 0, "TUESDAY", "WEDNESDAY",
            "TUESDAY", "WEDNESDAY");
  static const char *const nostop[] = {"monday", "tuesday"};
  out = NORMALIZE(nostop, "", 0, 0, 0, 0, "monday", "tuesday");
  CHECK(out[0] == nostop[0] && out[1] == nostop[1], "no change: no copies");

  /* Case sensitivity of the stopwords; several stopwords. */
  static const char *const mixed[] = {"Monday", "MONDAY", "monday", "Friday"};
  NORMALIZE(mixed, "monday\0friday", 2, CS, 4096, 0, "Monday", "MONDAY",
            "Friday");
  NORMALIZE(mixed, "monday\0friday", 2, 0, 4096, 0, "");
  NORMALIZE(mixed, "MONDAY", 1, LOWER, 4096, 0, "friday");
  /* No strings at all: one empty string too. */
  static const char *const one[] = {"x"};
  check_normalize(__LINE__, one, 0, NULL, 0, UPPER, 4096,
                  (const char *const[]){""}, 1, 0);

  /* UTF-8: case mapping beyond ASCII, mappings that change the length,
   * invalid bytes copied unchanged, stopwords compared lowercased. */
  static const char *const utf8[] = {
      "\xc3\x89t\xc3\xa9", /* Été */
      "\xc4\xb1i",         /* ıi: U+0131 uppercases to I */
      "\xe2\x84\xaa"
      "elvin", /* KELVIN SIGN lowercases to k */
      "\xff"
      "ab\xc3",           /* a stray byte and a truncated sequence */
      "\xd0\x94\xd0\xb0", /* Да */
  };
  NORMALIZE(utf8, "", 0, UPPER, 4096, 0, "\xc3\x89T\xc3\x89", "II",
            "\xe2\x84\xaa"
            "ELVIN",
            "\xff"
            "AB\xc3",
            "\xd0\x94\xd0\x90");
  NORMALIZE(utf8, "", 0, LOWER, 4096, 0, "\xc3\xa9t\xc3\xa9", "\xc4\xb1i",
            "kelvin",
            "\xff"
            "ab\xc3",
            "\xd0\xb4\xd0\xb0");
  NORMALIZE(utf8, "\xc3\x89T\xc3\x89\0KELVIN\0\xd0\xb4\xd0\xb0", 3, 0, 4096, 0,
            "\xc4\xb1i",
            "\xff"
            "ab\xc3");
  NORMALIZE(utf8, "\xc3\x89T\xc3\x89\0KELVIN\0\xd0\xb4\xd0\xb0", 3, CS, 4096, 0,
            "\xc3\x89t\xc3\xa9", "\xc4\xb1i",
            "\xe2\x84\xaa"
            "elvin",
            "\xff"
            "ab\xc3",
            "\xd0\x94\xd0\xb0");

  /* Arena overflow: what fits is kept, the rest is "", nothing is written
   * past the arena; the status is per begin/end. */
  static const char *const words[] = {"abcdef", "ghijkl", "mn"};
  NORMALIZE(words, "", 0, UPPER, 10, KILN_ERROR_STRING_ARENA, "ABCDEF", "",
            "MN");
  NORMALIZE(words, "", 0, UPPER, 6, KILN_ERROR_STRING_ARENA, "", "", "MN");
  NORMALIZE(words, "", 0, UPPER, 17, 0, "ABCDEF", "GHIJKL", "MN");
  NORMALIZE(words, "", 0, LOWER, 0, 0, "abcdef", "ghijkl", "mn");
  /* A NULL arena has size 0. */
  kiln_strings_begin(NULL, 100);
  int64_t count = 0;
  const char *o[3];
  kiln_string_normalize(words, 3, o, &count, "", 0, UPPER);
  CHECK(kiln_strings_end() == KILN_ERROR_STRING_ARENA && !strcmp(o[0], ""),
        "NULL arena");
  CHECK(kiln_strings_end() == 0, "end clears the status");
}

static void check_string_casts(void) {
  static const struct {
    float f;
    const char *s;
  } f32[] = {
      {0.1f, "0.1"},
      {1e-5f, "1e-05"},
      {1e-4f, "1e-04"}, /* the float is below 1e-4 */
      {0.0001001f, "0.0001001"},
      {12345678.0f, "12345678.0"},
      {0.9767611f, "0.9767611"},
      {0.039187793f, "0.039187793"},
      {16777216.0f, "16777216.0"},
      {1e15f, "1000000000000000.0"},
      {1e16f, "1e+16"},
      {1.5e20f, "1.5e+20"},
      {3.4028235e38f, "3.4028235e+38"},
      {1e-45f, "1e-45"},
      {-2.5f, "-2.5"},
      {0.0f, "0.0"},
      {-0.0f, "-0.0"},
      {INFINITY, "inf"},
      {-INFINITY, "-inf"},
      {NAN, "nan"},
      {-NAN, "nan"},
  };
  static const struct {
    double d;
    const char *s;
  } f64[] = {
      {0.1, "0.1"},
      {0.3, "0.3"},
      {1e-4, "0.0001"},
      {1.0 / 3, "0.3333333333333333"},
      {9999999999999998.0, "9999999999999998.0"},
      {1e16, "1e+16"},
      {123456789012345680.0, "1.2345678901234568e+17"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {-0.0, "-0.0"},
      {-INFINITY, "-inf"},
  };
  enum { NF = sizeof f32 / sizeof f32[0], ND = sizeof f64 / sizeof f64[0] };
  float fin[NF];
  double din[ND];
  const char *fout[NF], *dout[ND];
  for (int i = 0; i < NF; ++i)
    fin[i] = f32[i].f;
  for (int i = 0; i < ND; ++i)
    din[i] = f64[i].d;
  kiln_strings_begin(arena_buf, 4096);
  kiln_string_from_f32(fin, NF, fout);
  kiln_string_from_f64(din, ND, dout);
  CHECK(kiln_strings_end() == 0, "format status");
  for (int i = 0; i < NF; ++i)
    CHECK(!strcmp(fout[i], f32[i].s), "f32 %d: '%s', expected '%s'", i, fout[i],
          f32[i].s);
  for (int i = 0; i < ND; ++i)
    CHECK(!strcmp(dout[i], f64[i].s), "f64 %d: '%s', expected '%s'", i, dout[i],
          f64[i].s);

  /* Formatting into a full arena: "" and the overflow status. */
  kiln_strings_begin(arena_buf, 4);
  kiln_string_from_f32(fin, 2, fout); /* "0.1" fits, "1e-05" does not */
  CHECK(kiln_strings_end() == KILN_ERROR_STRING_ARENA, "format overflow");
  CHECK(!strcmp(fout[0], "0.1") && !strcmp(fout[1], ""), "format overflow");

  /* Parsing: what strtod accepts, surrounding spaces, NaN otherwise. */
  static const struct {
    const char *s;
    double v;
  } parse[] = {
      {"1e-3", 1e-3},    {" 2.5 ", 2.5},      {"-INF", -INFINITY},
      {"inf", INFINITY}, {"1e999", INFINITY}, {"-0", -0.0},
      {"NaN", NAN},      {"abc", NAN},        {"", NAN},
      {"1.5x", NAN},     {"  ", NAN},         {"0.1", 0.1},
  };
  enum { NP = sizeof parse / sizeof parse[0] };
  const char *strs[NP];
  float pf[NP];
  double pd[NP];
  for (int i = 0; i < NP; ++i)
    strs[i] = parse[i].s;
  kiln_string_to_f32(strs, NP, pf);
  kiln_string_to_f64(strs, NP, pd);
  for (int i = 0; i < NP; ++i) {
    double v = parse[i].v;
    float fv = (float)v;
    CHECK(isnan(v) ? isnan(pf[i])
                   : (pf[i] == fv && !signbit(pf[i]) == !signbit(fv)),
          "to_f32('%s') = %g", parse[i].s, (double)pf[i]);
    CHECK(isnan(v) ? isnan(pd[i])
                   : (pd[i] == v && !signbit(pd[i]) == !signbit(v)),
          "to_f64('%s') = %g", parse[i].s, pd[i]);
  }
}

/* Each thread has its own arena state: concurrent runs do not mix. */
typedef struct strings_thread_arg {
  char arena[64];
  int bad;
} strings_thread_arg;

static void *strings_thread(void *varg) {
  strings_thread_arg *arg = (strings_thread_arg *)varg;
  static const char *const in[] = {"abc"};
  for (int it = 0; it < 2000; ++it) {
    kiln_strings_begin(arg->arena, sizeof arg->arena);
    const char *out[1];
    int64_t count = 0;
    for (int k = 0; k < 16; ++k) /* 16 * 4 bytes fill the arena exactly */
      kiln_string_normalize(in, 1, out, &count, "", 0, KILN_STRNORM_UPPER);
    int fits = kiln_strings_end() == 0 && !strcmp(out[0], "ABC") &&
               out[0] >= arg->arena && out[0] < arg->arena + 64;
    kiln_strings_begin(arg->arena, sizeof arg->arena);
    for (int k = 0; k < 17; ++k)
      kiln_string_normalize(in, 1, out, &count, "", 0, KILN_STRNORM_UPPER);
    int overflows = kiln_strings_end() == KILN_ERROR_STRING_ARENA;
    arg->bad += !fits || !overflows;
  }
  return NULL;
}

static void check_strings_threads(void) {
  pthread_t t[4];
  strings_thread_arg args[4];
  memset(args, 0, sizeof args);
  for (int i = 0; i < 4; ++i)
    CHECK(pthread_create(&t[i], NULL, strings_thread, &args[i]) == 0,
          "pthread_create");
  for (int i = 0; i < 4; ++i) {
    pthread_join(t[i], NULL);
    CHECK(args[i].bad == 0, "thread %d: %d bad runs", i, args[i].bad);
  }
}

/* --format-f32 / --format-f64: see the top of the file. */
static int format_floats(int f64) {
  static char arena[64];
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    unsigned long long bits = strtoull(line, NULL, 16);
    const char *s = NULL;
    kiln_strings_begin(arena, sizeof arena);
    if (f64) {
      double d;
      memcpy(&d, &bits, sizeof d);
      kiln_string_from_f64(&d, 1, &s);
    } else {
      uint32_t b = (uint32_t)bits;
      float f;
      memcpy(&f, &b, sizeof f);
      kiln_string_from_f32(&f, 1, &s);
    }
    if (kiln_strings_end() != 0)
      return 1;
    puts(s);
  }
  return 0;
}

/* kiln_check_input_shape / kiln_format_input_range on a model with ranges:
 * x [1..8]x3 and y [1..8]x[2..4] share the batch symbol 0; y's dims 1 and
 * w's dims 0 and 1 share symbol 1 / 2 (a square w). */
static void check_input_shapes(void) {
  static const int64_t x_max[] = {8, 3}, x_min[] = {1, 3}, x_sym[] = {0, -1};
  static const int64_t y_max[] = {8, 4}, y_min[] = {1, 2}, y_sym[] = {0, 1};
  static const int64_t w_max[] = {5, 5}, w_min[] = {0, 0}, w_sym[] = {2, 2};
  static const int64_t s_shape[] = {2, 3};
  static const kiln_tensor_desc inputs[] = {
      {"x", KILN_DTYPE_FLOAT, 2, x_max, -1, x_min, x_sym},
      {"y", KILN_DTYPE_FLOAT, 2, y_max, -1, y_min, y_sym},
      {"w", KILN_DTYPE_FLOAT, 2, w_max, -1, w_min, w_sym},
  };
  static const kiln_tensor_desc static_inputs[] = {
      {"s", KILN_DTYPE_FLOAT, 2, s_shape, -1, NULL, NULL},
  };
  kiln_model_info m;
  memset(&m, 0, sizeof m);
  m.num_inputs = 3;
  m.inputs = inputs;
  char msg[256], buf[64];

  kiln_format_input_range(buf, sizeof buf, &inputs[0]);
  CHECK(!strcmp(buf, "1..8x3"), "range of x: '%s'", buf);
  kiln_format_input_range(buf, sizeof buf, &inputs[1]);
  CHECK(!strcmp(buf, "1..8x2..4"), "range of y: '%s'", buf);
  kiln_format_input_range(buf, sizeof buf, &static_inputs[0]);
  CHECK(!strcmp(buf, "2x3"), "static shape: '%s'", buf);
  kiln_format_input_range(buf, 5, &inputs[1]);
  CHECK(!strcmp(buf, "1..8"), "truncated range: '%s'", buf);

  int64_t x[] = {4, 3}, y[] = {4, 2}, w[] = {3, 3};
  const int64_t *prev[] = {x, y, w};
  CHECK(kiln_check_input_shape(&m, 0, 2, x, NULL, msg, sizeof msg) == 0,
        "x 4x3: %s", msg);
  CHECK(kiln_check_input_shape(&m, 1, 2, y, prev, msg, sizeof msg) == 0,
        "y 4x2: %s", msg);
  CHECK(kiln_check_input_shape(&m, 2, 2, w, prev, msg, sizeof msg) == 0,
        "w 3x3: %s", msg);
  int64_t w0[] = {0, 0};
  CHECK(kiln_check_input_shape(&m, 2, 2, w0, prev, msg, sizeof msg) == 0,
        "w 0x0 (min 0): %s", msg);

  int64_t x9[] = {9, 3};
  CHECK(kiln_check_input_shape(&m, 0, 2, x9, NULL, msg, sizeof msg) == -1 &&
            !strcmp(msg, "input 'x': dimension 0 is 9, outside its range 1..8"),
        "x 9x3: '%s'", msg);
  int64_t x0[] = {0, 3};
  CHECK(kiln_check_input_shape(&m, 0, 2, x0, NULL, msg, sizeof msg) == -1 &&
            !strcmp(msg, "input 'x': dimension 0 is 0, outside its range 1..8"),
        "x 0x3: '%s'", msg);
  int64_t x4[] = {2, 4};
  CHECK(kiln_check_input_shape(&m, 0, 2, x4, NULL, msg, sizeof msg) == -1 &&
            !strcmp(msg, "input 'x': dimension 1 is 4, expected 3"),
        "x 2x4: '%s'", msg);
  int64_t neg[] = {-1, 3};
  CHECK(kiln_check_input_shape(&m, 0, 2, neg, NULL, msg, sizeof msg) == -1,
        "x -1x3 accepted");
  CHECK(kiln_check_input_shape(&m, 0, 1, x, NULL, msg, sizeof msg) == -1 &&
            !strcmp(msg, "input 'x': expected rank 2, got 1"),
        "rank: '%s'", msg);
  int64_t y5[] = {5, 2};
  CHECK(kiln_check_input_shape(&m, 1, 2, y5, prev, msg, sizeof msg) == -1 &&
            !strcmp(msg, "input 'y': dimension 0 is 5, but input 'x' "
                         "dimension 0 is 4 (they must be equal)"),
        "y 5x2 after x 4x3: '%s'", msg);
  int64_t w34[] = {3, 4};
  CHECK(kiln_check_input_shape(&m, 2, 2, w34, prev, msg, sizeof msg) == -1 &&
            !strcmp(msg, "input 'w': dimension 1 is 4, but dimension 0 is 3 "
                         "(they must be equal)"),
        "w 3x4: '%s'", msg);

  /* A model without ranges: exact shapes. */
  m.num_inputs = 1;
  m.inputs = static_inputs;
  int64_t s23[] = {2, 3}, s33[] = {3, 3};
  CHECK(kiln_check_input_shape(&m, 0, 2, s23, NULL, msg, sizeof msg) == 0,
        "static 2x3: %s", msg);
  CHECK(kiln_check_input_shape(&m, 0, 2, s33, NULL, msg, sizeof msg) == -1 &&
            !strcmp(msg, "input 's': dimension 0 is 3, expected 2"),
        "static 3x3: '%s'", msg);
}

/* kiln_cpu_check on requirements whose answer does not depend on the CPU:
 * none, another architecture's, and a feature no CPU has (a name the
 * runtime does not know counts as missing); the first check from several
 * threads at once. */
#if defined(__x86_64__)
#define HOST_ARCH KILN_CPU_ARCH_X86_64
#define BASELINE_FEATURE "sse3"
#else
#define HOST_ARCH KILN_CPU_ARCH_AARCH64
#define BASELINE_FEATURE "neon"
#endif
static const char *const impossible[] = {BASELINE_FEATURE, "kiln-no-such"};
static kiln_cpu_requirements racy = {"model 'racy'", "test-cpu", HOST_ARCH,
                                     2, impossible, 0, {0}};

static void *check_racy(void *arg) {
  (void)arg;
  CHECK(kiln_cpu_check(&racy) == KILN_ERROR_CPU, "racy: not an error");
  return NULL;
}

static void check_cpu(void) {
  CHECK(kiln_cpu_check(NULL) == 0, "NULL requirements");
  kiln_cpu_requirements none = {
      "this executable", "x86-64", HOST_ARCH, 0, NULL, 0, {0}};
  CHECK(kiln_cpu_check(&none) == 0 && none.status == 1, "no features: %d",
        (int)none.status);
  CHECK(!strcmp(kiln_cpu_message(&none), "the CPU lacks instruction set "
                                         "extensions the code was compiled "
                                         "for"),
        "message when supported: %s", kiln_cpu_message(&none));
  kiln_cpu_requirements other = {
      "this executable", "riscv", KILN_CPU_ARCH_OTHER, 2, impossible, 0, {0}};
  CHECK(kiln_cpu_check(&other) == 0, "another architecture is not checked");

  kiln_cpu_requirements lacks = {"model 'm'", "test-cpu", HOST_ARCH, 2,
                                 impossible, 0, {0}};
  for (int i = 0; i < 2; ++i) {
    CHECK(kiln_cpu_check(&lacks) == KILN_ERROR_CPU && lacks.status == 2,
          "an unknown feature is missing (call %d)", i);
    const char *want = "model 'm' needs " BASELINE_FEATURE ", kiln-no-such "
                       "(compiled for test-cpu); this CPU lacks kiln-no-such; "
                       "rebuild with --mcpu=";
    CHECK(!strncmp(lacks.message, want, strlen(want)) &&
              strstr(lacks.message, " or with several --mcpu levels"),
          "message: %s", lacks.message);
    CHECK(kiln_cpu_message(&lacks) == lacks.message, "message pointer");
  }

  pthread_t threads[8];
  for (int i = 0; i < 8; ++i)
    pthread_create(&threads[i], NULL, check_racy, NULL);
  for (int i = 0; i < 8; ++i)
    pthread_join(threads[i], NULL);
  CHECK(racy.status == 2 && !strncmp(racy.message, "model 'racy' needs ", 19) &&
            strstr(racy.message, "; this CPU lacks kiln-no-such; "),
        "racy message: %s", racy.message);
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--format-f32"))
    return format_floats(0);
  if (argc == 2 && !strcmp(argv[1], "--format-f64"))
    return format_floats(1);
  int64_t iters = argc > 1 ? atoll(argv[1]) : 3000;
  alarm(120);
  check_dtypes();
  check_input_shapes();
  check_string_normalize();
  check_string_casts();
  check_strings_threads();
  check_cpu();

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
