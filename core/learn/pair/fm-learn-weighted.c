/* fm-learn-weighted: one pass over every window with the current solution —
 * residual statistics for the quality report and the robust scale, and the
 * weighted part of the normal equations.
 *
 * Weights ω come from the mask (0 outside) and, when robust, from Huber's
 * rule on the residual (its RMS over the outputs, so a pixel is an outlier
 * as a whole).  Windows whose weight differs from what M already counts are
 * gathered, each as z = [x, 1, y] scaled by √|coefficient|, into blocks that
 * BLAS's dsyrk folds into a per-worker correction; blocks keep memory fixed
 * whatever the image. */
#include "fm-learn-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define BLOCK_ROWS 256

typedef struct {
  FmLearnBand band;
  double *pred;                 /* O × Wv */
  const double **src;           /* P: where each tap's inputs start in a window row */
  double *Z;                    /* BLOCK_ROWS × Q */
  int nz;
  double *Mw;                   /* Q × Q, upper triangle */
  double sum_r2, sum_y[FM_LEARN_MAX_PLANES], sum_y2[FM_LEARN_MAX_PLANES];
  gint64 n_fit, n_clipped, n_down;
  double *sample;
  int n_sample, cap_sample;
} Worker;

typedef struct {
  const FmLearnProblem *pb;
  FmLearnPass *pass;
  Worker *workers;
  gint64 sample_stride;         /* 0: no sample */
  double sign;                  /* of the gathered outer products */
} Job;

static void
flush (const Job *job, Worker *wk)
{
  if (wk->nz == 0)
    return;
  const int Q = job->pb->Q;
  cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, Q, wk->nz, job->sign,
               wk->Z, Q, 1.0, wk->Mw, Q);
  wk->nz = 0;
}

static void
gather (const Job *job, Worker *wk, int s, int py, int px, double coef)
{
  const FmLearnProblem *pb = job->pb;
  const double c = sqrt (fabs (coef));
  double *z = wk->Z + (gsize) wk->nz * pb->Q;
  for (int ai = 0; ai < pb->kh; ai++)
    for (int cf = 0; cf < pb->CF; cf++)
      {
        const double *row = fm_learn_band_brow (&wk->band, s * pb->CF + cf, py + ai) + px;
        for (int aj = 0; aj < pb->kw; aj++)
          z[fm_learn_tap (pb, ai, aj, cf)] = c * row[aj];
      }
  z[pb->P] = c;
  for (int o = 0; o < pb->O; o++)
    z[pb->P + 1 + o] = c * fm_learn_band_trow (&wk->band, s * pb->O + o, py)[px];
  if (++wk->nz == BLOCK_ROWS)
    flush (job, wk);
}

static void
window_row (const Job *job, Worker *wk, int py)
{
  const FmLearnProblem *pb = job->pb;
  FmLearnPass *pass = job->pass;
  const FmLearnSolution *sol = pass->sol;
  const int O = pb->O, CF = pb->CF, Wv = pb->Wv;
  const guint8 *mrow = pb->mask ? wk->band.m + (gsize) (py - wk->band.w0) * Wv : NULL;

  for (int s = 0; s < pb->S; s++)
    {
      for (int ai = 0; ai < pb->kh; ai++)
        for (int cf = 0; cf < CF; cf++)
          {
            const double *row = fm_learn_band_brow (&wk->band, s * CF + cf, py + ai);
            for (int aj = 0; aj < pb->kw; aj++)
              wk->src[fm_learn_tap (pb, ai, aj, cf)] = row + aj;
          }
      for (int o = 0; o < O; o++)
        {
          double *pred = wk->pred + (gsize) o * Wv;
          if (sol)
            fm_learn_dot_rows (pred, sol->bias[o], sol->w + (gsize) o * pb->P, wk->src, pb->P, Wv);
          else
            memset (pred, 0, Wv * sizeof (double));
        }

      for (int x = 0; x < Wv; x++)
        {
          const gboolean inside = !mrow || mrow[x];
          double rho2 = 0;
          if (inside)
            {
              for (int o = 0; o < O; o++)
                {
                  const double t = fm_learn_band_trow (&wk->band, s * O + o, py)[x];
                  const double r = t - wk->pred[(gsize) o * Wv + x];
                  rho2 += r * r;
                  wk->sum_y[o] += t;
                  wk->sum_y2[o] += t * t;
                  const double raw = t + pb->shift_a[s * O + o];
                  wk->n_clipped += raw == 0.0 || raw == 1.0;
                }
              wk->sum_r2 += rho2;
              wk->n_fit++;
            }
          const double rho = sqrt (rho2 / O);
          if (inside && job->sample_stride
              && (((gint64) py * Wv + x) * pb->S + s) % job->sample_stride == 0
              && wk->n_sample < wk->cap_sample)
            wk->sample[wk->n_sample++] = rho;
          if (pass->weighting == FM_LEARN_WEIGHT_NONE)
            continue;
          double omega = inside ? 1.0 : 0.0;
          if (!inside && pass->base_masked)
            continue;
          if (inside && pass->huber)
            {
              omega = pass->scale > 0 ? fm_learn_huber (rho / pass->scale) : 1.0;
              wk->n_down += omega < 1.0;
            }
          const double coef = pass->weighting == FM_LEARN_WEIGHT_CORRECT ? omega - 1.0 : omega;
          if (coef != 0.0)
            gather (job, wk, s, py, x, coef);
        }
    }
}

static gboolean
band_func (gpointer data, int worker, int band, GError **error)
{
  (void) error;
  const Job *job = data;
  const FmLearnProblem *pb = job->pb;
  Worker *wk = &job->workers[worker];
  const int step = MAX (1, job->pass->row_step);
  const int w0 = band * pb->band_rows, w1 = MIN (pb->Hv, w0 + pb->band_rows);
  if (step == 1)
    {
      fm_learn_band_load (&wk->band, pb, w0, w1 + pb->kh - 1, w0, w1);
      for (int py = w0; py < w1; py++)
        window_row (job, wk, py);
    }
  else
    for (int py = (w0 + step - 1) / step * step; py < w1; py += step)
      {
        fm_learn_band_load (&wk->band, pb, py, py + pb->kh, py, py + 1);
        window_row (job, wk, py);
      }
  return TRUE;
}

void
fm_learn_pass_clear (FmLearnPass *pass)
{
  g_clear_pointer (&pass->sample, g_free);
  pass->n_sample = 0;
}

gboolean
fm_learn_pass (const FmLearnProblem *pb, FmLearnPass *pass, double *M,
               FmLearnProgress progress, gpointer progress_data,
               double p0, double p1, GError **error)
{
  const int step = MAX (1, pass->row_step);
  const int n_bands = (pb->Hv + pb->band_rows - 1) / pb->band_rows;
  const int n_workers = MIN (pb->n_workers, n_bands);
  Job job = { .pb = pb, .pass = pass,
              .sign = pass->weighting == FM_LEARN_WEIGHT_CORRECT ? -1.0 : 1.0 };
  if (pass->max_sample > 0)
    {
      const gint64 visited = (gint64) ((pb->Hv + step - 1) / step) * pb->Wv * pb->S;
      job.sample_stride = MAX (1, (visited + pass->max_sample - 1) / pass->max_sample);
    }

  const gboolean weighted = pass->weighting != FM_LEARN_WEIGHT_NONE;
  job.workers = g_new0 (Worker, n_workers);
  for (int w = 0; w < n_workers; w++)
    {
      Worker *wk = &job.workers[w];
      fm_learn_band_init (&wk->band, pb);
      wk->pred = g_new (double, (gsize) pb->O * pb->Wv);
      wk->src = g_new (const double *, pb->P);
      if (weighted)
        {
          wk->Z = g_new (double, (gsize) BLOCK_ROWS * pb->Q);
          wk->Mw = g_new0 (double, (gsize) pb->Q * pb->Q);
        }
      if (job.sample_stride)
        {
          wk->cap_sample = pass->max_sample + 1;
          wk->sample = g_new (double, wk->cap_sample);
        }
    }

  /* Each worker calls dsyrk on its own blocks: OpenBLAS's own threads on top
   * would only fight ours for the cores (measured: a third of the time went
   * to their yielding), so it runs single-threaded meanwhile. */
  const int blas_threads = openblas_get_num_threads ();
  if (weighted && n_workers > 1)
    openblas_set_num_threads (1);
  gboolean ok = fm_learn_run_bands (n_bands, n_workers, band_func, &job, progress,
                                    progress_data, p0, p1, error);
  if (weighted && n_workers > 1)
    openblas_set_num_threads (blas_threads);

  pass->sum_r2 = 0;
  memset (pass->sum_y, 0, sizeof pass->sum_y);
  memset (pass->sum_y2, 0, sizeof pass->sum_y2);
  pass->n_fit = pass->n_clipped = pass->n_down = 0;
  fm_learn_pass_clear (pass);
  if (job.sample_stride)
    pass->sample = g_new (double, (gsize) n_workers * (pass->max_sample + 1));
  const gsize Q = pb->Q;
  for (int w = 0; w < n_workers; w++)
    {
      Worker *wk = &job.workers[w];
      if (ok && weighted)
        {
          flush (&job, wk);
          for (gsize u = 0; u < Q; u++)
            for (gsize v = u; v < Q; v++)
              {
                M[u * Q + v] += wk->Mw[u * Q + v];
                if (v != u)
                  M[v * Q + u] += wk->Mw[u * Q + v];
              }
        }
      pass->sum_r2 += wk->sum_r2;
      for (int o = 0; o < pb->O; o++)
        {
          pass->sum_y[o] += wk->sum_y[o];
          pass->sum_y2[o] += wk->sum_y2[o];
        }
      pass->n_fit += wk->n_fit;
      pass->n_clipped += wk->n_clipped;
      pass->n_down += wk->n_down;
      if (wk->n_sample)
        {
          memcpy (pass->sample + pass->n_sample, wk->sample, wk->n_sample * sizeof (double));
          pass->n_sample += wk->n_sample;
        }
      fm_learn_band_clear (&wk->band);
      g_free (wk->pred);
      g_free (wk->src);
      g_free (wk->Z);
      g_free (wk->Mw);
      g_free (wk->sample);
    }
  g_free (job.workers);
  return ok;
}
