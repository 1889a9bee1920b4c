/* fm-net-private.h: the planner's intermediate form (not installed).
 *
 * Lowering (fm-net-lower.c) walks the graph's nodes in order and gives
 * every tensor a value: a constant (initializers, Constant nodes and the
 * small shape subgraphs exporters write, evaluated by fm-net-const.c), a
 * layer (an FmNetOp over the image, NCHW with N = 1), or "bad" with the
 * one line that says why the tensor cannot be computed (the first
 * unsupported node on its path, or where the spatial part ended).
 * Identity and Dropout give their input's value: they are no op.
 *
 * Planning (fm-net-plan.c) keeps the ops the requested layers need, folds
 * and fuses them (an op that disappears into another is `folded_into`),
 * and turns the rest into stages that run (fm-net-run.c).
 */
#pragma once

#include "fm-net-plan.h"

G_BEGIN_DECLS

typedef enum {
  FM_NET_OP_INPUT,
  FM_NET_OP_CONV,
  FM_NET_OP_POOL,     /* MaxPool, AveragePool */
  FM_NET_OP_AFFINE,   /* per-channel v · scale + shift: BatchNormalization,
                         Add / Sub / Mul / Div by a constant */
  FM_NET_OP_ACT,      /* an activation alone */
  FM_NET_OP_PAD,      /* constant / reflect / edge; negative pads crop */
  FM_NET_OP_BINARY,   /* Add / Sub / Mul of two layers of one shape */
  FM_NET_OP_CONCAT,   /* along channels */
} FmNetOpKind;

typedef enum { FM_NET_BIN_ADD, FM_NET_BIN_SUB, FM_NET_BIN_MUL } FmNetBinOp;

/* An activation as the engine applies it: kind (with leaky alpha), then a
 * clip to [lo, hi] (±INFINITY: none). */
typedef struct {
  FmActivation kind;
  float alpha;
  float lo, hi;
} FmNetAct;

typedef struct {
  FmNetOpKind kind;
  int node;                 /* graph node index of the op's last node; −1: input */
  int first_node;           /* the node it started from (differs once fused) */
  int n_in;
  int *in;                  /* producer op indices */
  int c, h, w;              /* output channels and size */

  /* Relative to the input image (FmNetLayerInfo's meaning). */
  int stride_y, stride_x, field_h, field_w;
  double offset_y, offset_x;

  /* Windows (conv, pool, pad): output row y reads input rows
   * y·sy − pt + a·dy (a < kh), columns likewise; pads may be negative
   * (a crop) for pad and conv.  Pad ops have kh = kw = sy = sx = 1. */
  int kh, kw, sy, sx, dy, dx;
  int pt, pl, pb, pr;
  FmBorder border;          /* conv (after a folded Pad) and pad: zero, clamp
                               (ONNX "edge"), reflect */
  float pad_value;          /* pad, constant mode */

  /* conv: OIHW, K × C/groups × kh × kw; bias K values or NULL.  Owned
   * copies once folding changed them, else borrowed from the graph. */
  int groups;
  const float *weights, *bias;
  float *own_weights, *own_bias;

  /* pool */
  gboolean max_pool, count_include_pad;

  /* affine: c values each (owned) */
  float *scale, *shift;

  FmNetBinOp binop;

  FmNetAct act;             /* applied to the op's output */

  /* Planner state. */
  gboolean needed, requested;
  int n_consumers;          /* needed ops reading this one */
  int folded_into;          /* −1, or the op that now computes this one */
  GString *fused;           /* names of the nodes folded in, for describe */
} FmNetOp;

typedef enum { FM_NET_VAL_NONE, FM_NET_VAL_CONST, FM_NET_VAL_DATA, FM_NET_VAL_BAD } FmNetValKind;

typedef struct {
  FmNetValKind kind;
  int op;                   /* DATA */
  const FmTensor *t;        /* CONST: an initializer or lw->owned's */
  char *why;                /* BAD: one line */
  int bad_node;             /* BAD: the node the line is about */
} FmNetValue;

typedef struct {
  const FmNetGraph *graph;
  int in_c, in_h, in_w;
  GHashTable *values;       /* tensor name → FmNetValue* */
  GPtrArray *ops;           /* FmNetOp* */
  GPtrArray *owned;         /* FmTensor* made by constant evaluation */
  gsize const_elems;        /* their elements together */
  int *node_op;             /* per node: the op of its first output, −1 */
} FmNetLower;

/* fm-net-lower.c */
FmNetLower *fm_net_lower_new (const FmNetGraph *graph, int in_c, int in_h,
                              int in_w, GError **error);
void fm_net_lower_free (FmNetLower *lw);
const FmNetValue *fm_net_lower_value (const FmNetLower *lw, const char *tensor);
FmNetOp *fm_net_lower_op (const FmNetLower *lw, int op);
/* A node's label for messages: "'/features/features.3/Conv' (Conv)". */
char *fm_net_node_label (const FmNetNode *node);
void fm_net_op_free (FmNetOp *op);

/* fm-net-names.c: the tensor a layer name means (fm-net-plan.h's rule);
 * *node_index: its node, −1 for a graph input.  lw may be NULL; it only
 * sharpens the not-found message's list of layers. */
const char *fm_net_resolve_tensor (const FmNetGraph *graph, const FmNetLower *lw,
                                   const char *name, int *node_index, GError **error);

/* fm-net-const.c: the ops a constant subgraph may use, on constants.
 * Returns FALSE with error for a malformed node; *handled = FALSE when
 * the op is not one of them. */
gboolean fm_net_const_eval (const FmNetNode *node, const FmTensor *const *in,
                            int n_in, FmTensor **out, gboolean *handled,
                            GError **error);
/* Whether fm_net_const_eval knows the op. */
gboolean fm_net_const_knows (const char *op);
/* Values of a small tensor as int64 / float (any type), or FALSE. */
gboolean fm_net_const_ints (const FmTensor *t, gint64 *v, int max, int *n);
gboolean fm_net_const_floats (const FmTensor *t, float *v, int max, int *n);

/* fm-net-act.c: the activation in place, scalar reference form (vector
 * forms live with the loops that apply them). */
void fm_net_act_init (FmNetAct *act);
gboolean fm_net_act_is_none (const FmNetAct *act);
void fm_net_act_apply (const FmNetAct *act, float *v, gsize n);
/* "relu", "leaky-relu 0.2", "clip 0..6", "relu, clip ..6" */
char *fm_net_act_describe (const FmNetAct *act);

/* One window axis (ONNX Conv / MaxPool / AveragePool): the output size for
 * an input of n with kernel k, stride s, dilation d and explicit pads
 * (auto_pad resolved by the caller, fm_net_auto_pad); ceil_mode drops a
 * last window that would start in the end padding.  FALSE when no window
 * fits. */
gboolean fm_net_window_out (int n, int k, int s, int d, int pad_begin,
                            int pad_end, gboolean ceil_mode, int *out);
/* auto_pad SAME_UPPER / SAME_LOWER: pads so that out = ceil(n / s). */
void fm_net_auto_pad (int n, int k, int s, int d, gboolean lower,
                      int *pad_begin, int *pad_end);

G_END_DECLS

/* ---- stages: what a plan runs (fm-net-plan.c builds, fm-net-run.c runs) ---- */

typedef struct _FmNetStage FmNetStage;

struct _FmNetStage {
  FmNetOp *op;              /* owned */
  int index;                /* in plan->stages */
  int n_in;
  FmNetStage **in;
  int c, h, w;
  gsize row_floats;         /* w × c: one row of the ring, HWC */

  int chunk;                /* rows computed per step (the last may be fewer) */
  int cap;                  /* rows the ring holds, a multiple of chunk */
  float *ring;              /* cap × row_floats; row y at slot y mod cap */
  int done;                 /* rows computed so far in this run */
  int n_consumers;          /* stages reading this one */
  int output;               /* the output it delivers, −1 */
  gboolean ringless;        /* an output no stage reads: its rows go straight
                               to the output band as planes */

  /* conv: negative pads crop the input, (crop_t, crop_l) rows / columns */
  FmConvPlan *conv;
  FmConvRunner *runner;
  int crop_t, crop_l, conv_in_h, conv_in_w;

  int span;                 /* dry run: the most rows behind done a reader needed */
  gint64 usec;              /* FEATUREMAPS_NET_PROFILE: CPU time spent computing */
  int *cnt_x, *cnt_y;       /* average pool: taps counted per output column / row */
};

struct _FmNetPlan {
  int in_c, in_h, in_w;
  int n_threads;
  int band_rows;
  GPtrArray *stages;        /* FmNetStage*, in order; stage 0 reads the source */
  int n_outputs;
  FmNetLayerInfo *outputs;
  FmNetStage **output_stage;
  float **out_band;         /* per output: one band as planes */
  int max_conv_rows;        /* rows a convolution's step reads, at most */
  gsize memory;
  GString *notes;           /* what planning folded, for describe */
};

/* fm-net-run.c */
gboolean fm_net_stages_prepare (FmNetPlan *plan, GError **error);
void fm_net_stage_free (FmNetStage *stage);
/* Input rows [lo, hi) of input i that output rows [a, b) of the stage read
 * (lo = hi: none). */
void fm_net_stage_need (const FmNetStage *s, int i, int a, int b, int *lo, int *hi);

/* fm-net-rows.c: the rows of the network's own layers (pooling, pad,
 * scale / shift, sums, concatenation, activations), out of input rows in
 * rings.  row(s, y): row y of stage s's ring. */
void fm_net_rows_compute (const FmNetStage *s, int a, int b, float *out);
