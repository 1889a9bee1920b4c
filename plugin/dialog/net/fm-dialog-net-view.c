/* fm-dialog-net-view: the network panel — layers, channels ranked on the
 * preview's rectangle, filters, preprocessing. */
#include "net/fm-dialog-net-view.h"
#include "fm-sheet.h"

#include <math.h>
#include <string.h>

#define NET_LIST_WIDTH 330
#define TOP_CHANNELS 8       /* "Top 8": the channels that fire most here */
#define FILTERS_SIDE 320     /* the filter sheet's longest side, pixels */
#define SUMMARY_SIDE 120     /* the summary picture's box, pixels */

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

/* ---- the channel list ------------------------------------------------------ */

static int
current_channels (FmDialogNetView *v)
{
  FmDialogNet *net = v->model->net;
  const FmNetLayerInfo *info = net ? fm_dialog_net_layer (net, net->current) : NULL;
  return info && !info->unsupported ? info->channels : 0;
}

static const FmChannelRank *
rank_of (FmDialogNetView *v, int channel, int *position)
{
  for (int i = 0; v->rank && i < v->n_rank; i++)
    if (v->rank[i].channel == channel)
      {
        *position = i + 1;
        return &v->rank[i];
      }
  return NULL;
}

static void
fill_channels (FmDialogNetView *v)
{
  FmDialogNet *net = v->model->net;
  int k = current_channels (v);
  FmDialogNetPick *pick = k ? fm_dialog_net_pick_of (net, net->current) : NULL;
  gboolean ranked = v->rank && v->rank_layer == (net ? net->current : -1) && v->n_rank == k;

  v->updating = TRUE;
  gtk_list_store_clear (v->channel_store);
  for (int c = 0; c < k; c++)
    {
      gboolean picked = !pick || pick->n_channels == 0;
      for (int i = 0; pick && i < pick->n_channels; i++)
        picked |= pick->channels[i] == c;
      int position = 0;
      const FmChannelRank *r = ranked ? rank_of (v, c, &position) : NULL;
      gtk_list_store_insert_with_values (v->channel_store, NULL, -1,
                                         FM_NET_CHANNEL_COL_PICKED, picked,
                                         FM_NET_CHANNEL_COL_CHANNEL, c,
                                         FM_NET_CHANNEL_COL_RANK, position,
                                         FM_NET_CHANNEL_COL_MEAN, r ? r->mean : NAN,
                                         FM_NET_CHANNEL_COL_MAX, r ? r->max : NAN,
                                         -1);
    }
  /* Ranked: highest mean first, until the user sorts otherwise. */
  GtkTreeSortable *sortable = GTK_TREE_SORTABLE (v->channel_store);
  int column;
  GtkSortType order;
  if (ranked && (!gtk_tree_sortable_get_sort_column_id (sortable, &column, &order) ||
                 column == FM_NET_CHANNEL_COL_CHANNEL))
    gtk_tree_sortable_set_sort_column_id (sortable, FM_NET_CHANNEL_COL_MEAN,
                                          GTK_SORT_DESCENDING);
  v->updating = FALSE;

  const FmNetLayerInfo *info = net ? fm_dialog_net_layer (net, net->current) : NULL;
  g_autofree char *title = info
    ? g_markup_printf_escaped ("<b>Channels of %s</b> <small>(%d; checked ones become "
                               "layers)</small>", info->name, k)
    : g_strdup ("<b>Channels</b> <small>(pick a layer)</small>");
  gtk_label_set_markup (GTK_LABEL (v->channel_title), title);
  gtk_widget_set_sensitive (v->all_button, k > 0);
  gtk_widget_set_sensitive (v->top_button, ranked && k > TOP_CHANNELS);
  gtk_widget_set_sensitive (v->rank_button, k > 0);
}

/* The checked channels, ascending; n == k means all of them. */
static int *
checked_channels (FmDialogNetView *v, int *n)
{
  GtkTreeModel *model = GTK_TREE_MODEL (v->channel_store);
  GtkTreeIter iter;
  int k = current_channels (v), count = 0;
  int *picked = g_new (int, MAX (k, 1));
  g_autofree gboolean *on = g_new0 (gboolean, MAX (k, 1));

  for (gboolean more = gtk_tree_model_get_iter_first (model, &iter); more;
       more = gtk_tree_model_iter_next (model, &iter))
    {
      gboolean p;
      int c;
      gtk_tree_model_get (model, &iter, FM_NET_CHANNEL_COL_PICKED, &p,
                          FM_NET_CHANNEL_COL_CHANNEL, &c, -1);
      if (c >= 0 && c < k)
        on[c] = p;
    }
  for (int c = 0; c < k; c++)
    if (on[c])
      picked[count++] = c;
  *n = count;
  return picked;
}

static void
channels_to_model (FmDialogNetView *v)
{
  int n, k = current_channels (v);
  g_autofree int *picked = checked_channels (v, &n);
  /* All checked: no brackets, the layer as it is. */
  fm_dialog_model_net_set_channels (v->model, v->model->net->current, picked,
                                    n == k ? 0 : n);
}

static gboolean
find_channel_row (FmDialogNetView *v, int channel, GtkTreeIter *iter)
{
  GtkTreeModel *model = GTK_TREE_MODEL (v->channel_store);
  for (gboolean more = gtk_tree_model_get_iter_first (model, iter); more;
       more = gtk_tree_model_iter_next (model, iter))
    {
      int c;
      gtk_tree_model_get (model, iter, FM_NET_CHANNEL_COL_CHANNEL, &c, -1);
      if (c == channel)
        return TRUE;
    }
  return FALSE;
}

void
fm_dialog_net_view_toggle_channel (FmDialogNetView *v, int channel)
{
  GtkTreeIter iter;
  gboolean p;
  int n;

  if (!find_channel_row (v, channel, &iter))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (v->channel_store), &iter,
                      FM_NET_CHANNEL_COL_PICKED, &p, -1);
  g_free (checked_channels (v, &n));
  /* The last checked channel stays: a layer with no channel makes nothing. */
  if (p && n <= 1)
    return;
  gtk_list_store_set (v->channel_store, &iter, FM_NET_CHANNEL_COL_PICKED, !p, -1);
  channels_to_model (v);
}

static void
channel_toggled (GtkCellRendererToggle *cell, char *path, FmDialogNetView *v)
{
  GtkTreeIter iter;
  int c;
  (void) cell;
  if (!gtk_tree_model_get_iter_from_string (GTK_TREE_MODEL (v->channel_store), &iter, path))
    return;
  gtk_tree_model_get (GTK_TREE_MODEL (v->channel_store), &iter,
                      FM_NET_CHANNEL_COL_CHANNEL, &c, -1);
  fm_dialog_net_view_toggle_channel (v, c);
}

static void
set_all (FmDialogNetView *v, int top)
{
  GtkTreeModel *model = GTK_TREE_MODEL (v->channel_store);
  GtkTreeIter iter;
  for (gboolean more = gtk_tree_model_get_iter_first (model, &iter); more;
       more = gtk_tree_model_iter_next (model, &iter))
    {
      int position;
      gtk_tree_model_get (model, &iter, FM_NET_CHANNEL_COL_RANK, &position, -1);
      gtk_list_store_set (v->channel_store, &iter, FM_NET_CHANNEL_COL_PICKED,
                          top == 0 || (position > 0 && position <= top), -1);
    }
  channels_to_model (v);
}

static void
all_clicked (GtkButton *b, FmDialogNetView *v)
{
  (void) b;
  set_all (v, 0);
}

static void
top_clicked (GtkButton *b, FmDialogNetView *v)
{
  (void) b;
  set_all (v, TOP_CHANNELS);
}

static void
number_cell (GtkTreeViewColumn *col, GtkCellRenderer *cell, GtkTreeModel *model,
             GtkTreeIter *iter, gpointer data)
{
  double value;
  char text[32] = "";
  (void) col;
  gtk_tree_model_get (model, iter, GPOINTER_TO_INT (data), &value, -1);
  if (isfinite (value))
    g_snprintf (text, sizeof text, "%.4g", value);
  g_object_set (cell, "text", text, NULL);
}

static void
rank_cell (GtkTreeViewColumn *col, GtkCellRenderer *cell, GtkTreeModel *model,
           GtkTreeIter *iter, gpointer data)
{
  int value;
  char text[16] = "";
  (void) col;
  (void) data;
  gtk_tree_model_get (model, iter, FM_NET_CHANNEL_COL_RANK, &value, -1);
  if (value > 0)
    g_snprintf (text, sizeof text, "%d", value);
  g_object_set (cell, "text", text, NULL);
}

/* NaN (not ranked yet) sorts last whichever way. */
static int
compare_numbers (GtkTreeModel *model, GtkTreeIter *a, GtkTreeIter *b, gpointer data)
{
  double x, y;
  int col = GPOINTER_TO_INT (data);
  gtk_tree_model_get (model, a, col, &x, -1);
  gtk_tree_model_get (model, b, col, &y, -1);
  if (isnan (x) || isnan (y))
    return isnan (x) - isnan (y);
  return (x > y) - (x < y);
}

/* ---- the ranking, in a worker ------------------------------------------------ */

typedef struct {
  FmDialogNetView *view;
  gint generation;
  FmDialogNetRun *run;
  int layer;
  float *pixels;
  FmImageInfo info;
  int x0, y0, w, h;
  FmChannelRank *rank;
  int n;
  float *summary;
  int sw, sh;
  double explained[3];
  char *summary_error;
} RankWork;

static void
rank_work_free (RankWork *w)
{
  fm_dialog_net_run_free (w->run);
  g_free (w->pixels);
  g_free (w->rank);
  g_free (w->summary);
  g_free (w->summary_error);
  g_free (w);
}

static gboolean
rank_progress (gpointer data, double fraction)
{
  RankWork *w = data;
  (void) fraction;
  return g_atomic_int_get (&w->view->rank_generation) == w->generation;
}

static void
rank_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  RankWork *w = data;
  GError *error = NULL;
  (void) source;
  (void) cancel;
  w->rank = fm_dialog_net_rank (w->run, w->pixels, &w->info, w->x0, w->y0, w->w, w->h,
                                FM_RANK_BY_MEAN, &w->n, rank_progress, w, &error);
  /* The summary of the same maps: its failure (a layer of one channel
   * has no second component, but that works; LAPACK may fail) is said
   * under its picture and does not hide the ranking. */
  if (w->rank)
    {
      GError *e = NULL;
      w->summary = fm_dialog_net_summary (w->run, w->pixels, &w->info, w->x0, w->y0, w->w,
                                          w->h, &w->sw, &w->sh, w->explained, rank_progress,
                                          w, &e);
      if (!w->summary)
        {
          w->summary_error = g_strdup (e->message);
          g_error_free (e);
        }
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* The summary as a picture, each map pixel a square block (nearest). */
static void
show_summary (FmDialogNetView *v, const double explained[3], const char *error)
{
  gtk_image_clear (GTK_IMAGE (v->summary_image));
  if (!v->summary)
    {
      gtk_label_set_text (GTK_LABEL (v->summary_status), error ? error : "");
      return;
    }
  int zoom = MAX (1, SUMMARY_SIDE / MAX (v->summary_w, v->summary_h));
  int w = MIN (v->summary_w * zoom, SUMMARY_SIDE), h = MIN (v->summary_h * zoom, SUMMARY_SIDE);
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  guchar *px = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int sy = (int) ((gint64) y * v->summary_h / h), sx = (int) ((gint64) x * v->summary_w / w);
        const float *s = v->summary + ((gsize) sy * v->summary_w + sx) * 3;
        for (int c = 0; c < 3; c++)
          px[(gsize) y * stride + x * 3 + c] = (guchar) lrintf (CLAMP (s[c], 0.0f, 1.0f) * 255.0f);
      }
  gtk_image_set_from_pixbuf (GTK_IMAGE (v->summary_image), pixbuf);
  g_object_unref (pixbuf);
  g_autofree char *text = g_strdup_printf (
    "Summary: the layer's first three principal components on the preview's "
    "rectangle as red, green, blue (%.0f %%, %.0f %%, %.0f %% of the variance; "
    "featuremaps summary).", 100 * explained[0], 100 * explained[1], 100 * explained[2]);
  gtk_label_set_text (GTK_LABEL (v->summary_status), text);
}

static void
rank_done (GObject *source, GAsyncResult *result, gpointer data)
{
  FmDialogNetView *v = data;
  GTask *task = G_TASK (result);
  RankWork *w = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  (void) source;
  v->rank_running--;
  gboolean ok = g_task_propagate_boolean (task, &error);
  if (w->generation != g_atomic_int_get (&v->rank_generation))
    return;
  if (!ok)
    {
      gtk_label_set_text (GTK_LABEL (v->rank_status), error->message);
      return;
    }
  g_free (v->rank);
  v->rank = g_steal_pointer (&w->rank);
  v->n_rank = w->n;
  v->rank_layer = w->layer;
  g_autofree char *status = g_strdup_printf (
    "Ranked by mean activation on the preview's %d × %d at (%d, %d).",
    v->preview->crop_w, v->preview->crop_h, v->preview->crop_x, v->preview->crop_y);
  gtk_label_set_text (GTK_LABEL (v->rank_status), status);
  fill_channels (v);
  g_free (v->summary);
  v->summary = g_steal_pointer (&w->summary);
  v->summary_w = w->sw;
  v->summary_h = w->sh;
  show_summary (v, w->explained, w->summary_error);
  v->ranks_done++;
}

void
fm_dialog_net_view_rank (FmDialogNetView *v)
{
  FmDialogNet *net = v->model->net;
  FmDialogPreview *p = v->preview;
  FmDialogSource *s = v->source;
  g_autoptr (GError) error = NULL;

  g_atomic_int_inc (&v->rank_generation);
  if (!net || current_channels (v) == 0)
    return;
  RankWork *w = g_new0 (RankWork, 1);
  w->view = v;
  w->generation = g_atomic_int_get (&v->rank_generation);
  w->layer = net->current;
  w->run = fm_dialog_net_run_new_layer (net, net->current);
  /* The preview's rectangle with the halo the stack needs around it: the
   * maps ranked are those of the whole image there. */
  int rx, ry, rw, rh;
  fm_dialog_net_run_region (w->run, s->width, s->height, p->crop_x, p->crop_y, p->crop_w,
                            p->crop_h, &rx, &ry, &rw, &rh);
  w->info = (FmImageInfo) { rw, rh, s->channels };
  w->x0 = p->crop_x - rx;
  w->y0 = p->crop_y - ry;
  w->w = p->crop_w;
  w->h = p->crop_h;
  w->pixels = g_new (float, (gsize) rw * rh * s->channels);
  if (!s->read (s, rx, ry, rw, rh, w->pixels, &error))
    {
      gtk_label_set_text (GTK_LABEL (v->rank_status), error->message);
      rank_work_free (w);
      return;
    }
  gtk_label_set_text (GTK_LABEL (v->rank_status), "Ranking…");
  GTask *task = g_task_new (NULL, NULL, rank_done, v);
  g_task_set_task_data (task, w, (GDestroyNotify) rank_work_free);
  v->rank_running++;
  g_task_run_in_thread (task, rank_thread);
  g_object_unref (task);
}

gboolean
fm_dialog_net_view_busy (FmDialogNetView *v)
{
  return v->rank_running > 0;
}

static void
rank_clicked (GtkButton *b, FmDialogNetView *v)
{
  (void) b;
  fm_dialog_net_view_rank (v);
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
      show_summary (v, NULL, NULL);
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
          fill_channels (v);
          show_filters (v);
          fm_dialog_net_view_rank (v);
        }
      else if (!v->updating)
        fill_channels (v);
    }
}

/* ---- building ---------------------------------------------------------------- */

static GtkWidget *
scrolled (GtkWidget *child, int width, int height)
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

static void
text_column (GtkWidget *view, const char *title, int col, int sort)
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
  text_column (v->layer_view, "#", FM_NET_LAYER_COL_INDEX, -1);
  GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
  g_object_set (cell, "ellipsize", PANGO_ELLIPSIZE_START, "width-chars", 14, NULL);
  GtkTreeViewColumn *c = gtk_tree_view_column_new_with_attributes (
    "Layer", cell, "text", FM_NET_LAYER_COL_NAME, "sensitive", FM_NET_LAYER_COL_RUNS, NULL);
  gtk_tree_view_column_set_expand (c, TRUE);
  gtk_tree_view_column_set_resizable (c, TRUE);
  gtk_tree_view_append_column (GTK_TREE_VIEW (v->layer_view), c);
  text_column (v->layer_view, "Operation", FM_NET_LAYER_COL_OP, -1);
  text_column (v->layer_view, "Channels", FM_NET_LAYER_COL_CHANNELS, -1);
  text_column (v->layer_view, "Scale", FM_NET_LAYER_COL_SCALE, -1);
  gtk_tree_view_set_tooltip_column (GTK_TREE_VIEW (v->layer_view), FM_NET_LAYER_COL_TOOLTIP);
  GtkTreeSelection *sel = gtk_tree_view_get_selection (GTK_TREE_VIEW (v->layer_view));
  gtk_tree_selection_set_mode (sel, GTK_SELECTION_MULTIPLE);
  gtk_tree_selection_set_select_function (sel, layer_selectable, v, NULL);
  g_signal_connect (sel, "changed", G_CALLBACK (layers_selected), v);
  return scrolled (v->layer_view, NET_LIST_WIDTH, 150);
}

static GtkWidget *
channel_list (FmDialogNetView *v)
{
  v->channel_store = gtk_list_store_new (FM_NET_CHANNEL_N_COLS, G_TYPE_BOOLEAN, G_TYPE_INT,
                                         G_TYPE_INT, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  GtkTreeSortable *sortable = GTK_TREE_SORTABLE (v->channel_store);
  gtk_tree_sortable_set_sort_func (sortable, FM_NET_CHANNEL_COL_MEAN, compare_numbers,
                                   GINT_TO_POINTER (FM_NET_CHANNEL_COL_MEAN), NULL);
  gtk_tree_sortable_set_sort_func (sortable, FM_NET_CHANNEL_COL_MAX, compare_numbers,
                                   GINT_TO_POINTER (FM_NET_CHANNEL_COL_MAX), NULL);
  v->channel_view = gtk_tree_view_new_with_model (GTK_TREE_MODEL (v->channel_store));

  GtkCellRenderer *toggle = gtk_cell_renderer_toggle_new ();
  g_signal_connect (toggle, "toggled", G_CALLBACK (channel_toggled), v);
  GtkTreeViewColumn *c = gtk_tree_view_column_new_with_attributes (
    "Layer", toggle, "active", FM_NET_CHANNEL_COL_PICKED, NULL);
  gtk_tree_view_column_set_sort_column_id (c, FM_NET_CHANNEL_COL_PICKED);
  gtk_tree_view_append_column (GTK_TREE_VIEW (v->channel_view), c);
  text_column (v->channel_view, "Channel", FM_NET_CHANNEL_COL_CHANNEL,
               FM_NET_CHANNEL_COL_CHANNEL);
  static const struct { const char *title; int col; } numbers[] = {
    { "Rank", FM_NET_CHANNEL_COL_RANK },
    { "Mean", FM_NET_CHANNEL_COL_MEAN },
    { "Max", FM_NET_CHANNEL_COL_MAX },
  };
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      GtkCellRenderer *cell = gtk_cell_renderer_text_new ();
      c = gtk_tree_view_column_new_with_attributes (numbers[i].title, cell, NULL);
      gtk_tree_view_column_set_cell_data_func (
        c, cell, numbers[i].col == FM_NET_CHANNEL_COL_RANK ? rank_cell : number_cell,
        GINT_TO_POINTER (numbers[i].col), NULL);
      gtk_tree_view_column_set_sort_column_id (c, numbers[i].col);
      gtk_tree_view_append_column (GTK_TREE_VIEW (v->channel_view), c);
    }
  gtk_tree_sortable_set_sort_column_id (sortable, FM_NET_CHANNEL_COL_CHANNEL,
                                        GTK_SORT_ASCENDING);
  return scrolled (v->channel_view, NET_LIST_WIDTH, 160);
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

  v->channel_title = gtk_label_new (NULL);
  fm_label_set_xalign (v->channel_title, 0);
  gtk_label_set_ellipsize (GTK_LABEL (v->channel_title), PANGO_ELLIPSIZE_END);
  gtk_box_pack_start (GTK_BOX (vbox), v->channel_title, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), channel_list (v), TRUE, TRUE, 0);
  GtkWidget *buttons = fm_box_new (FALSE, 4);
  v->all_button = gtk_button_new_with_mnemonic ("_All");
  gtk_widget_set_tooltip_text (v->all_button, "Every channel becomes a layer.");
  g_signal_connect (v->all_button, "clicked", G_CALLBACK (all_clicked), v);
  v->top_button = gtk_button_new_with_mnemonic ("_Top 8");
  gtk_widget_set_tooltip_text (v->top_button, "The 8 channels with the highest mean here.");
  g_signal_connect (v->top_button, "clicked", G_CALLBACK (top_clicked), v);
  v->rank_button = gtk_button_new_with_mnemonic ("_Rank here");
  gtk_widget_set_tooltip_text (v->rank_button,
                               "Rank the channels again on the preview's rectangle "
                               "(after dragging it).");
  g_signal_connect (v->rank_button, "clicked", G_CALLBACK (rank_clicked), v);
  gtk_box_pack_start (GTK_BOX (buttons), v->all_button, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (buttons), v->top_button, FALSE, FALSE, 0);
  gtk_box_pack_end (GTK_BOX (buttons), v->rank_button, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), buttons, FALSE, FALSE, 0);
  v->rank_status = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (v->rank_status), TRUE);
  gtk_widget_set_size_request (v->rank_status, NET_LIST_WIDTH, -1);
  fm_label_set_xalign (v->rank_status, 0);
  gtk_box_pack_start (GTK_BOX (vbox), v->rank_status, FALSE, FALSE, 0);

  GtkWidget *summary_row = fm_box_new (FALSE, 6);
  v->summary_image = gtk_image_new ();
  gtk_widget_set_size_request (v->summary_image, SUMMARY_SIDE, SUMMARY_SIDE);
  v->summary_status = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (v->summary_status), TRUE);
  gtk_widget_set_size_request (v->summary_status, NET_LIST_WIDTH - SUMMARY_SIDE - 6, -1);
  fm_label_set_xalign (v->summary_status, 0);
  gtk_box_pack_start (GTK_BOX (summary_row), v->summary_image, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (summary_row), v->summary_status, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (vbox), summary_row, FALSE, FALSE, 0);

  v->filters_image = gtk_image_new ();
  gtk_box_pack_start (GTK_BOX (vbox), scrolled (v->filters_image, NET_LIST_WIDTH, 110),
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
