/* fm-format-keras: Keras's .keras files (Keras 3, and tf-keras 2.13 on).
 *
 * A zip archive (Keras's saving_lib) holding
 *   config.json        the serialized model (fm-keras-model.c reads it)
 *   metadata.json      {"keras_version": "3.3.3", "date_saved": …}
 *   model.weights.h5   every layer's variables at <path>/vars/0, 1, … in
 *                      the layer's own order (kernel, bias; gamma, beta,
 *                      moving mean, moving variance …), <path> as
 *                      fm-keras-model.c derives it from the config
 * and perhaps assets/.  The HDF5 image is opened in memory (fm-h5.c). */
#include <string.h>

#include "fm-net-load.h"
#include "fm-keras-private.h"
#include "fm-model-file.h"
#include "fm-formats-private.h"
#include "fm-h5.h"
#include "fm-zip.h"

#define ZIP_WHAT "Keras .keras file (zip archive)"

/* Zip errors come in the zip reader's domain: same words, ours. */
static void
as_net_error (GError **error)
{
  if (!error || !*error || (*error)->domain == FM_NET_ERROR)
    return;
  int code = FM_NET_ERROR_PARSE;
  if ((*error)->domain == FM_ZIP_ERROR)
    code = (*error)->code == FM_ZIP_ERROR_UNSUPPORTED ? FM_NET_ERROR_UNSUPPORTED
           : (*error)->code == FM_ZIP_ERROR_TOO_LARGE ? FM_NET_ERROR_TOO_LARGE
           : FM_NET_ERROR_PARSE;
  (*error)->domain = FM_NET_ERROR;
  (*error)->code = code;
}

/* --- the weights store -------------------------------------------------------- */

typedef struct {
  FmKerasStore store;
  FmH5 *h5;
  gboolean has_213;           /* the file has tf-keras 2.13's layout */
  gsize total;                /* values read so far */
} V3Store;

/* Reads <group>/vars/0 … n−1. */
static GPtrArray *
read_vars (V3Store *s, const char *group, const FmKerasRef *ref,
           const FmKerasWhere *w, GError **error)
{
  g_autofree char *vars = g_strdup_printf ("%s/vars", group);
  g_autofree char *saved_name = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_tensor_free);
  int n = fm_h5_group_size (s->h5, vars, error);
  if (n < 0)
    goto fail;
  if (n > FM_KERAS_MAX_VARS)
    {
      fm_keras_fail (w, error, FM_NET_ERROR_TOO_LARGE, "'%s' holds %d variables, at most %d "
                     "are read", vars, n, FM_KERAS_MAX_VARS);
      goto fail;
    }
  /* Keras 3 names the layer in its vars group: a check that the config's
   * layer order and the file's agree */
  if (!fm_h5_attr_string (s->h5, vars, "name", &saved_name, error))
    goto fail;
  const char *want = ref->h5_layer ? ref->h5_layer : ref->h5_group;
  if (saved_name && want && strcmp (saved_name, want) != 0)
    {
      g_autofree char *sn = fm_net_escape (saved_name);
      g_autofree char *g = fm_net_escape (group);
      fm_keras_fail (w, error, FM_NET_ERROR_INVALID,
                     "the weights at '%s' belong to layer '%s' (the config and the "
                     "weights file do not match)", g, sn);
      g_ptr_array_unref (out);
      return NULL;
    }
  for (int k = 0; k < n; k++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%d", vars, k);
      g_autofree char *tname = g_strdup_printf ("%d", k);
      gsize left = FM_NET_MAX_TOTAL_ELEMS - s->total;
      FmTensor *t = fm_h5_read_tensor (s->h5, path, tname,
                                       MIN (left, FM_NET_MAX_TENSOR_ELEMS), error);
      if (!t)
        goto fail;
      s->total += t->n;
      g_ptr_array_add (out, t);
    }
  return out;

fail:
  fm_keras_prefix (w, error);
  g_ptr_array_unref (out);
  return NULL;
}

static GPtrArray *
v3_load (FmKerasStore *store, const FmKerasRef *ref, const FmKerasWhere *w,
         GError **error)
{
  V3Store *s = (V3Store *) store;
  /* as Keras loads: the Keras 3 path, then tf-keras 2.13's */
  const char *paths[2] = { ref->v3_path, s->has_213 ? ref->v213_path : NULL };
  for (int k = 0; k < 2; k++)
    {
      if (!paths[k] || !*paths[k])
        continue;
      g_autofree char *vars = g_strdup_printf ("%s/vars", paths[k]);
      GError *local = NULL;
      if (fm_h5_group_exists (s->h5, vars, &local))
        return read_vars (s, paths[k], ref, w, error);
      if (local)
        {
          g_propagate_error (error, local);
          fm_keras_prefix (w, error);
          return NULL;
        }
    }
  /* nothing stored for this layer */
  return g_ptr_array_new_with_free_func ((GDestroyNotify) fm_tensor_free);
}

/* --- the archive ---------------------------------------------------------------- */

static char *
member_text (const FmZip *zip, const char *name, const char *label, gboolean required,
             gsize *text_len, GError **error)
{
  int i = fm_zip_find (zip, name);
  if (i < 0)
    {
      if (required)
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                     "%s: the archive has no %s (not a Keras model file, or a "
                     "weights-only file)", label, name);
      return NULL;
    }
  char *text = (char *) fm_zip_read_member (zip, (guint) i, FM_KERAS_MAX_CONFIG, text_len,
                                            error);
  as_net_error (error);
  return text;
}

/* "3.3.3" → TRUE; "2.13.1" → FALSE. */
static gboolean
version_is_3 (const char *v)
{
  return v && g_ascii_isdigit (v[0]) && g_ascii_strtoll (v, NULL, 10) >= 3;
}

FmNetGraph *
fm_keras_load_parts (const char *config, gsize config_len, const char *meta,
                     gsize meta_len, const guint8 *image, gsize image_len,
                     const char *origin, const char *label, GError **error)
{
  FmKerasWhere w = { label, NULL, NULL };
  g_autoptr (JsonNode) root = fm_keras_parse_json (config, config_len, &w,
                                                   "config.json", error);
  if (!root)
    return NULL;
  const char *version = NULL;
  g_autoptr (JsonNode) meta_root = NULL;
  if (meta)
    {
      meta_root = fm_keras_parse_json (meta, meta_len, &w, "metadata.json", error);
      if (!meta_root)
        return NULL;
      JsonNode *v = json_object_get_member (json_node_get_object (meta_root), "keras_version");
      if (v && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
        version = json_node_get_string (v);
    }
  g_autofree char *h5_label = g_strdup_printf ("%s[model.weights.h5]", label);
  g_autoptr (FmH5) h5 = fm_h5_open (image, image_len, h5_label, error);
  if (!h5)
    return NULL;

  V3Store store = { .store = { .load = v3_load }, .h5 = h5 };
  store.has_213 = fm_h5_group_exists (h5, "_layer_checkpoint_dependencies", NULL);
  FmKerasSource src = {
    .file = label,
    /* without metadata: Keras 3 (only a nested Sequential's node numbers
     * depend on it) */
    .keras3 = version ? version_is_3 (version) : TRUE,
    .store = &store.store,
  };

  g_autoptr (FmNetGraph) graph = fm_net_graph_new (origin ? origin : label, "keras");
  graph->opset = 17;
  graph->producer = version ? g_strdup_printf ("keras %s", version) : g_strdup ("keras");
  if (!fm_keras_build_graph (graph, json_node_get_object (root), &src, error))
    return NULL;
  return g_steal_pointer (&graph);
}

FmNetGraph *
fm_net_load_keras_data (const guint8 *data, gsize len, const char *origin,
                        GError **error)
{
  g_autofree char *base = origin ? g_path_get_basename (origin) : g_strdup ("model.keras");
  g_autofree char *label = g_filename_display_name (base);

  g_autoptr (FmZip) zip = fm_zip_open_data (data, len, label, ZIP_WHAT, error);
  if (!zip)
    {
      as_net_error (error);
      return NULL;
    }
  gsize config_len = 0, meta_len = 0;
  g_autofree char *config = member_text (zip, "config.json", label, TRUE, &config_len, error);
  if (!config)
    return NULL;
  GError *local = NULL;
  g_autofree char *meta = member_text (zip, "metadata.json", label, FALSE, &meta_len, &local);
  if (local)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  int wi = fm_zip_find (zip, "model.weights.h5");
  if (wi < 0)
    {
      if (fm_zip_find (zip, "model.weights.npz") >= 0)
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                     "%s: the weights are saved as model.weights.npz "
                     "(weights_format=\"npz\"); featuremaps reads the default, "
                     "model.weights.h5", label);
      else
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                     "%s: the archive has no model.weights.h5", label);
      return NULL;
    }
  gsize image_len = 0;
  g_autofree guint8 *image = fm_zip_read_member (zip, (guint) wi, FM_NET_MAX_FILE_SIZE,
                                                 &image_len, error);
  if (!image)
    {
      as_net_error (error);
      return NULL;
    }
  return fm_keras_load_parts (config, config_len, meta, meta_len, image, image_len,
                              origin, label, error);
}

FmNetGraph *
fm_net_load_keras_file (const char *path, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!fm_model_read_file (path, FM_NET_MAX_FILE_SIZE, &data, &len, error))
    return NULL;
  return fm_net_load_keras_data (data, len, path, error);
}

/* ---- registry entry (fm-formats.def) --------------------------------------- */

/* A .keras is a zip like an .npz; its first 16 bytes cannot tell them
 * apart (the member names come later), so it is known by its suffix. */
static gboolean
keras_sniff (const guint8 *head, gsize n)
{
  (void) head;
  (void) n;
  return FALSE;
}

static FmNetGraph *
keras_load_graph (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  return fm_net_load_keras_file (path, error);
}

static const char *const keras_suffixes[] = { ".keras", NULL };

const FmFormat fm_format_keras = {
  .name = "keras",
  .label = "Keras model (.keras)",
  .plural = "Keras models",
  .kind = FM_FORMAT_MODEL,
  .suffixes = keras_suffixes,
  .takes_member = TRUE,
  .sniff = keras_sniff,
  .load_graph = keras_load_graph,
};
