/* fm-onnx-private: what the ONNX reader's files share (not installed).
 * Field numbers are those of onnx/onnx.proto (IR version 8). */
#pragma once

#include "fm-net-graph.h"
#include "fm-protobuf.h"

G_BEGIN_DECLS

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

/* A wire-type check for a known field, naming it. */
gboolean fm_onnx_want_wire (const FmPbField *f, FmPbWire wire, const char *what,
                            GError **error);
/* A name or string field: bounded, no NUL inside. */
gboolean fm_onnx_check_string (const FmPbField *f, const char *what, GError **error);
gboolean fm_onnx_get_string (const FmPbField *f, const char *what, char **out,
                             GError **error);
gboolean fm_onnx_get_varint (const FmPbField *f, const char *what, gint64 *out,
                             GError **error);
/* Prefixes "kind index 'name': " (or "kind index: ") to *error. */
void fm_onnx_prefix (GError **error, const char *kind, guint index, const char *name);

/* TensorProto → FmTensor (fm-onnx-tensor.c).  kind/index name an unnamed
 * tensor in messages ("initializer 3"); NULL for none. */
FmTensor *fm_onnx_parse_tensor (Onnx *o, const FmPbReader *r, const FmPbField *field,
                                const char *kind, guint index, GError **error);

/* NodeProto → FmNetNode, attributes included (fm-onnx-node.c). */
FmNetNode *fm_onnx_parse_node (Onnx *o, const FmPbReader *r, const FmPbField *field,
                               guint index, GError **error);

G_END_DECLS
