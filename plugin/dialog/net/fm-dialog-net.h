/* fm-dialog-net: the dialog's state when the kernel is a network — the
 * model's layers (what `featuremaps info MODEL` lists), the layers picked
 * and the channels picked of each, and the kernel string they make,
 * MODEL#LAYER[channels],LAYER… (docs/plugin.md, "Networks").
 *
 * GTK-free, like fm-dialog-model: the views (fm-dialog-net-view.c) and the
 * widget tests change it through these functions.  The graph is loaded
 * once and shared, read-only, with the preview's and the ranking's worker
 * threads through a reference count (FmDialogNetGraph). */
#pragma once

#include <glib.h>
#include "fm-job.h"
#include "fm-net-plan.h"
#include "fm-rank.h"
#include "fm-net-prep.h"

G_BEGIN_DECLS

/* A loaded graph, shared read-only between the dialog and its workers. */
typedef struct {
  FmNetGraph *graph;
} FmDialogNetGraph;

FmDialogNetGraph *fm_dialog_net_graph_ref (FmDialogNetGraph *graph);
void fm_dialog_net_graph_unref (FmDialogNetGraph *graph);

/* One picked layer: index into layers, and its picked channels (ascending;
 * n_channels 0 = all of them). */
typedef struct {
  int layer;
  int n_channels;
  int *channels;
} FmDialogNetPick;

typedef struct _FmDialogNet FmDialogNet;
struct _FmDialogNet {
  char *path;                 /* the model file, as given */
  FmDialogNetGraph *graph;
  GPtrArray *layers;          /* FmNetLayerInfo*: every node, as info lists them */
  GArray *picks;              /* FmDialogNetPick, in the order picked */
  int current;                /* the layer whose channels are shown; −1 none */
  FmNetPrep prep;             /* the preprocessing chosen (fm-net-prep.h) */
  char *user_dir;             /* where the choice is remembered */
};

/* path: the model file; layers: the names after '#' (channel picks
 * allowed), possibly none.  Each must name a layer of the model. */
FmDialogNet *fm_dialog_net_load (const char *path, char *const *layers,
                                 const char *user_dir, GError **error);
/* Another preprocessing: the graph is loaded again with it (workers keep
 * the one they run), and the choice is remembered for the model. */
gboolean fm_dialog_net_set_prep (FmDialogNet *net, FmNetPrep prep,
                                 GError **error);
void fm_dialog_net_free (FmDialogNet *net);

/* Pick layers (indices into net->layers; n 0 = none).  Channels picked
 * before are kept for layers picked again. */
void fm_dialog_net_set_layers (FmDialogNet *net, const int *layers, int n);
gboolean fm_dialog_net_is_picked (const FmDialogNet *net, int layer);
FmDialogNetPick *fm_dialog_net_pick_of (FmDialogNet *net, int layer);
/* The channels of layer (ascending, n 0 = all). */
void fm_dialog_net_set_channels (FmDialogNet *net, int layer,
                                 const int *channels, int n);
const FmNetLayerInfo *fm_dialog_net_layer (const FmDialogNet *net, int layer);

/* "conv2[0-3,8]" for a pick (the name, or the index when the name would
 * not read back as one layer). */
char *fm_dialog_net_layer_text (const FmDialogNet *net,
                                const FmDialogNetPick *pick);
/* The picks' texts (the first `only` of them; 0: all), NULL-terminated. */
char **fm_dialog_net_layer_texts (const FmDialogNet *net, int only);
/* MODEL#LAYER[…],LAYER…, or MODEL alone when nothing is picked. */
char *fm_dialog_net_spec (const FmDialogNet *net);

/* What keeps OK insensitive (NULL: nothing): no layer picked, a layer
 * featuremaps does not run, the job's own checks, and the procedure's
 * maximum of map layers (fm_net_check_map_count). */
char *fm_dialog_net_check (const FmDialogNet *net, const FmOptions *options,
                           const FmImageInfo *image);

/* ---- running, from a worker thread -------------------------------------
 * A snapshot of what to run: the graph (a reference), the layers' texts,
 * and the input declaration; owns everything. */
typedef struct {
  FmDialogNetGraph *graph;
  char **layers;              /* NULL-terminated */
  int n_layers;
  /* Pixels the preview reads around its rectangle so that the maps inside
   * it are the ones the whole image gives: half the largest field plus a
   * stride, for the layers asked for. */
  int halo;
  /* ...and where that region may start: a multiple of the layers' total
   * strides, so that its maps' grid is the whole image's grid. */
  int align_y, align_x;
} FmDialogNetRun;

/* The region to read for the rectangle (x, y, w, h) of an image
 * width × height: the rectangle with the run's halo, aligned. */
void fm_dialog_net_run_region (const FmDialogNetRun *run, int width, int height,
                               int x, int y, int w, int h, int *rx, int *ry,
                               int *rw, int *rh);

/* first_only: the first picked layer alone (the preview shows one layer's
 * maps: several layers have several sizes). */
FmDialogNetRun *fm_dialog_net_run_new (const FmDialogNet *net,
                                       gboolean first_only);
/* One layer, all its channels (the ranking). */
FmDialogNetRun *fm_dialog_net_run_new_layer (const FmDialogNet *net, int layer);
void fm_dialog_net_run_free (FmDialogNetRun *run);
FmJob *fm_dialog_net_run_job (const FmDialogNetRun *run,
                              const FmOptions *options,
                              const FmImageInfo *image, GError **error);

/* The part of output 0's maps whose windows are centred inside the
 * rectangle (x0, y0, w, h) of the region the job ran on: [*oy0, *oy0 +
 * *oh) × [*ox0, *ox0 + *ow) of the output grid. */
void fm_dialog_net_inner (const FmJobOutput *out, int out_w, int out_h,
                          int x0, int y0, int w, int h, int *ox0, int *oy0,
                          int *ow, int *oh);

/* Rank the channels of run's (one) layer over the rectangle (x0, y0, w, h)
 * of the pixels (in_w × in_h × channels, a region around it with the
 * halo): raw activations, mean and max per channel, sorted by `by`.
 * *n: channels.  progress may cancel. */
FmChannelRank *fm_dialog_net_rank (const FmDialogNetRun *run,
                                   const float *pixels,
                                   const FmImageInfo *in, int x0, int y0,
                                   int w, int h, FmRankBy by, int *n,
                                   FmProgress progress, gpointer progress_data,
                                   GError **error);

/* The layer's summary on the same rectangle: its first three principal
 * components (fm-pca.h: covariance over the rectangle's map pixels, every
 * pixel projected) as RGB, *ow × *oh × 3 floats in 0..1 (g_free), the
 * rectangle's map pixels only; explained: each component's share of the
 * variance. */
float *fm_dialog_net_summary (const FmDialogNetRun *run, const float *pixels,
                              const FmImageInfo *in, int x0, int y0, int w, int h,
                              int *ow, int *oh, double explained[3],
                              FmProgress progress, gpointer progress_data,
                              GError **error);

G_END_DECLS
