/* fm-dialog-model-net: the model calls behind the network panel. */
#include "net/fm-dialog-net-view.h"

/* Another set of maps: the preview starts again on the first one. */
static void
maps_changed (FmDialogModel *model)
{
  model->filter = 0;
  fm_dialog_model_changed (model, FM_DIALOG_CHANGE_NET | FM_DIALOG_CHANGE_SELECT |
                                  FM_DIALOG_CHANGE_STATUS);
}

void
fm_dialog_model_net_set_layers (FmDialogModel *model, const int *layers, int n)
{
  if (!model->net)
    return;
  fm_dialog_net_set_layers (model->net, layers, n);
  maps_changed (model);
}

void
fm_dialog_model_net_set_current (FmDialogModel *model, int layer)
{
  if (!model->net || layer == model->net->current ||
      !fm_dialog_net_is_picked (model->net, layer))
    return;
  model->net->current = layer;
  fm_dialog_model_changed (model, FM_DIALOG_CHANGE_SELECT);
}

void
fm_dialog_model_net_set_channels (FmDialogModel *model, int layer,
                                  const int *channels, int n)
{
  if (!model->net || !fm_dialog_net_is_picked (model->net, layer))
    return;
  fm_dialog_net_set_channels (model->net, layer, channels, n);
  maps_changed (model);
}

gboolean
fm_dialog_model_net_set_prep (FmDialogModel *model, FmNetPrep prep)
{
  g_autoptr (GError) error = NULL;
  if (!model->net)
    return FALSE;
  /* The preset may apply yet not be remembered (a read-only folder): the
   * maps change either way, and the note says what went wrong. */
  gboolean ok = fm_dialog_net_set_prep (model->net, prep, &error);
  if (!ok)
    fm_dialog_model_set_note (model, error->message);
  fm_dialog_model_changed (model, FM_DIALOG_CHANGE_NET | FM_DIALOG_CHANGE_STATUS);
  return ok;
}
