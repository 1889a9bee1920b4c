/* fm-learn-run: plug-in-feature-maps-learn's work (see fm-learn-run.h).
 *
 * The core needs both images whole (it accumulates correlations in bands
 * but reads windows across them), so the drawables are read at once: two
 * H × W × C float copies, the same as the command line holds. */
#include "fm-learn-run.h"

#include "fm-gegl.h"
#include "fm-plugin-errors.h"
#include "fm-values.h"

#include <math.h>
#include <string.h>

static const FmLearnMode run_modes[FM_LEARN_RUN_N_MODES] = {
  FM_LEARN_MODE_LUMINANCE, FM_LEARN_MODE_PER_CHANNEL, FM_LEARN_MODE_FULL
};

FmLearnMode
fm_learn_run_mode (int index)
{
  return index >= 0 && index < FM_LEARN_RUN_N_MODES ? run_modes[index] : FM_LEARN_MODE_AUTO;
}

/* The whole drawable as perceptual floats in its own model and space, the
 * way fm-layers-read hands pixels to plug-in-feature-maps. */
float *
fm_learn_read_drawable (FmItemId drawable, gboolean in_selection, FmLearnImage *img)
{
  int x = 0, y = 0;
  memset (img, 0, sizeof *img);
  img->width = fm_host_drawable_width (drawable);
  img->height = fm_host_drawable_height (drawable);
  if (in_selection && !fm_host_drawable_mask_intersect (drawable, &x, &y, &img->width,
                                                        &img->height))
    {
      img->width = img->height = 0;   /* the caller's sign: nothing selected here */
      return NULL;
    }
  gboolean gray = !fm_host_drawable_is_rgb (drawable);
  gboolean alpha = fm_host_drawable_has_alpha (drawable);
  const char *name = gray ? (alpha ? "Y'A float" : "Y' float")
                          : (alpha ? "R'G'B'A float" : "R'G'B' float");
  const Babl *format = babl_format_with_space (name, fm_host_drawable_format (drawable));
  img->channels = (gray ? 1 : 3) + (alpha ? 1 : 0);
  float *pixels = g_try_new (float, (gsize) img->width * img->height * img->channels);
  if (pixels)
    {
      GeglBuffer *buffer = fm_host_drawable_buffer (drawable);
      fm_gegl_get_float (buffer, GEGL_RECTANGLE (x, y, img->width, img->height),
                         format, pixels);
      g_object_unref (buffer);
    }
  img->pixels = pixels;
  return pixels;
}

/* The selection under the before drawable, as the core's mask (a window
 * counts when the selection at its result is ≥ 0.5); NULL when nothing
 * is selected. */
float *
fm_learn_read_selection (FmItemId image, FmItemId before, FmLearnImage *mask)
{
  FmItemId selection = fm_host_image_selection (image);
  if (selection <= 0)
    return NULL;
  int ox = 0, oy = 0;
  fm_host_drawable_offsets (before, &ox, &oy);
  mask->width = fm_host_drawable_width (before);
  mask->height = fm_host_drawable_height (before);
  mask->channels = 1;
  float *pixels = g_try_new (float, (gsize) mask->width * mask->height);
  if (pixels)
    {
      GeglBuffer *buffer = fm_host_drawable_buffer (selection);
      /* Outside the image the buffer reads as 0: not selected. */
      fm_gegl_get_float (buffer, GEGL_RECTANGLE (ox, oy, mask->width, mask->height),
                         babl_format ("Y float"), pixels);
      g_object_unref (buffer);
    }
  mask->pixels = pixels;
  return pixels;
}

static gboolean
progress (gpointer user_data, double fraction)
{
  (void) user_data;
  return fm_host_progress_update (fraction);
}

static gboolean
check_args (const FmLearnRunArgs *args, GError **error)
{
  if (!fm_host_item_is_drawable (args->before))
    return fm_plugin_calling (error, "drawable: the before layer is not a drawable");
  if (!fm_host_item_is_drawable (args->after))
    return fm_plugin_calling (error, "after-drawable: give the layer after the effect");
  if (args->before == args->after)
    return fm_plugin_calling (error, "after-drawable: the after layer is the before layer itself; "
                           "give the layer after the effect");
  if (args->mode == FM_LEARN_MODE_AUTO)
    return fm_plugin_calling (error, "mode: must be 0 luminance, 1 per-channel or 2 full");
  if (!(args->ridge >= 0) || !isfinite (args->ridge))
    return fm_plugin_calling (error, "ridge %g: must be ≥ 0", args->ridge);
  return TRUE;
}

gboolean
fm_learn_run (const FmLearnRunArgs *args, FmLearnRunResult *result, GError **error)
{
  memset (result, 0, sizeof *result);
  if (!check_args (args, error))
    return FALSE;

  FmLearnImage before = { 0 }, after = { 0 }, mask = { 0 };
  g_autofree float *bp = fm_learn_read_drawable (args->before, FALSE, &before);
  g_autofree float *ap = fm_learn_read_drawable (args->after, FALSE, &after);
  g_autofree float *mp = fm_learn_read_selection (args->image, args->before, &mask);
  /* mask.channels is set when there is a selection to read */
  if (!bp || !ap || (mask.channels && !mp))
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                   "not enough memory for the two layers' pixels");
      return FALSE;
    }

  FmLearnPairOptions opt;
  fm_learn_pair_options_init (&opt);
  opt.mode = args->mode;
  opt.kh = args->kh;
  opt.kw = args->kw;
  opt.ridge = args->ridge;
  opt.robust = args->robust;
  opt.name = args->name;

  GError *local = NULL;
  g_autofree char *dir = fm_values_user_dir ();
  fm_host_progress_init ("Learning a kernel");
  gboolean ok = fm_learn_fit_pair (&before, &after, mp ? &mask : NULL, &opt, dir,
                                   progress, NULL, result, &local);
  fm_host_progress_end ();
  if (!ok)
    {
      g_set_error_literal (error, FM_PLUGIN_ERROR,
                           fm_learn_fit_bad_input (local) ? FM_PLUGIN_ERROR_CALLING
                                                          : FM_PLUGIN_ERROR_EXECUTION,
                           local->message);
      g_error_free (local);
    }
  return ok;
}
