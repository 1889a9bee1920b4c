/* fm-cli-apply: `featuremaps apply -k KERNEL -i INPUT -o OUTPUT [OPTION…]`.
 *
 * The long options, their --help lines and the table of allowed values are
 * generated from fm_option_spec(); nothing here names an option.
 *
 * An option's value comes from, first to last: the command line, the bank's
 * "defaults", the table's default.  One exception: a .npy output holds the
 * raw maps unless --mapping is given (a bank's default mapping is for
 * display, a .npy is for numbers). */
#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-cli-output.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  char *kernel, *input, *output;
  char *values[FM_N_OPTIONS];   /* as typed; NULL when not given */
} Args;

static void
args_clear (Args *args)
{
  g_free (args->kernel);
  g_free (args->input);
  g_free (args->output);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    g_free (args->values[i]);
}

/* Strings the option entries point to live as long as the context. */
static GOptionContext *
make_context (Args *args, GPtrArray *keep)
{
  GOptionContext *ctx = g_option_context_new ("- run a filter bank on an image");
  GArray *entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));

  char *kernel_help = fm_kernel_spec_brief ();
  g_ptr_array_add (keep, kernel_help);
  GOptionEntry fixed[] = {
    { "kernel", 'k', 0, G_OPTION_ARG_STRING, &args->kernel, kernel_help, "KERNEL" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &args->input,
      "Image file (PNG, JPEG, TIFF, … anything GEGL loads) or .npy (H×W or H×W×C; float32, float64, uint8)",
      "INPUT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args->output,
      "A .npy (H×W×K float32) or a folder (one 32-bit float TIFF per map; PNG unless --mapping raw)",
      "OUTPUT" },
  };
  g_array_append_vals (entries, fixed, G_N_ELEMENTS (fixed));

  GString *values = g_string_new ("Values (an option not given takes the kernel bank's default, "
                                  "else the one marked *):\n");
  for (int id = 0; id < FM_N_OPTIONS; id++)
    {
      const FmOptionSpec *s = fm_option_spec (id);
      if (!s->cli)
        continue;
      g_autofree char *range = fm_option_describe_range (id);
      char *help, *arg;
      if (s->choices)
        {
          g_autofree char *names = g_strjoinv ("|", (char **) s->choices);
          help = g_strdup_printf ("%s (default %s)", s->help, s->choices[s->def]);
          arg = g_strdup (names);
          g_string_append_printf (values, "  --%s\n", s->name);
          for (int c = 0; s->choices[c]; c++)
            g_string_append_printf (values, "    %-16s %s%s\n", s->choices[c],
                                    c == s->def ? "* " : "  ",
                                    s->choice_help ? s->choice_help[c] : "");
        }
      else
        {
          help = g_strdup_printf ("%s %s (default %d)", s->help, range, s->def);
          arg = g_strdup ("N");
        }
      g_ptr_array_add (keep, help);
      g_ptr_array_add (keep, arg);
      GOptionEntry e = { s->name, 0, 0, G_OPTION_ARG_STRING, &args->values[id],
                         help, arg };
      g_array_append_val (entries, e);
    }
  g_string_append (values, "\nExit status 0 on success, 2 on bad usage or bad input "
                           "(one line on stderr; no output is left behind).");
  g_ptr_array_add (keep, g_string_free (values, FALSE));
  g_option_context_set_description (ctx, g_ptr_array_index (keep, keep->len - 1));

  g_option_context_add_main_entries (ctx, (GOptionEntry *) entries->data, NULL);
  g_array_free (entries, TRUE);
  return ctx;
}

char *
fm_cli_apply_help (void)
{
  Args args = { 0 };
  GPtrArray *keep = g_ptr_array_new_with_free_func (g_free);
  g_set_prgname ("featuremaps apply");
  GOptionContext *ctx = make_context (&args, keep);
  char *help = g_option_context_get_help (ctx, TRUE, NULL);
  g_option_context_free (ctx);
  g_ptr_array_unref (keep);
  return help;
}

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

static gboolean
parse (int argc, char **argv, Args *args, GError **error)
{
  GPtrArray *keep = g_ptr_array_new_with_free_func (g_free);
  GOptionContext *ctx = make_context (args, keep);
  g_set_prgname ("featuremaps apply");
  GError *local = NULL;
  gboolean ok = g_option_context_parse (ctx, &argc, &argv, &local);
  g_option_context_free (ctx);
  g_ptr_array_unref (keep);
  if (!ok)
    {
      usage (error, "%s (see featuremaps apply --help)", local->message);
      g_error_free (local);
      return FALSE;
    }
  if (argc > 1)
    return usage (error, "unexpected argument '%s'", argv[1]);
  if (!args->kernel)
    return usage (error, "missing -k KERNEL (a preset name, a bank file or an inline matrix)");
  if (!args->input)
    return usage (error, "missing -i INPUT (an image or a .npy)");
  if (!args->output)
    return usage (error, "missing -o OUTPUT (a .npy or a folder)");
  return TRUE;
}

/* Command line, then the bank's defaults, then the table (see the top). */
static gboolean
resolve_options (const Args *args, const FmBank *bank, gboolean npy,
                 FmOptions *opts, GError **error)
{
  fm_options_init (opts);
  const int bank_def[FM_N_OPTIONS] = {
    [FM_OPT_INPUT_MODE] = -1, [FM_OPT_STRIDE] = -1, [FM_OPT_DILATION] = -1,
    [FM_OPT_DESTINATION] = -1,
    [FM_OPT_PADDING] = bank->def_padding, [FM_OPT_BORDER] = bank->def_border,
    [FM_OPT_ACTIVATION] = bank->def_activation,
    [FM_OPT_MAPPING] = npy ? -1 : bank->def_mapping,
  };
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (bank_def[id] >= 0 && !fm_options_set (opts, id, bank_def[id], error))
      return FALSE;
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (args->values[id] && !fm_options_set_string (opts, id, args->values[id], error))
      return FALSE;
  return TRUE;
}

static gboolean
read_rows (gpointer data, int y0, int n_rows, float *pixels, GError **error)
{
  (void) error;
  const FmCliImage *image = data;
  gsize row = (gsize) image->width * image->channels;
  memcpy (pixels, image->pixels + (gsize) y0 * row, n_rows * row * sizeof (float));
  return TRUE;
}

gboolean
fm_cli_apply (int argc, char **argv, GError **error)
{
  Args args = { 0 };
  FmBank *bank = NULL;
  FmCliImage image = { 0 };
  FmCliOutput *out = NULL;
  FmJob *job = NULL;
  gboolean ok = FALSE;

  if (!parse (argc, argv, &args, error))
    goto done;

  /* Every option value is checked before anything is read. */
  FmOptions check;
  fm_options_init (&check);
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (args.values[id] && !fm_options_set_string (&check, id, args.values[id], error))
      goto done;

  /* every file this run reads is noted (fm-file.h): no output may be one */
  fm_file_log_begin ();
  if (!(out = fm_cli_output_new (args.output, error)))
    goto done;
  if (!(bank = fm_bank_load (args.kernel, NULL, error)))
    goto done;
  if (!fm_cli_image_load (args.input, &image, error))
    goto done;

  FmOptions opts;
  if (!resolve_options (&args, bank, fm_cli_output_is_npy (out), &opts, error))
    goto done;

  FmImageInfo info = { image.width, image.height, image.channels };
  if (!(job = fm_job_new (bank, &opts, &info, error)))
    goto done;
  if (!fm_cli_output_begin (out, bank, job, opts.mapping, error))
    goto done;
  if (!fm_job_run (job, read_rows, &image, fm_cli_output_sink, out, NULL, NULL, error))
    goto done;
  ok = fm_cli_output_commit (out, error);

done:
  fm_file_log_end ();
  fm_job_free (job);
  fm_cli_output_free (out);
  fm_cli_image_clear (&image);
  if (bank)
    fm_bank_free (bank);
  args_clear (&args);
  return ok;
}
