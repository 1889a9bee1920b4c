/* fm-conv-simd-winograd.h: the "winograd" loop shape, compiled per ISA
 * through fm-conv-simd-body.h; it borrows the "channels" register block
 * (fm-conv-simd-channels.h), get_row and tile_to_planes.
 *
 * Why: a 3 × 3 layer over many channels (W5: 64 → 64) is all multiply-adds,
 * and direct it runs at about 65 % of this machine's peak.  The minimal
 * filtering algorithm F(2 × 2, 3 × 3) (Lavin & Gray, 2016) gets a 2 × 2
 * block of outputs from a 4 × 4 tile of inputs with 16 products per channel
 * and filter instead of 36: 2.25 × fewer multiply-adds, spent in 16
 * independent products (tiles × C by C × K), one per point ξ of the tile,
 * which run in the "channels" register block with a 1 × 1 window.  Bᵀ and
 * Aᵀ hold only 0 and ±1 and G only 0, ±½ and 1, so the transforms add
 * little rounding: results stay well inside the 1e-4 tolerance (F(4, 3)
 * would save more but its larger constants cost digits).
 *
 * Per pair of output rows: the 4 padded rows they read; the row's tiles in
 * blocks of wino_tiles: input transform V = Bᵀ·d·B, vectorised over
 * channels, into V[ξ][tile][c]; M[ξ] = V[ξ]·U[ξ] (bias carried by ξ = 5);
 * output transform Y = Aᵀ·M·A and the activation into the two pixel-major
 * row tiles, which tile_to_planes turns into map rows.
 */

/* Bᵀ·d·B of the tile whose first padded column is x, for every channel;
 * columns at or past ncols (the last tile of an odd row) read as zeros.
 * v: this tile's slot in V, vstride floats from one ξ to the next. */
ALWAYS_INLINE void
FN (wino_in_tile) (const float *const *rowp, int C, int x, int ncols, float *v,
                   gsize vstride)
{
  for (int cv = 0; cv < C; cv += VL)
    {
      VEC d[4][4], e[4][4];
      for (int r = 0; r < 4; r++)
        for (int s = 0; s < 4; s++)
          d[r][s] = s < ncols ? vload (rowp[r] + (gsize) (x + s) * C + cv) : vset1 (0.0f);
      /* Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], down the columns … */
      for (int s = 0; s < 4; s++)
        {
          e[0][s] = vsub (d[0][s], d[2][s]);
          e[1][s] = vadd (d[1][s], d[2][s]);
          e[2][s] = vsub (d[2][s], d[1][s]);
          e[3][s] = vsub (d[1][s], d[3][s]);
        }
      /* … then along the rows. */
      for (int r = 0; r < 4; r++)
        {
          float *o = v + (gsize) 4 * r * vstride + cv;
          vstore (o, vsub (e[r][0], e[r][2]));
          vstore (o + vstride, vadd (e[r][1], e[r][2]));
          vstore (o + 2 * vstride, vsub (e[r][2], e[r][1]));
          vstore (o + 3 * vstride, vsub (e[r][1], e[r][3]));
        }
    }
}

/* Aᵀ·M·A with Aᵀ = [1 1 1 0; 0 1 −1 −1] for one tile, every filter: the
 * tile's 2 × 2 outputs to pixels 0, 1 of row tiles y0 and y1. */
ALWAYS_INLINE void
FN (wino_out_tile) (const float *m, gsize mstride, int K, float *y0, float *y1,
                    const FmConvAct *act)
{
  for (int kv = 0; kv < K; kv += VL)
    {
      VEC u0[4], u1[4];
      for (int j = 0; j < 4; j++)
        {
          VEC m0 = vload (m + (gsize) j * mstride + kv);
          VEC m1 = vload (m + (gsize) (4 + j) * mstride + kv);
          VEC m2 = vload (m + (gsize) (8 + j) * mstride + kv);
          VEC m3 = vload (m + (gsize) (12 + j) * mstride + kv);
          u0[j] = vadd (vadd (m0, m1), m2);
          u1[j] = vsub (vsub (m1, m2), m3);
        }
      vstore (y0 + kv, FN (activate) (vadd (vadd (u0[0], u0[1]), u0[2]), act));
      vstore (y0 + K + kv, FN (activate) (vsub (vsub (u0[1], u0[2]), u0[3]), act));
      vstore (y1 + kv, FN (activate) (vadd (vadd (u1[0], u1[1]), u1[2]), act));
      vstore (y1 + K + kv, FN (activate) (vsub (vsub (u1[1], u1[2]), u1[3]), act));
    }
}

/* M[ξ] = V[ξ]·U[ξ] for nt tiles: the "channels" block with a 1 × 1 window
 * whose pixels are tiles, NF vectors of filters per pass, channel blocks
 * of cb so a block of U stays in L1. */
ALWAYS_INLINE void
FN (wino_gemm) (const FmConvPlan *plan, const FmSimdPlan *sp, const float *V, float *M,
                int nt, const int NF)
{
  const int C = plan->params.channels, K = plan->params.n_filters, T = sp->wino_tiles;
  const int NP = CHANNELS_NP (NF);
  const gsize per_pass = (gsize) NF * VL;
  for (int xi = 0; xi < 16; xi++)
    {
      const float *vx = V + (gsize) xi * T * C;
      float *mx = M + (gsize) xi * T * K;
      for (int k0 = 0; k0 < K; k0 += NF * VL)
        {
          const float *w = sp->w_wino + ((gsize) xi * K + k0) * C;
          const float *bias = (xi == 5 ? sp->bias_ch : sp->zeros) + k0;
          for (int c0 = 0; c0 < C; c0 += sp->cb)
            {
              const int cn = MIN (sp->cb, C - c0);
              const int first = c0 == 0, last = c0 + cn == C;
              const float *wb = w + (gsize) c0 * per_pass;
              int t0 = 0;
              for (; t0 + NP <= nt; t0 += NP)
                FN (channels_block) (&vx, C, c0, cn, 1, 1, 1, C, wb, bias, t0, NP,
                                     mx + (gsize) t0 * K + k0, K, &fm_conv_act_none,
                                     first, last, NP, NF, 0);
              if (t0 < nt)
                FN (channels_block) (&vx, C, c0, cn, 1, 1, 1, C, wb, bias, t0, nt - t0,
                                     mx + (gsize) t0 * K + k0, K, &fm_conv_act_none,
                                     first, last, NP, NF, 1);
            }
        }
    }
}

static void
FN (winograd_rows) (FN (Ctx) *cx0, float *V, float *M)
{
  FN (Ctx) cx = *cx0;
  const FmConvPlan *plan = cx.plan;
  const FmSimdPlan *sp = cx.sp;
  const FmConvTask *task = cx.task;
  const int C = plan->params.channels, K = plan->params.n_filters, T = sp->wino_tiles;
  const int out_w = plan->geo.out_w, n_tiles = (out_w + 1) / 2;
  const gsize row_tile = (gsize) K * cx.stage_stride;
  /* Tiles pair output rows 2j, 2j + 1 of the image wherever the chunk
   * starts, so a row's rounding never depends on how the run was split.
   * A pair's top row reads padded rows 0–2 of its tile and its bottom row
   * rows 1–3, bit for bit (Bᵀ and Aᵀ keep them apart), so a pair cut by
   * the chunk's start or end reads zeros for the row it lacks and keeps
   * only the output row the chunk owns. */
  const int n_padded = task->n_rows + 2;
  const float *rowp[4];

  for (int i = -(task->row0 & 1); i < task->n_rows; i += 2)
    {
      for (int a = 0; a < 4; a++)
        rowp[a] = i + a >= 0 && i + a < n_padded ? FN (get_row) (&cx, i + a) : sp->zeros;
      for (int t0 = 0; t0 < n_tiles; t0 += T)
        {
          const int nt = MIN (T, n_tiles - t0);
          for (int t = 0; t < nt; t++)
            {
              const int x = 2 * (t0 + t);
              float *v = V + (gsize) t * C;
              if (x + 4 <= plan->padded_w)
                FN (wino_in_tile) (rowp, C, x, 4, v, (gsize) T * C);
              else
                FN (wino_in_tile) (rowp, C, x, plan->padded_w - x, v, (gsize) T * C);
            }
          switch (sp->nf)
            {
            case 4: FN (wino_gemm) (plan, sp, V, M, nt, 4); break;
            case 2: FN (wino_gemm) (plan, sp, V, M, nt, 2); break;
            default: FN (wino_gemm) (plan, sp, V, M, nt, 1); break;
            }
          /* An odd row's last tile writes one pixel past out_w: the row
           * tiles have room (stage_stride ≥ out_w + 16), the maps never
           * see it. */
          for (int t = 0; t < nt; t++)
            {
              const gsize px = (gsize) 2 * (t0 + t) * K;
              FN (wino_out_tile) (M + (gsize) t * K, (gsize) T * K, K, cx.stage + px,
                                  cx.stage + row_tile + px, cx.act);
            }
        }
      if (i >= 0)
        FN (tile_to_planes) (&cx, cx.stage, i);
      if (i + 1 < task->n_rows)
        FN (tile_to_planes) (&cx, cx.stage + row_tile, i + 1);
    }
}
