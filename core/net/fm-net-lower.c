/* fm-net-lower.c: graph nodes → values and ops, with every attribute the
 * ONNX operator specification gives each op from opset 7 to 17, checked
 * with messages that name the node.
 *
 * The ops' table (`lowerers` below) is the one list of what featuremaps
 * runs; `spatial_end` lists what ends the spatial part (the layers before
 * those stay reachable).  Everything else that touches the image makes the
 * tensors after it "bad", with the line that says which node and why; only
 * asking for such a tensor is an error.
 */
#include "fm-net-private.h"

#include <math.h>
#include <string.h>

typedef enum { BAD_UNSUPPORTED, BAD_SPATIAL_END, BAD_INVALID } BadKind;

/* Inputs a node may have (a concatenation of many branches). */
#define MAX_INPUTS 256
/* Elements all constant evaluations together may make. */
#define MAX_CONST_ELEMS FM_NET_MAX_TOTAL_ELEMS

static void
value_free (gpointer data)
{
  FmNetValue *v = data;
  g_free (v->why);
  g_free (v);
}

void
fm_net_op_free (FmNetOp *op)
{
  if (!op)
    return;
  g_free (op->in);
  g_free (op->own_weights);
  g_free (op->own_bias);
  g_free (op->scale);
  g_free (op->shift);
  if (op->fused)
    g_string_free (op->fused, TRUE);
  g_free (op);
}

/* Names come from files: escaped (one line, printable, bounded). */
char *
fm_net_node_label (const FmNetNode *node)
{
  g_autofree char *name = fm_net_escape (node->name);
  g_autofree char *op = fm_net_escape (node->op);
  return g_strdup_printf ("'%s' (%s)", name, op);
}

int
fm_net_graph_in_channels (const FmNetGraph *graph)
{
  for (guint i = 0; graph->inputs && i < graph->inputs->len; i++)
    {
      const FmNetValueInfo *vi = g_ptr_array_index (graph->inputs, i);
      if (fm_net_graph_initializer (graph, vi->name))
        continue;
      return vi->ndim == 4 && vi->dims[1] > 0 && vi->dims[1] <= G_MAXINT ? (int) vi->dims[1] : 0;
    }
  return 0;
}

/* ---- values ---- */

static FmNetValue *
lookup (FmNetLower *lw, const char *name)
{
  FmNetValue *v = g_hash_table_lookup (lw->values, name);
  if (v)
    return v;
  const FmTensor *t = fm_net_graph_initializer (lw->graph, name);
  if (!t)
    return NULL;
  v = g_new0 (FmNetValue, 1);
  v->kind = FM_NET_VAL_CONST;
  v->t = t;
  g_hash_table_insert (lw->values, g_strdup (name), v);
  return v;
}

const FmNetValue *
fm_net_lower_value (const FmNetLower *lw, const char *tensor)
{
  return lookup ((FmNetLower *) lw, tensor);
}

FmNetOp *
fm_net_lower_op (const FmNetLower *lw, int op)
{
  return g_ptr_array_index (lw->ops, op);
}

static void
set_value (FmNetLower *lw, const char *name, FmNetValue *v)
{
  if (name && *name)
    g_hash_table_replace (lw->values, g_strdup (name), v);
  else
    value_free (v);
}

static void
set_data (FmNetLower *lw, const char *name, int op)
{
  FmNetValue *v = g_new0 (FmNetValue, 1);
  v->kind = FM_NET_VAL_DATA;
  v->op = op;
  set_value (lw, name, v);
}

static void
set_const (FmNetLower *lw, const char *name, FmTensor *t)
{
  g_ptr_array_add (lw->owned, t);
  FmNetValue *v = g_new0 (FmNetValue, 1);
  v->kind = FM_NET_VAL_CONST;
  v->t = t;
  set_value (lw, name, v);
}

/* Messages for bad values are complete phrases about the node; the planner
 * and `info` put them after "layer 'x' needs node …" (fm-net-plan.c). */
static void
set_bad (FmNetLower *lw, const char *name, int node, const char *why)
{
  FmNetValue *v = g_new0 (FmNetValue, 1);
  v->kind = FM_NET_VAL_BAD;
  v->bad_node = node;
  v->why = g_strdup (why);
  set_value (lw, name, v);
}

static void
all_bad (FmNetLower *lw, const FmNetNode *node, int index, BadKind kind, const char *detail)
{
  g_autofree char *label = fm_net_node_label (node);
  g_autofree char *why = NULL;
  switch (kind)
    {
    case BAD_UNSUPPORTED:
      why = g_strdup_printf ("node %s, which featuremaps does not run%s%s", label,
                             detail ? ": " : "", detail ? detail : "");
      break;
    case BAD_SPATIAL_END:
      why = g_strdup_printf ("node %s, which ends the spatial part of the network "
                             "(featuremaps shows the maps of the layers before it)", label);
      break;
    default:
      why = g_strdup_printf ("node %s: %s", label, detail);
      break;
    }
  for (int o = 0; o < node->n_outputs; o++)
    set_bad (lw, node->outputs[o], index, why);
}

/* ---- attributes ---- */

typedef struct {
  FmNetLower *lw;
  const FmNetNode *node;
  int index;
  const FmNetValue *in[MAX_INPUTS]; /* the inputs' values (NULL: omitted) */
  char *error;               /* set by the helpers: why the node is invalid */
  gboolean unsupported;      /* the error is "not run", not "invalid" */
} Ctx;

static gboolean
bad (Ctx *cx, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad (Ctx *cx, const char *fmt, ...)
{
  if (!cx->error)
    {
      va_list ap;
      va_start (ap, fmt);
      cx->error = g_strdup_vprintf (fmt, ap);
      va_end (ap);
    }
  return FALSE;
}

static gboolean
not_run (Ctx *cx, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
not_run (Ctx *cx, const char *fmt, ...)
{
  if (!cx->error)
    {
      va_list ap;
      va_start (ap, fmt);
      cx->error = g_strdup_vprintf (fmt, ap);
      va_end (ap);
      cx->unsupported = TRUE;
    }
  return FALSE;
}

/* An INTS attribute of n values (default def for each when absent). */
static gboolean
attr_ints (Ctx *cx, const char *name, int n, gint64 def, gint64 *out)
{
  const FmNetAttr *at = fm_net_node_attr (cx->node, name);
  if (!at)
    {
      for (int i = 0; i < n; i++)
        out[i] = def;
      return TRUE;
    }
  if (at->type != FM_ATTR_INTS)
    return bad (cx, "attribute %s must be a list of integers", name);
  if (at->n != n)
    return bad (cx, "attribute %s has %d values; a 2-D layer needs %d", name, at->n, n);
  memcpy (out, at->ints, n * sizeof (gint64));
  return TRUE;
}

static gboolean
attr_int (Ctx *cx, const char *name, gint64 def, gint64 *out)
{
  const FmNetAttr *at = fm_net_node_attr (cx->node, name);
  if (!at)
    {
      *out = def;
      return TRUE;
    }
  if (at->type != FM_ATTR_INT)
    return bad (cx, "attribute %s must be an integer", name);
  *out = at->i;
  return TRUE;
}

static gboolean
attr_float (Ctx *cx, const char *name, float def, float *out)
{
  const FmNetAttr *at = fm_net_node_attr (cx->node, name);
  if (!at)
    {
      *out = def;
      return TRUE;
    }
  if (at->type != FM_ATTR_FLOAT)
    return bad (cx, "attribute %s must be a number", name);
  *out = at->f;
  return TRUE;
}

static gboolean
attr_string (Ctx *cx, const char *name, const char *def, const char **out)
{
  const FmNetAttr *at = fm_net_node_attr (cx->node, name);
  if (!at)
    {
      *out = def;
      return TRUE;
    }
  if (at->type != FM_ATTR_STRING || !at->s)
    return bad (cx, "attribute %s must be a string", name);
  *out = at->s;
  return TRUE;
}

static int
opset (Ctx *cx)
{
  return cx->lw->graph->opset > 0 ? cx->lw->graph->opset : 17;
}

/* Input i as a layer: its op, or −1 (with the error set). */
static int
data_in (Ctx *cx, int i)
{
  if (i >= cx->node->n_inputs || !cx->in[i])
    return bad (cx, "input %d is missing", i + 1), -1;
  if (cx->in[i]->kind != FM_NET_VAL_DATA)
    {
      g_autofree char *name = fm_net_escape (cx->node->inputs[i]);
      return not_run (cx, "input %d ('%s') is a constant where featuremaps needs the image's "
                      "layers", i + 1, name), -1;
    }
  return cx->in[i]->op;
}

/* Input i as a constant, NULL when omitted or not constant (error set
 * when required). */
static const FmTensor *
const_in (Ctx *cx, int i, gboolean required)
{
  if (i >= cx->node->n_inputs || !cx->in[i])
    {
      if (required)
        bad (cx, "input %d is missing", i + 1);
      return NULL;
    }
  if (cx->in[i]->kind != FM_NET_VAL_CONST)
    {
      g_autofree char *name = fm_net_escape (cx->node->inputs[i]);
      not_run (cx, "input %d ('%s') must be a constant", i + 1, name);
      return NULL;
    }
  return cx->in[i]->t;
}

static FmNetOp *
op_at (Ctx *cx, int op)
{
  return g_ptr_array_index (cx->lw->ops, op);
}

static int
add_op (Ctx *cx, FmNetOp *op, int n_in, const int *in)
{
  op->node = op->first_node = cx->index;
  op->n_in = n_in;
  op->in = g_memdup2 (in, n_in * sizeof (int));
  op->folded_into = -1;
  fm_net_act_init (&op->act);
  const FmNetOp *x = op_at (cx, in[0]);
  /* What a window op did not set is the input's: pointwise ops keep its
   * size, channels and place in the image. */
  if (!op->stride_y)
    {
      op->stride_y = x->stride_y;
      op->stride_x = x->stride_x;
      op->field_h = x->field_h;
      op->field_w = x->field_w;
      op->offset_y = x->offset_y;
      op->offset_x = x->offset_x;
    }
  if (!op->h)
    {
      op->h = x->h;
      op->w = x->w;
    }
  if (!op->c)
    op->c = x->c;
  g_ptr_array_add (cx->lw->ops, op);
  return cx->lw->ops->len - 1;
}

/* ---- windows ---- */

gboolean
fm_net_window_out (int n, int k, int s, int d, int pad_begin, int pad_end,
                   gboolean ceil_mode, int *out)
{
  gint64 dk = (gint64) (k - 1) * d + 1;
  gint64 span = (gint64) n + pad_begin + pad_end - dk;
  if (span < 0)
    return FALSE;
  gint64 o = ceil_mode ? (span + s - 1) / s + 1 : span / s + 1;
  /* A last window that would start in the end padding is dropped (the
   * specification's ceil_mode rule, and PyTorch's). */
  if (ceil_mode && (o - 1) * s >= (gint64) n + pad_begin)
    o--;
  if (o < 1 || o > G_MAXINT)
    return FALSE;
  *out = (int) o;
  return TRUE;
}

void
fm_net_auto_pad (int n, int k, int s, int d, gboolean lower, int *pad_begin, int *pad_end)
{
  gint64 dk = (gint64) (k - 1) * d + 1;
  gint64 out = ((gint64) n + s - 1) / s;
  gint64 total = MAX ((out - 1) * s + dk - n, 0);
  gint64 small = total / 2;
  *pad_begin = (int) (lower ? total - small : small);
  *pad_end = (int) (lower ? small : total - small);
}

#define MAX_SIDE (1 << 24)
#define MAX_WINDOW 1024
#define MAX_STEP 1024
#define MAX_PAD (1 << 20)

typedef struct {
  gint64 k[2], s[2], d[2], pads[4];
  gboolean ceil_mode;
} Window;

/* kernel_shape, strides, dilations, pads / auto_pad and ceil_mode of a
 * Conv or pool, checked; pads resolved for the input size. */
static gboolean
read_window (Ctx *cx, const FmNetOp *x, const gint64 *kernel, gboolean has_ceil,
             gboolean has_dilations, Window *w)
{
  const char *auto_pad = "NOTSET";
  gint64 ceil_mode = 0;
  memcpy (w->k, kernel, sizeof w->k);
  if (!attr_ints (cx, "strides", 2, 1, w->s)
      || !attr_ints (cx, "pads", 4, 0, w->pads)
      || !attr_string (cx, "auto_pad", "NOTSET", &auto_pad)
      || (has_ceil && !attr_int (cx, "ceil_mode", 0, &ceil_mode)))
    return FALSE;
  if (has_dilations)
    {
      if (!attr_ints (cx, "dilations", 2, 1, w->d))
        return FALSE;
    }
  else if (fm_net_node_attr (cx->node, "dilations"))
    return bad (cx, "attribute dilations is not part of %s before opset 10", cx->node->op);
  else
    w->d[0] = w->d[1] = 1;
  w->ceil_mode = ceil_mode != 0;
  for (int a = 0; a < 2; a++)
    {
      if (w->k[a] < 1 || w->k[a] > MAX_WINDOW)
        return bad (cx, "kernel size %" G_GINT64_FORMAT ": must be 1 to %d", w->k[a], MAX_WINDOW);
      if (w->s[a] < 1 || w->s[a] > MAX_STEP)
        return bad (cx, "stride %" G_GINT64_FORMAT ": must be 1 to %d", w->s[a], MAX_STEP);
      if (w->d[a] < 1 || w->d[a] > MAX_STEP)
        return bad (cx, "dilation %" G_GINT64_FORMAT ": must be 1 to %d", w->d[a], MAX_STEP);
    }
  for (int i = 0; i < 4; i++)
    if (w->pads[i] < -MAX_PAD || w->pads[i] > MAX_PAD)
      return bad (cx, "pad %" G_GINT64_FORMAT " out of range", w->pads[i]);

  const int n[2] = { x->h, x->w };
  if (!strcmp (auto_pad, "SAME_UPPER") || !strcmp (auto_pad, "SAME_LOWER"))
    for (int a = 0; a < 2; a++)
      {
        int b, e;
        fm_net_auto_pad (n[a], (int) w->k[a], (int) w->s[a], (int) w->d[a],
                         auto_pad[5] == 'L', &b, &e);
        w->pads[a] = b;
        w->pads[a + 2] = e;
      }
  else if (!strcmp (auto_pad, "VALID"))
    memset (w->pads, 0, sizeof w->pads);
  else if (strcmp (auto_pad, "NOTSET"))
    return bad (cx, "auto_pad '%s': must be NOTSET, SAME_UPPER, SAME_LOWER or VALID", auto_pad);
  return TRUE;
}

/* Output size and place in the image of a window op. */
static gboolean
window_geometry (Ctx *cx, FmNetOp *op, const FmNetOp *x, const Window *w)
{
  op->kh = (int) w->k[0];
  op->kw = (int) w->k[1];
  op->sy = (int) w->s[0];
  op->sx = (int) w->s[1];
  op->dy = (int) w->d[0];
  op->dx = (int) w->d[1];
  op->pt = (int) w->pads[0];
  op->pl = (int) w->pads[1];
  op->pb = (int) w->pads[2];
  op->pr = (int) w->pads[3];
  if (!fm_net_window_out (x->h, op->kh, op->sy, op->dy, op->pt, op->pb, w->ceil_mode, &op->h)
      || !fm_net_window_out (x->w, op->kw, op->sx, op->dx, op->pl, op->pr, w->ceil_mode, &op->w))
    return bad (cx, "the %d × %d window (dilated %d × %d) does not fit the %d × %d input "
                "with pads %d, %d, %d, %d", op->kh, op->kw, (op->kh - 1) * op->dy + 1,
                (op->kw - 1) * op->dx + 1, x->h, x->w, op->pt, op->pl, op->pb, op->pr);
  int dkh = (op->kh - 1) * op->dy + 1, dkw = (op->kw - 1) * op->dx + 1;
  op->stride_y = x->stride_y * op->sy;
  op->stride_x = x->stride_x * op->sx;
  op->field_h = x->field_h + (dkh - 1) * x->stride_y;
  op->field_w = x->field_w + (dkw - 1) * x->stride_x;
  op->offset_y = x->offset_y + ((dkh - 1) / 2.0 - op->pt) * x->stride_y;
  op->offset_x = x->offset_x + ((dkw - 1) / 2.0 - op->pl) * x->stride_x;
  return TRUE;
}

/* ---- the ops ---- */

static gboolean
lower_conv (Ctx *cx)
{
  int xi = data_in (cx, 0);
  const FmTensor *w = xi < 0 ? NULL : const_in (cx, 1, TRUE);
  if (!w)
    return FALSE;
  const FmTensor *b = cx->node->n_inputs > 2 ? const_in (cx, 2, FALSE) : NULL;
  if (!b && cx->error)
    return FALSE;
  const FmNetOp *x = op_at (cx, xi);
  if (w->type != FM_TENSOR_FLOAT || w->ndim != 4)
    return not_run (cx, "only 2-D convolutions run (the weights are %d-D)", w->ndim);
  gint64 group = 1, kernel[2] = { 0, 0 };
  if (!attr_int (cx, "group", 1, &group))
    return FALSE;
  if (!attr_ints (cx, "kernel_shape", 2, 0, kernel))
    return FALSE;
  if (group < 1 || group > x->c || x->c % group != 0)
    return bad (cx, "group %" G_GINT64_FORMAT " must divide the %d input channels", group, x->c);
  gint64 M = w->dims[0];
  if (w->dims[1] * group != x->c)
    return bad (cx, "weights of %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT
                " × %" G_GINT64_FORMAT " need %" G_GINT64_FORMAT " input channels "
                "(group %" G_GINT64_FORMAT "); the input has %d", w->dims[0], w->dims[1],
                w->dims[2], w->dims[3], w->dims[1] * group, group, x->c);
  if (M < 1 || M % group != 0 || M > 65536)
    return bad (cx, "%" G_GINT64_FORMAT " filters: must be a multiple of group %" G_GINT64_FORMAT,
                M, group);
  for (int a = 0; a < 2; a++)
    if (kernel[a] != 0 && kernel[a] != w->dims[2 + a])
      return bad (cx, "kernel_shape %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " differs from "
                  "the weights' %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT,
                  kernel[0], kernel[1], w->dims[2], w->dims[3]);
  if (b && (b->type != FM_TENSOR_FLOAT || b->n != (gsize) M))
    return bad (cx, "bias of %" G_GSIZE_FORMAT " values for %" G_GINT64_FORMAT " filters",
                b->n, M);
  for (gsize i = 0; i < w->n; i++)
    if (!isfinite (w->f[i]))
      return bad (cx, "weight %" G_GSIZE_FORMAT " is not finite", i);
  for (gsize i = 0; b && i < b->n; i++)
    if (!isfinite (b->f[i]))
      return bad (cx, "bias %" G_GSIZE_FORMAT " is not finite", i);

  Window win;
  if (!read_window (cx, x, &w->dims[2], FALSE, TRUE, &win))
    return FALSE;
  FmNetOp *op = g_new0 (FmNetOp, 1);
  op->kind = FM_NET_OP_CONV;
  op->c = (int) M;
  op->groups = (int) group;
  op->weights = w->f;
  op->bias = b ? b->f : NULL;
  op->border = FM_BORDER_ZERO;
  if (!window_geometry (cx, op, x, &win))
    {
      fm_net_op_free (op);
      return FALSE;
    }
  set_data (cx->lw, cx->node->outputs[0], add_op (cx, op, 1, &xi));
  return TRUE;
}

static gboolean
lower_pool (Ctx *cx)
{
  const gboolean is_max = !strcmp (cx->node->op, "MaxPool");
  int xi = data_in (cx, 0);
  if (xi < 0)
    return FALSE;
  const FmNetOp *x = op_at (cx, xi);
  const FmNetAttr *ks = fm_net_node_attr (cx->node, "kernel_shape");
  if (!ks)
    return bad (cx, "attribute kernel_shape is missing");
  if (ks->type != FM_ATTR_INTS || ks->n != 2)
    return not_run (cx, "only 2-D pooling runs (kernel_shape has %d values)",
                    ks->type == FM_ATTR_INTS ? ks->n : 0);
  /* ceil_mode from opset 10, dilations for MaxPool from 10 (AveragePool
   * from 19): the attribute is read where its version has it. */
  const int v = opset (cx);
  Window win;
  if (!read_window (cx, x, ks->ints, v >= 10, is_max ? v >= 10 : v >= 19, &win))
    return FALSE;
  gint64 include_pad = 0;
  if (!is_max && !attr_int (cx, "count_include_pad", 0, &include_pad))
    return FALSE;
  if (is_max && cx->node->n_outputs > 1 && *cx->node->outputs[1])
    {
      /* The Indices output is not computed: what reads it is bad. */
      g_autofree char *label = fm_net_node_label (cx->node);
      g_autofree char *why = g_strdup_printf ("node %s, whose Indices output featuremaps "
                                              "does not compute", label);
      set_bad (cx->lw, cx->node->outputs[1], cx->index, why);
    }
  FmNetOp *op = g_new0 (FmNetOp, 1);
  op->kind = FM_NET_OP_POOL;
  op->max_pool = is_max;
  op->count_include_pad = include_pad != 0;
  if (!window_geometry (cx, op, x, &win))
    {
      fm_net_op_free (op);
      return FALSE;
    }
  op->c = x->c;
  set_data (cx->lw, cx->node->outputs[0], add_op (cx, op, 1, &xi));
  return TRUE;
}

/* A per-channel constant of the input's c channels: a scalar, or a shape
 * that broadcasts to 1 × c × 1 × 1.  Legacy (opset < 7) broadcast=1 with
 * axis aligns the constant at that axis instead. */
static gboolean
per_channel (Ctx *cx, const FmTensor *t, int c, float *out)
{
  gint64 dims[4] = { 1, 1, 1, 1 };
  const FmNetAttr *bc = fm_net_node_attr (cx->node, "broadcast");
  if (t->ndim > 4)
    return not_run (cx, "a constant of %d dimensions", t->ndim);
  if (opset (cx) < 7 && bc && bc->type == FM_ATTR_INT && bc->i && fm_net_node_attr (cx->node, "axis"))
    {
      gint64 axis = fm_net_node_attr_int (cx->node, "axis", 0);
      if (axis < 0)
        axis += 4;
      if (axis < 0 || axis + t->ndim > 4)
        return bad (cx, "broadcast axis out of range");
      for (int d = 0; d < t->ndim; d++)
        dims[axis + d] = t->dims[d];
    }
  else
    for (int d = 0; d < t->ndim; d++)
      dims[4 - t->ndim + d] = t->dims[d];
  if (dims[0] != 1 || dims[2] != 1 || dims[3] != 1 || (dims[1] != 1 && dims[1] != c))
    return not_run (cx, "its constant (%" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " × %"
                    G_GINT64_FORMAT " × %" G_GINT64_FORMAT ") is not one value per channel",
                    dims[0], dims[1], dims[2], dims[3]);
  for (int k = 0; k < c; k++)
    {
      double v = t->type == FM_TENSOR_FLOAT ? t->f[dims[1] == 1 ? 0 : k]
                                            : (double) t->i[dims[1] == 1 ? 0 : k];
      out[k] = (float) v;
    }
  return TRUE;
}

static int
add_affine (Ctx *cx, int xi, float *scale, float *shift)
{
  FmNetOp *op = g_new0 (FmNetOp, 1);
  op->kind = FM_NET_OP_AFFINE;
  op->scale = scale;
  op->shift = shift;
  op->kh = op->kw = op->sy = op->sx = op->dy = op->dx = 1;
  return add_op (cx, op, 1, &xi);
}

static gboolean
lower_batchnorm (Ctx *cx)
{
  int xi = data_in (cx, 0);
  if (xi < 0)
    return FALSE;
  const FmNetOp *x = op_at (cx, xi);
  const FmTensor *t[4];
  static const char *const what[4] = { "scale", "B", "mean", "var" };
  for (int i = 0; i < 4; i++)
    if (!(t[i] = const_in (cx, i + 1, TRUE)))
      return FALSE;
  gint64 spatial = 1, training = 0;
  float eps = 1e-5f;
  if (!attr_float (cx, "epsilon", 1e-5f, &eps) || !attr_int (cx, "spatial", 1, &spatial)
      || !attr_int (cx, "training_mode", 0, &training))
    return FALSE;
  if (!spatial)
    return not_run (cx, "spatial = 0 (statistics per pixel)");
  if (training)
    return not_run (cx, "training_mode = 1 (batch statistics)");
  for (int i = 0; i < 4; i++)
    if (t[i]->type != FM_TENSOR_FLOAT || t[i]->n != (gsize) x->c)
      return bad (cx, "%s has %" G_GSIZE_FORMAT " values for %d channels", what[i], t[i]->n, x->c);
  float *scale = g_new (float, x->c), *shift = g_new (float, x->c);
  for (int k = 0; k < x->c; k++)
    {
      double s = t[0]->f[k] / sqrt ((double) t[3]->f[k] + eps);
      scale[k] = (float) s;
      shift[k] = (float) (t[1]->f[k] - t[2]->f[k] * s);
      if (!isfinite (scale[k]) || !isfinite (shift[k]))
        {
          g_free (scale);
          g_free (shift);
          return bad (cx, "channel %d: scale or shift is not finite (var %g, epsilon %g)",
                      k, t[3]->f[k], eps);
        }
    }
  set_data (cx->lw, cx->node->outputs[0], add_affine (cx, xi, scale, shift));
  for (int o = 1; o < cx->node->n_outputs; o++)
    if (*cx->node->outputs[o])
      {
        g_autofree char *label = fm_net_node_label (cx->node);
        g_autofree char *why = g_strdup_printf ("node %s, whose training statistics "
                                                "featuremaps does not compute", label);
        set_bad (cx->lw, cx->node->outputs[o], cx->index, why);
      }
  return TRUE;
}

static gboolean
scalar_in (Ctx *cx, int i, float *v, gboolean *given)
{
  *given = FALSE;
  if (i >= cx->node->n_inputs || !cx->in[i])
    return TRUE;
  const FmTensor *t = const_in (cx, i, FALSE);
  if (!t)
    return FALSE;
  if (t->n != 1)
    return bad (cx, "input %d must be one value (it has %" G_GSIZE_FORMAT ")", i + 1, t->n);
  *v = t->type == FM_TENSOR_FLOAT ? t->f[0] : (float) t->i[0];
  *given = TRUE;
  return TRUE;
}

static gboolean
lower_activation (Ctx *cx)
{
  int xi = data_in (cx, 0);
  if (xi < 0)
    return FALSE;
  FmNetAct act;
  fm_net_act_init (&act);
  const char *name = cx->node->op;
  if (!strcmp (name, "Relu"))
    act.kind = FM_ACTIVATION_RELU;
  else if (!strcmp (name, "Sigmoid"))
    act.kind = FM_ACTIVATION_SIGMOID;
  else if (!strcmp (name, "Tanh"))
    act.kind = FM_ACTIVATION_TANH;
  else if (!strcmp (name, "LeakyRelu"))
    {
      act.kind = FM_ACTIVATION_LEAKY_RELU;
      if (!attr_float (cx, "alpha", 0.01f, &act.alpha))
        return FALSE;
      if (!isfinite (act.alpha))
        return bad (cx, "alpha is not finite");
    }
  else /* Clip */
    {
      gboolean given;
      if (opset (cx) < 11)
        {
          if (!attr_float (cx, "min", -INFINITY, &act.lo) || !attr_float (cx, "max", INFINITY, &act.hi))
            return FALSE;
        }
      else if (!scalar_in (cx, 1, &act.lo, &given) || !scalar_in (cx, 2, &act.hi, &given))
        return FALSE;
      if (isnan (act.lo) || isnan (act.hi))
        return bad (cx, "min or max is NaN");
    }
  FmNetOp *op = g_new0 (FmNetOp, 1);
  op->kind = FM_NET_OP_ACT;
  op->kh = op->kw = op->sy = op->sx = op->dy = op->dx = 1;
  int o = add_op (cx, op, 1, &xi);
  op->act = act;
  set_data (cx->lw, cx->node->outputs[0], o);
  return TRUE;
}

/* Pad: pads as the attribute "pads" (opset 2–10, "paddings" in opset 1) or
 * input 1 (11+), with input 3 naming the axes (18+); value as attribute
 * or input 2. */
static gboolean
lower_pad (Ctx *cx)
{
  int xi = data_in (cx, 0);
  if (xi < 0)
    return FALSE;
  const FmNetOp *x = op_at (cx, xi);
  gint64 pads[8] = { 0 };
  gint64 raw[8];
  int n = 0;
  const char *mode = "constant";
  float value = 0.0f;
  if (!attr_string (cx, "mode", "constant", &mode))
    return FALSE;
  const FmNetAttr *ap = fm_net_node_attr (cx->node, "pads");
  if (!ap)
    ap = fm_net_node_attr (cx->node, "paddings");
  if (ap)
    {
      if (ap->type != FM_ATTR_INTS || ap->n != 8)
        return bad (cx, "pads must be 8 integers for a 4-D input");
      memcpy (raw, ap->ints, sizeof raw);
      n = 8;
      if (!attr_float (cx, "value", 0.0f, &value))
        return FALSE;
    }
  else
    {
      const FmTensor *t = const_in (cx, 1, TRUE);
      if (!t)
        return FALSE;
      if (!fm_net_const_ints (t, raw, 8, &n))
        return bad (cx, "pads must be at most 8 integers");
      gboolean given;
      if (!scalar_in (cx, 2, &value, &given))
        return FALSE;
    }
  const FmTensor *axes_t = cx->node->n_inputs > 3 && cx->in[3] ? const_in (cx, 3, FALSE) : NULL;
  if (cx->error)
    return FALSE;
  if (axes_t)
    {
      gint64 axes[4];
      int na;
      if (!fm_net_const_ints (axes_t, axes, 4, &na) || 2 * na != n)
        return bad (cx, "axes must be at most 4 integers, half as many as pads");
      for (int i = 0; i < na; i++)
        {
          gint64 a = axes[i] < 0 ? axes[i] + 4 : axes[i];
          if (a < 0 || a > 3)
            return bad (cx, "axis %" G_GINT64_FORMAT " out of range", axes[i]);
          pads[a] = raw[i];
          pads[a + 4] = raw[i + na];
        }
    }
  else if (n == 8)
    memcpy (pads, raw, sizeof pads);
  else
    return bad (cx, "pads has %d values; a 4-D input needs 8", n);
  if (pads[0] || pads[4] || pads[1] || pads[5])
    return not_run (cx, "pads along the batch or channel axis");
  for (int i = 0; i < 8; i++)
    if (pads[i] < -MAX_PAD || pads[i] > MAX_PAD)
      return bad (cx, "pad %" G_GINT64_FORMAT " out of range", pads[i]);

  FmNetOp *op = g_new0 (FmNetOp, 1);
  op->kind = FM_NET_OP_PAD;
  if (!strcmp (mode, "constant"))
    op->border = FM_BORDER_ZERO;
  else if (!strcmp (mode, "reflect"))
    op->border = FM_BORDER_REFLECT;
  else if (!strcmp (mode, "edge"))
    op->border = FM_BORDER_CLAMP;
  else
    {
      fm_net_op_free (op);
      return not_run (cx, "mode '%s' (constant, reflect and edge run)", mode);
    }
  if (!isfinite (value))
    {
      fm_net_op_free (op);
      return bad (cx, "the constant value is not finite");
    }
  op->pad_value = value;
  op->kh = op->kw = op->sy = op->sx = op->dy = op->dx = 1;
  op->pt = (int) pads[2];
  op->pl = (int) pads[3];
  op->pb = (int) pads[6];
  op->pr = (int) pads[7];
  gint64 h = (gint64) x->h + op->pt + op->pb, w = (gint64) x->w + op->pl + op->pr;
  if (h < 1 || w < 1 || h > MAX_SIDE || w > MAX_SIDE)
    {
      fm_net_op_free (op);
      return bad (cx, "pads %d, %d, %d, %d leave a %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT
                  " output", (int) pads[2], (int) pads[3], (int) pads[6], (int) pads[7], h, w);
    }
  if (op->border == FM_BORDER_REFLECT && (x->h < 2 || x->w < 2) && (op->pt > 0 || op->pb > 0 || op->pl > 0 || op->pr > 0))
    {
      fm_net_op_free (op);
      return bad (cx, "reflect padding of a %d × %d input", x->h, x->w);
    }
  int o = add_op (cx, op, 1, &xi);
  op->h = (int) h;
  op->w = (int) w;
  op->offset_y = x->offset_y - op->pt * (double) x->stride_y;
  op->offset_x = x->offset_x - op->pl * (double) x->stride_x;
  set_data (cx->lw, cx->node->outputs[0], o);
  return TRUE;
}

/* Add, Sub, Mul, Div: with a per-channel constant an affine op, of two
 * layers of one shape (Add, Sub, Mul) an elementwise op. */
static gboolean
lower_arith (Ctx *cx)
{
  const char *name = cx->node->op;
  if (cx->node->n_inputs != 2 || !cx->in[0] || !cx->in[1])
    return bad (cx, "needs two inputs");
  gboolean d0 = cx->in[0]->kind == FM_NET_VAL_DATA, d1 = cx->in[1]->kind == FM_NET_VAL_DATA;
  if (d0 && d1)
    {
      int in[2] = { cx->in[0]->op, cx->in[1]->op };
      const FmNetOp *a = op_at (cx, in[0]), *b = op_at (cx, in[1]);
      if (a->c != b->c || a->h != b->h || a->w != b->w)
        return bad (cx, "adds layers of %d × %d × %d and %d × %d × %d (channels × rows × "
                    "columns): they must have one shape", a->c, a->h, a->w, b->c, b->h, b->w);
      if (!strcmp (name, "Div"))
        return not_run (cx, "the division of two layers");
      FmNetOp *op = g_new0 (FmNetOp, 1);
      op->kind = FM_NET_OP_BINARY;
      op->binop = !strcmp (name, "Add") ? FM_NET_BIN_ADD
                  : !strcmp (name, "Sub") ? FM_NET_BIN_SUB : FM_NET_BIN_MUL;
      op->kh = op->kw = op->sy = op->sx = op->dy = op->dx = 1;
      int o = add_op (cx, op, 2, in);
      op->field_h = MAX (a->field_h, b->field_h);
      op->field_w = MAX (a->field_w, b->field_w);
      set_data (cx->lw, cx->node->outputs[0], o);
      return TRUE;
    }
  int di = d0 ? 0 : 1;
  int xi = data_in (cx, di);
  const FmTensor *t = xi < 0 ? NULL : const_in (cx, 1 - di, TRUE);
  if (!t)
    return FALSE;
  const FmNetOp *x = op_at (cx, xi);
  float *k = g_new (float, x->c);
  if (!per_channel (cx, t, x->c, k))
    {
      g_free (k);
      return FALSE;
    }
  float *scale = g_new (float, x->c), *shift = g_new (float, x->c);
  for (int c = 0; c < x->c; c++)
    {
      scale[c] = 1.0f;
      shift[c] = 0.0f;
      if (!strcmp (name, "Add"))
        shift[c] = k[c];
      else if (!strcmp (name, "Mul"))
        scale[c] = k[c];
      else if (!strcmp (name, "Sub"))
        {
          shift[c] = di == 0 ? -k[c] : k[c];
          scale[c] = di == 0 ? 1.0f : -1.0f;
        }
      else if (di == 0)
        scale[c] = 1.0f / k[c];
    }
  gboolean inverse_div = !strcmp (name, "Div") && di == 1;
  g_free (k);
  if (inverse_div)
    {
      g_free (scale);
      g_free (shift);
      return not_run (cx, "a constant divided by a layer");
    }
  for (int c = 0; c < x->c; c++)
    if (!isfinite (scale[c]) || !isfinite (shift[c]))
      {
        g_free (scale);
        g_free (shift);
        return bad (cx, "channel %d: its constant is not finite (or divides by 0)", c);
      }
  set_data (cx->lw, cx->node->outputs[0], add_affine (cx, xi, scale, shift));
  return TRUE;
}

static gboolean
lower_concat (Ctx *cx)
{
  int n = cx->node->n_inputs;
  if (n < 1)
    return bad (cx, "has no input");
  gint64 axis = G_MININT64;
  if (!attr_int (cx, "axis", G_MININT64, &axis))
    return FALSE;
  if (axis == G_MININT64)
    return bad (cx, "attribute axis is missing");
  if (axis != 1 && axis != -3)
    return not_run (cx, "a concatenation along axis %" G_GINT64_FORMAT " (axis 1, the channels, "
                    "runs)", axis);
  int *in = g_new (int, n);
  int c = 0;
  for (int i = 0; i < n; i++)
    {
      if ((in[i] = data_in (cx, i)) < 0)
        {
          g_free (in);
          return FALSE;
        }
      const FmNetOp *a = op_at (cx, in[i]), *b = op_at (cx, in[0]);
      if (a->h != b->h || a->w != b->w)
        {
          g_free (in);
          return bad (cx, "concatenates layers of %d × %d and %d × %d", b->h, b->w, a->h, a->w);
        }
      c += a->c;
      if (c > 65536)
        {
          g_free (in);
          return bad (cx, "more than 65536 channels");
        }
    }
  FmNetOp *op = g_new0 (FmNetOp, 1);
  op->kind = FM_NET_OP_CONCAT;
  op->kh = op->kw = op->sy = op->sx = op->dy = op->dx = 1;
  int o = add_op (cx, op, n, in);
  op->c = c;
  for (int i = 1; i < n; i++)
    {
      op->field_h = MAX (op->field_h, op_at (cx, in[i])->field_h);
      op->field_w = MAX (op->field_w, op_at (cx, in[i])->field_w);
    }
  g_free (in);
  set_data (cx->lw, cx->node->outputs[0], o);
  return TRUE;
}

/* Identity, Dropout: the input's own value (nothing to run).  Dropout's
 * mask and a Dropout asked to train are not computed. */
static gboolean
lower_pass (Ctx *cx)
{
  if (data_in (cx, 0) < 0)
    return FALSE;
  if (!strcmp (cx->node->op, "Dropout"))
    {
      float training = 0;
      gboolean given;
      if (cx->node->n_inputs > 2 && !scalar_in (cx, 2, &training, &given))
        return FALSE;
      if (training != 0)
        return not_run (cx, "training_mode = true (random dropout)");
      if (cx->node->n_outputs > 1 && *cx->node->outputs[1])
        {
          g_autofree char *label = fm_net_node_label (cx->node);
          g_autofree char *why = g_strdup_printf ("node %s, whose mask featuremaps does not "
                                                  "compute", label);
          set_bad (cx->lw, cx->node->outputs[1], cx->index, why);
        }
    }
  set_data (cx->lw, cx->node->outputs[0], cx->in[0]->op);
  return TRUE;
}

/* Shape of a layer: a constant (1, C, H, W) for the plan's size, with
 * opset 15's start and end. */
static gboolean
lower_shape (Ctx *cx)
{
  int xi = data_in (cx, 0);
  if (xi < 0)
    return FALSE;
  const FmNetOp *x = op_at (cx, xi);
  gint64 full[4] = { 1, x->c, x->h, x->w };
  gint64 start = 0, end = 4;
  if (!attr_int (cx, "start", 0, &start) || !attr_int (cx, "end", 4, &end))
    return FALSE;
  if (!strcmp (cx->node->op, "Size"))
    {
      FmTensor *t = fm_tensor_new (cx->node->outputs[0], FM_TENSOR_INT64, 0, NULL, NULL);
      t->i[0] = (gint64) x->c * x->h * x->w;
      set_const (cx->lw, cx->node->outputs[0], t);
      return TRUE;
    }
  if (start < 0)
    start += 4;
  if (end < 0)
    end += 4;
  start = CLAMP (start, 0, 4);
  end = CLAMP (end, start, 4);
  gint64 n = end - start;
  FmTensor *t = fm_tensor_new (cx->node->outputs[0], FM_TENSOR_INT64, 1, &n, NULL);
  memcpy (t->i, full + start, n * sizeof (gint64));
  set_const (cx->lw, cx->node->outputs[0], t);
  return TRUE;
}

/* The registry: every op featuremaps runs on the image's layers. */
static const struct {
  const char *op;
  gboolean (*lower) (Ctx *cx);
} lowerers[] = {
  { "Conv", lower_conv },
  { "BatchNormalization", lower_batchnorm },
  { "Relu", lower_activation },
  { "LeakyRelu", lower_activation },
  { "Sigmoid", lower_activation },
  { "Tanh", lower_activation },
  { "Clip", lower_activation },
  { "MaxPool", lower_pool },
  { "AveragePool", lower_pool },
  { "Pad", lower_pad },
  { "Add", lower_arith },
  { "Sub", lower_arith },
  { "Mul", lower_arith },
  { "Div", lower_arith },
  { "Concat", lower_concat },
  { "Identity", lower_pass },
  { "Dropout", lower_pass },
  { "Shape", lower_shape },
  { "Size", lower_shape },
};

/* Ops after which the maps are no longer images. */
static const char *const spatial_end[] = {
  "Flatten", "Gemm", "MatMul", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
  "Reshape", "Squeeze", "Unsqueeze", "Transpose", "ReduceMean", "ReduceMax", "ReduceMin",
  "ReduceSum", "ReduceL2", "Softmax", "LogSoftmax", "ArgMax", "ArgMin", "TopK",
};

static gboolean
in_list (const char *op, const char *const *list, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!strcmp (list[i], op))
      return TRUE;
  return FALSE;
}

static void
lower_node (FmNetLower *lw, int index)
{
  const FmNetNode *node = g_ptr_array_index (lw->graph->nodes, index);
  Ctx cx = { .lw = lw, .node = node, .index = index };
  const FmNetValue *first_bad = NULL;
  gboolean any_data = FALSE, all_const = TRUE;

  for (int i = 0; i < node->n_inputs; i++)
    {
      const FmNetValue *v = *node->inputs[i] ? lookup (lw, node->inputs[i]) : NULL;
      if (i < (int) G_N_ELEMENTS (cx.in))
        cx.in[i] = v;
      if (!*node->inputs[i])
        continue;
      if (!v)
        {
          g_autofree char *name = fm_net_escape (node->inputs[i]);
          g_autofree char *d = g_strdup_printf ("input '%s' is no tensor of the graph", name);
          all_bad (lw, node, index, BAD_INVALID, d);
          return;
        }
      if (v->kind == FM_NET_VAL_BAD && (!first_bad || v->bad_node < first_bad->bad_node))
        first_bad = v;
      any_data |= v->kind == FM_NET_VAL_DATA;
      all_const &= v->kind == FM_NET_VAL_CONST;
    }
  if (first_bad)
    {
      for (int o = 0; o < node->n_outputs; o++)
        set_bad (lw, node->outputs[o], first_bad->bad_node, first_bad->why);
      return;
    }
  if (node->n_inputs > (int) G_N_ELEMENTS (cx.in))
    {
      all_bad (lw, node, index, BAD_INVALID, "more than 256 inputs");
      return;
    }
  gboolean default_domain = !node->domain || !*node->domain || !strcmp (node->domain, "ai.onnx");

  /* Constants in, constants out. */
  if (all_const && default_domain && fm_net_const_knows (node->op))
    {
      const FmTensor *in[MAX_INPUTS];
      for (int i = 0; i < node->n_inputs; i++)
        in[i] = cx.in[i] ? cx.in[i]->t : NULL;
      FmTensor *out = NULL;
      gboolean handled;
      GError *error = NULL;
      if (fm_net_const_eval (node, in, node->n_inputs, &out, &handled, &error))
        {
          lw->const_elems += out->n;
          if (lw->const_elems > MAX_CONST_ELEMS)
            {
              fm_tensor_free (out);
              all_bad (lw, node, index, BAD_INVALID, "the constants computed so far hold too "
                       "many values");
              return;
            }
          set_const (lw, node->outputs[0], out);
          for (int o = 1; o < node->n_outputs; o++)
            all_bad (lw, node, index, BAD_UNSUPPORTED, "its second output");
          return;
        }
      /* error->message already names the node. */
      for (int o = 0; o < node->n_outputs; o++)
        set_bad (lw, node->outputs[o], index, error->message);
      g_error_free (error);
      return;
    }
  if (!any_data && !all_const)
    {
      all_bad (lw, node, index, BAD_INVALID, "has no input");
      return;
    }

  if (default_domain && any_data)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (lowerers); i++)
        if (!strcmp (lowerers[i].op, node->op))
          {
            if (node->n_outputs < 1 || !*node->outputs[0])
              return;
            int n_ops = lw->ops->len;
            if (!lowerers[i].lower (&cx))
              {
                all_bad (lw, node, index, cx.unsupported ? BAD_UNSUPPORTED : BAD_INVALID,
                         cx.error ? cx.error : "cannot be read");
                g_free (cx.error);
                return;
              }
            if ((int) lw->ops->len > n_ops)
              lw->node_op[index] = lw->ops->len - 1;
            else
              {
                const FmNetValue *v = lookup (lw, node->outputs[0]);
                if (v && v->kind == FM_NET_VAL_DATA)
                  lw->node_op[index] = v->op;
              }
            return;
          }
      if (in_list (node->op, spatial_end, G_N_ELEMENTS (spatial_end)))
        {
          all_bad (lw, node, index, BAD_SPATIAL_END, NULL);
          return;
        }
    }
  all_bad (lw, node, index, BAD_UNSUPPORTED, NULL);
}

FmNetLower *
fm_net_lower_new (const FmNetGraph *graph, int in_c, int in_h, int in_w, GError **error)
{
  FmNetLower *lw = g_new0 (FmNetLower, 1);
  lw->graph = graph;
  lw->in_c = in_c;
  lw->in_h = in_h;
  lw->in_w = in_w;
  lw->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, value_free);
  lw->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_op_free);
  lw->owned = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_tensor_free);
  lw->node_op = g_new (int, MAX (graph->nodes->len, 1));
  for (guint i = 0; i < graph->nodes->len; i++)
    lw->node_op[i] = -1;

  /* Op 0: the image.  The first data input is it; others cannot be fed. */
  FmNetOp *input = g_new0 (FmNetOp, 1);
  input->kind = FM_NET_OP_INPUT;
  input->node = input->first_node = -1;
  input->folded_into = -1;
  input->c = in_c;
  input->h = in_h;
  input->w = in_w;
  input->stride_y = input->stride_x = input->field_h = input->field_w = 1;
  fm_net_act_init (&input->act);
  g_ptr_array_add (lw->ops, input);

  gboolean have_input = FALSE;
  for (guint i = 0; graph->inputs && i < graph->inputs->len; i++)
    {
      const FmNetValueInfo *vi = g_ptr_array_index (graph->inputs, i);
      if (fm_net_graph_initializer (graph, vi->name))
        continue;
      if (have_input)
        {
          g_autofree char *name = fm_net_escape (vi->name);
          g_autofree char *why = g_strdup_printf ("the model's input '%s', which featuremaps "
                                                  "does not feed (it feeds one image)", name);
          FmNetValue *v = g_new0 (FmNetValue, 1);
          v->kind = FM_NET_VAL_BAD;
          v->bad_node = -1;
          v->why = g_steal_pointer (&why);
          set_value (lw, vi->name, v);
          continue;
        }
      g_autofree char *in_name = fm_net_escape (vi->name);
      if (vi->ndim != 4 && vi->ndim != 0)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                       "the model's input '%s' has %d dimensions; featuremaps feeds images "
                       "(N × C × H × W)", in_name, vi->ndim);
          fm_net_lower_free (lw);
          return NULL;
        }
      if (vi->ndim == 4 && vi->dims[0] > 1)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                       "the model's input '%s' is a batch of %" G_GINT64_FORMAT " images; "
                       "featuremaps feeds one", in_name, vi->dims[0]);
          fm_net_lower_free (lw);
          return NULL;
        }
      if (vi->ndim == 4 && vi->dims[1] > 0 && vi->dims[1] != in_c)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "the model's input '%s' has %" G_GINT64_FORMAT " channels; the "
                       "image gives %d", in_name, vi->dims[1], in_c);
          fm_net_lower_free (lw);
          return NULL;
        }
      set_data (lw, vi->name, 0);
      have_input = TRUE;
    }
  if (!have_input)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "%s: the model has no input to feed the image to",
                   graph->origin ? graph->origin : "model");
      fm_net_lower_free (lw);
      return NULL;
    }
  for (guint i = 0; i < graph->nodes->len; i++)
    lower_node (lw, i);
  return lw;
}

void
fm_net_lower_free (FmNetLower *lw)
{
  if (!lw)
    return;
  g_hash_table_unref (lw->values);
  g_ptr_array_unref (lw->ops);
  g_ptr_array_unref (lw->owned);
  g_free (lw->node_op);
  g_free (lw);
}
