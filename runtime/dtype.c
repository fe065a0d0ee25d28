/*===- dtype.c - Element type sizes and names -----------------------------===*/
#pragma GCC visibility push(default)
#include "kiln/runtime.h"
#pragma GCC visibility pop
#include "tensor_io.h" /* KILN_DTYPE_BFLOAT16 */

size_t kiln_dtype_size(int32_t dtype) {
  switch (dtype) {
  case KILN_DTYPE_UINT8:
  case KILN_DTYPE_INT8:
  case KILN_DTYPE_BOOL:
    return 1;
  case KILN_DTYPE_UINT16:
  case KILN_DTYPE_INT16:
  case KILN_DTYPE_FLOAT16:
  case KILN_DTYPE_BFLOAT16:
    return 2;
  case KILN_DTYPE_FLOAT:
  case KILN_DTYPE_INT32:
  case KILN_DTYPE_UINT32:
    return 4;
  case KILN_DTYPE_INT64:
  case KILN_DTYPE_DOUBLE:
  case KILN_DTYPE_UINT64:
    return 8;
  case KILN_DTYPE_STRING:
    return sizeof(const char *);
  default:
    return 0;
  }
}

/* numpy's names for the dtypes (ml_dtypes' for bfloat16). */
const char *kiln_dtype_name(int32_t dtype) {
  switch (dtype) {
  case KILN_DTYPE_FLOAT:
    return "float32";
  case KILN_DTYPE_UINT8:
    return "uint8";
  case KILN_DTYPE_INT8:
    return "int8";
  case KILN_DTYPE_UINT16:
    return "uint16";
  case KILN_DTYPE_INT16:
    return "int16";
  case KILN_DTYPE_INT32:
    return "int32";
  case KILN_DTYPE_INT64:
    return "int64";
  case KILN_DTYPE_STRING:
    return "string";
  case KILN_DTYPE_BOOL:
    return "bool";
  case KILN_DTYPE_FLOAT16:
    return "float16";
  case KILN_DTYPE_DOUBLE:
    return "float64";
  case KILN_DTYPE_UINT32:
    return "uint32";
  case KILN_DTYPE_UINT64:
    return "uint64";
  case KILN_DTYPE_BFLOAT16:
    return "bfloat16";
  default:
    return "unknown";
  }
}
