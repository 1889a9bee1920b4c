/* fm-onnx-tensor: ONNX TensorProto into FmTensor — every data type
 * converted to float32 or int64, values from raw_data (read in place), the
 * typed fields (packed or not) or an external file below the model's
 * folder; dims and sizes checked before anything is allocated.  Also the
 * field helpers every ONNX file uses. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fm-net-load.h"
#include "fm-model-file.h"
#include "fm-onnx-private.h"

/* --- field helpers ------------------------------------------------------- */

gboolean
fm_onnx_want_wire (const FmPbField *f, FmPbWire wire, const char *what, GError **error)
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
gboolean
fm_onnx_check_string (const FmPbField *f, const char *what, GError **error)
{
  if (!fm_onnx_want_wire (f, FM_PB_LEN, what, error))
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

gboolean
fm_onnx_get_string (const FmPbField *f, const char *what, char **out, GError **error)
{
  if (!fm_onnx_check_string (f, what, error))
    return FALSE;
  g_free (*out);
  *out = g_strndup ((const char *) f->data, f->len);
  return TRUE;
}

gboolean
fm_onnx_get_varint (const FmPbField *f, const char *what, gint64 *out, GError **error)
{
  if (!fm_onnx_want_wire (f, FM_PB_VARINT, what, error))
    return FALSE;
  *out = (gint64) f->value;
  return TRUE;
}

/* "node 3 'conv1'" or "node 3" — how a message names an element it is in */
void
fm_onnx_prefix (GError **error, const char *kind, guint index, const char *name)
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
  if (!fm_onnx_want_wire (f, FM_PB_LEN, "external_data", error))
    return FALSE;
  FmPbReader m;
  fm_pb_reader_sub (&m, r, f);
  FmPbField e;
  g_autofree char *key = NULL, *value = NULL;
  int rc;
  while ((rc = fm_pb_next (&m, &e, error)) == 1)
    {
      if (e.number == 1 && !fm_onnx_get_string (&e, "external_data key", &key, error))
        return FALSE;
      if (e.number == 2 && !fm_onnx_get_string (&e, "external_data value", &value, error))
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
FmTensor *
fm_onnx_parse_tensor (Onnx *o, const FmPbReader *r, const FmPbField *field,
              const char *kind, guint index, GError **error)
{
  g_autofree char *name = NULL;
  FmTensor *t = NULL;
  External x = { 0 };
  if (!fm_onnx_want_wire (field, FM_PB_LEN, "tensor", error))
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
          if (!fm_onnx_get_varint (&f, "data_type", &dtype, error))
            goto fail;
          break;
        case 3:
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_UNSUPPORTED,
                       "segmented tensors are not supported");
          goto fail;
        case 8:
          if (!fm_onnx_get_string (&f, "tensor name", &name, error))
            goto fail;
          break;
        case 9:
          if (!fm_onnx_want_wire (&f, FM_PB_LEN, "raw_data", error))
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
          if (!fm_onnx_get_varint (&f, "data_location", &location, error))
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
    fm_onnx_prefix (error, kind, index, NULL);
  return NULL;
}
