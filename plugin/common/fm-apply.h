/* fm-apply: one run of plug-in-feature-maps on one drawable, whatever the
 * run mode: check everything, then stream the drawable through fm_job_run
 * into the destination, then insert the result (or remove it all). */
#pragma once

#include "fm-host.h"
#include "fm-values.h"

G_BEGIN_DECLS

typedef struct {
  FmItemId image;    /* the image that received the maps */
  FmItemId group;    /* the layer group, or -1 */
  int n_layers;
  FmItemId *layers;  /* g_free */
} FmApplyResult;

/* Errors are FM_PLUGIN_ERROR CALLING (bad arguments: nothing was added,
 * nothing to undo) or EXECUTION (everything added was removed again).
 * display: show a new image (destination 1) in a display. */
gboolean fm_apply (FmItemId image, FmItemId drawable, const FmValues *values,
                   gboolean display, FmApplyResult *result, GError **error);
/* The image can take map layers (it is not indexed); a CALLING error
 * otherwise.  fm_apply checks it first; the hosts check it before the
 * dialog too. */
gboolean fm_apply_check_image (FmItemId image, GError **error);

G_END_DECLS
