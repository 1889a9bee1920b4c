/* test-dialog: the Feature Maps dialog built on an in-memory image and driven
 * through its widgets, as a user would, under Xvfb.  Checks the bank and
 * options the dialog ends with, the preview (the same fm_job on the same
 * rectangle), errors shown in the dialog with OK insensitive, saved banks
 * reappearing as presets, and the snapshot / auto-OK test hook. */
#include "fm-dialog-private.h"
#include "fm-map.h"
#include "fm-paths.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define W 64
#define H 48

static char *tmp_root;

/* test-dialog-learn.c: the learning windows */
void fm_test_dialog_learn_register (const char *root);
void fm_test_dialog_net_add (const char *tmp_root);   /* test-dialog-net.c */

/* A vertical bright line on a dark horizontal ramp: every line and edge
 * detector has something to say about it. */
static FmDialogSource *
test_source (int channels, gboolean float_precision)
{
  float *px = g_new (float, W * H * channels);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      for (int c = 0; c < channels; c++)
        px[(y * W + x) * channels + c] =
          c == 3 ? 1.0f : (x == 20 || x == 21 ? 1.0f : 0.25f * x / W + 0.05f * c);
  FmDialogSource *s = fm_dialog_source_new_memory (W, H, channels, px, float_precision);
  g_free (px);
  return s;
}

static char *
fresh_dir (const char *name)
{
  char *dir = g_build_filename (tmp_root, name, NULL);
  g_mkdir_with_parents (dir, 0755);
  return dir;
}

static void
wait_preview (FmDialog *d)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while ((fm_dialog_preview_busy (d->preview) || gtk_events_pending ()) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (fm_dialog_preview_busy (d->preview));
}

/* The whole image through fm_job, for comparisons with the preview. */
static gboolean
test_whole_source (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  (void) error;
  memcpy (pixels, (const float *) data + (gsize) y0 * 400, (gsize) n_rows * 400 * sizeof (float));
  return TRUE;
}

static gboolean
test_whole_sink (gpointer data, int layer, int y0, int n_rows, const float *pixels,
                 GError **error)
{
  struct { float *full; int ow, oh; } *s = data;
  (void) error;
  memcpy (s->full + ((gsize) layer * s->oh + y0) * s->ow, pixels,
          (gsize) n_rows * s->ow * sizeof (float));
  return TRUE;
}

static FmDialog *
open_dialog (const char *kernel, FmDialogSource *source, const char *user_dir,
             const FmOptions *options)
{
  FmDialog *d = fm_dialog_new (source, kernel, options, user_dir);
  gtk_widget_show (d->window);
  wait_preview (d);
  return d;
}

static gboolean
ok_sensitive (FmDialog *d)
{
  return gtk_widget_get_sensitive (
    gtk_dialog_get_widget_for_response (GTK_DIALOG (d->window), GTK_RESPONSE_OK));
}

static void
type_into (GtkWidget *entry, const char *text)
{
  gtk_entry_set_text (GTK_ENTRY (entry), text);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_choose_preset (void)
{
  g_autofree char *user = fresh_dir ("choose");
  FmDialog *d = open_dialog ("line-detectors", test_source (3, TRUE), user, NULL);

  g_assert_cmpstr (d->model->spec, ==, "line-detectors");
  g_assert_cmpint (d->model->bank->n_filters, ==, 2);
  g_assert_true (ok_sensitive (d));

  /* Grouped by kind */
  g_autofree char *g1 = fm_dialog_chooser_group_of (d->chooser, "sobel");
  g_autofree char *g2 = fm_dialog_chooser_group_of (d->chooser, "box-blur");
  g_autofree char *g3 = fm_dialog_chooser_group_of (d->chooser, "emboss");
  g_assert_cmpstr (g1, ==, "Lines and edges");
  g_assert_cmpstr (g2, ==, "Blur and sharpen");
  g_assert_cmpstr (g3, ==, "Emboss");

  /* Picking a preset loads it and applies its defaults (sobel: clamp
   * border, abs-normalize mapping). */
  g_assert_true (fm_dialog_chooser_select (d->chooser, "sobel"));
  wait_preview (d);
  g_assert_cmpstr (d->model->spec, ==, "sobel");
  g_assert_false (d->model->edited);
  g_assert_cmpstr (d->model->bank->filters[0].name, ==, "x");
  g_assert_cmpint (d->model->options.border, ==, FM_BORDER_CLAMP);
  g_assert_cmpint (d->model->options.mapping, ==, FM_MAPPING_ABS_NORMALIZE);
  int active;
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (d->options->controls[FM_OPT_MAPPING]), &active);
  g_assert_cmpint (active, ==, FM_MAPPING_ABS_NORMALIZE);
  /* The editor shows sobel x */
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (d->editor->cells[0][0])), ==, "-1");
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (d->editor->cells[1][2])), ==, "2");
  /* Preview: one map per filter, on the contact sheet too. */
  g_assert_cmpint (d->preview->n_maps, ==, 2);
  g_assert_cmpint (d->preview->sheet_areas->len, ==, 2);

  FmValues values;
  g_assert_true (fm_dialog_commit (d, &values, NULL));
  g_assert_cmpstr (values.kernel, ==, "sobel");
  g_assert_cmpint (values.options.mapping, ==, FM_MAPPING_ABS_NORMALIZE);
  fm_dialog_free (d);
}

static void
test_edit_rotate_add (void)
{
  g_autofree char *user = fresh_dir ("edit");
  FmDialog *d = open_dialog ("line-detectors", test_source (3, TRUE), user, NULL);
  FmDialogEditor *e = d->editor;
  FmDialogModel *m = d->model;

  /* vertical: 0 1 0 / 0 1 0 / 0 1 0 */
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, 0, 1, 0), ==, 1.0f);

  /* Edit a cell by typing */
  type_into (e->cells[0][0], "2.5");
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, 0, 0, 0), ==, 2.5f);
  g_assert_true (m->edited);
  type_into (e->cells[0][0], "0");

  /* Rotate 90° clockwise: the vertical line becomes horizontal. */
  gtk_button_clicked (GTK_BUTTON (e->rotate_cw));
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 3; x++)
      g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, y, x, 0), ==, y == 1 ? 1.0f : 0.0f);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (e->cells[1][0])), ==, "1");
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (e->cells[0][1])), ==, "0");

  /* An asymmetric kernel checks direction: a single 1 at top-right moves
   * to bottom-right after a clockwise turn, back after a counter one. */
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 3; x++)
      type_into (e->cells[y][x], y == 0 && x == 2 ? "1" : "0");
  gtk_button_clicked (GTK_BUTTON (e->rotate_cw));
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, 2, 2, 0), ==, 1.0f);
  gtk_button_clicked (GTK_BUTTON (e->rotate_ccw));
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, 0, 2, 0), ==, 1.0f);
  gtk_button_clicked (GTK_BUTTON (e->flip_h));
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, 0, 0, 0), ==, 1.0f);
  gtk_button_clicked (GTK_BUTTON (e->flip_v));
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, 2, 0, 0), ==, 1.0f);
  /* The other filter is untouched: horizontal 0 0 0 / 1 1 1 / 0 0 0 */
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 1, 1, 0, 0), ==, 1.0f);
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 1, 0, 0, 0), ==, 0.0f);

  /* Add a filter: selected, identity, named, and the preview makes 3 maps. */
  gtk_button_clicked (GTK_BUTTON (e->add_button));
  g_assert_cmpint (m->bank->n_filters, ==, 3);
  g_assert_cmpint (m->filter, ==, 2);
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 2, 1, 1, 0), ==, 1.0f);
  type_into (e->name_entry, "centre");
  g_assert_cmpstr (m->bank->filters[2].name, ==, "centre");
  type_into (e->bias_entry, "0.25");
  g_assert_cmpfloat (m->bank->filters[2].bias, ==, 0.25f);
  wait_preview (d);
  g_assert_cmpint (d->preview->n_maps, ==, 3);
  g_assert_cmpint (d->preview->sheet_areas->len, ==, 3);
  g_assert_cmpstr (d->preview->names[2], ==, "centre");

  /* Duplicate, then remove it again */
  gtk_button_clicked (GTK_BUTTON (e->duplicate_button));
  g_assert_cmpint (m->bank->n_filters, ==, 4);
  g_assert_cmpstr (m->bank->filters[3].name, ==, "centre copy");
  gtk_button_clicked (GTK_BUTTON (e->remove_button));
  g_assert_cmpint (m->bank->n_filters, ==, 3);

  /* Resize to 5 × 5 keeps the kernel centred */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (e->rows_spin), 5);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (e->cols_spin), 5);
  g_assert_cmpint (m->bank->kh, ==, 5);
  g_assert_cmpint (m->bank->kw, ==, 5);
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 2, 2, 2, 0), ==, 1.0f);
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 1, 2, 1, 0), ==, 1.0f);
  g_assert_cmpint (e->grid_h, ==, 5);

  /* Normalize sets the divisor to the sum */
  fm_dialog_model_select (m, 1);
  gtk_button_clicked (GTK_BUTTON (e->normalize_button));
  g_assert_cmpfloat (m->bank->filters[1].divisor, ==, 3.0);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (e->divisor_entry)), ==, "3");

  /* OK remembers the edited bank as a file in the profile, exactly. */
  wait_preview (d);
  FmValues values;
  g_assert_true (fm_dialog_commit (d, &values, NULL));
  g_autofree char *last = g_build_filename (user, FM_DIALOG_LAST_EDIT, NULL);
  g_assert_cmpstr (values.kernel, ==, last);
  g_autoptr (FmBank) again = fm_bank_load (values.kernel, user, NULL);
  g_assert_nonnull (again);
  g_assert_cmpint (again->n_filters, ==, 3);
  g_assert_cmpint (again->kh, ==, 5);
  g_assert_cmpstr (again->filters[2].name, ==, "centre");
  g_assert_cmpfloat (again->filters[2].bias, ==, 0.25f);
  g_assert_cmpfloat (again->filters[1].divisor, ==, 3.0);
  for (int k = 0; k < 3; k++)
    g_assert_cmpmem (again->filters[k].weights, 25 * sizeof (float),
                     m->bank->filters[k].weights, 25 * sizeof (float));
  fm_dialog_free (d);

  /* Re-opening with the remembered kernel shows the same bank. */
  d = open_dialog (values.kernel, test_source (3, TRUE), user, &values.options);
  g_assert_cmpint (d->model->bank->n_filters, ==, 3);
  g_assert_cmpstr (d->model->bank->filters[2].name, ==, "centre");
  g_assert_true (ok_sensitive (d));
  g_assert_cmpint (d->preview->n_maps, ==, 3);
  fm_dialog_free (d);
}

/* The preview is the core's fm_job on the preview rectangle: same maps. */
static void
test_preview_is_the_job (void)
{
  g_autofree char *user = fresh_dir ("preview");
  FmDialogSource *src = test_source (3, TRUE);
  FmDialog *d = open_dialog ("sobel", src, user, NULL);
  FmDialogPreview *p = d->preview;

  fm_dialog_options_set (d->options, FM_OPT_PADDING, FM_PADDING_VALID);
  g_assert_cmpint (d->model->options.padding, ==, FM_PADDING_VALID);
  wait_preview (d);
  g_assert_cmpint (p->out_w, ==, W - 2);
  g_assert_cmpint (p->out_h, ==, H - 2);

  float *px = g_new (float, W * H * 3);
  src->read (src, 0, 0, W, H, px, NULL);
  FmImageInfo info = { W, H, 3 };
  g_autoptr (GError) error = NULL;
  FmJob *job = fm_job_new (d->model->bank, &d->model->options, &info, &error);
  g_assert_no_error (error);
  FmConvGeometry g = *fm_job_geometry (job);
  fm_job_free (job);
  g_assert_cmpint (g.out_w, ==, p->out_w);

  /* Typing several edits quickly computes once, after they settle. */
  int renders = p->renders;
  for (int i = 1; i <= 5; i++)
    {
      char t[8];
      g_snprintf (t, sizeof t, "%d", i);
      type_into (d->editor->cells[1][1], t);
      g_assert_true (fm_dialog_preview_busy (p));
    }
  wait_preview (d);
  g_assert_cmpint (p->renders, ==, renders + 1);
  g_assert_cmpfloat (fm_dialog_model_get_weight (d->model, 0, 1, 1, 0), ==, 5.0f);
  g_free (px);
  fm_dialog_free (d);
}

static void
test_options_reasons (void)
{
  g_autofree char *user = fresh_dir ("options");
  FmOptions opts;
  fm_options_init (&opts); /* mapping raw */
  /* An 8-bit image: raw cannot go into its layers. */
  FmDialog *d = open_dialog ("line-detectors", test_source (3, FALSE), user, &opts);
  FmDialogModel *m = d->model;

  g_assert_cmpint (m->options.mapping, !=, FM_MAPPING_RAW);
  g_assert_nonnull (m->note);
  g_autofree char *why = NULL;
  g_assert_false (fm_dialog_model_choice_allowed (m, FM_OPT_MAPPING, FM_MAPPING_RAW, &why));
  g_assert_nonnull (strstr (why, "new-image"));
  /* The reason is where the question arises: in the mapping control's
   * tooltip, not in a permanent note under the options. */
  g_autofree char *mapping_tip = gtk_widget_get_tooltip_text (d->options->controls[FM_OPT_MAPPING]);
  g_assert_nonnull (strstr (mapping_tip, why));

  /* Choosing raw in the widget snaps back */
  fm_dialog_options_set (d->options, FM_OPT_MAPPING, FM_MAPPING_RAW);
  g_assert_cmpint (m->options.mapping, !=, FM_MAPPING_RAW);
  /* With destination new-image it is allowed */
  fm_dialog_options_set (d->options, FM_OPT_DESTINATION, FM_DESTINATION_IMAGE);
  fm_dialog_options_set (d->options, FM_OPT_MAPPING, FM_MAPPING_RAW);
  g_assert_cmpint (m->options.mapping, ==, FM_MAPPING_RAW);
  g_assert_true (ok_sensitive (d));
  /* Back to layers: mapping leaves raw, with a note */
  fm_dialog_options_set (d->options, FM_OPT_DESTINATION, FM_DESTINATION_LAYERS);
  g_assert_cmpint (m->options.mapping, ==, FM_MAPPING_NORMALIZE);
  g_assert_true (gtk_widget_get_visible (d->note_label));

  /* Integer options from spin buttons; an input mode the bank cannot take
   * is refused with the core's reason. */
  fm_dialog_options_set (d->options, FM_OPT_STRIDE, 2);
  fm_dialog_options_set (d->options, FM_OPT_ACTIVATION, FM_ACTIVATION_RELU);
  g_assert_cmpint (m->options.stride, ==, 2);
  g_assert_cmpint (m->options.activation, ==, FM_ACTIVATION_RELU);
  g_autofree char *rgba = NULL;
  g_assert_false (fm_dialog_model_choice_allowed (m, FM_OPT_INPUT_MODE, FM_INPUT_RGBA, &rgba));
  g_assert_nonnull (rgba);
  wait_preview (d);
  g_assert_cmpint (d->preview->out_w, ==, W / 2);

  /* Tooltips come from the option table */
  g_autofree char *tip = gtk_widget_get_tooltip_text (d->options->controls[FM_OPT_PADDING]);
  g_assert_nonnull (strstr (tip, fm_option_spec (FM_OPT_PADDING)->help));
  g_assert_nonnull (strstr (tip, fm_option_spec (FM_OPT_PADDING)->choice_help[1]));

  FmValues values;
  g_assert_true (fm_dialog_commit (d, &values, NULL));
  g_assert_cmpint (values.options.stride, ==, 2);
  g_assert_cmpint (values.options.destination, ==, FM_DESTINATION_LAYERS);
  fm_dialog_free (d);
}

static void
test_bad_file (void)
{
  g_autofree char *user = fresh_dir ("bad");
  g_autofree char *bad = g_build_filename (user, "..", "broken.json", NULL);
  g_assert_true (g_file_set_contents (bad, "{ \"name\": \"Broken\", \"filters\": [ { \"weights\": [[1, 2], [3]] } ] }", -1, NULL));
  FmDialog *d = open_dialog ("sobel", test_source (1, FALSE), user, NULL);

  g_assert_true (ok_sensitive (d));
  g_assert_false (fm_dialog_chooser_load_file (d->chooser, bad, FM_LAYOUT_AUTO));
  g_assert_false (ok_sensitive (d));
  g_assert_true (gtk_widget_get_visible (d->error_box));
  const char *shown = gtk_label_get_text (GTK_LABEL (d->error_label));
  g_assert_cmpstr (shown, ==, d->model->error);
  g_assert_cmpstr (shown, ==, d->model->load_error);
  g_assert_cmpuint (strlen (shown), >, 10);
  g_test_message ("bad file says: %s", shown);
  FmValues values;
  g_assert_false (fm_dialog_commit (d, &values, NULL));

  /* A missing file, and learned weights that are not .npy */
  g_autofree char *missing = g_build_filename (user, "nope.npy", NULL);
  g_assert_false (fm_dialog_chooser_load_file (d->chooser, missing, FM_LAYOUT_OIHW));
  g_assert_false (ok_sensitive (d));

  /* A network's layer that does not exist: the message names the layers. */
  g_autofree char *onnx = g_build_filename (FM_TEST_MODELS_DIR, "tiny-cnn", "tiny-cnn.onnx", NULL);
  g_autofree char *net_spec = g_strconcat (onnx, "#conv9", NULL);
  g_assert_false (fm_dialog_model_load (d->model, net_spec, TRUE, NULL));
  g_assert_false (ok_sensitive (d));
  g_assert_true (gtk_widget_get_visible (d->error_box));
  g_test_message ("a missing layer says: %s", gtk_label_get_text (GTK_LABEL (d->error_label)));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (d->error_label)), "conv9"));

  /* Picking a good bank clears it */
  g_assert_true (fm_dialog_chooser_select (d->chooser, "laplacian"));
  g_assert_true (ok_sensitive (d));
  g_assert_false (gtk_widget_get_visible (d->error_box));

  /* A cell that is not a number: message names the cell, OK insensitive,
   * the preview waits. */
  type_into (d->editor->cells[0][1], "1,5x");
  g_assert_false (ok_sensitive (d));
  g_assert_cmpstr (d->model->error, ==, "Row 1, column 2: '1,5x' is not a number.");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (d->error_label)), ==, d->model->error);
  type_into (d->editor->cells[0][1], "1.5");
  g_assert_true (ok_sensitive (d));
  /* A zero divisor is the core's rule */
  type_into (d->editor->divisor_entry, "0");
  g_assert_false (ok_sensitive (d));
  g_test_message ("divisor 0 says: %s", d->model->error);
  type_into (d->editor->divisor_entry, "2");
  g_assert_true (ok_sensitive (d));
  fm_dialog_free (d);

  /* A remembered kernel that no longer loads opens with the error shown. */
  d = open_dialog (bad, test_source (3, TRUE), user, NULL);
  g_assert_false (ok_sensitive (d));
  g_assert_true (gtk_widget_get_visible (d->error_box));
  fm_dialog_free (d);
}

static void
test_save_bank (void)
{
  g_autofree char *user = fresh_dir ("save");
  FmDialog *d = open_dialog ("line-detectors", test_source (3, TRUE), user, NULL);

  type_into (d->editor->cells[1][1], "2");
  g_autoptr (GError) error = NULL;
  g_autofree char *path = fm_dialog_editor_save (d->editor, "My Lines", &error);
  g_assert_no_error (error);
  g_autofree char *expect = g_build_filename (user, "my-lines.json", NULL);
  g_assert_cmpstr (path, ==, expect);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_autofree char *group = fm_dialog_chooser_group_of (d->chooser, "my-lines");
  g_assert_cmpstr (group, ==, "Mine");
  g_assert_cmpstr (d->model->spec, ==, "my-lines");
  g_assert_false (d->model->edited);

  FmValues values;
  g_assert_true (fm_dialog_commit (d, &values, NULL));
  g_assert_cmpstr (values.kernel, ==, "my-lines");
  g_autoptr (FmBank) again = fm_bank_load ("my-lines", user, NULL);
  g_assert_nonnull (again);
  g_assert_cmpstr (again->name, ==, "My Lines");
  g_assert_cmpfloat (again->filters[0].weights[4], ==, 2.0f);
  fm_dialog_free (d);

  /* A new dialog lists it among the presets */
  d = open_dialog ("sobel", test_source (3, TRUE), user, NULL);
  g_autofree char *group2 = fm_dialog_chooser_group_of (d->chooser, "my-lines");
  g_assert_cmpstr (group2, ==, "Mine");
  g_assert_true (fm_dialog_chooser_select (d->chooser, "my-lines"));
  g_assert_cmpstr (d->model->bank->name, ==, "My Lines");
  fm_dialog_free (d);
}

static void
test_three_channel_kernel (void)
{
  g_autofree char *user = fresh_dir ("rgb");
  /* A 3-D kernel (rows × cols × channels) in an inline-free JSON file. */
  g_autofree char *path = g_build_filename (user, "..", "rgb.json", NULL);
  g_assert_true (g_file_set_contents (path,
    "{ \"name\": \"Colour\", \"filters\": [ { \"name\": \"red-ish\", \"weights\": "
    "[[[1,0,0],[0,0,0]],[[0,0,0],[0,0,-1]]] } ] }", -1, NULL));
  FmDialog *d = open_dialog (path, test_source (3, TRUE), user, NULL);

  g_assert_true (ok_sensitive (d));
  g_assert_cmpint (d->model->bank->channels, ==, 3);
  g_assert_true (gtk_widget_get_visible (d->editor->channel_combo));
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (d->editor->cells[0][0])), ==, "1");
  gtk_combo_box_set_active (GTK_COMBO_BOX (d->editor->channel_combo), 2);
  g_assert_cmpint (d->model->channel, ==, 2);
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (d->editor->cells[1][1])), ==, "-1");
  type_into (d->editor->cells[0][1], "0.5");
  g_assert_cmpfloat (fm_dialog_model_get_weight (d->model, 0, 0, 1, 2), ==, 0.5f);
  wait_preview (d);
  g_assert_cmpint (d->preview->n_maps, ==, 1);
  fm_dialog_free (d);
}

/* Kernels beyond the grid are shown (their centre) but not editable. */
static void
test_large_kernel_read_only (void)
{
  g_autofree char *user = fresh_dir ("large");
  GString *inl = g_string_new (NULL);
  for (int y = 0; y < 17; y++)
    for (int x = 0; x < 17; x++)
      g_string_append_printf (inl, "%s%d", x ? "," : (y ? "; " : ""), y == 8 && x == 8 ? 1 : 0);
  FmDialog *d = open_dialog (inl->str, test_source (1, TRUE), user, NULL);
  g_string_free (inl, TRUE);

  g_assert_true (ok_sensitive (d));
  g_assert_cmpint (d->model->bank->kh, ==, 17);
  g_assert_true (d->editor->read_only);
  g_assert_cmpint (d->editor->grid_h, ==, FM_DIALOG_MAX_GRID);
  g_assert_cmpint (d->editor->grid_y0, ==, 1);
  g_assert_true (gtk_widget_get_visible (d->editor->grid_note));
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (d->editor->cells[0][0])));
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (d->editor->cells[7][7])), ==, "1");
  /* Shrinking to the grid makes it editable, centre kept */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (d->editor->rows_spin), 15);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (d->editor->cols_spin), 15);
  g_assert_false (d->editor->read_only);
  g_assert_cmpfloat (fm_dialog_model_get_weight (d->model, 0, 7, 7, 0), ==, 1.0f);
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (d->editor->cells[0][0])));
  wait_preview (d);
  g_assert_cmpint (d->preview->n_maps, ==, 1);
  fm_dialog_free (d);
}

/* "Load kernel file…" with the weights layout: Keras and PyTorch files of
 * the same two detectors give the same bank; a NaN weight is refused. */
static void
test_learned_weights (void)
{
  g_autofree char *user = fresh_dir ("learned");
  g_autofree char *hwio = g_build_filename (FM_TEST_DATA_DIR, "lines-hwio.npy", NULL);
  g_autofree char *oihw = g_build_filename (FM_TEST_DATA_DIR, "lines-oihw.npy", NULL);
  g_autofree char *nan = g_build_filename (FM_TEST_DATA_DIR, "nan-weight.npy", NULL);
  FmDialog *d = open_dialog ("sobel", test_source (3, TRUE), user, NULL);
  FmDialogModel *m = d->model;

  g_assert_true (fm_dialog_chooser_load_file (d->chooser, oihw, FM_LAYOUT_OIHW));
  g_assert_true (g_str_has_suffix (m->spec, ".npy:oihw"));
  g_assert_cmpint (m->bank->n_filters, ==, 2);
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 0, 0, 1, 0), ==, 1.0f);
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 1, 1, 0, 0), ==, 1.0f);
  g_assert_cmpfloat (fm_dialog_model_get_weight (m, 1, 0, 1, 0), ==, 0.0f);
  g_autoptr (FmBank) torch = fm_bank_copy (m->bank);

  g_assert_true (fm_dialog_chooser_load_file (d->chooser, hwio, FM_LAYOUT_HWIO));
  g_assert_cmpint (m->bank->n_filters, ==, 2);
  for (int k = 0; k < 2; k++)
    g_assert_cmpmem (m->bank->filters[k].weights, 9 * sizeof (float),
                     torch->filters[k].weights, 9 * sizeof (float));
  wait_preview (d);
  g_assert_true (ok_sensitive (d));
  g_assert_cmpint (d->preview->n_maps, ==, 2);
  FmValues values;
  g_assert_true (fm_dialog_commit (d, &values, NULL));
  g_assert_true (g_str_has_suffix (values.kernel, "lines-hwio.npy:hwio"));

  g_assert_false (fm_dialog_chooser_load_file (d->chooser, nan, FM_LAYOUT_AUTO));
  g_assert_false (ok_sensitive (d));
  g_test_message ("NaN weight says: %s", m->error);
  fm_dialog_free (d);
}

/* ---- what a designer found (each bullet of that list, asserted) --------- */

static double
luma (const guchar rgb[3])
{
  return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255.0;
}

/* Weights were pale text on pale cells and cut off (0.24998, bias
 * -0.16868): every cell's text is dark on light cells and white on strong
 * ones, whatever the theme, and every value fits its entry. */
static void
test_designer_weights_readable (void)
{
  g_autofree char *user = fresh_dir ("weights");
  FmDialog *d = open_dialog ("0.24998,-0.16868,1; 0.0625,-1,0.333333; 2,0,-0.5",
                             test_source (3, TRUE), user, NULL);
  FmDialogEditor *e = d->editor;

  fm_dialog_model_set_bias (d->model, 0, -0.16868f);
  for (int y = 0; y < e->grid_h; y++)
    for (int x = 0; x < e->grid_w; x++)
      {
        GtkWidget *cell = e->cells[y][x];
        const char *text = gtk_entry_get_text (GTK_ENTRY (cell));
        guchar fg[3], bg[3];
        g_assert_cmpint (strlen (text), <=, gtk_entry_get_width_chars (GTK_ENTRY (cell)));
        fm_widget_get_text_colour (cell, fg);
        fm_widget_get_base_colour (cell, bg);
        g_test_message ("cell %d,%d '%s' text %02x%02x%02x on %02x%02x%02x", y, x, text,
                        fg[0], fg[1], fg[2], bg[0], bg[1], bg[2]);
        g_assert_cmpfloat (fabs (luma (fg) - luma (bg)), >, 0.4);
      }
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (e->cells[0][0])), ==, "0.24998");
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (e->bias_entry)), ==, "-0.16868");
  g_assert_cmpint (strlen (gtk_entry_get_text (GTK_ENTRY (e->bias_entry))), <=,
                   gtk_entry_get_width_chars (GTK_ENTRY (e->bias_entry)));
  /* Longer values are shortened to fit, the full one in the tooltip. */
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  fm_dialog_format_number (-0.123456789, FM_DIALOG_CELL_CHARS, buf, sizeof buf);
  g_assert_cmpint (strlen (buf), <=, FM_DIALOG_CELL_CHARS);
  g_assert_cmpfloat (fabs (g_ascii_strtod (buf, NULL) + 0.123456789), <, 1e-4);
  fm_dialog_free (d);
}

/* Bank names were cut off ("Gabor line detecte…"): titles wrap. */
static void
test_designer_bank_names_whole (void)
{
  g_autofree char *user = fresh_dir ("names");
  FmDialog *d = open_dialog ("gabor", test_source (3, TRUE), user, NULL);
  int wrap = 0;
  PangoEllipsizeMode ellipsize = PANGO_ELLIPSIZE_END;

  g_object_get (d->chooser->title_cell, "wrap-width", &wrap, "ellipsize", &ellipsize, NULL);
  g_assert_cmpint (ellipsize, ==, PANGO_ELLIPSIZE_NONE);
  g_assert_cmpint (wrap, >, 0);
  /* The longest title, laid out at that width, loses nothing. */
  PangoLayout *layout = gtk_widget_create_pango_layout (d->chooser->view,
                                                        "Line detectors (4 orientations)");
  pango_layout_set_width (layout, wrap * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  g_assert_false (pango_layout_is_ellipsized (layout));
  g_object_unref (layout);
  fm_dialog_free (d);
}

/* Permanent italic notes about disabled input modes read like errors: the
 * reason sits in the input control's tooltip and nowhere permanent. */
static void
test_designer_no_permanent_notes (void)
{
  g_autofree char *user = fresh_dir ("notes");
  FmDialog *d = open_dialog ("sobel", test_source (3, TRUE), user, NULL);
  g_autofree char *why = NULL;

  gtk_widget_show_all (d->window);
  g_assert_false (fm_dialog_model_choice_allowed (d->model, FM_OPT_INPUT_MODE, FM_INPUT_RGBA, &why));
  g_autofree char *tip = gtk_widget_get_tooltip_text (d->options->controls[FM_OPT_INPUT_MODE]);
  g_assert_nonnull (strstr (tip, why));
  /* Nothing in the status row while all is well. */
  g_assert_null (d->model->note);
  g_assert_false (gtk_widget_get_visible (d->note_label));
  /* Picking it anyway says why once, in the status row, and blocks OK. */
  fm_dialog_options_set (d->options, FM_OPT_INPUT_MODE, FM_INPUT_RGBA);
  g_assert_false (ok_sensitive (d));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (d->error_label)), "rgba"));
  fm_dialog_free (d);
}

/* The preview normalised with its 240 × 240 rectangle's range: on an image
 * that fits FM_PREVIEW_WHOLE_MAX it uses the whole image's, so the maps it
 * shows are the result's own pixels. */
static void
test_designer_preview_whole_range (void)
{
  enum { BW = 400, BH = 300 };
  g_autofree char *user = fresh_dir ("range");
  float *px = g_new (float, BW * BH);
  for (int y = 0; y < BH; y++)
    for (int x = 0; x < BW; x++)
      /* The strongest edge lies outside the centred rectangle. */
      px[y * BW + x] = (x < 20 ? 1.0f : 0.1f) + 0.3f * (x % 17 == 0) + 0.001f * y;
  FmOptions opts;
  fm_options_init (&opts);
  opts.mapping = FM_MAPPING_NORMALIZE;
  FmDialog *d = open_dialog ("sobel", fm_dialog_source_new_memory (BW, BH, 1, px, TRUE), user, &opts);
  FmDialogPreview *p = d->preview;

  g_assert_true (p->whole_range);
  g_assert_cmpint (p->crop_w, <, BW);
  /* The result: the same job over the whole image. */
  FmImageInfo info = { BW, BH, 1 };
  g_autoptr (GError) error = NULL;
  FmJob *job = fm_job_new (d->model->bank, &d->model->options, &info, &error);
  g_assert_no_error (error);
  int ow = fm_job_geometry (job)->out_w, oh = fm_job_geometry (job)->out_h;
  int k_n = fm_job_n_layers (job);
  float *full = g_new0 (float, (gsize) k_n * ow * oh);
  struct { float *full; int ow, oh; } sink = { full, ow, oh };
  gboolean ok = fm_job_run (job, test_whole_source, px, test_whole_sink, &sink, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  /* Inside the rectangle (away from its edges, where it pads), equal. */
  for (int k = 0; k < k_n; k++)
    for (int y = 2; y < p->out_h - 2; y++)
      for (int x = 2; x < p->out_w - 2; x++)
        g_assert_cmpfloat (fabs (p->maps[((gsize) k * p->out_h + y) * p->out_w + x] -
                                 full[((gsize) k * oh + y + p->crop_y) * ow + x + p->crop_x]), <, 1e-5);
  fm_job_free (job);
  g_free (full);
  g_free (px);
  fm_dialog_free (d);
}

/* The dialog changed size when another bank was picked: its requested size
 * stays the same through small, large, multi-channel, read-only and broken
 * banks. */
static void
test_designer_size_stays (void)
{
  g_autofree char *user = fresh_dir ("size");
  g_autofree char *rgb = g_build_filename (user, "rgb3.json", NULL);
  g_assert_true (g_file_set_contents (rgb,
    "{ \"name\": \"A colour bank with a rather long name for its list\", \"filters\": ["
    " { \"name\": \"a filter whose name goes on and on\", \"weights\": [[[1,0,0],[0,0,0]],[[0,0,0],[0,0,-1]]] } ] }",
    -1, NULL));
  GString *big = g_string_new (NULL);
  for (int y = 0; y < 17; y++)
    for (int x = 0; x < 17; x++)
      g_string_append_printf (big, "%s%s", x ? "," : (y ? ";" : ""), x == 8 && y == 8 ? "1" : "0.001");
  FmDialog *d = open_dialog ("sobel", test_source (3, TRUE), user, NULL);
  int w0, h0;

  gtk_widget_show_all (d->window);
  fm_widget_get_request (d->window, &w0, &h0);
  const char *banks[] = { "lines-4", "gabor", "gaussian-5", rgb, big->str,
                          "no-such-bank", "emboss" };
  for (guint i = 0; i < G_N_ELEMENTS (banks); i++)
    {
      int w, h;
      fm_dialog_model_load (d->model, banks[i], TRUE, NULL);
      wait_preview (d);
      fm_widget_get_request (d->window, &w, &h);
      g_test_message ("%s: %d × %d (first %d × %d)", i == 4 ? "17 × 17" : banks[i], w, h, w0, h0);
      g_assert_cmpint (w, ==, w0);
      g_assert_cmpint (h, ==, h0);
    }
  g_string_free (big, TRUE);
  fm_dialog_free (d);
}

/* The button labelled text anywhere inside w (GimpDialog's Help button is
 * not a response button). */
static void
find_button (GtkWidget *w, gpointer data)
{
  GtkWidget **found = data;
  if (*found)
    return;
  if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), "_Help") == 0)
    *found = w;
  else if (GTK_IS_CONTAINER (w))
    gtk_container_forall (GTK_CONTAINER (w), find_button, data);
}

/* Help said the user manual was not installed: it opens our own page. */
static void
test_designer_help (void)
{
  g_autofree char *user = fresh_dir ("help");
  g_autofree char *bin = fresh_dir ("help-bin");
  g_autofree char *helpdir = g_build_filename (bin, "help", NULL);
  g_autofree char *page = g_build_filename (helpdir, "plugin.md", NULL);
  g_autofree char *doc = g_build_filename (FM_TEST_DOCS_DIR, "plugin.md", NULL);
  g_autofree char *text = NULL;
  g_autofree char *exe = g_build_filename (bin, "featuremaps", NULL);

  g_assert_true (g_file_get_contents (doc, &text, NULL, NULL));
  g_mkdir_with_parents (helpdir, 0755);
  g_assert_true (g_file_set_contents (page, text, -1, NULL));
  fm_paths_set_binary_dir (exe);     /* a per-user install: help/ beside the binary */
  FmDialog *d = open_dialog ("sobel", test_source (3, TRUE), user, NULL);
  GtkWidget *help = NULL;
  find_button (d->window, &help);

  g_assert_nonnull (help);
  gtk_button_clicked (GTK_BUTTON (help));
  while (gtk_events_pending ())
    gtk_main_iteration ();
  g_autofree char *want = g_filename_to_uri (page, NULL, NULL);
  g_assert_cmpstr (fm_dialog_help_last_uri (), ==, want);
  fm_dialog_free (d);
}

/* "Channel 1 (red)" showed for 1-channel banks: the channel control stays
 * hidden even when the whole window is shown, and a single channel is
 * called grey. */
static void
test_designer_one_channel (void)
{
  g_autofree char *user = fresh_dir ("channel");
  FmDialog *d = open_dialog ("sobel", test_source (3, TRUE), user, NULL);

  gtk_widget_show_all (d->window);
  g_assert_cmpint (d->model->bank->channels, ==, 1);
  g_assert_false (gtk_widget_get_visible (d->editor->channel_combo));
  g_assert_false (gtk_widget_get_visible (d->editor->channel_label));
  g_assert_cmpstr (fm_dialog_channel_name (1, 0), ==, "grey");
  g_assert_cmpstr (fm_dialog_channel_name (3, 0), ==, "red");
  fm_dialog_free (d);
}

/* Open in "Load kernel file…" with nothing selected printed two GLib
 * criticals and "no kernel given": no file name (or a folder) is not a
 * load.  gtk_test_init makes criticals fatal, so none may happen here. */
static void
test_designer_load_nothing (void)
{
  g_autofree char *user = fresh_dir ("load");
  FmDialog *d = open_dialog ("sobel", test_source (3, TRUE), user, NULL);

  g_assert_false (fm_dialog_chooser_file_ok (NULL));
  g_assert_false (fm_dialog_chooser_file_ok (""));
  g_assert_false (fm_dialog_chooser_file_ok (user));
  g_assert_false (fm_dialog_chooser_load_file (d->chooser, NULL, FM_LAYOUT_AUTO));
  g_assert_false (fm_dialog_chooser_load_file (d->chooser, user, FM_LAYOUT_AUTO));
  g_assert_null (d->model->error);
  g_assert_cmpstr (d->model->spec, ==, "sobel");
  g_assert_true (ok_sensitive (d));
  fm_dialog_free (d);
}

static void
test_snapshot_hook (void)
{
  g_autofree char *user = fresh_dir ("snap");
  g_autofree char *prefix = g_build_filename (tmp_root, "snap", "shot", NULL);

  /* What FEATUREMAPS_DIALOG_SNAPSHOT=prefix and _AUTO_OK=1 set (setenv is
   * unsafe once the preview's threads run; the GIMP smoke test uses the
   * environment itself). */
  FmDialog *d = fm_dialog_new (test_source (3, TRUE), "lines-4", NULL, user);
  d->snapshot_prefix = g_strdup (prefix);
  d->auto_ok = TRUE;
  gtk_widget_show (d->window);
  /* gtk_dialog_run returns when the hook presses OK. */
  g_assert_cmpint (gtk_dialog_run (GTK_DIALOG (d->window)), ==, GTK_RESPONSE_OK);
  const char *parts[] = { "dialog", "chooser", "editor", "preview" };
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *png = g_strdup_printf ("%s-%s.png", prefix, parts[i]);
      g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new_from_file (png, NULL);
      g_assert_nonnull (pb);
      g_assert_cmpint (gdk_pixbuf_get_width (pb), >, 100);
    }
  fm_dialog_free (d);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  tmp_root = g_dir_make_tmp ("fm-dialog-XXXXXX", &error);
  g_assert_no_error (error);
  /* Nothing from the user's own folders: presets come from the source
   * tree and the test's folders only. */
  g_autofree char *data = g_build_filename (tmp_root, "xdg-data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_unsetenv ("FEATUREMAPS_PRESET_PATH");
  g_unsetenv ("FEATUREMAPS_HELP_FILE");
  g_setenv ("FEATUREMAPS_HELP_DRY_RUN", "1", TRUE);   /* no viewer started */

  gtk_test_init (&argc, &argv, NULL);
  if (!gdk_display_get_default ())
    return 77;

  g_test_add_func ("/dialog/choose-preset", test_choose_preset);
  g_test_add_func ("/dialog/edit-rotate-add", test_edit_rotate_add);
  g_test_add_func ("/dialog/preview-is-the-job", test_preview_is_the_job);
  g_test_add_func ("/dialog/options-reasons", test_options_reasons);
  g_test_add_func ("/dialog/bad-file", test_bad_file);
  g_test_add_func ("/dialog/save-bank", test_save_bank);
  g_test_add_func ("/dialog/three-channel-kernel", test_three_channel_kernel);
  g_test_add_func ("/dialog/large-kernel-read-only", test_large_kernel_read_only);
  g_test_add_func ("/dialog/learned-weights", test_learned_weights);
  g_test_add_func ("/dialog/designer/weights-readable", test_designer_weights_readable);
  g_test_add_func ("/dialog/designer/bank-names-whole", test_designer_bank_names_whole);
  g_test_add_func ("/dialog/designer/no-permanent-notes", test_designer_no_permanent_notes);
  g_test_add_func ("/dialog/designer/preview-whole-range", test_designer_preview_whole_range);
  g_test_add_func ("/dialog/designer/size-stays", test_designer_size_stays);
  g_test_add_func ("/dialog/designer/help", test_designer_help);
  g_test_add_func ("/dialog/designer/one-channel", test_designer_one_channel);
  g_test_add_func ("/dialog/designer/load-nothing", test_designer_load_nothing);
  g_test_add_func ("/dialog/snapshot-hook", test_snapshot_hook);
  fm_test_dialog_learn_register (tmp_root);
  fm_test_dialog_net_add (tmp_root);
  int status = g_test_run ();
  if (status == 0 && !g_getenv ("FM_KEEP_TMP"))
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_root);
      (void) system (cmd);
    }
  return status;
}
