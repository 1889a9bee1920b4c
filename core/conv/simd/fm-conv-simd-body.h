/* fm-conv-simd-body.h: the vector inner loops, written once and compiled
 * per ISA.  The including file defines, before including:
 *
 *   VL                 floats per vector
 *   VEC, MASK          vector and lane-mask types
 *   vload(p), vloadm(m, p), vstore(p, v), vstorem(p, m, v), vstream(p, v)
 *   vset1(x), vfma(a, b, c) = a·b + c, vmax(a, b), vmul(a, b), vabs(a)
 *   vmask(x, n)        lanes whose column x + lane lies in [0, n)
 *   vfence()           orders streaming stores before the sink reads them
 *   FN(name)           the ISA-suffixed name
 *   ISA_NAME           "avx512", the suffix of the kernels' path names
 *   ISA_SUPPORTED()    does this CPU run it?
 *
 * Masked loads matter: a vector at the image's right edge may reach past
 * the end of the band, and a masked-off lane never faults.  Interior blocks
 * use plain loads (the EDGE instantiations are the only masked ones).
 *
 * Register blocks are compile-time constants (NK, NX, R, KH, KW) passed to
 * always_inline functions, so the accumulators live in registers and the
 * loops over them unroll; the dispatchers at the bottom pick the
 * instantiation from the plan.
 */

#define ALWAYS_INLINE static inline __attribute__ ((always_inline))

typedef struct {
  const FmConvPlan *plan;
  const FmSimdPlan *sp;
  const FmConvTask *task;
  float *slots;
  int *slot_row;
  float *stage;
  gsize stage_stride;   /* floats per staging row */
  FmActivation act;     /* applied as results are stored (NONE when the
                           engine applies it) */
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
 * unless it can be read in place.  Without a band (task->image), the row
 * is padded here from the image row, or read in place when it needs no
 * padding and no split. */
static const float *
FN (get_row) (FN (Ctx) *cx, int t)
{
  const FmSimdPlan *sp = cx->sp;
  const FmConvTask *task = cx->task;
  const FmConvPlan *plan = cx->plan;
  const gsize row_floats = (gsize) plan->geo.in_w * plan->params.channels;

  if (task->image && sp->direct_band && plan->padded_w == plan->geo.in_w
      && task->row_map[t] >= 0)
    return task->image + task->row_map[t] * row_floats;
  if (!task->image && sp->direct_band)
    return task->band + (gsize) t * plan->band_stride;

  int s = t % sp->n_slots;
  float *dst = cx->slots + (gsize) s * sp->slot_floats;
  if (cx->slot_row[s] == t)
    return dst;
  cx->slot_row[s] = t;
  if (!task->image)
    {
      FN (split_row) (plan, sp, task->band + (gsize) t * plan->band_stride, dst);
      return dst;
    }
  if (task->row_map[t] < 0)
    {
      memset (dst, 0, sp->slot_floats * sizeof (float));
      return dst;
    }
  const float *src = task->image + task->row_map[t] * row_floats;
  if (sp->direct_band)
    fm_simd_pad_row (plan, src, dst);   /* HWC as the band would be */
  else
    FN (split_image_row) (plan, sp, src, dst);
  return dst;
}

ALWAYS_INLINE VEC
FN (activate) (VEC v, FmActivation act)
{
  switch (act)
    {
    case FM_ACTIVATION_RELU:
      return vmax (v, vset1 (0.0f));
    case FM_ACTIVATION_LEAKY_RELU:
      /* max(v, 0.01 v) is v for v ≥ 0 and 0.01 v below, rounded the same
       * way as the scalar form. */
      return vmax (v, vmul (v, vset1 (0.01f)));
    case FM_ACTIVATION_ABS:
      return vabs (v);
    default:
      return v;
    }
}

static gboolean
FN (vector_activation) (FmActivation act)
{
  return act == FM_ACTIVATION_NONE || act == FM_ACTIVATION_RELU
         || act == FM_ACTIVATION_LEAKY_RELU || act == FM_ACTIVATION_ABS;
}

ALWAYS_INLINE void
FN (put) (float *dst, VEC v, int EDGE, MASK m, FmActivation act)
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
FN (flush_row) (float *dst, const float *src, int n, FmActivation act)
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
  if (act != FM_ACTIVATION_NONE)
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

/* ------------------------------------------------------------------------
 * "filters": NK filters × NX vectors at columns xs … xs + NX·VL − 1.
 * rowp[a]: padded row a of this output row's window, at its first plane
 * of the group. */
ALWAYS_INLINE void
FN (filters_block) (const float *const *rowp, gsize plane_c, int cg, int kh,
                    int kw, const int *col_off, const float *w, int xs, int out_w,
                    float *const *outp, const float *bias, FmActivation act,
                    const int NK, const int NX, const int EDGE)
{
  REP_KV (DECL_ACC)
  REP_1 (DECL_IN)
  REP_KV (INIT_ACC)

  const float *wp = w;
  for (int c = 0; c < cg; c++)
    for (int a = 0; a < kh; a++)
      {
        const float *row = rowp[a] + c * plane_c + xs;
        for (int b = 0; b < kw; b++, wp += NK)
          {
            /* col_off is a literal NULL for unit stride and dilation: the
             * taps' offsets are then constants, not loads. */
            const float *p = row + (col_off ? col_off[b] : b);
            REP_1 (LOAD_IN)
            REP_K (FMA_K)
          }
      }

  REP_KV (PUT_KV)
}

ALWAYS_INLINE void
FN (filters_row) (FN (Ctx) *cx, const float *const *rowp, const FmSimdBlock *bl,
                  float *const *outp, FmActivation act, const int NK, const int NX)
{
  const FmConvPlan *plan = cx->plan;
  const FmSimdPlan *sp = cx->sp;
  const int out_w = plan->geo.out_w, step = NX * VL;
  const float *base[FM_CONV_MAX_KERNEL];
  const int kh = plan->params.kh;

  for (int a = 0; a < kh; a++)
    base[a] = rowp[a] + bl->c0 * sp->plane_c;

#define FILTERS_SWEEP(CO)                                                       \
  do                                                                            \
    {                                                                           \
      int xs = 0;                                                               \
      for (; xs + step <= out_w; xs += step)                                    \
        FN (filters_block) (base, sp->plane_c, plan->group_channels, kh,        \
                            plan->params.kw, CO, bl->w, xs, out_w, outp,        \
                            plan->bias + bl->k0, act, NK, NX, 0);               \
      if (xs < out_w)                                                           \
        FN (filters_block) (base, sp->plane_c, plan->group_channels, kh,        \
                            plan->params.kw, CO, bl->w, xs, out_w, outp,        \
                            plan->bias + bl->k0, act, NK, NX, 1);               \
    }                                                                           \
  while (0)

  if (sp->unit_cols)
    FILTERS_SWEEP (NULL);
  else
    FILTERS_SWEEP (sp->col_off);
#undef FILTERS_SWEEP
}

/* ------------------------------------------------------------------------
 * "rows": R output rows × NX vectors of one filter.  rowp[j] is padded row
 * j of the R + kh − 1 rows the block reads, at the filter's first plane.
 * w is the filter's weights with R − 1 zero rows above and below each
 * channel's kh × kw (so that row j, output row r reads tap row j − r
 * without a test); KH, KW > 0 make the shape a constant, the loops unroll
 * and the zero taps vanish at compile time. */
#define INIT_ROW(r, v) if (r < R && v < NX) acc##r##_##v = vset1 (bias);
#define FMA_ROW(r)                                                              \
  if (r < R && (!KH || (j - r >= 0 && j - r < KH)))                             \
    {                                                                           \
      VEC wv = vset1 (wj[(j - r + R - 1) * kw_ + b]);                           \
      REP_V (FMA_KV, r)                                                         \
    }
#define PUT_ROW(r, v) \
  if (r < R && v < NX) FN (put) (outp[r] + xs + v * VL, acc##r##_##v, EDGE, m##v, act);

ALWAYS_INLINE void
FN (rows_block) (const float *const *rowp, gsize plane_c, int cg, int kh, int kw,
                 const int *col_off, const float *w, gsize w_stride, int xs, int out_w,
                 float *const *outp, float bias, FmActivation act,
                 const int R, const int NX, const int KH, const int KW, const int EDGE)
{
  const int kh_ = KH ? KH : kh, kw_ = KW ? KW : kw;
  REP_KV (DECL_ACC)
  REP_1 (DECL_IN)
  REP_KV (INIT_ROW)

  for (int c = 0; c < cg; c++)
    {
      const float *wc = w + (gsize) c * w_stride;
#pragma GCC unroll 12
      for (int j = 0; j < R + kh_ - 1; j++)
        {
          /* Hide the weights' address from the optimiser at each input
           * row: otherwise it hoists all kh·kw broadcasts out of the loops,
           * runs out of registers and reloads the inputs for every FMA. */
          const float *wj = wc;
          __asm__ ("" : "+r" (wj));
          const float *row = rowp[j] + c * plane_c + xs;
#pragma GCC unroll 8
          for (int b = 0; b < kw_; b++)
            {
              const float *p = row + (col_off ? col_off[b] : b);
              REP_1 (LOAD_IN)
              REP_K (FMA_ROW)
            }
        }
    }

  REP_KV (PUT_ROW)
}

ALWAYS_INLINE void
FN (rows_row) (FN (Ctx) *cx, const float *const *rowp, int k, float *const *outp,
               FmActivation act, const int R, const int NX, const int KH, const int KW)
{
  const FmConvPlan *plan = cx->plan;
  const FmSimdPlan *sp = cx->sp;
  const FmConvParams *p = &plan->params;
  const int out_w = plan->geo.out_w, step = NX * VL, cg = plan->group_channels;
  const int wrows = p->kh + 2 * (sp->rows - 1);
  const float *w = sp->w_rows + (gsize) k * cg * wrows * p->kw
                   + (gsize) (sp->rows - R) * p->kw;   /* R < rows: skip the extra zero rows */
  const float *base[FM_CONV_MAX_KERNEL + 16];
  const int g = k / plan->group_filters;

  /* A block of R < sp->rows rows reads the same layout with fewer zero
   * rows: row j − r + R − 1 of its view is row j − r + rows − 1 of the
   * stored one, hence the offset above. */
  for (int j = 0; j < R + p->kh - 1; j++)
    base[j] = rowp[j] + (gsize) g * cg * sp->plane_c;

#define ROWS_SWEEP(CO)                                                          \
  do                                                                            \
    {                                                                           \
      int xs = 0;                                                               \
      for (; xs + step <= out_w; xs += step)                                    \
        FN (rows_block) (base, sp->plane_c, cg, p->kh, p->kw, CO, w,            \
                         (gsize) wrows * p->kw, xs, out_w, outp, plan->bias[k], \
                         act, R, NX, KH, KW, 0);                                \
      if (xs < out_w)                                                           \
        FN (rows_block) (base, sp->plane_c, cg, p->kh, p->kw, CO, w,            \
                         (gsize) wrows * p->kw, xs, out_w, outp, plan->bias[k], \
                         act, R, NX, KH, KW, 1);                                \
    }                                                                           \
  while (0)

  if (sp->unit_cols)
    ROWS_SWEEP (NULL);
  else
    ROWS_SWEEP (sp->col_off);
#undef ROWS_SWEEP
}

/* ------------------------------------------------------------------------
 * "channels": NP pixels × NF vectors of filters, reading the HWC band.
 * rowp[a]: padded row a of the window; q walks one tap's NP pixels; the
 * results go to the pixel-major tile (pixel x at tile + x·K). */
#define CH_DECL_W(f) VEC wv##f = vset1 (0.0f);
#define CH_INIT(p, f)                                                           \
  if (p < NP && f < NF && (!EDGE || p < np))                                    \
    acc##p##_##f = first ? vload (bias + f * VL) : vload (tile + (gsize) p * K + f * VL);
#define CH_LOADW(f) if (f < NF) wv##f = vload (wc + f * VL);
#define CH_FMA_PF(p, f) if (f < NF) acc##p##_##f = vfma (wv##f, xb, acc##p##_##f);
#define CH_FMA_P(p)                                                             \
  if (p < NP && (!EDGE || p < np))                                              \
    {                                                                           \
      VEC xb = vset1 (q[p * pstep + c]);                                        \
      REP_V (CH_FMA_PF, p)                                                      \
    }
#define CH_STORE(p, f)                                                          \
  if (p < NP && f < NF && (!EDGE || p < np))                                    \
    vstore (tile + (gsize) p * K + f * VL,                                      \
            last ? FN (activate) (acc##p##_##f, act) : acc##p##_##f);

/* Channels c0 .. c0 + cn − 1 of NP pixels × NF vectors of filters: start
 * from the bias (first block) or the tile's partial sums, leave the sums in
 * the tile (activated after the last block).  w: the block's weights,
 * kh × kw × cn × NF·VL. */
ALWAYS_INLINE void
FN (channels_block) (const float *const *rowp, int C, int c0, int cn, int kh, int kw,
                     int dx, gsize pstep, const float *w, const float *bias, int x0,
                     int np, float *tile, int K, FmActivation act, int first, int last,
                     const int NP, const int NF, const int EDGE)
{
  REP_KV (DECL_ACC)
  REP_1 (CH_DECL_W)
#define INIT_CH(p, f) CH_INIT (p, f)
  REP_KV (INIT_CH)
#undef INIT_CH
  const gsize wstep = (gsize) NF * VL;
  const float *wc = w;
  for (int a = 0; a < kh; a++)
    for (int b = 0; b < kw; b++)
      {
        const float *q = rowp[a] + (gsize) x0 * pstep + (gsize) b * dx * C + c0;
        for (int c = 0; c < cn; c++, wc += wstep)
          {
            REP_1 (CH_LOADW)
            REP_K (CH_FMA_P)
          }
      }
  REP_KV (CH_STORE)
}

#define CHANNELS_NP(nf) ((nf) >= 4 ? CHANNELS_NP4 : (nf) >= 2 ? CHANNELS_NP2 : CHANNELS_NP1)

/* One pass of NF·VL filters over the row: channel block after channel
 * block, each over every pixel of the row while its weights sit in L1. */
ALWAYS_INLINE void
FN (channels_pass) (FN (Ctx) *cx, const float *const *rowp, int k0, float *tile,
                    const int NF)
{
  const FmConvPlan *plan = cx->plan;
  const FmSimdPlan *sp = cx->sp;
  const FmConvParams *p = &plan->params;
  const int out_w = plan->geo.out_w, K = p->n_filters, C = p->channels;
  const gsize pstep = (gsize) p->stride_x * C;
  const int NP = CHANNELS_NP (NF);
  const float *w = sp->w_ch + (gsize) p->kh * p->kw * C * k0;
  for (int c0 = 0; c0 < C; c0 += sp->cb)
    {
      const int cn = MIN (sp->cb, C - c0);
      const int first = c0 == 0, last = c0 + cn == C;
      int x0 = 0;
      for (; x0 + NP <= out_w; x0 += NP)
        FN (channels_block) (rowp, C, c0, cn, p->kh, p->kw, p->dilation_x, pstep, w,
                             sp->bias_ch + k0, x0, NP, tile + (gsize) x0 * K + k0, K,
                             cx->act, first, last, NP, NF, 0);
      if (x0 < out_w)
        FN (channels_block) (rowp, C, c0, cn, p->kh, p->kw, p->dilation_x, pstep, w,
                             sp->bias_ch + k0, x0, out_w - x0,
                             tile + (gsize) x0 * K + k0, K, cx->act, first, last,
                             NP, NF, 1);
      w += (gsize) p->kh * p->kw * cn * NF * VL;
    }
}

/* Pixel-major tile of output row i (pixel x, filter k at tile + x·K + k)
 * → one plane per filter, activated unless the tile already is. */
static void
FN (tile_to_planes) (FN (Ctx) *cx, const float *tile, int i)
{
  const FmConvTask *task = cx->task;
  const int out_w = cx->plan->geo.out_w, K = cx->plan->params.n_filters;
  int x_done = 0;
#if defined(TRANSPOSE16) && VL == 16
  /* 16 pixels × 16 filters at a time, in registers (K is a multiple of 16
   * here): no gathers. */
  const int x_end = out_w / 16 * 16;
  for (int k = 0; k < K; k += 16)
    for (int x = 0; x < x_end; x += 16)
      TRANSPOSE16 (tile + (gsize) x * K + k, K,
                   task->out + k * task->plane_stride + (gsize) i * out_w + x,
                   task->plane_stride);
  x_done = x_end;
#endif
  /* The rest a vector of pixels per strided gather. */
  const VIDX stride_idx = vindex (K);
  for (int k = 0; k < K; k++)
    {
      float *o = task->out + k * task->plane_stride + (gsize) i * out_w;
      const float *t = tile + k;
      int x = x_done;
      for (; x + VL <= out_w; x += VL)
        vstore (o + x, vgather (t + (gsize) x * K, stride_idx));
      for (; x < out_w; x++)
        o[x] = t[(gsize) x * K];
      if (!FN (vector_activation) (cx->act))
        fm_conv_activate (cx->act, o, out_w);
    }
}

static void
FN (channels_rows) (FN (Ctx) *cx0)
{
  FN (Ctx) cx = *cx0;
  const FmConvPlan *plan = cx.plan;
  const FmSimdPlan *sp = cx.sp;
  const FmConvTask *task = cx.task;
  const FmConvParams *p = &plan->params;
  const int K = p->n_filters;
  const float *rowp[FM_CONV_MAX_KERNEL];
  float *tile = cx.stage;

  for (int i = 0; i < task->n_rows; i++)
    {
      for (int a = 0; a < p->kh; a++)
        rowp[a] = FN (get_row) (&cx, i * p->stride_y + a * p->dilation_y);
      for (int k0 = 0; k0 < K; k0 += sp->nf * VL)
        switch (sp->nf)
          {
          case 4: FN (channels_pass) (&cx, rowp, k0, tile, 4); break;
          case 2: FN (channels_pass) (&cx, rowp, k0, tile, 2); break;
          default: FN (channels_pass) (&cx, rowp, k0, tile, 1); break;
          }
      FN (tile_to_planes) (&cx, tile, i);
    }
}

#include "fm-conv-winograd-body.h"

/* ------------------------------------------------------------------------
 * The kernel's rows() entry: walk the chunk's output rows, fetch (split)
 * the padded rows each needs, and run every block over them. */

#define DISPATCH_FILTERS(NK)                                                    \
  case NK:                                                                      \
    FN (filters_row) (&cx, rowp, bl, outp, act, NK, FILTERS_NX (NK));           \
    break;

static void
FN (filters_rows) (FN (Ctx) *cx0, gboolean stream)
{
  FN (Ctx) cx = *cx0;
  const FmConvPlan *plan = cx.plan;
  const FmSimdPlan *sp = cx.sp;
  const FmConvTask *task = cx.task;
  const FmConvParams *p = &plan->params;
  const int out_w = plan->geo.out_w;
  const FmActivation act = stream ? FM_ACTIVATION_NONE : cx.act;
  const float *rowp[FM_CONV_MAX_KERNEL];
  float *outp[16];

  for (int i = 0; i < task->n_rows; i++)
    {
      for (int a = 0; a < p->kh; a++)
        rowp[a] = FN (get_row) (&cx, i * p->stride_y + a * p->dilation_y);
      for (int n = 0; n < sp->n_blocks; n++)
        {
          const FmSimdBlock *bl = &sp->blocks[n];
          for (int k = 0; k < bl->nk; k++)
            outp[k] = stream ? cx.stage + k * cx.stage_stride
                             : task->out + (bl->k0 + k) * task->plane_stride
                               + (gsize) i * out_w;
          switch (bl->nk)
            {
              FILTERS_NK_CASES
            default:
              g_assert_not_reached ();
            }
          if (stream)
            for (int k = 0; k < bl->nk; k++)
              FN (flush_row) (task->out + (bl->k0 + k) * task->plane_stride
                              + (gsize) i * out_w, outp[k], out_w, cx.act);
          else if (!FN (vector_activation) (act))
            for (int k = 0; k < bl->nk; k++)
              fm_conv_activate (act, outp[k], out_w);
        }
    }
}

#define ROWS_SHAPE(R, KH, KW) \
  FN (rows_row) (&cx, rowp, k, outp, act, R, ROWS_NX, KH, KW)

ALWAYS_INLINE void
FN (rows_one) (FN (Ctx) *cx0, const float *const *rowp, int k, float *const *outp,
               FmActivation act, const int R)
{
  FN (Ctx) cx = *cx0;
  const FmConvParams *p = &cx.plan->params;
  if (p->kh == 3 && p->kw == 3)
    ROWS_SHAPE (R, 3, 3);
  else if (p->kh == 5 && p->kw == 5)
    ROWS_SHAPE (R, 5, 5);
  else if (p->kh == 7 && p->kw == 7)
    ROWS_SHAPE (R, 7, 7);
  else
    ROWS_SHAPE (R, 0, 0);
}

static void
FN (rows_rows) (FN (Ctx) *cx0, gboolean stream)
{
  FN (Ctx) cx = *cx0;
  const FmConvPlan *plan = cx.plan;
  const FmConvTask *task = cx.task;
  const FmConvParams *p = &plan->params;
  const int out_w = plan->geo.out_w;
  const FmActivation act = stream ? FM_ACTIVATION_NONE : cx.act;
  const float *rowp[FM_CONV_MAX_KERNEL + 16];
  float *outp[ROWS_R];

  for (int i = 0; i < task->n_rows;)
    {
      const int R = task->n_rows - i >= ROWS_R ? ROWS_R : 1;
      for (int j = 0; j < R + p->kh - 1; j++)
        rowp[j] = FN (get_row) (&cx, i + j);
      for (int k = 0; k < p->n_filters; k++)
        {
          for (int r = 0; r < R; r++)
            outp[r] = stream ? cx.stage + r * cx.stage_stride
                             : task->out + k * task->plane_stride + (gsize) (i + r) * out_w;
          if (R == ROWS_R)
            FN (rows_one) (&cx, rowp, k, outp, act, ROWS_R);
          else
            FN (rows_one) (&cx, rowp, k, outp, act, 1);
          if (stream)
            for (int r = 0; r < R; r++)
              FN (flush_row) (task->out + k * task->plane_stride + (gsize) (i + r) * out_w,
                              outp[r], out_w, cx.act);
          else if (!FN (vector_activation) (act))
            for (int r = 0; r < R; r++)
              fm_conv_activate (act, outp[r], out_w);
        }
      i += R;
    }
}

static void
FN (run_rows) (const FmConvPlan *plan, const FmConvTask *task)
{
  const FmSimdPlan *sp = plan->kernel_data;
  FmSimdScratch layout;
  fm_simd_scratch_layout (plan, task->n_rows, &layout);
  /* Split rows and staging rows start on a cache line. */
  guint8 *scratch = (guint8 *) (((guintptr) task->scratch + 63) & ~(guintptr) 63);
  FN (Ctx) cx = {
    .plan = plan,
    .sp = sp,
    .task = task,
    .slots = (float *) (scratch + layout.slots),
    .slot_row = (int *) (scratch + layout.slot_row),
    .stage = (float *) (scratch + layout.stage),
    .stage_stride = fm_simd_stage_stride (plan),
    .act = plan->params.activation,
  };
  for (int s = 0; s < sp->n_slots; s++)
    cx.slot_row[s] = -1;

  /* Stream only what goes straight to a map far larger than the caches,
   * and only when nothing reads it back right away (activation fused). */
  gboolean stream = sp->stream
                    && (double) task->plane_stride * plan->params.n_filters * sizeof (float)
                       >= FM_SIMD_STREAM_BYTES
                    && FN (vector_activation) (plan->params.activation);
  if (sp->shape == FM_SIMD_CHANNELS)
    FN (channels_rows) (&cx);
  else if (sp->shape == FM_SIMD_WINOGRAD)
    FN (winograd_rows) (&cx, (float *) (scratch + layout.wino_v),
                        (float *) (scratch + layout.wino_m));
  else if (sp->shape == FM_SIMD_FILTERS)
    FN (filters_rows) (&cx, stream);
  else
    FN (rows_rows) (&cx, stream);
  if (stream)
    vfence ();
}

/* One FmConvKernel per shape: "<shape>-<ISA>" runs when the CPU has the
 * ISA, the shape can run the plan and the cost model (or a forced path)
 * names it.  NK, NX, R: fm_simd_plan_prepare's register blocking. */
#define FM_SIMD_KERNEL(var, shape, SHAPE, NK, NX, R)                            \
  static gboolean FN (shape##_supports) (const FmConvPlan *plan)                \
  {                                                                             \
    return ISA_SUPPORTED () && fm_simd_shape_possible (plan, SHAPE, VL)         \
           && fm_conv_select_prefers (plan, #shape "-" ISA_NAME);               \
  }                                                                             \
  static gboolean FN (shape##_prepare) (FmConvPlan *plan, GError **error)       \
  {                                                                             \
    return fm_simd_plan_prepare (plan, SHAPE, VL, NK, NX, R, error);            \
  }                                                                             \
  const FmConvKernel var = {                                                    \
    .name = #shape "-" ISA_NAME,                                                \
    .supports = FN (shape##_supports),                                          \
    .prepare = FN (shape##_prepare),                                            \
    .scratch_size = fm_simd_scratch_size,                                       \
    .rows = FN (run_rows),                                                      \
    .applies_activation = TRUE,                                                 \
    .reads_image = TRUE,                                                        \
  };
