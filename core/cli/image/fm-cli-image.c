/* fm-cli-image: read the input image — a .npy, or an image file through the
 * decoder its first bytes name. */
#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

gboolean
fm_cli_is_npy (const char *path)
{
  gsize n = strlen (path);
  return n > 4 && g_ascii_strcasecmp (path + n - 4, ".npy") == 0;
}

void
fm_cli_image_clear (FmCliImage *image)
{
  g_clear_pointer (&image->pixels, g_free);
}

gsize
fm_cli_max_pixels (void)
{
  const char *given = g_getenv ("FEATUREMAPS_MAX_MPIXELS");
  guint64 m = 0;
  if (!given || !g_ascii_string_to_unsigned (given, 10, 1, FM_CLI_MAX_PIXELS >> 20, &m, NULL))
    m = FM_CLI_DEFAULT_MPIXELS;
  return (gsize) m << 20;
}

gboolean
fm_cli_image_check_size (const char *path, gsize h, gsize w, gsize c,
                         GError **error)
{
  /* A compressed file cannot hold more than this many samples per byte
   * (deflate peaks near 1032:1, times 8 one-bit pixels a byte): a header
   * that claims more is damaged, and allocating for it would let a few
   * bytes take gigabytes. */
  GStatBuf st;
  if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && h && w && c
      && h <= FM_CONV_MAX_SIDE && w <= FM_CONV_MAX_SIDE && c <= FM_CONV_MAX_CHANNELS
      && (double) h * w * c > (double) st.st_size * FM_CLI_MAX_SAMPLES_PER_BYTE)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_DAMAGED,
                   "%s: damaged or truncated image (%" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " samples cannot fit in "
                   "a file of %" G_GINT64_FORMAT " bytes)", path, h, w, c,
                   (gint64) st.st_size);
      return FALSE;
    }
  if (h == 0 || w == 0 || c == 0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: the image is empty (%" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ")", path, h, w, c);
      return FALSE;
    }
  const gsize budget = fm_cli_max_pixels ();
  if (h > FM_CONV_MAX_SIDE || w > FM_CONV_MAX_SIDE || c > FM_CONV_MAX_CHANNELS
      || h * w * c > FM_CLI_MAX_VALUES)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_TOO_LARGE,
                   "%s: image %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " is too large (at most %d pixels a side, "
                   "%d channels, %" G_GSIZE_FORMAT " M values)", path, h, w, c,
                   FM_CONV_MAX_SIDE, FM_CONV_MAX_CHANNELS, FM_CLI_MAX_VALUES >> 20);
      return FALSE;
    }
  if (h * w > budget)
    {
      /* the one limit a user may raise: say how */
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_TOO_LARGE,
                   "%s: image %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " has %" G_GSIZE_FORMAT
                   " Mpixels, more than the %" G_GSIZE_FORMAT " allowed (set "
                   "FEATUREMAPS_MAX_MPIXELS, up to %" G_GSIZE_FORMAT ", to allow more)", path, h,
                   w, (h * w + (1 << 20) - 1) >> 20, budget >> 20, FM_CLI_MAX_PIXELS >> 20);
      return FALSE;
    }
  return TRUE;
}

gboolean
fm_cli_image_alloc (FmCliImage *image, const char *path, gsize h, gsize w,
                    gsize c, GError **error)
{
  if (!fm_cli_image_check_size (path, h, w, c, error))
    return FALSE;
  image->pixels = g_try_new (float, h * w * c);
  if (!image->pixels)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_TOO_LARGE,
                   "%s: not enough memory for %" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " floats", path, h, w, c);
      return FALSE;
    }
  image->height = (int) h;
  image->width = (int) w;
  image->channels = (int) c;
  return TRUE;
}

gboolean
fm_cli_image_check_finite (const FmCliImage *image, const char *path,
                           GError **error)
{
  const gsize w = image->width, c = image->channels;
  const gsize n = (gsize) image->height * w * c;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (image->pixels[i]))
      {
        g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                     "%s: value %g at (row %" G_GSIZE_FORMAT ", column %"
                     G_GSIZE_FORMAT ", channel %" G_GSIZE_FORMAT "): "
                     "input values must be finite", path,
                     (double) image->pixels[i], i / (w * c), i / c % w, i % c);
        return FALSE;
      }
  return TRUE;
}

void
fm_cli_u8_to_float (const guint8 *src, float *dst, gsize n)
{
  static float table[256];
  static gsize ready;
  if (g_once_init_enter (&ready))
    {
      for (int i = 0; i < 256; i++)
        table[i] = (float) (i / 255.0);
      g_once_init_leave (&ready, 1);
    }
  for (gsize i = 0; i < n; i++)
    dst[i] = table[src[i]];
}

void
fm_cli_u16_to_float (const guint16 *src, float *dst, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] = (float) (src[i] / 65535.0);
}

gboolean
fm_cli_image_not_readable (const char *path, GError **error)
{
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_NOT_IMAGE,
               "%s: not an image GEGL can read (PNG, JPEG, TIFF, GIF, WebP, "
               "EXR, HDR, PNM) nor a .npy", path);
  return FALSE;
}

static gboolean
load_npy (const char *path, FmCliImage *image, GError **error)
{
  GError *local = NULL;
  g_autoptr (FmArray) array = fm_npy_read_file (path, &local);
  if (!array)
    {
      /* The reader's message may or may not name the file: make sure. */
      if (strstr (local->message, path))
        g_propagate_error (error, local);
      else
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "%s: %s",
                       path, local->message);
          g_error_free (local);
        }
      return FALSE;
    }

  const char *dt = array->dtype;
  gboolean u8 = g_str_has_suffix (dt, "u1");
  if (!u8 && !g_str_has_suffix (dt, "f4") && !g_str_has_suffix (dt, "f8")
      && !g_str_has_suffix (dt, "f2"))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: dtype %s: an input image must be float32, float64 "
                   "or uint8", path, dt);
      return FALSE;
    }

  gsize h, w, c;
  switch (array->ndim)
    {
    case 1: h = 1; w = array->shape[0]; c = 1; break;
    case 2: h = array->shape[0]; w = array->shape[1]; c = 1; break;
    case 3: h = array->shape[0]; w = array->shape[1]; c = array->shape[2]; break;
    default:
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: %d dimensions: an input image must be H × W or "
                   "H × W × C", path, array->ndim);
      return FALSE;
    }
  if (!fm_cli_image_check_size (path, h, w, c, error))
    return FALSE;

  image->height = (int) h;
  image->width = (int) w;
  image->channels = (int) c;
  image->pixels = g_steal_pointer (&array->data);
  if (!fm_cli_image_check_finite (image, path, error))
    {
      fm_cli_image_clear (image);
      return FALSE;
    }
  if (u8)
    for (gsize i = 0; i < array->size; i++)
      image->pixels[i] /= 255.0f;
  return TRUE;
}

/* The readers, picked from the file's first bytes, never its name: a wrong
 * name must not pick a wrong decoder (libjpeg ends the process on a file
 * that is not a JPEG when GEGL runs it; an unknown extension sends GEGL to
 * ImageMagick).  A format with its own decoder falls back to the GEGL
 * operation for the variants the decoder leaves. */
typedef gboolean (*Decode) (const char *path, FmCliImage *image,
                            FmCliColour *colour, GError **error);
static const struct {
  const char *magic;
  gsize len, at;
  Decode decode;        /* NULL: GEGL only */
  const char *gegl_op;
} readers[] = {
  { "\x89PNG\r\n\x1a\n", 8, 0, fm_cli_png_load, "gegl:png-load" },
  { "\xff\xd8\xff", 3, 0, fm_cli_jpeg_load, "gegl:jpg-load" },
  { "II*\0", 4, 0, fm_cli_tiff_load, "gegl:tiff-load" },
  { "MM\0*", 4, 0, fm_cli_tiff_load, "gegl:tiff-load" },
  { "GIF8", 4, 0, NULL, "gegl:gif-load" },
  { "WEBP", 4, 8, NULL, "gegl:webp-load" },
  { "\x76\x2f\x31\x01", 4, 0, NULL, "gegl:exr-load" },
  { "#?", 2, 0, NULL, "gegl:rgbe-load" },
  { "P5", 2, 0, NULL, "gegl:ppm-load" },
  { "P6", 2, 0, NULL, "gegl:ppm-load" },
};

static int
pick_reader (const char *path)
{
  guint8 head[16] = { 0 };
  FILE *f = fopen (path, "rb");
  if (!f)
    return -1;
  gsize n = fread (head, 1, sizeof head, f);
  fclose (f);
  for (gsize i = 0; i < G_N_ELEMENTS (readers); i++)
    if (n >= readers[i].at + readers[i].len
        && memcmp (head + readers[i].at, readers[i].magic, readers[i].len) == 0)
      return (int) i;
  return -1;
}

static gboolean
load_image_file (const char *path, FmCliImage *image, GError **error)
{
  int r = pick_reader (path);
  if (r < 0)
    return fm_cli_image_not_readable (path, error);

  /* Tests compare the decoders with GEGL's loaders on the same files. */
  gboolean gegl_only = !g_strcmp0 (g_getenv ("FEATUREMAPS_IMAGE_READER"), "gegl");
  if (readers[r].decode && !gegl_only)
    {
      FmCliColour colour = { 0 };
      GError *local = NULL;
      gboolean ok = readers[r].decode (path, image, &colour, &local)
                    && fm_cli_colour_to_srgb (image, &colour, path, &local)
                    && fm_cli_image_check_finite (image, path, &local);
      fm_cli_colour_clear (&colour);
      if (ok)
        return TRUE;
      fm_cli_image_clear (image);
      if (!g_error_matches (local, FM_CLI_ERROR, FM_CLI_ERROR_UNSUPPORTED))
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      g_error_free (local);
    }
  if (!fm_cli_gegl_load (path, readers[r].gegl_op, image, error))
    return FALSE;
  if (fm_cli_image_check_finite (image, path, error))
    return TRUE;
  fm_cli_image_clear (image);
  return FALSE;
}

/* What every reader needs first: a readable regular file.  Opened once
 * through fm-file (a stat first, O_NONBLOCK, fstat): a FIFO, a device, a
 * socket or a symlink loop is named as such instead of blocking or being
 * read without end, and the file joins the run's read log, so that no
 * output may overwrite it (fm-cli-output.c). */
static gboolean
check_file (const char *path, GError **error)
{
  if (fm_file_kind (path, NULL, NULL) == FM_FILE_DIRECTORY)
    {
      g_autofree char *shown = fm_file_display (path);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: is a folder, not an image", shown);
      return FALSE;
    }
  GError *local = NULL;
  int fd = fm_file_open (path, "regular image file", NULL, &local);
  if (fd >= 0)
    {
      close (fd);
      return TRUE;
    }
  if (g_error_matches (local, FM_FILE_ERROR, FM_FILE_ERROR_NOT_FOUND))
    {
      g_autofree char *shown = fm_file_display (path);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_MISSING, "%s: no such file", shown);
      g_error_free (local);
      return FALSE;
    }
  g_set_error_literal (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, local->message);
  g_error_free (local);
  return FALSE;
}

gboolean
fm_cli_image_load (const char *path, FmCliImage *image, GError **error)
{
  memset (image, 0, sizeof *image);
  if (!check_file (path, error))
    return FALSE;
  return fm_cli_is_npy (path) ? load_npy (path, image, error)
                              : load_image_file (path, image, error);
}

gboolean
fm_cli_image_check (const char *path, GError **error)
{
  if (!check_file (path, error))
    return FALSE;
  int r = pick_reader (path);
  if (r < 0)
    return fm_cli_image_not_readable (path, error);
  if (!readers[r].decode)
    return TRUE;
  FmCliImage image = { 0 };
  FmCliColour colour = { 0 };
  GError *local = NULL;
  gboolean ok = readers[r].decode (path, &image, &colour, &local)
                && fm_cli_image_check_finite (&image, path, &local);
  fm_cli_image_clear (&image);
  fm_cli_colour_clear (&colour);
  if (ok || g_error_matches (local, FM_CLI_ERROR, FM_CLI_ERROR_UNSUPPORTED))
    {
      g_clear_error (&local);
      return TRUE;
    }
  g_propagate_error (error, local);
  return FALSE;
}
