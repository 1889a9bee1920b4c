/* fm-map-count: how many map layers one call of the procedure may make
 * from a network, shared by the procedure (fm-apply.c) and the dialog,
 * which shows the same message before OK. */
#pragma once

#include <glib.h>
#include "fm-job.h"

G_BEGIN_DECLS

/* A deep layer has 64 to 512 channels, each a GIMP layer as large as the
 * photo: a call makes at most FM_PLUGIN_MAX_MAPS of them unless channels
 * are picked, and at most FM_PLUGIN_MAX_PICKED picked ones. */
#define FM_PLUGIN_MAX_MAPS 64
#define FM_PLUGIN_MAX_PICKED 512

/* job: made from model_path's layers (the texts after '#', NULL-terminated)
 * as the kernel string spec names them.  FALSE with FM_JOB_ERROR_INVALID
 * and a message that shows how to pick channels. */
gboolean fm_net_check_map_count (const FmJob *job, char *const *layers,
                                 const char *spec, const char *model_path,
                                 GError **error);

G_END_DECLS
