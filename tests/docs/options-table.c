/* Prints the README's options table from fm_option_spec(), so the README
 * says exactly what the PDB, the command line and the dialog say.
 *   options-table            print the table (markdown)
 *   options-table README.md  exit 1 unless README.md holds it verbatim */
#include <stdio.h>
#include <string.h>
#include "fm-options.h"

/* A '|' in help text ("|v|") would end a markdown table cell. */
static void
append_cell (GString *s, const char *text)
{
  for (const char *c = text; *c; c++)
    {
      if (*c == '|')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *c);
    }
}

static char *
table (void)
{
  GString *s = g_string_new ("| option | PDB # | values | meaning |\n|---|---|---|---|\n");
  for (int i = 0; i < FM_N_OPTIONS; i++)
    {
      const FmOptionSpec *spec = fm_option_spec (i);
      g_autofree char *range = fm_option_describe_range (i);
      g_string_append_printf (s, "| `%s` | %d | %s | ", spec->name, i + 4, range);
      append_cell (s, spec->help);
      if (spec->choices)
        for (int c = 0; spec->choices[c]; c++)
          {
            g_string_append_printf (s, " `%s`: ", spec->choices[c]);
            append_cell (s, spec->choice_help[c]);
            g_string_append_c (s, '.');
          }
      if (!spec->cli)
        g_string_append (s, " (GIMP only)");
      g_string_append (s, " |\n");
    }
  return g_string_free (s, FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree char *t = table ();
  if (argc < 2)
    {
      fputs (t, stdout);
      return 0;
    }
  g_autofree char *readme = NULL;
  if (!g_file_get_contents (argv[1], &readme, NULL, NULL))
    {
      fprintf (stderr, "cannot read %s\n", argv[1]);
      return 1;
    }
  if (!strstr (readme, t))
    {
      fprintf (stderr, "%s does not hold the options table; regenerate it with:\n"
               "  build/tests/docs/options-table\n--- expected:\n%s", argv[1], t);
      return 1;
    }
  return 0;
}
