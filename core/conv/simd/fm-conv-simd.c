/* fm-conv-simd.c: plan-time work shared by the vector kernels — packing the
 * weights in the order the loops read them, the split-row layout, the
 * scratch layout, and the scalar helpers.  No ISA-specific code here. */
#include "fm-conv-simd.h"
#include "fm-conv-taps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ROUND_UP(n, m) (((n) + (m) - 1) / (m) * (m))

static void
simd_plan_free (gpointer data)
{
  FmSimdPlan *sp = data;
  g_free (sp->col_off);
  g_free (sp->blocks);
  g_free (sp->w_rows);
  g_free (sp->packed);
  free (sp->w_ch);       /* posix_memalign */
  free (sp->w_wino);
  g_free (sp->bias_ch);
  g_free (sp->zeros);
  g_free (sp);
}

gboolean
fm_simd_rows_possible (const FmConvPlan *plan)
{
  return plan->params.stride_y == 1 && plan->params.dilation_y == 1;
}

/* OHWI weight of filter k, tap (a, b), channel c of its group. */
static inline float
weight (const FmConvPlan *plan, int k, int a, int b, int c)
{
  const FmConvParams *p = &plan->params;
  return plan->weights[(((gsize) k * p->kh + a) * p->kw + b) * plan->group_channels + c];
}

/* Blocks of at most nk_max filters, never straddling a group, in sizes the
 * ISA file instantiates. */
static gboolean
pack_filters (FmConvPlan *plan, FmSimdPlan *sp, int nk_max)
{
  static const int sizes[] = { 12, 8, 6, 4, 3, 2, 1 };
  const FmConvParams *p = &plan->params;
  const int cg = plan->group_channels, gf = plan->group_filters;
  const gsize taps = (gsize) cg * p->kh * p->kw;

  sp->blocks = g_new0 (FmSimdBlock, p->n_filters);
  sp->packed = g_try_new (float, taps * p->n_filters);
  if (!sp->packed)
    return FALSE;

  float *dst = sp->packed;
  for (int g = 0; g < plan->groups; g++)
    for (int k0 = g * gf; k0 < (g + 1) * gf;)
      {
        int left = (g + 1) * gf - k0, nk = 1;
        for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
          if (sizes[i] <= nk_max && sizes[i] <= left)
            {
              nk = sizes[i];
              break;
            }
        FmSimdBlock *bl = &sp->blocks[sp->n_blocks++];
        *bl = (FmSimdBlock) { .k0 = k0, .nk = nk, .c0 = g * cg, .w = dst };
        for (int c = 0; c < cg; c++)
          for (int a = 0; a < p->kh; a++)
            for (int b = 0; b < p->kw; b++)
              for (int k = 0; k < nk; k++)
                *dst++ = weight (plan, k0 + k, a, b, c);
        k0 += nk;
      }
  return TRUE;
}

static gboolean
pack_rows (FmConvPlan *plan, FmSimdPlan *sp)
{
  const FmConvParams *p = &plan->params;
  const int cg = plan->group_channels, R = sp->rows;
  const int wrows = p->kh + 2 * (R - 1);
  const gsize per_filter = (gsize) cg * wrows * p->kw;

  sp->w_rows = g_try_new0 (float, per_filter * p->n_filters);
  if (!sp->w_rows)
    return FALSE;
  for (int k = 0; k < p->n_filters; k++)
    for (int c = 0; c < cg; c++)
      for (int a = 0; a < p->kh; a++)
        for (int b = 0; b < p->kw; b++)
          sp->w_rows[k * per_filter + ((gsize) c * wrows + a + R - 1) * p->kw + b]
            = weight (plan, k, a, b, c);
  return TRUE;
}

gboolean
fm_simd_channels_possible (const FmConvPlan *plan, int vl)
{
  return plan->groups == 1 && plan->params.n_filters % vl == 0;
}

/* The loop shapes against each other, in units of the "filters" loop (the
 * dense taps at this ISA's pace): each of the others beats it only where
 * it was measured to, and costs more elsewhere, so the ranking takes
 *  - "winograd" (F(2 × 2, 3 × 3): 16 products for 36, plus a tenth for the
 *    transforms) for 16 channels and filters or more (W5: 64 → 64, 1.6 ×
 *    faster than "channels"); below that the transforms are not paid back;
 *  - "channels" (vectorised over filters: aligned weight loads, broadcast
 *    inputs) for 16 channels or more, and for few channels when the caller
 *    wants interleaved rows (a network's layer) and there are two vectors of
 *    filters: it stores them straight from its pixel-major tile, the others
 *    through planes and a transposition that costs more than their better
 *    arithmetic saves (N1's 3 → 64 layer: 46 against 76 ms of CPU);
 *  - "rows" (R output rows × one filter, input vectors reused down the
 *    window) when each group has one or two filters and the window is one
 *    it instantiates (3 × 3, 5 × 5, 7 × 7) or tall (kh ≥ 8);
 *  - "filters" (several filters share each input vector) otherwise.
 * Equal costs go to the shape listed first in fm-conv-kernels.def:
 * winograd, channels, rows, filters. */
double
fm_simd_cost (const FmConvPlan *plan, FmSimdShape shape, int vl)
{
  const FmConvParams *p = &plan->params;
  const double dense = fm_conv_dense_taps (plan);
  switch (shape)
    {
    case FM_SIMD_WINOGRAD:
      return p->channels >= 16 && p->n_filters >= 16 ? dense * 16.0 / 36.0 * 1.1 : 2.0 * dense;
    case FM_SIMD_CHANNELS:
      return p->channels >= 16 || (p->prefer_interleaved && p->n_filters >= 2 * vl)
             ? dense : 1.25 * dense;
    case FM_SIMD_ROWS:
      {
        gboolean instantiated = p->kh == p->kw && (p->kh == 3 || p->kh == 5 || p->kh == 7);
        return plan->group_filters <= 2 && (instantiated || p->kh >= 8) ? dense : 1.25 * dense;
      }
    default:
      return dense;
    }
}

gboolean
fm_simd_shape_possible (const FmConvPlan *plan, FmSimdShape shape, int vl)
{
  switch (shape)
    {
    case FM_SIMD_ROWS:
      return fm_simd_rows_possible (plan);
    case FM_SIMD_CHANNELS:
      return fm_simd_channels_possible (plan, vl);
    case FM_SIMD_WINOGRAD:
      return fm_simd_winograd_possible (plan, vl);
    default:
      return TRUE;
    }
}

/* Filters per pass of the "channels" loops: 4, 2 or 1 vectors, whichever
 * divides K / vl. */
static int
pass_width (int K, int vl, int nf)
{
  const int nv = K / vl;
  return (nf >= 4 && nv % 4 == 0 ? 4 : nf >= 2 && nv % 2 == 0 ? 2 : 1) * vl;
}

static float *
aligned_floats (gsize n)
{
  void *mem = NULL;
  return posix_memalign (&mem, 64, n * sizeof (float)) == 0 ? mem : NULL;
}

gboolean
fm_simd_winograd_possible (const FmConvPlan *plan, int vl)
{
  const FmConvParams *p = &plan->params;
  return fm_simd_channels_possible (plan, vl) && p->channels % vl == 0
         && p->kh == 3 && p->kw == 3 && p->stride_x == 1 && p->stride_y == 1
         && p->dilation_x == 1 && p->dilation_y == 1;
}

/* U = G·g·Gᵀ per filter and channel, in double so the transform adds no
 * rounding of its own; G's rows are 1, ½, ½, 1 times (g0, g1, g2) combos:
 * G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. */
static gboolean
pack_winograd (FmConvPlan *plan, FmSimdPlan *sp, int nf)
{
  static const double G[4][3] = {
    { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 },
  };
  const FmConvParams *p = &plan->params;
  const int C = p->channels, K = p->n_filters;
  const int per_pass = pass_width (K, sp->vl, nf);

  sp->nf = per_pass / sp->vl;
  sp->cb = CLAMP ((int) (20 * 1024 / (per_pass * sizeof (float))), 1, C);
  sp->wino_tiles = 24;   /* a multiple of every pixel blocking NP */
  sp->w_wino = aligned_floats ((gsize) 16 * C * K);
  sp->bias_ch = g_new (float, K);
  sp->zeros = g_new0 (float, MAX (plan->band_stride, (gsize) K));
  if (!sp->w_wino)
    return FALSE;
  memcpy (sp->bias_ch, plan->bias, K * sizeof (float));
  for (int k = 0; k < K; k++)
    for (int c = 0; c < C; c++)
      {
        double gg[4][3];   /* G·g */
        for (int i = 0; i < 4; i++)
          for (int b = 0; b < 3; b++)
            {
              gg[i][b] = 0;
              for (int a = 0; a < 3; a++)
                gg[i][b] += G[i][a] * weight (plan, k, a, b, c);
            }
        const int pass = k / per_pass, j = k % per_pass;
        for (int i = 0; i < 4; i++)
          for (int jj = 0; jj < 4; jj++)
            {
              double u = 0;
              for (int b = 0; b < 3; b++)
                u += gg[i][b] * G[jj][b];
              const int xi = 4 * i + jj;
              sp->w_wino[((gsize) xi * K + (gsize) pass * per_pass) * C + (gsize) c * per_pass + j]
                = (float) u;
            }
      }
  return TRUE;
}

/* Weights as the "channels" loop reads them: per pass of nf·vl filters,
 * per block of cb channels, for each tap and channel of the block, the
 * pass's filters side by side (one aligned vector load per nf).  A block
 * is contiguous (kh × kw × cb × nf·vl floats, ≤ ~20 KB) so it stays in L1
 * without set conflicts while a whole row of pixels runs through it. */
static gboolean
pack_channels (FmConvPlan *plan, FmSimdPlan *sp, int nf)
{
  const FmConvParams *p = &plan->params;
  const int C = p->channels, K = p->n_filters, vl = sp->vl;
  const int per_pass = pass_width (K, vl, nf);
  const gsize taps = (gsize) p->kh * p->kw * C;
  const gsize block_budget = 20 * 1024;
  int cb = (int) (block_budget / ((gsize) p->kh * p->kw * per_pass * sizeof (float)));
  const char *env = g_getenv ("FEATUREMAPS_CHANNEL_BLOCK");   /* for tuning */
  if (env && atoi (env) > 0)
    cb = atoi (env);
  cb = CLAMP (cb, 1, C);

  sp->nf = per_pass / vl;
  sp->cb = cb;
  /* On a cache line: every weight vector load is one line, not two (a
   * plain malloc of this size lands 16 bytes past a page boundary). */
  sp->w_ch = aligned_floats (taps * K);
  sp->bias_ch = g_new (float, K);
  if (!sp->w_ch)
    return FALSE;
  float *dst = sp->w_ch;
  for (int k0 = 0; k0 < K; k0 += per_pass)
    for (int c0 = 0; c0 < C; c0 += cb)
      {
        const int c1 = MIN (C, c0 + cb);
        for (int a = 0; a < p->kh; a++)
          for (int b = 0; b < p->kw; b++)
            for (int c = c0; c < c1; c++)
              for (int j = 0; j < per_pass; j++)
                *dst++ = weight (plan, k0 + j, a, b, c);
      }
  memcpy (sp->bias_ch, plan->bias, K * sizeof (float));
  return TRUE;
}

gboolean
fm_simd_plan_prepare (FmConvPlan *plan, FmSimdShape shape, int vl, int nk_max,
                      int nx, int rows, GError **error)
{
  const FmConvParams *p = &plan->params;
  FmSimdPlan *sp = g_new0 (FmSimdPlan, 1);
  const int sx = p->stride_x;

  sp->shape = shape;
  sp->vl = vl;
  sp->nx = nx;
  sp->rows = shape == FM_SIMD_ROWS ? rows : 1;
  sp->direct_band = p->channels == 1 && sx == 1;
  sp->unit_cols = sx == 1 && p->dilation_x == 1;
  sp->stream = plan->stream_stores;
  sp->pw = ROUND_UP ((plan->padded_w + sx - 1) / sx, 16);
  sp->plane_c = (gsize) sx * sp->pw;
  sp->slot_floats = (gsize) p->channels * sp->plane_c;
  /* Slots also hold rows padded from the image when there is no band
   * (reads_image); a direct-band row then is padded_w × C interleaved. */
  sp->n_slots = sp->rows - 1 + plan->dkh;
  sp->col_off = g_new (int, p->kw);
  for (int b = 0; b < p->kw; b++)
    {
      int col = b * p->dilation_x;
      sp->col_off[b] = sp->direct_band ? col : (col % sx) * sp->pw + col / sx;
    }

  gboolean ok = shape == FM_SIMD_FILTERS ? pack_filters (plan, sp, nk_max)
               : shape == FM_SIMD_ROWS ? pack_rows (plan, sp)
               : shape == FM_SIMD_WINOGRAD ? pack_winograd (plan, sp, nk_max)
               : pack_channels (plan, sp, nk_max);
  if (shape == FM_SIMD_WINOGRAD)
    sp->n_slots = 4;   /* the 4 padded rows of a row of tiles */
  if (shape == FM_SIMD_CHANNELS || shape == FM_SIMD_WINOGRAD)
    {
      sp->direct_band = TRUE;   /* reads the HWC band as it is */
      sp->stream = FALSE;
    }
  if (sp->direct_band)
    sp->slot_floats = MAX (sp->slot_floats, plan->band_stride);
  if (!ok)
    {
      simd_plan_free (sp);
      g_set_error (error, FM_CONV_ERROR, FM_CONV_ERROR_TOO_LARGE,
                   "packed weights for %d filters of %d × %d × %d: out of memory",
                   p->n_filters, p->kh, p->kw, plan->group_channels);
      return FALSE;
    }
  plan->kernel_data = sp;
  plan->kernel_data_free = simd_plan_free;
  return TRUE;
}

gsize
fm_simd_stage_stride (const FmConvPlan *plan)
{
  return ROUND_UP ((gsize) plan->geo.out_w, 16) + 16;
}

void
fm_simd_scratch_layout (const FmConvPlan *plan, int max_rows, FmSimdScratch *s)
{
  const FmSimdPlan *sp = plan->kernel_data;
  int stage_rows = sp->rows;
  (void) max_rows;
  if (sp->shape == FM_SIMD_CHANNELS)   /* the pixel-major row tile */
    stage_rows = plan->params.n_filters;
  if (sp->shape == FM_SIMD_WINOGRAD)   /* two of them */
    stage_rows = 2 * plan->params.n_filters;
  for (int n = 0; n < sp->n_blocks; n++)
    stage_rows = MAX (stage_rows, sp->blocks[n].nk);

  /* Offsets from the first 64-byte boundary of the scratch. */
  s->slots = 0;
  s->stage = ROUND_UP (sp->n_slots * sp->slot_floats * sizeof (float), 64);
  s->wino_v = s->stage + ROUND_UP (stage_rows * fm_simd_stage_stride (plan) * sizeof (float), 64);
  s->wino_m = s->wino_v + ROUND_UP ((gsize) 16 * sp->wino_tiles * plan->params.channels
                                    * sizeof (float), 64);
  s->slot_row = s->wino_m + ROUND_UP ((gsize) 16 * sp->wino_tiles * plan->params.n_filters
                                      * sizeof (float), 64);
  s->total = s->slot_row + (gsize) MAX (sp->n_slots, 1) * sizeof (int) + 64;
}

gsize
fm_simd_scratch_size (const FmConvPlan *plan, int max_rows)
{
  FmSimdScratch s;
  fm_simd_scratch_layout (plan, max_rows, &s);
  return s.total;
}

/* The split itself is the one the portable "separable" and "sparse"
 * kernels use (fm-conv-taps.h), on this plan's plane layout. */
static FmTapsLayout
split_layout (const FmSimdPlan *sp)
{
  return (FmTapsLayout) { .pw = sp->pw, .plane_c = sp->plane_c,
                          .row_floats = sp->slot_floats, .in_place = FALSE };
}

void
fm_simd_split_row (const FmConvPlan *plan, const FmSimdPlan *sp, const float *src,
                   float *dst)
{
  const FmTapsLayout l = split_layout (sp);
  fm_taps_split (plan, &l, src, 0, plan->padded_w, dst);
}

void
fm_simd_split_image_row (const FmConvPlan *plan, const FmSimdPlan *sp, const float *src,
                         float *dst)
{
  const FmTapsLayout l = split_layout (sp);
  fm_taps_split_image_row (plan, &l, src, dst);
}

void
fm_simd_pad_row (const FmConvPlan *plan, const float *src, float *dst)
{
  const int C = plan->params.channels, pl = plan->geo.pad_left, in_w = plan->geo.in_w;
  memcpy (dst + (gsize) pl * C, src, (gsize) in_w * C * sizeof (float));
  for (int x = 0; x < plan->padded_w; x++)
    {
      if (x == pl)
        x += in_w;
      if (x >= plan->padded_w)
        break;
      int from = plan->col_map[x];
      for (int c = 0; c < C; c++)
        dst[(gsize) x * C + c] = from < 0 ? 0.0f : src[(gsize) from * C + c];
    }
}

