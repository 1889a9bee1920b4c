/* fm-learn-proc: plug-in-feature-maps-learn on GIMP 2.10 (the work is
 * learn/fm-learn-run.c). */
#pragma once

#include <libgimp/gimp.h>
#include "fm-learn-run.h"   /* FM_LEARN_PROC */

G_BEGIN_DECLS

void fm_learn_proc_query (void);
void fm_learn_proc_run (gint n_params, const GimpParam *params,
                        gint *n_return, GimpParam **return_vals);

G_END_DECLS
