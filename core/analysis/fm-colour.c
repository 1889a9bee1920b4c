/* fm-colour: the diverging scale (fm-colour.h), the dialog's end points. */
#include "fm-colour.h"

#include <math.h>

static const guint8 neg[3] = { 33, 102, 172 };
static const guint8 mid[3] = { 247, 247, 247 };
static const guint8 pos[3] = { 178, 24, 43 };

void
fm_colour_diverging_u8 (double t, guint8 rgb[3])
{
  const guint8 *end = t < 0 ? neg : pos;
  double a = isfinite (t) ? CLAMP (fabs (t), 0.0, 1.0) : 1.0;
  for (int i = 0; i < 3; i++)
    rgb[i] = (guint8) lround (mid[i] + (end[i] - mid[i]) * a);
}

void
fm_colour_diverging (double t, float rgb[3])
{
  guint8 v[3];
  fm_colour_diverging_u8 (t, v);
  for (int i = 0; i < 3; i++)
    rgb[i] = v[i] / 255.0f;
}
