/* fm-rank: per-channel weighted sums and maxima over streamed bands, and
 * the ranking (fm-rank.h). */
#include "fm-rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _FmChannelStats {
  int K;
  double *sum;       /* Σ w · v, per channel */
  double *weight;    /* Σ w over the finite values, per channel */
  double *max;       /* −∞ until a value is seen */
  double total;      /* Σ w over the pixels (every channel's count) */
};

FmChannelStats *
fm_channel_stats_new (int channels, GError **error)
{
  if (channels < 1 || channels > FM_MAPS_MAX_CHANNELS)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "%d channels (1 … %d are ranked)", channels, FM_MAPS_MAX_CHANNELS);
      return NULL;
    }
  FmChannelStats *s = g_new0 (FmChannelStats, 1);
  s->K = channels;
  s->sum = g_new0 (double, channels);
  s->weight = g_new0 (double, channels);
  s->max = g_new (double, channels);
  for (int k = 0; k < channels; k++)
    s->max[k] = -INFINITY;
  return s;
}

void
fm_channel_stats_free (FmChannelStats *stats)
{
  if (!stats)
    return;
  g_free (stats->sum);
  g_free (stats->weight);
  g_free (stats->max);
  g_free (stats);
}

static inline double
weight_of (const float *mask, gsize i)
{
  if (!mask)
    return 1.0;
  float w = mask[i];
  return w > 0 ? w : 0.0;     /* NaN and negatives: outside */
}

void
fm_channel_stats_accumulate (FmChannelStats *stats, const float *maps,
                             gsize plane_stride, int width, int n_rows,
                             const float *mask)
{
  g_return_if_fail (stats && maps && width >= 0 && n_rows >= 0);
  const gsize n = (gsize) width * n_rows;
  for (gsize i = 0; i < n; i++)
    stats->total += weight_of (mask, i);
  /* Channel-major: each plane is read once, in order. */
  for (int k = 0; k < stats->K; k++)
    {
      const float *v = maps + (gsize) k * plane_stride;
      double sum = 0, wsum = 0, max = stats->max[k];
      for (int r = 0; r < n_rows; r++)
        for (int c = 0; c < width; c++)
          {
            const gsize i = (gsize) r * width + c;
            const double w = weight_of (mask, i);
            const float x = v[i];
            if (w <= 0 || !isfinite (x))
              continue;
            sum += w * x;
            wsum += w;
            if (x > max)
              max = x;
          }
      stats->sum[k] += sum;
      stats->weight[k] += wsum;
      stats->max[k] = max;
    }
}

double
fm_channel_stats_weight (const FmChannelStats *stats)
{
  return stats->total;
}

static int
compare (gconstpointer pa, gconstpointer pb, gpointer data)
{
  const FmChannelRank *a = pa, *b = pb;
  const FmRankBy sort_by = *(const FmRankBy *) data;
  double ka = sort_by == FM_RANK_BY_MEAN ? a->mean : a->max;
  double kb = sort_by == FM_RANK_BY_MEAN ? b->mean : b->max;
  double oa = sort_by == FM_RANK_BY_MEAN ? a->max : a->mean;
  double ob = sort_by == FM_RANK_BY_MEAN ? b->max : b->mean;
  if (ka != kb)
    return ka > kb ? -1 : 1;
  if (oa != ob)
    return oa > ob ? -1 : 1;
  return a->channel - b->channel;
}

/* qsort's comparators, one per key: GLib 2.84 deprecates
 * g_qsort_with_data and 2.74 (Debian 12) lacks its successor. */
static int
compare_by_mean (const void *pa, const void *pb)
{
  FmRankBy by = FM_RANK_BY_MEAN;
  return compare (pa, pb, &by);
}

static int
compare_by_max (const void *pa, const void *pb)
{
  FmRankBy by = FM_RANK_BY_MAX;
  return compare (pa, pb, &by);
}

FmChannelRank *
fm_channel_stats_rank (const FmChannelStats *stats, FmRankBy by, GError **error)
{
  g_return_val_if_fail (stats, NULL);
  if (!(stats->total > 0))
    {
      g_set_error_literal (error, FM_MAPS_ERROR, FM_MAPS_ERROR_EMPTY,
                           "no pixel inside the mask (the mask is empty on the layer's grid)");
      return NULL;
    }
  FmChannelRank *rank = g_new (FmChannelRank, stats->K);
  for (int k = 0; k < stats->K; k++)
    {
      rank[k].channel = k;
      /* A channel with no finite value: NaN mean and max, ranked last. */
      rank[k].mean = stats->weight[k] > 0 ? stats->sum[k] / stats->weight[k] : NAN;
      rank[k].max = stats->weight[k] > 0 ? stats->max[k] : NAN;
    }
  /* NaN would break the order: they sort as −∞ (below any value). */
  FmChannelRank *keyed = g_new (FmChannelRank, stats->K);
  for (int k = 0; k < stats->K; k++)
    {
      keyed[k] = rank[k];
      if (isnan (keyed[k].mean))
        keyed[k].mean = -INFINITY;
      if (isnan (keyed[k].max))
        keyed[k].max = -INFINITY;
    }
  qsort (keyed, stats->K, sizeof *keyed,
         by == FM_RANK_BY_MEAN ? compare_by_mean : compare_by_max);
  for (int k = 0; k < stats->K; k++)
    {
      const int c = keyed[k].channel;
      keyed[k].mean = rank[c].mean;
      keyed[k].max = rank[c].max;
    }
  g_free (rank);
  return keyed;
}

const char *
fm_rank_by_name (FmRankBy by)
{
  return by == FM_RANK_BY_MAX ? "max" : "mean";
}

gboolean
fm_rank_by_parse (const char *name, FmRankBy *by)
{
  if (!g_strcmp0 (name, "mean"))
    *by = FM_RANK_BY_MEAN;
  else if (!g_strcmp0 (name, "max"))
    *by = FM_RANK_BY_MAX;
  else
    return FALSE;
  return TRUE;
}
