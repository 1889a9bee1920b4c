/* fm-cli-mapfile: the writer-independent part of a map file. */
#include "fm-cli-mapfile.h"

struct _FmCliMapFile {
  const FmCliMapFileClass *klass;
  gpointer data;
};

FmCliMapFile *
fm_cli_map_file_new (const FmCliMapFileClass *klass, gpointer data)
{
  FmCliMapFile *file = g_new (FmCliMapFile, 1);
  file->klass = klass;
  file->data = data;
  return file;
}

gboolean
fm_cli_map_file_rows (FmCliMapFile *file, const float *rows, int n_rows,
                      GError **error)
{
  return file->klass->rows (file->data, rows, n_rows, error);
}

gboolean
fm_cli_map_file_finish (FmCliMapFile *file, GError **error)
{
  gboolean ok = file->klass->finish (file->data, error);
  file->klass->free (file->data);
  g_free (file);
  return ok;
}

void
fm_cli_map_file_free (FmCliMapFile *file)
{
  if (!file)
    return;
  file->klass->free (file->data);
  g_free (file);
}
