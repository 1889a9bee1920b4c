/* Inline matrices and the fm_bank_load dispatch. */
#include "bank-test.h"

static FmBank *
inline_ok (const char *text)
{
  GError *error = NULL;
  FmBank *bank = fm_bank_from_inline (text, &error);
  g_assert_no_error (error);
  return bank;
}

static void
test_basic (void)
{
  g_autoptr (FmBank) bank = inline_ok ("0,1,0; 0,1,0; 0,1,0");
  g_assert_cmpstr (bank->name, ==, "Inline");
  g_assert_cmpstr (bank->origin, ==, "inline");
  g_assert_cmpint (bank->kh, ==, 3);
  g_assert_cmpint (bank->kw, ==, 3);
  g_assert_cmpint (bank->channels, ==, 1);
  g_assert_cmpint (bank->n_filters, ==, 1);
  g_assert_cmpstr (bank->filters[0].name, ==, "filter 1");
  static const float v[9] = { 0, 1, 0, 0, 1, 0, 0, 1, 0 };
  g_assert_cmpmem (bank->filters[0].weights, sizeof v, v, sizeof v);
  g_assert_cmpfloat (bank->filters[0].divisor, ==, 1.0);

  g_autoptr (FmBank) two = inline_ok (" 0 1 0 ;0\t1 0;0 1 0 | 0,0,0;1,1,1;0,0,0; ");
  g_assert_cmpint (two->n_filters, ==, 2);
  g_assert_cmpstr (two->filters[1].name, ==, "filter 2");
  g_assert_cmpfloat (two->filters[1].weights[3], ==, 1);
  g_assert_cmpfloat (two->filters[1].weights[0], ==, 0);

  g_autoptr (FmBank) lines = inline_ok ("1, -2.5e-1\n+3 .5");
  g_assert_cmpint (lines->kh, ==, 2);
  g_assert_cmpfloat (lines->filters[0].weights[1], ==, -0.25f);
  g_assert_cmpfloat (lines->filters[0].weights[2], ==, 3.0f);
  g_assert_cmpfloat (lines->filters[0].weights[3], ==, 0.5f);

  g_autoptr (FmBank) one = inline_ok ("2");
  g_assert_cmpint (one->kh, ==, 1);
  g_assert_cmpint (one->kw, ==, 1);
  g_assert_cmpfloat (one->filters[0].weights[0], ==, 2.0f);

  g_autoptr (FmBank) row = inline_ok ("0 1 0");
  g_assert_cmpint (row->kh, ==, 1);
  g_assert_cmpint (row->kw, ==, 3);
}

static const struct { const char *text, *message; } bad[] = {
  { "0,1,0; 0,x,0; 0,1,0", "inline kernel, filter 1 row 2: 'x' is not a number" },
  { "0,1,0; 0,1; 0,1,0", "inline kernel, filter 1 row 2 has 2 values, row 1 has 3" },
  { "0,1,0; 0,1,0 | 1,1; 1,1", "inline kernel, filter 2 row 1 has 2 values, filter 1 has 3 per row" },
  { "1,1; 1,1 | 1,1", "inline kernel, filter 2 has 1 rows, filter 1 has 2" },
  { "", "inline kernel is empty" },
  { " ", "inline kernel, filter 1 row 1 is empty" },
  { "1,2;;3,4", "inline kernel, filter 1 row 2 is empty" },
  { "1,2 |", "inline kernel, filter 2 is empty" },
  { "1,2 | ", "inline kernel, filter 2 row 1 is empty" },
  { "1,,2", "inline kernel, filter 1 row 1: empty value between commas" },
  { "1,2,", "inline kernel, filter 1 row 1: a value is missing after the last comma" },
  { "1, nan", "inline kernel, filter 1 row 1: 'nan' is not a number" },
  { "1, inf", "inline kernel, filter 1 row 1: 'inf' is not a number" },
  { "1, 0x10", "inline kernel, filter 1 row 1: '0x10' is not a number" },
  { "1, 1e39", "inline kernel, filter 1 row 1: '1e39' is too large for a 32-bit float" },
  { "1, 1,5e", "'5e' is not a number" },
};

static void
test_bad (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GError *error = NULL;
      g_assert_null (fm_bank_from_inline (bad[i].text, &error));
      assert_error_has (error, bad[i].message);
      g_error_free (error);
    }
  /* 1025 columns */
  GString *s = g_string_new ("0");
  for (int i = 0; i < 1024; i++)
    g_string_append (s, " 0");
  GError *error = NULL;
  g_assert_null (fm_bank_from_inline (s->str, &error));
  assert_error_has (error, "kernel 1 × 1025: must be at most 1024 × 1024");
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_string_free (s, TRUE);
}

static void
test_load_dispatch (void)
{
  GError *error = NULL;
  char *dir = bank_tmpdir ();

  g_autoptr (FmBank) a = fm_bank_load ("0,1,0; 0,1,0; 0,1,0", dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->origin, ==, "inline");
  g_autoptr (FmBank) b = fm_bank_load ("-1.5", dir, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (b->filters[0].weights[0], ==, -1.5f);
  g_autoptr (FmBank) c = fm_bank_load ("sobel", dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->name, ==, "Sobel");

  /* an existing file wins over the inline reading of its name, and is
   * recognised by content when it has no known extension */
  g_autofree char *odd = bank_write (dir, "1,2", "{ \"filters\": [ {\"weights\": [[7]]} ] }", -1);
  g_assert_nonnull (odd);
  g_autofree char *cwd = g_get_current_dir ();
  g_chdir (dir);
  g_autoptr (FmBank) d = fm_bank_load ("1,2", dir, &error);
  g_chdir (cwd);
  g_assert_no_error (error);
  g_assert_cmpfloat (d->filters[0].weights[0], ==, 7.0f);

  /* a text file holding an inline matrix */
  g_autofree char *txt = bank_write (dir, "edge.txt", "-1 0 1\n-2 0 2\n-1 0 1\n", -1);
  g_autoptr (FmBank) e = fm_bank_load (txt, dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (e->name, ==, "edge");
  g_assert_cmpint (e->kh, ==, 3);
  g_assert_cmpfloat (e->filters[0].weights[5], ==, 2.0f);
  g_autofree char *bad_txt = bank_write (dir, "bad.txt", "1 2\n3\n", -1);
  g_assert_null (fm_bank_load (bad_txt, dir, &error));
  assert_error_has (error, "bad.txt: inline kernel, filter 1 row 2 has 1 values, row 1 has 2");
  g_clear_error (&error);
  g_autofree char *bin = bank_write (dir, "bin.dat", "\x01\x00\x02", 3);
  g_assert_null (fm_bank_load (bin, dir, &error));
  assert_error_has (error, "bin.dat: not a kernel file");
  g_clear_error (&error);

  g_assert_null (fm_bank_load ("/no/such/bank.json", dir, &error));
  assert_error_has (error, "kernel file '/no/such/bank.json' does not exist");
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (fm_bank_load ("x.json:oihw", dir, &error));
  assert_error_has (error, "does not exist");
  g_clear_error (&error);
  g_autofree char *json = bank_write (dir, "b.json", "{ \"filters\": [ {\"weights\": [[7]]} ] }", -1);
  g_autofree char *forced = g_strconcat (json, ":hwio", NULL);
  g_assert_null (fm_bank_load (forced, dir, &error));
  assert_error_has (error, "the :hwio / :oihw suffix applies to .npy and .npz weights, not to JSON banks");
  g_clear_error (&error);
  g_assert_null (fm_bank_load ("sobel:oihw", dir, &error));
  assert_error_has (error, "the :hwio / :oihw suffix needs a .npy or .npz path");
  g_clear_error (&error);
  g_assert_null (fm_bank_load ("  ", dir, &error));
  assert_error_has (error, "no kernel given");
  g_clear_error (&error);
  g_assert_null (fm_bank_load ("sobl", dir, &error));
  assert_error_has (error, "no preset 'sobl' (did you mean 'sobel'?)");
  g_clear_error (&error);
  bank_tmpdir_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inline/basic", test_basic);
  g_test_add_func ("/inline/bad", test_bad);
  g_test_add_func ("/inline/load-dispatch", test_load_dispatch);
  return g_test_run ();
}
