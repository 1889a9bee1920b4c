/* fm-host: every call the plug-in makes into GIMP, behind one small header.
 *
 * The code in plugin/common/ and plugin/dialog/ (checks, reading the
 * drawable, making and inserting the map layers, the dialog) is written once
 * against these functions; plugin/gimp2/fm-host-gimp2.c implements them with
 * libgimp 2.10 and plugin/gimp3/fm-host-gimp3.c with libgimp 3.0.  Images and
 * items travel as their GIMP ids (gint32), which both APIs have: 2.10 passes
 * ids around, 3.0 turns them into objects with gimp_*_get_by_id.  An id <= 0
 * means "none".
 *
 * Kept to what the plug-in needs; each function is a line or two per host.
 */
#pragma once

#include <gegl.h>

G_BEGIN_DECLS

typedef gint32 FmItemId;    /* an image, layer, channel or group */

/* ---- the images ----------------------------------------------------------- */

/* TRUE when the image stores floats (half, float, double), so values outside
 * 0..1 survive; FALSE for u8/u16/u32. */
gboolean fm_host_image_is_float (FmItemId image);
gboolean fm_host_image_is_rgb (FmItemId image);
/* An indexed image (a palette), which map layers cannot go into. */
gboolean fm_host_image_is_indexed (FmItemId image);
/* A new float-linear image (grey, or RGB when colour) with undo disabled. */
FmItemId fm_host_image_new_float (int width, int height, gboolean colour);
void fm_host_image_undo_enable (FmItemId image);
void fm_host_image_delete (FmItemId image);
void fm_host_display_new (FmItemId image);
void fm_host_displays_flush (void);

/* ---- items ---------------------------------------------------------------- */

gboolean fm_host_item_is_valid (FmItemId item);
gboolean fm_host_item_is_drawable (FmItemId item);
FmItemId fm_host_item_get_image (FmItemId item);
/* The parent group, or 0 at the top of the stack. */
FmItemId fm_host_item_get_parent (FmItemId item);
void fm_host_item_set_name (FmItemId item, const char *name);
void fm_host_item_set_visible (FmItemId item, gboolean visible);
void fm_host_item_delete (FmItemId item);    /* an item never inserted */

/* A layer mask's layer, or the item itself. */
FmItemId fm_host_layer_of (FmItemId drawable);
gboolean fm_host_item_is_layer (FmItemId item);
int fm_host_image_item_position (FmItemId image, FmItemId item);

/* ---- drawables ------------------------------------------------------------ */

int fm_host_drawable_width (FmItemId drawable);
int fm_host_drawable_height (FmItemId drawable);
void fm_host_drawable_offsets (FmItemId drawable, int *x, int *y);
gboolean fm_host_drawable_is_rgb (FmItemId drawable);
gboolean fm_host_drawable_has_alpha (FmItemId drawable);
/* The selection's bounding box on the drawable; FALSE when it misses it. */
gboolean fm_host_drawable_mask_intersect (FmItemId drawable, int *x, int *y,
                                          int *width, int *height);
/* The image's selection channel (image-sized), or 0 when nothing is
 * selected. */
FmItemId fm_host_image_selection (FmItemId image);
/* An indexed (palette) drawable: learning refuses it (its values are
 * palette positions, not light). */
gboolean fm_host_drawable_is_indexed (FmItemId drawable);
const Babl *fm_host_drawable_format (FmItemId drawable);
GeglBuffer *fm_host_drawable_buffer (FmItemId drawable);   /* unref it */

/* ---- layers --------------------------------------------------------------- */

/* The image's layers, top of the stack first, groups' children after their
 * group (g_free; *n of them), and a layer's name (g_free): the dialog's
 * learning windows offer them by name. */
FmItemId *fm_host_image_layers (FmItemId image, int *n);
char *fm_host_item_get_name (FmItemId item);

/* Detached (not yet in the image); 0 with fm_host_last_error set on failure. */
FmItemId fm_host_layer_new (FmItemId image, const char *name, int width,
                            int height, gboolean colour, gboolean alpha);
FmItemId fm_host_group_new (FmItemId image, const char *name);
void fm_host_layer_set_offsets (FmItemId layer, int x, int y);
gboolean fm_host_image_insert_layer (FmItemId image, FmItemId layer,
                                     FmItemId parent, int position);
void fm_host_image_remove_layer (FmItemId image, FmItemId layer);
/* Makes layer the one the user works on (and the next filter's target). */
void fm_host_image_select_layer (FmItemId image, FmItemId layer);

void fm_host_undo_group_start (FmItemId image);
void fm_host_undo_group_end (FmItemId image);
void fm_host_freeze_layers (FmItemId image);
void fm_host_thaw_layers (FmItemId image);

/* What the last failed GIMP call said. */
const char *fm_host_last_error (void);

/* ---- progress ------------------------------------------------------------- */

void fm_host_progress_init (const char *message);
/* FALSE when GIMP asks the plug-in to stop. */
gboolean fm_host_progress_update (double fraction);
void fm_host_progress_end (void);

/* ---- the profile and the user interface ----------------------------------- */

/* GIMP's profile folder (gimp_directory ()). */
const char *fm_host_profile_dir (void);
/* gimp_ui_init: call once before the first widget. */
void fm_host_ui_init (const char *program);

G_END_DECLS
