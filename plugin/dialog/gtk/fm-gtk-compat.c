/* fm-gtk-compat: the helpers of fm-gtk-compat.h that need more than a line. */
#include "fm-gtk-compat.h"

void
fm_widget_set_colours (GtkWidget *widget, const guchar *bg, const guchar *fg)
{
#if FM_GTK3
  /* One provider per widget, on the widget's own style context: it styles
   * that entry only, above the theme. */
  GtkCssProvider *css = g_object_get_data (G_OBJECT (widget), "fm-css");
  if (!css)
    {
      css = gtk_css_provider_new ();
      gtk_style_context_add_provider (gtk_widget_get_style_context (widget),
                                      GTK_STYLE_PROVIDER (css),
                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
      g_object_set_data_full (G_OBJECT (widget), "fm-css", css, g_object_unref);
    }
  GString *rule = g_string_new ("* {");
  if (bg)
    g_string_append_printf (rule, " background-color: #%02x%02x%02x; background-image: none;",
                            bg[0], bg[1], bg[2]);
  if (fg)
    g_string_append_printf (rule, " color: #%02x%02x%02x; caret-color: #%02x%02x%02x;",
                            fg[0], fg[1], fg[2], fg[0], fg[1], fg[2]);
  g_string_append (rule, " }");
  gtk_css_provider_load_from_data (css, rule->str, -1, NULL);
  g_string_free (rule, TRUE);
#else
  GdkColor b = { 0, 0, 0, 0 }, f = { 0, 0, 0, 0 };
  if (bg)
    b = (GdkColor) { 0, bg[0] * 257, bg[1] * 257, bg[2] * 257 };
  if (fg)
    f = (GdkColor) { 0, fg[0] * 257, fg[1] * 257, fg[2] * 257 };
  gtk_widget_modify_base (widget, GTK_STATE_NORMAL, bg ? &b : NULL);
  gtk_widget_modify_text (widget, GTK_STATE_NORMAL, fg ? &f : NULL);
#endif
}

void
fm_widget_get_text_colour (GtkWidget *widget, guchar rgb[3])
{
#if FM_GTK3
  GdkRGBA c;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget),
                               gtk_widget_get_state_flags (widget), &c);
  rgb[0] = (guchar) (c.red * 255 + 0.5);
  rgb[1] = (guchar) (c.green * 255 + 0.5);
  rgb[2] = (guchar) (c.blue * 255 + 0.5);
#else
  GdkColor c = gtk_widget_get_style (widget)->text[GTK_STATE_NORMAL];
  rgb[0] = c.red >> 8;
  rgb[1] = c.green >> 8;
  rgb[2] = c.blue >> 8;
#endif
}

void
fm_widget_get_base_colour (GtkWidget *widget, guchar rgb[3])
{
#if FM_GTK3
  GdkRGBA c;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_background_color (gtk_widget_get_style_context (widget),
                                          gtk_widget_get_state_flags (widget), &c);
  G_GNUC_END_IGNORE_DEPRECATIONS
  rgb[0] = (guchar) (c.red * 255 + 0.5);
  rgb[1] = (guchar) (c.green * 255 + 0.5);
  rgb[2] = (guchar) (c.blue * 255 + 0.5);
#else
  GdkColor c = gtk_widget_get_style (widget)->base[GTK_STATE_NORMAL];
  rgb[0] = c.red >> 8;
  rgb[1] = c.green >> 8;
  rgb[2] = c.blue >> 8;
#endif
}

void
fm_widget_get_request (GtkWidget *widget, int *width, int *height)
{
#if FM_GTK3
  GtkRequisition natural;
  gtk_widget_get_preferred_size (widget, NULL, &natural);
  *width = natural.width;
  *height = natural.height;
#else
  GtkRequisition r;
  gtk_widget_size_request (widget, &r);
  *width = r.width;
  *height = r.height;
#endif
}

GdkPixbuf *
fm_window_snapshot (GtkWidget *toplevel)
{
#if FM_GTK3
  /* Drawn into an image surface by GTK itself: the same pixels the screen
   * gets, with no dependence on a compositor or on what overlaps it. */
  int w = gtk_widget_get_allocated_width (toplevel);
  int h = gtk_widget_get_allocated_height (toplevel);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (surface);
  gtk_widget_draw (toplevel, cr);
  cairo_destroy (cr);
  GdkPixbuf *pixbuf = gdk_pixbuf_get_from_surface (surface, 0, 0, w, h);
  cairo_surface_destroy (surface);
  return pixbuf;
#else
  GdkWindow *win = gtk_widget_get_window (toplevel);
  int w, h;
  /* Everything drawn and on the server before reading it back. */
  gdk_window_process_all_updates ();
  gdk_flush ();
  gdk_drawable_get_size (win, &w, &h);
  return gdk_pixbuf_get_from_drawable (NULL, win, NULL, 0, 0, 0, 0, w, h);
#endif
}
