/* fm-learn-patches-proc3: plug-in-feature-maps-learn-patches's GIMP 3
 * signature and run.  The arguments are 2.10's in the same order, but
 * method is a GimpChoice ("pca", "kmeans", "ica") and the numbers carry
 * their range, so GIMP checks them before the plug-in runs.  Like
 * plug-in-feature-maps-learn, a plain GimpProcedure with no menu entry:
 * every run mode uses the arguments given. */
#include "fm-learn-patches-proc3.h"

#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"

static GimpValueArray *
run (GimpProcedure *procedure, GimpProcedureConfig *config, gpointer data)
{
  GimpImage *image = NULL;
  GimpDrawable *drawable = NULL;
  int filters = 0, kh = 0, kw = 0, seed = 0;
  g_autofree char *name = NULL;
  GError *error = NULL;
  FmLearnRunResult result;

  (void) data;
  gegl_init (NULL, NULL);
  g_object_get (config, "image", &image, "drawable", &drawable, "filters", &filters,
                "kernel-size-h", &kh, "kernel-size-w", &kw, "seed", &seed,
                "name", &name, NULL);
  FmLearnPatchesRunArgs a = {
    .image = image ? gimp_image_get_id (image) : 0,
    .drawable = drawable ? gimp_item_get_id (GIMP_ITEM (drawable)) : 0,
    .n_filters = filters,
    .kh = kh, .kw = kw,
    .method = gimp_procedure_config_get_choice_id (config, "method"),
    .seed = (guint32) seed,
    .name = name,
  };
  g_clear_object (&image);
  g_clear_object (&drawable);
  if (!fm_learn_patches_run (&a, &result, &error))
    {
      GimpPDBStatusType status = error->code == FM_PLUGIN_ERROR_CALLING
                                 ? GIMP_PDB_CALLING_ERROR : GIMP_PDB_EXECUTION_ERROR;
      /* Takes the error: the caller sees its message. */
      return gimp_procedure_new_return_values (procedure, status, error);
    }
  GimpValueArray *out = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_STRING (out, 1, result.path);
  GIMP_VALUES_SET_STRING (out, 2, result.preset);
  GIMP_VALUES_SET_DOUBLE (out, 3, result.objective);
  fm_learn_run_result_clear (&result);
  return out;
}

GimpProcedure *
fm_learn_patches_proc3_new (GimpPlugIn *plug_in)
{
  GimpProcedure *p = gimp_procedure_new (plug_in, FM_LEARN_PATCHES_PROC,
                                         GIMP_PDB_PROC_TYPE_PLUGIN, run, NULL, NULL);
  gimp_procedure_set_documentation (p,
    "Learn a bank of filters from the patches of a layer",
    "Samples patches of the layer (inside the selection's bounding box when there is "
    "a selection) with a fixed seed and learns K filters from them, as `featuremaps "
    "learn --patches` does: principal components, spherical k-means on whitened "
    "patches, or FastICA.  Colour layers give full (R, G, B) filters, grey ones "
    "luminance filters.  Saves the bank in the user's featuremaps folder under a new "
    "file name and returns its path and the name plug-in-feature-maps takes.",
    FM_LEARN_PATCHES_PROC);
  gimp_procedure_set_attribution (p, FM_PLUGIN_AUTHORS, FM_PLUGIN_AUTHORS, FM_PLUGIN_DATE);

  gimp_procedure_add_enum_argument (p, "run-mode", "Run mode", "Every run mode uses the "
                                    "arguments given", GIMP_TYPE_RUN_MODE,
                                    GIMP_RUN_NONINTERACTIVE, G_PARAM_READWRITE);
  gimp_procedure_add_image_argument (p, "image", "Image", "The image (its selection's "
                                     "bounding box limits the patches)", FALSE,
                                     G_PARAM_READWRITE);
  gimp_procedure_add_drawable_argument (p, "drawable", "Layer", "The layer to learn "
                                        "filters from", FALSE, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (p, "filters", "Filters", "Number of filters K (at most "
                                   "the patch's values: kh × kw × channels; one less for "
                                   "ica)", 1, FM_LEARN_MAX_WEIGHTS, 8, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (p, "kernel-size-h", "Patch rows", "Patch rows",
                                   1, FM_LEARN_MAX_SIDE, 7, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (p, "kernel-size-w", "Patch columns", "Patch columns",
                                   1, FM_LEARN_MAX_SIDE, 7, G_PARAM_READWRITE);
  GimpChoice *choice = gimp_choice_new ();
  for (int m = 0; m < FM_LEARN_N_METHODS; m++)
    gimp_choice_add (choice, fm_learn_method_name (m), m, fm_learn_method_name (m),
                     fm_learn_method_help (m));
  gimp_procedure_add_choice_argument (p, "method", "Method", "How the filters are learned "
                                      "{ pca, kmeans, ica }", choice, "pca",
                                      G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (p, "seed", "Seed", "Random seed of the patch positions "
                                   "and the methods", 0, G_MAXINT32, 1, G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (p, "name", "Name", "The bank's name (empty: Learned "
                                      "(method)); its file name is made from it", "",
                                      G_PARAM_READWRITE);

  gimp_procedure_add_string_return_value (p, "path", "Path", "The saved bank (JSON, in the "
                                          "user's featuremaps folder)", NULL, G_PARAM_READWRITE);
  gimp_procedure_add_string_return_value (p, "kernel", "Kernel", "The name "
                                          "plug-in-feature-maps takes as its kernel", NULL,
                                          G_PARAM_READWRITE);
  gimp_procedure_add_double_return_value (p, "objective", "Objective", "pca: fraction of "
                                          "the patch variance explained; kmeans: mean "
                                          "squared error of the whitened patches' code; "
                                          "ica: sum of the negentropies", -G_MAXDOUBLE,
                                          G_MAXDOUBLE, 0, G_PARAM_READWRITE);
  return p;
}
