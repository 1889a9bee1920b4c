/* fm-dialog-learn-patches: "Learn filters from this layer…" — K filters of a
 * patch size by pca, kmeans or ica from one layer (its selected rectangle
 * when there is a selection), as plug-in-feature-maps-learn-patches and
 * `featuremaps learn --patches` learn them (fm_learn_fit_patches). */
#include "fm-dialog-learn.h"

static GtkWidget *
label (const char *text)
{
  GtkWidget *l = gtk_label_new_with_mnemonic (text);
  fm_label_set_xalign (l, 0);
  return l;
}

static gboolean
has_selection (FmDialogLayers *layers, int i)
{
  FmLearnImage mask;
  g_autofree float *pixels = NULL;
  return layers->read_mask && layers->read_mask (layers, i, &mask, &pixels);
}

void
fm_dialog_learn_patches_build (FmDialogLearnWindow *w, GtkWidget *grid)
{
  FmDialogLayers *layers = w->learn->layers;
  FmLearnPatchOptions defaults;
  fm_learn_patch_options_init (&defaults);

  w->layer_combo = fm_dialog_learn_layer_combo (layers, MAX (layers->current, 0));
  gtk_widget_set_tooltip_text (w->layer_combo, "The layer the patches come from (inside "
                               "the selection's rectangle when there is a selection)");
  w->filters_spin = gtk_spin_button_new_with_range (1, FM_LEARN_MAX_WEIGHTS, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->filters_spin), defaults.n_filters);
  gtk_widget_set_tooltip_text (w->filters_spin, "How many filters (at most the patch's "
                               "values: rows × columns × channels)");

  GtkWidget *size = fm_box_new (FALSE, 4);
  w->rows_spin = gtk_spin_button_new_with_range (1, FM_LEARN_MAX_SIDE, 1);
  w->cols_spin = gtk_spin_button_new_with_range (1, FM_LEARN_MAX_SIDE, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->rows_spin), defaults.kh);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->cols_spin), defaults.kw);
  gtk_box_pack_start (GTK_BOX (size), w->rows_spin, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (size), gtk_label_new ("×"), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (size), w->cols_spin, FALSE, FALSE, 0);

  const char *methods[FM_LEARN_N_METHODS];
  GString *tip = g_string_new (NULL);
  for (int m = 0; m < FM_LEARN_N_METHODS; m++)
    {
      methods[m] = fm_learn_method_name (m);
      g_string_append_printf (tip, "%s%s: %s", m ? "\n" : "", methods[m],
                              fm_learn_method_help (m));
    }
  w->method_combo = gimp_int_combo_box_new_array (FM_LEARN_N_METHODS, methods);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->method_combo), defaults.method);
  gtk_widget_set_tooltip_text (w->method_combo, tip->str);
  g_string_free (tip, TRUE);

  w->seed_spin = gtk_spin_button_new_with_range (0, G_MAXINT32, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->seed_spin), defaults.seed);
  gtk_widget_set_tooltip_text (w->seed_spin, "The same layer, options and seed give the "
                               "same filters");
  w->name_entry = gtk_entry_new ();
  gtk_widget_set_tooltip_text (w->name_entry, "The bank's name (empty: Learned (method))");

  fm_grid_attach (grid, label ("_Layer:"), 0, 0, FALSE);
  fm_grid_attach (grid, w->layer_combo, 1, 0, TRUE);
  fm_grid_attach (grid, label ("_Filters:"), 0, 1, FALSE);
  fm_grid_attach (grid, w->filters_spin, 1, 1, TRUE);
  fm_grid_attach (grid, label ("Patch size:"), 0, 2, FALSE);
  fm_grid_attach (grid, size, 1, 2, TRUE);
  fm_grid_attach (grid, label ("_Method:"), 0, 3, FALSE);
  fm_grid_attach (grid, w->method_combo, 1, 3, TRUE);
  fm_grid_attach (grid, label ("_Seed:"), 0, 4, FALSE);
  fm_grid_attach (grid, w->seed_spin, 1, 4, TRUE);
  fm_grid_attach (grid, label ("_Name:"), 0, 5, FALSE);
  fm_grid_attach (grid, w->name_entry, 1, 5, TRUE);
}

gboolean
fm_dialog_learn_patches_run (FmDialogLearnWindow *w)
{
  FmDialogLayers *layers = w->learn->layers;
  int layer = -1, method = 0;
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (w->layer_combo), &layer);
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (w->method_combo), &method);
  if (layer < 0)
    {
      fm_dialog_learn_show_error (w, "Pick the layer to learn filters from.");
      return FALSE;
    }

  FmLearnPatchOptions opt;
  fm_learn_patch_options_init (&opt);
  opt.method = CLAMP (method, 0, FM_LEARN_N_METHODS - 1);
  opt.kh = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w->rows_spin));
  opt.kw = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w->cols_spin));
  opt.n_filters = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w->filters_spin));
  opt.seed = (guint32) gtk_spin_button_get_value (GTK_SPIN_BUTTON (w->seed_spin));
  opt.name = gtk_entry_get_text (GTK_ENTRY (w->name_entry));

  FmLearnImage img = { 0 };
  g_autofree float *pixels = NULL;
  g_autoptr (GError) error = NULL;
  if (!layers->read (layers, layer, TRUE, &img, &pixels, &error))
    {
      fm_dialog_learn_show_error (w, error->message);
      return FALSE;
    }
  if (opt.kh > img.height || opt.kw > img.width)
    {
      g_autofree char *text = g_strdup_printf (
        "A %d × %d patch does not fit in the %d × %d %s: use a smaller patch%s.",
        opt.kh, opt.kw, img.width, img.height,
        has_selection (layers, layer) ? "selection" : "layer",
        has_selection (layers, layer) ? " or select a larger region" : "");
      fm_dialog_learn_show_error (w, text);
      return FALSE;
    }
  fm_dialog_learn_progress (w, 0.5);
  if (!fm_learn_fit_patches (&img, &opt, w->dialog->model->user_dir, &w->result, &error))
    {
      g_autofree char *text = g_strdup_printf ("%s.", error->message);
      fm_dialog_learn_show_error (w, text);
      return FALSE;
    }
  g_autofree char *summary = fm_learn_fit_summary (&w->result, FALSE, opt.method);
  g_autofree char *quality = g_strdup_printf ("Learned '%s' (%d × %d patches): %s.%s%s",
                                              w->result.preset, opt.kh, opt.kw, summary,
                                              *w->result.warnings ? "\nWarning: " : "",
                                              w->result.warnings);
  fm_dialog_learn_opened (w, quality);
  return TRUE;
}
