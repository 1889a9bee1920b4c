/* fm-keras-prep: Rescaling and Normalization layers.
 *
 * Keras models often carry their preprocessing as their first layers:
 * Rescaling(1/255) for a model fed 0..255 images, Normalization(mean,
 * variance) adapted on the training data.  Where such layers sit right at
 * the model's only input (each the only reader of the one before), they
 * become the graph's input declaration, so every front end prepares the
 * image the way the model expects without the user saying anything.  The
 * layers stay as Identity nodes under their names (MODEL#rescaling still
 * names the prepared input).  Elsewhere they become Mul / Add nodes.
 *
 * The declaration (fm-input-decl.h) maps a perceptual pixel value v in
 * 0..1 to (v · range − mean[c]) / std[c].  The folded layers compose to
 * a[c] · X + b[c] of the raw input X; with X = v · range that is std[c] =
 * 1 / a[c], mean[c] = −b[c] / a[c].  The range: 255 when a Rescaling layer
 * is among them (Keras's own use of it: "to rescale an input in the
 * [0, 255] range"); for Normalization alone, 255 when a mean exceeds 1
 * (statistics of 0..1 data cannot), else 1. */
#include <math.h>
#include <string.h>

#include "fm-keras-private.h"
#include "fm-input-decl.h"

typedef struct {
  int n;                      /* 1, or the channel count */
  double a[FM_INPUT_DECL_MAX_CHANNELS], b[FM_INPUT_DECL_MAX_CHANNELS];
} Affine;

static const FmNetAttr *
floats_attr (const FmNetNode *n, const char *name)
{
  const FmNetAttr *a = fm_net_node_attr (n, name);
  return a && a->type == FM_ATTR_FLOATS && a->n >= 1 ? a : NULL;
}

void
fm_keras_affine_free (FmKerasAffine *a)
{
  if (!a)
    return;
  g_free (a->scale);
  g_free (a->offset);
  g_free (a);
}

/* x → scale · x + offset after the affine so far; FALSE when the result
 * cannot be declared (more channels than a declaration holds, a scale
 * that is not positive, lengths that do not match the input). */
static gboolean
compose (Affine *f, const FmKerasAffine *p, gint64 channels)
{
  if (!p || p->n_scale < 1 || p->n_offset < 1)
    return FALSE;
  int n = MAX (f->n, MAX (p->n_scale, p->n_offset));
  if (n > FM_INPUT_DECL_MAX_CHANNELS || (channels > 0 && n > 1 && n != channels)
      || (p->n_scale > 1 && p->n_scale != n) || (p->n_offset > 1 && p->n_offset != n))
    return FALSE;
  Affine g = { .n = n };
  for (int c = 0; c < n; c++)
    {
      double sc = p->scale[p->n_scale > 1 ? c : 0], of = p->offset[p->n_offset > 1 ? c : 0];
      double a = f->a[f->n > 1 ? c : 0], b = f->b[f->n > 1 ? c : 0];
      if (!(sc > 0) || !isfinite (sc) || !isfinite (of))
        return FALSE;
      g.a[c] = sc * a;
      g.b[c] = sc * b + of;
    }
  *f = g;
  return TRUE;
}

static void
make_identity (FmNetNode *n)
{
  g_free (n->op);
  n->op = g_strdup ("Identity");
  g_free (n->domain);
  n->domain = g_strdup ("");
  for (int k = 0; k < n->n_attrs; k++)
    {
      FmNetAttr *a = &n->attrs[k];
      g_free (a->name);
      g_free (a->s);
      g_free (a->ints);
      g_free (a->floats);
      fm_tensor_free (a->t);
    }
  g_clear_pointer (&n->attrs, g_free);
  n->n_attrs = 0;
}

static int
readers (const FmNetGraph *g, const char *tensor)
{
  int count = 0;
  for (guint k = 0; k < g->nodes->len; k++)
    {
      const FmNetNode *n = g->nodes->pdata[k];
      for (int i = 0; i < n->n_inputs; i++)
        count += !strcmp (n->inputs[i], tensor);
    }
  for (guint k = 0; k < g->outputs->len; k++)
    count += !strcmp (((FmNetValueInfo *) g->outputs->pdata[k])->name, tensor);
  return count;
}

static FmNetNode *
only_reader (const FmNetGraph *g, const char *tensor)
{
  if (readers (g, tensor) != 1)
    return NULL;
  for (guint k = 0; k < g->nodes->len; k++)
    {
      FmNetNode *n = g->nodes->pdata[k];
      if (n->n_inputs >= 1 && !strcmp (n->inputs[0], tensor))
        return n;
    }
  return NULL;
}

static gboolean
is_affine (const FmNetNode *n)
{
  return !strcmp (n->op, FM_KERAS_AFFINE_OP) && !strcmp (n->domain, FM_KERAS_AFFINE_DOMAIN);
}

static void
fold_at_input (FmNetGraph *g, GHashTable *affines)
{
  if (g->inputs->len != 1)
    return;   /* one declaration serves one input */
  const FmNetValueInfo *in = g->inputs->pdata[0];
  gint64 channels = in->ndim >= 2 ? in->dims[1] : -1;
  Affine f = { .n = 1, .a = { 1 }, .b = { 0 } };
  gboolean rescaling = FALSE, any = FALSE;
  const char *t = in->name;
  FmNetNode *n;
  while ((n = only_reader (g, t)) && is_affine (n))
    {
      const FmKerasAffine *p = g_hash_table_lookup (affines, n->name);
      if (!compose (&f, p, channels))
        break;
      rescaling |= p->rescaling;
      make_identity (n);
      any = TRUE;
      t = n->outputs[0];
    }
  if (!any)
    return;
  FmInputDecl *d = &g->decl;
  fm_input_decl_init (d);
  d->n_mean = d->n_std = f.n;
  gboolean large_mean = FALSE;
  for (int c = 0; c < f.n; c++)
    {
      d->std[c] = 1.0 / f.a[c];
      d->mean[c] = f.b[c] == 0 ? 0.0 : -f.b[c] / f.a[c];
      large_mean |= d->mean[c] > 1.0;
    }
  d->range = rescaling || large_mean ? 255.0 : 1.0;
  g->has_decl = TRUE;
}

static gboolean
add_vector (FmNetGraph *g, const char *name, const FmNetAttr *a, int rank,
            GError **error)
{
  gint64 dims[3] = { a->n, 1, 1 };
  int ndim = a->n == 1 ? 0 : rank == 4 ? 3 : 1;
  FmTensor *t = fm_tensor_new (name, FM_TENSOR_FLOAT, ndim, dims, error);
  if (!t)
    return FALSE;
  memcpy (t->f, a->floats, sizeof (float) * (gsize) a->n);
  return fm_net_graph_add_initializer (g, t, error);
}

static gboolean
all_equal (const FmNetAttr *a, float v)
{
  for (int k = 0; k < a->n; k++)
    if (a->floats[k] != v)
      return FALSE;
  return TRUE;
}

/* A marker left inside the network → Mul (scale) and Add (offset). */
static gboolean
expand (FmNetGraph *g, guint index, GHashTable *ranks, GError **error)
{
  FmNetNode *n = g->nodes->pdata[index];
  const FmNetAttr *s = floats_attr (n, "scale"), *o = floats_attr (n, "offset");
  int rank = GPOINTER_TO_INT (g_hash_table_lookup (ranks, n->inputs[0]));
  const char *origin = fm_net_node_attr_string (n, "keras_class", "Rescaling");
  if (!s || !o || ((s->n > 1 || o->n > 1) && rank != 4 && rank != 2))
    {
      /* a per-channel vector on a tensor of unknown rank: left to the
       * planner to name */
      g_autofree char *op = g_strdup (origin);
      g_free (n->op);
      n->op = g_steal_pointer (&op);
      g_free (n->domain);
      n->domain = g_strdup ("keras");
      return TRUE;
    }
  g_autofree char *x = g_strdup (n->inputs[0]);
  g_autofree char *out = g_strdup (n->outputs[0]);
  g_autofree char *scale = g_strdup_printf ("%s/scale", n->name);
  g_autofree char *offset = g_strdup_printf ("%s/offset", n->name);
  g_autofree char *scaled = g_strdup_printf ("%s/scaled", n->name);
  g_autofree char *name = g_strdup (n->name);
  gboolean need_mul = !all_equal (s, 1.0f), need_add = !all_equal (o, 0.0f);
  if ((need_mul && !add_vector (g, scale, s, rank, error))
      || (need_add && !add_vector (g, offset, o, rank, error)))
    return FALSE;
  GPtrArray *made = g_ptr_array_new ();
  if (!need_mul && !need_add)
    g_ptr_array_add (made, fm_net_node_new (name, "Identity", 1,
                                            (const char *const[]) { x }, 1,
                                            (const char *const[]) { out }));
  if (need_mul)
    {
      const char *mo = need_add ? scaled : out;
      g_autofree char *mn = need_add ? g_strdup_printf ("%s/mul", name) : g_strdup (name);
      g_ptr_array_add (made, fm_net_node_new (mn, "Mul", 2,
                                              (const char *const[]) { x, scale }, 1,
                                              (const char *const[]) { mo }));
    }
  if (need_add)
    g_ptr_array_add (made, fm_net_node_new (name, "Add", 2,
                                            (const char *const[]) { need_mul ? scaled : x,
                                                                    offset }, 1,
                                            (const char *const[]) { out }));
  /* replace in place, keeping the order topological */
  fm_net_node_free (g_ptr_array_steal_index (g->nodes, index));
  for (guint k = 0; k < made->len; k++)
    g_ptr_array_insert (g->nodes, (gint) (index + k), made->pdata[k]);
  g_ptr_array_unref (made);
  return TRUE;
}

gboolean
fm_keras_fold_preprocessing (FmNetGraph *graph, GHashTable *ranks, GHashTable *affines,
                             const char *file, GError **error)
{
  fold_at_input (graph, affines);
  for (guint k = 0; k < graph->nodes->len; k++)
    if (is_affine (graph->nodes->pdata[k]) && !expand (graph, k, ranks, error))
      {
        g_prefix_error (error, "%s: ", file);
        return FALSE;
      }
  return TRUE;
}
