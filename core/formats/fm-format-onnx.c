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
#include "fm-protobuf.h"
#include "fm-model-file.h"

/* Per node: inputs plus outputs (Concat of thousands is still far below). */
#define ONNX_MAX_NODE_IO      10000
/* All nodes' inputs and outputs together: bounds the memory names take. */
#define ONNX_MAX_TOTAL_IO     1000000
/* Values in one INTS / FLOATS attribute. */
#define ONNX_MAX_ATTR_ELEMS   ((gsize) 1 << 20)
/* external_data entries of one tensor (location, offset, length, checksum). */
#define ONNX_MAX_EXT_ENTRIES  16
/* Graph inputs, outputs and value_infos, each. */
#define ONNX_MAX_VALUE_INFOS  FM_NET_MAX_TENSORS
/* opset_import entries. */
#define ONNX_MAX_OPSETS       1000

/* TensorProto.DataType */
enum {
  ONNX_UNDEFINED = 0, ONNX_FLOAT = 1, ONNX_UINT8 = 2, ONNX_INT8 = 3,
  ONNX_UINT16 = 4, ONNX_INT16 = 5, ONNX_INT32 = 6, ONNX_INT64 = 7,
  ONNX_STRING = 8, ONNX_BOOL = 9, ONNX_FLOAT16 = 10, ONNX_DOUBLE = 11,
  ONNX_UINT32 = 12, ONNX_UINT64 = 13, ONNX_COMPLEX64 = 14,
  ONNX_COMPLEX128 = 15, ONNX_BFLOAT16 = 16
};

/* AttributeProto.AttributeType */
enum {
  ATTR_UNDEFINED = 0, ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3,
  ATTR_TENSOR = 4, ATTR_GRAPH = 5, ATTR_FLOATS = 6, ATTR_INTS = 7,
  ATTR_STRINGS = 8, ATTR_TENSORS = 9, ATTR_GRAPHS = 10,
  ATTR_SPARSE_TENSOR = 11, ATTR_SPARSE_TENSORS = 12, ATTR_TYPE_PROTO = 13,
  ATTR_TYPE_PROTOS = 14
};

typedef struct {
  const char *base_dir;   /* external data folder, or NULL */
  gsize total_elems;      /* every tensor read, attribute tensors included */
  gsize total_io;
} Onnx;

/* --- field helpers ------------------------------------------------------- */

static gboolean
want_wire (const FmPbField *f, FmPbWire wire, const char *what, GError **error)
{
  if (f->wire == wire)
    return TRUE;
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
               "field %u (%s) has wire type %s, expected %s at byte %" G_GSIZE_FORMAT,
               f->number, what, fm_pb_wire_name (f->wire), fm_pb_wire_name (wire),
               f->offset);
  return FALSE;
}

/* A name or string field: bounded, no NUL inside (names are compared as C
 * strings, so "a\0b" and "a" must not both exist). */
static gboolean
check_string (const FmPbField *f, const char *what, GError **error)
{
  if (!want_wire (f, FM_PB_LEN, what, error))
    return FALSE;
  if (f->len > FM_NET_MAX_NAME)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "%s of %" G_GSIZE_FORMAT " bytes, over the limit of %d at byte %"
                   G_GSIZE_FORMAT, what, f->len, FM_NET_MAX_NAME, f->offset);
      return FALSE;
    }
  if (memchr (f->data, 0, f->len))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "%s holds a NUL byte at byte %" G_GSIZE_FORMAT, what, f->offset);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_string (const FmPbField *f, const char *what, char **out, GError **error)
{
  if (!check_string (f, what, error))
    return FALSE;
  g_free (*out);
  *out = g_strndup ((const char *) f->data, f->len);
  return TRUE;
}

static gboolean
get_varint (const FmPbField *f, const char *what, gint64 *out, GError **error)
{
  if (!want_wire (f, FM_PB_VARINT, what, error))
    return FALSE;
  *out = (gint64) f->value;
  return TRUE;
}

/* "node 3 'conv1'" or "node 3" — how a message names an element it is in */
static void
prefix_element (GError **error, const char *kind, guint index, const char *name)
{
  if (!error || !*error)
    return;
  if (name && *name)
    {
      g_autofree char *label = fm_net_escape (name);
      g_prefix_error (error, "%s %u '%s': ", kind, index, label);
    }
  else
    g_prefix_error (error, "%s %u: ", kind, index);
}

/* --- tensors ------------------------------------------------------------- */

static gboolean
onnx_elem (gint64 dtype, FmElem *elem, GError **error)
{
  switch (dtype)
    {
    case ONNX_FLOAT: *elem = FM_ELEM_F32; return TRUE;
    case ONNX_DOUBLE: *elem = FM_ELEM_F64; return TRUE;
    case ONNX_FLOAT16: *elem = FM_ELEM_F16; return TRUE;
    case ONNX_BFLOAT16: *elem = FM_ELEM_BF16; return TRUE;
    case ONNX_UINT8: *elem = FM_ELEM_U8; return TRUE;
    case ONNX_INT8: *elem = FM_ELEM_I8; return TRUE;
    case ONNX_UINT16: *elem = FM_ELEM_U16; return TRUE;
    case ONNX_INT16: *elem = FM_ELEM_I16; return TRUE;
    case ONNX_INT32: *elem = FM_ELEM_I32; return TRUE;
    case ONNX_INT64: *elem = FM_ELEM_I64; return TRUE;
    case ONNX_UINT32: *elem = FM_ELEM_U32; return TRUE;
    case ONNX_UINT64: *elem = FM_ELEM_U64; return TRUE;
    case ONNX_BOOL: *elem = FM_ELEM_BOOL; return TRUE;
    case ONNX_UNDEFINED:
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "no data_type");
      return FALSE;
    case ONNX_STRING:
    case ONNX_COMPLEX64:
    case ONNX_COMPLEX128:
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                   "data_type %s is not supported",
                   dtype == ONNX_STRING ? "string" : "complex");
      return FALSE;
    default:
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                   "data_type %" G_GINT64_FORMAT " is not supported", dtype);
      return FALSE;
    }
}

/* The typed field that holds each element type when raw_data is not used. */
typedef enum { T_FLOAT, T_INT32, T_INT64, T_DOUBLE, T_UINT64, T_STRING, T_N } Typed;

static const char *const typed_names[T_N] = {
  "float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"
};
static const guint32 typed_fields[T_N] = { 4, 5, 7, 10, 11, 6 };
static const FmPbWire typed_wires[T_N] = {
  FM_PB_I32, FM_PB_VARINT, FM_PB_VARINT, FM_PB_I64, FM_PB_VARINT, FM_PB_LEN
};

static Typed
typed_for (FmElem elem)
{
  switch (elem)
    {
    case FM_ELEM_F32: return T_FLOAT;
    case FM_ELEM_F64: return T_DOUBLE;
    case FM_ELEM_I64: return T_INT64;
    case FM_ELEM_U32: case FM_ELEM_U64: return T_UINT64;
    default: return T_INT32;   /* float16, bfloat16 and the small integers */
    }
}

static gboolean
fill_typed (const FmPbReader *m0, Typed typed, FmElem elem, FmTensor *t,
            GError **error)
{
  FmPbReader m = *m0;
  FmPbField f;
  gsize at = 0;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      if (f.number != typed_fields[typed])
        continue;
      FmPbValues it;
      guint64 v;
      fm_pb_values_init (&it, &f, typed_wires[typed]);
      while (at < t->n && fm_pb_values_next (&it, &v))
        {
          switch (typed)
            {
            case T_FLOAT:
              {
                guint32 b = (guint32) v;
                memcpy (&t->f[at], &b, 4);
              }
              break;
            case T_DOUBLE:
              {
                double d;
                memcpy (&d, &v, 8);
                t->f[at] = (float) d;
              }
              break;
            case T_INT64:
              t->i[at] = (gint64) v;
              break;
            case T_UINT64:
              if (v > G_MAXINT64)
                {
                  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                               "element %" G_GSIZE_FORMAT ": value %" G_GUINT64_FORMAT
                               " does not fit int64", at, v);
                  return FALSE;
                }
              t->i[at] = (gint64) v;
              break;
            case T_INT32:
              {
                /* int32_data carries float16 / bfloat16 bits and the
                 * small integer types, each in the low bits */
                guint32 w = (guint32) v;
                switch (elem)
                  {
                  case FM_ELEM_F16: t->f[at] = fm_half_to_float ((guint16) w); break;
                  case FM_ELEM_BF16:
                    {
                      guint32 b = (w & 0xffff) << 16;
                      memcpy (&t->f[at], &b, 4);
                    }
                    break;
                  case FM_ELEM_BOOL: t->i[at] = w != 0; break;
                  case FM_ELEM_U8: t->i[at] = (guint8) w; break;
                  case FM_ELEM_U16: t->i[at] = (guint16) w; break;
                  default: t->i[at] = (gint32) w; break;
                  }
              }
              break;
            default:
              g_assert_not_reached ();
            }
          at++;
        }
    }
  return rc == 0;
}

typedef struct {
  char *location;
  guint64 offset, length;
  gboolean have_offset, have_length;
} External;

static void
external_clear (External *x)
{
  g_free (x->location);
}

static gboolean
parse_number (const char *key, const char *text, guint64 *out, GError **error)
{
  GError *local = NULL;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, out, &local))
    {
      g_autofree char *label = fm_net_escape (text);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "external data %s '%s' is not a number", key, label);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_external_entry (const FmPbReader *r, const FmPbField *f, External *x,
                      GError **error)
{
  if (!want_wire (f, FM_PB_LEN, "external_data", error))
    return FALSE;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, f);
  FmPbField e;
  g_autofree char *key = NULL, *value = NULL;
  int rc;
  while ((rc = fm_pb_next (&m, &e, error)) == 1)
    {
      if (e.number == 1 && !get_string (&e, "external_data key", &key, error))
        return FALSE;
      if (e.number == 2 && !get_string (&e, "external_data value", &value, error))
        return FALSE;
    }
  if (rc < 0)
    return FALSE;
  if (!key || !value)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "an external_data entry without %s", key ? "value" : "key");
      return FALSE;
    }
  if (strcmp (key, "location") == 0)
    {
      if (x->location)
        goto twice;
      x->location = g_steal_pointer (&value);
    }
  else if (strcmp (key, "offset") == 0)
    {
      if (x->have_offset)
        goto twice;
      x->have_offset = TRUE;
      return parse_number (key, value, &x->offset, error);
    }
  else if (strcmp (key, "length") == 0)
    {
      if (x->have_length)
        goto twice;
      x->have_length = TRUE;
      return parse_number (key, value, &x->length, error);
    }
  /* "checksum" and keys added later: not needed to read the bytes */
  return TRUE;

twice:
  g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
               "external data key '%s' given twice", key);
  return FALSE;
}

/* Reads the tensor's bytes from its external file, a chunk at a time so
 * memory stays the tensor's own. */
static gboolean
read_external (const Onnx *o, const External *x, FmElem elem, FmTensor *t,
               GError **error)
{
  if (!x->location)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "external data without a location");
      return FALSE;
    }
  if (!o->base_dir)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                   "external data needs the model's folder (read the model from a file)");
      return FALSE;
    }
  gsize size = 0;
  GError *local = NULL;
  int fd = fm_model_open_below (o->base_dir, x->location, &size, &local);
  if (fd < 0)
    {
      g_set_error (error, FM_NET_ERROR, local->code, "external data %s", local->message);
      g_error_free (local);
      return FALSE;
    }
  g_autofree char *label = fm_net_escape (x->location);
  gsize esize = fm_elem_size (elem);
  guint64 need = (guint64) t->n * esize;
  guint64 offset = x->have_offset ? x->offset : 0;
  guint64 length = x->have_length ? x->length
                   : (offset <= size ? size - offset : 0);
  gboolean ok = FALSE;
  if (offset > size || length > size - offset)
    g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                 "external data '%s': offset %" G_GUINT64_FORMAT " + length %"
                 G_GUINT64_FORMAT " runs past the end of the file (%" G_GSIZE_FORMAT
                 " bytes)", label, offset, length, size);
  else if (length != need)
    g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                 "external data '%s': %" G_GUINT64_FORMAT " bytes, but %" G_GSIZE_FORMAT
                 " %s elements need %" G_GUINT64_FORMAT, label, length, t->n,
                 fm_elem_name (elem), need);
  else
    {
      gsize chunk_elems = MAX ((gsize) 1, ((gsize) 1 << 20) / esize);
      g_autofree guint8 *buf = g_malloc (MIN (chunk_elems, MAX (t->n, (gsize) 1)) * esize);
      g_autofree char *what = g_strdup_printf ("external data '%s'", label);
      ok = TRUE;
      for (gsize at = 0; ok && at < t->n; at += chunk_elems)
        {
          gsize count = MIN (chunk_elems, t->n - at);
          ok = fm_model_pread (fd, buf, count * esize, offset + (guint64) at * esize,
                               what, error)
               && fm_elem_convert (elem, buf, count, t, at, error);
        }
    }
  close (fd);
  return ok;
}

/* A TensorProto into an FmTensor.  `name` overrides the tensor's own
 * (Constant nodes name theirs after their output). */
static FmTensor *
parse_tensor (Onnx *o, const FmPbReader *r, const FmPbField *field,
              const char *kind, guint index, GError **error)
{
  g_autofree char *name = NULL;
  FmTensor *t = NULL;
  External x = { 0 };
  if (!want_wire (field, FM_PB_LEN, "tensor", error))
    goto fail;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbReader start = m;

  gint64 dims[FM_TENSOR_MAX_DIMS] = { 0 };
  int ndim = 0;
  gint64 dtype = ONNX_UNDEFINED, location = 0;
  const guint8 *raw = NULL;
  gsize raw_len = 0;
  gboolean have_raw = FALSE;
  gsize typed_count[T_N] = { 0 };
  int n_ext = 0;
  FmPbField f;
  int rc;

  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      gsize c;
      switch (f.number)
        {
        case 1: /* dims */
          {
            if (!fm_pb_count (&m, &f, FM_PB_VARINT, &c, error))
              goto fail;
            if (c > (gsize) (FM_TENSOR_MAX_DIMS - ndim))
              {
                g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                             "more than %d dims", FM_TENSOR_MAX_DIMS);
                goto fail;
              }
            FmPbValues it;
            guint64 v;
            fm_pb_values_init (&it, &f, FM_PB_VARINT);
            while (fm_pb_values_next (&it, &v))
              dims[ndim++] = (gint64) v;
          }
          break;
        case 2:
          if (!get_varint (&f, "data_type", &dtype, error))
            goto fail;
          break;
        case 3:
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                       "segmented tensors are not supported");
          goto fail;
        case 8:
          if (!get_string (&f, "tensor name", &name, error))
            goto fail;
          break;
        case 9:
          if (!want_wire (&f, FM_PB_LEN, "raw_data", error))
            goto fail;
          raw = f.data;
          raw_len = f.len;
          have_raw = TRUE;
          break;
        case 13:
          if (++n_ext > ONNX_MAX_EXT_ENTRIES)
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                           "more than %d external_data entries", ONNX_MAX_EXT_ENTRIES);
              goto fail;
            }
          if (!parse_external_entry (&m, &f, &x, error))
            goto fail;
          break;
        case 14:
          if (!get_varint (&f, "data_location", &location, error))
            goto fail;
          break;
        default:
          for (int k = 0; k < T_N; k++)
            if (f.number == typed_fields[k])
              {
                if (k == T_STRING)
                  c = 1;
                else if (!fm_pb_count (&m, &f, typed_wires[k], &c, error))
                  goto fail;
                /* bounded by the message's length, so no overflow */
                typed_count[k] += c;
              }
          break;
        }
    }
  if (rc < 0)
    goto fail;

  FmElem elem;
  if (!onnx_elem (dtype, &elem, error))
    goto fail;

  /* dims: each ≥ 0, the product in 64 bits, then the limits */
  guint64 n = 1;
  gboolean zero = FALSE, overflow = FALSE;
  for (int d = 0; d < ndim; d++)
    {
      if (dims[d] < 0)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                       "dimension %d is %" G_GINT64_FORMAT ", negative", d, dims[d]);
          goto fail;
        }
      if (dims[d] == 0)
        zero = TRUE;
      else if (__builtin_mul_overflow (n, (guint64) dims[d], &n))
        overflow = TRUE;
    }
  if (overflow && !zero)
    {
      GString *s = g_string_new (NULL);
      for (int d = 0; d < ndim; d++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? " × " : "", dims[d]);
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "dims %s: their product overflows 64 bits", s->str);
      g_string_free (s, TRUE);
      goto fail;
    }
  if (zero)
    n = 0;
  if (n > FM_NET_MAX_TENSOR_ELEMS)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "more than %" G_GSIZE_FORMAT " elements (the limit for one tensor)",
                   FM_NET_MAX_TENSOR_ELEMS);
      goto fail;
    }
  if (n > FM_NET_MAX_TOTAL_ELEMS - o->total_elems)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_TOO_LARGE,
                   "the model's tensors hold more than %" G_GSIZE_FORMAT
                   " elements together", FM_NET_MAX_TOTAL_ELEMS);
      goto fail;
    }

  /* where the values are, before allocating for them */
  Typed typed = typed_for (elem);
  gsize esize = fm_elem_size (elem);
  if (location == 1)
    {
      if (have_raw)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "both external data and raw_data");
          goto fail;
        }
    }
  else if (location != 0)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "unknown data_location %" G_GINT64_FORMAT, location);
      goto fail;
    }
  else if (n_ext)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "external_data entries but data_location is not EXTERNAL");
      goto fail;
    }
  for (int k = 0; k < T_N; k++)
    if (typed_count[k] && (have_raw || location == 1 || k != (int) typed))
      {
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                     "%s given for a %s tensor%s", typed_names[k], fm_elem_name (elem),
                     have_raw ? " that has raw_data"
                     : location == 1 ? " with external data" : "");
        goto fail;
      }
  if (location == 0 && have_raw && raw_len != n * esize)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "raw_data holds %" G_GSIZE_FORMAT " bytes, but %" G_GUINT64_FORMAT
                   " %s elements need %" G_GUINT64_FORMAT, raw_len, n,
                   fm_elem_name (elem), n * esize);
      goto fail;
    }
  if (location == 0 && !have_raw && typed_count[typed] != n)
    {
      if (typed_count[typed] == 0)
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                     "no data: neither raw_data nor %s for %" G_GUINT64_FORMAT
                     " elements", typed_names[typed], n);
      else
        g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                     "%s holds %" G_GSIZE_FORMAT " values, but the dims need %"
                     G_GUINT64_FORMAT, typed_names[typed], typed_count[typed], n);
      goto fail;
    }

  t = fm_tensor_new (name, fm_elem_tensor_type (elem), ndim, dims, error);
  if (!t)
    goto fail;
  o->total_elems += t->n;
  if (location == 1)
    {
      if (!read_external (o, &x, elem, t, error))
        goto fail;
    }
  else if (have_raw)
    {
      if (!fm_elem_convert (elem, raw, t->n, t, 0, error))
        goto fail;
    }
  else if (!fill_typed (&start, typed, elem, t, error))
    goto fail;

  external_clear (&x);
  return t;

fail:
  external_clear (&x);
  fm_tensor_free (t);
  if (name && *name)
    {
      g_autofree char *label = fm_net_escape (name);
      g_prefix_error (error, "tensor '%s': ", label);
    }
  else if (kind)
    prefix_element (error, kind, index, NULL);
  return NULL;
}

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
      if (!want_wire (&f, FM_PB_LEN, "dim", error))
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
            if (!get_varint (&d, "dim_value", &value, error))
              return FALSE;
            if (value < 0)
              {
                g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_INVALID,
                             "dimension %d is %" G_GINT64_FORMAT ", negative",
                             *ndim, value);
                return FALSE;
              }
          }
        else if (d.number == 2 && !check_string (&d, "dim_param", error))
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
  if (!want_wire (field, FM_PB_LEN, "value info", error))
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
      if (f.number == 1 && !get_string (&f, "name", &name, error))
        return NULL;
      if (f.number != 2)
        continue;
      /* TypeProto: only tensor_type (1) → its shape (2) matters here;
       * sequences, maps and the rest are skipped whole */
      if (!want_wire (&f, FM_PB_LEN, "type", error))
        return NULL;
      FmPbReader tm;
      fm_pb_reader_sub (&tm, &m, &f);
      FmPbField tf;
      int trc;
      while ((trc = fm_pb_next (&tm, &tf, error)) == 1)
        {
          if (tf.number != 1)
            continue;
          if (!want_wire (&tf, FM_PB_LEN, "tensor_type", error))
            return NULL;
          FmPbReader sm;
          fm_pb_reader_sub (&sm, &tm, &tf);
          FmPbField sf;
          int src;
          while ((src = fm_pb_next (&sm, &sf, error)) == 1)
            if (sf.number == 2)
              {
                if (!want_wire (&sf, FM_PB_LEN, "shape", error))
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
        && (!want_wire (&f, FM_PB_LEN, "graph", error)
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
      if (!want_wire (&f, FM_PB_LEN, "node", error))
        return FALSE;
      FmPbReader nm;
      fm_pb_reader_sub (&nm, &m, &f);
      FmPbField nf;
      int nrc;
      while ((nrc = fm_pb_next (&nm, &nf, error)) == 1)
        if (nf.number == 5
            && (!want_wire (&nf, FM_PB_LEN, "attribute", error)
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
  if (!want_wire (field, FM_PB_LEN, "attribute", error))
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
          if (!get_string (&f, "attribute name", &name, error))
            goto fail;
          break;
        case 20:
          if (!get_varint (&f, "attribute type", &type, error))
            goto fail;
          break;
        case 2:
          if (!want_wire (&f, FM_PB_I32, "f", error))
            goto fail;
          fbits = (guint32) f.value;
          break;
        case 3:
          if (!get_varint (&f, "i", &ival, error))
            goto fail;
          break;
        case 4:
          if (!check_string (&f, "string attribute", error))
            goto fail;
          s_field = f;
          last_s = &s_field;
          break;
        case 5:
          if (!want_wire (&f, FM_PB_LEN, "t", error))
            goto fail;
          t_field = f;
          last_t = &t_field;
          break;
        case 6:
        case 11:
          if (!want_wire (&f, FM_PB_LEN, "graph", error)
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
        FmTensor *t = parse_tensor (o, &start, last_t, NULL, 0, error);
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
  prefix_element (error, "attribute", index, name);
  return FALSE;
}

/* --- nodes --------------------------------------------------------------- */

static FmNetNode *
parse_node (Onnx *o, const FmPbReader *r, const FmPbField *field, guint index,
            GError **error)
{
  g_autoptr (FmNetNode) node = NULL;
  g_autofree char *name = NULL, *op = NULL, *domain = NULL;
  if (!want_wire (field, FM_PB_LEN, "node", error))
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
        if (!check_string (&f, f.number == 1 ? "input name" : "output name", error))
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
        if (!get_string (&f, "node name", &name, error))
          goto fail;
        break;
      case 4:
        if (!get_string (&f, "op_type", &op, error))
          goto fail;
        break;
      case 7:
        if (!get_string (&f, "domain", &domain, error))
          goto fail;
        break;
      case 5:
        if (!want_wire (&f, FM_PB_LEN, "attribute", error))
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
  prefix_element (error, "node", index, name);
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
  if (!want_wire (field, FM_PB_LEN, "graph", error))
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
          FmNetNode *node = parse_node (o, &m, &f, nodes->len, error);
          if (!node)
            return FALSE;
          g_ptr_array_add (nodes, node);
        }
        break;
      case 5:
        {
          FmTensor *t = parse_tensor (o, &m, &f, "initializer", n_init, error);
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
              prefix_element (error, kind, count, NULL);
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
          prefix_element (error, "node", k, node->name);
          return FALSE;
        }
      if (t)
        {
          if (!fm_net_graph_add_initializer (graph, t, error))
            {
              prefix_element (error, "node", k, node->name);
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
  if (!want_wire (field, FM_PB_LEN, "opset_import", error))
    return FALSE;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, field);
  FmPbField f;
  int rc;
  while ((rc = fm_pb_next (&m, &f, error)) == 1)
    {
      if (f.number == 1 && !get_string (&f, "domain", domain, error))
        return FALSE;
      if (f.number == 2 && !get_varint (&f, "version", version, error))
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
        if (!get_varint (&f, "ir_version", &ir_version, error))
          return NULL;
        break;
      case 2:
        if (!get_string (&f, "producer_name", &producer, error))
          return NULL;
        break;
      case 3:
        if (!get_string (&f, "producer_version", &producer_version, error))
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
