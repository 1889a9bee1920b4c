/* fm-protobuf: the protobuf wire format, read in place (fm-protobuf.h).
 * Written by hand rather than generated: see docs/architecture.md,
 * "Hand-written parts and why". */
#include <string.h>

#include "fm-protobuf.h"
#include "fm-net-graph.h"

/* Groups inside groups: protobuf itself stops at 100 nested messages. */
#define FM_PB_MAX_GROUP_DEPTH 64

static gsize
offset_of (const FmPbReader *r, const guint8 *p)
{
  return (gsize) (p - r->start);
}

void
fm_pb_reader_init (FmPbReader *r, const guint8 *data, gsize len)
{
  r->start = data;
  r->p = data;
  r->end = data + len;
}

void
fm_pb_reader_sub (FmPbReader *sub, const FmPbReader *r, const FmPbField *f)
{
  sub->start = r->start;
  sub->p = f->data;
  sub->end = f->data + f->len;
}

/* 0 ok, 1 truncated, 2 longer than 10 bytes / over 64 bits */
static int
read_varint (const guint8 **pp, const guint8 *end, guint64 *out)
{
  const guint8 *p = *pp;
  guint64 v = 0;
  for (int k = 0; k < 10; k++)
    {
      if (p >= end)
        return 1;
      guint8 b = *p++;
      if (k == 9 && b > 1)
        return 2;     /* the tenth byte holds bit 63 only */
      v |= (guint64) (b & 0x7f) << (7 * k);
      if (!(b & 0x80))
        {
          *pp = p;
          *out = v;
          return 0;
        }
    }
  return 2;
}

static gboolean
varint_or_error (const FmPbReader *r, const guint8 **pp, guint64 *out,
                 const char *what, GError **error)
{
  const guint8 *at = *pp;
  switch (read_varint (pp, r->end, out))
    {
    case 0:
      return TRUE;
    case 1:
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "truncated varint (%s) at byte %" G_GSIZE_FORMAT,
                   what, offset_of (r, at));
      return FALSE;
    default:
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "varint (%s) longer than 64 bits at byte %" G_GSIZE_FORMAT,
                   what, offset_of (r, at));
      return FALSE;
    }
}

const char *
fm_pb_wire_name (FmPbWire wire)
{
  static const char *const names[] = {
    "varint", "64-bit", "length-delimited", "start-group", "end-group", "32-bit"
  };
  return (unsigned) wire < G_N_ELEMENTS (names) ? names[wire] : "invalid";
}

/* The key at *pp: field number and wire type, both checked. */
static gboolean
read_key (const FmPbReader *r, const guint8 **pp, guint32 *number,
          FmPbWire *wire, GError **error)
{
  const guint8 *at = *pp;
  guint64 key;
  if (!varint_or_error (r, pp, &key, "field key", error))
    return FALSE;
  guint64 n = key >> 3;
  guint w = key & 7;
  if (n == 0 || n > ((1u << 29) - 1))
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "invalid field number %" G_GUINT64_FORMAT " at byte %"
                   G_GSIZE_FORMAT, n, offset_of (r, at));
      return FALSE;
    }
  if (w > 5)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "invalid wire type %u (field %" G_GUINT64_FORMAT ") at byte %"
                   G_GSIZE_FORMAT, w, n, offset_of (r, at));
      return FALSE;
    }
  *number = (guint32) n;
  *wire = (FmPbWire) w;
  return TRUE;
}

/* The value of a field whose key was just read (not a group). */
static gboolean
read_value (const FmPbReader *r, const guint8 **pp, FmPbField *f,
            GError **error)
{
  const guint8 *p = *pp;
  gsize left = (gsize) (r->end - p);
  switch (f->wire)
    {
    case FM_PB_VARINT:
      if (!varint_or_error (r, &p, &f->value, "value", error))
        return FALSE;
      break;
    case FM_PB_I64:
    case FM_PB_I32:
      {
        gsize size = f->wire == FM_PB_I64 ? 8 : 4;
        if (left < size)
          {
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                         "truncated %s value (field %u) at byte %" G_GSIZE_FORMAT,
                         fm_pb_wire_name (f->wire), f->number, offset_of (r, p));
            return FALSE;
          }
        guint64 v = 0;
        for (gsize k = 0; k < size; k++)
          v |= (guint64) p[k] << (8 * k);
        f->value = v;
        p += size;
      }
      break;
    case FM_PB_LEN:
      {
        guint64 len;
        if (!varint_or_error (r, &p, &len, "length", error))
          return FALSE;
        left = (gsize) (r->end - p);
        if (len > left)
          {
            g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                         "field %u: length %" G_GUINT64_FORMAT " runs past the end "
                         "of its message (%" G_GSIZE_FORMAT " bytes left) at byte %"
                         G_GSIZE_FORMAT, f->number, len, left, f->offset);
            return FALSE;
          }
        f->data = p;
        f->len = (gsize) len;
        p += len;
      }
      break;
    default:
      g_assert_not_reached ();
    }
  *pp = p;
  return TRUE;
}

/* Skips the rest of a group opened by field `number` (its start key read). */
static gboolean
skip_group (const FmPbReader *r, const guint8 **pp, guint32 number,
            GError **error)
{
  guint32 open[FM_PB_MAX_GROUP_DEPTH];
  int depth = 0;
  open[depth++] = number;
  const guint8 *p = *pp;
  while (depth > 0)
    {
      if (p >= r->end)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "group (field %u) not closed before the end of its message",
                       open[depth - 1]);
          return FALSE;
        }
      FmPbField f = { .offset = offset_of (r, p) };
      if (!read_key (r, &p, &f.number, &f.wire, error))
        return FALSE;
      if (f.wire == FM_PB_SGROUP)
        {
          if (depth == FM_PB_MAX_GROUP_DEPTH)
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                           "groups nested more than %d deep at byte %" G_GSIZE_FORMAT,
                           FM_PB_MAX_GROUP_DEPTH, f.offset);
              return FALSE;
            }
          open[depth++] = f.number;
        }
      else if (f.wire == FM_PB_EGROUP)
        {
          if (f.number != open[depth - 1])
            {
              g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                           "group end (field %u) does not match its start "
                           "(field %u) at byte %" G_GSIZE_FORMAT,
                           f.number, open[depth - 1], f.offset);
              return FALSE;
            }
          depth--;
        }
      else if (!read_value (r, &p, &f, error))
        return FALSE;
    }
  *pp = p;
  return TRUE;
}

int
fm_pb_next (FmPbReader *r, FmPbField *f, GError **error)
{
  for (;;)
    {
      if (r->p >= r->end)
        return 0;
      memset (f, 0, sizeof *f);
      f->offset = offset_of (r, r->p);
      const guint8 *p = r->p;
      if (!read_key (r, &p, &f->number, &f->wire, error))
        return -1;
      if (f->wire == FM_PB_SGROUP)
        {
          if (!skip_group (r, &p, f->number, error))
            return -1;
          r->p = p;
          continue;
        }
      if (f->wire == FM_PB_EGROUP)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "group end (field %u) without a start at byte %" G_GSIZE_FORMAT,
                       f->number, f->offset);
          return -1;
        }
      if (!read_value (r, &p, f, error))
        return -1;
      r->p = p;
      return 1;
    }
}

gboolean
fm_pb_count (const FmPbReader *r, const FmPbField *f, FmPbWire elem,
             gsize *count, GError **error)
{
  if (f->wire == elem)
    {
      *count = 1;
      return TRUE;
    }
  if (f->wire != FM_PB_LEN)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "field %u has wire type %s, expected %s at byte %" G_GSIZE_FORMAT,
                   f->number, fm_pb_wire_name (f->wire), fm_pb_wire_name (elem),
                   f->offset);
      return FALSE;
    }
  if (elem == FM_PB_I32 || elem == FM_PB_I64)
    {
      gsize size = elem == FM_PB_I32 ? 4 : 8;
      if (f->len % size)
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "field %u: packed %s values in %" G_GSIZE_FORMAT
                       " bytes, not a multiple of %" G_GSIZE_FORMAT " at byte %"
                       G_GSIZE_FORMAT, f->number, fm_pb_wire_name (elem),
                       f->len, size, f->offset);
          return FALSE;
        }
      *count = f->len / size;
      return TRUE;
    }
  g_return_val_if_fail (elem == FM_PB_VARINT, FALSE);
  /* every varint ends on a byte below 0x80; the last byte must end one and
   * none may run over ten bytes */
  gsize n = 0, run = 0;
  for (gsize k = 0; k < f->len; k++)
    {
      run++;
      if (run > 10 || (run == 10 && f->data[k] > 1))
        {
          g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                       "field %u: packed varint longer than 64 bits at byte %"
                       G_GSIZE_FORMAT, f->number, offset_of (r, f->data + k));
          return FALSE;
        }
      if (!(f->data[k] & 0x80))
        {
          n++;
          run = 0;
        }
    }
  if (run)
    {
      g_set_error (error, FM_NET_ERROR, FM_NET_ERROR_PARSE,
                   "field %u: truncated varint at the end of a packed run at byte %"
                   G_GSIZE_FORMAT, f->number, offset_of (r, f->data + f->len));
      return FALSE;
    }
  *count = n;
  return TRUE;
}

void
fm_pb_values_init (FmPbValues *it, const FmPbField *f, FmPbWire elem)
{
  memset (it, 0, sizeof *it);
  it->elem = elem;
  if (f->wire == elem)
    {
      it->single = TRUE;
      it->value = f->value;
    }
  else
    {
      it->p = f->data;
      it->end = f->data + f->len;
    }
}

gboolean
fm_pb_values_next (FmPbValues *it, guint64 *value)
{
  if (it->single)
    {
      if (it->done)
        return FALSE;
      it->done = TRUE;
      *value = it->value;
      return TRUE;
    }
  if (it->p >= it->end)
    return FALSE;
  switch (it->elem)
    {
    case FM_PB_VARINT:
      /* fm_pb_count checked every varint of the run */
      return read_varint (&it->p, it->end, value) == 0;
    case FM_PB_I32:
    case FM_PB_I64:
      {
        gsize size = it->elem == FM_PB_I64 ? 8 : 4;
        if ((gsize) (it->end - it->p) < size)
          return FALSE;
        guint64 v = 0;
        for (gsize k = 0; k < size; k++)
          v |= (guint64) it->p[k] << (8 * k);
        it->p += size;
        *value = v;
        return TRUE;
      }
    default:
      return FALSE;
    }
}
