/* fm-rank-run: one run of plug-in-feature-maps-rank, whatever the host —
 * "which channels fire here": the command line's `featuremaps rank
 * MODEL#LAYER -i IMAGE --mask MASK [--by max]` on a drawable, with the
 * image's selection as the mask (fm-rank.h, fm-deep-job.h). */
#pragma once

#include "fm-host.h"
#include "fm-rank.h"

G_BEGIN_DECLS

#define FM_RANK_PROC "plug-in-feature-maps-rank"

typedef struct {
  char *layer;           /* the layer ranked, as the model names it */
  int n;                 /* K */
  gint32 *channels;      /* rank order, channel numbers from 0 */
  double *means, *maxes; /* in the same order */
} FmRankRunResult;

/* kernel: MODEL#LAYER (one layer, no channel pick) or a bank; by: "mean"
 * or "max".  Calling errors for bad arguments (one line each), execution
 * errors for a failed run. */
gboolean fm_rank_run (FmItemId image, FmItemId drawable, const char *kernel,
                      const char *by, FmRankRunResult *result, GError **error);
void fm_rank_run_result_clear (FmRankRunResult *result);

G_END_DECLS
