/* fm-file.c: see fm-file.h. */
#include "fm-file.h"

#include <glib/gstdio.h>

G_DEFINE_QUARK (fm-file-error-quark, fm_file_error)

gboolean
fm_file_read_capped (const char *path, gsize max_size, const char *what,
                     char **data, gsize *length, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) == 0 && (guint64) st.st_size > max_size)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, FM_FILE_ERROR, FM_FILE_ERROR_TOO_LARGE,
                   "%s: %" G_GUINT64_FORMAT " bytes is too large for a %s", display,
                   (guint64) st.st_size, what);
      return FALSE;
    }
  return g_file_get_contents (path, data, length, error);
}
