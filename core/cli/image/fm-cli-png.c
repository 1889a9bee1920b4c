/* fm-cli-png: PNG files with libpng — the input image (every PNG colour
 * type and depth; 16-bit kept) and 16-bit maps.
 *
 * Reading does what GEGL's png-load does, so a file gives the same floats
 * either way: grey below 8 bits expanded, a palette expanded to RGB, tRNS
 * to alpha, an iCCP profile (or a gAMA curve without sRGB chunk) converted
 * to sRGB.  Unlike GEGL it stops at the first error: a truncated or damaged
 * file is an error, never an image with rows missing. */
#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-cli-mapfile.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <png.h>

typedef struct {
  jmp_buf jmp;
  FILE *file;
  gboolean eof;          /* the file ended before libpng was done */
  char message[200];     /* libpng's error */
} Io;

static void
on_error (png_structp png, png_const_charp message)
{
  Io *io = png_get_error_ptr (png);
  if (!io->message[0])
    g_strlcpy (io->message, message, sizeof io->message);
  longjmp (io->jmp, 1);
}

/* Warnings (benign errors such as a sloppy iCCP) do not stop a read, as
 * in GEGL and GIMP. */
static void
on_warning (png_structp png, png_const_charp message)
{
  (void) png;
  (void) message;
}

static void
read_bytes (png_structp png, png_bytep data, png_size_t length)
{
  Io *io = png_get_io_ptr (png);
  if (fread (data, 1, length, io->file) != length)
    {
      io->eof = feof (io->file);
      png_error (png, io->eof ? "the file ends before the image does"
                              : "read error");
    }
}

static void
read_colour (png_structp png, png_infop info, FmCliColour *colour)
{
  png_charp name;
  int compression;
  png_bytep profile;
  png_uint_32 len;
  if (png_get_iCCP (png, info, &name, &compression, &profile, &len) == PNG_INFO_iCCP
      && len > 0)
    {
      colour->icc = g_memdup2 (profile, len);
      colour->icc_len = len;
      return;
    }
  if (png_get_valid (png, info, PNG_INFO_sRGB))
    return;
  double gamma;
  if (png_get_gAMA (png, info, &gamma) && gamma > 0.0)
    {
      /* sRGB's primaries unless cHRM says otherwise (GEGL's rule). */
      double v[8] = { 0.3127, 0.3290, 0.6400, 0.3300, 0.3000, 0.6000, 0.1500, 0.0600 };
      png_get_cHRM (png, info, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
      colour->gamma_space = TRUE;
      colour->gamma = gamma;
      memcpy (colour->white, v, sizeof colour->white);
      memcpy (colour->red, v + 2, sizeof colour->red);
      memcpy (colour->green, v + 4, sizeof colour->green);
      memcpy (colour->blue, v + 6, sizeof colour->blue);
    }
}

gboolean
fm_cli_png_load (const char *path, FmCliImage *image, FmCliColour *colour,
                 GError **error)
{
  Io io = { .file = fopen (path, "rb") };
  if (!io.file)
    {
      int e = errno;
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "%s: cannot read: %s",
                   path, g_strerror (e));
      return FALSE;
    }
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &io,
                                            on_error, on_warning);
  png_infop info = png ? png_create_info_struct (png) : NULL;
  guint8 *volatile raw = NULL;
  png_bytep *volatile rows = NULL;
  volatile gboolean header_read = FALSE;
  gboolean ok = FALSE;

  if (!info)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: libpng could not start", path);
      goto done;
    }
  if (setjmp (io.jmp))
    {
      fm_cli_image_clear (image);
      if (!header_read && !io.eof)
        fm_cli_image_not_readable (path, error);
      else
        g_set_error (error, FM_CLI_ERROR,
                     io.eof ? FM_CLI_ERROR_TRUNCATED : FM_CLI_ERROR_DAMAGED,
                     "%s: damaged or truncated image (%s)", path, io.message);
      goto done;
    }

  png_set_read_fn (png, &io, read_bytes);
  png_set_option (png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
  png_set_benign_errors (png, 1);
  png_read_info (png, info);
  header_read = TRUE;

  png_uint_32 w, h;
  int depth, type, interlace;
  png_get_IHDR (png, info, &w, &h, &depth, &type, &interlace, NULL, NULL);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png);
  if (type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png);
  if (png_get_valid (png, info, PNG_INFO_tRNS))
    png_set_tRNS_to_alpha (png);
  if (depth == 16 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    png_set_swap (png);
  png_set_interlace_handling (png);
  read_colour (png, info, colour);
  png_read_update_info (png, info);

  const int channels = png_get_channels (png, info);
  const gboolean wide = png_get_bit_depth (png, info) == 16;
  if (!fm_cli_image_alloc (image, path, h, w, channels, error))
    goto done;
  const gsize row_bytes = png_get_rowbytes (png, info);
  raw = g_try_malloc ((gsize) h * row_bytes);
  rows = g_try_new (png_bytep, h);
  if (!raw || !rows)
    {
      fm_cli_image_clear (image);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_TOO_LARGE,
                   "%s: not enough memory to decode %u × %u pixels", path, w, h);
      goto done;
    }
  for (png_uint_32 y = 0; y < h; y++)
    rows[y] = raw + y * row_bytes;
  png_read_image (png, rows);
  /* The chunks after the pixels, up to IEND: a file cut there is cut. */
  png_read_end (png, NULL);

  const gsize n = (gsize) w * h * channels;
  if (wide)
    fm_cli_u16_to_float ((const guint16 *) raw, image->pixels, n);
  else
    fm_cli_u8_to_float (raw, image->pixels, n);
  ok = TRUE;

done:
  png_destroy_read_struct (png ? &png : NULL, info ? &info : NULL, NULL);
  g_free (rows);
  g_free (raw);
  fclose (io.file);
  return ok;
}

/* ---- maps (16-bit), and 8-bit images for the benchmarks ---- */

typedef struct {
  Io io;
  png_structp png;
  png_infop info;
  int width, channels, depth;
  guint16 *row;
  char *path;
} Writer;

static void
write_bytes (png_structp png, png_bytep data, png_size_t length)
{
  Io *io = png_get_io_ptr (png);
  if (fwrite (data, 1, length, io->file) != length)
    png_error (png, g_strerror (errno));
}

static void
flush_bytes (png_structp png)
{
  Io *io = png_get_io_ptr (png);
  fflush (io->file);
}

static gboolean
write_failed (Writer *w, GError **error)
{
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot write: %s",
               w->path, w->io.message[0] ? w->io.message : "libpng failed");
  return FALSE;
}

/* babl's float → u16: clipped to 0..1, rounded to the nearest (NaN → 0). */
static inline guint16
to_u16 (float v)
{
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 65535;
  return (guint16) rint (v * 65535.0);
}

static inline guint8
to_u8 (float v)
{
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 255;
  return (guint8) rint (v * 255.0);
}

static gboolean
png_rows (gpointer data, const float *rows, int n_rows, GError **error)
{
  Writer *w = data;
  const gsize n = (gsize) w->width * w->channels;
  if (setjmp (w->io.jmp))
    return write_failed (w, error);
  for (int r = 0; r < n_rows; r++)
    {
      const float *src = rows + (gsize) r * n;
      if (w->depth == 8)
        for (gsize i = 0; i < n; i++)
          ((guint8 *) w->row)[i] = to_u8 (src[i]);
      else
        for (gsize i = 0; i < n; i++)
          w->row[i] = to_u16 (src[i]);
      png_write_row (w->png, (png_const_bytep) w->row);
    }
  return TRUE;
}

static void
png_free_writer (gpointer data)
{
  Writer *w = data;
  if (w->png)
    png_destroy_write_struct (&w->png, &w->info);
  if (w->io.file)
    fclose (w->io.file);
  g_free (w->row);
  g_free (w->path);
  g_free (w);
}

static gboolean
png_finish (gpointer data, GError **error)
{
  Writer *w = data;
  if (setjmp (w->io.jmp))
    return write_failed (w, error);
  png_write_end (w->png, NULL);
  FILE *file = w->io.file;
  w->io.file = NULL;
  if (fclose (file) != 0)
    {
      g_strlcpy (w->io.message, g_strerror (errno), sizeof w->io.message);
      return write_failed (w, error);
    }
  return TRUE;
}

static const FmCliMapFileClass png_class = { png_rows, png_finish, png_free_writer };

FmCliMapFile *
fm_cli_png_create (const char *path, int width, int height, int channels,
                   int depth, GError **error)
{
  g_return_val_if_fail (channels == 1 || channels == 3, NULL);
  g_return_val_if_fail (depth == 8 || depth == 16, NULL);
  Writer *w = g_new0 (Writer, 1);
  w->depth = depth;
  w->path = g_strdup (path);
  w->width = width;
  w->channels = channels;
  w->io.file = fopen (path, "wb");
  if (!w->io.file)
    {
      g_strlcpy (w->io.message, g_strerror (errno), sizeof w->io.message);
      write_failed (w, error);
      png_free_writer (w);
      return NULL;
    }
  w->png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &w->io, on_error, on_warning);
  w->info = w->png ? png_create_info_struct (w->png) : NULL;
  w->row = g_try_new (guint16, (gsize) width * channels);
  if (!w->info || !w->row)
    {
      write_failed (w, error);
      png_free_writer (w);
      return NULL;
    }
  if (setjmp (w->io.jmp))
    {
      write_failed (w, error);
      png_free_writer (w);
      return NULL;
    }
  png_set_write_fn (w->png, &w->io, write_bytes, flush_bytes);
  /* GEGL's png-save defaults, which the maps were written with before. */
  png_set_compression_level (w->png, 3);
  png_set_IHDR (w->png, w->info, width, height, depth,
                channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_DEFAULT);
  png_color_16 white = { .red = 0xffff, .green = 0xffff, .blue = 0xffff, .gray = 0xffff };
  if (channels == 3)
    png_set_sRGB_gAMA_and_cHRM (w->png, w->info, PNG_sRGB_INTENT_RELATIVE);
  png_set_bKGD (w->png, w->info, &white);
  png_write_info (w->png, w->info);
  if (depth == 16 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    png_set_swap (w->png);
  return fm_cli_map_file_new (&png_class, w);
}
