/* fm-job: the whole pipeline every front end runs (command line, plug-in,
 * dialog preview):
 *
 *   pixels (perceptual R'G'B'A float, 0..1)            -- the front end reads
 *     → input channels per input mode and the bank's declaration (fm-input)
 *     → convolution plan over bands of rows                (fm-conv)
 *     → mapping of map values to output values             (fm-map)
 *     → one output layer per filter, band by band          -- the front end writes
 *
 * Mappings that need each map's range (normalize, normalize-joint,
 * abs-normalize) run the plan twice: a first pass only gathers min/max, so
 * memory stays one band, never K full maps.
 */
#pragma once

#include <glib.h>
#include "fm-options.h"
#include "fm-bank.h"
#include "fm-conv.h"

G_BEGIN_DECLS

#define FM_JOB_ERROR (fm_job_error_quark ())
GQuark fm_job_error_quark (void);

typedef enum {
  FM_JOB_ERROR_INVALID,   /* the bank does not fit the image or the options */
  FM_JOB_ERROR_CANCELLED
} FmJobError;

typedef struct _FmJob FmJob;

/* What the image is.  Pixels always arrive as perceptual RGBA floats; a GRAY
 * image arrives with R = G = B.  has_alpha FALSE: A = 1. */
typedef struct {
  int width, height;
  gboolean is_gray;
  gboolean has_alpha;
} FmImageInfo;

/* Resolves the input mode (auto → the bank's declaration), checks that bank,
 * options and image fit ("input mode rgba needs a 4-channel bank; 'sobel'
 * has 1 channel"), packs weights and builds the conv plan. */
FmJob *fm_job_new (const FmBank *bank, const FmOptions *options,
                   const FmImageInfo *image, GError **error);
void fm_job_free (FmJob *job);

FmInputMode fm_job_input_mode (const FmJob *job);   /* resolved, never AUTO */
int fm_job_n_layers (const FmJob *job);             /* K: one per filter */
int fm_job_layer_channels (const FmJob *job);       /* 1, or 3 in per-channel mode */
const char *fm_job_layer_name (const FmJob *job, int layer); /* "Line detectors · vertical" */
const FmConvGeometry *fm_job_geometry (const FmJob *job);
const FmConvPlan *fm_job_plan (const FmJob *job);

/* Input rows [y0, y0 + n_rows) as perceptual RGBA float: n_rows × width × 4. */
typedef gboolean (*FmPixelSource) (gpointer user_data, int y0, int n_rows,
                                   float *rgba, GError **error);

/* Output rows [y0, y0 + n_rows) of one layer, mapped: n_rows × out_w ×
 * layer_channels floats (raw values for mapping raw; 0..1 otherwise). */
typedef gboolean (*FmLayerSink) (gpointer user_data, int layer, int y0,
                                 int n_rows, const float *pixels,
                                 GError **error);

/* fraction in 0..1; return FALSE to cancel (the run then fails with
 * FM_JOB_ERROR_CANCELLED and the caller removes what it added). */
typedef gboolean (*FmProgress) (gpointer user_data, double fraction);

gboolean fm_job_run (FmJob *job, FmPixelSource source, gpointer source_data,
                     FmLayerSink sink, gpointer sink_data, FmProgress progress,
                     gpointer progress_data, GError **error);

G_END_DECLS
