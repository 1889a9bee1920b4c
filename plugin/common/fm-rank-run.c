/* fm-rank-run: plug-in-feature-maps-rank's work (fm-rank-run.h).  Every
 * check that can blame an argument runs before the network does. */
#include "fm-rank-run.h"

#include <string.h>
#include "fm-bank.h"
#include "fm-deep-job.h"
#include "fm-net-load.h"
#include "fm-net-plan.h"
#include "fm-plugin-errors.h"
#include "fm-values.h"

typedef struct {
  FmDeepJob *deep;
  FmChannelStats *stats;
} Rank;

static gboolean
rank_band (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
           int width, GError **error)
{
  (void) error;
  Rank *r = data;
  const float *mask = r->deep->mask ? r->deep->mask + (gsize) y0 * width : NULL;
  fm_channel_stats_accumulate (r->stats, maps, plane_stride, width, n_rows, mask);
  return TRUE;
}

gboolean
fm_rank_run (FmItemId image, FmItemId drawable, const char *spec, const char *by_name,
             FmRankRunResult *result, GError **error)
{
  memset (result, 0, sizeof *result);
  FmRankBy by;
  if (!by_name || !fm_rank_by_parse (by_name, &by))
    return fm_plugin_calling (error, "by '%s': must be mean or max", by_name ? by_name : "");
  if (!spec || !*spec)
    return fm_plugin_calling (error, "kernel: give MODEL#LAYER (one layer of a network) or a bank");
  if (!fm_host_item_is_drawable (drawable) || fm_host_item_get_image (drawable) != image)
    return fm_plugin_calling (error, "drawable %d: not a drawable of image %d", drawable, image);

  g_autofree char *model = NULL;
  g_auto (GStrv) layers = NULL;
  g_autoptr (FmBank) bank = NULL;
  FmNetGraph *graph = NULL;
  FmJobKernel kernel = { 0 };
  GError *e = NULL;
  if (fm_net_spec_parse (spec, &model, &layers))
    {
      g_autofree char *display = g_filename_display_name (model);
      if (!layers[0] || layers[1])
        return fm_plugin_calling (error, "kernel: rank one layer, %s#LAYER (featuremaps info %s "
                        "lists them)", display, display);
      g_autofree char *name = NULL;
      g_autofree int *channels = NULL;
      int n_channels = 0;
      if (!fm_net_layer_pick_parse (layers[0], &name, &channels, &n_channels, &e))
        {
          fm_plugin_calling (error, "kernel: %s", e->message);
          g_error_free (e);
          return FALSE;
        }
      if (n_channels > 0)
        return fm_plugin_calling (error, "kernel: '%s': rank takes the layer without a channel "
                        "pick (it ranks all its channels): %s#%s", layers[0], display, name);
      if (!(graph = fm_net_graph_load (model, &e)))
        {
          fm_plugin_calling (error, "kernel: %s", e->message);
          g_error_free (e);
          return FALSE;
        }
      kernel.graph = graph;
      kernel.layers = (const char *const *) layers;
      kernel.n_layers = 1;
    }
  else
    {
      g_autofree char *user_dir = fm_values_user_dir ();
      if (!(bank = fm_bank_load (spec, user_dir, &e)))
        {
          fm_plugin_calling (error, "kernel: %s", e->message);
          g_error_free (e);
          return FALSE;
        }
      kernel.bank = bank;
    }

  FmDeepJob deep;
  gboolean ok = fm_deep_job_open (&deep, image, drawable, &kernel, FM_INPUT_AUTO, error);
  g_autoptr (FmChannelStats) stats = NULL;
  if (ok && !(stats = fm_channel_stats_new (deep.out->n_layers, &e)))
    {
      ok = fm_plugin_calling (error, "kernel: %s", e->message);
      g_error_free (e);
    }
  if (ok)
    {
      Rank r = { &deep, stats };
      g_autofree char *message = g_strdup_printf ("Ranking the channels of %s",
                                                  deep.out->name);
      fm_host_progress_init (message);
      ok = fm_deep_job_run (&deep, rank_band, &r, 0.0, 1.0, error);
      fm_host_progress_end ();
    }
  g_autofree FmChannelRank *ranks = NULL;
  if (ok && !(ranks = fm_channel_stats_rank (stats, by, &e)))
    {
      /* The mask was checked to hold a pixel; only non-finite maps get here. */
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION, "%s", e->message);
      g_error_free (e);
      ok = FALSE;
    }
  if (ok)
    {
      const int n = deep.out->n_layers;
      result->layer = g_strdup (deep.out->name);
      result->n = n;
      result->channels = g_new (gint32, n);
      result->means = g_new (double, n);
      result->maxes = g_new (double, n);
      for (int i = 0; i < n; i++)
        {
          result->channels[i] = ranks[i].channel;
          result->means[i] = ranks[i].mean;
          result->maxes[i] = ranks[i].max;
        }
    }
  fm_deep_job_clear (&deep);
  fm_net_graph_free (graph);
  return ok;
}

void
fm_rank_run_result_clear (FmRankRunResult *result)
{
  g_free (result->layer);
  g_free (result->channels);
  g_free (result->means);
  g_free (result->maxes);
  memset (result, 0, sizeof *result);
}
