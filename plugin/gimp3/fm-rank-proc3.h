/* fm-rank-proc3: plug-in-feature-maps-rank on GIMP 3 (the work is
 * common/fm-rank-run.c). */
#pragma once

#include <libgimp/gimp.h>
#include "fm-rank-run.h"   /* FM_RANK_PROC */

G_BEGIN_DECLS

GimpProcedure *fm_rank_proc3_new (GimpPlugIn *plug_in);

G_END_DECLS
