/* fm-dialog-learn-pair: "Learn from two layers…" — the before and after
 * layers, the kernel size and mode; the fit is plug-in-feature-maps-learn's
 * (fm_learn_fit_pair), limited to the selection as the procedure's is. */
#include "fm-dialog-learn.h"

/* The procedure's modes, in its order (fm-learn-run.h): luminance,
 * per-channel, full. */
static const FmLearnMode modes[] = {
  FM_LEARN_MODE_LUMINANCE, FM_LEARN_MODE_PER_CHANNEL, FM_LEARN_MODE_FULL
};

/* Below this the fit's own warning says the effect is not a convolution
 * (core/learn/pair); the window then says it in its error row too. */
#define FM_DIALOG_LEARN_NOT_CONVOLUTION_DB 20.0

static GtkWidget *
label (const char *text)
{
  GtkWidget *l = gtk_label_new_with_mnemonic (text);
  fm_label_set_xalign (l, 0);
  return l;
}

static GtkWidget *
size_box (FmDialogLearnWindow *w, int value)
{
  GtkWidget *box = fm_box_new (FALSE, 4);
  w->rows_spin = gtk_spin_button_new_with_range (1, FM_LEARN_MAX_SIDE, 1);
  w->cols_spin = gtk_spin_button_new_with_range (1, FM_LEARN_MAX_SIDE, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->rows_spin), value);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (w->cols_spin), value);
  gtk_box_pack_start (GTK_BOX (box), w->rows_spin, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), gtk_label_new ("×"), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), w->cols_spin, FALSE, FALSE, 0);
  return box;
}

void
fm_dialog_learn_pair_build (FmDialogLearnWindow *w, GtkWidget *grid)
{
  FmDialogLayers *layers = w->learn->layers;
  const int n = layers->names->len;
  int before = layers->current >= 0 ? layers->current : 0;
  /* The after layer is usually a copy made above the original. */
  int after = before > 0 ? before - 1 : (n > 1 ? 1 : 0);

  w->before_combo = fm_dialog_learn_layer_combo (layers, before);
  w->after_combo = fm_dialog_learn_layer_combo (layers, after);
  gtk_widget_set_tooltip_text (w->before_combo, "The layer before the effect");
  gtk_widget_set_tooltip_text (w->after_combo, "The same image after the effect "
                               "(same size); it lines up with the kernel's centre");

  const char *mode_labels[G_N_ELEMENTS (modes)];
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    mode_labels[m] = fm_learn_mode_name (modes[m]);
  w->mode_combo = gimp_int_combo_box_new_array (G_N_ELEMENTS (modes), mode_labels);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (w->mode_combo), 1);
  gtk_widget_set_tooltip_text (w->mode_combo,
                               "luminance: one kernel on the luminance; per-channel: one "
                               "kernel for R, G and B, as the Convolution Matrix; full: "
                               "each output channel from all input channels");
  w->name_entry = gtk_entry_new ();
  gtk_entry_set_text (GTK_ENTRY (w->name_entry), "Learned");

  fm_grid_attach (grid, label ("_Before:"), 0, 0, FALSE);
  fm_grid_attach (grid, w->before_combo, 1, 0, TRUE);
  fm_grid_attach (grid, label ("_After:"), 0, 1, FALSE);
  fm_grid_attach (grid, w->after_combo, 1, 1, TRUE);
  fm_grid_attach (grid, label ("Kernel size:"), 0, 2, FALSE);
  fm_grid_attach (grid, size_box (w, 3), 1, 2, TRUE);
  fm_grid_attach (grid, label ("_Mode:"), 0, 3, FALSE);
  fm_grid_attach (grid, w->mode_combo, 1, 3, TRUE);
  fm_grid_attach (grid, label ("_Name:"), 0, 4, FALSE);
  fm_grid_attach (grid, w->name_entry, 1, 4, TRUE);
}

static int
active (GtkWidget *combo)
{
  int v = -1;
  gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &v);
  return v;
}

gboolean
fm_dialog_learn_pair_run (FmDialogLearnWindow *w)
{
  FmDialogLayers *layers = w->learn->layers;
  int before = active (w->before_combo), after = active (w->after_combo);
  int mode = active (w->mode_combo);

  if (before < 0 || after < 0)
    {
      fm_dialog_learn_show_error (w, "Pick the layer before the effect and the layer "
                                     "after it.");
      return FALSE;
    }
  if (before == after)
    {
      fm_dialog_learn_show_error (w, "Before and after are the same layer: pick the "
                                     "layer after the effect as After.");
      return FALSE;
    }

  FmLearnImage b = { 0 }, a = { 0 }, m = { 0 };
  g_autofree float *bp = NULL, *ap = NULL, *mp = NULL;
  g_autoptr (GError) error = NULL;
  if (!layers->read (layers, before, FALSE, &b, &bp, &error)
      || !layers->read (layers, after, FALSE, &a, &ap, &error))
    {
      fm_dialog_learn_show_error (w, error->message);
      return FALSE;
    }
  gboolean masked = layers->read_mask && layers->read_mask (layers, before, &m, &mp);

  FmLearnPairOptions opt;
  fm_learn_pair_options_init (&opt);
  opt.mode = modes[CLAMP (mode, 0, (int) G_N_ELEMENTS (modes) - 1)];
  opt.kh = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w->rows_spin));
  opt.kw = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (w->cols_spin));
  opt.name = gtk_entry_get_text (GTK_ENTRY (w->name_entry));

  if (!fm_learn_fit_pair (&b, &a, masked ? &m : NULL, &opt, w->dialog->model->user_dir,
                          fm_dialog_learn_progress, w, &w->result, &error))
    {
      g_autofree char *text = g_strdup_printf ("%s.", error->message);
      fm_dialog_learn_show_error (w, text);
      return FALSE;
    }

  g_autofree char *summary = fm_learn_fit_summary (&w->result, TRUE, 0);
  GString *q = g_string_new (NULL);
  g_string_append_printf (q, "Learned '%s' (%d × %d %s%s): %s.", w->result.preset, opt.kh,
                          opt.kw, fm_learn_mode_name (opt.mode), masked ? ", in the selection"
                          : "", summary);
  g_auto (GStrv) warnings = g_strsplit (w->result.warnings, "\n", -1);
  for (int i = 0; warnings[i]; i++)
    if (*warnings[i])
      g_string_append_printf (q, "\nWarning: %s.", warnings[i]);
  fm_dialog_learn_opened (w, q->str);
  g_string_free (q, TRUE);
  /* Saved and opened all the same (an approximation may be what the user
   * wants), but said where errors are said. */
  if (w->result.psnr < FM_DIALOG_LEARN_NOT_CONVOLUTION_DB)
    {
      g_autofree char *text = g_strdup_printf (
        "The effect is not a convolution: the best %d × %d kernel reproduces it at only "
        "%.1f dB PSNR. A non-linear effect can only be approximated.", opt.kh, opt.kw,
        w->result.psnr);
      gtk_label_set_text (GTK_LABEL (w->error_label), text);
      gtk_widget_show (w->error_box);
    }
  return TRUE;
}
