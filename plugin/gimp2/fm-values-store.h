/* fm-values-store: remembering a run's values on GIMP 2.10 (Re-Show /
 * Re-Run, and across restarts). */
#pragma once

#include "fm-values.h"

G_BEGIN_DECLS

/* Last values: gimp_get_data for this session, else the persistent parasite
 * (survives restarts).  FALSE when nothing was stored. */
gboolean fm_values_load (FmValues *values);
void fm_values_save (const FmValues *values); /* both places */

G_END_DECLS
