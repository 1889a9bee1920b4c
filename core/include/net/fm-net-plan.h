/* fm-net-plan: run the spatial part of a trained network on an image, in
 * bands, and hand over the feature maps of the layers asked for.
 *
 * A plan is made once for one graph (fm-net-graph.h), a list of layers and
 * one input size.  It resolves the layer names, keeps only the nodes those
 * layers need, evaluates the constant subgraphs exporters write (shapes of
 * pads, Clip bounds), checks every shape with messages that name the node,
 * folds BatchNormalization (and any per-channel scale / shift) into the
 * convolution before it, folds zero / reflect / edge Pad nodes into the
 * convolution after it, fuses activations into the layer before them, and
 * makes one convolution plan (fm-conv.h) per convolution, with the fast
 * kernels its cost model picks.
 *
 * Running streams the image through the stack in bands: every layer keeps a
 * ring of its most recent output rows, just enough for the layers that read
 * it, and computes its next rows from the rows of the layers below when a
 * layer above needs them.  Memory therefore follows the stack's halos ×
 * widths × channels, never H × W × channels of a layer (docs/networks.md
 * gives the formula; fm_net_plan_memory evaluates it).
 *
 * Layer names (fm_net_resolve_layer): a node's name, or the name of one of
 * its outputs; failing that, a path of the scoped names PyTorch writes
 * ("/features/features.3/Conv"): "features.3", "features/features.3" or
 * "features.3/Conv" name the nodes whose '/'-separated name holds those
 * components in a row, and when several nodes match they must all sit in
 * that one scope (a module): the module's output, its last node, is meant;
 * failing that, a number: the index `featuremaps info` prints.
 */
#pragma once

#include <glib.h>
#include "fm-net-graph.h"
#include "fm-conv.h"

G_BEGIN_DECLS

/* What `featuremaps info` shows of one node, and what a plan reports of
 * each layer it delivers. */
typedef struct {
  int index;                 /* the node's position in the graph, from 0 */
  char *name;                /* the node's name */
  char *asked;               /* a plan's output: the name it was asked for */
  char *output;              /* its (first) output tensor */
  char *op;                  /* ONNX op_type ("Conv", "MaxPool" …) */
  int channels;              /* output channels; 0 when unknown */
  int height, width;         /* output size for the plan's input; 0 in a listing */
  /* Relative to the input image: one step of this layer's map is stride
   * input pixels; one value sees a field of field_h × field_w pixels whose
   * centre, for the map's pixel (0, 0), is at (offset_y, offset_x) (a
   * same-padded layer's is 0, 0; a valid 3 × 3's 1, 1; halves for even
   * windows). */
  int stride_y, stride_x;
  int field_h, field_w;
  double offset_y, offset_x;
  /* NULL when featuremaps can show this layer's maps; otherwise one line
   * that says why not ("GlobalAveragePool ends the spatial part", or the
   * first node on its path that featuremaps does not run). */
  char *unsupported;
} FmNetLayerInfo;

void fm_net_layer_info_clear (FmNetLayerInfo *info);

/* The channels the graph's image input has (its first data input's
 * dims[1]), or 0 when the file does not say. */
int fm_net_graph_in_channels (const FmNetGraph *graph);

/* Every node of the graph, in order: FmNetLayerInfo*, owned by the array.
 * Channels, strides and fields come from shape inference over the graph's
 * own input (its channel count must be known or given: in_channels > 0
 * overrides). */
GPtrArray *fm_net_list_layers (const FmNetGraph *graph, int in_channels,
                               GError **error);

/* The index of the node a layer name means (the rule at the top), or −1
 * with FM_NET_ERROR_NOT_FOUND: "no layer 'conv9' in tiny.onnx (its layers:
 * conv1, relu1, …)" or FM_NET_ERROR_INVALID for an ambiguous path. */
int fm_net_resolve_layer (const FmNetGraph *graph, const char *name,
                          GError **error);

/* ---- kernel specs ----
 *
 * Every front end's kernel text takes a network as MODEL#LAYER or
 * MODEL#LAYER,LAYER…  MODEL names a model when it is an .onnx or
 * .safetensors file, a stack description (a JSON file with "layers"), or
 * weights (.npz …) with a stack description beside them (MODEL.json);
 * anything else is a bank (fm_bank_load: "model.npz#conv2" without a
 * description is one layer's weights).  TRUE when spec names a model:
 * *model gets the file, *layers the names after '#' (an empty vector when
 * none; NULL-terminated, g_strfreev). */
gboolean fm_net_spec_parse (const char *spec, char **model, char ***layers);

/* A layer name may end in a channel pick, "conv2[0-7,12]": channels 0 to 7
 * and 12 of conv2, in that order, each once.  The brackets hold numbers,
 * ranges A-B (A <= B), commas and spaces, nothing else; a name that ends in
 * brackets holding anything else is a name ("x[a]").  Commas inside the
 * brackets do not separate layers in fm_net_spec_parse.  *name gets the
 * layer's name; *channels (g_free) and *n_channels the pick, NULL and 0
 * when there is none.  FALSE with FM_NET_ERROR_INVALID for an empty pick, a
 * reversed range or a channel past FM_NET_MAX_CHANNEL, and for a summary
 * request ("conv2[summary]", below), which the front ends that make
 * summaries take off first. */
#define FM_NET_MAX_CHANNEL 65535
gboolean fm_net_layer_pick_parse (const char *text, char **name, int **channels,
                                  int *n_channels, GError **error);
/* A layer name may also ask for its summary, the layer's first three
 * principal components as one RGB picture (fm-pca.h), with the word
 * "summary" among the bracket's entries: "conv2[summary]" (the summary
 * alone), "conv2[summary,0-7]" (and channels 0 to 7).  *rest gets the text
 * without the word (the layer's name and its pick, if any, for
 * fm_net_layer_pick_parse), *summary whether it was there, *maps whether
 * any channel is asked for too (FALSE for "conv2[summary]").  A bracket
 * holding anything else than numbers, ranges, commas and the word is part
 * of a name, as for fm_net_layer_pick_parse.  Never fails. */
void fm_net_layer_summary_parse (const char *text, char **rest, gboolean *summary,
                                 gboolean *maps);
/* Is this file a model by the rule above? */
gboolean fm_net_is_model_file (const char *path);

typedef struct _FmNetPlan FmNetPlan;

typedef struct {
  int n_threads;             /* 0: one per core */
  int band_rows;             /* output rows per band of every layer; 0: the
                                plan picks from the layer's row size */
} FmNetPlanOptions;

/* layers: n_layers names (at least one; duplicates are delivered once).
 * in_h × in_w × in_channels is the input the plan will run on; in_channels
 * must match the graph's input when the graph says it. */
FmNetPlan *fm_net_plan_new (const FmNetGraph *graph, const char *const *layers,
                            int n_layers, int in_h, int in_w, int in_channels,
                            const FmNetPlanOptions *options, GError **error);
void fm_net_plan_free (FmNetPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmNetPlan, fm_net_plan_free)

int fm_net_plan_in_channels (const FmNetPlan *plan);
/* The layers delivered, in the order they were asked for (duplicates
 * removed): name, channels, height, width, stride, field and offset. */
int fm_net_plan_n_outputs (const FmNetPlan *plan);
const FmNetLayerInfo *fm_net_plan_output (const FmNetPlan *plan, int output);
/* Bytes a run holds at its peak, besides the caller's buffers: every
 * layer's ring of rows, the convolution engine's bands and scratch, and
 * one band of each output as planes. */
gsize fm_net_plan_memory (const FmNetPlan *plan);
/* One line per layer the plan runs: what it computes, what was folded or
 * fused into it, the inner loop, its ring; for `info` and for tests. */
char *fm_net_plan_describe (const FmNetPlan *plan);

/* Output rows [y0, y0 + n_rows) of output `output`: channel k row r
 * starts at maps + k * plane_stride + r * width (the contract of
 * FmBandSink).  Each output's bands come in order of y0; bands of several
 * outputs interleave.  Return FALSE with error set to stop. */
typedef gboolean (*FmNetSink) (gpointer user_data, int output, int y0,
                               int n_rows, const float *maps,
                               gsize plane_stride, GError **error);

/* fraction in 0..1; return FALSE to cancel (the run then fails with
 * FM_NET_ERROR_CANCELLED). */
typedef gboolean (*FmNetProgress) (gpointer user_data, double fraction);

/* Streams the input (rows of in_w × in_channels floats, HWC, from source)
 * through the plan.  Called from one thread; the convolutions use the
 * plan's threads inside each band.  A plan runs once at a time. */
gboolean fm_net_plan_run (FmNetPlan *plan, FmRowSource source,
                          gpointer source_data, FmNetSink sink,
                          gpointer sink_data, FmNetProgress progress,
                          gpointer progress_data, GError **error);

G_END_DECLS
