/* fm-json-strict: json-glib with depth, duplicate-key and NUL checks
 * (fm-json-strict.h). */
#include <string.h>

#include "fm-json-strict.h"
#include "fm-net-graph.h"

static gboolean
too_deep (const char *data, gsize len, int max_depth)
{
  int depth = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char ch = data[i];
      if (in_string)
        {
          if (ch == '\\')
            i++;
          else if (ch == '"')
            in_string = FALSE;
        }
      else if (ch == '"')
        in_string = TRUE;
      else if (ch == '[' || ch == '{')
        {
          if (++depth > max_depth)
            return TRUE;
        }
      else if (ch == ']' || ch == '}')
        depth--;
    }
  return FALSE;
}

typedef struct {
  GHashTable *seen;     /* JsonObject* → GHashTable of member names */
  char *duplicate;
} Dups;

/* json-glib emits object-member after each member it sets; a name seen
 * before in the same object is a duplicate it has just overwritten. */
static void
on_member (JsonParser *parser, JsonObject *object, const char *name, gpointer data)
{
  (void) parser;
  Dups *d = data;
  if (d->duplicate)
    return;
  GHashTable *names = g_hash_table_lookup (d->seen, object);
  if (!names)
    {
      names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (d->seen, object, names);
    }
  if (g_hash_table_contains (names, name))
    d->duplicate = g_strdup (name);
  else
    g_hash_table_add (names, g_strdup (name));
}

JsonNode *
fm_json_parse_strict (const char *data, gsize len, int max_depth, GError **error)
{
  if (memchr (data, '\0', len))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "a NUL byte in JSON text");
      return NULL;
    }
  if (len > G_MAXSSIZE)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE, "JSON text too large");
      return NULL;
    }
  if (too_deep (data, len, max_depth))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "JSON nested more than %d levels deep", max_depth);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  Dups d = { g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                    (GDestroyNotify) g_hash_table_unref), NULL };
  g_signal_connect (parser, "object-member", G_CALLBACK (on_member), &d);
  GError *local = NULL;
  gboolean ok = json_parser_load_from_data (parser, data, (gssize) len, &local);
  g_hash_table_unref (d.seen);
  if (!ok)
    {
      /* json-glib quotes the offending text, newlines and all: one line */
      GString *line = g_string_new (NULL);
      for (const char *c = local->message; *c; c++)
        if ((guchar) *c < 0x20)
          g_string_append (line, *c == '\n' ? "\\n" : *c == '\t' ? "\\t" : " ");
        else
          g_string_append_c (line, *c);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "%s", line->str);
      g_string_free (line, TRUE);
      g_error_free (local);
      g_free (d.duplicate);
      return NULL;
    }
  if (d.duplicate)
    {
      g_autofree char *label = fm_net_escape (d.duplicate);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "key '%s' is given twice in one object", label);
      g_free (d.duplicate);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "empty JSON text");
      return NULL;
    }
  return json_node_copy (root);
}

const char *
fm_json_type_name (JsonNode *node)
{
  if (!node || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_STRING)
    return "a string";
  if (t == G_TYPE_BOOLEAN)
    return "a boolean";
  return "a number";
}

gboolean
fm_json_get_int (JsonNode *node, const char *what, gint64 min, gint64 max,
                 gint64 *out, GError **error)
{
  if (!node || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      /* a double with an integral value (1e3) is still refused: files
       * written by tools use plain integers */
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "%s is %s, expected an integer", what,
                   node && JSON_NODE_HOLDS_VALUE (node)
                   && json_node_get_value_type (node) == G_TYPE_DOUBLE
                   ? "a fraction or out of range" : fm_json_type_name (node));
      return FALSE;
    }
  gint64 v = json_node_get_int (node);
  if (v < min || v > max)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "%s is %" G_GINT64_FORMAT ", must be %" G_GINT64_FORMAT
                   " … %" G_GINT64_FORMAT, what, v, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}
