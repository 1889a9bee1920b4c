/* fm-learn-proc3: plug-in-feature-maps-learn's GIMP 3 signature and run.
 * The arguments are 2.10's in the same order, but mode is a GimpChoice
 * ("luminance", "per-channel", "full") and the sizes carry their range, so
 * GIMP checks them before the plug-in runs.  A plain GimpProcedure, not an
 * image procedure: it takes two drawables of equal standing, and no menu
 * entry (there is no dialog; every run mode uses the arguments given). */
#include "fm-learn-proc3.h"

#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"

static const char *const mode_names[FM_LEARN_RUN_N_MODES] = {
  "luminance", "per-channel", "full"
};
static const char *const mode_help[FM_LEARN_RUN_N_MODES] = {
  "One kernel on the luminance",
  "One kernel for R, G and B, as the Convolution Matrix applies it",
  "Each output channel from all input channels, as a CNN layer",
};

static GimpValueArray *
run (GimpProcedure *procedure, GimpProcedureConfig *config, gpointer data)
{
  GimpImage *image = NULL;
  GimpDrawable *before = NULL, *after = NULL;
  int kh = 0, kw = 0, robust = 0;
  double ridge = 0;
  g_autofree char *name = NULL;
  GError *error = NULL;
  FmLearnRunResult result;

  (void) data;
  gegl_init (NULL, NULL);
  g_object_get (config, "image", &image, "drawable", &before, "after-drawable", &after,
                "kernel-size-h", &kh, "kernel-size-w", &kw, "ridge", &ridge,
                "robust", &robust, "name", &name, NULL);
  int mode = gimp_procedure_config_get_choice_id (config, "mode");
  FmLearnRunArgs a = {
    .image = image ? gimp_image_get_id (image) : 0,
    .before = before ? gimp_item_get_id (GIMP_ITEM (before)) : 0,
    .after = after ? gimp_item_get_id (GIMP_ITEM (after)) : 0,
    .kh = kh, .kw = kw,
    .mode = fm_learn_run_mode (mode),
    .ridge = ridge,
    .robust = robust,
    .name = name,
  };
  g_clear_object (&image);
  g_clear_object (&before);
  g_clear_object (&after);
  if (!fm_learn_run (&a, &result, &error))
    {
      GimpPDBStatusType status = error->code == FM_PLUGIN_ERROR_CALLING
                                 ? GIMP_PDB_CALLING_ERROR : GIMP_PDB_EXECUTION_ERROR;
      /* Takes the error: the caller sees its message. */
      return gimp_procedure_new_return_values (procedure, status, error);
    }
  GimpValueArray *out = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_STRING (out, 1, result.path);
  GIMP_VALUES_SET_STRING (out, 2, result.preset);
  GIMP_VALUES_SET_DOUBLE (out, 3, result.psnr);
  GIMP_VALUES_SET_DOUBLE (out, 4, result.rms);
  GIMP_VALUES_SET_STRING (out, 5, result.warnings);
  fm_learn_run_result_clear (&result);
  return out;
}

GimpProcedure *
fm_learn_proc3_new (GimpPlugIn *plug_in)
{
  GimpProcedure *p = gimp_procedure_new (plug_in, FM_LEARN_PROC, GIMP_PDB_PROC_TYPE_PLUGIN,
                                         run, NULL, NULL);
  gimp_procedure_set_documentation (p,
    "Learn the convolution that turns one layer into another",
    "Fits the kernel that reproduces the effect between a layer before and a layer "
    "after it (least squares, a bias per filter), saves it as a bank in the user's "
    "featuremaps folder under a new file name, and returns its path, the name "
    "plug-in-feature-maps takes, and the fit's PSNR and RMS.  The after layer is "
    "aligned as a 'same' map; only windows wholly inside the layer, and under the "
    "selection when there is one, are fitted.", FM_LEARN_PROC);
  gimp_procedure_set_attribution (p, FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE);

  gimp_procedure_add_enum_argument (p, "run-mode", "Run mode", "Every run mode uses the "
                                    "arguments given", GIMP_TYPE_RUN_MODE,
                                    GIMP_RUN_NONINTERACTIVE, G_PARAM_READWRITE);
  gimp_procedure_add_image_argument (p, "image", "Image",
                                     "The image (its selection limits the fit)", FALSE,
                                     G_PARAM_READWRITE);
  gimp_procedure_add_drawable_argument (p, "drawable", "Before", "The layer before the effect",
                                        FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_drawable_argument (p, "after-drawable", "After",
                                        "The same layer after the effect (same size)",
                                        FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (p, "kernel-size-h", "Kernel rows", "Kernel rows",
                                   1, FM_LEARN_MAX_SIDE, 3, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (p, "kernel-size-w", "Kernel columns", "Kernel columns",
                                   1, FM_LEARN_MAX_SIDE, 3, G_PARAM_READWRITE);
  GimpChoice *choice = gimp_choice_new ();
  for (int m = 0; m < FM_LEARN_RUN_N_MODES; m++)
    gimp_choice_add (choice, mode_names[m], m, mode_names[m], mode_help[m]);
  gimp_procedure_add_choice_argument (p, "mode", "Mode", "Which channels the kernel sees "
                                      "{ luminance, per-channel, full }", choice,
                                      "per-channel", G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (p, "ridge", "Ridge", "Ridge λ ≥ 0 added to the "
                                      "per-pixel normal matrix (0: none)", 0, G_MAXDOUBLE, 0,
                                      G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (p, "robust", "Robust", "Down-weight outliers (clipped "
                                   "highlights, JPEG damage) { 0, 1 }", 0, 1, 0,
                                   G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (p, "name", "Name", "The bank's name (empty: Learned); "
                                      "its file name is made from it", "Learned",
                                      G_PARAM_READWRITE);

  gimp_procedure_add_string_return_value (p, "path", "Path", "The saved bank (JSON, in the "
                                          "user's featuremaps folder)", NULL, G_PARAM_READWRITE);
  gimp_procedure_add_string_return_value (p, "kernel", "Kernel", "The name "
                                          "plug-in-feature-maps takes as its kernel", NULL,
                                          G_PARAM_READWRITE);
  gimp_procedure_add_double_return_value (p, "psnr", "PSNR", "PSNR of the reproduction over "
                                          "the fitted windows, dB", -G_MAXDOUBLE, G_MAXDOUBLE,
                                          0, G_PARAM_READWRITE);
  gimp_procedure_add_double_return_value (p, "rms", "RMS", "Residual RMS over the fitted "
                                          "windows (pixel values 0..1)", 0, G_MAXDOUBLE, 0,
                                          G_PARAM_READWRITE);
  gimp_procedure_add_string_return_value (p, "warnings", "Warnings", "The fit's warnings "
                                          "with advice, one per line; empty when none", NULL,
                                          G_PARAM_READWRITE);
  return p;
}
