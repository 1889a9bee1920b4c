/* Helpers shared by the bank tests. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fm-bank.h"
#include "fm-npy.h"

/* tests/data/bank/<name> */
static inline char *
bank_data (const char *name)
{
  return g_build_filename (FM_TEST_DATA_DIR, "bank", name, NULL);
}

/* The error must exist and contain want; prints it for the log. */
#define assert_error_has(err, want) G_STMT_START {                          \
    g_assert_nonnull (err);                                                 \
    if (!strstr ((err)->message, (want)))                                   \
      g_error ("message '%s' does not contain '%s'", (err)->message, (want)); \
    g_test_message ("ok: %s", (err)->message);                              \
  } G_STMT_END

/* A fresh temporary folder, removed by bank_tmpdir_free. */
static inline char *
bank_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("fm-bank-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

static inline void
bank_tmpdir_free (char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        bank_tmpdir_free (g_strdup (path));
      else
        g_unlink (path);
      g_free (path);
    }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
  g_free (dir);
}

static inline char *
bank_write (const char *dir, const char *name, const void *data, gssize len)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

static inline guint8 *
bank_read (const char *path, gsize *len)
{
  char *data = NULL;
  GError *error = NULL;
  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  return (guint8 *) data;
}
