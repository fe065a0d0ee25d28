/*===- shapes.c - Input shapes of models compiled with dimension ranges ----===*
 *
 * kiln_check_input_shape and kiln_format_input_range (kiln/runtime.h): the
 * checks a model's run_dims makes, with a message saying which input and
 * dimension is wrong, for executables and library users.
 *===----------------------------------------------------------------------===*/
#include <stdio.h>

#pragma GCC visibility push(default)
#include "kiln/runtime.h"
#pragma GCC visibility pop

/* Appends to buf[*used..size) like snprintf. */
static void append(char *buf, size_t size, size_t *used, const char *fmt,
                   long long a, long long b, int two) {
  if (*used >= size)
    return;
  int w = two ? snprintf(buf + *used, size - *used, fmt, a, b)
              : snprintf(buf + *used, size - *used, fmt, a);
  if (w > 0)
    *used += (size_t)w;
}

void kiln_format_input_range(char *buf, size_t size,
                             const kiln_tensor_desc *d) {
  if (!size)
    return;
  buf[0] = '\0';
  if (d->rank == 0) {
    snprintf(buf, size, "scalar");
    return;
  }
  size_t used = 0;
  for (int32_t k = 0; k < d->rank; ++k) {
    if (k)
      append(buf, size, &used, "x", 0, 0, 0);
    long long hi = (long long)d->shape[k];
    long long lo = d->min_shape ? (long long)d->min_shape[k] : hi;
    if (lo == hi)
      append(buf, size, &used, "%lld", hi, 0, 0);
    else
      append(buf, size, &used, "%lld..%lld", lo, hi, 1);
  }
}

int kiln_check_input_shape(const kiln_model_info *m, int32_t i, int32_t rank,
                           const int64_t *dims,
                           const int64_t *const prev_dims[], char *msg,
                           size_t msg_size) {
  const kiln_tensor_desc *d = &m->inputs[i];
  if (msg_size)
    msg[0] = '\0';
  if (rank != d->rank) {
    snprintf(msg, msg_size, "input '%s': expected rank %d, got %d", d->name,
             (int)d->rank, (int)rank);
    return -1;
  }
  for (int32_t k = 0; k < rank; ++k) {
    int64_t hi = d->shape[k], lo = d->min_shape ? d->min_shape[k] : hi;
    if (dims[k] < lo || dims[k] > hi) {
      if (lo == hi)
        snprintf(msg, msg_size, "input '%s': dimension %d is %lld, expected "
                 "%lld", d->name, (int)k, (long long)dims[k], (long long)hi);
      else
        snprintf(msg, msg_size,
                 "input '%s': dimension %d is %lld, outside its range "
                 "%lld..%lld",
                 d->name, (int)k, (long long)dims[k], (long long)lo,
                 (long long)hi);
      return -1;
    }
    int64_t symbol = d->dim_symbols ? d->dim_symbols[k] : -1;
    if (symbol < 0)
      continue;
    /* The first dim with this symbol: in an earlier input, or earlier in
     * this one. */
    for (int32_t j = 0; j <= i; ++j) {
      const kiln_tensor_desc *e = &m->inputs[j];
      const int64_t *e_dims = j == i ? dims : (prev_dims ? prev_dims[j] : 0);
      if (!e->dim_symbols || !e_dims)
        continue;
      int32_t end = j == i ? k : e->rank;
      int32_t l = 0;
      while (l < end && e->dim_symbols[l] != symbol)
        ++l;
      if (l == end)
        continue;
      if (e_dims[l] != dims[k]) {
        if (j == i)
          snprintf(msg, msg_size,
                   "input '%s': dimension %d is %lld, but dimension %d is "
                   "%lld (they must be equal)",
                   d->name, (int)k, (long long)dims[k], (int)l,
                   (long long)e_dims[l]);
        else
          snprintf(msg, msg_size,
                   "input '%s': dimension %d is %lld, but input '%s' "
                   "dimension %d is %lld (they must be equal)",
                   d->name, (int)k, (long long)dims[k], e->name, (int)l,
                   (long long)e_dims[l]);
        return -1;
      }
      break;
    }
  }
  return 0;
}
