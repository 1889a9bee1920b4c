/* fm-cli-image: the command line's input image, from a .npy or any file
 * GEGL loads, as floats in the layout fm-job.h expects (H × W × C, C = 1 Y',
 * 2 Y'A, 3 R'G'B', 4 R'G'B'A perceptual 0..1, or N raw channels). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int width, height, channels;
  float *pixels;
} FmCliImage;

/* .npy: H × W, H × W × C or W (a 1-row signal); float32/float64 as they are,
 * uint8 scaled to 0..1; every value must be finite.
 * Anything else goes through gegl:load and keeps its own channels: grey
 * stays 1 channel (2 with alpha), colour 3 (4 with alpha). */
gboolean fm_cli_image_load (const char *path, FmCliImage *image, GError **error);
void fm_cli_image_clear (FmCliImage *image);

/* TRUE when path names a .npy file (by its extension). */
gboolean fm_cli_is_npy (const char *path);

G_END_DECLS
