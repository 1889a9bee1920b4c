/* fm-conv: the convolution engine.
 *
 * A plan is made once for one set of weights and one input size: it checks
 * every argument, packs the weights, works out the output geometry and the
 * scratch it needs.  It then runs over bands of output rows; each band reads
 * only the input rows it needs (plus the halo the filter needs), so memory
 * never grows with K × H × W.
 *
 * Semantics are those of docs/design.md: cross-correlation by default (like
 * torch.nn.functional.conv2d), "convolve" flips the kernel; TensorFlow's
 * "same" rule (the smaller half of the padding on top/left).
 *
 * Layouts (documented once, here):
 *   input image    H × W × C floats, row-major, channels interleaved (HWC)
 *   weights        K × kh × kw × (C / groups) floats (OHWI: filter-major,
 *                  then Keras's rows × cols × channels)
 *   output maps    K planes, each out_h × out_w floats (one plane per filter)
 */
#pragma once

#include <glib.h>
#include "fm-options.h"

G_BEGIN_DECLS

#define FM_CONV_ERROR (fm_conv_error_quark ())
GQuark fm_conv_error_quark (void);

typedef enum {
  FM_CONV_ERROR_INVALID,   /* an argument breaks a rule */
  FM_CONV_ERROR_TOO_LARGE, /* sizes that overflow or exceed the limits */
  FM_CONV_ERROR_CANCELLED  /* a source, sink or progress callback asked to stop */
} FmConvError;

/* Limits checked at plan time (absurd sizes get a clear error, not a crash). */
#define FM_CONV_MAX_KERNEL   1024    /* kh, kw */
#define FM_CONV_MAX_CHANNELS 4096
#define FM_CONV_MAX_FILTERS  4096
#define FM_CONV_MAX_SIDE     (1 << 20) /* image height / width */
#define FM_CONV_MAX_STEP     1024    /* stride, dilation */
#define FM_CONV_MAX_WEIGHTS  (1 << 28) /* K · kh · kw · C/G values (1 GiB) */
#define FM_CONV_MAX_THREADS  256

typedef struct {
  int kh, kw;
  int channels;           /* C of the input */
  int n_filters;          /* K */
  int groups;             /* 0 or 1: dense.  G > 1: channels and filters split
                             into G groups (torch's groups=); filter k sees
                             channels [g·C/G, (g+1)·C/G) with g = k / (K/G).
                             Per-channel mode is C = 3, G = 3. */
  const float *weights;   /* K × kh × kw × (C/G), copied at plan time */
  const float *bias;      /* K values, or NULL for none; copied */
  gboolean convolve;      /* flip the kernel (signal-processing convolution) */
  int stride_y, stride_x;     /* ≥ 1 */
  int dilation_y, dilation_x; /* ≥ 1 */
  FmPadding padding;
  /* Explicit padding (ONNX's pads, PyTorch's padding=): when set, these
   * rows and columns of border (≥ 0, any mix) are added instead of what
   * `padding` says. */
  gboolean explicit_pads;
  int pad_top, pad_left, pad_bottom, pad_right;
  FmBorder border;
  FmActivation activation;
  /* Activation parameters: leaky-relu's slope below 0 (0.01 from
   * fm_conv_params_init), then every value clipped to [clip_min, clip_max]
   * (−INFINITY / INFINITY from fm_conv_params_init: no clip), so ReLU6 is
   * relu with clip_max 6 and ONNX's Clip is none with both bounds. */
  float leaky_alpha;
  float clip_min, clip_max;
  int n_threads;          /* 0: one per core */
  /* The caller will run the plan with FM_CONV_OUT_INTERLEAVED (a
   * network's layer): the cost model then weighs the transposition the
   * planes-only kernels would need. */
  gboolean prefer_interleaved;
} FmConvParams;

typedef struct {
  int in_h, in_w;
  int out_h, out_w;
  int pad_top, pad_left;     /* rows / columns of border added before the image */
  int pad_bottom, pad_right;
  /* Where output pixel (0,0)'s window centre lies in the input, at stride 1:
   * place the map layer at this offset from the source (valid 3 × 3 → 1,1). */
  int offset_x, offset_y;
} FmConvGeometry;

typedef struct _FmConvPlan FmConvPlan;

/* Fill an FmConvParams with stride/dilation 1, dense, correlate, valid, zero,
 * no activation (leaky slope 0.01, no clip); the caller sets shape and
 * weights. */
void fm_conv_params_init (FmConvParams *params);

/* Checks everything; messages name the value and the rule (sizes are
 * rows × columns)
 * ("stride 0: must be ≥ 1", "kernel 9 × 9 is larger than the 5 × 5 image with
 * valid padding").  An image smaller than the kernel is fine with same/full. */
FmConvPlan *fm_conv_plan_new (const FmConvParams *params, int in_h, int in_w,
                              GError **error);
void fm_conv_plan_free (FmConvPlan *plan);
const FmConvGeometry *fm_conv_plan_geometry (const FmConvPlan *plan);
int fm_conv_plan_n_filters (const FmConvPlan *plan);
int fm_conv_plan_channels (const FmConvPlan *plan);
/* Name of the inner loop chosen ("direct-c", "filters-avx2", "fft", ...). */
const char *fm_conv_plan_path (const FmConvPlan *plan);

/* The inner loops this library knows, in the order of its kernel list
 * (core/conv/fm-conv-kernels.def); the names are what
 * FEATUREMAPS_CONV_PATH takes.  Tools and tests iterate this instead of
 * keeping lists of their own. */
typedef struct {
  const char *name;      /* "filters-avx512" */
  const char *cpu;       /* what the CPU must have: "none", "avx2", "avx512" */
  const char *takes;     /* the plans it runs: "ANY", "ROWS", "CHANNELS", "WINOGRAD",
                            "RANK1", "SPARSE" (fm-conv-kernels.def says which) */
  gboolean built;        /* compiled into this build */
  gboolean available;    /* built, and this CPU runs it */
} FmConvPathInfo;

const FmConvPathInfo *fm_conv_paths (int *n_paths);

/* Input rows [y0, y0 + n_rows) (always inside the image) into dst, packed
 * HWC (n_rows × in_w × C floats).  Return FALSE with error set to stop. */
typedef gboolean (*FmRowSource) (gpointer user_data, int y0, int n_rows,
                                 float *dst, GError **error);

/* Output rows [y0, y0 + n_rows) of every map: map k row r starts at
 * maps + k * plane_stride + r * out_w.  Called in order of y0 from the
 * thread that called fm_conv_plan_run.  Return FALSE with error set to stop
 * (FM_CONV_ERROR_CANCELLED for a user's cancel). */
typedef gboolean (*FmBandSink) (gpointer user_data, int y0, int n_rows,
                                const float *maps, gsize plane_stride,
                                GError **error);

/* Streams the whole output through bands of band_rows output rows (0: the
 * plan picks).  Peak memory: one input band with halo + one output band.
 * The plan is only read, so one plan may run in several threads at once. */
gboolean fm_conv_plan_run (FmConvPlan *plan, FmRowSource source,
                           gpointer source_data, FmBandSink sink,
                           gpointer sink_data, int band_rows, GError **error);

/* The whole image in memory: in is in_h × in_w × C, out is K planes of
 * out_h × out_w (caller-allocated, K · out_h · out_w floats). */
gboolean fm_conv_plan_run_image (FmConvPlan *plan, const float *in, float *out,
                                 GError **error);

/* Which image index (0 .. n − 1) the coordinate i (possibly < 0 or ≥ n, in
 * the padding) reads under a border rule, −1 for a zero.  Matches
 * numpy.pad's 'constant', 'edge', 'reflect' and 'wrap', including pads
 * wider than the image. */
int fm_conv_border_index (FmBorder border, int i, int n);

/* Input rows [*lo, *hi) that output rows [y0, y0 + n_rows) span (from
 * the first window's top row to the last one's bottom, through the border
 * rule; a runner may read any of them), *lo == *hi when only padding. */
void fm_conv_plan_rows_needed (const FmConvPlan *plan, int y0, int n_rows,
                               int *lo, int *hi);

/* ---- Runs the caller drives band by band ----
 *
 * For callers that hold the input rows themselves (a network's layers, in
 * rings of rows): a runner holds what one run needs (band, scratch,
 * workers) for bands of up to max_rows output rows, and computes any band
 * from row pointers, writing either K planes or interleaved rows.  The
 * input rows are read in place: nothing is staged.  One runner per plan;
 * a runner is used from one thread at a time. */
typedef struct _FmConvRunner FmConvRunner;

typedef enum {
  FM_CONV_OUT_PLANES,       /* map k row r at out + k · stride + r · out_w */
  FM_CONV_OUT_INTERLEAVED   /* row r, pixel x, map k at out + r · stride + x · K + k */
} FmConvOutLayout;

FmConvRunner *fm_conv_runner_new (FmConvPlan *plan, int max_rows, GError **error);
void fm_conv_runner_free (FmConvRunner *runner);
/* Bytes the runner holds (bands, scratch), for memory accounting. */
gsize fm_conv_runner_bytes (const FmConvRunner *runner);
/* Output rows [y0, y0 + n_rows) (n_rows ≤ max_rows).  rows[i] is input row
 * first_row + i (in_w × C floats, HWC) for every row
 * fm_conv_plan_rows_needed names (first_row = its lo). */
gboolean fm_conv_runner_rows (FmConvRunner *runner, const float *const *rows,
                              int first_row, int y0, int n_rows, float *out,
                              gsize stride, FmConvOutLayout layout, GError **error);

G_END_DECLS
