/* fm-layers-write: where the maps go.
 *
 * The map layers are created detached from the image, filled band by band
 * (an FmLayerSink writing straight into each layer's GeglBuffer, so the
 * plug-in never holds K full maps), and only inserted once every band is
 * written.  Inserting is one undo group; a failure before that simply deletes
 * the detached layers, so the image never shows a partial result. */
#pragma once

#include "fm-host.h"
#include "fm-job.h"
#include "fm-layers-read.h"

G_BEGIN_DECLS

typedef struct {
  FmItemId src_image, src_drawable;
  FmDestination destination;
  FmItemId image;        /* the source image, or the new one */
  FmItemId group;        /* destination 0: the layer group; else -1 */
  int n_layers;
  FmItemId *layers;
  GeglBuffer **buffers;  /* open while filling */
  const Babl *format;    /* what the sink writes: the layers' own model and TRC */
  int out_w, map_channels, write_channels;
  gboolean alpha;
  float *scratch;
  gsize scratch_len;
  int layers_attached;   /* destination 1: layers [0, n) are in the new image */
  gboolean inserted;
} FmLayerTarget;

/* Makes the (detached) group and layers, or the new image, named and
 * placed from the job's geometry and the source rectangle. */
gboolean fm_layer_target_create (FmLayerTarget *target, FmItemId image,
                                 const FmDrawableSource *src, const FmJob *job,
                                 const char *bank_name, FmDestination destination,
                                 GError **error);

/* The FmLayerSink: user_data is the FmLayerTarget. */
gboolean fm_layer_target_write (gpointer user_data, int layer, int y0,
                                 int n_rows, const float *pixels, GError **error);

/* Inserts everything in one undo group (destination 0) or fills the new
 * image (destination 1).  Destination 0 adds the maps as hidden layers in a
 * visible group, so the photo stays in sight, and leaves the source layer
 * the active one, so running the filter again reads the photo, not a map. */
gboolean fm_layer_target_commit (FmLayerTarget *target, GError **error);

/* Removes whatever was made and not committed; frees the target. */
void fm_layer_target_clear (FmLayerTarget *target);

G_END_DECLS
