/*===- main.c - main() of executables from model-compile --emit=exe -------===*
 *
 *   OUT [INPUT]... [-o OUTPUT]... [--bench N] [--threads T]
 *       [--weights PATH] [--verify-weights] [--help]
 *
 * Reads the inputs (.npy or TensorProto .pb, in the order of the model's
 * inputs), checks them against kiln_exe_model, runs the model and writes the
 * outputs (-o, in order) or prints them. --bench N times N runs after
 * warm-up. Every error is one "error: ..." line on stderr and exit status 1.
 *
 * String tensors are arrays of `const char *` (see kiln/runtime.h). An
 * output whose descriptor has dims_offset >= 0 has a data-dependent shape:
 * its buffer is sized by the bounds in the descriptor and, after a run, its
 * actual dims are read from the workspace. A model compiled with dimension
 * ranges (run_dims set) takes inputs of any shape inside them; the run gets
 * their actual dims.
 *
 * Weights: a model compiled with --weights=file loads OUT.weights from the
 * directory of the executable itself (/proc/self/exe), or --weights PATH;
 * the file is mapped read-only and checked before anything runs.
 *===----------------------------------------------------------------------===*/
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiln/runtime.h"
#include "kiln/weights_format.h"
#include "tensor_io.h"

#define KILN_MAX_BENCH 10000000L
#define KILN_MAX_THREADS 1024L
#define KILN_PRINT_VALUES 16
#define KILN_WARMUP_RUNS 3
#define KILN_WARMUP_MIN_S 0.05
#define KILN_WARMUP_MAX_RUNS 1000

typedef struct options {
  const char **inputs; /* argv entries */
  int num_inputs;
  const char **outputs;
  int num_outputs;
  long bench;   /* 0: no benchmark */
  long threads; /* 0: default */
  int help;
  const char *weights; /* --weights PATH; NULL: embedded or next to us */
  int verify_weights;
} options;

static const char *prog_name = "model";

static void print_usage_line(FILE *f) {
  fprintf(f,
          "usage: %s [INPUT]... [-o OUTPUT]... [--bench N] [--threads T] "
          "[--help]\n",
          prog_name);
}

/* Reports a bad command line: "error: <what> '<arg>'" and the usage line. */
static int usage_error(const char *what, const char *arg) {
  fprintf(stderr, "error: %s '%s'\n", what, arg);
  print_usage_line(stderr);
  return -1;
}

/* "float32 2x3"; "string up to 4" for a data-dependent shape; "float32
 * 1..8x64" for an input with a range. */
static void format_desc(char *buf, size_t size, const kiln_tensor_desc *d) {
  char shape[512];
  kiln_format_input_range(shape, sizeof shape, d);
  snprintf(buf, size, "%s %s%s", kiln_dtype_name(d->dtype),
           d->dims_offset >= 0 ? "up to " : "", shape);
}

/* For a model with ranges: one line per group of input dims that share a
 * symbol, e.g. "  equal dims: x[0] = y[0]". */
static void print_equal_dims(const kiln_model_info *m) {
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const kiln_tensor_desc *d = &m->inputs[i];
    for (int32_t k = 0; d->dim_symbols && k < d->rank; ++k) {
      int64_t symbol = d->dim_symbols[k];
      if (symbol < 0)
        continue;
      /* Print each group once, at its first dim, if it has another. */
      int first = 1, others = 0;
      for (int32_t j = 0; j < m->num_inputs; ++j) {
        const kiln_tensor_desc *e = &m->inputs[j];
        for (int32_t l = 0; e->dim_symbols && l < e->rank; ++l) {
          if (e->dim_symbols[l] != symbol || (j == i && l == k))
            continue;
          if (j < i || (j == i && l < k))
            first = 0;
          else
            ++others;
        }
      }
      if (!first || !others)
        continue;
      printf("  equal dims: %s[%d]", d->name, (int)k);
      for (int32_t j = i; j < m->num_inputs; ++j) {
        const kiln_tensor_desc *e = &m->inputs[j];
        for (int32_t l = j == i ? k + 1 : 0; e->dim_symbols && l < e->rank;
             ++l)
          if (e->dim_symbols[l] == symbol)
            printf(" = %s[%d]", e->name, (int)l);
      }
      printf("\n");
    }
  }
}

static void print_help(void) {
  const kiln_model_info *m = &kiln_exe_model;
  char desc[600];
  print_usage_line(stdout);
  printf("\nRuns the compiled model '%s'.\n\n", m->name ? m->name : "");
  printf("Inputs (INPUT files: .npy, or ONNX TensorProto .pb; in this "
         "order):\n");
  if (m->num_inputs == 0)
    printf("  (none)\n");
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    format_desc(desc, sizeof desc, &m->inputs[i]);
    printf("  %d  %s  %s\n", (int)i, m->inputs[i].name, desc);
  }
  print_equal_dims(m);
  printf("Outputs (-o OUTPUT files: .npy or .pb, by extension; in this "
         "order):\n");
  if (m->num_outputs == 0)
    printf("  (none)\n");
  for (int32_t i = 0; i < m->num_outputs; ++i) {
    format_desc(desc, sizeof desc, &m->outputs[i]);
    printf("  %d  %s  %s\n", (int)i, m->outputs[i].name, desc);
  }
  printf("\nOptions:\n"
         "  -o OUTPUT    write the next output to OUTPUT (repeatable; without "
         "-o, each\n"
         "               output's name, shape and first values are printed)\n"
         "  --bench N    time N runs after warm-up and print\n"
         "               'latency_ms: min=<x> median=<y> mean=<z>'\n"
         "  --threads T  run with T threads (default: the online cores)\n"
         "  --weights PATH  the weights file (default: %s)\n"
         "  --verify-weights  also check the weights file's data checksum\n"
         "  --help       print this help\n",
         !m->weights ? "none, they are in the code"
         : m->weights->embedded
             ? "inside this executable"
             : "this executable's path + '.weights'");
}

/* A decimal integer in [1, max]. */
static int parse_count(const char *s, long max, long *out) {
  if (!s || !*s || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < 1 || v > max)
    return -1;
  *out = v;
  return 0;
}

/* Returns 0, 1 for --help, -1 for a usage error (already reported). */
static int parse_args(int argc, char **argv, options *o) {
  int no_more_options = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (no_more_options || a[0] != '-' || a[1] == '\0') {
      o->inputs[o->num_inputs++] = a;
      continue;
    }
    if (!strcmp(a, "--")) {
      no_more_options = 1;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      o->help = 1;
    } else if (!strcmp(a, "--weights") || !strncmp(a, "--weights=", 10)) {
      if (a[9] == '=') {
        o->weights = a + 10;
      } else {
        if (i + 1 >= argc)
          return usage_error("missing value of option", a);
        o->weights = argv[++i];
      }
    } else if (!strcmp(a, "--verify-weights")) {
      o->verify_weights = 1;
    } else if (!strcmp(a, "-o")) {
      if (i + 1 >= argc)
        return usage_error("missing value of option", a);
      o->outputs[o->num_outputs++] = argv[++i];
    } else if (!strcmp(a, "--bench") || !strcmp(a, "--threads") ||
               !strncmp(a, "--bench=", 8) || !strncmp(a, "--threads=", 10)) {
      int bench = a[2] == 'b';
      const char *eq = strchr(a, '=');
      const char *v;
      if (eq) {
        v = eq + 1;
      } else {
        if (i + 1 >= argc)
          return usage_error("missing value of option", a);
        v = argv[++i];
      }
      long *dst = bench ? &o->bench : &o->threads;
      long max = bench ? KILN_MAX_BENCH : KILN_MAX_THREADS;
      if (parse_count(v, max, dst)) {
        fprintf(stderr,
                "error: %s expects an integer from 1 to %ld, got '%s'\n",
                bench ? "--bench" : "--threads", max, v);
        print_usage_line(stderr);
        return -1;
      }
    } else {
      return usage_error("unknown option", a);
    }
  }
  return o->help ? 1 : 0;
}

/* Whether the actual dims of an output with dims_offset `off` (rank
 * `rank`) lie inside a workspace of `ws` bytes, 8-byte aligned. */
static int valid_dims_offset(int64_t off, int32_t rank, uint64_t ws) {
  return off >= 0 && off % 8 == 0 && (uint64_t)off <= ws &&
         (uint64_t)rank * 8 <= ws - (uint64_t)off;
}

/* Ranges only on inputs, each min..max inside 0..shape. */
static int valid_range(const kiln_tensor_desc *d, int is_output) {
  if (!d->min_shape && !d->dim_symbols)
    return 1;
  if (is_output || (d->rank && (!d->min_shape || !d->dim_symbols)))
    return 0;
  for (int32_t k = 0; k < d->rank; ++k)
    if (d->min_shape[k] < 0 || d->min_shape[k] > d->shape[k] ||
        (d->dim_symbols[k] < 0 && d->min_shape[k] != d->shape[k]))
      return 0;
  return 1;
}

static int check_model(const kiln_model_info *m) {
  if (!m->run || m->num_inputs < 0 || m->num_outputs < 0 ||
      (m->num_inputs && !m->inputs) || (m->num_outputs && !m->outputs) ||
      m->string_arena > m->workspace_size) {
    fprintf(stderr, "error: invalid model descriptor\n");
    return -1;
  }
  for (int k = 0; k < 2; ++k) {
    int32_t n = k ? m->num_outputs : m->num_inputs;
    const kiln_tensor_desc *d = k ? m->outputs : m->inputs;
    for (int32_t i = 0; i < n; ++i) {
      if (!d[i].name || kiln_dtype_size(d[i].dtype) == 0 || d[i].rank < 0 ||
          d[i].rank > KILN_IO_MAX_RANK || (d[i].rank && !d[i].shape) ||
          kiln_io_num_elements(d[i].rank, d[i].shape,
                               kiln_dtype_size(d[i].dtype)) < 0 ||
          (d[i].dims_offset != -1 &&
           (!k || !valid_dims_offset(d[i].dims_offset, d[i].rank,
                                     m->workspace_size))) ||
          !valid_range(&d[i], k)) {
        fprintf(stderr, "error: invalid model descriptor of %s %d '%s'\n",
                k ? "output" : "input", (int)i, d[i].name ? d[i].name : "");
        return -1;
      }
    }
  }
  return 0;
}

static int same_shape(const kiln_host_tensor *t, const kiln_tensor_desc *d) {
  if (t->rank != d->rank)
    return 0;
  for (int32_t i = 0; i < d->rank; ++i)
    if (t->shape[i] != d->shape[i])
      return 0;
  return 1;
}

/* Reads and checks input `i` from `path`; `prev` are the dims of the inputs
 * before it (for the dims that must be equal). */
static int read_input(int i, const char *path, kiln_host_tensor *t,
                      const int64_t *const *prev) {
  const kiln_model_info *m = &kiln_exe_model;
  const kiln_tensor_desc *d = &m->inputs[i];
  int ranged = m->run_dims != NULL;
  char err[512];
  if (kiln_io_read_file(path, t, err, sizeof err)) {
    fprintf(stderr, "error: input %d '%s' (%s): %s\n", i, d->name, path, err);
    return -1;
  }
  if (t->dtype != d->dtype || t->rank != d->rank ||
      (!ranged && !same_shape(t, d))) {
    char want[600], got[512];
    format_desc(want, sizeof want, d);
    kiln_io_format_shape(got, sizeof got, t->rank, t->shape);
    fprintf(stderr, "error: input %d '%s' (%s): expected %s, got %s %s\n", i,
            d->name, path, want, kiln_dtype_name(t->dtype), got);
    return -1;
  }
  if (ranged && kiln_check_input_shape(m, i, t->rank, t->shape, prev, err,
                                       sizeof err)) {
    fprintf(stderr, "error: %s\n", err);
    return -1;
  }
  return 0;
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { /* subnormal: normalize */
      uint32_t e = 0;
      while (!(mant & 0x400)) {
        mant <<= 1;
        ++e;
      }
      bits = sign | ((113 - e) << 23) | ((mant & 0x3ff) << 13);
    }
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* A string in double quotes; '"', '\\' and control characters escaped. */
static void print_string(const char *s) {
  putchar('"');
  for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; ++c) {
    if (*c == '"' || *c == '\\')
      printf("\\%c", *c);
    else if (*c < 0x20 || *c == 0x7f)
      printf("\\x%02x", *c);
    else
      putchar(*c);
  }
  putchar('"');
}

static void print_value(int32_t dtype, const void *data, size_t i) {
  const char *p = (const char *)data + i * kiln_dtype_size(dtype);
  if (dtype == KILN_DTYPE_STRING) {
    const char *s;
    memcpy(&s, p, sizeof s);
    print_string(s);
    return;
  }
  union {
    float f;
    double d;
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
  } v;
  memcpy(&v, p, kiln_dtype_size(dtype));
  switch (dtype) {
  case KILN_DTYPE_FLOAT:
    printf("%g", (double)v.f);
    break;
  case KILN_DTYPE_DOUBLE:
    printf("%g", v.d);
    break;
  case KILN_DTYPE_FLOAT16:
    printf("%g", (double)half_to_float(v.u16));
    break;
  case KILN_DTYPE_BFLOAT16: {
    uint32_t bits = (uint32_t)v.u16 << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    printf("%g", (double)f);
    break;
  }
  case KILN_DTYPE_INT8:
    printf("%d", (int)v.i8);
    break;
  case KILN_DTYPE_UINT8:
  case KILN_DTYPE_BOOL:
    printf("%u", (unsigned)v.u8);
    break;
  case KILN_DTYPE_INT16:
    printf("%d", (int)v.i16);
    break;
  case KILN_DTYPE_UINT16:
    printf("%u", (unsigned)v.u16);
    break;
  case KILN_DTYPE_INT32:
    printf("%ld", (long)v.i32);
    break;
  case KILN_DTYPE_UINT32:
    printf("%lu", (unsigned long)v.u32);
    break;
  case KILN_DTYPE_INT64:
    printf("%lld", (long long)v.i64);
    break;
  case KILN_DTYPE_UINT64:
    printf("%llu", (unsigned long long)v.u64);
    break;
  default:
    printf("?");
    break;
  }
}

/* Prints an output of the given (actual) shape. */
static void print_output(int i, const kiln_tensor_desc *d, const int64_t *shape,
                         const void *data) {
  char desc[512];
  kiln_io_format_shape(desc, sizeof desc, d->rank, shape);
  printf("output %d '%s' %s %s:", i, d->name, kiln_dtype_name(d->dtype), desc);
  size_t n = (size_t)kiln_io_num_elements(d->rank, shape, 0);
  for (size_t k = 0; k < n && k < KILN_PRINT_VALUES; ++k) {
    putchar(' ');
    print_value(d->dtype, data, k);
  }
  if (n > KILN_PRINT_VALUES)
    printf(" ...");
  putchar('\n');
}

/* Device runtimes (runtime/cuda for --target=cuda) define these; CPU
 * executables do not, and the weak references stay null. */
extern int kiln_device_init(void) __attribute__((weak));
extern void kiln_device_timer_start(void) __attribute__((weak));
extern double kiln_device_timer_stop(void) __attribute__((weak));
extern const char *kiln_device_timer_scope(void) __attribute__((weak));

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The actual dims of the inputs, for a model compiled with ranges. */
static const int64_t *const *input_dims;

static int run_once(const void *const *in, void *const *out, void *ws) {
  int rc = kiln_exe_model.run_dims
               ? kiln_exe_model.run_dims(in, input_dims, out, ws)
               : kiln_exe_model.run(in, out, ws);
  if (rc == 0)
    return 0;
  fprintf(stderr, "error: run failed: ");
  switch (rc) {
  case KILN_ERROR_NULL_ARGUMENT:
    fprintf(stderr, "an input, output or workspace pointer is null\n");
    break;
  case KILN_ERROR_STRING_ARENA:
    fprintf(stderr,
            "the string arena (%llu bytes) is too small for this run's "
            "strings; recompile with a larger --string-arena\n",
            (unsigned long long)kiln_exe_model.string_arena);
    break;
  case KILN_ERROR_INPUT_SHAPE:
    fprintf(stderr, "an input dimension is outside the range the model was "
                    "compiled for\n");
    break;
  case KILN_ERROR_WEIGHTS_NOT_LOADED:
    fprintf(stderr, "the model has no weights loaded\n");
    break;
  default:
    fprintf(stderr, "error code %d\n", rc);
    break;
  }
  return rc;
}

/* The actual shape of output `d` after a run: its dims in the workspace
 * when the shape is data-dependent (checked against the bounds), else the
 * static shape. */
static int actual_shape(int i, const kiln_tensor_desc *d, const void *ws,
                        int64_t *shape) {
  if (d->dims_offset < 0) {
    if (d->rank)
      memcpy(shape, d->shape, (size_t)d->rank * sizeof(int64_t));
    return 0;
  }
  if (d->rank)
    memcpy(shape, (const char *)ws + d->dims_offset,
           (size_t)d->rank * sizeof(int64_t));
  for (int32_t k = 0; k < d->rank; ++k) {
    if (shape[k] < 0 || shape[k] > d->shape[k]) {
      char got[512], bound[512];
      kiln_io_format_shape(got, sizeof got, d->rank, shape);
      kiln_io_format_shape(bound, sizeof bound, d->rank, d->shape);
      fprintf(stderr,
              "error: model returned an output shape outside its bounds: "
              "output %d '%s' is %s, bounds %s\n",
              i, d->name, got, bound);
      return -1;
    }
  }
  return 0;
}

/* Warm-up, then `n` timed runs; prints the latency line. */
static int bench(long n, const void *const *in, void *const *out, void *ws) {
  double *ms = (double *)malloc((size_t)n * sizeof(double));
  if (!ms) {
    fprintf(stderr, "error: out of memory\n");
    return -1;
  }
  /* Warm-up: KILN_WARMUP_RUNS runs, more for a fast model (until
   * KILN_WARMUP_MIN_S seconds have passed, at most KILN_WARMUP_MAX_RUNS). */
  double start = now_s();
  for (int w = 0; w < KILN_WARMUP_MAX_RUNS; ++w) {
    if (w >= KILN_WARMUP_RUNS && now_s() - start >= KILN_WARMUP_MIN_S)
      break;
    if (run_once(in, out, ws)) {
      free(ms);
      return -1;
    }
  }
  /* On a device, events time the device's work (input/output copies
   * included) instead of the host clock. */
  int device_timer = kiln_device_timer_start && kiln_device_timer_stop;
  double sum = 0;
  for (long i = 0; i < n; ++i) {
    double t0 = 0;
    if (device_timer)
      kiln_device_timer_start();
    else
      t0 = now_s();
    if (run_once(in, out, ws)) {
      free(ms);
      return -1;
    }
    ms[i] = device_timer ? kiln_device_timer_stop() : (now_s() - t0) * 1e3;
    sum += ms[i];
  }
  qsort(ms, (size_t)n, sizeof(double), cmp_double);
  double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  /* Sub-millisecond models need more digits than 3 decimals. */
  const char *fmt = ms[0] < 1.0
                        ? "latency_ms: min=%.6f median=%.6f mean=%.6f\n"
                        : "latency_ms: min=%.3f median=%.3f mean=%.3f\n";
  printf(fmt, ms[0], median, sum / (double)n);
  if (device_timer)
    printf("timing: %s\n",
           kiln_device_timer_scope
               ? kiln_device_timer_scope()
               : "CUDA events around each run, host<->device copies included");
  free(ms);
  return 0;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s && s[1] ? s + 1 : path;
}

#pragma GCC visibility push(default)
int main(int argc, char **argv);
#pragma GCC visibility pop

/* The weights: embedded ones stay unless --weights names a file; a model
 * compiled with --weights=file loads its file from next to the executable. */
static int load_weights(const kiln_model_info *m, const options *o,
                        const char *argv0) {
  if (!m->weights || !m->weights_state) {
    if (o->weights) {
      fprintf(stderr, "error: --weights: this model keeps its weights in "
                      "its code\n");
      return -1;
    }
    return 0;
  }
  const char *file = o->weights;
  if (!file && m->weights->embedded) {
    if (!o->verify_weights)
      return 0;
    /* --verify-weights on the embedded image: its own header's size. */
    kiln_weights_header h;
    memcpy(&h, m->weights->embedded, sizeof h);
    if (kiln_weights_set(m->weights, m->weights_state, m->weights->embedded,
                         (size_t)h.file_size, KILN_WEIGHTS_VERIFY) != 0) {
      fprintf(stderr, "error: %s\n", m->weights_state->message);
      return -1;
    }
    return 0;
  }
  char path[PATH_MAX + 16];
  if (!file) {
    ssize_t n = readlink("/proc/self/exe", path, PATH_MAX);
    if (n <= 0) {
      n = (ssize_t)strlen(argv0);
      if (n > PATH_MAX)
        n = PATH_MAX;
      memcpy(path, argv0, (size_t)n);
    }
    memcpy(path + n, ".weights", sizeof ".weights");
    file = path;
  }
  int rc = kiln_weights_load(m->weights, m->weights_state, file,
                             o->verify_weights ? KILN_WEIGHTS_VERIFY : 0);
  if (rc != 0) {
    fprintf(stderr, "error: %s%s\n", m->weights_state->message,
            rc == KILN_ERROR_WEIGHTS_FILE && !o->weights
                ? " (the model was compiled with --weights=file: keep the "
                  "weights file next to the executable or pass --weights "
                  "PATH)"
                : "");
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const kiln_model_info *m = &kiln_exe_model;
  if (argc > 0 && argv[0] && argv[0][0])
    prog_name = base_name(argv[0]);

  options o;
  memset(&o, 0, sizeof o);
  o.inputs = (const char **)calloc((size_t)argc + 1, sizeof(char *));
  o.outputs = (const char **)calloc((size_t)argc + 1, sizeof(char *));
  int32_t nin = m->num_inputs > 0 ? m->num_inputs : 0;
  int32_t nout = m->num_outputs > 0 ? m->num_outputs : 0;
  kiln_host_tensor *inputs =
      (kiln_host_tensor *)calloc((size_t)nin + 1, sizeof(kiln_host_tensor));
  const void **in_ptrs = (const void **)calloc((size_t)nin + 1, sizeof(void *));
  const int64_t **in_dims =
      (const int64_t **)calloc((size_t)nin + 1, sizeof(int64_t *));
  void **out_ptrs = (void **)calloc((size_t)nout + 1, sizeof(void *));
  void *workspace = NULL;
  int status = 1;
  if (!o.inputs || !o.outputs || !inputs || !in_ptrs || !in_dims ||
      !out_ptrs) {
    fprintf(stderr, "error: out of memory\n");
    goto done;
  }

  int parsed = parse_args(argc, argv, &o);
  if (parsed < 0)
    goto done;
  if (check_model(m))
    goto done;
  if (parsed == 1) {
    print_help();
    status = 0;
    goto done;
  }
  /* Before any model code: code compiled for instruction set extensions
   * this CPU lacks would die of SIGILL. */
  if (kiln_cpu_check(m->cpu) != 0) {
    fprintf(stderr, "error: %s\n", kiln_cpu_message(m->cpu));
    goto done;
  }

  /* Command-line checks before any file is read. */
  if (o.num_outputs > nout) {
    fprintf(stderr,
            "error: too many outputs: the model has %d, got %d -o paths\n",
            (int)nout, o.num_outputs);
    goto done;
  }
  for (int i = 0; i < o.num_outputs; ++i) {
    kiln_io_format format = kiln_io_format_of_path(o.outputs[i]);
    if (format == KILN_IO_FORMAT_UNKNOWN) {
      fprintf(stderr,
              "error: output %d '%s': unknown file type of '%s' (use a .npy "
              "or .pb extension)\n",
              i, m->outputs[i].name, o.outputs[i]);
      goto done;
    }
    if (!kiln_io_format_supports(format, m->outputs[i].dtype)) {
      fprintf(stderr,
              "error: output %d '%s': %s cannot be written as .npy (use a "
              ".pb path)\n",
              i, m->outputs[i].name, kiln_dtype_name(m->outputs[i].dtype));
      goto done;
    }
  }
  if (o.num_inputs != nin) {
    if (o.num_inputs > nin) {
      fprintf(stderr, "error: too many inputs: the model takes %d, got %d\n",
              (int)nin, o.num_inputs);
    } else {
      char desc[600];
      format_desc(desc, sizeof desc, &m->inputs[o.num_inputs]);
      fprintf(stderr,
              "error: missing input %d '%s' (%s): the model takes %d, got "
              "%d\n",
              o.num_inputs, m->inputs[o.num_inputs].name, desc, (int)nin,
              o.num_inputs);
    }
    print_usage_line(stderr);
    goto done;
  }

  if (load_weights(m, &o, argc > 0 && argv[0] ? argv[0] : "model"))
    goto done;
  if (o.threads)
    kiln_set_num_threads((int32_t)o.threads);

  for (int32_t i = 0; i < nin; ++i) {
    if (read_input(i, o.inputs[i], &inputs[i], in_dims))
      goto done;
    in_ptrs[i] = inputs[i].data;
    in_dims[i] = inputs[i].shape;
  }
  input_dims = in_dims;
  for (int32_t i = 0; i < nout; ++i) {
    const kiln_tensor_desc *d = &m->outputs[i];
    size_t bytes = (size_t)kiln_io_num_elements(d->rank, d->shape, 0) *
                   kiln_dtype_size(d->dtype);
    out_ptrs[i] = kiln_io_aligned_alloc(bytes);
    if (!out_ptrs[i]) {
      fprintf(stderr, "error: out of memory for output %d '%s' (%zu bytes)\n",
              (int)i, d->name, bytes);
      goto done;
    }
    memset(out_ptrs[i], 0, bytes);
  }
  if (m->workspace_size) {
    if (m->workspace_size > SIZE_MAX - 64 ||
        !(workspace = kiln_io_aligned_alloc((size_t)m->workspace_size))) {
      fprintf(stderr, "error: out of memory for the workspace (%llu bytes)\n",
              (unsigned long long)m->workspace_size);
      goto done;
    }
  }

  if (kiln_device_init && kiln_device_init() != 0)
    goto done;
  if (o.bench) {
    if (bench(o.bench, in_ptrs, out_ptrs, workspace))
      goto done;
  } else if (run_once(in_ptrs, out_ptrs, workspace)) {
    goto done;
  }

  /* Check every data-dependent shape before anything is written. */
  for (int32_t i = 0; i < nout; ++i) {
    int64_t shape[KILN_IO_MAX_RANK];
    if (actual_shape((int)i, &m->outputs[i], workspace, shape))
      goto done;
  }
  for (int32_t i = 0; i < nout; ++i) {
    const kiln_tensor_desc *d = &m->outputs[i];
    int64_t shape[KILN_IO_MAX_RANK];
    actual_shape((int)i, d, workspace, shape);
    if (i < o.num_outputs) {
      const char *path = o.outputs[i];
      int e = kiln_io_write_file(path, kiln_io_format_of_path(path), d->name,
                                 d->dtype, d->rank, shape, out_ptrs[i]);
      if (e) {
        fprintf(stderr, "error: cannot write output %d '%s' to '%s': %s\n",
                (int)i, d->name, path,
                e == EILSEQ ? "a string is not valid UTF-8, which .npy cannot "
                              "hold (use a .pb path)"
                            : strerror(e));
        goto done;
      }
    } else if (!o.bench && o.num_outputs == 0) {
      print_output((int)i, d, shape, out_ptrs[i]);
    }
  }
  if (fflush(stdout) != 0) {
    fprintf(stderr, "error: cannot write to stdout: %s\n", strerror(errno));
    goto done;
  }
  status = 0;

done:
  for (int32_t i = 0; inputs && i < nin; ++i)
    kiln_host_tensor_free(&inputs[i]);
  for (int32_t i = 0; out_ptrs && i < nout; ++i)
    kiln_io_aligned_free(out_ptrs[i]);
  kiln_io_aligned_free(workspace);
  free(inputs);
  free(in_ptrs);
  free(in_dims);
  free(out_ptrs);
  free(o.inputs);
  free(o.outputs);
  return status;
}
