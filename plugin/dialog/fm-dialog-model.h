/* fm-dialog-model: the dialog's state without widgets — the working copy of
 * the bank, the selected filter and channel, the options, and what is wrong.
 *
 * Widgets change the state only through these functions and redraw from it
 * when it tells them what changed, so the tests can drive the dialog through
 * the same calls the widgets make.  No convolution arithmetic lives here:
 * checks are the core's (fm_bank_validate, fm_options_validate, fm_job_new).
 */
#pragma once

#include <glib.h>
#include "fm-bank.h"
#include "fm-job.h"

G_BEGIN_DECLS

#define FM_DIALOG_MAX_GRID 15   /* larger kernels are shown read-only */
#define FM_DIALOG_LAST_EDIT ".last-edit.json"

typedef enum {
  FM_DIALOG_CHANGE_BANK    = 1 << 0, /* another bank: everything */
  FM_DIALOG_CHANGE_SHAPE   = 1 << 1, /* size, channels or number of filters */
  FM_DIALOG_CHANGE_WEIGHTS = 1 << 2, /* weights, bias, divisor */
  FM_DIALOG_CHANGE_SELECT  = 1 << 3, /* selected filter or channel */
  FM_DIALOG_CHANGE_NAMES   = 1 << 4, /* bank or filter names */
  FM_DIALOG_CHANGE_OPTIONS = 1 << 5,
  FM_DIALOG_CHANGE_STATUS  = 1 << 6, /* error or note text */
  FM_DIALOG_CHANGE_PRESETS = 1 << 7, /* the user folder gained a bank */
  FM_DIALOG_CHANGE_NET     = 1 << 12, /* a network's layers, channels or input */
} FmDialogChange;

/* What changes the maps (the preview recomputes on these). */
#define FM_DIALOG_CHANGE_MAPS (FM_DIALOG_CHANGE_BANK | FM_DIALOG_CHANGE_SHAPE | \
                               FM_DIALOG_CHANGE_WEIGHTS | FM_DIALOG_CHANGE_OPTIONS | \
                               FM_DIALOG_CHANGE_NET)

typedef struct _FmDialogModel FmDialogModel;
typedef void (*FmDialogListener) (FmDialogModel *model, guint changes,
                                  gpointer data);

struct _FmDialogModel {
  FmBank *bank;          /* the working copy; NULL until one loads */
  char *spec;            /* what it was loaded from (preset name, path, inline) */
  gboolean edited;       /* differs from spec: saved as .last-edit.json on OK */
  int filter, channel;   /* selected in the editor */
  FmOptions options;
  char *user_dir;        /* the user's banks: where "Save bank…" writes */
  FmImageInfo image;     /* the whole source image (for the job checks) */
  gboolean float_image;  /* the source can hold values outside 0..1 */

  char *load_error;      /* the last load that failed, until another succeeds */
  char *entry_error;     /* an editor entry that does not parse */
  char *error;           /* what the dialog shows; NULL = OK may be pressed */
  char *note;            /* a remark that is not an error (an option changed) */

  GArray *listeners;
  /* A network instead of a bank (bank NULL): its layers and picks
   * (net/fm-dialog-net.h); the kernel is then MODEL#LAYER[…]. */
  struct _FmDialogNet *net;
};

FmDialogModel *fm_dialog_model_new (const char *user_dir,
                                    const FmImageInfo *image,
                                    gboolean float_image,
                                    const FmOptions *options);
void fm_dialog_model_free (FmDialogModel *model);

void fm_dialog_model_add_listener (FmDialogModel *model,
                                   FmDialogListener func, gpointer data);

/* Load a preset name, file (path[:layout]) or inline matrix.  With
 * apply_defaults, the bank's "defaults" replace the current options (a bank
 * picked in the chooser; not the one restored from last values).  On failure
 * the previous bank stays but the error blocks OK. */
gboolean fm_dialog_model_load (FmDialogModel *model, const char *spec,
                               gboolean apply_defaults, GError **error);
gboolean fm_dialog_model_load_file (FmDialogModel *model, const char *path,
                                    FmWeightsLayout layout, GError **error);

/* Selection */
void fm_dialog_model_select (FmDialogModel *model, int filter);
void fm_dialog_model_set_channel (FmDialogModel *model, int channel);
const FmFilter *fm_dialog_model_current (const FmDialogModel *model);

/* Edits (all on the working copy; each marks the bank edited). */
float fm_dialog_model_get_weight (const FmDialogModel *model, int filter,
                                  int y, int x, int c);
void fm_dialog_model_set_weight (FmDialogModel *model, int filter, int y,
                                 int x, int c, float value);
void fm_dialog_model_set_bias (FmDialogModel *model, int filter, float bias);
void fm_dialog_model_set_divisor (FmDialogModel *model, int filter,
                                  double divisor);
void fm_dialog_model_normalize (FmDialogModel *model, int filter);
gboolean fm_dialog_model_can_rotate (const FmDialogModel *model,
                                     char **reason);
gboolean fm_dialog_model_rotate (FmDialogModel *model, int filter,
                                 gboolean clockwise);
void fm_dialog_model_flip (FmDialogModel *model, int filter,
                           gboolean horizontal);
/* Every filter, kept centred: cells added are 0, cells outside dropped. */
void fm_dialog_model_resize (FmDialogModel *model, int kh, int kw);
int fm_dialog_model_add_filter (FmDialogModel *model);        /* its index */
int fm_dialog_model_duplicate_filter (FmDialogModel *model, int filter);
gboolean fm_dialog_model_remove_filter (FmDialogModel *model, int filter);
void fm_dialog_model_rename_filter (FmDialogModel *model, int filter,
                                    const char *name);
void fm_dialog_model_set_entry_error (FmDialogModel *model,
                                      const char *message);

/* Options.  Choices that cannot apply are refused with the reason. */
gboolean fm_dialog_model_choice_allowed (const FmDialogModel *model,
                                         FmOptionId id, int value,
                                         char **reason);
gboolean fm_dialog_model_option_applies (const FmDialogModel *model,
                                         FmOptionId id, char **reason);
gboolean fm_dialog_model_set_option (FmDialogModel *model, FmOptionId id,
                                     int value);

/* "Save bank…": name becomes the bank's title, its file stem (lower case,
 * '-' for anything else) the preset name; the saved bank is then the
 * current preset.  Returns the path. */
char *fm_dialog_model_save (FmDialogModel *model, const char *name,
                            GError **error);
char *fm_dialog_model_preset_stem (const char *name);

/* OK: the kernel string for FmValues (an edited bank is written to
 * user_dir/.last-edit.json first).  NULL with error when nothing valid. */
char *fm_dialog_model_commit (FmDialogModel *model, gsize max_len,
                              GError **error);

gboolean fm_dialog_model_is_valid (const FmDialogModel *model);

/* Tell the listeners (and recheck validity) after a change made outside
 * this file (net/fm-dialog-model-net.c). */
void fm_dialog_model_changed (FmDialogModel *model, guint changes);

/* A remark for the status row (not an error; cleared by the next edit). */
void fm_dialog_model_set_note (FmDialogModel *model, const char *note);

G_END_DECLS
