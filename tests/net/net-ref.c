/* net-ref: the reference for the planner's tests (net-ref.h). */
#include "net-ref.h"

#include <math.h>
#include <string.h>

RefNet *
ref_net_new (int opset, guint32 seed)
{
  RefNet *rn = g_new0 (RefNet, 1);
  rn->g = fm_net_graph_new ("test.onnx", "onnx");
  rn->g->opset = opset;
  rn->opset = opset;
  rn->rng = g_rand_new_with_seed (seed);
  rn->vals = g_ptr_array_new ();
  return rn;
}

static void
val_free (RefVal *v)
{
  g_free (v->name);
  g_free (v->node);
  g_free (v->v);
  g_free (v);
}

void
ref_net_free (RefNet *rn)
{
  for (guint i = 0; i < rn->vals->len; i++)
    val_free (g_ptr_array_index (rn->vals, i));
  g_ptr_array_unref (rn->vals);
  fm_net_graph_free (rn->g);
  g_rand_free (rn->rng);
  g_free (rn);
}

static RefVal *
new_val (RefNet *rn, const char *node, int c, int h, int w)
{
  RefVal *v = g_new0 (RefVal, 1);
  v->node = g_strdup (node);
  v->name = g_strdup_printf ("%s_out", node);
  v->c = c;
  v->h = h;
  v->w = w;
  v->v = g_new0 (float, (gsize) c * h * w);
  g_ptr_array_add (rn->vals, v);
  return v;
}

static float
at (const RefVal *x, int c, int y, int xx)
{
  return x->v[((gsize) c * x->h + y) * x->w + xx];
}

static float
rnd (RefNet *rn)
{
  return (float) g_rand_double_range (rn->rng, -1.0, 1.0);
}

static char *
next_name (RefNet *rn, const char *op)
{
  return g_strdup_printf ("%s%d", op, ++rn->n);
}

static const char *
add_tensor (RefNet *rn, const char *name, FmTensorType type, int ndim, const gint64 *dims,
            const float *f, const gint64 *i)
{
  FmTensor *t = fm_tensor_new (name, type, ndim, dims, NULL);
  g_assert (t);
  if (f)
    memcpy (t->f, f, t->n * sizeof (float));
  if (i)
    memcpy (t->i, i, t->n * sizeof (gint64));
  g_assert (fm_net_graph_add_initializer (rn->g, t, NULL));
  return t->name;
}

static FmNetNode *
add_node (RefNet *rn, const char *name, const char *op, int n_in, const char *const *in,
          const char *out)
{
  FmNetNode *node = fm_net_node_new (name, op, n_in, in, 1, &out);
  fm_net_graph_add_node (rn->g, node);
  return node;
}

static void
set_ints (FmNetNode *node, const char *name, int n, const gint64 *v)
{
  FmNetAttr *a = fm_net_node_add_attr (node, name, FM_ATTR_INTS);
  a->n = n;
  a->ints = g_memdup2 (v, n * sizeof (gint64));
}

static void
set_int (FmNetNode *node, const char *name, gint64 v)
{
  fm_net_node_add_attr (node, name, FM_ATTR_INT)->i = v;
}

static void
set_float (FmNetNode *node, const char *name, float v)
{
  fm_net_node_add_attr (node, name, FM_ATTR_FLOAT)->f = v;
}

static void
set_string (FmNetNode *node, const char *name, const char *v)
{
  fm_net_node_add_attr (node, name, FM_ATTR_STRING)->s = g_strdup (v);
}

/* A Constant node holding a tensor (how exporters write small inputs). */
static char *
constant_node (RefNet *rn, FmTensorType type, int ndim, const gint64 *dims, const float *f,
               const gint64 *i)
{
  g_autofree char *name = next_name (rn, "Constant");
  char *out = g_strdup_printf ("%s_out", name);
  FmNetNode *node = add_node (rn, name, "Constant", 0, NULL, out);
  FmNetAttr *a = fm_net_node_add_attr (node, "value", FM_ATTR_TENSOR);
  a->t = fm_tensor_new ("value", type, ndim, dims, NULL);
  if (f)
    memcpy (a->t->f, f, a->t->n * sizeof (float));
  if (i)
    memcpy (a->t->i, i, a->t->n * sizeof (gint64));
  return out;
}

RefVal *
ref_input (RefNet *rn, int c, int h, int w)
{
  RefVal *v = g_new0 (RefVal, 1);
  v->name = g_strdup ("x");
  v->node = g_strdup ("x");
  v->c = c;
  v->h = h;
  v->w = w;
  v->v = g_new (float, (gsize) c * h * w);
  for (gsize i = 0; i < (gsize) c * h * w; i++)
    v->v[i] = rnd (rn);
  g_ptr_array_add (rn->vals, v);
  FmNetValueInfo *vi = g_new0 (FmNetValueInfo, 1);
  vi->name = g_strdup ("x");
  vi->ndim = 4;
  vi->dims[0] = 1;
  vi->dims[1] = c;
  vi->dims[2] = vi->dims[3] = -1;
  g_ptr_array_add (rn->g->inputs, vi);
  return v;
}

/* ONNX's rules, written out again here on purpose. */
static void
resolve_pads (const RefWindow *win, int n, int k, int s, int d, int axis, int *b, int *e)
{
  int dk = (k - 1) * d + 1;
  *b = win->pads[axis];
  *e = win->pads[axis + 2];
  if (win->auto_pad && !strncmp (win->auto_pad, "SAME", 4))
    {
      int out = (n + s - 1) / s;
      int total = (out - 1) * s + dk - n;
      if (total < 0)
        total = 0;
      if (!strcmp (win->auto_pad, "SAME_UPPER"))
        *b = total / 2;
      else
        *b = (total + 1) / 2;
      *e = total - *b;
    }
  else if (win->auto_pad && !strcmp (win->auto_pad, "VALID"))
    *b = *e = 0;
}

static int
out_size (int n, int k, int s, int d, int b, int e, gboolean ceil_mode)
{
  int dk = (k - 1) * d + 1;
  double o = (double) (n + b + e - dk) / s + 1;
  int out = ceil_mode ? (int) ceil (o) : (int) floor (o);
  if (ceil_mode && (out - 1) * s >= n + b)
    out--;
  return out;
}

static void
window_attrs (RefNet *rn, FmNetNode *node, const RefWindow *win, gboolean pool)
{
  (void) rn;
  gint64 v[4];
  if (win->sy || win->sx)
    {
      v[0] = win->sy ? win->sy : 1;
      v[1] = win->sx ? win->sx : 1;
      set_ints (node, "strides", 2, v);
    }
  if (win->dy || win->dx)
    {
      v[0] = win->dy ? win->dy : 1;
      v[1] = win->dx ? win->dx : 1;
      set_ints (node, "dilations", 2, v);
    }
  if (win->auto_pad)
    set_string (node, "auto_pad", win->auto_pad);
  else if (win->pads[0] || win->pads[1] || win->pads[2] || win->pads[3])
    {
      for (int i = 0; i < 4; i++)
        v[i] = win->pads[i];
      set_ints (node, "pads", 4, v);
    }
  if (pool && win->ceil_mode)
    set_int (node, "ceil_mode", 1);
  if (pool && win->count_include_pad)
    set_int (node, "count_include_pad", 1);
}

RefVal *
ref_conv (RefNet *rn, RefVal *x, int k, int kh, int kw, int group, const RefWindow *win,
          gboolean bias)
{
  g_autofree char *name = next_name (rn, "conv");
  g_autofree char *wn = g_strdup_printf ("%s.weight", name);
  g_autofree char *bn = g_strdup_printf ("%s.bias", name);
  const int cg = x->c / group;
  gint64 wd[4] = { k, cg, kh, kw }, bd[1] = { k };
  gsize nw = (gsize) k * cg * kh * kw;
  float *w = g_new (float, nw), *b = g_new0 (float, k);
  for (gsize i = 0; i < nw; i++)
    w[i] = rnd (rn);
  for (int i = 0; bias && i < k; i++)
    b[i] = rnd (rn);
  add_tensor (rn, wn, FM_TENSOR_FLOAT, 4, wd, w, NULL);
  if (bias)
    add_tensor (rn, bn, FM_TENSOR_FLOAT, 1, bd, b, NULL);

  int sy = win->sy ? win->sy : 1, sx = win->sx ? win->sx : 1;
  int dy = win->dy ? win->dy : 1, dx = win->dx ? win->dx : 1;
  int pt, pb, pl, pr;
  resolve_pads (win, x->h, kh, sy, dy, 0, &pt, &pb);
  resolve_pads (win, x->w, kw, sx, dx, 1, &pl, &pr);
  int oh = out_size (x->h, kh, sy, dy, pt, pb, FALSE);
  int ow = out_size (x->w, kw, sx, dx, pl, pr, FALSE);
  RefVal *o = new_val (rn, name, k, oh, ow);
  const char *in[3] = { x->name, wn, bn };
  FmNetNode *node = add_node (rn, name, "Conv", bias ? 3 : 2, in, o->name);
  if (group != 1)
    set_int (node, "group", group);
  gint64 ks[2] = { kh, kw };
  set_ints (node, "kernel_shape", 2, ks);
  window_attrs (rn, node, win, FALSE);

  for (int f = 0; f < k; f++)
    {
      int g = f / (k / group);
      for (int y = 0; y < oh; y++)
        for (int xx = 0; xx < ow; xx++)
          {
            double sum = b[f];
            for (int c = 0; c < cg; c++)
              for (int a = 0; a < kh; a++)
                for (int bb = 0; bb < kw; bb++)
                  {
                    int iy = y * sy - pt + a * dy, ix = xx * sx - pl + bb * dx;
                    if (iy < 0 || iy >= x->h || ix < 0 || ix >= x->w)
                      continue;
                    sum += (double) w[(((gsize) f * cg + c) * kh + a) * kw + bb]
                           * at (x, g * cg + c, iy, ix);
                  }
            o->v[((gsize) f * oh + y) * ow + xx] = (float) sum;
          }
    }
  g_free (w);
  g_free (b);
  return o;
}

RefVal *
ref_pool (RefNet *rn, RefVal *x, gboolean is_max, int kh, int kw, const RefWindow *win)
{
  g_autofree char *name = next_name (rn, is_max ? "maxpool" : "avgpool");
  int sy = win->sy ? win->sy : 1, sx = win->sx ? win->sx : 1;
  int dy = win->dy ? win->dy : 1, dx = win->dx ? win->dx : 1;
  int pt, pb, pl, pr;
  resolve_pads (win, x->h, kh, sy, dy, 0, &pt, &pb);
  resolve_pads (win, x->w, kw, sx, dx, 1, &pl, &pr);
  int oh = out_size (x->h, kh, sy, dy, pt, pb, win->ceil_mode);
  int ow = out_size (x->w, kw, sx, dx, pl, pr, win->ceil_mode);
  RefVal *o = new_val (rn, name, x->c, oh, ow);
  FmNetNode *node = add_node (rn, name, is_max ? "MaxPool" : "AveragePool", 1,
                              (const char *const *) &x->name, o->name);
  gint64 ks[2] = { kh, kw };
  set_ints (node, "kernel_shape", 2, ks);
  window_attrs (rn, node, win, TRUE);

  for (int c = 0; c < x->c; c++)
    for (int y = 0; y < oh; y++)
      for (int xx = 0; xx < ow; xx++)
        {
          double acc = is_max ? -INFINITY : 0.0;
          int count = 0;
          for (int a = 0; a < kh; a++)
            for (int b = 0; b < kw; b++)
              {
                int iy = y * sy - pt + a * dy, ix = xx * sx - pl + b * dx;
                gboolean inside = iy >= 0 && iy < x->h && ix >= 0 && ix < x->w;
                gboolean padded = iy >= -pt && iy < x->h + pb && ix >= -pl && ix < x->w + pr;
                if (win->count_include_pad ? padded : inside)
                  count++;
                if (!inside)
                  continue;
                double v = at (x, c, iy, ix);
                acc = is_max ? MAX (acc, v) : acc + v;
              }
          o->v[((gsize) c * oh + y) * ow + xx] = (float) (is_max ? acc : count ? acc / count : 0);
        }
  return o;
}

static int
border (const char *mode, int i, int n)
{
  if (i >= 0 && i < n)
    return i;
  if (!strcmp (mode, "edge"))
    return i < 0 ? 0 : n - 1;
  if (!strcmp (mode, "reflect"))
    {
      while (i < 0 || i >= n)
        i = i < 0 ? -i : 2 * (n - 1) - i;
      return i;
    }
  return -1;
}

RefVal *
ref_pad (RefNet *rn, RefVal *x, const char *mode, const int *pads, float value)
{
  g_autofree char *name = next_name (rn, "pad");
  int oh = x->h + pads[0] + pads[2], ow = x->w + pads[1] + pads[3];
  RefVal *o = new_val (rn, name, x->c, oh, ow);
  gint64 p8[8] = { 0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3] };
  FmNetNode *node;
  if (rn->opset >= 11)
    {
      /* As torch writes it: the pads through a Constant and a Cast. */
      gint64 d8 = 8;
      g_autofree char *pc = constant_node (rn, FM_TENSOR_INT64, 1, &d8, NULL, p8);
      g_autofree char *cast = next_name (rn, "Cast");
      g_autofree char *cast_out = g_strdup_printf ("%s_out", cast);
      FmNetNode *cn = add_node (rn, cast, "Cast", 1, (const char *const *) &pc, cast_out);
      set_int (cn, "to", 7);
      g_autofree char *vc = constant_node (rn, FM_TENSOR_FLOAT, 0, NULL, &value, NULL);
      const char *in[3] = { x->name, cast_out, vc };
      node = add_node (rn, name, "Pad", strcmp (mode, "constant") ? 2 : 3, in, o->name);
    }
  else
    {
      node = add_node (rn, name, "Pad", 1, (const char *const *) &x->name, o->name);
      set_ints (node, "pads", 8, p8);
      if (value != 0.0f)
        set_float (node, "value", value);
    }
  set_string (node, "mode", mode);
  for (int c = 0; c < x->c; c++)
    for (int y = 0; y < oh; y++)
      for (int xx = 0; xx < ow; xx++)
        {
          int iy = border (mode, y - pads[0], x->h), ix = border (mode, xx - pads[1], x->w);
          o->v[((gsize) c * oh + y) * ow + xx] = iy < 0 || ix < 0 ? value : at (x, c, iy, ix);
        }
  return o;
}

RefVal *
ref_batchnorm (RefNet *rn, RefVal *x)
{
  g_autofree char *name = next_name (rn, "bn");
  RefVal *o = new_val (rn, name, x->c, x->h, x->w);
  float *p[4];
  const char *in[5] = { x->name };
  char *names[4];
  static const char *const what[4] = { "weight", "bias", "running_mean", "running_var" };
  gint64 d = x->c;
  for (int i = 0; i < 4; i++)
    {
      p[i] = g_new (float, x->c);
      for (int c = 0; c < x->c; c++)
        p[i][c] = i == 3 ? 0.2f + (float) g_rand_double (rn->rng) : rnd (rn);
      names[i] = g_strdup_printf ("%s.%s", name, what[i]);
      add_tensor (rn, names[i], FM_TENSOR_FLOAT, 1, &d, p[i], NULL);
      in[i + 1] = names[i];
    }
  FmNetNode *node = add_node (rn, name, "BatchNormalization", 5, in, o->name);
  set_float (node, "epsilon", 1e-3f);
  for (int c = 0; c < x->c; c++)
    for (gsize i = 0; i < (gsize) x->h * x->w; i++)
      {
        gsize j = (gsize) c * x->h * x->w + i;
        o->v[j] = (float) ((x->v[j] - p[2][c]) / sqrt (p[3][c] + 1e-3) * p[0][c] + p[1][c]);
      }
  for (int i = 0; i < 4; i++)
    {
      g_free (p[i]);
      g_free (names[i]);
    }
  return o;
}

RefVal *
ref_act (RefNet *rn, RefVal *x, const char *op, float alpha, float lo, float hi)
{
  g_autofree char *name = next_name (rn, op);
  RefVal *o = new_val (rn, name, x->c, x->h, x->w);
  FmNetNode *node;
  if (!strcmp (op, "Clip") && rn->opset >= 11)
    {
      g_autofree char *a = constant_node (rn, FM_TENSOR_FLOAT, 0, NULL, &lo, NULL);
      g_autofree char *b = constant_node (rn, FM_TENSOR_FLOAT, 0, NULL, &hi, NULL);
      const char *in[3] = { x->name, a, b };
      node = add_node (rn, name, op, 3, in, o->name);
    }
  else
    {
      node = add_node (rn, name, op, 1, (const char *const *) &x->name, o->name);
      if (!strcmp (op, "Clip"))
        {
          set_float (node, "min", lo);
          set_float (node, "max", hi);
        }
      if (!strcmp (op, "LeakyRelu"))
        set_float (node, "alpha", alpha);
    }
  for (gsize i = 0; i < (gsize) x->c * x->h * x->w; i++)
    {
      double v = x->v[i];
      if (!strcmp (op, "Relu"))
        v = v > 0 ? v : 0;
      else if (!strcmp (op, "LeakyRelu"))
        v = v >= 0 ? v : alpha * v;
      else if (!strcmp (op, "Sigmoid"))
        v = 1 / (1 + exp (-v));
      else if (!strcmp (op, "Tanh"))
        v = tanh (v);
      else
        v = MIN (MAX (v, lo), hi);
      o->v[i] = (float) v;
    }
  return o;
}

static RefVal *
binary (RefNet *rn, RefVal *a, RefVal *b, const char *op)
{
  g_autofree char *name = next_name (rn, op);
  RefVal *o = new_val (rn, name, a->c, a->h, a->w);
  const char *in[2] = { a->name, b->name };
  add_node (rn, name, op, 2, in, o->name);
  for (gsize i = 0; i < (gsize) a->c * a->h * a->w; i++)
    o->v[i] = !strcmp (op, "Add") ? a->v[i] + b->v[i] : a->v[i] * b->v[i];
  return o;
}

RefVal *
ref_add (RefNet *rn, RefVal *a, RefVal *b)
{
  return binary (rn, a, b, "Add");
}

RefVal *
ref_mul (RefNet *rn, RefVal *a, RefVal *b)
{
  return binary (rn, a, b, "Mul");
}

RefVal *
ref_arith_const (RefNet *rn, RefVal *x, const char *op)
{
  g_autofree char *name = next_name (rn, op);
  g_autofree char *kn = g_strdup_printf ("%s.k", name);
  RefVal *o = new_val (rn, name, x->c, x->h, x->w);
  float *k = g_new (float, x->c);
  for (int c = 0; c < x->c; c++)
    k[c] = 0.5f + (float) g_rand_double (rn->rng);
  gint64 d[4] = { 1, x->c, 1, 1 };
  add_tensor (rn, kn, FM_TENSOR_FLOAT, 4, d, k, NULL);
  const char *in[2] = { x->name, kn };
  add_node (rn, name, op, 2, in, o->name);
  for (int c = 0; c < x->c; c++)
    for (gsize i = 0; i < (gsize) x->h * x->w; i++)
      {
        gsize j = (gsize) c * x->h * x->w + i;
        double v = x->v[j];
        o->v[j] = (float) (!strcmp (op, "Add") ? v + k[c] : !strcmp (op, "Sub") ? v - k[c]
                           : !strcmp (op, "Mul") ? v * k[c] : v / k[c]);
      }
  g_free (k);
  return o;
}

RefVal *
ref_concat (RefNet *rn, RefVal *const *xs, int n)
{
  g_autofree char *name = next_name (rn, "concat");
  int c = 0;
  const char **in = g_new (const char *, n);
  for (int i = 0; i < n; i++)
    {
      c += xs[i]->c;
      in[i] = xs[i]->name;
    }
  RefVal *o = new_val (rn, name, c, xs[0]->h, xs[0]->w);
  FmNetNode *node = add_node (rn, name, "Concat", n, in, o->name);
  set_int (node, "axis", 1);
  gsize plane = (gsize) o->h * o->w, off = 0;
  for (int i = 0; i < n; i++)
    {
      memcpy (o->v + off, xs[i]->v, xs[i]->c * plane * sizeof (float));
      off += xs[i]->c * plane;
    }
  g_free (in);
  return o;
}

RefVal *
ref_identity (RefNet *rn, RefVal *x, const char *op)
{
  g_autofree char *name = next_name (rn, op);
  RefVal *o = new_val (rn, name, x->c, x->h, x->w);
  add_node (rn, name, op, 1, (const char *const *) &x->name, o->name);
  memcpy (o->v, x->v, (gsize) x->c * x->h * x->w * sizeof (float));
  return o;
}

RefVal *
ref_opaque (RefNet *rn, RefVal *x, const char *op)
{
  g_autofree char *name = next_name (rn, op);
  RefVal *o = new_val (rn, name, x->c, x->h, x->w);
  add_node (rn, name, op, 1, (const char *const *) &x->name, o->name);
  return o;
}

gboolean
ref_close (const float *got, const RefVal *want, double rel, double *worst)
{
  gsize n = (gsize) want->c * want->h * want->w;
  double peak = 0, diff = 0;
  for (gsize i = 0; i < n; i++)
    {
      peak = MAX (peak, fabs (want->v[i]));
      double d = fabs ((double) got[i] - want->v[i]);
      if (!(d <= diff))
        diff = isnan (d) ? INFINITY : d;
    }
  double tol = peak > 0 ? rel * peak : 1e-6;
  *worst = peak > 0 ? diff / peak : diff;
  return diff <= tol;
}
