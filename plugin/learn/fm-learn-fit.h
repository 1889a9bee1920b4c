/* fm-learn-fit: learning in the plug-in from pixels already read, with no
 * GIMP call — what the PDB procedures (fm-learn-run.c, fm-learn-patches-run.c)
 * and the dialog's "Learn from two layers…" / "Learn filters from this
 * layer…" windows share.  A fit here ends as a bank saved under a new,
 * never-overwriting file name in the given folder (the user's featuremaps
 * folder: plug-in-feature-maps and the dialog's "Mine" find it by name).
 *
 * Errors keep the core's domain (FM_LEARN_ERROR) and one-line message;
 * fm_learn_fit_bad_input tells a caller's mistake (a calling error on the
 * PDB) from a failure to solve or save. */
#pragma once

#include "fm-learn.h"

G_BEGIN_DECLS

typedef struct {
  char *path;               /* the saved bank */
  char *preset;             /* its file stem: the kernel name plug-in-feature-maps takes */
  int n_filters;
  /* a pair's fit */
  double psnr, rms;
  char *warnings;           /* one per line; "" when none */
  /* patches */
  int n_patches;
  double objective;         /* FmLearnPatchReport's, for the method */
  gboolean converged;
} FmLearnRunResult;

void fm_learn_run_result_clear (FmLearnRunResult *result);

/* fm_learn_pair, then the bank saved in folder.  options->name NULL or "":
 * "Learned".  Nothing is saved on failure. */
gboolean fm_learn_fit_pair (const FmLearnImage *before, const FmLearnImage *after,
                            const FmLearnImage *mask, const FmLearnPairOptions *options,
                            const char *folder, FmLearnProgress progress,
                            gpointer progress_data, FmLearnRunResult *result,
                            GError **error);

/* fm_learn_sample_patches and fm_learn_patches on one image, then the bank
 * saved in folder.  The core's "image 1" reads "the layer" in messages. */
gboolean fm_learn_fit_patches (const FmLearnImage *image,
                               const FmLearnPatchOptions *options,
                               const char *folder, FmLearnRunResult *result,
                               GError **error);

/* TRUE when error blames the input or the options (not solving, saving,
 * memory or a cancel). */
gboolean fm_learn_fit_bad_input (const GError *error);

/* One line for the user: "residual RMS 0.0012, PSNR 58.3 dB" (pair) or
 * "8 pca filters from 10000 patches, 93.1 % of the variance" (patches). */
char *fm_learn_fit_summary (const FmLearnRunResult *result, gboolean pair,
                            FmLearnMethod method);

G_END_DECLS
