/* Learned weights: layouts, the AUTO rule, npz members, forced suffixes. */
#include "bank-test.h"

static FmBank *
load_ok (const char *name, const char *suffix)
{
  g_autofree char *path = bank_data (name);
  g_autofree char *spec = g_strconcat (path, suffix, NULL);
  GError *error = NULL;
  FmBank *bank = fm_bank_load (spec, NULL, &error);
  g_assert_no_error (error);
  return bank;
}

static void
assert_lines (const FmBank *bank, float bias0, float bias1)
{
  static const float v[9] = { 0, 1, 0, 0, 1, 0, 0, 1, 0 }, h[9] = { 0, 0, 0, 1, 1, 1, 0, 0, 0 };
  g_assert_cmpint (bank->kh, ==, 3);
  g_assert_cmpint (bank->kw, ==, 3);
  g_assert_cmpint (bank->channels, ==, 1);
  g_assert_cmpint (bank->n_filters, ==, 2);
  g_assert_cmpmem (bank->filters[0].weights, sizeof v, v, sizeof v);
  g_assert_cmpmem (bank->filters[1].weights, sizeof h, h, sizeof h);
  g_assert_cmpfloat (bank->filters[0].bias, ==, bias0);
  g_assert_cmpfloat (bank->filters[1].bias, ==, bias1);
  g_assert_cmpstr (bank->filters[0].name, ==, "filter 1");
  g_assert_cmpstr (bank->kind, ==, "learned");
  g_assert_cmpint (bank->input, ==, FM_INPUT_AUTO);
}

static void
test_layouts (void)
{
  static const char *const files[] = {
    "lines-hwio.npy", "lines-oihw.npy", "lines-hwio-f8be.npy", "lines-hwio-f2.npy",
    "lines-hwio-i2be.npy", "lines-hwio-u1.npy", "lines-hwio-fortran.npy" };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (FmBank) bank = load_ok (files[i], "");
      assert_lines (bank, 0, 0);
    }
  g_autoptr (FmBank) hwio = load_ok ("lines-hwio.npy", ":hwio");
  assert_lines (hwio, 0, 0);
  g_assert_cmpstr (hwio->name, ==, "lines-hwio");
  g_autoptr (FmBank) oihw = load_ok ("lines-oihw.npy", ":OIHW");
  assert_lines (oihw, 0, 0);

  /* forcing the wrong layout reads other numbers, as asked: (3,3,1,2) as
   * OIHW is 3 filters of 3 channels, 1 × 2 */
  g_autoptr (FmBank) wrong = load_ok ("lines-hwio.npy", ":oihw");
  g_assert_cmpint (wrong->n_filters, ==, 3);
  g_assert_cmpint (wrong->channels, ==, 3);
  g_assert_cmpint (wrong->kh, ==, 1);
  g_assert_cmpint (wrong->kw, ==, 2);

  /* every element distinct: w = 1000k + 100c + 10y + x, both layouts, AUTO */
  static const char *const coded[] = { "coded-hwio.npy", "coded-oihw.npy" };
  for (int f = 0; f < 2; f++)
    {
      g_autoptr (FmBank) bank = load_ok (coded[f], "");
      g_assert_cmpint (bank->kh, ==, 2);
      g_assert_cmpint (bank->kw, ==, 3);
      g_assert_cmpint (bank->channels, ==, 3);
      g_assert_cmpint (bank->n_filters, ==, 4);
      for (int k = 0; k < 4; k++)
        for (int y = 0; y < 2; y++)
          for (int x = 0; x < 3; x++)
            for (int c = 0; c < 3; c++)
              g_assert_cmpfloat (bank->filters[k].weights[(y * 3 + x) * 3 + c], ==,
                                 1000 * k + 100 * c + 10 * y + x);
      /* and fm_bank_pack lays them out OHWI */
      g_autofree float *w = NULL, *b = NULL;
      fm_bank_pack (bank, &w, &b);
      g_assert_cmpfloat (w[((2 * 2 + 1) * 3 + 2) * 3 + 1], ==, 2000 + 100 + 10 + 2);
    }

  g_autoptr (FmBank) ramp = load_ok ("ramp-2x3.npy", "");
  g_assert_cmpint (ramp->kh, ==, 2);
  g_assert_cmpint (ramp->kw, ==, 3);
  g_assert_cmpint (ramp->n_filters, ==, 1);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (ramp->filters[0].weights[i], ==, i + 1);

  g_autoptr (FmBank) c1 = load_ok ("conv1d-keras.npy", "");
  g_assert_cmpint (c1->kh, ==, 1);
  g_assert_cmpint (c1->kw, ==, 3);
  g_assert_cmpint (c1->channels, ==, 1);
  g_assert_cmpint (c1->n_filters, ==, 1);
  g_assert_cmpfloat (c1->filters[0].weights[1], ==, 1.0f);
}

static void
test_npz (void)
{
  g_autoptr (FmBank) keras = load_ok ("lines-keras.npz", "");
  assert_lines (keras, 0.5f, -1.0f);
  g_assert_cmpstr (keras->name, ==, "lines-keras");
  g_autoptr (FmBank) torch = load_ok ("lines-torch.npz", "");
  assert_lines (torch, 0.5f, -1.0f);
  g_autoptr (FmBank) sd = load_ok ("lines-statedict.npz", ":oihw");
  assert_lines (sd, 2.0f, 3.0f);

  /* (3, 1, 5, 1) reads as HWIO by shape alone; the member name "weight",
   * or else the 3-value bias, says PyTorch: three 5 × 1 filters. */
  const char *tall[] = { "tall-torch.npz", "tall-weights-bias.npz" };
  for (guint i = 0; i < G_N_ELEMENTS (tall); i++)
    {
      g_autoptr (FmBank) t = load_ok (tall[i], "");
      g_assert_cmpint (t->n_filters, ==, 3);
      g_assert_cmpint (t->channels, ==, 1);
      g_assert_cmpint (t->kh, ==, 5);
      g_assert_cmpint (t->kw, ==, 1);
      for (int k = 0; k < 3; k++)
        {
          g_assert_cmpfloat (t->filters[k].bias, ==, (float) (k + 1));
          for (int y = 0; y < 5; y++)
            g_assert_cmpfloat (t->filters[k].weights[y], ==, (float) (5 * k + y));
        }
    }
}

static void
test_auto_rule (void)
{
  static const struct { int ndim; gsize shape[4]; FmWeightsLayout want; } cases[] = {
    { 4, { 3, 3, 1, 2 }, FM_LAYOUT_HWIO },   /* rule 1 */
    { 4, { 2, 1, 3, 3 }, FM_LAYOUT_OIHW },
    { 4, { 3, 3, 3, 64 }, FM_LAYOUT_HWIO },
    { 4, { 64, 3, 3, 3 }, FM_LAYOUT_OIHW },
    { 4, { 1, 1, 64, 32 }, FM_LAYOUT_HWIO },
    { 4, { 32, 64, 1, 1 }, FM_LAYOUT_OIHW },
    { 4, { 3, 3, 1, 1 }, FM_LAYOUT_HWIO },   /* rule 2 */
    { 4, { 1, 1, 3, 3 }, FM_LAYOUT_OIHW },
    { 4, { 3, 3, 64, 64 }, FM_LAYOUT_HWIO }, /* rule 3 */
    { 4, { 64, 64, 3, 3 }, FM_LAYOUT_OIHW },
    { 4, { 1, 1, 64, 64 }, FM_LAYOUT_HWIO },
    { 4, { 64, 64, 1, 1 }, FM_LAYOUT_OIHW },
    { 4, { 2, 3, 3, 4 }, FM_LAYOUT_HWIO },
    { 4, { 4, 3, 2, 3 }, FM_LAYOUT_OIHW },
    { 4, { 3, 3, 3, 3 }, FM_LAYOUT_HWIO },   /* rule 4 */
    { 3, { 3, 1, 1 }, FM_LAYOUT_HWIO },
    { 3, { 1, 1, 3 }, FM_LAYOUT_OIHW },
    { 3, { 5, 3, 16 }, FM_LAYOUT_HWIO },
    { 3, { 16, 3, 5 }, FM_LAYOUT_OIHW },
    { 3, { 64, 8, 1 }, FM_LAYOUT_OIHW },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (fm_bank_guess_layout (cases[i].ndim, cases[i].shape), ==, cases[i].want);
}

static void
test_bad (void)
{
  static const struct { const char *file, *message; int code; } bad[] = {
    { "nan-weight.npy", "nan-weight.npy: filter 1: weight [1,0,0] is NaN", FM_BANK_ERROR_INVALID },
    { "no-kernel.npz", "no-kernel.npz: no 'kernel' or 'weight' array (the archive holds 'bias', 'other')", FM_BANK_ERROR_INVALID },
    { "two-kernels.npz", "two-kernels.npz: 2 layers with filters (a, b): pick one, as two-kernels.npz#a", FM_BANK_ERROR_INVALID },
    { "bias-mismatch.npz", "bias-mismatch.npz: bias has 3 values, the weights (3, 3, 1, 2) read as HWIO have 2 filters", FM_BANK_ERROR_INVALID },
    { "scalar.npy", "scalar.npy: weights of shape (): expected 2-D", FM_BANK_ERROR_INVALID },
    { "object.npy", "object.npy: object arrays are not supported", FM_BANK_ERROR_PARSE },
    { "missing.npy", "kernel file", FM_BANK_ERROR_NOT_FOUND },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = bank_data (bad[i].file);
      GError *error = NULL;
      g_assert_null (fm_bank_load (path, NULL, &error));
      assert_error_has (error, bad[i].message);
      g_assert_error (error, FM_BANK_ERROR, bad[i].code);
      g_error_free (error);
    }

  char *dir = bank_tmpdir ();
  GError *error = NULL;
  /* a header that claims terabytes */
  static const char tb[] = "\x93NUMPY\1\0\x4e\0{'descr': '<f4', 'fortran_order': False, 'shape': (1024, 1024, 1024, 1024), }\n";
  g_autofree char *huge = bank_write (dir, "huge.npy", tb, sizeof tb - 1);
  g_assert_null (fm_bank_load (huge, NULL, &error));
  assert_error_has (error, "huge.npy: shape (1024, 1024, 1024, 1024) of '<f4' needs 4398046511104 bytes of data (4.4");
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* sizes the bank refuses although the file is honest */
  gsize shape[4] = { 1, 1025, 1, 1 };
  g_autofree float *zeros = g_new0 (float, 1025 * 5);
  g_autofree char *wide = g_build_filename (dir, "wide.npy", NULL);
  g_assert_true (fm_npy_write_file (wide, zeros, 4, shape, &error));
  g_autofree char *wide_hwio = g_strconcat (wide, ":hwio", NULL);
  g_assert_null (fm_bank_load (wide_hwio, NULL, &error));
  assert_error_has (error, "wide.npy: weights (1, 1025, 1, 1) read as HWIO: kernel 1 × 1025: must be at most 1024 × 1024");
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_TOO_LARGE);
  g_clear_error (&error);
  gsize many[4] = { 1, 1, 1, 4097 };
  g_autofree char *lots = g_build_filename (dir, "lots.npy", NULL);
  g_assert_true (fm_npy_write_file (lots, zeros, 4, many, &error));
  g_assert_null (fm_bank_load (lots, NULL, &error));
  assert_error_has (error, "4097 filters: must be at most 4096");
  g_clear_error (&error);
  gsize five[5] = { 1, 1, 1, 1, 2 };
  g_autofree char *p5 = g_build_filename (dir, "five.npy", NULL);
  g_assert_true (fm_npy_write_file (p5, zeros, 5, five, &error));
  g_assert_null (fm_bank_load (p5, NULL, &error));
  assert_error_has (error, "five.npy: weights of shape (1, 1, 1, 1, 2): expected 2-D");
  g_clear_error (&error);
  /* an Inf weight */
  float inf[4] = { 0, 1, 0, 1.0f / 0.0f };
  gsize s22[2] = { 2, 2 };
  g_autofree char *pinf = g_build_filename (dir, "inf.npy", NULL);
  g_assert_true (fm_npy_write_file (pinf, inf, 2, s22, &error));
  g_assert_null (fm_bank_load (pinf, NULL, &error));
  assert_error_has (error, "inf.npy: filter 1: weight [1,1,0] is infinite");
  g_clear_error (&error);
  /* a truncated archive, through the front door */
  g_autofree char *keras = bank_data ("lines-keras.npz");
  gsize len;
  g_autofree guint8 *data = bank_read (keras, &len);
  g_autofree char *cut = bank_write (dir, "cut.npz", data, len / 2);
  g_assert_null (fm_bank_load (cut, NULL, &error));
  assert_error_has (error, "cut.npz: not a valid .npz (zip) file: truncated");
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE);
  g_clear_error (&error);
  bank_tmpdir_free (dir);
}

/* .npz state dicts: FILE.npz#LAYER picks one layer; without it the
 * archive must be one layer; batch norms are no kernels; mean / std are
 * the input declaration; unknown members are named. */
static void
test_state_dicts (void)
{
  GError *error = NULL;
  g_autofree char *sd = bank_data ("state-dict.npz");
  g_autofree char *conv1 = g_strconcat (sd, "#conv1:oihw", NULL);
  g_autoptr (FmBank) b = fm_bank_load (conv1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->n_filters, ==, 4);
  g_assert_cmpint (b->kh, ==, 3);
  g_assert_cmpint (b->channels, ==, 3);
  g_assert_cmpstr (b->name, ==, "state-dict#conv1");
  g_assert_cmpint (b->n_mean, ==, 3);
  g_assert_cmpfloat_with_epsilon (b->mean[1], 0.456, 1e-6);
  g_assert_cmpint (b->n_std, ==, 3);
  g_assert_cmpfloat_with_epsilon (b->std[2], 0.225, 1e-6);

  g_autofree char *keras = bank_data ("state-keras.npz#conv2d");
  g_autoptr (FmBank) k = fm_bank_load (keras, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (k->n_filters, ==, 2);     /* "kernel": HWIO */
  g_assert_cmpint (k->channels, ==, 1);
  g_assert_cmpint (k->n_mean, ==, 1);
  g_assert_cmpfloat (k->std[0], ==, 0.25);
  /* the only layer: no #LAYER needed */
  g_autofree char *keras_all = bank_data ("state-keras.npz");
  g_autoptr (FmBank) k2 = fm_bank_load (keras_all, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (k2->n_filters, ==, 2);

  static const struct { const char *spec, *message; int code; } bad[] = {
    { "state-dict.npz", "state-dict.npz: 3 layers with filters (conv1, conv2, fc): pick one, "
      "as state-dict.npz#conv1", FM_BANK_ERROR_INVALID },
    { "state-dict.npz#conv3", "state-dict.npz#conv3: no layer 'conv3'; did you mean 'conv1'? "
      "(layers with filters: conv1, conv2, fc)", FM_BANK_ERROR_NOT_FOUND },
    { "state-dict.npz#bn1", "state-dict.npz#bn1: layer 'bn1' is a batch norm", FM_BANK_ERROR_INVALID },
    { "state-dict.npz#fc", "state-dict.npz#fc: layer 'fc' has 2-D weights (a fully connected layer?)",
      FM_BANK_ERROR_INVALID },
    /* the image's mean and std cannot feed a deeper layer */
    { "state-dict.npz#conv2", "state-dict.npz#conv2: 'mean' holds 3 values, one per channel of the "
      "model's input, but this layer reads 4 channels: only a first layer runs on the image",
      FM_BANK_ERROR_INVALID },
    { "state-typo.npz", "state-typo.npz: unknown member 'bais' (did you mean 'bias'?)", FM_BANK_ERROR_INVALID },
    { "state-conv-bn.npz", "state-conv-bn.npz: 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var' "
      "belong to another layer (a batch norm): save one layer per .npz or pick one, as "
      "state-conv-bn.npz#conv", FM_BANK_ERROR_INVALID },
    { "state-layer-typo.npz#a", "state-layer-typo.npz#a: unknown member 'a.bais' (did you mean 'bias'?)",
      FM_BANK_ERROR_INVALID },
    { "state-std0.npz", "state-std0.npz: 'std' value 0: must be finite and not 0", FM_BANK_ERROR_INVALID },
    { "lines-hwio.npy#x", "lines-hwio.npy#x: '#' picks a layer of an archive or a network, "
      "not of .npy arrays", FM_BANK_ERROR_PARSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = bank_data (bad[i].spec);
      g_assert_null (fm_bank_load (path, NULL, &error));
      assert_error_has (error, bad[i].message);
      g_assert_error (error, FM_BANK_ERROR, bad[i].code);
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/weights/layouts", test_layouts);
  g_test_add_func ("/weights/npz", test_npz);
  g_test_add_func ("/weights/auto-rule", test_auto_rule);
  g_test_add_func ("/weights/bad", test_bad);
  g_test_add_func ("/weights/state-dicts", test_state_dicts);
  return g_test_run ();
}
