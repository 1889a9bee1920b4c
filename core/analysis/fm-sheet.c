/* fm-sheet: a layer's filters laid out as one picture (fm-sheet.h). */
#include "fm-sheet.h"
#include "fm-colour.h"

#include <math.h>

/* The filter's largest finite |weight|, 1 for a filter of zeros. */
static double
filter_scale (const float *w, gsize n)
{
  double m = 0;
  for (gsize i = 0; i < n; i++)
    if (isfinite (w[i]))
      m = MAX (m, fabs (w[i]));
  return m > 0 ? m : 1.0;
}

static void
fill_cell (float *sheet, int width, int y, int x, int cell, const float rgb[3])
{
  for (int dy = 0; dy < cell; dy++)
    {
      float *p = sheet + ((gsize) (y + dy) * width + x) * 3;
      for (int dx = 0; dx < cell; dx++, p += 3)
        p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
    }
}

float *
fm_sheet_render (const float *oihw, int K, int C, int kh, int kw,
                 const FmSheetOptions *options, int *width, int *height,
                 FmSheetLayout *layout_used, GError **error)
{
  g_return_val_if_fail (oihw && width && height, NULL);
  FmSheetOptions o = options ? *options : (FmSheetOptions) { .gap = -1 };
  if (o.gap < 0)
    o.gap = 1;
  if (o.max_side <= 0)
    o.max_side = 4096;
  FmSheetLayout layout = o.layout == FM_SHEET_AUTO
    ? (C == 3 ? FM_SHEET_RGB : FM_SHEET_GRID) : o.layout;
  if (K < 1 || C < 1 || kh < 1 || kw < 1 || (layout == FM_SHEET_RGB && C != 3))
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "cannot draw %d filters of %d channels × %d × %d%s", K, C, kh, kw,
                   layout == FM_SHEET_RGB && C != 3 ? " as RGB (that needs 3 channels)" : "");
      return NULL;
    }
  /* Tiles across and down, each kh × kw weights. */
  const gint64 cols = layout == FM_SHEET_RGB ? (gint64) ceil (sqrt ((double) K)) : C;
  const gint64 rows = layout == FM_SHEET_RGB ? (K + cols - 1) / cols : K;
  int cell = o.cell;
  if (cell <= 0)
    for (cell = 16; cell > 1; cell--)
      if (cols * (kw * cell + o.gap) + o.gap <= o.max_side
          && rows * (kh * cell + o.gap) + o.gap <= o.max_side)
        break;
  const gint64 w64 = cols * ((gint64) kw * cell + o.gap) + o.gap;
  const gint64 h64 = rows * ((gint64) kh * cell + o.gap) + o.gap;
  if (w64 > o.max_side || h64 > o.max_side)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_TOO_LARGE,
                   "a sheet of %d filters of %d channels × %d × %d would be %" G_GINT64_FORMAT
                   " × %" G_GINT64_FORMAT " pixels (at most %d a side)",
                   K, C, kh, kw, w64, h64, o.max_side);
      return NULL;
    }
  const int W = (int) w64, H = (int) h64;
  float *sheet = g_try_new0 (float, (gsize) W * H * 3);   /* black gaps */
  if (!sheet)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_TOO_LARGE,
                   "out of memory for a %d × %d sheet", W, H);
      return NULL;
    }
  const gsize per_channel = (gsize) kh * kw, per_filter = per_channel * C;
  for (int k = 0; k < K; k++)
    {
      const float *f = oihw + k * per_filter;
      const double m = filter_scale (f, per_filter);
      for (int c = 0; c < (layout == FM_SHEET_RGB ? 1 : C); c++)
        {
          const gint64 tr = layout == FM_SHEET_RGB ? k / cols : k;
          const gint64 tc = layout == FM_SHEET_RGB ? k % cols : c;
          const int y0 = (int) (o.gap + tr * ((gint64) kh * cell + o.gap));
          const int x0 = (int) (o.gap + tc * ((gint64) kw * cell + o.gap));
          for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
              {
                float rgb[3];
                const gsize at = (gsize) i * kw + j;
                if (layout == FM_SHEET_RGB)
                  for (int ch = 0; ch < 3; ch++)
                    {
                      double v = 0.5 + f[ch * per_channel + at] / (2 * m);
                      rgb[ch] = isfinite (v) ? (float) CLAMP (v, 0.0, 1.0) : 0.5f;
                    }
                else
                  fm_colour_diverging (f[c * per_channel + at] / m, rgb);
                fill_cell (sheet, W, y0 + i * cell, x0 + j * cell, cell, rgb);
              }
        }
    }
  *width = W;
  *height = H;
  if (layout_used)
    *layout_used = layout;
  return sheet;
}
