/* fm-cli-kernel: -k as a bank or a network (fm-cli-kernel.h). */
#include "fm-cli-kernel.h"
#include "fm-net-load.h"
#include "fm-net-plan.h"

#include <string.h>

void
fm_cli_kernel_clear (FmCliKernel *kernel)
{
  if (kernel->bank)
    fm_bank_free (kernel->bank);
  fm_net_graph_free (kernel->graph);
  g_strfreev (kernel->layers);
  memset (kernel, 0, sizeof *kernel);
}

gboolean
fm_cli_kernel_check_input_options (char *const *input_opts, GError **error)
{
  FmInputDecl scratch;
  fm_input_decl_init (&scratch);
  for (int id = 0; id < FM_N_INPUT_OPTIONS; id++)
    if (input_opts[id] && !fm_input_option_apply (&scratch, id, input_opts[id], error))
      return FALSE;
  return TRUE;
}

/* A bank's declaration as an FmInputDecl and back (the options override
 * the one key each names). */
static void
bank_decl (const FmBank *bank, FmInputDecl *d)
{
  fm_input_decl_init (d);
  d->linear = bank->linear;
  d->bgr = bank->bgr;
  d->range = bank->range;
  d->n_mean = MIN (bank->n_mean, FM_INPUT_DECL_MAX_CHANNELS);
  d->n_std = MIN (bank->n_std, FM_INPUT_DECL_MAX_CHANNELS);
  memcpy (d->mean, bank->mean, sizeof d->mean);
  memcpy (d->std, bank->std, sizeof d->std);
}

static void
set_bank_decl (FmBank *bank, const FmInputDecl *d)
{
  bank->bgr = d->bgr;
  bank->range = d->range;
  bank->n_mean = d->n_mean;
  bank->n_std = d->n_std;
  memcpy (bank->mean, d->mean, sizeof d->mean);
  memcpy (bank->std, d->std, sizeof d->std);
}

static gboolean
apply_input_options (FmInputDecl *decl, char *const *input_opts, gboolean *any,
                     GError **error)
{
  *any = FALSE;
  for (int id = 0; id < FM_N_INPUT_OPTIONS; id++)
    if (input_opts[id])
      {
        if (!fm_input_option_apply (decl, id, input_opts[id], error))
          return FALSE;
        *any = TRUE;
      }
  return TRUE;
}

gboolean
fm_cli_kernel_load (FmCliKernel *kernel, const char *spec, char *const *layer_opts,
                    char *const *input_opts, GError **error)
{
  memset (kernel, 0, sizeof *kernel);
  g_autofree char *model = NULL;
  g_auto (GStrv) from_spec = NULL;
  gboolean any;

  if (!fm_net_spec_parse (spec, &model, &from_spec))
    {
      if (layer_opts && layer_opts[0])
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                       "apply: --layer picks layers of a network (.onnx, .safetensors, a "
                       "stack description); '%s' is a filter bank", spec);
          return FALSE;
        }
      if (!(kernel->bank = fm_bank_load (spec, NULL, error)))
        return FALSE;
      FmInputDecl decl;
      bank_decl (kernel->bank, &decl);
      if (!apply_input_options (&decl, input_opts, &any, error))
        return FALSE;
      set_bank_decl (kernel->bank, &decl);
      kernel->job.bank = kernel->bank;
      return TRUE;
    }

  GPtrArray *names = g_ptr_array_new ();
  for (int i = 0; from_spec[i]; i++)
    g_ptr_array_add (names, g_strdup (from_spec[i]));
  for (int i = 0; layer_opts && layer_opts[i]; i++)
    g_ptr_array_add (names, g_strdup (layer_opts[i]));
  g_ptr_array_add (names, NULL);
  kernel->layers = (char **) g_ptr_array_free (names, FALSE);
  if (!kernel->layers[0])
    {
      g_autofree char *display = g_filename_display_name (model);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                   "apply: %s is a network: name the layers to show, %s#LAYER or "
                   "--layer LAYER (featuremaps info %s lists them)", display, display, display);
      return FALSE;
    }
  if (!(kernel->graph = fm_net_graph_load (model, error)))
    return FALSE;
  if (!apply_input_options (&kernel->graph->decl, input_opts, &any, error))
    return FALSE;
  kernel->graph->has_decl |= any;
  kernel->job.graph = kernel->graph;
  kernel->job.layers = (const char *const *) kernel->layers;
  kernel->job.n_layers = g_strv_length (kernel->layers);
  return TRUE;
}
