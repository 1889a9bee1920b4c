/* fm-cli-deep: what `rank` and `summary` share — one layer of a network
 * (or a bank's maps) run on one image with raw values, an optional mask
 * brought to the layer's grid, and PNG files that appear whole or not at
 * all. */
#pragma once

#include "fm-cli.h"
#include "fm-cli-image.h"
#include "fm-cli-kernel.h"
#include "fm-cli-mapfile.h"
#include "fm-maps.h"

G_BEGIN_DECLS

/* The options both commands take; the entries point into this struct. */
typedef struct {
  char *input;                             /* -i */
  char *mask;                              /* --mask */
  char *output;                            /* -o (summary) */
  char *by;                                /* --by (rank) */
  char *input_values[FM_N_INPUT_OPTIONS];  /* --range, --mean, … */
  char **rest;                             /* the KERNEL, positional */
} FmCliDeepArgs;

/* What a command adds to the shared options: its own entries (NULL-ended)
 * and its one-line summary. */
gboolean fm_cli_deep_parse (const char *command, const char *summary,
                            const GOptionEntry *own, int argc, char **argv,
                            FmCliDeepArgs *args, GError **error);
void fm_cli_deep_args_clear (FmCliDeepArgs *args);

typedef struct {
  FmCliKernel kernel;
  FmCliImage image;
  FmJob *job;
  const FmJobOutput *out;    /* the one output */
  float *mask;               /* out_h × out_w weights, or NULL */
} FmCliDeep;

/* Loads the kernel (one layer), the image, the mask (a grey image or an
 * H × W .npy; nonzero is inside, 1, else 0) and makes the job (mapping
 * raw). */
gboolean fm_cli_deep_open (FmCliDeep *deep, const char *command,
                           const FmCliDeepArgs *args, GError **error);
void fm_cli_deep_clear (FmCliDeep *deep);

/* Streams the layer's maps, all K of a band together, to band; on a
 * terminal, "[pass/passes] what" and a bar on stderr. */
gboolean fm_cli_deep_run (FmCliDeep *deep, int pass, int passes, const char *what,
                          FmMapsBand band, gpointer data, GError **error);

/* A PNG (8-bit) built under a hidden temporary name in the destination's
 * folder, renamed at finish; abandon removes it.  Refuses a name that does
 * not end in .png and a destination that is one of the inputs. */
typedef struct {
  char *path, *temp;
  FmCliMapFile *file;
} FmCliPngOut;

gboolean fm_cli_png_out_begin (FmCliPngOut *png, const char *path, int width,
                               int height, const char *const *inputs,
                               GError **error);
gboolean fm_cli_png_out_finish (FmCliPngOut *png, GError **error);
void fm_cli_png_out_abandon (FmCliPngOut *png);

G_END_DECLS
