/* fm-paths: where the plug-in's binary lies.  A per-user install copies
 * presets/ and help/ beside it; both hosts set this from argv[0]. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Also makes <dir>/presets the installed presets folder. */
void fm_paths_set_binary_dir (const char *argv0);
const char *fm_paths_binary_dir (void);   /* NULL until set */

G_END_DECLS
