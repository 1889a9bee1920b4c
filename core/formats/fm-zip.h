/* fm-zip: the members of a zip archive held in memory, for the readers of
 * zip-based files (.npz, Keras .keras).  Only what numpy and Python's
 * zipfile write is needed: members stored or deflated (GIO's zlib
 * converter), no encryption, no zip64 sizes.  The central directory is the
 * authority for sizes (numpy's force_zip64 writes 0xffffffff in local
 * headers); local headers only tell where each member's data starts.
 *
 * Implemented in fm-npy.c beside the .npz reader, its first user.
 * Errors are FM_NPY_ERROR; messages start with the archive's label and say
 * "not a valid <what>" (what: ".npz (zip) file", "zip archive" …). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;          /* as stored (NUL-terminated copy; not yet checked as UTF-8) */
  guint16 flags, method;
  guint32 crc, csize, usize;
  guint32 local;       /* offset of the local header */
} FmZipMember;

/* The central directory of the archive: FmZipMember values, names owned
 * by the array.  Checks the end record (no zip64, one disk), that the
 * directory lies inside the file and that every entry is complete. */
GArray *fm_zip_list (const guint8 *data, gsize length, const char *label,
                     const char *what, GError **error);

/* The member's bytes, inflated and CRC-checked (g_free; NUL-terminated one
 * byte past member->usize).  Refuses encryption, zip64 sizes, methods other
 * than stored and deflated, a local header or data outside the archive, a
 * size impossible for deflate and anything over max bytes. */
guint8 *fm_zip_read (const guint8 *data, gsize length, const FmZipMember *member,
                     gsize max, const char *label, const char *what,
                     GError **error);

/* The member of that exact name, or NULL. */
const FmZipMember *fm_zip_find (const GArray *members, const char *name);

G_END_DECLS
