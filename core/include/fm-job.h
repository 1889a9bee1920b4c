/* fm-job: the whole pipeline every front end runs (command line, plug-in,
 * dialog preview):
 *
 *   pixels (the image's own channels, perceptual, 0..1)  -- the front end reads
 *     → input channels per input mode and the bank's (or model's)
 *       declaration                                        (fm-input)
 *     → convolution plan over bands of rows                (fm-conv), or a
 *       network's layers in bands                          (fm-net-plan)
 *     → mapping of map values to output values             (fm-map)
 *     → one output layer per filter (per channel of each network layer
 *       asked for), band by band                           -- the front end writes
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
#include "fm-net-graph.h"

G_BEGIN_DECLS

#define FM_JOB_ERROR (fm_job_error_quark ())
GQuark fm_job_error_quark (void);

typedef enum {
  FM_JOB_ERROR_INVALID,   /* the bank does not fit the image or the options */
  FM_JOB_ERROR_CANCELLED
} FmJobError;

typedef struct _FmJob FmJob;

/* What the image is.  Pixels arrive as floats in the image's own channel
 * layout, perceptual (sRGB-encoded) values in 0..1:
 *   channels 1: Y'   2: Y'A   3: R'G'B'   4: R'G'B'A
 *   any other N (a .npy on the command line): N raw channels, passed to the
 *   engine as they are (input mode auto with an N-channel bank, or
 *   per-channel).
 * Luminance is Rec. 709 luma of R'G'B' (exactly Y' for a grey image); a bank
 * declaring linear light gets sRGB-decoded values and true luminance.
 * rgb on grey replicates Y'; rgba without alpha gets A = 1. */
typedef struct {
  int width, height;
  int channels;
} FmImageInfo;

/* Resolves the input mode (auto → the bank's declaration), checks that bank,
 * options and image fit ("input mode rgba needs a 4-channel bank; 'sobel'
 * has 1 channel"), packs weights and builds the conv plan. */
FmJob *fm_job_new (const FmBank *bank, const FmOptions *options,
                   const FmImageInfo *image, GError **error);

/* What a job runs: a bank, or layers of a network (fm-net-plan.h: a graph
 * and the names of the layers to deliver; the graph's declaration is the
 * input's, so set graph->decl before to override it).  The options that
 * shape a bank's convolution (padding, border, stride, dilation,
 * activation) belong to the model for a network and are not read;
 * per-channel input is refused. */
typedef struct {
  const FmBank *bank;
  const FmNetGraph *graph;
  const char *const *layers;
  int n_layers;
} FmJobKernel;

FmJob *fm_job_new_for (const FmJobKernel *kernel, const FmOptions *options,
                       const FmImageInfo *image, GError **error);

/* The outputs: one for a bank (its K maps), one per network layer asked
 * for.  Job layers (fm_job_n_layers) are the outputs' maps in order: output
 * o's maps are layers first_layer .. first_layer + n_layers − 1. */
typedef struct {
  const char *name;            /* the bank's or the network layer's name */
  int first_layer, n_layers;
  int out_h, out_w;
  /* Relative to the input: one map pixel steps stride input pixels; the
   * centre of map pixel (0, 0)'s window sits at (offset_y, offset_x). */
  int stride_y, stride_x;
  double offset_y, offset_x;
} FmJobOutput;

int fm_job_n_outputs (const FmJob *job);
const FmJobOutput *fm_job_output (const FmJob *job, int output);
int fm_job_layer_output (const FmJob *job, int layer);
void fm_job_free (FmJob *job);

/* The resolved mode; AUTO only for raw N-channel input (a .npy with N ∉ 1..4
 * channels), which reaches the engine unchanged. */
FmInputMode fm_job_input_mode (const FmJob *job);
int fm_job_n_layers (const FmJob *job);             /* K: one per filter */
int fm_job_layer_channels (const FmJob *job);       /* 1; per-channel: the image's colour channels (3 for RGB) */
const char *fm_job_layer_name (const FmJob *job, int layer); /* "vertical · Line detectors" */
/* A bank's geometry; for a network, output 0's sizes (offsets rounded). */
const FmConvGeometry *fm_job_geometry (const FmJob *job);
/* The bank's convolution plan; NULL for a network. */
const FmConvPlan *fm_job_plan (const FmJob *job);

/* Input rows [y0, y0 + n_rows): n_rows × width × channels floats. */
typedef gboolean (*FmPixelSource) (gpointer user_data, int y0, int n_rows,
                                   float *pixels, GError **error);

/* Output rows [y0, y0 + n_rows) of one layer, mapped: n_rows × out_w ×
 * layer_channels floats (raw values for mapping raw; 0..1 otherwise);
 * out_w is the layer's output's (fm_job_output). */
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
