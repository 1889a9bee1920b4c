/* fm-deep-job: a layer's raw maps, band by band, with the selection as a
 * mask (fm-deep-job.h). */
#include "fm-deep-job.h"

#include <string.h>
#include "fm-gegl.h"
#include "fm-plugin-errors.h"

static void
calling (GError **error, GError *cause, const char *prefix)
{
  if (g_str_has_prefix (cause->message, prefix))
    g_set_error_literal (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING, cause->message);
  else
    g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING, "%s%s", prefix,
                 cause->message);
  g_error_free (cause);
}

/* The selection under the rectangle read, as weights 0..1; the mask is as
 * large as the rectangle, which is the image the job sees. */
static gboolean
read_mask (FmDeepJob *deep, FmItemId image, GError **error)
{
  FmItemId selection = fm_host_image_selection (image);
  if (selection <= 0)
    return TRUE;
  const FmDrawableSource *src = &deep->src;
  int ox = 0, oy = 0;
  fm_host_drawable_offsets (src->drawable, &ox, &oy);
  g_autofree float *pixels = g_try_new (float, (gsize) src->width * src->height);
  if (!pixels)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                   "not enough memory for the selection (%d × %d)", src->width,
                   src->height);
      return FALSE;
    }
  GeglBuffer *buffer = fm_host_drawable_buffer (selection);
  fm_gegl_get_float (buffer, GEGL_RECTANGLE (ox + src->x, oy + src->y, src->width,
                                             src->height),
                     babl_format ("Y float"), pixels);
  g_object_unref (buffer);
  GError *e = NULL;
  deep->mask = fm_maps_mask_to_grid (pixels, src->height, src->width, src->height,
                                     src->width, deep->out, &e);
  if (!deep->mask)
    {
      calling (error, e, "selection: ");
      return FALSE;
    }
  /* A selection too small for the layer's grid selects no map pixel. */
  const gsize n = (gsize) deep->out->out_w * deep->out->out_h;
  for (gsize i = 0; i < n; i++)
    if (deep->mask[i] > 0.0f)
      return TRUE;
  g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
               "selection: no pixel of '%s' lies inside it (its map pixels are %d × %d "
               "photo pixels); select a larger area or select none", deep->out->name,
               deep->out->stride_x, deep->out->stride_y);
  return FALSE;
}

gboolean
fm_deep_job_open (FmDeepJob *deep, FmItemId image, FmItemId drawable,
                  const FmJobKernel *kernel, FmInputMode input_mode, GError **error)
{
  memset (deep, 0, sizeof *deep);
  if (!fm_drawable_source_init (&deep->src, drawable, error))
    return FALSE;
  FmOptions opts;
  fm_options_init (&opts);
  opts.mapping = FM_MAPPING_RAW;
  opts.input_mode = input_mode;
  FmImageInfo info;
  fm_drawable_source_info (&deep->src, &info);
  GError *e = NULL;
  if (!(deep->job = fm_job_new_for (kernel, &opts, &info, &e)))
    {
      if (deep->src.width != fm_host_drawable_width (drawable)
          || deep->src.height != fm_host_drawable_height (drawable))
        g_prefix_error (&e, "selection %d × %d at %d,%d: ", deep->src.width,
                        deep->src.height, deep->src.x, deep->src.y);
      calling (error, e, "kernel: ");
      return FALSE;
    }
  deep->out = fm_job_output (deep->job, 0);
  return read_mask (deep, image, error);
}

typedef struct { double from, to, shown; } Progress;

static gboolean
progress (gpointer user_data, double fraction)
{
  Progress *p = user_data;
  if (fraction - p->shown >= 0.01 || fraction >= 1.0)
    {
      p->shown = fraction;
      return fm_host_progress_update (p->from + fraction * (p->to - p->from));
    }
  return TRUE;
}

gboolean
fm_deep_job_run (FmDeepJob *deep, FmMapsBand band, gpointer data, double from,
                 double to, GError **error)
{
  Progress p = { from, to, 0 };
  GError *e = NULL;
  if (fm_maps_run (deep->job, 0, fm_drawable_source_read, &deep->src, band, data,
                   progress, &p, &e))
    return TRUE;
  g_set_error_literal (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION, e->message);
  g_error_free (e);
  return FALSE;
}

void
fm_deep_job_clear (FmDeepJob *deep)
{
  fm_job_free (deep->job);
  fm_drawable_source_clear (&deep->src);
  g_free (deep->mask);
  memset (deep, 0, sizeof *deep);
}
