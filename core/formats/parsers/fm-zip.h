/* fm-zip: reading members out of a zip archive held in memory — .npz
 * files, .keras archives, recognising a PyTorch .pth checkpoint.
 *
 * Only what those writers produce: members stored or deflated (inflated
 * with GIO's zlib converter), no encryption, one disk, no zip64 sizes (a
 * zip64 end record is fine while the classic one's fields suffice).  The
 * central directory is the authority for sizes (numpy's force_zip64 writes
 * 0xffffffff in local headers); local headers only tell where a member's
 * data starts.  Every offset and size is checked against the archive
 * before use, a member's declared size against its compressed size (deflate
 * cannot expand more than about 1032:1) and against the caller's cap before
 * anything is allocated, and every member read is CRC-checked.  Members
 * may not share bytes (overlapping or duplicate directory entries are how
 * a small archive inflates to gigabytes), so the declared sizes of all
 * members are at most about 1032 times the archive's size, and a reader
 * can sum them before it inflates anything.
 *
 * fm_zip_open_data checks the archive's directory; a member's own fields
 * (method, encryption, local header) are checked when it is read, so an
 * archive with one odd member the caller never reads still opens. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FM_ZIP_ERROR (fm_zip_error_quark ())
GQuark fm_zip_error_quark (void);

/* The same numbering as FmNpyError, so the .npz reader passes codes on. */
typedef enum {
  FM_ZIP_ERROR_PARSE,        /* not a zip, truncated, corrupt, CRC mismatch */
  FM_ZIP_ERROR_UNSUPPORTED,  /* zip64, encryption, other compression methods */
  FM_ZIP_ERROR_TOO_LARGE     /* a member larger than the caller's cap */
} FmZipError;

typedef struct _FmZip FmZip;

/* "PK\3\4" (or an empty archive's "PK\5\6"): what a zip starts with. */
gboolean fm_zip_sniff (const guint8 *head, gsize n);

/* Reads the directory of the archive data[0 .. length).  data is borrowed:
 * it must outlive the FmZip.  name prefixes messages ("weights.npz"); what
 * names the kind of file in them (".npz (zip) file": "weights.npz: not a
 * valid .npz (zip) file: truncated …"). */
FmZip *fm_zip_open_data (const guint8 *data, gsize length, const char *name,
                         const char *what, GError **error);
void fm_zip_free (FmZip *zip);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmZip, fm_zip_free)

guint fm_zip_n_members (const FmZip *zip);
/* The member's name as stored (not checked for UTF-8 until it is read). */
const char *fm_zip_member_name (const FmZip *zip, guint i);
/* Its size once inflated, as the directory declares it. */
gsize fm_zip_member_size (const FmZip *zip, guint i);
/* The index of the member called name, or of the first whose name ends
 * with suffix; −1 when none. */
int fm_zip_find (const FmZip *zip, const char *name);
int fm_zip_find_suffix (const FmZip *zip, const char *suffix);

/* Member i, inflated and CRC-checked (g_free); refused with
 * FM_ZIP_ERROR_TOO_LARGE before any allocation when it declares more than
 * max_size bytes. */
guint8 *fm_zip_read_member (const FmZip *zip, guint i, gsize max_size,
                            gsize *length, GError **error);

/* The first min(n, size) bytes of member i (g_free; *length says how
 * many), inflating no more than that: a header read before deciding
 * whether the member is worth reading whole.  Not CRC-checked (the member
 * is not complete); the same checks as fm_zip_read_member otherwise. */
guint8 *fm_zip_read_member_head (const FmZip *zip, guint i, gsize n, gsize *length,
                                 GError **error);

G_END_DECLS
