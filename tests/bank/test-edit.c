/* Bank edits (fm-bank-edit.h) on whole banks: rotate, flip, resize, add,
 * duplicate, remove, rename; every bank-wide field survives them. */
#include "bank-test.h"
#include "fm-bank-edit.h"
#include "fm-bank-private.h"
#include "fm-formats.h"

/* A kh × kw × C bank of n filters whose weight at (k, y, x, c) is
 * 1000k + 100y + 10x + c + 1 (never 0), with every bank-wide field set to
 * something other than what an absent key means. */
static FmBank *
numbered (int kh, int kw, int C, int n)
{
  FmBank *b = fm_bank_new ("Numbered", kh, kw, C, n);
  for (int k = 0; k < n; k++)
    {
      for (int y = 0; y < kh; y++)
        for (int x = 0; x < kw; x++)
          for (int c = 0; c < C; c++)
            b->filters[k].weights[((gsize) y * kw + x) * C + c] = 1000 * k + 100 * y + 10 * x + c + 1;
      b->filters[k].bias = 0.5f * k;
      b->filters[k].divisor = 2 + k;
      b->filters[k].offset = 0.25 * k;
    }
  g_free (b->description);
  b->description = g_strdup ("for the edit tests");
  g_free (b->kind);
  b->kind = g_strdup ("lines-edges");
  b->origin = g_strdup ("/tmp/numbered.json");
  b->input = C == 3 ? FM_INPUT_RGB : C == 1 ? FM_INPUT_LUMINANCE : FM_INPUT_AUTO;
  b->convolve = TRUE;
  b->linear = TRUE;
  b->bgr = TRUE;
  b->range = 255;
  b->n_mean = 1;
  b->mean[0] = 3;
  b->n_std = 1;
  b->std[0] = 7;
  b->stride_y = 2;
  b->stride_x = 1;
  b->dilation_y = 1;
  b->dilation_x = 3;
  b->defaults[FM_OPT_PADDING] = FM_PADDING_FULL;
  b->defaults[FM_OPT_MAPPING] = FM_MAPPING_NORMALIZE_JOINT;
  return b;
}

static float
w (const FmBank *b, int k, int y, int x, int c)
{
  return b->filters[k].weights[((gsize) y * b->kw + x) * b->channels + c];
}

static void
assert_valid (const FmBank *b)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fm_bank_validate (b, &error));
  g_assert_no_error (error);
}

/* The same bank, by everything the JSON writer knows of it. */
static void
assert_same (const FmBank *a, const FmBank *b)
{
  g_autofree char *ja = fm_bank_to_json (a);
  g_autofree char *jb = fm_bank_to_json (b);
  g_assert_cmpstr (ja, ==, jb);
  g_assert_cmpstr (a->origin, ==, b->origin);
}

static void
test_like (void)
{
  g_autoptr (FmBank) src = numbered (3, 3, 3, 2);
  g_autoptr (FmBank) like = fm_bank_like (src, 5, 4, 3);
  g_assert_cmpint (like->kh, ==, 5);
  g_assert_cmpint (like->kw, ==, 4);
  g_assert_cmpint (like->channels, ==, 3);
  g_assert_cmpint (like->n_filters, ==, 3);
  g_assert_cmpstr (like->name, ==, "Numbered");
  g_assert_cmpstr (like->description, ==, "for the edit tests");
  g_assert_cmpstr (like->kind, ==, "lines-edges");
  g_assert_cmpstr (like->origin, ==, "/tmp/numbered.json");
  g_assert_true (like->convolve && like->linear && like->bgr);
  g_assert_cmpint (like->input, ==, FM_INPUT_RGB);
  g_assert_cmpfloat (like->range, ==, 255);
  g_assert_cmpfloat (like->mean[0], ==, 3);
  g_assert_cmpfloat (like->std[0], ==, 7);
  g_assert_cmpint (like->stride_y, ==, 2);
  g_assert_cmpint (like->dilation_x, ==, 3);
  g_assert_cmpint (like->defaults[FM_OPT_PADDING], ==, FM_PADDING_FULL);
  g_assert_cmpint (like->defaults[FM_OPT_MAPPING], ==, FM_MAPPING_NORMALIZE_JOINT);
  g_assert_cmpint (like->defaults[FM_OPT_BORDER], ==, -1);
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *name = g_strdup_printf ("filter %d", k + 1);
      g_assert_cmpstr (like->filters[k].name, ==, name);
      g_assert_cmpfloat (like->filters[k].divisor, ==, 1.0);
      for (gsize i = 0; i < 5 * 4 * 3; i++)
        g_assert_cmpfloat (like->filters[k].weights[i], ==, 0.0f);
    }
  /* the source is untouched and owns its own strings */
  g_free (src->name);
  src->name = g_strdup ("changed");
  g_assert_cmpstr (like->name, ==, "Numbered");
}

static void
test_rotate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FmBank) b = numbered (3, 3, 2, 2);
  g_autoptr (FmBank) orig = fm_bank_copy (b);

  /* clockwise: the new (y, x) holds the old (kh − 1 − x, y) */
  g_assert_true (fm_bank_rotate (b, 1, TRUE, &error));
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 3; x++)
      for (int c = 0; c < 2; c++)
        {
          g_assert_cmpfloat (w (b, 1, y, x, c), ==, w (orig, 1, 2 - x, y, c));
          g_assert_cmpfloat (w (b, 0, y, x, c), ==, w (orig, 0, y, x, c)); /* the other stays */
        }
  g_assert_true (fm_bank_rotate (b, 1, FALSE, &error));
  assert_same (b, orig);
  for (int i = 0; i < 4; i++)
    g_assert_true (fm_bank_rotate (b, -1, TRUE, &error));
  assert_same (b, orig);
  assert_valid (b);

  /* not square: a lone filter cannot turn, the whole bank can */
  g_autoptr (FmBank) tall = numbered (3, 5, 1, 2);
  g_autoptr (FmBank) tall_orig = fm_bank_copy (tall);
  g_assert_false (fm_bank_can_rotate (tall, 0, &error));
  assert_error_has (error, "a 3 × 5 filter cannot turn alone");
  g_clear_error (&error);
  g_assert_false (fm_bank_rotate (tall, 1, TRUE, &error));
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID);
  g_clear_error (&error);
  assert_same (tall, tall_orig);
  g_assert_true (fm_bank_rotate (tall, -1, FALSE, &error));
  g_assert_cmpint (tall->kh, ==, 5);
  g_assert_cmpint (tall->kw, ==, 3);
  /* counter-clockwise: the new (y, x) holds the old (x, kw − 1 − y) */
  for (int k = 0; k < 2; k++)
    for (int y = 0; y < 5; y++)
      for (int x = 0; x < 3; x++)
        g_assert_cmpfloat (w (tall, k, y, x, 0), ==, w (tall_orig, k, x, 4 - y, 0));
  assert_valid (tall);

  /* the only filter of a bank turns alone, shape and all */
  g_autoptr (FmBank) one = numbered (2, 4, 1, 1);
  g_assert_true (fm_bank_rotate (one, 0, TRUE, &error));
  g_assert_cmpint (one->kh, ==, 4);
  g_assert_cmpint (one->kw, ==, 2);
  g_assert_cmpfloat (w (one, 0, 3, 0, 0), ==, 1 + 100 * 1 + 10 * 3);
}

static void
test_flip (void)
{
  g_autoptr (FmBank) b = numbered (2, 3, 3, 3);
  g_autoptr (FmBank) orig = fm_bank_copy (b);
  fm_bank_flip (b, 2, TRUE);
  for (int k = 0; k < 3; k++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 3; x++)
        for (int c = 0; c < 3; c++)
          g_assert_cmpfloat (w (b, k, y, x, c), ==, w (orig, k, y, k == 2 ? 2 - x : x, c));
  fm_bank_flip (b, 2, TRUE);
  assert_same (b, orig);
  fm_bank_flip (b, -1, FALSE);
  for (int k = 0; k < 3; k++)
    for (int x = 0; x < 3; x++)
      g_assert_cmpfloat (w (b, k, 0, x, 1), ==, w (orig, k, 1, x, 1));
  fm_bank_flip (b, -1, FALSE);
  assert_same (b, orig);
}

static void
test_resize (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FmBank) b = numbered (3, 3, 2, 2);
  g_autoptr (FmBank) orig = fm_bank_copy (b);

  g_assert_true (fm_bank_resize (b, 5, 7, &error));
  g_assert_cmpint (b->kh, ==, 5);
  g_assert_cmpint (b->kw, ==, 7);
  /* the centre stays the centre: old (1, 1) is now (2, 3) */
  for (int k = 0; k < 2; k++)
    for (int y = 0; y < 5; y++)
      for (int x = 0; x < 7; x++)
        for (int c = 0; c < 2; c++)
          {
            int oy = y - 1, ox = x - 2;
            float want = oy >= 0 && oy < 3 && ox >= 0 && ox < 3 ? w (orig, k, oy, ox, c) : 0.0f;
            g_assert_cmpfloat (w (b, k, y, x, c), ==, want);
          }
  assert_valid (b);
  g_assert_true (fm_bank_resize (b, 3, 3, &error));
  assert_same (b, orig);

  /* shrinking drops the outer cells */
  g_assert_true (fm_bank_resize (b, 1, 1, &error));
  g_assert_cmpfloat (w (b, 1, 0, 0, 1), ==, w (orig, 1, 1, 1, 1));

  g_assert_false (fm_bank_resize (b, 0, 3, &error));
  assert_error_has (error, "kernel 0 × 3: must be from 1 × 1 to");
  g_clear_error (&error);
  g_assert_false (fm_bank_resize (b, FM_BANK_MAX_KERNEL + 1, 1, &error));
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (b->kh, ==, 1);
}

static void
test_filters (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FmBank) b = numbered (3, 3, 3, 2);
  g_autoptr (FmBank) orig = fm_bank_copy (b);
  fm_bank_rename_filter (b, 0, "first");
  fm_bank_rename_filter (b, 1, "second");

  /* an identity filter at the front: 1 at the centre of every channel */
  g_assert_cmpint (fm_bank_add_filter (b, 0, &error), ==, 0);
  g_assert_cmpint (b->n_filters, ==, 3);
  g_assert_cmpstr (b->filters[0].name, ==, "filter 1");
  g_assert_cmpstr (b->filters[1].name, ==, "first");
  g_assert_cmpstr (b->filters[2].name, ==, "second");
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 3; x++)
      for (int c = 0; c < 3; c++)
        {
          g_assert_cmpfloat (w (b, 0, y, x, c), ==, y == 1 && x == 1 ? 1.0f : 0.0f);
          g_assert_cmpfloat (w (b, 2, y, x, c), ==, w (orig, 1, y, x, c));
        }
  g_assert_cmpfloat (b->filters[0].divisor, ==, 1.0);
  g_assert_cmpfloat (b->filters[2].divisor, ==, orig->filters[1].divisor);
  g_assert_cmpfloat (b->filters[2].bias, ==, orig->filters[1].bias);

  /* a copy goes right after its source */
  g_assert_cmpint (fm_bank_duplicate_filter (b, 1, &error), ==, 2);
  g_assert_cmpint (b->n_filters, ==, 4);
  g_assert_cmpstr (b->filters[2].name, ==, "first copy");
  g_assert_cmpstr (b->filters[3].name, ==, "second");
  g_assert_cmpfloat (b->filters[2].offset, ==, b->filters[1].offset);
  g_assert_cmpfloat (b->filters[2].divisor, ==, b->filters[1].divisor);
  for (gsize i = 0; i < 27; i++)
    g_assert_cmpfloat (b->filters[2].weights[i], ==, b->filters[1].weights[i]);
  g_assert_true (b->filters[2].weights != b->filters[1].weights);
  assert_valid (b);

  /* removing them again gives the bank back */
  g_assert_true (fm_bank_remove_filter (b, 2, &error));
  g_assert_true (fm_bank_remove_filter (b, 0, &error));
  g_assert_cmpint (b->n_filters, ==, 2);
  fm_bank_rename_filter (b, 0, orig->filters[0].name);
  fm_bank_rename_filter (b, 1, orig->filters[1].name);
  assert_same (b, orig);

  g_assert_true (fm_bank_remove_filter (b, 1, &error));
  g_assert_false (fm_bank_remove_filter (b, 0, &error));
  assert_error_has (error, "only filter cannot be removed");
  g_clear_error (&error);
  g_assert_cmpint (b->n_filters, ==, 1);

  /* no more filters than a bank may have */
  g_autoptr (FmBank) full = fm_bank_new ("Full", 1, 1, 1, FM_BANK_MAX_FILTERS);
  g_assert_cmpint (fm_bank_add_filter (full, 0, &error), ==, -1);
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (fm_bank_duplicate_filter (full, 3, &error), ==, -1);
  g_clear_error (&error);
  g_assert_cmpint (full->n_filters, ==, FM_BANK_MAX_FILTERS);
}

/* A bank read from a file, edited and written back, reads back the same. */
static void
test_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = bank_data ("full-bank.json");
  g_autoptr (FmBank) b = fm_bank_load (path, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FmBank) orig = fm_bank_copy (b);
  g_assert_true (fm_bank_resize (b, b->kh + 2, b->kw + 4, &error));
  g_assert_cmpint (fm_bank_duplicate_filter (b, 0, &error), ==, 1);
  g_autofree char *json = fm_bank_to_json (b);
  g_autoptr (FmBank) back = fm_bank_from_json_data (json, -1, path, &error);
  g_assert_no_error (error);
  g_assert_true (fm_bank_remove_filter (back, 1, &error));
  g_assert_true (fm_bank_resize (back, orig->kh, orig->kw, &error));
  assert_same (back, orig);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edit/like", test_like);
  g_test_add_func ("/edit/rotate", test_rotate);
  g_test_add_func ("/edit/flip", test_flip);
  g_test_add_func ("/edit/resize", test_resize);
  g_test_add_func ("/edit/filters", test_filters);
  g_test_add_func ("/edit/round-trip", test_round_trip);
  return g_test_run ();
}
