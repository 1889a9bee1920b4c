/* fm-net-prep: the preprocessing presets the dialog offers for a network,
 * and the choice remembered per model, which the procedure then applies
 * too (so OK renders what the preview showed).
 *
 * The choice lives in the user's featuremaps folder, net-preprocessing.json:
 * { "ABSOLUTE MODEL PATH": "imagenet", … }.  A model without an entry (or
 * with "model") keeps what its file or sidecar MODEL.json declares. */
#pragma once

#include <glib.h>
#include "fm-net-graph.h"

G_BEGIN_DECLS

typedef enum {
  FM_NET_PREP_MODEL,     /* what the model or its sidecar declares */
  FM_NET_PREP_UNIT,      /* 0..1 */
  FM_NET_PREP_IMAGENET,  /* torchvision's ImageNet mean / std on 0..1 */
  FM_NET_PREP_CAFFE,     /* 0..255, BGR, Caffe's ImageNet means */
  FM_NET_PREP_SIGNED,    /* −1..1 */
  FM_NET_PREP_N
} FmNetPrep;

#define FM_NET_PREP_FILE "net-preprocessing.json"

const char *fm_net_prep_key (FmNetPrep prep);    /* "model", "0..1", … */
const char *fm_net_prep_label (FmNetPrep prep);  /* for people */
gboolean fm_net_prep_from_key (const char *key, FmNetPrep *prep);

/* The declaration a preset means; FALSE for MODEL (the model's own). */
gboolean fm_net_prep_decl (FmNetPrep prep, FmInputDecl *decl);
/* Sets graph->decl for any preset but MODEL. */
void fm_net_prep_apply (FmNetPrep prep, FmNetGraph *graph);

/* The remembered choice (MODEL when none, or the file is unreadable). */
FmNetPrep fm_net_prep_recall (const char *user_dir, const char *model_path);
/* Remember (MODEL removes the entry). */
gboolean fm_net_prep_remember (const char *user_dir, const char *model_path,
                               FmNetPrep prep, GError **error);

G_END_DECLS
