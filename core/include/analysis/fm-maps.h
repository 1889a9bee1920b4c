/* fm-maps: what to do with a layer's K feature maps once they are computed,
 * for a person to read them — the error domain the map tools share, and
 * the streaming that feeds them.
 *
 *   fm-pca.h     a summary: the first three principal components as RGB
 *   fm-rank.h    which channels fire here: mean and max per channel, ranked
 *   fm-sheet.h   one picture of a layer's filters
 *   fm-colour.h  the diverging colour scale weights are drawn on
 *
 * The streamed tools take a band of maps: rows [y0, y0 + n_rows) of maps
 * `width` wide, channel k's row r at maps + k · plane_stride + r · width.
 * They keep K-sized or K × K-sized state, never H × W × K. */
#pragma once

#include <glib.h>
#include "fm-job.h"

G_BEGIN_DECLS

#define FM_MAPS_ERROR (fm_maps_error_quark ())
GQuark fm_maps_error_quark (void);

typedef enum {
  FM_MAPS_ERROR_INVALID,     /* an argument out of range */
  FM_MAPS_ERROR_EMPTY,       /* no pixel accumulated (an empty mask) */
  FM_MAPS_ERROR_NUMERIC,     /* LAPACK could not solve */
  FM_MAPS_ERROR_TOO_LARGE
} FmMapsError;

/* More channels than this are refused (a K × K covariance of doubles is
 * 128 MiB at 4096). */
#define FM_MAPS_MAX_CHANNELS 4096

/* One band of one output's K maps (the layout above). */
typedef gboolean (*FmMapsBand) (gpointer user_data, int y0, int n_rows,
                                const float *maps, gsize plane_stride,
                                int width, GError **error);

/* Runs job and hands every band of output `output`'s maps to band, all K
 * of them together: the job delivers one map at a time (FmLayerSink), so
 * they are gathered into one band buffer of n_rows × out_w × K floats —
 * the only memory this adds.  Make the job with mapping raw to see the
 * activations themselves.  Refused (FM_MAPS_ERROR_INVALID) for a job whose
 * layers have more than one channel (per-channel input). */
gboolean fm_maps_run (FmJob *job, int output, FmPixelSource source,
                      gpointer source_data, FmMapsBand band,
                      gpointer band_data, FmProgress progress,
                      gpointer progress_data, GError **error);

/* A mask for a job output: mask is mask_h × mask_w weights (0 outside, 1
 * inside, between for a feathered selection; NaN and negatives count as
 * 0).  A mask the size of the input image is sampled at the input pixel
 * nearest to each map pixel's centre — row floor(offset_y + i · stride_y +
 * ½), clamped to the image, likewise for columns (fm-job.h gives the
 * offsets); a mask the size of the output grid is taken as it is.  Any
 * other size is refused.  Returns out_h × out_w weights (g_free). */
float *fm_maps_mask_to_grid (const float *mask, int mask_h, int mask_w,
                             int image_h, int image_w,
                             const FmJobOutput *out, GError **error);

G_END_DECLS
