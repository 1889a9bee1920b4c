/* fm-cli-sheet: `featuremaps info MODEL#LAYER --sheet OUT.png` (or a bank)
 * — one picture of the filters (fm-sheet.h): RGB tiles for filters of 3
 * channels, else a grid of filters (rows) × channels (columns) on the
 * diverging scale.  One line on stdout says what was drawn. */
#include "fm-cli-deep.h"
#include "fm-net-load.h"
#include "fm-net-plan.h"
#include "fm-sheet.h"

#include <stdio.h>
#include <string.h>

static gboolean
as_cli_error (GError **error, GError *local)
{
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "info: %s", local->message);
  g_error_free (local);
  return FALSE;
}

/* A bank's filters (kh × kw × C each, channels interleaved) as OIHW. */
static float *
bank_oihw (const FmBank *bank)
{
  const int K = bank->n_filters, C = bank->channels, kh = bank->kh, kw = bank->kw;
  float *w = g_new (float, (gsize) K * C * kh * kw);
  for (int k = 0; k < K; k++)
    for (int c = 0; c < C; c++)
      for (int i = 0; i < kh * kw; i++)
        w[(((gsize) k * C + c) * kh * kw) + i] = bank->filters[k].weights[(gsize) i * C + c];
  return w;
}

gboolean
fm_cli_sheet (const char *spec, const char *path, GError **error)
{
  g_autofree char *model = NULL;
  g_auto (GStrv) layers = NULL;
  g_autoptr (FmNetGraph) graph = NULL;
  g_autoptr (FmBank) bank = NULL;
  g_autofree float *weights = NULL;
  g_autofree char *what = NULL;
  int K, C, kh, kw;
  GError *local = NULL;

  if (fm_net_spec_parse (spec, &model, &layers))
    {
      if (!layers[0] || layers[1])
        {
          g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                       "info: --sheet draws one layer's filters: MODEL#LAYER");
          return FALSE;
        }
      if (!(graph = fm_net_graph_load (model, error)))
        return FALSE;
      const char *conv = NULL;
      const FmTensor *t = fm_sheet_layer_weights (graph, layers[0], &conv, &local);
      if (!t)
        return as_cli_error (error, local);
      K = (int) t->dims[0], C = (int) t->dims[1], kh = (int) t->dims[2], kw = (int) t->dims[3];
      weights = g_memdup2 (t->f, t->n * sizeof (float));
      /* A model fed BGR: its first layer's channels shown as R, G, B. */
      if (graph->decl.bgr && C == 3)
        for (int k = 0; k < K; k++)
          for (int i = 0; i < kh * kw; i++)
            {
              float *f = weights + (gsize) k * 3 * kh * kw;
              float tmp = f[i];
              f[i] = f[2 * kh * kw + i];
              f[2 * kh * kw + i] = tmp;
            }
      g_autofree char *name = fm_net_escape (conv);
      what = g_strdup_printf ("convolution '%s'", name);
    }
  else
    {
      if (!(bank = fm_bank_load (spec, NULL, error)))
        return FALSE;
      K = bank->n_filters, C = bank->channels, kh = bank->kh, kw = bank->kw;
      weights = bank_oihw (bank);
      what = g_strdup_printf ("bank '%s'", bank->name ? bank->name : spec);
    }

  int width, height;
  FmSheetLayout layout;
  g_autofree float *sheet = fm_sheet_render (weights, K, C, kh, kw, NULL, &width, &height,
                                             &layout, &local);
  if (!sheet)
    return as_cli_error (error, local);
  FmCliPngOut png;
  const char *inputs[] = { model ? model : spec, NULL };
  if (!fm_cli_png_out_begin (&png, path, width, height, inputs, error))
    return FALSE;
  if (!fm_cli_map_file_rows (png.file, sheet, height, error)
      || !fm_cli_png_out_finish (&png, error))
    {
      fm_cli_png_out_abandon (&png);
      return FALSE;
    }
  g_autofree char *display = g_filename_display_name (path);
  printf ("%s: %d × %d pixels, %s: %d filters of %d channel%s × %d × %d (%s)\n", display,
          width, height, layout == FM_SHEET_RGB ? "RGB tiles" : "filters × channels grid",
          K, C, C == 1 ? "" : "s", kh, kw, what);
  return TRUE;
}
