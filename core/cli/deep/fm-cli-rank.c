/* fm-cli-rank: `featuremaps rank MODEL#LAYER -i IMAGE [--mask MASK]
 * [--by mean|max]` — which channels fire here.  One line per channel,
 * highest first: rank (from 1), channel (from 0), mean, max. */
#include "fm-cli-deep.h"
#include "fm-rank.h"

#include <stdio.h>

static gboolean
rank_band (gpointer data, int y0, int n_rows, const float *maps, gsize plane_stride,
           int width, GError **error)
{
  (void) error;
  FmCliDeep *deep = ((gpointer *) data)[0];
  FmChannelStats *stats = ((gpointer *) data)[1];
  const float *mask = deep->mask ? deep->mask + (gsize) y0 * width : NULL;
  fm_channel_stats_accumulate (stats, maps, plane_stride, width, n_rows, mask);
  return TRUE;
}

static gboolean
fail_as_input (GError **error, const char *command, GError *local)
{
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "%s: %s", command, local->message);
  g_error_free (local);
  return FALSE;
}

gboolean
fm_cli_rank (int argc, char **argv, GError **error)
{
  FmCliDeepArgs args = { 0 };
  FmCliDeep deep = { 0 };
  g_autoptr (FmChannelStats) stats = NULL;
  g_autofree FmChannelRank *rank = NULL;
  gboolean ok = FALSE;
  const GOptionEntry own[] = {
    { "by", 0, 0, G_OPTION_ARG_STRING, &args.by,
      "Sort by each channel's mean (the default) or max inside the mask", "mean|max" },
    { NULL },
  };
  if (!fm_cli_deep_parse ("rank", "- rank a layer's channels by their activation",
                          own, argc, argv, &args, error))
    goto done;
  FmRankBy by = FM_RANK_BY_MEAN;
  if (args.by && !fm_rank_by_parse (args.by, &by))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                   "rank: --by takes mean or max, not '%s'", args.by);
      goto done;
    }
  if (!fm_cli_deep_open (&deep, "rank", &args, error))
    goto done;

  GError *local = NULL;
  if (!(stats = fm_channel_stats_new (deep.out->n_layers, &local)))
    {
      ok = fail_as_input (error, "rank", local);
      goto done;
    }
  gpointer data[2] = { &deep, stats };
  if (!fm_cli_deep_run (&deep, 1, 1, "rank", rank_band, data, error))
    goto done;
  if (!(rank = fm_channel_stats_rank (stats, by, &local)))
    {
      ok = fail_as_input (error, "rank", local);
      goto done;
    }
  for (int i = 0; i < deep.out->n_layers; i++)
    printf ("%4d %5d %15.9g %15.9g\n", i + 1, rank[i].channel, rank[i].mean, rank[i].max);
  ok = TRUE;

done:
  fm_cli_deep_clear (&deep);
  fm_cli_deep_args_clear (&args);
  return ok;
}
