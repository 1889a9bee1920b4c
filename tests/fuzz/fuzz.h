/* fuzz.h: what every fuzz target shares.
 *
 * A target defines LLVMFuzzerTestOneInput (one input: run the parser,
 * check only what must hold for ANY input — no crash, no leak, an error
 * exactly when there is no result, a result that is valid).  Built with
 * clang's -fsanitize=fuzzer it is a libFuzzer program (`./run fuzz`);
 * built otherwise it is linked with fuzz-driver.c, a plain program that
 * runs a corpus folder — each file, its truncations and byte flips — in
 * the normal test suite (docs/robustness.md). */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Every failure must come with a message, and a success without one. */
#define FUZZ_ASSERT_RESULT(result, error) G_STMT_START {                 \
    if ((result) != NULL)                                               \
      g_assert_null (error);                                            \
    else                                                                \
      {                                                                 \
        g_assert_nonnull (error);                                       \
        g_assert_true ((error)->message && *(error)->message);          \
        g_assert_true (g_utf8_validate ((error)->message, -1, NULL));   \
      }                                                                 \
  } G_STMT_END
