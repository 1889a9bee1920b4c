/* fm-dialog-chooser: every preset bank, grouped by kind, with thumbnails of
 * its kernels, and "Load kernel file…" for banks outside the search path. */
#include "fm-dialog-private.h"
#include "fm-formats.h"

#include <math.h>
#include <string.h>

#define THUMB_SIZE 22
#define THUMB_MAX  6
/* Titles wrap at this width rather than being cut ("Gabor line detecte…"). */
#define TITLE_WRAP_WIDTH 200

static const struct { const char *kind, *title; } groups[] = {
  { "lines-edges", "Lines and edges" },
  { "blur-sharpen", "Blur and sharpen" },
  { "emboss", "Emboss" },
  { "learned", "Learned" },
  { "other", "Other" },
  { "mine", "Mine" },
};

static int
group_of (const FmPresetInfo *info)
{
  if (g_strcmp0 (info->where, "user") == 0)
    return G_N_ELEMENTS (groups) - 1;
  for (guint g = 0; g < G_N_ELEMENTS (groups) - 1; g++)
    if (g_strcmp0 (info->kind, groups[g].kind) == 0)
      return g;
  return 4; /* other */
}

static void
add_preset (FmDialogChooser *chooser, GtkTreeIter *parent,
            const FmPresetInfo *info)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FmBank) bank = fm_bank_load (info->path, chooser->model->user_dir,
                                          &error);
  GdkPixbuf *thumb = bank ? fm_dialog_thumb_strip (bank, THUMB_SIZE, THUMB_MAX)
                          : NULL;
  g_autofree char *depth = bank && bank->channels > 1
    ? g_strdup_printf (" × %d", bank->channels) : g_strdup ("");
  g_autofree char *shape = bank
    ? g_strdup_printf ("%d filter%s · %d × %d%s", bank->n_filters,
                       bank->n_filters == 1 ? "" : "s", bank->kh, bank->kw,
                       depth)
    : g_strdup ("cannot be read");
  g_autofree char *markup =
    g_markup_printf_escaped ("%s\n<small>%s · %s</small>",
                             info->title ? info->title : info->name,
                             info->name, shape);
  g_autofree char *tooltip = g_markup_escape_text (
    bank ? (info->description ? info->description : info->path)
         : error->message, -1);
  GtkTreeIter iter;

  gtk_tree_store_append (chooser->store, &iter, parent);
  gtk_tree_store_set (chooser->store, &iter,
                      FM_CHOOSER_COL_TITLE, markup,
                      FM_CHOOSER_COL_NAME, info->name,
                      FM_CHOOSER_COL_PATH, info->path,
                      FM_CHOOSER_COL_THUMB, thumb,
                      FM_CHOOSER_COL_TOOLTIP, tooltip, -1);
  if (thumb)
    g_object_unref (thumb);
}

void
fm_dialog_chooser_refresh (FmDialogChooser *chooser)
{
  GPtrArray *presets = fm_presets_list (chooser->model->user_dir);
  GtkTreeIter parents[G_N_ELEMENTS (groups)];
  gboolean used[G_N_ELEMENTS (groups)] = { FALSE };

  chooser->updating = TRUE;
  gtk_tree_store_clear (chooser->store);
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint i = 0; i < presets->len; i++)
      {
        const FmPresetInfo *info = presets->pdata[i];
        /* The remembered last edit lives in the user folder too; it is
         * state, not a bank the user made. */
        if (info->name[0] == '.' || group_of (info) != (int) g)
          continue;
        if (!used[g])
          {
            g_autofree char *title =
              g_markup_printf_escaped ("<b>%s</b>", groups[g].title);
            gtk_tree_store_append (chooser->store, &parents[g], NULL);
            gtk_tree_store_set (chooser->store, &parents[g],
                                FM_CHOOSER_COL_TITLE, title, -1);
            used[g] = TRUE;
          }
        add_preset (chooser, &parents[g], info);
      }
  g_ptr_array_unref (presets);
  gtk_tree_view_expand_all (GTK_TREE_VIEW (chooser->view));
  chooser->updating = FALSE;
}

/* Find the row of a preset name or path. */
static gboolean
find_row (FmDialogChooser *chooser, const char *spec, GtkTreeIter *found)
{
  GtkTreeModel *tm = GTK_TREE_MODEL (chooser->store);
  GtkTreeIter group, iter;

  if (!spec || !gtk_tree_model_get_iter_first (tm, &group))
    return FALSE;
  do
    if (gtk_tree_model_iter_children (tm, &iter, &group))
      do
        {
          g_autofree char *name = NULL, *path = NULL;
          gtk_tree_model_get (tm, &iter, FM_CHOOSER_COL_NAME, &name,
                              FM_CHOOSER_COL_PATH, &path, -1);
          if (g_strcmp0 (name, spec) == 0 || g_strcmp0 (path, spec) == 0)
            {
              *found = iter;
              return TRUE;
            }
        }
      while (gtk_tree_model_iter_next (tm, &iter));
  while (gtk_tree_model_iter_next (tm, &group));
  return FALSE;
}

static void
show_current (FmDialogChooser *chooser)
{
  GtkTreeSelection *sel =
    gtk_tree_view_get_selection (GTK_TREE_VIEW (chooser->view));
  GtkTreeIter iter;

  chooser->updating = TRUE;
  if (!chooser->model->edited && find_row (chooser, chooser->model->spec, &iter))
    {
      GtkTreePath *path = gtk_tree_model_get_path (GTK_TREE_MODEL (chooser->store), &iter);
      gtk_tree_selection_select_iter (sel, &iter);
      gtk_tree_view_scroll_to_cell (GTK_TREE_VIEW (chooser->view), path, NULL,
                                    FALSE, 0, 0);
      gtk_tree_path_free (path);
    }
  else
    gtk_tree_selection_unselect_all (sel);
  chooser->updating = FALSE;
}

static void
selection_changed (GtkTreeSelection *sel, FmDialogChooser *chooser)
{
  GtkTreeModel *tm;
  GtkTreeIter iter;
  g_autofree char *name = NULL, *path = NULL;

  if (chooser->updating || !gtk_tree_selection_get_selected (sel, &tm, &iter))
    return;
  gtk_tree_model_get (tm, &iter, FM_CHOOSER_COL_NAME, &name,
                      FM_CHOOSER_COL_PATH, &path, -1);
  if (!name)
    return; /* a group title */

  /* Remember the name the user knows ("sobel") unless an earlier folder
   * holds a bank of the same name, which the name would find instead. */
  g_autofree char *found = fm_presets_find (name, chooser->model->user_dir, NULL);
  const char *spec = g_strcmp0 (found, path) == 0 ? name : path;
  if (g_strcmp0 (spec, chooser->model->spec) == 0 && !chooser->model->edited &&
      !chooser->model->load_error)
    return;
  fm_dialog_model_load (chooser->model, spec, TRUE, NULL);
}

gboolean
fm_dialog_chooser_select (FmDialogChooser *chooser, const char *name)
{
  GtkTreeSelection *sel =
    gtk_tree_view_get_selection (GTK_TREE_VIEW (chooser->view));
  GtkTreeIter iter;

  if (!find_row (chooser, name, &iter))
    return FALSE;
  gtk_tree_selection_unselect_all (sel);
  gtk_tree_selection_select_iter (sel, &iter);
  return TRUE;
}

char *
fm_dialog_chooser_group_of (FmDialogChooser *chooser, const char *name)
{
  GtkTreeModel *tm = GTK_TREE_MODEL (chooser->store);
  GtkTreeIter iter, parent;
  char *markup = NULL, *text = NULL;

  if (!find_row (chooser, name, &iter) ||
      !gtk_tree_model_iter_parent (tm, &parent, &iter))
    return NULL;
  gtk_tree_model_get (tm, &parent, FM_CHOOSER_COL_TITLE, &markup, -1);
  pango_parse_markup (markup, -1, 0, NULL, &text, NULL, NULL);
  g_free (markup);
  return text;
}

gboolean
fm_dialog_chooser_file_ok (const char *path)
{
  return path && *path && !g_file_test (path, G_FILE_TEST_IS_DIR);
}

gboolean
fm_dialog_chooser_load_file (FmDialogChooser *chooser, const char *path,
                             FmWeightsLayout layout)
{
  if (!fm_dialog_chooser_file_ok (path))
    return FALSE;
  return fm_dialog_model_load_file (chooser->model, path, layout, NULL);
}

/* kind −1: banks and networks */
static GtkFileFilter *
file_filter (int kind)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  g_autofree char *banks = fm_formats_suffixes (FM_FORMAT_BANK, FALSE, ", *");
  g_autofree char *models = fm_formats_suffixes (FM_FORMAT_MODEL, FALSE, ", *");
  g_autofree char *name =
    kind == FM_FORMAT_BANK ? g_strdup_printf ("Kernel banks (*%s)", banks)
    : kind == FM_FORMAT_MODEL ? g_strdup_printf ("Networks (*%s)", models)
    : g_strdup ("Kernel banks and networks");
  gtk_file_filter_set_name (filter, name);
  for (const FmFormat *const *f = fm_formats (); *f; f++)
    for (int i = 0; (kind < 0 || (int) (*f)->kind == kind) && (*f)->suffixes && (*f)->suffixes[i]; i++)
      {
        g_autofree char *pattern = g_strconcat ("*", (*f)->suffixes[i], NULL);
        gtk_file_filter_add_pattern (filter, pattern);
      }
  return filter;
}

static void
load_clicked (GtkButton *button, FmDialogChooser *chooser)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (button));
  GtkWidget *dlg = gtk_file_chooser_dialog_new (
    "Load Kernel File", GTK_WINDOW (toplevel), GTK_FILE_CHOOSER_ACTION_OPEN,
    "_Cancel", GTK_RESPONSE_CANCEL, "_Open", GTK_RESPONSE_ACCEPT,
    NULL);
  const char *layouts[] = { "auto (documented rule)", "hwio (Keras)", "oihw (PyTorch)" };

  /* Every bank and model format of the core's registry, by its suffixes:
   * both at once first, then each kind alone (a model's layers are picked
   * in the network panel, net/fm-dialog-net-view.c). */
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dlg), file_filter (-1));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dlg), file_filter (FM_FORMAT_BANK));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dlg), file_filter (FM_FORMAT_MODEL));
  g_autofree char *weights = fm_formats_suffixes (FM_FORMAT_BANK, TRUE, ", ");
  g_autofree char *weights_or = fm_formats_suffixes (FM_FORMAT_BANK, TRUE, " / ");
  g_autofree char *layout_tip = g_strdup_printf ("How a %s array orders its axes: Keras "
                                                 "saves kh, kw, C, K; PyTorch saves K, C, "
                                                 "kh, kw. Other banks ignore this.", weights_or);
  g_autofree char *layout_label = g_strdup_printf ("Weights layout (%s):", weights);

  /* Learned weights do not always say whose layout they use. */
  GtkWidget *hbox = fm_box_new (FALSE, 6);
  GtkWidget *combo = gimp_int_combo_box_new_array (3, layouts);
  gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo), FM_LAYOUT_AUTO);
  gtk_widget_set_tooltip_text (combo, layout_tip);
  gtk_box_pack_start (GTK_BOX (hbox), gtk_label_new (layout_label), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), combo, FALSE, FALSE, 0);
  gtk_widget_show_all (hbox);
  gtk_file_chooser_set_extra_widget (GTK_FILE_CHOOSER (dlg), hbox);

  /* Open with nothing selected (or a folder) gives no file name: the
   * dialog stays open until there is one or the user cancels. */
  while (gtk_dialog_run (GTK_DIALOG (dlg)) == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (dlg));
      int layout = FM_LAYOUT_AUTO;
      if (!fm_dialog_chooser_file_ok (path))
        continue;
      gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combo), &layout);
      fm_dialog_chooser_load_file (chooser, path, layout);
      break;
    }
  gtk_widget_destroy (dlg);
}

static void
model_changed (FmDialogModel *model, guint changes, gpointer data)
{
  FmDialogChooser *chooser = data;

  (void) model;
  if (changes & FM_DIALOG_CHANGE_PRESETS)
    fm_dialog_chooser_refresh (chooser);
  if (changes & (FM_DIALOG_CHANGE_BANK | FM_DIALOG_CHANGE_PRESETS |
                 FM_DIALOG_CHANGE_WEIGHTS | FM_DIALOG_CHANGE_SHAPE))
    show_current (chooser);
}

#if !FM_GTK3
static double
luma (const GdkColor *c)
{
  return (0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue) / 65535.0;
}

/* Some themes (GIMP 2.10's dark one) draw the selected row of an unfocused
 * list in colours too close to read — and a dialog opened without a window
 * manager (the smoke test) never has focus.  Pick black or white text then. */
static void
keep_selection_readable (GtkWidget *view, GtkStyle *previous, gpointer data)
{
  GtkStyle *style = gtk_widget_get_style (view);
  GdkColor black = { 0, 0, 0, 0 }, white = { 0, 0xffff, 0xffff, 0xffff };
  const GtkStateType states[] = { GTK_STATE_ACTIVE, GTK_STATE_SELECTED };

  (void) previous;
  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      double bg = luma (&style->base[states[i]]), fg = luma (&style->text[states[i]]);
      if (fabs (bg - fg) < 0.4)
        gtk_widget_modify_text (view, states[i], bg > 0.5 ? &black : &white);
    }
}
#endif

FmDialogChooser *
fm_dialog_chooser_new (FmDialogModel *model)
{
  FmDialogChooser *chooser = g_new0 (FmDialogChooser, 1);
  GtkWidget *vbox, *scrolled;
  GtkTreeViewColumn *column;
  GtkCellRenderer *cell;

  chooser->model = model;
  chooser->store = gtk_tree_store_new (FM_CHOOSER_N_COLS, G_TYPE_STRING,
                                       G_TYPE_STRING, G_TYPE_STRING,
                                       GDK_TYPE_PIXBUF, G_TYPE_STRING);
  chooser->view = gtk_tree_view_new_with_model (GTK_TREE_MODEL (chooser->store));
  gtk_tree_view_set_headers_visible (GTK_TREE_VIEW (chooser->view), FALSE);
  gtk_tree_view_set_tooltip_column (GTK_TREE_VIEW (chooser->view),
                                    FM_CHOOSER_COL_TOOLTIP);

  column = gtk_tree_view_column_new ();
  /* Long titles wrap onto a second line: a bank's name is what the user
   * picks by, so it is never cut off. */
  cell = gtk_cell_renderer_text_new ();
  g_object_set (cell, "wrap-mode", PANGO_WRAP_WORD_CHAR,
                "wrap-width", TITLE_WRAP_WIDTH, NULL);
  chooser->title_cell = cell;
  gtk_tree_view_column_pack_start (column, cell, TRUE);
  gtk_tree_view_column_add_attribute (column, cell, "markup", FM_CHOOSER_COL_TITLE);
  cell = gtk_cell_renderer_pixbuf_new ();
  g_object_set (cell, "xalign", 0.0, NULL);
  gtk_tree_view_column_pack_start (column, cell, FALSE);
  gtk_tree_view_column_add_attribute (column, cell, "pixbuf", FM_CHOOSER_COL_THUMB);
  gtk_tree_view_column_set_sizing (column, GTK_TREE_VIEW_COLUMN_FIXED);
  gtk_tree_view_column_set_expand (column, TRUE);
  gtk_tree_view_append_column (GTK_TREE_VIEW (chooser->view), column);

#if !FM_GTK3
  g_signal_connect (chooser->view, "style-set", G_CALLBACK (keep_selection_readable), NULL);
#endif
  g_signal_connect (gtk_tree_view_get_selection (GTK_TREE_VIEW (chooser->view)),
                    "changed", G_CALLBACK (selection_changed), chooser);

  scrolled = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (scrolled), GTK_SHADOW_IN);
  gtk_container_add (GTK_CONTAINER (scrolled), chooser->view);
  gtk_widget_set_size_request (scrolled, TITLE_WRAP_WIDTH + THUMB_MAX * (THUMB_SIZE + 3) + 24, 380);

  chooser->load_button = gtk_button_new_with_mnemonic ("_Load kernel file…");
  g_autofree char *banks = fm_formats_suffixes (FM_FORMAT_BANK, FALSE, ", ");
  g_autofree char *load_tip = g_strdup_printf ("Open a bank file or learned weights from "
                                               "Keras or PyTorch (%s).", banks);
  gtk_widget_set_tooltip_text (chooser->load_button, load_tip);
  g_signal_connect (chooser->load_button, "clicked", G_CALLBACK (load_clicked), chooser);

  vbox = fm_box_new (TRUE, 6);
  gtk_box_pack_start (GTK_BOX (vbox), scrolled, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), chooser->load_button, FALSE, FALSE, 0);

  chooser->widget = gimp_frame_new ("Kernel bank");
  gtk_container_add (GTK_CONTAINER (chooser->widget), vbox);

  fm_dialog_chooser_refresh (chooser);
  fm_dialog_model_add_listener (model, model_changed, chooser);
  show_current (chooser);
  return chooser;
}

void
fm_dialog_chooser_free (FmDialogChooser *chooser)
{
  if (!chooser)
    return;
  g_object_unref (chooser->store);
  g_free (chooser);
}
