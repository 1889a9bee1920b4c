/* fm-net-load: the model readers — files in, FmNetGraph out.
 *
 * Every reader checks its file completely before it returns a graph (the
 * graph passes fm_net_graph_validate) and never runs anything.  Messages
 * are one line: the file, the element (node or tensor name, escaped with
 * fm_net_escape) and the rule broken.  Errors are in FM_NET_ERROR.
 *
 * fm_net_graph_load is the front door: the format registry (fm-formats.h)
 * picks the reader by suffix, else by the file's first bytes; PyTorch
 * pickles are refused with how to export instead; a weights file finds
 * the stack description beside it (the sidecar rule, docs/kernels.md). */
#pragma once

#include <glib.h>
#include "fm-net-graph.h"

G_BEGIN_DECLS

/* Model files larger than this are refused before reading (protobuf's own
 * limit is 2 GiB; the tensor limits of fm-net-graph.h are below it). */
#define FM_NET_MAX_FILE_SIZE ((gsize) 2 << 30)
/* Nested subgraphs (If / Loop bodies) deeper than this are refused. */
#define FM_NET_MAX_DEPTH 16

FmNetGraph *fm_net_graph_load (const char *path, GError **error);

/* ONNX.  base_dir is where external data files are looked for (NULL: a
 * model with external data is refused); origin names the file in messages. */
FmNetGraph *fm_net_load_onnx_file (const char *path, GError **error);
FmNetGraph *fm_net_load_onnx_data (const guint8 *data, gsize len,
                                   const char *origin, const char *base_dir,
                                   GError **error);

/* safetensors weights alone: a graph with initializers and no nodes (the
 * stack description gives the layers). */
FmNetGraph *fm_net_load_safetensors_weights (const char *path, GError **error);
FmNetGraph *fm_net_load_safetensors_weights_data (const guint8 *data, gsize len,
                                                  const char *origin,
                                                  GError **error);

/* safetensors with its stack description beside it (model.json for
 * model.safetensors): the graph the description lowers. */
FmNetGraph *fm_net_load_safetensors_file (const char *path, GError **error);
/* The same for an .npz state dict (np.savez of a state_dict). */
FmNetGraph *fm_net_load_npz_file (const char *path, GError **error);

/* A stack description (docs/kernels.md).  The file API finds its weights
 * from "weights" (below the description's folder) or, for a sidecar
 * without it, beside it (model.safetensors, model.npz, or model.onnx whose
 * input block it holds).  The data API takes the weights as a graph of
 * initializers (consumed; NULL for none) and reads no file. */
FmNetGraph *fm_net_load_stack_file (const char *path, GError **error);
FmNetGraph *fm_net_load_stack_data (const char *json, gsize len,
                                    const char *origin, FmNetGraph *weights,
                                    GError **error);

/* "dir/model.json" for "dir/model.onnx" (or .safetensors, .npz): where a
 * model's sidecar description is looked for. */
char *fm_net_sidecar_path (const char *model_path);

/* Keras.  A .keras archive (Keras 3, tf-keras 2.13 on: config.json +
 * model.weights.h5) and a legacy .h5 model (model_config + model_weights).
 * Keras layers are lowered to ONNX-semantics nodes (docs/keras.md): a
 * layer's output carries the layer's name; Rescaling / Normalization at
 * the input become the graph's input declaration; classes not lowered
 * stay one node of domain "keras" named after the class.  origin names
 * the file in messages (NULL: "model.keras" / "model.h5"). */
FmNetGraph *fm_net_load_keras_file (const char *path, GError **error);
FmNetGraph *fm_net_load_keras_data (const guint8 *data, gsize len,
                                    const char *origin, GError **error);
FmNetGraph *fm_net_load_keras_h5_file (const char *path, GError **error);
FmNetGraph *fm_net_load_keras_h5_data (const guint8 *data, gsize len,
                                       const char *origin, GError **error);

G_END_DECLS
