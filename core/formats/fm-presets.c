/* fm-presets.c: finding preset banks by name.
 *
 * Search order (docs/design.md): the user's folder, then each folder of
 * $FEATUREMAPS_PRESET_PATH (how a studio shares one kernel library), then the
 * installed presets.  A preset is <folder>/<name>.json; the first folder that
 * has the name wins, so a user can override a shipped preset by copying it. */
#include "fm-formats-private.h"

#include <string.h>
#include <pthread.h>

/* POSIX, not GMutex: ThreadSanitizer sees it (docs/robustness.md) */
static pthread_mutex_t installed_lock = PTHREAD_MUTEX_INITIALIZER;
static char **installed_dirs; /* set by the plug-in: beside its binary */

void
fm_presets_set_installed_dirs (const char *const *dirs)
{
  pthread_mutex_lock (&installed_lock);
  g_strfreev (installed_dirs);
  installed_dirs = g_strdupv ((char **) dirs);
  pthread_mutex_unlock (&installed_lock);
}

typedef struct {
  char *dir;
  const char *where; /* "user", "shared", "installed" */
} Folder;

static void
add_folder (GArray *folders, const char *dir, const char *where)
{
  if (!dir || !*dir)
    return;
  for (guint i = 0; i < folders->len; i++)
    if (strcmp (g_array_index (folders, Folder, i).dir, dir) == 0)
      return;
  Folder f = { g_strdup (dir), where };
  g_array_append_val (folders, f);
}

static void
clear_folder (gpointer p)
{
  g_free (((Folder *) p)->dir);
}

static GArray *
folders_new (const char *user_dir)
{
  GArray *folders = g_array_new (FALSE, FALSE, sizeof (Folder));
  g_array_set_clear_func (folders, clear_folder);
  if (user_dir)
    add_folder (folders, user_dir, "user");
  else
    {
      g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "featuremaps", NULL);
      add_folder (folders, dir, "user");
    }
  const char *shared = g_getenv ("FEATUREMAPS_PRESET_PATH");
  if (shared)
    {
      g_auto (GStrv) parts = g_strsplit (shared, G_SEARCHPATH_SEPARATOR_S, -1);
      for (int i = 0; parts[i]; i++)
        add_folder (folders, parts[i], "shared");
    }
  pthread_mutex_lock (&installed_lock);
  for (int i = 0; installed_dirs && installed_dirs[i]; i++)
    add_folder (folders, installed_dirs[i], "installed");
  pthread_mutex_unlock (&installed_lock);
  add_folder (folders, FM_PRESETS_DIR, "installed");
  add_folder (folders, FM_SOURCE_PRESETS_DIR, "installed");
  return folders;
}

char **
fm_presets_search_path (const char *user_dir)
{
  g_autoptr (GArray) folders = folders_new (user_dir);
  char **dirs = g_new0 (char *, folders->len + 1);
  for (guint i = 0; i < folders->len; i++)
    dirs[i] = g_strdup (g_array_index (folders, Folder, i).dir);
  return dirs;
}

/* Stems of the *.json files of one folder, sorted.  Dot-files are the
 * plug-in's own bookkeeping (the dialog's .last-edit.json), not presets. */
static GPtrArray *
folder_names (const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  if (!d)
    return names;
  const char *entry;
  while ((entry = g_dir_read_name (d)))
    if (entry[0] != '.' && g_str_has_suffix (entry, ".json") && strlen (entry) > 5)
      {
        g_autofree char *path = g_build_filename (dir, entry, NULL);
        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          g_ptr_array_add (names, g_strndup (entry, strlen (entry) - 5));
      }
  g_dir_close (d);
  g_ptr_array_sort (names, (GCompareFunc) g_ascii_strcasecmp);
  return names;
}

static char *
suggestions (const char *name, GArray *folders)
{
  g_autoptr (GPtrArray) close = g_ptr_array_new_with_free_func (g_free);
  int limit = MAX (1, (int) strlen (name) / 3);
  for (guint i = 0; i < folders->len; i++)
    {
      g_autoptr (GPtrArray) names = folder_names (g_array_index (folders, Folder, i).dir);
      for (guint j = 0; j < names->len; j++)
        {
          const char *cand = names->pdata[j];
          g_autofree char *lc = g_ascii_strdown (cand, -1), *ln = g_ascii_strdown (name, -1);
          gboolean near = fm_text_edit_distance (name, cand) <= limit
                          || (strlen (ln) >= 3 && strstr (lc, ln));
          gboolean dup = FALSE;
          for (guint k = 0; k < close->len && !dup; k++)
            dup = strcmp (close->pdata[k], cand) == 0;
          if (near && !dup)
            g_ptr_array_add (close, g_strdup (cand));
        }
    }
  if (close->len == 0)
    return NULL;
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < close->len && i < 5; i++)
    g_string_append_printf (s, "%s'%s'", i ? ", " : "", (char *) close->pdata[i]);
  return g_string_free (s, FALSE);
}

char *
fm_presets_find (const char *name, const char *user_dir, GError **error)
{
  g_return_val_if_fail (name, NULL);
  g_autofree char *label = fm_text_escape (name, -1, 80);
  if (!*name || strchr (name, '/') || strchr (name, G_DIR_SEPARATOR) || name[0] == '.')
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND,
                   "'%s' is not a preset name, and no such kernel file exists", label);
      return NULL;
    }
  g_autoptr (GArray) folders = folders_new (user_dir);
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  for (guint i = 0; i < folders->len; i++)
    {
      char *path = g_build_filename (g_array_index (folders, Folder, i).dir, file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  /* "Sobel" for "sobel": the second pass forgives case */
  for (guint i = 0; i < folders->len; i++)
    {
      const char *dir = g_array_index (folders, Folder, i).dir;
      g_autoptr (GPtrArray) names = folder_names (dir);
      for (guint j = 0; j < names->len; j++)
        if (g_ascii_strcasecmp (names->pdata[j], name) == 0)
          {
            g_autofree char *found = g_strconcat (names->pdata[j], ".json", NULL);
            return g_build_filename (dir, found, NULL);
          }
    }

  GString *searched = g_string_new (NULL);
  for (guint i = 0; i < folders->len; i++)
    g_string_append_printf (searched, "%s%s", i ? ", " : "", g_array_index (folders, Folder, i).dir);
  g_autofree char *close = suggestions (name, folders);
  if (close)
    g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND,
                 "no preset '%s' (did you mean %s?); searched %s", label, close, searched->str);
  else
    g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND,
                 "no preset, kernel file or inline matrix '%s'; presets searched in %s "
                 "(`featuremaps presets` lists them)", label, searched->str);
  g_string_free (searched, TRUE);
  return NULL;
}

void
fm_preset_info_free (FmPresetInfo *info)
{
  if (!info)
    return;
  g_free (info->name);
  g_free (info->path);
  g_free (info->title);
  g_free (info->description);
  g_free (info->kind);
  g_free (info->where);
  g_free (info);
}

static int
compare_info (gconstpointer a, gconstpointer b)
{
  const FmPresetInfo *x = *(FmPresetInfo *const *) a, *y = *(FmPresetInfo *const *) b;
  return g_ascii_strcasecmp (x->name, y->name);
}

GPtrArray *
fm_presets_list (const char *user_dir)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_preset_info_free);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GArray) folders = folders_new (user_dir);
  for (guint i = 0; i < folders->len; i++)
    {
      const Folder *f = &g_array_index (folders, Folder, i);
      g_autoptr (GPtrArray) names = folder_names (f->dir);
      for (guint j = 0; j < names->len; j++)
        {
          const char *name = names->pdata[j];
          if (g_hash_table_contains (seen, name))
            continue;
          g_hash_table_add (seen, g_strdup (name));
          FmPresetInfo *info = g_new0 (FmPresetInfo, 1);
          info->name = g_strdup (name);
          g_autofree char *file = g_strconcat (name, ".json", NULL);
          info->path = g_build_filename (f->dir, file, NULL);
          info->where = g_strdup (f->where);
          g_autoptr (GError) err = NULL;
          g_autoptr (FmBank) bank = fm_bank_from_json_file (info->path, &err);
          if (bank)
            {
              info->title = g_strdup (bank->name);
              info->description = g_strdup (bank->description);
              info->kind = g_strdup (bank->kind);
            }
          else
            {
              /* listed, not hidden: the user should see why it won't load */
              info->title = g_strdup (name);
              info->description = g_strdup (err->message);
              info->kind = g_strdup ("invalid");
            }
          g_ptr_array_add (list, info);
        }
    }
  g_ptr_array_sort (list, compare_info);
  return list;
}
