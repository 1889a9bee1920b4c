/* fm-values: a run's values and their text form, shared by both hosts. */
#include "fm-values.h"

#include <glib/gstdio.h>
#include <string.h>
#include "fm-host.h"
#include "fm-plugin-errors.h"

#define GROUP "featuremaps"

void
fm_values_init (FmValues *values)
{
  memset (values, 0, sizeof *values);
  g_strlcpy (values->kernel, "line-detectors", sizeof values->kernel);
  fm_options_init (&values->options);
}

char *
fm_values_to_text (const FmValues *values)
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

gboolean
fm_values_from_text (FmValues *values, const char *text, gsize length)
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
fm_values_set_kernel (FmValues *values, const char *kernel, GError **error)
{
  if (!kernel || !*kernel)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "kernel: empty; give a preset name, a kernel file path or an inline matrix");
      return FALSE;
    }
  if (strlen (kernel) >= sizeof values->kernel)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING,
                   "kernel: %zu bytes; must be shorter than %d (put a long matrix in a .json file)",
                   strlen (kernel), FM_KERNEL_MAX);
      return FALSE;
    }
  g_strlcpy (values->kernel, kernel, sizeof values->kernel);
  return TRUE;
}

char *
fm_values_user_dir (void)
{
  char *dir = g_build_filename (fm_host_profile_dir (), "featuremaps", NULL);
  g_mkdir_with_parents (dir, 0755);
  return dir;
}
