/* fm-model-file: what the model readers share — reading a whole file under
 * a size cap, opening a file named by a model relative to its folder
 * without leaving that folder, and converting little-endian element types
 * to the graph's two (float32, int64).  Private to the library. */
#pragma once

#include <sys/stat.h>
#include <glib.h>
#include "fm-net-graph.h"
#include "fm-json-strict.h"

G_BEGIN_DECLS

/* The whole file (a regular file, at most max bytes), NUL-terminated one
 * byte past len.  Messages start with the file's display name. */
gboolean fm_model_read_file (const char *path, gsize max, guint8 **data,
                             gsize *len, GError **error);

/* Opens a model file for reading through fm_file_open: a FIFO, device,
 * folder or loop is named as such and never read or waited for, and the
 * file joins the run's read log (no output may replace it).  The error is
 * FM_NET_ERROR (NOT_FOUND when it does not exist). */
int fm_model_open (const char *path, struct stat *st, GError **error);

/* Opens `relative` below `dir` for reading: refuses an absolute path, a
 * ".." component and any symlink on the way (each component opened with
 * O_NOFOLLOW, so the check and the open are one step), and anything but a
 * regular file.  Returns the descriptor and its size, or -1 with error
 * (messages name `relative`, escaped, and the rule). */
int fm_model_open_below (const char *dir, const char *relative, gsize *size,
                         GError **error);

/* Reads exactly len bytes at offset (FALSE with an error on a short read:
 * the file changed under us). */
gboolean fm_model_pread (int fd, guint8 *buf, gsize len, guint64 offset,
                         const char *what, GError **error);

/* Element types as the readers meet them. */
typedef enum {
  FM_ELEM_F32, FM_ELEM_F64, FM_ELEM_F16, FM_ELEM_BF16,
  FM_ELEM_I8, FM_ELEM_U8, FM_ELEM_I16, FM_ELEM_U16,
  FM_ELEM_I32, FM_ELEM_U32, FM_ELEM_I64, FM_ELEM_U64, FM_ELEM_BOOL
} FmElem;

gsize fm_elem_size (FmElem elem);
const char *fm_elem_name (FmElem elem);
/* FLOAT for the floating types, INT64 for the others. */
FmTensorType fm_elem_tensor_type (FmElem elem);

/* Converts n little-endian elements from src into t's storage starting at
 * element `first`.  FALSE (FM_NET_ERROR_INVALID) for a uint64 above
 * G_MAXINT64, naming the element index. */
gboolean fm_elem_convert (FmElem elem, const guint8 *src, gsize n,
                          FmTensor *t, gsize first, GError **error);

float fm_half_to_float (guint16 h);

/* The strict-JSON context of the model readers: messages without a
 * prefix (the caller adds the file), errors in FM_NET_ERROR. */
const FmJsonCtx *fm_model_json_ctx (void);

/* Strict JSON (fm-json-strict.h: nesting, UTF-8, duplicate keys) whose
 * root must exist; a new reference to it, or NULL with an error. */
JsonNode *fm_model_parse_json (const char *data, gsize len, const char *what,
                               GError **error);

G_END_DECLS
