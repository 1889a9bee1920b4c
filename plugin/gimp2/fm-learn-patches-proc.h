/* fm-learn-patches-proc: plug-in-feature-maps-learn-patches on GIMP 2.10
 * (the work is learn/fm-learn-patches-run.c). */
#pragma once

#include <libgimp/gimp.h>
#include "fm-learn-patches-run.h"   /* FM_LEARN_PATCHES_PROC */

G_BEGIN_DECLS

void fm_learn_patches_proc_query (void);
void fm_learn_patches_proc_run (gint n_params, const GimpParam *params,
                                gint *n_return, GimpParam **return_vals);

G_END_DECLS
