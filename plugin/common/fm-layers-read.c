/* fm-layers-read: reading the source through its GeglBuffer.
 *
 * Pixels are asked for as perceptual floats in the drawable's own model
 * (Y'/R'G'B', with alpha when it has one) and its own colour space, whatever
 * the image precision: babl converts u8 … double and linear … gamma, so the
 * engine always sees the sRGB-encoded 0..1 values networks are trained on,
 * and 16/32-bit images keep their precision. */
#include "fm-layers-read.h"

#include "fm-gegl.h"
#include "fm-plugin-errors.h"
#include "fm-profile.h"

gboolean
fm_drawable_source_init (FmDrawableSource *src, FmItemId drawable, GError **error)
{
  *src = (FmDrawableSource) { .drawable = drawable };

  if (!fm_host_drawable_mask_intersect (drawable, &src->x, &src->y,
                                     &src->width, &src->height)
      || src->width <= 0 || src->height <= 0)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "drawable: the selection does not touch the drawable; "
                   "select part of it or select none");
      return FALSE;
    }

  gboolean gray = !fm_host_drawable_is_rgb (drawable);
  gboolean alpha = fm_host_drawable_has_alpha (drawable);
  const char *name = gray ? (alpha ? "Y'A float" : "Y' float")
                          : (alpha ? "R'G'B'A float" : "R'G'B' float");
  src->channels = (gray ? 1 : 3) + (alpha ? 1 : 0);
  src->format = babl_format_with_space (name, fm_host_drawable_format (drawable));
  src->buffer = fm_host_drawable_buffer (drawable);
  return TRUE;
}

void
fm_drawable_source_clear (FmDrawableSource *src)
{
  g_clear_object (&src->buffer);
}

void
fm_drawable_source_info (const FmDrawableSource *src, FmImageInfo *info)
{
  info->width = src->width;
  info->height = src->height;
  info->channels = src->channels;
}

gboolean
fm_drawable_source_read (gpointer user_data, int y0, int n_rows, float *pixels,
                         GError **error)
{
  FmDrawableSource *src = user_data;
  (void) error;
  gint64 start = fm_profile_now ();
  fm_gegl_get_float (src->buffer,
                            GEGL_RECTANGLE (src->x, src->y + y0, src->width, n_rows),
                            src->format, pixels);
  fm_profile_add (FM_PROFILE_READ, start);
  return TRUE;
}
