/* fm-rank: which channels of a layer fire here — each channel's mean and
 * max over the map or over a selection, and the channels ranked by one of
 * them.  Streamed like fm-pca (fm-maps.h): K sums and maxima are kept.
 *
 * With a mask of weights w (0..1): mean = Σ w·v / Σ w over the pixels; max
 * over the pixels whose weight is > 0.  Non-finite values are skipped. */
#pragma once

#include <glib.h>
#include "fm-maps.h"

G_BEGIN_DECLS

typedef enum { FM_RANK_BY_MEAN, FM_RANK_BY_MAX } FmRankBy;

typedef struct {
  int channel;      /* from 0 */
  double mean, max;
} FmChannelRank;

typedef struct _FmChannelStats FmChannelStats;

FmChannelStats *fm_channel_stats_new (int channels, GError **error);
void fm_channel_stats_free (FmChannelStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmChannelStats, fm_channel_stats_free)

void fm_channel_stats_accumulate (FmChannelStats *stats, const float *maps,
                                  gsize plane_stride, int width, int n_rows,
                                  const float *mask);
double fm_channel_stats_weight (const FmChannelStats *stats);

/* The K channels, highest first by `by` (the other statistic, then the
 * lower channel, breaks ties); g_free.  FM_MAPS_ERROR_EMPTY when no pixel
 * had weight > 0. */
FmChannelRank *fm_channel_stats_rank (const FmChannelStats *stats, FmRankBy by,
                                      GError **error);

/* "mean" / "max" and back (FALSE for anything else). */
const char *fm_rank_by_name (FmRankBy by);
gboolean fm_rank_by_parse (const char *name, FmRankBy *by);

G_END_DECLS
