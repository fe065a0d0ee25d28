/*===- strings.c - String ops called by generated code --------------------===*
 *
 * The string services of kiln/runtime.h: the per-thread string arena,
 * StringNormalizer and the string <-> float casts.
 *
 * Memory: output strings are carved out of the arena that the run passes to
 * kiln_strings_begin (the tail of its workspace). Nothing here allocates per
 * call; when a string does not fit, the arena's status becomes
 * KILN_ERROR_STRING_ARENA (returned by kiln_strings_end) and the element is
 * "" so that the rest of the run stays well defined. Outside begin/end the
 * arena has size 0.
 *
 * Case mapping: ASCII, and towlower/towupper of the C.UTF-8 locale (created
 * once per process; the process's global locale is neither read nor
 * changed) on the code points of well-formed UTF-8. Bytes that are not part
 * of a well-formed sequence are copied unchanged.
 *===----------------------------------------------------------------------===*/
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <locale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#pragma GCC visibility push(default)
#include "kiln/runtime.h"
#pragma GCC visibility pop

/*===-- Arena -------------------------------------------------------------===*/

typedef struct string_arena {
  char *base;
  int64_t size, used;
  int32_t status;
} string_arena;

static _Thread_local string_arena arena;

void kiln_strings_begin(void *base, int64_t size) {
  arena.base = (char *)base;
  arena.size = base && size > 0 ? size : 0;
  arena.used = 0;
  arena.status = 0;
}

int32_t kiln_strings_end(void) {
  int32_t status = arena.status;
  memset(&arena, 0, sizeof arena);
  return status;
}

/* `n` bytes of the arena, or NULL (and the overflow status) when they do not
 * fit. */
static char *arena_alloc(int64_t n) {
  if (n > arena.size - arena.used) {
    arena.status = KILN_ERROR_STRING_ARENA;
    return NULL;
  }
  char *p = arena.base + arena.used;
  arena.used += n;
  return p;
}

/* A copy of s[0, n) plus a NUL in the arena, or "" when it does not fit. */
static const char *arena_strndup(const char *s, size_t n) {
  char *p = n < (size_t)INT64_MAX ? arena_alloc((int64_t)n + 1) : NULL;
  if (!p) {
    arena.status = KILN_ERROR_STRING_ARENA;
    return "";
  }
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

/*===-- UTF-8 and case mapping
 * ---------------------------------------------===*/

/* Decodes one well-formed UTF-8 sequence at s (NUL-terminated): returns its
 * length and sets *cp, or returns 0 when s[0] does not start one. */
static int utf8_decode(const unsigned char *s, uint32_t *cp) {
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  int len;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  for (int i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
      return 0;
    v = v << 6 | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return len;
}

static int utf8_length(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static void utf8_encode(uint32_t cp, char *out) {
  unsigned char *o = (unsigned char *)out;
  switch (utf8_length(cp)) {
  case 1:
    o[0] = (unsigned char)cp;
    break;
  case 2:
    o[0] = (unsigned char)(0xC0 | cp >> 6);
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    break;
  case 3:
    o[0] = (unsigned char)(0xE0 | cp >> 12);
    o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    break;
  default:
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    break;
  }
}

/* The C.UTF-8 locale for towlower_l/towupper_l, created on first use (the
 * "C" locale maps ASCII only). (locale_t)0 when the C library has none; the
 * global locale's towlower/towupper are used then. */
static _Atomic(locale_t) utf8_locale;
static atomic_int utf8_locale_state; /* 0: not tried, 1: ready/failed */

static locale_t get_utf8_locale(void) {
  if (atomic_load_explicit(&utf8_locale_state, memory_order_acquire))
    return atomic_load_explicit(&utf8_locale, memory_order_relaxed);
  locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  if (!l)
    l = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
  locale_t expected = (locale_t)0;
  if (l && !atomic_compare_exchange_strong(&utf8_locale, &expected, l))
    freelocale(l); /* another thread won */
  atomic_store_explicit(&utf8_locale_state, 1, memory_order_release);
  return atomic_load_explicit(&utf8_locale, memory_order_relaxed);
}

enum { CASE_LOWER = 0, CASE_UPPER = 1 };

static uint32_t map_case(uint32_t cp, int upper, locale_t loc) {
  if (cp < 0x80) {
    if (upper && cp >= 'a' && cp <= 'z')
      return cp - 'a' + 'A';
    if (!upper && cp >= 'A' && cp <= 'Z')
      return cp - 'A' + 'a';
    return cp;
  }
  wint_t w = (wint_t)cp, r;
  if (loc)
    r = upper ? towupper_l(w, loc) : towlower_l(w, loc);
  else
    r = upper ? towupper(w) : towlower(w);
  /* Keep the code point when the mapping would not encode as UTF-8. */
  if (r == WEOF || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
    return cp;
  return (uint32_t)r;
}

/* Walks s: the next unit (a code point, or one stray byte) at *pos. Returns
 * its byte length (0 at the end); *cp is the (case-mapped when `mode` >= 0)
 * code point, or -1 for a stray byte. */
static int next_unit(const unsigned char *s, size_t pos, int mode, locale_t loc,
                     int64_t *cp) {
  if (!s[pos])
    return 0;
  uint32_t c;
  int len = utf8_decode(s + pos, &c);
  if (!len) {
    *cp = -1;
    return 1;
  }
  *cp = mode >= 0 ? (int64_t)map_case(c, mode, loc) : (int64_t)c;
  return len;
}

/* Whether a and b are equal after lowercasing both. */
static int equal_lowercase(const char *a, const char *b, locale_t loc) {
  const unsigned char *x = (const unsigned char *)a;
  const unsigned char *y = (const unsigned char *)b;
  size_t i = 0, j = 0;
  for (;;) {
    int64_t cx = 0, cy = 0;
    int lx = next_unit(x, i, CASE_LOWER, loc, &cx);
    int ly = next_unit(y, j, CASE_LOWER, loc, &cy);
    if (!lx || !ly)
      return lx == ly;
    if (cx != cy || (cx < 0 && x[i] != y[j]))
      return 0;
    i += (size_t)lx;
    j += (size_t)ly;
  }
}

/* s with its case changed: s itself when nothing changes, else a copy in the
 * arena ("" when it does not fit). */
static const char *change_case(const char *s, int upper, locale_t loc) {
  const unsigned char *u = (const unsigned char *)s;
  size_t in_len = 0, out_len = 0;
  int changed = 0;
  for (;;) {
    int64_t cp;
    int len = next_unit(u, in_len, upper, loc, &cp);
    if (!len)
      break;
    int out = cp < 0 ? 1 : utf8_length((uint32_t)cp);
    if (!changed) {
      char buf[4];
      if (cp >= 0)
        utf8_encode((uint32_t)cp, buf);
      changed = cp >= 0 && (out != len || memcmp(buf, s + in_len, len) != 0);
    }
    in_len += (size_t)len;
    out_len += (size_t)out;
  }
  if (!changed)
    return s;
  char *p =
      out_len < (size_t)INT64_MAX ? arena_alloc((int64_t)out_len + 1) : NULL;
  if (!p) {
    arena.status = KILN_ERROR_STRING_ARENA;
    return "";
  }
  size_t i = 0, o = 0;
  for (;;) {
    int64_t cp;
    int len = next_unit(u, i, upper, loc, &cp);
    if (!len)
      break;
    if (cp < 0) {
      p[o++] = s[i];
    } else {
      utf8_encode((uint32_t)cp, p + o);
      o += (size_t)utf8_length((uint32_t)cp);
    }
    i += (size_t)len;
  }
  p[o] = '\0';
  return p;
}

/*===-- StringNormalizer --------------------------------------------------===*/

static int is_stopword(const char *s, const char *stopwords,
                       int64_t num_stopwords, int case_sensitive,
                       locale_t loc) {
  const char *w = stopwords;
  for (int64_t k = 0; k < num_stopwords; ++k) {
    if (case_sensitive ? strcmp(s, w) == 0 : equal_lowercase(s, w, loc))
      return 1;
    w += strlen(w) + 1;
  }
  return 0;
}

void kiln_string_normalize(const char *const *in, int64_t n, const char **out,
                           int64_t *count, const char *stopwords,
                           int64_t num_stopwords, int32_t flags) {
  int case_sensitive = (flags & KILN_STRNORM_CASE_SENSITIVE) != 0;
  int mode = (flags & KILN_STRNORM_LOWER)   ? CASE_LOWER
             : (flags & KILN_STRNORM_UPPER) ? CASE_UPPER
                                            : -1;
  locale_t loc = (mode >= 0 || (!case_sensitive && num_stopwords > 0))
                     ? get_utf8_locale()
                     : (locale_t)0;
  if (!stopwords)
    num_stopwords = 0;
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    const char *s = in[i] ? in[i] : "";
    if (is_stopword(s, stopwords, num_stopwords, case_sensitive, loc))
      continue;
    out[kept++] = mode >= 0 ? change_case(s, mode, loc) : s;
  }
  if (kept == 0)
    out[kept++] = "";
  *count = kept;
}

/*===-- Casts -------------------------------------------------------------===*/

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

/* Whether the parse consumed something and only spaces follow it. */
static int parsed_whole(const char *s, const char *end) {
  if (end == s)
    return 0;
  while (is_space(*end))
    ++end;
  return *end == '\0';
}

void kiln_string_to_f32(const char *const *in, int64_t n, float *out) {
  for (int64_t i = 0; i < n; ++i) {
    const char *s = in[i] ? in[i] : "";
    char *end;
    float v = strtof(s, &end);
    out[i] = parsed_whole(s, end) ? v : NAN;
  }
}

void kiln_string_to_f64(const char *const *in, int64_t n, double *out) {
  for (int64_t i = 0; i < n; ++i) {
    const char *s = in[i] ? in[i] : "";
    char *end;
    double v = strtod(s, &end);
    out[i] = parsed_whole(s, end) ? v : NAN;
  }
}

/* More than format_shortest writes: a sign, 17 digits, and either a point
 * and "e-324" or (positional, 1e-4 <= |x| < 1e16) up to 4 more zeros or
 * ".0". */
#define KILN_FLOAT_TEXT_MAX 64

/* Formats x like numpy's str(): the shortest digits that read back as x
 * (`max_digits` 9 for float, 17 for double; is_float selects strtof),
 * positional when x is 0 or 1e-4 <= |x| < 1e16 ("0.1", "12345678.0"), else
 * scientific ("1e-05", "1.5e+20"); "inf", "-inf", "nan". Returns the
 * length. */
static int format_shortest(double x, int is_float, char *buf) {
  if (isnan(x))
    return sprintf(buf, "nan");
  if (isinf(x))
    return sprintf(buf, x < 0 ? "-inf" : "inf");
  int neg = signbit(x) != 0;
  if (x == 0)
    return sprintf(buf, neg ? "-0.0" : "0.0");

  /* Shortest round-trip digits: "d.ddde[+-]XX". */
  char sci[64];
  int max_digits = is_float ? 9 : 17;
  for (int p = 0; p < max_digits; ++p) {
    snprintf(sci, sizeof sci, "%.*e", p, x);
    if (is_float ? strtof(sci, NULL) == (float)x : strtod(sci, NULL) == x)
      break;
  }
  char digits[24];
  int nd = 0;
  const char *c = sci + neg;
  for (; *c && *c != 'e'; ++c)
    if (*c >= '0' && *c <= '9')
      digits[nd++] = *c;
  int exp10 = atoi(c + 1);
  while (nd > 1 && digits[nd - 1] == '0')
    --nd;

  char *o = buf;
  if (neg)
    *o++ = '-';
  long double ax = fabsl((long double)x);
  if (ax >= 1e-4L && ax < 1e16L) {
    if (exp10 >= 0) {
      for (int i = 0; i <= exp10; ++i)
        *o++ = i < nd ? digits[i] : '0';
      *o++ = '.';
      if (nd > exp10 + 1) {
        for (int i = exp10 + 1; i < nd; ++i)
          *o++ = digits[i];
      } else {
        *o++ = '0';
      }
    } else {
      *o++ = '0';
      *o++ = '.';
      for (int i = 0; i < -exp10 - 1; ++i)
        *o++ = '0';
      for (int i = 0; i < nd; ++i)
        *o++ = digits[i];
    }
    *o = '\0';
    return (int)(o - buf);
  }
  *o++ = digits[0];
  if (nd > 1) {
    *o++ = '.';
    for (int i = 1; i < nd; ++i)
      *o++ = digits[i];
  }
  o += sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
  return (int)(o - buf);
}

void kiln_string_from_f32(const float *in, int64_t n, const char **out) {
  char buf[KILN_FLOAT_TEXT_MAX];
  for (int64_t i = 0; i < n; ++i) {
    int len = format_shortest((double)in[i], 1, buf);
    out[i] = arena_strndup(buf, (size_t)len);
  }
}

void kiln_string_from_f64(const double *in, int64_t n, const char **out) {
  char buf[KILN_FLOAT_TEXT_MAX];
  for (int64_t i = 0; i < n; ++i) {
    int len = format_shortest(in[i], 0, buf);
    out[i] = arena_strndup(buf, (size_t)len);
  }
}
