/* fm-cli-output: where the maps go.
 *
 *   OUTPUT.npy   float32, out_h × out_w × K (one value per map), or, in
 *                per-channel mode, out_h × out_w × K × Cc (each map an RGB
 *                layer: the last axis is its colour channels; Cc = 1 for
 *                a grey image, still 4-D so scripts see one shape).
 *   OUTPUT/      a folder: one file per map named after its filter
 *                ("vertical.tif"; a network layer's maps by index, "0.tif"):
 *                32-bit float TIFF for mapping raw (values kept exactly),
 *                16-bit PNG otherwise (values in 0..1).
 *   Several network layers need a folder: OUTPUT/<layer>.npy each (raw
 *   values), or OUTPUT/<layer>/ holding its maps as above (a mapping
 *   given); <layer> is the name asked for, with characters other than
 *   letters, digits, '.', '_' and '-' made '_'.
 *
 * Nothing appears under the final name until everything is written: the
 * output is built under a hidden temporary name in the same folder and
 * renamed at the end (for a folder that already exists, its files are moved
 * in one by one).  Freeing an output that was not committed removes the
 * temporary. */
#pragma once

#include <glib.h>
#include "featuremaps.h"

G_BEGIN_DECLS

typedef struct _FmCliOutput FmCliOutput;

/* Checks the path only (nothing is created): a .npy file, or a folder that
 * does not exist yet or is a folder.  A name with an image extension is
 * refused (a folder named "maps.png" is never what was meant); a name
 * ending in "/" is always a folder. */
FmCliOutput *fm_cli_output_new (const char *path, GError **error);

/* path without its trailing slashes ("maps/" → "maps", "/" stays). */
char *fm_cli_output_strip_slashes (const char *path);
void fm_cli_output_free (FmCliOutput *out);

gboolean fm_cli_output_is_npy (const FmCliOutput *out);

/* Creates the temporary and the buffers for this job's maps; mapping
 * picks TIFF (raw) or PNG for a folder.  bank: NULL for a network. */
gboolean fm_cli_output_begin (FmCliOutput *out, const FmBank *bank,
                              const FmJob *job, FmMapping mapping,
                              GError **error);

/* An FmLayerSink: user_data is the FmCliOutput. */
gboolean fm_cli_output_sink (gpointer user_data, int layer, int y0,
                             int n_rows, const float *pixels, GError **error);

gboolean fm_cli_output_commit (FmCliOutput *out, GError **error);

G_END_DECLS
