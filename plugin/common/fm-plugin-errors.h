/* fm-plugin-errors: the two ways a run fails, as the PDB tells them apart.
 * CALLING: the arguments are wrong (checked before anything is added).
 * EXECUTION: something failed while running; what was added is removed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FM_PLUGIN_ERROR (fm_plugin_error_quark ())
GQuark fm_plugin_error_quark (void);

typedef enum {
  FM_PLUGIN_ERROR_CALLING,
  FM_PLUGIN_ERROR_EXECUTION
} FmPluginError;

G_END_DECLS
