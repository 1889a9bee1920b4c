/* fm-rank-proc: plug-in-feature-maps-rank on GIMP 2.10 (the work is
 * common/fm-rank-run.c). */
#pragma once

#include <libgimp/gimp.h>
#include "fm-rank-run.h"   /* FM_RANK_PROC */

G_BEGIN_DECLS

void fm_rank_proc_query (void);
void fm_rank_proc_run (gint n_params, const GimpParam *params,
                       gint *n_return, GimpParam **return_vals);

G_END_DECLS
