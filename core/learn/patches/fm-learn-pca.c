/* fm-learn-pca: the leading principal components of the patches.
 *
 * The covariance of the mean-removed patches (BLAS dsyrk), its eigenvectors
 * (LAPACK dsyevd), the K with the largest eigenvalues.  Each filter is a unit
 * vector, signed so its largest weight is positive, with bias −f·mean so a
 * map is the patch's coordinate along that component. */
#include "fm-learn-private.h"

#include <math.h>
#include <string.h>

gboolean
fm_learn_pca (const FmLearnPatches *p, int K, FmLearnFilters *out,
              FmLearnPatchReport *report, GError **error)
{
  const int n = p->n, dim = p->dim;
  double *X = fm_learn_patches_to_double (p);
  double *mean = g_new (double, dim);
  double *C = g_new (double, (gsize) dim * dim);
  double *ev = g_new (double, dim);
  gboolean ok = FALSE;

  fm_learn_centre (X, n, dim, mean);
  fm_learn_covariance (X, n, dim, C);
  if (!fm_learn_eigen (C, dim, ev, error))
    goto out;
  double total = 0, kept = 0;
  for (int d = 0; d < dim; d++)
    total += MAX (ev[d], 0.0);
  if (!(total > 0))
    {
      g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_FLAT,
                           "the patches do not vary: there is no texture to learn filters from");
      goto out;
    }

  out->filters = g_new (double, (gsize) K * dim);
  out->bias = g_new (double, K);
  out->score = g_new (double, K);
  for (int k = 0; k < K; k++)
    {
      const int col = dim - 1 - k;   /* eigenvalues ascending */
      double *f = out->filters + (gsize) k * dim;
      for (int d = 0; d < dim; d++)
        f[d] = C[(gsize) d * dim + col];
      fm_learn_fix_sign (f, dim);
      double b = 0;
      for (int d = 0; d < dim; d++)
        b -= f[d] * mean[d];
      out->bias[k] = b;
      out->score[k] = MAX (ev[col], 0.0) / total;
      kept += out->score[k];
    }
  report->objective = kept;
  report->iterations = 1;
  report->converged = TRUE;
  ok = TRUE;

out:
  g_free (X);
  g_free (mean);
  g_free (C);
  g_free (ev);
  return ok;
}
