/* fm-dialog-source: where the dialog's preview gets its pixels.
 *
 * Everything in the dialog except the image read is built on this, so the
 * widget tests can run the whole dialog on an in-memory image without GIMP.
 * Pixels come in the layout fm_job expects (channels 1 Y', 2 Y'A, 3 R'G'B',
 * 4 R'G'B'A; perceptual 0..1 floats).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FmDialogSource FmDialogSource;

/* Rectangle x, y, w, h (inside the image) into dst, w × h × channels floats.
 * Called from the main thread only: GIMP's buffers are not thread-safe. */
typedef gboolean (*FmDialogReadFunc) (FmDialogSource *source, int x, int y,
                                      int w, int h, float *dst,
                                      GError **error);

struct _FmDialogSource {
  int width, height, channels;
  gboolean float_precision; /* can store values outside 0..1 (raw mapping) */
  FmDialogReadFunc read;
  gpointer data;
  GDestroyNotify destroy;   /* for data */
};

/* A copy of pixels (width × height × channels floats). */
FmDialogSource *fm_dialog_source_new_memory (int width, int height,
                                             int channels,
                                             const float *pixels,
                                             gboolean float_precision);
void fm_dialog_source_free (FmDialogSource *source);

G_END_DECLS
