/* fm-cli-output: .npy or a folder of images, written under a temporary
 * name and renamed at the end. */
#include "fm-cli.h"
#include "fm-cli-output.h"
#include "fm-cli-image.h"
#include "fm-cli-mapfile.h"
#include "fm-cli-signals.h"

#include <limits.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* One output of the job (a bank, or one network layer): its maps. */
typedef struct {
  char *stem;           /* several outputs: the file or folder name in OUTPUT/ */
  int out_w, out_h, n_layers;
  float *data;          /* .npy: the whole array */
  FmCliMapFile **maps;  /* images: one open file per map */
  char **files;         /* images: file name per map (without extension) */
  char *dir;            /* images: their folder, relative to OUTPUT/ ("" or stem) */
} Part;

struct _FmCliOutput {
  char *path;
  gboolean npy;
  gboolean exists;      /* the folder is already there */
  char *temp;           /* temporary file or folder; NULL once committed */
  int temp_slot;        /* its fm_cli_temp_add slot: removed on a signal */
  int n_layers, layer_channels;
  gboolean per_channel; /* .npy gets the colour axis even for 1 channel */
  gboolean raw;         /* TIFF float when raw, PNG 16-bit otherwise */

  int n_parts;
  Part *parts;
  gboolean part_npy;    /* several network layers, raw: OUTPUT/<layer>.npy each */
  const FmJob *job;
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
  out->path = g_steal_pointer (&path);
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

/* A map's file name relative to OUTPUT/. */
static char *
map_file_name (const FmCliOutput *out, const Part *part, int k)
{
  g_autofree char *name = g_strconcat (part->files[k], out->raw ? ".tif" : ".png", NULL);
  return g_build_filename (part->dir, name, NULL);
}

/* A network layer's name as a file or folder name: letters, digits, '.',
 * '_' and '-' kept, the rest '_', leading '_' and '.' dropped
 * ("/features/features.3/Conv" → "features_features.3_Conv"). */
static char *
layer_stem (const char *name)
{
  g_autofree char *stem = g_strdup (name && *name ? name : "layer");
  for (char *p = stem; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      *p = '_';
  const char *start = stem;
  while (*start == '_' || *start == '.')
    start++;
  return g_strdup (*start ? start : "layer");
}

static gboolean
part_size (const FmCliOutput *out, const Part *part, gsize *n, GError **error)
{
  if (g_size_checked_mul (n, (gsize) part->out_w, (gsize) part->out_h)
      && g_size_checked_mul (n, *n, (gsize) part->n_layers * out->layer_channels)
      && *n <= G_MAXSIZE / sizeof (float))
    return TRUE;
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
               "%s: %d × %d × %d maps are too large", out->path,
               part->out_h, part->out_w, part->n_layers);
  return FALSE;
}

/* A part's image files, named after the bank's filters or, for a network
 * layer, by map index. */
static gboolean
open_maps (FmCliOutput *out, Part *part, const FmBank *bank, GError **error)
{
  part->dir = g_strdup (part->stem ? part->stem : "");
  if (part->stem)
    {
      g_autofree char *sub = g_build_filename (out->temp, part->dir, NULL);
      if (g_mkdir (sub, 0777) != 0)
        {
          int e = errno;
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot make %s: %s",
                       out->path, part->dir, g_strerror (e));
          return FALSE;
        }
    }
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  part->maps = g_new0 (FmCliMapFile *, part->n_layers);
  part->files = g_new0 (char *, part->n_layers + 1);
  for (int k = 0; k < part->n_layers; k++)
    {
      g_autofree char *stem = bank ? file_stem (bank->filters[k].name, k)
                                   : g_strdup_printf ("%d", k);
      char *file = NULL;
      for (int i = 1; !file || g_hash_table_contains (seen, file); i++)
        {
          g_free (file);
          file = i == 1 ? g_strdup (stem) : g_strdup_printf ("%s-%d", stem, i);
        }
      g_hash_table_add (seen, file);
      part->files[k] = file;
    }
  g_hash_table_destroy (seen);
  for (int k = 0; k < part->n_layers; k++)
    {
      g_autofree char *name = map_file_name (out, part, k);
      g_autofree char *final = g_build_filename (out->path, name, NULL);
      if (!check_not_input (final, error))
        return FALSE;
    }

  /* Raw values go to TIFF unchanged; a mapped 0..1 value is a display
   * value, written as it is (no transfer curve on the way; checked by
   * tests/cli). */
  for (int k = 0; k < part->n_layers; k++)
    {
      g_autofree char *name = map_file_name (out, part, k);
      g_autofree char *file = g_build_filename (out->temp, name, NULL);
      part->maps[k] = out->raw
        ? fm_cli_tiff_create (file, part->out_w, part->out_h, out->layer_channels, error)
        : fm_cli_png_create (file, part->out_w, part->out_h, out->layer_channels, 16, error);
      if (!part->maps[k])
        return FALSE;
    }
  return TRUE;
}

gboolean
fm_cli_output_begin (FmCliOutput *out, const FmBank *bank, const FmJob *job,
                     FmMapping mapping, GError **error)
{
  out->job = job;
  out->n_layers = fm_job_n_layers (job);
  out->layer_channels = fm_job_layer_channels (job);
  out->per_channel = fm_job_input_mode (job) == FM_INPUT_PER_CHANNEL;
  out->raw = mapping == FM_MAPPING_RAW;
  out->n_parts = fm_job_n_outputs (job);
  out->parts = g_new0 (Part, out->n_parts);
  out->part_npy = !out->npy && out->n_parts > 1 && out->raw;

  if (out->npy && out->n_parts > 1)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                   "%s: %d layers need a folder as OUTPUT (one .npy per layer), "
                   "not a .npy file", out->path, out->n_parts);
      return FALSE;
    }
  if (!out->npy && out->layer_channels != 1 && out->layer_channels != 3)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: per-channel maps with %d channels can only be "
                   "written to a .npy", out->path, out->layer_channels);
      return FALSE;
    }

  GHashTable *stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = TRUE;
  for (int o = 0; ok && o < out->n_parts; o++)
    {
      const FmJobOutput *jo = fm_job_output (job, o);
      Part *part = &out->parts[o];
      part->out_w = jo->out_w;
      part->out_h = jo->out_h;
      part->n_layers = jo->n_layers;
      gsize n;
      ok = part_size (out, part, &n, error);
      if (out->n_parts > 1)
        {
          g_autofree char *stem = layer_stem (jo->name);
          char *unique = NULL;
          for (int i = 1; !unique || g_hash_table_contains (stems, unique); i++)
            {
              g_free (unique);
              unique = i == 1 ? g_strdup (stem) : g_strdup_printf ("%s-%d", stem, i);
            }
          g_hash_table_add (stems, unique);
          part->stem = g_strdup (unique);
        }
      if (ok && (out->npy || out->part_npy) && !(part->data = g_try_new0 (float, n)))
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                       "%s: not enough memory for %" G_GSIZE_FORMAT " values", out->path, n);
          ok = FALSE;
        }
    }
  g_hash_table_destroy (stems);
  if (ok && out->npy)
    ok = check_not_input (out->path, error);
  for (int o = 0; ok && out->part_npy && o < out->n_parts; o++)
    {
      g_autofree char *name = g_strconcat (out->parts[o].stem, ".npy", NULL);
      g_autofree char *final = g_build_filename (out->path, name, NULL);
      ok = check_not_input (final, error);
    }
  if (!ok || !make_temp (out, error))
    return FALSE;
  for (int o = 0; o < out->n_parts; o++)
    if (!out->parts[o].data && !open_maps (out, &out->parts[o], bank, error))
      return FALSE;
  return TRUE;
}

gboolean
fm_cli_output_sink (gpointer user_data, int layer, int y0, int n_rows,
                    const float *pixels, GError **error)
{
  FmCliOutput *out = user_data;
  const int o = fm_job_layer_output (out->job, layer);
  Part *part = &out->parts[o];
  const int k = layer - fm_job_output (out->job, o)->first_layer;
  const int w = part->out_w, K = part->n_layers, lc = out->layer_channels;

  if (!part->data)
    return fm_cli_map_file_rows (part->maps[k], pixels, n_rows, error);
  for (int r = 0; r < n_rows; r++)
    for (int x = 0; x < w; x++)
      {
        const float *src = pixels + ((gsize) r * w + x) * lc;
        float *dst = part->data + (((gsize) (y0 + r) * w + x) * K + k) * lc;
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

static gboolean
write_npy (FmCliOutput *out, const Part *part, const char *file, GError **error)
{
  gsize shape[4] = { part->out_h, part->out_w, part->n_layers, out->layer_channels };
  int ndim = out->per_channel ? 4 : 3;
  GError *local = NULL;
  if (fm_npy_write_file (file, part->data, ndim, shape, &local))
    return TRUE;
  g_autofree char *shown = fm_file_display (out->path);
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: %s", shown, local->message);
  g_error_free (local);
  return FALSE;
}

/* What the folder gets, relative to it: its files, or (dirs) the
 * sub-folders they sit in. */
static GPtrArray *
folder_entries (const FmCliOutput *out, gboolean dirs)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  for (int o = 0; o < out->n_parts; o++)
    {
      const Part *part = &out->parts[o];
      if (out->part_npy)
        {
          if (!dirs)
            g_ptr_array_add (list, g_strconcat (part->stem, ".npy", NULL));
          continue;
        }
      if (dirs)
        {
          if (part->dir && *part->dir)
            g_ptr_array_add (list, g_strdup (part->dir));
          continue;
        }
      for (int k = 0; part->files && k < part->n_layers; k++)
        g_ptr_array_add (list, map_file_name (out, part, k));
    }
  return list;
}

/* Puts the finished files of a folder output in place. */
static gboolean
commit_folder (FmCliOutput *out, GError **error)
{
  if (!out->exists)
    return move (out->temp, out->path, out->path, error);

  /* The folder is there already: replace our files inside it. */
  g_autoptr (GPtrArray) dirs = folder_entries (out, TRUE);
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *to = g_build_filename (out->path, dirs->pdata[i], NULL);
      if (!g_file_test (to, G_FILE_TEST_IS_DIR) && g_mkdir (to, 0777) != 0)
        {
          int e = errno;
          g_autofree char *shown = fm_file_display (to);
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot make: %s",
                       shown, g_strerror (e));
          return FALSE;
        }
    }
  g_autoptr (GPtrArray) files = folder_entries (out, FALSE);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *from = g_build_filename (out->temp, files->pdata[i], NULL);
      g_autofree char *to = g_build_filename (out->path, files->pdata[i], NULL);
      if (!move (from, to, to, error))
        return FALSE;
    }
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *sub = g_build_filename (out->temp, dirs->pdata[i], NULL);
      g_rmdir (sub);
    }
  g_rmdir (out->temp);
  return TRUE;
}

gboolean
fm_cli_output_commit (FmCliOutput *out, GError **error)
{
  g_return_val_if_fail (out->temp != NULL, FALSE);

  if (out->npy)
    {
      if (!write_npy (out, &out->parts[0], out->temp, error))
        return FALSE;
      /* a signal during the rename waits for it: complete or absent */
      fm_cli_commit_begin ();
      gboolean ok = move (out->temp, out->path, out->path, error);
      if (ok)
        committed (out);
      fm_cli_commit_end ();
      return ok;
    }

  for (int o = 0; o < out->n_parts; o++)
    {
      Part *part = &out->parts[o];
      if (out->part_npy)
        {
          g_autofree char *name = g_strconcat (part->stem, ".npy", NULL);
          g_autofree char *file = g_build_filename (out->temp, name, NULL);
          if (!write_npy (out, part, file, error))
            return FALSE;
          g_clear_pointer (&part->data, g_free);
          continue;
        }
      for (int k = 0; k < part->n_layers; k++)
        {
          FmCliMapFile *map = part->maps[k];
          part->maps[k] = NULL;
          if (!fm_cli_map_file_finish (map, error))
            return FALSE;
        }
    }

  /* a signal from here on waits until every file is in place */
  fm_cli_commit_begin ();
  gboolean ok = commit_folder (out, error);
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
  if (out->npy)
    {
      g_unlink (out->temp);
      fm_cli_temp_forget (out->temp_slot);
      out->temp_slot = -1;
      return;
    }
  g_autoptr (GPtrArray) files = folder_entries (out, FALSE);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *file = g_build_filename (out->temp, files->pdata[i], NULL);
      g_unlink (file);
    }
  g_autoptr (GPtrArray) dirs = folder_entries (out, TRUE);
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *sub = g_build_filename (out->temp, dirs->pdata[i], NULL);
      g_rmdir (sub);
    }
  g_rmdir (out->temp);
  /* forgotten last: a signal meanwhile removes what is left */
  fm_cli_temp_forget (out->temp_slot);
  out->temp_slot = -1;
}

void
fm_cli_output_free (FmCliOutput *out)
{
  if (!out)
    return;
  for (int o = 0; out->parts && o < out->n_parts; o++)
    if (out->parts[o].maps)
      for (int k = 0; k < out->parts[o].n_layers; k++)
        g_clear_pointer (&out->parts[o].maps[k], fm_cli_map_file_free);
  remove_temp (out);
  for (int o = 0; out->parts && o < out->n_parts; o++)
    {
      Part *part = &out->parts[o];
      g_free (part->maps);
      g_strfreev (part->files);
      g_free (part->data);
      g_free (part->stem);
      g_free (part->dir);
    }
  g_free (out->parts);
  g_free (out->temp);
  g_free (out->path);
  g_free (out);
}
