/* fm-dialog: the interactive side of plug-in-feature-maps.
 *
 * Each host's procedure calls fm_dialog_run for RUN_INTERACTIVE.  It shows the
 * bank chooser, the kernel editor, the option widgets and a live preview,
 * and on OK fills values (an edited bank is saved as JSON in the user's
 * folder and values->kernel holds that path, so Re-Run reproduces it).
 */
#pragma once

#include "fm-host.h"
#include "fm-values.h"

G_BEGIN_DECLS

/* TRUE on OK (values filled), FALSE on cancel (values untouched). */
gboolean fm_dialog_run (FmItemId image, FmItemId drawable, FmValues *values);

G_END_DECLS
