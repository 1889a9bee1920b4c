/* fm-gtk-compat: where GTK 2 (GIMP 2.10) and GTK 3 (GIMP 3.0) differ, for
 * the dialog's views.  Everything else in plugin/dialog/ is plain GTK that
 * both toolkits share; these few helpers keep the views free of #if and of
 * calls GTK 3 deprecates (the build is -Werror).
 *
 *   boxes and grids      gtk_vbox/hbox, GtkTable   →  GtkBox, GtkGrid
 *   label alignment      gtk_misc_set_alignment    →  gtk_label_set_xalign
 *   centring a child     GtkAlignment              →  halign / valign
 *   colours of a widget  gtk_widget_modify_*       →  a CSS provider
 *   a window's pixels    gdk_pixbuf_get_from_drawable → gtk_widget_draw
 *   OK / Cancel order    gtk_dialog_set_alternative_button_order
 *                                                  →  gimp_dialog_set_…
 */
#pragma once

#include <gegl.h>               /* before gimpwidgets */
#include <gtk/gtk.h>
#include <libgimpwidgets/gimpwidgets.h>

G_BEGIN_DECLS

#if GTK_CHECK_VERSION (3, 0, 0)
#define FM_GTK3 1
#else
#define FM_GTK3 0
#endif

static inline GtkWidget *
fm_box_new (gboolean vertical, int spacing)
{
#if FM_GTK3
  return gtk_box_new (vertical ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL, spacing);
#else
  return vertical ? gtk_vbox_new (FALSE, spacing) : gtk_hbox_new (FALSE, spacing);
#endif
}

/* A table that grows as children are attached. */
static inline GtkWidget *
fm_grid_new (int row_spacing, int col_spacing, gboolean homogeneous)
{
#if FM_GTK3
  GtkWidget *grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), row_spacing);
  gtk_grid_set_column_spacing (GTK_GRID (grid), col_spacing);
  gtk_grid_set_row_homogeneous (GTK_GRID (grid), homogeneous);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), homogeneous);
  return grid;
#else
  GtkWidget *table = gtk_table_new (1, 1, homogeneous);
  gtk_table_set_row_spacings (GTK_TABLE (table), row_spacing);
  gtk_table_set_col_spacings (GTK_TABLE (table), col_spacing);
  return table;
#endif
}

static inline void
fm_grid_attach (GtkWidget *grid, GtkWidget *child, int col, int row,
                gboolean hexpand)
{
#if FM_GTK3
  gtk_widget_set_hexpand (child, hexpand);
  gtk_grid_attach (GTK_GRID (grid), child, col, row, 1, 1);
#else
  gtk_table_attach (GTK_TABLE (grid), child, col, col + 1, row, row + 1,
                    hexpand ? GTK_FILL | GTK_EXPAND : GTK_FILL, GTK_FILL, 0, 0);
#endif
}

static inline void
fm_label_set_xalign (GtkWidget *label, float xalign)
{
#if FM_GTK3
  gtk_label_set_xalign (GTK_LABEL (label), xalign);
#else
  gtk_misc_set_alignment (GTK_MISC (label), xalign, 0.5);
#endif
}

/* A container that keeps its one child at its natural size, centred. */
static inline GtkWidget *
fm_centre_new (void)
{
#if FM_GTK3
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  return box;
#else
  return gtk_alignment_new (0.5, 0.5, 0, 0);
#endif
}

/* A non-scrolling child (a box) inside a GtkScrolledWindow. */
static inline void
fm_scrolled_add (GtkWidget *scrolled, GtkWidget *child)
{
#if FM_GTK3
  gtk_container_add (GTK_CONTAINER (scrolled), child);
#else
  gtk_scrolled_window_add_with_viewport (GTK_SCROLLED_WINDOW (scrolled), child);
#endif
}

/* Background and text colour of an entry (rgb bytes), whatever the theme;
 * NULL gives the theme's own back. */
void fm_widget_set_colours (GtkWidget *widget, const guchar *bg, const guchar *fg);

/* The text colour a widget draws with now (rgb bytes). */
void fm_widget_get_text_colour (GtkWidget *widget, guchar rgb[3]);
/* Its background colour, where the toolkit can tell (an entry's base). */
void fm_widget_get_base_colour (GtkWidget *widget, guchar rgb[3]);

/* The requested size of a widget, its children included. */
void fm_widget_get_request (GtkWidget *widget, int *width, int *height);

/* What a realized toplevel shows, as a pixbuf (the dialog's snapshots). */
GdkPixbuf *fm_window_snapshot (GtkWidget *toplevel);

static inline void
fm_dialog_ok_cancel_order (GtkWidget *dialog)
{
#if FM_GTK3
  gimp_dialog_set_alternative_button_order (GTK_DIALOG (dialog), GTK_RESPONSE_OK,
                                            GTK_RESPONSE_CANCEL, -1);
#else
  gtk_dialog_set_alternative_button_order (GTK_DIALOG (dialog), GTK_RESPONSE_OK,
                                           GTK_RESPONSE_CANCEL, -1);
#endif
}

G_END_DECLS
