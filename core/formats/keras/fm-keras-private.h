/* fm-keras-private: what the Keras readers share.
 *
 *   fm-format-keras.c     .keras archives (config.json + model.weights.h5)
 *   fm-format-keras-h5.c  legacy .h5 files (model_config + model_weights)
 *   fm-keras-model.c      Sequential / Functional configs → the graph
 *   fm-keras-layers.c     one Keras layer → ONNX-semantics nodes
 *   fm-keras-prep.c       Rescaling / Normalization at the input → the
 *                         input declaration
 *   fm-keras-config.c     typed access to config values, messages
 *   fm-h5.c               the narrow libhdf5 use
 *
 * The config decides the graph; the weights file only supplies tensors,
 * found where Keras's own saving code put them (FmKerasRef). */
#pragma once

#include <json-glib/json-glib.h>
#include "fm-net-graph.h"

G_BEGIN_DECLS

/* A config.json / model_config larger than this is refused. */
#define FM_KERAS_MAX_CONFIG   ((gsize) 64 << 20)
/* JSON nesting allowed (json-glib recurses per level); a model nests
 * about ten levels, each nested model ten more. */
#define FM_KERAS_MAX_JSON_DEPTH 512
/* Models inside models. */
#define FM_KERAS_MAX_NESTING  16
/* Layers in one model, calls of one layer, inputs of one call,
 * variables of one layer. */
#define FM_KERAS_MAX_LAYERS   50000
#define FM_KERAS_MAX_CALLS    1000
#define FM_KERAS_MAX_INPUTS   1000
#define FM_KERAS_MAX_VARS     64

/* --- messages ------------------------------------------------------------ */

/* Where a message points: "<file>: layer 'conv1' (Conv2D): …". */
typedef struct {
  const char *file;
  const char *layer;        /* NULL: the model itself */
  const char *class_name;   /* NULL when unknown */
} FmKerasWhere;

gboolean fm_keras_fail (const FmKerasWhere *w, GError **error, int code,
                        const char *format, ...) G_GNUC_PRINTF (4, 5);
/* Prefixes an error from elsewhere (the HDF5 layer, the graph) with the
 * layer, keeping its code. */
void fm_keras_prefix (const FmKerasWhere *w, GError **error);

/* --- config values --------------------------------------------------------- */

/* Parses a JSON text under the size and nesting caps (what names the text
 * in messages: "config.json"). */
JsonNode *fm_keras_parse_json (const char *text, gsize len, const FmKerasWhere *w,
                               const char *what, GError **error);

/* Keras 3 wraps some values: {"class_name": "__tuple__" | "__numpy__" |
 * "__tensor__", "config": {"value": …}}.  Returns the value inside, or
 * node itself. */
JsonNode *fm_keras_unwrap (JsonNode *node);

/* Member of an object after unwrapping; NULL when absent. */
JsonNode *fm_keras_member (JsonObject *obj, const char *key);

/* Typed getters for a layer config.  A missing key or null takes the
 * default when has_def; otherwise it is an error naming the key. */
gboolean fm_keras_get_int (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                           gboolean has_def, gint64 def, gint64 lo, gint64 hi,
                           gint64 *out, GError **error);
/* An integer, or a list of n integers (n = 2: rows, columns). */
gboolean fm_keras_get_ints (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                            int n, gboolean has_def, gint64 def, gint64 lo, gint64 hi,
                            gint64 *out, GError **error);
gboolean fm_keras_get_double (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                              gboolean has_def, double def, double *out,
                              gboolean *was_null, GError **error);
/* A number or a list of numbers (at most max): *n = 0 for a missing key
 * or null. */
gboolean fm_keras_get_doubles (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                               int max, double *out, int *n, GError **error);
gboolean fm_keras_get_bool (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                            gboolean def, gboolean *out, GError **error);
/* A string (NULL def: required); the result points into the JSON. */
gboolean fm_keras_get_string (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                              const char *def, const char **out, GError **error);
/* The object at key ("config"); error when absent or not an object. */
JsonObject *fm_keras_get_object (const FmKerasWhere *w, JsonObject *obj,
                                 const char *key, GError **error);

/* Keras's naming.to_snake_case: "DepthwiseConv2D" → "depthwise_conv2d",
 * "ReLU" → "re_lu" (the names .keras weight paths are made of). */
char *fm_keras_snake_case (const char *class_name);

/* --- where a layer's weights are ------------------------------------------ */

typedef struct {
  char *v3_path;     /* .keras by Keras 3 and tf-keras ≥ 2.15: "layers/conv2d_1";
                        nested: "layers/functional/layers/conv2d" */
  char *v213_path;   /* .keras by tf-keras 2.13 / 2.14:
                        "_layer_checkpoint_dependencies/conv2d_2" */
  char *h5_group;    /* legacy .h5: the group below model_weights (the
                        top-level layer's name) */
  char *h5_layer;    /* legacy .h5, a layer inside a nested model: its name
                        (NULL at top level) */
} FmKerasRef;

void fm_keras_ref_clear (FmKerasRef *ref);

typedef struct _FmKerasStore FmKerasStore;
struct _FmKerasStore {
  /* The layer's variables in Keras's saving order (FmTensor*, owned),
   * each under at most max_elems values.  An empty array when the file
   * stores none for it. */
  GPtrArray *(*load) (FmKerasStore *store, const FmKerasRef *ref,
                      const FmKerasWhere *w, GError **error);
};

/* --- the model ------------------------------------------------------------- */

typedef struct {
  const char *file;         /* label for messages */
  gboolean keras3;          /* written by Keras 3 (node indices of nested
                               Sequential models start at 0) */
  FmKerasStore *store;
} FmKerasSource;

/* The whole model: root is the serialized model ({"class_name":
 * "Sequential" | "Functional" | "Model", "config": {…}}).  The graph
 * passes fm_net_graph_validate. */
gboolean fm_keras_build_graph (FmNetGraph *graph, JsonObject *root,
                               const FmKerasSource *src, GError **error);

/* A .keras archive's parts, already out of the zip (the fuzz target feeds
 * them directly, past the zip's CRCs).  meta may be NULL. */
FmNetGraph *fm_keras_load_parts (const char *config, gsize config_len,
                                 const char *meta, gsize meta_len,
                                 const guint8 *image, gsize image_len,
                                 const char *origin, const char *label,
                                 GError **error);

/* --- one layer --------------------------------------------------------------- */

typedef struct {
  FmNetGraph *graph;
  const FmKerasSource *src;
  FmKerasWhere where;       /* for messages: the layer's scoped name and class */
  const char *name;         /* this call's graph name, also its output tensor */
  const char *weights;      /* prefix of the layer's initializer names (shared by
                               all calls of a shared layer) */
  gboolean first_call;      /* add the initializers (FALSE: a later call reuses them) */
  JsonObject *config;
  const FmKerasRef *ref;
  int n_inputs;
  const char *const *inputs;
  const int *in_ranks;      /* 4 (N, C, H, W), 2 (N, F) or 0 unknown, per input */
  GHashTable *affines;      /* node name → FmKerasAffine: Rescaling /
                               Normalization in double precision */
  int out_rank;             /* set by the lowering */
  gboolean declined;        /* set by a lowering that leaves the layer as a
                               Keras node (a rank it does not handle) */
} FmKerasCall;

/* Adds the layer's nodes (and, on its first call, initializers).  Layer
 * classes featuremaps does not lower become one node of domain "keras"
 * whose op is the class name, so the planner can name it. */
gboolean fm_keras_lower_layer (FmKerasCall *call, const char *class_name,
                               GError **error);

/* TRUE when a layer of this class stores variables (tf-keras 2.13 names
 * such layers twice in its weight paths). */
gboolean fm_keras_class_has_weights (const char *class_name, JsonObject *config);

/* The op of the marker node Rescaling / Normalization lower to: a per-
 * channel x · scale + offset with attributes "scale" and "offset"
 * (floats, 1 or C values).  fm_keras_fold_preprocessing turns the ones at
 * a graph input into its input declaration and the others into Mul / Add. */
#define FM_KERAS_AFFINE_OP     "KerasAffine"
#define FM_KERAS_AFFINE_DOMAIN "featuremaps.keras"

/* The exact values of a marker node (its float attributes are rounded). */
typedef struct {
  int n_scale, n_offset;
  double *scale, *offset;
  gboolean rescaling;       /* a Rescaling layer (else Normalization) */
} FmKerasAffine;

void fm_keras_affine_free (FmKerasAffine *a);

gboolean fm_keras_fold_preprocessing (FmNetGraph *graph, GHashTable *ranks,
                                      GHashTable *affines, const char *file,
                                      GError **error);

G_END_DECLS
