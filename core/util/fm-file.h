/* fm-file: read a whole file, refused before reading when it is larger
 * than the caller will ever accept (a bank, a kernel text, a .npy), so a
 * multi-gigabyte file is never swallowed by mistake.  A leaf: GLib only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FM_FILE_ERROR (fm_file_error_quark ())
GQuark fm_file_error_quark (void);

typedef enum { FM_FILE_ERROR_TOO_LARGE } FmFileError;

/* The whole file in *data (NUL-terminated, g_free) and *length.  Errors:
 * FM_FILE_ERROR_TOO_LARGE ("<file>: N bytes is too large for a <what>") or
 * G_FILE_ERROR from reading. */
gboolean fm_file_read_capped (const char *path, gsize max_size, const char *what,
                              char **data, gsize *length, GError **error);

G_END_DECLS
