/* fm-cli-gegl: start GEGL only when an image file is read or written. */
#include "fm-cli.h"

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
