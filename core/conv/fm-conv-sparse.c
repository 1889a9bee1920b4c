/* fm-conv-sparse.c: filters with many zero taps, the zeros skipped.
 *
 * Hand-drawn banks are mostly zeros: line detectors (a line of ones in a
 * 3 × 3), the 4-neighbour Laplacian, crosses and diagonals.  The dense
 * kernels multiply every zero; this one lists each filter's nonzero taps
 * (a, b, c, w) at plan time and runs only those, so a line detector costs
 * 3 multiply-adds per output instead of 9.
 *
 * Per output row and filter the taps are one fm_taps_sum (fm-conv-taps.h):
 * dst[x] = bias + Σ w · plane[x + offset], vectorised over consecutive
 * output pixels, the padded rows split into per-channel (and per stride
 * phase) planes so that every tap is a contiguous run.  The split rows of
 * the window sit in a ring of dkh slots in scratch, each split once.
 */
#include "fm-conv-taps.h"

#include <math.h>

typedef struct {
  FmTapsLayout l;
  int n_slots;           /* split rows held: dkh */
  int max_taps;
  /* Filter k: n_taps[k] taps from first[k]: window row a, offset in the
   * split row, weight. */
  int *n_taps;
  gsize *first;
  int *tap_a;
  gsize *tap_off;
  float *tap_w;
  gboolean *row_used;    /* kh: does any tap read window row a? */
} SparsePlan;

/* Each nonzero tap costs 1 / (1 − z) dense taps, z = 0.6 against the
 * AVX2 / AVX-512 kernels, 0.4 against the plain C loop: so sparse wins once
 * that share of the taps is zero.  The vector kernels share each input
 * load between several filters or rows while a sparse tap is one load of
 * its own: on the reference machine the 3 × 3 line detectors (67 % zero)
 * ran 1.04–1.16 × as fast as "rows-avx512", a 7 × 7 cross (73 %) 1.3 ×,
 * 5 × 5 and 9 × 9 line banks (80–89 %) 1.4–2.0 ×, but the 4-neighbour
 * Laplacian (44 %) only even, random banks with half their weights zero
 * 0.56–0.97 ×.  "separable" may still be cheaper: the ranking decides. */
static double
sparse_cost (const FmConvPlan *plan, int vector_floats)
{
  const FmConvParams *p = &plan->params;
  const gsize n = (gsize) p->n_filters * p->kh * p->kw * plan->group_channels;
  const double zeros = vector_floats > 1 ? 0.6 : 0.4;
  /* the taps that may be nonzero, rounded up to a whole tap */
  const gsize most_nonzero = n - (gsize) (zeros * (double) n);
  gsize nonzero = 0;
  for (gsize i = 0; i < n; i++)
    nonzero += plan->weights[i] != 0.0f;
  if (most_nonzero == 0)
    return INFINITY;
  return (double) nonzero * (double) n / (double) most_nonzero;
}

static void
sparse_plan_free (gpointer data)
{
  SparsePlan *sp = data;
  g_free (sp->n_taps);
  g_free (sp->first);
  g_free (sp->tap_a);
  g_free (sp->tap_off);
  g_free (sp->tap_w);
  g_free (sp->row_used);
  g_free (sp);
}

static gboolean
sparse_prepare (FmConvPlan *plan, GError **error)
{
  const FmConvParams *p = &plan->params;
  const int K = p->n_filters, kh = p->kh, kw = p->kw, cg = plan->group_channels;
  gsize total = 0;
  for (gsize i = 0; i < (gsize) K * kh * kw * cg; i++)
    total += plan->weights[i] != 0.0f;

  SparsePlan *sp = g_new0 (SparsePlan, 1);
  fm_taps_layout_init (plan, &sp->l);
  sp->n_slots = plan->dkh;
  sp->n_taps = g_new0 (int, K);
  sp->first = g_new (gsize, K);
  sp->tap_a = g_try_new (int, MAX (total, 1));
  sp->tap_off = g_try_new (gsize, MAX (total, 1));
  sp->tap_w = g_try_new (float, MAX (total, 1));
  sp->row_used = g_new0 (gboolean, kh);
  if (!sp->tap_a || !sp->tap_off || !sp->tap_w)
    {
      sparse_plan_free (sp);
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "tap lists of %d filters of %d × %d × %d: out of memory", K, kh, kw, cg);
      return FALSE;
    }

  gsize n = 0;
  const float *w = plan->weights;
  for (int k = 0; k < K; k++)
    {
      const int g = k / plan->group_filters;
      sp->first[k] = n;
      for (int a = 0; a < kh; a++)
        for (int b = 0; b < kw; b++)
          for (int c = 0; c < cg; c++, w++)
            if (*w != 0.0f)
              {
                sp->tap_a[n] = a;
                sp->tap_off[n] = fm_taps_offset (plan, &sp->l, b * p->dilation_x, g * cg + c);
                sp->tap_w[n] = *w;
                sp->row_used[a] = TRUE;
                n++;
              }
      sp->n_taps[k] = (int) (n - sp->first[k]);
      sp->max_taps = MAX (sp->max_taps, sp->n_taps[k]);
    }
  plan->kernel_data = sp;
  plan->kernel_data_free = sparse_plan_free;
  return TRUE;
}

/* Scratch, from its 64-byte aligned base: the ring of split rows, then
 * each slot's row pointer (a slot may point into the band or the image
 * instead), the tap pointers and which padded row each slot holds. */
typedef struct {
  gsize slots, slot_ptr, ptrs, slot_row, total;
} SparseScratch;

static void
sparse_scratch_layout (const FmConvPlan *plan, SparseScratch *s)
{
  const SparsePlan *sp = plan->kernel_data;
  s->slots = 0;
  s->slot_ptr = FM_TAPS_ROUND_UP ((gsize) sp->n_slots * sp->l.row_floats * sizeof (float), 64);
  s->ptrs = s->slot_ptr + (gsize) sp->n_slots * sizeof (float *);
  s->slot_row = s->ptrs + (gsize) MAX (sp->max_taps, 1) * sizeof (float *);
  s->total = s->slot_row + (gsize) sp->n_slots * sizeof (int) + 64;
}

static gsize
sparse_scratch_size (const FmConvPlan *plan, int max_rows)
{
  SparseScratch s;
  (void) max_rows;   /* a ring, whatever the chunk */
  sparse_scratch_layout (plan, &s);
  return s.total;
}

FM_TAPS_CLONES static void
sparse_rows (const FmConvPlan *plan, const FmConvTask *task)
{
  const FmConvParams *p = &plan->params;
  const SparsePlan *sp = plan->kernel_data;
  const int out_w = plan->geo.out_w, kh = p->kh, n_slots = sp->n_slots;
  const int sy = p->stride_y, dy = p->dilation_y;
  SparseScratch layout;
  sparse_scratch_layout (plan, &layout);
  char *base = fm_taps_scratch_base (task->scratch);
  float *slots = (float *) (base + layout.slots);
  const float **slot_ptr = (const float **) (base + layout.slot_ptr);
  const float **ptrs = (const float **) (base + layout.ptrs);
  int *slot_row = (int *) (base + layout.slot_row);

  for (int s = 0; s < n_slots; s++)
    slot_row[s] = -1;

  for (int i = 0; i < task->n_rows; i++)
    {
      for (int a = 0; a < kh; a++)
        {
          const int t = i * sy + a * dy, s = t % n_slots;
          if (!sp->row_used[a] || slot_row[s] == t)
            continue;
          slot_row[s] = t;
          slot_ptr[s] = fm_taps_get_row (plan, &sp->l, task, t,
                                         slots + (gsize) s * sp->l.row_floats);
        }
      for (int k = 0; k < p->n_filters; k++)
        {
          const gsize f = sp->first[k];
          const int n = sp->n_taps[k];
          float *o = task->out + k * task->plane_stride + (gsize) i * out_w;
          for (int j = 0; j < n; j++)
            ptrs[j] = slot_ptr[(i * sy + sp->tap_a[f + j] * dy) % n_slots] + sp->tap_off[f + j];
          fm_taps_sum (o, out_w, n, ptrs, sp->tap_w + f, plan->bias[k]);
          fm_conv_activate (&plan->act, o, out_w);
        }
    }
}

const FmConvKernel fm_conv_kernel_sparse = {
  .possible = NULL,
  .cost = sparse_cost,
  .prepare = sparse_prepare,
  .scratch_size = sparse_scratch_size,
  .rows = sparse_rows,
  .applies_activation = TRUE,   /* each row while it is in cache */
  .reads_image = TRUE,
};
