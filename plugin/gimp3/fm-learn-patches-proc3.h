/* fm-learn-patches-proc3: plug-in-feature-maps-learn-patches on GIMP 3
 * (the work is learn/fm-learn-patches-run.c). */
#pragma once

#include <libgimp/gimp.h>
#include "fm-learn-patches-run.h"   /* FM_LEARN_PATCHES_PROC */

G_BEGIN_DECLS

GimpProcedure *fm_learn_patches_proc3_new (GimpPlugIn *plug_in);

G_END_DECLS
