/* fm-deep-job: one layer's K raw maps over the drawable, for the map tools
 * (fm-maps.h) in the plug-in — the summary layer and
 * plug-in-feature-maps-rank.  The drawable is read as for the maps (the
 * selection's rectangle, perceptual floats); the selection itself, when
 * there is one, becomes a mask of weights on the layer's grid
 * (fm_maps_mask_to_grid: each map pixel takes the selection's value at
 * the pixel nearest its window's centre), so a feathered selection
 * weighs its pixels. */
#pragma once

#include "fm-host.h"
#include "fm-job.h"
#include "fm-layers-read.h"
#include "fm-maps.h"

G_BEGIN_DECLS

typedef struct {
  FmDrawableSource src;
  FmJob *job;
  const FmJobOutput *out;   /* the job's only output */
  float *mask;              /* out_h × out_w weights; NULL without a selection */
} FmDeepJob;

/* kernel: a bank, or one layer of a network.  Calling errors (prefixed
 * "kernel: " for what the core says about the kernel) for a selection
 * that misses the drawable or a kernel that does not fit the image. */
gboolean fm_deep_job_open (FmDeepJob *deep, FmItemId image, FmItemId drawable,
                           const FmJobKernel *kernel, FmInputMode input_mode,
                           GError **error);

/* One pass of the network over the drawable, every band of the K maps to
 * band; GIMP's progress bar moves from `from` to `to`.  Execution errors. */
gboolean fm_deep_job_run (FmDeepJob *deep, FmMapsBand band, gpointer data,
                          double from, double to, GError **error);

void fm_deep_job_clear (FmDeepJob *deep);

G_END_DECLS
