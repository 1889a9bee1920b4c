/* fm-host-gimp3: fm-host.h on libgimp 3.0.  The shared code speaks in ids;
 * each call turns them into GIMP 3's objects (owned by libgimp, never
 * unreferenced here) and back. */
#include "fm-host.h"

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

static GimpImage *image_of (FmItemId id) { return gimp_image_get_by_id (id); }
static GimpItem *item_of (FmItemId id) { return gimp_item_get_by_id (id); }
static GimpDrawable *drawable_of (FmItemId id) { return GIMP_DRAWABLE (gimp_item_get_by_id (id)); }
static GimpLayer *layer_of (FmItemId id) { return id > 0 ? GIMP_LAYER (gimp_item_get_by_id (id)) : NULL; }
static FmItemId item_id (gpointer item) { return item ? gimp_item_get_id (GIMP_ITEM (item)) : 0; }

gboolean
fm_host_image_is_float (FmItemId image)
{
  switch (gimp_image_get_precision (image_of (image)))
    {
    case GIMP_PRECISION_HALF_LINEAR:
    case GIMP_PRECISION_HALF_NON_LINEAR:
    case GIMP_PRECISION_HALF_PERCEPTUAL:
    case GIMP_PRECISION_FLOAT_LINEAR:
    case GIMP_PRECISION_FLOAT_NON_LINEAR:
    case GIMP_PRECISION_FLOAT_PERCEPTUAL:
    case GIMP_PRECISION_DOUBLE_LINEAR:
    case GIMP_PRECISION_DOUBLE_NON_LINEAR:
    case GIMP_PRECISION_DOUBLE_PERCEPTUAL:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean fm_host_image_is_rgb (FmItemId image) { return gimp_image_get_base_type (image_of (image)) == GIMP_RGB; }
gboolean fm_host_image_is_indexed (FmItemId image) { return image > 0 && image_of (image) && gimp_image_get_base_type (image_of (image)) == GIMP_INDEXED; }

FmItemId
fm_host_image_new_float (int width, int height, gboolean colour)
{
  GimpImage *image = gimp_image_new_with_precision (width, height, colour ? GIMP_RGB : GIMP_GRAY,
                                                    GIMP_PRECISION_FLOAT_LINEAR);
  if (!image)
    return 0;
  gimp_image_undo_disable (image);
  return gimp_image_get_id (image);
}

void fm_host_image_undo_enable (FmItemId image) { gimp_image_undo_enable (image_of (image)); }
void fm_host_image_delete (FmItemId image) { gimp_image_delete (image_of (image)); }
void fm_host_display_new (FmItemId image) { gimp_display_new (image_of (image)); }
void fm_host_displays_flush (void) { gimp_displays_flush (); }

gboolean fm_host_item_is_valid (FmItemId item) { return gimp_item_id_is_valid (item); }
gboolean fm_host_item_is_drawable (FmItemId item) { return gimp_item_id_is_drawable (item); }

FmItemId
fm_host_item_get_image (FmItemId item)
{
  GimpImage *image = gimp_item_get_image (item_of (item));
  return image ? gimp_image_get_id (image) : 0;
}

FmItemId fm_host_item_get_parent (FmItemId item) { return item_id (gimp_item_get_parent (item_of (item))); }
void fm_host_item_set_name (FmItemId item, const char *name) { gimp_item_set_name (item_of (item), name); }
void fm_host_item_set_visible (FmItemId item, gboolean visible) { gimp_item_set_visible (item_of (item), visible); }
void fm_host_item_delete (FmItemId item) { gimp_item_delete (item_of (item)); }

FmItemId
fm_host_layer_of (FmItemId drawable)
{
  if (gimp_item_id_is_layer_mask (drawable))
    return item_id (gimp_layer_from_mask (GIMP_LAYER_MASK (item_of (drawable))));
  return drawable;
}

gboolean fm_host_item_is_layer (FmItemId item) { return item > 0 && gimp_item_id_is_layer (item); }

int
fm_host_image_item_position (FmItemId image, FmItemId item)
{
  return gimp_image_get_item_position (image_of (image), item_of (item));
}

int fm_host_drawable_width (FmItemId drawable) { return gimp_drawable_get_width (drawable_of (drawable)); }
int fm_host_drawable_height (FmItemId drawable) { return gimp_drawable_get_height (drawable_of (drawable)); }

void
fm_host_drawable_offsets (FmItemId drawable, int *x, int *y)
{
  gimp_drawable_get_offsets (drawable_of (drawable), x, y);
}

gboolean fm_host_drawable_is_rgb (FmItemId drawable) { return gimp_drawable_is_rgb (drawable_of (drawable)); }
gboolean fm_host_drawable_has_alpha (FmItemId drawable) { return gimp_drawable_has_alpha (drawable_of (drawable)); }

gboolean
fm_host_drawable_mask_intersect (FmItemId drawable, int *x, int *y, int *width, int *height)
{
  return gimp_drawable_mask_intersect (drawable_of (drawable), x, y, width, height);
}

FmItemId
fm_host_image_selection (FmItemId image)
{
  GimpImage *img = image_of (image);
  return gimp_selection_is_empty (img) ? 0
         : gimp_item_get_id (GIMP_ITEM (gimp_image_get_selection (img)));
}

gboolean fm_host_drawable_is_indexed (FmItemId drawable) { return gimp_drawable_is_indexed (drawable_of (drawable)); }
const Babl *fm_host_drawable_format (FmItemId drawable) { return gimp_drawable_get_format (drawable_of (drawable)); }

static void
add_layers (GArray *out, GList *items)
{
  for (GList *l = items; l; l = l->next)
    {
      FmItemId id = gimp_item_get_id (GIMP_ITEM (l->data));
      g_array_append_val (out, id);
      if (gimp_item_is_group (GIMP_ITEM (l->data)))
        {
          GList *children = gimp_item_list_children (GIMP_ITEM (l->data));
          add_layers (out, children);
          g_list_free (children);
        }
    }
}

FmItemId *
fm_host_image_layers (FmItemId image, int *n)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (FmItemId));
  GList *layers = gimp_image_list_layers (image_of (image));
  add_layers (out, layers);
  g_list_free (layers);
  *n = out->len;
  return (FmItemId *) g_array_free (out, FALSE);
}

char *
fm_host_item_get_name (FmItemId item)
{
  return gimp_item_get_name (gimp_item_get_by_id (item));
}
GeglBuffer *fm_host_drawable_buffer (FmItemId drawable) { return gimp_drawable_get_buffer (drawable_of (drawable)); }

FmItemId
fm_host_layer_new (FmItemId image, const char *name, int width, int height,
                   gboolean colour, gboolean alpha)
{
  GimpImageType type = colour ? (alpha ? GIMP_RGBA_IMAGE : GIMP_RGB_IMAGE)
                              : (alpha ? GIMP_GRAYA_IMAGE : GIMP_GRAY_IMAGE);
  return item_id (gimp_layer_new (image_of (image), name, width, height, type, 100.0,
                                  GIMP_LAYER_MODE_NORMAL));
}

FmItemId
fm_host_group_new (FmItemId image, const char *name)
{
  return item_id (gimp_group_layer_new (image_of (image), name));
}

void fm_host_layer_set_offsets (FmItemId layer, int x, int y) { gimp_layer_set_offsets (layer_of (layer), x, y); }

gboolean
fm_host_image_insert_layer (FmItemId image, FmItemId layer, FmItemId parent, int position)
{
  return gimp_image_insert_layer (image_of (image), layer_of (layer), layer_of (parent), position);
}

void
fm_host_image_remove_layer (FmItemId image, FmItemId layer)
{
  gimp_image_remove_layer (image_of (image), layer_of (layer));
}

void
fm_host_image_select_layer (FmItemId image, FmItemId layer)
{
  const GimpLayer *layers[] = { layer_of (layer), NULL };
  gimp_image_set_selected_layers (image_of (image), layers);
}

void fm_host_undo_group_start (FmItemId image) { gimp_image_undo_group_start (image_of (image)); }
void fm_host_undo_group_end (FmItemId image) { gimp_image_undo_group_end (image_of (image)); }
void fm_host_freeze_layers (FmItemId image) { gimp_image_freeze_layers (image_of (image)); }
void fm_host_thaw_layers (FmItemId image) { gimp_image_thaw_layers (image_of (image)); }

const char *
fm_host_last_error (void)
{
  return gimp_pdb_get_last_error (gimp_get_pdb ());
}

void fm_host_progress_init (const char *message) { gimp_progress_init (message); }
gboolean fm_host_progress_update (double fraction) { return gimp_progress_update (fraction); }
void fm_host_progress_end (void) { gimp_progress_end (); }

const char *fm_host_profile_dir (void) { return gimp_directory (); }
void fm_host_ui_init (const char *program) { gimp_ui_init (program); }
