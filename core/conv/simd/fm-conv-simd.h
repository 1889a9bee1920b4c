/* fm-conv-simd.h: what the vector kernels share, whatever the ISA — the
 * per-plan layout of packed weights and scratch, and the shapes' costs
 * (fm-conv-simd.c).  The loops themselves are
 * fm-conv-simd-body.h, compiled once per ISA (fm-conv-avx512.c,
 * fm-conv-avx2.c).
 *
 * Four loop shapes, one file each (fm-conv-simd-<shape>.h), each a kernel
 * "<shape>-<ISA>" in fm-conv-kernels.def.  "filters" and "rows" are
 * vectorised over consecutive output pixels of one row (a vector of
 * results lands in one map plane with one store), "channels" and
 * "winograd" over filters:
 *
 *   "filters" — NK filters × NX vectors of pixels per register block: each
 *   input vector feeds NK filters, each broadcast weight NX vectors.  For
 *   banks with several filters per group (W2, W3, W6).
 *
 *   "rows" — R output rows × NX vectors of one filter: each input vector
 *   loaded from row j feeds the R output rows whose window contains j, so
 *   a one-filter 5 × 5 does 20 FMAs per 5 loads instead of 5 per 5.  For one
 *   or two filters per group (W1, W4, W6d); stride 1 and dilation 1
 *   vertically.
 *
 *   "channels" — vectorised over filters instead, for many channels and
 *   filters: NF vectors of 16 filters × NP pixels; per channel, NF aligned
 *   weight loads and NP broadcasts from the HWC band feed NF·NP FMAs (no
 *   split rows, no cache-line-split loads).  Results go to a pixel-major
 *   row tile, transposed into the map planes once per row.
 *
 *   "winograd" — F(2 × 2, 3 × 3) on the "channels" block for 3 × 3, stride
 *   1 layers over many channels and filters (W5): 16 products per 2 × 2
 *   outputs instead of 36.
 *
 * Which one runs is the cost model's choice (fm_simd_cost, ranked by
 * fm-conv-select.c).
 *
 * Input: the engine's band is HWC (channels interleaved).  Unless C = 1 and
 * horizontal stride 1 (then rows are read straight from the band), each
 * padded row is split once into planes, one per channel and per phase of
 * the horizontal stride (column x goes to phase x mod sx at x / sx), so
 * every tap of every output vector is one contiguous load.  Split rows sit
 * in a small ring in per-worker scratch, reused by the kh rows that need
 * them.
 */
#pragma once

#include "fm-conv-private.h"

G_BEGIN_DECLS

typedef enum { FM_SIMD_FILTERS, FM_SIMD_ROWS, FM_SIMD_CHANNELS, FM_SIMD_WINOGRAD } FmSimdShape;

/* One register block of filters in the "filters" shape. */
typedef struct {
  int k0, nk;            /* filters k0 .. k0 + nk − 1, all in one group */
  int c0;                /* first channel of that group */
  const float *w;        /* group_channels × kh × kw × nk, filter innermost */
} FmSimdBlock;

typedef struct {
  FmSimdShape shape;
  int vl;                /* floats per vector: 16 (AVX-512), 8 (AVX2) */
  int nx;                /* vectors of pixels per block */
  int rows;              /* R: output rows per block ("rows" shape), else 1 */
  gboolean direct_band;  /* read rows straight from the band (C = 1, sx = 1) */
  gboolean unit_cols;    /* sx = dx = 1: tap b is column x + b */
  gboolean stream;       /* non-temporal stores through a staging row */

  /* Split rows: plane of channel c, phase p starts at c·plane_c + p·pw. */
  int pw;                /* floats per phase plane (padded_w / sx rounded up) */
  gsize plane_c;         /* sx · pw */
  gsize slot_floats;     /* C · plane_c */
  int n_slots;           /* ring size: padded rows held at once */
  int *col_off;          /* kw entries: offset of tap b in its phase plane */

  /* "filters": the blocks, in order. */
  FmSimdBlock *blocks;
  int n_blocks;
  /* "rows": K × group_channels × kh × kw weights, tap order (OHWI with the
   * channel moved outermost per filter). */
  float *w_rows;

  float *packed;         /* storage behind blocks[].w */

  /* "channels": nf vectors of filters per pass; weights per pass of
   * nf·vl filters as kh × kw × C × (nf·vl); bias padded likewise. */
  int nf;
  int cb;                /* channels per block: a block's weights (kh × kw ×
                            cb × nf·vl) stay in L1 while a whole row of
                            pixels runs through them */
  float *w_ch;
  float *bias_ch;

  /* "winograd" (fm-conv-simd-winograd.h): 3 × 3, stride and dilation 1,
   * F(2 × 2, 3 × 3).  w_wino holds U = G·g·Gᵀ for the 16 points ξ of the
   * 4 × 4 tile as [ξ][pass of nf·vl filters][channel][filter of the pass]
   * (the "channels" loop's layout with a 1 × 1 window); the bias rides on
   * ξ = 5, the one point Aᵀ·M·A adds to every output once.  Tiles go
   * through in blocks of wino_tiles. */
  float *w_wino;
  int wino_tiles;
  /* band_stride zeros (at least K): the rows below a chunk's last odd
   * output row, and the start value of every other ξ. */
  float *zeros;
} FmSimdPlan;

/* Outputs at least this large (all maps) are written with streaming
 * stores: they cannot stay in cache anyway (L3 here is 36 MB, shared). */
#define FM_SIMD_STREAM_BYTES (32.0 * 1024 * 1024)

/* Scratch layout of one worker (byte offsets from task->scratch). */
typedef struct {
  gsize slots;           /* n_slots × slot_floats floats, 64-byte aligned */
  gsize slot_row;        /* n_slots ints: which padded row each slot holds */
  gsize stage;           /* staging rows for streaming stores */
  gsize wino_v;          /* "winograd": 16 × wino_tiles × C transformed inputs */
  gsize wino_m;          /*             16 × wino_tiles × K products */
  gsize total;
} FmSimdScratch;

/* Build kernel_data for the shape chosen: vl, register blocking nk_max ×
 * nx, rows.  Returns FALSE only on allocation failure. */
gboolean fm_simd_plan_prepare (FmConvPlan *plan, FmSimdShape shape, int vl,
                               int nk_max, int nx, int rows, GError **error);

/* Can the "channels" shape run this plan (dense, filters a multiple of the
 * vector width)? */
gboolean fm_simd_channels_possible (const FmConvPlan *plan, int vl);
/* Can `shape` run this plan with vectors of vl floats? */
gboolean fm_simd_shape_possible (const FmConvPlan *plan, FmSimdShape shape, int vl);
/* Its cost (FmConvKernel.cost; the units are this ISA's "filters" loop). */
double fm_simd_cost (const FmConvPlan *plan, FmSimdShape shape, int vl);
/* Can "winograd" (3 × 3, stride and dilation 1, dense, channels and
 * filters whole vectors)? */
gboolean fm_simd_winograd_possible (const FmConvPlan *plan, int vl);
void fm_simd_scratch_layout (const FmConvPlan *plan, int max_rows, FmSimdScratch *s);
gsize fm_simd_scratch_size (const FmConvPlan *plan, int max_rows);

/* Split padded row `src` (padded_w × C interleaved) into planes at dst. */
void fm_simd_split_row (const FmConvPlan *plan, const FmSimdPlan *sp,
                        const float *src, float *dst);
/* The same from an image row (in_w × C), padding by the plan's column map. */
void fm_simd_split_image_row (const FmConvPlan *plan, const FmSimdPlan *sp,
                              const float *src, float *dst);
/* An image row padded into dst as the band holds it (padded_w × C). */
void fm_simd_pad_row (const FmConvPlan *plan, const float *src, float *dst);

/* The activation the vector kernels apply as they store (they set
 * applies_activation): relu, leaky-relu and abs in vector form, this
 * scalar form for sigmoid and tanh, on each row while it is in cache. */

/* Floats per staging row (a multiple of 16, so rows stay 64-byte aligned). */
gsize fm_simd_stage_stride (const FmConvPlan *plan);

/* Can the "rows" shape run this plan at all? */
gboolean fm_simd_rows_possible (const FmConvPlan *plan);

G_END_DECLS
