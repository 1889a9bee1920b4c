/* fm-conv-separable.c: rank-1 filters as two 1-D passes.
 *
 * Designer banks are full of filters whose spatial part is an outer
 * product: box and Gaussian blurs, every Sobel, Prewitt and Scharr filter,
 * 1 × N and N × 1 kernels.  When filter k's kh × (kw·C_group) matrix is
 * W_k[a][(b, c)] = col_k[a] · row_k[b][c], the correlation is a horizontal
 * pass h_k(y)[x] = Σ_{b,c} row_k[b][c] · x[y][x·sx + b·dx][c] per padded
 * row, then a vertical one Σ_a col_k[a] · h_k(y·sy + a·dy)[x]: kw·C + kh
 * multiply-adds per output instead of kh·kw·C (10 instead of 25 for a
 * 5 × 5 Gaussian; zero factors, like Sobel's middle column, are dropped).
 *
 * The test is done at plan time without an SVD: the row of W with the
 * largest norm is `row`, col[a] = <W[a], row> / <row, row>, and the filter
 * counts as rank 1 when col ⊗ row gives back every weight within 1e-6 of
 * the largest, far inside the engine's 1e-4 tolerance on the maps.
 *
 * Each chunk walks its output rows; the horizontal rows of every filter
 * sit in a ring of dkh rows in scratch, each computed once (from the padded
 * row split into planes, fm-conv-taps.h) when the first output row needs
 * it.  Both passes are fm_taps_sum: unit-stride loops GCC vectorises.
 */
#include "fm-conv-taps.h"

#include <math.h>

typedef struct {
  FmTapsLayout l;
  int n_slots;           /* horizontal rows held per filter: dkh */
  int hw;                /* floats per horizontal row (out_w, rounded up) */
  int max_taps;          /* the longest tap list of either pass */
  /* Filter k: h_n[k] horizontal taps at h_off / h_w + k·h_stride (split-row
   * offsets, zero factors left out), v_n[k] vertical ones at v_a / v_w +
   * k·kh (window rows a). */
  int h_stride;
  int *h_n, *v_n, *v_a;
  gsize *h_off;
  float *h_w, *v_w;
  gboolean *row_used;    /* kh: does any filter's column weight row a? */
} SepPlan;

/* Splits W (rows × cols) as col ⊗ row when it is rank 1 within 1e-6 of
 * its largest weight; col and row may be NULL (only the test). */
static gboolean
rank1_split (const float *W, int rows, int cols, float *col, float *row)
{
  double best = -1, max_w = 0;
  int pick = 0;
  for (int a = 0; a < rows; a++)
    {
      double n2 = 0;
      for (int j = 0; j < cols; j++)
        {
          double v = W[(gsize) a * cols + j];
          n2 += v * v;
          max_w = MAX (max_w, fabs (v));
        }
      if (n2 > best)
        best = n2, pick = a;
    }
  const float *r = W + (gsize) pick * cols;
  const double tol = 1e-6 * max_w;
  for (int a = 0; a < rows; a++)
    {
      double dot = 0;
      for (int j = 0; j < cols; j++)
        dot += (double) W[(gsize) a * cols + j] * r[j];
      /* The float the kernel will use, so the check sees its rounding. */
      const float ca = best > 0 ? (float) (dot / best) : 0.0f;
      for (int j = 0; j < cols; j++)
        if (fabs ((double) W[(gsize) a * cols + j] - (double) ca * r[j]) > tol)
          return FALSE;
      if (col)
        col[a] = ca;
    }
  if (row)
    memcpy (row, r, (gsize) cols * sizeof (float));
  return TRUE;
}

/* Is every filter of the plan rank 1? */
static gboolean
all_rank1 (const FmConvPlan *plan)
{
  const FmConvParams *p = &plan->params;
  const int cols = p->kw * plan->group_channels;
  for (int k = 0; k < p->n_filters; k++)
    if (!rank1_split (plan->weights + (gsize) k * p->kh * cols, p->kh, cols, NULL, NULL))
      return FALSE;
  return TRUE;
}

/* Multiply-adds per output pixel, all filters together, of the two
 * passes: the nonzero row factors once per horizontal row an output row
 * adds (about min(sy, kh) of them), plus the nonzero column factors; −1
 * when a filter is not rank 1. */
static double
separable_cost (const FmConvPlan *plan)
{
  const FmConvParams *p = &plan->params;
  const int cols = p->kw * plan->group_channels;
  const double rows_per_output = MIN (p->stride_y, p->kh);
  float *col = g_new (float, p->kh), *row = g_new (float, cols);
  double cost = 0;
  for (int k = 0; k < p->n_filters && cost >= 0; k++)
    {
      if (!rank1_split (plan->weights + (gsize) k * p->kh * cols, p->kh, cols, col, row))
        {
          cost = -1;
          break;
        }
      for (int j = 0; j < cols; j++)
        cost += (row[j] != 0.0f) * rows_per_output;
      for (int a = 0; a < p->kh; a++)
        cost += col[a] != 0.0f;
    }
  g_free (col);
  g_free (row);
  return cost;
}

/* Floats of horizontal rows one worker holds: K · dkh · out_w. */
static double
ring_floats (const FmConvPlan *plan)
{
  return (double) plan->params.n_filters * plan->dkh * FM_TAPS_ROUND_UP (plan->geo.out_w, 16);
}

/* The two passes' multiply-adds, at a third of the vector kernels' pace
 * when the CPU has them (at the same pace as the plain C loop otherwise):
 * on the reference machine (docs/benchmarks.md) a 3 × 3 (9 against 6) ran
 * 0.83–0.94 × as fast as "rows-avx512", a one-channel 5 × 5 (25 against
 * 10) even, 7 × 7 and larger or 5 × 5 × 3 (ratio ≥ 3.5) 1.1–2.6 × faster:
 * the small ones are bound by memory, where the extra pass only costs.
 * Below 3 × 3, or when the rows it holds would not stay in cache, never
 * unless forced. */
static double
separable_cost_model (const FmConvPlan *plan, int vector_floats)
{
  const FmConvParams *p = &plan->params;
  if (p->kh < 3 || p->kw < 3 || ring_floats (plan) > 16e6)
    return INFINITY;
  const double cost = separable_cost (plan);
  if (cost < 0)
    return INFINITY;
  return (vector_floats > 1 ? 3.0 : 1.0) * cost;
}

/* Forced or not, a filter that is not rank 1 cannot run here. */
static gboolean
separable_possible (const FmConvPlan *plan)
{
  return ring_floats (plan) <= 64e6 && all_rank1 (plan);
}

static void
sep_plan_free (gpointer data)
{
  SepPlan *sp = data;
  g_free (sp->h_n);
  g_free (sp->v_n);
  g_free (sp->v_a);
  g_free (sp->h_off);
  g_free (sp->h_w);
  g_free (sp->v_w);
  g_free (sp->row_used);
  g_free (sp);
}

static gboolean
separable_prepare (FmConvPlan *plan, GError **error)
{
  const FmConvParams *p = &plan->params;
  const int K = p->n_filters, kh = p->kh, kw = p->kw, cg = plan->group_channels;
  const int cols = kw * cg;
  SepPlan *sp = g_new0 (SepPlan, 1);
  float *col = g_new (float, kh), *row = g_new (float, cols);

  fm_taps_layout_init (plan, &sp->l);
  sp->n_slots = plan->dkh;
  sp->hw = FM_TAPS_ROUND_UP (plan->geo.out_w, 16);
  sp->h_stride = cols;
  sp->h_n = g_new0 (int, K);
  sp->v_n = g_new0 (int, K);
  sp->v_a = g_new (int, (gsize) K * kh);
  sp->v_w = g_new (float, (gsize) K * kh);
  sp->h_off = g_try_new (gsize, (gsize) K * cols);
  sp->h_w = g_try_new (float, (gsize) K * cols);
  sp->row_used = g_new0 (gboolean, kh);
  sp->max_taps = kh;
  if (!sp->h_off || !sp->h_w)
    {
      g_free (col);
      g_free (row);
      sep_plan_free (sp);
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "separable factors of %d filters of %d × %d × %d: out of memory",
                   K, kh, kw, cg);
      return FALSE;
    }

  for (int k = 0; k < K; k++)
    {
      const int g = k / plan->group_filters;
      /* possible() checked it; the flip for convolve keeps it rank 1. */
      gboolean ok = rank1_split (plan->weights + (gsize) k * kh * cols, kh, cols, col, row);
      g_assert (ok);
      for (int b = 0; b < kw; b++)
        for (int c = 0; c < cg; c++)
          if (row[b * cg + c] != 0.0f)
            {
              gsize n = (gsize) k * cols + sp->h_n[k]++;
              sp->h_off[n] = fm_taps_offset (plan, &sp->l, b * p->dilation_x, g * cg + c);
              sp->h_w[n] = row[b * cg + c];
            }
      for (int a = 0; a < kh; a++)
        if (col[a] != 0.0f)
          {
            gsize n = (gsize) k * kh + sp->v_n[k]++;
            sp->v_a[n] = a;
            sp->v_w[n] = col[a];
            sp->row_used[a] = TRUE;
          }
      sp->max_taps = MAX (sp->max_taps, sp->h_n[k]);
    }
  g_free (col);
  g_free (row);
  plan->kernel_data = sp;
  plan->kernel_data_free = sep_plan_free;
  return TRUE;
}

/* Scratch, from its 64-byte aligned base: one split row, the horizontal
 * rings (filter k, slot s at (k·n_slots + s)·hw), the tap pointers and
 * which padded row each slot holds. */
typedef struct {
  gsize split, ring, ptrs, slot_row, total;
} SepScratch;

static void
sep_scratch_layout (const FmConvPlan *plan, SepScratch *s)
{
  const SepPlan *sp = plan->kernel_data;
  s->split = 0;
  s->ring = FM_TAPS_ROUND_UP (sp->l.row_floats * sizeof (float), 64);
  s->ptrs = s->ring + FM_TAPS_ROUND_UP ((gsize) ring_floats (plan) * sizeof (float), 64);
  s->slot_row = s->ptrs + (gsize) sp->max_taps * sizeof (float *);
  s->total = s->slot_row + (gsize) sp->n_slots * sizeof (int) + 64;
}

static gsize
separable_scratch_size (const FmConvPlan *plan, int max_rows)
{
  SepScratch s;
  (void) max_rows;   /* a ring, whatever the chunk */
  sep_scratch_layout (plan, &s);
  return s.total;
}

FM_TAPS_CLONES static void
separable_rows (const FmConvPlan *plan, const FmConvTask *task)
{
  const FmConvParams *p = &plan->params;
  const SepPlan *sp = plan->kernel_data;
  const int K = p->n_filters, kh = p->kh, out_w = plan->geo.out_w, hw = sp->hw;
  const int sy = p->stride_y, dy = p->dilation_y, n_slots = sp->n_slots;
  SepScratch layout;
  sep_scratch_layout (plan, &layout);
  char *base = fm_taps_scratch_base (task->scratch);
  float *split = (float *) (base + layout.split);
  float *ring = (float *) (base + layout.ring);
  const float **ptrs = (const float **) (base + layout.ptrs);
  int *slot_row = (int *) (base + layout.slot_row);

  for (int s = 0; s < n_slots; s++)
    slot_row[s] = -1;

  for (int i = 0; i < task->n_rows; i++)
    {
      /* The horizontal rows this output row needs and no earlier one did. */
      for (int a = 0; a < kh; a++)
        {
          const int t = i * sy + a * dy, s = t % n_slots;
          if (!sp->row_used[a] || slot_row[s] == t)
            continue;
          slot_row[s] = t;
          const float *src = fm_taps_get_row (plan, &sp->l, task, t, split);
          for (int k = 0; k < K; k++)
            {
              const int n = sp->h_n[k];
              const gsize *off = sp->h_off + (gsize) k * sp->h_stride;
              for (int j = 0; j < n; j++)
                ptrs[j] = src + off[j];
              fm_taps_sum (ring + ((gsize) k * n_slots + s) * hw, out_w, n, ptrs,
                           sp->h_w + (gsize) k * sp->h_stride, 0.0f);
            }
        }
      for (int k = 0; k < K; k++)
        {
          const int n = sp->v_n[k];
          float *o = task->out + k * task->plane_stride + (gsize) i * out_w;
          for (int j = 0; j < n; j++)
            {
              const int t = i * sy + sp->v_a[(gsize) k * kh + j] * dy;
              ptrs[j] = ring + ((gsize) k * n_slots + t % n_slots) * hw;
            }
          fm_taps_sum (o, out_w, n, ptrs, sp->v_w + (gsize) k * kh, plan->bias[k]);
          fm_conv_activate (&plan->act, o, out_w);
        }
    }
}

const FmConvKernel fm_conv_kernel_separable = {
  .possible = separable_possible,
  .cost = separable_cost_model,
  .prepare = separable_prepare,
  .scratch_size = separable_scratch_size,
  .rows = separable_rows,
  .applies_activation = TRUE,   /* each row while it is in cache */
  .reads_image = TRUE,
};
