/* fm-cli-image: read the input image (.npy or GEGL). */
#include "fm-cli.h"
#include "fm-cli-image.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gegl.h>

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

static gboolean
set_size (FmCliImage *image, const char *path, gsize h, gsize w, gsize c,
          GError **error)
{
  if (h == 0 || w == 0 || c == 0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: the image is empty (%" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ")", path, h, w, c);
      return FALSE;
    }
  if (h > FM_CONV_MAX_SIDE || w > FM_CONV_MAX_SIDE || c > FM_CONV_MAX_CHANNELS)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: image %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " × %"
                   G_GSIZE_FORMAT " is too large (at most %d pixels a side, "
                   "%d channels)", path, h, w, c, FM_CONV_MAX_SIDE,
                   FM_CONV_MAX_CHANNELS);
      return FALSE;
    }
  image->height = (int) h;
  image->width = (int) w;
  image->channels = (int) c;
  return TRUE;
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
  if (!set_size (image, path, h, w, c, error))
    return FALSE;

  for (gsize i = 0; i < array->size; i++)
    {
      if (!isfinite (array->data[i]))
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                       "%s: value %g at (row %" G_GSIZE_FORMAT ", column %"
                       G_GSIZE_FORMAT ", channel %" G_GSIZE_FORMAT "): "
                       "input values must be finite", path,
                       (double) array->data[i], i / (w * c), i / c % w, i % c);
          return FALSE;
        }
      if (u8)
        array->data[i] /= 255.0f;
    }
  image->pixels = g_steal_pointer (&array->data);
  return TRUE;
}

/* GEGL's loaders report through g_log too (libtiff's errors arrive as
 * messages): keep them to judge the result, never print them. */
static void
keep_message (const gchar *domain, GLogLevelFlags level, const gchar *message,
              gpointer data)
{
  (void) domain;
  (void) level;
  g_string_append_printf (data, "%s\n", message);
}

/* The loader is picked from the file's first bytes, not its name: GEGL's
 * own choice goes by the extension, and a wrong one can be fatal (libjpeg
 * exits the process on a file that is not a JPEG) or slow (an unknown
 * extension falls back to ImageMagick). */
static const struct {
  const char *magic;
  gsize len, at;
  const char *op;
} loaders[] = {
  { "\x89PNG\r\n\x1a\n", 8, 0, "gegl:png-load" },
  { "\xff\xd8\xff", 3, 0, "gegl:jpg-load" },
  { "II*\0", 4, 0, "gegl:tiff-load" },
  { "MM\0*", 4, 0, "gegl:tiff-load" },
  { "GIF8", 4, 0, "gegl:gif-load" },
  { "WEBP", 4, 8, "gegl:webp-load" },
  { "\x76\x2f\x31\x01", 4, 0, "gegl:exr-load" },
  { "#?", 2, 0, "gegl:rgbe-load" },
  { "P5", 2, 0, "gegl:ppm-load" },
  { "P6", 2, 0, "gegl:ppm-load" },
};

static const char *
pick_loader (const char *path)
{
  guint8 head[16] = { 0 };
  FILE *f = fopen (path, "rb");
  if (!f)
    return NULL;
  gsize n = fread (head, 1, sizeof head, f);
  fclose (f);
  for (gsize i = 0; i < G_N_ELEMENTS (loaders); i++)
    if (n >= loaders[i].at + loaders[i].len
        && memcmp (head + loaders[i].at, loaders[i].magic, loaders[i].len) == 0
        && gegl_has_operation (loaders[i].op))
      return loaders[i].op;
  return NULL;
}

/* libjpeg ends the whole process on an error in the headers (GEGL keeps
 * its default handler), so check them before GEGL opens the file: every
 * marker segment up to the start of scan must be complete, after a frame
 * header.  Damage inside the scan data is only a warning for libjpeg. */
static gboolean
jpeg_headers_complete (const char *path)
{
  GMappedFile *map = g_mapped_file_new (path, FALSE, NULL);
  if (!map)
    return FALSE;
  const guint8 *d = (const guint8 *) g_mapped_file_get_contents (map);
  gsize n = g_mapped_file_get_length (map), pos = 2;
  gboolean frame = FALSE, ok = FALSE;
  while (d && pos + 1 < n)
    {
      if (d[pos] != 0xff)
        break;
      while (pos < n && d[pos] == 0xff)
        pos++;
      if (pos >= n)
        break;
      guint8 m = d[pos];
      if ((m >= 0xd0 && m <= 0xd7) || m == 0x01)
        {
          pos++;
          continue;
        }
      if (m == 0xd9 || pos + 2 >= n)
        break;
      gsize len = (gsize) d[pos + 1] << 8 | d[pos + 2];
      if (len < 2 || pos + 1 + len > n)
        break;
      if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc)
        frame = TRUE;
      if (m == 0xda)
        {
          ok = frame;
          break;
        }
      pos += 1 + len;
    }
  g_mapped_file_unref (map);
  return ok;
}

static gboolean
not_readable (const char *path, GError **error)
{
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
               "%s: not an image GEGL can read (PNG, JPEG, TIFF, GIF, WebP, "
               "EXR, HDR, PNM) nor a .npy", path);
  return FALSE;
}

static gboolean
load_gegl (const char *path, FmCliImage *image, GError **error)
{
  fm_cli_gegl_start ();
  const char *op = pick_loader (path);
  if (!op)
    return not_readable (path, error);
  if (!strcmp (op, "gegl:jpg-load") && !jpeg_headers_complete (path))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: damaged or truncated JPEG (incomplete headers)", path);
      return FALSE;
    }

  /* Loaders print (libpng, libtiff) and warn from node set-up onwards. */
  int quiet = fm_cli_quiet_begin ();
  GString *logged = g_string_new (NULL);
  GLogFunc old = g_log_set_default_handler (keep_message, logged);

  GeglBuffer *buffer = NULL;
  GeglNode *graph = gegl_node_new ();
  GeglNode *load = gegl_node_new_child (graph, "operation", op, "path", path, NULL);
  GeglNode *sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink",
                                        "buffer", &buffer, NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  g_object_unref (graph);

  const GeglRectangle *extent = buffer ? gegl_buffer_get_extent (buffer) : NULL;
  gboolean ok = extent && extent->width > 0 && extent->height > 0;
  gboolean alpha = FALSE;
  int colour = 0;
  if (ok)
    {
      const Babl *stored = gegl_buffer_get_format (buffer);
      alpha = babl_format_has_alpha (stored);
      colour = babl_format_get_n_components (stored) - (alpha ? 1 : 0);
      ok = set_size (image, path, extent->height, extent->width,
                     (colour <= 1 ? 1 : 3) + (alpha ? 1 : 0), error);
      if (ok)
        {
          const char *format = colour <= 1 ? (alpha ? "Y'A float" : "Y' float")
                                           : (alpha ? "R'G'B'A float" : "R'G'B' float");
          image->pixels = g_new (float, (gsize) image->width * image->height
                                        * image->channels);
          gegl_buffer_get (buffer, extent, 1.0, babl_format (format),
                           image->pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        }
      else
        extent = NULL;
    }
  g_clear_object (&buffer);

  g_log_set_default_handler (old, NULL);
  g_autofree char *printed = fm_cli_quiet_end (quiet);
  g_string_prepend (logged, printed);
  g_autofree char *said = g_string_free (logged, FALSE);
  g_autofree char *line = NULL;
  if (ok && fm_cli_quiet_says_error (said, &line))
    {
      fm_cli_image_clear (image);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: damaged or truncated image (%s)", path, line);
      return FALSE;
    }
  if (!ok && extent == NULL && (!error || !*error))
    return not_readable (path, error);
  return ok;
}

gboolean
fm_cli_image_load (const char *path, FmCliImage *image, GError **error)
{
  memset (image, 0, sizeof *image);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: no such file", path);
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: is a folder, not an image", path);
      return FALSE;
    }
  if (g_access (path, R_OK) != 0)
    {
      int e = errno;
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: cannot read: %s", path, g_strerror (e));
      return FALSE;
    }
  return fm_cli_is_npy (path) ? load_npy (path, image, error)
                              : load_gegl (path, image, error);
}
