/* fm-json-strict.c: see fm-json-strict.h. */
#include "fm-json-strict.h"
#include "fm-json-check.h"
#include "fm-text.h"

#include <float.h>
#include <math.h>
#include <string.h>

gboolean
fm_json_fail (const FmJsonCtx *cx, GError **error, gboolean invalid, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, cx->domain, invalid ? cx->invalid_code : cx->parse_code, "%s%s",
               cx->where ? cx->where : "", msg);
  return FALSE;
}

JsonParser *
fm_json_parse (const FmJsonCtx *cx, const char *data, gsize length, const char *what,
               GError **error)
{
  return fm_json_parse_deep (cx, data, length, what, 0, error);
}

JsonParser *
fm_json_parse_deep (const FmJsonCtx *cx, const char *data, gsize length,
                    const char *what, int max_depth, GError **error)
{
  if (memchr (data, '\0', length) || !g_utf8_validate (data, length, NULL))
    {
      fm_json_fail (cx, error, FALSE, "not a %s (not UTF-8 text)", what);
      return NULL;
    }
  /* The grammar, the depth and the count first (fm-json-check.h): what
   * json-glib is given next is plain JSON within the limits. */
  FmJsonLimits limits = { max_depth > 0 ? max_depth
                          : cx->max_depth > 0 ? cx->max_depth : FM_JSON_MAX_DEPTH,
                          cx->max_values > 0 ? cx->max_values : FM_JSON_MAX_VALUES };
  gsize body = 0;
  g_autofree char *problem = NULL;
  switch (fm_json_check (data, length, &limits, &body, &problem))
    {
    case FM_JSON_CHECK_OK:
      break;
    case FM_JSON_CHECK_TOO_DEEP:
    case FM_JSON_CHECK_DUPLICATE:
      fm_json_fail (cx, error, FALSE, "%s", problem);
      return NULL;
    case FM_JSON_CHECK_TOO_MANY:
      g_set_error (error, cx->domain, cx->too_large_code ? cx->too_large_code : cx->invalid_code,
                   "%stoo large for a %s: %s", cx->where ? cx->where : "", what, problem);
      return NULL;
    default:
      fm_json_fail (cx, error, FALSE, "not valid JSON: %s", problem);
      return NULL;
    }
  JsonParser *parser = json_parser_new_immutable ();
  GError *local = NULL;
  if (!json_parser_load_from_data (parser, data + body, (gssize) (length - body), &local))
    {
      /* not expected after the check (json-glib's own limits, such as a
       * number out of its range); its message quotes the text: one line */
      g_autofree char *line = fm_text_one_line (local->message);
      fm_json_fail (cx, error, FALSE, "not valid JSON: %s", line);
      g_error_free (local);
      g_object_unref (parser);
      return NULL;
    }
  return parser;
}

const char *
fm_json_type_name (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_NULL: return "null";
    default: break;
    }
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_BOOLEAN)
    return "a boolean";
  if (t == G_TYPE_STRING)
    return "a string";
  return "a number";
}

gboolean
fm_json_is_number (JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  GType t = json_node_get_value_type (node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

gboolean
fm_json_get_number (const FmJsonCtx *cx, JsonNode *node, const char *what, gboolean as_float,
                    double *out, GError **error)
{
  if (!fm_json_is_number (node))
    return fm_json_fail (cx, error, FALSE, "%s is %s, expected a number", what,
                         fm_json_type_name (node));
  double v = json_node_get_double (node);
  if (!isfinite (v) || (as_float && fabs (v) > FLT_MAX))
    return fm_json_fail (cx, error, TRUE, "%s is too large for a 32-bit float", what);
  *out = v;
  return TRUE;
}

gboolean
fm_json_get_int (const FmJsonCtx *cx, JsonNode *node, const char *what, gint64 min,
                 gint64 max, gint64 *out, GError **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      /* json-glib reads 1e3 and out-of-range integers as doubles */
      if (fm_json_is_number (node))
        return fm_json_fail (cx, error, FALSE, "%s is %g, expected an integer", what,
                             json_node_get_double (node));
      return fm_json_fail (cx, error, FALSE, "%s is %s, expected an integer", what,
                           fm_json_type_name (node));
    }
  gint64 v = json_node_get_int (node);
  if (v < min || v > max)
    return fm_json_fail (cx, error, FALSE, "%s is %" G_GINT64_FORMAT ", must be %"
                         G_GINT64_FORMAT " … %" G_GINT64_FORMAT, what, v, min, max);
  *out = v;
  return TRUE;
}

gboolean
fm_json_get_string (const FmJsonCtx *cx, JsonNode *node, const char *what, const char **out,
                    GError **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fm_json_fail (cx, error, FALSE, "%s is %s, expected a string", what,
                         fm_json_type_name (node));
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
fm_json_get_bool (const FmJsonCtx *cx, JsonNode *node, const char *what, gboolean *out,
                  GError **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fm_json_fail (cx, error, FALSE, "%s is %s, expected true or false", what,
                         fm_json_type_name (node));
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
fm_json_get_choice (const FmJsonCtx *cx, JsonNode *node, const char *what,
                    const char *const *choices, int *out, GError **error)
{
  const char *s = NULL;
  if (!fm_json_get_string (cx, node, what, &s, error))
    return FALSE;
  for (int i = 0; choices[i]; i++)
    if (g_ascii_strcasecmp (s, choices[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  g_autofree char *list = g_strjoinv (", ", (char **) choices);
  g_autofree char *label = fm_text_escape (s, -1, 200);
  const char *close = fm_text_closest (s, choices);
  if (close)
    return fm_json_fail (cx, error, TRUE, "%s '%s': must be one of %s (did you mean '%s'?)",
                         what, label, list, close);
  return fm_json_fail (cx, error, TRUE, "%s '%s': must be one of %s", what, label, list);
}

gboolean
fm_json_check_keys (const FmJsonCtx *cx, JsonObject *obj, const char *const *known,
                    const char *context, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      const char *key = l->data;
      if (g_strv_contains (known, key))
        continue;
      const char *close = fm_text_closest (key, known);
      g_autofree char *label = fm_text_escape (key, -1, 200);
      if (close)
        return fm_json_fail (cx, error, FALSE, "unknown key '%s' in %s: did you mean '%s'?",
                             label, context, close);
      g_autofree char *list = g_strjoinv (", ", (char **) known);
      return fm_json_fail (cx, error, FALSE, "unknown key '%s' in %s (known keys: %s)",
                           label, context, list);
    }
  return TRUE;
}

void
fm_json_append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *c = (const unsigned char *) (s ? s : ""); *c; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_printf (out, "\\%c", *c);
      else if (*c == '\n')
        g_string_append (out, "\\n");
      else if (*c == '\t')
        g_string_append (out, "\\t");
      else if (*c < 0x20)
        g_string_append_printf (out, "\\u%04x", *c);
      else
        g_string_append_c (out, (char) *c);
    }
  g_string_append_c (out, '"');
}
