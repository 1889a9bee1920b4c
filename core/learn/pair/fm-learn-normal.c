/* fm-learn-normal: the normal equations' matrix M (fm-learn-private.h) over
 * every window, from row correlations — never from the windows themselves.
 *
 * Entry (tap a, channel c) × (tap b, channel c') of XᵀX is
 *
 *     Σ_{p ∈ V} B_c(p + a) B_c'(p + b),   V = [0, Hv) × [0, Wv),
 *
 * the correlation of two planes at lag d = b − a, summed over the rectangle
 * V + a.  All those rectangles share a core, [kh−1, Hv) × [kw−1, Wv); only
 * their first and last kh − 1 rows and kw − 1 columns differ.  So each row y
 * is correlated once with rows y + dy over the core columns at every lag dx
 * (fm_learn_lagdot: that is the work, ~H·W·C²·kh·(2kw−1)/… multiply-adds
 * instead of the H·W·P²/2 of forming XᵀX from windows), the border columns'
 * products are added per tap column aj from prefix sums, and the rows are
 * summed into one accumulator for the core rows and one per tap row ai for
 * the border rows.  Lags in one half-plane suffice: M is symmetric.
 *
 * The window sums (the bias column) follow the same pattern at lag 0; Xᵀy is
 * a plain correlation of each target row with the before rows under it.
 * Bands of rows run on every core, each worker with its own accumulators,
 * summed at the end. */
#include "fm-learn-private.h"

#include <string.h>

typedef struct {
  int cx0, cx1, cy0, cy1;  /* core columns / rows (cx0 = cx1: none) */
  gsize n_idx;             /* per-row entries: CF² · kh · (2kw−1) · kw */
} Geo;

typedef struct {
  double *core, *edge;     /* n_idx; kh × n_idx */
  double *score, *sedge;   /* CF·kw; kh × CF·kw (window sums) */
  double *xty, *sy;        /* O × P; O */
  double n;
  double *lag, *qL, *qR;   /* scratch */
  FmLearnBand band;
} Acc;

typedef struct {
  const FmLearnProblem *pb;
  Geo g;
  Acc *acc;                /* one per worker */
} Job;

static inline gsize
pair_index (const FmLearnProblem *pb, int cf, int cf2, int dy, int dx, int aj)
{
  return ((((gsize) cf * pb->CF + cf2) * pb->kh + dy) * (2 * pb->kw - 1)
          + (dx + pb->kw - 1)) * pb->kw + aj;
}

/* Adds v to the core accumulator (core rows) or to every tap row ai whose
 * rectangle holds row y (border rows). */
static inline void
add_row_value (const FmLearnProblem *pb, const Geo *g, double *core, double *edge,
               gsize stride, int y, int dy, gsize idx, double v)
{
  if (y >= g->cy0 && y < g->cy1)
    core[idx] += v;
  else
    {
      const int lo = MAX (0, y - pb->Hv + 1), hi = MIN (y, pb->kh - 1 - dy);
      for (int ai = lo; ai <= hi; ai++)
        edge[ai * stride + idx] += v;
    }
}

/* Row y against rows y + dy: every channel pair, lags dx in the half-plane. */
static void
row_correlations (const Job *job, Acc *acc, int s, int y)
{
  const FmLearnProblem *pb = job->pb;
  const Geo *g = &job->g;
  const int kh = pb->kh, kw = pb->kw, CF = pb->CF, W = pb->W;
  const int ncore = g->cx1 - g->cx0;

  for (int dy = 0; dy < kh && y + dy < pb->H; dy++)
    {
      if (MAX (0, y - pb->Hv + 1) > MIN (y, kh - 1 - dy))
        continue; /* no tap row uses this pair of rows */
      const int dxlo = dy ? -(kw - 1) : 0, ndx = kw - dxlo;
      for (int cf = 0; cf < CF; cf++)
        {
          const double *r1 = fm_learn_band_brow (&acc->band, s * CF + cf, y);
          for (int cf2 = 0; cf2 < CF; cf2++)
            {
              const double *r2 = fm_learn_band_brow (&acc->band, s * CF + cf2, y + dy);
              memset (acc->lag, 0, ndx * sizeof (double));
              if (ncore > 0)
                fm_learn_lagdot (r1 + g->cx0, r2 + g->cx0 + dxlo, ncore, ndx, acc->lag);
              for (int dxi = 0; dxi < ndx; dxi++)
                {
                  const int dx = dxlo + dxi;
                  /* prefix sums of the border columns' products (0 where
                   * x + dx leaves the row: no valid tap uses those) */
                  acc->qL[0] = 0;
                  for (int x = 0; x < g->cx0; x++)
                    acc->qL[x + 1] = acc->qL[x]
                      + (x + dx >= 0 && x + dx < W ? r1[x] * r2[x + dx] : 0.0);
                  acc->qR[0] = 0;
                  for (int x = g->cx1; x < W; x++)
                    acc->qR[x - g->cx1 + 1] = acc->qR[x - g->cx1]
                      + (x + dx >= 0 && x + dx < W ? r1[x] * r2[x + dx] : 0.0);
                  for (int aj = MAX (0, -dx); aj < MIN (kw, kw - dx); aj++)
                    {
                      const int hi = aj + pb->Wv;
                      const double left = acc->qL[MIN (g->cx0, hi)] - acc->qL[MIN (aj, g->cx0)];
                      const double right = acc->qR[hi - g->cx1] - acc->qR[MAX (aj, g->cx1) - g->cx1];
                      add_row_value (pb, g, acc->core, acc->edge, g->n_idx, y, dy,
                                     pair_index (pb, cf, cf2, dy, dx, aj),
                                     acc->lag[dxi] + left + right);
                    }
                }
            }
        }
    }
}

/* Row y's sums over each tap column's window span (the bias column). */
static void
row_sums (const Job *job, Acc *acc, int s, int y)
{
  const FmLearnProblem *pb = job->pb;
  const Geo *g = &job->g;
  const int kw = pb->kw, CF = pb->CF, W = pb->W;
  for (int cf = 0; cf < CF; cf++)
    {
      const double *r = fm_learn_band_brow (&acc->band, s * CF + cf, y);
      double core = 0;
      for (int x = g->cx0; x < g->cx1; x++)
        core += r[x];
      acc->qL[0] = 0;
      for (int x = 0; x < g->cx0; x++)
        acc->qL[x + 1] = acc->qL[x] + r[x];
      acc->qR[0] = 0;
      for (int x = g->cx1; x < W; x++)
        acc->qR[x - g->cx1 + 1] = acc->qR[x - g->cx1] + r[x];
      for (int aj = 0; aj < kw; aj++)
        {
          const int hi = aj + pb->Wv;
          const double v = core + acc->qL[MIN (g->cx0, hi)] - acc->qL[MIN (aj, g->cx0)]
                           + acc->qR[hi - g->cx1] - acc->qR[MAX (aj, g->cx1) - g->cx1];
          add_row_value (pb, g, acc->score, acc->sedge, (gsize) CF * kw, y, 0,
                         (gsize) cf * kw + aj, v);
        }
    }
}

/* Window row py: Xᵀy and Σy. */
static void
window_row (const Job *job, Acc *acc, int s, int py)
{
  const FmLearnProblem *pb = job->pb;
  const int kh = pb->kh, kw = pb->kw, CF = pb->CF, O = pb->O, P = pb->P;
  for (int o = 0; o < O; o++)
    {
      const double *t = fm_learn_band_trow (&acc->band, s * O + o, py);
      double sum = 0;
      for (int x = 0; x < pb->Wv; x++)
        sum += t[x];
      acc->sy[o] += sum;
      for (int cf = 0; cf < CF; cf++)
        for (int ai = 0; ai < kh; ai++)
          {
            memset (acc->lag, 0, kw * sizeof (double));
            fm_learn_lagdot (t, fm_learn_band_brow (&acc->band, s * CF + cf, py + ai),
                             pb->Wv, kw, acc->lag);
            for (int aj = 0; aj < kw; aj++)
              acc->xty[(gsize) o * P + fm_learn_tap (pb, ai, aj, cf)] += acc->lag[aj];
          }
    }
  acc->n += pb->Wv;
}

static gboolean
band_func (gpointer data, int worker, int band, GError **error)
{
  (void) error;
  const Job *job = data;
  const FmLearnProblem *pb = job->pb;
  Acc *acc = &job->acc[worker];
  const int y0 = band * pb->band_rows, y1 = MIN (pb->H, y0 + pb->band_rows);
  const int w1 = MIN (y1, pb->Hv);
  fm_learn_band_load (&acc->band, pb, y0, MIN (pb->H, y1 + pb->kh - 1), y0, MAX (y0, w1));
  for (int s = 0; s < pb->S; s++)
    {
      for (int y = y0; y < y1; y++)
        {
          row_correlations (job, acc, s, y);
          row_sums (job, acc, s, y);
        }
      for (int py = y0; py < w1; py++)
        window_row (job, acc, s, py);
    }
  return TRUE;
}

static void
acc_init (Acc *acc, const FmLearnProblem *pb, const Geo *g)
{
  memset (acc, 0, sizeof *acc);
  acc->core = g_new0 (double, g->n_idx);
  acc->edge = g_new0 (double, g->n_idx * pb->kh);
  acc->score = g_new0 (double, (gsize) pb->CF * pb->kw);
  acc->sedge = g_new0 (double, (gsize) pb->CF * pb->kw * pb->kh);
  acc->xty = g_new0 (double, (gsize) pb->O * pb->P);
  acc->sy = g_new0 (double, pb->O);
  acc->lag = g_new0 (double, 2 * pb->kw + 8);
  acc->qL = g_new0 (double, pb->W + 2);
  acc->qR = g_new0 (double, pb->W + 2);
  fm_learn_band_init (&acc->band, pb);
}

static void
acc_clear (Acc *acc)
{
  g_free (acc->core);
  g_free (acc->edge);
  g_free (acc->score);
  g_free (acc->sedge);
  g_free (acc->xty);
  g_free (acc->sy);
  g_free (acc->lag);
  g_free (acc->qL);
  g_free (acc->qR);
  fm_learn_band_clear (&acc->band);
}

static void
add_into (double *dst, const double *src, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] += src[i];
}

/* Reads the summed accumulators into M (Q × Q, both triangles). */
static void
assemble (const Job *job, const Acc *acc, double *M)
{
  const FmLearnProblem *pb = job->pb;
  const int kh = pb->kh, kw = pb->kw, CF = pb->CF, P = pb->P, Q = pb->Q, O = pb->O;
  memset (M, 0, (gsize) Q * Q * sizeof (double));
  for (int ai = 0; ai < kh; ai++)
    for (int aj = 0; aj < kw; aj++)
      for (int cf = 0; cf < CF; cf++)
        {
          const gsize u = fm_learn_tap (pb, ai, aj, cf);
          for (int bi = ai; bi < kh; bi++)
            for (int bj = 0; bj < kw; bj++)
              {
                const int dy = bi - ai, dx = bj - aj;
                if (dy == 0 && dx < 0)
                  continue;
                for (int cf2 = 0; cf2 < CF; cf2++)
                  {
                    const gsize v = fm_learn_tap (pb, bi, bj, cf2);
                    const gsize idx = pair_index (pb, cf, cf2, dy, dx, aj);
                    const double val = acc->core[idx] + acc->edge[ai * job->g.n_idx + idx];
                    M[u * Q + v] = val;
                    M[v * Q + u] = val;
                  }
              }
          const gsize si = (gsize) cf * kw + aj;
          const double sum = acc->score[si] + acc->sedge[(gsize) ai * CF * kw + si];
          M[u * Q + P] = M[(gsize) P * Q + u] = sum;
          for (int o = 0; o < O; o++)
            M[u * Q + P + 1 + o] = M[(gsize) (P + 1 + o) * Q + u] = acc->xty[(gsize) o * P + u];
        }
  M[(gsize) P * Q + P] = acc->n;
  for (int o = 0; o < O; o++)
    M[(gsize) P * Q + P + 1 + o] = M[(gsize) (P + 1 + o) * Q + P] = acc->sy[o];
}

gboolean
fm_learn_normal_matrix (const FmLearnProblem *pb, double *M,
                        FmLearnProgress progress, gpointer progress_data,
                        double p0, double p1, GError **error)
{
  Job job = { .pb = pb };
  Geo *g = &job.g;
  if (pb->kw - 1 < pb->Wv)
    g->cx0 = pb->kw - 1, g->cx1 = pb->Wv;
  else
    g->cx0 = g->cx1 = pb->Wv;
  if (pb->kh - 1 < pb->Hv)
    g->cy0 = pb->kh - 1, g->cy1 = pb->Hv;
  else
    g->cy0 = g->cy1 = pb->Hv;
  g->n_idx = (gsize) pb->CF * pb->CF * pb->kh * (2 * pb->kw - 1) * pb->kw;

  const int n_bands = (pb->H + pb->band_rows - 1) / pb->band_rows;
  const int n_workers = MIN (pb->n_workers, n_bands);
  job.acc = g_new (Acc, n_workers);
  for (int w = 0; w < n_workers; w++)
    acc_init (&job.acc[w], pb, g);

  gboolean ok = fm_learn_run_bands (n_bands, n_workers, band_func, &job, progress,
                                    progress_data, p0, p1, error);
  if (ok)
    {
      Acc *a = &job.acc[0];
      for (int w = 1; w < n_workers; w++)
        {
          const Acc *b = &job.acc[w];
          add_into (a->core, b->core, g->n_idx);
          add_into (a->edge, b->edge, g->n_idx * pb->kh);
          add_into (a->score, b->score, (gsize) pb->CF * pb->kw);
          add_into (a->sedge, b->sedge, (gsize) pb->CF * pb->kw * pb->kh);
          add_into (a->xty, b->xty, (gsize) pb->O * pb->P);
          add_into (a->sy, b->sy, pb->O);
          a->n += b->n;
        }
      assemble (&job, a, M);
    }
  for (int w = 0; w < n_workers; w++)
    acc_clear (&job.acc[w]);
  g_free (job.acc);
  return ok;
}
