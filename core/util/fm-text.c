/* fm-text.c: see fm-text.h. */
#include "fm-text.h"

#include <string.h>

/* Optimal string alignment: a swapped pair of letters ("weigths") costs 1,
 * the commonest typo in hand-written keys. */
int
fm_text_edit_distance (const char *a, const char *b)
{
  int n = (int) strlen (a), m = (int) strlen (b);
  if (n > 64 || m > 64)
    return G_MAXINT / 2;
  int d[65][65];
  for (int i = 0; i <= n; i++)
    d[i][0] = i;
  for (int j = 0; j <= m; j++)
    d[0][j] = j;
  for (int i = 1; i <= n; i++)
    for (int j = 1; j <= m; j++)
      {
        int cost = g_ascii_tolower (a[i - 1]) != g_ascii_tolower (b[j - 1]);
        int v = MIN (MIN (d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 2])
            && g_ascii_tolower (a[i - 2]) == g_ascii_tolower (b[j - 1]))
          v = MIN (v, d[i - 2][j - 2] + 1);
        d[i][j] = v;
      }
  return d[n][m];
}

const char *
fm_text_closest (const char *word, const char *const *candidates)
{
  const char *best = NULL;
  int best_d = MAX (1, (int) strlen (word) / 3) + 1;
  for (int i = 0; candidates && candidates[i]; i++)
    {
      int d = fm_text_edit_distance (word, candidates[i]);
      if (d < best_d)
        {
          best_d = d;
          best = candidates[i];
        }
    }
  return best;
}

char *
fm_text_path_stem (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return g_filename_display_name (base);
}

void
fm_text_append_float (GString *out, float value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  static const char *const formats[] = { "%.6g", "%.7g", "%.8g", "%.9g" };
  for (int i = 0; i < 4; i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], value);
      if ((float) g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_string_append (out, buf);
}

void
fm_text_append_double (GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  static const char *const formats[] = { "%.6g", "%.15g", "%.16g", "%.17g" };
  for (int i = 0; i < 4; i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  g_string_append (out, buf);
}

/* Characters that print as nothing or reorder what follows: a file name
 * holding U+202E (right-to-left override) must not disguise a message. */
static gboolean
is_invisible (gunichar u)
{
  if (!g_unichar_isprint (u) && !g_unichar_isspace (u))
    return TRUE;
  switch (g_unichar_type (u))
    {
    case G_UNICODE_FORMAT:           /* bidi controls, zero-width joiners, BOM */
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    default:
      return u == 0x85 || (u >= 0x80 && u < 0xa0);
    }
}

/* One character of text at p (n bytes left) appended escaped; returns
 * the bytes consumed. */
static gsize
escape_one (GString *out, const char *p, gsize n, gboolean message)
{
  guchar c = (guchar) *p;
  if (c < 0x80)
    {
      if (c >= 0x20 && c != 0x7f)
        g_string_append_c (out, (char) c);
      else if (message && (c == '\n' || c == '\r' || c == '\t'))
        g_string_append_c (out, ' ');
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else
        g_string_append_printf (out, "\\x%02x", c);
      return 1;
    }
  gunichar u = g_utf8_get_char_validated (p, (gssize) MIN (n, 6));
  if (u == (gunichar) -1 || u == (gunichar) -2)
    {
      g_string_append_printf (out, "\\x%02x", c);
      return 1;
    }
  gsize len = (gsize) (g_utf8_next_char (p) - p);
  if (is_invisible (u))
    g_string_append_printf (out, "\\u{%04x}", u);
  else
    g_string_append_len (out, p, (gssize) len);
  return len;
}

static char *
escape (const char *text, gssize len, gsize max_chars, gboolean message)
{
  if (!text)
    return g_strdup ("");
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  /* characters counted on the escaped output; when too many, keep the
   * head and the tail (a path's file name is at its end) */
  GString *out = g_string_sized_new (MIN (n, 4096) + 8);
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (gsize)); /* out offset per character */
  for (gsize i = 0; i < n;)
    {
      gsize at = out->len;
      g_array_append_val (starts, at);
      i += escape_one (out, text + i, n - i, message);
      /* a huge text: no need to escape far beyond what will be kept */
      if (max_chars && starts->len > 4 * max_chars + 64 && n - i > 4 * max_chars)
        {
          gsize tail_from = n - 2 * max_chars;
          while (tail_from < n && ((guchar) text[tail_from] & 0xc0) == 0x80)
            tail_from++;
          at = out->len;
          g_array_append_val (starts, at);
          g_string_append (out, "\x01"); /* a marker: nothing in out is a raw 0x01 */
          i = tail_from;
        }
    }
  gsize chars = starts->len;
  if (max_chars && chars > max_chars)
    {
      gsize head = max_chars * 2 / 3, tail = max_chars - head - 3;
      gsize head_end = g_array_index (starts, gsize, head);
      gsize tail_start = g_array_index (starts, gsize, chars - tail);
      GString *cut = g_string_new_len (out->str, (gssize) head_end);
      g_string_append (cut, " … ");
      g_string_append (cut, out->str + tail_start);
      g_string_free (out, TRUE);
      out = cut;
    }
  /* the skip marker, when it survived the cut (the text was not long
   * enough to drop it) */
  for (char *m = strchr (out->str, '\x01'); m; m = strchr (out->str, '\x01'))
    g_string_erase (out, m - out->str, 1);
  g_array_free (starts, TRUE);
  return g_string_free (out, FALSE);
}

char *
fm_text_escape (const char *text, gssize len, gsize max_chars)
{
  return escape (text, len, max_chars, FALSE);
}

char *
fm_text_one_line (const char *message)
{
  return escape (message, -1, FM_TEXT_MAX_LINE, TRUE);
}
