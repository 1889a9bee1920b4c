/* fm-learn-kmeans: spherical (gain-shape) k-means on whitened patches, as
 * Coates and Ng learn features: patches contrast-normalised and ZCA-whitened
 * (fm-learn-whiten.c), then, with unit centroids d_j,
 *
 *     s_i = d_jᵀ x_i for j = argmax_l |d_lᵀ x_i|   (one code per patch)
 *     d_j ← normalise (d_j + Σ_{i → j} s_i x_i)
 *
 * until the objective, the mean squared error of the 1-sparse code
 * (1/n) Σ_i ‖x_i − s_i d_j‖² = (1/n) Σ_i (‖x_i‖² − s_i²), falls by less than
 * 1e-6 of itself.  Adding
 * the old centroid keeps a centroid no patch picked alive.  Centroids start
 * at K distinct patches drawn with the seed; FM_LEARN_RESTARTS starts, the
 * best kept, make the result depend less on the draw.  The products are
 * BLAS dgemm.
 *
 * A centroid d in whitened space is the filter W d on the (normalised)
 * pixels, W the symmetric ZCA matrix; it is stored at unit norm, its sign
 * fixed, bias 0 (it answers to contrast, not to the mean). */
#include "fm-learn-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define MAX_ITERATIONS 300
#define TOLERANCE 1e-6

/* codes: best centroid per patch and its coefficient; returns the objective. */
static double
assign (const double *Xw, const double *norm2, const double *D, int n, int dim, int K,
        double *proj, int *best, double *coef)
{
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, K, dim, 1.0, Xw, dim, D, dim,
               0.0, proj, K);
  double obj = 0;
  for (int i = 0; i < n; i++)
    {
      const double *pr = proj + (gsize) i * K;
      int j = 0;
      for (int l = 1; l < K; l++)
        if (fabs (pr[l]) > fabs (pr[j]))
          j = l;
      best[i] = j;
      coef[i] = pr[j];
      obj += norm2[i] - pr[j] * pr[j];
    }
  return obj / n;
}

static void
normalise_rows (double *D, const double *fallback, int K, int dim)
{
  for (int j = 0; j < K; j++)
    {
      double *d = D + (gsize) j * dim, norm = 0;
      for (int k = 0; k < dim; k++)
        norm += d[k] * d[k];
      norm = sqrt (norm);
      if (norm > 0)
        for (int k = 0; k < dim; k++)
          d[k] /= norm;
      else
        memcpy (d, fallback + (gsize) j * dim, dim * sizeof (double));
    }
}

typedef struct {
  double *D;                    /* K × dim */
  double obj;
  int iterations;
  gboolean converged;
} Run;

static void
one_run (const double *Xw, const double *norm2, int n, int dim, int K, GRand *rand,
         double *proj, int *best, double *coef, Run *run)
{
  /* K distinct patches to start from */
  double *D = g_new (double, (gsize) K * dim);
  double *Dold = g_new (double, (gsize) K * dim);
  int *order = g_new (int, n);
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int j = 0; j < K; j++)
    {
      const int pick = g_rand_int_range (rand, j, n);
      const int t = order[j];
      order[j] = order[pick];
      order[pick] = t;
      memcpy (D + (gsize) j * dim, Xw + (gsize) order[j] * dim, dim * sizeof (double));
      double norm = 0;
      for (int k = 0; k < dim; k++)
        norm += D[(gsize) j * dim + k] * D[(gsize) j * dim + k];
      if (!(norm > 1e-20))
        for (int k = 0; k < dim; k++)
          D[(gsize) j * dim + k] = fm_learn_gauss (rand);
    }
  g_free (order);
  normalise_rows (D, D, K, dim);

  double obj = assign (Xw, norm2, D, n, dim, K, proj, best, coef), prev = INFINITY;
  int it = 0;
  gboolean converged = FALSE;
  while (it < MAX_ITERATIONS)
    {
      memcpy (Dold, D, (gsize) K * dim * sizeof (double));
      /* one short update per patch: a plain loop (a BLAS call each would
       * cost more than the arithmetic) */
      for (int i = 0; i < n; i++)
        {
          const double c = coef[i], *x = Xw + (gsize) i * dim;
          double *d = D + (gsize) best[i] * dim;
          for (int k = 0; k < dim; k++)
            d[k] += c * x[k];
        }
      normalise_rows (D, Dold, K, dim);
      it++;
      prev = obj;
      obj = assign (Xw, norm2, D, n, dim, K, proj, best, coef);
      if (fabs (prev - obj) <= TOLERANCE * MAX (fabs (obj), 1e-30))
        {
          converged = TRUE;
          break;
        }
    }

  g_free (Dold);
  run->D = D;
  run->obj = obj;
  run->iterations = it;
  run->converged = converged;
}

gboolean
fm_learn_kmeans (const FmLearnPatches *p, int K, guint32 seed, FmLearnFilters *out,
                 FmLearnPatchReport *report, GError **error)
{
  FmLearnWhite w;
  if (!fm_learn_white_prepare (p, &w, error))
    return FALSE;
  const int n = w.n, dim = w.dim;

  /* ZCA: V diag(1/√(λ + ε)) Vᵀ */
  double *Z = g_new0 (double, (gsize) dim * dim);
  double *VS = g_new (double, (gsize) dim * dim);
  for (int u = 0; u < dim; u++)
    for (int k = 0; k < dim; k++)
      VS[(gsize) u * dim + k] = w.V[(gsize) u * dim + k] / sqrt (MAX (w.ev[k], 0.0) + FM_LEARN_ZCA_EPS);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, dim, dim, dim, 1.0, VS, dim, w.V, dim,
               0.0, Z, dim);
  double *Xw = g_new (double, (gsize) n * dim);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, dim, dim, 1.0, w.X, dim, Z, dim,
               0.0, Xw, dim);

  double *norm2 = g_new (double, n);
  for (int i = 0; i < n; i++)
    norm2[i] = cblas_ddot (dim, Xw + (gsize) i * dim, 1, Xw + (gsize) i * dim, 1);
  double *D = NULL, *proj = g_new (double, (gsize) n * K);
  int *best = g_new (int, n);
  double *coef = g_new (double, n);
  double obj = INFINITY;
  int it = 0;
  gboolean converged = FALSE;
  GRand *rand = g_rand_new_with_seed (seed);
  for (int r = 0; r < FM_LEARN_RESTARTS; r++)
    {
      Run run = { 0 };
      one_run (Xw, norm2, n, dim, K, rand, proj, best, coef, &run);
      if (run.obj < obj)
        {
          g_free (D);
          D = run.D;
          obj = run.obj;
          it = run.iterations;
          converged = run.converged;
        }
      else
        g_free (run.D);
    }
  g_rand_free (rand);
  /* the winner's codes, for the shares */
  assign (Xw, norm2, D, n, dim, K, proj, best, coef);

  out->filters = g_new (double, (gsize) K * dim);
  out->bias = g_new0 (double, K);
  out->score = g_new0 (double, K);
  for (int i = 0; i < n; i++)
    out->score[best[i]] += 1.0 / n;
  for (int j = 0; j < K; j++)
    {
      double *f = out->filters + (gsize) j * dim;
      cblas_dgemv (CblasRowMajor, CblasNoTrans, dim, dim, 1.0, Z, dim, D + (gsize) j * dim, 1,
                   0.0, f, 1);
      const double norm = cblas_dnrm2 (dim, f, 1);
      if (norm > 0)
        cblas_dscal (dim, 1.0 / norm, f, 1);
      fm_learn_fix_sign (f, dim);
    }
  report->objective = obj;
  report->iterations = it;
  report->converged = converged;

  g_free (Z);
  g_free (VS);
  g_free (Xw);
  g_free (D);
  g_free (norm2);
  g_free (proj);
  g_free (best);
  g_free (coef);
  fm_learn_white_clear (&w);
  return TRUE;
}
