/* fm-bank-inline.c: kernels typed on a command line or in a script:
 * "0,1,0; 0,1,0; 0,1,0 | 0,0,0; 1,1,1; 0,0,0".  Rows are separated by ';'
 * (or a newline), values by ',' or blanks, filters by '|'.  Numbers are read
 * with g_ascii_strtod, so "0.5" means the same under every locale. */
#include "fm-formats-private.h"

#include <math.h>
#include <float.h>
#include <string.h>

static gboolean
inline_error (GError **error, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
inline_error (GError **error, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FM_BANK_ERROR, code, "inline kernel, %s", msg);
  return FALSE;
}

/* Appends the numbers of one row to values; returns how many. */
static int
parse_row (const char *row, int filter, int row_index, GArray *values, GError **error)
{
  int n = 0;
  const char *p = row;
  for (;;)
    {
      while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
      if (!*p)
        break;
      if (*p == ',')
        {
          inline_error (error, FM_BANK_ERROR_PARSE, "filter %d row %d: empty value between commas",
                        filter, row_index);
          return -1;
        }
      const char *start = p;
      while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\r')
        p++;
      g_autofree char *token = g_strndup (start, p - start);
      g_autofree char *shown = fm_text_escape (token, -1, 40);
      char *end = NULL;
      double v = g_ascii_strtod (token, &end);
      /* strtod takes "nan", "inf" and hex; a kernel value is a plain decimal */
      if (end == token || *end || !strpbrk (token, "0123456789") || strpbrk (token, "xXnN"))
        {
          inline_error (error, FM_BANK_ERROR_PARSE, "filter %d row %d: '%s' is not a number",
                        filter, row_index, shown);
          return -1;
        }
      if (!isfinite (v) || fabs (v) > FLT_MAX)
        {
          inline_error (error, FM_BANK_ERROR_INVALID, "filter %d row %d: '%s' is too large for a 32-bit float",
                        filter, row_index, shown);
          return -1;
        }
      float f = (float) v;
      g_array_append_val (values, f);
      n++;
      while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
      if (*p == ',')
        {
          p++;
          while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
          if (!*p)
            {
              inline_error (error, FM_BANK_ERROR_PARSE, "filter %d row %d: a value is missing after the last comma",
                            filter, row_index);
              return -1;
            }
        }
    }
  return n;
}

FmBank *
fm_bank_from_inline (const char *text, GError **error)
{
  g_return_val_if_fail (text, NULL);
  if (strlen (text) > FM_BANK_MAX_FILE_SIZE)
    {
      inline_error (error, FM_BANK_ERROR_TOO_LARGE, "too long");
      return NULL;
    }
  g_auto (GStrv) filters = g_strsplit (text, "|", -1);
  int n_filters = g_strv_length (filters);
  if (n_filters == 0) /* g_strsplit gives nothing for "" */
    {
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_INVALID, "inline kernel is empty");
      return NULL;
    }
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (float));
  int kh = 0, kw = 0;
  for (int k = 0; k < n_filters; k++)
    {
      g_strdelimit (filters[k], "\n", ';');
      g_auto (GStrv) rows = g_strsplit (filters[k], ";", -1);
      int n_rows = 0;
      if (!rows[0])
        {
          inline_error (error, FM_BANK_ERROR_INVALID, "filter %d is empty", k + 1);
          return NULL;
        }
      for (int r = 0; rows[r]; r++)
        {
          /* a trailing ';' ("1,2; 3,4;") leaves an empty last row: allow it */
          if (!rows[r + 1] && r > 0 && !*g_strstrip (rows[r]))
            break;
          int n = parse_row (rows[r], k + 1, r + 1, values, error);
          if (n < 0)
            return NULL;
          if (n == 0)
            {
              inline_error (error, FM_BANK_ERROR_INVALID, "filter %d row %d is empty", k + 1, r + 1);
              return NULL;
            }
          if (k == 0 && r == 0)
            kw = n;
          else if (n != kw)
            {
              if (k == 0)
                inline_error (error, FM_BANK_ERROR_INVALID, "filter %d row %d has %d values, row 1 has %d",
                              k + 1, r + 1, n, kw);
              else
                inline_error (error, FM_BANK_ERROR_INVALID,
                              "filter %d row %d has %d values, filter 1 has %d per row: all filters share one shape",
                              k + 1, r + 1, n, kw);
              return NULL;
            }
          n_rows++;
          if (n_rows > FM_BANK_MAX_KERNEL || (gsize) values->len > FM_BANK_MAX_WEIGHTS)
            {
              inline_error (error, FM_BANK_ERROR_TOO_LARGE, "filter %d: more than %d rows or %" G_GSIZE_FORMAT
                            " weights", k + 1, FM_BANK_MAX_KERNEL, FM_BANK_MAX_WEIGHTS);
              return NULL;
            }
        }
      if (k == 0)
        kh = n_rows;
      else if (n_rows != kh)
        {
          inline_error (error, FM_BANK_ERROR_INVALID,
                        "filter %d has %d rows, filter 1 has %d: all filters share one shape",
                        k + 1, n_rows, kh);
          return NULL;
        }
    }
  if (!fm_bank_check_shape ("inline kernel: ", kh, kw, 1, n_filters, error))
    return NULL;

  FmBank *bank = fm_bank_new ("Inline", kh, kw, 1, n_filters);
  g_free (bank->description);
  bank->description = g_strdup (text);
  bank->origin = g_strdup ("inline");
  gsize per = (gsize) kh * kw;
  for (int k = 0; k < n_filters; k++)
    memcpy (bank->filters[k].weights, &g_array_index (values, float, k * per), per * sizeof (float));
  return bank;
}

/* ---- inline matrix text files (the "text" format) ------------------------
 * A text file holding an inline matrix ("kernel.txt"): handy for scripts.
 * The registry's fallback: any existing file no other format claims. */

static FmBank *
load_inline_file (const char *path, const FmKernelSpec *spec, GError **error)
{
  (void) spec;
  g_autofree char *display = fm_file_display (path);
  g_autofree char *text = NULL;
  gsize length = 0;
  if (!fm_formats_read_text (path, "kernel file", &text, &length, error))
    return NULL;
  if (memchr (text, '\0', length) || !g_utf8_validate (text, length, NULL))
    {
      g_autofree char *labels = fm_formats_labels ();
      g_set_error (error, FM_BANK_ERROR, FM_BANK_ERROR_PARSE,
                   "%s: not a kernel file (not a %s)", display, labels);
      return NULL;
    }
  GError *err = NULL;
  FmBank *bank = fm_bank_from_inline (g_strstrip (text), &err);
  if (!bank)
    {
      g_set_error (error, FM_BANK_ERROR, err->code, "%s: %s", display, err->message);
      g_error_free (err);
      return NULL;
    }
  g_free (bank->name);
  bank->name = fm_text_path_stem (path);
  g_free (bank->origin);
  bank->origin = g_strdup (path);
  return bank;
}

const FmFormat fm_format_text = {
  .name = "text",
  .label = "inline matrix text",
  .plural = "inline matrix text files",
  .kind = FM_FORMAT_BANK,
  .suffixes = NULL,
  .sniff = NULL,
  .load_bank = load_inline_file,
};
