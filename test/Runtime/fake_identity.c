/*===- fake_identity.c - A stand-in model with one input of every dtype ----===*
 *
 * Defines kiln_exe_model with one input per supported dtype (several shapes,
 * a scalar, an empty tensor, and bfloat16, which only .pb files carry) and
 * copies input i to output i, so the tests
 * can round-trip every dtype through the .npy/.pb readers and writers and
 * the value printer. No workspace.
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>

#include "kiln/runtime.h"

static const int64_t s3x6[] = {3, 6};
static const int64_t s17[] = {17};
static const int64_t s2x2x2[] = {2, 2, 2};
static const int64_t s2x0[] = {2, 0};

#define KILN_DTYPE_BFLOAT16 16 /* not in enum kiln_dtype */
#define NUM 14
static const kiln_tensor_desc ident_inputs[NUM] = {
    {"f32", KILN_DTYPE_FLOAT, 2, s3x6, -1},
    {"u8", KILN_DTYPE_UINT8, 1, s17, -1},
    {"i8", KILN_DTYPE_INT8, 1, s17, -1},
    {"u16", KILN_DTYPE_UINT16, 1, s17, -1},
    {"i16", KILN_DTYPE_INT16, 1, s17, -1},
    {"i32", KILN_DTYPE_INT32, 1, s17, -1},
    {"i64", KILN_DTYPE_INT64, 3, s2x2x2, -1},
    {"b", KILN_DTYPE_BOOL, 1, s17, -1},
    {"f16", KILN_DTYPE_FLOAT16, 1, s17, -1},
    {"f64", KILN_DTYPE_DOUBLE, 0, NULL, -1},
    {"u32", KILN_DTYPE_UINT32, 1, s17, -1},
    {"u64", KILN_DTYPE_UINT64, 1, s17, -1},
    {"empty", KILN_DTYPE_FLOAT, 2, s2x0, -1},
    {"bf16", KILN_DTYPE_BFLOAT16, 1, s17, -1},
};
static const kiln_tensor_desc ident_outputs[NUM] = {
    {"out_f32", KILN_DTYPE_FLOAT, 2, s3x6, -1},
    {"out_u8", KILN_DTYPE_UINT8, 1, s17, -1},
    {"out_i8", KILN_DTYPE_INT8, 1, s17, -1},
    {"out_u16", KILN_DTYPE_UINT16, 1, s17, -1},
    {"out_i16", KILN_DTYPE_INT16, 1, s17, -1},
    {"out_i32", KILN_DTYPE_INT32, 1, s17, -1},
    {"out_i64", KILN_DTYPE_INT64, 3, s2x2x2, -1},
    {"out_b", KILN_DTYPE_BOOL, 1, s17, -1},
    {"out_f16", KILN_DTYPE_FLOAT16, 1, s17, -1},
    {"out_f64", KILN_DTYPE_DOUBLE, 0, NULL, -1},
    {"out_u32", KILN_DTYPE_UINT32, 1, s17, -1},
    {"out_u64", KILN_DTYPE_UINT64, 1, s17, -1},
    {"out_empty", KILN_DTYPE_FLOAT, 2, s2x0, -1},
    {"out_bf16", KILN_DTYPE_BFLOAT16, 1, s17, -1},
};

static int ident_run(const void *const inputs[], void *const outputs[],
                     void *workspace) {
  if (workspace)
    return 1;
  for (int i = 0; i < NUM; ++i) {
    size_t n = kiln_dtype_size(ident_inputs[i].dtype);
    for (int32_t d = 0; d < ident_inputs[i].rank; ++d)
      n *= (size_t)ident_inputs[i].shape[d];
    memcpy(outputs[i], inputs[i], n);
  }
  return 0;
}

const kiln_model_info kiln_exe_model = {
    "identity", NUM, NUM, ident_inputs, ident_outputs, 0, ident_run, 0,
};
