/* fm-pdb-params: the PDB signature of plug-in-feature-maps, generated from
 * the option table (fm_option_spec), and the checks that turn raw PDB
 * arguments into FmValues.  docs/design.md fixes the order: run-mode, image,
 * drawable, kernel, then the options in FmOptionId order. */
#pragma once

#include <libgimp/gimp.h>
#include "fm-values.h"

G_BEGIN_DECLS

#define FM_PDB_N_FIXED 4   /* run-mode, image, drawable, kernel */
#define FM_PDB_N_PARAMS (FM_PDB_N_FIXED + FM_N_OPTIONS)

/* Newly allocated; free with fm_pdb_params_free. */
GimpParamDef *fm_pdb_params_new (void);
void fm_pdb_params_free (GimpParamDef *params);

/* new-image, group, num-layers, layer-ids (static). */
const GimpParamDef *fm_pdb_return_values (int *n);

/* Fills values->kernel and values->options from a non-interactive call.
 * Messages name the argument and its allowed values. */
gboolean fm_pdb_params_parse (const GimpParam *params, int n_params,
                              FmValues *values, GError **error);

/* A procedure's reply when error is set: the status (calling or execution
 * error, from the FM_PLUGIN_ERROR code) and the message as the second value,
 * kept in a static buffer since libgimp sends it after run() returns.
 * Frees error.  out needs room for two values. */
void fm_pdb_reply_error (GimpParam *out, gint *n_return, GError *error);

/* Sets a calling error unless n_params is want. */
gboolean fm_pdb_check_count (const char *proc, int n_params, int want, GError **error);

G_END_DECLS
