/* fm-learn-proc: plug-in-feature-maps-learn's 2.10 signature and run.
 * There is no dialog: every run mode uses the arguments given (the dialog's
 * "Learn from two layers…" is where interactive learning belongs). */
#include "fm-learn-proc.h"

#include "fm-gegl.h"
#include "fm-learn-run.h"
#include "fm-pdb-params.h"
#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"

static const GimpParamDef args[] = {
  { GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }: "
    "both use the arguments given" },
  { GIMP_PDB_IMAGE, "image", "The image (its selection limits the fit)" },
  { GIMP_PDB_DRAWABLE, "drawable", "The layer before the effect" },
  { GIMP_PDB_DRAWABLE, "after-drawable", "The same layer after the effect (same size)" },
  { GIMP_PDB_INT32, "kernel-size-h", "Kernel rows (1 … 63)" },
  { GIMP_PDB_INT32, "kernel-size-w", "Kernel columns (1 … 63)" },
  { GIMP_PDB_INT32, "mode", "Which channels the kernel sees { 0 luminance, 1 per-channel "
    "(one kernel for R, G and B, as the Convolution Matrix), 2 full (each output channel "
    "from all input channels) }" },
  { GIMP_PDB_FLOAT, "ridge", "Ridge λ ≥ 0 added to the per-pixel normal matrix (0: none)" },
  { GIMP_PDB_INT32, "robust", "Down-weight outliers (clipped highlights, JPEG damage) { 0, 1 }" },
  { GIMP_PDB_STRING, "name", "The bank's name (empty: Learned); its file name is made from it" },
};

static const GimpParamDef returns[] = {
  { GIMP_PDB_STRING, "path", "The saved bank (JSON, in the user's featuremaps folder)" },
  { GIMP_PDB_STRING, "kernel", "The name plug-in-feature-maps takes as its kernel" },
  { GIMP_PDB_FLOAT, "psnr", "PSNR of the reproduction over the fitted windows, dB" },
  { GIMP_PDB_FLOAT, "rms", "Residual RMS over the fitted windows (pixel values 0..1)" },
  { GIMP_PDB_STRING, "warnings", "The fit's warnings with advice, one per line; empty when none" },
};

void
fm_learn_proc_query (void)
{
  gimp_install_procedure (FM_LEARN_PROC,
                          "Learn the convolution that turns one layer into another",
                          "Fits the kernel that reproduces the effect between a layer "
                          "before and a layer after it (least squares, a bias per filter), "
                          "saves it as a bank in the user's featuremaps folder under a new "
                          "file name, and returns its path, the name plug-in-feature-maps "
                          "takes, and the fit's PSNR and RMS.  The after layer is aligned as "
                          "a 'same' map; only windows wholly inside the layer, and under the "
                          "selection when there is one, are fitted.",
                          FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE,
                          NULL, "RGB*, GRAY*", GIMP_PLUGIN,
                          G_N_ELEMENTS (args), G_N_ELEMENTS (returns), args, returns);
}

void
fm_learn_proc_run (gint n_params, const GimpParam *params, gint *n_return,
                   GimpParam **return_vals)
{
  static GimpParam out[6];
  static FmLearnRunResult result;
  GError *error = NULL;

  fm_learn_run_result_clear (&result);
  *return_vals = out;
  *n_return = 1;
  out[0].type = GIMP_PDB_STATUS;

  if (!fm_pdb_check_count (FM_LEARN_PROC, n_params, G_N_ELEMENTS (args), &error))
    {
      fm_pdb_reply_error (out, n_return, error);
      return;
    }
  if (params[6].data.d_int32 < 0 || params[6].data.d_int32 >= FM_LEARN_RUN_N_MODES)
    g_set_error (&error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                 "mode %d: must be 0 luminance, 1 per-channel or 2 full",
                 params[6].data.d_int32);
  else if (params[8].data.d_int32 != 0 && params[8].data.d_int32 != 1)
    g_set_error (&error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                 "robust %d: must be 0 or 1", params[8].data.d_int32);
  else
    {
      fm_gegl_init ();
      FmLearnRunArgs a = {
        .image = params[1].data.d_image,
        .before = params[2].data.d_drawable,
        .after = params[3].data.d_drawable,
        .kh = params[4].data.d_int32,
        .kw = params[5].data.d_int32,
        .mode = fm_learn_run_mode (params[6].data.d_int32),
        .ridge = params[7].data.d_float,
        .robust = params[8].data.d_int32,
        .name = params[9].data.d_string,
      };
      fm_learn_run (&a, &result, &error);
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
  out[3].data.d_float = result.psnr;
  out[4].type = GIMP_PDB_FLOAT;
  out[4].data.d_float = result.rms;
  out[5].type = GIMP_PDB_STRING;
  out[5].data.d_string = result.warnings;
  *n_return = 6;
}
