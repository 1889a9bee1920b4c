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
