/* fm-stack-private: what the stack-description reader's two files share
 * (fm-format-stack.c reads the description, its input block and weights;
 * fm-stack-layers.c lowers each layer to ONNX-semantics nodes). */
#pragma once

#include <json-glib/json-glib.h>

#include "fm-net-graph.h"

G_BEGIN_DECLS

/* The opset whose operator semantics the lowered nodes follow (Clip's and
 * Pad's constants as inputs, as from opset 11). */
#define FM_STACK_OPSET 17

typedef struct {
  FmNetGraph *graph;          /* the weights as initializers; nodes appended */
  const char *weights_name;   /* the weights file, for "no tensor 'x' in …" */
  GHashTable *outputs;        /* names a layer may take as input (owned keys) */
  GHashTable *layouts;        /* weight tensor → the layout it was read as */
  char *prev;                 /* the previous layer's output ("input" at first) */
} FmStack;

/* Lowers layer `index` (from 0) of the description into graph nodes.
 * Messages start "layer N 'name': " (N from 1). */
gboolean fm_stack_lower_layer (FmStack *s, JsonNode *layer, guint index,
                               GError **error);

/* Checks an object's keys against a NULL-terminated list; an unknown key
 * is an error naming the closest known one.  where: "the description",
 * "input", "layer 3 'conv2'"… (messages: "<where>: unknown key …"). */
gboolean fm_stack_check_keys (JsonObject *obj, const char *const *known,
                              const char *where, GError **error);

G_END_DECLS
