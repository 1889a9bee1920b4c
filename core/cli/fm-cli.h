/* fm-cli: the featuremaps command line.  One file per subcommand; images
 * and outputs (GEGL, .npy) in their own files.
 *
 * Every failure is a GError; main turns it into one stderr line
 * "featuremaps: …" and exit status 2. */
#pragma once

#include <glib.h>
#include "featuremaps.h"

G_BEGIN_DECLS

#define FM_CLI_ERROR (fm_cli_error_quark ())
GQuark fm_cli_error_quark (void);

typedef enum {
  FM_CLI_ERROR_USAGE,       /* the command line itself */
  FM_CLI_ERROR_INPUT,       /* the input image (other than below) */
  FM_CLI_ERROR_OUTPUT,      /* the output file or folder */
  FM_CLI_ERROR_MISSING,     /* the input does not exist */
  FM_CLI_ERROR_NOT_IMAGE,   /* no reader takes it */
  FM_CLI_ERROR_TRUNCATED,   /* the file ends before the image does */
  FM_CLI_ERROR_DAMAGED,     /* the decoder reports an error in the data */
  FM_CLI_ERROR_TOO_LARGE,   /* over the pixel budget (fm-cli-image.h) */
  FM_CLI_ERROR_UNSUPPORTED, /* a decoder leaves this variant to GEGL (internal) */
  FM_CLI_ERROR_PARTIAL      /* several inputs, some failed: the message is the
                               run's summary, the exit status 1 */
} FmCliError;

#define FM_CLI_EXIT_OK 0
#define FM_CLI_EXIT_SOME_FAILED 1   /* several inputs: some were not written */
#define FM_CLI_EXIT_FAIL 2

/* A word or two for a run's closing summary ("truncated", "not an image"). */
const char *fm_cli_error_reason (const GError *error);

/* Subcommands: argv[0] is the subcommand's name.  Set error and return FALSE
 * on failure. */
gboolean fm_cli_apply (int argc, char **argv, GError **error);
gboolean fm_cli_info (int argc, char **argv, GError **error);
/* `info` for a network (fm-cli-net.c). */
gboolean fm_cli_net_info (const char *path, GError **error);
gboolean fm_cli_presets (int argc, char **argv, GError **error);
gboolean fm_cli_bench (int argc, char **argv, GError **error);
gboolean fm_cli_learn (int argc, char **argv, GError **error); /* fm-cli-learn.c */
/* Reading a deep layer (docs/deep-layers.md). */
gboolean fm_cli_rank (int argc, char **argv, GError **error);    /* fm-cli-rank.c */
gboolean fm_cli_summary (int argc, char **argv, GError **error); /* fm-cli-summary.c */
/* `info MODEL#LAYER --sheet OUT.png` (fm-cli-sheet.c). */
gboolean fm_cli_sheet (const char *spec, const char *path, GError **error);

/* The apply options' help (generated from the option table). */
char *fm_cli_apply_help (void);

/* babl without its cache file: the first call sets BABL_INHIBIT_CACHE
 * around babl_init and keeps that reference for the whole process, so babl
 * neither reads the cache GIMP filled (0.5–1.5 s and 360 MB of lookup-table
 * timing in babl 0.1.98; docs/benchmarks.md, "Start-up") nor rewrites it at
 * exit.  Needed by the colour conversions and by GEGL. */
void fm_cli_babl_start (void);

/* GEGL is started only by the paths that need it (the image formats the
 * command line's own decoders leave), so most runs never load it.  Both
 * are no-ops when not needed. */
void fm_cli_gegl_start (void);
void fm_cli_gegl_stop (void);

/* Around every GEGL load or save: capture stderr (fd 2), since the image
 * libraries print there.  begin returns
 * the saved descriptor for end (-1: nothing captured), end returns what was
 * printed (g_free).  says_error: whether that text reports a failure; its
 * first line then goes to first_line (g_free). */
int fm_cli_quiet_begin (void);
char *fm_cli_quiet_end (int saved);
gboolean fm_cli_quiet_says_error (const char *text, char **first_line);

G_END_DECLS
