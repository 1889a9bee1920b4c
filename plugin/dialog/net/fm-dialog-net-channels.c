/* fm-dialog-net-channels: the network panel's channel list — a check per
 * channel that picks which become layers, sortable — and what is computed
 * on the preview's rectangle for the layer: each channel's mean and max
 * (the core's fm-rank) and the layer's summary (fm-pca), in a worker. */
#include "net/fm-dialog-net-view.h"

#include <math.h>
#include <string.h>

#define TOP_CHANNELS 8       /* "Top 8": the channels that fire most here */
#define SUMMARY_SIDE 120     /* the summary picture's box, pixels */

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

void
fm_dialog_net_channels_fill (FmDialogNetView *v)
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
void
fm_dialog_net_view_show_summary (FmDialogNetView *v, const double explained[3], const char *error)
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
  fm_dialog_net_channels_fill (v);
  g_free (v->summary);
  v->summary = g_steal_pointer (&w->summary);
  v->summary_w = w->sw;
  v->summary_h = w->sh;
  fm_dialog_net_view_show_summary (v, w->explained, w->summary_error);
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

/* ---- building ------------------------------------------------------------ */

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
  fm_dialog_net_text_column (v->channel_view, "Channel", FM_NET_CHANNEL_COL_CHANNEL,
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
  return fm_dialog_net_scrolled (v->channel_view, NET_LIST_WIDTH, 160);
}

GtkWidget *
fm_dialog_net_channels_section (FmDialogNetView *v)
{
  GtkWidget *vbox = fm_box_new (TRUE, 4);

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
  return vbox;
}
