/* fm-layers-write: where the maps go.
 *
 * The map layers are created detached from the image, in the most compact
 * format that keeps the values (the image's model and precision, no
 * alpha), filled band by band (an FmLayerSink writing into each layer's
 * GeglBuffer one whole row of tiles at a time, so the plug-in never holds
 * K full maps and every tile crosses to GIMP once), and only inserted once
 * every band is written.  Inserting is one undo group; a failure before that simply deletes
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
  FmItemId group;        /* destination 0, or a network: the (model's) group; else -1 */
  int n_layers;
  FmItemId *layers;
  /* A network: one group per layer asked for, inside the model's group;
   * map k of output o goes into groups[o] (fm_job_layer_output). */
  int n_outputs;
  FmItemId *groups;
  int *layer_group;      /* per map: its output */
  /* Per map: its width, and how many layer pixels one map pixel covers
   * (a network layer's total stride over the photo; 1 otherwise). */
  int *map_w, *rep_x, *rep_y, *layer_h;
  GeglBuffer **buffers;  /* open while filling */
  /* Rows reach GEGL a whole row of tiles at a time (tile_h rows): the
   * engine's bands are a few rows, and a tile written in pieces went to
   * GIMP, came back and went again for each piece.  Per layer: the rows
   * already given to GEGL (a multiple of tile_h until the last) and the
   * next tile row being filled (blocks[k], block_fill[k] rows of it). */
  int tile_h;
  int *rows_done, *block_fill;
  guint8 **blocks;
  /* The layers' own format (model, TRC, sample type, space; no alpha), what
   * gegl_buffer_set receives, so GEGL copies and never converts. */
  const Babl *format;
  /* The map's floats in the layers' model and TRC, and the same with the
   * layers' sample type: babl converts only the sample type, one value per
   * map channel (a grey map is replicated into R, G, B after that). */
  const Babl *map_format, *sample_format;
  const Babl *fish;      /* map_format → sample_format; NULL when the same */
  int map_channels, write_channels, sample_bytes;
  guint8 *converted;
  gsize converted_len;
  /* Attached so far: the group, groups [0, n), layers [0, n). */
  gboolean group_attached;
  int groups_attached, layers_attached;
  gboolean inserted;
} FmLayerTarget;

/* Makes the (detached) group and layers, or the new image, named and
 * placed from the job's geometry and the source rectangle.  A network's
 * maps (fm_job_plan (job) == NULL) go into a group named group_name (the
 * model) holding a group per layer asked for.  Over the photo (destination
 * 0) each map of a layer whose total stride s is > 1 is written at the
 * photo's resolution: map pixel (i, j), whose window is centred on input
 * point c = offset + s·i, covers the input pixels x with c − s/2 <= x <
 * c + s/2 (nearest neighbour, values unchanged).  In a new image
 * (destination 1) the maps keep their own size at 0, 0. */
gboolean fm_layer_target_create (FmLayerTarget *target, FmItemId image,
                                 const FmDrawableSource *src, const FmJob *job,
                                 const char *group_name, FmDestination destination,
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
