/* fm-dialog-net-view: the network panel — its layer list, filters,
 * preprocessing and assembly; the channels, their ranking and the summary
 * are fm-dialog-net-channels.c's. */
#include "net/fm-dialog-net-view.h"
#include "fm-sheet.h"

#include <math.h>
#include <string.h>

#define FILTERS_SIDE 320     /* the filter sheet's longest side, pixels */

/* ---- the layer list ------------------------------------------------------ */

static void
fill_layers (FmDialogNetView *v)
{
  FmDialogNet *net = v->model->net;
  gtk_list_store_clear (v->layer_store);
  for (guint i = 0; net && i < net->layers->len; i++)
    {
      const FmNetLayerInfo *info = g_ptr_array_index (net->layers, i);
      g_autofree char *channels = info->unsupported ? g_strdup ("–")
                                                    : g_strdup_printf ("%d", info->channels);
      g_autofree char *scale = info->unsupported ? g_strdup ("–")
        : g_strdup_printf ("%d × %d", info->stride_y, info->stride_x);
      g_autofree char *tip = info->unsupported
        ? g_strdup_printf ("%s (%s): not run: %s", info->name, info->op, info->unsupported)
        : g_strdup_printf ("%s (%s): %d channels; one map pixel steps %d × %d image "
                           "pixels and sees %d × %d of them", info->name, info->op,
                           info->channels, info->stride_y, info->stride_x,
                           info->field_h, info->field_w);
      gtk_list_store_insert_with_values (v->layer_store, NULL, -1,
                                         FM_NET_LAYER_COL_INDEX, info->index,
                                         FM_NET_LAYER_COL_NAME, info->name,
                                         FM_NET_LAYER_COL_OP, info->op,
                                         FM_NET_LAYER_COL_CHANNELS, channels,
                                         FM_NET_LAYER_COL_SCALE, scale,
                                         FM_NET_LAYER_COL_TOOLTIP, tip,
                                         FM_NET_LAYER_COL_RUNS, info->unsupported == NULL,
                                         -1);
    }
}

/* The list's selection follows the model's picks. */
static void
show_layer_picks (FmDialogNetView *v)
{
  FmDialogNet *net = v->model->net;
  GtkTreeSelection *sel = gtk_tree_view_get_selection (GTK_TREE_VIEW (v->layer_view));
  GtkTreeIter iter;
  gboolean more = gtk_tree_model_get_iter_first (GTK_TREE_MODEL (v->layer_store), &iter);

  v->updating = TRUE;
  for (int i = 0; more; i++)
    {
      if (net && fm_dialog_net_is_picked (net, i))
        gtk_tree_selection_select_iter (sel, &iter);
      else
        gtk_tree_selection_unselect_iter (sel, &iter);
      more = gtk_tree_model_iter_next (GTK_TREE_MODEL (v->layer_store), &iter);
    }
  v->updating = FALSE;
}

static gboolean
layer_selectable (GtkTreeSelection *sel, GtkTreeModel *model, GtkTreePath *path,
                  gboolean selected, gpointer data)
{
  GtkTreeIter iter;
  gboolean runs = FALSE;
  (void) sel;
  (void) data;
  /* A layer featuremaps does not run can be looked at (its tooltip says
   * why) but not picked; unselecting is always allowed. */
  if (selected)
    return TRUE;
  if (gtk_tree_model_get_iter (model, &iter, path))
    gtk_tree_model_get (model, &iter, FM_NET_LAYER_COL_RUNS, &runs, -1);
  return runs;
}

static void
layers_selected (GtkTreeSelection *sel, FmDialogNetView *v)
{
  if (v->updating || !v->model->net)
    return;
  GtkTreeModel *model;
  GList *rows = gtk_tree_selection_get_selected_rows (sel, &model);
  int n = g_list_length (rows), i = 0;
  g_autofree int *layers = g_new (int, MAX (n, 1));
  for (GList *l = rows; l; l = l->next)
    layers[i++] = gtk_tree_path_get_indices (l->data)[0];
  g_list_free_full (rows, (GDestroyNotify) gtk_tree_path_free);

  /* The layer clicked last (the cursor) is the one whose channels show. */
  GtkTreePath *cursor = NULL;
  gtk_tree_view_get_cursor (GTK_TREE_VIEW (v->layer_view), &cursor, NULL);
  int current = cursor ? gtk_tree_path_get_indices (cursor)[0] : -1;
  if (cursor)
    gtk_tree_path_free (cursor);
  fm_dialog_model_net_set_layers (v->model, layers, n);
  fm_dialog_model_net_set_current (v->model, current);
}

void
fm_dialog_net_view_select_layers (FmDialogNetView *v, const int *layers, int n)
{
  GtkTreeSelection *sel = gtk_tree_view_get_selection (GTK_TREE_VIEW (v->layer_view));
  v->updating = TRUE;
  /* The cursor first (placing it selects its row alone), on the last one:
   * a click there would put it there too. */
  if (n > 0)
    {
      GtkTreePath *path = gtk_tree_path_new_from_indices (layers[n - 1], -1);
      gtk_tree_view_set_cursor (GTK_TREE_VIEW (v->layer_view), path, NULL, FALSE);
      gtk_tree_path_free (path);
    }
  gtk_tree_selection_unselect_all (sel);
  for (int i = 0; i < n; i++)
    {
      GtkTreePath *path = gtk_tree_path_new_from_indices (layers[i], -1);
      gtk_tree_selection_select_path (sel, path);
      gtk_tree_path_free (path);
    }
  v->updating = FALSE;
  layers_selected (sel, v);
}

/* ---- the filters ---------------------------------------------------------------- */

static void
show_filters (FmDialogNetView *v)
{
  FmDialogNet *net = v->model->net;
  const FmNetLayerInfo *info = net ? fm_dialog_net_layer (net, net->current) : NULL;
  g_autoptr (GError) error = NULL;
  const char *conv = NULL;

  gtk_image_clear (GTK_IMAGE (v->filters_image));
  if (!info)
    {
      gtk_label_set_text (GTK_LABEL (v->filters_status), "");
      return;
    }
  const FmTensor *t = fm_sheet_layer_weights (net->graph->graph, info->name, &conv, &error);
  int width = 0, height = 0;
  FmSheetLayout used;
  /* The core's sheet (what `featuremaps info MODEL#LAYER --sheet` writes):
   * RGB tiles for a first layer, a filter × channel grid on the diverging
   * scale deeper. */
  FmSheetOptions options = { FM_SHEET_AUTO, 0, 1, FILTERS_SIDE };
  g_autofree float *sheet = t ? fm_sheet_render (t->f, (int) t->dims[0], (int) t->dims[1],
                                                 (int) t->dims[2], (int) t->dims[3],
                                                 &options, &width, &height, &used, &error)
                              : NULL;
  if (!sheet)
    {
      gtk_label_set_text (GTK_LABEL (v->filters_status), error->message);
      return;
    }
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guchar *px = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width * 3; x++)
      px[(gsize) y * stride + x] =
        (guchar) lrintf (CLAMP (sheet[(gsize) y * width * 3 + x], 0.0f, 1.0f) * 255.0f);
  gtk_image_set_from_pixbuf (GTK_IMAGE (v->filters_image), pixbuf);
  g_object_unref (pixbuf);
  g_autofree char *status = g_strdup_printf (
    used == FM_SHEET_RGB
      ? "%s: %d filters of %d × %d, their RGB weights (grey is 0). Read-only."
      : "%s: %d filters (rows) × %d channels of %d × %d; blue negative, red positive. "
        "Read-only.",
    conv, (int) t->dims[0], used == FM_SHEET_RGB ? (int) t->dims[2] : (int) t->dims[1],
    used == FM_SHEET_RGB ? (int) t->dims[3] : (int) t->dims[2], (int) t->dims[3]);
  gtk_label_set_text (GTK_LABEL (v->filters_status), status);
}

/* ---- preprocessing ------------------------------------------------------------ */

static void
prep_chosen (GtkComboBox *combo, FmDialogNetView *v)
{
  int active = gtk_combo_box_get_active (combo);
  if (v->updating || active < 0)
    return;
  fm_dialog_model_net_set_prep (v->model, (FmNetPrep) active);
  fm_dialog_net_view_rank (v);
}

/* ---- keeping in step ------------------------------------------------------------ */

static void
show_spec (FmDialogNetView *v)
{
  FmDialogNet *net = v->model->net;
  g_autofree char *spec = net ? fm_dialog_net_spec (net) : NULL;
  /* The model's file name and the layers: a layer name may hold '/'. */
  g_autofree char *file = net ? g_path_get_basename (net->path) : NULL;
  g_autofree char *base = net ? g_strconcat (file, spec + strlen (net->path), NULL) : NULL;
  g_autofree char *markup = g_markup_printf_escaped ("<small>Kernel: <tt>%s</tt></small>",
                                                     base ? base : "");
  gtk_label_set_markup (GTK_LABEL (v->spec_label), markup);
  gtk_widget_set_tooltip_text (v->spec_label, spec);
}

void
fm_dialog_net_view_sync (FmDialogNetView *v)
{
  gboolean net = v->model->net != NULL;
  gtk_widget_set_visible (v->widget, net);
  if (v->replaces)
    gtk_widget_set_visible (v->replaces, !net);
}

static void
model_changed (FmDialogModel *model, guint changes, gpointer data)
{
  FmDialogNetView *v = data;
  FmDialogNet *net = model->net;

  if (changes & FM_DIALOG_CHANGE_BANK)
    {
      /* another kernel: a listing of the new model, or nothing */
      g_clear_pointer (&v->rank, g_free);
      g_clear_pointer (&v->summary, g_free);
      fm_dialog_net_view_show_summary (v, NULL, NULL);
      v->rank_layer = -1;
      v->shown_layer = -2;
      fill_layers (v);
      v->updating = TRUE;
      if (net)
        gtk_combo_box_set_active (GTK_COMBO_BOX (v->prep_combo), net->prep);
      v->updating = FALSE;
      fm_dialog_net_view_sync (v);
    }
  if (!net)
    return;
  if (changes & (FM_DIALOG_CHANGE_BANK | FM_DIALOG_CHANGE_NET))
    show_layer_picks (v);
  if (changes & (FM_DIALOG_CHANGE_NET | FM_DIALOG_CHANGE_SELECT | FM_DIALOG_CHANGE_BANK))
    {
      show_spec (v);
      if (net->current != v->shown_layer)
        {
          v->shown_layer = net->current;
          fm_dialog_net_channels_fill (v);
          show_filters (v);
          fm_dialog_net_view_rank (v);
        }
      else if (!v->updating)
        fm_dialog_net_channels_fill (v);
    }
}

/* ---- building ---------------------------------------------------------------- */

GtkWidget *
fm_dialog_net_scrolled (GtkWidget *child, int width, int height)
{
  GtkWidget *s = gtk_scrolled_window_new (NULL, NULL);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (s), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_shadow_type (GTK_SCROLLED_WINDOW (s), GTK_SHADOW_IN);
  gtk_widget_set_size_request (s, width, height);
  if (GTK_IS_TREE_VIEW (child))   /* scrolls itself */
    gtk_container_add (GTK_CONTAINER (s), child);
  else
    fm_scrolled_add (s, child);
  return s;
}

void
fm_dialog_net_text_column (GtkWidget *view, const char *title, int col, int sort)
{
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  GtkTreeViewColumn *c = gtk_tree_view_column_new_with_attributes (title, cell, "text", col,
                                                                   NULL);
  if (sort >= 0)
    gtk_tree_view_column_set_sort_column_id (c, sort);
  gtk_tree_view_append_column (GTK_TREE_VIEW (view), c);
}

static GtkWidget *
layer_list (FmDialogNetView *v)
{
  v->layer_store = gtk_list_store_new (FM_NET_LAYER_N_COLS, G_TYPE_INT, G_TYPE_STRING,
                                       G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                       G_TYPE_STRING, G_TYPE_BOOLEAN);
  v->layer_view = gtk_tree_view_new_with_model (GTK_TREE_MODEL (v->layer_store));
  fm_dialog_net_text_column (v->layer_view, "#", FM_NET_LAYER_COL_INDEX, -1);
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_START, "width-chars", 14, NULL);
  GtkTreeViewColumn *c = gtk_tree_view_column_new_with_attributes (
    "Layer", cell, "text", FM_NET_LAYER_COL_NAME, "sensitive", FM_NET_LAYER_COL_RUNS, NULL);
  gtk_tree_view_column_set_expand (c, TRUE);
  gtk_tree_view_column_set_resizable (c, TRUE);
  gtk_tree_view_append_column (GTK_TREE_VIEW (v->layer_view), c);
  fm_dialog_net_text_column (v->layer_view, "Operation", FM_NET_LAYER_COL_OP, -1);
  fm_dialog_net_text_column (v->layer_view, "Channels", FM_NET_LAYER_COL_CHANNELS, -1);
  fm_dialog_net_text_column (v->layer_view, "Scale", FM_NET_LAYER_COL_SCALE, -1);
  gtk_tree_view_set_tooltip_column (GTK_TREE_VIEW (v->layer_view), FM_NET_LAYER_COL_TOOLTIP);
  GtkTreeSelection *sel = gtk_tree_view_get_selection (GTK_TREE_VIEW (v->layer_view));
  gtk_tree_selection_set_mode (sel, GTK_SELECTION_MULTIPLE);
  gtk_tree_selection_set_select_function (sel, layer_selectable, v, NULL);
  g_signal_connect (sel, "changed", G_CALLBACK (layers_selected), v);
  return fm_dialog_net_scrolled (v->layer_view, NET_LIST_WIDTH, 150);
}

FmDialogNetView *
fm_dialog_net_view_new (FmDialogModel *model, FmDialogSource *source,
                        FmDialogPreview *preview, GtkWidget *replaces)
{
  FmDialogNetView *v = g_new0 (FmDialogNetView, 1);
  v->model = model;
  v->source = source;
  v->preview = preview;
  v->replaces = replaces;
  v->rank_layer = -1;
  v->shown_layer = -2;

  GtkWidget *vbox = fm_box_new (TRUE, 4);
  gtk_container_set_border_width (GTK_CONTAINER (vbox), 4);
  gtk_box_pack_start (GTK_BOX (vbox), layer_list (v), TRUE, TRUE, 0);
  v->spec_label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (v->spec_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_selectable (GTK_LABEL (v->spec_label), TRUE);
  fm_label_set_xalign (v->spec_label, 0);
  gtk_box_pack_start (GTK_BOX (vbox), v->spec_label, FALSE, FALSE, 0);

  GtkWidget *prep_row = fm_box_new (FALSE, 6);
  v->prep_combo = gtk_combo_box_text_new ();
  for (int p = 0; p < FM_NET_PREP_N; p++)
    gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (v->prep_combo), fm_net_prep_label (p));
  gtk_widget_set_tooltip_text (v->prep_combo,
                               "How pixels are prepared for the network's first layer. "
                               "Remembered for this model, and used by the procedure too.");
  g_signal_connect (v->prep_combo, "changed", G_CALLBACK (prep_chosen), v);
  gtk_box_pack_start (GTK_BOX (prep_row), gtk_label_new ("Input:"), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (prep_row), v->prep_combo, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), prep_row, FALSE, FALSE, 0);

  gtk_box_pack_start (GTK_BOX (vbox), fm_dialog_net_channels_section (v), TRUE, TRUE, 0);

  v->filters_image = gtk_image_new ();
  gtk_box_pack_start (GTK_BOX (vbox), fm_dialog_net_scrolled (v->filters_image, NET_LIST_WIDTH, 110),
                      FALSE, FALSE, 0);
  v->filters_status = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (v->filters_status), TRUE);
  gtk_widget_set_size_request (v->filters_status, NET_LIST_WIDTH, -1);
  fm_label_set_xalign (v->filters_status, 0);
  gtk_box_pack_start (GTK_BOX (vbox), v->filters_status, FALSE, FALSE, 0);

  v->widget = gimp_frame_new ("Network");
  gtk_container_add (GTK_CONTAINER (v->widget), vbox);
  gtk_widget_show_all (vbox);
  gtk_widget_set_no_show_all (v->widget, TRUE);

  fm_dialog_model_add_listener (model, model_changed, v);
  model_changed (model, FM_DIALOG_CHANGE_BANK | FM_DIALOG_CHANGE_NET, v);
  return v;
}

void
fm_dialog_net_view_free (FmDialogNetView *v)
{
  if (!v)
    return;
  g_atomic_int_inc (&v->rank_generation);
  while (v->rank_running > 0)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (v->layer_store);
  g_object_unref (v->channel_store);
  g_free (v->rank);
  g_free (v->summary);
  g_free (v);
}
