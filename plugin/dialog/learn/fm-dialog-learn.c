/* fm-dialog-learn: what the two learning windows share — the layers they
 * read (in memory for the tests), the buttons under the chooser, the
 * window's frame (error row, quality, progress) and opening the learned
 * bank in the dialog.  The windows' own fields and runs are in
 * fm-dialog-learn-pair.c and fm-dialog-learn-patches.c. */
#include "fm-dialog-learn.h"

#include <string.h>

#define LEARN_KEY "fm-dialog-learn"

/* ---- in-memory layers ------------------------------------------------------ */

typedef struct {
  int width, height, channels;
  float *pixels;
} MemoryLayer;

typedef struct {
  GArray *layers;            /* MemoryLayer */
  int sx, sy, sw, sh;        /* the selection; sw == 0: none */
} MemoryData;

static void
memory_free (gpointer data)
{
  MemoryData *md = data;
  for (guint i = 0; i < md->layers->len; i++)
    g_free (g_array_index (md->layers, MemoryLayer, i).pixels);
  g_array_unref (md->layers);
  g_free (md);
}

static gboolean
memory_read (FmDialogLayers *layers, int i, gboolean in_selection, FmLearnImage *img,
             float **pixels, GError **error)
{
  MemoryData *md = layers->data;
  const MemoryLayer *l = &g_array_index (md->layers, MemoryLayer, i);
  int x0 = 0, y0 = 0, w = l->width, h = l->height;
  if (in_selection && md->sw > 0)
    {
      x0 = MAX (md->sx, 0);
      y0 = MAX (md->sy, 0);
      w = MIN (md->sx + md->sw, l->width) - x0;
      h = MIN (md->sy + md->sh, l->height) - y0;
      if (w <= 0 || h <= 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "The selection does not touch the layer.");
          return FALSE;
        }
    }
  float *px = g_new (float, (gsize) w * h * l->channels);
  for (int y = 0; y < h; y++)
    memcpy (px + (gsize) y * w * l->channels,
            l->pixels + ((gsize) (y0 + y) * l->width + x0) * l->channels,
            (gsize) w * l->channels * sizeof (float));
  *img = (FmLearnImage) { w, h, l->channels, px };
  *pixels = px;
  return TRUE;
}

static gboolean
memory_mask (FmDialogLayers *layers, int i, FmLearnImage *mask, float **pixels)
{
  MemoryData *md = layers->data;
  const MemoryLayer *l = &g_array_index (md->layers, MemoryLayer, i);
  if (md->sw <= 0)
    return FALSE;
  float *px = g_new0 (float, (gsize) l->width * l->height);
  for (int y = MAX (md->sy, 0); y < MIN (md->sy + md->sh, l->height); y++)
    for (int x = MAX (md->sx, 0); x < MIN (md->sx + md->sw, l->width); x++)
      px[(gsize) y * l->width + x] = 1;
  *mask = (FmLearnImage) { l->width, l->height, 1, px };
  *pixels = px;
  return TRUE;
}

FmDialogLayers *
fm_dialog_layers_new_memory (void)
{
  FmDialogLayers *layers = g_new0 (FmDialogLayers, 1);
  MemoryData *md = g_new0 (MemoryData, 1);
  md->layers = g_array_new (FALSE, FALSE, sizeof (MemoryLayer));
  layers->names = g_ptr_array_new_with_free_func (g_free);
  layers->current = -1;
  layers->read = memory_read;
  layers->read_mask = memory_mask;
  layers->data = md;
  layers->destroy = memory_free;
  return layers;
}

void
fm_dialog_layers_memory_add (FmDialogLayers *layers, const char *name, int width,
                             int height, int channels, const float *pixels)
{
  MemoryData *md = layers->data;
  MemoryLayer l = { width, height, channels,
                    g_memdup2 (pixels, (gsize) width * height * channels * sizeof (float)) };
  g_array_append_val (md->layers, l);
  g_ptr_array_add (layers->names, g_strdup (name));
  if (layers->current < 0)
    layers->current = 0;
}

void
fm_dialog_layers_memory_select (FmDialogLayers *layers, int x, int y, int w, int h)
{
  MemoryData *md = layers->data;
  md->sx = x;
  md->sy = y;
  md->sw = w > 0 && h > 0 ? w : 0;
  md->sh = h;
}

void
fm_dialog_layers_free (FmDialogLayers *layers)
{
  if (!layers)
    return;
  if (layers->destroy)
    layers->destroy (layers->data);
  g_ptr_array_unref (layers->names);
  g_free (layers);
}

/* ---- the window's frame ----------------------------------------------------- */

GtkWidget *
fm_dialog_learn_layer_combo (FmDialogLayers *layers, int active)
{
  GtkWidget *combo = gimp_int_combo_box_new_array (layers->names->len,
                                                   (const char **) layers->names->pdata);
  if (active >= 0 && active < (int) layers->names->len)
    gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combo), active);
  return combo;
}

void
fm_dialog_learn_show_error (FmDialogLearnWindow *w, const char *message)
{
  g_free (w->error);
  w->error = message ? g_strdup (message) : NULL;
  /* The core's messages are clauses ("the before image is flat …"); the
   * window shows sentences. */
  if (w->error)
    w->error[0] = g_ascii_toupper (w->error[0]);
  message = w->error;
  gtk_label_set_text (GTK_LABEL (w->error_label), message ? message : "");
  gtk_widget_set_visible (w->error_box, message != NULL);
  if (message)
    gtk_label_set_text (GTK_LABEL (w->quality_label), "");
}

gboolean
fm_dialog_learn_progress (gpointer data, double fraction)
{
  FmDialogLearnWindow *w = data;
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (w->progress), CLAMP (fraction, 0, 1));
  /* The fit runs on this thread: let the window redraw meanwhile (its
   * controls are insensitive until the run ends). */
  while (gtk_events_pending ())
    gtk_main_iteration ();
  return TRUE;
}

void
fm_dialog_learn_opened (FmDialogLearnWindow *w, const char *quality)
{
  FmDialog *d = w->dialog;

  g_free (w->quality);
  w->quality = g_strdup (quality);
  fm_dialog_learn_show_error (w, NULL);
  gtk_label_set_text (GTK_LABEL (w->quality_label), quality);
  /* The new file is a preset of the user folder: listed under "Mine", and
   * picked as a click would (the bank's defaults apply: a learned kernel
   * reproduces its effect with padding same, mapping raw). */
  fm_dialog_chooser_refresh (d->chooser);
  if (!fm_dialog_chooser_select (d->chooser, w->result.preset))
    fm_dialog_model_load (d->model, w->result.path, TRUE, NULL);
  /* Loading may have left a note of its own (a raw mapping replaced on an
   * 8-bit image): kept after the quality. */
  g_autofree char *note = d->model->note
    ? g_strdup_printf ("%s\n%s", quality, d->model->note) : g_strdup (quality);
  fm_dialog_model_set_note (d->model, note);
}

gboolean
fm_dialog_learn_window_run (FmDialogLearnWindow *w)
{
  if (w->running)
    return FALSE;
  w->running = TRUE;
  /* Events run during the fit (progress): modal meanwhile, so the dialog it
   * belongs to cannot be closed under it. */
  gtk_window_set_modal (GTK_WINDOW (w->window), TRUE);
  gtk_widget_set_sensitive (w->learn_button, FALSE);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (w->progress), 0);
  gtk_widget_show (w->progress);
  fm_learn_run_result_clear (&w->result);
  gboolean ok = w->pair ? fm_dialog_learn_pair_run (w) : fm_dialog_learn_patches_run (w);
  gtk_widget_hide (w->progress);
  gtk_widget_set_sensitive (w->learn_button, TRUE);
  gtk_window_set_modal (GTK_WINDOW (w->window), FALSE);
  w->running = FALSE;
  return ok;
}

static void
window_free (FmDialogLearnWindow *w)
{
  if (w->learn->pair == w)
    w->learn->pair = NULL;
  if (w->learn->patches == w)
    w->learn->patches = NULL;
  fm_learn_run_result_clear (&w->result);
  g_free (w->error);
  g_free (w->quality);
  g_free (w);
}

void
fm_dialog_learn_window_close (FmDialogLearnWindow *w)
{
  if (!w || w->running)
    return;
  GtkWidget *window = w->window;
  window_free (w);
  gtk_widget_destroy (window);
}

static void
response (GtkDialog *dialog, int id, FmDialogLearnWindow *w)
{
  (void) dialog;
  if (id == GTK_RESPONSE_OK)
    fm_dialog_learn_window_run (w);
  else
    fm_dialog_learn_window_close (w);
}

static gboolean
delete_event (GtkWidget *widget, GdkEvent *event, FmDialogLearnWindow *w)
{
  (void) widget;
  (void) event;
  if (w->running)
    return TRUE;   /* the fit finishes first */
  fm_dialog_learn_window_close (w);
  return TRUE;
}

FmDialogLearnWindow *
fm_dialog_learn_window_new (FmDialogLearn *learn, gboolean pair, const char *title)
{
  FmDialogLearnWindow *w = g_new0 (FmDialogLearnWindow, 1);
  w->dialog = learn->dialog;
  w->learn = learn;
  w->pair = pair;
  w->window = gimp_dialog_new (title, "featuremaps-learn", learn->dialog->window, 0,
                               fm_dialog_help, FM_PLUGIN_PROC,
                               "_Close", GTK_RESPONSE_CLOSE,
                               "_Learn", GTK_RESPONSE_OK,
                               NULL);
  fm_dialog_ok_cancel_order (w->window);
  w->learn_button = gtk_dialog_get_widget_for_response (GTK_DIALOG (w->window),
                                                        GTK_RESPONSE_OK);

  GtkWidget *vbox = fm_box_new (TRUE, 8);
  gtk_container_set_border_width (GTK_CONTAINER (vbox), 12);
  GtkWidget *grid = fm_grid_new (6, 8, FALSE);
  if (pair)
    fm_dialog_learn_pair_build (w, grid);
  else
    fm_dialog_learn_patches_build (w, grid);
  gtk_box_pack_start (GTK_BOX (vbox), grid, FALSE, FALSE, 0);

  w->error_box = fm_box_new (FALSE, 6);
  w->error_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (w->error_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (w->error_label), TRUE);
  gtk_widget_set_size_request (w->error_label, 360, -1);
  fm_label_set_xalign (w->error_label, 0);
  gtk_box_pack_start (GTK_BOX (w->error_box),
                      gtk_image_new_from_icon_name ("dialog-error", GTK_ICON_SIZE_BUTTON),
                      FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (w->error_box), w->error_label, TRUE, TRUE, 0);
  gtk_widget_show_all (w->error_box);
  gtk_widget_set_no_show_all (w->error_box, TRUE);
  gtk_widget_hide (w->error_box);
  gtk_box_pack_start (GTK_BOX (vbox), w->error_box, FALSE, FALSE, 0);

  w->quality_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (w->quality_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (w->quality_label), TRUE);
  gtk_widget_set_size_request (w->quality_label, 360, -1);
  fm_label_set_xalign (w->quality_label, 0);
  gtk_box_pack_start (GTK_BOX (vbox), w->quality_label, FALSE, FALSE, 0);

  w->progress = gtk_progress_bar_new ();
  gtk_widget_set_no_show_all (w->progress, TRUE);
  gtk_box_pack_start (GTK_BOX (vbox), w->progress, FALSE, FALSE, 0);

  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (w->window))),
                      vbox, TRUE, TRUE, 0);
  gtk_widget_show_all (vbox);
  g_signal_connect (w->window, "response", G_CALLBACK (response), w);
  g_signal_connect (w->window, "delete-event", G_CALLBACK (delete_event), w);
  gtk_widget_show (w->window);
  return w;
}

/* ---- the buttons ---------------------------------------------------------------- */

FmDialogLearnWindow *
fm_dialog_learn_open_pair (FmDialogLearn *learn)
{
  if (!learn->pair)
    learn->pair = fm_dialog_learn_window_new (learn, TRUE, "Learn From Two Layers");
  gtk_window_present (GTK_WINDOW (learn->pair->window));
  return learn->pair;
}

FmDialogLearnWindow *
fm_dialog_learn_open_patches (FmDialogLearn *learn)
{
  if (!learn->patches)
    learn->patches = fm_dialog_learn_window_new (learn, FALSE, "Learn Filters From a Layer");
  gtk_window_present (GTK_WINDOW (learn->patches->window));
  return learn->patches;
}

static void
pair_clicked (GtkButton *button, FmDialogLearn *learn)
{
  (void) button;
  fm_dialog_learn_open_pair (learn);
}

static void
patches_clicked (GtkButton *button, FmDialogLearn *learn)
{
  (void) button;
  fm_dialog_learn_open_patches (learn);
}

/* With the dialog's window: the learning windows go first (they point at
 * the dialog), then the layers. */
static void
learn_free (gpointer data)
{
  FmDialogLearn *learn = data;
  FmDialogLearnWindow *open[] = { learn->pair, learn->patches };
  for (guint i = 0; i < G_N_ELEMENTS (open); i++)
    if (open[i])
      {
        GtkWidget *window = open[i]->window;
        window_free (open[i]);
        gtk_widget_destroy (window);
      }
  fm_dialog_layers_free (learn->layers);
  g_free (learn);
}

/* Test hook FEATUREMAPS_DIALOG_LEARN=pair|patches (tests/dialog/learn-gimp.py,
 * inside the real GIMPs): as soon as the dialog runs, open that window,
 * press Learn with its defaults, say what came of it on stderr, and press
 * OK (Cancel when the dialog cannot run the result). */
static gboolean
learn_hook (gpointer data)
{
  FmDialogLearn *learn = data;
  gboolean pair = g_strcmp0 (g_getenv ("FEATUREMAPS_DIALOG_LEARN"), "pair") == 0;
  FmDialogLearnWindow *w = pair ? fm_dialog_learn_open_pair (learn)
                                : fm_dialog_learn_open_patches (learn);
  if (fm_dialog_learn_window_run (w))
    g_printerr ("featuremaps: dialog learned %s (%s): %s\n", w->result.preset,
                w->result.path, w->quality);
  else
    g_printerr ("featuremaps: dialog learning failed: %s\n", w->error);
  /* FEATUREMAPS_DIALOG_LEARN_SNAPSHOT=PREFIX: PREFIX-learn.png (the window
   * with its quality) and PREFIX-dialog.png (the bank open under Mine), for
   * docs/screenshots. */
  const char *prefix = g_getenv ("FEATUREMAPS_DIALOG_LEARN_SNAPSHOT");
  if (prefix && *prefix)
    {
      GtkWidget *shots[] = { w->window, learn->dialog->window };
      const char *names[] = { "learn", "dialog" };
      for (guint i = 0; i < G_N_ELEMENTS (shots); i++)
        {
          /* GTK 2 reads the screen back: the learning window goes out of
           * the dialog's picture first. */
          if (i == 1)
            gtk_widget_hide (w->window);
          gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
          while (g_get_monotonic_time () < end)
            if (!g_main_context_iteration (NULL, FALSE))
              g_usleep (10000);
          g_autoptr (GdkPixbuf) pb = fm_window_snapshot (shots[i]);
          g_autofree char *path = g_strdup_printf ("%s-%s.png", prefix, names[i]);
          if (!pb || !gdk_pixbuf_save (pb, path, "png", NULL, NULL))
            g_printerr ("featuremaps: learning snapshot %s failed\n", path);
        }
    }
  gtk_dialog_response (GTK_DIALOG (learn->dialog->window),
                       fm_dialog_model_is_valid (learn->dialog->model)
                       ? GTK_RESPONSE_OK : GTK_RESPONSE_CANCEL);
  return G_SOURCE_REMOVE;
}

FmDialogLearn *
fm_dialog_learn_attach (FmDialog *dialog, FmDialogLayers *layers)
{
  FmDialogLearn *learn = g_new0 (FmDialogLearn, 1);
  learn->dialog = dialog;
  learn->layers = layers;

  learn->pair_button = gtk_button_new_with_mnemonic ("Learn from _two layers…");
  gtk_widget_set_tooltip_text (learn->pair_button,
                               "Find the convolution that turns one layer (before an "
                               "effect) into another (after it), save it under Mine and "
                               "open it here.");
  learn->patches_button = gtk_button_new_with_mnemonic ("Learn _filters from this layer…");
  gtk_widget_set_tooltip_text (learn->patches_button,
                               "Learn a bank of filters from the patches of a layer "
                               "(principal components, k-means or ICA), save it under "
                               "Mine and open it here.");
  g_signal_connect (learn->pair_button, "clicked", G_CALLBACK (pair_clicked), learn);
  g_signal_connect (learn->patches_button, "clicked", G_CALLBACK (patches_clicked), learn);
  /* Under "Load kernel file…": the other ways a bank comes into the list. */
  GtkWidget *box = gtk_widget_get_parent (dialog->chooser->load_button);
  gtk_box_pack_start (GTK_BOX (box), learn->pair_button, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), learn->patches_button, FALSE, FALSE, 0);
  gtk_widget_show (learn->pair_button);
  gtk_widget_show (learn->patches_button);
  gboolean two = layers->names->len >= 2;
  gtk_widget_set_sensitive (learn->pair_button, two);
  if (!two)
    gtk_widget_set_tooltip_text (learn->pair_button,
                                 "Needs two layers of the same size: the image before "
                                 "an effect and after it.");
  gtk_widget_set_sensitive (learn->patches_button, layers->names->len >= 1);

  g_object_set_data_full (G_OBJECT (dialog->window), LEARN_KEY, learn, learn_free);
  const char *hook = g_getenv ("FEATUREMAPS_DIALOG_LEARN");
  if (hook && *hook)
    g_idle_add (learn_hook, learn);
  return learn;
}

FmDialogLearn *
fm_dialog_learn_get (FmDialog *dialog)
{
  return g_object_get_data (G_OBJECT (dialog->window), LEARN_KEY);
}
