/*===- weights.c - Loading and checking a model's weights file ------------===*
 *
 * kiln_weights_load / kiln_weights_set (kiln/runtime.h): a weights file
 * (kiln/weights_format.h) is untrusted input. Every field is checked
 * against the file's size and against what the compiled code expects before
 * the model may read a byte of it; anything off is an error code with a
 * message naming the file and what is wrong, never a crash or a run on
 * wrong weights. Files are mapped read-only by default: no copy, and the
 * processes serving one model share its pages.
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/runtime.h"
#include "kiln/weights_format.h"

static int fail(kiln_weights_state *s, int code, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(s->message, sizeof s->message, fmt, args);
  va_end(args);
  return code;
}

static void hex(char *out, const uint8_t *bytes, int n) {
  for (int i = 0; i < n; ++i)
    snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

/* Why a file with another fingerprint does not fit: the first tensor that
 * differs, else the compile description, else the code itself. */
static int explainMismatch(const kiln_weights_desc *d, kiln_weights_state *s,
                           const char *what, const unsigned char *image,
                           const kiln_weights_header *h) {
  const unsigned char *table = image + h->table_offset;
  const kiln_weights_entry *entries = (const kiln_weights_entry *)table;
  const int64_t *dims =
      (const int64_t *)(table + h->num_tensors * sizeof(kiln_weights_entry));
  char mine[17], theirs[17];
  hex(mine, d->fingerprint, 8);
  hex(theirs, h->fingerprint, 8);
  if (h->num_tensors != d->num_tensors)
    return fail(s, KILN_ERROR_WEIGHTS_MODEL,
                "%s belongs to another model: it holds %" PRIu64
                " tensors, this model has %" PRIu64 " (fingerprint %s, "
                "this model %s)",
                what, h->num_tensors, d->num_tensors, theirs, mine);
  for (uint64_t i = 0; i < d->num_tensors; ++i) {
    const kiln_weights_entry *e = &entries[i];
    const kiln_weights_tensor *t = &d->tensors[i];
    const char *name = (const char *)table + e->name_offset;
    int same = e->dtype == t->dtype && e->rank == t->rank &&
               e->size == t->size && e->offset == t->offset &&
               strcmp(name, t->name) == 0;
    for (int32_t r = 0; same && r < t->rank; ++r)
      same = dims[e->dims_index + (uint32_t)r] == t->shape[r];
    if (!same) {
      char a[128], b[128];
      int n = snprintf(a, sizeof a, "%s [", kiln_dtype_name(e->dtype));
      for (int32_t r = 0; r < e->rank && n < (int)sizeof a; ++r)
        n += snprintf(a + n, sizeof a - (size_t)n, "%s%" PRId64, r ? "x" : "",
                      dims[e->dims_index + (uint32_t)r]);
      if (n < (int)sizeof a)
        snprintf(a + n, sizeof a - (size_t)n, "]");
      n = snprintf(b, sizeof b, "%s [", kiln_dtype_name(t->dtype));
      for (int32_t r = 0; r < t->rank && n < (int)sizeof b; ++r)
        n += snprintf(b + n, sizeof b - (size_t)n, "%s%" PRId64, r ? "x" : "",
                      t->shape[r]);
      if (n < (int)sizeof b)
        snprintf(b + n, sizeof b - (size_t)n, "]");
      return fail(s, KILN_ERROR_WEIGHTS_MODEL,
                  "%s belongs to another model: tensor %" PRIu64
                  " is '%s' %s there, '%s' %s in this model",
                  what, i, name, a, t->name, b);
    }
  }
  const char *description =
      (const char *)table + h->description_offset;
  if (strcmp(description, d->description) != 0)
    return fail(s, KILN_ERROR_WEIGHTS_MODEL,
                "%s was compiled for '%s', this model for '%s' (same "
                "tensors; recompile with the same options)",
                what, description, d->description);
  return fail(s, KILN_ERROR_WEIGHTS_MODEL,
              "%s belongs to another model: same tensors and options, but "
              "the compiled code differs (fingerprint %s, this model %s; "
              "another graph, or constants folded into the code)",
              what, theirs, mine);
}

/* Checks the weights file image [image, image + size) against `d`. */
static int check(const kiln_weights_desc *d, kiln_weights_state *s,
                 const char *what, const unsigned char *image, uint64_t size,
                 int flags) {
  kiln_weights_header h;
  if (size < sizeof h.magic ||
      memcmp(image, KILN_WEIGHTS_MAGIC, sizeof h.magic) != 0)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s is not a Kiln weights file (bad magic)", what);
  if (size < sizeof h)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s is truncated: %" PRIu64 " bytes, shorter than its "
                "header",
                what, size);
  memcpy(&h, image, sizeof h);
  if (h.version != KILN_WEIGHTS_VERSION)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s has format version %u; this runtime reads version %u "
                "(recompile the model and its weights with one Kiln)",
                what, h.version, KILN_WEIGHTS_VERSION);
  if (h.file_size != size && h.file_size > size)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s is truncated: %" PRIu64 " bytes, its header says %" PRIu64,
                what, size, h.file_size);
  if (h.file_size != size)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s has %" PRIu64 " bytes, its header says %" PRIu64, what,
                size, h.file_size);
  /* Layout: header, table, data, in this order and inside the file. */
  if (h.header_size != sizeof h || h.table_offset != sizeof h ||
      h.data_offset % KILN_WEIGHTS_DATA_ALIGN != 0 ||
      h.data_offset < sizeof h || h.data_offset > size ||
      h.table_size > h.data_offset - sizeof h ||
      h.data_size % KILN_WEIGHTS_TENSOR_ALIGN != 0 ||
      h.data_size != size - h.data_offset ||
      h.num_tensors > h.table_size / sizeof(kiln_weights_entry))
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s is corrupted (inconsistent header)", what);
  uint64_t stored = h.header_checksum;
  h.header_checksum = 0;
  uint64_t sum = kiln_weights_checksum(KILN_WEIGHTS_CHECKSUM_SEED, &h,
                                       sizeof h);
  sum = kiln_weights_checksum(sum, image + sizeof h,
                              (size_t)(h.data_offset - sizeof h));
  if (sum != stored)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s is corrupted (header checksum)", what);
  /* The table's strings and dims stay inside the table (the checksum
   * guards against damage, not against a crafted file). */
  const unsigned char *table = image + h.table_offset;
  uint64_t dimsStart = h.num_tensors * sizeof(kiln_weights_entry);
  const kiln_weights_entry *entries = (const kiln_weights_entry *)table;
  for (uint64_t i = 0; i < h.num_tensors; ++i) {
    const kiln_weights_entry *e = &entries[i];
    uint64_t dimsEnd = dimsStart + 8 * ((uint64_t)e->dims_index +
                                        (e->rank > 0 ? (uint64_t)e->rank : 0));
    if (e->rank < 0 || e->rank > 64 || dimsEnd > h.table_size ||
        (uint64_t)e->name_offset + e->name_size >= h.table_size ||
        table[e->name_offset + e->name_size] != 0 ||
        e->offset > h.data_size || e->size > h.data_size - e->offset)
      return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                  "%s is corrupted (tensor %" PRIu64 ")", what, i);
  }
  if ((uint64_t)h.description_offset + h.description_size >= h.table_size ||
      table[h.description_offset + h.description_size] != 0)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s is corrupted (description)", what);
  if (memcmp(h.fingerprint, d->fingerprint, sizeof h.fingerprint) != 0 ||
      h.data_size != d->data_size)
    return explainMismatch(d, s, what, image, &h);
  if ((flags & KILN_WEIGHTS_VERIFY) &&
      kiln_weights_checksum(KILN_WEIGHTS_CHECKSUM_SEED, image + h.data_offset,
                            (size_t)h.data_size) != h.data_checksum)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "%s is corrupted (data checksum)", what);
  return 0;
}

static void release(kiln_weights_state *s) {
  if (s->mapping)
    munmap(s->mapping, (size_t)s->mapping_size);
  free(s->heap);
  s->mapping = NULL;
  s->mapping_size = 0;
  s->heap = NULL;
}

/* Reads a file of `size` bytes into a fresh 4096-aligned buffer. */
static void *readAll(int fd, uint64_t size) {
  void *buffer = NULL;
  if (size > SIZE_MAX ||
      posix_memalign(&buffer, KILN_WEIGHTS_DATA_ALIGN, size ? size : 1) != 0)
    return NULL;
  for (uint64_t done = 0; done < size;) {
    size_t chunk = size - done > (1u << 30) ? (1u << 30) : size - done;
    ssize_t n = pread(fd, (char *)buffer + done, chunk, (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = n == 0 ? EIO : errno;
      free(buffer);
      errno = saved;
      return NULL;
    }
    done += (uint64_t)n;
  }
  return buffer;
}

int kiln_weights_load(const kiln_weights_desc *d, kiln_weights_state *s,
                      const char *path, int flags) {
  char what[320];
  snprintf(what, sizeof what, "weights file '%s'", path ? path : "(null)");
  if (!d || !s || !path)
    return KILN_ERROR_NULL_ARGUMENT;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(s, KILN_ERROR_WEIGHTS_FILE, "cannot open %s: %s", what,
                strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fail(s, KILN_ERROR_WEIGHTS_FILE, "%s is not a regular file", what);
  }
  uint64_t size = (uint64_t)st.st_size;
  void *mapping = NULL, *heap = NULL;
  const unsigned char *image;
  if (size == 0) {
    image = (const unsigned char *)"";
  } else if (flags & KILN_WEIGHTS_READ) {
    heap = readAll(fd, size);
    if (!heap) {
      int err = errno;
      close(fd);
      return fail(s, KILN_ERROR_WEIGHTS_FILE, "cannot read %s: %s", what,
                  strerror(err));
    }
    image = heap;
  } else {
    mapping = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      int err = errno;
      close(fd);
      return fail(s, KILN_ERROR_WEIGHTS_FILE, "cannot map %s: %s", what,
                  strerror(err));
    }
    image = mapping;
  }
  close(fd);
  int rc = check(d, s, what, image, size, flags);
  if (rc != 0) {
    if (mapping)
      munmap(mapping, (size_t)size);
    free(heap);
    return rc;
  }
  release(s);
  s->mapping = mapping;
  s->mapping_size = mapping ? size : 0;
  s->heap = heap;
  kiln_weights_header h;
  memcpy(&h, image, sizeof h);
  s->data = image + h.data_offset;
  s->message[0] = 0;
  return 0;
}

int kiln_weights_set(const kiln_weights_desc *d, kiln_weights_state *s,
                     const void *blob, size_t size, int flags) {
  if (!d || !s || !blob)
    return KILN_ERROR_NULL_ARGUMENT;
  if ((uintptr_t)blob % KILN_WEIGHTS_TENSOR_ALIGN != 0)
    return fail(s, KILN_ERROR_WEIGHTS_FORMAT,
                "the weights blob at %p is not 64-byte aligned", blob);
  int rc = check(d, s, "the weights blob", blob, size, flags);
  if (rc != 0)
    return rc;
  release(s);
  kiln_weights_header h;
  memcpy(&h, blob, sizeof h);
  s->data = (const unsigned char *)blob + h.data_offset;
  s->message[0] = 0;
  return 0;
}
