/* fm-keras-layers: one Keras layer call → ONNX-semantics nodes (opset 17,
 * NCHW), with the layer's weights converted to ONNX's layouts.
 *
 * Keras computes channels-last (N, H, W, C); the graph form is ONNX's
 * N, C, H, W, so channel axes become 1 and HWIO kernels OIHW.  Keras's
 * "same" padding puts the odd extra row or column at the end, which is
 * ONNX's auto_pad SAME_UPPER; Keras's average pooling excludes the padding
 * from the count (count_include_pad 0).
 *
 * One entry per layer class in `lowerings` below.  A class not listed
 * becomes a single node of domain "keras" named after the class, so the
 * planner can say which layer stops it; its weights are not read. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "fm-keras-private.h"

#define MAX_FILTERS   (1 << 20)
#define MAX_KERNEL    4096
#define MAX_STRIDE    4096
#define MAX_CHANNEL_VALUES 65536

/* --- nodes and tensors --------------------------------------------------------- */

static FmNetNode *
add_node (FmKerasCall *c, const char *name, const char *op, int n_in,
          const char *const *in, const char *out)
{
  FmNetNode *node = fm_net_node_new (name, op, n_in, in, 1, &out);
  fm_net_graph_add_node (c->graph, node);
  return node;
}

static void
attr_int (FmNetNode *n, const char *name, gint64 v)
{
  fm_net_node_add_attr (n, name, FM_ATTR_INT)->i = v;
}

static void
attr_float (FmNetNode *n, const char *name, float v)
{
  fm_net_node_add_attr (n, name, FM_ATTR_FLOAT)->f = v;
}

static void
attr_string (FmNetNode *n, const char *name, const char *v)
{
  fm_net_node_add_attr (n, name, FM_ATTR_STRING)->s = g_strdup (v);
}

static void
attr_ints (FmNetNode *n, const char *name, int count, const gint64 *v)
{
  FmNetAttr *a = fm_net_node_add_attr (n, name, FM_ATTR_INTS);
  a->n = count;
  a->ints = g_new (gint64, MAX (count, 1));
  memcpy (a->ints, v, sizeof *v * (gsize) count);
}

static void
attr_floats (FmNetNode *n, const char *name, int count, const double *v)
{
  FmNetAttr *a = fm_net_node_add_attr (n, name, FM_ATTR_FLOATS);
  a->n = count;
  a->floats = g_new (float, MAX (count, 1));
  for (int k = 0; k < count; k++)
    a->floats[k] = (float) v[k];
}

static char *
shape_text (int ndim, const gint64 *dims)
{
  if (ndim == 0)
    return g_strdup ("a scalar");
  GString *s = g_string_new (NULL);
  for (int d = 0; d < ndim; d++)
    {
      if (d)
        g_string_append (s, " × ");
      if (dims[d] < 0)
        g_string_append_c (s, '?');
      else
        g_string_append_printf (s, "%" G_GINT64_FORMAT, dims[d]);
    }
  return g_string_free (s, FALSE);
}

/* Does t have this shape (−1: any positive size)? */
static gboolean
shape_is (const FmTensor *t, int ndim, const gint64 *want)
{
  if (t->ndim != ndim)
    return FALSE;
  for (int d = 0; d < ndim; d++)
    if (want[d] >= 0 ? t->dims[d] != want[d] : t->dims[d] <= 0)
      return FALSE;
  return TRUE;
}

static gboolean
check_shape (FmKerasCall *c, const FmTensor *t, const char *what, int ndim,
             const gint64 *want, const char *why, GError **error)
{
  if (t->type != FM_TENSOR_FLOAT)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "the %s in the weights file holds integers, not floating "
                          "point values", what);
  if (shape_is (t, ndim, want))
    return TRUE;
  g_autofree char *have = shape_text (t->ndim, t->dims);
  g_autofree char *expect = shape_text (ndim, want);
  return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                        "the %s in the weights file is %s, expected %s%s%s%s",
                        what, have, expect, why ? " (" : "", why ? why : "",
                        why ? ")" : "");
}

static char *
init_name (FmKerasCall *c, const char *suffix)
{
  return g_strdup_printf ("%s/%s", c->weights, suffix);
}

/* Hands t to the graph under <weights>/<suffix>. */
static gboolean
add_init (FmKerasCall *c, FmTensor *t, const char *suffix, GError **error)
{
  g_free (t->name);
  t->name = init_name (c, suffix);
  if (!fm_net_graph_add_initializer (c->graph, t, error))
    {
      fm_keras_prefix (&c->where, error);
      return FALSE;
    }
  return TRUE;
}

static FmTensor *
new_tensor (FmKerasCall *c, int ndim, const gint64 *dims, GError **error)
{
  FmTensor *t = fm_tensor_new ("", FM_TENSOR_FLOAT, ndim, dims, error);
  if (!t)
    fm_keras_prefix (&c->where, error);
  return t;
}

/* The layer's variables from the weights file, between lo and hi of them. */
static GPtrArray *
load_vars (FmKerasCall *c, int lo, int hi, const char *expect, GError **error)
{
  GPtrArray *vars = c->src->store->load (c->src->store, c->ref, &c->where, error);
  if (!vars)
    return NULL;
  if ((int) vars->len < lo || (int) vars->len > hi)
    {
      fm_keras_fail (&c->where, error, vars->len == 0 ? FM_NET_ERROR_NOT_FOUND
                                                      : FM_NET_ERROR_INVALID,
                     "the weights file holds %u variables for it, expected %s",
                     vars->len, expect);
      g_ptr_array_unref (vars);
      return NULL;
    }
  return vars;
}

static FmTensor *
steal_var (GPtrArray *vars, guint k)
{
  FmTensor *t = vars->pdata[k];
  vars->pdata[k] = NULL;
  return t;
}

/* --- shared config checks ------------------------------------------------------ */

static gboolean
check_channels_last (FmKerasCall *c, GError **error)
{
  const char *fmt;
  if (!fm_keras_get_string (&c->where, c->config, "data_format", "channels_last", &fmt, error))
    return FALSE;
  if (strcmp (fmt, "channels_last") != 0)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_UNSUPPORTED,
                          "data_format '%s' is not supported (only channels_last, "
                          "Keras's default)", fmt);
  return TRUE;
}

/* Layers whose weights Keras stores quantized (int8, int4, float8) keep
 * them in a form featuremaps does not read. */
static gboolean
check_not_quantized (FmKerasCall *c, GError **error)
{
  JsonNode *d = json_object_get_member (c->config, "dtype");
  const char *name = NULL;
  if (d && JSON_NODE_HOLDS_OBJECT (d))
    {
      JsonObject *o = json_node_get_object (d);
      JsonNode *cfg = json_object_get_member (o, "config");
      if (cfg && JSON_NODE_HOLDS_OBJECT (cfg))
        {
          JsonNode *n = json_object_get_member (json_node_get_object (cfg), "name");
          if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
            name = json_node_get_string (n);
        }
    }
  else if (d && JSON_NODE_HOLDS_VALUE (d) && json_node_get_value_type (d) == G_TYPE_STRING)
    name = json_node_get_string (d);
  if (name && (g_str_has_prefix (name, "int") || g_str_has_prefix (name, "float8")
               || g_str_has_prefix (name, "uint")))
    {
      g_autofree char *n = fm_net_escape (name);
      return fm_keras_fail (&c->where, error, FM_NET_ERROR_UNSUPPORTED,
                            "its weights are quantized (dtype policy '%s'), which "
                            "featuremaps does not read", n);
    }
  return TRUE;
}

/* padding "valid" / "same" → auto_pad. */
static gboolean
get_padding (FmKerasCall *c, const char **auto_pad, GError **error)
{
  const char *p;
  if (!fm_keras_get_string (&c->where, c->config, "padding", "valid", &p, error))
    return FALSE;
  if (g_ascii_strcasecmp (p, "valid") == 0)
    *auto_pad = "VALID";
  else if (g_ascii_strcasecmp (p, "same") == 0)
    *auto_pad = "SAME_UPPER";   /* the extra row / column at the end, as TensorFlow */
  else
    {
      g_autofree char *e = fm_net_escape (p);
      return fm_keras_fail (&c->where, error, FM_NET_ERROR_UNSUPPORTED,
                            "padding '%s' is not supported (valid or same)", e);
    }
  return TRUE;
}

static gboolean
add_scalar (FmKerasCall *c, const char *name, float v, GError **error)
{
  FmTensor *t = fm_tensor_new (name, FM_TENSOR_FLOAT, 0, NULL, error);
  if (!t)
    return FALSE;
  t->f[0] = v;
  if (!fm_net_graph_add_initializer (c->graph, t, error))
    {
      fm_keras_prefix (&c->where, error);
      return FALSE;
    }
  return TRUE;
}

/* --- activations ------------------------------------------------------------------ */

/* The activation a config names: a string, or the {"class_name":
 * "function", "config": "relu"} Keras also writes.  NULL when absent. */
static gboolean
activation_name (FmKerasCall *c, JsonObject *cfg, const char *key,
                 const char **name, GError **error)
{
  JsonNode *a = fm_keras_member (cfg, key);
  *name = NULL;
  if (!a || JSON_NODE_HOLDS_NULL (a))
    return TRUE;
  if (JSON_NODE_HOLDS_OBJECT (a))
    {
      JsonObject *o = json_node_get_object (a);
      JsonNode *inner = json_object_get_member (o, "config");
      if (inner && JSON_NODE_HOLDS_VALUE (inner)
          && json_node_get_value_type (inner) == G_TYPE_STRING)
        {
          *name = json_node_get_string (inner);
          return TRUE;
        }
      JsonNode *cn = json_object_get_member (o, "class_name");
      if (cn && JSON_NODE_HOLDS_VALUE (cn) && json_node_get_value_type (cn) == G_TYPE_STRING)
        {
          *name = json_node_get_string (cn);
          return TRUE;
        }
    }
  return fm_keras_get_string (&c->where, cfg, key, NULL, name, error);
}

/* x → activation(x) as nodes named name (the last one) and name/…; out is
 * the last output (name).  "linear" and NULL add an Identity only when
 * must_write (the layer's output must exist under its name). */
static gboolean
lower_activation (FmKerasCall *c, const char *act, const char *x,
                  const char *name, GError **error)
{
  const char *in[1] = { x };
  if (!act || !strcmp (act, "linear") || !strcmp (act, "identity"))
    {
      add_node (c, name, "Identity", 1, in, name);
      return TRUE;
    }
  if (!strcmp (act, "relu"))
    add_node (c, name, "Relu", 1, in, name);
  else if (!strcmp (act, "sigmoid"))
    add_node (c, name, "Sigmoid", 1, in, name);
  else if (!strcmp (act, "tanh"))
    add_node (c, name, "Tanh", 1, in, name);
  else if (!strcmp (act, "relu6"))
    {
      /* min / max as constant inputs (opset ≥ 11) */
      g_autofree char *lo = g_strdup_printf ("%s/clip_min", name);
      g_autofree char *hi = g_strdup_printf ("%s/clip_max", name);
      if (!add_scalar (c, lo, 0.0f, error) || !add_scalar (c, hi, 6.0f, error))
        return FALSE;
      add_node (c, name, "Clip", 3, (const char *const[]) { x, lo, hi }, name);
    }
  else if (!strcmp (act, "leaky_relu"))
    attr_float (add_node (c, name, "LeakyRelu", 1, in, name), "alpha", 0.2f);
  else if (!strcmp (act, "elu"))
    attr_float (add_node (c, name, "Elu", 1, in, name), "alpha", 1.0f);
  else if (!strcmp (act, "selu"))
    {
      FmNetNode *n = add_node (c, name, "Selu", 1, in, name);
      attr_float (n, "alpha", 1.67326324f);
      attr_float (n, "gamma", 1.05070098f);
    }
  else if (!strcmp (act, "softplus"))
    add_node (c, name, "Softplus", 1, in, name);
  else if (!strcmp (act, "softsign"))
    add_node (c, name, "Softsign", 1, in, name);
  else if (!strcmp (act, "exponential"))
    add_node (c, name, "Exp", 1, in, name);
  else if (!strcmp (act, "hard_sigmoid"))
    {
      /* Keras 3: relu6(x + 3) / 6; tf-keras: clip(0.2 x + 0.5, 0, 1) */
      FmNetNode *n = add_node (c, name, "HardSigmoid", 1, in, name);
      attr_float (n, "alpha", c->src->keras3 ? 1.0f / 6.0f : 0.2f);
      attr_float (n, "beta", 0.5f);
    }
  else if (!strcmp (act, "hard_silu") || !strcmp (act, "hard_swish"))
    add_node (c, name, "HardSwish", 1, in, name);
  else if (!strcmp (act, "swish") || !strcmp (act, "silu"))
    {
      g_autofree char *sig = g_strdup_printf ("%s/sigmoid", name);
      add_node (c, sig, "Sigmoid", 1, in, sig);
      add_node (c, name, "Mul", 2, (const char *const[]) { x, sig }, name);
    }
  else if (!strcmp (act, "softmax"))
    attr_int (add_node (c, name, "Softmax", 1, in, name), "axis", 1);
  else if (!strcmp (act, "log_softmax"))
    attr_int (add_node (c, name, "LogSoftmax", 1, in, name), "axis", 1);
  else
    {
      /* gelu, mish, celu …: named for the planner's message */
      FmNetNode *n = add_node (c, name, act, 1, in, name);
      g_free (n->domain);
      n->domain = g_strdup ("keras");
    }
  return TRUE;
}

/* The layer's own activation after its main node: main writes to
 * name/<suffix> when there is one, else to name. */
static gboolean
layer_activation (FmKerasCall *c, const char **act, GError **error)
{
  return activation_name (c, c->config, "activation", act, error);
}

static gboolean
has_activation (const char *act)
{
  return act && strcmp (act, "linear") && strcmp (act, "identity");
}

/* --- convolutions -------------------------------------------------------------- */

typedef struct {
  gint64 k[2], s[2], d[2];
  const char *auto_pad;
} ConvGeom;

static gboolean
conv_geometry (FmKerasCall *c, const char *kernel_key, ConvGeom *g, GError **error)
{
  return fm_keras_get_ints (&c->where, c->config, kernel_key, 2, FALSE, 0, 1,
                            MAX_KERNEL, g->k, error)
         && fm_keras_get_ints (&c->where, c->config, "strides", 2, TRUE, 1, 1,
                               MAX_STRIDE, g->s, error)
         && fm_keras_get_ints (&c->where, c->config, "dilation_rate", 2, TRUE, 1, 1,
                               MAX_STRIDE, g->d, error)
         && get_padding (c, &g->auto_pad, error);
}

static FmNetNode *
conv_node (FmKerasCall *c, const char *name, const char *x, const char *w,
           const char *b, const ConvGeom *g, gint64 group)
{
  const char *in[3] = { x, w, b };
  FmNetNode *n = add_node (c, name, "Conv", b ? 3 : 2, in, name);
  attr_ints (n, "kernel_shape", 2, g->k);
  attr_ints (n, "strides", 2, g->s);
  attr_ints (n, "dilations", 2, g->d);
  attr_int (n, "group", group);
  attr_string (n, "auto_pad", g->auto_pad);
  return n;
}

/* HWIO (kh, kw, I, O) → OIHW. */
static FmTensor *
hwio_to_oihw (FmKerasCall *c, const FmTensor *k, GError **error)
{
  gint64 kh = k->dims[0], kw = k->dims[1], ci = k->dims[2], co = k->dims[3];
  gint64 dims[4] = { co, ci, kh, kw };
  FmTensor *t = new_tensor (c, 4, dims, error);
  if (!t)
    return NULL;
  for (gint64 y = 0; y < kh; y++)
    for (gint64 x = 0; x < kw; x++)
      for (gint64 i = 0; i < ci; i++)
        for (gint64 o = 0; o < co; o++)
          t->f[((o * ci + i) * kh + y) * kw + x] = k->f[((y * kw + x) * ci + i) * co + o];
  return t;
}

/* Depthwise (kh, kw, C, M) → OIHW (C·M, 1, kh, kw): output channel c·M + m
 * is input channel c's m-th filter, as TensorFlow orders them. */
static FmTensor *
depthwise_to_oihw (FmKerasCall *c, const FmTensor *k, GError **error)
{
  gint64 kh = k->dims[0], kw = k->dims[1], ci = k->dims[2], m = k->dims[3];
  gint64 dims[4] = { ci * m, 1, kh, kw };
  FmTensor *t = new_tensor (c, 4, dims, error);
  if (!t)
    return NULL;
  for (gint64 y = 0; y < kh; y++)
    for (gint64 x = 0; x < kw; x++)
      for (gint64 i = 0; i < ci; i++)
        for (gint64 j = 0; j < m; j++)
          t->f[((i * m + j) * kh + y) * kw + x] = k->f[((y * kw + x) * ci + i) * m + j];
  return t;
}

/* The conv's output name when an activation follows. */
static char *
pre_activation_name (FmKerasCall *c, const char *act, const char *op)
{
  return has_activation (act) ? g_strdup_printf ("%s/%s", c->name, op)
                              : g_strdup (c->name);
}

static gboolean
lower_conv2d (FmKerasCall *c, GError **error)
{
  ConvGeom g;
  gint64 filters, groups;
  gboolean use_bias;
  const char *act;
  if (!check_channels_last (c, error) || !check_not_quantized (c, error)
      || !conv_geometry (c, "kernel_size", &g, error)
      || !fm_keras_get_int (&c->where, c->config, "filters", FALSE, 0, 1, MAX_FILTERS,
                            &filters, error)
      || !fm_keras_get_int (&c->where, c->config, "groups", TRUE, 1, 1, MAX_FILTERS,
                            &groups, error)
      || !fm_keras_get_bool (&c->where, c->config, "use_bias", TRUE, &use_bias, error)
      || !layer_activation (c, &act, error))
    return FALSE;
  if (filters % groups)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "filters %" G_GINT64_FORMAT " is not a multiple of groups %"
                          G_GINT64_FORMAT, filters, groups);
  g_autofree char *wname = init_name (c, "kernel");
  g_autofree char *bname = init_name (c, "bias");
  if (c->first_call)
    {
      g_autoptr (GPtrArray) vars = load_vars (c, use_bias ? 2 : 1, use_bias ? 2 : 1,
                                              use_bias ? "2 (kernel, bias)" : "1 (kernel)",
                                              error);
      if (!vars)
        return FALSE;
      const FmTensor *k = vars->pdata[0];
      gint64 want[4] = { g.k[0], g.k[1], -1, filters };
      if (!check_shape (c, k, "kernel", 4, want, "kernel_size × input channels / groups × filters", error))
        return FALSE;
      FmTensor *w = hwio_to_oihw (c, k, error);
      if (!w || !add_init (c, w, "kernel", error))
        return FALSE;
      if (use_bias)
        {
          gint64 bw[1] = { filters };
          if (!check_shape (c, vars->pdata[1], "bias", 1, bw, "one per filter", error)
              || !add_init (c, steal_var (vars, 1), "bias", error))
            return FALSE;
        }
    }
  g_autofree char *conv = pre_activation_name (c, act, "conv");
  conv_node (c, conv, c->inputs[0], wname, use_bias ? bname : NULL, &g, groups);
  c->out_rank = 4;
  return !has_activation (act) || lower_activation (c, act, conv, c->name, error);
}

/* The channel count a depthwise kernel fixes (dims[2]), from the file on
 * the first call, from the graph's initializer on later ones. */
static gint64
depthwise_channels (FmKerasCall *c, const char *suffix)
{
  g_autofree char *n = init_name (c, suffix);
  const FmTensor *t = fm_net_graph_initializer (c->graph, n);
  return t && t->ndim == 4 && t->dims[1] == 1 ? t->dims[0] : 0;
}

static gboolean
lower_depthwise (FmKerasCall *c, gboolean separable, GError **error)
{
  ConvGeom g;
  gint64 mult, filters = 0;
  gboolean use_bias;
  const char *act;
  if (!check_channels_last (c, error) || !check_not_quantized (c, error)
      || !conv_geometry (c, "kernel_size", &g, error)
      || !fm_keras_get_int (&c->where, c->config, "depth_multiplier", TRUE, 1, 1,
                            MAX_FILTERS, &mult, error)
      || (separable && !fm_keras_get_int (&c->where, c->config, "filters", FALSE, 0, 1,
                                          MAX_FILTERS, &filters, error))
      || !fm_keras_get_bool (&c->where, c->config, "use_bias", TRUE, &use_bias, error)
      || !layer_activation (c, &act, error))
    return FALSE;
  const char *dw_suffix = separable ? "depthwise_kernel" : "kernel";
  g_autofree char *dwname = init_name (c, dw_suffix);
  g_autofree char *pwname = init_name (c, "pointwise_kernel");
  g_autofree char *bname = init_name (c, "bias");
  int n_vars = (separable ? 2 : 1) + (use_bias ? 1 : 0);
  if (c->first_call)
    {
      const char *expect = separable
        ? (use_bias ? "3 (depthwise kernel, pointwise kernel, bias)"
                    : "2 (depthwise kernel, pointwise kernel)")
        : (use_bias ? "2 (depthwise kernel, bias)" : "1 (depthwise kernel)");
      g_autoptr (GPtrArray) vars = load_vars (c, n_vars, n_vars, expect, error);
      if (!vars)
        return FALSE;
      const FmTensor *k = vars->pdata[0];
      gint64 want[4] = { g.k[0], g.k[1], -1, mult };
      if (!check_shape (c, k, "depthwise kernel", 4, want,
                        "kernel_size × input channels × depth_multiplier", error))
        return FALSE;
      gint64 cm = k->dims[2] * mult;
      FmTensor *w = depthwise_to_oihw (c, k, error);
      if (!w || !add_init (c, w, dw_suffix, error))
        return FALSE;
      if (separable)
        {
          const FmTensor *p = vars->pdata[1];
          gint64 pw[4] = { 1, 1, cm, filters };
          if (!check_shape (c, p, "pointwise kernel", 4, pw,
                            "1 × 1 × input channels · depth_multiplier × filters", error))
            return FALSE;
          FmTensor *pt = hwio_to_oihw (c, p, error);
          if (!pt || !add_init (c, pt, "pointwise_kernel", error))
            return FALSE;
        }
      if (use_bias)
        {
          gint64 bw[1] = { separable ? filters : cm };
          if (!check_shape (c, vars->pdata[n_vars - 1], "bias", 1, bw,
                            "one per output channel", error)
              || !add_init (c, steal_var (vars, (guint) n_vars - 1), "bias", error))
            return FALSE;
        }
    }
  gint64 cm = depthwise_channels (c, dw_suffix);
  if (cm <= 0 || cm % mult)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "its depthwise kernel is missing from the graph");
  g_autofree char *conv = pre_activation_name (c, act, "conv");
  if (!separable)
    conv_node (c, conv, c->inputs[0], dwname, use_bias ? bname : NULL, &g, cm / mult);
  else
    {
      g_autofree char *dw = g_strdup_printf ("%s/depthwise", c->name);
      conv_node (c, dw, c->inputs[0], dwname, NULL, &g, cm / mult);
      ConvGeom one = { { 1, 1 }, { 1, 1 }, { 1, 1 }, "VALID" };
      conv_node (c, conv, dw, pwname, use_bias ? bname : NULL, &one, 1);
    }
  c->out_rank = 4;
  return !has_activation (act) || lower_activation (c, act, conv, c->name, error);
}

static gboolean
lower_depthwise_conv2d (FmKerasCall *c, GError **error)
{
  return lower_depthwise (c, FALSE, error);
}

static gboolean
lower_separable_conv2d (FmKerasCall *c, GError **error)
{
  return lower_depthwise (c, TRUE, error);
}

/* --- normalisation --------------------------------------------------------------- */

/* The Keras axis of a per-channel layer is the channel axis (−1, or the
 * last of a known rank); anything else is not lowered. */
static gboolean
channel_axis (FmKerasCall *c, const char *key, gboolean *is_channel, GError **error)
{
  JsonNode *a = fm_keras_member (c->config, key);
  gint64 axis = -1;
  *is_channel = TRUE;
  if (a && JSON_NODE_HOLDS_ARRAY (a))
    {
      JsonArray *arr = json_node_get_array (a);
      if (json_array_get_length (arr) != 1)
        {
          *is_channel = FALSE;
          return TRUE;
        }
      gint64 v[1];
      if (!fm_keras_get_ints (&c->where, c->config, key, 1, TRUE, -1, -8, 8, v, error))
        return FALSE;
      axis = v[0];
    }
  else if (!fm_keras_get_int (&c->where, c->config, key, TRUE, -1, -8, 8, &axis, error))
    return FALSE;
  int rank = c->in_ranks[0];
  /* a tensor of unknown rank (after a layer not lowered) is taken for an
   * image: channels at 3 */
  *is_channel = axis == -1 || (rank > 0 ? axis == rank - 1 : axis == 3);
  return TRUE;
}

static gboolean
lower_batchnorm (FmKerasCall *c, GError **error)
{
  gboolean center, scale, on_channels;
  double eps;
  if (!fm_keras_get_bool (&c->where, c->config, "center", TRUE, &center, error)
      || !fm_keras_get_bool (&c->where, c->config, "scale", TRUE, &scale, error)
      || !fm_keras_get_double (&c->where, c->config, "epsilon", TRUE, 1e-3, &eps, NULL, error)
      || !channel_axis (c, "axis", &on_channels, error))
    return FALSE;
  if (!on_channels)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_UNSUPPORTED,
                          "it normalises along an axis other than the channels");
  if (eps < 0)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "epsilon %g is negative", eps);
  static const char *const names[4] = { "gamma", "beta", "moving_mean", "moving_variance" };
  if (c->first_call)
    {
      int n = (scale ? 1 : 0) + (center ? 1 : 0) + 2;
      g_autofree char *expect = g_strdup_printf ("%d (%s%smoving mean, moving variance)", n,
                                                 scale ? "gamma, " : "", center ? "beta, " : "");
      g_autoptr (GPtrArray) vars = load_vars (c, n, n, expect, error);
      if (!vars)
        return FALSE;
      gint64 ch = ((FmTensor *) vars->pdata[0])->ndim == 1
                  ? ((FmTensor *) vars->pdata[0])->dims[0] : -1;
      gint64 want[1] = { ch };
      guint k = 0;
      for (int role = 0; role < 4; role++)
        {
          if ((role == 0 && !scale) || (role == 1 && !center))
            {
              /* absent: gamma 1, beta 0 */
              FmTensor *t = new_tensor (c, 1, want, error);
              if (!t)
                return FALSE;
              for (gsize i = 0; i < t->n; i++)
                t->f[i] = role == 0 ? 1.0f : 0.0f;
              if (!add_init (c, t, names[role], error))
                return FALSE;
              continue;
            }
          if (!check_shape (c, vars->pdata[k], names[role], 1, want, "one per channel", error)
              || !add_init (c, steal_var (vars, k), names[role], error))
            return FALSE;
          k++;
        }
    }
  g_autofree char *in1 = init_name (c, names[0]);
  g_autofree char *in2 = init_name (c, names[1]);
  g_autofree char *in3 = init_name (c, names[2]);
  g_autofree char *in4 = init_name (c, names[3]);
  const char *in[5] = { c->inputs[0], in1, in2, in3, in4 };
  attr_float (add_node (c, c->name, "BatchNormalization", 5, in, c->name),
              "epsilon", (float) eps);
  c->out_rank = c->in_ranks[0];
  return TRUE;
}

/* Rescaling and Normalization: x · scale + offset per channel, as a marker
 * node the preprocessing pass folds into the input declaration when it
 * sits at the input (fm-keras-prep.c). */
static void
affine_node (FmKerasCall *c, int n_scale, const double *scale, int n_offset,
             const double *offset)
{
  FmNetNode *n = add_node (c, c->name, FM_KERAS_AFFINE_OP, 1, &c->inputs[0], c->name);
  g_free (n->domain);
  n->domain = g_strdup (FM_KERAS_AFFINE_DOMAIN);
  attr_floats (n, "scale", n_scale, scale);
  attr_floats (n, "offset", n_offset, offset);
  attr_string (n, "keras_class", c->where.class_name);
  FmKerasAffine *a = g_new0 (FmKerasAffine, 1);
  a->n_scale = n_scale;
  a->n_offset = n_offset;
  a->scale = g_memdup2 (scale, sizeof (double) * (gsize) n_scale);
  a->offset = g_memdup2 (offset, sizeof (double) * (gsize) n_offset);
  a->rescaling = !strcmp (c->where.class_name, "Rescaling");
  g_hash_table_replace (c->affines, g_strdup (c->name), a);
  c->out_rank = c->in_ranks[0];
}

static gboolean
lower_rescaling (FmKerasCall *c, GError **error)
{
  g_autofree double *scale = g_new (double, MAX_CHANNEL_VALUES);
  g_autofree double *offset = g_new (double, MAX_CHANNEL_VALUES);
  int ns, no;
  if (!fm_keras_get_doubles (&c->where, c->config, "scale", MAX_CHANNEL_VALUES, scale, &ns, error)
      || !fm_keras_get_doubles (&c->where, c->config, "offset", MAX_CHANNEL_VALUES, offset, &no, error))
    return FALSE;
  if (ns == 0)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_PARSE, "'scale' is missing");
  if (no == 0)
    {
      offset[0] = 0.0;
      no = 1;
    }
  if (ns > 1 && no > 1 && ns != no)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "scale has %d values and offset %d", ns, no);
  affine_node (c, ns, scale, no, offset);
  return TRUE;
}

static gboolean
lower_normalization (FmKerasCall *c, GError **error)
{
  gboolean on_channels, invert;
  if (!channel_axis (c, "axis", &on_channels, error)
      || !fm_keras_get_bool (&c->where, c->config, "invert", FALSE, &invert, error))
    return FALSE;
  if (!on_channels)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_UNSUPPORTED,
                          "it normalises along an axis other than the channels");
  g_autofree double *mean = g_new (double, MAX_CHANNEL_VALUES);
  g_autofree double *var = g_new (double, MAX_CHANNEL_VALUES);
  int nm = 0, nv = 0;
  if (!fm_keras_get_doubles (&c->where, c->config, "mean", MAX_CHANNEL_VALUES, mean, &nm, error)
      || !fm_keras_get_doubles (&c->where, c->config, "variance", MAX_CHANNEL_VALUES, var, &nv, error))
    return FALSE;
  if ((nm == 0) != (nv == 0))
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "it gives %s but not %s", nm ? "mean" : "variance",
                          nm ? "variance" : "mean");
  if (nm == 0)
    {
      /* adapted: mean, variance and count are its variables */
      g_autoptr (GPtrArray) vars = load_vars (c, 2, 3, "3 (mean, variance, count)", error);
      if (!vars)
        return FALSE;
      const FmTensor *m = vars->pdata[0], *v = vars->pdata[1];
      gint64 want[1] = { m->ndim == 1 ? m->dims[0] : 0 };
      if (m->ndim == 0)
        {
          nm = nv = 1;
          mean[0] = m->f[0];
          if (v->ndim != 0)
            return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                                  "its mean is a scalar but its variance is not");
          var[0] = v->f[0];
        }
      else
        {
          if (!check_shape (c, m, "mean", 1, want, "one per channel", error)
              || !check_shape (c, v, "variance", 1, want, "one per channel", error))
            return FALSE;
          if (m->n > MAX_CHANNEL_VALUES)
            return fm_keras_fail (&c->where, error, FM_NET_ERROR_TOO_LARGE,
                                  "more than %d channels", MAX_CHANNEL_VALUES);
          nm = nv = (int) m->n;
          for (gsize k = 0; k < m->n; k++)
            {
              mean[k] = m->f[k];
              var[k] = v->f[k];
            }
        }
    }
  if (nm != nv)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "mean has %d values and variance %d", nm, nv);
  g_autofree double *scale = g_new (double, nm);
  g_autofree double *offset = g_new (double, nm);
  for (int k = 0; k < nm; k++)
    {
      if (!isfinite (mean[k]) || !isfinite (var[k]) || var[k] < 0)
        return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                              "channel %d has mean %g and variance %g", k, mean[k], var[k]);
      /* (x − mean) / max(√var, ε) with Keras's ε = 1e-7 */
      double d = fmax (sqrt (var[k]), 1e-7);
      scale[k] = invert ? d : 1.0 / d;
      offset[k] = invert ? mean[k] : -mean[k] / d;
    }
  affine_node (c, nm, scale, nm, offset);
  return TRUE;
}

/* --- activation layers ------------------------------------------------------------- */

static gboolean
lower_activation_layer (FmKerasCall *c, GError **error)
{
  const char *act;
  if (!layer_activation (c, &act, error))
    return FALSE;
  c->out_rank = c->in_ranks[0];
  return lower_activation (c, act ? act : "linear", c->inputs[0], c->name, error);
}

/* ReLU(max_value, negative_slope, threshold):
 *   max_value          for x ≥ max_value
 *   x                  for threshold ≤ x < max_value
 *   slope · (x − t)    below threshold
 * Lowered exactly to Relu, LeakyRelu, Clip and ThresholdedRelu; the
 * combinations that need more stay a ReLU node the planner names. */
static gboolean
lower_relu (FmKerasCall *c, GError **error)
{
  double max_value, slope, threshold;
  gboolean no_max;
  if (!fm_keras_get_double (&c->where, c->config, "max_value", TRUE, 0, &max_value,
                            &no_max, error)
      || !fm_keras_get_double (&c->where, c->config, "negative_slope", TRUE, 0, &slope,
                               NULL, error)
      || !fm_keras_get_double (&c->where, c->config, "threshold", TRUE, 0, &threshold,
                               NULL, error))
    return FALSE;
  if ((!no_max && max_value < 0) || slope < 0 || threshold < 0)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                          "max_value, negative_slope and threshold must be ≥ 0");
  const char *in[1] = { c->inputs[0] };
  c->out_rank = c->in_ranks[0];
  if (threshold != 0)
    {
      if (slope == 0 && no_max)
        {
          attr_float (add_node (c, c->name, "ThresholdedRelu", 1, in, c->name),
                      "alpha", (float) threshold);
          return TRUE;
        }
      FmNetNode *n = add_node (c, c->name, "ReLU", 1, in, c->name);
      g_free (n->domain);
      n->domain = g_strdup ("keras");
      return TRUE;
    }
  const char *x = c->inputs[0];
  g_autofree char *mid = g_strdup_printf ("%s/%s", c->name, slope != 0 ? "leaky" : "relu");
  if (no_max)
    {
      if (slope != 0)
        attr_float (add_node (c, c->name, "LeakyRelu", 1, in, c->name), "alpha", (float) slope);
      else
        add_node (c, c->name, "Relu", 1, in, c->name);
      return TRUE;
    }
  /* a ceiling: Clip(0, max) alone, or LeakyRelu then Clip(−∞, max) */
  if (slope != 0)
    {
      attr_float (add_node (c, mid, "LeakyRelu", 1, in, mid), "alpha", (float) slope);
      x = mid;
    }
  g_autofree char *lo = g_strdup_printf ("%s/clip_min", c->name);
  g_autofree char *hi = g_strdup_printf ("%s/clip_max", c->name);
  if (!add_scalar (c, lo, slope != 0 ? -FLT_MAX : 0.0f, error)
      || !add_scalar (c, hi, (float) max_value, error))
    return FALSE;
  add_node (c, c->name, "Clip", 3, (const char *const[]) { x, lo, hi }, c->name);
  return TRUE;
}

static gboolean
lower_leaky_relu (FmKerasCall *c, GError **error)
{
  double alpha;
  /* Keras 3 writes negative_slope, tf-keras alpha; both default to 0.3 */
  JsonNode *ns = fm_keras_member (c->config, "negative_slope");
  const char *key = ns && !JSON_NODE_HOLDS_NULL (ns) ? "negative_slope" : "alpha";
  if (!fm_keras_get_double (&c->where, c->config, key, TRUE, 0.3, &alpha, NULL, error))
    return FALSE;
  attr_float (add_node (c, c->name, "LeakyRelu", 1, &c->inputs[0], c->name),
              "alpha", (float) alpha);
  c->out_rank = c->in_ranks[0];
  return TRUE;
}

static gboolean
lower_elu (FmKerasCall *c, GError **error)
{
  double alpha;
  if (!fm_keras_get_double (&c->where, c->config, "alpha", TRUE, 1.0, &alpha, NULL, error))
    return FALSE;
  attr_float (add_node (c, c->name, "Elu", 1, &c->inputs[0], c->name), "alpha", (float) alpha);
  c->out_rank = c->in_ranks[0];
  return TRUE;
}

static gboolean
lower_thresholded_relu (FmKerasCall *c, GError **error)
{
  double theta;
  if (!fm_keras_get_double (&c->where, c->config, "theta", TRUE, 1.0, &theta, NULL, error))
    return FALSE;
  attr_float (add_node (c, c->name, "ThresholdedRelu", 1, &c->inputs[0], c->name),
              "alpha", (float) theta);
  c->out_rank = c->in_ranks[0];
  return TRUE;
}

static gboolean
lower_softmax (FmKerasCall *c, GError **error)
{
  gboolean on_channels;
  if (!channel_axis (c, "axis", &on_channels, error))
    return FALSE;
  if (!on_channels)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_UNSUPPORTED,
                          "softmax along an axis other than the channels");
  attr_int (add_node (c, c->name, "Softmax", 1, &c->inputs[0], c->name), "axis", 1);
  c->out_rank = c->in_ranks[0];
  return TRUE;
}

/* --- pooling and padding ---------------------------------------------------------- */

static gboolean
lower_pool (FmKerasCall *c, const char *op, GError **error)
{
  gint64 k[2], s[2];
  const char *auto_pad;
  if (!check_channels_last (c, error)
      || !fm_keras_get_ints (&c->where, c->config, "pool_size", 2, TRUE, 2, 1, MAX_KERNEL,
                             k, error))
    return FALSE;
  /* strides: null means the pool size */
  JsonNode *sn = fm_keras_member (c->config, "strides");
  if (!sn || JSON_NODE_HOLDS_NULL (sn))
    {
      s[0] = k[0];
      s[1] = k[1];
    }
  else if (!fm_keras_get_ints (&c->where, c->config, "strides", 2, FALSE, 0, 1, MAX_STRIDE,
                               s, error))
    return FALSE;
  if (!get_padding (c, &auto_pad, error))
    return FALSE;
  FmNetNode *n = add_node (c, c->name, op, 1, &c->inputs[0], c->name);
  attr_ints (n, "kernel_shape", 2, k);
  attr_ints (n, "strides", 2, s);
  attr_string (n, "auto_pad", auto_pad);
  if (!strcmp (op, "AveragePool"))
    attr_int (n, "count_include_pad", 0);   /* Keras averages the real pixels only */
  c->out_rank = 4;
  return TRUE;
}

static gboolean
lower_max_pooling2d (FmKerasCall *c, GError **error)
{
  return lower_pool (c, "MaxPool", error);
}

static gboolean
lower_average_pooling2d (FmKerasCall *c, GError **error)
{
  return lower_pool (c, "AveragePool", error);
}

static gboolean
lower_global_pool (FmKerasCall *c, const char *op, GError **error)
{
  gboolean keepdims;
  if (!check_channels_last (c, error)
      || !fm_keras_get_bool (&c->where, c->config, "keepdims", FALSE, &keepdims, error))
    return FALSE;
  if (keepdims)
    {
      add_node (c, c->name, op, 1, &c->inputs[0], c->name);
      c->out_rank = 4;
      return TRUE;
    }
  /* (N, C): the pooled N × C × 1 × 1 flattened */
  g_autofree char *mid = g_strdup_printf ("%s/pool", c->name);
  add_node (c, mid, op, 1, &c->inputs[0], mid);
  attr_int (add_node (c, c->name, "Flatten", 1, (const char *const[]) { mid }, c->name),
            "axis", 1);
  c->out_rank = 2;
  return TRUE;
}

static gboolean
lower_global_average_pooling2d (FmKerasCall *c, GError **error)
{
  return lower_global_pool (c, "GlobalAveragePool", error);
}

static gboolean
lower_global_max_pooling2d (FmKerasCall *c, GError **error)
{
  return lower_global_pool (c, "GlobalMaxPool", error);
}

/* padding: n, (h, w) or ((top, bottom), (left, right)). */
static gboolean
lower_zero_padding2d (FmKerasCall *c, GError **error)
{
  if (!check_channels_last (c, error))
    return FALSE;
  gint64 t, b, l, r;
  JsonNode *p = fm_keras_member (c->config, "padding");
  JsonArray *a = p && JSON_NODE_HOLDS_ARRAY (p) ? json_node_get_array (p) : NULL;
  if (a && json_array_get_length (a) == 2
      && JSON_NODE_HOLDS_ARRAY (fm_keras_unwrap (json_array_get_element (a, 0))))
    {
      JsonObject *tmp = json_object_new ();
      json_object_set_member (tmp, "rows", json_node_copy (json_array_get_element (a, 0)));
      json_object_set_member (tmp, "cols", json_node_copy (json_array_get_element (a, 1)));
      gint64 rows[2], cols[2];
      gboolean ok = fm_keras_get_ints (&c->where, tmp, "rows", 2, FALSE, 0, 0, MAX_KERNEL,
                                       rows, error)
                    && fm_keras_get_ints (&c->where, tmp, "cols", 2, FALSE, 0, 0, MAX_KERNEL,
                                          cols, error);
      json_object_unref (tmp);
      if (!ok)
        return FALSE;
      t = rows[0], b = rows[1], l = cols[0], r = cols[1];
    }
  else
    {
      gint64 hw[2];
      if (!fm_keras_get_ints (&c->where, c->config, "padding", 2, TRUE, 1, 0, MAX_KERNEL,
                              hw, error))
        return FALSE;
      t = b = hw[0];
      l = r = hw[1];
    }
  g_autofree char *pads = g_strdup_printf ("%s/pads", c->name);
  gint64 dims[1] = { 8 };
  FmTensor *pt = fm_tensor_new (pads, FM_TENSOR_INT64, 1, dims, error);
  if (!pt)
    return FALSE;
  gint64 v[8] = { 0, 0, t, l, 0, 0, b, r };
  memcpy (pt->i, v, sizeof v);
  if (!fm_net_graph_add_initializer (c->graph, pt, error))
    {
      fm_keras_prefix (&c->where, error);
      return FALSE;
    }
  FmNetNode *n = add_node (c, c->name, "Pad", 2, (const char *const[]) { c->inputs[0], pads },
                           c->name);
  attr_string (n, "mode", "constant");
  c->out_rank = 4;
  return TRUE;
}

/* --- merging --------------------------------------------------------------------- */

static gboolean
need_inputs (FmKerasCall *c, int lo, int hi, GError **error)
{
  if (c->n_inputs < lo || c->n_inputs > hi)
    {
      if (lo == hi)
        return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                              "it is called with %d inputs, expected %d", c->n_inputs, lo);
      return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID,
                            "it is called with %d inputs, expected at least %d",
                            c->n_inputs, lo);
    }
  return TRUE;
}

/* a op b op c … as a chain of binary nodes, the last one named name. */
static void
chain (FmKerasCall *c, const char *op, const char *name)
{
  const char *prev = c->inputs[0];
  g_autofree char *keep = NULL;
  for (int k = 1; k < c->n_inputs; k++)
    {
      char *out = k + 1 == c->n_inputs ? g_strdup (name)
                                       : g_strdup_printf ("%s/%s_%d", c->name, op, k);
      add_node (c, out, op, 2, (const char *const[]) { prev, c->inputs[k] }, out);
      g_free (keep);
      keep = out;
      prev = out;
    }
}

static int
merged_rank (FmKerasCall *c)
{
  for (int k = 0; k < c->n_inputs; k++)
    if (c->in_ranks[k])
      return c->in_ranks[k];
  return 0;
}

static gboolean
lower_add (FmKerasCall *c, GError **error)
{
  if (!need_inputs (c, 2, FM_KERAS_MAX_INPUTS, error))
    return FALSE;
  chain (c, "Add", c->name);
  c->out_rank = merged_rank (c);
  return TRUE;
}

static gboolean
lower_multiply (FmKerasCall *c, GError **error)
{
  if (!need_inputs (c, 2, FM_KERAS_MAX_INPUTS, error))
    return FALSE;
  chain (c, "Mul", c->name);
  c->out_rank = merged_rank (c);
  return TRUE;
}

static gboolean
lower_subtract (FmKerasCall *c, GError **error)
{
  if (!need_inputs (c, 2, 2, error))
    return FALSE;
  add_node (c, c->name, "Sub", 2, c->inputs, c->name);
  c->out_rank = merged_rank (c);
  return TRUE;
}

static gboolean
lower_average (FmKerasCall *c, GError **error)
{
  if (!need_inputs (c, 2, FM_KERAS_MAX_INPUTS, error))
    return FALSE;
  g_autofree char *sum = g_strdup_printf ("%s/sum", c->name);
  g_autofree char *inv = g_strdup_printf ("%s/inverse_count", c->name);
  chain (c, "Add", sum);
  if (!add_scalar (c, inv, 1.0f / (float) c->n_inputs, error))
    return FALSE;
  add_node (c, c->name, "Mul", 2, (const char *const[]) { sum, inv }, c->name);
  c->out_rank = merged_rank (c);
  return TRUE;
}

static gboolean
lower_maximum (FmKerasCall *c, GError **error)
{
  if (!need_inputs (c, 2, FM_KERAS_MAX_INPUTS, error))
    return FALSE;
  add_node (c, c->name, "Max", c->n_inputs, c->inputs, c->name);
  c->out_rank = merged_rank (c);
  return TRUE;
}

static gboolean
lower_minimum (FmKerasCall *c, GError **error)
{
  if (!need_inputs (c, 2, FM_KERAS_MAX_INPUTS, error))
    return FALSE;
  add_node (c, c->name, "Min", c->n_inputs, c->inputs, c->name);
  c->out_rank = merged_rank (c);
  return TRUE;
}

static gboolean
lower_concatenate (FmKerasCall *c, GError **error)
{
  gint64 axis;
  if (!need_inputs (c, 1, FM_KERAS_MAX_INPUTS, error)
      || !fm_keras_get_int (&c->where, c->config, "axis", TRUE, -1, -8, 8, &axis, error))
    return FALSE;
  int rank = merged_rank (c);
  gint64 onnx_axis;
  if (axis == -1 || (rank > 0 && axis == rank - 1))
    onnx_axis = 1;                      /* the channels */
  else if (rank == 4 && (axis == 1 || axis == -3))
    onnx_axis = 2;                      /* rows */
  else if (rank == 4 && (axis == 2 || axis == -2))
    onnx_axis = 3;                      /* columns */
  else if (axis == 0 || (rank > 0 && axis == -rank))
    onnx_axis = 0;
  else
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_UNSUPPORTED,
                          "axis %" G_GINT64_FORMAT " of a tensor of unknown rank", axis);
  attr_int (add_node (c, c->name, "Concat", c->n_inputs, c->inputs, c->name), "axis", onnx_axis);
  c->out_rank = rank;
  return TRUE;
}

/* --- the rest ------------------------------------------------------------------------ */

/* Layers that do nothing when a trained model is used. */
static gboolean
lower_identity (FmKerasCall *c, GError **error)
{
  (void) error;
  add_node (c, c->name, "Identity", 1, &c->inputs[0], c->name);
  c->out_rank = c->in_ranks[0];
  return TRUE;
}

/* Keras flattens H, W, C in that order: transpose back to channels-last
 * first so the values come out as Keras orders them. */
static gboolean
lower_flatten (FmKerasCall *c, GError **error)
{
  if (!check_channels_last (c, error))
    return FALSE;
  int rank = c->in_ranks[0];
  if (rank == 2)
    return lower_identity (c, error);
  if (rank != 4)
    {
      c->declined = TRUE;   /* the caller keeps it as a Keras node */
      return TRUE;
    }
  g_autofree char *t = g_strdup_printf ("%s/to_channels_last", c->name);
  gint64 perm[4] = { 0, 2, 3, 1 };
  attr_ints (add_node (c, t, "Transpose", 1, &c->inputs[0], t), "perm", 4, perm);
  attr_int (add_node (c, c->name, "Flatten", 1, (const char *const[]) { t }, c->name),
            "axis", 1);
  c->out_rank = 2;
  return TRUE;
}

typedef gboolean (*LowerFn) (FmKerasCall *c, GError **error);

/* The registry: every layer class the readers lower, and how.  Input
 * layers and nested models are the model walker's (fm-keras-model.c). */
static const struct {
  const char *class_name;
  LowerFn lower;
  gboolean has_weights;       /* for tf-keras 2.13's weight paths */
} lowerings[] = {
  { "Conv2D", lower_conv2d, TRUE },
  { "Convolution2D", lower_conv2d, TRUE },
  { "DepthwiseConv2D", lower_depthwise_conv2d, TRUE },
  { "SeparableConv2D", lower_separable_conv2d, TRUE },
  { "SeparableConvolution2D", lower_separable_conv2d, TRUE },
  { "BatchNormalization", lower_batchnorm, TRUE },
  { "Rescaling", lower_rescaling, FALSE },
  { "Normalization", lower_normalization, TRUE },
  { "Activation", lower_activation_layer, FALSE },
  { "ReLU", lower_relu, FALSE },
  { "LeakyReLU", lower_leaky_relu, FALSE },
  { "ELU", lower_elu, FALSE },
  { "ThresholdedReLU", lower_thresholded_relu, FALSE },
  { "Softmax", lower_softmax, FALSE },
  { "MaxPooling2D", lower_max_pooling2d, FALSE },
  { "MaxPool2D", lower_max_pooling2d, FALSE },
  { "AveragePooling2D", lower_average_pooling2d, FALSE },
  { "AvgPool2D", lower_average_pooling2d, FALSE },
  { "GlobalAveragePooling2D", lower_global_average_pooling2d, FALSE },
  { "GlobalAvgPool2D", lower_global_average_pooling2d, FALSE },
  { "GlobalMaxPooling2D", lower_global_max_pooling2d, FALSE },
  { "GlobalMaxPool2D", lower_global_max_pooling2d, FALSE },
  { "ZeroPadding2D", lower_zero_padding2d, FALSE },
  { "Add", lower_add, FALSE },
  { "Subtract", lower_subtract, FALSE },
  { "Multiply", lower_multiply, FALSE },
  { "Average", lower_average, FALSE },
  { "Maximum", lower_maximum, FALSE },
  { "Minimum", lower_minimum, FALSE },
  { "Concatenate", lower_concatenate, FALSE },
  { "Dropout", lower_identity, FALSE },
  { "SpatialDropout2D", lower_identity, FALSE },
  { "GaussianNoise", lower_identity, FALSE },
  { "GaussianDropout", lower_identity, FALSE },
  { "AlphaDropout", lower_identity, FALSE },
  { "ActivityRegularization", lower_identity, FALSE },
  { "Identity", lower_identity, FALSE },
  { "Flatten", lower_flatten, FALSE },
};

/* Classes not lowered that do store weights (their counts matter for
 * tf-keras 2.13's weight paths only). */
static const char *const weighted_classes[] = {
  "Dense", "Conv1D", "Conv3D", "Conv2DTranspose", "Conv1DTranspose", "Conv3DTranspose",
  "DepthwiseConv1D", "SeparableConv1D", "LayerNormalization", "GroupNormalization",
  "UnitNormalization", "PReLU", "Embedding", "LSTM", "GRU", "SimpleRNN", "ConvLSTM2D",
  "MultiHeadAttention", "EinsumDense", "Bidirectional", "TimeDistributed",
  "LocallyConnected2D", "LocallyConnected1D",
};

gboolean
fm_keras_class_has_weights (const char *class_name, JsonObject *config)
{
  for (gsize k = 0; k < G_N_ELEMENTS (lowerings); k++)
    if (!strcmp (lowerings[k].class_name, class_name))
      {
        if (!strcmp (class_name, "Normalization"))
          {
            /* given mean / variance are constants, not variables */
            JsonNode *m = config ? fm_keras_member (config, "mean") : NULL;
            return !m || JSON_NODE_HOLDS_NULL (m);
          }
        return lowerings[k].has_weights;
      }
  for (gsize k = 0; k < G_N_ELEMENTS (weighted_classes); k++)
    if (!strcmp (weighted_classes[k], class_name))
      return TRUE;
  return FALSE;
}

gboolean
fm_keras_lower_layer (FmKerasCall *c, const char *class_name, GError **error)
{
  if (c->n_inputs < 1)
    return fm_keras_fail (&c->where, error, FM_NET_ERROR_INVALID, "it has no input");
  guint before = c->graph->nodes->len;
  for (gsize k = 0; k < G_N_ELEMENTS (lowerings); k++)
    if (!strcmp (lowerings[k].class_name, class_name))
      {
        c->declined = FALSE;
        if (!lowerings[k].lower (c, error))
          return FALSE;
        if (c->declined)
          break;
        return TRUE;
      }
  /* not lowered: one node the planner names ("needs layer 'dense' (Dense)") */
  g_ptr_array_set_size (c->graph->nodes, (gint) before);
  FmNetNode *n = add_node (c, c->name, class_name, c->n_inputs, c->inputs, c->name);
  g_free (n->domain);
  n->domain = g_strdup ("keras");
  c->out_rank = 0;
  return TRUE;
}
