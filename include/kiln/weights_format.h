/*===- kiln/weights_format.h - The Kiln weights file format -----*- C -*-===*
 *
 * Plain C, shared by the compiler (which writes weights files and embedded
 * weights) and the runtime (which maps and checks them). Format version 1;
 * every integer is little-endian.
 *
 *   offset 0            struct kiln_weights_header (128 bytes)
 *   table_offset        num_tensors x struct kiln_weights_entry (48 bytes)
 *                       then the dims of every tensor (int64_t each, in
 *                       table order), then the strings: each tensor's name
 *                       and the compile description, NUL-terminated
 *   data_offset         the tensor data (a multiple of 4096: page-aligned
 *                       for mmap); each tensor at data_offset + its offset,
 *                       64-byte aligned, dense and row-major, zero padding
 *                       between tensors; data_size is a multiple of 64
 *   file_size           = data_offset + data_size
 *
 * `fingerprint` identifies the compiled code the weights belong to: the
 * SHA-256 of the model's code after the weights were taken out of it, of
 * the tensor table and of the compile description (target, CPU, features,
 * optimization level, Kiln version). A compiled model accepts a weights
 * file exactly when the fingerprints match; weights of another checkpoint
 * of the same graph, compiled the same way, have the same fingerprint.
 *
 * `header_checksum` covers bytes [0, data_offset) with the field itself
 * read as 0; `data_checksum` covers [data_offset, file_size). Both use
 * kiln_weights_checksum below.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_WEIGHTS_FORMAT_H
#define KILN_WEIGHTS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_WEIGHTS_MAGIC "KILNWTS\x1a" /* 8 bytes, no NUL */
#define KILN_WEIGHTS_VERSION 1u
#define KILN_WEIGHTS_DATA_ALIGN 4096u  /* data_offset */
#define KILN_WEIGHTS_TENSOR_ALIGN 64u  /* each tensor's offset */

typedef struct kiln_weights_header {
  char magic[8];            /* KILN_WEIGHTS_MAGIC */
  uint32_t version;         /* KILN_WEIGHTS_VERSION */
  uint32_t header_size;     /* sizeof(kiln_weights_header) = 128 */
  uint8_t fingerprint[32];  /* SHA-256 of the compiled code (see above) */
  uint64_t file_size;       /* bytes of the whole file */
  uint64_t num_tensors;
  uint64_t table_offset;    /* = header_size */
  uint64_t table_size;      /* entries + dims + strings */
  uint64_t data_offset;     /* multiple of KILN_WEIGHTS_DATA_ALIGN */
  uint64_t data_size;       /* multiple of KILN_WEIGHTS_TENSOR_ALIGN */
  uint64_t data_checksum;   /* kiln_weights_checksum of the data */
  uint64_t header_checksum; /* of [0, data_offset), this field as 0 */
  uint32_t description_offset; /* the compile description: offset from */
  uint32_t description_size;   /* table_offset, bytes without the NUL */
  uint8_t reserved[8];      /* 0 */
} kiln_weights_header;

typedef struct kiln_weights_entry {
  uint64_t offset;      /* from data_offset; multiple of 64 */
  uint64_t size;        /* bytes (bools: one byte per element) */
  int32_t dtype;        /* enum kiln_dtype (ONNX TensorProto codes) */
  int32_t rank;
  uint32_t dims_index;  /* first dim in the dims array (int64_t units) */
  uint32_t name_offset; /* from table_offset; NUL-terminated */
  uint32_t name_size;   /* bytes without the NUL */
  uint32_t reserved;    /* 0 */
  uint64_t reserved2;   /* 0 */
} kiln_weights_entry;

/* 64-bit FNV-1a over little-endian 8-byte words: h = (h ^ word) * prime.
 * `size` must be a multiple of 8 (every checksummed range is). Start with
 * h = KILN_WEIGHTS_CHECKSUM_SEED; a range may be fed in pieces. */
#define KILN_WEIGHTS_CHECKSUM_SEED 0xcbf29ce484222325ull
static inline uint64_t kiln_weights_checksum(uint64_t h, const void *data,
                                             size_t size) {
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t w = 0;
    for (int b = 7; b >= 0; --b)
      w = (w << 8) | p[i + (size_t)b];
    h = (h ^ w) * 0x100000001b3ull;
  }
  return h;
}

#ifdef __cplusplus
}
#endif
#endif /* KILN_WEIGHTS_FORMAT_H */
