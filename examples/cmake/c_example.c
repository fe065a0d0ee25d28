/* c_example.c - two Kiln models in one C program.
 *
 * Runs the digits classifier on the shipped images from two threads at once,
 * each with its own workspace, checks that both threads get bit-identical
 * outputs and the right labels, then runs the tiny CNN and compares it with
 * PyTorch's output. Exits 0 when everything matches. */
#include "digits.h"
#include "tiny_cnn.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_IMAGES 10
#define ROUNDS 200

static float images[NUM_IMAGES][64];
static long labels[NUM_IMAGES];

/* Reads a little-endian float32 .npy file of `count` elements. */
static int read_npy(const char *path, float *data, size_t count) {
  FILE *f = fopen(path, "rb");
  unsigned char head[10];
  if (!f || fread(head, 1, 10, f) != 10 || memcmp(head + 1, "NUMPY", 5) != 0) {
    fprintf(stderr, "error: cannot read %s\n", path);
    if (f)
      fclose(f);
    return -1;
  }
  size_t header_len = head[8] | (head[9] << 8);
  int ok = fseek(f, (long)(10 + header_len), SEEK_SET) == 0 &&
           fread(data, sizeof(float), count, f) == count;
  fclose(f);
  return ok ? 0 : -1;
}

static int read_raw(const char *path, float *data, size_t count) {
  FILE *f = fopen(path, "rb");
  int ok = f && fread(data, sizeof(float), count, f) == count;
  if (f)
    fclose(f);
  return ok ? 0 : -1;
}

static int load_images(void) {
  FILE *list = fopen(DIGITS_DIR "/images/labels.txt", "r");
  char name[256];
  long label;
  int n = 0;
  if (!list)
    return -1;
  while (n < NUM_IMAGES && fscanf(list, "%255s %ld", name, &label) == 2) {
    char path[512];
    snprintf(path, sizeof path, "%s/images/%s", DIGITS_DIR, name);
    if (read_npy(path, images[n], 64) != 0)
      break;
    labels[n++] = label;
  }
  fclose(list);
  return n == NUM_IMAGES ? 0 : -1;
}

typedef struct {
  float probabilities[NUM_IMAGES][10];
  int64_t predicted[NUM_IMAGES];
  int status;
} worker_result;

static void *worker(void *arg) {
  worker_result *r = arg;
  void *workspace = NULL;
  size_t size = digits_workspace_size();
  if (size && posix_memalign(&workspace, 64, size) != 0) {
    r->status = -1;
    return NULL;
  }
  for (int round = 0; round < ROUNDS && r->status == 0; ++round)
    for (int i = 0; i < NUM_IMAGES; ++i) {
      const void *in[] = {images[i]};
      void *out[] = {r->probabilities[i], &r->predicted[i]};
      r->status = digits_run(in, out, workspace);
      if (r->status)
        break;
    }
  free(workspace);
  return NULL;
}

int main(void) {
  printf("%s, %s\n", digits_version(), tiny_cnn_version());
  if (load_images() != 0) {
    fprintf(stderr, "error: cannot load the digits images\n");
    return 1;
  }

  /* One model, two threads, two workspaces. */
  static worker_result results[2];
  pthread_t threads[2];
  for (int t = 0; t < 2; ++t)
    pthread_create(&threads[t], NULL, worker, &results[t]);
  for (int t = 0; t < 2; ++t)
    pthread_join(threads[t], NULL);
  int failures = 0;
  for (int t = 0; t < 2; ++t)
    if (results[t].status) {
      fprintf(stderr, "error: thread %d: %s\n", t,
              digits_error_message(results[t].status));
      return 1;
    }
  if (memcmp(&results[0].probabilities, &results[1].probabilities,
             sizeof results[0].probabilities) != 0 ||
      memcmp(&results[0].predicted, &results[1].predicted,
             sizeof results[0].predicted) != 0) {
    fprintf(stderr, "error: the two threads' outputs differ\n");
    ++failures;
  }
  int correct = 0;
  for (int i = 0; i < NUM_IMAGES; ++i)
    correct += results[0].predicted[i] == labels[i];
  printf("digits: %d/%d images classified correctly by both threads\n",
         correct, NUM_IMAGES);
  failures += correct != NUM_IMAGES;

  /* The second model, against PyTorch's output. */
  float x[3 * 16 * 16], y[10], ref[10];
  if (read_raw(MODELS_DIR "/tiny_cnn.input.bin", x, 3 * 16 * 16) ||
      read_raw(MODELS_DIR "/tiny_cnn.output.bin", ref, 10)) {
    fprintf(stderr, "error: cannot read the tiny_cnn data\n");
    return 1;
  }
  void *workspace = NULL;
  if (tiny_cnn_workspace_size() &&
      posix_memalign(&workspace, 64, tiny_cnn_workspace_size()) != 0)
    return 1;
  const void *in[] = {x};
  void *out[] = {y};
  int rc = tiny_cnn_run(in, out, workspace);
  free(workspace);
  if (rc) {
    fprintf(stderr, "error: tiny_cnn: %s\n", tiny_cnn_error_message(rc));
    return 1;
  }
  float max_err = 0, max_ref = 0;
  for (int i = 0; i < 10; ++i) {
    max_err = fmaxf(max_err, fabsf(y[i] - ref[i]));
    max_ref = fmaxf(max_ref, fabsf(ref[i]));
  }
  printf("tiny_cnn: max |kiln - torch| = %g (max |ref| = %g)\n", max_err,
         max_ref);
  failures += max_err > 1e-4f * max_ref;
  printf("%s\n", failures ? "FAILED" : "OK");
  return failures ? 1 : 0;
}
