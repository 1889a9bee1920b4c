/* fm-cli-output: .npy or a folder of images, written under a temporary
 * name and renamed at the end. */
#include "fm-cli.h"
#include "fm-cli-output.h"
#include "fm-cli-image.h"
#include "fm-cli-signals.h"

#include <limits.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gegl.h>

struct _FmCliOutput {
  char *path;
  gboolean npy;
  gboolean exists;      /* the folder is already there */
  char *temp;           /* temporary file or folder; NULL once committed */
  int temp_slot;        /* its fm_cli_temp_add slot: removed on a signal */
  int out_w, out_h, n_layers, layer_channels;
  gboolean per_channel; /* .npy gets the colour axis even for 1 channel */
  gboolean raw;         /* TIFF float when raw, PNG 16-bit otherwise */

  float *data;          /* .npy: the whole array */
  GeglBuffer **buffers; /* folder: one per map */
  char **files;         /* folder: file name per map */
};

static const char *const image_extensions[] = {
  ".png", ".tif", ".tiff", ".jpg", ".jpeg", ".exr", ".webp", ".pfm", ".npz",
};

FmCliOutput *
fm_cli_output_new (const char *path, GError **error)
{
  if (!*path)
    {
      g_set_error_literal (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                           "OUTPUT is empty: give a .npy file or a folder");
      return NULL;
    }
  gboolean npy = fm_cli_is_npy (path);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  for (gsize i = 0; !npy && i < G_N_ELEMENTS (image_extensions); i++)
    if (g_str_has_suffix (lower, image_extensions[i]))
      {
        g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                     "%s: OUTPUT must be a .npy file or a folder (a folder "
                     "gets one image per map)", path);
        return NULL;
      }

  /* what the path is, and what its folder is, in the words of the real cause */
  struct stat st;
  int e = 0;
  FmFileKind kind = fm_file_kind (path, &st, &e);
  g_autofree char *shown = fm_file_display (path);
  /* ENOTDIR: a part of the path is a file; the folder check below says which */
  if (kind == FM_FILE_UNREACHABLE && e == ENOTDIR)
    kind = FM_FILE_MISSING;
  if (kind == FM_FILE_NAME_TOO_LONG || kind == FM_FILE_LOOP || kind == FM_FILE_UNREACHABLE)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: %s", shown,
                   kind == FM_FILE_NAME_TOO_LONG ? "the name is too long for the file system"
                   : kind == FM_FILE_LOOP ? "too many levels of symbolic links (a symlink loop?)"
                   : g_strerror (e));
      return NULL;
    }
  gboolean exists = kind != FM_FILE_MISSING;
  gboolean is_dir = kind == FM_FILE_DIRECTORY;
  if (exists && (npy ? kind != FM_FILE_REGULAR : !is_dir))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   npy ? (is_dir ? "%s: is a folder; a .npy output must be a file"
                                 : "%s: exists and is not a regular file (a FIFO or a device?)")
                       : "%s: exists and is not a folder", shown);
      return NULL;
    }
  g_autofree char *base = g_path_get_basename (path);
  if (!exists && strlen (base) + 8 > NAME_MAX)
    {
      /* the temporary name is ".<name>.XXXXXX" */
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: the name is too long for the file system (%" G_GSIZE_FORMAT
                   " bytes; at most %d a name with room for the temporary name)", shown,
                   strlen (base), NAME_MAX - 8);
      return NULL;
    }
  g_autofree char *parent = g_path_get_dirname (path);
  FmFileKind pkind = fm_file_kind (parent, NULL, &e);
  if (pkind != FM_FILE_DIRECTORY)
    {
      g_autofree char *pshown = fm_file_display (parent);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: the folder %s %s", shown, pshown,
                   pkind == FM_FILE_MISSING ? "does not exist"
                   : pkind == FM_FILE_NAME_TOO_LONG ? "has a name too long for the file system"
                   : pkind == FM_FILE_LOOP ? "is a symlink loop"
                   : pkind == FM_FILE_UNREACHABLE && e == ENOTDIR
                       ? "cannot be reached: a part of its path is a file, not a folder"
                   : pkind == FM_FILE_UNREACHABLE ? g_strerror (e) : "is not a folder");
      return NULL;
    }

  FmCliOutput *out = g_new0 (FmCliOutput, 1);
  out->path = g_strdup (path);
  out->npy = npy;
  out->exists = exists;
  out->temp_slot = -1;
  return out;
}

gboolean
fm_cli_output_is_npy (const FmCliOutput *out)
{
  return out->npy;
}

#define STEM_MAX 200

/* The name must not reach outside the folder nor hide the file. */
static char *
file_stem (const char *filter, int k)
{
  if (!filter || !*filter)
    return g_strdup_printf ("filter-%d", k + 1);
  /* a name the file system takes: at most STEM_MAX bytes (cut at a
   * character), room left for "-NN" and the suffix */
  char *stem = g_utf8_make_valid (filter, -1);
  if (strlen (stem) > STEM_MAX)
    {
      char *cut = g_utf8_find_prev_char (stem, stem + STEM_MAX + 1);
      *cut = '\0';
    }
  for (char *p = stem; *p; p++)
    if (*p == '/' || *p == '\\' || *p == ':' || (guchar) *p < 0x20 || *p == 0x7f)
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
          out->temp_slot = fm_cli_temp_add (out->temp, FALSE);
          return TRUE;
        }
    }
  else
    {
      if (g_mkdtemp_full (tmpl, 0777))
        {
          out->temp = g_steal_pointer (&tmpl);
          out->temp_slot = fm_cli_temp_add (out->temp, TRUE);
          return TRUE;
        }
      e = errno;
    }
  g_autofree char *shown = fm_file_display (out->path);
  g_autofree char *dshown = fm_file_display (dir);
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
               "%s: cannot write in %s: %s", shown, dshown, g_strerror (e));
  return FALSE;
}

/* An output may not be any file this run read (fm-file's read log: the
 * same device and inode, whatever name, symlink or hard link leads to
 * it): writing it would lose the input. */
static gboolean
check_not_input (const char *path, GError **error)
{
  g_autofree char *input = fm_file_log_find (path);
  if (!input)
    return TRUE;
  g_autofree char *shown = fm_file_display (path);
  g_autofree char *ishown = fm_file_display (input);
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
               "%s: is the input %s (the same file): writing the maps there would destroy it; "
               "choose another OUTPUT", shown, ishown);
  return FALSE;
}

/* Raw values go to TIFF unchanged; a mapped 0..1 value is a display value.
 * Both are written in the perceptual model so no transfer curve is applied
 * on the way to the file (checked by tests/cli). */
static const Babl *
layer_format (const FmCliOutput *out)
{
  return babl_format (out->layer_channels == 3 ? "R'G'B' float" : "Y' float");
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

  if (out->npy && !check_not_input (out->path, error))
    return FALSE;
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

  fm_cli_gegl_start ();
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  out->buffers = g_new0 (GeglBuffer *, out->n_layers);
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
      for (int raw = 0; raw < 2; raw++)
        {
          g_autofree char *name = g_strconcat (file, raw ? ".tif" : ".png", NULL);
          g_autofree char *final = g_build_filename (out->path, name, NULL);
          if (!check_not_input (final, error))
            {
              g_hash_table_destroy (seen);
              return FALSE;
            }
        }
      out->buffers[k] = gegl_buffer_new (GEGL_RECTANGLE (0, 0, out->out_w, out->out_h),
                                         layer_format (out));
    }
  g_hash_table_destroy (seen);
  return TRUE;
}

gboolean
fm_cli_output_sink (gpointer user_data, int layer, int y0, int n_rows,
                    const float *pixels, GError **error)
{
  (void) error;
  FmCliOutput *out = user_data;
  const int w = out->out_w, K = out->n_layers, lc = out->layer_channels;

  if (!out->npy)
    {
      gegl_buffer_set (out->buffers[layer], GEGL_RECTANGLE (0, y0, w, n_rows),
                       0, layer_format (out), pixels, GEGL_AUTO_ROWSTRIDE);
      return TRUE;
    }
  for (int r = 0; r < n_rows; r++)
    for (int x = 0; x < w; x++)
      {
        const float *src = pixels + ((gsize) r * w + x) * lc;
        float *dst = out->data + (((gsize) (y0 + r) * w + x) * K + layer) * lc;
        memcpy (dst, src, lc * sizeof (float));
      }
  return TRUE;
}

/* GEGL's savers warn through g_log; our one line says what failed. */
static void
ignore_message (const gchar *domain, GLogLevelFlags level,
                const gchar *message, gpointer data)
{
  (void) domain;
  (void) level;
  (void) message;
  (void) data;
}

static gboolean
save_map (FmCliOutput *out, int k, GError **error)
{
  g_autofree char *name = g_strconcat (out->files[k], out->raw ? ".tif" : ".png", NULL);
  g_autofree char *file = g_build_filename (out->temp, name, NULL);

  GeglBuffer *buffer = out->buffers[k];
  GeglNode *graph = gegl_node_new ();
  GeglNode *src = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                       "buffer", buffer, NULL);
  GeglNode *save = out->raw
    ? gegl_node_new_child (graph, "operation", "gegl:tiff-save", "path", file, NULL)
    : gegl_node_new_child (graph, "operation", "gegl:png-save", "path", file,
                           "bitdepth", 16, NULL);
  gegl_node_link (src, save);

  int quiet = fm_cli_quiet_begin ();
  GLogFunc old = g_log_set_default_handler (ignore_message, NULL);
  gegl_node_process (save);
  g_log_set_default_handler (old, NULL);
  g_autofree char *printed = fm_cli_quiet_end (quiet);
  g_object_unref (graph);
  g_clear_object (&out->buffers[k]);   /* written: its memory can go */

  g_autofree char *line = NULL;
  gboolean ok = g_file_test (file, G_FILE_TEST_IS_REGULAR)
                && !fm_cli_quiet_says_error (printed, &line);
  if (!ok)
    g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                 "%s: could not write %s%s%s", out->path, name,
                 line ? ": " : "", line ? line : "");
  return ok;
}

static gboolean
move (const char *from, const char *to, const char *what, GError **error)
{
  if (g_rename (from, to) == 0)
    return TRUE;
  int e = errno;
  g_autofree char *shown = fm_file_display (what);
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot rename: %s",
               shown, g_strerror (e));
  return FALSE;
}

/* The temporary has become the output. */
static void
committed (FmCliOutput *out)
{
  fm_cli_temp_forget (out->temp_slot);
  out->temp_slot = -1;
  g_clear_pointer (&out->temp, g_free);
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
          g_autofree char *shown = fm_file_display (out->path);
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: %s",
                       shown, local->message);
          g_error_free (local);
          return FALSE;
        }
      fm_cli_commit_begin ();
      gboolean ok = move (out->temp, out->path, out->path, error);
      if (ok)
        committed (out);
      fm_cli_commit_end ();
      return ok;
    }

  for (int k = 0; k < out->n_layers; k++)
    if (!save_map (out, k, error))
      return FALSE;

  /* a signal from here on waits until every file is in place */
  fm_cli_commit_begin ();
  gboolean ok = TRUE;
  if (!out->exists)
    ok = move (out->temp, out->path, out->path, error);
  else
    {
      /* The folder is there already: replace our files inside it. */
      for (int k = 0; k < out->n_layers && ok; k++)
        {
          g_autofree char *name = g_strconcat (out->files[k], out->raw ? ".tif" : ".png", NULL);
          g_autofree char *from = g_build_filename (out->temp, name, NULL);
          g_autofree char *to = g_build_filename (out->path, name, NULL);
          ok = move (from, to, to, error);
        }
      if (ok)
        g_rmdir (out->temp);
    }
  if (ok)
    committed (out);
  fm_cli_commit_end ();
  return ok;
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
  fm_cli_temp_forget (out->temp_slot);
  out->temp_slot = -1;
}

void
fm_cli_output_free (FmCliOutput *out)
{
  if (!out)
    return;
  remove_temp (out);
  if (out->buffers)
    for (int k = 0; k < out->n_layers; k++)
      g_clear_object (&out->buffers[k]);
  g_free (out->buffers);
  g_strfreev (out->files);
  g_free (out->data);
  g_free (out->temp);
  g_free (out->path);
  g_free (out);
}
