/* dump-graph: a model file as the readers see it, printed as JSON, so tests
 * can compare it with another tool's view of the same file (the onnx Python
 * package, safetensors + numpy).  Floats are printed as their bits and
 * tensors as the SHA-256 of their values (float32 or int64, little-endian),
 * so equal means bit-exact.
 *
 *   dump-graph MODEL      (any file fm_net_graph_load takes)
 * Exit status 2 with the one-line message on stderr when the file is refused. */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "fm-net-load.h"

static char *
float_bits (float f)
{
  guint32 b;
  memcpy (&b, &f, 4);
  return g_strdup_printf ("%08x", b);
}

static void
add_tensor (JsonBuilder *b, const FmTensor *t)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, t->type == FM_TENSOR_FLOAT ? "float32" : "int64");
  json_builder_set_member_name (b, "dims");
  json_builder_begin_array (b);
  for (int d = 0; d < t->ndim; d++)
    json_builder_add_int_value (b, t->dims[d]);
  json_builder_end_array (b);
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  if (t->type == FM_TENSOR_FLOAT)
    g_checksum_update (sum, (const guchar *) t->f, t->n * sizeof (float));
  else
    g_checksum_update (sum, (const guchar *) t->i, t->n * sizeof (gint64));
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, g_checksum_get_string (sum));
  g_checksum_free (sum);
  json_builder_end_object (b);
}

static void
add_attr (JsonBuilder *b, const FmNetAttr *a)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  static const char *const types[] = {
    "int", "float", "string", "ints", "floats", "tensor", "other"
  };
  json_builder_add_string_value (b, types[a->type]);
  json_builder_set_member_name (b, "value");
  switch (a->type)
    {
    case FM_ATTR_INT:
      json_builder_add_int_value (b, a->i);
      break;
    case FM_ATTR_FLOAT:
      {
        g_autofree char *s = float_bits (a->f);
        json_builder_add_string_value (b, s);
      }
      break;
    case FM_ATTR_STRING:
      json_builder_add_string_value (b, a->s);
      break;
    case FM_ATTR_INTS:
      json_builder_begin_array (b);
      for (int k = 0; k < a->n; k++)
        json_builder_add_int_value (b, a->ints[k]);
      json_builder_end_array (b);
      break;
    case FM_ATTR_FLOATS:
      json_builder_begin_array (b);
      for (int k = 0; k < a->n; k++)
        {
          g_autofree char *s = float_bits (a->floats[k]);
          json_builder_add_string_value (b, s);
        }
      json_builder_end_array (b);
      break;
    case FM_ATTR_TENSOR:
      add_tensor (b, a->t);
      break;
    case FM_ATTR_OTHER:
      json_builder_add_null_value (b);
      break;
    }
  json_builder_end_object (b);
}

static void
add_value_infos (JsonBuilder *b, const GPtrArray *list)
{
  json_builder_begin_array (b);
  for (guint k = 0; k < list->len; k++)
    {
      const FmNetValueInfo *v = list->pdata[k];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, v->name);
      json_builder_set_member_name (b, "dims");
      json_builder_begin_array (b);
      for (int d = 0; d < v->ndim; d++)
        json_builder_add_int_value (b, v->dims[d]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_strings (JsonBuilder *b, int n, char **s)
{
  json_builder_begin_array (b);
  for (int k = 0; k < n; k++)
    json_builder_add_string_value (b, s[k]);
  json_builder_end_array (b);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr ("usage: %s MODEL\n", argv[0]);
      return 2;
    }
  GError *error = NULL;
  g_autoptr (FmNetGraph) g = fm_net_graph_load (argv[1], &error);
  if (!g)
    {
      g_printerr ("%s\n", error->message);
      g_error_free (error);
      return 2;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, g->format);
  json_builder_set_member_name (b, "producer");
  json_builder_add_string_value (b, g->producer);
  json_builder_set_member_name (b, "opset");
  json_builder_add_int_value (b, g->opset);
  json_builder_set_member_name (b, "inputs");
  add_value_infos (b, g->inputs);
  json_builder_set_member_name (b, "outputs");
  add_value_infos (b, g->outputs);

  json_builder_set_member_name (b, "nodes");
  json_builder_begin_array (b);
  for (guint k = 0; k < g->nodes->len; k++)
    {
      const FmNetNode *n = g->nodes->pdata[k];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, n->name);
      json_builder_set_member_name (b, "op");
      json_builder_add_string_value (b, n->op);
      json_builder_set_member_name (b, "domain");
      json_builder_add_string_value (b, n->domain);
      json_builder_set_member_name (b, "inputs");
      add_strings (b, n->n_inputs, n->inputs);
      json_builder_set_member_name (b, "outputs");
      add_strings (b, n->n_outputs, n->outputs);
      json_builder_set_member_name (b, "attrs");
      json_builder_begin_object (b);
      for (int a = 0; a < n->n_attrs; a++)
        {
          json_builder_set_member_name (b, n->attrs[a].name);
          add_attr (b, &n->attrs[a]);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "initializers");
  json_builder_begin_object (b);
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (g->initializers, NULL);
  guint n_keys = g_hash_table_size (g->initializers);
  qsort (keys, n_keys, sizeof *keys, compare_names);
  for (guint k = 0; k < n_keys; k++)
    {
      json_builder_set_member_name (b, keys[k]);
      add_tensor (b, fm_net_graph_initializer (g, keys[k]));
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "input_decl");
  if (g->has_decl)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "linear");
      json_builder_add_boolean_value (b, g->decl.linear);
      json_builder_set_member_name (b, "bgr");
      json_builder_add_boolean_value (b, g->decl.bgr);
      json_builder_set_member_name (b, "range");
      json_builder_add_double_value (b, g->decl.range);
      json_builder_set_member_name (b, "mean");
      json_builder_begin_array (b);
      for (int c = 0; c < g->decl.n_mean; c++)
        json_builder_add_double_value (b, g->decl.mean[c]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "std");
      json_builder_begin_array (b);
      for (int c = 0; c < g->decl.n_std; c++)
        json_builder_add_double_value (b, g->decl.std[c]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
  return 0;
}
