/* fm-rank-proc: plug-in-feature-maps-rank's 2.10 signature and run.  No
 * dialog: every run mode uses the arguments given.  Arrays go back as a
 * count followed by the array, as the PDB of 2.10 wants them. */
#include "fm-rank-proc.h"

#include "fm-gegl.h"
#include "fm-pdb-params.h"
#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"

static const GimpParamDef args[] = {
  { GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }: "
    "both use the arguments given" },
  { GIMP_PDB_IMAGE, "image", "The image (its selection, when there is one, is where the "
    "channels are measured)" },
  { GIMP_PDB_DRAWABLE, "drawable", "The photo the network reads" },
  { GIMP_PDB_STRING, "kernel", "One layer of a network, MODEL#LAYER (as plug-in-feature-maps "
    "takes it, without a channel pick), or a filter bank" },
  { GIMP_PDB_STRING, "by", "What ranks the channels: \"mean\" or \"max\" (highest first)" },
};

/* The string first: a failed call's message takes its place, and no
 * array follows a slot that is not its count. */
static const GimpParamDef returns[] = {
  { GIMP_PDB_STRING, "layer", "The layer ranked, as the model names it" },
  { GIMP_PDB_INT32, "num-channels", "K, the layer's channel count" },
  { GIMP_PDB_INT32ARRAY, "channels", "The channel numbers (from 0) in rank order" },
  { GIMP_PDB_INT32, "num-means", "K" },
  { GIMP_PDB_FLOATARRAY, "means", "Each ranked channel's mean activation inside the selection" },
  { GIMP_PDB_INT32, "num-maxes", "K" },
  { GIMP_PDB_FLOATARRAY, "maxes", "Each ranked channel's largest activation inside the selection" },
};

void
fm_rank_proc_query (void)
{
  gimp_install_procedure (FM_RANK_PROC,
                          "Rank a network layer's channels by how strongly they fire here",
                          "Runs the network over the drawable (the selection's rectangle when "
                          "there is one) and measures each channel of the layer inside the "
                          "selection (weighted by it when feathered): its mean and largest "
                          "raw activation.  Returns the channel numbers sorted by mean or by "
                          "max, highest first, with their means and maxes: the command line's "
                          "featuremaps rank MODEL#LAYER -i IMAGE --mask MASK.",
                          FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE,
                          NULL, "RGB*, GRAY*", GIMP_PLUGIN,
                          G_N_ELEMENTS (args), G_N_ELEMENTS (returns), args, returns);
}

void
fm_rank_proc_run (gint n_params, const GimpParam *params, gint *n_return,
                  GimpParam **return_vals)
{
  static GimpParam out[8];
  static FmRankRunResult result;
  GError *error = NULL;

  fm_rank_run_result_clear (&result);
  *return_vals = out;
  *n_return = 1;
  out[0].type = GIMP_PDB_STATUS;

  if (fm_pdb_check_count (FM_RANK_PROC, n_params, G_N_ELEMENTS (args), &error))
    {
      fm_gegl_init ();
      fm_rank_run (params[1].data.d_image, params[2].data.d_drawable,
                   params[3].data.d_string, params[4].data.d_string, &result, &error);
    }
  if (error)
    {
      fm_pdb_reply_error (out, n_return, error);
      return;
    }
  out[0].data.d_status = GIMP_PDB_SUCCESS;
  out[1].type = GIMP_PDB_STRING;
  out[1].data.d_string = result.layer;
  out[2].type = GIMP_PDB_INT32;
  out[2].data.d_int32 = result.n;
  out[3].type = GIMP_PDB_INT32ARRAY;
  out[3].data.d_int32array = result.channels;
  out[4].type = GIMP_PDB_INT32;
  out[4].data.d_int32 = result.n;
  out[5].type = GIMP_PDB_FLOATARRAY;
  out[5].data.d_floatarray = result.means;
  out[6].type = GIMP_PDB_INT32;
  out[6].data.d_int32 = result.n;
  out[7].type = GIMP_PDB_FLOATARRAY;
  out[7].data.d_floatarray = result.maxes;
  *n_return = 8;
}
