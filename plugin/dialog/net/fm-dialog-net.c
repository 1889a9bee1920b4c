/* fm-dialog-net: a network's layers and picks for the dialog, GTK-free. */
#include "fm-dialog-net.h"
#include "fm-map-count.h"
#include "fm-net-load.h"
#include "fm-values.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the shared graph ---------------------------------------------------- */

static void
graph_clear (gpointer data)
{
  FmDialogNetGraph *g = data;
  fm_net_graph_free (g->graph);
}

FmDialogNetGraph *
fm_dialog_net_graph_ref (FmDialogNetGraph *graph)
{
  return g_atomic_rc_box_acquire (graph);
}

void
fm_dialog_net_graph_unref (FmDialogNetGraph *graph)
{
  if (graph)
    g_atomic_rc_box_release_full (graph, graph_clear);
}

/* The graph with the preprocessing prep means (the model's own for MODEL). */
static FmDialogNetGraph *
load_graph (const char *path, FmNetPrep prep, GError **error)
{
  FmNetGraph *graph = fm_net_graph_load (path, error);
  if (!graph)
    return NULL;
  fm_net_prep_apply (prep, graph);
  FmDialogNetGraph *g = g_atomic_rc_box_new0 (FmDialogNetGraph);
  g->graph = graph;
  return g;
}

/* ---- life ------------------------------------------------------------------ */

static void
pick_clear (gpointer data)
{
  FmDialogNetPick *p = data;
  g_free (p->channels);
}

void
fm_dialog_net_free (FmDialogNet *net)
{
  if (!net)
    return;
  g_free (net->path);
  g_free (net->user_dir);
  fm_dialog_net_graph_unref (net->graph);
  if (net->layers)
    g_ptr_array_unref (net->layers);
  g_array_unref (net->picks);
  g_free (net);
}

/* The index of the listed layer a name means, via the core's resolver (the
 * listing has one entry per node, in order: index == node index). */
static int
find_layer (const FmDialogNet *net, const char *name, GError **error)
{
  int index = fm_net_resolve_layer (net->graph->graph, name, error);
  if (index < 0)
    return -1;
  if (index >= (int) net->layers->len)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                   "no layer '%s' in the model's listing", name);
      return -1;
    }
  return index;
}

FmDialogNet *
fm_dialog_net_load (const char *path, char *const *layers, const char *user_dir,
                    GError **error)
{
  FmDialogNet *net = g_new0 (FmDialogNet, 1);
  net->path = g_strdup (path);
  net->user_dir = g_strdup (user_dir);
  net->current = -1;
  net->picks = g_array_new (FALSE, TRUE, sizeof (FmDialogNetPick));
  g_array_set_clear_func (net->picks, pick_clear);
  net->prep = fm_net_prep_recall (user_dir, path);

  if (!(net->graph = load_graph (path, net->prep, error)) ||
      !(net->layers = fm_net_list_layers (net->graph->graph, 0, error)))
    {
      fm_dialog_net_free (net);
      return NULL;
    }
  for (int i = 0; layers && layers[i]; i++)
    {
      g_autofree char *name = NULL;
      g_autofree int *channels = NULL;
      int n = 0, index;
      if (!fm_net_layer_pick_parse (layers[i], &name, &channels, &n, error) ||
          (index = find_layer (net, name, error)) < 0)
        {
          fm_dialog_net_free (net);
          return NULL;
        }
      if (fm_dialog_net_is_picked (net, index))
        continue;
      FmDialogNetPick pick = { index, 0, NULL };
      g_array_append_val (net->picks, pick);
      /* kept ascending, as the channel list shows them */
      fm_dialog_net_set_channels (net, index, channels, n);
    }
  if (net->picks->len)
    net->current = g_array_index (net->picks, FmDialogNetPick, 0).layer;
  return net;
}

gboolean
fm_dialog_net_set_prep (FmDialogNet *net, FmNetPrep prep, GError **error)
{
  if (prep == net->prep)
    return TRUE;
  FmDialogNetGraph *g = load_graph (net->path, prep, error);
  if (!g)
    return FALSE;
  fm_dialog_net_graph_unref (net->graph);
  net->graph = g;
  net->prep = prep;
  return !net->user_dir || fm_net_prep_remember (net->user_dir, net->path, prep, error);
}

/* ---- picks ------------------------------------------------------------------ */

const FmNetLayerInfo *
fm_dialog_net_layer (const FmDialogNet *net, int layer)
{
  if (layer < 0 || layer >= (int) net->layers->len)
    return NULL;
  return g_ptr_array_index (net->layers, layer);
}

FmDialogNetPick *
fm_dialog_net_pick_of (FmDialogNet *net, int layer)
{
  for (guint i = 0; i < net->picks->len; i++)
    if (g_array_index (net->picks, FmDialogNetPick, i).layer == layer)
      return &g_array_index (net->picks, FmDialogNetPick, i);
  return NULL;
}

gboolean
fm_dialog_net_is_picked (const FmDialogNet *net, int layer)
{
  return fm_dialog_net_pick_of ((FmDialogNet *) net, layer) != NULL;
}

void
fm_dialog_net_set_layers (FmDialogNet *net, const int *layers, int n)
{
  GArray *picks = g_array_new (FALSE, TRUE, sizeof (FmDialogNetPick));
  g_array_set_clear_func (picks, pick_clear);
  for (int i = 0; i < n; i++)
    {
      if (!fm_dialog_net_layer (net, layers[i]))
        continue;
      FmDialogNetPick pick = { layers[i], 0, NULL };
      FmDialogNetPick *old = fm_dialog_net_pick_of (net, layers[i]);
      if (old)
        {
          pick.n_channels = old->n_channels;
          pick.channels = g_steal_pointer (&old->channels);
          old->n_channels = 0;
        }
      g_array_append_val (picks, pick);
    }
  g_array_unref (net->picks);
  net->picks = picks;
  if (!fm_dialog_net_is_picked (net, net->current))
    net->current = picks->len ? g_array_index (picks, FmDialogNetPick, 0).layer : -1;
}

static int
compare_int (const void *a, const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

void
fm_dialog_net_set_channels (FmDialogNet *net, int layer, const int *channels, int n)
{
  FmDialogNetPick *pick = fm_dialog_net_pick_of (net, layer);
  if (!pick)
    return;
  g_free (pick->channels);
  pick->channels = n > 0 ? g_memdup2 (channels, (gsize) n * sizeof (int)) : NULL;
  pick->n_channels = MAX (n, 0);
  if (n > 1)
    qsort (pick->channels, n, sizeof (int), compare_int);
}

/* ---- the kernel string --------------------------------------------------- */

/* A name reads back as this one layer unless it holds the separators of
 * the kernel string or ends in brackets: then the index names it. */
static gboolean
name_reads_back (const char *name)
{
  if (!*name || strpbrk (name, "#,") || g_str_has_suffix (name, "]") ||
      strspn (name, "0123456789") == strlen (name))
    return FALSE;
  return TRUE;
}

char *
fm_dialog_net_layer_text (const FmDialogNet *net, const FmDialogNetPick *pick)
{
  const FmNetLayerInfo *info = fm_dialog_net_layer (net, pick->layer);
  GString *s = g_string_new (NULL);
  if (name_reads_back (info->name))
    g_string_append (s, info->name);
  else
    g_string_append_printf (s, "%d", info->index);
  if (pick->n_channels > 0)
    {
      /* Runs of consecutive channels as ranges: [0-3,8]. */
      g_string_append_c (s, '[');
      for (int i = 0; i < pick->n_channels;)
        {
          int j = i;
          while (j + 1 < pick->n_channels && pick->channels[j + 1] == pick->channels[j] + 1)
            j++;
          if (i)
            g_string_append_c (s, ',');
          if (j > i)
            g_string_append_printf (s, "%d-%d", pick->channels[i], pick->channels[j]);
          else
            g_string_append_printf (s, "%d", pick->channels[i]);
          i = j + 1;
        }
      g_string_append_c (s, ']');
    }
  return g_string_free (s, FALSE);
}

char *
fm_dialog_net_spec (const FmDialogNet *net)
{
  GString *s = g_string_new (net->path);
  for (guint i = 0; i < net->picks->len; i++)
    {
      g_autofree char *text =
        fm_dialog_net_layer_text (net, &g_array_index (net->picks, FmDialogNetPick, i));
      g_string_append_c (s, i ? ',' : '#');
      g_string_append (s, text);
    }
  return g_string_free (s, FALSE);
}

char **
fm_dialog_net_layer_texts (const FmDialogNet *net, int only)
{
  GPtrArray *a = g_ptr_array_new ();
  for (guint i = 0; i < net->picks->len; i++)
    {
      if (only > 0 && (int) i >= only)
        break;
      g_ptr_array_add (a, fm_dialog_net_layer_text (
                            net, &g_array_index (net->picks, FmDialogNetPick, i)));
    }
  g_ptr_array_add (a, NULL);
  return (char **) g_ptr_array_free (a, FALSE);
}

char *
fm_dialog_net_check (const FmDialogNet *net, const FmOptions *options,
                     const FmImageInfo *image)
{
  g_autofree char *base = g_path_get_basename (net->path);
  if (net->picks->len == 0)
    return g_strdup_printf ("%s is a network: pick one or more of its layers in the "
                            "list (OK then makes the maps of %s#LAYER).", base, base);
  for (guint i = 0; i < net->picks->len; i++)
    {
      const FmNetLayerInfo *info =
        fm_dialog_net_layer (net, g_array_index (net->picks, FmDialogNetPick, i).layer);
      if (info->unsupported)
        return g_strdup_printf ("Layer %d (%s) is not run: %s", info->index, info->name,
                                info->unsupported);
    }
  g_autofree char *spec = fm_dialog_net_spec (net);
  if (strlen (spec) >= FM_KERNEL_MAX)
    return g_strdup_printf ("The kernel string would be %zu bytes; the procedure "
                            "takes at most %d: pick fewer layers or channels.",
                            strlen (spec), FM_KERNEL_MAX - 1);
  g_auto (GStrv) layers = fm_dialog_net_layer_texts (net, 0);
  FmJobKernel kernel = { NULL, net->graph->graph, (const char *const *) layers,
                         (int) g_strv_length (layers) };
  GError *error = NULL;
  FmJob *job = fm_job_new_for (&kernel, options, image, &error);
  if (job)
    fm_net_check_map_count (job, layers, spec, net->path, &error);
  fm_job_free (job);
  if (!error)
    return NULL;
  char *message = g_strdup (error->message);
  g_error_free (error);
  return message;
}
