/* fm-formats-private: what the format readers share inside core/formats
 * (not installed).  The readers build banks with the bank model's
 * helpers (fm-bank-private.h) and never run them. */
#pragma once

#include "fm-bank-private.h"
#include "fm-formats.h"

G_BEGIN_DECLS

#define FM_FORMAT(id) extern const FmFormat fm_format_##id;
#include "fm-formats.def"
#undef FM_FORMAT

/* A whole bank / kernel text file, size-checked first (FM_BANK_MAX_FILE_SIZE);
 * what names the file in messages ("bank file").  Errors in FM_BANK_ERROR. */
gboolean fm_formats_read_text (const char *path, const char *what, char **data,
                               gsize *length, GError **error);

/* Sets error (FM_BANK_ERROR, the code that fits) from a file error
 * (FM_FILE_ERROR or G_FILE_ERROR), keeping its message; frees local. */
void fm_formats_file_error (GError **error, GError *local);

/* "a, b, c or d" of every format's label (messages that list them all). */
char *fm_formats_labels (void);

G_END_DECLS
