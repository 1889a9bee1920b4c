/* fm-file-check: plug-in-feature-maps-check-file, for batches.
 *
 * GIMP 2.10's loaders report damage only on their stderr: a truncated PNG
 * loads as a partly black image ("Error loading PNG file: Read Error"), a
 * truncated JPEG or TIFF with a warning, and a few bytes of text named
 * .png make file-png hang.  A Script-Fu batch asks this procedure first:
 * it decodes PNG, JPEG and TIFF completely with libpng, libjpeg and
 * libtiff (the command line's readers) and recognises the other image
 * formats by their first bytes, and returns an empty string for a file to
 * hand to GIMP, else a short reason ("truncated", "damaged",
 * "not an image", "no such file", "too large", "unreadable") and the
 * full message. */
#pragma once

#include <libgimp/gimp.h>

G_BEGIN_DECLS

#define FM_FILE_CHECK_PROC "plug-in-feature-maps-check-file"

void fm_file_check_query (void);
void fm_file_check_run (gint n_params, const GimpParam *params,
                        gint *n_return, GimpParam **return_vals);

G_END_DECLS
