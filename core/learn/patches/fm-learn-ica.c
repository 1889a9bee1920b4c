/* fm-learn-ica: FastICA on contrast-normalised patches (Hyvärinen's
 * symmetric fixed point with G = log cosh, as sklearn's FastICA with
 * algorithm 'parallel').
 *
 * The patches are whitened onto their K leading principal components
 * (fm-learn-whiten.c): z = Λ^(−1/2) Vᵀ x.  Then, with W (K × K) orthonormal,
 *
 *     W ← E[g(W z) zᵀ] − diag(E[g′(W z)]) W,   g = tanh,
 *     W ← (W Wᵀ)^(−1/2) W                        (dsyevd of W Wᵀ)
 *
 * until every row turns by less than 1e-4 (max |1 − |⟨w_new, w_old⟩||);
 * FM_LEARN_RESTARTS random starts, the most non-Gaussian result kept.
 * Each source s_k = w_k · z scores its negentropy (E log cosh s − E log cosh ν)²,
 * ν standard normal; the filters are sorted by it.  A row w is the filter
 * V Λ^(−1/2) w on the normalised pixels, stored at unit norm, signed so the
 * source is positively skewed, bias 0. */
#include "fm-learn-private.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#define MAX_ITERATIONS 400
#define TOLERANCE 1e-4
/* E[log cosh ν] for ν ~ N(0, 1) */
#define LOGCOSH_GAUSS 0.374567207491438

/* W ← (W Wᵀ)^(−1/2) W */
static gboolean
decorrelate (double *W, int K, double *tmp, double *ev, GError **error)
{
  double *A = tmp, *B = tmp + (gsize) K * K, *C = tmp + 2 * (gsize) K * K;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, K, K, K, 1.0, W, K, W, K, 0.0, A, K);
  lapack_int info = LAPACKE_dsyevd (LAPACK_ROW_MAJOR, 'V', 'U', K, A, K, ev);
  if (info != 0)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SOLVE,
                   "FastICA's decorrelation failed (LAPACK dsyevd info %d)", (int) info);
      return FALSE;
    }
  /* B = E diag(1/√λ) Eᵀ */
  for (int u = 0; u < K; u++)
    for (int k = 0; k < K; k++)
      C[(gsize) u * K + k] = A[(gsize) u * K + k] / sqrt (MAX (ev[k], 1e-300));
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, K, K, K, 1.0, C, K, A, K, 0.0, B, K);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, K, K, K, 1.0, B, K, W, K, 0.0, C, K);
  memcpy (W, C, (gsize) K * K * sizeof (double));
  return TRUE;
}

/* Source k's negentropy (columns of Y, n × K) and, if asked, its skew. */
static double
negentropy (const double *Y, int n, int K, int k, double *skew)
{
  double lc = 0, s3 = 0;
  for (int i = 0; i < n; i++)
    {
      const double s = Y[(gsize) i * K + k];
      lc += log (cosh (s));
      s3 += s * s * s;
    }
  if (skew)
    *skew = s3 / n;
  return (lc / n - LOGCOSH_GAUSS) * (lc / n - LOGCOSH_GAUSS);
}

/* One run of the fixed point from a random orthonormal start; leaves W and,
 * in Y, the sources W z of every patch. */
static gboolean
fixed_point (const double *Zm, int n, int K, GRand *rand, double *W, double *W1, double *Y,
             double *gp, double *tmp, double *ev, int *iterations, gboolean *converged,
             GError **error)
{
  for (int i = 0; i < K * K; i++)
    W[i] = fm_learn_gauss (rand);
  if (!decorrelate (W, K, tmp, ev, error))
    return FALSE;
  int it = 0;
  *converged = FALSE;
  while (it < MAX_ITERATIONS)
    {
      /* Y = Z Wᵀ: row i holds the K sources of patch i; then g and g′ */
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, K, K, 1.0, Zm, K, W, K, 0.0, Y, K);
      memset (gp, 0, K * sizeof (double));
      for (gsize i = 0; i < (gsize) n * K; i++)
        {
          const double t = tanh (Y[i]);
          Y[i] = t;
          gp[i % K] += 1.0 - t * t;
        }
      /* W1 = g(Y)ᵀ Z / n − diag(mean g′) W */
      cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, K, n, 1.0 / n, Y, K, Zm, K,
                   0.0, W1, K);
      for (int k = 0; k < K; k++)
        for (int j = 0; j < K; j++)
          W1[(gsize) k * K + j] -= gp[k] / n * W[(gsize) k * K + j];
      if (!decorrelate (W1, K, tmp, ev, error))
        return FALSE;
      double lim = 0;
      for (int k = 0; k < K; k++)
        {
          const double dot = cblas_ddot (K, W1 + (gsize) k * K, 1, W + (gsize) k * K, 1);
          lim = MAX (lim, fabs (fabs (dot) - 1.0));
        }
      memcpy (W, W1, (gsize) K * K * sizeof (double));
      it++;
      if (lim < TOLERANCE)
        {
          *converged = TRUE;
          break;
        }
    }
  *iterations = it;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, K, K, 1.0, Zm, K, W, K, 0.0, Y, K);
  return TRUE;
}

gboolean
fm_learn_ica (const FmLearnPatches *p, int K, guint32 seed, FmLearnFilters *out,
              FmLearnPatchReport *report, GError **error)
{
  FmLearnWhite w;
  if (!fm_learn_white_prepare (p, &w, error))
    return FALSE;
  const int n = w.n, dim = w.dim;
  gboolean ok = FALSE;
  const double top = w.ev[dim - 1];
  if (!(w.ev[dim - K] > top * 1e-10))
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_FLAT,
                   "the patches vary in fewer than %d directions: learn fewer filters "
                   "or use images with more texture", K);
      fm_learn_white_clear (&w);
      return FALSE;
    }

  /* whitening to the K leading components: Wh (dim × K) = V_K Λ_K^(−1/2) */
  double *Wh = g_new (double, (gsize) dim * K);
  for (int u = 0; u < dim; u++)
    for (int k = 0; k < K; k++)
      {
        const int col = dim - 1 - k;
        Wh[(gsize) u * K + k] = w.V[(gsize) u * dim + col] / sqrt (w.ev[col]);
      }
  double *Zm = g_new (double, (gsize) n * K);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, K, dim, 1.0, w.X, dim, Wh, K,
               0.0, Zm, K);

  double *W = g_new (double, (gsize) K * K);
  double *W1 = g_new (double, (gsize) K * K);
  double *Wbest = g_new (double, (gsize) K * K);
  double *Y = g_new (double, (gsize) n * K);
  double *gp = g_new (double, K);
  double *tmp = g_new (double, 3 * (gsize) K * K);
  double *ev = g_new (double, K);
  GRand *rand = g_rand_new_with_seed (seed);
  double best = -1;
  int it = 0;
  gboolean converged = FALSE;
  for (int r = 0; r < FM_LEARN_RESTARTS; r++)
    {
      int run_it = 0;
      gboolean run_converged = FALSE;
      if (!fixed_point (Zm, n, K, rand, W, W1, Y, gp, tmp, ev, &run_it, &run_converged, error))
        {
          g_rand_free (rand);
          goto out;
        }
      double J = 0;
      for (int k = 0; k < K; k++)
        J += negentropy (Y, n, K, k, NULL);
      if (J > best)
        {
          best = J;
          memcpy (Wbest, W, (gsize) K * K * sizeof (double));
          it = run_it;
          converged = run_converged;
        }
    }
  g_rand_free (rand);
  memcpy (W, Wbest, (gsize) K * K * sizeof (double));

  /* the sources, their negentropy and skew; the filters Wh wᵀ */
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, K, K, 1.0, Zm, K, W, K, 0.0, Y, K);
  out->filters = g_new (double, (gsize) K * dim);
  out->bias = g_new0 (double, K);
  out->score = g_new0 (double, K);
  double total = 0;
  for (int k = 0; k < K; k++)
    {
      double skew;
      const double J = negentropy (Y, n, K, k, &skew);
      out->score[k] = J;
      total += J;
      double *f = out->filters + (gsize) k * dim;
      cblas_dgemv (CblasRowMajor, CblasNoTrans, dim, K, 1.0, Wh, K, W + (gsize) k * K, 1,
                   0.0, f, 1);
      const double norm = cblas_dnrm2 (dim, f, 1);
      cblas_dscal (dim, (skew < 0 ? -1.0 : 1.0) / norm, f, 1);
    }
  report->objective = total;
  report->iterations = it;
  report->converged = converged;
  ok = TRUE;

out:
  g_free (Wh);
  g_free (Zm);
  g_free (W);
  g_free (W1);
  g_free (Wbest);
  g_free (Y);
  g_free (gp);
  g_free (tmp);
  g_free (ev);
  fm_learn_white_clear (&w);
  return ok;
}
