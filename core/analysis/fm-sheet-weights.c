/* fm-sheet-weights: from a layer's name to the convolution weights it
 * shows (fm-sheet.h). */
#include "fm-sheet.h"
#include "fm-net-plan.h"

#include <string.h>

const FmTensor *
fm_sheet_layer_weights (const FmNetGraph *graph, const char *layer, const char **conv,
                        GError **error)
{
  int index = fm_net_resolve_layer (graph, layer, error);
  if (index < 0)
    return NULL;
  const FmNetNode *node = g_ptr_array_index (graph->nodes, index);
  g_autofree char *shown = fm_net_escape (layer);
  /* Each step goes to an earlier node (the graph is checked to be in
   * topological order), so the walk ends. */
  for (guint steps = 0; node && strcmp (node->op, "Conv") != 0; steps++)
    {
      if (node->n_inputs < 1 || steps > graph->nodes->len)
        {
          node = NULL;
          break;
        }
      node = fm_net_graph_find_node (graph, node->inputs[0]);
    }
  if (!node)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "layer '%s': no convolution leads to it, so it has no filters to draw", shown);
      return NULL;
    }
  const FmTensor *w = node->n_inputs >= 2 ? fm_net_graph_initializer (graph, node->inputs[1])
                                          : NULL;
  g_autofree char *name = fm_net_escape (node->name);
  if (!w || w->type != FM_TENSOR_FLOAT || w->ndim != 4 || w->n == 0)
    {
      g_set_error (error, FM_MAPS_ERROR, FM_MAPS_ERROR_INVALID,
                   "layer '%s': the weights of convolution '%s' are not a stored 4-D "
                   "float tensor", shown, name);
      return NULL;
    }
  if (conv)
    *conv = node->name;
  return w;
}
