/* fm-conv-select: which inner loop a plan gets.
 *
 * fm-conv.c tries the kernels of fm_conv_kernels[] in order and takes the
 * first whose supports() says yes.  The fast kernels' supports() answer
 * "this CPU can run it AND the cost model picks it for this shape" through
 * fm_conv_select_prefers(), so the order of the list does not have to
 * encode the cost model.  FEATUREMAPS_CONV_PATH=<name> overrides the cost
 * model (tests cross-check every path that way): then only the named
 * kernel says yes, and a shape it cannot run falls back to direct-c. */
#pragma once

#include "fm-conv-private.h"

G_BEGIN_DECLS

/* The kernel the cost model picks among those this CPU and build have. */
const char *fm_conv_select_best (const FmConvPlan *plan);

/* TRUE when `name` is forced, or when nothing is forced and the cost model
 * picks `name`. */
gboolean fm_conv_select_prefers (const FmConvPlan *plan, const char *name);

/* For tests: force `name` as FEATUREMAPS_CONV_PATH does, without touching
 * the environment (setenv is unsafe once threads exist).  NULL clears it.
 * The environment variable, when set, still wins. */
void fm_conv_select_force (const char *name);

/* Write outputs larger than the caches with streaming (non-temporal)
 * stores?  Off by default: on the reference machine (a KVM guest) they
 * measured 20–35 % slower than ordinary stores on W1, W2, W6 and W6d.
 * FEATUREMAPS_STREAM_STORES=1 turns them on; tests turn them on with
 * fm_conv_select_set_streaming so the path stays checked. */
gboolean fm_conv_select_streaming (void);
void fm_conv_select_set_streaming (gboolean on);

/* Does the frequency domain beat the direct taps for this plan (stride 1,
 * a large window, few filters × channels)?  FALSE without FFTW. */
gboolean fm_conv_fft_pays (const FmConvPlan *plan);

/* Is every filter rank 1 (col ⊗ row) in a window of 3 × 3 or more, with
 * two 1-D passes clearly cheaper than the window (fm-conv-separable.c)? */
gboolean fm_conv_separable_pays (const FmConvPlan *plan);

/* Are enough of the bank's taps exactly zero (60 % against the vector
 * kernels, 40 % against plain C), and the bank not separable, so skipping
 * the zeros pays (fm-conv-sparse.c)? */
gboolean fm_conv_sparse_pays (const FmConvPlan *plan);

/* CPU features, checked once. */
gboolean fm_conv_cpu_has_avx512 (void);
gboolean fm_conv_cpu_has_avx2 (void);

extern const FmConvKernel fm_conv_kernel_avx512;      /* "direct-avx512" */
extern const FmConvKernel fm_conv_kernel_rows_avx512; /* "rows-avx512" */
extern const FmConvKernel fm_conv_kernel_avx2;        /* "direct-avx2" */
extern const FmConvKernel fm_conv_kernel_rows_avx2;   /* "rows-avx2" */
extern const FmConvKernel fm_conv_kernel_channels_avx512; /* "channels-avx512" */
extern const FmConvKernel fm_conv_kernel_channels_avx2;   /* "channels-avx2" */
extern const FmConvKernel fm_conv_kernel_winograd_avx512; /* "winograd-avx512" */
extern const FmConvKernel fm_conv_kernel_winograd_avx2;   /* "winograd-avx2" */
extern const FmConvKernel fm_conv_kernel_fft;         /* "fft" (with FFTW) */
extern const FmConvKernel fm_conv_kernel_separable;   /* "separable" (portable C) */
extern const FmConvKernel fm_conv_kernel_sparse;      /* "sparse" (portable C) */

G_END_DECLS
