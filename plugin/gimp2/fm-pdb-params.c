/* fm-pdb-params: the PDB signature, written from the option table so a name,
 * range or help line exists in exactly one place (core/options/fm-options.c). */
#include "fm-pdb-params.h"

#include <string.h>
#include "fm-plugin-errors.h"
#include "fm-plugin-info.h"

static const GimpParamDef return_values[] = {
  { GIMP_PDB_IMAGE, "new-image", "The image that received the maps (the source image for destination 0)" },
  { GIMP_PDB_LAYER, "group", "The layer group holding the maps, or -1 (destination 1)" },
  { GIMP_PDB_INT32, "num-layers", "Number of map layers (one per filter)" },
  { GIMP_PDB_INT32ARRAY, "layer-ids", "The map layers, in bank order" },
};

GimpParamDef *
fm_pdb_params_new (void)
{
  GimpParamDef *p = g_new0 (GimpParamDef, FM_PDB_N_PARAMS);
  p[0] = (GimpParamDef) { GIMP_PDB_INT32, g_strdup ("run-mode"),
                          g_strdup ("The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }") };
  p[1] = (GimpParamDef) { GIMP_PDB_IMAGE, g_strdup ("image"), g_strdup ("Input image") };
  p[2] = (GimpParamDef) { GIMP_PDB_DRAWABLE, g_strdup ("drawable"),
                          g_strdup ("The source drawable (only its selected area is read; never modified)") };
  p[3] = (GimpParamDef) { GIMP_PDB_STRING, g_strdup ("kernel"), fm_plugin_kernel_help () };
  for (int i = 0; i < FM_N_OPTIONS; i++)
    p[FM_PDB_N_FIXED + i] = (GimpParamDef) { GIMP_PDB_INT32,
                                             g_strdup (fm_option_spec (i)->name),
                                             fm_plugin_option_description (i) };
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

  if (!fm_values_set_kernel (values, params[3].data.d_string, error))
    return FALSE;

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

void
fm_pdb_reply_error (GimpParam *out, gint *n_return, GError *error)
{
  static char *message;
  g_free (message);
  message = g_strdup (error->message);
  out[0].type = GIMP_PDB_STATUS;
  out[0].data.d_status = error->code == FM_PLUGIN_ERROR_CALLING ? GIMP_PDB_CALLING_ERROR
                                                                : GIMP_PDB_EXECUTION_ERROR;
  out[1].type = GIMP_PDB_STRING;
  out[1].data.d_string = message;
  *n_return = 2;
  g_error_free (error);
}

gboolean
fm_pdb_check_count (const char *proc, int n_params, int want, GError **error)
{
  if (n_params == want)
    return TRUE;
  g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
               "%s takes %d arguments, got %d", proc, want, n_params);
  return FALSE;
}
