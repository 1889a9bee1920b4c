/* fm-learn-private.h: what the learning files share (not installed).
 *
 * A pair fit is the least-squares problem  y ≈ W x + b  over every window x
 * of B wholly inside the image (and the mask), y the after image's pixel the
 * window lands on.  Everything is held as the augmented second-moment matrix
 *
 *     M = Σ_p  z_p z_pᵀ,   z_p = [ x_p (P values), 1, y_p (O values) ],
 *
 * of size Q = P + 1 + O, from which the normal equations are read
 * (fm-learn-solve.c).  Its x·x block is block-Toeplitz: the channels' auto-
 * and cross-correlations at the kernel's lags, summed over a rectangle that
 * moves with the tap; fm-learn-normal.c accumulates it from row correlations
 * and the rectangle's borders, never building the n × P matrix of windows.
 * Masks and robust weights make it a weighted sum instead; fm-learn-weighted.c
 * adds Σ (ω_p − 1) z_p z_pᵀ over the windows whose weight is not 1 (or, when
 * most are not, builds Σ ω_p z_p z_pᵀ directly), with BLAS's dsyrk on blocks
 * of gathered windows.
 *
 * Values are centred before they are multiplied (a shift per plane, close to
 * its mean) so the moments keep their digits; the shifts come back into the
 * bias at the end.
 */
#pragma once

#include "fm-learn.h"
#include "fm-input.h"

G_BEGIN_DECLS

/* One clone for AVX-512, one for AVX2 + FMA, one plain (as fm-conv-taps.h). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__) \
    && !defined(__SANITIZE_THREAD__)
#define FM_LEARN_CLONES __attribute__ ((target_clones ("avx512f", "arch=haswell", "default")))
#else
#define FM_LEARN_CLONES
#endif

/* Doubles of zero padding after every row of a band, so the kernels may read
 * a little past a row's end (fm_learn_lagdot reads up to n + nk + 3). */
#define FM_LEARN_ROW_PAD 16

/* ---- kernels (fm-learn-kernels.c) ------------------------------------------ */

/* out[k] += Σ_{i<n} a[i] · b[i + k]  for k < nk.  b must be readable up to
 * index n + nk + 3 (FM_LEARN_ROW_PAD). */
void fm_learn_lagdot (const double *a, const double *b, int n, int nk, double *out);
/* dst[x] = init + Σ_t w[t] · src[t][x]  for x < n */
void fm_learn_dot_rows (double *dst, double init, const double *w,
                        const double *const *src, int n_taps, int n);

/* ---- bands on every core (fm-learn-bands.c) -------------------------------- */

/* Runs func for band 0 … n_bands − 1 on n_workers threads (the caller is
 * worker 0 and reports progress between p0 and p1).  The first error wins;
 * a FALSE from progress cancels (FM_LEARN_ERROR_CANCELLED). */
typedef gboolean (*FmLearnBandFunc) (gpointer data, int worker, int band,
                                     GError **error);
gboolean fm_learn_run_bands (int n_bands, int n_workers, FmLearnBandFunc func,
                             gpointer data, FmLearnProgress progress,
                             gpointer progress_data, double p0, double p1,
                             GError **error);
int fm_learn_n_workers (int requested);

/* ---- the pair problem ------------------------------------------------------- */

#define FM_LEARN_MAX_PLANES 64

typedef struct {
  /* images and how their pixels become planes */
  const FmLearnImage *before, *after, *mask;
  FmInput *in_before, *in_after, *in_mask;
  FmLearnMode mode;             /* resolved: never AUTO */
  FmInputMode input;            /* what the bank declares */

  int H, W, kh, kw;
  int pt, pl;                   /* ⌊(kh−1)/2⌋, ⌊(kw−1)/2⌋: the target's offset */
  int Hv, Wv;                   /* windows wholly inside: H − kh + 1, W − kw + 1 */
  int nch;                      /* planes per pixel (fm-input channels) */
  int S, CF, O;                 /* stacks, feature channels, outputs:
                                 * full S = 1, CF = O = nch; per-channel S = nch,
                                 * CF = O = 1; luminance 1, 1, 1 */
  int P, Q;                     /* kh·kw·CF;  P + 1 + O */
  double shift_b[FM_LEARN_MAX_PLANES], shift_a[FM_LEARN_MAX_PLANES];

  int n_workers;
  int band_rows;                /* rows of windows per band */
} FmLearnProblem;

/* Weight index of tap (i, j) channel c: the bank's kh × kw × C order. */
static inline int
fm_learn_tap (const FmLearnProblem *pb, int i, int j, int c)
{
  return (i * pb->kw + j) * pb->CF + c;
}

/* A band's rows as centred doubles: before rows [r0, r1) of every plane
 * (stride W + pad), target rows of windows [w0, w1) (window row py holds the
 * after image's row py + pt, columns pl … pl + Wv − 1), and the mask of
 * those windows (1 inside, 0 outside; NULL without a mask). */
typedef struct {
  int r0, r1, w0, w1;
  gsize bstride, tstride;
  double *b;                    /* nch × (r1 − r0) × bstride */
  double *t;                    /* nch × (w1 − w0) × tstride */
  guint8 *m;                    /* (w1 − w0) × Wv */
  float *tmp;                   /* one converted row */
  int cap_b, cap_w;             /* rows allocated */
} FmLearnBand;

void fm_learn_band_init (FmLearnBand *band, const FmLearnProblem *pb);
void fm_learn_band_clear (FmLearnBand *band);
/* Before rows [r0, r1), and the targets and mask of windows [w0, w1). */
void fm_learn_band_load (FmLearnBand *band, const FmLearnProblem *pb,
                         int r0, int r1, int w0, int w1);

static inline const double *
fm_learn_band_brow (const FmLearnBand *band, int plane, int row)
{
  return band->b + ((gsize) plane * (band->r1 - band->r0) + (row - band->r0)) * band->bstride;
}
static inline const double *
fm_learn_band_trow (const FmLearnBand *band, int plane, int wrow)
{
  return band->t + ((gsize) plane * (band->w1 - band->w0) + (wrow - band->w0)) * band->tstride;
}

/* fm-learn-normal.c: the unweighted M over every window (Q × Q, full). */
gboolean fm_learn_normal_matrix (const FmLearnProblem *pb, double *M,
                                 FmLearnProgress progress, gpointer progress_data,
                                 double p0, double p1, GError **error);

/* The solution in centred units: y_o ≈ w_o · x + bias_o. */
typedef struct {
  double *w;                    /* O × P */
  double *bias;                 /* O */
  double condition;
  int dropped;
} FmLearnSolution;

void fm_learn_solution_clear (FmLearnSolution *sol);

/* fm-learn-solve.c */
gboolean fm_learn_solve (const double *M, int P, int O, double ridge,
                         FmLearnSolution *sol, GError **error);

/* fm-learn-weighted.c: a pass over every window with the current solution.
 * Gathers residual statistics; with weights, adds the weighted correction to
 * M (see the top of this file). */
typedef enum {
  FM_LEARN_WEIGHT_NONE,         /* statistics only */
  FM_LEARN_WEIGHT_CORRECT,      /* M += Σ (ω − 1) z zᵀ over ω ≠ 1 */
  FM_LEARN_WEIGHT_DIRECT        /* M  = Σ ω z zᵀ over ω ≠ 0 (M must be zero) */
} FmLearnWeighting;

typedef struct {
  /* inputs */
  const FmLearnSolution *sol;   /* NULL: no prediction (residual = target) */
  FmLearnWeighting weighting;
  gboolean base_masked;         /* CORRECT: M already leaves out the windows outside the mask */
  gboolean huber;               /* robust weights from scale */
  double scale;                 /* robust scale σ of the residual norm */
  int row_step;                 /* 1, or > 1 to visit only every row_step-th window row */
  int max_sample;               /* collect up to this many residual norms (0: none) */
  /* outputs */
  double sum_r2, sum_y[FM_LEARN_MAX_PLANES], sum_y2[FM_LEARN_MAX_PLANES];
  gint64 n_fit;                 /* windows counted (inside the mask), per stack */
  gint64 n_clipped;             /* target values at exactly 0 or 1 */
  gint64 n_down;                /* windows given weight < 1 by the robust rule */
  double *sample;               /* residual norms, n_sample of them */
  int n_sample;
} FmLearnPass;

gboolean fm_learn_pass (const FmLearnProblem *pb, FmLearnPass *pass, double *M,
                        FmLearnProgress progress, gpointer progress_data,
                        double p0, double p1, GError **error);
void fm_learn_pass_clear (FmLearnPass *pass);

/* fm-learn-robust.c: --robust rounds on top of the solved M (sol is
 * replaced by the re-weighted solution; q gets iterations and the share of
 * down-weighted windows). */
gboolean fm_learn_robust (const FmLearnProblem *pb, double *M, FmLearnSolution *sol,
                          double ridge, FmLearnQuality *q, FmLearnProgress progress,
                          gpointer progress_data, double p0, double p1, GError **error);

/* fm-learn-checks.c */
/* Shape, channel count and finite values; messages start with what. */
gboolean fm_learn_check_pixels (const FmLearnImage *img, const char *what, GError **error);
/* TRUE when every colour channel holds one value everywhere (value: the first). */
gboolean fm_learn_image_is_flat (const FmLearnImage *img, double *value);
/* The conversion `apply` will use for a bank of bank_channels declaring mode. */
FmInput *fm_learn_input_new (FmInputMode mode, int bank_channels, int image_channels,
                             GError **error);

/* fm-learn-quality.c: the bank run through the engine (fm_job, as `apply`
 * runs it) and compared with the after image inside the fitted region. */
typedef struct {
  double sum_r2, sum_y[FM_LEARN_MAX_PLANES], sum_y2[FM_LEARN_MAX_PLANES];
  gint64 n_fit;                 /* values compared per output channel (windows × stacks) */
  gint64 n_clipped;             /* after values at exactly 0 or 1 */
} FmLearnQualityStats;

gboolean fm_learn_quality_measure (const FmLearnProblem *pb, const FmBank *bank,
                                   FmLearnQualityStats *st, GError **error);

/* Huber's weight at t = |r| / σ, with the usual 1.345 (95 % efficiency). */
#define FM_LEARN_HUBER_K 1.345
static inline double
fm_learn_huber (double t)
{
  return t <= FM_LEARN_HUBER_K ? 1.0 : FM_LEARN_HUBER_K / t;
}

/* ---- patches ------------------------------------------------------------------ */

/* fm-learn-patches-prep.c: in place on n × dim doubles. */
/* Each patch minus its mean, divided by sqrt(variance + eps). */
void fm_learn_contrast_normalise (double *X, int n, int dim, double eps);
/* Column means into mean (dim), subtracted from X. */
void fm_learn_centre (double *X, int n, int dim, double *mean);
/* Covariance (dim × dim, full) of centred X: Xᵀ X / n. */
void fm_learn_covariance (const double *X, int n, int dim, double *C);
/* Eigen-decomposition of a symmetric dim × dim matrix (overwritten by the
 * eigenvectors as columns), eigenvalues ascending. */
gboolean fm_learn_eigen (double *A, int dim, double *values, GError **error);

/* The learners; each returns K filters (K × dim, rows) and per-filter scores
 * used for sorting (larger first) and naming. */
typedef struct {
  double *filters;              /* K × dim, unit norm */
  double *bias;                 /* K */
  double *score;                /* K: explained variance / share picked / negentropy */
  const char *score_unit;       /* "%" or "" */
} FmLearnFilters;

gboolean fm_learn_pca (const FmLearnPatches *p, int K, FmLearnFilters *out,
                       FmLearnPatchReport *report, GError **error);
gboolean fm_learn_kmeans (const FmLearnPatches *p, int K, guint32 seed,
                          FmLearnFilters *out, FmLearnPatchReport *report,
                          GError **error);
gboolean fm_learn_ica (const FmLearnPatches *p, int K, guint32 seed,
                       FmLearnFilters *out, FmLearnPatchReport *report,
                       GError **error);

/* Contrast normalisation: eps = 10 / 255² on 0..1 values (Coates and Ng's 10
 * on 0..255); ZCA: eigenvalues + 0.1 (theirs, for normalised patches). */
/* k-means and ICA start this many times from the seed's draws; the best
 * objective is kept. */
#define FM_LEARN_RESTARTS 3

#define FM_LEARN_CN_EPS (10.0 / (255.0 * 255.0))
#define FM_LEARN_ZCA_EPS 0.1

/* fm-learn-whiten.c: contrast-normalised, centred patches and the
 * eigen-decomposition of their covariance. */
typedef struct {
  double *X;                    /* n × dim */
  double *mean;                 /* dim: subtracted from X */
  double *V;                    /* dim × dim, eigenvectors as columns */
  double *ev;                   /* dim, ascending */
  int n, dim;
} FmLearnWhite;

gboolean fm_learn_white_prepare (const FmLearnPatches *p, FmLearnWhite *w, GError **error);
void fm_learn_white_clear (FmLearnWhite *w);
/* Flip v so its entry of largest magnitude is positive (the first on ties). */
void fm_learn_fix_sign (double *v, int dim);
/* A standard normal deviate from rand (Box–Muller; reproducible). */
double fm_learn_gauss (GRand *rand);

/* n × dim doubles from the float patches. */
double *fm_learn_patches_to_double (const FmLearnPatches *p);

G_END_DECLS
