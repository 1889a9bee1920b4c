/* fm-dialog-gimp: the dialog inside GIMP — the drawable as pixel source and
 * the run loop.  The only dialog file that talks to GIMP itself. */
#include "fm-dialog.h"
#include "fm-dialog-private.h"
#include "fm-gegl.h"

#include <libgimp/gimpui.h>

typedef struct {
  gint32 drawable_ID;
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

static gboolean
float_precision (GimpPrecision p)
{
  switch (p)
    {
    case GIMP_PRECISION_HALF_LINEAR:
    case GIMP_PRECISION_HALF_GAMMA:
    case GIMP_PRECISION_FLOAT_LINEAR:
    case GIMP_PRECISION_FLOAT_GAMMA:
    case GIMP_PRECISION_DOUBLE_LINEAR:
    case GIMP_PRECISION_DOUBLE_GAMMA:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The pixels in the layout fm_job expects: the drawable's own channels,
 * perceptual values, in the drawable's colour space. */
static FmDialogSource *
drawable_source (gint32 image_ID, gint32 drawable_ID)
{
  static const char *formats[] = { "Y' float", "Y'A float", "R'G'B' float", "R'G'B'A float" };
  FmDialogSource *source = g_new0 (FmDialogSource, 1);
  DrawableData *dd = g_new0 (DrawableData, 1);
  int x, y, w, h;

  if (!gimp_drawable_mask_intersect (drawable_ID, &x, &y, &w, &h))
    {
      x = y = 0;
      w = gimp_drawable_width (drawable_ID);
      h = gimp_drawable_height (drawable_ID);
    }
  int channels = (gimp_drawable_is_rgb (drawable_ID) ? 3 : 1) +
                 (gimp_drawable_has_alpha (drawable_ID) ? 1 : 0);

  dd->drawable_ID = drawable_ID;
  dd->buffer = gimp_drawable_get_buffer (drawable_ID);
  dd->format = babl_format_with_space (formats[channels - 1],
                                       gimp_drawable_get_format (drawable_ID));
  dd->x0 = x;
  dd->y0 = y;
  source->width = w;
  source->height = h;
  source->channels = channels;
  source->float_precision = float_precision (gimp_image_get_precision (image_ID));
  source->read = drawable_read;
  source->data = dd;
  source->destroy = drawable_data_free;
  return source;
}

gboolean
fm_dialog_run (gint32 image_ID, gint32 drawable_ID, FmValues *values)
{
  g_autofree char *user_dir = fm_values_user_dir ();
  const char *test_kernel = g_getenv ("FEATUREMAPS_DIALOG_KERNEL");
  gboolean ok = FALSE;

  fm_gegl_init ();
  gimp_ui_init (FM_PLUGIN_BINARY, FALSE);

  FmDialog *d = fm_dialog_new (drawable_source (image_ID, drawable_ID),
                               values->kernel, &values->options, user_dir,
                               gimp_standard_help_func);
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
