/*===- fake_dynamic.c - A hand-written model compiled with ranges ----------===*
 *
 * Defines kiln_exe_model the way model-compile --emit=exe does for a model
 * with dimension ranges, so that main()'s handling of them is tested
 * without the compiler:
 *   inputs:  x float32 [1..8]x3, y float32 [1..8]x3 (the same batch symbol)
 *   outputs: z = x + y, float32 up to 8x3, its actual dims in the workspace
 * run_dims() checks the dims like generated code and returns
 * KILN_ERROR_INPUT_SHAPE (main must have reported a bad shape before).
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>

#include "kiln/runtime.h"

#define WORKSPACE_SIZE 64

static const int64_t x_max[] = {8, 3}, x_min[] = {1, 3}, x_sym[] = {0, -1};
static const int64_t z_max[] = {8, 3};

static const kiln_tensor_desc fake_inputs[] = {
    {"x", KILN_DTYPE_FLOAT, 2, x_max, -1, x_min, x_sym},
    {"y", KILN_DTYPE_FLOAT, 2, x_max, -1, x_min, x_sym},
};
static const kiln_tensor_desc fake_outputs[] = {
    {"z", KILN_DTYPE_FLOAT, 2, z_max, 0, NULL, NULL},
};

static int fake_run_dims(const void *const inputs[],
                         const int64_t *const input_dims[],
                         void *const outputs[], void *workspace) {
  if (!inputs || !input_dims || !outputs || !workspace)
    return KILN_ERROR_NULL_ARGUMENT;
  int64_t n = input_dims[0][0];
  if (n < 1 || n > 8 || input_dims[0][1] != 3 || input_dims[1][0] != n ||
      input_dims[1][1] != 3)
    return KILN_ERROR_INPUT_SHAPE;
  const float *x = (const float *)inputs[0], *y = (const float *)inputs[1];
  float *z = (float *)outputs[0];
  for (int64_t i = 0; i < n * 3; ++i)
    z[i] = x[i] + y[i];
  int64_t dims[2] = {n, 3};
  memcpy(workspace, dims, sizeof dims);
  return 0;
}

static int fake_run(const void *const inputs[], void *const outputs[],
                    void *workspace) {
  const int64_t *const upper[] = {x_max, x_max};
  return fake_run_dims(inputs, upper, outputs, workspace);
}

const kiln_model_info kiln_exe_model = {
    "fake_dynamic", 2,          1, fake_inputs, fake_outputs, WORKSPACE_SIZE,
    fake_run,       0,          fake_run_dims,
};
