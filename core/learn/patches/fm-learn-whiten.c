/* fm-learn-whiten: what k-means and ICA do to patches first.
 *
 * Contrast normalisation (each patch minus its mean, over its standard
 * deviation; FM_LEARN_CN_EPS keeps flat patches finite), centring, then the
 * eigen-decomposition of the covariance (BLAS dsyrk, LAPACK dsyevd), from
 * which k-means builds ZCA whitening and ICA a PCA whitening to K
 * dimensions. */
#include "fm-learn-private.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

double *
fm_learn_patches_to_double (const FmLearnPatches *p)
{
  const gsize n = (gsize) p->n * p->dim;
  double *X = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    X[i] = p->data[i];
  return X;
}

void
fm_learn_contrast_normalise (double *X, int n, int dim, double eps)
{
  for (int i = 0; i < n; i++)
    {
      double *x = X + (gsize) i * dim, mean = 0, var = 0;
      for (int d = 0; d < dim; d++)
        mean += x[d];
      mean /= dim;
      for (int d = 0; d < dim; d++)
        var += (x[d] - mean) * (x[d] - mean);
      var /= dim;
      const double inv = 1.0 / sqrt (var + eps);
      for (int d = 0; d < dim; d++)
        x[d] = (x[d] - mean) * inv;
    }
}

void
fm_learn_centre (double *X, int n, int dim, double *mean)
{
  memset (mean, 0, dim * sizeof (double));
  for (int i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      mean[d] += X[(gsize) i * dim + d];
  for (int d = 0; d < dim; d++)
    mean[d] /= n;
  for (int i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      X[(gsize) i * dim + d] -= mean[d];
}

void
fm_learn_covariance (const double *X, int n, int dim, double *C)
{
  memset (C, 0, (gsize) dim * dim * sizeof (double));
  cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, dim, n, 1.0 / n, X, dim, 0.0, C, dim);
  for (int u = 0; u < dim; u++)
    for (int v = 0; v < u; v++)
      C[(gsize) u * dim + v] = C[(gsize) v * dim + u];
}

gboolean
fm_learn_eigen (double *A, int dim, double *values, GError **error)
{
  lapack_int info = LAPACKE_dsyevd (LAPACK_ROW_MAJOR, 'V', 'U', dim, A, dim, values);
  if (info != 0)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SOLVE,
                   "the eigen-decomposition of the patches' covariance failed "
                   "(LAPACK dsyevd info %d)", (int) info);
      return FALSE;
    }
  return TRUE;
}


gboolean
fm_learn_white_prepare (const FmLearnPatches *p, FmLearnWhite *w, GError **error)
{
  memset (w, 0, sizeof *w);
  w->n = p->n;
  w->dim = p->dim;
  w->X = fm_learn_patches_to_double (p);
  w->mean = g_new (double, p->dim);
  w->V = g_new (double, (gsize) p->dim * p->dim);
  w->ev = g_new (double, p->dim);
  fm_learn_contrast_normalise (w->X, p->n, p->dim, FM_LEARN_CN_EPS);
  fm_learn_centre (w->X, p->n, p->dim, w->mean);
  fm_learn_covariance (w->X, p->n, p->dim, w->V);
  if (!fm_learn_eigen (w->V, p->dim, w->ev, error))
    {
      fm_learn_white_clear (w);
      return FALSE;
    }
  if (!(w->ev[p->dim - 1] > 0))
    {
      g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_FLAT,
                           "the patches do not vary: there is no texture to learn filters from");
      fm_learn_white_clear (w);
      return FALSE;
    }
  return TRUE;
}

void
fm_learn_white_clear (FmLearnWhite *w)
{
  g_free (w->X);
  g_free (w->mean);
  g_free (w->V);
  g_free (w->ev);
  memset (w, 0, sizeof *w);
}

void
fm_learn_fix_sign (double *v, int dim)
{
  int best = 0;
  for (int d = 1; d < dim; d++)
    if (fabs (v[d]) > fabs (v[best]))
      best = d;
  if (v[best] < 0)
    for (int d = 0; d < dim; d++)
      v[d] = -v[d];
}

double
fm_learn_gauss (GRand *rand)
{
  double u1;
  do
    u1 = g_rand_double (rand);
  while (u1 <= 0.0);
  const double u2 = g_rand_double (rand);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}
