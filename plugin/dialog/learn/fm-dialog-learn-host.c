/* fm-dialog-learn-host: the learning windows' layers inside GIMP — the
 * image's layers by name, read as plug-in-feature-maps-learn reads them
 * (fm-learn-run.h), through fm-host.h so both hosts build this file. */
#include "fm-dialog-learn.h"
#include "fm-learn-run.h"

typedef struct {
  FmItemId image;
  FmItemId *ids;
} HostData;

static void
host_free (gpointer data)
{
  HostData *hd = data;
  g_free (hd->ids);
  g_free (hd);
}

static gboolean
host_read (FmDialogLayers *layers, int i, gboolean in_selection, FmLearnImage *img,
           float **pixels, GError **error)
{
  HostData *hd = layers->data;
  *pixels = fm_learn_read_drawable (hd->ids[i], in_selection, img);
  if (*pixels)
    return TRUE;
  if (in_selection && img->width == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "The selection does not touch layer '%s': select part of it, or "
                 "nothing to learn from all of it.", (char *) layers->names->pdata[i]);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                 "Not enough memory for the pixels of layer '%s'.",
                 (char *) layers->names->pdata[i]);
  return FALSE;
}

static gboolean
host_mask (FmDialogLayers *layers, int i, FmLearnImage *mask, float **pixels)
{
  HostData *hd = layers->data;
  *mask = (FmLearnImage) { 0 };
  *pixels = fm_learn_read_selection (hd->image, hd->ids[i], mask);
  return *pixels != NULL;
}

FmDialogLayers *
fm_dialog_layers_new_host (gint32 image, gint32 drawable)
{
  FmDialogLayers *layers = g_new0 (FmDialogLayers, 1);
  HostData *hd = g_new0 (HostData, 1);
  int n = 0;
  hd->image = image;
  hd->ids = fm_host_image_layers (image, &n);
  layers->names = g_ptr_array_new_with_free_func (g_free);
  layers->current = -1;
  FmItemId layer = fm_host_layer_of (drawable);
  for (int i = 0; i < n; i++)
    {
      g_ptr_array_add (layers->names, fm_host_item_get_name (hd->ids[i]));
      if (hd->ids[i] == layer)
        layers->current = i;
    }
  layers->read = host_read;
  layers->read_mask = host_mask;
  layers->data = hd;
  layers->destroy = host_free;
  return layers;
}
