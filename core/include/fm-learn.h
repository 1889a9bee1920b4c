/* fm-learn: filters learned from images, in two ways.
 *
 *   1. From a before/after pair (fm_learn_pair): the convolution that turns
 *      the before image B into the after image A, by least squares.  A is
 *      aligned as a `same`-padded map is: A(y, x) is the result of the window
 *      of B whose top-left is (y − ⌊(kh−1)/2⌋, x − ⌊(kw−1)/2⌋).  Only windows
 *      wholly inside B are fitted, so the unknown effect's own border rule
 *      never enters the fit.  The returned bank declares what reproduces the
 *      effect: its input mode, and defaults padding `same`, mapping `raw`.
 *
 *   2. From the images alone (fm_learn_sample_patches, then
 *      fm_learn_patches): patches sampled with a fixed seed, then principal
 *      components, spherical k-means on whitened patches, or FastICA.
 *
 * Pixels arrive as fm-job.h describes them: H × W × C floats, C = 1 Y',
 * 2 Y'A, 3 R'G'B', 4 R'G'B'A (perceptual, 0..1), any other C raw channels.
 * The channels a filter sees are made by fm-input from the learning mode, so
 * `featuremaps apply` later sees exactly the values the fit saw.
 *
 * The maths is LAPACK's (through LAPACKE) and BLAS's; the normal equations
 * are accumulated from the images' correlations without ever building the
 * matrix of windows, in bands of rows on every core, so memory does not
 * grow with the image (docs/learning.md).
 */
#pragma once

#include <glib.h>
#include "fm-bank.h"

G_BEGIN_DECLS

#define FM_LEARN_ERROR (fm_learn_error_quark ())
GQuark fm_learn_error_quark (void);

typedef enum {
  FM_LEARN_ERROR_INVALID,    /* an option out of range: size, mode, K, method */
  FM_LEARN_ERROR_SIZE,       /* before/after/mask sizes differ; kernel larger than the image */
  FM_LEARN_ERROR_FLAT,       /* a constant image: no texture to learn from */
  FM_LEARN_ERROR_NOT_FINITE, /* NaN or infinity in a pixel */
  FM_LEARN_ERROR_EMPTY,      /* nothing to fit: an empty mask, too few windows */
  FM_LEARN_ERROR_SOLVE,      /* LAPACK could not solve */
  FM_LEARN_ERROR_CANCELLED,
  FM_LEARN_ERROR_SAVE        /* the bank could not be saved */
} FmLearnError;

/* Which channels a learned filter sees (and produces, for pairs). */
typedef enum {
  FM_LEARN_MODE_AUTO,        /* full for colour or raw channels, luminance for grey */
  FM_LEARN_MODE_LUMINANCE,   /* one channel: the luma, as fm-input computes it */
  FM_LEARN_MODE_PER_CHANNEL, /* one kh × kw filter shared by R, G and B (GIMP's Convolution Matrix) */
  FM_LEARN_MODE_FULL,        /* each output channel from all input channels (a CNN layer) */
  FM_LEARN_N_MODES
} FmLearnMode;

typedef enum {
  FM_LEARN_METHOD_PCA,
  FM_LEARN_METHOD_KMEANS,
  FM_LEARN_METHOD_ICA,
  FM_LEARN_N_METHODS
} FmLearnMethod;

/* The names every front end uses, in one table: "auto", "luminance",
 * "per-channel", "full"; "pca", "kmeans", "ica".  NULL / -1 when unknown. */
const char *fm_learn_mode_name (FmLearnMode mode);
const char *fm_learn_mode_help (FmLearnMode mode);
int fm_learn_mode_from_name (const char *name);
const char *fm_learn_method_name (FmLearnMethod method);
const char *fm_learn_method_help (FmLearnMethod method);
int fm_learn_method_from_name (const char *name);

/* "7x7", "5X3" or "5" (square); each side 1 … FM_LEARN_MAX_SIDE. */
#define FM_LEARN_MAX_SIDE 63
/* Unknowns per filter: the normal matrix is this squared (doubles). */
#define FM_LEARN_MAX_WEIGHTS 2048
gboolean fm_learn_parse_size (const char *text, int *kh, int *kw, GError **error);

typedef struct {
  int width, height, channels;
  const float *pixels;         /* height × width × channels */
} FmLearnImage;

/* ---- 1. a kernel from a before/after pair --------------------------------- */

typedef struct {
  FmLearnMode mode;
  int kh, kw;
  double ridge;        /* λ ≥ 0, added to the diagonal of the per-pixel normal
                        * matrix XᵀX / n (pixel values 0..1), bias not penalised */
  gboolean robust;     /* Huber IRLS: outliers down-weighted */
  const char *name;    /* the bank's name; NULL: "Learned" */
  int n_threads;       /* 0: every core */
} FmLearnPairOptions;

void fm_learn_pair_options_init (FmLearnPairOptions *options);

typedef struct {
  gint64 n_windows;      /* fitted windows (inside the mask) */
  int n_filters;         /* K */
  int n_weights;         /* per filter, bias not counted */
  double rms;            /* residual RMS over the fitted windows and channels */
  double psnr;           /* 10 log10 (1 / mean squared residual), dB */
  double explained;      /* 1 − residual variance / target variance (R²) */
  double condition;      /* of the solved normal matrix (ridge included); inf when singular */
  int dropped;           /* directions the eigen-solve had to drop (0: Cholesky solved it) */
  int iterations;        /* IRLS iterations (robust), else 1 */
  double downweighted;   /* robust: fraction of windows with weight < 1 */
  char **warnings;       /* NULL-terminated one-line warnings with advice; may be empty */
} FmLearnQuality;

void fm_learn_quality_clear (FmLearnQuality *quality);

/* fraction in 0..1; return FALSE to cancel.  Called on the calling thread. */
typedef gboolean (*FmLearnProgress) (gpointer user_data, double fraction);

/* before and after: the same size (channels may differ only in alpha);
 * mask: NULL, or the same size, any channels: a window is fitted when the
 * luma of the mask pixel its result lands on is ≥ 0.5.  quality may be NULL.
 * Memory: a few bands of rows and the P × P normal matrix, whatever the
 * image size. */
FmBank *fm_learn_pair (const FmLearnImage *before, const FmLearnImage *after,
                       const FmLearnImage *mask, const FmLearnPairOptions *options,
                       FmLearnQuality *quality, FmLearnProgress progress,
                       gpointer progress_data, GError **error);

/* ---- 2. a bank from the images themselves --------------------------------- */

typedef struct {
  FmLearnMethod method;
  FmLearnMode mode;    /* luminance (AUTO on grey), full (AUTO on colour) or per-channel */
  int kh, kw;
  int n_filters;       /* K */
  int n_samples;       /* patches drawn; 0: 10000 */
  guint32 seed;
  const char *name;    /* the bank's name; NULL: "Learned (method)" */
} FmLearnPatchOptions;

void fm_learn_patch_options_init (FmLearnPatchOptions *options);

typedef struct {
  float *data;         /* n × dim, each patch kh × kw × channels (channels fastest) */
  int n, dim;
  int kh, kw, channels;
  FmInputMode input;   /* what the filters will be declared to see */
} FmLearnPatches;

void fm_learn_patches_free (FmLearnPatches *patches);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmLearnPatches, fm_learn_patches_free)

/* Patches drawn uniformly over every window of every image (an image's share
 * is its share of the windows), positions from a Mersenne Twister seeded with
 * options->seed: the same images and options give the same patches on any
 * machine.  Checks: sizes, finite pixels, a flat image, K against the patch
 * dimension for the method. */
FmLearnPatches *fm_learn_sample_patches (const FmLearnImage *images, int n_images,
                                         const FmLearnPatchOptions *options,
                                         GError **error);

typedef struct {
  double objective;    /* pca: fraction of the variance the K components explain;
                        * kmeans: mean squared error of the 1-sparse (gain-shape)
                        * code of the whitened patches; ica: Σ negentropy
                        * (E log cosh s − E log cosh ν)² of the K sources */
  int iterations;
  gboolean converged;
} FmLearnPatchReport;

FmBank *fm_learn_patches (const FmLearnPatches *patches,
                          const FmLearnPatchOptions *options,
                          FmLearnPatchReport *report, GError **error);

/* ---- saving for a front end ------------------------------------------------- */

/* Saves bank as JSON in folder (created if missing) under a safe file name
 * made from name ("My look!" → "my-look.json"; "-2", "-3" … appended while
 * the name is taken, reserved atomically so two saves never collide).
 * Returns the new file's path (g_free). */
char *fm_learn_save_bank (const FmBank *bank, const char *folder,
                          const char *name, GError **error);

/* The file stem fm_learn_save_bank starts from: lower-case ASCII letters,
 * digits and single dashes; "learned" when nothing is left. */
char *fm_learn_safe_name (const char *name);

G_END_DECLS
