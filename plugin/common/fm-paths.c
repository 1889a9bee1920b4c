/* fm-paths: the binary's folder, set once at start-up. */
#include "fm-paths.h"

#include "fm-bank.h"

static char *binary_dir;

void
fm_paths_set_binary_dir (const char *argv0)
{
  g_free (binary_dir);
  binary_dir = g_path_get_dirname (argv0);

  g_autofree char *presets = g_build_filename (binary_dir, "presets", NULL);
  const char *dirs[] = { presets, NULL };
  fm_presets_set_installed_dirs (dirs);
}

const char *
fm_paths_binary_dir (void)
{
  return binary_dir;
}
