/* fm-dialog-learn: the dialog's two learning windows, "Learn from two
 * layers…" (a kernel from a before/after pair) and "Learn filters from this
 * layer…" (a bank from its patches).  Each runs the plug-in's GIMP-free
 * learning (plugin/learn/fm-learn-fit.h), saves the bank in the user's
 * folder, and opens it in the dialog's editor, listed under "Mine", with
 * the fit's quality in the window and in the dialog's status row.
 *
 * The windows read pixels through FmDialogLayers: the image's layers inside
 * GIMP (fm-dialog-learn-host.c, both hosts), in-memory layers in the widget
 * tests (tests/dialog). */
#pragma once

#include "fm-dialog-private.h"
#include "fm-learn-fit.h"

G_BEGIN_DECLS

typedef struct _FmDialogLayers FmDialogLayers;

/* Layer i as perceptual floats in its own channels (fm-job.h's layout),
 * whole or only the selection's bounding box; *pixels is g_free'd by the
 * caller and img->pixels points into it. */
typedef gboolean (*FmDialogLayersRead) (FmDialogLayers *layers, int i,
                                        gboolean in_selection, FmLearnImage *img,
                                        float **pixels, GError **error);
/* The selection under layer i as a one-channel mask of its size: FALSE when
 * nothing is selected. */
typedef gboolean (*FmDialogLayersMask) (FmDialogLayers *layers, int i,
                                        FmLearnImage *mask, float **pixels);

struct _FmDialogLayers {
  GPtrArray *names;          /* one per layer, top of the stack first */
  int current;               /* the layer the dialog runs on; -1: none */
  FmDialogLayersRead read;
  FmDialogLayersMask read_mask;
  gpointer data;
  GDestroyNotify destroy;    /* for data */
};

/* In-memory layers (copies), for tests: all the same image, no selection
 * unless fm_dialog_layers_memory_select gives one. */
FmDialogLayers *fm_dialog_layers_new_memory (void);
void fm_dialog_layers_memory_add (FmDialogLayers *layers, const char *name,
                                  int width, int height, int channels,
                                  const float *pixels);
/* A rectangle selected on every layer (w or h 0: none). */
void fm_dialog_layers_memory_select (FmDialogLayers *layers, int x, int y,
                                     int w, int h);
void fm_dialog_layers_free (FmDialogLayers *layers);

/* Inside GIMP: the image's layers, current = drawable's layer
 * (fm-dialog-learn-host.c; not in the widget tests). */
FmDialogLayers *fm_dialog_layers_new_host (gint32 image, gint32 drawable);

/* ---- the windows ----------------------------------------------------------- */

typedef struct _FmDialogLearn FmDialogLearn;

typedef struct {
  FmDialog *dialog;
  FmDialogLearn *learn;
  gboolean pair;             /* "Learn from two layers…", else patches */
  GtkWidget *window, *learn_button;
  /* pair */
  GtkWidget *before_combo, *after_combo, *mode_combo;
  /* patches */
  GtkWidget *layer_combo, *filters_spin, *method_combo, *seed_spin;
  /* both */
  GtkWidget *rows_spin, *cols_spin, *name_entry;
  GtkWidget *error_box, *error_label, *quality_label, *progress;
  char *error;               /* the last run's failure, NULL when it worked */
  char *quality;             /* the last success's quality text */
  FmLearnRunResult result;   /* the last success */
  gboolean running;
} FmDialogLearnWindow;

struct _FmDialogLearn {
  FmDialog *dialog;
  FmDialogLayers *layers;
  GtkWidget *pair_button, *patches_button;
  FmDialogLearnWindow *pair, *patches;  /* open windows, or NULL */
};

/* Adds the two buttons under the chooser's "Load kernel file…" and takes
 * layers.  Freed with the dialog's window. */
FmDialogLearn *fm_dialog_learn_attach (FmDialog *dialog, FmDialogLayers *layers);
FmDialogLearn *fm_dialog_learn_get (FmDialog *dialog);

/* What the buttons do: open (or raise) the window. */
FmDialogLearnWindow *fm_dialog_learn_open_pair (FmDialogLearn *learn);
FmDialogLearnWindow *fm_dialog_learn_open_patches (FmDialogLearn *learn);
/* What the window's Learn button does: TRUE when a bank was saved and
 * opened in the dialog. */
gboolean fm_dialog_learn_window_run (FmDialogLearnWindow *window);
void fm_dialog_learn_window_close (FmDialogLearnWindow *window);

/* Shared by the two windows (fm-dialog-learn.c). */
FmDialogLearnWindow *fm_dialog_learn_window_new (FmDialogLearn *learn, gboolean pair,
                                                 const char *title);
GtkWidget *fm_dialog_learn_layer_combo (FmDialogLayers *layers, int active);
void fm_dialog_learn_show_error (FmDialogLearnWindow *window, const char *message);
/* After a saved bank: list it, open it in the editor, show quality. */
void fm_dialog_learn_opened (FmDialogLearnWindow *window, const char *quality);
gboolean fm_dialog_learn_progress (gpointer window, double fraction);

gboolean fm_dialog_learn_pair_run (FmDialogLearnWindow *window);
void fm_dialog_learn_pair_build (FmDialogLearnWindow *window, GtkWidget *grid);
gboolean fm_dialog_learn_patches_run (FmDialogLearnWindow *window);
void fm_dialog_learn_patches_build (FmDialogLearnWindow *window, GtkWidget *grid);

G_END_DECLS
