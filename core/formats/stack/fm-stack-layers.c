/* fm-stack-layers: one layer of a stack description into graph nodes with
 * ONNX semantics (fm-stack-private.h; the format: docs/kernels.md).
 *
 *   conv        → Conv (HWIO weights transposed to OIHW, in place)
 *   batchnorm   → BatchNormalization (missing scale / bias: ones / zeros)
 *   relu, sigmoid, tanh, identity → Relu, Sigmoid, Tanh, Identity
 *   leaky-relu  → LeakyRelu (alpha)
 *   clip        → Clip with min / max as constant inputs
 *   maxpool, avgpool → MaxPool, AveragePool
 *   pad         → Pad with pads and value as constant inputs
 *   add, concat → Add, Concat (axis 1)
 * "same" padding becomes auto_pad SAME_UPPER, "valid" VALID. */
#include <math.h>
#include <string.h>

#include "fm-stack-private.h"
#include "fm-model-file.h"
#include "fm-text.h"

/* --- typed members ------------------------------------------------------- */

static gboolean
fail (GError **error, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, int code, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, FM_NET_ERROR, code, msg);
  return FALSE;
}

static gboolean
is_int (JsonNode *n)
{
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64;
}

static gboolean
is_number (JsonNode *n)
{
  return n && JSON_NODE_HOLDS_VALUE (n)
         && (json_node_get_value_type (n) == G_TYPE_INT64
             || json_node_get_value_type (n) == G_TYPE_DOUBLE);
}

static gboolean
get_int (JsonObject *o, const char *key, gint64 def, gint64 min, gint64 max,
         gint64 *out, GError **error)
{
  if (!json_object_has_member (o, key))
    {
      *out = def;
      return TRUE;
    }
  return fm_json_get_int (fm_model_json_ctx (), json_object_get_member (o, key), key, min, max, out, error);
}

/* An int or [y, x], each ≥ min. */
static gboolean
get_pair (JsonObject *o, const char *key, gint64 def, gint64 min, gint64 out[2],
          GError **error)
{
  out[0] = out[1] = def;
  if (!json_object_has_member (o, key))
    return TRUE;
  JsonNode *n = json_object_get_member (o, key);
  if (is_int (n))
    {
      if (!fm_json_get_int (fm_model_json_ctx (), n, key, min, G_MAXINT32, &out[0], error))
        return FALSE;
      out[1] = out[0];
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) == 2)
    {
      JsonArray *a = json_node_get_array (n);
      g_autofree char *w0 = g_strdup_printf ("%s[0]", key);
      g_autofree char *w1 = g_strdup_printf ("%s[1]", key);
      return fm_json_get_int (fm_model_json_ctx (), json_array_get_element (a, 0), w0, min, G_MAXINT32, &out[0], error)
             && fm_json_get_int (fm_model_json_ctx (), json_array_get_element (a, 1), w1, min, G_MAXINT32, &out[1], error);
    }
  return fail (error, FM_NET_ERROR_INVALID, "%s is %s, expected an integer or [y, x]",
               key, fm_json_type_name (n));
}

static gboolean
get_float (JsonObject *o, const char *key, double def, double *out, GError **error)
{
  *out = def;
  if (!json_object_has_member (o, key))
    return TRUE;
  JsonNode *n = json_object_get_member (o, key);
  if (!is_number (n))
    return fail (error, FM_NET_ERROR_INVALID, "%s is %s, expected a number", key,
                 fm_json_type_name (n));
  double v = json_node_get_double (n);
  if (!isfinite (v) || fabs (v) > 3.4e38)
    return fail (error, FM_NET_ERROR_INVALID, "%s is %g, outside a float's range", key, v);
  *out = v;
  return TRUE;
}

static gboolean
get_bool (JsonObject *o, const char *key, gboolean def, gboolean *out, GError **error)
{
  *out = def;
  if (!json_object_has_member (o, key))
    return TRUE;
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fail (error, FM_NET_ERROR_INVALID, "%s is %s, expected true or false", key,
                 fm_json_type_name (n));
  *out = json_node_get_boolean (n);
  return TRUE;
}

/* NULL when absent (and no error). */
static gboolean
get_string (JsonObject *o, const char *key, const char **out, GError **error)
{
  *out = NULL;
  if (!json_object_has_member (o, key))
    return TRUE;
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return fail (error, FM_NET_ERROR_INVALID, "%s is %s, expected a string", key,
                 fm_json_type_name (n));
  *out = json_node_get_string (n);
  if (strlen (*out) > FM_NET_MAX_NAME)
    return fail (error, FM_NET_ERROR_TOO_LARGE, "%s is longer than %d bytes", key,
                 FM_NET_MAX_NAME);
  return TRUE;
}

static gboolean
get_choice (JsonObject *o, const char *key, const char *def,
            const char *const *choices, const char **out, GError **error)
{
  if (!get_string (o, key, out, error))
    return FALSE;
  if (!*out)
    {
      *out = def;
      return TRUE;
    }
  for (int k = 0; choices[k]; k++)
    if (strcmp (*out, choices[k]) == 0)
      return TRUE;
  g_autofree char *label = fm_net_escape (*out);
  g_autofree char *list = g_strjoinv (", ", (char **) choices);
  return fail (error, FM_NET_ERROR_INVALID, "%s '%s' is not one of %s", key, label, list);
}

/* Padding of a conv or pool: int, [y, x], [top, left, bottom, right],
 * "valid" or "same".  pads in ONNX order (top, left, bottom, right). */
static gboolean
get_padding (JsonObject *o, gint64 pads[4], const char **auto_pad, GError **error)
{
  memset (pads, 0, 4 * sizeof *pads);
  *auto_pad = NULL;
  if (!json_object_has_member (o, "padding"))
    return TRUE;
  JsonNode *n = json_object_get_member (o, "padding");
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (n);
      if (strcmp (s, "same") == 0)
        *auto_pad = "SAME_UPPER";
      else if (strcmp (s, "valid") == 0)
        *auto_pad = "VALID";
      else
        {
          g_autofree char *label = fm_net_escape (s);
          return fail (error, FM_NET_ERROR_INVALID,
                       "padding '%s' is not \"same\", \"valid\" or a number", label);
        }
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) == 4)
    {
      JsonArray *a = json_node_get_array (n);
      for (int k = 0; k < 4; k++)
        {
          g_autofree char *what = g_strdup_printf ("padding[%d]", k);
          if (!fm_json_get_int (fm_model_json_ctx (), json_array_get_element (a, k), what, 0, G_MAXINT32,
                                &pads[k], error))
            return FALSE;
        }
      return TRUE;
    }
  gint64 yx[2];
  if (!get_pair (o, "padding", 0, 0, yx, error))
    {
      g_clear_error (error);
      return fail (error, FM_NET_ERROR_INVALID,
                   "padding is %s, expected an integer, [y, x], [top, left, bottom, "
                   "right], \"same\" or \"valid\"", fm_json_type_name (n));
    }
  pads[0] = pads[2] = yx[0];
  pads[1] = pads[3] = yx[1];
  return TRUE;
}

/* --- tensors and nodes --------------------------------------------------- */

static FmTensor *
weight (FmStack *s, const char *key, const char *name, GError **error)
{
  FmTensor *t = g_hash_table_lookup (s->graph->initializers, name);
  g_autofree char *label = fm_net_escape (name);
  if (!t)
    {
      g_autofree gpointer *names = g_hash_table_get_keys_as_array (s->graph->initializers, NULL);
      const char *close = fm_text_closest (name, (const char *const *) names);
      g_autofree char *clabel = close ? fm_net_escape (close) : NULL;
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                   "%s: no tensor '%s' in %s%s%s%s", key, label, s->weights_name,
                   close ? " (did you mean '" : "", close ? clabel : "", close ? "'?)" : "");
      return NULL;
    }
  if (t->type != FM_TENSOR_FLOAT)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "%s: tensor '%s' holds integers, expected floats", key, label);
      return NULL;
    }
  return t;
}

static char *
shape_text (const FmTensor *t)
{
  GString *s = g_string_new ("[");
  for (int d = 0; d < t->ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", t->dims[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* A vector of k floats (bias, batch-norm statistics). */
static FmTensor *
vector (FmStack *s, JsonObject *o, const char *key, gint64 k, GError **error)
{
  const char *name;
  if (!get_string (o, key, &name, error))
    return NULL;
  if (!name)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID, "no %s (a tensor name)", key);
      return NULL;
    }
  FmTensor *t = weight (s, key, name, error);
  if (!t)
    return NULL;
  if (t->ndim != 1 || (k >= 0 && t->dims[0] != k))
    {
      g_autofree char *label = fm_net_escape (name);
      g_autofree char *shape = shape_text (t);
      if (k >= 0)
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                     "%s '%s' has shape %s, expected [%" G_GINT64_FORMAT "]",
                     key, label, shape, k);
      else
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                     "%s '%s' has shape %s, expected a vector", key, label, shape);
      return NULL;
    }
  return t;
}

/* A new constant initializer named "<layer>.<what>". */
static FmTensor *
constant (FmStack *s, const char *layer, const char *what, FmTensorType type,
          int ndim, const gint64 *dims, GError **error)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", layer, what);
  FmTensor *t = fm_tensor_new (name, type, ndim, dims, error);
  if (!t)
    return NULL;
  if (!fm_net_graph_add_initializer (s->graph, t, error))
    return NULL;
  return t;
}

static FmNetNode *
add_node (FmStack *s, const char *name, const char *op, int n_in,
          const char *const *inputs)
{
  const char *outs[1] = { name };
  FmNetNode *node = fm_net_node_new (name, op, n_in, inputs, 1, outs);
  fm_net_graph_add_node (s->graph, node);
  return node;
}

static void
attr_ints (FmNetNode *node, const char *name, int n, const gint64 *v)
{
  FmNetAttr *a = fm_net_node_add_attr (node, name, FM_ATTR_INTS);
  a->n = n;
  a->ints = g_memdup2 (v, (gsize) n * sizeof *v);
}

static void
attr_int (FmNetNode *node, const char *name, gint64 v)
{
  fm_net_node_add_attr (node, name, FM_ATTR_INT)->i = v;
}

static void
attr_string (FmNetNode *node, const char *name, const char *v)
{
  fm_net_node_add_attr (node, name, FM_ATTR_STRING)->s = g_strdup (v);
}

static void
attr_float (FmNetNode *node, const char *name, float v)
{
  fm_net_node_add_attr (node, name, FM_ATTR_FLOAT)->f = v;
}

static void
attr_padding (FmNetNode *node, const gint64 pads[4], const char *auto_pad)
{
  if (auto_pad)
    attr_string (node, "auto_pad", auto_pad);
  else
    attr_ints (node, "pads", 4, pads);
}

/* HWIO (Keras: rows, columns, input channels, filters) to OIHW in place. */
static void
hwio_to_oihw (FmTensor *t)
{
  gint64 kh = t->dims[0], kw = t->dims[1], c = t->dims[2], k = t->dims[3];
  float *dst = g_new (float, MAX (t->n, (gsize) 1));
  for (gint64 y = 0; y < kh; y++)
    for (gint64 x = 0; x < kw; x++)
      for (gint64 ci = 0; ci < c; ci++)
        for (gint64 ko = 0; ko < k; ko++)
          dst[((ko * c + ci) * kh + y) * kw + x] = t->f[((y * kw + x) * c + ci) * k + ko];
  g_free (t->f);
  t->f = dst;
  t->dims[0] = k;
  t->dims[1] = c;
  t->dims[2] = kh;
  t->dims[3] = kw;
}

/* --- the layers ----------------------------------------------------------- */

typedef struct {
  FmStack *s;
  JsonObject *o;
  const char *name;
  const char *const *inputs;    /* resolved */
  int n_inputs;
} Layer;

static gboolean
lower_conv (Layer *l, GError **error)
{
  static const char *const layouts[] = { "oihw", "hwio", NULL };
  const char *wname, *layout;
  if (!get_string (l->o, "weight", &wname, error)
      || !get_choice (l->o, "layout", "oihw", layouts, &layout, error))
    return FALSE;
  if (!wname)
    return fail (error, FM_NET_ERROR_INVALID, "no weight (the tensor holding the filters)");
  FmTensor *w = weight (l->s, "weight", wname, error);
  if (!w)
    return FALSE;
  g_autofree char *wlabel = fm_net_escape (wname);
  if (w->ndim != 4)
    {
      g_autofree char *shape = shape_text (w);
      return fail (error, FM_NET_ERROR_INVALID,
                   "weight '%s' has shape %s, expected 4 dimensions (%s)",
                   wlabel, shape, layout);
    }
  /* a tensor is transposed once; a second layer must read it the same way */
  const char *seen = g_hash_table_lookup (l->s->layouts, wname);
  if (seen && strcmp (seen, layout) != 0)
    return fail (error, FM_NET_ERROR_INVALID,
                 "weight '%s' is read as %s here but as %s by an earlier layer",
                 wlabel, layout, seen);
  if (!seen)
    {
      g_hash_table_insert (l->s->layouts, g_strdup (wname), (gpointer) layout);
      if (strcmp (layout, "hwio") == 0)
        hwio_to_oihw (w);
    }
  gint64 k = w->dims[0], kh = w->dims[2], kw = w->dims[3];
  if (k == 0 || w->dims[1] == 0 || kh == 0 || kw == 0)
    {
      g_autofree char *shape = shape_text (w);
      return fail (error, FM_NET_ERROR_INVALID, "weight '%s' has shape %s: an empty filter",
                   wlabel, shape);
    }
  gint64 groups, stride[2], dilation[2], pads[4];
  const char *auto_pad;
  if (!get_int (l->o, "groups", 1, 1, G_MAXINT32, &groups, error)
      || !get_pair (l->o, "stride", 1, 1, stride, error)
      || !get_pair (l->o, "dilation", 1, 1, dilation, error)
      || !get_padding (l->o, pads, &auto_pad, error))
    return FALSE;
  if (k % groups)
    return fail (error, FM_NET_ERROR_INVALID,
                 "groups %" G_GINT64_FORMAT " does not divide the %" G_GINT64_FORMAT
                 " filters of weight '%s'", groups, k, wlabel);
  const char *inputs[3] = { l->inputs[0], wname, NULL };
  int n_in = 2;
  if (json_object_has_member (l->o, "bias"))
    {
      FmTensor *b = vector (l->s, l->o, "bias", k, error);
      if (!b)
        return FALSE;
      inputs[n_in++] = b->name;
    }
  FmNetNode *node = add_node (l->s, l->name, "Conv", n_in, inputs);
  gint64 kernel[2] = { kh, kw };
  attr_ints (node, "kernel_shape", 2, kernel);
  attr_ints (node, "strides", 2, stride);
  attr_ints (node, "dilations", 2, dilation);
  attr_int (node, "group", groups);
  attr_padding (node, pads, auto_pad);
  return TRUE;
}

static gboolean
lower_batchnorm (Layer *l, GError **error)
{
  FmTensor *mean = vector (l->s, l->o, "mean", -1, error);
  if (!mean)
    return FALSE;
  gint64 k = mean->dims[0];
  FmTensor *var = vector (l->s, l->o, "var", k, error);
  if (!var)
    return FALSE;
  for (gsize c = 0; c < var->n; c++)
    if (!(var->f[c] >= 0))
      {
        g_autofree char *label = fm_net_escape (var->name);
        return fail (error, FM_NET_ERROR_INVALID,
                     "var '%s' holds %g at %" G_GSIZE_FORMAT ": variances are ≥ 0",
                     label, var->f[c], c);
      }
  /* affine=False batch norms have no scale and bias: ones and zeros */
  FmTensor *scale, *bias;
  if (json_object_has_member (l->o, "weight"))
    scale = vector (l->s, l->o, "weight", k, error);
  else if ((scale = constant (l->s, l->name, "scale", FM_TENSOR_FLOAT, 1, &k, error)))
    for (gsize c = 0; c < scale->n; c++)
      scale->f[c] = 1.0f;
  if (!scale)
    return FALSE;
  if (json_object_has_member (l->o, "bias"))
    bias = vector (l->s, l->o, "bias", k, error);
  else
    bias = constant (l->s, l->name, "bias", FM_TENSOR_FLOAT, 1, &k, error);
  if (!bias)
    return FALSE;
  double eps;
  if (!get_float (l->o, "eps", 1e-5, &eps, error))
    return FALSE;
  if (eps < 0)
    return fail (error, FM_NET_ERROR_INVALID, "eps is %g, must be ≥ 0", eps);
  const char *inputs[5] = { l->inputs[0], scale->name, bias->name, mean->name, var->name };
  FmNetNode *node = add_node (l->s, l->name, "BatchNormalization", 5, inputs);
  attr_float (node, "epsilon", (float) eps);
  return TRUE;
}

static gboolean
lower_plain (Layer *l, const char *op)
{
  add_node (l->s, l->name, op, 1, l->inputs);
  return TRUE;
}

static gboolean
lower_relu (Layer *l, GError **error)
{
  (void) error;
  return lower_plain (l, "Relu");
}

static gboolean
lower_sigmoid (Layer *l, GError **error)
{
  (void) error;
  return lower_plain (l, "Sigmoid");
}

static gboolean
lower_tanh (Layer *l, GError **error)
{
  (void) error;
  return lower_plain (l, "Tanh");
}

static gboolean
lower_identity (Layer *l, GError **error)
{
  (void) error;
  return lower_plain (l, "Identity");
}

static gboolean
lower_leaky (Layer *l, GError **error)
{
  double alpha;
  if (!get_float (l->o, "alpha", 0.01, &alpha, error))
    return FALSE;
  FmNetNode *node = add_node (l->s, l->name, "LeakyRelu", 1, l->inputs);
  attr_float (node, "alpha", (float) alpha);
  return TRUE;
}

static gboolean
lower_clip (Layer *l, GError **error)
{
  double lo, hi;
  gboolean has_lo = json_object_has_member (l->o, "min");
  gboolean has_hi = json_object_has_member (l->o, "max");
  if (!get_float (l->o, "min", 0, &lo, error) || !get_float (l->o, "max", 0, &hi, error))
    return FALSE;
  if (has_lo && has_hi && lo > hi)
    return fail (error, FM_NET_ERROR_INVALID, "min %g is above max %g", lo, hi);
  const char *inputs[3] = { l->inputs[0], "", "" };
  if (has_lo)
    {
      FmTensor *t = constant (l->s, l->name, "min", FM_TENSOR_FLOAT, 0, NULL, error);
      if (!t)
        return FALSE;
      t->f[0] = (float) lo;
      inputs[1] = t->name;
    }
  if (has_hi)
    {
      FmTensor *t = constant (l->s, l->name, "max", FM_TENSOR_FLOAT, 0, NULL, error);
      if (!t)
        return FALSE;
      t->f[0] = (float) hi;
      inputs[2] = t->name;
    }
  add_node (l->s, l->name, "Clip", has_hi ? 3 : has_lo ? 2 : 1, inputs);
  return TRUE;
}

static gboolean
lower_pool (Layer *l, gboolean max, GError **error)
{
  if (!json_object_has_member (l->o, "kernel"))
    return fail (error, FM_NET_ERROR_INVALID, "no kernel (the pooling window)");
  gint64 kernel[2], stride[2], dilation[2] = { 1, 1 }, pads[4];
  const char *auto_pad;
  gboolean ceil_mode, count_pad = TRUE;
  if (!get_pair (l->o, "kernel", 1, 1, kernel, error)
      || !get_padding (l->o, pads, &auto_pad, error)
      || !get_bool (l->o, "ceil_mode", FALSE, &ceil_mode, error))
    return FALSE;
  /* the stride defaults to the window, as in PyTorch and Keras */
  if (!get_pair (l->o, "stride", 0, 1, stride, error))
    return FALSE;
  if (!json_object_has_member (l->o, "stride"))
    {
      stride[0] = kernel[0];
      stride[1] = kernel[1];
    }
  if (max && !get_pair (l->o, "dilation", 1, 1, dilation, error))
    return FALSE;
  if (!max && !get_bool (l->o, "count_include_pad", TRUE, &count_pad, error))
    return FALSE;
  FmNetNode *node = add_node (l->s, l->name, max ? "MaxPool" : "AveragePool", 1, l->inputs);
  attr_ints (node, "kernel_shape", 2, kernel);
  attr_ints (node, "strides", 2, stride);
  attr_padding (node, pads, auto_pad);
  attr_int (node, "ceil_mode", ceil_mode);
  if (max)
    attr_ints (node, "dilations", 2, dilation);
  else
    attr_int (node, "count_include_pad", count_pad);
  return TRUE;
}

static gboolean
lower_maxpool (Layer *l, GError **error)
{
  return lower_pool (l, TRUE, error);
}

static gboolean
lower_avgpool (Layer *l, GError **error)
{
  return lower_pool (l, FALSE, error);
}

static gboolean
lower_pad (Layer *l, GError **error)
{
  static const char *const modes[] = { "constant", "reflect", "edge", NULL };
  const char *mode;
  double value;
  if (!json_object_has_member (l->o, "pads"))
    return fail (error, FM_NET_ERROR_INVALID, "no pads ([top, left, bottom, right])");
  JsonNode *n = json_object_get_member (l->o, "pads");
  gint64 tlbr[4];
  if (is_int (n))
    {
      if (!fm_json_get_int (fm_model_json_ctx (), n, "pads", G_MININT32, G_MAXINT32, &tlbr[0], error))
        return FALSE;
      tlbr[1] = tlbr[2] = tlbr[3] = tlbr[0];
    }
  else if (JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) == 4)
    {
      for (int k = 0; k < 4; k++)
        {
          g_autofree char *what = g_strdup_printf ("pads[%d]", k);
          /* negative pads crop, as ONNX's Pad allows */
          if (!fm_json_get_int (fm_model_json_ctx (), json_array_get_element (json_node_get_array (n), k), what,
                                G_MININT32, G_MAXINT32, &tlbr[k], error))
            return FALSE;
        }
    }
  else
    return fail (error, FM_NET_ERROR_INVALID,
                 "pads is %s, expected an integer or [top, left, bottom, right]",
                 fm_json_type_name (n));
  if (!get_choice (l->o, "mode", "constant", modes, &mode, error)
      || !get_float (l->o, "value", 0, &value, error))
    return FALSE;
  if (strcmp (mode, "constant") != 0 && json_object_has_member (l->o, "value"))
    return fail (error, FM_NET_ERROR_INVALID, "value applies to mode \"constant\" only");
  gint64 eight = 8;
  FmTensor *p = constant (l->s, l->name, "pads", FM_TENSOR_INT64, 1, &eight, error);
  if (!p)
    return FALSE;
  /* ONNX order over N C H W: begins then ends */
  gint64 onnx_pads[8] = { 0, 0, tlbr[0], tlbr[1], 0, 0, tlbr[2], tlbr[3] };
  memcpy (p->i, onnx_pads, sizeof onnx_pads);
  FmTensor *v = constant (l->s, l->name, "value", FM_TENSOR_FLOAT, 0, NULL, error);
  if (!v)
    return FALSE;
  v->f[0] = (float) value;
  const char *inputs[3] = { l->inputs[0], p->name, v->name };
  FmNetNode *node = add_node (l->s, l->name, "Pad", 3, inputs);
  attr_string (node, "mode", mode);
  return TRUE;
}

static gboolean
lower_add (Layer *l, GError **error)
{
  (void) error;
  add_node (l->s, l->name, "Add", 2, l->inputs);
  return TRUE;
}

static gboolean
lower_concat (Layer *l, GError **error)
{
  (void) error;
  FmNetNode *node = add_node (l->s, l->name, "Concat", l->n_inputs, l->inputs);
  attr_int (node, "axis", 1);
  return TRUE;
}

typedef struct {
  const char *op;
  gboolean (*lower) (Layer *l, GError **error);
  int min_inputs, max_inputs;
  const char *keys[8];            /* besides name, op, inputs */
} OpSpec;

static const OpSpec ops[] = {
  { "conv", lower_conv, 1, 1,
    { "weight", "bias", "layout", "stride", "dilation", "padding", "groups", NULL } },
  { "batchnorm", lower_batchnorm, 1, 1, { "weight", "bias", "mean", "var", "eps", NULL } },
  { "relu", lower_relu, 1, 1, { NULL } },
  { "leaky-relu", lower_leaky, 1, 1, { "alpha", NULL } },
  { "sigmoid", lower_sigmoid, 1, 1, { NULL } },
  { "tanh", lower_tanh, 1, 1, { NULL } },
  { "clip", lower_clip, 1, 1, { "min", "max", NULL } },
  { "maxpool", lower_maxpool, 1, 1,
    { "kernel", "stride", "padding", "dilation", "ceil_mode", NULL } },
  { "avgpool", lower_avgpool, 1, 1,
    { "kernel", "stride", "padding", "ceil_mode", "count_include_pad", NULL } },
  { "pad", lower_pad, 1, 1, { "pads", "mode", "value", NULL } },
  { "add", lower_add, 2, 2, { NULL } },
  { "concat", lower_concat, 2, 1000, { NULL } },
  { "identity", lower_identity, 1, 1, { NULL } },
};

gboolean
fm_stack_check_keys (JsonObject *obj, const char *const *known, const char *where,
                     GError **error)
{
  return fm_json_check_keys (fm_model_json_ctx (), obj, known, where, error);
}

gboolean
fm_stack_lower_layer (FmStack *s, JsonNode *node, guint index, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, FM_NET_ERROR_INVALID, "layer %u is %s, expected an object",
                 index + 1, fm_json_type_name (node));
  JsonObject *o = json_node_get_object (node);
  const char *op = NULL, *name = NULL;
  GError *local = NULL;
  if (!get_string (o, "op", &op, &local) || !get_string (o, "name", &name, &local))
    {
      g_propagate_prefixed_error (error, local, "layer %u: ", index + 1);
      return FALSE;
    }
  if (!op)
    return fail (error, FM_NET_ERROR_INVALID, "layer %u: no op", index + 1);
  const OpSpec *spec = NULL;
  for (gsize k = 0; k < G_N_ELEMENTS (ops) && !spec; k++)
    if (strcmp (ops[k].op, op) == 0)
      spec = &ops[k];
  if (!spec)
    {
      const char *names[G_N_ELEMENTS (ops) + 1];
      for (gsize k = 0; k < G_N_ELEMENTS (ops); k++)
        names[k] = ops[k].op;
      names[G_N_ELEMENTS (ops)] = NULL;
      g_autofree char *label = fm_net_escape (op);
      const char *close = fm_text_closest (op, names);
      g_autofree char *list = g_strjoinv (", ", (char **) names);
      if (close)
        return fail (error, FM_NET_ERROR_UNSUPPORTED,
                     "layer %u: unknown op '%s' (did you mean '%s'?)", index + 1, label, close);
      return fail (error, FM_NET_ERROR_UNSUPPORTED, "layer %u: unknown op '%s' (known: %s)",
                   index + 1, label, list);
    }

  /* unnamed layers are "<op><index>", index from 1 */
  g_autofree char *own = name && *name ? g_strdup (name) : g_strdup_printf ("%s%u", op, index + 1);
  g_autofree char *label = fm_net_escape (own);
  g_autofree char *where = g_strdup_printf ("layer %u '%s'", index + 1, label);
  const char *known[12] = { "name", "op", "inputs" };
  int n_known = 3;
  for (int k = 0; spec->keys[k]; k++)
    known[n_known++] = spec->keys[k];
  known[n_known] = NULL;
  if (!fm_stack_check_keys (o, known, where, error))
    return FALSE;
  if (g_hash_table_contains (s->outputs, own))
    return fail (error, FM_NET_ERROR_INVALID, "%s: the name is taken (by an earlier layer%s)",
                 where, strcmp (own, "input") == 0 ? " or the image input" : "");

  /* inputs: the previous layer's output unless named */
  g_autoptr (GPtrArray) inputs = g_ptr_array_new ();
  if (json_object_has_member (o, "inputs"))
    {
      JsonNode *in = json_object_get_member (o, "inputs");
      if (!JSON_NODE_HOLDS_ARRAY (in))
        return fail (error, FM_NET_ERROR_INVALID, "%s: inputs is %s, expected an array of "
                     "layer names", where, fm_json_type_name (in));
      JsonArray *a = json_node_get_array (in);
      for (guint k = 0; k < json_array_get_length (a); k++)
        {
          JsonNode *e = json_array_get_element (a, k);
          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
            return fail (error, FM_NET_ERROR_INVALID, "%s: inputs[%u] is %s, expected a "
                         "layer name", where, k, fm_json_type_name (e));
          const char *iname = json_node_get_string (e);
          if (!g_hash_table_contains (s->outputs, iname))
            {
              g_autofree char *ilabel = fm_net_escape (iname);
              return fail (error, FM_NET_ERROR_NOT_FOUND,
                           "%s: inputs names '%s', which is no earlier layer (nor \"input\", "
                           "the image)", where, ilabel);
            }
          g_ptr_array_add (inputs, (gpointer) iname);
        }
    }
  else
    g_ptr_array_add (inputs, s->prev);
  if ((int) inputs->len < spec->min_inputs || (int) inputs->len > spec->max_inputs)
    {
      if (spec->min_inputs == spec->max_inputs)
        return fail (error, FM_NET_ERROR_INVALID, "%s: %s takes %d input%s, inputs gives %u",
                     where, op, spec->min_inputs, spec->min_inputs == 1 ? "" : "s",
                     inputs->len);
      return fail (error, FM_NET_ERROR_INVALID, "%s: %s takes %d to %d inputs, inputs gives %u",
                   where, op, spec->min_inputs, spec->max_inputs, inputs->len);
    }

  Layer l = { s, o, own, (const char *const *) inputs->pdata, (int) inputs->len };
  if (!spec->lower (&l, &local))
    {
      g_propagate_prefixed_error (error, local, "%s: ", where);
      return FALSE;
    }
  g_hash_table_add (s->outputs, g_strdup (own));
  g_free (s->prev);
  s->prev = g_strdup (own);
  return TRUE;
}
