/*===- tensor_io.h - Reading and writing tensors as .npy / TensorProto .pb -===*
 *
 * Host-side helpers of the generated executable (runtime/main.c), kept apart
 * so the library and CUDA drivers can reuse them. Plain C11, libc only.
 *
 * Formats:
 *  - .npy: versions 1.0/2.0/3.0, little-endian (or one-byte) dtypes f2/f4/f8,
 *    i1/i2/i4/i8, u1/u2/u4/u8, b1, and the strings <U<n> (UTF-32, read as
 *    UTF-8) and |S<n> (bytes); C order. Written as version 1.0 (2.0 when the
 *    header does not fit); strings as <U<longest string in code points>.
 *  - .pb: a serialized ONNX TensorProto. Read: dims, data_type, raw_data or
 *    the typed fields (float_data, int32_data, int64_data, double_data,
 *    uint64_data, string_data), name; other fields are skipped. Written:
 *    dims, data_type, name, raw_data (string_data for strings).
 * String tensors (KILN_DTYPE_STRING) are arrays of `const char *` to
 * NUL-terminated UTF-8 strings, as the model ABI has them, so a string with
 * an embedded NUL cannot be read.
 * Everything assumes a little-endian host.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_RUNTIME_TENSOR_IO_H
#define KILN_RUNTIME_TENSOR_IO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ONNX BFLOAT16: not in enum kiln_dtype, but model-compile emits it for
 * bf16 model inputs/outputs. kiln_dtype_size/name know it (2 bytes,
 * "bfloat16"); it is read and written as .pb only (.npy has no bfloat16). */
#ifndef KILN_DTYPE_BFLOAT16
#define KILN_DTYPE_BFLOAT16 16
#endif

/* numpy's limit on the number of dimensions. */
#define KILN_IO_MAX_RANK 64

/* A dense row-major tensor in host memory. */
typedef struct kiln_host_tensor {
  int32_t dtype; /* enum kiln_dtype */
  int32_t rank;
  int64_t shape[KILN_IO_MAX_RANK];
  size_t num_elements;
  size_t nbytes;
  void *data; /* 64-byte aligned, owned (kiln_io_aligned_alloc) */
  /* String tensors: the NUL-terminated strings that the `const char *`
   * elements of `data` point into (owned, malloc); NULL otherwise. */
  char *strings;
} kiln_host_tensor;

typedef enum kiln_io_format {
  KILN_IO_FORMAT_UNKNOWN = 0,
  KILN_IO_FORMAT_NPY,
  KILN_IO_FORMAT_PB,
} kiln_io_format;

/* The format named by a path's extension (.npy / .pb, any case). */
kiln_io_format kiln_io_format_of_path(const char *path);

/* 64-byte aligned memory; `size` 0 still returns a valid (64-byte) block.
 * Free with kiln_io_aligned_free. Returns NULL when out of memory. */
void *kiln_io_aligned_alloc(size_t size);
void kiln_io_aligned_free(void *ptr);

/* Formats a shape as "2x3" ("scalar" for rank 0) into buf. */
void kiln_io_format_shape(char *buf, size_t size, int32_t rank,
                          const int64_t *shape);

/* Elements of a shape, or -1 when a dimension is negative or the product
 * overflows (or exceeds SIZE_MAX / elem_size when elem_size > 0). */
int64_t kiln_io_num_elements(int32_t rank, const int64_t *shape,
                             size_t elem_size);

/* Reads a tensor file: .npy or .pb by extension (a file with another
 * extension is read as .npy when it starts with the npy magic). On success
 * returns 0 and fills *t (release with kiln_host_tensor_free). On failure
 * returns -1 and writes a message (without "error:" or the file name) into
 * err; *t is left empty. */
int kiln_io_read_file(const char *path, kiln_host_tensor *t, char *err,
                      size_t err_size);

/* Parsers of in-memory files, same conventions. */
int kiln_io_parse_npy(const uint8_t *buf, size_t len, kiln_host_tensor *t,
                      char *err, size_t err_size);
int kiln_io_parse_pb(const uint8_t *buf, size_t len, kiln_host_tensor *t,
                     char *err, size_t err_size);

void kiln_host_tensor_free(kiln_host_tensor *t);

/* Whether `format` can hold `dtype` (.npy cannot hold bfloat16). */
int kiln_io_format_supports(kiln_io_format format, int32_t dtype);

/* Writes a tensor to `path` as `format` (.npy ignores `name`); `data` holds
 * the elements (`const char *` for strings, NULL read as ""). Returns 0 or
 * an errno value (EINVAL for an unsupported dtype or format, ENOMEM, EILSEQ
 * for a string that is not valid UTF-8 written as .npy). */
int kiln_io_write_file(const char *path, kiln_io_format format,
                       const char *name, int32_t dtype, int32_t rank,
                       const int64_t *shape, const void *data);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_TENSOR_IO_H */
