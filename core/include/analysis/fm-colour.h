/* fm-colour: the diverging colour scale weights are drawn on — blue for
 * negative, a light neutral for 0, red for positive (ColorBrewer RdBu:
 * 33,102,172 · 247,247,247 · 178,24,43), so a weight's sign reads at a
 * glance.  The filter sheet (fm-sheet.h) uses it; the dialog's thumbnails
 * paint the same end points. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* t in −1..1 (clipped): linear interpolation from the centre towards the
 * end of t's sign by |t|, rounded to 8 bits; ±∞ and NaN are the positive or
 * negative end (NaN: positive), as the dialog paints them. */
void fm_colour_diverging_u8 (double t, guint8 rgb[3]);
/* The same 8-bit colour as 0..1 floats (value / 255). */
void fm_colour_diverging (double t, float rgb[3]);

G_END_DECLS
