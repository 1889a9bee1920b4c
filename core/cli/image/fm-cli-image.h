/* fm-cli-image: the command line's input image, from a .npy or an image
 * file, as floats in the layout fm-job.h expects (H × W × C, C = 1 Y',
 * 2 Y'A, 3 R'G'B', 4 R'G'B'A perceptual 0..1, or N raw channels).
 *
 * Image files are read by the decoder their first bytes name (the table in
 * fm-cli-image.c): PNG, JPEG and TIFF with libpng, libjpeg(-turbo) and
 * libtiff directly (fm-cli-png.c, fm-cli-jpeg.c, fm-cli-tiff.c), keeping
 * 16-bit and float samples, converting an embedded colour profile to sRGB
 * with babl as GEGL would; the variants they leave (CMYK JPEG, exotic TIFF)
 * and the other formats (GIF, WebP, EXR, HDR, PNM) through GEGL.  GEGL is
 * started only then: its start costs 0.1–0.3 s (fm-cli-gegl.c). */
#pragma once

#include <glib.h>
#include <babl/babl.h>

G_BEGIN_DECLS

typedef struct {
  int width, height, channels;
  float *pixels;
} FmCliImage;

/* The pixel budget: no reader allocates pixels (nor lets its library
 * allocate for the whole image) before this check passes.  At most
 * FM_CONV_MAX_SIDE a side, FM_CONV_MAX_CHANNELS channels, fm_cli_max_pixels ()
 * pixels, FM_CLI_MAX_VALUES values (pixels × channels, 4 bytes each), and
 * for a file FM_CLI_MAX_SAMPLES_PER_BYTE samples per byte of it. */
#define FM_CLI_MAX_PIXELS ((gsize) 1 << 30)   /* what FEATUREMAPS_MAX_MPIXELS may raise it to */
#define FM_CLI_DEFAULT_MPIXELS 256            /* 256 Mpixels: 3 GB as RGB floats */
#define FM_CLI_MAX_VALUES ((gsize) 1 << 31)
#define FM_CLI_MAX_SAMPLES_PER_BYTE 8448.0

/* Pixels an image may have: FEATUREMAPS_MAX_MPIXELS (in millions of
 * pixels, 2^20 each) when set to a number from 1 to 1024, else
 * FM_CLI_DEFAULT_MPIXELS.  A 389 KB PNG can honestly hold 20000 × 20000
 * pixels, 4.8 GB of floats: such an image is refused unless asked for. */
gsize fm_cli_max_pixels (void);

/* Checks height × width × channels against the budget: an error naming
 * path and the limit when it does not fit (an empty image included). */
gboolean fm_cli_image_check_size (const char *path, gsize height, gsize width,
                                  gsize channels, GError **error);

/* fm_cli_image_check_size, then sets the size and allocates image->pixels
 * (an error when memory runs out).  Every decoder calls it once it knows
 * the size, before any other allocation that grows with the image. */
gboolean fm_cli_image_alloc (FmCliImage *image, const char *path, gsize height,
                             gsize width, gsize channels, GError **error);

/* .npy: H × W, H × W × C or W (a 1-row signal); float32/float64 as they are,
 * uint8 scaled to 0..1; every value must be finite.
 * An image file keeps its own channels: grey stays 1 channel (2 with
 * alpha), colour 3 (4 with alpha).  An image that does not decode
 * completely (truncated, damaged) is an error, never a partial image. */
gboolean fm_cli_image_load (const char *path, FmCliImage *image, GError **error);
void fm_cli_image_clear (FmCliImage *image);

/* Whether path is an image file that decodes completely, without keeping
 * it: PNG, JPEG and TIFF are decoded in full by the command line's own
 * decoders; the other formats whose first bytes the readers know pass
 * (whoever opens them next must check).  Needs neither GEGL nor babl: the
 * GIMP plug-in's file check uses it before GIMP's own loaders see a file. */
gboolean fm_cli_image_check (const char *path, GError **error);

/* TRUE when path names a .npy file (by its extension). */
gboolean fm_cli_is_npy (const char *path);

/* ---- for the decoders ---- */

/* What the file says about its colours.  Nothing: the samples are sRGB
 * (as GEGL assumes).  An ICC profile, or a PNG's gAMA (with cHRM or sRGB
 * primaries): fm_cli_colour_to_srgb converts the decoded floats. */
typedef struct {
  guint8 *icc;               /* g_free */
  gsize icc_len;
  gboolean gamma_space;      /* PNG gAMA without iCCP / sRGB */
  double gamma;              /* file gamma (0.45455 for a 2.2 curve) */
  double white[2], red[2], green[2], blue[2];
} FmCliColour;

void fm_cli_colour_clear (FmCliColour *colour);
/* babl's space for an ICC profile, or NULL (sRGB) when babl cannot use it
 * or its counts do not fit its length (starts babl, without its cache). */
const Babl *fm_cli_colour_space_from_icc (const guint8 *icc, gsize len);
/* In place, to the sRGB values GEGL would hand out (babl does the maths). */
gboolean fm_cli_colour_to_srgb (FmCliImage *image, const FmCliColour *colour,
                                const char *path, GError **error);

/* Every value finite, else an error naming the first that is not (row,
 * column, channel): what the engine needs, from any reader. */
gboolean fm_cli_image_check_finite (const FmCliImage *image, const char *path,
                                    GError **error);

/* Integer samples to floats: (float) (v / 255.0), (float) (v / 65535.0),
 * the values babl's u8/u16 → float conversions give. */
void fm_cli_u8_to_float (const guint8 *src, float *dst, gsize n);
void fm_cli_u16_to_float (const guint16 *src, float *dst, gsize n);

/* The decoders: FALSE with FM_CLI_ERROR_UNSUPPORTED when the file is of
 * their format but a variant they leave to GEGL. */
gboolean fm_cli_png_load (const char *path, FmCliImage *image,
                          FmCliColour *colour, GError **error);
gboolean fm_cli_jpeg_load (const char *path, FmCliImage *image,
                           FmCliColour *colour, GError **error);
gboolean fm_cli_tiff_load (const char *path, FmCliImage *image,
                           FmCliColour *colour, GError **error);
/* Anything GEGL's operation op reads (fm-cli-gegl.c). */
gboolean fm_cli_gegl_load (const char *path, const char *op, FmCliImage *image,
                           GError **error);

/* The error for a file none of the readers takes. */
gboolean fm_cli_image_not_readable (const char *path, GError **error);

G_END_DECLS
