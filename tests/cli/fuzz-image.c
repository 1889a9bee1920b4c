/* fuzz-image: the command line's image decoders (PNG, JPEG, TIFF, and the
 * colour conversion after them) over a corpus, plus cheap deterministic
 * mutations (evenly spaced truncations, byte values and bit flips),
 * checking only that nothing crashes, leaks (under ASan), hangs or
 * succeeds without a whole image: a success has a size inside the pixel
 * budget and only finite values.
 *
 * The decoders read files, so each input is written to one temporary file
 * first.  Built as an ordinary program and run over tests/data/images in
 * the normal suite; with -DFM_LIBFUZZER it is a libFuzzer target instead:
 *   clang -fsanitize=fuzzer,address -DFM_LIBFUZZER ... fuzz-image.c */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "fm-cli.h"
#include "fm-cli-image.h"
#include "../common/fm-fuzz-corpus.h"

static gsize n_runs;
static char *scratch;

static void
check_image (gboolean ok, FmCliImage *image, GError *error)
{
  if (!ok)
    {
      g_assert_nonnull (error);
      g_assert_true (error->message && *error->message);
      g_assert_null (image->pixels);
      g_error_free (error);
      return;
    }
  g_assert_null (error);
  g_assert_true (fm_cli_image_check_size ("fuzz", image->height, image->width,
                                          image->channels, NULL));
  gsize n = (gsize) image->width * image->height * image->channels;
  for (gsize i = 0; i < n; i++)
    g_assert_true (isfinite (image->pixels[i]));
  fm_cli_image_clear (image);
}

static void
fuzz_one (const guint8 *data, gsize len)
{
  n_runs++;
  /* Plain stdio: g_file_set_contents would sync the disk every time. */
  FILE *f = fopen (scratch, "wb");
  if (!f || fwrite (data, 1, len, f) != len || fclose (f) != 0)
    g_error ("cannot write %s", scratch);

  typedef gboolean (*Decode) (const char *, FmCliImage *, FmCliColour *, GError **);
  static const Decode decoders[] = { fm_cli_png_load, fm_cli_jpeg_load, fm_cli_tiff_load };
  for (gsize d = 0; d < G_N_ELEMENTS (decoders); d++)
    {
      FmCliImage image = { 0 };
      FmCliColour colour = { 0 };
      GError *error = NULL;
      gboolean ok = decoders[d] (scratch, &image, &colour, &error);
      if (ok)
        ok = fm_cli_colour_to_srgb (&image, &colour, scratch, &error)
             && fm_cli_image_check_finite (&image, scratch, &error);
      if (!ok)
        fm_cli_image_clear (&image);
      else if (g_error_matches (error, FM_CLI_ERROR, FM_CLI_ERROR_UNSUPPORTED))
        {
          /* Left to GEGL, which this program does not start. */
          g_clear_error (&error);
          fm_cli_colour_clear (&colour);
          continue;
        }
      fm_cli_colour_clear (&colour);
      check_image (ok, &image, error);
    }
  GError *error = NULL;
  if (!fm_cli_image_check (scratch, &error))
    {
      g_assert_nonnull (error);
      g_error_free (error);
    }
}

static void
init (void)
{
  if (scratch)
    return;
  int fd = g_file_open_tmp ("fuzz-image-XXXXXX", &scratch, NULL);
  if (fd < 0)
    g_error ("cannot make a temporary file");
  close (fd);
}

#ifdef FM_LIBFUZZER
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  init ();
  fuzz_one (data, size);
  return 0;
}
#else

static void
fuzz_file (const char *path)
{
  gsize len;
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, &len, NULL))
    g_error ("cannot read %s", path);
  const guint8 *data = (const guint8 *) text;
  fuzz_one (data, len);

  gsize step = MAX (1, len / 64);
  for (gsize cut = 0; cut < len; cut += step)
    fuzz_one (data, cut);

  g_autofree guint8 *copy = g_memdup2 (data, len);
  step = MAX (1, len / 48);
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
  if (argc >= 2)
    init ();
  gsize n_files = fm_fuzz_corpus_walk (argc, argv, fuzz_file);
  if (argc < 2)
    return 2;
  g_unlink (scratch);
  g_print ("fuzz-image: %" G_GSIZE_FORMAT " files, %" G_GSIZE_FORMAT " inputs, no crash\n",
           n_files, n_runs);
  return n_files ? 0 : 1;
}
#endif
