/* fm-dialog-run: the dialog inside GIMP — the drawable as pixel source and
 * the run loop.  Every GIMP call goes through fm-host.h, so both hosts run
 * this same file. */
#include "fm-dialog.h"
#include "fm-dialog-private.h"
#include "fm-gegl.h"
#include "fm-dialog-learn.h"

typedef struct {
  GeglBuffer *buffer;
  const Babl *format;
  int x0, y0;          /* the selection's rectangle on the drawable */
} DrawableData;

static void
drawable_data_free (gpointer data)
{
  DrawableData *dd = data;
  g_object_unref (dd->buffer);
  g_free (dd);
}

static gboolean
drawable_read (FmDialogSource *source, int x, int y, int w, int h, float *dst,
               GError **error)
{
  DrawableData *dd = source->data;

  (void) error;
  fm_gegl_get_float (dd->buffer, GEGL_RECTANGLE (dd->x0 + x, dd->y0 + y, w, h),
                            dd->format, dst);
  return TRUE;
}

/* The pixels in the layout fm_job expects: the drawable's own channels,
 * perceptual values, in the drawable's colour space. */
static FmDialogSource *
drawable_source (FmItemId image, FmItemId drawable)
{
  static const char *formats[] = { "Y' float", "Y'A float", "R'G'B' float", "R'G'B'A float" };
  FmDialogSource *source = g_new0 (FmDialogSource, 1);
  DrawableData *dd = g_new0 (DrawableData, 1);
  int x, y, w, h;

  if (!fm_host_drawable_mask_intersect (drawable, &x, &y, &w, &h))
    {
      x = y = 0;
      w = fm_host_drawable_width (drawable);
      h = fm_host_drawable_height (drawable);
    }
  int channels = (fm_host_drawable_is_rgb (drawable) ? 3 : 1) +
                 (fm_host_drawable_has_alpha (drawable) ? 1 : 0);

  dd->buffer = fm_host_drawable_buffer (drawable);
  dd->format = babl_format_with_space (formats[channels - 1],
                                       fm_host_drawable_format (drawable));
  dd->x0 = x;
  dd->y0 = y;
  source->width = w;
  source->height = h;
  source->channels = channels;
  source->float_precision = fm_host_image_is_float (image);
  source->read = drawable_read;
  source->data = dd;
  source->destroy = drawable_data_free;
  return source;
}

gboolean
fm_dialog_run (FmItemId image, FmItemId drawable, FmValues *values)
{
  g_autofree char *user_dir = fm_values_user_dir ();
  const char *test_kernel = g_getenv ("FEATUREMAPS_DIALOG_KERNEL");
  gboolean ok = FALSE;

  fm_gegl_init ();
  fm_host_ui_init (FM_PLUGIN_BINARY);

  FmDialog *d = fm_dialog_new (drawable_source (image, drawable),
                               values->kernel, &values->options, user_dir);
  fm_dialog_learn_attach (d, fm_dialog_layers_new_host (image, drawable));
  /* Test hook: start on a given bank, as if picked in the list (so its
   * defaults apply) — the smoke test's screenshots. */
  if (test_kernel && *test_kernel)
    fm_dialog_model_load (d->model, test_kernel, TRUE, NULL);
  gtk_widget_show (d->window);

  while (gimp_dialog_run (GIMP_DIALOG (d->window)) == GTK_RESPONSE_OK)
    {
      g_autoptr (GError) error = NULL;
      if (fm_dialog_commit (d, values, &error))
        {
          ok = TRUE;
          break;
        }
      /* Saving the edited bank failed (disk full, no permission): say so
       * and let the user decide. */
      gtk_label_set_text (GTK_LABEL (d->error_label), error->message);
      gtk_widget_show (d->error_box);
    }
  fm_dialog_free (d);
  return ok;
}
