/* fm-apply: the order of a run is the order of its failures.  Every check
 * that can blame an argument (options, kernel, precision, selection, bank
 * against image) runs before the first item is created, so a calling error
 * never leaves anything behind, not even an undo step. */
#include "fm-apply.h"

#include <string.h>
#include "fm-bank.h"
#include "fm-job.h"
#include "fm-net-load.h"
#include "fm-net-plan.h"
#include "fm-map-count.h"
#include "fm-net-prep.h"
#include "fm-layers-read.h"
#include "fm-layers-write.h"
#include "fm-plugin-errors.h"
#include "fm-profile.h"
#include "fm-summary-layer.h"

G_DEFINE_QUARK (fm-plugin-error-quark, fm_plugin_error)

static void
calling_error (GError **error, GError *cause, const char *prefix)
{
  if (prefix && !g_str_has_prefix (cause->message, prefix))
    g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING, "%s: %s",
                 prefix, cause->message);
  else
    g_set_error_literal (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                         cause->message);
  g_error_free (cause);
}

typedef struct { double shown; gboolean go_on; } Progress;

/* GIMP ends a plug-in whose progress the user cancels (both 2.10 and 3.0,
 * docs/plugin.md); a progress call that fails all the same stops the run at
 * the next band, and nothing has been inserted by then. */
static gboolean
progress_update (gpointer user_data, double fraction)
{
  Progress *p = user_data;
  if (fraction - p->shown >= 0.01 || fraction >= 1.0)
    {
      p->go_on = fm_host_progress_update (fraction);
      p->shown = fraction;
    }
  return p->go_on;
}

/* The maps are grey or RGB layers: an indexed image (a palette) cannot
 * hold them — GIMP refuses the insertion after the work is done — so it is
 * refused before anything is read or made, and the image stays as it was.
 * (The menu entry is not offered for it either: image types RGB*, GRAY*.) */
gboolean
fm_apply_check_image (FmItemId image, GError **error)
{
  if (!fm_host_image_is_indexed (image))
    return TRUE;
  g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
               "image %d is indexed (a palette), and the maps are grey or RGB layers: "
               "convert the image to RGB or grayscale first (Image ▸ Mode)", image);
  return FALSE;
}

static gboolean
check_raw_destination (FmItemId image, const FmOptions *o, GError **error)
{
  if (o->mapping != FM_MAPPING_RAW || o->destination != FM_DESTINATION_LAYERS
      || fm_host_image_is_float (image))
    return TRUE;
  g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
               "mapping 0 raw: needs a float-precision image, and this image "
               "stores integers (values outside 0..1 would be clipped); use "
               "destination 1 (a new float image), convert the image to "
               "floating point, or choose mapping 1 clamp, 2 normalize, "
               "3 normalize-joint or 4 abs-normalize");
  return FALSE;
}

/* A network named by the kernel text (MODEL#LAYER[,LAYER…], fm-net-plan.h). */
typedef struct {
  char *model;
  char **layers;
  FmNetGraph *graph;
} FmNetKernel;

static void
fm_net_kernel_clear (FmNetKernel *net)
{
  g_free (net->model);
  g_strfreev (net->layers);
  fm_net_graph_free (net->graph);
  memset (net, 0, sizeof *net);
}

/* The options that shape a bank's convolution (padding, border, stride,
 * dilation, activation) always have values in a PDB call, so for a
 * network they are ignored rather than refused as on the command line:
 * its layers have their own. */
static gboolean
net_kernel_load (FmNetKernel *net, const char *spec, const char *user_dir,
                 FmJobKernel *kernel, GError **error)
{
  GError *e = NULL;
  if (!net->layers[0])
    {
      g_autofree char *display = g_filename_display_name (net->model);
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "kernel: %s is a network: name the layers to show, %s#LAYER or "
                   "%s#LAYER,LAYER (featuremaps info %s lists them)", display, spec,
                   spec, display);
      return FALSE;
    }
  if (!(net->graph = fm_net_graph_load (net->model, &e)))
    {
      calling_error (error, e, "kernel");
      return FALSE;
    }
  /* The preprocessing the dialog's preset chose for this model, if any. */
  fm_net_prep_apply (fm_net_prep_recall (user_dir, net->model), net->graph);
  kernel->graph = net->graph;
  kernel->layers = (const char *const *) net->layers;
  kernel->n_layers = g_strv_length (net->layers);
  return TRUE;
}

static gboolean
check_map_count (const FmJob *job, const FmNetKernel *net, const char *spec, GError **error)
{
  return !net->graph || fm_net_check_map_count (job, net->layers, spec, net->model, error);
}

gboolean
fm_apply (FmItemId image, FmItemId drawable, const FmValues *values,
          gboolean display, FmApplyResult *result, GError **error)
{
  GError *e = NULL;
  *result = (FmApplyResult) { .image = -1, .group = -1 };

  if (!fm_options_validate (&values->options, &e))
    {
      calling_error (error, e, NULL);
      return FALSE;
    }
  if (!fm_host_item_is_drawable (drawable) || fm_host_item_get_image (drawable) != image)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "drawable %d: not a drawable of image %d", drawable, image);
      return FALSE;
    }
  if (!fm_apply_check_image (image, error))
    return FALSE;
  if (!fm_summaries_only (values->kernel)
      && !check_raw_destination (image, &values->options, error))
    return FALSE;

  g_autofree char *user_dir = fm_values_user_dir ();
  FmNetKernel net = { 0 };
  g_autoptr (FmBank) bank = NULL;
  FmJobKernel kernel = { 0 };
  g_autofree char *group_name = NULL;
  /* Summary layers (LAYER[summary], fm-summary-layer.h) come off the names:
   * what stays asks for maps, and may be nothing. */
  FmSummaries summaries = { 0 };
  if (fm_net_spec_parse (values->kernel, &net.model, &net.layers))
    {
      if (!net_kernel_load (&net, values->kernel, user_dir, &kernel, error))
        {
          fm_net_kernel_clear (&net);
          return FALSE;
        }
      fm_summaries_take (&summaries, &net.layers);
      kernel.layers = (const char *const *) net.layers;
      kernel.n_layers = g_strv_length (net.layers);
      if (!fm_summaries_check (&summaries, image, values->options.destination, error))
        {
          fm_summaries_clear (&summaries);
          fm_net_kernel_clear (&net);
          return FALSE;
        }
      group_name = g_path_get_basename (net.model);
    }
  else
    {
      if (!(bank = fm_bank_load (values->kernel, user_dir, &e)))
        {
          calling_error (error, e, "kernel");
          return FALSE;
        }
      kernel.bank = bank;
      group_name = g_strdup (bank->name);
    }

  FmDrawableSource src;
  if (!fm_drawable_source_init (&src, drawable, error))
    {
      fm_summaries_clear (&summaries);
      fm_net_kernel_clear (&net);
      return FALSE;
    }
  if (summaries.n > 0 && kernel.n_layers == 0)
    {
      fm_drawable_source_clear (&src);
      /* Every layer asked for is LAYER[summary]: no maps. */
      gboolean done = fm_summaries_run_alone (&summaries, image, drawable, net.graph,
                                              values->options.input_mode, group_name,
                                              &result->group, error);
      if (done)
        result->image = image;
      fm_net_kernel_clear (&net);
      return done;
    }

  FmImageInfo info;
  fm_drawable_source_info (&src, &info);
  FmJob *job = fm_job_new_for (&kernel, &values->options, &info, &e);
  if (job && !check_map_count (job, &net, values->kernel, &e))
    g_clear_pointer (&job, fm_job_free);
  if (!job)
    {
      /* The core calls what it sees "the image"; with a selection that is
       * the selection's rectangle, which the user may not guess. */
      if (src.width != fm_host_drawable_width (drawable)
          || src.height != fm_host_drawable_height (drawable))
        g_prefix_error (&e, "selection %d × %d at %d,%d: ", src.width, src.height,
                        src.x, src.y);
      fm_drawable_source_clear (&src);
      fm_summaries_clear (&summaries);
      fm_net_kernel_clear (&net);
      calling_error (error, e, kernel.graph ? "kernel" : NULL);
      return FALSE;
    }

  /* The summaries first: their calling errors (a layer the model lacks, a
   * selection too small for its grid) come before the maps' long run. */
  fm_summaries_match (&summaries, job);
  gboolean ok = summaries.n == 0
                || fm_summaries_make (&summaries, image, drawable, net.graph,
                                      values->options.input_mode, 0.0, error);
  FmLayerTarget target = { 0 };
  ok = ok && fm_layer_target_create (&target, image, &src, job, group_name,
                                        values->options.destination, error);
  fm_profile_mark ("layers");
  if (ok)
    {
      g_autofree char *message = g_strdup_printf ("Feature maps: %s", group_name);
      Progress progress = { 0, TRUE };
      fm_host_progress_init (message);
      ok = fm_job_run (job, fm_drawable_source_read, &src,
                       fm_layer_target_write, &target,
                       progress_update, &progress, &e);
      if (!ok)
        g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                     "%s", e->message), g_clear_error (&e);
    }
  fm_profile_mark ("computed");
  fm_drawable_source_clear (&src);
  fm_job_free (job);
  fm_net_kernel_clear (&net);

  if (ok)
    {
      /* One undo step for the maps and the summaries (undo groups nest). */
      if (summaries.n > 0)
        fm_host_undo_group_start (image);
      ok = fm_layer_target_commit (&target, error)
           && fm_summaries_insert (&summaries, image, drawable, &target, group_name, error);
      if (!ok && target.inserted && target.group > 0)
        fm_host_image_remove_layer (target.image, target.group);
      if (summaries.n > 0)
        fm_host_undo_group_end (image);
      if (ok && summaries.n > 0 && fm_host_item_is_layer (fm_host_layer_of (drawable)))
        fm_host_image_select_layer (image, fm_host_layer_of (drawable));
    }
  if (ok)
    {
      result->image = target.image;
      result->group = target.group;
      result->n_layers = target.n_layers;
      result->layers = g_memdup2 (target.layers, sizeof (FmItemId) * target.n_layers);
      if (display && target.destination == FM_DESTINATION_IMAGE)
        fm_host_display_new (target.image);
    }
  fm_host_progress_end ();
  fm_layer_target_clear (&target);
  fm_summaries_clear (&summaries);
  return ok;
}
