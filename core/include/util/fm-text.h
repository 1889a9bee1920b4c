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

/* Text from a file or a command line, made safe to print on one line:
 * valid printable UTF-8 stays as it is; control characters become \n, \t,
 * \r or \xNN, bytes that are not UTF-8 \xNN, invisible or bidi-control
 * characters \u{NNNN}; beyond max_chars characters (0: no limit) the
 * middle is replaced by " … ".  len −1: up to the NUL. */
char *fm_text_escape (const char *text, gssize len, gsize max_chars);

/* A whole message for one line of output (the command line's stderr, a
 * PDB error): as fm_text_escape, but line breaks and tabs become spaces
 * (the message's own words, not the user's bytes), and at most
 * FM_TEXT_MAX_LINE characters. */
#define FM_TEXT_MAX_LINE 600
char *fm_text_one_line (const char *message);

G_END_DECLS
