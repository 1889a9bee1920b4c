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

/* Same file (device and inode), for the never-overwrite-an-input check. */
static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

/* Names every output and refuses what cannot end well before any work. */
static GArray *
plan_items (GPtrArray *inputs, const char *outdir, FmCliEach each,
            const FmBank *bank, GError **error)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_array_set_clear_func (items, item_clear);
  GHashTable *stems = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < inputs->len; i++)
    {
      const char *input = inputs->pdata[i];
      g_autofree char *stem = stem_of (input);
      const char *other = g_hash_table_lookup (stems, stem);
      if (other)
        {
          ok = usage (error, "%s and %s would both be written to %s/%s%s: rename "
                      "one or run them separately", other, input, outdir, stem,
                      each == FM_CLI_EACH_NPY ? ".npy" : "/");
          break;
        }
      Item item = { .input = g_strdup (input), .name = item.input };
      item.output = each == FM_CLI_EACH_NPY
        ? g_strdup_printf ("%s/%s.npy", outdir, stem)
        : g_build_filename (outdir, stem, NULL);
      g_array_append_val (items, item);
      g_hash_table_insert (stems, g_strdup (stem), (gpointer) item.input);
    }

  /* No output may replace an input (a .npy input in OUTDIR, an image
   * inside OUTDIR/<stem>/ named like a filter). */
  for (guint i = 0; ok && i < items->len; i++)
    {
      const Item *item = &g_array_index (items, Item, i);
      for (guint j = 0; ok && j < items->len; j++)
        {
          const char *input = g_array_index (items, Item, j).input;
          if (each == FM_CLI_EACH_NPY)
            {
              if (same_file (item->output, input))
                ok = usage (error, "%s would replace the input %s", item->output, input);
              continue;
            }
          /* (a network's maps are named by index: no filter names) */
          for (int k = 0; ok && bank && k < bank->n_filters; k++)
            for (int raw = 0; ok && raw < 2; raw++)
              {
                g_autofree char *file = g_strdup_printf ("%s/%s%s", item->output,
                                                         bank->filters[k].name ? bank->filters[k].name : "",
                                                         raw ? ".tif" : ".png");
                if (same_file (file, input))
                  ok = usage (error, "%s would replace the input %s", file, input);
              }
        }
    }

  GList *keys = g_hash_table_get_keys (stems);
  g_list_free_full (keys, g_free);
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

  g_autoptr (GArray) items = plan_items (inputs, outdir, each, kernel->bank, error);
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
