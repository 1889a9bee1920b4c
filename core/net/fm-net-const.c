/* fm-net-const.c: evaluating the constant subgraphs exporters write.
 *
 * torch.onnx.export turns F.pad's pads, Clip's bounds and many reshapes
 * into little computations on shapes (Shape → Gather → … → Cast → Pad),
 * with or without constant folding.  They are cheap and exact on int64,
 * so the planner runs them at plan time, as ONNX defines each operator
 * (numpy broadcasting, negative axes, opset-dependent attributes versus
 * inputs); their results then read as constants for the layers.
 *
 * Every result is made by fm_tensor_new, which checks its element count
 * against FM_NET_MAX_TENSOR_ELEMS before allocating.
 */
#include "fm-net-private.h"

#include <math.h>
#include <string.h>

#define RANK_MAX FM_TENSOR_MAX_DIMS

static gboolean
fail (GError **error, const FmNetNode *node, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const FmNetNode *node, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autofree char *label = fm_net_node_label (node);
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID, "node %s: %s", label, msg);
  return FALSE;
}

static double
get_d (const FmTensor *t, gsize i)
{
  return t->type == FM_TENSOR_FLOAT ? (double) t->f[i] : (double) t->i[i];
}

static gint64
get_i (const FmTensor *t, gsize i)
{
  if (t->type == FM_TENSOR_INT64)
    return t->i[i];
  double v = t->f[i];
  return isfinite (v) ? (gint64) v : 0;
}

gboolean
fm_net_const_ints (const FmTensor *t, gint64 *v, int max, int *n)
{
  if (!t || t->n > (gsize) max)
    return FALSE;
  for (gsize i = 0; i < t->n; i++)
    {
      if (t->type == FM_TENSOR_FLOAT && (!isfinite (t->f[i]) || t->f[i] != floorf (t->f[i])))
        return FALSE;
      v[i] = get_i (t, i);
    }
  *n = (int) t->n;
  return TRUE;
}

gboolean
fm_net_const_floats (const FmTensor *t, float *v, int max, int *n)
{
  if (!t || t->n > (gsize) max)
    return FALSE;
  for (gsize i = 0; i < t->n; i++)
    v[i] = (float) get_d (t, i);
  *n = (int) t->n;
  return TRUE;
}

static FmTensor *
new_like (const char *name, FmTensorType type, int ndim, const gint64 *dims, GError **error)
{
  return fm_tensor_new (name, type, ndim, dims, error);
}

static void
set_d (FmTensor *t, gsize i, double v)
{
  if (t->type == FM_TENSOR_FLOAT)
    t->f[i] = (float) v;
  else
    t->i[i] = (gint64) v;
}

/* Axis a of rank r, negative counted from the end: −1 when out of range. */
static int
norm_axis (gint64 a, int r)
{
  if (a < 0)
    a += r;
  return a >= 0 && a < r ? (int) a : -1;
}

/* Row-major strides of dims. */
static void
strides_of (int ndim, const gint64 *dims, gint64 *st)
{
  gint64 s = 1;
  for (int d = ndim - 1; d >= 0; d--)
    {
      st[d] = s;
      s *= dims[d];
    }
}

/* ---- the ops ---- */

static gboolean
op_constant (const FmNetNode *node, FmTensor **out, GError **error)
{
  const char *name = node->outputs[0];
  for (int a = 0; a < node->n_attrs; a++)
    {
      const FmNetAttr *at = &node->attrs[a];
      if (!strcmp (at->name, "value") && at->type == FM_ATTR_TENSOR && at->t)
        {
          FmTensor *t = new_like (name, at->t->type, at->t->ndim, at->t->dims, error);
          if (!t)
            return FALSE;
          for (gsize i = 0; i < t->n; i++)
            set_d (t, i, get_d (at->t, i));
          if (t->type == FM_TENSOR_INT64)
            memcpy (t->i, at->t->i, t->n * sizeof (gint64));
          *out = t;
          return TRUE;
        }
      gboolean list = at->type == FM_ATTR_INTS || at->type == FM_ATTR_FLOATS;
      if ((!strcmp (at->name, "value_float") && at->type == FM_ATTR_FLOAT)
          || (!strcmp (at->name, "value_int") && at->type == FM_ATTR_INT)
          || (!strcmp (at->name, "value_floats") && at->type == FM_ATTR_FLOATS)
          || (!strcmp (at->name, "value_ints") && at->type == FM_ATTR_INTS))
        {
          gint64 dim = at->n;
          gboolean is_float = at->type == FM_ATTR_FLOAT || at->type == FM_ATTR_FLOATS;
          FmTensor *t = new_like (name, is_float ? FM_TENSOR_FLOAT : FM_TENSOR_INT64,
                                  list ? 1 : 0, &dim, error);
          if (!t)
            return FALSE;
          for (gsize i = 0; i < t->n; i++)
            {
              if (at->type == FM_ATTR_FLOAT)
                t->f[i] = at->f;
              else if (at->type == FM_ATTR_INT)
                t->i[i] = at->i;
              else if (at->type == FM_ATTR_FLOATS)
                t->f[i] = at->floats[i];
              else
                t->i[i] = at->ints[i];
            }
          *out = t;
          return TRUE;
        }
    }
  return fail (error, node, "needs a numeric 'value' (strings and sparse tensors are not read)");
}

static gboolean
op_copy (const FmNetNode *node, const FmTensor *x, FmTensorType type, FmTensor **out,
         GError **error)
{
  FmTensor *t = new_like (node->outputs[0], type, x->ndim, x->dims, error);
  if (!t)
    return FALSE;
  for (gsize i = 0; i < t->n; i++)
    set_d (t, i, get_d (x, i));
  if (type == FM_TENSOR_INT64 && x->type == FM_TENSOR_INT64)
    memcpy (t->i, x->i, t->n * sizeof (gint64));
  *out = t;
  return TRUE;
}

/* Cast's "to": ONNX TensorProto data types.  Floating ones become float32,
 * integers and bool int64 (the graph form's two types). */
static gboolean
op_cast (const FmNetNode *node, const FmTensor *x, FmTensor **out, GError **error)
{
  gint64 to = fm_net_node_attr_int (node, "to", -1);
  switch (to)
    {
    case 1: case 10: case 11: case 16:          /* float, float16, double, bfloat16 */
      return op_copy (node, x, FM_TENSOR_FLOAT, out, error);
    case 2: case 3: case 4: case 5: case 6: case 7: case 12: case 13:
      {
        FmTensor *t = new_like (node->outputs[0], FM_TENSOR_INT64, x->ndim, x->dims, error);
        if (!t)
          return FALSE;
        for (gsize i = 0; i < t->n; i++)
          t->i[i] = get_i (x, i);
        *out = t;
        return TRUE;
      }
    case 9:                                      /* bool */
      {
        FmTensor *t = new_like (node->outputs[0], FM_TENSOR_INT64, x->ndim, x->dims, error);
        if (!t)
          return FALSE;
        for (gsize i = 0; i < t->n; i++)
          t->i[i] = get_d (x, i) != 0.0;
        *out = t;
        return TRUE;
      }
    default:
      return fail (error, node, "Cast to data type %" G_GINT64_FORMAT " is not read", to);
    }
}

/* numpy broadcasting of two shapes. */
static gboolean
broadcast (const FmTensor *a, const FmTensor *b, int *ndim, gint64 *dims)
{
  int r = MAX (a->ndim, b->ndim);
  for (int d = 0; d < r; d++)
    {
      int da = d - (r - a->ndim), db = d - (r - b->ndim);
      gint64 x = da >= 0 ? a->dims[da] : 1, y = db >= 0 ? b->dims[db] : 1;
      if (x != y && x != 1 && y != 1)
        return FALSE;
      dims[d] = x == 1 ? y : x;
    }
  *ndim = r;
  return TRUE;
}

/* Index into t of the broadcast position (coords of rank r). */
static gsize
bcast_index (const FmTensor *t, int r, const gint64 *coord)
{
  gsize idx = 0;
  for (int d = 0; d < t->ndim; d++)
    {
      gint64 c = coord[d + r - t->ndim];
      idx = idx * (gsize) t->dims[d] + (gsize) (t->dims[d] == 1 ? 0 : c);
    }
  return idx;
}

static gboolean
op_binary (const FmNetNode *node, const FmTensor *a, const FmTensor *b, FmTensor **out,
           GError **error)
{
  int r;
  gint64 dims[RANK_MAX];
  if (!broadcast (a, b, &r, dims))
    return fail (error, node, "shapes do not broadcast");
  FmTensorType type = a->type == FM_TENSOR_FLOAT || b->type == FM_TENSOR_FLOAT
                      ? FM_TENSOR_FLOAT : FM_TENSOR_INT64;
  FmTensor *t = new_like (node->outputs[0], type, r, dims, error);
  if (!t)
    return FALSE;
  const char *op = node->op;
  gint64 coord[RANK_MAX] = { 0 };
  for (gsize i = 0; i < t->n; i++)
    {
      gsize ia = bcast_index (a, r, coord), ib = bcast_index (b, r, coord);
      if (type == FM_TENSOR_INT64)
        {
          /* Wrapping arithmetic (as ONNX runtimes do on int64), never
           * undefined behaviour on a file's numbers. */
          gint64 x = a->i[ia], y = b->i[ib], v;
          if (!strcmp (op, "Add"))
            v = (gint64) ((guint64) x + (guint64) y);
          else if (!strcmp (op, "Sub"))
            v = (gint64) ((guint64) x - (guint64) y);
          else if (!strcmp (op, "Mul"))
            v = (gint64) ((guint64) x * (guint64) y);
          else
            {
              if (y == 0 || (y == -1 && x == G_MININT64))
                {
                  fm_tensor_free (t);
                  return fail (error, node, "integer division by zero or overflowing");
                }
              v = x / y;       /* ONNX integer Div truncates, as C does */
            }
          t->i[i] = v;
        }
      else
        {
          double x = get_d (a, ia), y = get_d (b, ib), v;
          if (!strcmp (op, "Add"))
            v = x + y;
          else if (!strcmp (op, "Sub"))
            v = x - y;
          else if (!strcmp (op, "Mul"))
            v = x * y;
          else
            v = x / y;
          t->f[i] = (float) v;
        }
      for (int d = r - 1; d >= 0; d--)
        if (++coord[d] < dims[d])
          break;
        else
          coord[d] = 0;
    }
  *out = t;
  return TRUE;
}

static gboolean
op_unary (const FmNetNode *node, const FmTensor *x, FmTensor **out, GError **error)
{
  FmTensor *t = new_like (node->outputs[0], x->type, x->ndim, x->dims, error);
  if (!t)
    return FALSE;
  for (gsize i = 0; i < t->n; i++)
    {
      if (!strcmp (node->op, "Neg"))
        {
          if (x->type == FM_TENSOR_INT64)
            t->i[i] = (gint64) (0 - (guint64) x->i[i]);
          else
            t->f[i] = -x->f[i];
        }
      else if (x->type == FM_TENSOR_INT64)
        t->i[i] = x->i[i];
      else
        t->f[i] = !strcmp (node->op, "Floor") ? floorf (x->f[i]) : ceilf (x->f[i]);
    }
  *out = t;
  return TRUE;
}

/* Axes for Unsqueeze / Squeeze: the attribute (opset < 13) or input 1. */
static gboolean
get_axes (const FmNetNode *node, const FmTensor *const *in, int n_in, gint64 *axes,
          int *n_axes, gboolean *given)
{
  const FmNetAttr *at = fm_net_node_attr (node, "axes");
  *given = TRUE;
  if (at && at->type == FM_ATTR_INTS && at->n <= RANK_MAX)
    {
      memcpy (axes, at->ints, at->n * sizeof (gint64));
      *n_axes = at->n;
      return TRUE;
    }
  if (n_in > 1 && in[1])
    return fm_net_const_ints (in[1], axes, RANK_MAX, n_axes);
  *given = FALSE;
  *n_axes = 0;
  return TRUE;
}

static gboolean
op_reshape_to (const FmNetNode *node, const FmTensor *x, int ndim, const gint64 *dims,
               FmTensor **out, GError **error)
{
  FmTensor *t = new_like (node->outputs[0], x->type, ndim, dims, error);
  if (!t)
    return FALSE;
  if (t->n != x->n)
    {
      fm_tensor_free (t);
      return fail (error, node, "%" G_GSIZE_FORMAT " values cannot take the new shape", x->n);
    }
  if (x->type == FM_TENSOR_FLOAT)
    memcpy (t->f, x->f, x->n * sizeof (float));
  else
    memcpy (t->i, x->i, x->n * sizeof (gint64));
  *out = t;
  return TRUE;
}

static gboolean
op_unsqueeze (const FmNetNode *node, const FmTensor *const *in, int n_in, FmTensor **out,
              GError **error)
{
  const FmTensor *x = in[0];
  gint64 axes[RANK_MAX];
  int n_axes;
  gboolean given;
  if (!get_axes (node, in, n_in, axes, &n_axes, &given) || !given)
    return fail (error, node, "needs constant axes");
  int r = x->ndim + n_axes;
  if (r > RANK_MAX)
    return fail (error, node, "more than %d dimensions", RANK_MAX);
  gboolean is_new[RANK_MAX] = { 0 };
  for (int i = 0; i < n_axes; i++)
    {
      int a = norm_axis (axes[i], r);
      if (a < 0 || is_new[a])
        return fail (error, node, "axis %" G_GINT64_FORMAT " is out of range or repeated", axes[i]);
      is_new[a] = TRUE;
    }
  gint64 dims[RANK_MAX];
  for (int d = 0, s = 0; d < r; d++)
    dims[d] = is_new[d] ? 1 : x->dims[s++];
  return op_reshape_to (node, x, r, dims, out, error);
}

static gboolean
op_squeeze (const FmNetNode *node, const FmTensor *const *in, int n_in, FmTensor **out,
            GError **error)
{
  const FmTensor *x = in[0];
  gint64 axes[RANK_MAX];
  int n_axes;
  gboolean given;
  if (!get_axes (node, in, n_in, axes, &n_axes, &given))
    return fail (error, node, "needs constant axes");
  gboolean drop[RANK_MAX] = { 0 };
  for (int d = 0; !given && d < x->ndim; d++)
    drop[d] = x->dims[d] == 1;
  for (int i = 0; i < n_axes; i++)
    {
      int a = norm_axis (axes[i], x->ndim);
      if (a < 0 || x->dims[a] != 1)
        return fail (error, node, "axis %" G_GINT64_FORMAT " is not a dimension of size 1", axes[i]);
      drop[a] = TRUE;
    }
  gint64 dims[RANK_MAX];
  int r = 0;
  for (int d = 0; d < x->ndim; d++)
    if (!drop[d])
      dims[r++] = x->dims[d];
  return op_reshape_to (node, x, r, dims, out, error);
}

static gboolean
op_reshape (const FmNetNode *node, const FmTensor *const *in, int n_in, FmTensor **out,
            GError **error)
{
  const FmTensor *x = in[0];
  gint64 shape[RANK_MAX];
  int n;
  const FmNetAttr *at = fm_net_node_attr (node, "shape");
  if (n_in > 1 && in[1])
    {
      if (!fm_net_const_ints (in[1], shape, RANK_MAX, &n))
        return fail (error, node, "the shape must be at most %d integers", RANK_MAX);
    }
  else if (at && at->type == FM_ATTR_INTS && at->n <= RANK_MAX)
    {
      n = at->n;
      memcpy (shape, at->ints, n * sizeof (gint64));
    }
  else
    return fail (error, node, "needs a shape");
  gboolean allowzero = fm_net_node_attr_int (node, "allowzero", 0) != 0;
  int infer = -1;
  gint64 known = 1;
  for (int d = 0; d < n; d++)
    {
      if (shape[d] == 0 && !allowzero)
        {
          if (d >= x->ndim)
            return fail (error, node, "0 in the shape at axis %d has no input axis to copy", d);
          shape[d] = x->dims[d];
        }
      if (shape[d] == -1)
        {
          if (infer >= 0)
            return fail (error, node, "more than one -1 in the shape");
          infer = d;
          continue;
        }
      if (shape[d] < 0)
        return fail (error, node, "negative size %" G_GINT64_FORMAT " in the shape", shape[d]);
      if (shape[d] > 0 && known > G_MAXINT64 / shape[d])
        return fail (error, node, "the shape overflows");
      known *= shape[d];
    }
  if (infer >= 0)
    {
      if (known == 0 || x->n % (gsize) known != 0)
        return fail (error, node, "%" G_GSIZE_FORMAT " values cannot take the shape", x->n);
      shape[infer] = (gint64) x->n / known;
    }
  return op_reshape_to (node, x, n, shape, out, error);
}

static gboolean
op_concat (const FmNetNode *node, const FmTensor *const *in, int n_in, FmTensor **out,
           GError **error)
{
  const FmTensor *x = in[0];
  int axis = norm_axis (fm_net_node_attr_int (node, "axis", G_MININT64), x->ndim);
  if (axis < 0)
    return fail (error, node, "axis out of range");
  gint64 dims[RANK_MAX];
  memcpy (dims, x->dims, sizeof dims);
  dims[axis] = 0;
  FmTensorType type = FM_TENSOR_INT64;
  for (int i = 0; i < n_in; i++)
    {
      if (in[i]->ndim != x->ndim)
        return fail (error, node, "inputs of different ranks");
      for (int d = 0; d < x->ndim; d++)
        if (d != axis && in[i]->dims[d] != x->dims[d])
          return fail (error, node, "input %d differs in size along axis %d", i, d);
      dims[axis] += in[i]->dims[axis];
      if (in[i]->type == FM_TENSOR_FLOAT)
        type = FM_TENSOR_FLOAT;
    }
  FmTensor *t = new_like (node->outputs[0], type, x->ndim, dims, error);
  if (!t)
    return FALSE;
  gsize outer = 1, inner = 1;
  for (int d = 0; d < axis; d++)
    outer *= (gsize) dims[d];
  for (int d = axis + 1; d < x->ndim; d++)
    inner *= (gsize) dims[d];
  gsize o = 0;
  for (gsize a = 0; a < outer; a++)
    for (int i = 0; i < n_in; i++)
      {
        gsize run = (gsize) in[i]->dims[axis] * inner;
        for (gsize j = 0; j < run; j++)
          set_d (t, o++, get_d (in[i], a * run + j));
        if (type == FM_TENSOR_INT64)
          for (gsize j = 0; j < run; j++)
            t->i[o - run + j] = in[i]->i[a * run + j];
      }
  *out = t;
  return TRUE;
}

static gboolean
op_gather (const FmNetNode *node, const FmTensor *const *in, FmTensor **out, GError **error)
{
  const FmTensor *x = in[0], *idx = in[1];
  int axis = norm_axis (fm_net_node_attr_int (node, "axis", 0), x->ndim);
  if (axis < 0)
    return fail (error, node, "axis out of range");
  int r = x->ndim - 1 + idx->ndim;
  if (r > RANK_MAX)
    return fail (error, node, "more than %d dimensions", RANK_MAX);
  gint64 dims[RANK_MAX];
  int d = 0;
  for (int i = 0; i < axis; i++)
    dims[d++] = x->dims[i];
  for (int i = 0; i < idx->ndim; i++)
    dims[d++] = idx->dims[i];
  for (int i = axis + 1; i < x->ndim; i++)
    dims[d++] = x->dims[i];
  FmTensor *t = new_like (node->outputs[0], x->type, r, dims, error);
  if (!t)
    return FALSE;
  gsize outer = 1, inner = 1;
  for (int i = 0; i < axis; i++)
    outer *= (gsize) x->dims[i];
  for (int i = axis + 1; i < x->ndim; i++)
    inner *= (gsize) x->dims[i];
  gsize o = 0;
  for (gsize a = 0; a < outer; a++)
    for (gsize j = 0; j < idx->n; j++)
      {
        gint64 k = get_i (idx, j);
        if (k < 0)
          k += x->dims[axis];
        if (k < 0 || k >= x->dims[axis])
          {
            fm_tensor_free (t);
            return fail (error, node, "index %" G_GINT64_FORMAT " out of range", get_i (idx, j));
          }
        gsize src = (a * (gsize) x->dims[axis] + (gsize) k) * inner;
        for (gsize b = 0; b < inner; b++, o++)
          {
            if (x->type == FM_TENSOR_FLOAT)
              t->f[o] = x->f[src + b];
            else
              t->i[o] = x->i[src + b];
          }
      }
  *out = t;
  return TRUE;
}

static gboolean
op_transpose (const FmNetNode *node, const FmTensor *x, FmTensor **out, GError **error)
{
  int perm[RANK_MAX];
  const FmNetAttr *at = fm_net_node_attr (node, "perm");
  if (at && at->type == FM_ATTR_INTS)
    {
      if (at->n != x->ndim)
        return fail (error, node, "perm has %d axes for a tensor of %d", at->n, x->ndim);
      gboolean seen[RANK_MAX] = { 0 };
      for (int d = 0; d < x->ndim; d++)
        {
          int a = norm_axis (at->ints[d], x->ndim);
          if (a < 0 || seen[a])
            return fail (error, node, "perm is not a permutation");
          seen[a] = TRUE;
          perm[d] = a;
        }
    }
  else
    for (int d = 0; d < x->ndim; d++)
      perm[d] = x->ndim - 1 - d;
  gint64 dims[RANK_MAX], st[RANK_MAX];
  for (int d = 0; d < x->ndim; d++)
    dims[d] = x->dims[perm[d]];
  strides_of (x->ndim, x->dims, st);
  FmTensor *t = new_like (node->outputs[0], x->type, x->ndim, dims, error);
  if (!t)
    return FALSE;
  gint64 coord[RANK_MAX] = { 0 };
  for (gsize i = 0; i < t->n; i++)
    {
      gsize src = 0;
      for (int d = 0; d < x->ndim; d++)
        src += (gsize) (coord[d] * st[perm[d]]);
      if (x->type == FM_TENSOR_FLOAT)
        t->f[i] = x->f[src];
      else
        t->i[i] = x->i[src];
      for (int d = x->ndim - 1; d >= 0; d--)
        if (++coord[d] < dims[d])
          break;
        else
          coord[d] = 0;
    }
  *out = t;
  return TRUE;
}

/* Slice: attributes (opset < 10) or inputs starts, ends, axes, steps. */
static gboolean
op_slice (const FmNetNode *node, const FmTensor *const *in, int n_in, FmTensor **out,
          GError **error)
{
  const FmTensor *x = in[0];
  gint64 starts[RANK_MAX], ends[RANK_MAX], axes[RANK_MAX], steps[RANK_MAX];
  int ns = 0, ne = 0, na = 0, nst = 0;
  const FmNetAttr *as = fm_net_node_attr (node, "starts"), *ae = fm_net_node_attr (node, "ends");
  if (as && ae)
    {
      const FmNetAttr *aa = fm_net_node_attr (node, "axes");
      if (as->type != FM_ATTR_INTS || ae->type != FM_ATTR_INTS || as->n > RANK_MAX
          || ae->n > RANK_MAX || (aa && (aa->type != FM_ATTR_INTS || aa->n > RANK_MAX)))
        return fail (error, node, "starts, ends and axes must be lists of integers");
      ns = as->n, ne = ae->n;
      memcpy (starts, as->ints, ns * sizeof (gint64));
      memcpy (ends, ae->ints, ne * sizeof (gint64));
      if (aa)
        {
          na = aa->n;
          memcpy (axes, aa->ints, na * sizeof (gint64));
        }
    }
  else
    {
      if (n_in < 3 || !in[1] || !in[2]
          || !fm_net_const_ints (in[1], starts, RANK_MAX, &ns)
          || !fm_net_const_ints (in[2], ends, RANK_MAX, &ne)
          || (n_in > 3 && in[3] && !fm_net_const_ints (in[3], axes, RANK_MAX, &na))
          || (n_in > 4 && in[4] && !fm_net_const_ints (in[4], steps, RANK_MAX, &nst)))
        return fail (error, node, "needs constant starts and ends");
    }
  if (ns != ne || (na && na != ns) || (nst && nst != ns))
    return fail (error, node, "starts, ends, axes and steps differ in length");
  if (!na)
    for (int i = 0; i < ns; i++)
      axes[i] = i;
  if (!nst)
    for (int i = 0; i < ns; i++)
      steps[i] = 1;

  gint64 first[RANK_MAX], step[RANK_MAX], dims[RANK_MAX];
  for (int d = 0; d < x->ndim; d++)
    first[d] = 0, step[d] = 1, dims[d] = x->dims[d];
  for (int i = 0; i < ns; i++)
    {
      int a = norm_axis (axes[i], x->ndim);
      if (a < 0)
        return fail (error, node, "axis %" G_GINT64_FORMAT " out of range", axes[i]);
      if (steps[i] == 0 || steps[i] < -G_MAXINT32 || steps[i] > G_MAXINT32)
        return fail (error, node, "step %" G_GINT64_FORMAT ": must be nonzero and fit 32 bits",
                     steps[i]);
      gint64 n = x->dims[a], s = starts[i], e = ends[i];
      if (s < 0)
        s += n;
      if (e < 0)
        e += n;
      if (steps[i] > 0)
        {
          s = CLAMP (s, 0, n);
          e = CLAMP (e, 0, n);
          dims[a] = e > s ? (e - s + steps[i] - 1) / steps[i] : 0;
        }
      else
        {
          s = CLAMP (s, -1, n - 1);
          e = CLAMP (e, -1, n - 1);
          dims[a] = s > e ? (s - e + (-steps[i]) - 1) / (-steps[i]) : 0;
        }
      first[a] = s;
      step[a] = steps[i];
    }
  gint64 st[RANK_MAX];
  strides_of (x->ndim, x->dims, st);
  FmTensor *t = new_like (node->outputs[0], x->type, x->ndim, dims, error);
  if (!t)
    return FALSE;
  gint64 coord[RANK_MAX] = { 0 };
  for (gsize i = 0; i < t->n; i++)
    {
      gsize src = 0;
      for (int d = 0; d < x->ndim; d++)
        src += (gsize) ((first[d] + coord[d] * step[d]) * st[d]);
      if (x->type == FM_TENSOR_FLOAT)
        t->f[i] = x->f[src];
      else
        t->i[i] = x->i[src];
      for (int d = x->ndim - 1; d >= 0; d--)
        if (++coord[d] < dims[d])
          break;
        else
          coord[d] = 0;
    }
  *out = t;
  return TRUE;
}

static gboolean
op_constant_of_shape (const FmNetNode *node, const FmTensor *shape, FmTensor **out,
                      GError **error)
{
  gint64 dims[RANK_MAX];
  int n;
  if (!fm_net_const_ints (shape, dims, RANK_MAX, &n))
    return fail (error, node, "the shape must be at most %d integers", RANK_MAX);
  const FmNetAttr *at = fm_net_node_attr (node, "value");
  FmTensorType type = FM_TENSOR_FLOAT;
  double v = 0.0;
  if (at && at->type == FM_ATTR_TENSOR && at->t && at->t->n == 1)
    {
      type = at->t->type;
      v = get_d (at->t, 0);
    }
  FmTensor *t = new_like (node->outputs[0], type, n, dims, error);
  if (!t)
    return FALSE;
  for (gsize i = 0; i < t->n; i++)
    set_d (t, i, v);
  *out = t;
  return TRUE;
}

static gboolean
op_range (const FmNetNode *node, const FmTensor *const *in, FmTensor **out, GError **error)
{
  if (in[0]->n != 1 || in[1]->n != 1 || in[2]->n != 1)
    return fail (error, node, "start, limit and delta must be scalars");
  double s = get_d (in[0], 0), l = get_d (in[1], 0), d = get_d (in[2], 0);
  if (d == 0 || !isfinite (s) || !isfinite (l) || !isfinite (d))
    return fail (error, node, "delta 0 or a bound not finite");
  double count = ceil ((l - s) / d);
  gint64 n = count > 0 ? (gint64) MIN (count, (double) FM_NET_MAX_TENSOR_ELEMS + 1) : 0;
  FmTensorType type = in[0]->type;
  FmTensor *t = new_like (node->outputs[0], type, 1, &n, error);
  if (!t)
    return FALSE;
  for (gsize i = 0; i < t->n; i++)
    set_d (t, i, s + d * (double) i);
  *out = t;
  return TRUE;
}

/* Shape (opset 15's start and end) and Size of a constant. */
static gboolean
op_shape (const FmNetNode *node, const FmTensor *x, FmTensor **out, GError **error)
{
  if (!strcmp (node->op, "Size"))
    {
      FmTensor *t = new_like (node->outputs[0], FM_TENSOR_INT64, 0, NULL, error);
      if (!t)
        return FALSE;
      t->i[0] = (gint64) x->n;
      *out = t;
      return TRUE;
    }
  gint64 start = fm_net_node_attr_int (node, "start", 0);
  gint64 end = fm_net_node_attr_int (node, "end", x->ndim);
  if (start < 0)
    start += x->ndim;
  if (end < 0)
    end += x->ndim;
  start = CLAMP (start, 0, x->ndim);
  end = CLAMP (end, start, x->ndim);
  gint64 n = end - start;
  FmTensor *t = new_like (node->outputs[0], FM_TENSOR_INT64, 1, &n, error);
  if (!t)
    return FALSE;
  memcpy (t->i, x->dims + start, n * sizeof (gint64));
  *out = t;
  return TRUE;
}

/* name, the least inputs it needs present. */
static const struct { const char *op; int min_in; } known_ops[] = {
  { "Constant", 0 }, { "Identity", 1 }, { "Cast", 1 }, { "Add", 2 }, { "Sub", 2 },
  { "Mul", 2 }, { "Div", 2 }, { "Neg", 1 }, { "Floor", 1 }, { "Ceil", 1 },
  { "Unsqueeze", 1 }, { "Squeeze", 1 }, { "Reshape", 1 }, { "Concat", 1 },
  { "Gather", 2 }, { "Transpose", 1 }, { "Slice", 1 }, { "ConstantOfShape", 1 },
  { "Range", 3 }, { "Shape", 1 }, { "Size", 1 },
};

gboolean
fm_net_const_knows (const char *op)
{
  for (gsize i = 0; i < G_N_ELEMENTS (known_ops); i++)
    if (!strcmp (known_ops[i].op, op))
      return TRUE;
  return FALSE;
}

gboolean
fm_net_const_eval (const FmNetNode *node, const FmTensor *const *in, int n_in,
                   FmTensor **out, gboolean *handled, GError **error)
{
  const char *op = node->op;
  *out = NULL;
  *handled = FALSE;
  if (node->domain && *node->domain && strcmp (node->domain, "ai.onnx"))
    return TRUE;
  int min_in = -1;
  for (gsize i = 0; i < G_N_ELEMENTS (known_ops); i++)
    if (!strcmp (known_ops[i].op, op))
      min_in = known_ops[i].min_in;
  if (min_in < 0)
    return TRUE;
  *handled = TRUE;
  if (node->n_outputs < 1)
    return fail (error, node, "has no output");
  if (n_in < min_in)
    return fail (error, node, "needs %d inputs", min_in);
  for (int i = 0; i < min_in; i++)
    if (!in[i])
      return fail (error, node, "input %d is missing", i);

  if (!strcmp (op, "Constant"))
    return op_constant (node, out, error);
  if (!strcmp (op, "Identity"))
    return op_copy (node, in[0], in[0]->type, out, error);
  if (!strcmp (op, "Cast"))
    return op_cast (node, in[0], out, error);
  if (!strcmp (op, "Add") || !strcmp (op, "Sub") || !strcmp (op, "Mul") || !strcmp (op, "Div"))
    return op_binary (node, in[0], in[1], out, error);
  if (!strcmp (op, "Neg") || !strcmp (op, "Floor") || !strcmp (op, "Ceil"))
    return op_unary (node, in[0], out, error);
  if (!strcmp (op, "Unsqueeze"))
    return op_unsqueeze (node, in, n_in, out, error);
  if (!strcmp (op, "Squeeze"))
    return op_squeeze (node, in, n_in, out, error);
  if (!strcmp (op, "Reshape"))
    return op_reshape (node, in, n_in, out, error);
  if (!strcmp (op, "Concat"))
    {
      for (int i = 0; i < n_in; i++)
        if (!in[i])
          return fail (error, node, "input %d is missing", i);
      return op_concat (node, in, n_in, out, error);
    }
  if (!strcmp (op, "Gather"))
    return op_gather (node, in, out, error);
  if (!strcmp (op, "Transpose"))
    return op_transpose (node, in[0], out, error);
  if (!strcmp (op, "Slice"))
    return op_slice (node, in, n_in, out, error);
  if (!strcmp (op, "ConstantOfShape"))
    return op_constant_of_shape (node, in[0], out, error);
  if (!strcmp (op, "Range"))
    return op_range (node, in, out, error);
  if (!strcmp (op, "Shape") || !strcmp (op, "Size"))
    return op_shape (node, in[0], out, error);
  g_return_val_if_reached (FALSE);
}
