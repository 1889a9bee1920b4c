/* fm-layers-read: the source drawable's selected rectangle as the float
 * pixels fm_job_run asks for, band by band (an FmPixelSource). */
#pragma once

#include "fm-host.h"
#include "fm-job.h"

G_BEGIN_DECLS

typedef struct {
  FmItemId drawable;
  int x, y, width, height;   /* the rectangle read, in drawable coordinates */
  int channels;              /* 1 Y', 2 Y'A, 3 R'G'B', 4 R'G'B'A */
  const Babl *format;        /* float, perceptual, in the drawable's space */
  GeglBuffer *buffer;
} FmDrawableSource;

/* FALSE (calling error) when the selection does not touch the drawable. */
gboolean fm_drawable_source_init (FmDrawableSource *src, FmItemId drawable,
                                  GError **error);
void fm_drawable_source_clear (FmDrawableSource *src);

void fm_drawable_source_info (const FmDrawableSource *src, FmImageInfo *info);

/* The FmPixelSource: user_data is the FmDrawableSource. */
gboolean fm_drawable_source_read (gpointer user_data, int y0, int n_rows,
                                  float *pixels, GError **error);

G_END_DECLS
