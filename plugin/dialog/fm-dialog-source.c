/* fm-dialog-source: the in-memory pixel source (tests, and any host that
 * already holds the image). */
#include "fm-dialog-source.h"

#include <string.h>

static gboolean
memory_read (FmDialogSource *source, int x, int y, int w, int h, float *dst,
             GError **error)
{
  const float *pixels = source->data;
  gsize row = (gsize) w * source->channels;

  (void) error;
  for (int r = 0; r < h; r++)
    memcpy (dst + r * row,
            pixels + ((gsize) (y + r) * source->width + x) * source->channels,
            row * sizeof (float));
  return TRUE;
}

FmDialogSource *
fm_dialog_source_new_memory (int width, int height, int channels,
                             const float *pixels, gboolean float_precision)
{
  FmDialogSource *source = g_new0 (FmDialogSource, 1);

  source->width = width;
  source->height = height;
  source->channels = channels;
  source->float_precision = float_precision;
  source->read = memory_read;
  source->data = g_memdup2 (pixels, (gsize) width * height * channels * sizeof (float));
  source->destroy = g_free;
  return source;
}

void
fm_dialog_source_free (FmDialogSource *source)
{
  if (!source)
    return;
  if (source->destroy)
    source->destroy (source->data);
  g_free (source);
}
