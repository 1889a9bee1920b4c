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

/* Why a control or some of its choices are unavailable goes in that
 * control's tooltip, where the question arises, not in a permanent list
 * under the table (which read like errors).  A choice refused when picked
 * says why once, in the status row. */
static char *
reasons_for (FmDialogOptions *o, FmOptionId id)
{
  FmDialogModel *m = o->model;
  const FmOptionSpec *s = fm_option_spec (id);
  GString *text = g_string_new (NULL);
  char *why = NULL;

  if (!fm_dialog_model_option_applies (m, id, &why) && why)
    g_string_append (text, why);
  g_clear_pointer (&why, g_free);
  for (int v = s->min; s->choices && v <= s->max; v++)
    {
      if (!fm_dialog_model_choice_allowed (m, id, v, &why) && why)
        g_string_append_printf (text, "%s%s", text->len ? "\n" : "", why);
      g_clear_pointer (&why, g_free);
    }
  return g_string_free (text, text->len == 0);
}

static void
update_reasons (FmDialogOptions *o)
{
  for (int id = 0; id < FM_N_OPTIONS; id++)
    {
      gboolean applies = fm_dialog_model_option_applies (o->model, id, NULL);
      g_autofree char *tip = tooltip_for (id);
      g_autofree char *why = reasons_for (o, id);
      g_autofree char *full = why ? g_strdup_printf ("%s\n\n%s", tip, why) : NULL;

      gtk_widget_set_sensitive (o->controls[id], applies);
      gtk_widget_set_sensitive (o->labels[id], applies);
      gtk_widget_set_tooltip_text (o->controls[id], full ? full : tip);
      gtk_widget_set_tooltip_text (o->labels[id], full ? full : tip);
      /* Redraw the open or closed combo with the new sensitivities. */
      gtk_widget_queue_draw (o->controls[id]);
    }
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
  /* A refused choice (raw in an integer image) snaps back, and says why. */
  if (!fm_dialog_model_set_option (c->options->model, c->id, value))
    {
      g_autofree char *why = NULL;
      fm_dialog_model_choice_allowed (c->options->model, c->id, value, &why);
      refill (c->options);
      if (why)
        fm_dialog_model_set_note (c->options->model, why);
    }
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
  GtkWidget *table = fm_grid_new (4, 6, FALSE);
  GtkWidget *vbox = fm_box_new (TRUE, 6);

  o->model = model;

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
      fm_label_set_xalign (label, 1.0);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), w);
      gtk_widget_set_tooltip_text (label, tip);

      /* Two columns of label + widget keep the panel short. */
      int col = (id % 2) * 2, row = id / 2;
      fm_grid_attach (table, label, col, row, FALSE);
      fm_grid_attach (table, w, col + 1, row, TRUE);
      o->controls[id] = w;
      o->labels[id] = label;
    }

  gtk_box_pack_start (GTK_BOX (vbox), table, FALSE, FALSE, 0);

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
