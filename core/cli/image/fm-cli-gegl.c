/* fm-cli-gegl: babl without its cache; GEGL, started only for the image
 * files the command line's own decoders leave, and its loaders. */
#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-file.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gegl.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

static gboolean started;

void
fm_cli_babl_start (void)
{
  static gboolean babl_started;
  if (babl_started)
    return;
  babl_started = TRUE;
  /* babl reads the variable in its first babl_init only; the reference
   * taken here is never given back, so gegl_exit's babl_exit never drops
   * babl's count to zero, where babl would write its cache file. */
  gboolean ours = g_getenv ("BABL_INHIBIT_CACHE") == NULL;
  if (ours)
    g_setenv ("BABL_INHIBIT_CACHE", "1", TRUE);
  babl_init ();
  if (ours)
    g_unsetenv ("BABL_INHIBIT_CACHE");
}

void
fm_cli_gegl_start (void)
{
  if (started)
    return;
#ifdef __SANITIZE_ADDRESS__
  /* LeakSanitizer and GEGL do not mix: the modules gegl_init loads
   * allocate in their constructors and are unloaded again (no stack can
   * name those blocks, so no suppression can match them), and jpg-load
   * leaves a dynamic-TLS entry that crashes LeakSanitizer's end-of-process
   * scan.  So a run that needs GEGL does its leak check here, before GEGL
   * starts, and none at exit; the .npy paths keep the full check. */
  __lsan_do_leak_check ();
#endif
  fm_cli_babl_start ();
  gegl_init (NULL, NULL);
  started = TRUE;
}

void
fm_cli_gegl_stop (void)
{
  if (!started)
    return;
  gegl_exit ();
  started = FALSE;
}

/* GEGL's loaders and savers (libpng, libjpeg, libtiff) print straight to
 * stderr; the command line promises one line there.  Their output goes to a
 * temporary file while they run, and the caller reads it: a library that
 * printed an error has not produced a trustworthy image even when GEGL
 * returns one (a truncated PNG comes back with zero rows). */
int
fm_cli_quiet_begin (void)
{
  fflush (stderr);
  int saved = dup (STDERR_FILENO);
  FILE *capture = tmpfile ();
  if (saved < 0 || !capture)
    {
      if (saved >= 0)
        close (saved);
      if (capture)
        fclose (capture);
      return -1;
    }
  dup2 (fileno (capture), STDERR_FILENO);
  fclose (capture);   /* fd 2 keeps the (already unlinked) file open */
  return saved;
}

char *
fm_cli_quiet_end (int saved)
{
  if (saved < 0)
    return g_strdup ("");
  fflush (stderr);
  GString *text = g_string_new (NULL);
  off_t size = lseek (STDERR_FILENO, 0, SEEK_END);
  if (size > 0)
    {
      gsize n = MIN ((gsize) size, 4096);
      char *buf = g_malloc (n);
      if (pread (STDERR_FILENO, buf, n, 0) == (ssize_t) n)
        g_string_append_len (text, buf, n);
      g_free (buf);
    }
  dup2 (saved, STDERR_FILENO);
  close (saved);
  return g_string_free (text, FALSE);
}

gboolean
fm_cli_quiet_says_error (const char *text, char **first_line)
{
  g_autofree char *lower = g_ascii_strdown (text, -1);
  static const char *const words[] = { "error", "premature", "truncat", "corrupt", NULL };
  for (int i = 0; words[i]; i++)
    if (strstr (lower, words[i]))
      {
        if (first_line)
          {
            const char *end = strchr (text, '\n');
            *first_line = g_strndup (text, end ? (gsize) (end - text) : strlen (text));
            g_strstrip (*first_line);
          }
        return TRUE;
      }
  return FALSE;
}

/* ---- GEGL's loaders, for the files the command line's decoders leave ---- */

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

/* GEGL keeps libjpeg's default error handler, which ends the whole process
 * on an error in the headers, so check them before GEGL opens the file:
 * every marker segment up to the start of scan must be complete, after a
 * frame header.  Damage inside the scan data is only a warning for
 * libjpeg. */
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

/* GEGL's GIF loader takes the size from the header and gives back zeros
 * for data it cannot decode (a 46-byte garbage file becomes a 1 × 1
 * image).  So walk the block structure first: the logical screen and its
 * colour table, then extensions and images, each a complete chain of
 * sub-blocks, at least one image, up to the trailer (a file cut before it
 * is truncated).  The LZW data itself is GEGL's to decode.  NULL when the
 * structure is whole, else what is wrong. */
static const char *
gif_structure_problem (const char *path)
{
  GMappedFile *map = g_mapped_file_new (path, FALSE, NULL);
  if (!map)
    return "cannot be read";
  const guint8 *p = (const guint8 *) g_mapped_file_get_contents (map);
  gsize n = g_mapped_file_get_length (map), pos = 13;
  const char *problem = NULL;
  gboolean image = FALSE;
  if (n < 13)
    problem = "truncated header";
  else if (p[10] & 0x80)
    pos += 3u << ((p[10] & 7) + 1);
  while (!problem)
    {
      if (pos >= n)
        {
          problem = "truncated (no trailer)";
          break;
        }
      guint8 kind = p[pos++];
      if (kind == 0x3b)
        break;
      if (kind == 0x2c)
        {
          if (pos + 10 > n)
            {
              problem = "truncated image descriptor";
              break;
            }
          guint w = p[pos + 4] | (p[pos + 5] << 8), h = p[pos + 6] | (p[pos + 7] << 8);
          guint8 flags = p[pos + 8];
          pos += 9;
          if (w == 0 || h == 0)
            {
              problem = "an image of size 0";
              break;
            }
          if (flags & 0x80)
            pos += 3u << ((flags & 7) + 1);
          if (pos >= n || p[pos] < 2 || p[pos] > 11)
            {
              problem = pos >= n ? "truncated image" : "bad LZW code size";
              break;
            }
          pos++;
          image = TRUE;
        }
      else if (kind == 0x21)
        {
          if (pos >= n)
            {
              problem = "truncated extension";
              break;
            }
          pos++; /* the label */
        }
      else
        {
          problem = "not a GIF block";
          break;
        }
      /* the sub-blocks, up to the empty one */
      for (;;)
        {
          if (pos >= n)
            {
              problem = "truncated data";
              break;
            }
          guint8 len = p[pos++];
          if (len == 0)
            break;
          pos += len;
        }
    }
  if (!problem && !image)
    problem = "no image in it";
  g_mapped_file_unref (map);
  return problem;
}

gboolean
fm_cli_gegl_load (const char *path, const char *op, FmCliImage *image,
                  GError **error)
{
  fm_cli_gegl_start ();
  if (!gegl_has_operation (op))
    return fm_cli_image_not_readable (path, error);
  if (!strcmp (op, "gegl:jpg-load") && !jpeg_headers_complete (path))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_TRUNCATED,
                   "%s: damaged or truncated JPEG (incomplete headers)", path);
      return FALSE;
    }

  const char *gif = strcmp (op, "gegl:gif-load") ? NULL : gif_structure_problem (path);
  if (gif)
    {
      g_autofree char *shown = fm_file_display (path);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_DAMAGED,
                   "%s: damaged or truncated GIF (%s)", shown, gif);
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
  gboolean sized = FALSE;
  if (ok)
    {
      const Babl *stored = gegl_buffer_get_format (buffer);
      gboolean alpha = babl_format_has_alpha (stored);
      int colour = babl_format_get_n_components (stored) - (alpha ? 1 : 0);
      ok = fm_cli_image_alloc (image, path, extent->height, extent->width,
                               (colour <= 1 ? 1 : 3) + (alpha ? 1 : 0), error);
      sized = TRUE;
      if (ok)
        {
          const char *format = colour <= 1 ? (alpha ? "Y'A float" : "Y' float")
                                           : (alpha ? "R'G'B'A float" : "R'G'B' float");
          gegl_buffer_get (buffer, extent, 1.0, babl_format (format),
                           image->pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        }
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
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_DAMAGED,
                   "%s: damaged or truncated image (%s)", path, line);
      return FALSE;
    }
  if (!ok && !sized)
    return fm_cli_image_not_readable (path, error);
  return ok;
}
