/* fm-cli-image: read the input image (.npy or GEGL). */
#include "fm-cli.h"
#include "fm-cli-image.h"

#include <errno.h>
#include <math.h>
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

/* GEGL's loaders report through g_warning; keep the first message for our
 * one error line instead of letting them print. */
static void
keep_message (const gchar *domain, GLogLevelFlags level, const gchar *message,
              gpointer data)
{
  (void) domain;
  (void) level;
  GString *kept = data;
  if (kept->len == 0)
    g_string_append (kept, message);
}

static gboolean
load_gegl (const char *path, FmCliImage *image, GError **error)
{
  fm_cli_gegl_start ();

  GeglBuffer *buffer = NULL;
  GeglNode *graph = gegl_node_new ();
  GeglNode *load = gegl_node_new_child (graph, "operation", "gegl:load",
                                        "path", path, NULL);
  GeglNode *sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink",
                                        "buffer", &buffer, NULL);
  gegl_node_link (load, sink);

  GString *kept = g_string_new (NULL);
  GLogFunc old = g_log_set_default_handler (keep_message, kept);
  gegl_node_process (sink);
  g_log_set_default_handler (old, NULL);
  g_object_unref (graph);

  const GeglRectangle *extent = buffer ? gegl_buffer_get_extent (buffer) : NULL;
  if (!extent || extent->width <= 0 || extent->height <= 0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: not an image GEGL can read%s%s", path,
                   kept->len ? ": " : "", kept->str);
      g_string_free (kept, TRUE);
      g_clear_object (&buffer);
      return FALSE;
    }
  g_string_free (kept, TRUE);

  const Babl *stored = gegl_buffer_get_format (buffer);
  gboolean alpha = babl_format_has_alpha (stored);
  int colour = babl_format_get_n_components (stored) - (alpha ? 1 : 0);
  const char *format = colour <= 1 ? (alpha ? "Y'A float" : "Y' float")
                                   : (alpha ? "R'G'B'A float" : "R'G'B' float");
  if (!set_size (image, path, extent->height, extent->width,
                 (colour <= 1 ? 1 : 3) + (alpha ? 1 : 0), error))
    {
      g_object_unref (buffer);
      return FALSE;
    }
  image->pixels = g_new (float, (gsize) image->width * image->height
                                * image->channels);
  gegl_buffer_get (buffer, extent, 1.0, babl_format (format), image->pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  g_object_unref (buffer);
  return TRUE;
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
