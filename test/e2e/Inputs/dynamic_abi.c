/* The library API of a model compiled with dimension ranges
 * (test/e2e/dynamic_abi.test, Inputs/dynamic_abi.mlir: y = x + z over
 * [1..8]x[2..4] with both dims shared, t = 2 * s): runs at several shapes
 * with one workspace of abi_workspace_size() bytes, the actual output dims,
 * the range queries, and the error codes of bad dims. */
#include "abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *x, *z, *s, *y, *t;
static void *workspace;

/* Runs at x, z: rows x cols (their dims as given), s = {1, 2, 3}; prints
 * the result. */
static void run(const int64_t *x_dims, const int64_t *z_dims,
                const int64_t *s_dims, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows * cols; ++i) {
    x[i] = (float)i;
    z[i] = 100.0f * (float)(i % cols);
  }
  for (int i = 0; i < 3; ++i)
    s[i] = (float)(i + 1);
  memset(y, 0, 8 * 4 * sizeof(float));
  const void *inputs[3] = {x, z, s};
  void *outputs[2] = {y, t};
  const int64_t *dims[3] = {x_dims, z_dims, s_dims};
  int rc = abi_run_dims(inputs, dims, outputs, workspace);
  printf("x %lldx%lld, z %lldx%lld:", (long long)(x_dims ? x_dims[0] : -1),
         (long long)(x_dims ? x_dims[1] : -1),
         (long long)(z_dims ? z_dims[0] : -1),
         (long long)(z_dims ? z_dims[1] : -1));
  if (rc) {
    printf(" error %d: %s\n", rc, abi_error_message(rc));
    return;
  }
  const int64_t *d = abi_output_dims(workspace, 0);
  printf(" y %lldx%lld =", (long long)d[0], (long long)d[1]);
  /* Dense in the actual shape; the rest of the buffer untouched. */
  for (int64_t i = 0; i < d[0] * d[1] && i < 16; ++i)
    printf(" %g", (double)y[i]);
  int64_t untouched = 0;
  for (int64_t i = d[0] * d[1]; i < 8 * 4; ++i)
    untouched += y[i] == 0.0f;
  printf(" | rest zero: %s | t = %g %g %g\n",
         untouched == 8 * 4 - d[0] * d[1] ? "yes" : "no", (double)t[0],
         (double)t[1], (double)t[2]);
}

int main(void) {
  for (int i = 0; i < abi_num_inputs(); ++i) {
    const int64_t *lo = abi_input_min_shape(i), *hi = abi_input_shape(i);
    const int64_t *sym = abi_input_dim_symbols(i);
    printf("input %s:", abi_input_name(i));
    for (int k = 0; k < abi_input_rank(i); ++k)
      printf(" %lld..%lld (symbol %lld)", (long long)lo[k], (long long)hi[k],
             (long long)sym[k]);
    printf("\n");
  }
  printf("out of range: %s %s\n", abi_input_min_shape(3) ? "dims" : "NULL",
         abi_input_dim_symbols(-1) ? "dims" : "NULL");
  size_t size = (abi_workspace_size() + 63) / 64 * 64;
  workspace = aligned_alloc(64, size ? size : 64);
  x = aligned_alloc(64, 64 * sizeof(float));
  z = aligned_alloc(64, 64 * sizeof(float));
  s = aligned_alloc(64, 64);
  y = aligned_alloc(64, 8 * 4 * sizeof(float));
  t = aligned_alloc(64, 64);

  const int64_t d3x2[] = {3, 2}, d8x4[] = {8, 4}, d1x3[] = {1, 3};
  const int64_t d9x2[] = {9, 2}, d3x1[] = {3, 1}, d2x2[] = {2, 2};
  const int64_t d3x3[] = {3, 3}, s3[] = {3}, s4[] = {4};
  run(d3x2, d3x2, s3, 3, 2);
  run(d8x4, d8x4, NULL, 8, 4); /* a static input's dims may be NULL */
  run(d1x3, d1x3, s3, 1, 3);
  run(d9x2, d9x2, s3, 3, 2);   /* batch above its range */
  run(d3x1, d3x1, s3, 3, 2);   /* dim 1 below its range */
  run(d3x2, d2x2, s3, 3, 2);   /* z's batch differs from x's */
  run(d3x2, d3x3, s3, 3, 2);   /* z's dim 1 differs from x's */
  run(d3x2, d3x2, s4, 3, 2);   /* a wrong static dim */
  run(NULL, d3x2, s3, 3, 2);   /* a dynamic input without dims */

  /* abi_run runs at the upper bounds. */
  for (int i = 0; i < 32; ++i)
    x[i] = z[i] = 1.0f;
  const void *inputs[3] = {x, z, s};
  void *outputs[2] = {y, t};
  int rc = abi_run(inputs, outputs, workspace);
  const int64_t *d = abi_output_dims(workspace, 0);
  printf("run: %d, y %lldx%lld, y[31] = %g\n", rc, (long long)d[0],
         (long long)d[1], (double)y[31]);
  free(x);
  free(z);
  free(s);
  free(y);
  free(t);
  free(workspace);
  return 0;
}
