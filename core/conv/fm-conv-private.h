/* fm-conv-private.h: what the engine's inner loops see (not installed).
 *
 * fm-conv.c does everything that is not arithmetic: checks, geometry,
 * packing the weights (already flipped for "convolve"), fetching input rows,
 * building each band with its halo filled by the border rule, threads, the
 * activation and the sink.  An inner loop ("kernel" below, in the
 * FmConvKernel sense) only computes "conv + bias" for a run of output rows of
 * every filter from one padded band, so it never tests a coordinate and never
 * sees the border, the padding mode or "convolve".
 *
 * To add a fast path: write an FmConvKernel in its own file (possible(),
 * cost(), rows() and what else it needs) and add its line to
 * fm-conv-kernels.def; fm-conv-select.c ranks every kernel the CPU runs by
 * cost() and takes the cheapest (docs/architecture.md, "Adding a kernel").
 * A kernel never includes fm-conv-select.h: the ranking calls the kernels,
 * never the reverse.
 */
#pragma once

#include "fm-conv.h"

G_BEGIN_DECLS

/* The activation as every path applies it: kind (leaky-relu with its
 * slope), then, when clip, every value clipped to [lo, hi]. */
typedef struct {
  FmActivation kind;
  float alpha;
  float lo, hi;
  gboolean clip;
} FmConvAct;

/* No activation at all (what the kernels store when the engine applies
 * the activation after them). */
extern const FmConvAct fm_conv_act_none;

struct _FmConvPlan {
  FmConvParams params;   /* as given; weights/bias point at the copies below */
  FmConvGeometry geo;
  FmConvAct act;         /* params.activation, leaky_alpha, clip_min / max */

  int groups;            /* ≥ 1 */
  int group_channels;    /* C / groups: the innermost weight axis */
  int group_filters;     /* K / groups */
  int dkh, dkw;          /* dilated extent: (k − 1)·d + 1 */

  /* OHWI, K × kh × kw × group_channels, flipped in both spatial axes when
   * params.convolve, so every kernel correlates. */
  float *weights;
  float *bias;           /* K values (zeros when params.bias was NULL) */

  /* Padded band geometry.  A band holding output rows [r0, r1) starts at
   * padded row r0·stride_y and has (r1 − r0 − 1)·stride_y + dkh rows of
   * padded_w × C floats; padded column x is image column x − pad_left. */
  int padded_w;
  gsize band_stride;     /* floats per padded row: padded_w × C */
  int *col_map;          /* padded column → image column, −1 for a zero */

  int n_threads;         /* resolved: ≥ 1 */

  const struct _FmConvKernel *kernel;
  const char *kernel_name; /* its name in fm-conv-kernels.def */
  gboolean stream_stores;  /* write large outputs with non-temporal stores
                              (fm-conv-select.c decides; FM_SIMD_STREAM_BYTES) */
  gpointer kernel_data;  /* whatever kernel->prepare stored (packed weights …) */
  GDestroyNotify kernel_data_free;
};

/* One call of an inner loop: output rows 0 .. n_rows − 1 of a chunk.
 * Output row i of the chunk reads padded rows i·stride_y + a·dilation_y
 * (a < kh) of `band`, columns (x·stride_x + b·dilation_x)·C + channel. */
typedef struct {
  const float *band;     /* first padded row this chunk needs */
  int n_rows;            /* output rows to compute */
  int row0;              /* the image's output row that chunk row 0 is:
                            kernels that tile rows (winograd) align their
                            tiles to it so results never depend on where
                            bands and chunks happen to split */
  float *out;            /* map k, chunk row i: out + k·plane_stride + i·out_w */
  gsize plane_stride;
  /* Kernels that say writes_interleaved may be handed interleaved output
   * instead: chunk row i, pixel x, map k at out + i·row_stride + x·K + k
   * (plane_stride is then 0). */
  gboolean interleaved;
  gsize row_stride;
  gpointer scratch;      /* scratch_size() bytes, private to this worker */
  /* Set instead of band (which is then NULL) for kernels that say
   * reads_image, when the run has the input rows in memory (the whole
   * image, or a caller's rows): padded row t of the chunk is the row at
   * rows[row_map[t]] (row_map[t] = −1: a zero row), its columns mapped by
   * plan->col_map. */
  const float *const *rows;
  const int *row_map;
} FmConvTask;

typedef struct _FmConvKernel {
  /* Can this kernel run this plan: shapes, sizes, the weights it needs
   * (rank 1 …)?  The CPU is not its business (the registry's CPU column
   * is checked first).  NULL: every plan. */
  gboolean (*possible) (const FmConvPlan *plan);
  /* What running the plan would cost, per output pixel of all filters, in
   * multiply-adds of the dense window (kh·kw·C/groups·K of them) at the
   * pace of the widest vector loops this CPU has; vector_floats is their
   * width (16, 8, or 1 when the CPU has none: plain C).  Only asked when
   * possible() said yes.  INFINITY: never chosen unless forced.  The
   * cheapest kernel runs; equal costs go to the earlier line of
   * fm-conv-kernels.def. */
  double (*cost) (const FmConvPlan *plan, int vector_floats);
  /* Called once at plan time, e.g. to repack the weights into
   * plan->kernel_data / kernel_data_free.  NULL: nothing to do. */
  gboolean (*prepare) (FmConvPlan *plan, GError **error);
  /* Per-worker scratch bytes for chunks of up to max_rows output rows,
   * allocated once per run.  NULL: none. */
  gsize (*scratch_size) (const FmConvPlan *plan, int max_rows);
  /* out = correlation + bias for every filter, and the activation too when
   * applies_activation (else the engine applies it after).  Called from
   * several threads at once on disjoint chunks: must not write to plan. */
  void (*rows) (const FmConvPlan *plan, const FmConvTask *task);
  /* TRUE: rows() applies the activation as it stores (one pass over the
   * maps instead of two; needed for streaming stores). */
  gboolean applies_activation;
  /* TRUE: when the input rows are in memory (fm_conv_plan_run_image, a
   * runner), skip building the padded band and hand the kernel the rows
   * themselves (FmConvTask.rows): it pads the rows it reads as it reads
   * them, so the image is read once, in the pass that computes, instead
   * of copied first in a pass of its own. */
  gboolean reads_image;
  /* TRUE: rows() also writes interleaved output (FmConvTask.interleaved);
   * otherwise the engine hands it planes and interleaves after. */
  gboolean writes_interleaved;
} FmConvKernel;

/* Multiply-adds of the dense window per output pixel, all filters: the
 * unit of FmConvKernel.cost. */
double fm_conv_dense_taps (const FmConvPlan *plan);

/* fm-conv-run.c */
gboolean fm_conv_run_internal (FmConvPlan *plan, FmRowSource source,
                               gpointer source_data, FmBandSink sink,
                               gpointer sink_data, int band_rows,
                               float *direct_out, GError **error);

/* The activation in place (relu, leaky-relu, abs, sigmoid, tanh, then the
 * clip); none leaves v alone.  The one scalar form every path ends with. */
void fm_conv_activate (const FmConvAct *act, float *v, int n);

G_END_DECLS
