/* fm-cli-summary: `featuremaps summary MODEL#LAYER -i IMAGE -o OUT.png
 * [--mask MASK]` — one RGB picture of a layer: its first three principal
 * components (fm-pca.h), on the layer's own grid.  Two passes through the
 * network; the covariance comes from the pixels inside the mask, every
 * pixel is projected.  The components' share of the variance goes to
 * stdout, one line each. */
#include "fm-cli-deep.h"
#include "fm-pca.h"

#include <stdio.h>

typedef struct {
  FmCliDeep *deep;
  FmPca *pca;
  FmCliPngOut png;
  float *rgb;
  gsize rgb_len;
} Summary;

static gboolean
covariance_band (gpointer data, int y0, int n_rows, const float *maps,
                 gsize plane_stride, int width, GError **error)
{
  (void) error;
  Summary *s = data;
  const float *mask = s->deep->mask ? s->deep->mask + (gsize) y0 * width : NULL;
  fm_pca_accumulate (s->pca, maps, plane_stride, width, n_rows, mask);
  return TRUE;
}

static gboolean
project_band (gpointer data, int y0, int n_rows, const float *maps,
              gsize plane_stride, int width, GError **error)
{
  (void) y0;
  Summary *s = data;
  const gsize n = (gsize) n_rows * width * FM_PCA_COMPONENTS;
  if (n > s->rgb_len)
    {
      g_free (s->rgb);
      s->rgb = g_new (float, n);
      s->rgb_len = n;
    }
  fm_pca_project (s->pca, maps, plane_stride, width, n_rows, s->rgb);
  fm_pca_to_rgb (s->pca, s->rgb, (gsize) n_rows * width, s->rgb);
  return fm_cli_map_file_rows (s->png.file, s->rgb, n_rows, error);
}

gboolean
fm_cli_summary (int argc, char **argv, GError **error)
{
  FmCliDeepArgs args = { 0 };
  FmCliDeep deep = { 0 };
  Summary s = { .deep = &deep };
  gboolean ok = FALSE;
  GError *local = NULL;
  const GOptionEntry own[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &args.output,
      "The summary: an 8-bit RGB PNG on the layer's grid (components 1, 2, 3 as red, "
      "green, blue; ±3 standard deviations span 0..255)", "OUT.png" },
    { NULL },
  };
  if (!fm_cli_deep_parse ("summary",
                          "- a layer's first three principal components as RGB",
                          own, argc, argv, &args, error))
    goto done;
  if (!args.output)
    {
      g_set_error_literal (error, FM_CLI_ERROR, FM_CLI_ERROR_USAGE,
                           "summary: missing -o OUT.png");
      goto done;
    }
  if (!fm_cli_deep_open (&deep, "summary", &args, error))
    goto done;
  /* The output's name is checked before the long part. */
  const char *inputs[] = { args.input, args.mask, NULL };
  if (!fm_cli_png_out_begin (&s.png, args.output, deep.out->out_w, deep.out->out_h,
                             inputs, error))
    goto done;
  if (!(s.pca = fm_pca_new (deep.out->n_layers, &local)))
    goto fail_local;
  if (!fm_cli_deep_run (&deep, 1, 2, "covariance", covariance_band, &s, error))
    goto done;
  if (!fm_pca_solve (s.pca, &local))
    goto fail_local;

  if (!fm_cli_deep_run (&deep, 2, 2, "projection", project_band, &s, error))
    goto done;
  if (!fm_cli_png_out_finish (&s.png, error))
    goto done;
  for (int c = 0; c < fm_pca_n_components (s.pca); c++)
    printf ("component %d (%s): variance %.6g, %.1f%% of the total\n", c + 1,
            (const char *[]) { "red", "green", "blue" }[c], fm_pca_variance (s.pca, c),
            100.0 * fm_pca_explained (s.pca, c));
  ok = TRUE;
  goto done;

fail_local:
  g_set_error (error, FM_CLI_ERROR, FM_CLI_ERROR_INPUT, "summary: %s", local->message);
  g_error_free (local);
done:
  fm_cli_png_out_abandon (&s.png);
  fm_pca_free (s.pca);
  g_free (s.rgb);
  fm_cli_deep_clear (&deep);
  fm_cli_deep_args_clear (&args);
  return ok;
}
