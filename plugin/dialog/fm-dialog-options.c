/* fm-dialog-options: one widget per entry of the option table.  Labels,
 * choices, ranges and tooltips all come from fm_option_spec(), the table the
 * PDB parameters and the command line are made from. */
#include "fm-dialog-private.h"

typedef struct {
  FmDialogOptions *options;
  FmOptionId id;
} Choice;

static char *
tooltip_for (FmOptionId id)
{
  const FmOptionSpec *s = fm_option_spec (id);
  GString *tip = g_string_new (s->help);

  if (s->choices && s->choice_help)
    for (int i = 0; s->choices[i]; i++)
      g_string_append_printf (tip, "\n• %s: %s", s->choices[i], s->choice_help[i]);
  else if (!s->choices)
    {
      g_autofree char *range = fm_option_describe_range (id);
      g_string_append_printf (tip, " (%s)", range);
    }
  return g_string_free (tip, FALSE);
}

static gboolean
choice_sensitive (gint value, gpointer data)
{
  Choice *c = data;
  return fm_dialog_model_choice_allowed (c->options->model, c->id, value, NULL);
}

/* Reasons for everything unavailable, under the table: a greyed entry in
 * a combo cannot carry a tooltip of its own. */
static void
update_reasons (FmDialogOptions *o)
{
  FmDialogModel *m = o->model;
  GString *text = g_string_new (NULL);

  for (int id = 0; id < FM_N_OPTIONS; id++)
    {
      const FmOptionSpec *s = fm_option_spec (id);
      char *why = NULL;
      gboolean applies = fm_dialog_model_option_applies (m, id, &why);

      gtk_widget_set_sensitive (o->controls[id], applies);
      gtk_widget_set_sensitive (o->labels[id], applies);
      if (why)
        {
          g_string_append_printf (text, "%s%s", text->len ? "\n" : "", why);
          g_free (why);
        }
      if (!s->choices)
        continue;
      for (int v = s->min; v <= s->max; v++)
        if (!fm_dialog_model_choice_allowed (m, id, v, &why) && why)
          {
            g_string_append_printf (text, "%s%s", text->len ? "\n" : "", why);
            g_free (why);
            why = NULL;
          }
      /* Redraw the open or closed combo with the new sensitivities. */
      gtk_widget_queue_draw (o->controls[id]);
    }
  g_autofree char *markup = g_markup_printf_escaped ("<small><i>%s</i></small>", text->str);
  gtk_label_set_markup (GTK_LABEL (o->reasons), markup);
  gtk_widget_set_visible (o->reasons, text->len > 0);
  g_string_free (text, TRUE);
}

static void
refill (FmDialogOptions *o)
{
  o->updating = TRUE;
  for (int id = 0; id < FM_N_OPTIONS; id++)
    {
      int value = fm_options_get (&o->model->options, id);
      if (fm_option_spec (id)->choices)
        gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (o->controls[id]), value);
      else
        gtk_spin_button_set_value (GTK_SPIN_BUTTON (o->controls[id]), value);
    }
  o->updating = FALSE;
  update_reasons (o);
}

static void
combo_changed (GtkComboBox *combo, Choice *c)
{
  int value;

  if (c->options->updating ||
      !gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &value))
    return;
  /* A refused choice (raw in an integer image) snaps back. */
  if (!fm_dialog_model_set_option (c->options->model, c->id, value))
    refill (c->options);
}

static void
spin_changed (GtkSpinButton *spin, Choice *c)
{
  if (!c->options->updating)
    fm_dialog_model_set_option (c->options->model, c->id,
                                gtk_spin_button_get_value_as_int (spin));
}

static void
model_changed (FmDialogModel *model, guint changes, gpointer data)
{
  (void) model;
  if (changes & (FM_DIALOG_CHANGE_OPTIONS | FM_DIALOG_CHANGE_BANK |
                 FM_DIALOG_CHANGE_SHAPE | FM_DIALOG_CHANGE_STATUS))
    refill (data);
}

void
fm_dialog_options_set (FmDialogOptions *o, FmOptionId id, int value)
{
  if (fm_option_spec (id)->choices)
    gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (o->controls[id]), value);
  else
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (o->controls[id]), value);
}

FmDialogOptions *
fm_dialog_options_new (FmDialogModel *model)
{
  FmDialogOptions *o = g_new0 (FmDialogOptions, 1);
  GtkWidget *table = gtk_table_new (FM_N_OPTIONS / 2 + 1, 4, FALSE);
  GtkWidget *vbox = gtk_vbox_new (FALSE, 6);

  o->model = model;
  gtk_table_set_row_spacings (GTK_TABLE (table), 4);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);

  for (int id = 0; id < FM_N_OPTIONS; id++)
    {
      const FmOptionSpec *s = fm_option_spec (id);
      Choice *c = g_new (Choice, 1);
      g_autofree char *tip = tooltip_for (id);
      GtkWidget *w;

      c->options = o;
      c->id = id;
      if (s->choices)
        {
          w = gimp_int_combo_box_new_array (g_strv_length ((char **) s->choices),
                                            (const char **) s->choices);
          gimp_int_combo_box_set_sensitivity (GIMP_INT_COMBO_BOX (w),
                                              choice_sensitive, c, g_free);
          g_signal_connect (w, "changed", G_CALLBACK (combo_changed), c);
        }
      else
        {
          w = gtk_spin_button_new_with_range (s->min, s->max, 1);
          g_signal_connect (w, "value-changed", G_CALLBACK (spin_changed), c);
          g_object_set_data_full (G_OBJECT (w), "fm-choice", c, g_free);
        }
      gtk_widget_set_tooltip_text (w, tip);

      GtkWidget *label = gtk_label_new_with_mnemonic (s->label);
      gtk_misc_set_alignment (GTK_MISC (label), 1.0, 0.5);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), w);
      gtk_widget_set_tooltip_text (label, tip);

      /* Two columns of label + widget keep the panel short. */
      int col = (id % 2) * 2, row = id / 2;
      gtk_table_attach (GTK_TABLE (table), label, col, col + 1, row, row + 1,
                        GTK_FILL, GTK_FILL, 0, 0);
      gtk_table_attach (GTK_TABLE (table), w, col + 1, col + 2, row, row + 1,
                        GTK_FILL | GTK_EXPAND, GTK_FILL, 0, 0);
      o->controls[id] = w;
      o->labels[id] = label;
    }

  o->reasons = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (o->reasons), TRUE);
  gtk_misc_set_alignment (GTK_MISC (o->reasons), 0, 0.5);
  gtk_widget_set_no_show_all (o->reasons, TRUE);
  gtk_box_pack_start (GTK_BOX (vbox), table, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), o->reasons, FALSE, FALSE, 0);

  o->widget = gimp_frame_new ("Options");
  gtk_container_add (GTK_CONTAINER (o->widget), vbox);
  gtk_widget_show_all (o->widget);

  fm_dialog_model_add_listener (model, model_changed, o);
  refill (o);
  return o;
}

void
fm_dialog_options_free (FmDialogOptions *options)
{
  g_free (options);
}
