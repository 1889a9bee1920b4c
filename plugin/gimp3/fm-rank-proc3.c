/* fm-rank-proc3: plug-in-feature-maps-rank's GIMP 3 signature and run.
 * The arguments are 2.10's in the same order and types; the return values
 * are 2.10's without the counts (GIMP 3's arrays carry their length).  A plain
 * GimpProcedure with no menu entry: every run mode uses the arguments
 * given. */
#include "fm-rank-proc3.h"

#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"

static GimpValueArray *
run (GimpProcedure *procedure, GimpProcedureConfig *config, gpointer data)
{
  GimpImage *image = NULL;
  GimpDrawable *drawable = NULL;
  g_autofree char *kernel = NULL, *by = NULL;
  GError *error = NULL;
  FmRankRunResult result;

  (void) data;
  gegl_init (NULL, NULL);
  g_object_get (config, "image", &image, "drawable", &drawable, "kernel", &kernel,
                "by", &by, NULL);
  gboolean ok = fm_rank_run (image ? gimp_image_get_id (image) : 0,
                             drawable ? gimp_item_get_id (GIMP_ITEM (drawable)) : 0,
                             kernel, by, &result, &error);
  g_clear_object (&image);
  g_clear_object (&drawable);
  if (!ok)
    {
      GimpPDBStatusType status = error->code == FM_PLUGIN_ERROR_CALLING
                                 ? GIMP_PDB_CALLING_ERROR : GIMP_PDB_EXECUTION_ERROR;
      return gimp_procedure_new_return_values (procedure, status, error);
    }
  GimpValueArray *out = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_STRING (out, 1, result.layer);
  GIMP_VALUES_SET_INT32_ARRAY (out, 2, result.channels, result.n);
  GIMP_VALUES_SET_DOUBLE_ARRAY (out, 3, result.means, result.n);
  GIMP_VALUES_SET_DOUBLE_ARRAY (out, 4, result.maxes, result.n);
  fm_rank_run_result_clear (&result);
  return out;
}

GimpProcedure *
fm_rank_proc3_new (GimpPlugIn *plug_in)
{
  GimpProcedure *p = gimp_procedure_new (plug_in, FM_RANK_PROC, GIMP_PDB_PROC_TYPE_PLUGIN,
                                         run, NULL, NULL);
  gimp_procedure_set_documentation (p,
    "Rank a network layer's channels by how strongly they fire here",
    "Runs the network over the drawable (the selection's rectangle when there is one) "
    "and measures each channel of the layer inside the selection (weighted by it when "
    "feathered): its mean and largest raw activation.  Returns the channel numbers "
    "sorted by mean or by max, highest first, with their means and maxes: the command "
    "line's featuremaps rank MODEL#LAYER -i IMAGE --mask MASK.", FM_RANK_PROC);
  gimp_procedure_set_attribution (p, FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE);

  gimp_procedure_add_enum_argument (p, "run-mode", "Run mode", "Every run mode uses the "
                                    "arguments given", GIMP_TYPE_RUN_MODE,
                                    GIMP_RUN_NONINTERACTIVE, G_PARAM_READWRITE);
  gimp_procedure_add_image_argument (p, "image", "Image", "The image (its selection, when "
                                     "there is one, is where the channels are measured)",
                                     FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_drawable_argument (p, "drawable", "Drawable", "The photo the network "
                                        "reads", FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (p, "kernel", "Kernel", "One layer of a network, "
                                      "MODEL#LAYER (as plug-in-feature-maps takes it, without "
                                      "a channel pick), or a filter bank", "",
                                      G_PARAM_READWRITE);
  /* A string, not a GimpChoice: GIMP 3 quietly replaces a choice it does
   * not know by the default, where a wrong "by" must be a calling error. */
  gimp_procedure_add_string_argument (p, "by", "By", "What ranks the channels: \"mean\" or "
                                      "\"max\" (highest first)", "mean", G_PARAM_READWRITE);

  gimp_procedure_add_string_return_value (p, "layer", "Layer", "The layer ranked, as the "
                                          "model names it", NULL, G_PARAM_READWRITE);
  gimp_procedure_add_int32_array_return_value (p, "channels", "Channels", "The channel "
                                               "numbers (from 0) in rank order",
                                               G_PARAM_READWRITE);
  gimp_procedure_add_double_array_return_value (p, "means", "Means", "Each ranked channel's "
                                                "mean activation inside the selection",
                                                G_PARAM_READWRITE);
  gimp_procedure_add_double_array_return_value (p, "maxes", "Maxes", "Each ranked channel's "
                                                "largest activation inside the selection",
                                                G_PARAM_READWRITE);
  return p;
}
