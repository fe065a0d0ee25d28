/*===- cpu.c - Checking the CPU features a model was compiled for ---------===*
 *
 * A model compiled for a CPU (--mcpu, by default the build machine's) may use
 * any instruction set extension that CPU has; run on a CPU without one, it
 * would die of SIGILL. The compiler records the extensions in the model's
 * kiln_cpu_requirements; kiln_cpu_check compares them with what the running
 * CPU reports (the table of kiln/cpu_features.def) before any model code runs.
 * This file is compiled for the baseline of its architecture, like the whole
 * runtime.
 *===----------------------------------------------------------------------===*/
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kiln/runtime.h"

/* The architecture this runtime can read the features of (enum
 * kiln_cpu_arch). */
#if defined(__x86_64__)
#include <cpuid.h>
#define HOST_X86_64 1
#define HOST_ARCH KILN_CPU_ARCH_X86_64
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define HOST_AARCH64 1
#define HOST_ARCH KILN_CPU_ARCH_AARCH64
#else
#define HOST_ARCH KILN_CPU_ARCH_OTHER
#endif

typedef struct feature {
  const char *name;
  int level; /* x86-64-vN level that includes it (x86 only; 0: none) */
  int has;   /* whether the running CPU has it */
} feature;

#if defined(HOST_X86_64)
/* The CPUID words the table reads: leaf 1, leaf 7 subleaves 0 and 1, and
 * leaf 0x80000001. */
enum { LEAF_1, LEAF_7_0, LEAF_7_1, LEAF_EXT_1, NUM_LEAVES };
enum { EAX, EBX, ECX, EDX };
/* XCR0 bits the OS sets when it saves a register state on context switch. */
enum {
  KILN_X86_STATE_NONE = 0,
  KILN_X86_STATE_YMM = 0x6,           /* SSE, AVX */
  KILN_X86_STATE_ZMM = 0xe6,          /* + opmask, ZMM_Hi256, Hi16_ZMM */
  KILN_X86_STATE_APX = 0x6 | 1 << 19, /* extended general registers */
};

static int leaf_index(unsigned leaf, unsigned subleaf) {
  if (leaf == 1)
    return LEAF_1;
  if (leaf == 7)
    return subleaf == 0 ? LEAF_7_0 : LEAF_7_1;
  return LEAF_EXT_1;
}

static feature features[] = {
#define KILN_X86_FEATURE(name, leaf, subleaf, reg, bit, state, level)          \
  {name, level, 0},
#include "kiln/cpu_features.def"
#undef KILN_X86_FEATURE
};

static void detect(void) {
  unsigned words[NUM_LEAVES][4];
  memset(words, 0, sizeof words);
  unsigned a, b, c, d;
  unsigned max = __get_cpuid_max(0, NULL);
  if (max >= 1)
    __cpuid_count(1, 0, words[LEAF_1][EAX], words[LEAF_1][EBX],
                  words[LEAF_1][ECX], words[LEAF_1][EDX]);
  if (max >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    words[LEAF_7_0][EAX] = a, words[LEAF_7_0][EBX] = b;
    words[LEAF_7_0][ECX] = c, words[LEAF_7_0][EDX] = d;
    if (a >= 1)
      __cpuid_count(7, 1, words[LEAF_7_1][EAX], words[LEAF_7_1][EBX],
                    words[LEAF_7_1][ECX], words[LEAF_7_1][EDX]);
  }
  if (__get_cpuid_max(0x80000000, NULL) >= 0x80000001)
    __cpuid_count(0x80000001, 0, words[LEAF_EXT_1][EAX], words[LEAF_EXT_1][EBX],
                  words[LEAF_EXT_1][ECX], words[LEAF_EXT_1][EDX]);
  /* The register state the OS enables (XGETBV needs OSXSAVE). */
  unsigned xcr0 = 0;
  if (words[LEAF_1][ECX] >> 27 & 1) {
    unsigned hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
    (void)hi;
  }
  size_t i = 0;
#define KILN_X86_FEATURE(name, leaf, subleaf, reg, bit, state, level)          \
  features[i++].has =                                                          \
      (words[leaf_index(leaf, subleaf)][reg] >> (bit) & 1) &&                  \
      (xcr0 & KILN_X86_STATE_##state) == KILN_X86_STATE_##state;
#include "kiln/cpu_features.def"
#undef KILN_X86_FEATURE
}

/* The highest x86-64-vN level whose features this CPU all has. */
static const char *suggestion(void) {
  int level = 4;
  for (size_t i = 0; i < sizeof features / sizeof *features; ++i)
    if (features[i].level && !features[i].has && features[i].level <= level)
      level = features[i].level - 1;
  static const char *const names[] = {"x86-64", "x86-64", "x86-64-v2",
                                      "x86-64-v3", "x86-64-v4"};
  return names[level];
}

#elif defined(HOST_AARCH64)
#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif

static feature features[] = {
#define KILN_AARCH64_FEATURE(name, hwcap, bit) {name, 0, 0},
#include "kiln/cpu_features.def"
#undef KILN_AARCH64_FEATURE
};

static void detect(void) {
  unsigned long hwcap[3] = {0, getauxval(AT_HWCAP), getauxval(AT_HWCAP2)};
  size_t i = 0;
#define KILN_AARCH64_FEATURE(name, word, bit)                                  \
  features[i++].has = (int)(hwcap[word] >> (bit) & 1);
#include "kiln/cpu_features.def"
#undef KILN_AARCH64_FEATURE
}

static const char *suggestion(void) { return "generic"; }

#else
static feature features[] = {{"", 0, 0}};
static void detect(void) {}
static const char *suggestion(void) { return "generic"; }
#endif

static pthread_once_t detected = PTHREAD_ONCE_INIT;
static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether the running CPU has the feature `name`; unknown names count as
 * missing (a runtime older than the compiler cannot vouch for them). */
static int cpu_has(const char *name) {
  for (size_t i = 0; i < sizeof features / sizeof *features; ++i)
    if (features[i].name[0] && strcmp(features[i].name, name) == 0)
      return features[i].has;
  return 0;
}

/* Appends `s` to the list in buf (", " between entries); truncates. */
static void append(char *buf, size_t size, const char *s) {
  size_t n = strlen(buf);
  if (n + 1 < size)
    snprintf(buf + n, size - n, "%s%s", n ? ", " : "", s);
}

#if defined(HOST_X86_64)
static int lists(const kiln_cpu_requirements *r, const char *name) {
  for (int32_t i = 0; i < r->num_features; ++i)
    if (strcmp(r->features[i], name) == 0)
      return 1;
  return 0;
}
#endif

/* What `r` needs, for people: on x86-64 the highest x86-64-vN level whose
 * features it all lists stands for them ("x86-64-v3, sse4a"). */
static void describe_needs(const kiln_cpu_requirements *r, char *buf,
                           size_t size) {
  int level = 0;
#if defined(HOST_X86_64)
  level = 4;
  for (size_t i = 0; i < sizeof features / sizeof *features; ++i)
    if (features[i].level && features[i].level <= level &&
        !lists(r, features[i].name))
      level = features[i].level - 1;
  if (level >= 2) {
    char name[32];
    snprintf(name, sizeof name, "x86-64-v%d", level);
    append(buf, size, name);
  }
#endif
  for (int32_t i = 0; i < r->num_features; ++i) {
    int covered = 0;
    for (size_t j = 0; j < sizeof features / sizeof *features; ++j)
      if (features[j].level && features[j].level <= level &&
          strcmp(features[j].name, r->features[i]) == 0)
        covered = 1;
    if (!covered)
      append(buf, size, r->features[i]);
  }
}

int kiln_cpu_check(kiln_cpu_requirements *r) {
  if (!r)
    return 0;
  int status = __atomic_load_n(&r->status, __ATOMIC_ACQUIRE);
  if (status == 0) {
    pthread_once(&detected, detect);
    pthread_mutex_lock(&check_lock);
    status = r->status;
    if (status == 0) {
      char needs[512] = "", lacks[512] = "";
      int ok = 1;
      if (r->arch == HOST_ARCH && r->arch != KILN_CPU_ARCH_OTHER)
        for (int32_t i = 0; i < r->num_features; ++i) {
          if (!cpu_has(r->features[i])) {
            append(lacks, sizeof lacks, r->features[i]);
            ok = 0;
          }
        }
      if (!ok)
        describe_needs(r, needs, sizeof needs);
      if (!ok)
        snprintf(r->message, sizeof r->message,
                 "%s needs %s (compiled for %s); this CPU lacks %s; rebuild "
                 "with --mcpu=%s or with several --mcpu levels",
                 r->subject, needs, r->cpu, lacks, suggestion());
      status = ok ? 1 : 2;
      __atomic_store_n(&r->status, status, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&check_lock);
  }
  return status == 1 ? 0 : KILN_ERROR_CPU;
}

const char *kiln_cpu_message(kiln_cpu_requirements *r) {
  if (kiln_cpu_check(r) != 0)
    return r->message;
  return "the CPU lacks instruction set extensions the code was compiled "
         "for";
}
