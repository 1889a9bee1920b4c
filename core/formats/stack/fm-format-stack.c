/* fm-format-stack: stack descriptions — a JSON list of layers for weights
 * that have no graph (.safetensors, an .npz state dict) — and the sidecar
 * rule that finds one beside a weights file or an ONNX model.  The format
 * is documented for users in docs/kernels.md; the layers are lowered in
 * fm-stack-layers.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fm-net-load.h"
#include "fm-npy.h"
#include "fm-model-file.h"
#include "fm-stack-private.h"
#include "fm-net-load-private.h"

/* Hand-written descriptions are small; this is far above any. */
#define STACK_MAX_FILE  ((gsize) 16 << 20)
#define STACK_MAX_LAYERS 10000

static const char *const top_keys[] = {
  "format", "version", "name", "description", "weights", "input", "layers", NULL
};
static const char *const sidecar_keys[] = {
  "format", "version", "name", "description", "input", NULL
};
static const char *const input_keys[] = {
  "channels", "range", "mean", "std", "order", "light", NULL
};

/* --- the input block ----------------------------------------------------- */

static gboolean
string_member (JsonObject *o, const char *key, const char **out, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  *out = NULL;
  if (!n)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "%s is %s, expected a string", key, fm_json_type_name (n));
      return FALSE;
    }
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
choice_member (JsonObject *o, const char *key, const char *a, const char *b,
               int *out, GError **error)
{
  const char *s;
  if (!string_member (o, key, &s, error))
    return FALSE;
  if (!s)
    return TRUE;
  if (strcmp (s, a) == 0 || strcmp (s, b) == 0)
    {
      *out = strcmp (s, b) == 0;
      return TRUE;
    }
  g_autofree char *label = fm_net_escape (s);
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
               "%s '%s' is not \"%s\" or \"%s\"", key, label, a, b);
  return FALSE;
}

/* A number or one per channel. */
static gboolean
per_channel (JsonObject *o, const char *key, double *values, int *n,
             gboolean positive, GError **error)
{
  JsonNode *node = json_object_get_member (o, key);
  *n = 0;
  if (!node)
    return TRUE;
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint count = a ? json_array_get_length (a) : 1;
  if (count < 1 || count > FM_INPUT_DECL_MAX_CHANNELS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "%s has %u values, expected 1 to %d", key, count,
                   FM_INPUT_DECL_MAX_CHANNELS);
      return FALSE;
    }
  for (guint k = 0; k < count; k++)
    {
      JsonNode *e = a ? json_array_get_element (a, k) : node;
      if (!JSON_NODE_HOLDS_VALUE (e)
          || (json_node_get_value_type (e) != G_TYPE_INT64
              && json_node_get_value_type (e) != G_TYPE_DOUBLE))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "%s is %s, expected a number or one per channel", key,
                       fm_json_type_name (e));
          return FALSE;
        }
      double v = json_node_get_double (e);
      if (!isfinite (v) || (positive && !(v > 0)))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "%s value %g: must be %s", key, v,
                       positive ? "a number > 0" : "a finite number");
          return FALSE;
        }
      values[k] = v;
    }
  *n = (int) count;
  return TRUE;
}

/* The "input" block: the same keys and meaning as a bank's declaration.
 * channels: 1, 3, 4, or −1 for "any" / not given. */
static gboolean
parse_input (JsonNode *node, FmInputDecl *decl, int *channels, GError **error)
{
  fm_input_decl_init (decl);
  *channels = -1;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "input is %s, expected an object", fm_json_type_name (node));
      return FALSE;
    }
  JsonObject *o = json_node_get_object (node);
  if (!fm_stack_check_keys (o, input_keys, "input", error))
    return FALSE;
  JsonNode *ch = json_object_get_member (o, "channels");
  if (ch)
    {
      gboolean any = JSON_NODE_HOLDS_VALUE (ch)
                     && json_node_get_value_type (ch) == G_TYPE_STRING
                     && strcmp (json_node_get_string (ch), "any") == 0;
      gint64 c = -1;
      if (!any
          && (!JSON_NODE_HOLDS_VALUE (ch) || json_node_get_value_type (ch) != G_TYPE_INT64
              || ((c = json_node_get_int (ch)) != 1 && c != 3 && c != 4)))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "input: channels must be 1, 3, 4 or \"any\"");
          return FALSE;
        }
      *channels = (int) c;
    }
  const char *range;
  int linear = 0, bgr = 0;
  GError *local = NULL;
  if (!string_member (o, "range", &range, &local)
      || !choice_member (o, "order", "rgb", "bgr", &bgr, &local)
      || !choice_member (o, "light", "perceptual", "linear", &linear, &local)
      || !per_channel (o, "mean", decl->mean, &decl->n_mean, FALSE, &local)
      || !per_channel (o, "std", decl->std, &decl->n_std, TRUE, &local))
    {
      g_propagate_prefixed_error (error, local, "input: ");
      return FALSE;
    }
  if (range)
    {
      if (strcmp (range, "0..1") == 0)
        decl->range = 1.0;
      else if (strcmp (range, "0..255") == 0)
        decl->range = 255.0;
      else
        {
          g_autofree char *label = fm_net_escape (range);
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "input: range '%s' is not \"0..1\" or \"0..255\"", label);
          return FALSE;
        }
    }
  decl->linear = linear;
  decl->bgr = bgr;
  for (int k = 0; k < 2; k++)
    {
      int n = k ? decl->n_std : decl->n_mean;
      if (n > 1 && *channels > 0 && n != *channels)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "input: %s has %d values for %d channels", k ? "std" : "mean",
                       n, *channels);
          return FALSE;
        }
    }
  return TRUE;
}

/* --- weights ------------------------------------------------------------- */

/* An .npz state dict's arrays as float tensors. */
static FmNetGraph *
npz_graph (const guint8 *data, gsize len, const char *origin, GError **error)
{
  GError *local = NULL;
  g_autoptr (GPtrArray) arrays = fm_npz_read_data (data, len, origin, &local);
  if (!arrays)
    {
      g_set_error (error, FM_NET_ERROR,
                   g_error_matches (local, FM_NPY_ERROR, FM_NPY_ERROR_TOO_LARGE)
                   ? FM_NET_ERROR_TOO_LARGE : FM_NET_ERROR_PARSE, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  g_autoptr (FmNetGraph) graph = fm_net_graph_new (origin, "npz");
  for (guint k = 0; k < arrays->len; k++)
    {
      FmArray *a = arrays->pdata[k];
      gint64 dims[FM_TENSOR_MAX_DIMS];
      for (int d = 0; d < a->ndim; d++)
        dims[d] = (gint64) a->shape[d];
      FmTensor *t = fm_tensor_new (a->name, FM_TENSOR_FLOAT, a->ndim, dims, error);
      if (!t)
        {
          g_prefix_error (error, "%s: ", origin);
          return NULL;
        }
      /* the converted values move into the tensor: no second copy */
      if (a->data && a->size)
        {
          g_free (t->f);
          t->f = g_steal_pointer (&a->data);
        }
      if (!fm_net_graph_add_initializer (graph, t, error))
        {
          g_prefix_error (error, "%s: ", origin);
          return NULL;
        }
    }
  return g_steal_pointer (&graph);
}

/* Weights from an open file: .npz or .safetensors by their first bytes.
 * Closes fd. */
static FmNetGraph *
weights_from_fd (int fd, gsize size, const char *label, GError **error)
{
  guint8 head[4] = { 0 };
  gboolean zip = size >= 4 && fm_model_pread (fd, head, 4, 0, label, NULL)
                 && memcmp (head, "PK\x03\x04", 4) == 0;
  FmNetGraph *graph = NULL;
  /* an .npz is read whole (its members may be deflated); safetensors a
   * tensor at a time, bounded by the tensor limits */
  if (zip && size > FM_NET_MAX_FILE_SIZE)
    g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                 "%s: %" G_GSIZE_FORMAT " bytes, over the limit of %"
                 G_GSIZE_FORMAT, label, size, FM_NET_MAX_FILE_SIZE);
  else if (zip)
    {
      g_autofree guint8 *data = g_try_malloc (MAX (size, (gsize) 1));
      if (!data)
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                     "%s: cannot allocate %" G_GSIZE_FORMAT " bytes", label, size);
      else if (fm_model_pread (fd, data, size, 0, label, error))
        graph = npz_graph (data, size, label, error);
    }
  else
    graph = fm_safetensors_read_fd (fd, size, label, error);
  close (fd);
  return graph;
}

/* The weights file a description names: below its folder, the same rule
 * as ONNX external data (a description and its weights travel together). */
static FmNetGraph *
weights_below (const char *dir, const char *relative, GError **error)
{
  gsize size = 0;
  GError *local = NULL;
  int fd = fm_model_open_below (dir, relative, &size, &local);
  if (fd < 0)
    {
      g_set_error (error, FM_NET_ERROR, local->code, "weights %s", local->message);
      g_error_free (local);
      return NULL;
    }
  g_autofree char *label = fm_net_escape (relative);
  return weights_from_fd (fd, size, label, error);
}

/* The weights file the user named (a sidecar's): opened as given. */
static FmNetGraph *
weights_at (const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  struct stat st;
  int fd = fm_model_open (path, &st, error);
  if (fd < 0)
    return NULL;
  return weights_from_fd (fd, (gsize) st.st_size, display, error);
}

/* --- the description ----------------------------------------------------- */

static char *
path_with_suffix (const char *path, const char *suffix)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  g_autofree char *name = g_strconcat (base, suffix, NULL);
  return g_build_filename (dir, name, NULL);
}

/* Reads a JSON file (size-capped) and parses it strictly. */
static JsonNode *
read_json (const char *path, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!fm_model_read_file (path, STACK_MAX_FILE, &data, &len, error))
    return NULL;
  g_autofree char *display = g_filename_display_name (path);
  GError *local = NULL;
  JsonNode *root = fm_model_parse_json ((const char *) data, len, "stack description", &local);
  if (!root)
    {
      g_set_error (error, FM_NET_ERROR, local->code, "%s: %s", display, local->message);
      g_error_free (local);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "%s: the description is %s, expected an object", display,
                   fm_json_type_name (root));
      json_node_unref (root);
      return NULL;
    }
  return root;
}

static gboolean
check_header (JsonObject *o, GError **error)
{
  const char *format;
  if (!string_member (o, "format", &format, error))
    return FALSE;
  if (format && strcmp (format, "featuremaps-stack") != 0)
    {
      g_autofree char *label = fm_net_escape (format);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "format '%s' is not \"featuremaps-stack\"", label);
      return FALSE;
    }
  JsonNode *v = json_object_get_member (o, "version");
  gint64 version = 1;
  if (v && !fm_json_get_int (fm_model_json_ctx (), v, "version", 1, G_MAXINT32, &version, error))
    return FALSE;
  if (version > 1)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                   "version %" G_GINT64_FORMAT " is newer than this reader (1)", version);
      return FALSE;
    }
  const char *s;
  return string_member (o, "name", &s, error)
         && string_member (o, "description", &s, error);
}

/* The description in root, its weights in `weights` (consumed). */
static FmNetGraph *
build (JsonObject *root, const char *origin, FmNetGraph *weights, GError **error)
{
  g_autoptr (FmNetGraph) graph = weights;
  /* messages name the weights file as it was read */
  g_autofree char *weights_name = graph->origin;
  graph->origin = g_strdup (origin);
  graph->opset = FM_STACK_OPSET;
  g_free (graph->producer);
  graph->producer = NULL;

  int channels = -1;
  JsonNode *input = json_object_get_member (root, "input");
  if (input)
    {
      if (!parse_input (input, &graph->decl, &channels, error))
        return NULL;
      graph->has_decl = TRUE;
    }
  gint64 dims[4] = { 1, channels, -1, -1 };
  g_ptr_array_add (graph->inputs, fm_net_value_info_new ("input", 4, dims));

  JsonNode *layers = json_object_get_member (root, "layers");
  if (!layers || !JSON_NODE_HOLDS_ARRAY (layers)
      || json_array_get_length (json_node_get_array (layers)) == 0)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "layers must be a non-empty array of layers");
      return NULL;
    }
  JsonArray *a = json_node_get_array (layers);
  guint n = json_array_get_length (a);
  if (n > STACK_MAX_LAYERS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "%u layers, at most %d", n, STACK_MAX_LAYERS);
      return NULL;
    }
  FmStack s = {
    .graph = graph,
    .weights_name = weights_name,
    .outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .layouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .prev = g_strdup ("input"),
  };
  g_hash_table_add (s.outputs, g_strdup ("input"));
  gboolean ok = TRUE;
  for (guint k = 0; k < n && ok; k++)
    ok = fm_stack_lower_layer (&s, json_array_get_element (a, k), k, error);
  if (ok)
    g_ptr_array_add (graph->outputs, fm_net_value_info_new (s.prev, 0, NULL));
  g_hash_table_unref (s.outputs);
  g_hash_table_unref (s.layouts);
  g_free (s.prev);
  if (!ok || !fm_net_graph_validate (graph, error))
    return NULL;
  return g_steal_pointer (&graph);
}

/* A description read from `path`.  weights_path: the weights file when the
 * description is its sidecar (then "weights" may be left out), else NULL. */
static FmNetGraph *
load_description (const char *path, JsonObject *root, const char *weights_path,
                  GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *dir = g_path_get_dirname (path);
  GError *local = NULL;
  g_autofree char *weights_base = weights_path ? g_path_get_basename (weights_path) : NULL;
  const char *weights_name = NULL;
  if (!fm_stack_check_keys (root, top_keys, "the description", &local)
      || !check_header (root, &local)
      || !string_member (root, "weights", &weights_name, &local))
    goto fail;
  if (weights_name && weights_path && strcmp (weights_name, weights_base) != 0)
    {
      g_autofree char *label = fm_net_escape (weights_name);
      g_autofree char *wlabel = g_filename_display_name (weights_base);
      g_set_error (&local, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "the sidecar of %s names other weights, '%s'", wlabel, label);
      goto fail;
    }
  if (!weights_name && !weights_path)
    {
      g_set_error (&local, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "no weights: name the .safetensors or .npz file that holds the "
                   "tensors (\"weights\": \"model.safetensors\")");
      goto fail;
    }
  FmNetGraph *weights = weights_name ? weights_below (dir, weights_name, &local)
                                     : weights_at (weights_path, &local);
  if (!weights)
    goto fail;
  FmNetGraph *graph = build (root, path, weights, &local);
  if (graph)
    return graph;

fail:
  /* messages from the weights file and validate name their file already */
  if (!g_str_has_prefix (local->message, display))
    g_prefix_error (&local, "%s: ", display);
  g_propagate_error (error, local);
  return NULL;
}

FmNetGraph *
fm_net_load_stack_file (const char *path, GError **error)
{
  g_autoptr (JsonNode) root = read_json (path, error);
  if (!root)
    return NULL;
  JsonObject *o = json_node_get_object (root);
  g_autofree char *display = g_filename_display_name (path);
  if (json_object_has_member (o, "filters"))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "%s: a kernel bank, not a model (use it as a kernel)", display);
      return NULL;
    }
  /* a sidecar given directly: its weights or model beside it */
  if (!json_object_has_member (o, "weights"))
    {
      static const char *const suffixes[] = { ".safetensors", ".npz", ".onnx" };
      for (gsize k = 0; k < G_N_ELEMENTS (suffixes); k++)
        {
          g_autofree char *beside = path_with_suffix (path, suffixes[k]);
          if (strcmp (beside, path) == 0 || !g_file_test (beside, G_FILE_TEST_IS_REGULAR))
            continue;
          if (k == 2)
            return fm_net_graph_load (beside, error);
          return load_description (path, o, beside, error);
        }
    }
  return load_description (path, o, NULL, error);
}

FmNetGraph *
fm_net_load_stack_data (const char *json, gsize len, const char *origin,
                        FmNetGraph *weights, GError **error)
{
  g_autoptr (FmNetGraph) owned = weights;
  const char *file = origin && *origin ? origin : "model.json";
  GError *local = NULL;
  g_autoptr (JsonNode) root = fm_model_parse_json (json, len, "stack description", &local);
  if (root && !JSON_NODE_HOLDS_OBJECT (root))
    g_set_error (&local, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                 "the description is %s, expected an object", fm_json_type_name (root));
  FmNetGraph *graph = NULL;
  if (!local)
    {
      JsonObject *o = json_node_get_object (root);
      if (fm_stack_check_keys (o, top_keys, "the description", &local)
          && check_header (o, &local))
        {
          if (!owned)
            owned = fm_net_graph_new ("weights", "safetensors");
          graph = build (o, file, g_steal_pointer (&owned), &local);
        }
    }
  if (!graph)
    {
      if (!g_str_has_prefix (local->message, file))
        g_prefix_error (&local, "%s: ", file);
      g_propagate_error (error, local);
    }
  return graph;
}

/* --- sidecars ------------------------------------------------------------ */

char *
fm_net_sidecar_path (const char *model_path)
{
  return path_with_suffix (model_path, ".json");
}

gboolean
fm_net_apply_onnx_sidecar (FmNetGraph *graph, const char *sidecar, GError **error)
{
  g_autoptr (JsonNode) root = read_json (sidecar, error);
  if (!root)
    return FALSE;
  g_autofree char *display = g_filename_display_name (sidecar);
  JsonObject *o = json_node_get_object (root);
  GError *local = NULL;
  if (json_object_has_member (o, "layers") || json_object_has_member (o, "weights"))
    g_set_error (&local, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                 "beside an ONNX model a description holds only an input block "
                 "(and name, description): the model has its own layers and weights");
  else if (fm_stack_check_keys (o, sidecar_keys, "the description", &local)
           && check_header (o, &local))
    {
      JsonNode *input = json_object_get_member (o, "input");
      int channels = -1;
      if (input && parse_input (input, &graph->decl, &channels, &local))
        {
          graph->has_decl = TRUE;
          const FmNetValueInfo *in = graph->inputs->len ? graph->inputs->pdata[0] : NULL;
          if (channels > 0 && in && in->ndim == 4 && in->dims[1] > 0 && in->dims[1] != channels)
            {
              g_autofree char *label = fm_net_escape (in->name);
              g_set_error (&local, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                           "input: channels %d, but the model's input '%s' has %"
                           G_GINT64_FORMAT, channels, label, in->dims[1]);
            }
        }
    }
  if (local)
    {
      g_propagate_prefixed_error (error, local, "%s: ", display);
      return FALSE;
    }
  return TRUE;
}

FmNetGraph *
fm_net_load_weights_with_sidecar (const char *weights_path, GError **error)
{
  g_autofree char *sidecar = fm_net_sidecar_path (weights_path);
  g_autofree char *display = g_filename_display_name (weights_path);
  if (!g_file_test (sidecar, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *sdisplay = g_filename_display_name (sidecar);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_NOT_FOUND,
                   "%s holds weights without layers: describe the layers in %s beside "
                   "it (a stack description, docs/kernels.md)", display, sdisplay);
      return NULL;
    }
  g_autoptr (JsonNode) root = read_json (sidecar, error);
  if (!root)
    return NULL;
  return load_description (sidecar, json_node_get_object (root), weights_path, error);
}

FmNetGraph *
fm_net_load_npz_file (const char *path, GError **error)
{
  return fm_net_load_weights_with_sidecar (path, error);
}
