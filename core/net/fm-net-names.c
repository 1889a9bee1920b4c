/* fm-net-names.c: which tensor a layer name means.
 *
 * In order: a node's name; an output tensor's name (or a graph input's);
 * a run of '/'-separated components of the scoped names PyTorch writes
 * ("features.3" in "/features/features.3/Conv"), which must name one node
 * or one scope (a module: then its last node, the module's output, is
 * meant); a number, the node index `featuremaps info` prints.  The rule is
 * documented for users in docs/networks.md.
 */
#include "fm-net-private.h"

#include <string.h>

static char **
components (const char *name, int *n)
{
  char **parts = g_strsplit (name, "/", -1);
  int k = 0;
  for (int i = 0; parts[i]; i++)
    {
      if (*parts[i])
        parts[k++] = parts[i];
      else
        g_free (parts[i]);
    }
  parts[k] = NULL;
  *n = k;
  return parts;
}

/* Where the query's components occur in a row within the node's, or −1;
 * *end: the index after the run (so parts[0 .. end) is the scope). */
static int
find_run (char *const *node_parts, int n_node, char *const *q, int n_q, int *end)
{
  for (int i = 0; i + n_q <= n_node; i++)
    {
      int j = 0;
      while (j < n_q && !strcmp (node_parts[i + j], q[j]))
        j++;
      if (j == n_q)
        {
          *end = i + n_q;
          return i;
        }
    }
  return -1;
}

/* The data-producing nodes' names, for "its layers: …" (at most 24). */
static char *
layer_names (const FmNetGraph *graph, const FmNetLower *lw)
{
  GString *s = g_string_new (NULL);
  int shown = 0, total = 0;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const FmNetNode *node = g_ptr_array_index (graph->nodes, i);
      if (node->n_outputs < 1)
        continue;
      const FmNetValue *v = lw ? fm_net_lower_value (lw, node->outputs[0]) : NULL;
      if (lw && (!v || v->kind != FM_NET_VAL_DATA))
        continue;
      if (!lw && !strcmp (node->op, "Constant"))
        continue;
      total++;
      if (shown < 24)
        {
          g_autofree char *name = fm_net_escape (node->name);
          g_string_append_printf (s, "%s%s", shown++ ? ", " : "", name);
        }
    }
  if (total > shown)
    g_string_append_printf (s, ", … (%d in all; featuremaps info lists them)", total);
  if (!total)
    g_string_append (s, "none that featuremaps runs");
  return g_string_free (s, FALSE);
}

/* The tensor a name means, or NULL with error.  lw (may be NULL) only
 * sharpens the list of layers in the not-found message. */
const char *
fm_net_resolve_tensor (const FmNetGraph *graph, const FmNetLower *lw, const char *name,
                       int *node_index, GError **error)
{
  const guint n = graph->nodes->len;
  *node_index = -1;
  if (!name || !*name)
    {
      g_set_error_literal (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND, "empty layer name");
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      const FmNetNode *node = g_ptr_array_index (graph->nodes, i);
      if (!strcmp (node->name, name) && node->n_outputs > 0)
        {
          *node_index = i;
          return node->outputs[0];
        }
    }
  for (guint i = 0; i < n; i++)
    {
      const FmNetNode *node = g_ptr_array_index (graph->nodes, i);
      for (int o = 0; o < node->n_outputs; o++)
        if (!strcmp (node->outputs[o], name))
          {
            *node_index = i;
            return node->outputs[o];
          }
    }
  for (guint i = 0; graph->inputs && i < graph->inputs->len; i++)
    {
      const FmNetValueInfo *vi = g_ptr_array_index (graph->inputs, i);
      if (!strcmp (vi->name, name))
        return vi->name;
    }

  /* Scoped paths. */
  int n_q;
  g_auto (GStrv) q = components (name, &n_q);
  if (n_q > 0)
    {
      int last = -1, count = 0;
      g_autofree char *scope = NULL;
      gboolean one_scope = TRUE;
      GString *matches = g_string_new (NULL);
      for (guint i = 0; i < n; i++)
        {
          const FmNetNode *node = g_ptr_array_index (graph->nodes, i);
          if (node->n_outputs < 1 || !strcmp (node->op, "Constant"))
            continue;
          int n_p, end;
          g_auto (GStrv) p = components (node->name, &n_p);
          if (find_run (p, n_p, q, n_q, &end) < 0)
            continue;
          char *saved = p[end];
          p[end] = NULL;
          g_autofree char *this_scope = g_strjoinv ("/", p);
          p[end] = saved;
          if (!scope)
            scope = g_strdup (this_scope);
          else if (strcmp (scope, this_scope))
            one_scope = FALSE;
          if (count < 6)
            {
              g_autofree char *escaped = fm_net_escape (node->name);
              g_string_append_printf (matches, "%s%s", count ? ", " : "", escaped);
            }
          count++;
          last = i;
        }
      if (count == 1 || (count > 1 && one_scope))
        {
          g_string_free (matches, TRUE);
          const FmNetNode *node = g_ptr_array_index (graph->nodes, last);
          *node_index = last;
          return node->outputs[0];
        }
      if (count > 1)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "layer '%s' is ambiguous in %s: it matches %s%s; give the whole name",
                       name, graph->origin ? graph->origin : "the model", matches->str,
                       count > 6 ? ", …" : "");
          g_string_free (matches, TRUE);
          return NULL;
        }
      g_string_free (matches, TRUE);
    }

  /* The index `info` prints. */
  gint64 index;
  if (g_ascii_string_to_signed (name, 10, 0, (gint64) n - 1, &index, NULL))
    {
      const FmNetNode *node = g_ptr_array_index (graph->nodes, (guint) index);
      if (node->n_outputs > 0)
        {
          *node_index = (int) index;
          return node->outputs[0];
        }
    }

  g_autofree char *names = layer_names (graph, lw);
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
               "no layer '%s' in %s (its layers: %s)", name,
               graph->origin ? graph->origin : "the model", names);
  return NULL;
}

int
fm_net_resolve_layer (const FmNetGraph *graph, const char *name, GError **error)
{
  g_return_val_if_fail (graph != NULL, -1);
  int index;
  GError *local = NULL;
  if (fm_net_resolve_tensor (graph, NULL, name, &index, &local))
    {
      if (index >= 0)
        return index;
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                   "'%s' is the model's input, not a layer", name);
      return -1;
    }
  /* Say which layers exist, as the planner would. */
  if (local->code == FM_NET_ERROR_NOT_FOUND)
    {
      int in_c = fm_net_graph_in_channels (graph);
      FmNetLower *lw = fm_net_lower_new (graph, in_c > 0 ? in_c : 3, 224, 224, NULL);
      if (lw)
        {
          g_clear_error (&local);
          fm_net_resolve_tensor (graph, lw, name, &index, &local);
          fm_net_lower_free (lw);
        }
    }
  g_propagate_error (error, local);
  return -1;
}
