/* fm-cli-batch: `featuremaps apply -k KERNEL -o OUTDIR INPUT…` — many
 * images in one run.
 *
 * Inputs (files, and the visible files of folders) are sorted by name;
 * --shard I/N keeps inputs I, I+N, … of that list (1-based), so N array
 * tasks split a folder without a manifest.  Each input's result is named
 * after its stem: OUTDIR/<stem>.npy, or OUTDIR/<stem>/<filter>.png|.tif
 * with --each images, written under a temporary name and renamed when
 * complete, as in the one-input form.  The bank is loaded once, and the
 * plan (packed weights, geometry, scratch) is made once for each run of
 * inputs of the same size and channels.
 *
 * Everything that can be known before the first image is checked first
 * and is bad usage (exit status 2): options, the bank, OUTDIR, two inputs
 * with one stem, an output that would replace an input.  After that a bad
 * input (missing, not an image, truncated, too small for the kernel …) is
 * named on one stderr line and skipped, and the run ends with a summary
 * and exit status 1. */
#include "fm-cli-apply.h"
#include "fm-cli-output.h"
#include "fm-file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

static gboolean
usage (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE, "apply: %s", msg);
  return FALSE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* A folder's visible entries that are not folders (a bad file among them is
 * reported like any bad input). */
static gboolean
add_folder (GPtrArray *list, const char *folder, GError **error)
{
  GError *local = NULL;
  GDir *dir = g_dir_open (folder, 0, &local);
  if (!dir)
    {
      usage (error, "%s: %s", folder, local->message);
      g_error_free (local);
      return FALSE;
    }
  const char *name;
  while ((name = g_dir_read_name (dir)))
    {
      if (name[0] == '.')
        continue;
      char *path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        g_free (path);
      else
        g_ptr_array_add (list, path);
    }
  g_dir_close (dir);
  return TRUE;
}

/* Every input, sorted and without repeats. */
static GPtrArray *
collect_inputs (const FmCliApplyArgs *args, GError **error)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
  for (int pass = 0; pass < 2; pass++)
    for (char **p = pass ? args->positional : args->inputs; p && *p; p++)
      {
        if (g_file_test (*p, G_FILE_TEST_IS_DIR))
          {
            if (!add_folder (list, *p, error))
              {
                g_ptr_array_unref (list);
                return NULL;
              }
          }
        else
          g_ptr_array_add (list, g_strdup (*p));
      }
  g_ptr_array_sort (list, compare_paths);
  for (guint i = 1; i < list->len;)
    if (!strcmp (list->pdata[i], list->pdata[i - 1]))
      g_ptr_array_remove_index (list, i);
    else
      i++;
  return list;
}

static gboolean
parse_shard (const char *text, int *index, int *count, GError **error)
{
  *index = *count = 1;
  if (!text)
    return TRUE;
  g_auto (GStrv) parts = g_strsplit (text, "/", -1);
  guint64 i, n;
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT, &i, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT, &n, NULL)
      || i > n)
    return usage (error, "--shard %s: give I/N with 1 ≤ I ≤ N, e.g. --shard 2/8", text);
  *index = (int) i;
  *count = (int) n;
  return TRUE;
}

/* "photo.jpg" → "photo"; "archive.tar.gz" → "archive.tar"; ".hidden" stays. */
static char *
stem_of (const char *path)
{
  char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return base;
}

typedef struct {
  char *input;
  char *name;          /* the input as the user gave it: for messages */
  char *output;        /* OUTDIR/<stem>.npy or OUTDIR/<stem> */
} Item;

static void
item_clear (gpointer data)
{
  Item *item = data;
  g_free (item->input);
  g_free (item->output);
}

/* The files every output is checked against before anything is written:
 * every input of the batch — of every shard, since the other shards write
 * into the same OUTDIR, and later inputs, not yet read — by device and
 * inode, and whatever the run has read so far (the kernel and its side
 * files: fm-file's read log). */
typedef struct {
  dev_t dev;
  ino_t ino;
  const char *input;
} InputId;

static GArray *
input_ids (GPtrArray *all)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (InputId));
  for (guint i = 0; i < all->len; i++)
    {
      GStatBuf st;
      if (g_stat (all->pdata[i], &st) == 0)
        {
          InputId id = { st.st_dev, st.st_ino, all->pdata[i] };
          g_array_append_val (ids, id);
        }
    }
  return ids;
}

/* The input (or file read) that path is, or NULL; a new string. */
static char *
input_at (const char *path, GArray *ids)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      const InputId *id = &g_array_index (ids, InputId, i);
      if (id->dev == st.st_dev && id->ino == st.st_ino)
        return g_strdup (id->input);
    }
  return fm_file_log_find_id (st.st_dev, st.st_ino);
}

static gboolean
refuse_input (const char *output, const char *input, GError **error)
{
  g_autofree char *shown = fm_file_display (output);
  g_autofree char *ishown = fm_file_display (input);
  return usage (error, "%s: is the input %s (the same file): writing the maps there "
                "would replace the input; choose another OUTDIR", shown, ishown);
}

/* With --each images the maps go into OUTDIR/<stem>/ (and folders in it,
 * one per network layer), under names taken from the filters: any file
 * already there that is an input or was read could be overwritten, so
 * none may be. */
static gboolean
check_folder (const char *folder, int depth, GArray *ids, GError **error)
{
  g_autofree char *input = input_at (folder, ids);
  if (input)
    return refuse_input (folder, input, error);
  GDir *dir = depth < 3 ? g_dir_open (folder, 0, NULL) : NULL;
  if (!dir)
    return TRUE;
  gboolean ok = TRUE;
  const char *name;
  while (ok && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      ok = check_folder (path, depth + 1, ids, error);
    }
  g_dir_close (dir);
  return ok;
}

/* Names every output and refuses what cannot end well before any work:
 * two inputs of the batch with one stem (one output), an output that is
 * an input or the kernel. */
static GArray *
plan_items (GPtrArray *all, GPtrArray *inputs, const char *outdir, FmCliEach each,
            GError **error)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_array_set_clear_func (items, item_clear);
  GHashTable *stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < all->len; i++)
    {
      const char *input = all->pdata[i];
      char *stem = stem_of (input);
      const char *other = g_hash_table_lookup (stems, stem);
      if (other)
        {
          g_autofree char *a = fm_file_display (other);
          g_autofree char *b = fm_file_display (input);
          g_autofree char *o = fm_file_display (outdir);
          g_autofree char *st = fm_file_display (stem);
          ok = usage (error, "%s and %s would both be written to %s/%s%s: rename "
                      "one or run them separately", a, b, o, st,
                      each == FM_CLI_EACH_NPY ? ".npy" : "/");
          g_free (stem);
          break;
        }
      g_hash_table_insert (stems, stem, (gpointer) input);
    }

  for (guint i = 0; ok && i < inputs->len; i++)
    {
      const char *input = inputs->pdata[i];
      g_autofree char *stem = stem_of (input);
      Item item = { .input = g_strdup (input), .name = item.input };
      item.output = each == FM_CLI_EACH_NPY
        ? g_strdup_printf ("%s/%s.npy", outdir, stem)
        : g_build_filename (outdir, stem, NULL);
      g_array_append_val (items, item);
    }

  g_autoptr (GArray) ids = input_ids (all);
  for (guint i = 0; ok && i < items->len; i++)
    {
      const Item *item = &g_array_index (items, Item, i);
      if (each == FM_CLI_EACH_IMAGES)
        ok = check_folder (item->output, 0, ids, error);
      else
        {
          g_autofree char *input = input_at (item->output, ids);
          if (input)
            ok = refuse_input (item->output, input, error);
        }
    }

  g_hash_table_destroy (stems);
  if (!ok)
    {
      g_array_unref (items);
      return NULL;
    }
  return items;
}

/* One input, start to end; FALSE with error naming it when it failed. */
static gboolean
run_item (const Item *item, const FmCliKernel *kernel, const FmOptions *opts,
          FmJob **job, FmImageInfo *job_info, FmCliProgress *progress,
          GError **error)
{
  FmCliImage image = { 0 };
  FmCliOutput *out = NULL;
  gboolean ok = FALSE;

  if (!fm_cli_image_load (item->input, &image, error))
    goto done;

  /* The plan is kept while sizes repeat: a folder of same-size photos
   * packs the weights and sizes the scratch once. */
  FmImageInfo info = { image.width, image.height, image.channels };
  if (!*job || memcmp (&info, job_info, sizeof info) != 0)
    {
      g_clear_pointer (job, fm_job_free);
      GError *local = NULL;
      if (!(*job = fm_job_new_for (&kernel->job, opts, &info, &local)))
        {
          g_set_error (error, local->domain, local->code, "%s: %s", item->name,
                       local->message);
          g_error_free (local);
          goto done;
        }
      *job_info = info;
    }

  if (!(out = fm_cli_output_new (item->output, error)))
    goto done;
  if (!fm_cli_output_begin (out, kernel->bank, *job, opts->mapping, error))
    goto done;
  if (!fm_job_run (*job, fm_cli_apply_read_rows, &image, fm_cli_output_sink, out,
                   fm_cli_progress_update, progress, error))
    goto done;
  ok = fm_cli_output_commit (out, error);

done:
  fm_cli_output_free (out);
  fm_cli_image_clear (&image);
  return ok;
}

/* "18 written, 2 failed: a.png (truncated), b.jpg (not an image)". */
static char *
summary (int written, GPtrArray *failed)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%d written", written);
  if (failed->len)
    {
      g_string_append_printf (s, ", %u failed: ", failed->len);
      for (guint i = 0; i < failed->len; i++)
        g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) failed->pdata[i]);
    }
  return g_string_free (s, FALSE);
}

gboolean
fm_cli_batch_run (const FmCliApplyArgs *args, const FmCliKernel *kernel, GError **error)
{
  FmCliEach each = FM_CLI_EACH_NPY;
  if (args->each && !strcmp (args->each, "images"))
    each = FM_CLI_EACH_IMAGES;
  else if (args->each && strcmp (args->each, "npy") != 0)
    return usage (error, "--each %s: npy (OUTDIR/<stem>.npy) or images "
                  "(OUTDIR/<stem>/ with one image per map)", args->each);
  int shard, n_shards;
  if (!parse_shard (args->shard, &shard, &n_shards, error))
    return FALSE;

  g_autofree char *outdir = fm_cli_output_strip_slashes (args->output);
  if (fm_cli_is_npy (outdir) && !g_str_has_suffix (args->output, "/"))
    return usage (error, "-o %s: with several inputs, OUTPUT is a folder (each "
                  "input gets OUTDIR/<stem>.npy)", args->output);
  if (g_file_test (outdir, G_FILE_TEST_EXISTS) && !g_file_test (outdir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: exists and is not a folder", outdir);
      return FALSE;
    }

  FmOptions opts;
  if (!fm_cli_apply_resolve_options (args, kernel, each == FM_CLI_EACH_NPY, &opts, error))
    return FALSE;

  g_autoptr (GPtrArray) all = collect_inputs (args, error);
  if (!all)
    return FALSE;
  if (all->len == 0)
    return usage (error, "no inputs: the folders given hold no files");
  g_autoptr (GPtrArray) inputs = g_ptr_array_new ();
  for (guint i = 0; i < all->len; i++)
    if ((int) (i % n_shards) == shard - 1)
      g_ptr_array_add (inputs, all->pdata[i]);

  g_autoptr (GArray) items = plan_items (all, inputs, outdir, each, error);
  if (!items)
    return FALSE;
  if (items->len > 0 && g_mkdir_with_parents (outdir, 0777) != 0)
    {
      int e = errno;
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: cannot create the folder: %s", outdir, g_strerror (e));
      return FALSE;
    }

  FmCliProgress *progress = fm_cli_progress_new (items->len);
  g_autoptr (GPtrArray) failed = g_ptr_array_new_with_free_func (g_free);
  FmJob *job = NULL;
  FmImageInfo job_info = { 0 };
  int written = 0;
  for (guint i = 0; i < items->len; i++)
    {
      const Item *item = &g_array_index (items, Item, i);
      g_autofree char *base = g_path_get_basename (item->input);
      fm_cli_progress_start (progress, i + 1, item->name);
      GError *local = NULL;
      if (run_item (item, kernel, &opts, &job, &job_info, progress, &local))
        {
          written++;
          continue;
        }
      fm_cli_progress_clear (progress);
      g_autofree char *line = g_strdup (local->message);
      g_strdelimit (line, "\r\n", ' ');
      fprintf (stderr, "featuremaps: %s\n", line);
      fflush (stderr);
      g_ptr_array_add (failed, g_strdup_printf ("%s (%s)", base,
                                                fm_cli_error_reason (local)));
      g_error_free (local);
    }
  fm_job_free (job);
  fm_cli_progress_free (progress);

  g_autofree char *text = summary (written, failed);
  if (failed->len)
    {
      g_set_error_literal (error, FM_CLI_ERROR, FM_CLI_ERROR_PARTIAL, text);
      return FALSE;
    }
  fprintf (stderr, "featuremaps: %s\n", text);
  return TRUE;
}
