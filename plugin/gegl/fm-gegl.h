/* fm-gegl: GEGL in the plug-in process, started for what the plug-in uses
 * (GeglBuffers of GIMP's drawables, babl conversions) and nothing more.
 *
 * Two costs every plug-in call paid before (docs/benchmarks.md, "Start-up"):
 * - babl 0.1.98 times its 24-bit lookup tables the first time it prepares a
 *   conversion path from an 8- or 16-bit format to 1, 2, 3, 4, 8 or 16 bytes
 *   a pixel: it fills a 256 MiB table and two 47 MiB buffers (≈ 360 MiB
 *   resident, 0.5–1.5 s).  It does so at start-up for every such path in
 *   its cache file ($XDG_CACHE_HOME/babl/babl-fishes, where GIMP's own
 *   conversions put them), and, with no cache, at the first read of an
 *   8-bit RGBA or grey layer as floats.
 * - gegl_init loads all of GEGL's operation modules (48 files and the
 *   libraries they pull in: ffmpeg, libraw, …), about 70 % of its time;
 *   the plug-in runs no GEGL operation. */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

/* gegl_init with, for this call only and unless the user set them:
 * BABL_INHIBIT_CACHE (babl does not read its cache) and an empty GEGL_PATH
 * (no operation modules).  Holds one babl reference that is never released,
 * so babl never rewrites the user's cache from this process either.  Call
 * instead of gegl_init; a second call does nothing. */
void fm_gegl_init (void);

/* gegl_buffer_get of rect into the float format dst_format (same number of
 * components as the buffer's own format), rows packed.  8- and 16-bit
 * buffers are read as they are stored and turned into floats here (v / 255,
 * v / 65535, what babl computes), then babl converts float to float (the
 * transfer curve of a linear layer), so no 8/16-bit babl path is built. */
void fm_gegl_get_float (GeglBuffer *buffer, const GeglRectangle *rect,
                        const Babl *dst_format, float *dst);

G_END_DECLS
