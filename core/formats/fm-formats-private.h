/* fm-formats-private: what the format readers share inside core/formats
 * (not installed).  The readers build banks with the bank model's
 * helpers (fm-bank-private.h) and never run them. */
#pragma once

#include "fm-bank-private.h"
#include "fm-formats.h"
#include "fm-npy.h"

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

/* .npz members as a bank (fm-bank-npz.c): the kernel, bias and the input
 * declaration's mean / std of the layer `member` (NULL: the only layer
 * with filters).  where prefixes messages ("x.npz: "); file is the name
 * hints use ("pick one, as x.npz#conv1"). */
gboolean fm_bank_npz_pick (GPtrArray *arrays, const char *file, const char *member,
                           const char *where, FmArray **kernel, FmArray **bias,
                           FmArray **mean, FmArray **std, GError **error);
gboolean fm_bank_npz_apply_decl (FmBank *bank, FmArray *mean, FmArray *std,
                                 const char *where, GError **error);

G_END_DECLS
