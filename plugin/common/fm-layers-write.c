/* fm-layers-write: creating, filling and inserting the map layers.
 *
 * Each map layer has the most compact format that keeps the mapping's
 * values: the image's own model and TRC ("TRC trap" in docs/gimp-notes.md),
 * its own precision (GIMP gives every layer of an image the image's), and no
 * alpha channel (a map is opaque everywhere).  GIMP refuses a grey layer in
 * an RGB image, so a grey map over an RGB photo is R = G = B.  The floats
 * the job hands over are converted to the layer's sample type by babl once
 * per map value (babl changes only the type: what is stored is what babl
 * stores for the computed float, so a raw 3.0 in a float image reads back
 * 3.0), replicated into R, G, B where needed, and given to
 * gegl_buffer_set in the layer's own format, which GEGL copies into tiles
 * without a conversion of its own.  FEATUREMAPS_PROFILE times each part
 * (fm-profile.h). */
#include "fm-layers-write.h"

#include <math.h>
#include <string.h>
#include "fm-plugin-errors.h"
#include "fm-profile.h"

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

/* Where map layer k sits and how large it is (see fm-layers-write.h). */
static void
map_geometry (const FmJob *job, int k, FmDestination destination, int *x, int *y,
              int *w, int *h, int *rep_x, int *rep_y)
{
  const FmJobOutput *o = fm_job_output (job, fm_job_layer_output (job, k));
  if (fm_job_plan (job))
    {
      /* A bank: the conv's own geometry, at one map pixel per input pixel
       * (a step > 1 makes a smaller layer, as it always did). */
      const FmConvGeometry *g = fm_job_geometry (job);
      *x = g->offset_x;
      *y = g->offset_y;
      *w = g->out_w;
      *h = g->out_h;
      *rep_x = *rep_y = 1;
      return;
    }
  if (destination == FM_DESTINATION_IMAGE)
    {
      *x = *y = 0;
      *w = o->out_w;
      *h = o->out_h;
      *rep_x = *rep_y = 1;
      return;
    }
  *rep_x = MAX (o->stride_x, 1);
  *rep_y = MAX (o->stride_y, 1);
  *x = (int) ceil (o->offset_x - *rep_x / 2.0);
  *y = (int) ceil (o->offset_y - *rep_y / 2.0);
  *w = o->out_w * *rep_x;
  *h = o->out_h * *rep_y;
}

gboolean
fm_layer_target_create (FmLayerTarget *t, FmItemId image,
                        const FmDrawableSource *src, const FmJob *job,
                        const char *group_name, FmDestination destination,
                        GError **error)
{
  const gboolean network = fm_job_plan (job) == NULL;
  int off_x = src->x, off_y = src->y;

  *t = (FmLayerTarget) { .src_image = image, .src_drawable = src->drawable,
                         .destination = destination, .group = -1 };
  t->n_layers = fm_job_n_layers (job);
  t->map_channels = fm_job_layer_channels (job);
  t->layers = g_new (FmItemId, t->n_layers);
  t->buffers = g_new0 (GeglBuffer *, t->n_layers);
  t->map_w = g_new (int, t->n_layers);
  t->rep_x = g_new (int, t->n_layers);
  t->rep_y = g_new (int, t->n_layers);
  t->layer_h = g_new (int, t->n_layers);
  t->rows_done = g_new0 (int, t->n_layers);
  t->block_fill = g_new0 (int, t->n_layers);
  t->blocks = g_new0 (guint8 *, t->n_layers);
  t->layer_group = g_new0 (int, t->n_layers);
  for (int k = 0; k < t->n_layers; k++)
    t->layers[k] = -1;
  t->n_outputs = network ? fm_job_n_outputs (job) : 0;
  t->groups = g_new (FmItemId, MAX (t->n_outputs, 1));
  for (int o = 0; o < t->n_outputs; o++)
    t->groups[o] = -1;

  gboolean colour;
  if (destination == FM_DESTINATION_IMAGE)
    {
      /* Float linear: the stored value is the computed one. */
      colour = t->map_channels == 3;
      int w = fm_host_drawable_width (src->drawable), h = fm_host_drawable_height (src->drawable);
      if (network)
        {
          /* The maps at their own size: the image holds the largest. */
          w = h = 1;
          for (int o = 0; o < fm_job_n_outputs (job); o++)
            {
              w = MAX (w, fm_job_output (job, o)->out_w);
              h = MAX (h, fm_job_output (job, o)->out_h);
            }
          off_x = off_y = 0;
        }
      t->image = fm_host_image_new_float (w, h, colour);
      if (t->image <= 0)
        goto gimp_failed;
    }
  else
    {
      int ox, oy;
      fm_host_drawable_offsets (src->drawable, &ox, &oy);
      off_x += ox;
      off_y += oy;
      t->image = image;
      colour = fm_host_image_is_rgb (image);
    }
  if (destination == FM_DESTINATION_LAYERS || network)
    {
      t->group = fm_host_group_new (t->image, group_name);
      if (t->group <= 0)
        goto gimp_failed;
    }
  for (int o = 0; o < t->n_outputs; o++)
    {
      const FmJobOutput *out = fm_job_output (job, o);
      g_autofree char *name = out->stride_x > 1 || out->stride_y > 1
        ? g_strdup_printf ("%s (1/%d)", out->name, MAX (out->stride_x, out->stride_y))
        : g_strdup (out->name);
      t->groups[o] = fm_host_group_new (t->image, name);
      if (t->groups[o] <= 0)
        goto gimp_failed;
    }

  for (int k = 0; k < t->n_layers; k++)
    {
      int x, y, w, h;
      map_geometry (job, k, destination, &x, &y, &w, &h, &t->rep_x[k], &t->rep_y[k]);
      t->map_w[k] = w / t->rep_x[k];
      t->layer_h[k] = h;
      t->layer_group[k] = network ? fm_job_layer_output (job, k) : 0;
      t->layers[k] = fm_host_layer_new (t->image, fm_job_layer_name (job, k),
                                        w, h, colour, FALSE);
      if (t->layers[k] <= 0)
        goto gimp_failed;
      fm_host_layer_set_offsets (t->layers[k], off_x + x, off_y + y);
      /* Over the photo the maps arrive hidden: an opaque map would cover
       * it, and only the top one would show anyway.  The group stays
       * visible, so one click on a map's eye shows that map. */
      if (destination == FM_DESTINATION_LAYERS)
        fm_host_item_set_visible (t->layers[k], FALSE);
    }

  /* What GIMP made: the image's precision and TRC, in the layer's space. */
  t->format = fm_host_drawable_format (t->layers[0]);
  t->write_channels = babl_format_get_n_components (t->format);
  t->sample_bytes = babl_format_get_bytes_per_pixel (t->format) / t->write_channels;
  {
    const gboolean gamma = format_is_perceptual (t->format);
    const char *model = t->map_channels == 3 ? (gamma ? "R'G'B'" : "RGB")
                                             : (gamma ? "Y'" : "Y");
    const char *type = babl_get_name (babl_format_get_type (t->format, 0));
    g_autofree char *floats = g_strdup_printf ("%s float", model);
    g_autofree char *samples = g_strdup_printf ("%s %s", model, type);
    t->map_format = babl_format_with_space (floats, t->format);
    t->sample_format = babl_format_with_space (samples, t->format);
    t->fish = t->map_format == t->sample_format ? NULL
              : babl_fish (t->map_format, t->sample_format);
  }

  for (int k = 0; k < t->n_layers; k++)
    t->buffers[k] = fm_host_drawable_buffer (t->layers[k]);
  g_object_get (t->buffers[0], "tile-height", &t->tile_h, NULL);
  t->tile_h = MAX (t->tile_h, 1);
  return TRUE;

gimp_failed:
  g_set_error (error, FM_PLUGIN_ERROR, FM_PLUGIN_ERROR_EXECUTION,
               "could not create the map layers: %s", fm_host_last_error ());
  return FALSE;
}

static guint8 *
grow (guint8 **buffer, gsize *len, gsize need)
{
  if (need > *len)
    {
      g_free (*buffer);
      *buffer = g_malloc (need);
      *len = need;
    }
  return *buffer;
}

/* Rows [first, first + n) of a tile row to GEGL, and on to GIMP at once:
 * whole tiles, so GEGL neither fetches them from GIMP first nor keeps
 * them dirty in its cache. */
static void
store (FmLayerTarget *t, int layer, int first, int n, const guint8 *rows)
{
  gint64 start = fm_profile_now ();
  const GeglRectangle rect = { 0, first, t->map_w[layer] * t->rep_x[layer], n };
  gegl_buffer_set (t->buffers[layer], &rect, 0, t->format, rows, GEGL_AUTO_ROWSTRIDE);
  gegl_buffer_flush_ext (t->buffers[layer], &rect);
  fm_profile_add (FM_PROFILE_STORE, start);
}

/* Makes row y the next one of the layer's block: rows come in order (bands
 * in order of y0); if they ever did not, what is pending goes to GEGL and
 * the block starts again at y. */
static void
in_order (FmLayerTarget *t, int layer, int y)
{
  if (y == t->rows_done[layer] + t->block_fill[layer])
    return;
  if (t->block_fill[layer] > 0)
    store (t, layer, t->rows_done[layer], t->block_fill[layer], t->blocks[layer]);
  t->rows_done[layer] = y;
  t->block_fill[layer] = 0;
}

/* Where the layer's next row goes in its block (row: bytes a row). */
static guint8 *
block_row (FmLayerTarget *t, int layer, gsize row)
{
  if (!t->blocks[layer])
    t->blocks[layer] = g_malloc ((gsize) t->tile_h * row);
  return t->blocks[layer] + (gsize) t->block_fill[layer] * row;
}

/* That row is written; a full tile row goes to GEGL (not timed as
 * packing: *start moves past it). */
static void
block_row_done (FmLayerTarget *t, int layer, gint64 *start)
{
  const int block = MIN (t->tile_h, t->layer_h[layer] - t->rows_done[layer]);
  if (++t->block_fill[layer] < block)
    return;
  fm_profile_add (FM_PROFILE_PACK, *start);
  store (t, layer, t->rows_done[layer], block, t->blocks[layer]);
  t->rows_done[layer] += block;
  t->block_fill[layer] = 0;
  *start = fm_profile_now ();
}

/* Layer rows [y, y + n) (the next ones: rows come in order) through the
 * layer's tile-row block. */
static void
put_rows (FmLayerTarget *t, int layer, int y, int n, const guint8 *rows)
{
  const gsize row = (gsize) t->map_w[layer] * t->rep_x[layer] * t->write_channels * t->sample_bytes;
  const int th = t->tile_h, h = t->layer_h[layer];
  in_order (t, layer, y);
  while (n > 0)
    {
      const int first = t->rows_done[layer];   /* a tile row's first row */
      const int block = MIN (th, h - first);
      if (block <= 0)
        return;   /* past the layer's last row: nothing of it to write */
      if (t->block_fill[layer] == 0 && n >= block)
        {
          store (t, layer, first, block, rows);   /* a whole tile row: no copy */
          t->rows_done[layer] += block;
          rows += block * row;
          n -= block;
          continue;
        }
      gint64 start = fm_profile_now ();
      if (!t->blocks[layer])
        t->blocks[layer] = g_malloc (th * row);
      const int take = MIN (n, block - t->block_fill[layer]);
      memcpy (t->blocks[layer] + t->block_fill[layer] * row, rows, take * row);
      t->block_fill[layer] += take;
      rows += take * row;
      n -= take;
      fm_profile_add (FM_PROFILE_PACK, start);
      if (t->block_fill[layer] == block)
        {
          store (t, layer, first, block, t->blocks[layer]);
          t->rows_done[layer] += block;
          t->block_fill[layer] = 0;
        }
    }
}

gboolean
fm_layer_target_write (gpointer user_data, int layer, int y0, int n_rows,
                       const float *pixels, GError **error)
{
  FmLayerTarget *t = user_data;
  (void) error;
  const int map_w = t->map_w[layer], rx = t->rep_x[layer], ry = t->rep_y[layer];
  const gsize n_pixels = (gsize) map_w * n_rows;
  const gsize sb = t->sample_bytes;
  const guint8 *data = (const guint8 *) pixels;

  gint64 start = fm_profile_now ();
  if (t->fish)
    {
      guint8 *out = grow (&t->converted, &t->converted_len,
                          n_pixels * t->map_channels * sb);
      babl_process (t->fish, pixels, out, (long) n_pixels);
      data = out;
    }
  fm_profile_add (FM_PROFILE_CONVERT, start);

  if (t->write_channels == t->map_channels && rx == 1 && ry == 1)
    {
      put_rows (t, layer, y0, n_rows, data);
      return TRUE;
    }

  /* A grey map in an RGB layer is replicated into R, G, B; a strided map's
   * pixel becomes its rx × ry block of photo pixels.  Samples are copied as
   * bytes (the conversion above is done once per value), straight into the
   * layer's tile-row block. */
  start = fm_profile_now ();
  const gsize in_px = t->map_channels * sb, out_px = t->write_channels * sb;
  const gsize row = (gsize) map_w * rx * out_px;
  in_order (t, layer, y0 * ry);
  for (int r = 0; r < n_rows; r++)
    {
      guint8 *first = block_row (t, layer, row), *o = first;
      const guint8 *p = data + (gsize) r * map_w * in_px;
      if (in_px == out_px)
        for (int x = 0; x < map_w; x++, p += in_px)
          for (int i = 0; i < rx; i++, o += out_px)
            memcpy (o, p, out_px);
      else if (sb == 1)
        for (int x = 0; x < map_w; x++, p++)
          for (int i = 0; i < rx; i++, o += 3)
            o[0] = o[1] = o[2] = p[0];
      else
        for (int x = 0; x < map_w; x++, p += in_px)
          for (int i = 0; i < rx; i++)
            for (int c = 0; c < t->write_channels; c++, o += sb)
              memcpy (o, p, sb);
      for (int i = 1; i < ry; i++)
        {
          block_row_done (t, layer, &start);
          memcpy (block_row (t, layer, row), first, row);
          first = t->blocks[layer] + (gsize) t->block_fill[layer] * row;
        }
      block_row_done (t, layer, &start);
    }
  fm_profile_add (FM_PROFILE_PACK, start);
  return TRUE;
}

static void
close_buffers (FmLayerTarget *t)
{
  for (int k = 0; t->buffers && k < t->n_layers; k++)
    {
      /* Every row arrives in a full run; a failed one is deleted anyway. */
      if (t->buffers[k] && t->block_fill[k] > 0)
        store (t, k, t->rows_done[k], t->block_fill[k], t->blocks[k]);
      t->block_fill[k] = 0;
      g_clear_pointer (&t->blocks[k], g_free);
      g_clear_object (&t->buffers[k]);   /* the last unref flushes tiles to GIMP */
    }
}

/* Inserts the group (if any), the network's layer groups and the maps,
 * counting what is attached so that a failure removes exactly the rest. */
static gboolean
insert_all (FmLayerTarget *t, FmItemId parent, int position)
{
  if (t->group > 0)
    {
      if (!fm_host_image_insert_layer (t->image, t->group, parent, position))
        return FALSE;
      t->group_attached = TRUE;
    }
  for (int o = 0; o < t->n_outputs; o++)
    {
      if (!fm_host_image_insert_layer (t->image, t->groups[o], t->group, o))
        return FALSE;
      t->groups_attached = o + 1;
    }
  for (int k = 0, in_group = 0; k < t->n_layers; k++)
    {
      /* A network's maps of one output are consecutive (fm-job.h). */
      in_group = k > 0 && t->layer_group[k] == t->layer_group[k - 1] ? in_group + 1 : 0;
      FmItemId into = t->n_outputs ? t->groups[t->layer_group[k]]
                                   : t->group > 0 ? t->group : 0;
      if (!fm_host_image_insert_layer (t->image, t->layers[k], into,
                                       t->n_outputs ? in_group : k))
        return FALSE;
      t->layers_attached = k + 1;
    }
  return TRUE;
}

gboolean
fm_layer_target_commit (FmLayerTarget *t, GError **error)
{
  close_buffers (t);
  fm_profile_mark ("flushed");

  gboolean ok = TRUE;
  if (t->destination == FM_DESTINATION_IMAGE)
    {
      ok = insert_all (t, 0, 0);
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
      ok = insert_all (t, parent, position);
      if (!ok && t->group_attached)
        {
          /* Removing the group takes everything already inside with it;
           * fm_layer_target_clear deletes what was never inserted. */
          fm_host_image_remove_layer (t->image, t->group);
          t->group = -1;
        }
      else if (ok)
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
  fm_profile_mark ("inserted");
  return TRUE;
}

void
fm_layer_target_clear (FmLayerTarget *t)
{
  close_buffers (t);
  if (!t->inserted)
    {
      /* Items attached went with the group or go with the new image. */
      for (int k = t->layers_attached; t->layers && k < t->n_layers; k++)
        if (t->layers[k] > 0)
          fm_host_item_delete (t->layers[k]);
      for (int o = t->groups_attached; t->groups && o < t->n_outputs; o++)
        if (t->groups[o] > 0)
          fm_host_item_delete (t->groups[o]);
      if (t->group > 0 && !t->group_attached)
        fm_host_item_delete (t->group);
      if (t->destination == FM_DESTINATION_IMAGE && t->image > 0)
        fm_host_image_delete (t->image);
    }
  g_clear_pointer (&t->layers, g_free);
  g_clear_pointer (&t->buffers, g_free);
  g_clear_pointer (&t->converted, g_free);
  g_clear_pointer (&t->groups, g_free);
  g_clear_pointer (&t->layer_group, g_free);
  g_clear_pointer (&t->map_w, g_free);
  g_clear_pointer (&t->rep_x, g_free);
  g_clear_pointer (&t->rep_y, g_free);
  g_clear_pointer (&t->layer_h, g_free);
  g_clear_pointer (&t->rows_done, g_free);
  g_clear_pointer (&t->block_fill, g_free);
  g_clear_pointer (&t->blocks, g_free);
}
