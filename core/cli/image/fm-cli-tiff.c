/* fm-cli-tiff: TIFF files with libtiff — the input image and raw maps as
 * 32-bit float.
 *
 * Reading takes what GEGL's tiff-load reads as perceptual grey or RGB,
 * with or without (straight) alpha, in 8 or 16 bits or 32-bit float,
 * strips or tiles, an ICC profile converted to sRGB; everything else
 * (premultiplied alpha, half, 32-bit integers, double, CMYK, YCbCr,
 * palette, min-is-white, 1-bit …) goes to GEGL.  The first page only, as
 * GEGL.  Any libtiff error ends the read: no image with rows missing. */
#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-cli-mapfile.h"

#include <stdarg.h>
#include <string.h>
#include <tiffio.h>

typedef struct {
  char message[256];   /* libtiff's first error */
} Errors;

static int
on_error (TIFF *tif, void *data, const char *module, const char *fmt, va_list ap)
{
  (void) tif;
  (void) module;
  Errors *e = data;
  if (!e->message[0])
    g_vsnprintf (e->message, sizeof e->message, fmt, ap);
  return 1;   /* handled: libtiff prints nothing */
}

static int
on_warning (TIFF *tif, void *data, const char *module, const char *fmt, va_list ap)
{
  (void) tif;
  (void) data;
  (void) module;
  (void) fmt;
  (void) ap;
  return 1;   /* unknown tags and such: not our business */
}

static TIFF *
open_tiff (const char *path, const char *mode, Errors *errors)
{
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc ();
  /* libtiff's own buffers (a strip, a tile, a directory): a damaged header
   * must not make it allocate gigabytes. */
  TIFFOpenOptionsSetMaxSingleMemAlloc (opts, (tmsize_t) 256 << 20);
  TIFFOpenOptionsSetErrorHandlerExtR (opts, on_error, errors);
  TIFFOpenOptionsSetWarningHandlerExtR (opts, on_warning, errors);
  TIFF *tif = TIFFOpenExt (path, mode, opts);
  TIFFOpenOptionsFree (opts);
  return tif;
}

/* libtiff's words for a file that ends too soon. */
static int
read_error_code (const char *message)
{
  g_autofree char *lower = g_ascii_strdown (message, -1);
  static const char *const short_file[] = { "read error", "seek error", "eof",
                                            "truncat", "cannot read", "premature" };
  for (gsize i = 0; i < G_N_ELEMENTS (short_file); i++)
    if (strstr (lower, short_file[i]))
      return FM_CLI_ERROR_TRUNCATED;
  return FM_CLI_ERROR_DAMAGED;
}

typedef struct {
  int bytes;            /* per sample: 1, 2 or 4 (float) */
  int samples;          /* per pixel: 1–4 */
  gboolean planar;      /* one plane per sample */
} Layout;

/* n samples of one kind to floats, `stride` floats apart. */
static void
samples_to_float (const Layout *l, const guint8 *src, gsize n, float *dst,
                  gsize stride)
{
  if (stride == 1)
    {
      if (l->bytes == 1)
        fm_cli_u8_to_float (src, dst, n);
      else if (l->bytes == 2)
        fm_cli_u16_to_float ((const guint16 *) src, dst, n);
      else
        memcpy (dst, src, n * sizeof (float));
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      float v;
      if (l->bytes == 1)
        fm_cli_u8_to_float (src + i, &v, 1);
      else if (l->bytes == 2)
        fm_cli_u16_to_float ((const guint16 *) src + i, &v, 1);
      else
        memcpy (&v, src + 4 * i, sizeof v);
      dst[i * stride] = v;
    }
}

/* What GEGL would call this file; FALSE: leave it to GEGL. */
static gboolean
supported_layout (TIFF *tif, Layout *l)
{
  guint16 photometric, spp, bits, format, planar, n_extra = 0, *extra = NULL;
  if (!TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &photometric))
    return FALSE;
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted (tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted (tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetField (tif, TIFFTAG_EXTRASAMPLES, &n_extra, &extra);

  int colour = photometric == PHOTOMETRIC_MINISBLACK ? 1
               : photometric == PHOTOMETRIC_RGB ? 3 : 0;
  if (colour == 0 || (spp != colour && spp != colour + 1))
    return FALSE;
  if (spp == colour + 1 && n_extra > 0 && extra[0] == EXTRASAMPLE_ASSOCALPHA)
    return FALSE;
  if (format == SAMPLEFORMAT_UINT && (bits == 8 || bits == 16))
    l->bytes = bits / 8;
  else if (format == SAMPLEFORMAT_IEEEFP && bits == 32)
    l->bytes = 4;
  else
    return FALSE;
  l->samples = spp;
  l->planar = planar == PLANARCONFIG_SEPARATE;
  return !(l->planar && TIFFIsTiled (tif));
}

static gboolean
read_strips (TIFF *tif, const Layout *l, FmCliImage *image, guint8 *buf)
{
  const gsize w = image->width, spp = l->samples;
  for (int s = 0; s < (l->planar ? l->samples : 1); s++)
    for (int y = 0; y < image->height; y++)
      {
        if (TIFFReadScanline (tif, buf, y, s) < 0)
          return FALSE;
        float *row = image->pixels + (gsize) y * w * spp;
        if (l->planar)
          samples_to_float (l, buf, w, row + s, spp);
        else
          samples_to_float (l, buf, w * spp, row, 1);
      }
  return TRUE;
}

static gboolean
read_tiles (TIFF *tif, const Layout *l, FmCliImage *image, guint8 *buf)
{
  guint32 tw, th;
  TIFFGetField (tif, TIFFTAG_TILEWIDTH, &tw);
  TIFFGetField (tif, TIFFTAG_TILELENGTH, &th);
  const gsize spp = l->samples;
  for (guint32 y0 = 0; y0 < (guint32) image->height; y0 += th)
    for (guint32 x0 = 0; x0 < (guint32) image->width; x0 += tw)
      {
        if (TIFFReadTile (tif, buf, x0, y0, 0, 0) < 0)
          return FALSE;
        guint32 rows = MIN (th, image->height - y0), cols = MIN (tw, image->width - x0);
        for (guint32 r = 0; r < rows; r++)
          samples_to_float (l, buf + (gsize) r * tw * spp * l->bytes, cols * spp,
                            image->pixels + ((gsize) (y0 + r) * image->width + x0) * spp, 1);
      }
  return TRUE;
}

gboolean
fm_cli_tiff_load (const char *path, FmCliImage *image, FmCliColour *colour,
                  GError **error)
{
  Errors errors = { { 0 } };
  TIFF *tif = open_tiff (path, "r", &errors);
  if (!tif)
    {
      if (read_error_code (errors.message) == FM_CLI_ERROR_TRUNCATED)
        g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_TRUNCATED,
                     "%s: damaged or truncated image (%s)", path, errors.message);
      else
        g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_NOT_IMAGE,
                     "%s: not a TIFF libtiff can read (%s)", path, errors.message);
      return FALSE;
    }

  gboolean ok = FALSE;
  guint8 *buf = NULL;
  Layout l = { 0 };
  guint32 w = 0, h = 0;
  if (!TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &w)
      || !TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &h))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_DAMAGED,
                   "%s: damaged or truncated image (no width or height)", path);
      goto done;
    }
  if (!supported_layout (tif, &l))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_UNSUPPORTED,
                   "%s: a TIFF layout left to GEGL", path);
      goto done;
    }
  if (!fm_cli_image_alloc (image, path, h, w, l.samples, error))
    goto done;

  guint32 icc_len = 0;
  void *icc = NULL;
  if (TIFFGetField (tif, TIFFTAG_ICCPROFILE, &icc_len, &icc) && icc && icc_len)
    {
      colour->icc = g_memdup2 (icc, icc_len);
      colour->icc_len = icc_len;
    }

  tmsize_t size = TIFFIsTiled (tif) ? TIFFTileSize (tif) : TIFFScanlineSize (tif);
  buf = size > 0 ? g_try_malloc (size) : NULL;
  if (!buf)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_DAMAGED,
                   "%s: damaged or truncated image (%s)", path,
                   errors.message[0] ? errors.message : "no memory for a strip");
      goto done;
    }
  if (!(TIFFIsTiled (tif) ? read_tiles (tif, &l, image, buf)
                          : read_strips (tif, &l, image, buf))
      || errors.message[0])
    {
      g_set_error (error, FM_CLI_ERROR, read_error_code (errors.message),
                   "%s: damaged or truncated image (%s)", path,
                   errors.message[0] ? errors.message : "libtiff failed");
      goto done;
    }
  ok = TRUE;

done:
  if (!ok)
    fm_cli_image_clear (image);
  g_free (buf);
  TIFFClose (tif);
  return ok;
}

/* ---- raw maps: 32-bit float ---- */

typedef struct {
  TIFF *tif;
  Errors errors;
  int y;
  gsize row_floats;
  char *path;
} Writer;

static gboolean
write_failed (Writer *w, GError **error)
{
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot write: %s",
               w->path, w->errors.message[0] ? w->errors.message : "libtiff failed");
  return FALSE;
}

static gboolean
tiff_rows (gpointer data, const float *rows, int n_rows, GError **error)
{
  Writer *w = data;
  for (int r = 0; r < n_rows; r++, w->y++)
    if (TIFFWriteScanline (w->tif, (void *) (rows + r * w->row_floats), w->y, 0) < 0)
      return write_failed (w, error);
  return TRUE;
}

static void
tiff_free_writer (gpointer data)
{
  Writer *w = data;
  if (w->tif)
    TIFFClose (w->tif);
  g_free (w->path);
  g_free (w);
}

static gboolean
tiff_finish (gpointer data, GError **error)
{
  Writer *w = data;
  gboolean ok = TIFFFlush (w->tif) == 1 && !w->errors.message[0];
  TIFFClose (w->tif);
  w->tif = NULL;
  return ok || write_failed (w, error);
}

static const FmCliMapFileClass tiff_class = { tiff_rows, tiff_finish, tiff_free_writer };

FmCliMapFile *
fm_cli_tiff_create (const char *path, int width, int height, int channels,
                    GError **error)
{
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);
  Writer *w = g_new0 (Writer, 1);
  w->path = g_strdup (path);
  w->row_floats = (gsize) width * channels;
  w->tif = open_tiff (path, "w", &w->errors);
  if (!w->tif)
    {
      write_failed (w, error);
      tiff_free_writer (w);
      return NULL;
    }
  TIFFSetField (w->tif, TIFFTAG_SUBFILETYPE, 0);
  TIFFSetField (w->tif, TIFFTAG_IMAGEWIDTH, (guint32) width);
  TIFFSetField (w->tif, TIFFTAG_IMAGELENGTH, (guint32) height);
  TIFFSetField (w->tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  TIFFSetField (w->tif, TIFFTAG_PHOTOMETRIC,
                channels == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
  TIFFSetField (w->tif, TIFFTAG_SAMPLESPERPIXEL, (guint16) channels);
  TIFFSetField (w->tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField (w->tif, TIFFTAG_BITSPERSAMPLE, 32);
  TIFFSetField (w->tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
  TIFFSetField (w->tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField (w->tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize (w->tif, 0));
  if (w->errors.message[0])
    {
      write_failed (w, error);
      tiff_free_writer (w);
      return NULL;
    }
  return fm_cli_map_file_new (&tiff_class, w);
}
