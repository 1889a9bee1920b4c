/* fm-host-gimp2: fm-host.h on libgimp 2.10, where items already are ids. */
#include "fm-host.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

gboolean
fm_host_image_is_float (FmItemId image)
{
  switch (gimp_image_get_precision (image))
    {
    case GIMP_PRECISION_HALF_LINEAR:
    case GIMP_PRECISION_HALF_GAMMA:
    case GIMP_PRECISION_FLOAT_LINEAR:
    case GIMP_PRECISION_FLOAT_GAMMA:
    case GIMP_PRECISION_DOUBLE_LINEAR:
    case GIMP_PRECISION_DOUBLE_GAMMA:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean fm_host_image_is_rgb (FmItemId image) { return gimp_image_base_type (image) == GIMP_RGB; }
gboolean fm_host_image_is_indexed (FmItemId image) { return gimp_image_base_type (image) == GIMP_INDEXED; }

FmItemId
fm_host_image_new_float (int width, int height, gboolean colour)
{
  FmItemId image = gimp_image_new_with_precision (width, height, colour ? GIMP_RGB : GIMP_GRAY,
                                                  GIMP_PRECISION_FLOAT_LINEAR);
  if (image > 0)
    gimp_image_undo_disable (image);
  return image;
}

void fm_host_image_undo_enable (FmItemId image) { gimp_image_undo_enable (image); }
void fm_host_image_delete (FmItemId image) { gimp_image_delete (image); }
void fm_host_display_new (FmItemId image) { gimp_display_new (image); }
void fm_host_displays_flush (void) { gimp_displays_flush (); }

gboolean fm_host_item_is_valid (FmItemId item) { return gimp_item_is_valid (item); }
gboolean fm_host_item_is_drawable (FmItemId item) { return gimp_item_is_drawable (item); }
FmItemId fm_host_item_get_image (FmItemId item) { return gimp_item_get_image (item); }

FmItemId
fm_host_item_get_parent (FmItemId item)
{
  gint32 parent = gimp_item_get_parent (item);
  return parent > 0 ? parent : 0;
}

void fm_host_item_set_name (FmItemId item, const char *name) { gimp_item_set_name (item, name); }
void fm_host_item_set_visible (FmItemId item, gboolean visible) { gimp_item_set_visible (item, visible); }
void fm_host_item_delete (FmItemId item) { gimp_item_delete (item); }

FmItemId
fm_host_layer_of (FmItemId drawable)
{
  return gimp_item_is_layer_mask (drawable) ? gimp_layer_from_mask (drawable) : drawable;
}

gboolean fm_host_item_is_layer (FmItemId item) { return item > 0 && gimp_item_is_layer (item); }
int fm_host_image_item_position (FmItemId image, FmItemId item) { return gimp_image_get_item_position (image, item); }

int fm_host_drawable_width (FmItemId drawable) { return gimp_drawable_width (drawable); }
int fm_host_drawable_height (FmItemId drawable) { return gimp_drawable_height (drawable); }
void fm_host_drawable_offsets (FmItemId drawable, int *x, int *y) { gimp_drawable_offsets (drawable, x, y); }
gboolean fm_host_drawable_is_rgb (FmItemId drawable) { return gimp_drawable_is_rgb (drawable); }
gboolean fm_host_drawable_has_alpha (FmItemId drawable) { return gimp_drawable_has_alpha (drawable); }

gboolean
fm_host_drawable_mask_intersect (FmItemId drawable, int *x, int *y, int *width, int *height)
{
  return gimp_drawable_mask_intersect (drawable, x, y, width, height);
}

FmItemId
fm_host_image_selection (FmItemId image)
{
  return gimp_selection_is_empty (image) ? 0 : gimp_image_get_selection (image);
}

gboolean fm_host_drawable_is_indexed (FmItemId drawable) { return gimp_drawable_is_indexed (drawable); }
const Babl *fm_host_drawable_format (FmItemId drawable) { return gimp_drawable_get_format (drawable); }

static void
add_layers (GArray *out, const gint32 *ids, int n)
{
  for (int i = 0; i < n; i++)
    {
      g_array_append_val (out, ids[i]);
      if (gimp_item_is_group (ids[i]))
        {
          int nc = 0;
          g_autofree gint32 *children = gimp_item_get_children (ids[i], &nc);
          add_layers (out, children, nc);
        }
    }
}

FmItemId *
fm_host_image_layers (FmItemId image, int *n)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (FmItemId));
  int count = 0;
  g_autofree gint32 *ids = gimp_image_get_layers (image, &count);
  add_layers (out, ids, count);
  *n = out->len;
  return (FmItemId *) g_array_free (out, FALSE);
}

char *fm_host_item_get_name (FmItemId item) { return gimp_item_get_name (item); }
GeglBuffer *fm_host_drawable_buffer (FmItemId drawable) { return gimp_drawable_get_buffer (drawable); }

FmItemId
fm_host_layer_new (FmItemId image, const char *name, int width, int height,
                   gboolean colour, gboolean alpha)
{
  GimpImageType type = colour ? (alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE)
                              : (alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE);
  gint32 layer = gimp_layer_new (image, name, width, height, type, 100.0,
                                 GIMP_LAYER_MODE_NORMAL);
  return layer > 0 ? layer : 0;
}

FmItemId
fm_host_group_new (FmItemId image, const char *name)
{
  gint32 group = gimp_layer_group_new (image);
  if (group <= 0)
    return 0;
  gimp_item_set_name (group, name);
  return group;
}

void fm_host_layer_set_offsets (FmItemId layer, int x, int y) { gimp_layer_set_offsets (layer, x, y); }

gboolean
fm_host_image_insert_layer (FmItemId image, FmItemId layer, FmItemId parent, int position)
{
  return gimp_image_insert_layer (image, layer, parent, position);
}

void fm_host_image_remove_layer (FmItemId image, FmItemId layer) { gimp_image_remove_layer (image, layer); }
void fm_host_image_select_layer (FmItemId image, FmItemId layer) { gimp_image_set_active_layer (image, layer); }
void fm_host_undo_group_start (FmItemId image) { gimp_image_undo_group_start (image); }
void fm_host_undo_group_end (FmItemId image) { gimp_image_undo_group_end (image); }
void fm_host_freeze_layers (FmItemId image) { gimp_image_freeze_layers (image); }
void fm_host_thaw_layers (FmItemId image) { gimp_image_thaw_layers (image); }
const char *fm_host_last_error (void) { return gimp_get_pdb_error (); }

void fm_host_progress_init (const char *message) { gimp_progress_init (message); }
gboolean fm_host_progress_update (double fraction) { return gimp_progress_update (fraction); }
void fm_host_progress_end (void) { gimp_progress_end (); }

const char *fm_host_profile_dir (void) { return gimp_directory (); }
void fm_host_ui_init (const char *program) { gimp_ui_init (program, FALSE); }
