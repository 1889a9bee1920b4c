/* fm-learn-solve: the normal equations, by LAPACK.
 *
 * From M (fm-learn-private.h) with n = Σ weights, the per-window means μ of
 * the taps and ȳ of the targets give the centred system
 *
 *     (C + λI) w_o = c_o,   C = XᵀX/n − μμᵀ,   c_o = Xᵀy_o/n − μ ȳ_o,
 *     bias_o = ȳ_o − μᵀ w_o,
 *
 * which is the least-squares fit with a bias that the ridge λ does not
 * penalise, in units that do not depend on the image size.  Its eigenvalues
 * (dsyevd) give the condition number the report quotes.  Cholesky (dpotrf /
 * dpotrs) solves it when it is well enough conditioned; otherwise the
 * eigen-decomposition already at hand solves it, dropping the directions
 * whose eigenvalue is below 1e-12 of the largest (the minimum-norm fit). */
#include "fm-learn-private.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Above this, Cholesky's answer would carry less than ~4 good digits. */
#define CHOLESKY_MAX_CONDITION 1e12
#define DROP_BELOW 1e-12

void
fm_learn_solution_clear (FmLearnSolution *sol)
{
  g_clear_pointer (&sol->w, g_free);
  g_clear_pointer (&sol->bias, g_free);
}

gboolean
fm_learn_solve (const double *M, int P, int O, double ridge,
                FmLearnSolution *sol, GError **error)
{
  const gsize Q = (gsize) P + 1 + O;
  const double n = M[P * Q + P];
  memset (sol, 0, sizeof *sol);
  if (!(n > 0))
    {
      g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_EMPTY,
                           "no window to fit");
      return FALSE;
    }

  double *mu = g_new (double, P);
  double *ybar = g_new (double, O);
  double *C = g_new (double, (gsize) P * P);
  double *E = g_new (double, (gsize) P * P);
  double *ev = g_new (double, P);
  double *rhs = g_new (double, (gsize) P * O);   /* P × O, row-major */
  for (int u = 0; u < P; u++)
    mu[u] = M[u * Q + P] / n;
  for (int o = 0; o < O; o++)
    ybar[o] = M[P * Q + P + 1 + o] / n;
  for (int u = 0; u < P; u++)
    {
      for (int v = 0; v < P; v++)
        C[(gsize) u * P + v] = M[u * Q + v] / n - mu[u] * mu[v];
      C[(gsize) u * P + u] += ridge;
      for (int o = 0; o < O; o++)
        rhs[(gsize) u * O + o] = M[u * Q + P + 1 + o] / n - mu[u] * ybar[o];
    }

  gboolean ok = TRUE;
  memcpy (E, C, (gsize) P * P * sizeof (double));
  lapack_int info = LAPACKE_dsyevd (LAPACK_ROW_MAJOR, 'V', 'U', P, E, P, ev);
  if (info != 0)
    {
      g_set_error (error, FM_LEARN_ERROR, FM_LEARN_ERROR_SOLVE,
                   "the eigen-decomposition of the normal equations failed "
                   "(LAPACK dsyevd info %d)", (int) info);
      ok = FALSE;
      goto out;
    }
  const double top = ev[P - 1];
  sol->condition = ev[0] > 0 && top > 0 ? top / ev[0] : INFINITY;

  sol->w = g_new0 (double, (gsize) O * P);
  sol->bias = g_new0 (double, O);
  gboolean solved = FALSE;
  if (sol->condition < CHOLESKY_MAX_CONDITION)
    {
      /* C is overwritten by its factor; rhs by the solution. */
      info = LAPACKE_dpotrf (LAPACK_ROW_MAJOR, 'U', P, C, P);
      if (info == 0)
        info = LAPACKE_dpotrs (LAPACK_ROW_MAJOR, 'U', P, O, C, P, rhs, O);
      if (info == 0)
        {
          for (int u = 0; u < P; u++)
            for (int o = 0; o < O; o++)
              sol->w[(gsize) o * P + u] = rhs[(gsize) u * O + o];
          solved = TRUE;
        }
    }
  if (!solved)
    {
      if (!(top > 0))
        {
          g_set_error_literal (error, FM_LEARN_ERROR, FM_LEARN_ERROR_FLAT,
                               "the before image has no variation inside the fitted "
                               "windows: nothing determines a kernel");
          ok = FALSE;
          goto out;
        }
      /* w = V diag(1/λ) Vᵀ rhs over the kept eigenvalues; E holds V
       * (eigenvectors as columns, row-major). */
      for (int k = 0; k < P; k++)
        {
          if (ev[k] <= top * DROP_BELOW)
            {
              sol->dropped++;
              continue;
            }
          for (int o = 0; o < O; o++)
            {
              double proj = 0;
              for (int u = 0; u < P; u++)
                proj += E[(gsize) u * P + k] * rhs[(gsize) u * O + o];
              proj /= ev[k];
              for (int u = 0; u < P; u++)
                sol->w[(gsize) o * P + u] += proj * E[(gsize) u * P + k];
            }
        }
    }
  for (int o = 0; o < O; o++)
    {
      double b = ybar[o];
      for (int u = 0; u < P; u++)
        b -= mu[u] * sol->w[(gsize) o * P + u];
      sol->bias[o] = b;
    }

out:
  if (!ok)
    fm_learn_solution_clear (sol);
  g_free (mu);
  g_free (ybar);
  g_free (C);
  g_free (E);
  g_free (ev);
  g_free (rhs);
  return ok;
}
