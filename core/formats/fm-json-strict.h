/* fm-json-strict: JSON as the model readers accept it — json-glib's parser
 * with the checks it lacks: nesting bounded before parsing (json-glib
 * recurses per level), a duplicate key in any object an error (json-glib
 * keeps the last one silently), NUL bytes refused.  Private. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The root node (free with json_node_unref), or NULL with an
 * FM_NET_ERROR_PARSE error whose message has no file name (the caller
 * prefixes it).  max_depth counts nested arrays and objects. */
JsonNode *fm_json_parse_strict (const char *data, gsize len, int max_depth,
                                GError **error);

/* The JSON type of a node, for messages: "a string", "an array", … */
const char *fm_json_type_name (JsonNode *node);

/* An integer member that must be a whole number in [min, max]; what names
 * it in the message. */
gboolean fm_json_get_int (JsonNode *node, const char *what, gint64 min,
                          gint64 max, gint64 *out, GError **error);

G_END_DECLS
