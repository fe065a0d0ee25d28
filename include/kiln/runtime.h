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
  KILN_DTYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  KILN_DTYPE_FLOAT16 = 10,
  KILN_DTYPE_DOUBLE = 11,
  KILN_DTYPE_UINT32 = 12,
  KILN_DTYPE_UINT64 = 13,
};

/* One model input or output: a dense, row-major tensor of static shape. */
typedef struct kiln_tensor_desc {
  const char *name;     /* the ONNX graph input/output name */
  int32_t dtype;        /* enum kiln_dtype */
  int32_t rank;
  const int64_t *shape; /* `rank` dimensions */
} kiln_tensor_desc;

/* Entry point of a compiled model: inputs[i] / outputs[i] point at dense
 * buffers matching the descriptors; workspace points at workspace_size bytes
 * (64-byte aligned; may be NULL when workspace_size is 0). Returns 0 on
 * success. */
typedef int (*kiln_run_fn)(const void *const inputs[], void *const outputs[],
                           void *workspace);

typedef struct kiln_model_info {
  const char *name; /* the model's symbol prefix */
  int32_t num_inputs;
  int32_t num_outputs;
  const kiln_tensor_desc *inputs;
  const kiln_tensor_desc *outputs;
  uint64_t workspace_size;
  kiln_run_fn run;
} kiln_model_info;

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

/* Size in bytes of one element of a dtype, or 0 for an unknown code. */
size_t kiln_dtype_size(int32_t dtype);
const char *kiln_dtype_name(int32_t dtype);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_H */
