/* Preset lookup order, listing, and every shipped preset. */
#include "bank-test.h"

#define BANK_JSON(title) "{ \"name\": \"" title "\", \"kind\": \"test\", \"filters\": [ {\"weights\": [[1]]} ] }"

static char *
make_folder (const char *root, const char *name)
{
  char *dir = g_build_filename (root, name, NULL);
  g_mkdir (dir, 0700);
  return dir;
}

static void
put (const char *dir, const char *name, const char *title)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *json = g_strdup_printf ("{ \"name\": \"%s\", \"kind\": \"test\", \"filters\": [ {\"weights\": [[1]]} ] }", title);
  g_free (bank_write (dir, file, json, -1));
}

static char *
find (const char *name, const char *user)
{
  GError *error = NULL;
  char *path = fm_presets_find (name, user, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_order (void)
{
  char *root = bank_tmpdir ();
  g_autofree char *user = make_folder (root, "user");
  g_autofree char *s1 = make_folder (root, "studio1");
  g_autofree char *s2 = make_folder (root, "studio2");
  g_autofree char *inst = make_folder (root, "installed");
  g_autofree char *env = g_strjoin (G_SEARCHPATH_SEPARATOR_S, s1, "", s2, NULL);
  g_setenv ("FEATUREMAPS_PRESET_PATH", env, TRUE);
  const char *const dirs[] = { inst, NULL };
  fm_presets_set_installed_dirs (dirs);

  g_auto (GStrv) path = fm_presets_search_path (user);
  g_assert_cmpstr (path[0], ==, user);
  g_assert_cmpstr (path[1], ==, s1);
  g_assert_cmpstr (path[2], ==, s2);
  g_assert_cmpstr (path[3], ==, inst);
  g_assert_cmpstr (path[4], ==, FM_PRESETS_DIR);

  put (inst, "mine", "installed mine");
  put (s2, "mine", "studio2 mine");
  put (s1, "mine", "studio1 mine");
  put (user, "mine", "user mine");
  put (inst, "only-installed", "oi");
  put (s2, "only-studio2", "os");
  g_free (bank_write (user, "broken.json", "{ \"filters\": [] }", -1));

  g_autofree char *p = find ("mine", user);
  g_assert_true (g_str_has_prefix (p, user));
  g_autofree char *m = g_build_filename (user, "mine.json", NULL);
  g_unlink (m);
  g_autofree char *p1 = find ("mine", user);
  g_assert_true (g_str_has_prefix (p1, s1));
  g_autofree char *m1 = g_build_filename (s1, "mine.json", NULL);
  g_unlink (m1);
  g_autofree char *p2 = find ("mine", user);
  g_assert_true (g_str_has_prefix (p2, s2));
  g_autofree char *m2 = g_build_filename (s2, "mine.json", NULL);
  g_unlink (m2);
  g_autofree char *p3 = find ("mine", user);
  g_assert_true (g_str_has_prefix (p3, inst));
  /* case is forgiven */
  g_autofree char *p4 = find ("ONLY-Studio2", user);
  g_assert_true (g_str_has_prefix (p4, s2));
  /* the shipped presets are still found after the installed dirs */
  g_autofree char *p5 = find ("sobel", user);
  g_assert_true (g_str_has_suffix (p5, "sobel.json"));

  /* a user copy of a shipped preset overrides it, through fm_bank_load too */
  put (user, "sobel", "My Sobel");
  GError *error = NULL;
  g_autoptr (FmBank) mine = fm_bank_load ("sobel", user, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mine->name, ==, "My Sobel");

  g_assert_null (fm_presets_find ("mien", user, &error));
  assert_error_has (error, "no preset 'mien' (did you mean 'mine'?); searched ");
  g_assert_nonnull (strstr (error->message, user));
  g_assert_nonnull (strstr (error->message, s2));
  g_assert_nonnull (strstr (error->message, inst));
  g_assert_error (error, FM_BANK_ERROR, FM_BANK_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (fm_presets_find ("zzzzzzzz", user, &error));
  assert_error_has (error, "no preset, kernel file or inline matrix 'zzzzzzzz'; presets searched in ");
  g_clear_error (&error);
  g_assert_null (fm_presets_find ("gaussian", user, &error));
  assert_error_has (error, "did you mean 'gaussian-5'?");
  g_clear_error (&error);
  g_assert_null (fm_presets_find ("../etc/passwd", user, &error));
  assert_error_has (error, "is not a preset name");
  g_clear_error (&error);

  /* the list: first occurrence wins, where says which folder */
  put (s1, "sobel", "Studio Sobel");
  g_autoptr (GPtrArray) list = fm_presets_list (user);
  gboolean seen_sobel = FALSE, seen_broken = FALSE, seen_mine = FALSE, seen_os = FALSE;
  for (guint i = 0; i < list->len; i++)
    {
      FmPresetInfo *info = list->pdata[i];
      if (i > 0)
        g_assert_cmpint (g_ascii_strcasecmp (((FmPresetInfo *) list->pdata[i - 1])->name, info->name), <, 0);
      if (strcmp (info->name, "sobel") == 0)
        {
          seen_sobel = TRUE;
          g_assert_cmpstr (info->title, ==, "My Sobel");
          g_assert_cmpstr (info->where, ==, "user");
        }
      if (strcmp (info->name, "broken") == 0)
        {
          seen_broken = TRUE;
          g_assert_cmpstr (info->kind, ==, "invalid");
          g_assert_nonnull (strstr (info->description, "the bank has no filters"));
        }
      if (strcmp (info->name, "mine") == 0)
        {
          seen_mine = TRUE;
          g_assert_cmpstr (info->where, ==, "installed");
          g_assert_cmpstr (info->title, ==, "installed mine");
        }
      if (strcmp (info->name, "only-studio2") == 0)
        {
          seen_os = TRUE;
          g_assert_cmpstr (info->where, ==, "shared");
          g_assert_cmpstr (info->kind, ==, "test");
        }
    }
  g_assert_true (seen_sobel && seen_broken && seen_mine && seen_os);

  fm_presets_set_installed_dirs (NULL);
  g_unsetenv ("FEATUREMAPS_PRESET_PATH");
  bank_tmpdir_free (root);
}

static void
test_shipped (void)
{
  static const char *const required[] = {
    "line-detectors", "sobel", "prewitt", "laplacian", "sharpen", "box-blur", "gaussian-5", "emboss", NULL };
  char *empty = bank_tmpdir ();
  g_unsetenv ("FEATUREMAPS_PRESET_PATH");
  for (int i = 0; required[i]; i++)
    {
      g_autofree char *path = find (required[i], empty);
      g_assert_true (g_str_has_suffix (path, ".json"));
    }

  /* every file in presets/ loads, validates, describes itself, and is
   * listed in presets/meson.build (so it gets installed) */
  g_autofree char *meson = g_build_filename (FM_SOURCE_PRESETS_DIR, "meson.build", NULL);
  gsize len;
  g_autofree char *meson_text = (char *) bank_read (meson, &len);
  GDir *d = g_dir_open (FM_SOURCE_PRESETS_DIR, 0, NULL);
  g_assert_nonnull (d);
  const char *entry;
  int n = 0;
  while ((entry = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (entry, ".json"))
        continue;
      n++;
      g_autofree char *quoted = g_strdup_printf ("'%s'", entry);
      if (!strstr (meson_text, quoted))
        g_error ("presets/%s is not listed in presets/meson.build", entry);
      g_autofree char *path = g_build_filename (FM_SOURCE_PRESETS_DIR, entry, NULL);
      GError *error = NULL;
      g_autoptr (FmBank) bank = fm_bank_from_json_file (path, &error);
      g_assert_no_error (error);
      g_assert_true (fm_bank_validate (bank, &error));
      g_assert_cmpuint (strlen (bank->description), >, 20);
      g_assert_cmpstr (bank->kind, !=, "other");
      /* Designer banks see luminance; a learned first layer sees the
       * colours it was trained on, normalised as it was trained. */
      if (g_strcmp0 (bank->kind, "learned") == 0)
        {
          g_assert_cmpint (bank->input, ==, FM_INPUT_RGB);
          g_assert_cmpint (bank->n_mean, >, 0);
          g_assert_cmpint (bank->n_std, >, 0);
        }
      else
        g_assert_cmpint (bank->input, ==, FM_INPUT_LUMINANCE);
      g_assert_cmpint (bank->defaults[FM_OPT_PADDING], >=, 0);
      g_assert_cmpint (bank->defaults[FM_OPT_MAPPING], >=, 0);
      /* and it survives a JSON round trip */
      g_autofree char *text = fm_bank_to_json (bank);
      g_autoptr (FmBank) again = fm_bank_from_json_data (text, -1, path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (again->n_filters, ==, bank->n_filters);
    }
  g_dir_close (d);
  g_assert_cmpint (n, >=, 8);

  GError *error = NULL;
  g_autoptr (FmBank) sobel = fm_bank_load ("sobel", empty, &error);
  g_assert_no_error (error);
  static const float sx[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 }, sy[9] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };
  g_assert_cmpmem (sobel->filters[0].weights, sizeof sx, sx, sizeof sx);
  g_assert_cmpmem (sobel->filters[1].weights, sizeof sy, sy, sizeof sy);
  g_assert_cmpint (sobel->defaults[FM_OPT_MAPPING], ==, FM_MAPPING_ABS_NORMALIZE);

  g_autoptr (FmBank) lines = fm_bank_load ("line-detectors", empty, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lines->name, ==, "Line detectors");
  g_assert_cmpstr (lines->filters[0].name, ==, "vertical");
  g_assert_cmpstr (lines->filters[1].name, ==, "horizontal");

  g_autoptr (FmBank) box = fm_bank_load ("box-blur", empty, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (box->filters[0].divisor, ==, 9.0);
  g_autofree float *w = NULL, *b = NULL;
  fm_bank_pack (box, &w, &b);
  g_assert_cmpfloat (w[4], ==, 1.0f / 9.0f);
  g_autoptr (FmBank) g5 = fm_bank_load ("gaussian-5", empty, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g5->kh, ==, 5);
  g_assert_cmpfloat (g5->filters[0].divisor, ==, 256.0);
  g_assert_cmpfloat (g5->filters[0].weights[12], ==, 36.0f);

  g_autoptr (GPtrArray) list = fm_presets_list (empty);
  g_assert_cmpuint (list->len, >=, 8);
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpstr (((FmPresetInfo *) list->pdata[i])->kind, !=, "invalid");
  bank_tmpdir_free (empty);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/presets/order", test_order);
  g_test_add_func ("/presets/shipped", test_shipped);
  return g_test_run ();
}
