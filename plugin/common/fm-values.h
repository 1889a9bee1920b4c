/* fm-values: what one run of plug-in-feature-maps is asked to do, and how it
 * is remembered between runs (Re-Show / Re-Run, and across GIMP restarts).
 *
 * The kernel is stored as the user typed it (preset name, file path or
 * inline matrix), never as weights: a bank edited in the dialog is saved as a
 * JSON file in the profile and remembered by its path.
 */
#pragma once

#include <libgimp/gimp.h>
#include "fm-options.h"

G_BEGIN_DECLS

#define FM_PLUGIN_PROC   "plug-in-feature-maps"
#define FM_PLUGIN_BINARY "featuremaps"
#define FM_KERNEL_MAX    8192  /* bytes of the kernel string, NUL included */

typedef struct {
  char kernel[FM_KERNEL_MAX];
  FmOptions options;
} FmValues;

void fm_values_init (FmValues *values); /* kernel "line-detectors", option defaults */

/* Last values: gimp_get_data for this session, else the persistent parasite
 * (survives restarts).  FALSE when nothing was stored. */
gboolean fm_values_load (FmValues *values);
void fm_values_save (const FmValues *values); /* both places */

/* The user's own kernel banks: gimp_directory()/featuremaps (created). */
char *fm_values_user_dir (void);

G_END_DECLS
