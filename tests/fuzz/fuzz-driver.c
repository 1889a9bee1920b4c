/* fuzz-driver: the plain-program side of a fuzz target (fuzz.h).  Runs
 * every file of the folders (or the files) given, every truncation of
 * small files (spaced ones of big files), and byte mutations — 0x00, 0xff
 * and a bit flip at spaced positions — through LLVMFuzzerTestOneInput. */
#include "fuzz.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include "../common/fm-fuzz-corpus.h"

static gsize n_runs;

static void
run (const guint8 *data, gsize len)
{
  /* a copy of exactly len bytes: ASan sees any read past the end */
  guint8 *copy = g_malloc (MAX (len, 1));
  memcpy (copy, data, len);
  LLVMFuzzerTestOneInput (copy, len);
  g_free (copy);
  n_runs++;
}

static void
fuzz_file (const char *path)
{
  gsize len = 0;
  g_autofree char *text = NULL;
  GError *error = NULL;
  if (!g_file_get_contents (path, &text, &len, &error))
    g_error ("%s", error->message);
  const guint8 *data = (const guint8 *) text;
  run (data, len);

  gsize step = MAX (1, len / 512);
  for (gsize cut = 0; cut < len; cut += step)
    run (data, cut);

  g_autofree guint8 *copy = g_memdup2 (data, MAX (len, 1));
  step = MAX (1, len / 256);
  static const guint8 values[] = { 0x00, 0xff };
  for (gsize pos = 0; pos < len; pos += step)
    {
      for (int v = 0; v < 3; v++)
        {
          copy[pos] = v < 2 ? values[v] : (guint8) (data[pos] ^ 0x10);
          run (copy, len);
        }
      copy[pos] = data[pos];
    }
}

int
main (int argc, char **argv)
{
  gsize n_files = fm_fuzz_corpus_walk (argc, argv, fuzz_file);
  if (argc < 2)
    return 2;
  g_autofree char *base = g_path_get_basename (argv[0]);
  g_print ("%s: %" G_GSIZE_FORMAT " files, %" G_GSIZE_FORMAT " inputs, no crash\n", base,
           n_files, n_runs);
  return n_files ? 0 : 1;
}
