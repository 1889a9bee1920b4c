/* fm-map-count: the procedure's maximum of map layers per call. */
#include "fm-map-count.h"
#include "fm-net-plan.h"

gboolean
fm_net_check_map_count (const FmJob *job, char *const *layers, const char *spec,
                        const char *model_path, GError **error)
{
  gboolean all_picked = TRUE;
  for (int i = 0; layers[i]; i++)
    {
      g_autofree char *name = NULL;
      g_autofree int *channels = NULL;
      int n_channels = 0;
      /* The job parsed them already; this cannot fail now. */
      if (!fm_net_layer_pick_parse (layers[i], &name, &channels, &n_channels, NULL)
          || n_channels == 0)
        all_picked = FALSE;
    }
  const int n = fm_job_n_layers (job);
  const int max = all_picked ? FM_PLUGIN_MAX_PICKED : FM_PLUGIN_MAX_MAPS;
  if (n <= max)
    return TRUE;
  /* The widest output, to show the pick on. */
  const FmJobOutput *wide = fm_job_output (job, 0);
  for (int o = 1; o < fm_job_n_outputs (job); o++)
    if (fm_job_output (job, o)->n_layers > wide->n_layers)
      wide = fm_job_output (job, o);
  g_autofree char *model = g_path_get_basename (model_path);
  if (all_picked)
    g_set_error (error, FM_JOB_ERROR, FM_JOB_ERROR_INVALID,
                 "%d channels picked, and a call makes at most %d map layers: "
                 "pick fewer, or make several calls", n, max);
  else
    g_set_error (error, FM_JOB_ERROR, FM_JOB_ERROR_INVALID,
                 "%s makes %d map layers ('%s' has %d channels), and a call makes at "
                 "most %d unless channels are picked: pick them after the layer's "
                 "name, e.g. %s#%s[0-%d] or %s#%s[0-7,12] (at most %d picked)",
                 spec, n, wide->name, wide->n_layers, max, model, wide->name,
                 MIN (wide->n_layers, max) - 1, model, wide->name, FM_PLUGIN_MAX_PICKED);
  return FALSE;
}

