/* test-learn-api: the host-independent half of the GIMP procedure, through
 * the C API a plug-in calls — fm_learn_pair on float buffers, errors by
 * domain and code, cancellation, thread counts, and fm_learn_save_bank's
 * unique, safe file names.  The hidden kernel is applied here by plain
 * loops (the expected values never come from the code under test). */
#include "fm-learn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

static int failures;

#define CHECK(cond, ...)                                          \
  do {                                                            \
    if (!(cond))                                                  \
      {                                                           \
        failures++;                                               \
        printf ("FAIL %s:%d: ", __FILE__, __LINE__);              \
        printf (__VA_ARGS__);                                     \
        printf ("\n");                                            \
      }                                                           \
  } while (0)

enum { W = 64, H = 48 };

static float before[H * W * 3], after[H * W * 3];
static double kernel[5][3][3];   /* 5 × 3 per-channel kernel */

static void
make_pair (void)
{
  GRand *r = g_rand_new_with_seed (3);
  for (int i = 0; i < H * W * 3; i++)
    before[i] = (float) g_rand_double (r);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 3; j++)
      kernel[i][j][0] = g_rand_double_range (r, -0.3, 0.3);
  g_rand_free (r);
  memcpy (after, before, sizeof after);
  /* per-channel, 5 × 3, top-left offset (2, 1), bias 0.1 */
  for (int y = 0; y + 5 <= H; y++)
    for (int x = 0; x + 3 <= W; x++)
      for (int c = 0; c < 3; c++)
        {
          double v = 0.1;
          for (int i = 0; i < 5; i++)
            for (int j = 0; j < 3; j++)
              v += kernel[i][j][0] * before[((y + i) * W + x + j) * 3 + c];
          after[((y + 2) * W + x + 1) * 3 + c] = (float) v;
        }
}

static gboolean
cancel_at_half (gpointer data, double fraction)
{
  int *calls = data;
  (*calls)++;
  return fraction < 0.5;
}

static gboolean
count_progress (gpointer data, double fraction)
{
  double *last = data;
  CHECK (fraction >= *last - 1e-12 && fraction <= 1.0, "progress went from %g to %g", *last, fraction);
  *last = fraction;
  return TRUE;
}

static void
test_pair (void)
{
  FmLearnImage b = { W, H, 3, before }, a = { W, H, 3, after };
  FmLearnPairOptions opt;
  fm_learn_pair_options_init (&opt);
  opt.mode = FM_LEARN_MODE_PER_CHANNEL;
  opt.kh = 5;
  opt.kw = 3;
  opt.name = "API";
  FmLearnQuality q;
  GError *error = NULL;
  double last = 0;
  FmBank *bank = fm_learn_pair (&b, &a, NULL, &opt, &q, count_progress, &last, &error);
  CHECK (bank != NULL, "fm_learn_pair: %s", error ? error->message : "");
  if (!bank)
    return;
  CHECK (last == 1.0, "progress ended at %g", last);
  CHECK (bank->n_filters == 1 && bank->channels == 1 && bank->kh == 5 && bank->kw == 3,
         "bank shape %d × %d × %d, %d filters", bank->kh, bank->kw, bank->channels, bank->n_filters);
  CHECK (bank->input == FM_INPUT_PER_CHANNEL, "bank input %d", bank->input);
  CHECK (bank->defaults[FM_OPT_PADDING] == FM_PADDING_SAME && bank->defaults[FM_OPT_MAPPING] == FM_MAPPING_RAW,
         "bank defaults %d %d", bank->defaults[FM_OPT_PADDING], bank->defaults[FM_OPT_MAPPING]);
  double worst = 0;
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 3; j++)
      worst = MAX (worst, fabs (bank->filters[0].weights[i * 3 + j] - kernel[i][j][0]));
  CHECK (worst < 1e-5, "weights differ from the hidden kernel by %g", worst);
  CHECK (fabs (bank->filters[0].bias - 0.1) < 1e-5, "bias %g, want 0.1", bank->filters[0].bias);
  CHECK (q.psnr > 100 && q.n_windows == (gint64) (H - 4) * (W - 2) * 3 && q.n_weights == 15
         && q.n_filters == 1 && q.warnings && !q.warnings[0],
         "quality: %.1f dB, %" G_GINT64_FORMAT " windows, %d weights, %d filters, warning %s",
         q.psnr, q.n_windows, q.n_weights, q.n_filters, q.warnings ? q.warnings[0] : "(none)");

  /* one thread gives the same kernel as every core (sums in another order) */
  opt.n_threads = 1;
  FmLearnQuality q1;
  FmBank *one = fm_learn_pair (&b, &a, NULL, &opt, &q1, NULL, NULL, &error);
  CHECK (one != NULL, "1 thread: %s", error ? error->message : "");
  if (one)
    {
      double d = 0;
      for (int i = 0; i < 15; i++)
        d = MAX (d, fabs (one->filters[0].weights[i] - bank->filters[0].weights[i]));
      CHECK (d < 1e-6, "1 thread vs all: weights differ by %g", d);
      fm_learn_quality_clear (&q1);
      fm_bank_free (one);
    }

  /* save into a user folder: safe, unique names */
  g_autofree char *dir = g_dir_make_tmp ("fm-learn-api-XXXXXX", NULL);
  g_autofree char *folder = g_build_filename (dir, "featuremaps", NULL);
  char *p1 = fm_learn_save_bank (bank, folder, "My look: ÉTÉ / 2026!", &error);
  char *p2 = fm_learn_save_bank (bank, folder, "My look: ÉTÉ / 2026!", &error);
  char *p3 = fm_learn_save_bank (bank, folder, "../../etc/passwd", &error);
  char *p4 = fm_learn_save_bank (bank, folder, "", &error);
  g_autofree char *b1 = p1 ? g_path_get_basename (p1) : NULL;
  g_autofree char *b2 = p2 ? g_path_get_basename (p2) : NULL;
  g_autofree char *b3 = p3 ? g_path_get_basename (p3) : NULL;
  g_autofree char *b4 = p4 ? g_path_get_basename (p4) : NULL;
  CHECK (b1 && !strcmp (b1, "my-look-t-2026.json"), "first save: %s", b1);
  CHECK (b2 && !strcmp (b2, "my-look-t-2026-2.json"), "second save: %s", b2);
  CHECK (b3 && !strcmp (b3, "etc-passwd.json") && p3 && g_str_has_prefix (p3, folder),
         "a path as a name: %s", p3);
  CHECK (b4 && !strcmp (b4, "learned.json"), "an empty name: %s", b4);
  if (p1)
    {
      FmBank *back = fm_bank_from_json_file (p1, &error);
      CHECK (back && back->n_filters == 1 && fabs (back->filters[0].weights[4] - bank->filters[0].weights[4]) < 1e-7,
             "the saved bank reads back: %s", error ? error->message : "");
      if (back)
        fm_bank_free (back);
    }
  for (char **p = (char *[]) { p1, p2, p3, p4, NULL }; *p; p++)
    {
      g_unlink (*p);
      g_free (*p);
    }
  g_rmdir (folder);
  g_rmdir (dir);

  /* cancelled from the progress callback: no bank, FM_LEARN_ERROR_CANCELLED */
  int calls = 0;
  g_clear_error (&error);
  opt.n_threads = 0;
  FmBank *none = fm_learn_pair (&b, &a, NULL, &opt, NULL, cancel_at_half, &calls, &error);
  CHECK (!none && g_error_matches (error, FM_LEARN_ERROR, FM_LEARN_ERROR_CANCELLED),
         "cancel: bank %p, error %s", (void *) none, error ? error->message : "(none)");
  g_clear_error (&error);
  fm_learn_quality_clear (&q);
  fm_bank_free (bank);
}

static void
expect_error (const char *what, const FmLearnImage *b, const FmLearnImage *a,
              const FmLearnImage *m, int kh, int kw, FmLearnError code, const char *phrase)
{
  FmLearnPairOptions opt;
  fm_learn_pair_options_init (&opt);
  opt.kh = kh;
  opt.kw = kw;
  GError *error = NULL;
  FmLearnQuality q = { 0 };
  FmBank *bank = fm_learn_pair (b, a, m, &opt, &q, NULL, NULL, &error);
  CHECK (!bank && g_error_matches (error, FM_LEARN_ERROR, (int) code)
         && strstr (error->message, phrase) && !q.warnings,
         "%s: got %s (code %d), want code %d with '%s'", what,
         error ? error->message : "a bank", error ? error->code : -1, code, phrase);
  g_clear_error (&error);
  if (bank)
    fm_bank_free (bank);
}

static void
test_errors (void)
{
  static float flat[H * W * 3], nan_img[H * W * 3], mask_px[H * W], small[10 * 10 * 3];
  for (int i = 0; i < H * W * 3; i++)
    flat[i] = 0.25f;
  memcpy (nan_img, before, sizeof nan_img);
  nan_img[(5 * W + 7) * 3 + 2] = NAN;
  memcpy (small, before, sizeof small);
  FmLearnImage b = { W, H, 3, before }, a = { W, H, 3, after };
  FmLearnImage fb = { W, H, 3, flat }, nb = { W, H, 3, nan_img };
  FmLearnImage a_narrow = { W - 1, H, 3, after }, grey = { W, H, 1, before };
  FmLearnImage m_small = { W, H - 1, 1, mask_px }, m_empty = { W, H, 1, mask_px };
  FmLearnImage s = { 10, 10, 3, small };

  expect_error ("sizes", &b, &a_narrow, NULL, 3, 3, FM_LEARN_ERROR_SIZE, "same size");
  expect_error ("channels", &b, &grey, NULL, 3, 3, FM_LEARN_ERROR_INVALID, "colour channels");
  expect_error ("flat", &fb, &a, NULL, 3, 3, FM_LEARN_ERROR_FLAT, "flat (every pixel 0.25)");
  expect_error ("NaN", &nb, &a, NULL, 3, 3, FM_LEARN_ERROR_NOT_FINITE, "pixel (7, 5) channel 2 is NaN");
  expect_error ("NaN after", &b, &nb, NULL, 3, 3, FM_LEARN_ERROR_NOT_FINITE, "after: pixel");
  expect_error ("kernel larger", &s, &s, NULL, 11, 3, FM_LEARN_ERROR_SIZE, "larger than the 10 × 10");
  expect_error ("mask size", &b, &a, &m_small, 3, 3, FM_LEARN_ERROR_SIZE, "the mask is");
  expect_error ("empty mask", &b, &a, &m_empty, 3, 3, FM_LEARN_ERROR_EMPTY, "no window");
  expect_error ("side 0", &b, &a, NULL, 0, 3, FM_LEARN_ERROR_INVALID, "each side");
  expect_error ("too many weights", &b, &a, NULL, 40, 40, FM_LEARN_ERROR_INVALID, "at most 2048");

  int kh, kw;
  GError *error = NULL;
  CHECK (fm_learn_parse_size ("7x5", &kh, &kw, NULL) && kh == 7 && kw == 5, "7x5");
  CHECK (fm_learn_parse_size ("9", &kh, &kw, NULL) && kh == 9 && kw == 9, "9");
  CHECK (fm_learn_parse_size ("2X6", &kh, &kw, NULL) && kh == 2 && kw == 6, "2X6");
  const char *bad[] = { "", "x", "7x", "x7", "7x7x7", "-3", "64", "99999999999999", "7 x 7", NULL };
  for (int i = 0; bad[i]; i++)
    {
      CHECK (!fm_learn_parse_size (bad[i], &kh, &kw, &error)
             && g_error_matches (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID),
             "size '%s' accepted", bad[i]);
      g_clear_error (&error);
    }
  for (int m = 0; m < FM_LEARN_N_MODES; m++)
    CHECK (fm_learn_mode_from_name (fm_learn_mode_name (m)) == m, "mode %d round trip", m);
  for (int m = 0; m < FM_LEARN_N_METHODS; m++)
    CHECK (fm_learn_method_from_name (fm_learn_method_name (m)) == m, "method %d round trip", m);
  CHECK (fm_learn_mode_from_name ("nope") == -1 && fm_learn_method_from_name (NULL) == -1, "unknown names");
}

int
main (void)
{
  make_pair ();
  test_pair ();
  test_errors ();
  printf ("test-learn-api: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
