/* fm-dialog-editor: the selected filter as a grid of numbers, plus the
 * operations a designer uses on kernels (turn, mirror, resize, add). */
#include "fm-dialog-private.h"

#include <math.h>
#include <string.h>

static void refill (FmDialogEditor *editor);

/* ---- number entries ----------------------------------------------------- */

/* Locale-free, short (a designer reads 0.0625 better than 6.25e-02) and
 * never wider than max_chars, so every digit shown fits its entry: the
 * most significant digits that fit, down to one. */
void
fm_dialog_format_number (double v, int max_chars, char *buf, gsize size)
{
  for (int digits = 6; digits >= 1; digits--)
    {
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buf, size, format, v);
      if ((int) strlen (buf) <= max_chars)
        return;
    }
}

static void
set_entry_number (GtkWidget *entry, double v, int max_chars)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE], full[G_ASCII_DTOSTR_BUF_SIZE];
  fm_dialog_format_number (v, max_chars, buf, sizeof buf);
  gtk_entry_set_text (GTK_ENTRY (entry), buf);
  /* A shortened value keeps its full form one hover away. */
  g_ascii_formatd (full, sizeof full, "%.9g", v);
  gtk_widget_set_tooltip_text (entry, strcmp (buf, full) ? full : NULL);
}

static gboolean
parse_number (const char *text, double *value)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  char *end;

  if (!*t)
    return FALSE;
  *value = g_ascii_strtod (t, &end);
  return *end == '\0' && isfinite (*value);
}

/* A grid cell's colours: its weight's colour behind dark text, or white
 * text on the strongest colours — never the theme's text colour, which on
 * a dark theme is pale on a pale cell.  A cell that does not parse has red
 * text.  Other entries (bias, divisor) keep the theme unless bad. */
static const guchar ink_dark[3] = { 0x1a, 0x1a, 0x1a };
static const guchar ink_white[3] = { 0xff, 0xff, 0xff };
static const guchar ink_bad[3] = { 0xc0, 0x00, 0x00 };

static void
paint_entry (GtkWidget *entry)
{
  const guchar *bg = g_object_get_data (G_OBJECT (entry), "fm-bg");
  gboolean bad = g_object_get_data (G_OBJECT (entry), "fm-bad") != NULL;
  gboolean strong = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (entry), "fm-strong"));
  const guchar *fg = bad ? ink_bad : bg ? (strong ? ink_white : ink_dark) : NULL;

  fm_widget_set_colours (entry, bg, fg);
}

static void
mark_bad (GtkWidget *entry, const char *what)
{
  g_object_set_data_full (G_OBJECT (entry), "fm-bad", g_strdup (what), g_free);
  paint_entry (entry);
}

/* The first entry that does not parse, in reading order, is the message. */
static void
report_entries (FmDialogEditor *editor)
{
  GtkWidget *others[] = { editor->bias_entry, editor->divisor_entry };
  const char *bad = NULL;

  for (int y = 0; y < editor->grid_h && !bad; y++)
    for (int x = 0; x < editor->grid_w && !bad; x++)
      bad = g_object_get_data (G_OBJECT (editor->cells[y][x]), "fm-bad");
  for (guint i = 0; i < G_N_ELEMENTS (others) && !bad; i++)
    bad = g_object_get_data (G_OBJECT (others[i]), "fm-bad");
  fm_dialog_model_set_entry_error (editor->model, bad);
}

static void
colour_cells (FmDialogEditor *editor)
{
  FmDialogModel *m = editor->model;
  double scale = fm_dialog_filter_scale (m->bank, m->filter);

  for (int y = 0; y < editor->grid_h; y++)
    for (int x = 0; x < editor->grid_w; x++)
      {
        float w = fm_dialog_model_get_weight (m, m->filter, editor->grid_y0 + y,
                                              editor->grid_x0 + x, m->channel);
        guchar *rgb = g_new (guchar, 3);
        GtkWidget *cell = editor->cells[y][x];
        fm_dialog_diverging (w / scale, rgb);
        g_object_set_data_full (G_OBJECT (cell), "fm-bg", rgb, g_free);
        g_object_set_data (G_OBJECT (cell), "fm-strong",
                           GINT_TO_POINTER (fabs (w / scale) > 0.6));
        paint_entry (cell);
      }
}

static void
cell_changed (GtkEntry *entry, FmDialogEditor *editor)
{
  int y = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (entry), "fm-y"));
  int x = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (entry), "fm-x"));
  double v;

  /* A kernel larger than the grid is shown, never changed through it. */
  if (editor->updating || editor->read_only)
    return;
  if (parse_number (gtk_entry_get_text (entry), &v))
    {
      mark_bad (GTK_WIDGET (entry), NULL);
      editor->updating = TRUE;
      fm_dialog_model_set_weight (editor->model, editor->model->filter,
                                  editor->grid_y0 + y, editor->grid_x0 + x,
                                  editor->model->channel, v);
      editor->updating = FALSE;
      colour_cells (editor);
    }
  else
    {
      g_autofree char *msg = g_strdup_printf (
        "Row %d, column %d: '%s' is not a number.",
        editor->grid_y0 + y + 1, editor->grid_x0 + x + 1,
        gtk_entry_get_text (entry));
      mark_bad (GTK_WIDGET (entry), msg);
    }
  report_entries (editor);
}

static void
scalar_changed (GtkEntry *entry, FmDialogEditor *editor)
{
  gboolean is_bias = GTK_WIDGET (entry) == editor->bias_entry;
  double v;

  if (editor->updating)
    return;
  if (parse_number (gtk_entry_get_text (entry), &v))
    {
      mark_bad (GTK_WIDGET (entry), NULL);
      editor->updating = TRUE;
      if (is_bias)
        fm_dialog_model_set_bias (editor->model, editor->model->filter, v);
      else
        fm_dialog_model_set_divisor (editor->model, editor->model->filter, v);
      editor->updating = FALSE;
    }
  else
    {
      g_autofree char *msg = g_strdup_printf ("%s: '%s' is not a number.",
                                              is_bias ? "Bias" : "Divisor",
                                              gtk_entry_get_text (entry));
      mark_bad (GTK_WIDGET (entry), msg);
    }
  report_entries (editor);
}

/* ---- the grid ----------------------------------------------------------- */

static void
rebuild_grid (FmDialogEditor *editor, int h, int w)
{
  if (editor->table)
    gtk_widget_destroy (editor->table);
  memset (editor->cells, 0, sizeof editor->cells);
  editor->table = fm_grid_new (1, 1, TRUE);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        GtkWidget *e = gtk_entry_new ();
        gtk_entry_set_width_chars (GTK_ENTRY (e), FM_DIALOG_CELL_CHARS);
        gtk_entry_set_alignment (GTK_ENTRY (e), 0.5);
        g_object_set_data (G_OBJECT (e), "fm-y", GINT_TO_POINTER (y));
        g_object_set_data (G_OBJECT (e), "fm-x", GINT_TO_POINTER (x));
        g_signal_connect (e, "changed", G_CALLBACK (cell_changed), editor);
        fm_grid_attach (editor->table, e, x, y, FALSE);
        editor->cells[y][x] = e;
      }
  editor->grid_h = h;
  editor->grid_w = w;
  gtk_container_add (GTK_CONTAINER (editor->grid_frame), editor->table);
  gtk_widget_show_all (editor->table);
}

/* What channel c of a bank with that many channels reads from the image:
 * one channel is grey (luminance), two grey and alpha, three and four
 * red, green, blue (and alpha); more have no names. */
const char *
fm_dialog_channel_name (int channels, int c)
{
  static const char *names[4][4] = {
    { "grey" }, { "grey", "alpha" }, { "red", "green", "blue" },
    { "red", "green", "blue", "alpha" },
  };
  return channels >= 1 && channels <= 4 && c >= 0 && c < channels ? names[channels - 1][c] : NULL;
}

/* Everything from the model; `updating` keeps the widgets' own signals from
 * echoing back into it. */
static void
refill (FmDialogEditor *editor)
{
  FmDialogModel *m = editor->model;
  const FmBank *b = m->bank;
  gboolean has = b != NULL;

  gtk_widget_set_sensitive (editor->widget, has);
  if (!has)
    return;
  editor->updating = TRUE;

  /* Filters */
  GtkComboBox *combo = GTK_COMBO_BOX (editor->filter_combo);
  GtkListStore *store = GTK_LIST_STORE (gtk_combo_box_get_model (combo));
  gtk_list_store_clear (store);
  for (int k = 0; k < b->n_filters; k++)
    {
      g_autofree char *label = g_strdup_printf ("%d: %s", k + 1,
                                                b->filters[k].name ? b->filters[k].name : "");
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (combo), label);
    }
  gtk_combo_box_set_active (combo, m->filter);
  const char *name = b->filters[m->filter].name;
  if (g_strcmp0 (gtk_entry_get_text (GTK_ENTRY (editor->name_entry)), name ? name : ""))
    gtk_entry_set_text (GTK_ENTRY (editor->name_entry), name ? name : "");
  gtk_widget_set_sensitive (editor->remove_button, b->n_filters > 1);

  /* Shape */
  gtk_spin_button_set_range (GTK_SPIN_BUTTON (editor->rows_spin), 1,
                             MAX (FM_DIALOG_MAX_GRID, b->kh));
  gtk_spin_button_set_range (GTK_SPIN_BUTTON (editor->cols_spin), 1,
                             MAX (FM_DIALOG_MAX_GRID, b->kw));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (editor->rows_spin), b->kh);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (editor->cols_spin), b->kw);

  GtkComboBox *ch = GTK_COMBO_BOX (editor->channel_combo);
  gtk_list_store_clear (GTK_LIST_STORE (gtk_combo_box_get_model (ch)));
  for (int c = 0; c < b->channels; c++)
    {
      const char *cn = fm_dialog_channel_name (b->channels, c);
      g_autofree char *label = cn ? g_strdup_printf ("%d (%s)", c + 1, cn)
                                  : g_strdup_printf ("%d", c + 1);
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (ch), label);
    }
  gtk_combo_box_set_active (ch, m->channel);
  gtk_widget_set_visible (editor->channel_combo, b->channels > 1);
  gtk_widget_set_visible (editor->channel_label, b->channels > 1);

  g_autofree char *why = NULL;
  gboolean can_rotate = fm_dialog_model_can_rotate (m, &why);
  gtk_widget_set_sensitive (editor->rotate_cw, can_rotate);
  gtk_widget_set_sensitive (editor->rotate_ccw, can_rotate);
  gtk_widget_set_tooltip_text (editor->rotate_cw, can_rotate ? "Turn the filter 90° clockwise." : why);
  gtk_widget_set_tooltip_text (editor->rotate_ccw, can_rotate ? "Turn the filter 90° counter-clockwise." : why);

  /* Grid: at most MAX_GRID² entries; a larger kernel shows its centre. */
  int h = MIN (b->kh, FM_DIALOG_MAX_GRID), w = MIN (b->kw, FM_DIALOG_MAX_GRID);
  if (h != editor->grid_h || w != editor->grid_w)
    rebuild_grid (editor, h, w);
  editor->grid_y0 = (b->kh - h) / 2;
  editor->grid_x0 = (b->kw - w) / 2;
  editor->read_only = b->kh > FM_DIALOG_MAX_GRID || b->kw > FM_DIALOG_MAX_GRID;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        GtkWidget *e = editor->cells[y][x];
        mark_bad (e, NULL);
        set_entry_number (e, fm_dialog_model_get_weight (m, m->filter,
                                                         editor->grid_y0 + y,
                                                         editor->grid_x0 + x,
                                                         m->channel),
                          FM_DIALOG_CELL_CHARS);
        gtk_editable_set_editable (GTK_EDITABLE (e), !editor->read_only);
      }
  if (editor->read_only)
    {
      g_autofree char *note = g_strdup_printf (
        "A %d × %d kernel: the centre %d × %d is shown, read-only. "
        "Make it %d × %d or smaller to edit.", b->kh, b->kw, h, w,
        FM_DIALOG_MAX_GRID, FM_DIALOG_MAX_GRID);
      gtk_label_set_text (GTK_LABEL (editor->grid_note), note);
    }
  gtk_widget_set_visible (editor->grid_note, editor->read_only);
  colour_cells (editor);

  mark_bad (editor->bias_entry, NULL);
  mark_bad (editor->divisor_entry, NULL);
  set_entry_number (editor->bias_entry, b->filters[m->filter].bias, FM_DIALOG_SCALAR_CHARS);
  set_entry_number (editor->divisor_entry, b->filters[m->filter].divisor, FM_DIALOG_SCALAR_CHARS);

  editor->updating = FALSE;
  report_entries (editor);
}

static void
model_changed (FmDialogModel *model, guint changes, gpointer data)
{
  FmDialogEditor *editor = data;

  (void) model;
  /* An edit typed here is already on screen: re-writing its entry would
   * move the cursor under the user's fingers. */
  if (editor->updating)
    return;
  if (changes & (FM_DIALOG_CHANGE_BANK | FM_DIALOG_CHANGE_SHAPE |
                 FM_DIALOG_CHANGE_WEIGHTS | FM_DIALOG_CHANGE_SELECT |
                 FM_DIALOG_CHANGE_NAMES))
    refill (editor);
}

/* ---- buttons ------------------------------------------------------------ */

static void
filter_chosen (GtkComboBox *combo, FmDialogEditor *editor)
{
  if (!editor->updating && gtk_combo_box_get_active (combo) >= 0)
    fm_dialog_model_select (editor->model, gtk_combo_box_get_active (combo));
}

static void
channel_chosen (GtkComboBox *combo, FmDialogEditor *editor)
{
  if (!editor->updating && gtk_combo_box_get_active (combo) >= 0)
    fm_dialog_model_set_channel (editor->model, gtk_combo_box_get_active (combo));
}

static void
name_changed (GtkEntry *entry, FmDialogEditor *editor)
{
  if (editor->updating)
    return;
  /* The combo shows names too: refresh it, but leave the entry alone. */
  editor->updating = TRUE;
  fm_dialog_model_rename_filter (editor->model, editor->model->filter,
                                 gtk_entry_get_text (entry));
  GtkComboBox *combo = GTK_COMBO_BOX (editor->filter_combo);
  GtkTreeModel *tm = gtk_combo_box_get_model (combo);
  GtkTreeIter iter;
  if (gtk_combo_box_get_active_iter (combo, &iter))
    {
      g_autofree char *label = g_strdup_printf ("%d: %s", editor->model->filter + 1,
                                                gtk_entry_get_text (entry));
      gtk_list_store_set (GTK_LIST_STORE (tm), &iter, 0, label, -1);
    }
  editor->updating = FALSE;
}

static void
size_changed (GtkSpinButton *spin, FmDialogEditor *editor)
{
  (void) spin;
  if (editor->updating)
    return;
  fm_dialog_model_resize (editor->model,
                          gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (editor->rows_spin)),
                          gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (editor->cols_spin)));
}

static void
button_clicked (GtkButton *button, FmDialogEditor *editor)
{
  FmDialogModel *m = editor->model;
  GtkWidget *b = GTK_WIDGET (button);

  if (b == editor->add_button)
    fm_dialog_model_add_filter (m);
  else if (b == editor->duplicate_button)
    fm_dialog_model_duplicate_filter (m, m->filter);
  else if (b == editor->remove_button)
    fm_dialog_model_remove_filter (m, m->filter);
  else if (b == editor->rotate_cw || b == editor->rotate_ccw)
    fm_dialog_model_rotate (m, m->filter, b == editor->rotate_cw);
  else if (b == editor->flip_h || b == editor->flip_v)
    fm_dialog_model_flip (m, m->filter, b == editor->flip_h);
  else if (b == editor->normalize_button)
    fm_dialog_model_normalize (m, m->filter);
}

char *
fm_dialog_editor_save (FmDialogEditor *editor, const char *name,
                       GError **error)
{
  return fm_dialog_model_save (editor->model, name, error);
}

static void
save_clicked (GtkButton *button, FmDialogEditor *editor)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (button));
  GtkWidget *dlg = gtk_dialog_new_with_buttons (
    "Save Bank", GTK_WINDOW (toplevel), GTK_DIALOG_MODAL,
    "_Cancel", GTK_RESPONSE_CANCEL, "_Save", GTK_RESPONSE_OK, NULL);
  GtkWidget *vbox = fm_box_new (TRUE, 6);
  GtkWidget *entry = gtk_entry_new ();
  g_autofree char *where = g_strdup_printf (
    "The bank is saved as JSON in %s and then listed under “Mine”.",
    editor->model->user_dir);
  GtkWidget *label = gtk_label_new (where);

  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  fm_label_set_xalign (label, 0);
  gtk_entry_set_text (GTK_ENTRY (entry), editor->model->bank->name ? editor->model->bank->name : "");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_dialog_set_default_response (GTK_DIALOG (dlg), GTK_RESPONSE_OK);
  gtk_container_set_border_width (GTK_CONTAINER (vbox), 12);
  gtk_box_pack_start (GTK_BOX (vbox), gtk_label_new ("Name of the bank:"), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), entry, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dlg))),
                      vbox, TRUE, TRUE, 0);
  gtk_widget_show_all (vbox);

  if (gtk_dialog_run (GTK_DIALOG (dlg)) == GTK_RESPONSE_OK)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = fm_dialog_editor_save (editor, gtk_entry_get_text (GTK_ENTRY (entry)), &error);
      if (!path)
        {
          GtkWidget *msg = gtk_message_dialog_new (GTK_WINDOW (dlg), GTK_DIALOG_MODAL,
                                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                                   "%s", error->message);
          gtk_dialog_run (GTK_DIALOG (msg));
          gtk_widget_destroy (msg);
        }
    }
  gtk_widget_destroy (dlg);
}

/* ---- assembly ----------------------------------------------------------- */

static GtkWidget *
button (FmDialogEditor *editor, const char *label, const char *tip)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);
  gtk_widget_set_tooltip_text (b, tip);
  g_signal_connect (b, "clicked", G_CALLBACK (button_clicked), editor);
  return b;
}

static GtkWidget *
labelled (const char *text, GtkWidget *widget)
{
  GtkWidget *hbox = fm_box_new (FALSE, 4);
  GtkWidget *label = gtk_label_new_with_mnemonic (text);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_pack_start (GTK_BOX (hbox), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), widget, FALSE, FALSE, 0);
  return hbox;
}

FmDialogEditor *
fm_dialog_editor_new (FmDialogModel *model)
{
  FmDialogEditor *e = g_new0 (FmDialogEditor, 1);
  GtkWidget *vbox = fm_box_new (TRUE, 6), *row;

  e->model = model;

  /* Which filter */
  e->filter_combo = gtk_combo_box_text_new ();
  /* A fixed width whatever the filters are called: long names are cut in
   * the combo (the Name entry shows them whole), never the dialog resized. */
  GList *cells = gtk_cell_layout_get_cells (GTK_CELL_LAYOUT (e->filter_combo));
  for (GList *l = cells; l; l = l->next)
    g_object_set (l->data, "ellipsize", PANGO_ELLIPSIZE_END, "width-chars", 14, NULL);
  g_list_free (cells);
  g_signal_connect (e->filter_combo, "changed", G_CALLBACK (filter_chosen), e);
  e->name_entry = gtk_entry_new ();
  gtk_entry_set_width_chars (GTK_ENTRY (e->name_entry), 14);
  gtk_widget_set_tooltip_text (e->name_entry, "The filter's name: its layer is called “name · bank”.");
  g_signal_connect (e->name_entry, "changed", G_CALLBACK (name_changed), e);
  row = fm_box_new (FALSE, 6);
  gtk_box_pack_start (GTK_BOX (row), labelled ("_Filter", e->filter_combo), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), labelled ("_Name", e->name_entry), TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), row, FALSE, FALSE, 0);

  /* Filter list operations and kernel transforms */
  e->add_button = button (e, "_Add", "Add a filter (the identity: its map is the input).");
  e->duplicate_button = button (e, "D_uplicate", "Add a copy of this filter after it.");
  e->remove_button = button (e, "_Remove", "Remove this filter from the bank.");
  e->rotate_ccw = button (e, "⟲ 90°", "Turn the filter 90° counter-clockwise.");
  e->rotate_cw = button (e, "⟳ 90°", "Turn the filter 90° clockwise.");
  e->flip_h = button (e, "⇆", "Mirror the filter left to right.");
  e->flip_v = button (e, "⇅", "Mirror the filter top to bottom.");
  row = fm_box_new (FALSE, 3);
  GtkWidget *ops[] = { e->add_button, e->duplicate_button, e->remove_button,
                       e->rotate_ccw, e->rotate_cw, e->flip_h, e->flip_v };
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    gtk_box_pack_start (GTK_BOX (row), ops[i], FALSE, FALSE, i == 2 ? 6 : 0);
  gtk_box_pack_start (GTK_BOX (vbox), row, FALSE, FALSE, 0);

  /* Shape and channel */
  e->rows_spin = gtk_spin_button_new_with_range (1, FM_DIALOG_MAX_GRID, 1);
  e->cols_spin = gtk_spin_button_new_with_range (1, FM_DIALOG_MAX_GRID, 1);
  gtk_widget_set_tooltip_text (e->rows_spin, "Kernel rows (every filter of the bank; kept centred).");
  gtk_widget_set_tooltip_text (e->cols_spin, "Kernel columns (every filter of the bank; kept centred).");
  g_signal_connect (e->rows_spin, "value-changed", G_CALLBACK (size_changed), e);
  g_signal_connect (e->cols_spin, "value-changed", G_CALLBACK (size_changed), e);
  e->channel_combo = gtk_combo_box_text_new ();
  /* Shown for multi-channel banks only; showing the whole dialog must not
   * bring it back for a 1-channel one. */
  gtk_widget_set_no_show_all (e->channel_combo, TRUE);
  gtk_widget_set_tooltip_text (e->channel_combo, "The kernel's channel shown in the grid (3-D kernels).");
  g_signal_connect (e->channel_combo, "changed", G_CALLBACK (channel_chosen), e);
  row = fm_box_new (FALSE, 6);
  gtk_box_pack_start (GTK_BOX (row), labelled ("Si_ze", e->rows_spin), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), labelled ("×", e->cols_spin), FALSE, FALSE, 0);
  e->channel_label = gtk_label_new_with_mnemonic ("C_hannel");
  gtk_widget_set_no_show_all (e->channel_label, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (e->channel_label), e->channel_combo);
  gtk_box_pack_start (GTK_BOX (row), e->channel_label, FALSE, FALSE, 6);
  gtk_box_pack_start (GTK_BOX (row), e->channel_combo, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), row, FALSE, FALSE, 0);

  /* The grid, in a window of fixed size: a 15 × 15 kernel scrolls there
   * instead of stretching the dialog, and a 3 × 3 one sits in its middle. */
  GtkWidget *grid_scroll = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (grid_scroll),
                                  GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (grid_scroll, FM_DIALOG_GRID_WIDTH, FM_DIALOG_GRID_HEIGHT);
  GtkWidget *grid_box = fm_box_new (TRUE, 4);
  e->grid_frame = fm_centre_new ();
  gtk_box_pack_start (GTK_BOX (grid_box), e->grid_frame, TRUE, FALSE, 0);
  e->grid_note = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (e->grid_note), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (e->grid_note), 50);
  gtk_widget_set_no_show_all (e->grid_note, TRUE);
  gtk_box_pack_start (GTK_BOX (grid_box), e->grid_note, FALSE, FALSE, 0);
  fm_scrolled_add (grid_scroll, grid_box);
  gtk_box_pack_start (GTK_BOX (vbox), grid_scroll, FALSE, FALSE, 0);

  /* Bias, divisor */
  e->bias_entry = gtk_entry_new ();
  e->divisor_entry = gtk_entry_new ();
  gtk_entry_set_width_chars (GTK_ENTRY (e->bias_entry), FM_DIALOG_SCALAR_CHARS);
  gtk_entry_set_width_chars (GTK_ENTRY (e->divisor_entry), FM_DIALOG_SCALAR_CHARS);
  gtk_widget_set_tooltip_text (e->bias_entry, "Added to the filter's response, before the activation.");
  gtk_widget_set_tooltip_text (e->divisor_entry, "The weighted sum is divided by this (GIMP's Convolution Matrix divisor).");
  g_signal_connect (e->bias_entry, "changed", G_CALLBACK (scalar_changed), e);
  g_signal_connect (e->divisor_entry, "changed", G_CALLBACK (scalar_changed), e);
  e->normalize_button = button (e, "Nor_malize", "Set the divisor to the sum of the weights (1 when they sum to 0), so a blur keeps the brightness.");
  row = fm_box_new (FALSE, 6);
  gtk_box_pack_start (GTK_BOX (row), labelled ("_Bias", e->bias_entry), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), labelled ("Di_visor", e->divisor_entry), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (row), e->normalize_button, FALSE, FALSE, 0);
  e->save_button = gtk_button_new_with_mnemonic ("_Save bank…");
  gtk_widget_set_tooltip_text (e->save_button, "Save the edited bank in your own folder; it is then listed under “Mine”.");
  g_signal_connect (e->save_button, "clicked", G_CALLBACK (save_clicked), e);
  gtk_box_pack_end (GTK_BOX (row), e->save_button, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), row, FALSE, FALSE, 0);

  e->widget = gimp_frame_new ("Kernel");
  gtk_container_add (GTK_CONTAINER (e->widget), vbox);
  gtk_widget_show_all (e->widget);

  fm_dialog_model_add_listener (model, model_changed, e);
  refill (e);
  return e;
}

void
fm_dialog_editor_free (FmDialogEditor *editor)
{
  g_free (editor);
}
