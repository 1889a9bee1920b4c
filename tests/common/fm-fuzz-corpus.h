/* fm-fuzz-corpus: the corpus walk every fuzz program shares when it is
 * built as a plain program (without libFuzzer): each argument is a file,
 * or a folder whose regular files are taken in turn. */
#pragma once

#include <glib.h>

/* Calls fuzz_file on every corpus file named by argv[1..]; returns how many
 * (0 with a usage line when there are no arguments). */
static inline gsize
fm_fuzz_corpus_walk (int argc, char **argv, void (*fuzz_file) (const char *path))
{
  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
      return 0;
    }
  gsize n_files = 0;
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          fuzz_file (argv[i]);
          n_files++;
          continue;
        }
      GDir *d = g_dir_open (argv[i], 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          fuzz_file (path);
          n_files++;
        }
      if (d)
        g_dir_close (d);
    }
  return n_files;
}
