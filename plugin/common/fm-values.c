/* fm-values: remembering a run's values.
 *
 * Two stores: gimp_set_data is fast but lasts one GIMP session; a persistent
 * global parasite survives restarts.  The parasite holds text (a GKeyFile
 * keyed by the option table's names and value names), not the struct's
 * bytes, so adding, removing or reordering options never turns an old
 * parasite into garbage: unknown keys are ignored, missing ones keep their
 * defaults. */
#include "fm-values.h"

#include <glib/gstdio.h>
#include <string.h>

#define PARASITE_NAME "featuremaps-last-values"
#define GROUP "featuremaps"

void
fm_values_init (FmValues *values)
{
  memset (values, 0, sizeof *values);
  g_strlcpy (values->kernel, "line-detectors", sizeof values->kernel);
  fm_options_init (&values->options);
}

static char *
values_to_text (const FmValues *values)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_key_file_set_string (kf, GROUP, "kernel", values->kernel);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      int v = fm_options_get (&values->options, i);
      const char *name = fm_option_value_name (i, v);
      if (name)
        g_key_file_set_string (kf, GROUP, fm_option_spec (i)->name, name);
      else
        g_key_file_set_integer (kf, GROUP, fm_option_spec (i)->name, v);
    }
  return g_key_file_to_data (kf, NULL, NULL);
}

/* Lenient on purpose: a value that no longer parses keeps its default
 * rather than throwing the whole remembered set away. */
static gboolean
values_from_text (FmValues *values, const char *text, gsize length)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_data (kf, text, length, G_KEY_FILE_NONE, NULL))
    return FALSE;

  g_autofree char *kernel = g_key_file_get_string (kf, GROUP, "kernel", NULL);
  if (kernel && *kernel)
    g_strlcpy (values->kernel, kernel, sizeof values->kernel);

  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      g_autofree char *v = g_key_file_get_string (kf, GROUP, fm_option_spec (i)->name, NULL);
      if (v)
        fm_options_set_string (&values->options, i, g_strstrip (v), NULL);
    }
  return TRUE;
}

gboolean
fm_values_load (FmValues *values)
{
  /* The session store holds the text too: the struct layout of a plug-in
   * rebuilt during the session may differ from the one that stored it. */
  gint size = gimp_get_data_size (FM_PLUGIN_PROC);
  if (size > 0 && size < 1 << 20)
    {
      g_autofree char *text = g_malloc0 (size + 1);
      if (gimp_get_data (FM_PLUGIN_PROC, text) && values_from_text (values, text, size))
        return TRUE;
    }

  GimpParasite *parasite = gimp_get_parasite (PARASITE_NAME);
  if (!parasite)
    return FALSE;
  gboolean ok = values_from_text (values, gimp_parasite_data (parasite),
                                  gimp_parasite_data_size (parasite));
  gimp_parasite_free (parasite);
  return ok;
}

void
fm_values_save (const FmValues *values)
{
  g_autofree char *text = values_to_text (values);
  gsize length = strlen (text);

  gimp_set_data (FM_PLUGIN_PROC, text, length);

  GimpParasite *parasite = gimp_parasite_new (PARASITE_NAME, GIMP_PARASITE_PERSISTENT,
                                              length, text);
  gimp_attach_parasite (parasite);
  gimp_parasite_free (parasite);
}

char *
fm_values_user_dir (void)
{
  char *dir = g_build_filename (gimp_directory (), "featuremaps", NULL);
  g_mkdir_with_parents (dir, 0755);
  return dir;
}
