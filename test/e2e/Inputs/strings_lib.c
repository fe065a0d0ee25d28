/* A C program using a compiled StringNormalizer model through its library
 * API (test/e2e/strings.test): strings in, the data-dependent output shape
 * from words_output_dims, and the error code when the string arena is too
 * small. */
#include "words.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const char *in[5] = {"Monday", "monday", "TUESDAY", "Tuesday", "Stra\xc3\x9f" "e"};
  const char *out[5] = {0};
  const void *inputs[1] = {in};
  void *outputs[1] = {out};
  size_t size = (words_workspace_size() + 63) / 64 * 64;
  void *workspace = aligned_alloc(64, size);
  int rc = words_run(inputs, outputs, workspace);
  if (rc) {
    printf("run failed (%d): %s\n", rc, words_error_message(rc));
    free(workspace);
    return 1;
  }
  const int64_t *bound = words_output_shape(0);
  const int64_t *dims = words_output_dims(workspace, 0);
  printf("%s: bound %lld, dims %lld:", words_output_name(0), (long long)bound[0],
         (long long)dims[0]);
  for (int64_t i = 0; i < dims[0]; ++i)
    printf(" '%s'", out[i]);
  printf("\n");
  printf("out of range: %s\n", words_output_dims(workspace, 1) ? "dims" : "NULL");
  free(workspace);
  (void)argc;
  (void)argv;
  return 0;
}
