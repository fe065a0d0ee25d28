/* A C program loading a model's weights file through the library API
 * (test/e2e/weights.test): the model is `wl`, compiled with --weights=file.
 *
 *   weights_lib DIR   runs before any weights are loaded, tries each bad
 *                     weights file DIR/{missing,truncated,magic,other}.weights,
 *                     then DIR/lib/wl.weights (mapped), then the same file
 *                     read into memory and handed over with wl_set_weights,
 *                     then DIR/b.weights; reads DIR/x.bin (float32 2x64) and
 *                     writes the outputs to DIR/y_lib_{map,set,b}.npy */
#include "wl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

static const void *inputs[1];
static void *outputs[1];
static void *workspace;

static int run_and_save(const char *dir, const char *tag) {
  int rc = wl_run(inputs, outputs, workspace);
  printf("%s: run %d\n", tag, rc);
  if (rc)
    return rc;
  char path[4096];
  snprintf(path, sizeof path, "%s/y_lib_%s.npy", dir, tag);
  return write_npy(path, outputs[0], wl_output_shape(0));
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  const char *dir = argv[1];
  char path[4096];
  size_t size = (wl_workspace_size() + 63) / 64 * 64;
  workspace = aligned_alloc(64, size ? size : 64);
  float *x = aligned_alloc(64, 2 * 64 * sizeof(float));
  outputs[0] = aligned_alloc(64, 2 * 8 * sizeof(float));
  inputs[0] = x;
  snprintf(path, sizeof path, "%s/x.bin", dir);
  FILE *f = fopen(path, "rb");
  if (!f || fread(x, sizeof(float), 2 * 64, f) != 2 * 64)
    return 3;
  fclose(f);

  int rc = wl_run(inputs, outputs, workspace);
  printf("before loading: %d: %s\n", rc, wl_error_message(rc));
  const char *bad[] = {"missing", "truncated", "magic", "other"};
  for (int i = 0; i < 4; ++i) {
    snprintf(path, sizeof path, "%s/%s.weights", dir, bad[i]);
    rc = wl_load_weights(path);
    printf("%s: %d: %s\n", bad[i], rc, wl_weights_message());
  }
  printf("still not loaded: %d\n", wl_run(inputs, outputs, workspace));

  snprintf(path, sizeof path, "%s/lib/wl.weights", dir);
  rc = wl_load_weights_flags(path, 2);
  printf("load (verified): %d '%s'\n", rc, wl_weights_message());
  if (rc || run_and_save(dir, "map"))
    return 1;

  /* The same file as a blob in memory (an embedded system's flash). */
  f = fopen(path, "rb");
  if (!f)
    return 4;
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *blob = aligned_alloc(4096, ((size_t)bytes + 4095) / 4096 * 4096);
  if (fread(blob, 1, (size_t)bytes, f) != (size_t)bytes)
    return 5;
  fclose(f);
  rc = wl_set_weights(blob, (size_t)bytes - 1);
  printf("set (short): %d: %s\n", rc, wl_weights_message());
  rc = wl_set_weights((char *)blob + 8, (size_t)bytes);
  printf("set (misaligned): %d: %s\n", rc, wl_weights_message());
  rc = wl_set_weights(blob, (size_t)bytes);
  printf("set: %d\n", rc);
  if (rc || run_and_save(dir, "set"))
    return 1;

  /* Another checkpoint of the same graph (--emit=weights). */
  snprintf(path, sizeof path, "%s/b.weights", dir);
  rc = wl_load_weights(path);
  printf("load b: %d\n", rc);
  if (rc || run_and_save(dir, "b"))
    return 1;
  free(blob);
  return 0;
}
