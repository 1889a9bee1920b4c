/* fm-h5: the narrow use of libhdf5 the Keras readers need — an HDF5 file
 * image held in memory, opened read-only; groups and datasets reached
 * through hard links only; string attributes; floating datasets read into
 * graph tensors.  Private to the library.
 *
 * libhdf5 has a long history of crashes and overflows on malformed files,
 * so everything it is asked is checked first and kept small:
 *   - the image is opened from our own buffer (no file names, no drivers);
 *   - its error printing is off and its error stack becomes our message;
 *   - filter plug-ins are never loaded (only deflate, shuffle and
 *     Fletcher-32, built into the library, are accepted);
 *   - soft and external links, external and virtual datasets are refused;
 *   - a dataset's rank, shape, element type (IEEE float16/32/64 or
 *     integers in either byte order, Keras 3's bfloat16) and storage size
 *     are checked
 *     before anything is allocated, and it is read without conversion
 *     (we convert the bytes ourselves);
 *   - attributes must be strings (fixed or variable length) under a size
 *     cap.
 * Calls are serialised by one lock: the library's global state (its error
 * reporting) is not ours to race on.
 *
 * Errors are FM_NET_ERROR; messages start with the image's label and name
 * the object (escaped). */
#pragma once

#include <glib.h>
#include "fm-net-graph.h"

G_BEGIN_DECLS

/* Caps on what an attribute may hold: a model's JSON config and a layer's
 * list of weight names are far below them. */
#define FM_H5_MAX_ATTR_BYTES   ((gsize) 64 << 20)
#define FM_H5_MAX_ATTR_STRINGS (1 << 20)
/* A dataset declaring more than this many times the bytes it stores (and
 * over 1 MiB) is a shape or decompression bomb (Keras's own rule). */
#define FM_H5_MAX_EXPANSION 1000

typedef struct _FmH5 FmH5;

/* Opens the image in data[0 … len) without copying it: data must outlive
 * the FmH5.  label names the image in messages ("model.keras[model.weights.h5]"). */
FmH5 *fm_h5_open (const guint8 *data, gsize len, const char *label,
                  GError **error);
void fm_h5_close (FmH5 *h5);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmH5, fm_h5_close)

const char *fm_h5_label (const FmH5 *h5);

/* Paths are '/'-separated components below the root ("" is the root);
 * empty components, "." and anything reached through a soft or external
 * link are refused. */

/* TRUE when path names a group (FALSE, without error, when nothing is
 * there; FALSE with error when the path is malformed or not a group). */
gboolean fm_h5_group_exists (FmH5 *h5, const char *path, GError **error);
/* TRUE when path names any object (group or dataset) through hard links. */
gboolean fm_h5_exists (FmH5 *h5, const char *path, GError **error);
/* The number of links in a group, or −1 with error. */
int fm_h5_group_size (FmH5 *h5, const char *path, GError **error);

/* The string attribute attr of the object at path (scalar, fixed or
 * variable length, valid UTF-8, no NUL inside).  *value is NULL and TRUE
 * is returned when the attribute is absent. */
gboolean fm_h5_attr_string (FmH5 *h5, const char *path, const char *attr,
                            char **value, GError **error);
/* A string-array attribute (1-D or scalar; fixed or variable length), in
 * Keras's split form too: when attr is absent, attr0, attr1, … in order,
 * concatenated.  *values (char*, owned) is NULL and TRUE is returned when
 * neither form is there. */
gboolean fm_h5_attr_strings (FmH5 *h5, const char *path, const char *attr,
                             GPtrArray **values, GError **error);

/* The dataset at path as a tensor of the dataset's own shape (at most
 * FM_TENSOR_MAX_DIMS dimensions and max_elems elements), named
 * tensor_name: float for floating data, int64 for integers. */
FmTensor *fm_h5_read_tensor (FmH5 *h5, const char *path,
                             const char *tensor_name, gsize max_elems,
                             GError **error);

G_END_DECLS
