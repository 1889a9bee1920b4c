/* fm-json-check.c: see fm-json-check.h.  A table-free state machine over
 * the bytes; the only memory it takes is one set of keys per open object. */
#include "fm-json-check.h"
#include "fm-text.h"

#include <string.h>

typedef struct {
  const char *data;
  gsize len, pos;
  const FmJsonLimits *limits;
  char *message;
  FmJsonCheck status;
} Scan;

static FmJsonCheck
fail_at (Scan *s, gsize at, FmJsonCheck status, const char *format, ...) G_GNUC_PRINTF (4, 5);

static FmJsonCheck
fail_at (Scan *s, gsize at, FmJsonCheck status, const char *format, ...)
{
  if (s->message)
    return s->status;
  gsize line = 1, col = 1;
  for (gsize i = 0; i < at && i < s->len; i++)
    {
      if (s->data[i] == '\n')
        {
          line++;
          col = 1;
        }
      else if (((guchar) s->data[i] & 0xc0) != 0x80)
        col++;
    }
  va_list args;
  va_start (args, format);
  g_autofree char *what = g_strdup_vprintf (format, args);
  va_end (args);
  /* a syntax error is a place first; a rule broken is the rule first */
  s->message = status == FM_JSON_CHECK_SYNTAX
    ? g_strdup_printf ("line %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT ": %s", line, col, what)
    : g_strdup_printf ("%s (line %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT ")", what, line, col);
  s->status = status;
  return status;
}

/* What is at pos, for messages: "'}'", "end of file", "'tru'". */
static char *
found (const Scan *s, gsize at)
{
  if (at >= s->len)
    return g_strdup ("the end of the text");
  gsize n = 1;
  const char *p = s->data + at;
  if (g_ascii_isalnum (*p) || *p == '-')
    while (n < 16 && at + n < s->len && (g_ascii_isalnum (p[n]) || p[n] == '.' || p[n] == '_'))
      n++;
  else if (((guchar) *p) >= 0x80)
    n = (gsize) (g_utf8_next_char (p) - p);
  g_autofree char *text = fm_text_escape (p, (gssize) MIN (n, s->len - at), 16);
  return g_strdup_printf (strchr (text, '\'') ? "\"%s\"" : "'%s'", text);
}

static void
skip_space (Scan *s)
{
  while (s->pos < s->len)
    {
      char c = s->data[s->pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      s->pos++;
    }
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Scan *s, gsize at, gunichar *out)
{
  if (at + 4 > s->len)
    return FALSE;
  gunichar v = 0;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (s->data[at + i]);
      if (h < 0)
        return FALSE;
      v = v << 4 | (gunichar) h;
    }
  *out = v;
  return TRUE;
}

/* A string at pos (on its '"'); decoded into key when key is not NULL. */
static gboolean
scan_string (Scan *s, GString *key)
{
  gsize start = s->pos++;
  for (;;)
    {
      if (s->pos >= s->len)
        return fail_at (s, start, FM_JSON_CHECK_SYNTAX, "a string is not closed"), FALSE;
      guchar c = (guchar) s->data[s->pos];
      if (c == '"')
        {
          s->pos++;
          return TRUE;
        }
      if (c < 0x20)
        return fail_at (s, s->pos, FM_JSON_CHECK_SYNTAX,
                        "a control character (\\x%02x) inside a string: write it as \\u%04x", c, c),
               FALSE;
      if (c != '\\')
        {
          if (key)
            g_string_append_c (key, (char) c);
          s->pos++;
          continue;
        }
      gsize esc = s->pos;
      if (esc + 1 >= s->len)
        return fail_at (s, start, FM_JSON_CHECK_SYNTAX, "a string is not closed"), FALSE;
      char e = s->data[esc + 1];
      const char *simple = strchr ("\"\\/bfnrt", e);
      if (e && simple)
        {
          if (key)
            g_string_append_c (key, "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]);
          s->pos += 2;
          continue;
        }
      if (e != 'u')
        return fail_at (s, esc, FM_JSON_CHECK_SYNTAX, "unknown escape \\%s in a string",
                        ((guchar) e >= 0x20 && (guchar) e < 0x7f) ? (char[]) { e, 0 } : "?"),
               FALSE;
      gunichar u;
      if (!read_hex4 (s, esc + 2, &u))
        return fail_at (s, esc, FM_JSON_CHECK_SYNTAX, "\\u must be followed by four hex digits"),
               FALSE;
      s->pos = esc + 6;
      if (u == 0)
        return fail_at (s, esc, FM_JSON_CHECK_SYNTAX, "\\u0000 (a NUL character) inside a string"),
               FALSE;
      if (u >= 0xdc00 && u <= 0xdfff)
        return fail_at (s, esc, FM_JSON_CHECK_SYNTAX,
                        "\\u%04x is the second half of a surrogate pair without its first half",
                        u), FALSE;
      if (u >= 0xd800 && u <= 0xdbff)
        {
          gunichar lo;
          if (s->pos + 1 >= s->len || s->data[s->pos] != '\\' || s->data[s->pos + 1] != 'u'
              || !read_hex4 (s, s->pos + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
            return fail_at (s, esc, FM_JSON_CHECK_SYNTAX,
                            "\\u%04x is half of a surrogate pair without its second half", u),
                   FALSE;
          s->pos += 6;
          u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
        }
      if (key)
        g_string_append_unichar (key, u);
    }
}

static gboolean
scan_digits (Scan *s)
{
  gsize from = s->pos;
  while (s->pos < s->len && g_ascii_isdigit (s->data[s->pos]))
    s->pos++;
  return s->pos > from;
}

static gboolean
scan_number (Scan *s)
{
  gsize start = s->pos;
  if (s->data[s->pos] == '-')
    s->pos++;
  if (s->pos < s->len && s->data[s->pos] == '0')
    {
      s->pos++;
      if (s->pos < s->len && g_ascii_isdigit (s->data[s->pos]))
        return fail_at (s, start, FM_JSON_CHECK_SYNTAX,
                        "a number with a leading zero (JSON has no octal numbers)"), FALSE;
    }
  else if (!scan_digits (s))
    return fail_at (s, start, FM_JSON_CHECK_SYNTAX, "'-' without digits"), FALSE;
  if (s->pos < s->len && s->data[s->pos] == '.')
    {
      s->pos++;
      if (!scan_digits (s))
        return fail_at (s, start, FM_JSON_CHECK_SYNTAX, "a '.' without digits after it"), FALSE;
    }
  if (s->pos < s->len && (s->data[s->pos] == 'e' || s->data[s->pos] == 'E'))
    {
      s->pos++;
      if (s->pos < s->len && (s->data[s->pos] == '+' || s->data[s->pos] == '-'))
        s->pos++;
      if (!scan_digits (s))
        return fail_at (s, start, FM_JSON_CHECK_SYNTAX, "an exponent without digits"), FALSE;
    }
  /* "0x1f", "12abc": json-glib reads the first as hex, JSON has neither */
  if (s->pos < s->len && (g_ascii_isalnum (s->data[s->pos]) || s->data[s->pos] == '_'))
    {
      g_autofree char *what = found (s, start);
      return fail_at (s, start, FM_JSON_CHECK_SYNTAX, "%s is not a JSON number", what), FALSE;
    }
  return TRUE;
}

static gboolean
scan_literal (Scan *s)
{
  static const char *const words[] = { "true", "false", "null" };
  for (int i = 0; i < 3; i++)
    {
      gsize n = strlen (words[i]);
      if (s->len - s->pos >= n && memcmp (s->data + s->pos, words[i], n) == 0
          && (s->pos + n == s->len || !g_ascii_isalnum (s->data[s->pos + n])))
        {
          s->pos += n;
          return TRUE;
        }
    }
  return FALSE;
}

/* A hint for what json-glib would have taken and JSON does not. */
static const char *
not_json_hint (const Scan *s)
{
  char c = s->data[s->pos];
  if (c == '\'')
    return " (strings take double quotes in JSON)";
  if (c == '/' && s->pos + 1 < s->len && (s->data[s->pos + 1] == '*' || s->data[s->pos + 1] == '/'))
    return " (JSON has no comments: use a \"comment\" key)";
  return "";
}

typedef struct {
  char kind;            /* '[' or '{' */
  GHashTable *keys;     /* for '{': decoded keys seen */
} Level;

FmJsonCheck
fm_json_check (const char *data, gsize len, const FmJsonLimits *limits, gsize *body_start,
               char **message)
{
  Scan s = { data, len, 0, limits, NULL, FM_JSON_CHECK_OK };
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    s.pos = 3;
  *body_start = s.pos;
  *message = NULL;

  int depth_cap = MAX (limits->max_depth, 1);
  Level *stack = g_new0 (Level, depth_cap);
  int depth = 0;
  gsize values = 0;
  GString *key = g_string_new (NULL);
  enum { VALUE, FIRST_VALUE, KEY, FIRST_KEY, AFTER } state = VALUE;

  skip_space (&s);
  if (s.pos >= len)
    goto done; /* an empty document: the caller decides */

  while (!s.message)
    {
      skip_space (&s);
      if (state == AFTER)
        {
          if (depth == 0)
            {
              if (s.pos < len)
                {
                  g_autofree char *what = found (&s, s.pos);
                  fail_at (&s, s.pos, FM_JSON_CHECK_SYNTAX,
                           "%s after the end of the document%s", what, not_json_hint (&s));
                }
              break;
            }
          Level *top = &stack[depth - 1];
          char close = top->kind == '[' ? ']' : '}';
          if (s.pos < len && s.data[s.pos] == ',')
            {
              s.pos++;
              state = top->kind == '[' ? VALUE : KEY;
            }
          else if (s.pos < len && s.data[s.pos] == close)
            {
              s.pos++;
              g_clear_pointer (&top->keys, g_hash_table_unref);
              depth--;
            }
          else
            {
              g_autofree char *what = found (&s, s.pos);
              fail_at (&s, s.pos, FM_JSON_CHECK_SYNTAX, "expected ',' or '%c', found %s%s", close,
                       what, s.pos < len ? not_json_hint (&s) : "");
            }
          continue;
        }
      if (s.pos >= len)
        {
          fail_at (&s, s.pos, FM_JSON_CHECK_SYNTAX, "the text ends inside %s",
                   depth && stack[depth - 1].kind == '{' ? "an object" : "an array");
          break;
        }
      char c = s.data[s.pos];
      if (state == FIRST_VALUE && c == ']')
        {
          s.pos++;
          depth--;
          state = AFTER;
          continue;
        }
      if (state == FIRST_KEY && c == '}')
        {
          s.pos++;
          g_clear_pointer (&stack[depth - 1].keys, g_hash_table_unref);
          depth--;
          state = AFTER;
          continue;
        }
      if (state == KEY || state == FIRST_KEY)
        {
          if (c != '"')
            {
              g_autofree char *what = found (&s, s.pos);
              fail_at (&s, s.pos, FM_JSON_CHECK_SYNTAX, "expected a key in double quotes, found %s%s",
                       what, (c == '}' && state == KEY) ? " (a comma before '}')" : not_json_hint (&s));
              break;
            }
          gsize at = s.pos;
          g_string_truncate (key, 0);
          if (!scan_string (&s, key))
            break;
          Level *top = &stack[depth - 1];
          if (!top->keys)
            top->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          if (!g_hash_table_add (top->keys, g_strndup (key->str, key->len)))
            {
              g_autofree char *name = fm_text_escape (key->str, (gssize) key->len, 60);
              fail_at (&s, at, FM_JSON_CHECK_DUPLICATE, "key '%s' is given twice in one object",
                       name);
              break;
            }
          skip_space (&s);
          if (s.pos >= len || s.data[s.pos] != ':')
            {
              g_autofree char *what = found (&s, s.pos);
              fail_at (&s, s.pos, FM_JSON_CHECK_SYNTAX, "expected ':' after a key, found %s", what);
              break;
            }
          s.pos++;
          state = VALUE;
          continue;
        }
      /* a value */
      if (++values > limits->max_values)
        {
          fail_at (&s, s.pos, FM_JSON_CHECK_TOO_MANY, "more than %" G_GSIZE_FORMAT " values",
                   limits->max_values);
          break;
        }
      if (c == '[' || c == '{')
        {
          if (depth == depth_cap)
            {
              fail_at (&s, s.pos, FM_JSON_CHECK_TOO_DEEP, "nested more than %d levels deep",
                       depth_cap);
              break;
            }
          stack[depth].kind = c;
          stack[depth].keys = NULL;
          depth++;
          s.pos++;
          state = c == '[' ? FIRST_VALUE : FIRST_KEY;
          continue;
        }
      gboolean ok;
      if (c == '"')
        ok = scan_string (&s, NULL);
      else if (c == '-' || g_ascii_isdigit (c))
        ok = scan_number (&s);
      else
        {
          ok = scan_literal (&s);
          if (!ok)
            {
              g_autofree char *what = found (&s, s.pos);
              fail_at (&s, s.pos, FM_JSON_CHECK_SYNTAX, "expected a value, found %s%s", what,
                       (c == ']' && state == VALUE && depth) ? " (a comma before ']')"
                                                            : not_json_hint (&s));
            }
        }
      if (!ok)
        break;
      state = AFTER;
    }

done:
  for (int i = 0; i < depth; i++)
    if (stack[i].keys)
      g_hash_table_unref (stack[i].keys);
  g_free (stack);
  g_string_free (key, TRUE);
  *message = s.message;
  return s.message ? s.status : FM_JSON_CHECK_OK;
}
