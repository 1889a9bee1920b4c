/* fm-net-graph: the graph every model reader builds (fm-net-graph.h). */
#include <string.h>

#include "fm-net-graph.h"
#include "fm-text.h"

G_DEFINE_QUARK (fm-net-error-quark, fm_net_error)

/* The public struct plus what the graph keeps for its own checks: the
 * running element count add_initializer enforces.  Graphs only come from
 * fm_net_graph_new, so the cast back is safe. */
typedef struct {
  FmNetGraph pub;
  gsize total_elems;
} FmNetGraphPriv;

/* --- names in messages ----------------------------------------------------- */

char *
fm_net_escape (const char *name)
{
  /* names are quoted in '…': a quote or backslash inside is escaped first,
   * then fm_text_escape makes the rest printable and bounds the length */
  if (!name)
    return g_strdup ("(null)");
  GString *quoted = g_string_new (NULL);
  for (const char *p = name; *p; p++)
    {
      if (*p == '"' || *p == '\'' || *p == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  /* at most 200 characters, the cut at the end ("…"): a layer name's
   * head is what tells it apart */
  gsize keep = MIN (quoted->len, 4 * 200);
  char *shown = fm_text_escape (quoted->str, (gssize) keep, 0);
  g_string_free (quoted, TRUE);
  if (g_utf8_strlen (shown, -1) <= 200)
    return shown;
  *g_utf8_offset_to_pointer (shown, 200) = '\0';
  char *cut = g_strconcat (shown, "…", NULL);
  g_free (shown);
  return cut;
}

/* --- tensors --------------------------------------------------------------- */

FmTensor *
fm_tensor_new (const char *name, FmTensorType type, int ndim,
               const gint64 *dims, GError **error)
{
  g_autofree char *label = fm_net_escape (name ? name : "");
  if (type != FM_TENSOR_FLOAT && type != FM_TENSOR_INT64)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "tensor '%s': unknown element type %d", label, (int) type);
      return NULL;
    }
  if (ndim < 0 || ndim > FM_TENSOR_MAX_DIMS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "tensor '%s': %d dimensions, at most %d are supported",
                   label, ndim, FM_TENSOR_MAX_DIMS);
      return NULL;
    }
  g_return_val_if_fail (ndim == 0 || dims, NULL);
  gsize n = 1;
  for (int d = 0; d < ndim; d++)
    if (dims[d] < 0)
      {
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                     "tensor '%s': dimension %d is %" G_GINT64_FORMAT
                     ", must be ≥ 0", label, d, dims[d]);
        return NULL;
      }
  /* the product, checked against the limit at every step so it cannot
   * overflow (a zero dimension anywhere makes it 0, which is fine) */
  gboolean zero = FALSE;
  for (int d = 0; d < ndim; d++)
    if (dims[d] == 0)
      zero = TRUE;
  if (zero)
    n = 0;
  else
    for (int d = 0; d < ndim; d++)
      {
        if ((guint64) dims[d] > FM_NET_MAX_TENSOR_ELEMS
            || n > FM_NET_MAX_TENSOR_ELEMS / (gsize) dims[d])
          {
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                         "tensor '%s': more than %" G_GSIZE_FORMAT
                         " elements (the limit for one tensor)",
                         label, FM_NET_MAX_TENSOR_ELEMS);
            return NULL;
          }
        n *= (gsize) dims[d];
      }

  FmTensor *t = g_new0 (FmTensor, 1);
  t->type = type;
  t->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    t->dims[d] = dims[d];
  t->n = n;
  /* never NULL for its type, even when empty; g_try so a 1 GiB tensor on a
   * small machine is an error, not an abort */
  gsize bytes = MAX (n, 1) * (type == FM_TENSOR_FLOAT ? sizeof (float) : sizeof (gint64));
  void *mem = g_try_malloc0 (bytes);
  if (!mem)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "tensor '%s': cannot allocate %" G_GSIZE_FORMAT " bytes",
                   label, bytes);
      g_free (t);
      return NULL;
    }
  if (type == FM_TENSOR_FLOAT)
    t->f = mem;
  else
    t->i = mem;
  t->name = g_strdup (name ? name : "");
  return t;
}

void
fm_tensor_free (FmTensor *tensor)
{
  if (!tensor)
    return;
  g_free (tensor->name);
  g_free (tensor->f);
  g_free (tensor->i);
  g_free (tensor);
}

/* --- nodes ----------------------------------------------------------------- */

static char **
copy_names (int n, const char *const *names)
{
  char **out = g_new0 (char *, MAX (n, 0) + 1);
  for (int k = 0; k < n; k++)
    out[k] = g_strdup (names && names[k] ? names[k] : "");
  return out;
}

FmNetNode *
fm_net_node_new (const char *name, const char *op,
                 int n_inputs, const char *const *inputs,
                 int n_outputs, const char *const *outputs)
{
  g_return_val_if_fail (n_inputs >= 0 && n_outputs >= 0, NULL);
  FmNetNode *node = g_new0 (FmNetNode, 1);
  node->name = g_strdup (name ? name : "");
  node->op = g_strdup (op ? op : "");
  node->domain = g_strdup ("");
  node->n_inputs = n_inputs;
  node->inputs = copy_names (n_inputs, inputs);
  node->n_outputs = n_outputs;
  node->outputs = copy_names (n_outputs, outputs);
  return node;
}

static void
attr_clear (FmNetAttr *a)
{
  g_free (a->name);
  g_free (a->s);
  g_free (a->ints);
  g_free (a->floats);
  fm_tensor_free (a->t);
}

void
fm_net_node_free (FmNetNode *node)
{
  if (!node)
    return;
  g_free (node->name);
  g_free (node->op);
  g_free (node->domain);
  g_strfreev (node->inputs);
  g_strfreev (node->outputs);
  for (int k = 0; k < node->n_attrs; k++)
    attr_clear (&node->attrs[k]);
  g_free (node->attrs);
  g_free (node);
}

FmNetAttr *
fm_net_node_add_attr (FmNetNode *node, const char *name, FmAttrType type)
{
  g_return_val_if_fail (node && name, NULL);
  /* grow by doubling: nodes with many attributes stay linear to build */
  int n = node->n_attrs;
  if ((n & (n - 1)) == 0)
    node->attrs = g_renew (FmNetAttr, node->attrs, n ? 2 * n : 1);
  FmNetAttr *a = &node->attrs[n];
  memset (a, 0, sizeof *a);
  a->name = g_strdup (name);
  a->type = type;
  node->n_attrs = n + 1;
  return a;
}

const FmNetAttr *
fm_net_node_attr (const FmNetNode *node, const char *name)
{
  g_return_val_if_fail (node && name, NULL);
  for (int k = 0; k < node->n_attrs; k++)
    if (strcmp (node->attrs[k].name, name) == 0)
      return &node->attrs[k];
  return NULL;
}

gint64
fm_net_node_attr_int (const FmNetNode *node, const char *name, gint64 def)
{
  const FmNetAttr *a = fm_net_node_attr (node, name);
  return a && a->type == FM_ATTR_INT ? a->i : def;
}

float
fm_net_node_attr_float (const FmNetNode *node, const char *name, float def)
{
  const FmNetAttr *a = fm_net_node_attr (node, name);
  return a && a->type == FM_ATTR_FLOAT ? a->f : def;
}

const char *
fm_net_node_attr_string (const FmNetNode *node, const char *name,
                         const char *def)
{
  const FmNetAttr *a = fm_net_node_attr (node, name);
  return a && a->type == FM_ATTR_STRING && a->s ? a->s : def;
}

/* --- value infos ----------------------------------------------------------- */

FmNetValueInfo *
fm_net_value_info_new (const char *name, int ndim, const gint64 *dims)
{
  g_return_val_if_fail (ndim >= 0 && ndim <= FM_TENSOR_MAX_DIMS, NULL);
  FmNetValueInfo *info = g_new0 (FmNetValueInfo, 1);
  info->name = g_strdup (name ? name : "");
  info->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    info->dims[d] = dims ? dims[d] : -1;
  return info;
}

void
fm_net_value_info_free (FmNetValueInfo *info)
{
  if (!info)
    return;
  g_free (info->name);
  g_free (info);
}

/* --- the graph ------------------------------------------------------------- */

FmNetGraph *
fm_net_graph_new (const char *origin, const char *format)
{
  FmNetGraphPriv *priv = g_new0 (FmNetGraphPriv, 1);
  FmNetGraph *graph = &priv->pub;
  graph->origin = g_strdup (origin ? origin : "");
  graph->format = g_strdup (format ? format : "");
  graph->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_node_free);
  /* keys are the tensors' own names: freed with the tensor */
  graph->initializers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) fm_tensor_free);
  graph->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_value_info_free);
  graph->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_value_info_free);
  fm_input_decl_init (&graph->decl);
  return graph;
}

void
fm_net_graph_free (FmNetGraph *graph)
{
  if (!graph)
    return;
  g_free (graph->origin);
  g_free (graph->format);
  g_free (graph->producer);
  g_ptr_array_unref (graph->nodes);
  g_hash_table_unref (graph->initializers);
  g_ptr_array_unref (graph->inputs);
  g_ptr_array_unref (graph->outputs);
  g_free ((FmNetGraphPriv *) graph);
}

gboolean
fm_net_graph_add_initializer (FmNetGraph *graph, FmTensor *tensor,
                              GError **error)
{
  g_return_val_if_fail (graph && tensor && tensor->name, FALSE);
  FmNetGraphPriv *priv = (FmNetGraphPriv *) graph;
  g_autofree char *label = fm_net_escape (tensor->name);
  if (!*tensor->name)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "an initializer has no name");
      fm_tensor_free (tensor);
      return FALSE;
    }
  if (g_hash_table_contains (graph->initializers, tensor->name))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "tensor '%s' is given twice", label);
      fm_tensor_free (tensor);
      return FALSE;
    }
  if (g_hash_table_size (graph->initializers) >= FM_NET_MAX_TENSORS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "tensor '%s': more than %d tensors in one model",
                   label, FM_NET_MAX_TENSORS);
      fm_tensor_free (tensor);
      return FALSE;
    }
  if (tensor->n > FM_NET_MAX_TOTAL_ELEMS - priv->total_elems)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "tensor '%s': the model's tensors hold more than %"
                   G_GSIZE_FORMAT " elements together", label,
                   FM_NET_MAX_TOTAL_ELEMS);
      fm_tensor_free (tensor);
      return FALSE;
    }
  priv->total_elems += tensor->n;
  g_hash_table_insert (graph->initializers, tensor->name, tensor);
  return TRUE;
}

void
fm_net_graph_add_node (FmNetGraph *graph, FmNetNode *node)
{
  g_return_if_fail (graph && node);
  g_ptr_array_add (graph->nodes, node);
}

const FmTensor *
fm_net_graph_initializer (const FmNetGraph *graph, const char *name)
{
  g_return_val_if_fail (graph && name, NULL);
  return g_hash_table_lookup (graph->initializers, name);
}

const FmNetNode *
fm_net_graph_find_node (const FmNetGraph *graph, const char *name)
{
  g_return_val_if_fail (graph && name, NULL);
  /* linear: called per user request, not per node (validate keeps its own
   * index), and the graph stays a plain array the planner may rearrange */
  for (guint k = 0; k < graph->nodes->len; k++)
    {
      const FmNetNode *node = graph->nodes->pdata[k];
      for (int o = 0; o < node->n_outputs; o++)
        if (*node->outputs[o] && strcmp (node->outputs[o], name) == 0)
          return node;
    }
  for (guint k = 0; k < graph->nodes->len; k++)
    {
      const FmNetNode *node = graph->nodes->pdata[k];
      if (strcmp (node->name, name) == 0)
        return node;
    }
  return NULL;
}

gboolean
fm_net_graph_validate (const FmNetGraph *graph, GError **error)
{
  g_return_val_if_fail (graph, FALSE);
  const char *file = graph->origin && *graph->origin ? graph->origin : "model";
  if (graph->nodes->len > FM_NET_MAX_NODES)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "%s: %u nodes, at most %d are supported", file,
                   graph->nodes->len, FM_NET_MAX_NODES);
      return FALSE;
    }

  /* tensor name → the index of the node making it, or G_MAXUINT for graph
   * inputs and initializers */
  g_autoptr (GHashTable) made = g_hash_table_new (g_str_hash, g_str_equal);
#define SOURCE_GRAPH GUINT_TO_POINTER (G_MAXUINT)
  for (guint k = 0; k < graph->inputs->len; k++)
    {
      const FmNetValueInfo *in = graph->inputs->pdata[k];
      g_hash_table_insert (made, in->name, SOURCE_GRAPH);
    }
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, graph->initializers);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_hash_table_insert (made, key, SOURCE_GRAPH);

  /* every node's outputs first, so a use before the definition can say
   * which node comes too late */
  for (guint k = 0; k < graph->nodes->len; k++)
    {
      const FmNetNode *node = graph->nodes->pdata[k];
      g_autofree char *nlabel = fm_net_escape (node->name);
      if (!*node->name || !*node->op)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "%s: node %u has no %s", file, k + 1,
                       *node->name ? "operation" : "name");
          return FALSE;
        }
      for (int o = 0; o < node->n_outputs; o++)
        {
          char *out = node->outputs[o];
          if (!*out)
            continue;   /* an omitted optional output */
          gpointer prev;
          if (g_hash_table_lookup_extended (made, out, NULL, &prev))
            {
              g_autofree char *tlabel = fm_net_escape (out);
              if (prev == SOURCE_GRAPH)
                g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                             "%s: node '%s' writes tensor '%s', which is a "
                             "graph input or an initializer", file, nlabel, tlabel);
              else
                {
                  const FmNetNode *other = graph->nodes->pdata[GPOINTER_TO_UINT (prev)];
                  g_autofree char *olabel = fm_net_escape (other->name);
                  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                               "%s: node '%s' writes tensor '%s', which node "
                               "'%s' already writes", file, nlabel, tlabel, olabel);
                }
              return FALSE;
            }
          g_hash_table_insert (made, out, GUINT_TO_POINTER (k));
        }
    }

  for (guint k = 0; k < graph->nodes->len; k++)
    {
      const FmNetNode *node = graph->nodes->pdata[k];
      for (int i = 0; i < node->n_inputs; i++)
        {
          const char *in = node->inputs[i];
          if (!*in)
            continue;   /* an omitted optional input */
          gpointer src;
          g_autofree char *nlabel = NULL, *tlabel = NULL;
          if (!g_hash_table_lookup_extended (made, in, NULL, &src))
            {
              nlabel = fm_net_escape (node->name);
              tlabel = fm_net_escape (in);
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                           "%s: node '%s' reads tensor '%s', which is neither "
                           "a graph input, an initializer nor any node's output",
                           file, nlabel, tlabel);
              return FALSE;
            }
          if (src != SOURCE_GRAPH && GPOINTER_TO_UINT (src) >= k)
            {
              const FmNetNode *other = graph->nodes->pdata[GPOINTER_TO_UINT (src)];
              nlabel = fm_net_escape (node->name);
              tlabel = fm_net_escape (in);
              g_autofree char *olabel = fm_net_escape (other->name);
              if (GPOINTER_TO_UINT (src) == k)
                g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                             "%s: node '%s' reads tensor '%s', its own output "
                             "(a cycle)", file, nlabel, tlabel);
              else
                g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                             "%s: node '%s' reads tensor '%s' before node '%s' "
                             "writes it (the nodes are not in topological order)",
                             file, nlabel, tlabel, olabel);
              return FALSE;
            }
        }
    }

  for (guint k = 0; k < graph->outputs->len; k++)
    {
      const FmNetValueInfo *out = graph->outputs->pdata[k];
      if (!g_hash_table_contains (made, out->name))
        {
          g_autofree char *tlabel = fm_net_escape (out->name);
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "%s: graph output '%s' is not written by any node",
                       file, tlabel);
          return FALSE;
        }
    }
#undef SOURCE_GRAPH
  return TRUE;
}
