/*===- fake_strings.c - A stand-in model with strings and a dynamic shape -===*
 *
 * Defines kiln_exe_model the way model-compile --emit=exe does for a model
 * with string tensors and a data-dependent output shape, calling the string
 * ops of the runtime (runtime/strings.c) like generated code does:
 *   inputs:  text string 2x3, num float32 4
 *   outputs: copy       string 2x3       = text (pointers to the inputs)
 *            normalized string up to 6   = StringNormalizer(text, UPPER,
 *                                          stopwords monday/tuesday,
 *                                          case-insensitive); dims at
 *                                          workspace offset 0
 *            formatted  string 4         = Cast(num, to=STRING)
 *            parsed     float32 2x3      = Cast(text, to=FLOAT)
 * Workspace: the normalized output's dims (8 bytes, padded to 64) and a
 * 64-byte string arena, so long strings overflow it. When text[0] is
 * "__BAD_DIMS__", run() reports 7 strings (more than the bound of 6).
 * Built with -DDIMS_OFFSET=4 (kiln-fake-strings-baddesc), the descriptor
 * is invalid (misaligned dims).
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>

#include "kiln/runtime.h"

#ifndef DIMS_OFFSET
#define DIMS_OFFSET 0
#endif
#define ARENA_OFFSET 64
#define ARENA_SIZE 64

static const int64_t shape_2x3[] = {2, 3};
static const int64_t shape_6[] = {6};
static const int64_t shape_4[] = {4};

static const kiln_tensor_desc str_inputs[] = {
    {"text", KILN_DTYPE_STRING, 2, shape_2x3, -1},
    {"num", KILN_DTYPE_FLOAT, 1, shape_4, -1},
};
static const kiln_tensor_desc str_outputs[] = {
    {"copy", KILN_DTYPE_STRING, 2, shape_2x3, -1},
    {"normalized", KILN_DTYPE_STRING, 1, shape_6, DIMS_OFFSET},
    {"formatted", KILN_DTYPE_STRING, 1, shape_4, -1},
    {"parsed", KILN_DTYPE_FLOAT, 2, shape_2x3, -1},
};

/* Two NUL-terminated stopwords. */
static const char stopwords[] = "monday\0tuesday";

static int str_run(const void *const inputs[], void *const outputs[],
                   void *workspace) {
  if (!inputs || !outputs || !workspace || !inputs[0] || !inputs[1])
    return KILN_ERROR_NULL_ARGUMENT;
  for (int i = 0; i < 4; ++i)
    if (!outputs[i])
      return KILN_ERROR_NULL_ARGUMENT;
  const char *const *text = (const char *const *)inputs[0];
  const float *num = (const float *)inputs[1];
  char *ws = (char *)workspace;

  kiln_strings_begin(ws + ARENA_OFFSET, ARENA_SIZE);
  memcpy(outputs[0], text, 6 * sizeof(const char *));
  int64_t count = 0;
  kiln_string_normalize(text, 6, (const char **)outputs[1], &count, stopwords,
                        2, KILN_STRNORM_UPPER);
  if (!strcmp(text[0], "__BAD_DIMS__"))
    count = 7;
  memcpy(ws + DIMS_OFFSET, &count, sizeof count);
  kiln_string_from_f32(num, 4, (const char **)outputs[2]);
  kiln_string_to_f32(text, 6, (float *)outputs[3]);
  return kiln_strings_end();
}

const kiln_model_info kiln_exe_model = {
    .name = "strings",
    .num_inputs = 2,
    .num_outputs = 4,
    .inputs = str_inputs,
    .outputs = str_outputs,
    .workspace_size = ARENA_OFFSET + ARENA_SIZE,
    .run = str_run,
    .string_arena = ARENA_SIZE,
};
