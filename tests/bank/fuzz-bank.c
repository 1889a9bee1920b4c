/* fuzz-bank: every bank parser over a corpus, plus cheap deterministic
 * mutations (every truncation, byte flips), checking only that nothing
 * crashes, leaks (under ASan) or succeeds without a valid bank.
 *
 * Built as an ordinary program and run over tests/data/bank and presets/ in
 * the normal suite; with -DFM_LIBFUZZER it is a libFuzzer target instead:
 *   clang -fsanitize=fuzzer,address -DFM_LIBFUZZER ... fuzz-bank.c */
#include "bank-test.h"

static gsize n_runs;

static void
check_bank (FmBank *bank, GError *error)
{
  if (bank)
    {
      g_assert_null (error);
      g_assert_true (fm_bank_validate (bank, NULL));
      g_autofree char *text = fm_bank_to_json (bank);
      g_autoptr (FmBank) again = fm_bank_from_json_data (text, -1, NULL, NULL);
      g_assert_nonnull (again);
      g_assert_cmpint (again->n_filters, ==, bank->n_filters);
      fm_bank_free (bank);
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_true (error->message && *error->message);
      g_error_free (error);
    }
}

static void
fuzz_one (const guint8 *data, gsize len)
{
  GError *error = NULL;
  n_runs++;

  FmArray *a = fm_npy_read_data (data, len, "fuzz.npy", &error);
  g_assert_true ((a == NULL) == (error != NULL));
  fm_array_free (a);
  g_clear_error (&error);

  GPtrArray *arrays = fm_npz_read_data (data, len, "fuzz.npz", &error);
  g_assert_true ((arrays == NULL) == (error != NULL));
  if (arrays)
    g_ptr_array_unref (arrays);
  g_clear_error (&error);

  FmBank *bank = fm_bank_from_json_data ((const char *) data, (gssize) len, "fuzz.json", &error);
  check_bank (bank, error);
  error = NULL;

  if (!memchr (data, '\0', len) && len < 65536)
    {
      g_autofree char *text = g_strndup ((const char *) data, len);
      bank = fm_bank_from_inline (text, &error);
      check_bank (bank, error);
    }
}

#ifdef FM_LIBFUZZER
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  fuzz_one (data, size);
  return 0;
}
#else

static void
fuzz_file (const char *path)
{
  gsize len;
  g_autofree guint8 *data = bank_read (path, &len);
  fuzz_one (data, len);

  /* the whole file through the front door too */
  GError *error = NULL;
  FmBank *bank = fm_bank_load (path, NULL, &error);
  check_bank (bank, error);

  /* every truncation of small files, evenly spaced ones of bigger files */
  gsize step = MAX (1, len / 512);
  for (gsize cut = 0; cut < len; cut += step)
    fuzz_one (data, cut);

  /* byte mutations: 0x00, 0xff and a bit flip at spaced positions */
  g_autofree guint8 *copy = g_memdup2 (data, len);
  step = MAX (1, len / 256);
  static const guint8 values[] = { 0x00, 0xff };
  for (gsize pos = 0; pos < len; pos += step)
    {
      for (int v = 0; v < 3; v++)
        {
          copy[pos] = v < 2 ? values[v] : (guint8) (data[pos] ^ 0x10);
          fuzz_one (copy, len);
        }
      copy[pos] = data[pos];
    }
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
      return 2;
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
  g_print ("fuzz-bank: %" G_GSIZE_FORMAT " files, %" G_GSIZE_FORMAT " inputs, no crash\n", n_files, n_runs);
  return n_files ? 0 : 1;
}
#endif
