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
  FM_CLI_ERROR_USAGE,   /* the command line itself */
  FM_CLI_ERROR_INPUT,   /* the input image */
  FM_CLI_ERROR_OUTPUT   /* the output file or folder */
} FmCliError;

#define FM_CLI_EXIT_OK 0
#define FM_CLI_EXIT_FAIL 2

/* Subcommands: argv[0] is the subcommand's name.  Set error and return FALSE
 * on failure. */
gboolean fm_cli_apply (int argc, char **argv, GError **error);
gboolean fm_cli_info (int argc, char **argv, GError **error);
gboolean fm_cli_presets (int argc, char **argv, GError **error);
gboolean fm_cli_bench (int argc, char **argv, GError **error);
gboolean fm_cli_learn (int argc, char **argv, GError **error); /* fm-cli-learn.c */

/* The apply options' help (generated from the option table). */
char *fm_cli_apply_help (void);

/* GEGL is started only by the paths that need it (image files), so .npy
 * runs stay fast.  Both are no-ops when not needed. */
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
