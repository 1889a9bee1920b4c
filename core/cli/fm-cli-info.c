/* fm-cli-info: `featuremaps info KERNEL` and `featuremaps presets`. */
#include "fm-cli.h"
#include "fm-net-plan.h"

#include <stdio.h>

static gboolean
usage (GError **error, const char *msg)
{
  g_set_error_literal (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE, msg);
  return FALSE;
}

static void
print_input (const FmBank *bank)
{
  const char *mode = bank->input == FM_INPUT_AUTO
    ? (bank->channels == 1 ? "auto (luminance)"
       : bank->channels == 3 ? "auto (rgb)"
       : bank->channels == 4 ? "auto (rgba)" : "auto (the image's own channels)")
    : fm_option_value_name (FM_OPT_INPUT_MODE, bank->input);
  printf ("input:    %s; %s light; range 0..%g; order %s", mode,
          bank->linear ? "linear" : "perceptual (sRGB-encoded)",
          bank->range > 0 ? bank->range : 1.0, bank->bgr ? "BGR" : "RGB");
  for (int pass = 0; pass < 2; pass++)
    {
      int n = pass ? bank->n_std : bank->n_mean;
      const double *v = pass ? bank->std : bank->mean;
      if (!n)
        continue;
      printf ("; %s", pass ? "std" : "mean");
      for (int i = 0; i < n; i++)
        printf ("%s%g", i ? ", " : " ", v[i]);
    }
  printf ("\n");
}

static void
print_steps (const FmBank *bank)
{
  if (bank->stride_y || bank->stride_x)
    printf ("stride:   %d × %d (declared by the bank)\n", bank->stride_y, bank->stride_x);
  if (bank->dilation_y || bank->dilation_x)
    printf ("dilation: %d × %d (declared by the bank)\n", bank->dilation_y, bank->dilation_x);

  gboolean any = FALSE;
  for (int id = 0; id < FM_N_OPTIONS; id++)
    if (bank->defaults[id] >= 0)
      {
        printf ("%s%s %s", any ? ", " : "defaults: ", fm_option_spec (id)->name,
                fm_option_value_name (id, bank->defaults[id]));
        any = TRUE;
      }
  if (any)
    printf ("\n");
}

gboolean
fm_cli_info (int argc, char **argv, GError **error)
{
  if (argc != 2 || argv[1][0] == '-')
    return usage (error, argc < 2 ? "info: missing KERNEL (a preset name, a bank file or an inline matrix)"
                                  : "info: takes exactly one KERNEL");
  g_autofree char *model = NULL;
  g_auto (GStrv) layers = NULL;
  if (fm_net_spec_parse (argv[1], &model, &layers))
    return fm_cli_net_info (model, error);
  g_autoptr (FmBank) bank = fm_bank_load (argv[1], NULL, error);
  if (!bank)
    return FALSE;

  /* names and texts come from the file: escaped (fm_text_escape) */
  g_autofree char *name = fm_text_escape (bank->name ? bank->name : "(unnamed)", -1, 200);
  g_autofree char *about = fm_text_escape (bank->description, -1, 2000);
  g_autofree char *origin = bank->origin ? fm_file_display (bank->origin) : NULL;
  printf ("name:     %s\n", name);
  if (*about)
    printf ("about:    %s\n", about);
  if (origin)
    printf ("from:     %s\n", origin);
  printf ("shape:    %d filter%s of %d × %d × %d (rows × columns × channels)\n",
          bank->n_filters, bank->n_filters == 1 ? "" : "s", bank->kh, bank->kw,
          bank->channels);
  printf ("channels: %d\n", bank->channels);
  print_input (bank);
  printf ("mode:     %s\n", bank->convolve ? "convolve (kernel flipped)" : "correlate");
  print_steps (bank);

  printf ("filters:\n");
  int width = 4;
  g_auto (GStrv) names = g_new0 (char *, bank->n_filters + 1);
  for (int k = 0; k < bank->n_filters; k++)
    {
      names[k] = fm_text_escape (bank->filters[k].name, -1, 80);
      width = MAX (width, (int) g_utf8_strlen (names[k], -1));
    }
  gsize n = (gsize) bank->kh * bank->kw * bank->channels;
  for (int k = 0; k < bank->n_filters; k++)
    {
      const FmFilter *f = &bank->filters[k];
      double sum = 0;
      for (gsize i = 0; i < n; i++)
        sum += f->weights[i];
      const char *name = names[k];
      /* printf pads bytes, not characters: pad UTF-8 names by hand. */
      int pad = width - (int) g_utf8_strlen (name, -1);
      printf ("  %3d  %s%*s  sum %-10g bias %-10g divisor %-8g offset %g\n",
              k, name, pad, "", sum, (double) f->bias, f->divisor, f->offset);
    }
  return TRUE;
}

gboolean
fm_cli_presets (int argc, char **argv, GError **error)
{
  (void) argv;
  if (argc != 1)
    return usage (error, "presets: takes no arguments");
  GPtrArray *list = fm_presets_list (NULL);
  int width = 4, twidth = 5;
  for (guint i = 0; i < list->len; i++)
    {
      const FmPresetInfo *p = g_ptr_array_index (list, i);
      width = MAX (width, (int) g_utf8_strlen (p->name, -1));
      twidth = MAX (twidth, (int) g_utf8_strlen (p->title ? p->title : "", -1));
    }
  printf ("%-*s  %-*s  %-9s  %s\n", width, "name", twidth, "title", "where", "description");
  for (guint i = 0; i < list->len; i++)
    {
      const FmPresetInfo *p = g_ptr_array_index (list, i);
      const char *title = p->title ? p->title : "";
      printf ("%s%*s  %s%*s  %-9s  %s\n", p->name,
              width - (int) g_utf8_strlen (p->name, -1), "", title,
              twidth - (int) g_utf8_strlen (title, -1), "",
              p->where ? p->where : "", p->description ? p->description : "");
    }
  g_ptr_array_unref (list);
  return TRUE;
}
