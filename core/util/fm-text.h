/* fm-text: small text helpers the readers and the option parsers share:
 * typo suggestions, file stems, floats printed so they read back exactly.
 * A leaf: GLib only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Levenshtein distance with swapped neighbours costing 1 ("weigths"),
 * case-insensitive (ASCII).  Words longer than 64 bytes are "far". */
int fm_text_edit_distance (const char *a, const char *b);

/* The candidate closest to word, or NULL when none is close enough to be
 * a plausible typo (about a third of the word's letters). */
const char *fm_text_closest (const char *word, const char *const *candidates);

/* "sobel" for "/x/y/sobel.json", in the display encoding: a default name. */
char *fm_text_path_stem (const char *path);

/* Shortest text that reads back as the same float / double (C locale). */
void fm_text_append_float (GString *out, float value);
void fm_text_append_double (GString *out, double value);

G_END_DECLS
