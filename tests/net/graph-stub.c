/* TEMPORARY: the graph form's functions until branch onnx's
 * core/net/fm-net-graph.c is merged; delete then. */
#include "fm-net-graph.h"
#include <string.h>

G_DEFINE_QUARK (fm-net-error-quark, fm_net_error)

void fm_input_decl_init (FmInputDecl *d) { memset (d, 0, sizeof *d); d->range = 1.0; }

FmTensor *
fm_tensor_new (const char *name, FmTensorType type, int ndim, const gint64 *dims, GError **error)
{
  gsize n = 1;
  for (int d = 0; d < ndim; d++)
    n *= (gsize) dims[d];
  if (n > FM_NET_MAX_TENSOR_ELEMS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE, "too large");
      return NULL;
    }
  FmTensor *t = g_new0 (FmTensor, 1);
  t->name = g_strdup (name ? name : "");
  t->type = type;
  t->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    t->dims[d] = dims[d];
  t->n = n;
  if (type == FM_TENSOR_FLOAT)
    t->f = g_new0 (float, MAX (n, 1));
  else
    t->i = g_new0 (gint64, MAX (n, 1));
  return t;
}

void fm_tensor_free (FmTensor *t) { if (t) { g_free (t->name); g_free (t->f); g_free (t->i); g_free (t); } }

static char **
copy_names (int n, const char *const *names)
{
  char **out = g_new0 (char *, n + 1);
  for (int k = 0; k < n; k++)
    out[k] = g_strdup (names && names[k] ? names[k] : "");
  return out;
}

FmNetNode *
fm_net_node_new (const char *name, const char *op, int n_inputs, const char *const *inputs,
                 int n_outputs, const char *const *outputs)
{
  FmNetNode *node = g_new0 (FmNetNode, 1);
  node->name = g_strdup (name);
  node->op = g_strdup (op);
  node->domain = g_strdup ("");
  node->n_inputs = n_inputs;
  node->inputs = copy_names (n_inputs, inputs);
  node->n_outputs = n_outputs;
  node->outputs = copy_names (n_outputs, outputs);
  return node;
}

void
fm_net_node_free (FmNetNode *node)
{
  if (!node)
    return;
  g_free (node->name); g_free (node->op); g_free (node->domain);
  g_strfreev (node->inputs); g_strfreev (node->outputs);
  for (int k = 0; k < node->n_attrs; k++)
    {
      g_free (node->attrs[k].name); g_free (node->attrs[k].s); g_free (node->attrs[k].ints);
      g_free (node->attrs[k].floats); fm_tensor_free (node->attrs[k].t);
    }
  g_free (node->attrs);
  g_free (node);
}

FmNetAttr *
fm_net_node_add_attr (FmNetNode *node, const char *name, FmAttrType type)
{
  node->attrs = g_renew (FmNetAttr, node->attrs, node->n_attrs + 1);
  FmNetAttr *a = &node->attrs[node->n_attrs++];
  memset (a, 0, sizeof *a);
  a->name = g_strdup (name);
  a->type = type;
  return a;
}

const FmNetAttr *
fm_net_node_attr (const FmNetNode *node, const char *name)
{
  for (int k = 0; k < node->n_attrs; k++)
    if (!strcmp (node->attrs[k].name, name))
      return &node->attrs[k];
  return NULL;
}

gint64 fm_net_node_attr_int (const FmNetNode *n, const char *name, gint64 def)
{ const FmNetAttr *a = fm_net_node_attr (n, name); return a && a->type == FM_ATTR_INT ? a->i : def; }
float fm_net_node_attr_float (const FmNetNode *n, const char *name, float def)
{ const FmNetAttr *a = fm_net_node_attr (n, name); return a && a->type == FM_ATTR_FLOAT ? a->f : def; }
const char *fm_net_node_attr_string (const FmNetNode *n, const char *name, const char *def)
{ const FmNetAttr *a = fm_net_node_attr (n, name); return a && a->type == FM_ATTR_STRING ? a->s : def; }

static void vi_free (gpointer p) { FmNetValueInfo *v = p; g_free (v->name); g_free (v); }

FmNetGraph *
fm_net_graph_new (const char *origin, const char *format)
{
  FmNetGraph *g = g_new0 (FmNetGraph, 1);
  g->origin = g_strdup (origin);
  g->format = g_strdup (format);
  g->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_node_free);
  g->initializers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) fm_tensor_free);
  g->inputs = g_ptr_array_new_with_free_func (vi_free);
  g->outputs = g_ptr_array_new_with_free_func (vi_free);
  fm_input_decl_init (&g->decl);
  return g;
}

void
fm_net_graph_free (FmNetGraph *g)
{
  if (!g)
    return;
  g_free (g->origin); g_free (g->format); g_free (g->producer);
  g_ptr_array_unref (g->nodes); g_hash_table_unref (g->initializers);
  g_ptr_array_unref (g->inputs); g_ptr_array_unref (g->outputs);
  g_free (g);
}

gboolean
fm_net_graph_add_initializer (FmNetGraph *g, FmTensor *t, GError **error)
{
  (void) error;
  g_hash_table_insert (g->initializers, t->name, t);
  return TRUE;
}

void fm_net_graph_add_node (FmNetGraph *g, FmNetNode *node) { g_ptr_array_add (g->nodes, node); }
const FmTensor *fm_net_graph_initializer (const FmNetGraph *g, const char *name)
{ return g_hash_table_lookup (g->initializers, name); }
