/* fm-conv-simd-rows.h: the "rows" loop shape (R output rows × NX vectors
 * of one filter: each input vector feeds the R rows whose window holds
 * it), compiled per ISA through fm-conv-simd-body.h. */

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
                 float *const *outp, float bias, const FmConvAct *act,
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
               const FmConvAct *act, const int R, const int NX, const int KH, const int KW)
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


#define ROWS_SHAPE(R, KH, KW) \
  FN (rows_row) (&cx, rowp, k, outp, act, R, ROWS_NX, KH, KW)

ALWAYS_INLINE void
FN (rows_one) (FN (Ctx) *cx0, const float *const *rowp, int k, float *const *outp,
               const FmConvAct *act, const int R)
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
  const FmConvAct *act = stream ? &fm_conv_act_none : cx.act;
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

