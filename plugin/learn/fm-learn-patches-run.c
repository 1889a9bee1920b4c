/* fm-learn-patches-run: plug-in-feature-maps-learn-patches's work (see
 * fm-learn-patches-run.h).  The sampler draws windows anywhere in the
 * image it is given, so the layer is read once (its selected rectangle),
 * as the command line holds the image it learns from. */
#include "fm-learn-patches-run.h"

#include "fm-learn-run.h"
#include "fm-plugin-errors.h"
#include "fm-values.h"

#include <string.h>

gboolean
fm_learn_patches_run (const FmLearnPatchesRunArgs *args, FmLearnRunResult *result,
                      GError **error)
{
  memset (result, 0, sizeof *result);
  if (!fm_host_item_is_drawable (args->drawable))
    return fm_plugin_calling (error, "drawable: give the layer to learn filters from");
  if (fm_host_drawable_is_indexed (args->drawable))
    return fm_plugin_calling (error, "drawable: an indexed layer holds palette positions, not "
                           "light; convert the image to RGB or grey first");
  if ((int) args->method < 0 || args->method >= FM_LEARN_N_METHODS)
    return fm_plugin_calling (error, "method %d: must be 0 pca, 1 kmeans or 2 ica", args->method);

  FmLearnImage img;
  g_autofree float *pixels = fm_learn_read_drawable (args->drawable, TRUE, &img);
  if (!pixels && img.width == 0)
    return fm_plugin_calling (error, "drawable: the selection does not touch the layer; select "
                           "part of it, or nothing to learn from all of it");
  if (!pixels)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                   "not enough memory for the layer's %d × %d pixels", img.width,
                   img.height);
      return FALSE;
    }
  if (fm_host_image_selection (args->image) > 0
      && (args->kh > img.height || args->kw > img.width))
    return fm_plugin_calling (error, "the selection (%d × %d) is smaller than one %d × %d patch: "
                           "select a larger region or use a smaller kernel",
                    img.width, img.height, args->kh, args->kw);

  FmLearnPatchOptions opt;
  fm_learn_patch_options_init (&opt);
  opt.method = args->method;
  opt.kh = args->kh;
  opt.kw = args->kw;
  opt.n_filters = args->n_filters;
  opt.seed = args->seed;
  opt.name = args->name;

  GError *local = NULL;
  g_autofree char *dir = fm_values_user_dir ();
  fm_host_progress_init ("Learning filters");
  gboolean ok = fm_learn_fit_patches (&img, &opt, dir, result, &local);
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
