/* fm-cli: main — picks the subcommand, prints the one error line. */
#include "fm-cli.h"
#include "fm-cli-signals.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  gboolean (*run) (int argc, char **argv, GError **error);
  const char *usage;
} commands[] = {
  { "apply", fm_cli_apply, "apply -k KERNEL -i INPUT -o OUTPUT [OPTION…]   run a filter bank on an image" },
  { "apply", fm_cli_apply, "apply -k KERNEL -o OUTDIR INPUT… [OPTION…]    … on many images (files, folders)" },
  { "presets", fm_cli_presets, "presets                                   list the preset banks" },
  { "info", fm_cli_info, "info KERNEL                               describe a bank: shape, filters, sums" },
  { "info", fm_cli_info, "info MODEL#LAYER --sheet OUT.png          a picture of the layer's filters" },
  { "rank", fm_cli_rank, "rank MODEL#LAYER -i INPUT [--mask MASK] [--by mean|max]   the channels, most active first" },
  { "summary", fm_cli_summary, "summary MODEL#LAYER -i INPUT -o OUT.png [--mask MASK]   first three principal components as RGB" },
  { "learn", fm_cli_learn, "learn --before B --after A --size KHxKW -o BANK.json   learn a bank (also --patches IMAGE…)" },
  { "bench", fm_cli_bench, "bench                                     time the standard workloads" },
};

static void
print_help (void)
{
  printf ("Usage:\n  featuremaps --version\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    printf ("  featuremaps %s\n", commands[i].usage);
  g_autofree char *files = fm_formats_suffixes (FM_FORMAT_BANK, FALSE, ", ");
  printf ("\nKERNEL is a preset name (featuremaps presets), a bank file (%s, "
          "optionally\nwith :hwio or :oihw) or an inline matrix "
          "such as \"0,1,0; 0,1,0; 0,1,0\" (filters separated by |).\n\n", files);
  g_autofree char *help = fm_cli_apply_help ();
  fputs (help, stdout);
}

/* One line of reasonable length, whatever the message holds: the
 * readers escape the user's bytes they quote; this is the net under them
 * (control characters, bytes that are not UTF-8, a 5000-byte path).  Many
 * inputs with some failed: the message is the run's summary, the status 1. */
static int
fail (GError *error)
{
  g_autofree char *line = fm_text_one_line (error->message);
  fprintf (stderr, "featuremaps: %s\n", line);
  int status = g_error_matches (error, FM_CLI_ERROR, FM_CLI_ERROR_PARTIAL)
               ? FM_CLI_EXIT_SOME_FAILED : FM_CLI_EXIT_FAIL;
  g_error_free (error);
  return status;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* interrupted runs leave no temporary output (fm-cli-signals.h) */
  fm_cli_signals_install ();
  GError *error = NULL;

  if (argc < 2)
    {
      g_set_error_literal (&error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                           "missing command (apply, presets, info, rank, summary, learn or bench); "
                           "see featuremaps --help");
      return fail (error);
    }
  if (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")
      || !strcmp (argv[1], "help"))
    {
      print_help ();
      return FM_CLI_EXIT_OK;
    }
  if (!strcmp (argv[1], "--version") || !strcmp (argv[1], "-V"))
    {
      printf ("featuremaps %s\n", FM_VERSION);
      return FM_CLI_EXIT_OK;
    }

  /* every file any command reads is noted (fm-file.h): no output of the
   * run may be one of them */
  fm_file_log_begin ();
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (!strcmp (argv[1], commands[i].name))
      {
        gboolean ok = commands[i].run (argc - 1, argv + 1, &error);
        fm_cli_gegl_stop ();
        return ok ? FM_CLI_EXIT_OK : fail (error);
      }

  g_set_error (&error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
               "unknown command '%s' (apply, presets, info, rank, summary, learn or bench); see "
               "featuremaps --help", argv[1]);
  return fail (error);
}
