/*===- tensor_io.c - Reading and writing tensors as .npy / TensorProto .pb -===*
 *
 * See tensor_io.h. Every parser works on a whole file in memory and checks
 * each length against what is left, so a malformed or truncated file gives
 * an error message, never a crash or an oversized allocation.
 *===----------------------------------------------------------------------===*/
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "tensor_io.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/runtime.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) &&                \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "tensor_io.c assumes a little-endian host"
#endif

/*===-- Helpers -----------------------------------------------------------===*/

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(char *err, size_t err_size, const char *fmt, ...) {
  if (err && err_size) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int ends_with_ci(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  if (n < m)
    return 0;
  for (size_t i = 0; i < m; ++i)
    if (lower((unsigned char)s[n - m + i]) != lower((unsigned char)suffix[i]))
      return 0;
  return 1;
}

kiln_io_format kiln_io_format_of_path(const char *path) {
  if (ends_with_ci(path, ".npy"))
    return KILN_IO_FORMAT_NPY;
  if (ends_with_ci(path, ".pb"))
    return KILN_IO_FORMAT_PB;
  return KILN_IO_FORMAT_UNKNOWN;
}

void *kiln_io_aligned_alloc(size_t size) {
  void *p = NULL;
  if (size == 0)
    size = 64;
  if (size > SIZE_MAX - 63)
    return NULL;
  size = (size + 63) & ~(size_t)63;
  if (posix_memalign(&p, 64, size) != 0)
    return NULL;
  return p;
}

void kiln_io_aligned_free(void *ptr) { free(ptr); }

void kiln_io_format_shape(char *buf, size_t size, int32_t rank,
                          const int64_t *shape) {
  if (!size)
    return;
  if (rank == 0) {
    snprintf(buf, size, "scalar");
    return;
  }
  size_t used = 0;
  buf[0] = '\0';
  for (int32_t i = 0; i < rank && used < size; ++i) {
    int w = snprintf(buf + used, size - used, "%s%lld", i ? "x" : "",
                     (long long)shape[i]);
    if (w < 0)
      break;
    used += (size_t)w;
  }
}

int64_t kiln_io_num_elements(int32_t rank, const int64_t *shape,
                             size_t elem_size) {
  int zero = 0;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return -1;
    zero |= shape[i] == 0;
  }
  if (zero)
    return 0;
  int64_t n = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (n > INT64_MAX / shape[i])
      return -1;
    n *= shape[i];
  }
  if (elem_size && (uint64_t)n > SIZE_MAX / elem_size)
    return -1;
  return n;
}

void kiln_host_tensor_free(kiln_host_tensor *t) {
  if (!t)
    return;
  kiln_io_aligned_free(t->data);
  free(t->strings);
  memset(t, 0, sizeof *t);
}

/* Sets dtype/rank/shape/num_elements/nbytes of *t (no allocation). */
static int setup_tensor(kiln_host_tensor *t, int32_t dtype, int32_t rank,
                        const int64_t *shape, char *err, size_t err_size) {
  size_t esize = kiln_dtype_size(dtype);
  t->dtype = dtype;
  t->rank = rank;
  for (int32_t i = 0; i < rank; ++i)
    t->shape[i] = shape[i];
  int64_t n = kiln_io_num_elements(rank, shape, esize);
  if (n < 0) {
    char s[256];
    kiln_io_format_shape(s, sizeof s, rank, shape);
    return fail(err, err_size, "invalid shape %s", s);
  }
  t->num_elements = (size_t)n;
  t->nbytes = (size_t)n * esize;
  return 0;
}

static int alloc_data(kiln_host_tensor *t, char *err, size_t err_size) {
  t->data = kiln_io_aligned_alloc(t->nbytes);
  if (!t->data)
    return fail(err, err_size, "out of memory (%zu bytes)", t->nbytes);
  return 0;
}

static void normalize_bool(kiln_host_tensor *t) {
  if (t->dtype != KILN_DTYPE_BOOL)
    return;
  uint8_t *d = (uint8_t *)t->data;
  for (size_t i = 0; i < t->nbytes; ++i)
    d[i] = d[i] != 0;
}

/* Decodes one well-formed UTF-8 sequence of s[0, n): returns its length and
 * sets *cp, or returns 0 when s does not start with one. */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp) {
  uint8_t c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2, v = c & 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3, v = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4, v = c & 0x07, min = 0x10000;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = v << 6 | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return len;
}

static size_t utf8_length(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static size_t utf8_encode(uint32_t cp, char *out) {
  uint8_t *o = (uint8_t *)out;
  size_t n = utf8_length(cp);
  if (n == 1) {
    o[0] = (uint8_t)cp;
  } else if (n == 2) {
    o[0] = (uint8_t)(0xC0 | cp >> 6);
    o[1] = (uint8_t)(0x80 | (cp & 0x3F));
  } else if (n == 3) {
    o[0] = (uint8_t)(0xE0 | cp >> 12);
    o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp & 0x3F));
  } else {
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
  }
  return n;
}

/* Allocates a string tensor's element pointers (t->data) and its string
 * blob of `blob_size` bytes (t->strings). */
static int alloc_strings(kiln_host_tensor *t, size_t blob_size, char *err,
                         size_t err_size) {
  if (alloc_data(t, err, err_size))
    return -1;
  t->strings = (char *)malloc(blob_size ? blob_size : 1);
  if (!t->strings)
    return fail(err, err_size, "out of memory (%zu bytes of strings)",
                blob_size);
  return 0;
}

/*===-- .npy --------------------------------------------------------------===*/

static const uint8_t npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

typedef struct cursor {
  const char *p, *end;
} cursor;

static void skip_ws(cursor *c) {
  while (c->p < c->end &&
         (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    ++c->p;
}

static int eat(cursor *c, char ch) {
  skip_ws(c);
  if (c->p < c->end && *c->p == ch) {
    ++c->p;
    return 1;
  }
  return 0;
}

static int peek(cursor *c, char ch) {
  skip_ws(c);
  return c->p < c->end && *c->p == ch;
}

/* A Python string literal without escapes, in ' or ". */
static int parse_str(cursor *c, const char **s, size_t *n) {
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return 0;
  char q = *c->p++;
  const char *b = c->p;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\' || *c->p == '\n')
      return 0;
    ++c->p;
  }
  if (c->p >= c->end)
    return 0;
  *s = b;
  *n = (size_t)(c->p - b);
  ++c->p;
  return 1;
}

static int parse_word(cursor *c, const char *w) {
  skip_ws(c);
  size_t n = strlen(w);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
    return 0;
  c->p += n;
  return 1;
}

/* A tuple of non-negative integers: (), (3,), (2, 3). */
static int parse_shape(cursor *c, int32_t *rank, int64_t *shape) {
  *rank = 0;
  if (!eat(c, '('))
    return 0;
  if (eat(c, ')'))
    return 1;
  for (;;) {
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
      return 0;
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      int d = *c->p++ - '0';
      if (v > (INT64_MAX - d) / 10)
        return 0;
      v = v * 10 + d;
    }
    if (c->p < c->end && *c->p == 'L') /* Python 2 longs */
      ++c->p;
    if (*rank >= KILN_IO_MAX_RANK)
      return 0;
    shape[(*rank)++] = v;
    if (eat(c, ')'))
      return 1;
    if (!eat(c, ','))
      return 0;
    if (eat(c, ')'))
      return 1;
  }
}

/* '<f4' and friends -> kiln dtype, or 0. */
static int32_t npy_dtype(const char *s, size_t n, int *big_endian) {
  *big_endian = 0;
  if (n != 3)
    return 0;
  char order = s[0], kind = s[1], size = s[2];
  if (order == '>' && size != '1')
    *big_endian = 1;
  else if (order != '<' && order != '|' && order != '=' && order != '>')
    return 0;
  switch (kind) {
  case 'f':
    return size == '2'   ? KILN_DTYPE_FLOAT16
           : size == '4' ? KILN_DTYPE_FLOAT
           : size == '8' ? KILN_DTYPE_DOUBLE
                         : 0;
  case 'i':
    return size == '1'   ? KILN_DTYPE_INT8
           : size == '2' ? KILN_DTYPE_INT16
           : size == '4' ? KILN_DTYPE_INT32
           : size == '8' ? KILN_DTYPE_INT64
                         : 0;
  case 'u':
    return size == '1'   ? KILN_DTYPE_UINT8
           : size == '2' ? KILN_DTYPE_UINT16
           : size == '4' ? KILN_DTYPE_UINT32
           : size == '8' ? KILN_DTYPE_UINT64
                         : 0;
  case 'b':
    return size == '1' ? KILN_DTYPE_BOOL : 0;
  default:
    return 0;
  }
}

/* '<U5' / '|S5' (numpy's fixed-width strings): sets *kind to 'U' or 'S'
 * and *width to the element's characters. Returns 0 when s is not one. */
static int npy_string_dtype(const char *s, size_t n, char *kind, size_t *width,
                            int *big_endian) {
  if (n < 3 || !strchr("<>|=", s[0]) || (s[1] != 'U' && s[1] != 'S'))
    return 0;
  size_t w = 0;
  for (size_t i = 2; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9' || w > (SIZE_MAX / 4 - 9) / 10)
      return 0;
    w = w * 10 + (size_t)(s[i] - '0');
  }
  *kind = s[1];
  *width = w;
  *big_endian = s[0] == '>' && s[1] == 'U';
  return 1;
}

/* The header of a .npy file; for strings, *str_kind is 'U' or 'S' and
 * *str_width the characters per element (*str_kind is 0 otherwise). */
static int parse_npy_header(const char *h, size_t len, int32_t *dtype,
                            char *str_kind, size_t *str_width, int32_t *rank,
                            int64_t *shape, char *err, size_t err_size) {
  cursor c = {h, h + len};
  int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0;
  if (!eat(&c, '{'))
    return fail(err, err_size, "malformed .npy header (expected '{')");
  while (!eat(&c, '}')) {
    const char *key, *val;
    size_t klen, vlen;
    if (!parse_str(&c, &key, &klen) || !eat(&c, ':'))
      return fail(err, err_size, "malformed .npy header (expected a key)");
    if (klen == 5 && !memcmp(key, "descr", 5) && !have_descr) {
      have_descr = 1;
      if (!parse_str(&c, &val, &vlen))
        return fail(err, err_size,
                    "unsupported dtype in .npy header (structured arrays are "
                    "not supported)");
      int big;
      if (npy_string_dtype(val, vlen, str_kind, str_width, &big))
        *dtype = KILN_DTYPE_STRING;
      else
        *dtype = npy_dtype(val, vlen, &big);
      if (big)
        return fail(err, err_size,
                    "big-endian dtype '%.*s' is not supported (save it as "
                    "little-endian)",
                    (int)vlen, val);
      if (!*dtype)
        return fail(err, err_size, "unsupported dtype '%.*s'",
                    (int)(vlen > 32 ? 32 : vlen), val);
    } else if (klen == 13 && !memcmp(key, "fortran_order", 13) && !have_order) {
      have_order = 1;
      if (parse_word(&c, "True"))
        fortran = 1;
      else if (!parse_word(&c, "False"))
        return fail(err, err_size,
                    "malformed .npy header (bad 'fortran_order')");
    } else if (klen == 5 && !memcmp(key, "shape", 5) && !have_shape) {
      have_shape = 1;
      if (!parse_shape(&c, rank, shape))
        return fail(err, err_size, "malformed .npy header (bad 'shape')");
    } else {
      return fail(err, err_size,
                  "malformed .npy header (unexpected key '%.*s')",
                  (int)(klen > 32 ? 32 : klen), key);
    }
    if (!eat(&c, ',') && !peek(&c, '}'))
      return fail(err, err_size, "malformed .npy header (expected ',')");
  }
  skip_ws(&c);
  while (c.p < c.end && *c.p == '\0') /* some writers pad with NULs */
    ++c.p;
  if (c.p != c.end)
    return fail(err, err_size,
                "malformed .npy header (unexpected text after the dict)");
  if (!have_descr || !have_order || !have_shape)
    return fail(err, err_size, "malformed .npy header (missing '%s')",
                !have_descr   ? "descr"
                : !have_order ? "fortran_order"
                              : "shape");
  if (fortran)
    return fail(err, err_size,
                "Fortran-order arrays are not supported (save a C-order "
                "array, e.g. with numpy.ascontiguousarray)");
  return 0;
}

/* The strings of a '<U' (UTF-32LE, kind 'U') or '|S' (bytes) array of
 * `width` characters per element: trailing NULs are padding (as numpy has
 * it); other NULs and invalid code points are errors. */
static int npy_strings(kiln_host_tensor *t, const uint8_t *src, char kind,
                       size_t width, char *err, size_t err_size) {
  size_t n = t->num_elements, csize = kind == 'U' ? 4 : 1;
  size_t blob = 0;
  for (int pass = 0; pass < 2; ++pass) {
    char *o = t->strings;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t *e = src + i * width * csize;
      size_t len = width;
      uint32_t c = 0;
      while (len) { /* strip the NUL padding */
        memcpy(&c, e + (len - 1) * csize, csize);
        if (c)
          break;
        --len;
      }
      if (pass == 1)
        ((const char **)t->data)[i] = o;
      for (size_t k = 0; k < len; ++k) {
        c = 0;
        memcpy(&c, e + k * csize, csize);
        if (c == 0)
          return fail(err, err_size,
                      "string element %zu contains a NUL character (string "
                      "tensors hold NUL-terminated strings)",
                      i);
        if (kind == 'U' && (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)))
          return fail(err, err_size,
                      "string element %zu has an invalid code point 0x%lx", i,
                      (unsigned long)c);
        if (pass == 0)
          blob += kind == 'U' ? utf8_length(c) : 1;
        else if (kind == 'U')
          o += utf8_encode(c, o);
        else
          *o++ = (char)c;
      }
      if (pass == 0)
        ++blob;
      else
        *o++ = '\0';
    }
    if (pass == 0 && alloc_strings(t, blob, err, err_size))
      return -1;
  }
  return 0;
}

static int parse_npy(const uint8_t *buf, size_t len, kiln_host_tensor *t,
                     char *err, size_t err_size) {
  if (len < 8 || memcmp(buf, npy_magic, 6) != 0)
    return fail(err, err_size, "not a .npy file (bad magic string)");
  unsigned major = buf[6], minor = buf[7];
  size_t hoff, hlen;
  if (major == 1) {
    if (len < 10)
      return fail(err, err_size, "truncated .npy header");
    hoff = 10;
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
  } else if (major == 2 || major == 3) {
    if (len < 12)
      return fail(err, err_size, "truncated .npy header");
    hoff = 12;
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
           (size_t)buf[11] << 24;
  } else {
    return fail(err, err_size, "unsupported .npy format version %u.%u", major,
                minor);
  }
  if (hlen > len - hoff)
    return fail(err, err_size, "truncated .npy header");
  int32_t dtype = 0, rank = 0;
  int64_t shape[KILN_IO_MAX_RANK];
  char str_kind = 0;
  size_t str_width = 0;
  if (parse_npy_header((const char *)buf + hoff, hlen, &dtype, &str_kind,
                       &str_width, &rank, shape, err, err_size))
    return -1;
  if (setup_tensor(t, dtype, rank, shape, err, err_size))
    return -1;
  size_t avail = len - hoff - hlen;
  /* Bytes of the data in the file (the elements' widths for strings). */
  size_t file_bytes = t->nbytes;
  if (str_kind) {
    size_t item = str_width * (str_kind == 'U' ? 4 : 1);
    if (item && t->num_elements > SIZE_MAX / item)
      return fail(err, err_size, "string array too large");
    file_bytes = t->num_elements * item;
  }
  if (avail != file_bytes) {
    char s[256];
    kiln_io_format_shape(s, sizeof s, rank, shape);
    if (avail < file_bytes)
      return fail(err, err_size,
                  "data is truncated: %s %s needs %zu bytes, the file has %zu",
                  kiln_dtype_name(dtype), s, file_bytes, avail);
    return fail(err, err_size, "%zu unexpected bytes after the data of %s %s",
                avail - file_bytes, kiln_dtype_name(dtype), s);
  }
  if (str_kind)
    return npy_strings(t, buf + hoff + hlen, str_kind, str_width, err,
                       err_size);
  if (alloc_data(t, err, err_size))
    return -1;
  if (t->nbytes)
    memcpy(t->data, buf + hoff + hlen, t->nbytes);
  normalize_bool(t);
  return 0;
}

int kiln_io_parse_npy(const uint8_t *buf, size_t len, kiln_host_tensor *t,
                      char *err, size_t err_size) {
  memset(t, 0, sizeof *t);
  int rc = parse_npy(buf, len, t, err, err_size);
  if (rc)
    kiln_host_tensor_free(t);
  return rc;
}

/*===-- TensorProto .pb ---------------------------------------------------===*/

enum {
  WT_VARINT = 0,
  WT_I64 = 1,
  WT_LEN = 2,
  WT_SGROUP = 3,
  WT_EGROUP = 4,
  WT_I32 = 5
};

typedef struct pb_reader {
  const uint8_t *p, *end;
} pb_reader;

/* Growable array of fixed-size elements. */
typedef struct pb_vec {
  uint8_t *data;
  size_t count, cap, elem;
} pb_vec;

static int vec_reserve(pb_vec *v, size_t more) {
  if (more <= v->cap - v->count)
    return 0;
  size_t cap = v->cap ? v->cap : 16;
  while (cap - v->count < more) {
    if (cap > SIZE_MAX / 2 / v->elem)
      return -1;
    cap *= 2;
  }
  uint8_t *d = (uint8_t *)realloc(v->data, cap * v->elem);
  if (!d)
    return -1;
  v->data = d;
  v->cap = cap;
  return 0;
}

static int vec_push(pb_vec *v, const void *x) {
  if (vec_reserve(v, 1))
    return -1;
  memcpy(v->data + v->count * v->elem, x, v->elem);
  v->count++;
  return 0;
}

static int rd_varint(pb_reader *r, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (r->p >= r->end)
      return -1;
    uint8_t b = *r->p++;
    if (i == 9 && b > 1)
      return -1;
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

static int rd_len(pb_reader *r, const uint8_t **data, size_t *len) {
  uint64_t n;
  if (rd_varint(r, &n) || n > (uint64_t)(r->end - r->p))
    return -1;
  *data = r->p;
  *len = (size_t)n;
  r->p += n;
  return 0;
}

static int rd_fixed(pb_reader *r, size_t n, void *out) {
  if ((size_t)(r->end - r->p) < n)
    return -1;
  memcpy(out, r->p, n);
  r->p += n;
  return 0;
}

static int rd_tag(pb_reader *r, uint32_t *field, int *wt) {
  uint64_t tag;
  if (rd_varint(r, &tag))
    return -1;
  *wt = (int)(tag & 7);
  tag >>= 3;
  if (tag == 0 || tag > 0x1FFFFFFF)
    return -1;
  *field = (uint32_t)tag;
  return 0;
}

static int skip_field(pb_reader *r, uint32_t field, int wt, int depth) {
  uint64_t v;
  const uint8_t *d;
  size_t n;
  uint8_t tmp[8];
  switch (wt) {
  case WT_VARINT:
    return rd_varint(r, &v);
  case WT_I64:
    return rd_fixed(r, 8, tmp);
  case WT_LEN:
    return rd_len(r, &d, &n);
  case WT_I32:
    return rd_fixed(r, 4, tmp);
  case WT_SGROUP:
    if (depth > 64)
      return -1;
    for (;;) {
      uint32_t f;
      int w;
      if (rd_tag(r, &f, &w))
        return -1;
      if (w == WT_EGROUP)
        return f == field ? 0 : -1;
      if (skip_field(r, f, w, depth + 1))
        return -1;
    }
  default: /* a stray end-group, or wire types 6 and 7 */
    return -1;
  }
}

/* Appends a varint (wt 0) or a packed run of varints (wt 2) to v, as an
 * int64/uint64 (elem 8) or truncated to int32 (elem 4). */
static int rd_varints(pb_reader *r, int wt, pb_vec *v) {
  uint64_t x;
  pb_reader sub = *r;
  if (wt == WT_LEN) {
    const uint8_t *d;
    size_t n;
    if (rd_len(r, &d, &n))
      return -1;
    sub.p = d;
    sub.end = d + n;
  } else if (wt == WT_VARINT) {
    if (rd_varint(r, &x))
      return -1;
    if (v->elem == 4) {
      int32_t y = (int32_t)(uint32_t)x;
      return vec_push(v, &y);
    }
    return vec_push(v, &x);
  } else {
    return -1;
  }
  while (sub.p < sub.end) {
    if (rd_varint(&sub, &x))
      return -1;
    int rc;
    if (v->elem == 4) {
      int32_t y = (int32_t)(uint32_t)x;
      rc = vec_push(v, &y);
    } else {
      rc = vec_push(v, &x);
    }
    if (rc)
      return -1;
  }
  return 0;
}

/* Appends a fixed-size value (wt 5 / wt 1) or a packed run of them (wt 2). */
static int rd_fixeds(pb_reader *r, int wt, pb_vec *v) {
  int single = v->elem == 4 ? WT_I32 : WT_I64;
  if (wt == single) {
    uint8_t tmp[8];
    return rd_fixed(r, v->elem, tmp) || vec_push(v, tmp) ? -1 : 0;
  }
  if (wt != WT_LEN)
    return -1;
  const uint8_t *d;
  size_t n;
  if (rd_len(r, &d, &n) || n % v->elem)
    return -1;
  if (n == 0)
    return 0;
  if (vec_reserve(v, n / v->elem))
    return -1;
  memcpy(v->data + v->count * v->elem, d, n);
  v->count += n / v->elem;
  return 0;
}

static const char *onnx_type_name(uint64_t t) {
  static const char *const names[] = {
      "UNDEFINED",      "FLOAT",        "UINT8",          "INT8",
      "UINT16",         "INT16",        "INT32",          "INT64",
      "STRING",         "BOOL",         "FLOAT16",        "DOUBLE",
      "UINT32",         "UINT64",       "COMPLEX64",      "COMPLEX128",
      "BFLOAT16",       "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ", "UINT4",        "INT4",           "FLOAT4E2M1"};
  return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

enum { PB_DIMS, PB_F32, PB_I32, PB_I64, PB_F64, PB_U64, PB_STR, PB_NVEC };
static const char *const pb_vec_field[PB_NVEC] = {
    "dims",        "float_data",  "int32_data", "int64_data",
    "double_data", "uint64_data", "string_data"};

/* One string_data element: bytes inside the file's buffer. */
typedef struct pb_bytes {
  const uint8_t *data;
  size_t len;
} pb_bytes;

static int parse_pb_fields(pb_reader *r, pb_vec *vecs, uint64_t *data_type,
                           int *have_type, const uint8_t **raw, size_t *raw_len,
                           char *err, size_t err_size) {
  while (r->p < r->end) {
    uint32_t field;
    int wt, rc = 0;
    if (rd_tag(r, &field, &wt))
      return fail(err, err_size, "malformed TensorProto (bad field tag)");
    switch (field) {
    case 1: /* dims */
      rc = rd_varints(r, wt, &vecs[PB_DIMS]);
      break;
    case 2: /* data_type */
      rc = wt == WT_VARINT ? rd_varint(r, data_type) : -1;
      *have_type = 1;
      break;
    case 4: /* float_data */
      rc = rd_fixeds(r, wt, &vecs[PB_F32]);
      break;
    case 5: /* int32_data */
      rc = rd_varints(r, wt, &vecs[PB_I32]);
      break;
    case 6: { /* string_data */
      pb_bytes b;
      rc = wt == WT_LEN ? rd_len(r, &b.data, &b.len) : -1;
      if (!rc)
        rc = vec_push(&vecs[PB_STR], &b);
      break;
    }
    case 7: /* int64_data */
      rc = rd_varints(r, wt, &vecs[PB_I64]);
      break;
    case 8: { /* name */
      const uint8_t *d;
      size_t n;
      rc = wt == WT_LEN ? rd_len(r, &d, &n) : -1;
      break;
    }
    case 9: /* raw_data */
      rc = wt == WT_LEN ? rd_len(r, raw, raw_len) : -1;
      break;
    case 10: /* double_data */
      rc = rd_fixeds(r, wt, &vecs[PB_F64]);
      break;
    case 11: /* uint64_data */
      rc = rd_varints(r, wt, &vecs[PB_U64]);
      break;
    case 13: /* external_data */
      return fail(err, err_size,
                  "tensors with external data are not supported");
    case 14: { /* data_location */
      uint64_t loc = 0;
      rc = wt == WT_VARINT ? rd_varint(r, &loc) : -1;
      if (!rc && loc == 1)
        return fail(err, err_size,
                    "tensors with external data are not supported");
      break;
    }
    default:
      rc = skip_field(r, field, wt, 0);
      break;
    }
    if (rc)
      return fail(err, err_size,
                  "malformed or truncated TensorProto (field %u, wire type "
                  "%d)",
                  field, wt);
  }
  return 0;
}

int kiln_io_parse_pb(const uint8_t *buf, size_t len, kiln_host_tensor *t,
                     char *err, size_t err_size) {
  memset(t, 0, sizeof *t);
  pb_vec vecs[PB_NVEC] = {{NULL, 0, 0, 8},
                          {NULL, 0, 0, 4},
                          {NULL, 0, 0, 4},
                          {NULL, 0, 0, 8},
                          {NULL, 0, 0, 8},
                          {NULL, 0, 0, 8},
                          {NULL, 0, 0, sizeof(pb_bytes)}};
  uint64_t data_type = 0;
  int have_type = 0, rc = -1;
  const uint8_t *raw = NULL;
  size_t raw_len = 0;
  pb_reader r = {buf, buf + len};
  char s[256];

  if (parse_pb_fields(&r, vecs, &data_type, &have_type, &raw, &raw_len, err,
                      err_size))
    goto done;
  if (!have_type || data_type == 0) {
    fail(err, err_size,
         len ? "malformed TensorProto (no data_type)" : "empty file");
    goto done;
  }
  if (data_type > INT32_MAX || kiln_dtype_size((int32_t)data_type) == 0) {
    fail(err, err_size, "unsupported data_type %llu (%s)",
         (unsigned long long)data_type, onnx_type_name(data_type));
    goto done;
  }
  int32_t dtype = (int32_t)data_type;
  if (vecs[PB_DIMS].count > KILN_IO_MAX_RANK) {
    fail(err, err_size, "too many dims (%zu)", vecs[PB_DIMS].count);
    goto done;
  }
  int32_t rank = (int32_t)vecs[PB_DIMS].count;
  int64_t shape[KILN_IO_MAX_RANK];
  if (rank)
    memcpy(shape, vecs[PB_DIMS].data, (size_t)rank * sizeof(int64_t));
  if (setup_tensor(t, dtype, rank, shape, err, err_size))
    goto done;
  kiln_io_format_shape(s, sizeof s, rank, shape);

  /* Which typed field holds this dtype's values. */
  int want;
  switch (dtype) {
  case KILN_DTYPE_FLOAT:
    want = PB_F32;
    break;
  case KILN_DTYPE_DOUBLE:
    want = PB_F64;
    break;
  case KILN_DTYPE_INT64:
    want = PB_I64;
    break;
  case KILN_DTYPE_UINT32:
  case KILN_DTYPE_UINT64:
    want = PB_U64;
    break;
  case KILN_DTYPE_STRING:
    want = PB_STR;
    break;
  default:
    want = PB_I32;
    break;
  }
  for (int i = PB_F32; i < PB_NVEC; ++i) {
    if (!vecs[i].count)
      continue;
    if (raw) {
      fail(err, err_size, "TensorProto has both raw_data and %s",
           pb_vec_field[i]);
      goto done;
    }
    if (i != want) {
      fail(err, err_size, "%s tensor has values in %s (expected %s)",
           kiln_dtype_name(dtype), pb_vec_field[i], pb_vec_field[want]);
      goto done;
    }
  }
  if (raw && dtype == KILN_DTYPE_STRING) {
    fail(err, err_size, "string tensor has raw_data (expected string_data)");
    goto done;
  }
  if (dtype == KILN_DTYPE_STRING) {
    pb_vec *v = &vecs[PB_STR];
    if (v->count != t->num_elements) {
      fail(err, err_size, "string_data has %zu values, string %s needs %zu",
           v->count, s, t->num_elements);
      goto done;
    }
    const pb_bytes *b = (const pb_bytes *)(const void *)v->data;
    size_t blob = 0;
    for (size_t i = 0; i < v->count; ++i) {
      if (memchr(b[i].data, 0, b[i].len)) {
        fail(err, err_size,
             "string_data element %zu contains a NUL byte (string tensors "
             "hold NUL-terminated strings)",
             i);
        goto done;
      }
      blob += b[i].len + 1; /* cannot overflow: the bytes are in the file */
    }
    if (alloc_strings(t, blob, err, err_size))
      goto done;
    char *o = t->strings;
    for (size_t i = 0; i < v->count; ++i) {
      ((const char **)t->data)[i] = o;
      memcpy(o, b[i].data, b[i].len);
      o[b[i].len] = '\0';
      o += b[i].len + 1;
    }
  } else if (raw) {
    if (raw_len != t->nbytes) {
      fail(err, err_size, "raw_data has %zu bytes, %s %s needs %zu", raw_len,
           kiln_dtype_name(dtype), s, t->nbytes);
      goto done;
    }
    if (alloc_data(t, err, err_size))
      goto done;
    if (raw_len)
      memcpy(t->data, raw, raw_len);
  } else {
    pb_vec *v = &vecs[want];
    if (v->count != t->num_elements) {
      fail(err, err_size, "%s has %zu values, %s %s needs %zu",
           pb_vec_field[want], v->count, kiln_dtype_name(dtype), s,
           t->num_elements);
      goto done;
    }
    if (alloc_data(t, err, err_size))
      goto done;
    size_t n = t->num_elements;
    if (want != PB_I32 && !(want == PB_U64 && dtype == KILN_DTYPE_UINT32)) {
      if (n)
        memcpy(t->data, v->data, t->nbytes); /* same element layout */
    } else if (dtype == KILN_DTYPE_UINT32) {
      const uint64_t *src = (const uint64_t *)(const void *)v->data;
      uint32_t *dst = (uint32_t *)t->data;
      for (size_t i = 0; i < n; ++i)
        dst[i] = (uint32_t)src[i];
    } else {
      const int32_t *src = (const int32_t *)(const void *)v->data;
      size_t es = kiln_dtype_size(dtype);
      for (size_t i = 0; i < n; ++i) {
        uint8_t *dst = (uint8_t *)t->data + i * es;
        if (es == 1) {
          dst[0] = (uint8_t)src[i];
        } else if (es == 2) {
          uint16_t x = (uint16_t)src[i];
          memcpy(dst, &x, 2);
        } else {
          memcpy(dst, &src[i], 4);
        }
      }
    }
  }
  normalize_bool(t);
  rc = 0;

done:
  for (int i = 0; i < PB_NVEC; ++i)
    free(vecs[i].data);
  if (rc)
    kiln_host_tensor_free(t);
  return rc;
}

/*===-- Files -------------------------------------------------------------===*/

/* Reads a whole file; returns NULL (errno set) on failure. */
static uint8_t *read_all(const char *path, size_t *len, int *err_no,
                         const char **what) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    *err_no = errno;
    *what = "cannot open";
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = (uint8_t *)malloc(cap);
  if (!buf) {
    fclose(f);
    *err_no = ENOMEM;
    *what = "cannot read";
    return NULL;
  }
  for (;;) {
    if (n == cap) {
      uint8_t *b = cap > SIZE_MAX / 2 ? NULL : (uint8_t *)realloc(buf, cap * 2);
      if (!b) {
        free(buf);
        fclose(f);
        *err_no = ENOMEM;
        *what = "cannot read";
        return NULL;
      }
      buf = b;
      cap *= 2;
    }
    errno = 0;
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) {
        *err_no = errno ? errno : EIO;
        *what = "cannot read";
        free(buf);
        fclose(f);
        return NULL;
      }
      break;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

int kiln_io_read_file(const char *path, kiln_host_tensor *t, char *err,
                      size_t err_size) {
  memset(t, 0, sizeof *t);
  size_t len = 0;
  int err_no = 0;
  const char *what = "";
  uint8_t *buf = read_all(path, &len, &err_no, &what);
  if (!buf)
    return fail(err, err_size, "%s: %s", what, strerror(err_no));
  kiln_io_format format = kiln_io_format_of_path(path);
  if (format == KILN_IO_FORMAT_UNKNOWN && len >= 6 &&
      memcmp(buf, npy_magic, 6) == 0)
    format = KILN_IO_FORMAT_NPY;
  int rc;
  if (format == KILN_IO_FORMAT_NPY)
    rc = kiln_io_parse_npy(buf, len, t, err, err_size);
  else if (format == KILN_IO_FORMAT_PB)
    rc = kiln_io_parse_pb(buf, len, t, err, err_size);
  else
    rc = fail(err, err_size,
              "unknown file type (expected a .npy file or an ONNX "
              "TensorProto .pb file)");
  free(buf);
  return rc;
}

static const char *npy_descr(int32_t dtype) {
  switch (dtype) {
  case KILN_DTYPE_FLOAT:
    return "<f4";
  case KILN_DTYPE_UINT8:
    return "|u1";
  case KILN_DTYPE_INT8:
    return "|i1";
  case KILN_DTYPE_UINT16:
    return "<u2";
  case KILN_DTYPE_INT16:
    return "<i2";
  case KILN_DTYPE_INT32:
    return "<i4";
  case KILN_DTYPE_INT64:
    return "<i8";
  case KILN_DTYPE_BOOL:
    return "|b1";
  case KILN_DTYPE_FLOAT16:
    return "<f2";
  case KILN_DTYPE_DOUBLE:
    return "<f8";
  case KILN_DTYPE_UINT32:
    return "<u4";
  case KILN_DTYPE_UINT64:
    return "<u8";
  default:
    return NULL;
  }
}

int kiln_io_format_supports(kiln_io_format format, int32_t dtype) {
  if (format == KILN_IO_FORMAT_NPY)
    return npy_descr(dtype) != NULL || dtype == KILN_DTYPE_STRING;
  return format == KILN_IO_FORMAT_PB && kiln_dtype_size(dtype) != 0;
}

/* The .npy preamble (magic, version, header) into a malloc'ed buffer. */
static uint8_t *npy_preamble(const char *descr, int32_t rank,
                             const int64_t *shape, size_t *out_len) {
  char dims[KILN_IO_MAX_RANK * 24 + 8];
  size_t used = 0;
  dims[0] = '\0';
  for (int32_t i = 0; i < rank; ++i)
    used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%lld",
                             i ? ", " : "", (long long)shape[i]);
  if (rank == 1)
    snprintf(dims + used, sizeof dims - used, ",");
  char dict[sizeof dims + 96];
  int dlen = snprintf(
      dict, sizeof dict,
      "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, dims);
  if (dlen < 0)
    return NULL;
  /* Version 1.0 unless the header needs more than 65535 bytes. */
  size_t pre = 10, total = pre + (size_t)dlen + 1;
  total = (total + 63) & ~(size_t)63;
  if (total - pre > 65535) {
    pre = 12;
    total = (pre + (size_t)dlen + 1 + 63) & ~(size_t)63;
  }
  uint8_t *h = (uint8_t *)malloc(total);
  if (!h)
    return NULL;
  size_t hlen = total - pre;
  memcpy(h, npy_magic, 6);
  h[6] = pre == 10 ? 1 : 2;
  h[7] = 0;
  h[8] = (uint8_t)hlen;
  h[9] = (uint8_t)(hlen >> 8);
  if (pre == 12) {
    h[10] = (uint8_t)(hlen >> 16);
    h[11] = (uint8_t)(hlen >> 24);
  }
  memcpy(h + pre, dict, (size_t)dlen);
  memset(h + pre + dlen, ' ', hlen - (size_t)dlen - 1);
  h[total - 1] = '\n';
  *out_len = total;
  return h;
}

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    p[n++] = b | (v ? 0x80 : 0);
  } while (v);
  return n;
}

/* TensorProto fields before the values: dims, data_type, name, and (when
 * `raw`) the raw_data tag and length `nbytes`. */
static uint8_t *pb_preamble(const char *name, int32_t dtype, int32_t rank,
                            const int64_t *shape, int raw, size_t nbytes,
                            size_t *out_len) {
  size_t name_len = name ? strlen(name) : 0;
  size_t cap = (size_t)rank * 11 + 11 + 11 + name_len + 11 + 11 + 2;
  uint8_t *h = (uint8_t *)malloc(cap), *p = h;
  if (!h)
    return NULL;
  for (int32_t i = 0; i < rank; ++i) {
    *p++ = (1 << 3) | WT_VARINT;
    p += put_varint(p, (uint64_t)shape[i]);
  }
  *p++ = (2 << 3) | WT_VARINT;
  p += put_varint(p, (uint64_t)dtype);
  if (name_len) {
    *p++ = (8 << 3) | WT_LEN;
    p += put_varint(p, name_len);
    memcpy(p, name, name_len);
    p += name_len;
  }
  if (raw) {
    *p++ = (9 << 3) | WT_LEN;
    p += put_varint(p, nbytes);
  }
  *out_len = (size_t)(p - h);
  return h;
}

/* The values of a string tensor as a malloc'ed body: repeated string_data
 * fields (.pb), or `<U<width>` UTF-32LE elements (.npy, width = the longest
 * string in code points, at least 1, as numpy has it). Returns 0 or an
 * errno value. */
static int string_body(kiln_io_format format, size_t n, const char *const *strs,
                       uint8_t **out, size_t *out_len, size_t *npy_width) {
  size_t total = 0, width = 1;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t *s = (const uint8_t *)(strs[i] ? strs[i] : "");
    size_t len = strlen((const char *)s);
    if (format == KILN_IO_FORMAT_PB) {
      if (len > SIZE_MAX - total - 11)
        return ENOMEM;
      size_t field = 1 + 1 + len; /* tag, length (1 byte per 7 bits) */
      for (size_t v = len >> 7; v; v >>= 7)
        ++field;
      total += field;
      continue;
    }
    size_t chars = 0;
    for (size_t k = 0; k < len; ++chars) {
      uint32_t cp;
      size_t l = utf8_decode(s + k, len - k, &cp);
      if (!l)
        return EILSEQ;
      k += l;
    }
    if (chars > width)
      width = chars;
  }
  if (format == KILN_IO_FORMAT_NPY) {
    if (n && width > SIZE_MAX / 4 / n)
      return ENOMEM;
    total = n * width * 4;
  }
  uint8_t *body = (uint8_t *)calloc(total ? total : 1, 1), *p = body;
  if (!body)
    return ENOMEM;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t *s = (const uint8_t *)(strs[i] ? strs[i] : "");
    size_t len = strlen((const char *)s);
    if (format == KILN_IO_FORMAT_PB) {
      *p++ = (6 << 3) | WT_LEN;
      p += put_varint(p, len);
      memcpy(p, s, len);
      p += len;
      continue;
    }
    uint8_t *e = body + i * width * 4;
    for (size_t k = 0; k < len;) {
      uint32_t cp = 0;
      k += utf8_decode(s + k, len - k, &cp);
      memcpy(e, &cp, 4);
      e += 4;
    }
  }
  *out = body;
  *out_len = total;
  *npy_width = width;
  return 0;
}

int kiln_io_write_file(const char *path, kiln_io_format format,
                       const char *name, int32_t dtype, int32_t rank,
                       const int64_t *shape, const void *data) {
  size_t esize = kiln_dtype_size(dtype);
  int64_t n = kiln_io_num_elements(rank, shape, esize);
  if (!esize || n < 0 || rank < 0 || rank > KILN_IO_MAX_RANK)
    return EINVAL;
  size_t nbytes = (size_t)n * esize, hlen = 0;
  uint8_t *h, *body = NULL;
  if (!kiln_io_format_supports(format, dtype))
    return EINVAL;
  const char *descr = npy_descr(dtype);
  char str_descr[32];
  if (dtype == KILN_DTYPE_STRING) {
    /* The elements are `const char *`: write the strings instead. */
    size_t width = 0;
    int e = string_body(format, (size_t)n, (const char *const *)data, &body,
                        &nbytes, &width);
    if (e)
      return e;
    data = body;
    snprintf(str_descr, sizeof str_descr, "<U%zu", width);
    descr = str_descr;
  }
  if (format == KILN_IO_FORMAT_NPY)
    h = npy_preamble(descr, rank, shape, &hlen);
  else
    h = pb_preamble(name, dtype, rank, shape, dtype != KILN_DTYPE_STRING,
                    nbytes, &hlen);
  if (!h) {
    free(body);
    return ENOMEM;
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    int e = errno;
    free(h);
    free(body);
    return e;
  }
  int e = 0;
  errno = 0;
  if (fwrite(h, 1, hlen, f) != hlen ||
      (nbytes && fwrite(data, 1, nbytes, f) != nbytes))
    e = errno ? errno : EIO;
  free(h);
  free(body);
  if (fclose(f) != 0 && !e)
    e = errno ? errno : EIO;
  if (e)
    remove(path);
  return e;
}
