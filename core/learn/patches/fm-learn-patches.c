/* fm-learn-patches: the unsupervised methods' entry point — runs pca, kmeans
 * or ica on sampled patches (fm-learn-sample.c) and makes the bank: filters
 * sorted by the variance they explain, how often they are picked or their
 * negentropy, and named after it. */
#include "fm-learn-private.h"

#include <stdlib.h>

typedef struct {
  int k;
  double score;
} Rank;

static int
by_score (const void *a, const void *b)
{
  const Rank *x = a, *y = b;
  if (x->score != y->score)
    return x->score < y->score ? 1 : -1;
  return x->k - y->k; /* stable: equal scores keep their order */
}

FmBank *
fm_learn_patches (const FmLearnPatches *patches, const FmLearnPatchOptions *opt,
                  FmLearnPatchReport *report, GError **error)
{
  g_return_val_if_fail (patches && opt, NULL);
  const int K = opt->n_filters, dim = patches->dim;
  FmLearnPatchReport rep = { 0 };
  FmLearnFilters f = { 0 };
  gboolean ok;
  switch (opt->method)
    {
    case FM_LEARN_METHOD_PCA:
      ok = fm_learn_pca (patches, K, &f, &rep, error);
      break;
    case FM_LEARN_METHOD_KMEANS:
      ok = fm_learn_kmeans (patches, K, opt->seed, &f, &rep, error);
      break;
    case FM_LEARN_METHOD_ICA:
      ok = fm_learn_ica (patches, K, opt->seed, &f, &rep, error);
      break;
    default:
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_INVALID,
                   "method %d: must be pca, kmeans or ica", opt->method);
      return NULL;
    }
  if (!ok)
    return NULL;

  Rank *rank = g_new (Rank, K);
  for (int k = 0; k < K; k++)
    rank[k] = (Rank) { k, f.score[k] };
  qsort (rank, K, sizeof *rank, by_score);

  const char *method = fm_learn_method_name (opt->method);
  g_autofree char *fallback = g_strdup_printf ("Learned (%s)", method);
  FmBank *bank = fm_bank_new (opt->name && *opt->name ? opt->name : fallback,
                              patches->kh, patches->kw, patches->channels, K);
  g_free (bank->kind);
  bank->kind = g_strdup ("learned");
  g_free (bank->description);
  bank->description = g_strdup_printf (
    "Learned from %d patches of %d × %d × %d by %s (seed %u): %s.", patches->n,
    patches->kh, patches->kw, patches->channels, method, opt->seed,
    fm_learn_method_help (opt->method));
  bank->input = patches->input;
  bank->defaults[FM_OPT_PADDING] = FM_PADDING_SAME;
  bank->defaults[FM_OPT_BORDER] = FM_BORDER_CLAMP;
  bank->defaults[FM_OPT_MAPPING] = FM_MAPPING_NORMALIZE;
  static const char *const stem[] = { "pc", "k-means", "ic" };
  for (int r = 0; r < K; r++)
    {
      const int k = rank[r].k;
      FmFilter *flt = &bank->filters[r];
      g_free (flt->name);
      if (opt->method == FM_LEARN_METHOD_ICA)
        flt->name = g_strdup_printf ("%s %d (negentropy %.3g)", stem[opt->method], r + 1,
                                     f.score[k]);
      else
        flt->name = g_strdup_printf ("%s %d (%.1f %%%s)", stem[opt->method], r + 1,
                                     100 * f.score[k],
                                     opt->method == FM_LEARN_METHOD_PCA ? " of the variance"
                                                                        : " of the patches");
      for (int d = 0; d < dim; d++)
        flt->weights[d] = (float) f.filters[(gsize) k * dim + d];
      flt->bias = (float) f.bias[k];
    }
  g_free (rank);
  g_free (f.filters);
  g_free (f.bias);
  g_free (f.score);
  if (!fm_bank_validate (bank, error))
    {
      fm_bank_free (bank);
      return NULL;
    }
  if (report)
    *report = rep;
  return bank;
}
