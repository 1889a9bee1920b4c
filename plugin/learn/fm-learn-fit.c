/* fm-learn-fit: the host-independent half of learning in the plug-in (see
 * fm-learn-fit.h). */
#include "fm-learn-fit.h"

#include <string.h>

void
fm_learn_run_result_clear (FmLearnRunResult *result)
{
  g_free (result->path);
  g_free (result->preset);
  g_free (result->warnings);
  memset (result, 0, sizeof *result);
}

gboolean
fm_learn_fit_bad_input (const GError *error)
{
  return error && error->domain == FM_LEARN_ERROR
         && error->code != FM_LEARN_ERROR_SOLVE
         && error->code != FM_LEARN_ERROR_CANCELLED
         && error->code != FM_LEARN_ERROR_SAVE;
}

/* The saved file's stem: the name plug-in-feature-maps and the chooser use. */
static char *
stem_of (const char *path)
{
  char *stem = g_path_get_basename (path);
  char *dot = strrchr (stem, '.');
  if (dot && dot != stem)
    *dot = '\0';
  return stem;
}

static gboolean
save (FmBank *bank, const char *folder, const char *name, FmLearnRunResult *result,
      GError **error)
{
  char *path = fm_learn_save_bank (bank, folder, name, error);
  if (!path)
    return FALSE;
  result->path = path;
  result->preset = stem_of (path);
  result->n_filters = bank->n_filters;
  return TRUE;
}

gboolean
fm_learn_fit_pair (const FmLearnImage *before, const FmLearnImage *after,
                   const FmLearnImage *mask, const FmLearnPairOptions *options,
                   const char *folder, FmLearnProgress progress, gpointer progress_data,
                   FmLearnRunResult *result, GError **error)
{
  memset (result, 0, sizeof *result);
  FmLearnPairOptions opt = *options;
  if (!opt.name || !*opt.name)
    opt.name = "Learned";
  FmLearnQuality q = { 0 };
  FmBank *bank = fm_learn_pair (before, after, mask, &opt, &q, progress, progress_data,
                                error);
  if (!bank)
    {
      fm_learn_quality_clear (&q);
      return FALSE;
    }
  gboolean ok = save (bank, folder, opt.name, result, error);
  fm_bank_free (bank);
  if (ok)
    {
      result->psnr = q.psnr;
      result->rms = q.rms;
      result->warnings = q.warnings ? g_strjoinv ("\n", q.warnings) : g_strdup ("");
    }
  fm_learn_quality_clear (&q);
  return ok;
}

/* The core numbers the images it learns from; here there is one, a layer. */
static void
name_the_layer (GError *error)
{
  if (!error || !strstr (error->message, "image 1"))
    return;
  g_auto (GStrv) parts = g_strsplit (error->message, "image 1", -1);
  g_free (error->message);
  error->message = g_strjoinv ("the layer", parts);
}

gboolean
fm_learn_fit_patches (const FmLearnImage *image, const FmLearnPatchOptions *options,
                      const char *folder, FmLearnRunResult *result, GError **error)
{
  memset (result, 0, sizeof *result);
  GError *local = NULL;
  FmLearnPatches *patches = fm_learn_sample_patches (image, 1, options, &local);
  FmLearnPatchReport report = { 0 };
  FmBank *bank = patches ? fm_learn_patches (patches, options, &report, &local) : NULL;
  if (!bank)
    {
      name_the_layer (local);
      g_propagate_error (error, local);
      fm_learn_patches_free (patches);
      return FALSE;
    }
  const char *name = options->name && *options->name ? options->name : bank->name;
  gboolean ok = save (bank, folder, name, result, error);
  if (ok)
    {
      result->n_patches = patches->n;
      result->objective = report.objective;
      result->converged = report.converged;
      result->warnings = g_strdup ("");
      if (!report.converged && options->method != FM_LEARN_METHOD_PCA)
        {
          g_free (result->warnings);
          result->warnings = g_strdup_printf (
            "%s did not converge in %d iterations: the filters are usable but "
            "another seed may do better", fm_learn_method_name (options->method),
            report.iterations);
        }
    }
  fm_bank_free (bank);
  fm_learn_patches_free (patches);
  return ok;
}

char *
fm_learn_fit_summary (const FmLearnRunResult *r, gboolean pair, FmLearnMethod method)
{
  if (pair)
    return g_strdup_printf ("Residual RMS %.3g, PSNR %.2f dB", r->rms, r->psnr);
  switch (method)
    {
    case FM_LEARN_METHOD_PCA:
      return g_strdup_printf ("%d pca filters from %d patches: %.1f %% of the patch "
                              "variance explained", r->n_filters, r->n_patches,
                              100 * r->objective);
    case FM_LEARN_METHOD_KMEANS:
      return g_strdup_printf ("%d kmeans filters from %d patches: mean squared error "
                              "of the code %.4g", r->n_filters, r->n_patches, r->objective);
    default:
      return g_strdup_printf ("%d ica filters from %d patches: negentropy %.4g",
                              r->n_filters, r->n_patches, r->objective);
    }
}
