/* fm-cli-deep: the shared part of `rank` and `summary` (fm-cli-deep.h). */
#include "fm-cli-deep.h"
#include "fm-cli-apply.h"
#include "fm-net-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
usage (GError **error, const char *command, const char *msg)
{
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE, "%s: %s (see featuremaps %s --help)",
               command, msg, command);
  return FALSE;
}

gboolean
fm_cli_deep_parse (const char *command, const char *summary, const GOptionEntry *own,
                   int argc, char **argv, FmCliDeepArgs *args, GError **error)
{
  g_autofree char *prg = g_strdup_printf ("featuremaps %s", command);
  g_set_prgname (prg);
  GOptionContext *ctx = g_option_context_new (summary);
  GArray *entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry shared[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &args->input,
      "Image file or .npy (as for apply)", "INPUT" },
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &args->mask,
      "Only the pixels where this grey image or H×W .npy is nonzero: the image's size "
      "(sampled at each map pixel's centre) or the layer's", "MASK" },
  };
  g_array_append_vals (entries, shared, G_N_ELEMENTS (shared));
  for (const GOptionEntry *e = own; e && e->long_name; e++)
    g_array_append_val (entries, *e);
  for (int id = 0; id < FM_N_INPUT_OPTIONS; id++)
    {
      const FmInputOptionSpec *s = fm_input_option_spec (id);
      GOptionEntry e = { s->name, 0, 0, G_OPTION_ARG_STRING, &args->input_values[id],
                         s->help, s->arg };
      g_array_append_val (entries, e);
    }
  GOptionEntry rest = { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->rest,
                        NULL, "MODEL#LAYER" };
  g_array_append_val (entries, rest);
  g_option_context_add_main_entries (ctx, (GOptionEntry *) entries->data, NULL);
  g_array_free (entries, TRUE);

  GError *local = NULL;
  gboolean ok = g_option_context_parse (ctx, &argc, &argv, &local);
  g_option_context_free (ctx);
  if (!ok)
    {
      usage (error, command, local->message);
      g_error_free (local);
      return FALSE;
    }
  if (!args->rest || !args->rest[0])
    return usage (error, command, "missing MODEL#LAYER (or a bank)");
  if (args->rest[1])
    {
      g_autofree char *msg = g_strdup_printf ("unexpected argument '%s'", args->rest[1]);
      return usage (error, command, msg);
    }
  if (!args->input)
    return usage (error, command, "missing -i INPUT (an image or a .npy)");
  return fm_cli_kernel_check_input_options (args->input_values, error);
}

void
fm_cli_deep_args_clear (FmCliDeepArgs *args)
{
  g_free (args->input);
  g_free (args->mask);
  g_free (args->output);
  g_free (args->by);
  for (int i = 0; i < FM_N_INPUT_OPTIONS; i++)
    g_free (args->input_values[i]);
  g_strfreev (args->rest);
  memset (args, 0, sizeof *args);
}

static gboolean
load_mask (FmCliDeep *deep, const char *path, GError **error)
{
  FmCliImage mask = { 0 };
  if (!fm_cli_image_load (path, &mask, error))
    return FALSE;
  gboolean ok = FALSE;
  if (mask.channels != 1 && mask.channels != 2)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                   "%s: a mask has one channel (a grey image or an H×W .npy); this has %d",
                   path, mask.channels);
      goto done;
    }
  /* Nonzero is inside (the grey channel; alpha is not looked at). */
  const gsize n = (gsize) mask.width * mask.height;
  for (gsize i = 0; i < n; i++)
    mask.pixels[i] = mask.pixels[i * mask.channels] != 0.0f ? 1.0f : 0.0f;
  GError *local = NULL;
  deep->mask = fm_maps_mask_to_grid (mask.pixels, mask.height, mask.width,
                                     deep->image.height, deep->image.width, deep->out,
                                     &local);
  if (!deep->mask)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "%s: %s", path, local->message);
      g_error_free (local);
      goto done;
    }
  ok = TRUE;
done:
  fm_cli_image_clear (&mask);
  return ok;
}

gboolean
fm_cli_deep_open (FmCliDeep *deep, const char *command, const FmCliDeepArgs *args,
                  GError **error)
{
  memset (deep, 0, sizeof *deep);
  g_autofree char *model = NULL;
  g_auto (GStrv) layers = NULL;
  if (fm_net_spec_parse (args->rest[0], &model, &layers) && (!layers[0] || layers[1]))
    return usage (error, command, "name one layer: MODEL#LAYER (featuremaps info MODEL lists them)");
  if (!fm_cli_kernel_load (&deep->kernel, args->rest[0], NULL, args->input_values, error))
    return FALSE;
  if (!fm_cli_image_load (args->input, &deep->image, error))
    return FALSE;
  FmOptions opts;
  fm_options_init (&opts);
  opts.mapping = FM_MAPPING_RAW;
  FmImageInfo info = { deep->image.width, deep->image.height, deep->image.channels };
  if (!(deep->job = fm_job_new_for (&deep->kernel.job, &opts, &info, error)))
    return FALSE;
  deep->out = fm_job_output (deep->job, 0);
  if (args->mask && !load_mask (deep, args->mask, error))
    return FALSE;
  return TRUE;
}

void
fm_cli_deep_clear (FmCliDeep *deep)
{
  fm_job_free (deep->job);
  fm_cli_image_clear (&deep->image);
  fm_cli_kernel_clear (&deep->kernel);
  g_free (deep->mask);
  memset (deep, 0, sizeof *deep);
}

gboolean
fm_cli_deep_run (FmCliDeep *deep, int pass, int passes, const char *what,
                 FmMapsBand band, gpointer data, GError **error)
{
  FmCliProgress *progress = fm_cli_progress_new (passes);
  fm_cli_progress_start (progress, pass, what);
  gboolean ok = fm_maps_run (deep->job, 0, fm_cli_apply_read_rows, &deep->image, band,
                             data, fm_cli_progress_update, progress, error);
  fm_cli_progress_free (progress);
  return ok;
}

/* ---- PNG files that appear whole ---- */

static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;
  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

gboolean
fm_cli_png_out_begin (FmCliPngOut *png, const char *path, int width, int height,
                      const char *const *inputs, GError **error)
{
  memset (png, 0, sizeof *png);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (!g_str_has_suffix (lower, ".png"))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: the output is a PNG file (NAME.png)", path);
      return FALSE;
    }
  for (int i = 0; inputs && inputs[i]; i++)
    if (same_file (path, inputs[i]))
      {
        g_autofree char *shown = fm_file_display (path);
        g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                     "%s: is an input; inputs are never overwritten", shown);
        return FALSE;
      }
  /* and no file the run has read: the model and its side files (weights,
   * external data), whatever name leads to them */
  g_autofree char *read = fm_file_log_find (path);
  if (read)
    {
      g_autofree char *shown = fm_file_display (path);
      g_autofree char *rshown = fm_file_display (read);
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT,
                   "%s: is the input %s (the same file); inputs are never overwritten",
                   shown, rshown);
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: is a folder", path);
      return FALSE;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  char *tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd = g_mkstemp_full (tmpl, O_RDWR, 0666);
  if (fd < 0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot write: %s",
                   path, g_strerror (errno));
      g_free (tmpl);
      return FALSE;
    }
  close (fd);
  png->temp = tmpl;
  png->path = g_strdup (path);
  if (!(png->file = fm_cli_png_create (png->temp, width, height, 3, 8, error)))
    {
      fm_cli_png_out_abandon (png);
      return FALSE;
    }
  return TRUE;
}

gboolean
fm_cli_png_out_finish (FmCliPngOut *png, GError **error)
{
  FmCliMapFile *file = g_steal_pointer (&png->file);
  if (!fm_cli_map_file_finish (file, error))
    {
      fm_cli_png_out_abandon (png);
      return FALSE;
    }
  if (g_rename (png->temp, png->path) != 0)
    {
      g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_OUTPUT, "%s: cannot write: %s",
                   png->path, g_strerror (errno));
      fm_cli_png_out_abandon (png);
      return FALSE;
    }
  g_clear_pointer (&png->temp, g_free);
  g_clear_pointer (&png->path, g_free);
  return TRUE;
}

void
fm_cli_png_out_abandon (FmCliPngOut *png)
{
  fm_cli_map_file_free (g_steal_pointer (&png->file));
  if (png->temp)
    g_unlink (png->temp);
  g_clear_pointer (&png->temp, g_free);
  g_clear_pointer (&png->path, g_free);
}
