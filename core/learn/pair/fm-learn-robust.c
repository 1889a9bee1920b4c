/* fm-learn-robust: --robust, iteratively reweighted least squares with
 * Huber's weights.
 *
 * Each round: the residuals' scale σ = 1.4826 · median, from a sample of
 * windows (every few rows, at most ROBUST_SAMPLE of them); then one pass
 * that gives each window the weight ψ(r/σ)/(r/σ) of its residual (its RMS
 * over the output channels) and adds Σ (ω − 1) z zᵀ to the unweighted
 * normal equations (only the down-weighted windows cost anything); then the
 * solve.  Stops when no weight of the kernel moves by more than 1e-6 (of
 * the largest), when the fit is exact (residuals at rounding level: nothing
 * to down-weight), or after ROBUST_MAX_ITERATIONS rounds. */
#include "fm-learn-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROBUST_MAX_ITERATIONS 12
#define ROBUST_SAMPLE 65536

static int
cmp_double (const void *a, const void *b)
{
  const double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  if (n == 0)
    return 0;
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The largest change of a weight, and (in scale) the largest weight. */
static double
max_change (const FmLearnSolution *a, const FmLearnSolution *b, int n, double *scale)
{
  double d = 0, m = 0;
  for (int i = 0; i < n; i++)
    {
      d = MAX (d, fabs (a->w[i] - b->w[i]));
      m = MAX (m, fabs (b->w[i]));
    }
  *scale = m;
  return d;
}

gboolean
fm_learn_robust (const FmLearnProblem *pb, double *M, FmLearnSolution *sol, double ridge,
                 FmLearnQuality *q, FmLearnProgress progress, gpointer progress_data,
                 double p0, double p1, GError **error)
{
  const gsize QQ = (gsize) pb->Q * pb->Q;
  double *M0 = g_memdup2 (M, QQ * sizeof (double));   /* the unweighted (masked) sums */
  FmLearnSolution prev = { 0 };
  gboolean ok = TRUE;
  for (int it = 0; it < ROBUST_MAX_ITERATIONS && ok; it++)
    {
      /* the scale, from a sample of the residuals */
      FmLearnPass sample = { .sol = sol, .weighting = FM_LEARN_WEIGHT_NONE,
                             .max_sample = ROBUST_SAMPLE };
      sample.row_step = MAX (1, (int) ((gint64) pb->Hv * pb->Wv * pb->S / (4 * ROBUST_SAMPLE)));
      ok = fm_learn_pass (pb, &sample, NULL, NULL, NULL, 0, 0, error);
      const double scale = 1.4826 * median (sample.sample, sample.n_sample);
      const double n_s = MAX (1.0, (double) sample.n_fit * pb->O);
      const double rms = sqrt (sample.sum_r2 / n_s);
      double sy = 0, sy2 = 0;
      for (int o = 0; o < pb->O; o++)
        sy += sample.sum_y[o], sy2 += sample.sum_y2[o];
      const double spread = sqrt (MAX (0.0, sy2 / n_s - (sy / n_s) * (sy / n_s)));
      fm_learn_pass_clear (&sample);
      if (!ok)
        break;
      /* an exact fit (residuals at rounding level): nothing to down-weight */
      if (!(scale > 1e-6 * spread) || !(rms > 1e-6 * spread))
        break;

      memcpy (M, M0, QQ * sizeof (double));
      FmLearnPass rw = { .sol = sol, .weighting = FM_LEARN_WEIGHT_CORRECT,
                         .base_masked = pb->mask != NULL, .huber = TRUE, .scale = scale };
      const double f0 = p0 + (p1 - p0) * it / ROBUST_MAX_ITERATIONS;
      const double f1 = p0 + (p1 - p0) * (it + 1) / ROBUST_MAX_ITERATIONS;
      if (!(ok = fm_learn_pass (pb, &rw, M, progress, progress_data, f0, f1, error)))
        break;
      q->downweighted = rw.n_fit ? (double) rw.n_down / rw.n_fit : 0;
      fm_learn_solution_clear (&prev);
      prev = *sol;
      memset (sol, 0, sizeof *sol);
      if (!(ok = fm_learn_solve (M, pb->P, pb->O, ridge, sol, error)))
        break;
      q->iterations = it + 2;
      double wscale;
      if (max_change (&prev, sol, pb->O * pb->P, &wscale) <= 1e-6 * MAX (1.0, wscale))
        break;
    }
  fm_learn_solution_clear (&prev);
  g_free (M0);
  return ok;
}
