/* fm-cli-net: `featuremaps info MODEL` — every layer of a network: index,
 * name, operation, output channels, total stride and receptive field
 * relative to the input, what does not run and why, and the input the
 * model expects. */
#include "fm-cli.h"
#include "fm-net-load.h"
#include "fm-net-plan.h"

#include <stdio.h>
#include <string.h>

static void
print_decl (const FmNetGraph *graph)
{
  const FmInputDecl *d = &graph->decl;
  if (!graph->has_decl)
    {
      printf ("prepared: nothing declared: pixels as perceptual values in 0..1, an .npy as it "
              "is (--range, --mean, --std, --channel-order, or MODEL.json's input block, "
              "declare it)\n");
      return;
    }
  printf ("prepared: %s light; range 0..%g; order %s", d->linear ? "linear" : "perceptual",
          d->range > 0 ? d->range : 1.0, d->bgr ? "BGR" : "RGB");
  for (int pass = 0; pass < 2; pass++)
    {
      int n = pass ? d->n_std : d->n_mean;
      const double *v = pass ? d->std : d->mean;
      if (!n)
        continue;
      printf ("; %s", pass ? "std" : "mean");
      for (int i = 0; i < n; i++)
        printf ("%s%g", i ? ", " : " ", v[i]);
    }
  printf ("\n");
}

static void
print_input (const FmNetGraph *graph)
{
  for (guint i = 0; i < graph->inputs->len; i++)
    {
      const FmNetValueInfo *vi = g_ptr_array_index (graph->inputs, i);
      if (fm_net_graph_initializer (graph, vi->name))
        continue;
      g_autofree char *name = fm_net_escape (vi->name);
      printf ("input:    '%s'", name);
      for (int d = 0; d < vi->ndim; d++)
        {
          static const char *const axes[] = { "N", "C", "H", "W" };
          if (vi->dims[d] >= 0)
            printf ("%s%" G_GINT64_FORMAT, d ? " × " : " ", vi->dims[d]);
          else
            printf ("%s%s", d ? " × " : " ", d < 4 ? axes[d] : "?");
        }
      printf (" (any height and width run: the layers are convolutional)\n");
      break;
    }
  print_decl (graph);
}

gboolean
fm_cli_net_info (const char *path, GError **error)
{
  g_autoptr (FmNetGraph) graph = fm_net_graph_load (path, error);
  if (!graph)
    return FALSE;
  g_autoptr (GPtrArray) list = fm_net_list_layers (graph, 0, error);
  if (!list)
    return FALSE;

  g_autofree char *display = g_filename_display_name (path);
  printf ("model:    %s (%s", display, graph->format);
  if (graph->producer && *graph->producer)
    {
      g_autofree char *producer = fm_net_escape (graph->producer);
      printf (", %s", producer);
    }
  if (graph->opset > 0)
    printf (", opset %d", graph->opset);
  printf (")\n");
  print_input (graph);

  int name_w = 4, op_w = 2;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < list->len; i++)
    {
      const FmNetLayerInfo *info = g_ptr_array_index (list, i);
      char *name = fm_net_escape (info->name);
      name_w = MAX (name_w, (int) g_utf8_strlen (name, -1));
      op_w = MAX (op_w, (int) strlen (info->op));
      g_ptr_array_add (names, name);
    }
  name_w = MIN (name_w, 48);
  printf ("layers:   %u (MODEL#NAME or MODEL#INDEX picks one; stride and field in input "
          "pixels)\n", list->len);
  printf ("  %5s  %-*s  %-*s  %8s  %9s  %11s\n", "index", name_w, "name", op_w, "op",
          "channels", "stride", "field");
  for (guint i = 0; i < list->len; i++)
    {
      const FmNetLayerInfo *info = g_ptr_array_index (list, i);
      const char *name = names->pdata[i];
      int pad = name_w - (int) g_utf8_strlen (name, -1);
      printf ("  %5d  %s%*s  %-*s  ", info->index, name, MAX (pad, 0), "", op_w, info->op);
      if (info->unsupported)
        {
          g_autofree char *why = g_strdup (info->unsupported);
          g_strdelimit (why, "\r\n", ' ');
          printf ("%8s  %9s  %11s  not run: %s\n", "–", "–", "–", why);
          continue;
        }
      g_autofree char *stride = g_strdup_printf ("%d × %d", info->stride_y, info->stride_x);
      g_autofree char *field = g_strdup_printf ("%d × %d", info->field_h, info->field_w);
      printf ("%8d  %9s  %11s\n", info->channels, stride, field);
    }
  g_ptr_array_unref (names);
  return TRUE;
}
