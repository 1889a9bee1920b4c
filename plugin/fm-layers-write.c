/* fm-layers-write: creating, filling and inserting the map layers.
 *
 * Values are written in each layer's own model and TRC ("TRC trap" in
 * docs/gimp-notes.md): a gamma layer gets R'G'B'A / Y'A, a linear one RGBA / YA, so
 * babl only changes the sample type and what is stored equals what the core
 * computed (a raw 3.0 in a float image reads back 3.0). */
#include "fm-layers-write.h"

#include <string.h>
#include "fm-plugin-errors.h"

gboolean
fm_image_is_integer (gint32 image)
{
  switch (gimp_image_get_precision (image))
    {
    case GIMP_PRECISION_HALF_LINEAR:
    case GIMP_PRECISION_HALF_GAMMA:
    case GIMP_PRECISION_FLOAT_LINEAR:
    case GIMP_PRECISION_FLOAT_GAMMA:
    case GIMP_PRECISION_DOUBLE_LINEAR:
    case GIMP_PRECISION_DOUBLE_GAMMA:
      return FALSE;
    default:
      return TRUE;
    }
}

static gboolean
format_is_perceptual (const Babl *format)
{
  return strchr (babl_get_name (babl_format_get_model (format)), '\'') != NULL;
}

/* The group goes right above the source in the source's own stack. */
static void
placement (gint32 image, gint32 drawable, gint32 *parent, int *position)
{
  gint32 item = drawable;
  if (gimp_item_is_layer_mask (item))
    item = gimp_layer_from_mask (item);
  *parent = 0;
  *position = 0;
  if (item > 0 && gimp_item_is_layer (item))
    {
      gint32 p = gimp_item_get_parent (item);
      *parent = p > 0 ? p : 0;
      *position = MAX (gimp_image_get_item_position (image, item), 0);
    }
}

gboolean
fm_layer_target_create (FmLayerTarget *t, gint32 image,
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
  t->layers = g_new (gint32, t->n_layers);
  t->buffers = g_new0 (GeglBuffer *, t->n_layers);
  for (int k = 0; k < t->n_layers; k++)
    t->layers[k] = -1;

  GimpImageType type;
  const char *format_name;
  gboolean colour;
  if (destination == FM_DESTINATION_IMAGE)
    {
      /* Float linear, no alpha: the stored value is the computed one. */
      colour = t->map_channels == 3;
      gint w = gimp_drawable_width (src->drawable), h = gimp_drawable_height (src->drawable);
      t->image = gimp_image_new_with_precision (w, h, colour ? GIMP_RGB : GIMP_GRAY,
                                                GIMP_PRECISION_FLOAT_LINEAR);
      if (t->image < 0)
        goto gimp_failed;
      gimp_image_undo_disable (t->image);
      type = colour ? GIMP_RGB_IMAGE : GIMP_GRAY_IMAGE;
      format_name = colour ? "RGB float" : "Y float";
      t->alpha = FALSE;
    }
  else
    {
      gint ox, oy;
      gimp_drawable_offsets (src->drawable, &ox, &oy);
      off_x += ox;
      off_y += oy;
      t->image = image;
      colour = gimp_image_base_type (image) == GIMP_RGB;
      type = colour ? GIMP_RGBA_IMAGE : GIMP_GRAYA_IMAGE;
      format_name = NULL;   /* known once a layer exists */
      t->alpha = TRUE;

      t->group = gimp_layer_group_new (image);
      if (t->group < 0)
        goto gimp_failed;
      gimp_item_set_name (t->group, bank_name);
    }

  for (int k = 0; k < t->n_layers; k++)
    {
      t->layers[k] = gimp_layer_new (t->image, fm_job_layer_name (job, k),
                                     g->out_w, g->out_h, type, 100.0,
                                     GIMP_LAYER_MODE_NORMAL);
      if (t->layers[k] < 0)
        goto gimp_failed;
      gimp_layer_set_offsets (t->layers[k], off_x, off_y);
    }

  const Babl *layer_format = gimp_drawable_get_format (t->layers[0]);
  if (!format_name)
    {
      gboolean gamma = format_is_perceptual (layer_format);
      format_name = colour ? (gamma ? "R'G'B'A float" : "RGBA float")
                           : (gamma ? "Y'A float" : "YA float");
    }
  t->format = babl_format_with_space (format_name, layer_format);
  t->write_channels = babl_format_get_n_components (t->format);

  for (int k = 0; k < t->n_layers; k++)
    t->buffers[k] = gimp_drawable_get_buffer (t->layers[k]);
  return TRUE;

gimp_failed:
  g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
               "could not create the map layers: %s", gimp_get_pdb_error ());
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
        if ((ok = gimp_image_insert_layer (t->image, t->layers[k], 0, k)))
          t->layers_attached = k + 1;
      if (ok)
        gimp_image_undo_enable (t->image);
    }
  else
    {
      gint32 parent;
      int position;
      placement (t->image, t->src_drawable, &parent, &position);

      gimp_image_undo_group_start (t->image);
      gimp_image_freeze_layers (t->image);
      ok = gimp_image_insert_layer (t->image, t->group, parent, position);
      for (int k = 0; ok && k < t->n_layers; k++)
        ok = gimp_image_insert_layer (t->image, t->layers[k], t->group, k);
      if (!ok)
        {
          /* Removing the group takes the layers already inside with it;
           * fm_layer_target_clear deletes those never inserted. */
          if (gimp_item_is_valid (t->group) && gimp_item_get_image (t->group) == t->image
              && gimp_image_get_item_position (t->image, t->group) >= 0)
            {
              for (int k = 0; k < t->n_layers; k++)
                if (gimp_item_get_parent (t->layers[k]) == t->group)
                  t->layers[k] = -1;
              gimp_image_remove_layer (t->image, t->group);
              t->group = -1;
            }
        }
      gimp_image_thaw_layers (t->image);
      gimp_image_undo_group_end (t->image);
    }

  if (!ok)
    {
      g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
                   "could not add the map layers: %s", gimp_get_pdb_error ());
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
          gimp_item_delete (t->layers[k]);
      if (t->destination == FM_DESTINATION_IMAGE)
        {
          if (t->image > 0)
            gimp_image_delete (t->image);
        }
      else if (t->group > 0)
        gimp_item_delete (t->group);
    }
  g_clear_pointer (&t->layers, g_free);
  g_clear_pointer (&t->buffers, g_free);
  g_clear_pointer (&t->scratch, g_free);
}
