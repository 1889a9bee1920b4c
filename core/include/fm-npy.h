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

/* All members of an .npz (GPtrArray of FmArray*, owns them). */
GPtrArray *fm_npz_read_file (const char *path, GError **error);
GPtrArray *fm_npz_read_data (const guint8 *data, gsize length, const char *name,
                             GError **error);

/* float32 little-endian, C order. */
gboolean fm_npy_write_file (const char *path, const float *data, int ndim,
                            const gsize *shape, GError **error);

G_END_DECLS
