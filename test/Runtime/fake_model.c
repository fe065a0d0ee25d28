/*===- fake_model.c - A hand-written stand-in for a compiled model ---------===*
 *
 * Defines kiln_exe_model the way model-compile --emit=exe does, so the
 * runtime's main() (libkiln_main.a) can be tested without the compiler:
 *   inputs:  a float32 2x3, b int64 3
 *   outputs: y = a + 1 (float32 2x3, computed with kiln_parallel_for),
 *            z = b * 2 (int64 3)
 * run() returns 7 when b[0] == -7 (to test the "run failed" path),
 * and 5 or 6 when a buffer is not 64-byte aligned or the workspace is
 * missing.
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>

#include "kiln/runtime.h"

#define WORKSPACE_SIZE 256

static const int64_t shape_2x3[] = {2, 3};
static const int64_t shape_3[] = {3};

static const kiln_tensor_desc fake_inputs[] = {
    {"a", KILN_DTYPE_FLOAT, 2, shape_2x3, -1},
    {"b", KILN_DTYPE_INT64, 1, shape_3, -1},
};
static const kiln_tensor_desc fake_outputs[] = {
    {"y", KILN_DTYPE_FLOAT, 2, shape_2x3, -1},
    {"z", KILN_DTYPE_INT64, 1, shape_3, -1},
};

typedef struct add_one_ctx {
  const float *a;
  float *y;
} add_one_ctx;

static void add_one(void *vctx, int64_t begin, int64_t end) {
  add_one_ctx *ctx = (add_one_ctx *)vctx;
  for (int64_t i = begin; i < end; ++i)
    ctx->y[i] = ctx->a[i] + 1.0f;
}

static int aligned(const void *p) { return ((uintptr_t)p & 63) == 0; }

static int fake_run(const void *const inputs[], void *const outputs[],
                    void *workspace) {
  for (int i = 0; i < 2; ++i)
    if (!aligned(inputs[i]) || !aligned(outputs[i]))
      return 5;
  if (!workspace || !aligned(workspace))
    return 6;
  const int64_t *b = (const int64_t *)inputs[1];
  if (b[0] == -7)
    return 7;
  memset(workspace, 0xAB, WORKSPACE_SIZE); /* must be writable */
  add_one_ctx ctx = {(const float *)inputs[0], (float *)outputs[0]};
  kiln_parallel_for(6, add_one, &ctx);
  int64_t *z = (int64_t *)outputs[1];
  for (int i = 0; i < 3; ++i)
    z[i] = b[i] * 2;
  return 0;
}

const kiln_model_info kiln_exe_model = {
    "fake", 2, 2, fake_inputs, fake_outputs, WORKSPACE_SIZE, fake_run, 0,
};
