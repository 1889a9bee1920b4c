/* fm-cli-output: .npy or a folder of images, written under a temporary
 * name and renamed at the end. */
#include "fm-cli.h"
#include "fm-cli-output.h"
#include "fm-cli-image.h"
#include "fm-cli-mapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

struct _FmCliOutput {
  char *path;
  gboolean npy;
  gboolean exists;      /* the folder is already there */
  char *temp;           /* temporary file or folder; NULL once committed */
  int out_w, out_h, n_layers, layer_channels;
  gboolean per_channel; /* .npy gets the colour axis even for 1 channel */
  gboolean raw;         /* TIFF float when raw, PNG 16-bit otherwise */

  float *data;          /* .npy: the whole array */
  FmCliMapFile **maps;  /* folder: one open file per map */
  char **files;         /* folder: file name per map (without extension) */
};

static const char *const image_extensions[] = {
  ".png", ".tif", ".tiff", ".jpg", ".jpeg", ".exr", ".webp", ".pfm", ".npz",
};

char *
fm_cli_output_strip_slashes (const char *path)
{
  gsize n = strlen (path);
  while (n > 1 && path[n - 1] == G_DIR_SEPARATOR)
    n--;
  return g_strndup (path, n);
}

FmCliOutput *
fm_cli_output_new (const char *given, GError **error)
{
  if (!*given)
    {
      g_set_error_literal (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                           "OUTPUT is empty: give a .npy file or a folder");
      return NULL;
    }
  /* "maps/" is the folder maps, whatever its name looks like. */
  g_autofree char *path = fm_cli_output_strip_slashes (given);
  gboolean folder = strcmp (path, given) != 0;
  gboolean npy = !folder && fm_cli_is_npy (path);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  for (gsize i = 0; !npy && !folder && i < G_N_ELEMENTS (image_extensions); i++)
    if (g_str_has_suffix (lower, image_extensions[i]))
      {
        g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                     "%s: OUTPUT must be a .npy file or a folder (a folder "
                     "gets one image per map)", path);
        return NULL;
      }

  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);
  gboolean is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
  if (exists && npy == is_dir)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   npy ? "%s: is a folder; a .npy output must be a file"
                       : "%s: exists and is not a folder", path);
      return NULL;
    }
  g_autofree char *parent = g_path_get_dirname (path);
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: the folder %s does not exist", path, parent);
      return NULL;
    }

  FmCliOutput *out = g_new0 (FmCliOutput, 1);
  out->path = g_steal_pointer (&path);
  out->npy = npy;
  out->exists = exists;
  return out;
}

gboolean
fm_cli_output_is_npy (const FmCliOutput *out)
{
  return out->npy;
}

/* The name must not reach outside the folder nor hide the file. */
static char *
file_stem (const char *filter, int k)
{
  if (!filter || !*filter)
    return g_strdup_printf ("filter-%d", k + 1);
  char *stem = g_strdup (filter);
  for (char *p = stem; *p; p++)
    if (*p == '/' || *p == '\\' || *p == ':' || (guchar) *p < 0x20)
      *p = '-';
  if (stem[0] == '.')
    stem[0] = '_';
  return stem;
}

static gboolean
make_temp (FmCliOutput *out, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (out->path);
  g_autofree char *base = g_path_get_basename (out->path);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int e;
  if (out->npy)
    {
      int fd = g_mkstemp_full (tmpl, O_RDWR, 0666);  /* umask decides, as for any new file */
      e = errno;
      if (fd >= 0)
        {
          close (fd);
          out->temp = g_steal_pointer (&tmpl);
          return TRUE;
        }
    }
  else
    {
      if (g_mkdtemp_full (tmpl, 0777))
        {
          out->temp = g_steal_pointer (&tmpl);
          return TRUE;
        }
      e = errno;
    }
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
               "%s: cannot write in %s: %s", out->path, dir, g_strerror (e));
  return FALSE;
}

static char *
map_file_name (const FmCliOutput *out, int k)
{
  return g_strconcat (out->files[k], out->raw ? ".tif" : ".png", NULL);
}

gboolean
fm_cli_output_begin (FmCliOutput *out, const FmBank *bank, const FmJob *job,
                     FmMapping mapping, GError **error)
{
  const FmConvGeometry *g = fm_job_geometry (job);
  out->out_w = g->out_w;
  out->out_h = g->out_h;
  out->n_layers = fm_job_n_layers (job);
  out->layer_channels = fm_job_layer_channels (job);
  out->per_channel = fm_job_input_mode (job) == FM_INPUT_PER_CHANNEL;
  out->raw = mapping == FM_MAPPING_RAW;

  gsize n;
  if (!g_size_checked_mul (&n, (gsize) out->out_w, (gsize) out->out_h)
      || !g_size_checked_mul (&n, n, (gsize) out->n_layers * out->layer_channels)
      || n > G_MAXSIZE / sizeof (float))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: %d × %d × %d maps are too large", out->path,
                   out->out_h, out->out_w, out->n_layers);
      return FALSE;
    }
  if (!out->npy && out->layer_channels != 1 && out->layer_channels != 3)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: per-channel maps with %d channels can only be "
                   "written to a .npy", out->path, out->layer_channels);
      return FALSE;
    }

  if (!make_temp (out, error))
    return FALSE;

  if (out->npy)
    {
      out->data = g_try_new0 (float, n);
      if (!out->data)
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                       "%s: not enough memory for %" G_GSIZE_FORMAT
                       " values", out->path, n);
          return FALSE;
        }
      return TRUE;
    }

  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  out->maps = g_new0 (FmCliMapFile *, out->n_layers);
  out->files = g_new0 (char *, out->n_layers + 1);
  for (int k = 0; k < out->n_layers; k++)
    {
      g_autofree char *stem = file_stem (bank->filters[k].name, k);
      char *file = NULL;
      for (int i = 1; !file || g_hash_table_contains (seen, file); i++)
        {
          g_free (file);
          file = i == 1 ? g_strdup (stem) : g_strdup_printf ("%s-%d", stem, i);
        }
      g_hash_table_add (seen, file);
      out->files[k] = file;
    }
  g_hash_table_destroy (seen);

  /* Raw values go to TIFF unchanged; a mapped 0..1 value is a display
   * value, written as it is (no transfer curve on the way; checked by
   * tests/cli). */
  for (int k = 0; k < out->n_layers; k++)
    {
      g_autofree char *name = map_file_name (out, k);
      g_autofree char *file = g_build_filename (out->temp, name, NULL);
      out->maps[k] = out->raw
        ? fm_cli_tiff_create (file, out->out_w, out->out_h, out->layer_channels, error)
        : fm_cli_png_create (file, out->out_w, out->out_h, out->layer_channels, 16, error);
      if (!out->maps[k])
        return FALSE;
    }
  return TRUE;
}

gboolean
fm_cli_output_sink (gpointer user_data, int layer, int y0, int n_rows,
                    const float *pixels, GError **error)
{
  FmCliOutput *out = user_data;
  const int w = out->out_w, K = out->n_layers, lc = out->layer_channels;

  if (!out->npy)
    return fm_cli_map_file_rows (out->maps[layer], pixels, n_rows, error);
  for (int r = 0; r < n_rows; r++)
    for (int x = 0; x < w; x++)
      {
        const float *src = pixels + ((gsize) r * w + x) * lc;
        float *dst = out->data + (((gsize) (y0 + r) * w + x) * K + layer) * lc;
        memcpy (dst, src, lc * sizeof (float));
      }
  return TRUE;
}

static gboolean
move (const char *from, const char *to, const char *what, GError **error)
{
  if (g_rename (from, to) == 0)
    return TRUE;
  int e = errno;
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot rename: %s",
               what, g_strerror (e));
  return FALSE;
}

gboolean
fm_cli_output_commit (FmCliOutput *out, GError **error)
{
  g_return_val_if_fail (out->temp != NULL, FALSE);

  if (out->npy)
    {
      gsize shape[4] = { out->out_h, out->out_w, out->n_layers, out->layer_channels };
      int ndim = out->per_channel ? 4 : 3;
      GError *local = NULL;
      if (!fm_npy_write_file (out->temp, out->data, ndim, shape, &local))
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: %s",
                       out->path, local->message);
          g_error_free (local);
          return FALSE;
        }
      if (!move (out->temp, out->path, out->path, error))
        return FALSE;
      g_clear_pointer (&out->temp, g_free);
      return TRUE;
    }

  for (int k = 0; k < out->n_layers; k++)
    {
      FmCliMapFile *map = out->maps[k];
      out->maps[k] = NULL;
      if (!fm_cli_map_file_finish (map, error))
        return FALSE;
    }

  if (!out->exists)
    {
      if (!move (out->temp, out->path, out->path, error))
        return FALSE;
      g_clear_pointer (&out->temp, g_free);
      return TRUE;
    }

  /* The folder is there already: replace our files inside it. */
  for (int k = 0; k < out->n_layers; k++)
    {
      g_autofree char *name = map_file_name (out, k);
      g_autofree char *from = g_build_filename (out->temp, name, NULL);
      g_autofree char *to = g_build_filename (out->path, name, NULL);
      if (!move (from, to, to, error))
        return FALSE;
    }
  g_rmdir (out->temp);
  g_clear_pointer (&out->temp, g_free);
  return TRUE;
}

/* Removes an uncommitted temporary (file, or folder with what we put in). */
static void
remove_temp (FmCliOutput *out)
{
  if (!out->temp)
    return;
  if (!out->npy && out->files)
    for (int k = 0; k < out->n_layers; k++)
      for (int raw = 0; raw < 2; raw++)
        {
          g_autofree char *name = g_strconcat (out->files[k], raw ? ".tif" : ".png", NULL);
          g_autofree char *file = g_build_filename (out->temp, name, NULL);
          g_unlink (file);
        }
  if (out->npy)
    g_unlink (out->temp);
  else
    g_rmdir (out->temp);
}

void
fm_cli_output_free (FmCliOutput *out)
{
  if (!out)
    return;
  if (out->maps)
    for (int k = 0; k < out->n_layers; k++)
      g_clear_pointer (&out->maps[k], fm_cli_map_file_free);
  remove_temp (out);
  if (out->maps)
    for (int k = 0; k < out->n_layers; k++)
      fm_cli_map_file_free (out->maps[k]);
  g_free (out->maps);
  g_strfreev (out->files);
  g_free (out->data);
  g_free (out->temp);
  g_free (out->path);
  g_free (out);
}
