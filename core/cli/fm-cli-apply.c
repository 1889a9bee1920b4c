/* fm-cli-apply: `featuremaps apply`, its options and its one-input form
 *
 *   featuremaps apply -k KERNEL -i INPUT -o OUTPUT [OPTION…]
 *
 * and the dispatch to the many-inputs form (fm-cli-batch.c):
 *
 *   featuremaps apply -k KERNEL -o OUTDIR [-i INPUT]… [INPUT…] [OPTION…]
 *
 * The long options, their --help lines and the table of allowed values are
 * generated from fm_option_spec(); nothing here names an option.
 *
 * An option's value comes from, first to last: the command line, the bank's
 * "defaults", the table's default.  One exception: a .npy output holds the
 * raw maps unless --mapping is given (a bank's default mapping is for
 * display, a .npy is for numbers). */
#include "fm-cli-apply.h"
#include "fm-cli-output.h"

#include <stdio.h>
#include <string.h>

typedef FmCliApplyArgs Args;

static void
args_clear (Args *args)
{
  g_free (args->kernel);
  g_free (args->output);
  g_strfreev (args->inputs);
  g_strfreev (args->positional);
  g_free (args->shard);
  g_free (args->each);
  for (int i = 0; i < FM_N_OPTIONS; i++)
    g_free (args->values[i]);
  g_strfreev (args->layers);
  for (int i = 0; i < FM_N_INPUT_OPTIONS; i++)
    g_free (args->input_values[i]);
}

/* Strings the option entries point to live as long as the context. */
static GOptionContext *
make_context (Args *args, GPtrArray *keep)
{
  GOptionContext *ctx = g_option_context_new ("[INPUT…] - run a filter bank on images");
  GArray *entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));

  char *kernel_help = fm_kernel_spec_brief ();
  g_ptr_array_add (keep, kernel_help);
  GOptionEntry fixed[] = {
    { "kernel", 'k', 0, G_OPTION_ARG_STRING, &args->kernel, kernel_help, "KERNEL" },
    { "layer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->layers,
      "A layer of the network -k names, whose maps are written (repeat it for several; "
      "featuremaps info MODEL lists them; NAME[0-7,12] keeps those channels); "
      "the same as MODEL#LAYER",
      "NAME" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &args->inputs,
      "Image file (PNG, JPEG, TIFF, … anything GEGL loads) or .npy (H×W or H×W×C; float32, float64, uint8); "
      "repeat it, or give a folder or more inputs after the options, for many images",
      "INPUT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args->output,
      "One input: a .npy (H×W×K float32) or a folder (one 32-bit float TIFF per map; PNG unless --mapping raw). "
      "Many inputs: the folder OUTDIR that gets one result per input",
      "OUTPUT" },
    { "each", 0, 0, G_OPTION_ARG_STRING, &args->each,
      "Many inputs: OUTDIR/<stem>.npy per input (npy, the default) or a folder OUTDIR/<stem>/ of one image per map (images)",
      "npy|images" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &args->shard,
      "Many inputs: take only inputs I, I+N, I+2N … of the sorted list (1 ≤ I ≤ N), so N processes or machines share a folder",
      "I/N" },
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
  for (int id = 0; id < FM_N_INPUT_OPTIONS; id++)
    {
      const FmInputOptionSpec *s = fm_input_option_spec (id);
      GOptionEntry e = { s->name, 0, 0, G_OPTION_ARG_STRING, &args->input_values[id],
                         s->help, s->arg };
      g_array_append_val (entries, e);
    }
  g_string_append (values,
    "\nA network (-k MODEL#LAYER) runs as the model says: --padding, --border,\n"
    "--stride, --dilation and --activation are its layers' own. Several layers need\n"
    "a folder: OUTPUT/<layer>.npy each (raw), or OUTPUT/<layer>/ of maps (--mapping).\n"
    "An .npy input goes in as it is unless the model, its MODEL.json or --range,\n"
    "--mean, --std, --channel-order prepare it.\n");
  g_string_append (values,
    "\nOne input: exit status 0 on success, 2 on bad usage or bad input (one line on\n"
    "stderr; no output is left behind).\n"
    "Many inputs (-i repeated, inputs after the options, a folder, --shard or --each):\n"
    "inputs sorted, each written to OUTDIR as it is done, a bad one named on its own line\n"
    "and skipped; \"[n/N] name\" and a bar on a terminal; a closing summary. Exit status\n"
    "0 when all were written, 1 when some failed, 2 on bad usage.");
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
  /* Inputs come either as -i options or after the options, not both. */
  if (args->inputs && argc > 1)
    return usage (error, "unexpected argument '%s'", argv[1]);
  args->positional = g_new0 (char *, argc);
  for (int i = 1; i < argc; i++)
    args->positional[i - 1] = g_strdup (argv[i]);
  if (!args->kernel)
    return usage (error, "missing -k KERNEL (a preset name, a bank file or an inline matrix)");
  if (!args->inputs && !args->positional[0])
    return usage (error, "missing -i INPUT (an image or a .npy)");
  if (!args->output)
    return usage (error, "missing -o OUTPUT (a .npy or a folder)");
  /* -i names files; a folder goes after the options. */
  for (char **p = args->inputs; p && *p; p++)
    if (g_file_test (*p, G_FILE_TEST_IS_DIR))
      {
        g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT,
                     "%s: is a folder, not an image (for every image in it: "
                     "featuremaps apply -k KERNEL -o OUTDIR %s)", *p, *p);
        return FALSE;
      }
  return TRUE;
}

/* The one-input form: exactly one -i, and none of the many-inputs
 * options. */
static gboolean
one_input (const Args *args)
{
  return args->inputs && args->inputs[0] && !args->inputs[1]
         && !args->shard && !args->each;
}

/* Command line, then the bank's defaults, then the table (see the top). */
gboolean
fm_cli_apply_resolve_options (const Args *args, const FmCliKernel *kernel, gboolean npy,
                              FmOptions *opts, GError **error)
{
  fm_options_init (opts);
  const FmBank *bank = kernel->bank;
  if (!bank)
    {
      /* A network's layers have their own padding, steps and activations. */
      static const FmOptionId shaping[] = {
        FM_OPT_PADDING, FM_OPT_BORDER, FM_OPT_STRIDE, FM_OPT_DILATION, FM_OPT_ACTIVATION,
      };
      for (gsize i = 0; i < G_N_ELEMENTS (shaping); i++)
        if (args->values[shaping[i]])
          {
            g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                         "apply: --%s shapes a bank's convolution; a network's layers "
                         "have their own (drop it)", fm_option_spec (shaping[i])->name);
            return FALSE;
          }
    }
  if (bank)
    {
      const gboolean keep[FM_N_OPTIONS] = { [FM_OPT_MAPPING] = npy };
      if (!fm_bank_apply_defaults (bank, opts, keep, error))
        return FALSE;
    }
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (args->values[id] && !fm_options_set_string (opts, id, args->values[id], error))
      return FALSE;
  return TRUE;
}

gboolean
fm_cli_apply_read_rows (gpointer data, int y0, int n_rows, float *pixels,
                        GError **error)
{
  (void) error;
  const FmCliImage *image = data;
  gsize row = (gsize) image->width * image->channels;
  memcpy (pixels, image->pixels + (gsize) y0 * row, n_rows * row * sizeof (float));
  return TRUE;
}

/* The one-input form, exactly as it always was. */
static gboolean
apply_one (const Args *args, const FmCliKernel *kernel, GError **error)
{
  FmCliImage image = { 0 };
  FmCliOutput *out = NULL;
  FmJob *job = NULL;
  gboolean ok = FALSE;

  if (!(out = fm_cli_output_new (args->output, error)))
    goto done;
  if (!fm_cli_image_load (args->inputs[0], &image, error))
    goto done;

  FmOptions opts;
  if (!fm_cli_apply_resolve_options (args, kernel, fm_cli_output_is_npy (out),
                                     &opts, error))
    goto done;

  FmImageInfo info = { image.width, image.height, image.channels };
  if (!(job = fm_job_new_for (&kernel->job, &opts, &info, error)))
    goto done;
  if (!fm_cli_output_begin (out, kernel->bank, job, opts.mapping, error))
    goto done;
  if (!fm_job_run (job, fm_cli_apply_read_rows, &image, fm_cli_output_sink, out,
                   NULL, NULL, error))
    goto done;
  ok = fm_cli_output_commit (out, error);

done:
  fm_job_free (job);
  fm_cli_output_free (out);
  fm_cli_image_clear (&image);
  return ok;
}

gboolean
fm_cli_apply (int argc, char **argv, GError **error)
{
  Args args = { 0 };
  FmCliKernel kernel = { 0 };
  gboolean ok = FALSE;

  if (!parse (argc, argv, &args, error))
    goto done;

  /* Every option value is checked before anything is read. */
  FmOptions check;
  fm_options_init (&check);
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (args.values[id] && !fm_options_set_string (&check, id, args.values[id], error))
      goto done;
  if (!fm_cli_kernel_check_input_options (args.input_values, error))
    goto done;

  /* every file this run reads is noted (fm-file.h): no output may be one */
  fm_file_log_begin ();
  if (one_input (&args))
    {
      /* The output's path is checked before the kernel is read, as always. */
      FmCliOutput *out = fm_cli_output_new (args.output, error);
      if (!out)
        goto done;
      fm_cli_output_free (out);
      if (!fm_cli_kernel_load (&kernel, args.kernel, args.layers, args.input_values, error))
        goto done;
      ok = apply_one (&args, &kernel, error);
    }
  else
    {
      if (!fm_cli_kernel_load (&kernel, args.kernel, args.layers, args.input_values, error))
        goto done;
      ok = fm_cli_batch_run (&args, &kernel, error);
    }

done:
  fm_file_log_end ();
  fm_cli_kernel_clear (&kernel);
  args_clear (&args);
  return ok;
}
