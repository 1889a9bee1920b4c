/* fm-pca: a layer of K feature maps summarised as one RGB picture — the
 * first three principal components of its channel vectors.
 *
 * Two streamed passes over the maps, as the runner hands them over
 * (fm-maps.h), no full tensor kept:
 *   1. fm_pca_accumulate, band after band: the weighted sums of the
 *      channel vectors and of their outer products (a K × K covariance),
 *      over the whole map or the pixels a mask selects;
 *   2. fm_pca_solve: the mean, the covariance, its three eigenvectors of
 *      largest eigenvalue (LAPACK dsyevr);
 *   3. fm_pca_project, band after band again: each pixel's coordinates
 *      along them, and fm_pca_to_rgb for display.
 * The covariance is the population one (divided by the total weight),
 * accumulated in double precision around the first band's mean (so large
 * offsets do not cancel) with BLAS (dsyrk).
 * Sign convention, so the same maps give the same picture: each component's
 * entry of largest magnitude is positive (the lower channel on a tie). */
#pragma once

#include <glib.h>
#include "fm-maps.h"

G_BEGIN_DECLS

#define FM_PCA_COMPONENTS 3

typedef struct _FmPca FmPca;

/* 1 ≤ channels ≤ FM_MAPS_MAX_CHANNELS. */
FmPca *fm_pca_new (int channels, GError **error);
void fm_pca_free (FmPca *pca);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmPca, fm_pca_free)

int fm_pca_channels (const FmPca *pca);

/* Pass 1: n_rows rows of the map.  mask: NULL (every pixel, weight 1), or
 * n_rows × width weights (0 outside, 1 inside, between for a feathered
 * selection; NaN and negatives count as 0).  Non-finite map values are
 * skipped with their pixel. */
void fm_pca_accumulate (FmPca *pca, const float *maps, gsize plane_stride,
                        int width, int n_rows, const float *mask);
/* The total weight so far (the pixel count without a mask). */
double fm_pca_weight (const FmPca *pca);

/* After pass 1.  FM_MAPS_ERROR_EMPTY when nothing was accumulated. */
gboolean fm_pca_solve (FmPca *pca, GError **error);

/* After solving: min(3, K) components, each K values of unit length, with
 * its variance (eigenvalue, ≥ 0) and the share of the total variance it
 * explains; the mean channel vector. */
int fm_pca_n_components (const FmPca *pca);
const double *fm_pca_component (const FmPca *pca, int i);
double fm_pca_variance (const FmPca *pca, int i);
double fm_pca_explained (const FmPca *pca, int i);
const double *fm_pca_mean (const FmPca *pca);

/* Pass 2: out receives n_rows × width × 3 floats, pixel after pixel: the
 * coordinates along components 0, 1, 2 (0 for a missing component). */
void fm_pca_project (const FmPca *pca, const float *maps, gsize plane_stride,
                     int width, int n_rows, float *out);

/* Coordinates → display values: 0.5 + c / (6σ) clipped to 0..1 (σ the
 * component's standard deviation, √variance), so ±3 standard deviations
 * of each component span black to full (component 0 red, 1 green, 2 blue;
 * a component of no variance is 0.5).  rgb may be coords (in place). */
void fm_pca_to_rgb (const FmPca *pca, const float *coords, gsize n_pixels, float *rgb);

G_END_DECLS
