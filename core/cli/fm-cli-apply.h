/* fm-cli-apply: what `featuremaps apply`'s two forms share.
 *
 *   one input   apply -k K -i INPUT -o OUTPUT       (OUTPUT.npy or a folder of maps)
 *   many        apply -k K -o OUTDIR INPUT…         (several -i, positional
 *                                                     inputs, a folder, --shard
 *                                                     or --each)
 * The one-input form fails with exit status 2 on any error; the many form
 * goes on past a bad input and ends with status 1 when some failed. */
#pragma once

#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-cli-kernel.h"

G_BEGIN_DECLS

typedef enum {
  FM_CLI_EACH_NPY,      /* OUTDIR/<stem>.npy */
  FM_CLI_EACH_IMAGES    /* OUTDIR/<stem>/<filter>.png|.tif */
} FmCliEach;

typedef struct {
  char *kernel, *output;
  char **inputs;                /* -i, in order (NULL-terminated) */
  char **positional;            /* the other arguments */
  char *shard, *each;
  char *values[FM_N_OPTIONS];   /* as typed; NULL when not given */
  char **layers;                /* --layer, in order (NULL-terminated) */
  char *input_values[FM_N_INPUT_OPTIONS]; /* --range … as typed; NULL when not given */
} FmCliApplyArgs;

/* Command line, then the bank's defaults, then the table.  npy: a .npy
 * output keeps raw maps unless --mapping is given.  A network has no
 * defaults, and the options that shape a bank's convolution are refused
 * for it (its layers have their own). */
gboolean fm_cli_apply_resolve_options (const FmCliApplyArgs *args,
                                       const FmCliKernel *kernel, gboolean npy,
                                       FmOptions *opts, GError **error);

/* An FmPixelSource over an FmCliImage. */
gboolean fm_cli_apply_read_rows (gpointer data, int y0, int n_rows,
                                 float *pixels, GError **error);

/* The many-inputs form (fm-cli-batch.c); kernel already loaded. */
gboolean fm_cli_batch_run (const FmCliApplyArgs *args, const FmCliKernel *kernel,
                           GError **error);

/* The terminal's progress line (fm-cli-progress.c): "[n/N] name" and a
 * bar, redrawn in place on stderr; nothing when stderr is not a terminal. */
typedef struct _FmCliProgress FmCliProgress;
FmCliProgress *fm_cli_progress_new (int total);
void fm_cli_progress_start (FmCliProgress *p, int index, const char *name);
gboolean fm_cli_progress_update (gpointer progress, double fraction);  /* an FmProgress */
/* Clears the line so a message can be printed on its own line. */
void fm_cli_progress_clear (FmCliProgress *p);
void fm_cli_progress_free (FmCliProgress *p);

G_END_DECLS
