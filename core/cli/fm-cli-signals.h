/* fm-cli-signals: no temporary output left behind when the command line
 * is interrupted.
 *
 * Outputs are written under a temporary name (.maps.npy.XXXXXX, a folder
 * .maps.XXXXXX/) and renamed when complete.  SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT remove the temporaries registered here — a folder with whatever
 * is inside it — then end the process by the same signal with its default
 * action, so the shell sees the conventional status (128 + signal number:
 * 130 for Ctrl-C, 143 for kill).  The handler does only what is
 * async-signal-safe (unlink, getdents, rmdir, raise) on paths copied
 * beforehand into static storage.
 *
 * While outputs are being committed (the renames into place), a signal is
 * held until the commit ends, so an output is either complete or absent. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Installs the handlers (once, before any temporary exists). */
void fm_cli_signals_install (void);

/* Registers a temporary file (is_dir FALSE) or folder; returns its slot,
 * or −1 when the path is too long to keep (then it is only removed by the
 * normal error path). */
int fm_cli_temp_add (const char *path, gboolean is_dir);

/* The temporary is gone (renamed into place, or removed): forget it. */
void fm_cli_temp_forget (int slot);

/* Around the renames that put outputs in place: a signal that arrives in
 * between is acted on at commit_end. */
void fm_cli_commit_begin (void);
void fm_cli_commit_end (void);

G_END_DECLS
