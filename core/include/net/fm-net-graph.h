/* fm-net-graph: a trained network as every model reader hands it over.
 *
 * One intermediate form for every model file: a graph of nodes with ONNX's
 * operator semantics (op_type names, attribute names, input order and the
 * NCHW axis convention of the ONNX operator specification), whatever file
 * it came from.  The ONNX reader fills it almost as the file says; the
 * safetensors / .npz stack-description reader and the Keras readers lower
 * their layers into the same operators (Keras "same" padding becomes
 * explicit pads, HWIO weights become OIHW, a BatchNormalization layer a
 * BatchNormalization node, Rescaling/Normalization the input declaration).
 * The planner (fm-net-plan.h) is the only consumer: it resolves the layers
 * a user asked for, folds, checks shapes and runs.  Readers never run
 * anything.
 *
 * Tensors are stored converted: every floating type (float16, bfloat16,
 * float64) as float32, every integer type as int64, so the planner never
 * sees a dtype.  Readers check every length, count and dims product before
 * they allocate (FM_NET_MAX_* below).
 */
#pragma once

#include <glib.h>
#include "fm-input-decl.h"

G_BEGIN_DECLS

#define FM_NET_ERROR (fm_net_error_quark ())
GQuark fm_net_error_quark (void);

typedef enum {
  FM_NET_ERROR_PARSE,        /* malformed file (truncated, bad lengths, …) */
  FM_NET_ERROR_INVALID,      /* well-formed, but breaks a rule (shapes, names) */
  FM_NET_ERROR_UNSUPPORTED,  /* an operation / attribute value we do not run */
  FM_NET_ERROR_NOT_FOUND,    /* no such layer, tensor or file */
  FM_NET_ERROR_TOO_LARGE,    /* over a limit below */
  FM_NET_ERROR_CANCELLED
} FmNetError;

/* Limits every reader enforces before allocating. */
#define FM_TENSOR_MAX_DIMS     8
#define FM_NET_MAX_NODES       100000
#define FM_NET_MAX_TENSORS     100000
#define FM_NET_MAX_ATTRS       1000          /* per node */
#define FM_NET_MAX_NAME        4096          /* bytes of a name or string attribute */
#define FM_NET_MAX_TENSOR_ELEMS ((gsize) 1 << 28) /* one tensor (1 GiB of float32) */
#define FM_NET_MAX_TOTAL_ELEMS  ((gsize) 1 << 29) /* all tensors of a model together */

typedef enum { FM_TENSOR_FLOAT, FM_TENSOR_INT64 } FmTensorType;

typedef struct {
  char *name;
  FmTensorType type;
  int ndim;                         /* 0 for a scalar */
  gint64 dims[FM_TENSOR_MAX_DIMS];
  gsize n;                          /* product of dims (1 for a scalar) */
  float *f;                         /* n values when FLOAT, else NULL */
  gint64 *i;                        /* n values when INT64, else NULL */
} FmTensor;

typedef enum {
  FM_ATTR_INT,
  FM_ATTR_FLOAT,
  FM_ATTR_STRING,
  FM_ATTR_INTS,
  FM_ATTR_FLOATS,
  FM_ATTR_TENSOR,
  FM_ATTR_OTHER                     /* graphs, sparse tensors …: kept by name only */
} FmAttrType;

typedef struct {
  char *name;
  FmAttrType type;
  gint64 i;                         /* INT */
  float f;                          /* FLOAT */
  char *s;                          /* STRING (NUL-terminated copy) */
  int n;                            /* INTS / FLOATS count */
  gint64 *ints;
  float *floats;
  FmTensor *t;                      /* TENSOR */
} FmNetAttr;

typedef struct {
  char *name;                       /* never NULL nor empty: readers name unnamed
                                       nodes "<op>_<index>" (index in file order) */
  char *op;                         /* ONNX op_type: "Conv", "Relu", "MaxPool" … */
  char *domain;                     /* "" for the default ONNX domain */
  int n_inputs;
  char **inputs;                    /* tensor names; "" = an omitted optional input */
  int n_outputs;
  char **outputs;
  int n_attrs;
  FmNetAttr *attrs;
} FmNetNode;

typedef struct {
  char *name;
  int ndim;
  gint64 dims[FM_TENSOR_MAX_DIMS];  /* −1 where the file gives a symbolic or no size */
} FmNetValueInfo;

typedef struct {
  char *origin;                     /* the file it came from */
  char *format;                     /* "onnx", "safetensors", "npz", "keras", "h5" */
  char *producer;                   /* "pytorch 1.13", "tf2onnx", "keras 3.1" … or NULL */
  int opset;                        /* the default domain's opset; readers that lower
                                       layers themselves set the opset whose semantics
                                       they produce (17) */
  GPtrArray *nodes;                 /* FmNetNode*, topologically ordered (readers check) */
  GHashTable *initializers;         /* name → FmTensor* (owned): weights and constants */
  GPtrArray *inputs;                /* FmNetValueInfo*: the graph's data inputs (not
                                       initializers), usually one N × C × H × W image */
  GPtrArray *outputs;               /* FmNetValueInfo* */
  gboolean has_decl;                /* the model declares its preprocessing */
  FmInputDecl decl;
} FmNetGraph;

FmNetGraph *fm_net_graph_new (const char *origin, const char *format);
void fm_net_graph_free (FmNetGraph *graph);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmNetGraph, fm_net_graph_free)

/* Ownership passes to the graph.  add_initializer refuses a second tensor of
 * the same name (FM_NET_ERROR_INVALID) and keeps the running total of
 * elements under FM_NET_MAX_TOTAL_ELEMS (FM_NET_ERROR_TOO_LARGE). */
gboolean fm_net_graph_add_initializer (FmNetGraph *graph, FmTensor *tensor,
                                       GError **error);
void fm_net_graph_add_node (FmNetGraph *graph, FmNetNode *node);

const FmTensor *fm_net_graph_initializer (const FmNetGraph *graph,
                                          const char *name);
/* The node whose output (or, failing that, whose name) is `name`; NULL. */
const FmNetNode *fm_net_graph_find_node (const FmNetGraph *graph, const char *name);

/* Checks that node outputs are unique, that every input is a graph input,
 * an initializer or an earlier node's output, and that the nodes are in
 * topological order.  Messages name the node and the tensor. */
gboolean fm_net_graph_validate (const FmNetGraph *graph, GError **error);

/* Tensors.  fm_tensor_new checks ndim ≤ FM_TENSOR_MAX_DIMS, every dim ≥ 0
 * and the product ≤ FM_NET_MAX_TENSOR_ELEMS before allocating (zeroed). */
FmTensor *fm_tensor_new (const char *name, FmTensorType type, int ndim,
                         const gint64 *dims, GError **error);
void fm_tensor_free (FmTensor *tensor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmTensor, fm_tensor_free)

/* Nodes.  fm_net_node_new copies its strings; attributes are added after. */
FmNetNode *fm_net_node_new (const char *name, const char *op,
                            int n_inputs, const char *const *inputs,
                            int n_outputs, const char *const *outputs);
void fm_net_node_free (FmNetNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmNetNode, fm_net_node_free)
/* Appends an attribute and returns it for the caller to fill (type, values;
 * the node frees s, ints, floats and t). */
FmNetAttr *fm_net_node_add_attr (FmNetNode *node, const char *name, FmAttrType type);
const FmNetAttr *fm_net_node_attr (const FmNetNode *node, const char *name);
/* Convenience getters: the attribute's value, or def when absent.  A present
 * attribute of the wrong type is an error for the planner to report, so
 * these return def then too; use fm_net_node_attr to tell. */
gint64 fm_net_node_attr_int (const FmNetNode *node, const char *name, gint64 def);
float fm_net_node_attr_float (const FmNetNode *node, const char *name, float def);
const char *fm_net_node_attr_string (const FmNetNode *node, const char *name,
                                     const char *def);

/* Value infos (the graph's inputs and outputs).  dims may be NULL (all −1).
 * ndim must be 0 … FM_TENSOR_MAX_DIMS: readers check it first. */
FmNetValueInfo *fm_net_value_info_new (const char *name, int ndim,
                                       const gint64 *dims);
void fm_net_value_info_free (FmNetValueInfo *info);

/* A name from a file as messages quote it: one line, printable, at most
 * about 200 characters ("…" when cut); control characters, quotes, invalid
 * UTF-8 and backslashes escaped (\n, \", \xNN).  Free with g_free. */
char *fm_net_escape (const char *name);

G_END_DECLS
