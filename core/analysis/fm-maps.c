/* fm-maps: the error domain of the map tools, the band gatherer between
 * the job's one-map-at-a-time sink and tools that need every channel of a
 * pixel at once, and masks brought to a layer's grid. */
#include "fm-maps.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (fm-maps-error-quark, fm_maps_error)

typedef struct {
  const FmJob *job;
  int output;
  const FmJobOutput *out;
  FmMapsBand band;
  gpointer band_data;
  float *maps;            /* n_rows × out_w per channel, K planes */
  gsize len;
  int y0, n_rows;
} Gather;

static gboolean
gather_sink (gpointer data, int layer, int y0, int n_rows, const float *pixels,
             GError **error)
{
  Gather *g = data;
  if (fm_job_layer_output (g->job, layer) != g->output)
    return TRUE;
  const int j = layer - g->out->first_layer, K = g->out->n_layers;
  const gsize plane = (gsize) n_rows * g->out->out_w;
  if (j == 0)
    {
      if (plane * K > g->len)
        {
          g_free (g->maps);
          g->maps = g_try_new (float, plane * K);
          g->len = g->maps ? plane * K : 0;
          if (!g->maps)
            {
              g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_TOO_LARGE,
                           "out of memory for a band of %d × %d × %d maps",
                           n_rows, g->out->out_w, K);
              return FALSE;
            }
        }
      g->y0 = y0;
      g->n_rows = n_rows;
    }
  /* The job hands over a band's maps in order, 0 … K − 1, before the next
   * band: anything else is a change of that contract, not a user's error,
   * but it must still stop the run with a message. */
  if (!g->maps || y0 != g->y0 || n_rows != g->n_rows)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "map %d of rows %d … %d arrived out of band order", j, y0, y0 + n_rows);
      return FALSE;
    }
  memcpy (g->maps + (gsize) j * plane, pixels, plane * sizeof (float));
  if (j == K - 1)
    return g->band (g->band_data, y0, n_rows, g->maps, plane, g->out->out_w, error);
  return TRUE;
}

gboolean
fm_maps_run (FmJob *job, int output, FmPixelSource source, gpointer source_data,
             FmMapsBand band, gpointer band_data, FmProgress progress,
             gpointer progress_data, GError **error)
{
  g_return_val_if_fail (job && source && band, FALSE);
  if (output < 0 || output >= fm_job_n_outputs (job))
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "no output %d (the job has %d)", output, fm_job_n_outputs (job));
      return FALSE;
    }
  if (fm_job_layer_channels (job) != 1)
    {
      g_set_error_literal (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                           "the map tools take one channel per map (not per-channel input)");
      return FALSE;
    }
  Gather g = {
    .job = job, .output = output, .out = fm_job_output (job, output),
    .band = band, .band_data = band_data,
  };
  gboolean ok = fm_job_run (job, source, source_data, gather_sink, &g, progress,
                            progress_data, error);
  g_free (g.maps);
  return ok;
}

static int
nearest (double at, int n)
{
  double v = floor (at + 0.5);
  return v < 0 ? 0 : v > n - 1 ? n - 1 : (int) v;
}

float *
fm_maps_mask_to_grid (const float *mask, int mask_h, int mask_w, int image_h,
                      int image_w, const FmJobOutput *out, GError **error)
{
  g_return_val_if_fail (mask && out, NULL);
  const int h = out->out_h, w = out->out_w;
  const gboolean grid = mask_h == h && mask_w == w;
  if (!grid && !(mask_h == image_h && mask_w == image_w))
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "the mask is %d × %d; it must be the image's size (%d × %d) "
                   "or the layer's (%d × %d)", mask_h, mask_w, image_h, image_w, h, w);
      return NULL;
    }
  float *weights = g_try_new (float, (gsize) h * w);
  if (!weights)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_TOO_LARGE,
                   "out of memory for a %d × %d mask", h, w);
      return NULL;
    }
  for (int i = 0; i < h; i++)
    {
      const int y = grid ? i : nearest (out->offset_y + (double) i * out->stride_y, mask_h);
      for (int j = 0; j < w; j++)
        {
          const int x = grid ? j : nearest (out->offset_x + (double) j * out->stride_x, mask_w);
          float v = mask[(gsize) y * mask_w + x];
          weights[(gsize) i * w + j] = v > 0 ? v : 0;   /* NaN and negatives: 0 */
        }
    }
  return weights;
}
