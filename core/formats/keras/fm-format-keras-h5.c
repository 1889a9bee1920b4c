/* fm-format-keras-h5: legacy Keras .h5 model files (model.save("m.h5") in
 * Keras 2, and in Keras 3 with the legacy format).
 *
 * Keras's legacy_h5_format writes
 *   /@model_config          the serialized model as JSON text
 *   /@keras_version, /@backend
 *   /model_weights/@layer_names
 *   /model_weights/<layer name>/@weight_names   ["conv2d/kernel:0", …]
 *   /model_weights/<layer name>/<weight name>   one dataset per name
 * in each layer's legacy order (trainable weights, then the others).  A
 * list of names too large for one HDF5 object header is split into
 * weight_names0, weight_names1, … (fm_h5_attr_strings reads both forms).
 * A nested model's group holds the weights of all its layers; each
 * layer's are those whose name has the layer's name as its next-to-last
 * component ("conv2d/kernel:0" belongs to conv2d). */
#include <string.h>

#include "fm-net-load.h"
#include "fm-keras-private.h"
#include "fm-model-file.h"
#include "fm-h5.h"
#include "fm-formats-private.h"

typedef struct {
  FmKerasStore store;
  FmH5 *h5;
  gsize total;
} LegacyStore;

/* Does weight name belong to layer?  Its components before the last one
 * end with the layer's name: "conv2d/kernel:0", "sequential/conv2d/kernel:0". */
static gboolean
belongs_to (const char *weight, const char *layer)
{
  const char *last = strrchr (weight, '/');
  if (!last)
    return FALSE;
  gsize ll = strlen (layer);
  gsize prefix = (gsize) (last - weight);
  if (prefix < ll || memcmp (last - ll, layer, ll) != 0)
    return FALSE;
  return prefix == ll || weight[prefix - ll - 1] == '/';
}

static GPtrArray *
legacy_load (FmKerasStore *store, const FmKerasRef *ref, const FmKerasWhere *w,
             GError **error)
{
  LegacyStore *s = (LegacyStore *) store;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_tensor_free);
  g_autofree char *group = g_strdup_printf ("model_weights/%s", ref->h5_group);
  g_autoptr (GPtrArray) names = NULL;
  GError *local = NULL;
  if (!fm_h5_group_exists (s->h5, group, &local))
    {
      if (local)
        g_propagate_error (error, local);
      else
        {
          g_autofree char *g = fm_net_escape (ref->h5_group);
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                       "%s: model_weights has no group '%s' for its weights",
                       fm_h5_label (s->h5), g);
        }
      goto fail;
    }
  if (!fm_h5_attr_strings (s->h5, group, "weight_names", &names, error))
    goto fail;
  for (guint k = 0; names && k < names->len; k++)
    {
      const char *wname = names->pdata[k];
      if (ref->h5_layer && !belongs_to (wname, ref->h5_layer))
        continue;
      if (out->len >= FM_KERAS_MAX_VARS)
        {
          fm_keras_fail (w, error, FM_NET_ERROR_TOO_LARGE, "more than %d weights",
                         FM_KERAS_MAX_VARS);
          goto fail_quiet;
        }
      g_autofree char *path = g_strdup_printf ("%s/%s", group, wname);
      gsize left = FM_NET_MAX_TOTAL_ELEMS - s->total;
      FmTensor *t = fm_h5_read_tensor (s->h5, path, wname,
                                       MIN (left, FM_NET_MAX_TENSOR_ELEMS), error);
      if (!t)
        goto fail;
      s->total += t->n;
      g_ptr_array_add (out, t);
    }
  return out;

fail:
  fm_keras_prefix (w, error);
fail_quiet:
  g_ptr_array_unref (out);
  return NULL;
}

FmNetGraph *
fm_net_load_keras_h5_data (const guint8 *data, gsize len, const char *origin,
                           GError **error)
{
  g_autofree char *base = origin ? g_path_get_basename (origin) : g_strdup ("model.h5");
  g_autofree char *label = g_filename_display_name (base);
  FmKerasWhere w = { label, NULL, NULL };
  g_autoptr (FmH5) h5 = fm_h5_open (data, len, label, error);
  if (!h5)
    return NULL;

  g_autofree char *config = NULL;
  if (!fm_h5_attr_string (h5, "", "model_config", &config, error))
    return NULL;
  if (!config)
    {
      GError *local = NULL;
      gboolean weights_only = fm_h5_group_exists (h5, "model_weights", &local) == FALSE
                              && !local;
      g_clear_error (&local);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                   "%s: no model_config attribute: %s", label,
                   weights_only ? "a weights-only file (save_weights); featuremaps "
                                  "needs the whole model (model.save)"
                                : "not a Keras model file");
      return NULL;
    }
  GError *local = NULL;
  if (!fm_h5_group_exists (h5, "model_weights", &local))
    {
      if (local)
        g_propagate_error (error, local);
      else
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                     "%s: no model_weights group (the model was saved without "
                     "its weights)", label);
      return NULL;
    }
  g_autofree char *version = NULL;
  if (!fm_h5_attr_string (h5, "", "keras_version", &version, error))
    return NULL;
  g_autoptr (JsonNode) root = fm_keras_parse_json (config, strlen (config), &w,
                                                   "model_config", error);
  if (!root)
    return NULL;

  LegacyStore store = { .store = { .load = legacy_load }, .h5 = h5 };
  FmKerasSource src = {
    .file = label,
    .keras3 = version && g_ascii_isdigit (version[0])
              && g_ascii_strtoll (version, NULL, 10) >= 3,
    .store = &store.store,
  };
  g_autoptr (FmNetGraph) graph = fm_net_graph_new (origin ? origin : label, "h5");
  graph->opset = 17;
  graph->producer = version ? g_strdup_printf ("keras %s", version) : g_strdup ("keras");
  if (!fm_keras_build_graph (graph, json_node_get_object (root), &src, error))
    return NULL;
  return g_steal_pointer (&graph);
}

FmNetGraph *
fm_net_load_keras_h5_file (const char *path, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!fm_model_read_file (path, FM_NET_MAX_FILE_SIZE, &data, &len, error))
    return NULL;
  return fm_net_load_keras_h5_data (data, len, path, error);
}

/* ---- registry entry (fm-formats.def) --------------------------------------- */

/* HDF5's signature, at offset 0 where h5py (and so Keras) writes it. */
static gboolean
keras_h5_sniff (const guint8 *head, gsize n)
{
  return n >= 8 && memcmp (head, "\x89HDF\r\n\x1a\n", 8) == 0;
}

static FmNetGraph *
keras_h5_load_graph (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  return fm_net_load_keras_h5_file (path, error);
}

static const char *const keras_h5_suffixes[] = { ".h5", ".hdf5", NULL };

const FmFormat fm_format_keras_h5 = {
  .name = "keras-h5",
  .label = "Keras model (.h5)",
  .plural = "Keras .h5 models",
  .kind = FM_FORMAT_MODEL,
  .suffixes = keras_h5_suffixes,
  .takes_member = TRUE,
  .sniff = keras_h5_sniff,
  .load_graph = keras_h5_load_graph,
};
