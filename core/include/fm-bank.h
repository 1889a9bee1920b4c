/* fm-bank: a bank of filters, as a designer or a network defines it, and the
 * readers that make one (JSON bank file, inline matrix, .npy / .npz learned
 * weights, preset name).  The JSON schema is documented in docs/kernels.md.
 *
 * A bank's filters all share one shape kh × kw × channels (the engine runs
 * them as one plan); weights are stored as Keras orders them: rows × cols ×
 * channels, channels fastest.
 */
#pragma once

#include <glib.h>
#include "fm-options.h"
#include "fm-input-decl.h"

G_BEGIN_DECLS

#define FM_BANK_ERROR (fm_bank_error_quark ())
GQuark fm_bank_error_quark (void);

typedef enum {
  FM_BANK_ERROR_PARSE,      /* malformed text / binary */
  FM_BANK_ERROR_INVALID,    /* well-formed but breaks a rule (shape, NaN, …) */
  FM_BANK_ERROR_NOT_FOUND,  /* no such preset or file */
  FM_BANK_ERROR_TOO_LARGE   /* absurd sizes */
} FmBankError;

typedef enum {
  FM_LAYOUT_AUTO, /* the documented rule in docs/kernels.md */
  FM_LAYOUT_HWIO, /* Keras: kh, kw, C, K  (1-D: k, C, K) */
  FM_LAYOUT_OIHW  /* PyTorch: K, C, kh, kw (1-D: K, C, k) */
} FmWeightsLayout;

typedef struct {
  char *name;           /* "vertical" */
  float *weights;       /* kh × kw × channels, as read (divisor not applied) */
  float bias;
  double divisor;       /* 1.0 when none; "normalize": true sets it to the sum */
  double offset;        /* added after the division (GIMP's Convolution Matrix offset) */
} FmFilter;

typedef struct {
  char *name;           /* "Line detectors" */
  char *description;
  char *kind;           /* dialog grouping: "lines-edges", "blur-sharpen", "emboss", "learned", "other" */
  char *origin;         /* the file path or "inline"; NULL for banks built in memory */

  int kh, kw, channels; /* channels = C of every filter (1, 3, 4 or any for learned) */
  int n_filters;
  FmFilter *filters;    /* n_filters entries */

  /* Input declaration: how pixels become the C channels the weights expect
   * (fm_bank_input_decl hands the declaration part to fm-input as an
   * FmInputDecl, the form networks declare theirs in). */
  FmInputMode input;    /* AUTO when not declared: 1 → luminance, 3 → rgb, 4 → rgba */
  gboolean convolve;    /* "mode": "convolve" */
  gboolean linear;      /* "light": "linear" (default perceptual / sRGB-encoded) */
  gboolean bgr;         /* "order": "bgr" */
  double range;         /* 1.0 ("0..1", default) or 255.0 ("0..255") */
  int n_mean, n_std;    /* 0, 1 (all channels) or channels values */
  double mean[4], std[4]; /* applied as (v · range − mean) / std */

  /* Bank-wide step; 0 = not declared (the run options decide). */
  int stride_y, stride_x, dilation_y, dilation_x;

  /* "defaults": a value per option of the option table, −1 = not declared;
   * only options whose FmOptionSpec says bank_default (padding, border,
   * activation, mapping) may be declared.  fm_bank_apply_defaults puts
   * them into a run's options. */
  int defaults[FM_N_OPTIONS];
} FmBank;

FmBank *fm_bank_new (const char *name, int kh, int kw, int channels, int n_filters); /* zero weights */
FmBank *fm_bank_copy (const FmBank *bank);
void fm_bank_free (FmBank *bank);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FmBank, fm_bank_free)

/* The bank's input declaration (light, order, range, mean, std). */
void fm_bank_input_decl (const FmBank *bank, FmInputDecl *decl);

/* The bank's declared defaults into opts, for the options the user has
 * not chosen: keep (indexed by FmOptionId, may be NULL) marks the options
 * to leave alone (CLI: given on the command line, or mapping for a .npy
 * output; dialog: none, when a bank is picked).  FALSE with error when a
 * value is out of range (a bank that passed fm_bank_validate never is). */
gboolean fm_bank_apply_defaults (const FmBank *bank, FmOptions *opts,
                                 const gboolean *keep, GError **error);

/* Every rule (finite weights, divisor ≠ 0, shapes, limits).  The loaders
 * call it; an editor calls it before running. */
gboolean fm_bank_validate (const FmBank *bank, GError **error);

/* The one entry point of every front end.  spec is:
 *   a path ending in .json / .npy / .npz, optionally with ":hwio" / ":oihw";
 *   "x.npz#LAYER" (optionally ":hwio" / ":oihw" after it): one layer of a
 *   state dict;
 *   an inline matrix "0,1,0; 0,1,0; 0,1,0" (rows by ';', filters by '|');
 *   else a preset name, looked up with fm_presets_find(user_dir, …). */
FmBank *fm_bank_load (const char *spec, const char *user_dir, GError **error);

FmBank *fm_bank_from_json_data (const char *data, gssize length,
                                const char *origin, GError **error);
FmBank *fm_bank_from_json_file (const char *path, GError **error);
FmBank *fm_bank_from_inline (const char *text, GError **error);
FmBank *fm_bank_from_weights_file (const char *path, FmWeightsLayout layout,
                                   GError **error);
/* One layer of an .npz state dict ("conv2" picks conv2.weight and
 * conv2.bias; docs/kernels.md); member NULL is fm_bank_from_weights_file. */
FmBank *fm_bank_from_weights_member (const char *path, const char *member,
                                     FmWeightsLayout layout, GError **error);
/* The AUTO rule for 3-D and 4-D learned weights (docs/kernels.md): never
 * returns FM_LAYOUT_AUTO. */
FmWeightsLayout fm_bank_guess_layout (int ndim, const gsize *shape);
char *fm_bank_to_json (const FmBank *bank);
gboolean fm_bank_save_json (const FmBank *bank, const char *path, GError **error);

/* Engine-ready weights for one resolved channel count: K × kh × kw × C
 * (OHWI) with the divisor applied, and bias + offset per filter.
 * Returns newly allocated arrays (g_free). */
void fm_bank_pack (const FmBank *bank, float **weights, float **bias);

/* Presets.  Search order: user_dir (NULL: $XDG_DATA_HOME/featuremaps), then
 * each folder of $FEATUREMAPS_PRESET_PATH (colon-separated), then the
 * installed presets folder(s): extra_dirs if given, FM_PRESETS_DIR and
 * (for an uninstalled build) the source tree's presets/. */
typedef struct {
  char *name;        /* file stem: "sobel" (what the user types) */
  char *path;
  char *title;       /* the bank's "name": "Sobel" */
  char *description;
  char *kind;
  char *where;       /* "user", "shared" or "installed" */
} FmPresetInfo;

void fm_presets_set_installed_dirs (const char *const *dirs); /* plug-in: beside its binary */
char **fm_presets_search_path (const char *user_dir);          /* g_strfreev */
char *fm_presets_find (const char *name, const char *user_dir, GError **error);
GPtrArray *fm_presets_list (const char *user_dir);             /* of FmPresetInfo*, owns them */
void fm_preset_info_free (FmPresetInfo *info);

G_END_DECLS
