/* fm-learn-proc3: plug-in-feature-maps-learn on GIMP 3 (the work is
 * learn/fm-learn-run.c). */
#pragma once

#include <libgimp/gimp.h>
#include "fm-learn-run.h"   /* FM_LEARN_PROC */

G_BEGIN_DECLS

GimpProcedure *fm_learn_proc3_new (GimpPlugIn *plug_in);

G_END_DECLS
