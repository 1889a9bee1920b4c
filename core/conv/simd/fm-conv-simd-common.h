/* fm-conv-simd-common.h: what every vector loop shape shares, compiled
 * per ISA through fm-conv-simd-body.h: the per-call context, fetching and
 * splitting padded rows (get_row), the activation on store (put,
 * flush_row) and the macros that spell out register blocks. */

#define ALWAYS_INLINE static inline __attribute__ ((always_inline))

typedef struct {
  const FmConvPlan *plan;
  const FmSimdPlan *sp;
  const FmConvTask *task;
  float *slots;
  int *slot_row;
  float *stage;
  gsize stage_stride;   /* floats per staging row */
  const FmConvAct *act; /* applied as results are stored */
} FN (Ctx);

/* Split one padded row into planes: the common C = 3 (RGB, per-channel)
 * case with its own shuffles when the ISA file gives them. */
static void
FN (split_row) (const FmConvPlan *plan, const FmSimdPlan *sp, const float *src,
                float *dst)
{
#ifdef SPLIT3
  if (plan->params.channels == 3 && plan->params.stride_x == 1)
    {
      SPLIT3 (src, dst, sp->plane_c, plan->padded_w);
      return;
    }
#endif
  fm_simd_split_row (plan, sp, src, dst);
}

/* An image row straight into planes: the interior in one split (the
 * image's column x is padded column x + pad_left), the border columns
 * from the plan's column map. */
static void
FN (split_image_row) (const FmConvPlan *plan, const FmSimdPlan *sp, const float *src,
                      float *dst)
{
#ifdef SPLIT3
  const int C = plan->params.channels, pl = plan->geo.pad_left, in_w = plan->geo.in_w;
  if (C == 3 && plan->params.stride_x == 1)
    {
      SPLIT3 (src, dst + pl, sp->plane_c, in_w);
      for (int x = 0; x < plan->padded_w; x++)
        {
          if (x == pl)
            x += in_w;
          if (x >= plan->padded_w)
            break;
          int from = plan->col_map[x];
          for (int c = 0; c < 3; c++)
            dst[c * sp->plane_c + x] = from < 0 ? 0.0f : src[3 * (gsize) from + c];
        }
      return;
    }
#endif
  fm_simd_split_image_row (plan, sp, src, dst);
}

/* Padded row t of the chunk (relative to task->band), split into planes
 * unless it can be read in place.  Without a band (task->rows), the row
 * is padded here from the input row, or read in place when it needs no
 * padding and no split. */
static const float *
FN (get_row) (FN (Ctx) *cx, int t)
{
  const FmSimdPlan *sp = cx->sp;
  const FmConvTask *task = cx->task;
  const FmConvPlan *plan = cx->plan;

  if (task->rows && sp->direct_band && plan->padded_w == plan->geo.in_w
      && task->row_map[t] >= 0)
    return task->rows[task->row_map[t]];
  if (!task->rows && sp->direct_band)
    return task->band + (gsize) t * plan->band_stride;

  int s = t % sp->n_slots;
  float *dst = cx->slots + (gsize) s * sp->slot_floats;
  if (cx->slot_row[s] == t)
    return dst;
  cx->slot_row[s] = t;
  if (!task->rows)
    {
      FN (split_row) (plan, sp, task->band + (gsize) t * plan->band_stride, dst);
      return dst;
    }
  if (task->row_map[t] < 0)
    {
      memset (dst, 0, sp->slot_floats * sizeof (float));
      return dst;
    }
  const float *src = task->rows[task->row_map[t]];
  if (sp->direct_band)
    fm_simd_pad_row (plan, src, dst);   /* HWC as the band would be */
  else
    FN (split_image_row) (plan, sp, src, dst);
  return dst;
}

/* The activations with a vector form, then the clip.  Sigmoid and tanh
 * (and their clip) are left to the scalar form, applied to each row
 * afterwards (vector_activation says which). */
ALWAYS_INLINE VEC
FN (activate) (VEC v, const FmConvAct *act)
{
  switch (act->kind)
    {
    case FM_ACTIVATION_NONE:
      break;
    case FM_ACTIVATION_RELU:
      v = vmax (v, vset1 (0.0f));
      break;
    case FM_ACTIVATION_LEAKY_RELU:
      /* v for v ≥ 0 and alpha · v below, rounded as the scalar form:
       * max(v, alpha · v) for alpha ≤ 1, min for a steeper slope. */
      v = act->alpha <= 1.0f ? vmax (v, vmul (v, vset1 (act->alpha)))
                             : vmin (v, vmul (v, vset1 (act->alpha)));
      break;
    case FM_ACTIVATION_ABS:
      v = vabs (v);
      break;
    default:
      return v;
    }
  if (act->clip)
    v = vmin (vmax (v, vset1 (act->lo)), vset1 (act->hi));
  return v;
}

static gboolean
FN (vector_activation) (const FmConvAct *act)
{
  return act->kind == FM_ACTIVATION_NONE || act->kind == FM_ACTIVATION_RELU
         || act->kind == FM_ACTIVATION_LEAKY_RELU || act->kind == FM_ACTIVATION_ABS;
}

ALWAYS_INLINE void
FN (put) (float *dst, VEC v, int EDGE, MASK m, const FmConvAct *act)
{
  v = FN (activate) (v, act);
  if (EDGE)
    vstorem (dst, m, v);
  else
    vstore (dst, v);
}

/* Staging row → map row, streaming the aligned middle so a 512 MB output
 * is written once instead of read-for-ownership and written. */
static void
FN (flush_row) (float *dst, const float *src, int n, const FmConvAct *act)
{
  int x = 0;
  int head = (int) (((64 - ((guintptr) dst & 63)) & 63) / sizeof (float));
  if ((guintptr) dst % sizeof (float) != 0)
    head = n;   /* cannot happen with malloc'd floats, but stay correct */
  head = MIN (head, n);
  for (; x < head; x++)
    dst[x] = src[x];
  for (; x + VL <= n; x += VL)
    vstream (dst + x, FN (activate) (vload (src + x), act));
  for (; x < n; x++)
    dst[x] = src[x];
  /* Scalar head and tail: activate them here. */
  if (act->kind != FM_ACTIVATION_NONE || act->clip)
    {
      fm_conv_activate (act, dst, MIN (head, n));
      int tail = head + (n - head) / VL * VL;
      if (tail < n)
        fm_conv_activate (act, dst + tail, n - tail);
    }
}

/* GCC keeps an array of vector accumulators in memory (it does not split
 * arrays this large into registers), so the register blocks are spelled
 * out as named variables acc<k>_<v>, with every use guarded by a
 * compile-time test (k < NK, v < NX) that folds away. */
#ifndef FM_SIMD_REPEAT
#define FM_SIMD_REPEAT
#define REP_V(M, k) M (k, 0) M (k, 1) M (k, 2) M (k, 3) M (k, 4) M (k, 5) M (k, 6) M (k, 7)
#define REP_KV(M)                                                               \
  REP_V (M, 0) REP_V (M, 1) REP_V (M, 2) REP_V (M, 3) REP_V (M, 4) REP_V (M, 5) \
  REP_V (M, 6) REP_V (M, 7) REP_V (M, 8) REP_V (M, 9) REP_V (M, 10) REP_V (M, 11)
#define REP_1(M) M (0) M (1) M (2) M (3) M (4) M (5) M (6) M (7)
#define REP_K(M) REP_1 (M) M (8) M (9) M (10) M (11)
#endif

#define DECL_ACC(k, v) VEC acc##k##_##v = vset1 (0.0f);
#define DECL_IN(v) VEC in##v = vset1 (0.0f); MASK m##v = vmask (xs + v * VL, out_w);
#define INIT_ACC(k, v) if (k < NK && v < NX) acc##k##_##v = vset1 (bias[k]);
/* The empty asm pins each input vector in a register: left alone, GCC
 * folds the load into every FMA that uses it (R or NK loads instead of
 * one, each split across two cache lines). */
#define LOAD_IN(v)                                                              \
  if (v < NX)                                                                   \
    {                                                                           \
      in##v = EDGE ? vloadm (m##v, p + v * VL) : vload (p + v * VL);            \
      __asm__ ("" : "+v" (in##v));                                              \
    }
#define FMA_KV(k, v) if (v < NX) acc##k##_##v = vfma (in##v, wv, acc##k##_##v);
#define FMA_K(k) if (k < NK) { VEC wv = vset1 (wp[k]); REP_V (FMA_KV, k) }
#define PUT_KV(k, v) \
  if (k < NK && v < NX) FN (put) (outp[k] + xs + v * VL, acc##k##_##v, EDGE, m##v, act);

