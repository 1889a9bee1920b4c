/* fm-map: how map values become output values (docs/design.md "Mapping").
 *
 *   raw              v, unchanged
 *   clamp            v clipped to 0..1
 *   normalize        (v − min) / (max − min) of its own map
 *   normalize-joint  (v − min) / (max − min), one min/max over all maps
 *   abs-normalize    |v| / max|v| of its own map
 *
 * Choices:
 *   - a constant map (max = min, or max|v| = 0) maps to 0 everywhere: there
 *     is nothing to show, and 0 is what "no response" looks like;
 *   - NaN never enters the statistics; a NaN value maps to 0 (never for
 *     raw, which keeps values exactly);
 *   - results of the stretching mappings are clipped to 0..1 so float
 *     rounding never leaves the range;
 *   - "a map" is what one FmMapStats gathers: the caller decides (fm-job
 *     uses one per output layer, so a per-channel RGB layer is stretched as
 *     a whole and keeps its colour balance).
 */
#pragma once

#include <glib.h>
#include "fm-options.h"

G_BEGIN_DECLS

typedef struct {
  double min, max;   /* +inf / −inf while empty */
  double abs_max;    /* 0 while empty */
  guint64 count;     /* finite values seen */
} FmMapStats;

void fm_map_stats_init (FmMapStats *stats);
void fm_map_stats_add (FmMapStats *stats, const float *values, gsize n);
void fm_map_stats_merge (FmMapStats *into, const FmMapStats *from);

/* TRUE for the mappings that need every map's statistics before the first
 * value can be written (a first pass over the image). */
gboolean fm_map_needs_stats (FmMapping mapping);

/* The transform for one map: v → clip(scale · f(v) + shift) where f is |v|
 * for abs-normalize, v otherwise. */
typedef struct {
  FmMapping mapping;
  float scale, shift;
} FmMapTransform;

/* stats: this map's; joint: every map's merged (used by normalize-joint
 * only; may be NULL for the others).  raw and clamp ignore both. */
void fm_map_transform_init (FmMapTransform *t, FmMapping mapping,
                            const FmMapStats *stats, const FmMapStats *joint);

/* In place. */
void fm_map_apply (const FmMapTransform *t, float *values, gsize n);

G_END_DECLS
