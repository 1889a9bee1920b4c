/* fm-dialog-thumb: kernel thumbnails for the chooser and the colours of the
 * editor's cells, on one diverging scale. */
#include "fm-dialog-private.h"

#include <math.h>

/* ColorBrewer RdBu end points around a light neutral centre. */
static const guchar neg[3] = { 33, 102, 172 };
static const guchar mid[3] = { 247, 247, 247 };
static const guchar pos[3] = { 178, 24, 43 };

void
fm_dialog_diverging (double t, guchar rgb[3])
{
  const guchar *end = t < 0 ? neg : pos;
  double a = CLAMP (fabs (t), 0.0, 1.0);

  if (!isfinite (t))
    a = 1.0;
  for (int i = 0; i < 3; i++)
    rgb[i] = (guchar) lround (mid[i] + (end[i] - mid[i]) * a);
}

double
fm_dialog_filter_scale (const FmBank *bank, int filter)
{
  const float *w = bank->filters[filter].weights;
  gsize n = (gsize) bank->kh * bank->kw * bank->channels;
  double m = 0;

  for (gsize i = 0; i < n; i++)
    if (isfinite (w[i]))
      m = MAX (m, fabs (w[i]));
  return m > 0 ? m : 1.0;
}

static void
paint_filter (GdkPixbuf *pixbuf, int x0, const FmBank *bank, int filter,
              int size)
{
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  double scale = fm_dialog_filter_scale (bank, filter) * bank->channels;
  const float *w = bank->filters[filter].weights;

  /* Nearest cell for each pixel; a thin grey line between cells when they
   * are big enough to read as a grid. */
  int cell = MAX (1, size / MAX (bank->kh, bank->kw));
  for (int py = 0; py < size; py++)
    for (int px = 0; px < size; px++)
      {
        int y = py * bank->kh / size, x = px * bank->kw / size;
        double sum = 0;
        for (int c = 0; c < bank->channels; c++)
          sum += w[((gsize) y * bank->kw + x) * bank->channels + c];
        guchar *p = pixels + py * stride + (x0 + px) * 3;
        gboolean line = cell >= 5 && ((py * bank->kh) % size < bank->kh ||
                                      (px * bank->kw) % size < bank->kw);
        fm_dialog_diverging (sum / scale, p);
        if (line)
          p[0] = p[1] = p[2] = 160;
      }
}

GdkPixbuf *
fm_dialog_thumb_filter (const FmBank *bank, int filter, int size)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, size, size);

  paint_filter (pixbuf, 0, bank, filter, size);
  return pixbuf;
}

GdkPixbuf *
fm_dialog_thumb_strip (const FmBank *bank, int size, int max_filters)
{
  int n = MIN (bank->n_filters, max_filters), gap = 3;
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8,
                                      n * size + (n - 1) * gap, size);

  gdk_pixbuf_fill (pixbuf, 0);
  GdkPixbuf *one = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, size, size);
  for (int k = 0; k < n; k++)
    {
      paint_filter (one, 0, bank, k, size);
      gdk_pixbuf_copy_area (one, 0, 0, size, size, pixbuf, k * (size + gap), 0);
    }
  g_object_unref (one);
  /* copy_area into an RGBA strip leaves alpha from the fill: set it opaque
   * where thumbnails are. */
  guchar *px = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < size; y++)
    for (int k = 0; k < n; k++)
      for (int x = 0; x < size; x++)
        px[y * stride + (k * (size + gap) + x) * 4 + 3] = 255;
  return pixbuf;
}
