/* Helpers shared by the network tests. */
#pragma once

#include <glib.h>
#include <string.h>

/* The error must exist and contain want; prints it for the log. */
#define assert_error_has(err, want) G_STMT_START {                          \
    g_assert_nonnull (err);                                                 \
    if (!strstr ((err)->message, (want)))                                   \
      g_error ("message '%s' does not contain '%s'", (err)->message, (want)); \
    g_test_message ("ok: %s", (err)->message);                              \
  } G_STMT_END
