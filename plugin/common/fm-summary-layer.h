/* fm-summary-layer: the summary layer of a network layer in GIMP — its
 * first three principal components as one RGB layer (fm-pca.h, as
 * `featuremaps summary` computes them), asked for with the word "summary"
 * in the layer's brackets (fm_net_layer_summary_parse:
 * MODEL#LAYER[summary] alone, MODEL#LAYER[summary,0-7] with maps).
 *
 * Two streamed passes of the network over the drawable (fm-deep-job.h):
 * the covariance of the channel vectors inside the selection (all of the
 * selected rectangle without one), then every pixel projected.  The layer
 * holds the display values (0.5 + cᵢ / 6σᵢ clipped to 0..1: component 1
 * red, 2 green, 3 blue), placed over the photo like the maps (each map
 * pixel an s × s block), named "<layer> · summary (PC1–3)", visible, and
 * inserted first in its layer's group (a group of its own when no channel
 * of that layer is asked for). */
#pragma once

#include "fm-host.h"
#include "fm-layers-write.h"
#include "fm-net-graph.h"

G_BEGIN_DECLS

typedef struct {
  int n;              /* summaries asked for */
  char **names;       /* per summary: the layer's name (without pick) */
  int *asked;         /* per summary: its place among the layers asked */
  int n_asked;        /* layers asked for, with and without maps */
  FmItemId *layers;   /* per summary: the detached RGB layer, or -1 */
  FmItemId *groups;   /* per summary: a group made for it, or -1 */
  int *strides;       /* per summary: its layer's total stride */
  int *output;        /* per summary: the maps' output of its layer, or -1 */
  gboolean *layer_in, *group_in;   /* per summary: attached */
  FmItemId model_group;   /* made when no map is asked for at all */
  gboolean model_in;
  gboolean inserted;
} FmSummaries;

/* Takes the word off every name in *layers (a NULL-terminated vector,
 * replaced): what stays is the layers whose maps are asked for.  TRUE
 * always; s->n is 0 when no summary is asked for. */
void fm_summaries_take (FmSummaries *s, char ***layers);

/* TRUE when spec names a network and asks only for summaries
 * ("m.onnx#conv2[summary]"): no map is made, so the mapping and the image's
 * precision do not matter (the summary holds display values 0..1). */
gboolean fm_summaries_only (const char *spec);

/* Calling errors that need no run: a summary into a new image (destination
 * 1) or into a grey image (an RGB layer cannot go there). */
gboolean fm_summaries_check (const FmSummaries *s, FmItemId image,
                             FmDestination destination, GError **error);

/* Computes every summary into a detached layer of image (two passes
 * each); progress runs from `from` to 1. */
gboolean fm_summaries_make (FmSummaries *s, FmItemId image, FmItemId drawable,
                            const FmNetGraph *graph, FmInputMode input_mode,
                            double from, GError **error);

/* Which output of the maps' job (NULL: none) shows each summary's layer,
 * matched by name; call before the job is freed. */
void fm_summaries_match (FmSummaries *s, const FmJob *job);

/* Inserts each summary first in its layer's group of maps (NULL: there
 * are none; the model's group is then made, named model_name, above the
 * source).  Call inside the undo group of the maps' insertion. */
gboolean fm_summaries_insert (FmSummaries *s, FmItemId image, FmItemId drawable,
                              const FmLayerTarget *maps, const char *model_name,
                              GError **error);

/* The whole run when no map is asked for: makes and inserts every summary
 * (one undo step, the model's group named model_name above the source,
 * returned in *group), then clears s. */
gboolean fm_summaries_run_alone (FmSummaries *s, FmItemId image, FmItemId drawable,
                                 const FmNetGraph *graph, FmInputMode input_mode,
                                 const char *model_name, FmItemId *group, GError **error);

/* Removes what was attached (after a failed insertion) and deletes what
 * was made and not inserted; frees. */
void fm_summaries_clear (FmSummaries *s);

G_END_DECLS
