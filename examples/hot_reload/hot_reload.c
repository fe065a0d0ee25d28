/* hot_reload.c - swap model versions in a running service with dlopen.
 *
 * usage: hot_reload LIB_V1.so NAME_V1 LIB_V2.so NAME_V2
 *
 * Each shared library comes from `model-compile m.onnx --emit=shared -o
 * libNAME.so` and exports only the NAME_ API. The "service" loads version 1,
 * serves a request, loads version 2 beside it, switches over, unloads
 * version 1 and serves again: no restart. Both versions here have one float32
 * input and one float32 output. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct model {
  void *handle;
  size_t (*workspace_size)(void);
  int (*run)(const void *const[], void *const[], void *);
  int (*rank)(int);
  const int64_t *(*shape)(int);
  int (*output_rank)(int);
  const int64_t *(*output_shape)(int);
  const char *(*version)(void);
} model;

static void *symbol(void *handle, const char *prefix, const char *name) {
  char full[256];
  snprintf(full, sizeof full, "%s_%s", prefix, name);
  void *p = dlsym(handle, full);
  if (!p)
    fprintf(stderr, "error: %s\n", dlerror());
  return p;
}

static int load(model *m, const char *path, const char *prefix) {
  memset(m, 0, sizeof *m);
  m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    fprintf(stderr, "error: %s\n", dlerror());
    return -1;
  }
  *(void **)&m->workspace_size = symbol(m->handle, prefix, "workspace_size");
  *(void **)&m->run = symbol(m->handle, prefix, "run");
  *(void **)&m->rank = symbol(m->handle, prefix, "input_rank");
  *(void **)&m->shape = symbol(m->handle, prefix, "input_shape");
  *(void **)&m->output_rank = symbol(m->handle, prefix, "output_rank");
  *(void **)&m->output_shape = symbol(m->handle, prefix, "output_shape");
  *(void **)&m->version = symbol(m->handle, prefix, "version");
  return m->workspace_size && m->run && m->rank && m->shape &&
                 m->output_rank && m->output_shape && m->version
             ? 0
             : -1;
}

static size_t elements(int rank, const int64_t *shape) {
  size_t n = 1;
  for (int i = 0; i < rank; ++i)
    n *= (size_t)shape[i];
  return n;
}

/* Serves one request: input = 0.01 * i; prints the first outputs. */
static int serve(const model *m) {
  size_t in_n = elements(m->rank(0), m->shape(0));
  size_t out_n = elements(m->output_rank(0), m->output_shape(0));
  float *x = malloc(in_n * sizeof(float)), *y = malloc(out_n * sizeof(float));
  void *ws = NULL;
  int rc = -1;
  if (x && y && posix_memalign(&ws, 64, m->workspace_size() + 64) == 0) {
    for (size_t i = 0; i < in_n; ++i)
      x[i] = 0.01f * (float)(i % 100);
    const void *in[] = {x};
    void *out[] = {y};
    rc = m->run(in, out, ws);
    printf("%s: rc=%d, %zu outputs, y[0]=%g\n", m->version(), rc, out_n,
           (double)y[0]);
  }
  free(x);
  free(y);
  free(ws);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s LIB_V1.so NAME_V1 LIB_V2.so NAME_V2\n", argv[0]);
    return 1;
  }
  model current, next;
  if (load(&current, argv[1], argv[2]) || serve(&current))
    return 1;
  /* A new version arrives: load it beside the old one, switch, unload. */
  if (load(&next, argv[3], argv[4]))
    return 1;
  model old = current;
  current = next;
  if (dlclose(old.handle) != 0) {
    fprintf(stderr, "error: %s\n", dlerror());
    return 1;
  }
  printf("switched to %s, unloaded the old version\n", current.version());
  int rc = serve(&current);
  dlclose(current.handle);
  return rc ? 1 : 0;
}
