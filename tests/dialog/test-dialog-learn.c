/* test-dialog-learn: the dialog's learning windows, driven through their
 * widgets as a user would, on in-memory layers (part of test-dialog).
 *
 *   - "Learn from two layers…" on a pair a hidden 3 × 3 kernel made: the
 *     bank opens in the editor, listed under "Mine", with the hidden kernel's
 *     weights and bias, and the quality (PSNR) shows in the window and the
 *     dialog's status row.
 *   - "Learn filters from this layer…": the bank is the one `featuremaps
 *     learn --patches` learns from the same pixels with the same options.
 *   - Bad input (sizes, a flat layer, the same layer twice, too many filters,
 *     a selection smaller than a patch) is said in the window, and no bank is
 *     written; an effect that is not a convolution is said too. */
#include "fm-dialog-learn.h"
#include "fm-npy.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define LW 64
#define LH 48

static const char *learn_root;

static char *
fresh (const char *name)
{
  char *dir = g_build_filename (learn_root, name, NULL);
  g_mkdir_with_parents (dir, 0755);
  return dir;
}

static guint32 lcg = 2024;

static float
noise (void)
{
  lcg = lcg * 1103515245u + 12345u;
  return 0.1f + 0.8f * ((lcg >> 16) & 0x7fff) / 32767.0f;
}

static float *
noise_image (int w, int h, int c)
{
  float *px = g_new (float, (gsize) w * h * c);
  for (gsize i = 0; i < (gsize) w * h * c; i++)
    px[i] = noise ();
  return px;
}

/* The hidden look: one 3 × 3 kernel for R, G and B, as GIMP's Convolution
 * Matrix applies one; A(y, x) is the window whose top-left is (y−1, x−1). */
static const float hidden[3][3] = { { 0.1f, -0.25f, 0.05f },
                                    { 0.3f, 0.9f, -0.2f },
                                    { -0.1f, 0.15f, 0.2f } };
static const float hidden_bias = 0.05f;

static float *
hidden_after (const float *b, int w, int h, int c)
{
  float *a = g_new (float, (gsize) w * h * c);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int ch = 0; ch < c; ch++)
        {
          double s = hidden_bias;
          for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
              {
                int yy = CLAMP (y - 1 + i, 0, h - 1), xx = CLAMP (x - 1 + j, 0, w - 1);
                s += hidden[i][j] * b[((gsize) yy * w + xx) * c + ch];
              }
          a[((gsize) y * w + x) * c + ch] = (float) s;
        }
  return a;
}

static void
settle (FmDialog *d)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while ((fm_dialog_preview_busy (d->preview) || gtk_events_pending ()) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

static FmDialog *
open_with_layers (const char *user, FmDialogLayers *layers, const float *source_px)
{
  FmDialogSource *src = fm_dialog_source_new_memory (LW, LH, 3, source_px, TRUE);
  FmDialog *d = fm_dialog_new (src, "sobel", NULL, user);
  fm_dialog_learn_attach (d, layers);
  gtk_widget_show (d->window);
  settle (d);
  return d;
}

static int
json_files (const char *dir)
{
  int n = 0;
  g_autoptr (GDir) gd = g_dir_open (dir, 0, NULL);
  const char *f;
  while (gd && (f = g_dir_read_name (gd)))
    n += g_str_has_suffix (f, ".json");
  return n;
}

static const char *
text_of (GtkWidget *label)
{
  return gtk_label_get_text (GTK_LABEL (label));
}

/* Learn as the user does: the window's Learn button. */
static void
press_learn (FmDialogLearnWindow *w)
{
  gtk_button_clicked (GTK_BUTTON (w->learn_button));
  settle (w->dialog);
}

static double
psnr_in (const char *text)
{
  const char *p = strstr (text, "PSNR ");
  g_assert_nonnull (p);
  return g_ascii_strtod (p + 5, NULL);
}

static void
test_learn_pair (void)
{
  g_autofree char *user = fresh ("learn-pair");
  g_autofree float *before = noise_image (LW, LH, 3);
  g_autofree float *after = hidden_after (before, LW, LH, 3);
  FmDialogLayers *layers = fm_dialog_layers_new_memory ();
  fm_dialog_layers_memory_add (layers, "after", LW, LH, 3, after);
  fm_dialog_layers_memory_add (layers, "before", LW, LH, 3, before);
  layers->current = 1;   /* the dialog runs on the before layer */
  FmDialog *d = open_with_layers (user, layers, before);
  FmDialogLearn *learn = fm_dialog_learn_get (d);
  g_assert_nonnull (learn);
  g_assert_true (gtk_widget_get_sensitive (learn->pair_button));

  gtk_button_clicked (GTK_BUTTON (learn->pair_button));
  FmDialogLearnWindow *w = learn->pair;
  g_assert_nonnull (w);
  /* It starts on the dialog's layer as before, the one above as after. */
  int v = -1;
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (w->before_combo), &v);
  g_assert_cmpint (v, ==, 1);
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (w->after_combo), &v);
  g_assert_cmpint (v, ==, 0);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->rows_spin), 3);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->cols_spin), 3);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->mode_combo), 1); /* per-channel */
  gtk_entry_set_text (GTK_ENTRY (w->name_entry), "Hidden look");
  press_learn (w);

  g_assert_null (w->error);
  g_assert_false (gtk_widget_get_visible (w->error_box));
  /* Saved in the user's folder, listed under Mine, open in the editor. */
  g_autofree char *path = g_build_filename (user, "hidden-look.json", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_autofree char *group = fm_dialog_chooser_group_of (d->chooser, "hidden-look");
  g_assert_cmpstr (group, ==, "Mine");
  g_assert_cmpstr (d->model->spec, ==, "hidden-look");
  g_assert_false (d->model->edited);
  const FmBank *bank = d->model->bank;
  g_assert_cmpint (bank->n_filters, ==, 1);
  g_assert_cmpint (bank->kh, ==, 3);
  g_assert_cmpint (bank->kw, ==, 3);
  g_assert_cmpint (bank->channels, ==, 1);
  g_assert_cmpint (bank->input, ==, FM_INPUT_PER_CHANNEL);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      g_assert_cmpfloat_with_epsilon (bank->filters[0].weights[i * 3 + j], hidden[i][j], 1e-4);
  g_assert_cmpfloat_with_epsilon (bank->filters[0].bias, hidden_bias, 1e-4);
  /* The editor shows those weights. */
  char cell[32];
  fm_dialog_format_number (hidden[1][1], FM_DIALOG_CELL_CHARS, cell, sizeof cell);
  g_autofree char *want_cell = g_strdup (cell);
  fm_dialog_format_number (bank->filters[0].weights[4], FM_DIALOG_CELL_CHARS, cell, sizeof cell);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (d->editor->cells[1][1])), ==, cell);
  g_assert_cmpstr (cell, ==, want_cell);
  /* The quality, in the window and the dialog's status row: float rounding
   * only, so far above 60 dB. */
  g_test_message ("quality shown: %s", text_of (w->quality_label));
  g_assert_nonnull (strstr (text_of (w->quality_label), "Residual RMS"));
  g_assert_cmpfloat (psnr_in (text_of (w->quality_label)), >, 60);
  g_assert_cmpfloat (fabs (psnr_in (text_of (w->quality_label)) - w->result.psnr), <, 0.01);
  g_assert_nonnull (d->model->note);
  g_assert_nonnull (strstr (d->model->note, "PSNR"));
  g_assert_true (gtk_widget_get_visible (d->note_label));
  g_assert_cmpstr (text_of (d->note_label), ==, d->model->note);
  g_assert_true (g_str_has_prefix (d->model->note, text_of (w->quality_label)));

  /* OK now runs the learned bank by its name. */
  FmValues values;
  g_assert_true (fm_dialog_commit (d, &values, NULL));
  g_assert_cmpstr (values.kernel, ==, "hidden-look");

  fm_dialog_learn_window_close (w);
  g_assert_null (learn->pair);
  fm_dialog_free (d);
}

/* The window says what is wrong, and nothing is written. */
static void
expect_pair_error (FmDialogLearnWindow *w, const char *user, int before, int after,
                   const char *needle1, const char *needle2)
{
  int files = json_files (user);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->before_combo), before);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->after_combo), after);
  press_learn (w);
  g_assert_nonnull (w->error);
  g_assert_true (gtk_widget_get_visible (w->error_box));
  const char *shown = text_of (w->error_label);
  g_test_message ("error shown: %s", shown);
  if (!strstr (shown, needle1) || (needle2 && !strstr (shown, needle2)))
    g_error ("error \"%s\" lacks \"%s\" / \"%s\"", shown, needle1, needle2 ? needle2 : "");
  g_assert_cmpint (json_files (user), ==, files);
}

static void
test_learn_pair_errors (void)
{
  g_autofree char *user = fresh ("learn-pair-errors");
  g_autofree float *before = noise_image (LW, LH, 3);
  g_autofree float *after = hidden_after (before, LW, LH, 3);
  g_autofree float *small = noise_image (40, 30, 3);
  g_autofree float *flat = g_new (float, LW * LH * 3);
  for (int i = 0; i < LW * LH * 3; i++)
    flat[i] = 0.5f;
  g_autofree float *other = noise_image (LW, LH, 3);
  FmDialogLayers *layers = fm_dialog_layers_new_memory ();
  fm_dialog_layers_memory_add (layers, "after", LW, LH, 3, after);    /* 0 */
  fm_dialog_layers_memory_add (layers, "before", LW, LH, 3, before);  /* 1 */
  fm_dialog_layers_memory_add (layers, "small", 40, 30, 3, small);    /* 2 */
  fm_dialog_layers_memory_add (layers, "flat", LW, LH, 3, flat);      /* 3 */
  fm_dialog_layers_memory_add (layers, "unrelated", LW, LH, 3, other);/* 4 */
  FmDialog *d = open_with_layers (user, layers, before);
  FmDialogLearnWindow *w = fm_dialog_learn_open_pair (fm_dialog_learn_get (d));

  expect_pair_error (w, user, 1, 2, "64 × 48", "same size");
  expect_pair_error (w, user, 3, 0, "The before image is flat", NULL);
  expect_pair_error (w, user, 1, 1, "same layer", NULL);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->rows_spin), 63);
  expect_pair_error (w, user, 1, 0, "larger than", NULL);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->rows_spin), 3);
  g_assert_cmpint (json_files (user), ==, 0);

  /* Unrelated noise is no convolution of the before layer: the bank is
   * saved and opened (the best approximation), and the window says the
   * effect is not a convolution, with the PSNR. */
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->before_combo), 1);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->after_combo), 4);
  press_learn (w);
  g_assert_null (w->error);
  g_assert_cmpint (json_files (user), ==, 1);
  g_test_message ("quality shown: %s", text_of (w->quality_label));
  g_test_message ("error shown: %s", text_of (w->error_label));
  g_assert_cmpfloat (psnr_in (text_of (w->quality_label)), <, 20);
  g_assert_nonnull (strstr (text_of (w->quality_label), "does not look like a convolution"));
  g_assert_true (gtk_widget_get_visible (w->error_box));
  g_assert_nonnull (strstr (text_of (w->error_label), "not a convolution"));
  g_autofree char *group = fm_dialog_chooser_group_of (d->chooser, w->result.preset);
  g_assert_cmpstr (group, ==, "Mine");
  fm_dialog_free (d);   /* closes the learning window with it */
}

/* `featuremaps learn --patches` on the same pixels (a .npy), the reference. */
static FmBank *
cli_patches (const char *dir, const float *px, int w, int h, int c, int K, int kh, int kw,
             const char *method, int seed)
{
  g_autofree char *npy = g_build_filename (dir, "layer.npy", NULL);
  g_autofree char *out = g_build_filename (dir, "cli.json", NULL);
  gsize shape[3] = { h, w, c };
  g_autoptr (GError) error = NULL;
  g_assert_true (fm_npy_write_file (npy, px, 3, shape, &error));
  g_autofree char *ks = g_strdup_printf ("%d", K), *size = g_strdup_printf ("%dx%d", kh, kw);
  g_autofree char *sd = g_strdup_printf ("%d", seed);
  const char *argv[] = { FM_TEST_CLI, "learn", "--patches", npy, "--filters", ks, "--size",
                         size, "--method", method, "--seed", sd, "-o", out, NULL };
  int status = -1;
  g_autofree char *err = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, &err, &status, &error));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("featuremaps learn --patches failed: %s", err);
  FmBank *bank = fm_bank_load (out, NULL, &error);
  g_assert_no_error (error);
  return bank;
}

static void
assert_same_bank (const FmBank *a, const FmBank *b)
{
  g_assert_cmpint (a->n_filters, ==, b->n_filters);
  g_assert_cmpint (a->kh, ==, b->kh);
  g_assert_cmpint (a->kw, ==, b->kw);
  g_assert_cmpint (a->channels, ==, b->channels);
  g_assert_cmpint (a->input, ==, b->input);
  const int n = a->kh * a->kw * a->channels;
  for (int k = 0; k < a->n_filters; k++)
    {
      for (int i = 0; i < n; i++)
        g_assert_cmpfloat_with_epsilon (a->filters[k].weights[i], b->filters[k].weights[i],
                                        1e-5);
      g_assert_cmpfloat_with_epsilon (a->filters[k].bias, b->filters[k].bias, 1e-5);
    }
}

static void
test_learn_patches (void)
{
  g_autofree char *user = fresh ("learn-patches");
  g_autofree char *ref = fresh ("learn-patches-cli");
  g_autofree float *tex = noise_image (LW, LH, 3);
  FmDialogLayers *layers = fm_dialog_layers_new_memory ();
  fm_dialog_layers_memory_add (layers, "texture", LW, LH, 3, tex);
  FmDialog *d = open_with_layers (user, layers, tex);
  FmDialogLearn *learn = fm_dialog_learn_get (d);
  /* One layer: nothing to pair it with. */
  g_assert_false (gtk_widget_get_sensitive (learn->pair_button));

  gtk_button_clicked (GTK_BUTTON (learn->patches_button));
  FmDialogLearnWindow *w = learn->patches;
  g_assert_nonnull (w);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->filters_spin), 6);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->rows_spin), 4);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->cols_spin), 4);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->method_combo), FM_LEARN_METHOD_PCA);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->seed_spin), 7);
  gtk_entry_set_text (GTK_ENTRY (w->name_entry), "Texture PCA");
  press_learn (w);
  g_assert_null (w->error);
  g_autofree char *group = fm_dialog_chooser_group_of (d->chooser, "texture-pca");
  g_assert_cmpstr (group, ==, "Mine");
  g_assert_cmpstr (d->model->spec, ==, "texture-pca");
  g_autoptr (FmBank) want = cli_patches (ref, tex, LW, LH, 3, 6, 4, 4, "pca", 7);
  assert_same_bank (d->model->bank, want);
  g_test_message ("quality shown: %s", text_of (w->quality_label));
  g_assert_nonnull (strstr (text_of (w->quality_label), "of the patch variance explained"));
  g_assert_nonnull (strstr (d->model->note, "Learned 'texture-pca'"));
  /* the editor shows filter 1 of the 6 */
  g_assert_cmpint (d->model->filter, ==, 0);

  /* kmeans inside a selection: the CLI learns from the selected rectangle. */
  fm_dialog_layers_memory_select (layers, 10, 6, 30, 24);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->method_combo), FM_LEARN_METHOD_KMEANS);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->filters_spin), 5);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->rows_spin), 3);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->cols_spin), 3);
  gtk_entry_set_text (GTK_ENTRY (w->name_entry), "Texture k-means");
  press_learn (w);
  g_assert_null (w->error);
  g_assert_cmpstr (d->model->spec, ==, "texture-k-means");
  g_autofree float *crop = g_new (float, 30 * 24 * 3);
  for (int y = 0; y < 24; y++)
    memcpy (crop + (gsize) y * 30 * 3, tex + ((gsize) (6 + y) * LW + 10) * 3,
            30 * 3 * sizeof (float));
  g_autoptr (FmBank) want2 = cli_patches (ref, crop, 30, 24, 3, 5, 3, 3, "kmeans", 7);
  assert_same_bank (d->model->bank, want2);

  /* Bad input: said in the window, nothing written. */
  int files = json_files (user);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->method_combo), FM_LEARN_METHOD_PCA);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->filters_spin), 28);
  press_learn (w);
  g_assert_nonnull (w->error);
  g_assert_nonnull (strstr (w->error, "28 filters"));
  g_assert_nonnull (strstr (w->error, "at most 27"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->filters_spin), 4);
  fm_dialog_layers_memory_select (layers, 10, 6, 2, 2);
  press_learn (w);
  g_assert_nonnull (w->error);
  g_assert_nonnull (strstr (text_of (w->error_label), "does not fit in the 2 × 2 selection"));
  g_assert_cmpint (json_files (user), ==, files);
  fm_dialog_free (d);
}

static void
test_learn_patches_flat (void)
{
  g_autofree char *user = fresh ("learn-patches-flat");
  g_autofree float *flat = g_new (float, LW * LH * 3);
  for (int i = 0; i < LW * LH * 3; i++)
    flat[i] = 0.25f;
  FmDialogLayers *layers = fm_dialog_layers_new_memory ();
  fm_dialog_layers_memory_add (layers, "flat", LW, LH, 3, flat);
  FmDialog *d = open_with_layers (user, layers, flat);
  FmDialogLearnWindow *w = fm_dialog_learn_open_patches (fm_dialog_learn_get (d));
  press_learn (w);
  g_assert_nonnull (w->error);
  g_assert_nonnull (strstr (w->error, "The layer is flat"));
  g_assert_cmpint (json_files (user), ==, 0);
  fm_dialog_free (d);
}

void
fm_test_dialog_learn_register (const char *root)
{
  learn_root = root;
  g_test_add_func ("/dialog/learn/pair-hidden-kernel", test_learn_pair);
  g_test_add_func ("/dialog/learn/pair-errors", test_learn_pair_errors);
  g_test_add_func ("/dialog/learn/patches-like-the-cli", test_learn_patches);
  g_test_add_func ("/dialog/learn/patches-flat", test_learn_patches_flat);
}
