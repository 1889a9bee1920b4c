/* fm-map: map values → output values; statistics for the stretching ones. */
#include "fm-map.h"

#include <math.h>

void
fm_map_stats_init (FmMapStats *stats)
{
  stats->min = INFINITY;
  stats->max = -INFINITY;
  stats->abs_max = 0.0;
  stats->count = 0;
}

void
fm_map_stats_add (FmMapStats *stats, const float *values, gsize n)
{
  float lo = (float) stats->min, hi = (float) stats->max;
  guint64 count = 0;
  for (gsize i = 0; i < n; i++)
    {
      float v = values[i];
      if (!isfinite (v))
        continue;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      count++;
    }
  if (!count)
    return;
  stats->min = lo;
  stats->max = hi;
  stats->abs_max = MAX (fabs (stats->min), fabs (stats->max));
  stats->count += count;
}

void
fm_map_stats_merge (FmMapStats *into, const FmMapStats *from)
{
  if (!from->count)
    return;
  into->min = MIN (into->min, from->min);
  into->max = MAX (into->max, from->max);
  into->abs_max = MAX (into->abs_max, from->abs_max);
  into->count += from->count;
}

gboolean
fm_map_needs_stats (FmMapping mapping)
{
  return mapping == FM_MAPPING_NORMALIZE
         || mapping == FM_MAPPING_NORMALIZE_JOINT
         || mapping == FM_MAPPING_ABS_NORMALIZE;
}

/* v → (v − min) / (max − min); a constant (or empty) map → 0. */
static void
stretch (FmMapTransform *t, const FmMapStats *s)
{
  if (!s || !s->count || !(s->max > s->min))
    {
      t->scale = 0.0f;
      t->shift = 0.0f;
      return;
    }
  double scale = 1.0 / (s->max - s->min);
  t->scale = (float) scale;
  t->shift = (float) (-s->min * scale);
}

void
fm_map_transform_init (FmMapTransform *t, FmMapping mapping,
                       const FmMapStats *stats, const FmMapStats *joint)
{
  t->mapping = mapping;
  t->scale = 1.0f;
  t->shift = 0.0f;
  switch (mapping)
    {
    case FM_MAPPING_NORMALIZE:
      stretch (t, stats);
      break;
    case FM_MAPPING_NORMALIZE_JOINT:
      stretch (t, joint);
      break;
    case FM_MAPPING_ABS_NORMALIZE:
      t->scale = stats && stats->abs_max > 0 ? (float) (1.0 / stats->abs_max) : 0.0f;
      break;
    default:
      break;
    }
}

static inline float
clip01 (float v)
{
  /* NaN lands on 0.  Two flat selects rather than nested ones: GCC
   * vectorises this form (compare and blend) and not the nested one, and
   * the plug-in maps every value of every layer through it. */
  float lo = v > 0.0f ? v : 0.0f;
  return lo < 1.0f ? lo : 1.0f;
}

void
fm_map_apply (const FmMapTransform *t, float *values, gsize n)
{
  /* Locals, so the compiler need not reload them after every store into
   * values (which could alias *t) and can vectorise the loops. */
  const float scale = t->scale, shift = t->shift;
  switch (t->mapping)
    {
    case FM_MAPPING_RAW:
      break;
    case FM_MAPPING_CLAMP:
      for (gsize i = 0; i < n; i++)
        values[i] = clip01 (values[i]);
      break;
    case FM_MAPPING_ABS_NORMALIZE:
      for (gsize i = 0; i < n; i++)
        values[i] = clip01 (fabsf (values[i]) * scale);
      break;
    default:
      for (gsize i = 0; i < n; i++)
        values[i] = clip01 (values[i] * scale + shift);
      break;
    }
}
