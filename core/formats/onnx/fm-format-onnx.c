/* fm-format-onnx: ONNX model files (ModelProto) into the graph form.
 *
 * Reads the protobuf in place with fm-protobuf: the messages and fields a
 * convolutional network needs (ModelProto → GraphProto → NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto), every other field skipped
 * by its wire type.  Each message is read in two passes where it has
 * repeated fields: the first checks the framing and counts, the second
 * fills storage allocated once to the counted size.  Subgraphs (If / Loop
 * bodies) are walked only to bound their nesting; they are not kept.
 *
 * Field numbers are those of onnx/onnx.proto (IR version 8). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fm-net-load.h"
#include "fm-model-file.h"
#include "fm-onnx-private.h"

/* --- value infos --------------------------------------------------------- */

static gboolean
parse_shape (const FmPbReader *r, const FmPbField *field, int *ndim,
             gint64 *dims, GError **error)
{
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      if (f.number != 1)
        continue;
      if (!fm_onnx_want_wire (&f, FM_PB_LEN, "dim", error))
        return FALSE;
      if (*ndim == FM_TENSOR_MAX_DIMS)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "more than %d dims", FM_TENSOR_MAX_DIMS);
          return FALSE;
        }
      gint64 value = -1;
      FmPbReader dm;
      fm_pb_reader_sub (&dm, &m, &f);
      FmPbField d;
      int drc;
      while ((drc = fm_pb_next (&dm, &d, error)) == 1)
        if (d.number == 1)
          {
            if (!fm_onnx_get_varint (&d, "dim_value", &value, error))
              return FALSE;
            if (value < 0)
              {
                g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                             "dimension %d is %" G_GINT64_FORMAT ", negative",
                             *ndim, value);
                return FALSE;
              }
          }
        else if (d.number == 2 && !fm_onnx_check_string (&d, "dim_param", error))
          return FALSE;
      if (drc < 0)
        return FALSE;
      dims[(*ndim)++] = value;   /* −1: symbolic or unknown */
    }
  return rc == 0;
}

static FmNetValueInfo *
parse_value_info (const FmPbReader *r, const FmPbField *field, GError **error)
{
  if (!fm_onnx_want_wire (field, FM_PB_LEN, "value info", error))
    return NULL;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  g_autofree char *name = NULL;
  gint64 dims[FM_TENSOR_MAX_DIMS];
  int ndim = 0;
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      if (f.number == 1 && !fm_onnx_get_string (&f, "name", &name, error))
        return NULL;
      if (f.number != 2)
        continue;
      /* TypeProto: only tensor_type (1) → its shape (2) matters here;
       * sequences, maps and the rest are skipped whole */
      if (!fm_onnx_want_wire (&f, FM_PB_LEN, "type", error))
        return NULL;
      FmPbReader tm;
      fm_pb_reader_sub (&tm, &m, &f);
      FmPbField tf;
      int trc;
      while ((trc = fm_pb_next (&tm, &tf, error)) == 1)
        {
          if (tf.number != 1)
            continue;
          if (!fm_onnx_want_wire (&tf, FM_PB_LEN, "tensor_type", error))
            return NULL;
          FmPbReader sm;
          fm_pb_reader_sub (&sm, &tm, &tf);
          FmPbField sf;
          int src;
          while ((src = fm_pb_next (&sm, &sf, error)) == 1)
            if (sf.number == 2)
              {
                if (!fm_onnx_want_wire (&sf, FM_PB_LEN, "shape", error))
                  return NULL;
                ndim = 0;
                if (!parse_shape (&sm, &sf, &ndim, dims, error))
                  goto fail;
              }
          if (src < 0)
            return NULL;
        }
      if (trc < 0)
        return NULL;
    }
  if (rc < 0)
    return NULL;
  if (!name || !*name)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "no name");
      return NULL;
    }
  return fm_net_value_info_new (name, ndim, dims);

fail:
  if (name)
    {
      g_autofree char *label = fm_net_escape (name);
      g_prefix_error (error, "'%s': ", label);
    }
  return NULL;
}

/* --- graph and model ------------------------------------------------------- */

/* A Constant node with a value the graph can hold becomes an initializer
 * named after its output: the planner then meets every constant the same
 * way.  Returns NULL when the node stays a node (sparse or string values). */
static FmTensor *
constant_tensor (FmNetNode *node, GError **error)
{
  if (strcmp (node->op, "Constant") != 0 || node->domain[0] || node->n_outputs != 1
      || node->n_attrs != 1 || !node->outputs[0][0])
    return NULL;
  FmNetAttr *a = &node->attrs[0];
  const char *out = node->outputs[0];
  FmTensor *t = NULL;
  if (strcmp (a->name, "value") == 0 && a->type == FM_ATTR_TENSOR && a->t)
    {
      t = g_steal_pointer (&a->t);
      g_free (t->name);
      t->name = g_strdup (out);
    }
  else if (strcmp (a->name, "value_float") == 0 && a->type == FM_ATTR_FLOAT)
    {
      if ((t = fm_tensor_new (out, FM_TENSOR_FLOAT, 0, NULL, error)))
        t->f[0] = a->f;
    }
  else if (strcmp (a->name, "value_int") == 0 && a->type == FM_ATTR_INT)
    {
      if ((t = fm_tensor_new (out, FM_TENSOR_INT64, 0, NULL, error)))
        t->i[0] = a->i;
    }
  else if (strcmp (a->name, "value_floats") == 0 && a->type == FM_ATTR_FLOATS)
    {
      gint64 d = a->n;
      if ((t = fm_tensor_new (out, FM_TENSOR_FLOAT, 1, &d, error)))
        memcpy (t->f, a->floats, (gsize) a->n * sizeof (float));
    }
  else if (strcmp (a->name, "value_ints") == 0 && a->type == FM_ATTR_INTS)
    {
      gint64 d = a->n;
      if ((t = fm_tensor_new (out, FM_TENSOR_INT64, 1, &d, error)))
        memcpy (t->i, a->ints, (gsize) a->n * sizeof (gint64));
    }
  return t;
}

static gboolean
parse_graph (Onnx *o, const FmPbReader *r, const FmPbField *field,
             FmNetGraph *graph, GError **error)
{
  if (!fm_onnx_want_wire (field, FM_PB_LEN, "graph", error))
    return FALSE;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  g_autoptr (GPtrArray) nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_node_free);
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_value_info_free);
  g_autoptr (GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) fm_net_value_info_free);
  guint n_init = 0, n_value_info = 0;
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    switch (f.number)
      {
      case 1:
        {
          if (nodes->len >= FM_NET_MAX_NODES)
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                           "more than %d nodes", FM_NET_MAX_NODES);
              return FALSE;
            }
          FmNetNode *node = fm_onnx_parse_node (o, &m, &f, nodes->len, error);
          if (!node)
            return FALSE;
          g_ptr_array_add (nodes, node);
        }
        break;
      case 5:
        {
          FmTensor *t = fm_onnx_parse_tensor (o, &m, &f, "initializer", n_init, error);
          if (!t)
            return FALSE;
          n_init++;
          if (!fm_net_graph_add_initializer (graph, t, error))
            return FALSE;
        }
        break;
      case 11:
      case 12:
      case 13:
        {
          GPtrArray *list = f.number == 11 ? inputs : f.number == 12 ? outputs : NULL;
          const char *kind = f.number == 11 ? "input" : f.number == 12 ? "output" : "value_info";
          guint count = list ? list->len : n_value_info;
          if (count >= ONNX_MAX_VALUE_INFOS)
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                           "more than %d graph %ss", ONNX_MAX_VALUE_INFOS, kind);
              return FALSE;
            }
          FmNetValueInfo *info = parse_value_info (&m, &f, error);
          if (!info)
            {
              fm_onnx_prefix (error, kind, count, NULL);
              return FALSE;
            }
          if (list)
            g_ptr_array_add (list, info);
          else
            {
              /* intermediate shapes: checked, not kept (the planner
               * infers its own) */
              fm_net_value_info_free (info);
              n_value_info++;
            }
        }
        break;
      case 15:
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                     "sparse initializers are not supported");
        return FALSE;
      default:
        break;
      }
  if (rc < 0)
    return FALSE;

  /* unnamed nodes: "<op>_<index>", as PyTorch names its own, made unique
   * against every name the file gives */
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint k = 0; k < nodes->len; k++)
    {
      FmNetNode *node = nodes->pdata[k];
      if (*node->name)
        g_hash_table_add (names, node->name);
    }
  for (guint k = 0; k < nodes->len; k++)
    {
      FmNetNode *node = nodes->pdata[k];
      if (*node->name)
        continue;
      char *name = g_strdup_printf ("%s_%u", node->op, k);
      for (guint extra = 1; g_hash_table_contains (names, name); extra++)
        {
          g_free (name);
          name = g_strdup_printf ("%s_%u_%u", node->op, k, extra);
        }
      g_free (node->name);
      node->name = name;
      g_hash_table_add (names, node->name);
    }

  /* constants into initializers; everything else in file order */
  for (guint k = 0; k < nodes->len; k++)
    {
      FmNetNode *node = nodes->pdata[k];
      GError *local = NULL;
      FmTensor *t = constant_tensor (node, &local);
      if (local)
        {
          g_propagate_error (error, local);
          fm_onnx_prefix (error, "node", k, node->name);
          return FALSE;
        }
      if (t)
        {
          if (!fm_net_graph_add_initializer (graph, t, error))
            {
              fm_onnx_prefix (error, "node", k, node->name);
              return FALSE;
            }
          fm_net_node_free (node);
        }
      else
        fm_net_graph_add_node (graph, node);
      nodes->pdata[k] = NULL;
    }

  /* IR < 4 lists initializers among the inputs too: those are weights */
  for (guint k = 0; k < inputs->len; k++)
    {
      FmNetValueInfo *info = inputs->pdata[k];
      if (fm_net_graph_initializer (graph, info->name))
        continue;
      g_ptr_array_add (graph->inputs, info);
      inputs->pdata[k] = NULL;
    }
  for (guint k = 0; k < outputs->len; k++)
    {
      g_ptr_array_add (graph->outputs, outputs->pdata[k]);
      outputs->pdata[k] = NULL;
    }
  return TRUE;
}

static gboolean
parse_opset (const FmPbReader *r, const FmPbField *field, char **domain,
             gint64 *version, GError **error)
{
  if (!fm_onnx_want_wire (field, FM_PB_LEN, "opset_import", error))
    return FALSE;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      if (f.number == 1 && !fm_onnx_get_string (&f, "domain", domain, error))
        return FALSE;
      if (f.number == 2 && !fm_onnx_get_varint (&f, "version", version, error))
        return FALSE;
    }
  return rc == 0;
}

static FmNetGraph *
parse_model (Onnx *o, const guint8 *data, gsize len, const char *origin,
             GError **error)
{
  g_autoptr (FmNetGraph) graph = fm_net_graph_new (origin, "onnx");
  FmPbReader m;
  fm_pb_reader_init (&m, data, len);
  g_autofree char *producer = NULL, *producer_version = NULL;
  gint64 ir_version = 0, opset = -1;
  gboolean have_graph = FALSE;
  guint n_opsets = 0;
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    switch (f.number)
      {
      case 1:
        if (!fm_onnx_get_varint (&f, "ir_version", &ir_version, error))
          return NULL;
        break;
      case 2:
        if (!fm_onnx_get_string (&f, "producer_name", &producer, error))
          return NULL;
        break;
      case 3:
        if (!fm_onnx_get_string (&f, "producer_version", &producer_version, error))
          return NULL;
        break;
      case 7:
        if (have_graph)
          {
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                         "a second graph at byte %" G_GSIZE_FORMAT, f.offset);
            return NULL;
          }
        have_graph = TRUE;
        if (!parse_graph (o, &m, &f, graph, error))
          return NULL;
        break;
      case 8:
        {
          g_autofree char *domain = NULL;
          gint64 version = 0;
          if (++n_opsets > ONNX_MAX_OPSETS)
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                           "more than %d opset_import entries", ONNX_MAX_OPSETS);
              return NULL;
            }
          if (!parse_opset (&m, &f, &domain, &version, error))
            {
              g_prefix_error (error, "opset_import: ");
              return NULL;
            }
          if (!domain || !*domain || strcmp (domain, "ai.onnx") == 0)
            {
              if (opset >= 0 && opset != version)
                {
                  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                               "opset_import gives the default domain twice (%"
                               G_GINT64_FORMAT " and %" G_GINT64_FORMAT ")",
                               opset, version);
                  return NULL;
                }
              opset = version;
            }
        }
        break;
      default:
        break;
      }
  if (rc < 0)
    return NULL;
  if (!have_graph)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "no graph: not an ONNX model");
      return NULL;
    }
  if (opset < 0)
    {
      /* before IR version 3 there was no opset_import: opset 1 */
      if (ir_version >= 3)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "no opset_import for the default ONNX domain");
          return NULL;
        }
      opset = 1;
    }
  if (opset < 1 || opset > G_MAXINT)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "opset %" G_GINT64_FORMAT " is not a valid version", opset);
      return NULL;
    }
  graph->opset = (int) opset;
  if (producer && *producer)
    graph->producer = producer_version && *producer_version
                      ? g_strdup_printf ("%s %s", producer, producer_version)
                      : g_strdup (producer);
  if (!fm_net_graph_validate (graph, error))
    return NULL;
  return g_steal_pointer (&graph);
}

FmNetGraph *
fm_net_load_onnx_data (const guint8 *data, gsize len, const char *origin,
                       const char *base_dir, GError **error)
{
  g_return_val_if_fail (data || len == 0, NULL);
  Onnx o = { .base_dir = base_dir };
  const char *file = origin && *origin ? origin : "model.onnx";
  GError *local = NULL;
  FmNetGraph *graph = parse_model (&o, data, len, file, &local);
  if (!graph)
    {
      /* validate's messages already start with the file */
      if (!g_str_has_prefix (local->message, file))
        g_prefix_error (&local, "%s: ", file);
      g_propagate_error (error, local);
    }
  return graph;
}

FmNetGraph *
fm_net_load_onnx_file (const char *path, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  if (!fm_model_read_file (path, FM_NET_MAX_FILE_SIZE, &data, &len, error))
    return NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *dir = g_path_get_dirname (path);
  FmNetGraph *graph = fm_net_load_onnx_data (data, len, display, dir, error);
  if (graph)
    {
      g_free (graph->origin);
      graph->origin = g_strdup (path);
    }
  return graph;
}
