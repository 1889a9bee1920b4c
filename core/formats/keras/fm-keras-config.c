/* fm-keras-config: typed access to the values of a Keras config (JSON), and
 * the readers' messages.  Every getter says which layer and which key is
 * wrong, and how. */
#include <math.h>
#include <string.h>

#include "fm-keras-private.h"
#include "fm-json-strict.h"

/* --- messages ---------------------------------------------------------------- */

static char *
where_prefix (const FmKerasWhere *w)
{
  GString *s = g_string_new (w->file ? w->file : "model");
  if (w->layer)
    {
      g_autofree char *l = fm_net_escape (w->layer);
      g_string_append_printf (s, ": layer '%s'", l);
      if (w->class_name)
        {
          g_autofree char *c = fm_net_escape (w->class_name);
          g_string_append_printf (s, " (%s)", c);
        }
    }
  return g_string_free (s, FALSE);
}

gboolean
fm_keras_fail (const FmKerasWhere *w, GError **error, int code,
               const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *prefix = where_prefix (w);
  g_set_error (error, FM_NET_ERROR, code, "%s: %s", prefix, msg);
  return FALSE;
}

void
fm_keras_prefix (const FmKerasWhere *w, GError **error)
{
  if (!error || !*error || !w->layer)
    return;
  g_autofree char *prefix = where_prefix (w);
  /* the message of the HDF5 layer starts with the file already */
  const char *file = w->file ? w->file : "";
  const char *msg = (*error)->message;
  gsize fl = strlen (file);
  if (fl && strncmp (msg, file, fl) == 0 && msg[fl] == ':' && msg[fl + 1] == ' ')
    msg += fl + 2;
  char *joined = g_strdup_printf ("%s: %s", prefix, msg);
  g_free ((*error)->message);
  (*error)->message = joined;
}

/* --- parsing ----------------------------------------------------------------- */

JsonNode *
fm_keras_parse_json (const char *text, gsize len, const FmKerasWhere *w,
                     const char *what, GError **error)
{
  if (len > FM_KERAS_MAX_CONFIG)
    {
      fm_keras_fail (w, error, FM_NET_ERROR_TOO_LARGE,
                     "%s is %" G_GSIZE_FORMAT " bytes, over the limit of %"
                     G_GSIZE_FORMAT, what, len, FM_KERAS_MAX_CONFIG);
      return NULL;
    }
  g_autofree char *where = g_strdup_printf ("%s: %s: ", w->file ? w->file : "model", what);
  FmJsonCtx cx = { .where = where, .domain = FM_NET_ERROR, .parse_code = FM_NET_ERROR_PARSE,
                   .invalid_code = FM_NET_ERROR_INVALID };
  g_autoptr (JsonParser) parser = fm_json_parse_deep (&cx, text, len, "JSON text",
                                                      FM_KERAS_MAX_JSON_DEPTH, error);
  if (!parser)
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "%s is not a JSON object", what);
      return NULL;
    }
  return json_node_copy (root);
}

/* --- values ------------------------------------------------------------------ */

JsonNode *
fm_keras_unwrap (JsonNode *node)
{
  /* bounded: a wrapper holding a wrapper … is unwrapped a few times only */
  for (int k = 0; k < 4 && node && JSON_NODE_HOLDS_OBJECT (node); k++)
    {
      JsonObject *o = json_node_get_object (node);
      JsonNode *cn = json_object_get_member (o, "class_name");
      if (!cn || !JSON_NODE_HOLDS_VALUE (cn)
          || json_node_get_value_type (cn) != G_TYPE_STRING)
        break;
      const char *c = json_node_get_string (cn);
      if (strcmp (c, "__tuple__") && strcmp (c, "__numpy__") && strcmp (c, "__tensor__"))
        break;
      JsonNode *cfg = json_object_get_member (o, "config");
      if (!cfg || !JSON_NODE_HOLDS_OBJECT (cfg))
        break;
      JsonNode *v = json_object_get_member (json_node_get_object (cfg), "value");
      if (!v)
        break;
      node = v;
    }
  return node;
}

JsonNode *
fm_keras_member (JsonObject *obj, const char *key)
{
  if (!obj)
    return NULL;
  JsonNode *n = json_object_get_member (obj, key);
  return n ? fm_keras_unwrap (n) : NULL;
}

static const char *
type_name (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "a list";
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

static gboolean
is_number (JsonNode *node)
{
  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  GType t = json_node_get_value_type (node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

static gboolean
is_null (JsonNode *node)
{
  return !node || JSON_NODE_HOLDS_NULL (node);
}

/* An integral number in [lo, hi]. */
static gboolean
int_value (const FmKerasWhere *w, JsonNode *node, const char *key, gint64 lo,
           gint64 hi, gint64 *out, GError **error)
{
  if (!is_number (node))
    return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                          "'%s' is %s, expected an integer", key, type_name (node));
  gint64 v;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    v = json_node_get_int (node);
  else
    {
      double d = json_node_get_double (node);
      if (!isfinite (d) || d != floor (d) || fabs (d) > 9e15)
        return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                              "'%s' is %g, expected an integer", key, d);
      v = (gint64) d;
    }
  if (v < lo || v > hi)
    return fm_keras_fail (w, error, FM_NET_ERROR_INVALID,
                          "'%s' is %" G_GINT64_FORMAT ", must be %" G_GINT64_FORMAT
                          " … %" G_GINT64_FORMAT, key, v, lo, hi);
  *out = v;
  return TRUE;
}

gboolean
fm_keras_get_int (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                  gboolean has_def, gint64 def, gint64 lo, gint64 hi,
                  gint64 *out, GError **error)
{
  JsonNode *node = fm_keras_member (cfg, key);
  if (is_null (node))
    {
      if (!has_def)
        return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                              "'%s' is missing", key);
      *out = def;
      return TRUE;
    }
  return int_value (w, node, key, lo, hi, out, error);
}

gboolean
fm_keras_get_ints (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                   int n, gboolean has_def, gint64 def, gint64 lo, gint64 hi,
                   gint64 *out, GError **error)
{
  JsonNode *node = fm_keras_member (cfg, key);
  if (is_null (node))
    {
      if (!has_def)
        return fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is missing", key);
      for (int k = 0; k < n; k++)
        out[k] = def;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      guint len = json_array_get_length (a);
      if (len != (guint) n && len != 1)
        return fm_keras_fail (w, error, FM_NET_ERROR_INVALID,
                              "'%s' has %u values, expected %d", key, len, n);
      for (int k = 0; k < n; k++)
        if (!int_value (w, fm_keras_unwrap (json_array_get_element (a, len == 1 ? 0 : (guint) k)),
                        key, lo, hi, &out[k], error))
          return FALSE;
      return TRUE;
    }
  gint64 v;
  if (!int_value (w, node, key, lo, hi, &v, error))
    return FALSE;
  for (int k = 0; k < n; k++)
    out[k] = v;
  return TRUE;
}

static gboolean
double_value (const FmKerasWhere *w, JsonNode *node, const char *key,
              double *out, GError **error)
{
  if (!is_number (node))
    return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                          "'%s' is %s, expected a number", key, type_name (node));
  double v = json_node_get_double (node);
  if (!isfinite (v))
    return fm_keras_fail (w, error, FM_NET_ERROR_INVALID, "'%s' is not finite", key);
  *out = v;
  return TRUE;
}

gboolean
fm_keras_get_double (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                     gboolean has_def, double def, double *out,
                     gboolean *was_null, GError **error)
{
  JsonNode *node = fm_keras_member (cfg, key);
  if (was_null)
    *was_null = is_null (node);
  if (is_null (node))
    {
      if (!has_def)
        return fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is missing", key);
      *out = def;
      return TRUE;
    }
  return double_value (w, node, key, out, error);
}

gboolean
fm_keras_get_doubles (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                      int max, double *out, int *n, GError **error)
{
  JsonNode *node = fm_keras_member (cfg, key);
  *n = 0;
  if (is_null (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      if (!double_value (w, node, key, &out[0], error))
        return FALSE;
      *n = 1;
      return TRUE;
    }
  JsonArray *a = json_node_get_array (node);
  guint len = json_array_get_length (a);
  if (len == 0 || len > (guint) max)
    return fm_keras_fail (w, error, FM_NET_ERROR_UNSUPPORTED,
                          "'%s' has %u values; featuremaps reads 1 … %d", key, len, max);
  for (guint k = 0; k < len; k++)
    {
      JsonNode *e = fm_keras_unwrap (json_array_get_element (a, k));
      /* a list [[[m0, m1, m2]]] broadcast over H, W: one level at a time */
      while (e && JSON_NODE_HOLDS_ARRAY (e) && len == 1
             && json_array_get_length (json_node_get_array (e)) >= 1)
        {
          JsonArray *inner = json_node_get_array (e);
          guint il = json_array_get_length (inner);
          if (il > (guint) max)
            return fm_keras_fail (w, error, FM_NET_ERROR_UNSUPPORTED,
                                  "'%s' has %u values; featuremaps reads 1 … %d", key, il, max);
          if (il == 1)
            {
              e = fm_keras_unwrap (json_array_get_element (inner, 0));
              continue;
            }
          for (guint j = 0; j < il; j++)
            if (!double_value (w, fm_keras_unwrap (json_array_get_element (inner, j)),
                               key, &out[j], error))
              return FALSE;
          *n = (int) il;
          return TRUE;
        }
      if (!double_value (w, e, key, &out[k], error))
        return FALSE;
    }
  *n = (int) len;
  return TRUE;
}

gboolean
fm_keras_get_bool (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                   gboolean def, gboolean *out, GError **error)
{
  JsonNode *node = fm_keras_member (cfg, key);
  if (is_null (node))
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                          "'%s' is %s, expected true or false", key, type_name (node));
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
fm_keras_get_string (const FmKerasWhere *w, JsonObject *cfg, const char *key,
                     const char *def, const char **out, GError **error)
{
  JsonNode *node = fm_keras_member (cfg, key);
  if (is_null (node))
    {
      if (!def)
        return fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is missing", key);
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fm_keras_fail (w, error, FM_NET_ERROR_PARSE,
                          "'%s' is %s, expected a string", key, type_name (node));
  *out = json_node_get_string (node);
  if (strlen (*out) > FM_NET_MAX_NAME)
    return fm_keras_fail (w, error, FM_NET_ERROR_TOO_LARGE,
                          "'%s' is longer than %d bytes", key, FM_NET_MAX_NAME);
  return TRUE;
}

JsonObject *
fm_keras_get_object (const FmKerasWhere *w, JsonObject *obj, const char *key,
                     GError **error)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;
  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    {
      if (!node)
        fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is missing", key);
      else
        fm_keras_fail (w, error, FM_NET_ERROR_PARSE, "'%s' is %s, expected an object",
                       key, type_name (node));
      return NULL;
    }
  return json_node_get_object (node);
}

/* --- names ------------------------------------------------------------------- */

char *
fm_keras_snake_case (const char *class_name)
{
  /* naming.to_snake_case, step by step:
   *   re.sub(r"\W+", "", name)
   *   re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
   *   re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
   * (class names are ASCII; \W keeps letters, digits and '_') */
  static GRegex *strip, *first, *second;
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      strip = g_regex_new ("[^A-Za-z0-9_]+", G_REGEX_OPTIMIZE, 0, NULL);
      first = g_regex_new ("(.)([A-Z][a-z]+)", G_REGEX_OPTIMIZE, 0, NULL);
      second = g_regex_new ("([a-z])([A-Z])", G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&once, 1);
    }
  g_autofree char *a = g_regex_replace_literal (strip, class_name, -1, 0, "", 0, NULL);
  g_autofree char *b = g_regex_replace (first, a ? a : "", -1, 0, "\\1_\\2", 0, NULL);
  g_autofree char *c = g_regex_replace (second, b ? b : "", -1, 0, "\\1_\\2", 0, NULL);
  return g_ascii_strdown (c ? c : "", -1);
}

void
fm_keras_ref_clear (FmKerasRef *ref)
{
  g_clear_pointer (&ref->v3_path, g_free);
  g_clear_pointer (&ref->v213_path, g_free);
  g_clear_pointer (&ref->h5_group, g_free);
  g_clear_pointer (&ref->h5_layer, g_free);
}
