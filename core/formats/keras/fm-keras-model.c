/* fm-keras-model: a Keras model config (Sequential or Functional, nested in
 * each other to any depth up to FM_KERAS_MAX_NESTING) → the graph.
 *
 * Functional configs come in two forms, both read:
 *   Keras 3:   "inbound_nodes": [{"args": [<keras tensor> or [tensors…]],
 *                                 "kwargs": {…}}, …]  with a keras tensor
 *              {"class_name": "__keras_tensor__", "config": {"keras_history":
 *               [layer, node_index, tensor_index]}}
 *   tf-keras:  "inbound_nodes": [[[layer, node_index, tensor_index, {kwargs}], …], …]
 * One entry per call of the layer; a layer called twice (shared weights)
 * becomes two sets of nodes reading the same initializers.  A nested
 * Functional model's first call is its node 1 (node 0 links its own input
 * to its output); so is a nested Sequential's under tf-keras.
 *
 * Names: a layer's last node and its output tensor carry the layer's name
 * (inside a nested model "outer/inner"; a shared layer's later calls
 * "name:1", "name:2" …), so MODEL#LAYER finds the layer's output.
 *
 * Where each layer's weights are (FmKerasRef) follows Keras's saving code:
 *   - .keras by Keras 3 (and tf-keras ≥ 2.15): the model's `layers` in
 *     order, each at "layers/<snake_case(class)>" with "_1", "_2" … for the
 *     second, third … of a class; nested models recurse below theirs.
 *   - .keras by tf-keras 2.13 / 2.14: the same walk, but through the
 *     model's _layer_checkpoint_dependencies, which lists every layer that
 *     has weights twice ("layer_with_weights-k", then "layer-i"): the
 *     counter of its class advances twice, and the first name is where
 *     the weights were saved.
 *   - legacy .h5: the group named after the top-level layer. */
#include <string.h>

#include "fm-keras-private.h"

typedef struct {
  FmNetGraph *graph;
  const FmKerasSource *src;
  GHashTable *ranks;          /* graph tensor → GINT_TO_POINTER (rank) */
  GHashTable *affines;        /* marker node → FmKerasAffine */
} Build;

/* Where one model's layers go. */
typedef struct {
  const char *scope;          /* graph-name prefix: "" or "outer/" */
  const char *v3;             /* weight-path prefix (Keras 3) */
  const char *v213;           /* weight-path prefix (tf-keras 2.13) */
  const char *h5_group;       /* legacy: the enclosing top-level group, NULL at top */
  int depth;
} Scope;

static gboolean build_model (Build *b, JsonObject *model, const char *model_name,
                             const Scope *scope, int n_in, char **in,
                             GPtrArray *outputs, GError **error);

static const char *
json_string (JsonNode *n)
{
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

static gboolean
is_model_class (const char *class_name, JsonObject *config)
{
  if (!config)
    return FALSE;
  JsonNode *layers = json_object_get_member (config, "layers");
  return layers && JSON_NODE_HOLDS_ARRAY (layers)
         && (!strcmp (class_name, "Sequential") || !strcmp (class_name, "Functional")
             || !strcmp (class_name, "Model"));
}

/* --- one layer entry of a model's "layers" list ------------------------------- */

typedef struct {
  const char *class_name;
  const char *name;
  JsonObject *config;
  JsonObject *entry;          /* the whole entry ({"class_name", "config", "inbound_nodes"…}) */
  gboolean nested;
  gboolean weighted;          /* has variables (tf-keras 2.13 paths) */
  FmKerasRef ref;
} Entry;

static void
entry_clear (gpointer p)
{
  fm_keras_ref_clear (&((Entry *) p)->ref);
}

static gboolean model_weighted (JsonObject *config, int depth);

static gboolean
entry_weighted (const char *class_name, JsonObject *config, int depth)
{
  if (is_model_class (class_name, config))
    return depth < FM_KERAS_MAX_NESTING && model_weighted (config, depth + 1);
  return fm_keras_class_has_weights (class_name, config);
}

static gboolean
model_weighted (JsonObject *config, int depth)
{
  JsonArray *layers = json_object_get_array_member (config, "layers");
  guint n = MIN (json_array_get_length (layers), FM_KERAS_MAX_LAYERS);
  for (guint k = 0; k < n; k++)
    {
      JsonNode *e = json_array_get_element (layers, k);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        continue;
      JsonObject *o = json_node_get_object (e);
      const char *cn = json_string (json_object_get_member (o, "class_name"));
      JsonNode *cfg = json_object_get_member (o, "config");
      if (cn && cfg && JSON_NODE_HOLDS_OBJECT (cfg)
          && entry_weighted (cn, json_node_get_object (cfg), depth))
        return TRUE;
    }
  return FALSE;
}

/* Reads the "layers" list: class, name and config of each, and where its
 * weights are. */
static GArray *
read_entries (JsonObject *config, const Scope *scope, gboolean sequential,
              const FmKerasWhere *mw, GError **error)
{
  JsonNode *ln = json_object_get_member (config, "layers");
  if (!ln || !JSON_NODE_HOLDS_ARRAY (ln))
    {
      fm_keras_fail (mw, error, FM_NET_ERROR_PARSE, "its config has no list of layers");
      return NULL;
    }
  JsonArray *layers = json_node_get_array (ln);
  guint n = json_array_get_length (layers);
  if (n > FM_KERAS_MAX_LAYERS)
    {
      fm_keras_fail (mw, error, FM_NET_ERROR_TOO_LARGE,
                     "%u layers, at most %d are read", n, FM_KERAS_MAX_LAYERS);
      return NULL;
    }
  GArray *entries = g_array_sized_new (FALSE, TRUE, sizeof (Entry), n);
  g_array_set_clear_func (entries, entry_clear);
  g_autoptr (GHashTable) v3_count = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) v213_count = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint k = 0; k < n; k++)
    {
      Entry e = { 0 };
      JsonNode *node = json_array_get_element (layers, k);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          fm_keras_fail (mw, error, FM_NET_ERROR_PARSE, "layer %u is not an object", k + 1);
          goto fail;
        }
      e.entry = json_node_get_object (node);
      e.class_name = json_string (json_object_get_member (e.entry, "class_name"));
      if (!e.class_name || !*e.class_name || strlen (e.class_name) > FM_NET_MAX_NAME)
        {
          fm_keras_fail (mw, error, FM_NET_ERROR_PARSE,
                         "layer %u has no class_name (a string)", k + 1);
          goto fail;
        }
      JsonNode *cn = json_object_get_member (e.entry, "config");
      if (!cn || !JSON_NODE_HOLDS_OBJECT (cn))
        {
          g_autofree char *c = fm_net_escape (e.class_name);
          fm_keras_fail (mw, error, FM_NET_ERROR_PARSE,
                         "layer %u (%s) has no config (an object)", k + 1, c);
          goto fail;
        }
      e.config = json_node_get_object (cn);
      /* Functional lists the name beside the config; Sequential inside it */
      JsonNode *nn = json_object_get_member (e.entry, "name");
      if (!json_string (nn))
        nn = json_object_get_member (e.config, "name");
      e.name = json_string (nn);
      if (!e.name || !*e.name)
        {
          fm_keras_fail (mw, error, FM_NET_ERROR_PARSE,
                         "layer %u (%s) has no name", k + 1, e.class_name);
          goto fail;
        }
      if (strlen (e.name) > FM_NET_MAX_NAME)
        {
          fm_keras_fail (mw, error, FM_NET_ERROR_TOO_LARGE,
                         "layer %u has a name longer than %d bytes", k + 1, FM_NET_MAX_NAME);
          goto fail;
        }
      if (!g_hash_table_add (seen, (gpointer) e.name))
        {
          g_autofree char *l = fm_net_escape (e.name);
          fm_keras_fail (mw, error, FM_NET_ERROR_INVALID,
                         "two layers are named '%s'", l);
          goto fail;
        }
      e.nested = is_model_class (e.class_name, e.config);
      e.weighted = entry_weighted (e.class_name, e.config, scope->depth);

      /* Keras 3: the model's `layers` (a Sequential's omit its InputLayer,
       * which takes no name of another class anyway) */
      g_autofree char *snake = fm_keras_snake_case (e.class_name);
      gpointer c3 = NULL;
      gboolean had3 = g_hash_table_lookup_extended (v3_count, snake, NULL, &c3);
      int n3 = had3 ? GPOINTER_TO_INT (c3) + 1 : 0;
      g_hash_table_insert (v3_count, g_strdup (snake), GINT_TO_POINTER (n3));
      g_autofree char *leaf3 = n3 ? g_strdup_printf ("%s_%d", snake, n3) : g_strdup (snake);
      e.ref.v3_path = g_strdup_printf ("%slayers/%s", scope->v3, leaf3);

      /* tf-keras 2.13: weighted layers listed twice, the first one saved */
      gboolean in_213 = !(sequential && !strcmp (e.class_name, "InputLayer"));
      if (in_213)
        {
          gpointer c2 = NULL;
          gboolean had2 = g_hash_table_lookup_extended (v213_count, snake, NULL, &c2);
          int n2 = had2 ? GPOINTER_TO_INT (c2) + 1 : 0;
          int last = n2 + (e.weighted ? 1 : 0);
          g_hash_table_insert (v213_count, g_strdup (snake), GINT_TO_POINTER (last));
          g_autofree char *leaf2 = n2 ? g_strdup_printf ("%s_%d", snake, n2) : g_strdup (snake);
          e.ref.v213_path = g_strdup_printf ("%s_layer_checkpoint_dependencies/%s",
                                             scope->v213, leaf2);
        }
      else
        e.ref.v213_path = g_strdup ("");
      if (scope->h5_group)
        {
          e.ref.h5_group = g_strdup (scope->h5_group);
          e.ref.h5_layer = g_strdup (e.name);
        }
      else
        e.ref.h5_group = g_strdup (e.name);
      g_array_append_val (entries, e);
    }
  return entries;

fail:
  g_array_unref (entries);
  return NULL;
}

/* --- shapes ---------------------------------------------------------------------- */

/* batch_shape (Keras 3) or batch_input_shape (tf-keras): [null, H, W, C]. */
static gboolean
input_shape (JsonObject *cfg, const char *key, int *ndim, gint64 *dims)
{
  JsonNode *n = cfg ? fm_keras_member (cfg, key) : NULL;
  if (!n || !JSON_NODE_HOLDS_ARRAY (n))
    return FALSE;
  JsonArray *a = json_node_get_array (n);
  guint len = json_array_get_length (a);
  if (len < 1 || len > FM_TENSOR_MAX_DIMS)
    return FALSE;
  gint64 keras[FM_TENSOR_MAX_DIMS];
  for (guint k = 0; k < len; k++)
    {
      JsonNode *e = fm_keras_unwrap (json_array_get_element (a, k));
      gint64 v = -1;
      if (e && JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_INT64)
        v = json_node_get_int (e);
      keras[k] = v > 0 && v <= G_MAXINT32 ? v : -1;
    }
  *ndim = (int) len;
  /* channels-last → N, C, spatial… */
  dims[0] = keras[0];
  if (len >= 3)
    {
      dims[1] = keras[len - 1];
      for (guint k = 1; k + 1 < len; k++)
        dims[k + 1] = keras[k];
    }
  else
    for (guint k = 1; k < len; k++)
      dims[k] = keras[k];
  return TRUE;
}

static void
set_rank (Build *b, const char *tensor, int rank)
{
  g_hash_table_insert (b->ranks, g_strdup (tensor), GINT_TO_POINTER (rank));
}

static int
get_rank (Build *b, const char *tensor)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (b->ranks, tensor));
}

/* The graph input of a top-level InputLayer (or of a Sequential without
 * one: its shape from wherever the config keeps it). */
static char *
add_graph_input (Build *b, const char *name, JsonObject *cfg, JsonObject *alt1,
                 JsonObject *alt2)
{
  int ndim = 0;
  gint64 dims[FM_TENSOR_MAX_DIMS];
  if (!input_shape (cfg, "batch_shape", &ndim, dims)
      && !input_shape (cfg, "batch_input_shape", &ndim, dims)
      && !input_shape (alt1, "build_input_shape", &ndim, dims)
      && !input_shape (alt2, "input_shape", &ndim, dims))
    {
      /* unknown: an image of unknown channels (the planner infers or asks) */
      ndim = 4;
      for (int d = 0; d < 4; d++)
        dims[d] = -1;
    }
  g_ptr_array_add (b->graph->inputs, fm_net_value_info_new (name, ndim, dims));
  set_rank (b, name, ndim);
  return g_strdup (name);
}

/* --- calls ------------------------------------------------------------------------ */

/* Lowers one call of an ordinary layer; out receives its output tensor. */
static gboolean
call_layer (Build *b, const Scope *scope, const Entry *e, int call_index,
            int n_in, char **in, char **out, GError **error)
{
  g_autofree char *weights = g_strdup_printf ("%s%s", scope->scope, e->name);
  g_autofree char *name = call_index == 0 ? g_strdup (weights)
                                          : g_strdup_printf ("%s:%d", weights, call_index);
  int *ranks = g_new0 (int, MAX (n_in, 1));
  for (int k = 0; k < n_in; k++)
    ranks[k] = get_rank (b, in[k]);
  FmKerasCall c = {
    .graph = b->graph, .src = b->src,
    .where = { b->src->file, weights, e->class_name },
    .name = name, .weights = weights, .first_call = call_index == 0,
    .config = e->config, .ref = &e->ref,
    .n_inputs = n_in, .inputs = (const char *const *) in, .in_ranks = ranks,
    .affines = b->affines,
  };
  gboolean ok = fm_keras_lower_layer (&c, e->class_name, error);
  g_free (ranks);
  if (!ok)
    return FALSE;
  set_rank (b, name, c.out_rank);
  *out = g_steal_pointer (&name);
  return TRUE;
}

/* A nested model called on in: its outputs. */
static gboolean
call_model (Build *b, const Scope *scope, const Entry *e, int call_index,
            int n_in, char **in, GPtrArray *outputs, GError **error)
{
  if (scope->depth + 1 > FM_KERAS_MAX_NESTING)
    {
      FmKerasWhere w = { b->src->file, e->name, e->class_name };
      return fm_keras_fail (&w, error, FM_NET_ERROR_TOO_LARGE,
                            "models nested more than %d deep", FM_KERAS_MAX_NESTING);
    }
  if (call_index > 0)
    {
      FmKerasWhere w = { b->src->file, e->name, e->class_name };
      return fm_keras_fail (&w, error, FM_NET_ERROR_UNSUPPORTED,
                            "a nested model called more than once");
    }
  g_autofree char *sub_scope = g_strdup_printf ("%s%s/", scope->scope, e->name);
  g_autofree char *v3 = g_strdup_printf ("%s/", e->ref.v3_path);
  g_autofree char *v213 = g_strdup_printf ("%s/", e->ref.v213_path);
  Scope s = {
    .scope = sub_scope, .v3 = v3, .v213 = v213,
    .h5_group = scope->h5_group ? scope->h5_group : e->name,
    .depth = scope->depth + 1,
  };
  return build_model (b, e->entry, e->name, &s, n_in, in, outputs, error);
}

/* --- Sequential ------------------------------------------------------------------- */

static gboolean
build_sequential (Build *b, JsonObject *config, const Scope *scope,
                  const FmKerasWhere *mw, int n_in, char **in, GPtrArray *outputs,
                  GError **error)
{
  g_autoptr (GArray) entries = read_entries (config, scope, TRUE, mw, error);
  if (!entries)
    return FALSE;
  g_autofree char *x = NULL;
  if (n_in > 1)
    return fm_keras_fail (mw, error, FM_NET_ERROR_INVALID,
                          "a Sequential model called with %d inputs", n_in);
  if (n_in == 1)
    x = g_strdup (in[0]);
  for (guint k = 0; k < entries->len; k++)
    {
      const Entry *e = &g_array_index (entries, Entry, k);
      if (!strcmp (e->class_name, "InputLayer"))
        {
          if (k != 0)
            return fm_keras_fail (mw, error, FM_NET_ERROR_INVALID,
                                  "an InputLayer after the first layer");
          if (!x)
            x = add_graph_input (b, e->name, e->config, NULL, NULL);
          continue;
        }
      if (!x)
        {
          JsonNode *bc = json_object_get_member (e->entry, "build_config");
          x = add_graph_input (b, "input", e->config, config,
                               bc && JSON_NODE_HOLDS_OBJECT (bc) ? json_node_get_object (bc) : NULL);
        }
      if (e->nested)
        {
          g_autoptr (GPtrArray) outs = g_ptr_array_new_with_free_func (g_free);
          if (!call_model (b, scope, e, 0, 1, &x, outs, error))
            return FALSE;
          if (outs->len != 1)
            {
              FmKerasWhere w = { b->src->file, e->name, e->class_name };
              return fm_keras_fail (&w, error, FM_NET_ERROR_UNSUPPORTED,
                                    "a model with %u outputs inside a Sequential", outs->len);
            }
          g_free (x);
          x = g_strdup (outs->pdata[0]);
          continue;
        }
      char *out = NULL;
      if (!call_layer (b, scope, e, 0, 1, &x, &out, error))
        return FALSE;
      g_free (x);
      x = out;
    }
  if (!x)
    return fm_keras_fail (mw, error, FM_NET_ERROR_INVALID, "the model has no layers");
  g_ptr_array_add (outputs, g_steal_pointer (&x));
  return TRUE;
}

/* --- Functional ------------------------------------------------------------------- */

typedef struct {
  char *layer;
  gint64 node, tensor;
} TensorRef;

static void
ref_clear (gpointer p)
{
  g_free (((TensorRef *) p)->layer);
}

static char *
tensor_key (const char *layer, gint64 node, gint64 tensor)
{
  return g_strdup_printf ("%s\x1f%" G_GINT64_FORMAT "\x1f%" G_GINT64_FORMAT, layer, node, tensor);
}

/* [layer, node_index, tensor_index(, kwargs)] → ref. */
static gboolean
parse_history (JsonArray *h, TensorRef *ref, const FmKerasWhere *w, GError **error)
{
  if (json_array_get_length (h) < 3)
    return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                          "an input reference has fewer than 3 items");
  const char *layer = json_string (json_array_get_element (h, 0));
  JsonNode *ni = fm_keras_unwrap (json_array_get_element (h, 1));
  JsonNode *ti = fm_keras_unwrap (json_array_get_element (h, 2));
  if (!layer || !ni || !ti || !JSON_NODE_HOLDS_VALUE (ni) || !JSON_NODE_HOLDS_VALUE (ti)
      || json_node_get_value_type (ni) != G_TYPE_INT64
      || json_node_get_value_type (ti) != G_TYPE_INT64)
    return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                          "an input reference is not [layer, node, tensor]");
  if (!strcmp (layer, "_CONSTANT_VALUE"))
    return fm_keras_fail (w, error, FM_NET_ERROR_UNSUPPORTED,
                          "it takes a constant as input");
  ref->layer = g_strdup (layer);
  ref->node = json_node_get_int (ni);
  ref->tensor = json_node_get_int (ti);
  if (ref->node < 0 || ref->node > FM_KERAS_MAX_CALLS || ref->tensor < 0
      || ref->tensor > FM_KERAS_MAX_INPUTS)
    return fm_keras_fail (w, error, FM_NET_ERROR_INVALID,
                          "an input reference has node %" G_GINT64_FORMAT " and tensor %"
                          G_GINT64_FORMAT, ref->node, ref->tensor);
  return TRUE;
}

/* The keras tensors of a Keras 3 call's args, depth first. */
static gboolean
collect_tensors (JsonNode *n, GArray *refs, int depth, const FmKerasWhere *w,
                 GError **error)
{
  if (depth > 8)
    return fm_keras_fail (w, error, FM_NET_ERROR_UNSUPPORTED,
                          "its inputs are nested more than 8 levels deep");
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      guint len = json_array_get_length (a);
      for (guint k = 0; k < len; k++)
        if (!collect_tensors (json_array_get_element (a, k), refs, depth + 1, w, error))
          return FALSE;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return TRUE;   /* a constant argument (a Python number …): not a tensor */
  JsonObject *o = json_node_get_object (n);
  const char *cn = json_string (json_object_get_member (o, "class_name"));
  if (!cn || strcmp (cn, "__keras_tensor__"))
    {
      if (cn && !strcmp (cn, "__tuple__"))
        return collect_tensors (fm_keras_unwrap (n), refs, depth + 1, w, error);
      return TRUE;
    }
  JsonNode *cfg = json_object_get_member (o, "config");
  JsonNode *h = cfg && JSON_NODE_HOLDS_OBJECT (cfg)
                ? fm_keras_unwrap (json_object_get_member (json_node_get_object (cfg), "keras_history"))
                : NULL;
  if (!h || !JSON_NODE_HOLDS_ARRAY (h))
    return fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "a keras tensor has no keras_history");
  if (refs->len >= FM_KERAS_MAX_INPUTS)
    return fm_keras_fail (w, error, FM_NET_ERROR_TOO_LARGE,
                          "more than %d inputs", FM_KERAS_MAX_INPUTS);
  TensorRef r = { 0 };
  if (!parse_history (json_node_get_array (h), &r, w, error))
    {
      g_free (r.layer);
      return FALSE;
    }
  g_array_append_val (refs, r);
  return TRUE;
}

/* One entry of inbound_nodes → the references it reads. */
static GArray *
parse_call (JsonNode *node, const FmKerasWhere *w, GError **error)
{
  GArray *refs = g_array_new (FALSE, TRUE, sizeof (TensorRef));
  g_array_set_clear_func (refs, ref_clear);
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      /* Keras 3: {"args": […], "kwargs": {…}}; tensors in kwargs (masks)
       * are not inputs of the maps */
      JsonNode *args = json_object_get_member (json_node_get_object (node), "args");
      if (!args)
        {
          fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "a call without 'args'");
          goto fail;
        }
      if (!collect_tensors (args, refs, 0, w, error))
        goto fail;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      /* tf-keras: [[layer, node, tensor, kwargs], …] */
      JsonArray *a = json_node_get_array (node);
      guint len = json_array_get_length (a);
      if (len > FM_KERAS_MAX_INPUTS)
        {
          fm_keras_fail (w, error, FM_NET_ERROR_TOO_LARGE,
                         "more than %d inputs", FM_KERAS_MAX_INPUTS);
          goto fail;
        }
      for (guint k = 0; k < len; k++)
        {
          JsonNode *e = json_array_get_element (a, k);
          if (!JSON_NODE_HOLDS_ARRAY (e))
            {
              fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                             "an input reference is not [layer, node, tensor]");
              goto fail;
            }
          TensorRef r = { 0 };
          if (!parse_history (json_node_get_array (e), &r, w, error))
            {
              g_free (r.layer);
              goto fail;
            }
          g_array_append_val (refs, r);
        }
    }
  else
    {
      fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "a call is neither a list nor an object");
      goto fail;
    }
  if (refs->len == 0)
    {
      fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "a call has no input tensor");
      goto fail;
    }
  return refs;

fail:
  g_array_unref (refs);
  return NULL;
}

/* input_layers / output_layers: [[layer, node, tensor], …], a single
 * [layer, node, tensor] (Keras 3, one input), or a dict of them. */
static GArray *
parse_endpoints (JsonObject *config, const char *key, const FmKerasWhere *w,
                 GError **error)
{
  JsonNode *n = fm_keras_member (config, key);
  GArray *refs = g_array_new (FALSE, TRUE, sizeof (TensorRef));
  g_array_set_clear_func (refs, ref_clear);
  if (n && JSON_NODE_HOLDS_OBJECT (n))
    {
      /* a dict of named inputs: its values in order */
      JsonObject *o = json_node_get_object (n);
      GList *members = json_object_get_values (o);
      JsonArray *a = json_array_new ();
      for (GList *l = members; l; l = l->next)
        json_array_add_element (a, json_node_copy (l->data));
      g_list_free (members);
      JsonNode *tmp = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (tmp, a);
      GArray *r = NULL;
      JsonObject *wrap = json_object_new ();
      json_object_set_member (wrap, key, tmp);
      r = parse_endpoints (wrap, key, w, error);
      json_object_unref (wrap);
      g_array_unref (refs);
      return r;
    }
  if (!n || !JSON_NODE_HOLDS_ARRAY (n))
    {
      fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is missing", key);
      goto fail;
    }
  JsonArray *a = json_node_get_array (n);
  guint len = json_array_get_length (a);
  if (len >= 1 && json_string (json_array_get_element (a, 0)))
    {
      TensorRef r = { 0 };
      if (!parse_history (a, &r, w, error))
        {
          g_free (r.layer);
          goto fail;
        }
      g_array_append_val (refs, r);
      return refs;
    }
  if (len > FM_KERAS_MAX_INPUTS)
    {
      fm_keras_fail (w, error, FM_NET_ERROR_TOO_LARGE, "'%s' has more than %d entries",
                     key, FM_KERAS_MAX_INPUTS);
      goto fail;
    }
  for (guint k = 0; k < len; k++)
    {
      JsonNode *e = fm_keras_unwrap (json_array_get_element (a, k));
      if (!e || !JSON_NODE_HOLDS_ARRAY (e))
        {
          fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is not a list of "
                         "[layer, node, tensor]", key);
          goto fail;
        }
      TensorRef r = { 0 };
      if (!parse_history (json_node_get_array (e), &r, w, error))
        {
          g_free (r.layer);
          goto fail;
        }
      g_array_append_val (refs, r);
    }
  if (refs->len == 0)
    {
      fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is empty", key);
      goto fail;
    }
  return refs;

fail:
  g_array_unref (refs);
  return NULL;
}

/* One call of one layer, ready to run once its inputs exist. */
typedef struct {
  guint entry;
  int call;                 /* which call of the layer (0, 1 …) */
  gint64 node;              /* its node index in references */
  GArray *refs;             /* TensorRef, NULL for an InputLayer */
  int pending;              /* inputs not yet made */
  GArray *waiting;          /* guint: units that read this one */
} Unit;

static void
unit_clear (gpointer p)
{
  Unit *u = p;
  if (u->refs)
    g_array_unref (u->refs);
  if (u->waiting)
    g_array_unref (u->waiting);
}

static gboolean
build_functional (Build *b, JsonObject *config, const Scope *scope,
                  const FmKerasWhere *mw, int n_in, char **in, GPtrArray *outputs,
                  GError **error)
{
  g_autoptr (GArray) entries = read_entries (config, scope, FALSE, mw, error);
  if (!entries)
    return FALSE;
  g_autoptr (GArray) inputs = parse_endpoints (config, "input_layers", mw, error);
  if (!inputs)
    return FALSE;
  g_autoptr (GArray) outs = parse_endpoints (config, "output_layers", mw, error);
  if (!outs)
    return FALSE;
  if (scope->depth > 0 && (int) inputs->len != n_in)
    return fm_keras_fail (mw, error, FM_NET_ERROR_INVALID,
                          "it has %u inputs but is called with %d", inputs->len, n_in);

  g_autoptr (GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint k = 0; k < entries->len; k++)
    g_hash_table_insert (by_name, (gpointer) g_array_index (entries, Entry, k).name,
                         GUINT_TO_POINTER (k + 1));

  /* units: every call of every layer */
  g_autoptr (GArray) units = g_array_new (FALSE, TRUE, sizeof (Unit));
  g_array_set_clear_func (units, unit_clear);
  g_autoptr (GHashTable) unit_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint k = 0; k < entries->len; k++)
    {
      const Entry *e = &g_array_index (entries, Entry, k);
      FmKerasWhere w = { b->src->file, e->name, e->class_name };
      if (!strcmp (e->class_name, "InputLayer"))
        {
          Unit u = { .entry = k, .call = 0, .node = 0 };
          g_array_append_val (units, u);
          g_hash_table_insert (unit_of, tensor_key (e->name, 0, 0), GUINT_TO_POINTER (units->len));
          continue;
        }
      JsonNode *inb = json_object_get_member (e->entry, "inbound_nodes");
      if (!inb || !JSON_NODE_HOLDS_ARRAY (inb))
        return fm_keras_fail (&w, error, FM_NET_ERROR_PARSE, "'inbound_nodes' is missing");
      JsonArray *calls = json_node_get_array (inb);
      guint n_calls = json_array_get_length (calls);
      if (n_calls > FM_KERAS_MAX_CALLS)
        return fm_keras_fail (&w, error, FM_NET_ERROR_TOO_LARGE,
                              "called more than %d times", FM_KERAS_MAX_CALLS);
      /* a nested Functional's node 0 is its own; so is a nested
       * Sequential's under tf-keras (it is Functional there) */
      gint64 offset = e->nested && (strcmp (e->class_name, "Sequential") || !b->src->keras3)
                      ? 1 : 0;
      for (guint c = 0; c < n_calls; c++)
        {
          GArray *refs = parse_call (json_array_get_element (calls, c), &w, error);
          if (!refs)
            return FALSE;
          Unit u = { .entry = k, .call = (int) c, .node = c + offset, .refs = refs,
                     .pending = (int) refs->len };
          g_array_append_val (units, u);
          g_hash_table_insert (unit_of, tensor_key (e->name, u.node, 0),
                               GUINT_TO_POINTER (units->len));
        }
    }

  /* edges: unit → the units reading it */
  for (guint u = 0; u < units->len; u++)
    {
      Unit *unit = &g_array_index (units, Unit, u);
      const Entry *e = &g_array_index (entries, Entry, unit->entry);
      FmKerasWhere w = { b->src->file, e->name, e->class_name };
      for (guint r = 0; unit->refs && r < unit->refs->len; r++)
        {
          const TensorRef *ref = &g_array_index (unit->refs, TensorRef, r);
          g_autofree char *l = fm_net_escape (ref->layer);
          if (!g_hash_table_contains (by_name, ref->layer))
            return fm_keras_fail (&w, error, FM_NET_ERROR_INVALID,
                                  "it reads layer '%s', which is not in the model", l);
          g_autofree char *key = tensor_key (ref->layer, ref->node, 0);
          guint src = GPOINTER_TO_UINT (g_hash_table_lookup (unit_of, key));
          if (!src)
            return fm_keras_fail (&w, error, FM_NET_ERROR_INVALID,
                                  "it reads call %" G_GINT64_FORMAT " of layer '%s', "
                                  "which is never called that often", ref->node, l);
          Unit *from = &g_array_index (units, Unit, src - 1);
          if (!from->waiting)
            from->waiting = g_array_new (FALSE, FALSE, sizeof (guint));
          g_array_append_val (from->waiting, u);
        }
    }

  /* Kahn's order, starting from the units that read nothing, in file order */
  g_autoptr (GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GQueue) ready = g_queue_new ();
  for (guint u = 0; u < units->len; u++)
    if (g_array_index (units, Unit, u).pending == 0)
      g_queue_push_tail (ready, GUINT_TO_POINTER (u));
  guint done = 0;
  while (!g_queue_is_empty (ready))
    {
      guint u = GPOINTER_TO_UINT (g_queue_pop_head (ready));
      Unit *unit = &g_array_index (units, Unit, u);
      const Entry *e = &g_array_index (entries, Entry, unit->entry);
      FmKerasWhere w = { b->src->file, e->name, e->class_name };
      done++;
      if (!unit->refs)
        {
          /* an InputLayer: a graph input, or the nested model's argument */
          char *tensor = NULL;
          if (scope->depth == 0)
            {
              g_autofree char *gname = g_strdup_printf ("%s%s", scope->scope, e->name);
              tensor = add_graph_input (b, gname, e->config, NULL, NULL);
            }
          else
            {
              for (guint i = 0; i < inputs->len; i++)
                if (!strcmp (g_array_index (inputs, TensorRef, i).layer, e->name))
                  tensor = g_strdup (in[i]);
              if (!tensor)
                return fm_keras_fail (&w, error, FM_NET_ERROR_INVALID,
                                      "an InputLayer that is not among the model's inputs");
            }
          g_hash_table_insert (made, tensor_key (e->name, 0, 0), tensor);
        }
      else
        {
          g_autofree char **args = g_new0 (char *, unit->refs->len + 1);
          for (guint r = 0; r < unit->refs->len; r++)
            {
              const TensorRef *ref = &g_array_index (unit->refs, TensorRef, r);
              g_autofree char *key = tensor_key (ref->layer, ref->node, ref->tensor);
              args[r] = g_hash_table_lookup (made, key);
              if (!args[r])
                {
                  g_autofree char *l = fm_net_escape (ref->layer);
                  return fm_keras_fail (&w, error, FM_NET_ERROR_INVALID,
                                        "it reads output %" G_GINT64_FORMAT " of layer '%s', "
                                        "which has no such output", ref->tensor, l);
                }
            }
          if (e->nested)
            {
              g_autoptr (GPtrArray) mouts = g_ptr_array_new_with_free_func (g_free);
              if (!call_model (b, scope, e, unit->call, (int) unit->refs->len, args, mouts,
                               error))
                return FALSE;
              for (guint t = 0; t < mouts->len; t++)
                g_hash_table_insert (made, tensor_key (e->name, unit->node, t),
                                     g_strdup (mouts->pdata[t]));
            }
          else
            {
              char *out = NULL;
              if (!call_layer (b, scope, e, unit->call, (int) unit->refs->len, args, &out,
                               error))
                return FALSE;
              g_hash_table_insert (made, tensor_key (e->name, unit->node, 0), out);
            }
        }
      for (guint k = 0; unit->waiting && k < unit->waiting->len; k++)
        {
          guint next = g_array_index (unit->waiting, guint, k);
          Unit *nu = &g_array_index (units, Unit, next);
          if (--nu->pending == 0)
            g_queue_push_tail (ready, GUINT_TO_POINTER (next));
        }
    }
  if (done != units->len)
    return fm_keras_fail (mw, error, FM_NET_ERROR_INVALID,
                          "its layers read each other in a cycle");

  for (guint k = 0; k < outs->len; k++)
    {
      const TensorRef *ref = &g_array_index (outs, TensorRef, k);
      g_autofree char *key = tensor_key (ref->layer, ref->node, ref->tensor);
      const char *t = g_hash_table_lookup (made, key);
      if (!t)
        {
          g_autofree char *l = fm_net_escape (ref->layer);
          return fm_keras_fail (mw, error, FM_NET_ERROR_INVALID,
                                "its output '%s' (call %" G_GINT64_FORMAT ", output %"
                                G_GINT64_FORMAT ") is not made by any layer", l,
                                ref->node, ref->tensor);
        }
      g_ptr_array_add (outputs, g_strdup (t));
    }
  return TRUE;
}

/* --- models ------------------------------------------------------------------------ */

static gboolean
build_model (Build *b, JsonObject *model, const char *model_name, const Scope *scope,
             int n_in, char **in, GPtrArray *outputs, GError **error)
{
  FmKerasWhere mw = { b->src->file, NULL, NULL };
  const char *class_name;
  if (!fm_keras_get_string (&mw, model, "class_name", NULL, &class_name, error))
    return FALSE;
  JsonObject *config = fm_keras_get_object (&mw, model, "config", error);
  if (!config)
    return FALSE;
  if (scope->depth > 0)
    {
      mw.layer = model_name;
      mw.class_name = class_name;
    }
  if (!is_model_class (class_name, config))
    {
      g_autofree char *c = fm_net_escape (class_name);
      return fm_keras_fail (&mw, error, FM_NET_ERROR_UNSUPPORTED,
                            "a %s model: featuremaps reads Sequential and Functional "
                            "models (a subclassed model's config has no layer graph)", c);
    }
  if (!strcmp (class_name, "Sequential"))
    return build_sequential (b, config, scope, &mw, n_in, in, outputs, error);
  return build_functional (b, config, scope, &mw, n_in, in, outputs, error);
}

/* An input whose channel count the config leaves open takes the one its
 * first convolution's weights fix. */
static void
infer_input_channels (FmNetGraph *g)
{
  for (guint i = 0; i < g->inputs->len; i++)
    {
      FmNetValueInfo *in = g->inputs->pdata[i];
      if (in->ndim != 4 || in->dims[1] > 0)
        continue;
      for (guint k = 0; k < g->nodes->len; k++)
        {
          const FmNetNode *n = g->nodes->pdata[k];
          if (strcmp (n->op, "Conv") || n->n_inputs < 2 || strcmp (n->inputs[0], in->name))
            continue;
          const FmTensor *w = fm_net_graph_initializer (g, n->inputs[1]);
          if (w && w->ndim == 4)
            in->dims[1] = w->dims[1] * fm_net_node_attr_int (n, "group", 1);
          break;
        }
    }
}

gboolean
fm_keras_build_graph (FmNetGraph *graph, JsonObject *root, const FmKerasSource *src,
                      GError **error)
{
  g_autoptr (GHashTable) ranks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) affines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) fm_keras_affine_free);
  Build b = { .graph = graph, .src = src, .ranks = ranks, .affines = affines };
  Scope top = { .scope = "", .v3 = "", .v213 = "", .h5_group = NULL, .depth = 0 };
  g_autoptr (GPtrArray) outputs = g_ptr_array_new_with_free_func (g_free);
  if (!build_model (&b, root, NULL, &top, 0, NULL, outputs, error))
    return FALSE;
  for (guint k = 0; k < outputs->len; k++)
    {
      const char *name = outputs->pdata[k];
      gboolean dup = FALSE;
      for (guint j = 0; j < graph->outputs->len; j++)
        dup |= !strcmp (((FmNetValueInfo *) graph->outputs->pdata[j])->name, name);
      if (!dup)
        g_ptr_array_add (graph->outputs, fm_net_value_info_new (name, 0, NULL));
    }
  infer_input_channels (graph);
  if (!fm_keras_fold_preprocessing (graph, ranks, affines, src->file, error))
    return FALSE;
  return fm_net_graph_validate (graph, error);
}
