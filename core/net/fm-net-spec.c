/* fm-net-spec.c: does a kernel text name a network (fm-net-plan.h)?
 * Decided from the file alone, before any reader runs, so a bank keeps
 * every meaning it had: "x.npz#conv2" is a bank unless a stack
 * description sits beside x.npz. */
#include "fm-net-plan.h"
#include "fm-net-load.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* Stack descriptions are small; a JSON larger than this is a bank. */
#define PEEK_MAX (16 << 20)

static gboolean
has_suffix (const char *path, const char *suffix)
{
  gsize n = strlen (path), m = strlen (suffix);
  return n > m && g_ascii_strcasecmp (path + n - m, suffix) == 0;
}

/* A JSON file whose top level has "layers": a stack description. */
static gboolean
is_stack_json (const char *path)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > PEEK_MAX)
    return FALSE;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, NULL))
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root)
         && json_object_has_member (json_node_get_object (root), "layers");
}

gboolean
fm_net_is_model_file (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);
  if (has_suffix (path, ".onnx") || has_suffix (path, ".safetensors"))
    return TRUE;
  if (has_suffix (path, ".json"))
    return is_stack_json (path);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  g_autofree char *sidecar = fm_net_sidecar_path (path);
  return strcmp (sidecar, path) != 0 && is_stack_json (sidecar);
}

gboolean
fm_net_spec_parse (const char *spec, char **model, char ***layers)
{
  g_return_val_if_fail (spec != NULL && model != NULL && layers != NULL, FALSE);
  *model = NULL;
  *layers = NULL;
  const char *hash = strrchr (spec, '#');
  g_autofree char *path = hash ? g_strndup (spec, hash - spec) : g_strdup (spec);
  if (!*path || !fm_net_is_model_file (path))
    return FALSE;
  GPtrArray *names = g_ptr_array_new ();
  if (hash)
    {
      g_auto (GStrv) parts = g_strsplit (hash + 1, ",", -1);
      for (int i = 0; parts[i]; i++)
        {
          g_strstrip (parts[i]);
          if (*parts[i])
            g_ptr_array_add (names, g_strdup (parts[i]));
        }
    }
  g_ptr_array_add (names, NULL);
  *layers = (char **) g_ptr_array_free (names, FALSE);
  *model = g_steal_pointer (&path);
  return TRUE;
}
