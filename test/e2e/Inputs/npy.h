/*===- npy.h - Writing a 2-D float32 .npy file (test helper) -------------===*
 *
 * Shared by the C library clients of the e2e tests (dynamic_lib.c,
 * weights_lib.c, cpu_check_lib.c): included by the .c files beside it.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_TEST_E2E_NPY_H
#define KILN_TEST_E2E_NPY_H

#include <stdint.h>
#include <stdio.h>

/* A float32 .npy file of a 2-D shape. */
static int write_npy(const char *path, const float *data, const int64_t *dims) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  char header[128];
  int n = snprintf(header, sizeof header,
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (%lld, "
                   "%lld), }",
                   (long long)dims[0], (long long)dims[1]);
  int total = 10 + n + 1;
  int pad = (64 - total % 64) % 64;
  unsigned short len = (unsigned short)(n + pad + 1);
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fwrite(&len, 2, 1, f);
  fwrite(header, 1, (size_t)n, f);
  for (int i = 0; i < pad; ++i)
    fputc(' ', f);
  fputc('\n', f);
  fwrite(data, sizeof(float), (size_t)(dims[0] * dims[1]), f);
  return fclose(f);
}

#endif /* KILN_TEST_E2E_NPY_H */
