/* A C program running a model compiled with a batch range (--dim
 * batch=1:8) through its library API (test/e2e/dynamic_lib.test): one
 * workspace of dyn_workspace_size() bytes for runs at several batch sizes,
 * the actual output shape from dyn_output_dims, and the error code of a
 * batch outside the range.
 *
 *   dynamic_lib DIR B...   reads DIR/x_B.bin (float32 Bx16), writes the
 *                          output to DIR/y_B.npy */
#include "dyn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  const int64_t *min = dyn_input_min_shape(0), *max = dyn_input_shape(0);
  const int64_t *sym = dyn_input_dim_symbols(0);
  const int64_t *bound = dyn_output_shape(0);
  printf("x: %lld..%lld x %lld..%lld, symbols %lld %lld; y: up to %lldx%lld\n",
         (long long)min[0], (long long)max[0], (long long)min[1],
         (long long)max[1], (long long)sym[0], (long long)sym[1],
         (long long)bound[0], (long long)bound[1]);
  size_t size = (dyn_workspace_size() + 63) / 64 * 64;
  void *workspace = aligned_alloc(64, size ? size : 64);
  float *y = aligned_alloc(64, (size_t)(bound[0] * bound[1]) * sizeof(float));
  float *x = aligned_alloc(64, 64 * 16 * sizeof(float));
  const void *inputs[1] = {x};
  void *outputs[1] = {y};
  for (int a = 2; a < argc; ++a) {
    int64_t batch = atoll(argv[a]);
    char path[4096];
    snprintf(path, sizeof path, "%s/x_%lld.bin", argv[1], (long long)batch);
    FILE *f = fopen(path, "rb");
    if (!f || batch > 64 ||
        fread(x, sizeof(float), (size_t)(batch * 16), f) !=
            (size_t)(batch * 16)) {
      printf("cannot read %s\n", path);
      return 1;
    }
    fclose(f);
    int64_t x_dims[2] = {batch, 16};
    const int64_t *input_dims[1] = {x_dims};
    int rc = dyn_run_dims(inputs, input_dims, outputs, workspace);
    if (rc) {
      printf("batch %lld: error %d%s: %s\n", (long long)batch, rc,
             rc == dyn_ERROR_INPUT_SHAPE ? " (input shape)" : "",
             dyn_error_message(rc));
      continue;
    }
    const int64_t *dims = dyn_output_dims(workspace, 0);
    printf("batch %lld: y %lldx%lld\n", (long long)batch, (long long)dims[0],
           (long long)dims[1]);
    snprintf(path, sizeof path, "%s/y_%lld.npy", argv[1], (long long)batch);
    if (write_npy(path, y, dims))
      return 1;
  }
  /* dyn_run runs at the upper bounds; NULL dims are an error. */
  memset(x, 0, 8 * 16 * sizeof(float));
  int rc = dyn_run(inputs, outputs, workspace);
  const int64_t *dims = dyn_output_dims(workspace, 0);
  printf("run: %d, y %lldx%lld\n", rc, (long long)dims[0], (long long)dims[1]);
  const int64_t *no_dims[1] = {NULL};
  printf("NULL dims: %d\n", dyn_run_dims(inputs, no_dims, outputs, workspace));
  free(x);
  free(y);
  free(workspace);
  return 0;
}
