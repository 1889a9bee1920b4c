/* fm-learn-run: one run of plug-in-feature-maps-learn, whatever the host.
 *
 * Reads the "before" and "after" drawables whole as perceptual floats (the
 * values `featuremaps apply` later feeds the learned bank), limits the fit
 * to the image's selection as the command line's --mask does, fits the
 * convolution with fm_learn_pair and saves the bank as JSON under a new,
 * never-overwriting file name in the user's featuremaps folder, where
 * plug-in-feature-maps and the dialog ("Mine") find it by name. */
#pragma once

#include "fm-host.h"
#include "fm-learn-fit.h"

G_BEGIN_DECLS

#define FM_LEARN_PROC "plug-in-feature-maps-learn"

typedef struct {
  FmItemId image;
  FmItemId before, after;   /* drawables of the same size */
  int kh, kw;
  FmLearnMode mode;         /* luminance, per-channel or full */
  double ridge;
  gboolean robust;
  const char *name;         /* the bank's name; NULL or "": "Learned" */
} FmLearnRunArgs;

/* The PDB's mode numbers (2.10) and choice names (3.0): 0 luminance,
 * 1 per-channel, 2 full. */
#define FM_LEARN_RUN_N_MODES 3
FmLearnMode fm_learn_run_mode (int index);

/* FALSE with FM_PLUGIN_ERROR: CALLING for bad arguments and bad input (the
 * core's one-line message), EXECUTION when solving or saving failed or the
 * user cancelled.  Nothing is saved on failure. */
gboolean fm_learn_run (const FmLearnRunArgs *args, FmLearnRunResult *result,
                       GError **error);

/* The whole drawable as perceptual floats in its own model and space (the
 * values `featuremaps apply` and plug-in-feature-maps feed a bank), into
 * img; with in_selection, only the selection's bounding box on it (the
 * rectangle plug-in-feature-maps filters).  img->pixels is the returned
 * block (g_free); NULL with img->width 0 when the selection misses the
 * drawable, NULL with the size set when out of memory. */
float *fm_learn_read_drawable (FmItemId drawable, gboolean in_selection,
                               FmLearnImage *img);
/* The image's selection under drawable as a one-channel mask, NULL when
 * nothing is selected (mask->channels stays 0) or out of memory. */
float *fm_learn_read_selection (FmItemId image, FmItemId drawable, FmLearnImage *mask);

G_END_DECLS
