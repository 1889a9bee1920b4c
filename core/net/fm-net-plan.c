/* fm-net-plan.c: from a graph, the layers asked for and an input size to
 * the stages that run (fm-net-plan.h says what and why).
 *
 * Folding, on the ops the requested layers need, in graph order:
 *   - a per-channel scale / shift (BatchNormalization, Mul / Add / Sub /
 *     Div by constants) right after a convolution goes into its weights
 *     and bias: w'[k] = w[k]·s[k], b'[k] = b[k]·s[k] + t[k];
 *   - a Pad with zero constant, reflect or edge mode and pads ≥ 0 right
 *     before a convolution becomes the convolution's padding and border
 *     rule (reflect, edge only when the convolution pads nothing itself);
 *   - an activation goes into the op before it (convolutions apply it in
 *     the engine as they store; the other ops on their rows in cache),
 *     composing with one already there when the result is one activation
 *     followed by one clip (Relu then Clip is ReLU6).
 * Only an op whose single reader is the one folded, and that nobody asked
 * to see, disappears: asking for a convolution and for the BatchNorm after
 * it keeps both.
 */
#include "fm-net-private.h"

#include <math.h>
#include <string.h>

void
fm_net_layer_info_clear (FmNetLayerInfo *info)
{
  if (!info)
    return;
  g_free (info->name);
  g_free (info->asked);
  g_free (info->output);
  g_free (info->op);
  g_free (info->unsupported);
  memset (info, 0, sizeof *info);
}

static void
layer_info_free (gpointer p)
{
  fm_net_layer_info_clear (p);
  g_free (p);
}

static void
fill_info (FmNetLayerInfo *info, const FmNetOp *op)
{
  info->channels = op->c;
  info->stride_y = op->stride_y;
  info->stride_x = op->stride_x;
  info->field_h = op->field_h;
  info->field_w = op->field_w;
  info->offset_y = op->offset_y;
  info->offset_x = op->offset_x;
}

/* "layer 'fc' needs node '/Flatten' (Flatten), which ends …" */
static char *
bad_message (const char *layer, int node_index, const FmNetValue *v)
{
  if (v->bad_node == node_index && node_index >= 0)
    return g_strdup_printf ("layer '%s' is %s", layer, v->why);
  return g_strdup_printf ("layer '%s' needs %s", layer, v->why);
}

/* The nominal size `info` lowers at: the model's own when it fixes one,
 * else 224 × 224 (only channels, strides and fields are shown). */
static void
nominal_size (const FmNetGraph *graph, int *h, int *w)
{
  *h = *w = 224;
  for (guint i = 0; graph->inputs && i < graph->inputs->len; i++)
    {
      const FmNetValueInfo *vi = g_ptr_array_index (graph->inputs, i);
      if (fm_net_graph_initializer (graph, vi->name))
        continue;
      if (vi->ndim == 4 && vi->dims[2] > 0 && vi->dims[3] > 0 && vi->dims[2] <= 8192
          && vi->dims[3] <= 8192)
        {
          *h = (int) vi->dims[2];
          *w = (int) vi->dims[3];
        }
      return;
    }
}

GPtrArray *
fm_net_list_layers (const FmNetGraph *graph, int in_channels, GError **error)
{
  g_return_val_if_fail (graph != NULL, NULL);
  int in_c = in_channels > 0 ? in_channels : fm_net_graph_in_channels (graph);
  if (in_c <= 0)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "%s: the model does not say how many channels its input has",
                   graph->origin ? graph->origin : "model");
      return NULL;
    }
  int h, w;
  nominal_size (graph, &h, &w);
  FmNetLower *lw = fm_net_lower_new (graph, in_c, h, w, error);
  if (!lw)
    return NULL;
  GPtrArray *list = g_ptr_array_new_with_free_func (layer_info_free);
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const FmNetNode *node = g_ptr_array_index (graph->nodes, i);
      if (node->n_outputs < 1 || !*node->outputs[0])
        continue;
      const FmNetValue *v = fm_net_lower_value (lw, node->outputs[0]);
      if (!v || v->kind == FM_NET_VAL_CONST || v->kind == FM_NET_VAL_NONE)
        continue;
      FmNetLayerInfo *info = g_new0 (FmNetLayerInfo, 1);
      info->index = i;
      info->name = g_strdup (node->name);
      info->output = g_strdup (node->outputs[0]);
      info->op = g_strdup (node->op);
      if (v->kind == FM_NET_VAL_DATA)
        fill_info (info, fm_net_lower_op (lw, v->op));
      else
        info->unsupported = v->bad_node == (int) i ? g_strdup (v->why)
                                                   : g_strdup_printf ("needs %s", v->why);
      g_ptr_array_add (list, info);
    }
  fm_net_lower_free (lw);
  return list;
}

/* ---- folding ---- */

static FmNetOp *
op_of (FmNetLower *lw, int i)
{
  return g_ptr_array_index (lw->ops, i);
}

/* The op that now computes op i (after folds). */
static int
rep (FmNetLower *lw, int i)
{
  while (op_of (lw, i)->folded_into >= 0)
    i = op_of (lw, i)->folded_into;
  return i;
}

static void
note_fused (FmNetLower *lw, FmNetOp *into, const FmNetOp *op)
{
  if (op->node < 0)
    return;
  const FmNetNode *node = g_ptr_array_index (lw->graph->nodes, op->node);
  if (!into->fused)
    into->fused = g_string_new (NULL);
  g_string_append_printf (into->fused, "%s%s", into->fused->len ? ", " : "", node->name);
}

static float *
own_copy (const float *src, gsize n)
{
  return src ? g_memdup2 (src, n * sizeof (float)) : g_new0 (float, n);
}

/* Can `op` (single reader of `p`, nobody asked for p) disappear into p? */
static gboolean
foldable_into (const FmNetOp *p)
{
  return p->n_consumers == 1 && !p->requested && p->kind != FM_NET_OP_INPUT;
}

static gboolean
fold_affine (FmNetLower *lw, int i)
{
  FmNetOp *op = op_of (lw, i);
  int pi = rep (lw, op->in[0]);
  FmNetOp *p = op_of (lw, pi);
  if (!foldable_into (p) || !fm_net_act_is_none (&p->act))
    return FALSE;
  if (p->kind == FM_NET_OP_CONV)
    {
      gsize per_filter = (gsize) (p->c > 0 ? (gsize) (op_of (lw, rep (lw, p->in[0]))->c / p->groups) : 0)
                         * p->kh * p->kw;
      float *w = p->own_weights ? p->own_weights : own_copy (p->weights, per_filter * p->c);
      float *b = p->own_bias ? p->own_bias : own_copy (p->bias, p->c);
      for (int k = 0; k < p->c; k++)
        {
          for (gsize j = 0; j < per_filter; j++)
            w[k * per_filter + j] *= op->scale[k];
          b[k] = b[k] * op->scale[k] + op->shift[k];
        }
      p->weights = p->own_weights = w;
      p->bias = p->own_bias = b;
    }
  else if (p->kind == FM_NET_OP_AFFINE)
    for (int k = 0; k < p->c; k++)
      {
        p->scale[k] *= op->scale[k];
        p->shift[k] = p->shift[k] * op->scale[k] + op->shift[k];
      }
  else
    return FALSE;
  return TRUE;
}

/* Activation b after activation a, as one kind plus one clip, when such
 * a pair exists. */
static gboolean
compose_act (const FmNetAct *a, const FmNetAct *b, FmNetAct *out)
{
  gboolean a_clip = a->lo != -INFINITY || a->hi != INFINITY;
  *out = *a;
  if (fm_net_act_is_none (a))
    {
      *out = *b;
      return TRUE;
    }
  if (b->kind == FM_ACTIVATION_NONE)
    {
      /* clip after clip: one clip when the ranges meet */
      float lo = MAX (a->lo, b->lo), hi = MIN (a->hi, b->hi);
      if (lo > hi)
        return FALSE;
      out->lo = lo;
      out->hi = hi;
      return TRUE;
    }
  if (b->kind == FM_ACTIVATION_RELU && a->kind == FM_ACTIVATION_NONE && a_clip)
    {
      out->lo = MAX (a->lo, 0.0f);
      out->hi = MAX (a->hi, 0.0f);
      return TRUE;
    }
  if (b->kind == FM_ACTIVATION_RELU && (a->kind == FM_ACTIVATION_RELU || a->lo >= 0.0f))
    return TRUE;   /* relu of something ≥ 0 */
  return FALSE;
}

static gboolean
fold_act (FmNetLower *lw, int i)
{
  FmNetOp *op = op_of (lw, i);
  FmNetOp *p = op_of (lw, rep (lw, op->in[0]));
  if (!foldable_into (p))
    return FALSE;
  FmNetAct act;
  if (!compose_act (&p->act, &op->act, &act))
    return FALSE;
  p->act = act;
  return TRUE;
}

/* A Pad right before a convolution into the convolution (returns TRUE
 * when the pad op disappeared). */
static gboolean
fold_pad (FmNetLower *lw, int i)
{
  FmNetOp *conv = op_of (lw, i);
  int pi = rep (lw, conv->in[0]);
  FmNetOp *p = op_of (lw, pi);
  if (p->kind != FM_NET_OP_PAD || !foldable_into (p) || !fm_net_act_is_none (&p->act))
    return FALSE;
  if (p->pt < 0 || p->pl < 0 || p->pb < 0 || p->pr < 0)
    return FALSE;
  gboolean conv_pads = conv->pt || conv->pl || conv->pb || conv->pr;
  if (conv->pt < 0 || conv->pl < 0 || conv->pb < 0 || conv->pr < 0)
    return FALSE;
  if (p->border == FM_BORDER_ZERO)
    {
      if (p->pad_value != 0.0f || conv->border != FM_BORDER_ZERO)
        return FALSE;
    }
  else if (conv_pads || conv->border != FM_BORDER_ZERO)
    return FALSE;
  conv->pt += p->pt;
  conv->pl += p->pl;
  conv->pb += p->pb;
  conv->pr += p->pr;
  conv->border = p->border;
  conv->in[0] = p->in[0];
  p->folded_into = i;
  note_fused (lw, conv, p);
  return TRUE;
}

/* Mark what the outputs need and count readers. */
static void
mark_needed (FmNetLower *lw, const int *out_ops, int n_out)
{
  GArray *stack = g_array_new (FALSE, FALSE, sizeof (int));
  for (int o = 0; o < n_out; o++)
    {
      op_of (lw, out_ops[o])->requested = TRUE;
      g_array_append_val (stack, out_ops[o]);
    }
  while (stack->len)
    {
      int i = g_array_index (stack, int, stack->len - 1);
      g_array_set_size (stack, stack->len - 1);
      FmNetOp *op = op_of (lw, i);
      if (op->needed)
        continue;
      op->needed = TRUE;
      for (int j = 0; j < op->n_in; j++)
        g_array_append_val (stack, op->in[j]);
    }
  g_array_free (stack, TRUE);
  for (guint i = 0; i < lw->ops->len; i++)
    {
      FmNetOp *op = op_of (lw, i);
      if (op->needed)
        for (int j = 0; j < op->n_in; j++)
          op_of (lw, op->in[j])->n_consumers++;
    }
}

static void
fold_all (FmNetLower *lw)
{
  for (guint i = 1; i < lw->ops->len; i++)
    {
      FmNetOp *op = op_of (lw, i);
      if (!op->needed)
        continue;
      if (op->kind == FM_NET_OP_CONV)
        fold_pad (lw, i);
      gboolean folded = FALSE;
      if (op->kind == FM_NET_OP_AFFINE)
        folded = fold_affine (lw, i);
      else if (op->kind == FM_NET_OP_ACT)
        folded = fold_act (lw, i);
      if (!folded)
        continue;
      int pi = rep (lw, op->in[0]);
      FmNetOp *p = op_of (lw, pi);
      op->folded_into = pi;
      /* p now computes op's output: op's readers and name are p's. */
      p->n_consumers = op->n_consumers;
      p->requested = op->requested;
      p->node = op->node;
      note_fused (lw, p, op);
    }
}

/* ---- the plan ---- */

void
fm_net_plan_free (FmNetPlan *plan)
{
  if (!plan)
    return;
  if (plan->stages)
    g_ptr_array_unref (plan->stages);
  for (int o = 0; o < plan->n_outputs; o++)
    {
      fm_net_layer_info_clear (&plan->outputs[o]);
      if (plan->out_band)
        g_free (plan->out_band[o]);
    }
  g_free (plan->outputs);
  g_free (plan->output_stage);
  g_free (plan->out_band);
  if (plan->notes)
    g_string_free (plan->notes, TRUE);
  g_free (plan);
}

FmNetPlan *
fm_net_plan_new (const FmNetGraph *graph, const char *const *layers, int n_layers,
                 int in_h, int in_w, int in_channels, const FmNetPlanOptions *options,
                 GError **error)
{
  g_return_val_if_fail (graph != NULL && (layers != NULL || n_layers == 0), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_layers < 1)
    {
      g_set_error_literal (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                           "no layer asked for: give MODEL#LAYER");
      return NULL;
    }
  if (in_h < 1 || in_w < 1 || in_h > FM_CONV_MAX_SIDE || in_w > FM_CONV_MAX_SIDE)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "input %d × %d: each side must be 1 to %d", in_h, in_w, FM_CONV_MAX_SIDE);
      return NULL;
    }
  if (in_channels < 1 || in_channels > FM_CONV_MAX_CHANNELS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "input of %d channels: must be 1 to %d", in_channels, FM_CONV_MAX_CHANNELS);
      return NULL;
    }
  FmNetLower *lw = fm_net_lower_new (graph, in_channels, in_h, in_w, error);
  if (!lw)
    return NULL;

  FmNetPlan *plan = g_new0 (FmNetPlan, 1);
  plan->in_c = in_channels;
  plan->in_h = in_h;
  plan->in_w = in_w;
  plan->n_threads = options && options->n_threads > 0 ? options->n_threads : 0;
  plan->band_rows = options && options->band_rows > 0 ? options->band_rows : 0;
  plan->notes = g_string_new (NULL);
  plan->outputs = g_new0 (FmNetLayerInfo, n_layers);
  int *out_ops = g_new (int, n_layers);

  /* Resolve every name; duplicates (by tensor) are delivered once. */
  gboolean ok = TRUE;
  for (int l = 0; ok && l < n_layers; l++)
    {
      int node_index;
      const char *tensor = fm_net_resolve_tensor (graph, lw, layers[l], &node_index, error);
      if (!tensor)
        {
          ok = FALSE;
          break;
        }
      const FmNetValue *v = fm_net_lower_value (lw, tensor);
      if (!v || v->kind == FM_NET_VAL_NONE)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                       "layer '%s': its tensor '%s' is computed by nothing", layers[l], tensor);
          ok = FALSE;
          break;
        }
      if (v->kind == FM_NET_VAL_BAD)
        {
          g_autofree char *msg = bad_message (layers[l], node_index, v);
          g_set_error_literal (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED, msg);
          ok = FALSE;
          break;
        }
      if (v->kind == FM_NET_VAL_CONST)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "layer '%s' is a constant of the model, not a map of the image",
                       layers[l]);
          ok = FALSE;
          break;
        }
      gboolean dup = FALSE;
      for (int o = 0; o < plan->n_outputs; o++)
        dup |= out_ops[o] == v->op;
      if (dup)
        continue;
      FmNetLayerInfo *info = &plan->outputs[plan->n_outputs];
      const FmNetNode *node = node_index >= 0 ? g_ptr_array_index (graph->nodes, node_index) : NULL;
      info->index = node_index;
      info->name = g_strdup (node ? node->name : tensor);
      info->asked = g_strdup (layers[l]);
      info->output = g_strdup (tensor);
      info->op = g_strdup (node ? node->op : "Input");
      const FmNetOp *op = fm_net_lower_op (lw, v->op);
      fill_info (info, op);
      info->height = op->h;
      info->width = op->w;
      out_ops[plan->n_outputs++] = v->op;
    }

  if (ok)
    {
      mark_needed (lw, out_ops, plan->n_outputs);
      fold_all (lw);

      /* Stages: the needed ops nothing folded away, stolen from lw. */
      plan->stages = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_stage_free);
      int *stage_of = g_new (int, lw->ops->len);
      for (guint i = 0; i < lw->ops->len; i++)
        {
          stage_of[i] = -1;
          FmNetOp *op = op_of (lw, i);
          if (!(op->needed || i == 0) || op->folded_into >= 0)
            continue;
          FmNetStage *s = g_new0 (FmNetStage, 1);
          s->index = plan->stages->len;
          s->n_in = op->n_in;
          s->in = g_new0 (FmNetStage *, MAX (op->n_in, 1));
          for (int j = 0; j < op->n_in; j++)
            s->in[j] = g_ptr_array_index (plan->stages, stage_of[rep (lw, op->in[j])]);
          s->c = op->c;
          s->h = op->h;
          s->w = op->w;
          s->output = -1;
          stage_of[i] = s->index;
          g_ptr_array_add (plan->stages, s);
          for (int j = 0; j < op->n_in; j++)
            s->in[j]->n_consumers++;
          s->op = op;                 /* the stage owns it (below) */
          if (op->fused)
            {
              const char *last = op->node >= 0
                ? ((const FmNetNode *) g_ptr_array_index (graph->nodes, op->node))->name : "input";
              g_string_append_printf (plan->notes, "%s: folded %s\n", last, op->fused->str);
            }
        }
      plan->output_stage = g_new (FmNetStage *, plan->n_outputs);
      for (int o = 0; o < plan->n_outputs; o++)
        {
          FmNetStage *s = g_ptr_array_index (plan->stages, stage_of[rep (lw, out_ops[o])]);
          plan->output_stage[o] = s;
          if (s->output < 0)
            s->output = o;
        }
      for (guint i = 0; i < lw->ops->len; i++)
        if (stage_of[i] >= 0)
          lw->ops->pdata[i] = NULL;
      g_free (stage_of);
      ok = fm_net_stages_prepare (plan, error);
    }
  g_free (out_ops);
  fm_net_lower_free (lw);
  if (!ok)
    {
      fm_net_plan_free (plan);
      return NULL;
    }
  return plan;
}

int
fm_net_plan_in_channels (const FmNetPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->in_c;
}

int
fm_net_plan_n_outputs (const FmNetPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->n_outputs;
}

const FmNetLayerInfo *
fm_net_plan_output (const FmNetPlan *plan, int output)
{
  g_return_val_if_fail (plan != NULL && output >= 0 && output < plan->n_outputs, NULL);
  return &plan->outputs[output];
}

gsize
fm_net_plan_memory (const FmNetPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);
  return plan->memory;
}

static const char *
kind_name (const FmNetOp *op)
{
  switch (op->kind)
    {
    case FM_NET_OP_INPUT: return "input";
    case FM_NET_OP_CONV: return "conv";
    case FM_NET_OP_POOL: return op->max_pool ? "max-pool" : "average-pool";
    case FM_NET_OP_AFFINE: return "scale-shift";
    case FM_NET_OP_ACT: return "activation";
    case FM_NET_OP_PAD: return "pad";
    case FM_NET_OP_BINARY:
      return op->binop == FM_NET_BIN_ADD ? "add" : op->binop == FM_NET_BIN_SUB ? "sub" : "mul";
    case FM_NET_OP_CONCAT: return "concat";
    default: return "?";
    }
}

char *
fm_net_plan_describe (const FmNetPlan *plan)
{
  g_return_val_if_fail (plan != NULL, NULL);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < plan->stages->len; i++)
    {
      const FmNetStage *st = g_ptr_array_index (plan->stages, i);
      const FmNetOp *op = st->op;
      g_string_append_printf (s, "%2u %-12s %4d × %4d × %4d", i, kind_name (op), st->h, st->w, st->c);
      if (st->n_in)
        {
          g_string_append (s, " from");
          for (int j = 0; j < st->n_in; j++)
            g_string_append_printf (s, " %d", st->in[j]->index);
        }
      if (op->kind == FM_NET_OP_CONV || op->kind == FM_NET_OP_POOL)
        g_string_append_printf (s, "; %d × %d / %d × %d, dilation %d × %d, pads %d %d %d %d",
                                op->kh, op->kw, op->sy, op->sx, op->dy, op->dx,
                                op->pt, op->pl, op->pb, op->pr);
      if (op->kind == FM_NET_OP_CONV)
        g_string_append_printf (s, ", groups %d, border %s, %s", op->groups,
                                fm_option_value_name (FM_OPT_BORDER, op->border),
                                st->conv ? fm_conv_plan_path (st->conv) : "?");
      if (!fm_net_act_is_none (&op->act))
        {
          g_autofree char *a = fm_net_act_describe (&op->act);
          g_string_append_printf (s, "; then %s", a);
        }
      if (op->fused)
        g_string_append_printf (s, "; folded %s", op->fused->str);
      g_string_append_printf (s, "; ring %d rows of %d%s", st->cap, st->chunk,
                              st->ringless ? " (straight to the output)" : "");
      if (st->output >= 0)
        g_string_append_printf (s, "; output %d", st->output);
      g_string_append_c (s, '\n');
    }
  g_string_append_printf (s, "memory %.1f MB\n", plan->memory / 1048576.0);
  return g_string_free (s, FALSE);
}
