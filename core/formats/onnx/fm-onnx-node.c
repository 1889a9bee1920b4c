/* fm-onnx-node: ONNX NodeProto and AttributeProto into FmNetNode.
 * Attributes of every type are read; graphs, sparse tensors and type
 * protos are kept by name only (FM_ATTR_OTHER), and subgraphs are walked
 * just far enough to bound their nesting. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fm-net-load.h"
#include "fm-model-file.h"
#include "fm-onnx-private.h"

/* --- subgraphs: walked for their depth, not kept --------------------------- */

static gboolean walk_subgraph (const FmPbReader *r, const FmPbField *field,
                               int depth, GError **error);

/* The graph fields of an AttributeProto (g, graphs), depth being the
 * nesting of the graph that holds the attribute's node. */
static gboolean
walk_attr_graphs (const FmPbReader *r, const FmPbField *field, int depth,
                  GError **error)
{
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    if ((f.number == 6 || f.number == 11)
        && (!fm_onnx_want_wire (&f, FM_PB_LEN, "graph", error)
            || !walk_subgraph (&m, &f, depth + 1, error)))
      return FALSE;
  return rc == 0;
}

static gboolean
walk_subgraph (const FmPbReader *r, const FmPbField *field, int depth,
               GError **error)
{
  if (depth > FM_NET_MAX_DEPTH)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "subgraphs nested more than %d deep", FM_NET_MAX_DEPTH);
      return FALSE;
    }
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      if (f.number != 1)
        continue;
      if (!fm_onnx_want_wire (&f, FM_PB_LEN, "node", error))
        return FALSE;
      FmPbReader nm;
      fm_pb_reader_sub (&nm, &m, &f);
      FmPbField nf;
      int nrc;
      while ((nrc = fm_pb_next (&nm, &nf, error)) == 1)
        if (nf.number == 5
            && (!fm_onnx_want_wire (&nf, FM_PB_LEN, "attribute", error)
                || !walk_attr_graphs (&nm, &nf, depth, error)))
          return FALSE;
      if (nrc < 0)
        return FALSE;
    }
  return rc == 0;
}

/* --- attributes ---------------------------------------------------------- */

static gboolean
parse_attr (Onnx *o, const FmPbReader *r, const FmPbField *field,
            FmNetNode *node, guint index, int depth, GError **error)
{
  g_autofree char *name = NULL;
  if (!fm_onnx_want_wire (field, FM_PB_LEN, "attribute", error))
    goto fail;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbReader start = m;
  gint64 type = ATTR_UNDEFINED, ival = 0;
  guint32 fbits = 0;
  const FmPbField *last_s = NULL, *last_t = NULL;
  FmPbField s_field = { 0 }, t_field = { 0 };
  gsize n_floats = 0, n_ints = 0;
  gboolean seen[24] = { FALSE };
  FmPbField f;
  int rc;

  /* pass 1: framing, counts, the scalar values */
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      gsize c;
      if (f.number < G_N_ELEMENTS (seen))
        seen[f.number] = TRUE;
      switch (f.number)
        {
        case 1:
          if (!fm_onnx_get_string (&f, "attribute name", &name, error))
            goto fail;
          break;
        case 20:
          if (!fm_onnx_get_varint (&f, "attribute type", &type, error))
            goto fail;
          break;
        case 2:
          if (!fm_onnx_want_wire (&f, FM_PB_I32, "f", error))
            goto fail;
          fbits = (guint32) f.value;
          break;
        case 3:
          if (!fm_onnx_get_varint (&f, "i", &ival, error))
            goto fail;
          break;
        case 4:
          if (!fm_onnx_check_string (&f, "string attribute", error))
            goto fail;
          s_field = f;
          last_s = &s_field;
          break;
        case 5:
          if (!fm_onnx_want_wire (&f, FM_PB_LEN, "t", error))
            goto fail;
          t_field = f;
          last_t = &t_field;
          break;
        case 6:
        case 11:
          if (!fm_onnx_want_wire (&f, FM_PB_LEN, "graph", error)
              || !walk_subgraph (&m, &f, depth + 1, error))
            goto fail;
          break;
        case 7:
          if (!fm_pb_count (&m, &f, FM_PB_I32, &c, error))
            goto fail;
          n_floats += c;
          break;
        case 8:
          if (!fm_pb_count (&m, &f, FM_PB_VARINT, &c, error))
            goto fail;
          n_ints += c;
          break;
        default:
          break;
        }
      if (n_floats > ONNX_MAX_ATTR_ELEMS || n_ints > ONNX_MAX_ATTR_ELEMS)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                       "more than %" G_GSIZE_FORMAT " values", ONNX_MAX_ATTR_ELEMS);
          goto fail;
        }
    }
  if (rc < 0)
    goto fail;
  if (!name || !*name)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "no name");
      goto fail;
    }
  if (fm_net_node_attr (node, name))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "given twice");
      goto fail;
    }
  if (type == ATTR_UNDEFINED)
    {
      /* files older than IR version 2 leave the type out: take it from
       * the one value field present */
      static const struct { int field; int type; } infer[] = {
        { 2, ATTR_FLOAT }, { 3, ATTR_INT }, { 4, ATTR_STRING }, { 5, ATTR_TENSOR },
        { 6, ATTR_GRAPH }, { 7, ATTR_FLOATS }, { 8, ATTR_INTS }, { 9, ATTR_STRINGS },
        { 10, ATTR_TENSORS }, { 11, ATTR_GRAPHS }, { 22, ATTR_SPARSE_TENSOR },
        { 23, ATTR_SPARSE_TENSORS }, { 14, ATTR_TYPE_PROTO }, { 15, ATTR_TYPE_PROTOS },
      };
      for (gsize k = 0; k < G_N_ELEMENTS (infer) && type == ATTR_UNDEFINED; k++)
        if (seen[infer[k].field])
          type = infer[k].type;
      if (type == ATTR_UNDEFINED)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "no type and no value");
          goto fail;
        }
    }

  FmNetAttr *a;
  switch (type)
    {
    case ATTR_FLOAT:
      a = fm_net_node_add_attr (node, name, FM_ATTR_FLOAT);
      memcpy (&a->f, &fbits, 4);
      break;
    case ATTR_INT:
      a = fm_net_node_add_attr (node, name, FM_ATTR_INT);
      a->i = ival;
      break;
    case ATTR_STRING:
      a = fm_net_node_add_attr (node, name, FM_ATTR_STRING);
      a->s = last_s ? g_strndup ((const char *) last_s->data, last_s->len) : g_strdup ("");
      break;
    case ATTR_TENSOR:
      {
        if (!last_t)
          {
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "type TENSOR but no tensor");
            goto fail;
          }
        FmTensor *t = fm_onnx_parse_tensor (o, &start, last_t, NULL, 0, error);
        if (!t)
          goto fail;
        a = fm_net_node_add_attr (node, name, FM_ATTR_TENSOR);
        a->t = t;
      }
      break;
    case ATTR_FLOATS:
    case ATTR_INTS:
      {
        gboolean floats = type == ATTR_FLOATS;
        gsize n = floats ? n_floats : n_ints;
        a = fm_net_node_add_attr (node, name, floats ? FM_ATTR_FLOATS : FM_ATTR_INTS);
        a->n = (int) n;
        if (floats)
          a->floats = g_new0 (float, MAX (n, 1));
        else
          a->ints = g_new0 (gint64, MAX (n, 1));
        FmPbReader m2 = start;
        gsize at = 0;
        while (fm_pb_next (&m2, &f, NULL) == 1)
          if (f.number == (floats ? 7u : 8u))
            {
              FmPbValues it;
              guint64 v;
              fm_pb_values_init (&it, &f, floats ? FM_PB_I32 : FM_PB_VARINT);
              while (at < n && fm_pb_values_next (&it, &v))
                {
                  if (floats)
                    {
                      guint32 b = (guint32) v;
                      memcpy (&a->floats[at], &b, 4);
                    }
                  else
                    a->ints[at] = (gint64) v;
                  at++;
                }
            }
      }
      break;
    case ATTR_GRAPH: case ATTR_GRAPHS: case ATTR_STRINGS: case ATTR_TENSORS:
    case ATTR_SPARSE_TENSOR: case ATTR_SPARSE_TENSORS: case ATTR_TYPE_PROTO:
    case ATTR_TYPE_PROTOS:
      fm_net_node_add_attr (node, name, FM_ATTR_OTHER);
      break;
    default:
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "unknown attribute type %" G_GINT64_FORMAT, type);
      goto fail;
    }
  return TRUE;

fail:
  fm_onnx_prefix (error, "attribute", index, name);
  return FALSE;
}

/* --- nodes --------------------------------------------------------------- */

FmNetNode *
fm_onnx_parse_node (Onnx *o, const FmPbReader *r, const FmPbField *field, guint index,
            GError **error)
{
  g_autoptr (FmNetNode) node = NULL;
  g_autofree char *name = NULL, *op = NULL, *domain = NULL;
  if (!fm_onnx_want_wire (field, FM_PB_LEN, "node", error))
    goto fail;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbReader start = m;
  gsize n_in = 0, n_out = 0, n_attr = 0;
  FmPbField f;
  int rc;

  /* pass 1: framing, counts, names */
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    switch (f.number)
      {
      case 1:
      case 2:
        if (!fm_onnx_check_string (&f, f.number == 1 ? "input name" : "output name", error))
          goto fail;
        if (f.number == 1)
          n_in++;
        else
          n_out++;
        if (n_in + n_out > ONNX_MAX_NODE_IO)
          {
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                         "more than %d inputs and outputs", ONNX_MAX_NODE_IO);
            goto fail;
          }
        break;
      case 3:
        if (!fm_onnx_get_string (&f, "node name", &name, error))
          goto fail;
        break;
      case 4:
        if (!fm_onnx_get_string (&f, "op_type", &op, error))
          goto fail;
        break;
      case 7:
        if (!fm_onnx_get_string (&f, "domain", &domain, error))
          goto fail;
        break;
      case 5:
        if (!fm_onnx_want_wire (&f, FM_PB_LEN, "attribute", error))
          goto fail;
        if (++n_attr > FM_NET_MAX_ATTRS)
          {
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                         "more than %d attributes", FM_NET_MAX_ATTRS);
            goto fail;
          }
        break;
      default:
        break;
      }
  if (rc < 0)
    goto fail;
  if (n_in + n_out > ONNX_MAX_TOTAL_IO - o->total_io)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "the model's nodes have more than %d inputs and outputs together",
                   ONNX_MAX_TOTAL_IO);
      goto fail;
    }
  o->total_io += n_in + n_out;
  if (!op || !*op)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE, "no op_type");
      goto fail;
    }

  node = fm_net_node_new (name, op, (int) n_in, NULL, (int) n_out, NULL);
  if (domain && strcmp (domain, "ai.onnx") != 0)
    {
      g_free (node->domain);
      node->domain = g_steal_pointer (&domain);
    }

  /* pass 2: input and output names, attributes */
  m = start;
  gsize in = 0, out = 0;
  guint attr_index = 0;
  while (fm_pb_next (&m, &f, NULL) == 1)
    {
      if (f.number == 1 || f.number == 2)
        {
          char **slot = f.number == 1 ? &node->inputs[in++] : &node->outputs[out++];
          g_free (*slot);
          *slot = g_strndup ((const char *) f.data, f.len);
        }
      else if (f.number == 5)
        {
          /* depth 0: the attributes of a top-level graph's node */
          if (!parse_attr (o, &start, &f, node, attr_index, 0, error))
            goto fail;
          attr_index++;
        }
    }
  return g_steal_pointer (&node);

fail:
  fm_onnx_prefix (error, "node", index, name);
  return NULL;
}
