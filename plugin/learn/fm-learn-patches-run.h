/* fm-learn-patches-run: one run of plug-in-feature-maps-learn-patches,
 * whatever the host: a bank learned from the patches of one layer (inside
 * the selection's bounding box when there is a selection, the rectangle
 * plug-in-feature-maps filters), saved in the user's featuremaps folder as
 * the pair procedure saves its kernel.  Patches are sampled and learned as
 * `featuremaps learn --patches` does (mode auto: full filters on colour,
 * luminance on grey; 10000 patches), so the same pixels and seed give the
 * command line's bank. */
#pragma once

#include "fm-host.h"
#include "fm-learn-fit.h"

G_BEGIN_DECLS

#define FM_LEARN_PATCHES_PROC "plug-in-feature-maps-learn-patches"

typedef struct {
  FmItemId image, drawable;
  int n_filters;            /* K */
  int kh, kw;
  FmLearnMethod method;
  guint32 seed;
  const char *name;         /* NULL or "": "Learned (method)" */
} FmLearnPatchesRunArgs;

/* FALSE with FM_PLUGIN_ERROR: CALLING for bad arguments and bad input (an
 * indexed image, a flat layer, a selection smaller than a patch, K larger
 * than the patch allows), EXECUTION when learning or saving failed.
 * Nothing is saved on failure. */
gboolean fm_learn_patches_run (const FmLearnPatchesRunArgs *args,
                               FmLearnRunResult *result, GError **error);

G_END_DECLS
