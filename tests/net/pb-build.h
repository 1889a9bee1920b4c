/* pb-build: a protobuf writer for tests — just enough to build ONNX files
 * byte by byte, well-formed or broken on purpose. */
#pragma once

#include <glib.h>
#include <string.h>

typedef GByteArray Pb;

static inline Pb *
pb_new (void)
{
  return g_byte_array_new ();
}

static inline void
pb_raw (Pb *b, const void *data, gsize len)
{
  g_byte_array_append (b, data, (guint) len);
}

static inline void
pb_varint (Pb *b, guint64 v)
{
  do
    {
      guint8 c = (guint8) (v & 0x7f);
      v >>= 7;
      if (v)
        c |= 0x80;
      pb_raw (b, &c, 1);
    }
  while (v);
}

static inline void
pb_key (Pb *b, guint32 field, guint wire)
{
  pb_varint (b, (guint64) field << 3 | wire);
}

static inline void
pb_uint (Pb *b, guint32 field, guint64 v)
{
  pb_key (b, field, 0);
  pb_varint (b, v);
}

static inline void
pb_bytes (Pb *b, guint32 field, const void *data, gsize len)
{
  pb_key (b, field, 2);
  pb_varint (b, len);
  pb_raw (b, data, len);
}

static inline void
pb_str (Pb *b, guint32 field, const char *s)
{
  pb_bytes (b, field, s, strlen (s));
}

static inline void
pb_fixed32 (Pb *b, guint32 field, guint32 v)
{
  pb_key (b, field, 5);
  guint8 le[4] = { v, v >> 8, v >> 16, v >> 24 };
  pb_raw (b, le, 4);
}

static inline void
pb_float (Pb *b, guint32 field, float f)
{
  guint32 v;
  memcpy (&v, &f, 4);
  pb_fixed32 (b, field, v);
}

/* Appends sub as a length-delimited field and frees it. */
static inline void
pb_msg (Pb *b, guint32 field, Pb *sub)
{
  pb_bytes (b, field, sub->data, sub->len);
  g_byte_array_unref (sub);
}

/* --- ONNX messages --------------------------------------------------------- */

/* TensorProto float32 with raw_data */
static inline Pb *
onnx_tensor (const char *name, int ndim, const gint64 *dims, const float *v, gsize n)
{
  Pb *t = pb_new ();
  for (int d = 0; d < ndim; d++)
    pb_uint (t, 1, (guint64) dims[d]);
  pb_uint (t, 2, 1);
  if (name)
    pb_str (t, 8, name);
  pb_bytes (t, 9, v, n * sizeof (float));
  return t;
}

/* ValueInfoProto of a float tensor; dims < 0 become dim_param "d" */
static inline Pb *
onnx_value_info (const char *name, int ndim, const gint64 *dims)
{
  Pb *shape = pb_new ();
  for (int d = 0; d < ndim; d++)
    {
      Pb *dim = pb_new ();
      if (dims[d] >= 0)
        pb_uint (dim, 1, (guint64) dims[d]);
      else
        pb_str (dim, 2, "d");
      pb_msg (shape, 1, dim);
    }
  Pb *tt = pb_new ();
  pb_uint (tt, 1, 1);
  pb_msg (tt, 2, shape);
  Pb *type = pb_new ();
  pb_msg (type, 1, tt);
  Pb *vi = pb_new ();
  pb_str (vi, 1, name);
  pb_msg (vi, 2, type);
  return vi;
}

/* NodeProto with one input and one output (either may be NULL) */
static inline Pb *
onnx_node (const char *name, const char *op, const char *in, const char *out)
{
  Pb *n = pb_new ();
  if (in)
    pb_str (n, 1, in);
  if (out)
    pb_str (n, 2, out);
  if (name)
    pb_str (n, 3, name);
  pb_str (n, 4, op);
  return n;
}

/* AttributeProto INT */
static inline Pb *
onnx_attr_int (const char *name, gint64 v)
{
  Pb *a = pb_new ();
  pb_str (a, 1, name);
  pb_uint (a, 3, (guint64) v);
  pb_uint (a, 20, 2);
  return a;
}

/* ModelProto around a graph (consumed) with the default opset */
static inline Pb *
onnx_model (Pb *graph, int opset)
{
  Pb *m = pb_new ();
  pb_uint (m, 1, 7);
  pb_str (m, 2, "pb-build");
  pb_str (m, 3, "1");
  pb_msg (m, 7, graph);
  if (opset > 0)
    {
      Pb *o = pb_new ();
      pb_str (o, 1, "");
      pb_uint (o, 2, (guint64) opset);
      pb_msg (m, 8, o);
    }
  return m;
}
