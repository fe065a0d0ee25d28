/*===- kiln/runtime.h - The contract between generated code and the runtime -===*
 *
 * Plain C. Everything a deployed Kiln artifact links is declared here:
 *  - the model descriptor that every compiled model object defines, and
 *  - the runtime services generated code may call (thread pool).
 *
 * Ownership: descriptors are read-only data owned by the model object; the
 * runtime never frees them. Tensor buffers are owned by the caller.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types use the ONNX TensorProto.DataType codes. */
enum kiln_dtype {
  KILN_DTYPE_FLOAT = 1,
  KILN_DTYPE_UINT8 = 2,
  KILN_DTYPE_INT8 = 3,
  KILN_DTYPE_UINT16 = 4,
  KILN_DTYPE_INT16 = 5,
  KILN_DTYPE_INT32 = 6,
  KILN_DTYPE_INT64 = 7,
  KILN_DTYPE_STRING = 8, /* const char * per element (see below) */
  KILN_DTYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  KILN_DTYPE_FLOAT16 = 10,
  KILN_DTYPE_DOUBLE = 11,
  KILN_DTYPE_UINT32 = 12,
  KILN_DTYPE_UINT64 = 13,
};

/* String tensors (KILN_DTYPE_STRING): each element is a `const char *` to a
 * NUL-terminated UTF-8 string. Inputs point at the caller's strings. Output
 * elements point either at input strings or at bytes the model wrote into the
 * string arena at the end of the workspace (kiln_model_info.string_arena
 * bytes, set at compile time with model-compile --string-arena=BYTES); they
 * stay valid until the next run with the same workspace. A run whose strings
 * do not fit returns KILN_ERROR_STRING_ARENA; nothing is ever allocated. */

/* One model input or output: a dense, row-major tensor. */
typedef struct kiln_tensor_desc {
  const char *name;     /* the ONNX graph input/output name */
  int32_t dtype;        /* enum kiln_dtype */
  int32_t rank;
  const int64_t *shape; /* `rank` dimensions (upper bounds, see dims_offset
                         * and min_shape) */
  /* -1: the shape is static. Otherwise (outputs only) the shape depends on
   * the input data or on the input dims: `shape` holds upper bounds (the
   * caller's buffer is sized by them) and a run writes the actual dims,
   * `rank` int64_t values, at (char *)workspace + dims_offset; the data is
   * stored densely, row-major in the actual shape, from the start of the
   * buffer. */
  int64_t dims_offset;
  /* Inputs of a model compiled with dimension ranges (model-compile --dim /
   * --input-shape with MIN:MAX; NULL otherwise, and for outputs): dimension
   * d accepts any size from min_shape[d] to shape[d]; dim_symbols[d] is -1
   * for a static dimension, else a symbol id >= 0, and the dimensions (of
   * any inputs) with the same symbol must be equal in a run. */
  const int64_t *min_shape;
  const int64_t *dim_symbols;
} kiln_tensor_desc;

/* Entry point of a compiled model: inputs[i] / outputs[i] point at dense
 * buffers matching the descriptors; workspace points at workspace_size bytes
 * (64-byte aligned; may be NULL when workspace_size is 0). Returns 0 on
 * success. A model compiled with dimension ranges runs at the upper bounds
 * (the descriptors' shapes). */
typedef int (*kiln_run_fn)(const void *const inputs[], void *const outputs[],
                           void *workspace);

/* Entry point of a model compiled with dimension ranges, for any input
 * shape inside them: input_dims[i] points at the `rank` actual dims of
 * input i (NULL is allowed for an input without dynamic dims); inputs are
 * dense in those shapes, outputs[i] are sized by the upper bounds. Every dim is
 * checked (range, equal symbols) before any memory is touched:
 * KILN_ERROR_INPUT_SHAPE. The actual shape of each dynamic output is at
 * workspace + dims_offset after the run. */
typedef int (*kiln_run_dims_fn)(const void *const inputs[],
                                const int64_t *const input_dims[],
                                void *const outputs[], void *workspace);

/* ---- Weights (model-compile --weights=embed|file|auto) ---- */

/* One tensor of a model's weights blob (include/kiln/weights_format.h). */
typedef struct kiln_weights_tensor {
  const char *name;
  int32_t dtype; /* enum kiln_dtype */
  int32_t rank;
  const int64_t *shape;
  uint64_t offset; /* from the start of the data, 64-byte aligned */
  uint64_t size;   /* bytes */
} kiln_weights_tensor;

/* What a compiled model expects of its weights: read-only, in the model. */
typedef struct kiln_weights_desc {
  uint8_t fingerprint[32]; /* of the compiled code (weights_format.h) */
  uint64_t data_size;
  uint64_t num_tensors;
  const kiln_weights_tensor *tensors;
  /* The weights file image linked into the artifact (--weights=embed), or
   * NULL: the weights come from a file (--weights=file). */
  const void *embedded;
  const char *description; /* target, CPU and options it was compiled for */
} kiln_weights_desc;

/* The weights a model runs with: one per model, written only by
 * kiln_weights_load/kiln_weights_set, read by every run (which returns
 * KILN_ERROR_WEIGHTS_NOT_LOADED while `data` is NULL). Loading while runs
 * are in flight is not allowed. */
typedef struct kiln_weights_state {
  const void *data;     /* start of the tensor data */
  void *mapping;        /* what the runtime mapped (munmap on reload) */
  uint64_t mapping_size;
  void *heap;           /* what it read into memory (free on reload) */
  char message[512];    /* why the last load/set failed */
} kiln_weights_state;

/* Flags of kiln_weights_load. */
enum {
  KILN_WEIGHTS_READ = 1,   /* read the file into memory instead of mapping */
  KILN_WEIGHTS_VERIFY = 2, /* also check the data checksum (reads it all) */
};

/* Maps (or reads) the weights file at `path`, checks it against `d` (magic,
 * version, header checksum, size, fingerprint; with KILN_WEIGHTS_VERIFY the
 * data checksum) and on success makes it the weights of `s` (releasing what
 * a previous load mapped or read). Returns 0 or a KILN_ERROR_WEIGHTS_* code,
 * with the reason in s->message (without "error:"), e.g.
 *   "weights file 'm.weights' is truncated: 4096 bytes, its header says
 *    1052672". */
int kiln_weights_load(const kiln_weights_desc *d, kiln_weights_state *s,
                      const char *path, int flags);
/* The same for a weights file image already in memory (flash, a section):
 * `blob` (64-byte aligned) must stay valid while the model runs. */
int kiln_weights_set(const kiln_weights_desc *d, kiln_weights_state *s,
                     const void *blob, size_t size, int flags);

/* ---- CPU features (lib/Target/CpuCheck.cpp, runtime/cpu.c) ---- */

/* What a model's code needs of the CPU it runs on: the instruction set
 * extensions of kiln/cpu_features.def that the target it was compiled for
 * has (--mcpu; for --mcpu=native, the build machine's). Written by the
 * compiler except `status` and `message`, which the first kiln_cpu_check
 * sets (so the descriptor is writable data of the model). */
typedef struct kiln_cpu_requirements {
  const char *subject;  /* "this executable", "model 'NAME'" */
  const char *cpu;      /* the CPU it was compiled for, e.g. "znver3" */
  int32_t arch;         /* enum kiln_cpu_arch */
  int32_t num_features;
  const char *const *features; /* LLVM names, e.g. "avx2", "dotprod" */
  int32_t status;       /* 0: not checked yet, 1: supported, 2: not */
  char message[1024];   /* when not supported: why (without "error:") */
} kiln_cpu_requirements;

enum kiln_cpu_arch {
  KILN_CPU_ARCH_OTHER = 0, /* nothing is checked */
  KILN_CPU_ARCH_X86_64 = 1,
  KILN_CPU_ARCH_AARCH64 = 2,
};

/* Checks (once; thread-safe) that the running CPU has every feature `r`
 * lists: x86-64 by CPUID, with the AVX/AVX-512/APX register state enabled
 * by the OS (XGETBV); AArch64 Linux by getauxval(AT_HWCAP/AT_HWCAP2).
 * Returns 0, or KILN_ERROR_CPU with r->message set, e.g.
 *   "this executable needs avx512f, ... (compiled for x86-64-v4); this CPU
 *    lacks avx512f, avx512bw, ...; rebuild with --mcpu=x86-64-v3 or with
 *    several --mcpu levels".
 * Where the features cannot be read (another OS or architecture than the
 * runtime's) nothing is checked. NULL `r` is supported. */
int kiln_cpu_check(kiln_cpu_requirements *r);
/* r->message after a failed check, a generic text otherwise. */
const char *kiln_cpu_message(kiln_cpu_requirements *r);

typedef struct kiln_model_info {
  const char *name; /* the model's symbol prefix */
  int32_t num_inputs;
  int32_t num_outputs;
  const kiln_tensor_desc *inputs;
  const kiln_tensor_desc *outputs;
  uint64_t workspace_size; /* includes dims and the string arena */
  kiln_run_fn run;
  uint64_t string_arena; /* bytes of the string arena (0: no string ops) */
  /* Models compiled with dimension ranges (NULL otherwise). */
  kiln_run_dims_fn run_dims;
  /* The model's weights (NULL for targets that keep them in the code). */
  const kiln_weights_desc *weights;
  kiln_weights_state *weights_state;
  /* What the code needs of the CPU (NULL: nothing is checked). Every run
   * function checks it first (KILN_ERROR_CPU); executables at start-up. */
  kiln_cpu_requirements *cpu;
} kiln_model_info;

/* Non-zero return codes of a model's run function. */
enum kiln_error {
  KILN_ERROR_NULL_ARGUMENT = 1, /* an input, output or workspace is NULL */
  KILN_ERROR_STRING_ARENA = 2,  /* the run's strings overflow the arena */
  KILN_ERROR_INPUT_SHAPE = 3,   /* an input dim outside its range, or dims
                                   with one symbol that differ (run_dims) */
  KILN_ERROR_WEIGHTS_NOT_LOADED = 4, /* no weights yet (--weights=file) */
  KILN_ERROR_WEIGHTS_FILE = 5,   /* the weights file cannot be opened/read */
  KILN_ERROR_WEIGHTS_FORMAT = 6, /* not a weights file, another format
                                    version, truncated or corrupted */
  KILN_ERROR_WEIGHTS_MODEL = 7,  /* weights of another model (fingerprint) */
  KILN_ERROR_CPU = 8, /* the CPU lacks features the code was compiled for */
};

/* Checks the shape of input i of `m` (rank dims `dims`) against its
 * descriptor: the rank, each dim against its range (its static size for a
 * model without ranges), and the dims that share a symbol with a dim of
 * this input or of the inputs before it (prev_dims[j]: the dims of input j
 * < i, already checked; may be NULL when i is 0). Returns 0, or -1 with a
 * message (without "error:") in msg, e.g.
 *   "input 'x': dimension 2 is 600, outside its range 32..512". */
int kiln_check_input_shape(const kiln_model_info *m, int32_t i, int32_t rank,
                           const int64_t *dims,
                           const int64_t *const prev_dims[], char *msg,
                           size_t msg_size);

/* Formats the shapes a tensor accepts into buf: "1..8x3x32..512" (a range
 * MIN..MAX per dynamic dimension), "2x3" when static, "scalar" for rank 0. */
void kiln_format_input_range(char *buf, size_t size,
                             const kiln_tensor_desc *d);

/* The descriptor of the model linked into a standalone executable
 * (model-compile --emit=exe defines it; runtime/main.c uses it). */
extern const kiln_model_info kiln_exe_model;

/* ---- Runtime services called by generated code ---- */

/* Body of a parallel loop: runs iterations [begin, end) with `ctx`. */
typedef void (*kiln_parallel_body)(void *ctx, int64_t begin, int64_t end);

/* Runs body over [0, n) split into contiguous chunks across the runtime's
 * thread pool (the calling thread takes part); returns when all are done.
 * Falls back to a serial call when the pool has one thread or when called
 * from inside a parallel region. */
void kiln_parallel_for(int64_t n, kiln_parallel_body body, void *ctx);

/* Sets the number of threads of the pool (>= 1; default: online cores). */
void kiln_set_num_threads(int32_t n);
int32_t kiln_get_num_threads(void);

/* String ops (runtime/strings.c), called by generated code only. A run that
 * uses them starts with kiln_strings_begin(arena, bytes) and ends with
 * kiln_strings_end(), which returns 0 or KILN_ERROR_STRING_ARENA. The arena
 * state is per thread, so concurrent runs on distinct threads are safe. */
void kiln_strings_begin(void *arena, int64_t size);
int32_t kiln_strings_end(void);
/* StringNormalizer over n strings: drops stopwords (a blob of `num_stopwords`
 * NUL-terminated strings), changes case; writes the kept strings to out and
 * their count to *count (when every string is dropped: one empty string,
 * count 1). flags: KILN_STRNORM_* below. `out` holds max(n, 1) elements and
 * may be `in`; kept strings that need no case change point at the input.
 * Outside kiln_strings_begin/end the arena is empty (size 0). */
enum {
  KILN_STRNORM_LOWER = 1,
  KILN_STRNORM_UPPER = 2,
  KILN_STRNORM_CASE_SENSITIVE = 4,
};
void kiln_string_normalize(const char *const *in, int64_t n, const char **out,
                           int64_t *count, const char *stopwords,
                           int64_t num_stopwords, int32_t flags);

/* Cast between strings and floats (ONNX Cast). Parsing accepts what strtod
 * does ("1e-3", "inf", "-INF", "NaN", surrounding spaces); an unparsable
 * string gives NaN. Formatting writes the shortest decimal that reads back
 * as the same value, as numpy's str() does ("0.1", "1e-05", "inf", "nan"),
 * into the arena. */
void kiln_string_to_f32(const char *const *in, int64_t n, float *out);
void kiln_string_to_f64(const char *const *in, int64_t n, double *out);
void kiln_string_from_f32(const float *in, int64_t n, const char **out);
void kiln_string_from_f64(const double *in, int64_t n, const char **out);

/* Size in bytes of one element of a dtype, or 0 for an unknown code. */
size_t kiln_dtype_size(int32_t dtype);
const char *kiln_dtype_name(int32_t dtype);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_H */
