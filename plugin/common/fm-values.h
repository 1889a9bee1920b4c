/* fm-values: what one run of plug-in-feature-maps is asked to do, and its
 * text form (how a host remembers it between runs).
 *
 * The kernel is kept as the user typed it (preset name, file path or inline
 * matrix), never as weights: a bank edited in the dialog is saved as a JSON
 * file in the profile and remembered by its path.  Where the values are
 * stored is the host's business (plugin/gimp2: gimp_set_data and a
 * parasite; plugin/gimp3: GimpProcedureConfig).
 */
#pragma once

#include <glib.h>
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

/* A GKeyFile keyed by the option table's names and value names, so adding,
 * removing or reordering options never turns stored values into garbage. */
char *fm_values_to_text (const FmValues *values);
/* Lenient: unknown keys are ignored, a value that no longer parses keeps
 * what values held.  FALSE when text is not a key file at all. */
gboolean fm_values_from_text (FmValues *values, const char *text, gsize length);

/* Sets values->kernel; a calling error (FM_PLUGIN_ERROR) when it is empty or
 * too long. */
gboolean fm_values_set_kernel (FmValues *values, const char *kernel, GError **error);

/* The user's own kernel banks: <profile>/featuremaps (created). */
char *fm_values_user_dir (void);

G_END_DECLS
