/* fm-layers-write: creating, filling and inserting the map layers.
 *
 * Values are written in each layer's own model and TRC ("TRC trap" in
 * docs/gimp-notes.md): a gamma layer gets R'G'B'A / Y'A, a linear one RGBA / YA, so
 * babl only changes the sample type and what is stored equals what the core
 * computed (a raw 3.0 in a float image reads back 3.0). */
#include "fm-layers-write.h"

#include <string.h>
#include "fm-plugin-errors.h"

static gboolean
format_is_perceptual (const Babl *format)
{
  return strchr (babl_get_name (babl_format_get_model (format)), '\'') != NULL;
}

/* The group goes right above the source in the source's own stack. */
static void
placement (FmItemId image, FmItemId drawable, FmItemId *parent, int *position)
{
  FmItemId item = fm_host_layer_of (drawable);
  *parent = 0;
  *position = 0;
  if (item > 0 && fm_host_item_is_layer (item))
    {
      FmItemId p = fm_host_item_get_parent (item);
      *parent = p > 0 ? p : 0;
      *position = MAX (fm_host_image_item_position (image, item), 0);
    }
}

gboolean
fm_layer_target_create (FmLayerTarget *t, FmItemId image,
                        const FmDrawableSource *src, const FmJob *job,
                        const char *bank_name, FmDestination destination,
                        GError **error)
{
  const FmConvGeometry *g = fm_job_geometry (job);
  int off_x = src->x + g->offset_x, off_y = src->y + g->offset_y;

  *t = (FmLayerTarget) { .src_image = image, .src_drawable = src->drawable,
                         .destination = destination, .group = -1 };
  t->n_layers = fm_job_n_layers (job);
  t->map_channels = fm_job_layer_channels (job);
  t->out_w = g->out_w;
  t->layers = g_new (FmItemId, t->n_layers);
  t->buffers = g_new0 (GeglBuffer *, t->n_layers);
  for (int k = 0; k < t->n_layers; k++)
    t->layers[k] = -1;

  const char *format_name;
  gboolean colour;
  if (destination == FM_DESTINATION_IMAGE)
    {
      /* Float linear, no alpha: the stored value is the computed one. */
      colour = t->map_channels == 3;
      int w = fm_host_drawable_width (src->drawable), h = fm_host_drawable_height (src->drawable);
      t->image = fm_host_image_new_float (w, h, colour);
      if (t->image <= 0)
        goto gimp_failed;
      format_name = colour ? "RGB float" : "Y float";
      t->alpha = FALSE;
    }
  else
    {
      int ox, oy;
      fm_host_drawable_offsets (src->drawable, &ox, &oy);
      off_x += ox;
      off_y += oy;
      t->image = image;
      colour = fm_host_image_is_rgb (image);
      format_name = NULL;   /* known once a layer exists */
      t->alpha = TRUE;

      t->group = fm_host_group_new (image, bank_name);
      if (t->group <= 0)
        goto gimp_failed;
    }

  for (int k = 0; k < t->n_layers; k++)
    {
      t->layers[k] = fm_host_layer_new (t->image, fm_job_layer_name (job, k),
                                        g->out_w, g->out_h, colour, t->alpha);
      if (t->layers[k] <= 0)
        goto gimp_failed;
      fm_host_layer_set_offsets (t->layers[k], off_x, off_y);
      /* Over the photo the maps arrive hidden: an opaque map would cover
       * it, and only the top one would show anyway.  The group stays
       * visible, so one click on a map's eye shows that map. */
      if (destination == FM_DESTINATION_LAYERS)
        fm_host_item_set_visible (t->layers[k], FALSE);
    }

  const Babl *layer_format = fm_host_drawable_format (t->layers[0]);
  if (!format_name)
    {
      gboolean gamma = format_is_perceptual (layer_format);
      format_name = colour ? (gamma ? "R'G'B'A float" : "RGBA float")
                           : (gamma ? "Y'A float" : "YA float");
    }
  t->format = babl_format_with_space (format_name, layer_format);
  t->write_channels = babl_format_get_n_components (t->format);

  for (int k = 0; k < t->n_layers; k++)
    t->buffers[k] = fm_host_drawable_buffer (t->layers[k]);
  return TRUE;

gimp_failed:
  g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
               "could not create the map layers: %s", fm_host_last_error ());
  return FALSE;
}

gboolean
fm_layer_target_write (gpointer user_data, int layer, int y0, int n_rows,
                       const float *pixels, GError **error)
{
  FmLayerTarget *t = user_data;
  (void) error;
  gsize n_pixels = (gsize) n_rows * t->out_w;
  const float *data = pixels;

  if (t->write_channels != t->map_channels)
    {
      /* Grey maps in a colour layer are replicated, alpha is opaque: the
       * layer is exactly the map's size, so no pixel of it is "outside". */
      gsize need = n_pixels * t->write_channels;
      if (need > t->scratch_len)
        {
          g_free (t->scratch);
          t->scratch = g_new (float, need);
          t->scratch_len = need;
        }
      int colours = t->write_channels - (t->alpha ? 1 : 0);
      for (gsize i = 0; i < n_pixels; i++)
        {
          float *o = t->scratch + i * t->write_channels;
          const float *p = pixels + i * t->map_channels;
          for (int c = 0; c < colours; c++)
            o[c] = t->map_channels == 1 ? p[0] : p[c];
          if (t->alpha)
            o[colours] = 1.0f;
        }
      data = t->scratch;
    }

  gegl_buffer_set (t->buffers[layer], GEGL_RECTANGLE (0, y0, t->out_w, n_rows),
                   0, t->format, data, GEGL_AUTO_ROWSTRIDE);
  return TRUE;
}

static void
close_buffers (FmLayerTarget *t)
{
  for (int k = 0; t->buffers && k < t->n_layers; k++)
    g_clear_object (&t->buffers[k]);   /* the last unref flushes tiles to GIMP */
}

gboolean
fm_layer_target_commit (FmLayerTarget *t, GError **error)
{
  close_buffers (t);

  gboolean ok = TRUE;
  if (t->destination == FM_DESTINATION_IMAGE)
    {
      for (int k = 0; ok && k < t->n_layers; k++)
        if ((ok = fm_host_image_insert_layer (t->image, t->layers[k], 0, k)))
          t->layers_attached = k + 1;
      if (ok)
        fm_host_image_undo_enable (t->image);
    }
  else
    {
      FmItemId parent;
      int position;
      placement (t->image, t->src_drawable, &parent, &position);

      fm_host_undo_group_start (t->image);
      fm_host_freeze_layers (t->image);
      ok = fm_host_image_insert_layer (t->image, t->group, parent, position);
      for (int k = 0; ok && k < t->n_layers; k++)
        ok = fm_host_image_insert_layer (t->image, t->layers[k], t->group, k);
      if (!ok)
        {
          /* Removing the group takes the layers already inside with it;
           * fm_layer_target_clear deletes those never inserted. */
          if (fm_host_item_is_valid (t->group) && fm_host_item_get_image (t->group) == t->image
              && fm_host_image_item_position (t->image, t->group) >= 0)
            {
              for (int k = 0; k < t->n_layers; k++)
                if (fm_host_item_get_parent (t->layers[k]) == t->group)
                  t->layers[k] = -1;
              fm_host_image_remove_layer (t->image, t->group);
              t->group = -1;
            }
        }
      else
        {
          /* Inserting made the group the active layer; the source stays
           * the one the user works on. */
          FmItemId src_layer = fm_host_layer_of (t->src_drawable);
          if (fm_host_item_is_layer (src_layer))
            fm_host_image_select_layer (t->image, src_layer);
        }
      fm_host_thaw_layers (t->image);
      fm_host_undo_group_end (t->image);
    }

  if (!ok)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                   "could not add the map layers: %s", fm_host_last_error ());
      return FALSE;
    }
  t->inserted = TRUE;
  return TRUE;
}

void
fm_layer_target_clear (FmLayerTarget *t)
{
  close_buffers (t);
  if (!t->inserted)
    {
      for (int k = t->layers_attached; t->layers && k < t->n_layers; k++)
        if (t->layers[k] > 0)
          fm_host_item_delete (t->layers[k]);
      if (t->destination == FM_DESTINATION_IMAGE)
        {
          if (t->image > 0)
            fm_host_image_delete (t->image);
        }
      else if (t->group > 0)
        fm_host_item_delete (t->group);
    }
  g_clear_pointer (&t->layers, g_free);
  g_clear_pointer (&t->buffers, g_free);
  g_clear_pointer (&t->scratch, g_free);
}
