/* fm-learn-save: a learned bank into the user's folder under a fresh, safe
 * file name — what a front end (the GIMP procedure) does with a result.
 *
 * The name is reserved with O_CREAT | O_EXCL before the bank is written over
 * it (fm_bank_save_json writes a temporary and renames), so two saves of the
 * same name at once get two files, and an existing bank is never replaced. */
#include "fm-learn-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define MAX_STEM 48

char *
fm_learn_safe_name (const char *name)
{
  GString *out = g_string_new (NULL);
  gboolean dash = FALSE;
  for (const char *p = name ? name : ""; *p && out->len < MAX_STEM; p++)
    {
      const char c = *p;
      if (g_ascii_isalnum (c))
        {
          if (dash && out->len)
            g_string_append_c (out, '-');
          g_string_append_c (out, g_ascii_tolower (c));
          dash = FALSE;
        }
      else
        dash = TRUE; /* any run of other bytes (UTF-8 included) is one dash */
    }
  if (!out->len)
    g_string_append (out, "learned");
  return g_string_free (out, FALSE);
}

char *
fm_learn_save_bank (const FmBank *bank, const char *folder, const char *name,
                    GError **error)
{
  g_return_val_if_fail (bank && folder, NULL);
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SAVE,
                   "cannot create the folder %s: %s", folder, g_strerror (e));
      return NULL;
    }
  g_autofree char *stem = fm_learn_safe_name (name ? name : bank->name);
  for (int i = 1; i < 10000; i++)
    {
      g_autofree char *file = i == 1 ? g_strdup_printf ("%s.json", stem)
                                     : g_strdup_printf ("%s-%d.json", stem, i);
      char *path = g_build_filename (folder, file, NULL);
      int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd < 0)
        {
          int e = errno;
          if (e == EEXIST)
            {
              g_free (path);
              continue;
            }
          g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SAVE,
                       "cannot create %s: %s", path, g_strerror (e));
          g_free (path);
          return NULL;
        }
      close (fd);
      GError *local = NULL;
      if (!fm_bank_save_json (bank, path, &local))
        {
          g_unlink (path);
          g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SAVE,
                       "cannot write %s: %s", path, local->message);
          g_error_free (local);
          g_free (path);
          return NULL;
        }
      return path;
    }
  g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SAVE,
               "%s: too many banks named %s already", folder, stem);
  return NULL;
}
