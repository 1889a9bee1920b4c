/* fm-learn-patches-proc: plug-in-feature-maps-learn-patches's 2.10
 * signature and run.  Every run mode uses the arguments given (the
 * dialog's "Learn filters from this layer…" is the interactive way). */
#include "fm-learn-patches-proc.h"

#include "fm-gegl.h"
#include "fm-pdb-params.h"
#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"

static const GimpParamDef args[] = {
  { GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }: "
    "both use the arguments given" },
  { GIMP_PDB_IMAGE, "image", "The image (its selection's bounding box limits the patches)" },
  { GIMP_PDB_DRAWABLE, "drawable", "The layer to learn filters from" },
  { GIMP_PDB_INT32, "filters", "Number of filters K (at most the patch's values: kh × kw × "
    "channels; one less for ica)" },
  { GIMP_PDB_INT32, "kernel-size-h", "Patch rows (1 … 63)" },
  { GIMP_PDB_INT32, "kernel-size-w", "Patch columns (1 … 63)" },
  { GIMP_PDB_INT32, "method", "How the filters are learned { 0 pca (principal components), "
    "1 kmeans (spherical k-means on whitened patches), 2 ica (FastICA) }" },
  { GIMP_PDB_INT32, "seed", "Random seed of the patch positions and the methods (≥ 0)" },
  { GIMP_PDB_STRING, "name", "The bank's name (empty: Learned (method)); its file name is "
    "made from it" },
};

static const GimpParamDef returns[] = {
  { GIMP_PDB_STRING, "path", "The saved bank (JSON, in the user's featuremaps folder)" },
  { GIMP_PDB_STRING, "kernel", "The name plug-in-feature-maps takes as its kernel" },
  { GIMP_PDB_FLOAT, "objective", "pca: fraction of the patch variance explained; kmeans: "
    "mean squared error of the whitened patches' code; ica: sum of the negentropies" },
};

void
fm_learn_patches_proc_query (void)
{
  gimp_install_procedure (FM_LEARN_PATCHES_PROC,
                          "Learn a bank of filters from the patches of a layer",
                          "Samples patches of the layer (inside the selection's bounding "
                          "box when there is a selection) with a fixed seed and learns K "
                          "filters from them, as `featuremaps learn --patches` does: "
                          "principal components, spherical k-means on whitened patches, or "
                          "FastICA.  Colour layers give full (R, G, B) filters, grey ones "
                          "luminance filters.  Saves the bank in the user's featuremaps "
                          "folder under a new file name and returns its path and the name "
                          "plug-in-feature-maps takes.",
                          FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE,
                          NULL, "RGB*, GRAY*", GIMP_PLUGIN,
                          G_N_ELEMENTS (args), G_N_ELEMENTS (returns), args, returns);
}

void
fm_learn_patches_proc_run (gint n_params, const GimpParam *params, gint *n_return,
                           GimpParam **return_vals)
{
  static GimpParam out[4];
  static FmLearnRunResult result;
  GError *error = NULL;

  fm_learn_run_result_clear (&result);
  *return_vals = out;
  *n_return = 1;
  out[0].type = GIMP_PDB_STATUS;

  if (!fm_pdb_check_count (FM_LEARN_PATCHES_PROC, n_params, G_N_ELEMENTS (args), &error))
    {
      fm_pdb_reply_error (out, n_return, error);
      return;
    }
  if (params[6].data.d_int32 < 0 || params[6].data.d_int32 >= FM_LEARN_N_METHODS)
    g_set_error (&error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                 "method %d: must be 0 pca, 1 kmeans or 2 ica", params[6].data.d_int32);
  else if (params[7].data.d_int32 < 0)
    g_set_error (&error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                 "seed %d: must be ≥ 0", params[7].data.d_int32);
  else
    {
      fm_gegl_init ();
      FmLearnPatchesRunArgs a = {
        .image = params[1].data.d_image,
        .drawable = params[2].data.d_drawable,
        .n_filters = params[3].data.d_int32,
        .kh = params[4].data.d_int32,
        .kw = params[5].data.d_int32,
        .method = params[6].data.d_int32,
        .seed = (guint32) params[7].data.d_int32,
        .name = params[8].data.d_string,
      };
      fm_learn_patches_run (&a, &result, &error);
    }

  if (error)
    {
      fm_pdb_reply_error (out, n_return, error);
      return;
    }
  out[0].data.d_status = GIMP_PDB_SUCCESS;
  out[1].type = GIMP_PDB_STRING;
  out[1].data.d_string = result.path;
  out[2].type = GIMP_PDB_STRING;
  out[2].data.d_string = result.preset;
  out[3].type = GIMP_PDB_FLOAT;
  out[3].data.d_float = result.objective;
  *n_return = 4;
}
