/* fm-npy: NumPy .npy arrays and .npz archives (stored or deflated, via GIO's
 * zlib converter).  Every header field is checked against the file's size
 * before anything is allocated. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FM_NPY_ERROR (fm_npy_error_quark ())
GQuark fm_npy_error_quark (void);

typedef enum {
  FM_NPY_ERROR_PARSE,
  FM_NPY_ERROR_UNSUPPORTED, /* dtype, Fortran order, object arrays */
  FM_NPY_ERROR_TOO_LARGE
} FmNpyError;

#define FM_NPY_MAX_DIMS 8

typedef struct {
  char *name;                  /* npz member name without ".npy"; file name for .npy */
  int ndim;
  gsize shape[FM_NPY_MAX_DIMS];
  gsize size;                  /* product of shape */
  char dtype[8];               /* as found: "f4", "f8", "u1", … */
  float *data;                 /* converted to float32, C order */
} FmArray;

void fm_array_free (FmArray *array);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmArray, fm_array_free)

/* dtypes accepted: float32, float64, float16, uint8, int8, (u)int16,
 * (u)int32, (u)int64; little or big endian.  uint8 images are NOT scaled
 * here: scaling is the caller's decision. */
FmArray *fm_npy_read_data (const guint8 *data, gsize length, const char *name,
                           GError **error);
FmArray *fm_npy_read_file (const char *path, GError **error);

/* The header only (data NULL): shape and dtype, to check a size before
 * the file is read whole. */
FmArray *fm_npy_read_file_header (const char *path, GError **error);

/* All members of an .npz (GPtrArray of FmArray*, owns them).  Refused
 * from the headers, before inflating anything, when they hold more than
 * 512 M values in all. */
GPtrArray *fm_npz_read_file (const char *path, GError **error);
GPtrArray *fm_npz_read_data (const guint8 *data, gsize length, const char *name,
                             GError **error);

/* An .npz opened: every .npy member's header read and checked (inflating
 * only the header), its data not yet.  A reader picks the arrays it needs
 * by name and shape, checks their sizes, then loads only those. */
typedef struct _FmNpz FmNpz;
FmNpz *fm_npz_open_file (const char *path, GError **error);
/* data is borrowed: it must outlive the FmNpz. */
FmNpz *fm_npz_open_data (const guint8 *data, gsize length, const char *name, GError **error);
void fm_npz_free (FmNpz *npz);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmNpz, fm_npz_free)
/* The arrays (FmArray*, owned by npz; data NULL until fm_npz_load). */
GPtrArray *fm_npz_arrays (FmNpz *npz);
/* FALSE with the error np.load users expect when it holds no .npy arrays
 * (and the hint when it is a PyTorch checkpoint). */
gboolean fm_npz_check_not_empty (FmNpz *npz, GError **error);
/* Values in all the arrays, from their headers. */
gsize fm_npz_total_values (FmNpz *npz);
/* Inflates and converts one of the arrays (its data, owned by npz). */
gboolean fm_npz_load (FmNpz *npz, FmArray *array, GError **error);

/* float32 little-endian, C order. */
gboolean fm_npy_write_file (const char *path, const float *data, int ndim,
                            const gsize *shape, GError **error);

G_END_DECLS
