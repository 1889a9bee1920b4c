/* fm-dialog-net-view: the dialog's network panel — the model's layers, the
 * picked layer's channels ranked by their activation on the preview's
 * rectangle, its filters, and the preprocessing preset.  Shown instead of
 * the kernel editor while the kernel is a network.
 *
 * The fm_dialog_model_net_* calls are what the panel's widgets do (and what
 * the widget tests call): they change the model's FmDialogNet and tell the
 * listeners (FM_DIALOG_CHANGE_NET, which the preview recomputes on). */
#pragma once

#include "fm-dialog-private.h"
#include "net/fm-dialog-net.h"

G_BEGIN_DECLS

/* ---- model calls (fm-dialog-model-net.c) ---------------------------------- */

void fm_dialog_model_net_set_layers (FmDialogModel *model, const int *layers,
                                     int n);
void fm_dialog_model_net_set_current (FmDialogModel *model, int layer);
/* n 0: all channels of layer */
void fm_dialog_model_net_set_channels (FmDialogModel *model, int layer,
                                       const int *channels, int n);
gboolean fm_dialog_model_net_set_prep (FmDialogModel *model, FmNetPrep prep);

/* ---- the panel (fm-dialog-net-view.c) --------------------------------------- */

enum {
  FM_NET_LAYER_COL_INDEX,     /* int */
  FM_NET_LAYER_COL_NAME,
  FM_NET_LAYER_COL_OP,
  FM_NET_LAYER_COL_CHANNELS,  /* text: "16", "–" when not run */
  FM_NET_LAYER_COL_SCALE,     /* text: total stride "2 × 2" */
  FM_NET_LAYER_COL_TOOLTIP,
  FM_NET_LAYER_COL_RUNS,      /* boolean: featuremaps shows its maps */
  FM_NET_LAYER_N_COLS
};

enum {
  FM_NET_CHANNEL_COL_PICKED,  /* boolean: becomes a layer */
  FM_NET_CHANNEL_COL_CHANNEL, /* int, from 0 */
  FM_NET_CHANNEL_COL_RANK,    /* int, from 1 by mean; 0 before ranking */
  FM_NET_CHANNEL_COL_MEAN,    /* double; NaN before ranking */
  FM_NET_CHANNEL_COL_MAX,
  FM_NET_CHANNEL_N_COLS
};

typedef struct _FmDialogNetView {
  FmDialogModel *model;
  FmDialogSource *source;       /* not owned */
  FmDialogPreview *preview;     /* its rectangle is what the ranking reads */
  GtkWidget *replaces;          /* hidden while a network is shown (the editor) */
  GtkWidget *widget;
  GtkListStore *layer_store;
  GtkWidget *layer_view;
  GtkListStore *channel_store;
  GtkWidget *channel_view, *channel_title, *all_button, *top_button;
  GtkWidget *rank_button, *rank_status;
  GtkWidget *filters_image, *filters_status;
  GtkWidget *summary_image, *summary_status;
  /* the last summary: sw × sh × 3 floats in 0..1 */
  float *summary;
  int summary_w, summary_h;
  GtkWidget *prep_combo;
  GtkWidget *spec_label;        /* the kernel string OK will run */
  gboolean updating;
  /* the last ranking (of rank_layer) */
  gint rank_generation;         /* atomic */
  int rank_running;
  int rank_layer;
  int n_rank;
  FmChannelRank *rank;
  int ranks_done;               /* rankings shown so far (tests wait on it) */
  int shown_layer;              /* whose channels and filters are listed */
  gboolean shown_net;
} FmDialogNetView;

FmDialogNetView *fm_dialog_net_view_new (FmDialogModel *model,
                                         FmDialogSource *source,
                                         FmDialogPreview *preview,
                                         GtkWidget *replaces);
void fm_dialog_net_view_free (FmDialogNetView *view);
/* Show or hide the panel (and what it replaces) for the model's kernel. */
void fm_dialog_net_view_sync (FmDialogNetView *view);
/* Rank the current layer's channels on the preview's rectangle now. */
void fm_dialog_net_view_rank (FmDialogNetView *view);
gboolean fm_dialog_net_view_busy (FmDialogNetView *view);
/* Select layers in the list as clicks would (indices into the listing). */
void fm_dialog_net_view_select_layers (FmDialogNetView *view,
                                       const int *layers, int n);
/* Click a channel's check box (the row of channel c). */
void fm_dialog_net_view_toggle_channel (FmDialogNetView *view, int channel);

/* ---- shared by the panel's files ------------------------------------------ */

#define NET_LIST_WIDTH 330   /* the panel's lists and pictures, pixels */

/* fm-dialog-net-channels.c */
GtkWidget *fm_dialog_net_channels_section (FmDialogNetView *view);
void fm_dialog_net_channels_fill (FmDialogNetView *view);
/* explained NULL with no summary (error: why, or NULL) */
void fm_dialog_net_view_show_summary (FmDialogNetView *view,
                                      const double explained[3],
                                      const char *error);
/* fm-dialog-net-view.c */
GtkWidget *fm_dialog_net_scrolled (GtkWidget *child, int width, int height);
void fm_dialog_net_text_column (GtkWidget *view, const char *title, int col,
                                int sort);

G_END_DECLS
