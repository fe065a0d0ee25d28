/* Links two compiled models (same graph, prefixes first_ and second_). */
#include "first.h"
#include "second.h"

#include <stdio.h>
#include <stdlib.h>

static void print(const char *name, const float *y) {
  printf("%s: y =", name);
  for (int i = 0; i < 6; ++i)
    printf(" %g", y[i]);
}

int main(void) {
  /* y = a (2x4) x b (4x3) */
  float a[8] = {1, 1, 1, 1, 1, 2, 3, 4}, b[12], y1[6], y2[6];
  for (int i = 0; i < 12; ++i)
    b[i] = (float)(i / 3 + 1) * (float)(i % 3 + 1) * 0.5f;
  const void *in[] = {a, b};
  void *out1[] = {y1}, *out2[] = {y2};
  void *ws1 = malloc(first_workspace_size() + 1);
  void *ws2 = malloc(second_workspace_size() + 1);
  if (first_run(in, out1, ws1) || second_run(in, out2, ws2))
    return 1;
  print("first", y1);
  print(", second", y2);
  printf("\n");
  free(ws1);
  free(ws2);
  return 0;
}
