/* fm-pdb-params: the PDB signature, written from the option table so a name,
 * range or help line exists in exactly one place (core/fm-options.c). */
#include "fm-pdb-params.h"

#include <string.h>
#include "fm-plugin-errors.h"

static const char kernel_help[] =
  "A preset name (\"sobel\"), a kernel file path (.json, .npy, .npz; "
  "\"file.npy:oihw\" forces PyTorch order, \":hwio\" Keras order), or an "
  "inline matrix (\"0,1,0; 0,1,0; 0,1,0\": rows by ';', filters by '|')";

static const GimpParamDef return_values[] = {
  { GIMP_PDB_IMAGE, "new-image", "The image that received the maps (the source image for destination 0)" },
  { GIMP_PDB_LAYER, "group", "The layer group holding the maps, or -1 (destination 1)" },
  { GIMP_PDB_INT32, "num-layers", "Number of map layers (one per filter)" },
  { GIMP_PDB_INT32ARRAY, "layer-ids", "The map layers, in bank order" },
};

/* "Which image channels the filters see. (0 auto, 1 luminance, ...)" */
static char *
option_description (FmOptionId id)
{
  const FmOptionSpec *s = fm_option_spec (id);
  g_autofree char *range = fm_option_describe_range (id);
  return g_strdup_printf ("%s { %s }", s->help, range);
}

GimpParamDef *
fm_pdb_params_new (void)
{
  GimpParamDef *p = g_new0 (GimpParamDef, FM_PDB_N_PARAMS);
  p[0] = (GimpParamDef) { GIMP_PDB_INT32, g_strdup ("run-mode"),
                          g_strdup ("The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }") };
  p[1] = (GimpParamDef) { GIMP_PDB_IMAGE, g_strdup ("image"), g_strdup ("Input image") };
  p[2] = (GimpParamDef) { GIMP_PDB_DRAWABLE, g_strdup ("drawable"),
                          g_strdup ("The source drawable (only its selected area is read; never modified)") };
  p[3] = (GimpParamDef) { GIMP_PDB_STRING, g_strdup ("kernel"), g_strdup (kernel_help) };
  for (int i = 0; i < FM_N_OPTIONS; i++)
    p[FM_PDB_N_FIXED + i] = (GimpParamDef) { GIMP_PDB_INT32,
                                             g_strdup (fm_option_spec (i)->name),
                                             option_description (i) };
  return p;
}

void
fm_pdb_params_free (GimpParamDef *params)
{
  for (int i = 0; i < FM_PDB_N_PARAMS; i++)
    {
      g_free (params[i].name);
      g_free (params[i].description);
    }
  g_free (params);
}

const GimpParamDef *
fm_pdb_return_values (int *n)
{
  *n = G_N_ELEMENTS (return_values);
  return return_values;
}

char *
fm_pdb_blurb (void)
{
  return g_strdup ("Run a convolutional layer (a bank of filters) on the drawable: "
                   "each filter's feature map becomes a new layer");
}

char *
fm_pdb_help (void)
{
  GString *h = g_string_new (
    "Slides each filter of a bank (kh × kw × C weights plus a bias, as in a "
    "convolutional neural network layer; cross-correlation unless the bank "
    "says \"convolve\") over the drawable's selected area and writes one "
    "feature map per filter. Pixels enter as perceptual (sRGB-encoded) "
    "values in 0..1 unless the bank declares otherwise. Destination 0 adds a "
    "layer group named after the bank above the source, one layer "
    "\"<bank> · <filter>\" per filter in bank order, placed so that at "
    "stride 1 each map pixel lies over the pixel its window is centred on; "
    "destination 1 makes a new float-precision image of the source's size. "
    "Everything added is one undo step. Bad arguments return a calling "
    "error and add nothing.\n\n");
  g_string_append_printf (h, "kernel: %s. Presets are looked up in the "
                          "featuremaps folder of the GIMP profile, then "
                          "FEATUREMAPS_PRESET_PATH, then the installed presets.\n",
                          kernel_help);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      const FmOptionSpec *s = fm_option_spec (i);
      g_autofree char *range = fm_option_describe_range (i);
      g_string_append_printf (h, "\n%s: %s Allowed: %s; default %d.",
                              s->name, s->help, range, s->def);
      for (int c = 0; s->choices && s->choice_help && s->choices[c]; c++)
        g_string_append_printf (h, "\n  %d %s: %s", c, s->choices[c], s->choice_help[c]);
    }
  g_string_append (h, "\n\nA raw mapping in an integer-precision image would "
                      "clip the maps: use destination 1 there.");
  return g_string_free (h, FALSE);
}

gboolean
fm_pdb_params_parse (const GimpParam *params, int n_params,
                     FmValues *values, GError **error)
{
  if (n_params != FM_PDB_N_PARAMS)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "%s takes %d arguments, got %d", FM_PLUGIN_PROC,
                   FM_PDB_N_PARAMS, n_params);
      return FALSE;
    }

  const char *kernel = params[3].data.d_string;
  if (!kernel || !*kernel)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "kernel: empty; give a preset name, a kernel file path or an inline matrix");
      return FALSE;
    }
  if (strlen (kernel) >= sizeof values->kernel)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "kernel: %zu bytes; must be shorter than %d (put a long matrix in a .json file)",
                   strlen (kernel), FM_KERNEL_MAX);
      return FALSE;
    }
  g_strlcpy (values->kernel, kernel, sizeof values->kernel);

  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      GError *e = NULL;
      if (!fm_options_set (&values->options, i, params[FM_PDB_N_FIXED + i].data.d_int32, &e))
        {
          g_set_error_literal (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING, e->message);
          g_error_free (e);
          return FALSE;
        }
    }
  return TRUE;
}
