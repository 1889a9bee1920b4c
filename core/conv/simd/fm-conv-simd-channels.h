/* fm-conv-simd-channels.h: the "channels" loop shape (vectorised over
 * filters: NF vectors of filters × NP pixels, aligned weight loads and
 * broadcast inputs from the HWC band, results transposed into the map
 * planes once per row), compiled per ISA through fm-conv-simd-body.h.
 * fm-conv-simd-winograd.h reuses its register block. */

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
                     int np, float *tile, int K, const FmConvAct *act, int first, int last,
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
  if (task->interleaved)
    {
      float *o = task->out + (gsize) i * task->row_stride;
      memcpy (o, tile, (gsize) out_w * K * sizeof (float));
      if (!FN (vector_activation) (cx->act))
        fm_conv_activate (cx->act, o, out_w * K);
      return;
    }
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

