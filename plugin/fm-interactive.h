/* fm-interactive: the dialog, as the run modes see it.
 *
 * fm_dialog_run lives in fm-dialog.c (the dialog's own files).  It is
 * declared weak here so the plug-in links and runs (falling back to the last
 * values) in a build that does not have the dialog yet. */
#pragma once

#include <libgimp/gimp.h>
#include "fm-dialog.h"

G_BEGIN_DECLS

gboolean fm_dialog_run (gint32 image_ID, gint32 drawable_ID, FmValues *values)
  __attribute__ ((weak));

G_END_DECLS
