/* fm-dialog: puts chooser, editor, options and preview into one GimpDialog,
 * keeps OK in step with the model's validity, and hosts the test hook that
 * snapshots the window (FEATUREMAPS_DIALOG_SNAPSHOT, _AUTO_OK). */
#include "fm-dialog-private.h"
#include "net/fm-dialog-net-view.h"

#include <string.h>

static void
show_status (FmDialog *d)
{
  FmDialogModel *m = d->model;
  gboolean valid = fm_dialog_model_is_valid (m);

  gtk_dialog_set_response_sensitive (GTK_DIALOG (d->window), GTK_RESPONSE_OK, valid);
  gtk_label_set_text (GTK_LABEL (d->error_label), m->error ? m->error : "");
  gtk_widget_set_visible (d->error_box, !valid);
  gtk_label_set_text (GTK_LABEL (d->note_label), m->note ? m->note : "");
  gtk_widget_set_visible (d->note_label, m->note != NULL);
}

static void
model_changed (FmDialogModel *model, guint changes, gpointer data)
{
  (void) model;
  (void) changes;
  show_status (data);
}

/* ---- test hook ----------------------------------------------------------- */

static gboolean
save_part (GdkPixbuf *window, GtkWidget *toplevel, GtkWidget *part,
           const char *prefix, const char *suffix, GError **error)
{
  int x = 0, y = 0, w = gdk_pixbuf_get_width (window), h = gdk_pixbuf_get_height (window);

  if (part)
    {
      GtkAllocation a;
      gtk_widget_get_allocation (part, &a);
      if (!gtk_widget_translate_coordinates (part, toplevel, 0, 0, &x, &y))
        return TRUE;
      w = MIN (a.width, w - x);
      h = MIN (a.height, h - y);
    }
  g_autoptr (GdkPixbuf) sub = gdk_pixbuf_new_subpixbuf (window, x, y, w, h);
  g_autofree char *path = g_strdup_printf ("%s-%s.png", prefix, suffix);
  return gdk_pixbuf_save (sub, path, "png", error, NULL);
}

gboolean
fm_dialog_snapshot (FmDialog *d, const char *prefix, GError **error)
{
  g_autoptr (GdkPixbuf) shot = fm_window_snapshot (d->window);
  if (!shot)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "Cannot read the dialog window back for a snapshot.");
      return FALSE;
    }
  return save_part (shot, d->window, NULL, prefix, "dialog", error) &&
         save_part (shot, d->window, d->chooser->widget, prefix, "chooser", error) &&
         save_part (shot, d->window, d->editor->widget, prefix, "editor", error) &&
         save_part (shot, d->window, d->preview->widget, prefix, "preview", error) &&
         (!gtk_widget_get_visible (d->net_view->widget) ||
          save_part (shot, d->window, d->net_view->widget, prefix, "network", error));
}

static gboolean
snapshot_now (gpointer data)
{
  FmDialog *d = data;
  g_autoptr (GError) error = NULL;

  if (!fm_dialog_snapshot (d, d->snapshot_prefix, &error))
    g_printerr ("featuremaps: dialog snapshot failed: %s\n", error->message);
  else
    g_printerr ("featuremaps: dialog snapshot saved to %s-*.png\n", d->snapshot_prefix);
  if (d->auto_ok)
    gtk_dialog_response (GTK_DIALOG (d->window),
                         fm_dialog_model_is_valid (d->model) ? GTK_RESPONSE_OK
                                                             : GTK_RESPONSE_CANCEL);
  return G_SOURCE_REMOVE;
}

/* The first finished preview is the moment the window shows everything;
 * a short pause lets the contact sheet's labels and expose events land. */
static void
preview_done (FmDialogPreview *preview, gpointer data)
{
  FmDialog *d = data;

  (void) preview;
  if (d->snapshot_done || (!d->snapshot_prefix && !d->auto_ok))
    return;
  d->snapshot_done = TRUE;
  if (d->snapshot_prefix)
    g_timeout_add (400, snapshot_now, d);
  else
    gtk_dialog_response (GTK_DIALOG (d->window), GTK_RESPONSE_OK);
}

/* ---- assembly ------------------------------------------------------------ */

FmDialog *
fm_dialog_new (FmDialogSource *source, const char *kernel,
               const FmOptions *options, const char *user_dir)
{
  FmDialog *d = g_new0 (FmDialog, 1);
  FmImageInfo info = { source->width, source->height, source->channels };
  const char *env;

  d->source = source;
  d->model = fm_dialog_model_new (user_dir, &info, source->float_precision, options);
  /* Where the user left off; a kernel that no longer loads (a file since
   * deleted) is reported in the dialog rather than silently replaced. */
  if (kernel && *kernel)
    fm_dialog_model_load (d->model, kernel, FALSE, NULL);

  /* Help leads to our own documentation: GIMP's help system only knows
   * its own manual and would say it is not installed. */
  d->window = gimp_dialog_new ("Feature Maps", "featuremaps", NULL, 0,
                               fm_dialog_help, FM_PLUGIN_PROC,
                               "_Cancel", GTK_RESPONSE_CANCEL,
                               "_OK", GTK_RESPONSE_OK,
                               NULL);
  fm_dialog_ok_cancel_order (d->window);
  gtk_window_set_resizable (GTK_WINDOW (d->window), TRUE);

  d->chooser = fm_dialog_chooser_new (d->model);
  d->editor = fm_dialog_editor_new (d->model);
  d->options = fm_dialog_options_new (d->model);
  d->preview = fm_dialog_preview_new (d->model, source);
  d->net_view = fm_dialog_net_view_new (d->model, source, d->preview, d->editor->widget);

  GtkWidget *main_vbox = fm_box_new (TRUE, 12);
  GtkWidget *hbox = fm_box_new (FALSE, 12);
  GtkWidget *middle = fm_box_new (TRUE, 12);
  gtk_container_set_border_width (GTK_CONTAINER (main_vbox), 12);
  gtk_box_pack_start (GTK_BOX (middle), d->net_view->widget, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (middle), d->editor->widget, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (middle), d->options->widget, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), d->chooser->widget, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), middle, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (hbox), d->preview->widget, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (main_vbox), hbox, TRUE, TRUE, 0);

  /* Errors sit where the eye goes before pressing OK.  The status row keeps
   * its height (two lines) whether or not it has something to say, so the
   * dialog never jumps when an error comes or goes. */
  GtkWidget *status = fm_box_new (TRUE, 2);
  gtk_widget_set_size_request (status, -1, FM_DIALOG_STATUS_HEIGHT);
  d->error_box = fm_box_new (FALSE, 6);
  d->error_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (d->error_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (d->error_label), TRUE);
  fm_label_set_xalign (d->error_label, 0);
  gtk_box_pack_start (GTK_BOX (d->error_box),
                      gtk_image_new_from_icon_name ("dialog-error", GTK_ICON_SIZE_BUTTON),
                      FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (d->error_box), d->error_label, TRUE, TRUE, 0);
  gtk_widget_show_all (d->error_box);
  gtk_widget_set_no_show_all (d->error_box, TRUE);
  gtk_box_pack_start (GTK_BOX (status), d->error_box, FALSE, FALSE, 0);
  d->note_label = gtk_label_new (NULL);
  gtk_label_set_line_wrap (GTK_LABEL (d->note_label), TRUE);
  fm_label_set_xalign (d->note_label, 0);
  gtk_widget_set_no_show_all (d->note_label, TRUE);
  gtk_box_pack_start (GTK_BOX (status), d->note_label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (main_vbox), status, FALSE, FALSE, 0);

  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (d->window))),
                      main_vbox, TRUE, TRUE, 0);
  gtk_widget_show_all (main_vbox);
  fm_dialog_net_view_sync (d->net_view);

  fm_dialog_model_add_listener (d->model, model_changed, d);
  show_status (d);
  /* The list starts focused: its selection is then drawn in the theme's
   * focused colours (GIMP's dark theme hides unfocused selected text). */
  gtk_widget_grab_focus (d->chooser->view);

  env = g_getenv ("FEATUREMAPS_DIALOG_SNAPSHOT");
  d->snapshot_prefix = env && *env ? g_strdup (env) : NULL;
  d->auto_ok = g_strcmp0 (g_getenv ("FEATUREMAPS_DIALOG_AUTO_OK"), "1") == 0;
  d->preview->done = preview_done;
  d->preview->done_data = d;
  return d;
}

void
fm_dialog_free (FmDialog *d)
{
  if (!d)
    return;
  /* Stop the preview's workers before the widgets they draw into go. */
  fm_dialog_preview_free (d->preview);
  fm_dialog_net_view_free (d->net_view);
  gtk_widget_destroy (d->window);
  fm_dialog_chooser_free (d->chooser);
  fm_dialog_editor_free (d->editor);
  fm_dialog_options_free (d->options);
  fm_dialog_model_free (d->model);
  fm_dialog_source_free (d->source);
  g_free (d->snapshot_prefix);
  g_free (d);
}

gboolean
fm_dialog_commit (FmDialog *d, FmValues *values, GError **error)
{
  g_autofree char *kernel = fm_dialog_model_commit (d->model, sizeof values->kernel, error);

  if (!kernel)
    return FALSE;
  g_strlcpy (values->kernel, kernel, sizeof values->kernel);
  values->options = d->model->options;
  return TRUE;
}
