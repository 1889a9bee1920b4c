/* fm-plugin-errors: the two ways a run fails, as the PDB tells them apart.
 * CALLING: the arguments are wrong (checked before anything is added).
 * EXECUTION: something failed while running; what was added is removed. */
#pragma once

#include <glib.h>
#include <stdarg.h>

G_BEGIN_DECLS

#define FM_PLUGIN_ERROR (fm_plugin_error_quark ())
GQuark fm_plugin_error_quark (void);

typedef enum {
  FM_PLUGIN_ERROR_CALLING,
  FM_PLUGIN_ERROR_EXECUTION
} FmPluginError;

/* Sets a CALLING error from a format; returns FALSE, so a check reads
 * `return fm_plugin_calling (error, "…", …);`. */
static inline gboolean fm_plugin_calling (GError **error, const char *format, ...)
  G_GNUC_PRINTF (2, 3);
static inline gboolean
fm_plugin_calling (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_CALLING, message);
  g_free (message);
  return FALSE;
}

G_END_DECLS
