/* fm-net-spec.c: does a kernel text name a network (fm-net-plan.h)?
 * Decided from the file alone, before any reader runs, so a bank keeps
 * every meaning it had: "x.npz#conv2" is a bank unless a stack
 * description sits beside x.npz. */
#include "fm-net-plan.h"
#include "fm-net-load.h"
#include "fm-formats.h"
#include "fm-file.h"
#include "fm-json-strict.h"

#include <glib/gstdio.h>
#include <string.h>

/* Stack descriptions are small; a JSON larger than this is a bank. */
#define PEEK_MAX (16 << 20)

/* A JSON file whose top level has "layers": a stack description. */
static gboolean
is_stack_json (const char *path)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > PEEK_MAX)
    return FALSE;
  /* Parsed the strict way: a hostile file must not exhaust the stack
   * before the bank reader gets to refuse it. */
  g_autofree char *data = NULL;
  gsize length = 0;
  if (!fm_file_read_capped (path, PEEK_MAX, "stack description", &data, &length, NULL))
    return FALSE;
  const FmJsonCtx cx = { .where = "", .domain = FM_NET_ERROR };
  g_autoptr (JsonParser) parser = fm_json_parse (&cx, data, length, "stack description", NULL);
  if (!parser)
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root)
         && json_object_has_member (json_node_get_object (root), "layers");
}

gboolean
fm_net_is_model_file (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);
  /* Model formats by suffix come from the format registry (ONNX,
   * safetensors, Keras …); a .json is a model only when it describes a stack. */
  const FmFormat *format = fm_format_for_path (path);
  if (format && format->kind == FM_FORMAT_MODEL)
    return TRUE;
  if (format && g_strcmp0 (format->name, "json") == 0)
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
