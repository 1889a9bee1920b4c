/* fm-options: the one table of run options (input mode, padding, border,
 * stride, dilation, activation, mapping, destination).
 *
 * The PDB parameter list, the command line's long options and --help, the
 * dialog's widgets and tooltips and the README table are all generated from
 * fm_option_spec(), so a name, range or help text is written exactly once.
 */
#pragma once

#include <glib.h>
#include "fm-input-decl.h"

G_BEGIN_DECLS

#define FM_OPTIONS_ERROR (fm_options_error_quark ())
GQuark fm_options_error_quark (void);

typedef enum { FM_OPTIONS_ERROR_INVALID } FmOptionsError;

typedef enum {
  FM_INPUT_AUTO,
  FM_INPUT_LUMINANCE,
  FM_INPUT_RGB,
  FM_INPUT_RGBA,
  FM_INPUT_PER_CHANNEL
} FmInputMode;

typedef enum { FM_PADDING_VALID, FM_PADDING_SAME, FM_PADDING_FULL } FmPadding;

typedef enum {
  FM_BORDER_ZERO,
  FM_BORDER_CLAMP,
  FM_BORDER_REFLECT,
  FM_BORDER_WRAP
} FmBorder;

typedef enum {
  FM_ACTIVATION_NONE,
  FM_ACTIVATION_RELU,
  FM_ACTIVATION_LEAKY_RELU, /* slope 0.01 below zero */
  FM_ACTIVATION_ABS,
  FM_ACTIVATION_SIGMOID,
  FM_ACTIVATION_TANH
} FmActivation;

typedef enum {
  FM_MAPPING_RAW,
  FM_MAPPING_CLAMP,
  FM_MAPPING_NORMALIZE,
  FM_MAPPING_NORMALIZE_JOINT,
  FM_MAPPING_ABS_NORMALIZE
} FmMapping;

typedef enum { FM_DESTINATION_LAYERS, FM_DESTINATION_IMAGE } FmDestination;

/* Order = PDB parameter order after run-mode, image, drawable, kernel. */
typedef enum {
  FM_OPT_INPUT_MODE,
  FM_OPT_PADDING,
  FM_OPT_BORDER,
  FM_OPT_STRIDE,
  FM_OPT_DILATION,
  FM_OPT_ACTIVATION,
  FM_OPT_MAPPING,
  FM_OPT_DESTINATION,
  FM_N_OPTIONS
} FmOptionId;

typedef struct {
  const char *name;                /* "input-mode": PDB name, CLI --input-mode, settings key */
  const char *label;               /* "_Input mode" for the dialog (mnemonic) */
  const char *help;                /* one sentence: PDB blurb, --help, tooltip */
  const char *const *choices;      /* NULL-terminated value names for enum options, NULL for integers */
  const char *const *choice_help;  /* one line per choice, same length as choices, or NULL */
  int min, max;                    /* hard range (enums: 0 .. n_choices - 1) */
  int def;                         /* default when nothing else decides */
  gboolean cli;                    /* offered on the command line (destination is GIMP-only) */
  gboolean bank_default;           /* a bank's "defaults" may set it (FmBank.defaults) */
} FmOptionSpec;

typedef struct {
  FmInputMode input_mode;
  FmPadding padding;
  FmBorder border;
  int stride;
  int dilation;
  FmActivation activation;
  FmMapping mapping;
  FmDestination destination;
} FmOptions;

const FmOptionSpec *fm_option_spec (FmOptionId id);

/* Look an option up by its name ("padding"); -1 when unknown. */
int fm_option_find (const char *name);

void fm_options_init (FmOptions *opts); /* every field to its spec default */

int fm_options_get (const FmOptions *opts, FmOptionId id);

/* Range-checked. Message names option, value and the rule, e.g.
 * "padding 7: must be one of 0 valid, 1 same, 2 full" or "stride 0: must be ≥ 1". */
gboolean fm_options_set (FmOptions *opts, FmOptionId id, int value, GError **error);

/* Accepts a value name ("same") or a number ("1"), case-insensitive. */
gboolean fm_options_set_string (FmOptions *opts, FmOptionId id, const char *text, GError **error);

/* Check every field (e.g. a struct filled from raw PDB ints). */
gboolean fm_options_validate (const FmOptions *opts, GError **error);

/* "same" for enums, NULL for integer options or out-of-range values. */
const char *fm_option_value_name (FmOptionId id, int value);

/* "0 valid, 1 same, 2 full" (enums) or "≥ 1" (integers); free with g_free. */
char *fm_option_describe_range (FmOptionId id);

/* ---- Input preparation, given on the command line ----
 *
 * How pixels become the numbers a bank or model expects is part of its
 * declaration (fm-input-decl.h: a bank's JSON, a stack description or
 * sidecar MODEL.json).  These options override one key each, for banks
 * and models alike.  They are not PDB parameters (the plug-in reads the
 * declaration), so they have a table of their own; the command line's
 * long options and --help come from it. */
typedef enum {
  FM_INPUT_OPT_RANGE,
  FM_INPUT_OPT_MEAN,
  FM_INPUT_OPT_STD,
  FM_INPUT_OPT_CHANNEL_ORDER,
  FM_N_INPUT_OPTIONS
} FmInputOptionId;

typedef struct {
  const char *name;      /* "range": --range */
  const char *arg;       /* "0..1|0..255": the value's shape in --help */
  const char *help;      /* one sentence */
} FmInputOptionSpec;

const FmInputOptionSpec *fm_input_option_spec (FmInputOptionId id);

/* Parses text ("0..255", "0.485,0.456,0.406", "bgr") into the one key of
 * decl it overrides; the message names the option and the rule. */
gboolean fm_input_option_apply (FmInputDecl *decl, FmInputOptionId id,
                                const char *text, GError **error);

G_END_DECLS
