/* fm-dialog-private: the dialog's parts, visible to each other and to the
 * widget tests (tests/dialog), which drive them as a user would. */
#pragma once

#include <gegl.h>               /* before gimpwidgets: docs/gimp-notes.md */
#include <gtk/gtk.h>
#include <libgimpwidgets/gimpwidgets.h>

#include "fm-gtk-compat.h"

#include "fm-dialog-model.h"
#include "fm-dialog-source.h"
#include "fm-values.h"

G_BEGIN_DECLS

/* ---- thumbnails and the weight colour scale (fm-dialog-thumb.c) -------- */

/* t in -1..1: blue for negative, near-white for 0, red for positive (a
 * diverging scale, so the sign of a weight reads at a glance). */
void fm_dialog_diverging (double t, guchar rgb[3]);
/* max |w| of a filter over all channels (1 for an all-zero filter). */
double fm_dialog_filter_scale (const FmBank *bank, int filter);
/* One filter, size × size pixels, channels summed. */
GdkPixbuf *fm_dialog_thumb_filter (const FmBank *bank, int filter, int size);
/* Up to max_filters thumbnails side by side. */
GdkPixbuf *fm_dialog_thumb_strip (const FmBank *bank, int size,
                                  int max_filters);

/* ---- bank chooser (fm-dialog-chooser.c) -------------------------------- */

enum {
  FM_CHOOSER_COL_TITLE,   /* markup */
  FM_CHOOSER_COL_NAME,    /* preset name; NULL on a group row */
  FM_CHOOSER_COL_PATH,
  FM_CHOOSER_COL_THUMB,
  FM_CHOOSER_COL_TOOLTIP,
  FM_CHOOSER_N_COLS
};

typedef struct {
  FmDialogModel *model;
  GtkWidget *widget;
  GtkTreeStore *store;
  GtkWidget *view;
  GtkWidget *load_button;
  GtkCellRenderer *title_cell;
  gboolean updating;
} FmDialogChooser;

FmDialogChooser *fm_dialog_chooser_new (FmDialogModel *model);
void fm_dialog_chooser_free (FmDialogChooser *chooser);
void fm_dialog_chooser_refresh (FmDialogChooser *chooser);
/* Select a preset row as a click would (loads it). */
gboolean fm_dialog_chooser_select (FmDialogChooser *chooser, const char *name);
/* The group title a preset is listed under, NULL when not listed. */
char *fm_dialog_chooser_group_of (FmDialogChooser *chooser, const char *name);
/* Whether the file dialog's answer is a file to load (not nothing, not a
 * folder). */
gboolean fm_dialog_chooser_file_ok (const char *path);
/* What "Load kernel file…" does after its file dialog. */
gboolean fm_dialog_chooser_load_file (FmDialogChooser *chooser,
                                      const char *path,
                                      FmWeightsLayout layout);

/* ---- kernel editor (fm-dialog-editor.c) -------------------------------- */

typedef struct {
  FmDialogModel *model;
  GtkWidget *widget;
  GtkWidget *filter_combo, *name_entry;
  GtkWidget *add_button, *duplicate_button, *remove_button;
  GtkWidget *rows_spin, *cols_spin, *channel_combo, *channel_label;
  GtkWidget *rotate_ccw, *rotate_cw, *flip_h, *flip_v;
  GtkWidget *grid_frame, *table, *grid_note;
  GtkWidget *cells[FM_DIALOG_MAX_GRID][FM_DIALOG_MAX_GRID];
  int grid_h, grid_w;     /* cells shown */
  int grid_y0, grid_x0;   /* kernel cell of the top-left entry */
  gboolean read_only;     /* kernel larger than the grid */
  GtkWidget *bias_entry, *divisor_entry, *normalize_button, *save_button;
  gboolean updating;      /* filling widgets from the model */
} FmDialogEditor;

#define FM_DIALOG_CELL_CHARS   8    /* a weight shows at most 8 characters */
#define FM_DIALOG_SCALAR_CHARS 9    /* bias, divisor */
#define FM_DIALOG_GRID_WIDTH   420  /* the grid's fixed window, pixels */
#define FM_DIALOG_GRID_HEIGHT  190

FmDialogEditor *fm_dialog_editor_new (FmDialogModel *model);
/* v in at most max_chars characters (the most digits that fit). */
void fm_dialog_format_number (double v, int max_chars, char *buf, gsize size);
/* "grey", "red", … for channel c of a bank with that many; NULL past 4. */
const char *fm_dialog_channel_name (int channels, int c);
void fm_dialog_editor_free (FmDialogEditor *editor);
/* What "Save bank…" does after asking for the name. */
char *fm_dialog_editor_save (FmDialogEditor *editor, const char *name,
                             GError **error);

/* ---- option widgets (fm-dialog-options.c) ------------------------------ */

typedef struct {
  FmDialogModel *model;
  GtkWidget *widget;
  GtkWidget *controls[FM_N_OPTIONS]; /* GimpIntComboBox or GtkSpinButton */
  GtkWidget *labels[FM_N_OPTIONS];
  gboolean updating;
} FmDialogOptions;

FmDialogOptions *fm_dialog_options_new (FmDialogModel *model);
void fm_dialog_options_free (FmDialogOptions *options);
/* Set a control's value as the user would (through its widget). */
void fm_dialog_options_set (FmDialogOptions *options, FmOptionId id,
                            int value);

/* ---- preview and contact sheet (fm-dialog-preview.c) ------------------- */

#define FM_PREVIEW_SIZE 240  /* the selected map, 1:1 */
#define FM_SHEET_SIZE   88   /* each map on the contact sheet */
#define FM_PREVIEW_DEBOUNCE_MS 300
#define FM_PREVIEW_STATUS_HEIGHT 48 /* the status under the map, three lines */
/* Up to this many pixels the preview reads the whole image, so that the
 * stretching mappings use the range the result will use (4 MP: 64 MB of
 * RGBA floats, a fraction of a second per change in a worker). */
#define FM_PREVIEW_WHOLE_MAX ((gsize) 4 << 20)

typedef struct _FmDialogPreview FmDialogPreview;
typedef void (*FmPreviewDone) (FmDialogPreview *preview, gpointer data);

struct _FmDialogPreview {
  FmDialogModel *model;
  FmDialogSource *source;       /* not owned */
  GtkWidget *widget;
  GtkWidget *area, *title, *status;
  GtkWidget *sheet_box, *sheet_table;
  GPtrArray *sheet_areas;       /* GimpPreviewArea per map */
  int crop_x, crop_y, crop_w, crop_h;
  float *whole;                 /* the whole source, once a stretch needs it */
  gboolean whole_range;         /* the maps shown use the whole image's range */

  guint debounce_id;
  gint generation;              /* atomic: bumped by each request */
  int running;                  /* jobs not yet reported */
  int renders;                  /* results shown so far */
  gint64 last_ms;               /* time of the last computation */

  /* The last result: n_maps planes of out_h × out_w × layer_channels. */
  int n_maps, out_w, out_h, layer_channels;
  float *maps;
  char **names;

  FmPreviewDone done;
  gpointer done_data;

  gboolean dragging;
  double drag_x, drag_y;
  int drag_crop_x, drag_crop_y;
};

FmDialogPreview *fm_dialog_preview_new (FmDialogModel *model,
                                        FmDialogSource *source);
void fm_dialog_preview_free (FmDialogPreview *preview);
/* Recompute after FM_PREVIEW_DEBOUNCE_MS of quiet (0: now). */
void fm_dialog_preview_schedule (FmDialogPreview *preview, guint delay_ms);
gboolean fm_dialog_preview_busy (FmDialogPreview *preview);
void fm_dialog_preview_set_origin (FmDialogPreview *preview, int x, int y);

/* ---- the whole dialog (fm-dialog.c) ------------------------------------ */

typedef struct {
  GtkWidget *window, *ok_button;
  GtkWidget *error_box, *error_label, *note_label;
  FmDialogModel *model;
  FmDialogSource *source;
  FmDialogChooser *chooser;
  FmDialogEditor *editor;
  FmDialogOptions *options;
  FmDialogPreview *preview;
  struct _FmDialogNetView *net_view;  /* a network's layers (net/) */
  char *snapshot_prefix;     /* FEATUREMAPS_DIALOG_SNAPSHOT */
  gboolean auto_ok;          /* FEATUREMAPS_DIALOG_AUTO_OK */
  gboolean snapshot_done;
} FmDialog;

/* Takes the source.  kernel/options: where to start (last values); a kernel
 * that does not load leaves its message shown and OK insensitive. */
FmDialog *fm_dialog_new (FmDialogSource *source, const char *kernel,
                         const FmOptions *options, const char *user_dir);
void fm_dialog_free (FmDialog *dialog);
/* OK: fill values (saving an edited bank). */
gboolean fm_dialog_commit (FmDialog *dialog, FmValues *values,
                           GError **error);
/* PNGs of the window and its parts: PREFIX-dialog.png, -chooser, -editor,
 * -preview (and -network while a network is shown). */
gboolean fm_dialog_snapshot (FmDialog *dialog, const char *prefix,
                             GError **error);

#define FM_DIALOG_STATUS_HEIGHT 40  /* the error / note row, two lines */

/* ---- help (fm-dialog-help.c) ---------------------------------------------- */

/* The Help button: opens the plug-in's own documentation (docs/plugin.md
 * as installed, or beside the binary in a per-user install). */
void fm_dialog_help (const char *help_id, gpointer help_data);
/* The file it opens; NULL when none is found. */
char *fm_dialog_help_file (void);
/* Test hook: what the last fm_dialog_help call opened (a URI), or NULL. */
const char *fm_dialog_help_last_uri (void);

G_END_DECLS
