/* fm-protobuf: a reader for the protobuf wire format, just enough for
 * model files (ONNX).  It reads a buffer in place: a length-delimited field
 * is a pointer and a length into the caller's buffer, never a copy, and
 * every length, varint and packed run is checked against the end of its
 * enclosing message before it is used.  Messages, not schemas: the caller
 * switches on field numbers and skips what it does not know.
 *
 * Errors are FM_NET_ERROR_PARSE and say what broke and at which byte
 * (counted from the start of the buffer); callers prefix where it was. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FM_PB_VARINT = 0,
  FM_PB_I64 = 1,
  FM_PB_LEN = 2,
  FM_PB_SGROUP = 3,
  FM_PB_EGROUP = 4,
  FM_PB_I32 = 5
} FmPbWire;

typedef struct {
  const guint8 *start;    /* the whole buffer: byte offsets count from here */
  const guint8 *p, *end;  /* what is left of the current message */
} FmPbReader;

typedef struct {
  guint32 number;
  FmPbWire wire;
  guint64 value;          /* VARINT; I64 and I32 as raw little-endian bits */
  const guint8 *data;     /* LEN: in place */
  gsize len;
  gsize offset;           /* of the field's key, from the buffer's start */
} FmPbField;

/* A reader over the whole buffer. */
void fm_pb_reader_init (FmPbReader *r, const guint8 *data, gsize len);
/* A reader over a LEN field's bytes (an embedded message). */
void fm_pb_reader_sub (FmPbReader *sub, const FmPbReader *r, const FmPbField *f);

/* Reads the next field: 1 when there is one, 0 at the end of the message,
 * -1 with error set.  Groups (deprecated, never in ONNX) are skipped whole
 * and not returned. */
int fm_pb_next (FmPbReader *r, FmPbField *f, GError **error);

/* How many `elem` values a field of a repeated scalar holds: 1 when it
 * is written unpacked (its wire type is elem), the packed count when it is
 * a LEN field (its length a multiple of 4 or 8 for I32/I64; every varint
 * complete).  FALSE with an error when the wire type fits neither. */
gboolean fm_pb_count (const FmPbReader *r, const FmPbField *f, FmPbWire elem,
                      gsize *count, GError **error);

/* The values of a field fm_pb_count accepted, one at a time. */
typedef struct {
  const guint8 *p, *end;
  FmPbWire elem;
  gboolean single;         /* an unpacked field: one value */
  gboolean done;
  guint64 value;
} FmPbValues;

void fm_pb_values_init (FmPbValues *it, const FmPbField *f, FmPbWire elem);
gboolean fm_pb_values_next (FmPbValues *it, guint64 *value);

/* The name of a wire type, for messages. */
const char *fm_pb_wire_name (FmPbWire wire);

G_END_DECLS
