/* A C program running a model `mlp` (float32 input, float32 output) through
 * the library API on whatever CPU it runs on (test/e2e/cpu_check.test):
 *
 *   cpu_check_lib X.BIN OUT.NPY   prints mlp_cpu_supported(), then runs the
 *                                 model on X.BIN (the raw float32 input) and
 *                                 prints its return code and message; on
 *                                 success writes the output to OUT.NPY */
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>

#include "npy.h"

static size_t elements(const int64_t *shape, int rank) {
  size_t n = 1;
  for (int d = 0; d < rank; ++d)
    n *= (size_t)shape[d];
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  printf("cpu_supported: %d\n", mlp_cpu_supported());
  size_t in_n = elements(mlp_input_shape(0), mlp_input_rank(0));
  size_t out_n = elements(mlp_output_shape(0), mlp_output_rank(0));
  size_t ws = (mlp_workspace_size() + 63) / 64 * 64;
  float *x = aligned_alloc(64, (in_n * sizeof(float) + 63) / 64 * 64);
  float *y = aligned_alloc(64, (out_n * sizeof(float) + 63) / 64 * 64);
  void *workspace = aligned_alloc(64, ws ? ws : 64);
  FILE *f = fopen(argv[1], "rb");
  if (!x || !y || !workspace || !f || fread(x, sizeof(float), in_n, f) != in_n)
    return 3;
  fclose(f);
  const void *inputs[1] = {x};
  void *outputs[1] = {y};
  /* Twice: the second run answers from the first check. */
  for (int i = 0; i < 2; ++i) {
    int rc = mlp_run(inputs, outputs, workspace);
    printf("run: %d: %s\n", rc, mlp_error_message(rc));
    if (rc == 0 && write_npy(argv[2], y, mlp_output_shape(0)))
      return 4;
  }
  printf("ERROR_CPU: %d: %s\n", mlp_ERROR_CPU,
         mlp_error_message(mlp_ERROR_CPU));
  return 0;
}
