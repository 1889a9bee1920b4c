/* fm-conv-simd-filters.h: the "filters" loop shape (NK filters × NX
 * vectors of pixels per register block: each input vector feeds NK
 * filters, each broadcast weight NX vectors), compiled per ISA through
 * fm-conv-simd-body.h. */

/* ------------------------------------------------------------------------
 * "filters": NK filters × NX vectors at columns xs … xs + NX·VL − 1.
 * rowp[a]: padded row a of this output row's window, at its first plane
 * of the group. */
ALWAYS_INLINE void
FN (filters_block) (const float *const *rowp, gsize plane_c, int cg, int kh,
                    int kw, const int *col_off, const float *w, int xs, int out_w,
                    float *const *outp, const float *bias, const FmConvAct *act,
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
                  float *const *outp, const FmConvAct *act, const int NK, const int NX)
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
  const FmConvAct *act = stream ? &fm_conv_act_none : cx.act;
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

