/* fm-net-load-private: what the model readers call of one another (not
 * installed). */
#pragma once

#include "fm-net-graph.h"

G_BEGIN_DECLS

/* safetensors weights from an open file of `size` bytes (fd stays open);
 * origin names it in messages. */
FmNetGraph *fm_safetensors_read_fd (int fd, gsize size, const char *origin,
                                    GError **error);

/* Reads the ONNX sidecar (input block only) into graph->decl. */
gboolean fm_net_apply_onnx_sidecar (FmNetGraph *graph, const char *sidecar,
                                    GError **error);

/* Weights (.safetensors, .npz) plus the stack description beside them. */
FmNetGraph *fm_net_load_weights_with_sidecar (const char *weights_path,
                                              GError **error);

/* torch.save files (fm-format-torch.c): the one-line refusal that says how
 * to export instead, in the caller's domain; whether an open zip is one. */
void fm_net_set_torch_error (GError **error, GQuark domain, int code,
                             const char *display);
gboolean fm_net_is_torch_zip (int fd, guint64 size);

G_END_DECLS
